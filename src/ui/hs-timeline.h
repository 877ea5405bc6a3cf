/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hs-playback.h"

G_BEGIN_DECLS

/*
 * HsTimeline is the scrubber under the diagram: a slider over the events
 * of a trace, with a mark for every segment, that shows and moves the
 * cursor of an HsPlayback. The playback stays the one source of truth:
 * stepping, Home and End move the slider because they move the playback,
 * and dragging the slider seeks the playback (paused). Its accessible role
 * is a slider whose value is the number of events shown.
 *
 * Drawing costs what the width costs: segment marks are counted into one
 * bucket per pixel column, recounted only when the trace grows or the
 * width changes.
 */

#define HS_TYPE_TIMELINE (hs_timeline_get_type ())

G_DECLARE_FINAL_TYPE (HsTimeline, hs_timeline, HS, TIMELINE, GtkWidget)

/* clang-format off */
GtkWidget  *hs_timeline_new          (void);
HsPlayback *hs_timeline_get_playback (HsTimeline *self);
void        hs_timeline_set_playback (HsTimeline *self,
                                      HsPlayback *playback);
/* Where the knob is, 0–1 of the width (for tests). */
double      hs_timeline_get_fraction (HsTimeline *self);
/* Seeks the playback to @fraction (0–1) of the timeline, as a click there
 * does. */
void        hs_timeline_seek         (HsTimeline *self,
                                      double      fraction);
/* clang-format on */

G_END_DECLS
