/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-wire"

#include "config.h"

#include "hs-wire.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* IP packets never exceed 64 KiB; the TUN devices' MTU is 1500. */
#define READ_BUFFER_SIZE 65536
/* Packets read per wake-up and device, so that the other device and the UI
 * get their turn under a flood. */
#define READ_BUDGET            64
#define DEFAULT_FLIGHT_TIME_MS 300
#define NO_INDEX               G_MAXUINT

/* The flags that tell a retransmission from a new segment with the same
 * sequence number (a SYN-ACK after a SYN in a simultaneous open). */
#define KEY_FLAGS (HS_TCP_SYN | HS_TCP_FIN | HS_TCP_ACK)

/* Every sequence-consuming segment a side sent, as (seq, flags, len) keys
 * with how many times each was sent: an open-addressing table that grows
 * by doubling, so that recording a segment allocates nothing on average. */
typedef struct
{
  guint64 *keys; /* 0 = empty */
  guint16 *counts;
  guint capacity; /* a power of two */
  guint n_keys;
} SentSet;

typedef struct
{
  HsAddress addr[2]; /* indexed by HsSide */
  guint id;          /* HsTraceConnection id */
  gboolean isn_known[2];
  guint32 isn[2];
  gboolean snd_max_known[2];
  guint32 snd_max[2]; /* highest sequence number sent, plus one */
  gboolean syn_seen[2];
  gint8 wscale[2]; /* offered in the side's SYN; -1 when not */
  SentSet sent;
} WireConnection;

typedef struct
{
  guint index;   /* trace index; NO_INDEX once the trace was cleared */
  HsSide target; /* the host whose TUN device receives it */
  guint32 len;
  gsize offset;       /* in the packet store */
  gint64 captured_us; /* monotonic */
} HeldPacket;

typedef struct
{
  guint index;
  guint32 len;
  gsize offset;
} PacketRef;

struct _HsWire
{
  GObject parent_instance;

  HsTrace *trace;
  gulong cleared_id;
  GMainContext *context;
  int fd[2]; /* TUN devices, indexed by host */
  GSource *read_source[2];
  GSource *timer;

  HsWireMode mode;
  guint flight_time_ms;
  gboolean drop_next;

  guint8 *buffer; /* READ_BUFFER_SIZE, reused for every packet */

  /* Held packets, oldest first, in a ring that only grows. */
  HeldPacket *held;
  guint held_head;
  guint held_len;
  guint held_capacity;

  GByteArray *store;       /* raw bytes of every recorded packet */
  GArray *refs;            /* PacketRef, sorted by index */
  GHashTable *connections; /* WireConnection, by unordered 4-tuple */
  GArray *expected;        /* trace connection ids announced by the application */
  gint64 time_zero;

  HsWireStats stats;
};

