/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "config.h"

#include <string.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>

#include <adwaita.h>
#include <gio/gio.h>

#include "hs-canvas.h"
#include "hs-connection-list.h"
#include "hs-connection-trace.h"
#include "hs-frame-memory.h"
#include "hs-lanes.h"
#include "hs-socket-item.h"
#include "hs-window.h"

#if defined(GDK_WINDOWING_X11) && defined(HAVE_X11_FRAME_MEMORY)
#include <gdk/x11/gdkx.h>
#endif

#define DEADLINE_US (60 * G_USEC_PER_SEC)
/* The class of the UI test; HANDSHAKE_TEST_CLIENTS sets another size for
 * a measurement by hand (1000: the benchmark). */
#define N_CLIENTS_DEFAULT 200

typedef gboolean (*Condition) (gpointer data);

static void
wait_for (Condition condition, gpointer data, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
activate (HsWindow *window, const char *action, GVariant *parameter)
{
  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (window), action, parameter));
}

/* A free port on loopback: bound, read back and released. */
static guint16
free_port (void)
{
  g_autoptr (GSocket) socket =
      g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, address, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static guint
count_sockets (HsWindow *window, const char *owner, HsTcpState state)
{
  GListModel *model = hs_session_get_sockets (hs_window_get_session (window));
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (HsSocketItem) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (hs_socket_item_get_owner (item), owner) == 0 &&
          hs_socket_item_get_state (item) == state)
        n++;
    }
  return n;
}

/* The three roles, switched as the header's buttons do, each with its own
 * controls and its own session. */
/* Every role fits a 1024-pixel projector: the window may be that narrow. */
static void
assert_fits_projector (HsWindow *window)
{
  int minimum = 0;

  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL,
                      NULL);
  g_assert_cmpint (minimum, <=, 1024);
}

static void
test_roles (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  HsWindow *window;
  HsSession *local;

  g_settings_set_string (settings, "network", "host");
  g_settings_set_string (settings, "role", "local");
  window = hs_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpint (hs_window_get_role (window), ==, HS_WINDOW_ROLE_LOCAL);
  local = hs_window_get_session (window);
  g_assert_cmpint (hs_session_get_role (local), ==, HS_SESSION_ROLE_LOCAL);
  assert_fits_projector (window);

  activate (window, "view.role", g_variant_new_string ("server"));
  g_assert_cmpint (hs_window_get_role (window), ==, HS_WINDOW_ROLE_SERVER);
  g_assert_true (hs_window_get_session (window) != local);
  g_assert_cmpint (hs_session_get_role (hs_window_get_session (window)), ==,
                   HS_SESSION_ROLE_SERVER);
  g_assert_cmpint (hs_session_get_network (hs_window_get_session (window)), ==, HS_NETWORK_HOST);
  g_assert_nonnull (hs_window_get_connections (window));
  assert_fits_projector (window);
  /* Remembered for the next start. */
  g_assert_cmpint (g_settings_get_enum (settings, "role"), ==, HS_WINDOW_ROLE_SERVER);

  /* The overview first; "o" (view.overview) switches to the selected
   * connection's diagram and back. */
  {
    GtkStack *stack = GTK_STACK (
        gtk_widget_get_template_child (GTK_WIDGET (window), HS_TYPE_WINDOW, "canvas_stack"));

    g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "overview");
    activate (window, "view.overview", NULL);
    g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "diagram");
    activate (window, "view.overview", NULL);
    g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "overview");
  }

  /* Never beyond loopback unless asked: the default binds 127.0.0.1. */
  g_assert_false (g_settings_get_boolean (settings, "class-allow-remote"));
  {
    g_autoptr (GError) error = NULL;
    g_auto (GStrv) banner = NULL;
    guint16 port = free_port ();
    g_autofree char *expected = g_strdup_printf ("127.0.0.1 : %u", port);

    g_assert_true (hs_window_start_class_server (window, NULL, port, &error));
    g_assert_no_error (error);
    g_assert_true (hs_session_is_listening (hs_window_get_session (window)));
    banner = hs_window_get_banner_addresses (window);
    g_assert_cmpuint (g_strv_length (banner), ==, 1);
    g_assert_cmpstr (banner[0], ==, expected);
  }

  activate (window, "view.role", g_variant_new_string ("client"));
  g_assert_cmpint (hs_window_get_role (window), ==, HS_WINDOW_ROLE_CLIENT);
  g_assert_cmpint (hs_session_get_role (hs_window_get_session (window)), ==,
                   HS_SESSION_ROLE_CLIENT);
  g_assert_null (hs_window_get_connections (window));
  assert_fits_projector (window);
  /* The new role's session listens on nothing. */
  g_assert_false (hs_session_is_listening (hs_window_get_session (window)));

  /* Connect without a server typed: a sentence, no connection. */
  g_settings_set_string (settings, "class-host", "");
  activate (window, "client.connect", NULL);
  g_assert_false (hs_session_can_use (hs_window_get_session (window), HS_SIDE_CLIENT));

  activate (window, "view.role", g_variant_new_string ("local"));
  g_assert_cmpint (hs_window_get_role (window), ==, HS_WINDOW_ROLE_LOCAL);
  g_assert_cmpint (g_settings_get_enum (settings, "role"), ==, HS_WINDOW_ROLE_LOCAL);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Frame timing from the window's GdkFrameClock: the time from the start
 * of a frame's painting phase to its end, and the gaps between frames. */
