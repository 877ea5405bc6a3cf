/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-inference"

#include "config.h"

#include "hs-inference.h"

#define NO_EVENT G_MAXUINT

/* What the inference believes about one connection. Sequence numbers are
 * relative to each side's ISN: the SYN is 0, the first data byte 1. */
typedef struct
{
  HsTcpState state[2];
  guint state_event[2];
  gboolean confirmed[2];
  gint64 changed_us[2]; /* when a state not read from the kernel was set */
  guint32 snd_nxt[2];   /* next sequence number @side sends */
  guint32 rcv_nxt[2];   /* what @side acknowledges of its peer's stream */
  guint32 data_sent[2]; /* payload bytes @side sent */
  guint32 data_recv[2]; /* payload bytes @side's application read */
  gboolean syn_sent[2];
  gboolean fin_sent[2];
  gboolean fin_arrived[2];     /* @side's FIN reached its peer */
  gboolean fin_acked[2];       /* the ACK of @side's FIN reached @side */
  gboolean fin_carries_ack[2]; /* @side's FIN also acknowledged the peer's FIN */
  gboolean ack_pending[2];     /* @side owes an ACK it is delaying */
  gboolean handshake_done;
  gboolean captured; /* real segments come from a capture: infer none */
  guint syn_retransmissions;
  guint last_syn_event;
} Conn;

struct _HsInference
{
  GObject parent_instance;

  HsTrace *trace;
  GArray *conns; /* Conn, indexed by connection id */
};

G_DEFINE_FINAL_TYPE (HsInference, hs_inference, G_TYPE_OBJECT)

static Conn *
get_conn (HsInference *self, guint id)
{
  /* The listener's pseudo-connection 0 and connections added behind the
   * inference's back (by another source) get default beliefs. */
  while (self->conns->len <= id)
    {
      Conn conn = { 0 };

      conn.state[HS_SIDE_CLIENT] = HS_TCP_STATE_CLOSED;
      conn.state[HS_SIDE_SERVER] =
          self->conns->len == 0 ? HS_TCP_STATE_CLOSED : HS_TCP_STATE_LISTEN;
      conn.state_event[0] = conn.state_event[1] = NO_EVENT;
      conn.last_syn_event = NO_EVENT;
      g_array_append_val (self->conns, conn);
    }

  return &g_array_index (self->conns, Conn, id);
}

static guint
emit_segment (HsInference *self,
              guint id,
              HsSide side,
              guint8 flags,
              guint32 len,
              guint retransmission)
{
  Conn *c = get_conn (self, id);
  HsEvent event = { 0 };
  guint index = NO_EVENT;

  event.kind = HS_EVENT_SEGMENT;
  event.connection = id;
  event.side = side;
  event.flags = flags;
  event.rel_seq = retransmission > 0 && (flags & HS_TCP_SYN) ? 0 : c->snd_nxt[side];
  event.rel_ack = (flags & HS_TCP_ACK) ? c->rcv_nxt[side] : 0;
  event.len = len;
  event.provenance = HS_PROVENANCE_INFERRED;
  event.fate = HS_SEGMENT_FATE_DELIVERED;
  event.retransmission = retransmission;

  if (!c->captured)
    index = hs_trace_append (self->trace, &event);

  if (retransmission == 0)
    {
      c->snd_nxt[side] += len;
      if (flags & (HS_TCP_SYN | HS_TCP_FIN))
        c->snd_nxt[side] += 1;
    }

  return index;
}

static void
emit_state (HsInference *self, guint id, HsSide side, HsTcpState to, HsStateSource source)
{
  Conn *c = get_conn (self, id);
  HsEvent event = { 0 };

  if (c->state[side] == to)
    {
      if (source == HS_STATE_SOURCE_KERNEL && !c->confirmed[side])
        {
          c->confirmed[side] = TRUE;
          if (c->state_event[side] != NO_EVENT)
            hs_trace_update_state_source (self->trace, c->state_event[side], source);
        }
      return;
    }

  event.kind = HS_EVENT_STATE;
  event.connection = id;
  event.side = side;
  event.from = c->state[side];
  event.to = to;
  event.source = source;

  c->state[side] = to;
  c->confirmed[side] = source == HS_STATE_SOURCE_KERNEL;
  if (source != HS_STATE_SOURCE_KERNEL)
    c->changed_us[side] = g_get_monotonic_time ();
  c->state_event[side] = hs_trace_append (self->trace, &event);
}

