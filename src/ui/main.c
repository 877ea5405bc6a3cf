/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "handshake"

#include "config.h"

#include <locale.h>

#include <glib/gi18n-lib.h>

#include "hs-application.h"

int
main (int argc, char **argv)
{
  g_autoptr (HsApplication) app = NULL;
  const char *localedir = g_getenv ("HANDSHAKE_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* HANDSHAKE_LOCALEDIR lets an uninstalled build use its own catalogs
   * (e.g. _build/po); installed, the catalogs are in LOCALEDIR. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = hs_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
