/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-socket-table"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "hs-socket-item.h"
#include "hs-socket-table.h"
#include "hs-text-cell.h"

struct _HsSocketTable
{
  GtkWidget parent_instance;

  GtkWidget *scrolled;
  GtkColumnView *view;
  GtkSingleSelection *selection;
  gboolean replay;
  GtkColumnViewColumn *view_columns[8];
};

G_DEFINE_FINAL_TYPE (HsSocketTable, hs_socket_table, GTK_TYPE_WIDGET)

typedef struct
{
  const char *property;
  const char *title;
  gboolean numeric;
  gboolean expand;
  int width_chars; /* room for the usual values, so nothing is cut */
} Column;

/* netstat's columns, with the side that owns the socket first and the
 * queues, which rarely move in a lesson, last: on a narrow panel they are the
 * ones that scroll out of view. */
static const Column columns[] = {
  { "owner", N_ ("Side"), FALSE, FALSE, 7 },
  { "proto", N_ ("Proto"), FALSE, FALSE, 4 },
  { "local", N_ ("Local Address"), FALSE, TRUE, 15 },
  { "foreign", N_ ("Foreign Address"), FALSE, TRUE, 15 },
  { "state-name", N_ ("State"), FALSE, FALSE, 11 },
  { "timer", N_ ("Timer"), FALSE, FALSE, 6 },
  { "recv-q", N_ ("Recv-Q"), TRUE, FALSE, 5 },
  { "send-q", N_ ("Send-Q"), TRUE, FALSE, 5 },
};

static void
highlight_changed_cb (HsSocketItem *item, GParamSpec *pspec, GtkWidget *label)
{
  if (hs_socket_item_get_highlight (item))
    gtk_widget_add_css_class (label, "changed");
  else
    gtk_widget_remove_css_class (label, "changed");
}

/* The Side column says "client" or "server" in the UI language. */
static gboolean
owner_to_label (GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
  const char *owner = g_value_get_string (from);

  if (g_strcmp0 (owner, "client") == 0)
    g_value_set_string (to, _ ("client"));
  else if (g_strcmp0 (owner, "server") == 0)
    g_value_set_string (to, _ ("server"));
  else
    g_value_set_string (to, owner);
  return TRUE;
}

static void
setup_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, const Column *column)
{
  /* A text cell, not a label: its size does not depend on its text (see
   * hs-text-cell.h), so a class's rows arriving cost no text measuring. */
  GtkWidget *cell = hs_text_cell_new ();

  hs_text_cell_set_xalign (HS_TEXT_CELL (cell), column->numeric ? 1.0 : 0.0);
  /* Only a long IPv6 address gives way; states and numbers are never cut. */
  if (column->expand)
    hs_text_cell_set_ellipsize (HS_TEXT_CELL (cell), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (cell, "socket-cell");
  if (column->numeric)
    gtk_widget_add_css_class (cell, "numeric");
  gtk_list_item_set_child (list_item, cell);
}

static void
bind_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, const Column *column)
{
  HsSocketItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *label = gtk_list_item_get_child (list_item);
  GBinding *binding;

  /* Numbers reach the label through GLib's uint-to-string transform. */
  if (g_str_equal (column->property, "owner"))
    binding = g_object_bind_property_full (item, column->property, label, "text",
                                           G_BINDING_SYNC_CREATE, owner_to_label, NULL, NULL, NULL);
  else
    binding = g_object_bind_property (item, column->property, label, "text", G_BINDING_SYNC_CREATE);

  g_object_set_data (G_OBJECT (list_item), "hs-binding", binding);
  highlight_changed_cb (item, NULL, label);
  g_signal_connect_object (item, "notify::highlight", G_CALLBACK (highlight_changed_cb), label, 0);
}

static void
unbind_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, const Column *column)
{
  HsSocketItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *label = gtk_list_item_get_child (list_item);
  GBinding *binding = g_object_steal_data (G_OBJECT (list_item), "hs-binding");

  if (binding != NULL)
    g_binding_unbind (binding);
  g_signal_handlers_disconnect_by_func (item, highlight_changed_cb, label);
  gtk_widget_remove_css_class (label, "changed");
}

/* Each column is as wide as its usual values, measured once in the
 * table's own font: a label's width-chars would ask Pango for the font's
 * metrics at every measure, and with hundreds of rows changing that is most
 * of a frame. */
static void
view_realize_cb (GtkWidget *view, HsSocketTable *self)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (view, "0123456789");
  int width = 0;
  double char_width;

  pango_layout_get_pixel_size (layout, &width, NULL);
  g_object_unref (layout);
  char_width = width / 10.0;
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    gtk_column_view_column_set_fixed_width (self->view_columns[i],
                                            (int) (columns[i].width_chars * char_width) + 18);
}

static void
hs_socket_table_dispose (GObject *object)
{
  HsSocketTable *self = (HsSocketTable *) object;

  g_clear_pointer (&self->scrolled, gtk_widget_unparent);

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

  self->view = GTK_COLUMN_VIEW (gtk_column_view_new (GTK_SELECTION_MODEL (self->selection)));
  gtk_column_view_set_show_column_separators (self->view, FALSE);
  gtk_column_view_set_reorderable (self->view, FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->view), "data-table");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Sockets in the kernel"), -1);

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkColumnViewColumn *column;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), (gpointer) &columns[i]);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), (gpointer) &columns[i]);
      g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), (gpointer) &columns[i]);

      column = gtk_column_view_column_new (_ (columns[i].title), factory);
      gtk_column_view_column_set_expand (column, columns[i].expand);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_append_column (self->view, column);
      self->view_columns[i] = column;
      g_object_unref (column);
    }
  G_STATIC_ASSERT (G_N_ELEMENTS (columns) == G_N_ELEMENTS (((HsSocketTable *) NULL)->view_columns));
  g_signal_connect (self->view, "realize", G_CALLBACK (view_realize_cb), self);

  self->scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scrolled), GTK_POLICY_AUTOMATIC,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scrolled), GTK_WIDGET (self->view));
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

GtkColumnView *
hs_socket_table_get_view (HsSocketTable *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_TABLE (self), NULL);

  return self->view;
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
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view), GTK_ACCESSIBLE_PROPERTY_LABEL,
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
