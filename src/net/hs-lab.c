/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-lab"

#include "config.h"

#include "hs-lab.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdmessage.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hs-lab-protocol.h"

#define HELPER_NAME "handshake-lab-helper"
/* Setting up two namespaces takes milliseconds; a request microseconds. */
#define HELPER_TIMEOUT_S 10

struct _HsLab
{
  GObject parent_instance;

  GMutex lock; /* one request and its reply at a time on `control` */
  GSubprocess *helper;
  GPid helper_pid;
  GSocket *control;
  GCancellable *start_cancellable;
  GCancellable *caller_cancellable; /* of hs_lab_start_async(), chained to the above */
  gulong caller_cancelled_id;
  gboolean starting;
  gboolean running;
  gboolean ipv6;

  int tun[2];
  HsSockDiag *diag[2];
};

/* What the start thread hands back to the main thread. */
typedef struct
{
  guint32 flags;
  int tun[2];
  int diag_fd[2];
} StartResult;

G_DEFINE_FINAL_TYPE (HsLab, hs_lab, G_TYPE_OBJECT)

G_DEFINE_QUARK (hs - lab - error - quark, hs_lab_error)

static void
start_result_free (StartResult *result)
{
  for (guint i = 0; i < 2; i++)
    {
      if (result->tun[i] >= 0)
        close (result->tun[i]);
      if (result->diag_fd[i] >= 0)
        close (result->diag_fd[i]);
    }
  g_free (result);
}

static StartResult *
start_result_new (void)
{
  StartResult *result = g_new0 (StartResult, 1);

  result->tun[0] = result->tun[1] = -1;
  result->diag_fd[0] = result->diag_fd[1] = -1;
  return result;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StartResult, start_result_free)

static void
set_helper_stopped_error (GError **error)
{
  g_set_error (error, HS_LAB_ERROR, HS_LAB_ERROR_HELPER,
               _ ("The lab network’s helper program stopped unexpectedly."));
}

/* Reads one reply, with the descriptor it carries, if any. Called with the
 * lock held (or before anyone else can use the socket). */
static gboolean
receive_reply (GSocket *control,
               HsLabReply *reply,
               int *out_fd,
               GCancellable *cancellable,
               GError **error)
{
  g_autoptr (GError) local_error = NULL;
  GSocketControlMessage **messages = NULL;
  GInputVector vector = { reply, sizeof *reply };
  int n_messages = 0, flags = 0, fd = -1;
  gssize len;

  len = g_socket_receive_message (control, NULL, &vector, 1, &messages, &n_messages, &flags,
                                  cancellable, &local_error);

  for (int i = 0; i < n_messages; i++)
    {
      if (G_IS_UNIX_FD_MESSAGE (messages[i]))
        {
          int n_fds = 0;
          g_autofree int *fds =
              g_unix_fd_message_steal_fds (G_UNIX_FD_MESSAGE (messages[i]), &n_fds);

          for (int j = 0; j < n_fds; j++)
            {
              if (fd < 0)
                fd = fds[j];
              else
                close (fds[j]);
            }
        }
      g_object_unref (messages[i]);
    }
  g_free (messages);

  if (len < 0)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        set_helper_stopped_error (error);
      goto fail;
    }
  if (len == 0)
    {
      set_helper_stopped_error (error);
      goto fail;
    }
  if ((gsize) len != sizeof *reply || reply->magic != HS_LAB_MAGIC ||
      reply->version != HS_LAB_VERSION || (flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
      (reply->error == 0 && reply->n_fds > 0 && fd < 0))
    {
      g_set_error (error, HS_LAB_ERROR, HS_LAB_ERROR_PROTOCOL,
                   _ ("The lab network’s helper program answered something unexpected; is it "
                      "from another version of Handshake?"));
      goto fail;
    }
  reply->what[sizeof reply->what - 1] = '\0';

  if (out_fd != NULL)
    *out_fd = fd;
  else if (fd >= 0)
    close (fd);
  return TRUE;

fail:
  if (fd >= 0)
    close (fd);
  return FALSE;
}

/* Sends @request and waits for its reply. Returns the descriptor the reply
 * carries (or -2 when it carries none), -1 with @error set on failure; a
 * failed request gives its errno in *@out_errno when that is not NULL. */
