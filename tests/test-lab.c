/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-lab"

#include "config.h"

#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hs-lab.h"
#include "hs-pcap.h"
#include "hs-wire.h"

/* Generous: CI machines are slow, and the kernel's SYN timer is 1 s. */
#define DEADLINE_MS 10000

typedef gboolean (*Condition) (gpointer data);

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @condition holds or @timeout_ms passes. */
static gboolean
wait_until (Condition condition, gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint wake = g_timeout_add (5, wake_cb, NULL);
  gboolean ok;

  while (!(ok = condition (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  return ok;
}

typedef struct
{
  HsLab *lab;
  HsTrace *trace;
  HsWire *wire;
  GSocket *listener;
  GSocket *client;
  GSocket *server;
  HsAddress client_addr; /* the client socket's local address */
  HsAddress server_addr; /* the listener's */
} Fixture;

static gboolean
lab_unavailable (void)
{
  g_autofree char *reason = NULL;

  if (hs_lab_check_available (&reason))
    return FALSE;
  g_test_skip (reason);
  return TRUE;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  if (lab_unavailable ())
    return;

  f->lab = hs_lab_new ();
  hs_lab_start (f->lab, NULL, &error);
  g_assert_no_error (error);
  f->trace = hs_trace_new ();
  hs_trace_set_network (f->trace, "lab");
  f->wire = hs_wire_new (f->trace, hs_lab_get_tun_fd (f->lab, HS_SIDE_CLIENT),
                         hs_lab_get_tun_fd (f->lab, HS_SIDE_SERVER), &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  GPid pid;

  if (f->lab == NULL)
    return;

  g_clear_object (&f->client);
  g_clear_object (&f->server);
  g_clear_object (&f->listener);
  g_assert_finalize_object (f->wire);
  g_assert_finalize_object (f->trace);

  pid = hs_lab_get_helper_pid (f->lab);
  g_assert_cmpint (pid, >, 0);
  g_assert_finalize_object (f->lab);
  /* No helper outlives its lab: it was reaped, not left a zombie. */
  {
    g_autofree char *proc = g_strdup_printf ("/proc/%d", (int) pid);

    g_assert_false (g_file_test (proc, G_FILE_TEST_EXISTS));
  }
}

static void
address_from_socket (GSocket *socket, gboolean remote, HsAddress *address)
{
  g_autoptr (GSocketAddress) gaddress = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *text = NULL;

  gaddress = remote ? g_socket_get_remote_address (socket, &error)
                    : g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  host = g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (gaddress)));
  if (strchr (host, ':') != NULL)
    text = g_strdup_printf ("[%s]:%u", host,
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (gaddress)));
  else
    text = g_strdup_printf ("%s:%u", host,
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (gaddress)));
  g_assert_true (hs_address_parse (text, address));
}

static void
listen_on_server (Fixture *f, GSocketFamily family)
{
  g_autoptr (GError) error = NULL;
  HsAddress local;

  hs_lab_get_host_address (HS_SIDE_SERVER, family, &local);
  f->listener = hs_lab_new_socket_bound (f->lab, HS_SIDE_SERVER, &local, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (f->listener, FALSE);
  g_socket_listen (f->listener, &error);
  g_assert_no_error (error);
  address_from_socket (f->listener, FALSE, &f->server_addr);
  g_assert_cmpuint (f->server_addr.port, !=, 0);
}

static gboolean
socket_writable (gpointer data)
{
  return (g_socket_condition_check (G_SOCKET (data), G_IO_OUT | G_IO_ERR | G_IO_HUP) != 0);
}

static gboolean
socket_readable (gpointer data)
{
  return (g_socket_condition_check (G_SOCKET (data), G_IO_IN | G_IO_ERR | G_IO_HUP) != 0);
}

/* Starts connect() from the client host; returns at once. */
static void
start_connect (Fixture *f, GSocketFamily family)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) remote = NULL;
  g_autofree char *host = hs_address_to_host_string (&f->server_addr);

  f->client = hs_lab_new_socket (f->lab, HS_SIDE_CLIENT, family, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (f->client, FALSE);
  remote = g_inet_socket_address_new_from_string (host, f->server_addr.port);
  g_assert_nonnull (remote);
  g_assert_false (g_socket_connect (f->client, remote, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  address_from_socket (f->client, FALSE, &f->client_addr);
}

static void
finish_connect (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (wait_until (socket_writable, f->client, DEADLINE_MS));
  g_assert_true (g_socket_check_connect_result (f->client, &error));
  g_assert_no_error (error);

  g_assert_true (wait_until (socket_readable, f->listener, DEADLINE_MS));
  f->server = g_socket_accept (f->listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (f->server, FALSE);
}

/* The kernel's state of the socket with this 4-tuple in @host's namespace;
 * CLOSED when there is none. */
static HsTcpState
kernel_state (Fixture *f, HsSide host, const HsAddress *local, const HsAddress *remote)
{
  g_autoptr (GError) error = NULL;
  HsSocketRow row;
  gboolean found;

  found = hs_sock_diag_lookup (hs_lab_get_sock_diag (f->lab, host), local, remote, &row, &error);
  g_assert_no_error (error);
  return found ? row.state : HS_TCP_STATE_CLOSED;
}

static HsTcpState
client_state (Fixture *f)
{
  return kernel_state (f, HS_SIDE_CLIENT, &f->client_addr, &f->server_addr);
}

static HsTcpState
server_state (Fixture *f)
{
  return kernel_state (f, HS_SIDE_SERVER, &f->server_addr, &f->client_addr);
}

/* The trace's segments as "c SYN 0/0", "s SYN, ACK 0/1 len 5 retx 1 dropped". */
static char *
describe_segment (const HsEvent *event)
{
  g_autofree char *flags = hs_tcp_flags_to_string (event->flags);
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%c %s %u/%u", event->side == HS_SIDE_CLIENT ? 'c' : 's', flags,
                          event->rel_seq, event->rel_ack);
  if (event->len > 0)
    g_string_append_printf (out, " len %u", event->len);
  if (event->retransmission > 0)
    g_string_append_printf (out, " retx %u", event->retransmission);
  if (event->fate != HS_SEGMENT_FATE_DELIVERED)
    g_string_append_printf (out, " %s", hs_segment_fate_to_string (event->fate));
  return g_string_free (out, FALSE);
}

static char *
describe_trace (HsTrace *trace)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *event = hs_trace_get_event (trace, i);
      g_autofree char *line = NULL;

      if (event->kind != HS_EVENT_SEGMENT)
        continue;
      line = describe_segment (event);
      g_string_append_printf (out, "%s\n", line);
    }
  return g_string_free (out, FALSE);
}

