/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-session"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "hs-live-capture.h"
#include "hs-client.h"
#include "hs-endpoint.h"
#include "hs-interfaces.h"
#include "hs-lab-network.h"
#include "hs-net-error.h"
#include "hs-pace.h"
#include "hs-server.h"
#include "hs-session.h"
#include "hs-sock-diag.h"
#include "hs-socket-item.h"

#define BUSY_INTERVAL_MS        16
#define IDLE_INTERVAL_MS        250
#define BUSY_WINDOW_US          (2 * G_USEC_PER_SEC)
#define DISCOVERY_INTERVAL_US   (1 * G_USEC_PER_SEC)
#define ALL_SOCKETS_INTERVAL_US (G_USEC_PER_SEC / 2)
#define HIGHLIGHT_US            (3 * G_USEC_PER_SEC / 2)
/* The table's share of a poll when it takes in a large dump. */
#define DUMP_SLICE_US 3000
/* In the server role the states of all connections come from one filtered
 * dump: this often while something changes. */
#define SERVER_DUMP_INTERVAL_US (50 * 1000)
/* Captured segments of connections not known yet (the SYN arrives before
 * accept() returns): at most this many per connection and in all. */
#define PENDING_PER_CONN 64
#define PENDING_MAX      65536
/* A connection not accepted this long after its last segment never will
 * be (refused over the cap, a SYN flood, another program's connection). */
#define PENDING_AGE_US (10 * G_USEC_PER_SEC)

/* One connection of the session and the sockets the session holds for it. */
typedef struct
{
  guint id;
  HsEndpoint *endpoint[2];
  HsAddress client; /* port 0 until the kernel has chosen it */
  HsAddress server;
  gboolean tuple_known;
  gboolean seen[2];     /* the kernel has shown this side's socket */
  gboolean gone[2];     /* ... and has since forgotten it */
  gboolean connecting;  /* the client's connect() is in flight */
  gboolean syn_pending; /* connect() was called; its SYN not yet shown */
  gboolean aborted[2];
  char *target; /* "host:port" as the user typed it */
  char *key;    /* of (client, server), once the 4-tuple is known */
  HsConnectionItem *item;
  gsize bytes_kept;
  gint64 accepted_us; /* when accept() returned it, 0 for our own client's */
  gint64 acted_us;    /* when the application last did something to it */
  guint32 last_syn_seq[2];
  guint syn_count[2];
} Conn;

/* A captured segment waiting for its connection to become known. */
typedef struct
{
  HsPacket packet;
  gint64 time_us;
} Pending;

struct _HsSession
{
  GObject parent_instance;

  HsNetworkKind network;
  HsTrace *trace;
  HsInference *inference;
  HsServer *server;
  HsClient *client;
  HsSockDiag *diag;
  char *table_source;

  GPtrArray *conns; /* Conn*, newest last */
  Conn *connecting; /* the attempt HsClient is making */

  GListStore *sockets;    /* HsSocketItem */
  GPtrArray *new_items;   /* HsSocketItem not yet in the store (one splice) */
  GHashTable *items;      /* key → HsSocketItem (borrowed from the store) */
  GArray *dumped;         /* HsSocketRow from the last discovery dump */
  guint dump_applied;     /* how many rows of it the table has taken */
  GHashTable *dump_keys;  /* keys of the rows taken from it */
  GHashTable *known_keys; /* keys the last poll read by lookup */
  gboolean sweep_needed;
  GCancellable *dump_cancellable;
  gboolean dump_running;
  gint64 last_dump_us;
  gint64 dump_started_us;   /* when the dump in flight (or the latest) began */
  gint64 dumped_started_us; /* when the dump in dumped began */
  guint states_id;          /* the server's states from dumped, after a frame */

  gboolean show_all;
  gboolean proc_backend; /* /proc fallback: no cheap lookups, read dumps */
  guint poll_id;
  guint poll_interval;
  gint64 busy_until_us;

  /* The simulated network (HS_NETWORK_SIM): every action goes to it and
   * the kernel is never polled. */
  HsSim *sim;
  /* The lab network (HS_NETWORK_LAB): the same, with real kernels. */
  HsLabNetwork *lab;
  gboolean sim_realtime;
  gint64 sim_wall_origin;
  gint64 sim_virtual_origin;
  guint sim_tick_id;

  /* The roles of the host network. */
  HsSessionRole role;
  gboolean allow_remote;
  guint max_connections;
  gsize max_bytes_kept;
  guint n_refused;
  GListStore *connections; /* HsConnectionItem */
  GHashTable *conn_by_key; /* key of (client, server) → Conn* (borrowed) */

  /* Capture (server and client roles, with CAP_NET_RAW). */
  gboolean capture_enabled;
  HsLiveCapture *capture;
  char *capture_description;
  GHashTable *pending; /* key of (client, server) → GArray of Pending */
  guint n_pending;
  gint64 last_prune_us;
  guint16 capture_ports[2];
};

enum
{
  PROP_0,
  PROP_NETWORK,
  PROP_LISTENING,
  PROP_SHOW_ALL,
  PROP_ROLE,
  PROP_ALLOW_REMOTE,
  PROP_MAX_CONNECTIONS,
  PROP_N_REFUSED,
  PROP_CAPTURE_MODE,
  N_PROPS
};

enum
{
  ERROR,
  CHANGED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (HsSession, hs_session, G_TYPE_OBJECT)
G_DEFINE_QUARK (hs - session - error - quark, hs_session_error)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void schedule_poll (HsSession *self);
static const char *owner_of_row (HsSession *self, const HsSocketRow *row);

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
  g_free (c->target);
  g_free (c->key);
  g_clear_object (&c->item);
  g_free (c);
}

static void
mark_busy (HsSession *self)
{
  self->busy_until_us = g_get_monotonic_time () + BUSY_WINDOW_US;
  schedule_poll (self);
}

static void
report_error (HsSession *self,
              guint connection,
              HsSide side,
              HsTraceError kind,
              const char *message)
{
  hs_inference_error (self->inference, connection, side, kind, message);
  g_signal_emit (self, signals[ERROR], 0, (guint) kind, message);
}

/* The newest connection whose @side the user can still act on. */
static Conn *
find_active (HsSession *self, HsSide side)
{
  for (guint i = self->conns->len; i-- > 0;)
    {
      Conn *c = g_ptr_array_index (self->conns, i);

      if (c->endpoint[side] != NULL && hs_endpoint_is_open (c->endpoint[side]))
        return c;
      if (side == HS_SIDE_CLIENT && c->connecting)
        return c;
    }
  return NULL;
}

/* Our end of @c: the side whose socket this process holds. */
static HsSide
our_side (HsSession *self, Conn *c)
{
  if (self->role == HS_SESSION_ROLE_SERVER)
    return HS_SIDE_SERVER;
  if (self->role == HS_SESSION_ROLE_CLIENT)
    return HS_SIDE_CLIENT;
  return c->endpoint[HS_SIDE_SERVER] != NULL && c->endpoint[HS_SIDE_CLIENT] == NULL
             ? HS_SIDE_SERVER
             : HS_SIDE_CLIENT;
}

/* In a role the session shows only its own end: the other end is on
 * another machine, whatever the loopback of a test may reveal. */
static gboolean
observes_side (HsSession *self, HsSide side)
{
  switch (self->role)
    {
      case HS_SESSION_ROLE_SERVER:
        return side == HS_SIDE_SERVER;
      case HS_SESSION_ROLE_CLIENT:
        return side == HS_SIDE_CLIENT;
      case HS_SESSION_ROLE_LOCAL:
      default:
        return TRUE;
    }
}

static Conn *
lookup_conn (HsSession *self, const HsAddress *client, const HsAddress *server)
{
  g_autofree char *key = hs_socket_item_make_key (client, server);

  return g_hash_table_lookup (self->conn_by_key, key);
}

static void
conn_add_item (HsSession *self, Conn *c, const HsAddress *peer)
{
  c->item = hs_connection_item_new (c->id, peer, g_get_monotonic_time ());
  g_list_store_append (self->connections, c->item);
}

static void
update_items (HsSession *self)
{
  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *c = g_ptr_array_index (self->conns, i);
      HsSide side;

      if (c->item == NULL)
        continue;
      side = our_side (self, c);
      hs_connection_item_set_state (c->item, hs_inference_get_state (self->inference, c->id, side));
      hs_connection_item_set_open (c->item, c->endpoint[side] != NULL
                                                ? hs_endpoint_is_open (c->endpoint[side])
                                                : side == HS_SIDE_CLIENT && c->connecting);
    }
}

/* Capture. */

static void
record_captured (HsSession *self, Conn *c, const HsPacket *packet)
{
  HsSide side = hs_address_equal (&packet->src, &c->client) ? HS_SIDE_CLIENT : HS_SIDE_SERVER;
  HsSide other = HS_SIDE_OTHER (side);
  HsEvent event = { 0 };
  guint32 isn;

  if (packet->flags & HS_TCP_SYN)
    {
      /* The same SYN again is the kernel retransmitting it. */
      if (c->syn_count[side] > 0 && packet->seq == c->last_syn_seq[side])
        event.retransmission = c->syn_count[side];
      c->syn_count[side]++;
      c->last_syn_seq[side] = packet->seq;
      if (!hs_trace_connection_get_isn (self->trace, c->id, side, NULL))
        hs_trace_set_isn (self->trace, c->id, side, packet->seq);
    }

  event.kind = HS_EVENT_SEGMENT;
  event.connection = c->id;
  event.side = side;
  event.flags = packet->flags;
  event.rel_seq = hs_trace_connection_get_isn (self->trace, c->id, side, &isn) ? packet->seq - isn
                                                                               : packet->seq;
  if (packet->flags & HS_TCP_ACK)
    event.rel_ack = hs_trace_connection_get_isn (self->trace, c->id, other, &isn)
                        ? packet->ack - isn
                        : packet->ack;
  event.len = packet->payload_len;
  event.window = packet->window;
  event.window_known = TRUE;
  event.options = packet->options;
  event.provenance = HS_PROVENANCE_CAPTURED;
  event.fate = HS_SEGMENT_FATE_DELIVERED;
  hs_trace_append (self->trace, &event);
}

/* Records the captured segments that waited for @c to become known; with
 * @handshake_only, only up to the ACK that completed the handshake, so that
 * what accept() implies comes before the data that followed. */
static void
flush_pending (HsSession *self, Conn *c, gboolean handshake_only)
{
  GArray *waiting;
  guint n = 0;

  if (self->pending == NULL || c->key == NULL)
    return;
  waiting = g_hash_table_lookup (self->pending, c->key);
  if (waiting == NULL)
    return;

  while (n < waiting->len)
    {
      const HsPacket *packet = &g_array_index (waiting, Pending, n++).packet;

      record_captured (self, c, packet);
      if (handshake_only && (packet->flags & (HS_TCP_SYN | HS_TCP_ACK)) == HS_TCP_ACK &&
          hs_address_equal (&packet->src, &c->client))
        break;
    }
  self->n_pending -= MIN (self->n_pending, n);
  if (n < waiting->len)
    g_array_remove_range (waiting, 0, n);
  else
    g_hash_table_remove (self->pending, c->key);
}

