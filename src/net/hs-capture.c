/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-capture"

#include "config.h"

#include "hs-capture.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libpcap's LINKTYPE_ numbers that pcap_datalink() may hand back unmapped on
 * some builds; the DLT_ macros cover the usual ones. */
#define LINKTYPE_RAW 101

/* How much of each segment's payload is kept: enough for the diagram's
 * preview ("hello…") and the narration, without holding a whole capture's
 * data in memory. */
#define PREVIEW_MAX 64

/* The flags that tell a retransmission from a new segment with the same
 * sequence number, as on the lab's wire (hs-wire.c). */
#define KEY_FLAGS (HS_TCP_SYN | HS_TCP_FIN | HS_TCP_ACK)

/* One TCP packet of the file. */
typedef struct
{
  gint64 time_us;
  guint stream;
  guint32 claimed_len; /* payload bytes the IP and TCP headers count */
  guint32 preview_off; /* in HsCapture.previews */
  guint16 preview_len;
  HsPacket packet;
} Record;

/* What the reader tracks of a connection while it reads: enough to tell a
 * new connection on the same 4-tuple from the old one. */
typedef struct
{
  HsAddress addr[2]; /* indexed by HsSide */
  guint index;
  gboolean syn_known[2];
  guint32 syn_seq[2];
  gboolean fin[2];
  gboolean rst;
} Stream;

struct _HsCapture
{
  GObject parent_instance;

  char *name;
  GError *warning;
  guint n_packets;
  char *link_type;

  GArray *records;      /* Record, in file order */
  GByteArray *previews; /* payload previews */
  GArray *connections;  /* HsCaptureConnection, by index */
  GPtrArray *streams;   /* Stream, by index (owned) */
  GHashTable *current;  /* Stream → itself: the latest stream of each 4-tuple */
};

G_DEFINE_FINAL_TYPE (HsCapture, hs_capture, G_TYPE_OBJECT)

G_DEFINE_QUARK (hs - capture - error - quark, hs_capture_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (pcap_t, pcap_close)

static guint16
read_u16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static guint
stream_hash (gconstpointer key)
{
  const Stream *s = key;

  /* Symmetric: a packet finds its connection in either direction. */
  return hs_address_hash (&s->addr[0]) ^ hs_address_hash (&s->addr[1]);
}

static gboolean
stream_equal (gconstpointer a, gconstpointer b)
{
  const Stream *x = a, *y = b;

  return (hs_address_equal (&x->addr[0], &y->addr[0]) &&
          hs_address_equal (&x->addr[1], &y->addr[1])) ||
         (hs_address_equal (&x->addr[0], &y->addr[1]) &&
          hs_address_equal (&x->addr[1], &y->addr[0]));
}

static void
hs_capture_finalize (GObject *object)
{
  HsCapture *self = (HsCapture *) object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->link_type, g_free);
  g_clear_error (&self->warning);
  g_clear_pointer (&self->records, g_array_unref);
  g_clear_pointer (&self->previews, g_byte_array_unref);
  g_clear_pointer (&self->connections, g_array_unref);
  g_clear_pointer (&self->current, g_hash_table_unref);
  g_clear_pointer (&self->streams, g_ptr_array_unref);

  G_OBJECT_CLASS (hs_capture_parent_class)->finalize (object);
}

static void
hs_capture_class_init (HsCaptureClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hs_capture_finalize;
}

static void
hs_capture_init (HsCapture *self)
{
  self->records = g_array_new (FALSE, FALSE, sizeof (Record));
  self->previews = g_byte_array_new ();
  self->connections = g_array_new (FALSE, TRUE, sizeof (HsCaptureConnection));
  self->streams = g_ptr_array_new_with_free_func (g_free);
  self->current = g_hash_table_new (stream_hash, stream_equal);
}

/* Link layers */

static gboolean
is_ip_ethertype (guint16 type)
{
  return type == 0x0800 || type == 0x86dd;
}

/* Where the IP header starts in a frame of link type @dlt, or -1 when the
 * frame carries no IP packet. */
