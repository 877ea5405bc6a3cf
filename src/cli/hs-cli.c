/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "handshake-cli"

#include "config.h"

#include <locale.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>

#include "hs-capture.h"
#include "hs-diagram.h"
#include "hs-host-port.h"
#include "hs-interfaces.h"
#include "hs-labels.h"
#include "hs-pcap.h"
#include "hs-runner.h"
#include "hs-scenario.h"
#include "hs-session.h"
#include "hs-trace-format.h"

/* Exit statuses, documented in --help. */
enum
{
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
  EXIT_NETWORK_UNAVAILABLE = 3,
};

static char *opt_format = NULL;
static char *opt_output = NULL;
static char *opt_network = NULL;
static char *opt_labels = NULL;
static double opt_timeout = 10.0;
static gboolean opt_no_capture = FALSE;
static int opt_width = 1920;
static gint64 opt_seed = -1;

static const GOptionEntry run_entries[] = {
  { "format", 'f', 0, G_OPTION_ARG_STRING, &opt_format,
    N_ ("Output format: table, jsonl, svg, pdf, png or pcap (default: table)"), "FORMAT" },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
    N_ ("Write to FILE instead of standard output"), "FILE" },
  { "network", 'n', 0, G_OPTION_ARG_STRING, &opt_network,
    N_ ("Run on this network (host, lab or sim), whatever the scenario says"), "NETWORK" },
  { "labels", 'l', 0, G_OPTION_ARG_STRING, &opt_labels,
    N_ ("Sequence numbers as symbolic, relative or absolute (default: relative)"), "STYLE" },
  { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &opt_timeout,
    N_ ("Seconds to wait for each step's effects (default: 10)"), "SECONDS" },
  { "width", 'w', 0, G_OPTION_ARG_INT, &opt_width,
    N_ ("Width in pixels of an svg, pdf or png diagram (default: 1920)"), "PIXELS" },
  { "seed", 0, 0, G_OPTION_ARG_INT64, &opt_seed,
    N_ ("Simulated network: seed of its ISNs and ports (default: 1, so runs repeat)"), "N" },
  { "no-capture", 0, 0, G_OPTION_ARG_NONE, &opt_no_capture,
    N_ ("Infer segments even where packets could be captured"), NULL },
  { NULL }
};

static void
warning_cb (HsRunner *runner, const char *message)
{
  g_printerr ("%s: %s\n", g_get_prgname (), message);
}

static void
session_error_cb (HsSession *session, guint kind, const char *message)
{
  g_printerr ("%s: %s\n", g_get_prgname (), message);
}

static gboolean
write_output (const char *text, GError **error)
{
  if (opt_output == NULL || g_strcmp0 (opt_output, "-") == 0)
    {
      fputs (text, stdout);
      fflush (stdout);
      return TRUE;
    }
  return g_file_set_contents (opt_output, text, -1, error);
}

static gboolean write_trace (HsTrace *trace, HsLabelStyle style, GError **error);

static gboolean
emit_trace (HsSession *session, HsLabelStyle style, GError **error)
{
  HsTrace *trace = hs_session_get_trace (session);

  if (g_strcmp0 (opt_format, "pcap") == 0)
    {
      HsWire *wire = hs_session_get_wire (session);

      /* Only the lab's wire holds the real bytes of every packet. */
      if (wire == NULL)
        {
          g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                               _ ("Only the lab network captures packets: run with --network lab "
                                  "to write a pcap file."));
          return FALSE;
        }
      return hs_pcap_write (wire, opt_output != NULL ? opt_output : "-", NULL, error);
    }

  return write_trace (trace, style, error);
}