/* The 4-tuple of @c is known: index it, and where segments are captured,
 * take the ones that arrived before the connection was known. */
static void
conn_set_key (HsSession *self, Conn *c)
{
  if (c->key != NULL)
    return;

  c->key = hs_socket_item_make_key (&c->client, &c->server);
  if (self->capture != NULL)
    {
      /* Read what the socket has queued while the connection is still
       * unknown, so that it all waits in order in the pending list. */
      hs_inference_set_captured (self->inference, c->id, TRUE);
      hs_live_capture_drain (self->capture);
    }
  g_hash_table_insert (self->conn_by_key, g_strdup (c->key), c);
  if (self->capture != NULL)
    flush_pending (self, c, self->role == HS_SESSION_ROLE_SERVER);
}

static void
capture_segment_cb (HsLiveCapture *capture,
                    const HsPacket *packet,
                    gint64 time_us,
                    gpointer user_data)
{
  HsSession *self = HS_SESSION (user_data);
  const HsAddress *client;
  const HsAddress *server;
  g_autofree char *key = NULL;
  GArray *waiting;
  Conn *c;

  /* Which end is the client: the one not on the session's server port. */
  if (packet->dst.port == self->capture_ports[0])
    client = &packet->src, server = &packet->dst;
  else
    client = &packet->dst, server = &packet->src;

  key = hs_socket_item_make_key (client, server);
  c = g_hash_table_lookup (self->conn_by_key, key);
  if (c != NULL)
    {
      record_captured (self, c, packet);
      mark_busy (self);
      return;
    }

  /* Our own attempt's SYN names the client's port before connect()
   * returns (and even when it fails at once). */
  c = self->connecting;
  if (c != NULL && !c->tuple_known && (packet->flags & (HS_TCP_SYN | HS_TCP_ACK)) == HS_TCP_SYN &&
      hs_address_equal (&packet->dst, &c->server))
    {
      c->client = packet->src;
      c->tuple_known = TRUE;
      hs_trace_set_connection_address (self->trace, c->id, HS_SIDE_CLIENT, &c->client);
      /* The SYN first: indexing the connection reads the segments queued
       * behind it. */
      record_captured (self, c, packet);
      if (c->syn_pending)
        {
          c->syn_pending = FALSE;
          hs_inference_syn_sent (self->inference, c->id);
        }
      conn_set_key (self, c);
      mark_busy (self);
      return;
    }

  /* A connection not accepted yet: keep its first segments for a while. */
  if (self->n_pending >= PENDING_MAX)
    return;
  waiting = g_hash_table_lookup (self->pending, key);
  if (waiting == NULL)
    {
      waiting = g_array_new (FALSE, FALSE, sizeof (Pending));
      g_hash_table_insert (self->pending, g_steal_pointer (&key), waiting);
    }
  if (waiting->len >= PENDING_PER_CONN)
    return;
  g_array_append_vals (waiting, &(Pending){ .packet = *packet, .time_us = time_us }, 1);
  self->n_pending++;
}

/* Segments of connections never accepted (refused over the cap, a SYN
 * flood) must not pile up: once a second, those whose latest segment is
 * old are forgotten. A burst of a class's connections waiting in the
 * backlog is young, and stays. */
static void
prune_pending (HsSession *self, gint64 now_us)
{
  GHashTableIter iter;
  GArray *waiting;

  if (self->pending == NULL || self->n_pending == 0 ||
      now_us - self->last_prune_us < G_USEC_PER_SEC)
    return;
  self->last_prune_us = now_us;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &waiting))
    if (now_us - g_array_index (waiting, Pending, waiting->len - 1).time_us > PENDING_AGE_US)
      {
        self->n_pending -= MIN (self->n_pending, waiting->len);
        g_hash_table_iter_remove (&iter);
      }
}

static void
start_capture (HsSession *self, guint16 port)
{
  g_autoptr (GError) error = NULL;

  if (!self->capture_enabled || self->role == HS_SESSION_ROLE_LOCAL || self->lab != NULL ||
      self->sim != NULL)
    return;

  if (self->capture == NULL)
    {
      self->capture = hs_live_capture_new (&error);
      if (self->capture == NULL)
        {
          /* Inference goes on, and the UI says why there is no capture. */
          g_free (self->capture_description);
          self->capture_description = g_strdup (error->message);
          return;
        }
      g_signal_connect (self->capture, "segment", G_CALLBACK (capture_segment_cb), self);
      g_clear_pointer (&self->capture_description, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPTURE_MODE]);
    }

  self->capture_ports[0] = port;
  if (!hs_live_capture_set_ports (self->capture, self->capture_ports, 1, &error))
    {
      g_debug ("Capture filter: %s", error->message);
      g_signal_handlers_disconnect_by_data (self->capture, self);
      g_clear_object (&self->capture);
      self->capture_description = g_strdup (error->message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPTURE_MODE]);
    }
}

static char *
format_timer (const HsSocketRow *row)
{
  guint seconds = (row->expires_ms + 999) / 1000;

  switch (row->timer)
    {
      case 1:
        return g_strdup_printf (_ ("retransmit %.1f s"), row->expires_ms / 1000.0);
      case 2:
        return g_strdup_printf (_ ("keepalive %u s"), seconds);
      case 3:
        /* TRANSLATORS: the TIME_WAIT countdown in the socket table */
        return g_strdup_printf (_ ("%u s"), seconds);
      case 4:
        return g_strdup_printf (_ ("probe %.1f s"), row->expires_ms / 1000.0);
      default:
        return g_strdup ("");
    }
}

/* Puts @row into the table (a new item, or the existing one updated in
 * place) unless @skip already has its key, and records the key in @record. */
static void
update_item (HsSession *self,
             GHashTable *skip,
             GHashTable *record,
             const HsSocketRow *row,
             const char *owner,
             gint64 now_us)
{
  g_autofree char *key = hs_socket_item_make_key (&row->local, &row->remote);
  g_autofree char *timer = NULL;
  HsSocketItem *item;

  if (skip != NULL && g_hash_table_contains (skip, key))
    return;

  item = g_hash_table_lookup (self->items, key);
  if (item == NULL)
    {
      /* New rows go into the store together (flush_new_items()): one
       * ::items-changed for a burst of connections, not one each. */
      item = hs_socket_item_new (&row->local, &row->remote);
      g_hash_table_insert (self->items, g_strdup (key), item);
      g_ptr_array_add (self->new_items, item);
    }

  timer = format_timer (row);
  hs_socket_item_set_state (item, row->state, now_us);
  hs_socket_item_set_queues (item, row->send_q, row->recv_q);
  hs_socket_item_set_timer (item, timer);
  hs_socket_item_set_time_wait_deadline (item,
                                         row->timer == 3 && row->state == HS_TCP_STATE_TIME_WAIT
                                             ? now_us + (gint64) row->expires_ms * 1000
                                             : 0);
  hs_socket_item_set_owner (item, owner);
  hs_socket_item_age (item, now_us, HIGHLIGHT_US);

  g_hash_table_add (record, g_steal_pointer (&key));
}

static void
flush_new_items (HsSession *self)
{
  if (self->new_items->len == 0)
    return;
  g_list_store_splice (self->sockets, g_list_model_get_n_items (G_LIST_MODEL (self->sockets)), 0,
                       self->new_items->pdata, self->new_items->len);
  g_ptr_array_set_size (self->new_items, 0);
}

static void
remove_item (HsSession *self, const char *key)
{
  HsSocketItem *item = g_hash_table_lookup (self->items, key);
  guint position;

  flush_new_items (self);
  if (item != NULL && g_list_store_find (self->sockets, item, &position))
    {
      g_hash_table_remove (self->items, key);
      g_list_store_remove (self->sockets, position);
    }
}

/* Removes every item that neither the lookups of this poll (@fresh) nor
 * the latest dump has. Walks the whole table, so it runs once per dump. */
static void
remove_stale_items (HsSession *self, GHashTable *fresh)
{
  guint run_end = 0; /* one past the last stale item of the current run */

  flush_new_items (self);

  /* From the end, a run of stale items at a time: a class's connections
   * end together, and each removal is a signal the table answers. */
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->sockets)); i-- > 0;)
    {
      g_autoptr (HsSocketItem) item = g_list_model_get_item (G_LIST_MODEL (self->sockets), i);
      const char *key = hs_socket_item_get_key (item);

      if (g_hash_table_contains (fresh, key) || g_hash_table_contains (self->dump_keys, key))
        {
          if (run_end != 0)
            g_list_store_splice (self->sockets, i + 1, run_end - (i + 1), NULL, 0);
          run_end = 0;
          continue;
        }
      g_hash_table_remove (self->items, key);
      if (run_end == 0)
        run_end = i + 1;
    }
  if (run_end != 0)
    g_list_store_splice (self->sockets, 0, run_end, NULL, 0);
}

/* Takes rows of the latest dump into the table for at most @budget_us, so
 * that a dump of every socket of a busy host is spread over several polls
 * instead of stalling a frame. Returns TRUE when the last row went in. */
static gboolean
apply_dump_slice (HsSession *self, GHashTable *fresh, gint64 now_us, gint64 budget_us)
{
  if (self->dumped == NULL || self->dump_applied >= self->dumped->len)
    return FALSE;

  while (self->dump_applied < self->dumped->len)
    {
      const HsSocketRow *row = &g_array_index (self->dumped, HsSocketRow, self->dump_applied++);

      update_item (self, fresh, self->dump_keys, row, owner_of_row (self, row), now_us);
      /* A frame falling due comes before the rest, too (src/net/hs-pace.c). */
      if ((self->dump_applied & 63) == 0 &&
          (g_get_monotonic_time () - now_us > budget_us || hs_pace_frame_due ()))
        break;
    }

  return self->dump_applied == self->dumped->len;
}

/* The server role reads the states of all its connections from one dump
 * filtered on its port, instead of a lookup per connection and poll. A
 * connection that was accepted before the dump began and is not in it is
 * gone (a short one may never have been seen at all). */
static void
apply_server_states (HsSession *self, GArray *rows, gint64 started_us)
{
  g_autoptr (GHashTable) present = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      const HsSocketRow *row = &g_array_index (rows, HsSocketRow, i);
      Conn *c;

      if (row->state == HS_TCP_STATE_LISTEN)
        continue;
      /* Our end: local is the server, remote the client. */
      c = lookup_conn (self, &row->remote, &row->local);
      if (c == NULL || c->gone[HS_SIDE_SERVER])
        continue;
      c->seen[HS_SIDE_SERVER] = TRUE;
      g_hash_table_add (present, c);
      /* The dump is a picture taken when it began: a connection the
       * application closed since then, or whose peer's segments moved it
       * on (its FIN, captured or read), is not taken back to its old
       * state. */
      if (c->acted_us >= started_us ||
          hs_inference_get_changed_us (self->inference, c->id, HS_SIDE_SERVER) >= started_us)
        continue;
      hs_inference_kernel_state (self->inference, c->id, HS_SIDE_SERVER, row->state, FALSE);
    }

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *c = g_ptr_array_index (self->conns, i);

      if ((c->seen[HS_SIDE_SERVER] || (c->accepted_us != 0 && c->accepted_us < started_us)) &&
          c->acted_us < started_us && !c->gone[HS_SIDE_SERVER] &&
          !g_hash_table_contains (present, c))
        {
          c->gone[HS_SIDE_SERVER] = TRUE;
          hs_inference_kernel_state (self->inference, c->id, HS_SIDE_SERVER, HS_TCP_STATE_UNKNOWN,
                                     TRUE);
        }
    }
}

