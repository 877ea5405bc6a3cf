/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-segment.h"
#include "hs-trace.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_ENDPOINT (hs_endpoint_get_type ())

G_DECLARE_FINAL_TYPE (HsEndpoint, hs_endpoint, HS, ENDPOINT, GObject)

/* Counters from the kernel's TCP_INFO for one socket. */
typedef struct
{
  guint8 state;            /* the kernel's TCP_* number */
  guint32 total_retrans;
  guint64 bytes_acked;
  guint64 bytes_received;
  guint32 snd_wnd;
} HsTcpInfo;

/*
 * One connected TCP socket of the application, on the client or the server
 * side. It keeps reading whatever arrives (so that closing sends FIN, not the
 * RST Linux sends when unread data is discarded) and reports it through
 * signals: ::received, ::eof, ::reset.
 */
HsEndpoint   *hs_endpoint_new             (GSocketConnection *connection,
                                           HsSide             side);

HsSide        hs_endpoint_get_side        (HsEndpoint *self);
GSocket      *hs_endpoint_get_socket      (HsEndpoint *self);
const HsAddress *hs_endpoint_get_local    (HsEndpoint *self);
const HsAddress *hs_endpoint_get_remote   (HsEndpoint *self);
gboolean      hs_endpoint_is_open         (HsEndpoint *self);
gboolean      hs_endpoint_get_eof         (HsEndpoint *self);
gboolean      hs_endpoint_get_write_shut  (HsEndpoint *self);

/* Starts reading; signals are emitted from the main context of the caller. */
void          hs_endpoint_start           (HsEndpoint *self);

gboolean      hs_endpoint_send            (HsEndpoint *self,
                                           GBytes     *bytes,
                                           GError    **error);
/* shutdown(SHUT_WR): sends FIN, keeps receiving. */
gboolean      hs_endpoint_shutdown        (HsEndpoint *self,
                                           GError    **error);
/* Reads what is still buffered, then close(): FIN if the connection is
 * still open in this direction. */
gboolean      hs_endpoint_close           (HsEndpoint *self,
                                           GError    **error);
/* SO_LINGER with a zero timeout, then close(): the kernel sends RST. */
gboolean      hs_endpoint_abort           (HsEndpoint *self,
                                           GError    **error);

gboolean      hs_tcp_info_read            (GSocket   *socket,
                                           HsTcpInfo *info);

/* clang-format on */

G_END_DECLS
