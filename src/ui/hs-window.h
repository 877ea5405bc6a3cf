/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hs-session.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_WINDOW (hs_window_get_type ())

G_DECLARE_FINAL_TYPE (HsWindow, hs_window, HS, WINDOW, AdwApplicationWindow)

HsWindow  *hs_window_new          (AdwApplication *application);
HsSession *hs_window_get_session  (HsWindow *self);
/* The canvas widget (an HsCanvas), for tests. */
GtkWidget *hs_window_get_canvas   (HsWindow *self);
/* The narration shown now, for tests. */
const char *hs_window_get_narration (HsWindow *self);
/* The time-travel scrubber (an HsTimeline) and the socket table (an
 * HsSocketTable), for tests. */
GtkWidget *hs_window_get_timeline (HsWindow *self);
GtkWidget *hs_window_get_socket_table (HsWindow *self);
/* The canvas's accessible description (the narration so far), for tests:
 * GTK 4.8 cannot read it back. */
const char *hs_window_get_description (HsWindow *self);

/* clang-format on */

G_END_DECLS
