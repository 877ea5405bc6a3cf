/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-client"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "hs-client.h"

struct _HsClient
{
  GObject parent_instance;

  GCancellable *cancellable;
  GSocketClient *socket_client;
  GSocket *pending;
  GSocketAddress *target;
  guint16 port;
};

enum
{
  CONNECTING,
  CONNECTED,
  FAILED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (HsClient, hs_client, G_TYPE_OBJECT)

static guint signals[N_SIGNALS];

static void
finish_attempt (HsClient *self)
{
  g_clear_object (&self->pending);
  g_clear_object (&self->target);
  g_clear_object (&self->cancellable);
  if (self->socket_client != NULL)
    g_signal_handlers_disconnect_by_data (self->socket_client, self);
  g_clear_object (&self->socket_client);
}

static void
fail (HsClient *self, const GError *error)
{
  finish_attempt (self);
  g_signal_emit (self, signals[FAILED], 0, error);
}

static void
socket_client_event_cb (GSocketClient *socket_client,
                        GSocketClientEvent event,
                        GSocketConnectable *connectable,
                        GIOStream *connection,
                        gpointer user_data)
{
  HsClient *self = HS_CLIENT (user_data);
  GSocket *socket;

  if (event != G_SOCKET_CLIENT_CONNECTING || !G_IS_SOCKET_CONNECTION (connection))
    return;

  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection));
  g_set_object (&self->pending, socket);
  g_signal_emit (self, signals[CONNECTING], 0, socket);
}

static void
connect_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HsClient) self = HS_CLIENT (user_data);
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (HsEndpoint) endpoint = NULL;
  g_autoptr (GError) error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (connection == NULL)
    {
      fail (self, error);
      return;
    }

  finish_attempt (self);
  endpoint = hs_endpoint_new (connection, HS_SIDE_CLIENT);
  g_signal_emit (self, signals[CONNECTED], 0, endpoint);
}

static void
resolve_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HsClient) self = HS_CLIENT (user_data);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (object), result, &error);
  if (addresses == NULL)
    {
      fail (self, error);
      return;
    }

  /* The resolver sorts by RFC 6724 preference; take the first, like a
   * textbook client that calls connect() once. */
  address = g_inet_socket_address_new (addresses->data, self->port);
  g_resolver_free_addresses (addresses);
  g_set_object (&self->target, address);

  self->socket_client = g_socket_client_new ();
  g_socket_client_set_enable_proxy (self->socket_client, FALSE);
  g_signal_connect (self->socket_client, "event", G_CALLBACK (socket_client_event_cb), self);
  g_socket_client_connect_async (self->socket_client, G_SOCKET_CONNECTABLE (address),
                                 self->cancellable, connect_cb, g_object_ref (self));
}

static void
hs_client_dispose (GObject *object)
{
  HsClient *self = (HsClient *) object;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  finish_attempt (self);

  G_OBJECT_CLASS (hs_client_parent_class)->dispose (object);
}

static void
hs_client_class_init (HsClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_client_dispose;

  /**
   * HsClient::connecting:
   * @socket: the socket about to send its SYN
   */
  signals[CONNECTING] = g_signal_new ("connecting", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                      NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_SOCKET);
  /**
   * HsClient::connected:
   * @endpoint: the client end of the new connection
   */
  signals[CONNECTED] = g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, HS_TYPE_ENDPOINT);
  /**
   * HsClient::failed:
   * @error: why
   */
  signals[FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
hs_client_init (HsClient *self)
{
}

HsClient *
hs_client_new (void)
{
  return g_object_new (HS_TYPE_CLIENT, NULL);
}

void
hs_client_connect (HsClient *self, const char *host, guint16 port)
{
  g_autoptr (GResolver) resolver = NULL;

  g_return_if_fail (HS_IS_CLIENT (self));
  g_return_if_fail (host != NULL);
  g_return_if_fail (self->cancellable == NULL);

  self->cancellable = g_cancellable_new ();
  self->port = port;

  resolver = g_resolver_get_default ();
  g_resolver_lookup_by_name_async (resolver, host, self->cancellable, resolve_cb,
                                   g_object_ref (self));
}

void
hs_client_cancel (HsClient *self)
{
  g_return_if_fail (HS_IS_CLIENT (self));

  if (self->cancellable == NULL)
    return;

  /* Closing the socket now, rather than when the cancelled operation
   * unwinds, makes the kernel forget the SYN_SENT socket immediately. */
  if (self->pending != NULL)
    g_socket_close (self->pending, NULL);
  g_cancellable_cancel (self->cancellable);
}

gboolean
hs_client_is_connecting (HsClient *self)
{
  g_return_val_if_fail (HS_IS_CLIENT (self), FALSE);

  return self->cancellable != NULL;
}

GSocket *
hs_client_get_pending_socket (HsClient *self)
{
  g_return_val_if_fail (HS_IS_CLIENT (self), NULL);

  return self->pending;
}

GSocketAddress *
hs_client_get_target (HsClient *self)
{
  g_return_val_if_fail (HS_IS_CLIENT (self), NULL);

  return self->target;
}