/* The trace in the chosen format (not pcap): what `run` and `open` print. */
static gboolean
write_trace (HsTrace *trace, HsLabelStyle style, GError **error)
{
  if (g_strcmp0 (opt_format, "jsonl") == 0)
    {
      g_autofree char *text = hs_trace_format_jsonl (trace);
      return write_output (text, error);
    }

  if (g_strcmp0 (opt_format, "svg") == 0 || g_strcmp0 (opt_format, "pdf") == 0 ||
      g_strcmp0 (opt_format, "png") == 0)
    {
      if (opt_output == NULL || g_strcmp0 (opt_output, "-") == 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _ ("A %s diagram needs a file name: add -o FILE."), opt_format);
          return FALSE;
        }
      return hs_diagram_export (trace, style, HS_DIAGRAM_PALETTE_LIGHT, 1.0, opt_format, opt_output,
                                opt_width, error);
    }

  {
    g_autofree char *text = hs_trace_format_table (trace, style);
    return write_output (text, error);
  }
}

static gboolean
quit_on_signal_cb (gpointer user_data)
{
  GCancellable *cancellable = user_data;

  g_cancellable_cancel (cancellable);
  return G_SOURCE_CONTINUE;
}

static void
run_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Parses a command's options into the opt_ variables; FALSE, with the
 * reason printed, on a usage error. */
static gboolean
parse_command (const char *parameter,
               const char *description,
               const GOptionEntry *entries,
               int *argc,
               char ***argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (parameter);
  g_autoptr (GError) error = NULL;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context, description);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return FALSE;
    }
  return TRUE;
}

/* Checks --format against @formats (the first is the default) and reads
 * --labels (relative by default) into @style; FALSE, with the reason
 * printed, on a usage error. */
static gboolean
check_output_options (const char *const *formats, HsLabelStyle *style)
{
  if (opt_format == NULL)
    opt_format = g_strdup (formats[0]);
  if (!g_strv_contains (formats, opt_format))
    {
      g_autofree char *known = g_strjoinv (", ", (char **) formats);

      g_printerr (_ ("%s: unknown format “%s”; use one of %s\n"), g_get_prgname (), opt_format,
                  known);
      return FALSE;
    }
  *style = HS_LABEL_STYLE_RELATIVE;
  if (opt_labels != NULL && !hs_label_style_parse (opt_labels, style))
    {
      g_printerr (_ ("%s: unknown label style “%s”; use symbolic, relative or absolute\n"),
                  g_get_prgname (), opt_labels);
      return FALSE;
    }
  return TRUE;
}

