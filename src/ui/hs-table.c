/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-table"

#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "hs-table.h"

/* Room left and right of a cell's text, in pixels. */
#define CELL_PADDING 6

/* ------------------------------------------------------------------------
 * One row: a widget drawing every cell of one item (or the column titles).
 * ------------------------------------------------------------------------ */

#define HS_TYPE_TABLE_ROW (hs_table_row_get_type ())
G_DECLARE_FINAL_TYPE (HsTableRow, hs_table_row, HS, TABLE_ROW, GtkWidget)

typedef struct
{
  char *text;
  PangoLayout *layout; /* made when first drawn, for the width it was drawn at */
  int layout_width;
} Cell;

struct _HsTableRow
{
  GtkWidget parent_instance;

  HsTable *table; /* the parent */
  GObject *item;  /* NULL for the header, the probe and spare rows */
  guint position;
  gboolean header;
  Cell *cells;
  guint n_cells;
  char *label; /* what a screen reader says */
  guint context_serial;
  char *font_key; /* the row's font, for the table's laid-out texts */
  int line_height;
  guint line_serial;
  gboolean shown; /* bound to an item, drawn and known to screen readers */
};

G_DEFINE_FINAL_TYPE (HsTableRow, hs_table_row, GTK_TYPE_WIDGET)

struct _HsTable
{
  GtkWidget parent_instance;

  HsTableColumn *columns;
  guint n_columns;
  int *widths; /* per column, at the last allocation */
  int *xs;
  int *title_widths;
  guint title_serial;
  int content_width;
  double char_width;
  guint char_serial;

  GtkSelectionModel *model;
  HsTableFormatFunc format;
  gpointer format_data;
  char *mark_property;

  GtkAdjustment *hadjustment;
  GtkAdjustment *vadjustment;
  guint hscroll_policy : 1;
  guint vscroll_policy : 1;

  HsTableRow *header;
  HsTableRow *probe; /* never shown: measures the rows' font */
  /* Every row widget: the first n_bound show positions first, first + 1,
   * …; the rest are spares, hidden, kept for when the view grows. */
  GPtrArray *rows;
  guint n_bound;
  guint first;
  int row_height;
  int header_height;

  /* Laid-out texts by font, column, width and text, shared by the rows:
   * a class arriving binds the rows in view to new connections, whose
   * cells mostly repeat what other rows show (an address, a state, a
   * time), and shaping them anew was a fifth of such a frame. */
  GHashTable *layouts;
  /* The fonts those texts were laid out with, by the rows' font keys: a
   * context of its own each, as a row's context follows the row's style
   * (bold while it is marked) and would re-lay out what it made. */
  GHashTable *contexts;

  guint cursor; /* the keyboard's row, or GTK_INVALID_LIST_POSITION */
  guint focus_idle;
  guint order_idle;
  guint n_snapshots; /* times the table was drawn, for tests */
};

enum
{
  PROP_0,
  PROP_HADJUSTMENT,
  PROP_VADJUSTMENT,
  PROP_HSCROLL_POLICY,
  PROP_VSCROLL_POLICY,
};

enum
{
  SIGNAL_ACTIVATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE_WITH_CODE (HsTable,
                               hs_table,
                               GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SCROLLABLE, NULL))

static void
clear_cells (HsTableRow *self)
{
  for (guint i = 0; i < self->n_cells; i++)
    {
      g_clear_pointer (&self->cells[i].text, g_free);
      g_clear_object (&self->cells[i].layout);
    }
  g_clear_pointer (&self->cells, g_free);
  self->n_cells = 0;
}

/* A cell's text: the property's value as text (numbers through GLib's
 * transforms), or what the table's format function makes of it. */
static char *
cell_text (HsTable *table, GObject *item, guint column)
{
  const char *name = table->columns[column].property;
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (item), name);
  g_auto (GValue) value = G_VALUE_INIT;
  g_auto (GValue) string = G_VALUE_INIT;
  char *formatted;

  if (pspec == NULL)
    return g_strdup ("");
  g_value_init (&value, pspec->value_type);
  g_object_get_property (item, name, &value);
  g_value_init (&string, G_TYPE_STRING);
  if (!g_value_transform (&value, &string))
    return g_strdup ("");
  if (table->format != NULL)
    {
      formatted = table->format (item, column, g_value_get_string (&string), table->format_data);
      if (formatted != NULL)
        return formatted;
    }
  return g_strdup (g_value_get_string (&string) != NULL ? g_value_get_string (&string) : "");
}

/* Reads the item's cells again; a cell whose text changed is laid out anew
 * when drawn, and the row's name for screen readers follows. */
static void
row_refresh (HsTableRow *self)
{
  HsTable *table = self->table;
  gboolean changed = FALSE;
  gboolean marked = FALSE;

  if (self->header || self->item == NULL)
    return;
  if (self->n_cells != table->n_columns)
    {
      clear_cells (self);
      self->cells = g_new0 (Cell, table->n_columns);
      self->n_cells = table->n_columns;
    }
  for (guint i = 0; i < self->n_cells; i++)
    {
      g_autofree char *text = cell_text (table, self->item, i);

      if (g_strcmp0 (text, self->cells[i].text) == 0)
        continue;
      g_free (self->cells[i].text);
      self->cells[i].text = g_steal_pointer (&text);
      g_clear_object (&self->cells[i].layout);
      changed = TRUE;
    }

  if (table->mark_property != NULL &&
      g_object_class_find_property (G_OBJECT_GET_CLASS (self->item), table->mark_property) != NULL)
    g_object_get (self->item, table->mark_property, &marked, NULL);
  if (marked != gtk_widget_has_css_class (GTK_WIDGET (self), "changed"))
    {
      if (marked)
        gtk_widget_add_css_class (GTK_WIDGET (self), "changed");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self), "changed");
    }

  if (changed || self->label == NULL)
    {
      GString *label = g_string_new (NULL);

      for (guint i = 0; i < self->n_cells; i++)
        {
          if (self->cells[i].text[0] == '\0')
            continue;
          if (label->len > 0)
            /* TRANSLATORS: between the cells of a table row read by a screen reader */
            g_string_append (label, _ (", "));
          /* TRANSLATORS: a cell of a table row read by a screen reader: column title, value */
          g_string_append_printf (label, C_ ("table cell", "%s: %s"), table->columns[i].title,
                                  self->cells[i].text);
        }
      if (g_strcmp0 (label->str, self->label) != 0)
        {
          g_free (self->label);
          self->label = g_string_free (label, FALSE);
          gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          self->label, -1);
        }
      else
        g_string_free (label, TRUE);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
