/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-lab-network"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "hs-endpoint.h"
#include "hs-lab-network.h"
#include "hs-net-error.h"
#include "hs-server.h"

/* Linux delays an ACK by at most 200 ms (TCP_DELACK_MAX); a wire silent for
 * longer has nothing more coming unless a timer fires. */
#define QUIET_US (250 * 1000)

typedef struct
{
  guint id;
  HsEndpoint *endpoint[2];
  HsAddress client;
  HsAddress server;
  HsTcpState state[2]; /* the last state recorded in the trace */
  HsSocketRow row[2];  /* the kernel's last reading */
  gboolean seen[2];
  gboolean gone[2];
  gboolean aborted[2];
  guint64 sent[2];     /* bytes the application of each side wrote */
  guint64 received[2]; /* bytes the application of each side read */
  GSocket *pending[2]; /* a socket whose connect() is in flight */
  GSource *connect_source[2];
  char *target;
} Conn;

struct _HsLabNetwork
{
  GObject parent_instance;

  HsTrace *trace;
  HsLab *lab;
  HsWire *wire;
  HsServer *server;
  GPtrArray *conns; /* Conn*, newest last */
  HsTcpState listener_state;
  HsSocketRow listener_row;
  gint64 last_wire_us;
};

enum
{
  CHANGED,
  ERROR,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (HsLabNetwork, hs_lab_network, G_TYPE_OBJECT)

static guint signals[N_SIGNALS];

static void
conn_free (Conn *c)
{
  for (guint i = 0; i < 2; i++)
    if (c->endpoint[i] != NULL)
      {
        g_signal_handlers_disconnect_matched (c->endpoint[i], G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                              c);
        g_clear_object (&c->endpoint[i]);
      }
  for (guint i = 0; i < 2; i++)
    {
      if (c->connect_source[i] != NULL)
        {
          g_source_destroy (c->connect_source[i]);
          g_source_unref (c->connect_source[i]);
        }
      g_clear_object (&c->pending[i]);
    }
  g_free (c->target);
  g_free (c);
}

static void
app_event (HsLabNetwork *self,
           guint connection,
           HsSide side,
           HsAppAction action,
           const char *text,
           GBytes *data)
{
  HsEvent event = { .kind = HS_EVENT_APP,
                    .connection = connection,
                    .side = side,
                    .action = action,
                    .text = (char *) text,
                    .data = data };

  hs_trace_append (self->trace, &event);
}

static void
report_error (HsLabNetwork *self,
              guint connection,
              HsSide side,
              HsTraceError kind,
              const char *message)
{
  HsEvent event = { .kind = HS_EVENT_ERROR,
                    .connection = connection,
                    .side = side,
                    .error = kind,
                    .text = (char *) message };

  hs_trace_append (self->trace, &event);
  g_signal_emit (self, signals[ERROR], 0, (guint) kind, message);
}

static void
state_event (HsLabNetwork *self, guint connection, HsSide side, HsTcpState from, HsTcpState to)
{
  HsEvent event = { .kind = HS_EVENT_STATE,
                    .connection = connection,
                    .side = side,
                    .from = from,
                    .to = to,
                    .source = HS_STATE_SOURCE_KERNEL };

  hs_trace_append (self->trace, &event);
}

static void
record_state (HsLabNetwork *self, Conn *c, HsSide side, const HsSocketRow *row)
{
  HsTcpState state;

  if (row == NULL)
    {
      /* Gone from the kernel: only a socket that was there can go. */
      if (!c->seen[side] || c->gone[side])
        return;
      c->gone[side] = TRUE;
      state = HS_TCP_STATE_CLOSED;
    }
  else
    {
      c->seen[side] = TRUE;
      c->row[side] = *row;
      state = row->state;
    }

  if (state == c->state[side])
    return;

  state_event (self, c->id, side, c->state[side], state);
  c->state[side] = state;
  g_signal_emit (self, signals[CHANGED], 0);
}

static void poll_conn_side (HsLabNetwork *self, Conn *c, HsSide side);

static void
poll_conn (HsLabNetwork *self, Conn *c)
{
  for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
    poll_conn_side (self, c, side);
}

static void
poll_conn_side (HsLabNetwork *self, Conn *c, HsSide side)
{
  HsSockDiag *diag = hs_lab_get_sock_diag (self->lab, side);
  const HsAddress *local = side == HS_SIDE_CLIENT ? &c->client : &c->server;
  const HsAddress *remote = side == HS_SIDE_CLIENT ? &c->server : &c->client;
  g_autoptr (GError) error = NULL;
  HsSocketRow row;

  if (c->gone[side] || diag == NULL)
    return;

  if (hs_sock_diag_lookup (diag, local, remote, &row, &error))
    record_state (self, c, side, &row);
  else if (error == NULL)
    record_state (self, c, side, NULL);
  else
    g_debug ("Lab lookup failed: %s", error->message);
}

static void
poll_listener (HsLabNetwork *self)
{
  HsSockDiag *diag = hs_lab_get_sock_diag (self->lab, HS_SIDE_SERVER);
  HsTcpState state = HS_TCP_STATE_CLOSED;
  HsSocketRow row;

  if (diag == NULL)
    return;

  if (hs_server_is_listening (self->server) &&
      hs_sock_diag_lookup_listener (diag, hs_server_get_address (self->server), &row, NULL))
    {
      state = row.state;
      self->listener_row = row;
    }

  if (state == self->listener_state)
    return;

  state_event (self, 0, HS_SIDE_SERVER, self->listener_state, state);
  self->listener_state = state;
  g_signal_emit (self, signals[CHANGED], 0);
}

void
hs_lab_network_poll (HsLabNetwork *self)
{
  g_return_if_fail (HS_IS_LAB_NETWORK (self));

  poll_listener (self);
  for (guint i = 0; i < self->conns->len; i++)
    poll_conn (self, g_ptr_array_index (self->conns, i));
}

/* The kernels' states are read when a segment leaves a host (its sender's
 * new state follows the segment) and when one arrives (the receiver's new
 * state comes before its answer, which the wire has not read yet). */
static void
wire_activity_cb (HsLabNetwork *self, guint index, guint host)
{
  self->last_wire_us = g_get_monotonic_time ();

  /* Only the host the segment left or reached has news: reading the other
   * now would record a state whose own segment the wire has not read yet. */
  if (host == HS_SIDE_SERVER)
    poll_listener (self);
  for (guint i = 0; i < self->conns->len; i++)
    poll_conn_side (self, g_ptr_array_index (self->conns, i), (HsSide) host);
}

/* Endpoints */

static void
endpoint_received_cb (HsEndpoint *endpoint, GBytes *bytes, gpointer user_data)
{
  Conn *c = user_data;
  HsLabNetwork *self = g_object_get_data (G_OBJECT (endpoint), "hs-lab-network");
  HsSide side = hs_endpoint_get_side (endpoint);

  c->received[side] += g_bytes_get_size (bytes);
  app_event (self, c->id, side, HS_APP_RECEIVE, NULL, bytes);
}

static void
endpoint_eof_cb (HsEndpoint *endpoint, gpointer user_data)
{
  Conn *c = user_data;
  HsLabNetwork *self = g_object_get_data (G_OBJECT (endpoint), "hs-lab-network");

  app_event (self, c->id, hs_endpoint_get_side (endpoint), HS_APP_EOF, NULL, NULL);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
endpoint_reset_cb (HsEndpoint *endpoint, const GError *error, gpointer user_data)
{
  Conn *c = user_data;
  HsLabNetwork *self = g_object_get_data (G_OBJECT (endpoint), "hs-lab-network");
  HsSide side = hs_endpoint_get_side (endpoint);

  app_event (self, c->id, side, HS_APP_RESET, NULL, NULL);
  if (!c->aborted[HS_SIDE_OTHER (side)])
    {
      g_autofree char *peer = hs_address_to_string (hs_endpoint_get_remote (endpoint));
      g_autofree char *message =
          hs_net_error_explain (error, HS_TRACE_ERROR_CONNECTION_RESET, peer);

      report_error (self, c->id, side, HS_TRACE_ERROR_CONNECTION_RESET, message);
    }
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
attach_endpoint (HsLabNetwork *self, Conn *c, HsEndpoint *endpoint)
{
  HsSide side = hs_endpoint_get_side (endpoint);

  c->endpoint[side] = g_object_ref (endpoint);
  g_object_set_data (G_OBJECT (endpoint), "hs-lab-network", self);
  g_signal_connect (endpoint, "received", G_CALLBACK (endpoint_received_cb), c);
  g_signal_connect (endpoint, "eof", G_CALLBACK (endpoint_eof_cb), c);
  g_signal_connect (endpoint, "reset", G_CALLBACK (endpoint_reset_cb), c);
  hs_endpoint_start (endpoint);
}

static void
server_accepted_cb (HsServer *server, HsEndpoint *endpoint, const HsPacket *syn, gpointer user_data)
{
  HsLabNetwork *self = HS_LAB_NETWORK (user_data);
  const HsAddress *client = hs_endpoint_get_remote (endpoint);
  g_autofree char *client_text = hs_address_to_string (client);
  Conn *c = NULL;

  for (guint i = self->conns->len; i-- > 0 && c == NULL;)
    {
      Conn *candidate = g_ptr_array_index (self->conns, i);

      if (hs_address_equal (&candidate->client, client) &&
          candidate->endpoint[HS_SIDE_SERVER] == NULL)
        c = candidate;
    }

  /* Only the lab's own client lives in the client host. */
  if (c == NULL)
    {
      g_debug ("Accepted %s, which the lab did not connect", client_text);
      return;
    }

  app_event (self, c->id, HS_SIDE_SERVER, HS_APP_ACCEPT, client_text, NULL);
  attach_endpoint (self, c, endpoint);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* Connecting */

static void
connect_failed (HsLabNetwork *self, Conn *c, HsSide side, const GError *error)
{
  HsTraceError kind = hs_net_error_classify (error);
  g_autofree char *message = hs_net_error_explain (error, kind, c->target);

  if (c->pending[side] != NULL)
    g_socket_close (c->pending[side], NULL);
  g_clear_object (&c->pending[side]);
  report_error (self, c->id, side, kind, message);
  hs_lab_network_poll (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static gboolean
connect_ready_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Conn *c = user_data;
  HsLabNetwork *self = g_object_get_data (G_OBJECT (socket), "hs-lab-network");
  HsSide side = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (socket), "hs-side"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (HsEndpoint) endpoint = NULL;

  g_clear_pointer (&c->connect_source[side], g_source_unref);

  if (!g_socket_check_connect_result (socket, &error))
    {
      connect_failed (self, c, side, error);
      return G_SOURCE_REMOVE;
    }

  connection = g_socket_connection_factory_create_connection (socket);
  g_clear_object (&c->pending[side]);
  endpoint = hs_endpoint_new (connection, side);
  attach_endpoint (self, c, endpoint);
  g_signal_emit (self, signals[CHANGED], 0);
  return G_SOURCE_REMOVE;
}

/* connect() without blocking: the SYN leaves now, the outcome comes to
 * connect_ready_cb(). */
static void
start_connect (HsLabNetwork *self, Conn *c, HsSide side, GSocket *socket, const HsAddress *target)
{
  g_autoptr (GSocketAddress) target_address = hs_address_to_gsocket_address (target);
  g_autoptr (GError) error = NULL;

  c->pending[side] = g_object_ref (socket);
  g_object_set_data (G_OBJECT (socket), "hs-lab-network", self);
  g_object_set_data (G_OBJECT (socket), "hs-side", GUINT_TO_POINTER (side));
  g_socket_set_blocking (socket, FALSE);
  if (g_socket_connect (socket, target_address, NULL, &error))
    connect_ready_cb (socket, G_IO_OUT, c);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      c->connect_source[side] = g_socket_create_source (socket, G_IO_OUT, NULL);
      g_source_set_callback (c->connect_source[side], G_SOURCE_FUNC (connect_ready_cb), c, NULL);
      g_source_set_static_name (c->connect_source[side], "[handshake] lab connect");
      g_source_attach (c->connect_source[side], g_main_context_get_thread_default ());
    }
  else
    connect_failed (self, c, side, error);
}

static gboolean
resolve_target (const char *host, guint16 port, HsAddress *target, GError **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (host != NULL ? host : ""));

  if (*stripped == '\0' || g_ascii_strcasecmp (stripped, "localhost") == 0 ||
      g_ascii_strcasecmp (stripped, "server") == 0 || g_str_equal (stripped, "127.0.0.1"))
    {
      hs_lab_get_host_address (HS_SIDE_SERVER, G_SOCKET_FAMILY_IPV4, target);
      target->port = port;
      return TRUE;
    }

  if (!hs_address_parse (stripped, target) || target->port != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("In the lab the server host is 10.0.0.2; “%s” is not an address there."),
                   stripped);
      return FALSE;
    }
  target->port = port;
  return TRUE;
}

gboolean
hs_lab_network_connect (HsLabNetwork *self, const char *host, guint16 port, GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  HsAddress target, client;
  Conn *c;

  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), FALSE);

