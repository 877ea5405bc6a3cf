/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hs-diagram.h"
#include "hs-playback.h"
#include "hs-trace.h"

G_BEGIN_DECLS

/*
 * HsCanvas shows an HsTrace as the sequence diagram, played by its own
 * HsPlayback. It is a GtkScrollable (vertical; it always fits its width):
 * put it in a GtkScrolledWindow. It draws only the visible part through
 * hs_diagram_draw(), animates from the frame clock while the playback needs
 * frames, and, while "follow" is set, scrolls smoothly to keep the current
 * event in view. Scrolling up by hand clears "follow"; scrolling back to the
 * bottom, or moving the playback (play, step, live), sets it again.
 *
 * Properties: "trace" (HsTrace), "playback" (HsPlayback, read-only),
 * "label-style" (int, an HsLabelStyle), "font-scale" (double, 0.5–4),
 * "palette" (HsDiagramPalette; "system", the default, follows
 * AdwStyleManager's dark and high-contrast settings), "follow" (boolean).
 */

#define HS_TYPE_CANVAS (hs_canvas_get_type ())

G_DECLARE_FINAL_TYPE (HsCanvas, hs_canvas, HS, CANVAS, GtkWidget)

/* clang-format off */
GtkWidget        *hs_canvas_new             (void);

HsTrace          *hs_canvas_get_trace       (HsCanvas *self);
/* Shows @trace (NULL: an empty one) with a new playback, which keeps the
 * previous one's speed. */
void              hs_canvas_set_trace       (HsCanvas *self,
                                             HsTrace  *trace);
/* The playback of the current trace; it is replaced by hs_canvas_set_trace()
 * (notify::playback). */
HsPlayback       *hs_canvas_get_playback    (HsCanvas *self);

HsLabelStyle      hs_canvas_get_label_style (HsCanvas *self);
void              hs_canvas_set_label_style (HsCanvas     *self,
                                             HsLabelStyle  style);
double            hs_canvas_get_font_scale  (HsCanvas *self);
void              hs_canvas_set_font_scale  (HsCanvas *self,
                                             double    font_scale);
HsDiagramPalette  hs_canvas_get_palette     (HsCanvas *self);
void              hs_canvas_set_palette     (HsCanvas         *self,
                                             HsDiagramPalette  palette);
gboolean          hs_canvas_get_follow      (HsCanvas *self);
void              hs_canvas_set_follow      (HsCanvas *self,
                                             gboolean  follow);

/* Where the live TIME_WAIT countdown reads its timer (the kernel's or the
 * model's, through the socket table): @func returns the µs left for that
 * end, or -1 when it does not know. A replay never asks: it computes the
 * countdown from the trace's clock. */
typedef gint64 (*HsCanvasTimeWaitFunc) (guint    connection,
                                        HsSide   side,
                                        gpointer user_data);
void              hs_canvas_set_time_wait_func (HsCanvas             *self,
                                                HsCanvasTimeWaitFunc  func,
                                                gpointer              user_data);

/* The layout behind the drawing, for tests. */
HsDiagramLayout  *hs_canvas_get_layout      (HsCanvas *self);

/* ::segment-clicked (guint index, guint button) is emitted when the user
 * clicks an arrow, as far as it has travelled (a held packet stops midway):
 * on the lab and simulated networks a click delivers a held segment, a
 * secondary click drops it. */
/* clang-format on */

G_END_DECLS
