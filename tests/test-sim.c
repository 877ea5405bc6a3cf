/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sim"

#include "config.h"

#include <string.h>

#include "hs-sim.h"
#include "hs-trace-format.h"

#define CAP_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

static guint
count_segments (HsTrace *trace, guint8 flags, guint retransmission, HsSegmentFate fate)
{
  guint n = 0;

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);

      if (e->kind == HS_EVENT_SEGMENT && e->flags == flags && e->retransmission == retransmission &&
          e->fate == fate)
        n++;
    }
  return n;
}

static guint
last_segment (HsTrace *trace)
{
  for (guint i = hs_trace_get_n_events (trace); i-- > 0;)
    if (hs_trace_get_event (trace, i)->kind == HS_EVENT_SEGMENT)
      return i;
  g_assert_not_reached ();
  return 0;
}

static void
test_lesson (void)
{
  g_autoptr (HsSim) sim = hs_sim_new (NULL, 7);
  HsTrace *trace = hs_sim_get_trace (sim);
  guint conn;
  guint32 isn;

  g_assert_cmpstr (hs_trace_get_network (trace), ==, "sim");
  g_assert_true (hs_sim_listen (sim, 5005, NULL));
  g_assert_true (hs_sim_connect (sim, "127.0.0.1", 5005, NULL));
  conn = hs_sim_get_current (sim);
  g_assert_cmpint (hs_sim_get_state (sim, conn, HS_SIDE_CLIENT), ==, HS_TCP_STATE_SYN_SENT);
  g_assert_true (hs_sim_is_connecting (sim));
  g_assert_false (hs_sim_is_idle (sim));
  g_assert_true (hs_sim_run_until_idle (sim, CAP_US));
  /* Three crossings of 0.3 s. */
  g_assert_cmpint (hs_sim_get_now (sim), ==, 900000);
  g_assert_cmpint (hs_sim_get_state (sim, conn, HS_SIDE_SERVER), ==, HS_TCP_STATE_ESTABLISHED);
  g_assert_true (hs_sim_can_use (sim, HS_SIDE_SERVER));
  g_assert_true (hs_trace_connection_get_isn (trace, conn, HS_SIDE_CLIENT, &isn));
  g_assert_true (hs_trace_connection_get_isn (trace, conn, HS_SIDE_SERVER, NULL));

  g_assert_true (hs_sim_send (sim, HS_SIDE_CLIENT, (const guint8 *) "hello", 5, NULL));
  hs_sim_run_until_idle (sim, CAP_US);
  g_assert_true (hs_sim_close (sim, HS_SIDE_CLIENT, NULL));
  hs_sim_run_until_idle (sim, CAP_US);
  g_assert_true (hs_sim_close (sim, HS_SIDE_SERVER, NULL));
  hs_sim_run_until_idle (sim, CAP_US);
  g_assert_cmpint (hs_sim_get_state (sim, conn, HS_SIDE_CLIENT), ==, HS_TCP_STATE_TIME_WAIT);
  g_assert_cmpint (hs_sim_get_state (sim, conn, HS_SIDE_SERVER), ==, HS_TCP_STATE_CLOSED);
  g_assert_true (hs_sim_is_idle (sim));

  /* The table shows the listener and the TIME_WAIT countdown. */
  {
    g_autoptr (GArray) rows = hs_sim_get_sockets (sim);
    const HsSimSocket *listener = &g_array_index (rows, HsSimSocket, 0);
    const HsSimSocket *tw = &g_array_index (rows, HsSimSocket, 1);

    g_assert_cmpuint (rows->len, ==, 2);
    g_assert_cmpint (listener->state, ==, HS_TCP_STATE_LISTEN);
    g_assert_cmpuint (listener->local.port, ==, 5005);
    g_assert_cmpint (tw->state, ==, HS_TCP_STATE_TIME_WAIT);
    g_assert_cmpint (tw->host, ==, HS_SIDE_CLIENT);
    g_assert_cmpint (tw->timer, ==, HS_TCB_TIMER_TIME_WAIT);
    /* The last ACK took 0.3 s to reach the server. */
    g_assert_cmpuint (tw->expires_ms, ==, 60000 - 300);
  }

  g_assert_true (hs_sim_has_time_wait (sim));
  g_assert_true (hs_sim_run_until_time_wait_ends (sim, CAP_US));
  g_assert_cmpint (hs_sim_get_state (sim, conn, HS_SIDE_CLIENT), ==, HS_TCP_STATE_CLOSED);
  g_assert_cmpuint (count_segments (trace, HS_TCP_FIN | HS_TCP_ACK, 0, HS_SEGMENT_FATE_DELIVERED),
                    ==, 2);
}

