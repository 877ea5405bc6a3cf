/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-tcb"

#include "config.h"

#include <string.h>

#include "hs-tcb.h"

/* Every (from, to) pair any test saw, for the coverage test at the end. */
static GHashTable *transitions;

typedef GArray Out;

static Out *
out_new (void)
{
  return hs_tcb_output_array_new ();
}

static void
out_free (Out *o)
{
  for (guint i = 0; i < o->len; i++)
    {
      HsTcbOutput *output = &g_array_index (o, HsTcbOutput, i);

      if (output->kind == HS_TCB_OUTPUT_STATE)
        g_hash_table_add (transitions, GUINT_TO_POINTER (output->from << 8 | output->to));
    }
  g_array_unref (o);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Out, out_free)

static HsAddress
address (guint8 last, guint16 port)
{
  HsAddress a = { .family = 4, .addr = { 10, 0, 0, last }, .port = port };

  return a;
}

static guint
count_kind (Out *o, HsTcbOutputKind kind)
{
  guint n = 0;

  for (guint i = 0; i < o->len; i++)
    if (g_array_index (o, HsTcbOutput, i).kind == kind)
      n++;
  return n;
}

static const HsTcbSegment *
nth_segment (Out *o, guint n)
{
  for (guint i = 0; i < o->len; i++)
    {
      HsTcbOutput *output = &g_array_index (o, HsTcbOutput, i);

      if (output->kind == HS_TCB_OUTPUT_SEGMENT && n-- == 0)
        return &output->segment;
    }
  return NULL;
}

/* The position of the first output of @kind (and for states, to @to). */
static gint
position_of (Out *o, HsTcbOutputKind kind, HsTcpState to)
{
  for (guint i = 0; i < o->len; i++)
    {
      HsTcbOutput *output = &g_array_index (o, HsTcbOutput, i);

      if (output->kind == kind && (kind != HS_TCB_OUTPUT_STATE || output->to == to))
        return (gint) i;
    }
  return -1;
}

static gboolean
has_error (Out *o, HsTraceError error)
{
  for (guint i = 0; i < o->len; i++)
    {
      HsTcbOutput *output = &g_array_index (o, HsTcbOutput, i);

      if (output->kind == HS_TCB_OUTPUT_ERROR && output->error == error)
        return TRUE;
    }
  return FALSE;
}

/* Feeds every segment of @from into @to. */
static void
feed (HsTcb *to, Out *from, gint64 now, Out *result)
{
  for (guint i = 0; i < from->len; i++)
    {
      HsTcbOutput *output = &g_array_index (from, HsTcbOutput, i);

      if (output->kind == HS_TCB_OUTPUT_SEGMENT)
        hs_tcb_input (to, &output->segment, now, result);
    }
}

typedef struct
{
  HsTcbConfig config;
  GRand *rand;
  HsTcb *client;
  HsTcb *server;
  HsAddress client_addr;
  HsAddress server_addr;
} Pair;

static void
pair_init (Pair *p, guint32 seed)
{
  hs_tcb_config_init (&p->config);
  p->rand = g_rand_new_with_seed (seed);
  p->client_addr = address (1, 40000);
  p->server_addr = address (2, 5005);
  p->client = hs_tcb_new (&p->config, &p->client_addr, p->rand);
  p->server = hs_tcb_new (&p->config, &p->server_addr, p->rand);
}

static void
pair_clear (Pair *p)
{
  g_clear_pointer (&p->client, hs_tcb_free);
  g_clear_pointer (&p->server, hs_tcb_free);
  g_clear_pointer (&p->rand, g_rand_free);
}

/* A handshake with each segment taking @flight µs; returns the time it ends. */
static gint64
pair_handshake (Pair *p, gint64 start, gint64 flight)
{
  g_autoptr (Out) o1 = out_new ();
  g_autoptr (Out) o2 = out_new ();
  g_autoptr (Out) o3 = out_new ();
  g_autoptr (Out) o4 = out_new ();

  g_assert_true (hs_tcb_listen (p->server, o1, NULL));
  g_assert_true (hs_tcb_connect (p->client, &p->server_addr, start, o2, NULL));
  feed (p->server, o2, start + flight, o3);
  feed (p->client, o3, start + 2 * flight, o4);
  g_autoptr (Out) o5 = out_new ();
  feed (p->server, o4, start + 3 * flight, o5);
  g_assert_cmpint (hs_tcb_get_state (p->client), ==, HS_TCP_STATE_ESTABLISHED);
  g_assert_cmpint (hs_tcb_get_state (p->server), ==, HS_TCP_STATE_ESTABLISHED);
  return start + 3 * flight;
}

static void
test_handshake (void)
{
  Pair p;
  g_autoptr (Out) listen = out_new ();
  g_autoptr (Out) syn = out_new ();
  g_autoptr (Out) syn_ack = out_new ();
  g_autoptr (Out) ack = out_new ();
  g_autoptr (Out) done = out_new ();
  const HsTcbSegment *s;
  guint32 iss, irs;

  pair_init (&p, 1);
  g_assert_true (hs_tcb_listen (p.server, listen, NULL));
  g_assert_cmpint (position_of (listen, HS_TCB_OUTPUT_STATE, HS_TCP_STATE_LISTEN), ==, 0);

  /* The SYN leaves, then the state is SYN_SENT (the order of the trace). */
  g_assert_true (hs_tcb_connect (p.client, &p.server_addr, 0, syn, NULL));
  g_assert_cmpint (position_of (syn, HS_TCB_OUTPUT_SEGMENT, 0), ==, 0);
  g_assert_cmpint (position_of (syn, HS_TCB_OUTPUT_STATE, HS_TCP_STATE_SYN_SENT), ==, 1);
  s = nth_segment (syn, 0);
  iss = hs_tcb_get_iss (p.client);
  g_assert_cmpuint (s->flags, ==, HS_TCP_SYN);
  g_assert_cmpuint (s->seq, ==, iss);
  g_assert_cmpuint (s->window, ==, 64240);
  g_assert_cmpuint (s->options.present & HS_TCP_OPTION_MSS, !=, 0);
  g_assert_cmpuint (s->options.mss, ==, 1460);
  g_assert_cmpuint (s->options.wscale, ==, 7);
  g_assert_cmpuint (s->options.present & HS_TCP_OPTION_SACK_PERMITTED, !=, 0);
  g_assert_cmpuint (s->options.present & HS_TCP_OPTION_TIMESTAMPS, !=, 0);
  g_assert_cmpuint (s->options.ts_ecr, ==, 0);
  g_assert_true (hs_address_equal (&s->dst, &p.server_addr));

  /* LISTEN -> SYN_RECEIVED, then the SYN-ACK. */
  feed (p.server, syn, 300000, syn_ack);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_SYN_RECEIVED);
  g_assert_cmpint (position_of (syn_ack, HS_TCB_OUTPUT_STATE, HS_TCP_STATE_SYN_RECEIVED), <,
                   position_of (syn_ack, HS_TCB_OUTPUT_SEGMENT, 0));
  s = nth_segment (syn_ack, 0);
  g_assert_cmpuint (s->flags, ==, HS_TCP_SYN | HS_TCP_ACK);
  g_assert_cmpuint (s->ack, ==, iss + 1);
  g_assert_cmpuint (s->seq, ==, hs_tcb_get_iss (p.server));
  g_assert_cmpuint (s->window, ==, 65160);
  g_assert_cmpuint (s->options.ts_ecr, !=, 0);
  g_assert_true (hs_tcb_get_irs (p.server, &irs));
  g_assert_cmpuint (irs, ==, iss);
  g_assert_true (hs_tcb_is_passive (p.server));

  /* SYN_SENT -> ESTABLISHED, and the third segment at once. */
  feed (p.client, syn_ack, 600000, ack);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_ESTABLISHED);
  s = nth_segment (ack, 0);
  g_assert_nonnull (s);
  g_assert_cmpuint (s->flags, ==, HS_TCP_ACK);
  g_assert_cmpuint (s->seq, ==, iss + 1);
  g_assert_cmpuint (s->ack, ==, hs_tcb_get_iss (p.server) + 1);
  g_assert_cmpuint (s->window, ==, 502);
  g_assert_cmpuint (s->options.present, ==, HS_TCP_OPTION_TIMESTAMPS);

  feed (p.server, ack, 900000, done);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_ESTABLISHED);
  g_assert_cmpuint (count_kind (done, HS_TCB_OUTPUT_SEGMENT), ==, 0);
  /* One RTT sample of 0.6 s: RTO = 0.6 + 4 x 0.3 s. */
  g_assert_cmpint (hs_tcb_get_rto (p.client), ==, 1800000);
  g_assert_cmpint (hs_tcb_get_next_deadline (p.client, NULL), ==, G_MAXINT64);

  pair_clear (&p);
}

