/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "hs-narration.h"
#include "hs-fixture-trace.h"

static void
assert_contains (HsTrace *trace, guint index, const char *fragment)
{
  g_autofree char *sentence = hs_narration_describe (trace, index);

  if (strstr (sentence, fragment) == NULL)
    g_error ("“%s” does not contain “%s”", sentence, fragment);
}

static void
test_formula_and_numbers (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  guint conn = hs_trace_add_connection (trace, NULL, NULL);
  guint syn, synack, ack, data, dack, fin, fack, rst;

  hs_trace_set_isn (trace, conn, HS_SIDE_CLIENT, 2929945620u);

  syn = hs_fixture_append_segment (trace, conn, HS_SIDE_CLIENT, HS_TCP_SYN, 0, 0, 0,
                                   HS_PROVENANCE_CAPTURED);
  synack = hs_fixture_append_segment (trace, conn, HS_SIDE_SERVER, HS_TCP_SYN | HS_TCP_ACK, 0, 1, 0,
                                      HS_PROVENANCE_CAPTURED);
  ack = hs_fixture_append_segment (trace, conn, HS_SIDE_CLIENT, HS_TCP_ACK, 1, 1, 0,
                                   HS_PROVENANCE_CAPTURED);
  data = hs_fixture_append_segment (trace, conn, HS_SIDE_CLIENT, HS_TCP_PSH | HS_TCP_ACK, 1, 1, 5,
                                    HS_PROVENANCE_CAPTURED);
  dack = hs_fixture_append_segment (trace, conn, HS_SIDE_SERVER, HS_TCP_ACK, 1, 6, 0,
                                    HS_PROVENANCE_CAPTURED);
  fin = hs_fixture_append_segment (trace, conn, HS_SIDE_CLIENT, HS_TCP_FIN | HS_TCP_ACK, 6, 1, 0,
                                   HS_PROVENANCE_CAPTURED);
  fack = hs_fixture_append_segment (trace, conn, HS_SIDE_SERVER, HS_TCP_ACK, 1, 7, 0,
                                    HS_PROVENANCE_CAPTURED);
  rst = hs_fixture_append_segment (trace, conn, HS_SIDE_SERVER, HS_TCP_RST | HS_TCP_ACK, 1, 7, 0,
                                   HS_PROVENANCE_CAPTURED);

  /* The textbook formula and the real number together, where known. */
  assert_contains (trace, syn, "seq = x = 2929945620");
  assert_contains (trace, synack, "ack = x + 1 = 2929945621");
  /* The server's ISN is not observable on the host network: no number. */
  assert_contains (trace, synack, "seq = y.");
  assert_contains (trace, ack, "ack = y + 1");
  assert_contains (trace, ack, "handshake");
  assert_contains (trace, data, "5 bytes");
  assert_contains (trace, data, "seq = x + 1 = 2929945621");
  assert_contains (trace, dack, "ack = x + 6 = 2929945626");
  assert_contains (trace, fin, "FIN");
  assert_contains (trace, fack, "FIN");
  assert_contains (trace, fack, "ack = x + 7");
  assert_contains (trace, rst, "RST");
}

static void
test_wraparound (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  guint conn = hs_trace_add_connection (trace, NULL, NULL);
  guint data;

  hs_trace_set_isn (trace, conn, HS_SIDE_CLIENT, 0xfffffffeu);
  data = hs_fixture_append_segment (trace, conn, HS_SIDE_CLIENT, HS_TCP_PSH | HS_TCP_ACK, 1, 1, 5,
                                    HS_PROVENANCE_CAPTURED);
  assert_contains (trace, data, "seq = x + 1 = 4294967295");
  data = hs_fixture_append_segment (trace, conn, HS_SIDE_SERVER, HS_TCP_ACK, 1, 6, 0,
                                    HS_PROVENANCE_CAPTURED);
  assert_contains (trace, data, "ack = x + 6 = 4");
}

static void
test_every_kind (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  g_autoptr (GBytes) bytes = g_bytes_new ("hello", 5);
  guint conn = hs_trace_add_connection (trace, NULL, NULL);
  HsEvent e = { .connection = conn };

  /* Every state, every action and an error make a sentence. */
  e.kind = HS_EVENT_STATE;
  for (HsTcpState s = HS_TCP_STATE_CLOSED; s < HS_TCP_STATE_N_STATES; s++)
    {
      e.from = s == HS_TCP_STATE_CLOSED ? HS_TCP_STATE_TIME_WAIT : HS_TCP_STATE_CLOSED;
      e.to = s;
      e.source = s % 2 ? HS_STATE_SOURCE_KERNEL : HS_STATE_SOURCE_INFERRED;
      guint index = hs_trace_append (trace, &e);

      assert_contains (trace, index, hs_tcp_state_to_string (s));
      /* Entering TIME_WAIT says why it exists. */
      if (s == HS_TCP_STATE_TIME_WAIT)
        {
          assert_contains (trace, index, "2 × MSL");
          assert_contains (trace, index, "lost last ACK");
        }
    }
  assert_contains (trace, hs_trace_get_n_events (trace) - 1, "Seen in the kernel");

  e.kind = HS_EVENT_APP;
  e.text = (char *) "127.0.0.1:5005";
  for (HsAppAction a = HS_APP_LISTEN; a <= HS_APP_RESET; a++)
    {
      g_autofree char *sentence = NULL;

      e.action = a;
      e.data = (a == HS_APP_SEND || a == HS_APP_RECEIVE) ? bytes : NULL;
      sentence = hs_narration_describe (trace, hs_trace_append (trace, &e));
      g_assert_cmpuint (strlen (sentence), >, 10);
    }
  e.action = HS_APP_SEND;
  e.data = bytes;
  assert_contains (trace, hs_trace_append (trace, &e), "\"hello\" (5 bytes)");

  e.kind = HS_EVENT_ERROR;
  e.data = NULL;
  e.text = (char *) "Connection refused: nothing is listening";
  assert_contains (trace, hs_trace_append (trace, &e), "nothing is listening");
}

/* Describing an ACK looks back for the FIN it acknowledges only within its
 * own connection, and still finds it after many other connections. */
static void
test_fin_ack_in_long_trace (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  guint conn = 0;

  for (guint i = 0; i < 50; i++)
    {
      conn = hs_trace_add_connection (trace, NULL, NULL);
      hs_fixture_append_segment (trace, conn, HS_SIDE_CLIENT, HS_TCP_SYN, 0, 0, 0,
                                 HS_PROVENANCE_CAPTURED);
      hs_fixture_append_segment (trace, conn, HS_SIDE_SERVER, HS_TCP_SYN | HS_TCP_ACK, 0, 1, 0,
                                 HS_PROVENANCE_CAPTURED);
      hs_fixture_append_segment (trace, conn, HS_SIDE_CLIENT, HS_TCP_FIN | HS_TCP_ACK, 1, 1, 0,
                                 HS_PROVENANCE_CAPTURED);
    }
  assert_contains (trace,
                   hs_fixture_append_segment (trace, conn, HS_SIDE_SERVER, HS_TCP_ACK, 1, 2, 0,
                                              HS_PROVENANCE_CAPTURED),
                   "FIN at once");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/narration/formula-and-numbers", test_formula_and_numbers);
  g_test_add_func ("/core/narration/wraparound", test_wraparound);
  g_test_add_func ("/core/narration/every-kind", test_every_kind);
  g_test_add_func ("/core/narration/fin-ack-in-long-trace", test_fin_ack_in_long_trace);

  return g_test_run ();
}
