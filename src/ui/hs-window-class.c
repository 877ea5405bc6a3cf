/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-window"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "hs-connection-trace.h"
#include "hs-host-port.h"
#include "hs-interfaces.h"
#include "hs-window-private.h"

/* How many servers the client role remembers. */
#define MAX_RECENT_SERVERS 8

static const HsTableColumn connection_columns[] = {
  { "address", N_ ("Client"), 15, FALSE, TRUE },      { "port", N_ ("Port"), 5, TRUE, FALSE },
  { "state-name", N_ ("State"), 13, FALSE, FALSE },   { "since", N_ ("Since"), 8, TRUE, FALSE },
  { "bytes-in", N_ ("Received"), 6, TRUE, FALSE },    { "bytes-out", N_ ("Sent"), 6, TRUE, FALSE },
  { "last-text", N_ ("Last Text"), 12, FALSE, TRUE },
};

const char *
hs_window_role_to_string (HsWindowRole role)
{
  switch (role)
    {
      case HS_WINDOW_ROLE_SERVER:
        return "server";
      case HS_WINDOW_ROLE_CLIENT:
        return "client";
      case HS_WINDOW_ROLE_LOCAL:
      default:
        return "local";
    }
}

gboolean
hs_window_role_parse (const char *text, HsWindowRole *role)
{
  for (HsWindowRole r = HS_WINDOW_ROLE_LOCAL; r <= HS_WINDOW_ROLE_CLIENT; r++)
    if (g_strcmp0 (text, hs_window_role_to_string (r)) == 0)
      {
        *role = r;
        return TRUE;
      }
  return FALSE;
}

static HsSessionRole
session_role (HsWindowRole role)
{
  switch (role)
    {
      case HS_WINDOW_ROLE_SERVER:
        return HS_SESSION_ROLE_SERVER;
      case HS_WINDOW_ROLE_CLIENT:
        return HS_SESSION_ROLE_CLIENT;
      case HS_WINDOW_ROLE_LOCAL:
      default:
        return HS_SESSION_ROLE_LOCAL;
    }
}

HsSession *
_hs_window_class_new_session (HsWindow *self, HsWindowRole role)
{
  HsSession *session = hs_session_new ();

  hs_session_set_role (session, session_role (role));
  hs_session_set_max_connections (session, g_settings_get_uint (self->settings, "max-connections"));
  return session;
}

static HsConnectionRow *
selected_row (HsWindow *self)
{
  if (self->connection_selection == NULL)
    return NULL;
  return gtk_single_selection_get_selected_item (self->connection_selection);
}

/* The addresses students may type, for what the server bound. */
static char **
banner_addresses (HsWindow *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  const char *bound = self->listened_address;

  if (bound == NULL)
    return g_strv_builder_end (builder);

  if (g_str_equal (bound, "::") || g_str_equal (bound, "0.0.0.0"))
    {
      g_auto (GStrv) all = hs_net_get_local_addresses ();

      /* Bound to every IPv4 address only, IPv6 ones would not answer. */
      for (guint i = 0; all[i] != NULL; i++)
        if (g_str_equal (bound, "::") || strchr (all[i], ':') == NULL)
          g_strv_builder_add (builder, all[i]);
    }
  else
    g_strv_builder_add (builder, bound);
  return g_strv_builder_end (builder);
}

static char *
banner_text (const char *address, guint16 port)
{
  /* TRANSLATORS: an address and port as students type them, e.g.
   * "192.168.1.20 : 5005"; the spaces keep them apart on a projector */
  if (strchr (address, ':') != NULL)
    return g_strdup_printf (_ ("[%s] : %u"), address, port);
  return g_strdup_printf (_ ("%s : %u"), address, port);
}

