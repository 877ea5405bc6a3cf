/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-endpoint"

#include "config.h"

#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <glib/gi18n-lib.h>

#include "hs-endpoint.h"
#include "hs-read-mux.h"
#include "hs-net-error.h"

#define READ_CHUNK 65536
/* Chunks read per main-loop dispatch: a peer that floods must not keep the
 * loop from everything else (the rest is read in the next dispatch). */
#define READS_PER_DISPATCH 16

struct _HsEndpoint
{
  GObject parent_instance;

  GSocketConnection *connection;
  GSocket *socket;
  /* Reads are watched by the shared set (src/net/hs-read-mux.c), or by a
   * source of their own where it cannot take them. */
  guint read_id;
  GSource *read_source;
  HsSide side;
  HsAddress local;
  HsAddress remote;
  guint open : 1;
  guint eof : 1;
  guint write_shut : 1;
};

enum
{
  RECEIVED,
  EOF_SIGNAL,
  RESET,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (HsEndpoint, hs_endpoint, G_TYPE_OBJECT)

static guint signals[N_SIGNALS];

static void
stop_reading (HsEndpoint *self)
{
  if (self->read_id != 0)
    {
      hs_read_mux_remove (self->read_id);
      self->read_id = 0;
    }
  if (self->read_source != NULL)
    {
      g_source_destroy (self->read_source);
      g_clear_pointer (&self->read_source, g_source_unref);
    }
}

/* Reads what is available without blocking, at most @max_reads chunks.
 * Returns FALSE when reading should stop (end of stream or an error). */
static gboolean
read_available (HsEndpoint *self, guint max_reads)
{
  for (guint reads = 0; self->open && !self->eof; reads++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree guint8 *buffer = NULL;
      gssize n;

      if (reads == max_reads)
        return TRUE;

      buffer = g_malloc (READ_CHUNK);
      n = g_socket_receive_with_blocking (self->socket, (char *) buffer, READ_CHUNK, FALSE, NULL,
                                          &error);

      if (n > 0)
        {
          g_autoptr (GBytes) bytes = g_bytes_new_take (g_steal_pointer (&buffer), n);

          g_signal_emit (self, signals[RECEIVED], 0, bytes);
          continue;
        }

      if (n == 0)
        {
          self->eof = TRUE;
          g_signal_emit (self, signals[EOF_SIGNAL], 0);
          return FALSE;
        }

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return TRUE;

      /* Anything else on a connected TCP socket means the connection is
       * gone, almost always because the peer reset it. */
      g_debug ("read failed: %s", error->message);
      self->open = FALSE;
      g_signal_emit (self, signals[RESET], 0, error);
      /* Out of the shared set before the descriptor's number is free for
       * another connection. */
      stop_reading (self);
      g_socket_close (self->socket, NULL);
      return FALSE;
    }

  return FALSE;
}

static gboolean
ready_cb (gpointer user_data)
{
  g_autoptr (HsEndpoint) self = g_object_ref (HS_ENDPOINT (user_data));

  if (read_available (self, READS_PER_DISPATCH))
    return TRUE;
  stop_reading (self);
  return FALSE;
}

static gboolean
socket_ready_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  /* A connection's own source (for a descriptor the shared read set could
   * not take) is not paced: src/net/hs-pace.c watches few sources. */
  return ready_cb (user_data) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
hs_endpoint_dispose (GObject *object)
{
  HsEndpoint *self = (HsEndpoint *) object;

  stop_reading (self);
  if (self->socket != NULL && !g_socket_is_closed (self->socket))
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (hs_endpoint_parent_class)->dispose (object);
}

static void
hs_endpoint_class_init (HsEndpointClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_endpoint_dispose;

  /**
   * HsEndpoint::received:
   * @bytes: what recv() returned
   */
  signals[RECEIVED] = g_signal_new ("received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BYTES);
  /**
   * HsEndpoint::eof:
   *
   * recv() returned 0: the peer's FIN arrived.
   */
  signals[EOF_SIGNAL] = g_signal_new ("eof", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                      NULL, NULL, G_TYPE_NONE, 0);
  /**
   * HsEndpoint::reset:
   * @error: the error recv() gave
   *
   * The connection is gone, usually because the peer sent RST.
   */
  signals[RESET] = g_signal_new ("reset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
hs_endpoint_init (HsEndpoint *self)
{
}

HsEndpoint *
hs_endpoint_new (GSocketConnection *connection, HsSide side)
{
  HsEndpoint *self;
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (GSocketAddress) remote = NULL;

  g_return_val_if_fail (G_IS_SOCKET_CONNECTION (connection), NULL);

  self = g_object_new (HS_TYPE_ENDPOINT, NULL);
  self->connection = g_object_ref (connection);
  self->socket = g_object_ref (g_socket_connection_get_socket (connection));
  self->side = side;
  self->open = TRUE;

  local = g_socket_get_local_address (self->socket, NULL);
  remote = g_socket_get_remote_address (self->socket, NULL);
  hs_address_from_gsocket_address (local, &self->local);
  hs_address_from_gsocket_address (remote, &self->remote);

  return self;
}

void
hs_endpoint_start (HsEndpoint *self)
{
  g_return_if_fail (HS_IS_ENDPOINT (self));
  g_return_if_fail (self->read_source == NULL && self->read_id == 0);

  if (!self->open || self->eof)
    return;

  self->read_id = hs_read_mux_add (g_socket_get_fd (self->socket), ready_cb, self);
  if (self->read_id != 0)
    return;
  self->read_source = g_socket_create_source (self->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (self->read_source, G_SOURCE_FUNC (socket_ready_cb), self, NULL);
  g_source_set_static_name (self->read_source, "[handshake] endpoint read");
  g_source_attach (self->read_source, g_main_context_get_thread_default ());
}

HsSide
hs_endpoint_get_side (HsEndpoint *self)
{
  g_return_val_if_fail (HS_IS_ENDPOINT (self), HS_SIDE_CLIENT);

  return self->side;
}

GSocket *
hs_endpoint_get_socket (HsEndpoint *self)
{
  g_return_val_if_fail (HS_IS_ENDPOINT (self), NULL);

  return self->socket;
}

const HsAddress *
hs_endpoint_get_local (HsEndpoint *self)
{
  g_return_val_if_fail (HS_IS_ENDPOINT (self), NULL);

  return &self->local;
}

const HsAddress *
hs_endpoint_get_remote (HsEndpoint *self)
{
  g_return_val_if_fail (HS_IS_ENDPOINT (self), NULL);

  return &self->remote;
}

gboolean
hs_endpoint_is_open (HsEndpoint *self)
{
  g_return_val_if_fail (HS_IS_ENDPOINT (self), FALSE);

  return self->open;
}

gboolean
hs_endpoint_get_eof (HsEndpoint *self)
{
  g_return_val_if_fail (HS_IS_ENDPOINT (self), FALSE);

  return self->eof;
}

gboolean
hs_endpoint_get_write_shut (HsEndpoint *self)
{
  g_return_val_if_fail (HS_IS_ENDPOINT (self), FALSE);

  return self->write_shut;
}

static gboolean
check_open (HsEndpoint *self, GError **error)
{
  if (self->open)
    return TRUE;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _ ("This socket is already closed."));
  return FALSE;
}

gboolean
hs_endpoint_send (HsEndpoint *self, GBytes *bytes, GError **error)
{
  gsize len;
  const char *data;
  gssize n;

  g_return_val_if_fail (HS_IS_ENDPOINT (self), FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);

  if (!check_open (self, error))
    return FALSE;

  if (self->write_shut)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                           _ ("This side has already sent its FIN and cannot send more data."));
      return FALSE;
    }

  data = g_bytes_get_data (bytes, &len);
  n = g_socket_send_with_blocking (self->socket, data, len, FALSE, NULL, error);
  if (n < 0)
    return FALSE;

  /* A few words from a text entry always fit into the kernel's send buffer;
   * a partial write would mean the buffer is full, which is worth saying. */
  if ((gsize) n != len)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                   /* Not G_GSIZE_FORMAT: xgettext cannot see through the macro. */
                   _ ("Only %ld of %lu bytes fit into the send buffer."), (glong) n, (gulong) len);
      return FALSE;
    }