static void
test_wire_controls (void)
{
  g_autoptr (HsSim) sim = hs_sim_new (NULL, 8);
  HsTrace *trace = hs_sim_get_trace (sim);
  guint syn, syn_ack;

  hs_sim_listen (sim, 5005, NULL);
  hs_sim_set_hold (sim, TRUE);
  hs_sim_connect (sim, "10.0.0.2", 5005, NULL);
  syn = last_segment (trace);
  g_assert_cmpint (hs_trace_get_event (trace, syn)->fate, ==, HS_SEGMENT_FATE_HELD);
  g_assert_cmpuint (hs_sim_get_n_held (sim), ==, 1);
  /* Held segments do not keep the simulation busy; nothing moves. */
  g_assert_true (hs_sim_is_idle (sim));
  g_assert_true (hs_sim_run_until_idle (sim, CAP_US));
  g_assert_cmpint (hs_sim_get_now (sim), ==, 0);

  g_assert_true (hs_sim_deliver (sim));
  g_assert_cmpint (hs_trace_get_event (trace, syn)->fate, ==, HS_SEGMENT_FATE_DELIVERED);
  hs_sim_run_until_idle (sim, CAP_US);
  g_assert_cmpint (hs_sim_get_now (sim), ==, 300000);
  syn_ack = last_segment (trace);
  g_assert_cmpuint (hs_trace_get_event (trace, syn_ack)->flags, ==, HS_TCP_SYN | HS_TCP_ACK);

  /* Drop this: the SYN-ACK is lost; while nothing else is held the timers
   * run, and both ends retransmit after 1 s. */
  {
    g_autoptr (GArray) wire = hs_sim_get_wire (sim);

    g_assert_cmpuint (wire->len, ==, 1);
    g_assert_true (g_array_index (wire, HsSimWireSegment, 0).held);
    g_assert_cmpuint (g_array_index (wire, HsSimWireSegment, 0).trace_index, ==, syn_ack);
  }
  g_assert_true (hs_sim_drop_segment (sim, syn_ack));
  g_assert_cmpint (hs_trace_get_event (trace, syn_ack)->fate, ==, HS_SEGMENT_FATE_DROPPED);
  g_assert_false (hs_sim_drop_segment (sim, syn_ack));
  g_assert_false (hs_sim_deliver (sim));

  hs_sim_deliver_all (sim);
  g_assert_false (hs_sim_get_hold (sim));
  hs_sim_run_until_idle (sim, CAP_US);
  g_assert_cmpint (hs_sim_get_state (sim, 1, HS_SIDE_CLIENT), ==, HS_TCP_STATE_ESTABLISHED);
  g_assert_cmpint (hs_sim_get_state (sim, 1, HS_SIDE_SERVER), ==, HS_TCP_STATE_ESTABLISHED);
  g_assert_cmpuint (count_segments (trace, HS_TCP_SYN, 1, HS_SEGMENT_FATE_DELIVERED), ==, 1);

  /* Drop next in Auto: the next segment to leave is lost. */
  hs_sim_drop_next (sim);
  hs_sim_send (sim, HS_SIDE_SERVER, (const guint8 *) "x", 1, NULL);
  g_assert_cmpint (hs_trace_get_event (trace, last_segment (trace))->fate, ==,
                   HS_SEGMENT_FATE_DROPPED);
  hs_sim_run_until_idle (sim, CAP_US);
  g_assert_cmpuint (count_segments (trace, HS_TCP_PSH | HS_TCP_ACK, 1, HS_SEGMENT_FATE_DELIVERED),
                    ==, 1);
}

/* RFC 9293, 3.5, figure 7: both ends open actively with crossed ports. The
 * scenario language cannot say this (connect is always the client's), so
 * it is tested here. */
