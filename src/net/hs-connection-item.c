/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-connection-item"

#include "config.h"

#include "hs-connection-item.h"

struct _HsConnectionItem
{
  GObject parent_instance;

  guint id;
  char *address;
  guint port;
  HsTcpState state;
  gint64 since_us;
  guint64 bytes_received;
  guint64 bytes_sent;
  gboolean open;
};

enum
{
  PROP_0,
  PROP_ID,
  PROP_ADDRESS,
  PROP_PORT,
  PROP_STATE,
  PROP_STATE_NAME,
  PROP_SINCE_US,
  PROP_BYTES_RECEIVED,
  PROP_BYTES_SENT,
  PROP_OPEN,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (HsConnectionItem, hs_connection_item, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static void
hs_connection_item_finalize (GObject *object)
{
  HsConnectionItem *self = (HsConnectionItem *) object;

  g_free (self->address);

  G_OBJECT_CLASS (hs_connection_item_parent_class)->finalize (object);
}

static void
hs_connection_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HsConnectionItem *self = HS_CONNECTION_ITEM (object);

  switch (prop_id)
    {
      case PROP_ID:
        g_value_set_uint (value, self->id);
        break;
      case PROP_ADDRESS:
        g_value_set_string (value, self->address);
        break;
      case PROP_PORT:
        g_value_set_uint (value, self->port);
        break;
      case PROP_STATE:
        g_value_set_uint (value, self->state);
        break;
      case PROP_STATE_NAME:
        g_value_set_string (value, hs_connection_item_get_state_name (self));
        break;
      case PROP_SINCE_US:
        g_value_set_int64 (value, self->since_us);
        break;
      case PROP_BYTES_RECEIVED:
        g_value_set_uint64 (value, self->bytes_received);
        break;
      case PROP_BYTES_SENT:
        g_value_set_uint64 (value, self->bytes_sent);
        break;
      case PROP_OPEN:
        g_value_set_boolean (value, self->open);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_connection_item_class_init (HsConnectionItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = hs_connection_item_finalize;
  object_class->get_property = hs_connection_item_get_property;

  properties[PROP_ID] = g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, flags);
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, flags);
  properties[PROP_STATE] = g_param_spec_uint ("state", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_STATE_NAME] = g_param_spec_string ("state-name", NULL, NULL, NULL, flags);
  properties[PROP_SINCE_US] = g_param_spec_int64 ("since-us", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_BYTES_RECEIVED] =
      g_param_spec_uint64 ("bytes-received", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_BYTES_SENT] =
      g_param_spec_uint64 ("bytes-sent", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_OPEN] = g_param_spec_boolean ("open", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hs_connection_item_init (HsConnectionItem *self)
{
  self->address = g_strdup ("");
  self->state = HS_TCP_STATE_CLOSED;
}

HsConnectionItem *
hs_connection_item_new (guint id, const HsAddress *peer, gint64 since_us)
{
  HsConnectionItem *self = g_object_new (HS_TYPE_CONNECTION_ITEM, NULL);

  self->id = id;
  self->since_us = since_us;
  self->open = TRUE;
  if (peer != NULL)
    hs_connection_item_set_peer (self, peer);
  return self;
}

guint
hs_connection_item_get_id (HsConnectionItem *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ITEM (self), 0);

  return self->id;
}

const char *
hs_connection_item_get_address (HsConnectionItem *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ITEM (self), NULL);

  return self->address;
}

guint
hs_connection_item_get_port (HsConnectionItem *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ITEM (self), 0);

  return self->port;
}

HsTcpState
hs_connection_item_get_state (HsConnectionItem *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ITEM (self), HS_TCP_STATE_CLOSED);

  return self->state;
}

const char *
hs_connection_item_get_state_name (HsConnectionItem *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ITEM (self), NULL);

  return hs_tcp_state_to_string (self->state);
}

gint64
hs_connection_item_get_since_us (HsConnectionItem *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ITEM (self), 0);

  return self->since_us;
}

guint64
hs_connection_item_get_bytes_received (HsConnectionItem *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ITEM (self), 0);

  return self->bytes_received;
}

guint64
hs_connection_item_get_bytes_sent (HsConnectionItem *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ITEM (self), 0);

  return self->bytes_sent;
}

gboolean
hs_connection_item_get_open (HsConnectionItem *self)
{
  g_return_val_if_fail (HS_IS_CONNECTION_ITEM (self), FALSE);

  return self->open;
}

void
hs_connection_item_set_peer (HsConnectionItem *self, const HsAddress *peer)
{
  g_autofree char *host = NULL;

  g_return_if_fail (HS_IS_CONNECTION_ITEM (self));
  g_return_if_fail (peer != NULL);

  host = hs_address_to_host_string (peer);
  if (g_strcmp0 (host, self->address) != 0)
    {
      g_free (self->address);
      self->address = g_steal_pointer (&host);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADDRESS]);
    }
  if (self->port != peer->port)
    {
      self->port = peer->port;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
    }
}

void
hs_connection_item_set_state (HsConnectionItem *self, HsTcpState state)
{
  g_return_if_fail (HS_IS_CONNECTION_ITEM (self));

  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_NAME]);
}

void
hs_connection_item_add_bytes (HsConnectionItem *self, guint64 received, guint64 sent)
{
  g_return_if_fail (HS_IS_CONNECTION_ITEM (self));

  if (received > 0)
    {
      self->bytes_received += received;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_RECEIVED]);
    }
  if (sent > 0)
    {
      self->bytes_sent += sent;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_SENT]);
    }
}

void
hs_connection_item_set_open (HsConnectionItem *self, gboolean open)
{
  g_return_if_fail (HS_IS_CONNECTION_ITEM (self));

  open = !!open;
  if (self->open == open)
    return;
  self->open = open;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPEN]);
}
