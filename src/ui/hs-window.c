/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-window"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "hs-canvas.h"
#include "hs-capture.h"
#include "hs-diagram.h"
#include "hs-frame-memory.h"
#include "hs-labels.h"
#include "hs-narration.h"
#include "hs-pace.h"
#include "hs-pcap.h"
#include "hs-playback.h"
#include "hs-replay-model.h"
#include "hs-replay.h"
#include "hs-socket-item.h"
#include "hs-socket-table.h"
#include "hs-timeline.h"
#include "hs-trace-format.h"
#include "hs-window-private.h"

enum
{
  PROP_0,
  PROP_PRESENTING,
  PROP_ROLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HsWindow, hs_window, ADW_TYPE_APPLICATION_WINDOW)

static const double speeds[] = { 0.25, 0.5, 1.0, 2.0, 4.0 };

void
_hs_window_toast (HsWindow *self, const char *message)
{
  AdwToast *t = adw_toast_new (message);

  adw_toast_set_timeout (t, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
toast_error (HsWindow *self, const GError *error)
{
  _hs_window_toast (self, error->message);
}

static void capture_leave (HsWindow *self);

void
_hs_window_update_actions (HsWindow *self)
{
  HsSession *session = self->session;
  gboolean listening = hs_session_is_listening (session);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "client.connect",
                                 hs_session_can_connect (session));
  for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
    {
      const char *prefix = side == HS_SIDE_CLIENT ? "client" : "server";
      gboolean usable = hs_session_can_use (session, side);
      g_autofree char *send = g_strconcat (prefix, ".send", NULL);
      g_autofree char *close = g_strconcat (prefix, ".close", NULL);
      g_autofree char *abort = g_strconcat (prefix, ".abort", NULL);

      gtk_widget_action_set_enabled (GTK_WIDGET (self), send, usable);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), close, usable);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), abort, usable);
    }

  /* The toggle mirrors the session, whoever changed it. */
  if (gtk_toggle_button_get_active (self->listen_button) != listening)
    gtk_toggle_button_set_active (self->listen_button, listening);
  /* No mnemonic: GTK 4.8 would read its label twice to a screen reader. */
  if (g_strcmp0 (gtk_button_get_label (GTK_BUTTON (self->listen_button)),
                 listening ? _ ("Stop") : _ ("Listen")) != 0)
    gtk_button_set_label (GTK_BUTTON (self->listen_button), listening ? _ ("Stop") : _ ("Listen"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->listen_address_entry), !listening);
  gtk_widget_set_sensitive (GTK_WIDGET (self->listen_port_spin), !listening);

  /* The wire's controls, on the networks that have one. */
  {
    gboolean has_wire = hs_session_has_wire (session);
    gboolean hold = hs_session_get_hold (session);
    guint n_held = hs_session_get_n_held (session);
    g_autofree char *held = NULL;

    gtk_widget_set_visible (self->wire_group, has_wire);
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "wire.drop-next", has_wire);
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "wire.deliver", n_held > 0);
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "wire.deliver-all", n_held > 0 || hold);
    if (gtk_toggle_button_get_active (self->step_button) != hold)
      gtk_toggle_button_set_active (hold ? self->step_button : self->auto_button, TRUE);
    held = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u segment on the wire",
                                         "%u segments on the wire", n_held),
                            n_held);
    if (g_strcmp0 (gtk_label_get_label (self->held_label), held) != 0)
      gtk_label_set_label (self->held_label, held);
  }

  _hs_window_class_update_actions (self);
}

static void update_time_travel (HsWindow *self);

static void
update_narration (HsWindow *self)
{
  HsTrace *trace = self->shown_trace;
  guint n_events = hs_trace_get_n_events (trace);
  guint current = hs_playback_get_current (self->playback);
  g_autofree char *position = NULL;

  gtk_button_set_icon_name (self->play_button, hs_playback_get_playing (self->playback)
                                                   ? "media-playback-pause-symbolic"
                                                   : "media-playback-start-symbolic");
  update_time_travel (self);

  if (current == G_MAXUINT || current >= n_events)
    {
      position = g_strdup_printf (_ ("Event 0 of %u"), n_events);
      gtk_label_set_label (self->position_label, position);
      return;
    }

  /* TRANSLATORS: where the playback is in the trace */
  position = g_strdup_printf (_ ("Event %u of %u"), current + 1, n_events);
  gtk_label_set_label (self->position_label, position);

  if (current != self->narrated || self->narrated == G_MAXUINT)
    {
      g_autofree char *sentence = hs_narration_describe (trace, current);

      self->narrated = current;
      gtk_label_set_label (self->narration_label, sentence);
    }
}

static void
trace_event_changed_cb (HsWindow *self, guint index)
{
  /* A refined event (the SYN's saved bytes, a kernel confirmation) may
   * change the sentence on screen, and in the description. */
  if (self->sentences != NULL && index < self->sentences->len)
    {
      g_clear_pointer (&g_ptr_array_index (self->sentences, index), g_free);
      self->described = G_MAXUINT;
    }
  if (index == self->narrated)
    {
      self->narrated = G_MAXUINT;
      update_narration (self);
    }
}

static void
session_error_cb (HsWindow *self, guint kind, const char *message)
{
  _hs_window_toast (self, message);
}

static void
listen_toggled_cb (HsWindow *self)
{
  gboolean active = gtk_toggle_button_get_active (self->listen_button);
  g_autoptr (GError) error = NULL;
  const char *address;
  guint16 port;

  if (active == hs_session_is_listening (self->session))
    return;
  capture_leave (self);

  if (!active)
    {
      hs_session_stop_listening (self->session);
      _hs_window_update_actions (self);
      return;
    }

  address = gtk_editable_get_text (GTK_EDITABLE (self->listen_address_entry));
  if (*address == '\0')
    address = "127.0.0.1";
  port = (guint16) gtk_spin_button_get_value_as_int (self->listen_port_spin);

  if (!hs_session_listen (self->session, address, port, &error))
    toast_error (self, error);
  _hs_window_update_actions (self);
}

static void
client_connect_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HsWindow *self = HS_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  g_autofree char *target = NULL;
  const char *host = gtk_editable_get_text (GTK_EDITABLE (self->connect_host_entry));
  guint16 port = (guint16) gtk_spin_button_get_value_as_int (self->connect_port_spin);

  if (self->role == HS_WINDOW_ROLE_CLIENT)
    {
      /* The client of a class server: the server the student typed. */
      if (!_hs_window_class_get_target (self, &target, &port, &error))
        {
          toast_error (self, error);
          return;
        }
      host = target;
      _hs_window_class_remember_server (self, host, port);
    }
  else if (*host == '\0')
    host = "127.0.0.1";

  capture_leave (self);
  /* Watching the lesson live is the point of pressing Connect. */
  hs_playback_go_live (self->playback);
  if (!hs_session_connect (self->session, host, port, &error))
    toast_error (self, error);
  _hs_window_update_actions (self);
}

static void
server_listen_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HsWindow *self = HS_WINDOW (widget);

  /* The toggle button is the one place that listens or stops, so that it
   * always shows the truth; the action (for keys and tests) presses it. */
  gtk_toggle_button_set_active (self->listen_button,
                                !gtk_toggle_button_get_active (self->listen_button));
}

