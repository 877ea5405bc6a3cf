/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-diagram-layout"

#include "config.h"

#include "hs-diagram-layout.h"

#include <string.h>

/* Where a dropped segment falls and a held one waits, along its path. */
#define DROP_REACH 0.6
#define HOLD_REACH 0.5

typedef struct
{
  double point[2]; /* the latest segment point of each side, by HsSide */
  gboolean known[2];
} ConnectionAnchor;

/* Width between the lifelines (at font scale 1) that a typical arrow label,
 * "SYN, ACK seq=y ack=x+1", needs at full size. */
#define LABEL_ROOM 420.0

struct _HsDiagramLayout
{
  HsDiagramMetrics metrics;
  char *metrics_tag;
  double width;
  double font_scale;

  HsTrace *trace; /* not a reference: only compared, never used after update */
  gboolean dirty;

  GArray *items;       /* HsDiagramItem */
  GArray *max_bottom;  /* double: max bottom of items [0, i] */
  GArray *min_top;     /* double: min top of items [i, n) */
  GArray *anchors;     /* ConnectionAnchor, by connection id */
  GArray *countdowns;  /* HsDiagramCountdown, in trace order */
  GArray *max_reach;   /* double: max bottom of countdowns [0, i] */
  GHashTable *running; /* 2 × connection + side + 1 → countdown index + 1 */

  /* Derived geometry, valid once laid out. */
  double gap;
  double lifeline[2];
  double band;
  double content_top;
  HsDiagramRect header[2];
  HsDiagramRect legend;
  gboolean legend_sticky;

  /* The cursor: how far down each column is taken. */
  double center_bottom;  /* between the lifelines */
  double side_bottom[2]; /* the outer columns of pills and notes */
  double side_time[2];   /* the latest segment point on each lifeline */
  double now;            /* the anchor of the previous event: never goes up */
  guint newest_connection;
};

void
hs_diagram_metrics_init_default (HsDiagramMetrics *metrics)
{
  g_return_if_fail (metrics != NULL);

  metrics->gap = 12;
  metrics->title_height = 38;
  metrics->detail_height = 24;
  metrics->pill_width = 180;
  metrics->pill_height = 36;
  metrics->note_width = 240;
  metrics->note_height = 30;
  metrics->error_height = 56;
  metrics->separator_height = 36;
  metrics->header_width = 300;
  metrics->header_height = 96;
  metrics->legend_width = 440;
  metrics->legend_height = 96;
}

HsDiagramLayout *
hs_diagram_layout_new (void)
{
  HsDiagramLayout *self = g_new0 (HsDiagramLayout, 1);

  hs_diagram_metrics_init_default (&self->metrics);
  self->width = 1280;
  self->font_scale = 1.0;
  self->dirty = TRUE;
  self->items = g_array_new (FALSE, TRUE, sizeof (HsDiagramItem));
  self->max_bottom = g_array_new (FALSE, FALSE, sizeof (double));
  self->min_top = g_array_new (FALSE, FALSE, sizeof (double));
  self->anchors = g_array_new (FALSE, TRUE, sizeof (ConnectionAnchor));
  self->countdowns = g_array_new (FALSE, TRUE, sizeof (HsDiagramCountdown));
  self->max_reach = g_array_new (FALSE, FALSE, sizeof (double));
  self->running = g_hash_table_new (NULL, NULL);

  return self;
}

void
hs_diagram_layout_free (HsDiagramLayout *self)
{
  if (self == NULL)
    return;

  g_array_unref (self->items);
  g_array_unref (self->max_bottom);
  g_array_unref (self->min_top);
  g_array_unref (self->anchors);
  g_array_unref (self->countdowns);
  g_array_unref (self->max_reach);
  g_hash_table_unref (self->running);
  g_free (self->metrics_tag);
  g_free (self);
}

void
hs_diagram_layout_set_metrics (HsDiagramLayout *self, const HsDiagramMetrics *metrics)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (metrics != NULL);

  if (memcmp (&self->metrics, metrics, sizeof *metrics) == 0)
    return;

  self->metrics = *metrics;
  self->dirty = TRUE;
}