static int
lab_request (HsLab *self,
             const HsLabRequest *request,
             int *out_errno,
             char **out_what,
             GCancellable *cancellable,
             GError **error)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  HsLabReply reply;
  GError *local_error = NULL;
  int fd = -1;

  if (self->control == NULL)
    {
      g_set_error (error, HS_LAB_ERROR, HS_LAB_ERROR_NOT_RUNNING,
                   _ ("The lab network is not running."));
      return -1;
    }

  if (g_socket_send (self->control, (const char *) request, sizeof *request, cancellable,
                     &local_error) < 0)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, local_error);
      else
        {
          g_error_free (local_error);
          set_helper_stopped_error (error);
        }
      return -1;
    }

  if (!receive_reply (self->control, &reply, &fd, cancellable, error))
    return -1;

  if (reply.op != request->op)
    {
      if (fd >= 0)
        close (fd);
      g_set_error (error, HS_LAB_ERROR, HS_LAB_ERROR_PROTOCOL,
                   _ ("The lab network’s helper program answered something unexpected; is it "
                      "from another version of Handshake?"));
      return -1;
    }

  if (reply.error != 0)
    {
      if (out_errno != NULL)
        *out_errno = reply.error;
      if (out_what != NULL)
        *out_what = g_strdup (reply.what);
      g_set_error (error, HS_LAB_ERROR, HS_LAB_ERROR_FAILED, "%s: %s", reply.what,
                   g_strerror (reply.error));
      return -1;
    }

  return fd >= 0 ? fd : -2;
}

static int
request_fd (HsLab *self, guint16 op, HsSide host, GCancellable *cancellable, GError **error)
{
  HsLabRequest request = { 0 };
  int fd;

  request.magic = HS_LAB_MAGIC;
  request.version = HS_LAB_VERSION;
  request.op = op;
  request.host = host == HS_SIDE_CLIENT ? HS_LAB_HOST_CLIENT : HS_LAB_HOST_SERVER;

  fd = lab_request (self, &request, NULL, NULL, cancellable, error);
  if (fd == -2)
    {
      g_set_error (error, HS_LAB_ERROR, HS_LAB_ERROR_PROTOCOL,
                   _ ("The lab network’s helper program answered something unexpected; is it "
                      "from another version of Handshake?"));
      return -1;
    }
  return fd;
}

static const char *
helper_path (void)
{
  const char *path = g_getenv ("HANDSHAKE_LAB_HELPER");

  return path != NULL && *path != '\0' ? path : LIBEXECDIR "/" HELPER_NAME;
}

/* Runs in the caller's thread: PR_SET_PDEATHSIG ties the helper's life to
 * the thread that forked it, so never from a short-lived worker. */
static gboolean
spawn_helper (HsLab *self, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) helper = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *path = helper_path ();
  GSocket *control;
  const char *identifier;
  int sv[2];

  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, HS_LAB_ERROR, HS_LAB_ERROR_HELPER,
                   _ ("The lab network’s helper program %s is missing."), path);
      return FALSE;
    }

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "socketpair: %s",
                   g_strerror (errsv));
      return FALSE;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_take_fd (launcher, sv[1], HS_LAB_CONTROL_FD);
  helper = g_subprocess_launcher_spawn (launcher, &local_error, path, NULL);
  if (helper == NULL)
    {
      close (sv[0]);
      g_set_error (error, HS_LAB_ERROR, HS_LAB_ERROR_HELPER,
                   _ ("The lab network’s helper program could not start: %s"),
                   local_error->message);
      return FALSE;
    }
  /* The launcher closes our copy of the helper's end when it goes. */

  control = g_socket_new_from_fd (sv[0], &local_error);
  if (control == NULL)
    {
      close (sv[0]);
      g_subprocess_force_exit (helper);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_socket_set_timeout (control, HELPER_TIMEOUT_S);

  identifier = g_subprocess_get_identifier (helper);
  self->helper_pid = identifier != NULL ? (GPid) atoi (identifier) : 0;
  self->helper = g_steal_pointer (&helper);
  self->control = control;
  return TRUE;
}

/* Waits for READY and fetches the descriptors every lab needs. Blocking;
 * runs in a worker thread for hs_lab_start_async(). */
