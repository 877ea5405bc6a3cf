/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-lanes"

#include "config.h"

#include "hs-lanes.h"

#include <math.h>

#include <adwaita.h>
#include <glib/gi18n-lib.h>

/* Sizes at font scale 1, in pixels. */
#define LANE_HEIGHT   30.0
#define PAD           8.0
#define ID_WIDTH      44.0
#define ADDRESS_WIDTH 220.0
#define STATE_WIDTH   124.0
#define GLYPH_GAP     6.0

/* Past this many pictures the cache starts afresh: the kinds of flags and
 * states a lesson shows stay well under it. */
#define MAX_SPRITES 256

struct _HsLanes
{
  GtkWidget parent_instance;

  GtkSingleSelection *selection;
  HsConnectionList *list;
  double font_scale;
  gboolean follow;

  GtkAdjustment *hadjustment;
  GtkAdjustment *vadjustment;
  guint hscroll_policy : 1;
  guint vscroll_policy : 1;
  gboolean setting_scroll;

  guint drawn_first;
  guint drawn_end;
  guint redrawn;   /* lanes the last frame drew anew */
  guint snapshots; /* frames the overview was drawn in */
  guint context_serial;

  /* The last frame's picture of each lane in view, by connection id
   * (LanePicture): a lane that looks the same and has not moved gives GTK
   * the same node, which it does not redraw. A class that has arrived then
   * costs a frame only the lanes that changed. */
  GHashTable *pictures;

  /* Laid-out texts that recur in every lane (flags, state names), so a
   * frame shapes only what is new. */
  GHashTable *layouts;
  PangoFontDescription *font;
  /* The lanes' font as one run of text, to shape each lane's number and
   * address without a layout. */
  PangoItem *run;

  /* Pictures of what lanes repeat (a segment's box and flags, a state's
   * pill), drawn once at the screen's scale and then only copied: with a
   * class arriving, the lanes in view change every frame, and drawing
   * their rounded boxes and text each time took most of a frame with the
   * software renderer. */
  GHashTable *sprites;
  int sprites_scale;
  guint prepare_idle;
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
  ACTIVATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE_WITH_CODE (HsLanes,
                               hs_lanes,
                               GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SCROLLABLE, NULL))

typedef struct
{
  double r, g, b;
} Rgb;

typedef struct
{
  GskRenderNode *node;
  /* What the picture shows and where: all that draw_lane() reads. */
  char *address;
  guint port;
  const char *state_name; /* static text */
  guint n_segments;
  gboolean selected;
  double y, width, font_scale;
  int scale;
  gboolean dark;
  GdkRGBA fg;
} LanePicture;

static void
lane_picture_free (gpointer data)
{
  LanePicture *picture = data;

  gsk_render_node_unref (picture->node);
  g_free (picture->address);
  g_free (picture);
}

static double
lane_height (HsLanes *self)
{
  return round (LANE_HEIGHT * self->font_scale);
}

static guint
n_lanes (HsLanes *self)
{
  return self->list != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->list)) : 0;
}

static void
update_adjustments (HsLanes *self)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double upper = MAX (n_lanes (self) * lane_height (self) + PAD, height);
  double value;

  if (self->hadjustment != NULL)
    gtk_adjustment_configure (self->hadjustment, 0, 0, width, width * 0.1, width * 0.9, width);
  if (self->vadjustment == NULL)
    return;

  value = gtk_adjustment_get_value (self->vadjustment);
  if (self->follow)
    value = upper - height;
  self->setting_scroll = TRUE;
  gtk_adjustment_configure (self->vadjustment, CLAMP (value, 0, upper - height), 0, upper,
                            lane_height (self), height * 0.9, height);
  self->setting_scroll = FALSE;
}

