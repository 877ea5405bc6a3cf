/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "hs-net-error.h"
#include "hs-pace.h"
#include "hs-server.h"

#ifndef TCP_SAVE_SYN
#define TCP_SAVE_SYN 27
#endif
#ifndef TCP_SAVED_SYN
#define TCP_SAVED_SYN 28
#endif

/* A class's connections arrive in bursts (everyone presses Connect when
 * told to): the kernel completes handshakes while the application is busy,
 * up to this many (capped by net.core.somaxconn, 4096 by default). */
#define LISTEN_BACKLOG 4096
/* Connections accepted per main-loop dispatch: many at once, because each
 * dispatch polls every socket of the session, but not so many that the
 * other sources wait long. */
#define ACCEPTS_PER_DISPATCH 64
/* Out of descriptors, the listener stays readable: accepting again at
 * once would spin. Wait this long first. */
#define ACCEPT_BACKOFF_MS 100
/* Descriptors reserved beyond one per connection, for the rest of the
 * program (a capture, a dump, files, the display). */
#define SPARE_DESCRIPTORS 64

struct _HsServer
{
  GObject parent_instance;

  GSource *accept_source;
  guint backoff_id;
  GSocket *socket;
  HsAddress address;
};

enum
{
  ACCEPTED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (HsServer, hs_server, G_TYPE_OBJECT)

static guint signals[N_SIGNALS];

gboolean
hs_server_read_saved_syn (GSocket *socket, HsPacket *packet, GError **error)
{
  guint8 buffer[512];
  socklen_t len = sizeof buffer;

  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);
  g_return_val_if_fail (packet != NULL, FALSE);

  if (getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_SAVED_SYN, buffer, &len) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _ ("The kernel did not hand out the saved SYN: %s"), g_strerror (errsv));
      return FALSE;
    }

  if (len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _ ("The kernel saved no SYN for this connection (SYN cookies?)."));
      return FALSE;
    }

  return hs_packet_parse (buffer, len, packet, error);
}

static void
incoming (HsServer *self, GSocket *socket)
{
  g_autoptr (GSocketConnection) connection = g_socket_connection_factory_create_connection (socket);
  g_autoptr (HsEndpoint) endpoint = NULL;
  g_autoptr (GError) error = NULL;
  HsPacket syn;
  gboolean have_syn;

  have_syn = hs_server_read_saved_syn (socket, &syn, &error);
  if (!have_syn)
    g_debug ("No saved SYN: %s", error->message);

  endpoint = hs_endpoint_new (connection, HS_SIDE_SERVER);
  g_signal_emit (self, signals[ACCEPTED], 0, endpoint, have_syn ? &syn : NULL);
}

static gboolean accept_ready_cb (GSocket *listener, GIOCondition condition, gpointer user_data);

static void
watch_listener (HsServer *self)
{
  self->accept_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (accept_ready_cb), self, NULL);
  g_source_set_static_name (self->accept_source, "[handshake] accept");
  g_source_attach (self->accept_source, g_main_context_get_thread_default ());
  hs_pace_watch (self->accept_source);
}

static void
unwatch_listener (HsServer *self)
{
  if (self->accept_source == NULL)
    return;
  hs_pace_unwatch (self->accept_source);
  g_source_destroy (self->accept_source);
  g_clear_pointer (&self->accept_source, g_source_unref);
}

static gboolean
backoff_done_cb (gpointer user_data)
{
  HsServer *self = HS_SERVER (user_data);

  self->backoff_id = 0;
  if (self->accept_source == NULL && self->socket != NULL)
    watch_listener (self);
  return G_SOURCE_REMOVE;
}

static gboolean
accept_ready_cb (GSocket *listener, GIOCondition condition, gpointer user_data)
{
  g_autoptr (HsServer) self = g_object_ref (HS_SERVER (user_data));

  for (guint i = 0; i < ACCEPTS_PER_DISPATCH && self->accept_source != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocket) socket = NULL;

      /* The window's next frame first: the rest wait in the backlog. */
      if (!hs_pace_work ())
        break;
      socket = g_socket_accept (listener, NULL, &error);
      if (socket == NULL)
        {
          /* EAGAIN: all taken. A client that reset while it waited in the
           * backlog (ECONNABORTED) or a lack of descriptors (EMFILE) is
           * logged; the listener keeps going either way. */
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES) ||
              g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
            {
              /* The clients wait in the backlog meanwhile. */
              g_message ("Cannot accept more connections now: %s", error->message);
              unwatch_listener (self);
              self->backoff_id = g_timeout_add (ACCEPT_BACKOFF_MS, backoff_done_cb, self);
              return G_SOURCE_REMOVE;
            }
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("accept failed: %s", error->message);
          break;
        }
      incoming (self, socket);
    }

  return G_SOURCE_CONTINUE;
}

static void
hs_server_dispose (GObject *object)
{
  HsServer *self = (HsServer *) object;

  hs_server_stop (self);

  G_OBJECT_CLASS (hs_server_parent_class)->dispose (object);
}

