/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-sock-diag"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hs-sock-diag.h"

/*
 * How much does one refresh of the socket table cost when the machine has
 * thousands of unrelated connections? Run it through run-sock-diag-bench.sh,
 * which gives it a private network namespace: it opens that many loopback
 * connections, plus the "session" (a listener on 5005 and one connection to
 * it), and times each strategy of reading the kernel's table.
 */

extern char **environ;

#define SESSION_PORT   5005
#define UNRELATED_PORT 6000

static int opt_connections = 10000;
static int opt_iterations = 2000;
static gboolean opt_callgrind = FALSE;
static char *opt_lookups_only = NULL;

static GOptionEntry entries[] = {
  { "connections", 'n', 0, G_OPTION_ARG_INT, &opt_connections,
    "Unrelated established connections to open (default 10000)", "N" },
  { "iterations", 'i', 0, G_OPTION_ARG_INT, &opt_iterations,
    "Refreshes timed for the exact lookups (default 2000; fewer for the slow ones)", "N" },
  { "callgrind", 0, 0, G_OPTION_ARG_NONE, &opt_callgrind,
    "Also count the instructions of the exact lookups with valgrind --tool=callgrind", NULL },
  { "lookups-only", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_lookups_only,
    "Internal: run only the lookups of LISTEN,CLIENT,SERVER ports (under callgrind)", "PORTS" },
  { NULL }
};

typedef struct
{
  HsAddress listener;
  HsAddress client; /* the client's end */
  HsAddress server; /* the accepted end */
} Session;

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

typedef struct
{
  const char *name;
  guint iterations;
  gint64 median_ns;
  gint64 p95_ns;
  gint64 min_ns;
  guint rows;
} Figure;

static void
summarize (Figure *figure, GArray *samples)
{
  g_array_sort (samples, compare_gint64);
  figure->iterations = samples->len;
  figure->min_ns = g_array_index (samples, gint64, 0);
  figure->median_ns = g_array_index (samples, gint64, samples->len / 2);
  figure->p95_ns = g_array_index (samples, gint64, MIN (samples->len - 1, samples->len * 95 / 100));
}

static char *
format_ns (gint64 ns)
{
  if (ns < 10000)
    return g_strdup_printf ("%.1f µs", ns / 1000.0);
  if (ns < 1000000)
    return g_strdup_printf ("%.0f µs", ns / 1000.0);
  return g_strdup_printf ("%.2f ms", ns / 1e6);
}

static void
print_figure (const Figure *f)
{
  g_autofree char *median = format_ns (f->median_ns);
  g_autofree char *p95 = format_ns (f->p95_ns);
  g_autofree char *min = format_ns (f->min_ns);

  g_autofree char *rows = f->rows > 0 ? g_strdup_printf ("%u", f->rows) : g_strdup ("–");

  printf ("| %s | %s | %s | %s | %u | %s |\n", f->name, median, p95, min, f->iterations, rows);
  fflush (stdout);
}

static void
die (const char *what)
{
  fprintf (stderr, "bench-sock-diag: %s: %s\n", what, g_strerror (errno));
  exit (1);
}

static void
address_of (int fd, gboolean peer, HsAddress *a)
{
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;

  if ((peer ? getpeername (fd, (struct sockaddr *) &sin, &len)
            : getsockname (fd, (struct sockaddr *) &sin, &len)) < 0)
    die ("getsockname");
  memset (a, 0, sizeof *a);
  a->family = 4;
  memcpy (a->addr, &sin.sin_addr, 4);
  a->port = ntohs (sin.sin_port);
}

static int
listen_loopback (guint16 port, int backlog)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (port) };
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0)
    die ("socket");
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, (struct sockaddr *) &sin, sizeof sin) < 0)
    die ("bind");
  if (listen (fd, backlog) < 0)
    die ("listen");
  return fd;
}

static int
connect_loopback (guint16 port)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0)
    die ("socket");
  if (connect (fd, (struct sockaddr *) &sin, sizeof sin) < 0)
    die ("connect");
  return fd;
}

