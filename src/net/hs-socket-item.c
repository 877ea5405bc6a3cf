/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-socket-item"

#include "config.h"

#include "hs-socket-item.h"

struct _HsSocketItem
{
  GObject parent_instance;

  char *key;
  char *proto;
  char *local;
  char *foreign;
  HsTcpState state;
  guint send_q;
  guint recv_q;
  char *timer;
  gint64 timer_deadline_us; /* when the TIME_WAIT timer runs out; 0 without one */
  char *owner;
  gint64 changed_us;
  gboolean highlight;
};

enum
{
  PROP_0,
  PROP_PROTO,
  PROP_LOCAL,
  PROP_FOREIGN,
  PROP_STATE_NAME,
  PROP_SEND_Q,
  PROP_RECV_Q,
  PROP_TIMER,
  PROP_OWNER,
  PROP_HIGHLIGHT,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (HsSocketItem, hs_socket_item, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static void
hs_socket_item_finalize (GObject *object)
{
  HsSocketItem *self = (HsSocketItem *) object;

  g_free (self->key);
  g_free (self->proto);
  g_free (self->local);
  g_free (self->foreign);
  g_free (self->timer);
  g_free (self->owner);

  G_OBJECT_CLASS (hs_socket_item_parent_class)->finalize (object);
}

static void
hs_socket_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HsSocketItem *self = HS_SOCKET_ITEM (object);

  switch (prop_id)
    {
      case PROP_PROTO:
        g_value_set_string (value, self->proto);
        break;
      case PROP_LOCAL:
        g_value_set_string (value, self->local);
        break;
      case PROP_FOREIGN:
        g_value_set_string (value, self->foreign);
        break;
      case PROP_STATE_NAME:
        g_value_set_string (value, hs_socket_item_get_state_name (self));
        break;
      case PROP_SEND_Q:
        g_value_set_uint (value, self->send_q);
        break;
      case PROP_RECV_Q:
        g_value_set_uint (value, self->recv_q);
        break;
      case PROP_TIMER:
        g_value_set_string (value, self->timer);
        break;
      case PROP_OWNER:
        g_value_set_string (value, self->owner);
        break;
      case PROP_HIGHLIGHT:
        g_value_set_boolean (value, self->highlight);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_socket_item_class_init (HsSocketItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = hs_socket_item_finalize;
  object_class->get_property = hs_socket_item_get_property;

  properties[PROP_PROTO] = g_param_spec_string ("proto", NULL, NULL, NULL, flags);
  properties[PROP_LOCAL] = g_param_spec_string ("local", NULL, NULL, NULL, flags);
  properties[PROP_FOREIGN] = g_param_spec_string ("foreign", NULL, NULL, NULL, flags);
  properties[PROP_STATE_NAME] = g_param_spec_string ("state-name", NULL, NULL, NULL, flags);
  properties[PROP_SEND_Q] = g_param_spec_uint ("send-q", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_RECV_Q] = g_param_spec_uint ("recv-q", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_TIMER] = g_param_spec_string ("timer", NULL, NULL, NULL, flags);
  properties[PROP_OWNER] = g_param_spec_string ("owner", NULL, NULL, NULL, flags);
  properties[PROP_HIGHLIGHT] = g_param_spec_boolean ("highlight", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hs_socket_item_init (HsSocketItem *self)
{
  self->timer = g_strdup ("");
  self->owner = g_strdup ("");
}

/* One end in hexadecimal: family, address, port ("4 7f000001 1389"). */
static char *
put_address (char *out, const HsAddress *address)
{
  static const char hex[] = "0123456789abcdef";
  gsize n = address->family == 6 ? 16 : address->family == 4 ? 4 : 0;

  *out++ = (char) ('0' + address->family % 10);
  if (n == 0)
    return out;
  *out++ = ' ';
  for (gsize i = 0; i < n; i++)
    {
      *out++ = hex[address->addr[i] >> 4];
      *out++ = hex[address->addr[i] & 0xf];
    }
  *out++ = ' ';
  for (int shift = 12; shift >= 0; shift -= 4)
    *out++ = hex[(address->port >> shift) & 0xf];
  return out;
}

/* Made for every captured segment and every row of every dump, so without
 * printf: a class arriving is thousands of them (the text form of the
 * addresses took about a tenth of the main loop then). */
char *
hs_socket_item_make_key (const HsAddress *local, const HsAddress *foreign)
{
  char key[2 * (1 + 1 + 32 + 1 + 4) + 2];
  char *end;

  end = put_address (key, local);
  *end++ = '|';
  end = put_address (end, foreign);
  return g_strndup (key, (gsize) (end - key));
}

HsSocketItem *
hs_socket_item_new (const HsAddress *local, const HsAddress *foreign)
{
  HsSocketItem *self;

  g_return_val_if_fail (local != NULL, NULL);
  g_return_val_if_fail (foreign != NULL, NULL);

  self = g_object_new (HS_TYPE_SOCKET_ITEM, NULL);
  self->key = hs_socket_item_make_key (local, foreign);
  self->proto = g_strdup (local->family == 6 ? "tcp6" : "tcp");
  self->local = hs_address_to_string (local);
  self->foreign = hs_address_to_string (foreign);
  self->state = HS_TCP_STATE_UNKNOWN;

  return self;
}

const char *
hs_socket_item_get_key (HsSocketItem *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_ITEM (self), NULL);
  return self->key;
}

const char *
hs_socket_item_get_proto (HsSocketItem *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_ITEM (self), NULL);
  return self->proto;
}

const char *
hs_socket_item_get_local (HsSocketItem *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_ITEM (self), NULL);
  return self->local;
}

const char *
hs_socket_item_get_foreign (HsSocketItem *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_ITEM (self), NULL);
  return self->foreign;
}

HsTcpState
hs_socket_item_get_state (HsSocketItem *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_ITEM (self), HS_TCP_STATE_UNKNOWN);
  return self->state;
}