static void
test_data (void)
{
  Pair p;
  g_autoptr (Out) sent = out_new ();
  g_autoptr (Out) received = out_new ();
  g_autoptr (Out) acked = out_new ();
  const HsTcbSegment *s;
  gint64 t;
  guint32 seq;

  pair_init (&p, 2);
  t = pair_handshake (&p, 0, 1000);
  seq = hs_tcb_get_snd_nxt (p.client);

  g_assert_true (hs_tcb_send (p.client, (const guint8 *) "hello", 5, t, sent, NULL));
  s = nth_segment (sent, 0);
  g_assert_cmpuint (s->flags, ==, HS_TCP_PSH | HS_TCP_ACK);
  g_assert_cmpuint (s->seq, ==, seq);
  g_assert_cmpuint (hs_tcb_segment_get_len (s), ==, 5);
  g_assert_cmpuint (hs_tcb_get_send_queue (p.client), ==, 5);

  /* The first data of a connection is acknowledged at once (quick ACK). */
  feed (p.server, sent, t + 1000, received);
  g_assert_cmpint (count_kind (received, HS_TCB_OUTPUT_DATA), ==, 1);
  {
    GBytes *data =
        g_array_index (received, HsTcbOutput, position_of (received, HS_TCB_OUTPUT_DATA, 0)).data;

    g_assert_cmpmem (g_bytes_get_data (data, NULL), g_bytes_get_size (data), "hello", 5);
  }
  s = nth_segment (received, 0);
  g_assert_cmpuint (s->ack, ==, seq + 5);
  g_assert_cmpuint (hs_tcb_get_rcv_nxt (p.server), ==, seq + 5);

  feed (p.client, received, t + 2000, acked);
  g_assert_cmpuint (hs_tcb_get_snd_una (p.client), ==, seq + 5);
  g_assert_cmpuint (hs_tcb_get_send_queue (p.client), ==, 0);
  g_assert_cmpint (hs_tcb_get_next_deadline (p.client, NULL), ==, G_MAXINT64);

  /* A large write is cut into segments of the MSS less the timestamps. */
  {
    g_autoptr (Out) big = out_new ();
    guint8 buffer[4000] = { 0 };

    g_assert_true (hs_tcb_send (p.client, buffer, sizeof buffer, t + 3000, big, NULL));
    g_assert_cmpuint (count_kind (big, HS_TCB_OUTPUT_SEGMENT), ==, 3);
    g_assert_cmpuint (hs_tcb_segment_get_len (nth_segment (big, 0)), ==, 1448);
    g_assert_cmpuint (nth_segment (big, 0)->flags, ==, HS_TCP_ACK);
    g_assert_cmpuint (nth_segment (big, 2)->flags, ==, HS_TCP_PSH | HS_TCP_ACK);
  }

  pair_clear (&p);
}

/* Client closes first; the ACK of its FIN waits for the delayed-ACK timer. */
static void
test_close_active (void)
{
  Pair p;
  g_autoptr (Out) fin = out_new ();
  g_autoptr (Out) close_wait = out_new ();
  g_autoptr (Out) delack = out_new ();
  g_autoptr (Out) fw2 = out_new ();
  g_autoptr (Out) last_ack = out_new ();
  g_autoptr (Out) time_wait = out_new ();
  g_autoptr (Out) closed = out_new ();
  g_autoptr (Out) expired = out_new ();
  HsTcbTimer timer;
  gint64 t;

  pair_init (&p, 3);
  t = pair_handshake (&p, 0, 1000);

  g_assert_true (hs_tcb_close (p.client, t, fin, NULL));
  g_assert_cmpint (position_of (fin, HS_TCB_OUTPUT_SEGMENT, 0), <,
                   position_of (fin, HS_TCB_OUTPUT_STATE, HS_TCP_STATE_FIN_WAIT_1));
  g_assert_cmpuint (nth_segment (fin, 0)->flags, ==, HS_TCP_FIN | HS_TCP_ACK);
  g_assert_true (hs_tcb_is_orphan (p.client));

  feed (p.server, fin, t + 1000, close_wait);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_CLOSE_WAIT);
  g_assert_cmpuint (count_kind (close_wait, HS_TCB_OUTPUT_EOF), ==, 1);
  g_assert_cmpuint (count_kind (close_wait, HS_TCB_OUTPUT_SEGMENT), ==, 0);
  g_assert_cmpint (hs_tcb_get_next_deadline (p.server, &timer), ==, t + 1000 + 40000);
  g_assert_cmpint (timer, ==, HS_TCB_TIMER_DELAYED_ACK);

  hs_tcb_on_timer (p.server, t + 41000, delack);
  g_assert_cmpuint (count_kind (delack, HS_TCB_OUTPUT_SEGMENT), ==, 1);
  g_assert_cmpuint (nth_segment (delack, 0)->ack, ==, hs_tcb_get_rcv_nxt (p.server));

  feed (p.client, delack, t + 42000, fw2);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_FIN_WAIT_2);
  /* An orphan in FIN_WAIT_2 waits tcp_fin_timeout at most. */
  g_assert_cmpint (hs_tcb_get_visible_timer (p.client, NULL), ==, HS_TCB_TIMER_TIME_WAIT);

  g_assert_true (hs_tcb_close (p.server, t + 50000, last_ack, NULL));
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_LAST_ACK);

  feed (p.client, last_ack, t + 51000, time_wait);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_TIME_WAIT);
  g_assert_cmpint (position_of (time_wait, HS_TCB_OUTPUT_STATE, HS_TCP_STATE_TIME_WAIT), <,
                   position_of (time_wait, HS_TCB_OUTPUT_SEGMENT, 0));
  g_assert_cmpint (hs_tcb_get_next_deadline (p.client, &timer), ==, t + 51000 + 60000000);
  g_assert_cmpint (timer, ==, HS_TCB_TIMER_TIME_WAIT);

  feed (p.server, time_wait, t + 52000, closed);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_CLOSED);

  hs_tcb_on_timer (p.client, t + 51000 + 59999999, expired);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_TIME_WAIT);
  hs_tcb_on_timer (p.client, t + 51000 + 60000000, expired);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_CLOSED);

  pair_clear (&p);
}

