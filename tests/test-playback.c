/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "hs-playback.h"

#define SEG HS_PLAYBACK_SEGMENT_US
#define STA HS_PLAYBACK_STATE_US
#define APP HS_PLAYBACK_APP_US
#define ERR HS_PLAYBACK_ERROR_US

static void
add (HsTrace *trace, HsEventKind kind)
{
  HsEvent e = { .kind = kind, .side = HS_SIDE_CLIENT };

  hs_trace_append (trace, &e);
}

/* app, segment, state, error: ends at 0.4, 1.4, 1.9, 2.7 s. */
static HsTrace *
new_trace (void)
{
  HsTrace *trace = hs_trace_new ();

  add (trace, HS_EVENT_APP);
  add (trace, HS_EVENT_SEGMENT);
  add (trace, HS_EVENT_STATE);
  add (trace, HS_EVENT_ERROR);
  return trace;
}

static void
count_cb (gpointer instance, guint *count)
{
  (*count)++;
}

static void
notify_count_cb (GObject *object, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

static void
test_timeline (void)
{
  g_autoptr (HsTrace) trace = new_trace ();
  g_autoptr (HsPlayback) playback = hs_playback_new (trace);
  gint64 start;
  gint64 duration;

  g_assert_cmpint (hs_playback_get_n_events (playback), ==, 4);
  g_assert_cmpint (hs_playback_get_end (playback), ==, APP + SEG + STA + ERR);

  hs_playback_get_event_time (playback, 1, &start, &duration);
  g_assert_cmpint (start, ==, APP);
  g_assert_cmpint (duration, ==, SEG);
  hs_playback_get_event_time (playback, 3, &start, &duration);
  g_assert_cmpint (start, ==, APP + SEG + STA);
  g_assert_cmpint (duration, ==, ERR);

  /* A new playback follows the trace live from the start. */
  g_assert_true (hs_playback_get_playing (playback));
  g_assert_cmpint (hs_playback_get_position (playback), ==, 0);
  g_assert_cmpfloat (hs_playback_get_speed (playback), ==, 1.0);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 0);
  g_assert_cmpuint (hs_playback_get_current (playback), ==, G_MAXUINT);
  g_assert_true (hs_playback_needs_frames (playback));
  g_assert_true (hs_playback_get_trace (playback) == trace);
}

static void
test_tick (void)
{
  g_autoptr (HsTrace) trace = new_trace ();
  g_autoptr (HsPlayback) playback = hs_playback_new (trace);
  guint changed = 0;
  guint notified = 0;

  g_signal_connect (playback, "changed", G_CALLBACK (count_cb), &changed);
  g_signal_connect (playback, "notify::position", G_CALLBACK (notify_count_cb), &notified);

  /* Into the segment's flight, halfway. */
  g_assert_true (hs_playback_tick (playback, APP + SEG / 2));
  g_assert_cmpint (hs_playback_get_position (playback), ==, APP + SEG / 2);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 2);
  g_assert_cmpuint (hs_playback_get_current (playback), ==, 1);
  g_assert_cmpfloat_with_epsilon (hs_playback_get_progress (playback, 0), 1.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (hs_playback_get_progress (playback, 1), 0.5, 1e-9);
  g_assert_cmpfloat (hs_playback_get_progress (playback, 2), ==, 0.0);
  g_assert_cmpfloat (hs_playback_get_progress (playback, 99), ==, 0.0);
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpuint (notified, ==, 1);

  /* Twice as fast. */
  hs_playback_set_speed (playback, 2.0);
  hs_playback_tick (playback, SEG / 4);
  g_assert_cmpint (hs_playback_get_position (playback), ==, APP + SEG);
  /* The boundary belongs to the event that just finished. */
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 2);
  g_assert_cmpuint (hs_playback_get_current (playback), ==, 1);

  /* Never past the end; then nothing more to animate. */
  hs_playback_tick (playback, 60 * G_USEC_PER_SEC);
  g_assert_cmpint (hs_playback_get_position (playback), ==, hs_playback_get_end (playback));
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 4);
  g_assert_cmpuint (hs_playback_get_current (playback), ==, 3);
  g_assert_false (hs_playback_needs_frames (playback));
  g_assert_true (hs_playback_is_live (playback));
  g_assert_false (hs_playback_tick (playback, 1000));
  g_assert_false (hs_playback_tick (playback, -5));

  /* Paused: ticks do nothing. */
  hs_playback_set_position (playback, 0);
  hs_playback_set_playing (playback, FALSE);
  g_assert_false (hs_playback_needs_frames (playback));
  g_assert_false (hs_playback_tick (playback, SEG));
  g_assert_cmpint (hs_playback_get_position (playback), ==, 0);
}

