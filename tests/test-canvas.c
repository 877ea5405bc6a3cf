/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>

#include "hs-canvas.h"
#include "hs-fixture-trace.h"

/* Runs the main loop until @condition holds, or fails after a generous
 * deadline. */
#define WAIT_FOR(condition)                                          \
  G_STMT_START                                                       \
  {                                                                  \
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC; \
    while (!(condition))                                             \
      {                                                              \
        if (g_get_monotonic_time () > deadline)                      \
          g_error ("timed out waiting for %s", #condition);          \
        g_main_context_iteration (NULL, FALSE);                      \
        g_usleep (1000);                                             \
      }                                                              \
  }                                                                  \
  G_STMT_END

typedef struct
{
  GtkWindow *window;
  HsCanvas *canvas;
  GtkAdjustment *vadjustment;
} Fixture;

static void
fixture_set_up (Fixture *f)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 1280, 720);
  f->canvas = HS_CANVAS (hs_canvas_new ());
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (f->canvas));
  gtk_window_set_child (f->window, scroller);
  f->vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (f->canvas));
  gtk_window_present (f->window);

  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (f->canvas)) &&
            gtk_widget_get_height (GTK_WIDGET (f->canvas)) > 100);
}

static void
fixture_tear_down (Fixture *f)
{
  HsCanvas *canvas = f->canvas;

  g_object_add_weak_pointer (G_OBJECT (canvas), (gpointer *) &canvas);
  gtk_window_destroy (f->window);
  WAIT_FOR (canvas == NULL);
}

static void
after_paint_cb (GdkFrameClock *clock, guint *count)
{
  (*count)++;
}

/* Renders the widget as the compositor would and counts pixels that are
 * not the background's colour (that of the top-left corner). */
static guint
render_widget (Fixture *f, const char *name)
{
  GtkWidget *widget = GTK_WIDGET (f->canvas);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree guchar *pixels = g_malloc (width * height * 4);
  const char *dir = g_getenv ("HS_DIAGRAM_SAVE_DIR");
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (f->window));
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  guint32 background;
  guint n = 0;
  guint paints = 0;
  gulong handler;

  /* Let a frame draw what changed first. */
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &paints);
  gtk_widget_queue_draw (widget);
  WAIT_FOR (paints >= 2);
  g_signal_handler_disconnect (clock, handler);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gdk_texture_download (texture, pixels, width * 4);

  if (dir != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      gdk_texture_save_to_png (texture, path);
    }

  background = ((guint32 *) pixels)[0];
  for (int i = 0; i < width * height; i++)
    n += ((guint32 *) pixels)[i] != background;
  return n;
}

static void
test_defaults (void)
{
  g_autoptr (HsCanvas) canvas = g_object_ref_sink (HS_CANVAS (hs_canvas_new ()));

  g_assert_nonnull (hs_canvas_get_trace (canvas));
  g_assert_nonnull (hs_canvas_get_playback (canvas));
  g_assert_cmpint (hs_canvas_get_label_style (canvas), ==, HS_LABEL_STYLE_SYMBOLIC);
  g_assert_cmpfloat (hs_canvas_get_font_scale (canvas), ==, 1.0);
  g_assert_cmpint (hs_canvas_get_palette (canvas), ==, HS_DIAGRAM_PALETTE_SYSTEM);
  g_assert_true (hs_canvas_get_follow (canvas));
  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (canvas)), ==,
                   GTK_ACCESSIBLE_ROLE_IMG);
  g_assert_true (GTK_IS_SCROLLABLE (canvas));

  g_object_set (canvas, "label-style", HS_LABEL_STYLE_ABSOLUTE, "font-scale", 2.0, "palette",
                HS_DIAGRAM_PALETTE_DARK, NULL);
  g_assert_cmpint (hs_canvas_get_label_style (canvas), ==, HS_LABEL_STYLE_ABSOLUTE);
  g_assert_cmpfloat (hs_canvas_get_font_scale (canvas), ==, 2.0);
  g_assert_cmpint (hs_canvas_get_palette (canvas), ==, HS_DIAGRAM_PALETTE_DARK);
}