typedef struct
{
  HsTrace *trace;
  HsSide side;
  guint8 flags;
  guint32 rel_ack;
  guint count; /* how many such segments */
} SegmentWait;

static guint
count_segments (HsTrace *trace, HsSide side, guint8 flags, guint32 rel_ack)
{
  guint n = 0;

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *event = hs_trace_get_event (trace, i);

      if (event->kind == HS_EVENT_SEGMENT && event->side == side && event->flags == flags &&
          (rel_ack == G_MAXUINT32 || event->rel_ack == rel_ack))
        n++;
    }
  return n;
}

/* Segments of @side with exactly @flags sent for the first time: the
 * kernel sends a SYN again when its answer is a second late, as on a
 * loaded machine, and the wire marks it a retransmission. */
static guint
count_first_sends (HsTrace *trace, HsSide side, guint8 flags)
{
  guint n = 0;

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *event = hs_trace_get_event (trace, i);

      if (event->kind == HS_EVENT_SEGMENT && event->side == side && event->flags == flags &&
          event->retransmission == 0)
        n++;
    }
  return n;
}

static gboolean
has_segments (gpointer data)
{
  SegmentWait *wait = data;

  return count_segments (wait->trace, wait->side, wait->flags, wait->rel_ack) >= wait->count;
}

static gboolean
wait_for_segments (HsTrace *trace, HsSide side, guint8 flags, guint32 rel_ack, guint count)
{
  SegmentWait wait = { trace, side, flags, rel_ack, count };

  return wait_until (has_segments, &wait, DEADLINE_MS);
}

static guint
find_segment (HsTrace *trace, HsSide side, guint8 flags, guint nth)
{
  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *event = hs_trace_get_event (trace, i);

      if (event->kind == HS_EVENT_SEGMENT && event->side == side && event->flags == flags &&
          nth-- == 0)
        return i;
    }
  g_assert_not_reached ();
}

typedef struct
{
  Fixture *f;
  HsSide host;
  HsTcpState state;
} StateWait;

static gboolean
has_state (gpointer data)
{
  StateWait *wait = data;

  return (wait->host == HS_SIDE_CLIENT ? client_state (wait->f) : server_state (wait->f)) ==
         wait->state;
}

static void
assert_state_soon (Fixture *f, HsSide host, HsTcpState state)
{
  StateWait wait = { f, host, state };

  if (!wait_until (has_state, &wait, DEADLINE_MS))
    g_error ("The %s's kernel state is %s, not %s", hs_side_to_string (host),
             hs_tcp_state_to_string (host == HS_SIDE_CLIENT ? client_state (f) : server_state (f)),
             hs_tcp_state_to_string (state));
}

static gboolean
server_has_eof (gpointer data)
{
  Fixture *f = data;
  char buf[64];
  gssize len;

  len = g_socket_receive (f->server, buf, sizeof buf, NULL, NULL);
  return len == 0;
}

