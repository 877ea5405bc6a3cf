/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "hs-canvas.h"
#include "hs-diagram.h"
#include "hs-socket-item.h"
#include "hs-window.h"

#define DEADLINE_US (20 * G_USEC_PER_SEC)

/* TRUE when the table the window shows has a row of @owner in @state. */
static gboolean
table_has (HsWindow *window, const char *owner, HsTcpState state)
{
  GListModel *model = hs_session_get_sockets (hs_window_get_session (window));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (HsSocketItem) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (hs_socket_item_get_owner (item), owner) == 0 &&
          hs_socket_item_get_state (item) == state)
        return TRUE;
    }
  return FALSE;
}

static void
wait_table (HsWindow *window, const char *owner, HsTcpState state)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (!table_has (window, owner, state))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for the %s in %s", owner, hs_tcp_state_to_string (state));
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
wait_settled (HsWindow *window)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  HsSession *session = hs_window_get_session (window);

  while (!hs_session_is_settled (session, NULL))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for the session to settle");
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
activate (HsWindow *window, const char *action)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), action, NULL));
}

static guint
count_arrows (HsDiagramLayout *layout)
{
  guint n = 0;

  for (guint i = 0; i < hs_diagram_layout_get_n_items (layout); i++)
    if (hs_diagram_layout_get_item (layout, i)->kind == HS_EVENT_SEGMENT)
      n++;
  return n;
}

static void
test_connect_and_close (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  HsWindow *window;
  HsSession *session;
  HsCanvas *canvas;
  HsPlayback *playback;
  guint16 port;

  /* Port 0: the kernel picks a free port, so the test never collides. */
  g_settings_set_value (settings, "listen-port", g_variant_new_uint16 (0));
  g_settings_set_string (settings, "network", "host");

  window = hs_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  session = hs_window_get_session (window);
  canvas = HS_CANVAS (hs_window_get_canvas (window));
  playback = hs_canvas_get_playback (canvas);

  /* Nothing to close or send before there is a connection. */
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (window), "client.close", NULL) &&
                  hs_session_can_use (session, HS_SIDE_CLIENT));

  activate (window, "server.listen");
  g_assert_true (hs_session_is_listening (session));
  wait_table (window, "server", HS_TCP_STATE_LISTEN);
  port = hs_session_get_listen_port (session);
  g_settings_set_value (settings, "connect-port", g_variant_new_uint16 (port));

  activate (window, "client.connect");
  wait_table (window, "client", HS_TCP_STATE_ESTABLISHED);
  wait_table (window, "server", HS_TCP_STATE_ESTABLISHED);
  wait_settled (window);

  activate (window, "client.send");
  wait_settled (window);

  activate (window, "client.close");
  wait_table (window, "client", HS_TCP_STATE_FIN_WAIT_2);
  wait_table (window, "server", HS_TCP_STATE_CLOSE_WAIT);
  wait_settled (window);

  activate (window, "server.close");
  wait_table (window, "client", HS_TCP_STATE_TIME_WAIT);
  wait_settled (window);

  /* The canvas holds the nine arrows of the lesson once played: three of
   * the handshake, data and its ACK, and the four of the close. */
  hs_playback_go_live (playback);
  hs_playback_set_position (playback, hs_playback_get_end (playback));
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  hs_diagram_layout_update (hs_canvas_get_layout (canvas), hs_session_get_trace (session));
  g_assert_cmpuint (count_arrows (hs_canvas_get_layout (canvas)), ==, 9);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==,
                    hs_trace_get_n_events (hs_session_get_trace (session)));

  /* The narration follows the playback. */
  hs_playback_step_back (playback);
  g_assert_nonnull (hs_window_get_narration (window));
  g_assert_cmpuint (strlen (hs_window_get_narration (window)), >, 10);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_presentation (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  HsWindow *window = hs_window_new (NULL);
  HsCanvas *canvas = HS_CANVAS (hs_window_get_canvas (window));
  gboolean presenting = FALSE;

  g_settings_set_double (settings, "font-scale", 1.0);
  g_settings_set_double (settings, "presentation-font-scale", 2.5);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpfloat (hs_canvas_get_font_scale (canvas), ==, 1.0);

  /* F5's action: large type, the diagram and narration only. */
  activate (window, "view.presentation");
  g_object_get (window, "presenting", &presenting, NULL);
  g_assert_true (presenting);
  g_assert_cmpfloat (hs_canvas_get_font_scale (canvas), ==, 2.5);

  /* The preference applies live. */
  g_settings_set_double (settings, "presentation-font-scale", 3.0);
  g_assert_cmpfloat (hs_canvas_get_font_scale (canvas), ==, 3.0);

  /* "b" blanks; Escape first shows the lesson again, then leaves. */
  activate (window, "view.blank");
  activate (window, "view.leave-presentation");
  g_object_get (window, "presenting", &presenting, NULL);
  g_assert_true (presenting);
  activate (window, "view.leave-presentation");
  g_object_get (window, "presenting", &presenting, NULL);
  g_assert_false (presenting);
  g_assert_cmpfloat (hs_canvas_get_font_scale (canvas), ==, 1.0);

  /* The high-contrast theme reaches the diagram. */
  g_settings_set_string (settings, "theme", "high-contrast");
  g_assert_true (hs_canvas_get_palette (canvas) == HS_DIAGRAM_PALETTE_HIGH_CONTRAST ||
                 hs_canvas_get_palette (canvas) == HS_DIAGRAM_PALETTE_HIGH_CONTRAST_DARK);
  g_settings_set_string (settings, "theme", "follow");
  g_assert_cmpint (hs_canvas_get_palette (canvas), ==, HS_DIAGRAM_PALETTE_SYSTEM);

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
has_held (HsSession *session)
{
  return hs_session_get_n_held (session) > 0;
}

static void
wait_held (HsWindow *window)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (!has_held (hs_window_get_session (window)))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for a segment on the wire");
      g_main_context_iteration (NULL, TRUE);
    }
}

