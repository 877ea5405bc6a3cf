/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "hs-inference.h"

/* The trace in a compact form: "c SYN 0/0", "c SYN_SENT", "s app accept". */
static guint mark;

/* Events since the last call to set_mark (), so each check reads only what
 * one input appended. */
static void
set_mark (HsTrace *trace)
{
  mark = hs_trace_get_n_events (trace);
}

static char *
summarize (HsTrace *trace)
{
  GString *out = g_string_new (NULL);

  for (guint i = mark; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);
      char side = e->side == HS_SIDE_CLIENT ? 'c' : 's';

      if (out->len > 0)
        g_string_append (out, "; ");

      switch (e->kind)
        {
          case HS_EVENT_SEGMENT:
            {
              g_autofree char *flags = hs_tcp_flags_to_string (e->flags);

              g_string_append_printf (out, "%c %s %u/%u", side, flags, e->rel_seq, e->rel_ack);
              if (e->len > 0)
                g_string_append_printf (out, " len %u", e->len);
              if (e->retransmission > 0)
                g_string_append_printf (out, " rtx %u", e->retransmission);
              break;
            }
          case HS_EVENT_STATE:
            g_string_append_printf (out, "%c %s%s", side, hs_tcp_state_to_string (e->to),
                                    e->source == HS_STATE_SOURCE_KERNEL ? "!" : "");
            break;
          case HS_EVENT_APP:
            g_string_append_printf (out, "%c app %s", side, hs_app_action_to_string (e->action));
            break;
          case HS_EVENT_ERROR:
            g_string_append_printf (out, "%c error %s", side, hs_trace_error_to_string (e->error));
            break;
        }
    }

  return g_string_free (out, FALSE);
}

#define assert_trace(trace, expected)              \
  G_STMT_START                                     \
  {                                                \
    g_autofree char *summary_ = summarize (trace); \
    g_assert_cmpstr (summary_, ==, expected);      \
  }                                                \
  G_STMT_END

static void
test_open_data_close (void)
{
  mark = 0;
  g_autoptr (HsTrace) trace = hs_trace_new ();
  g_autoptr (HsInference) inf = hs_inference_new (trace);
  guint c = hs_inference_add_connection (inf, NULL, NULL);

  hs_inference_syn_sent (inf, c);
  hs_inference_handshake_done (inf, c);
  hs_inference_handshake_done (inf, c); /* the other callback proves it again */
  assert_trace (trace, "c SYN 0/0; c SYN_SENT; s SYN_RECEIVED; s SYN, ACK 0/1; c ESTABLISHED; "
                       "c ACK 1/1; s ESTABLISHED");
  set_mark (trace);

  hs_inference_data_sent (inf, c, HS_SIDE_CLIENT, 5);
  hs_inference_data_received (inf, c, HS_SIDE_SERVER, 3);
  hs_inference_data_received (inf, c, HS_SIDE_SERVER, 2); /* one ACK covers both reads */
  assert_trace (trace, "c PSH, ACK 1/1 len 5; s ACK 1/6");
}

/* The time of a state not read from the kernel is kept, so that a dump of
 * the kernel's states older than it does not take the connection back. */
static void
test_changed_time (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  g_autoptr (HsInference) inf = hs_inference_new (trace);
  guint c = hs_inference_add_connection (inf, NULL, NULL);
  gint64 before = g_get_monotonic_time (), changed;

  g_assert_cmpint (hs_inference_get_changed_us (inf, c, HS_SIDE_SERVER), ==, 0);
  hs_inference_syn_sent (inf, c);
  hs_inference_handshake_done (inf, c);
  changed = hs_inference_get_changed_us (inf, c, HS_SIDE_SERVER);
  g_assert_cmpint (changed, >=, before);
  g_assert_cmpint (changed, <=, g_get_monotonic_time ());

  /* A state read from the kernel leaves it: one confirmed, and one that
   * TCP's rules cannot explain, recorded as the kernel says. */
  hs_inference_kernel_state (inf, c, HS_SIDE_SERVER, HS_TCP_STATE_ESTABLISHED, FALSE);
  g_assert_true (hs_inference_is_confirmed (inf, c, HS_SIDE_SERVER));
  hs_inference_kernel_state (inf, c, HS_SIDE_SERVER, HS_TCP_STATE_SYN_SENT, FALSE);
  g_assert_cmpint (hs_inference_get_state (inf, c, HS_SIDE_SERVER), ==, HS_TCP_STATE_SYN_SENT);
  g_assert_cmpint (hs_inference_get_changed_us (inf, c, HS_SIDE_SERVER), ==, changed);
}

