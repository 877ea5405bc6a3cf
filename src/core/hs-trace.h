/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "hs-segment.h"
#include "hs-tcp-state.h"

G_BEGIN_DECLS

/* clang-format off */

/* The two ends of every connection Handshake shows. */
typedef enum
{
  HS_SIDE_CLIENT,
  HS_SIDE_SERVER,
} HsSide;

#define HS_SIDE_OTHER(side) ((side) == HS_SIDE_CLIENT ? HS_SIDE_SERVER : HS_SIDE_CLIENT)

typedef enum
{
  HS_EVENT_SEGMENT, /* a TCP segment sent by `side` */
  HS_EVENT_STATE,   /* `side`'s connection state changed */
  HS_EVENT_APP,     /* the application on `side` did something */
  HS_EVENT_ERROR,   /* something went wrong, told in words */
} HsEventKind;

/* Where a segment's evidence comes from (DESIGN.md, "honest labels"). */
typedef enum
{
  HS_PROVENANCE_CAPTURED,  /* the real bytes were seen (wire, saved SYN, capture) */
  HS_PROVENANCE_INFERRED,  /* implied by socket events and kernel states */
  HS_PROVENANCE_SIMULATED, /* produced by the RFC 9293 model */
} HsProvenance;

/* Where a state change comes from. */
typedef enum
{
  HS_STATE_SOURCE_KERNEL,   /* read from the kernel (sock_diag, /proc) */
  HS_STATE_SOURCE_INFERRED, /* implied by TCP's rules, not (yet) seen */
  HS_STATE_SOURCE_MODEL,    /* the simulation's model */
} HsStateSource;

/* What happened to a segment on a wire the application controls. */
typedef enum
{
  HS_SEGMENT_FATE_DELIVERED, /* arrived (or, on the host network, assumed to) */
  HS_SEGMENT_FATE_HELD,      /* waiting on the wire */
  HS_SEGMENT_FATE_DROPPED,   /* lost on purpose */
} HsSegmentFate;

typedef enum
{
  HS_APP_LISTEN,   /* listen() on `text` (address) */
  HS_APP_STOP,     /* the listener closed */
  HS_APP_CONNECT,  /* connect() to `text` */
  HS_APP_ACCEPT,   /* accept() returned a connection */
  HS_APP_SEND,     /* send() of `data` */
  HS_APP_RECEIVE,  /* recv() returned `data` */
  HS_APP_EOF,      /* recv() returned 0: the peer closed its side */
  HS_APP_SHUTDOWN, /* shutdown(SHUT_WR) */
  HS_APP_CLOSE,    /* close() */
  HS_APP_ABORT,    /* close() with SO_LINGER 0 */
  HS_APP_RESET,    /* recv() or send() failed: connection reset by peer */
} HsAppAction;

/* Errors the student meets, each narrated in words. */
typedef enum
{
  HS_TRACE_ERROR_OTHER,
  HS_TRACE_ERROR_ADDRESS_IN_USE,
  HS_TRACE_ERROR_PERMISSION_DENIED,
  HS_TRACE_ERROR_CONNECTION_REFUSED,
  HS_TRACE_ERROR_HOST_NOT_FOUND,
  HS_TRACE_ERROR_NETWORK_UNREACHABLE,
  HS_TRACE_ERROR_HOST_UNREACHABLE,
  HS_TRACE_ERROR_TIMED_OUT,
  HS_TRACE_ERROR_CONNECTION_RESET,
  HS_TRACE_ERROR_ADDRESS_NOT_AVAILABLE,
} HsTraceError;

typedef struct
{
  guint index;         /* position in the trace */
  guint connection;    /* HsTraceConnection id; 0 for the listener */
  gint64 time_us;      /* microseconds since the trace started, never decreasing */
  HsEventKind kind;
  HsSide side;         /* sender of a segment; owner of a state or action */

  /* HS_EVENT_SEGMENT. seq is relative to the sender's ISN, ack to the
   * receiver's: the absolute values are isn + rel when the ISN is known
   * (hs_trace_connection_get_isn()). */
  guint8 flags;
  guint32 rel_seq;
  guint32 rel_ack;
  guint32 len;
  guint32 window;      /* 0 with window_known FALSE when not observable */
  gboolean window_known;
  HsTcpOptions options;
  HsProvenance provenance;
  HsSegmentFate fate;
  guint retransmission; /* 0 for an original, n for the n-th retransmission */

  /* HS_EVENT_STATE */
  HsTcpState from;
  HsTcpState to;
  HsStateSource source;

  /* HS_EVENT_APP and HS_EVENT_ERROR */
  HsAppAction action;
  HsTraceError error;
  char *text;          /* address, error message or other words */
  GBytes *data;        /* bytes sent or received */
} HsEvent;

