/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <unistd.h>

#include <glib-unix.h>

#include "hs-fixture-frames.h"
#include "hs-pace.h"

#define DEADLINE_US (20 * G_USEC_PER_SEC)

/* Works (as a watched source does) until hs_pace_work() says a frame is
 * due, or fails after a generous deadline. */
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
  /* With no window to draw frames, the network's work always goes on at
   * the default priority. */
  while (g_get_monotonic_time () - start < 50000)
    g_assert_true (hs_pace_work ());
  g_assert_false (hs_pace_is_yielding ());
  g_assert_cmpint (g_source_get_priority (source), ==, G_PRIORITY_DEFAULT);
  g_assert_cmpint (hs_pace_get_priority (), ==, G_PRIORITY_DEFAULT);

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

  /* With a window, work drops the watched sources below GTK's drawing,
   * and goes on. */
  g_assert_true (hs_pace_work ());
  g_assert_true (hs_pace_is_yielding ());
  g_assert_cmpint (g_source_get_priority (source), ==, HS_PACE_YIELD_PRIORITY);
  g_assert_cmpint (hs_pace_get_priority (), ==, HS_PACE_YIELD_PRIORITY);
  g_assert_cmpint (HS_PACE_YIELD_PRIORITY, >, HS_FIXTURE_REDRAW_PRIORITY);
  g_assert_cmpint (HS_PACE_YIELD_PRIORITY, <, G_PRIORITY_DEFAULT_IDLE);
  /* A source watched meanwhile is with the others. */
  g_source_attach (later, NULL);
  hs_pace_watch (later);
  g_assert_cmpint (g_source_get_priority (later), ==, HS_PACE_YIELD_PRIORITY);

  /* Before the next frame is due, the work goes on. */
  hs_pace_frame_done (g_get_monotonic_time () + (gint64) 3600 * G_USEC_PER_SEC);
  for (guint i = 0; i < 1000; i++)
    g_assert_true (hs_pace_work ());
  g_assert_cmpuint (hs_pace_get_n_yields (), ==, yields);

  /* Once it is due (and the network has had its share since the last
   * one), the dispatch at hand ends. */
  hs_pace_frame_done (g_get_monotonic_time ());
  work_until_yield ();
  g_assert_cmpuint (hs_pace_get_n_yields (), ==, yields + 1);
  /* The other sources of the same turn of the main loop come before the
   * frame, ready or not: their work ends at once. */
  g_assert_false (hs_pace_work ());
  g_assert_false (hs_pace_work ());
  g_assert_cmpuint (hs_pace_get_n_yields (), ==, yields + 1);
  /* Called again in a later turn with no frame drawn meanwhile: none was
   * ready to run, so the window asked for none, and the work goes on
   * until it draws one. */
  g_main_context_iteration (NULL, FALSE);
  for (guint i = 0; i < 1000; i++)
    g_assert_true (hs_pace_work ());
  g_assert_cmpuint (hs_pace_get_n_yields (), ==, yields + 1);
  g_assert_true (hs_pace_is_yielding ());
  hs_pace_frame_done (g_get_monotonic_time ());
  work_until_yield ();
  g_assert_cmpuint (hs_pace_get_n_yields (), ==, yields + 2);

  /* The last window gone, nothing waits for a frame. */
  hs_pace_release_frames ();
  g_assert_false (hs_pace_is_yielding ());
  g_assert_cmpint (g_source_get_priority (source), ==, G_PRIORITY_DEFAULT);
  g_assert_cmpint (g_source_get_priority (later), ==, G_PRIORITY_DEFAULT);
  g_assert_true (hs_pace_work ());

  hs_pace_unwatch (source);
  hs_pace_unwatch (later);
  g_source_destroy (source);
  g_source_destroy (later);
  g_source_unref (source);
  g_source_unref (later);
}

/* A frame longer than the refresh interval ends with the next one due
 * already: the network still has its share of the time before it. */
static void
test_share (void)
{
  gint64 done;

  hs_pace_hold_frames ();
  done = g_get_monotonic_time ();
  hs_pace_frame_done (done - 1000);
  work_until_yield ();
  g_assert_cmpint (g_get_monotonic_time () - done, >=, HS_PACE_SHARE_US - 100);
  hs_pace_release_frames ();
}

/* Work the pace does not watch (the socket table's poll, a dump taken
 * in) waits for a due frame only while the network gives way to frames:
 * an idle window's timers leave the pace as it is. */
