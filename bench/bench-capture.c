/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Time to open a capture (docs/performance.md, "Opening a capture"): read
 * the file and list its connections, build the first connection's trace,
 * and lay it out for the diagram, as File → Open does before the first
 * frame. Usage: bench-capture FILE [RUNS]; make large files with
 * bench/make-capture.py. */
#include "config.h"

#include <stdlib.h>

#include "hs-capture.h"
#include "hs-diagram-layout.h"

static int
compare (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static void
report (const char *what, gint64 *us, guint n)
{
  qsort (us, n, sizeof *us, compare);
  g_print ("%-28s median %8.2f ms   min %8.2f ms   max %8.2f ms\n", what, us[n / 2] / 1000.0,
           us[0] / 1000.0, us[n - 1] / 1000.0);
}

int
main (int argc, char **argv)
{
  guint runs = argc > 2 ? (guint) atoi (argv[2]) : 10;
  g_autofree gint64 *load = NULL;
  g_autofree gint64 *build = NULL;
  g_autofree gint64 *layout = NULL;
  guint n_packets = 0, n_connections = 0, n_events = 0;

  if (argc < 2 || runs == 0)
    {
      g_printerr ("usage: %s FILE [RUNS]\n", argv[0]);
      return 2;
    }
  load = g_new (gint64, runs);
  build = g_new (gint64, runs);
  layout = g_new (gint64, runs);

  for (guint i = 0; i < runs; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (HsCapture) capture = NULL;
      g_autoptr (HsTrace) trace = NULL;
      g_autoptr (HsDiagramLayout) diagram = hs_diagram_layout_new ();
      gint64 t0, t1, t2, t3;

      t0 = g_get_monotonic_time ();
      capture = hs_capture_load_file (argv[1], &error);
      t1 = g_get_monotonic_time ();
      if (capture == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      trace = hs_capture_build_trace (capture, 0, &error);
      t2 = g_get_monotonic_time ();
      hs_diagram_layout_update (diagram, trace);
      t3 = g_get_monotonic_time ();

      load[i] = t1 - t0;
      build[i] = t2 - t1;
      layout[i] = t3 - t2;
      n_packets = hs_capture_get_n_packets (capture);
      n_connections = hs_capture_get_n_connections (capture);
      n_events = hs_trace_get_n_events (trace);
    }

  g_print ("%s: %u packets, %u connections; connection 0 has %u events\n", argv[1], n_packets,
           n_connections, n_events);
  report ("read and list connections", load, runs);
  report ("build connection 0's trace", build, runs);
  report ("lay out its diagram", layout, runs);
  return 0;
}
