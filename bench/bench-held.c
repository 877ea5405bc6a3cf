/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Frame times of the real window while many segments wait on the wire in
 * Step mode (docs/performance.md, "Held segments"). The simulated network is
 * used because its model has no congestion window: a real kernel stops at
 * ten unacknowledged segments, the model sends every one the user asks for,
 * so it is the way to put a thousand arrows on the wire at once.
 *
 * Not a test: run it by hand under a display, e.g.
 *   xvfb-run -s '-screen 0 1920x1080x24' _build/bench/bench-held 1000
 * It prints the frame intervals while the held segments are redrawn every
 * frame, then while they are delivered one per frame.
 */
#include "config.h"

#include <stdlib.h>

#include <adwaita.h>

#include "hs-canvas.h"
#include "hs-window.h"

#define DEADLINE_US (60 * G_USEC_PER_SEC)
#define MEASURE_US  (4 * G_USEC_PER_SEC)

typedef struct
{
  HsWindow *window;
  GArray *intervals; /* gint64 microseconds between frames */
  gint64 last_frame;
  gint64 started;
  gboolean deliver; /* deliver one held segment each frame */
  gboolean done;
} Measure;

static void
wait_for (gboolean (*done) (HsSession *, guint), HsSession *session, guint arg, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (!done (session, arg))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, TRUE);
    }
}

static gboolean
is_settled (HsSession *session, guint unused)
{
  return hs_session_is_settled (session, NULL);
}

static gboolean
has_held (HsSession *session, guint n)
{
  return hs_session_get_n_held (session) >= n;
}

static gboolean
tick_cb (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  Measure *m = user_data;
  gint64 now = g_get_monotonic_time ();

  if (m->last_frame != 0)
    {
      gint64 interval = now - m->last_frame;
      g_array_append_val (m->intervals, interval);
    }
  m->last_frame = now;

  /* Every frame redraws the whole canvas, as while it scrolls or an
   * arrow moves: the worst case for drawing. */
  gtk_widget_queue_draw (widget);
  if (m->deliver)
    {
      HsSession *session = hs_window_get_session (m->window);

      if (hs_session_get_n_held (session) > 0)
        hs_session_deliver (session, NULL);
    }
  if (now - m->started > MEASURE_US)
    {
      m->done = TRUE;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static void
measure (HsWindow *window, gboolean deliver, const char *what)
{
  GtkWidget *canvas = hs_window_get_canvas (window);
  Measure m = { window, g_array_new (FALSE, FALSE, sizeof (gint64)), 0, 0, deliver, FALSE };
  guint n_slow = 0;
  gint64 *v;
  guint n;

  m.started = g_get_monotonic_time ();
  gtk_widget_add_tick_callback (canvas, tick_cb, &m, NULL);
  while (!m.done)
    g_main_context_iteration (NULL, TRUE);

  n = m.intervals->len;
  g_array_sort (m.intervals, compare_gint64);
  v = (gint64 *) m.intervals->data;
  for (guint i = 0; i < n; i++)
    if (v[i] > 17000)
      n_slow++;
  g_print ("%-34s %4u frames in %.1f s (%.1f fps): interval median %.1f ms, "
           "95th %.1f ms, max %.1f ms; %u over 17 ms; %u still held\n",
           what, n, MEASURE_US / 1e6, n / (MEASURE_US / 1e6), v[n / 2] / 1000.0,
           v[n * 95 / 100] / 1000.0, v[n - 1] / 1000.0, n_slow,
           hs_session_get_n_held (hs_window_get_session (window)));
  g_array_unref (m.intervals);
}

int
main (int argc, char **argv)
{
  guint n_held = argc > 1 ? (guint) atoi (argv[1]) : 1000;
  g_autoptr (GSettings) settings = NULL;
  g_autoptr (GError) error = NULL;
  HsSession *session;
  HsWindow *window;

  gtk_init ();
  adw_init ();
  settings = g_settings_new (APP_ID);
  g_settings_set_string (settings, "network", "sim");

  window = hs_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1920, 1080);
  gtk_window_present (GTK_WINDOW (window));
  session = hs_window_get_session (window);
  if (hs_session_get_network (session) != HS_NETWORK_SIM)
    g_error ("The window did not open on the simulated network");

  if (!hs_session_listen (session, "10.0.0.2", 5005, &error) ||
      !hs_session_connect (session, "10.0.0.2", 5005, &error))
    g_error ("%s", error->message);
  wait_for (is_settled, session, 0, "the handshake");

  if (!hs_session_set_hold (session, TRUE, &error))
    g_error ("%s", error->message);
  for (guint i = 0; i < n_held; i++)
    if (!hs_session_send (session, HS_SIDE_CLIENT, "x", &error))
      g_error ("send %u: %s", i, error->message);
  wait_for (has_held, session, n_held, "the held segments");

  g_print ("%u segments held on the wire, window 1920×1080\n", hs_session_get_n_held (session));
  measure (window, FALSE, "held, redrawn every frame");
  measure (window, TRUE, "delivered one per frame");

  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
