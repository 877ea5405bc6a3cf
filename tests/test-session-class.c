/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hs-live-capture.h"
#include "hs-connection-item.h"
#include "hs-interfaces.h"
#include "hs-session.h"

#define DEADLINE_US (20 * G_USEC_PER_SEC)

typedef gboolean (*Condition) (gpointer data);

/* Runs the main loop until @condition holds; fails after a generous
 * deadline instead of sleeping for a guessed time. */
static void
wait_for (Condition condition, gpointer data, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* A plain client of another program: a blocking socket to 127.0.0.1. */
static int
connect_to (guint16 port)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = g_htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  sin.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  g_assert_no_errno (connect (fd, (struct sockaddr *) &sin, sizeof sin));
  return fd;
}

static guint16
local_port (int fd)
{
  struct sockaddr_in sin;
  socklen_t len = sizeof sin;

  g_assert_no_errno (getsockname (fd, (struct sockaddr *) &sin, &len));
  return g_ntohs (sin.sin_port);
}

static HsSession *
new_server (guint max_connections)
{
  HsSession *session = hs_session_new ();
  g_autoptr (GError) error = NULL;

  hs_session_set_role (session, HS_SESSION_ROLE_SERVER);
  hs_session_set_max_connections (session, max_connections);
  g_assert_true (hs_session_listen (session, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  return session;
}

typedef struct
{
  HsSession *session;
  guint n;
  HsTcpState state;
  gboolean open;
} Want;

/* @n connections listed, every one in @state and (not) open. */
static gboolean
connections_are (gpointer data)
{
  Want *want = data;
  GListModel *model = hs_session_get_connections (want->session);

  if (g_list_model_get_n_items (model) != want->n)
    return FALSE;
  for (guint i = 0; i < want->n; i++)
    {
      g_autoptr (HsConnectionItem) item = g_list_model_get_item (model, i);

      if (hs_connection_item_get_state (item) != want->state ||
          hs_connection_item_get_open (item) != want->open)
        return FALSE;
    }
  return TRUE;
}

static void
test_allow_remote (void)
{
  g_autoptr (HsSession) session = hs_session_new ();
  g_autoptr (GError) error = NULL;

  hs_session_set_role (session, HS_SESSION_ROLE_SERVER);
  g_assert_false (hs_session_get_allow_remote (session));
  g_assert_false (hs_session_listen (session, "0.0.0.0", 0, &error));
  g_assert_error (error, HS_SESSION_ERROR, HS_SESSION_ERROR_NOT_ALLOWED);
  g_assert_false (hs_session_is_listening (session));
  g_clear_error (&error);

  /* Loopback needs no permission; anything else does, once given. */
  g_assert_true (hs_session_listen (session, "127.0.0.1", 0, &error));
  hs_session_stop_listening (session);
  hs_session_set_allow_remote (session, TRUE);
  g_assert_true (hs_session_listen (session, "0.0.0.0", 0, &error));
  g_assert_no_error (error);
}

static void
test_connections (void)
{
  g_autoptr (HsSession) session = new_server (256);
  guint16 port = hs_session_get_listen_port (session);
  GListModel *model = hs_session_get_connections (session);
  Want want = { session, 3, HS_TCP_STATE_ESTABLISHED, TRUE };
  int fds[3];
  gint64 before = g_get_monotonic_time ();

  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    fds[i] = connect_to (port);
  wait_for (connections_are, &want, "three established connections");

  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    {
      g_autoptr (HsConnectionItem) item = g_list_model_get_item (model, i);

      g_assert_cmpstr (hs_connection_item_get_address (item), ==, "127.0.0.1");
      g_assert_cmpuint (hs_connection_item_get_port (item), ==, local_port (fds[i]));
      g_assert_cmpint (hs_connection_item_get_since_us (item), >=, before);
      g_assert_cmpuint (hs_connection_item_get_bytes_received (item), ==, 0);
    }

  /* Bytes a client sends are counted on its row. */
  g_assert_cmpint (write (fds[1], "hello", 5), ==, 5);
  {
    g_autoptr (HsConnectionItem) item = g_list_model_get_item (model, 1);
    gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

    while (hs_connection_item_get_bytes_received (item) < 5)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_main_context_iteration (NULL, FALSE);
        g_usleep (1000);
      }
    g_assert_cmpuint (hs_connection_item_get_bytes_received (item), ==, 5);
  }

  /* Clients that close are followed by the server, and their rows stay,
   * closed. */
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    close (fds[i]);
  want.state = HS_TCP_STATE_CLOSED;
  want.open = FALSE;
  wait_for (connections_are, &want, "three closed connections");
}

static void
test_cap (void)
{
  g_autoptr (HsSession) session = new_server (1);
  guint16 port = hs_session_get_listen_port (session);
  Want want = { session, 1, HS_TCP_STATE_ESTABLISHED, TRUE };
  char reply[256] = { 0 };
  gsize got = 0;
  ssize_t n;
  int first, second;

  first = connect_to (port);
  wait_for (connections_are, &want, "the first connection");
  second = connect_to (port);

  /* The second client is told, then closed: read to the end. */
  while (TRUE)
    {
      g_main_context_iteration (NULL, FALSE);
      n = recv (second, reply + got, sizeof reply - 1 - got, MSG_DONTWAIT);
      if (n == 0)
        break;
      if (n > 0)
        got += n;
      else
        g_assert_cmpint (errno, ==, EAGAIN);
      g_usleep (1000);
    }
  g_assert_nonnull (strstr (reply, "full"));
  g_assert_cmpuint (hs_session_get_n_refused (session), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (hs_session_get_connections (session)), ==, 1);
  close (second);
  close (first);
}

/* The size of this process's table of descriptors. */
static guint
descriptor_table_size (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "FDSize:");
  g_assert_nonnull (line);
  return (guint) g_ascii_strtoull (line + strlen ("FDSize:"), NULL, 10);
}