const HsDiagramMetrics *
hs_diagram_layout_get_metrics (HsDiagramLayout *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->metrics;
}

const char *
hs_diagram_layout_get_metrics_tag (HsDiagramLayout *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->metrics_tag;
}

void
hs_diagram_layout_set_metrics_tag (HsDiagramLayout *self, const char *tag)
{
  g_return_if_fail (self != NULL);

  if (g_strcmp0 (self->metrics_tag, tag) == 0)
    return;

  g_free (self->metrics_tag);
  self->metrics_tag = g_strdup (tag);
}

void
hs_diagram_layout_set_width (HsDiagramLayout *self, double width)
{
  g_return_if_fail (self != NULL);

  width = MAX (width, 1.0);
  if (width == self->width)
    return;

  self->width = width;
  self->dirty = TRUE;
}

double
hs_diagram_layout_get_width (HsDiagramLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->width;
}

void
hs_diagram_layout_set_font_scale (HsDiagramLayout *self, double font_scale)
{
  g_return_if_fail (self != NULL);

  font_scale = CLAMP (font_scale, 0.25, 8.0);
  if (font_scale == self->font_scale)
    return;

  self->font_scale = font_scale;
  self->dirty = TRUE;
}

double
hs_diagram_layout_get_font_scale (HsDiagramLayout *self)
{
  g_return_val_if_fail (self != NULL, 1.0);

  return self->font_scale;
}

void
hs_diagram_layout_invalidate (HsDiagramLayout *self)
{
  g_return_if_fail (self != NULL);

  self->dirty = TRUE;
}

/* The fixed geometry: lifelines, header boxes, legend. */
static void
compute_frame (HsDiagramLayout *self)
{
  const HsDiagramMetrics *m = &self->metrics;
  double s = self->font_scale;
  double cs = MIN (s, HS_DIAGRAM_CHROME_SCALE_MAX);
  double g = m->gap * s;
  double margin = 2 * g;
  double outer = MAX (m->pill_width, m->note_width) * s;
  double header_w = m->header_width * cs;
  double header_h = m->header_height * cs;
  double legend_w = m->legend_width * cs;
  double legend_h = m->legend_height * cs;
  double left;
  double between;

  /* Narrow windows give up some of the outer columns (notes get
   * ellipsized, state names shrink) before the space between the
   * lifelines, where the labels are: that space keeps room for a typical
   * label at this type size, as long as each outer column keeps a fifth of
   * the width (a projector at 1024×768 with big type). */
  outer = MIN (outer, self->width * 0.28);
  outer = MIN (outer, MAX (self->width * 0.2, (self->width - LABEL_ROOM * s) / 2 - margin - g / 2));
  left = margin + outer + g / 2;
  if (self->width - 2 * left < self->width * 0.3)
    left = self->width * 0.35;

  self->gap = g;
  self->lifeline[HS_SIDE_CLIENT] = left;
  self->lifeline[HS_SIDE_SERVER] = self->width - left;

  header_w = MIN (header_w, (self->width - 3 * g) / 2);
  for (guint side = 0; side < 2; side++)
    {
      double x = self->lifeline[side] - header_w / 2;

      /* Centred on its lifeline where there is room; otherwise pushed
       * outwards, so that the two boxes never overlap. */
      if (side == HS_SIDE_CLIENT)
        x = MIN (x, (self->width - g) / 2 - header_w);
      else
        x = MAX (x, (self->width + g) / 2);
      x = CLAMP (x, g, MAX (g, self->width - g - header_w));
      self->header[side] = (HsDiagramRect){ x, g, header_w, header_h };
    }

  between = self->header[HS_SIDE_SERVER].x - (self->header[HS_SIDE_CLIENT].x + header_w);
  legend_w = MIN (legend_w, self->width - 2 * g);
  if (legend_w + 2 * g <= between)
    {
      /* The legend fits between the two boxes and stays in view. */
      self->legend_sticky = TRUE;
      self->legend =
          (HsDiagramRect){ (self->width - legend_w) / 2,
                           g + (MAX (header_h, legend_h) - legend_h) / 2, legend_w, legend_h };
      self->band = g + MAX (header_h, legend_h) + g;
      self->content_top = self->band;
    }
  else
    {
      /* Big type or a narrow window: a sticky legend would take too much of
       * the screen, so it opens the content and scrolls away. */
      self->legend_sticky = FALSE;
      self->band = g + header_h + g;
      self->legend =
          (HsDiagramRect){ (self->width - legend_w) / 2, self->band + g, legend_w, legend_h };
      self->content_top = self->legend.y + legend_h;
    }
}

