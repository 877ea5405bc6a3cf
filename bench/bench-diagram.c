/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-diagram"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "hs-diagram.h"
#include "hs-fixture-trace.h"

/* Frame and layout times of the sequence diagram (docs/performance.md,
 * "Diagram drawing"): a 1920×1080 frame drawn into a cairo image surface,
 * as the canvas does on every animation frame, for a short and a long
 * trace; and a full relayout of the long one. Medians, in milliseconds. */

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values, guint n)
{
  qsort (values, n, sizeof *values, compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

/* Median time of @n_frames frames with the view's top at @fraction of the
 * diagram's height (1 = scrolled to the end), played by a live playback. */
static double
bench_frames (HsTrace *trace,
              int width,
              int height,
              double fraction,
              double font_scale,
              guint n_frames,
              guint *n_drawn)
{
  g_autoptr (HsDiagramLayout) layout = hs_diagram_layout_new ();
  g_autoptr (HsPlayback) playback = hs_playback_new (trace);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  g_autofree double *times = g_new (double, n_frames);
  HsDiagramView view;
  double content_height;
  guint first = 0;
  guint end = 0;

  hs_playback_go_live (playback);
  hs_diagram_view_init (&view, width, height);
  view.playback = playback;
  view.font_scale = font_scale;
  hs_diagram_prepare_layout (layout, trace, &view);
  content_height = hs_diagram_layout_get_height (layout, G_MAXUINT);
  view.y = MAX (0, (content_height - height) * fraction);
  hs_diagram_layout_find_range (layout, view.y, view.y + height, &first, &end);
  *n_drawn = end - first;

  for (guint i = 0; i < n_frames + 5; i++)
    {
      cairo_t *cr = cairo_create (surface);
      double start = now_ms ();

      hs_diagram_draw (cr, layout, trace, &view);
      cairo_surface_flush (surface);
      if (i >= 5) /* warm-up: fonts, glyph caches */
        times[i - 5] = now_ms () - start;
      cairo_destroy (cr);
    }

  cairo_surface_destroy (surface);
  return median (times, n_frames);
}

static double
bench_relayout (HsTrace *trace, guint n_runs)
{
  g_autoptr (HsDiagramLayout) layout = hs_diagram_layout_new ();
  g_autofree double *times = g_new (double, n_runs);
  HsDiagramView view;

  hs_diagram_view_init (&view, 1920, 1080);
  hs_diagram_prepare_layout (layout, trace, &view);

  for (guint i = 0; i < n_runs; i++)
    {
      double start = now_ms ();

      hs_diagram_layout_invalidate (layout);
      hs_diagram_layout_update (layout, trace);
      times[i] = now_ms () - start;
    }

  return median (times, n_runs);
}

/* Appending events to a long trace and extending the layout after each:
 * the mean cost per event, in microseconds. */
static double
bench_append (guint n_events)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_long (10000);
  g_autoptr (HsDiagramLayout) layout = hs_diagram_layout_new ();
  HsDiagramView view;
  HsEvent event = *hs_trace_get_event (trace, hs_trace_get_n_events (trace) - 2);
  gint64 total = 0;

  event.text = NULL;
  event.data = NULL;
  hs_diagram_view_init (&view, 1920, 1080);
  hs_diagram_prepare_layout (layout, trace, &view);

  for (guint i = 0; i < n_events; i++)
    {
      gint64 start;

      hs_trace_append (trace, &event);
      start = g_get_monotonic_time ();
      hs_diagram_layout_update (layout, trace);
      total += g_get_monotonic_time () - start;
    }

  return (double) total / n_events;
}

int
main (int argc, char *argv[])
{
  g_autoptr (HsTrace) short_trace = hs_fixture_trace_new_long (10);
  g_autoptr (HsTrace) long_trace = hs_fixture_trace_new_long (10000);
  guint n_frames = argc > 1 ? (guint) atoi (argv[1]) : 200;
  guint drawn;
  double ms;

  printf ("# frames, median of %u (after 5 warm-up frames), cairo image surface\n", n_frames);
  printf ("%-44s %10s %8s\n", "case", "ms/frame", "items");

  ms = bench_frames (short_trace, 1920, 1080, 1.0, 1.0, n_frames, &drawn);
  printf ("%-44s %10.3f %8u\n", "1920x1080, 10 events", ms, drawn);
  ms = bench_frames (long_trace, 1920, 1080, 1.0, 1.0, n_frames, &drawn);
  printf ("%-44s %10.3f %8u\n", "1920x1080, 10,000 events, view at the end", ms, drawn);
  ms = bench_frames (long_trace, 1920, 1080, 0.5, 1.0, n_frames, &drawn);
  printf ("%-44s %10.3f %8u\n", "1920x1080, 10,000 events, view in the middle", ms, drawn);
  ms = bench_frames (long_trace, 1920, 1080, 0.5, 2.0, n_frames, &drawn);
  printf ("%-44s %10.3f %8u\n", "1920x1080, 10,000 events, middle, scale 2", ms, drawn);
  ms = bench_frames (long_trace, 3840, 2160, 0.5, 2.0, n_frames / 4 + 1, &drawn);
  printf ("%-44s %10.3f %8u\n", "3840x2160, 10,000 events, middle, scale 2", ms, drawn);

  printf ("\n# layout\n");
  printf ("%-44s %10.3f ms\n", "full relayout, 10,000 events (median of 20)",
          bench_relayout (long_trace, 20));
  printf ("%-44s %10.3f µs\n", "extend by 1 event at 10,000 (mean of 10,000)",
          bench_append (10000));

  return 0;
}