typedef struct
{
  GSocket *socket;
  GString *received;
  gsize want;
} ReceiveWait;

static gboolean
received_enough (gpointer data)
{
  ReceiveWait *wait = data;
  char buf[256];
  gssize len = g_socket_receive (wait->socket, buf, sizeof buf, NULL, NULL);

  if (len > 0)
    g_string_append_len (wait->received, buf, len);
  return wait->received->len >= wait->want;
}

static void
check_pcap (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("handshake-lab-XXXXXX", &error);
  g_autofree char *path = NULL;
  char errbuf[PCAP_ERRBUF_SIZE];
  struct pcap_pkthdr *header;
  const u_char *bytes;
  pcap_t *pcap;
  guint n_written = 0, n_read = 0, index = 0;
  g_autofree char *tshark = g_find_program_in_path ("tshark");

  g_assert_no_error (error);
  path = g_build_filename (dir, "lab.pcap", NULL);
  g_assert_true (hs_pcap_write (f->wire, path, &n_written, &error));
  g_assert_no_error (error);
  {
    guint n_captured = 0;

    for (guint i = 0; i < hs_trace_get_n_events (f->trace); i++)
      n_captured += hs_trace_get_event (f->trace, i)->kind == HS_EVENT_SEGMENT;
    g_assert_cmpuint (n_written, ==, n_captured);
  }

  pcap = pcap_open_offline (path, errbuf);
  g_assert_nonnull (pcap);
  g_assert_cmpint (pcap_datalink (pcap), ==, DLT_RAW);
  while (pcap_next_ex (pcap, &header, &bytes) == 1)
    {
      const guint8 *data;
      gsize len;
      HsPacket packet;
      const HsEvent *event = NULL;
      guint32 isn;

      /* The next segment event of the trace. */
      for (; index < hs_trace_get_n_events (f->trace); index++)
        {
          event = hs_trace_get_event (f->trace, index);
          if (event->kind == HS_EVENT_SEGMENT)
            break;
        }
      g_assert_cmpuint (index, <, hs_trace_get_n_events (f->trace));
      g_assert_true (hs_wire_get_packet (f->wire, index, &data, &len));
      g_assert_cmpmem (bytes, header->caplen, data, len);
      g_assert_cmpuint (header->len, ==, len);

      g_assert_true (hs_packet_parse (bytes, header->caplen, &packet, NULL));
      g_assert_cmpuint (packet.flags, ==, event->flags);
      g_assert_true (hs_trace_connection_get_isn (f->trace, event->connection, event->side, &isn));
      g_assert_cmpuint (packet.seq, ==, isn + event->rel_seq);
      g_assert_cmpint ((gint64) header->ts.tv_sec * G_USEC_PER_SEC + header->ts.tv_usec, ==,
                       hs_wire_get_time_zero (f->wire) + event->time_us);
      n_read++;
      index++;
    }
  pcap_close (pcap);
  g_assert_cmpuint (n_read, ==, n_written);
  g_assert_cmpuint (n_read, >=, 9);

  if (tshark != NULL)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_auto (GStrv) lines = NULL;
      int status = 0;
      const char *argv[] = {
        tshark,      "-r", path,          "-T", "fields",      "-E", "separator=,", "-e",
        "tcp.flags", "-e", "tcp.seq_raw", "-e", "tcp.ack_raw", "-e", "tcp.len",     NULL,
      };
      guint line = 0;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                   &err, &status, &error));
      g_assert_no_error (error);
      if (!g_spawn_check_wait_status (status, NULL))
        g_error ("tshark failed: %s", err);
      lines = g_strsplit (g_strstrip (out), "\n", -1);
      g_assert_cmpuint (g_strv_length (lines), ==, n_written);

      for (guint i = 0; i < hs_trace_get_n_events (f->trace); i++)
        {
          const HsEvent *event = hs_trace_get_event (f->trace, i);
          g_autofree char *expected = NULL;
          guint32 isn_seq, isn_ack = 0;

          if (event->kind != HS_EVENT_SEGMENT)
            continue;
          hs_trace_connection_get_isn (f->trace, event->connection, event->side, &isn_seq);
          hs_trace_connection_get_isn (f->trace, event->connection, HS_SIDE_OTHER (event->side),
                                       &isn_ack);
          expected = g_strdup_printf ("0x%04x,%u,%u,%u", event->flags, isn_seq + event->rel_seq,
                                      (event->flags & HS_TCP_ACK) ? isn_ack + event->rel_ack : 0,
                                      event->len);
          g_assert_cmpstr (lines[line], ==, expected);
          line++;
        }
    }
  else
    g_test_message ("tshark is not installed: the pcap file was read with libpcap only");

  g_unlink (path);
  g_rmdir (dir);
}