static void
test_close_sequence (void)
{
  mark = 0;
  g_autoptr (HsTrace) trace = hs_trace_new ();
  g_autoptr (HsInference) inf = hs_inference_new (trace);
  guint c = hs_inference_add_connection (inf, NULL, NULL);
  g_autofree char *tail = NULL;

  hs_inference_syn_sent (inf, c);
  hs_inference_handshake_done (inf, c);
  hs_inference_data_sent (inf, c, HS_SIDE_CLIENT, 5);
  hs_inference_data_received (inf, c, HS_SIDE_SERVER, 5);
  set_mark (trace);

  hs_inference_fin_sent (inf, c, HS_SIDE_CLIENT);
  hs_inference_fin_sent (inf, c, HS_SIDE_CLIENT); /* idempotent */
  /* The kernel shows FIN_WAIT_2 before the server reads EOF. */
  hs_inference_kernel_state (inf, c, HS_SIDE_CLIENT, HS_TCP_STATE_FIN_WAIT_2, FALSE);
  hs_inference_fin_acked (inf, c, HS_SIDE_CLIENT); /* then the EOF proves it again */
  hs_inference_kernel_state (inf, c, HS_SIDE_SERVER, HS_TCP_STATE_CLOSE_WAIT, FALSE);
  assert_trace (trace, "c FIN, ACK 6/1; c FIN_WAIT_1; s CLOSE_WAIT!; s ACK 1/7; c FIN_WAIT_2!");

  set_mark (trace);
  hs_inference_fin_sent (inf, c, HS_SIDE_SERVER);
  /* The server's socket disappears (LAST_ACK ended) before the client's
   * TIME_WAIT is read. */
  hs_inference_kernel_state (inf, c, HS_SIDE_SERVER, HS_TCP_STATE_UNKNOWN, TRUE);
  hs_inference_kernel_state (inf, c, HS_SIDE_CLIENT, HS_TCP_STATE_TIME_WAIT, FALSE);
  assert_trace (trace, "s FIN, ACK 1/7; s LAST_ACK; c TIME_WAIT!; c ACK 7/2; s CLOSED");

  set_mark (trace);
  hs_inference_kernel_state (inf, c, HS_SIDE_CLIENT, HS_TCP_STATE_UNKNOWN, TRUE);
  assert_trace (trace, "c CLOSED!");
  g_assert_true (hs_inference_is_confirmed (inf, c, HS_SIDE_CLIENT));
}

static void
test_kernel_explains (void)
{
  mark = 0;
  g_autoptr (HsTrace) trace = hs_trace_new ();
  g_autoptr (HsInference) inf = hs_inference_new (trace);
  guint c = hs_inference_add_connection (inf, NULL, NULL);

  /* A client from elsewhere, seen only through the kernel: ESTABLISHED
   * implies the whole handshake; CLOSE_WAIT implies its FIN. */
  hs_inference_kernel_state (inf, c, HS_SIDE_SERVER, HS_TCP_STATE_ESTABLISHED, FALSE);
  assert_trace (trace, "c SYN 0/0; c SYN_SENT; s SYN_RECEIVED; s SYN, ACK 0/1; c ESTABLISHED; "
                       "c ACK 1/1; s ESTABLISHED!");
  set_mark (trace);

  hs_inference_data_received (inf, c, HS_SIDE_SERVER, 4); /* bytes nobody saw sent */
  hs_inference_kernel_state (inf, c, HS_SIDE_SERVER, HS_TCP_STATE_CLOSE_WAIT, FALSE);
  /* In CLOSE_WAIT Linux delays the ACK of the FIN: it is not inferred
   * before it is seen. */
  assert_trace (trace, "c PSH, ACK 1/1 len 4; s ACK 1/5; c FIN, ACK 5/1; c FIN_WAIT_1; "
                       "s CLOSE_WAIT!");
  g_assert_true (hs_inference_get_waiting (inf, c, HS_SIDE_SERVER));
  set_mark (trace);

  /* A state no rule explains is recorded as the kernel says it. */
  hs_inference_kernel_state (inf, c, HS_SIDE_SERVER, HS_TCP_STATE_CLOSING, FALSE);
  assert_trace (trace, "s CLOSING!");
}