row_item_notify_cb (GObject *item, GParamSpec *pspec, HsTableRow *self)
{
  HsTable *table = self->table;
  gboolean shown = g_strcmp0 (pspec->name, table->mark_property) == 0;

  for (guint i = 0; i < table->n_columns && !shown; i++)
    shown = g_str_equal (pspec->name, table->columns[i].property);
  if (shown)
    row_refresh (self);
}

static void
row_set_selected (HsTableRow *self, gboolean selected)
{
  gboolean was = (gtk_widget_get_state_flags (GTK_WIDGET (self)) & GTK_STATE_FLAG_SELECTED) != 0;

  if (was == selected)
    return;
  if (selected)
    gtk_widget_set_state_flags (GTK_WIDGET (self), GTK_STATE_FLAG_SELECTED, FALSE);
  else
    gtk_widget_unset_state_flags (GTK_WIDGET (self), GTK_STATE_FLAG_SELECTED);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_SELECTED, selected, -1);
}

/* Shows @item (or nothing) at @position. */
static void
row_bind (HsTableRow *self, GObject *item, guint position)
{
  self->position = position;
  if (self->item == item)
    return;
  if (self->item != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->item, row_item_notify_cb, self);
      g_clear_object (&self->item);
    }
  if (item == NULL)
    {
      /* A spare row says nothing of the row it showed. */
      gtk_widget_remove_css_class (GTK_WIDGET (self), "changed");
      g_clear_pointer (&self->label, g_free);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL);
      return;
    }
  self->item = g_object_ref (item);
  g_signal_connect (item, "notify", G_CALLBACK (row_item_notify_cb), self);
  row_refresh (self);
}

/* Spare rows are neither drawn nor read by screen readers: a widget that
 * is not child-visible is still an accessible unless marked hidden. */
static void
row_set_shown (HsTableRow *self, gboolean shown)
{
  if (self->shown == shown)
    return;
  self->shown = shown;
  gtk_widget_set_child_visible (GTK_WIDGET (self), shown);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_HIDDEN, !shown, -1);
}

/* One line of the row's font: tall and deep letters, and CJK, which sets
 * the line height where a translation uses it. Measured once per font. */
static int
row_line_height (HsTableRow *self)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  guint serial = pango_context_get_serial (context);

  if (self->line_height == 0 || self->line_serial != serial)
    {
      PangoLayout *layout = pango_layout_new (context);

      pango_layout_set_text (layout, "Ågjy中", -1);
      pango_layout_get_pixel_size (layout, NULL, &self->line_height);
      g_object_unref (layout);
      self->line_serial = serial;
    }
  return self->line_height;
}

static void
hs_table_row_measure (GtkWidget *widget,
                      GtkOrientation orientation,
                      int for_size,
                      int *minimum,
                      int *natural,
                      int *minimum_baseline,
                      int *natural_baseline)
{
  /* The table gives the width; a line of the font gives the height. */
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = 0;
  else
    *minimum = *natural = row_line_height (HS_TABLE_ROW (widget));
}

/* Past this many laid-out texts the table starts afresh: a few times the
 * cells in view (about 30 rows of 8 on a 4K screen), a megabyte or so. */
#define MAX_LAYOUTS 512

static PangoLayout *
cell_layout (HsTableRow *self, guint column, int width)
{
  HsTable *table = self->table;
  Cell *cell = &self->cells[column];
  const char *font_key = self->font_key != NULL ? self->font_key : "";
  g_autofree char *key = NULL;
  PangoLayout *layout;

  if (cell->layout != NULL && cell->layout_width == width)
    return cell->layout;

  g_clear_object (&cell->layout);
  key = g_strdup_printf ("%s\x1f%u\x1f%d\x1f%d\x1f%s", font_key, column, width, self->header,
                         cell->text);
  layout = g_hash_table_lookup (table->layouts, key);
  if (layout == NULL)
    {
      PangoContext *context = g_hash_table_lookup (table->contexts, font_key);

      if (context == NULL)
        {
          context = gtk_widget_create_pango_context (GTK_WIDGET (self));
          g_hash_table_insert (table->contexts, g_strdup (font_key), context);
        }
      /* Text, never markup: a cell may show what a peer sent. */
      layout = pango_layout_new (context);
      pango_layout_set_text (layout, cell->text, -1);
      pango_layout_set_single_paragraph_mode (layout, TRUE);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
      if (table->columns[column].numeric && !self->header)
        {
          PangoAttrList *attrs = pango_attr_list_new ();

          pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
          pango_layout_set_attributes (layout, attrs);
          pango_attr_list_unref (attrs);
        }
      pango_layout_set_width (layout, MAX (1, width) * PANGO_SCALE);
      pango_layout_set_alignment (layout, table->columns[column].numeric ? PANGO_ALIGN_RIGHT
                                                                         : PANGO_ALIGN_LEFT);
      if (g_hash_table_size (table->layouts) >= MAX_LAYOUTS)
        {
          g_hash_table_remove_all (table->layouts);
          g_hash_table_remove_all (table->contexts);
        }
      g_hash_table_insert (table->layouts, g_steal_pointer (&key), layout);
    }
  cell->layout = g_object_ref (layout);
  cell->layout_width = width;
  return cell->layout;
}