typedef struct
{
  GArray *work_us;
  GArray *interval_us;
  gint64 frame_start;
  gint64 layout_end;
  gint64 last_frame_time;
  /* The longest frame's work, split at the end of GTK's layout phase
   * (styles, sizes, allocation) and of its paint phase (drawing and
   * rendering). */
  gint64 longest, longest_layout, longest_paint;
  /* The main thread's CPU time in the longest frame: less than its wall
   * time when other processes (the clients, the X server) took the core. */
  gint64 frame_cpu_start, longest_cpu;
  /* And the page faults it took: fresh memory the kernel had to map. */
  glong frame_faults_start, longest_faults;
  /* The main thread's CPU time in all frames. */
  gint64 frames_cpu;
  /* When the first connection to arrive since the last frame began was
   * accepted, and for each frame that showed arrivals, how long the first
   * of them waited for it (each one is drawn: the overview follows the
   * newest). An interval over a refresh may only mean that nothing was
   * there to draw; an arrival waiting longer than a refresh is a frame
   * the class did not see in time. */
  gint64 change_us;
  GArray *wait_us;
  guint n_connections;
} FrameLog;

/* CPU time, of this thread (CLOCK_THREAD_CPUTIME_ID) or of the whole
 * process (CLOCK_PROCESS_CPUTIME_ID). */
static gint64
cpu_us (clockid_t which)
{
  struct timespec now;

  clock_gettime (which, &now);
  return (gint64) now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000;
}

static glong
thread_faults (void)
{
  struct rusage usage;

  getrusage (RUSAGE_THREAD, &usage);
  return usage.ru_minflt;
}

/* A connection the trace did not know before: the session has accepted
 * it. */
static void
event_added_cb (HsTrace *trace, guint index, FrameLog *log)
{
  guint n = hs_trace_get_n_connections (trace);

  if (n > log->n_connections && log->change_us == 0)
    log->change_us = g_get_monotonic_time ();
  log->n_connections = n;
}

static void
before_paint_cb (GdkFrameClock *clock, FrameLog *log)
{
  log->frame_start = g_get_monotonic_time ();
  if (log->change_us != 0)
    {
      gint64 wait = log->frame_start - log->change_us;

      g_array_append_val (log->wait_us, wait);
      log->change_us = 0;
    }
  log->frame_cpu_start = cpu_us (CLOCK_THREAD_CPUTIME_ID);
  log->frame_faults_start = thread_faults ();
  log->layout_end = 0;
}

/* Connected after GTK's own handler of the phase, so it runs after it. */
static void
layout_cb (GdkFrameClock *clock, FrameLog *log)
{
  log->layout_end = g_get_monotonic_time ();
}

static void
after_paint_cb (GdkFrameClock *clock, FrameLog *log)
{
  gint64 now = g_get_monotonic_time ();
  gint64 frame_time = gdk_frame_clock_get_frame_time (clock);

  if (log->frame_start > 0)
    {
      gint64 work = now - log->frame_start;

      g_array_append_val (log->work_us, work);
      log->frames_cpu += cpu_us (CLOCK_THREAD_CPUTIME_ID) - log->frame_cpu_start;
      if (work > log->longest && log->layout_end > 0)
        {
          log->longest = work;
          log->longest_layout = log->layout_end - log->frame_start;
          log->longest_paint = now - log->layout_end;
          log->longest_cpu = cpu_us (CLOCK_THREAD_CPUTIME_ID) - log->frame_cpu_start;
          log->longest_faults = thread_faults () - log->frame_faults_start;
        }
    }
  if (log->last_frame_time > 0)
    {
      gint64 interval = frame_time - log->last_frame_time;

      g_array_append_val (log->interval_us, interval);
    }
  log->last_frame_time = frame_time;
}

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
log_figures (const char *what, GArray *values, gint64 limit_us)
{
  guint n = values->len;
  guint over = 0;

  if (n == 0)
    {
      g_test_message ("%s: no frames", what);
      return;
    }
  g_array_sort (values, compare_gint64);
  for (guint i = 0; i < n; i++)
    if (g_array_index (values, gint64, i) > limit_us)
      over++;
  g_test_message ("%s: %u frames, median %.2f ms, p95 %.2f ms, max %.2f ms, %u over %.1f ms", what,
                  n, g_array_index (values, gint64, n / 2) / 1000.0,
                  g_array_index (values, gint64, MIN (n - 1, n * 95 / 100)) / 1000.0,
                  g_array_index (values, gint64, n - 1) / 1000.0, over, limit_us / 1000.0);
}

