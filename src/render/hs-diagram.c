/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-diagram"

#include "config.h"

#include "hs-diagram.h"

#include <math.h>

#include "hs-replay.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n-lib.h>
#include <pango/pangocairo.h>

/* cairo's image surfaces stop at 32767 pixels either way. */
#define MAX_IMAGE_SIZE 32767

/* Sizes at font scale 1, in pixels. */
#define LINE_WIDTH      3.0
#define LIFELINE_WIDTH  2.0
#define HEAD_LENGTH     18.0
#define HEAD_HALF_WIDTH 9.0
#define PILL_PAD_X      14.0
#define PILL_PAD_Y      6.0
#define NOTE_PAD_X      10.0
#define NOTE_PAD_Y      4.0
#define BOX_PAD         12.0
#define LEGEND_SAMPLE   48.0
#define CROSS_SIZE      12.0
#define GAP             12.0

typedef struct
{
  double r;
  double g;
  double b;
} Rgb;

#define RGB(hex)                                                                     \
  {                                                                                  \
    ((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, ((hex) &0xff) / 255.0 \
  }

/* The four kinds of state a pill can show, each with its own colour (and
 * always its name: no meaning by colour alone). */
typedef enum
{
  PILL_HANDSHAKE,
  PILL_ESTABLISHED,
  PILL_CLOSING,
  PILL_CLOSED,
  N_PILL_KINDS
} PillKind;

typedef struct
{
  Rgb background;
  Rgb foreground;
  Rgb muted;
  Rgb lifeline;
  Rgb header_fill;
  Rgb header_stroke;
  Rgb panel_fill; /* legend and notes */
  Rgb panel_stroke;
  Rgb red;
  Rgb error_fill;
  Rgb error_text;
  Rgb accent; /* the current event's highlight */
  Rgb warning;
  Rgb pill[N_PILL_KINDS];
  Rgb pill_text[N_PILL_KINDS];
  double line_boost;
  gboolean outline_pills;
} Palette;

static const Palette palette_light = {
  .background = RGB (0xfcfcfc),
  .foreground = RGB (0x1a1a1a),
  .muted = RGB (0x5e5c64),
  .lifeline = RGB (0x7d9bbd),
  .header_fill = RGB (0xeaf1fa),
  .header_stroke = RGB (0x7d9bbd),
  .panel_fill = RGB (0xf3f2f1),
  .panel_stroke = RGB (0xa8a7ab),
  .red = RGB (0xc01c28),
  .error_fill = RGB (0xfde8e9),
  .error_text = RGB (0xa51d2d),
  .accent = RGB (0x3584e4),
  .warning = RGB (0x945c00),
  .pill = { RGB (0x1c71d8), RGB (0x1e7a46), RGB (0xe5a50a), RGB (0x6e6d72) },
  .pill_text = { RGB (0xffffff), RGB (0xffffff), RGB (0x1a1a1a), RGB (0xffffff) },
  .line_boost = 1.0,
  .outline_pills = FALSE,
};

static const Palette palette_dark = {
  .background = RGB (0x1e1e1e),
  .foreground = RGB (0xf2f2f2),
  .muted = RGB (0xb4b3b9),
  .lifeline = RGB (0x6d8cb0),
  .header_fill = RGB (0x26303d),
  .header_stroke = RGB (0x6d8cb0),
  .panel_fill = RGB (0x2b2b2b),
  .panel_stroke = RGB (0x77767b),
  .red = RGB (0xff7b63),
  .error_fill = RGB (0x3d1f22),
  .error_text = RGB (0xffb3a8),
  .accent = RGB (0x78aeed),
  .warning = RGB (0xf8e45c),
  .pill = { RGB (0x62a0ea), RGB (0x57e389), RGB (0xf8e45c), RGB (0xa8a7ab) },
  .pill_text = { RGB (0x0d0d0d), RGB (0x0d0d0d), RGB (0x0d0d0d), RGB (0x0d0d0d) },
  .line_boost = 1.0,
  .outline_pills = FALSE,
};

static const Palette palette_high_contrast = {
  .background = RGB (0xffffff),
  .foreground = RGB (0x000000),
  .muted = RGB (0x242424),
  .lifeline = RGB (0x1c3f6e),
  .header_fill = RGB (0xffffff),
  .header_stroke = RGB (0x000000),
  .panel_fill = RGB (0xffffff),
  .panel_stroke = RGB (0x000000),
  .red = RGB (0xa00010),
  .error_fill = RGB (0xffffff),
  .error_text = RGB (0xa00010),
  .accent = RGB (0x0b4fa8),
  .warning = RGB (0x6b3d00),
  .pill = { RGB (0x0b4fa8), RGB (0x0f5c33), RGB (0xf5c211), RGB (0x3d3846) },
  .pill_text = { RGB (0xffffff), RGB (0xffffff), RGB (0x000000), RGB (0xffffff) },
  .line_boost = 1.4,
  .outline_pills = TRUE,
};

static const Palette palette_high_contrast_dark = {
  .background = RGB (0x000000),
  .foreground = RGB (0xffffff),
  .muted = RGB (0xe0e0e0),
  .lifeline = RGB (0x99c1f1),
  .header_fill = RGB (0x000000),
  .header_stroke = RGB (0xffffff),
  .panel_fill = RGB (0x000000),
  .panel_stroke = RGB (0xffffff),
  .red = RGB (0xff8080),
  .error_fill = RGB (0x000000),
  .error_text = RGB (0xff9a9a),
  .accent = RGB (0x99c1f1),
  .warning = RGB (0xf9f06b),
  .pill = { RGB (0x99c1f1), RGB (0x8ff0a4), RGB (0xf9f06b), RGB (0xdeddda) },
  .pill_text = { RGB (0x000000), RGB (0x000000), RGB (0x000000), RGB (0x000000) },
  .line_boost = 1.4,
  .outline_pills = TRUE,
};

typedef enum
{
  FONT_TITLE,
  FONT_DETAIL,
  FONT_PILL,
  FONT_NOTE,
  FONT_HEADER,
  FONT_ADDRESS,
  FONT_LEGEND,
  FONT_SEPARATOR,
  FONT_ERROR,
  FONT_PACKET,
  N_FONTS
} FontKind;

static const struct
{
  double size; /* px at font scale 1 */
  PangoWeight weight;
} font_specs[N_FONTS] = {
  [FONT_TITLE] = { 28, PANGO_WEIGHT_BOLD },    [FONT_DETAIL] = { 18, PANGO_WEIGHT_NORMAL },
  [FONT_PILL] = { 18, PANGO_WEIGHT_BOLD },     [FONT_NOTE] = { 18, PANGO_WEIGHT_NORMAL },
  [FONT_HEADER] = { 32, PANGO_WEIGHT_BOLD },   [FONT_ADDRESS] = { 20, PANGO_WEIGHT_NORMAL },
  [FONT_LEGEND] = { 17, PANGO_WEIGHT_NORMAL }, [FONT_SEPARATOR] = { 18, PANGO_WEIGHT_BOLD },
  [FONT_ERROR] = { 20, PANGO_WEIGHT_BOLD },    [FONT_PACKET] = { 15, PANGO_WEIGHT_BOLD },
};

/* Everything one draw needs, so helpers take one argument. */
typedef struct
{
  cairo_t *cr;
  PangoContext *context;
  PangoLayout *text; /* reused for every piece of text */
  PangoFontDescription *fonts[N_FONTS];
  const Palette *pal;
  HsTrace *trace;
  HsDiagramLayout *layout;
  const HsDiagramView *view;
  double s;  /* font scale */
  double cs; /* the header's and legend's scale */
  double font_scale[N_FONTS];
  double lw; /* arrow line width */
  guint n_visible;
  guint current;
  const char *family;
  GString *svg_text; /* when set, text is written here as SVG, not drawn */
} Ctx;

G_DEFINE_QUARK (hs - diagram - error - quark, hs_diagram_error)

static const GEnumValue palette_values[] = {
  { HS_DIAGRAM_PALETTE_SYSTEM, "HS_DIAGRAM_PALETTE_SYSTEM", "system" },
  { HS_DIAGRAM_PALETTE_LIGHT, "HS_DIAGRAM_PALETTE_LIGHT", "light" },
  { HS_DIAGRAM_PALETTE_DARK, "HS_DIAGRAM_PALETTE_DARK", "dark" },
  { HS_DIAGRAM_PALETTE_HIGH_CONTRAST, "HS_DIAGRAM_PALETTE_HIGH_CONTRAST", "high-contrast" },
  { HS_DIAGRAM_PALETTE_HIGH_CONTRAST_DARK, "HS_DIAGRAM_PALETTE_HIGH_CONTRAST_DARK",
    "high-contrast-dark" },
  { 0, NULL, NULL },
};

GType
hs_diagram_palette_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      GType type =
          g_enum_register_static (g_intern_static_string ("HsDiagramPalette"), palette_values);

      g_once_init_leave (&type_id, type);
    }

  return type_id;
}