static gssize
ip_offset (int dlt, const guint8 *data, gsize len)
{
  switch (dlt)
    {
      case DLT_EN10MB:
        {
          gsize offset = 14;
          guint16 type;

          if (len < 14)
            return -1;
          type = read_u16 (data + 12);
          /* 802.1Q and 802.1ad tags (a switch port's VLAN, QinQ) sit
           * between the addresses and the real EtherType. */
          for (guint tags = 0; (type == 0x8100 || type == 0x88a8 || type == 0x9100) && tags < 4;
               tags++)
            {
              if (len < offset + 4)
                return -1;
              type = read_u16 (data + offset + 2);
              offset += 4;
            }
          return is_ip_ethertype (type) ? (gssize) offset : -1;
        }

      case DLT_RAW:
      case LINKTYPE_RAW:
      case DLT_IPV4:
      case DLT_IPV6:
        return 0;

      case DLT_LINUX_SLL:
        /* Packet type, ARPHRD type, address length, 8 address bytes, then
         * the protocol (tcpdump -i any before libpcap 1.10). */
        return len >= 16 && is_ip_ethertype (read_u16 (data + 14)) ? 16 : -1;

      case DLT_LINUX_SLL2:
        /* The protocol comes first in version 2 (tcpdump -i any since
         * libpcap 1.10). */
        return len >= 20 && is_ip_ethertype (read_u16 (data)) ? 20 : -1;

      case DLT_NULL:
      case DLT_LOOP:
        /* A 4-byte address family, in the capturing host's byte order for
         * DLT_NULL (and AF_INET6 differs between BSDs): the IP version
         * nibble that follows says more reliably what the packet is. */
        return len >= 4 ? 4 : -1;

      default:
        return -1;
    }
}

static gboolean
link_type_supported (int dlt)
{
  switch (dlt)
    {
      case DLT_EN10MB:
      case DLT_RAW:
      case LINKTYPE_RAW:
      case DLT_IPV4:
      case DLT_IPV6:
      case DLT_LINUX_SLL:
      case DLT_LINUX_SLL2:
      case DLT_NULL:
      case DLT_LOOP:
        return TRUE;
      default:
        return FALSE;
    }
}

/* The TCP payload the headers count, which a capture with a short snap
 * length may hold only in part: sequence numbers follow the real length. */
static guint32
claimed_payload_len (const guint8 *ip, gsize len, const HsPacket *packet)
{
  gsize total;

  if ((ip[0] >> 4) == 4)
    total = read_u16 (ip + 2);
  else
    total = read_u16 (ip + 4) != 0 ? 40u + read_u16 (ip + 4) : 0;

  /* 0: segmentation offload captured before the NIC split the packet. */
  if (total == 0 || total <= packet->payload_off)
    return packet->payload_len;
  return (guint32) MAX (total - packet->payload_off, packet->payload_len);
}

/* Reading */

static Stream *
stream_new (HsCapture *self, const HsPacket *packet, gint64 time_us)
{
  Stream *s = g_new0 (Stream, 1);
  HsCaptureConnection c = { 0 };
  HsSide sender;

  /* The SYN's sender is the client; a SYN-ACK seen first (its SYN missed)
   * goes to the client; otherwise the first to speak is taken for it. */
  if ((packet->flags & (HS_TCP_SYN | HS_TCP_ACK)) == (HS_TCP_SYN | HS_TCP_ACK))
    sender = HS_SIDE_SERVER;
  else
    sender = HS_SIDE_CLIENT;

  s->addr[sender] = packet->src;
  s->addr[HS_SIDE_OTHER (sender)] = packet->dst;
  s->index = self->streams->len;
  g_ptr_array_add (self->streams, s);
  g_hash_table_replace (self->current, s, s);

  c.index = s->index;
  c.client = s->addr[HS_SIDE_CLIENT];
  c.server = s->addr[HS_SIDE_SERVER];
  c.first_flags = packet->flags;
  c.syn_seen = (packet->flags & (HS_TCP_SYN | HS_TCP_ACK)) == HS_TCP_SYN;
  c.start_us = c.end_us = time_us;
  g_array_append_val (self->connections, c);

  return s;
}

/* The connection @packet belongs to, as tshark numbers them: a SYN that
 * cannot belong to the connection last seen on its 4-tuple (another ISN,
 * or a connection that has ended) starts a new one. */
static Stream *
stream_for_packet (HsCapture *self, const HsPacket *packet, gint64 time_us, HsSide *out_sender)
{
  Stream key;
  Stream *s;
  HsSide sender;
  gboolean syn_only = (packet->flags & (HS_TCP_SYN | HS_TCP_ACK)) == HS_TCP_SYN;

  key.addr[0] = packet->src;
  key.addr[1] = packet->dst;
  s = g_hash_table_lookup (self->current, &key);
  if (s == NULL)
    {
      s = stream_new (self, packet, time_us);
      *out_sender = hs_address_equal (&s->addr[HS_SIDE_CLIENT], &packet->src) ? HS_SIDE_CLIENT
                                                                              : HS_SIDE_SERVER;
      return s;
    }

  sender =
      hs_address_equal (&s->addr[HS_SIDE_CLIENT], &packet->src) ? HS_SIDE_CLIENT : HS_SIDE_SERVER;
  if (syn_only && ((s->syn_known[sender] && s->syn_seq[sender] != packet->seq) || s->rst ||
                   (s->fin[0] && s->fin[1])))
    {
      s = stream_new (self, packet, time_us);
      sender = HS_SIDE_CLIENT;
    }

  *out_sender = sender;
  return s;
}