static void
reset (HsDiagramLayout *self)
{
  g_array_set_size (self->items, 0);
  g_array_set_size (self->max_bottom, 0);
  g_array_set_size (self->min_top, 0);
  g_array_set_size (self->anchors, 0);
  g_array_set_size (self->countdowns, 0);
  g_array_set_size (self->max_reach, 0);
  g_hash_table_remove_all (self->running);

  compute_frame (self);

  self->center_bottom = self->content_top;
  self->side_bottom[0] = self->side_bottom[1] = self->content_top;
  self->side_time[0] = self->side_time[1] = self->content_top;
  self->now = self->content_top;
  self->newest_connection = 0;
  self->dirty = FALSE;
}

static ConnectionAnchor *
get_anchor (HsDiagramLayout *self, guint connection)
{
  if (connection >= self->anchors->len)
    g_array_set_size (self->anchors, connection + 1);
  return &g_array_index (self->anchors, ConnectionAnchor, connection);
}

/* The box of a pill or note against @side's lifeline, on the outer side. */
static HsDiagramRect
outer_box (HsDiagramLayout *self, HsSide side, double width, double center_y, double height)
{
  double g = self->gap;
  double x = self->lifeline[side];
  double room = side == HS_SIDE_CLIENT ? x - g / 2 - g : self->width - g - (x + g / 2);

  width = MIN (width, MAX (room, g));
  if (side == HS_SIDE_CLIENT)
    return (HsDiagramRect){ x - g / 2 - width, center_y - height / 2, width, height };
  return (HsDiagramRect){ x + g / 2, center_y - height / 2, width, height };
}

static void
open_connection (HsDiagramLayout *self, HsDiagramItem *item)
{
  const HsDiagramMetrics *m = &self->metrics;
  double g = self->gap;
  double top = MAX (self->now, self->center_bottom);
  double height = m->separator_height * self->font_scale;

  top = MAX (top, MAX (self->side_bottom[0], self->side_bottom[1])) + g;

  item->has_separator = TRUE;
  item->separator = (HsDiagramRect){ g, top, self->width - 2 * g, height };

  self->center_bottom = top + height;
  self->side_bottom[0] = self->side_bottom[1] = top + height;
  self->side_time[0] = self->side_time[1] = top + height;
  self->now = top + height;
}

