/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "hs-canvas.h"
#include "hs-diagram.h"
#include "hs-narration.h"
#include "hs-socket-item.h"
#include "hs-socket-table.h"
#include "hs-timeline.h"
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

/* Presses @keyval as a presentation clicker does: finds the window's key
 * binding for it and runs it, so the test follows the same path from key
 * to action as a real key press. As GtkShortcutController does, the last
 * matching binding wins: the subclass's (HsWindow's) over GtkWindow's
 * focus keys. */
static void
press_key (HsWindow *window, guint keyval)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));
  g_autoptr (GtkShortcut) found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == 0)
            g_set_object (&found, shortcut);
        }
    }
  if (found == NULL)
    g_error ("No key binding for %s", gdk_keyval_name (keyval));
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (found), 0,
                                               GTK_WIDGET (window),
                                               gtk_shortcut_get_arguments (found)));
}

/* Lets a step under way finish, by the canvas's own frame clock. */
static void
wait_step (HsPlayback *playback)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (hs_playback_is_stepping (playback))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for a step to finish");
      g_main_context_iteration (NULL, TRUE);
    }
}

/* The state of @owner's connection row (not the listener's) in the table
 * the window shows, or UNKNOWN. */
static HsTcpState
shown_state (HsWindow *window, const char *owner)
{
  GListModel *model =
      hs_socket_table_get_model (HS_SOCKET_TABLE (hs_window_get_socket_table (window)));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (HsSocketItem) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (hs_socket_item_get_owner (item), owner) == 0 &&
          !g_str_has_suffix (hs_socket_item_get_foreign (item), ":*"))
        return hs_socket_item_get_state (item);
    }
  return HS_TCP_STATE_UNKNOWN;
}

static guint
find_state_event (HsTrace *trace, HsSide side, HsTcpState state)
{
  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);

      if (e->kind == HS_EVENT_STATE && e->connection > 0 && e->side == side && e->to == state)
        return i;
    }
  g_error ("No %s event", hs_tcp_state_to_string (state));
}

static gboolean
countdown_visible (HsCanvas *canvas, HsPlayback *playback)
{
  HsDiagramLayout *layout = hs_canvas_get_layout (canvas);

  return hs_diagram_layout_get_n_countdowns (layout) > 0 &&
         hs_diagram_layout_get_countdown (layout, 0)->start < hs_playback_get_n_visible (playback);
}

/* Time travel on the simulated network: the clicker's keys move the one
 * cursor, the scrubber follows it, and going back shows the table and the
 * states as they were. */
