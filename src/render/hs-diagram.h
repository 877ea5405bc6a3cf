/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>
#include <glib-object.h>

#include "hs-diagram-layout.h"
#include "hs-labels.h"
#include "hs-playback.h"
#include "hs-trace.h"

G_BEGIN_DECLS

/* The text fonts, in order of preference; Pango falls back per glyph, so
 * zh_CN text finds Noto Sans CJK. */
#define HS_DIAGRAM_FONT_FAMILY "Cantarell, Noto Sans, Noto Sans CJK SC, sans"

typedef enum
{
  HS_DIAGRAM_PALETTE_SYSTEM, /* resolved by the UI from the desktop style; drawn as light */
  HS_DIAGRAM_PALETTE_LIGHT,
  HS_DIAGRAM_PALETTE_DARK,
  HS_DIAGRAM_PALETTE_HIGH_CONTRAST,
  HS_DIAGRAM_PALETTE_HIGH_CONTRAST_DARK,
} HsDiagramPalette;

#define HS_TYPE_DIAGRAM_PALETTE (hs_diagram_palette_get_type ())
/* clang-format off */
GType       hs_diagram_palette_get_type  (void) G_GNUC_CONST;

/* "light", "dark", "high-contrast", "high-contrast-dark" (and "system"). */
const char *hs_diagram_palette_to_string (HsDiagramPalette palette);
gboolean    hs_diagram_palette_parse     (const char       *name,
                                          HsDiagramPalette *palette);
/* clang-format on */

typedef struct
{
  /* The viewport: the content point drawn at the target's (0, 0), and the
   * size of the area to fill, in pixels. */
  double x;
  double y;
  double width;
  double height;

  /* Which events are shown and how far each has played; NULL shows the
   * whole trace, fully played. */
  HsPlayback *playback;

  HsLabelStyle label_style;
  HsDiagramPalette palette;
  double font_scale;       /* 1 is sized for a projector at 1920×1080 */
  const char *font_family; /* NULL for HS_DIAGRAM_FONT_FAMILY */

  /* The TIME_WAIT countdown of an end still in TIME_WAIT at the moment
   * shown. Live, @time_wait_left (when set) gives the time left on the
   * kernel's or the model's timer in µs, or -1 when it does not know;
   * otherwise the time left is 2 × MSL minus the time since the end entered
   * TIME_WAIT, on the trace's clock, at @now_us (or, when @now_us is
   * negative, at the last event shown: a replay, an export). */
  gint64 (*time_wait_left) (guint connection, HsSide side, gpointer user_data);
  gpointer time_wait_data;
  gint64 now_us;
} HsDiagramView;

/* clang-format off */
/* Symbolic labels, light palette, font scale 1, whole trace. */
void hs_diagram_view_init       (HsDiagramView *view,
                                 double         width,
                                 double         height);

/* Measures the text of the diagram in @font_family (NULL for the default)
 * at font scale 1. */
void hs_diagram_metrics_measure (const char       *font_family,
                                 HsDiagramMetrics *metrics);

/* Brings @layout up to date for @view: width, font scale, metrics (measured
 * once per font family) and the events of @trace added since. Callers that
 * need the layout's height before drawing call this; hs_diagram_draw() does
 * it too. */
void hs_diagram_prepare_layout  (HsDiagramLayout     *layout,
                                 HsTrace             *trace,
                                 const HsDiagramView *view);

/* Draws the part of the diagram in @view's viewport onto @cr, at (0, 0):
 * the background, lifelines, the visible events (only those intersecting
 * the viewport are touched) and the sticky header with the legend. */
void hs_diagram_draw            (cairo_t             *cr,
                                 HsDiagramLayout     *layout,
                                 HsTrace             *trace,
                                 const HsDiagramView *view);
/* clang-format on */

#define HS_DIAGRAM_ERROR (hs_diagram_error_quark ())

typedef enum
{
  HS_DIAGRAM_ERROR_FORMAT, /* not png, svg or pdf */
  HS_DIAGRAM_ERROR_TOO_LARGE,
  HS_DIAGRAM_ERROR_WRITE,
} HsDiagramError;

/* clang-format off */
GQuark   hs_diagram_error_quark (void);

/* Writes the whole trace, fully played, as "png", "svg" or "pdf" to @path,
 * @width pixels (PDF: points) wide and as tall as the layout needs. A PDF is
 * cut into pages between events, each with the header repeated; a PNG taller
 * than cairo's limit (32767 px) is an error that suggests SVG or PDF. */
gboolean hs_diagram_export      (HsTrace           *trace,
                                 HsLabelStyle       style,
                                 HsDiagramPalette   palette,
                                 double             font_scale,
                                 const char        *format,
                                 const char        *path,
                                 int                width,
                                 GError           **error);
/* clang-format on */

G_END_DECLS