static GArray *children; /* pid_t of the processes holding unrelated sockets */

static void
kill_children (void)
{
  for (guint i = 0; children != NULL && i < children->len; i++)
    {
      pid_t pid = g_array_index (children, pid_t, i);

      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
    }
  g_clear_pointer (&children, g_array_unref);
}

/* Opens @n connections to @listener and keeps both ends, then waits to be
 * killed (or to die with its parent). */
G_GNUC_NORETURN static void
hold_connections (int listener, int n, int ready_fd)
{
  int pending = 0;

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  for (int i = 0; i < n; i++)
    {
      connect_loopback (UNRELATED_PORT);
      /* Accept in batches, well inside the listener's backlog. */
      if (++pending == 1000 || i == n - 1)
        {
          for (; pending > 0; pending--)
            if (accept (listener, NULL, NULL) < 0)
              die ("accept");
        }
    }
  if (write (ready_fd, "", 1) != 1)
    die ("write");
  for (;;)
    pause ();
}

/* Opens @n connections on loopback. Each takes two descriptors, and the
 * open-file limit may not rise (no CAP_SYS_RESOURCE in a container), so
 * child processes hold them, a few thousand each. */
static void
open_unrelated (int n)
{
  int listener = listen_loopback (UNRELATED_PORT, 4096);
  struct rlimit rl;
  int per_child;

  if (getrlimit (RLIMIT_NOFILE, &rl) < 0)
    die ("getrlimit");
  rl.rlim_cur = rl.rlim_max;
  setrlimit (RLIMIT_NOFILE, &rl);
  per_child = (int) MIN ((rl.rlim_cur - 32) / 2, 4000);

  children = g_array_new (FALSE, FALSE, sizeof (pid_t));
  atexit (kill_children);
  for (int done = 0; done < n; done += per_child)
    {
      int fds[2];
      char byte;
      pid_t pid;

      if (pipe (fds) < 0)
        die ("pipe");
      pid = fork ();
      if (pid < 0)
        die ("fork");
      if (pid == 0)
        {
          close (fds[0]);
          hold_connections (listener, MIN (per_child, n - done), fds[1]);
        }
      g_array_append_val (children, pid);
      close (fds[1]);
      if (read (fds[0], &byte, 1) != 1)
        {
          fprintf (stderr, "bench-sock-diag: a child could not open its connections\n");
          exit (1);
        }
      close (fds[0]);
    }
}

static void
open_session (Session *session)
{
  int listener = listen_loopback (SESSION_PORT, 16);
  int client = connect_loopback (SESSION_PORT);
  int server = accept (listener, NULL, NULL);

  if (server < 0)
    die ("accept");
  address_of (listener, FALSE, &session->listener);
  address_of (client, FALSE, &session->client);
  address_of (server, FALSE, &session->server);
}

/* One refresh of the session's own sockets: three exact lookups. */
static guint
refresh_lookups (HsSockDiag *diag, const Session *s)
{
  HsSocketRow row;
  guint found = 0;

  found += hs_sock_diag_lookup_listener (diag, &s->listener, &row, NULL);
  found += hs_sock_diag_lookup (diag, &s->client, &s->server, &row, NULL);
  found += hs_sock_diag_lookup (diag, &s->server, &s->client, &row, NULL);
  return found;
}

/* Kept apart so callgrind can count exactly this (--toggle-collect). */
G_GNUC_NO_INLINE static guint
bench_lookup_loop (HsSockDiag *diag, const Session *s, int iterations)
{
  guint found = 0;

  for (int i = 0; i < iterations; i++)
    found += refresh_lookups (diag, s);
  return found;
}

