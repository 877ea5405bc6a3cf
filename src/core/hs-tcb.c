/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-tcb"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "hs-tcb.h"

/*
 * Where RFC 9293 leaves room, the model does what Linux (>= 6.5) does, so that
 * a simulated trace reads like a capture of the real kernel:
 *
 * - Initial RTO 1 s (RFC 6298, 2.1); after the first RTT sample RTO = SRTT +
 *   max(4 x RTTVAR, 200 ms), Linux's floor, at most 120 s; exponential
 *   backoff on every expiry (RFC 6298, 5.5). RTT samples follow Karn's rule,
 *   falling back to the timestamp echo for retransmitted segments as Linux
 *   does.
 * - SYN: tcp_syn_retries = 6 with tcp_syn_linear_timeouts = 4 (Linux >= 6.5):
 *   the first five timeouts are 1 s each, then they double, and the attempt
 *   ends with ETIMEDOUT after 6 + 4 retransmissions: SYNs at 0, 1, 2, 3, 4,
 *   5, 7, 11, 19, 35 and 67 s, failure at 131 s. With syn_linear_timeouts = 0
 *   the classic 1, 3, 7, 15, 31, 63 s and failure at 127 s.
 * - SYN-ACK (a passive open): tcp_synack_retries = 5, always exponential (1, 3,
 *   7, 15, 31 s), then the embryonic connection is dropped without a word. A
 *   retransmitted SYN is answered with the SYN-ACK again at once.
 * - Data and FIN: given up after tcp_retries2 = 15 (about 924.6 s), or 8
 *   retries (102.2 s) once the application closed: Linux's tcp_model_timeout.
 * - ACKs: the final ACK of the handshake and the ACK of a FIN in FIN_WAIT_1,
 *   FIN_WAIT_2 and TIME_WAIT go out at once; the FIN that moves ESTABLISHED to
 *   CLOSE_WAIT is acknowledged after the delayed-ACK timeout (40 ms) unless
 *   the application closes first, when the ACK rides on its FIN. The first
 *   16 data segments are acknowledged at once (quick-ack mode), later ones
 *   after 40 ms unless a full segment is waiting.
 * - Windows as Linux computes them: rcv_wnd is 65535 rounded down to a
 *   multiple of the MSS (64240 on a SYN with MSS 1460, 65160 on a SYN-ACK
 *   with timestamps), shifted by the window scale on later segments and
 *   rounded up (502 and 510 with scale 7).
 * - RST handling follows RFC 5961 as Linux does: an exact RST resets, one
 *   elsewhere in the window gets a challenge ACK, others are dropped; a SYN
 *   in a synchronized state gets a challenge ACK. In SYN_RECEIVED (passive)
 *   any RST in the window ends the embryonic connection, as Linux's request
 *   sockets do.
 * - close() makes an orphan: new data arriving afterwards is answered with
 *   RST (RFC 1122, 4.2.2.13), an orphan in FIN_WAIT_2 is dropped after
 *   tcp_fin_timeout, and close() with SO_LINGER 0 sends RST,ACK.
 *
 * Not modelled: out-of-order data is dropped and acknowledged (Linux queues
 * it and sends SACK blocks), no PAWS, no Nagle, no congestion window beyond
 * go-back-N after a timeout, no zero-window probes (the simulated
 * applications read at once), no keepalive, no TIME_WAIT reuse by a new SYN,
 * no urgent data.
 */

#define TS_OPTION_LEN    12 /* timestamps option with its padding */
#define MAX_QUICK_ACKS   16 /* TCP_MAX_QUICKACKS */
#define DEFAULT_PEER_MSS 536

typedef struct
{
  guint32 seq;  /* first sequence number the entry occupies */
  guint32 len;  /* payload bytes */
  guint8 flags; /* HS_TCP_SYN, HS_TCP_FIN, HS_TCP_PSH */
  guint n_sent; /* transmissions so far */
  gint64 sent_us;
  gint64 first_sent_us;
} RtxEntry;

struct _HsTcb
{
  HsTcbConfig config;
  HsAddress local;
  HsAddress remote;
  HsTcpState state;
  gboolean passive;
  gboolean orphan;
  gboolean fin_queued;
  gboolean fin_sent;
  gboolean fin_received;

  guint32 iss;
  guint32 irs;
  gboolean irs_known;
  guint32 snd_una;
  guint32 snd_nxt;
  guint32 snd_wnd;
  guint32 max_snd_wnd;
  guint32 snd_wl1;
  guint32 snd_wl2;
  guint32 rcv_nxt;
  guint32 rcv_wnd;
  guint32 rcv_wup; /* rcv_nxt when the last ACK left */

  guint8 snd_wscale;
  guint8 rcv_wscale;
  gboolean wscale_ok;
  gboolean sack_ok;
  gboolean ts_ok;
  guint16 snd_mss;
  guint32 ts_offset;
  guint32 ts_recent;

  GByteArray *send_buf; /* data from send_buf_seq on: unacknowledged, then unsent */
  guint32 send_buf_seq;
  GArray *rtx; /* RtxEntry, oldest first */

  gint64 rtx_deadline;
  gint64 rto;
  guint retransmits;    /* timer expiries for the oldest segment */
  gint64 retrans_stamp; /* first transmission of the segment being retransmitted */
  gint64 last_rto_us;   /* when the timer last expired: go-back-N from there */
  gboolean rtt_known;
  gint64 srtt;
  gint64 rttvar;

  gint64 delack_deadline;
  guint quick_acks;
  gboolean quick_started;
  gboolean pingpong;

  gint64 tw_deadline;
};

G_DEFINE_QUARK (hs - tcb - error - quark, hs_tcb_error)

void
hs_tcb_config_init (HsTcbConfig *config)
{
  g_return_if_fail (config != NULL);

  memset (config, 0, sizeof *config);
  config->mss = 1460;
  config->wscale = 7;
  config->sack_permitted = TRUE;
  config->timestamps = TRUE;
  config->syn_retries = 6;
  config->synack_retries = 5;
  config->syn_linear_timeouts = 4;
  config->retries2 = 15;
  config->orphan_retries = 8;
  config->rto_initial_us = G_USEC_PER_SEC;
  config->rto_min_us = 200 * 1000;
  config->rto_max_us = 120 * G_USEC_PER_SEC;
  config->delack_us = 40 * 1000;
  config->time_wait_us = 60 * G_USEC_PER_SEC;
  config->fin_timeout_us = 60 * G_USEC_PER_SEC;
}

/* Sequence comparisons modulo 2^32 (RFC 9293, section 3.4). */
static inline gboolean
seq_le (guint32 a, guint32 b)
{
  return !hs_seq_lt (b, a);
}

static inline gboolean
seq_gt (guint32 a, guint32 b)
{
  return hs_seq_lt (b, a);
}

static inline gboolean
seq_ge (guint32 a, guint32 b)
{
  return !hs_seq_lt (a, b);
}

void
hs_tcb_segment_copy (HsTcbSegment *dest, const HsTcbSegment *src)
{
  *dest = *src;
  if (src->payload != NULL)
    dest->payload = g_bytes_ref (src->payload);
}

