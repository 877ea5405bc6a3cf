/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "hs-connection-list.h"
#include "hs-connection-trace.h"
#include "hs-host-port.h"

static HsAddress
address (const char *text)
{
  HsAddress a;

  g_assert_true (hs_address_parse (text, &a));
  return a;
}

static void
append (HsTrace *trace, guint connection, HsEventKind kind, HsSide side, guint8 flags)
{
  HsEvent e = { 0 };

  e.connection = connection;
  e.kind = kind;
  e.side = side;
  e.flags = flags;
  e.provenance = HS_PROVENANCE_INFERRED;
  hs_trace_append (trace, &e);
}

static void
append_state (HsTrace *trace, guint connection, HsSide side, HsTcpState to)
{
  HsEvent e = { 0 };

  e.connection = connection;
  e.kind = HS_EVENT_STATE;
  e.side = side;
  e.to = to;
  hs_trace_append (trace, &e);
}

static void
append_data (HsTrace *trace,
             guint connection,
             HsSide side,
             HsAppAction action,
             const char *bytes,
             gsize len)
{
  HsEvent e = { 0 };
  g_autoptr (GBytes) data = g_bytes_new (bytes, len);

  e.connection = connection;
  e.kind = HS_EVENT_APP;
  e.side = side;
  e.action = action;
  e.data = data;
  hs_trace_append (trace, &e);
}

/* Three clients interleaved, as a class server's trace holds them. */
static HsTrace *
class_trace (void)
{
  HsTrace *trace = hs_trace_new ();
  HsAddress server = address ("[2001:db8::1]:5005");

  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *text = g_strdup_printf ("10.1.0.%u:%u", i + 1, 40000 + i);
      HsAddress client = address (text);

      g_assert_cmpuint (hs_trace_add_connection (trace, &client, &server), ==, i);
      append (trace, i, HS_EVENT_SEGMENT, HS_SIDE_CLIENT, HS_TCP_SYN);
    }
  for (guint i = 1; i <= 3; i++)
    {
      append (trace, i, HS_EVENT_SEGMENT, HS_SIDE_SERVER, HS_TCP_SYN | HS_TCP_ACK);
      append_state (trace, i, HS_SIDE_SERVER, HS_TCP_STATE_SYN_RECEIVED);
    }
  for (guint i = 1; i <= 3; i++)
    {
      append (trace, i, HS_EVENT_SEGMENT, HS_SIDE_CLIENT, HS_TCP_ACK);
      append_state (trace, i, HS_SIDE_SERVER, HS_TCP_STATE_ESTABLISHED);
    }
  return trace;
}