  if (!resolve_target (host, port, &target, error))
    return FALSE;

  /* Bound before connect(), so the 4-tuple (and the trace connection the
   * wire's segments join) is known before the SYN leaves. */
  hs_lab_get_host_address (HS_SIDE_CLIENT,
                           target.family == 6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4,
                           &client);
  socket = hs_lab_new_socket_bound (self->lab, HS_SIDE_CLIENT, &client, error);
  if (socket == NULL)
    return FALSE;
  local = g_socket_get_local_address (socket, error);
  if (local == NULL || !hs_address_from_gsocket_address (local, &client))
    return FALSE;

  c = g_new0 (Conn, 1);
  c->client = client;
  c->server = target;
  c->state[HS_SIDE_CLIENT] = HS_TCP_STATE_CLOSED;
  c->state[HS_SIDE_SERVER] = HS_TCP_STATE_LISTEN;
  c->target = hs_address_to_string (&target);
  c->id = hs_trace_add_connection (self->trace, &c->client, &c->server);
  g_ptr_array_add (self->conns, c);
  hs_wire_expect_connection (self->wire, c->id);

  app_event (self, c->id, HS_SIDE_CLIENT, HS_APP_CONNECT, c->target, NULL);
  start_connect (self, c, HS_SIDE_CLIENT, socket, &target);