/* A whole connection at Auto's default pace: handshake, five bytes, close
 * by the client first; the wire's trace against the kernel's states. */
static void
test_lab_connection (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *described = NULL;
  g_autoptr (GString) received = g_string_new (NULL);
  const HsTraceConnection *connection;
  const HsEvent *syn, *syn_ack;
  guint32 isn;
  ReceiveWait receive;

  if (f->lab == NULL)
    return;

  g_assert_cmpuint (hs_wire_get_flight_time (f->wire), ==, 300);
  listen_on_server (f, G_SOCKET_FAMILY_IPV4);
  start_connect (f, G_SOCKET_FAMILY_IPV4);
  /* The SYN is on the wire: the client waits in SYN_SENT. */
  g_assert_true (wait_for_segments (f->trace, HS_SIDE_CLIENT, HS_TCP_SYN, 0, 1));
  g_assert_cmpint (client_state (f), ==, HS_TCP_STATE_SYN_SENT);
  finish_connect (f);

  assert_state_soon (f, HS_SIDE_CLIENT, HS_TCP_STATE_ESTABLISHED);
  assert_state_soon (f, HS_SIDE_SERVER, HS_TCP_STATE_ESTABLISHED);

  /* One connection, with the addresses and absolute ISNs of the SYNs. */
  g_assert_cmpuint (hs_trace_get_n_connections (f->trace), ==, 2);
  connection = hs_trace_get_connection (f->trace, 1);
  g_assert_true (hs_address_equal (&connection->client, &f->client_addr));
  g_assert_true (hs_address_equal (&connection->server, &f->server_addr));
  syn = hs_trace_get_event (f->trace, find_segment (f->trace, HS_SIDE_CLIENT, HS_TCP_SYN, 0));
  syn_ack = hs_trace_get_event (f->trace, find_segment (f->trace, HS_SIDE_SERVER,
                                                        HS_TCP_SYN | HS_TCP_ACK, 0));
  g_assert_true (hs_trace_connection_get_isn (f->trace, 1, HS_SIDE_CLIENT, &isn));
  {
    const guint8 *bytes;
    gsize len;
    HsPacket packet;

    g_assert_true (hs_wire_get_packet (f->wire, syn->index, &bytes, &len));
    g_assert_true (hs_packet_parse (bytes, len, &packet, NULL));
    g_assert_cmpuint (packet.seq, ==, isn);
    g_assert_true (hs_wire_get_packet (f->wire, syn_ack->index, &bytes, &len));
    g_assert_true (hs_packet_parse (bytes, len, &packet, NULL));
    g_assert_true (hs_trace_connection_get_isn (f->trace, 1, HS_SIDE_SERVER, &isn));
    g_assert_cmpuint (packet.seq, ==, isn);
    g_assert_cmpuint (packet.ack, ==, hs_trace_get_connection (f->trace, 1)->isn[0] + 1);
  }
  g_assert_cmpint (syn->provenance, ==, HS_PROVENANCE_CAPTURED);
  g_assert_true (syn->options.present & HS_TCP_OPTION_MSS);
  g_assert_cmpuint (syn->options.mss, ==, 1460);
  g_assert_true (syn->window_known);
  g_assert_cmpuint (syn->window, >, 0);
  /* Each crossed in the flight time (the trace stamps segments as read). */
  g_assert_cmpint (syn_ack->time_us - syn->time_us, >=, 300 * 1000);

  /* Five bytes from the client, acknowledged by the server. */
  g_assert_cmpint (g_socket_send (f->client, "hello", 5, NULL, &error), ==, 5);
  g_assert_no_error (error);
  receive = (ReceiveWait){ f->server, received, 5 };
  g_assert_true (wait_until (received_enough, &receive, DEADLINE_MS));
  g_assert_cmpstr (received->str, ==, "hello");
  g_assert_true (wait_for_segments (f->trace, HS_SIDE_SERVER, HS_TCP_ACK, 6, 1));
  {
    const HsEvent *push = hs_trace_get_event (f->trace, find_segment (f->trace, HS_SIDE_CLIENT,
                                                                      HS_TCP_PSH | HS_TCP_ACK, 0));

    g_assert_nonnull (push->data);
    g_assert_cmpmem (g_bytes_get_data (push->data, NULL), g_bytes_get_size (push->data), "hello",
                     5);
  }

  /* The client closes first: FIN, ACK; the server's ACK; the server
   * closes: FIN, ACK; the client's last ACK; the client keeps TIME_WAIT. */
  g_socket_close (f->client, &error);
  g_assert_no_error (error);
  g_assert_true (wait_until (server_has_eof, f, DEADLINE_MS));
  g_assert_true (wait_for_segments (f->trace, HS_SIDE_SERVER, HS_TCP_ACK, 7, 1));
  assert_state_soon (f, HS_SIDE_CLIENT, HS_TCP_STATE_FIN_WAIT_2);
  g_assert_cmpint (server_state (f), ==, HS_TCP_STATE_CLOSE_WAIT);
  g_socket_close (f->server, &error);
  g_assert_no_error (error);
  g_assert_true (wait_for_segments (f->trace, HS_SIDE_CLIENT, HS_TCP_ACK, 2, 1));
  assert_state_soon (f, HS_SIDE_CLIENT, HS_TCP_STATE_TIME_WAIT);
  assert_state_soon (f, HS_SIDE_SERVER, HS_TCP_STATE_CLOSED);

  described = describe_trace (f->trace);
  g_assert_cmpstr (described, ==,
                   "c SYN 0/0\n"
                   "s SYN, ACK 0/1\n"
                   "c ACK 1/1\n"
                   "c PSH, ACK 1/1 len 5\n"
                   "s ACK 1/6\n"
                   "c FIN, ACK 6/1\n"
                   "s ACK 1/7\n"
                   "s FIN, ACK 1/7\n"
                   "c ACK 7/2\n");

  check_pcap (f);
}