static void take_server_states (HsSession *self);

static gboolean
server_states_cb (gpointer user_data)
{
  HsSession *self = HS_SESSION (user_data);

  self->states_id = 0;
  take_server_states (self);
  return G_SOURCE_REMOVE;
}

/* The server's connections' states from the latest dump: a frame that is
 * due comes first (src/net/hs-pace.c), as taking a class's states in is a
 * few milliseconds' work. */
static void
take_server_states (HsSession *self)
{
  if (self->states_id != 0 || self->dumped == NULL)
    return;
  if (hs_pace_frame_due ())
    {
      self->states_id = g_idle_add_full (hs_pace_get_priority (), server_states_cb, self, NULL);
      return;
    }
  apply_server_states (self, self->dumped, self->dumped_started_us);
  update_items (self);
}

static void
dump_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (HsSession) self = HS_SESSION (user_data);
  g_autoptr (GError) error = NULL;
  GArray *rows;

  self->dump_running = FALSE;
  rows = hs_sock_diag_dump_finish (HS_SOCK_DIAG (object), result, &error);
  if (rows == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Socket dump failed: %s", error->message);
      return;
    }

  g_clear_pointer (&self->dumped, g_array_unref);
  self->dumped = rows;
  self->dumped_started_us = self->dump_started_us;
  self->dump_applied = 0;
  g_hash_table_remove_all (self->dump_keys);

  if (self->role == HS_SESSION_ROLE_SERVER && !self->proc_backend)
    take_server_states (self);
}

/* Discovers sockets the session did not create itself (a client from
 * elsewhere, an old TIME_WAIT on the same port), or every socket of the
 * host in the all-sockets view. The dump walks the kernel's whole table, so
 * it runs in a worker thread and seldom; the session's own sockets are read
 * by exact lookups on every poll instead. */
static void
maybe_start_dump (HsSession *self, gint64 now_us)
{
  g_autoptr (GArray) ports = NULL;
  gint64 interval = self->show_all ? ALL_SOCKETS_INTERVAL_US : DISCOVERY_INTERVAL_US;

  /* Without netlink every reading walks /proc: read continuously (in the
   * worker) while something changes, and take the session's sockets from
   * the result. */
  if (self->proc_backend)
    interval = now_us < self->busy_until_us ? 0 : IDLE_INTERVAL_MS * 1000;
  else if (self->role == HS_SESSION_ROLE_SERVER && now_us < self->busy_until_us)
    interval = SERVER_DUMP_INTERVAL_US;

  if (self->dump_running || now_us - self->last_dump_us < interval)
    return;
  /* The table is still taking the previous dump in. */
  if (self->dumped != NULL && self->dump_applied < self->dumped->len)
    return;

  ports = g_array_new (FALSE, FALSE, sizeof (guint16));
  if (!self->show_all)
    {
      if (hs_server_is_listening (self->server))
        g_array_append_val (ports, hs_server_get_address (self->server)->port);
      for (guint i = 0; i < self->conns->len; i++)
        {
          Conn *c = g_ptr_array_index (self->conns, i);

          gboolean listed = FALSE;

          if (c->server.port == 0 || (c->gone[0] && c->gone[1]))
            continue;
          /* A class's connections share the server's port: list it once. */
          for (guint j = 0; j < ports->len && !listed; j++)
            listed = g_array_index (ports, guint16, j) == c->server.port;
          if (!listed)
            g_array_append_val (ports, c->server.port);
        }
      if (ports->len == 0)
        {
          g_clear_pointer (&self->dumped, g_array_unref);
          g_hash_table_remove_all (self->dump_keys);
          self->sweep_needed = TRUE;
          return;
        }
    }

  self->dump_running = TRUE;
  self->last_dump_us = now_us;
  self->dump_started_us = g_get_monotonic_time ();
  /* Taking the dump in is work of the network's (src/net/hs-pace.c). */
  hs_sock_diag_dump_async (self->diag, (const guint16 *) ports->data, ports->len, 0,
                           hs_pace_get_priority (), self->dump_cancellable, dump_cb,
                           g_object_ref (self));
}

static void
learn_client_port (HsSession *self, Conn *c)
{
  GSocket *pending = hs_client_get_pending_socket (self->client);
  g_autoptr (GSocketAddress) local = NULL;
  HsAddress address;

  if (c->tuple_known || pending == NULL || g_socket_is_closed (pending))
    return;

  /* connect() binds the socket to an ephemeral port before the SYN leaves;
   * reading it back names the 4-tuple the kernel can be asked about. */
  local = g_socket_get_local_address (pending, NULL);
  if (local == NULL || !hs_address_from_gsocket_address (local, &address) || address.port == 0)
    return;

  c->client = address;
  c->tuple_known = TRUE;
  conn_set_key (self, c);
  if (c->syn_pending)
    {
      c->syn_pending = FALSE;
      hs_inference_syn_sent (self->inference, c->id);
    }
  hs_trace_set_connection_address (self->trace, c->id, HS_SIDE_CLIENT, &address);
}

typedef enum
{
  LOOKUP_FOUND,
  LOOKUP_ABSENT,
  LOOKUP_UNKNOWN,
} LookupResult;

static LookupResult
find_in_dump (HsSession *self,
              const HsAddress *local,
              const HsAddress *remote,
              gboolean listener,
              HsSocketRow *row)
{
  if (self->dumped == NULL)
    return LOOKUP_UNKNOWN;

  for (guint i = 0; i < self->dumped->len; i++)
    {
      const HsSocketRow *r = &g_array_index (self->dumped, HsSocketRow, i);

      if (listener ? (r->state == HS_TCP_STATE_LISTEN && r->local.port == local->port)
                   : (hs_address_equal (&r->local, local) && hs_address_equal (&r->remote, remote)))
        {
          *row = *r;
          return LOOKUP_FOUND;
        }
    }
  return LOOKUP_ABSENT;
}

/* Reads one socket of the session: an O(1) netlink request, or a search
 * of the latest /proc reading with the fallback. */
static LookupResult
lookup_socket (HsSession *self, const HsAddress *local, const HsAddress *remote, HsSocketRow *row)
{
  g_autoptr (GError) error = NULL;
  gboolean found;

  if (self->proc_backend)
    return find_in_dump (self, local, remote, remote == NULL, row);

  if (remote == NULL)
    found = hs_sock_diag_lookup_listener (self->diag, local, row, &error);
  else
    found = hs_sock_diag_lookup (self->diag, local, remote, row, &error);

  if (error != NULL)
    {
      g_debug ("Lookup failed: %s", error->message);
      return LOOKUP_UNKNOWN;
    }
  return found ? LOOKUP_FOUND : LOOKUP_ABSENT;
}

static void
poll_conn (HsSession *self, Conn *c, GHashTable *fresh, gint64 now_us)
{
  if (c->connecting && c == self->connecting)
    {
      GSocket *pending = hs_client_get_pending_socket (self->client);
      HsTcpInfo info;

      learn_client_port (self, c);
      /* Each SYN the kernel sends again is counted in TCP_INFO. */
      if (pending != NULL && hs_tcp_info_read (pending, &info) && info.total_retrans > 0)
        hs_inference_syn_retransmitted (self->inference, c->id, info.total_retrans);
    }

  if (!c->tuple_known)
    return;

  for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
    {
      const HsAddress *local = side == HS_SIDE_CLIENT ? &c->client : &c->server;
      const HsAddress *remote = side == HS_SIDE_CLIENT ? &c->server : &c->client;
      HsSocketRow row;

      if (c->gone[side] || !observes_side (self, side))
        continue;

      switch (lookup_socket (self, local, remote, &row))
        {
          case LOOKUP_FOUND:
            c->seen[side] = TRUE;
            hs_inference_kernel_state (self->inference, c->id, side, row.state, FALSE);
            update_item (self, NULL, fresh, &row, hs_side_to_string (side), now_us);
            break;
          case LOOKUP_ABSENT:
            if (c->seen[side])
              {
                c->gone[side] = TRUE;
                hs_inference_kernel_state (self->inference, c->id, side, HS_TCP_STATE_UNKNOWN,
                                           TRUE);
              }
            break;
          case LOOKUP_UNKNOWN:
          default:
            break;
        }
    }
}

static const char *
owner_of_row (HsSession *self, const HsSocketRow *row)
{
  if (hs_server_is_listening (self->server) &&
      hs_address_equal (&row->local, hs_server_get_address (self->server)) &&
      row->state == HS_TCP_STATE_LISTEN)
    return "server";

  if (lookup_conn (self, &row->local, &row->remote) != NULL)
    return "client";
  if (lookup_conn (self, &row->remote, &row->local) != NULL)
    return "server";

  return "";
}

static void lab_poll (HsSession *self);

static void
poll_kernel (HsSession *self)
{
  g_autoptr (GHashTable) fresh = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 now_us = g_get_monotonic_time ();

  if (self->lab != NULL)
    {
      lab_poll (self);
      return;
    }

  if (hs_server_is_listening (self->server))
    {
      HsSocketRow row;

      if (lookup_socket (self, hs_server_get_address (self->server), NULL, &row) == LOOKUP_FOUND)
        {
          hs_inference_kernel_state (self->inference, 0, HS_SIDE_SERVER, row.state, FALSE);
          update_item (self, NULL, fresh, &row, "server", now_us);
        }
    }

  /* The server role reads its connections from the dump (dump_cb). */
  if (self->role != HS_SESSION_ROLE_SERVER || self->proc_backend)
    for (guint i = 0; i < self->conns->len; i++)
      poll_conn (self, g_ptr_array_index (self->conns, i), fresh, now_us);
  update_items (self);
  prune_pending (self, now_us);

  maybe_start_dump (self, now_us);
  if (apply_dump_slice (self, fresh, now_us, DUMP_SLICE_US) || self->sweep_needed)
    {
      remove_stale_items (self, fresh);
      self->sweep_needed = FALSE;
    }
  else
    {
      /* Between dumps only the session's own sockets can vanish. */
      GHashTableIter iter;
      const char *key;

      g_hash_table_iter_init (&iter, self->known_keys);
      while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
        if (!g_hash_table_contains (fresh, key) && !g_hash_table_contains (self->dump_keys, key))
          remove_item (self, key);
    }

  flush_new_items (self);
  g_clear_pointer (&self->known_keys, g_hash_table_unref);
  self->known_keys = g_steal_pointer (&fresh);
}

