/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-trace"

#include "config.h"

#include "hs-trace.h"

struct _HsTrace
{
  GObject parent_instance;

  char *network;
  GArray *events;      /* HsEvent */
  GArray *connections; /* HsTraceConnection, index == id */
  gint64 start_us;
  gboolean virtual_time;
};

enum
{
  PROP_0,
  PROP_NETWORK,
  N_PROPS
};

enum
{
  EVENT_ADDED,
  EVENT_CHANGED,
  CONNECTION_CHANGED,
  CLEARED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (HsTrace, hs_trace, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

void
hs_event_clear (HsEvent *event)
{
  g_clear_pointer (&event->text, g_free);
  g_clear_pointer (&event->data, g_bytes_unref);
}

static void
add_listener_connection (HsTrace *self)
{
  HsTraceConnection listener = { 0 };

  g_array_append_val (self->connections, listener);
}

static void
hs_trace_finalize (GObject *object)
{
  HsTrace *self = (HsTrace *) object;

  g_clear_pointer (&self->events, g_array_unref);
  g_clear_pointer (&self->connections, g_array_unref);
  g_clear_pointer (&self->network, g_free);

  G_OBJECT_CLASS (hs_trace_parent_class)->finalize (object);
}

static void
hs_trace_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HsTrace *self = HS_TRACE (object);

  switch (prop_id)
    {
      case PROP_NETWORK:
        g_value_set_string (value, self->network);
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_trace_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HsTrace *self = HS_TRACE (object);

  switch (prop_id)
    {
      case PROP_NETWORK:
        hs_trace_set_network (self, g_value_get_string (value));
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_trace_class_init (HsTraceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hs_trace_finalize;
  object_class->get_property = hs_trace_get_property;
  object_class->set_property = hs_trace_set_property;

  properties[PROP_NETWORK] =
      g_param_spec_string ("network", NULL, NULL, "host",
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HsTrace::event-added:
   * @index: the new event's index
   */
  signals[EVENT_ADDED] = g_signal_new ("event-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * HsTrace::event-changed:
   * @index: the index of the event whose description was refined
   */
  signals[EVENT_CHANGED] =
      g_signal_new ("event-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * HsTrace::connection-changed:
   * @id: the connection whose addresses or ISNs became known
   */
  signals[CONNECTION_CHANGED] =
      g_signal_new ("connection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * HsTrace::cleared:
   *
   * Every event and connection is gone; views start over.
   */
  signals[CLEARED] = g_signal_new ("cleared", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 0);
}

static void
hs_trace_init (HsTrace *self)
{
  self->network = g_strdup ("host");
  self->events = g_array_new (FALSE, TRUE, sizeof (HsEvent));
  g_array_set_clear_func (self->events, (GDestroyNotify) hs_event_clear);
  self->connections = g_array_new (FALSE, TRUE, sizeof (HsTraceConnection));
  self->start_us = g_get_monotonic_time ();
  add_listener_connection (self);
}

HsTrace *
hs_trace_new (void)
{
  return g_object_new (HS_TYPE_TRACE, NULL);
}

const char *
hs_trace_get_network (HsTrace *self)
{
  g_return_val_if_fail (HS_IS_TRACE (self), NULL);

  return self->network;
}

void
hs_trace_set_network (HsTrace *self, const char *network)
{
  g_return_if_fail (HS_IS_TRACE (self));
  g_return_if_fail (network != NULL);

  if (g_strcmp0 (self->network, network) == 0)
    return;

  g_free (self->network);
  self->network = g_strdup (network);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NETWORK]);
}

void
hs_trace_set_virtual_time (HsTrace *self, gboolean virtual_time)
{
  g_return_if_fail (HS_IS_TRACE (self));

  self->virtual_time = !!virtual_time;
}

guint
hs_trace_get_n_events (HsTrace *self)
{
  g_return_val_if_fail (HS_IS_TRACE (self), 0);

  return self->events->len;
}

const HsEvent *
hs_trace_get_event (HsTrace *self, guint index)
{
  g_return_val_if_fail (HS_IS_TRACE (self), NULL);
  g_return_val_if_fail (index < self->events->len, NULL);

  return &g_array_index (self->events, HsEvent, index);
}

guint
hs_trace_append (HsTrace *self, const HsEvent *event)
{
  HsEvent copy;
  gint64 floor_us = 0;

  g_return_val_if_fail (HS_IS_TRACE (self), 0);
  g_return_val_if_fail (event != NULL, 0);
  g_return_val_if_fail (event->connection < self->connections->len, 0);

  copy = *event;
  copy.index = self->events->len;
  copy.text = g_strdup (event->text);
  copy.data = event->data != NULL ? g_bytes_ref (event->data) : NULL;

  /* Time never runs backwards in a trace: sources that stamp their own
   * events (a capture file, the model) keep their times, others get "now",
   * and either is clamped to the previous event so that order and time agree. */
  if (self->events->len > 0)
    floor_us = g_array_index (self->events, HsEvent, self->events->len - 1).time_us;
  if (copy.time_us <= 0 && !self->virtual_time)
    copy.time_us = g_get_monotonic_time () - self->start_us;
  copy.time_us = MAX (copy.time_us, floor_us);

  g_array_append_val (self->events, copy);
  g_signal_emit (self, signals[EVENT_ADDED], 0, copy.index);

  return copy.index;
}

void
hs_trace_update_segment (HsTrace *self,
                         guint index,
                         HsProvenance provenance,
                         gboolean window_known,
                         guint32 window,
                         const HsTcpOptions *options)
{
  HsEvent *event;

  g_return_if_fail (HS_IS_TRACE (self));
  g_return_if_fail (index < self->events->len);

  event = &g_array_index (self->events, HsEvent, index);
  g_return_if_fail (event->kind == HS_EVENT_SEGMENT);

  event->provenance = provenance;
  event->window_known = window_known;
  event->window = window;
  if (options != NULL)
    event->options = *options;

  g_signal_emit (self, signals[EVENT_CHANGED], 0, index);
}

void
hs_trace_update_segment_fate (HsTrace *self, guint index, HsSegmentFate fate)
{
  HsEvent *event;

  g_return_if_fail (HS_IS_TRACE (self));
  g_return_if_fail (index < self->events->len);
  g_return_if_fail (fate <= HS_SEGMENT_FATE_DROPPED);

  event = &g_array_index (self->events, HsEvent, index);
  g_return_if_fail (event->kind == HS_EVENT_SEGMENT);

  if (event->fate == fate)
    return;

  event->fate = fate;
  g_signal_emit (self, signals[EVENT_CHANGED], 0, index);
}

void
hs_trace_update_state_source (HsTrace *self, guint index, HsStateSource source)
{
  HsEvent *event;

  g_return_if_fail (HS_IS_TRACE (self));
  g_return_if_fail (index < self->events->len);

  event = &g_array_index (self->events, HsEvent, index);
  g_return_if_fail (event->kind == HS_EVENT_STATE);

  if (event->source == source)
    return;

  event->source = source;
  g_signal_emit (self, signals[EVENT_CHANGED], 0, index);
}

guint
hs_trace_add_connection (HsTrace *self, const HsAddress *client, const HsAddress *server)
{
  HsTraceConnection connection = { 0 };

  g_return_val_if_fail (HS_IS_TRACE (self), 0);

  connection.id = self->connections->len;
  if (client != NULL)
    connection.client = *client;
  if (server != NULL)
    connection.server = *server;
  g_array_append_val (self->connections, connection);

  return connection.id;
}

guint
hs_trace_get_n_connections (HsTrace *self)
{
  g_return_val_if_fail (HS_IS_TRACE (self), 0);

  return self->connections->len;
}

const HsTraceConnection *
hs_trace_get_connection (HsTrace *self, guint id)
{
  g_return_val_if_fail (HS_IS_TRACE (self), NULL);
  g_return_val_if_fail (id < self->connections->len, NULL);

  return &g_array_index (self->connections, HsTraceConnection, id);
}

void
hs_trace_set_connection_address (HsTrace *self, guint id, HsSide side, const HsAddress *address)
{
  HsTraceConnection *connection;
  HsAddress *slot;

  g_return_if_fail (HS_IS_TRACE (self));
  g_return_if_fail (id < self->connections->len);
  g_return_if_fail (address != NULL);

  connection = &g_array_index (self->connections, HsTraceConnection, id);
  slot = side == HS_SIDE_CLIENT ? &connection->client : &connection->server;
  if (hs_address_equal (slot, address))
    return;

  *slot = *address;
  g_signal_emit (self, signals[CONNECTION_CHANGED], 0, id);
}

void
hs_trace_set_isn (HsTrace *self, guint id, HsSide side, guint32 isn)
{
  HsTraceConnection *connection;

  g_return_if_fail (HS_IS_TRACE (self));
  g_return_if_fail (id < self->connections->len);
  g_return_if_fail (side == HS_SIDE_CLIENT || side == HS_SIDE_SERVER);

  connection = &g_array_index (self->connections, HsTraceConnection, id);
  if (connection->isn_known[side] && connection->isn[side] == isn)
    return;

  connection->isn_known[side] = TRUE;
  connection->isn[side] = isn;
  g_signal_emit (self, signals[CONNECTION_CHANGED], 0, id);
}

gboolean
hs_trace_connection_get_isn (HsTrace *self, guint id, HsSide side, guint32 *isn)
{
  const HsTraceConnection *connection;

  g_return_val_if_fail (HS_IS_TRACE (self), FALSE);
  g_return_val_if_fail (id < self->connections->len, FALSE);

  connection = &g_array_index (self->connections, HsTraceConnection, id);
  if (!connection->isn_known[side])
    return FALSE;
  if (isn != NULL)
    *isn = connection->isn[side];
  return TRUE;
}

HsTcpState
hs_trace_get_state_at (HsTrace *self, guint connection, HsSide side, guint index)
{
  g_return_val_if_fail (HS_IS_TRACE (self), HS_TCP_STATE_UNKNOWN);

  if (self->events->len == 0)
    return HS_TCP_STATE_CLOSED;

  index = MIN (index, self->events->len - 1);
  for (guint i = index + 1; i-- > 0;)
    {
      const HsEvent *event = &g_array_index (self->events, HsEvent, i);

      if (event->kind == HS_EVENT_STATE && event->connection == connection && event->side == side)
        return event->to;
    }

  return HS_TCP_STATE_CLOSED;
}

void
hs_trace_clear (HsTrace *self)
{
  g_return_if_fail (HS_IS_TRACE (self));

  g_array_set_size (self->events, 0);
  g_array_set_size (self->connections, 0);
  add_listener_connection (self);
  self->start_us = g_get_monotonic_time ();
  g_signal_emit (self, signals[CLEARED], 0);
}

const char *
hs_side_to_string (HsSide side)
{
  return side == HS_SIDE_CLIENT ? "client" : "server";
}

const char *
hs_event_kind_to_string (HsEventKind kind)
{
  static const char *const names[] = { "segment", "state", "app", "error" };

  g_return_val_if_fail (kind < G_N_ELEMENTS (names), "unknown");
  return names[kind];
}

const char *
hs_provenance_to_string (HsProvenance provenance)
{
  static const char *const names[] = { "captured", "inferred", "simulated" };

  g_return_val_if_fail (provenance < G_N_ELEMENTS (names), "unknown");
  return names[provenance];
}

const char *
hs_state_source_to_string (HsStateSource source)
{
  static const char *const names[] = { "kernel", "inferred", "model" };

  g_return_val_if_fail (source < G_N_ELEMENTS (names), "unknown");
  return names[source];
}

const char *
hs_app_action_to_string (HsAppAction action)
{
  static const char *const names[] = {
    "listen", "stop",     "connect", "accept", "send",  "receive",
    "eof",    "shutdown", "close",   "abort",  "reset",
  };

  g_return_val_if_fail (action < G_N_ELEMENTS (names), "unknown");
  return names[action];
}

const char *
hs_segment_fate_to_string (HsSegmentFate fate)
{
  static const char *const names[] = { "delivered", "held", "dropped" };

  g_return_val_if_fail (fate < G_N_ELEMENTS (names), "unknown");
  return names[fate];
}

const char *
hs_trace_error_to_string (HsTraceError error)
{
  static const char *const names[] = {
    "other",
    "address-in-use",
    "permission-denied",
    "connection-refused",
    "host-not-found",
    "network-unreachable",
    "host-unreachable",
    "timed-out",
    "connection-reset",
    "address-not-available",
  };

  g_return_val_if_fail (error < G_N_ELEMENTS (names), "unknown");
  return names[error];
}