static void
test_speed_and_position_clamp (void)
{
  g_autoptr (HsTrace) trace = new_trace ();
  g_autoptr (HsPlayback) playback = hs_playback_new (trace);

  hs_playback_set_speed (playback, 100);
  g_assert_cmpfloat (hs_playback_get_speed (playback), ==, HS_PLAYBACK_SPEED_MAX);
  hs_playback_set_speed (playback, 0);
  g_assert_cmpfloat (hs_playback_get_speed (playback), ==, HS_PLAYBACK_SPEED_MIN);
  hs_playback_tick (playback, 1000 * 1000);
  g_assert_cmpint (hs_playback_get_position (playback), ==, 250 * 1000);

  hs_playback_set_position (playback, -10);
  g_assert_cmpint (hs_playback_get_position (playback), ==, 0);
  hs_playback_set_position (playback, G_MAXINT64);
  g_assert_cmpint (hs_playback_get_position (playback), ==, hs_playback_get_end (playback));

  g_object_set (playback, "position", (gint64) APP, NULL);
  g_assert_cmpint (hs_playback_get_position (playback), ==, APP);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 1);
}

static void
test_live (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  g_autoptr (HsPlayback) playback = hs_playback_new (trace);
  guint changed = 0;

  g_signal_connect (playback, "changed", G_CALLBACK (count_cb), &changed);

  /* Caught up with an empty trace. */
  g_assert_false (hs_playback_needs_frames (playback));
  g_assert_true (hs_playback_is_live (playback));

  /* An event arrives: it extends the end and is animated as it comes. */
  add (trace, HS_EVENT_SEGMENT);
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpint (hs_playback_get_end (playback), ==, SEG);
  g_assert_true (hs_playback_needs_frames (playback));
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 0);
  hs_playback_tick (playback, SEG / 4);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 1);
  g_assert_cmpfloat_with_epsilon (hs_playback_get_progress (playback, 0), 0.25, 1e-9);

  /* Pausing and then going live jumps to the end and plays. */
  hs_playback_set_playing (playback, FALSE);
  add (trace, HS_EVENT_STATE);
  g_assert_false (hs_playback_needs_frames (playback));
  hs_playback_go_live (playback);
  g_assert_true (hs_playback_get_playing (playback));
  g_assert_cmpint (hs_playback_get_position (playback), ==, SEG + STA);
  g_assert_true (hs_playback_is_live (playback));
}

static void
test_step_forward (void)
{
  g_autoptr (HsTrace) trace = new_trace ();
  g_autoptr (HsPlayback) playback = hs_playback_new (trace);
  guint ticks = 0;

  hs_playback_go_to_start (playback);
  g_assert_false (hs_playback_get_playing (playback));
  g_assert_false (hs_playback_needs_frames (playback));

  /* The step is animated, then stops at the end of the event. */
  hs_playback_step_forward (playback);
  g_assert_false (hs_playback_get_playing (playback));
  g_assert_true (hs_playback_is_stepping (playback));
  g_assert_true (hs_playback_needs_frames (playback));
  while (hs_playback_needs_frames (playback))
    {
      hs_playback_tick (playback, 16667);
      g_assert_cmpuint (++ticks, <, 1000);
    }
  g_assert_cmpuint (ticks, >, 10);
  g_assert_false (hs_playback_is_stepping (playback));
  g_assert_cmpint (hs_playback_get_position (playback), ==, APP);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 1);
  g_assert_cmpfloat (hs_playback_get_progress (playback, 0), ==, 1.0);

  /* A second press during a step finishes it at once and starts the next. */
  hs_playback_step_forward (playback);
  hs_playback_tick (playback, SEG / 10);
  g_assert_cmpuint (hs_playback_get_current (playback), ==, 1);
  hs_playback_step_forward (playback);
  g_assert_cmpfloat (hs_playback_get_progress (playback, 1), ==, 1.0);
  g_assert_true (hs_playback_is_stepping (playback));
  hs_playback_tick (playback, G_USEC_PER_SEC * 10);
  g_assert_cmpint (hs_playback_get_position (playback), ==, APP + SEG + STA);
  g_assert_false (hs_playback_is_stepping (playback));

  /* Paused in the middle of an event: a step finishes that event. */
  hs_playback_set_position (playback, APP + SEG / 2);
  hs_playback_step_forward (playback);
  hs_playback_tick (playback, G_USEC_PER_SEC * 10);
  g_assert_cmpint (hs_playback_get_position (playback), ==, APP + SEG);

  /* Playing: a step pauses. At the end: nothing to step to. */
  hs_playback_go_live (playback);
  hs_playback_step_forward (playback);
  g_assert_false (hs_playback_get_playing (playback));
  g_assert_false (hs_playback_is_stepping (playback));
  g_assert_false (hs_playback_needs_frames (playback));

  /* Play takes over from a step under way. */
  hs_playback_go_to_start (playback);
  hs_playback_step_forward (playback);
  hs_playback_set_playing (playback, TRUE);
  g_assert_false (hs_playback_is_stepping (playback));
  hs_playback_tick (playback, G_USEC_PER_SEC * 10);
  g_assert_cmpint (hs_playback_get_position (playback), ==, hs_playback_get_end (playback));
}