static gboolean
poll_cb (gpointer user_data)
{
  HsSession *self = HS_SESSION (user_data);

  self->poll_id = 0;
  /* A frame is due: the poll comes after it. */
  if (hs_pace_frame_due ())
    {
      self->poll_id = g_timeout_add_full (hs_pace_get_priority (), 1, poll_cb, self, NULL);
      return G_SOURCE_REMOVE;
    }
  poll_kernel (self);
  schedule_poll (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_poll (HsSession *self)
{
  gboolean busy = g_get_monotonic_time () < self->busy_until_us || self->connecting != NULL ||
                  (self->dumped != NULL && self->dump_applied < self->dumped->len);
  guint interval = busy ? BUSY_INTERVAL_MS : IDLE_INTERVAL_MS;

  if (self->poll_id != 0 && interval == self->poll_interval)
    return;

  g_clear_handle_id (&self->poll_id, g_source_remove);
  self->poll_interval = interval;
  /* Below the window's frames while the network is (src/net/hs-pace.c):
   * a poll takes the rows of a dump of a busy host for up to
   * DUMP_SLICE_US. */
  self->poll_id = g_timeout_add_full (hs_pace_get_priority (), interval, poll_cb, self, NULL);
}

/* Endpoint callbacks. */

/* What the capture has queued happened before what a socket has just told
 * of: it is read first, so that the trace keeps their order. (The capture
 * and the connections' reads take turns with the window's frames,
 * src/net/hs-pace.c, and a connection whose descriptor the shared read
 * set could not take is read by its own source, which does not.) */
static void
catch_up_capture (HsSession *self)
{
  if (self->capture != NULL)
    hs_live_capture_drain (self->capture);
}

static void
endpoint_received_cb (HsEndpoint *endpoint, GBytes *bytes, gpointer user_data)
{
  Conn *c = user_data;
  HsSession *self = g_object_get_data (G_OBJECT (endpoint), "hs-session");
  HsSide side = hs_endpoint_get_side (endpoint);
  gsize size = g_bytes_get_size (bytes);
  gsize room = self->max_bytes_kept - MIN (self->max_bytes_kept, c->bytes_kept);

  catch_up_capture (self);
  hs_inference_data_received (self->inference, c->id, side, size);
  if (c->item != NULL && side == our_side (self, c))
    hs_connection_item_add_bytes (c->item, size, 0);

  /* A peer's data is kept up to a cap per connection: a flood must not
   * fill the memory. What is not kept is still counted. */
  if (size <= room)
    hs_inference_app (self->inference, c->id, side, HS_APP_RECEIVE, NULL, bytes);
  else
    {
      g_autoptr (GBytes) kept = g_bytes_new_from_bytes (bytes, 0, room);
      g_autofree char *note = g_strdup_printf (
          /* Not G_GSIZE_FORMAT: xgettext cannot see through the macro. */
          _ ("%lu bytes received, %lu of them not kept (the limit per connection is %lu bytes)"),
          (gulong) size, (gulong) (size - room), (gulong) self->max_bytes_kept);

      hs_inference_app (self->inference, c->id, side, HS_APP_RECEIVE, note, room > 0 ? kept : NULL);
    }
  c->bytes_kept += MIN (size, room);
  mark_busy (self);
}

static gboolean end_conn (HsSession *self,
                          Conn *c,
                          HsSide side,
                          HsAppAction action,
                          GError **error);

static void
endpoint_eof_cb (HsEndpoint *endpoint, gpointer user_data)
{
  Conn *c = user_data;
  HsSession *self = g_object_get_data (G_OBJECT (endpoint), "hs-session");
  HsSide side = hs_endpoint_get_side (endpoint);
  HsSide peer = HS_SIDE_OTHER (side);

  catch_up_capture (self);
  c->acted_us = g_get_monotonic_time ();
  /* recv() returning 0 proves the peer's FIN arrived (its ACK may still be
   * delayed). A peer that is not ours closed without our seeing it. */
  if (!hs_inference_get_fin_sent (self->inference, c->id, peer))
    hs_inference_fin_sent (self->inference, c->id, peer);
  hs_inference_fin_arrived (self->inference, c->id, peer);
  hs_inference_app (self->inference, c->id, side, HS_APP_EOF, NULL, NULL);

  /* A server for a class does what servers do when a client is done:
   * closes its end too, so that no descriptor waits in CLOSE_WAIT. */
  if (self->role == HS_SESSION_ROLE_SERVER && side == HS_SIDE_SERVER &&
      hs_endpoint_is_open (endpoint))
    {
      g_autoptr (GError) error = NULL;

      if (!end_conn (self, c, side, HS_APP_CLOSE, &error))
        g_debug ("Closing after EOF failed: %s", error->message);
    }
  mark_busy (self);
}

static void
endpoint_reset_cb (HsEndpoint *endpoint, const GError *error, gpointer user_data)
{
  Conn *c = user_data;
  HsSession *self = g_object_get_data (G_OBJECT (endpoint), "hs-session");
  HsSide side = hs_endpoint_get_side (endpoint);
  HsSide peer = HS_SIDE_OTHER (side);

  catch_up_capture (self);
  c->acted_us = g_get_monotonic_time ();
  if (!c->aborted[peer])
    {
      g_autofree char *peer_text = hs_address_to_string (hs_endpoint_get_remote (endpoint));
      g_autofree char *message =
          hs_net_error_explain (error, HS_TRACE_ERROR_CONNECTION_RESET, peer_text);

      hs_inference_reset_sent (self->inference, c->id, peer);
      hs_inference_app (self->inference, c->id, side, HS_APP_RESET, NULL, NULL);
      report_error (self, c->id, side, HS_TRACE_ERROR_CONNECTION_RESET, message);
    }
  else
    hs_inference_app (self->inference, c->id, side, HS_APP_RESET, NULL, NULL);

  mark_busy (self);
}

static void
attach_endpoint (HsSession *self, Conn *c, HsEndpoint *endpoint)
{
  HsSide side = hs_endpoint_get_side (endpoint);

  g_assert (c->endpoint[side] == NULL);

  c->endpoint[side] = g_object_ref (endpoint);
  g_object_set_data (G_OBJECT (endpoint), "hs-session", self);
  g_signal_connect (endpoint, "received", G_CALLBACK (endpoint_received_cb), c);
  g_signal_connect (endpoint, "eof", G_CALLBACK (endpoint_eof_cb), c);
  g_signal_connect (endpoint, "reset", G_CALLBACK (endpoint_reset_cb), c);
}

/* Client callbacks. */

static void
client_connecting_cb (HsClient *client, GSocket *socket, gpointer user_data)
{
  HsSession *self = HS_SESSION (user_data);
  Conn *c = self->connecting;
  HsAddress server;

  if (c == NULL)
    return;

  if (hs_address_from_gsocket_address (hs_client_get_target (client), &server))
    {
      c->server = server;
      hs_trace_set_connection_address (self->trace, c->id, HS_SIDE_SERVER, &server);
      if (c->item != NULL)
        hs_connection_item_set_peer (c->item, &server);
    }

  /* connect() is about to run. Whether a SYN leaves is known once the
   * kernel has bound the socket to a port (learn_client_port()): with no
   * route to the network, connect() fails before sending anything. */
  c->syn_pending = TRUE;
  mark_busy (self);
}

static Conn *
find_conn_by_client (HsSession *self, const HsAddress *client, const HsAddress *server)
{
  return lookup_conn (self, client, server);
}

static void
client_connected_cb (HsClient *client, HsEndpoint *endpoint, gpointer user_data)
{
  HsSession *self = HS_SESSION (user_data);
  Conn *c = self->connecting;

  if (c == NULL)
    return;

  self->connecting = NULL;
  c->connecting = FALSE;
  c->syn_pending = FALSE;
  c->client = *hs_endpoint_get_local (endpoint);
  c->server = *hs_endpoint_get_remote (endpoint);
  if (!c->tuple_known)
    {
      c->tuple_known = TRUE;
      hs_trace_set_connection_address (self->trace, c->id, HS_SIDE_CLIENT, &c->client);
    }
  conn_set_key (self, c);
  if (c->item != NULL)
    hs_connection_item_set_peer (c->item, &c->server);

  hs_inference_handshake_done (self->inference, c->id);
  attach_endpoint (self, c, endpoint);
  hs_endpoint_start (endpoint);
  mark_busy (self);
  /* The trace's events came before the endpoint was attached: say again
   * that the client can now send, close or abort. */
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
client_failed_cb (HsClient *client, const GError *error, gpointer user_data)
{
  HsSession *self = HS_SESSION (user_data);
  Conn *c = self->connecting;
  HsTraceError kind;
  g_autofree char *message = NULL;

  if (c == NULL)
    return;

  self->connecting = NULL;
  c->connecting = FALSE;

  /* The user gave up (Abort while the SYN was unanswered). */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      hs_inference_reset_sent (self->inference, c->id, HS_SIDE_CLIENT);
      mark_busy (self);
      return;
    }

  kind = hs_net_error_classify (error);
  message = hs_net_error_explain (error, kind, c->target);

  /* These answers come from the far end or from waiting for it, so a SYN
   * did leave, even if the failure came before a poll saw its port. */
  if (c->syn_pending &&
      (kind == HS_TRACE_ERROR_CONNECTION_REFUSED || kind == HS_TRACE_ERROR_TIMED_OUT ||
       kind == HS_TRACE_ERROR_HOST_UNREACHABLE || kind == HS_TRACE_ERROR_CONNECTION_RESET))
    hs_inference_syn_sent (self->inference, c->id);
  c->syn_pending = FALSE;
  hs_inference_connect_failed (self->inference, c->id, kind);
  report_error (self, c->id, HS_SIDE_CLIENT, kind, message);
  mark_busy (self);
}

/* Server callbacks. */

static guint
count_open_server (HsSession *self)
{
  guint n = 0;

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *c = g_ptr_array_index (self->conns, i);

      if (c->endpoint[HS_SIDE_SERVER] != NULL && hs_endpoint_is_open (c->endpoint[HS_SIDE_SERVER]))
        n++;
    }
  return n;
}

/* A client over the cap is told so in one line, then closed. It gets no
 * connection of its own in the trace: a flood of them must not grow it. */
static void
refuse (HsSession *self, HsEndpoint *endpoint, const char *client_text)
{
  g_autofree char *text = g_strdup_printf (_ ("This Handshake server is full: it already has %u "
                                              "connections. Try again later."),
                                           self->max_connections);
  /* One line as telnet and nc expect it. */
  g_autofree char *line = g_strconcat (text, "\r\n", NULL);
  g_autofree char *message = NULL;
  g_autoptr (GError) error = NULL;

  if (g_socket_send_with_blocking (hs_endpoint_get_socket (endpoint), line, strlen (line), FALSE,
                                   NULL, &error) < 0)
    g_debug ("Could not tell a refused client: %s", error->message);
  g_clear_error (&error);
  if (!hs_endpoint_close (endpoint, &error))
    g_debug ("Could not close a refused client: %s", error->message);

  self->n_refused++;
  message = g_strdup_printf (_ ("Refused the client %s: the server already has %u connections, "
                                "its limit."),
                             client_text, self->max_connections);
  hs_inference_error (self->inference, 0, HS_SIDE_SERVER, HS_TRACE_ERROR_OTHER, message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_REFUSED]);
}