static void
test_time_travel (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  HsWindow *window;
  HsSession *session;
  HsCanvas *canvas;
  HsPlayback *playback;
  HsTimeline *timeline;
  HsSocketTable *table;
  HsTrace *trace;
  guint n_events;
  guint established;
  guint time_wait;
  gint64 start;
  gint64 duration;

  g_settings_set_string (settings, "network", "sim");
  g_settings_set_value (settings, "listen-port", g_variant_new_uint16 (5005));
  g_settings_set_value (settings, "connect-port", g_variant_new_uint16 (5005));
  g_settings_set_double (settings, "speed", 4.0);
  window = hs_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  session = hs_window_get_session (window);
  g_assert_cmpint (hs_session_get_network (session), ==, HS_NETWORK_SIM);
  canvas = HS_CANVAS (hs_window_get_canvas (window));
  playback = hs_canvas_get_playback (canvas);
  timeline = HS_TIMELINE (hs_window_get_timeline (window));
  table = HS_SOCKET_TABLE (hs_window_get_socket_table (window));
  trace = hs_session_get_trace (session);
  g_assert_true (hs_timeline_get_playback (timeline) == playback);

  /* A whole lesson, up to TIME_WAIT. */
  activate (window, "server.listen");
  activate (window, "client.connect");
  wait_table (window, "client", HS_TCP_STATE_ESTABLISHED);
  wait_settled (window);
  activate (window, "client.close");
  wait_settled (window);
  activate (window, "server.close");
  wait_table (window, "client", HS_TCP_STATE_TIME_WAIT);
  wait_settled (window);

  hs_playback_set_position (playback, hs_playback_get_end (playback));
  g_assert_false (hs_playback_is_replay (playback));
  n_events = hs_trace_get_n_events (trace);
  established = find_state_event (trace, HS_SIDE_CLIENT, HS_TCP_STATE_ESTABLISHED);
  time_wait = find_state_event (trace, HS_SIDE_CLIENT, HS_TCP_STATE_TIME_WAIT);
  g_assert_cmpuint (established, <, time_wait);
  g_assert_true (hs_socket_table_get_model (table) == hs_session_get_sockets (session));
  g_assert_true (countdown_visible (canvas, playback));

  /* Home: the start, shown as a replay; the scrubber goes with it. */
  press_key (window, GDK_KEY_Home);
  g_assert_cmpint (hs_playback_get_position (playback), ==, 0);
  g_assert_true (hs_playback_is_replay (playback));
  g_assert_cmpfloat (hs_timeline_get_fraction (timeline), ==, 0.0);
  g_assert_false (hs_socket_table_get_model (table) == hs_session_get_sockets (session));
  g_assert_true (hs_socket_table_get_replay (table));

  /* Right, Page Down and Space each play the next event. */
  press_key (window, GDK_KEY_Right);
  wait_step (playback);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 1);
  press_key (window, GDK_KEY_Page_Down);
  wait_step (playback);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 2);
  press_key (window, GDK_KEY_space);
  wait_step (playback);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 3);
  g_assert_cmpfloat_with_epsilon (hs_timeline_get_fraction (timeline),
                                  (double) hs_playback_get_position (playback) /
                                      hs_playback_get_end (playback),
                                  1e-9);
  g_assert_cmpfloat (hs_timeline_get_fraction (timeline), >, 0.0);

  /* Left and Page Up each go back one. */
  press_key (window, GDK_KEY_Left);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 2);
  press_key (window, GDK_KEY_Page_Up);
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, 1);

  /* The scrubber to the end of the event that made the client
   * ESTABLISHED: the table and the lifelines are as they were then, though
   * live the client is in TIME_WAIT. */
  hs_playback_get_event_time (playback, established, &start, &duration);
  hs_timeline_seek (timeline, (double) (start + duration) / hs_playback_get_end (playback));
  g_assert_cmpuint (hs_playback_get_n_visible (playback), ==, established + 1);
  g_assert_true (hs_playback_is_replay (playback));
  g_assert_cmpint (shown_state (window, "client"), ==, HS_TCP_STATE_ESTABLISHED);
  g_assert_true (table_has (window, "client", HS_TCP_STATE_TIME_WAIT));
  g_assert_false (table_has (window, "client", HS_TCP_STATE_ESTABLISHED));
  g_assert_cmpint (shown_state (window, "server"), ==,
                   hs_trace_get_state_at (trace, 1, HS_SIDE_SERVER, established));
  g_assert_false (countdown_visible (canvas, playback));

  /* The narration so far is the diagram's description: every sentence up
   * to the cursor, the current one last, nothing of what follows. */
  {
    g_autofree char *first = hs_narration_describe (trace, 0);
    g_autofree char *current = hs_narration_describe (trace, established);
    g_autofree char *next = hs_narration_describe (trace, time_wait);
    const char *description = hs_window_get_description (window);

    g_assert_nonnull (description);
    g_assert_true (g_str_has_prefix (description, first));
    g_assert_true (g_str_has_suffix (description, current));
    g_assert_null (strstr (description, next));
    g_assert_cmpstr (hs_window_get_narration (window), ==, current);
  }

  /* Stepping onto TIME_WAIT shows the row, with the countdown of the
   * replayed moment, and the bar on the lifeline. */
  hs_playback_get_event_time (playback, time_wait, &start, &duration);
  hs_timeline_seek (timeline, (double) (start + duration) / hs_playback_get_end (playback));
  g_assert_cmpint (shown_state (window, "client"), ==, HS_TCP_STATE_TIME_WAIT);
  g_assert_true (countdown_visible (canvas, playback));

  /* End: live again, the kernel's table (here the model's) again. */
  press_key (window, GDK_KEY_End);
  g_assert_false (hs_playback_is_replay (playback));
  g_assert_cmpint (hs_playback_get_position (playback), ==, hs_playback_get_end (playback));
  g_assert_cmpfloat (hs_timeline_get_fraction (timeline), ==, 1.0);
  g_assert_true (hs_socket_table_get_model (table) == hs_session_get_sockets (session));
  g_assert_false (hs_socket_table_get_replay (table));
  g_assert_cmpuint (hs_trace_get_n_events (trace), >=, n_events);

  /* The large narration is a remembered setting; Z toggles it. */
  g_settings_set_boolean (settings, "narration-large", FALSE);
  press_key (window, GDK_KEY_z);
  g_assert_true (g_settings_get_boolean (settings, "narration-large"));
  press_key (window, GDK_KEY_z);
  g_assert_false (g_settings_get_boolean (settings, "narration-large"));

  g_settings_set_double (settings, "speed", 1.0);
  g_settings_set_string (settings, "network", "host");
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Collects the text of every <text> element of an SVG. */
static void
svg_text_cb (GMarkupParseContext *context,
             const char *text,
             gsize text_len,
             gpointer user_data,
             GError **error)
{
  const GSList *stack = g_markup_parse_context_get_element_stack (context);

  for (; stack != NULL; stack = stack->next)
    if (g_strcmp0 (stack->data, "text") == 0 || g_strcmp0 (stack->data, "tspan") == 0)
      {
        g_string_append_len (user_data, text, text_len);
        g_string_append_c (user_data, ' ');
        return;
      }
}

