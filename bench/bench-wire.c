/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-wire"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "hs-lab.h"
#include "hs-wire.h"

/*
 * The lab's wire unpaced (docs/performance.md, "Lab wire"): a bulk transfer
 * from the client host to the server host through HsWire with Auto mode and
 * a flight time of 0, as "Deliver all" and fast-forward run it. Reports
 * throughput and the wire's own time per packet (reading, parsing,
 * recording in the trace, writing), as HsWireStats.busy_ns counts it.
 *
 * Usage: bench-wire [MEGABYTES [RUNS]]  (default 10 MB, 5 runs). Needs the
 * lab (root here; see hs_lab_check_available()).
 */

typedef struct
{
  HsLab *lab;
  GSocket *listener;
  guint16 port;
  gsize total;
  gsize received;
  gint64 start_us;
  gint64 end_us;
  gint done; /* atomic: threads finished */
  GError *error;
} Run;

static gpointer
receiver_thread (gpointer data)
{
  Run *run = data;
  g_autoptr (GSocket) socket = NULL;
  g_autofree char *buffer = g_malloc (256 * 1024);
  GError *error = NULL;

  socket = g_socket_accept (run->listener, NULL, &error);
  if (socket == NULL)
    goto out;
  for (;;)
    {
      gssize len = g_socket_receive (socket, buffer, 256 * 1024, NULL, &error);

      if (len <= 0)
        break;
      run->received += len;
    }
  run->end_us = g_get_monotonic_time ();

out:
  if (error != NULL)
    run->error = error;
  g_atomic_int_inc (&run->done);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gpointer
sender_thread (gpointer data)
{
  Run *run = data;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) remote = NULL;
  g_autofree char *chunk = g_malloc0 (64 * 1024);
  GError *error = NULL;
  gsize sent = 0;

  socket = hs_lab_new_socket (run->lab, HS_SIDE_CLIENT, G_SOCKET_FAMILY_IPV4, &error);
  if (socket == NULL)
    goto out;
  remote = g_inet_socket_address_new_from_string ("10.0.0.2", run->port);
  run->start_us = g_get_monotonic_time ();
  if (!g_socket_connect (socket, remote, NULL, &error))
    goto out;
  while (sent < run->total)
    {
      gssize len = g_socket_send (socket, chunk, MIN (64 * 1024, run->total - sent), NULL, &error);

      if (len < 0)
        goto out;
      sent += len;
    }
  g_socket_shutdown (socket, FALSE, TRUE, &error);

out:
  if (error != NULL)
    run->error = error;
  g_atomic_int_inc (&run->done);
  g_main_context_wakeup (NULL);
  return NULL;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;
  g_autofree char *reason = NULL;
  g_autoptr (HsLab) lab = NULL;
  guint megabytes = argc > 1 ? (guint) atoi (argv[1]) : 10;
  guint runs = argc > 2 ? (guint) atoi (argv[2]) : 5;
  double *mbps = g_new0 (double, runs);
  double *ns_per_packet = g_new0 (double, runs);

  g_setenv ("HANDSHAKE_LAB_HELPER", HS_BENCH_LAB_HELPER, FALSE);

  if (!hs_lab_check_available (&reason))
    {
      g_printerr ("The lab is not available: %s\n", reason);
      return 77;
    }

  lab = hs_lab_new ();
  if (!hs_lab_start (lab, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  g_print ("%u MB from client to server through the wire, unpaced, %u runs\n", megabytes, runs);
  g_print ("run  seconds  MB/s    packets  segments  wire us/packet  wire CPU share\n");

  for (guint r = 0; r < runs; r++)
    {
      g_autoptr (HsTrace) trace = hs_trace_new ();
      g_autoptr (HsWire) wire = NULL;
      g_autoptr (GSocketAddress) local = NULL;
      HsAddress server;
      Run run = { 0 };
      GThread *threads[2];
      HsWireStats stats;
      double seconds;

      wire = hs_wire_new (trace, hs_lab_get_tun_fd (lab, HS_SIDE_CLIENT),
                          hs_lab_get_tun_fd (lab, HS_SIDE_SERVER), &error);
      g_assert_no_error (error);
      hs_wire_set_flight_time (wire, 0);

      hs_lab_get_host_address (HS_SIDE_SERVER, G_SOCKET_FAMILY_IPV4, &server);
      run.lab = lab;
      run.total = (gsize) megabytes * 1000 * 1000;
      run.listener = hs_lab_new_socket_bound (lab, HS_SIDE_SERVER, &server, &error);
      g_assert_no_error (error);
      g_socket_listen (run.listener, &error);
      g_assert_no_error (error);
      local = g_socket_get_local_address (run.listener, &error);
      run.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

      threads[0] = g_thread_new ("receiver", receiver_thread, &run);
      threads[1] = g_thread_new ("sender", sender_thread, &run);
      while (g_atomic_int_get (&run.done) < 2)
        g_main_context_iteration (NULL, TRUE);
      g_thread_join (threads[0]);
      g_thread_join (threads[1]);
      g_clear_object (&run.listener);
      if (run.error != NULL)
        g_error ("Run %u failed: %s", r + 1, run.error->message);
      g_assert_cmpuint (run.received, ==, run.total);

      hs_wire_get_stats (wire, &stats);
      seconds = (run.end_us - run.start_us) / 1e6;
      mbps[r] = run.total / seconds / 1e6;
      ns_per_packet[r] = (double) stats.busy_ns / stats.packets;
      g_print ("%3u  %7.3f  %6.1f  %7" G_GUINT64_FORMAT "  %8" G_GUINT64_FORMAT
               "  %14.2f  %13.0f %%\n",
               r + 1, seconds, mbps[r], stats.packets, stats.segments, ns_per_packet[r] / 1000,
               100.0 * stats.busy_ns / 1e9 / seconds);
    }

  qsort (mbps, runs, sizeof *mbps, compare_double);
  qsort (ns_per_packet, runs, sizeof *ns_per_packet, compare_double);
  g_print ("median: %.1f MB/s, %.2f us of wire time per packet\n", mbps[runs / 2],
           ns_per_packet[runs / 2] / 1000);

  g_free (mbps);
  g_free (ns_per_packet);
  return 0;
}