static HsSide
side_of_action (const char *action_name)
{
  return g_str_has_prefix (action_name, "client.") ? HS_SIDE_CLIENT : HS_SIDE_SERVER;
}

static void
send_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HsWindow *self = HS_WINDOW (widget);
  HsSide side = side_of_action (action_name);
  GtkEntry *entry = side == HS_SIDE_SERVER                ? self->server_send_entry
                    : self->role == HS_WINDOW_ROLE_CLIENT ? self->class_send_entry
                                                          : self->client_send_entry;
  g_autoptr (GError) error = NULL;

  capture_leave (self);
  hs_playback_go_live (self->playback);
  if (!hs_session_send (self->session, side, gtk_editable_get_text (GTK_EDITABLE (entry)), &error))
    toast_error (self, error);
  _hs_window_update_actions (self);
}

static void
close_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HsWindow *self = HS_WINDOW (widget);
  g_autoptr (GError) error = NULL;

  capture_leave (self);
  hs_playback_go_live (self->playback);
  if (!hs_session_close (self->session, side_of_action (action_name), &error))
    toast_error (self, error);
  _hs_window_update_actions (self);
}

static void
abort_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HsWindow *self = HS_WINDOW (widget);
  g_autoptr (GError) error = NULL;

  capture_leave (self);
  hs_playback_go_live (self->playback);
  if (!hs_session_abort (self->session, side_of_action (action_name), &error))
    toast_error (self, error);
  _hs_window_update_actions (self);
}

static void
playback_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HsWindow *self = HS_WINDOW (widget);
  HsPlayback *playback = self->playback;

  if (g_str_equal (action_name, "playback.toggle"))
    hs_playback_set_playing (playback, !hs_playback_get_playing (playback));
  else if (g_str_equal (action_name, "playback.step-forward"))
    {
      /* A segment waiting on the wire is the next step of the lesson: the
       * clicker delivers it; otherwise it advances the playback. */
      if (self->capture_trace == NULL && hs_session_get_n_held (self->session) > 0)
        {
          hs_playback_go_live (playback);
          hs_session_deliver (self->session, NULL);
          _hs_window_update_actions (self);
        }
      else
        hs_playback_step_forward (playback);
    }
  else if (g_str_equal (action_name, "playback.step-back"))
    hs_playback_step_back (playback);
  else if (g_str_equal (action_name, "playback.start"))
    hs_playback_go_to_start (playback);
  else if (g_str_equal (action_name, "playback.live"))
    hs_playback_go_live (playback);
}

static gboolean
label_style_get_mapping (GValue *value, GVariant *variant, gpointer user_data)
{
  HsLabelStyle style = HS_LABEL_STYLE_SYMBOLIC;

  hs_label_style_parse (g_variant_get_string (variant, NULL), &style);
  g_value_set_uint (value, style);
  return TRUE;
}

static GVariant *
label_style_set_mapping (const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
  return g_variant_new_string (hs_label_style_to_string (g_value_get_uint (value)));
}

static gboolean
speed_get_mapping (GValue *value, GVariant *variant, gpointer user_data)
{
  double speed = g_variant_get_double (variant);
  guint best = 2;

  for (guint i = 0; i < G_N_ELEMENTS (speeds); i++)
    if (ABS (speeds[i] - speed) < ABS (speeds[best] - speed))
      best = i;
  g_value_set_uint (value, best);
  return TRUE;
}

static GVariant *
speed_set_mapping (const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
  guint i = MIN (g_value_get_uint (value), G_N_ELEMENTS (speeds) - 1);

  return g_variant_new_double (speeds[i]);
}

static void
label_style_changed_cb (HsWindow *self)
{
  g_object_set (self->canvas, "label-style",
                (int) gtk_drop_down_get_selected (self->label_style_dropdown), NULL);
}

static void update_flight_time (HsWindow *self);

static void
speed_changed_cb (HsWindow *self)
{
  guint i = MIN (gtk_drop_down_get_selected (self->speed_dropdown), G_N_ELEMENTS (speeds) - 1);

  g_object_set (self->playback, "speed", speeds[i], NULL);
  update_flight_time (self);
}

static void
update_title (HsWindow *self)
{
  HsNetworkKind network = hs_session_get_network (self->session);
  g_autofree char *title = g_strdup_printf ("Handshake · %s", hs_network_kind_get_title (network));

  /* The header holds the role switcher; the window title (task switchers,
   * screen readers) still names the network. */
  gtk_window_set_title (GTK_WINDOW (self), title);

  /* Say why the lab is not offered, where it is not. */
  {
    g_autofree char *reason = hs_network_kind_unavailable_reason (HS_NETWORK_LAB);
    g_autofree char *tooltip = NULL;

    if (reason != NULL)
      tooltip = g_strdup_printf (_ ("Which network the client and the server use. The lab "
                                    "network is not available here: %s"),
                                 reason);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->network_dropdown),
                                 tooltip != NULL
                                     ? tooltip
                                     : _ ("Which network the client and the server use"));
  }
}

static void
update_table_source (HsWindow *self)
{
  const char *source = hs_session_get_table_source (self->session);

  gtk_label_set_label (self->sockets_heading, g_strcmp0 (source, "model") == 0
                                                  ? _ ("Sockets (simulated)")
                                                  : _ ("Sockets in the kernel"));

  if (g_strcmp0 (source, "model") == 0)
    gtk_label_set_label (self->table_source_label,
                         _ ("Simulated: the model's sockets, not the kernel's."));
  else if (g_strcmp0 (source, "netlink") == 0 &&
           hs_session_get_network (self->session) == HS_NETWORK_LAB)
    gtk_label_set_label (self->table_source_label,
                         _ ("Read from the two lab hosts' kernels with NETLINK_SOCK_DIAG, as ss "
                            "does; Side says which host."));
  else if (g_strcmp0 (source, "netlink") == 0)
    gtk_label_set_label (self->table_source_label,
                         _ ("Read from the kernel with NETLINK_SOCK_DIAG, as ss does."));
  else
    gtk_label_set_label (self->table_source_label, source);
}

/* The diagram's colors and text size follow the settings, and the mode:
 * presenting uses its own (larger) text size. */
static void
update_appearance (HsWindow *self)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autofree char *theme = g_settings_get_string (self->settings, "theme");
  double scale = g_settings_get_double (self->settings, self->presenting ? "presentation-font-scale"
                                                                         : "font-scale");

  if (g_str_equal (theme, "light"))
    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  else if (g_str_equal (theme, "dark"))
    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  else
    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);

  /* A projector in a bright room washes out mid tones: the high-contrast
   * palette draws black on white (or white on black) with thick lines. */
  if (g_str_equal (theme, "high-contrast"))
    hs_canvas_set_palette (self->canvas, adw_style_manager_get_dark (style)
                                             ? HS_DIAGRAM_PALETTE_HIGH_CONTRAST_DARK
                                             : HS_DIAGRAM_PALETTE_HIGH_CONTRAST);
  else
    hs_canvas_set_palette (self->canvas, HS_DIAGRAM_PALETTE_SYSTEM);

  hs_canvas_set_font_scale (self->canvas, scale);
  _hs_window_class_update_appearance (self, scale);
}

static void update_time_travel_presenting (HsWindow *self);

