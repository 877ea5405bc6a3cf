/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-wire.h"

G_BEGIN_DECLS

/* clang-format off */

/* Writes every segment @wire recorded in its trace (delivered, held or
 * dropped: everything the wire saw), in trace order, to a pcap file at
 * @path that Wireshark and tshark read: link type LINKTYPE_RAW (IPv4 and
 * IPv6 packets without a link header), microsecond timestamps from the
 * trace's times on the wall clock (hs_wire_get_time_zero()). Like libpcap,
 * takes "-" for the standard output. Sets @n_packets (may be NULL) to the
 * number of packets written. */
gboolean hs_pcap_write (HsWire      *wire,
                        const char  *path,
                        guint       *n_packets,
                        GError     **error);

/* clang-format on */

G_END_DECLS