static void
vadjustment_value_changed_cb (HsLanes *self, GtkAdjustment *adjustment)
{
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  /* Scrolling up by hand stops following the newest lane; back at the
   * bottom, it follows again. */
  if (!self->setting_scroll)
    self->follow = gtk_adjustment_get_value (adjustment) >= bottom - 1.0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
set_adjustment (HsLanes *self, GtkAdjustment **slot, GtkAdjustment *adjustment)
{
  if (adjustment == NULL)
    adjustment = gtk_adjustment_new (0, 0, 0, 0, 0, 0);
  if (*slot == adjustment)
    return;
  if (*slot != NULL)
    g_signal_handlers_disconnect_by_data (*slot, self);
  g_clear_object (slot);
  *slot = g_object_ref_sink (adjustment);
  if (slot == &self->vadjustment)
    g_signal_connect_object (adjustment, "value-changed", G_CALLBACK (vadjustment_value_changed_cb),
                             self, G_CONNECT_SWAPPED);
  update_adjustments (self);
}

/* Colours by what the state means for a class watching: opening, open,
 * closing, gone. Text says the state too, so colour is never alone. */
static Rgb
state_color (HsTcpState state, gboolean dark)
{
  switch (state)
    {
      case HS_TCP_STATE_SYN_SENT:
      case HS_TCP_STATE_SYN_RECEIVED:
        return dark ? (Rgb){ 0.47, 0.68, 0.98 } : (Rgb){ 0.11, 0.44, 0.85 };
      case HS_TCP_STATE_ESTABLISHED:
        return dark ? (Rgb){ 0.34, 0.84, 0.55 } : (Rgb){ 0.15, 0.56, 0.30 };
      case HS_TCP_STATE_FIN_WAIT_1:
      case HS_TCP_STATE_FIN_WAIT_2:
      case HS_TCP_STATE_CLOSE_WAIT:
      case HS_TCP_STATE_CLOSING:
      case HS_TCP_STATE_LAST_ACK:
      case HS_TCP_STATE_TIME_WAIT:
        return dark ? (Rgb){ 1.0, 0.72, 0.35 } : (Rgb){ 0.78, 0.40, 0.0 };
      case HS_TCP_STATE_UNKNOWN:
      case HS_TCP_STATE_CLOSED:
      case HS_TCP_STATE_LISTEN:
      case HS_TCP_STATE_N_STATES:
      default:
        return dark ? (Rgb){ 0.6, 0.6, 0.6 } : (Rgb){ 0.45, 0.45, 0.45 };
    }
}

static Rgb
segment_color (guint8 flags, gboolean dark)
{
  if (flags & HS_TCP_RST)
    return dark ? (Rgb){ 1.0, 0.45, 0.45 } : (Rgb){ 0.80, 0.10, 0.15 };
  if (flags & (HS_TCP_SYN))
    return state_color (HS_TCP_STATE_SYN_SENT, dark);
  if (flags & HS_TCP_FIN)
    return state_color (HS_TCP_STATE_FIN_WAIT_1, dark);
  return state_color (HS_TCP_STATE_ESTABLISHED, dark);
}

static void
set_rgb (cairo_t *cr, Rgb c, double alpha)
{
  cairo_set_source_rgba (cr, c.r, c.g, c.b, alpha);
}

static void
rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

/* "SYN →" or "← SYN, ACK": the flags and which way the segment went, as
 * seen from the server (client on the left, server on the right). */
static char *
segment_text (guint8 tcp_flags, guint32 len, HsSide side)
{
  g_autofree char *flags = hs_tcp_flags_to_string (tcp_flags);

  if (len > 0)
    {
      g_autofree char *with_len = g_strdup_printf ("%s %u B", flags, len);

      g_free (flags);
      flags = g_steal_pointer (&with_len);
    }
  return side == HS_SIDE_CLIENT ? g_strdup_printf ("%s →", flags) : g_strdup_printf ("← %s", flags);
}

static char *
glyph_text (const HsEvent *event)
{
  return segment_text (event->flags, event->len, event->side);
}

static PangoLayout *
cached_layout (HsLanes *self, const char *text)
{
  PangoLayout *layout = g_hash_table_lookup (self->layouts, text);

  if (layout == NULL)
    {
      layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
      pango_layout_set_font_description (layout, self->font);
      g_hash_table_insert (self->layouts, g_strdup (text), layout);
    }
  return layout;
}

static void
show_cached (HsLanes *self, cairo_t *cr, const char *text, double x, double mid, double *width)
{
  PangoLayout *layout = cached_layout (self, text);
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  if (cr != NULL)
    {
      cairo_move_to (cr, x, mid - h / 2.0);
      pango_cairo_show_layout (cr, layout);
    }
  if (width != NULL)
    *width = w;
}

/* A picture w × h (in widget pixels) with a margin of one pixel all round
 * for the outline, cached under key. draw paints it at (0, 0). */
typedef void (*SpriteDraw) (HsLanes *self, cairo_t *cr, gpointer data);

static cairo_surface_t *
cached_sprite (HsLanes *self, const char *key, double w, double h, SpriteDraw draw, gpointer data)
{
  cairo_surface_t *sprite = g_hash_table_lookup (self->sprites, key);
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  cairo_t *cr;

  if (scale != self->sprites_scale || g_hash_table_size (self->sprites) >= MAX_SPRITES)
    {
      g_hash_table_remove_all (self->sprites);
      self->sprites_scale = scale;
      sprite = NULL;
    }
  if (sprite != NULL)
    return sprite;

  sprite = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) ceil ((w + 2) * scale),
                                       (int) ceil ((h + 2) * scale));
  cairo_surface_set_device_scale (sprite, scale, scale);
  cr = cairo_create (sprite);
  cairo_translate (cr, 1, 1);
  draw (self, cr, data);
  cairo_destroy (cr);
  cairo_surface_flush (sprite);
  g_hash_table_insert (self->sprites, g_strdup (key), sprite);
  return sprite;
}