enum
{
  PROP_0,
  PROP_TRACE,
  PROP_MODE,
  PROP_FLIGHT_TIME,
  PROP_DROP_NEXT,
  PROP_N_HELD,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (HsWire, hs_wire, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static void reschedule (HsWire *self);

enum
{
  RECORDED,
  DELIVERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* SentSet */

static guint
sent_slot (const SentSet *set, guint64 key)
{
  return (guint) ((key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 32) & (set->capacity - 1);
}

static void
sent_set_grow (SentSet *set)
{
  SentSet bigger = { 0 };

  bigger.capacity = set->capacity == 0 ? 64 : set->capacity * 2;
  bigger.keys = g_new0 (guint64, bigger.capacity);
  bigger.counts = g_new0 (guint16, bigger.capacity);
  for (guint i = 0; i < set->capacity; i++)
    {
      guint slot;

      if (set->keys[i] == 0)
        continue;
      for (slot = sent_slot (&bigger, set->keys[i]); bigger.keys[slot] != 0;
           slot = (slot + 1) & (bigger.capacity - 1))
        ;
      bigger.keys[slot] = set->keys[i];
      bigger.counts[slot] = set->counts[i];
    }
  bigger.n_keys = set->n_keys;
  g_free (set->keys);
  g_free (set->counts);
  *set = bigger;
}

/* Returns the slot of @key, adding it with count 0 if it is new. */
static guint
sent_set_lookup (SentSet *set, guint64 key)
{
  guint slot;

  if ((set->n_keys + 1) * 2 > set->capacity)
    sent_set_grow (set);

  for (slot = sent_slot (set, key); set->keys[slot] != 0; slot = (slot + 1) & (set->capacity - 1))
    if (set->keys[slot] == key)
      return slot;

  set->keys[slot] = key;
  set->counts[slot] = 0;
  set->n_keys++;
  return slot;
}

static guint64
sent_key (HsSide side, guint8 flags, guint32 seq, guint32 len)
{
  /* Bit 63 marks a used slot; len < 65536 in an IP packet. */
  return (G_GUINT64_CONSTANT (1) << 63) | ((guint64) side << 60) |
         ((guint64) (flags & KEY_FLAGS) << 48) | ((guint64) (len & 0xffff) << 32) | seq;
}

/* Connections */

static void
wire_connection_free (WireConnection *c)
{
  g_free (c->sent.keys);
  g_free (c->sent.counts);
  g_free (c);
}

static guint
wire_connection_hash (gconstpointer key)
{
  const WireConnection *c = key;

  /* Symmetric: a packet finds its connection in either direction. */
  return hs_address_hash (&c->addr[0]) ^ hs_address_hash (&c->addr[1]);
}

static gboolean
wire_connection_equal (gconstpointer a, gconstpointer b)
{
  const WireConnection *x = a, *y = b;

  return (hs_address_equal (&x->addr[0], &y->addr[0]) &&
          hs_address_equal (&x->addr[1], &y->addr[1])) ||
         (hs_address_equal (&x->addr[0], &y->addr[1]) &&
          hs_address_equal (&x->addr[1], &y->addr[0]));
}

static WireConnection *
connection_new (HsWire *self, const HsPacket *packet, HsSide sender)
{
  WireConnection *c = g_new0 (WireConnection, 1);

  c->addr[sender] = packet->src;
  c->addr[HS_SIDE_OTHER (sender)] = packet->dst;
  c->wscale[0] = c->wscale[1] = -1;
  c->id = G_MAXUINT;

  /* The application may have opened this connection in the trace already
   * (its connect() comes before its SYN): the segments join it. */
  for (guint i = 0; i < self->expected->len; i++)
    {
      guint id = g_array_index (self->expected, guint, i);
      const HsTraceConnection *tc;

      if (id >= hs_trace_get_n_connections (self->trace))
        continue;
      tc = hs_trace_get_connection (self->trace, id);
      if (hs_address_equal (&tc->client, &c->addr[HS_SIDE_CLIENT]) &&
          hs_address_equal (&tc->server, &c->addr[HS_SIDE_SERVER]))
        {
          c->id = id;
          g_array_remove_index (self->expected, i);
          break;
        }
    }
  if (c->id == G_MAXUINT)
    c->id =
        hs_trace_add_connection (self->trace, &c->addr[HS_SIDE_CLIENT], &c->addr[HS_SIDE_SERVER]);
  /* Replaces an older connection with the same 4-tuple, if any. */
  g_hash_table_add (self->connections, c);
  return c;
}

/* Finds or creates the connection of @packet, read from @host's device, and
 * says which of its sides sent it. */
static WireConnection *
connection_for_packet (HsWire *self, const HsPacket *packet, HsSide host, HsSide *out_sender)
{
  WireConnection key;
  WireConnection *c;
  gboolean syn_only = (packet->flags & (HS_TCP_SYN | HS_TCP_ACK)) == HS_TCP_SYN;
  HsSide sender;

  key.addr[0] = packet->src;
  key.addr[1] = packet->dst;
  c = g_hash_table_lookup (self->connections, &key);

  if (c == NULL)
    {
      /* The side that sends the first SYN is the client. Without a SYN
       * (the trace was cleared mid-connection), the host it comes from
       * decides. */
      sender = syn_only ? HS_SIDE_CLIENT : host;
      c = connection_new (self, packet, sender);
      *out_sender = sender;
      return c;
    }

  sender =
      hs_address_equal (&c->addr[HS_SIDE_CLIENT], &packet->src) ? HS_SIDE_CLIENT : HS_SIDE_SERVER;

  /* A new SYN from a side whose ISN is known starts a new connection on
   * the same 4-tuple (the old one ended, TIME_WAIT was over or skipped). */
  if (syn_only && c->isn_known[sender] && c->isn[sender] != packet->seq)
    {
      c = connection_new (self, packet, HS_SIDE_CLIENT);
      sender = HS_SIDE_CLIENT;
    }

  *out_sender = sender;
  return c;
}

/* Packet store */

static gsize
store_packet (HsWire *self, guint index, const guint8 *data, guint32 len)
{
  PacketRef ref = { index, len, self->store->len };

  g_byte_array_append (self->store, data, len);
  g_array_append_val (self->refs, ref);
  return ref.offset;
}

static const PacketRef *
find_packet (HsWire *self, guint index)
{
  guint lo = 0, hi = self->refs->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const PacketRef *ref = &g_array_index (self->refs, PacketRef, mid);

      if (ref->index == index)
        return ref;
      if (ref->index < index)
        lo = mid + 1;
      else
        hi = mid;
    }
  return NULL;
}

/* Held packets */

static HeldPacket *
held_nth (HsWire *self, guint nth)
{
  return &self->held[(self->held_head + nth) % self->held_capacity];
}

static void
held_push (HsWire *self, const HeldPacket *packet)
{
  if (self->held_len == self->held_capacity)
    {
      guint capacity = MAX (self->held_capacity * 2, 256);
      HeldPacket *held = g_new (HeldPacket, capacity);

      for (guint i = 0; i < self->held_len; i++)
        held[i] = *held_nth (self, i);
      g_free (self->held);
      self->held = held;
      self->held_head = 0;
      self->held_capacity = capacity;
    }

  *held_nth (self, self->held_len) = *packet;
  self->held_len++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_HELD]);
}

static HeldPacket
held_remove (HsWire *self, guint nth)
{
  HeldPacket packet = *held_nth (self, nth);

  if (nth == 0)
    self->held_head = (self->held_head + 1) % self->held_capacity;
  else
    for (guint i = nth; i + 1 < self->held_len; i++)
      *held_nth (self, i) = *held_nth (self, i + 1);
  self->held_len--;
  if (self->held_len == 0)
    self->held_head = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_HELD]);
  return packet;
}