void
hs_tcb_segment_clear (HsTcbSegment *segment)
{
  g_clear_pointer (&segment->payload, g_bytes_unref);
}

void
hs_tcb_output_clear (HsTcbOutput *output)
{
  hs_tcb_segment_clear (&output->segment);
  g_clear_pointer (&output->data, g_bytes_unref);
}

GArray *
hs_tcb_output_array_new (void)
{
  GArray *out = g_array_sized_new (FALSE, TRUE, sizeof (HsTcbOutput), 8);

  g_array_set_clear_func (out, (GDestroyNotify) hs_tcb_output_clear);
  return out;
}

/* The length a segment occupies in sequence space: SYN and FIN count. */
static guint32
segment_seq_len (const HsTcbSegment *segment)
{
  return hs_tcb_segment_get_len (segment) + ((segment->flags & HS_TCP_SYN) ? 1 : 0) +
         ((segment->flags & HS_TCP_FIN) ? 1 : 0);
}

gboolean
hs_tcb_reset_for_segment (const HsTcbSegment *segment, HsTcbSegment *reset)
{
  g_return_val_if_fail (segment != NULL, FALSE);
  g_return_val_if_fail (reset != NULL, FALSE);

  memset (reset, 0, sizeof *reset);
  if (segment->flags & HS_TCP_RST)
    return FALSE;

  reset->src = segment->dst;
  reset->dst = segment->src;
  /* RFC 9293, 3.10.7.1: with the ACK bit set the reset takes its sequence
   * number from the ACK field; otherwise it has sequence number zero and
   * acknowledges everything the segment occupied. */
  if (segment->flags & HS_TCP_ACK)
    {
      reset->flags = HS_TCP_RST;
      reset->seq = segment->ack;
    }
  else
    {
      reset->flags = HS_TCP_RST | HS_TCP_ACK;
      reset->seq = 0;
      reset->ack = segment->seq + segment_seq_len (segment);
    }
  return TRUE;
}

HsTcb *
hs_tcb_new (const HsTcbConfig *config, const HsAddress *local, GRand *rand)
{
  HsTcb *self;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (local != NULL, NULL);
  g_return_val_if_fail (rand != NULL, NULL);

  self = g_new0 (HsTcb, 1);
  self->config = *config;
  self->local = *local;
  self->state = HS_TCP_STATE_CLOSED;
  /* RFC 9293, 3.4.1 wants a clock-driven ISN mixed with a secret hash
   * (RFC 6528); for the model any unpredictable 32-bit number will do. */
  self->iss = g_rand_int (rand);
  self->ts_offset = g_rand_int (rand);
  self->send_buf = g_byte_array_new ();
  self->rtx = g_array_new (FALSE, FALSE, sizeof (RtxEntry));
  self->rto = config->rto_initial_us;
  self->rtx_deadline = G_MAXINT64;
  self->delack_deadline = G_MAXINT64;
  self->tw_deadline = G_MAXINT64;
  self->snd_mss = DEFAULT_PEER_MSS;
  return self;
}

void
hs_tcb_free (HsTcb *self)
{
  if (self == NULL)
    return;

  g_byte_array_unref (self->send_buf);
  g_array_unref (self->rtx);
  g_free (self);
}

void
hs_tcb_set_iss (HsTcb *self, guint32 iss)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->state == HS_TCP_STATE_CLOSED || self->state == HS_TCP_STATE_LISTEN);

  self->iss = iss;
}

/* Output helpers. */

static void
set_state (HsTcb *self, HsTcpState to, GArray *out)
{
  HsTcbOutput output = { 0 };

  if (self->state == to)
    return;

  output.kind = HS_TCB_OUTPUT_STATE;
  output.from = self->state;
  output.to = to;
  self->state = to;
  g_array_append_val (out, output);

  if (to == HS_TCP_STATE_CLOSED || to == HS_TCP_STATE_TIME_WAIT || to == HS_TCP_STATE_LISTEN)
    {
      self->rtx_deadline = G_MAXINT64;
      self->delack_deadline = G_MAXINT64;
      g_array_set_size (self->rtx, 0);
    }
  if (to == HS_TCP_STATE_CLOSED || to == HS_TCP_STATE_LISTEN)
    self->tw_deadline = G_MAXINT64;
}

static void
tell_app (HsTcb *self, HsTcbOutputKind kind, HsTraceError error, GBytes *data, GArray *out)
{
  HsTcbOutput output = { 0 };

  /* After close() nobody is there to read. */
  if (self->orphan)
    return;

  output.kind = kind;
  output.error = error;
  output.data = data != NULL ? g_bytes_ref (data) : NULL;
  g_array_append_val (out, output);
}

static guint32
ts_now (HsTcb *self, gint64 now_us)
{
  /* Linux's timestamp clock ticks in milliseconds, from a random offset per
   * connection. */
  return (guint32) (now_us / 1000) + self->ts_offset;
}

static guint16
window_field (HsTcb *self, gboolean syn)
{
  guint32 window = self->rcv_wnd;

  /* RFC 7323, 2.2: the window of a SYN is never scaled. Linux rounds the
   * scaled window up so that no byte it would accept is hidden. */
  if (!syn && self->wscale_ok)
    window = (window + (1u << self->rcv_wscale) - 1) >> self->rcv_wscale;
  return (guint16) MIN (window, G_MAXUINT16);
}

static void
fill_syn_options (HsTcb *self, HsTcpOptions *options, gboolean syn_ack, gint64 now_us)
{
  memset (options, 0, sizeof *options);
  options->present = HS_TCP_OPTION_MSS;
  options->mss = self->config.mss;
  if (self->config.sack_permitted && (!syn_ack || self->sack_ok))
    options->present |= HS_TCP_OPTION_SACK_PERMITTED;
  if (self->config.timestamps && (!syn_ack || self->ts_ok))
    {
      options->present |= HS_TCP_OPTION_TIMESTAMPS;
      options->ts_val = ts_now (self, now_us);
      options->ts_ecr = syn_ack ? self->ts_recent : 0;
    }
  if (!syn_ack || self->wscale_ok)
    {
      options->present |= HS_TCP_OPTION_WSCALE;
      options->wscale = self->config.wscale;
    }
}

static void
emit_segment (HsTcb *self,
              guint8 flags,
              guint32 seq,
              const guint8 *payload,
              guint32 len,
              guint retransmission,
              gint64 now_us,
              GArray *out)
{
  HsTcbOutput output = { 0 };
  HsTcbSegment *segment = &output.segment;
  gboolean syn = (flags & HS_TCP_SYN) != 0;

  output.kind = HS_TCB_OUTPUT_SEGMENT;
  segment->src = self->local;
  segment->dst = self->remote;
  segment->flags = flags;
  segment->seq = seq;
  segment->ack = (flags & HS_TCP_ACK) ? self->rcv_nxt : 0;
  segment->window = (flags & HS_TCP_RST) && !(flags & HS_TCP_ACK) ? 0 : window_field (self, syn);
  segment->retransmission = retransmission;
  if (len > 0)
    segment->payload = g_bytes_new (payload, len);

  if (syn)
    fill_syn_options (self, &segment->options, (flags & HS_TCP_ACK) != 0, now_us);
  else if (self->ts_ok)
    {
      segment->options.present = HS_TCP_OPTION_TIMESTAMPS;
      segment->options.ts_val = ts_now (self, now_us);
      segment->options.ts_ecr = self->ts_recent;
    }

  /* Every segment with ACK acknowledges everything: no delayed ACK is due. */
  if (flags & HS_TCP_ACK)
    {
      self->delack_deadline = G_MAXINT64;
      self->rcv_wup = self->rcv_nxt;
    }

  g_array_append_val (out, output);
}

