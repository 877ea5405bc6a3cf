/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "hs-segment.h"
#include "hs-tcp-state.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_SOCKET_ITEM (hs_socket_item_get_type ())

G_DECLARE_FINAL_TYPE (HsSocketItem, hs_socket_item, HS, SOCKET_ITEM, GObject)

/*
 * One row of the socket table, as `netstat -na` would print it, plus which
 * side of the session owns the socket. Items are updated in place from each
 * kernel reading, so a list view keeps its rows, selection and scroll.
 */
HsSocketItem *hs_socket_item_new            (const HsAddress *local,
                                             const HsAddress *foreign);

const char   *hs_socket_item_get_key        (HsSocketItem *self);
const char   *hs_socket_item_get_proto      (HsSocketItem *self);
const char   *hs_socket_item_get_local      (HsSocketItem *self);
const char   *hs_socket_item_get_foreign    (HsSocketItem *self);
HsTcpState    hs_socket_item_get_state      (HsSocketItem *self);
const char   *hs_socket_item_get_state_name (HsSocketItem *self);
guint         hs_socket_item_get_send_q     (HsSocketItem *self);
guint         hs_socket_item_get_recv_q     (HsSocketItem *self);
const char   *hs_socket_item_get_timer      (HsSocketItem *self);
const char   *hs_socket_item_get_owner      (HsSocketItem *self);
gboolean      hs_socket_item_get_highlight  (HsSocketItem *self);

/* Each setter notifies only when the value changes. A state change also
 * sets ::highlight and remembers when, for hs_socket_item_age(). */
void          hs_socket_item_set_state      (HsSocketItem *self,
                                             HsTcpState    state,
                                             gint64        now_us);
void          hs_socket_item_set_queues     (HsSocketItem *self,
                                             guint         send_q,
                                             guint         recv_q);
void          hs_socket_item_set_timer      (HsSocketItem *self,
                                             const char   *timer);
void          hs_socket_item_set_owner      (HsSocketItem *self,
                                             const char   *owner);
/* Clears the highlight once it is older than @max_age_us. */
void          hs_socket_item_age            (HsSocketItem *self,
                                             gint64        now_us,
                                             gint64        max_age_us);

/* Marks the row as just changed (a replayed moment marks the rows whose
 * state changed at that event). */
void          hs_socket_item_set_highlight  (HsSocketItem *self,
                                             gboolean      highlight);
/* When the kernel's (or the model's) TIME_WAIT timer of this socket runs
 * out, on the monotonic clock; 0 when it has none. Drawn as the countdown
 * on the lifeline. */
void          hs_socket_item_set_time_wait_deadline (HsSocketItem *self,
                                                     gint64        deadline_us);
gint64        hs_socket_item_get_time_wait_deadline (HsSocketItem *self);

/* The key rows are matched by: the same for the same two ends (local,
 * foreign), different otherwise; not meant to be read. */
char         *hs_socket_item_make_key       (const HsAddress *local,
                                             const HsAddress *foreign);

/* clang-format on */

G_END_DECLS