/* Switching to the simulated network makes a new session with a wire; in
 * Step mode the clicker's "next" delivers the held segment. */
static void
test_network_and_wire (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  HsWindow *window;
  HsSession *session;
  GtkDropDown *dropdown;
  guint n_held;

  g_settings_set_string (settings, "network", "host");
  g_settings_set_value (settings, "listen-port", g_variant_new_uint16 (5005));
  g_settings_set_value (settings, "connect-port", g_variant_new_uint16 (5005));
  window = hs_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_false (hs_session_has_wire (hs_window_get_session (window)));

  dropdown = g_object_get_data (G_OBJECT (window), "hs-network-dropdown");
  g_assert_nonnull (dropdown);
  gtk_drop_down_set_selected (dropdown, HS_NETWORK_SIM);
  session = hs_window_get_session (window);
  g_assert_cmpint (hs_session_get_network (session), ==, HS_NETWORK_SIM);
  g_assert_true (hs_session_has_wire (session));
  g_assert_cmpstr (hs_trace_get_network (hs_session_get_trace (session)), ==, "sim");

  g_assert_true (hs_session_set_hold (session, TRUE, NULL));
  activate (window, "server.listen");
  activate (window, "client.connect");
  wait_held (window);
  n_held = hs_session_get_n_held (session);

  /* A click on the held SYN delivers it ("deliver this"); the SYN-ACK
   * then waits in its turn. */
  {
    HsTrace *trace = hs_session_get_trace (session);
    guint syn = G_MAXUINT;

    for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
      {
        const HsEvent *e = hs_trace_get_event (trace, i);

        if (e->kind == HS_EVENT_SEGMENT && e->flags == HS_TCP_SYN &&
            e->fate == HS_SEGMENT_FATE_HELD)
          syn = i;
      }
    g_assert_cmpuint (syn, !=, G_MAXUINT);
    g_signal_emit_by_name (hs_window_get_canvas (window), "segment-clicked", syn,
                           GDK_BUTTON_PRIMARY);
    g_assert_cmpint (hs_trace_get_event (trace, syn)->fate, ==, HS_SEGMENT_FATE_DELIVERED);
  }
  wait_held (window);
  g_assert_cmpuint (hs_session_get_n_held (session), ==, n_held);
  g_assert_cmpint (hs_sim_get_state (hs_session_get_sim (session), hs_session_get_current (session),
                                     HS_SIDE_SERVER),
                   ==, HS_TCP_STATE_SYN_RECEIVED);

  activate (window, "wire.deliver-all");
  g_assert_false (hs_session_get_hold (session));
  wait_settled (window);
  g_assert_cmpint (hs_sim_get_state (hs_session_get_sim (session), hs_session_get_current (session),
                                     HS_SIDE_CLIENT),
                   ==, HS_TCP_STATE_ESTABLISHED);

  g_settings_set_string (settings, "network", "host");
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      /* TAP: a plan of zero with a reason is a skip. */
      g_print ("1..0 # SKIP no display (run under Xvfb)\n");
      return 0;
    }
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/window/connect-and-close", test_connect_and_close);
  g_test_add_func ("/ui/window/presentation", test_presentation);
  g_test_add_func ("/ui/window/network-and-wire", test_network_and_wire);

  return g_test_run ();
}