static void
hs_table_row_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  HsTableRow *self = HS_TABLE_ROW (widget);
  HsTable *table = self->table;
  guint serial = pango_context_get_serial (gtk_widget_get_pango_context (widget));
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  int height = gtk_widget_get_height (widget);
  GdkRGBA color;

  if (self->cells == NULL || table->widths == NULL)
    return;
  /* The font changed (a style, the text scale, the row marked bold). */
  if (serial != self->context_serial || self->font_key == NULL)
    {
      PangoContext *context = gtk_widget_get_pango_context (widget);
      g_autofree char *font =
          pango_font_description_to_string (pango_context_get_font_description (context));
      const cairo_font_options_t *options = pango_cairo_context_get_font_options (context);

      for (guint i = 0; i < self->n_cells; i++)
        g_clear_object (&self->cells[i].layout);
      self->context_serial = serial;
      /* What else of the context shapes text: resolution, direction,
       * hinting and antialiasing, rounding. */
      g_free (self->font_key);
      self->font_key = g_strdup_printf ("%s\x1f%g\x1f%d\x1f%lu\x1f%d", font,
                                        pango_cairo_context_get_resolution (context),
                                        (int) pango_context_get_base_dir (context),
                                        options != NULL ? cairo_font_options_hash (options) : 0UL,
                                        pango_context_get_round_glyph_positions (context));
    }

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  for (guint i = 0; i < self->n_cells && i < table->n_columns; i++)
    {
      int width = table->widths[i] - 2 * CELL_PADDING;
      int x = rtl ? table->content_width - table->xs[i] - table->widths[i] : table->xs[i];
      PangoLayout *layout;
      int text_height;

      if (self->cells[i].text == NULL || self->cells[i].text[0] == '\0' || width <= 0)
        continue;
      layout = cell_layout (self, i, width);
      pango_layout_get_pixel_size (layout, NULL, &text_height);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot,
                              &GRAPHENE_POINT_INIT (x + CELL_PADDING,
                                                    floor ((height - text_height) / 2.0)));
      gtk_snapshot_append_layout (snapshot, layout, &color);
      gtk_snapshot_restore (snapshot);
    }
}

static void
hs_table_row_dispose (GObject *object)
{
  HsTableRow *self = HS_TABLE_ROW (object);

  if (self->item != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->item, row_item_notify_cb, self);
      g_clear_object (&self->item);
    }
  clear_cells (self);
  g_clear_pointer (&self->label, g_free);
  g_clear_pointer (&self->font_key, g_free);

  G_OBJECT_CLASS (hs_table_row_parent_class)->dispose (object);
}