static void
time_lookups (HsSockDiag *diag, const Session *s, const char *name, int iterations)
{
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (gint64));
  Figure figure = { name };

  for (int i = -iterations / 20 - 1; i < iterations; i++)
    {
      gint64 start = now_ns ();
      guint found = refresh_lookups (diag, s);
      gint64 elapsed = now_ns () - start;

      if (found != 3)
        {
          fprintf (stderr, "bench-sock-diag: only %u of the 3 session sockets found\n", found);
          exit (1);
        }
      if (i >= 0)
        g_array_append_val (samples, elapsed);
      figure.rows = found;
    }
  summarize (&figure, samples);
  print_figure (&figure);
}

static void
time_dump (HsSockDiag *diag, const char *name, gboolean filtered, int iterations)
{
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint16 port = SESSION_PORT;
  Figure figure = { name };

  for (int i = -2; i < iterations; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) rows = NULL;
      gint64 start = now_ns ();
      gint64 elapsed;

      rows = hs_sock_diag_dump (diag, &port, filtered ? 1 : 0, 0, &error);
      elapsed = now_ns () - start;
      if (rows == NULL)
        {
          fprintf (stderr, "bench-sock-diag: %s\n", error->message);
          exit (1);
        }
      if (i >= 0)
        g_array_append_val (samples, elapsed);
      figure.rows = rows->len;
    }
  summarize (&figure, samples);
  print_figure (&figure);
}

static void
time_command (const char *name, char **argv, int iterations)
{
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (gint64));
  posix_spawn_file_actions_t actions;
  Figure figure = { name };

  posix_spawn_file_actions_init (&actions);
  posix_spawn_file_actions_addopen (&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);

  for (int i = -1; i < iterations; i++)
    {
      gint64 start = now_ns ();
      pid_t pid;
      int status;
      int err;

      err = posix_spawnp (&pid, argv[0], &actions, NULL, argv, environ);
      if (err != 0)
        {
          fprintf (stderr, "bench-sock-diag: cannot run %s: %s\n", argv[0], g_strerror (err));
          posix_spawn_file_actions_destroy (&actions);
          return;
        }
      if (waitpid (pid, &status, 0) < 0)
        die ("waitpid");
      if (i >= 0)
        {
          gint64 elapsed = now_ns () - start;

          g_array_append_val (samples, elapsed);
        }
    }
  posix_spawn_file_actions_destroy (&actions);
  summarize (&figure, samples);
  print_figure (&figure);
}

/* Runs the lookups of this very program under callgrind and reads the
 * instruction count (user space only: the kernel's share is invisible). */
