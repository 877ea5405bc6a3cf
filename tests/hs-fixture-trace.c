/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "hs-fixture-trace.h"

static void
app (HsTrace *trace,
     guint connection,
     HsSide side,
     HsAppAction action,
     const char *text,
     const char *data)
{
  g_autoptr (GBytes) bytes = data != NULL ? g_bytes_new (data, strlen (data)) : NULL;
  HsEvent e = { .kind = HS_EVENT_APP,
                .connection = connection,
                .side = side,
                .action = action,
                .text = (char *) text,
                .data = bytes };

  hs_trace_append (trace, &e);
}

static void
state (HsTrace *trace,
       guint connection,
       HsSide side,
       HsTcpState from,
       HsTcpState to,
       HsStateSource source)
{
  HsEvent e = { .kind = HS_EVENT_STATE,
                .connection = connection,
                .side = side,
                .from = from,
                .to = to,
                .source = source };

  hs_trace_append (trace, &e);
}

guint
hs_fixture_append_segment (HsTrace *trace,
                           guint connection,
                           HsSide side,
                           guint8 flags,
                           guint32 seq,
                           guint32 ack,
                           guint32 len,
                           HsProvenance provenance)
{
  HsEvent e = { .kind = HS_EVENT_SEGMENT,
                .connection = connection,
                .side = side,
                .flags = flags,
                .rel_seq = seq,
                .rel_ack = ack,
                .len = len,
                .provenance = provenance };

  return hs_trace_append (trace, &e);
}

static void
set_address (HsAddress *address, const char *text)
{
  gboolean ok = hs_address_parse (text, address);

  g_assert (ok);
}

void
hs_fixture_trace_append_session (HsTrace *trace, guint c)
{
  const HsSide C = HS_SIDE_CLIENT;
  const HsSide S = HS_SIDE_SERVER;
  const HsStateSource K = HS_STATE_SOURCE_KERNEL;
  const HsStateSource I = HS_STATE_SOURCE_INFERRED;
  const HsProvenance INF = HS_PROVENANCE_INFERRED;
  HsTcpOptions syn_options = { .present = HS_TCP_OPTION_MSS | HS_TCP_OPTION_WSCALE |
                                          HS_TCP_OPTION_SACK_PERMITTED | HS_TCP_OPTION_TIMESTAMPS,
                               .mss = 65495,
                               .wscale = 7,
                               .ts_val = 3115432311u };
  guint syn;

  app (trace, c, C, HS_APP_CONNECT, "127.0.0.1:5005", NULL);
  syn = hs_fixture_append_segment (trace, c, C, HS_TCP_SYN, 0, 0, 0, INF);
  state (trace, c, C, HS_TCP_STATE_CLOSED, HS_TCP_STATE_SYN_SENT, I);
  state (trace, c, S, HS_TCP_STATE_LISTEN, HS_TCP_STATE_SYN_RECEIVED, I);
  hs_fixture_append_segment (trace, c, S, HS_TCP_SYN | HS_TCP_ACK, 0, 1, 0, INF);
  state (trace, c, C, HS_TCP_STATE_SYN_SENT, HS_TCP_STATE_ESTABLISHED, K);
  hs_fixture_append_segment (trace, c, C, HS_TCP_ACK, 1, 1, 0, INF);
  state (trace, c, S, HS_TCP_STATE_SYN_RECEIVED, HS_TCP_STATE_ESTABLISHED, K);
  app (trace, c, S, HS_APP_ACCEPT, NULL, NULL);

  /* The SYN's real bytes arrive through TCP_SAVED_SYN once accepted. */
  hs_trace_set_isn (trace, c, C, 2929945620u);
  hs_trace_update_segment (trace, syn, HS_PROVENANCE_CAPTURED, TRUE, 65495, &syn_options);

  app (trace, c, C, HS_APP_SEND, NULL, "hello");
  hs_fixture_append_segment (trace, c, C, HS_TCP_PSH | HS_TCP_ACK, 1, 1, 5, INF);
  app (trace, c, S, HS_APP_RECEIVE, NULL, "hello");
  hs_fixture_append_segment (trace, c, S, HS_TCP_ACK, 1, 6, 0, INF);

  app (trace, c, C, HS_APP_CLOSE, NULL, NULL);
  hs_fixture_append_segment (trace, c, C, HS_TCP_FIN | HS_TCP_ACK, 6, 1, 0, INF);
  state (trace, c, C, HS_TCP_STATE_ESTABLISHED, HS_TCP_STATE_FIN_WAIT_1, I);
  state (trace, c, S, HS_TCP_STATE_ESTABLISHED, HS_TCP_STATE_CLOSE_WAIT, K);
  hs_fixture_append_segment (trace, c, S, HS_TCP_ACK, 1, 7, 0, INF);
  state (trace, c, C, HS_TCP_STATE_FIN_WAIT_1, HS_TCP_STATE_FIN_WAIT_2, K);
  app (trace, c, S, HS_APP_EOF, NULL, NULL);

  app (trace, c, S, HS_APP_CLOSE, NULL, NULL);
  hs_fixture_append_segment (trace, c, S, HS_TCP_FIN | HS_TCP_ACK, 1, 7, 0, INF);
  state (trace, c, S, HS_TCP_STATE_CLOSE_WAIT, HS_TCP_STATE_LAST_ACK, I);
  state (trace, c, C, HS_TCP_STATE_FIN_WAIT_2, HS_TCP_STATE_TIME_WAIT, K);
  hs_fixture_append_segment (trace, c, C, HS_TCP_ACK, 7, 2, 0, INF);
  state (trace, c, S, HS_TCP_STATE_LAST_ACK, HS_TCP_STATE_CLOSED, K);
  state (trace, c, C, HS_TCP_STATE_TIME_WAIT, HS_TCP_STATE_CLOSED, K);
}

