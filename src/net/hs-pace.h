/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A priority just below the one GTK draws frames at
 * (GDK_PRIORITY_REDRAW, G_PRIORITY_HIGH_IDLE + 20), above the default
 * idle one. */
#define HS_PACE_YIELD_PRIORITY (G_PRIORITY_HIGH_IDLE + 25)

/* After each frame the network may work this long even when the next
 * frame is already due: a frame longer than the refresh interval must not
 * leave it a piece of work per frame. */
#define HS_PACE_SHARE_US 4000
/* Lowered without a frame for this long, the network goes back to the
 * default priority for as long again (or until the next frame): a window
 * that draws none (not shown yet, minimized) must not keep it waiting,
 * nor leave it below connections' reads that a flood keeps ready. */
#define HS_PACE_FRAME_WAIT_MS 100

/* clang-format off */

void     hs_pace_watch          (GSource *source);
void     hs_pace_unwatch        (GSource *source);
gboolean hs_pace_work           (void);
gboolean hs_pace_frame_due      (void);
int      hs_pace_get_priority   (void);
void     hs_pace_frame_done     (gint64   next_frame_us);
void     hs_pace_hold_frames    (void);
void     hs_pace_release_frames (void);
gboolean hs_pace_is_yielding    (void);
guint    hs_pace_get_n_yields   (void);

/* clang-format on */

G_END_DECLS