static StartResult *
start_finish_helper (HsLab *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (StartResult) result = start_result_new ();
  HsLabReply reply;

  {
    g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

    if (!receive_reply (self->control, &reply, NULL, cancellable, error))
      return NULL;
  }

  if (reply.op != HS_LAB_OP_READY)
    {
      g_set_error (error, HS_LAB_ERROR, HS_LAB_ERROR_PROTOCOL,
                   _ ("The lab network’s helper program answered something unexpected; is it "
                      "from another version of Handshake?"));
      return NULL;
    }
  if (reply.error != 0)
    {
      /* TRANSLATORS: the first %s is the step that failed, e.g. "open
       * /dev/net/tun", the second the system's error message. */
      g_set_error (error, HS_LAB_ERROR, HS_LAB_ERROR_SETUP,
                   _ ("The lab network could not be set up (%s: %s)."), reply.what,
                   g_strerror (reply.error));
      return NULL;
    }
  result->flags = reply.flags;

  for (HsSide host = HS_SIDE_CLIENT; host <= HS_SIDE_SERVER; host++)
    {
      result->tun[host] = request_fd (self, HS_LAB_OP_GET_TUN, host, cancellable, error);
      if (result->tun[host] < 0)
        return NULL;
      result->diag_fd[host] = request_fd (self, HS_LAB_OP_GET_SOCK_DIAG, host, cancellable, error);
      if (result->diag_fd[host] < 0)
        return NULL;
    }

  return g_steal_pointer (&result);
}

static gboolean
install_result (HsLab *self, StartResult *result, GError **error)
{
  for (HsSide host = HS_SIDE_CLIENT; host <= HS_SIDE_SERVER; host++)
    {
      /* Ownership passes to HsSockDiag, which closes the descriptor even on
       * error. */
      int fd = result->diag_fd[host];

      result->diag_fd[host] = -1;
      self->diag[host] = hs_sock_diag_new_for_fd (fd, error);
      if (self->diag[host] == NULL)
        return FALSE;
      self->tun[host] = result->tun[host];
      result->tun[host] = -1;
    }

  self->ipv6 = (result->flags & HS_LAB_READY_IPV6) != 0;
  self->running = TRUE;
  g_debug ("Lab started (helper %d%s%s)", (int) self->helper_pid, self->ipv6 ? ", IPv6" : "",
           (result->flags & HS_LAB_READY_USERNS) ? ", user namespace" : "");
  return TRUE;
}

static void
start_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  HsLab *self = source_object;
  GError *error = NULL;
  StartResult *result;

  result = start_finish_helper (self, cancellable, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) start_result_free);
}

static void
caller_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static void
start_thread_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  HsLab *self = HS_LAB (object);
  g_autoptr (GTask) task = user_data;
  g_autoptr (StartResult) start_result = NULL;
  GError *error = NULL;

  self->starting = FALSE;
  if (self->caller_cancellable != NULL)
    g_cancellable_disconnect (self->caller_cancellable, self->caller_cancelled_id);
  self->caller_cancelled_id = 0;
  g_clear_object (&self->caller_cancellable);
  g_clear_object (&self->start_cancellable);

  start_result = g_task_propagate_pointer (G_TASK (result), &error);
  if (start_result == NULL || !install_result (self, start_result, &error))
    {
      hs_lab_stop (self);
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
hs_lab_dispose (GObject *object)
{
  HsLab *self = (HsLab *) object;

  hs_lab_stop (self);

  G_OBJECT_CLASS (hs_lab_parent_class)->dispose (object);
}

static void
hs_lab_finalize (GObject *object)
{
  HsLab *self = (HsLab *) object;

  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (hs_lab_parent_class)->finalize (object);
}

static void
hs_lab_class_init (HsLabClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_lab_dispose;
  object_class->finalize = hs_lab_finalize;
}

static void
hs_lab_init (HsLab *self)
{
  g_mutex_init (&self->lock);
  self->tun[0] = self->tun[1] = -1;
}

HsLab *
hs_lab_new (void)
{
  return g_object_new (HS_TYPE_LAB, NULL);
}

void
hs_lab_start_async (HsLab *self,
                    GCancellable *cancellable,
                    GAsyncReadyCallback callback,
                    gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GTask) thread_task = NULL;
  GError *error = NULL;

  g_return_if_fail (HS_IS_LAB (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hs_lab_start_async);

  if (self->running)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (self->starting)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _ ("The lab network is already starting."));
      return;
    }
  if (!spawn_helper (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  self->starting = TRUE;
  /* hs_lab_stop() cancels a start in progress through this one. */
  self->start_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      self->caller_cancellable = g_object_ref (cancellable);
      self->caller_cancelled_id =
          g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                 g_object_ref (self->start_cancellable), g_object_unref);
    }
  thread_task =
      g_task_new (self, self->start_cancellable, start_thread_done_cb, g_steal_pointer (&task));
  g_task_run_in_thread (thread_task, start_thread);
}