typedef struct
{
  guint id;
  HsAddress client;    /* the client's address and port (port 0 until known) */
  HsAddress server;
  gboolean isn_known[2]; /* indexed by HsSide */
  guint32 isn[2];
} HsTraceConnection;

#define HS_TYPE_TRACE (hs_trace_get_type ())

G_DECLARE_FINAL_TYPE (HsTrace, hs_trace, HS, TRACE, GObject)

HsTrace                 *hs_trace_new                    (void);

/* The network the trace was recorded on ("host", "lab", "sim", "capture"). */
const char              *hs_trace_get_network            (HsTrace *self);
void                     hs_trace_set_network            (HsTrace    *self,
                                                          const char *network);

/* A trace recorded on a virtual clock (the simulated network): from now on
 * hs_trace_append() keeps every event's time_us as given, 0 included,
 * instead of stamping the monotonic clock on events whose time_us is 0. */
void                     hs_trace_set_virtual_time       (HsTrace  *self,
                                                          gboolean  virtual_time);

guint                    hs_trace_get_n_events           (HsTrace *self);
const HsEvent           *hs_trace_get_event              (HsTrace *self,
                                                          guint    index);

/* Appends a copy of @event (index and time_us are filled in: time_us from
 * the monotonic clock unless @event->time_us is set later than the last
 * event's) and emits ::event-added. Strings and bytes are copied. Returns the
 * new event's index. */
guint                    hs_trace_append                 (HsTrace       *self,
                                                          const HsEvent *event);

/* Lets a source refine an event it recorded earlier (a SYN whose real bytes
 * arrive later through TCP_SAVED_SYN, a state confirmed by the kernel). Only
 * the descriptive fields change, never kind, side or connection. Emits
 * ::event-changed. */
void                     hs_trace_update_segment         (HsTrace            *self,
                                                          guint               index,
                                                          HsProvenance        provenance,
                                                          gboolean            window_known,
                                                          guint32             window,
                                                          const HsTcpOptions *options);
/* A segment held on a wire the application controls was delivered or
 * dropped. Emits ::event-changed when the fate changes. */
void                     hs_trace_update_segment_fate    (HsTrace      *self,
                                                          guint         index,
                                                          HsSegmentFate fate);
void                     hs_trace_update_state_source    (HsTrace      *self,
                                                          guint         index,
                                                          HsStateSource source);

guint                    hs_trace_add_connection         (HsTrace         *self,
                                                          const HsAddress *client,
                                                          const HsAddress *server);
guint                    hs_trace_get_n_connections      (HsTrace *self);
/* ids start at 1; 0 is the listener's pseudo-connection and is always there. */
const HsTraceConnection *hs_trace_get_connection         (HsTrace *self,
                                                          guint    id);
/* Records @side's address and port once known; emits ::connection-changed. */
void                     hs_trace_set_connection_address (HsTrace         *self,
                                                          guint            id,
                                                          HsSide           side,
                                                          const HsAddress *address);
/* Records the ISN of @side's sequence space, when it becomes known; emits
 * ::connection-changed. */
void                     hs_trace_set_isn                (HsTrace *self,
                                                          guint    id,
                                                          HsSide   side,
                                                          guint32  isn);
gboolean                 hs_trace_connection_get_isn     (HsTrace *self,
                                                          guint    id,
                                                          HsSide   side,
                                                          guint32 *isn);

/* The state of @side in @connection after the event at @index (or the latest
 * when @index is G_MAXUINT). */
HsTcpState               hs_trace_get_state_at           (HsTrace *self,
                                                          guint    connection,
                                                          HsSide   side,
                                                          guint    index);

void                     hs_trace_clear                  (HsTrace *self);

/* Event helpers for sources. */
void                     hs_event_clear                  (HsEvent *event);

const char              *hs_side_to_string               (HsSide side);
const char              *hs_event_kind_to_string         (HsEventKind kind);
const char              *hs_provenance_to_string         (HsProvenance provenance);
const char              *hs_state_source_to_string       (HsStateSource source);
const char              *hs_app_action_to_string         (HsAppAction action);
const char              *hs_segment_fate_to_string       (HsSegmentFate fate);
const char              *hs_trace_error_to_string        (HsTraceError error);

/* clang-format on */

G_END_DECLS