static void
test_simultaneous_open (void)
{
  g_autoptr (HsSim) sim = hs_sim_new (NULL, 9);
  HsTrace *trace = hs_sim_get_trace (sim);
  HsTcpState seen[2][4];
  guint n[2] = { 0, 0 };

  hs_sim_set_hold (sim, TRUE);
  g_assert_true (hs_sim_open (sim, HS_SIDE_CLIENT, 40000, 5005, NULL));
  g_assert_true (hs_sim_open (sim, HS_SIDE_SERVER, 5005, 40000, NULL));
  g_assert_cmpuint (hs_trace_get_n_connections (trace), ==, 2); /* the listener's and one */
  g_assert_cmpuint (hs_sim_get_n_held (sim), ==, 2);
  hs_sim_deliver_all (sim);
  g_assert_true (hs_sim_run_until_idle (sim, CAP_US));

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);

      if (e->kind == HS_EVENT_STATE && n[e->side] < 4)
        seen[e->side][n[e->side]++] = e->to;
    }
  for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
    {
      g_assert_cmpuint (n[side], ==, 3);
      g_assert_cmpint (seen[side][0], ==, HS_TCP_STATE_SYN_SENT);
      g_assert_cmpint (seen[side][1], ==, HS_TCP_STATE_SYN_RECEIVED);
      g_assert_cmpint (seen[side][2], ==, HS_TCP_STATE_ESTABLISHED);
    }
  g_assert_cmpuint (count_segments (trace, HS_TCP_SYN | HS_TCP_ACK, 0, HS_SEGMENT_FATE_DELIVERED),
                    ==, 2);
}

