/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dlsym (RTLD_NEXT) */
#define _GNU_SOURCE
#define G_LOG_DOMAIN "hs-frame-memory"

#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

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
 * A small image kept from a pool keeps that pool, and the pages frames
 * have used in it, for as long as the window is realized. cairo sizes a
 * pool by the image it is made for: its blocks are at most the smallest
 * power of two above that image's size, and there are eight of them. So
 * the pool is made with a passing image of half the largest frame's
 * block, the small image is taken from it, and the passing image is
 * given back: its pages (cairo clears them) are the first that frames
 * use. The largest frame is the window's surface or its monitor,
 * whichever is larger.
 *
 * With a GPU renderer (GL, Vulkan), on Wayland, or where cairo cannot
 * share memory with the X server, this does nothing.
 */

#define KEY "hs-frame-memory"

typedef struct
{
  cairo_surface_t *keep; /* the small image that keeps the pool */
  gsize block;           /* the largest frame the pool takes, in bytes */
} FrameMemory;

#if defined(GDK_WINDOWING_X11) && defined(HAVE_X11_FRAME_MEMORY)
/*
 * Images for frames that stay in memory.
 *
 * GTK's software renderer under X11 draws each frame into a new image
 * (cairo_image_surface_create(), from gdk_surface_create_similar_surface())
 * as large as the bounding box of what changed: 6 MB for most of a
 * 1920x1080 window. That memory comes from the heap and goes back to it
 * after the frame. When other allocations have meanwhile taken part of
 * the hole it leaves (a class arriving between two frames), the next
 * frame's image takes fresh memory: a page fault for each of its 1,600
 * pages, and a heap that grows by an image for each such frame.
 *
 * So this program defines cairo_image_surface_create() over cairo's own,
 * as programs may with a shared library's functions: a large image that
 * the main thread asks for while a window keeps frame memory is made on
 * one buffer, kept from frame to frame and cleared for each image as
 * cairo clears new ones. Any other image, or one asked for while the
 * buffer is in use, is cairo's own.
 */

/* Smaller images are not frames, and malloc serves them well. */
#define IMAGE_MIN_BYTES (1024 * 1024)

typedef cairo_surface_t *(*ImageCreate) (cairo_format_t, int, int);

static struct
{
  GMutex lock;
  pthread_t main_thread;
  guint n_windows; /* windows keeping frame memory */
  gsize limit;     /* the largest image the buffer serves */
  guint8 *buffer;
  gsize size;
  gboolean in_use;
  guint n_reused; /* images on the buffer as it was */
} images;

static cairo_user_data_key_t image_key;

/* A buffer for the largest frame at once, so that it grows once; called
 * with the lock held, while no image is on the buffer. */
static void
buffer_to_limit (void)
{
  g_free (images.buffer);
  images.size = images.limit;
  images.buffer = g_malloc (images.size);
}

static void
image_done (void *data)
{
  g_mutex_lock (&images.lock);
  images.in_use = FALSE;
  /* The last window has gone meanwhile. */
  if (images.n_windows == 0)
    g_clear_pointer (&images.buffer, g_free);
  g_mutex_unlock (&images.lock);
}