static void
paint_sprite (cairo_t *cr, cairo_surface_t *sprite, double x, double y)
{
  /* Whole pixels, so the copy is as sharp as the drawing. */
  cairo_set_source_surface (cr, sprite, round (x) - 1, round (y) - 1);
  cairo_paint (cr);
}

typedef struct
{
  const char *text;
  Rgb color;
  gboolean captured;
  gboolean dark;
  double w, h;
  const GdkRGBA *fg;
} GlyphSprite;

static void
draw_glyph_sprite (HsLanes *self, cairo_t *cr, gpointer data)
{
  GlyphSprite *g = data;
  double s = self->font_scale;

  rounded_rect (cr, 0, 0, g->w, g->h, 4 * s);
  /* Captured segments are solid; inferred ones only outlined, dashed,
   * as the diagram draws them. */
  if (g->captured)
    {
      set_rgb (cr, g->color, g->dark ? 0.35 : 0.22);
      cairo_fill_preserve (cr);
      set_rgb (cr, g->color, 1.0);
    }
  else
    {
      double dash[] = { 3 * s, 2 * s };

      set_rgb (cr, g->color, 1.0);
      cairo_set_dash (cr, dash, 2, 0);
    }
  cairo_set_line_width (cr, MAX (1.0, s));
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);

  gdk_cairo_set_source_rgba (cr, g->fg);
  show_cached (self, cr, g->text, 6 * s, g->h / 2, NULL);
}

typedef struct
{
  const char *name;
  Rgb color;
  gboolean dark;
  double w, h;
} PillSprite;

static void
draw_pill_sprite (HsLanes *self, cairo_t *cr, gpointer data)
{
  PillSprite *p = data;
  double w;

  set_rgb (cr, p->color, p->dark ? 0.28 : 0.16);
  rounded_rect (cr, 0, 0, p->w, p->h, p->h / 2);
  cairo_fill_preserve (cr);
  set_rgb (cr, p->color, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
  show_cached (self, NULL, p->name, 0, 0, &w);
  show_cached (self, cr, p->name, (p->w - w) / 2, p->h / 2, NULL);
}

/* Shapes text in the lanes' font as one run, into glyphs: a layout would
 * also look for fonts, break lines and lay them out, three times the time
 * for each new lane of a class arriving. FALSE where one run will not do
 * (a character the font lacks). logical is in Pango units. */
static gboolean
shape_run (HsLanes *self,
           PangoLayout *layout,
           const char *text,
           PangoGlyphString *glyphs,
           PangoRectangle *logical)
{
  int length = (int) strlen (text);

  if (self->run == NULL)
    {
      PangoContext *context = pango_layout_get_context (layout);
      PangoAttrList *attrs = pango_attr_list_new ();
      GList *items;

      pango_attr_list_insert (attrs, pango_attr_font_desc_new (self->font));
      items = pango_itemize (context, "0", 0, 1, attrs, NULL);
      if (items != NULL)
        self->run = pango_item_copy (items->data);
      g_list_free_full (items, (GDestroyNotify) pango_item_free);
      pango_attr_list_unref (attrs);
    }
  if (self->run == NULL || self->run->analysis.font == NULL)
    return FALSE;

  pango_shape_with_flags (text, length, text, length, &self->run->analysis, glyphs,
                          pango_context_get_round_glyph_positions (
                              pango_layout_get_context (layout))
                              ? PANGO_SHAPE_ROUND_POSITIONS
                              : PANGO_SHAPE_NONE);
  for (int i = 0; i < glyphs->num_glyphs; i++)
    if (glyphs->glyphs[i].glyph & PANGO_GLYPH_UNKNOWN_FLAG)
      return FALSE;
  pango_glyph_string_extents (glyphs, self->run->analysis.font, NULL, logical);
  return TRUE;
}

/* Shows text in the lanes' font, its middle at mid, from x or (align_right)
 * up to x. Wider than max_width (when positive), the middle of the text
 * gives way to "…". */
static void
show_text (HsLanes *self,
           cairo_t *cr,
           PangoLayout *layout,
           const char *text,
           double x,
           double mid,
           double max_width,
           gboolean align_right)
{
  PangoGlyphString *glyphs = pango_glyph_string_new ();
  PangoRectangle logical, pixels;

  /* A run is drawn left to right, as numbers and addresses read in any
   * language. */
  if (shape_run (self, layout, text, glyphs, &logical))
    {
      int width = PANGO_PIXELS_CEIL (logical.width);
      int height = PANGO_PIXELS_CEIL (logical.height);

      if (max_width <= 0 || width <= max_width)
        {
          /* Where a layout would put it: a layout's box begins at its top,
           * so its size in whole pixels is the run's rounded up; the top
           * goes at the middle less half the height, the baseline (the
           * run's ascent, -logical.y) below it. */
          cairo_move_to (cr, align_right ? x - width : x,
                         mid - height / 2.0 - (double) logical.y / PANGO_SCALE);
          pango_cairo_show_glyph_string (cr, self->run->analysis.font, glyphs);
          pango_glyph_string_free (glyphs);
          return;
        }
    }
  pango_glyph_string_free (glyphs);

  pango_layout_set_width (layout, max_width > 0 ? (int) (max_width * PANGO_SCALE) : -1);
  pango_layout_set_ellipsize (layout,
                              max_width > 0 ? PANGO_ELLIPSIZE_MIDDLE : PANGO_ELLIPSIZE_NONE);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_extents (layout, NULL, &pixels);
  cairo_move_to (cr, align_right ? x - pixels.width : x, mid - pixels.height / 2.0);
  pango_cairo_show_layout (cr, layout);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_NONE);
  pango_layout_set_width (layout, -1);
}

