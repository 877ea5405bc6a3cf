/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* clang-format off */

void  hs_frame_memory_keep      (GtkWidget *window);
gsize hs_frame_memory_get_block (GtkWidget *window);
guint hs_frame_memory_get_n_reused (void);

/* clang-format on */

G_END_DECLS