static void
hs_table_row_class_init (HsTableRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hs_table_row_dispose;
  widget_class->measure = hs_table_row_measure;
  widget_class->snapshot = hs_table_row_snapshot;

  gtk_widget_class_set_css_name (widget_class, "datarow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LIST_ITEM);
}

static void
hs_table_row_init (HsTableRow *self)
{
}

/* Rows are list items for screen readers; the titles' row and the probe
 * are only presentation (every row says its titles already). */
static HsTableRow *
row_new (HsTable *table, GtkAccessibleRole role)
{
  HsTableRow *row = g_object_new (HS_TYPE_TABLE_ROW, "accessible-role", role, NULL);

  row->table = table;
  gtk_widget_set_focusable (GTK_WIDGET (row), role == GTK_ACCESSIBLE_ROLE_LIST_ITEM);
  gtk_widget_set_parent (GTK_WIDGET (row), GTK_WIDGET (table));
  return row;
}

/* ------------------------------------------------------------------------
 * The table.
 * ------------------------------------------------------------------------ */

static gboolean
focus_within (HsTable *self)
{
  return gtk_widget_has_focus (GTK_WIDGET (self)) ||
         gtk_widget_get_focus_child (GTK_WIDGET (self)) != NULL;
}

static HsTableRow *
bound_row (HsTable *self, guint position)
{
  if (position == GTK_INVALID_LIST_POSITION || position < self->first ||
      position - self->first >= self->n_bound)
    return NULL;
  return g_ptr_array_index (self->rows, position - self->first);
}

static guint
n_items (HsTable *self)
{
  return self->model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;
}

/* The keyboard focus stays with the cursor's row; when that row leaves
 * the view, its widget shows another row, and the table itself keeps the
 * focus. Done after the frame's layout, not during it. */
static gboolean
fix_focus_cb (gpointer user_data)
{
  HsTable *self = user_data;
  HsTableRow *row = bound_row (self, self->cursor);

  self->focus_idle = 0;
  if (!focus_within (self))
    return G_SOURCE_REMOVE;
  if (row != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (row));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

/* Puts the rows' widgets in the order of their rows, after the header,
 * after the frame's layout rather than during it: moving a widget restyles
 * it. */
static gboolean
order_rows_cb (gpointer user_data)
{
  HsTable *self = user_data;
  GtkWidget *previous = GTK_WIDGET (self->header);

  self->order_idle = 0;
  for (guint i = 0; i < self->n_bound; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->rows, i);

      if (gtk_widget_get_prev_sibling (row) != previous)
        gtk_widget_insert_after (row, GTK_WIDGET (self), previous);
      previous = row;
    }
  return G_SOURCE_REMOVE;
}

/* Gives the rows in view a widget each, reusing the widgets of rows that
 * stay in view, so that only rows entering the view are read. */
static void
bind_visible (HsTable *self)
{
  guint n = n_items (self);
  int area = MAX (0, gtk_widget_get_height (GTK_WIDGET (self)) - self->header_height);
  double value = self->vadjustment != NULL ? gtk_adjustment_get_value (self->vadjustment) : 0;
  guint first = 0, end = 0, count;
  g_autoptr (GPtrArray) rows = NULL;
  GtkWidget *focus = NULL;
  gboolean focus_lost = FALSE;

  if (self->row_height > 0 && n > 0)
    {
      first = MIN (n, (guint) MAX (0.0, value / self->row_height));
      end = MIN (n, (guint) ceil ((value + area) / self->row_height));
      end = MAX (end, first);
    }
  count = end - first;

  /* Widgets of rows staying in view keep their rows. */
  rows = g_ptr_array_new ();
  g_ptr_array_set_size (rows, count);
  for (guint i = 0; i < self->rows->len; i++)
    {
      HsTableRow *row = g_ptr_array_index (self->rows, i);

      if (i < self->n_bound && row->position >= first && row->position < end &&
          g_ptr_array_index (rows, row->position - first) == NULL)
        {
          g_ptr_array_index (rows, row->position - first) = row;
          g_ptr_array_index (self->rows, i) = NULL;
        }
    }
  /* The others go to rows entering the view, or become spares. */
  {
    guint spare = 0;

    for (guint i = 0; i < count; i++)
      {
        if (g_ptr_array_index (rows, i) != NULL)
          continue;
        while (spare < self->rows->len && g_ptr_array_index (self->rows, spare) == NULL)
          spare++;
        if (spare < self->rows->len)
          {
            g_ptr_array_index (rows, i) = g_ptr_array_index (self->rows, spare);
            g_ptr_array_index (self->rows, spare) = NULL;
          }
        else
          g_ptr_array_index (rows, i) = row_new (self, GTK_ACCESSIBLE_ROLE_LIST_ITEM);
      }
    for (guint i = 0; i < self->rows->len; i++)
      if (g_ptr_array_index (self->rows, i) != NULL)
        g_ptr_array_add (rows, g_ptr_array_index (self->rows, i));
  }

  if (focus_within (self))
    focus = gtk_widget_get_focus_child (GTK_WIDGET (self));
  /* The table kept the focus while the cursor's row was out of view: the
   * row has it again when it comes back. */
  if (gtk_widget_has_focus (GTK_WIDGET (self)) && self->cursor != GTK_INVALID_LIST_POSITION &&
      self->cursor >= first && self->cursor < end)
    focus_lost = TRUE;
  for (guint i = 0; i < rows->len; i++)
    {
      HsTableRow *row = g_ptr_array_index (rows, i);

      if (i < count)
        {
          g_autoptr (GObject) item = g_list_model_get_item (G_LIST_MODEL (self->model), first + i);

          if (GTK_WIDGET (row) == focus && (row->item != item || row->position != first + i))
            focus_lost = TRUE;
          if (row->position != first + i || !row->shown)
            /* "Row 5 of 200" for a screen reader. */
            gtk_accessible_update_relation (GTK_ACCESSIBLE (row),
                                            GTK_ACCESSIBLE_RELATION_POS_IN_SET, first + i + 1,
                                            GTK_ACCESSIBLE_RELATION_SET_SIZE, n, -1);
          row_bind (row, item, first + i);
          row_set_selected (row, gtk_selection_model_is_selected (self->model, first + i));
          row_set_shown (row, TRUE);
        }
      else
        {
          if (GTK_WIDGET (row) == focus)
            focus_lost = TRUE;
          row_bind (row, NULL, 0);
          row_set_selected (row, FALSE);
          row_set_shown (row, FALSE);
        }
    }

  g_ptr_array_unref (self->rows);
  self->rows = g_steal_pointer (&rows);
  self->first = first;
  self->n_bound = count;

  /* Screen readers read the rows in the widgets' order. */
  for (guint i = 1; i < count && self->order_idle == 0; i++)
    if (gtk_widget_get_next_sibling (g_ptr_array_index (self->rows, i - 1)) !=
        g_ptr_array_index (self->rows, i))
      self->order_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, order_rows_cb, self, NULL);

  if (focus_lost && self->focus_idle == 0)
    self->focus_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, fix_focus_cb, self, NULL);
}

/* The width of one digit of the rows' font, measured once per font. */
static double
char_width (HsTable *self)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self->probe));
  guint serial = pango_context_get_serial (context);

  if (self->char_width <= 0 || self->char_serial != serial)
    {
      PangoLayout *layout = pango_layout_new (context);
      int digits = 0;

      pango_layout_set_text (layout, "0123456789", -1);
      pango_layout_get_pixel_size (layout, &digits, NULL);
      g_object_unref (layout);
      self->char_width = digits / 10.0;
      self->char_serial = serial;
    }
  return self->char_width;
}

/* The width of a column's title in the titles' font. */
static int
title_width (HsTable *self, guint column)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self->header));
  guint serial = pango_context_get_serial (context);

  if (self->title_serial != serial)
    {
      PangoLayout *layout = pango_layout_new (context);

      for (guint i = 0; i < self->n_columns; i++)
        {
          pango_layout_set_text (layout, self->columns[i].title, -1);
          pango_layout_get_pixel_size (layout, &self->title_widths[i], NULL);
        }
      g_object_unref (layout);
      self->title_serial = serial;
    }
  return self->title_widths[column];
}

/* A column as wide as its usual values and its title, with room around
 * the text: a title is never cut. */
static int
column_width (HsTable *self, guint column)
{
  int values = (int) ceil (self->columns[column].width_chars * char_width (self));

  return MAX (values, title_width (self, column)) + 2 * CELL_PADDING;
}