static void
add_packet (HsCapture *self, gint64 time_us, const guint8 *ip, gsize len)
{
  Record record = { 0 };
  HsCaptureConnection *c;
  Stream *s;
  HsSide sender;

  if (!hs_packet_parse (ip, len, &record.packet, NULL))
    return;

  s = stream_for_packet (self, &record.packet, time_us, &sender);
  if ((record.packet.flags & HS_TCP_SYN) && !s->syn_known[sender])
    {
      s->syn_known[sender] = TRUE;
      s->syn_seq[sender] = record.packet.seq;
    }
  if (record.packet.flags & HS_TCP_RST)
    s->rst = TRUE;
  if (record.packet.flags & HS_TCP_FIN)
    s->fin[sender] = TRUE;

  record.time_us = time_us;
  record.stream = s->index;
  record.claimed_len = claimed_payload_len (ip, len, &record.packet);
  record.preview_len = (guint16) MIN (record.packet.payload_len, PREVIEW_MAX);
  record.preview_off = self->previews->len;
  g_byte_array_append (self->previews, ip + record.packet.payload_off, record.preview_len);
  g_array_append_val (self->records, record);

  c = &g_array_index (self->connections, HsCaptureConnection, s->index);
  c->n_packets++;
  c->bytes += record.claimed_len;
  c->end_us = MAX (c->end_us, time_us);
}

static gboolean
has_capture_magic (const guint8 *magic, gsize len)
{
  static const guint32 magics[] = {
    0xa1b2c3d4, /* pcap, microseconds */
    0xa1b23c4d, /* pcap, nanoseconds */
    0x0a0d0d0a, /* pcapng section header block (the same in either byte order) */
    0xa1b2cd34, /* Kuznetzov's modified pcap */
  };
  guint32 be, le;

  if (len < 4)
    return FALSE;
  be = ((guint32) magic[0] << 24) | ((guint32) magic[1] << 16) | ((guint32) magic[2] << 8) |
       magic[3];
  le = GUINT32_SWAP_LE_BE (be);
  for (guint i = 0; i < G_N_ELEMENTS (magics); i++)
    if (be == magics[i] || le == magics[i])
      return TRUE;
  return FALSE;
}

/* A damaged header (or a pcapng file with an odd time resolution) may
 * carry any timestamp: clamped to ±2^40 s (some 35,000 years), times and
 * their differences stay well inside a gint64 of microseconds. */
static gint64
timestamp_us (const struct pcap_pkthdr *header)
{
  gint64 sec = CLAMP ((gint64) header->ts.tv_sec, -(G_GINT64_CONSTANT (1) << 40),
                      G_GINT64_CONSTANT (1) << 40);
  gint64 usec = CLAMP ((gint64) header->ts.tv_usec, 0, G_USEC_PER_SEC - 1);

  return sec * G_USEC_PER_SEC + usec;
}

/* Reads the capture in @file (taken over and closed). */
static HsCapture *
load_stream (FILE *file, const char *name, GError **error)
{
  g_autoptr (HsCapture) self = NULL;
  g_autoptr (pcap_t) pcap = NULL;
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  guint8 magic[4];
  gsize n_magic;
  int dlt;
  int status;

  n_magic = fread (magic, 1, sizeof magic, file);
  if (n_magic == 0 && ferror (file))
    {
      int saved_errno = errno;

      fclose (file);
      g_set_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_IO, _ ("Could not read %s: %s"), name,
                   g_strerror (saved_errno));
      return NULL;
    }
  if (n_magic == 0)
    {
      fclose (file);
      g_set_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_NOT_CAPTURE,
                   _ ("%s is empty: it is not a packet capture."), name);
      return NULL;
    }
  if (!has_capture_magic (magic, n_magic))
    {
      fclose (file);
      g_set_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_NOT_CAPTURE,
                   _ ("%s is not a packet capture: Handshake opens pcap and pcapng files, as "
                      "Wireshark, tshark, dumpcap and tcpdump write them."),
                   name);
      return NULL;
    }
  rewind (file);

  /* From here libpcap owns the file and closes it with the handle. */
  pcap = pcap_fopen_offline_with_tstamp_precision (file, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
  if (pcap == NULL)
    {
      fclose (file);
      g_set_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_DAMAGED,
                   _ ("%s looks like a packet capture, but its header is damaged or cut short, "
                      "so no packet can be read (%s)."),
                   name, errbuf);
      return NULL;
    }

  self = g_object_new (HS_TYPE_CAPTURE, NULL);
  self->name = g_strdup (name);
  dlt = pcap_datalink (pcap);
  self->link_type = g_strdup (
      pcap_datalink_val_to_name (dlt) != NULL ? pcap_datalink_val_to_name (dlt) : "unknown");
  if (!link_type_supported (dlt))
    {
      g_set_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_LINK_TYPE,
                   _ ("%s holds packets of a kind Handshake cannot read (link type %s). It reads "
                      "captures of Ethernet, loopback, raw IP and “any” interfaces."),
                   name, self->link_type);
      return NULL;
    }

  for (;;)
    {
      struct pcap_pkthdr *header;
      const u_char *data;
      gssize offset;

      status = pcap_next_ex (pcap, &header, &data);
      if (status != 1)
        break;

      self->n_packets++;
      /* pcapng may switch interfaces, and link types, mid-file. */
      dlt = pcap_datalink (pcap);
      offset = ip_offset (dlt, data, header->caplen);
      if (offset < 0 || (gsize) offset >= header->caplen)
        continue;
      add_packet (self, timestamp_us (header), data + offset, header->caplen - (gsize) offset);
    }

  if (status == PCAP_ERROR)
    {
      const char *why = pcap_geterr (pcap);

      /* libpcap says "truncated" when the file ends inside a packet, the
       * usual result of copying a capture that was still being written. */
      if (strstr (why, "truncated") != NULL)
        g_set_error (&self->warning, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_TRUNCATED,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "The capture ends in the middle of a packet: showing the %u "
                                  "packet before it.",
                                  "The capture ends in the middle of a packet: showing the %u "
                                  "packets before it.",
                                  self->n_packets),
                     self->n_packets);
      else
        g_set_error (&self->warning, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_DAMAGED,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "The capture is damaged after its first packet, so the rest "
                                  "cannot be read (%2$s): showing the %1$u packet before it.",
                                  "The capture is damaged after packet %1$u, so the rest cannot "
                                  "be read (%2$s): showing the %1$u packets before it.",
                                  self->n_packets),
                     self->n_packets, why);
    }

  if (self->connections->len == 0)
    {
      if (self->warning != NULL && self->n_packets == 0)
        g_set_error (error, HS_CAPTURE_ERROR, self->warning->code,
                     _ ("%s is damaged or cut short before its first packet, so there is nothing "
                        "to show."),
                     name);
      else
        g_set_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_NO_TCP,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "%s holds %u packet, but no TCP segment: there is no "
                                  "connection to show.",
                                  "%s holds %u packets, but no TCP segment: there is no "
                                  "connection to show.",
                                  self->n_packets),
                     name, self->n_packets);
      return NULL;
    }

  return g_steal_pointer (&self);
}