static void
test_frame_due (void)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  hs_pace_hold_frames ();
  hs_pace_frame_done (g_get_monotonic_time () - 1000);
  for (guint i = 0; i < 100; i++)
    g_assert_false (hs_pace_frame_due ());
  g_assert_false (hs_pace_is_yielding ());

  /* The network at work gives way, and a due frame comes first then. */
  g_assert_true (hs_pace_work ());
  g_assert_true (hs_pace_is_yielding ());
  while (!hs_pace_frame_due ())
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
  hs_pace_release_frames ();
}

/* Runs the main loop until the sources are no longer below the drawing. */
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

static gboolean
frame_cb (gpointer data)
{
  hs_pace_frame_done (g_get_monotonic_time () + HS_FIXTURE_FRAME_US);
  /* And the network's work between frames. */
  hs_pace_work ();
  return G_SOURCE_CONTINUE;
}

/* A window that draws no frame (minimized, not shown yet) does not keep
 * the network waiting: without a frame the sources are back at the
 * default priority after a while, for as long again, and then below the
 * drawing again, so that a frame the network kept from running gets its
 * turn. */
static void
test_no_frame (void)
{
  gint64 start;
  guint frames;

  hs_pace_hold_frames ();
  start = g_get_monotonic_time ();
  g_assert_true (hs_pace_work ());
  g_assert_true (hs_pace_is_yielding ());
  wait_yield_over ();
  g_assert_cmpint (g_get_monotonic_time () - start, >=, HS_PACE_FRAME_WAIT_MS * 1000 - 1000);
  start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < 20000)
    g_assert_true (hs_pace_work ());
  g_assert_false (hs_pace_is_yielding ());
  while (g_get_monotonic_time () - start < HS_PACE_FRAME_WAIT_MS * 1000 + 1000)
    g_assert_true (hs_pace_work ());
  g_assert_true (hs_pace_is_yielding ());

  /* A frame ends the wait at once. */
  wait_yield_over ();
  hs_pace_frame_done (g_get_monotonic_time () + HS_FIXTURE_FRAME_US);
  g_assert_true (hs_pace_work ());
  g_assert_true (hs_pace_is_yielding ());

  /* With frames coming, the sources stay below the drawing past the wait
   * (a pause of the whole process may raise them for a while: only the
   * end is checked). */
  frames = g_timeout_add (HS_FIXTURE_FRAME_US / 1000, frame_cb, NULL);
  start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < 3 * HS_PACE_FRAME_WAIT_MS * 1000)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (frames);
  hs_pace_frame_done (g_get_monotonic_time () + HS_FIXTURE_FRAME_US);
  hs_pace_work ();
  g_assert_true (hs_pace_is_yielding ());
  hs_pace_release_frames ();
}

/* A watched source whose pipe stays readable, calling @func with
 * @n_work, while a window holds frames. */
static GSource *
busy_source_new (GSourceFunc func, guint *n_work, int fds[2])
{
  GSource *busy;

  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));
  g_assert_cmpint (write (fds[1], "x", 1), ==, 1);
  busy = g_unix_fd_source_new (fds[0], G_IO_IN);
  g_source_set_callback (busy, func, n_work, NULL);
  g_source_attach (busy, NULL);
  hs_pace_watch (busy);
  hs_pace_hold_frames ();
  return busy;
}

static void
busy_source_free (GSource *busy, int fds[2])
{
  hs_pace_release_frames ();
  hs_pace_unwatch (busy);
  g_source_destroy (busy);
  g_source_unref (busy);
  close (fds[0]);
  close (fds[1]);
}

/* A source that never runs out of work (its descriptor stays readable)
 * and whose dispatch ends only when the pace says a frame is due: frames
 * are drawn only if it does. */
static gboolean
busy_cb (int fd, GIOCondition condition, gpointer data)
{
  gint64 start = g_get_monotonic_time ();

  while (hs_pace_work ())
    {
      (*(guint *) data)++;
      g_assert_cmpint (g_get_monotonic_time () - start, <, DEADLINE_US);
    }
  return G_SOURCE_CONTINUE;
}

/* In a real main loop, frames are drawn while a watched source is always
 * ready. Without the pace, a source of the default priority that is
 * always ready keeps one of GTK's priority from ever running. */
