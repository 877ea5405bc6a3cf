/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-lab.h"
#include "hs-sock-diag.h"
#include "hs-trace.h"
#include "hs-wire.h"

G_BEGIN_DECLS

/* clang-format off */
#define HS_TYPE_LAB_NETWORK (hs_lab_network_get_type ())

G_DECLARE_FINAL_TYPE (HsLabNetwork, hs_lab_network, HS, LAB_NETWORK, GObject)

/* One socket of the lab's socket table, and the host it lives on. */
typedef struct
{
  HsSide host;
  HsSocketRow row;
} HsLabSocket;

/*
 * The lab network (DESIGN.md, "Three networks"): the client application
 * runs its socket in the client host's namespace (10.0.0.1), the server in
 * the server host's (10.0.0.2), and every segment between them crosses the
 * application's wire (HsWire), which records it as captured. The states in
 * the trace are the kernels' own, read from each namespace with sock_diag
 * right after every segment leaves or arrives, so a state shows up between
 * the segment that caused it and the answer. Nothing here is inferred.
 *
 * Signals: ::changed when something may have changed what the user can do,
 * ::error (kind, message) with a sentence for a toast.
 */
HsLabNetwork *hs_lab_network_new             (HsTrace  *trace,
                                              GError  **error);

HsWire       *hs_lab_network_get_wire        (HsLabNetwork *self);

gboolean      hs_lab_network_listen          (HsLabNetwork  *self,
                                              guint16        port,
                                              GError       **error);
void          hs_lab_network_stop_listening  (HsLabNetwork *self);
gboolean      hs_lab_network_is_listening    (HsLabNetwork *self);
guint16       hs_lab_network_get_listen_port (HsLabNetwork *self);

/* @host: "10.0.0.2", or any name for the server ("localhost", "server",
 * 127.0.0.1 and an empty string mean it too); another address is tried as
 * written, which from the client host means no route. */
gboolean      hs_lab_network_connect         (HsLabNetwork  *self,
                                              const char    *host,
                                              guint16        port,
                                              GError       **error);
/* Both hosts connect() at once, each from its fixed port to the other's:
 * with the SYNs crossing on the wire, a simultaneous open. */
gboolean      hs_lab_network_open_both       (HsLabNetwork  *self,
                                              guint16        client_port,
                                              guint16        server_port,
                                              GError       **error);
gboolean      hs_lab_network_send            (HsLabNetwork  *self,
                                              HsSide         side,
                                              const char    *text,
                                              GError       **error);
gboolean      hs_lab_network_close           (HsLabNetwork  *self,
                                              HsSide         side,
                                              GError       **error);
gboolean      hs_lab_network_shutdown        (HsLabNetwork  *self,
                                              HsSide         side,
                                              GError       **error);
gboolean      hs_lab_network_abort           (HsLabNetwork  *self,
                                              HsSide         side,
                                              GError       **error);

gboolean      hs_lab_network_can_connect     (HsLabNetwork *self);
gboolean      hs_lab_network_can_use         (HsLabNetwork *self,
                                              HsSide        side);
guint         hs_lab_network_get_current     (HsLabNetwork *self);

/* Reads both kernels' states of the lab's connections into the trace. */
void          hs_lab_network_poll            (HsLabNetwork *self);
/* The sockets of both hosts, for the socket table: an array of
 * HsLabSocket. */
GArray       *hs_lab_network_get_sockets     (HsLabNetwork *self);

/* TRUE when the lab is quiet: no connection attempt or segment in flight
 * (held ones wait for the user), no socket waiting for the other host, the
 * wire silent for longer than Linux's delayed ACK. */
gboolean      hs_lab_network_is_settled      (HsLabNetwork  *self,
                                              char         **what);
gboolean      hs_lab_network_has_time_wait   (HsLabNetwork *self);
/* clang-format on */

G_END_DECLS