  g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

gboolean
hs_lab_network_open_both (HsLabNetwork *self,
                          guint16 client_port,
                          guint16 server_port,
                          GError **error)
{
  g_autoptr (GSocket) client_socket = NULL;
  g_autoptr (GSocket) server_socket = NULL;
  g_autofree char *server_text = NULL;
  Conn *c;

  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), FALSE);

  c = g_new0 (Conn, 1);
  hs_lab_get_host_address (HS_SIDE_CLIENT, G_SOCKET_FAMILY_IPV4, &c->client);
  hs_lab_get_host_address (HS_SIDE_SERVER, G_SOCKET_FAMILY_IPV4, &c->server);
  c->client.port = client_port;
  c->server.port = server_port;

  client_socket = hs_lab_new_socket_bound (self->lab, HS_SIDE_CLIENT, &c->client, error);
  if (client_socket != NULL)
    server_socket = hs_lab_new_socket_bound (self->lab, HS_SIDE_SERVER, &c->server, error);
  if (server_socket == NULL)
    {
      conn_free (c);
      return FALSE;
    }

  /* Neither side listens: both start CLOSED and send a SYN. */
  c->state[HS_SIDE_CLIENT] = c->state[HS_SIDE_SERVER] = HS_TCP_STATE_CLOSED;
  c->target = hs_address_to_string (&c->server);
  server_text = hs_address_to_string (&c->client);
  c->id = hs_trace_add_connection (self->trace, &c->client, &c->server);
  g_ptr_array_add (self->conns, c);
  hs_wire_expect_connection (self->wire, c->id);

  app_event (self, c->id, HS_SIDE_CLIENT, HS_APP_CONNECT, c->target, NULL);
  start_connect (self, c, HS_SIDE_CLIENT, client_socket, &c->server);
  app_event (self, c->id, HS_SIDE_SERVER, HS_APP_CONNECT, server_text, NULL);
  start_connect (self, c, HS_SIDE_SERVER, server_socket, &c->client);

  g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