static void
server_accepted_cb (HsServer *server, HsEndpoint *endpoint, const HsPacket *syn, gpointer user_data)
{
  HsSession *self = HS_SESSION (user_data);
  const HsAddress *client = hs_endpoint_get_remote (endpoint);
  const HsAddress *local = hs_endpoint_get_local (endpoint);
  g_autofree char *client_text = hs_address_to_string (client);
  Conn *c;

  /* Every open connection is one of the session's, so counting them (one
   * pass over all, closed ones included) is needed only once there are as
   * many as the cap: a class arriving well under it costs no count at all. */
  if (self->role == HS_SESSION_ROLE_SERVER && self->conns->len >= self->max_connections &&
      count_open_server (self) >= self->max_connections)
    {
      refuse (self, endpoint, client_text);
      return;
    }

  /* Our own client may not have heard of its success yet; its socket
   * already knows its port. */
  if (self->connecting != NULL)
    learn_client_port (self, self->connecting);

  c = find_conn_by_client (self, client, local);
  if (c == NULL || c->endpoint[HS_SIDE_SERVER] != NULL)
    {
      /* A client from elsewhere: nc, a browser, another Handshake. */
      c = g_new0 (Conn, 1);
      c->id = hs_inference_add_connection (self->inference, client, local);
      c->client = *client;
      c->server = *local;
      c->tuple_known = TRUE;
      c->target = hs_address_to_string (local);
      g_ptr_array_add (self->conns, c);
      conn_add_item (self, c, client);
    }
  c->accepted_us = c->acted_us = g_get_monotonic_time ();
  /* Captured segments of the handshake come before what accept() implies. */
  conn_set_key (self, c);

  hs_inference_handshake_done (self->inference, c->id);
  if (syn != NULL)
    hs_inference_saved_syn (self->inference, c->id, syn);
  hs_inference_app (self->inference, c->id, HS_SIDE_SERVER, HS_APP_ACCEPT, client_text, NULL);
  /* What the client sent before accept() returned. */
  flush_pending (self, c, FALSE);

  attach_endpoint (self, c, endpoint);
  hs_endpoint_start (endpoint);
  mark_busy (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* The simulated network. */

static gint64
sim_wall_target (HsSession *self)
{
  return self->sim_virtual_origin + (g_get_monotonic_time () - self->sim_wall_origin);
}

/* In real time, the virtual clock catches up with the wall clock before
 * anything happens, so that the trace's times are the user's. */
static void
sim_sync (HsSession *self)
{
  if (self->sim_realtime)
    hs_sim_advance_to (self->sim, sim_wall_target (self));
}

static void
sim_update_sockets (HsSession *self)
{
  g_autoptr (GArray) rows = hs_sim_get_sockets (self->sim);
  g_autoptr (GHashTable) fresh = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 now_us = g_get_monotonic_time ();

  for (guint i = 0; i < rows->len; i++)
    {
      const HsSimSocket *s = &g_array_index (rows, HsSimSocket, i);
      HsSocketRow row = { 0 };

      row.local = s->local;
      row.remote = s->remote;
      row.state = s->state;
      row.linux_state = (guint8) hs_tcp_state_to_linux (s->state);
      row.recv_q = s->recv_q;
      row.send_q = s->send_q;
      row.timer = s->timer == HS_TCB_TIMER_RETRANSMIT  ? 1
                  : s->timer == HS_TCB_TIMER_TIME_WAIT ? 3
                                                       : 0;
      row.expires_ms = s->expires_ms;
      row.retransmits = (guint8) MIN (s->retransmits, G_MAXUINT8);
      update_item (self, NULL, fresh, &row, hs_side_to_string (s->host), now_us);
    }
  remove_stale_items (self, fresh);
}

static gboolean sim_tick_cb (gpointer user_data);

static void
sim_schedule (HsSession *self)
{
  gint64 next;
  gint64 delay_ms;

  g_clear_handle_id (&self->sim_tick_id, g_source_remove);
  if (!self->sim_realtime)
    return;

  next = hs_sim_get_next_deadline (self->sim);
  if (next == G_MAXINT64)
    return;

  /* At least four times a second, so that the table's countdowns move. */
  delay_ms = CLAMP ((next - sim_wall_target (self) + 999) / 1000, 0, 250);
  self->sim_tick_id = g_timeout_add ((guint) delay_ms, sim_tick_cb, self);
}

static gboolean
sim_tick_cb (gpointer user_data)
{
  HsSession *self = HS_SESSION (user_data);

  self->sim_tick_id = 0;
  sim_sync (self);
  sim_update_sockets (self);
  sim_schedule (self);
  return G_SOURCE_REMOVE;
}

static void
sim_changed_cb (HsSession *self)
{
  sim_update_sockets (self);
  sim_schedule (self);
}

static void
sim_error_cb (HsSession *self, guint kind, const char *message)
{
  g_signal_emit (self, signals[ERROR], 0, kind, message);
}

/* The lab network. */

static void
lab_update_sockets (HsSession *self)
{
  g_autoptr (GArray) rows = hs_lab_network_get_sockets (self->lab);
  g_autoptr (GHashTable) fresh = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 now_us = g_get_monotonic_time ();

  for (guint i = 0; i < rows->len; i++)
    {
      const HsLabSocket *s = &g_array_index (rows, HsLabSocket, i);

      /* In the lab each side is a host of its own: the Side column says
       * which kernel the row comes from. */
      update_item (self, NULL, fresh, &s->row, hs_side_to_string (s->host), now_us);
    }
  remove_stale_items (self, fresh);
}

static void
lab_poll (HsSession *self)
{
  /* A packet waiting on the wire is read first, so that the state it
   * caused is recorded after it, not before. */
  if (!hs_wire_input_pending (hs_lab_network_get_wire (self->lab)))
    hs_lab_network_poll (self->lab);
  lab_update_sockets (self);
}

static void
lab_changed_cb (HsSession *self)
{
  mark_busy (self);
}

static void
trace_event_added_cb (HsSession *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
hs_session_dispose (GObject *object)
{
  HsSession *self = (HsSession *) object;

  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_handle_id (&self->states_id, g_source_remove);
  g_clear_handle_id (&self->sim_tick_id, g_source_remove);
  if (self->sim != NULL)
    g_signal_handlers_disconnect_by_data (self->sim, self);
  g_clear_object (&self->sim);
  if (self->lab != NULL)
    g_signal_handlers_disconnect_by_data (self->lab, self);
  g_clear_object (&self->lab);
  if (self->dump_cancellable != NULL)
    g_cancellable_cancel (self->dump_cancellable);
  g_clear_object (&self->dump_cancellable);

  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  if (self->server != NULL)
    g_signal_handlers_disconnect_by_data (self->server, self);
  g_clear_object (&self->client);
  g_clear_object (&self->server);
  self->connecting = NULL;
  if (self->capture != NULL)
    g_signal_handlers_disconnect_by_data (self->capture, self);
  g_clear_object (&self->capture);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->capture_description, g_free);
  g_clear_pointer (&self->conn_by_key, g_hash_table_unref);
  g_clear_pointer (&self->conns, g_ptr_array_unref);
  g_clear_object (&self->connections);

  g_clear_pointer (&self->items, g_hash_table_unref);
  g_clear_pointer (&self->dump_keys, g_hash_table_unref);
  g_clear_pointer (&self->known_keys, g_hash_table_unref);
  g_clear_object (&self->sockets);
  g_clear_pointer (&self->new_items, g_ptr_array_unref);
  g_clear_pointer (&self->dumped, g_array_unref);
  g_clear_object (&self->diag);
  g_clear_object (&self->inference);
  g_clear_object (&self->trace);
  g_clear_pointer (&self->table_source, g_free);

  G_OBJECT_CLASS (hs_session_parent_class)->dispose (object);
}

static void
hs_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HsSession *self = HS_SESSION (object);

  switch (prop_id)
    {
      case PROP_NETWORK:
        g_value_set_uint (value, self->network);
        break;
      case PROP_LISTENING:
        g_value_set_boolean (value, hs_session_is_listening (self));
        break;
      case PROP_SHOW_ALL:
        g_value_set_boolean (value, self->show_all);
        break;
      case PROP_ROLE:
        g_value_set_uint (value, self->role);
        break;
      case PROP_ALLOW_REMOTE:
        g_value_set_boolean (value, self->allow_remote);
        break;
      case PROP_MAX_CONNECTIONS:
        g_value_set_uint (value, self->max_connections);
        break;
      case PROP_N_REFUSED:
        g_value_set_uint (value, self->n_refused);
        break;
      case PROP_CAPTURE_MODE:
        g_value_set_uint (value, hs_session_get_capture_mode (self));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_session_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HsSession *self = HS_SESSION (object);

  switch (prop_id)
    {
      case PROP_NETWORK:
        self->network = (HsNetworkKind) g_value_get_uint (value);
        break;
      case PROP_SHOW_ALL:
        hs_session_set_show_all (self, g_value_get_boolean (value));
        break;
      case PROP_ROLE:
        hs_session_set_role (self, (HsSessionRole) g_value_get_uint (value));
        break;
      case PROP_ALLOW_REMOTE:
        hs_session_set_allow_remote (self, g_value_get_boolean (value));
        break;
      case PROP_MAX_CONNECTIONS:
        hs_session_set_max_connections (self, g_value_get_uint (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_session_constructed (GObject *object)
{
  HsSession *self = HS_SESSION (object);

  G_OBJECT_CLASS (hs_session_parent_class)->constructed (object);

  if (self->network != HS_NETWORK_SIM)
    return;

  /* Nothing of the kernel is shown on the simulated network. */
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_free (self->table_source);
  self->table_source = g_strdup ("model");
  self->sim = hs_sim_new (self->trace, HS_SIM_DEFAULT_SEED);
  self->sim_realtime = TRUE;
  self->sim_wall_origin = g_get_monotonic_time ();
  g_signal_connect_swapped (self->sim, "changed", G_CALLBACK (sim_changed_cb), self);
  g_signal_connect_swapped (self->sim, "error", G_CALLBACK (sim_error_cb), self);
}

static void
hs_session_class_init (HsSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = hs_session_constructed;
  object_class->dispose = hs_session_dispose;
  object_class->get_property = hs_session_get_property;
  object_class->set_property = hs_session_set_property;

  properties[PROP_NETWORK] =
      g_param_spec_uint ("network", NULL, NULL, HS_NETWORK_HOST, HS_NETWORK_SIM, HS_NETWORK_HOST,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LISTENING] =
      g_param_spec_boolean ("listening", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_ALL] =
      g_param_spec_boolean ("show-all", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROLE] =
      g_param_spec_uint ("role", NULL, NULL, HS_SESSION_ROLE_LOCAL, HS_SESSION_ROLE_CLIENT,
                         HS_SESSION_ROLE_LOCAL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ALLOW_REMOTE] =
      g_param_spec_boolean ("allow-remote", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_CONNECTIONS] =
      g_param_spec_uint ("max-connections", NULL, NULL, 1, G_MAXUINT16,
                         HS_SESSION_DEFAULT_MAX_CONNECTIONS,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_REFUSED] =
      g_param_spec_uint ("n-refused", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAPTURE_MODE] =
      g_param_spec_uint ("capture-mode", NULL, NULL, HS_CAPTURE_MODE_INFERRED,
                         HS_CAPTURE_MODE_CAPTURED, HS_CAPTURE_MODE_INFERRED,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HsSession::error:
   * @kind: an HsTraceError
   * @message: a translated sentence for a toast
   */
  signals[ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);

  /**
   * HsSession::changed:
   *
   * Something happened that may change which actions are possible.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 0);
}

static void
hs_session_init (HsSession *self)
{
  self->network = HS_NETWORK_HOST;
  self->trace = hs_trace_new ();
  hs_trace_set_network (self->trace, hs_network_kind_to_string (self->network));
  self->inference = hs_inference_new (self->trace);
  self->server = hs_server_new ();
  self->client = hs_client_new ();
  self->diag = hs_sock_diag_new ();
  self->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_free);
  self->sockets = g_list_store_new (HS_TYPE_SOCKET_ITEM);
  self->new_items = g_ptr_array_new_with_free_func (g_object_unref);
  self->items = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->dump_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->known_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->dump_cancellable = g_cancellable_new ();
  self->max_connections = HS_SESSION_DEFAULT_MAX_CONNECTIONS;
  self->max_bytes_kept = HS_SESSION_DEFAULT_MAX_BYTES_KEPT;
  self->connections = g_list_store_new (HS_TYPE_CONNECTION_ITEM);
  self->conn_by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  /* HANDSHAKE_CAPTURE=0 keeps the inference even where capture is
   * possible, for tests that compare inferred traces. */
  self->capture_enabled = g_strcmp0 (g_getenv ("HANDSHAKE_CAPTURE"), "0") != 0;

  self->proc_backend = hs_sock_diag_get_backend (self->diag) == HS_SOCK_DIAG_BACKEND_PROC;
  if (!self->proc_backend)
    self->table_source = g_strdup ("netlink");
  else
    self->table_source = g_strdup (hs_sock_diag_get_fallback_reason (self->diag));

  g_signal_connect (self->client, "connecting", G_CALLBACK (client_connecting_cb), self);
  g_signal_connect (self->client, "connected", G_CALLBACK (client_connected_cb), self);
  g_signal_connect (self->client, "failed", G_CALLBACK (client_failed_cb), self);
  g_signal_connect (self->server, "accepted", G_CALLBACK (server_accepted_cb), self);
  g_signal_connect_object (self->trace, "event-added", G_CALLBACK (trace_event_added_cb), self,
                           G_CONNECT_SWAPPED);

  schedule_poll (self);
}

HsSession *
hs_session_new (void)
{
  return g_object_new (HS_TYPE_SESSION, NULL);
}

HsSession *
hs_session_new_for_network (HsNetworkKind network)
{
  g_return_val_if_fail (network == HS_NETWORK_HOST || network == HS_NETWORK_SIM, NULL);

  return g_object_new (HS_TYPE_SESSION, "network", (guint) network, NULL);
}

HsSession *
hs_session_try_new (HsNetworkKind network, GError **error)
{
  g_autoptr (HsSession) self = NULL;
  g_autofree char *reason = NULL;

  if (network != HS_NETWORK_LAB)
    return hs_session_new_for_network (network);

  if (!hs_lab_check_available (&reason))
    {
      g_set_error_literal (error, HS_SESSION_ERROR, HS_SESSION_ERROR_UNAVAILABLE, reason);
      return NULL;
    }

  self = g_object_new (HS_TYPE_SESSION, "network", (guint) network, NULL);
  hs_trace_set_network (self->trace, hs_network_kind_to_string (network));
  self->lab = hs_lab_network_new (self->trace, error);
  if (self->lab == NULL)
    return NULL;

  g_signal_connect_swapped (self->lab, "changed", G_CALLBACK (lab_changed_cb), self);
  g_signal_connect_swapped (self->lab, "error", G_CALLBACK (sim_error_cb), self);
  return g_steal_pointer (&self);
}

HsSim *
hs_session_get_sim (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), NULL);

  return self->sim;
}

void
hs_session_set_sim_realtime (HsSession *self, gboolean realtime)
{
  g_return_if_fail (HS_IS_SESSION (self));

  if (self->sim == NULL)
    return;

  self->sim_realtime = !!realtime;
  self->sim_wall_origin = g_get_monotonic_time ();
  self->sim_virtual_origin = hs_sim_get_now (self->sim);
  sim_schedule (self);
}

HsNetworkKind
hs_session_get_network (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), HS_NETWORK_HOST);

  return self->network;
}

HsTrace *
hs_session_get_trace (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), NULL);

  return self->trace;
}

HsInference *
hs_session_get_inference (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), NULL);

  return self->inference;
}

