/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sock-diag"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hs-sock-diag.h"
#include "hs-sock-diag-private.h"

/* Linux TCP_* states (include/net/tcp_states.h). */
enum
{
  ST_ESTABLISHED = 1,
  ST_SYN_SENT = 2,
  ST_SYN_RECV = 3,
  ST_FIN_WAIT2 = 5,
  ST_TIME_WAIT = 6,
  ST_CLOSE_WAIT = 8,
  ST_LISTEN = 10,
};

#define DEADLINE_US (5 * G_USEC_PER_SEC)

typedef struct
{
  int family; /* AF_INET or AF_INET6 */
  gboolean proc;
} Variant;

static const Variant v4_netlink = { AF_INET, FALSE };
static const Variant v6_netlink = { AF_INET6, FALSE };
static const Variant v4_proc = { AF_INET, TRUE };
static const Variant v6_proc = { AF_INET6, TRUE };

/* --- Helpers ------------------------------------------------------------ */

static void
hs_from_sockaddr (const struct sockaddr_storage *ss, HsAddress *a)
{
  memset (a, 0, sizeof *a);
  if (ss->ss_family == AF_INET)
    {
      const struct sockaddr_in *sin = (const struct sockaddr_in *) ss;

      a->family = 4;
      memcpy (a->addr, &sin->sin_addr, 4);
      a->port = ntohs (sin->sin_port);
    }
  else
    {
      const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ss;

      a->family = 6;
      memcpy (a->addr, &sin6->sin6_addr, 16);
      a->port = ntohs (sin6->sin6_port);
    }
}

static socklen_t
hs_to_sockaddr (const HsAddress *a, struct sockaddr_storage *ss)
{
  memset (ss, 0, sizeof *ss);
  if (a->family == 4)
    {
      struct sockaddr_in *sin = (struct sockaddr_in *) ss;

      sin->sin_family = AF_INET;
      memcpy (&sin->sin_addr, a->addr, 4);
      sin->sin_port = htons (a->port);
      return sizeof *sin;
    }
  else
    {
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;

      sin6->sin6_family = AF_INET6;
      memcpy (&sin6->sin6_addr, a->addr, 16);
      sin6->sin6_port = htons (a->port);
      return sizeof *sin6;
    }
}

static void
local_of (int fd, HsAddress *a)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;

  g_assert_no_errno (getsockname (fd, (struct sockaddr *) &ss, &len));
  hs_from_sockaddr (&ss, a);
}

static HsAddress
loopback (int family)
{
  HsAddress a = { 0 };

  if (family == AF_INET)
    {
      a.family = 4;
      a.addr[0] = 127;
      a.addr[3] = 1;
    }
  else
    {
      a.family = 6;
      a.addr[15] = 1;
    }
  return a;
}

/* Listens on the loopback address of @family (or on @bind_to) at a port
 * the kernel picks. Returns -1 and skips the test when that is impossible. */
static int
listen_at (const HsAddress *bind_to, int backlog, HsAddress *bound)
{
  struct sockaddr_storage ss;
  socklen_t len = hs_to_sockaddr (bind_to, &ss);
  int fd = socket (ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0 || bind (fd, (struct sockaddr *) &ss, len) < 0)
    {
      g_autofree char *what = hs_address_to_string (bind_to);
      g_autofree char *why = g_strdup_printf ("Cannot bind to %s: %s", what, g_strerror (errno));

      g_test_skip (why);
      if (fd >= 0)
        close (fd);
      return -1;
    }
  g_assert_no_errno (listen (fd, backlog));
  local_of (fd, bound);
  return fd;
}

static int
listen_on (int family, int backlog, HsAddress *bound)
{
  HsAddress lo = loopback (family);

  return listen_at (&lo, backlog, bound);
}

static int
connect_to (const HsAddress *server, gboolean nonblocking, HsAddress *local)
{
  struct sockaddr_storage ss;
  socklen_t len = hs_to_sockaddr (server, &ss);
  int fd = socket (ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  int ret;

  g_assert_cmpint (fd, >=, 0);
  ret = connect (fd, (struct sockaddr *) &ss, len);
  if (nonblocking)
    g_assert_true (ret == 0 || errno == EINPROGRESS);
  else
    g_assert_no_errno (ret);
  local_of (fd, local);
  return fd;
}

static int
accept_one (int listener)
{
  int fd = accept (listener, NULL, NULL);

  g_assert_no_errno (fd < 0 ? -1 : 0);
  return fd;
}

static HsSockDiag *
make_diag (const Variant *v)
{
  HsSockDiag *diag = v->proc ? hs_sock_diag_new_proc () : hs_sock_diag_new ();

  if (v->proc)
    {
      g_assert_cmpint (hs_sock_diag_get_backend (diag), ==, HS_SOCK_DIAG_BACKEND_PROC);
      g_assert_nonnull (hs_sock_diag_get_fallback_reason (diag));
      if (!g_file_test ("/proc/net/tcp", G_FILE_TEST_EXISTS))
        {
          g_test_skip ("/proc/net/tcp does not exist here");
          g_object_unref (diag);
          return NULL;
        }
    }
  else if (hs_sock_diag_get_backend (diag) != HS_SOCK_DIAG_BACKEND_NETLINK)
    {
      g_test_skip (hs_sock_diag_get_fallback_reason (diag));
      g_object_unref (diag);
      return NULL;
    }

  return diag;
}

/* Polls the kernel until the socket (@local, @remote) is in @state. */
static gboolean
wait_for_state (HsSockDiag *diag,
                const HsAddress *local,
                const HsAddress *remote,
                guint8 state,
                HsSocketRow *row)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  HsSocketRow last = { 0 };

  do
    {
      g_autoptr (GError) error = NULL;

      if (hs_sock_diag_lookup (diag, local, remote, &last, &error) && last.linux_state == state)
        {
          if (row != NULL)
            *row = last;
          return TRUE;
        }
      g_assert_no_error (error);
      g_usleep (2000);
    }
  while (g_get_monotonic_time () < deadline);

  g_test_message ("Waited in vain for state %u; last seen %u", state, last.linux_state);
  return FALSE;
}

