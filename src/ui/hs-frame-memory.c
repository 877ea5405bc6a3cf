/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-frame-memory"

#include "config.h"

#include "hs-frame-memory.h"

#if defined(GDK_WINDOWING_X11) && defined(HAVE_X11_FRAME_MEMORY)
#include <cairo-xlib.h>
#include <gdk/x11/gdkx.h>
#endif

/*
 * Memory for frames that stays mapped, under X11 with GTK's software
 * renderer.
 *
 * There GTK draws each frame into an image as large as what changed and
 * cairo copies it to the X server through shared memory. cairo takes that
 * memory from pools of System V shared memory that it makes as it needs
 * them and destroys as soon as nothing in them is in use. A window that
 * redraws a large area (the class overview following a class that
 * arrives) then gets a new segment for nearly every frame: megabytes of
 * fresh pages that the kernel must map and zero, in this process and in
 * the X server, which took a third to a half of such a frame.
 *
 * Holding one image from a pool keeps that pool, and the pages frames have
 * used in it, for the life of the window. cairo sizes a pool by its first
 * image: eight times that image, rounded up to a power of two, in blocks
 * no larger than the rounded image. An image of the whole monitor thus
 * leaves room for frames of the whole monitor. It is never drawn on, so it
 * costs address space, not memory: what stays mapped is what frames have
 * drawn in.
 *
 * With a GPU renderer (GL, Vulkan), on Wayland, or without the X server's
 * shared memory extension, this does nothing.
 */

#define KEY "hs-frame-memory"

#if defined(GDK_WINDOWING_X11) && defined(HAVE_X11_FRAME_MEMORY)
/* An image of @width × @height pixels from cairo's shared memory for
 * @surface's display, or NULL. */
static cairo_surface_t *
hold_pool (GdkSurface *surface, int width, int height)
{
  Display *xdisplay = gdk_x11_display_get_xdisplay (gdk_surface_get_display (surface));
  Window xid = gdk_x11_surface_get_xid (surface);
  XWindowAttributes attributes;
  cairo_surface_t *window_surface, *held;
  int opcode, event, error;

  /* Without the extension cairo copies frames another way. */
  if (!XQueryExtension (xdisplay, "MIT-SHM", &opcode, &event, &error))
    return NULL;
  if (xid == None || !XGetWindowAttributes (xdisplay, xid, &attributes))
    return NULL;

  window_surface = cairo_xlib_surface_create (xdisplay, xid, attributes.visual, 1, 1);
  held = cairo_surface_create_similar_image (window_surface, CAIRO_FORMAT_ARGB32, width, height);
  cairo_surface_destroy (window_surface);
  if (cairo_surface_status (held) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (held);
      return NULL;
    }
  return held;
}

/* Holds an image of @monitor's size unless a large enough one is held: a
 * window moved to a larger screen (a projector) gets a larger pool. */
static void
hold_for_monitor (GtkWidget *window, GdkSurface *surface, GdkMonitor *monitor)
{
  cairo_surface_t *held = g_object_get_data (G_OBJECT (window), KEY);
  int scale = gdk_surface_get_scale_factor (surface);
  GdkRectangle geometry;
  int width, height;

  if (monitor == NULL)
    return;
  gdk_monitor_get_geometry (monitor, &geometry);
  width = MAX (geometry.width * scale, 1);
  height = MAX (geometry.height * scale, 1);
  if (held != NULL && cairo_image_surface_get_width (held) >= width &&
      cairo_image_surface_get_height (held) >= height)
    return;

  /* The old pool goes once nothing else is in it. */
  g_object_set_data (G_OBJECT (window), KEY, NULL);
  held = hold_pool (surface, width, height);
  if (held != NULL)
    g_object_set_data_full (G_OBJECT (window), KEY, held, (GDestroyNotify) cairo_surface_destroy);
}

static void
enter_monitor_cb (GdkSurface *surface, GdkMonitor *monitor, GtkWidget *window)
{
  hold_for_monitor (window, surface, monitor);
}
#endif

static void
realize_cb (GtkWidget *window)
{
#if defined(GDK_WINDOWING_X11) && defined(HAVE_X11_FRAME_MEMORY)
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  if (surface == NULL || !GDK_IS_X11_SURFACE (surface) || !GSK_IS_CAIRO_RENDERER (renderer))
    return;
  /* The monitor the window will most likely show on, until it shows. */
  hold_for_monitor (window, surface,
                    gdk_display_get_monitor_at_surface (gdk_surface_get_display (surface),
                                                        surface));
  g_signal_connect_object (surface, "enter-monitor", G_CALLBACK (enter_monitor_cb), window, 0);
#endif
}

/* Before the window's X connection can go. */
static void
unrealize_cb (GtkWidget *window)
{
  g_object_set_data (G_OBJECT (window), KEY, NULL);
}

/* Keeps the memory of @window's frames mapped while it is realized (see
 * above). Call once, before the window is shown. */
void
hs_frame_memory_keep (GtkWidget *window)
{
  g_return_if_fail (GTK_IS_NATIVE (window));

  g_signal_connect_after (window, "realize", G_CALLBACK (realize_cb), NULL);
  g_signal_connect (window, "unrealize", G_CALLBACK (unrealize_cb), NULL);
}

/* Whether @window holds frame memory: for tests. */
gboolean
hs_frame_memory_is_kept (GtkWidget *window)
{
  return g_object_get_data (G_OBJECT (window), KEY) != NULL;
}
