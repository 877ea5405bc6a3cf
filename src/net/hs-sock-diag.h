/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-segment.h"
#include "hs-tcp-state.h"

G_BEGIN_DECLS

/* clang-format off */

/* One TCP socket as the kernel reports it, the way a row of `ss -tan` or
 * `netstat -tan` shows it. Addresses of IPv6 sockets that carry IPv4
 * (::ffff:a.b.c.d) are given as IPv4, as GIO reports them. */
typedef struct
{
  HsAddress local;
  HsAddress remote;   /* family set, all zero with port 0 for a listener */
  HsTcpState state;   /* via hs_tcp_state_from_linux() */
  guint8 linux_state; /* raw TCP_*; a request socket (TCP_NEW_SYN_RECV inside the kernel)
                       * is reported as TCP_SYN_RECV (3), by netlink and /proc alike */
  guint32 recv_q;     /* LISTEN: current accept backlog; else unread bytes */
  guint32 send_q;     /* LISTEN: max backlog (0 from /proc); else unacknowledged bytes */
  guint8 timer;       /* 0 off, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 zero-window probe */
  guint32 expires_ms; /* time left on that timer */
  guint8 retransmits; /* retransmissions of the current segment (or of the SYN-ACK) */
  guint32 uid;
  guint64 inode;
  guint64 cookie;         /* the kernel's socket cookie; 0 from /proc */
  gboolean has_info;      /* the tcp_info fields below are valid (not for TIME_WAIT,
                           * NEW_SYN_RECV or the /proc fallback) */
  guint32 total_retrans;  /* tcpi_total_retrans */
  guint64 bytes_acked;    /* tcpi_bytes_acked */
  guint64 bytes_received; /* tcpi_bytes_received */
  guint32 snd_wnd;        /* tcpi_snd_wnd (Linux >= 5.4), else 0 */
} HsSocketRow;

typedef enum
{
  HS_SOCK_DIAG_BACKEND_NETLINK,
  HS_SOCK_DIAG_BACKEND_PROC,
} HsSockDiagBackend;

#define HS_SOCK_DIAG_ERROR (hs_sock_diag_error_quark ())

typedef enum
{
  HS_SOCK_DIAG_ERROR_FAILED,           /* the kernel refused or failed a request */
  HS_SOCK_DIAG_ERROR_INVALID_FD,       /* not an open NETLINK_SOCK_DIAG socket */
  HS_SOCK_DIAG_ERROR_INVALID_ARGUMENT, /* e.g. addresses of different families */
} HsSockDiagError;

#define HS_TYPE_SOCK_DIAG (hs_sock_diag_get_type ())

G_DECLARE_FINAL_TYPE (HsSockDiag, hs_sock_diag, HS, SOCK_DIAG, GObject)

GQuark hs_sock_diag_error_quark (void);

/* Netlink (NETLINK_SOCK_DIAG) if the kernel offers it, else /proc/net/tcp
 * and /proc/net/tcp6. Setting HANDSHAKE_SOCK_DIAG=proc forces the latter.
 * Never NULL. */
HsSockDiag *hs_sock_diag_new (void);
/* Always the /proc backend, whatever the environment says. */
HsSockDiag *hs_sock_diag_new_proc (void);
/* Takes ownership of @fd, an open NETLINK_SOCK_DIAG socket (e.g. one opened
 * in another network namespace); @fd is closed on error too. Asynchronous
 * dumps share this socket with lookups (a lookup may wait for a dump). */
HsSockDiag *hs_sock_diag_new_for_fd (int fd, GError **error);

HsSockDiagBackend hs_sock_diag_get_backend (HsSockDiag *self);
/* A translated one-line explanation of why /proc is read; NULL with netlink. */
const char *hs_sock_diag_get_fallback_reason (HsSockDiag *self);

/* Looks up the one socket with this 4-tuple (O(1) in the kernel). Returns
 * TRUE and fills @row when it exists, FALSE without error when it does not.
 * A listener is found with @remote all zero, port 0, of @local's family;
 * like hs_sock_diag_lookup_listener(), that may be one bound to the
 * wildcard address, whose row then says so. */
gboolean hs_sock_diag_lookup (HsSockDiag *self,
                              const HsAddress *local,
                              const HsAddress *remote,
                              HsSocketRow *row,
                              GError **error);
/* Finds the listener that would take a connection to @local: one bound to
 * exactly @local or to the wildcard address on its port (O(1) in the
 * kernel). FALSE without error when nothing listens there. */
gboolean hs_sock_diag_lookup_listener (HsSockDiag *self,
                                       const HsAddress *local,
                                       HsSocketRow *row,
                                       GError **error);

/* All TCP sockets (IPv4 and IPv6) whose local or remote port is one of
 * @ports (all sockets when @n_ports is 0), in states whose bit
 * (1 << linux_state) is set in @state_mask (0: all states). The kernel
 * filters, but it still walks its whole table. Returns a GArray of
 * HsSocketRow. */
GArray *hs_sock_diag_dump (HsSockDiag *self,
                           const guint16 *ports,
                           guint n_ports,
                           guint32 state_mask,
                           GError **error);
/* The same in a worker thread with its own netlink socket where possible,
 * so that the main loop never waits for the kernel's walk. @callback runs
 * at @io_priority. */
void hs_sock_diag_dump_async (HsSockDiag *self,
                              const guint16 *ports,
                              guint n_ports,
                              guint32 state_mask,
                              int io_priority,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);
GArray *hs_sock_diag_dump_finish (HsSockDiag *self, GAsyncResult *result, GError **error);

/* clang-format on */

G_END_DECLS