static void
hs_inference_finalize (GObject *object)
{
  HsInference *self = (HsInference *) object;

  g_clear_object (&self->trace);
  g_clear_pointer (&self->conns, g_array_unref);

  G_OBJECT_CLASS (hs_inference_parent_class)->finalize (object);
}

static void
hs_inference_class_init (HsInferenceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hs_inference_finalize;
}

static void
hs_inference_init (HsInference *self)
{
  self->conns = g_array_new (FALSE, TRUE, sizeof (Conn));
}

static void
trace_cleared_cb (HsInference *self)
{
  g_array_set_size (self->conns, 0);
}

HsInference *
hs_inference_new (HsTrace *trace)
{
  HsInference *self;

  g_return_val_if_fail (HS_IS_TRACE (trace), NULL);

  self = g_object_new (HS_TYPE_INFERENCE, NULL);
  self->trace = g_object_ref (trace);
  g_signal_connect_object (trace, "cleared", G_CALLBACK (trace_cleared_cb), self,
                           G_CONNECT_SWAPPED);
  get_conn (self, 0);

  return self;
}

HsTrace *
hs_inference_get_trace (HsInference *self)
{
  g_return_val_if_fail (HS_IS_INFERENCE (self), NULL);

  return self->trace;
}

guint
hs_inference_add_connection (HsInference *self, const HsAddress *client, const HsAddress *server)
{
  guint id;

  g_return_val_if_fail (HS_IS_INFERENCE (self), 0);

  id = hs_trace_add_connection (self->trace, client, server);
  get_conn (self, id);
  return id;
}

void
hs_inference_app (HsInference *self,
                  guint connection,
                  HsSide side,
                  HsAppAction action,
                  const char *text,
                  GBytes *data)
{
  HsEvent event = { 0 };

  g_return_if_fail (HS_IS_INFERENCE (self));

  event.kind = HS_EVENT_APP;
  event.connection = connection;
  event.side = side;
  event.action = action;
  event.text = (char *) text;
  event.data = data;
  hs_trace_append (self->trace, &event);
}

void
hs_inference_error (HsInference *self,
                    guint connection,
                    HsSide side,
                    HsTraceError kind,
                    const char *message)
{
  HsEvent event = { 0 };

  g_return_if_fail (HS_IS_INFERENCE (self));

  event.kind = HS_EVENT_ERROR;
  event.connection = connection;
  event.side = side;
  event.error = kind;
  event.text = (char *) message;
  hs_trace_append (self->trace, &event);
}

void
hs_inference_set_state (HsInference *self,
                        guint connection,
                        HsSide side,
                        HsTcpState state,
                        HsStateSource source)
{
  g_return_if_fail (HS_IS_INFERENCE (self));

  emit_state (self, connection, side, state, source);
}

void
hs_inference_set_captured (HsInference *self, guint connection, gboolean captured)
{
  g_return_if_fail (HS_IS_INFERENCE (self));

  get_conn (self, connection)->captured = !!captured;
}

void
hs_inference_syn_sent (HsInference *self, guint connection)
{
  Conn *c;

  g_return_if_fail (HS_IS_INFERENCE (self));

  c = get_conn (self, connection);
  if (c->syn_sent[HS_SIDE_CLIENT])
    return;

  c->syn_sent[HS_SIDE_CLIENT] = TRUE;
  c->last_syn_event = emit_segment (self, connection, HS_SIDE_CLIENT, HS_TCP_SYN, 0, 0);
  emit_state (self, connection, HS_SIDE_CLIENT, HS_TCP_STATE_SYN_SENT, HS_STATE_SOURCE_INFERRED);
}

void
hs_inference_syn_retransmitted (HsInference *self, guint connection, guint count)
{
  Conn *c;

  g_return_if_fail (HS_IS_INFERENCE (self));

  c = get_conn (self, connection);
  if (!c->syn_sent[HS_SIDE_CLIENT] || c->handshake_done)
    return;

  while (c->syn_retransmissions < count)
    {
      c->syn_retransmissions++;
      c->last_syn_event =
          emit_segment (self, connection, HS_SIDE_CLIENT, HS_TCP_SYN, 0, c->syn_retransmissions);
    }
}

