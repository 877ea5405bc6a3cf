/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A priority just below the one GTK draws frames at
 * (GDK_PRIORITY_REDRAW, G_PRIORITY_HIGH_IDLE + 20), above the default
 * idle one. */
#define HS_PACE_YIELD_PRIORITY (G_PRIORITY_HIGH_IDLE + 25)

/* Work since the last frame before the network yields: half a frame at
 * 60 Hz. With 4, 8 and 16 ms, a class of 1,000 arriving had frames
 * equally often late (four to six of some thirty, by a frame); the longer the
 * budget, the sooner the class was all shown and the less memory the
 * window took (fewer frames drawn among the arrivals), but at 16 ms a
 * frame was now and then 67 ms late. */
#define HS_PACE_BUDGET_US 8000
/* A pause in the work this long ends its stretch: the budget counts
 * work, not the time since the first piece of it. */
#define HS_PACE_GAP_US 5000
/* A yield lasts at most this long without a frame, and then the network
 * does not yield for as long again (unless a frame comes): a window that
 * draws none (not shown yet, minimized) must not keep the network
 * waiting, nor leave it below connections' reads that a flood keeps
 * ready. */
#define HS_PACE_FRAME_WAIT_MS 100

/* clang-format off */

void     hs_pace_watch       (GSource *source);
void     hs_pace_unwatch     (GSource *source);
gboolean hs_pace_work        (void);
void     hs_pace_frame_done  (void);
void     hs_pace_hold_frames (void);
void     hs_pace_release_frames (void);
gboolean hs_pace_is_yielding (void);
guint    hs_pace_get_n_yields (void);

/* clang-format on */

G_END_DECLS
