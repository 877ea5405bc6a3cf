/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Called when the descriptor is readable (or has hung up or failed);
 * returns FALSE to stop watching it. */
typedef gboolean (*HsReadyFunc) (gpointer user_data);

/* clang-format off */

guint hs_read_mux_add    (int fd, HsReadyFunc func, gpointer user_data);
void  hs_read_mux_remove (guint id);
guint hs_read_mux_get_n_watched (void);

/* clang-format on */

G_END_DECLS