static void
update_banner (HsWindow *self)
{
  gboolean listening = self->session != NULL && hs_session_is_listening (self->session);
  guint16 port = listening ? hs_session_get_listen_port (self->session) : 0;
  g_auto (GStrv) addresses = NULL;
  GtkWidget *child;
  guint n;

  gtk_widget_set_visible (self->class_banner, self->role == HS_WINDOW_ROLE_SERVER);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->banner_addresses))) != NULL)
    gtk_flow_box_remove (self->banner_addresses, child);

  if (self->role != HS_WINDOW_ROLE_SERVER)
    return;

  if (!listening)
    {
      gtk_label_set_label (self->banner_title,
                           _ ("The server is not listening yet: press Start Server."));
      return;
    }

  addresses = banner_addresses (self);
  n = g_strv_length (addresses);
  if (self->listened_address != NULL && hs_net_address_is_loopback (self->listened_address))
    gtk_label_set_label (self->banner_title,
                         _ ("Only this computer can connect, to the address below. To let the "
                            "students in, stop the server and allow connections from other "
                            "computers."));
  else if (n == 0)
    gtk_label_set_label (self->banner_title,
                         _ ("This computer has no address other computers can reach. Is it "
                            "connected to the network?"));
  else
    gtk_label_set_label (self->banner_title,
                         g_dngettext (GETTEXT_PACKAGE, "Students connect to this address:",
                                      "Students connect to one of these addresses:", n));

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = banner_text (addresses[i], port);
      GtkWidget *label = gtk_label_new (text);

      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "banner-address");
      gtk_flow_box_append (self->banner_addresses, label);
    }
}

static void
update_capture (HsWindow *self)
{
  const char *text =
      self->session != NULL ? hs_session_get_capture_description (self->session) : NULL;

  gtk_label_set_label (self->capture_label, text != NULL ? text : "");
  gtk_label_set_label (self->client_capture_label, text != NULL ? text : "");
}

static void
update_count (HsWindow *self)
{
  guint n =
      self->connections != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->connections)) : 0;
  guint refused = self->session != NULL ? hs_session_get_n_refused (self->session) : 0;
  g_autofree char *text = NULL;

  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u connection", "%u connections", n), n);
  if (refused > 0)
    {
      g_autofree char *with =
          g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %u refused (server full)",
                                        "%s · %u refused (server full)", refused),
                           text, refused);

      g_free (text);
      text = g_steal_pointer (&with);
    }
  gtk_label_set_label (self->connections_count_label, text);
}

/* The diagram of the connection selected in the list or the overview. */
static void
selection_changed_cb (HsWindow *self)
{
  HsConnectionRow *row = selected_row (self);
  g_autoptr (HsTrace) mirror = NULL;

  if (row == NULL || self->session == NULL)
    return;
  if (hs_connection_trace_get_id (self->shown_trace) == hs_connection_row_get_id (row))
    return;

  mirror = hs_connection_trace_new (hs_session_get_trace (self->session),
                                    hs_connection_row_get_id (row));
  _hs_window_show_trace (self, mirror);
  /* Watching the selected connection from its start is the point. */
  hs_playback_go_live (self->playback);
  _hs_window_update_actions (self);
}

static void
show_diagram (HsWindow *self)
{
  gtk_stack_set_visible_child_name (self->canvas_stack, "diagram");
}

static void
view_activate_cb (HsWindow *self, guint position)
{
  selection_changed_cb (self);
  show_diagram (self);
}

/* A click on a row of the list is asking to see that connection; in the
 * overview a click only selects, so that the class keeps seeing everyone
 * until a double click (or Enter) opens one. */
static void
list_clicked_cb (GtkGestureClick *gesture, int n_press, double x, double y, HsWindow *self)
{
  /* Not on the titles or the empty space below the rows. */
  if (hs_table_get_position_at (self->connections_view, y) != GTK_INVALID_LIST_POSITION)
    show_diagram (self);
}

static void
lanes_activate_cb (HsWindow *self, guint id)
{
  selection_changed_cb (self);
  show_diagram (self);
}

static void
list_items_changed_cb (HsWindow *self)
{
  update_count (self);
}