/* File → Export writes files that parse: SVG as XML with the labels as
 * text, PDF whose text pdftotext reads, PNG at the width asked for, the
 * trace as JSON Lines; a pcap is refused with words on the simulated
 * network, which captures no packets. */
static void
test_export (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("handshake-export-XXXXXX", &error);
  g_autofree char *written = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *svg_path = NULL;
  g_autofree char *pdf_path = NULL;
  g_autofree char *png_path = NULL;
  g_autofree char *jsonl_path = NULL;
  g_autofree char *pcap_path = NULL;
  g_autoptr (GString) svg_text = g_string_new (NULL);
  GMarkupParser parser = { NULL, NULL, svg_text_cb, NULL, NULL };
  g_autoptr (GMarkupParseContext) context = NULL;
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autofree char *pdftotext = NULL;
  HsWindow *window;
  HsSession *session;

  g_assert_no_error (error);
  g_settings_set_string (settings, "network", "sim");
  g_settings_set_string (settings, "label-style", "symbolic");
  window = hs_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  session = hs_window_get_session (window);
  g_assert_cmpint (hs_session_get_network (session), ==, HS_NETWORK_SIM);

  activate (window, "server.listen");
  activate (window, "client.connect");
  wait_settled (window);

  /* No ending: SVG, and the name gets ".svg". */
  svg_path = g_build_filename (dir, "lesson", NULL);
  g_assert_true (hs_window_export (window, svg_path, &written, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (written, "lesson.svg"));
  g_assert_true (g_file_get_contents (written, &contents, NULL, &error));
  context = g_markup_parse_context_new (&parser, 0, svg_text, NULL);
  g_assert_true (g_markup_parse_context_parse (context, contents, -1, &error));
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (svg_text->str, "SYN"));
  g_assert_nonnull (strstr (svg_text->str, "seq=x"));
  g_assert_nonnull (strstr (svg_text->str, "ESTABLISHED"));
  g_clear_pointer (&written, g_free);

  pdf_path = g_build_filename (dir, "lesson.pdf", NULL);
  g_assert_true (hs_window_export (window, pdf_path, NULL, &error));
  g_assert_no_error (error);
  pdftotext = g_find_program_in_path ("pdftotext");
  if (pdftotext != NULL)
    {
      const char *argv[] = { "pdftotext", pdf_path, "-", NULL };
      g_autofree char *out = NULL;
      int status;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                   &out, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_cmpint (status, ==, 0);
      g_assert_nonnull (strstr (out, "SYN"));
      g_assert_nonnull (strstr (out, "ESTABLISHED"));
    }
  else
    g_test_message ("pdftotext (poppler-utils) is missing: the PDF's text is not checked");

  png_path = g_build_filename (dir, "lesson.png", NULL);
  g_assert_true (hs_window_export (window, png_path, NULL, &error));
  g_assert_no_error (error);
  pixbuf = gdk_pixbuf_new_from_file (png_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 1920);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), >, 100);

  jsonl_path = g_build_filename (dir, "lesson.jsonl", NULL);
  g_assert_true (hs_window_export (window, jsonl_path, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (jsonl_path, &contents, NULL, &error));
  g_assert_nonnull (strstr (contents, "\"network\":\"sim\""));
  g_assert_nonnull (strstr (contents, "SYN"));

  pcap_path = g_build_filename (dir, "lesson.pcap", NULL);
  g_assert_false (hs_window_export (window, pcap_path, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_false (g_file_test (pcap_path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  gtk_window_destroy (GTK_WINDOW (window));
  for (const char *const *p =
           (const char *const[]){ "lesson.svg", "lesson.pdf", "lesson.png", "lesson.jsonl", NULL };
       *p != NULL; p++)
    {
      g_autofree char *path = g_build_filename (dir, *p, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
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
  g_test_add_func ("/ui/window/time-travel", test_time_travel);
  g_test_add_func ("/ui/window/export", test_export);

  return g_test_run ();
}