static void
place_segment (HsDiagramLayout *self, const HsEvent *event, HsDiagramItem *item)
{
  const HsDiagramMetrics *m = &self->metrics;
  double s = self->font_scale;
  double g = self->gap;
  double label_h = (m->title_height + m->detail_height) * s;
  double x_from = self->lifeline[event->side];
  double x_to = self->lifeline[HS_SIDE_OTHER (event->side)];
  double spacing = self->lifeline[HS_SIDE_SERVER] - self->lifeline[HS_SIDE_CLIENT];
  double drop = CLAMP (spacing * 0.07, 3 * g, 8 * g);
  double departure;
  ConnectionAnchor *anchor = get_anchor (self, event->connection);
  HsSide receiver = HS_SIDE_OTHER (event->side);

  /* The label sits right above its arrow, whose highest point is the
   * departure: the arrow slopes down, as time flows. */
  departure = MAX (self->center_bottom + g + label_h + g / 2, self->now + g);

  item->x_from = x_from;
  item->y_from = departure;
  item->x_to = x_to;
  item->y_to = departure + drop;
  item->box = (HsDiagramRect){ self->lifeline[HS_SIDE_CLIENT] + g, departure - g / 2 - label_h,
                               spacing - 2 * g, label_h };

  switch (event->fate)
    {
      case HS_SEGMENT_FATE_DROPPED:
        item->reach = DROP_REACH;
        break;
      case HS_SEGMENT_FATE_HELD:
        item->reach = HOLD_REACH;
        break;
      case HS_SEGMENT_FATE_DELIVERED:
      default:
        item->reach = 1.0;
        break;
    }

  item->top = item->box.y;
  /* Room for the arrowhead, and under a cross for its words. */
  item->bottom = departure + drop * item->reach +
                 (item->reach < 1.0 ? m->detail_height * s / 2 + g / 2 : g / 2);

  self->center_bottom = item->bottom;
  self->side_time[event->side] = departure;
  anchor->point[event->side] = departure;
  anchor->known[event->side] = TRUE;
  if (event->fate == HS_SEGMENT_FATE_DELIVERED)
    {
      self->side_time[receiver] = item->y_to;
      anchor->point[receiver] = item->y_to;
      anchor->known[receiver] = TRUE;
    }
  self->now = departure;
}

static void
place_beside (HsDiagramLayout *self,
              const HsEvent *event,
              HsDiagramItem *item,
              double anchor_y,
              double width,
              double height)
{
  double g = self->gap;
  double y = MAX (anchor_y, self->now);

  /* Pushed down below the previous pill or note of this side. */
  y = MAX (y, self->side_bottom[event->side] + g / 2 + height / 2);

  item->anchor_y = y;
  item->box = outer_box (self, event->side, width, y, height);
  item->top = item->box.y;
  item->bottom = item->box.y + item->box.height;

  self->side_bottom[event->side] = item->bottom;
  self->now = y;
}

static void
place_state (HsDiagramLayout *self, const HsEvent *event, HsDiagramItem *item)
{
  const HsDiagramMetrics *m = &self->metrics;
  double s = self->font_scale;
  ConnectionAnchor *anchor = get_anchor (self, event->connection);
  double y = anchor->known[event->side] ? anchor->point[event->side] : self->now;

  place_beside (self, event, item, y, m->pill_width * s, m->pill_height * s);
}

static void
place_note (HsDiagramLayout *self, const HsEvent *event, HsDiagramItem *item)
{
  const HsDiagramMetrics *m = &self->metrics;
  double s = self->font_scale;

  place_beside (self, event, item, self->side_time[event->side],
                MAX (m->note_width, m->pill_width) * s, m->note_height * s);
}

static void
place_error (HsDiagramLayout *self, const HsEvent *event, HsDiagramItem *item)
{
  const HsDiagramMetrics *m = &self->metrics;
  double g = self->gap;
  double height = m->error_height * self->font_scale;
  double top = MAX (self->center_bottom, self->now) + g;
  double left = self->lifeline[HS_SIDE_CLIENT] + g;

  item->box = (HsDiagramRect){ left, top, self->lifeline[HS_SIDE_SERVER] - g - left, height };
  item->anchor_y = top + height / 2;
  item->top = top;
  item->bottom = top + height;

  self->center_bottom = item->bottom;
  self->now = item->bottom;
}

static void track_countdown (HsDiagramLayout *self,
                             const HsEvent *event,
                             const HsDiagramItem *item);

