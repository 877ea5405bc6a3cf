/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void hs_frame_memory_keep (GtkWidget *window);

gboolean hs_frame_memory_is_kept (GtkWidget *window);

G_END_DECLS