static int
command_run (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) steps = NULL;
  g_autoptr (HsSession) session = NULL;
  g_autoptr (HsRunner) runner = NULL;
  g_autoptr (GCancellable) cancellable = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  HsLabelStyle style = HS_LABEL_STYLE_RELATIVE;
  int status = EXIT_OK;
  guint sigint_id, sigterm_id;

  if (!parse_command (_ ("FILE — run a scenario and print its trace"),
                      _ ("The scenario language is described in the README. Exit status: 0 when "
                         "every step ran, 1 when a step failed or timed out, 2 for a usage or "
                         "scenario error, 3 when the network asked for is not available here."),
                      run_entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr (_ ("%s: run needs exactly one scenario file\n"), g_get_prgname ());
      return EXIT_USAGE;
    }
  if (!check_output_options ((const char *const[]){ "table", "jsonl", "svg", "pdf", "png", "pcap",
                                                    NULL },
                             &style))
    return EXIT_USAGE;
  if (opt_network != NULL && !hs_network_kind_parse (opt_network, NULL))
    {
      g_printerr (_ ("%s: unknown network “%s”; use host, lab or sim\n"), g_get_prgname (),
                  opt_network);
      return EXIT_USAGE;
    }
  if (opt_seed > G_MAXUINT32)
    {
      g_printerr (_ ("%s: the seed must be between 0 and 4294967295\n"), g_get_prgname ());
      return EXIT_USAGE;
    }
  if (opt_timeout <= 0 || opt_timeout > 3600)
    {
      g_printerr (_ ("%s: the timeout must be between 0 and 3600 seconds\n"), g_get_prgname ());
      return EXIT_USAGE;
    }

  steps = hs_scenario_load (argv[1], &error);
  if (steps == NULL)
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_USAGE;
    }

  /* The session is made for the network the run uses: --network, else the
   * scenario's first `network` line. */
  {
    HsNetworkKind kind = HS_NETWORK_HOST;
    const char *name = opt_network;

    for (guint i = 0; name == NULL && i < steps->len; i++)
      {
        const HsStep *step = g_ptr_array_index (steps, i);

        if (step->kind == HS_STEP_NETWORK)
          name = step->text;
      }
    if (name != NULL)
      hs_network_kind_parse (name, &kind);

    session = hs_session_try_new (kind, &error);
    if (session == NULL)
      {
        g_printerr ("%s: %s\n", g_get_prgname (), error->message);
        return EXIT_NETWORK_UNAVAILABLE;
      }
    if (kind == HS_NETWORK_SIM && opt_seed >= 0)
      hs_sim_set_seed (hs_session_get_sim (session), (guint32) opt_seed);

    /* A scenario that connects to a server elsewhere and listens nowhere
     * is a client of that server: it shows (and captures) its own end. */
    if (kind == HS_NETWORK_HOST)
      {
        gboolean listens = FALSE, connects_away = FALSE;

        for (guint i = 0; i < steps->len; i++)
          {
            const HsStep *step = g_ptr_array_index (steps, i);

            listens |= step->kind == HS_STEP_LISTEN || step->kind == HS_STEP_OPEN_BOTH;
            connects_away |= step->kind == HS_STEP_CONNECT && step->text != NULL;
          }
        if (connects_away && !listens)
          hs_session_set_role (session, HS_SESSION_ROLE_CLIENT);
      }
    hs_session_set_capture_enabled (session, !opt_no_capture);
  }
  runner = hs_runner_new (session);
  hs_runner_set_settle_timeout (runner, (gint64) (opt_timeout * G_USEC_PER_SEC));
  if (opt_network != NULL)
    hs_runner_set_network_override (runner, opt_network);
  g_signal_connect (runner, "warning", G_CALLBACK (warning_cb), NULL);
  g_signal_connect (session, "error", G_CALLBACK (session_error_cb), NULL);

  /* Ctrl-C ends the run but still prints what was recorded. */
  cancellable = g_cancellable_new ();
  sigint_id = g_unix_signal_add (SIGINT, quit_on_signal_cb, cancellable);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_on_signal_cb, cancellable);

  hs_runner_run_async (runner, steps, cancellable, run_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  if (!hs_runner_run_finish (runner, result, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      if (g_error_matches (error, HS_RUNNER_ERROR, HS_RUNNER_ERROR_NETWORK_UNAVAILABLE))
        return EXIT_NETWORK_UNAVAILABLE;
      status = EXIT_FAILED;
    }
  else if (hs_runner_get_n_warnings (runner) > 0)
    status = EXIT_FAILED;

  g_clear_error (&error);
  if (!emit_trace (session, style, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_FAILED;
    }

  return status;
}

/* serve: a server for the class, recorded headless until SIGINT/SIGTERM. */

static int opt_max_connections = HS_SESSION_DEFAULT_MAX_CONNECTIONS;

static const GOptionEntry serve_entries[] = {
  { "format", 'f', 0, G_OPTION_ARG_STRING, &opt_format,
    N_ ("Output format: table or jsonl (default: table)"), "FORMAT" },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
    N_ ("Write to FILE instead of standard output"), "FILE" },
  { "labels", 'l', 0, G_OPTION_ARG_STRING, &opt_labels,
    N_ ("Sequence numbers as symbolic, relative or absolute (default: relative)"), "STYLE" },
  { "max-connections", 'm', 0, G_OPTION_ARG_INT, &opt_max_connections,
    N_ ("Connections served at once; more clients are told so and closed (default: 256)"), "N" },
  { "no-capture", 0, 0, G_OPTION_ARG_NONE, &opt_no_capture,
    N_ ("Infer segments even where packets could be captured"), NULL },
  { NULL }
};

typedef struct
{
  HsSession *session;
  HsTrace *trace;
  FILE *out;
  gboolean jsonl;
  HsLabelStyle style;
  guint written;       /* events written so far */
  GArray *changed;     /* indices of written events changed since */
  GArray *connections; /* connection ids changed since */
  guint idle_id;
  GMainLoop *loop;
  gboolean write_failed;
} Serve;

/* Writes what the trace gained since the last call and flushes, so that a
 * reader of the file (or a pipe) sees every event as it happens, and an
 * interrupted server has lost nothing. An event changed after it was
 * written (a state the kernel confirmed) is written again with the same
 * index: the later line wins. */
static void
serve_write (Serve *serve)
{
  guint n = hs_trace_get_n_events (serve->trace);
  GString *out = g_string_new (NULL);

  if (serve->jsonl)
    for (guint i = 0; i < serve->connections->len; i++)
      {
        g_autofree char *line =
            hs_trace_format_json_connection (serve->trace,
                                             g_array_index (serve->connections, guint, i));

        g_string_append_printf (out, "{\"kind\":\"connection\",\"connection\":%s}\n", line);
      }
  g_array_set_size (serve->connections, 0);

  for (; serve->written < n; serve->written++)
    {
      g_autofree char *line =
          serve->jsonl ? hs_trace_format_json_event (serve->trace, serve->written)
                       : hs_trace_format_table_row (serve->trace, serve->written, serve->style);

      g_string_append (out, line);
      if (serve->jsonl)
        g_string_append_c (out, '\n');
    }

  if (serve->jsonl)
    for (guint i = 0; i < serve->changed->len; i++)
      {
        g_autofree char *line =
            hs_trace_format_json_event (serve->trace, g_array_index (serve->changed, guint, i));

        g_string_append (out, line);
        g_string_append_c (out, '\n');
      }
  g_array_set_size (serve->changed, 0);

  if (out->len > 0 && !serve->write_failed &&
      (fwrite (out->str, 1, out->len, serve->out) != out->len || fflush (serve->out) != 0))
    {
      serve->write_failed = TRUE;
      g_printerr (_ ("%s: could not write the trace: %s\n"), g_get_prgname (), g_strerror (errno));
      g_main_loop_quit (serve->loop);
    }
  g_string_free (out, TRUE);
}

static gboolean
serve_idle_cb (gpointer user_data)
{
  Serve *serve = user_data;

  serve->idle_id = 0;
  serve_write (serve);
  return G_SOURCE_REMOVE;
}

/* Writing waits for the end of the current dispatch, so that what one
 * socket event implies (a SYN refined by TCP_SAVED_SYN) is written whole. */
static void
serve_schedule (Serve *serve)
{
  if (serve->idle_id == 0)
    serve->idle_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, serve_idle_cb, serve, NULL);
}