static gboolean
wait_for_gone (HsSockDiag *diag, const HsAddress *local, const HsAddress *remote)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  do
    {
      g_autoptr (GError) error = NULL;

      if (!hs_sock_diag_lookup (diag, local, remote, NULL, &error))
        {
          g_assert_no_error (error);
          return TRUE;
        }
      g_usleep (2000);
    }
  while (g_get_monotonic_time () < deadline);

  return FALSE;
}

static gboolean
wait_for_listener_backlog (HsSockDiag *diag, const HsAddress *server, guint32 backlog)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  do
    {
      g_autoptr (GError) error = NULL;
      HsSocketRow row;

      if (hs_sock_diag_lookup_listener (diag, server, &row, &error) && row.recv_q == backlog)
        return TRUE;
      g_assert_no_error (error);
      g_usleep (2000);
    }
  while (g_get_monotonic_time () < deadline);

  return FALSE;
}

static gboolean
wait_for_recv_q (HsSockDiag *diag, const HsAddress *local, const HsAddress *remote, guint32 bytes)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  do
    {
      g_autoptr (GError) error = NULL;
      HsSocketRow row;

      if (hs_sock_diag_lookup (diag, local, remote, &row, &error) && row.recv_q == bytes)
        return TRUE;
      g_assert_no_error (error);
      g_usleep (2000);
    }
  while (g_get_monotonic_time () < deadline);

  return FALSE;
}

static const HsSocketRow *
find_row (GArray *rows, const HsAddress *local, const HsAddress *remote)
{
  for (guint i = 0; i < rows->len; i++)
    {
      const HsSocketRow *row = &g_array_index (rows, HsSocketRow, i);

      if (hs_address_equal (&row->local, local) && hs_address_equal (&row->remote, remote))
        return row;
    }
  return NULL;
}

static void
assert_address_equal (const HsAddress *a, const HsAddress *b)
{
  g_autofree char *sa = hs_address_to_string (a);
  g_autofree char *sb = hs_address_to_string (b);

  g_assert_cmpstr (sa, ==, sb);
  g_assert_true (hs_address_equal (a, b));
}

/* --- Tests -------------------------------------------------------------- */

/* LISTEN, ESTABLISHED, FIN_WAIT2 / CLOSE_WAIT, TIME_WAIT, as the kernel
 * reports them for a real connection on loopback. */