static void
test_step_back (void)
{
  g_autoptr (HsTrace) trace = new_trace ();
  g_autoptr (HsPlayback) playback = hs_playback_new (trace);

  /* From the end of event 2 to the end of event 1. */
  hs_playback_set_position (playback, APP + SEG + STA);
  hs_playback_step_back (playback);
  g_assert_false (hs_playback_get_playing (playback));
  g_assert_cmpint (hs_playback_get_position (playback), ==, APP + SEG);
  g_assert_cmpuint (hs_playback_get_current (playback), ==, 1);

  /* From the middle of event 1: its predecessor's end, 1 disappears. */
  hs_playback_set_position (playback, APP + SEG / 3);
  hs_playback_step_back (playback);
  g_assert_cmpint (hs_playback_get_position (playback), ==, APP);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 1);

  hs_playback_step_back (playback);
  g_assert_cmpint (hs_playback_get_position (playback), ==, 0);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 0);
  hs_playback_step_back (playback);
  g_assert_cmpint (hs_playback_get_position (playback), ==, 0);

  /* A step back cancels a step forward under way. */
  hs_playback_step_forward (playback);
  hs_playback_step_back (playback);
  g_assert_false (hs_playback_is_stepping (playback));
  g_assert_false (hs_playback_needs_frames (playback));
}

static void
test_cleared (void)
{
  g_autoptr (HsTrace) trace = new_trace ();
  g_autoptr (HsPlayback) playback = hs_playback_new (trace);
  guint changed = 0;

  hs_playback_go_live (playback);
  g_signal_connect (playback, "changed", G_CALLBACK (count_cb), &changed);
  hs_trace_clear (trace);

  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpint (hs_playback_get_position (playback), ==, 0);
  g_assert_cmpint (hs_playback_get_end (playback), ==, 0);
  g_assert_cmpuint (hs_playback_get_n_events (playback), ==, 0);
  g_assert_cmpuint (hs_playback_get_current (playback), ==, G_MAXUINT);

  /* Still live: the next session plays as it comes. */
  add (trace, HS_EVENT_APP);
  g_assert_true (hs_playback_needs_frames (playback));
}

static void
test_trace_outlives (void)
{
  HsTrace *trace = new_trace ();
  HsPlayback *playback = hs_playback_new (trace);

  g_object_unref (trace);
  g_assert_cmpuint (hs_playback_get_n_events (playback), ==, 4);
  g_assert_finalize_object (playback);
}

/* Going back in time is a replay until the playback is live again. */
static void
test_replay (void)
{
  g_autoptr (HsTrace) trace = new_trace ();
  g_autoptr (HsPlayback) playback = hs_playback_new (trace);
  guint notified = 0;

  g_signal_connect (playback, "notify::replay", G_CALLBACK (notify_count_cb), &notified);

  /* A new playback follows the trace: catching up is not a replay. */
  g_assert_false (hs_playback_is_replay (playback));
  hs_playback_tick (playback, SEG);
  g_assert_false (hs_playback_is_replay (playback));
  while (hs_playback_tick (playback, SEG))
    ;
  g_assert_true (hs_playback_is_live (playback));

  hs_playback_step_back (playback);
  g_assert_true (hs_playback_is_replay (playback));
  g_assert_cmpuint (notified, ==, 1);
  hs_playback_go_to_start (playback);
  g_assert_true (hs_playback_is_replay (playback));
  g_assert_cmpuint (notified, ==, 1);

  hs_playback_go_live (playback);
  g_assert_false (hs_playback_is_replay (playback));
  g_assert_cmpuint (notified, ==, 2);

  /* Seeking back is a replay; playing from there catches up and is live
   * again, so new events play as they come. */
  hs_playback_set_position (playback, APP);
  g_assert_true (hs_playback_is_replay (playback));
  hs_playback_set_playing (playback, TRUE);
  while (hs_playback_tick (playback, SEG))
    ;
  g_assert_false (hs_playback_is_replay (playback));
  add (trace, HS_EVENT_APP);
  g_assert_false (hs_playback_is_replay (playback));
  g_assert_true (hs_playback_needs_frames (playback));
  while (hs_playback_tick (playback, SEG))
    ;

  /* Paused at the end, the trace moving on leaves the view in the past. */
  hs_playback_set_playing (playback, FALSE);
  g_assert_false (hs_playback_is_replay (playback));
  add (trace, HS_EVENT_STATE);
  g_assert_true (hs_playback_is_replay (playback));

  /* Stepping forward to the end shows everything: no longer a replay. */
  hs_playback_step_forward (playback);
  while (hs_playback_tick (playback, SEG))
    ;
  g_assert_cmpint (hs_playback_get_position (playback), ==, hs_playback_get_end (playback));
  g_assert_false (hs_playback_is_replay (playback));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/playback/timeline", test_timeline);
  g_test_add_func ("/core/playback/tick", test_tick);
  g_test_add_func ("/core/playback/clamp", test_speed_and_position_clamp);
  g_test_add_func ("/core/playback/live", test_live);
  g_test_add_func ("/core/playback/step-forward", test_step_forward);
  g_test_add_func ("/core/playback/step-back", test_step_back);
  g_test_add_func ("/core/playback/cleared", test_cleared);
  g_test_add_func ("/core/playback/trace-outlives", test_trace_outlives);
  g_test_add_func ("/core/playback/replay", test_replay);

  return g_test_run ();
}