static void
serve_event_added_cb (HsTrace *trace, guint index, Serve *serve)
{
  serve_schedule (serve);
}

static void
serve_event_changed_cb (HsTrace *trace, guint index, Serve *serve)
{
  if (index >= serve->written)
    return;
  for (guint i = 0; i < serve->changed->len; i++)
    if (g_array_index (serve->changed, guint, i) == index)
      return;
  g_array_append_val (serve->changed, index);
  serve_schedule (serve);
}

static void
serve_connection_changed_cb (HsTrace *trace, guint id, Serve *serve)
{
  for (guint i = 0; i < serve->connections->len; i++)
    if (g_array_index (serve->connections, guint, i) == id)
      return;
  g_array_append_val (serve->connections, id);
  serve_schedule (serve);
}

static gboolean
serve_signal_cb (gpointer user_data)
{
  Serve *serve = user_data;

  g_main_loop_quit (serve->loop);
  return G_SOURCE_CONTINUE;
}

static int
command_serve (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HsSession) session = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autofree char *address = NULL;
  Serve serve = { 0 };
  FILE *file = NULL;
  guint16 port = 0;
  guint sigint_id, sigterm_id;
  gboolean ok;

  if (!parse_command (_ ("[ADDRESS:]PORT — serve a class and print its trace"),
                      _ ("Listens on 127.0.0.1 unless an address is given (0.0.0.0 or :: lets "
                         "other computers connect), accepts any TCP client and writes every event "
                         "as it happens, until Ctrl-C or SIGTERM. Exit status: 0 after a signal, 1 "
                         "when the server cannot listen, 2 for a usage error."),
                      serve_entries, &argc, &argv))
    return EXIT_USAGE;
  /* Port 0 asks the kernel for any free port, which "listening on" then
   * names: scripts and tests run several servers side by side that way. */
  if (argc != 2 ||
      !hs_host_port_parse (argv[1], HS_HOST_PORT_ALLOW_ANY_PORT, &address, &port, &error))
    {
      if (error != NULL)
        g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      g_printerr (_ ("%s: serve needs one [ADDRESS:]PORT, such as 5005 or 0.0.0.0:5005\n"),
                  g_get_prgname ());
      return EXIT_USAGE;
    }
  if (!check_output_options ((const char *const[]){ "table", "jsonl", NULL }, &serve.style))
    return EXIT_USAGE;
  if (opt_max_connections < 1 || opt_max_connections > G_MAXUINT16)
    {
      g_printerr (_ ("%s: the connection limit must be between 1 and 65535\n"), g_get_prgname ());
      return EXIT_USAGE;
    }

  if (opt_output != NULL && g_strcmp0 (opt_output, "-") != 0)
    {
      file = fopen (opt_output, "w");
      if (file == NULL)
        {
          g_printerr (_ ("%s: cannot write “%s”: %s\n"), g_get_prgname (), opt_output,
                      g_strerror (errno));
          return EXIT_FAILED;
        }
    }

  session = hs_session_new ();
  hs_session_set_role (session, HS_SESSION_ROLE_SERVER);
  /* Typing an address on the command line is the explicit choice. */
  hs_session_set_allow_remote (session, address != NULL);
  hs_session_set_max_connections (session, (guint) opt_max_connections);
  hs_session_set_capture_enabled (session, !opt_no_capture);
  g_signal_connect (session, "error", G_CALLBACK (session_error_cb), NULL);

  loop = g_main_loop_new (NULL, FALSE);
  serve.session = session;
  serve.trace = hs_session_get_trace (session);
  serve.out = file != NULL ? file : stdout;
  serve.jsonl = g_strcmp0 (opt_format, "jsonl") == 0;
  serve.loop = loop;
  serve.changed = g_array_new (FALSE, FALSE, sizeof (guint));
  serve.connections = g_array_new (FALSE, FALSE, sizeof (guint));

  g_signal_connect (serve.trace, "event-added", G_CALLBACK (serve_event_added_cb), &serve);
  g_signal_connect (serve.trace, "event-changed", G_CALLBACK (serve_event_changed_cb), &serve);
  g_signal_connect (serve.trace, "connection-changed", G_CALLBACK (serve_connection_changed_cb),
                    &serve);

  /* The header says how segments are known, so it is written once the
   * listener (and with it the capture) has started; what listening
   * recorded meanwhile waits for the first write. */
  ok = hs_session_listen (session, address != NULL ? address : "127.0.0.1", port, &error);
  if (serve.jsonl)
    fprintf (serve.out,
             "{\"kind\":\"trace\",\"network\":\"host\",\"role\":\"server\",\"capture\":\"%s\","
             "\"connections\":[]}\n",
             hs_session_get_capture_mode (session) == HS_CAPTURE_MODE_CAPTURED ? "captured"
                                                                               : "inferred");
  else
    {
      g_autofree char *header = hs_trace_format_table_header ();
      fputs (header, serve.out);
    }
  fflush (serve.out);

  if (!ok)
    {
      serve_write (&serve);
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      g_signal_handlers_disconnect_by_data (serve.trace, &serve);
      g_clear_handle_id (&serve.idle_id, g_source_remove);
      g_array_unref (serve.changed);
      g_array_unref (serve.connections);
      if (file != NULL)
        fclose (file);
      return EXIT_FAILED;
    }

  {
    guint16 bound = hs_session_get_listen_port (session);
    g_auto (GStrv) addresses = address != NULL && !hs_net_address_is_loopback (address)
                                   ? hs_net_get_local_addresses ()
                                   : NULL;

    g_printerr (_ ("%s: listening on %s port %u. %s\n"), g_get_prgname (),
                address != NULL ? address : "127.0.0.1", bound,
                hs_session_get_capture_description (session));
    for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
      g_printerr (_ ("%s: students can connect to %s port %u\n"), g_get_prgname (), addresses[i],
                  bound);
  }

  sigint_id = g_unix_signal_add (SIGINT, serve_signal_cb, &serve);
  sigterm_id = g_unix_signal_add (SIGTERM, serve_signal_cb, &serve);
  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  /* Ending: the listener closes (recorded), and everything is written. */
  hs_session_stop_listening (session);
  serve_write (&serve);

  g_signal_handlers_disconnect_by_data (serve.trace, &serve);
  g_clear_handle_id (&serve.idle_id, g_source_remove);
  g_array_unref (serve.changed);
  g_array_unref (serve.connections);
  if (file != NULL && fclose (file) != 0)
    serve.write_failed = TRUE;

  return serve.write_failed ? EXIT_FAILED : EXIT_OK;
}