static void
hs_server_class_init (HsServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_server_dispose;

  /**
   * HsServer::accepted:
   * @endpoint: the new connection's server end
   * @syn: (nullable): the client's SYN as an HsPacket pointer
   */
  signals[ACCEPTED] =
      g_signal_new ("accepted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, HS_TYPE_ENDPOINT, G_TYPE_POINTER);
}

static void
hs_server_init (HsServer *self)
{
}

HsServer *
hs_server_new (void)
{
  return g_object_new (HS_TYPE_SERVER, NULL);
}

gboolean
hs_server_listen_socket (HsServer *self, GSocket *socket, GError **error)
{
  g_autoptr (GSocketAddress) bound = NULL;
  int on = 1;

  g_return_val_if_fail (HS_IS_SERVER (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);

  if (hs_server_is_listening (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                           _ ("The server is already listening."));
      return FALSE;
    }

  /* Keep the client's SYN for every connection: the one segment of the
   * handshake an unprivileged program can see byte for byte. */
  if (setsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_SAVE_SYN, &on, sizeof on) != 0)
    g_debug ("TCP_SAVE_SYN is not available: %s", g_strerror (errno));

  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_listen (socket, error))
    return FALSE;

  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return FALSE;

  g_socket_set_blocking (socket, FALSE);
  hs_address_from_gsocket_address (bound, &self->address);
  g_set_object (&self->socket, socket);
  watch_listener (self);

  return TRUE;
}

/*
 * The kernel grows a process's table of descriptors when a new one's
 * number passes its size, doubling it from 64. In a process with threads
 * (GLib's and GTK's) each growth waits for an RCU grace period, 10 to 30 ms
 * on a busy machine, inside the accept() that needed it: with a class of a
 * thousand arriving, four frames went by without one drawn, and the main
 * thread asleep. So the table is grown now, once, by a descriptor taken
 * with a number as high as the class will reach and let go at once (the
 * table does not shrink).
 *
 * The soft limit on descriptors (1,024 on most desktops) is raised as far
 * as the class needs, within the hard limit: GLib's main loop uses poll(),
 * which any descriptor number suits. (Programs the window starts inherit
 * the raised limit; they open few descriptors.)
 */
void
hs_server_reserve (HsServer *self, guint n_connections)
{
  struct rlimit limit;
  int fd, top, spare;

  g_return_if_fail (HS_IS_SERVER (self));

  if (self->socket == NULL)
    return;
  fd = g_socket_get_fd (self->socket);
  top = fd + (int) MIN (n_connections, G_MAXUINT16) + SPARE_DESCRIPTORS;
  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return;
  if (limit.rlim_cur != RLIM_INFINITY && (rlim_t) top >= limit.rlim_cur)
    {
      struct rlimit wanted = { MIN ((rlim_t) top + 1, limit.rlim_max), limit.rlim_max };

      if (wanted.rlim_cur > limit.rlim_cur && setrlimit (RLIMIT_NOFILE, &wanted) == 0)
        limit = wanted;
      top = (int) MIN ((rlim_t) top, limit.rlim_cur - 1);
    }
  spare = fcntl (fd, F_DUPFD_CLOEXEC, top);
  if (spare >= 0)
    close (spare);
  else
    g_debug ("Could not make room for %u connections: %s", n_connections, g_strerror (errno));
}

gboolean
hs_server_listen (HsServer *self, const HsAddress *address, GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) gaddress = NULL;

  g_return_val_if_fail (HS_IS_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  if (hs_server_is_listening (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                           _ ("The server is already listening."));
      return FALSE;
    }

  socket = g_socket_new (address->family == 6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4,
                         G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;

  gaddress = hs_address_to_gsocket_address (address);
  /* allow_reuse sets SO_REUSEADDR, so a server that closed first (and left
   * its TIME_WAIT behind) can listen again at once, as real servers do. */
  if (!g_socket_bind (socket, gaddress, TRUE, error))
    return FALSE;

  return hs_server_listen_socket (self, socket, error);
}

void
hs_server_stop (HsServer *self)
{
  g_return_if_fail (HS_IS_SERVER (self));

  g_clear_handle_id (&self->backoff_id, g_source_remove);
  unwatch_listener (self);
  if (self->socket != NULL)
    {
      g_socket_close (self->socket, NULL);
      g_clear_object (&self->socket);
    }
}

gboolean
hs_server_is_listening (HsServer *self)
{
  g_return_val_if_fail (HS_IS_SERVER (self), FALSE);

  return self->accept_source != NULL || self->backoff_id != 0;
}

const HsAddress *
hs_server_get_address (HsServer *self)
{
  g_return_val_if_fail (HS_IS_SERVER (self), NULL);

  return &self->address;
}

GSocket *
hs_server_get_socket (HsServer *self)
{
  g_return_val_if_fail (HS_IS_SERVER (self), NULL);

  return self->socket;
}
