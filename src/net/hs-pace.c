/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-pace"

#include "config.h"

#include "hs-pace.h"

/*
 * The network's work makes room for the window's frames.
 *
 * The sockets' sources have GLib's default priority, and GTK draws at a
 * lower one, so while a class arrives (a thousand connections to accept,
 * their captured segments to read) a source is always ready and no frame
 * is drawn: the window stood still for up to a quarter of a second.
 *
 * So the sources that bring new work (the listener, the capture, the
 * connections' reads, src/net/hs-read-mux.c) are watched here. While a
 * window draws frames they sit just below GTK's drawing priority: between
 * frames the main loop is theirs, and a frame that falls due comes next.
 * A dispatch asks hs_pace_work() before each piece of its work (an accept,
 * a read, a batch of captured packets); once the next frame is due, and
 * the network has had its share of the time since the last one, the
 * dispatch ends there and the frame comes before the rest.
 *
 * (A budget of work at the default priority after each frame, which this
 * replaced, let the work that came before GTK's drawing grow past the
 * budget, and let a batch begun just before a frame fell due push the
 * frame into the next refresh: a fifth of a burst's frames were late.)
 *
 * If no frame comes for a while with the sources lowered (the window is
 * minimized or not shown yet), they go back to the default priority for
 * as long again, or until the next frame, and then down again: a frame
 * that a busy network kept from running gets its turn. Without a window
 * (the command line) they never leave the default priority.
 *
 * Only a few sources are watched: changing a source's priority moves its
 * descriptor in GLib's list of them, a walk over all of them, which is
 * why the connections' reads share one source. Everything here runs on
 * the main thread.
 */

/* GTK makes the timer for its next frame in whole milliseconds. */
#define TIMER_SLACK_US 1000

static struct
{
  GPtrArray *sources;
  guint n_windows;      /* windows that tell of their frames */
  gboolean lowered;     /* the sources are below GTK's drawing */
  gint64 lowered_us;    /* since when */
  gint64 frame_end_us;  /* the last frame's end; 0 before the first */
  gint64 next_frame_us; /* when the next one is due; 0 if unknown */
  /* The last call ended a dispatch for a frame. A call before that frame
   * is drawn, in a later turn of the main loop, means that none was ready
   * to run (the sources are below it): no frame is asked for. */
  gboolean asked;
  /* Turns of the main loop, counted while a window holds frames: a turn
   * dispatches every source of the highest priority that was ready at its
   * start, so the other sources of the turn in which a dispatch ended for
   * a frame come before the frame however it is due. They end at once
   * too. */
  GSource *turns;
  guint64 n_turns;
  guint64 asked_turn;
  /* No frame came while the sources were lowered: until this time, or
   * until a frame comes, they are at the default priority. */
  gint64 stalled_until;
  guint late_id;
  guint n_yields;
} pace;

static void
set_priorities (int priority)
{
  if (pace.sources == NULL)
    return;
  for (guint i = 0; i < pace.sources->len; i++)
    {
      GSource *source = g_ptr_array_index (pace.sources, i);

      if (!g_source_is_destroyed (source))
        g_source_set_priority (source, priority);
    }
}

/* Watches @source, which has the default priority and no parent
 * source. */
void
hs_pace_watch (GSource *source)
{
  g_return_if_fail (source != NULL);

  if (pace.sources == NULL)
    pace.sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
  g_ptr_array_add (pace.sources, g_source_ref (source));
  if (pace.lowered)
    g_source_set_priority (source, HS_PACE_YIELD_PRIORITY);
}

void
hs_pace_unwatch (GSource *source)
{
  g_return_if_fail (source != NULL);

  if (pace.sources != NULL)
    g_ptr_array_remove_fast (pace.sources, source);
}

static void
raise_sources (void)
{
  pace.asked = FALSE;
  if (!pace.lowered)
    return;
  pace.lowered = FALSE;
  g_clear_handle_id (&pace.late_id, g_source_remove);
  set_priorities (G_PRIORITY_DEFAULT);
}

static gboolean frame_late_cb (gpointer user_data);

/* Checks for frames HS_PACE_FRAME_WAIT_MS after @since. Above the sockets'
 * priority, so that it comes even while sources of the default priority
 * are always ready. */
static void
arm_late (gint64 since)
{
  gint64 left_ms = (since + HS_PACE_FRAME_WAIT_MS * 1000 - g_get_monotonic_time () + 999) / 1000;

  pace.late_id =
      g_timeout_add_full (G_PRIORITY_HIGH, (guint) CLAMP (left_ms, 1, HS_PACE_FRAME_WAIT_MS),
                          frame_late_cb, NULL, NULL);
}