static gboolean
held_find (HsWire *self, guint index, guint *nth)
{
  for (guint i = 0; i < self->held_len; i++)
    if (held_nth (self, i)->index == index)
      {
        *nth = i;
        return TRUE;
      }
  return FALSE;
}

static void
write_packet (HsWire *self, HsSide target, const guint8 *data, gsize len)
{
  /* A TUN device takes a whole packet or refuses it; it does not block. */
  if (write (self->fd[target], data, len) != (gssize) len)
    self->stats.write_errors++;
}

static void
deliver_nth (HsWire *self, guint nth)
{
  HeldPacket packet = held_remove (self, nth);

  write_packet (self, packet.target, self->store->data + packet.offset, packet.len);
  if (packet.index != NO_INDEX)
    hs_trace_update_segment_fate (self->trace, packet.index, HS_SEGMENT_FATE_DELIVERED);
  /* The receiving kernel has taken the packet in by now (a TUN write runs
   * its receive path before returning): its new state can be read before
   * its answer is. */
  g_signal_emit (self, signals[DELIVERED], 0, packet.index, (guint) packet.target);
}

/* Recording */

static void
record_segment (HsWire *self, const HsPacket *packet, HsSide host, const guint8 *data, gsize len)
{
  HsEvent event = { 0 };
  WireConnection *c;
  HsSide sender, receiver;
  guint32 seg_len, end;
  gboolean immediate;
  g_autoptr (GBytes) payload = NULL;
  guint index;
  gsize offset;

  c = connection_for_packet (self, packet, host, &sender);
  receiver = HS_SIDE_OTHER (sender);

  if (packet->flags & HS_TCP_SYN)
    {
      if (!c->isn_known[sender])
        {
          c->isn_known[sender] = TRUE;
          c->isn[sender] = packet->seq;
          hs_trace_set_isn (self->trace, c->id, sender, packet->seq);
        }
      c->syn_seen[sender] = TRUE;
      c->wscale[sender] =
          (packet->options.present & HS_TCP_OPTION_WSCALE) ? (gint8) packet->options.wscale : -1;
    }
  else if (!c->isn_known[sender])
    {
      /* The SYN was not seen: count from this segment as Wireshark does
       * (a RST answering a SYN carries seq 0 and stays 0). */
      c->isn_known[sender] = TRUE;
      c->isn[sender] = (packet->flags & HS_TCP_RST) ? packet->seq : packet->seq - 1;
      hs_trace_set_isn (self->trace, c->id, sender, c->isn[sender]);
    }
  if ((packet->flags & HS_TCP_ACK) && !c->isn_known[receiver])
    {
      c->isn_known[receiver] = TRUE;
      c->isn[receiver] = packet->ack - 1;
      hs_trace_set_isn (self->trace, c->id, receiver, c->isn[receiver]);
    }

  event.kind = HS_EVENT_SEGMENT;
  event.connection = c->id;
  event.side = sender;
  event.flags = packet->flags;
  event.rel_seq = hs_seq_sub (packet->seq, c->isn[sender]);
  event.rel_ack = (packet->flags & HS_TCP_ACK) ? hs_seq_sub (packet->ack, c->isn[receiver]) : 0;
  event.len = packet->payload_len;
  event.window = packet->window;
  /* RFC 7323: the window of a SYN is never scaled; the others are when
   * both SYNs offered scaling. */
  if (!(packet->flags & HS_TCP_SYN) && c->syn_seen[0] && c->syn_seen[1] && c->wscale[0] >= 0 &&
      c->wscale[1] >= 0)
    event.window = (guint32) packet->window << MIN (c->wscale[sender], 14);
  event.window_known = TRUE;
  event.options = packet->options;
  event.provenance = HS_PROVENANCE_CAPTURED;

  seg_len = packet->payload_len + ((packet->flags & HS_TCP_SYN) ? 1 : 0) +
            ((packet->flags & HS_TCP_FIN) ? 1 : 0);
  if (seg_len > 0)
    {
      guint slot = sent_set_lookup (&c->sent, sent_key (sender, packet->flags, packet->seq,
                                                        packet->payload_len));

      end = hs_seq_add (packet->seq, seg_len);
      /* Below the highest sequence number sent: not a key from before a
       * wrap of the sequence space. */
      if (c->sent.counts[slot] > 0 && c->snd_max_known[sender] &&
          hs_seq_lt (packet->seq, c->snd_max[sender]))
        {
          event.retransmission = c->sent.counts[slot];
          if (c->sent.counts[slot] < G_MAXUINT16)
            c->sent.counts[slot]++;
        }
      else
        c->sent.counts[slot] = 1;
      if (!c->snd_max_known[sender] || hs_seq_lt (c->snd_max[sender], end))
        c->snd_max[sender] = end;
      c->snd_max_known[sender] = TRUE;
    }

  if (packet->payload_len > 0)
    payload = g_bytes_new (data + packet->payload_off, packet->payload_len);
  event.data = payload;

  /* hs_trace_append() gives the next index; handlers of ::event-added may
   * already ask for the packet. */
  index = hs_trace_get_n_events (self->trace);
  offset = store_packet (self, index, data, len);

  /* ::notify handlers run once the event is in the trace. */
  g_object_freeze_notify (G_OBJECT (self));

  immediate = FALSE;
  if (self->drop_next)
    {
      self->drop_next = FALSE;
      event.fate = HS_SEGMENT_FATE_DROPPED;
      self->stats.dropped++;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DROP_NEXT]);
    }
  else if (self->mode == HS_WIRE_MODE_AUTO && self->flight_time_ms == 0 && self->held_len == 0)
    {
      write_packet (self, HS_SIDE_OTHER (host), data, len);
      event.fate = HS_SEGMENT_FATE_DELIVERED;
      immediate = TRUE;
    }
  else
    event.fate = HS_SEGMENT_FATE_HELD;

  if (event.fate == HS_SEGMENT_FATE_HELD)
    {
      HeldPacket held = { index, HS_SIDE_OTHER (host), (guint32) len, offset,
                          g_get_monotonic_time () };

      held_push (self, &held);
    }

  index = hs_trace_append (self->trace, &event);
  if (self->time_zero == 0)
    self->time_zero = g_get_real_time () - hs_trace_get_event (self->trace, index)->time_us;
  self->stats.segments++;

  if (!immediate && event.fate == HS_SEGMENT_FATE_HELD)
    reschedule (self);
  g_object_thaw_notify (G_OBJECT (self));

  g_signal_emit (self, signals[RECORDED], 0, index, (guint) host);
  if (immediate)
    g_signal_emit (self, signals[DELIVERED], 0, index, (guint) HS_SIDE_OTHER (host));
}