/* The application closes within the delayed-ACK timeout: one FIN,ACK. */
static void
test_close_piggyback (void)
{
  Pair p;
  g_autoptr (Out) fin = out_new ();
  g_autoptr (Out) close_wait = out_new ();
  g_autoptr (Out) last_ack = out_new ();
  g_autoptr (Out) nothing = out_new ();
  gint64 t;

  pair_init (&p, 4);
  t = pair_handshake (&p, 0, 1000);
  hs_tcb_close (p.client, t, fin, NULL);
  feed (p.server, fin, t + 1000, close_wait);
  hs_tcb_close (p.server, t + 2000, last_ack, NULL);
  g_assert_cmpuint (count_kind (last_ack, HS_TCB_OUTPUT_SEGMENT), ==, 1);
  g_assert_cmpuint (nth_segment (last_ack, 0)->flags, ==, HS_TCP_FIN | HS_TCP_ACK);
  g_assert_cmpuint (nth_segment (last_ack, 0)->ack, ==, hs_tcb_get_snd_nxt (p.client));
  hs_tcb_on_timer (p.server, t + 100000, nothing);
  g_assert_cmpuint (count_kind (nothing, HS_TCB_OUTPUT_SEGMENT), ==, 0);

  pair_clear (&p);
}

static void
test_simultaneous_close (void)
{
  Pair p;
  g_autoptr (Out) fin_c = out_new ();
  g_autoptr (Out) fin_s = out_new ();
  g_autoptr (Out) at_s = out_new ();
  g_autoptr (Out) at_c = out_new ();
  g_autoptr (Out) end_s = out_new ();
  g_autoptr (Out) end_c = out_new ();
  gint64 t;

  pair_init (&p, 5);
  t = pair_handshake (&p, 0, 1000);
  hs_tcb_close (p.client, t, fin_c, NULL);
  hs_tcb_close (p.server, t, fin_s, NULL);
  feed (p.server, fin_c, t + 1000, at_s);
  feed (p.client, fin_s, t + 1000, at_c);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_CLOSING);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_CLOSING);
  /* In FIN_WAIT_1 the ACK of a FIN leaves at once. */
  g_assert_cmpuint (count_kind (at_s, HS_TCB_OUTPUT_SEGMENT), ==, 1);
  g_assert_cmpuint (count_kind (at_c, HS_TCB_OUTPUT_SEGMENT), ==, 1);
  feed (p.server, at_c, t + 2000, end_s);
  feed (p.client, at_s, t + 2000, end_c);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_TIME_WAIT);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_TIME_WAIT);

  pair_clear (&p);
}

/* FIN_WAIT_1 -> TIME_WAIT on one FIN,ACK that acknowledges our FIN. */
static void
test_fin_wait_1_fin_ack (void)
{
  Pair p;
  g_autoptr (Out) fin = out_new ();
  g_autoptr (Out) close_wait = out_new ();
  g_autoptr (Out) last_ack = out_new ();
  g_autoptr (Out) time_wait = out_new ();
  gint64 t;

  pair_init (&p, 6);
  t = pair_handshake (&p, 0, 1000);
  hs_tcb_close (p.client, t, fin, NULL);
  feed (p.server, fin, t + 1000, close_wait);
  hs_tcb_close (p.server, t + 2000, last_ack, NULL); /* FIN,ACK carrying the ACK */
  feed (p.client, last_ack, t + 3000, time_wait);
  g_assert_cmpint (position_of (time_wait, HS_TCB_OUTPUT_STATE, HS_TCP_STATE_FIN_WAIT_2), >=, 0);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_TIME_WAIT);

  pair_clear (&p);
}

static void
test_half_close (void)
{
  Pair p;
  g_autoptr (Out) fin = out_new ();
  g_autoptr (Out) close_wait = out_new ();
  g_autoptr (Out) delack = out_new ();
  g_autoptr (Out) fw2 = out_new ();
  g_autoptr (Out) data = out_new ();
  g_autoptr (Out) got = out_new ();
  g_autoptr (GError) error = NULL;
  gint64 t;

  pair_init (&p, 7);
  t = pair_handshake (&p, 0, 1000);
  g_assert_true (hs_tcb_shutdown (p.client, t, fin, NULL));
  g_assert_false (hs_tcb_is_orphan (p.client));
  g_assert_false (hs_tcb_send (p.client, (const guint8 *) "x", 1, t, fin, &error));
  g_assert_error (error, HS_TCB_ERROR, HS_TCB_ERROR_CLOSING);
  feed (p.server, fin, t + 1000, close_wait);
  hs_tcb_on_timer (p.server, t + 50000, delack);
  feed (p.client, delack, t + 51000, fw2);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_FIN_WAIT_2);
  g_assert_cmpint (hs_tcb_get_visible_timer (p.client, NULL), ==, HS_TCB_TIMER_NONE);

  /* The server still sends; the half-closed client still reads. */
  g_assert_true (hs_tcb_send (p.server, (const guint8 *) "still here", 10, t + 60000, data, NULL));
  feed (p.client, data, t + 61000, got);
  g_assert_cmpuint (count_kind (got, HS_TCB_OUTPUT_DATA), ==, 1);
  g_assert_cmpuint (count_kind (got, HS_TCB_OUTPUT_SEGMENT), ==, 1);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_FIN_WAIT_2);

  pair_clear (&p);
}

