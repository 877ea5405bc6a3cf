/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hs-sock-diag.h"

G_BEGIN_DECLS

/* clang-format off */

/* Parses the text of /proc/net/tcp (@family 4) or /proc/net/tcp6 (@family
 * 6) and appends to @rows the sockets that pass the filter (as in
 * hs_sock_diag_dump()). Lines that do not parse are skipped; returns how
 * many were. @clock_ticks is USER_HZ, the unit of the tm->when column. */
guint _hs_sock_diag_parse_proc (const char *text,
                                gsize len,
                                guint8 family,
                                const guint16 *ports,
                                guint n_ports,
                                guint32 state_mask,
                                long clock_ticks,
                                GArray *rows);

/* The INET_DIAG_REQ_BYTECODE program `ss` compiles for
 * "sport = :P1 or dport = :P1 or sport = :P2 …". Returns NULL when there
 * are too many ports for one program. */
GBytes *_hs_sock_diag_build_port_filter (const guint16 *ports, guint n_ports);

/* clang-format on */

G_END_DECLS
