/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-segment.h"
#include "hs-sock-diag.h"
#include "hs-trace.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_LAB_ERROR (hs_lab_error_quark ())

typedef enum
{
  HS_LAB_ERROR_HELPER,      /* the helper is missing, did not start or stopped */
  HS_LAB_ERROR_SETUP,       /* the helper could not set up the two hosts */
  HS_LAB_ERROR_NOT_RUNNING, /* the lab is not started (or was stopped) */
  HS_LAB_ERROR_PROTOCOL,    /* the helper answered something unexpected */
  HS_LAB_ERROR_FAILED,      /* a request failed inside the lab */
} HsLabError;

#define HS_TYPE_LAB (hs_lab_get_type ())

G_DECLARE_FINAL_TYPE (HsLab, hs_lab, HS, LAB, GObject)

GQuark        hs_lab_error_quark        (void);

/* Checks, without starting anything, what the lab needs: not inside a
 * Flatpak sandbox, a TUN device this user may open, and (unless root) user
 * namespaces that are neither disabled nor restricted by AppArmor. Returns
 * TRUE when the lab should start; otherwise FALSE and, if @reason is not
 * NULL, a translated one-line reason (free it with g_free()). */
gboolean      hs_lab_check_available    (char **reason);

/* The hosts' fixed addresses (port 0): client 10.0.0.1 / fd00::1, server
 * 10.0.0.2 / fd00::2. @host is the client's or the server's namespace. */
void          hs_lab_get_host_address   (HsSide         host,
                                         GSocketFamily  family,
                                         HsAddress     *address);

HsLab        *hs_lab_new                (void);

/* Starts handshake-lab-helper (from LIBEXECDIR, or the path in the
 * environment variable HANDSHAKE_LAB_HELPER) and waits until both hosts are
 * up. Call it from a thread that lives as long as the lab, normally the
 * main thread: the helper dies with the thread that started it. */
void          hs_lab_start_async        (HsLab               *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean      hs_lab_start_finish       (HsLab         *self,
                                         GAsyncResult  *result,
                                         GError       **error);
/* The same, blocking the caller (for the CLI and tests): about 10–50 ms. */
gboolean      hs_lab_start              (HsLab         *self,
                                         GCancellable  *cancellable,
                                         GError       **error);

gboolean      hs_lab_is_running         (HsLab *self);
/* Whether the hosts have IPv6 addresses too (not when the kernel has IPv6
 * disabled). */
gboolean      hs_lab_has_ipv6           (HsLab *self);
/* The helper's process id while it runs, else 0. */
GPid          hs_lab_get_helper_pid     (HsLab *self);

/* The TUN device of @host's namespace: read what its kernel sends, write
 * what it should receive. Owned by the lab (do not close it); -1 when not
 * running. */
int           hs_lab_get_tun_fd         (HsLab  *self,
                                         HsSide  host);
/* The kernel socket table of @host's namespace; NULL when not running. */
HsSockDiag   *hs_lab_get_sock_diag      (HsLab  *self,
                                         HsSide  host);

/* A new, unbound TCP socket in @host's namespace (G_SOCKET_FAMILY_IPV4 or
 * IPV6): listen or connect with it as with any GSocket. Blocking mode, as
 * g_socket_new() makes them. */
GSocket      *hs_lab_new_socket         (HsLab          *self,
                                         HsSide          host,
                                         GSocketFamily   family,
                                         GError        **error);
/* The same, bound to @local (SO_REUSEADDR set), e.g. for a fixed port. An
 * error binding is a G_IO_ERROR such as G_IO_ERROR_ADDRESS_IN_USE. */
GSocket      *hs_lab_new_socket_bound   (HsLab            *self,
                                         HsSide            host,
                                         const HsAddress  *local,
                                         GError          **error);

/* Stops the helper and closes every descriptor the lab holds. Sockets
 * handed out stay usable until closed; the namespaces vanish with the last
 * of them. Called by dispose. */
void          hs_lab_stop               (HsLab *self);

/* clang-format on */

G_END_DECLS