void
_hs_window_class_session_changed (HsWindow *self)
{
  gboolean server = self->role == HS_WINDOW_ROLE_SERVER;

  gtk_widget_set_visible (self->local_group, self->role == HS_WINDOW_ROLE_LOCAL);
  gtk_widget_set_visible (GTK_WIDGET (self->network_dropdown), self->role == HS_WINDOW_ROLE_LOCAL);
  gtk_widget_set_visible (self->class_server_group, server);
  gtk_widget_set_visible (self->class_client_group, self->role == HS_WINDOW_ROLE_CLIENT);
  gtk_widget_set_visible (self->view_bar, server);

  if (self->connection_selection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection_selection, self);
  if (self->connections != NULL)
    g_signal_handlers_disconnect_by_data (self->connections, self);
  hs_lanes_set_selection (self->lanes, NULL);
  hs_table_set_model (self->connections_view, NULL);
  g_object_set_data (G_OBJECT (self), "hs-connection-selection", NULL);
  g_clear_object (&self->connection_selection);
  g_clear_object (&self->connections);
  g_clear_pointer (&self->listened_address, g_free);

  if (server)
    {
      self->connections = hs_connection_list_new (HS_SIDE_SERVER);
      hs_connection_list_set_trace (self->connections, hs_session_get_trace (self->session));
      self->connection_selection =
          gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->connections)));
      gtk_single_selection_set_autoselect (self->connection_selection, FALSE);
      gtk_single_selection_set_can_unselect (self->connection_selection, TRUE);
      gtk_single_selection_set_selected (self->connection_selection, GTK_INVALID_LIST_POSITION);
      hs_table_set_model (self->connections_view, GTK_SELECTION_MODEL (self->connection_selection));
      hs_lanes_set_selection (self->lanes, self->connection_selection);
      /* For tests that select as a user does. */
      g_object_set_data (G_OBJECT (self), "hs-connection-selection", self->connection_selection);
      g_signal_connect_object (self->connection_selection, "selection-changed",
                               G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->connections, "items-changed",
                               G_CALLBACK (list_items_changed_cb), self, G_CONNECT_SWAPPED);
      gtk_stack_set_visible_child_name (self->canvas_stack, "overview");
    }
  else
    show_diagram (self);

  g_signal_connect_object (self->session, "notify::capture-mode", G_CALLBACK (update_capture), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::n-refused", G_CALLBACK (update_count), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::listening", G_CALLBACK (update_banner), self,
                           G_CONNECT_SWAPPED);
  update_capture (self);
  update_count (self);
  update_banner (self);
}

/* Called at every event of a busy class: a label set again would lay the
 * window out again. */
static void
set_label_if_changed (GtkButton *button, const char *label)
{
  if (g_strcmp0 (gtk_button_get_label (button), label) != 0)
    gtk_button_set_label (button, label);
}

void
_hs_window_class_update_actions (HsWindow *self)
{
  gboolean server = self->role == HS_WINDOW_ROLE_SERVER;
  gboolean listening = self->session != NULL && hs_session_is_listening (self->session);
  gboolean selected = server && selected_row (self) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "class.close", selected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "class.abort", selected);

  if (!server)
    return;

  if (gtk_toggle_button_get_active (self->class_listen_button) != listening)
    gtk_toggle_button_set_active (self->class_listen_button, listening);
  set_label_if_changed (GTK_BUTTON (self->class_listen_button),
                        listening ? _ ("Stop Server") : _ ("Start Server"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->allow_remote_switch), !listening);
  gtk_widget_set_sensitive (GTK_WIDGET (self->class_listen_port_spin), !listening);
  gtk_widget_set_sensitive (GTK_WIDGET (self->class_address_row),
                            !listening && gtk_switch_get_active (self->allow_remote_switch));
}

void
_hs_window_class_update_appearance (HsWindow *self, double font_scale)
{
  hs_lanes_set_font_scale (self->lanes, font_scale);
  if (self->presenting)
    {
      gtk_widget_add_css_class (self->class_banner, "presenting");
      gtk_widget_add_css_class (self->view_bar, "presenting");
    }
  else
    {
      gtk_widget_remove_css_class (self->class_banner, "presenting");
      gtk_widget_remove_css_class (self->view_bar, "presenting");
    }
}

/* The address the class server binds: loopback unless other computers are
 * allowed, then every address ("::", both families) or the one chosen. */
static char *
chosen_listen_address (HsWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->class_address_row);

  if (!gtk_switch_get_active (self->allow_remote_switch))
    return g_strdup ("127.0.0.1");
  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION)
    return g_strdup ("::");
  return g_strdup (gtk_string_list_get_string (self->address_model, selected));
}

