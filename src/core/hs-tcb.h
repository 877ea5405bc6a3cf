/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "hs-segment.h"
#include "hs-tcp-state.h"
#include "hs-trace.h"

G_BEGIN_DECLS

/* clang-format off */

/*
 * One model TCP endpoint: the connection state machine of RFC 9293 with the
 * choices Linux makes where the RFC leaves room (see hs-tcb.c). The model is
 * pure: user calls and arriving segments go in, output segments, state
 * changes and what the application sees come out, in order, appended to an
 * array of HsTcbOutput. Time is virtual, in microseconds, and always passed
 * in; nothing here reads a clock, opens a socket or allocates per segment
 * beyond the payload it carries.
 */

/* Linux's defaults unless said otherwise; hs_tcb_config_init() fills them. */
typedef struct
{
  guint16 mss;                 /* MSS advertised: 1460 for an MTU of 1500 (65495 on lo) */
  guint8 wscale;               /* window scale offered: 7 as with tcp_rmem[2] = 6 MiB */
  gboolean sack_permitted;     /* offered on SYN and SYN-ACK (SACK blocks are not sent) */
  gboolean timestamps;         /* RFC 7323 timestamps, as net.ipv4.tcp_timestamps=1 */
  guint syn_retries;           /* net.ipv4.tcp_syn_retries: 6 */
  guint synack_retries;        /* net.ipv4.tcp_synack_retries: 5 */
  guint syn_linear_timeouts;   /* net.ipv4.tcp_syn_linear_timeouts (Linux >= 6.5): 4 */
  guint retries2;              /* net.ipv4.tcp_retries2: 15 */
  guint orphan_retries;        /* after close(): tcp_orphan_retries 0 means 8 */
  gint64 rto_initial_us;       /* TCP_TIMEOUT_INIT: 1 s (RFC 6298) */
  gint64 rto_min_us;           /* TCP_RTO_MIN: 200 ms */
  gint64 rto_max_us;           /* TCP_RTO_MAX: 120 s */
  gint64 delack_us;            /* TCP_DELACK_MIN: 40 ms */
  gint64 time_wait_us;         /* 2 x MSL: TCP_TIMEWAIT_LEN, 60 s; shorten it in tests */
  gint64 fin_timeout_us;       /* net.ipv4.tcp_fin_timeout: an orphaned FIN_WAIT_2, 60 s */
} HsTcbConfig;

void hs_tcb_config_init (HsTcbConfig *config);

/* A segment as the model sends or receives it. The window is the 16-bit
 * field as on the wire (scaled on every segment but SYNs). */
typedef struct
{
  HsAddress src;
  HsAddress dst;
  guint8 flags;               /* HsTcpFlags */
  guint32 seq;
  guint32 ack;
  guint16 window;
  HsTcpOptions options;
  GBytes *payload;            /* NULL when there is none */
  guint retransmission;       /* 0 for an original, n for the n-th retransmission */
} HsTcbSegment;

static inline guint32
hs_tcb_segment_get_len (const HsTcbSegment *segment)
{
  return segment->payload != NULL ? (guint32) g_bytes_get_size (segment->payload) : 0;
}

void hs_tcb_segment_copy  (HsTcbSegment       *dest,
                           const HsTcbSegment *src);
void hs_tcb_segment_clear (HsTcbSegment *segment);

/* Builds the reset that RFC 9293, section 3.10.7.1 sends for a segment that
 * reaches no connection (a closed port). Returns FALSE when nothing is to be
 * sent (the segment is itself a reset). */
gboolean hs_tcb_reset_for_segment (const HsTcbSegment *segment,
                                   HsTcbSegment       *reset);

typedef enum
{
  HS_TCB_OUTPUT_SEGMENT, /* `segment` leaves the endpoint */
  HS_TCB_OUTPUT_STATE,   /* the state changed from `from` to `to` */
  HS_TCB_OUTPUT_DATA,    /* bytes in order for the application: `data` */
  HS_TCB_OUTPUT_EOF,     /* the peer's FIN: the application reads end of file */
  HS_TCB_OUTPUT_ERROR,   /* the application is told `error` (refused, reset, timed out) */
} HsTcbOutputKind;

typedef struct
{
  HsTcbOutputKind kind;
  HsTcbSegment segment;
  HsTcpState from;
  HsTcpState to;
  GBytes *data;
  HsTraceError error;
} HsTcbOutput;

void hs_tcb_output_clear (HsTcbOutput *output);
/* An array of HsTcbOutput that clears its elements. */
GArray *hs_tcb_output_array_new (void);

/* Timers, numbered as /proc/net/tcp and the kernel's socket table number them. */
typedef enum
{
  HS_TCB_TIMER_NONE = 0,
  HS_TCB_TIMER_RETRANSMIT = 1, /* SYN, SYN-ACK, data or FIN retransmission */
  HS_TCB_TIMER_TIME_WAIT = 3,  /* TIME_WAIT, or an orphaned FIN_WAIT_2 */
  HS_TCB_TIMER_DELAYED_ACK = 5,
} HsTcbTimer;

