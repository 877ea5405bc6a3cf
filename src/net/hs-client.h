/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-endpoint.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_CLIENT (hs_client_get_type ())

G_DECLARE_FINAL_TYPE (HsClient, hs_client, HS, CLIENT, GObject)

/*
 * The client side: resolves the host itself and hands one address to
 * GSocketClient, so that exactly one SYN goes out per attempt (a host name
 * with several addresses would otherwise race them in parallel). Signals, in
 * order: ::connecting with the GSocket just before connect() sends the SYN,
 * then ::connected with the HsEndpoint (not yet started), or ::failed.
 */
HsClient     *hs_client_new                (void);

void          hs_client_connect            (HsClient   *self,
                                            const char *host,
                                            guint16     port);
/* Gives up a connection attempt still in SYN_SENT (closes its socket). */
void          hs_client_cancel             (HsClient *self);
gboolean      hs_client_is_connecting      (HsClient *self);
/* The socket of the attempt in progress (after ::connecting), else NULL. */
GSocket      *hs_client_get_pending_socket (HsClient *self);
/* The address the attempt in progress connects to (after resolving). */
GSocketAddress *hs_client_get_target      (HsClient *self);

/* clang-format on */

G_END_DECLS