static void
handle_packet (HsWire *self, HsSide host, const guint8 *data, gsize len)
{
  HsPacket packet;

  self->stats.packets++;

  if (!hs_packet_parse (data, len, &packet, NULL))
    {
      /* Not TCP (ICMP, say): the hosts' business, not the lesson's. */
      self->stats.other++;
      write_packet (self, HS_SIDE_OTHER (host), data, len);
      return;
    }

  record_segment (self, &packet, host, data, len);
}

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static gboolean
read_cb (gint fd, GIOCondition condition, gpointer user_data)
{
  HsWire *self = user_data;
  HsSide host = fd == self->fd[HS_SIDE_CLIENT] ? HS_SIDE_CLIENT : HS_SIDE_SERVER;
  gint64 start = now_ns ();

  for (guint i = 0; i < READ_BUDGET; i++)
    {
      gssize len = read (fd, self->buffer, READ_BUFFER_SIZE);

      if (len < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno != EAGAIN && errno != EWOULDBLOCK)
            {
              g_warning ("Reading from the lab's %s device failed: %s",
                         host == HS_SIDE_CLIENT ? "client" : "server", g_strerror (errno));
              self->read_source[host] = NULL;
              self->stats.busy_ns += now_ns () - start;
              return G_SOURCE_REMOVE;
            }
          break;
        }
      if (len == 0)
        break;
      handle_packet (self, host, self->buffer, (gsize) len);
    }

  self->stats.busy_ns += now_ns () - start;
  return G_SOURCE_CONTINUE;
}

