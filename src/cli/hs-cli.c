/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "handshake-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>

#include "hs-capture.h"
#include "hs-diagram.h"
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

static int
command_run (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) steps = NULL;
  g_autoptr (HsSession) session = NULL;
  g_autoptr (HsRunner) runner = NULL;
  g_autoptr (GCancellable) cancellable = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  HsLabelStyle style = HS_LABEL_STYLE_RELATIVE;
  int status = EXIT_OK;
  guint sigint_id, sigterm_id;

  context = g_option_context_new (_ ("FILE — run a scenario and print its trace"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, run_entries, GETTEXT_PACKAGE);
  g_option_context_set_description (
      context, _ ("The scenario language is described in the README. Exit status: 0 when every "
                  "step ran, 1 when a step failed or timed out, 2 for a usage or scenario error, "
                  "3 when the network asked for is not available here."));

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_USAGE;
    }
  if (argc != 2)
    {
      g_printerr (_ ("%s: run needs exactly one scenario file\n"), g_get_prgname ());
      return EXIT_USAGE;
    }

  if (opt_format == NULL)
    opt_format = g_strdup ("table");
  if (!g_strv_contains ((const char *const[]){ "table", "jsonl", "svg", "pdf", "png", "pcap",
                                               NULL },
                        opt_format))
    {
      g_printerr (_ ("%s: unknown format “%s”; use table, jsonl, svg, pdf, png or pcap\n"),
                  g_get_prgname (), opt_format);
      return EXIT_USAGE;
    }
  if (opt_labels != NULL && !hs_label_style_parse (opt_labels, &style))
    {
      g_printerr (_ ("%s: unknown label style “%s”; use symbolic, relative or absolute\n"),
                  g_get_prgname (), opt_labels);
      return EXIT_USAGE;
    }
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
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HsCapture) capture = NULL;
  g_autoptr (HsTrace) trace = NULL;
  HsLabelStyle style = HS_LABEL_STYLE_RELATIVE;
  const GError *warning;
  guint n_connections;
  guint stream;

  context = g_option_context_new (_ ("CAPTURE — show a TCP connection of a pcap or pcapng file"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, open_entries, GETTEXT_PACKAGE);
  g_option_context_set_description (
      context, _ ("Reads the capture with libpcap and prints the chosen connection's trace as run "
                  "does, with the states of both ends inferred from the segments. Without "
                  "--stream and with several connections, the list goes to standard error and "
                  "the first connection is shown. Exit status: 0 when the whole file was read, 1 "
                  "when it could not be read or only in part (what could be read is still "
                  "printed), 2 for a usage error."));

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error->message);
      return EXIT_USAGE;
    }
  if (argc != 2)
    {
      g_printerr (_ ("%s: open needs exactly one capture file\n"), g_get_prgname ());
      return EXIT_USAGE;
    }
  if (opt_format == NULL)
    opt_format = g_strdup ("table");
  if (!g_strv_contains ((const char *const[]){ "table", "jsonl", "svg", "pdf", "png", NULL },
                        opt_format))
    {
      g_printerr (_ ("%s: unknown format “%s”; use table, jsonl, svg, pdf or png\n"),
                  g_get_prgname (), opt_format);
      return EXIT_USAGE;
    }
  if (opt_labels != NULL && !hs_label_style_parse (opt_labels, &style))
    {
      g_printerr (_ ("%s: unknown label style “%s”; use symbolic, relative or absolute\n"),
                  g_get_prgname (), opt_labels);
      return EXIT_USAGE;
    }
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
              "\n"
              "Run “%s run --help” or “%s open --help” for the options.\n"),
           g_get_prgname (), g_get_prgname (), g_get_prgname ());
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

  if (g_strcmp0 (argv[1], "open") == 0)
    return command_open (argc - 1, argv + 1);

  g_printerr (_ ("%s: unknown command “%s”\n"), g_get_prgname (), argv[1]);
  print_usage ();
  return EXIT_USAGE;
}