#define HS_TCB_ERROR (hs_tcb_error_quark ())

typedef enum
{
  HS_TCB_ERROR_IN_USE,        /* listen or connect on an endpoint already used */
  HS_TCB_ERROR_NOT_CONNECTED, /* no connection to send on or close */
  HS_TCB_ERROR_CLOSING,       /* the sending direction is already closed */
} HsTcbError;

GQuark hs_tcb_error_quark (void);

typedef struct _HsTcb HsTcb;

/* Draws the ISN and the timestamp offset from @rand (borrowed, not kept). */
HsTcb       *hs_tcb_new               (const HsTcbConfig *config,
                                       const HsAddress   *local,
                                       GRand             *rand);
void         hs_tcb_free              (HsTcb *self);

/* Sets the initial send sequence number before the first SYN leaves (tests
 * of 32-bit wrap-around). */
void         hs_tcb_set_iss           (HsTcb  *self,
                                       guint32 iss);

/* User calls (RFC 9293, section 3.10.1-3.10.6). Each returns FALSE with
 * @error when the call is not possible in the current state. */
gboolean     hs_tcb_listen            (HsTcb   *self,
                                       GArray  *out,
                                       GError **error);
gboolean     hs_tcb_connect           (HsTcb           *self,
                                       const HsAddress *remote,
                                       gint64           now_us,
                                       GArray          *out,
                                       GError         **error);
gboolean     hs_tcb_send              (HsTcb        *self,
                                       const guint8 *data,
                                       gsize         len,
                                       gint64        now_us,
                                       GArray       *out,
                                       GError      **error);
/* shutdown(SHUT_WR): a FIN after what is queued; receiving goes on. */
gboolean     hs_tcb_shutdown          (HsTcb   *self,
                                       gint64   now_us,
                                       GArray  *out,
                                       GError **error);
/* close(): as shutdown, and the application is gone: the endpoint is an
 * orphan (new data from the peer is answered with RST, as Linux does). */
gboolean     hs_tcb_close             (HsTcb   *self,
                                       gint64   now_us,
                                       GArray  *out,
                                       GError **error);
/* close() with SO_LINGER 0: RST where a connection is synchronized. */
void         hs_tcb_abort             (HsTcb  *self,
                                       gint64  now_us,
                                       GArray *out);

/* A segment arrives (RFC 9293, section 3.10.7). */
void         hs_tcb_input             (HsTcb              *self,
                                       const HsTcbSegment *segment,
                                       gint64              now_us,
                                       GArray             *out);
/* Runs every timer due at or before @now_us. */
void         hs_tcb_on_timer          (HsTcb  *self,
                                       gint64  now_us,
                                       GArray *out);
/* When the next timer is due (G_MAXINT64 when none runs), and which. */
gint64       hs_tcb_get_next_deadline (HsTcb      *self,
                                       HsTcbTimer *timer);
/* When @timer is due, G_MAXINT64 when it is not running. */
gint64       hs_tcb_get_timer_deadline (HsTcb      *self,
                                        HsTcbTimer  timer);
/* The timer a socket table shows (retransmit or TIME_WAIT, not the
 * delayed ACK) and when it is due; HS_TCB_TIMER_NONE when none. */
HsTcbTimer   hs_tcb_get_visible_timer (HsTcb  *self,
                                       gint64 *deadline_us);

HsTcpState   hs_tcb_get_state         (HsTcb *self);
/* TRUE when the endpoint was opened passively (from LISTEN). */
gboolean     hs_tcb_is_passive        (HsTcb *self);
/* TRUE once close() or abort() was called. */
gboolean     hs_tcb_is_orphan         (HsTcb *self);
const HsAddress *hs_tcb_get_local     (HsTcb *self);
const HsAddress *hs_tcb_get_remote    (HsTcb *self);
guint32      hs_tcb_get_iss           (HsTcb *self);
/* The peer's ISN; FALSE until its SYN arrived. */
gboolean     hs_tcb_get_irs           (HsTcb   *self,
                                       guint32 *irs);
guint32      hs_tcb_get_snd_una       (HsTcb *self);
guint32      hs_tcb_get_snd_nxt       (HsTcb *self);
guint32      hs_tcb_get_rcv_nxt       (HsTcb *self);
/* Bytes sent but not acknowledged plus bytes not yet sent (ss's Send-Q). */
guint32      hs_tcb_get_send_queue    (HsTcb *self);
/* The retransmission timeout now, backoff included. */
gint64       hs_tcb_get_rto           (HsTcb *self);
/* How many times the oldest unacknowledged segment was sent again. */
guint        hs_tcb_get_retransmits   (HsTcb *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HsTcb, hs_tcb_free)

/* clang-format on */

G_END_DECLS
