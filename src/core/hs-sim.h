/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "hs-tcb.h"
#include "hs-trace.h"

G_BEGIN_DECLS

/* clang-format off */

/*
 * The simulated network (DESIGN.md, "Three networks"): two hosts, "client"
 * 10.0.0.1 and "server" 10.0.0.2, each with model TCP endpoints (HsTcb),
 * joined by a virtual wire with the lab's controls. Time is virtual: it moves
 * only when the caller advances it, so a run with a given seed always writes
 * the same trace. Segments go into the trace as "simulated", states with
 * source "model", together with the applications' actions; the trace's
 * network is "sim".
 *
 * The applications on both hosts read everything at once and the server
 * accepts every connection as soon as it is established.
 */

/* Each segment crosses in 0.3 s in Auto mode: a round trip stays well
 * under the initial RTO of 1 s, so a plain handshake retransmits nothing. */
#define HS_SIM_DEFAULT_FLIGHT_US (300 * 1000)
/* The seed handshake-cli uses unless told otherwise: runs repeat. */
#define HS_SIM_DEFAULT_SEED 1
/* Listening and client ports are drawn from Linux's ephemeral range. */
#define HS_SIM_EPHEMERAL_LOW  32768
#define HS_SIM_EPHEMERAL_HIGH 60999

#define HS_SIM_ERROR (hs_sim_error_quark ())

typedef enum
{
  HS_SIM_ERROR_INVALID_ADDRESS,
  HS_SIM_ERROR_NOT_CONNECTED,
  HS_SIM_ERROR_BUSY,
  HS_SIM_ERROR_NOT_FOUND,
} HsSimError;

GQuark hs_sim_error_quark (void);

/* One row of the model's socket table, in the kernel's terms. */
typedef struct
{
  HsSide host;          /* which host the socket lives on */
  guint connection;     /* trace connection; 0 for the listener */
  HsAddress local;
  HsAddress remote;     /* family 0 for a listener */
  HsTcpState state;
  guint32 send_q;
  guint32 recv_q;
  HsTcbTimer timer;     /* retransmit or TIME_WAIT, as ss shows them */
  guint32 expires_ms;   /* time left on that timer */
  guint retransmits;
} HsSimSocket;

/* A segment on the wire. */
typedef struct
{
  guint trace_index;    /* its segment event in the trace */
  guint connection;
  HsSide from;
  gint64 sent_us;
  gint64 arrive_us;     /* G_MAXINT64 while held */
  gboolean held;
} HsSimWireSegment;

#define HS_TYPE_SIM (hs_sim_get_type ())

G_DECLARE_FINAL_TYPE (HsSim, hs_sim, HS, SIM, GObject)

/* Records into @trace (NULL: a new one). The same @seed gives the same ISNs,
 * ports and timestamps. */
HsSim             *hs_sim_new                  (HsTrace *trace,
                                                guint32  seed);
/* Restarts the random numbers (ISNs, ports, timestamp offsets) from @seed;
 * call it before the first action to make a run repeat. */
void               hs_sim_set_seed             (HsSim   *self,
                                                guint32  seed);
HsTrace           *hs_sim_get_trace            (HsSim *self);
const HsAddress   *hs_sim_get_host_address     (HsSim  *self,
                                                HsSide  host);

/* The endpoints' settings for connections opened from now on. */
const HsTcbConfig *hs_sim_get_config           (HsSim *self);
void               hs_sim_set_config           (HsSim             *self,
                                                const HsTcbConfig *config);
gint64             hs_sim_get_flight_time      (HsSim *self);
void               hs_sim_set_flight_time      (HsSim  *self,
                                                gint64  flight_us);

/* Applications. Each records its action in the trace first; a call that is
 * not possible returns FALSE with @error and records nothing. */
gboolean           hs_sim_listen               (HsSim   *self,
                                                guint16  port,
                                                GError **error);
void               hs_sim_stop_listening       (HsSim *self);
gboolean           hs_sim_is_listening         (HsSim *self);
guint16            hs_sim_get_listen_port      (HsSim *self);
/* The client connects to @host:@port. Loopback addresses, "localhost" and
 * 10.0.0.2 all name the simulated server; another address in 10.0.0.0/24 is
 * "host unreachable" and any other "network unreachable", recorded as an
 * error in the trace (the call itself succeeds, as connect() on the host
 * network does, and no SYN leaves). */
