/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-wire"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hs-pcap.h"
#include "hs-wire.h"

/*
 * HsWire without a lab: each TUN device is played by a SOCK_SEQPACKET
 * socketpair (one packet per message, as a TUN device reads and writes).
 * The test writes what a host's kernel "sends" into its end and reads what
 * the wire delivered to the host from the same end.
 */

#define DEADLINE_MS 5000

typedef struct
{
  HsTrace *trace;
  HsWire *wire;
  int host_end[2]; /* the hosts' ends, indexed by HsSide */
  int wire_end[2];
} Fixture;

typedef struct
{
  const char *src;
  guint16 sport;
  const char *dst;
  guint16 dport;
  guint8 flags;
  guint32 seq;
  guint32 ack;
  guint16 window;
  gint wscale; /* -1: no option */
  const char *payload;
} Segment;

static gsize
build_packet (guint8 *buf, const Segment *s)
{
  gsize payload_len = s->payload != NULL ? strlen (s->payload) : 0;
  gsize options_len = s->wscale >= 0 ? 8 : 0; /* MSS (4) + NOP + wscale (3) */
  gsize tcp_len = 20 + options_len;
  gsize total = 20 + tcp_len + payload_len;
  guint8 *tcp = buf + 20;

  memset (buf, 0, total);
  buf[0] = 0x45;
  buf[2] = total >> 8;
  buf[3] = total & 0xff;
  buf[8] = 64;
  buf[9] = 6;
  g_assert_cmpint (inet_pton (AF_INET, s->src, buf + 12), ==, 1);
  g_assert_cmpint (inet_pton (AF_INET, s->dst, buf + 16), ==, 1);

  tcp[0] = s->sport >> 8;
  tcp[1] = s->sport & 0xff;
  tcp[2] = s->dport >> 8;
  tcp[3] = s->dport & 0xff;
  *(guint32 *) (tcp + 4) = htonl (s->seq);
  *(guint32 *) (tcp + 8) = htonl (s->ack);
  tcp[12] = (tcp_len / 4) << 4;
  tcp[13] = s->flags;
  tcp[14] = s->window >> 8;
  tcp[15] = s->window & 0xff;
  if (options_len > 0)
    {
      guint8 *o = tcp + 20;

      o[0] = 2, o[1] = 4, o[2] = 1460 >> 8, o[3] = 1460 & 0xff;
      o[4] = 1, o[5] = 3, o[6] = 3, o[7] = (guint8) s->wscale;
    }
  if (payload_len > 0)
    memcpy (tcp + tcp_len, s->payload, payload_len);
  return total;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < 2; i++)
    {
      int sv[2];

      g_assert_cmpint (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv),
                       ==, 0);
      f->host_end[i] = sv[0];
      f->wire_end[i] = sv[1];
    }
  f->trace = hs_trace_new ();
  f->wire = hs_wire_new (f->trace, f->wire_end[0], f->wire_end[1], &error);
  g_assert_no_error (error);
  /* The wire keeps duplicates. */
  close (f->wire_end[0]);
  close (f->wire_end[1]);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_finalize_object (f->wire);
  g_assert_finalize_object (f->trace);
  close (f->host_end[0]);
  close (f->host_end[1]);
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
wait_for_events (Fixture *f, guint n)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_MS * 1000;
  guint wake = g_timeout_add (5, wake_cb, NULL);

  while (hs_trace_get_n_events (f->trace) < n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  return hs_trace_get_n_events (f->trace) >= n;
}

/* Host @from's kernel sends @s; returns once the wire has recorded it. */
static const HsEvent *
send_segment (Fixture *f, HsSide from, const Segment *s)
{
  guint8 buf[2048];
  gsize len = build_packet (buf, s);
  guint n = hs_trace_get_n_events (f->trace);

  g_assert_cmpint (write (f->host_end[from], buf, len), ==, (gssize) len);
  g_assert_true (wait_for_events (f, n + 1));
  return hs_trace_get_event (f->trace, n);
}

