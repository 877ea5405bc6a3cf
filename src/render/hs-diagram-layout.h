/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "hs-trace.h"

G_BEGIN_DECLS

/*
 * The geometry of the sequence diagram, apart from any drawing: where the
 * lifelines stand, where each event of a trace goes. Time flows down; every
 * event gets its own place in trace order, so nothing overlaps and the
 * picture reads top to bottom.
 *
 * Text sizes come in through HsDiagramMetrics, measured once by the drawing
 * code (hs_diagram_metrics_measure()) or fixed by a test, so positions are
 * deterministic. Appending events extends the layout in O(new events);
 * changing the width, the font scale or the metrics lays everything out
 * again on the next hs_diagram_layout_update().
 */

#define HS_DIAGRAM_CHROME_SCALE_MAX 1.5

/* Sizes in pixels at font scale 1; the layout multiplies them by the scale
 * (the header's and legend's by the chrome scale). */
typedef struct
{
  double gap;           /* the unit of spacing */
  double title_height;  /* one line of an arrow's main label */
  double detail_height; /* one line of the small text under it */
  double pill_width;    /* the widest state pill */
  double pill_height;
  double note_width; /* room wanted for an application note */
  double note_height;
  double error_height;
  double separator_height;
  double header_width; /* the "Client" / "Server" boxes */
  double header_height;
  double legend_width;
  double legend_height;
} HsDiagramMetrics;

typedef struct
{
  double x;
  double y;
  double width;
  double height;
} HsDiagramRect;

typedef struct
{
  HsEventKind kind;
  HsSide side;
  guint connection;

  /* Everything the event draws lies within [top, bottom]. */
  double top;
  double bottom;

  /* HS_EVENT_SEGMENT: the flight path from the sender's lifeline to the
   * receiver's, and how far along it the segment gets (1 when delivered,
   * less when it was dropped or is held on the wire). */
  double x_from;
  double y_from;
  double x_to;
  double y_to;
  double reach;

  /* The title and detail lines of a segment; the pill of a state change;
   * the note of an application action or an error. A pill or note is drawn
   * against the lifeline side of its box (its right edge on the client's
   * side, its left edge on the server's). */
  HsDiagramRect box;
  double anchor_y; /* a pill's or note's centre line */

  /* A separator ("connection N · client → server") opens the first event of
   * a new connection. */
  gboolean has_separator;
  HsDiagramRect separator;

  /* A state or note of an older connection placed after a newer one began:
   * the drawing says which connection it belongs to. */
  gboolean out_of_band;
} HsDiagramItem;

/* A TIME_WAIT countdown: the bar along an end's lifeline from its
 * TIME_WAIT pill to the state that ended it (CLOSED when 2 × MSL ran out),
 * or on to the bottom of what is shown while it lasts. */
typedef struct
{
  guint connection;
  HsSide side;
  guint start;   /* the index of the state event that entered TIME_WAIT */
  guint end;     /* the index of the next state event of that end, G_MAXUINT while none */
  double x;      /* the lifeline */
  double top;    /* under the TIME_WAIT pill */
  double bottom; /* the ending pill's centre line; G_MAXDOUBLE while it lasts */
} HsDiagramCountdown;

typedef struct _HsDiagramLayout HsDiagramLayout;

/* clang-format off */
/* Fixed metrics roughly those of the default font, for tests and tools. */
void                    hs_diagram_metrics_init_default    (HsDiagramMetrics *metrics);

HsDiagramLayout        *hs_diagram_layout_new              (void);
void                    hs_diagram_layout_free             (HsDiagramLayout *self);

void                    hs_diagram_layout_set_metrics      (HsDiagramLayout        *self,
                                                            const HsDiagramMetrics *metrics);
const HsDiagramMetrics *hs_diagram_layout_get_metrics      (HsDiagramLayout *self);
/* Who measured the metrics (for the drawing code: the font family). */
const char             *hs_diagram_layout_get_metrics_tag  (HsDiagramLayout *self);
void                    hs_diagram_layout_set_metrics_tag  (HsDiagramLayout *self,
                                                            const char      *tag);
void                    hs_diagram_layout_set_width        (HsDiagramLayout *self,
                                                            double           width);
double                  hs_diagram_layout_get_width        (HsDiagramLayout *self);
void                    hs_diagram_layout_set_font_scale   (HsDiagramLayout *self,
                                                            double           font_scale);
double                  hs_diagram_layout_get_font_scale   (HsDiagramLayout *self);

/* Forgets every position; the next update lays the trace out again. */
void                    hs_diagram_layout_invalidate       (HsDiagramLayout *self);
/* Lays out the events of @trace not laid out yet (all of them after a
 * change of trace, width, scale or metrics, or when the trace was cleared). */
void                    hs_diagram_layout_update           (HsDiagramLayout *self,
                                                            HsTrace         *trace);

guint                   hs_diagram_layout_get_n_items      (HsDiagramLayout *self);
const HsDiagramItem    *hs_diagram_layout_get_item         (HsDiagramLayout *self,
                                                            guint            index);

/* The lifelines' x. */
double                  hs_diagram_layout_get_lifeline_x   (HsDiagramLayout *self,
                                                            HsSide           side);
/* The sticky band on top of the viewport: the two header boxes (centred on
 * the lifelines), in viewport coordinates, and the legend between them when
 * it fits (*@sticky TRUE, viewport coordinates). Otherwise the legend opens
 * the content, in content coordinates, and scrolls away. Events start below
 * both. */
double                  hs_diagram_layout_get_header_band  (HsDiagramLayout *self);
HsDiagramRect           hs_diagram_layout_get_header_box   (HsDiagramLayout *self,
                                                            HsSide           side);
HsDiagramRect           hs_diagram_layout_get_legend_box   (HsDiagramLayout *self,
                                                            gboolean        *sticky);
/* The header and legend grow with the font scale only up to
 * HS_DIAGRAM_CHROME_SCALE_MAX: big type is for the events. */
double                  hs_diagram_layout_get_chrome_scale (HsDiagramLayout *self);

/* The height the first @n_items items need (all of them with G_MAXUINT),
 * margins included; at least the header band. */
double                  hs_diagram_layout_get_height       (HsDiagramLayout *self,
                                                            guint            n_items);

/* The items that may intersect [@y0, @y1], as the range
 * [*@first, *@end): found by binary search, so the cost follows what is
 * visible, not the length of the trace. Items in the range still need a
 * check of their own top and bottom. Returns FALSE when the range is empty. */
gboolean                hs_diagram_layout_find_range       (HsDiagramLayout *self,
                                                            double           y0,
                                                            double           y1,
                                                            guint           *first,
                                                            guint           *end);

/* TIME_WAIT countdowns in trace order, kept up to date as events are
 * appended. */
guint                     hs_diagram_layout_get_n_countdowns (HsDiagramLayout *self);
const HsDiagramCountdown *hs_diagram_layout_get_countdown    (HsDiagramLayout *self,
                                                              guint            index);
/* Countdowns that have not ended in the whole trace. */
guint                     hs_diagram_layout_get_n_running    (HsDiagramLayout *self);
/* The countdowns that may intersect [@y0, @y1] (an unended one reaches
 * down without end), as [*@first, *@end), by binary search. */
gboolean                  hs_diagram_layout_find_countdowns  (HsDiagramLayout *self,
                                                              double           y0,
                                                              double           y1,
                                                              guint           *first,
                                                              guint           *end);
/* clang-format on */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HsDiagramLayout, hs_diagram_layout_free)

G_END_DECLS
