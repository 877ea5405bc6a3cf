/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A priority just below the one GTK draws frames at
 * (GDK_PRIORITY_REDRAW, G_PRIORITY_HIGH_IDLE + 20), above the default
 * idle one. */
#define HS_PACE_YIELD_PRIORITY (G_PRIORITY_HIGH_IDLE + 25)

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