/* Finding the connection an action is for */

static Conn *
find_active (HsLabNetwork *self, HsSide side)
{
  for (guint i = self->conns->len; i-- > 0;)
    {
      Conn *c = g_ptr_array_index (self->conns, i);

      if (c->endpoint[side] != NULL && hs_endpoint_is_open (c->endpoint[side]))
        return c;
      if (c->pending[side] != NULL)
        return c;
    }
  return NULL;
}

static Conn *
require_active (HsLabNetwork *self, HsSide side, GError **error)
{
  Conn *c = find_active (self, side);

  if (c == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                         side == HS_SIDE_CLIENT
                             ? _ ("The client has no open connection. Connect first.")
                             : _ ("The server has no open connection. Listen, then connect a "
                                  "client."));
  return c;
}

gboolean
hs_lab_network_send (HsLabNetwork *self, HsSide side, const char *text, GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
  Conn *c;

  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if ((c = require_active (self, side, error)) == NULL)
    return FALSE;
  if (c->endpoint[side] == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           _ ("The connection is not established yet."));
      return FALSE;
    }

  bytes = g_bytes_new (text, strlen (text));
  app_event (self, c->id, side, HS_APP_SEND, NULL, bytes);
  if (!hs_endpoint_send (c->endpoint[side], bytes, error))
    return FALSE;
  c->sent[side] += g_bytes_get_size (bytes);
  return TRUE;
}

