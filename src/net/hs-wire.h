/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-trace.h"

G_BEGIN_DECLS

/* clang-format off */

typedef enum
{
  HS_WIRE_MODE_AUTO, /* every segment crosses in the flight time */
  HS_WIRE_MODE_STEP, /* every segment waits until delivered */
} HsWireMode;

typedef struct
{
  guint64 packets;      /* IP packets read from either TUN device */
  guint64 segments;     /* TCP segments recorded in the trace */
  guint64 other;        /* packets forwarded without recording (not TCP) */
  guint64 dropped;      /* segments dropped on command */
  guint64 write_errors; /* packets the receiving kernel refused */
  guint64 busy_ns;      /* time spent reading, parsing, recording and writing */
} HsWireStats;

#define HS_TYPE_WIRE (hs_wire_get_type ())

G_DECLARE_FINAL_TYPE (HsWire, hs_wire, HS, WIRE, GObject)

/*
 * The lab's wire: it reads every IP packet the client's and the server's
 * kernels send through their TUN devices (on the thread-default main
 * context, never blocking), records each TCP segment in @trace as a
 * CAPTURED segment event, and writes it into the other TUN device when the
 * controls let it. Non-TCP packets (ICMP and the like) are forwarded at
 * once without being recorded.
 *
 * Connections are told apart by their 4-tuple and created in @trace as they
 * appear; the client is the side that sent the first SYN. Sequence and
 * acknowledgement numbers are recorded relative to the ISNs taken from the
 * SYN and SYN-ACK (hs_trace_set_isn()), the window scaled as the two SYNs
 * agreed (Wireshark's "calculated window size"), a segment's payload as the
 * event's data. A segment whose sequence number, SYN/FIN/ACK flags and
 * length equal those of an earlier one from the same side is a
 * retransmission (event.retransmission = how many times it was sent before).
 *
 * Every segment is recorded the moment the wire reads it, with fate HELD
 * while it is on the wire, then updated (hs_trace_update_segment_fate()) to
 * DELIVERED or DROPPED; with Auto and a flight time of 0 it is DELIVERED
 * at once. The raw bytes of each recorded packet are kept for pcap export
 * (hs_wire_get_packet()).
 *
 * The TUN descriptors are duplicated; the caller keeps its own.
 */
HsWire       *hs_wire_new                (HsTrace  *trace,
                                          int       client_tun_fd,
                                          int       server_tun_fd,
                                          GError  **error);

HsTrace      *hs_wire_get_trace          (HsWire *self);

HsWireMode    hs_wire_get_mode           (HsWire     *self);
/* Step holds every segment from now on (those in flight stop too); Auto
 * sends the held ones on once their flight time is over. */
void          hs_wire_set_mode           (HsWire     *self,
                                          HsWireMode  mode);

/* Milliseconds a segment takes to cross in Auto mode (default 300: a
 * handshake's round trip stays under the kernel's 1 s initial RTO). 0
 * forwards at once. Applies to segments already in flight too. */
guint         hs_wire_get_flight_time    (HsWire *self);
void          hs_wire_set_flight_time    (HsWire *self,
                                          guint   flight_time_ms);

/* The next TCP segment to enter the wire, in either direction, is lost. */
gboolean      hs_wire_get_drop_next      (HsWire   *self);
void          hs_wire_set_drop_next      (HsWire   *self,
                                          gboolean  drop_next);

/* Segments on the wire now, oldest first, by trace index. */
guint         hs_wire_get_n_held         (HsWire *self);
guint         hs_wire_get_held_index     (HsWire *self,
                                          guint   nth);
gboolean      hs_wire_is_held            (HsWire *self,
                                          guint   index);

/* Delivers the oldest held segment; FALSE when none is held. */
gboolean      hs_wire_deliver            (HsWire *self);
/* Delivers the held segment recorded at trace @index (ahead of older ones:
 * the wire reorders on command); FALSE when it is not held. */
gboolean      hs_wire_deliver_index      (HsWire *self,
                                          guint   index);
/* Loses the held segment recorded at trace @index; FALSE when it is not
 * held. */
gboolean      hs_wire_drop               (HsWire *self,
                                          guint   index);
/* Delivers everything held, oldest first, and goes back to Auto. */
void          hs_wire_deliver_all        (HsWire *self);

/* The IP packet recorded at trace @index, as it crossed the wire (or was
 * dropped); FALSE for events the wire did not record. The bytes stay valid
 * until the next packet is read or the trace is cleared. */
gboolean      hs_wire_get_packet         (HsWire        *self,
                                          guint          index,
                                          const guint8 **data,
                                          gsize         *len);
/* The wall-clock time (µs since the Unix epoch) of the trace's time 0, as
 * seen when the first packet was recorded; 0 before that. */
gint64        hs_wire_get_time_zero      (HsWire *self);

void          hs_wire_get_stats          (HsWire      *self,
                                          HsWireStats *stats);

/* Tells the wire that the trace connection @id (whose client and server
 * addresses are set) is about to appear: its segments join it instead of a
 * new connection. */
void          hs_wire_expect_connection  (HsWire *self,
                                          guint   id);
/* TRUE when a packet waits to be read from either device. */
gboolean      hs_wire_input_pending      (HsWire *self);
/* clang-format on */

G_END_DECLS