/* The picture of a state's pill. */
static cairo_surface_t *
pill_sprite (HsLanes *self, HsTcpState state, const char *name, gboolean dark, double *h)
{
  double s = self->font_scale;
  PillSprite pill = { name, state_color (state, dark), dark, (STATE_WIDTH - 10) * s,
                      lane_height (self) - 8 * s };
  g_autofree char *key = g_strdup_printf ("s|%s|%d", pill.name, dark);

  *h = pill.h;
  return cached_sprite (self, key, pill.w, pill.h, draw_pill_sprite, &pill);
}

/* The picture of a segment's box, @width wide. */
static cairo_surface_t *
glyph_sprite (HsLanes *self,
              const char *text,
              guint8 flags,
              gboolean captured,
              gboolean dark,
              const GdkRGBA *fg,
              double width)
{
  GlyphSprite glyph = {
    .text = text,
    .color = segment_color (flags, dark),
    .captured = captured,
    .dark = dark,
    .w = width,
    .h = lane_height (self) - 8 * self->font_scale,
    .fg = fg,
  };
  g_autofree char *key =
      g_strdup_printf ("g|%s|%d|%d|%g,%g,%g", text, captured, dark, fg->red, fg->green, fg->blue);

  return cached_sprite (self, key, width, glyph.h, draw_glyph_sprite, &glyph);
}

static void
draw_lane (HsLanes *self,
           cairo_t *cr,
           PangoLayout *layout,
           HsTrace *trace,
           HsConnectionRow *row,
           double y,
           double width,
           gboolean selected,
           const GdkRGBA *fg,
           gboolean dark)
{
  double s = self->font_scale;
  double h = lane_height (self);
  double mid = y + h / 2;
  double x = PAD * s;
  g_autofree char *id_text = g_strdup_printf ("%u", hs_connection_row_get_id (row));
  g_autofree char *address = NULL;
  const char *host = hs_connection_row_get_address (row);
  HsTcpState state = hs_connection_row_get_state (row);
  const GArray *segments = hs_connection_row_get_segments (row);
  PangoRectangle ink, logical;
  double glyph_x0;
  double right = width - PAD * s;
  guint first_glyph;
  double needed;

  if (selected)
    {
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.14);
      cairo_rectangle (cr, 0, y, width, h);
      cairo_fill (cr);
    }
  else if (hs_connection_row_get_id (row) % 2 == 0)
    {
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.04);
      cairo_rectangle (cr, 0, y, width, h);
      cairo_fill (cr);
    }

  /* The connection's number and the client's address. */
  if (host == NULL || *host == '\0')
    address = g_strdup ("…");
  else if (strchr (host, ':') != NULL)
    address = g_strdup_printf ("[%s]:%u", host, hs_connection_row_get_port (row));
  else
    address = g_strdup_printf ("%s:%u", host, hs_connection_row_get_port (row));
  /* Text, not a picture: a class's lanes each have their own, and a
   * picture for each was memory that came and went with every frame. */
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.6);
  show_text (self, cr, layout, id_text, x + (ID_WIDTH - 8) * s, mid, 0, TRUE);
  gdk_cairo_set_source_rgba (cr, fg);
  show_text (self, cr, layout, address, x + ID_WIDTH * s, mid, (ADDRESS_WIDTH - 8) * s, FALSE);
  x += (ID_WIDTH + ADDRESS_WIDTH) * s;

  /* The server's state: a pill with its name. */
  {
    double pill_h;
    cairo_surface_t *pill =
        pill_sprite (self, state, hs_connection_row_get_state_name (row), dark, &pill_h);

    paint_sprite (cr, pill, x, mid - pill_h / 2);
    x += STATE_WIDTH * s;
  }

  /* The segments, newest on the right; those that do not fit give way at
   * the left, behind a mark that says some are left out. */
  glyph_x0 = x;
  needed = 0;
  first_glyph = segments->len;
  while (first_glyph > 0)
    {
      const HsEvent *event =
          hs_trace_get_event (trace, g_array_index (segments, guint, first_glyph - 1));
      g_autofree char *text = glyph_text (event);
      double w;

      show_cached (self, NULL, text, 0, 0, &w);
      w += 12 * s + GLYPH_GAP * s;
      if (glyph_x0 + needed + w + 24 * s > right && first_glyph < segments->len)
        break;
      needed += w;
      first_glyph--;
    }

  if (first_glyph > 0)
    {
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.6);
      pango_layout_set_text (layout, "…", -1);
      pango_layout_get_pixel_extents (layout, &ink, &logical);
      cairo_move_to (cr, x, mid - logical.height / 2.0);
      pango_cairo_show_layout (cr, layout);
      x += logical.width + GLYPH_GAP * s;
    }

  for (guint i = first_glyph; i < segments->len; i++)
    {
      const HsEvent *event = hs_trace_get_event (trace, g_array_index (segments, guint, i));
      g_autofree char *text = glyph_text (event);
      double box_h = h - 8 * s;
      double w;

      show_cached (self, NULL, text, 0, 0, &w);
      w += 12 * s;
      if (x + w > right)
        break;

      paint_sprite (cr,
                    glyph_sprite (self, text, event->flags,
                                  event->provenance == HS_PROVENANCE_CAPTURED, dark, fg, w),
                    x, mid - box_h / 2);
      x += w + GLYPH_GAP * s;
    }
}