static void
send_ack (HsTcb *self, gint64 now_us, GArray *out)
{
  emit_segment (self, HS_TCP_ACK, self->snd_nxt, NULL, 0, 0, now_us, out);
}

static void
send_reset_for (HsTcb *self, const HsTcbSegment *segment, GArray *out)
{
  HsTcbOutput output = { 0 };

  if (!hs_tcb_reset_for_segment (segment, &output.segment))
    return;
  output.kind = HS_TCB_OUTPUT_SEGMENT;
  g_array_append_val (out, output);
}

/* Retransmission queue and timer. */

static void
arm_rtx_timer (HsTcb *self, gint64 now_us)
{
  if (self->rtx->len == 0)
    self->rtx_deadline = G_MAXINT64;
  else
    self->rtx_deadline = now_us + self->rto;
}

static void
queue_rtx (HsTcb *self, guint32 seq, guint32 len, guint8 flags, gint64 now_us)
{
  RtxEntry entry = { seq, len, flags, 1, now_us, now_us };

  g_array_append_val (self->rtx, entry);
  if (self->rtx_deadline == G_MAXINT64)
    arm_rtx_timer (self, now_us);
}

/* Sends @entry again (or for the first time from the queue). */
static void
transmit_entry (HsTcb *self, RtxEntry *entry, gint64 now_us, GArray *out)
{
  guint8 flags = entry->flags;
  const guint8 *payload = NULL;
  guint retransmission = entry->n_sent;

  if (flags & HS_TCP_SYN)
    {
      if (self->state != HS_TCP_STATE_SYN_SENT)
        flags |= HS_TCP_ACK;
    }
  else
    flags |= HS_TCP_ACK;

  if (entry->len > 0)
    payload = self->send_buf->data + hs_seq_sub (entry->seq, self->send_buf_seq);

  entry->n_sent++;
  entry->sent_us = now_us;
  emit_segment (self, flags, entry->seq, payload, entry->len, retransmission, now_us, out);
}

/* Sends what the window allows of the queued data, then a queued FIN. */
static void
output_data (HsTcb *self, gint64 now_us, GArray *out)
{
  switch (self->state)
    {
      case HS_TCP_STATE_ESTABLISHED:
      case HS_TCP_STATE_CLOSE_WAIT:
      case HS_TCP_STATE_FIN_WAIT_1:
      case HS_TCP_STATE_CLOSING:
      case HS_TCP_STATE_LAST_ACK:
        break;
      case HS_TCP_STATE_SYN_RECEIVED:
        /* A FIN may follow the SYN before it is acknowledged (close() in
         * SYN_RECEIVED, RFC 9293, 3.10.4); data waits for ESTABLISHED. */
        if (self->send_buf->len > 0 || !self->fin_queued)
          return;
        break;
      default:
        return;
    }

  if (self->fin_sent)
    return;

  for (;;)
    {
      guint32 offset = hs_seq_sub (self->snd_nxt, self->send_buf_seq);
      guint32 unsent = self->send_buf->len - offset;
      gint64 room = (gint64) hs_seq_sub (hs_seq_add (self->snd_una, self->snd_wnd), self->snd_nxt);
      guint32 n;
      guint8 flags = HS_TCP_PSH;
      RtxEntry *entry;

      if (unsent == 0)
        break;
      if ((gint32) room <= 0)
        return; /* the rest waits for the window to open */

      n = MIN (unsent, self->snd_mss);
      n = MIN (n, (guint32) room);
      if (n < unsent)
        flags = 0; /* PSH marks the last segment of what was written */
      else if (self->fin_queued)
        flags |= HS_TCP_FIN;

      queue_rtx (self, self->snd_nxt, n, flags, now_us);
      entry = &g_array_index (self->rtx, RtxEntry, self->rtx->len - 1);
      entry->n_sent = 0;
      transmit_entry (self, entry, now_us, out);
      self->snd_nxt = hs_seq_add (self->snd_nxt, n);
      if (flags & HS_TCP_FIN)
        {
          self->snd_nxt = hs_seq_add (self->snd_nxt, 1);
          self->fin_sent = TRUE;
          return;
        }
    }

  if (self->fin_queued)
    {
      RtxEntry *entry;

      queue_rtx (self, self->snd_nxt, 0, HS_TCP_FIN, now_us);
      entry = &g_array_index (self->rtx, RtxEntry, self->rtx->len - 1);
      entry->n_sent = 0;
      transmit_entry (self, entry, now_us, out);
      self->snd_nxt = hs_seq_add (self->snd_nxt, 1);
      self->fin_sent = TRUE;
    }
}

static void
rtt_sample (HsTcb *self, gint64 m)
{
  const HsTcbConfig *c = &self->config;

  m = MAX (m, 1);
  /* RFC 6298, 2.2 and 2.3, with Linux's floor under the variance term. */
  if (!self->rtt_known)
    {
      self->srtt = m;
      self->rttvar = m / 2;
      self->rtt_known = TRUE;
    }
  else
    {
      gint64 delta = self->srtt > m ? self->srtt - m : m - self->srtt;

      self->rttvar = (3 * self->rttvar + delta) / 4;
      self->srtt = (7 * self->srtt + m) / 8;
    }
  self->rto = self->srtt + MAX (4 * self->rttvar, c->rto_min_us);
  self->rto = CLAMP (self->rto, c->rto_min_us, c->rto_max_us);
}

/* Removes what @ack acknowledges from the retransmission queue and the
 * send buffer. Returns TRUE when a FIN of ours is now acknowledged. */
static gboolean
clean_rtx (HsTcb *self, guint32 ack, const HsTcbSegment *segment, gint64 now_us)
{
  gboolean sampled = FALSE;
  guint removed = 0;

  while (removed < self->rtx->len)
    {
      RtxEntry *entry = &g_array_index (self->rtx, RtxEntry, removed);
      guint32 end = entry->seq + entry->len + ((entry->flags & (HS_TCP_SYN | HS_TCP_FIN)) ? 1 : 0);

      if (!seq_le (end, ack))
        break;
      /* Karn's rule: only a segment sent once gives an RTT sample. */
      if (!sampled && entry->n_sent == 1)
        {
          rtt_sample (self, now_us - entry->sent_us);
          sampled = TRUE;
        }
      removed++;
    }

  if (removed > 0 && !sampled && self->ts_ok &&
      (segment->options.present & HS_TCP_OPTION_TIMESTAMPS) && segment->options.ts_ecr != 0)
    {
      guint32 delta_ms = ts_now (self, now_us) - segment->options.ts_ecr;

      if (delta_ms < G_MAXINT32 / 1000)
        rtt_sample (self, (gint64) delta_ms * 1000);
    }

  if (removed > 0)
    g_array_remove_range (self->rtx, 0, removed);

  /* Data bytes acknowledged leave the send buffer. */
  {
    guint32 data_end = hs_seq_add (self->send_buf_seq, self->send_buf->len);
    guint32 upto = seq_le (ack, data_end) ? ack : data_end;

    if (seq_gt (upto, self->send_buf_seq))
      {
        g_byte_array_remove_range (self->send_buf, 0, hs_seq_sub (upto, self->send_buf_seq));
        self->send_buf_seq = upto;
      }
  }

  return self->fin_sent && ack == self->snd_nxt;
}