/* Step mode: the SYN waits on the wire, the kernel retransmits it after its
 * 1 s initial RTO, a held segment is dropped, the rest delivered one by one
 * while the kernel states follow. */
static void
test_lab_step (Fixture *f, gconstpointer data)
{
  g_autofree char *described = NULL;
  const HsEvent *first, *second;
  guint first_index, second_index, syn_ack_index;
  gint64 gap_us;

  if (f->lab == NULL)
    return;

  hs_wire_set_mode (f->wire, HS_WIRE_MODE_STEP);
  listen_on_server (f, G_SOCKET_FAMILY_IPV4);
  start_connect (f, G_SOCKET_FAMILY_IPV4);

  g_assert_true (wait_for_segments (f->trace, HS_SIDE_CLIENT, HS_TCP_SYN, 0, 2));
  first_index = find_segment (f->trace, HS_SIDE_CLIENT, HS_TCP_SYN, 0);
  second_index = find_segment (f->trace, HS_SIDE_CLIENT, HS_TCP_SYN, 1);
  first = hs_trace_get_event (f->trace, first_index);
  second = hs_trace_get_event (f->trace, second_index);
  g_assert_cmpuint (first->retransmission, ==, 0);
  g_assert_cmpuint (second->retransmission, ==, 1);
  g_assert_cmpuint (second->rel_seq, ==, 0);
  gap_us = second->time_us - first->time_us;
  g_test_message ("SYN retransmitted after %.3f s", gap_us / 1e6);
  g_assert_cmpint (gap_us, >=, 800 * 1000);
  g_assert_cmpint (gap_us, <=, 1600 * 1000);
  g_assert_cmpint (first->fate, ==, HS_SEGMENT_FATE_HELD);
  g_assert_cmpuint (hs_wire_get_n_held (f->wire), ==, 2);
  g_assert_cmpuint (hs_wire_get_held_index (f->wire, 0), ==, first_index);
  g_assert_cmpint (client_state (f), ==, HS_TCP_STATE_SYN_SENT);
  g_assert_cmpint (server_state (f), ==, HS_TCP_STATE_CLOSED);

  /* Lose the original; deliver the retransmission. */
  g_assert_true (hs_wire_drop (f->wire, first_index));
  g_assert_false (hs_wire_drop (f->wire, first_index));
  g_assert_cmpint (hs_trace_get_event (f->trace, first_index)->fate, ==, HS_SEGMENT_FATE_DROPPED);
  g_assert_true (hs_wire_deliver (f->wire));
  g_assert_cmpint (hs_trace_get_event (f->trace, second_index)->fate, ==,
                   HS_SEGMENT_FATE_DELIVERED);

  /* The server answers and waits in SYN_RECEIVED; its SYN-ACK is held. */
  g_assert_true (wait_for_segments (f->trace, HS_SIDE_SERVER, HS_TCP_SYN | HS_TCP_ACK, 1, 1));
  assert_state_soon (f, HS_SIDE_SERVER, HS_TCP_STATE_SYN_RECEIVED);
  g_assert_cmpint (client_state (f), ==, HS_TCP_STATE_SYN_SENT);
  syn_ack_index = find_segment (f->trace, HS_SIDE_SERVER, HS_TCP_SYN | HS_TCP_ACK, 0);
  g_assert_true (hs_wire_is_held (f->wire, syn_ack_index));
  g_assert_true (hs_wire_deliver_index (f->wire, syn_ack_index));

  /* The client is established at once; the server once the ACK arrives. */
  g_assert_true (wait_for_segments (f->trace, HS_SIDE_CLIENT, HS_TCP_ACK, 1, 1));
  assert_state_soon (f, HS_SIDE_CLIENT, HS_TCP_STATE_ESTABLISHED);
  g_assert_cmpint (server_state (f), ==, HS_TCP_STATE_SYN_RECEIVED);
  hs_wire_deliver_all (f->wire);
  g_assert_cmpint (hs_wire_get_mode (f->wire), ==, HS_WIRE_MODE_AUTO);
  g_assert_cmpuint (hs_wire_get_n_held (f->wire), ==, 0);
  finish_connect (f);
  assert_state_soon (f, HS_SIDE_SERVER, HS_TCP_STATE_ESTABLISHED);

  described = describe_trace (f->trace);
  g_assert_true (g_str_has_prefix (described, "c SYN 0/0 dropped\n"
                                              "c SYN 0/0 retx 1\n"
                                              "s SYN, ACK 0/1\n"
                                              "c ACK 1/1\n"));
}

