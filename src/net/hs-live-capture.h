/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-segment.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_LIVE_CAPTURE (hs_live_capture_get_type ())

G_DECLARE_FINAL_TYPE (HsLiveCapture, hs_live_capture, HS, LIVE_CAPTURE, GObject)

/*
 * Real segments of the session's own connections on the host network, read
 * from an AF_PACKET socket (root or CAP_NET_RAW only) through a classic BPF
 * filter that lets only TCP to or from the session's ports into user space.
 * Each segment is reported once through ::segment with its parsed headers
 * and the time it was read; loopback, which shows every packet twice (out
 * and in), is counted once.
 */
/* Fails (G_IO_ERROR_PERMISSION_DENIED without the capability) with a
 * sentence saying why; the caller then infers segments instead. */
HsLiveCapture *hs_live_capture_new          (GError **error);

/* Restricts the filter to TCP segments whose source or destination port is
 * one of @ports (nothing passes when @n_ports is 0). */
gboolean   hs_live_capture_set_ports    (HsLiveCapture     *self,
                                    const guint16 *ports,
                                    guint          n_ports,
                                    GError       **error);

/* Reads every packet already queued on the socket now (the session calls
 * it before it records what a socket event implies, so that segments come
 * first). */
void       hs_live_capture_drain        (HsLiveCapture *self);

guint64    hs_live_capture_get_n_packets (HsLiveCapture *self);

/* clang-format on */

G_END_DECLS
