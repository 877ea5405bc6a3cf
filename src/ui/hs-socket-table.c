/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-socket-table"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "hs-socket-table.h"
#include "hs-table.h"

struct _HsSocketTable
{
  GtkWidget parent_instance;

  GtkWidget *scrolled;
  HsTable *table;
  GtkSingleSelection *selection;
  gboolean replay;
};

G_DEFINE_FINAL_TYPE (HsSocketTable, hs_socket_table, GTK_TYPE_WIDGET)

/* netstat's columns, with the side that owns the socket first and the
 * queues, which rarely move in a lesson, last: on a narrow panel they are the
 * ones that scroll out of view. */
static const HsTableColumn columns[] = {
  { "owner", N_ ("Side"), 7, FALSE, FALSE },
  { "proto", N_ ("Proto"), 4, FALSE, FALSE },
  { "local", N_ ("Local Address"), 15, FALSE, TRUE },
  { "foreign", N_ ("Foreign Address"), 15, FALSE, TRUE },
  { "state-name", N_ ("State"), 11, FALSE, FALSE },
  { "timer", N_ ("Timer"), 6, FALSE, FALSE },
  { "recv-q", N_ ("Recv-Q"), 5, TRUE, FALSE },
  { "send-q", N_ ("Send-Q"), 5, TRUE, FALSE },
};

/* The Side column says "client" or "server" in the UI language. */
static char *
format_cell (GObject *item, guint column, const char *text, gpointer user_data)
{
  if (column != 0)
    return NULL;
  if (g_strcmp0 (text, "client") == 0)
    return g_strdup (_ ("client"));
  if (g_strcmp0 (text, "server") == 0)
    return g_strdup (_ ("server"));
  return NULL;
}

static void
hs_socket_table_dispose (GObject *object)
{
  HsSocketTable *self = (HsSocketTable *) object;

  g_clear_pointer (&self->scrolled, gtk_widget_unparent);
  g_clear_object (&self->selection);

  G_OBJECT_CLASS (hs_socket_table_parent_class)->dispose (object);
}

static void
hs_socket_table_class_init (HsSocketTableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hs_socket_table_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sockettable");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
hs_socket_table_init (HsSocketTable *self)
{
  self->selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);

  self->table = HS_TABLE (hs_table_new (columns, G_N_ELEMENTS (columns)));
  hs_table_set_model (self->table, GTK_SELECTION_MODEL (self->selection));
  hs_table_set_format_func (self->table, format_cell, NULL);
  /* A row whose state just changed is marked. */
  hs_table_set_mark_property (self->table, "highlight");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->table), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Sockets in the kernel"), -1);

  self->scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scrolled), GTK_POLICY_AUTOMATIC,
                                  GTK_POLICY_AUTOMATIC);
  /* Wide enough for every column where there is room; narrower, it
   * scrolls. */
  gtk_scrolled_window_set_propagate_natural_width (GTK_SCROLLED_WINDOW (self->scrolled), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scrolled), GTK_WIDGET (self->table));
  gtk_widget_set_parent (self->scrolled, GTK_WIDGET (self));
}

GtkWidget *
hs_socket_table_new (void)
{
  return g_object_new (HS_TYPE_SOCKET_TABLE, NULL);
}

void
hs_socket_table_set_model (HsSocketTable *self, GListModel *model)
{
  g_return_if_fail (HS_IS_SOCKET_TABLE (self));

  gtk_single_selection_set_model (self->selection, model);
}

GListModel *
hs_socket_table_get_model (HsSocketTable *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_TABLE (self), NULL);

  return gtk_single_selection_get_model (self->selection);
}

void
hs_socket_table_set_replay (HsSocketTable *self, gboolean replay)
{
  g_return_if_fail (HS_IS_SOCKET_TABLE (self));

  replay = !!replay;
  if (self->replay == replay)
    return;

  self->replay = replay;
  if (replay)
    gtk_widget_add_css_class (GTK_WIDGET (self), "replay");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "replay");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->table), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  replay ? _ ("Sockets replayed from the trace")
                                         : _ ("Sockets in the kernel"),
                                  -1);
}

gboolean
hs_socket_table_get_replay (HsSocketTable *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_TABLE (self), FALSE);

  return self->replay;
}