static void
test_refused_and_retransmissions (void)
{
  mark = 0;
  g_autoptr (HsTrace) trace = hs_trace_new ();
  g_autoptr (HsInference) inf = hs_inference_new (trace);
  guint c = hs_inference_add_connection (inf, NULL, NULL);
  guint d;

  hs_inference_syn_sent (inf, c);
  hs_inference_connect_failed (inf, c, HS_TRACE_ERROR_CONNECTION_REFUSED);
  assert_trace (trace, "c SYN 0/0; c SYN_SENT; s RST, ACK 0/1; c CLOSED");
  set_mark (trace);

  d = hs_inference_add_connection (inf, NULL, NULL);
  hs_inference_syn_sent (inf, d);
  hs_inference_syn_retransmitted (inf, d, 2);
  hs_inference_syn_retransmitted (inf, d, 2);
  hs_inference_syn_retransmitted (inf, d, 3);
  hs_inference_connect_failed (inf, d, HS_TRACE_ERROR_TIMED_OUT);
  assert_trace (trace, "c SYN 0/0; c SYN_SENT; c SYN 0/0 rtx 1; c SYN 0/0 rtx 2; "
                       "c SYN 0/0 rtx 3; c CLOSED");
}

static void
test_saved_syn (void)
{
  mark = 0;
  g_autoptr (HsTrace) trace = hs_trace_new ();
  g_autoptr (HsInference) inf = hs_inference_new (trace);
  guint c = hs_inference_add_connection (inf, NULL, NULL);
  HsPacket syn = { .seq = 0xfffffffeu, .window = 65495, .flags = HS_TCP_SYN };
  const HsEvent *e;
  guint32 isn;

  syn.options.present = HS_TCP_OPTION_MSS;
  syn.options.mss = 65495;

  hs_inference_syn_sent (inf, c);
  hs_inference_syn_retransmitted (inf, c, 1);
  hs_inference_handshake_done (inf, c);
  hs_inference_saved_syn (inf, c, &syn);

  g_assert_true (hs_trace_connection_get_isn (trace, c, HS_SIDE_CLIENT, &isn));
  g_assert_cmpuint (isn, ==, 0xfffffffeu);

  /* The SYN that got through is the retransmission: it becomes captured. */
  e = hs_trace_get_event (trace, 0);
  g_assert_cmpint (e->provenance, ==, HS_PROVENANCE_INFERRED);
  e = hs_trace_get_event (trace, 2);
  g_assert_cmpuint (e->retransmission, ==, 1);
  g_assert_cmpint (e->provenance, ==, HS_PROVENANCE_CAPTURED);
  g_assert_true (e->window_known);
  g_assert_cmpuint (e->window, ==, 65495);
  g_assert_cmpuint (e->options.mss, ==, 65495);
}

static void
test_abort (void)
{
  mark = 0;
  g_autoptr (HsTrace) trace = hs_trace_new ();
  g_autoptr (HsInference) inf = hs_inference_new (trace);
  guint c = hs_inference_add_connection (inf, NULL, NULL);
  guint d = hs_inference_add_connection (inf, NULL, NULL);

  hs_inference_syn_sent (inf, c);
  hs_inference_handshake_done (inf, c);
  hs_inference_data_sent (inf, c, HS_SIDE_SERVER, 2);
  set_mark (trace);

  hs_inference_reset_sent (inf, c, HS_SIDE_CLIENT);
  hs_inference_reset_sent (inf, c, HS_SIDE_CLIENT);
  hs_inference_fin_sent (inf, c, HS_SIDE_SERVER); /* nothing: the connection is gone */
  assert_trace (trace, "c RST, ACK 1/1; c CLOSED; s CLOSED");
  set_mark (trace);

  /* Giving up in SYN_SENT sends nothing. */
  hs_inference_syn_sent (inf, d);
  hs_inference_reset_sent (inf, d, HS_SIDE_CLIENT);
  assert_trace (trace, "c SYN 0/0; c SYN_SENT; c CLOSED");
}