static void
test_lifecycle (gconstpointer user_data)
{
  const Variant *v = user_data;
  g_autoptr (HsSockDiag) diag = make_diag (v);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rows = NULL;
  HsAddress server, client, zero = { 0 };
  HsSocketRow row;
  char buf[16];
  int lfd, cfd, afd;

  if (diag == NULL)
    return;

  lfd = listen_on (v->family, 16, &server);
  if (lfd < 0)
    return;
  zero.family = server.family;

  /* The listener, by an exact lookup with an unspecified remote end… */
  g_assert_true (hs_sock_diag_lookup (diag, &server, &zero, &row, &error));
  g_assert_no_error (error);
  g_assert_cmpint (row.linux_state, ==, ST_LISTEN);
  g_assert_cmpint (row.state, ==, HS_TCP_STATE_LISTEN);
  assert_address_equal (&row.local, &server);
  assert_address_equal (&row.remote, &zero);
  g_assert_cmpuint (row.recv_q, ==, 0);
  g_assert_cmpuint (row.uid, ==, getuid ());
  g_assert_cmpuint (row.inode, !=, 0);
  if (!v->proc)
    {
      g_assert_cmpuint (row.send_q, ==, 16);
      g_assert_true (row.has_info);
      g_assert_cmpuint (row.cookie, !=, 0);
    }

  /* …by the listener lookup, and in a dump. */
  memset (&row, 0, sizeof row);
  g_assert_true (hs_sock_diag_lookup_listener (diag, &server, &row, &error));
  g_assert_no_error (error);
  g_assert_cmpint (row.linux_state, ==, ST_LISTEN);
  assert_address_equal (&row.local, &server);

  rows = hs_sock_diag_dump (diag, &server.port, 1, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_row (rows, &server, &zero));
  g_assert_cmpint (find_row (rows, &server, &zero)->linux_state, ==, ST_LISTEN);
  g_clear_pointer (&rows, g_array_unref);

  /* A connection waiting to be accepted counts in the listener's Recv-Q. */
  cfd = connect_to (&server, FALSE, &client);
  g_assert_true (wait_for_listener_backlog (diag, &server, 1));
  afd = accept_one (lfd);
  g_assert_true (wait_for_listener_backlog (diag, &server, 0));

  g_assert_true (wait_for_state (diag, &client, &server, ST_ESTABLISHED, &row));
  g_assert_cmpint (row.state, ==, HS_TCP_STATE_ESTABLISHED);
  assert_address_equal (&row.local, &client);
  assert_address_equal (&row.remote, &server);
  g_assert_cmpuint (row.uid, ==, getuid ());
  g_assert_cmpuint (row.inode, !=, 0);
  if (!v->proc)
    {
      g_assert_true (row.has_info);
      g_assert_cmpuint (row.cookie, !=, 0);
      g_assert_cmpuint (row.snd_wnd, >, 0);
    }
  else
    g_assert_false (row.has_info);
  g_assert_true (wait_for_state (diag, &server, &client, ST_ESTABLISHED, &row));
  g_assert_cmpuint (row.inode, !=, 0);

  /* Unread bytes show in Recv-Q, then in tcpi_bytes_received. */
  g_assert_cmpint (write (cfd, "hello", 5), ==, 5);
  g_assert_true (wait_for_recv_q (diag, &server, &client, 5));
  g_assert_cmpint (read (afd, buf, sizeof buf), ==, 5);
  g_assert_true (hs_sock_diag_lookup (diag, &server, &client, &row, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (row.recv_q, ==, 0);
  if (!v->proc)
    g_assert_cmpuint (row.bytes_received, ==, 5);

  /* The client sends its FIN: FIN_WAIT2 after the ACK, CLOSE_WAIT opposite. */
  g_assert_no_errno (shutdown (cfd, SHUT_WR));
  g_assert_true (wait_for_state (diag, &client, &server, ST_FIN_WAIT2, &row));
  g_assert_cmpint (row.state, ==, HS_TCP_STATE_FIN_WAIT_2);
  g_assert_true (wait_for_state (diag, &server, &client, ST_CLOSE_WAIT, &row));
  g_assert_cmpint (row.state, ==, HS_TCP_STATE_CLOSE_WAIT);

  /* Closed by its program, the client's socket stays in FIN_WAIT2 (Linux
   * keeps it as a small time-wait socket with the FIN_WAIT2 sub-state). */
  close (cfd);
  g_assert_true (wait_for_state (diag, &client, &server, ST_FIN_WAIT2, &row));
  g_test_message ("Orphaned FIN_WAIT2: timer %u, expires %u ms, info %d", row.timer, row.expires_ms,
                  row.has_info);

  /* The server's FIN: TIME_WAIT on the client, the server socket gone. */
  g_assert_cmpint (read (afd, buf, sizeof buf), ==, 0);
  close (afd);
  g_assert_true (wait_for_state (diag, &client, &server, ST_TIME_WAIT, &row));
  g_assert_cmpint (row.state, ==, HS_TCP_STATE_TIME_WAIT);
  g_assert_cmpuint (row.timer, ==, 3);
  g_assert_cmpuint (row.expires_ms, >, 0);
  g_assert_cmpuint (row.expires_ms, <=, 60000);
  g_assert_false (row.has_info);
  g_assert_true (wait_for_gone (diag, &server, &client));

  rows = hs_sock_diag_dump (diag, &server.port, 1, 1u << ST_TIME_WAIT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_row (rows, &client, &server));
  g_assert_null (find_row (rows, &server, &zero));
  g_clear_pointer (&rows, g_array_unref);

  close (lfd);
  g_assert_false (hs_sock_diag_lookup_listener (diag, &server, &row, &error));
  g_assert_no_error (error);
}

/* Only sockets on the ports asked for come back; an unrelated one only in
 * a dump of everything. */
static void
test_port_filter (gconstpointer user_data)
{
  const Variant *v = user_data;
  g_autoptr (HsSockDiag) diag = make_diag (v);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rows = NULL;
  HsAddress a, b, a_client, b_client, zero = { 0 };
  int la, lb, ca, cb, aa, ab;
  guint16 ports[2];

  if (diag == NULL)
    return;

  la = listen_on (v->family, 8, &a);
  if (la < 0)
    return;
  lb = listen_on (v->family, 8, &b);
  zero.family = a.family;
  ca = connect_to (&a, FALSE, &a_client);
  cb = connect_to (&b, FALSE, &b_client);
  aa = accept_one (la);
  ab = accept_one (lb);
  g_assert_true (wait_for_state (diag, &a, &a_client, ST_ESTABLISHED, NULL));
  g_assert_true (wait_for_state (diag, &b, &b_client, ST_ESTABLISHED, NULL));

  rows = hs_sock_diag_dump (diag, &a.port, 1, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    {
      const HsSocketRow *row = &g_array_index (rows, HsSocketRow, i);

      g_assert_true (row->local.port == a.port || row->remote.port == a.port);
    }
  g_assert_nonnull (find_row (rows, &a, &zero));
  g_assert_nonnull (find_row (rows, &a, &a_client));
  g_assert_nonnull (find_row (rows, &a_client, &a));
  g_assert_null (find_row (rows, &b, &zero));
  g_assert_null (find_row (rows, &b_client, &b));
  g_assert_null (find_row (rows, &b, &b_client));
  g_clear_pointer (&rows, g_array_unref);

  rows = hs_sock_diag_dump (diag, NULL, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_row (rows, &a, &zero));
  g_assert_nonnull (find_row (rows, &b, &zero));
  g_assert_nonnull (find_row (rows, &b_client, &b));
  g_assert_nonnull (find_row (rows, &b, &b_client));
  g_clear_pointer (&rows, g_array_unref);

  /* Two ports, listeners only. */
  ports[0] = a.port;
  ports[1] = b.port;
  rows = hs_sock_diag_dump (diag, ports, 2, 1u << ST_LISTEN, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_nonnull (find_row (rows, &a, &zero));
  g_assert_nonnull (find_row (rows, &b, &zero));
  g_clear_pointer (&rows, g_array_unref);

  /* The client's ephemeral port matches as a local port too. The kernel
   * may give the same port number to other connections to other
   * destinations (a TIME_WAIT left by another test, say), so the rows are
   * checked, not counted. */
  rows = hs_sock_diag_dump (diag, &b_client.port, 1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, >=, 2);
  for (guint i = 0; i < rows->len; i++)
    {
      const HsSocketRow *row = &g_array_index (rows, HsSocketRow, i);

      g_assert_true (row->local.port == b_client.port || row->remote.port == b_client.port);
    }
  g_assert_nonnull (find_row (rows, &b_client, &b));
  g_assert_nonnull (find_row (rows, &b, &b_client));
  g_clear_pointer (&rows, g_array_unref);

  close (aa);
  close (ab);
  close (ca);
  close (cb);
  close (la);
  close (lb);
}

typedef struct
{
  GArray *rows;
  GError *error;
  gboolean done;
} AsyncResult;

static void
dump_ready_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  AsyncResult *res = user_data;

  res->rows = hs_sock_diag_dump_finish (HS_SOCK_DIAG (object), result, &res->error);
  res->done = TRUE;
}

static void
run_async (HsSockDiag *diag,
           const guint16 *ports,
           guint n_ports,
           GCancellable *cancellable,
           AsyncResult *res)
{
  memset (res, 0, sizeof *res);
  hs_sock_diag_dump_async (diag, ports, n_ports, 0, G_PRIORITY_DEFAULT, cancellable, dump_ready_cb,
                           res);
  while (!res->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
check_async (HsSockDiag *diag, int family)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  HsAddress server, zero = { 0 };
  AsyncResult res;
  int lfd;

  lfd = listen_on (family, 4, &server);
  if (lfd < 0)
    return;
  zero.family = server.family;

  run_async (diag, &server.port, 1, NULL, &res);
  g_assert_no_error (res.error);
  g_assert_nonnull (res.rows);
  g_assert_cmpuint (res.rows->len, ==, 1);
  g_assert_nonnull (find_row (res.rows, &server, &zero));
  g_array_unref (res.rows);

  g_cancellable_cancel (cancellable);
  run_async (diag, &server.port, 1, cancellable, &res);
  g_assert_error (res.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (res.rows);
  g_clear_error (&res.error);

  close (lfd);
}

static void
test_async (gconstpointer user_data)
{
  const Variant *v = user_data;
  g_autoptr (HsSockDiag) diag = make_diag (v);

  if (diag != NULL)
    check_async (diag, v->family);
}

static void
test_lookup_missing (gconstpointer user_data)
{
  const Variant *v = user_data;
  g_autoptr (HsSockDiag) diag = make_diag (v);
  g_autoptr (GError) error = NULL;
  HsAddress server, client, local, remote, v6;
  HsSocketRow row;
  int lfd, cfd, afd;

  if (diag == NULL)
    return;

  local = loopback (AF_INET);
  remote = loopback (AF_INET);
  local.port = 1;
  remote.port = 2;
  g_assert_false (hs_sock_diag_lookup (diag, &local, &remote, &row, &error));
  g_assert_no_error (error);

  /* A tuple on a listening port that no connection has: the kernel's
   * lookup would offer the listener, which is not what was asked for. */
  lfd = listen_on (AF_INET, 4, &server);
  if (lfd < 0)
    return;
  cfd = connect_to (&server, FALSE, &client);
  afd = accept_one (lfd);
  remote = client;
  remote.port = client.port == 65535 ? 1024 : client.port + 1;
  g_assert_false (hs_sock_diag_lookup (diag, &server, &remote, &row, &error));
  g_assert_no_error (error);
  g_assert_false (hs_sock_diag_lookup_listener (diag, &client, &row, &error));
  g_assert_no_error (error);

  /* Bad input is an error, not a crash. */
  v6 = loopback (AF_INET6);
  g_assert_false (hs_sock_diag_lookup (diag, &server, &v6, &row, &error));
  g_assert_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  memset (&local, 0, sizeof local);
  g_assert_false (hs_sock_diag_lookup (diag, &local, &local, &row, &error));
  g_assert_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (hs_sock_diag_lookup_listener (diag, &local, &row, &error));
  g_assert_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_ARGUMENT);

  close (afd);
  close (cfd);
  close (lfd);
}

static void
test_new_for_fd (void)
{
  g_autoptr (HsSockDiag) diag = NULL;
  g_autoptr (GError) error = NULL;
  HsAddress server, zero = { 0 };
  HsSocketRow row;
  int fd, lfd;

  diag = hs_sock_diag_new_for_fd (-1, &error);
  g_assert_null (diag);
  g_assert_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_FD);
  g_clear_error (&error);

  /* A closed descriptor number. */
  fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  diag = hs_sock_diag_new_for_fd (fd, &error);
  g_assert_null (diag);
  g_assert_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_FD);
  g_test_message ("Closed fd: %s", error->message);
  g_clear_error (&error);

  /* Not a socket; a socket of the wrong kind; netlink of the wrong kind. */
  fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  diag = hs_sock_diag_new_for_fd (fd, &error);
  g_assert_null (diag);
  g_assert_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_FD);
  g_clear_error (&error);
  g_assert_cmpint (fcntl (fd, F_GETFD), ==, -1); /* closed, as owned */

  diag = hs_sock_diag_new_for_fd (socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), &error);
  g_assert_null (diag);
  g_assert_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_FD);
  g_clear_error (&error);

  fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  g_assert_cmpint (fd, >=, 0);
  diag = hs_sock_diag_new_for_fd (fd, &error);
  g_assert_null (diag);
  g_assert_error (error, HS_SOCK_DIAG_ERROR, HS_SOCK_DIAG_ERROR_INVALID_FD);
  g_clear_error (&error);

  /* The real thing, unbound and non-blocking as another process might
   * hand it over. */
  fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG);
  if (fd < 0)
    {
      g_autofree char *why =
          g_strdup_printf ("No NETLINK_SOCK_DIAG socket: %s", g_strerror (errno));

      g_test_skip (why);
      return;
    }
  diag = hs_sock_diag_new_for_fd (fd, &error);
  g_assert_no_error (error);
  g_assert_nonnull (diag);
  g_assert_cmpint (hs_sock_diag_get_backend (diag), ==, HS_SOCK_DIAG_BACKEND_NETLINK);
  g_assert_null (hs_sock_diag_get_fallback_reason (diag));

  lfd = listen_on (AF_INET, 4, &server);
  if (lfd < 0)
    return;
  zero.family = 4;
  g_assert_true (hs_sock_diag_lookup (diag, &server, &zero, &row, &error));
  g_assert_no_error (error);
  g_assert_cmpint (row.linux_state, ==, ST_LISTEN);
  close (lfd);

  /* Dumps in a worker share the handed-over socket. */
  check_async (diag, AF_INET);
}