gboolean
hs_lab_start_finish (HsLab *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (HS_IS_LAB (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
hs_lab_start (HsLab *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (StartResult) result = NULL;

  g_return_val_if_fail (HS_IS_LAB (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->running)
    return TRUE;
  if (self->starting)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PENDING,
                   _ ("The lab network is already starting."));
      return FALSE;
    }
  if (!spawn_helper (self, error))
    return FALSE;

  result = start_finish_helper (self, cancellable, error);
  if (result == NULL || !install_result (self, result, error))
    {
      hs_lab_stop (self);
      return FALSE;
    }
  return TRUE;
}

gboolean
hs_lab_is_running (HsLab *self)
{
  g_return_val_if_fail (HS_IS_LAB (self), FALSE);

  return self->running;
}

gboolean
hs_lab_has_ipv6 (HsLab *self)
{
  g_return_val_if_fail (HS_IS_LAB (self), FALSE);

  return self->running && self->ipv6;
}

GPid
hs_lab_get_helper_pid (HsLab *self)
{
  g_return_val_if_fail (HS_IS_LAB (self), 0);

  return self->helper != NULL ? self->helper_pid : 0;
}

int
hs_lab_get_tun_fd (HsLab *self, HsSide host)
{
  g_return_val_if_fail (HS_IS_LAB (self), -1);
  g_return_val_if_fail (host == HS_SIDE_CLIENT || host == HS_SIDE_SERVER, -1);

  return self->tun[host];
}

HsSockDiag *
hs_lab_get_sock_diag (HsLab *self, HsSide host)
{
  g_return_val_if_fail (HS_IS_LAB (self), NULL);
  g_return_val_if_fail (host == HS_SIDE_CLIENT || host == HS_SIDE_SERVER, NULL);

  return self->diag[host];
}

static GSocket *
new_socket (HsLab *self, HsSide host, GSocketFamily family, const HsAddress *local, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *what = NULL;
  HsLabRequest request = { 0 };
  GSocket *socket;
  int fd, errsv = 0;

  if (family != G_SOCKET_FAMILY_IPV4 && family != G_SOCKET_FAMILY_IPV6)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _ ("The lab network has IPv4 and IPv6 hosts only."));
      return NULL;
    }
  if (family == G_SOCKET_FAMILY_IPV6 && self->running && !self->ipv6)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _ ("The lab network has no IPv6 on this system."));
      return NULL;
    }

  request.magic = HS_LAB_MAGIC;
  request.version = HS_LAB_VERSION;
  request.op = HS_LAB_OP_NEW_SOCKET;
  request.host = host == HS_SIDE_CLIENT ? HS_LAB_HOST_CLIENT : HS_LAB_HOST_SERVER;
  request.family = family == G_SOCKET_FAMILY_IPV4 ? AF_INET : AF_INET6;
  if (local != NULL)
    {
      request.flags = HS_LAB_SOCKET_BIND;
      memcpy (request.addr, local->addr, local->family == 4 ? 4 : 16);
      request.port = local->port;
    }

  fd = lab_request (self, &request, &errsv, &what, NULL, &local_error);
  if (fd == -2)
    {
      g_set_error (error, HS_LAB_ERROR, HS_LAB_ERROR_PROTOCOL,
                   _ ("The lab network’s helper program answered something unexpected; is it "
                      "from another version of Handshake?"));
      return NULL;
    }
  if (fd < 0)
    {
      /* A socket call that failed inside the lab is told like one that
       * failed here, so that "address in use" reads the same everywhere. */
      if (errsv != 0)
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", what,
                     g_strerror (errsv));
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  socket = g_socket_new_from_fd (fd, error);
  if (socket == NULL)
    close (fd);
  return socket;
}

GSocket *
hs_lab_new_socket (HsLab *self, HsSide host, GSocketFamily family, GError **error)
{
  g_return_val_if_fail (HS_IS_LAB (self), NULL);
  g_return_val_if_fail (host == HS_SIDE_CLIENT || host == HS_SIDE_SERVER, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return new_socket (self, host, family, NULL, error);
}

GSocket *
hs_lab_new_socket_bound (HsLab *self, HsSide host, const HsAddress *local, GError **error)
{
  g_return_val_if_fail (HS_IS_LAB (self), NULL);
  g_return_val_if_fail (host == HS_SIDE_CLIENT || host == HS_SIDE_SERVER, NULL);
  g_return_val_if_fail (local != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (local->family != 4 && local->family != 6)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("A socket can only be bound to an IPv4 or IPv6 address."));
      return NULL;
    }

  return new_socket (self, host, local->family == 4 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6,
                     local, error);
}

