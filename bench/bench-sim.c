/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-sim"

/*
 * How many whole lessons per second the simulated network plays headless
 * (docs/performance.md, "Simulated network"). Not a test: run it by hand,
 * e.g. `_build/bench/bench-sim 20000`.
 *
 * Three ways, each a complete connection from listen to CLOSED on both
 * ends (handshake, 5 bytes, four-way close, TIME_WAIT run out):
 *   sim      a fresh HsSim and HsTrace per lesson, driven directly;
 *   reuse    one HsSim for all lessons (a listener, one connection after
 *            another), what a long GUI session does;
 *   runner   the scenario file's steps through HsSession and HsRunner,
 *            as `handshake-cli run --network sim` plays them.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "hs-runner.h"
#include "hs-scenario.h"
#include "hs-session.h"
#include "hs-sim.h"

#define CAP_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

static const char *const lesson = "network sim\n"
                                  "listen 5005\n"
                                  "connect\n"
                                  "send client \"hello\"\n"
                                  "close client\n"
                                  "close server\n"
                                  "wait time-wait\n";

static void
play (HsSim *sim, guint16 port)
{
  hs_sim_connect (sim, "10.0.0.2", port, NULL);
  hs_sim_run_until_idle (sim, CAP_US);
  hs_sim_send (sim, HS_SIDE_CLIENT, (const guint8 *) "hello", 5, NULL);
  hs_sim_run_until_idle (sim, CAP_US);
  hs_sim_close (sim, HS_SIDE_CLIENT, NULL);
  hs_sim_run_until_idle (sim, CAP_US);
  hs_sim_close (sim, HS_SIDE_SERVER, NULL);
  hs_sim_run_until_idle (sim, CAP_US);
  hs_sim_run_until_time_wait_ends (sim, CAP_US);
}

static double
bench_fresh (guint n, guint *events)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (HsSim) sim = hs_sim_new (NULL, i + 1);

      hs_sim_listen (sim, 5005, NULL);
      play (sim, 5005);
      if (hs_sim_get_state (sim, 1, HS_SIDE_CLIENT) != HS_TCP_STATE_CLOSED ||
          hs_sim_get_state (sim, 1, HS_SIDE_SERVER) != HS_TCP_STATE_CLOSED)
        g_error ("lesson %u did not end CLOSED", i);
      *events = hs_trace_get_n_events (hs_sim_get_trace (sim));
    }
  return (g_get_monotonic_time () - start) / 1e6;
}

static double
bench_reuse (guint n)
{
  g_autoptr (HsSim) sim = hs_sim_new (NULL, 1);
  gint64 start = g_get_monotonic_time ();

  hs_sim_listen (sim, 5005, NULL);
  for (guint i = 0; i < n; i++)
    play (sim, 5005);
  if (hs_trace_get_n_connections (hs_sim_get_trace (sim)) != n + 1)
    g_error ("expected %u connections", n);
  return (g_get_monotonic_time () - start) / 1e6;
}

static double
bench_runner (guint n)
{
  g_autoptr (GPtrArray) steps = hs_scenario_parse (lesson, NULL);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (HsSession) session = hs_session_new_for_network (HS_NETWORK_SIM);
      g_autoptr (HsRunner) runner = hs_runner_new (session);
      g_autoptr (GError) error = NULL;

      if (!hs_runner_run (runner, steps, &error))
        g_error ("%s", error->message);
    }
  return (g_get_monotonic_time () - start) / 1e6;
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 20000;
  guint n_runner = MAX (n / 10, 1);
  guint events = 0;
  double t;

  if (n == 0)
    {
      fprintf (stderr, "usage: %s [LESSONS]\n", argv[0]);
      return 2;
    }

  /* Warm-up: page in code and the allocator's arenas. */
  bench_fresh (MIN (n, 1000), &events);

  t = bench_fresh (n, &events);
  printf ("sim     %8u lessons in %7.3f s: %9.0f lessons/s, %6.1f us each (%u trace events)\n", n,
          t, n / t, t * 1e6 / n, events);
  t = bench_reuse (n);
  printf ("reuse   %8u lessons in %7.3f s: %9.0f lessons/s, %6.1f us each\n", n, t, n / t,
          t * 1e6 / n);
  t = bench_runner (n_runner);
  printf ("runner  %8u lessons in %7.3f s: %9.0f lessons/s, %6.1f us each\n", n_runner, t,
          n_runner / t, t * 1e6 / n_runner);
  return 0;
}