static void
set_presenting (HsWindow *self, gboolean presenting)
{
  presenting = !!presenting;
  if (self->presenting == presenting)
    return;

  self->presenting = presenting;

  /* What the lesson needs stays: the diagram, the narration, the playback.
   * Controls come back with F5 or Escape. */
  gtk_widget_set_visible (self->header_bar, !presenting);
  gtk_widget_set_visible (self->side_scroller, !presenting);
  if (presenting)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->narration_label), "presenting");
      gtk_window_fullscreen (GTK_WINDOW (self));
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->narration_label), "presenting");
      gtk_widget_set_visible (self->blank, FALSE);
      gtk_window_unfullscreen (GTK_WINDOW (self));
    }

  update_appearance (self);
  update_time_travel_presenting (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENTING]);
}

static void
leave_presentation_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HsWindow *self = HS_WINDOW (widget);

  if (gtk_widget_get_visible (self->blank))
    gtk_widget_set_visible (self->blank, FALSE);
  else
    set_presenting (self, FALSE);
}

static void
blank_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HsWindow *self = HS_WINDOW (widget);

  /* The teacher talks; the class looks up from the screen. */
  gtk_widget_set_visible (self->blank, !gtk_widget_get_visible (self->blank));
}

/* Writes what the canvas shows to @path, the format chosen by its ending:
 * .jsonl (the trace), .pcap (the lab's packets), .pdf, .png, else SVG
 * (".svg" is added when the name has no known ending). */
gboolean
hs_window_export (HsWindow *self, const char *path, char **written, GError **error)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);
  g_autofree char *target = NULL;
  const char *format = "svg";
  HsDiagramPalette palette;

  g_return_val_if_fail (HS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (g_str_has_suffix (lower, ".jsonl"))
    {
      g_autofree char *text = hs_trace_format_jsonl (self->shown_trace);

      if (!g_file_set_contents (path, text, -1, error))
        return FALSE;
      target = g_strdup (path);
    }
  else if (g_str_has_suffix (lower, ".pcap"))
    {
      if (self->capture_trace != NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _ ("This connection comes from a capture file: open that file in "
                                  "Wireshark for its packets."));
          return FALSE;
        }
      if (hs_session_get_wire (self->session) == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _ ("Only the lab network captures packets: a pcap file needs the "
                                  "lab."));
          return FALSE;
        }
      if (!hs_pcap_write (hs_session_get_wire (self->session), path, NULL, error))
        return FALSE;
      target = g_strdup (path);
    }
  else
    {
      if (g_str_has_suffix (lower, ".pdf"))
        format = "pdf";
      else if (g_str_has_suffix (lower, ".png"))
        format = "png";
      target = g_str_has_suffix (lower, ".svg") || g_strcmp0 (format, "svg") != 0
                   ? g_strdup (path)
                   : g_strconcat (path, ".svg", NULL);

      /* Slides are light: "follow the system" exports the light palette. */
      palette = hs_canvas_get_palette (self->canvas);
      if (palette == HS_DIAGRAM_PALETTE_SYSTEM)
        palette = HS_DIAGRAM_PALETTE_LIGHT;
      if (!hs_diagram_export (self->shown_trace, hs_canvas_get_label_style (self->canvas), palette,
                              hs_canvas_get_font_scale (self->canvas), format, target, 1920, error))
        return FALSE;
    }

  if (written != NULL)
    *written = g_steal_pointer (&target);
  return TRUE;
}

static void
export_response_cb (HsWindow *self, int response, GtkFileChooserNative *dialog)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *written = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      path = g_file_get_path (file);
      if (path == NULL)
        _hs_window_toast (self, _ ("Only files on this computer can be written."));
      else if (!hs_window_export (self, path, &written, &error))
        toast_error (self, error);
      else
        {
          g_autofree char *lower = g_ascii_strdown (written, -1);
          g_autofree char *display = g_filename_display_basename (written);
          g_autofree char *message =
              g_str_has_suffix (lower, ".jsonl") || g_str_has_suffix (lower, ".pcap")
                  ? g_strdup_printf (_ ("Trace exported to %s"), display)
                  : g_strdup_printf (_ ("Diagram exported to %s"), display);

          _hs_window_toast (self, message);
        }
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (dialog));
  g_clear_object (&self->export_dialog);
}

static void
export_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HsWindow *self = HS_WINDOW (widget);
  GtkFileFilter *filter;

  if (self->export_dialog != NULL)
    return;

  self->export_dialog =
      gtk_file_chooser_native_new (_ ("Export Diagram"), GTK_WINDOW (self),
                                   GTK_FILE_CHOOSER_ACTION_SAVE, _ ("_Export"), _ ("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->export_dialog), "handshake.svg");

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _ ("SVG, PDF or PNG"));
  gtk_file_filter_add_suffix (filter, "svg");
  gtk_file_filter_add_suffix (filter, "pdf");
  gtk_file_filter_add_suffix (filter, "png");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->export_dialog), filter);
  g_object_unref (filter);

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _ ("Trace: JSON Lines or pcap (lab)"));
  gtk_file_filter_add_suffix (filter, "jsonl");
  gtk_file_filter_add_suffix (filter, "pcap");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->export_dialog), filter);
  g_object_unref (filter);

  g_signal_connect_object (self->export_dialog, "response", G_CALLBACK (export_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->export_dialog));
}

static void
wire_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HsWindow *self = HS_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  gboolean ok = TRUE;

  capture_leave (self);
  hs_playback_go_live (self->playback);
  if (g_str_equal (action_name, "wire.drop-next"))
    ok = hs_session_drop_next (self->session, &error);
  else if (g_str_equal (action_name, "wire.deliver"))
    ok = hs_session_deliver (self->session, &error);
  else if (g_str_equal (action_name, "wire.deliver-all"))
    ok = hs_session_deliver_all (self->session, &error);

  if (!ok)
    toast_error (self, error);
  _hs_window_update_actions (self);
}

/* "Drop this" and "deliver this": a click on a packet held on the wire. */
static void
segment_clicked_cb (HsWindow *self, guint index, guint button)
{
  HsTrace *trace = self->shown_trace;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (self->capture_trace != NULL || !hs_session_has_wire (self->session) ||
      index >= hs_trace_get_n_events (trace) ||
      hs_trace_get_event (trace, index)->fate != HS_SEGMENT_FATE_HELD)
    return;

  hs_playback_go_live (self->playback);
  if (button == GDK_BUTTON_SECONDARY)
    ok = hs_session_drop_segment (self->session, index, &error);
  else
    ok = hs_session_deliver_segment (self->session, index, &error);
  if (!ok)
    toast_error (self, error);
  _hs_window_update_actions (self);
}

static void
step_toggled_cb (HsWindow *self)
{
  gboolean hold = gtk_toggle_button_get_active (self->step_button);
  g_autoptr (GError) error = NULL;

  if (hold == hs_session_get_hold (self->session) || !hs_session_has_wire (self->session))
    return;
  capture_leave (self);
  if (!hs_session_set_hold (self->session, hold, &error))
    toast_error (self, error);
  _hs_window_update_actions (self);
}

/* Auto's flight time follows the speed control, within what keeps a
 * handshake's round trip under the kernel's 1 s initial RTO. */