static gboolean prepare_cb (gpointer user_data);

/* Once the window is idle, draws ahead what the lanes' look needs (see
 * prepare_cb()): when shown, and again when the font, the scale or the
 * theme changed it. */
static void
schedule_prepare (HsLanes *self)
{
  if (self->prepare_idle == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->prepare_idle = g_idle_add (prepare_cb, self);
}

/* The texts, pictures and lanes made with the old font go, and those of
 * the new one are drawn ahead. */
static void
forget_font (HsLanes *self)
{
  g_hash_table_remove_all (self->layouts);
  g_hash_table_remove_all (self->sprites);
  g_hash_table_remove_all (self->pictures);
  g_clear_pointer (&self->font, pango_font_description_free);
  g_clear_pointer (&self->run, pango_item_free);
  schedule_prepare (self);
}

/* The font changed (the system's, the style's, the text direction). */
static void
check_font (HsLanes *self)
{
  guint serial = pango_context_get_serial (gtk_widget_get_pango_context (GTK_WIDGET (self)));

  if (serial == self->context_serial)
    return;
  self->context_serial = serial;
  forget_font (self);
}

/* A layout in the lanes' font (the widget's, a little smaller, scaled). */
static PangoLayout *
lane_layout (HsLanes *self)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);

  if (self->font == NULL)
    {
      PangoFontDescription *font = pango_font_description_copy (
          pango_context_get_font_description (pango_layout_get_context (layout)));

      pango_font_description_set_size (font, (int) (pango_font_description_get_size (font) * 0.92 *
                                                    self->font_scale));
      self->font = font;
    }
  pango_layout_set_font_description (layout, self->font);
  return layout;
}

/* Draws ahead, once the window is idle, what the first lanes of a class
 * need and a frame would otherwise make: the lanes' font and the glyphs
 * of numbers and addresses, the pills of the states, the boxes of the
 * segments that open and close a connection. They took the overview's
 * part of the first frame of a class arriving from 2 to 5-7 ms, enough
 * to push it past a refresh. */
static gboolean
prepare_cb (gpointer user_data)
{
  static const struct
  {
    guint8 flags;
    HsSide side;
  } opening_closing[] = {
    { HS_TCP_SYN, HS_SIDE_CLIENT },
    { HS_TCP_SYN | HS_TCP_ACK, HS_SIDE_SERVER },
    { HS_TCP_ACK, HS_SIDE_CLIENT },
    { HS_TCP_ACK, HS_SIDE_SERVER },
    { HS_TCP_FIN | HS_TCP_ACK, HS_SIDE_CLIENT },
    { HS_TCP_FIN | HS_TCP_ACK, HS_SIDE_SERVER },
  };
  HsLanes *self = HS_LANES (user_data);
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  g_autoptr (PangoLayout) layout = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  GdkRGBA fg;
  double h;

  /* Still pending while it runs, so that the font found changed here does
   * not ask for it again. */
  check_font (self);
  layout = lane_layout (self);
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);

  /* Drawn where they show, at the screen's scale: cairo keeps each glyph
   * it has drawn once. */
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 400 * scale, 40 * scale);
  cairo_surface_set_device_scale (surface, scale, scale);
  cr = cairo_create (surface);
  gdk_cairo_set_source_rgba (cr, &fg);
  show_text (self, cr, layout, "0123456789 .:[]abcdef", 0, 20, 0, FALSE);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);

  pill_sprite (self, HS_TCP_STATE_CLOSED, "—", dark, &h);
  for (int state = 0; state < HS_TCP_STATE_N_STATES; state++)
    pill_sprite (self, state, hs_tcp_state_to_string (state), dark, &h);
  for (guint i = 0; i < G_N_ELEMENTS (opening_closing); i++)
    for (int captured = 0; captured < 2; captured++)
      {
        g_autofree char *text = segment_text (opening_closing[i].flags, 0, opening_closing[i].side);
        double w;

        show_cached (self, NULL, text, 0, 0, &w);
        glyph_sprite (self, text, opening_closing[i].flags, captured, dark, &fg,
                      w + 12 * self->font_scale);
      }
  self->prepare_idle = 0;
  return G_SOURCE_REMOVE;
}