/* Reads what the kernels have sent, without waiting. */
static void
drain_input (HsWire *self)
{
  for (HsSide host = HS_SIDE_CLIENT; host <= HS_SIDE_SERVER; host++)
    for (guint i = 0; i < READ_BUDGET; i++)
      {
        gssize len = read (self->fd[host], self->buffer, READ_BUFFER_SIZE);

        if (len <= 0)
          break;
        handle_packet (self, host, self->buffer, (gsize) len);
      }
}

/* Auto mode's clock */

static gint64
deadline_of (HsWire *self, const HeldPacket *packet)
{
  return packet->captured_us + (gint64) self->flight_time_ms * 1000;
}

static void
reschedule (HsWire *self)
{
  if (self->timer == NULL)
    return;
  if (self->mode != HS_WIRE_MODE_AUTO || self->held_len == 0)
    g_source_set_ready_time (self->timer, -1);
  else
    g_source_set_ready_time (self->timer, deadline_of (self, held_nth (self, 0)));
}

static gboolean
timer_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  HsWire *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 start = now_ns ();

  g_object_ref (self);
  /* Flight times are equal, so capture order is deadline order. */
  while (self->mode == HS_WIRE_MODE_AUTO && self->held_len > 0 &&
         deadline_of (self, held_nth (self, 0)) <= now)
    {
      /* What the receiver answers is read before the next packet arrives,
       * as if they had not arrived in the same instant. */
      deliver_nth (self, 0);
      drain_input (self);
    }
  reschedule (self);
  self->stats.busy_ns += now_ns () - start;
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_funcs = {
  NULL, NULL, timer_dispatch, NULL, NULL, NULL,
};