/* Spare width goes to the columns that expand. */
static void
update_columns (HsTable *self, int width)
{
  int total = 0, n_expand = 0, extra, x = 0;

  for (guint i = 0; i < self->n_columns; i++)
    {
      self->widths[i] = column_width (self, i);
      total += self->widths[i];
      n_expand += self->columns[i].expand ? 1 : 0;
    }
  extra = MAX (0, width - total);
  for (guint i = 0; i < self->n_columns; i++)
    {
      if (self->columns[i].expand && n_expand > 0)
        {
          int share = extra / n_expand;

          self->widths[i] += share;
          extra -= share;
          n_expand--;
        }
      self->xs[i] = x;
      x += self->widths[i];
    }
  self->content_width = MAX (x, width);
}

static void
hs_table_measure (GtkWidget *widget,
                  GtkOrientation orientation,
                  int for_size,
                  int *minimum,
                  int *natural,
                  int *minimum_baseline,
                  int *natural_baseline)
{
  HsTable *self = HS_TABLE (widget);
  int header = 0, row = 0;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* The natural width shows every column; narrower, the table scrolls. */
      *minimum = *natural = 0;
      for (guint i = 0; i < self->n_columns; i++)
        *natural += column_width (self, i);
      return;
    }
  /* The natural height shows every row: the scrolled window decides from
   * it whether to show its scroll bar. */
  gtk_widget_measure (GTK_WIDGET (self->header), GTK_ORIENTATION_VERTICAL, -1, &header, NULL, NULL,
                      NULL);
  gtk_widget_measure (GTK_WIDGET (self->probe), GTK_ORIENTATION_VERTICAL, -1, &row, NULL, NULL,
                      NULL);
  *minimum = header + row;
  *natural = (int) MIN ((double) G_MAXINT / 2, header + (double) row * n_items (self));
  *natural = MAX (*natural, *minimum);
}

static void adjustment_value_changed_cb (HsTable *self);

/* Called while allocating: a value clamped here needs no second layout. */
static void
configure_adjustments (HsTable *self, int width, int height)
{
  double upper = self->header_height + (double) n_items (self) * self->row_height;

  if (self->hadjustment != NULL)
    g_signal_handlers_block_by_func (self->hadjustment, adjustment_value_changed_cb, self);
  if (self->vadjustment != NULL)
    g_signal_handlers_block_by_func (self->vadjustment, adjustment_value_changed_cb, self);

  if (self->hadjustment != NULL)
    gtk_adjustment_configure (self->hadjustment,
                              CLAMP (gtk_adjustment_get_value (self->hadjustment), 0,
                                     MAX (0, self->content_width - width)),
                              0, self->content_width, width * 0.1, width * 0.9, width);
  if (self->vadjustment != NULL)
    gtk_adjustment_configure (self->vadjustment,
                              CLAMP (gtk_adjustment_get_value (self->vadjustment), 0,
                                     MAX (0, upper - height)),
                              0, MAX (upper, height), self->row_height,
                              MAX (self->row_height, height - self->header_height), height);
  if (self->hadjustment != NULL)
    g_signal_handlers_unblock_by_func (self->hadjustment, adjustment_value_changed_cb, self);
  if (self->vadjustment != NULL)
    g_signal_handlers_unblock_by_func (self->vadjustment, adjustment_value_changed_cb, self);
}

static void
hs_table_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  HsTable *self = HS_TABLE (widget);
  double dx = self->hadjustment != NULL ? gtk_adjustment_get_value (self->hadjustment) : 0;
  double dy;

  update_columns (self, width);
  gtk_widget_measure (GTK_WIDGET (self->header), GTK_ORIENTATION_VERTICAL, -1, &self->header_height,
                      NULL, NULL, NULL);
  gtk_widget_measure (GTK_WIDGET (self->probe), GTK_ORIENTATION_VERTICAL, -1, &self->row_height,
                      NULL, NULL, NULL);
  self->row_height = MAX (1, self->row_height);
  configure_adjustments (self, width, height);
  if (self->hadjustment != NULL)
    dx = gtk_adjustment_get_value (self->hadjustment);
  dy = self->vadjustment != NULL ? gtk_adjustment_get_value (self->vadjustment) : 0;

  bind_visible (self);
  /* Right to left, the first column is on the right: scrolled to the
   * start, the right end of the rows is in view. */
  if (gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL)
    dx = (self->content_width - width) - dx;
  gtk_widget_size_allocate (GTK_WIDGET (self->header),
                            &(GtkAllocation){ (int) -dx, 0, self->content_width,
                                              self->header_height },
                            -1);
  gtk_widget_size_allocate (GTK_WIDGET (self->probe),
                            &(GtkAllocation){ 0, 0, self->content_width, self->row_height }, -1);
  for (guint i = 0; i < self->n_bound; i++)
    {
      HsTableRow *row = g_ptr_array_index (self->rows, i);
      double y = self->header_height + (double) (self->first + i) * self->row_height - dy;

      /* GTK wants a widget measured before it is allocated; a row's
       * height is its font's line, measured once. */
      gtk_widget_measure (GTK_WIDGET (row), GTK_ORIENTATION_VERTICAL, -1, NULL, NULL, NULL, NULL);
      gtk_widget_size_allocate (GTK_WIDGET (row),
                                &(GtkAllocation){ (int) -dx, (int) floor (y), self->content_width,
                                                  self->row_height },
                                -1);
    }
}