GListModel *
hs_session_get_sockets (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), NULL);

  return G_LIST_MODEL (self->sockets);
}

const char *
hs_session_get_table_source (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), NULL);

  return self->table_source;
}

gboolean
hs_session_get_show_all (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  return self->show_all;
}

void
hs_session_set_show_all (HsSession *self, gboolean show_all)
{
  g_return_if_fail (HS_IS_SESSION (self));

  show_all = !!show_all;
  if (self->show_all == show_all)
    return;

  /* The rows shown stay until the next dump (started now) replaces them,
   * so the session's own rows never blink out. */
  self->show_all = show_all;
  self->last_dump_us = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_ALL]);
  if (self->sim == NULL)
    mark_busy (self);
}

static gboolean
parse_host_address (const char *text, guint16 port, HsAddress *address, GError **error)
{
  if (g_ascii_strcasecmp (text, "localhost") == 0)
    text = "127.0.0.1";

  if (!hs_address_parse (text, address) || (text[0] != '[' && address->port != 0))
    {
      g_set_error (error, HS_SESSION_ERROR, HS_SESSION_ERROR_INVALID_ADDRESS,
                   _ ("“%s” is not an IP address this computer can listen on. Type one like "
                      "127.0.0.1, 0.0.0.0 or ::1."),
                   text);
      return FALSE;
    }

  address->port = port;
  return TRUE;
}

gboolean
hs_session_listen (HsSession *self, const char *address, guint16 port, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *text = NULL;
  HsAddress bind_address;

  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  if (self->lab != NULL)
    {
      /* The server host of the lab has one address, 10.0.0.2. */
      if (!parse_host_address (address, port, &bind_address, error) ||
          !hs_lab_network_listen (self->lab, port, error))
        return FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
      mark_busy (self);
      return TRUE;
    }

  if (self->sim != NULL)
    {
      /* Any address the user types means the simulated server's. */
      if (!parse_host_address (address, port, &bind_address, error))
        return FALSE;
      sim_sync (self);
      if (!hs_sim_listen (self->sim, port, error))
        return FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
      return TRUE;
    }

  if (hs_server_is_listening (self->server))
    {
      g_set_error_literal (error, HS_SESSION_ERROR, HS_SESSION_ERROR_BUSY,
                           _ ("The server is already listening. Stop it first."));
      return FALSE;
    }

  if (!parse_host_address (address, port, &bind_address, error))
    return FALSE;

  if (self->role == HS_SESSION_ROLE_SERVER && !self->allow_remote &&
      !hs_net_address_is_loopback (address))
    {
      g_set_error (error, HS_SESSION_ERROR, HS_SESSION_ERROR_NOT_ALLOWED,
                   _ ("Listening on %s would let other computers connect. Allow connections "
                      "from other computers first, or listen on 127.0.0.1."),
                   address);
      return FALSE;
    }

  text = hs_address_to_string (&bind_address);
  hs_inference_app (self->inference, 0, HS_SIDE_SERVER, HS_APP_LISTEN, text, NULL);

  if (!hs_server_listen (self->server, &bind_address, &local_error))
    {
      HsTraceError kind = hs_net_error_classify (local_error);
      g_autofree char *message = hs_net_error_explain (local_error, kind, text);

      report_error (self, 0, HS_SIDE_SERVER, kind, message);
      g_set_error_literal (error, HS_SESSION_ERROR, HS_SESSION_ERROR_NETWORK, message);
      return FALSE;
    }

  hs_server_reserve (self->server, self->max_connections);
  hs_trace_set_connection_address (self->trace, 0, HS_SIDE_SERVER,
                                   hs_server_get_address (self->server));
  hs_inference_set_state (self->inference, 0, HS_SIDE_SERVER, HS_TCP_STATE_LISTEN,
                          HS_STATE_SOURCE_INFERRED);
  if (self->role == HS_SESSION_ROLE_SERVER)
    start_capture (self, hs_server_get_address (self->server)->port);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
  mark_busy (self);
  poll_kernel (self);
  return TRUE;
}

void
hs_session_stop_listening (HsSession *self)
{
  g_return_if_fail (HS_IS_SESSION (self));

  if (self->lab != NULL)
    {
      if (!hs_lab_network_is_listening (self->lab))
        return;
      hs_lab_network_stop_listening (self->lab);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
      return;
    }

  if (self->sim != NULL)
    {
      if (!hs_sim_is_listening (self->sim))
        return;
      sim_sync (self);
      hs_sim_stop_listening (self->sim);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
      return;
    }

  if (!hs_server_is_listening (self->server))
    return;

  hs_server_stop (self->server);
  hs_inference_app (self->inference, 0, HS_SIDE_SERVER, HS_APP_STOP, NULL, NULL);
  hs_inference_set_state (self->inference, 0, HS_SIDE_SERVER, HS_TCP_STATE_CLOSED,
                          HS_STATE_SOURCE_INFERRED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
  mark_busy (self);
}

gboolean
hs_session_is_listening (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  if (self->lab != NULL)
    return hs_lab_network_is_listening (self->lab);
  if (self->sim != NULL)
    return hs_sim_is_listening (self->sim);
  return hs_server_is_listening (self->server);
}

guint16
hs_session_get_listen_port (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), 0);

  if (self->lab != NULL)
    return hs_lab_network_get_listen_port (self->lab);
  if (self->sim != NULL)
    return hs_sim_get_listen_port (self->sim);
  if (!hs_server_is_listening (self->server))
    return 0;
  return hs_server_get_address (self->server)->port;
}

gboolean
hs_session_can_connect (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  if (self->lab != NULL)
    return hs_lab_network_can_connect (self->lab);
  if (self->sim != NULL)
    return hs_sim_can_connect (self->sim);
  return find_active (self, HS_SIDE_CLIENT) == NULL;
}

gboolean
hs_session_can_use (HsSession *self, HsSide side)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  if (self->lab != NULL)
    return hs_lab_network_can_use (self->lab, side);
  if (self->sim != NULL)
    return hs_sim_can_use (self->sim, side);
  return find_active (self, side) != NULL;
}