/* An image on the kept buffer, or NULL when it cannot have it. */
static cairo_surface_t *
image_on_buffer (cairo_format_t format, int width, int height)
{
  int stride;
  gsize bytes;
  gboolean reused;
  cairo_surface_t *image;

  if (format != CAIRO_FORMAT_ARGB32 && format != CAIRO_FORMAT_RGB24)
    return NULL;
  stride = cairo_format_stride_for_width (format, width);
  if (stride <= 0 || height <= 0)
    return NULL;
  bytes = (gsize) stride * (gsize) height;
  if (bytes < IMAGE_MIN_BYTES)
    return NULL;

  g_mutex_lock (&images.lock);
  if (images.n_windows == 0 || images.in_use || bytes > images.limit ||
      !pthread_equal (pthread_self (), images.main_thread))
    {
      g_mutex_unlock (&images.lock);
      return NULL;
    }
  reused = images.size >= bytes;
  if (!reused)
    buffer_to_limit ();
  images.in_use = TRUE;
  g_mutex_unlock (&images.lock);

  memset (images.buffer, 0, bytes);
  image = cairo_image_surface_create_for_data (images.buffer, format, width, height, stride);
  if (cairo_surface_set_user_data (image, &image_key, images.buffer, image_done) !=
      CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (image);
      image_done (NULL);
      return NULL;
    }
  if (reused)
    {
      g_mutex_lock (&images.lock);
      images.n_reused++;
      g_mutex_unlock (&images.lock);
    }
  return image;
}

cairo_surface_t *
cairo_image_surface_create (cairo_format_t format, int width, int height)
{
  static ImageCreate cairos_create;
  static gsize resolved;
  cairo_surface_t *image = image_on_buffer (format, width, height);

  if (image != NULL)
    return image;
  if (g_once_init_enter (&resolved))
    {
      cairos_create = (ImageCreate) dlsym (RTLD_NEXT, "cairo_image_surface_create");
      g_once_init_leave (&resolved, 1);
    }
  return cairos_create (format, width, height);
}

/* Frames of @window, as large as @bytes, may use the kept buffer. */
static void
images_enable (GtkWidget *window, gsize bytes)
{
  g_mutex_lock (&images.lock);
  if (!GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (window), "hs-frame-images")))
    {
      g_object_set_data (G_OBJECT (window), "hs-frame-images", GUINT_TO_POINTER (TRUE));
      images.n_windows++;
    }
  images.main_thread = pthread_self ();
  images.limit = MAX (images.limit, bytes);
  /* The pages are touched now, before the window is shown, rather than
   * during the first large frame. */
  if (images.size < images.limit && !images.in_use)
    {
      buffer_to_limit ();
      memset (images.buffer, 0, images.size);
    }
  g_mutex_unlock (&images.lock);
}

static void
images_disable (GtkWidget *window)
{
  g_mutex_lock (&images.lock);
  if (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (window), "hs-frame-images")))
    {
      g_object_set_data (G_OBJECT (window), "hs-frame-images", NULL);
      images.n_windows--;
      if (images.n_windows == 0 && !images.in_use)
        g_clear_pointer (&images.buffer, g_free);
      if (images.n_windows == 0)
        images.size = images.limit = 0;
    }
  g_mutex_unlock (&images.lock);
}

static void
frame_memory_free (FrameMemory *memory)
{
  cairo_surface_destroy (memory->keep);
  g_free (memory);
}

/* Images from cairo's shared memory have the X display as their device;
 * where cairo cannot share memory it makes plain images, which have none. */
static gboolean
is_shared (cairo_surface_t *image)
{
  return cairo_surface_status (image) == CAIRO_STATUS_SUCCESS &&
         cairo_surface_get_device (image) != NULL;
}

/* A pool for frames of up to @bytes for @surface's display, kept by the
 * returned memory; NULL where there is none to be had. */
