/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hs-fixture-frames.h"
#include "hs-pace.h"
#include "hs-read-mux.h"

#define DEADLINE_US (20 * G_USEC_PER_SEC)
#define N_PAIRS     200

typedef struct
{
  int fds[2];
  guint id;
  guint n_ready;
  gboolean keep;      /* what the callback returns */
  gboolean drain;     /* whether it reads what is there */
  guint remove_other; /* a watch it removes, if not 0 */
} Pair;

static guint n_calls;
/* Another source's dispatch ended for a frame; reads since, before it. */
static gboolean yielded;
static guint reads_after_yield;

static gboolean
ready_cb (gpointer data)
{
  Pair *pair = data;
  char buffer[64];

  n_calls++;
  if (yielded)
    reads_after_yield++;
  pair->n_ready++;
  if (pair->drain)
    while (recv (pair->fds[0], buffer, sizeof buffer, MSG_DONTWAIT) > 0)
      ;
  if (pair->remove_other != 0)
    hs_read_mux_remove (pair->remove_other);
  return pair->keep;
}

static void
pair_open (Pair *pair)
{
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair->fds));
  pair->keep = TRUE;
  pair->drain = TRUE;
  pair->id = hs_read_mux_add (pair->fds[0], ready_cb, pair);
  g_assert_cmpuint (pair->id, !=, 0);
}

static void
pair_close (Pair *pair)
{
  hs_read_mux_remove (pair->id);
  close (pair->fds[0]);
  close (pair->fds[1]);
}

static void
poke (Pair *pair)
{
  g_assert_cmpint (write (pair->fds[1], "x", 1), ==, 1);
}

/* Runs the main loop until @pair has been called @n times. */
static void
wait_ready (Pair *pair, guint n)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (pair->n_ready < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* Of many watched connections, only those with something to read are
 * called, each with its own data; a watch that returns FALSE ends. */
static void
test_ready_only (void)
{
  Pair *pairs = g_new0 (Pair, N_PAIRS);
  guint watched = hs_read_mux_get_n_watched ();

  for (guint i = 0; i < N_PAIRS; i++)
    pair_open (&pairs[i]);
  g_assert_cmpuint (hs_read_mux_get_n_watched (), ==, watched + N_PAIRS);

  n_calls = 0;
  poke (&pairs[7]);
  poke (&pairs[150]);
  pairs[150].keep = FALSE;
  wait_ready (&pairs[7], 1);
  wait_ready (&pairs[150], 1);
  /* Nothing else is ready: an iteration that does not block calls none. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (n_calls, ==, 2);
  g_assert_cmpuint (hs_read_mux_get_n_watched (), ==, watched + N_PAIRS - 1);

  /* The one that returned FALSE is no longer called. */
  poke (&pairs[150]);
  poke (&pairs[7]);
  wait_ready (&pairs[7], 2);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (pairs[150].n_ready, ==, 1);

  for (guint i = 0; i < N_PAIRS; i++)
    pair_close (&pairs[i]);
  g_assert_cmpuint (hs_read_mux_get_n_watched (), ==, watched);
  g_free (pairs);
}

/* A callback may end another watch that is ready in the same batch: that
 * one is not called. A descriptor's number, taken again by a new
 * connection once the watch has ended and it is closed, is the new
 * connection's only. */
static void
test_removed_and_reused (void)
{
  Pair keep = { 0 }, a = { 0 }, b = { 0 }, c = { 0 };
  int number;

  /* Kept open throughout, so that the set stays while a and b go. */
  pair_open (&keep);
  pair_open (&a);
  pair_open (&b);
  a.remove_other = b.id;
  b.remove_other = a.id;
  poke (&a);
  poke (&b);
  {
    gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

    while (a.n_ready + b.n_ready == 0)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_main_context_iteration (NULL, TRUE);
      }
  }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  /* Whichever came first ended the other. */
  g_assert_cmpuint (a.n_ready + b.n_ready, ==, 1);

  /* The descriptor of a, out of the set and closed, numbered anew. */
  number = a.fds[0];
  pair_close (&a);
  pair_close (&b);
  pair_open (&c);
  g_assert_cmpint (c.fds[0] == number || c.fds[1] == number, ==, TRUE);
  if (c.fds[0] != number)
    {
      /* The pair came out the other way round: swap its ends. */
      hs_read_mux_remove (c.id);
      c.fds[1] = c.fds[0];
      c.fds[0] = number;
      c.id = hs_read_mux_add (c.fds[0], ready_cb, &c);
    }
  hs_read_mux_remove (a.id); /* again: nothing happens */
  poke (&c);
  wait_ready (&c, 1);
  pair_close (&c);
  pair_close (&keep);
}

/* Connections that always have something to read make room for frames,
 * as the listener and the capture do. */
static void
test_paced (void)
{
  Pair busy = { 0 };

  pair_open (&busy);
  busy.drain = FALSE; /* stays readable */
  poke (&busy);
  hs_pace_hold_frames ();
  hs_fixture_frames_while_busy (&busy.n_ready, 3);
  hs_pace_release_frames ();
  pair_close (&busy);
}

/* The listener, always ready while a class arrives, works until a frame is
 * due; the reads' set comes later in the same turn of the main loop. */
static gboolean
until_due_cb (int fd, GIOCondition condition, gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (hs_pace_work ())
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
  yielded = TRUE;
  return G_SOURCE_CONTINUE;
}

/* When another watched source's dispatch ended for a frame, the reads of
 * the same turn wait for the frame too. */
static void
test_same_turn (void)
{
  Pair busy = { 0 };
  int fds[2];
  GSource *listener;

  /* Made before the set, so dispatched before it in each turn. */
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  g_assert_cmpint (write (fds[1], "x", 1), ==, 1);
  listener = g_unix_fd_source_new (fds[0], G_IO_IN);
  g_source_set_callback (listener, G_SOURCE_FUNC (until_due_cb), NULL, NULL);
  g_source_attach (listener, NULL);
  hs_pace_watch (listener);

  pair_open (&busy);
  busy.drain = FALSE;
  poke (&busy);
  hs_pace_hold_frames ();
  hs_fixture_frames (5, &yielded);
  g_assert_cmpuint (reads_after_yield, ==, 0);
  yielded = FALSE;

  hs_pace_release_frames ();
  pair_close (&busy);
  hs_pace_unwatch (listener);
  g_source_destroy (listener);
  g_source_unref (listener);
  close (fds[0]);
  close (fds[1]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/read-mux/ready-only", test_ready_only);
  g_test_add_func ("/net/read-mux/removed-and-reused", test_removed_and_reused);
  g_test_add_func ("/net/read-mux/paced", test_paced);
  g_test_add_func ("/net/read-mux/same-turn", test_same_turn);

  return g_test_run ();
}
