/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-connection-list"

#include "config.h"

#include "hs-connection-list.h"

#include <glib/gi18n-lib.h>

#include "hs-trace-format.h"

/* How much of the peer's last text a row keeps. */
#define LAST_TEXT_CHARS 40

struct _HsConnectionRow
{
  GObject parent_instance;

  guint id;
  char *address;
  guint port;
  HsTcpState state;
  gboolean has_state;
  char *since;
  guint64 bytes_in;
  guint64 bytes_out;
  char *last_text;
  GArray *segments; /* guint trace indices */
  gint64 last_time;
};

enum
{
  ROW_PROP_0,
  ROW_PROP_ID,
  ROW_PROP_ADDRESS,
  ROW_PROP_PORT,
  ROW_PROP_STATE_NAME,
  ROW_PROP_SINCE,
  ROW_PROP_BYTES_IN,
  ROW_PROP_BYTES_OUT,
  ROW_PROP_LAST_TEXT,
  ROW_N_PROPS
};

static GParamSpec *row_properties[ROW_N_PROPS];

G_DEFINE_FINAL_TYPE (HsConnectionRow, hs_connection_row, G_TYPE_OBJECT)

static void
hs_connection_row_finalize (GObject *object)
{
  HsConnectionRow *self = (HsConnectionRow *) object;

  g_free (self->address);
  g_free (self->since);
  g_free (self->last_text);
  g_array_unref (self->segments);

  G_OBJECT_CLASS (hs_connection_row_parent_class)->finalize (object);
}

static void
hs_connection_row_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HsConnectionRow *self = HS_CONNECTION_ROW (object);

  switch (prop_id)
    {
      case ROW_PROP_ID:
        g_value_set_uint (value, self->id);
        break;
      case ROW_PROP_ADDRESS:
        g_value_set_string (value, self->address);
        break;
      case ROW_PROP_PORT:
        g_value_set_uint (value, self->port);
        break;
      case ROW_PROP_STATE_NAME:
        g_value_set_string (value, hs_connection_row_get_state_name (self));
        break;
      case ROW_PROP_SINCE:
        g_value_set_string (value, self->since);
        break;
      case ROW_PROP_BYTES_IN:
        g_value_set_uint64 (value, self->bytes_in);
        break;
      case ROW_PROP_BYTES_OUT:
        g_value_set_uint64 (value, self->bytes_out);
        break;
      case ROW_PROP_LAST_TEXT:
        g_value_set_string (value, self->last_text);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_connection_row_class_init (HsConnectionRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = hs_connection_row_finalize;
  object_class->get_property = hs_connection_row_get_property;

  row_properties[ROW_PROP_ID] = g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT, 0, flags);
  row_properties[ROW_PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, flags);
  row_properties[ROW_PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0, flags);
  row_properties[ROW_PROP_STATE_NAME] = g_param_spec_string ("state-name", NULL, NULL, NULL, flags);
  row_properties[ROW_PROP_SINCE] = g_param_spec_string ("since", NULL, NULL, NULL, flags);
  row_properties[ROW_PROP_BYTES_IN] =
      g_param_spec_uint64 ("bytes-in", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  row_properties[ROW_PROP_BYTES_OUT] =
      g_param_spec_uint64 ("bytes-out", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  row_properties[ROW_PROP_LAST_TEXT] = g_param_spec_string ("last-text", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, ROW_N_PROPS, row_properties);
}

static void
hs_connection_row_init (HsConnectionRow *self)
{
  self->segments = g_array_new (FALSE, FALSE, sizeof (guint));
  self->address = g_strdup ("");
  self->since = g_strdup ("");
  self->last_text = g_strdup ("");
}

struct _HsConnectionList
{
  GObject parent_instance;

  HsSide side;
  HsTrace *trace;
  GPtrArray *rows;   /* HsConnectionRow, index id - 1 */
  guint n_announced; /* rows the model has announced (items-changed) */
  guint announce_id;
  /* The wall-clock second the last row appeared in, and its text: a class
   * arrives within a few seconds, and GLib reads the local time zone from
   * disk each time it is asked for it. */
  gint64 since_second;
  char *since_text;
};

static void hs_connection_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HsConnectionList,
                               hs_connection_list,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      hs_connection_list_model_init))

static GType
get_item_type (GListModel *model)
{
  return HS_TYPE_CONNECTION_ROW;
}

static guint
get_n_items (GListModel *model)
{
  return HS_CONNECTION_LIST (model)->n_announced;
}

