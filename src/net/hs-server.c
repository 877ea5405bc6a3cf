/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-server"

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <glib/gi18n-lib.h>

#include "hs-net-error.h"
#include "hs-server.h"

#ifndef TCP_SAVE_SYN
#define TCP_SAVE_SYN 27
#endif
#ifndef TCP_SAVED_SYN
#define TCP_SAVED_SYN 28
#endif

#define LISTEN_BACKLOG 128

struct _HsServer
{
  GObject parent_instance;

  GSocketService *service;
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

static gboolean
incoming_cb (GSocketService *service,
             GSocketConnection *connection,
             GObject *source_object,
             gpointer user_data)
{
  HsServer *self = HS_SERVER (user_data);
  g_autoptr (HsEndpoint) endpoint = NULL;
  g_autoptr (GError) error = NULL;
  HsPacket syn;
  gboolean have_syn;

  have_syn = hs_server_read_saved_syn (g_socket_connection_get_socket (connection), &syn, &error);
  if (!have_syn)
    g_debug ("No saved SYN: %s", error->message);

  endpoint = hs_endpoint_new (connection, HS_SIDE_SERVER);
  g_signal_emit (self, signals[ACCEPTED], 0, endpoint, have_syn ? &syn : NULL);

  return TRUE;
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
  g_autoptr (GSocketService) service = NULL;
  int on = 1;

  g_return_val_if_fail (HS_IS_SERVER (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);

  if (self->service != NULL)
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

  service = g_socket_service_new ();
  if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (service), socket, NULL, error))
    return FALSE;

  g_signal_connect_object (service, "incoming", G_CALLBACK (incoming_cb), self, 0);
  g_socket_service_start (service);

  hs_address_from_gsocket_address (bound, &self->address);
  g_set_object (&self->socket, socket);
  self->service = g_steal_pointer (&service);

  return TRUE;
}

gboolean
hs_server_listen (HsServer *self, const HsAddress *address, GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) gaddress = NULL;

  g_return_val_if_fail (HS_IS_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  if (self->service != NULL)
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

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_clear_object (&self->service);
    }
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

  return self->service != NULL;
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
