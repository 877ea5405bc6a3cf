/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-scrub"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib/gstdio.h>

#include "hs-diagram.h"
#include "hs-fixture-trace.h"
#include "hs-narration.h"
#include "hs-replay.h"

/* Time travel's costs (docs/performance.md, "Scrubbing and export"):
 *
 * - one scrubbing frame over a 10,000-event trace: what the window does
 *   when the scrubber jumps to a random event — seek the playback, bring
 *   the layout up to date, put the view on the event (the canvas follows
 *   the cursor), draw 1920×1080, rebuild the replayed socket table and the
 *   narration so far (at most 200 sentences, made once per event and kept,
 *   as the window keeps them) — timed from the seek to the end of drawing;
 * - exporting a 1,000-event diagram to PDF, the whole file.
 *
 * Prints medians, 95th percentiles and maxima in milliseconds. */

#define MAX_DESCRIBED 200

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
report (const char *what, double *values, guint n)
{
  qsort (values, n, sizeof *values, compare_doubles);
  printf ("%-52s median %7.2f ms  p95 %7.2f ms  max %7.2f ms  (n=%u)\n", what,
          n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2,
          values[MIN (n - 1, (guint) (n * 0.95))], values[n - 1], n);
}

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static void
bench_scrub (guint n_events, guint n_frames, int width, int height, double font_scale)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_long (n_events);
  g_autoptr (HsDiagramLayout) layout = hs_diagram_layout_new ();
  g_autoptr (HsPlayback) playback = hs_playback_new (trace);
  g_autoptr (HsReplay) replay = hs_replay_new ();
  g_autoptr (GPtrArray) sentences = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261126);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  g_autofree double *times = g_new (double, n_frames);
  g_autofree double *draw_times = g_new (double, n_frames);
  g_autofree double *side_times = g_new (double, n_frames);
  g_autofree char *what = NULL;
  HsDiagramView view;
  guint max_sockets = 0;

  g_ptr_array_set_size (sentences, n_events);
  hs_diagram_view_init (&view, width, height);
  view.playback = playback;
  view.font_scale = font_scale;
  hs_diagram_prepare_layout (layout, trace, &view);
  hs_replay_update (replay, trace);

  for (guint i = 0; i < n_frames + 5; i++)
    {
      guint target = g_rand_int_range (rand, 1, n_events + 1);
      gint64 start_us;
      gint64 duration_us;
      double start = now_ms ();
      double drawn;
      guint n_visible;
      const HsDiagramItem *item;
      cairo_t *cr;
      g_autoptr (GArray) sockets = NULL;
      g_autoptr (GString) description = g_string_new (NULL);

      /* The scrubber seeks the playback to the end of an event. */
      hs_playback_get_event_time (playback, target - 1, &start_us, &duration_us);
      hs_playback_set_playing (playback, FALSE);
      hs_playback_set_position (playback, start_us + duration_us);
      n_visible = hs_playback_get_n_visible (playback);

      /* The canvas: layout, scroll range, the view on the current event. */
      hs_diagram_prepare_layout (layout, trace, &view);
      (void) hs_diagram_layout_get_height (layout, n_visible);
      item = hs_diagram_layout_get_item (layout, hs_playback_get_current (playback));
      view.y = MAX (0, item->bottom + 24 * font_scale - height);

      cr = cairo_create (surface);
      hs_diagram_draw (cr, layout, trace, &view);
      cairo_surface_flush (surface);
      cairo_destroy (cr);
      drawn = now_ms ();

      /* The window: the replayed socket table and the narration so far. */
      sockets = hs_replay_sockets_at (replay, trace, n_visible);
      max_sockets = MAX (max_sockets, sockets->len);
      for (guint k = n_visible > MAX_DESCRIBED ? n_visible - MAX_DESCRIBED : 0; k < n_visible; k++)
        {
          if (g_ptr_array_index (sentences, k) == NULL)
            g_ptr_array_index (sentences, k) = hs_narration_describe (trace, k);
          g_string_append (description, g_ptr_array_index (sentences, k));
          g_string_append_c (description, '\n');
        }

      if (i >= 5)
        {
          times[i - 5] = now_ms () - start;
          draw_times[i - 5] = drawn - start;
          side_times[i - 5] = now_ms () - drawn;
        }
    }

  what = g_strdup_printf ("scrub %u events, %d×%d, scale %.0f: whole frame", n_events, width,
                          height, font_scale);
  report (what, times, n_frames);
  report ("  of which seek + layout + draw", draw_times, n_frames);
  report ("  of which replayed table + narration so far", side_times, n_frames);
  printf ("  (at most %u sockets replayed at one moment)\n", max_sockets);
  cairo_surface_destroy (surface);
}

static void
bench_export (guint n_events, guint runs)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_long (n_events);
  g_autofree double *times = g_new (double, runs);
  g_autofree char *dir = g_dir_make_tmp ("bench-scrub-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "diagram.pdf", NULL);
  g_autofree char *what = NULL;
  GStatBuf st;

  for (guint i = 0; i < runs + 1; i++)
    {
      g_autoptr (GError) error = NULL;
      double start = now_ms ();

      if (!hs_diagram_export (trace, HS_LABEL_STYLE_SYMBOLIC, HS_DIAGRAM_PALETTE_LIGHT, 1.0, "pdf",
                              path, 1920, &error))
        g_error ("%s", error->message);
      if (i >= 1) /* the first run loads fonts */
        times[i - 1] = now_ms () - start;
    }

  g_stat (path, &st);
  what = g_strdup_printf ("export %u events to PDF (%ld kB)", n_events, (long) st.st_size / 1024);
  report (what, times, runs);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char *argv[])
{
  guint frames = argc > 1 ? (guint) atoi (argv[1]) : 200;
  guint runs = argc > 2 ? (guint) atoi (argv[2]) : 5;

  bench_scrub (100, frames, 1920, 1080, 1.0);
  bench_scrub (10000, frames, 1920, 1080, 1.0);
  bench_scrub (10000, frames, 1920, 1080, 2.0);
  bench_export (1000, runs);
  return 0;
}