static gpointer
get_item (GListModel *model, guint position)
{
  HsConnectionList *self = HS_CONNECTION_LIST (model);

  if (position >= self->n_announced)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->rows, position));
}

static void
hs_connection_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* The peer's address: the client's, seen from the server, and the other
 * way round. */
static void
update_address (HsConnectionList *self, HsConnectionRow *row)
{
  const HsTraceConnection *connection = hs_trace_get_connection (self->trace, row->id);
  const HsAddress *peer = self->side == HS_SIDE_SERVER ? &connection->client : &connection->server;
  g_autofree char *host = NULL;

  if (peer->family == 0)
    return;

  host = hs_address_to_host_string (peer);
  if (g_strcmp0 (host, row->address) != 0)
    {
      g_free (row->address);
      row->address = g_steal_pointer (&host);
      g_object_notify_by_pspec (G_OBJECT (row), row_properties[ROW_PROP_ADDRESS]);
    }
  if (peer->port != row->port)
    {
      row->port = peer->port;
      g_object_notify_by_pspec (G_OBJECT (row), row_properties[ROW_PROP_PORT]);
    }
}

/* New rows reach the views once per main loop turn, before the next frame:
 * a class arriving at once is one change to the list, not one per client. */
static gboolean
announce_cb (gpointer user_data)
{
  HsConnectionList *self = user_data;
  guint old = self->n_announced;

  self->announce_id = 0;
  self->n_announced = self->rows->len;
  if (self->n_announced > old)
    g_list_model_items_changed (G_LIST_MODEL (self), old, 0, self->n_announced - old);
  return G_SOURCE_REMOVE;
}

/* Rows for every connection the trace knows. */
static void
add_rows (HsConnectionList *self, const HsEvent *event)
{
  guint n_connections = hs_trace_get_n_connections (self->trace);
  guint old_len = self->rows->len;
  guint n_events = hs_trace_get_n_events (self->trace);
  gint64 latest = n_events > 0 ? hs_trace_get_event (self->trace, n_events - 1)->time_us : 0;

  if (n_connections <= old_len + 1)
    return;

  for (guint id = old_len + 1; id < n_connections; id++)
    {
      HsConnectionRow *row = g_object_new (HS_TYPE_CONNECTION_ROW, NULL);
      gint64 event_time = event != NULL ? event->time_us : latest;
      /* The trace's clock is monotonic; the row shows the wall clock of the
       * moment the connection appeared, as a teacher reads it. */
      gint64 second = (g_get_real_time () - (latest - event_time)) / G_USEC_PER_SEC;

      row->id = id;
      if (self->since_text == NULL || second != self->since_second)
        {
          g_autoptr (GDateTime) when = g_date_time_new_from_unix_local (second);

          g_free (self->since_text);
          self->since_text = g_date_time_format (when, "%H:%M:%S");
          self->since_second = second;
        }
      g_free (row->since);
      row->since = g_strdup (self->since_text);
      g_ptr_array_add (self->rows, row);
      update_address (self, row);
    }
  if (self->announce_id == 0)
    self->announce_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, announce_cb, self, NULL);
}

static void
take_event (HsConnectionList *self, const HsEvent *event)
{
  HsConnectionRow *row;

  if (event->connection == 0)
    return;
  if (event->connection > self->rows->len)
    add_rows (self, event);
  if (event->connection > self->rows->len)
    return;

  row = g_ptr_array_index (self->rows, event->connection - 1);
  row->last_time = event->time_us;

  switch (event->kind)
    {
      case HS_EVENT_SEGMENT:
        g_array_append_val (row->segments, event->index);
        break;
      case HS_EVENT_STATE:
        if (event->side == self->side && (!row->has_state || row->state != event->to))
          {
            row->state = event->to;
            row->has_state = TRUE;
            g_object_notify_by_pspec (G_OBJECT (row), row_properties[ROW_PROP_STATE_NAME]);
          }
        break;
      case HS_EVENT_APP:
        if (event->side != self->side || event->data == NULL)
          break;
        if (event->action == HS_APP_RECEIVE)
          {
            row->bytes_in += g_bytes_get_size (event->data);
            g_free (row->last_text);
            row->last_text = hs_format_data (event->data, LAST_TEXT_CHARS);
            g_object_notify_by_pspec (G_OBJECT (row), row_properties[ROW_PROP_BYTES_IN]);
            g_object_notify_by_pspec (G_OBJECT (row), row_properties[ROW_PROP_LAST_TEXT]);
          }
        else if (event->action == HS_APP_SEND)
          {
            row->bytes_out += g_bytes_get_size (event->data);
            g_object_notify_by_pspec (G_OBJECT (row), row_properties[ROW_PROP_BYTES_OUT]);
          }
        break;
      case HS_EVENT_ERROR:
      default:
        break;
    }
}

