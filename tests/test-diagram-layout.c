/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "hs-diagram-layout.h"
#include "hs-fixture-trace.h"

static HsDiagramLayout *
new_layout (double width, double scale)
{
  HsDiagramLayout *layout = hs_diagram_layout_new ();
  HsDiagramMetrics metrics;

  hs_diagram_metrics_init_default (&metrics);
  hs_diagram_layout_set_metrics (layout, &metrics);
  hs_diagram_layout_set_width (layout, width);
  hs_diagram_layout_set_font_scale (layout, scale);
  return layout;
}

static gboolean
rects_overlap (const HsDiagramRect *a, const HsDiagramRect *b)
{
  return a->x < b->x + b->width && b->x < a->x + a->width && a->y < b->y + b->height &&
         b->y < a->y + a->height;
}

/* The area of an item that nothing else may cover: a segment's label and
 * the band its arrow crosses, a pill, a note, an error. */
static HsDiagramRect
solid_rect (HsDiagramLayout *layout, const HsDiagramItem *item)
{
  if (item->kind == HS_EVENT_SEGMENT)
    {
      double left = hs_diagram_layout_get_lifeline_x (layout, HS_SIDE_CLIENT);
      double right = hs_diagram_layout_get_lifeline_x (layout, HS_SIDE_SERVER);
      double bottom = MAX (item->y_from, item->y_from + (item->y_to - item->y_from) * item->reach);

      return (HsDiagramRect){ left, item->box.y, right - left, bottom - item->box.y };
    }
  return item->box;
}

static void
assert_no_overlap (HsDiagramLayout *layout)
{
  guint n = hs_diagram_layout_get_n_items (layout);

  for (guint i = 0; i < n; i++)
    {
      const HsDiagramItem *a = hs_diagram_layout_get_item (layout, i);
      HsDiagramRect ra = solid_rect (layout, a);

      g_assert_cmpfloat (a->top, <=, ra.y);
      g_assert_cmpfloat (a->bottom, >=, ra.y + ra.height);
      g_assert_cmpfloat (ra.x, >=, 0);
      g_assert_cmpfloat (ra.x + ra.width, <=, hs_diagram_layout_get_width (layout));
      g_assert_cmpfloat (a->top, >=, hs_diagram_layout_get_header_band (layout));

      for (guint j = i + 1; j < n; j++)
        {
          const HsDiagramItem *b = hs_diagram_layout_get_item (layout, j);
          HsDiagramRect rb = solid_rect (layout, b);

          if (rects_overlap (&ra, &rb))
            g_error ("items %u and %u overlap: (%g,%g %gx%g) and (%g,%g %gx%g)", i, j, ra.x, ra.y,
                     ra.width, ra.height, rb.x, rb.y, rb.width, rb.height);
          if (b->has_separator && rects_overlap (&ra, &b->separator))
            g_error ("item %u overlaps the separator of %u", i, j);
        }
    }
}