static void
test_server_closes_first (void)
{
  mark = 0;
  g_autoptr (HsTrace) trace = hs_trace_new ();
  g_autoptr (HsInference) inf = hs_inference_new (trace);
  guint c = hs_inference_add_connection (inf, NULL, NULL);

  hs_inference_syn_sent (inf, c);
  hs_inference_handshake_done (inf, c);
  set_mark (trace);

  hs_inference_fin_sent (inf, c, HS_SIDE_SERVER);
  hs_inference_fin_acked (inf, c, HS_SIDE_SERVER);
  hs_inference_fin_sent (inf, c, HS_SIDE_CLIENT);
  hs_inference_fin_acked (inf, c, HS_SIDE_CLIENT);
  assert_trace (trace, "s FIN, ACK 1/1; s FIN_WAIT_1; c CLOSE_WAIT; c ACK 1/2; s FIN_WAIT_2; "
                       "c FIN, ACK 1/2; c LAST_ACK; s TIME_WAIT; s ACK 2/2; c CLOSED");
}

static void
test_three_segment_close (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  g_autoptr (HsInference) inf = hs_inference_new (trace);
  guint c = hs_inference_add_connection (inf, NULL, NULL);

  mark = 0;
  hs_inference_syn_sent (inf, c);
  hs_inference_handshake_done (inf, c);
  set_mark (trace);

  /* The server reads EOF and closes before its delayed ACK fires: its FIN
   * carries the ACK, and the client goes from FIN_WAIT_1 to TIME_WAIT. */
  hs_inference_fin_sent (inf, c, HS_SIDE_CLIENT);
  hs_inference_fin_arrived (inf, c, HS_SIDE_CLIENT);
  g_assert_true (hs_inference_get_waiting (inf, c, HS_SIDE_SERVER));
  hs_inference_fin_sent (inf, c, HS_SIDE_SERVER);
  hs_inference_kernel_state (inf, c, HS_SIDE_CLIENT, HS_TCP_STATE_TIME_WAIT, FALSE);
  hs_inference_kernel_state (inf, c, HS_SIDE_SERVER, HS_TCP_STATE_UNKNOWN, TRUE);
  assert_trace (trace, "c FIN, ACK 1/1; c FIN_WAIT_1; s CLOSE_WAIT; s FIN, ACK 1/2; s LAST_ACK; "
                       "c TIME_WAIT!; c ACK 2/2; s CLOSED");
}

static void
test_simultaneous_close (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  g_autoptr (HsInference) inf = hs_inference_new (trace);
  guint c = hs_inference_add_connection (inf, NULL, NULL);

  mark = 0;
  hs_inference_syn_sent (inf, c);
  hs_inference_handshake_done (inf, c);
  set_mark (trace);

  /* Both FINs cross: CLOSING on both sides, each ACKed at once, then
   * TIME_WAIT on both. The kernel, read later, confirms what was passed. */
  hs_inference_fin_sent (inf, c, HS_SIDE_CLIENT);
  hs_inference_fin_sent (inf, c, HS_SIDE_SERVER);
  hs_inference_kernel_state (inf, c, HS_SIDE_CLIENT, HS_TCP_STATE_CLOSING, FALSE);
  hs_inference_kernel_state (inf, c, HS_SIDE_SERVER, HS_TCP_STATE_CLOSING, FALSE);
  hs_inference_kernel_state (inf, c, HS_SIDE_SERVER, HS_TCP_STATE_TIME_WAIT, FALSE);
  hs_inference_kernel_state (inf, c, HS_SIDE_CLIENT, HS_TCP_STATE_TIME_WAIT, FALSE);
  assert_trace (trace, "c FIN, ACK 1/1; c FIN_WAIT_1; s FIN, ACK 1/1; s FIN_WAIT_1; "
                       "c CLOSING!; c ACK 2/2; s CLOSING!; s ACK 2/2; c TIME_WAIT!; "
                       "s TIME_WAIT!");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/inference/open-data-close", test_open_data_close);
  g_test_add_func ("/net/inference/close-sequence", test_close_sequence);
  g_test_add_func ("/net/inference/changed-time", test_changed_time);
  g_test_add_func ("/net/inference/kernel-explains", test_kernel_explains);
  g_test_add_func ("/net/inference/refused-and-retransmissions", test_refused_and_retransmissions);
  g_test_add_func ("/net/inference/saved-syn", test_saved_syn);
  g_test_add_func ("/net/inference/abort", test_abort);
  g_test_add_func ("/net/inference/server-closes-first", test_server_closes_first);
  g_test_add_func ("/net/inference/three-segment-close", test_three_segment_close);
  g_test_add_func ("/net/inference/simultaneous-close", test_simultaneous_close);

  return g_test_run ();
}
