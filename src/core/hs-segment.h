/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* clang-format off */

/* TCP header flags, bit for bit as on the wire (RFC 9293, section 3.1). */
typedef enum
{
  HS_TCP_FIN = 1 << 0,
  HS_TCP_SYN = 1 << 1,
  HS_TCP_RST = 1 << 2,
  HS_TCP_PSH = 1 << 3,
  HS_TCP_ACK = 1 << 4,
  HS_TCP_URG = 1 << 5,
  HS_TCP_ECE = 1 << 6,
  HS_TCP_CWR = 1 << 7,
} HsTcpFlags;

/* Which of the fields of HsTcpOptions were present in the segment. */
typedef enum
{
  HS_TCP_OPTION_MSS = 1 << 0,
  HS_TCP_OPTION_WSCALE = 1 << 1,
  HS_TCP_OPTION_SACK_PERMITTED = 1 << 2,
  HS_TCP_OPTION_TIMESTAMPS = 1 << 3,
  HS_TCP_OPTION_SACK = 1 << 4,
} HsTcpOptionMask;

typedef struct
{
  guint8 present; /* HsTcpOptionMask */
  guint8 wscale;
  guint16 mss;
  guint32 ts_val;
  guint32 ts_ecr;
} HsTcpOptions;

/* An IPv4 or IPv6 address with a port, in network-neutral form, so that core
 * code needs no socket headers. */
typedef struct
{
  guint8 family; /* 4 or 6; 0 when unknown */
  guint8 addr[16];
  guint16 port;
} HsAddress;

/* One parsed IP packet carrying TCP. */
typedef struct
{
  HsAddress src;
  HsAddress dst;
  guint8 ttl;          /* TTL or hop limit */
  guint8 flags;        /* HsTcpFlags */
  guint32 seq;
  guint32 ack;
  guint16 window;      /* as on the wire, before scaling */
  guint32 payload_len; /* TCP payload bytes */
  guint32 payload_off; /* offset of the payload in the buffer parsed */
  HsTcpOptions options;
} HsPacket;

#define HS_PACKET_ERROR (hs_packet_error_quark ())

typedef enum
{
  HS_PACKET_ERROR_TRUNCATED,
  HS_PACKET_ERROR_NOT_IP,
  HS_PACKET_ERROR_NOT_TCP,
  HS_PACKET_ERROR_MALFORMED,
} HsPacketError;

GQuark       hs_packet_error_quark     (void);

/* Parses an IPv4 or IPv6 packet (starting at the IP header, as read from a
 * TUN device with IFF_NO_PI or from TCP_SAVED_SYN) that carries TCP. A
 * truncated payload is accepted (payload_len says what the headers claim,
 * clamped to what is there); truncated or malformed headers are an error. */
gboolean     hs_packet_parse           (const guint8 *data,
                                        gsize         len,
                                        HsPacket     *packet,
                                        GError      **error);

/* Parses the options area of a TCP header (the bytes after the fixed 20). */
gboolean     hs_tcp_options_parse      (const guint8 *data,
                                        gsize         len,
                                        HsTcpOptions *options,
                                        GError      **error);

/* "SYN, ACK", "FIN, ACK", "PSH, ACK": the flags as Wireshark's Info column
 * writes them, in a fixed teaching order (SYN, FIN, RST, PSH, ACK, URG, ECE, CWR).
 * Free the result with g_free(). */
char        *hs_tcp_flags_to_string    (guint8 flags);

/* "127.0.0.1:5005", "[::1]:5005"; with port 0 and no address "*:*" as
 * netstat writes a listener's foreign address. */
char        *hs_address_to_string      (const HsAddress *address);
/* Without the port: "127.0.0.1", "::1". */
char        *hs_address_to_host_string (const HsAddress *address);
gboolean     hs_address_equal          (const HsAddress *a,
                                        const HsAddress *b);
guint        hs_address_hash           (const HsAddress *address);
/* Parses "1.2.3.4:80", "[::1]:80", "::1" or "1.2.3.4" (port 0). */
gboolean     hs_address_parse          (const char *text,
                                        HsAddress  *address);

/* Modulo-2^32 sequence number arithmetic (RFC 9293, section 3.4). */
static inline guint32
hs_seq_add (guint32 a,
            guint32 b)
{
  return a + b;
}

static inline guint32
hs_seq_sub (guint32 a,
            guint32 b)
{
  return a - b;
}

static inline gboolean
hs_seq_lt (guint32 a,
           guint32 b)
{
  return (gint32) (a - b) < 0;
}

/* clang-format on */

G_END_DECLS
