/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-sim"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "hs-sim.h"

/* A guard against a model that never settles: far more events than any
 * lesson (a connection that gives up after 15 retransmissions has ~50). */
#define MAX_STEPS_PER_RUN 1000000

/* One connection and the endpoints of both hosts for it. */
typedef struct
{
  guint id;
  HsTcb *tcb[2];     /* NULL before the endpoint exists and once it is gone */
  HsAddress addr[2]; /* the client's and the server's address and port */
  gboolean child;    /* the server's endpoint came from the listener */
  gboolean app_open[2];
  gboolean aborted[2];
  gboolean connecting;
  gboolean base_known[2];
  guint32 base[2]; /* relative numbering where no ISN exists */
  HsTcpState last[2];
  gboolean in_live;
} SimConn;

typedef struct
{
  HsSimWireSegment info;
  SimConn *conn;
  HsTcbSegment segment;
  guint64 order;
} WireItem;

struct _HsSim
{
  GObject parent_instance;

  HsTrace *trace;
  GRand *rand;
  HsTcbConfig config;
  gint64 flight_us;
  gint64 now_us;
  HsAddress host[2];

  HsTcb *listener;
  guint16 listen_port;
  GPtrArray *conns; /* SimConn*, oldest first */
  GPtrArray *live;  /* the conns with an endpoint or an application's socket */
  GHashTable *by_id;
  gboolean prune;

  GArray *wire; /* WireItem, in the order they were sent */
  guint64 next_order;
  gboolean hold;
  gboolean drop_next;

  GArray *out; /* scratch for the endpoints' output */
  gboolean changed;
};