static void
update_flight_time (HsWindow *self)
{
  double speed = hs_playback_get_speed (self->playback);

  hs_session_set_flight_time (self->session, (guint) CLAMP (300.0 / speed, 75.0, 450.0));
}

static void
network_selected_cb (HsWindow *self)
{
  HsNetworkKind kind = gtk_drop_down_get_selected (self->network_dropdown);
  g_autoptr (GError) error = NULL;
  g_autoptr (HsSession) session = NULL;

  if (self->session != NULL && kind == hs_session_get_network (self->session))
    return;

  session = hs_session_try_new (kind, &error);
  if (session == NULL)
    {
      toast_error (self, error);
      /* Back to the network in use. */
      gtk_drop_down_set_selected (self->network_dropdown, hs_session_get_network (self->session));
      return;
    }

  g_settings_set_string (self->settings, "network", hs_network_kind_to_string (kind));
  _hs_window_set_session (self, session);
}

/* Capture files: File → Open, drag and drop, and the connection picker. The
 * window shows one connection of the file in place of the session's trace,
 * with the session kept running behind it; any live action brings the live
 * trace back. */

static void
capture_update_actions (HsWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "capture.close", self->capture_trace != NULL);
}

static void
capture_close_picker (HsWindow *self)
{
  if (self->capture_picker != NULL)
    gtk_window_destroy (self->capture_picker);
  g_clear_weak_pointer (&self->capture_picker);
}

/* Drops the capture without touching the views (set_session() redraws them). */
static void
capture_forget (HsWindow *self)
{
  capture_close_picker (self);
  g_clear_object (&self->capture_trace);
  g_clear_object (&self->capture);
  capture_update_actions (self);
}

/* A file holds no sockets: the table says so rather than show the kernel's,
 * which have nothing to do with the capture. */
static void
capture_update_table (HsWindow *self)
{
  g_autofree char *source = NULL;

  hs_socket_table_set_model (self->socket_table, self->capture_sockets);
  gtk_label_set_label (self->sockets_heading, _ ("Sockets: none (a capture file)"));
  source = g_strdup_printf (_ ("Showing %s, a capture file: there are no live sockets. The "
                               "states on the diagram are inferred from the captured segments. "
                               "Listen, Connect or Close goes back to the live network."),
                            hs_capture_get_name (self->capture));
  gtk_label_set_label (self->table_source_label, source);
}

static void
capture_leave (HsWindow *self)
{
  if (self->capture_trace == NULL)
    return;
  _hs_window_set_session (self, self->session);
}

static void
capture_dispose (HsWindow *self)
{
  if (self->open_dialog != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->open_dialog));
  g_clear_object (&self->open_dialog);
  capture_forget (self);
  g_clear_object (&self->capture_sockets);
}

static void
capture_show_stream (HsWindow *self, guint index)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HsTrace) trace = NULL;
  g_autofree char *title = NULL;
  g_autofree char *described = NULL;
  const char *name;

  if (self->capture == NULL)
    return;

  trace = hs_capture_build_trace (self->capture, index, &error);
  if (trace == NULL)
    {
      toast_error (self, error);
      return;
    }
  capture_close_picker (self);
  g_set_object (&self->capture_trace, trace);
  if (self->capture_sockets == NULL)
    self->capture_sockets = G_LIST_MODEL (g_list_store_new (HS_TYPE_SOCKET_ITEM));
  /* The canvas gets a new playback for the new trace; the narration, the
   * scrubber and the replayed table follow it. */
  _hs_window_show_trace (self, trace);

  /* A file holds no sockets: the table says so rather than show the
   * kernel's, which have nothing to do with the capture. */
  name = hs_capture_get_name (self->capture);
  capture_update_table (self);

  described = hs_capture_connection_describe (hs_capture_get_connection (self->capture, index));
  /* TRANSLATORS: the window's subtitle while a capture file is shown: the
   * file's name, the connection's number (as tshark's tcp.stream) and the
   * connection */
  title = g_strdup_printf (_ ("%s · connection %u · %s"), name, index, described);
  gtk_window_set_title (GTK_WINDOW (self), title);

  gtk_label_set_label (self->narration_label,
                       _ ("A captured connection: press Play, or → to follow it segment by "
                          "segment."));
  hs_playback_go_to_start (self->playback);
  update_narration (self);
  capture_update_actions (self);
}

static void
capture_picker_activate_cb (HsWindow *self, guint position)
{
  capture_show_stream (self, position);
}

static void
capture_picker_setup_cb (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_list_item_set_child (item, box);
}

static void
capture_picker_bind_cb (HsWindow *self, GtkListItem *item)
{
  guint index = gtk_list_item_get_position (item);
  GtkWidget *box = gtk_list_item_get_child (item);
  const HsCaptureConnection *c;
  g_autofree char *described = NULL;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;

  if (self->capture == NULL || index >= hs_capture_get_n_connections (self->capture))
    return;
  c = hs_capture_get_connection (self->capture, index);
  described = hs_capture_connection_describe (c);
  title = g_strdup_printf ("%u · %s", index, described);
  /* TRANSLATORS: under a connection in the picker: when it starts in the
   * capture, and how many bytes of data it carries. Not G_GUINT64_FORMAT:
   * xgettext cannot see through the macro. */
  subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Starts at %.3f s · %lu byte of data",
                                           "Starts at %.3f s · %lu bytes of data",
                                           (gulong) MIN (c->bytes, G_MAXULONG)),
                              (double) (c->start_us - self->capture_first_us) / G_USEC_PER_SEC,
                              (gulong) c->bytes);
  gtk_label_set_label (GTK_LABEL (gtk_widget_get_first_child (box)), title);
  gtk_label_set_label (GTK_LABEL (gtk_widget_get_last_child (box)), subtitle);
}

/* Several connections: the user picks one, as in Wireshark's Conversations.
 * A list view makes rows only for what is visible: a capture may hold tens
 * of thousands of connections. */