static void
test_frame (void)
{
  g_autoptr (HsDiagramLayout) layout = new_layout (1920, 1.0);
  double client = hs_diagram_layout_get_lifeline_x (layout, HS_SIDE_CLIENT);
  double server = hs_diagram_layout_get_lifeline_x (layout, HS_SIDE_SERVER);
  HsDiagramRect left = hs_diagram_layout_get_header_box (layout, HS_SIDE_CLIENT);
  HsDiagramRect right = hs_diagram_layout_get_header_box (layout, HS_SIDE_SERVER);
  gboolean sticky = FALSE;
  HsDiagramRect legend = hs_diagram_layout_get_legend_box (layout, &sticky);
  double band = hs_diagram_layout_get_header_band (layout);

  /* Symmetric, with room outside for pills and notes. */
  g_assert_cmpfloat (client, >, 240);
  g_assert_cmpfloat_with_epsilon (client + server, 1920, 1e-9);
  g_assert_cmpfloat (server - client, >, 1920 / 2);

  g_assert_cmpfloat_with_epsilon (left.x + left.width / 2, client, 1e-9);
  g_assert_cmpfloat_with_epsilon (right.x + right.width / 2, server, 1e-9);
  g_assert_false (rects_overlap (&left, &legend));
  g_assert_false (rects_overlap (&right, &legend));
  /* At 1920 the legend fits between the boxes. */
  g_assert_true (sticky);
  g_assert_cmpfloat (legend.y, <, left.y + left.height);
  g_assert_cmpfloat (band, >=, left.y + left.height);
  g_assert_cmpfloat (band, >=, legend.y + legend.height);

  /* Big type: the header grows less than the events' text, and the
   * legend opens the content instead of taking the screen. */
  hs_diagram_layout_set_font_scale (layout, 2.0);
  left = hs_diagram_layout_get_header_box (layout, HS_SIDE_CLIENT);
  right = hs_diagram_layout_get_header_box (layout, HS_SIDE_SERVER);
  legend = hs_diagram_layout_get_legend_box (layout, &sticky);
  g_assert_cmpfloat (hs_diagram_layout_get_chrome_scale (layout), ==, HS_DIAGRAM_CHROME_SCALE_MAX);
  g_assert_false (sticky);
  g_assert_false (rects_overlap (&left, &right));
  g_assert_cmpfloat (legend.y, >=, hs_diagram_layout_get_header_band (layout));
  g_assert_cmpfloat (hs_diagram_layout_get_header_band (layout), <, 1080 / 4);
  {
    g_autoptr (HsTrace) trace = hs_fixture_trace_new_session ();

    hs_diagram_layout_update (layout, trace);
    g_assert_cmpfloat (hs_diagram_layout_get_item (layout, 0)->top, >=, legend.y + legend.height);
  }

  hs_diagram_layout_set_font_scale (layout, 1.0);
  hs_diagram_layout_set_width (layout, 400);
  client = hs_diagram_layout_get_lifeline_x (layout, HS_SIDE_CLIENT);
  server = hs_diagram_layout_get_lifeline_x (layout, HS_SIDE_SERVER);
  g_assert_cmpfloat (client, >, 0);
  g_assert_cmpfloat (server - client, >=, 400 * 0.3 - 1e-9);
}