static gboolean
class_listen (HsWindow *self, GError **error)
{
  g_autofree char *address = chosen_listen_address (self);
  guint16 port = (guint16) gtk_spin_button_get_value_as_int (self->class_listen_port_spin);
  gboolean allow = gtk_switch_get_active (self->allow_remote_switch);
  g_autoptr (GError) local_error = NULL;

  hs_session_set_allow_remote (self->session, allow);
  hs_session_set_max_connections (self->session,
                                  g_settings_get_uint (self->settings, "max-connections"));
  if (!hs_session_listen (self->session, address, port, &local_error))
    {
      /* A computer without IPv6 cannot bind "::": every IPv4 address then. */
      if (!g_str_equal (address, "::"))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_free (address);
      address = g_strdup ("0.0.0.0");
      if (!hs_session_listen (self->session, address, port, NULL))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  g_free (self->listened_address);
  self->listened_address = g_steal_pointer (&address);
  hs_playback_go_live (self->playback);
  return TRUE;
}

static void
class_listen_toggled_cb (HsWindow *self)
{
  gboolean active = gtk_toggle_button_get_active (self->class_listen_button);
  g_autoptr (GError) error = NULL;

  if (self->role != HS_WINDOW_ROLE_SERVER || active == hs_session_is_listening (self->session))
    return;

  if (!active)
    hs_session_stop_listening (self->session);
  else if (!class_listen (self, &error))
    _hs_window_toast (self, error->message);

  _hs_window_update_actions (self);
  update_banner (self);
}

static void
allow_remote_changed_cb (HsWindow *self)
{
  _hs_window_update_actions (self);
}

/* "Every address", then each address of this computer, keeping the one
 * chosen before. */
static void
refresh_addresses (HsWindow *self)
{
  g_auto (GStrv) addresses = hs_net_get_local_addresses ();
  g_autofree char *saved = g_settings_get_string (self->settings, "class-listen-address");
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->address_model));
  guint selected = 0;

  if (self->session != NULL && hs_session_is_listening (self->session))
    return;

  gtk_string_list_splice (self->address_model, 1, n - 1, (const char *const *) addresses);
  for (guint i = 0; addresses[i] != NULL; i++)
    if (g_str_equal (addresses[i], saved))
      selected = i + 1;
  adw_combo_row_set_selected (self->class_address_row, selected);
}

static void
address_selected_cb (HsWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->class_address_row);

  if (selected == GTK_INVALID_LIST_POSITION)
    return;
  g_settings_set_string (self->settings, "class-listen-address",
                         selected == 0
                             ? ""
                             : gtk_string_list_get_string (self->address_model, selected));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->class_address_row),
                               selected == 0 ? _ ("Every address: students may type any of them")
                                             : _ ("Only this address answers"));
}

static void
rebuild_recent_menu (HsWindow *self)
{
  g_auto (GStrv) recent = g_settings_get_strv (self->settings, "recent-servers");
  g_autoptr (GMenu) menu = g_menu_new ();

  for (guint i = 0; recent[i] != NULL; i++)
    {
      g_autoptr (GMenuItem) item = g_menu_item_new (recent[i], NULL);

      /* Labels are what the user typed: no mnemonics read into them. */
      g_menu_item_set_action_and_target_value (item, "client.use-recent",
                                               g_variant_new_string (recent[i]));
      g_menu_append_item (menu, item);
    }
  gtk_menu_button_set_menu_model (self->recent_button, G_MENU_MODEL (menu));
  gtk_widget_set_sensitive (GTK_WIDGET (self->recent_button), recent[0] != NULL);
}

void
_hs_window_class_remember_server (HsWindow *self, const char *host, guint16 port)
{
  g_auto (GStrv) recent = g_settings_get_strv (self->settings, "recent-servers");
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *entry = hs_host_port_format (host, port);
  g_auto (GStrv) updated = NULL;
  guint n = 1;

  g_strv_builder_add (builder, entry);
  for (guint i = 0; recent[i] != NULL && n < MAX_RECENT_SERVERS; i++)
    if (!g_str_equal (recent[i], entry))
      {
        g_strv_builder_add (builder, recent[i]);
        n++;
      }
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-servers", (const char *const *) updated);
}

gboolean
_hs_window_class_get_target (HsWindow *self, char **host, guint16 *port, GError **error)
{
  g_autofree char *text =
      g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->class_host_entry))));
  g_autofree char *parsed_host = NULL;
  guint16 parsed_port = 0;

  if (*text == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _ ("Type the server’s address first, as the teacher shows it (for "
                              "example 192.168.1.20)."));
      return FALSE;
    }

  /* "192.168.1.20:5005" typed in one piece, as the banner shows it. */
  if (hs_host_port_parse (text, HS_HOST_PORT_REQUIRE_HOST, &parsed_host, &parsed_port, NULL))
    {
      *host = g_steal_pointer (&parsed_host);
      *port = parsed_port;
      return TRUE;
    }

  /* A bare IPv6 address has colons too. */
  if (text[0] == '[' && text[strlen (text) - 1] == ']')
    *host = g_strndup (text + 1, strlen (text) - 2);
  else
    *host = g_steal_pointer (&text);
  *port = (guint16) gtk_spin_button_get_value_as_int (self->class_port_spin);
  return TRUE;
}

