/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "handshake"

#include "config.h"

#include <locale.h>

#include <glib/gi18n-lib.h>

#include "hs-application.h"

/* TRUE when the machine has a GPU that OpenGL can use: a DRM device (Mesa's
 * drivers) or NVIDIA's own device nodes. Without one, OpenGL is Mesa's
 * software rasterizer (llvmpipe). */
static gboolean
have_gpu (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/dev/dri", 0, NULL);

  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        if (g_str_has_prefix (name, "renderD") || g_str_has_prefix (name, "card"))
          return TRUE;
    }
  return g_file_test ("/dev/nvidia0", G_FILE_TEST_EXISTS);
}

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

  /* GTK draws with OpenGL by default. Without a GPU that is Mesa's software
   * rasterizer, which on a lecture-hall laptop or a virtual machine starts
   * a quarter of a second slower and fills a 1080p window at a few frames
   * per second, where GTK's cairo renderer holds 60 (docs/performance.md,
   * "Cold start" and "Held segments"). A renderer the user chose wins. */
  if (g_getenv ("GSK_RENDERER") == NULL && !have_gpu ())
    g_setenv ("GSK_RENDERER", "cairo", FALSE);

  app = hs_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