enum
{
  ERROR,
  CHANGED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (HsSim, hs_sim, G_TYPE_OBJECT)
G_DEFINE_QUARK (hs - sim - error - quark, hs_sim_error)

static guint signals[N_SIGNALS];

static void
sim_conn_free (SimConn *c)
{
  g_clear_pointer (&c->tcb[0], hs_tcb_free);
  g_clear_pointer (&c->tcb[1], hs_tcb_free);
  g_free (c);
}

static gboolean
conn_is_live (SimConn *c)
{
  return c->tcb[0] != NULL || c->tcb[1] != NULL || c->app_open[0] || c->app_open[1] ||
         c->connecting;
}

/* Keeps the loops over connections short in a long session: only live
 * ones are visited. */
static void
prune_live (HsSim *self)
{
  if (!self->prune)
    return;
  self->prune = FALSE;
  for (guint i = self->live->len; i-- > 0;)
    {
      SimConn *c = g_ptr_array_index (self->live, i);

      if (!conn_is_live (c))
        {
          c->in_live = FALSE;
          g_ptr_array_remove_index (self->live, i);
        }
    }
}

static void
make_live (HsSim *self, SimConn *c)
{
  if (c->in_live)
    return;
  c->in_live = TRUE;
  g_ptr_array_add (self->live, c);
}

static void
wire_item_clear (WireItem *item)
{
  hs_tcb_segment_clear (&item->segment);
}

static void
notify_changed (HsSim *self)
{
  if (!self->changed)
    return;
  self->changed = FALSE;
  g_signal_emit (self, signals[CHANGED], 0);
}

/* Recording. */

static void
append (HsSim *self, HsEvent *event)
{
  event->time_us = self->now_us;
  hs_trace_append (self->trace, event);
  self->changed = TRUE;
}

static void
record_state (HsSim *self,
              SimConn *c,
              guint connection,
              HsSide side,
              HsTcpState from,
              HsTcpState to)
{
  HsEvent event = { 0 };

  event.kind = HS_EVENT_STATE;
  event.connection = connection;
  event.side = side;
  event.from = from;
  event.to = to;
  event.source = HS_STATE_SOURCE_MODEL;
  append (self, &event);
  if (c != NULL)
    c->last[side] = to;
}

static void
record_app (HsSim *self,
            guint connection,
            HsSide side,
            HsAppAction action,
            const char *text,
            GBytes *data)
{
  HsEvent event = { 0 };

  event.kind = HS_EVENT_APP;
  event.connection = connection;
  event.side = side;
  event.action = action;
  event.text = (char *) text;
  event.data = data;
  append (self, &event);
}

static void
record_error (HsSim *self, guint connection, HsSide side, HsTraceError error, const char *message)
{
  HsEvent event = { 0 };

  event.kind = HS_EVENT_ERROR;
  event.connection = connection;
  event.side = side;
  event.error = error;
  event.text = (char *) message;
  append (self, &event);
  g_signal_emit (self, signals[ERROR], 0, (guint) error, message);
}

/* Sequence numbers in the trace are relative to the sender's ISN; a side
 * that never sent a SYN (a closed port's RST) counts from its first
 * segment, as Wireshark does. */
static guint32
relative_base (HsSim *self, SimConn *c, HsSide side, guint32 first)
{
  guint32 isn;

  if (hs_trace_connection_get_isn (self->trace, c->id, side, &isn))
    return isn;
  if (!c->base_known[side])
    {
      c->base_known[side] = TRUE;
      c->base[side] = first;
    }
  return c->base[side];
}

static guint
record_segment (HsSim *self,
                SimConn *c,
                HsSide side,
                const HsTcbSegment *segment,
                HsSegmentFate fate)
{
  HsEvent event = { 0 };

  if ((segment->flags & HS_TCP_SYN) &&
      !hs_trace_connection_get_isn (self->trace, c->id, side, NULL))
    hs_trace_set_isn (self->trace, c->id, side, segment->seq);

  event.kind = HS_EVENT_SEGMENT;
  event.connection = c->id;
  event.side = side;
  event.flags = segment->flags;
  event.rel_seq = hs_seq_sub (segment->seq, relative_base (self, c, side, segment->seq));
  if (segment->flags & HS_TCP_ACK)
    event.rel_ack =
        hs_seq_sub (segment->ack, relative_base (self, c, HS_SIDE_OTHER (side), segment->ack));
  event.len = hs_tcb_segment_get_len (segment);
  event.window = segment->window;
  event.window_known = TRUE;
  event.options = segment->options;
  event.provenance = HS_PROVENANCE_SIMULATED;
  event.fate = fate;
  event.retransmission = segment->retransmission;
  event.time_us = self->now_us;
  self->changed = TRUE;
  return hs_trace_append (self->trace, &event);
}

/* The wire. */

static void
wire_send (HsSim *self, SimConn *c, HsSide from, const HsTcbSegment *segment)
{
  HsSegmentFate fate = HS_SEGMENT_FATE_DELIVERED;
  WireItem item = { 0 };
  guint index;

  if (self->drop_next)
    {
      fate = HS_SEGMENT_FATE_DROPPED;
      self->drop_next = FALSE;
    }
  else if (self->hold)
    fate = HS_SEGMENT_FATE_HELD;

  index = record_segment (self, c, from, segment, fate);
  if (fate == HS_SEGMENT_FATE_DROPPED)
    return;

  item.info.trace_index = index;
  item.info.connection = c->id;
  item.info.from = from;
  item.info.sent_us = self->now_us;
  item.info.held = fate == HS_SEGMENT_FATE_HELD;
  item.info.arrive_us = item.info.held ? G_MAXINT64 : self->now_us + self->flight_us;
  item.conn = c;
  item.order = self->next_order++;
  hs_tcb_segment_copy (&item.segment, segment);
  g_array_append_val (self->wire, item);
}

static char *
address_text (const HsAddress *address)
{
  return hs_address_to_string (address);
}

static void arrive (HsSim *self, WireItem *item);

/* Takes what an endpoint of @c on @side said into the trace and the wire,
 * and forgets the endpoint once it is closed. */
static void
take_output (HsSim *self, SimConn *c, HsSide side, HsTcb *tcb)
{
  gboolean is_listener = tcb == self->listener;

  for (guint i = 0; i < self->out->len; i++)
    {
      HsTcbOutput *o = &g_array_index (self->out, HsTcbOutput, i);

      switch (o->kind)
        {
          case HS_TCB_OUTPUT_SEGMENT:
            wire_send (self, c, side, &o->segment);
            break;

          case HS_TCB_OUTPUT_STATE:
            {
              HsTcpState to = o->to;

              if (is_listener)
                break;
              /* An embryonic connection "returns to LISTEN" (RFC 9293): the
               * listener goes on, this connection is gone. */
              if (c->child && to == HS_TCP_STATE_LISTEN)
                to = HS_TCP_STATE_CLOSED;
              record_state (self, c, c->id, side, o->from, to);
              if (to == HS_TCP_STATE_ESTABLISHED)
                {
                  if (side == HS_SIDE_CLIENT)
                    c->connecting = FALSE;
                  if (side == HS_SIDE_SERVER && c->child && !c->app_open[HS_SIDE_SERVER])
                    {
                      g_autofree char *peer = address_text (&c->addr[HS_SIDE_CLIENT]);

                      c->app_open[HS_SIDE_SERVER] = TRUE;
                      record_app (self, c->id, HS_SIDE_SERVER, HS_APP_ACCEPT, peer, NULL);
                    }
                }
              if (to == HS_TCP_STATE_CLOSED && side == HS_SIDE_CLIENT)
                c->connecting = FALSE;
              break;
            }

          case HS_TCB_OUTPUT_DATA:
            record_app (self, c->id, side, HS_APP_RECEIVE, NULL, o->data);
            break;

          case HS_TCB_OUTPUT_EOF:
            record_app (self, c->id, side, HS_APP_EOF, NULL, NULL);
            break;

          case HS_TCB_OUTPUT_ERROR:
            switch (o->error)
              {
                case HS_TRACE_ERROR_CONNECTION_REFUSED:
                  {
                    g_autofree char *target = address_text (&c->addr[HS_SIDE_OTHER (side)]);
                    g_autofree char *message =
                        g_strdup_printf (_ ("The simulated host %s refused the connection: nothing "
                                            "listens on "
                                            "that port, so it answered the SYN with RST."),
                                         target);

                    c->app_open[side] = FALSE;
                    record_error (self, c->id, side, o->error, message);
                    break;
                  }
                case HS_TRACE_ERROR_CONNECTION_RESET:
                  record_app (self, c->id, side, HS_APP_RESET, NULL, NULL);
                  /* A reset the other application asked for (abort) is the
                   * lesson, not an error. */
                  if (!c->aborted[HS_SIDE_OTHER (side)])
                    record_error (self, c->id, side, o->error,
                                  _ ("The other side reset the connection (RST)."));
                  break;
                case HS_TRACE_ERROR_TIMED_OUT:
                default:
                  if (c->connecting && side == HS_SIDE_CLIENT)
                    c->app_open[side] = FALSE;
                  record_error (self, c->id, side, o->error,
                                _ ("The connection timed out: the other side did not answer "
                                   "the retransmissions."));
                  break;
              }
            break;

          default:
            break;
        }
    }
  g_array_set_size (self->out, 0);

  if (!is_listener && c->tcb[side] == tcb)
    {
      HsTcpState state = hs_tcb_get_state (tcb);

      if (state == HS_TCP_STATE_CLOSED || (c->child && state == HS_TCP_STATE_LISTEN))
        {
          g_clear_pointer (&c->tcb[side], hs_tcb_free);
          if (side == HS_SIDE_CLIENT)
            c->connecting = FALSE;
        }
    }
  self->prune = TRUE;
  prune_live (self);
}

static gboolean
is_pure_syn (const HsTcbSegment *segment)
{
  return (segment->flags & (HS_TCP_SYN | HS_TCP_ACK | HS_TCP_RST)) == HS_TCP_SYN;
}

static void
arrive (HsSim *self, WireItem *item)
{
  SimConn *c = item->conn;
  HsSide to = HS_SIDE_OTHER (item->info.from);
  HsTcb *tcb = c->tcb[to];
  const HsTcbSegment *segment = &item->segment;

  if (tcb == NULL && to == HS_SIDE_SERVER && self->listener != NULL &&
      segment->dst.port == self->listen_port)
    {
      if (is_pure_syn (segment))
        {
          /* Linux keeps the listener and makes a request socket per SYN. */
          tcb = hs_tcb_new (&self->config, &segment->dst, self->rand);
          hs_tcb_listen (tcb, self->out, NULL);
          g_array_set_size (self->out, 0);
          c->tcb[to] = tcb;
          c->child = TRUE;
          make_live (self, c);
        }
      else
        tcb = self->listener;
    }

  if (tcb == NULL)
    {
      HsTcbSegment reset;

      /* No socket: the host's stack answers (RFC 9293, 3.10.7.1). */
      if (hs_tcb_reset_for_segment (segment, &reset))
        wire_send (self, c, to, &reset);
      return;
    }

  hs_tcb_input (tcb, segment, self->now_us, self->out);
  take_output (self, c, to, tcb);
}

static guint
find_wire_item (HsSim *self, gboolean held_only, guint trace_index, gboolean any_index)
{
  guint best = G_MAXUINT;

  for (guint i = 0; i < self->wire->len; i++)
    {
      WireItem *item = &g_array_index (self->wire, WireItem, i);

      if (held_only && !item->info.held)
        continue;
      if (!any_index && item->info.trace_index != trace_index)
        continue;
      if (best == G_MAXUINT || item->order < g_array_index (self->wire, WireItem, best).order)
        best = i;
    }
  return best;
}

/* Takes item @i off the wire and lets it arrive now. */
static void
deliver_item (HsSim *self, guint i)
{
  WireItem item = g_array_index (self->wire, WireItem, i);

  /* The array owns the copy's payload now; take it out without clearing. */
  g_array_index (self->wire, WireItem, i).segment.payload = NULL;
  g_array_remove_index (self->wire, i);

  arrive (self, &item);
  wire_item_clear (&item);
  self->changed = TRUE;
}

/* A held segment goes on: it arrives one flight time from now, so that
 * stepping through a lesson gives the same round-trip times, and so the
 * same retransmission timeouts, as Auto. */
static void
release_item (HsSim *self, guint i)
{
  WireItem *item = &g_array_index (self->wire, WireItem, i);

  item->info.held = FALSE;
  item->info.arrive_us = self->now_us + self->flight_us;
  hs_trace_update_segment_fate (self->trace, item->info.trace_index, HS_SEGMENT_FATE_DELIVERED);
  self->changed = TRUE;
}

static void
drop_item (HsSim *self, guint i)
{
  WireItem *item = &g_array_index (self->wire, WireItem, i);

  hs_trace_update_segment_fate (self->trace, item->info.trace_index, HS_SEGMENT_FATE_DROPPED);
  g_array_remove_index (self->wire, i);
  self->changed = TRUE;
}

/* The clock. */

static gint64
next_arrival (HsSim *self, guint *index)
{
  gint64 best = G_MAXINT64;
  guint64 best_order = G_MAXUINT64;

  for (guint i = 0; i < self->wire->len; i++)
    {
      WireItem *item = &g_array_index (self->wire, WireItem, i);

      if (item->info.held)
        continue;
      if (item->info.arrive_us < best || (item->info.arrive_us == best && item->order < best_order))
        {
          best = item->info.arrive_us;
          best_order = item->order;
          if (index != NULL)
            *index = i;
        }
    }
  return best;
}

/* The earliest timer of any endpoint; with @active_only, only those that
 * keep the simulation from being idle (hs_sim_is_idle()). */
static gint64
next_timer (HsSim *self, gboolean active_only, SimConn **conn, HsSide *side)
{
  gint64 best = G_MAXINT64;
  gboolean held = active_only && hs_sim_get_n_held (self) > 0;

  for (guint i = 0; i < self->live->len; i++)
    {
      SimConn *c = g_ptr_array_index (self->live, i);

      for (HsSide s = HS_SIDE_CLIENT; s <= HS_SIDE_SERVER; s++)
        {
          gint64 deadline;

          if (c->tcb[s] == NULL)
            continue;
          if (active_only)
            {
              deadline = hs_tcb_get_timer_deadline (c->tcb[s], HS_TCB_TIMER_DELAYED_ACK);
              if (!held)
                deadline =
                    MIN (deadline, hs_tcb_get_timer_deadline (c->tcb[s], HS_TCB_TIMER_RETRANSMIT));
            }
          else
            deadline = hs_tcb_get_next_deadline (c->tcb[s], NULL);

          if (deadline < best)
            {
              best = deadline;
              if (conn != NULL)
                *conn = c;
              if (side != NULL)
                *side = s;
            }
        }
    }
  return best;
}

/* Runs the first arrival or timer due by @limit; FALSE when there is none.
 * At equal times an arrival goes first. */
static gboolean
run_one (HsSim *self, gint64 limit)
{
  guint index = 0;
  SimConn *c = NULL;
  HsSide side = HS_SIDE_CLIENT;
  gint64 arrival = next_arrival (self, &index);
  gint64 timer = next_timer (self, FALSE, &c, &side);

  if (MIN (arrival, timer) > limit)
    return FALSE;

  if (arrival <= timer)
    {
      self->now_us = MAX (self->now_us, arrival);
      deliver_item (self, index);
    }
  else
    {
      HsTcb *tcb = c->tcb[side];

      self->now_us = MAX (self->now_us, timer);
      hs_tcb_on_timer (tcb, self->now_us, self->out);
      take_output (self, c, side, tcb);
    }
  return TRUE;
}

static void
advance_to (HsSim *self, gint64 time_us)
{
  guint steps = 0;

  while (steps++ < MAX_STEPS_PER_RUN && run_one (self, time_us))
    ;
  if (steps >= MAX_STEPS_PER_RUN)
    g_critical ("The simulation did not settle by %" G_GINT64_FORMAT " µs", time_us);
  self->now_us = MAX (self->now_us, time_us);
}

/* Object. */

static void
hs_sim_finalize (GObject *object)
{
  HsSim *self = (HsSim *) object;

  g_clear_pointer (&self->wire, g_array_unref);
  g_clear_pointer (&self->live, g_ptr_array_unref);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->conns, g_ptr_array_unref);
  g_clear_pointer (&self->listener, hs_tcb_free);
  g_clear_pointer (&self->out, g_array_unref);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_object (&self->trace);

