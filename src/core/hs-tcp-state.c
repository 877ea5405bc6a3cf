/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-tcp-state"

#include "config.h"

#include "hs-tcp-state.h"

typedef struct
{
  const char *name;
  const char *netstat;
  const char *ss;
  guint linux_state;
} StateInfo;

/* Linux numbers from include/net/tcp_states.h; netstat's names from net-tools'
 * tcp_state[] table; ss's from iproute2's sstate_name[]. */
static const StateInfo state_info[HS_TCP_STATE_N_STATES] = {
  [HS_TCP_STATE_UNKNOWN] = { "UNKNOWN", "UNKNOWN", "UNKNOWN", 0 },
  [HS_TCP_STATE_CLOSED] = { "CLOSED", "CLOSE", "UNCONN", 7 },
  [HS_TCP_STATE_LISTEN] = { "LISTEN", "LISTEN", "LISTEN", 10 },
  [HS_TCP_STATE_SYN_SENT] = { "SYN_SENT", "SYN_SENT", "SYN-SENT", 2 },
  [HS_TCP_STATE_SYN_RECEIVED] = { "SYN_RECEIVED", "SYN_RECV", "SYN-RECV", 3 },
  [HS_TCP_STATE_ESTABLISHED] = { "ESTABLISHED", "ESTABLISHED", "ESTAB", 1 },
  [HS_TCP_STATE_FIN_WAIT_1] = { "FIN_WAIT_1", "FIN_WAIT1", "FIN-WAIT-1", 4 },
  [HS_TCP_STATE_FIN_WAIT_2] = { "FIN_WAIT_2", "FIN_WAIT2", "FIN-WAIT-2", 5 },
  [HS_TCP_STATE_CLOSE_WAIT] = { "CLOSE_WAIT", "CLOSE_WAIT", "CLOSE-WAIT", 8 },
  [HS_TCP_STATE_CLOSING] = { "CLOSING", "CLOSING", "CLOSING", 11 },
  [HS_TCP_STATE_LAST_ACK] = { "LAST_ACK", "LAST_ACK", "LAST-ACK", 9 },
  [HS_TCP_STATE_TIME_WAIT] = { "TIME_WAIT", "TIME_WAIT", "TIME-WAIT", 6 },
};

HsTcpState
hs_tcp_state_from_linux (guint linux_state)
{
  /* TCP_NEW_SYN_RECV (12) is the kernel's request socket for a half-open
   * connection: to a student it is SYN_RECEIVED, as netstat shows it. */
  if (linux_state == 12)
    return HS_TCP_STATE_SYN_RECEIVED;

  for (guint i = HS_TCP_STATE_CLOSED; i < HS_TCP_STATE_N_STATES; i++)
    if (state_info[i].linux_state == linux_state)
      return (HsTcpState) i;

  return HS_TCP_STATE_UNKNOWN;
}

guint
hs_tcp_state_to_linux (HsTcpState state)
{
  g_return_val_if_fail (state < HS_TCP_STATE_N_STATES, 0);

  return state_info[state].linux_state;
}

const char *
hs_tcp_state_to_string (HsTcpState state)
{
  g_return_val_if_fail (state < HS_TCP_STATE_N_STATES, "UNKNOWN");

  return state_info[state].name;
}

const char *
hs_tcp_state_to_netstat (HsTcpState state)
{
  g_return_val_if_fail (state < HS_TCP_STATE_N_STATES, "UNKNOWN");

  return state_info[state].netstat;
}

const char *
hs_tcp_state_to_ss (HsTcpState state)
{
  g_return_val_if_fail (state < HS_TCP_STATE_N_STATES, "UNKNOWN");

  return state_info[state].ss;
}

gboolean
hs_tcp_state_parse (const char *name, HsTcpState *out_state)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < HS_TCP_STATE_N_STATES; i++)
    {
      const StateInfo *info = &state_info[i];

      if (g_ascii_strcasecmp (name, info->name) == 0 ||
          g_ascii_strcasecmp (name, info->netstat) == 0 || g_ascii_strcasecmp (name, info->ss) == 0)
        {
          if (out_state != NULL)
            *out_state = (HsTcpState) i;
          return TRUE;
        }
    }

  return FALSE;
}

gboolean
hs_tcp_state_has_connection (HsTcpState state)
{
  return state > HS_TCP_STATE_LISTEN && state < HS_TCP_STATE_N_STATES;
}