static void
hs_lanes_map (GtkWidget *widget)
{
  HsLanes *self = HS_LANES (widget);

  GTK_WIDGET_CLASS (hs_lanes_parent_class)->map (widget);
  schedule_prepare (self);
}

static void
hs_lanes_unmap (GtkWidget *widget)
{
  HsLanes *self = HS_LANES (widget);

  g_clear_handle_id (&self->prepare_idle, g_source_remove);
  GTK_WIDGET_CLASS (hs_lanes_parent_class)->unmap (widget);
}

static gboolean
same_look (const LanePicture *a, const LanePicture *b)
{
  return g_strcmp0 (a->address, b->address) == 0 && a->port == b->port &&
         g_strcmp0 (a->state_name, b->state_name) == 0 && a->n_segments == b->n_segments &&
         a->selected == b->selected && a->y == b->y && a->width == b->width &&
         a->font_scale == b->font_scale && a->scale == b->scale && a->dark == b->dark &&
         gdk_rgba_equal (&a->fg, &b->fg);
}

static void
hs_lanes_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  HsLanes *self = HS_LANES (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  double h = lane_height (self);
  double scroll = self->vadjustment != NULL ? gtk_adjustment_get_value (self->vadjustment) : 0;
  guint n = n_lanes (self);
  guint first, end;
  guint selected = self->selection != NULL ? gtk_single_selection_get_selected (self->selection)
                                           : GTK_INVALID_LIST_POSITION;
  HsTrace *trace = self->list != NULL ? hs_connection_list_get_trace (self->list) : NULL;
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  GdkRGBA fg;
  PangoLayout *layout;
  GHashTable *pictures;

  self->drawn_first = self->drawn_end = 0;
  self->redrawn = 0;
  self->snapshots++;
  check_font (self);
  if (n == 0 || trace == NULL || width <= 0 || height <= 0)
    {
      g_hash_table_remove_all (self->pictures);
      return;
    }

  /* Only the lanes in view are drawn. */
  first = (guint) MAX (floor (scroll / h), 0);
  end = MIN (n, (guint) ceil ((scroll + height) / h) + 1);
  if (first >= end)
    return;
  self->drawn_first = first;
  self->drawn_end = end;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  layout = lane_layout (self);
  /* A picture per lane: GTK's software renderer first replays a cairo
   * picture into a new image of its size, and images of one lane reuse the
   * memory the last one gave back, where one of the whole overview was
   * megabytes of fresh memory whenever it was drawn. Whole lanes side by
   * side make one rectangle of damage however many change. */
  pictures = g_hash_table_new_full (NULL, NULL, NULL, lane_picture_free);
  for (guint i = first; i < end; i++)
    {
      g_autoptr (HsConnectionRow) row = g_list_model_get_item (G_LIST_MODEL (self->list), i);
      gpointer id = GUINT_TO_POINTER (hs_connection_row_get_id (row));
      LanePicture look = {
        NULL,
        (char *) hs_connection_row_get_address (row),
        hs_connection_row_get_port (row),
        hs_connection_row_get_state_name (row),
        hs_connection_row_get_segments (row)->len,
        i == selected,
        i * h - scroll,
        width,
        self->font_scale,
        gtk_widget_get_scale_factor (widget),
        dark,
        fg,
      };
      LanePicture *picture = NULL;

      if (g_hash_table_steal_extended (self->pictures, id, NULL, (gpointer *) &picture) &&
          !same_look (picture, &look))
        g_clear_pointer (&picture, lane_picture_free);
      if (picture == NULL)
        {
          GtkSnapshot *lane = gtk_snapshot_new ();
          cairo_t *cr = gtk_snapshot_append_cairo (lane, &GRAPHENE_RECT_INIT (0, look.y, width, h));

          draw_lane (self, cr, layout, trace, row, look.y, width, look.selected, &fg, dark);
          cairo_destroy (cr);
          picture = g_memdup2 (&look, sizeof look);
          picture->address = g_strdup (look.address);
          picture->node = gtk_snapshot_free_to_node (lane);
          self->redrawn++;
        }
      gtk_snapshot_append_node (snapshot, picture->node);
      g_hash_table_insert (pictures, id, picture);
    }
  g_hash_table_unref (self->pictures);
  self->pictures = pictures;

  g_object_unref (layout);
}

static void
hs_lanes_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  update_adjustments (HS_LANES (widget));
}

