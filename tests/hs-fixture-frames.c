/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "hs-fixture-frames.h"

#include "hs-pace.h"

#define DEADLINE_US (20 * G_USEC_PER_SEC)

static gboolean
frame_cb (gpointer data)
{
  (*(guint *) data)++;
  return G_SOURCE_REMOVE;
}

void
hs_fixture_frame_next (guint *drawn)
{
  GSource *timer = g_timeout_source_new (HS_FIXTURE_FRAME_US / 1000);

  g_source_set_priority (timer, HS_FIXTURE_REDRAW_PRIORITY);
  g_source_set_callback (timer, frame_cb, drawn, NULL);
  g_source_attach (timer, NULL);
  hs_pace_frame_done (g_source_get_ready_time (timer));
  g_source_unref (timer);
}

void
hs_fixture_frames (guint n_frames, gboolean *yielded)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  guint drawn = 0;

  for (guint frame = 1; frame <= n_frames; frame++)
    {
      *yielded = FALSE;
      hs_fixture_frame_next (&drawn);
      while (drawn < frame)
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_main_context_iteration (NULL, FALSE);
        }
    }
}

void
hs_fixture_frames_while_busy (const guint *n_work, guint n_frames)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  guint drawn = 0;

  for (guint frame = 1; frame <= n_frames; frame++)
    {
      guint before = *n_work;

      /* The window has drawn a frame: the next is due when its timer
       * fires (the timer first, so that it is ready when the pace says
       * the frame is due, however late this thread runs). */
      hs_fixture_frame_next (&drawn);
      while (drawn < frame)
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_main_context_iteration (NULL, FALSE);
        }
      /* The network worked while the frame was not due. */
      g_assert_cmpuint (*n_work, >, before);
      /* And stays below the drawing while it has work. */
      g_assert_true (hs_pace_is_yielding ());
    }
}
