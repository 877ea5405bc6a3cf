/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How much hs_host_port_parse() accepts. */
typedef enum
{
  HS_HOST_PORT_DEFAULT = 0,             /* "PORT" alone is fine; port 0 is refused */
  HS_HOST_PORT_REQUIRE_HOST = 1 << 0,   /* a client must say which computer */
  HS_HOST_PORT_ALLOW_ANY_PORT = 1 << 1, /* a listener may ask for port 0: any free port */
} HsHostPortFlags;

/* clang-format off */

/*
 * "HOST:PORT", "[ADDR]:PORT" (IPv6) and, without HS_HOST_PORT_REQUIRE_HOST,
 * "PORT" alone (then *@host is NULL), as typed on the command line or in the
 * window. The port is 1 to 65535, or 0 to 65535 with HS_HOST_PORT_ALLOW_ANY_PORT.
 * Errors are sentences a student understands (G_IO_ERROR_INVALID_ARGUMENT).
 */
gboolean   hs_host_port_parse             (const char       *text,
                                           HsHostPortFlags   flags,
                                           char            **host,
                                           guint16          *port,
                                           GError          **error);
/* "host:port", with brackets around an IPv6 address. */
char      *hs_host_port_format            (const char *host,
                                           guint16     port);

/* clang-format on */

G_END_DECLS
