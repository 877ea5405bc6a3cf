/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hs-session.h"
#include "hs-socket-item.h"

#define DEADLINE_US (20 * G_USEC_PER_SEC)

typedef gboolean (*Condition) (HsSession *session, gpointer data);

/* Runs the main loop until @condition holds; fails the test after a
 * generous deadline instead of sleeping for a guessed time. */
static void
wait_for (HsSession *session, Condition condition, gpointer data, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (!condition (session, data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      hs_session_refresh (session);
      g_usleep (2000);
    }
}

static gboolean
settled (HsSession *session, gpointer data)
{
  return hs_session_is_settled (session, NULL);
}

/* The kernel's state for the socket owned by @owner, from the table. */
static HsSocketItem *
find_item (HsSession *session, const char *owner, HsTcpState state)
{
  GListModel *model = hs_session_get_sockets (session);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (HsSocketItem) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (hs_socket_item_get_owner (item), owner) == 0 &&
          hs_socket_item_get_state (item) == state)
        return item;
    }
  return NULL;
}

typedef struct
{
  const char *owner;
  HsTcpState state;
} Want;

static gboolean
has_item (HsSession *session, gpointer data)
{
  Want *want = data;

  return find_item (session, want->owner, want->state) != NULL;
}

static gboolean
no_item (HsSession *session, gpointer data)
{
  return !has_item (session, data);
}

static void
wait_item (HsSession *session, const char *owner, HsTcpState state)
{
  Want want = { owner, state };
  g_autofree char *what = g_strdup_printf ("the %s in %s", owner, hs_tcp_state_to_string (state));

  wait_for (session, has_item, &want, what);
}

static guint
count_events (HsTrace *trace, HsEventKind kind, guint8 flags)
{
  guint n = 0;

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);

      if (e->kind == kind && (kind != HS_EVENT_SEGMENT || e->flags == flags))
        n++;
    }
  return n;
}

static void
test_lifecycle (void)
{
  g_autoptr (HsSession) session = hs_session_new ();
  HsTrace *trace = hs_session_get_trace (session);
  g_autoptr (GError) error = NULL;
  HsSocketItem *tw;
  const HsEvent *syn = NULL;
  guint32 isn;
  guint conn;

  g_assert_true (hs_session_listen (session, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hs_session_get_listen_port (session), !=, 0);
  wait_item (session, "server", HS_TCP_STATE_LISTEN);

  g_assert_true (hs_session_can_connect (session));
  g_assert_true (
      hs_session_connect (session, "127.0.0.1", hs_session_get_listen_port (session), &error));
  g_assert_no_error (error);
  wait_for (session, settled, NULL, "the handshake");
  wait_item (session, "client", HS_TCP_STATE_ESTABLISHED);
  wait_item (session, "server", HS_TCP_STATE_ESTABLISHED);
  g_assert_false (hs_session_can_connect (session));
  g_assert_true (hs_session_can_use (session, HS_SIDE_CLIENT));
  g_assert_true (hs_session_can_use (session, HS_SIDE_SERVER));

  /* The client's ISN from the saved SYN is the SYN's sequence number. */
  conn = hs_session_get_current (session);
  g_assert_true (hs_trace_connection_get_isn (trace, conn, HS_SIDE_CLIENT, &isn));
  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);

      if (e->kind == HS_EVENT_SEGMENT && e->flags == HS_TCP_SYN && e->connection == conn)
        syn = e;
    }
  g_assert_nonnull (syn);
  g_assert_cmpint (syn->provenance, ==, HS_PROVENANCE_CAPTURED);
  g_assert_cmpuint (syn->rel_seq, ==, 0);
  g_assert_true (syn->window_known);
  g_assert_true (syn->options.present & HS_TCP_OPTION_MSS);

  g_assert_true (hs_session_send (session, HS_SIDE_CLIENT, "hello", &error));
  g_assert_no_error (error);
  wait_for (session, settled, NULL, "the data to be read");

  /* The client alone closes: FIN_WAIT_2 and CLOSE_WAIT, as the kernel says. */
  g_assert_true (hs_session_close (session, HS_SIDE_CLIENT, &error));
  g_assert_no_error (error);
  wait_for (session, settled, NULL, "the first half of the close");
  wait_item (session, "client", HS_TCP_STATE_FIN_WAIT_2);
  wait_item (session, "server", HS_TCP_STATE_CLOSE_WAIT);
  g_assert_cmpint (hs_inference_get_state (hs_session_get_inference (session), conn,
                                           HS_SIDE_SERVER),
                   ==, HS_TCP_STATE_CLOSE_WAIT);
  g_assert_true (
      hs_inference_is_confirmed (hs_session_get_inference (session), conn, HS_SIDE_SERVER));

  g_assert_true (hs_session_close (session, HS_SIDE_SERVER, &error));
  g_assert_no_error (error);
  wait_for (session, settled, NULL, "the second half of the close");
  wait_item (session, "client", HS_TCP_STATE_TIME_WAIT);
  tw = find_item (session, "client", HS_TCP_STATE_TIME_WAIT);
  /* The TIME_WAIT countdown comes from the kernel's timer: "59 s" or so. */
  g_assert_true (g_str_has_suffix (hs_socket_item_get_timer (tw), " s"));
  g_assert_cmpint (atoi (hs_socket_item_get_timer (tw)), >, 0);
  g_assert_cmpint (atoi (hs_socket_item_get_timer (tw)), <=, 60);
  g_assert_true (hs_session_has_time_wait (session));
  g_assert_true (hs_session_can_connect (session));

  g_assert_cmpuint (count_events (trace, HS_EVENT_SEGMENT, HS_TCP_FIN | HS_TCP_ACK), ==, 2);
  g_assert_cmpuint (count_events (trace, HS_EVENT_SEGMENT, HS_TCP_RST | HS_TCP_ACK), ==, 0);
  g_assert_cmpuint (count_events (trace, HS_EVENT_ERROR, 0), ==, 0);
}

