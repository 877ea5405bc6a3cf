/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* clang-format off */

/*
 * The connection states of RFC 9293, section 3.3.2, plus the pseudo-states a
 * socket table needs. The numeric values are Handshake's own; convert from the
 * kernel's numbering with hs_tcp_state_from_linux().
 */
typedef enum
{
  HS_TCP_STATE_UNKNOWN = 0,
  HS_TCP_STATE_CLOSED,
  HS_TCP_STATE_LISTEN,
  HS_TCP_STATE_SYN_SENT,
  HS_TCP_STATE_SYN_RECEIVED,
  HS_TCP_STATE_ESTABLISHED,
  HS_TCP_STATE_FIN_WAIT_1,
  HS_TCP_STATE_FIN_WAIT_2,
  HS_TCP_STATE_CLOSE_WAIT,
  HS_TCP_STATE_CLOSING,
  HS_TCP_STATE_LAST_ACK,
  HS_TCP_STATE_TIME_WAIT,
  HS_TCP_STATE_N_STATES
} HsTcpState;

/* The kernel's TCP_* state numbers (include/net/tcp_states.h). */
HsTcpState   hs_tcp_state_from_linux      (guint linux_state);
guint        hs_tcp_state_to_linux        (HsTcpState state);

/* "SYN_RECEIVED", "FIN_WAIT_1": the names drawn on a lifeline and narrated. */
const char  *hs_tcp_state_to_string       (HsTcpState state);
/* "SYN_RECV", "FIN_WAIT1": what `netstat -na` prints. */
const char  *hs_tcp_state_to_netstat      (HsTcpState state);
/* "SYN-RECV", "FIN-WAIT-1": what `ss -tan` prints. */
const char  *hs_tcp_state_to_ss           (HsTcpState state);
/* Accepts any of the three spellings, case-insensitively. */
gboolean     hs_tcp_state_parse           (const char *name,
                                           HsTcpState *out_state);

/* TRUE for the states in which a connection exists (not CLOSED, LISTEN or UNKNOWN). */
gboolean     hs_tcp_state_has_connection  (HsTcpState state);

/* clang-format on */

G_END_DECLS