static void
test_session (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_session ();
  g_autoptr (HsDiagramLayout) layout = new_layout (1920, 1.0);
  double client = hs_diagram_layout_get_lifeline_x (layout, HS_SIDE_CLIENT);
  double server = hs_diagram_layout_get_lifeline_x (layout, HS_SIDE_SERVER);
  double previous_bottom = 0;

  hs_diagram_layout_update (layout, trace);
  g_assert_cmpuint (hs_diagram_layout_get_n_items (layout), ==, hs_trace_get_n_events (trace));

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);
      const HsDiagramItem *item = hs_diagram_layout_get_item (layout, i);

      g_assert_cmpint (item->kind, ==, e->kind);
      g_assert_cmpuint (item->connection, ==, e->connection);
      /* Only the first event of connection 1 opens it. */
      g_assert_cmpint (item->has_separator, ==, i == 2);
      g_assert_false (item->out_of_band);

      switch (e->kind)
        {
          case HS_EVENT_SEGMENT:
            /* From the sender's lifeline to the receiver's, sloping down,
             * below everything before, the label right above. */
            g_assert_cmpfloat (item->x_from, ==, e->side == HS_SIDE_CLIENT ? client : server);
            g_assert_cmpfloat (item->x_to, ==, e->side == HS_SIDE_CLIENT ? server : client);
            g_assert_cmpfloat (item->y_to, >, item->y_from);
            g_assert_cmpfloat (item->reach, ==, 1.0);
            g_assert_cmpfloat (item->box.y + item->box.height, <=, item->y_from);
            g_assert_cmpfloat (item->box.y, >=, previous_bottom);
            g_assert_cmpfloat (item->box.x, >, client);
            g_assert_cmpfloat (item->box.x + item->box.width, <, server);
            previous_bottom = item->y_to;
            break;

          case HS_EVENT_STATE:
          case HS_EVENT_APP:
            /* Beside the owner's lifeline, on the outside. */
            if (e->side == HS_SIDE_CLIENT)
              g_assert_cmpfloat (item->box.x + item->box.width, <, client);
            else
              g_assert_cmpfloat (item->box.x, >, server);
            g_assert_cmpfloat (item->anchor_y, ==, item->box.y + item->box.height / 2);
            break;

          default:
            g_assert_not_reached ();
        }
    }

  /* SYN_SENT sits where the SYN leaves, SYN_RECEIVED where it arrives
   * (event 2: connect(), 3: the SYN, 4 and 5 the states). */
  {
    const HsDiagramItem *syn = hs_diagram_layout_get_item (layout, 3);
    const HsDiagramItem *syn_sent = hs_diagram_layout_get_item (layout, 4);
    const HsDiagramItem *syn_received = hs_diagram_layout_get_item (layout, 5);
    const HsDiagramItem *connect = hs_diagram_layout_get_item (layout, 2);

    g_assert_cmpint (syn->kind, ==, HS_EVENT_SEGMENT);
    g_assert_cmpfloat (syn_received->anchor_y, ==, syn->y_to);
    /* The connect() note is there first; the pill moves down at most to
     * clear it. */
    g_assert_cmpfloat (syn_sent->anchor_y, >=, syn->y_from);
    g_assert_cmpfloat (syn_sent->box.y, >=, connect->box.y + connect->box.height);
  }

  assert_no_overlap (layout);
  g_assert_cmpfloat (hs_diagram_layout_get_height (layout, G_MAXUINT), >, previous_bottom);
  g_assert_cmpfloat (hs_diagram_layout_get_height (layout, 3), <,
                     hs_diagram_layout_get_height (layout, G_MAXUINT));
}

static void
test_no_overlap_everywhere (void)
{
  const double widths[] = { 480, 960, 1280, 1920, 3840 };
  const double scales[] = { 0.75, 1.0, 1.5, 2.0, 3.0 };

  for (guint t = 0; t < 2; t++)
    {
      g_autoptr (HsTrace) trace =
          t == 0 ? hs_fixture_trace_new_session () : hs_fixture_trace_new_showcase ();

      for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
        for (guint s = 0; s < G_N_ELEMENTS (scales); s++)
          {
            g_autoptr (HsDiagramLayout) layout = new_layout (widths[w], scales[s]);

            hs_diagram_layout_update (layout, trace);
            assert_no_overlap (layout);
          }
    }
}

static void
test_showcase (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_showcase ();
  g_autoptr (HsDiagramLayout) layout = new_layout (1920, 1.0);
  guint n_separators = 0;

  hs_diagram_layout_update (layout, trace);

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);
      const HsDiagramItem *item = hs_diagram_layout_get_item (layout, i);

      n_separators += item->has_separator;
      if (e->kind != HS_EVENT_SEGMENT)
        continue;
      if (e->fate == HS_SEGMENT_FATE_DROPPED)
        g_assert_cmpfloat (item->reach, ==, 0.6);
      else if (e->fate == HS_SEGMENT_FATE_HELD)
        g_assert_cmpfloat (item->reach, ==, 0.5);
      else
        g_assert_cmpfloat (item->reach, ==, 1.0);
    }
  g_assert_cmpuint (n_separators, ==, 3);

  /* The dropped SYN never reached the server: SYN_RECEIVED sits where the
   * retransmission arrived (events 3, 5 and 6). */
  g_assert_cmpint (hs_trace_get_event (trace, 3)->fate, ==, HS_SEGMENT_FATE_DROPPED);
  g_assert_cmpint (hs_trace_get_event (trace, 6)->to, ==, HS_TCP_STATE_SYN_RECEIVED);
  g_assert_cmpfloat (hs_diagram_layout_get_item (layout, 6)->anchor_y, ==,
                     hs_diagram_layout_get_item (layout, 5)->y_to);
}