static void
test_simultaneous_open (void)
{
  Pair p;
  g_autoptr (Out) syn_c = out_new ();
  g_autoptr (Out) syn_s = out_new ();
  g_autoptr (Out) at_s = out_new ();
  g_autoptr (Out) at_c = out_new ();
  g_autoptr (Out) end_s = out_new ();
  g_autoptr (Out) end_c = out_new ();
  g_autoptr (Out) last_s = out_new ();
  g_autoptr (Out) last_c = out_new ();

  pair_init (&p, 8);
  g_assert_true (hs_tcb_connect (p.client, &p.server_addr, 0, syn_c, NULL));
  g_assert_true (hs_tcb_connect (p.server, &p.client_addr, 0, syn_s, NULL));

  /* The SYNs cross: SYN_SENT -> SYN_RECEIVED, each answering SYN,ACK. */
  feed (p.server, syn_c, 1000, at_s);
  feed (p.client, syn_s, 1000, at_c);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_SYN_RECEIVED);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_SYN_RECEIVED);
  g_assert_false (hs_tcb_is_passive (p.client));
  g_assert_cmpuint (nth_segment (at_s, 0)->flags, ==, HS_TCP_SYN | HS_TCP_ACK);
  g_assert_cmpuint (nth_segment (at_s, 0)->seq, ==, hs_tcb_get_iss (p.server));
  g_assert_cmpuint (nth_segment (at_s, 0)->ack, ==, hs_tcb_get_iss (p.client) + 1);

  /* The SYN,ACKs cross: ESTABLISHED on both, each with an ACK (Linux). */
  feed (p.server, at_c, 2000, end_s);
  feed (p.client, at_s, 2000, end_c);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_ESTABLISHED);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_ESTABLISHED);
  g_assert_cmpuint (nth_segment (end_c, 0)->flags, ==, HS_TCP_ACK);

  /* Those ACKs are duplicates by now and change nothing. */
  feed (p.server, end_c, 3000, last_s);
  feed (p.client, end_s, 3000, last_c);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_ESTABLISHED);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_ESTABLISHED);
  g_assert_cmpuint (count_kind (last_s, HS_TCB_OUTPUT_SEGMENT), ==, 0);
  g_assert_cmpint (hs_tcb_get_next_deadline (p.client, NULL), ==, G_MAXINT64);

  pair_clear (&p);
}

/* A passive open that gets RST in SYN_RECEIVED returns to LISTEN. */
static void
test_syn_received_rst (void)
{
  Pair p;
  g_autoptr (Out) listen = out_new ();
  g_autoptr (Out) syn = out_new ();
  g_autoptr (Out) syn_ack = out_new ();
  g_autoptr (Out) reset = out_new ();
  HsTcbSegment rst = { 0 };

  pair_init (&p, 9);
  hs_tcb_listen (p.server, listen, NULL);
  hs_tcb_connect (p.client, &p.server_addr, 0, syn, NULL);
  feed (p.server, syn, 1000, syn_ack);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_SYN_RECEIVED);

  rst.src = p.client_addr;
  rst.dst = p.server_addr;
  rst.flags = HS_TCP_RST;
  rst.seq = hs_tcb_get_iss (p.client) + 1;
  hs_tcb_input (p.server, &rst, 2000, reset);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_LISTEN);
  g_assert_cmpuint (count_kind (reset, HS_TCB_OUTPUT_SEGMENT), ==, 0);
  g_assert_cmpint (hs_tcb_get_next_deadline (p.server, NULL), ==, G_MAXINT64);

  pair_clear (&p);
}

/* Closing in SYN_RECEIVED sends FIN (RFC 9293, 3.10.4). */
static void
test_syn_received_close (void)
{
  Pair p;
  g_autoptr (Out) syn_c = out_new ();
  g_autoptr (Out) syn_s = out_new ();
  g_autoptr (Out) at_c = out_new ();
  g_autoptr (Out) fin = out_new ();

  pair_init (&p, 10);
  hs_tcb_connect (p.client, &p.server_addr, 0, syn_c, NULL);
  hs_tcb_connect (p.server, &p.client_addr, 0, syn_s, NULL);
  feed (p.client, syn_s, 1000, at_c);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_SYN_RECEIVED);
  g_assert_true (hs_tcb_close (p.client, 2000, fin, NULL));
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_FIN_WAIT_1);
  g_assert_cmpuint (nth_segment (fin, 0)->flags & HS_TCP_FIN, !=, 0);
  g_assert_cmpuint (nth_segment (fin, 0)->seq, ==, hs_tcb_get_iss (p.client) + 1);

  pair_clear (&p);
}

static void
test_listen_and_syn_sent_close (void)
{
  Pair p;
  g_autoptr (Out) listen = out_new ();
  g_autoptr (Out) closed = out_new ();
  g_autoptr (Out) syn = out_new ();
  g_autoptr (Out) gone = out_new ();

  pair_init (&p, 11);
  hs_tcb_listen (p.server, listen, NULL);
  g_assert_true (hs_tcb_close (p.server, 0, closed, NULL));
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_CLOSED);

  /* Giving up a connection attempt sends nothing. */
  hs_tcb_connect (p.client, &p.server_addr, 0, syn, NULL);
  g_assert_true (hs_tcb_close (p.client, 1000, gone, NULL));
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_CLOSED);
  g_assert_cmpuint (count_kind (gone, HS_TCB_OUTPUT_SEGMENT), ==, 0);
  g_assert_cmpint (hs_tcb_get_next_deadline (p.client, NULL), ==, G_MAXINT64);

  pair_clear (&p);
}

static void
test_closed_port (void)
{
  HsTcbSegment syn = { 0 }, ack = { 0 }, rst = { 0 }, reply;
  HsTcbConfig config;
  g_autoptr (GRand) rand = g_rand_new_with_seed (12);
  HsAddress here = address (2, 1);
  g_autoptr (HsTcb) closed = NULL;
  g_autoptr (Out) o = out_new ();

  syn.src = address (1, 40000);
  syn.dst = here;
  syn.flags = HS_TCP_SYN;
  syn.seq = 0xfffffffe;
  g_assert_true (hs_tcb_reset_for_segment (&syn, &reply));
  g_assert_cmpuint (reply.flags, ==, HS_TCP_RST | HS_TCP_ACK);
  g_assert_cmpuint (reply.seq, ==, 0);
  g_assert_cmpuint (reply.ack, ==, 0xffffffff);
  g_assert_cmpuint (reply.window, ==, 0);
  g_assert_true (hs_address_equal (&reply.dst, &syn.src));

  ack = syn;
  ack.flags = HS_TCP_ACK;
  ack.ack = 1234;
  g_assert_true (hs_tcb_reset_for_segment (&ack, &reply));
  g_assert_cmpuint (reply.flags, ==, HS_TCP_RST);
  g_assert_cmpuint (reply.seq, ==, 1234);

  rst = syn;
  rst.flags = HS_TCP_RST;
  g_assert_false (hs_tcb_reset_for_segment (&rst, &reply));

  /* A closed endpoint answers the same way. */
  hs_tcb_config_init (&config);
  closed = hs_tcb_new (&config, &here, rand);
  hs_tcb_input (closed, &syn, 0, o);
  g_assert_cmpuint (nth_segment (o, 0)->flags, ==, HS_TCP_RST | HS_TCP_ACK);
}

