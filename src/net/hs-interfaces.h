/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* clang-format off */

/* The addresses students should type to reach a server on this machine:
 * every non-loopback IPv4 and IPv6 address of an interface that is up
 * (getifaddrs()), IPv4 first, without duplicates. IPv6 link-local
 * addresses (fe80::/10) are left out: they cannot be typed without the
 * name of the student's own interface. Never NULL; free with g_strfreev(). */
char **hs_net_get_local_addresses (void);

/* TRUE when @address (an IP address as text) is a loopback address:
 * 127.0.0.0/8, ::1 or ::ffff:127.x.y.z. */
gboolean hs_net_address_is_loopback (const char *address);

/* clang-format on */

G_END_DECLS
