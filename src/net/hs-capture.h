/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-trace.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_CAPTURE_ERROR (hs_capture_error_quark ())

typedef enum
{
  HS_CAPTURE_ERROR_IO,          /* the file could not be opened or read */
  HS_CAPTURE_ERROR_NOT_CAPTURE, /* not a pcap or pcapng file at all */
  HS_CAPTURE_ERROR_DAMAGED,     /* a capture whose headers cannot be read */
  HS_CAPTURE_ERROR_TRUNCATED,   /* the file ends in the middle of a packet */
  HS_CAPTURE_ERROR_LINK_TYPE,   /* packets of a link layer Handshake does not read */
  HS_CAPTURE_ERROR_NO_TCP,      /* packets, but no TCP connection among them */
  HS_CAPTURE_ERROR_NO_STREAM,   /* a connection number that is not in the capture */
} HsCaptureError;

GQuark hs_capture_error_quark (void);

/* One TCP connection of a capture, numbered as tshark's tcp.stream: in the
 * order of each connection's first packet, from 0. */
typedef struct
{
  guint index;
  HsAddress client;   /* the side that sent the SYN; without a SYN, the first sender */
  HsAddress server;
  guint n_packets;
  guint8 first_flags; /* HsTcpFlags of the connection's first packet */
  gboolean syn_seen;  /* the client's SYN is in the capture */
  gint64 start_us;    /* capture timestamp of the first packet, µs since the epoch */
  gint64 end_us;      /* and of the last */
  guint64 bytes;      /* TCP payload bytes, both directions, as the headers count them */
} HsCaptureConnection;

#define HS_TYPE_CAPTURE (hs_capture_get_type ())

G_DECLARE_FINAL_TYPE (HsCapture, hs_capture, HS, CAPTURE, GObject)

/*
 * A packet capture file (pcap or pcapng, through libpcap) read into memory:
 * its TCP packets, grouped into connections. Link types: Ethernet (with
 * 802.1Q/802.1ad VLAN tags), raw IPv4/IPv6, Linux cooked v1 and v2 (what
 * `tcpdump -i any` writes) and BSD loopback (DLT_NULL, DLT_LOOP).
 *
 * Loading fails with an HS_CAPTURE_ERROR when nothing can be shown. A file
 * that is damaged or cut short after some packets loads what came before,
 * and hs_capture_get_warning() says what was left out.
 */
HsCapture                 *hs_capture_load_file        (const char  *path,
                                                        GError     **error);
/* The same from a buffer in memory (a dropped file's contents, the fuzzer's
 * input). @name is what messages and the trace call the capture. */
HsCapture                 *hs_capture_load_bytes       (GBytes      *bytes,
                                                        const char  *name,
                                                        GError     **error);

/* The file's name as shown to the user ("lesson.pcapng"). */
const char                *hs_capture_get_name         (HsCapture *self);
/* Why part of the file was left out (truncated, damaged), or NULL. */
const GError              *hs_capture_get_warning      (HsCapture *self);
/* Packets read from the file (all kinds), and TCP packets among them. */
guint                      hs_capture_get_n_packets    (HsCapture *self);
guint                      hs_capture_get_n_tcp_packets (HsCapture *self);
/* libpcap's name of the link type: "EN10MB", "LINUX_SLL2", … */
const char                *hs_capture_get_link_type    (HsCapture *self);

guint                      hs_capture_get_n_connections (HsCapture *self);
const HsCaptureConnection *hs_capture_get_connection   (HsCapture *self,
                                                        guint      index);

/* The connection @index as a trace on network "capture": every segment
 * captured, with its real numbers (absolute ISNs where the SYN was seen),
 * retransmissions marked, event times from the capture's timestamps (the
 * connection's first packet at 0), and both sides' states inferred from
 * the segments (HS_STATE_SOURCE_INFERRED). */
HsTrace                   *hs_capture_build_trace      (HsCapture  *self,
                                                        guint       index,
                                                        GError    **error);

/* "127.0.0.1:40000 → 127.0.0.1:5005, 10 packets, first SYN": one line for
 * lists and pickers. Free with g_free(). */
char                      *hs_capture_connection_describe (const HsCaptureConnection *connection);

/* clang-format on */

G_END_DECLS