/* A server has room for its class before the class arrives: the table
 * of descriptors already holds as many as the cap allows, and the soft
 * limit (1,024 on most desktops) lets them be opened. */
static void
test_room (void)
{
  g_autoptr (HsSession) session = NULL;
  struct rlimit saved, desktop;
  guint before = descriptor_table_size ();

  g_assert_no_errno (getrlimit (RLIMIT_NOFILE, &saved));
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 5200)
    {
      g_test_skip ("The hard limit on descriptors is below what the test's classes need");
      return;
    }
  g_assert_cmpuint (before, <, 3000);
  desktop = saved;
  desktop.rlim_cur = 1024;
  g_assert_no_errno (setrlimit (RLIMIT_NOFILE, &desktop));

  session = new_server (3000);
  g_assert_cmpuint (descriptor_table_size (), >=, 3000);
  g_assert_no_errno (getrlimit (RLIMIT_NOFILE, &desktop));
  g_assert_cmpuint (desktop.rlim_cur, >=, 3000);

  /* A larger cap, a larger room. */
  hs_session_set_max_connections (session, 5000);
  g_assert_cmpuint (descriptor_table_size (), >=, 5000);
  g_assert_no_errno (getrlimit (RLIMIT_NOFILE, &desktop));
  g_assert_cmpuint (desktop.rlim_cur, >=, 5000);

  g_assert_no_errno (setrlimit (RLIMIT_NOFILE, &saved));
}

static void
test_end_connection (void)
{
  g_autoptr (HsSession) session = new_server (256);
  g_autoptr (GError) error = NULL;
  g_autoptr (HsConnectionItem) item = NULL;
  Want want = { session, 1, HS_TCP_STATE_ESTABLISHED, TRUE };
  char byte;
  int fd;

  fd = connect_to (hs_session_get_listen_port (session));
  wait_for (connections_are, &want, "a connection");
  item = g_list_model_get_item (hs_session_get_connections (session), 0);

  g_assert_true (
      hs_session_end_connection (session, hs_connection_item_get_id (item), HS_APP_ABORT, &error));
  g_assert_no_error (error);
  g_assert_cmpint (recv (fd, &byte, 1, 0), ==, -1);
  g_assert_cmpint (errno, ==, ECONNRESET);
  close (fd);

  g_assert_false (
      hs_session_end_connection (session, hs_connection_item_get_id (item), HS_APP_CLOSE, &error));
  g_assert_error (error, HS_SESSION_ERROR, HS_SESSION_ERROR_NOT_CONNECTED);
}

