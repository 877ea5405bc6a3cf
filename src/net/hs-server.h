/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-endpoint.h"
#include "hs-segment.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_SERVER (hs_server_get_type ())

G_DECLARE_FINAL_TYPE (HsServer, hs_server, HS, SERVER, GObject)

/*
 * The server side: a listening socket with TCP_SAVE_SYN
 * set, so every accepted connection comes with the client's SYN exactly as
 * it arrived. ::accepted carries the new HsEndpoint (not yet started) and the
 * parsed SYN, or NULL when the kernel saved none (SYN cookies, old kernel).
 */
HsServer        *hs_server_new             (void);

gboolean         hs_server_listen          (HsServer        *self,
                                            const HsAddress *address,
                                            GError         **error);
/* Listens on @socket, already bound (a socket made in another network
 * namespace, say). */
gboolean         hs_server_listen_socket   (HsServer  *self,
                                            GSocket   *socket,
                                            GError   **error);
void             hs_server_stop            (HsServer *self);
gboolean         hs_server_is_listening    (HsServer *self);
/* The bound address, with the port the kernel chose when 0 was asked. */
const HsAddress *hs_server_get_address     (HsServer *self);
GSocket         *hs_server_get_socket      (HsServer *self);
/* Makes room for the descriptors of @n_connections connections while
 * listening, before a class arrives instead of while it does. */
void             hs_server_reserve         (HsServer *self,
                                            guint     n_connections);

/* Reads and parses TCP_SAVED_SYN of an accepted socket. The kernel hands it
 * out once. */
gboolean         hs_server_read_saved_syn  (GSocket  *socket,
                                            HsPacket *packet,
                                            GError  **error);

/* clang-format on */

G_END_DECLS