void
hs_lab_stop (HsLab *self)
{
  g_return_if_fail (HS_IS_LAB (self));

  /* A start in progress ends with an error; its completion comes back here
   * to close the control socket once the worker no longer uses it. */
  if (self->starting)
    {
      g_cancellable_cancel (self->start_cancellable);
      if (self->helper != NULL)
        g_subprocess_force_exit (self->helper);
      return;
    }

  for (guint i = 0; i < 2; i++)
    {
      g_clear_object (&self->diag[i]);
      if (self->tun[i] >= 0)
        {
          close (self->tun[i]);
          self->tun[i] = -1;
        }
    }

  /* The helper would exit by itself once its socket closes; killing it
   * first and reaping it here makes sure that no helper outlives its lab,
   * and that nothing runs in it at exit (a sanitizer's leak check would
   * ptrace it and keep it a zombie for a moment). */
  if (self->helper != NULL)
    {
      g_subprocess_force_exit (self->helper);
      g_subprocess_wait (self->helper, NULL, NULL);
      g_clear_object (&self->helper);
    }
  if (self->control != NULL)
    {
      g_socket_close (self->control, NULL);
      g_clear_object (&self->control);
    }
  self->helper_pid = 0;
  self->running = FALSE;
  self->ipv6 = FALSE;
}

void
hs_lab_get_host_address (HsSide host, GSocketFamily family, HsAddress *address)
{
  const char *text;

  g_return_if_fail (address != NULL);

  memset (address, 0, sizeof *address);
  if (family == G_SOCKET_FAMILY_IPV6)
    text = host == HS_SIDE_CLIENT ? HS_LAB_CLIENT_IPV6 : HS_LAB_SERVER_IPV6;
  else
    text = host == HS_SIDE_CLIENT ? HS_LAB_CLIENT_IPV4 : HS_LAB_SERVER_IPV4;
  hs_address_parse (text, address);
}

static gboolean
read_sysctl_int (const char *path, gint64 *value)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  return g_ascii_string_to_signed (g_strstrip (text), 10, G_MININT64, G_MAXINT64, value, NULL);
}

/* Whether an AppArmor profile that may grant the helper `userns` is loaded
 * or installed (README: the profile shipped in data/). */
static gboolean
apparmor_profile_for_helper (void)
{
  static const char *const places[] = {
    "/sys/kernel/security/apparmor/profiles",
    "/etc/apparmor.d/" HELPER_NAME,
    "/etc/apparmor.d/" APP_ID,
  };

  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (places[i], &text, NULL, NULL) && strstr (text, HELPER_NAME) != NULL)
        return TRUE;
    }
  return FALSE;
}

gboolean
hs_lab_check_available (char **reason)
{
  gint64 value;
  int fd;

  if (reason != NULL)
    *reason = NULL;

  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      if (reason != NULL)
        *reason = g_strdup (_ ("The lab network needs Linux namespaces, which the Flatpak sandbox "
                               "does not allow; install Handshake from your distribution to use "
                               "it."));
      return FALSE;
    }

  fd = g_open ("/dev/net/tun", O_RDWR | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int errsv = errno;

      if (reason != NULL)
        {
          if (errsv == EACCES || errsv == EPERM)
            *reason = g_strdup (_ ("The lab network needs the TUN device /dev/net/tun, which "
                                   "only the administrator may use on this system."));
          else
            *reason = g_strdup_printf (_ ("The lab network needs the TUN device /dev/net/tun, "
                                          "which this system does "
                                          "not offer (%s)."),
                                       g_strerror (errsv));
        }
      return FALSE;
    }
  close (fd);

  /* Root makes a network namespace without a user namespace. */
  if (geteuid () == 0)
    return TRUE;

  if (read_sysctl_int ("/proc/sys/kernel/unprivileged_userns_clone", &value) && value == 0)
    {
      if (reason != NULL)
        *reason = g_strdup_printf (_ ("The lab network needs user namespaces, which are turned "
                                      "off on this system (%s = 0)."),
                                   "kernel.unprivileged_userns_clone");
      return FALSE;
    }
  if (read_sysctl_int ("/proc/sys/user/max_user_namespaces", &value) && value == 0)
    {
      if (reason != NULL)
        *reason = g_strdup_printf (_ ("The lab network needs user namespaces, which are turned "
                                      "off on this system (%s = 0)."),
                                   "user.max_user_namespaces");
      return FALSE;
    }
  if (read_sysctl_int ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &value) &&
      value == 1 && !apparmor_profile_for_helper ())
    {
      if (reason != NULL)
        *reason = g_strdup (_ ("The lab network needs user namespaces, which AppArmor allows "
                               "only to programs with a profile; the README explains how to "
                               "install Handshake’s."));
      return FALSE;
    }

  return TRUE;
}