HsCapture *
hs_capture_load_file (const char *path, GError **error)
{
  g_autofree char *name = NULL;
  struct stat st;
  FILE *file;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = g_filename_display_basename (path);
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_IO, _ ("Could not open %s: %s"), name,
                   g_strerror (saved_errno));
      return NULL;
    }
  if (fstat (fd, &st) == 0 && S_ISDIR (st.st_mode))
    {
      close (fd);
      g_set_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_NOT_CAPTURE,
                   _ ("%s is a folder, not a packet capture."), name);
      return NULL;
    }
  file = fdopen (fd, "rb");
  if (file == NULL)
    {
      int saved_errno = errno;

      close (fd);
      g_set_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_IO, _ ("Could not open %s: %s"), name,
                   g_strerror (saved_errno));
      return NULL;
    }

  return load_stream (file, name, error);
}

HsCapture *
hs_capture_load_bytes (GBytes *bytes, const char *name, GError **error)
{
  gsize len;
  gconstpointer data;
  FILE *file;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    {
      g_set_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_NOT_CAPTURE,
                   _ ("%s is empty: it is not a packet capture."), name);
      return NULL;
    }

  /* libpcap reads from a FILE; fmemopen() makes one of the buffer, which
   * the reader only reads. */
  file = fmemopen ((void *) data, len, "rb");
  if (file == NULL)
    {
      g_set_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_IO, _ ("Could not read %s: %s"), name,
                   g_strerror (errno));
      return NULL;
    }

  return load_stream (file, name, error);
}

const char *
hs_capture_get_name (HsCapture *self)
{
  g_return_val_if_fail (HS_IS_CAPTURE (self), NULL);

  return self->name;
}

const GError *
hs_capture_get_warning (HsCapture *self)
{
  g_return_val_if_fail (HS_IS_CAPTURE (self), NULL);

  return self->warning;
}

guint
hs_capture_get_n_packets (HsCapture *self)
{
  g_return_val_if_fail (HS_IS_CAPTURE (self), 0);

  return self->n_packets;
}

guint
hs_capture_get_n_tcp_packets (HsCapture *self)
{
  g_return_val_if_fail (HS_IS_CAPTURE (self), 0);

  return self->records->len;
}

const char *
hs_capture_get_link_type (HsCapture *self)
{
  g_return_val_if_fail (HS_IS_CAPTURE (self), NULL);

  return self->link_type;
}

guint
hs_capture_get_n_connections (HsCapture *self)
{
  g_return_val_if_fail (HS_IS_CAPTURE (self), 0);

  return self->connections->len;
}

const HsCaptureConnection *
hs_capture_get_connection (HsCapture *self, guint index)
{
  g_return_val_if_fail (HS_IS_CAPTURE (self), NULL);
  g_return_val_if_fail (index < self->connections->len, NULL);

  return &g_array_index (self->connections, HsCaptureConnection, index);
}