typedef struct
{
  GSubprocess *process;
  GDataInputStream *out;
  char *line;
  gboolean pending;
} Peer;

static void
line_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;

  peer->line =
      g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  if (peer->line == NULL)
    peer->line = g_strdup ("");
  peer->pending = FALSE;
}

static gboolean
line_arrived (gpointer data)
{
  return !((Peer *) data)->pending;
}

/* The next line the Python peer prints, while the window keeps running. */
static char *
peer_read_line (Peer *peer, const char *what)
{
  peer->pending = TRUE;
  g_data_input_stream_read_line_async (peer->out, G_PRIORITY_DEFAULT, NULL, line_read_cb, peer);
  wait_for (line_arrived, peer, what);
  return g_steal_pointer (&peer->line);
}

static void
peer_start (Peer *peer, const char *script, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) "python3");
  g_ptr_array_add (argv, (gpointer) "-c");
  g_ptr_array_add (argv, (gpointer) script);
  va_start (args, script);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  /* With the descriptors inherited (all but the pipes are close-on-exec)
   * GLib starts the peer with posix_spawn(), which shares this process's
   * memory until the exec, rather than fork(). After a fork, every page
   * this process writes faults once (copy on write): a peer started as a
   * burst begins made the window's first frames pay for it, which a real
   * class's server does not. */
  peer->process =
      g_subprocess_newv ((const char *const *) argv->pdata,
                         G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                             G_SUBPROCESS_FLAGS_INHERIT_FDS,
                         &error);
  g_assert_no_error (error);
  peer->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->process));
}

static void
peer_say (Peer *peer, const char *line)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (g_subprocess_get_stdin_pipe (peer->process), line, strlen (line), NULL,
                             NULL, &error);
  g_assert_no_error (error);
}

static void
peer_finish (Peer *peer)
{
  g_autoptr (GError) error = NULL;

  /* It has said its last line: it is exiting now. */
  g_assert_true (g_subprocess_wait (peer->process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (peer->process));
  g_assert_cmpint (g_subprocess_get_exit_status (peer->process), ==, 0);
  g_clear_object (&peer->out);
  g_clear_object (&peer->process);
}

/* 200 clients from another process connect at once, each sends a line and
 * stays; then they all close. */
static const char burst_script[] =
    "import socket, sys\n"
    "port, n = int(sys.argv[1]), int(sys.argv[2])\n"
    "socks = []\n"
    "for i in range(n):\n"
    "    s = socket.create_connection(('127.0.0.1', port), timeout=30)\n"
    "    s.sendall(b'hello from client %d\\n' % i)\n"
    "    socks.append(s)\n"
    "print('connected', flush=True)\n"
    "sys.stdin.readline()\n"
    "for s in socks:\n"
    "    s.close()\n"
    "print('closed', flush=True)\n";

typedef struct
{
  HsWindow *window;
  guint n;
} Count;

static gboolean
list_has_all (gpointer data)
{
  Count *c = data;
  GListModel *list = hs_window_get_connections (c->window);
  guint with_text = 0;

  if (g_list_model_get_n_items (list) < c->n)
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr (HsConnectionRow) row = g_list_model_get_item (list, i);

      if (hs_connection_row_get_bytes_in (row) > 0)
        with_text++;
    }
  return with_text >= c->n;
}

static gboolean
table_has_all (gpointer data)
{
  Count *c = data;

  return count_sockets (c->window, "server", HS_TCP_STATE_ESTABLISHED) >= c->n;
}

static gboolean
table_has_exactly (gpointer data)
{
  Count *c = data;

  return count_sockets (c->window, "server", HS_TCP_STATE_ESTABLISHED) == c->n;
}

static gboolean
row_closing (gpointer data)
{
  HsTcpState state = hs_connection_row_get_state (data);

  return state == HS_TCP_STATE_FIN_WAIT_1 || state == HS_TCP_STATE_FIN_WAIT_2;
}