static void
event_added_cb (HsConnectionList *self, guint index)
{
  take_event (self, hs_trace_get_event (self->trace, index));
}

static void
connection_changed_cb (HsConnectionList *self, guint id)
{
  if (id == 0)
    return;
  if (id > self->rows->len)
    add_rows (self, NULL);
  if (id <= self->rows->len)
    update_address (self, g_ptr_array_index (self->rows, id - 1));
}

static void
clear_rows (HsConnectionList *self)
{
  guint n = self->n_announced;

  g_clear_handle_id (&self->announce_id, g_source_remove);
  g_ptr_array_set_size (self->rows, 0);
  self->n_announced = 0;
  if (n > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
}

static void
hs_connection_list_dispose (GObject *object)
{
  HsConnectionList *self = (HsConnectionList *) object;

  if (self->trace != NULL)
    g_signal_handlers_disconnect_by_data (self->trace, self);
  g_clear_handle_id (&self->announce_id, g_source_remove);
  g_clear_object (&self->trace);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->since_text, g_free);

  G_OBJECT_CLASS (hs_connection_list_parent_class)->dispose (object);
}

static void
hs_connection_list_class_init (HsConnectionListClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hs_connection_list_dispose;
}

static void
hs_connection_list_init (HsConnectionList *self)
{
  self->rows = g_ptr_array_new_with_free_func (g_object_unref);
}

HsConnectionList *
hs_connection_list_new (HsSide side)
{
  HsConnectionList *self = g_object_new (HS_TYPE_CONNECTION_LIST, NULL);

  self->side = side;
  return self;
}

void
hs_connection_list_set_trace (HsConnectionList *self, HsTrace *trace)
{
  g_return_if_fail (HS_IS_CONNECTION_LIST (self));
  g_return_if_fail (trace == NULL || HS_IS_TRACE (trace));

  if (self->trace == trace)
    return;

  if (self->trace != NULL)
    g_signal_handlers_disconnect_by_data (self->trace, self);
  clear_rows (self);
  g_set_object (&self->trace, trace);
  if (trace == NULL)
    return;

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    take_event (self, hs_trace_get_event (trace, i));
  add_rows (self, NULL);
  g_clear_handle_id (&self->announce_id, g_source_remove);
  announce_cb (self);

  g_signal_connect_object (trace, "event-added", G_CALLBACK (event_added_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (trace, "connection-changed", G_CALLBACK (connection_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (trace, "cleared", G_CALLBACK (clear_rows), self, G_CONNECT_SWAPPED);
}

HsTrace *
hs_connection_list_get_trace (HsConnectionList *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_LIST (self), NULL);

  return self->trace;
}

HsConnectionRow *
hs_connection_list_get_row (HsConnectionList *self, guint id)
{
  g_return_val_if_fail (HS_IS_CONNECTION_LIST (self), NULL);

  if (id == 0 || id > self->rows->len)
    return NULL;
  return g_ptr_array_index (self->rows, id - 1);
}

guint
hs_connection_row_get_id (HsConnectionRow *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ROW (self), 0);
  return self->id;
}

const char *
hs_connection_row_get_address (HsConnectionRow *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ROW (self), NULL);
  return self->address;
}

guint
hs_connection_row_get_port (HsConnectionRow *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ROW (self), 0);
  return self->port;
}

HsTcpState
hs_connection_row_get_state (HsConnectionRow *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ROW (self), HS_TCP_STATE_CLOSED);
  return self->has_state ? self->state : HS_TCP_STATE_CLOSED;
}

const char *
hs_connection_row_get_state_name (HsConnectionRow *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ROW (self), NULL);
  /* Before the first state is known there is nothing to say yet. */
  return self->has_state ? hs_tcp_state_to_string (self->state) : "—";
}

const char *
hs_connection_row_get_last_text (HsConnectionRow *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ROW (self), NULL);
  return self->last_text;
}

guint64
hs_connection_row_get_bytes_in (HsConnectionRow *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ROW (self), 0);
  return self->bytes_in;
}

guint64
hs_connection_row_get_bytes_out (HsConnectionRow *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ROW (self), 0);
  return self->bytes_out;
}

const GArray *
hs_connection_row_get_segments (HsConnectionRow *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ROW (self), NULL);
  return self->segments;
}

gint64
hs_connection_row_get_last_time (HsConnectionRow *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ROW (self), 0);
  return self->last_time;
}