static void
hs_table_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  HsTable *self = HS_TABLE (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  GtkSnapshot *rows = gtk_snapshot_new ();
  GskRenderNode *node;
  cairo_t *cr;

  self->n_snapshots++;
  /* Rows scrolled up pass under the column titles. */
  gtk_snapshot_push_clip (rows, &GRAPHENE_RECT_INIT (0, self->header_height, width,
                                                     MAX (0, height - self->header_height)));
  for (guint i = 0; i < self->n_bound; i++)
    gtk_widget_snapshot_child (widget, g_ptr_array_index (self->rows, i), rows);
  gtk_snapshot_pop (rows);
  gtk_widget_snapshot_child (widget, GTK_WIDGET (self->header), rows);
  node = gtk_snapshot_free_to_node (rows);
  if (node == NULL)
    return;

  /* The table reaches the renderer as one picture. GTK compares a frame's
   * nodes with the last frame's to find what to redraw, but gives up when
   * that makes more than 30 rectangles and redraws the whole window: a class
   * arriving changes a dozen rows of seven cells each, which as text nodes
   * made every such frame a whole-window redraw (35 to 50 ms in software).
   * As one picture, the table is one rectangle to redraw. */
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_render_node_draw (node, cr);
  cairo_destroy (cr);
  gsk_render_node_unref (node);
}

static gboolean
hs_table_focus (GtkWidget *widget, GtkDirectionType direction)
{
  HsTable *self = HS_TABLE (widget);
  HsTableRow *row;

  /* One stop in the Tab chain, as a list is: Up and Down move inside. */
  if (focus_within (self))
    return FALSE;
  row = bound_row (self, self->cursor);
  if (row == NULL && self->n_bound > 0)
    {
      row = g_ptr_array_index (self->rows, 0);
      self->cursor = row->position;
    }
  if (row != NULL)
    return gtk_widget_grab_focus (GTK_WIDGET (row));
  return gtk_widget_grab_focus (widget);
}

/* Scrolls so that row @position is in view. */
static void
scroll_to (HsTable *self, guint position)
{
  double value, area, top;

  if (self->vadjustment == NULL || self->row_height <= 0 || position >= n_items (self))
    return;
  value = gtk_adjustment_get_value (self->vadjustment);
  area = gtk_widget_get_height (GTK_WIDGET (self)) - self->header_height;
  top = (double) position * self->row_height;
  if (top < value)
    gtk_adjustment_set_value (self->vadjustment, top);
  else if (top + self->row_height > value + area)
    gtk_adjustment_set_value (self->vadjustment, top + self->row_height - area);
}

/* Moves the keyboard's row to @position, selects it and gives it focus. */
static void
move_cursor (HsTable *self, guint position)
{
  HsTableRow *row;

  self->cursor = position;
  gtk_selection_model_select_item (self->model, position, TRUE);
  scroll_to (self, position);
  /* The rows are bound now, not at the next layout, so that the focus can
   * move to the row at once. */
  bind_visible (self);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
  row = bound_row (self, position);
  if (row != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (row));
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint keyval,
                guint keycode,
                GdkModifierType state,
                HsTable *self)
{
  guint n = n_items (self);
  guint cursor = self->cursor;

  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0 || n == 0)
    return FALSE;
  if (cursor >= n)
    cursor = GTK_INVALID_LIST_POSITION;

  /* Page Up, Page Down and Space stay the window's: they step the lesson
   * (a presentation clicker sends the first two). */
  switch (keyval)
    {
      /* The first Up or Down selects the row that has the focus. */
      case GDK_KEY_Up:
      case GDK_KEY_KP_Up:
        if (cursor == GTK_INVALID_LIST_POSITION)
          move_cursor (self, MIN (self->first, n - 1));
        else if (!gtk_selection_model_is_selected (self->model, cursor))
          move_cursor (self, cursor);
        else
          move_cursor (self, cursor > 0 ? cursor - 1 : 0);
        return TRUE;
      case GDK_KEY_Down:
      case GDK_KEY_KP_Down:
        if (cursor == GTK_INVALID_LIST_POSITION)
          move_cursor (self, MIN (self->first, n - 1));
        else if (!gtk_selection_model_is_selected (self->model, cursor))
          move_cursor (self, cursor);
        else
          move_cursor (self, MIN (cursor + 1, n - 1));
        return TRUE;
      case GDK_KEY_Home:
      case GDK_KEY_KP_Home:
        move_cursor (self, 0);
        return TRUE;
      case GDK_KEY_End:
      case GDK_KEY_KP_End:
        move_cursor (self, n - 1);
        return TRUE;
      case GDK_KEY_Return:
      case GDK_KEY_KP_Enter:
      case GDK_KEY_ISO_Enter:
        if (cursor == GTK_INVALID_LIST_POSITION)
          return FALSE;
        gtk_selection_model_select_item (self->model, cursor, TRUE);
        g_signal_emit (self, signals[SIGNAL_ACTIVATE], 0, cursor);
        return TRUE;
      default:
        return FALSE;
    }
}

guint
hs_table_get_position_at (HsTable *self, double y)
{
  double dy, offset;
  guint position;

  g_return_val_if_fail (HS_IS_TABLE (self), GTK_INVALID_LIST_POSITION);

  dy = self->vadjustment != NULL ? gtk_adjustment_get_value (self->vadjustment) : 0;
  offset = y - self->header_height + dy;
  if (y < self->header_height || offset < 0 || self->row_height <= 0)
    return GTK_INVALID_LIST_POSITION;
  position = (guint) (offset / self->row_height);
  return position < n_items (self) ? position : GTK_INVALID_LIST_POSITION;
}

static void
pressed_cb (GtkGestureClick *gesture, int n_press, double x, double y, HsTable *self)
{
  guint position = hs_table_get_position_at (self, y);
  HsTableRow *row;

  if (position == GTK_INVALID_LIST_POSITION)
    return;
  self->cursor = position;
  gtk_selection_model_select_item (self->model, position, TRUE);
  row = bound_row (self, position);
  if (row != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (row));
  if (n_press == 2)
    g_signal_emit (self, signals[SIGNAL_ACTIVATE], 0, position);
}