static void
use_recent_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HsWindow *self = HS_WINDOW (widget);
  g_autofree char *host = NULL;
  guint16 port = 0;

  if (!hs_host_port_parse (g_variant_get_string (parameter, NULL), HS_HOST_PORT_REQUIRE_HOST, &host,
                           &port, NULL))
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->class_host_entry), host);
  gtk_spin_button_set_value (self->class_port_spin, port);
}

static void
end_selected_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HsWindow *self = HS_WINDOW (widget);
  HsConnectionRow *row = selected_row (self);
  g_autoptr (GError) error = NULL;

  if (row == NULL)
    return;
  hs_playback_go_live (self->playback);
  if (!hs_session_end_connection (self->session, hs_connection_row_get_id (row),
                                  g_str_equal (action_name, "class.abort") ? HS_APP_ABORT
                                                                           : HS_APP_CLOSE,
                                  &error))
    _hs_window_toast (self, error->message);
  _hs_window_update_actions (self);
}

static void
max_connections_changed_cb (HsWindow *self)
{
  if (self->session != NULL)
    hs_session_set_max_connections (self->session,
                                    g_settings_get_uint (self->settings, "max-connections"));
}

/* The connection list: one widget per row in view (see hs-table.h), so a
 * class arriving at once costs only the rows in view. */
static void
setup_columns (HsWindow *self)
{
  self->connections_view =
      HS_TABLE (hs_table_new (connection_columns, G_N_ELEMENTS (connection_columns)));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->connections_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Connections of the class"),
                                  -1);
  gtk_scrolled_window_set_child (self->connections_scroller, GTK_WIDGET (self->connections_view));
}

static void
overview_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HsWindow *self = HS_WINDOW (widget);
  const char *shown = gtk_stack_get_visible_child_name (self->canvas_stack);

  /* The class server's two views; the other roles have only the diagram. */
  if (self->role != HS_WINDOW_ROLE_SERVER)
    return;
  gtk_stack_set_visible_child_name (self->canvas_stack,
                                    g_strcmp0 (shown, "overview") == 0 ? "diagram" : "overview");
}

void
_hs_window_class_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, HsWindow, local_group);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, class_server_group);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, class_client_group);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, class_banner);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, banner_title);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, banner_addresses);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, view_bar);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, capture_label);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, client_capture_label);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, canvas_stack);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, lanes);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, allow_remote_switch);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, class_address_row);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, class_listen_port_spin);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, class_listen_button);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, connections_count_label);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, connections_scroller);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, class_host_entry);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, recent_button);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, class_port_spin);
  gtk_widget_class_bind_template_child (widget_class, HsWindow, class_send_entry);

  gtk_widget_class_install_action (widget_class, "client.use-recent", "s", use_recent_action);
  gtk_widget_class_install_action (widget_class, "class.close", NULL, end_selected_action);
  gtk_widget_class_install_action (widget_class, "class.abort", NULL, end_selected_action);
  gtk_widget_class_install_action (widget_class, "view.overview", NULL, overview_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, 0, "view.overview", NULL);
}