/* What the wire delivered to @host so far: one packet, or 0 bytes. */
static gssize
receive_packet (Fixture *f, HsSide host, guint8 *buf, gsize size)
{
  gssize len = recv (f->host_end[host], buf, size, 0);

  if (len < 0)
    {
      g_assert_cmpint (errno, ==, EAGAIN);
      return 0;
    }
  return len;
}

static void
assert_delivered (Fixture *f, HsSide host, const Segment *s)
{
  guint8 expected[2048], got[2048];
  gsize len = build_packet (expected, s);
  gssize got_len = receive_packet (f, host, got, sizeof got);

  g_assert_cmpmem (got, got_len, expected, len);
}

static void
assert_nothing_delivered (Fixture *f, HsSide host)
{
  guint8 buf[2048];

  g_assert_cmpint (receive_packet (f, host, buf, sizeof buf), ==, 0);
}

static char *
describe (const HsEvent *event)
{
  g_autofree char *flags = hs_tcp_flags_to_string (event->flags);
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%u %c %s %u/%u", event->connection,
                          event->side == HS_SIDE_CLIENT ? 'c' : 's', flags, event->rel_seq,
                          event->rel_ack);
  if (event->len > 0)
    g_string_append_printf (out, " len %u", event->len);
  if (event->retransmission > 0)
    g_string_append_printf (out, " retx %u", event->retransmission);
  g_string_append_printf (out, " %s", hs_segment_fate_to_string (event->fate));
  return g_string_free (out, FALSE);
}

static void
assert_event (const HsEvent *event, const char *expected)
{
  g_autofree char *got = describe (event);

  g_assert_cmpint (event->kind, ==, HS_EVENT_SEGMENT);
  g_assert_cmpint (event->provenance, ==, HS_PROVENANCE_CAPTURED);
  g_assert_cmpstr (got, ==, expected);
}

#define C "10.0.0.1"
#define S "10.0.0.2"

static const Segment syn = { C, 40000, S, 5005, HS_TCP_SYN, 1000, 0, 64240, 7, NULL };
static const Segment syn_ack = { S,    5005, C,     40000, HS_TCP_SYN | HS_TCP_ACK,
                                 5000, 1001, 65160, 7,     NULL };
static const Segment ack = { C, 40000, S, 5005, HS_TCP_ACK, 1001, 5001, 502, -1, NULL };
static const Segment hello = { C,    40000, S,   5005, HS_TCP_PSH | HS_TCP_ACK,
                               1001, 5001,  502, -1,   "hello" };
static const Segment ack_hello = { S, 5005, C, 40000, HS_TCP_ACK, 5001, 1006, 509, -1, NULL };

/* Unpaced: every segment is delivered as it is read, byte for byte, and
 * recorded relative to the ISNs of the SYNs. */