static void
capture_show_picker (HsWindow *self)
{
  HsCapture *capture = self->capture;
  guint n = hs_capture_get_n_connections (capture);
  g_autoptr (GtkStringList) numbers = gtk_string_list_new (NULL);
  GtkListItemFactory *factory;
  GtkWidget *dialog;
  GtkWidget *scroller;
  GtkWidget *list;
  g_autofree char *body = NULL;

  capture_close_picker (self);

  self->capture_first_us = G_MAXINT64;
  for (guint i = 0; i < n; i++)
    {
      char number[16];

      g_snprintf (number, sizeof number, "%u", i);
      gtk_string_list_append (numbers, number);
      self->capture_first_us =
          MIN (self->capture_first_us, hs_capture_get_connection (capture, i)->start_us);
    }

  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%s holds %u TCP connection. Which one should Handshake "
                                       "show?",
                                       "%s holds %u TCP connections. Which one should Handshake "
                                       "show?",
                                       n),
                          hs_capture_get_name (capture), n);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _ ("Choose a Connection"), body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"));

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (capture_picker_setup_cb), NULL);
  g_signal_connect_object (factory, "bind", G_CALLBACK (capture_picker_bind_cb), self,
                           G_CONNECT_SWAPPED);
  list = gtk_list_view_new (GTK_SELECTION_MODEL (
                                gtk_no_selection_new (G_LIST_MODEL (g_steal_pointer (&numbers)))),
                            factory);
  gtk_list_view_set_single_click_activate (GTK_LIST_VIEW (list), TRUE);
  gtk_widget_add_css_class (list, "boxed-list");
  g_signal_connect_object (list, "activate", G_CALLBACK (capture_picker_activate_cb), self,
                           G_CONNECT_SWAPPED);

  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 400);
  /* Wide enough for two IPv4 addresses and ports on one line. */
  gtk_widget_set_size_request (scroller, 560, -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), list);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), scroller);

  g_set_weak_pointer (&self->capture_picker, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
capture_open_file (HsWindow *self, GFile *file)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HsCapture) capture = NULL;
  g_autofree char *path = g_file_get_path (file);
  const GError *warning;

  if (path != NULL)
    capture = hs_capture_load_file (path, &error);
  else
    {
      /* Not a local file (dropped from a browser, say): read it whole. */
      g_autoptr (GBytes) bytes = g_file_load_bytes (file, NULL, NULL, &error);
      g_autofree char *name = g_file_get_basename (file);

      if (bytes != NULL)
        capture = hs_capture_load_bytes (bytes, name != NULL ? name : "capture", &error);
    }
  if (capture == NULL)
    {
      toast_error (self, error);
      return;
    }

  warning = hs_capture_get_warning (capture);
  if (warning != NULL)
    _hs_window_toast (self, warning->message);

  /* The old capture (if any) stays on screen until a connection is chosen. */
  g_set_object (&self->capture, capture);
  if (hs_capture_get_n_connections (capture) == 1)
    capture_show_stream (self, 0);
  else
    capture_show_picker (self);
}

static void
capture_open_response_cb (HsWindow *self, int response, GtkFileChooserNative *dialog)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        capture_open_file (self, file);
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (dialog));
  g_clear_object (&self->open_dialog);
}

static void
capture_open_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HsWindow *self = HS_WINDOW (widget);
  GtkFileFilter *filter;

  if (self->open_dialog != NULL)
    return;

  self->open_dialog =
      gtk_file_chooser_native_new (_ ("Open a Capture"), GTK_WINDOW (self),
                                   GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Open"), _ ("_Cancel"));

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _ ("Packet captures (pcap, pcapng)"));
  gtk_file_filter_add_suffix (filter, "pcap");
  gtk_file_filter_add_suffix (filter, "pcapng");
  gtk_file_filter_add_suffix (filter, "cap");
  gtk_file_filter_add_mime_type (filter, "application/vnd.tcpdump.pcap");
  gtk_file_filter_add_mime_type (filter, "application/x-pcapng");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->open_dialog), filter);
  g_object_unref (filter);

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _ ("All files"));
  gtk_file_filter_add_pattern (filter, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->open_dialog), filter);
  g_object_unref (filter);

  g_signal_connect_object (self->open_dialog, "response", G_CALLBACK (capture_open_response_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->open_dialog));
}

/* capture.open-file (a path): what the dialog and a drop do, for scripts
 * and tests. */
static void
capture_open_file_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  g_autoptr (GFile) file = g_file_new_for_commandline_arg (g_variant_get_string (parameter, NULL));

  capture_open_file (HS_WINDOW (widget), file);
}

/* capture.show-stream (a connection number): what the picker does. */
static void
capture_show_stream_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  capture_show_stream (HS_WINDOW (widget), g_variant_get_uint32 (parameter));
}

static void
capture_close_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  capture_leave (HS_WINDOW (widget));
}

static gboolean
capture_drop_cb (HsWindow *self, const GValue *value, double x, double y)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;

  files = gdk_file_list_get_files (g_value_get_boxed (value));
  if (files == NULL)
    return FALSE;
  /* One lesson at a time: the first file dropped. */
  capture_open_file (self, files->data);
  g_slist_free (files);
  return TRUE;
}

static void
capture_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "capture.open", NULL, capture_open_action);
  gtk_widget_class_install_action (widget_class, "capture.open-file", "s",
                                   capture_open_file_action);
  gtk_widget_class_install_action (widget_class, "capture.show-stream", "u",
                                   capture_show_stream_action);
  gtk_widget_class_install_action (widget_class, "capture.close", NULL, capture_close_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "capture.open",
                                       NULL);
}

static void
capture_init (HsWindow *self)
{
  GtkDropTarget *target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  g_signal_connect_object (target, "drop", G_CALLBACK (capture_drop_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
  capture_update_actions (self);
}

static void
hs_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HsWindow *self = HS_WINDOW (object);

  switch (prop_id)
    {
      case PROP_PRESENTING:
        g_value_set_boolean (value, self->presenting);
        break;
      case PROP_ROLE:
        g_value_set_string (value, hs_window_role_to_string (self->role));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HsWindow *self = HS_WINDOW (object);

  switch (prop_id)
    {
      case PROP_PRESENTING:
        set_presenting (self, g_value_get_boolean (value));
        break;
      case PROP_ROLE:
        {
          HsWindowRole role = HS_WINDOW_ROLE_LOCAL;

          if (hs_window_role_parse (g_value_get_string (value), &role))
            hs_window_set_role (self, role);
        }
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_window_dispose (GObject *object)
{
  HsWindow *self = (HsWindow *) object;

  if (self->export_dialog != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->export_dialog));
  g_clear_object (&self->export_dialog);
  g_clear_handle_id (&self->update_actions_id, g_source_remove);
  _hs_window_class_dispose (self);
  capture_dispose (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), HS_TYPE_WINDOW);
  g_clear_object (&self->replay_model);
  g_clear_pointer (&self->sentences, g_ptr_array_unref);
  g_clear_pointer (&self->description, g_free);
  g_clear_object (&self->shown_trace);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hs_window_parent_class)->dispose (object);
}

static void
hs_window_class_init (HsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hs_window_dispose;
  object_class->get_property = hs_window_get_property;
  object_class->set_property = hs_window_set_property;

  /**
   * HsWindow:presenting:
   *
   * Presentation mode: full screen, large type, only what the lesson needs.
   */
  properties[PROP_PRESENTING] =
      g_param_spec_boolean ("presenting", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * HsWindow:role:
   *
   * What this computer is in the lesson: "local", "server" or "client".
   */
  properties[PROP_ROLE] =
      g_param_spec_string ("role", NULL, NULL, "local",
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (HS_TYPE_SOCKET_TABLE);
  g_type_ensure (HS_TYPE_CANVAS);
  g_type_ensure (HS_TYPE_TIMELINE);
  g_type_ensure (HS_TYPE_LANES);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/hs-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, label_style_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, canvas_scroller);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, listen_address_entry);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, listen_port_spin);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, listen_button);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, server_send_entry);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, connect_host_entry);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, connect_port_spin);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, client_send_entry);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, show_all_switch);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, socket_table);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, table_source_label);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, narration_label);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, play_button);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, speed_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, position_label);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, side_scroller);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, blank);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, network_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, wire_group);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, held_label);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, auto_button);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, step_button);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, sockets_heading);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, timeline);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, timeline_bar);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, replay_label);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, live_button);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, 0, "settings.narration-large",
                                       NULL);

  gtk_widget_class_install_action (widget_class, "wire.drop-next", NULL, wire_action);
  gtk_widget_class_install_action (widget_class, "wire.deliver", NULL, wire_action);
  gtk_widget_class_install_action (widget_class, "wire.deliver-all", NULL, wire_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "playback.step-forward",
                                       NULL);

  gtk_widget_class_install_property_action (widget_class, "view.presentation", "presenting");
  gtk_widget_class_install_property_action (widget_class, "view.role", "role");
  _hs_window_class_class_init (widget_class);
  gtk_widget_class_install_action (widget_class, "view.leave-presentation", NULL,
                                   leave_presentation_action);
  gtk_widget_class_install_action (widget_class, "view.blank", NULL, blank_action);
  gtk_widget_class_install_action (widget_class, "diagram.export", NULL, export_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "view.presentation", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "view.leave-presentation",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_b, 0, "view.blank", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, 0, "view.blank", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "diagram.export",
                                       NULL);

  capture_class_init (widget_class);

  gtk_widget_class_install_action (widget_class, "server.listen", NULL, server_listen_action);
  gtk_widget_class_install_action (widget_class, "client.connect", NULL, client_connect_action);
  gtk_widget_class_install_action (widget_class, "client.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "server.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "client.close", NULL, close_action);
  gtk_widget_class_install_action (widget_class, "server.close", NULL, close_action);
  gtk_widget_class_install_action (widget_class, "client.abort", NULL, abort_action);
  gtk_widget_class_install_action (widget_class, "server.abort", NULL, abort_action);
  gtk_widget_class_install_action (widget_class, "playback.toggle", NULL, playback_action);
  gtk_widget_class_install_action (widget_class, "playback.step-forward", NULL, playback_action);
  gtk_widget_class_install_action (widget_class, "playback.step-back", NULL, playback_action);
  gtk_widget_class_install_action (widget_class, "playback.start", NULL, playback_action);
  gtk_widget_class_install_action (widget_class, "playback.live", NULL, playback_action);

  /* Keys a presentation clicker sends, and the usual media keys. Entries
   * see their keys first, so typing and cursor movement are not taken.
   * Page Up and Page Down are the window's before any other widget's (see
   * add_clicker_keys ()). */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "playback.step-forward",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "playback.step-back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "playback.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, 0, "playback.live", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, 0, "playback.toggle", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_AudioPlay, 0, "playback.toggle", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "client.connect", NULL);
}