static void
items_changed_cb (HsTable *self, guint position, guint removed, guint added)
{
  if (self->cursor != GTK_INVALID_LIST_POSITION && self->cursor >= position)
    {
      if (self->cursor >= position + removed)
        self->cursor = self->cursor - removed + added;
      else
        self->cursor = GTK_INVALID_LIST_POSITION;
    }
  /* Only the rows in view are bound again (now, so that positions are
   * right for clicks and selection before the next layout): a class of
   * hundreds arriving costs the rows in view. */
  bind_visible (self);
  /* The natural height changed. gtk_widget_queue_resize() on the table
   * would also redraw it whole, and the table is one picture: a class
   * arriving below the rows in view redrew it in every frame. The probe,
   * never shown, asks for the new layout without a redraw. What the
   * change shows redraws itself: a row in view bound to another item or
   * moved, a row hidden, the scroll bar. */
  gtk_widget_queue_resize (GTK_WIDGET (self->probe));
}

static void
selection_changed_cb (HsTable *self, guint position, guint n)
{
  for (guint i = 0; i < self->n_bound; i++)
    {
      HsTableRow *row = g_ptr_array_index (self->rows, i);

      if (row->position >= position && row->position - position < n)
        row_set_selected (row, gtk_selection_model_is_selected (self->model, row->position));
    }
  /* Selected elsewhere (the overview, a test), the keys go on from there. */
  for (guint i = position; i < position + n; i++)
    if (gtk_selection_model_is_selected (self->model, i))
      {
        self->cursor = i;
        break;
      }
}