char *
hs_capture_connection_describe (const HsCaptureConnection *connection)
{
  g_autofree char *client = NULL;
  g_autofree char *server = NULL;
  g_autofree char *flags = NULL;

  g_return_val_if_fail (connection != NULL, NULL);

  client = hs_address_to_string (&connection->client);
  server = hs_address_to_string (&connection->server);
  flags = hs_tcp_flags_to_string (connection->first_flags);
  /* TRANSLATORS: one TCP connection of a capture file: client → server,
   * how many packets, and the flags of its first packet ("SYN") */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s → %s, %u packet, first %s",
                                       "%s → %s, %u packets, first %s", connection->n_packets),
                          client, server, connection->n_packets, flags);
}

/* Building a connection's trace */

/* A segment on its way: seen in the capture, not yet known to have
 * arrived. */
typedef struct
{
  const HsPacket *packet;
  guint32 len; /* payload, as the headers count it */
  guint32 end; /* the sequence number after it */
  guint order; /* position in the capture */
} Flight;

/* The states of both ends as the segments imply them (RFC 9293, section
 * 3.3.2, with Linux's choices as the model in hs-tcb.c makes them): what an
 * observer on the path can tell, recorded as inferred.
 *
 * The capture shows when a segment passed, not when it arrived. A segment
 * that takes sequence space (SYN, data, FIN) counts as arrived once the
 * receiver acknowledges it, or at the end of the capture; until then it is
 * in flight, so that two FINs that cross are seen to cross (each side in
 * CLOSING) instead of the first one arriving before the second was sent.
 * A bare ACK or a reset, which nothing acknowledges, arrives at once, after
 * whatever its sender sent before it. */
typedef struct
{
  HsTrace *trace;
  guint id;
  gint64 time_us;
  HsTcpState state[2];
  gboolean passive[2]; /* came from LISTEN: a reset sends it back there */
  gboolean fin_sent[2];
  guint32 fin_seq[2]; /* the sequence number of the side's FIN */
  guint32 iss[2];
  gboolean iss_known[2];
  GArray *flight[2]; /* Flight, by sender, oldest first */
} Inference;

static void
infer_state (Inference *inf, HsSide side, HsTcpState to)
{
  HsEvent event = { 0 };

  if (inf->state[side] == to)
    return;

  event.kind = HS_EVENT_STATE;
  event.connection = inf->id;
  event.side = side;
  event.time_us = inf->time_us;
  event.from = inf->state[side];
  event.to = to;
  event.source = HS_STATE_SOURCE_INFERRED;
  hs_trace_append (inf->trace, &event);
  inf->state[side] = to;
}

static gboolean
acks (guint32 seq, const HsPacket *packet)
{
  /* The ACK covers the sequence number @seq: ack > seq. */
  return (packet->flags & HS_TCP_ACK) && hs_seq_lt (seq, packet->ack);
}

/* What sending @packet tells of its sender's state. */
static void
infer_sent (Inference *inf, HsSide sender, const HsPacket *packet, guint32 len)
{
  guint8 f = packet->flags;
  HsTcpState *s = inf->state;

  if (f & HS_TCP_RST)
    {
      infer_state (inf, sender, HS_TCP_STATE_CLOSED);
      return;
    }

  if ((f & (HS_TCP_SYN | HS_TCP_ACK)) == HS_TCP_SYN &&
      (s[sender] == HS_TCP_STATE_CLOSED || s[sender] == HS_TCP_STATE_UNKNOWN))
    infer_state (inf, sender, HS_TCP_STATE_SYN_SENT);
  else if ((f & (HS_TCP_SYN | HS_TCP_ACK)) == (HS_TCP_SYN | HS_TCP_ACK) &&
           (s[sender] == HS_TCP_STATE_LISTEN || s[sender] == HS_TCP_STATE_CLOSED ||
            s[sender] == HS_TCP_STATE_UNKNOWN || s[sender] == HS_TCP_STATE_SYN_SENT))
    infer_state (inf, sender, HS_TCP_STATE_SYN_RECEIVED);

  if (f & HS_TCP_FIN)
    {
      if (!inf->fin_sent[sender])
        {
          inf->fin_sent[sender] = TRUE;
          inf->fin_seq[sender] = hs_seq_add (packet->seq, len + ((f & HS_TCP_SYN) ? 1 : 0));
        }
      if (s[sender] == HS_TCP_STATE_ESTABLISHED || s[sender] == HS_TCP_STATE_SYN_RECEIVED)
        infer_state (inf, sender, HS_TCP_STATE_FIN_WAIT_1);
      else if (s[sender] == HS_TCP_STATE_CLOSE_WAIT)
        infer_state (inf, sender, HS_TCP_STATE_LAST_ACK);
    }
}