  return TRUE;
}

gboolean
hs_endpoint_shutdown (HsEndpoint *self, GError **error)
{
  g_return_val_if_fail (HS_IS_ENDPOINT (self), FALSE);

  if (!check_open (self, error))
    return FALSE;
  if (self->write_shut)
    return TRUE;

  if (!g_socket_shutdown (self->socket, FALSE, TRUE, error))
    return FALSE;

  self->write_shut = TRUE;
  return TRUE;
}

gboolean
hs_endpoint_close (HsEndpoint *self, GError **error)
{
  g_return_val_if_fail (HS_IS_ENDPOINT (self), FALSE);

  if (!check_open (self, error))
    return FALSE;

  /* Linux answers a close() with unread data in the receive queue with RST
   * instead of FIN; take what has arrived first. */
  read_available (self, 4 * READS_PER_DISPATCH);
  stop_reading (self);

  if (!self->open)
    return TRUE; /* The drain found the connection reset. */

  self->open = FALSE;
  self->write_shut = TRUE;
  return g_socket_close (self->socket, error);
}

gboolean
hs_endpoint_abort (HsEndpoint *self, GError **error)
{
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };

  g_return_val_if_fail (HS_IS_ENDPOINT (self), FALSE);

  if (!check_open (self, error))
    return FALSE;

  if (setsockopt (g_socket_get_fd (self->socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger) !=
      0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _ ("Could not set SO_LINGER: %s"), g_strerror (errsv));
      return FALSE;
    }
  /* Still open and read if the abort failed; out of the shared set
   * before the socket closes. */
  stop_reading (self);

  self->open = FALSE;
  self->write_shut = TRUE;
  return g_socket_close (self->socket, error);
}

gboolean
hs_tcp_info_read (GSocket *socket, HsTcpInfo *info)
{
  struct tcp_info ti = { 0 };
  socklen_t len = sizeof ti;

  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  if (g_socket_is_closed (socket))
    return FALSE;
  if (getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
    return FALSE;

  info->state = ti.tcpi_state;
  info->total_retrans = ti.tcpi_total_retrans;
  /* Older kernels return a shorter struct; the fields past it stay 0. */
  info->bytes_acked = ti.tcpi_bytes_acked;
  info->bytes_received = ti.tcpi_bytes_received;
  info->snd_wnd = ti.tcpi_snd_wnd;
  return TRUE;
}