  G_OBJECT_CLASS (hs_sim_parent_class)->finalize (object);
}

static void
hs_sim_class_init (HsSimClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hs_sim_finalize;

  /**
   * HsSim::error:
   * @kind: an HsTraceError
   * @message: a translated sentence, as recorded in the trace
   */
  signals[ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);

  /**
   * HsSim::changed:
   *
   * The trace, the wire or the sockets changed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 0);
}

static void
hs_sim_init (HsSim *self)
{
  static const guint8 client[4] = { 10, 0, 0, 1 };
  static const guint8 server[4] = { 10, 0, 0, 2 };

  hs_tcb_config_init (&self->config);
  self->flight_us = HS_SIM_DEFAULT_FLIGHT_US;
  self->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) sim_conn_free);
  self->live = g_ptr_array_new ();
  self->by_id = g_hash_table_new (NULL, NULL);
  self->wire = g_array_new (FALSE, TRUE, sizeof (WireItem));
  g_array_set_clear_func (self->wire, (GDestroyNotify) wire_item_clear);
  self->out = hs_tcb_output_array_new ();
  self->host[HS_SIDE_CLIENT].family = 4;
  memcpy (self->host[HS_SIDE_CLIENT].addr, client, 4);
  self->host[HS_SIDE_SERVER].family = 4;
  memcpy (self->host[HS_SIDE_SERVER].addr, server, 4);
}

HsSim *
hs_sim_new (HsTrace *trace, guint32 seed)
{
  HsSim *self;

  g_return_val_if_fail (trace == NULL || HS_IS_TRACE (trace), NULL);

  self = g_object_new (HS_TYPE_SIM, NULL);
  self->trace = trace != NULL ? g_object_ref (trace) : hs_trace_new ();
  hs_trace_set_network (self->trace, "sim");
  hs_trace_set_virtual_time (self->trace, TRUE);
  self->rand = g_rand_new_with_seed (seed);
  return self;
}

void
hs_sim_set_seed (HsSim *self, guint32 seed)
{
  g_return_if_fail (HS_IS_SIM (self));

  g_rand_set_seed (self->rand, seed);
}

HsTrace *
hs_sim_get_trace (HsSim *self)
{
  g_return_val_if_fail (HS_IS_SIM (self), NULL);

  return self->trace;
}

const HsAddress *
hs_sim_get_host_address (HsSim *self, HsSide host)
{
  g_return_val_if_fail (HS_IS_SIM (self), NULL);
  g_return_val_if_fail (host == HS_SIDE_CLIENT || host == HS_SIDE_SERVER, NULL);

  return &self->host[host];
}

const HsTcbConfig *
hs_sim_get_config (HsSim *self)
{
  g_return_val_if_fail (HS_IS_SIM (self), NULL);

  return &self->config;
}

void
hs_sim_set_config (HsSim *self, const HsTcbConfig *config)
{
  g_return_if_fail (HS_IS_SIM (self));
  g_return_if_fail (config != NULL);

  self->config = *config;
}

gint64
hs_sim_get_flight_time (HsSim *self)
{
  g_return_val_if_fail (HS_IS_SIM (self), 0);

  return self->flight_us;
}

void
hs_sim_set_flight_time (HsSim *self, gint64 flight_us)
{
  g_return_if_fail (HS_IS_SIM (self));
  g_return_if_fail (flight_us >= 0);

  self->flight_us = flight_us;
}

/* Applications. */

static gboolean
port_in_use (HsSim *self, HsSide host, guint16 port)
{
  if (host == HS_SIDE_SERVER && self->listener != NULL && self->listen_port == port)
    return TRUE;

  for (guint i = 0; i < self->live->len; i++)
    {
      SimConn *c = g_ptr_array_index (self->live, i);

      if (c->tcb[host] != NULL && c->addr[host].port == port)
        return TRUE;
    }
  return FALSE;
}

static guint16
pick_port (HsSim *self, HsSide host)
{
  for (;;)
    {
      guint16 port =
          (guint16) g_rand_int_range (self->rand, HS_SIM_EPHEMERAL_LOW, HS_SIM_EPHEMERAL_HIGH + 1);

      if (!port_in_use (self, host, port))
        return port;
    }
}

gboolean
hs_sim_listen (HsSim *self, guint16 port, GError **error)
{
  HsAddress address;
  g_autofree char *text = NULL;

  g_return_val_if_fail (HS_IS_SIM (self), FALSE);

  if (self->listener != NULL)
    {
      g_set_error_literal (error, HS_SIM_ERROR, HS_SIM_ERROR_BUSY,
                           _ ("The server is already listening. Stop it first."));
      return FALSE;
    }
  if (port != 0 && port_in_use (self, HS_SIDE_SERVER, port))
    {
      g_set_error (error, HS_SIM_ERROR, HS_SIM_ERROR_BUSY,
                   _ ("Port %u of the simulated server is in use."), port);
      return FALSE;
    }

  address = self->host[HS_SIDE_SERVER];
  address.port = port != 0 ? port : pick_port (self, HS_SIDE_SERVER);
  text = address_text (&address);
  record_app (self, 0, HS_SIDE_SERVER, HS_APP_LISTEN, text, NULL);

  self->listener = hs_tcb_new (&self->config, &address, self->rand);
  self->listen_port = address.port;
  hs_tcb_listen (self->listener, self->out, NULL);
  g_array_set_size (self->out, 0);
  hs_trace_set_connection_address (self->trace, 0, HS_SIDE_SERVER, &address);
  record_state (self, NULL, 0, HS_SIDE_SERVER, HS_TCP_STATE_CLOSED, HS_TCP_STATE_LISTEN);
  notify_changed (self);
  return TRUE;
}

void
hs_sim_stop_listening (HsSim *self)
{
  g_return_if_fail (HS_IS_SIM (self));

  if (self->listener == NULL)
    return;

  record_app (self, 0, HS_SIDE_SERVER, HS_APP_STOP, NULL, NULL);
  g_clear_pointer (&self->listener, hs_tcb_free);
  record_state (self, NULL, 0, HS_SIDE_SERVER, HS_TCP_STATE_LISTEN, HS_TCP_STATE_CLOSED);

  /* Connections still in SYN_RECEIVED belonged to the listener's queue. */
  for (guint i = 0; i < self->live->len; i++)
    {
      SimConn *c = g_ptr_array_index (self->live, i);

      if (c->child && c->tcb[HS_SIDE_SERVER] != NULL &&
          hs_tcb_get_state (c->tcb[HS_SIDE_SERVER]) == HS_TCP_STATE_SYN_RECEIVED)
        {
          g_clear_pointer (&c->tcb[HS_SIDE_SERVER], hs_tcb_free);
          record_state (self, c, c->id, HS_SIDE_SERVER, HS_TCP_STATE_SYN_RECEIVED,
                        HS_TCP_STATE_CLOSED);
          self->prune = TRUE;
        }
    }
  prune_live (self);
  notify_changed (self);
}

gboolean
hs_sim_is_listening (HsSim *self)
{
  g_return_val_if_fail (HS_IS_SIM (self), FALSE);

  return self->listener != NULL;
}

guint16
hs_sim_get_listen_port (HsSim *self)
{
  g_return_val_if_fail (HS_IS_SIM (self), 0);

  return self->listener != NULL ? self->listen_port : 0;
}

/* The newest connection whose @side the application still holds. */
static SimConn *
find_active (HsSim *self, HsSide side)
{
  for (guint i = self->live->len; i-- > 0;)
    {
      SimConn *c = g_ptr_array_index (self->live, i);

      if (c->app_open[side])
        return c;
    }
  return NULL;
}

static SimConn *
add_conn (HsSim *self, const HsAddress *client, const HsAddress *server)
{
  SimConn *c = g_new0 (SimConn, 1);

  c->addr[HS_SIDE_CLIENT] = *client;
  c->addr[HS_SIDE_SERVER] = *server;
  c->last[HS_SIDE_CLIENT] = HS_TCP_STATE_CLOSED;
  c->last[HS_SIDE_SERVER] = HS_TCP_STATE_CLOSED;
  c->id = hs_trace_add_connection (self->trace, client, server);
  g_ptr_array_add (self->conns, c);
  make_live (self, c);
  g_hash_table_insert (self->by_id, GUINT_TO_POINTER (c->id), c);
  return c;
}

gboolean
hs_sim_can_connect (HsSim *self)
{
  g_return_val_if_fail (HS_IS_SIM (self), FALSE);

  return find_active (self, HS_SIDE_CLIENT) == NULL;
}

gboolean
hs_sim_can_use (HsSim *self, HsSide side)
{
  g_return_val_if_fail (HS_IS_SIM (self), FALSE);

  return find_active (self, side) != NULL;
}

guint
hs_sim_get_current (HsSim *self)
{
  g_return_val_if_fail (HS_IS_SIM (self), 0);

  if (self->conns->len == 0)
    return 0;
  return ((SimConn *) g_ptr_array_index (self->conns, self->conns->len - 1))->id;
}

HsTcpState
hs_sim_get_state (HsSim *self, guint connection, HsSide side)
{
  g_return_val_if_fail (HS_IS_SIM (self), HS_TCP_STATE_UNKNOWN);

  if (connection == 0)
    return self->listener != NULL && side == HS_SIDE_SERVER ? HS_TCP_STATE_LISTEN
                                                            : HS_TCP_STATE_CLOSED;
  {
    SimConn *c = g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (connection));

    if (c == NULL || c->tcb[side] == NULL)
      return HS_TCP_STATE_CLOSED;
    return hs_tcb_get_state (c->tcb[side]);
  }
}