static FrameMemory *
make_pool (GdkSurface *surface, gsize bytes)
{
  Display *xdisplay = gdk_x11_display_get_xdisplay (gdk_surface_get_display (surface));
  Window xid = gdk_x11_surface_get_xid (surface);
  XWindowAttributes attributes;
  cairo_surface_t *window_surface, *maker, *keep;
  gsize block = 64 * 1024; /* cairo's smallest largest block */
  int opcode, event, error;
  FrameMemory *memory;

  /* Without the extension cairo copies frames another way. */
  if (!XQueryExtension (xdisplay, "MIT-SHM", &opcode, &event, &error))
    return NULL;
  if (xid == None || !XGetWindowAttributes (xdisplay, xid, &attributes))
    return NULL;
  while (block < bytes)
    block <<= 1;

  window_surface = cairo_xlib_surface_create (xdisplay, xid, attributes.visual, 1, 1);
  /* Rows of 4096 bytes, just over half the block: the pool's blocks are
   * then the block's size. */
  maker = cairo_surface_create_similar_image (window_surface, CAIRO_FORMAT_ARGB32, 1024,
                                              (int) (block / 2 / 4096 + 1));
  keep = cairo_surface_create_similar_image (window_surface, CAIRO_FORMAT_ARGB32, 16, 8);
  cairo_surface_destroy (window_surface);
  if (!is_shared (maker) || !is_shared (keep))
    {
      cairo_surface_destroy (maker);
      cairo_surface_destroy (keep);
      return NULL;
    }
  cairo_surface_destroy (maker);

  memory = g_new0 (FrameMemory, 1);
  memory->keep = keep;
  memory->block = block;
  return memory;
}

/* Makes sure @window keeps a pool for frames of @surface as large as the
 * surface and @monitor (if any), making a new one when it has grown: a
 * window moved to a larger screen (a projector). The old pool goes once
 * nothing else is in it. */
static void
keep_for (GtkWidget *window, GdkSurface *surface, GdkMonitor *monitor)
{
  FrameMemory *memory = g_object_get_data (G_OBJECT (window), KEY);
  int scale = gdk_surface_get_scale_factor (surface);
  gsize pixels = (gsize) gdk_surface_get_width (surface) * (gsize) gdk_surface_get_height (surface);
  GdkRectangle geometry;

  if (monitor != NULL)
    {
      gdk_monitor_get_geometry (monitor, &geometry);
      pixels = MAX (pixels, (gsize) geometry.width * (gsize) geometry.height);
    }
  pixels *= (gsize) scale * (gsize) scale;
  images_enable (window, pixels * 4);
  if (pixels == 0 || (memory != NULL && memory->block >= pixels * 4))
    return;

  memory = make_pool (surface, pixels * 4);
  if (memory != NULL)
    g_object_set_data_full (G_OBJECT (window), KEY, memory, (GDestroyNotify) frame_memory_free);
}

static void
enter_monitor_cb (GdkSurface *surface, GdkMonitor *monitor, GtkWidget *window)
{
  keep_for (window, surface, monitor);
}

static void
surface_size_cb (GdkSurface *surface, GParamSpec *pspec, GtkWidget *window)
{
  keep_for (window, surface, NULL);
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
  keep_for (window, surface,
            gdk_display_get_monitor_at_surface (gdk_surface_get_display (surface), surface));
  g_signal_connect_object (surface, "enter-monitor", G_CALLBACK (enter_monitor_cb), window, 0);
  g_signal_connect_object (surface, "notify::width", G_CALLBACK (surface_size_cb), window, 0);
  g_signal_connect_object (surface, "notify::height", G_CALLBACK (surface_size_cb), window, 0);
#endif
}

/* Before the window's X connection can go. */
static void
unrealize_cb (GtkWidget *window)
{
#if defined(GDK_WINDOWING_X11) && defined(HAVE_X11_FRAME_MEMORY)
  images_disable (window);
#endif
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

/* The largest frame @window's kept memory takes, in bytes; 0 when it keeps
 * none. For tests. */
gsize
hs_frame_memory_get_block (GtkWidget *window)
{
  FrameMemory *memory = g_object_get_data (G_OBJECT (window), KEY);

  return memory != NULL ? memory->block : 0;
}

/* How many large images the main thread had on the kept buffer without
 * its growing. For tests. */
guint
hs_frame_memory_get_n_reused (void)
{
  guint n = 0;

#if defined(GDK_WINDOWING_X11) && defined(HAVE_X11_FRAME_MEMORY)
  g_mutex_lock (&images.lock);
  n = images.n_reused;
  g_mutex_unlock (&images.lock);
#endif
  return n;
}