static gint64 opt_stream = -1;
static gboolean opt_list = FALSE;

static const GOptionEntry open_entries[] = {
  { "stream", 's', 0, G_OPTION_ARG_INT64, &opt_stream,
    N_ ("The connection to show, numbered from 0 as tshark's tcp.stream (default: the first)"),
    "N" },
  { "list", 0, 0, G_OPTION_ARG_NONE, &opt_list, N_ ("Only list the capture's TCP connections"),
    NULL },
  { "format", 'f', 0, G_OPTION_ARG_STRING, &opt_format,
    N_ ("Output format: table, jsonl, svg, pdf or png (default: table)"), "FORMAT" },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
    N_ ("Write to FILE instead of standard output"), "FILE" },
  { "labels", 'l', 0, G_OPTION_ARG_STRING, &opt_labels,
    N_ ("Sequence numbers as symbolic, relative or absolute (default: relative)"), "STYLE" },
  { "width", 'w', 0, G_OPTION_ARG_INT, &opt_width,
    N_ ("Width in pixels of an svg, pdf or png diagram (default: 1920)"), "PIXELS" },
  { NULL }
};

/* The capture's connections as a table, one a line. */
static char *
format_connections (HsCapture *capture)
{
  GString *out = g_string_new (NULL);
  gint64 first_us = G_MAXINT64;

  for (guint i = 0; i < hs_capture_get_n_connections (capture); i++)
    first_us = MIN (first_us, hs_capture_get_connection (capture, i)->start_us);

  g_string_append_printf (out, "%6s  %-46s  %-46s  %7s  %10s  %9s  %s\n", "STREAM", "CLIENT",
                          "SERVER", "PACKETS", "BYTES", "START(s)", "FIRST");
  for (guint i = 0; i < hs_capture_get_n_connections (capture); i++)
    {
      const HsCaptureConnection *c = hs_capture_get_connection (capture, i);
      g_autofree char *client = hs_address_to_string (&c->client);
      g_autofree char *server = hs_address_to_string (&c->server);
      g_autofree char *flags = hs_tcp_flags_to_string (c->first_flags);

      g_string_append_printf (out, "%6u  %-46s  %-46s  %7u  %10" G_GUINT64_FORMAT "  %9.3f  %s\n",
                              c->index, client, server, c->n_packets, c->bytes,
                              (double) (c->start_us - first_us) / G_USEC_PER_SEC, flags);
    }
  return g_string_free (out, FALSE);
}