void
hs_inference_handshake_done (HsInference *self, guint connection)
{
  Conn *c;

  g_return_if_fail (HS_IS_INFERENCE (self));

  c = get_conn (self, connection);
  if (c->handshake_done)
    return;

  /* A client from elsewhere (nc, a browser) announced itself only by
   * completing the handshake: its SYN is implied. */
  if (!c->syn_sent[HS_SIDE_CLIENT])
    hs_inference_syn_sent (self, connection);

  c->handshake_done = TRUE;

  /* RFC 9293, section 3.5, figure 6: SYN received → SYN-ACK → ACK. */
  c->rcv_nxt[HS_SIDE_SERVER] = 1;
  emit_state (self, connection, HS_SIDE_SERVER, HS_TCP_STATE_SYN_RECEIVED,
              HS_STATE_SOURCE_INFERRED);
  c->syn_sent[HS_SIDE_SERVER] = TRUE;
  emit_segment (self, connection, HS_SIDE_SERVER, HS_TCP_SYN | HS_TCP_ACK, 0, 0);

  c->rcv_nxt[HS_SIDE_CLIENT] = 1;
  emit_state (self, connection, HS_SIDE_CLIENT, HS_TCP_STATE_ESTABLISHED, HS_STATE_SOURCE_INFERRED);
  emit_segment (self, connection, HS_SIDE_CLIENT, HS_TCP_ACK, 0, 0);
  emit_state (self, connection, HS_SIDE_SERVER, HS_TCP_STATE_ESTABLISHED, HS_STATE_SOURCE_INFERRED);
}

void
hs_inference_saved_syn (HsInference *self, guint connection, const HsPacket *syn)
{
  Conn *c;

  g_return_if_fail (HS_IS_INFERENCE (self));
  g_return_if_fail (syn != NULL);

  c = get_conn (self, connection);
  hs_trace_set_isn (self->trace, connection, HS_SIDE_CLIENT, syn->seq);

  /* The SYN that got through is the latest one the client sent. */
  if (c->last_syn_event != NO_EVENT)
    hs_trace_update_segment (self->trace, c->last_syn_event, HS_PROVENANCE_CAPTURED, TRUE,
                             syn->window, &syn->options);
}

void
hs_inference_connect_failed (HsInference *self, guint connection, HsTraceError kind)
{
  Conn *c;

  g_return_if_fail (HS_IS_INFERENCE (self));

  c = get_conn (self, connection);
  if (!c->syn_sent[HS_SIDE_CLIENT] || c->handshake_done)
    return;

  /* RFC 9293, section 3.10.7.1: a SYN to a closed port is answered with
   * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
  if (kind == HS_TRACE_ERROR_CONNECTION_REFUSED)
    {
      c->rcv_nxt[HS_SIDE_SERVER] = 1;
      emit_segment (self, connection, HS_SIDE_SERVER, HS_TCP_RST | HS_TCP_ACK, 0, 0);
    }

  emit_state (self, connection, HS_SIDE_CLIENT, HS_TCP_STATE_CLOSED, HS_STATE_SOURCE_INFERRED);
}

void
hs_inference_data_sent (HsInference *self, guint connection, HsSide side, guint32 len)
{
  Conn *c;

  g_return_if_fail (HS_IS_INFERENCE (self));

  if (len == 0)
    return;

  c = get_conn (self, connection);
  emit_segment (self, connection, side, HS_TCP_PSH | HS_TCP_ACK, len, 0);
  c->data_sent[side] += len;
}

void
hs_inference_data_received (HsInference *self, guint connection, HsSide side, guint32 len)
{
  HsSide peer = HS_SIDE_OTHER (side);
  guint32 acked;
  Conn *c;

  g_return_if_fail (HS_IS_INFERENCE (self));

  c = get_conn (self, connection);
  c->data_recv[side] += len;

  /* Bytes nobody saw being sent came from a peer that is not ours. */
  if (c->data_recv[side] > c->data_sent[peer])
    hs_inference_data_sent (self, connection, peer, c->data_recv[side] - c->data_sent[peer]);

  /* The kernel acknowledges what arrived, not what was read: one ACK covers
   * every segment sent so far. */
  acked = 1 + c->data_sent[peer] + (c->fin_arrived[peer] ? 1 : 0);
  if (hs_seq_lt (c->rcv_nxt[side], acked))
    {
      c->rcv_nxt[side] = acked;
      emit_segment (self, connection, side, HS_TCP_ACK, 0, 0);
    }
}

