/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-session-sim"

#include "config.h"

#include "hs-session.h"
#include "hs-socket-item.h"

/* Runs the main loop until @done or 10 s pass; FALSE on timeout. */
static gboolean
wait_until (gboolean (*done) (HsSession *), HsSession *session)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!done (session))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static gboolean
server_accepted (HsSession *session)
{
  return hs_session_can_use (session, HS_SIDE_SERVER);
}

static gboolean
table_shows_time_wait (HsSession *session)
{
  GListModel *sockets = hs_session_get_sockets (session);

  for (guint i = 0; i < g_list_model_get_n_items (sockets); i++)
    {
      g_autoptr (HsSocketItem) item = g_list_model_get_item (sockets, i);

      if (hs_socket_item_get_state (item) == HS_TCP_STATE_TIME_WAIT &&
          g_strcmp0 (hs_socket_item_get_owner (item), "client") == 0 &&
          *hs_socket_item_get_timer (item) != '\0')
        return TRUE;
    }
  return FALSE;
}

static void
error_cb (HsSession *session, guint kind, const char *message, guint *errors)
{
  g_assert_cmpuint (kind, ==, HS_TRACE_ERROR_CONNECTION_REFUSED);
  g_assert_nonnull (message);
  (*errors)++;
}

/* On the simulated network the session plays in real time by itself: the
 * handshake takes three crossings of 0.3 s, the table shows the model's
 * sockets with the TIME_WAIT countdown. */
static void
test_realtime (void)
{
  g_autoptr (HsSession) session = hs_session_new_for_network (HS_NETWORK_SIM);
  HsTrace *trace = hs_session_get_trace (session);
  gint64 start = g_get_monotonic_time ();

  g_assert_cmpint (hs_session_get_network (session), ==, HS_NETWORK_SIM);
  g_assert_nonnull (hs_session_get_sim (session));
  g_assert_cmpstr (hs_trace_get_network (trace), ==, "sim");
  g_assert_true (hs_session_listen (session, "0.0.0.0", 5005, NULL));
  g_assert_true (hs_session_is_listening (session));
  g_assert_cmpuint (hs_session_get_listen_port (session), ==, 5005);
  g_assert_true (hs_session_connect (session, "localhost", 5005, NULL));
  g_assert_false (hs_session_is_settled (session, NULL));
  g_assert_true (wait_until (server_accepted, session));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 800000);
  g_assert_cmpint (hs_sim_get_now (hs_session_get_sim (session)), >=, 900000);

  g_assert_true (hs_session_close (session, HS_SIDE_CLIENT, NULL));
  g_assert_true (hs_session_close (session, HS_SIDE_SERVER, NULL));
  g_assert_true (wait_until (table_shows_time_wait, session));
  g_assert_true (hs_session_has_time_wait (session));
}

static void
test_refused (void)
{
  g_autoptr (HsSession) session = hs_session_new_for_network (HS_NETWORK_SIM);
  guint errors = 0;

  g_signal_connect (session, "error", G_CALLBACK (error_cb), &errors);
  hs_session_set_sim_realtime (session, FALSE);
  g_assert_true (hs_session_connect (session, "10.0.0.2", 1, NULL));
  g_assert_true (hs_sim_run_until_idle (hs_session_get_sim (session), G_USEC_PER_SEC * 10));
  g_assert_cmpuint (errors, ==, 1);
  g_assert_true (hs_session_is_settled (session, NULL));
  g_assert_true (hs_session_can_connect (session));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/session-sim/realtime", test_realtime);
  g_test_add_func ("/net/session-sim/refused", test_refused);

  return g_test_run ();
}
