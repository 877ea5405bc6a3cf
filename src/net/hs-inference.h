/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "hs-trace.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_INFERENCE (hs_inference_get_type ())

G_DECLARE_FINAL_TYPE (HsInference, hs_inference, HS, INFERENCE, GObject)

/*
 * On the host network the application cannot see segments, only what its
 * sockets do (connect, accept, read, EOF, errors) and what the kernel says
 * about their states. HsInference turns those observations into the segments
 * and state changes TCP's rules (RFC 9293) imply, appends them to the trace
 * with provenance "inferred", and lets the kernel confirm them.
 *
 * Every input is idempotent where the same fact can arrive twice (the
 * server's accept and the client's connect completion both prove the
 * handshake; an EOF and a kernel CLOSE_WAIT both prove a FIN), so the trace
 * does not depend on which callback runs first.
 */
HsInference *hs_inference_new                (HsTrace *trace);
HsTrace     *hs_inference_get_trace          (HsInference *self);

/* A new connection; the server's side starts from LISTEN when it is ours. */
guint        hs_inference_add_connection     (HsInference     *self,
                                              const HsAddress *client,
                                              const HsAddress *server);

void         hs_inference_app                (HsInference *self,
                                              guint        connection,
                                              HsSide       side,
                                              HsAppAction  action,
                                              const char  *text,
                                              GBytes      *data);
void         hs_inference_error              (HsInference  *self,
                                              guint         connection,
                                              HsSide        side,
                                              HsTraceError  kind,
                                              const char   *message);
/* A state change with no segment behind it (LISTEN, a listener closing). */
void         hs_inference_set_state          (HsInference  *self,
                                              guint         connection,
                                              HsSide        side,
                                              HsTcpState    state,
                                              HsStateSource source);

/* The connection's segments are captured (HsLiveCapture) and appended to the
 * trace by the capture: from now on the inference records states and
 * application events only, never a segment of its own. */
void         hs_inference_set_captured       (HsInference *self,
                                              guint        connection,
                                              gboolean     captured);
void         hs_inference_syn_sent           (HsInference *self,
                                              guint        connection);
void         hs_inference_syn_retransmitted  (HsInference *self,
                                              guint        connection,
                                              guint        count);
void         hs_inference_handshake_done     (HsInference *self,
                                              guint        connection);
/* The client's SYN as the server's kernel saved it: its ISN, window and
 * options become known, and the SYN on the diagram becomes captured. */
void         hs_inference_saved_syn          (HsInference    *self,
                                              guint           connection,
                                              const HsPacket *syn);
void         hs_inference_connect_failed     (HsInference  *self,
                                              guint         connection,
                                              HsTraceError  kind);

void         hs_inference_data_sent          (HsInference *self,
                                              guint        connection,
                                              HsSide       side,
                                              guint32      len);
void         hs_inference_data_received      (HsInference *self,
                                              guint        connection,
                                              HsSide       side,
                                              guint32      len);
/* @side's application closed (or shut down) its sending direction: FIN. */
void         hs_inference_fin_sent           (HsInference *self,
                                              guint        connection,
                                              HsSide       side);
/* @side's FIN reached the peer (its application read EOF, its kernel
 * shows CLOSE_WAIT). The peer acknowledges it at once, or, in ESTABLISHED,
 * with a delayed ACK that hs_inference_fin_acked() reports. */
void         hs_inference_fin_arrived        (HsInference *self,
                                              guint        connection,
                                              HsSide       side);
/* The ACK of @side's FIN reached @side (its kernel left FIN_WAIT_1). */
void         hs_inference_fin_acked          (HsInference *self,
                                              guint        connection,
                                              HsSide       side);
/* @side aborted: RST, both ends CLOSED. */
void         hs_inference_reset_sent         (HsInference *self,
                                              guint        connection,
                                              HsSide       side);

/* What the kernel reports for @side's socket: a state, or gone (UNKNOWN
 * with @gone TRUE). Explains the difference to the current belief with the
 * segments that must have happened, or records the kernel's state as is. */
void         hs_inference_kernel_state       (HsInference *self,
                                              guint        connection,
                                              HsSide       side,
                                              HsTcpState   state,
                                              gboolean     gone);

HsTcpState   hs_inference_get_state          (HsInference *self,
                                              guint        connection,
                                              HsSide       side);
/* When (g_get_monotonic_time()) @side last took a state that was not read
 * from the kernel as it is: what the application did, a segment, an
 * inference (one that explains a kernel's state too). 0 if never. */
gint64       hs_inference_get_changed_us     (HsInference *self,
                                              guint        connection,
                                              HsSide       side);
/* TRUE when the latest state of @side has been seen in the kernel. */
gboolean     hs_inference_is_confirmed       (HsInference *self,
                                              guint        connection,
                                              HsSide       side);
/* Bytes @side has sent that its peer has not yet been seen to receive. */
guint32      hs_inference_get_unacked        (HsInference *self,
                                              guint        connection,
                                              HsSide       side);
/* TRUE while @side's FIN is on its way, or @side is delaying an ACK: the
 * kernel will show the outcome soon. */
gboolean     hs_inference_get_waiting        (HsInference *self,
                                              guint        connection,
                                              HsSide       side);
gboolean     hs_inference_get_fin_sent       (HsInference *self,
                                              guint        connection,
                                              HsSide       side);

/* clang-format on */

G_END_DECLS