static void
test_out_of_band (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  g_autoptr (HsDiagramLayout) layout = new_layout (1280, 1.0);
  guint one = hs_trace_add_connection (trace, NULL, NULL);
  guint two = hs_trace_add_connection (trace, NULL, NULL);
  HsEvent e = { .kind = HS_EVENT_STATE,
                .side = HS_SIDE_CLIENT,
                .from = HS_TCP_STATE_CLOSED,
                .to = HS_TCP_STATE_SYN_SENT };

  e.connection = one;
  hs_trace_append (trace, &e);
  e.connection = two;
  hs_trace_append (trace, &e);
  /* TIME_WAIT of the first ends while the second is under way. */
  e.connection = one;
  e.to = HS_TCP_STATE_CLOSED;
  hs_trace_append (trace, &e);

  hs_diagram_layout_update (layout, trace);
  g_assert_true (hs_diagram_layout_get_item (layout, 0)->has_separator);
  g_assert_true (hs_diagram_layout_get_item (layout, 1)->has_separator);
  g_assert_false (hs_diagram_layout_get_item (layout, 2)->has_separator);
  g_assert_false (hs_diagram_layout_get_item (layout, 1)->out_of_band);
  g_assert_true (hs_diagram_layout_get_item (layout, 2)->out_of_band);
  /* Placed in order, below the second connection's start. */
  g_assert_cmpfloat (hs_diagram_layout_get_item (layout, 2)->top, >,
                     hs_diagram_layout_get_item (layout, 1)->bottom);
  assert_no_overlap (layout);
}

static void
test_incremental (void)
{
  g_autoptr (HsTrace) full = hs_fixture_trace_new_showcase ();
  g_autoptr (HsTrace) growing = hs_trace_new ();
  g_autoptr (HsDiagramLayout) at_once = new_layout (1600, 1.25);
  g_autoptr (HsDiagramLayout) step_by_step = new_layout (1600, 1.25);

  for (guint c = 1; c < hs_trace_get_n_connections (full); c++)
    {
      const HsTraceConnection *conn = hs_trace_get_connection (full, c);

      hs_trace_add_connection (growing, &conn->client, &conn->server);
    }

  hs_diagram_layout_update (at_once, full);
  for (guint i = 0; i < hs_trace_get_n_events (full); i++)
    {
      hs_trace_append (growing, hs_trace_get_event (full, i));
      hs_diagram_layout_update (step_by_step, growing);
      g_assert_cmpuint (hs_diagram_layout_get_n_items (step_by_step), ==, i + 1);
    }

  for (guint i = 0; i < hs_trace_get_n_events (full); i++)
    g_assert_cmpmem (hs_diagram_layout_get_item (at_once, i), sizeof (HsDiagramItem),
                     hs_diagram_layout_get_item (step_by_step, i), sizeof (HsDiagramItem));

  /* A cleared trace starts over. */
  hs_trace_clear (growing);
  hs_diagram_layout_update (step_by_step, growing);
  g_assert_cmpuint (hs_diagram_layout_get_n_items (step_by_step), ==, 0);
}

