/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-trace.h"

G_BEGIN_DECLS

/* clang-format off */

/* Turns an error from GIO or the resolver into the trace's error kind, so
 * narration and toasts can explain it in a student's words. */
HsTraceError  hs_net_error_classify     (const GError *error);

/* A one-sentence, translated explanation of @error in the context of @what
 * (e.g. "listen on 127.0.0.1:5005", "connect to example.org:80"). */
char         *hs_net_error_explain      (const GError *error,
                                         HsTraceError  kind,
                                         const char   *address);

/* Fills @address from a GSocketAddress (IPv4 or IPv6); FALSE otherwise. */
gboolean      hs_address_from_gsocket_address (GSocketAddress *gaddress,
                                               HsAddress      *address);
GSocketAddress *hs_address_to_gsocket_address (const HsAddress *address);

/* clang-format on */

G_END_DECLS
