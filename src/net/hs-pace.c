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
 * connections' reads, src/net/hs-read-mux.c) are watched here. Once they
 * have worked for a few milliseconds since the window's last frame, they
 * drop to a priority just below GTK's drawing until the next frame is
 * done: a frame due is drawn first, and between frames the network has
 * the main loop to itself. Without a window (the command line) they never
 * yield.
 *
 * Only a few sources are watched: changing a source's priority moves its
 * descriptor in GLib's list of them, a walk over all of them, which is
 * why the connections' reads share one source. Everything here runs on
 * the main thread.
 */

static struct
{
  GPtrArray *sources;
  guint n_windows; /* windows that tell of their frames */
  gboolean yielding;
  gint64 since; /* the start of the stretch of work; 0 for none */
  gint64 last;  /* the last piece of work */
  guint late_id;
  /* No frame came while the network yielded: until this time, or until
   * a frame comes, it does not yield again. */
  gint64 stalled_until;
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
  if (pace.yielding)
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
end_yield (void)
{
  pace.since = 0;
  if (!pace.yielding)
    return;
  pace.yielding = FALSE;
  g_clear_handle_id (&pace.late_id, g_source_remove);
  set_priorities (G_PRIORITY_DEFAULT);
}

static gboolean
frame_late_cb (gpointer user_data)
{
  pace.late_id = 0;
  pace.stalled_until = g_get_monotonic_time () + HS_PACE_FRAME_WAIT_MS * 1000;
  end_yield ();
  return G_SOURCE_REMOVE;
}

/* Called as a watched source begins its work, and between the pieces of
 * a long one: FALSE when the network yields now, and the work is to go on
 * in a later dispatch, after the frame. A dispatch while the network
 * yields has come because no frame was due: its work goes on. */
gboolean
hs_pace_work (void)
{
  gint64 now;

  if (pace.yielding || pace.n_windows == 0)
    return TRUE;
  now = g_get_monotonic_time ();
  if (now < pace.stalled_until)
    return TRUE;
  if (pace.since == 0 || now - pace.last > HS_PACE_GAP_US)
    pace.since = now;
  pace.last = now;
  if (now - pace.since < HS_PACE_BUDGET_US)
    return TRUE;

  pace.yielding = TRUE;
  pace.n_yields++;
  set_priorities (HS_PACE_YIELD_PRIORITY);
  /* Above the sockets' priority, so that it comes even while they are
   * always ready. */
  pace.late_id =
      g_timeout_add_full (G_PRIORITY_HIGH, HS_PACE_FRAME_WAIT_MS, frame_late_cb, NULL, NULL);
  return FALSE;
}

/* A frame has been drawn: the network has its priority and its budget
 * back. */
void
hs_pace_frame_done (void)
{
  pace.stalled_until = 0;
  end_yield ();
}

/* A window draws frames and tells of each with hs_pace_frame_done(),
 * until it calls hs_pace_release_frames(). */
void
hs_pace_hold_frames (void)
{
  pace.n_windows++;
}

void
hs_pace_release_frames (void)
{
  g_return_if_fail (pace.n_windows > 0);

  /* Nothing may wait for a frame that no window will draw. */
  if (--pace.n_windows == 0)
    end_yield ();
}

gboolean
hs_pace_is_yielding (void)
{
  return pace.yielding;
}

/* How many times the network has yielded. For tests and benchmarks. */
guint
hs_pace_get_n_yields (void)
{
  return pace.n_yields;
}
