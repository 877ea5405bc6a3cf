/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-text-cell"

#include "config.h"

#include "hs-text-cell.h"

struct _HsTextCell
{
  GtkWidget parent_instance;

  char *text;
  float xalign;
  PangoEllipsizeMode ellipsize;
};

enum
{
  PROP_0,
  PROP_TEXT,
  PROP_XALIGN,
  PROP_ELLIPSIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HsTextCell, hs_text_cell, GTK_TYPE_WIDGET)

/* Line heights by font ("Cantarell 11" → pixels), shared by every cell. */
static GHashTable *line_heights;

/* The text's context: that of the table the cell is in, which sets the
 * font for every cell (one context for a whole table, not one per cell),
 * or the cell's own outside a table. */
static PangoContext *
text_context (GtkWidget *widget)
{
  GtkWidget *table = gtk_widget_get_ancestor (widget, GTK_TYPE_COLUMN_VIEW);

  return gtk_widget_get_pango_context (table != NULL ? table : widget);
}

static int
line_height (GtkWidget *widget)
{
  PangoContext *context = text_context (widget);
  const PangoFontDescription *font = pango_context_get_font_description (context);
  g_autofree char *key = pango_font_description_to_string (font);
  gpointer cached;
  int height;

  if (line_heights == NULL)
    line_heights = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (g_hash_table_lookup_extended (line_heights, key, NULL, &cached))
    return GPOINTER_TO_INT (cached);

  {
    PangoLayout *layout = pango_layout_new (context);

    /* Tall and deep letters, and CJK, which sets the line height where a
     * translation uses it. */
    pango_layout_set_text (layout, "Ågjy中", -1);
    pango_layout_get_pixel_size (layout, NULL, &height);
    g_object_unref (layout);
  }
  g_hash_table_insert (line_heights, g_steal_pointer (&key), GINT_TO_POINTER (height));
  return height;
}

static void
hs_text_cell_measure (GtkWidget *widget,
                      GtkOrientation orientation,
                      int for_size,
                      int *minimum,
                      int *natural,
                      int *minimum_baseline,
                      int *natural_baseline)
{
  /* The column gives the width; a line of the font gives the height. */
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = 0;
  else
    *minimum = *natural = line_height (widget);
}

static void
hs_text_cell_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  HsTextCell *self = HS_TEXT_CELL (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  PangoLayout *layout;
  GdkRGBA color;
  int text_width, text_height;
  double x;

  if (self->text == NULL || *self->text == '\0' || width <= 0)
    return;

  layout = pango_layout_new (text_context (widget));
  pango_layout_set_text (layout, self->text, -1);
  /* Without ellipsizing, a text wider than the cell is clipped, on one
   * line: a width would make Pango wrap it, and the second line would push
   * the first out of the cell's height. */
  pango_layout_set_width (layout,
                          self->ellipsize == PANGO_ELLIPSIZE_NONE ? -1 : width * PANGO_SCALE);
  pango_layout_set_ellipsize (layout, self->ellipsize);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  pango_layout_get_pixel_size (layout, &text_width, &text_height);
  x = MAX (0, (width - text_width) * self->xalign);
  if (gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL)
    x = MAX (0, (width - text_width) * (1.0 - self->xalign));

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, (height - text_height) / 2.0));
  gtk_snapshot_append_layout (snapshot, layout, &color);
  gtk_snapshot_restore (snapshot);
  gtk_snapshot_pop (snapshot);
  g_object_unref (layout);
}

static void
hs_text_cell_finalize (GObject *object)
{
  HsTextCell *self = (HsTextCell *) object;

  g_free (self->text);

  G_OBJECT_CLASS (hs_text_cell_parent_class)->finalize (object);
}

static void
hs_text_cell_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HsTextCell *self = HS_TEXT_CELL (object);

  switch (prop_id)
    {
      case PROP_TEXT:
        g_value_set_string (value, self->text);
        break;
      case PROP_XALIGN:
        g_value_set_float (value, self->xalign);
        break;
      case PROP_ELLIPSIZE:
        g_value_set_enum (value, self->ellipsize);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_text_cell_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HsTextCell *self = HS_TEXT_CELL (object);

  switch (prop_id)
    {
      case PROP_TEXT:
        hs_text_cell_set_text (self, g_value_get_string (value));
        break;
      case PROP_XALIGN:
        hs_text_cell_set_xalign (self, g_value_get_float (value));
        break;
      case PROP_ELLIPSIZE:
        hs_text_cell_set_ellipsize (self, g_value_get_enum (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_text_cell_class_init (HsTextCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = hs_text_cell_finalize;
  object_class->get_property = hs_text_cell_get_property;
  object_class->set_property = hs_text_cell_set_property;
  widget_class->measure = hs_text_cell_measure;
  widget_class->snapshot = hs_text_cell_snapshot;

  properties[PROP_TEXT] =
      g_param_spec_string ("text", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_XALIGN] =
      g_param_spec_float ("xalign", NULL, NULL, 0.0, 1.0, 0.0,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ELLIPSIZE] =
      g_param_spec_enum ("ellipsize", NULL, NULL, PANGO_TYPE_ELLIPSIZE_MODE, PANGO_ELLIPSIZE_NONE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "textcell");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LABEL);
}

static void
hs_text_cell_init (HsTextCell *self)
{
}

GtkWidget *
hs_text_cell_new (void)
{
  return g_object_new (HS_TYPE_TEXT_CELL, NULL);
}

const char *
hs_text_cell_get_text (HsTextCell *self)
{
  g_return_val_if_fail (HS_IS_TEXT_CELL (self), NULL);

  return self->text;
}

void
hs_text_cell_set_text (HsTextCell *self, const char *text)
{
  g_return_if_fail (HS_IS_TEXT_CELL (self));

  if (g_strcmp0 (self->text, text) == 0)
    return;
  g_free (self->text);
  self->text = g_strdup (text);
  /* The size does not depend on the text: only a redraw. */
  gtk_widget_queue_draw (GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  text != NULL ? text : "", -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
}

void
hs_text_cell_set_xalign (HsTextCell *self, float xalign)
{
  g_return_if_fail (HS_IS_TEXT_CELL (self));

  xalign = CLAMP (xalign, 0.0, 1.0);
  if (self->xalign == xalign)
    return;
  self->xalign = xalign;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_XALIGN]);
}

void
hs_text_cell_set_ellipsize (HsTextCell *self, PangoEllipsizeMode mode)
{
  g_return_if_fail (HS_IS_TEXT_CELL (self));

  if (self->ellipsize == mode)
    return;
  self->ellipsize = mode;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELLIPSIZE]);
}