/* Drop next: the SYN is lost and the kernel's retransmission gets through. */
static void
test_lab_drop_next (Fixture *f, gconstpointer data)
{
  g_autofree char *described = NULL;
  HsWireStats stats;

  if (f->lab == NULL)
    return;

  hs_wire_set_flight_time (f->wire, 50);
  hs_wire_set_drop_next (f->wire, TRUE);
  listen_on_server (f, G_SOCKET_FAMILY_IPV4);
  start_connect (f, G_SOCKET_FAMILY_IPV4);
  finish_connect (f);
  g_assert_false (hs_wire_get_drop_next (f->wire));
  assert_state_soon (f, HS_SIDE_SERVER, HS_TCP_STATE_ESTABLISHED);

  described = describe_trace (f->trace);
  g_assert_cmpstr (described, ==,
                   "c SYN 0/0 dropped\n"
                   "c SYN 0/0 retx 1\n"
                   "s SYN, ACK 0/1\n"
                   "c ACK 1/1\n");
  hs_wire_get_stats (f->wire, &stats);
  g_assert_cmpuint (stats.dropped, ==, 1);
  g_assert_cmpuint (stats.segments, ==, 4);
  g_assert_cmpuint (stats.write_errors, ==, 0);
}

/* The same handshake over IPv6, unpaced. */
static void
test_lab_ipv6 (Fixture *f, gconstpointer data)
{
  const HsTraceConnection *connection;

  if (f->lab == NULL)
    return;
  if (!hs_lab_has_ipv6 (f->lab))
    {
      g_test_skip ("The kernel has IPv6 disabled");
      return;
    }

  hs_wire_set_flight_time (f->wire, 0);
  listen_on_server (f, G_SOCKET_FAMILY_IPV6);
  start_connect (f, G_SOCKET_FAMILY_IPV6);
  finish_connect (f);
  assert_state_soon (f, HS_SIDE_CLIENT, HS_TCP_STATE_ESTABLISHED);
  assert_state_soon (f, HS_SIDE_SERVER, HS_TCP_STATE_ESTABLISHED);

  connection = hs_trace_get_connection (f->trace, 1);
  g_assert_cmpuint (connection->client.family, ==, 6);
  g_assert_true (hs_address_equal (&connection->server, &f->server_addr));
  g_assert_cmpuint (count_first_sends (f->trace, HS_SIDE_CLIENT, HS_TCP_SYN), ==, 1);
}

/* A fixed port: bound by the helper, refused when taken. */
static void
test_lab_bound (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) second = NULL;
  HsAddress local, bound;

  if (f->lab == NULL)
    return;

  hs_lab_get_host_address (HS_SIDE_CLIENT, G_SOCKET_FAMILY_IPV4, &local);
  local.port = 40123;
  f->listener = hs_lab_new_socket_bound (f->lab, HS_SIDE_CLIENT, &local, &error);
  g_assert_no_error (error);
  address_from_socket (f->listener, FALSE, &bound);
  g_assert_true (hs_address_equal (&bound, &local));
  g_socket_listen (f->listener, &error);
  g_assert_no_error (error);

  second = hs_lab_new_socket_bound (f->lab, HS_SIDE_CLIENT, &local, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_null (second);
  g_clear_error (&error);

  /* The server host has its own ports. */
  hs_lab_get_host_address (HS_SIDE_SERVER, G_SOCKET_FAMILY_IPV4, &local);
  local.port = 40123;
  second = hs_lab_new_socket_bound (f->lab, HS_SIDE_SERVER, &local, &error);
  g_assert_no_error (error);

  /* The client host has no server address. */
  g_clear_object (&second);
  second = hs_lab_new_socket_bound (f->lab, HS_SIDE_CLIENT, &local, &error);
  g_assert_nonnull (error);
  g_assert_true (error->domain == G_IO_ERROR);
  g_assert_true (g_str_has_prefix (error->message, "client: bind: "));
}