static HsTrace *
new_listening_trace (const char *network, HsAddress *server)
{
  HsTrace *trace = hs_trace_new ();
  HsEvent listen = { .kind = HS_EVENT_APP,
                     .connection = 0,
                     .side = HS_SIDE_SERVER,
                     .action = HS_APP_LISTEN,
                     .text = (char *) "127.0.0.1:5005" };
  HsEvent state_event = { .kind = HS_EVENT_STATE,
                          .connection = 0,
                          .side = HS_SIDE_SERVER,
                          .from = HS_TCP_STATE_CLOSED,
                          .to = HS_TCP_STATE_LISTEN,
                          .source = HS_STATE_SOURCE_KERNEL };

  hs_trace_set_network (trace, network);
  set_address (server, "127.0.0.1:5005");
  hs_trace_append (trace, &listen);
  hs_trace_append (trace, &state_event);
  return trace;
}

HsTrace *
hs_fixture_trace_new_session (void)
{
  HsAddress server;
  HsAddress client;
  HsTrace *trace = new_listening_trace ("host", &server);
  guint c;

  set_address (&client, "127.0.0.1:40962");
  c = hs_trace_add_connection (trace, &client, &server);
  hs_fixture_trace_append_session (trace, c);
  return trace;
}

HsTrace *
hs_fixture_trace_new_showcase (void)
{
  HsAddress server;
  HsAddress client;
  HsTrace *trace = new_listening_trace ("lab", &server);
  const HsSide C = HS_SIDE_CLIENT;
  const HsSide S = HS_SIDE_SERVER;
  const HsStateSource K = HS_STATE_SOURCE_KERNEL;
  const HsProvenance CAP = HS_PROVENANCE_CAPTURED;
  HsTcpOptions options = { .present = HS_TCP_OPTION_MSS | HS_TCP_OPTION_SACK_PERMITTED,
                           .mss = 1460 };
  HsEvent e;
  guint c;
  guint i;

  set_address (&client, "10.0.0.1:52498");
  set_address (&server, "10.0.0.2:5005");
  c = hs_trace_add_connection (trace, &client, &server);
  hs_trace_set_isn (trace, c, C, 2929945620u);
  hs_trace_set_isn (trace, c, S, 2630955514u);

  app (trace, c, C, HS_APP_CONNECT, "10.0.0.2:5005", NULL);
  e = (HsEvent){ .kind = HS_EVENT_SEGMENT,
                 .connection = c,
                 .side = C,
                 .flags = HS_TCP_SYN,
                 .provenance = CAP,
                 .fate = HS_SEGMENT_FATE_DROPPED,
                 .window_known = TRUE,
                 .window = 64240,
                 .options = options };
  hs_trace_append (trace, &e);
  state (trace, c, C, HS_TCP_STATE_CLOSED, HS_TCP_STATE_SYN_SENT, K);
  e.fate = HS_SEGMENT_FATE_DELIVERED;
  e.retransmission = 1;
  hs_trace_append (trace, &e);
  state (trace, c, S, HS_TCP_STATE_LISTEN, HS_TCP_STATE_SYN_RECEIVED, K);
  hs_fixture_append_segment (trace, c, S, HS_TCP_SYN | HS_TCP_ACK, 0, 1, 0, CAP);
  state (trace, c, C, HS_TCP_STATE_SYN_SENT, HS_TCP_STATE_ESTABLISHED, K);
  hs_fixture_append_segment (trace, c, C, HS_TCP_ACK, 1, 1, 0, CAP);
  state (trace, c, S, HS_TCP_STATE_SYN_RECEIVED, HS_TCP_STATE_ESTABLISHED, K);
  app (trace, c, C, HS_APP_SEND, NULL, "hello");
  hs_fixture_append_segment (trace, c, C, HS_TCP_PSH | HS_TCP_ACK, 1, 1, 5, CAP);
  e = (HsEvent){ .kind = HS_EVENT_SEGMENT,
                 .connection = c,
                 .side = S,
                 .flags = HS_TCP_ACK,
                 .rel_seq = 1,
                 .rel_ack = 6,
                 .provenance = CAP,
                 .fate = HS_SEGMENT_FATE_HELD };
  hs_trace_append (trace, &e);
  app (trace, c, C, HS_APP_ABORT, NULL, NULL);
  hs_fixture_append_segment (trace, c, C, HS_TCP_RST | HS_TCP_ACK, 6, 1, 0, CAP);
  state (trace, c, C, HS_TCP_STATE_ESTABLISHED, HS_TCP_STATE_CLOSED, K);
  state (trace, c, S, HS_TCP_STATE_ESTABLISHED, HS_TCP_STATE_CLOSED, K);
  app (trace, c, S, HS_APP_RESET, NULL, NULL);

  /* A refused connect: SYN, RST|ACK, and the error the client meets. */
  set_address (&client, "10.0.0.1:52510");
  set_address (&server, "10.0.0.2:5006");
  c = hs_trace_add_connection (trace, &client, &server);
  hs_trace_set_isn (trace, c, C, 0xfffffffeu);
  app (trace, c, C, HS_APP_CONNECT, "10.0.0.2:5006", NULL);
  hs_fixture_append_segment (trace, c, C, HS_TCP_SYN, 0, 0, 0, CAP);
  state (trace, c, C, HS_TCP_STATE_CLOSED, HS_TCP_STATE_SYN_SENT, K);
  i = hs_fixture_append_segment (trace, c, S, HS_TCP_RST | HS_TCP_ACK, 0, 1, 0, CAP);
  (void) i;
  state (trace, c, C, HS_TCP_STATE_SYN_SENT, HS_TCP_STATE_CLOSED, K);
  e = (HsEvent){ .kind = HS_EVENT_ERROR,
                 .connection = c,
                 .side = C,
                 .error = HS_TRACE_ERROR_CONNECTION_REFUSED,
                 .text = (char *) "Connection refused: nothing listens on port 5006" };
  hs_trace_append (trace, &e);

  /* The model's view of a SYN, for the dotted line. */
  c = hs_trace_add_connection (trace, &client, &server);
  hs_fixture_append_segment (trace, c, C, HS_TCP_SYN, 0, 0, 0, HS_PROVENANCE_SIMULATED);
  state (trace, c, C, HS_TCP_STATE_CLOSED, HS_TCP_STATE_SYN_SENT, HS_STATE_SOURCE_MODEL);

  return trace;
}

HsTrace *
hs_fixture_trace_new_long (guint n_events)
{
  HsAddress server;
  HsTrace *trace = new_listening_trace ("host", &server);
  guint port = 40000;

  while (hs_trace_get_n_events (trace) < n_events)
    {
      g_autoptr (HsTrace) one = hs_trace_new ();
      HsAddress client;
      guint c;
      guint have = hs_trace_get_n_events (trace);

      set_address (&client, "127.0.0.1:40000");
      client.port = port++;
      c = hs_trace_add_connection (trace, &client, &server);

      /* Build the session in a scratch trace, then copy as many events as
       * still fit, so the total is exact. */
      (void) hs_trace_add_connection (one, &client, &server);
      while (hs_trace_get_n_connections (one) <= c)
        (void) hs_trace_add_connection (one, &client, &server);
      hs_fixture_trace_append_session (one, c);
      for (guint i = 0; i < hs_trace_get_n_events (one) && have + i < n_events; i++)
        hs_trace_append (trace, hs_trace_get_event (one, i));
    }

  return trace;
}