static void
enter_time_wait (HsTcb *self, gint64 now_us, GArray *out)
{
  set_state (self, HS_TCP_STATE_TIME_WAIT, out);
  self->tw_deadline = now_us + self->config.time_wait_us;
}

/* Processes the ACK field in a synchronized state (RFC 9293, 3.10.7.4, fifth).
 * Returns FALSE when the segment is to be dropped. */
static gboolean
process_ack (HsTcb *self, const HsTcbSegment *segment, gint64 now_us, GArray *out)
{
  guint32 ack = segment->ack;
  gboolean fin_acked = FALSE;

  /* ACK of something not yet sent: RFC 9293 says send an ACK and drop. */
  if (seq_gt (ack, self->snd_nxt))
    {
      send_ack (self, now_us, out);
      return FALSE;
    }

  /* RFC 5961, 5.2: an ACK far below anything in flight is blind injection. */
  if (hs_seq_lt (ack, hs_seq_sub (self->snd_una, MAX (self->max_snd_wnd, 1))))
    {
      send_ack (self, now_us, out);
      return FALSE;
    }

  if (seq_gt (ack, self->snd_una))
    {
      self->snd_una = ack;
      fin_acked = clean_rtx (self, ack, segment, now_us);
      self->retransmits = 0;
      self->retrans_stamp = 0;
      /* The backoff ends with the first new acknowledgment (RFC 6298, 5.7). */
      if (self->rtt_known)
        self->rto = CLAMP (self->srtt + MAX (4 * self->rttvar, self->config.rto_min_us),
                           self->config.rto_min_us, self->config.rto_max_us);
      arm_rtx_timer (self, now_us);

      /* Go-back-N: after a timeout, what was in flight before it goes again
       * as soon as the oldest segment is through. */
      for (guint i = 0; i < self->rtx->len; i++)
        {
          RtxEntry *entry = &g_array_index (self->rtx, RtxEntry, i);

          if (entry->sent_us <= self->last_rto_us && entry->n_sent > 0)
            transmit_entry (self, entry, now_us, out);
        }
    }
  else if (self->fin_sent && ack == self->snd_nxt && self->rtx->len == 0)
    fin_acked = TRUE;

  /* RFC 9293, 3.10.7.4: update the send window from the newest segment. */
  if (hs_seq_lt (self->snd_wl1, segment->seq) ||
      (self->snd_wl1 == segment->seq && seq_le (self->snd_wl2, ack)))
    {
      self->snd_wnd = (guint32) segment->window << self->snd_wscale;
      self->max_snd_wnd = MAX (self->max_snd_wnd, self->snd_wnd);
      self->snd_wl1 = segment->seq;
      self->snd_wl2 = ack;
    }

  switch (self->state)
    {
      case HS_TCP_STATE_FIN_WAIT_1:
        if (fin_acked)
          {
            set_state (self, HS_TCP_STATE_FIN_WAIT_2, out);
            /* Linux's tcp_fin_timeout: an orphan does not wait for ever. */
            if (self->orphan)
              self->tw_deadline = now_us + self->config.fin_timeout_us;
          }
        break;
      case HS_TCP_STATE_CLOSING:
        if (fin_acked)
          enter_time_wait (self, now_us, out);
        return FALSE;
      case HS_TCP_STATE_LAST_ACK:
        if (fin_acked)
          {
            set_state (self, HS_TCP_STATE_CLOSED, out);
            return FALSE;
          }
        break;
      default:
        break;
    }

  output_data (self, now_us, out);
  return TRUE;
}

static void
parse_syn_options (HsTcb *self, const HsTcbSegment *segment, gint64 now_us)
{
  const HsTcpOptions *o = &segment->options;
  guint16 peer_mss = (o->present & HS_TCP_OPTION_MSS) ? o->mss : DEFAULT_PEER_MSS;

  self->wscale_ok = (o->present & HS_TCP_OPTION_WSCALE) != 0;
  self->snd_wscale = self->wscale_ok ? MIN (o->wscale, 14) : 0;
  self->rcv_wscale = self->wscale_ok ? self->config.wscale : 0;
  self->sack_ok = self->config.sack_permitted && (o->present & HS_TCP_OPTION_SACK_PERMITTED);
  self->ts_ok = self->config.timestamps && (o->present & HS_TCP_OPTION_TIMESTAMPS);
  if (self->ts_ok)
    self->ts_recent = o->ts_val;
  self->snd_mss = MIN (peer_mss, self->config.mss) - (self->ts_ok ? TS_OPTION_LEN : 0);
}

/* Linux's initial receive window: 65535 rounded down to whole segments. */
static guint32
initial_rcv_wnd (guint32 mss)
{
  return mss > 0 && mss < G_MAXUINT16 ? (G_MAXUINT16 / mss) * mss : G_MAXUINT16;
}

/* User calls. */

gboolean
hs_tcb_listen (HsTcb *self, GArray *out, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (self->state != HS_TCP_STATE_CLOSED)
    {
      g_set_error_literal (error, HS_TCB_ERROR, HS_TCB_ERROR_IN_USE,
                           _ ("This socket is already in use."));
      return FALSE;
    }

  self->passive = TRUE;
  set_state (self, HS_TCP_STATE_LISTEN, out);
  return TRUE;
}