static void
test_addresses (void)
{
  g_auto (GStrv) addresses = hs_net_get_local_addresses ();

  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_assert_false (hs_net_address_is_loopback (addresses[i]));
      g_assert_false (g_str_has_prefix (addresses[i], "fe80:"));
    }

  g_assert_true (hs_net_address_is_loopback ("127.0.0.1"));
  g_assert_true (hs_net_address_is_loopback ("127.1.2.3"));
  g_assert_true (hs_net_address_is_loopback ("::1"));
  g_assert_true (hs_net_address_is_loopback ("[::1]"));
  g_assert_true (hs_net_address_is_loopback ("::ffff:127.0.0.1"));
  g_assert_true (hs_net_address_is_loopback ("localhost"));
  g_assert_false (hs_net_address_is_loopback ("0.0.0.0"));
  g_assert_false (hs_net_address_is_loopback ("::"));
  g_assert_false (hs_net_address_is_loopback ("10.1.0.1"));
  g_assert_false (hs_net_address_is_loopback ("192.168.1.20"));
  g_assert_false (hs_net_address_is_loopback ("not an address"));
}

typedef struct
{
  guint n;
  guint n_syn;
  guint16 other_port;
  gboolean other_seen;
} Captured;

static void
segment_cb (HsLiveCapture *capture, const HsPacket *packet, gint64 time_us, gpointer user_data)
{
  Captured *captured = user_data;

  captured->n++;
  if (packet->flags == HS_TCP_SYN)
    captured->n_syn++;
  if (packet->src.port == captured->other_port || packet->dst.port == captured->other_port)
    captured->other_seen = TRUE;
}

static gboolean
handshake_captured (gpointer data)
{
  Captured *captured = data;

  return captured->n >= 3;
}

/* The packet socket sees the session's port and nothing else. */
static void
test_capture (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HsLiveCapture) capture = hs_live_capture_new (&error);
  Captured captured = { 0 };
  struct sockaddr_in sin = { .sin_family = AF_INET };
  socklen_t len = sizeof sin;
  int listener, other, a, b, c, d;
  guint16 port;

  if (capture == NULL)
    {
      g_test_skip (error->message);
      return;
    }

  listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  other = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sin.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  g_assert_no_errno (bind (listener, (struct sockaddr *) &sin, sizeof sin));
  g_assert_no_errno (bind (other, (struct sockaddr *) &sin, sizeof sin));
  g_assert_no_errno (listen (listener, 4));
  g_assert_no_errno (listen (other, 4));
  g_assert_no_errno (getsockname (listener, (struct sockaddr *) &sin, &len));
  port = g_ntohs (sin.sin_port);
  captured.other_port = local_port (other);

  g_assert_true (hs_live_capture_set_ports (capture, &port, 1, &error));
  g_assert_no_error (error);
  g_signal_connect (capture, "segment", G_CALLBACK (segment_cb), &captured);

  c = connect_to (captured.other_port);
  a = connect_to (port);
  wait_for (handshake_captured, &captured, "the handshake on the session's port");
  b = accept (listener, NULL, NULL);
  d = accept (other, NULL, NULL);
  hs_live_capture_drain (capture);

  /* Loopback shows each packet twice; the capture keeps one. */
  g_assert_cmpuint (captured.n_syn, ==, 1);
  g_assert_false (captured.other_seen);
  g_assert_cmpuint (captured.n, >=, 3);

  close (a);
  close (b);
  close (c);
  close (d);
  close (listener);
  close (other);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/class/allow-remote", test_allow_remote);
  g_test_add_func ("/net/class/connections", test_connections);
  g_test_add_func ("/net/class/cap", test_cap);
  g_test_add_func ("/net/class/room", test_room);
  g_test_add_func ("/net/class/end-connection", test_end_connection);
  g_test_add_func ("/net/class/addresses", test_addresses);
  g_test_add_func ("/net/class/capture", test_capture);

  return g_test_run ();
}
