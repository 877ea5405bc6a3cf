/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <pcap/pcap.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "hs-canvas.h"
#include "hs-socket-table.h"
#include "hs-window.h"

static void
drain (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
activate (HsWindow *window, const char *action, GVariant *parameter)
{
  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (window), action, parameter));
  drain ();
}

static GtkWidget *
find_widget (GtkWidget *root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static guint
count_arrows (HsCanvas *canvas)
{
  HsDiagramLayout *layout = hs_canvas_get_layout (canvas);
  guint n = 0;

  hs_diagram_layout_update (layout, hs_canvas_get_trace (canvas));
  for (guint i = 0; i < hs_diagram_layout_get_n_items (layout); i++)
    if (hs_diagram_layout_get_item (layout, i)->kind == HS_EVENT_SEGMENT)
      n++;
  return n;
}

/* Plays the canvas's trace to its end, step by step as a clicker would,
 * and says whether the narration ever called a state inferred. */
static gboolean
play_through (HsWindow *window)
{
  HsCanvas *canvas = HS_CANVAS (hs_window_get_canvas (window));
  HsPlayback *playback = hs_canvas_get_playback (canvas);
  HsTrace *trace = hs_canvas_get_trace (canvas);
  gboolean inferred = FALSE;

  for (guint i = 0; i < hs_trace_get_n_events (trace) * 2 && !hs_playback_is_live (playback); i++)
    {
      activate (window, "playback.step-forward", NULL);
      g_assert_cmpuint (strlen (hs_window_get_narration (window)), >, 10);
      if (strstr (hs_window_get_narration (window), "(Inferred from the captured segments.)"))
        inferred = TRUE;
    }
  hs_playback_set_position (playback, hs_playback_get_end (playback));
  drain ();
  return inferred;
}

static HsWindow *
new_window (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  HsWindow *window;

  /* The simulated network needs no privilege: the test is about the
   * capture, which replaces whatever network runs. */
  g_settings_set_string (settings, "network", "sim");
  window = hs_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  drain ();
  return window;
}

static void
test_open (void)
{
  g_autofree char *path =
      g_test_build_filename (G_TEST_DIST, "captures", "lab-open-data-close.pcap", NULL);
  g_autofree char *not_capture = g_test_build_filename (G_TEST_DIST, "meson.build", NULL);
  HsWindow *window = new_window ();
  HsCanvas *canvas = HS_CANVAS (hs_window_get_canvas (window));
  HsTrace *live = hs_session_get_trace (hs_window_get_session (window));
  HsSocketTable *table;
  HsTrace *shown;

  g_assert_true (hs_canvas_get_trace (canvas) == live);
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (window), "capture.close", NULL) &&
                  hs_canvas_get_trace (canvas) != live);

  activate (window, "capture.open-file", g_variant_new_string (path));

  /* The file's only connection is on the canvas, as a recorded trace. */
  shown = hs_canvas_get_trace (canvas);
  g_assert_true (shown != live);
  g_assert_cmpstr (hs_trace_get_network (shown), ==, "capture");
  g_assert_true (play_through (window));
  g_assert_cmpuint (count_arrows (canvas), ==, 9);
  g_assert_cmpuint (hs_playback_get_n_visible (hs_canvas_get_playback (canvas)), ==,
                    hs_trace_get_n_events (shown));

  /* The title names the file; the socket table shows no kernel sockets. */
  g_assert_nonnull (
      strstr (gtk_window_get_title (GTK_WINDOW (window)), "lab-open-data-close.pcap"));
  table = HS_SOCKET_TABLE (find_widget (GTK_WIDGET (window), HS_TYPE_SOCKET_TABLE));
  g_assert_cmpuint (g_list_model_get_n_items (hs_socket_table_get_model (table)), ==, 0);

  /* Back to the live network: its own trace and sockets again. */
  activate (window, "capture.close", NULL);
  g_assert_true (hs_canvas_get_trace (canvas) == live);
  g_assert_null (strstr (gtk_window_get_title (GTK_WINDOW (window)), "lab-open-data-close.pcap"));
  g_assert_true (hs_socket_table_get_model (table) ==
                 hs_session_get_sockets (hs_window_get_session (window)));

  /* File → Open asks for a pcap or pcapng file. */
  activate (window, "capture.open", NULL);
  {
    GListModel *toplevels = gtk_window_get_toplevels ();
    gboolean found = FALSE;

    for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
      {
        g_autoptr (GtkWindow) w = g_list_model_get_item (toplevels, i);

        if (GTK_IS_FILE_CHOOSER (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
          {
            GtkFileFilter *filter = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (w));

            g_assert_cmpstr (gtk_file_filter_get_name (filter), ==,
                             "Packet captures (pcap, pcapng)");
            found = TRUE;
          }
      }
    g_assert_true (found);
  }

  /* A file that is not a capture leaves the live lesson on screen. */
  activate (window, "capture.open-file", g_variant_new_string (not_capture));
  g_assert_true (hs_canvas_get_trace (canvas) == live);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Writes the lab fixture's connection twice: two connections, as tshark
 * would number them 0 and 1. */
static char *
write_two_connections (const char *dir)
{
  g_autofree char *fixture =
      g_test_build_filename (G_TEST_DIST, "captures", "lab-open-data-close.pcap", NULL);
  char *path = g_build_filename (dir, "two.pcap", NULL);
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *out = pcap_open_dead (DLT_RAW, 65535);
  pcap_dumper_t *dumper = pcap_dump_open (out, path);

  g_assert_nonnull (dumper);
  for (guint round = 0; round < 2; round++)
    {
      pcap_t *in = pcap_open_offline (fixture, errbuf);
      struct pcap_pkthdr *h;
      const u_char *data;

      g_assert_nonnull (in);
      while (pcap_next_ex (in, &h, &data) == 1)
        {
          struct pcap_pkthdr copy = *h;

          copy.ts.tv_sec += round * 10;
          pcap_dump ((u_char *) dumper, &copy, data);
        }
      pcap_close (in);
    }
  pcap_dump_close (dumper);
  pcap_close (out);
  return path;
}

static gboolean
has_picker (HsWindow *window)
{
  /* The list of toplevels belongs to GTK. */
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_window_get_transient_for (w) == GTK_WINDOW (window) &&
          gtk_widget_get_visible (GTK_WIDGET (w)))
        return TRUE;
    }
  return FALSE;
}