gboolean
hs_tcb_connect (HsTcb *self, const HsAddress *remote, gint64 now_us, GArray *out, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (remote != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (self->state != HS_TCP_STATE_CLOSED)
    {
      g_set_error_literal (error, HS_TCB_ERROR, HS_TCB_ERROR_IN_USE,
                           _ ("This socket is already in use."));
      return FALSE;
    }

  /* RFC 9293, 3.10.1: OPEN in CLOSED, active: send SYN, enter SYN-SENT. */
  self->remote = *remote;
  self->passive = FALSE;
  self->rcv_wnd = initial_rcv_wnd (self->config.mss);
  self->snd_una = self->iss;
  self->snd_nxt = hs_seq_add (self->iss, 1);
  self->send_buf_seq = self->snd_nxt;
  self->rto = self->config.rto_initial_us;

  queue_rtx (self, self->iss, 0, HS_TCP_SYN, now_us);
  g_array_index (self->rtx, RtxEntry, 0).n_sent = 0;
  self->state = HS_TCP_STATE_SYN_SENT; /* the SYN goes out from SYN_SENT */
  transmit_entry (self, &g_array_index (self->rtx, RtxEntry, 0), now_us, out);
  self->state = HS_TCP_STATE_CLOSED;
  set_state (self, HS_TCP_STATE_SYN_SENT, out);
  return TRUE;
}

gboolean
hs_tcb_send (HsTcb *self, const guint8 *data, gsize len, gint64 now_us, GArray *out, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  switch (self->state)
    {
      case HS_TCP_STATE_SYN_SENT:
      case HS_TCP_STATE_SYN_RECEIVED:
      case HS_TCP_STATE_ESTABLISHED:
      case HS_TCP_STATE_CLOSE_WAIT:
        if (!self->fin_queued)
          break;
        G_GNUC_FALLTHROUGH;
      case HS_TCP_STATE_FIN_WAIT_1:
      case HS_TCP_STATE_FIN_WAIT_2:
      case HS_TCP_STATE_CLOSING:
      case HS_TCP_STATE_LAST_ACK:
      case HS_TCP_STATE_TIME_WAIT:
        g_set_error_literal (error, HS_TCB_ERROR, HS_TCB_ERROR_CLOSING,
                             _ ("This side has already closed its sending direction."));
        return FALSE;
      default:
        g_set_error_literal (error, HS_TCB_ERROR, HS_TCB_ERROR_NOT_CONNECTED,
                             _ ("There is no connection to send on."));
        return FALSE;
    }

  /* RFC 9293, 3.10.2: in SYN states the data is queued until ESTABLISHED. */
  g_byte_array_append (self->send_buf, data, len);
  output_data (self, now_us, out);
  return TRUE;
}

static gboolean
close_sending (HsTcb *self, gboolean orphan, gint64 now_us, GArray *out, GError **error)
{
  HsTcpState next;

  if (orphan)
    self->orphan = TRUE;

  switch (self->state)
    {
      case HS_TCP_STATE_LISTEN:
      case HS_TCP_STATE_SYN_SENT:
        /* RFC 9293, 3.10.4: nothing was synchronized; Linux sends nothing. */
        if (!orphan && self->state == HS_TCP_STATE_LISTEN)
          {
            g_set_error_literal (error, HS_TCB_ERROR, HS_TCB_ERROR_NOT_CONNECTED,
                                 _ ("A listening socket has no sending direction."));
            return FALSE;
          }
        set_state (self, HS_TCP_STATE_CLOSED, out);
        return TRUE;
      case HS_TCP_STATE_SYN_RECEIVED:
      case HS_TCP_STATE_ESTABLISHED:
        next = HS_TCP_STATE_FIN_WAIT_1;
        break;
      case HS_TCP_STATE_CLOSE_WAIT:
        next = HS_TCP_STATE_LAST_ACK;
        break;
      case HS_TCP_STATE_FIN_WAIT_2:
        /* Already half-closed; close() makes it an orphan with a deadline. */
        if (orphan && self->tw_deadline == G_MAXINT64)
          self->tw_deadline = now_us + self->config.fin_timeout_us;
        return TRUE;
      case HS_TCP_STATE_FIN_WAIT_1:
      case HS_TCP_STATE_CLOSING:
      case HS_TCP_STATE_LAST_ACK:
      case HS_TCP_STATE_TIME_WAIT:
        /* RFC 9293 answers "connection closing"; the socket just goes. */
        return TRUE;
      case HS_TCP_STATE_CLOSED:
      default:
        if (orphan)
          return TRUE;
        g_set_error_literal (error, HS_TCB_ERROR, HS_TCB_ERROR_NOT_CONNECTED,
                             _ ("There is no connection to close."));
        return FALSE;
    }

  if (self->fin_queued)
    return TRUE;

  self->fin_queued = TRUE;
  /* The FIN is written before the state changes, as the trace of a real
   * close shows it (the segment, then FIN_WAIT_1). */
  {
    HsTcpState from = self->state;

    self->state = next;
    output_data (self, now_us, out);
    self->state = from;
  }
  set_state (self, next, out);
  return TRUE;
}

gboolean
hs_tcb_shutdown (HsTcb *self, gint64 now_us, GArray *out, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  return close_sending (self, FALSE, now_us, out, error);
}

gboolean
hs_tcb_close (HsTcb *self, gint64 now_us, GArray *out, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  return close_sending (self, TRUE, now_us, out, error);
}

void
hs_tcb_abort (HsTcb *self, gint64 now_us, GArray *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  self->orphan = TRUE;
  switch (self->state)
    {
      case HS_TCP_STATE_SYN_RECEIVED:
      case HS_TCP_STATE_ESTABLISHED:
      case HS_TCP_STATE_FIN_WAIT_1:
      case HS_TCP_STATE_FIN_WAIT_2:
      case HS_TCP_STATE_CLOSE_WAIT:
        /* RFC 9293, 3.10.5: <SEQ=SND.NXT><CTL=RST>; Linux sets ACK too. */
        emit_segment (self, HS_TCP_RST | HS_TCP_ACK, self->snd_nxt, NULL, 0, 0, now_us, out);
        break;
      default:
        break;
    }
  set_state (self, HS_TCP_STATE_CLOSED, out);
}

/* Arriving segments. */

static void
input_listen (HsTcb *self, const HsTcbSegment *segment, gint64 now_us, GArray *out)
{
  RtxEntry *entry;

  /* RFC 9293, 3.10.7.2. */
  if (segment->flags & HS_TCP_RST)
    return;
  if (segment->flags & HS_TCP_ACK)
    {
      send_reset_for (self, segment, out);
      return;
    }
  if (!(segment->flags & HS_TCP_SYN))
    return;

  self->remote = segment->src;
  self->irs = segment->seq;
  self->irs_known = TRUE;
  self->rcv_nxt = hs_seq_add (segment->seq, 1);
  self->rcv_wup = self->rcv_nxt;
  parse_syn_options (self, segment, now_us);
  self->rcv_wnd = initial_rcv_wnd (self->config.mss - (self->ts_ok ? TS_OPTION_LEN : 0));
  self->snd_wnd = segment->window; /* a SYN's window is never scaled */
  self->max_snd_wnd = self->snd_wnd;
  self->snd_wl1 = segment->seq;
  self->snd_una = self->iss;
  self->snd_nxt = hs_seq_add (self->iss, 1);
  self->send_buf_seq = self->snd_nxt;
  self->rto = self->config.rto_initial_us;

  set_state (self, HS_TCP_STATE_SYN_RECEIVED, out);
  queue_rtx (self, self->iss, 0, HS_TCP_SYN, now_us);
  entry = &g_array_index (self->rtx, RtxEntry, 0);
  entry->n_sent = 0;
  transmit_entry (self, entry, now_us, out);
}

static void
input_syn_sent (HsTcb *self, const HsTcbSegment *segment, gint64 now_us, GArray *out)
{
  gboolean ack_ok = FALSE;

  /* RFC 9293, 3.10.7.3. */
  if (segment->flags & HS_TCP_ACK)
    {
      if (seq_le (segment->ack, self->iss) || seq_gt (segment->ack, self->snd_nxt))
        {
          send_reset_for (self, segment, out);
          return;
        }
      ack_ok = TRUE;
    }

  if (segment->flags & HS_TCP_RST)
    {
      /* RFC 5961, 3.2: only a RST that acknowledges our SYN counts. */
      if (ack_ok)
        {
          set_state (self, HS_TCP_STATE_CLOSED, out);
          tell_app (self, HS_TCB_OUTPUT_ERROR, HS_TRACE_ERROR_CONNECTION_REFUSED, NULL, out);
        }
      return;
    }

  if (!(segment->flags & HS_TCP_SYN))
    return;

  self->irs = segment->seq;
  self->irs_known = TRUE;
  self->rcv_nxt = hs_seq_add (segment->seq, 1);
  self->rcv_wup = self->rcv_nxt;
  parse_syn_options (self, segment, now_us);
  self->snd_wnd = segment->window;
  self->max_snd_wnd = self->snd_wnd;
  self->snd_wl1 = segment->seq;
  self->snd_wl2 = segment->ack;

  if (ack_ok)
    {
      self->snd_una = segment->ack;
      clean_rtx (self, segment->ack, segment, now_us);
      self->retransmits = 0;
      arm_rtx_timer (self, now_us);
      set_state (self, HS_TCP_STATE_ESTABLISHED, out);
      /* Linux sends the third segment of the handshake at once. */
      send_ack (self, now_us, out);
      output_data (self, now_us, out);
      return;
    }

  /* Simultaneous open (RFC 9293, 3.5, figure 7): answer with SYN,ACK. */
  set_state (self, HS_TCP_STATE_SYN_RECEIVED, out);
  if (self->rtx->len > 0)
    {
      RtxEntry *entry = &g_array_index (self->rtx, RtxEntry, 0);

      /* The SYN,ACK is a segment of its own, not a retransmitted SYN. */
      entry->n_sent = 0;
      transmit_entry (self, entry, now_us, out);
      self->retransmits = 0;
      arm_rtx_timer (self, now_us);
    }
}

/* RFC 9293, 3.10.7.4, first: is the segment in the receive window? */
static gboolean
segment_acceptable (HsTcb *self, guint32 seq, guint32 seq_len)
{
  guint32 wnd = self->rcv_wnd;
  guint32 end = hs_seq_add (self->rcv_nxt, wnd);

  if (seq_len == 0)
    {
      if (wnd == 0)
        return seq == self->rcv_nxt;
      return seq_ge (seq, self->rcv_nxt) && hs_seq_lt (seq, end);
    }
  if (wnd == 0)
    return FALSE;
  return (seq_ge (seq, self->rcv_nxt) && hs_seq_lt (seq, end)) ||
         (seq_ge (seq + seq_len - 1, self->rcv_nxt) && hs_seq_lt (seq + seq_len - 1, end));
}

static void
input_time_wait (HsTcb *self,
                 const HsTcbSegment *segment,
                 guint32 seq_len,
                 gint64 now_us,
                 GArray *out)
{
  /* Linux's tcp_timewait_state_process(): an exact RST ends TIME_WAIT
   * (tcp_rfc1337 = 0), a bare ACK in order is ignored, anything else is
   * acknowledged and, when it carries ACK, restarts the 2 MSL timer
   * (RFC 9293, 3.10.7.4, eighth: a retransmitted FIN). */
  if (segment->flags & HS_TCP_RST)
    {
      if (segment->seq == self->rcv_nxt)
        set_state (self, HS_TCP_STATE_CLOSED, out);
      return;
    }
  if (segment->seq == self->rcv_nxt && seq_len == 0)
    return;
  send_ack (self, now_us, out);
  if (segment->flags & HS_TCP_ACK)
    self->tw_deadline = now_us + self->config.time_wait_us;
}

static void
reset_received (HsTcb *self, GArray *out)
{
  HsTcpState state = self->state;

  switch (state)
    {
      case HS_TCP_STATE_SYN_RECEIVED:
        if (self->passive)
          {
            /* RFC 9293, 3.10.7.4, second: back to LISTEN (Linux drops the
             * request socket; its listener goes on). */
            set_state (self, HS_TCP_STATE_LISTEN, out);
            return;
          }
        set_state (self, HS_TCP_STATE_CLOSED, out);
        tell_app (self, HS_TCB_OUTPUT_ERROR, HS_TRACE_ERROR_CONNECTION_REFUSED, NULL, out);
        return;
      case HS_TCP_STATE_ESTABLISHED:
      case HS_TCP_STATE_FIN_WAIT_1:
      case HS_TCP_STATE_FIN_WAIT_2:
      case HS_TCP_STATE_CLOSE_WAIT:
        set_state (self, HS_TCP_STATE_CLOSED, out);
        tell_app (self, HS_TCB_OUTPUT_ERROR, HS_TRACE_ERROR_CONNECTION_RESET, NULL, out);
        return;
      default:
        set_state (self, HS_TCP_STATE_CLOSED, out);
        return;
    }
}

static void
schedule_ack (HsTcb *self, gboolean now, gint64 now_us, GArray *out)
{
  if (now)
    send_ack (self, now_us, out);
  else if (self->delack_deadline == G_MAXINT64)
    self->delack_deadline = now_us + self->config.delack_us;
}

/* RFC 9293, 3.10.7.4, fifth, in SYN-RECEIVED: an ACK of our SYN completes
 * the handshake; any other ACK gets <SEQ=SEG.ACK><CTL=RST>. */
static gboolean
process_ack_syn_received (HsTcb *self, const HsTcbSegment *segment, gint64 now_us, GArray *out)
{
  if (!seq_gt (segment->ack, self->snd_una) || seq_gt (segment->ack, self->snd_nxt))
    {
      send_reset_for (self, segment, out);
      return FALSE;
    }

  set_state (self, HS_TCP_STATE_ESTABLISHED, out);
  /* The SYN's window was unscaled; take the first scaled one now. */
  self->snd_wl1 = hs_seq_sub (segment->seq, 1);
  return process_ack (self, segment, now_us, out);
}

static void
input_synchronized (HsTcb *self, const HsTcbSegment *segment, gint64 now_us, GArray *out)
{
  guint32 len = hs_tcb_segment_get_len (segment);
  guint32 seq_len = segment_seq_len (segment);
  guint32 seq = segment->seq;
  guint32 offset = 0;
  gboolean ack_now = FALSE;

  if (self->state == HS_TCP_STATE_TIME_WAIT)
    {
      input_time_wait (self, segment, seq_len, now_us, out);
      return;
    }

  /* Linux answers a retransmitted SYN in SYN_RECEIVED with the SYN-ACK
   * again and restarts its timer (tcp_check_req()). */
  if (self->state == HS_TCP_STATE_SYN_RECEIVED && self->passive &&
      (segment->flags & (HS_TCP_SYN | HS_TCP_ACK | HS_TCP_RST | HS_TCP_FIN)) == HS_TCP_SYN &&
      seq == self->irs && self->rtx->len > 0)
    {
      transmit_entry (self, &g_array_index (self->rtx, RtxEntry, 0), now_us, out);
      arm_rtx_timer (self, now_us);
      return;
    }

  /* Simultaneous open: the peer's SYN,ACK arrives in SYN_RECEIVED. Its SYN
   * is old, its ACK new; Linux lets it through (tcp_validate_incoming()). */
  if (self->state == HS_TCP_STATE_SYN_RECEIVED && !self->passive &&
      (segment->flags & (HS_TCP_SYN | HS_TCP_ACK | HS_TCP_RST)) == (HS_TCP_SYN | HS_TCP_ACK) &&
      hs_seq_add (seq, 1) == self->rcv_nxt && segment->ack == self->snd_nxt)
    {
      if (!process_ack_syn_received (self, segment, now_us, out))
        return;
      send_ack (self, now_us, out);
      return;
    }

  /* First: the sequence number. */
  if (!segment_acceptable (self, seq, seq_len))
    {
      if (!(segment->flags & HS_TCP_RST))
        send_ack (self, now_us, out);
      return;
    }

  /* Second: RST (RFC 5961, 3.2). */
  if (segment->flags & HS_TCP_RST)
    {
      gboolean embryonic = self->state == HS_TCP_STATE_SYN_RECEIVED && self->passive;
      gboolean orphan_fw2 = self->state == HS_TCP_STATE_FIN_WAIT_2 && self->orphan;

      if (seq == self->rcv_nxt || embryonic || orphan_fw2)
        reset_received (self, out);
      else
        send_ack (self, now_us, out); /* challenge ACK */
      return;
    }

  /* Fourth: SYN in a synchronized state (RFC 5961, 4.2): challenge ACK.
   * Linux's request socket resets instead and forgets the attempt. */
  if (segment->flags & HS_TCP_SYN)
    {
      if (self->state == HS_TCP_STATE_SYN_RECEIVED && self->passive)
        {
          send_reset_for (self, segment, out);
          set_state (self, HS_TCP_STATE_LISTEN, out);
          return;
        }
      send_ack (self, now_us, out);
      return;
    }

  /* Fifth: the ACK field. */
  if (!(segment->flags & HS_TCP_ACK))
    return;

  if (self->state == HS_TCP_STATE_SYN_RECEIVED)
    {
      if (!process_ack_syn_received (self, segment, now_us, out))
        return;
    }
  else if (!process_ack (self, segment, now_us, out))
    return;

  if (self->state == HS_TCP_STATE_CLOSED)
    return;

  /* Timestamps: remember the newest for the echo (RFC 7323, 4.3). */
  if (self->ts_ok && (segment->options.present & HS_TCP_OPTION_TIMESTAMPS) &&
      seq_le (seq, self->rcv_wup))
    self->ts_recent = segment->options.ts_val;

  /* Seventh: the text. */
  if (len > 0)
    {
      switch (self->state)
        {
          case HS_TCP_STATE_ESTABLISHED:
          case HS_TCP_STATE_FIN_WAIT_1:
          case HS_TCP_STATE_FIN_WAIT_2:
            break;
          default:
            /* The peer's FIN came already (RFC 9293: ignore the text). */
            len = 0;
            break;
        }
    }

  if (len > 0 && hs_seq_lt (seq, self->rcv_nxt))
    {
      /* Only the new part of a segment that straddles RCV.NXT counts. */
      offset = hs_seq_sub (self->rcv_nxt, seq);
      if (offset >= len)
        {
          len = 0;
          ack_now = TRUE; /* a duplicate: Linux acknowledges at once */
        }
      else
        {
          len -= offset;
          seq = self->rcv_nxt;
        }
    }

  if (len > 0 && seq != self->rcv_nxt)
    {
      /* Out of order: dropped here (Linux would queue it and send SACK), a
       * duplicate ACK tells the sender where the hole is. */
      send_ack (self, now_us, out);
      return;
    }

  if (len > 0 && self->orphan)
    {
      /* RFC 1122, 4.2.2.13, as Linux: data for an application that has
       * closed is answered with RST. */
      send_reset_for (self, segment, out);
      set_state (self, HS_TCP_STATE_CLOSED, out);
      return;
    }

  if (len > 0)
    {
      g_autoptr (GBytes) data = offset == 0
                                    ? g_bytes_ref (segment->payload)
                                    : g_bytes_new_from_bytes (segment->payload, offset, len);

      self->rcv_nxt = hs_seq_add (self->rcv_nxt, len);
      tell_app (self, HS_TCB_OUTPUT_DATA, 0, data, out);

      /* Linux's quick-ack mode for the first data of a connection. */
      if (!self->quick_started)
        {
          self->quick_started = TRUE;
          self->quick_acks = MIN (MAX_QUICK_ACKS, self->rcv_wnd / (2 * MAX (self->snd_mss, 1)));
        }
      if (self->quick_acks > 0 && !self->pingpong)
        {
          self->quick_acks--;
          ack_now = TRUE;
        }
      else if (hs_seq_sub (self->rcv_nxt, self->rcv_wup) > self->snd_mss)
        ack_now = TRUE;
    }

  /* Eighth: FIN, once everything before it has arrived. */
  if ((segment->flags & HS_TCP_FIN) &&
      hs_seq_add (segment->seq, hs_tcb_segment_get_len (segment)) == self->rcv_nxt)
    {
      self->rcv_nxt = hs_seq_add (self->rcv_nxt, 1);
      self->fin_received = TRUE;

      switch (self->state)
        {
          case HS_TCP_STATE_ESTABLISHED:
            set_state (self, HS_TCP_STATE_CLOSE_WAIT, out);
            tell_app (self, HS_TCB_OUTPUT_EOF, 0, NULL, out);
            /* Linux enters ping-pong mode here: the ACK waits for the
             * delayed-ACK timer, so that a quick close() carries it. */
            self->pingpong = TRUE;
            schedule_ack (self, FALSE, now_us, out);
            return;
          case HS_TCP_STATE_FIN_WAIT_1:
            set_state (self, HS_TCP_STATE_CLOSING, out);
            tell_app (self, HS_TCB_OUTPUT_EOF, 0, NULL, out);
            send_ack (self, now_us, out);
            return;
          case HS_TCP_STATE_FIN_WAIT_2:
            enter_time_wait (self, now_us, out);
            tell_app (self, HS_TCB_OUTPUT_EOF, 0, NULL, out);
            send_ack (self, now_us, out);
            return;
          default:
            send_ack (self, now_us, out);
            return;
        }
    }

  if (len > 0)
    schedule_ack (self, ack_now, now_us, out);
  else if (ack_now)
    send_ack (self, now_us, out);
}

void
hs_tcb_input (HsTcb *self, const HsTcbSegment *segment, gint64 now_us, GArray *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (segment != NULL);
  g_return_if_fail (out != NULL);

  switch (self->state)
    {
      case HS_TCP_STATE_CLOSED:
        /* RFC 9293, 3.10.7.1: as if no connection existed. */
        send_reset_for (self, segment, out);
        return;
      case HS_TCP_STATE_LISTEN:
        input_listen (self, segment, now_us, out);
        return;
      case HS_TCP_STATE_SYN_SENT:
        input_syn_sent (self, segment, now_us, out);
        return;
      default:
        input_synchronized (self, segment, now_us, out);
        return;
    }
}

/* Linux's tcp_model_timeout(): how long @boundary retransmissions take
 * with exponential backoff from @rto_base, capped at @rto_max. */
static gint64
model_timeout (guint boundary, gint64 rto_base, gint64 rto_max)
{
  guint thresh = 0;

  while ((rto_base << (thresh + 1)) <= rto_max)
    thresh++;
  if (boundary <= thresh)
    return ((G_GINT64_CONSTANT (2) << boundary) - 1) * rto_base;
  return ((G_GINT64_CONSTANT (2) << thresh) - 1) * rto_base +
         (gint64) (boundary - thresh) * rto_max;
}

static void
give_up (HsTcb *self, GArray *out)
{
  set_state (self, HS_TCP_STATE_CLOSED, out);
  tell_app (self, HS_TCB_OUTPUT_ERROR, HS_TRACE_ERROR_TIMED_OUT, NULL, out);
}

static void
retransmit_timeout (HsTcb *self, gint64 now_us, GArray *out)
{
  const HsTcbConfig *c = &self->config;
  RtxEntry *head;

  self->rtx_deadline = G_MAXINT64;
  if (self->rtx->len == 0)
    return;
  head = &g_array_index (self->rtx, RtxEntry, 0);

  switch (self->state)
    {
      case HS_TCP_STATE_SYN_SENT:
        /* Linux >= 6.5 counts the linear timeouts on top of the retries. */
        if (self->retransmits >= c->syn_retries + c->syn_linear_timeouts)
          {
            give_up (self, out);
            return;
          }
        break;
      case HS_TCP_STATE_SYN_RECEIVED:
        if (self->passive && self->retransmits >= c->synack_retries)
          {
            /* The request socket is dropped without a segment. */
            set_state (self, HS_TCP_STATE_CLOSED, out);
            return;
          }
        if (!self->passive && self->retransmits >= c->syn_retries)
          {
            give_up (self, out);
            return;
          }
        break;
      default:
        if (self->retransmits > 0 &&
            now_us - self->retrans_stamp >=
                model_timeout (self->orphan ? c->orphan_retries : c->retries2, c->rto_min_us,
                               c->rto_max_us))
          {
            give_up (self, out);
            return;
          }
        break;
    }

  if (self->retransmits == 0)
    self->retrans_stamp = head->first_sent_us;
  self->retransmits++;
  self->last_rto_us = now_us;
  transmit_entry (self, head, now_us, out);

  /* RFC 6298, 5.5: back off, except for Linux's first linear SYN timeouts. */
  if (!(self->state == HS_TCP_STATE_SYN_SENT && self->retransmits <= c->syn_linear_timeouts))
    self->rto = MIN (self->rto * 2, c->rto_max_us);
  self->rtx_deadline = now_us + self->rto;
}

gint64
hs_tcb_get_next_deadline (HsTcb *self, HsTcbTimer *timer)
{
  gint64 deadline = G_MAXINT64;
  HsTcbTimer which = HS_TCB_TIMER_NONE;

  g_return_val_if_fail (self != NULL, G_MAXINT64);

  if (self->delack_deadline < deadline)
    {
      deadline = self->delack_deadline;
      which = HS_TCB_TIMER_DELAYED_ACK;
    }
  if (self->rtx_deadline < deadline)
    {
      deadline = self->rtx_deadline;
      which = HS_TCB_TIMER_RETRANSMIT;
    }
  if (self->tw_deadline < deadline)
    {
      deadline = self->tw_deadline;
      which = HS_TCB_TIMER_TIME_WAIT;
    }

  if (timer != NULL)
    *timer = which;
  return deadline;
}

gint64
hs_tcb_get_timer_deadline (HsTcb *self, HsTcbTimer timer)
{
  g_return_val_if_fail (self != NULL, G_MAXINT64);

  switch (timer)
    {
      case HS_TCB_TIMER_RETRANSMIT:
        return self->rtx_deadline;
      case HS_TCB_TIMER_TIME_WAIT:
        return self->tw_deadline;
      case HS_TCB_TIMER_DELAYED_ACK:
        return self->delack_deadline;
      case HS_TCB_TIMER_NONE:
      default:
        return G_MAXINT64;
    }
}

HsTcbTimer
hs_tcb_get_visible_timer (HsTcb *self, gint64 *deadline_us)
{
  g_return_val_if_fail (self != NULL, HS_TCB_TIMER_NONE);

  if (self->rtx_deadline != G_MAXINT64)
    {
      if (deadline_us != NULL)
        *deadline_us = self->rtx_deadline;
      return HS_TCB_TIMER_RETRANSMIT;
    }
  if (self->tw_deadline != G_MAXINT64)
    {
      if (deadline_us != NULL)
        *deadline_us = self->tw_deadline;
      return HS_TCB_TIMER_TIME_WAIT;
    }
  return HS_TCB_TIMER_NONE;
}

void
hs_tcb_on_timer (HsTcb *self, gint64 now_us, GArray *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out != NULL);

  for (;;)
    {
      HsTcbTimer which;
      gint64 deadline = hs_tcb_get_next_deadline (self, &which);

      if (deadline > now_us)
        return;

      switch (which)
        {
          case HS_TCB_TIMER_DELAYED_ACK:
            self->delack_deadline = G_MAXINT64;
            send_ack (self, now_us, out);
            break;
          case HS_TCB_TIMER_TIME_WAIT:
            self->tw_deadline = G_MAXINT64;
            set_state (self, HS_TCP_STATE_CLOSED, out);
            break;
          case HS_TCB_TIMER_RETRANSMIT:
            retransmit_timeout (self, now_us, out);
            break;
          case HS_TCB_TIMER_NONE:
          default:
            return;
        }
    }
}