static void
flush_held (HsWire *self)
{
  while (self->held_len > 0)
    deliver_nth (self, 0);
}

static void
trace_cleared_cb (HsWire *self, HsTrace *trace)
{
  /* What is on the wire still arrives, but belongs to no event now. */
  for (guint i = 0; i < self->held_len; i++)
    held_nth (self, i)->index = NO_INDEX;
  flush_held (self);

  g_hash_table_remove_all (self->connections);
  g_array_set_size (self->expected, 0);
  g_byte_array_set_size (self->store, 0);
  g_array_set_size (self->refs, 0);
  self->time_zero = 0;
}

static void
hs_wire_dispose (GObject *object)
{
  HsWire *self = (HsWire *) object;

  for (guint i = 0; i < 2; i++)
    {
      if (self->read_source[i] != NULL)
        {
          g_source_destroy (self->read_source[i]);
          g_clear_pointer (&self->read_source[i], g_source_unref);
        }
    }
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (self->trace != NULL)
    {
      g_clear_signal_handler (&self->cleared_id, self->trace);
      g_clear_object (&self->trace);
    }

  G_OBJECT_CLASS (hs_wire_parent_class)->dispose (object);
}

static void
hs_wire_finalize (GObject *object)
{
  HsWire *self = (HsWire *) object;

  for (guint i = 0; i < 2; i++)
    if (self->fd[i] >= 0)
      close (self->fd[i]);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_clear_pointer (&self->store, g_byte_array_unref);
  g_clear_pointer (&self->refs, g_array_unref);
  g_free (self->held);
  g_free (self->buffer);
  g_clear_pointer (&self->expected, g_array_unref);

  G_OBJECT_CLASS (hs_wire_parent_class)->finalize (object);
}

