/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-application"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "hs-application.h"
#include "hs-host-port.h"
#include "hs-preferences.h"
#include "hs-window-private.h"

struct _HsApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (HsApplication, hs_application, ADW_TYPE_APPLICATION)

static void
about_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "The Handshake developers", NULL };
  GtkWidget *about;

  about =
      g_object_new (ADW_TYPE_ABOUT_WINDOW, "transient-for", gtk_application_get_active_window (app),
                    "application-name", _ ("Handshake"), "application-icon", APP_ID,
                    "developer-name", _ ("The Handshake developers"), "version", PACKAGE_VERSION,
                    "website", "https://github.com/tcplab/handshake", "issue-url",
                    "https://github.com/tcplab/handshake/issues", "comments",
                    _ ("See how TCP opens and closes a connection: a real client "
                       "and server, every segment as an arrow, and the kernel's "
                       "socket states."),
                    "license-type", GTK_LICENSE_GPL_3_0, "developers", developers,
                    /* TRANSLATORS: your name, shown in the About window */
                    "translator-credits", _ ("translator-credits"), NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  gtk_window_present (GTK_WINDOW (hs_preferences_new (parent)));
}

/* Application actions are exported on D-Bus, so a teacher's own clicker
 * script can run `gapplication action io.github.tcplab.Handshake
 * step-forward`; each one does what the window's action of that name does. */
static const struct
{
  const char *app_action;
  const char *window_action;
} remote_actions[] = {
  { "presentation", "view.presentation" },
  { "blank", "view.blank" },
  { "overview", "view.overview" },
  { "step-forward", "playback.step-forward" },
  { "step-back", "playback.step-back" },
  { "first", "playback.start" },
  { "live", "playback.live" },
  { "play-pause", "playback.toggle" },
  { "listen", "server.listen" },
  { "connect", "client.connect" },
  { "close-client", "client.close" },
  { "close-server", "server.close" },
};

static void
remote_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  const char *name = g_action_get_name (G_ACTION (action));

  if (window == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (remote_actions); i++)
    if (g_str_equal (remote_actions[i].app_action, name))
      gtk_widget_activate_action (GTK_WIDGET (window), remote_actions[i].window_action, NULL);
}

static HsWindow *
ensure_window (GApplication *application)
{
  g_application_activate (application);
  return HS_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (application)));
}

/* `handshake --server [ADDR:]PORT` and `--connect HOST:PORT`, run in the
 * primary instance (also when a second `handshake` passes them on). */
static void
open_role_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GApplication *application = G_APPLICATION (user_data);
  gboolean server = g_str_equal (g_action_get_name (G_ACTION (action)), "open-server");
  const char *text = g_variant_get_string (parameter, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  guint16 port = 0;
  HsWindow *window;
  gboolean ok;

  window = ensure_window (application);
  if (!hs_host_port_parse (text, server ? HS_HOST_PORT_DEFAULT : HS_HOST_PORT_REQUIRE_HOST, &host,
                           &port, &error))
    {
      _hs_window_toast (window, error->message);
      return;
    }

  ok = server ? hs_window_start_class_server (window, host, port, &error)
              : hs_window_connect_to_server (window, host, port, &error);
  /* Network failures were already told by the session; say the others. */
  if (!ok && !g_error_matches (error, HS_SESSION_ERROR, HS_SESSION_ERROR_NETWORK))
    _hs_window_toast (window, error->message);
}

static gint
hs_application_handle_local_options (GApplication *application, GVariantDict *options)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  const char *server = NULL;
  const char *connect = NULL;
  guint16 port = 0;

  g_variant_dict_lookup (options, "server", "&s", &server);
  g_variant_dict_lookup (options, "connect", "&s", &connect);
  if (server == NULL && connect == NULL)
    return -1;

  if (server != NULL && connect != NULL)
    {
      g_printerr ("handshake: %s\n", _ ("Choose one: --server or --connect, not both."));
      return 2;
    }
  /* Bad input is told here, in the terminal it was typed in. */
  if (!hs_host_port_parse (server != NULL ? server : connect,
                           server != NULL ? HS_HOST_PORT_DEFAULT : HS_HOST_PORT_REQUIRE_HOST, &host,
                           &port, &error))
    {
      g_printerr ("handshake: %s\n", error->message);
      return 2;
    }
  if (!g_application_register (application, NULL, &error))
    {
      g_printerr ("handshake: %s\n", error->message);
      return 1;
    }
  g_action_group_activate_action (G_ACTION_GROUP (application),
                                  server != NULL ? "open-server" : "open-client",
                                  g_variant_new_string (server != NULL ? server : connect));
  return -1;
}