void
hs_inference_fin_sent (HsInference *self, guint connection, HsSide side)
{
  HsSide peer = HS_SIDE_OTHER (side);
  Conn *c;
  HsTcpState next;

  g_return_if_fail (HS_IS_INFERENCE (self));

  c = get_conn (self, connection);
  if (c->fin_sent[side])
    return;

  switch (c->state[side])
    {
      case HS_TCP_STATE_SYN_RECEIVED:
      case HS_TCP_STATE_ESTABLISHED:
        next = HS_TCP_STATE_FIN_WAIT_1;
        break;
      case HS_TCP_STATE_CLOSE_WAIT:
        next = HS_TCP_STATE_LAST_ACK;
        break;
      default:
        /* Closing before the handshake, or after a reset: no FIN. */
        return;
    }

  /* A FIN sent while the ACK of the peer's FIN is still delayed carries
   * that acknowledgement itself: the close takes three segments, not four. */
  c->fin_carries_ack[side] = c->ack_pending[side];
  c->ack_pending[side] = FALSE;
  if (c->fin_carries_ack[side])
    c->fin_acked[peer] = FALSE;

  c->fin_sent[side] = TRUE;
  emit_segment (self, connection, side, HS_TCP_FIN | HS_TCP_ACK, 0, 0);
  emit_state (self, connection, side, next, HS_STATE_SOURCE_INFERRED);
}

/* The ACK of @side's FIN arrives at @side. */
static void
ack_of_fin_arrives (HsInference *self, guint id, HsSide side)
{
  Conn *c = get_conn (self, id);
  HsTcpState next = HS_TCP_STATE_UNKNOWN;

  c->fin_acked[side] = TRUE;
  switch (c->state[side])
    {
      case HS_TCP_STATE_FIN_WAIT_1:
        next = HS_TCP_STATE_FIN_WAIT_2;
        break;
      case HS_TCP_STATE_CLOSING:
        next = HS_TCP_STATE_TIME_WAIT;
        break;
      case HS_TCP_STATE_LAST_ACK:
        next = HS_TCP_STATE_CLOSED;
        break;
      default:
        break;
    }

  if (next != HS_TCP_STATE_UNKNOWN)
    emit_state (self, id, side, next, HS_STATE_SOURCE_INFERRED);
}

void
hs_inference_fin_arrived (HsInference *self, guint connection, HsSide side)
{
  HsSide peer = HS_SIDE_OTHER (side);
  HsTcpState peer_next = HS_TCP_STATE_UNKNOWN;
  gboolean acks_peer_fin;
  Conn *c;

  g_return_if_fail (HS_IS_INFERENCE (self));

  c = get_conn (self, connection);
  if (!c->fin_sent[side] || c->fin_arrived[side])
    return;

  c->fin_arrived[side] = TRUE;
  c->rcv_nxt[peer] = 1 + MAX (c->data_recv[peer], c->data_sent[side]) + 1;
  acks_peer_fin = c->fin_carries_ack[side] && c->fin_sent[peer] && !c->fin_acked[peer];

  /* RFC 9293, section 3.10.7.4: the ACK field is processed ("fifth") before
   * the FIN bit ("eighth"); Linux moves FIN_WAIT_1 straight to TIME_WAIT
   * when one segment brings both, so one state change is shown. */
  switch (c->state[peer])
    {
      case HS_TCP_STATE_SYN_RECEIVED:
      case HS_TCP_STATE_ESTABLISHED:
        peer_next = HS_TCP_STATE_CLOSE_WAIT;
        break;
      case HS_TCP_STATE_FIN_WAIT_1:
        peer_next = acks_peer_fin ? HS_TCP_STATE_TIME_WAIT : HS_TCP_STATE_CLOSING;
        break;
      case HS_TCP_STATE_FIN_WAIT_2:
        peer_next = HS_TCP_STATE_TIME_WAIT;
        break;
      default:
        break;
    }

  if (acks_peer_fin)
    c->fin_acked[peer] = TRUE;
  if (peer_next != HS_TCP_STATE_UNKNOWN)
    emit_state (self, connection, peer, peer_next, HS_STATE_SOURCE_INFERRED);

  /* Linux acknowledges a FIN at once in FIN_WAIT_1, FIN_WAIT_2 and CLOSING
   * (tcp_fin() calls tcp_send_ack()), but in ESTABLISHED it only schedules
   * a delayed ACK, hoping to send it with its own FIN. */
  if (peer_next == HS_TCP_STATE_CLOSE_WAIT)
    c->ack_pending[peer] = TRUE;
  else
    {
      emit_segment (self, connection, peer, HS_TCP_ACK, 0, 0);
      /* FINs that crossed: the peer's own FIN reaches @side before this
       * ACK does (simultaneous close, RFC 9293 figure 13). */
      if (c->fin_sent[peer] && !c->fin_arrived[peer])
        hs_inference_fin_arrived (self, connection, peer);
      ack_of_fin_arrives (self, connection, side);
    }
}