static void
test_errors (void)
{
  g_autoptr (HsSim) sim = hs_sim_new (NULL, 10);
  g_autoptr (GError) error = NULL;

  g_assert_false (hs_sim_send (sim, HS_SIDE_CLIENT, (const guint8 *) "x", 1, &error));
  g_assert_error (error, HS_SIM_ERROR, HS_SIM_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  g_assert_false (hs_sim_connect (sim, "not an address", 80, &error));
  g_assert_error (error, HS_SIM_ERROR, HS_SIM_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);
  g_assert_true (hs_sim_listen (sim, 0, NULL));
  g_assert_cmpuint (hs_sim_get_listen_port (sim), >=, HS_SIM_EPHEMERAL_LOW);
  g_assert_false (hs_sim_listen (sim, 5005, &error));
  g_assert_error (error, HS_SIM_ERROR, HS_SIM_ERROR_BUSY);
  g_clear_error (&error);

  /* An address outside the simulated network: no SYN, an error. */
  g_assert_true (hs_sim_connect (sim, "192.0.2.1", 80, NULL));
  g_assert_cmpint (hs_trace_get_event (hs_sim_get_trace (sim),
                                       hs_trace_get_n_events (hs_sim_get_trace (sim)) - 1)
                       ->error,
                   ==, HS_TRACE_ERROR_NETWORK_UNREACHABLE);
  g_assert_true (hs_sim_can_connect (sim));
}

static char *
run_lesson (guint32 seed)
{
  g_autoptr (HsSim) sim = hs_sim_new (NULL, seed);

  hs_sim_listen (sim, 0, NULL);
  hs_sim_connect (sim, "localhost", hs_sim_get_listen_port (sim), NULL);
  hs_sim_run_until_idle (sim, CAP_US);
  hs_sim_send (sim, HS_SIDE_CLIENT, (const guint8 *) "hi", 2, NULL);
  hs_sim_run_until_idle (sim, CAP_US);
  hs_sim_close (sim, HS_SIDE_CLIENT, NULL);
  hs_sim_close (sim, HS_SIDE_SERVER, NULL);
  hs_sim_run_until_idle (sim, CAP_US);
  return hs_trace_format_jsonl (hs_sim_get_trace (sim));
}

static void
test_repeatable (void)
{
  g_autofree char *a = run_lesson (42);
  g_autofree char *b = run_lesson (42);
  g_autofree char *c = run_lesson (43);

  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
}

/* The randomized test. States of one connection's two ends that no run may
 * ever show at the same time, whatever the wire does. */
static gboolean
fin_sent (HsTcpState s)
{
  return s == HS_TCP_STATE_FIN_WAIT_1 || s == HS_TCP_STATE_FIN_WAIT_2 ||
         s == HS_TCP_STATE_CLOSING || s == HS_TCP_STATE_TIME_WAIT || s == HS_TCP_STATE_LAST_ACK;
}

static gboolean
fin_received (HsTcpState s)
{
  return s == HS_TCP_STATE_CLOSE_WAIT || s == HS_TCP_STATE_LAST_ACK || s == HS_TCP_STATE_CLOSING ||
         s == HS_TCP_STATE_TIME_WAIT;
}

static gboolean
synchronized (HsTcpState s)
{
  return s == HS_TCP_STATE_ESTABLISHED || fin_sent (s) || fin_received (s);
}

/* Only an ACK of our FIN leads to FIN_WAIT_2 and TIME_WAIT. */
static gboolean
own_fin_acked (HsTcpState s)
{
  return s == HS_TCP_STATE_FIN_WAIT_2 || s == HS_TCP_STATE_TIME_WAIT;
}

static const char *
impossible_pair (HsTcpState a, HsTcpState b)
{
  if (a == HS_TCP_STATE_CLOSED || b == HS_TCP_STATE_CLOSED)
    return NULL;
  if (a == HS_TCP_STATE_LISTEN || b == HS_TCP_STATE_LISTEN)
    return "a connection's end in LISTEN";
  if (synchronized (a) && b == HS_TCP_STATE_SYN_SENT)
    return "synchronized while the peer's SYN is unanswered";
  if (fin_received (a) && !fin_sent (b))
    return "a FIN received that the peer never sent";
  if (own_fin_acked (a) && !fin_received (b))
    return "a FIN acknowledged that the peer never received";
  return NULL;
}

typedef struct
{
  GHashTable *states;  /* connection → HsTcpState[2] */
  GHashTable *relaxed; /* connections the server opened again from an old SYN */
  GHashTable *opened;  /* connections whose server end existed once */
  guint32 seed;
  guint checked;
} Checker;

static void
event_added_cb (HsTrace *trace, guint index, Checker *checker)
{
  const HsEvent *e = hs_trace_get_event (trace, index);
  HsTcpState *pair;
  const char *why;

  if (e->kind != HS_EVENT_STATE || e->connection == 0)
    return;

  pair = g_hash_table_lookup (checker->states, GUINT_TO_POINTER (e->connection));
  if (pair == NULL)
    {
      pair = g_new (HsTcpState, 2);
      pair[0] = pair[1] = HS_TCP_STATE_CLOSED;
      g_hash_table_insert (checker->states, GUINT_TO_POINTER (e->connection), pair);
    }

  /* A new server end for an old duplicate SYN (the old one went from
   * LAST_ACK to CLOSED, which keeps no TIME_WAIT to reject it): a second
   * incarnation, unrelated to the client's state. */
  if (e->side == HS_SIDE_SERVER && e->from == HS_TCP_STATE_LISTEN &&
      !g_hash_table_add (checker->opened, GUINT_TO_POINTER (e->connection)))
    g_hash_table_add (checker->relaxed, GUINT_TO_POINTER (e->connection));

  /* Each end's states follow one another (a server end starts from the
   * listener's LISTEN). */
  if (!(pair[e->side] == HS_TCP_STATE_CLOSED && e->from == HS_TCP_STATE_LISTEN))
    g_assert_cmpint (pair[e->side], ==, e->from);
  pair[e->side] = e->to;
  checker->checked++;

  if (g_hash_table_contains (checker->relaxed, GUINT_TO_POINTER (e->connection)))
    return;
  why = impossible_pair (pair[0], pair[1]);
  if (why != NULL)
    g_error ("seed %u, connection %u: client %s, server %s: %s", checker->seed, e->connection,
             hs_tcp_state_to_string (pair[0]), hs_tcp_state_to_string (pair[1]), why);
}

G_GNUC_PRINTF (2, 3) static void dump_and_fail (HsTrace *trace, const char *format, ...)
{
  g_autofree char *table = hs_trace_format_table (trace, HS_LABEL_STYLE_RELATIVE);
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("%s", table);
  g_error ("%s", message);
}

static void
random_action (HsSim *sim, GRand *rand, guint16 port)
{
  HsSide side = g_rand_boolean (rand) ? HS_SIDE_CLIENT : HS_SIDE_SERVER;
  guint n_held = hs_sim_get_n_held (sim);

  switch (g_rand_int_range (rand, 0, 16))
    {
      case 0:
        hs_sim_connect (sim, "10.0.0.2", g_rand_int_range (rand, 0, 8) == 0 ? 1 : port, NULL);
        break;
      case 1:
      case 2:
        hs_sim_send (sim, side, (const guint8 *) "data", g_rand_int_range (rand, 1, 5), NULL);
        break;
      case 3:
        hs_sim_shutdown (sim, side, NULL);
        break;
      case 4:
        hs_sim_close (sim, side, NULL);
        break;
      case 5:
        if (g_rand_int_range (rand, 0, 4) == 0)
          hs_sim_abort (sim, side, NULL);
        break;
      case 6:
        hs_sim_set_hold (sim, !hs_sim_get_hold (sim));
        break;
      case 7:
        hs_sim_drop_next (sim);
        break;
      case 8:
        hs_sim_deliver (sim);
        break;
      case 9:
      case 10:
        /* Reordering: deliver a held segment other than the oldest. */
        if (n_held > 0)
          {
            g_autoptr (GArray) wire = hs_sim_get_wire (sim);
            const HsSimWireSegment *s =
                &g_array_index (wire, HsSimWireSegment, g_rand_int_range (rand, 0, wire->len));

            if (s->held)
              hs_sim_deliver_segment (sim, s->trace_index);
            else
              hs_sim_drop_segment (sim, s->trace_index);
          }
        break;
      case 11:
      case 12:
        hs_sim_advance (sim, g_rand_int_range (rand, 0, 3000) * 1000);
        break;
      case 13:
        hs_sim_run_until_idle (sim, CAP_US);
        break;
      case 14:
        hs_sim_deliver_all (sim);
        break;
      default:
        hs_sim_advance (sim, g_rand_int_range (rand, 0, 400) * 1000);
        break;
    }
}

static void
test_random (void)
{
  guint n_seeds = g_test_slow () ? 200000 : 20000;
  guint relaxed = 0, checked = 0;

  for (guint32 seed = 1; seed <= n_seeds; seed++)
    {
      g_autoptr (HsSim) sim = hs_sim_new (NULL, seed);
      g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
      HsTrace *trace = hs_sim_get_trace (sim);
      Checker checker = { 0 };
      guint n_actions = g_rand_int_range (rand, 1, 40);
      HsTcbConfig config = *hs_sim_get_config (sim);

      /* Shorter timers keep the runs short; the logic is the same. */
      config.time_wait_us = 2 * G_USEC_PER_SEC;
      config.fin_timeout_us = 3 * G_USEC_PER_SEC;
      hs_sim_set_config (sim, &config);

      checker.states = g_hash_table_new_full (NULL, NULL, NULL, g_free);
      checker.relaxed = g_hash_table_new (NULL, NULL);
      checker.opened = g_hash_table_new (NULL, NULL);
      checker.seed = seed;
      g_signal_connect (trace, "event-added", G_CALLBACK (event_added_cb), &checker);

      hs_sim_listen (sim, 5005, NULL);
      for (guint i = 0; i < n_actions; i++)
        random_action (sim, rand, 5005);

      /* The wire delivers everything from now on, both applications close
       * and the clock runs out: every end of every connection is CLOSED
       * (through TIME_WAIT where it went there) and the wire is empty. */
      for (guint round = 0; round < 3; round++)
        {
          hs_sim_deliver_all (sim);
          for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
            while (hs_sim_can_use (sim, side))
              hs_sim_close (sim, side, NULL);
          /* A connection accepted meanwhile is closed in the next round. */
          hs_sim_advance (sim, 2000 * G_USEC_PER_SEC);
        }

      for (guint id = 1; id < hs_trace_get_n_connections (trace); id++)
        for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
          if (hs_sim_get_state (sim, id, side) != HS_TCP_STATE_CLOSED)
            dump_and_fail (trace, "seed %u: connection %u, %s still in %s", seed, id,
                           hs_side_to_string (side),
                           hs_tcp_state_to_string (hs_sim_get_state (sim, id, side)));
      {
        g_autoptr (GArray) wire = hs_sim_get_wire (sim);
        g_assert_cmpuint (wire->len, ==, 0);
      }
      g_assert_true (hs_sim_is_idle (sim));
      g_assert_cmpint (hs_sim_get_next_deadline (sim), ==, G_MAXINT64);

      relaxed += g_hash_table_size (checker.relaxed);
      checked += checker.checked;
      g_signal_handlers_disconnect_by_data (trace, &checker);
      g_hash_table_unref (checker.states);
      g_hash_table_unref (checker.relaxed);
      g_hash_table_unref (checker.opened);
    }

  g_test_message ("%u runs, %u state changes checked, %u second incarnations", n_seeds, checked,
                  relaxed);
  g_assert_cmpuint (checked, >, n_seeds);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sim/lesson", test_lesson);
  g_test_add_func ("/sim/wire-controls", test_wire_controls);
  g_test_add_func ("/sim/simultaneous-open", test_simultaneous_open);
  g_test_add_func ("/sim/errors", test_errors);
  g_test_add_func ("/sim/repeatable", test_repeatable);
  g_test_add_func ("/sim/random", test_random);

  return g_test_run ();
}