/* LISTEN answers an ACK with RST and ignores a RST (RFC 9293, 3.10.7.2). */
static void
test_listen_bad_segments (void)
{
  Pair p;
  g_autoptr (Out) listen = out_new ();
  g_autoptr (Out) o = out_new ();
  HsTcbSegment s = { 0 };

  pair_init (&p, 13);
  hs_tcb_listen (p.server, listen, NULL);
  s.src = p.client_addr;
  s.dst = p.server_addr;
  s.flags = HS_TCP_ACK;
  s.seq = 10;
  s.ack = 777;
  hs_tcb_input (p.server, &s, 0, o);
  g_assert_cmpuint (nth_segment (o, 0)->flags, ==, HS_TCP_RST);
  g_assert_cmpuint (nth_segment (o, 0)->seq, ==, 777);
  s.flags = HS_TCP_RST;
  hs_tcb_input (p.server, &s, 0, o);
  g_assert_cmpuint (count_kind (o, HS_TCB_OUTPUT_SEGMENT), ==, 1);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_LISTEN);

  pair_clear (&p);
}

static void
test_refused (void)
{
  Pair p;
  g_autoptr (Out) syn = out_new ();
  g_autoptr (Out) o = out_new ();
  HsTcbSegment reset;

  pair_init (&p, 14);
  hs_tcb_connect (p.client, &p.server_addr, 0, syn, NULL);
  g_assert_true (hs_tcb_reset_for_segment (nth_segment (syn, 0), &reset));

  /* A RST that does not acknowledge the SYN is ignored (RFC 5961, 3.2). */
  reset.ack += 5;
  hs_tcb_input (p.client, &reset, 1000, o);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_SYN_SENT);
  reset.ack -= 5;
  hs_tcb_input (p.client, &reset, 1000, o);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_CLOSED);
  g_assert_true (has_error (o, HS_TRACE_ERROR_CONNECTION_REFUSED));
  g_assert_cmpint (position_of (o, HS_TCB_OUTPUT_STATE, HS_TCP_STATE_CLOSED), <,
                   position_of (o, HS_TCB_OUTPUT_ERROR, 0));

  pair_clear (&p);
}

/* A SYN-ACK whose ACK is not ours: <SEQ=SEG.ACK><CTL=RST>, stay in SYN_SENT. */
static void
test_syn_sent_bad_ack (void)
{
  Pair p;
  g_autoptr (Out) syn = out_new ();
  g_autoptr (Out) o = out_new ();
  HsTcbSegment s = { 0 };

  pair_init (&p, 15);
  hs_tcb_connect (p.client, &p.server_addr, 0, syn, NULL);
  s.src = p.server_addr;
  s.dst = p.client_addr;
  s.flags = HS_TCP_SYN | HS_TCP_ACK;
  s.seq = 99;
  s.ack = hs_tcb_get_iss (p.client) + 1000;
  hs_tcb_input (p.client, &s, 1000, o);
  g_assert_cmpuint (nth_segment (o, 0)->flags, ==, HS_TCP_RST);
  g_assert_cmpuint (nth_segment (o, 0)->seq, ==, s.ack);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_SYN_SENT);

  pair_clear (&p);
}

static HsTcbSegment
segment_to_server (Pair *p, guint8 flags, guint32 seq, guint32 ack, const char *text)
{
  HsTcbSegment s = { 0 };

  s.src = p->client_addr;
  s.dst = p->server_addr;
  s.flags = flags;
  s.seq = seq;
  s.ack = ack;
  s.window = 502;
  if (text != NULL)
    s.payload = g_bytes_new_static (text, strlen (text));
  return s;
}

/* Out-of-window data gets an ACK and is not delivered (RFC 9293, 3.10.7.4). */
static void
test_out_of_window (void)
{
  Pair p;
  g_autoptr (Out) o = out_new ();
  HsTcbSegment s;
  gint64 t;

  pair_init (&p, 16);
  t = pair_handshake (&p, 0, 1000);
  s = segment_to_server (&p, HS_TCP_ACK | HS_TCP_PSH, hs_tcb_get_rcv_nxt (p.server) + 1000000,
                         hs_tcb_get_snd_nxt (p.server), "far");
  hs_tcb_input (p.server, &s, t, o);
  hs_tcb_segment_clear (&s);
  g_assert_cmpuint (count_kind (o, HS_TCB_OUTPUT_DATA), ==, 0);
  g_assert_cmpuint (count_kind (o, HS_TCB_OUTPUT_SEGMENT), ==, 1);
  g_assert_cmpuint (nth_segment (o, 0)->flags, ==, HS_TCP_ACK);
  g_assert_cmpuint (nth_segment (o, 0)->seq, ==, hs_tcb_get_snd_nxt (p.server));
  g_assert_cmpuint (nth_segment (o, 0)->ack, ==, hs_tcb_get_rcv_nxt (p.server));

  /* An old duplicate (before RCV.NXT) is acknowledged too. */
  s = segment_to_server (&p, HS_TCP_ACK | HS_TCP_PSH, hs_tcb_get_rcv_nxt (p.server) - 3,
                         hs_tcb_get_snd_nxt (p.server), "old");
  hs_tcb_input (p.server, &s, t, o);
  hs_tcb_segment_clear (&s);
  g_assert_cmpuint (count_kind (o, HS_TCB_OUTPUT_DATA), ==, 0);
  g_assert_cmpuint (count_kind (o, HS_TCB_OUTPUT_SEGMENT), ==, 2);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_ESTABLISHED);

  pair_clear (&p);
}