static gboolean
end_connection (HsLabNetwork *self, HsSide side, HsAppAction action, GError **error)
{
  Conn *c;
  gboolean ok;

  if ((c = require_active (self, side, error)) == NULL)
    return FALSE;

  app_event (self, c->id, side, action, NULL, NULL);

  /* Giving up in SYN_SENT: the kernel forgets the socket, sends nothing. */
  if (c->pending[side] != NULL)
    {
      if (c->connect_source[side] != NULL)
        {
          g_source_destroy (c->connect_source[side]);
          g_clear_pointer (&c->connect_source[side], g_source_unref);
        }
      g_socket_close (c->pending[side], NULL);
      g_clear_object (&c->pending[side]);
      g_signal_emit (self, signals[CHANGED], 0);
      return TRUE;
    }

  switch (action)
    {
      case HS_APP_ABORT:
        c->aborted[side] = TRUE;
        ok = hs_endpoint_abort (c->endpoint[side], error);
        break;
      case HS_APP_SHUTDOWN:
        ok = hs_endpoint_shutdown (c->endpoint[side], error);
        break;
      case HS_APP_CLOSE:
      default:
        ok = hs_endpoint_close (c->endpoint[side], error);
        break;
    }

  g_signal_emit (self, signals[CHANGED], 0);
  return ok;
}

gboolean
hs_lab_network_close (HsLabNetwork *self, HsSide side, GError **error)
{
  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), FALSE);

  return end_connection (self, side, HS_APP_CLOSE, error);
}

gboolean
hs_lab_network_shutdown (HsLabNetwork *self, HsSide side, GError **error)
{
  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), FALSE);

  return end_connection (self, side, HS_APP_SHUTDOWN, error);
}

gboolean
hs_lab_network_abort (HsLabNetwork *self, HsSide side, GError **error)
{
  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), FALSE);

  return end_connection (self, side, HS_APP_ABORT, error);
}

/* Listening */