static void
test_list (void)
{
  g_autoptr (HsTrace) trace = class_trace ();
  g_autoptr (HsConnectionList) list = hs_connection_list_new (HS_SIDE_SERVER);
  HsConnectionRow *row;
  guint changes = 0;
  /* A peer's bytes are data: markup stays text, bad UTF-8 shows as hex. */
  static const char markup[] = "<b>hi</b>";
  static const char invalid[] = "\xff\xfe\x00zz";

  hs_connection_list_set_trace (list, trace);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == HS_TYPE_CONNECTION_ROW);

  row = hs_connection_list_get_row (list, 2);
  g_assert_cmpuint (hs_connection_row_get_id (row), ==, 2);
  g_assert_cmpstr (hs_connection_row_get_address (row), ==, "10.1.0.3");
  g_assert_cmpuint (hs_connection_row_get_port (row), ==, 40002);
  g_assert_cmpint (hs_connection_row_get_state (row), ==, HS_TCP_STATE_ESTABLISHED);
  g_assert_cmpstr (hs_connection_row_get_state_name (row), ==, "ESTABLISHED");
  g_assert_cmpuint (hs_connection_row_get_segments (row)->len, ==, 3);

  append_data (trace, 2, HS_SIDE_SERVER, HS_APP_RECEIVE, markup, strlen (markup));
  g_assert_cmpuint (hs_connection_row_get_bytes_in (row), ==, strlen (markup));
  g_assert_cmpstr (hs_connection_row_get_last_text (row), ==, "\"<b>hi</b>\"");
  append_data (trace, 2, HS_SIDE_SERVER, HS_APP_RECEIVE, invalid, 5);
  g_assert_null (strchr (hs_connection_row_get_last_text (row), 0xff));
  g_assert_true (g_utf8_validate (hs_connection_row_get_last_text (row), -1, NULL));
  g_assert_nonnull (strstr (hs_connection_row_get_last_text (row), "ff fe"));
  append_data (trace, 2, HS_SIDE_SERVER, HS_APP_SEND, "ok", 2);
  g_assert_cmpuint (hs_connection_row_get_bytes_out (row), ==, 2);

  /* A long line is cut with a mark. */
  {
    char long_line[500];

    memset (long_line, 'a', sizeof long_line);
    append_data (trace, 2, HS_SIDE_SERVER, HS_APP_RECEIVE, long_line, sizeof long_line);
    g_assert_cmpuint (g_utf8_strlen (hs_connection_row_get_last_text (row), -1), <, 60);
    g_assert_nonnull (strstr (hs_connection_row_get_last_text (row), "…"));
  }

  /* A new client is a new row. */
  {
    HsAddress client = address ("10.1.0.9:41000");
    HsAddress server = address ("10.1.0.1:5005");

    hs_trace_add_connection (trace, &client, &server);
    append (trace, 4, HS_EVENT_SEGMENT, HS_SIDE_CLIENT, HS_TCP_SYN);
    /* Announced once per main loop turn, however many arrived. */
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
    g_assert_nonnull (hs_connection_list_get_row (list, 4));
    while (g_main_context_iteration (NULL, FALSE))
      ;
    changes = g_list_model_get_n_items (G_LIST_MODEL (list));
  }
  g_assert_cmpuint (changes, ==, 4);

  /* A cleared trace empties the list. */
  hs_trace_clear (trace);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
}

static void
test_connection_trace (void)
{
  g_autoptr (HsTrace) trace = class_trace ();
  g_autoptr (HsTrace) mirror = hs_connection_trace_new (trace, 2);
  const HsTraceConnection *connection;
  guint syn_ack = G_MAXUINT;

  g_assert_cmpuint (hs_connection_trace_get_id (mirror), ==, 2);
  g_assert_cmpuint (hs_connection_trace_get_id (trace), ==, 0);
  /* The same id, so the diagram names it as the list does. */
  g_assert_cmpuint (hs_trace_get_n_connections (mirror), ==, 3);
  connection = hs_trace_get_connection (mirror, 2);
  g_assert_cmpuint (connection->client.port, ==, 40002);
  g_assert_cmpuint (connection->server.port, ==, 5005);

  g_assert_cmpuint (hs_trace_get_n_events (mirror), ==, 5);
  for (guint i = 0; i < hs_trace_get_n_events (mirror); i++)
    {
      const HsEvent *e = hs_trace_get_event (mirror, i);

      g_assert_cmpuint (e->connection, ==, 2);
      if (i > 0)
        g_assert_cmpint (e->time_us, >=, hs_trace_get_event (mirror, i - 1)->time_us);
    }

  /* Later events of that connection follow; others do not. */
  append (trace, 1, HS_EVENT_SEGMENT, HS_SIDE_CLIENT, HS_TCP_FIN | HS_TCP_ACK);
  g_assert_cmpuint (hs_trace_get_n_events (mirror), ==, 5);
  append (trace, 2, HS_EVENT_SEGMENT, HS_SIDE_CLIENT, HS_TCP_FIN | HS_TCP_ACK);
  g_assert_cmpuint (hs_trace_get_n_events (mirror), ==, 6);

  /* A refined event (the real SYN-ACK seen later) is refined in the copy. */
  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);

      if (e->connection == 2 && e->flags == (HS_TCP_SYN | HS_TCP_ACK))
        syn_ack = i;
    }
  g_assert_cmpuint (syn_ack, !=, G_MAXUINT);
  hs_trace_update_segment (trace, syn_ack, HS_PROVENANCE_CAPTURED, TRUE, 64240, NULL);
  g_assert_cmpint (hs_trace_get_event (mirror, 1)->provenance, ==, HS_PROVENANCE_CAPTURED);
  g_assert_cmpuint (hs_trace_get_event (mirror, 1)->window, ==, 64240);

  hs_trace_set_isn (trace, 2, HS_SIDE_CLIENT, 12345);
  {
    guint32 isn = 0;

    g_assert_true (hs_trace_connection_get_isn (mirror, 2, HS_SIDE_CLIENT, &isn));
    g_assert_cmpuint (isn, ==, 12345);
  }

  /* The copy outlives its source without harm. */
  g_clear_object (&trace);
  g_assert_cmpuint (hs_trace_get_n_events (mirror), ==, 6);
}