/* An ACK of data never sent: send an ACK, drop the segment. */
static void
test_ack_unsent (void)
{
  Pair p;
  g_autoptr (Out) o = out_new ();
  HsTcbSegment s;
  guint32 rcv_nxt;
  gint64 t;

  pair_init (&p, 17);
  t = pair_handshake (&p, 0, 1000);
  rcv_nxt = hs_tcb_get_rcv_nxt (p.server);
  s = segment_to_server (&p, HS_TCP_ACK | HS_TCP_PSH, rcv_nxt, hs_tcb_get_snd_nxt (p.server) + 500,
                         "data");
  hs_tcb_input (p.server, &s, t, o);
  hs_tcb_segment_clear (&s);
  g_assert_cmpuint (count_kind (o, HS_TCB_OUTPUT_SEGMENT), ==, 1);
  g_assert_cmpuint (nth_segment (o, 0)->ack, ==, rcv_nxt);
  g_assert_cmpuint (count_kind (o, HS_TCB_OUTPUT_DATA), ==, 0);
  g_assert_cmpuint (hs_tcb_get_rcv_nxt (p.server), ==, rcv_nxt);
  g_assert_cmpuint (hs_tcb_get_snd_una (p.server), ==, hs_tcb_get_snd_nxt (p.server));

  pair_clear (&p);
}

/* RFC 5961, 3.2: exact RST resets, in-window RST gets a challenge ACK,
 * out-of-window RST is dropped. */
static void
test_rst_checks (void)
{
  Pair p;
  g_autoptr (Out) o = out_new ();
  HsTcbSegment s;
  guint32 rcv_nxt;
  gint64 t;

  pair_init (&p, 18);
  t = pair_handshake (&p, 0, 1000);
  rcv_nxt = hs_tcb_get_rcv_nxt (p.server);

  s = segment_to_server (&p, HS_TCP_RST, rcv_nxt + 2000000, 0, NULL);
  hs_tcb_input (p.server, &s, t, o);
  g_assert_cmpuint (o->len, ==, 0);

  s = segment_to_server (&p, HS_TCP_RST, rcv_nxt + 100, 0, NULL);
  hs_tcb_input (p.server, &s, t, o);
  g_assert_cmpuint (count_kind (o, HS_TCB_OUTPUT_SEGMENT), ==, 1);
  g_assert_cmpuint (nth_segment (o, 0)->flags, ==, HS_TCP_ACK);
  g_assert_cmpuint (nth_segment (o, 0)->ack, ==, rcv_nxt);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_ESTABLISHED);

  /* A SYN in a synchronized state: challenge ACK as well (RFC 5961, 4.2). */
  s = segment_to_server (&p, HS_TCP_SYN, rcv_nxt + 10, 0, NULL);
  hs_tcb_input (p.server, &s, t, o);
  g_assert_cmpuint (count_kind (o, HS_TCB_OUTPUT_SEGMENT), ==, 2);
  g_assert_cmpuint (nth_segment (o, 1)->flags, ==, HS_TCP_ACK);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_ESTABLISHED);

  s = segment_to_server (&p, HS_TCP_RST | HS_TCP_ACK, rcv_nxt, hs_tcb_get_snd_nxt (p.server), NULL);
  hs_tcb_input (p.server, &s, t, o);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_CLOSED);
  g_assert_true (has_error (o, HS_TRACE_ERROR_CONNECTION_RESET));

  pair_clear (&p);
}

static void
test_abort (void)
{
  Pair p;
  g_autoptr (Out) rst = out_new ();
  g_autoptr (Out) o = out_new ();
  gint64 t;

  pair_init (&p, 19);
  t = pair_handshake (&p, 0, 1000);
  hs_tcb_abort (p.client, t, rst);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_CLOSED);
  g_assert_cmpuint (nth_segment (rst, 0)->flags, ==, HS_TCP_RST | HS_TCP_ACK);
  g_assert_cmpuint (nth_segment (rst, 0)->seq, ==, hs_tcb_get_snd_nxt (p.client));
  feed (p.server, rst, t + 1000, o);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_CLOSED);
  g_assert_true (has_error (o, HS_TRACE_ERROR_CONNECTION_RESET));

  pair_clear (&p);
}

/* Data for an application that has closed: RST (RFC 1122, 4.2.2.13). */
static void
test_orphan_data (void)
{
  Pair p;
  g_autoptr (Out) fin = out_new ();
  g_autoptr (Out) cw = out_new ();
  g_autoptr (Out) delack = out_new ();
  g_autoptr (Out) fw2 = out_new ();
  g_autoptr (Out) data = out_new ();
  g_autoptr (Out) reset = out_new ();
  g_autoptr (Out) closed = out_new ();
  gint64 t;

  pair_init (&p, 20);
  t = pair_handshake (&p, 0, 1000);
  hs_tcb_close (p.client, t, fin, NULL);
  feed (p.server, fin, t + 1000, cw);
  hs_tcb_on_timer (p.server, t + 50000, delack);
  feed (p.client, delack, t + 51000, fw2);
  hs_tcb_send (p.server, (const guint8 *) "late", 4, t + 60000, data, NULL);
  feed (p.client, data, t + 61000, reset);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_CLOSED);
  g_assert_cmpuint (nth_segment (reset, 0)->flags, ==, HS_TCP_RST);
  g_assert_cmpuint (count_kind (reset, HS_TCB_OUTPUT_DATA), ==, 0);
  feed (p.server, reset, t + 62000, closed);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_CLOSED);

  pair_clear (&p);
}

static void
test_fin_wait_2_timeout (void)
{
  Pair p;
  g_autoptr (Out) fin = out_new ();
  g_autoptr (Out) cw = out_new ();
  g_autoptr (Out) delack = out_new ();
  g_autoptr (Out) fw2 = out_new ();
  g_autoptr (Out) o = out_new ();
  gint64 t;

  pair_init (&p, 21);
  t = pair_handshake (&p, 0, 1000);
  hs_tcb_close (p.client, t, fin, NULL);
  feed (p.server, fin, t + 1000, cw);
  hs_tcb_on_timer (p.server, t + 50000, delack);
  feed (p.client, delack, t + 51000, fw2);
  hs_tcb_on_timer (p.client, t + 51000 + 60 * G_USEC_PER_SEC, o);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_CLOSED);
  g_assert_cmpuint (count_kind (o, HS_TCB_OUTPUT_SEGMENT), ==, 0);

  pair_clear (&p);
}

/* A retransmitted FIN in TIME_WAIT is acknowledged and restarts 2 MSL. */
static void
test_time_wait_fin_again (void)
{
  Pair p;
  g_autoptr (Out) fin = out_new ();
  g_autoptr (Out) cw = out_new ();
  g_autoptr (Out) last_ack = out_new ();
  g_autoptr (Out) tw = out_new ();
  g_autoptr (Out) again = out_new ();
  gint64 t;

  pair_init (&p, 22);
  t = pair_handshake (&p, 0, 1000);
  hs_tcb_close (p.client, t, fin, NULL);
  feed (p.server, fin, t + 1000, cw);
  hs_tcb_close (p.server, t + 2000, last_ack, NULL);
  feed (p.client, last_ack, t + 3000, tw);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_TIME_WAIT);

  feed (p.client, last_ack, t + 10 * G_USEC_PER_SEC, again);
  g_assert_cmpuint (count_kind (again, HS_TCB_OUTPUT_SEGMENT), ==, 1);
  g_assert_cmpint (hs_tcb_get_next_deadline (p.client, NULL), ==,
                   t + 10 * G_USEC_PER_SEC + 60 * G_USEC_PER_SEC);

  pair_clear (&p);
}