static void
append_item (HsDiagramLayout *self, const HsEvent *event)
{
  HsDiagramItem item = { 0 };
  guint n;
  double bottom;

  item.kind = event->kind;
  item.side = event->side == HS_SIDE_SERVER ? HS_SIDE_SERVER : HS_SIDE_CLIENT;
  item.connection = event->connection;

  if (event->connection > self->newest_connection)
    {
      self->newest_connection = event->connection;
      open_connection (self, &item);
    }
  else if (event->connection != 0 && event->connection < self->newest_connection)
    item.out_of_band = TRUE;

  switch (event->kind)
    {
      case HS_EVENT_SEGMENT:
        place_segment (self, event, &item);
        break;
      case HS_EVENT_STATE:
        place_state (self, event, &item);
        break;
      case HS_EVENT_APP:
        place_note (self, event, &item);
        break;
      case HS_EVENT_ERROR:
      default:
        place_error (self, event, &item);
        break;
    }

  if (item.has_separator)
    item.top = MIN (item.top, item.separator.y);

  g_array_append_val (self->items, item);
  if (event->kind == HS_EVENT_STATE)
    track_countdown (self, event, &item);

  /* Keep the two search arrays: a running maximum of bottoms (sorted by
   * construction) and a minimum of tops over every suffix (sorted too).
   * Tops are nearly sorted already, so the backward walk stops after a few
   * items. */
  n = self->items->len;
  bottom = item.bottom;
  if (n > 1)
    bottom = MAX (bottom, g_array_index (self->max_bottom, double, n - 2));
  g_array_append_val (self->max_bottom, bottom);

  g_array_append_val (self->min_top, item.top);
  for (guint i = n - 1; i-- > 0;)
    {
      double *top = &g_array_index (self->min_top, double, i);

      if (*top <= item.top)
        break;
      *top = item.top;
    }
}

/* A state event ends the countdown of its end, if one runs, and entering
 * TIME_WAIT starts one. */
static void
track_countdown (HsDiagramLayout *self, const HsEvent *event, const HsDiagramItem *item)
{
  gpointer key = GUINT_TO_POINTER (event->connection * 2 + item->side + 1);
  guint running = GPOINTER_TO_UINT (g_hash_table_lookup (self->running, key));

  if (running > 0)
    {
      HsDiagramCountdown *countdown =
          &g_array_index (self->countdowns, HsDiagramCountdown, running - 1);

      countdown->end = event->index;
      countdown->bottom = MAX (item->anchor_y, countdown->top);
      g_hash_table_remove (self->running, key);

      /* The running maxima from here on no longer reach down forever. Few
       * countdowns start within one's 60 s, so this walk is short. */
      for (guint i = running - 1; i < self->countdowns->len; i++)
        {
          double bottom = g_array_index (self->countdowns, HsDiagramCountdown, i).bottom;

          if (i > 0)
            bottom = MAX (bottom, g_array_index (self->max_reach, double, i - 1));
          g_array_index (self->max_reach, double, i) = bottom;
        }
    }

  if (event->to == HS_TCP_STATE_TIME_WAIT)
    {
      HsDiagramCountdown countdown = { 0 };
      double reach = G_MAXDOUBLE;

      countdown.connection = event->connection;
      countdown.side = item->side;
      countdown.start = event->index;
      countdown.end = G_MAXUINT;
      countdown.x = self->lifeline[item->side];
      countdown.top = item->bottom;
      countdown.bottom = G_MAXDOUBLE;
      g_array_append_val (self->countdowns, countdown);
      g_array_append_val (self->max_reach, reach);
      g_hash_table_insert (self->running, key, GUINT_TO_POINTER (self->countdowns->len));
    }
}

void
hs_diagram_layout_update (HsDiagramLayout *self, HsTrace *trace)
{
  guint n_events;

  g_return_if_fail (self != NULL);
  g_return_if_fail (HS_IS_TRACE (trace));

  n_events = hs_trace_get_n_events (trace);
  if (self->dirty || trace != self->trace || n_events < self->items->len)
    {
      self->trace = trace;
      reset (self);
    }

  for (guint i = self->items->len; i < n_events; i++)
    append_item (self, hs_trace_get_event (trace, i));
}

guint
hs_diagram_layout_get_n_items (HsDiagramLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->items->len;
}

const HsDiagramItem *
hs_diagram_layout_get_item (HsDiagramLayout *self, guint index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->items->len, NULL);

  return &g_array_index (self->items, HsDiagramItem, index);
}

static void
ensure_frame (HsDiagramLayout *self)
{
  /* Getters called before the next update still see the new frame. */
  if (self->dirty)
    compute_frame (self);
}