static void
test_pick_and_drop (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hs-window-capture-XXXXXX", NULL);
  g_autofree char *path = write_two_connections (dir);
  HsWindow *window = new_window ();
  HsCanvas *canvas = HS_CANVAS (hs_window_get_canvas (window));
  HsTrace *live = hs_session_get_trace (hs_window_get_session (window));
  GtkDropTarget *target = NULL;
  g_autoptr (GListModel) controllers = NULL;
  g_autoptr (GFile) file = g_file_new_for_path (path);
  GSList *files;
  GdkFileList *list;
  GValue value = G_VALUE_INIT;
  gboolean dropped = FALSE;

  /* Drop the file on the window, as from a file manager. */
  controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));
  for (guint i = 0; i < g_list_model_get_n_items (controllers) && target == NULL; i++)
    {
      g_autoptr (GObject) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (c))
        target = GTK_DROP_TARGET (c);
    }
  g_assert_nonnull (target);
  files = g_slist_prepend (NULL, file);
  list = gdk_file_list_new_from_list (files);
  g_slist_free (files);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, list);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &dropped);
  g_value_unset (&value);
  g_assert_true (dropped);
  drain ();

  /* Two connections: the picker asks which, and the live trace stays. */
  g_assert_true (has_picker (window));
  g_assert_true (hs_canvas_get_trace (canvas) == live);

  activate (window, "capture.show-stream", g_variant_new_uint32 (1));
  g_assert_false (has_picker (window));
  g_assert_cmpstr (hs_trace_get_network (hs_canvas_get_trace (canvas)), ==, "capture");
  play_through (window);
  g_assert_cmpuint (count_arrows (canvas), ==, 9);
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (window)), "two.pcap · connection 1"));

  /* A live action brings the live network back by itself. */
  activate (window, "server.listen", NULL);
  g_assert_true (hs_canvas_get_trace (canvas) == live);

  gtk_window_destroy (GTK_WINDOW (window));
  g_unlink (path);
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

  g_test_add_func ("/ui/window/capture/open", test_open);
  g_test_add_func ("/ui/window/capture/pick-and-drop", test_pick_and_drop);

  return g_test_run ();
}
