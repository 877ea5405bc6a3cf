/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hs-trace.h"

G_BEGIN_DECLS

/* Traces for the diagram's tests and benchmark, built the way the host
 * network's inference appends events (see hs-fixture-trace.c). */

/* clang-format off */
/* listen, connect, handshake, "hello", close by the client then the server,
 * TIME_WAIT ends: a normal session on the host network (39 events). */
HsTrace *hs_fixture_trace_new_session    (void);

/* Appends the events of one normal session as connection @connection
 * (created by the caller), without the listener's events. */
/* Appends one segment event with the given relative numbers. */
guint    hs_fixture_append_segment       (HsTrace      *trace,
                                          guint         connection,
                                          HsSide        side,
                                          guint8        flags,
                                          guint32       seq,
                                          guint32       ack,
                                          guint32       len,
                                          HsProvenance  provenance);
void     hs_fixture_trace_append_session (HsTrace *trace,
                                          guint    connection);

/* What the lab shows: a dropped SYN and its retransmission (captured, with
 * absolute numbers), a held ACK, an abort with RST, then a refused connect
 * with its error, and a simulated segment. */
HsTrace *hs_fixture_trace_new_showcase   (void);

/* @n_events events: as many sessions as it takes, cut at @n_events. */
HsTrace *hs_fixture_trace_new_long       (guint n_events);
/* clang-format on */

G_END_DECLS