gboolean           hs_sim_connect              (HsSim      *self,
                                                const char *host,
                                                guint16     port,
                                                GError    **error);
/* An active open from either host with both ports fixed: two of them with
 * crossed ports make a simultaneous open (RFC 9293, 3.5). */
gboolean           hs_sim_open                 (HsSim   *self,
                                                HsSide   host,
                                                guint16  local_port,
                                                guint16  remote_port,
                                                GError **error);
gboolean           hs_sim_send                 (HsSim        *self,
                                                HsSide        side,
                                                const guint8 *data,
                                                gsize         len,
                                                GError      **error);
gboolean           hs_sim_shutdown             (HsSim   *self,
                                                HsSide   side,
                                                GError **error);
gboolean           hs_sim_close                (HsSim   *self,
                                                HsSide   side,
                                                GError **error);
gboolean           hs_sim_abort                (HsSim   *self,
                                                HsSide   side,
                                                GError **error);
gboolean           hs_sim_can_connect          (HsSim *self);
/* TRUE while @side's application holds a socket of the current connection. */
gboolean           hs_sim_can_use              (HsSim  *self,
                                                HsSide  side);
/* The latest connection's trace id, 0 when there is none. */
guint              hs_sim_get_current          (HsSim *self);
/* The model's state of @side in @connection (CLOSED once it is gone). */
HsTcpState         hs_sim_get_state            (HsSim  *self,
                                                guint   connection,
                                                HsSide  side);
/* TRUE while the client's connection attempt is unanswered. */
gboolean           hs_sim_is_connecting        (HsSim *self);

/* The wire. Auto: each segment crosses in the flight time. Hold (Step):
 * every new segment waits until it is delivered or dropped. A delivered
 * segment goes on and arrives one flight time later (the clock must move
 * for it to arrive), so that round trips, and so the retransmission
 * timeouts, are those of Auto. */
void               hs_sim_set_hold             (HsSim    *self,
                                                gboolean  hold);
gboolean           hs_sim_get_hold             (HsSim *self);
/* Drops the oldest held segment or, when none is held, the next segment
 * that enters the wire. */
void               hs_sim_drop_next            (HsSim *self);
/* Delivers the oldest held segment; FALSE when none is held. */
gboolean           hs_sim_deliver              (HsSim *self);
/* Delivers or drops the held segment recorded at @trace_index ("drop
 * this"); FALSE when no such segment is held. */
gboolean           hs_sim_deliver_segment      (HsSim *self,
                                                guint  trace_index);
gboolean           hs_sim_drop_segment         (HsSim *self,
                                                guint  trace_index);
/* Back to Auto: every held segment goes on, in the order they were sent. */
void               hs_sim_deliver_all          (HsSim *self);
guint              hs_sim_get_n_held           (HsSim *self);
/* The segments on the wire now, oldest first (held and flying). */
GArray            *hs_sim_get_wire             (HsSim *self);

/* The virtual clock (µs since the simulation began). */
gint64             hs_sim_get_now              (HsSim *self);
/* Runs every arrival and timer due within @us and moves the clock on. */
void               hs_sim_advance              (HsSim  *self,
                                                gint64  us);
/* Moves the clock to @time_us (never backwards). */
void               hs_sim_advance_to           (HsSim  *self,
                                                gint64  time_us);
/* When the next arrival or timer is due (G_MAXINT64: nothing will happen
 * by itself), for a caller that drives the clock in real time. */
gint64             hs_sim_get_next_deadline    (HsSim *self);
/* TRUE when nothing flies on the wire unheld and no timer is due but the
 * long ones (TIME_WAIT, an orphan's FIN_WAIT_2) and, while segments are
 * held, the retransmission timers: the effects of the last action are over. */
gboolean           hs_sim_is_idle              (HsSim *self);
/* Runs the clock until hs_sim_is_idle(), at most @cap_us of virtual time;
 * FALSE when the cap was reached first. */
gboolean           hs_sim_run_until_idle       (HsSim  *self,
                                                gint64  cap_us);
gboolean           hs_sim_has_time_wait        (HsSim *self);
/* Runs the clock until no socket is in TIME_WAIT (at most @cap_us). */
gboolean           hs_sim_run_until_time_wait_ends (HsSim  *self,
                                                    gint64  cap_us);

/* The model's socket table: an array of HsSimSocket, listener first. */
GArray            *hs_sim_get_sockets          (HsSim *self);

/* clang-format on */

G_END_DECLS
