/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-connection-item.h"
#include "hs-inference.h"
#include "hs-network.h"
#include "hs-sim.h"
#include "hs-trace.h"
#include "hs-wire.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_SESSION (hs_session_get_type ())

G_DECLARE_FINAL_TYPE (HsSession, hs_session, HS, SESSION, GObject)

#define HS_SESSION_ERROR (hs_session_error_quark ())

typedef enum
{
  HS_SESSION_ERROR_INVALID_ADDRESS,
  HS_SESSION_ERROR_NOT_CONNECTED,
  HS_SESSION_ERROR_BUSY,
  HS_SESSION_ERROR_NETWORK,
  HS_SESSION_ERROR_UNAVAILABLE,
  HS_SESSION_ERROR_NO_WIRE,
  HS_SESSION_ERROR_NOT_ALLOWED,
} HsSessionError;

/* Who this process is on the host network (issue "Across machines"). */
typedef enum
{
  HS_SESSION_ROLE_LOCAL,  /* "This computer": client and server in one process */
  HS_SESSION_ROLE_SERVER, /* "Server for the class": accepts any client */
  HS_SESSION_ROLE_CLIENT, /* "Client of a server": connects to a server elsewhere */
} HsSessionRole;

/* How the session knows the segments of the host network. */
typedef enum
{
  HS_CAPTURE_MODE_INFERRED, /* implied by socket events and kernel states */
  HS_CAPTURE_MODE_CAPTURED, /* read from an AF_PACKET socket (root, CAP_NET_RAW) */
} HsCaptureMode;

#define HS_SESSION_DEFAULT_MAX_CONNECTIONS 256
#define HS_SESSION_DEFAULT_MAX_BYTES_KEPT  (64 * 1024)

GQuark         hs_session_error_quark        (void);

/*
 * One lesson: a network, its server and client, the trace they write and
 * the kernel's socket table. Views read the trace and the socket list; only
 * the session talks to sockets. Actions that fail also append an error
 * event to the trace and emit ::error with a sentence for a toast.
 */
HsSession     *hs_session_new                (void);
/* A session on @network: HS_NETWORK_HOST (as hs_session_new()) or
 * HS_NETWORK_SIM, where every action goes to an HsSim that records into the
 * session's trace. */
HsSession     *hs_session_new_for_network    (HsNetworkKind network);
/* The simulated network of a session on HS_NETWORK_SIM, else NULL. */
/* Any network: the lab starts its two hosts (and fails, with the reason,
 * where it cannot run). */
HsSession     *hs_session_try_new            (HsNetworkKind   network,
                                              GError        **error);
HsSim         *hs_session_get_sim            (HsSession *self);
/* On the simulated network, whether the virtual clock follows the wall
 * clock (TRUE, the default, for the window) or moves only when the caller
 * advances the HsSim (a scenario runner, for repeatable traces). */
void           hs_session_set_sim_realtime   (HsSession *self,
                                              gboolean   realtime);

HsNetworkKind  hs_session_get_network        (HsSession *self);
HsTrace       *hs_session_get_trace          (HsSession *self);
HsInference   *hs_session_get_inference      (HsSession *self);
/* A GListModel of HsSocketItem, updated in place. */
GListModel    *hs_session_get_sockets        (HsSession *self);
/* "netlink" or the translated reason for the /proc fallback. */
const char    *hs_session_get_table_source   (HsSession *self);

gboolean       hs_session_get_show_all       (HsSession *self);
void           hs_session_set_show_all       (HsSession *self,
                                              gboolean   show_all);

gboolean       hs_session_listen             (HsSession  *self,
                                              const char *address,
                                              guint16     port,
                                              GError    **error);
void           hs_session_stop_listening     (HsSession *self);
gboolean       hs_session_is_listening       (HsSession *self);
/* The listening port (the kernel's choice when 0 was asked). */
guint16        hs_session_get_listen_port    (HsSession *self);

/* Starts a connection; the outcome arrives in the trace (and ::error). */
gboolean       hs_session_connect            (HsSession  *self,
                                              const char *host,
                                              guint16     port,
                                              GError    **error);
/* Both sides connect() at once from fixed ports (lab and sim): with the
 * SYNs crossing, RFC 9293's simultaneous open. */
gboolean       hs_session_open_both          (HsSession  *self,
                                              guint16     client_port,
                                              guint16     server_port,
                                              GError    **error);
gboolean       hs_session_send               (HsSession  *self,
                                              HsSide      side,
                                              const char *text,
                                              GError    **error);
gboolean       hs_session_close              (HsSession *self,
                                              HsSide     side,
                                              GError   **error);
gboolean       hs_session_shutdown           (HsSession *self,
                                              HsSide     side,
                                              GError   **error);
