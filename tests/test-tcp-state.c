/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "hs-tcp-state.h"

static void
test_linux_numbers (void)
{
  /* include/net/tcp_states.h */
  struct
  {
    guint linux_state;
    HsTcpState state;
    const char *netstat;
    const char *ss;
    const char *name;
  } table[] = {
    { 1, HS_TCP_STATE_ESTABLISHED, "ESTABLISHED", "ESTAB", "ESTABLISHED" },
    { 2, HS_TCP_STATE_SYN_SENT, "SYN_SENT", "SYN-SENT", "SYN_SENT" },
    { 3, HS_TCP_STATE_SYN_RECEIVED, "SYN_RECV", "SYN-RECV", "SYN_RECEIVED" },
    { 4, HS_TCP_STATE_FIN_WAIT_1, "FIN_WAIT1", "FIN-WAIT-1", "FIN_WAIT_1" },
    { 5, HS_TCP_STATE_FIN_WAIT_2, "FIN_WAIT2", "FIN-WAIT-2", "FIN_WAIT_2" },
    { 6, HS_TCP_STATE_TIME_WAIT, "TIME_WAIT", "TIME-WAIT", "TIME_WAIT" },
    { 7, HS_TCP_STATE_CLOSED, "CLOSE", "UNCONN", "CLOSED" },
    { 8, HS_TCP_STATE_CLOSE_WAIT, "CLOSE_WAIT", "CLOSE-WAIT", "CLOSE_WAIT" },
    { 9, HS_TCP_STATE_LAST_ACK, "LAST_ACK", "LAST-ACK", "LAST_ACK" },
    { 10, HS_TCP_STATE_LISTEN, "LISTEN", "LISTEN", "LISTEN" },
    { 11, HS_TCP_STATE_CLOSING, "CLOSING", "CLOSING", "CLOSING" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      HsTcpState parsed;

      g_assert_cmpint (hs_tcp_state_from_linux (table[i].linux_state), ==, table[i].state);
      g_assert_cmpuint (hs_tcp_state_to_linux (table[i].state), ==, table[i].linux_state);
      g_assert_cmpstr (hs_tcp_state_to_netstat (table[i].state), ==, table[i].netstat);
      g_assert_cmpstr (hs_tcp_state_to_ss (table[i].state), ==, table[i].ss);
      g_assert_cmpstr (hs_tcp_state_to_string (table[i].state), ==, table[i].name);

      g_assert_true (hs_tcp_state_parse (table[i].netstat, &parsed));
      g_assert_cmpint (parsed, ==, table[i].state);
      g_assert_true (hs_tcp_state_parse (table[i].ss, &parsed));
      g_assert_cmpint (parsed, ==, table[i].state);
      g_assert_true (hs_tcp_state_parse (table[i].name, &parsed));
      g_assert_cmpint (parsed, ==, table[i].state);
    }

  /* TCP_NEW_SYN_RECV, the kernel's request socket, is SYN_RECEIVED. */
  g_assert_cmpint (hs_tcp_state_from_linux (12), ==, HS_TCP_STATE_SYN_RECEIVED);
  g_assert_cmpint (hs_tcp_state_from_linux (0), ==, HS_TCP_STATE_UNKNOWN);
  g_assert_cmpint (hs_tcp_state_from_linux (99), ==, HS_TCP_STATE_UNKNOWN);
  g_assert_false (hs_tcp_state_parse ("HALF_OPEN", NULL));
  g_assert_true (hs_tcp_state_parse ("time_wait", NULL));
}

static void
test_has_connection (void)
{
  g_assert_false (hs_tcp_state_has_connection (HS_TCP_STATE_CLOSED));
  g_assert_false (hs_tcp_state_has_connection (HS_TCP_STATE_LISTEN));
  g_assert_false (hs_tcp_state_has_connection (HS_TCP_STATE_UNKNOWN));
  g_assert_true (hs_tcp_state_has_connection (HS_TCP_STATE_SYN_SENT));
  g_assert_true (hs_tcp_state_has_connection (HS_TCP_STATE_TIME_WAIT));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/tcp-state/linux-numbers", test_linux_numbers);
  g_test_add_func ("/core/tcp-state/has-connection", test_has_connection);

  return g_test_run ();
}