gboolean
hs_lab_network_listen (HsLabNetwork *self, guint16 port, GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *text = NULL;
  HsAddress address;

  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), FALSE);

  hs_lab_get_host_address (HS_SIDE_SERVER, G_SOCKET_FAMILY_IPV4, &address);
  address.port = port;
  text = hs_address_to_string (&address);
  app_event (self, 0, HS_SIDE_SERVER, HS_APP_LISTEN, text, NULL);

  socket = hs_lab_new_socket_bound (self->lab, HS_SIDE_SERVER, &address, &local_error);
  if (socket == NULL || !hs_server_listen_socket (self->server, socket, &local_error))
    {
      HsTraceError kind = hs_net_error_classify (local_error);
      g_autofree char *message = hs_net_error_explain (local_error, kind, text);

      report_error (self, 0, HS_SIDE_SERVER, kind, message);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, message);
      return FALSE;
    }

  hs_trace_set_connection_address (self->trace, 0, HS_SIDE_SERVER,
                                   hs_server_get_address (self->server));
  poll_listener (self);
  g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

void
hs_lab_network_stop_listening (HsLabNetwork *self)
{
  g_return_if_fail (HS_IS_LAB_NETWORK (self));

  if (!hs_server_is_listening (self->server))
    return;

  hs_server_stop (self->server);
  app_event (self, 0, HS_SIDE_SERVER, HS_APP_STOP, NULL, NULL);
  poll_listener (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

gboolean
hs_lab_network_is_listening (HsLabNetwork *self)
{
  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), FALSE);

  return hs_server_is_listening (self->server);
}

guint16
hs_lab_network_get_listen_port (HsLabNetwork *self)
{
  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), 0);

  return hs_server_is_listening (self->server) ? hs_server_get_address (self->server)->port : 0;
}

gboolean
hs_lab_network_can_connect (HsLabNetwork *self)
{
  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), FALSE);

  return find_active (self, HS_SIDE_CLIENT) == NULL;
}

gboolean
hs_lab_network_can_use (HsLabNetwork *self, HsSide side)
{
  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), FALSE);

  return find_active (self, side) != NULL;
}

guint
hs_lab_network_get_current (HsLabNetwork *self)
{
  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), 0);

  if (self->conns->len == 0)
    return 0;
  return ((Conn *) g_ptr_array_index (self->conns, self->conns->len - 1))->id;
}

GArray *
hs_lab_network_get_sockets (HsLabNetwork *self)
{
  GArray *sockets = g_array_new (FALSE, FALSE, sizeof (HsLabSocket));

  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), sockets);

  if (self->listener_state == HS_TCP_STATE_LISTEN)
    {
      HsLabSocket s = { HS_SIDE_SERVER, self->listener_row };

      g_array_append_val (sockets, s);
    }

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *c = g_ptr_array_index (self->conns, i);

      for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
        if (c->seen[side] && !c->gone[side])
          {
            HsLabSocket s = { side, c->row[side] };

            g_array_append_val (sockets, s);
          }
    }

  return sockets;
}

static gboolean
is_transitional (HsTcpState state)
{
  switch (state)
    {
      case HS_TCP_STATE_SYN_SENT:
      case HS_TCP_STATE_SYN_RECEIVED:
      case HS_TCP_STATE_FIN_WAIT_1:
      case HS_TCP_STATE_CLOSING:
      case HS_TCP_STATE_LAST_ACK:
        return TRUE;
      default:
        return FALSE;
    }
}

gboolean
hs_lab_network_is_settled (HsLabNetwork *self, char **what)
{
  gboolean held = hs_wire_get_n_held (self->wire) > 0;

  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), FALSE);

