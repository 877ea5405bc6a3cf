/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hs-trace.h"

G_BEGIN_DECLS

/* clang-format off */

/*
 * One connection of a busy trace as a trace of its own, for the canvas: a
 * new HsTrace holding copies of the events of connection @id of @source,
 * with the same connection ids, addresses, ISNs and times, kept up to date
 * as @source grows and refines its events. The class server's trace holds
 * every client; the diagram of the one selected is drawn from this.
 */
HsTrace *hs_connection_trace_new (HsTrace *source,
                                  guint    id);
/* The connection @trace mirrors (0 when it is not a mirror). */
guint    hs_connection_trace_get_id (HsTrace *trace);

/* clang-format on */

G_END_DECLS