static char *
host_network_snapshot (void)
{
  const char *commands[] = {
    "ip -o link show",
    "ip -o addr show",
    "ip route show table all",
    "ip -6 route show table all",
    "cat /proc/sys/net/ipv4/tcp_syn_retries",
    "cat /proc/sys/net/ipv4/tcp_synack_retries",
  };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *text = NULL;
      g_autoptr (GError) error = NULL;
      int status;

      g_assert_true (g_spawn_command_line_sync (commands[i], &text, NULL, &status, &error));
      g_assert_no_error (error);
      /* Lifetimes of DHCP addresses and router-advertised routes count
       * down by themselves. */
      g_string_append_printf (out, "$ %s\n", commands[i]);
      {
        g_autoptr (GRegex) timers =
            g_regex_new ("(valid_lft|preferred_lft|expires) \\S+", 0, 0, NULL);
        g_autofree char *stable = g_regex_replace (timers, text, -1, 0, "\\1", 0, NULL);

        g_string_append (out, stable);
      }
    }
  return g_string_free (out, FALSE);
}

/* A whole lab session leaves the host's interfaces, addresses, routes and
 * TCP settings as they were, and no helper behind. */
static void
test_lab_host_unchanged (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *during = NULL;
  g_autofree char *after = NULL;
  g_autofree char *ip = g_find_program_in_path ("ip");
  HsLab *lab;
  GPid pid;

  if (lab_unavailable ())
    return;
  if (ip == NULL)
    {
      g_test_skip ("ip (iproute2) is not installed");
      return;
    }

  before = host_network_snapshot ();
  lab = hs_lab_new ();
  g_assert_true (hs_lab_start (lab, NULL, &error));
  g_assert_no_error (error);
  pid = hs_lab_get_helper_pid (lab);
  g_assert_cmpint (pid, >, 0);
  during = host_network_snapshot ();
  g_assert_cmpstr (during, ==, before);
  g_assert_null (strstr (during, "lab0"));
  g_assert_finalize_object (lab);
  after = host_network_snapshot ();
  g_assert_cmpstr (after, ==, before);

  {
    g_autofree char *proc = g_strdup_printf ("/proc/%d", (int) pid);

    g_assert_false (g_file_test (proc, G_FILE_TEST_EXISTS));
  }
}

static void
start_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;

  hs_lab_start_finish (HS_LAB (object), result, error);
  if (*error == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "started");
}

static gboolean
error_set (gpointer data)
{
  return *(GError **) data != NULL;
}