double
hs_diagram_layout_get_lifeline_x (HsDiagramLayout *self, HsSide side)
{
  g_return_val_if_fail (self != NULL, 0);

  ensure_frame (self);
  return self->lifeline[side == HS_SIDE_SERVER];
}

double
hs_diagram_layout_get_header_band (HsDiagramLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);

  ensure_frame (self);
  return self->band;
}

HsDiagramRect
hs_diagram_layout_get_header_box (HsDiagramLayout *self, HsSide side)
{
  g_return_val_if_fail (self != NULL, (HsDiagramRect){ 0 });

  ensure_frame (self);
  return self->header[side == HS_SIDE_SERVER];
}

HsDiagramRect
hs_diagram_layout_get_legend_box (HsDiagramLayout *self, gboolean *sticky)
{
  g_return_val_if_fail (self != NULL, (HsDiagramRect){ 0 });

  ensure_frame (self);
  if (sticky != NULL)
    *sticky = self->legend_sticky;
  return self->legend;
}

double
hs_diagram_layout_get_chrome_scale (HsDiagramLayout *self)
{
  g_return_val_if_fail (self != NULL, 1.0);

  return MIN (self->font_scale, HS_DIAGRAM_CHROME_SCALE_MAX);
}

double
hs_diagram_layout_get_height (HsDiagramLayout *self, guint n_items)
{
  double bottom;

  g_return_val_if_fail (self != NULL, 0);

  ensure_frame (self);
  n_items = MIN (n_items, self->items->len);
  if (n_items == 0)
    return self->content_top + 2 * self->gap;

  bottom = g_array_index (self->max_bottom, double, n_items - 1);
  return MAX (bottom, self->content_top) + 3 * self->gap;
}

/* The first index in [@from, @n) whose value is at or above @limit
 * (above it, unless @inclusive), the values being sorted doubles every
 * @stride bytes from @values: a binary search. */
static guint
search_sorted (const char *values,
               gsize stride,
               guint from,
               guint n,
               double limit,
               gboolean inclusive)
{
  guint lo = from;
  guint hi = n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      double value = *(const double *) (values + (gsize) mid * stride);

      if (inclusive ? value < limit : value <= limit)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

gboolean
hs_diagram_layout_find_range (HsDiagramLayout *self, double y0, double y1, guint *first, guint *end)
{
  guint n;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (first != NULL && end != NULL, FALSE);

  n = self->max_bottom->len;
  if (n == 0)
    {
      *first = *end = 0;
      return FALSE;
    }
  /* The first item whose running maximum bottom reaches y0: every item
   * before it ends above the range. Then the first item from which every
   * top lies below y1. */
  *first = search_sorted (self->max_bottom->data, sizeof (double), 0, n, y0, TRUE);
  *end =
      search_sorted (self->min_top->data, sizeof (double), *first, self->min_top->len, y1, FALSE);
  return *first < *end;
}

guint
hs_diagram_layout_get_n_countdowns (HsDiagramLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->countdowns->len;
}

const HsDiagramCountdown *
hs_diagram_layout_get_countdown (HsDiagramLayout *self, guint index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->countdowns->len, NULL);

  return &g_array_index (self->countdowns, HsDiagramCountdown, index);
}

guint
hs_diagram_layout_get_n_running (HsDiagramLayout *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return g_hash_table_size (self->running);
}

gboolean
hs_diagram_layout_find_countdowns (HsDiagramLayout *self,
                                   double y0,
                                   double y1,
                                   guint *first,
                                   guint *end)
{
  guint n;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (first != NULL && end != NULL, FALSE);

  n = self->countdowns->len;
  if (n == 0)
    {
      *first = *end = 0;
      return FALSE;
    }
  /* Countdowns start in trace order, so their tops are sorted, and the
   * running maximum of their bottoms is sorted by construction. */
  *first =
      search_sorted (self->max_reach->data, sizeof (double), 0, self->max_reach->len, y0, TRUE);
  *end = search_sorted (self->countdowns->data + G_STRUCT_OFFSET (HsDiagramCountdown, top),
                        sizeof (HsDiagramCountdown), *first, n, y1, FALSE);
  return *first < *end;
}