static int
command_open (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HsCapture) capture = NULL;
  g_autoptr (HsTrace) trace = NULL;
  HsLabelStyle style = HS_LABEL_STYLE_RELATIVE;
  const GError *warning;
  guint n_connections;
  guint stream;

  if (!parse_command (_ ("CAPTURE — show a TCP connection of a pcap or pcapng file"),
                      _ ("Reads the capture with libpcap and prints the chosen connection's trace "
                         "as run does, with the states of both ends inferred from the segments. "
                         "Without --stream and with several connections, the list goes to "
                         "standard error and the first connection is shown. Exit status: 0 when "
                         "the whole file was read, 1 when it could not be read or only in part "
                         "(what could be read is still printed), 2 for a usage error."),
                      open_entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2)
    {
      g_printerr (_ ("%s: open needs exactly one capture file\n"), g_get_prgname ());
      return EXIT_USAGE;
    }
  if (!check_output_options ((const char *const[]){ "table", "jsonl", "svg", "pdf", "png", NULL },
                             &style))
    return EXIT_USAGE;
  if (opt_stream < -1 || opt_stream > G_MAXUINT32 - 1)
    {
      g_printerr (_ ("%s: the stream number must be 0 or more\n"), g_get_prgname ());
      return EXIT_USAGE;
    }

  capture = hs_capture_load_file (argv[1], &error);
  if (capture == NULL)
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_FAILED;
    }
  warning = hs_capture_get_warning (capture);
  if (warning != NULL)
    g_printerr ("%s: %s\n", g_get_prgname (), warning->message);

  n_connections = hs_capture_get_n_connections (capture);
  if (opt_list)
    {
      g_autofree char *list = format_connections (capture);

      if (!write_output (list, &error))
        {
          g_printerr ("%s: %s\n", g_get_prgname (), error->message);
          return EXIT_FAILED;
        }
      return warning != NULL ? EXIT_FAILED : EXIT_OK;
    }

  stream = opt_stream >= 0 ? (guint) opt_stream : 0;
  if (opt_stream < 0 && n_connections > 1)
    {
      g_autofree char *list = format_connections (capture);

      g_printerr ("%s", list);
      g_printerr (g_dngettext (GETTEXT_PACKAGE,
                               "%s: the capture holds %u TCP connection; showing stream 0 (choose "
                               "another with --stream N)\n",
                               "%s: the capture holds %u TCP connections; showing stream 0 "
                               "(choose another with --stream N)\n",
                               n_connections),
                  g_get_prgname (), n_connections);
    }

  trace = hs_capture_build_trace (capture, stream, &error);
  if (trace == NULL)
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_USAGE;
    }
  if (!write_trace (trace, style, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_FAILED;
    }

  return warning != NULL ? EXIT_FAILED : EXIT_OK;
}