static void
hs_lanes_measure (GtkWidget *widget,
                  GtkOrientation orientation,
                  int for_size,
                  int *minimum,
                  int *natural,
                  int *minimum_baseline,
                  int *natural_baseline)
{
  HsLanes *self = HS_LANES (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural =
        (int) ((ID_WIDTH + ADDRESS_WIDTH + STATE_WIDTH + 2 * PAD) * self->font_scale);
  else
    *minimum = *natural = (int) lane_height (self);
}

static void
items_changed_cb (HsLanes *self)
{
  update_adjustments (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Rows removed (the trace cleared): ids start again from 1. */
static void
list_items_changed_cb (HsLanes *self, guint position, guint removed, guint added)
{
  if (removed > 0)
    g_hash_table_remove_all (self->pictures);
  items_changed_cb (self);
}

static guint
lane_at (HsLanes *self, double y)
{
  double scroll = self->vadjustment != NULL ? gtk_adjustment_get_value (self->vadjustment) : 0;
  double lane = floor ((y + scroll) / lane_height (self));

  if (lane < 0 || lane >= n_lanes (self))
    return GTK_INVALID_LIST_POSITION;
  return (guint) lane;
}

static void
pressed_cb (GtkGestureClick *gesture, int n_press, double x, double y, HsLanes *self)
{
  guint lane = lane_at (self, y);

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (lane == GTK_INVALID_LIST_POSITION || self->selection == NULL)
    return;
  gtk_single_selection_set_selected (self->selection, lane);
  if (n_press == 2)
    {
      g_autoptr (HsConnectionRow) row = g_list_model_get_item (G_LIST_MODEL (self->list), lane);

      g_signal_emit (self, signals[ACTIVATE], 0, hs_connection_row_get_id (row));
    }
}

static void
move_selection (HsLanes *self, int delta)
{
  guint n = n_lanes (self);
  guint selected;
  double h = lane_height (self);
  double value;

  if (self->selection == NULL || n == 0)
    return;
  selected = gtk_single_selection_get_selected (self->selection);
  if (selected == GTK_INVALID_LIST_POSITION)
    selected = delta > 0 ? 0 : n - 1;
  else
    selected = CLAMP ((int) selected + delta, 0, (int) n - 1);
  gtk_single_selection_set_selected (self->selection, selected);

  /* Keep the selected lane in view. */
  value = gtk_adjustment_get_value (self->vadjustment);
  if (selected * h < value)
    gtk_adjustment_set_value (self->vadjustment, selected * h);
  else if ((selected + 1) * h > value + gtk_adjustment_get_page_size (self->vadjustment))
    gtk_adjustment_set_value (self->vadjustment, (selected + 1) * h - gtk_adjustment_get_page_size (
                                                                          self->vadjustment));
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint keyval,
                guint keycode,
                GdkModifierType state,
                HsLanes *self)
{
  guint selected;

  switch (keyval)
    {
      case GDK_KEY_Up:
        move_selection (self, -1);
        return TRUE;
      case GDK_KEY_Down:
        move_selection (self, 1);
        return TRUE;
      case GDK_KEY_Return:
      case GDK_KEY_KP_Enter:
        if (self->selection == NULL)
          return FALSE;
        selected = gtk_single_selection_get_selected (self->selection);
        if (selected != GTK_INVALID_LIST_POSITION)
          {
            g_autoptr (HsConnectionRow) row =
                g_list_model_get_item (G_LIST_MODEL (self->list), selected);

            g_signal_emit (self, signals[ACTIVATE], 0, hs_connection_row_get_id (row));
          }
        return TRUE;
      default:
        return FALSE;
    }
}

static void
hs_lanes_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HsLanes *self = HS_LANES (object);

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
hs_lanes_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HsLanes *self = HS_LANES (object);

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
        break;
      case PROP_VSCROLL_POLICY:
        self->vscroll_policy = g_value_get_enum (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_lanes_dispose (GObject *object)
{
  HsLanes *self = (HsLanes *) object;

  hs_lanes_set_selection (self, NULL);
  g_clear_handle_id (&self->prepare_idle, g_source_remove);
  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->vadjustment, self);
  g_clear_object (&self->hadjustment);
  g_clear_object (&self->vadjustment);
  g_clear_pointer (&self->layouts, g_hash_table_unref);
  g_clear_pointer (&self->sprites, g_hash_table_unref);
  g_clear_pointer (&self->pictures, g_hash_table_unref);
  g_clear_pointer (&self->font, pango_font_description_free);
  g_clear_pointer (&self->run, pango_item_free);

  G_OBJECT_CLASS (hs_lanes_parent_class)->dispose (object);
}

static void
hs_lanes_class_init (HsLanesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hs_lanes_dispose;
  object_class->get_property = hs_lanes_get_property;
  object_class->set_property = hs_lanes_set_property;
  widget_class->snapshot = hs_lanes_snapshot;
  widget_class->size_allocate = hs_lanes_size_allocate;
  widget_class->measure = hs_lanes_measure;
  widget_class->map = hs_lanes_map;
  widget_class->unmap = hs_lanes_unmap;

  g_object_class_override_property (object_class, PROP_HADJUSTMENT, "hadjustment");
  g_object_class_override_property (object_class, PROP_VADJUSTMENT, "vadjustment");
  g_object_class_override_property (object_class, PROP_HSCROLL_POLICY, "hscroll-policy");
  g_object_class_override_property (object_class, PROP_VSCROLL_POLICY, "vscroll-policy");

  /**
   * HsLanes::activate:
   * @id: the connection whose lane was double-clicked (or Enter pressed)
   */
  signals[ACTIVATE] = g_signal_new ("activate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_css_name (widget_class, "lanes");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

/* The theme or the screen's scale changed: the pictures of the new look
 * are drawn ahead too. */
static void
look_changed_cb (HsLanes *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
  schedule_prepare (self);
}

static void
hs_lanes_init (HsLanes *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  self->font_scale = 1.0;
  self->follow = TRUE;
  self->layouts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->sprites = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) cairo_surface_destroy);
  self->pictures = g_hash_table_new_full (NULL, NULL, NULL, lane_picture_free);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("All connections, one lane each"), -1);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (look_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "notify::scale-factor", G_CALLBACK (look_changed_cb), NULL);
}

GtkWidget *
hs_lanes_new (void)
{
  return g_object_new (HS_TYPE_LANES, NULL);
}

static void
trace_event_cb (HsLanes *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* A segment already drawn changed (inferred, now captured): its lane's
 * picture no longer shows it. Lanes draw no state events, so the kernel
 * confirming a connection's state (the source of its state event) leaves
 * the picture as it is. */
static void
trace_event_changed_cb (HsLanes *self, guint index)
{
  HsTrace *trace = hs_connection_list_get_trace (self->list);
  const HsEvent *event =
      index < hs_trace_get_n_events (trace) ? hs_trace_get_event (trace, index) : NULL;

  if (event != NULL && event->kind == HS_EVENT_SEGMENT &&
      g_hash_table_remove (self->pictures, GUINT_TO_POINTER (event->connection)))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
hs_lanes_set_selection (HsLanes *self, GtkSingleSelection *selection)
{
  GListModel *model;

  g_return_if_fail (HS_IS_LANES (self));

  if (self->selection == selection)
    return;

  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->list != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->list, self);
      if (hs_connection_list_get_trace (self->list) != NULL)
        g_signal_handlers_disconnect_by_data (hs_connection_list_get_trace (self->list), self);
    }
  g_clear_object (&self->list);
  g_set_object (&self->selection, selection);
  /* Another list's connections have other ids. */
  g_hash_table_remove_all (self->pictures);

  if (selection != NULL)
    {
      model = gtk_single_selection_get_model (selection);
      g_return_if_fail (HS_IS_CONNECTION_LIST (model));
      self->list = g_object_ref (HS_CONNECTION_LIST (model));
      g_signal_connect_object (selection, "selection-changed", G_CALLBACK (gtk_widget_queue_draw),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->list, "items-changed", G_CALLBACK (list_items_changed_cb),
                               self, G_CONNECT_SWAPPED);
      /* A new segment or state in a lane in view: one redraw per frame at
       * most, whatever the number of events. */
      if (hs_connection_list_get_trace (self->list) != NULL)
        {
          g_signal_connect_object (hs_connection_list_get_trace (self->list), "event-added",
                                   G_CALLBACK (trace_event_cb), self, G_CONNECT_SWAPPED);
          g_signal_connect_object (hs_connection_list_get_trace (self->list), "event-changed",
                                   G_CALLBACK (trace_event_changed_cb), self, G_CONNECT_SWAPPED);
        }
    }
  self->follow = TRUE;
  items_changed_cb (self);
}

void
hs_lanes_set_font_scale (HsLanes *self, double font_scale)
{
  g_return_if_fail (HS_IS_LANES (self));

  font_scale = CLAMP (font_scale, 0.5, 4.0);
  if (self->font_scale == font_scale)
    return;
  self->font_scale = font_scale;
  /* (The lanes' pictures would not match the new scale anyway.) */
  forget_font (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
hs_lanes_get_drawn_range (HsLanes *self, guint *first, guint *end)
{
  g_return_if_fail (HS_IS_LANES (self));

  *first = self->drawn_first;
  *end = self->drawn_end;
}

guint
hs_lanes_get_n_sprites (HsLanes *self)
{
  g_return_val_if_fail (HS_IS_LANES (self), 0);

  return g_hash_table_size (self->sprites);
}

guint
hs_lanes_get_n_redrawn (HsLanes *self, guint *snapshots)
{
  g_return_val_if_fail (HS_IS_LANES (self), 0);

  if (snapshots != NULL)
    *snapshots = self->snapshots;
  return self->redrawn;
}