static void
test_relayout (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_session ();
  g_autoptr (HsDiagramLayout) layout = new_layout (1920, 1.0);
  HsDiagramMetrics metrics;
  double height_1;
  double height_2;
  double x_1920;

  hs_diagram_layout_update (layout, trace);
  height_1 = hs_diagram_layout_get_height (layout, G_MAXUINT);
  x_1920 = hs_diagram_layout_get_item (layout, 3)->x_to;

  hs_diagram_layout_set_font_scale (layout, 2.0);
  hs_diagram_layout_update (layout, trace);
  height_2 = hs_diagram_layout_get_height (layout, G_MAXUINT);
  g_assert_cmpfloat (height_2, >, 1.3 * height_1);
  g_assert_cmpfloat (height_2, <, 2.4 * height_1);

  hs_diagram_layout_set_font_scale (layout, 1.0);
  hs_diagram_layout_set_width (layout, 1280);
  hs_diagram_layout_update (layout, trace);
  g_assert_cmpfloat (hs_diagram_layout_get_item (layout, 3)->x_to, <, x_1920);
  g_assert_cmpfloat (hs_diagram_layout_get_item (layout, 3)->x_to, ==,
                     hs_diagram_layout_get_lifeline_x (layout, HS_SIDE_SERVER));

  /* Bigger text measured: everything moves down. */
  hs_diagram_metrics_init_default (&metrics);
  metrics.title_height *= 2;
  hs_diagram_layout_set_metrics (layout, &metrics);
  hs_diagram_layout_update (layout, trace);
  g_assert_cmpfloat (hs_diagram_layout_get_height (layout, G_MAXUINT), >, height_1);
  assert_no_overlap (layout);
}

static void
test_find_range (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_long (3000);
  g_autoptr (HsDiagramLayout) layout = new_layout (1920, 1.0);
  g_autoptr (GRand) rand = g_rand_new_with_seed (20240611);
  double height;
  guint first;
  guint end;

  hs_diagram_layout_update (layout, trace);
  g_assert_cmpuint (hs_diagram_layout_get_n_items (layout), ==, 3000);
  height = hs_diagram_layout_get_height (layout, G_MAXUINT);

  for (guint round = 0; round < 500; round++)
    {
      double y0 = g_rand_double_range (rand, -100, height + 100);
      double y1 = y0 + g_rand_double_range (rand, 0, 1200);
      gboolean any = hs_diagram_layout_find_range (layout, y0, y1, &first, &end);
      guint n_inside = 0;

      /* Everything that intersects the window is in the range. */
      for (guint i = 0; i < 3000; i++)
        {
          const HsDiagramItem *item = hs_diagram_layout_get_item (layout, i);

          if (item->bottom >= y0 && item->top <= y1)
            {
              g_assert_true (any);
              g_assert_cmpuint (i, >=, first);
              g_assert_cmpuint (i, <, end);
              n_inside++;
            }
        }

      /* And the range is not much more than that. */
      if (any)
        g_assert_cmpuint (end - first, <=, n_inside + 8);
    }

  g_assert_false (hs_diagram_layout_find_range (layout, height + 10, height + 500, &first, &end));
  g_assert_false (hs_diagram_layout_find_range (layout, -500, 0, &first, &end));
}

/* Each TIME_WAIT gets a countdown along its lifeline, from its pill to the
 * CLOSED that ends it, and found by binary search like the items. */