void
_hs_window_class_init (HsWindow *self)
{
  const char *every[] = { _ ("Every address"), NULL };

  self->address_model = gtk_string_list_new (every);
  adw_combo_row_set_model (self->class_address_row, G_LIST_MODEL (self->address_model));
  setup_columns (self);

  g_settings_bind (self->settings, "class-allow-remote", self->allow_remote_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "class-listen-port", self->class_listen_port_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "class-host", self->class_host_entry, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "class-port", self->class_port_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  refresh_addresses (self);

  g_signal_connect_object (self->class_address_row, "notify::selected",
                           G_CALLBACK (address_selected_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->allow_remote_switch, "notify::active",
                           G_CALLBACK (allow_remote_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->class_listen_button, "toggled",
                           G_CALLBACK (class_listen_toggled_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (g_network_monitor_get_default (), "network-changed",
                           G_CALLBACK (refresh_addresses), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::recent-servers",
                           G_CALLBACK (rebuild_recent_menu), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::max-connections",
                           G_CALLBACK (max_connections_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connections_view, "activate", G_CALLBACK (view_activate_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->lanes, "activate", G_CALLBACK (lanes_activate_cb), self,
                           G_CONNECT_SWAPPED);
  {
    GtkGesture *click = gtk_gesture_click_new ();

    gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
    /* On press, in the capture phase: the row claims the click after. */
    g_signal_connect_object (click, "pressed", G_CALLBACK (list_clicked_cb), self, 0);
    gtk_widget_add_controller (GTK_WIDGET (self->connections_view), GTK_EVENT_CONTROLLER (click));
  }
  rebuild_recent_menu (self);
}

void
_hs_window_class_dispose (HsWindow *self)
{
  if (self->lanes != NULL)
    hs_lanes_set_selection (self->lanes, NULL);
  g_clear_object (&self->connection_selection);
  g_clear_object (&self->connections);
  g_clear_object (&self->address_model);
  g_clear_pointer (&self->listened_address, g_free);
}

HsWindowRole
hs_window_get_role (HsWindow *self)
{
  g_return_val_if_fail (HS_IS_WINDOW (self), HS_WINDOW_ROLE_LOCAL);

  return self->role;
}

void
hs_window_set_role (HsWindow *self, HsWindowRole role)
{
  g_autoptr (HsSession) session = NULL;

  g_return_if_fail (HS_IS_WINDOW (self));
  g_return_if_fail (role <= HS_WINDOW_ROLE_CLIENT);

  if (self->role == role && self->session != NULL)
    return;

  self->role = role;
  g_settings_set_enum (self->settings, "role", role);
  if (role == HS_WINDOW_ROLE_SERVER)
    refresh_addresses (self);
  session = role == HS_WINDOW_ROLE_LOCAL ? _hs_window_initial_session (self)
                                         : _hs_window_class_new_session (self, role);
  _hs_window_set_session (self, session);
  _hs_window_notify_role (self);
}

gboolean
hs_window_start_class_server (HsWindow *self, const char *address, guint16 port, GError **error)
{
  g_return_val_if_fail (HS_IS_WINDOW (self), FALSE);

  hs_window_set_role (self, HS_WINDOW_ROLE_SERVER);
  if (hs_session_is_listening (self->session))
    hs_session_stop_listening (self->session);

  if (address != NULL)
    {
      gboolean remote = !hs_net_address_is_loopback (address);

      /* An address on the command line is the explicit choice. */
      gtk_switch_set_active (self->allow_remote_switch, remote);
      if (remote)
        {
          guint found = 0;

          if (!g_str_equal (address, "::") && !g_str_equal (address, "0.0.0.0"))
            {
              guint n = g_list_model_get_n_items (G_LIST_MODEL (self->address_model));

              for (guint i = 1; i < n && found == 0; i++)
                if (g_str_equal (gtk_string_list_get_string (self->address_model, i), address))
                  found = i;
              if (found == 0)
                {
                  gtk_string_list_append (self->address_model, address);
                  found = n;
                }
            }
          adw_combo_row_set_selected (self->class_address_row, found);
        }
    }
  gtk_spin_button_set_value (self->class_listen_port_spin, port);

  if (!class_listen (self, error))
    {
      _hs_window_update_actions (self);
      return FALSE;
    }
  _hs_window_update_actions (self);
  update_banner (self);
  return TRUE;
}

gboolean
hs_window_connect_to_server (HsWindow *self, const char *host, guint16 port, GError **error)
{
  g_return_val_if_fail (HS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  hs_window_set_role (self, HS_WINDOW_ROLE_CLIENT);
  gtk_editable_set_text (GTK_EDITABLE (self->class_host_entry), host);
  gtk_spin_button_set_value (self->class_port_spin, port);

  hs_playback_go_live (self->playback);
  _hs_window_class_remember_server (self, host, port);
  if (!hs_session_connect (self->session, host, port, error))
    {
      _hs_window_update_actions (self);
      return FALSE;
    }
  _hs_window_update_actions (self);
  return TRUE;
}

GListModel *
hs_window_get_connections (HsWindow *self)
{
  g_return_val_if_fail (HS_IS_WINDOW (self), NULL);

  return self->connections != NULL ? G_LIST_MODEL (self->connections) : NULL;
}

GtkWidget *
hs_window_get_lanes (HsWindow *self)
{
  g_return_val_if_fail (HS_IS_WINDOW (self), NULL);

  return GTK_WIDGET (self->lanes);
}

char **
hs_window_get_banner_addresses (HsWindow *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (HS_IS_WINDOW (self), NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->banner_addresses));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *label = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child));

      g_strv_builder_add (builder, gtk_label_get_label (GTK_LABEL (label)));
    }
  return g_strv_builder_end (builder);
}
