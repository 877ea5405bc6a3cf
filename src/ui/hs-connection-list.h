/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-trace.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_CONNECTION_ROW (hs_connection_row_get_type ())
#define HS_TYPE_CONNECTION_LIST (hs_connection_list_get_type ())

G_DECLARE_FINAL_TYPE (HsConnectionRow, hs_connection_row, HS, CONNECTION_ROW, GObject)
G_DECLARE_FINAL_TYPE (HsConnectionList, hs_connection_list, HS, CONNECTION_LIST, GObject)

/*
 * The connections of a trace as a GListModel of HsConnectionRow, seen from
 * one side (the class server sees its clients): the peer's address and
 * port, that side's latest state, when the connection began, the bytes each
 * way and the last text received. It reads only the trace, and takes each
 * new event in O(1), so a class of hundreds costs what its events cost.
 * New rows are announced (items-changed) once per main loop turn, so a
 * class arriving at once is one change to the views.
 *
 * Row properties (read-only, notified on change): "id" (uint), "address"
 * (string), "port" (uint), "state-name" (string), "since" (string, local
 * clock time), "bytes-in" and "bytes-out" (uint64), "last-text" (string:
 * the peer's last bytes made safe with hs_format_data()).
 */
HsConnectionList *hs_connection_list_new            (HsSide            side);
void              hs_connection_list_set_trace      (HsConnectionList *self,
                                                     HsTrace          *trace);
HsTrace          *hs_connection_list_get_trace      (HsConnectionList *self);
/* The row of connection @id (ids start at 1), or NULL. */
HsConnectionRow  *hs_connection_list_get_row        (HsConnectionList *self,
                                                     guint             id);

guint             hs_connection_row_get_id          (HsConnectionRow *self);
const char       *hs_connection_row_get_address     (HsConnectionRow *self);
guint             hs_connection_row_get_port        (HsConnectionRow *self);
HsTcpState        hs_connection_row_get_state       (HsConnectionRow *self);
const char       *hs_connection_row_get_state_name  (HsConnectionRow *self);
const char       *hs_connection_row_get_last_text   (HsConnectionRow *self);
guint64           hs_connection_row_get_bytes_in    (HsConnectionRow *self);
guint64           hs_connection_row_get_bytes_out   (HsConnectionRow *self);
/* Trace indices of the connection's segments, in order (for the overview). */
const GArray     *hs_connection_row_get_segments    (HsConnectionRow *self);
/* The trace time of the connection's latest event. */
gint64            hs_connection_row_get_last_time   (HsConnectionRow *self);

/* clang-format on */

G_END_DECLS