static void
test_countdowns (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_long (3000);
  g_autoptr (HsDiagramLayout) layout = new_layout (1920, 1.0);
  g_autoptr (HsTrace) cut = hs_fixture_trace_new_session ();
  g_autoptr (HsDiagramLayout) cut_layout = new_layout (1920, 1.0);
  guint n_time_wait = 0;
  guint first;
  guint end;
  const HsDiagramCountdown *countdown;

  hs_diagram_layout_update (layout, trace);
  for (guint i = 0; i < 3000; i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);

      if (e->kind == HS_EVENT_STATE && e->to == HS_TCP_STATE_TIME_WAIT)
        {
          countdown = hs_diagram_layout_get_countdown (layout, n_time_wait++);
          g_assert_cmpuint (countdown->start, ==, i);
          g_assert_cmpuint (countdown->connection, ==, e->connection);
          g_assert_cmpint (countdown->side, ==, e->side);
          g_assert_cmpfloat (countdown->x, ==, hs_diagram_layout_get_lifeline_x (layout, e->side));
          g_assert_cmpfloat (countdown->top, >=, hs_diagram_layout_get_item (layout, i)->anchor_y);
          if (countdown->end != G_MAXUINT)
            {
              const HsEvent *closed = hs_trace_get_event (trace, countdown->end);

              g_assert_cmpint (closed->kind, ==, HS_EVENT_STATE);
              g_assert_cmpint (closed->from, ==, HS_TCP_STATE_TIME_WAIT);
              g_assert_cmpfloat (countdown->bottom, >, countdown->top);
              g_assert_cmpfloat (countdown->bottom, ==,
                                 hs_diagram_layout_get_item (layout, countdown->end)->anchor_y);
            }
        }
    }
  g_assert_cmpuint (n_time_wait, >, 50);
  g_assert_cmpuint (hs_diagram_layout_get_n_countdowns (layout), ==, n_time_wait);

  /* Every countdown that crosses a window is in the range found. */
  for (guint k = 0; k < n_time_wait; k++)
    {
      countdown = hs_diagram_layout_get_countdown (layout, k);
      g_assert_true (hs_diagram_layout_find_countdowns (layout, countdown->top + 1,
                                                        countdown->top + 2, &first, &end));
      g_assert_cmpuint (k, >=, first);
      g_assert_cmpuint (k, <, end);
      g_assert_cmpuint (end - first, <=, 3);
    }

  /* A trace cut while TIME_WAIT lasts has one running countdown, which
   * the CLOSED appended later ends. */
  {
    guint n = hs_trace_get_n_events (cut);
    guint closed = G_MAXUINT;
    g_autoptr (HsTrace) partial = hs_trace_new ();

    for (guint i = 0; i < n; i++)
      {
        const HsEvent *e = hs_trace_get_event (cut, i);

        if (e->kind == HS_EVENT_STATE && e->from == HS_TCP_STATE_TIME_WAIT)
          closed = i;
      }
    g_assert_cmpuint (closed, !=, G_MAXUINT);
    for (guint c = 1; c < hs_trace_get_n_connections (cut); c++)
      hs_trace_add_connection (partial, &hs_trace_get_connection (cut, c)->client,
                               &hs_trace_get_connection (cut, c)->server);
    for (guint i = 0; i < closed; i++)
      hs_trace_append (partial, hs_trace_get_event (cut, i));
    hs_diagram_layout_update (cut_layout, partial);
    g_assert_cmpuint (hs_diagram_layout_get_n_countdowns (cut_layout), ==, 1);
    g_assert_cmpuint (hs_diagram_layout_get_n_running (cut_layout), ==, 1);
    countdown = hs_diagram_layout_get_countdown (cut_layout, 0);
    g_assert_cmpuint (countdown->end, ==, G_MAXUINT);
    g_assert_true (hs_diagram_layout_find_countdowns (cut_layout, 1e6, 2e6, &first, &end));

    for (guint i = closed; i < n; i++)
      hs_trace_append (partial, hs_trace_get_event (cut, i));
    hs_diagram_layout_update (cut_layout, partial);
    g_assert_cmpuint (hs_diagram_layout_get_n_running (cut_layout), ==, 0);
    g_assert_cmpuint (hs_diagram_layout_get_countdown (cut_layout, 0)->end, ==, closed);
    g_assert_false (hs_diagram_layout_find_countdowns (cut_layout, 1e6, 2e6, &first, &end));
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/render/layout/frame", test_frame);
  g_test_add_func ("/render/layout/session", test_session);
  g_test_add_func ("/render/layout/no-overlap", test_no_overlap_everywhere);
  g_test_add_func ("/render/layout/showcase", test_showcase);
  g_test_add_func ("/render/layout/out-of-band", test_out_of_band);
  g_test_add_func ("/render/layout/incremental", test_incremental);
  g_test_add_func ("/render/layout/relayout", test_relayout);
  g_test_add_func ("/render/layout/find-range", test_find_range);
  g_test_add_func ("/render/layout/countdowns", test_countdowns);

  return g_test_run ();
}