static void
adjustment_value_changed_cb (HsTable *self)
{
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

static void
set_adjustment (HsTable *self, GtkAdjustment **slot, GtkAdjustment *adjustment)
{
  if (adjustment == NULL)
    adjustment = gtk_adjustment_new (0, 0, 0, 0, 0, 0);
  if (*slot == adjustment)
    return;
  if (*slot != NULL)
    {
      g_signal_handlers_disconnect_by_data (*slot, self);
      g_object_unref (*slot);
    }
  *slot = g_object_ref_sink (adjustment);
  g_signal_connect_object (adjustment, "value-changed", G_CALLBACK (adjustment_value_changed_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

static void
hs_table_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HsTable *self = HS_TABLE (object);

  switch (prop_id)
    {
      case PROP_HADJUSTMENT:
        g_value_set_object (value, self->hadjustment);
        break;
      case PROP_VADJUSTMENT:
        g_value_set_object (value, self->vadjustment);
        break;
      case PROP_HSCROLL_POLICY:
        g_value_set_enum (value, self->hscroll_policy);
        break;
      case PROP_VSCROLL_POLICY:
        g_value_set_enum (value, self->vscroll_policy);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_table_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HsTable *self = HS_TABLE (object);

  switch (prop_id)
    {
      case PROP_HADJUSTMENT:
        set_adjustment (self, &self->hadjustment, g_value_get_object (value));
        break;
      case PROP_VADJUSTMENT:
        set_adjustment (self, &self->vadjustment, g_value_get_object (value));
        break;
      case PROP_HSCROLL_POLICY:
        self->hscroll_policy = g_value_get_enum (value);
        gtk_widget_queue_resize (GTK_WIDGET (self));
        break;
      case PROP_VSCROLL_POLICY:
        self->vscroll_policy = g_value_get_enum (value);
        gtk_widget_queue_resize (GTK_WIDGET (self));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
free_columns (HsTable *self)
{
  for (guint i = 0; i < self->n_columns; i++)
    {
      g_free ((char *) self->columns[i].property);
      g_free ((char *) self->columns[i].title);
    }
  g_clear_pointer (&self->columns, g_free);
  g_clear_pointer (&self->widths, g_free);
  g_clear_pointer (&self->xs, g_free);
  g_clear_pointer (&self->title_widths, g_free);
  self->n_columns = 0;
}

static void
hs_table_dispose (GObject *object)
{
  HsTable *self = HS_TABLE (object);

  g_clear_handle_id (&self->focus_idle, g_source_remove);
  g_clear_handle_id (&self->order_idle, g_source_remove);
  hs_table_set_model (self, NULL);
  if (self->rows != NULL)
    {
      for (guint i = 0; i < self->rows->len; i++)
        gtk_widget_unparent (g_ptr_array_index (self->rows, i));
      g_clear_pointer (&self->rows, g_ptr_array_unref);
    }
  self->n_bound = 0;
  if (self->header != NULL)
    gtk_widget_unparent (GTK_WIDGET (self->header));
  self->header = NULL;
  if (self->probe != NULL)
    gtk_widget_unparent (GTK_WIDGET (self->probe));
  self->probe = NULL;
  if (self->hadjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->hadjustment, self);
  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->vadjustment, self);
  g_clear_object (&self->hadjustment);
  g_clear_object (&self->vadjustment);
  g_clear_pointer (&self->layouts, g_hash_table_unref);
  g_clear_pointer (&self->contexts, g_hash_table_unref);

  G_OBJECT_CLASS (hs_table_parent_class)->dispose (object);
}

static void
hs_table_finalize (GObject *object)
{
  HsTable *self = HS_TABLE (object);

  free_columns (self);
  g_free (self->mark_property);

  G_OBJECT_CLASS (hs_table_parent_class)->finalize (object);
}

static void
hs_table_class_init (HsTableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hs_table_dispose;
  object_class->finalize = hs_table_finalize;
  object_class->get_property = hs_table_get_property;
  object_class->set_property = hs_table_set_property;
  widget_class->measure = hs_table_measure;
  widget_class->size_allocate = hs_table_size_allocate;
  widget_class->snapshot = hs_table_snapshot;
  widget_class->focus = hs_table_focus;

  g_object_class_override_property (object_class, PROP_HADJUSTMENT, "hadjustment");
  g_object_class_override_property (object_class, PROP_VADJUSTMENT, "vadjustment");
  g_object_class_override_property (object_class, PROP_HSCROLL_POLICY, "hscroll-policy");
  g_object_class_override_property (object_class, PROP_VSCROLL_POLICY, "vscroll-policy");

  /**
   * HsTable::activate:
   * @position: the row's position in the model
   *
   * A row was chosen with Enter or a double click.
   */
  signals[SIGNAL_ACTIVATE] = g_signal_new ("activate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_css_name (widget_class, "datatable");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LIST);
}

static void
hs_table_init (HsTable *self)
{
  GtkEventController *key = gtk_event_controller_key_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  self->cursor = GTK_INVALID_LIST_POSITION;
  self->rows = g_ptr_array_new ();
  self->layouts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->contexts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  self->header = row_new (self, GTK_ACCESSIBLE_ROLE_PRESENTATION);
  self->header->header = TRUE;
  gtk_widget_add_css_class (GTK_WIDGET (self->header), "header");
  self->probe = row_new (self, GTK_ACCESSIBLE_ROLE_PRESENTATION);
  gtk_widget_set_child_visible (GTK_WIDGET (self->probe), FALSE);

  g_signal_connect_object (key, "key-pressed", G_CALLBACK (key_pressed_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
  g_signal_connect_object (click, "pressed", G_CALLBACK (pressed_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
hs_table_new (const HsTableColumn *columns, guint n_columns)
{
  HsTable *self = g_object_new (HS_TYPE_TABLE, NULL);

  self->columns = g_new0 (HsTableColumn, n_columns);
  self->widths = g_new0 (int, n_columns);
  self->xs = g_new0 (int, n_columns);
  self->title_widths = g_new0 (int, n_columns);
  self->n_columns = n_columns;
  self->header->cells = g_new0 (Cell, n_columns);
  self->header->n_cells = n_columns;
  for (guint i = 0; i < n_columns; i++)
    {
      self->columns[i] = columns[i];
      self->columns[i].property = g_strdup (columns[i].property);
      self->columns[i].title = g_strdup (_ (columns[i].title));
      self->header->cells[i].text = g_strdup (self->columns[i].title);
    }
  return GTK_WIDGET (self);
}

void
hs_table_set_model (HsTable *self, GtkSelectionModel *model)
{
  g_return_if_fail (HS_IS_TABLE (self));
  g_return_if_fail (model == NULL || GTK_IS_SELECTION_MODEL (model));

  if (self->model == model)
    return;
  if (self->model != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->model, self);
      g_clear_object (&self->model);
    }
  /* No rows are bound while there is no model. */
  if (self->rows != NULL)
    {
      for (guint i = 0; i < self->rows->len; i++)
        {
          HsTableRow *row = g_ptr_array_index (self->rows, i);

          row_bind (row, NULL, 0);
          row_set_selected (row, FALSE);
          row_set_shown (row, FALSE);
        }
    }
  self->n_bound = 0;
  self->first = 0;
  self->cursor = GTK_INVALID_LIST_POSITION;
  if (model != NULL)
    {
      self->model = g_object_ref (model);
      g_signal_connect_object (model, "items-changed", G_CALLBACK (items_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (model, "selection-changed", G_CALLBACK (selection_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  if (self->vadjustment != NULL)
    gtk_adjustment_set_value (self->vadjustment, 0);
  /* The natural height follows the number of rows. */
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
hs_table_set_format_func (HsTable *self, HsTableFormatFunc func, gpointer user_data)
{
  g_return_if_fail (HS_IS_TABLE (self));

  self->format = func;
  self->format_data = user_data;
  for (guint i = 0; i < self->n_bound; i++)
    row_refresh (g_ptr_array_index (self->rows, i));
}

void
hs_table_set_mark_property (HsTable *self, const char *property)
{
  g_return_if_fail (HS_IS_TABLE (self));

  g_free (self->mark_property);
  self->mark_property = g_strdup (property);
  for (guint i = 0; i < self->n_bound; i++)
    row_refresh (g_ptr_array_index (self->rows, i));
}

void
hs_table_get_bound_range (HsTable *self, guint *first, guint *end)
{
  g_return_if_fail (HS_IS_TABLE (self));

  if (first != NULL)
    *first = self->first;
  if (end != NULL)
    *end = self->first + self->n_bound;
}

guint
hs_table_get_n_snapshots (HsTable *self)
{
  g_return_val_if_fail (HS_IS_TABLE (self), 0);

  return self->n_snapshots;
}

const char *
hs_table_get_cell_text (HsTable *self, guint position, guint column)
{
  HsTableRow *row;

  g_return_val_if_fail (HS_IS_TABLE (self), NULL);

  row = bound_row (self, position);
  if (row == NULL || column >= row->n_cells)
    return NULL;
  return row->cells[column].text;
}

PangoLayout *
hs_table_get_cell_layout (HsTable *self, guint position, guint column)
{
  HsTableRow *row;

  g_return_val_if_fail (HS_IS_TABLE (self), NULL);

  row = bound_row (self, position);
  if (row == NULL || column >= row->n_cells)
    return NULL;
  return row->cells[column].layout;
}

const char *
hs_table_get_row_label (HsTable *self, guint position)
{
  HsTableRow *row;

  g_return_val_if_fail (HS_IS_TABLE (self), NULL);

  row = bound_row (self, position);
  return row != NULL ? row->label : NULL;
}