gboolean
hs_sim_is_connecting (HsSim *self)
{
  g_return_val_if_fail (HS_IS_SIM (self), FALSE);

  for (guint i = 0; i < self->live->len; i++)
    if (((SimConn *) g_ptr_array_index (self->live, i))->connecting)
      return TRUE;
  return FALSE;
}

typedef enum
{
  TARGET_SERVER,
  TARGET_HOST_UNREACHABLE,
  TARGET_NETWORK_UNREACHABLE,
} Target;

static Target
classify_target (HsSim *self, const HsAddress *address)
{
  static const guint8 zero[16] = { 0 };
  static const guint8 loopback6[16] = { [15] = 1 };

  if (address->family == 4)
    {
      if (address->addr[0] == 127 || memcmp (address->addr, zero, 4) == 0 ||
          memcmp (address->addr, self->host[HS_SIDE_SERVER].addr, 4) == 0)
        return TARGET_SERVER;
      if (address->addr[0] == 10 && address->addr[1] == 0 && address->addr[2] == 0)
        return TARGET_HOST_UNREACHABLE;
      return TARGET_NETWORK_UNREACHABLE;
    }
  if (memcmp (address->addr, loopback6, 16) == 0)
    return TARGET_SERVER;
  return TARGET_NETWORK_UNREACHABLE;
}