static gboolean
frame_late_cb (gpointer user_data)
{
  gint64 since = MAX (pace.frame_end_us, pace.lowered_us);

  pace.late_id = 0;
  if (g_get_monotonic_time () - since < HS_PACE_FRAME_WAIT_MS * 1000)
    arm_late (since);
  else
    {
      pace.stalled_until = g_get_monotonic_time () + HS_PACE_FRAME_WAIT_MS * 1000;
      raise_sources ();
    }
  return G_SOURCE_REMOVE;
}

static void
lower_sources (void)
{
  pace.lowered = TRUE;
  pace.lowered_us = g_get_monotonic_time ();
  set_priorities (HS_PACE_YIELD_PRIORITY);
  arm_late (pace.lowered_us);
}

static gboolean
turn_prepare (GSource *source, int *timeout)
{
  pace.n_turns++;
  *timeout = -1;
  return FALSE;
}

static GSourceFuncs turn_funcs = { turn_prepare, NULL, NULL, NULL, NULL, NULL };

/* Called by a watched source before each piece of its work: FALSE when a
 * frame is due and the dispatch is to end, its work going on in a later
 * one, after the frame. */
gboolean
hs_pace_work (void)
{
  gint64 now;

  if (pace.n_windows == 0)
    return TRUE;
  now = g_get_monotonic_time ();
  if (now < pace.stalled_until)
    return TRUE;
  if (!pace.lowered)
    lower_sources ();
  if (pace.asked)
    {
      /* Another source of the turn whose dispatch ended for the frame. */
      if (pace.n_turns == pace.asked_turn)
        return FALSE;
      /* Nothing at GTK's priority was ready in the turn after the last
       * dispatch ended: the window has asked for no frame, and none is
       * due until it draws one. */
      pace.asked = FALSE;
      pace.next_frame_us = 0;
      return TRUE;
    }
  if (pace.next_frame_us == 0 || now < pace.next_frame_us + TIMER_SLACK_US ||
      now - pace.frame_end_us < HS_PACE_SHARE_US)
    return TRUE;
  pace.asked = TRUE;
  pace.asked_turn = pace.n_turns;
  pace.n_yields++;
  return FALSE;
}

/* For work of the network's that is not watched (a poll, a dump taken
 * in): TRUE when it is to wait for a frame that is due. Asked only while
 * the watched sources give way to frames, so that an idle window's timers
 * leave the pace as it is (lowering the sources and arming its timer for
 * nothing, and raising them again for a while after). */
gboolean
hs_pace_frame_due (void)
{
  return pace.lowered && !hs_pace_work ();
}

/* The priority for a source of the network's that is not watched (a
 * timer made anew each time): below GTK's drawing while the watched
 * ones are. */
int
hs_pace_get_priority (void)
{
  return pace.lowered ? HS_PACE_YIELD_PRIORITY : G_PRIORITY_DEFAULT;
}

/* A frame has been drawn, and the next one is due at @next_frame_us (in
 * g_get_monotonic_time()'s time), if one is asked for. */
void
hs_pace_frame_done (gint64 next_frame_us)
{
  pace.frame_end_us = g_get_monotonic_time ();
  pace.next_frame_us = next_frame_us;
  pace.asked = FALSE;
  pace.stalled_until = 0;
}

/* A window draws frames and tells of each with hs_pace_frame_done(),
 * until it calls hs_pace_release_frames(). */
void
hs_pace_hold_frames (void)
{
  if (pace.n_windows++ > 0)
    return;
  /* Prepared first in every turn, never ready. */
  pace.turns = g_source_new (&turn_funcs, sizeof (GSource));
  g_source_set_priority (pace.turns, G_PRIORITY_HIGH - 100);
  g_source_set_static_name (pace.turns, "[handshake] pace turns");
  g_source_attach (pace.turns, NULL);
}

void
hs_pace_release_frames (void)
{
  g_return_if_fail (pace.n_windows > 0);

  /* Nothing may wait for a frame that no window will draw. */
  if (--pace.n_windows > 0)
    return;
  g_source_destroy (pace.turns);
  g_clear_pointer (&pace.turns, g_source_unref);
  raise_sources ();
  pace.stalled_until = pace.frame_end_us = pace.next_frame_us = 0;
}

/* Whether the watched sources are below GTK's drawing now. */
gboolean
hs_pace_is_yielding (void)
{
  return pace.lowered;
}

/* How many times hs_pace_work() has said that a frame is due. For tests
 * and benchmarks. */
guint
hs_pace_get_n_yields (void)
{
  return pace.n_yields;
}