/* What @packet does to @receiver's state on arrival: the ACK first and then
 * the FIN, as RFC 9293, section 3.10.7.4 orders them. */
static void
infer_arrived (Inference *inf, HsSide receiver, const HsPacket *packet)
{
  guint8 f = packet->flags;
  HsTcpState *s = inf->state;

  if (f & HS_TCP_RST)
    {
      if (s[receiver] == HS_TCP_STATE_SYN_RECEIVED && inf->passive[receiver])
        infer_state (inf, receiver, HS_TCP_STATE_LISTEN);
      else if (s[receiver] != HS_TCP_STATE_LISTEN)
        infer_state (inf, receiver, HS_TCP_STATE_CLOSED);
      return;
    }

  if ((f & (HS_TCP_SYN | HS_TCP_ACK)) == HS_TCP_SYN && s[receiver] == HS_TCP_STATE_SYN_SENT)
    /* Simultaneous open: each side's SYN meets the other's. */
    infer_state (inf, receiver, HS_TCP_STATE_SYN_RECEIVED);
  else if ((f & (HS_TCP_SYN | HS_TCP_ACK)) == (HS_TCP_SYN | HS_TCP_ACK) &&
           s[receiver] == HS_TCP_STATE_SYN_SENT)
    infer_state (inf, receiver, HS_TCP_STATE_ESTABLISHED);
  else if (s[receiver] == HS_TCP_STATE_SYN_RECEIVED &&
           (!inf->iss_known[receiver] || acks (inf->iss[receiver], packet)))
    infer_state (inf, receiver, HS_TCP_STATE_ESTABLISHED);

  if (inf->fin_sent[receiver] && acks (inf->fin_seq[receiver], packet))
    {
      if (s[receiver] == HS_TCP_STATE_FIN_WAIT_1)
        infer_state (inf, receiver, HS_TCP_STATE_FIN_WAIT_2);
      else if (s[receiver] == HS_TCP_STATE_CLOSING)
        infer_state (inf, receiver, HS_TCP_STATE_TIME_WAIT);
      else if (s[receiver] == HS_TCP_STATE_LAST_ACK)
        infer_state (inf, receiver, HS_TCP_STATE_CLOSED);
    }

  if (f & HS_TCP_FIN)
    {
      if (s[receiver] == HS_TCP_STATE_ESTABLISHED || s[receiver] == HS_TCP_STATE_SYN_RECEIVED)
        infer_state (inf, receiver, HS_TCP_STATE_CLOSE_WAIT);
      else if (s[receiver] == HS_TCP_STATE_FIN_WAIT_1)
        infer_state (inf, receiver, HS_TCP_STATE_CLOSING);
      else if (s[receiver] == HS_TCP_STATE_FIN_WAIT_2)
        infer_state (inf, receiver, HS_TCP_STATE_TIME_WAIT);
    }
}

/* The first @n segments @sender has in flight arrive, in order. */
static void
infer_deliver (Inference *inf, HsSide sender, guint n)
{
  GArray *flight = inf->flight[sender];

  n = MIN (n, flight->len);
  for (guint i = 0; i < n; i++)
    infer_arrived (inf, HS_SIDE_OTHER (sender), g_array_index (flight, Flight, i).packet);
  g_array_remove_range (flight, 0, n);
}

/* @packet, sent by the peer of @sender, acknowledges: what @sender sent up
 * to its ack number has arrived (and whatever was sent before that). */
static void
infer_acked (Inference *inf, HsSide sender, const HsPacket *packet)
{
  GArray *flight = inf->flight[sender];
  guint n = 0;

  if (!(packet->flags & HS_TCP_ACK))
    return;
  for (guint i = 0; i < flight->len; i++)
    if (!hs_seq_lt (packet->ack, g_array_index (flight, Flight, i).end))
      n = i + 1;
  infer_deliver (inf, sender, n);
}

/* One segment of the capture, sent by @sender: what it proves arrived
 * first, then the segment itself, its sender's state, and its arrival. */
static void
infer_segment (Inference *inf, HsSide sender, const HsPacket *packet, guint32 len, guint order)
{
  guint8 f = packet->flags;
  guint32 seg_len = len + ((f & HS_TCP_SYN) ? 1 : 0) + ((f & HS_TCP_FIN) ? 1 : 0);

  infer_sent (inf, sender, packet, len);

  if (seg_len > 0 && !(f & HS_TCP_RST))
    {
      Flight flight = { packet, len, hs_seq_add (packet->seq, seg_len), order };

      g_array_append_val (inf->flight[sender], flight);
    }
  else
    {
      infer_deliver (inf, sender, G_MAXUINT);
      infer_arrived (inf, HS_SIDE_OTHER (sender), packet);
    }
}

/* The end of the capture: what is still in flight arrives, in the order it
 * was sent. */