/* Time travel. The canvas's playback is the one cursor: the scrubber,
 * the keys and the buttons move it, and everything here follows it. While
 * it replays the past, the socket table shows the rows replayed from the
 * trace at that event (HsReplayModel), marked as a replay; live, the
 * kernel's (or the model's) again. */

/* The kernel's (or the model's) TIME_WAIT timer of one end, through the
 * live socket table, for the countdown on its lifeline. */
static gint64
time_wait_left_cb (guint connection, HsSide side, gpointer user_data)
{
  HsWindow *self = HS_WINDOW (user_data);
  HsTrace *trace = self->shown_trace;
  GListModel *sockets = hs_session_get_sockets (self->session);
  const HsTraceConnection *c;
  g_autofree char *key = NULL;

  if (connection == 0 || connection >= hs_trace_get_n_connections (trace))
    return -1;
  c = hs_trace_get_connection (trace, connection);
  key = side == HS_SIDE_CLIENT ? hs_socket_item_make_key (&c->client, &c->server)
                               : hs_socket_item_make_key (&c->server, &c->client);

  for (guint i = 0, n = g_list_model_get_n_items (sockets); i < n; i++)
    {
      g_autoptr (HsSocketItem) item = g_list_model_get_item (sockets, i);
      gint64 deadline;

      if (g_strcmp0 (hs_socket_item_get_key (item), key) != 0)
        continue;
      deadline = hs_socket_item_get_time_wait_deadline (item);
      if (hs_socket_item_get_state (item) != HS_TCP_STATE_TIME_WAIT || deadline == 0)
        return -1;
      return MAX (0, deadline - g_get_monotonic_time ());
    }
  return -1;
}

/* The most sentences the canvas's description carries: a lesson has tens
 * of events; a trace of thousands would make every step push megabytes to
 * the screen reader. */
#define MAX_DESCRIBED 200

static const char *
sentence_for (HsWindow *self, HsTrace *trace, guint index)
{
  if (self->sentences->len <= index)
    g_ptr_array_set_size (self->sentences, index + 1);
  if (g_ptr_array_index (self->sentences, index) == NULL)
    g_ptr_array_index (self->sentences, index) = hs_narration_describe (trace, index);
  return g_ptr_array_index (self->sentences, index);
}

/* The canvas's accessible description is the narration so far, so that a
 * screen reader can follow (and reread) the lesson. */
static void
update_description (HsWindow *self)
{
  HsTrace *trace = self->shown_trace;
  guint n_visible = MIN (hs_playback_get_n_visible (self->playback), hs_trace_get_n_events (trace));
  g_autoptr (GString) text = NULL;
  guint first;

  if (n_visible == self->described)
    return;
  self->described = n_visible;

  text = g_string_new (NULL);
  first = n_visible > MAX_DESCRIBED ? n_visible - MAX_DESCRIBED : 0;
  if (first > 0)
    g_string_append_printf (text,
                            g_dngettext (GETTEXT_PACKAGE,
                                         "(%u earlier event is not repeated here.)",
                                         "(%u earlier events are not repeated here.)", first),
                            first);
  for (guint i = first; i < n_visible; i++)
    {
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, sentence_for (self, trace, i));
    }
  if (text->len == 0)
    g_string_append (text, gtk_label_get_label (self->narration_label));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->canvas),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text->str, -1);
  g_free (self->description);
  self->description = g_string_free (g_steal_pointer (&text), FALSE);
}

static void
update_replay_table (HsWindow *self, gboolean replay)
{
  GListModel *model = replay ? hs_replay_model_get_sockets (self->replay_model)
                      : self->capture_trace != NULL ? self->capture_sockets
                                                    : hs_session_get_sockets (self->session);
  guint shown = hs_playback_get_n_visible (self->playback);

  hs_replay_model_set_active (self->replay_model, replay);
  if (hs_socket_table_get_model (self->socket_table) != model)
    hs_socket_table_set_model (self->socket_table, model);
  hs_socket_table_set_replay (self->socket_table, replay);

  if (!replay)
    {
      if (self->capture_trace != NULL)
        capture_update_table (self);
      else
        update_table_source (self);
      return;
    }

  {
    /* TRANSLATORS: the socket table's heading while replaying the past */
    g_autofree char *heading = g_strdup_printf (_ ("Sockets at event %u (replay)"), shown);
    g_autofree char *source =
        self->capture_trace != NULL
            /* TRANSLATORS: under the socket table while stepping through a
             * capture file: the file's name and the event */
            ? g_strdup_printf (_ ("Replayed from %s, a capture file: both ends as they were "
                                  "after event %u, inferred from the captured segments."),
                               hs_capture_get_name (self->capture), shown)
            : g_strdup_printf (_ ("Replayed from the trace: the sockets as they were after "
                                  "event %u, not the kernel's table now."),
                               shown);

    gtk_label_set_label (self->sockets_heading, heading);
    gtk_label_set_label (self->table_source_label, source);
  }
}