static void
test_main_loop (void)
{
  guint n_work = 0, yields;
  int fds[2];
  GSource *busy;

  busy = busy_source_new (G_SOURCE_FUNC (busy_cb), &n_work, fds);

  /* Three frames, each asked for and drawn while the work goes on: each
   * dispatch ends for a frame. */
  yields = hs_pace_get_n_yields ();
  hs_fixture_frames_while_busy (&n_work, 3);
  g_assert_cmpuint (hs_pace_get_n_yields (), >=, yields + 3);

  busy_source_free (busy, fds);
}

/* Work done after a dispatch ended for a frame, before that frame. */
static gboolean yielded;
static guint work_after_yield;

/* Pieces of work of 50 us, up to 64 a dispatch (3 ms) as the
 * listener's and the reads' dispatches take them: a batch may be under
 * way when a frame falls due. */
static gboolean
timed_batch_cb (int fd, GIOCondition condition, gpointer data)
{
  for (guint i = 0; i < 64; i++)
    {
      gint64 piece_end;

      if (!hs_pace_work ())
        {
          yielded = TRUE;
          break;
        }
      (*(guint *) data)++;
      /* (Unless the thread stood still so long that the pace raised the
       * sources for want of a frame.) */
      if (yielded && hs_pace_is_yielding ())
        work_after_yield++;
      piece_end = g_get_monotonic_time () + 50;
      while (g_get_monotonic_time () < piece_end)
        ;
    }
  return G_SOURCE_CONTINUE;
}

/* Two sources always ready (the listener and the reads, while a class
 * arrives) are dispatched in the same turn of the main loop. When the
 * first ends for a frame, the second is still to come in that turn,
 * before the frame: it must not take the frame's time. Either may be the
 * one whose batch runs into the frame's time. */
static void
test_same_turn (void)
{
  guint n_first = 0, n_second = 0;
  int first_fds[2], second_fds[2];
  GSource *first, *second;

  first = busy_source_new (G_SOURCE_FUNC (timed_batch_cb), &n_first, first_fds);
  second = busy_source_new (G_SOURCE_FUNC (timed_batch_cb), &n_second, second_fds);
  hs_fixture_frames (20, &yielded);
  /* Both worked between frames, and nothing after a dispatch ended. */
  g_assert_cmpuint (n_first, >, 0);
  g_assert_cmpuint (n_second, >, 0);
  g_assert_cmpuint (work_after_yield, ==, 0);

  busy_source_free (second, second_fds);
  busy_source_free (first, first_fds);
}

/* Work in batches, as the listener's and the reads' dispatches do. */
static gboolean
batch_cb (int fd, GIOCondition condition, gpointer data)
{
  for (guint i = 0; i < 64 && hs_pace_work (); i++)
    (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
drawn_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  hs_pace_frame_done (g_get_monotonic_time () + HS_FIXTURE_FRAME_US);
  return G_SOURCE_REMOVE;
}

/* Back at the default priority for want of a frame, a network that is
 * always busy keeps GTK's drawing from running; a frame asked for then
 * still comes, once the sources go below the drawing again. */
static void
test_stall_ends (void)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  gboolean lowered = FALSE, drawn = FALSE;
  guint n_work = 0;
  int fds[2];
  GSource *busy;

  busy = busy_source_new (G_SOURCE_FUNC (batch_cb), &n_work, fds);

  while (!lowered || hs_pace_is_yielding ())
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      lowered |= hs_pace_is_yielding ();
    }
  g_assert_cmpint (g_source_get_priority (busy), ==, G_PRIORITY_DEFAULT);
  g_idle_add_full (HS_FIXTURE_REDRAW_PRIORITY, drawn_cb, &drawn, NULL);
  while (!drawn)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
    }
  g_assert_cmpuint (n_work, >, 0);

  busy_source_free (busy, fds);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/pace/without-window", test_without_window);
  g_test_add_func ("/net/pace/yield", test_yield);
  g_test_add_func ("/net/pace/share", test_share);
  g_test_add_func ("/net/pace/frame-due", test_frame_due);
  g_test_add_func ("/net/pace/no-frame", test_no_frame);
  g_test_add_func ("/net/pace/main-loop", test_main_loop);
  g_test_add_func ("/net/pace/same-turn", test_same_turn);
  g_test_add_func ("/net/pace/stall-ends", test_stall_ends);

  return g_test_run ();
}