static void
infer_finish (Inference *inf)
{
  while (inf->flight[0]->len > 0 || inf->flight[1]->len > 0)
    {
      HsSide side;

      if (inf->flight[0]->len == 0)
        side = 1;
      else if (inf->flight[1]->len == 0)
        side = 0;
      else
        side = g_array_index (inf->flight[0], Flight, 0).order <
                       g_array_index (inf->flight[1], Flight, 0).order
                   ? 0
                   : 1;
      infer_deliver (inf, side, 1);
    }
}

/* Where the capture begins tells where both ends were: before a SYN the
 * client is CLOSED and the server listens (if it ever answers with a
 * SYN-ACK); a capture that begins later finds them further on. */
static void
infer_start (Inference *inf, const HsPacket *first, gboolean server_answers)
{
  inf->state[HS_SIDE_CLIENT] = HS_TCP_STATE_CLOSED;
  inf->state[HS_SIDE_SERVER] = HS_TCP_STATE_CLOSED;

  if ((first->flags & (HS_TCP_SYN | HS_TCP_ACK)) == HS_TCP_SYN)
    {
      if (server_answers)
        {
          inf->passive[HS_SIDE_SERVER] = TRUE;
          infer_state (inf, HS_SIDE_SERVER, HS_TCP_STATE_LISTEN);
        }
      return;
    }

  inf->state[HS_SIDE_CLIENT] = HS_TCP_STATE_UNKNOWN;
  inf->state[HS_SIDE_SERVER] = HS_TCP_STATE_UNKNOWN;
  if ((first->flags & (HS_TCP_SYN | HS_TCP_ACK)) == (HS_TCP_SYN | HS_TCP_ACK))
    {
      infer_state (inf, HS_SIDE_CLIENT, HS_TCP_STATE_SYN_SENT);
      inf->passive[HS_SIDE_SERVER] = TRUE;
      infer_state (inf, HS_SIDE_SERVER, HS_TCP_STATE_LISTEN);
    }
  else
    {
      infer_state (inf, HS_SIDE_CLIENT, HS_TCP_STATE_ESTABLISHED);
      infer_state (inf, HS_SIDE_SERVER, HS_TCP_STATE_ESTABLISHED);
    }
}

static guint64
sent_key (HsSide side, guint8 flags, guint32 seq, guint32 len)
{
  return ((guint64) side << 60) | ((guint64) (flags & KEY_FLAGS) << 48) |
         ((guint64) (len & 0xffff) << 32) | seq;
}