static void
update_time_travel (HsWindow *self)
{
  HsTrace *trace = self->shown_trace;
  gboolean replay = hs_playback_is_replay (self->playback);
  guint n_events = hs_trace_get_n_events (trace);

  gtk_widget_set_visible (GTK_WIDGET (self->replay_label), replay);
  gtk_widget_set_visible (self->live_button, replay);
  if (replay)
    {
      double seconds = hs_replay_time_at (trace, n_events) / (double) G_USEC_PER_SEC;
      /* TRANSLATORS: shown while the view replays the past: the latest
       * event and its time on the trace's clock */
      g_autofree char *text =
          g_strdup_printf (_ ("Replay — live is at event %u · %.1f s"), n_events, seconds);

      gtk_label_set_label (self->replay_label, text);
    }
  update_replay_table (self, replay);
  update_description (self);
}

/* Everything of time travel that follows the session: its playback and
 * its trace. */
static void
set_time_travel_session (HsWindow *self)
{
  g_clear_object (&self->replay_model);
  self->replay_model = hs_replay_model_new (self->playback);
  g_ptr_array_set_size (self->sentences, 0);
  self->described = G_MAXUINT;
  hs_timeline_set_playback (self->timeline, self->playback);
  hs_canvas_set_time_wait_func (self->canvas, time_wait_left_cb, self);
}

static void
trace_cleared_cb (HsWindow *self)
{
  g_ptr_array_set_size (self->sentences, 0);
  self->described = G_MAXUINT;
}

/* The replay notice is read from the back row too. */
static void
update_time_travel_presenting (HsWindow *self)
{
  if (self->presenting)
    gtk_widget_add_css_class (self->timeline_bar, "presenting");
  else
    gtk_widget_remove_css_class (self->timeline_bar, "presenting");
}

static void
narration_large_changed_cb (HsWindow *self)
{
  if (g_settings_get_boolean (self->settings, "narration-large"))
    gtk_widget_add_css_class (GTK_WIDGET (self->narration_label), "large");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->narration_label), "large");
}

static void
setup_time_travel (HsWindow *self)
{
  g_autoptr (GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr (GAction) large = g_settings_create_action (self->settings, "narration-large");

  self->sentences = g_ptr_array_new_with_free_func (g_free);
  self->described = G_MAXUINT;

  /* The zoom of the narration is remembered, and applies while presenting
   * too. */
  g_action_map_add_action (G_ACTION_MAP (group), large);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "settings", G_ACTION_GROUP (group));
  g_signal_connect_object (self->settings, "changed::narration-large",
                           G_CALLBACK (narration_large_changed_cb), self, G_CONNECT_SWAPPED);
  narration_large_changed_cb (self);
}

static gboolean
update_actions_idle_cb (gpointer user_data)
{
  HsWindow *self = user_data;

  self->update_actions_id = 0;
  _hs_window_update_actions (self);
  return G_SOURCE_REMOVE;
}

/* The session says "changed" at every event, hundreds of times a second
 * when a class arrives; the buttons follow once per main loop turn, after
 * the session has finished what it was doing (a connection is usable only
 * once its handshake's events are all recorded). */
static void
queue_update_actions (HsWindow *self)
{
  if (self->update_actions_id == 0)
    self->update_actions_id =
        g_idle_add_full (G_PRIORITY_HIGH_IDLE, update_actions_idle_cb, self, NULL);
}

/* The canvas shows @trace; the narration and the playback controls follow
 * its playback. */
void
_hs_window_show_trace (HsWindow *self, HsTrace *trace)
{
  if (self->playback != NULL)
    g_signal_handlers_disconnect_by_data (self->playback, self);
  if (self->shown_trace != NULL)
    g_signal_handlers_disconnect_by_data (self->shown_trace, self);

  hs_canvas_set_trace (self->canvas, trace);
  g_set_object (&self->shown_trace, hs_canvas_get_trace (self->canvas));
  self->playback = hs_canvas_get_playback (self->canvas);
  self->narrated = G_MAXUINT;

  g_signal_connect_object (self->playback, "changed", G_CALLBACK (update_narration), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->playback, "notify::playing", G_CALLBACK (update_narration), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->shown_trace, "event-changed", G_CALLBACK (trace_event_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->shown_trace, "cleared", G_CALLBACK (trace_cleared_cb), self,
                           G_CONNECT_SWAPPED);
  set_time_travel_session (self);
  speed_changed_cb (self);
  update_narration (self);
  self->described = G_MAXUINT;
  update_description (self);
}

/* Everything that follows the session: a new network or role is a new
 * session, with its own trace, socket table and wire. */
void
_hs_window_set_session (HsWindow *self, HsSession *session)
{
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  if (self->show_all_binding != NULL)
    g_binding_unbind (self->show_all_binding);
  self->show_all_binding = NULL;

  capture_forget (self);
  g_set_object (&self->session, session);

  hs_socket_table_set_model (self->socket_table, hs_session_get_sockets (session));
  self->show_all_binding = g_object_bind_property (self->show_all_switch, "active", session,
                                                   "show-all", G_BINDING_SYNC_CREATE);

  g_signal_connect_object (session, "error", G_CALLBACK (session_error_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "changed", G_CALLBACK (queue_update_actions), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::listening", G_CALLBACK (_hs_window_update_actions),
                           self, G_CONNECT_SWAPPED);

  if (gtk_drop_down_get_selected (self->network_dropdown) != hs_session_get_network (session))
    gtk_drop_down_set_selected (self->network_dropdown, hs_session_get_network (session));

  /* The class server shows one connection at a time, chosen in its list;
   * the other roles show the session's whole trace. */
  _hs_window_show_trace (self, self->role == HS_WINDOW_ROLE_SERVER
                                   ? NULL
                                   : hs_session_get_trace (session));
  _hs_window_class_session_changed (self);

  update_title (self);
  update_table_source (self);
  _hs_window_update_actions (self);
  update_narration (self);
  gtk_label_set_label (self->narration_label,
                       self->role == HS_WINDOW_ROLE_SERVER
                           ? _ ("Start the server, and watch the students’ handshakes arrive.")
                       : self->role == HS_WINDOW_ROLE_CLIENT
                           ? _ ("Type the server’s address, press Connect, and watch the "
                                "three-way handshake.")
                           : _ ("Press Listen, then Connect, and watch the three-way handshake."));
  self->described = G_MAXUINT;
  update_description (self);
}

/* The network of the last lesson; the lab where it can run, else the host
 * network ("auto"). */
HsSession *
_hs_window_initial_session (HsWindow *self)
{
  g_autofree char *name = g_settings_get_string (self->settings, "network");
  g_autofree char *reason = NULL;
  g_autoptr (GError) error = NULL;
  HsNetworkKind kind = HS_NETWORK_HOST;
  HsSession *session;

  if (g_str_equal (name, "auto"))
    {
      reason = hs_network_kind_unavailable_reason (HS_NETWORK_LAB);
      kind = reason == NULL ? HS_NETWORK_LAB : HS_NETWORK_HOST;
    }
  else
    hs_network_kind_parse (name, &kind);

  session = hs_session_try_new (kind, &error);
  if (session == NULL)
    {
      /* The lab did not start after all: say so once, then teach on the
       * host network. */
      toast_error (self, error);
      session = hs_session_new ();
    }
  return session;
}

/* The side panel is as wide as its tables' columns where the window has
 * room (a 1920-pixel screen), and narrower on a 1024-pixel projector, its
 * tables scrolling: its minimum width is what the controls need. GtkPaned
 * gives the side its minimum unless told, so once the paned knows its
 * width (its maximum position is then set), the side gets its natural
 * width, or as much of it as the diagram leaves. After that the paned
 * keeps it, and a dragged handle, as usual. */
static void
paned_max_position_cb (HsWindow *self)
{
  int side_min = 0, side_natural = 0, max_position = 0;

  if (self->side_width_set || !gtk_widget_get_visible (self->side_scroller))
    return;
  g_object_get (self->paned, "max-position", &max_position, NULL);
  if (max_position <= 0)
    return;
  gtk_widget_measure (self->side_scroller, GTK_ORIENTATION_HORIZONTAL, -1, &side_min, &side_natural,
                      NULL, NULL);
  self->side_width_set = TRUE;
  gtk_paned_set_position (self->paned, MAX (0, max_position - (side_natural - side_min)));
}

/* Page Up and Page Down, what a presentation clicker sends, step the
 * lesson wherever the focus is: the window takes them before the focused
 * widget, or a scrolled window around it (the side panel, the tables)
 * would take them to scroll, and a spin button to count by tens. */
static void
add_clicker_keys (HsWindow *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Page_Down,
                                                                                  0),
                                                          gtk_named_action_new (
                                                              "playback.step-forward")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Page_Up,
                                                                                  0),
                                                          gtk_named_action_new (
                                                              "playback.step-back")));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

