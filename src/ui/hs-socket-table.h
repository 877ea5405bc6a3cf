/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_SOCKET_TABLE (hs_socket_table_get_type ())

G_DECLARE_FINAL_TYPE (HsSocketTable, hs_socket_table, HS, SOCKET_TABLE, GtkWidget)

/*
 * The kernel's socket table as `netstat -na` shows it: an HsTable over the
 * session's GListModel of HsSocketItem. Items change in place, so rows
 * keep their place and selection; a row that just changed state is marked.
 */
GtkWidget  *hs_socket_table_new           (void);
void        hs_socket_table_set_model     (HsSocketTable *self,
                                           GListModel    *model);
GListModel *hs_socket_table_get_model     (HsSocketTable *self);
/* Whether the rows are a replay of the past rather than the kernel's (or
 * the model's) table now: marked on screen and for screen readers. */
void        hs_socket_table_set_replay    (HsSocketTable *self,
                                           gboolean       replay);
gboolean    hs_socket_table_get_replay    (HsSocketTable *self);

/* clang-format on */

G_END_DECLS