static void
hs_wire_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HsWire *self = HS_WIRE (object);

  switch (prop_id)
    {
      case PROP_TRACE:
        g_value_set_object (value, self->trace);
        break;

      case PROP_MODE:
        g_value_set_uint (value, self->mode);
        break;

      case PROP_FLIGHT_TIME:
        g_value_set_uint (value, self->flight_time_ms);
        break;

      case PROP_DROP_NEXT:
        g_value_set_boolean (value, self->drop_next);
        break;

      case PROP_N_HELD:
        g_value_set_uint (value, self->held_len);
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_wire_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HsWire *self = HS_WIRE (object);

  switch (prop_id)
    {
      case PROP_TRACE:
        self->trace = g_value_dup_object (value);
        break;

      case PROP_MODE:
        hs_wire_set_mode (self, g_value_get_uint (value));
        break;

      case PROP_FLIGHT_TIME:
        hs_wire_set_flight_time (self, g_value_get_uint (value));
        break;

      case PROP_DROP_NEXT:
        hs_wire_set_drop_next (self, g_value_get_boolean (value));
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_wire_class_init (HsWireClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_wire_dispose;
  object_class->finalize = hs_wire_finalize;
  object_class->get_property = hs_wire_get_property;
  object_class->set_property = hs_wire_set_property;

  properties[PROP_TRACE] =
      g_param_spec_object ("trace", NULL, NULL, HS_TYPE_TRACE,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* HsWireMode; a plain uint keeps the type registry out of it. */
  properties[PROP_MODE] =
      g_param_spec_uint ("mode", NULL, NULL, HS_WIRE_MODE_AUTO, HS_WIRE_MODE_STEP,
                         HS_WIRE_MODE_AUTO,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FLIGHT_TIME] =
      g_param_spec_uint ("flight-time", NULL, NULL, 0, 60 * 60 * 1000, DEFAULT_FLIGHT_TIME_MS,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DROP_NEXT] =
      g_param_spec_boolean ("drop-next", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_HELD] = g_param_spec_uint ("n-held", NULL, NULL, 0, G_MAXUINT, 0,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HsWire::recorded:
   * @index: the trace index of the segment
   * @host: the HsSide of the host that sent it
   *
   * A segment left @host and is in the trace.
   */
  signals[RECORDED] = g_signal_new ("recorded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);

  /**
   * HsWire::delivered:
   * @index: the trace index of the segment (G_MAXUINT when it has none)
   * @host: the HsSide of the host it was written to
   */
  signals[DELIVERED] = g_signal_new ("delivered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
hs_wire_init (HsWire *self)
{
  self->fd[0] = self->fd[1] = -1;
  self->flight_time_ms = DEFAULT_FLIGHT_TIME_MS;
  self->buffer = g_malloc (READ_BUFFER_SIZE);
  self->store = g_byte_array_sized_new (256 * 1024);
  self->refs = g_array_sized_new (FALSE, FALSE, sizeof (PacketRef), 1024);
  self->connections = g_hash_table_new_full (wire_connection_hash, wire_connection_equal, NULL,
                                             (GDestroyNotify) wire_connection_free);
  self->expected = g_array_new (FALSE, FALSE, sizeof (guint));
}

HsWire *
hs_wire_new (HsTrace *trace, int client_tun_fd, int server_tun_fd, GError **error)
{
  g_autoptr (HsWire) self = NULL;
  int fds[2] = { client_tun_fd, server_tun_fd };

  g_return_val_if_fail (HS_IS_TRACE (trace), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (HS_TYPE_WIRE, "trace", trace, NULL);
  self->context = g_main_context_ref_thread_default ();

  for (HsSide host = HS_SIDE_CLIENT; host <= HS_SIDE_SERVER; host++)
    {
      self->fd[host] = fcntl (fds[host], F_DUPFD_CLOEXEC, 3);
      if (self->fd[host] < 0 || !g_unix_set_fd_nonblocking (self->fd[host], TRUE, NULL))
        {
          int errsv = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       _ ("The lab network’s wire cannot use its devices: %s"), g_strerror (errsv));
          return NULL;
        }
    }

  for (HsSide host = HS_SIDE_CLIENT; host <= HS_SIDE_SERVER; host++)
    {
      self->read_source[host] = g_unix_fd_source_new (self->fd[host], G_IO_IN);
      g_source_set_callback (self->read_source[host], G_SOURCE_FUNC (read_cb), self, NULL);
      g_source_set_name (self->read_source[host], "[hs-wire] read");
      g_source_attach (self->read_source[host], self->context);
    }

  self->timer = g_source_new (&timer_funcs, sizeof (GSource));
  g_source_set_callback (self->timer, NULL, self, NULL);
  g_source_set_name (self->timer, "[hs-wire] flight");
  g_source_set_ready_time (self->timer, -1);
  g_source_attach (self->timer, self->context);

  self->cleared_id =
      g_signal_connect_swapped (self->trace, "cleared", G_CALLBACK (trace_cleared_cb), self);

  return g_steal_pointer (&self);
}

HsTrace *
hs_wire_get_trace (HsWire *self)
{
  g_return_val_if_fail (HS_IS_WIRE (self), NULL);

  return self->trace;
}

HsWireMode
hs_wire_get_mode (HsWire *self)
{
  g_return_val_if_fail (HS_IS_WIRE (self), HS_WIRE_MODE_AUTO);

  return self->mode;
}

void
hs_wire_set_mode (HsWire *self, HsWireMode mode)
{
  g_return_if_fail (HS_IS_WIRE (self));
  g_return_if_fail (mode == HS_WIRE_MODE_AUTO || mode == HS_WIRE_MODE_STEP);

  if (self->mode == mode)
    return;

  self->mode = mode;
  reschedule (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
}

guint
hs_wire_get_flight_time (HsWire *self)
{
  g_return_val_if_fail (HS_IS_WIRE (self), 0);

  return self->flight_time_ms;
}

void
hs_wire_set_flight_time (HsWire *self, guint flight_time_ms)
{
  g_return_if_fail (HS_IS_WIRE (self));

  if (self->flight_time_ms == flight_time_ms)
    return;

  self->flight_time_ms = flight_time_ms;
  reschedule (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLIGHT_TIME]);
}

gboolean
hs_wire_get_drop_next (HsWire *self)
{
  g_return_val_if_fail (HS_IS_WIRE (self), FALSE);

  return self->drop_next;
}

void
hs_wire_set_drop_next (HsWire *self, gboolean drop_next)
{
  g_return_if_fail (HS_IS_WIRE (self));

  drop_next = !!drop_next;
  if (self->drop_next == drop_next)
    return;

  self->drop_next = drop_next;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DROP_NEXT]);
}

guint
hs_wire_get_n_held (HsWire *self)
{
  g_return_val_if_fail (HS_IS_WIRE (self), 0);

  return self->held_len;
}

guint
hs_wire_get_held_index (HsWire *self, guint nth)
{
  g_return_val_if_fail (HS_IS_WIRE (self), NO_INDEX);
  g_return_val_if_fail (nth < self->held_len, NO_INDEX);

  return held_nth (self, nth)->index;
}

gboolean
hs_wire_is_held (HsWire *self, guint index)
{
  guint nth;

  g_return_val_if_fail (HS_IS_WIRE (self), FALSE);

  return index != NO_INDEX && held_find (self, index, &nth);
}

gboolean
hs_wire_deliver (HsWire *self)
{
  g_return_val_if_fail (HS_IS_WIRE (self), FALSE);

  if (self->held_len == 0)
    return FALSE;

  deliver_nth (self, 0);
  reschedule (self);
  return TRUE;
}

gboolean
hs_wire_deliver_index (HsWire *self, guint index)
{
  guint nth;

  g_return_val_if_fail (HS_IS_WIRE (self), FALSE);

  if (index == NO_INDEX || !held_find (self, index, &nth))
    return FALSE;

  deliver_nth (self, nth);
  reschedule (self);
  return TRUE;
}

gboolean
hs_wire_drop (HsWire *self, guint index)
{
  guint nth;

  g_return_val_if_fail (HS_IS_WIRE (self), FALSE);

  if (index == NO_INDEX || !held_find (self, index, &nth))
    return FALSE;

  held_remove (self, nth);
  self->stats.dropped++;
  hs_trace_update_segment_fate (self->trace, index, HS_SEGMENT_FATE_DROPPED);
  reschedule (self);
  return TRUE;
}

void
hs_wire_deliver_all (HsWire *self)
{
  guint n;

  g_return_if_fail (HS_IS_WIRE (self));

  /* One at a time, each followed by what its receiver answered, as if they
   * had arrived one after the other: the answers are recorded in the order
   * the kernels sent them and fly with the flight time of Auto. */
  hs_wire_set_mode (self, HS_WIRE_MODE_AUTO);
  n = self->held_len;
  for (guint i = 0; i < n && self->held_len > 0; i++)
    {
      deliver_nth (self, 0);
      drain_input (self);
    }
  reschedule (self);
}

gboolean
hs_wire_get_packet (HsWire *self, guint index, const guint8 **data, gsize *len)
{
  const PacketRef *ref;

  g_return_val_if_fail (HS_IS_WIRE (self), FALSE);

  ref = find_packet (self, index);
  if (ref == NULL)
    return FALSE;
  if (data != NULL)
    *data = self->store->data + ref->offset;
  if (len != NULL)
    *len = ref->len;
  return TRUE;
}

gint64
hs_wire_get_time_zero (HsWire *self)
{
  g_return_val_if_fail (HS_IS_WIRE (self), 0);

  return self->time_zero;
}

void
hs_wire_get_stats (HsWire *self, HsWireStats *stats)
{
  g_return_if_fail (HS_IS_WIRE (self));
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
}

void
hs_wire_expect_connection (HsWire *self, guint id)
{
  g_return_if_fail (HS_IS_WIRE (self));

  g_array_append_val (self->expected, id);
}

gboolean
hs_wire_input_pending (HsWire *self)
{
  struct pollfd fds[2];

  g_return_val_if_fail (HS_IS_WIRE (self), FALSE);

  for (guint i = 0; i < 2; i++)
    {
      fds[i].fd = self->fd[i];
      fds[i].events = POLLIN;
      fds[i].revents = 0;
    }
  return poll (fds, 2, 0) > 0;
}
