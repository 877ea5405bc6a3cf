/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* clang-format off */

/*
 * "HOST:PORT", "[ADDR]:PORT" (IPv6) and, where @host_required is FALSE,
 * "PORT" alone (then *@host is NULL), as typed on the command line or in the
 * window. Errors are sentences a student understands (G_IO_ERROR_INVALID_ARGUMENT).
 */
gboolean   hs_host_port_parse             (const char  *text,
                                           gboolean     host_required,
                                           char       **host,
                                           guint16     *port,
                                           GError     **error);
/* "host:port", with brackets around an IPv6 address. */
char      *hs_host_port_format            (const char *host,
                                           guint16     port);

/* clang-format on */

G_END_DECLS