static gboolean
all_closed (gpointer data)
{
  Count *c = data;
  GListModel *list = hs_window_get_connections (c->window);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr (HsConnectionRow) row = g_list_model_get_item (list, i);
      HsTcpState state = hs_connection_row_get_state (row);

      /* The one the server closed first waits in TIME_WAIT. */
      if (state != HS_TCP_STATE_CLOSED && state != HS_TCP_STATE_LAST_ACK &&
          state != HS_TCP_STATE_TIME_WAIT)
        return FALSE;
    }
  return TRUE;
}

static void
count_frame_cb (GdkFrameClock *clock, guint *frames)
{
  (*frames)++;
}

static void
wait_frames (guint *frames, guint n)
{
  guint until = *frames + n;
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  while (*frames < until)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* Runs the main loop until the overview has been drawn in a frame after
 * the one counted in @snapshots; returns how many lanes that frame drew
 * anew. */
static guint
wait_lanes_drawn (HsLanes *lanes, guint snapshots)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  guint now;

  for (;;)
    {
      guint redrawn = hs_lanes_get_n_redrawn (lanes, &now);

      if (now != snapshots)
        return redrawn;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static gboolean
lanes_prepared (gpointer data)
{
  return hs_lanes_get_n_sprites (HS_LANES (data)) > 0;
}

static void
test_server_many (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autoptr (GError) error = NULL;
  g_autofree char *port_text = NULL;
  const char *env = g_getenv ("HANDSHAKE_TEST_CLIENTS");
  guint n_clients = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : N_CLIENTS_DEFAULT;
  g_autofree char *count_text = NULL;
  gint64 burst_start, all_shown, burst_cpu, burst_process_cpu;
  g_autofree char *line = NULL;
  FrameLog log = { 0 };
  Peer peer = { 0 };
  Count count;
  HsWindow *window;
  GdkFrameClock *clock;
  HsLanes *lanes;
  guint first, end;
  guint16 port;

  n_clients = CLAMP (n_clients, 1, 4000);
  count_text = g_strdup_printf ("%u", n_clients);
  g_settings_set_uint (settings, "max-connections", MAX (256, n_clients));
  g_settings_set_string (settings, "role", "server");
  g_settings_set_int (settings, "window-width", 1920);
  g_settings_set_int (settings, "window-height", 1080);
  window = hs_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpint (hs_window_get_role (window), ==, HS_WINDOW_ROLE_SERVER);
  count.window = window;
  count.n = n_clients;

  port = free_port ();
  port_text = g_strdup_printf ("%u", port);
  g_assert_true (hs_window_start_class_server (window, "127.0.0.1", port, &error));
  g_assert_no_error (error);

  /* Wait for the first frame, then log every frame while the class
   * arrives, lives and leaves. */
  while (!gtk_widget_get_mapped (GTK_WIDGET (window)))
    g_main_context_iteration (NULL, TRUE);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  log.work_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  log.interval_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  log.wait_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_signal_connect (hs_session_get_trace (hs_window_get_session (window)), "event-added",
                    G_CALLBACK (event_added_cb), &log);
  g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), &log);
  g_signal_connect (clock, "layout", G_CALLBACK (layout_cb), &log);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &log);

  /* The window's first frames (styles, fonts) are not the class's. */
  while (log.work_us->len < 2)
    {
      gtk_widget_queue_draw (GTK_WIDGET (window));
      g_main_context_iteration (NULL, TRUE);
    }
  /* Nor are the overview's pictures of pills and boxes: it draws them
   * while the window is idle, before a class arrives. */
  lanes = HS_LANES (hs_window_get_lanes (window));
  wait_for (lanes_prepared, lanes, "the overview's pictures drawn ahead");
  /* And again for a new look (presentation mode scales the lanes). */
  hs_lanes_set_font_scale (lanes, 1.5);
  g_assert_cmpuint (hs_lanes_get_n_sprites (lanes), ==, 0);
  wait_for (lanes_prepared, lanes, "the overview's pictures drawn ahead at a new scale");
  hs_lanes_set_font_scale (lanes, 1.0);
  wait_for (lanes_prepared, lanes, "the overview's pictures drawn ahead again");
  g_array_set_size (log.work_us, 0);
  g_array_set_size (log.interval_us, 0);
  g_array_set_size (log.wait_us, 0);
  log.longest = 0;
  log.frames_cpu = 0;
  log.change_us = 0;
  log.n_connections =
      hs_trace_get_n_connections (hs_session_get_trace (hs_window_get_session (window)));

  burst_start = g_get_monotonic_time ();
  burst_cpu = cpu_us (CLOCK_THREAD_CPUTIME_ID);
  burst_process_cpu = cpu_us (CLOCK_PROCESS_CPUTIME_ID);
  peer_start (&peer, burst_script, port_text, count_text, NULL);
  line = peer_read_line (&peer, "the clients to connect");
  g_assert_cmpstr (line, ==, "connected");
  g_test_message ("%u clients connected and sent in %.2f s", n_clients,
                  (g_get_monotonic_time () - burst_start) / 1e6);

  /* Every client in the list, with its text, and in the kernel's table. */
  wait_for (list_has_all, &count, "every connection in the list");
  all_shown = g_get_monotonic_time ();
  g_assert_cmpuint (g_list_model_get_n_items (hs_window_get_connections (window)), ==, n_clients);
  wait_for (table_has_all, &count, "every server socket in the table");
  g_test_message ("all %u in the list %.2f s after the burst began, in the table %.2f s", n_clients,
                  (all_shown - burst_start) / 1e6, (g_get_monotonic_time () - burst_start) / 1e6);
  /* Steadier than the frames' times on a shared machine: the CPU time
   * the arrivals took, which other processes do not lengthen. */
  g_test_message ("until then the main thread worked %.0f ms on the CPU (%.0f ms of it in %u "
                  "frames), the whole process %.0f ms",
                  (cpu_us (CLOCK_THREAD_CPUTIME_ID) - burst_cpu) / 1e3, log.frames_cpu / 1e3,
                  log.work_us->len, (cpu_us (CLOCK_PROCESS_CPUTIME_ID) - burst_process_cpu) / 1e3);

  /* The memory the window holds for the class (the budget for
   * the server process is 100 MB). */
  {
    g_autofree char *status = NULL;

    if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
      {
        const char *rss = strstr (status, "VmRSS:");

        if (rss != NULL)
          g_test_message ("with %u connections: %.*s", n_clients, (int) strcspn (rss, "\n"), rss);
      }
  }

  /* The overview draws only the lanes in view. */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  hs_lanes_get_drawn_range (lanes, &first, &end);
  g_test_message ("overview drew lanes %u to %u of %u", first, end, n_clients);
  g_assert_cmpuint (end - first, <, MAX (n_clients, 60));
  g_assert_cmpuint (end, >, first);

  /* Selecting one shows its diagram: its own events only. */
  {
    GListModel *list = hs_window_get_connections (window);
    g_autoptr (HsConnectionRow) row = g_list_model_get_item (list, n_clients / 2);
    GtkSingleSelection *selection = NULL;
    HsTrace *shown;

    g_assert_nonnull (row);
    /* The list view's model is the shared selection. */
    selection =
        GTK_SINGLE_SELECTION (g_object_get_data (G_OBJECT (window), "hs-connection-selection"));
    g_assert_nonnull (selection);
    gtk_single_selection_set_selected (selection, n_clients / 2);
    shown = hs_canvas_get_trace (HS_CANVAS (hs_window_get_canvas (window)));
    g_assert_cmpuint (hs_connection_trace_get_id (shown), ==, hs_connection_row_get_id (row));
    g_assert_cmpuint (hs_trace_get_n_events (shown), >, 0);
    for (guint i = 0; i < hs_trace_get_n_events (shown); i++)
      g_assert_cmpuint (hs_trace_get_event (shown, i)->connection, ==,
                        hs_connection_row_get_id (row));

    /* The teacher closes that one client's connection: the server's end
     * sends its FIN, the others stay open. */
    activate (window, "class.close", NULL);
    wait_for (row_closing, row, "the selected connection to close");
    count.n = n_clients - 1;
    wait_for (table_has_exactly, &count, "the kernel's table to show one fewer open");
    count.n = n_clients;
  }

  /* With the class settled, the overview draws anew only the lanes that
   * changed: redrawn, the lanes in view give GTK the pictures it has; a
   * lane newly selected is drawn anew. */
  {
    GtkSingleSelection *selection =
        GTK_SINGLE_SELECTION (g_object_get_data (G_OBJECT (window), "hs-connection-selection"));
    guint snapshots, redrawn;

    g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (lanes)));
    hs_lanes_get_n_redrawn (lanes, &snapshots);
    gtk_widget_queue_draw (GTK_WIDGET (lanes));
    redrawn = wait_lanes_drawn (lanes, snapshots);
    hs_lanes_get_drawn_range (lanes, &first, &end);
    g_test_message ("a redraw of the settled overview drew %u of its %u lanes anew", redrawn,
                    end - first);
    g_assert_cmpuint (end, >, first);
    g_assert_cmpuint (redrawn, <=, 2);

    /* The newest lane is in view (the overview follows the newest). */
    g_assert_cmpuint (end, ==, n_clients);
    hs_lanes_get_n_redrawn (lanes, &snapshots);
    gtk_single_selection_set_selected (selection, n_clients - 1);
    redrawn = wait_lanes_drawn (lanes, snapshots);
    g_test_message ("selecting the newest lane drew %u lanes anew", redrawn);
    g_assert_cmpuint (redrawn, >=, 1);
    g_assert_cmpuint (redrawn, <=, 3);

    /* The kernel confirming a connection's state changes nothing a lane
     * shows; a segment refined (inferred, then captured) draws its lane
     * anew. */
    {
      GListModel *list = hs_window_get_connections (window);
      HsTrace *trace = hs_connection_list_get_trace (HS_CONNECTION_LIST (list));
      g_autoptr (HsConnectionRow) row = g_list_model_get_item (list, n_clients - 2);
      guint id = hs_connection_row_get_id (row);
      guint state = G_MAXUINT, segment = G_MAXUINT;
      const HsEvent *e;

      for (guint i = hs_trace_get_n_events (trace); i-- > 0;)
        {
          e = hs_trace_get_event (trace, i);
          if (e->connection == id && e->kind == HS_EVENT_STATE && state == G_MAXUINT)
            state = i;
          if (e->connection == id && e->kind == HS_EVENT_SEGMENT && segment == G_MAXUINT)
            segment = i;
        }
      g_assert_cmpuint (state, !=, G_MAXUINT);
      g_assert_cmpuint (segment, !=, G_MAXUINT);

      e = hs_trace_get_event (trace, state);
      hs_lanes_get_n_redrawn (lanes, &snapshots);
      hs_trace_update_state_source (trace, state,
                                    e->source == HS_STATE_SOURCE_KERNEL ? HS_STATE_SOURCE_INFERRED
                                                                        : HS_STATE_SOURCE_KERNEL);
      gtk_widget_queue_draw (GTK_WIDGET (lanes));
      g_assert_cmpuint (wait_lanes_drawn (lanes, snapshots), ==, 0);

      e = hs_trace_get_event (trace, segment);
      hs_lanes_get_n_redrawn (lanes, &snapshots);
      hs_trace_update_segment (trace, segment, e->provenance, e->window_known, e->window,
                               &e->options);
      redrawn = wait_lanes_drawn (lanes, snapshots);
      g_assert_cmpuint (redrawn, >=, 1);
      g_assert_cmpuint (redrawn, <=, 2);
    }
  }

  peer_say (&peer, "close\n");
  g_free (line);
  line = peer_read_line (&peer, "the clients to close");
  g_assert_cmpstr (line, ==, "closed");
  peer_finish (&peer);
  {
    gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

    while (!all_closed (&count) && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    if (!all_closed (&count))
      {
        GListModel *list = hs_window_get_connections (window);
        guint states[HS_TCP_STATE_N_STATES] = { 0 };

        for (guint i = 0; i < g_list_model_get_n_items (list); i++)
          {
            g_autoptr (HsConnectionRow) row = g_list_model_get_item (list, i);

            states[hs_connection_row_get_state (row)]++;
          }
        for (guint s = 0; s < HS_TCP_STATE_N_STATES; s++)
          if (states[s] > 0)
            g_test_message ("%u connections in %s", states[s], hs_tcp_state_to_string (s));
        g_error ("Timed out waiting for every connection to close");
      }
  }

  g_signal_handlers_disconnect_by_data (clock, &log);
  g_signal_handlers_disconnect_by_data (hs_session_get_trace (hs_window_get_session (window)),
                                        &log);
  /* Logged, not asserted: the figures depend on the machine. A frame's
   * work should stay under 16 ms, and no arrival wait for its frame longer
   * than a refresh (17 ms, with a millisecond for GLib's timers). */
  log_figures ("frame work (before-paint to after-paint)", log.work_us, 16000);
  log_figures ("frame interval (frame clock)", log.interval_us, 17000);
  log_figures ("an arrival's wait for its frame", log.wait_us, 17000);
  g_test_message ("longest frame: %.2f ms, of which %.2f ms to the end of layout, %.2f ms "
                  "painting; "
                  "%.2f ms on the CPU, %ld page faults",
                  log.longest / 1e3, log.longest_layout / 1e3, log.longest_paint / 1e3,
                  log.longest_cpu / 1e3, log.longest_faults);
  g_array_unref (log.work_us);
  g_array_unref (log.interval_us);
  g_array_unref (log.wait_us);

  g_settings_reset (settings, "max-connections");
  g_settings_set_string (settings, "role", "local");
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A Python server: accepts one client, echoes one line back, and closes
 * when the client closes. */
static const char server_script[] = "import socket, sys\n"
                                    "l = socket.socket()\n"
                                    "l.bind(('127.0.0.1', 0))\n"
                                    "l.listen(1)\n"
                                    "print(l.getsockname()[1], flush=True)\n"
                                    "c, _ = l.accept()\n"
                                    "data = c.recv(100)\n"
                                    "print('got ' + data.decode(), flush=True)\n"
                                    "c.sendall(b'<b>bold</b> \\xff\\xfe\\n')\n"
                                    "while c.recv(100):\n"
                                    "    pass\n"
                                    "c.close()\n"
                                    "print('done', flush=True)\n";

static gboolean
client_established (gpointer data)
{
  return count_sockets (data, "client", HS_TCP_STATE_ESTABLISHED) > 0;
}

static gboolean
client_received (gpointer data)
{
  HsTrace *trace = hs_session_get_trace (hs_window_get_session (data));

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);

      if (e->kind == HS_EVENT_APP && e->action == HS_APP_RECEIVE && e->side == HS_SIDE_CLIENT)
        return TRUE;
    }
  return FALSE;
}

