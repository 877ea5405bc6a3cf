/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hs-connection-list.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_LANES (hs_lanes_get_type ())

G_DECLARE_FINAL_TYPE (HsLanes, hs_lanes, HS, LANES, GtkWidget)

/*
 * Every connection of the class at once, one compact lane each: the
 * client's address, the server's state, and the connection's segments in
 * order as small labelled arrows (solid when captured, dashed when
 * inferred). A GtkScrollable (vertical): put it in a GtkScrolledWindow. It
 * draws only the lanes in view, so its cost follows what is visible, not the
 * size of the class; while "follow" is set it keeps the newest lane in view.
 *
 * The selection is a GtkSingleSelection over an HsConnectionList, shared with
 * the connection list: a click selects a lane, a double click (or Enter)
 * emits ::activate (guint id).
 */
GtkWidget  *hs_lanes_new             (void);
void        hs_lanes_set_selection   (HsLanes            *self,
                                      GtkSingleSelection *selection);
void        hs_lanes_set_font_scale  (HsLanes *self,
                                      double   font_scale);
/* The range of lanes the last frame drew, [*first, *end), for tests. */
void        hs_lanes_get_drawn_range (HsLanes *self,
                                      guint   *first,
                                      guint   *end);
/* How many of those lanes it drew anew rather than reused, and how many
 * frames have drawn the overview, for tests. */
guint       hs_lanes_get_n_redrawn   (HsLanes *self,
                                      guint   *snapshots);
/* How many pictures of pills and boxes it keeps, for tests. */
guint       hs_lanes_get_n_sprites   (HsLanes *self);

/* clang-format on */

G_END_DECLS