gboolean       hs_session_abort              (HsSession *self,
                                              HsSide     side,
                                              GError   **error);

gboolean       hs_session_can_connect        (HsSession *self);
/* TRUE when @side of the current connection has an open socket. */
gboolean       hs_session_can_use            (HsSession *self,
                                              HsSide     side);
/* The current connection (the latest one), 0 when there is none. */
guint          hs_session_get_current        (HsSession *self);

/* Reads the kernel now (the session also polls by itself: every 16 ms while
 * something is changing, every 250 ms otherwise). */
void           hs_session_refresh            (HsSession *self);

/* TRUE when every effect of the last action has been seen: no connection
 * attempt in flight, the latest states of the session's own sockets
 * confirmed by the kernel, sent data read by the peer. A scenario runner
 * waits for this between steps. @what, when not settled, is a sentence
 * saying what has not happened yet. */
gboolean       hs_session_is_settled         (HsSession *self,
                                              char     **what);
/* The wire's controls, where the network has a wire (lab, sim): Auto or
 * Step (hold: every segment waits on the wire), drop the next segment,
 * deliver the oldest held one or one by its trace index, drop a held one,
 * deliver everything and go back to Auto. On the host network they fail
 * with HS_SESSION_ERROR_NO_WIRE. */
gboolean       hs_session_has_wire           (HsSession *self);
gboolean       hs_session_get_hold           (HsSession *self);
gboolean       hs_session_set_hold           (HsSession  *self,
                                              gboolean    hold,
                                              GError    **error);
gboolean       hs_session_drop_next          (HsSession  *self,
                                              GError    **error);
guint          hs_session_get_n_held         (HsSession *self);
gboolean       hs_session_deliver            (HsSession  *self,
                                              GError    **error);
gboolean       hs_session_deliver_segment    (HsSession  *self,
                                              guint       index,
                                              GError    **error);
gboolean       hs_session_drop_segment       (HsSession  *self,
                                              guint       index,
                                              GError    **error);
gboolean       hs_session_deliver_all        (HsSession  *self,
                                              GError    **error);
/* How long a segment takes to cross in Auto mode. */
void           hs_session_set_flight_time    (HsSession *self,
                                              guint      flight_time_ms);
/* The lab's wire (for pcap export), else NULL. */
HsWire        *hs_session_get_wire           (HsSession *self);

/* TRUE while any socket of the session is in TIME_WAIT. */
gboolean       hs_session_has_time_wait      (HsSession *self);

/* The role on the host network (property "role"). In the server role the
 * session accepts any client up to the connection cap, closes its end when
 * a client closes, reads the kernel's states of all its connections with
 * one filtered dump, and shows only its own ends; in the client role only
 * the client's end. Set it before listening or connecting. */
void           hs_session_set_role           (HsSession     *self,
                                              HsSessionRole  role);
HsSessionRole  hs_session_get_role           (HsSession *self);
/* In the server role, listening on anything but a loopback address needs
 * this set first (property "allow-remote"): letting other computers in is
 * always an explicit choice. */
void           hs_session_set_allow_remote   (HsSession *self,
                                              gboolean   allow);
gboolean       hs_session_get_allow_remote   (HsSession *self);
/* Server role: simultaneous connections (default 256). A client over the
 * cap is sent one line saying so and closed; see "n-refused". */
void           hs_session_set_max_connections (HsSession *self,
                                               guint      max);
guint          hs_session_get_max_connections (HsSession *self);
guint          hs_session_get_n_refused      (HsSession *self);
/* Bytes of a peer's data kept in the trace per connection (default
 * 64 KiB); later receive events say how much was not kept. */
void           hs_session_set_max_bytes_kept (HsSession *self,
                                              gsize      max);
/* A GListModel of HsConnectionItem: every connection of the session,
 * newest last, updated in place. */
GListModel    *hs_session_get_connections    (HsSession *self);
/* Closes (HS_APP_CLOSE) or aborts (HS_APP_ABORT) our end of connection
 * @id: a teacher ending one client's connection. */
gboolean       hs_session_end_connection     (HsSession    *self,
                                              guint         id,
                                              HsAppAction   action,
                                              GError      **error);

/* Capture: in the server and client roles, where the process may open an
 * AF_PACKET socket, the session captures its connections' segments
 * (provenance captured, absolute numbers) instead of inferring them.
 * Disable before listening or connecting to always infer. */
void           hs_session_set_capture_enabled (HsSession *self,
                                               gboolean   enabled);
/* Property "capture-mode". */
HsCaptureMode  hs_session_get_capture_mode   (HsSession *self);
/* A translated sentence for the UI saying which of the two is in use and,
 * when inferring in a role that would capture, why. */
const char    *hs_session_get_capture_description (HsSession *self);

/* clang-format on */

G_END_DECLS