/* Sequence numbers wrap around 2^32 (RFC 9293, 3.4). */
static void
test_wraparound (void)
{
  Pair p;
  g_autoptr (Out) data = out_new ();
  g_autoptr (Out) got = out_new ();
  g_autoptr (Out) acked = out_new ();
  g_autoptr (Out) fin = out_new ();
  g_autoptr (Out) cw = out_new ();
  g_autoptr (Out) last = out_new ();
  g_autoptr (Out) tw = out_new ();
  g_autoptr (Out) closed = out_new ();
  gint64 t;

  pair_init (&p, 23);
  hs_tcb_set_iss (p.client, 0xfffffffd);
  hs_tcb_set_iss (p.server, 0xffffffff);
  t = pair_handshake (&p, 0, 1000);
  g_assert_cmpuint (hs_tcb_get_snd_nxt (p.client), ==, 0xfffffffe);
  g_assert_cmpuint (hs_tcb_get_snd_nxt (p.server), ==, 0);

  hs_tcb_send (p.client, (const guint8 *) "0123456789", 10, t, data, NULL);
  g_assert_cmpuint (nth_segment (data, 0)->seq, ==, 0xfffffffe);
  feed (p.server, data, t + 1000, got);
  g_assert_cmpuint (count_kind (got, HS_TCB_OUTPUT_DATA), ==, 1);
  g_assert_cmpuint (nth_segment (got, 0)->ack, ==, 8);
  feed (p.client, got, t + 2000, acked);
  g_assert_cmpuint (hs_tcb_get_snd_una (p.client), ==, 8);

  hs_tcb_close (p.client, t + 3000, fin, NULL);
  g_assert_cmpuint (nth_segment (fin, 0)->seq, ==, 8);
  feed (p.server, fin, t + 4000, cw);
  hs_tcb_close (p.server, t + 5000, last, NULL);
  g_assert_cmpuint (nth_segment (last, 0)->ack, ==, 9);
  feed (p.client, last, t + 6000, tw);
  feed (p.server, tw, t + 7000, closed);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_TIME_WAIT);
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_CLOSED);

  pair_clear (&p);
}

/* Runs the timers of @tcb until it is CLOSED or @limit passes; records the
 * time of every segment sent. */
static GArray *
run_timers (HsTcb *tcb, gint64 limit, Out *o)
{
  GArray *times = g_array_new (FALSE, FALSE, sizeof (gint64));

  while (hs_tcb_get_state (tcb) != HS_TCP_STATE_CLOSED)
    {
      gint64 deadline = hs_tcb_get_next_deadline (tcb, NULL);
      guint before = count_kind (o, HS_TCB_OUTPUT_SEGMENT);

      if (deadline > limit)
        break;
      hs_tcb_on_timer (tcb, deadline, o);
      if (count_kind (o, HS_TCB_OUTPUT_SEGMENT) > before)
        g_array_append_val (times, deadline);
    }
  return times;
}

static void
check_syn_times (guint linear, const gint64 *expected, guint n, gint64 give_up)
{
  Pair p;
  g_autoptr (Out) syn = out_new ();
  g_autoptr (Out) o = out_new ();
  g_autoptr (GArray) times = NULL;

  pair_init (&p, 24);
  p.config.syn_linear_timeouts = linear;
  hs_tcb_free (p.client);
  p.client = hs_tcb_new (&p.config, &p.client_addr, p.rand);
  hs_tcb_connect (p.client, &p.server_addr, 0, syn, NULL);
  times = run_timers (p.client, 1000 * G_USEC_PER_SEC, o);

  g_assert_cmpuint (times->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (g_array_index (times, gint64, i), ==, expected[i] * G_USEC_PER_SEC);
      g_assert_cmpuint (nth_segment (o, i)->retransmission, ==, i + 1);
      g_assert_cmpuint (nth_segment (o, i)->seq, ==, hs_tcb_get_iss (p.client));
    }
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_CLOSED);
  g_assert_true (has_error (o, HS_TRACE_ERROR_TIMED_OUT));
  /* The last timer expiry is when the attempt was given up. */
  g_assert_cmpint (hs_tcb_get_next_deadline (p.client, NULL), ==, G_MAXINT64);
  (void) give_up;

  pair_clear (&p);
}

static void
test_syn_retransmit_timing (void)
{
  /* Linux >= 6.5 with tcp_syn_linear_timeouts = 4 (DESIGN.md, measured). */
  static const gint64 linear[] = { 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 };
  static const gint64 classic[] = { 1, 3, 7, 15, 31, 63 };

  check_syn_times (4, linear, G_N_ELEMENTS (linear), 131);
  check_syn_times (0, classic, G_N_ELEMENTS (classic), 127);
}

static void
test_synack_retransmit_timing (void)
{
  static const gint64 expected[] = { 1, 3, 7, 15, 31 };
  Pair p;
  g_autoptr (Out) listen = out_new ();
  g_autoptr (Out) syn = out_new ();
  g_autoptr (Out) syn_ack = out_new ();
  g_autoptr (Out) o = out_new ();
  g_autoptr (GArray) times = NULL;

  pair_init (&p, 25);
  hs_tcb_listen (p.server, listen, NULL);
  hs_tcb_connect (p.client, &p.server_addr, 0, syn, NULL);
  feed (p.server, syn, 0, syn_ack);
  times = run_timers (p.server, 1000 * G_USEC_PER_SEC, o);
  g_assert_cmpuint (times->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < times->len; i++)
    g_assert_cmpint (g_array_index (times, gint64, i), ==, expected[i] * G_USEC_PER_SEC);
  /* Dropped without a segment and without an error to anybody. */
  g_assert_cmpint (hs_tcb_get_state (p.server), ==, HS_TCP_STATE_CLOSED);
  g_assert_cmpuint (count_kind (o, HS_TCB_OUTPUT_ERROR), ==, 0);

  pair_clear (&p);
}