guint
hs_session_get_current (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), 0);

  if (self->lab != NULL)
    return hs_lab_network_get_current (self->lab);
  if (self->sim != NULL)
    return hs_sim_get_current (self->sim);
  if (self->conns->len == 0)
    return 0;
  return ((Conn *) g_ptr_array_index (self->conns, self->conns->len - 1))->id;
}

gboolean
hs_session_connect (HsSession *self, const char *host, guint16 port, GError **error)
{
  g_autofree char *stripped = NULL;
  Conn *c;

  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  if (self->lab != NULL)
    {
      mark_busy (self);
      return hs_lab_network_connect (self->lab, host, port, error);
    }
  if (self->sim != NULL)
    {
      sim_sync (self);
      return hs_sim_connect (self->sim, host, port, error);
    }

  stripped = g_strstrip (g_strdup (host));
  /* "localhost" may resolve to ::1 first, where a server on 127.0.0.1 is
   * not listening; a student means the IPv4 loopback the server defaults to. */
  if (g_ascii_strcasecmp (stripped, "localhost") == 0)
    {
      g_free (stripped);
      stripped = g_strdup ("127.0.0.1");
    }
  if (*stripped == '\0')
    {
      g_set_error_literal (error, HS_SESSION_ERROR, HS_SESSION_ERROR_INVALID_ADDRESS,
                           _ ("Type the name or address of the server to connect to."));
      return FALSE;
    }
  if (port == 0)
    {
      g_set_error_literal (error, HS_SESSION_ERROR, HS_SESSION_ERROR_INVALID_ADDRESS,
                           _ ("Port 0 cannot be connected to. Type the server's port, such as "
                              "5005."));
      return FALSE;
    }
  if (!hs_session_can_connect (self))
    {
      g_set_error_literal (error, HS_SESSION_ERROR, HS_SESSION_ERROR_BUSY,
                           _ ("The client already has a connection. Close or abort it first."));
      return FALSE;
    }

  c = g_new0 (Conn, 1);
  c->id = hs_inference_add_connection (self->inference, NULL, NULL);
  c->connecting = TRUE;
  c->target = strchr (stripped, ':') != NULL ? g_strdup_printf ("[%s]:%u", stripped, port)
                                             : g_strdup_printf ("%s:%u", stripped, port);
  g_ptr_array_add (self->conns, c);
  self->connecting = c;
  conn_add_item (self, c, NULL);
  start_capture (self, port);
  if (self->capture != NULL)
    hs_inference_set_captured (self->inference, c->id, TRUE);

  hs_inference_app (self->inference, c->id, HS_SIDE_CLIENT, HS_APP_CONNECT, c->target, NULL);
  hs_client_connect (self->client, stripped, port);
  mark_busy (self);
  return TRUE;
}

static Conn *
require_active (HsSession *self, HsSide side, GError **error)
{
  Conn *c = find_active (self, side);

  if (c == NULL)
    g_set_error_literal (error, HS_SESSION_ERROR, HS_SESSION_ERROR_NOT_CONNECTED,
                         side == HS_SIDE_CLIENT
                             ? _ ("The client has no open connection. Connect first.")
                             : _ ("The server has no open connection. Listen, then connect a "
                                  "client."));
  return c;
}

gboolean
hs_session_send (HsSession *self, HsSide side, const char *text, GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
  Conn *c;

  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if (self->lab != NULL)
    {
      mark_busy (self);
      return hs_lab_network_send (self->lab, side, text, error);
    }
  if (self->sim != NULL)
    {
      sim_sync (self);
      return hs_sim_send (self->sim, side, (const guint8 *) text, strlen (text), error);
    }

  if ((c = require_active (self, side, error)) == NULL)
    return FALSE;
  if (c->connecting)
    {
      g_set_error_literal (error, HS_SESSION_ERROR, HS_SESSION_ERROR_NOT_CONNECTED,
                           _ ("The connection is not established yet."));
      return FALSE;
    }
  if (*text == '\0')
    {
      g_set_error_literal (error, HS_SESSION_ERROR, HS_SESSION_ERROR_INVALID_ADDRESS,
                           _ ("Type some text to send."));
      return FALSE;
    }

  bytes = g_bytes_new (text, strlen (text));
  hs_inference_app (self->inference, c->id, side, HS_APP_SEND, NULL, bytes);
  if (!hs_endpoint_send (c->endpoint[side], bytes, error))
    {
      report_error (self, c->id, side, HS_TRACE_ERROR_OTHER, (*error)->message);
      return FALSE;
    }

  hs_inference_data_sent (self->inference, c->id, side, g_bytes_get_size (bytes));
  if (c->item != NULL && side == our_side (self, c))
    hs_connection_item_add_bytes (c->item, 0, g_bytes_get_size (bytes));
  mark_busy (self);
  return TRUE;
}

static gboolean
end_connection (HsSession *self, HsSide side, HsAppAction action, GError **error)
{
  Conn *c;

  if (self->lab != NULL)
    {
      mark_busy (self);
      switch (action)
        {
          case HS_APP_ABORT:
            return hs_lab_network_abort (self->lab, side, error);
          case HS_APP_SHUTDOWN:
            return hs_lab_network_shutdown (self->lab, side, error);
          case HS_APP_CLOSE:
          default:
            return hs_lab_network_close (self->lab, side, error);
        }
    }

  if (self->sim != NULL)
    {
      sim_sync (self);
      switch (action)
        {
          case HS_APP_ABORT:
            return hs_sim_abort (self->sim, side, error);
          case HS_APP_SHUTDOWN:
            return hs_sim_shutdown (self->sim, side, error);
          case HS_APP_CLOSE:
          default:
            return hs_sim_close (self->sim, side, error);
        }
    }

  if ((c = require_active (self, side, error)) == NULL)
    return FALSE;

  return end_conn (self, c, side, action, error);
}

static gboolean
end_conn (HsSession *self, Conn *c, HsSide side, HsAppAction action, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gboolean ok;

  c->acted_us = g_get_monotonic_time ();
  hs_inference_app (self->inference, c->id, side, action, NULL, NULL);

  /* Giving up a connection attempt sends nothing: the kernel just forgets
   * the SYN_SENT socket. */
  if (c->connecting)
    {
      hs_client_cancel (self->client);
      mark_busy (self);
      return TRUE;
    }

  switch (action)
    {
      case HS_APP_ABORT:
        c->aborted[side] = TRUE;
        ok = hs_endpoint_abort (c->endpoint[side], &local_error);
        if (ok)
          hs_inference_reset_sent (self->inference, c->id, side);
        break;
      case HS_APP_SHUTDOWN:
        ok = hs_endpoint_shutdown (c->endpoint[side], &local_error);
        if (ok)
          hs_inference_fin_sent (self->inference, c->id, side);
        break;
      case HS_APP_CLOSE:
      default:
        ok = hs_endpoint_close (c->endpoint[side], &local_error);
        if (ok && !c->aborted[HS_SIDE_OTHER (side)])
          hs_inference_fin_sent (self->inference, c->id, side);
        break;
    }

  mark_busy (self);
  if (!ok)
    {
      report_error (self, c->id, side, HS_TRACE_ERROR_OTHER, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return ok;
}

gboolean
hs_session_close (HsSession *self, HsSide side, GError **error)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  return end_connection (self, side, HS_APP_CLOSE, error);
}

gboolean
hs_session_shutdown (HsSession *self, HsSide side, GError **error)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  return end_connection (self, side, HS_APP_SHUTDOWN, error);
}

gboolean
hs_session_abort (HsSession *self, HsSide side, GError **error)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  return end_connection (self, side, HS_APP_ABORT, error);
}

void
hs_session_refresh (HsSession *self)
{
  g_return_if_fail (HS_IS_SESSION (self));

  if (self->sim != NULL)
    {
      sim_sync (self);
      sim_update_sockets (self);
      return;
    }

  /* The lab takes the same path: poll_kernel() hands it over. */
  poll_kernel (self);
}

/* TRUE when a connection to @address reaches our listener. */
static gboolean
listener_covers (HsSession *self, const HsAddress *address)
{
  const HsAddress *bound;
  static const guint8 zero[16] = { 0 };

  if (!hs_server_is_listening (self->server))
    return FALSE;

  bound = hs_server_get_address (self->server);
  if (bound->port != address->port)
    return FALSE;
  if (bound->family == address->family &&
      memcmp (bound->addr, zero, bound->family == 6 ? 16 : 4) == 0)
    return TRUE;
  return hs_address_equal (bound, address);
}

static gboolean
side_settled (HsSession *self, Conn *c, HsSide side, char **what)
{
  HsTcpState state = hs_inference_get_state (self->inference, c->id, side);
  HsEndpoint *peer = c->endpoint[HS_SIDE_OTHER (side)];

  /* The other machine's end is not ours to wait for. */
  if (!observes_side (self, side))
    return TRUE;

  if ((c->seen[side] || c->endpoint[side] != NULL) && !c->gone[side] &&
      state != HS_TCP_STATE_CLOSED && !hs_inference_is_confirmed (self->inference, c->id, side))
    {
      if (what != NULL)
        *what = g_strdup_printf (side == HS_SIDE_CLIENT
                                     ? _ ("The kernel does not show the client in %s yet.")
                                     : _ ("The kernel does not show the server in %s yet."),
                                 hs_tcp_state_to_string (state));
      return FALSE;
    }

  /* A FIN on its way or a delayed ACK: the kernel will show the outcome
   * within a delayed-ACK timeout, and whether the close takes three or
   * four segments depends on it. Only with both ends in this process can
   * the outcome be seen. */
  if (self->role == HS_SESSION_ROLE_LOCAL &&
      hs_inference_get_waiting (self->inference, c->id, side) &&
      (c->seen[HS_SIDE_CLIENT] || c->seen[HS_SIDE_SERVER]) &&
      !(c->gone[HS_SIDE_CLIENT] && c->gone[HS_SIDE_SERVER]))
    {
      if (what != NULL)
        *what = g_strdup (_ ("A FIN has not been acknowledged yet."));
      return FALSE;
    }

  /* What this side sent must reach the peer's application, if it is ours. */
  if (peer != NULL && hs_endpoint_is_open (peer) && !hs_endpoint_get_eof (peer) &&
      (hs_inference_get_unacked (self->inference, c->id, side) > 0 ||
       hs_inference_get_fin_sent (self->inference, c->id, side) || c->aborted[side]))
    {
      if (what != NULL)
        *what = g_strdup (side == HS_SIDE_CLIENT
                              ? _ ("The server has not read what the client sent yet.")
                              : _ ("The client has not read what the server sent yet."));
      return FALSE;
    }

  return TRUE;
}