/* hs_lab_start_async() from the main loop, stop, start again. */
static void
test_lab_async (void)
{
  g_autoptr (HsLab) lab = NULL;
  GError *error = NULL;
  GPid first;

  if (lab_unavailable ())
    return;

  lab = hs_lab_new ();
  g_assert_false (hs_lab_is_running (lab));
  g_assert_cmpint (hs_lab_get_tun_fd (lab, HS_SIDE_CLIENT), ==, -1);
  g_assert_null (hs_lab_new_socket (lab, HS_SIDE_CLIENT, G_SOCKET_FAMILY_IPV4, &error));
  g_assert_error (error, HS_LAB_ERROR, HS_LAB_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  hs_lab_start_async (lab, NULL, start_cb, &error);
  g_assert_true (wait_until (error_set, &error, DEADLINE_MS));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (hs_lab_is_running (lab));
  g_assert_cmpint (hs_lab_get_tun_fd (lab, HS_SIDE_CLIENT), >=, 0);
  g_assert_nonnull (hs_lab_get_sock_diag (lab, HS_SIDE_SERVER));
  first = hs_lab_get_helper_pid (lab);

  hs_lab_stop (lab);
  g_assert_false (hs_lab_is_running (lab));
  g_assert_cmpint (hs_lab_get_helper_pid (lab), ==, 0);
  g_assert_null (hs_lab_get_sock_diag (lab, HS_SIDE_SERVER));

  g_assert_true (hs_lab_start (lab, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hs_lab_get_helper_pid (lab), !=, first);
}

static void
start_failed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;

  g_assert_false (hs_lab_start_finish (HS_LAB (object), result, error));
  g_assert_nonnull (*error);
}

/* Stopping a lab that is still starting ends the start with an error and
 * leaves no helper behind; so does a cancelled start. */
static void
test_lab_stop_while_starting (void)
{
  g_autoptr (HsLab) lab = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *proc = NULL;
  GError *error = NULL;
  GPid pid;

  if (lab_unavailable ())
    return;

  lab = hs_lab_new ();
  hs_lab_start_async (lab, NULL, start_failed_cb, &error);
  pid = hs_lab_get_helper_pid (lab);
  g_assert_cmpint (pid, >, 0);
  hs_lab_stop (lab);
  g_assert_true (wait_until (error_set, &error, DEADLINE_MS));
  g_clear_error (&error);
  g_assert_false (hs_lab_is_running (lab));
  g_assert_cmpint (hs_lab_get_helper_pid (lab), ==, 0);
  proc = g_strdup_printf ("/proc/%d", (int) pid);
  g_assert_false (g_file_test (proc, G_FILE_TEST_EXISTS));

  hs_lab_start_async (lab, cancellable, start_failed_cb, &error);
  g_cancellable_cancel (cancellable);
  g_assert_true (wait_until (error_set, &error, DEADLINE_MS));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (hs_lab_is_running (lab));
  g_assert_cmpint (hs_lab_get_helper_pid (lab), ==, 0);

  /* And it starts afterwards. */
  g_assert_true (hs_lab_start (lab, NULL, &error));
  g_assert_no_error (error);
}

/* A missing helper is an error in words, not a crash. */
static void
test_lab_missing_helper (void)
{
  g_autoptr (HsLab) lab = hs_lab_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *saved = g_strdup (g_getenv ("HANDSHAKE_LAB_HELPER"));

  g_setenv ("HANDSHAKE_LAB_HELPER", "/nonexistent/handshake-lab-helper", TRUE);
  g_assert_false (hs_lab_start (lab, NULL, &error));
  g_assert_error (error, HS_LAB_ERROR, HS_LAB_ERROR_HELPER);
  g_assert_nonnull (strstr (error->message, "/nonexistent/handshake-lab-helper"));
  g_assert_false (hs_lab_is_running (lab));
  if (saved != NULL)
    g_setenv ("HANDSHAKE_LAB_HELPER", saved, TRUE);
  else
    g_unsetenv ("HANDSHAKE_LAB_HELPER");
}

/* The helper exits by itself when the application's end of the socket
 * closes, and refuses to run without one. */
static void
test_lab_helper_exits (void)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) helper = NULL;
  g_autoptr (GError) error = NULL;
  const char *path = g_getenv ("HANDSHAKE_LAB_HELPER");
  char reply[256];
  int sv[2];

  if (path == NULL)
    {
      g_test_skip ("HANDSHAKE_LAB_HELPER is not set");
      return;
    }

  helper = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, path, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (helper, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (helper), ==, 2);
  g_clear_object (&helper);

  if (lab_unavailable ())
    return;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), ==, 0);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_take_fd (launcher, sv[1], 3);
  helper = g_subprocess_launcher_spawn (launcher, &error, path, NULL);
  g_assert_no_error (error);
  /* READY, then the socket closes: the helper exits 0 on its own. */
  g_assert_cmpint (read (sv[0], reply, sizeof reply), >, 0);
  close (sv[0]);
  g_assert_true (g_subprocess_wait (helper, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (helper));
  g_assert_cmpint (g_subprocess_get_exit_status (helper), ==, 0);
}

static void
test_lab_check_available (void)
{
  g_autofree char *reason = NULL;
  gboolean available = hs_lab_check_available (&reason);

  /* Either available without a reason, or a one-line reason. */
  if (available)
    g_assert_null (reason);
  else
    {
      g_assert_nonnull (reason);
      g_assert_null (strchr (reason, '\n'));
      g_test_message ("Lab unavailable: %s", reason);
    }
  g_assert_cmpint (hs_lab_check_available (NULL), ==, available);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* The helper of this build, unless the caller names another. */
  g_setenv ("HANDSHAKE_LAB_HELPER", HS_TEST_LAB_HELPER, FALSE);

  g_test_add_func ("/lab/check-available", test_lab_check_available);
  g_test_add_func ("/lab/missing-helper", test_lab_missing_helper);
  g_test_add_func ("/lab/helper-exits", test_lab_helper_exits);
  g_test_add_func ("/lab/async", test_lab_async);
  g_test_add_func ("/lab/stop-while-starting", test_lab_stop_while_starting);
  g_test_add_func ("/lab/host-unchanged", test_lab_host_unchanged);
  g_test_add ("/lab/bound", Fixture, NULL, fixture_set_up, test_lab_bound, fixture_tear_down);
  g_test_add ("/lab/connection", Fixture, NULL, fixture_set_up, test_lab_connection,
              fixture_tear_down);
  g_test_add ("/lab/step", Fixture, NULL, fixture_set_up, test_lab_step, fixture_tear_down);
  g_test_add ("/lab/drop-next", Fixture, NULL, fixture_set_up, test_lab_drop_next,
              fixture_tear_down);
  g_test_add ("/lab/ipv6", Fixture, NULL, fixture_set_up, test_lab_ipv6, fixture_tear_down);

  return g_test_run ();
}