void
hs_inference_fin_acked (HsInference *self, guint connection, HsSide side)
{
  HsSide peer = HS_SIDE_OTHER (side);
  Conn *c;

  g_return_if_fail (HS_IS_INFERENCE (self));

  c = get_conn (self, connection);
  if (!c->fin_sent[side] || c->fin_acked[side])
    return;

  if (!c->fin_arrived[side])
    hs_inference_fin_arrived (self, connection, side);
  if (c->fin_acked[side])
    return;

  /* The delayed ACK went out. */
  if (c->ack_pending[peer])
    {
      c->ack_pending[peer] = FALSE;
      emit_segment (self, connection, peer, HS_TCP_ACK, 0, 0);
    }
  ack_of_fin_arrives (self, connection, side);
}

void
hs_inference_reset_sent (HsInference *self, guint connection, HsSide side)
{
  HsSide peer = HS_SIDE_OTHER (side);
  Conn *c;

  g_return_if_fail (HS_IS_INFERENCE (self));

  c = get_conn (self, connection);
  if (c->state[side] == HS_TCP_STATE_CLOSED)
    return;

  /* In SYN_SENT there is nobody to reset: the socket just goes away. */
  if (c->state[side] != HS_TCP_STATE_SYN_SENT)
    emit_segment (self, connection, side, HS_TCP_RST | HS_TCP_ACK, 0, 0);
  emit_state (self, connection, side, HS_TCP_STATE_CLOSED, HS_STATE_SOURCE_INFERRED);

  /* RFC 9293, section 3.10.7.4, "second, check the RST bit": in any
   * synchronized state the receiver of a valid RST goes to CLOSED. */
  if (c->handshake_done && c->state[peer] != HS_TCP_STATE_CLOSED &&
      c->state[peer] != HS_TCP_STATE_TIME_WAIT)
    emit_state (self, connection, peer, HS_TCP_STATE_CLOSED, HS_STATE_SOURCE_INFERRED);
}

static gboolean
is_after_handshake (HsTcpState state)
{
  return state >= HS_TCP_STATE_ESTABLISHED && state <= HS_TCP_STATE_TIME_WAIT;
}

/* One step of explaining the kernel's @state for @side. Returns TRUE when
 * it changed the beliefs, so the caller tries again. */
static gboolean
explain_step (HsInference *self, guint id, HsSide side, HsTcpState state, gboolean gone)
{
  Conn *c = get_conn (self, id);
  HsSide peer = HS_SIDE_OTHER (side);
  HsTcpState believed = c->state[side];

  if (gone)
    {
      switch (believed)
        {
          case HS_TCP_STATE_LAST_ACK:
            hs_inference_fin_acked (self, id, side);
            return c->state[side] != believed;
          case HS_TCP_STATE_TIME_WAIT:
          case HS_TCP_STATE_FIN_WAIT_2:
          case HS_TCP_STATE_CLOSING:
            /* TIME_WAIT ran out (or an orphaned FIN_WAIT_2 hit
             * tcp_fin_timeout): the kernel forgot the connection. */
            emit_state (self, id, side, HS_TCP_STATE_CLOSED, HS_STATE_SOURCE_KERNEL);
            return FALSE;
          default:
            return FALSE;
        }
    }

  if ((believed == HS_TCP_STATE_SYN_SENT || believed == HS_TCP_STATE_SYN_RECEIVED ||
       believed == HS_TCP_STATE_LISTEN) &&
      is_after_handshake (state) && id != 0)
    {
      hs_inference_handshake_done (self, id);
      return TRUE;
    }

  /* Our FIN was acknowledged. */
  if ((believed == HS_TCP_STATE_FIN_WAIT_1 && state == HS_TCP_STATE_FIN_WAIT_2) ||
      (believed == HS_TCP_STATE_CLOSING && state == HS_TCP_STATE_TIME_WAIT))
    {
      hs_inference_fin_acked (self, id, side);
      return c->state[side] != believed;
    }

  /* The peer's FIN arrived; if it was not seen being sent, the peer is not
   * ours and closed on its own. */
  if ((believed == HS_TCP_STATE_ESTABLISHED && state == HS_TCP_STATE_CLOSE_WAIT) ||
      (believed == HS_TCP_STATE_FIN_WAIT_2 && state == HS_TCP_STATE_TIME_WAIT) ||
      (believed == HS_TCP_STATE_FIN_WAIT_1 &&
       (state == HS_TCP_STATE_CLOSING || state == HS_TCP_STATE_TIME_WAIT)))
    {
      if (!c->fin_sent[peer])
        hs_inference_fin_sent (self, id, peer);
      hs_inference_fin_arrived (self, id, peer);
      if (c->state[side] == believed && believed == HS_TCP_STATE_FIN_WAIT_1)
        {
          /* The peer's FIN did not acknowledge ours, so a separate ACK did. */
          hs_inference_fin_acked (self, id, side);
        }
      return c->state[side] != believed;
    }

  return FALSE;
}