const char *
hs_diagram_palette_to_string (HsDiagramPalette palette)
{
  for (guint i = 0; palette_values[i].value_nick != NULL; i++)
    {
      if (palette_values[i].value == (gint) palette)
        return palette_values[i].value_nick;
    }
  return "light";
}

gboolean
hs_diagram_palette_parse (const char *name, HsDiagramPalette *palette)
{
  g_return_val_if_fail (palette != NULL, FALSE);

  if (name == NULL)
    return FALSE;

  for (guint i = 0; palette_values[i].value_nick != NULL; i++)
    {
      if (g_ascii_strcasecmp (name, palette_values[i].value_nick) == 0)
        {
          *palette = palette_values[i].value;
          return TRUE;
        }
    }
  return FALSE;
}

static const Palette *
get_palette (HsDiagramPalette palette)
{
  switch (palette)
    {
      case HS_DIAGRAM_PALETTE_DARK:
        return &palette_dark;
      case HS_DIAGRAM_PALETTE_HIGH_CONTRAST:
        return &palette_high_contrast;
      case HS_DIAGRAM_PALETTE_HIGH_CONTRAST_DARK:
        return &palette_high_contrast_dark;
      case HS_DIAGRAM_PALETTE_SYSTEM:
      case HS_DIAGRAM_PALETTE_LIGHT:
      default:
        return &palette_light;
    }
}

static Rgb
mix (const Rgb *a, const Rgb *b, double t)
{
  return (Rgb){ a->r + (b->r - a->r) * t, a->g + (b->g - a->g) * t, a->b + (b->b - a->b) * t };
}

static void
set_color (cairo_t *cr, const Rgb *color, double alpha)
{
  cairo_set_source_rgba (cr, color->r, color->g, color->b, alpha);
}

static PangoFontDescription *
make_font (const char *family, FontKind kind, double scale)
{
  PangoFontDescription *desc = pango_font_description_new ();

  pango_font_description_set_family (desc, family);
  pango_font_description_set_weight (desc, font_specs[kind].weight);
  pango_font_description_set_absolute_size (desc, font_specs[kind].size * scale * PANGO_SCALE);
  return desc;
}

static void
measure_text (PangoLayout *layout,
              const PangoFontDescription *font,
              const char *text,
              double *width,
              double *height)
{
  PangoRectangle logical;

  pango_layout_set_font_description (layout, font);
  pango_layout_set_width (layout, -1);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_NONE);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_extents (layout, NULL, &logical);
  if (width != NULL)
    *width = (double) logical.width / PANGO_SCALE;
  if (height != NULL)
    *height = (double) logical.height / PANGO_SCALE;
}

/* Sets @text in @kind's font, shrunk (down to 60 %) and then ellipsized to
 * fit @max_width when it is positive, and returns its logical size. */
static void
set_text (Ctx *c, FontKind kind, const char *text, double max_width, double *width, double *height)
{
  double w;
  double h;

  measure_text (c->text, c->fonts[kind], text, &w, &h);

  if (max_width > 0 && w > max_width)
    {
      g_autoptr (PangoFontDescription) smaller = pango_font_description_copy (c->fonts[kind]);
      double factor = 1.0;

      /* Text does not shrink exactly in proportion (hinting, rounding of
       * glyph advances): shrink again, a little further, while it is still
       * too wide, before cutting it. */
      for (guint attempt = 0; attempt < 4 && w > max_width && factor > 0.6; attempt++)
        {
          factor = MAX (0.6, factor * max_width / w * 0.98);
          pango_font_description_set_absolute_size (smaller, font_specs[kind].size *
                                                                 c->font_scale[kind] * factor *
                                                                 PANGO_SCALE);
          measure_text (c->text, smaller, text, &w, &h);
        }
      if (w > max_width)
        {
          PangoRectangle logical;

          pango_layout_set_width (c->text, (int) (max_width * PANGO_SCALE));
          pango_layout_set_ellipsize (c->text, PANGO_ELLIPSIZE_END);
          pango_layout_get_extents (c->text, NULL, &logical);
          w = (double) logical.width / PANGO_SCALE;
          h = (double) logical.height / PANGO_SCALE;
        }
    }

  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;
}

/* cairo's SVG surface turns glyphs into paths (cairo 1.16): for an SVG
 * whose words stay text, searchable and editable, the export collects each
 * piece as a <text> element instead, at the same place, size and colour. */