static void
test_playback_and_scrolling (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_session ();
  Fixture f;
  HsPlayback *playback;
  double upper_empty;
  double upper_three;
  double upper_all;
  double upper_two_sessions;
  gint64 start;
  gint64 duration;

  fixture_set_up (&f);

  /* Nothing shown yet: the scrollable height is the viewport's. */
  hs_canvas_set_trace (f.canvas, trace);
  playback = hs_canvas_get_playback (f.canvas);
  g_assert_true (hs_playback_get_trace (playback) == trace);
  hs_playback_go_to_start (playback);
  upper_empty = gtk_adjustment_get_upper (f.vadjustment);
  g_assert_cmpfloat (upper_empty, ==, gtk_adjustment_get_page_size (f.vadjustment));
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 0);

  /* A step, fed by hand as the frame clock would. */
  hs_playback_step_forward (playback);
  g_assert_true (hs_playback_needs_frames (playback));
  hs_playback_tick (playback, HS_PLAYBACK_APP_US / 2);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 1);
  g_assert_cmpfloat (hs_playback_get_progress (playback, 0), >=, 0.5);
  /* The widget's own tick callback finishes the step. */
  WAIT_FOR (!hs_playback_needs_frames (playback));
  g_assert_cmpfloat (hs_playback_get_progress (playback, 0), ==, 1.0);
  g_assert_cmpuint (hs_playback_get_current (playback), ==, 0);

  /* The SYN (event 3) in flight. */
  hs_playback_get_event_time (playback, 3, &start, &duration);
  hs_playback_set_position (playback, start + duration / 2);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 4);
  g_assert_cmpfloat_with_epsilon (hs_playback_get_progress (playback, 3), 0.5, 1e-9);
  upper_three = gtk_adjustment_get_upper (f.vadjustment);

  /* The whole session, then a second one: the scrollable height grows. */
  hs_playback_go_live (playback);
  upper_all = gtk_adjustment_get_upper (f.vadjustment);
  g_assert_cmpfloat (upper_all, >, upper_three);
  g_assert_cmpfloat (upper_all, >, gtk_adjustment_get_page_size (f.vadjustment));
  g_assert_cmpuint (render_widget (&f, "canvas-live.png"), >, 20000);

  {
    guint c = hs_trace_add_connection (trace, NULL, NULL);

    hs_fixture_trace_append_session (trace, c);
  }
  g_assert_true (hs_playback_needs_frames (playback));
  hs_playback_tick (playback, 60 * G_USEC_PER_SEC);
  upper_two_sessions = gtk_adjustment_get_upper (f.vadjustment);
  g_assert_cmpfloat (upper_two_sessions, >, upper_all * 1.5);

  /* Following: the view scrolls, smoothly, until the current event is in
   * sight. */
  g_assert_true (hs_canvas_get_follow (f.canvas));
  {
    HsDiagramLayout *layout = hs_canvas_get_layout (f.canvas);
    const HsDiagramItem *last =
        hs_diagram_layout_get_item (layout, hs_playback_get_current (playback));

    g_assert_cmpfloat (last->bottom, >, gtk_adjustment_get_page_size (f.vadjustment));
    WAIT_FOR (gtk_adjustment_get_value (f.vadjustment) +
                  gtk_adjustment_get_page_size (f.vadjustment) >=
              last->bottom);
  }

  /* Scrolling up stops following; going live follows again. */
  gtk_adjustment_set_value (f.vadjustment, 0);
  g_assert_false (hs_canvas_get_follow (f.canvas));
  hs_playback_set_playing (playback, FALSE);
  hs_playback_go_live (playback);
  g_assert_true (hs_canvas_get_follow (f.canvas));

  /* A cleared trace: back to nothing. */
  hs_trace_clear (trace);
  g_assert_cmpuint (hs_playback_get_n_events (playback), ==, 0);
  g_assert_cmpfloat (gtk_adjustment_get_upper (f.vadjustment), ==,
                     gtk_adjustment_get_page_size (f.vadjustment));

  /* The font scale relayouts. */
  hs_fixture_trace_append_session (trace, hs_trace_add_connection (trace, NULL, NULL));
  hs_playback_go_live (playback);
  upper_all = gtk_adjustment_get_upper (f.vadjustment);
  hs_canvas_set_font_scale (f.canvas, 2.0);
  g_assert_cmpfloat (gtk_adjustment_get_upper (f.vadjustment), >, upper_all * 1.3);

  fixture_tear_down (&f);
}

static void
test_skip (void)
{
  g_test_skip ("no display: run under Xvfb (xvfb-run) or a desktop session");
}

int
main (int argc, char *argv[])
{
  /* gtk_test_init() aborts without a display, so look first. */
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_init (&argc, &argv, NULL);
      g_test_add_func ("/ui/canvas/needs-display", test_skip);
      return g_test_run ();
    }

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/canvas/defaults", test_defaults);
  g_test_add_func ("/ui/canvas/playback-and-scrolling", test_playback_and_scrolling);

  return g_test_run ();
}