/* The kernel may show a state the inference has already moved past (it
 * polls, TCP does not wait): one of the last few states of @side. That
 * confirms the earlier event instead of going backwards. */
static gboolean
confirm_recent (HsInference *self, guint id, HsSide side, HsTcpState state)
{
  guint n = hs_trace_get_n_events (self->trace);
  guint seen_states = 0;

  for (guint i = n, looked = 0; i-- > 0 && looked < 64 && seen_states < 4; looked++)
    {
      const HsEvent *e = hs_trace_get_event (self->trace, i);

      if (e->kind != HS_EVENT_STATE || e->connection != id || e->side != side)
        continue;
      seen_states++;
      if (e->to == state)
        {
          hs_trace_update_state_source (self->trace, i, HS_STATE_SOURCE_KERNEL);
          return TRUE;
        }
      if (e->source == HS_STATE_SOURCE_KERNEL)
        break;
    }

  return FALSE;
}

void
hs_inference_kernel_state (HsInference *self,
                           guint connection,
                           HsSide side,
                           HsTcpState state,
                           gboolean gone)
{
  Conn *c;

  g_return_if_fail (HS_IS_INFERENCE (self));

  c = get_conn (self, connection);

  for (guint i = 0; i < 4; i++)
    {
      if (!gone && c->state[side] == state)
        {
          emit_state (self, connection, side, state, HS_STATE_SOURCE_KERNEL);
          return;
        }
      if (gone && c->state[side] == HS_TCP_STATE_CLOSED)
        return;
      if (!explain_step (self, connection, side, state, gone))
        break;
    }

  /* What TCP's rules cannot explain is recorded as the kernel says it. */
  if (!gone && c->state[side] != state && !confirm_recent (self, connection, side, state))
    emit_state (self, connection, side, state, HS_STATE_SOURCE_KERNEL);
}

HsTcpState
hs_inference_get_state (HsInference *self, guint connection, HsSide side)
{
  g_return_val_if_fail (HS_IS_INFERENCE (self), HS_TCP_STATE_UNKNOWN);

  return get_conn (self, connection)->state[side];
}

gint64
hs_inference_get_changed_us (HsInference *self, guint connection, HsSide side)
{
  g_return_val_if_fail (HS_IS_INFERENCE (self), 0);

  return get_conn (self, connection)->changed_us[side];
}

gboolean
hs_inference_is_confirmed (HsInference *self, guint connection, HsSide side)
{
  g_return_val_if_fail (HS_IS_INFERENCE (self), FALSE);

  return get_conn (self, connection)->confirmed[side];
}

guint32
hs_inference_get_unacked (HsInference *self, guint connection, HsSide side)
{
  Conn *c;

  g_return_val_if_fail (HS_IS_INFERENCE (self), 0);

  c = get_conn (self, connection);
  return c->data_sent[side] - MIN (c->data_sent[side], c->data_recv[HS_SIDE_OTHER (side)]);
}

gboolean
hs_inference_get_fin_sent (HsInference *self, guint connection, HsSide side)
{
  g_return_val_if_fail (HS_IS_INFERENCE (self), FALSE);

  return get_conn (self, connection)->fin_sent[side];
}

gboolean
hs_inference_get_waiting (HsInference *self, guint connection, HsSide side)
{
  Conn *c;

  g_return_val_if_fail (HS_IS_INFERENCE (self), FALSE);

  c = get_conn (self, connection);
  return (c->fin_sent[side] && !c->fin_arrived[side]) || c->ack_pending[side];
}