static void
test_wire_unpaced (Fixture *f, gconstpointer data)
{
  const HsEvent *event;
  const HsTraceConnection *connection;
  HsWireStats stats;
  const guint8 *bytes;
  gsize len;

  hs_wire_set_flight_time (f->wire, 0);

  event = send_segment (f, HS_SIDE_CLIENT, &syn);
  assert_event (event, "1 c SYN 0/0 delivered");
  assert_delivered (f, HS_SIDE_SERVER, &syn);
  g_assert_cmpuint (event->window, ==, 64240);
  g_assert_cmpuint (event->options.mss, ==, 1460);
  g_assert_cmpuint (event->options.wscale, ==, 7);

  event = send_segment (f, HS_SIDE_SERVER, &syn_ack);
  assert_event (event, "1 s SYN, ACK 0/1 delivered");
  assert_delivered (f, HS_SIDE_CLIENT, &syn_ack);

  event = send_segment (f, HS_SIDE_CLIENT, &ack);
  assert_event (event, "1 c ACK 1/1 delivered");
  /* Scaled as both SYNs offered. */
  g_assert_cmpuint (event->window, ==, 502u << 7);
  assert_delivered (f, HS_SIDE_SERVER, &ack);

  event = send_segment (f, HS_SIDE_CLIENT, &hello);
  assert_event (event, "1 c PSH, ACK 1/1 len 5 delivered");
  g_assert_cmpmem (g_bytes_get_data (event->data, NULL), g_bytes_get_size (event->data), "hello",
                   5);
  assert_delivered (f, HS_SIDE_SERVER, &hello);
  g_assert_true (hs_wire_get_packet (f->wire, event->index, &bytes, &len));
  g_assert_cmpuint (len, ==, 45);

  /* The same data again, twice: retransmissions 1 and 2. A duplicate pure
   * ACK is not one. */
  assert_event (send_segment (f, HS_SIDE_CLIENT, &hello),
                "1 c PSH, ACK 1/1 len 5 retx 1 delivered");
  assert_event (send_segment (f, HS_SIDE_CLIENT, &hello),
                "1 c PSH, ACK 1/1 len 5 retx 2 delivered");
  assert_event (send_segment (f, HS_SIDE_SERVER, &ack_hello), "1 s ACK 1/6 delivered");
  assert_event (send_segment (f, HS_SIDE_SERVER, &ack_hello), "1 s ACK 1/6 delivered");

  connection = hs_trace_get_connection (f->trace, 1);
  g_assert_true (connection->isn_known[HS_SIDE_CLIENT]);
  g_assert_cmpuint (connection->isn[HS_SIDE_CLIENT], ==, 1000);
  g_assert_cmpuint (connection->isn[HS_SIDE_SERVER], ==, 5000);
  g_assert_cmpuint (connection->client.port, ==, 40000);
  g_assert_cmpuint (connection->server.port, ==, 5005);
  g_assert_cmpuint (hs_trace_get_n_connections (f->trace), ==, 2);

  hs_wire_get_stats (f->wire, &stats);
  g_assert_cmpuint (stats.packets, ==, 8);
  g_assert_cmpuint (stats.segments, ==, 8);
  g_assert_cmpuint (stats.write_errors, ==, 0);
  g_assert_cmpint (hs_wire_get_time_zero (f->wire), >, 0);
}

typedef struct
{
  Fixture *f;
  guint index;
} FateWait;

/* Auto with a flight time: held, then delivered when the time is over. */
static void
test_wire_paced (Fixture *f, gconstpointer data)
{
  const HsEvent *event;
  gint64 start, deadline;
  guint wake;

  hs_wire_set_flight_time (f->wire, 150);
  start = g_get_monotonic_time ();
  event = send_segment (f, HS_SIDE_CLIENT, &syn);
  assert_event (event, "1 c SYN 0/0 held");
  g_assert_true (hs_wire_is_held (f->wire, event->index));
  assert_nothing_delivered (f, HS_SIDE_SERVER);

  deadline = g_get_monotonic_time () + DEADLINE_MS * 1000;
  wake = g_timeout_add (5, wake_cb, NULL);
  while (hs_trace_get_event (f->trace, 0)->fate == HS_SEGMENT_FATE_HELD &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);

  g_assert_cmpint (hs_trace_get_event (f->trace, 0)->fate, ==, HS_SEGMENT_FATE_DELIVERED);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 150 * 1000);
  assert_delivered (f, HS_SIDE_SERVER, &syn);
  g_assert_cmpuint (hs_wire_get_n_held (f->wire), ==, 0);
}