const char *
hs_socket_item_get_state_name (HsSocketItem *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_ITEM (self), NULL);
  return hs_tcp_state_to_netstat (self->state);
}

guint
hs_socket_item_get_send_q (HsSocketItem *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_ITEM (self), 0);
  return self->send_q;
}

guint
hs_socket_item_get_recv_q (HsSocketItem *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_ITEM (self), 0);
  return self->recv_q;
}

const char *
hs_socket_item_get_timer (HsSocketItem *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_ITEM (self), NULL);
  return self->timer;
}

const char *
hs_socket_item_get_owner (HsSocketItem *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_ITEM (self), NULL);
  return self->owner;
}

gboolean
hs_socket_item_get_highlight (HsSocketItem *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_ITEM (self), FALSE);
  return self->highlight;
}

static void
set_highlight (HsSocketItem *self, gboolean highlight)
{
  if (self->highlight == highlight)
    return;
  self->highlight = highlight;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HIGHLIGHT]);
}

void
hs_socket_item_set_state (HsSocketItem *self, HsTcpState state, gint64 now_us)
{
  g_return_if_fail (HS_IS_SOCKET_ITEM (self));

  if (self->state == state)
    return;

  /* A row that appears is not a change of state worth pointing at; one
   * that moves from one state to another is. */
  if (self->state != HS_TCP_STATE_UNKNOWN)
    {
      self->changed_us = now_us;
      set_highlight (self, TRUE);
    }
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_NAME]);
}

void
hs_socket_item_set_queues (HsSocketItem *self, guint send_q, guint recv_q)
{
  g_return_if_fail (HS_IS_SOCKET_ITEM (self));

  if (self->send_q != send_q)
    {
      self->send_q = send_q;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEND_Q]);
    }
  if (self->recv_q != recv_q)
    {
      self->recv_q = recv_q;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECV_Q]);
    }
}

void
hs_socket_item_set_timer (HsSocketItem *self, const char *timer)
{
  g_return_if_fail (HS_IS_SOCKET_ITEM (self));

  if (timer == NULL)
    timer = "";
  if (g_strcmp0 (self->timer, timer) == 0)
    return;
  g_free (self->timer);
  self->timer = g_strdup (timer);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMER]);
}

void
hs_socket_item_set_owner (HsSocketItem *self, const char *owner)
{
  g_return_if_fail (HS_IS_SOCKET_ITEM (self));

  if (owner == NULL)
    owner = "";
  if (g_strcmp0 (self->owner, owner) == 0)
    return;
  g_free (self->owner);
  self->owner = g_strdup (owner);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OWNER]);
}

void
hs_socket_item_age (HsSocketItem *self, gint64 now_us, gint64 max_age_us)
{
  g_return_if_fail (HS_IS_SOCKET_ITEM (self));

  if (self->highlight && now_us - self->changed_us > max_age_us)
    set_highlight (self, FALSE);
}

void
hs_socket_item_set_highlight (HsSocketItem *self, gboolean highlight)
{
  g_return_if_fail (HS_IS_SOCKET_ITEM (self));

  set_highlight (self, highlight);
}

void
hs_socket_item_set_time_wait_deadline (HsSocketItem *self, gint64 deadline_us)
{
  g_return_if_fail (HS_IS_SOCKET_ITEM (self));

  self->timer_deadline_us = deadline_us;
}

gint64
hs_socket_item_get_time_wait_deadline (HsSocketItem *self)
{
  g_return_val_if_fail (HS_IS_SOCKET_ITEM (self), 0);

  return self->timer_deadline_us;
}
