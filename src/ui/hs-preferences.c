/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-preferences"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "hs-preferences.h"

struct _HsPreferences
{
  AdwPreferencesWindow parent_instance;

  GSettings *settings;
};

G_DEFINE_FINAL_TYPE (HsPreferences, hs_preferences, ADW_TYPE_PREFERENCES_WINDOW)

static const double speeds[] = { 0.25, 0.5, 1.0, 2.0, 4.0 };

/* An enum key shown in a combo row: the row's position is the enum value. */
static gboolean
enum_get_mapping (GValue *value, GVariant *variant, gpointer user_data)
{
  const char *const *nicks = user_data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; nicks[i] != NULL; i++)
    if (g_str_equal (nicks[i], nick))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
enum_set_mapping (const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
  const char *const *nicks = user_data;
  guint i = g_value_get_uint (value);

  if (i >= g_strv_length ((char **) nicks))
    return NULL;
  return g_variant_new_string (nicks[i]);
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
  return g_variant_new_double (speeds[MIN (g_value_get_uint (value), G_N_ELEMENTS (speeds) - 1)]);
}

static GtkWidget *
combo_row (const char *title, const char *const *items)
{
  g_autoptr (GtkStringList) model = gtk_string_list_new (items);
  GtkWidget *row = adw_combo_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  return row;
}

static GtkWidget *
spin_row (const char *title,
          const char *subtitle,
          double lower,
          double upper,
          double step,
          guint digits,
          GtkWidget **spin_out)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (lower, upper, step);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), digits);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  *spin_out = spin;
  return row;
}

static GtkWidget *
entry_row (const char *title)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  return row;
}

static void
hs_preferences_dispose (GObject *object)
{
  HsPreferences *self = (HsPreferences *) object;

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (hs_preferences_parent_class)->dispose (object);
}

static void
hs_preferences_class_init (HsPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_preferences_dispose;
}

static void
hs_preferences_init (HsPreferences *self)
{
  static const char *const label_nicks[] = { "symbolic", "relative", "absolute", NULL };
  static const char *const theme_nicks[] = { "follow", "light", "dark", "high-contrast", NULL };
  const char *label_items[] = { _ ("Symbolic (x, y)"), _ ("Relative"), _ ("Absolute"), NULL };
  const char *theme_items[] = { _ ("Follow the system"), _ ("Light"), _ ("Dark"),
                                _ ("High contrast"), NULL };
  const char *speed_items[] = { "0.25×", "0.5×", "1×", "2×", "4×", NULL };
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *diagram = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *server = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *client = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *classroom = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GtkWidget *row;
  GtkWidget *spin;

  self->settings = g_settings_new (APP_ID);

  adw_preferences_page_set_title (page, _ ("General"));
  adw_preferences_page_set_icon_name (page, "preferences-system-symbolic");
  adw_preferences_group_set_title (diagram, _ ("Diagram"));
  adw_preferences_group_set_title (server, _ ("Server"));
  adw_preferences_group_set_title (client, _ ("Client"));
  adw_preferences_group_set_title (classroom, _ ("Server for the Class"));

  row = combo_row (_ ("Sequence numbers"), label_items);
  g_settings_bind_with_mapping (self->settings, "label-style", row, "selected",
                                G_SETTINGS_BIND_DEFAULT, enum_get_mapping, enum_set_mapping,
                                (gpointer) label_nicks, NULL);
  adw_preferences_group_add (diagram, row);

  row = combo_row (_ ("Animation speed"), speed_items);
  g_settings_bind_with_mapping (self->settings, "speed", row, "selected", G_SETTINGS_BIND_DEFAULT,
                                speed_get_mapping, speed_set_mapping, NULL, NULL);
  adw_preferences_group_add (diagram, row);

  row = combo_row (_ ("Colors"), theme_items);
  g_settings_bind_with_mapping (self->settings, "theme", row, "selected", G_SETTINGS_BIND_DEFAULT,
                                enum_get_mapping, enum_set_mapping, (gpointer) theme_nicks, NULL);
  adw_preferences_group_add (diagram, row);

  row = spin_row (_ ("Text size"), NULL, 1.0, 3.0, 0.25, 2, &spin);
  g_settings_bind (self->settings, "font-scale", spin, "value", G_SETTINGS_BIND_DEFAULT);
  adw_preferences_group_add (diagram, row);

  row = spin_row (_ ("Text size when presenting"), _ ("Presentation mode (F5)"), 1.0, 3.0, 0.25, 2,
                  &spin);
  g_settings_bind (self->settings, "presentation-font-scale", spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  adw_preferences_group_add (diagram, row);

  row = entry_row (_ ("Address to listen on"));
  g_settings_bind (self->settings, "listen-address", row, "text", G_SETTINGS_BIND_DEFAULT);
  adw_preferences_group_add (server, row);

  row = spin_row (_ ("Port to listen on"), _ ("0 lets the kernel choose a free port"), 0, 65535, 1,
                  0, &spin);
  g_settings_bind (self->settings, "listen-port", spin, "value", G_SETTINGS_BIND_DEFAULT);
  adw_preferences_group_add (server, row);

  row = entry_row (_ ("Server to connect to"));
  g_settings_bind (self->settings, "connect-host", row, "text", G_SETTINGS_BIND_DEFAULT);
  adw_preferences_group_add (client, row);

  row = spin_row (_ ("Port to connect to"), NULL, 1, 65535, 1, 0, &spin);
  g_settings_bind (self->settings, "connect-port", spin, "value", G_SETTINGS_BIND_DEFAULT);
  adw_preferences_group_add (client, row);

  adw_preferences_page_add (page, diagram);
  adw_preferences_page_add (page, server);
  adw_preferences_page_add (page, client);

  row =
      spin_row (_ ("Most connections at once"),
                _ ("Clients beyond this number are told the server is full"), 1, 4096, 1, 0, &spin);
  g_settings_bind (self->settings, "max-connections", spin, "value", G_SETTINGS_BIND_DEFAULT);
  adw_preferences_group_add (classroom, row);
  adw_preferences_page_add (page, classroom);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), page);
}

GtkWidget *
hs_preferences_new (GtkWindow *parent)
{
  return g_object_new (HS_TYPE_PREFERENCES, "transient-for", parent, "modal", TRUE, NULL);
}