static void
append_svg_text (Ctx *c, double x, double y)
{
  const PangoFontDescription *font = pango_layout_get_font_description (c->text);
  g_autofree char *escaped = g_markup_escape_text (pango_layout_get_text (c->text), -1);
  g_autofree char *family = g_markup_escape_text (c->family, -1);
  double baseline = (double) pango_layout_get_baseline (c->text) / PANGO_SCALE;
  double size = (double) pango_font_description_get_size (font) / PANGO_SCALE;
  double r = 0, g = 0, b = 0, a = 1;
  char buffer[5][G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *opacity = NULL;
  PangoRectangle logical;

  pango_layout_get_extents (c->text, NULL, &logical);
  cairo_pattern_get_rgba (cairo_get_source (c->cr), &r, &g, &b, &a);
  if (a < 1.0)
    opacity = g_strdup_printf (" fill-opacity=\"%s\"",
                               g_ascii_formatd (buffer[4], sizeof buffer[4], "%.2f", a));
  else
    opacity = g_strdup ("");
  y += baseline;
  cairo_user_to_device (c->cr, &x, &y);

  /* textLength keeps the width Pango measured, whatever font the viewer
   * picks, so nothing runs into its neighbour. */
  g_string_append_printf (c->svg_text,
                          "<text x=\"%s\" y=\"%s\" font-family=\"%s, sans-serif\" font-size=\"%s\" "
                          "font-weight=\"%s\" fill=\"#%02x%02x%02x\"%s textLength=\"%s\" "
                          "lengthAdjust=\"spacingAndGlyphs\" xml:space=\"preserve\">%s</text>\n",
                          g_ascii_formatd (buffer[0], sizeof buffer[0], "%.2f", x),
                          g_ascii_formatd (buffer[1], sizeof buffer[1], "%.2f", y), family,
                          g_ascii_formatd (buffer[2], sizeof buffer[2], "%.2f", size),
                          pango_font_description_get_weight (font) >= PANGO_WEIGHT_BOLD ? "bold"
                                                                                        : "normal",
                          (int) (r * 255 + 0.5), (int) (g * 255 + 0.5), (int) (b * 255 + 0.5),
                          opacity,
                          g_ascii_formatd (buffer[3], sizeof buffer[3], "%.2f",
                                           (double) logical.width / PANGO_SCALE),
                          escaped);
}

static void
show_text_at (Ctx *c, double x, double y)
{
  if (c->svg_text != NULL)
    {
      append_svg_text (c, x, y);
      return;
    }

  cairo_move_to (c->cr, x, y);
  pango_cairo_show_layout (c->cr, c->text);
}

static void
rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r)
{
  r = MIN (r, MIN (w, h) / 2);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
set_provenance_dash (Ctx *c, HsProvenance provenance, double width)
{
  switch (provenance)
    {
      case HS_PROVENANCE_INFERRED:
        {
          double dashes[] = { 4.0 * width, 2.5 * width };

          cairo_set_line_cap (c->cr, CAIRO_LINE_CAP_BUTT);
          cairo_set_dash (c->cr, dashes, 2, 0);
        }
        break;

      case HS_PROVENANCE_SIMULATED:
        {
          double dashes[] = { 0.01, 2.2 * width };

          cairo_set_line_cap (c->cr, CAIRO_LINE_CAP_ROUND);
          cairo_set_dash (c->cr, dashes, 2, 0);
        }
        break;

      case HS_PROVENANCE_CAPTURED:
      default:
        cairo_set_line_cap (c->cr, CAIRO_LINE_CAP_ROUND);
        cairo_set_dash (c->cr, NULL, 0, 0);
        break;
    }
}

/* A filled head for captured and inferred segments, a hollow one for
 * simulated: the line style is not the only cue. */
static void
draw_arrowhead (Ctx *c,
                double x,
                double y,
                double ux,
                double uy,
                HsProvenance provenance,
                const Rgb *color,
                double alpha)
{
  double len = HEAD_LENGTH * c->s * c->pal->line_boost;
  double half = HEAD_HALF_WIDTH * c->s * c->pal->line_boost;
  double bx = x - ux * len;
  double by = y - uy * len;

  cairo_set_dash (c->cr, NULL, 0, 0);
  cairo_move_to (c->cr, x, y);
  cairo_line_to (c->cr, bx - uy * half, by + ux * half);
  cairo_line_to (c->cr, bx + uy * half, by - ux * half);
  cairo_close_path (c->cr);

  if (provenance == HS_PROVENANCE_SIMULATED)
    {
      set_color (c->cr, &c->pal->background, alpha);
      cairo_fill_preserve (c->cr);
      set_color (c->cr, color, alpha);
      cairo_set_line_width (c->cr, c->lw * 0.8);
      cairo_set_line_join (c->cr, CAIRO_LINE_JOIN_ROUND);
      cairo_stroke (c->cr);
    }
  else
    {
      set_color (c->cr, color, alpha);
      cairo_fill (c->cr);
    }
}

/* The packet in flight: a chip with the flags, centred on the arrow's tip. */
static void
draw_packet (Ctx *c, const HsEvent *event, double x, double y, const Rgb *color)
{
  g_autofree char *flags = hs_tcp_flags_to_string (event->flags);
  double pad_x = 8 * c->s;
  double pad_y = 3 * c->s;
  double w;
  double h;

  set_text (c, FONT_PACKET, flags[0] != '\0' ? flags : "TCP", 0, &w, &h);
  rounded_rect (c->cr, x - w / 2 - pad_x, y - h / 2 - pad_y, w + 2 * pad_x, h + 2 * pad_y,
                6 * c->s);
  set_color (c->cr, color, 1.0);
  cairo_fill (c->cr);
  set_color (c->cr, &c->pal->background, 1.0);
  show_text_at (c, x - w / 2, y - h / 2);
}

static void
draw_cross (Ctx *c, double x, double y)
{
  double d = CROSS_SIZE * c->s;

  cairo_set_dash (c->cr, NULL, 0, 0);
  cairo_set_line_cap (c->cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_width (c->cr, c->lw * 1.5);
  set_color (c->cr, &c->pal->red, 1.0);
  cairo_move_to (c->cr, x - d, y - d);
  cairo_line_to (c->cr, x + d, y + d);
  cairo_move_to (c->cr, x + d, y - d);
  cairo_line_to (c->cr, x - d, y + d);
  cairo_stroke (c->cr);
}

/* Words beside the point where a segment stopped, on the side it was
 * heading to, clear of its own line. */
static void
draw_stop_words (Ctx *c,
                 const HsDiagramItem *item,
                 double x,
                 double y,
                 double offset,
                 const char *words,
                 const Rgb *color)
{
  double room = item->x_to > item->x_from ? item->x_to - x - offset - c->s * GAP
                                          : x - offset - item->x_to - c->s * GAP;
  double w;
  double h;

  set_text (c, FONT_DETAIL, words, MAX (room, 40), &w, &h);
  set_color (c->cr, color, 1.0);
  if (item->x_to > item->x_from)
    show_text_at (c, x + offset, y - h / 2);
  else
    show_text_at (c, x - offset - w, y - h / 2);
}

static double
fade (double progress)
{
  return CLAMP (progress * 4.0, 0.0, 1.0);
}

static void
draw_highlight (Ctx *c, const HsDiagramItem *item)
{
  double g = GAP * c->s;
  double x = item->box.x - g / 2;
  double w = item->box.width + g;
  double y = item->top - g / 2;
  double h = item->bottom - item->top + g;

  if (item->kind == HS_EVENT_SEGMENT)
    {
      x = hs_diagram_layout_get_lifeline_x (c->layout, HS_SIDE_CLIENT);
      w = hs_diagram_layout_get_lifeline_x (c->layout, HS_SIDE_SERVER) - x;
      if (item->has_separator)
        {
          y = item->box.y - g / 2;
          h = item->bottom - y + g / 2;
        }
    }
  else if (item->kind != HS_EVENT_ERROR)
    return; /* pills and notes carry their own outline */

  rounded_rect (c->cr, x, y, w, h, 10 * c->s);
  set_color (c->cr, &c->pal->accent, 0.10);
  cairo_fill (c->cr);
}

static void
draw_segment (Ctx *c, const HsDiagramItem *item, const HsEvent *event, double progress)
{
  cairo_t *cr = c->cr;
  const Rgb *color = (event->flags & HS_TCP_RST) ? &c->pal->red : &c->pal->foreground;
  g_autofree char *title = hs_label_segment_title (c->trace, event, c->view->label_style);
  g_autofree char *detail = hs_label_segment_detail (c->trace, event, c->view->label_style);
  const HsDiagramMetrics *m = hs_diagram_layout_get_metrics (c->layout);
  double dx = item->x_to - item->x_from;
  double dy = item->y_to - item->y_from;
  double length = sqrt (dx * dx + dy * dy);
  double ux = dx / length;
  double uy = dy / length;
  double t = progress * item->reach;
  double tip_x = item->x_from + dx * t;
  double tip_y = item->y_from + dy * t;
  double alpha = fade (progress);
  double cx = item->box.x + item->box.width / 2;
  double w;
  double h;
  gboolean arrived = progress >= 1.0 && event->fate == HS_SEGMENT_FATE_DELIVERED;
  double end_x = tip_x;
  double end_y = tip_y;

  /* The label: the symbolic form big, the real numbers small under it. */
  set_text (c, FONT_TITLE, title, item->box.width, &w, &h);
  set_color (cr, color, alpha);
  show_text_at (c, cx - w / 2, item->box.y);

  if (detail[0] != '\0')
    {
      set_text (c, FONT_DETAIL, detail, item->box.width, &w, &h);
      set_color (cr, event->retransmission > 0 ? &c->pal->warning : &c->pal->muted, alpha);
      show_text_at (c, cx - w / 2, item->box.y + m->title_height * c->s);
    }

  if (t <= 0)
    return;

  if (arrived)
    {
      double len = HEAD_LENGTH * c->s * c->pal->line_boost;

      end_x = item->x_to - ux * len * 0.8;
      end_y = item->y_to - uy * len * 0.8;
    }

  cairo_set_line_width (cr, c->lw);
  set_provenance_dash (c, event->provenance, c->lw);
  set_color (cr, color, 1.0);
  cairo_move_to (cr, item->x_from, item->y_from);
  cairo_line_to (cr, end_x, end_y);
  cairo_stroke (cr);

  if (arrived)
    draw_arrowhead (c, item->x_to, item->y_to, ux, uy, event->provenance, color, 1.0);
  else if (progress >= 1.0 && event->fate == HS_SEGMENT_FATE_DROPPED)
    {
      draw_cross (c, tip_x, tip_y);
      draw_stop_words (c, item, tip_x, tip_y, CROSS_SIZE * c->s + GAP * c->s / 2,
                       _ ("dropped on the wire"), &c->pal->red);
    }
  else
    {
      draw_packet (c, event, tip_x, tip_y, color);
      if (progress >= 1.0 && event->fate == HS_SEGMENT_FATE_HELD)
        draw_stop_words (c, item, tip_x, tip_y, 50 * c->s, _ ("held on the wire"),
                         &c->pal->foreground);
    }
}

static PillKind
pill_kind (HsTcpState state)
{
  switch (state)
    {
      case HS_TCP_STATE_LISTEN:
      case HS_TCP_STATE_SYN_SENT:
      case HS_TCP_STATE_SYN_RECEIVED:
        return PILL_HANDSHAKE;
      case HS_TCP_STATE_ESTABLISHED:
        return PILL_ESTABLISHED;
      case HS_TCP_STATE_FIN_WAIT_1:
      case HS_TCP_STATE_FIN_WAIT_2:
      case HS_TCP_STATE_CLOSE_WAIT:
      case HS_TCP_STATE_CLOSING:
      case HS_TCP_STATE_LAST_ACK:
        return PILL_CLOSING;
      case HS_TCP_STATE_TIME_WAIT:
      case HS_TCP_STATE_CLOSED:
      case HS_TCP_STATE_UNKNOWN:
      default:
        return PILL_CLOSED;
    }
}

/* A pill in the colours of @kind. Seen by the kernel: solid. Inferred: pale
 * with a dashed outline. From the model: pale with a dotted outline. */
static void
draw_pill_shape (Ctx *c,
                 double x,
                 double y,
                 double w,
                 double h,
                 PillKind kind,
                 HsStateSource source,
                 double alpha)
{
  cairo_t *cr = c->cr;
  const Rgb *strong = &c->pal->pill[kind];
  double width = 2.5 * c->s * c->pal->line_boost;

  rounded_rect (cr, x, y, w, h, h / 2);
  if (source == HS_STATE_SOURCE_KERNEL)
    {
      set_color (cr, strong, alpha);
      cairo_fill_preserve (cr);
      if (c->pal->outline_pills)
        {
          cairo_set_dash (cr, NULL, 0, 0);
          cairo_set_line_width (cr, width);
          set_color (cr, &c->pal->foreground, alpha);
          cairo_stroke (cr);
        }
      cairo_new_path (cr);
    }
  else
    {
      Rgb pale = mix (strong, &c->pal->background, 0.8);
      const Rgb *outline = c->pal->outline_pills ? &c->pal->foreground : strong;
      double dash_on = source == HS_STATE_SOURCE_INFERRED ? 3.0 * width : 0.01;
      double dashes[] = { dash_on, 2.0 * width };

      set_color (cr, &pale, alpha);
      cairo_fill_preserve (cr);
      cairo_set_line_cap (cr, source == HS_STATE_SOURCE_INFERRED ? CAIRO_LINE_CAP_BUTT
                                                                 : CAIRO_LINE_CAP_ROUND);
      cairo_set_dash (cr, dashes, 2, 0);
      cairo_set_line_width (cr, width);
      set_color (cr, outline, alpha);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
}

/* The x of a box of @width against the lifeline side of @item's box. */
static double
inner_x (const HsDiagramItem *item, double width)
{
  if (item->side == HS_SIDE_CLIENT)
    return item->box.x + item->box.width - width;
  return item->box.x;
}

static void
draw_state (Ctx *c, const HsDiagramItem *item, const HsEvent *event, double progress)
{
  g_autofree char *text = NULL;
  PillKind kind = pill_kind (event->to);
  double pad = PILL_PAD_X * c->s;
  double alpha = fade (progress * 1.5);
  double w;
  double h;
  double x;
  const Rgb *text_color;

  if (item->out_of_band)
    text = g_strdup_printf (_ ("%s · connection %u"), hs_tcp_state_to_string (event->to),
                            event->connection);
  else
    text = g_strdup (hs_tcp_state_to_string (event->to));

  /* A narrow column (big type on a small projector) first gives up some of
   * the pill's padding, down to what its round ends need, so that the state
   * name stays whole. */
  set_text (c, FONT_PILL, text, 0, &w, NULL);
  if (w > item->box.width - 2 * pad)
    pad = MIN (pad, item->box.height * 0.3);
  set_text (c, FONT_PILL, text, item->box.width - 2 * pad, &w, &h);
  w = MIN (w + 2 * pad, item->box.width);
  x = inner_x (item, w);

  if (event->index == c->current)
    {
      double g = 4 * c->s;

      rounded_rect (c->cr, x - g, item->box.y - g, w + 2 * g, item->box.height + 2 * g,
                    item->box.height / 2 + g);
      set_color (c->cr, &c->pal->accent, 0.35 * alpha);
      cairo_fill (c->cr);
    }

  draw_pill_shape (c, x, item->box.y, w, item->box.height, kind, event->source, alpha);

  text_color =
      event->source == HS_STATE_SOURCE_KERNEL ? &c->pal->pill_text[kind] : &c->pal->foreground;
  set_color (c->cr, text_color, alpha);
  show_text_at (c, x + pad, item->box.y + (item->box.height - h) / 2);
}

static char *
format_payload (GBytes *data)
{
  const guint8 *bytes;
  gsize len;
  GString *out;

  if (data == NULL || g_bytes_get_size (data) == 0)
    return g_strdup ("");

  bytes = g_bytes_get_data (data, &len);
  out = g_string_new ("“");
  for (gsize i = 0; i < len && i < 24; i++)
    g_string_append_c (out, bytes[i] >= 0x20 && bytes[i] < 0x7f ? (char) bytes[i] : '.');
  if (len > 24)
    g_string_append (out, "…");
  g_string_append (out, "”");
  return g_string_free (out, FALSE);
}

static char *
describe_app (const HsEvent *event)
{
  const char *text = event->text != NULL ? event->text : "";
  g_autofree char *payload = format_payload (event->data);

  switch (event->action)
    {
      case HS_APP_LISTEN:
        return g_strdup_printf (_ ("listen() on %s"), text);
      case HS_APP_STOP:
        return g_strdup (_ ("listener closed"));
      case HS_APP_CONNECT:
        return g_strdup_printf (_ ("connect() to %s"), text);
      case HS_APP_ACCEPT:
        return g_strdup (_ ("accept()"));
      case HS_APP_SEND:
        return g_strdup_printf (_ ("send() %s"), payload);
      case HS_APP_RECEIVE:
        return g_strdup_printf (_ ("recv() %s"), payload);
      case HS_APP_EOF:
        return g_strdup (_ ("recv() = 0: peer closed"));
      case HS_APP_SHUTDOWN:
        return g_strdup (_ ("shutdown(SHUT_WR)"));
      case HS_APP_CLOSE:
        return g_strdup (_ ("close()"));
      case HS_APP_ABORT:
        return g_strdup (_ ("close() with SO_LINGER 0"));
      case HS_APP_RESET:
        return g_strdup (_ ("connection reset by peer"));
      default:
        return g_strdup (text);
    }
}

static void
draw_note (Ctx *c, const HsDiagramItem *item, const HsEvent *event, double progress)
{
  g_autofree char *text = describe_app (event);
  double pad = NOTE_PAD_X * c->s;
  double alpha = fade (progress * 1.5);
  double w;
  double h;
  double x;

  set_text (c, FONT_NOTE, text, item->box.width - 2 * pad, &w, &h);
  w = MIN (w + 2 * pad, item->box.width);
  x = inner_x (item, w);

  rounded_rect (c->cr, x, item->box.y, w, item->box.height, 6 * c->s);
  set_color (c->cr, &c->pal->panel_fill, alpha);
  cairo_fill_preserve (c->cr);
  cairo_set_dash (c->cr, NULL, 0, 0);
  cairo_set_line_width (c->cr,
                        (event->index == c->current ? 3.0 : 1.5) * c->s * c->pal->line_boost);
  set_color (c->cr, event->index == c->current ? &c->pal->accent : &c->pal->panel_stroke, alpha);
  cairo_stroke (c->cr);

  set_color (c->cr, &c->pal->foreground, alpha);
  show_text_at (c, x + pad, item->box.y + (item->box.height - h) / 2);
}

static const char *
describe_error (HsTraceError error)
{
  switch (error)
    {
      case HS_TRACE_ERROR_ADDRESS_IN_USE:
        return _ ("Address already in use");
      case HS_TRACE_ERROR_PERMISSION_DENIED:
        return _ ("Permission denied");
      case HS_TRACE_ERROR_CONNECTION_REFUSED:
        return _ ("Connection refused");
      case HS_TRACE_ERROR_HOST_NOT_FOUND:
        return _ ("Host not found");
      case HS_TRACE_ERROR_NETWORK_UNREACHABLE:
        return _ ("Network unreachable");
      case HS_TRACE_ERROR_HOST_UNREACHABLE:
        return _ ("Host unreachable");
      case HS_TRACE_ERROR_TIMED_OUT:
        return _ ("Timed out");
      case HS_TRACE_ERROR_CONNECTION_RESET:
        return _ ("Connection reset by peer");
      case HS_TRACE_ERROR_ADDRESS_NOT_AVAILABLE:
        return _ ("Address not available");
      case HS_TRACE_ERROR_OTHER:
      default:
        return _ ("Error");
    }
}

static void
draw_error (Ctx *c, const HsDiagramItem *item, const HsEvent *event, double progress)
{
  const char *text =
      event->text != NULL && event->text[0] != '\0' ? event->text : describe_error (event->error);
  double pad = BOX_PAD * c->s;
  double alpha = fade (progress);
  double w;
  double h;

  rounded_rect (c->cr, item->box.x, item->box.y, item->box.width, item->box.height, 8 * c->s);
  set_color (c->cr, &c->pal->error_fill, alpha);
  cairo_fill_preserve (c->cr);
  cairo_set_dash (c->cr, NULL, 0, 0);
  cairo_set_line_width (c->cr, 2.5 * c->s * c->pal->line_boost);
  set_color (c->cr, &c->pal->red, alpha);
  cairo_stroke (c->cr);

  set_text (c, FONT_ERROR, text, item->box.width - 2 * pad, &w, &h);
  set_color (c->cr, &c->pal->error_text, alpha);
  show_text_at (c, item->box.x + (item->box.width - w) / 2,
                item->box.y + (item->box.height - h) / 2);
}

/* The time left in TIME_WAIT for @countdown at the moment the view shows,
 * in µs; 0 once it has ended. */
static gint64
countdown_left (Ctx *c, const HsDiagramCountdown *countdown)
{
  const HsEvent *start = hs_trace_get_event (c->trace, countdown->start);
  gint64 now;

  if (countdown->end < c->n_visible)
    return 0;
  if (c->view->time_wait_left != NULL)
    {
      gint64 left =
          c->view->time_wait_left (countdown->connection, countdown->side, c->view->time_wait_data);

      if (left >= 0)
        return MIN (left, HS_TIME_WAIT_US);
    }

  now = c->view->now_us >= 0 ? c->view->now_us : hs_replay_time_at (c->trace, c->n_visible);
  return CLAMP (HS_TIME_WAIT_US - (now - start->time_us), 0, HS_TIME_WAIT_US);
}

/* Along the lifeline, from the TIME_WAIT pill down: a bar for 2 × MSL
 * whose solid part is the time left, drained from the bottom up. It ends at
 * the state that ended TIME_WAIT, or reaches the bottom of what is shown
 * while it lasts. */
static void
draw_countdown_bar (Ctx *c, const HsDiagramCountdown *countdown, double content_bottom)
{
  cairo_t *cr = c->cr;
  gboolean ended = countdown->end < c->n_visible;
  double w = 10 * c->s;
  double top = countdown->top + 2 * c->s;
  double bottom = ended ? countdown->bottom : MAX (content_bottom, top + 40 * c->s);
  double left = (double) countdown_left (c, countdown) / HS_TIME_WAIT_US;
  const Rgb *color = &c->pal->pill[PILL_CLOSING];

  /* Bars reaching far below the view stop just past it. */
  bottom = MIN (bottom, c->view->y + c->view->height + w);
  if (bottom <= top)
    return;

  rounded_rect (cr, countdown->x - w / 2, top, w, bottom - top, w / 2);
  set_color (cr, &c->pal->background, 1.0);
  cairo_fill_preserve (cr);
  set_color (cr, color, 0.25);
  cairo_fill_preserve (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_set_line_width (cr, 1.5 * c->s * c->pal->line_boost);
  set_color (cr, c->pal->outline_pills ? &c->pal->foreground : color, 1.0);
  cairo_stroke (cr);

  if (!ended && left > 0)
    {
      rounded_rect (cr, countdown->x - w / 2, top, w, (bottom - top) * left, w / 2);
      set_color (cr, color, 1.0);
      cairo_fill (cr);
    }
}

/* The words beside the bar: what is counted and how much is left. */
static void
draw_countdown_label (Ctx *c, const HsDiagramCountdown *countdown)
{
  gint64 left_us = countdown_left (c, countdown);
  g_autofree char *text = NULL;
  double pad = NOTE_PAD_X * c->s;
  double max_width = c->view->width / 3;
  double w;
  double h;
  double x;
  double y = countdown->top + GAP * c->s;

  if (countdown->end < c->n_visible)
    /* TRANSLATORS: beside the TIME_WAIT bar once it has run out */
    text = g_strdup (_ ("2 × MSL = 60 s: over"));
  else
    /* TRANSLATORS: beside the TIME_WAIT bar: the seconds left of 2 × MSL */
    text = g_strdup_printf (_ ("2 × MSL: %u s left"),
                            (guint) ((left_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));

  /* The words stay inside the view, on the lifeline's outer side. */
  if (countdown->side == HS_SIDE_CLIENT)
    max_width = MIN (max_width, countdown->x - 14 * c->s - 2 * pad);
  else
    max_width = MIN (max_width, c->view->width - countdown->x - 14 * c->s - 2 * pad);
  set_text (c, FONT_DETAIL, text, MAX (max_width, 20 * c->s), &w, &h);
  w += 2 * pad;
  if (countdown->side == HS_SIDE_CLIENT)
    x = countdown->x - 10 * c->s - w;
  else
    x = countdown->x + 10 * c->s;

  rounded_rect (c->cr, x, y, w, h + 2 * NOTE_PAD_Y * c->s, 6 * c->s);
  set_color (c->cr, &c->pal->panel_fill, 1.0);
  cairo_fill_preserve (c->cr);
  cairo_set_dash (c->cr, NULL, 0, 0);
  cairo_set_line_width (c->cr, 1.5 * c->s * c->pal->line_boost);
  set_color (c->cr, &c->pal->panel_stroke, 1.0);
  cairo_stroke (c->cr);
  set_color (c->cr, &c->pal->foreground, 1.0);
  show_text_at (c, x + pad, y + NOTE_PAD_Y * c->s);
}

/* The countdowns that started among the events shown and cross the
 * viewport; @labels chooses the pass (bars under the events, words over). */
static void
draw_countdowns (Ctx *c, double y0, double y1, gboolean labels)
{
  double content_bottom = hs_diagram_layout_get_height (c->layout, c->n_visible) - 2 * GAP * c->s;
  guint first;
  guint end;

  if (!hs_diagram_layout_find_countdowns (c->layout, y0, y1, &first, &end))
    return;

  for (guint i = first; i < end; i++)
    {
      const HsDiagramCountdown *countdown = hs_diagram_layout_get_countdown (c->layout, i);

      if (countdown->start >= c->n_visible)
        break;
      if (countdown->end < c->n_visible && countdown->bottom < y0)
        continue;
      if (labels)
        draw_countdown_label (c, countdown);
      else
        draw_countdown_bar (c, countdown, content_bottom);
    }
}

static char *
address_or_role (const HsAddress *address, const char *role)
{
  if (address->family == 0)
    return g_strdup (role);
  return hs_address_to_string (address);
}

static void
draw_separator (Ctx *c, const HsDiagramItem *item)
{
  const HsDiagramRect *r = &item->separator;
  const HsTraceConnection *connection;
  g_autofree char *client = NULL;
  g_autofree char *server = NULL;
  g_autofree char *text = NULL;
  double y = r->y + r->height / 2;
  double pad = BOX_PAD * c->s;
  double dashes[] = { 6 * c->s, 6 * c->s };
  double w;
  double h;

  if (item->connection >= hs_trace_get_n_connections (c->trace))
    return;

  connection = hs_trace_get_connection (c->trace, item->connection);
  client = address_or_role (&connection->client, _ ("client"));
  server = address_or_role (&connection->server, _ ("server"));
  text = g_strdup_printf (_ ("connection %u · %s → %s"), item->connection, client, server);

  cairo_set_line_width (c->cr, 1.5 * c->s * c->pal->line_boost);
  cairo_set_line_cap (c->cr, CAIRO_LINE_CAP_BUTT);
  cairo_set_dash (c->cr, dashes, 2, 0);
  set_color (c->cr, &c->pal->panel_stroke, 1.0);
  cairo_move_to (c->cr, r->x, y);
  cairo_line_to (c->cr, r->x + r->width, y);
  cairo_stroke (c->cr);
  cairo_set_dash (c->cr, NULL, 0, 0);

  set_text (c, FONT_SEPARATOR, text, r->width - 4 * pad, &w, &h);
  rounded_rect (c->cr, r->x + (r->width - w) / 2 - pad, y - h / 2 - 2 * c->s, w + 2 * pad,
                h + 4 * c->s, (h + 4 * c->s) / 2);
  set_color (c->cr, &c->pal->background, 1.0);
  cairo_fill (c->cr);
  set_color (c->cr, &c->pal->muted, 1.0);
  show_text_at (c, r->x + (r->width - w) / 2, y - h / 2);
}

/* The connection whose addresses the header shows: that of the first
 * event in view, or else of the latest one above it. */
static guint
header_connection (Ctx *c, guint first, guint end, double y0)
{
  for (guint i = first; i < end; i++)
    {
      const HsDiagramItem *item = hs_diagram_layout_get_item (c->layout, i);

      if (item->connection > 0 && item->bottom >= y0)
        return item->connection;
    }

  /* Bounded, so a long run of listener events cannot make a frame slow. */
  for (guint i = MIN (first, c->n_visible), n = 0; i-- > 0 && n < 4096; n++)
    {
      const HsDiagramItem *item = hs_diagram_layout_get_item (c->layout, i);

      if (item->connection > 0)
        return item->connection;
    }

  return 0;
}

static void
draw_header_box (Ctx *c, HsSide side, const HsAddress *address)
{
  HsDiagramRect r = hs_diagram_layout_get_header_box (c->layout, side);
  const char *name = side == HS_SIDE_CLIENT ? _ ("Client") : _ ("Server");
  g_autofree char *where = address->family != 0 ? hs_address_to_string (address) : g_strdup ("—");
  double pad = BOX_PAD * c->cs;
  double w;
  double h;
  double name_h;

  rounded_rect (c->cr, r.x, r.y, r.width, r.height, 10 * c->cs);
  set_color (c->cr, &c->pal->header_fill, 1.0);
  cairo_fill_preserve (c->cr);
  cairo_set_dash (c->cr, NULL, 0, 0);
  cairo_set_line_width (c->cr, 2.0 * c->cs * c->pal->line_boost);
  set_color (c->cr, &c->pal->header_stroke, 1.0);
  cairo_stroke (c->cr);

  set_text (c, FONT_HEADER, name, r.width - 2 * pad, &w, &name_h);
  set_color (c->cr, &c->pal->foreground, 1.0);
  show_text_at (c, r.x + (r.width - w) / 2, r.y + pad);

  set_text (c, FONT_ADDRESS, where, r.width - 2 * pad, &w, &h);
  set_color (c->cr, &c->pal->muted, 1.0);
  show_text_at (c, r.x + (r.width - w) / 2, r.y + pad + name_h);
}

static void
draw_legend (Ctx *c, const HsDiagramRect *box)
{
  HsDiagramRect r = *box;
  double pad = BOX_PAD * c->cs;
  double row = (r.height - 2 * pad) / 3;
  double sample = LEGEND_SAMPLE * c->cs;
  double saved_s = c->s;
  double saved_lw = c->lw;
  double col2 = r.x + r.width / 2 + pad / 2;
  static const HsProvenance provenances[] = { HS_PROVENANCE_CAPTURED, HS_PROVENANCE_INFERRED,
                                              HS_PROVENANCE_SIMULATED };
  static const HsStateSource sources[] = { HS_STATE_SOURCE_KERNEL, HS_STATE_SOURCE_INFERRED,
                                           HS_STATE_SOURCE_MODEL };
  const char *line_words[] = { _ ("captured"), _ ("inferred"), _ ("simulated") };
  const char *pill_words[] = { _ ("kernel state"), _ ("inferred state"), _ ("model state") };
  double text_room = r.width / 2 - sample - 2.5 * pad;

  /* The samples are drawn by the same helpers as the diagram, at the
   * legend's scale. */
  c->s = c->cs;
  c->lw = LINE_WIDTH * c->cs * c->pal->line_boost;

  rounded_rect (c->cr, r.x, r.y, r.width, r.height, 8 * c->s);
  set_color (c->cr, &c->pal->panel_fill, 1.0);
  cairo_fill_preserve (c->cr);
  cairo_set_dash (c->cr, NULL, 0, 0);
  cairo_set_line_width (c->cr, 1.5 * c->s * c->pal->line_boost);
  set_color (c->cr, &c->pal->panel_stroke, 1.0);
  cairo_stroke (c->cr);

  for (guint i = 0; i < 3; i++)
    {
      double y = r.y + pad + row * i + row / 2;
      double x = r.x + pad;
      double w;
      double h;

      cairo_set_line_width (c->cr, c->lw);
      set_provenance_dash (c, provenances[i], c->lw);
      set_color (c->cr, &c->pal->foreground, 1.0);
      cairo_move_to (c->cr, x, y);
      cairo_line_to (c->cr, x + sample - 10 * c->s, y);
      cairo_stroke (c->cr);
      draw_arrowhead (c, x + sample, y, 1, 0, provenances[i], &c->pal->foreground, 1.0);

      set_text (c, FONT_LEGEND, line_words[i], text_room, &w, &h);
      set_color (c->cr, &c->pal->foreground, 1.0);
      show_text_at (c, x + sample + pad / 2, y - h / 2);

      draw_pill_shape (c, col2, y - row * 0.3, sample, row * 0.6, PILL_HANDSHAKE, sources[i], 1.0);
      set_text (c, FONT_LEGEND, pill_words[i], text_room, &w, &h);
      set_color (c->cr, &c->pal->foreground, 1.0);
      show_text_at (c, col2 + sample + pad / 2, y - h / 2);
    }

  c->s = saved_s;
  c->lw = saved_lw;
}

static void
draw_header (Ctx *c, guint connection_id)
{
  const HsTraceConnection *connection = hs_trace_get_connection (c->trace, connection_id);
  const HsTraceConnection *listener = hs_trace_get_connection (c->trace, 0);
  const HsAddress *server =
      connection->server.family != 0 ? &connection->server : &listener->server;
  double band = hs_diagram_layout_get_header_band (c->layout);

  cairo_rectangle (c->cr, 0, 0, c->view->width, band);
  set_color (c->cr, &c->pal->background, 1.0);
  cairo_fill (c->cr);

  cairo_set_dash (c->cr, NULL, 0, 0);
  cairo_set_line_width (c->cr, 1.0 * c->s * c->pal->line_boost);
  set_color (c->cr, &c->pal->panel_stroke, 1.0);
  cairo_move_to (c->cr, 0, band - 0.5);
  cairo_line_to (c->cr, c->view->width, band - 0.5);
  cairo_stroke (c->cr);

  draw_header_box (c, HS_SIDE_CLIENT, &connection->client);
  draw_header_box (c, HS_SIDE_SERVER, server);

  {
    gboolean sticky;
    HsDiagramRect legend = hs_diagram_layout_get_legend_box (c->layout, &sticky);

    if (sticky)
      draw_legend (c, &legend);
  }
}

static void
measure_metrics (PangoContext *context, const char *family, HsDiagramMetrics *m)
{
  g_autoptr (PangoLayout) layout = pango_layout_new (context);
  PangoFontDescription *fonts[N_FONTS];
  const char *line_words[] = { _ ("captured"), _ ("inferred"), _ ("simulated") };
  const char *pill_words[] = { _ ("kernel state"), _ ("inferred state"), _ ("model state") };
  double w;
  double h;
  double h2;
  double widest;

  for (guint i = 0; i < N_FONTS; i++)
    fonts[i] = make_font (family, i, 1.0);

  m->gap = GAP;

  measure_text (layout, fonts[FONT_TITLE], "SYN, ACK seq=y ack=x+1 Ag", NULL, &h);
  m->title_height = ceil (h);
  measure_text (layout, fonts[FONT_DETAIL], "x = 2929945620 · win Ag", NULL, &h);
  m->detail_height = ceil (h);

  widest = 0;
  for (HsTcpState s = HS_TCP_STATE_CLOSED; s < HS_TCP_STATE_N_STATES; s++)
    {
      measure_text (layout, fonts[FONT_PILL], hs_tcp_state_to_string (s), &w, &h);
      widest = MAX (widest, w);
    }
  m->pill_width = ceil (widest + 2 * PILL_PAD_X);
  m->pill_height = ceil (h + 2 * PILL_PAD_Y);

  measure_text (layout, fonts[FONT_NOTE], "connect() to 127.0.0.1:5005", &w, &h);
  m->note_width = ceil (w + 2 * NOTE_PAD_X);
  m->note_height = ceil (h + 2 * NOTE_PAD_Y);

  measure_text (layout, fonts[FONT_ERROR], "Connection refused", NULL, &h);
  m->error_height = ceil (h + 2 * BOX_PAD);

  measure_text (layout, fonts[FONT_SEPARATOR], "connection 1", NULL, &h);
  m->separator_height = ceil (h + 8);

  measure_text (layout, fonts[FONT_HEADER], _ ("Client"), &w, &h);
  widest = w;
  measure_text (layout, fonts[FONT_HEADER], _ ("Server"), &w, &h);
  widest = MAX (widest, w);
  measure_text (layout, fonts[FONT_ADDRESS], "000.000.000.000:00000", &w, &h2);
  widest = MAX (widest, w);
  m->header_width = ceil (widest + 2 * BOX_PAD);
  m->header_height = ceil (h + h2 + 2 * BOX_PAD);

  widest = 0;
  for (guint i = 0; i < 3; i++)
    {
      measure_text (layout, fonts[FONT_LEGEND], line_words[i], &w, &h);
      widest = MAX (widest, w);
      measure_text (layout, fonts[FONT_LEGEND], pill_words[i], &w, &h);
      widest = MAX (widest, w);
    }
  /* Two columns of a sample and its words; three rows. */
  m->legend_width = ceil (2 * (LEGEND_SAMPLE + widest) + 5 * BOX_PAD + 8);
  m->legend_height = ceil (3 * (h + 8) + 2 * BOX_PAD);

  for (guint i = 0; i < N_FONTS; i++)
    pango_font_description_free (fonts[i]);
}

void
hs_diagram_metrics_measure (const char *font_family, HsDiagramMetrics *metrics)
{
  PangoContext *context;

  g_return_if_fail (metrics != NULL);

  context = pango_font_map_create_context (pango_cairo_font_map_get_default ());
  measure_metrics (context, font_family != NULL ? font_family : HS_DIAGRAM_FONT_FAMILY, metrics);
  g_object_unref (context);
}

void
hs_diagram_view_init (HsDiagramView *view, double width, double height)
{
  g_return_if_fail (view != NULL);

  *view = (HsDiagramView){ 0 };
  view->width = width;
  view->height = height;
  view->label_style = HS_LABEL_STYLE_SYMBOLIC;
  view->palette = HS_DIAGRAM_PALETTE_LIGHT;
  view->font_scale = 1.0;
  view->now_us = -1;
}

void
hs_diagram_prepare_layout (HsDiagramLayout *layout, HsTrace *trace, const HsDiagramView *view)
{
  const char *family;

  g_return_if_fail (layout != NULL);
  g_return_if_fail (HS_IS_TRACE (trace));
  g_return_if_fail (view != NULL);

  family = view->font_family != NULL ? view->font_family : HS_DIAGRAM_FONT_FAMILY;
  if (g_strcmp0 (hs_diagram_layout_get_metrics_tag (layout), family) != 0)
    {
      HsDiagramMetrics metrics;

      hs_diagram_metrics_measure (family, &metrics);
      hs_diagram_layout_set_metrics (layout, &metrics);
      hs_diagram_layout_set_metrics_tag (layout, family);
    }

  hs_diagram_layout_set_width (layout, view->width);
  hs_diagram_layout_set_font_scale (layout, view->font_scale > 0 ? view->font_scale : 1.0);
  hs_diagram_layout_update (layout, trace);
}

static void
draw_internal (cairo_t *cr,
               HsDiagramLayout *layout,
               HsTrace *trace,
               const HsDiagramView *view,
               GString *svg_text)
{
  Ctx ctx = { 0 };
  Ctx *c = &ctx;
  const char *family;
  double band;
  double y0;
  double y1;
  guint first = 0;
  guint end = 0;
  guint connection;

  hs_diagram_prepare_layout (layout, trace, view);

  family = view->font_family != NULL ? view->font_family : HS_DIAGRAM_FONT_FAMILY;
  c->family = family;
  c->svg_text = svg_text;
  c->cr = cr;
  c->trace = trace;
  c->layout = layout;
  c->view = view;
  c->pal = get_palette (view->palette);
  c->s = hs_diagram_layout_get_font_scale (layout);
  c->cs = hs_diagram_layout_get_chrome_scale (layout);
  c->lw = LINE_WIDTH * c->s * c->pal->line_boost;
  c->context = pango_cairo_create_context (cr);
  c->text = pango_layout_new (c->context);
  for (guint i = 0; i < N_FONTS; i++)
    {
      gboolean chrome = i == FONT_HEADER || i == FONT_ADDRESS || i == FONT_LEGEND;

      c->font_scale[i] = chrome ? c->cs : c->s;
      c->fonts[i] = make_font (family, i, c->font_scale[i]);
    }

  c->n_visible = hs_diagram_layout_get_n_items (layout);
  c->current = G_MAXUINT;
  if (view->playback != NULL)
    {
      c->n_visible = MIN (c->n_visible, hs_playback_get_n_visible (view->playback));
      c->current = hs_playback_get_current (view->playback);
    }

  band = hs_diagram_layout_get_header_band (layout);

  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, view->width, view->height);
  cairo_clip (cr);
  set_color (cr, &c->pal->background, 1.0);
  cairo_paint (cr);

  cairo_translate (cr, -view->x, -view->y);

  /* The lifelines run from under the header to the bottom of the view. */
  cairo_set_line_width (cr, LIFELINE_WIDTH * c->s * c->pal->line_boost);
  cairo_set_dash (cr, NULL, 0, 0);
  set_color (cr, &c->pal->lifeline, 1.0);
  for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
    {
      double x = hs_diagram_layout_get_lifeline_x (layout, side);

      cairo_move_to (cr, x, view->y + band);
      cairo_line_to (cr, x, view->y + view->height);
    }
  cairo_stroke (cr);

  /* A legend too big for the header opens the content instead. */
  {
    gboolean sticky;
    HsDiagramRect legend = hs_diagram_layout_get_legend_box (layout, &sticky);

    if (!sticky && legend.y + legend.height >= view->y + band && legend.y <= view->y + view->height)
      draw_legend (c, &legend);
  }

  /* A little slack for line widths and arrowheads past the boxes. */
  y0 = view->y + band;
  y1 = view->y + view->height;
  if (c->n_visible > 0 &&
      hs_diagram_layout_find_range (layout, y0 - 4 * GAP * c->s, y1 + 4 * GAP * c->s, &first, &end))
    {
      end = MIN (end, c->n_visible);

      /* The current event's highlight goes under everything. */
      if (c->current >= first && c->current < end)
        draw_highlight (c, hs_diagram_layout_get_item (layout, c->current));

      draw_countdowns (c, y0, y1, FALSE);

      /* Arrows, separators and errors first, pills and notes over them. */
      for (guint pass = 0; pass < 2; pass++)
        {
          for (guint i = first; i < end; i++)
            {
              const HsDiagramItem *item = hs_diagram_layout_get_item (layout, i);
              const HsEvent *event;
              double progress;

              if (item->bottom < y0 - 4 * GAP * c->s || item->top > y1 + 4 * GAP * c->s)
                continue;

              event = hs_trace_get_event (trace, i);
              progress =
                  view->playback != NULL ? hs_playback_get_progress (view->playback, i) : 1.0;

              if (pass == 0)
                {
                  if (item->has_separator)
                    draw_separator (c, item);
                  if (event->kind == HS_EVENT_SEGMENT)
                    draw_segment (c, item, event, progress);
                  else if (event->kind == HS_EVENT_ERROR)
                    draw_error (c, item, event, progress);
                }
              else if (event->kind == HS_EVENT_STATE)
                draw_state (c, item, event, progress);
              else if (event->kind == HS_EVENT_APP)
                draw_note (c, item, event, progress);
            }
        }

      draw_countdowns (c, y0, y1, TRUE);
    }

  cairo_restore (cr);

  connection = header_connection (c, first, end, y0);
  cairo_save (cr);
  draw_header (c, connection);
  cairo_restore (cr);

  for (guint i = 0; i < N_FONTS; i++)
    pango_font_description_free (c->fonts[i]);
  g_object_unref (c->text);
  g_object_unref (c->context);
}

void
hs_diagram_draw (cairo_t *cr, HsDiagramLayout *layout, HsTrace *trace, const HsDiagramView *view)
{
  g_return_if_fail (cr != NULL);
  g_return_if_fail (layout != NULL);
  g_return_if_fail (HS_IS_TRACE (trace));
  g_return_if_fail (view != NULL);
  g_return_if_fail (view->playback == NULL || HS_IS_PLAYBACK (view->playback));

  draw_internal (cr, layout, trace, view, NULL);
}

/* Adds the collected <text> elements to the SVG cairo wrote, on top of its
 * shapes. */
static gboolean
add_svg_text (const char *path, GString *svg_text, GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr (GString) out = NULL;
  GError *local_error = NULL;
  const char *end;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    goto failed;

  end = g_strrstr (contents, "</svg>");
  if (end == NULL)
    {
      g_set_error (error, HS_DIAGRAM_ERROR, HS_DIAGRAM_ERROR_WRITE,
                   _ ("Could not write “%s”: the SVG is incomplete"), path);
      return FALSE;
    }

  out = g_string_new_len (contents, end - contents);
  g_string_append (out, "<g id=\"text\">\n");
  g_string_append_len (out, svg_text->str, svg_text->len);
  g_string_append (out, "</g>\n");
  g_string_append (out, end);

  if (g_file_set_contents (path, out->str, out->len, &local_error))
    return TRUE;

failed:
  g_set_error (error, HS_DIAGRAM_ERROR, HS_DIAGRAM_ERROR_WRITE, _ ("Could not write “%s”: %s"),
               path, local_error->message);
  g_error_free (local_error);
  return FALSE;
}

/* Where to cut a tall diagram into pages: between two events, as low as
 * possible above @limit, but below @above. Returns @limit when no event
 * boundary fits. */
static double
find_page_break (HsDiagramLayout *layout, double above, double limit)
{
  guint first;
  guint end;
  double best = -1;
  double running = 0;

  if (!hs_diagram_layout_find_range (layout, above, limit, &first, &end))
    return limit;

  /* Every item before @first ends above @above (that is how the range
   * was found), so the running bottom can start from the range. */
  for (guint i = first; i + 1 < hs_diagram_layout_get_n_items (layout) && i < end; i++)
    {
      const HsDiagramItem *next = hs_diagram_layout_get_item (layout, i + 1);

      running = MAX (running, hs_diagram_layout_get_item (layout, i)->bottom);
      if (running > limit)
        break;
      if (next->top > running && running > above)
        best = (running + MIN (next->top, limit)) / 2;
    }

  return best > 0 ? best : limit;
}

static gboolean
check_status (cairo_status_t status, const char *path, GError **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;

  g_set_error (error, HS_DIAGRAM_ERROR, HS_DIAGRAM_ERROR_WRITE, _ ("Could not write “%s”: %s"),
               path, cairo_status_to_string (status));
  return FALSE;
}

gboolean
hs_diagram_export (HsTrace *trace,
                   HsLabelStyle style,
                   HsDiagramPalette palette,
                   double font_scale,
                   const char *format,
                   const char *path,
                   int width,
                   GError **error)
{
  g_autoptr (HsDiagramLayout) layout = NULL;
  HsDiagramView view;
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;
  double height;

  g_return_val_if_fail (HS_IS_TRACE (trace), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (format == NULL || (g_strcmp0 (format, "png") != 0 && g_strcmp0 (format, "svg") != 0 &&
                         g_strcmp0 (format, "pdf") != 0))
    {
      g_set_error (error, HS_DIAGRAM_ERROR, HS_DIAGRAM_ERROR_FORMAT,
                   _ ("Unknown diagram format “%s”: use png, svg or pdf."),
                   format != NULL ? format : "");
      return FALSE;
    }

  if (width < 320 || width > 16384)
    {
      g_set_error (error, HS_DIAGRAM_ERROR, HS_DIAGRAM_ERROR_TOO_LARGE,
                   _ ("A diagram must be between 320 and 16384 pixels wide, not %d."), width);
      return FALSE;
    }

  hs_diagram_view_init (&view, width, 0);
  view.label_style = style;
  view.palette = palette;
  view.font_scale = font_scale > 0 ? font_scale : 1.0;

  layout = hs_diagram_layout_new ();
  hs_diagram_prepare_layout (layout, trace, &view);
  height = ceil (hs_diagram_layout_get_height (layout, G_MAXUINT));
  view.height = height;

  if (g_strcmp0 (format, "png") == 0)
    {
      if (height > MAX_IMAGE_SIZE)
        {
          g_set_error (error, HS_DIAGRAM_ERROR, HS_DIAGRAM_ERROR_TOO_LARGE,
                       _ ("The diagram is %.0f pixels tall, more than a PNG image can hold "
                          "(%d): export it as SVG or PDF instead."),
                       height, MAX_IMAGE_SIZE);
          return FALSE;
        }

      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, (int) height);
      cr = cairo_create (surface);
      hs_diagram_draw (cr, layout, trace, &view);
      cairo_destroy (cr);
      status = cairo_surface_write_to_png (surface, path);
      cairo_surface_destroy (surface);
      return check_status (status, path, error);
    }

  if (g_strcmp0 (format, "svg") == 0)
    {
      g_autoptr (GString) svg_text = g_string_new (NULL);

      surface = cairo_svg_surface_create (path, width, height);
      cr = cairo_create (surface);
      draw_internal (cr, layout, trace, &view, svg_text);
      cairo_destroy (cr);
      cairo_surface_finish (surface);
      status = cairo_surface_status (surface);
      cairo_surface_destroy (surface);
      if (!check_status (status, path, error))
        return FALSE;
      return add_svg_text (path, svg_text, error);
    }

  /* PDF: one page when the diagram is not much taller than wide; else pages
   * of A4 proportions, cut between events, each with the header. */
  {
    double page = ceil (width * 1.4142);
    double band = hs_diagram_layout_get_header_band (layout);
    double y = 0;

    if (height <= 2.0 * width)
      page = height;

    surface = cairo_pdf_surface_create (path, width, MIN (page, height));
    cr = cairo_create (surface);
    while (TRUE)
      {
        double cut = y + page >= height ? height : find_page_break (layout, y + band, y + page);

        view.y = y;
        view.height = cut - y;
        cairo_pdf_surface_set_size (surface, width, view.height);
        hs_diagram_draw (cr, layout, trace, &view);
        cairo_show_page (cr);

        if (cut >= height)
          break;
        /* The next page starts with the header over the content above the
         * cut, so the cut lands just under it. */
        y = MAX (cut - band, y + 1);
      }
    cairo_destroy (cr);
    cairo_surface_finish (surface);
    status = cairo_surface_status (surface);
    cairo_surface_destroy (surface);
    return check_status (status, path, error);
  }
}