HsTrace *
hs_capture_build_trace (HsCapture *self, guint index, GError **error)
{
  g_autoptr (HsTrace) trace = NULL;
  g_autoptr (GHashTable) sent = NULL;
  const HsCaptureConnection *conn;
  Inference inf = { 0 };
  gboolean isn_known[2] = { FALSE, FALSE };
  guint32 isn[2] = { 0, 0 };
  gboolean syn_seen[2] = { FALSE, FALSE };
  gint8 wscale[2] = { -1, -1 };
  gboolean snd_max_known[2] = { FALSE, FALSE };
  guint32 snd_max[2] = { 0, 0 };
  gboolean server_answers = FALSE;
  gboolean started = FALSE;
  guint id;

  g_return_val_if_fail (HS_IS_CAPTURE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (index >= self->connections->len)
    {
      g_set_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_NO_STREAM,
                   g_dngettext (GETTEXT_PACKAGE,
                                "There is no connection %u in %s: it holds %u connection, "
                                "numbered from 0.",
                                "There is no connection %u in %s: it holds %u connections, "
                                "numbered from 0.",
                                self->connections->len),
                   index, self->name, self->connections->len);
      return NULL;
    }
  conn = &g_array_index (self->connections, HsCaptureConnection, index);

  trace = hs_trace_new ();
  hs_trace_set_network (trace, "capture");
  /* The capture's timestamps are the clock: 0 is the connection's first
   * packet, and no event gets the time it was loaded at. */
  hs_trace_set_virtual_time (trace, TRUE);
  id = hs_trace_add_connection (trace, &conn->client, &conn->server);
  sent = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  /* A server that answers with SYN-ACK was listening before the SYN came;
   * one that answers with RST was not (the connection was refused), and
   * one that sends its own SYN opens at the same time as the client. */
  for (guint i = 0; i < self->records->len; i++)
    {
      const Record *r = &g_array_index (self->records, Record, i);
      guint8 syn_ack = r->packet.flags & (HS_TCP_SYN | HS_TCP_ACK | HS_TCP_RST);

      if (r->stream != index || !hs_address_equal (&r->packet.src, &conn->server))
        continue;
      if (syn_ack == HS_TCP_SYN)
        {
          server_answers = FALSE;
          break;
        }
      if (syn_ack == (HS_TCP_SYN | HS_TCP_ACK))
        server_answers = TRUE;
    }

  inf.trace = trace;
  inf.id = id;
  inf.flight[0] = g_array_new (FALSE, FALSE, sizeof (Flight));
  inf.flight[1] = g_array_new (FALSE, FALSE, sizeof (Flight));

  for (guint i = 0; i < self->records->len; i++)
    {
      const Record *r = &g_array_index (self->records, Record, i);
      const HsPacket *p = &r->packet;
      HsEvent event = { 0 };
      g_autoptr (GBytes) preview = NULL;
      HsSide sender, receiver;
      guint32 seg_len;

      if (r->stream != index)
        continue;

      sender = hs_address_equal (&conn->client, &p->src) ? HS_SIDE_CLIENT : HS_SIDE_SERVER;
      receiver = HS_SIDE_OTHER (sender);
      inf.time_us = MAX (r->time_us - conn->start_us, 0);

      if (!started)
        {
          infer_start (&inf, p, server_answers);
          started = TRUE;
        }

      /* Sequence numbers count from each side's ISN, absolute where the
       * SYN was captured; without it, from the first segment seen, as
       * Wireshark counts (a RST answering a SYN carries seq 0). */
      if (p->flags & HS_TCP_SYN)
        {
          if (!isn_known[sender])
            {
              isn_known[sender] = TRUE;
              isn[sender] = p->seq;
              hs_trace_set_isn (trace, id, sender, p->seq);
            }
          if (!inf.iss_known[sender])
            {
              inf.iss_known[sender] = TRUE;
              inf.iss[sender] = p->seq;
            }
          syn_seen[sender] = TRUE;
          wscale[sender] =
              (p->options.present & HS_TCP_OPTION_WSCALE) ? (gint8) p->options.wscale : -1;
        }
      else if (!isn_known[sender])
        {
          isn_known[sender] = TRUE;
          isn[sender] = (p->flags & HS_TCP_RST) ? p->seq : p->seq - 1;
          hs_trace_set_isn (trace, id, sender, isn[sender]);
        }
      if ((p->flags & HS_TCP_ACK) && !isn_known[receiver])
        {
          isn_known[receiver] = TRUE;
          isn[receiver] = p->ack - 1;
          hs_trace_set_isn (trace, id, receiver, isn[receiver]);
        }

      event.kind = HS_EVENT_SEGMENT;
      event.connection = id;
      event.side = sender;
      event.time_us = inf.time_us;
      event.flags = p->flags;
      event.rel_seq = hs_seq_sub (p->seq, isn[sender]);
      event.rel_ack = (p->flags & HS_TCP_ACK) ? hs_seq_sub (p->ack, isn[receiver]) : 0;
      event.len = r->claimed_len;
      event.window = p->window;
      /* RFC 7323: the window of a SYN is never scaled; the others are when
       * both SYNs offered scaling. */
      if (!(p->flags & HS_TCP_SYN) && syn_seen[0] && syn_seen[1] && wscale[0] >= 0 &&
          wscale[1] >= 0)
        event.window = (guint32) p->window << MIN (wscale[sender], 14);
      event.window_known = TRUE;
      event.options = p->options;
      event.provenance = HS_PROVENANCE_CAPTURED;
      event.fate = HS_SEGMENT_FATE_DELIVERED;

      /* A segment that takes sequence space, sent again below the highest
       * sequence number its side has sent, is a retransmission. */
      seg_len =
          r->claimed_len + ((p->flags & HS_TCP_SYN) ? 1 : 0) + ((p->flags & HS_TCP_FIN) ? 1 : 0);
      if (seg_len > 0 && !(p->flags & HS_TCP_RST))
        {
          guint64 key = sent_key (sender, p->flags, p->seq, r->claimed_len);
          gpointer count = g_hash_table_lookup (sent, &key);
          guint32 end = hs_seq_add (p->seq, seg_len);

          if (count != NULL && snd_max_known[sender] && hs_seq_lt (p->seq, snd_max[sender]))
            {
              event.retransmission = GPOINTER_TO_UINT (count);
              g_hash_table_replace (sent, g_memdup2 (&key, sizeof key),
                                    GUINT_TO_POINTER (GPOINTER_TO_UINT (count) + 1));
            }
          else
            g_hash_table_replace (sent, g_memdup2 (&key, sizeof key), GUINT_TO_POINTER (1));
          if (!snd_max_known[sender] || hs_seq_lt (snd_max[sender], end))
            snd_max[sender] = end;
          snd_max_known[sender] = TRUE;
        }

      if (r->preview_len > 0)
        preview = g_bytes_new (self->previews->data + r->preview_off, r->preview_len);
      event.data = preview;

      /* What this segment acknowledges had arrived before it was sent. */
      infer_acked (&inf, receiver, p);
      hs_trace_append (trace, &event);
      infer_segment (&inf, sender, p, r->claimed_len, i);
    }

  infer_finish (&inf);
  g_array_unref (inf.flight[0]);
  g_array_unref (inf.flight[1]);

  return g_steal_pointer (&trace);
}