static void
count_notify_cb (GObject *object, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

/* Step: everything waits; deliver, deliver a chosen one, drop one, deliver
 * all (and back to Auto). */
static void
test_wire_step (Fixture *f, gconstpointer data)
{
  guint n_notify = 0;
  guint i_syn, i_ack, i_hello;

  g_signal_connect (f->wire, "notify::n-held", G_CALLBACK (count_notify_cb), &n_notify);
  hs_wire_set_mode (f->wire, HS_WIRE_MODE_STEP);
  hs_wire_set_flight_time (f->wire, 0);

  i_syn = send_segment (f, HS_SIDE_CLIENT, &syn)->index;
  send_segment (f, HS_SIDE_SERVER, &syn_ack);
  i_ack = send_segment (f, HS_SIDE_CLIENT, &ack)->index;
  i_hello = send_segment (f, HS_SIDE_CLIENT, &hello)->index;
  g_assert_cmpuint (hs_wire_get_n_held (f->wire), ==, 4);
  g_assert_cmpuint (n_notify, ==, 4);
  g_assert_cmpuint (hs_wire_get_held_index (f->wire, 0), ==, i_syn);
  assert_nothing_delivered (f, HS_SIDE_CLIENT);
  assert_nothing_delivered (f, HS_SIDE_SERVER);

  /* The oldest first. */
  g_assert_true (hs_wire_deliver (f->wire));
  assert_event (hs_trace_get_event (f->trace, i_syn), "1 c SYN 0/0 delivered");
  assert_delivered (f, HS_SIDE_SERVER, &syn);

  /* A chosen one, overtaking the SYN-ACK and the ACK. */
  g_assert_true (hs_wire_deliver_index (f->wire, i_hello));
  assert_delivered (f, HS_SIDE_SERVER, &hello);
  g_assert_false (hs_wire_deliver_index (f->wire, i_hello));

  /* Lost on the wire. */
  g_assert_true (hs_wire_drop (f->wire, i_ack));
  assert_event (hs_trace_get_event (f->trace, i_ack), "1 c ACK 1/1 dropped");
  g_assert_false (hs_wire_is_held (f->wire, i_ack));

  g_assert_cmpuint (hs_wire_get_n_held (f->wire), ==, 1);
  hs_wire_deliver_all (f->wire);
  g_assert_cmpint (hs_wire_get_mode (f->wire), ==, HS_WIRE_MODE_AUTO);
  g_assert_cmpuint (hs_wire_get_n_held (f->wire), ==, 0);
  g_assert_false (hs_wire_deliver (f->wire));
  assert_delivered (f, HS_SIDE_CLIENT, &syn_ack);
  assert_nothing_delivered (f, HS_SIDE_SERVER);
  g_assert_cmpuint (n_notify, ==, 8);

  /* Auto again, unpaced: straight through. */
  assert_event (send_segment (f, HS_SIDE_CLIENT, &ack), "1 c ACK 1/1 delivered");
  assert_delivered (f, HS_SIDE_SERVER, &ack);
}

/* Many held segments: the ring grows and keeps the order. */
static void
test_wire_many_held (Fixture *f, gconstpointer data)
{
  guint8 buf[2048];

  hs_wire_set_mode (f->wire, HS_WIRE_MODE_STEP);
  send_segment (f, HS_SIDE_CLIENT, &syn);
  for (guint i = 0; i < 1000; i++)
    {
      Segment s = hello;

      s.seq = 1001 + i * 5;
      send_segment (f, HS_SIDE_CLIENT, &s);
    }
  g_assert_cmpuint (hs_wire_get_n_held (f->wire), ==, 1001);
  /* Drop from the middle, then deliver the rest in order (one at a time:
   * a socketpair queues only a few packets, unlike a TUN device). */
  g_assert_true (hs_wire_drop (f->wire, 500));
  g_assert_true (hs_wire_deliver (f->wire));
  g_assert_cmpint (receive_packet (f, HS_SIDE_SERVER, buf, sizeof buf), >, 0);
  for (guint i = 1; i < 1000; i++)
    {
      HsPacket packet;
      gssize len;

      g_assert_true (hs_wire_deliver (f->wire));
      len = receive_packet (f, HS_SIDE_SERVER, buf, sizeof buf);
      g_assert_cmpint (len, >, 0);
      g_assert_true (hs_packet_parse (buf, len, &packet, NULL));
      /* Trace index 500 held data segment 499 (seq 1001 + 499 * 5). */
      g_assert_cmpuint (packet.seq, ==, 1001 + (i - 1 < 499 ? i - 1 : i) * 5);
    }
  g_assert_cmpuint (hs_wire_get_n_held (f->wire), ==, 0);
  g_assert_false (hs_wire_deliver (f->wire));
  assert_nothing_delivered (f, HS_SIDE_SERVER);
}

/* Drop next: the next segment, whichever way it goes, is lost. */
static void
test_wire_drop_next (Fixture *f, gconstpointer data)
{
  HsWireStats stats;

  hs_wire_set_flight_time (f->wire, 0);
  hs_wire_set_drop_next (f->wire, TRUE);
  assert_event (send_segment (f, HS_SIDE_CLIENT, &syn), "1 c SYN 0/0 dropped");
  g_assert_false (hs_wire_get_drop_next (f->wire));
  assert_nothing_delivered (f, HS_SIDE_SERVER);
  assert_event (send_segment (f, HS_SIDE_CLIENT, &syn), "1 c SYN 0/0 retx 1 delivered");
  assert_delivered (f, HS_SIDE_SERVER, &syn);
  hs_wire_get_stats (f->wire, &stats);
  g_assert_cmpuint (stats.dropped, ==, 1);
}

/* ICMP and other non-TCP packets cross at once, unrecorded, even in Step. */
static void
test_wire_not_tcp (Fixture *f, gconstpointer data)
{
  guint8 icmp[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 8, 0 };
  guint8 got[64];
  gint64 deadline = g_get_monotonic_time () + DEADLINE_MS * 1000;
  HsWireStats stats;
  gssize len = 0;

  hs_wire_set_mode (f->wire, HS_WIRE_MODE_STEP);
  g_assert_cmpint (write (f->host_end[HS_SIDE_CLIENT], icmp, sizeof icmp), ==, sizeof icmp);
  while (len == 0 && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      len = receive_packet (f, HS_SIDE_SERVER, got, sizeof got);
    }
  g_assert_cmpmem (got, len, icmp, sizeof icmp);
  g_assert_cmpuint (hs_trace_get_n_events (f->trace), ==, 0);
  hs_wire_get_stats (f->wire, &stats);
  g_assert_cmpuint (stats.other, ==, 1);
  g_assert_cmpuint (stats.segments, ==, 0);
}

/* Connections: a refused SYN, a new SYN on the same 4-tuple, a
 * simultaneous open. */
static void
test_wire_connections (Fixture *f, gconstpointer data)
{
  Segment rst = { S, 5005, C, 40000, HS_TCP_RST | HS_TCP_ACK, 0, 1001, 0, -1, NULL };
  Segment again = syn;
  Segment syn_a = { C, 7000, S, 7001, HS_TCP_SYN, 100, 0, 64240, 7, NULL };
  Segment syn_b = { S, 7001, C, 7000, HS_TCP_SYN, 900, 0, 64240, 7, NULL };
  Segment synack_a = { C, 7000, S, 7001, HS_TCP_SYN | HS_TCP_ACK, 100, 901, 64240, 7, NULL };
  Segment synack_b = { S, 7001, C, 7000, HS_TCP_SYN | HS_TCP_ACK, 900, 101, 64240, 7, NULL };

  hs_wire_set_flight_time (f->wire, 0);

  assert_event (send_segment (f, HS_SIDE_CLIENT, &syn), "1 c SYN 0/0 delivered");
  assert_event (send_segment (f, HS_SIDE_SERVER, &rst), "1 s RST, ACK 0/1 delivered");

  /* The client tries again from the same port with a new ISN. */
  again.seq = 777777;
  assert_event (send_segment (f, HS_SIDE_CLIENT, &again), "2 c SYN 0/0 delivered");
  g_assert_cmpuint (hs_trace_get_connection (f->trace, 2)->isn[HS_SIDE_CLIENT], ==, 777777);

  /* Simultaneous open: two SYNs cross, then two SYN-ACKs; the side that
   * sent the first SYN is the client, and nothing is a retransmission. */
  assert_event (send_segment (f, HS_SIDE_CLIENT, &syn_a), "3 c SYN 0/0 delivered");
  assert_event (send_segment (f, HS_SIDE_SERVER, &syn_b), "3 s SYN 0/0 delivered");
  assert_event (send_segment (f, HS_SIDE_CLIENT, &synack_a), "3 c SYN, ACK 0/1 delivered");
  assert_event (send_segment (f, HS_SIDE_SERVER, &synack_b), "3 s SYN, ACK 0/1 delivered");
  g_assert_cmpuint (hs_trace_get_n_connections (f->trace), ==, 4);

  /* Back on connection 2: still found from either direction. */
  {
    Segment synack = syn_ack;

    synack.ack = 777778;
    assert_event (send_segment (f, HS_SIDE_SERVER, &synack), "2 s SYN, ACK 0/1 delivered");
  }
}

/* Clearing the trace delivers what is held and starts counting afresh. */
static void
test_wire_cleared (Fixture *f, gconstpointer data)
{
  hs_wire_set_mode (f->wire, HS_WIRE_MODE_STEP);
  send_segment (f, HS_SIDE_CLIENT, &syn);
  g_assert_cmpuint (hs_wire_get_n_held (f->wire), ==, 1);
  hs_trace_clear (f->trace);
  g_assert_cmpuint (hs_wire_get_n_held (f->wire), ==, 0);
  assert_delivered (f, HS_SIDE_SERVER, &syn);
  g_assert_false (hs_wire_get_packet (f->wire, 0, NULL, NULL));

  /* A SYN-ACK whose SYN the trace no longer has: the server sent it. */
  assert_event (send_segment (f, HS_SIDE_SERVER, &syn_ack), "1 s SYN, ACK 0/1 held");
  g_assert_true (hs_wire_get_packet (f->wire, 0, NULL, NULL));
}

/* pcap export, read back with libpcap (and tshark where installed). */
static void
test_wire_pcap (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("handshake-wire-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "wire.pcap", NULL);
  g_autofree char *tshark = g_find_program_in_path ("tshark");
  const Segment *segments[] = { &syn, &syn_ack, &ack, &hello, &ack_hello };
  char errbuf[PCAP_ERRBUF_SIZE];
  struct pcap_pkthdr *header;
  const u_char *bytes;
  pcap_t *pcap;
  guint n = 0, n_written;

  g_assert_no_error (error);
  hs_wire_set_flight_time (f->wire, 0);
  for (guint i = 0; i < G_N_ELEMENTS (segments); i++)
    send_segment (f, segments[i]->src[7] == '1' ? HS_SIDE_CLIENT : HS_SIDE_SERVER, segments[i]);

  g_assert_true (hs_pcap_write (f->wire, path, &n_written, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_written, ==, 5);

  pcap = pcap_open_offline (path, errbuf);
  g_assert_nonnull (pcap);
  g_assert_cmpint (pcap_datalink (pcap), ==, DLT_RAW);
  while (pcap_next_ex (pcap, &header, &bytes) == 1)
    {
      guint8 expected[2048];
      gsize len = build_packet (expected, segments[n]);

      g_assert_cmpmem (bytes, header->caplen, expected, len);
      g_assert_cmpint ((gint64) header->ts.tv_sec * G_USEC_PER_SEC + header->ts.tv_usec, ==,
                       hs_wire_get_time_zero (f->wire) + hs_trace_get_event (f->trace, n)->time_us);
      n++;
    }
  pcap_close (pcap);
  g_assert_cmpuint (n, ==, 5);

  if (tshark != NULL)
    {
      g_autofree char *out = NULL;
      int status;
      const char *argv[] = { tshark,        "-r", path,      "-T", "fields",      "-E",
                             "separator=,", "-e", "ip.src",  "-e", "tcp.srcport", "-e",
                             "tcp.seq_raw", "-e", "tcp.len", NULL };

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                   NULL, &out, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (out, ==,
                       "10.0.0.1,40000,1000,0\n"
                       "10.0.0.2,5005,5000,0\n"
                       "10.0.0.1,40000,1001,0\n"
                       "10.0.0.1,40000,1001,5\n"
                       "10.0.0.2,5005,5001,0\n");
    }

  /* Where the file cannot be written, an error in words. */
  g_assert_false (hs_pcap_write (f->wire, "/nonexistent/dir/x.pcap", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);

  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/wire/unpaced", test_wire_unpaced);
  ADD ("/wire/paced", test_wire_paced);
  ADD ("/wire/step", test_wire_step);
  ADD ("/wire/many-held", test_wire_many_held);
  ADD ("/wire/drop-next", test_wire_drop_next);
  ADD ("/wire/not-tcp", test_wire_not_tcp);
  ADD ("/wire/connections", test_wire_connections);
  ADD ("/wire/cleared", test_wire_cleared);
  ADD ("/wire/pcap", test_wire_pcap);
#undef ADD

  return g_test_run ();
}