static gboolean
open_active (HsSim *self, SimConn *c, HsSide host)
{
  HsTcb *tcb = hs_tcb_new (&self->config, &c->addr[host], self->rand);
  gboolean ok;

  c->tcb[host] = tcb;
  c->app_open[host] = TRUE;
  make_live (self, c);
  if (host == HS_SIDE_CLIENT)
    c->connecting = TRUE;
  ok = hs_tcb_connect (tcb, &c->addr[HS_SIDE_OTHER (host)], self->now_us, self->out, NULL);
  take_output (self, c, host, tcb);
  return ok;
}

gboolean
hs_sim_connect (HsSim *self, const char *host, guint16 port, GError **error)
{
  HsAddress target = { 0 };
  HsAddress client;
  g_autofree char *stripped = NULL;
  g_autofree char *text = NULL;
  SimConn *c;
  Target kind;

  g_return_val_if_fail (HS_IS_SIM (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  stripped = g_strstrip (g_strdup (host));
  if (g_ascii_strcasecmp (stripped, "localhost") == 0)
    {
      g_free (stripped);
      stripped = g_strdup ("127.0.0.1");
    }
  if (!hs_address_parse (stripped, &target) || target.port != 0)
    {
      g_set_error (error, HS_SIM_ERROR, HS_SIM_ERROR_INVALID_ADDRESS,
                   _ ("“%s” is not an address of the simulated network. Type 10.0.0.2 or "
                      "127.0.0.1."),
                   host);
      return FALSE;
    }
  if (port == 0)
    {
      g_set_error_literal (error, HS_SIM_ERROR, HS_SIM_ERROR_INVALID_ADDRESS,
                           _ ("Port 0 cannot be connected to. Type the server's port, such as "
                              "5005."));
      return FALSE;
    }
  if (!hs_sim_can_connect (self))
    {
      g_set_error_literal (error, HS_SIM_ERROR, HS_SIM_ERROR_BUSY,
                           _ ("The client already has a connection. Close or abort it first."));
      return FALSE;
    }

  kind = classify_target (self, &target);
  if (kind == TARGET_SERVER)
    target = self->host[HS_SIDE_SERVER];
  target.port = port;

  client = self->host[HS_SIDE_CLIENT];
  client.port = pick_port (self, HS_SIDE_CLIENT);
  c = add_conn (self, &client, &target);
  text = address_text (&target);
  record_app (self, c->id, HS_SIDE_CLIENT, HS_APP_CONNECT, text, NULL);

  if (kind != TARGET_SERVER)
    {
      g_autofree char *where = hs_address_to_host_string (&target);
      g_autofree char *message = NULL;

      /* connect() fails before a SYN leaves, as on a host without a route. */
      if (kind == TARGET_HOST_UNREACHABLE)
        message = g_strdup_printf (_ ("No simulated host has the address %s."), where);
      else
        message = g_strdup_printf (_ ("The simulated network has no route to %s: it joins only "
                                      "the client 10.0.0.1 and the server 10.0.0.2."),
                                   where);
      record_error (self, c->id, HS_SIDE_CLIENT,
                    kind == TARGET_HOST_UNREACHABLE ? HS_TRACE_ERROR_HOST_UNREACHABLE
                                                    : HS_TRACE_ERROR_NETWORK_UNREACHABLE,
                    message);
      notify_changed (self);
      return TRUE;
    }

  open_active (self, c, HS_SIDE_CLIENT);
  notify_changed (self);
  return TRUE;
}

gboolean
hs_sim_open (HsSim *self, HsSide host, guint16 local_port, guint16 remote_port, GError **error)
{
  HsAddress local, remote;
  g_autofree char *text = NULL;
  SimConn *c = NULL;

  g_return_val_if_fail (HS_IS_SIM (self), FALSE);
  g_return_val_if_fail (host == HS_SIDE_CLIENT || host == HS_SIDE_SERVER, FALSE);

  if (local_port == 0 || remote_port == 0)
    {
      g_set_error_literal (error, HS_SIM_ERROR, HS_SIM_ERROR_INVALID_ADDRESS,
                           _ ("Port 0 cannot be connected to. Type the server's port, such as "
                              "5005."));
      return FALSE;
    }
  if (port_in_use (self, host, local_port) || find_active (self, host) != NULL)
    {
      g_set_error (error, HS_SIM_ERROR, HS_SIM_ERROR_BUSY,
                   _ ("Port %u of the simulated server is in use."), local_port);
      return FALSE;
    }

  local = self->host[host];
  local.port = local_port;
  remote = self->host[HS_SIDE_OTHER (host)];
  remote.port = remote_port;

  /* The other host's half of a simultaneous open is already there. */
  for (guint i = self->live->len; i-- > 0;)
    {
      SimConn *candidate = g_ptr_array_index (self->live, i);

      if (candidate->tcb[host] == NULL && !candidate->app_open[host] &&
          hs_address_equal (&candidate->addr[host], &local) &&
          hs_address_equal (&candidate->addr[HS_SIDE_OTHER (host)], &remote))
        {
          c = candidate;
          break;
        }
    }
  if (c == NULL)
    c = host == HS_SIDE_CLIENT ? add_conn (self, &local, &remote)
                               : add_conn (self, &remote, &local);

  text = address_text (&remote);
  record_app (self, c->id, host, HS_APP_CONNECT, text, NULL);
  open_active (self, c, host);
  notify_changed (self);
  return TRUE;
}

static SimConn *
require_active (HsSim *self, HsSide side, GError **error)
{
  SimConn *c = find_active (self, side);

  if (c == NULL)
    g_set_error_literal (error, HS_SIM_ERROR, HS_SIM_ERROR_NOT_CONNECTED,
                         side == HS_SIDE_CLIENT
                             ? _ ("The client has no open connection. Connect first.")
                             : _ ("The server has no open connection. Listen, then connect a "
                                  "client."));
  return c;
}

gboolean
hs_sim_send (HsSim *self, HsSide side, const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
  SimConn *c;
  HsTcb *tcb;

  g_return_val_if_fail (HS_IS_SIM (self), FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if ((c = require_active (self, side, error)) == NULL)
    return FALSE;
  tcb = c->tcb[side];
  if (tcb != NULL && (hs_tcb_get_state (tcb) == HS_TCP_STATE_SYN_SENT ||
                      hs_tcb_get_state (tcb) == HS_TCP_STATE_SYN_RECEIVED))
    {
      g_set_error_literal (error, HS_SIM_ERROR, HS_SIM_ERROR_NOT_CONNECTED,
                           _ ("The connection is not established yet."));
      return FALSE;
    }
  if (len == 0)
    {
      g_set_error_literal (error, HS_SIM_ERROR, HS_SIM_ERROR_INVALID_ADDRESS,
                           _ ("Type some text to send."));
      return FALSE;
    }
  if (tcb == NULL)
    {
      g_set_error_literal (error, HS_TCB_ERROR, HS_TCB_ERROR_NOT_CONNECTED,
                           _ ("There is no connection to send on."));
      return FALSE;
    }

  bytes = g_bytes_new (data, len);
  record_app (self, c->id, side, HS_APP_SEND, NULL, bytes);
  if (!hs_tcb_send (tcb, data, len, self->now_us, self->out, error))
    {
      g_array_set_size (self->out, 0);
      notify_changed (self);
      return FALSE;
    }
  take_output (self, c, side, tcb);
  notify_changed (self);
  return TRUE;
}

static gboolean
end_connection (HsSim *self, HsSide side, HsAppAction action, GError **error)
{
  SimConn *c;
  HsTcb *tcb;
  gboolean ok = TRUE;

  if ((c = require_active (self, side, error)) == NULL)
    return FALSE;

  record_app (self, c->id, side, action, NULL, NULL);
  tcb = c->tcb[side];
  if (action != HS_APP_SHUTDOWN)
    c->app_open[side] = FALSE;
  if (action == HS_APP_ABORT)
    c->aborted[side] = TRUE;

  if (tcb != NULL)
    {
      switch (action)
        {
          case HS_APP_ABORT:
            hs_tcb_abort (tcb, self->now_us, self->out);
            break;
          case HS_APP_SHUTDOWN:
            ok = hs_tcb_shutdown (tcb, self->now_us, self->out, error);
            break;
          case HS_APP_CLOSE:
          default:
            ok = hs_tcb_close (tcb, self->now_us, self->out, error);
            break;
        }
      take_output (self, c, side, tcb);
    }

  self->prune = TRUE;
  prune_live (self);
  notify_changed (self);
  return ok;
}

gboolean
hs_sim_shutdown (HsSim *self, HsSide side, GError **error)
{
  g_return_val_if_fail (HS_IS_SIM (self), FALSE);

  return end_connection (self, side, HS_APP_SHUTDOWN, error);
}

gboolean
hs_sim_close (HsSim *self, HsSide side, GError **error)
{
  g_return_val_if_fail (HS_IS_SIM (self), FALSE);

  return end_connection (self, side, HS_APP_CLOSE, error);
}

gboolean
hs_sim_abort (HsSim *self, HsSide side, GError **error)
{
  g_return_val_if_fail (HS_IS_SIM (self), FALSE);

  return end_connection (self, side, HS_APP_ABORT, error);
}

/* The wire controls. */

void
hs_sim_set_hold (HsSim *self, gboolean hold)
{
  g_return_if_fail (HS_IS_SIM (self));

  hold = !!hold;
  if (self->hold == hold)
    return;
  self->hold = hold;

  /* Back to Auto: what was held crosses from now on. */
  if (!hold)
    {
      guint i;

      while ((i = find_wire_item (self, TRUE, 0, TRUE)) != G_MAXUINT)
        release_item (self, i);
    }
  self->changed = TRUE;
  notify_changed (self);
}

gboolean
hs_sim_get_hold (HsSim *self)
{
  g_return_val_if_fail (HS_IS_SIM (self), FALSE);

  return self->hold;
}

void
hs_sim_drop_next (HsSim *self)
{
  guint i;

  g_return_if_fail (HS_IS_SIM (self));

  i = find_wire_item (self, TRUE, 0, TRUE);
  if (i != G_MAXUINT)
    drop_item (self, i);
  else
    self->drop_next = TRUE;
  notify_changed (self);
}

gboolean
hs_sim_deliver (HsSim *self)
{
  guint i;

  g_return_val_if_fail (HS_IS_SIM (self), FALSE);

  i = find_wire_item (self, TRUE, 0, TRUE);
  if (i == G_MAXUINT)
    return FALSE;
  release_item (self, i);
  notify_changed (self);
  return TRUE;
}

gboolean
hs_sim_deliver_segment (HsSim *self, guint trace_index)
{
  guint i;

  g_return_val_if_fail (HS_IS_SIM (self), FALSE);

  i = find_wire_item (self, TRUE, trace_index, FALSE);
  if (i == G_MAXUINT)
    return FALSE;
  release_item (self, i);
  notify_changed (self);
  return TRUE;
}

gboolean
hs_sim_drop_segment (HsSim *self, guint trace_index)
{
  guint i;

  g_return_val_if_fail (HS_IS_SIM (self), FALSE);

  i = find_wire_item (self, FALSE, trace_index, FALSE);
  if (i == G_MAXUINT)
    return FALSE;
  drop_item (self, i);
  notify_changed (self);
  return TRUE;
}

void
hs_sim_deliver_all (HsSim *self)
{
  guint i;

  g_return_if_fail (HS_IS_SIM (self));

  self->hold = FALSE;
  while ((i = find_wire_item (self, TRUE, 0, TRUE)) != G_MAXUINT)
    release_item (self, i);
  self->changed = TRUE;
  notify_changed (self);
}

guint
hs_sim_get_n_held (HsSim *self)
{
  guint n = 0;

  g_return_val_if_fail (HS_IS_SIM (self), 0);

  for (guint i = 0; i < self->wire->len; i++)
    if (g_array_index (self->wire, WireItem, i).info.held)
      n++;
  return n;
}

GArray *
hs_sim_get_wire (HsSim *self)
{
  GArray *wire;

  g_return_val_if_fail (HS_IS_SIM (self), NULL);

  wire = g_array_sized_new (FALSE, FALSE, sizeof (HsSimWireSegment), self->wire->len);
  for (guint i = 0; i < self->wire->len; i++)
    g_array_append_val (wire, g_array_index (self->wire, WireItem, i).info);
  return wire;
}

/* The clock. */

gint64
hs_sim_get_now (HsSim *self)
{
  g_return_val_if_fail (HS_IS_SIM (self), 0);

  return self->now_us;
}

void
hs_sim_advance (HsSim *self, gint64 us)
{
  g_return_if_fail (HS_IS_SIM (self));
  g_return_if_fail (us >= 0);

  hs_sim_advance_to (self, self->now_us + us);
}

void
hs_sim_advance_to (HsSim *self, gint64 time_us)
{
  g_return_if_fail (HS_IS_SIM (self));

  advance_to (self, time_us);
  notify_changed (self);
}

gint64
hs_sim_get_next_deadline (HsSim *self)
{
  g_return_val_if_fail (HS_IS_SIM (self), G_MAXINT64);

  return MIN (next_arrival (self, NULL), next_timer (self, FALSE, NULL, NULL));
}

gboolean
hs_sim_is_idle (HsSim *self)
{
  g_return_val_if_fail (HS_IS_SIM (self), TRUE);

  return next_arrival (self, NULL) == G_MAXINT64 &&
         next_timer (self, TRUE, NULL, NULL) == G_MAXINT64;
}

gboolean
hs_sim_run_until_idle (HsSim *self, gint64 cap_us)
{
  gint64 limit;
  guint steps = 0;

  g_return_val_if_fail (HS_IS_SIM (self), FALSE);
  g_return_val_if_fail (cap_us >= 0, FALSE);

  limit = self->now_us + cap_us;
  while (steps++ < MAX_STEPS_PER_RUN)
    {
      gint64 next = MIN (next_arrival (self, NULL), next_timer (self, TRUE, NULL, NULL));

      if (next == G_MAXINT64)
        {
          notify_changed (self);
          return TRUE;
        }
      if (next > limit)
        break;
      advance_to (self, next);
    }

  advance_to (self, limit);
  notify_changed (self);
  return FALSE;
}

gboolean
hs_sim_has_time_wait (HsSim *self)
{
  g_return_val_if_fail (HS_IS_SIM (self), FALSE);

  for (guint i = 0; i < self->live->len; i++)
    {
      SimConn *c = g_ptr_array_index (self->live, i);

      for (HsSide s = HS_SIDE_CLIENT; s <= HS_SIDE_SERVER; s++)
        if (c->tcb[s] != NULL && hs_tcb_get_state (c->tcb[s]) == HS_TCP_STATE_TIME_WAIT)
          return TRUE;
    }
  return FALSE;
}

gboolean
hs_sim_run_until_time_wait_ends (HsSim *self, gint64 cap_us)
{
  gint64 limit;

  g_return_val_if_fail (HS_IS_SIM (self), FALSE);
  g_return_val_if_fail (cap_us >= 0, FALSE);

  limit = self->now_us + cap_us;
  while (hs_sim_has_time_wait (self))
    {
      gint64 next = hs_sim_get_next_deadline (self);

      if (next > limit)
        {
          advance_to (self, limit);
          notify_changed (self);
          return FALSE;
        }
      advance_to (self, next);
    }
  notify_changed (self);
  return TRUE;
}

/* The socket table. */

static void
add_socket_row (HsSim *self,
                GArray *rows,
                HsSide host,
                guint connection,
                HsTcb *tcb,
                const HsAddress *remote)
{
  HsSimSocket row = { 0 };
  gint64 deadline = G_MAXINT64;

  row.host = host;
  row.connection = connection;
  row.local = *hs_tcb_get_local (tcb);
  if (remote != NULL)
    row.remote = *remote;
  else
    row.remote.family = row.local.family; /* a listener's "*:*" */
  row.state = hs_tcb_get_state (tcb);
  row.send_q = row.state == HS_TCP_STATE_LISTEN ? 128 /* SOMAXCONN: what ss shows */
                                                : hs_tcb_get_send_queue (tcb);
  row.timer = hs_tcb_get_visible_timer (tcb, &deadline);
  if (row.timer != HS_TCB_TIMER_NONE)
    row.expires_ms = (guint32) MAX (0, (deadline - self->now_us + 999) / 1000);
  row.retransmits = hs_tcb_get_retransmits (tcb);
  g_array_append_val (rows, row);
}

GArray *
hs_sim_get_sockets (HsSim *self)
{
  GArray *rows;

  g_return_val_if_fail (HS_IS_SIM (self), NULL);

  rows = g_array_new (FALSE, TRUE, sizeof (HsSimSocket));
  if (self->listener != NULL)
    add_socket_row (self, rows, HS_SIDE_SERVER, 0, self->listener, NULL);

  for (guint i = 0; i < self->live->len; i++)
    {
      SimConn *c = g_ptr_array_index (self->live, i);

      for (HsSide s = HS_SIDE_CLIENT; s <= HS_SIDE_SERVER; s++)
        if (c->tcb[s] != NULL)
          add_socket_row (self, rows, s, c->id, c->tcb[s], &c->addr[HS_SIDE_OTHER (s)]);
    }
  return rows;
}