#define NOT_YET(message)          \
  G_STMT_START                    \
  {                               \
    if (what != NULL)             \
      *what = g_strdup (message); \
    return FALSE;                 \
  }                               \
  G_STMT_END

  /* Held segments in Step mode wait for the user: that is settled. */
  if (hs_wire_input_pending (self->wire) ||
      (held && hs_wire_get_mode (self->wire) == HS_WIRE_MODE_AUTO))
    NOT_YET (_ ("Segments are still crossing the wire."));
  if (g_get_monotonic_time () - self->last_wire_us < QUIET_US)
    NOT_YET (_ ("The wire has not been quiet long enough for a delayed ACK."));

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *c = g_ptr_array_index (self->conns, i);

      if ((c->pending[0] != NULL || c->pending[1] != NULL) && !held)
        NOT_YET (_ ("The connection attempt has not finished yet."));

      for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
        {
          HsEndpoint *peer = c->endpoint[HS_SIDE_OTHER (side)];

          if (c->seen[side] && !c->gone[side] && is_transitional (c->state[side]) && !held)
            NOT_YET (side == HS_SIDE_CLIENT ? _ ("The client's kernel still waits for an answer.")
                                            : _ ("The server's kernel still waits for an answer."));
          if (peer != NULL && hs_endpoint_is_open (peer) && !hs_endpoint_get_eof (peer) &&
              c->received[HS_SIDE_OTHER (side)] < c->sent[side] && !held)
            NOT_YET (side == HS_SIDE_CLIENT
                         ? _ ("The server has not read what the client sent yet.")
                         : _ ("The client has not read what the server sent yet."));
        }

      if (c->endpoint[HS_SIDE_CLIENT] != NULL && c->endpoint[HS_SIDE_SERVER] == NULL &&
          hs_server_is_listening (self->server) &&
          c->state[HS_SIDE_SERVER] == HS_TCP_STATE_ESTABLISHED)
        NOT_YET (_ ("The server has not accepted the connection yet."));
    }

#undef NOT_YET
  return TRUE;
}

gboolean
hs_lab_network_has_time_wait (HsLabNetwork *self)
{
  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), FALSE);

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *c = g_ptr_array_index (self->conns, i);

      for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
        if (!c->gone[side] && c->state[side] == HS_TCP_STATE_TIME_WAIT)
          return TRUE;
    }
  return FALSE;
}

HsWire *
hs_lab_network_get_wire (HsLabNetwork *self)
{
  g_return_val_if_fail (HS_IS_LAB_NETWORK (self), NULL);

  return self->wire;
}

static void
hs_lab_network_dispose (GObject *object)
{
  HsLabNetwork *self = (HsLabNetwork *) object;

  if (self->server != NULL)
    g_signal_handlers_disconnect_by_data (self->server, self);
  if (self->wire != NULL)
    g_signal_handlers_disconnect_by_data (self->wire, self);
  g_clear_pointer (&self->conns, g_ptr_array_unref);
  g_clear_object (&self->server);
  g_clear_object (&self->wire);
  if (self->lab != NULL)
    hs_lab_stop (self->lab);
  g_clear_object (&self->lab);
  g_clear_object (&self->trace);

  G_OBJECT_CLASS (hs_lab_network_parent_class)->dispose (object);
}

static void
hs_lab_network_class_init (HsLabNetworkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_lab_network_dispose;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 0);
  signals[ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
}

static void
hs_lab_network_init (HsLabNetwork *self)
{
  self->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_free);
  self->server = hs_server_new ();
  self->listener_state = HS_TCP_STATE_CLOSED;
}

HsLabNetwork *
hs_lab_network_new (HsTrace *trace, GError **error)
{
  g_autoptr (HsLabNetwork) self = NULL;

  g_return_val_if_fail (HS_IS_TRACE (trace), NULL);

  self = g_object_new (HS_TYPE_LAB_NETWORK, NULL);
  self->trace = g_object_ref (trace);
  self->lab = hs_lab_new ();

  /* Starting takes tens of milliseconds; doing it here keeps every action
   * after it simple. */
  if (!hs_lab_start (self->lab, NULL, error))
    return NULL;

  self->wire = hs_wire_new (trace, hs_lab_get_tun_fd (self->lab, HS_SIDE_CLIENT),
                            hs_lab_get_tun_fd (self->lab, HS_SIDE_SERVER), error);
  if (self->wire == NULL)
    return NULL;

  g_signal_connect_swapped (self->wire, "recorded", G_CALLBACK (wire_activity_cb), self);
  g_signal_connect_swapped (self->wire, "delivered", G_CALLBACK (wire_activity_cb), self);
  g_signal_connect (self->server, "accepted", G_CALLBACK (server_accepted_cb), self);

  return g_steal_pointer (&self);
}
