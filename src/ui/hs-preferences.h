/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* clang-format off */
#define HS_TYPE_PREFERENCES (hs_preferences_get_type ())

G_DECLARE_FINAL_TYPE (HsPreferences, hs_preferences, HS, PREFERENCES, AdwPreferencesWindow)

/* The preferences window: every row is bound to GSettings and applies at
 * once. */
GtkWidget *hs_preferences_new (GtkWindow *parent);
/* clang-format on */

G_END_DECLS