static void
test_environment (void)
{
  g_autoptr (HsSockDiag) normal = NULL;

  /* setenv() is unsafe once threads exist (earlier tests ran workers), so
   * the forced case runs in a fresh process. */
  if (g_test_subprocess ())
    {
      g_autoptr (HsSockDiag) forced = NULL;

      g_setenv ("HANDSHAKE_SOCK_DIAG", "proc", TRUE);
      forced = hs_sock_diag_new ();
      g_assert_cmpint (hs_sock_diag_get_backend (forced), ==, HS_SOCK_DIAG_BACKEND_PROC);
      g_assert_nonnull (strstr (hs_sock_diag_get_fallback_reason (forced), "HANDSHAKE_SOCK_DIAG"));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();

  if (g_strcmp0 (g_getenv ("HANDSHAKE_SOCK_DIAG"), "proc") == 0)
    {
      g_test_skip ("HANDSHAKE_SOCK_DIAG=proc is set for the whole run");
      return;
    }

  normal = hs_sock_diag_new ();
  if (hs_sock_diag_get_backend (normal) == HS_SOCK_DIAG_BACKEND_PROC)
    {
      g_assert_nonnull (hs_sock_diag_get_fallback_reason (normal));
      g_test_skip (hs_sock_diag_get_fallback_reason (normal));
      return;
    }
  g_assert_null (hs_sock_diag_get_fallback_reason (normal));
}

/* A half-open connection: with TCP_DEFER_ACCEPT the server drops the
 * client's bare ACK and keeps its request socket. */
static void
test_request_socket (gconstpointer user_data)
{
  const Variant *v = user_data;
  g_autoptr (HsSockDiag) diag = make_diag (v);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rows = NULL;
  HsAddress server, client;
  HsSocketRow row;
  int seconds = 10;
  int lfd, cfd;

  if (diag == NULL)
    return;

  lfd = listen_on (v->family, 4, &server);
  if (lfd < 0)
    return;
  g_assert_no_errno (setsockopt (lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof seconds));
  cfd = connect_to (&server, FALSE, &client);

  g_assert_true (wait_for_state (diag, &client, &server, ST_ESTABLISHED, NULL));
  /* The kernel keeps it as TCP_NEW_SYN_RECV but reports it as SYN_RECV,
   * through netlink (inet_req_diag_fill()) and /proc alike. */
  g_assert_true (wait_for_state (diag, &server, &client, ST_SYN_RECV, &row));
  g_assert_cmpint (row.state, ==, HS_TCP_STATE_SYN_RECEIVED);
  g_assert_cmpuint (row.timer, ==, 1);
  g_assert_false (row.has_info);
  g_test_message ("Request socket: expires %u ms, retransmits %u", row.expires_ms, row.retransmits);

  rows = hs_sock_diag_dump (diag, &server.port, 1, 1u << ST_SYN_RECV, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_nonnull (find_row (rows, &server, &client));

  close (cfd);
  close (lfd);
}

/* SYN_SENT: the listener's accept queue is full, so its kernel ignores
 * further SYNs and the client keeps retransmitting. */
static void
test_syn_sent (gconstpointer user_data)
{
  const Variant *v = user_data;
  g_autoptr (HsSockDiag) diag = make_diag (v);
  HsAddress server, client;
  HsSocketRow row;
  int fds[3];
  int lfd;

  if (diag == NULL)
    return;

  /* With a backlog of 1 the queue is full at two connections not yet
   * accepted (the kernel tests "more than the backlog"). */
  lfd = listen_on (v->family, 1, &server);
  if (lfd < 0)
    return;
  fds[0] = connect_to (&server, FALSE, &client);
  fds[1] = connect_to (&server, FALSE, &client);
  g_assert_true (wait_for_listener_backlog (diag, &server, 2));

  fds[2] = connect_to (&server, TRUE, &client);
  g_assert_true (wait_for_state (diag, &client, &server, ST_SYN_SENT, &row));
  g_assert_cmpint (row.state, ==, HS_TCP_STATE_SYN_SENT);
  g_assert_cmpuint (row.timer, ==, 1);
  g_assert_cmpuint (row.expires_ms, <=, 1000);
  g_test_message ("SYN_SENT: retransmission in %u ms", row.expires_ms);

  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    close (fds[i]);
  close (lfd);
}

/* An IPv6 listener on [::] takes IPv4 too; its sockets carry
 * ::ffff:127.0.0.1, reported as IPv4 (as GIO does). */
static void
test_mapped (gconstpointer user_data)
{
  const Variant *v = user_data;
  g_autoptr (HsSockDiag) diag = make_diag (v);
  g_autoptr (GError) error = NULL;
  HsAddress any6 = { .family = 6 }, server, server4, client;
  HsSocketRow row;
  int off = 0;
  int lfd, cfd, afd;

  if (diag == NULL)
    return;

  {
    struct sockaddr_storage ss;
    socklen_t len = hs_to_sockaddr (&any6, &ss);

    lfd = socket (AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || setsockopt (lfd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0 ||
        bind (lfd, (struct sockaddr *) &ss, len) < 0)
      {
        g_autofree char *why =
            g_strdup_printf ("No dual-stack IPv6 socket: %s", g_strerror (errno));

        g_test_skip (why);
        if (lfd >= 0)
          close (lfd);
        return;
      }
    g_assert_no_errno (listen (lfd, 4));
    local_of (lfd, &server);
  }

  server4 = loopback (AF_INET);
  server4.port = server.port;
  cfd = connect_to (&server4, FALSE, &client);
  afd = accept_one (lfd);

  g_assert_true (wait_for_state (diag, &server4, &client, ST_ESTABLISHED, &row));
  g_assert_cmpint (row.local.family, ==, 4);
  assert_address_equal (&row.local, &server4);
  assert_address_equal (&row.remote, &client);

  g_assert_true (hs_sock_diag_lookup_listener (diag, &server4, &row, &error));
  g_assert_no_error (error);
  assert_address_equal (&row.local, &server);

  close (afd);
  close (cfd);
  close (lfd);
}

static void
test_parse_proc (void)
{
  static const char tcp4[] =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
      "inode\n"
      "   0: 0100007F:138D 00000000:0000 0A 00000000:00000002 00:00000000 00000000  1000        0 "
      "4242 1 0000000000000000 100 0 0 10 0\n"
      "   1: 0100007F:138D 0100007F:A000 01 00000005:00000003 01:00000019 00000002     0        0 "
      "77 2 0000000000000000 20 4 30 10 -1\n"
      "   2: 0100007F:A001 0100007F:138D 06 00000000:00000000 03:00001770 00000000     0        0 "
      "0 3 0000000000000000\n"
      "\n"
      "garbage\n"
      "   3: 0100007F:A002\n"
      "   4: 0100007G:138D 0100007F:A000 01 00000000:00000000 00:00000000 00000000 0 0 1\n"
      "   5: 0100007F:138D 0100007F:A000 01 00000000:00000000 00:00000000 00000000 0 -3 9\n"
      "   6: 0100007F:138D";
  static const char tcp6[] =
      "  sl  local_address                         remote_address                        st\n"
      "   0: 0000000000000000FFFF00000100007F:138D 0000000000000000FFFF00000100007F:B000 01 "
      "00000000:00000000 00:00000000 00000000  1000        0 55 1 0000000000000000 20 4 0 10 -1\n"
      "   1: 00000000000000000000000001000000:138D 00000000000000000000000000000000:0000 0A "
      "00000000:00000000 00:00000000 00000000  1000        0 56 1 0000000000000000 100 0 0 10 0\n"
      "   2: 0100007F:138D 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n";
  g_autoptr (GArray) rows = g_array_new (FALSE, TRUE, sizeof (HsSocketRow));
  const HsSocketRow *row;
  HsAddress a;
  guint skipped;

  skipped = _hs_sock_diag_parse_proc (tcp4, strlen (tcp4), 4, NULL, 0, 0, 100, rows);
  g_assert_cmpuint (skipped, ==, 4); /* garbage, short, bad hex, cut off; blank lines pass */
  g_assert_cmpuint (rows->len, ==, 4);

  row = &g_array_index (rows, HsSocketRow, 0);
  g_assert_true (hs_address_parse ("127.0.0.1:5005", &a));
  assert_address_equal (&row->local, &a);
  g_assert_cmpuint (row->remote.family, ==, 4);
  g_assert_cmpuint (row->remote.port, ==, 0);
  g_assert_cmpuint (row->linux_state, ==, ST_LISTEN);
  g_assert_cmpuint (row->recv_q, ==, 2);
  g_assert_cmpuint (row->send_q, ==, 0);
  g_assert_cmpuint (row->uid, ==, 1000);
  g_assert_cmpuint (row->inode, ==, 4242);
  g_assert_false (row->has_info);

  row = &g_array_index (rows, HsSocketRow, 1);
  g_assert_cmpuint (row->linux_state, ==, ST_ESTABLISHED);
  g_assert_cmpuint (row->remote.port, ==, 0xA000);
  g_assert_cmpuint (row->send_q, ==, 5);
  g_assert_cmpuint (row->recv_q, ==, 3);
  g_assert_cmpuint (row->timer, ==, 1);
  g_assert_cmpuint (row->expires_ms, ==, 250);
  g_assert_cmpuint (row->retransmits, ==, 2);

  row = &g_array_index (rows, HsSocketRow, 2);
  g_assert_cmpuint (row->linux_state, ==, ST_TIME_WAIT);
  g_assert_cmpuint (row->timer, ==, 3);
  g_assert_cmpuint (row->expires_ms, ==, 60000);

  row = &g_array_index (rows, HsSocketRow, 3);
  g_assert_cmpuint (row->inode, ==, 9); /* a negative "timeout" column */

  /* The filters apply as in a dump. */
  g_array_set_size (rows, 0);
  {
    guint16 port = 0xA001;

    _hs_sock_diag_parse_proc (tcp4, strlen (tcp4), 4, &port, 1, 0, 100, rows);
    g_assert_cmpuint (rows->len, ==, 1);
    g_array_set_size (rows, 0);
    _hs_sock_diag_parse_proc (tcp4, strlen (tcp4), 4, NULL, 0, 1u << ST_LISTEN, 100, rows);
    g_assert_cmpuint (rows->len, ==, 1);
    g_array_set_size (rows, 0);
  }

  skipped = _hs_sock_diag_parse_proc (tcp6, strlen (tcp6), 6, NULL, 0, 0, 100, rows);
  g_assert_cmpuint (skipped, ==, 1); /* an IPv4-sized address in tcp6 */
  g_assert_cmpuint (rows->len, ==, 2);
  row = &g_array_index (rows, HsSocketRow, 0);
  assert_address_equal (&row->local, &a); /* ::ffff:127.0.0.1 */
  g_assert_cmpuint (row->remote.family, ==, 4);
  row = &g_array_index (rows, HsSocketRow, 1);
  g_assert_true (hs_address_parse ("[::1]:5005", &a));
  assert_address_equal (&row->local, &a);

  /* Nothing at all, or nothing but a header. */
  g_assert_cmpuint (_hs_sock_diag_parse_proc ("", 0, 4, NULL, 0, 0, 100, rows), ==, 0);
  g_assert_cmpuint (_hs_sock_diag_parse_proc ("  sl", 4, 4, NULL, 0, 0, 100, rows), ==, 0);
  g_assert_cmpuint (rows->len, ==, 2);
}

/* The program must be the one ss(8) sends for
 * `ss -tan 'sport = :5005 or dport = :5005'` (seen with strace). */
static void
test_port_filter_program (void)
{
  static const guint8 expected[] = {
    0x07, 0x10, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x8d, 0x13, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x14, 0x00, 0x08, 0x10, 0x14, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x8d, 0x13, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  guint16 ports[] = { 5005, 5005, 80 };
  g_autoptr (GBytes) program = NULL;
  g_autoptr (GBytes) expected_bytes = g_bytes_new_static (expected, sizeof expected);
  g_autofree guint16 *many = g_new0 (guint16, 5000);

  program = _hs_sock_diag_build_port_filter (ports, 1);
  g_assert_true (g_bytes_equal (program, expected_bytes));
  g_clear_pointer (&program, g_bytes_unref);

  /* Duplicates count once: two ports, four tests, three jumps. */
  program = _hs_sock_diag_build_port_filter (ports, 3);
  g_assert_cmpuint (g_bytes_get_size (program), ==, 4 * 16 + 3 * 4);
  g_clear_pointer (&program, g_bytes_unref);

  g_assert_null (_hs_sock_diag_build_port_filter (NULL, 0));
  for (guint i = 0; i < 5000; i++)
    many[i] = 1000 + i;
  g_assert_null (_hs_sock_diag_build_port_filter (many, 5000));
}

/* More ports than one program can hold: the kernel sends everything and the
 * filter runs here instead. */
static void
test_many_ports (void)
{
  g_autoptr (HsSockDiag) diag = make_diag (&v4_netlink);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rows = NULL;
  g_autofree guint16 *ports = g_new0 (guint16, 3000);
  HsAddress server, zero = { .family = 4 };
  int lfd;

  if (diag == NULL)
    return;
  lfd = listen_on (AF_INET, 4, &server);
  if (lfd < 0)
    return;

  /* About a thousand ports still fit in one program (40 KB) for the kernel. */
  {
    g_autofree guint16 *some = g_new0 (guint16, 1000);
    g_autoptr (GBytes) program = NULL;

    for (guint i = 0; i < 1000; i++)
      some[i] = server.port == 1 + i ? 65535 : 1 + i;
    some[999] = server.port;
    program = _hs_sock_diag_build_port_filter (some, 1000);
    g_assert_nonnull (program);
    g_assert_cmpuint (g_bytes_get_size (program), >, 32768);
    rows = hs_sock_diag_dump (diag, some, 1000, 1u << ST_LISTEN, &error);
    g_assert_no_error (error);
    g_assert_nonnull (find_row (rows, &server, &zero));
    g_clear_pointer (&rows, g_array_unref);
  }

  for (guint i = 0; i < 3000; i++)
    ports[i] = server.port == 1 + i ? 65535 : 1 + i;
  ports[1234] = server.port;
  rows = hs_sock_diag_dump (diag, ports, 3000, 1u << ST_LISTEN, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_row (rows, &server, &zero));
  for (guint i = 0; i < rows->len; i++)
    {
      const HsSocketRow *row = &g_array_index (rows, HsSocketRow, i);
      gboolean listed = FALSE;

      for (guint j = 0; j < 3000 && !listed; j++)
        listed = row->local.port == ports[j] || row->remote.port == ports[j];
      g_assert_true (listed);
    }
  close (lfd);
}

static void
add_variants (const char *name, GTestDataFunc func, gboolean with_proc)
{
  struct
  {
    const char *suffix;
    const Variant *variant;
    gboolean proc;
  } variants[] = {
    { "netlink/ipv4", &v4_netlink, FALSE },
    { "netlink/ipv6", &v6_netlink, FALSE },
    { "proc/ipv4", &v4_proc, TRUE },
    { "proc/ipv6", &v6_proc, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autofree char *path = NULL;

      if (variants[i].proc && !with_proc)
        continue;
      path = g_strdup_printf ("/net/sock-diag/%s/%s", name, variants[i].suffix);
      g_test_add_data_func (path, variants[i].variant, func);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  add_variants ("lifecycle", test_lifecycle, TRUE);
  add_variants ("port-filter", test_port_filter, TRUE);
  add_variants ("async", test_async, TRUE);
  add_variants ("lookup-missing", test_lookup_missing, TRUE);
  add_variants ("request-socket", test_request_socket, TRUE);
  add_variants ("syn-sent", test_syn_sent, TRUE);
  g_test_add_data_func ("/net/sock-diag/mapped/netlink", &v4_netlink, test_mapped);
  g_test_add_data_func ("/net/sock-diag/mapped/proc", &v4_proc, test_mapped);
  g_test_add_func ("/net/sock-diag/new-for-fd", test_new_for_fd);
  g_test_add_func ("/net/sock-diag/environment", test_environment);
  g_test_add_func ("/net/sock-diag/parse-proc", test_parse_proc);
  g_test_add_func ("/net/sock-diag/port-filter-program", test_port_filter_program);
  g_test_add_func ("/net/sock-diag/many-ports", test_many_ports);

  return g_test_run ();
}
