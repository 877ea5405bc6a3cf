/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <unistd.h>

#include <glib-unix.h>

#include "hs-fixture-frames.h"
#include "hs-pace.h"

#define DEADLINE_US (20 * G_USEC_PER_SEC)

/* Works (as a watched source does) until the network's share of the time
 * between frames is spent: returns when hs_pace_work() says to yield,
 * or fails after a generous deadline. */
static void
work_until_yield (void)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (hs_pace_work ())
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
}

static void
test_without_window (void)
{
  GSource *source = g_timeout_source_new_seconds (3600);
  gint64 start = g_get_monotonic_time ();

  g_source_attach (source, NULL);
  hs_pace_watch (source);

  /* With no window to draw frames, the network never yields: twice the
   * budget of work goes on at the default priority. */
  while (g_get_monotonic_time () - start < 50000)
    g_assert_true (hs_pace_work ());
  g_assert_false (hs_pace_is_yielding ());
  g_assert_cmpint (g_source_get_priority (source), ==, G_PRIORITY_DEFAULT);

  hs_pace_unwatch (source);
  g_source_destroy (source);
  g_source_unref (source);
}

static void
test_yield (void)
{
  GSource *source = g_timeout_source_new_seconds (3600);
  GSource *later = g_timeout_source_new_seconds (3600);
  guint yields = hs_pace_get_n_yields ();

  g_source_attach (source, NULL);
  hs_pace_watch (source);
  hs_pace_hold_frames ();

  /* Past its budget the network yields once: the watched sources drop
   * below GTK's drawing, and the work at hand stops. */
  work_until_yield ();
  g_assert_true (hs_pace_is_yielding ());
  g_assert_cmpuint (hs_pace_get_n_yields (), ==, yields + 1);
  g_assert_cmpint (g_source_get_priority (source), ==, HS_PACE_YIELD_PRIORITY);
  g_assert_cmpint (HS_PACE_YIELD_PRIORITY, >, HS_FIXTURE_REDRAW_PRIORITY);
  g_assert_cmpint (HS_PACE_YIELD_PRIORITY, <, G_PRIORITY_DEFAULT_IDLE);

  /* Dispatched while yielding, no frame was due: the work goes on. */
  g_assert_true (hs_pace_work ());
  /* A source watched meanwhile yields with the others. */
  g_source_attach (later, NULL);
  hs_pace_watch (later);
  g_assert_cmpint (g_source_get_priority (later), ==, HS_PACE_YIELD_PRIORITY);

  /* A frame drawn gives the network its priority and its budget back. */
  hs_pace_frame_done ();
  g_assert_false (hs_pace_is_yielding ());
  g_assert_cmpint (g_source_get_priority (source), ==, G_PRIORITY_DEFAULT);
  g_assert_cmpint (g_source_get_priority (later), ==, G_PRIORITY_DEFAULT);
  g_assert_true (hs_pace_work ());

  /* The last window gone, nothing waits for a frame. */
  work_until_yield ();
  g_assert_true (hs_pace_is_yielding ());
  hs_pace_release_frames ();
  g_assert_false (hs_pace_is_yielding ());
  g_assert_cmpint (g_source_get_priority (source), ==, G_PRIORITY_DEFAULT);

  hs_pace_unwatch (source);
  hs_pace_unwatch (later);
  g_source_destroy (source);
  g_source_destroy (later);
  g_source_unref (source);
  g_source_unref (later);
}

static void
spin_until (gint64 when)
{
  while (g_get_monotonic_time () < when)
    ;
}

/* Runs the main loop until the network no longer yields. */
static void
wait_yield_over (void)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (hs_pace_is_yielding ())
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* The budget counts work: a pause ends a stretch of it, and the next
 * stretch has the whole budget. */
static void
test_gap (void)
{
  gint64 resumed, yielded;

  hs_pace_hold_frames ();
  g_assert_true (hs_pace_work ());
  spin_until (g_get_monotonic_time () + HS_PACE_GAP_US + 1000);
  resumed = g_get_monotonic_time ();
  work_until_yield ();
  yielded = g_get_monotonic_time ();
  /* Counted from the first work, the yield would have come at once. */
  g_assert_cmpint (yielded - resumed, >=, HS_PACE_BUDGET_US - 100);

  hs_pace_frame_done ();
  hs_pace_release_frames ();
}

/* A window that draws no frame (minimized, not shown yet) does not keep
 * the network waiting: the yield ends by itself, and the network does not
 * yield again for a while, or until a frame is drawn. */
static void
test_no_frame (void)
{
  gint64 start;

  hs_pace_hold_frames ();
  work_until_yield ();
  g_assert_true (hs_pace_is_yielding ());
  wait_yield_over ();

  start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < 2 * HS_PACE_BUDGET_US)
    g_assert_true (hs_pace_work ());
  g_assert_false (hs_pace_is_yielding ());

  /* A frame: the pace is back at once. */
  hs_pace_frame_done ();
  work_until_yield ();
  g_assert_true (hs_pace_is_yielding ());

  /* Without one, it is back after the wait. */
  wait_yield_over ();
  start = g_get_monotonic_time ();
  work_until_yield ();
  g_assert_cmpint (g_get_monotonic_time () - start, >=, HS_PACE_FRAME_WAIT_MS * 1000 - 1000);
  hs_pace_frame_done ();
  hs_pace_release_frames ();
}

/* A source that never runs out of work: its descriptor stays readable. */
static gboolean
busy_cb (int fd, GIOCondition condition, gpointer data)
{
  if (hs_pace_work ())
    (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

/* In a real main loop, frames are drawn while a watched source is always
 * ready. Without the pace, a source of the default priority that is
 * always ready keeps one of GTK's priority from ever running. */
static void
test_main_loop (void)
{
  guint n_work = 0;
  int fds[2];
  GSource *busy;

  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));
  g_assert_cmpint (write (fds[1], "x", 1), ==, 1);
  busy = g_unix_fd_source_new (fds[0], G_IO_IN);
  g_source_set_callback (busy, G_SOURCE_FUNC (busy_cb), &n_work, NULL);
  g_source_attach (busy, NULL);
  hs_pace_watch (busy);
  hs_pace_hold_frames ();

  /* Three frames, each asked for and drawn while the work goes on. */
  hs_fixture_frames_while_busy (&n_work, 3);

  hs_pace_release_frames ();
  hs_pace_unwatch (busy);
  g_source_destroy (busy);
  g_source_unref (busy);
  close (fds[0]);
  close (fds[1]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/pace/without-window", test_without_window);
  g_test_add_func ("/net/pace/yield", test_yield);
  g_test_add_func ("/net/pace/gap", test_gap);
  g_test_add_func ("/net/pace/no-frame", test_no_frame);
  g_test_add_func ("/net/pace/main-loop", test_main_loop);

  return g_test_run ();
}