static void
quit_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", about_action },
  { "preferences", preferences_action },
  { "quit", quit_action },
  { "open-server", open_role_action, "s" },
  { "open-client", open_role_action, "s" },
};

static void
first_frame_cb (GdkFrameClock *clock, GApplication *application)
{
  HsWindow *window = HS_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (application)));
  HsSession *session = hs_window_get_session (window);

  g_signal_handlers_disconnect_by_func (clock, first_frame_cb, application);
  /* What the window opened as, for the tests of --server and --connect. */
  g_print ("role %s listening %u\n", hs_window_role_to_string (hs_window_get_role (window)),
           hs_session_is_listening (session) ? hs_session_get_listen_port (session) : 0);
  g_print ("first-frame\n");
  g_application_quit (application);
}

static void
window_realized_cb (GtkWidget *window, GApplication *application)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  g_signal_connect (clock, "after-paint", G_CALLBACK (first_frame_cb), application);
}

static void
hs_application_activate (GApplication *application)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (window == NULL)
    {
      window = GTK_WINDOW (hs_window_new (ADW_APPLICATION (application)));

      /* For bench/run-startup-bench.sh: report the first painted frame and
       * quit, so the time to it can be measured from outside. */
      if (g_getenv ("HANDSHAKE_QUIT_AFTER_FIRST_FRAME") != NULL)
        g_signal_connect (window, "realize", G_CALLBACK (window_realized_cb), application);
    }
  gtk_window_present (window);
}

/* `handshake lesson.pcapng`, or a capture opened from the file manager:
 * the window opens its first file as File → Open does. */
static void
hs_application_open (GApplication *application, GFile **files, int n_files, const char *hint)
{
  GtkWindow *window;
  g_autofree char *uri = NULL;

  hs_application_activate (application);
  window = gtk_application_get_active_window (GTK_APPLICATION (application));
  if (window == NULL || n_files < 1)
    return;
  uri = g_file_get_uri (files[0]);
  gtk_widget_activate_action (GTK_WIDGET (window), "capture.open-file", "s", uri);
}

static void
hs_application_startup (GApplication *application)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (hs_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (application), app_actions,
                                   G_N_ELEMENTS (app_actions), application);
  for (guint i = 0; i < G_N_ELEMENTS (remote_actions); i++)
    {
      g_autoptr (GSimpleAction) action = g_simple_action_new (remote_actions[i].app_action, NULL);

      g_signal_connect (action, "activate", G_CALLBACK (remote_action), application);
      g_action_map_add_action (G_ACTION_MAP (application), G_ACTION (action));
    }
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (application), "app.preferences",
                                         preferences_accels);
}

static void
hs_application_class_init (HsApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = hs_application_activate;
  app_class->open = hs_application_open;
  app_class->startup = hs_application_startup;
  app_class->handle_local_options = hs_application_handle_local_options;
}

static void
hs_application_init (HsApplication *self)
{
  static const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_ ("Open as the server for the class, listening on PORT (and ADDR when given)"),
      N_ ("[ADDR:]PORT") },
    { "connect", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_ ("Open as a client of the server at HOST:PORT and connect"), N_ ("HOST:PORT") },
    { NULL },
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

HsApplication *
hs_application_new (void)
{
  GApplicationFlags flags = G_APPLICATION_HANDLES_OPEN;

  /* A test that keeps a window open beside other tests on one D-Bus
   * session runs it as an instance of its own, so that their `handshake`
   * does not become a second window of it. */
  if (g_getenv ("HANDSHAKE_NON_UNIQUE") != NULL)
    flags |= G_APPLICATION_NON_UNIQUE;
  return g_object_new (HS_TYPE_APPLICATION, "application-id", APP_ID, "flags", flags,
                       "resource-base-path", RESOURCE_PATH, NULL);
}
