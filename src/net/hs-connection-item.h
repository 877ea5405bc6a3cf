/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "hs-segment.h"
#include "hs-tcp-state.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_CONNECTION_ITEM (hs_connection_item_get_type ())

G_DECLARE_FINAL_TYPE (HsConnectionItem, hs_connection_item, HS, CONNECTION_ITEM, GObject)

/*
 * One connection of a session as the connection list shows it: the peer's
 * address and port, the state of our end, when it began and how many bytes
 * went each way. The session updates items in place, so a list view keeps
 * its rows and selection while a class's connections come and go.
 */
HsConnectionItem *hs_connection_item_new                (guint            id,
                                                         const HsAddress *peer,
                                                         gint64           since_us);

guint             hs_connection_item_get_id             (HsConnectionItem *self);
/* The peer's IP address ("10.1.0.2", "::1") and port. */
const char       *hs_connection_item_get_address        (HsConnectionItem *self);
guint             hs_connection_item_get_port           (HsConnectionItem *self);
HsTcpState        hs_connection_item_get_state          (HsConnectionItem *self);
const char       *hs_connection_item_get_state_name     (HsConnectionItem *self);
/* g_get_monotonic_time() when the connection was accepted or started. */
gint64            hs_connection_item_get_since_us       (HsConnectionItem *self);
guint64           hs_connection_item_get_bytes_received (HsConnectionItem *self);
guint64           hs_connection_item_get_bytes_sent     (HsConnectionItem *self);
/* TRUE while our socket of the connection is open. */
gboolean          hs_connection_item_get_open           (HsConnectionItem *self);

/* Setters for the session; each notifies only on a change. */
void              hs_connection_item_set_peer           (HsConnectionItem *self,
                                                         const HsAddress  *peer);
void              hs_connection_item_set_state          (HsConnectionItem *self,
                                                         HsTcpState        state);
void              hs_connection_item_add_bytes          (HsConnectionItem *self,
                                                         guint64           received,
                                                         guint64           sent);
void              hs_connection_item_set_open           (HsConnectionItem *self,
                                                         gboolean          open);

/* clang-format on */

G_END_DECLS