gboolean
hs_session_is_settled (HsSession *self, char **what)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  if (self->lab != NULL)
    return hs_lab_network_is_settled (self->lab, what);

  if (self->sim != NULL)
    {
      if (hs_sim_is_idle (self->sim))
        return TRUE;
      if (what != NULL)
        *what = g_strdup (_ ("The simulated segments have not all arrived yet."));
      return FALSE;
    }

  if (self->connecting != NULL)
    {
      if (what != NULL)
        *what = g_strdup (_ ("The connection attempt has not finished yet."));
      return FALSE;
    }

  if (hs_server_is_listening (self->server) &&
      !hs_inference_is_confirmed (self->inference, 0, HS_SIDE_SERVER))
    {
      if (what != NULL)
        *what = g_strdup (_ ("The kernel does not show the listening socket yet."));
      return FALSE;
    }

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *c = g_ptr_array_index (self->conns, i);

      /* Our own client reached our own server: the server must accept. */
      if (c->endpoint[HS_SIDE_CLIENT] != NULL && c->endpoint[HS_SIDE_SERVER] == NULL &&
          hs_endpoint_is_open (c->endpoint[HS_SIDE_CLIENT]) && listener_covers (self, &c->server))
        {
          if (what != NULL)
            *what = g_strdup (_ ("The server has not accepted the connection yet."));
          return FALSE;
        }

      if (!side_settled (self, c, HS_SIDE_CLIENT, what) ||
          !side_settled (self, c, HS_SIDE_SERVER, what))
        return FALSE;
    }

  return TRUE;
}

gboolean
hs_session_has_time_wait (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  if (self->lab != NULL)
    return hs_lab_network_has_time_wait (self->lab);
  if (self->sim != NULL)
    return hs_sim_has_time_wait (self->sim);

  for (guint i = 0; i < self->conns->len; i++)
    {
      Conn *c = g_ptr_array_index (self->conns, i);

      for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
        if (!c->gone[side] &&
            hs_inference_get_state (self->inference, c->id, side) == HS_TCP_STATE_TIME_WAIT)
          return TRUE;
    }
  return FALSE;
}

/* The wire's controls, on the lab and the simulated network. */

gboolean
hs_session_has_wire (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  return self->lab != NULL || self->sim != NULL;
}

static gboolean
require_wire (HsSession *self, GError **error)
{
  if (hs_session_has_wire (self))
    return TRUE;

  g_set_error_literal (error, HS_SESSION_ERROR, HS_SESSION_ERROR_NO_WIRE,
                       _ ("Only the lab and the simulated network have a wire to hold, drop or "
                          "deliver segments on; on the host network segments cannot be held."));
  return FALSE;
}

gboolean
hs_session_get_hold (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  if (self->lab != NULL)
    return hs_wire_get_mode (hs_lab_network_get_wire (self->lab)) == HS_WIRE_MODE_STEP;
  if (self->sim != NULL)
    return hs_sim_get_hold (self->sim);
  return FALSE;
}

gboolean
hs_session_set_hold (HsSession *self, gboolean hold, GError **error)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  if (!require_wire (self, error))
    return FALSE;
  if (self->lab != NULL)
    hs_wire_set_mode (hs_lab_network_get_wire (self->lab),
                      hold ? HS_WIRE_MODE_STEP : HS_WIRE_MODE_AUTO);
  else
    {
      sim_sync (self);
      hs_sim_set_hold (self->sim, hold);
    }
  mark_busy (self);
  g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

gboolean
hs_session_drop_next (HsSession *self, GError **error)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  if (!require_wire (self, error))
    return FALSE;
  /* As on the simulated wire: the oldest held segment if one waits (the
   * next to cross), else the next one sent. */
  if (self->lab != NULL)
    {
      HsWire *wire = hs_lab_network_get_wire (self->lab);

      if (hs_wire_get_n_held (wire) > 0)
        hs_wire_drop (wire, hs_wire_get_held_index (wire, 0));
      else
        hs_wire_set_drop_next (wire, TRUE);
    }
  else
    {
      sim_sync (self);
      hs_sim_drop_next (self->sim);
    }
  g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

guint
hs_session_get_n_held (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), 0);

  if (self->lab != NULL)
    return hs_wire_get_n_held (hs_lab_network_get_wire (self->lab));
  if (self->sim != NULL)
    return hs_sim_get_n_held (self->sim);
  return 0;
}

/* The end of every wire control: words when there was nothing to act on,
 * else the session is busy again and says it changed. */
static gboolean
wire_acted (HsSession *self, gboolean done, const char *failure, GError **error)
{
  if (!done)
    {
      g_set_error_literal (error, HS_SESSION_ERROR, HS_SESSION_ERROR_NO_WIRE, failure);
      return FALSE;
    }
  mark_busy (self);
  g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

gboolean
hs_session_deliver (HsSession *self, GError **error)
{
  gboolean delivered;

  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  if (!require_wire (self, error))
    return FALSE;
  if (self->lab != NULL)
    delivered = hs_wire_deliver (hs_lab_network_get_wire (self->lab));
  else
    {
      sim_sync (self);
      delivered = hs_sim_deliver (self->sim);
    }
  return wire_acted (self, delivered,
                     _ ("No segment is held on the wire, so there is nothing to deliver."), error);
}

gboolean
hs_session_deliver_segment (HsSession *self, guint index, GError **error)
{
  gboolean delivered;

  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  if (!require_wire (self, error))
    return FALSE;
  if (self->lab != NULL)
    delivered = hs_wire_deliver_index (hs_lab_network_get_wire (self->lab), index);
  else
    {
      sim_sync (self);
      delivered = hs_sim_deliver_segment (self->sim, index);
    }
  return wire_acted (self, delivered, _ ("That segment is no longer on the wire."), error);
}

gboolean
hs_session_drop_segment (HsSession *self, guint index, GError **error)
{
  gboolean dropped;

  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  if (!require_wire (self, error))
    return FALSE;
  if (self->lab != NULL)
    dropped = hs_wire_drop (hs_lab_network_get_wire (self->lab), index);
  else
    {
      sim_sync (self);
      dropped = hs_sim_drop_segment (self->sim, index);
    }
  return wire_acted (self, dropped, _ ("That segment is no longer on the wire."), error);
}

gboolean
hs_session_deliver_all (HsSession *self, GError **error)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  if (!require_wire (self, error))
    return FALSE;
  if (self->lab != NULL)
    hs_wire_deliver_all (hs_lab_network_get_wire (self->lab));
  else
    {
      sim_sync (self);
      hs_sim_deliver_all (self->sim);
    }
  mark_busy (self);
  g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

void
hs_session_set_flight_time (HsSession *self, guint flight_time_ms)
{
  g_return_if_fail (HS_IS_SESSION (self));

  if (self->lab != NULL)
    hs_wire_set_flight_time (hs_lab_network_get_wire (self->lab), flight_time_ms);
  else if (self->sim != NULL)
    hs_sim_set_flight_time (self->sim, (gint64) flight_time_ms * 1000);
}

HsWire *
hs_session_get_wire (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), NULL);

  return self->lab != NULL ? hs_lab_network_get_wire (self->lab) : NULL;
}

gboolean
hs_session_open_both (HsSession *self, guint16 client_port, guint16 server_port, GError **error)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  if (client_port == 0 || server_port == 0)
    {
      g_set_error_literal (error, HS_SESSION_ERROR, HS_SESSION_ERROR_INVALID_ADDRESS,
                           _ ("A simultaneous open needs both ports fixed, not 0."));
      return FALSE;
    }

  if (self->lab != NULL)
    {
      mark_busy (self);
      return hs_lab_network_open_both (self->lab, client_port, server_port, error);
    }
  if (self->sim != NULL)
    {
      sim_sync (self);
      return hs_sim_open (self->sim, HS_SIDE_CLIENT, client_port, server_port, error) &&
             hs_sim_open (self->sim, HS_SIDE_SERVER, server_port, client_port, error);
    }

  /* On one machine's loopback the two SYNs cannot be made to cross. */
  g_set_error_literal (error, HS_SESSION_ERROR, HS_SESSION_ERROR_NO_WIRE,
                       _ ("A simultaneous open needs a wire on which the two SYNs can cross: use "
                          "the lab or the simulated network."));
  return FALSE;
}

void
hs_session_set_role (HsSession *self, HsSessionRole role)
{
  g_return_if_fail (HS_IS_SESSION (self));
  g_return_if_fail (role <= HS_SESSION_ROLE_CLIENT);

  if (self->role == role)
    return;
  self->role = role;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
}

HsSessionRole
hs_session_get_role (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), HS_SESSION_ROLE_LOCAL);

  return self->role;
}

void
hs_session_set_allow_remote (HsSession *self, gboolean allow)
{
  g_return_if_fail (HS_IS_SESSION (self));

  allow = !!allow;
  if (self->allow_remote == allow)
    return;
  self->allow_remote = allow;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_REMOTE]);
}

gboolean
hs_session_get_allow_remote (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);

  return self->allow_remote;
}

void
hs_session_set_max_connections (HsSession *self, guint max)
{
  g_return_if_fail (HS_IS_SESSION (self));

  max = CLAMP (max, 1, G_MAXUINT16);
  if (self->max_connections == max)
    return;
  self->max_connections = max;
  hs_server_reserve (self->server, max);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_CONNECTIONS]);
}

guint
hs_session_get_max_connections (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), 0);

  return self->max_connections;
}

guint
hs_session_get_n_refused (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), 0);

  return self->n_refused;
}

void
hs_session_set_max_bytes_kept (HsSession *self, gsize max)
{
  g_return_if_fail (HS_IS_SESSION (self));

  self->max_bytes_kept = max;
}

GListModel *
hs_session_get_connections (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), NULL);

  return G_LIST_MODEL (self->connections);
}

gboolean
hs_session_end_connection (HsSession *self, guint id, HsAppAction action, GError **error)
{
  g_return_val_if_fail (HS_IS_SESSION (self), FALSE);
  g_return_val_if_fail (action == HS_APP_CLOSE || action == HS_APP_ABORT, FALSE);

  for (guint i = 0; self->lab == NULL && self->sim == NULL && i < self->conns->len; i++)
    {
      Conn *c = g_ptr_array_index (self->conns, i);
      HsSide side;

      if (c->id != id)
        continue;
      side = our_side (self, c);
      if ((c->endpoint[side] == NULL || !hs_endpoint_is_open (c->endpoint[side])) &&
          !(side == HS_SIDE_CLIENT && c->connecting))
        break;
      return end_conn (self, c, side, action, error);
    }

  g_set_error_literal (error, HS_SESSION_ERROR, HS_SESSION_ERROR_NOT_CONNECTED,
                       _ ("That connection is already closed."));
  return FALSE;
}

void
hs_session_set_capture_enabled (HsSession *self, gboolean enabled)
{
  g_return_if_fail (HS_IS_SESSION (self));

  self->capture_enabled = !!enabled;
}

HsCaptureMode
hs_session_get_capture_mode (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), HS_CAPTURE_MODE_INFERRED);

  return self->capture != NULL ? HS_CAPTURE_MODE_CAPTURED : HS_CAPTURE_MODE_INFERRED;
}

const char *
hs_session_get_capture_description (HsSession *self)
{
  g_return_val_if_fail (HS_IS_SESSION (self), NULL);

  if (self->capture != NULL)
    return _ ("Captured: the arrows are real segments read with a packet socket, with their "
              "absolute sequence numbers.");
  if (self->capture_description != NULL)
    return self->capture_description;
  return _ ("Inferred: the arrows are implied by what the sockets do and checked against the "
            "kernel's states.");
}