static void
error_cb (HsSession *session, guint kind, const char *message, guint *last_kind)
{
  *last_kind = kind;
}

static gboolean
error_seen (HsSession *session, gpointer data)
{
  return *(guint *) data != G_MAXUINT;
}

static void
test_refused (void)
{
  g_autoptr (HsSession) session = hs_session_new ();
  HsTrace *trace = hs_session_get_trace (session);
  g_autoptr (GError) error = NULL;
  guint kind = G_MAXUINT;
  guint16 port;
  int fd;
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sin;

  /* A port that was just free and is bound by nobody. */
  fd = socket (AF_INET, SOCK_STREAM, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &sin, &len), ==, 0);
  port = ntohs (sin.sin_port);
  close (fd);

  g_signal_connect (session, "error", G_CALLBACK (error_cb), &kind);
  g_assert_true (hs_session_connect (session, "127.0.0.1", port, &error));
  wait_for (session, error_seen, &kind, "connection refused");
  g_assert_cmpuint (kind, ==, HS_TRACE_ERROR_CONNECTION_REFUSED);
  g_assert_cmpuint (count_events (trace, HS_EVENT_SEGMENT, HS_TCP_RST | HS_TCP_ACK), ==, 1);
  g_assert_cmpint (hs_trace_get_state_at (trace, hs_session_get_current (session), HS_SIDE_CLIENT,
                                          G_MAXUINT),
                   ==, HS_TCP_STATE_CLOSED);
  g_assert_true (hs_session_can_connect (session));
}

static void
test_bad_input (void)
{
  g_autoptr (HsSession) session = hs_session_new ();
  g_autoptr (GError) error = NULL;
  int fd;
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sin;
  guint kind = G_MAXUINT;

  g_assert_false (hs_session_listen (session, "not an address", 5005, &error));
  g_assert_error (error, HS_SESSION_ERROR, HS_SESSION_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);

  g_assert_false (hs_session_connect (session, "  ", 5005, &error));
  g_assert_error (error, HS_SESSION_ERROR, HS_SESSION_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);

  g_assert_false (hs_session_send (session, HS_SIDE_CLIENT, "x", &error));
  g_assert_error (error, HS_SESSION_ERROR, HS_SESSION_ERROR_NOT_CONNECTED);
  g_clear_error (&error);

  g_assert_false (hs_session_close (session, HS_SIDE_SERVER, &error));
  g_assert_error (error, HS_SESSION_ERROR, HS_SESSION_ERROR_NOT_CONNECTED);
  g_clear_error (&error);

  /* A port in use: a clear message, an error event, no crash. */
  fd = socket (AF_INET, SOCK_STREAM, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (listen (fd, 1), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &sin, &len), ==, 0);
  g_signal_connect (session, "error", G_CALLBACK (error_cb), &kind);
  g_assert_false (hs_session_listen (session, "127.0.0.1", ntohs (sin.sin_port), &error));
  g_assert_error (error, HS_SESSION_ERROR, HS_SESSION_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "already in use"));
  g_assert_cmpuint (kind, ==, HS_TRACE_ERROR_ADDRESS_IN_USE);
  g_assert_false (hs_session_is_listening (session));
  close (fd);
  g_clear_error (&error);

  /* A name that cannot resolve (".invalid" is reserved, RFC 2606). */
  kind = G_MAXUINT;
  g_assert_true (hs_session_connect (session, "no-such-host.invalid", 80, &error));
  wait_for (session, error_seen, &kind, "host not found");
  g_assert_cmpuint (kind, ==, HS_TRACE_ERROR_HOST_NOT_FOUND);
}

