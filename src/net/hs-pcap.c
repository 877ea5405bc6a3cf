/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-pcap"

#include "config.h"

#include "hs-pcap.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <pcap/pcap.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (pcap_t, pcap_close)

/* IP packets never exceed 64 KiB. */
#define SNAPLEN 65535

gboolean
hs_pcap_write (HsWire *wire, const char *path, guint *n_packets, GError **error)
{
  g_autoptr (pcap_t) pcap = NULL;
  pcap_dumper_t *dumper;
  HsTrace *trace;
  gint64 time_zero;
  guint n = 0, n_events;
  gboolean ok;

  g_return_val_if_fail (HS_IS_WIRE (wire), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_packets != NULL)
    *n_packets = 0;

  pcap = pcap_open_dead (DLT_RAW, SNAPLEN);
  if (pcap == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _ ("Could not write the capture file %s: %s"), path, g_strerror (ENOMEM));
      return FALSE;
    }

  dumper = pcap_dump_open (pcap, path);
  if (dumper == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _ ("Could not write the capture file %s: %s"), path, pcap_geterr (pcap));
      return FALSE;
    }

  trace = hs_wire_get_trace (wire);
  time_zero = hs_wire_get_time_zero (wire);
  n_events = hs_trace_get_n_events (trace);
  for (guint i = 0; i < n_events; i++)
    {
      const HsEvent *event = hs_trace_get_event (trace, i);
      struct pcap_pkthdr header = { 0 };
      const guint8 *data;
      gsize len;
      gint64 time_us;

      if (event->kind != HS_EVENT_SEGMENT || event->provenance != HS_PROVENANCE_CAPTURED ||
          !hs_wire_get_packet (wire, i, &data, &len))
        continue;

      time_us = time_zero + event->time_us;
      header.ts.tv_sec = (time_t) (time_us / G_USEC_PER_SEC);
      header.ts.tv_usec = (suseconds_t) (time_us % G_USEC_PER_SEC);
      header.caplen = header.len = (bpf_u_int32) len;
      pcap_dump ((u_char *) dumper, &header, data);
      n++;
    }

  ok = pcap_dump_flush (dumper) == 0 && !ferror (pcap_dump_file (dumper));
  pcap_dump_close (dumper);
  if (!ok)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _ ("Could not write the capture file %s: %s"), path, g_strerror (EIO));
      return FALSE;
    }

  if (n_packets != NULL)
    *n_packets = n;
  return TRUE;
}