static void
test_host_port (void)
{
  const HsHostPortFlags client = HS_HOST_PORT_REQUIRE_HOST;
  const HsHostPortFlags server = HS_HOST_PORT_DEFAULT;
  const HsHostPortFlags any = HS_HOST_PORT_ALLOW_ANY_PORT;
  const struct
  {
    const char *text;
    HsHostPortFlags flags;
    const char *host;
    guint16 port;
  } good[] = {
    { "192.168.1.20:5005", client, "192.168.1.20", 5005 },
    { " teacher.local:80 ", client, "teacher.local", 80 },
    { "[2001:db8::1]:5005", client, "2001:db8::1", 5005 },
    { "5005", server, NULL, 5005 },
    { "0.0.0.0:5005", server, "0.0.0.0", 5005 },
    { "[::]:65535", server, "::", 65535 },
    /* `handshake-cli serve 0`: any free port, on the loopback or on an address. */
    { "0", any, NULL, 0 },
    { "127.0.0.1:0", any, "127.0.0.1", 0 },
    { "[::1]:0", any, "::1", 0 },
    { "0.0.0.0:5005", any, "0.0.0.0", 5005 },
    { "host:0", client | any, "host", 0 },
  };
  /* Each message quotes what was wrong and says what to type instead. */
  const struct
  {
    const char *text;
    HsHostPortFlags flags;
    const char *quoted;
    const char *words;
  } bad[] = {
    { "5005", client, "“5005”", "which computer" },
    { ":5005", client, "“:5005”", "which computer" },
    { "host:", client, "“host:”", "gives no port" },
    { "host:0", client, "“0”", "1 to 65535." },
    { "0", server, "“0”", "1 to 65535." },
    { "[::]:0", server, "“0”", "1 to 65535." },
    { "host:65536", client, "“65536”", "1 to 65535." },
    { "2001:db8::1:5005", client, "“2001:db8::1:5005”", "brackets" },
    { "[::1]5005", server, "“[::1]5005”", "brackets" },
    { "", server, "“”", "gives no port" },
    { "host:50x", client, "“50x”", "1 to 65535." },
    /* Port 0 allowed is no other port allowed, nor a missing host. */
    { "65536", any, "“65536”", "or 0 for any free port" },
    { "-1", any, "“-1”", "or 0 for any free port" },
    { " 1.2.3.4: ", any, "“1.2.3.4:”", "or 0 for any free port" },
    { "[::1]5005", any, "“[::1]5005”", "brackets" },
    { "0", client | any, "“0”", "which computer" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *host = NULL;
      guint16 port = 0;

      g_assert_true (hs_host_port_parse (good[i].text, good[i].flags, &host, &port, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (host, ==, good[i].host);
      g_assert_cmpuint (port, ==, good[i].port);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *host = NULL;
      guint16 port = 0;

      g_assert_false (hs_host_port_parse (bad[i].text, bad[i].flags, &host, &port, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_null (host);
      if (strstr (error->message, bad[i].quoted) == NULL ||
          strstr (error->message, bad[i].words) == NULL)
        g_error ("“%s”: the message “%s” lacks %s or “%s”", bad[i].text, error->message,
                 bad[i].quoted, bad[i].words);
    }

  {
    g_autofree char *v4 = hs_host_port_format ("10.0.0.1", 80);
    g_autofree char *v6 = hs_host_port_format ("::1", 80);

    g_assert_cmpstr (v4, ==, "10.0.0.1:80");
    g_assert_cmpstr (v6, ==, "[::1]:80");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/class/list", test_list);
  g_test_add_func ("/ui/class/connection-trace", test_connection_trace);
  g_test_add_func ("/ui/class/host-port", test_host_port);

  return g_test_run ();
}