static gboolean
settled (gpointer data)
{
  return hs_session_is_settled (hs_window_get_session (data), NULL);
}

static void
session_error_cb (HsSession *session, guint kind, const char *message)
{
  g_test_message ("session error: %s", message);
}

static void
test_client_role (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autoptr (GError) error = NULL;
  g_autofree char *port_line = NULL;
  g_autofree char *line = NULL;
  g_auto (GStrv) recent = NULL;
  Peer peer = { 0 };
  HsWindow *window;
  HsTrace *trace;
  guint n_segments = 0;
  guint64 port;

  peer_start (&peer, server_script, NULL);
  port_line = peer_read_line (&peer, "the Python server's port");
  g_assert_true (g_ascii_string_to_unsigned (port_line, 10, 1, 65535, &port, NULL));

  g_settings_set_strv (settings, "recent-servers", NULL);
  window = hs_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));

  /* As a student types it: "host:port" in one piece. */
  activate (window, "view.role", g_variant_new_string ("client"));
  {
    g_autofree char *typed = g_strdup_printf ("127.0.0.1:%u", (guint) port);

    g_settings_set_string (settings, "class-host", typed);
  }
  activate (window, "client.connect", NULL);
  wait_for (client_established, window, "the client to connect to the Python server");

  g_signal_connect (hs_window_get_session (window), "error", G_CALLBACK (session_error_cb), NULL);
  wait_for (settled, window, "the connection to settle");
  activate (window, "client.send", NULL);
  line = peer_read_line (&peer, "the Python server to receive");
  g_assert_cmpstr (line, ==, "got hello");
  wait_for (client_received, window, "the server's reply");

  activate (window, "client.close", NULL);
  g_free (line);
  line = peer_read_line (&peer, "the Python server to see the close");
  g_assert_cmpstr (line, ==, "done");
  peer_finish (&peer);

  /* Its own diagram: the session's whole trace, segments included. */
  trace = hs_canvas_get_trace (HS_CANVAS (hs_window_get_canvas (window)));
  g_assert_true (trace == hs_session_get_trace (hs_window_get_session (window)));
  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    if (hs_trace_get_event (trace, i)->kind == HS_EVENT_SEGMENT)
      n_segments++;
  g_assert_cmpuint (n_segments, >=, 3);

  /* Remembered among the recent servers. */
  recent = g_settings_get_strv (settings, "recent-servers");
  g_assert_cmpuint (g_strv_length (recent), ==, 1);
  g_assert_true (g_str_has_prefix (recent[0], "127.0.0.1:"));

  g_settings_set_string (settings, "role", "local");
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Shared memory segments this process has asked the kernel for. cairo
 * makes its pools with shmget(), which this program defines over the C
 * library's: the dynamic linker binds cairo's calls to it, and it counts
 * them before making the real system call. */