static gboolean
retransmitted (HsSession *session, gpointer data)
{
  HsTrace *trace = hs_session_get_trace (session);

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);

      if (e->kind == HS_EVENT_SEGMENT && (e->flags & HS_TCP_SYN) && e->retransmission >= 1 &&
          e->connection == GPOINTER_TO_UINT (data))
        return TRUE;
    }
  return FALSE;
}

static void
test_syn_retransmission (void)
{
  g_autoptr (HsSession) session = hs_session_new ();
  g_autoptr (GError) error = NULL;
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sin;
  int listener, filler;
  guint conn;

  /* A server that never answers: its accept queue (backlog 0 holds one
   * connection) is full, so the kernel drops further SYNs and the client
   * retransmits, counted by TCP_INFO. */
  listener = socket (AF_INET, SOCK_STREAM, 0);
  g_assert_cmpint (bind (listener, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (listen (listener, 0), ==, 0);
  g_assert_cmpint (getsockname (listener, (struct sockaddr *) &sin, &len), ==, 0);
  filler = socket (AF_INET, SOCK_STREAM, 0);
  g_assert_cmpint (connect (filler, (struct sockaddr *) &sin, sizeof sin), ==, 0);

  g_assert_true (hs_session_connect (session, "127.0.0.1", ntohs (sin.sin_port), &error));
  conn = hs_session_get_current (session);
  wait_for (session, retransmitted, GUINT_TO_POINTER (conn), "a SYN retransmission");
  g_assert_nonnull (find_item (session, "client", HS_TCP_STATE_SYN_SENT));

  /* Giving up sends nothing and leaves the client CLOSED. */
  g_assert_true (hs_session_abort (session, HS_SIDE_CLIENT, &error));
  wait_for (session, settled, NULL, "the attempt to end");
  g_assert_cmpint (hs_trace_get_state_at (hs_session_get_trace (session), conn, HS_SIDE_CLIENT,
                                          G_MAXUINT),
                   ==, HS_TCP_STATE_CLOSED);

  close (filler);
  close (listener);
}

static void
test_abort (void)
{
  g_autoptr (HsSession) session = hs_session_new ();
  HsTrace *trace = hs_session_get_trace (session);
  g_autoptr (GError) error = NULL;
  Want gone = { "client", HS_TCP_STATE_ESTABLISHED };
  guint conn;

  g_assert_true (hs_session_listen (session, "127.0.0.1", 0, &error));
  g_assert_true (
      hs_session_connect (session, "127.0.0.1", hs_session_get_listen_port (session), &error));
  wait_for (session, settled, NULL, "the handshake");
  conn = hs_session_get_current (session);

  g_assert_true (hs_session_abort (session, HS_SIDE_CLIENT, &error));
  g_assert_no_error (error);
  wait_for (session, settled, NULL, "the reset");
  g_assert_cmpuint (count_events (trace, HS_EVENT_SEGMENT, HS_TCP_RST | HS_TCP_ACK), ==, 1);
  g_assert_cmpint (hs_trace_get_state_at (trace, conn, HS_SIDE_SERVER, G_MAXUINT), ==,
                   HS_TCP_STATE_CLOSED);
  wait_for (session, no_item, &gone, "the client's socket to leave the table");
  g_assert_false (hs_session_can_use (session, HS_SIDE_SERVER));
}

static void
test_show_all (void)
{
  g_autoptr (HsSession) session = hs_session_new ();
  g_autoptr (GError) error = NULL;
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  Want other = { "", HS_TCP_STATE_LISTEN };
  int fd;

  /* A listener that is not the session's: only the all-sockets view has it. */
  fd = socket (AF_INET, SOCK_STREAM, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (listen (fd, 1), ==, 0);
  g_assert_true (hs_session_listen (session, "127.0.0.1", 0, &error));
  wait_item (session, "server", HS_TCP_STATE_LISTEN);
  g_assert_false (has_item (session, &other));

  hs_session_set_show_all (session, TRUE);
  wait_for (session, has_item, &other, "another program's listener in the table");
  g_assert_true (has_item (session, &(Want){ "server", HS_TCP_STATE_LISTEN }));

  hs_session_set_show_all (session, FALSE);
  wait_for (session, no_item, &other, "the other listener to leave the table");
  g_assert_true (has_item (session, &(Want){ "server", HS_TCP_STATE_LISTEN }));
  close (fd);
}

/* Rows and connections are matched by their two ends' key: equal for the
 * same two ends, different whenever an end differs, and blind to the bytes
 * an address of another family or of no family does not use. */
static void
test_socket_key (void)
{
  HsAddress a = { 4, { 127, 0, 0, 1 }, 5005 };
  HsAddress b = { 4, { 127, 0, 0, 1 }, 41234 };
  HsAddress v6 = { 6, { [15] = 1 }, 5005 };
  HsAddress unknown = { 0, { 0 }, 0 };
  HsAddress unknown_garbage = { 0, { 9, 9, 9 }, 0 };
  HsAddress a_garbage = a;
  HsAddress *variants[] = { &a, &b, &v6, &unknown };
  g_autofree char *key = hs_socket_item_make_key (&a, &b);
  g_autofree char *same = hs_socket_item_make_key (&a, &b);
  g_autofree char *garbage = NULL;
  g_autofree char *unknowns = hs_socket_item_make_key (&unknown, &a);
  g_autofree char *unknowns_garbage = hs_socket_item_make_key (&unknown_garbage, &a);

  a_garbage.addr[8] = 0xff; /* past an IPv4 address */
  garbage = hs_socket_item_make_key (&a_garbage, &b);
  g_assert_cmpstr (key, ==, same);
  g_assert_cmpstr (key, ==, garbage);
  g_assert_cmpstr (unknowns, ==, unknowns_garbage);

  /* Every ordered pair of different ends gives a different key. */
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    for (guint j = 0; j < G_N_ELEMENTS (variants); j++)
      for (guint k = 0; k < G_N_ELEMENTS (variants); k++)
        for (guint l = 0; l < G_N_ELEMENTS (variants); l++)
          {
            g_autofree char *one = hs_socket_item_make_key (variants[i], variants[j]);
            g_autofree char *other = hs_socket_item_make_key (variants[k], variants[l]);

            if (i == k && j == l)
              g_assert_cmpstr (one, ==, other);
            else
              g_assert_cmpstr (one, !=, other);
          }

  /* Each byte and the port count. */
  for (guint i = 0; i < 16; i++)
    {
      HsAddress changed = v6;
      g_autofree char *one = hs_socket_item_make_key (&v6, &a);
      g_autofree char *other = NULL;

      changed.addr[i] ^= 0x10;
      other = hs_socket_item_make_key (&changed, &a);
      g_assert_cmpstr (one, !=, other);
    }
  for (guint bit = 0; bit < 16; bit++)
    {
      HsAddress port = a;
      g_autofree char *other = NULL;

      port.port ^= (guint16) (1u << bit);
      other = hs_socket_item_make_key (&port, &b);
      g_assert_cmpstr (key, !=, other);
    }

  /* An end of no known family is only that, whatever its port. */
  {
    HsAddress unknown_port = unknown;
    g_autofree char *other = NULL;

    unknown_port.port = 80;
    other = hs_socket_item_make_key (&unknown_port, &a);
    g_assert_cmpstr (unknowns, ==, other);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/session/lifecycle", test_lifecycle);
  g_test_add_func ("/net/session/refused", test_refused);
  g_test_add_func ("/net/session/bad-input", test_bad_input);
  g_test_add_func ("/net/session/syn-retransmission", test_syn_retransmission);
  g_test_add_func ("/net/session/abort", test_abort);
  g_test_add_func ("/net/session/show-all", test_show_all);
  g_test_add_func ("/net/session/socket-key", test_socket_key);

  return g_test_run ();
}