/* Data: the first timeout is the RTO the handshake measured, then it doubles. */
static void
test_data_retransmit_backoff (void)
{
  Pair p;
  g_autoptr (Out) data = out_new ();
  g_autoptr (Out) o = out_new ();
  g_autoptr (GArray) times = NULL;
  gint64 t, rto;

  pair_init (&p, 26);
  t = pair_handshake (&p, 0, 300000);
  rto = hs_tcb_get_rto (p.client);
  g_assert_cmpint (rto, ==, 1800000);
  hs_tcb_send (p.client, (const guint8 *) "hello", 5, t, data, NULL);
  times = run_timers (p.client, t + 60 * G_USEC_PER_SEC, o);
  g_assert_cmpuint (times->len, >=, 4);
  g_assert_cmpint (g_array_index (times, gint64, 0), ==, t + rto);
  g_assert_cmpint (g_array_index (times, gint64, 1), ==, t + 3 * rto);
  g_assert_cmpint (g_array_index (times, gint64, 2), ==, t + 7 * rto);
  g_assert_cmpint (g_array_index (times, gint64, 3), ==, t + 15 * rto);
  g_assert_cmpuint (nth_segment (o, 3)->retransmission, ==, 4);
  g_assert_cmpuint (hs_tcb_segment_get_len (nth_segment (o, 3)), ==, 5);

  /* Without an answer the connection ends after tcp_retries2 (~924.6 s). */
  g_clear_pointer (&times, g_array_unref);
  times = run_timers (p.client, t + 2000 * G_USEC_PER_SEC, o);
  g_assert_cmpint (hs_tcb_get_state (p.client), ==, HS_TCP_STATE_CLOSED);
  g_assert_true (has_error (o, HS_TRACE_ERROR_TIMED_OUT));

  pair_clear (&p);
}

/* Every transition of RFC 9293's state diagram (figure 5) was taken by one
 * of the tests above. */
static void
test_coverage (void)
{
  static const HsTcpState required[][2] = {
    { HS_TCP_STATE_CLOSED, HS_TCP_STATE_LISTEN },
    { HS_TCP_STATE_CLOSED, HS_TCP_STATE_SYN_SENT },
    { HS_TCP_STATE_LISTEN, HS_TCP_STATE_SYN_RECEIVED },
    { HS_TCP_STATE_LISTEN, HS_TCP_STATE_CLOSED },
    { HS_TCP_STATE_SYN_SENT, HS_TCP_STATE_CLOSED },
    { HS_TCP_STATE_SYN_SENT, HS_TCP_STATE_SYN_RECEIVED },
    { HS_TCP_STATE_SYN_SENT, HS_TCP_STATE_ESTABLISHED },
    { HS_TCP_STATE_SYN_RECEIVED, HS_TCP_STATE_LISTEN },
    { HS_TCP_STATE_SYN_RECEIVED, HS_TCP_STATE_ESTABLISHED },
    { HS_TCP_STATE_SYN_RECEIVED, HS_TCP_STATE_FIN_WAIT_1 },
    { HS_TCP_STATE_ESTABLISHED, HS_TCP_STATE_FIN_WAIT_1 },
    { HS_TCP_STATE_ESTABLISHED, HS_TCP_STATE_CLOSE_WAIT },
    { HS_TCP_STATE_FIN_WAIT_1, HS_TCP_STATE_FIN_WAIT_2 },
    { HS_TCP_STATE_FIN_WAIT_1, HS_TCP_STATE_CLOSING },
    { HS_TCP_STATE_FIN_WAIT_2, HS_TCP_STATE_TIME_WAIT },
    { HS_TCP_STATE_CLOSING, HS_TCP_STATE_TIME_WAIT },
    { HS_TCP_STATE_CLOSE_WAIT, HS_TCP_STATE_LAST_ACK },
    { HS_TCP_STATE_LAST_ACK, HS_TCP_STATE_CLOSED },
    { HS_TCP_STATE_TIME_WAIT, HS_TCP_STATE_CLOSED },
    /* Resets and timeouts. */
    { HS_TCP_STATE_ESTABLISHED, HS_TCP_STATE_CLOSED },
    { HS_TCP_STATE_SYN_RECEIVED, HS_TCP_STATE_CLOSED },
    { HS_TCP_STATE_FIN_WAIT_2, HS_TCP_STATE_CLOSED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    if (!g_hash_table_contains (transitions,
                                GUINT_TO_POINTER (required[i][0] << 8 | required[i][1])))
      g_error ("No test took %s -> %s", hs_tcp_state_to_string (required[i][0]),
               hs_tcp_state_to_string (required[i][1]));
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  transitions = g_hash_table_new (NULL, NULL);

  g_test_add_func ("/core/tcb/handshake", test_handshake);
  g_test_add_func ("/core/tcb/data", test_data);
  g_test_add_func ("/core/tcb/close-active", test_close_active);
  g_test_add_func ("/core/tcb/close-piggyback", test_close_piggyback);
  g_test_add_func ("/core/tcb/simultaneous-close", test_simultaneous_close);
  g_test_add_func ("/core/tcb/fin-wait-1-fin-ack", test_fin_wait_1_fin_ack);
  g_test_add_func ("/core/tcb/half-close", test_half_close);
  g_test_add_func ("/core/tcb/simultaneous-open", test_simultaneous_open);
  g_test_add_func ("/core/tcb/syn-received-rst", test_syn_received_rst);
  g_test_add_func ("/core/tcb/syn-received-close", test_syn_received_close);
  g_test_add_func ("/core/tcb/listen-and-syn-sent-close", test_listen_and_syn_sent_close);
  g_test_add_func ("/core/tcb/closed-port", test_closed_port);
  g_test_add_func ("/core/tcb/listen-bad-segments", test_listen_bad_segments);
  g_test_add_func ("/core/tcb/refused", test_refused);
  g_test_add_func ("/core/tcb/syn-sent-bad-ack", test_syn_sent_bad_ack);
  g_test_add_func ("/core/tcb/out-of-window", test_out_of_window);
  g_test_add_func ("/core/tcb/ack-unsent", test_ack_unsent);
  g_test_add_func ("/core/tcb/rst-checks", test_rst_checks);
  g_test_add_func ("/core/tcb/abort", test_abort);
  g_test_add_func ("/core/tcb/orphan-data", test_orphan_data);
  g_test_add_func ("/core/tcb/fin-wait-2-timeout", test_fin_wait_2_timeout);
  g_test_add_func ("/core/tcb/time-wait-fin-again", test_time_wait_fin_again);
  g_test_add_func ("/core/tcb/wraparound", test_wraparound);
  g_test_add_func ("/core/tcb/syn-retransmit-timing", test_syn_retransmit_timing);
  g_test_add_func ("/core/tcb/synack-retransmit-timing", test_synack_retransmit_timing);
  g_test_add_func ("/core/tcb/data-retransmit-backoff", test_data_retransmit_backoff);
  g_test_add_func ("/core/tcb/coverage", test_coverage);

  status = g_test_run ();
  g_hash_table_unref (transitions);
  return status;
}