static gint segments_made;

int
shmget (key_t key, size_t size, int flags)
{
  g_atomic_int_inc (&segments_made);
  return (int) syscall (SYS_shmget, key, size, flags);
}

static gboolean
x11_shared_memory (GtkWidget *window)
{
#if defined(GDK_WINDOWING_X11) && defined(HAVE_X11_FRAME_MEMORY)
  GdkDisplay *display = gtk_widget_get_display (window);
  int opcode, event, error;

  return GDK_IS_X11_DISPLAY (display) &&
         GSK_IS_CAIRO_RENDERER (gtk_native_get_renderer (GTK_NATIVE (window))) &&
         XQueryExtension (gdk_x11_display_get_xdisplay (display), "MIT-SHM", &opcode, &event,
                          &error);
#else
  return FALSE;
#endif
}

/* Under X11 with GTK's software renderer, frames are copied to the X
 * server through shared memory, which the window keeps from frame to frame
 * (src/ui/hs-frame-memory.c): otherwise cairo makes a new segment for
 * nearly every large frame, megabytes of fresh pages for the kernel to map
 * and zero in the middle of the frame, and destroys it after. */
static void
test_frame_memory (void)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *theme = g_settings_get_string (settings, "theme");
  AdwStyleManager *style = adw_style_manager_get_default ();
  GdkFrameClock *clock;
  GdkSurface *surface;
  HsWindow *window;
  guint64 frame_bytes;
  guint frames = 0;
  gulong handler;
  guint reused;
  int made;

  g_settings_set_string (settings, "role", "local");
  g_settings_set_int (settings, "window-width", 1280);
  g_settings_set_int (settings, "window-height", 800);
  window = hs_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (GTK_WIDGET (window)))
    g_main_context_iteration (NULL, TRUE);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (count_frame_cb), &frames);
  wait_frames (&frames, 1);

  if (!x11_shared_memory (GTK_WIDGET (window)) || g_atomic_int_get (&segments_made) == 0)
    {
      g_signal_handler_disconnect (clock, handler);
      gtk_window_destroy (GTK_WINDOW (window));
      g_test_skip ("only X11 with GTK's software renderer copies frames through shared memory, "
                   "where cairo can share memory with the X server (MIT-SHM)");
      return;
    }
  /* A pool for frames of the whole window (at least). */
  surface = gtk_native_get_surface (GTK_NATIVE (window));
  frame_bytes = (guint64) gdk_surface_get_width (surface) * gdk_surface_get_height (surface) *
                gdk_surface_get_scale_factor (surface) * gdk_surface_get_scale_factor (surface) * 4;
  g_assert_cmpuint (hs_frame_memory_get_block (GTK_WIDGET (window)), >=, frame_bytes);

  /* Whole-window frames: each switch between light and dark redraws every
   * pixel. */
  made = g_atomic_int_get (&segments_made);
  reused = hs_frame_memory_get_n_reused ();
  for (guint i = 0; i < 8; i++)
    {
      g_settings_set_string (settings, "theme",
                             adw_style_manager_get_dark (style) ? "light" : "dark");
      wait_frames (&frames, 1);
    }
  made = g_atomic_int_get (&segments_made) - made;
  reused = hs_frame_memory_get_n_reused () - reused;
  g_signal_handler_disconnect (clock, handler);
  g_settings_set_string (settings, "theme", theme);

  g_test_message ("8 frames of %" G_GUINT64_FORMAT " KiB: %d shared memory segments made, "
                  "%u images on the kept buffer",
                  frame_bytes / 1024, made, reused);
  g_assert_cmpint (made, ==, 0);
  /* GTK's image for each frame was the kept buffer, not new memory. */
  g_assert_cmpuint (reused, >=, 8);

  /* A large image is the kept buffer, cleared as cairo clears new ones;
   * one asked for while the buffer is in use is cairo's own. */
  {
    cairo_surface_t *first = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1024, 512);
    cairo_surface_t *second;
    guint before = hs_frame_memory_get_n_reused ();
    guint8 *data;
    int stride = cairo_format_stride_for_width (CAIRO_FORMAT_ARGB32, 1024);

    data = cairo_image_surface_get_data (first);
    memset (data, 0xa5, (gsize) stride * 512);
    cairo_surface_mark_dirty (first);
    second = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1024, 512);
    g_assert_cmpint (cairo_surface_status (second), ==, CAIRO_STATUS_SUCCESS);
    g_assert_true (cairo_image_surface_get_data (second) != data);
    g_assert_cmpuint (hs_frame_memory_get_n_reused (), ==, before);
    g_assert_cmpuint (cairo_image_surface_get_data (second)[0], ==, 0);
    g_assert_cmpuint (data[(gsize) stride * 512 - 1], ==, 0xa5);
    cairo_surface_destroy (second);
    cairo_surface_destroy (first);

    first = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1024, 512);
    g_assert_true (cairo_image_surface_get_data (first) == data);
    g_assert_cmpuint (hs_frame_memory_get_n_reused (), ==, before + 1);
    for (gsize i = 0; i < (gsize) stride * 512; i++)
      if (data[i] != 0)
        g_error ("Byte %" G_GSIZE_FORMAT " of a new image is %u, not 0", i, data[i]);
    cairo_surface_destroy (first);
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char **argv)
{
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("1..0 # SKIP no display (run under Xvfb)\n");
      return 0;
    }
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/class/roles", test_roles);
  g_test_add_func ("/ui/class/server-many", test_server_many);
  g_test_add_func ("/ui/class/client-role", test_client_role);
  g_test_add_func ("/ui/class/frame-memory", test_frame_memory);

  return g_test_run ();
}