static void
count_instructions (const Session *s)
{
  g_autofree char *out =
      g_strdup_printf ("%s/bench-sock-diag-callgrind.%d.out", g_get_tmp_dir (), (int) getpid ());
  g_autofree char *out_arg = g_strconcat ("--callgrind-out-file=", out, NULL);
  g_autofree char *ports =
      g_strdup_printf ("%u,%u,%u", s->listener.port, s->client.port, s->server.port);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *contents = NULL;
  const int iterations = 1000;
  g_autofree char *iter_arg = g_strdup_printf ("--iterations=%d", iterations);
  char *argv[] = { "valgrind",
                   "--tool=callgrind",
                   "--toggle-collect=bench_lookup_loop",
                   out_arg,
                   self,
                   "--lookups-only",
                   ports,
                   iter_arg,
                   NULL };
  posix_spawn_file_actions_t actions;
  const char *totals;
  pid_t pid;
  int status;

  posix_spawn_file_actions_init (&actions);
  posix_spawn_file_actions_addopen (&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  if (posix_spawnp (&pid, "valgrind", &actions, NULL, argv, environ) != 0 ||
      waitpid (pid, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      printf ("\ncallgrind: valgrind did not run; no instruction count.\n");
      posix_spawn_file_actions_destroy (&actions);
      unlink (out);
      return;
    }
  posix_spawn_file_actions_destroy (&actions);

  if (g_file_get_contents (out, &contents, NULL, NULL) &&
      ((totals = strstr (contents, "\ntotals: ")) != NULL ||
       (totals = strstr (contents, "\nsummary: ")) != NULL))
    {
      guint64 ir = g_ascii_strtoull (strchr (totals, ':') + 1, NULL, 10);

      printf ("\ncallgrind: %" G_GUINT64_FORMAT " instructions (user space) for %d refreshes "
              "of 3 exact lookups = %" G_GUINT64_FORMAT " per refresh, %" G_GUINT64_FORMAT
              " per lookup\n",
              ir, iterations, ir / iterations, ir / iterations / 3);
    }
  else
    printf ("\ncallgrind: no totals in %s\n", out);
  unlink (out);
}

static int
lookups_only (void)
{
  g_autoptr (HsSockDiag) diag = hs_sock_diag_new ();
  g_auto (GStrv) ports = g_strsplit (opt_lookups_only, ",", 3);
  Session s = { 0 };

  if (g_strv_length (ports) != 3)
    return 2;
  hs_address_parse ("127.0.0.1", &s.listener);
  s.client = s.server = s.listener;
  s.listener.port = atoi (ports[0]);
  s.client.port = atoi (ports[1]);
  s.server.port = atoi (ports[2]);
  return bench_lookup_loop (diag, &s, opt_iterations) == 3u * opt_iterations ? 0 : 1;
}

int
main (int argc, char *argv[])
{
  g_autoptr (GOptionContext) context = g_option_context_new ("- time socket table refreshes");
  g_autoptr (GError) error = NULL;
  g_autoptr (HsSockDiag) netlink = NULL;
  g_autoptr (HsSockDiag) proc = NULL;
  g_autoptr (GArray) all = NULL;
  struct utsname uts;
  Session session;
  gint64 start;
  char *ss_argv[] = { "ss", "-tan", "sport = :5005 or dport = :5005", NULL };
  char *netstat_argv[] = { "sh", "-c", "netstat -tan | grep :5005", NULL };
  int slow;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-sock-diag: %s\n", error->message);
      return 2;
    }

  if (opt_lookups_only != NULL)
    return lookups_only ();

  netlink = hs_sock_diag_new ();
  proc = hs_sock_diag_new_proc ();
  if (hs_sock_diag_get_backend (netlink) != HS_SOCK_DIAG_BACKEND_NETLINK)
    {
      fprintf (stderr, "bench-sock-diag: %s\n", hs_sock_diag_get_fallback_reason (netlink));
      return 1;
    }

  start = now_ns ();
  open_unrelated (opt_connections);
  open_session (&session);

  all = hs_sock_diag_dump (netlink, NULL, 0, 0, &error);
  if (all == NULL)
    {
      fprintf (stderr, "bench-sock-diag: %s\n", error->message);
      return 1;
    }

  uname (&uts);
  printf ("Linux %s, %ld CPUs; %d unrelated connections opened in %.1f s; %u TCP sockets in "
          "the namespace.\n\n",
          uts.release, sysconf (_SC_NPROCESSORS_ONLN), opt_connections, (now_ns () - start) / 1e9,
          all->len);

  printf ("| Strategy (one refresh) | median | p95 | min | runs | rows |\n");
  printf ("|---|---|---|---|---|---|\n");

  slow = MAX (10, opt_iterations / 40);
  time_lookups (netlink, &session, "(1) netlink: 3 exact lookups (listener + both ends)",
                opt_iterations);
  time_dump (netlink, "(2) netlink: dump, kernel-filtered on port 5005", TRUE, slow * 4);
  time_dump (netlink, "(3) netlink: full dump", FALSE, slow);
  time_dump (proc, "(4) /proc/net/tcp{,6}: read, filter on port 5005", TRUE, slow);
  time_lookups (proc, &session, "(4b) /proc: 3 lookups (3 reads of the table)", MAX (5, slow / 2));
  time_command ("(5) `ss -tan 'sport = :5005 or dport = :5005'`", ss_argv, slow);
  time_command ("(6) `netstat -tan | grep :5005`", netstat_argv, MAX (5, slow / 2));

  if (opt_callgrind)
    count_instructions (&session);

  return 0;
}