HsTcpState
hs_tcb_get_state (HsTcb *self)
{
  g_return_val_if_fail (self != NULL, HS_TCP_STATE_UNKNOWN);

  return self->state;
}

gboolean
hs_tcb_is_passive (HsTcb *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->passive;
}

gboolean
hs_tcb_is_orphan (HsTcb *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->orphan;
}

const HsAddress *
hs_tcb_get_local (HsTcb *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->local;
}

const HsAddress *
hs_tcb_get_remote (HsTcb *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->remote;
}

guint32
hs_tcb_get_iss (HsTcb *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->iss;
}

gboolean
hs_tcb_get_irs (HsTcb *self, guint32 *irs)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->irs_known && irs != NULL)
    *irs = self->irs;
  return self->irs_known;
}

guint32
hs_tcb_get_snd_una (HsTcb *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->snd_una;
}

guint32
hs_tcb_get_snd_nxt (HsTcb *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->snd_nxt;
}

guint32
hs_tcb_get_rcv_nxt (HsTcb *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->rcv_nxt;
}

guint32
hs_tcb_get_send_queue (HsTcb *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->send_buf->len;
}

gint64
hs_tcb_get_rto (HsTcb *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->rto;
}

guint
hs_tcb_get_retransmits (HsTcb *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->retransmits;
}
