/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-scrub-window"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <adwaita.h>

#include "hs-canvas.h"
#include "hs-fixture-trace.h"
#include "hs-timeline.h"

/* Scrubbing in a real GTK window (docs/performance.md, "Scrubbing and
 * export"): the canvas and the timeline over a 10,000-event trace in a
 * 1920×1080 window, and after every painted frame the timeline seeks to
 * a random event. Each frame is timed by the frame clock, from
 * "before-paint" to "after-paint": layout, the canvas's cairo drawing and
 * GTK's rendering of the frame, everything GTK does for one frame.
 * Run it under a display, e.g.
 *   xvfb-run -a -s '-screen 0 1920x1080x24' BUILD/bench/bench-scrub-window [FRAMES [EVENTS]] */

typedef struct
{
  HsTimeline *timeline;
  GRand *rand;
  GArray *times; /* double, ms */
  guint wanted;
  gint64 begin;
  guint warm_up;
} Bench;

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
before_paint_cb (GdkFrameClock *clock, Bench *b)
{
  b->begin = g_get_monotonic_time ();
}

static void
after_paint_cb (GdkFrameClock *clock, Bench *b)
{
  if (b->begin != 0)
    {
      double ms = (g_get_monotonic_time () - b->begin) / 1000.0;

      if (b->warm_up > 0)
        b->warm_up--;
      else
        g_array_append_val (b->times, ms);
    }

  /* The next frame shows another moment of the trace. */
  if (b->times->len < b->wanted)
    hs_timeline_seek (b->timeline, g_rand_double (b->rand));
}

int
main (int argc, char *argv[])
{
  guint frames = argc > 1 ? (guint) atoi (argv[1]) : 300;
  guint n_events = argc > 2 ? (guint) atoi (argv[2]) : 10000;
  g_autoptr (HsTrace) trace = NULL;
  GtkWindow *window;
  GtkWidget *box;
  GtkWidget *scroller;
  HsCanvas *canvas;
  GdkFrameClock *clock;
  Bench b = { 0 };
  double *t;
  guint n;

  gtk_init ();
  adw_init ();

  trace = hs_fixture_trace_new_long (n_events);
  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (window, 1920, 1080);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  scroller = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  canvas = HS_CANVAS (hs_canvas_new ());
  hs_canvas_set_trace (canvas, trace);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (canvas));
  b.timeline = HS_TIMELINE (hs_timeline_new ());
  hs_timeline_set_playback (b.timeline, hs_canvas_get_playback (canvas));
  gtk_box_append (GTK_BOX (box), scroller);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (b.timeline));
  gtk_window_set_child (window, box);
  gtk_window_present (window);

  while (!gtk_widget_get_mapped (GTK_WIDGET (canvas)))
    g_main_context_iteration (NULL, TRUE);

  b.rand = g_rand_new_with_seed (20261126);
  b.times = g_array_new (FALSE, FALSE, sizeof (double));
  b.wanted = frames;
  b.warm_up = 10;
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (canvas));
  g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), &b);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &b);
  hs_timeline_seek (b.timeline, 0.5);

  while (b.times->len < b.wanted)
    g_main_context_iteration (NULL, TRUE);

  g_signal_handlers_disconnect_by_data (clock, &b);
  t = (double *) (gpointer) b.times->data;
  n = b.times->len;
  qsort (t, n, sizeof *t, compare_doubles);
  printf ("window 1920×1080, %u events, renderer %s: frame median %.2f ms  p95 %.2f ms  max "
          "%.2f ms  (n=%u)\n",
          n_events, g_getenv ("GSK_RENDERER") != NULL ? g_getenv ("GSK_RENDERER") : "default",
          n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2, t[MIN (n - 1, (guint) (n * 0.95))],
          t[n - 1], n);

  g_array_unref (b.times);
  g_rand_free (b.rand);
  gtk_window_destroy (window);
  return 0;
}