static void
print_usage (void)
{
  g_print (_ ("Usage: %s COMMAND [OPTIONS]\n"
              "\n"
              "Commands:\n"
              "  run FILE       Run a scenario headless and print its trace\n"
              "  open CAPTURE   Show a TCP connection of a pcap or pcapng file\n"
              "  serve [ADDRESS:]PORT\n"
              "                 Serve a class: accept any client and print the trace as it "
              "grows\n"
              "\n"
              "Run “%s run --help”, “%s open --help” or “%s serve --help” for the "
              "options.\n"),
           g_get_prgname (), g_get_prgname (), g_get_prgname (), g_get_prgname ());
}

int
main (int argc, char **argv)
{
  const char *localedir = g_getenv ("HANDSHAKE_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* HANDSHAKE_LOCALEDIR lets an uninstalled build use its own catalogs
   * (e.g. _build/po); installed, the catalogs are in LOCALEDIR. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("handshake-cli");

  if (argc < 2 || g_strcmp0 (argv[1], "--help") == 0 || g_strcmp0 (argv[1], "-h") == 0)
    {
      print_usage ();
      return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }

  if (g_strcmp0 (argv[1], "--version") == 0)
    {
      g_print ("handshake-cli %s\n", PACKAGE_VERSION);
      return EXIT_OK;
    }

  if (g_strcmp0 (argv[1], "run") == 0)
    return command_run (argc - 1, argv + 1);
  if (g_strcmp0 (argv[1], "serve") == 0)
    return command_serve (argc - 1, argv + 1);

  if (g_strcmp0 (argv[1], "open") == 0)
    return command_open (argc - 1, argv + 1);

  g_printerr (_ ("%s: unknown command “%s”\n"), g_get_prgname (), argv[1]);
  print_usage ();
  return EXIT_USAGE;
}
