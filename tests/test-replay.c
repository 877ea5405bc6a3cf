/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "hs-fixture-trace.h"
#include "hs-replay.h"

/* The replayed state of @side of @connection after @n_events events, or
 * CLOSED when that end is not in the table. */
static HsTcpState
replayed_state (HsReplay *replay, HsTrace *trace, guint n_events, guint connection, HsSide side)
{
  g_autoptr (GArray) sockets = hs_replay_sockets_at (replay, trace, n_events);

  for (guint i = 0; i < sockets->len; i++)
    {
      const HsReplaySocket *s = &g_array_index (sockets, HsReplaySocket, i);

      if (s->connection == connection && s->side == side)
        return s->state;
    }
  return HS_TCP_STATE_CLOSED;
}

/* The first event after which @side of @connection is in @state. */
static guint
first_in_state (HsTrace *trace, guint connection, HsSide side, HsTcpState state)
{
  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);

      if (e->kind == HS_EVENT_STATE && e->connection == connection && e->side == side &&
          e->to == state)
        return i;
    }
  g_assert_not_reached ();
}

static void
test_session (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_session ();
  g_autoptr (HsReplay) replay = hs_replay_new ();
  guint n = hs_trace_get_n_events (trace);
  guint established = first_in_state (trace, 1, HS_SIDE_CLIENT, HS_TCP_STATE_ESTABLISHED);
  guint time_wait = first_in_state (trace, 1, HS_SIDE_CLIENT, HS_TCP_STATE_TIME_WAIT);
  g_autoptr (GArray) at_end = NULL;
  g_autoptr (GArray) in_time_wait = NULL;
  const HsReplaySocket *tw = NULL;

  /* Nothing before the first event; the listener after listen(). */
  g_assert_cmpint (replayed_state (replay, trace, 0, 0, HS_SIDE_SERVER), ==, HS_TCP_STATE_CLOSED);
  g_assert_cmpint (replayed_state (replay, trace,
                                   first_in_state (trace, 0, HS_SIDE_SERVER, HS_TCP_STATE_LISTEN) +
                                       1,
                                   0, HS_SIDE_SERVER),
                   ==, HS_TCP_STATE_LISTEN);

  /* At the step where the client is ESTABLISHED, the table says so, though
   * at the end of the trace that end is gone. */
  g_assert_cmpint (replayed_state (replay, trace, established + 1, 1, HS_SIDE_CLIENT), ==,
                   HS_TCP_STATE_ESTABLISHED);
  g_assert_cmpint (replayed_state (replay, trace, established, 1, HS_SIDE_CLIENT), !=,
                   HS_TCP_STATE_ESTABLISHED);
  g_assert_cmpint (replayed_state (replay, trace, n, 1, HS_SIDE_CLIENT), ==, HS_TCP_STATE_CLOSED);
  g_assert_cmpint (hs_trace_get_state_at (trace, 1, HS_SIDE_CLIENT, G_MAXUINT), ==,
                   HS_TCP_STATE_CLOSED);

  /* Every moment agrees with the trace's own (linear) answer. */
  for (guint k = 1; k <= n; k++)
    for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
      {
        HsTcpState expected = hs_trace_get_state_at (trace, 1, side, k - 1);

        if (expected == HS_TCP_STATE_UNKNOWN)
          expected = HS_TCP_STATE_CLOSED;
        g_assert_cmpint (replayed_state (replay, trace, k, 1, side), ==, expected);
      }

  /* The client's row in TIME_WAIT has the connection's addresses and the
   * time it entered, for the countdown. */
  in_time_wait = hs_replay_sockets_at (replay, trace, time_wait + 1);
  for (guint i = 0; i < in_time_wait->len; i++)
    if (g_array_index (in_time_wait, HsReplaySocket, i).state == HS_TCP_STATE_TIME_WAIT)
      tw = &g_array_index (in_time_wait, HsReplaySocket, i);
  g_assert_nonnull (tw);
  g_assert_cmpuint (tw->since, ==, time_wait);
  g_assert_true (hs_address_equal (&tw->local, &hs_trace_get_connection (trace, 1)->client));
  g_assert_true (hs_address_equal (&tw->foreign, &hs_trace_get_connection (trace, 1)->server));
  g_assert_cmpint (hs_replay_time_wait_left_us (tw, tw->since_us), ==, HS_TIME_WAIT_US);
  g_assert_cmpint (hs_replay_time_wait_left_us (tw, tw->since_us + 15 * G_USEC_PER_SEC), ==,
                   45 * G_USEC_PER_SEC);
  g_assert_cmpint (hs_replay_time_wait_left_us (tw, tw->since_us + 90 * G_USEC_PER_SEC), ==, 0);
  g_assert_cmpint (hs_replay_time_at (trace, time_wait + 1), ==,
                   hs_trace_get_event (trace, time_wait)->time_us);

  /* Cleared and refilled: nothing of the old trace is left. */
  hs_trace_clear (trace);
  at_end = hs_replay_sockets_at (replay, trace, G_MAXUINT);
  g_assert_cmpuint (at_end->len, ==, 0);
}

/* A long trace: the answers match the linear reference everywhere. */
static void
test_long (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_long (3000);
  g_autoptr (HsReplay) replay = hs_replay_new ();
  guint n_connections = hs_trace_get_n_connections (trace);

  for (guint k = 1; k <= 3000; k += 97)
    {
      g_autoptr (GArray) sockets = hs_replay_sockets_at (replay, trace, k);
      guint expected = 0;

      for (guint c = 0; c < n_connections; c++)
        for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
          {
            HsTcpState state = hs_trace_get_state_at (trace, c, side, k - 1);

            if (state != HS_TCP_STATE_CLOSED && state != HS_TCP_STATE_UNKNOWN)
              {
                expected++;
                g_assert_cmpint (replayed_state (replay, trace, k, c, side), ==, state);
              }
          }
      g_assert_cmpuint (sockets->len, ==, expected);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/replay/session", test_session);
  g_test_add_func ("/core/replay/long", test_long);

  return g_test_run ();
}
