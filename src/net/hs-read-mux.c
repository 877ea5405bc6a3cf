/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-read-mux"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "hs-pace.h"
#include "hs-read-mux.h"

/*
 * One main-loop source for the reads of every connection.
 *
 * A source per socket makes GLib poll every descriptor on every
 * iteration of the main loop: with a class of 1,000 connected, a tenth of
 * the main loop's time while they arrived was GLib preparing, polling and
 * checking them. Here the connections' descriptors are in one epoll set,
 * which is the only descriptor GLib polls, and a dispatch reads only the
 * connections that are ready, at most a batch of them.
 *
 * Being one source, the connections' reads also make room for the
 * window's frames like the listener and the capture (src/net/hs-pace.c):
 * moving a source per connection below GTK's drawing would cost a walk
 * over all descriptors for each.
 *
 * One set, for the main thread's default context, while it has
 * descriptors; a descriptor added from another context is left to the
 * caller's own source.
 */

/* Connections read per dispatch: the rest stay ready for the next. */
#define BATCH 64

typedef struct
{
  int fd;
  HsReadyFunc func;
  gpointer user_data;
} Entry;

typedef struct
{
  GSource source;
  int epfd;
  GHashTable *entries; /* id → Entry */
} Mux;

/* The set of the default context, while it has descriptors. A set being
 * dispatched when it goes is still held by GLib: its ids are never
 * reused, so its remaining events find no entry in the next set. */
static Mux *mux;
static guint next_id;

static gboolean
mux_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  /* Not always the current set: this one may go during its dispatch. */
  Mux *self = (Mux *) source;
  struct epoll_event events[BATCH];
  int n;

  /* The window's next frame first: the descriptors stay ready. */
  if (!hs_pace_work ())
    return G_SOURCE_CONTINUE;
  n = epoll_wait (self->epfd, events, BATCH, 0);
  for (int i = 0; i < n; i++)
    {
      guint id = (guint) events[i].data.u32;
      Entry *entry;

      if (i > 0 && !hs_pace_work ())
        break;
      /* An earlier call of this batch may have removed it. */
      entry = g_hash_table_lookup (self->entries, GUINT_TO_POINTER (id));
      if (entry != NULL && !entry->func (entry->user_data))
        hs_read_mux_remove (id);
    }
  return G_SOURCE_CONTINUE;
}

static void
mux_finalize (GSource *source)
{
  Mux *self = (Mux *) source;

  g_clear_pointer (&self->entries, g_hash_table_unref);
  if (self->epfd >= 0)
    close (self->epfd);
}

static GSourceFuncs mux_funcs = {
  .dispatch = mux_dispatch,
  .finalize = mux_finalize,
};

/* The set, made when the first descriptor comes; NULL if it cannot be. */
static Mux *
get_mux (void)
{
  int epfd;

  if (mux != NULL)
    return mux;

  epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (epfd < 0)
    {
      g_warning_once ("epoll_create1 failed: %s", g_strerror (errno));
      return NULL;
    }
  mux = (Mux *) g_source_new (&mux_funcs, sizeof (Mux));
  mux->epfd = epfd;
  mux->entries = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_source_set_static_name (&mux->source, "[handshake] connection reads");
  g_source_add_unix_fd (&mux->source, epfd, G_IO_IN);
  g_source_attach (&mux->source, g_main_context_default ());
  hs_pace_watch (&mux->source);
  return mux;
}

static void
drop_if_empty (void)
{
  if (mux == NULL || g_hash_table_size (mux->entries) > 0)
    return;
  hs_pace_unwatch (&mux->source);
  g_source_destroy (&mux->source);
  g_source_unref (&mux->source);
  mux = NULL;
}

/* Calls @func whenever @fd is readable, from the thread-default main
 * context, until it returns FALSE or hs_read_mux_remove() is called.
 * Returns the watch's id, or 0 when the descriptor cannot be watched so
 * (the caller then watches it another way). */
guint
hs_read_mux_add (int fd, HsReadyFunc func, gpointer user_data)
{
  GMainContext *context = g_main_context_get_thread_default ();
  struct epoll_event event = { .events = EPOLLIN };
  Entry *entry;
  guint id;

  g_return_val_if_fail (fd >= 0 && func != NULL, 0);

  /* The main thread's default context only: the set is not locked, and
   * the pace (src/net/hs-pace.c) is the main window's. */
  if (context != NULL && context != g_main_context_default ())
    return 0;
  if (get_mux () == NULL)
    return 0;
  do
    id = ++next_id;
  while (id == 0 || g_hash_table_contains (mux->entries, GUINT_TO_POINTER (id)));
  event.data.u32 = id;
  if (epoll_ctl (mux->epfd, EPOLL_CTL_ADD, fd, &event) != 0)
    {
      g_warning_once ("Cannot watch a connection with epoll: %s", g_strerror (errno));
      drop_if_empty ();
      return 0;
    }
  entry = g_new (Entry, 1);
  entry->fd = fd;
  entry->func = func;
  entry->user_data = user_data;
  g_hash_table_insert (mux->entries, GUINT_TO_POINTER (id), entry);
  return id;
}

/* Stops watching; may be called from the watch's own function. It must
 * be called before the descriptor is closed: a closed descriptor leaves
 * the set by itself only when nothing else holds its file, and once its
 * number is given to a new connection in the set, removing the old watch
 * by number would take out the new one. */
void
hs_read_mux_remove (guint id)
{
  Entry *entry = mux != NULL ? g_hash_table_lookup (mux->entries, GUINT_TO_POINTER (id)) : NULL;

  if (entry == NULL)
    return;
  if (epoll_ctl (mux->epfd, EPOLL_CTL_DEL, entry->fd, NULL) != 0)
    g_debug ("epoll_ctl DEL: %s", g_strerror (errno));
  g_hash_table_remove (mux->entries, GUINT_TO_POINTER (id));

  /* With no connection left, the set and its descriptor go: a server's
   * descriptors are back where they were before its class. (During a
   * dispatch GLib holds the source, and its remaining events find no
   * entry.) */
  drop_if_empty ();
}

/* How many descriptors are watched. For tests. */
guint
hs_read_mux_get_n_watched (void)
{
  return mux != NULL ? g_hash_table_size (mux->entries) : 0;
}