/* While a class arrives the network gives way to the window's frames
 * (src/net/hs-pace.c), which it learns of here. */
static void
frame_done_cb (GdkFrameClock *clock, gpointer user_data)
{
  gint64 frame_time = gdk_frame_clock_get_frame_time (clock);
  gint64 interval = 0, presentation = 0;

  /* Without a compositor to start frames, GTK plans the next one a
   * refresh after this one's time; with one, it comes about as much
   * later. (The refresh interval is the display's when GTK knows it,
   * 60 Hz otherwise; newer GTKs tell it only with a presentation time.) */
  gdk_frame_clock_get_refresh_info (clock, frame_time, &interval, &presentation);
  hs_pace_frame_done (frame_time + interval);
}

static void
pace_realize_cb (HsWindow *self)
{
  self->paced_clock = g_object_ref (gtk_widget_get_frame_clock (GTK_WIDGET (self)));
  self->paced_handler =
      g_signal_connect (self->paced_clock, "after-paint", G_CALLBACK (frame_done_cb), NULL);
  hs_pace_hold_frames ();
}

static void
pace_unrealize_cb (HsWindow *self)
{
  if (self->paced_clock == NULL)
    return;
  g_clear_signal_handler (&self->paced_handler, self->paced_clock);
  g_clear_object (&self->paced_clock);
  hs_pace_release_frames ();
}

static void
hs_window_init (HsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  add_clicker_keys (self);
  hs_frame_memory_keep (GTK_WIDGET (self));
  g_signal_connect_after (self, "realize", G_CALLBACK (pace_realize_cb), NULL);
  g_signal_connect (self, "unrealize", G_CALLBACK (pace_unrealize_cb), NULL);
  g_signal_connect_object (self->paned, "notify::max-position", G_CALLBACK (paned_max_position_cb),
                           self, G_CONNECT_SWAPPED);

  self->narrated = G_MAXUINT;
  self->settings = g_settings_new (APP_ID);

  self->canvas = HS_CANVAS (hs_canvas_new ());
  gtk_scrolled_window_set_child (self->canvas_scroller, GTK_WIDGET (self->canvas));

  g_settings_bind (self->settings, "listen-address", self->listen_address_entry, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "listen-port", self->listen_port_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "connect-host", self->connect_host_entry, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "connect-port", self->connect_port_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "show-all-sockets", self->show_all_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::font-scale", G_CALLBACK (update_appearance),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::presentation-font-scale",
                           G_CALLBACK (update_appearance), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::theme", G_CALLBACK (update_appearance), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (update_appearance), self, G_CONNECT_SWAPPED);
  update_appearance (self);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "label-style", self->label_style_dropdown,
                                "selected", G_SETTINGS_BIND_DEFAULT, label_style_get_mapping,
                                label_style_set_mapping, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "speed", self->speed_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, speed_get_mapping, speed_set_mapping, NULL,
                                NULL);

  g_signal_connect_object (self->label_style_dropdown, "notify::selected",
                           G_CALLBACK (label_style_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->speed_dropdown, "notify::selected", G_CALLBACK (speed_changed_cb),
                           self, G_CONNECT_SWAPPED);
  label_style_changed_cb (self);

  g_signal_connect_object (self->listen_button, "toggled", G_CALLBACK (listen_toggled_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->step_button, "toggled", G_CALLBACK (step_toggled_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->canvas, "segment-clicked", G_CALLBACK (segment_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_toggle_button_set_active (self->auto_button, TRUE);

  setup_time_travel (self);
  capture_init (self);

  /* For tests that pick a network as a user does. */
  g_object_set_data (G_OBJECT (self), "hs-network-dropdown", self->network_dropdown);
  _hs_window_class_init (self);
  {
    g_autoptr (HsSession) session = NULL;

    /* The role of the last lesson: its own session on the host network,
     * or this computer's lesson on the network of the last lesson. */
    self->role = g_settings_get_enum (self->settings, "role");
    session = self->role == HS_WINDOW_ROLE_LOCAL ? _hs_window_initial_session (self)
                                                 : _hs_window_class_new_session (self, self->role);
    _hs_window_set_session (self, session);
    /* The role switcher's buttons read the role from the property. */
    _hs_window_notify_role (self);
  }
  g_signal_connect_object (self->network_dropdown, "notify::selected",
                           G_CALLBACK (network_selected_cb), self, G_CONNECT_SWAPPED);
}

HsWindow *
hs_window_new (AdwApplication *application)
{
  return g_object_new (HS_TYPE_WINDOW, "application", application, NULL);
}

HsSession *
hs_window_get_session (HsWindow *self)
{
  g_return_val_if_fail (HS_IS_WINDOW (self), NULL);

  return self->session;
}

GtkWidget *
hs_window_get_canvas (HsWindow *self)
{
  g_return_val_if_fail (HS_IS_WINDOW (self), NULL);

  return GTK_WIDGET (self->canvas);
}

const char *
hs_window_get_narration (HsWindow *self)
{
  g_return_val_if_fail (HS_IS_WINDOW (self), NULL);

  return gtk_label_get_label (self->narration_label);
}

GtkWidget *
hs_window_get_timeline (HsWindow *self)
{
  g_return_val_if_fail (HS_IS_WINDOW (self), NULL);

  return GTK_WIDGET (self->timeline);
}

GtkWidget *
hs_window_get_socket_table (HsWindow *self)
{
  g_return_val_if_fail (HS_IS_WINDOW (self), NULL);

  return GTK_WIDGET (self->socket_table);
}

const char *
hs_window_get_description (HsWindow *self)
{
  g_return_val_if_fail (HS_IS_WINDOW (self), NULL);

  return self->description;
}

void
_hs_window_notify_role (HsWindow *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
}
