/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-runner"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "hs-runner.h"

#define POLL_MS                   10
#define DEFAULT_SETTLE_TIMEOUT_US (10 * G_USEC_PER_SEC)
/* Linux keeps TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN); allow for the timer
 * wheel's slack. */
#define TIME_WAIT_TIMEOUT_US (75 * G_USEC_PER_SEC)
/* On the simulated network a step settles in virtual time: a connection
 * that gives up after all its retransmissions takes about 15 minutes. */
#define SIM_SETTLE_CAP_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

struct _HsRunner
{
  GObject parent_instance;

  HsSession *session;
  gint64 settle_timeout_us;
  char *network_override;
  guint n_warnings;

  /* The run in progress. */
  GTask *task;
  GPtrArray *steps;
  guint next;
  guint timeout_id;
  gint64 deadline_us;
  const HsStep *waiting;
};

enum
{
  WARNING,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (HsRunner, hs_runner, G_TYPE_OBJECT)
G_DEFINE_QUARK (hs - runner - error - quark, hs_runner_error)

static guint signals[N_SIGNALS];

static void run_next (HsRunner *self);

static void
warn (HsRunner *self, const HsStep *step, const char *message)
{
  g_autofree char *text = g_strdup_printf (_ ("Line %u (%s): %s"), step->line,
                                           hs_step_kind_to_string (step->kind), message);

  self->n_warnings++;
  g_signal_emit (self, signals[WARNING], 0, text);
}

static void
finish (HsRunner *self, GError *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->task);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_pointer (&self->steps, g_ptr_array_unref);
  self->waiting = NULL;

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
wait_cb (gpointer user_data)
{
  HsRunner *self = HS_RUNNER (user_data);
  const HsStep *step = self->waiting;
  gint64 now = g_get_monotonic_time ();
  gboolean done = FALSE;
  g_autofree char *what = NULL;

  if (g_task_return_error_if_cancelled (self->task))
    {
      g_clear_object (&self->task);
      self->timeout_id = 0;
      return G_SOURCE_REMOVE;
    }

  hs_session_refresh (self->session);

  switch (step->kind)
    {
      case HS_STEP_WAIT:
        done = now >= self->deadline_us;
        break;
      case HS_STEP_WAIT_TIME_WAIT:
        done = !hs_session_has_time_wait (self->session);
        if (!done && now >= self->deadline_us)
          {
            warn (self, step, _ ("TIME_WAIT did not end within 75 seconds."));
            done = TRUE;
          }
        break;
      default:
        done = hs_session_is_settled (self->session, &what);
        if (!done && now >= self->deadline_us)
          {
            g_autofree char *message =
                /* TRANSLATORS: the second %s is a whole sentence */
                g_strdup_printf (_ ("Gave up waiting after %.0f s. %s"),
                                 self->settle_timeout_us / (double) G_USEC_PER_SEC, what);

            warn (self, step, message);
            done = TRUE;
          }
        break;
    }

  if (!done)
    return G_SOURCE_CONTINUE;

  self->timeout_id = 0;
  self->waiting = NULL;
  run_next (self);
  return G_SOURCE_REMOVE;
}

static gboolean
sim_next_cb (gpointer user_data)
{
  HsRunner *self = HS_RUNNER (user_data);

  self->timeout_id = 0;
  if (g_task_return_error_if_cancelled (self->task))
    {
      g_clear_object (&self->task);
      return G_SOURCE_REMOVE;
    }

  self->waiting = NULL;
  run_next (self);
  return G_SOURCE_REMOVE;
}

/* The simulated network waits in virtual time, at once: until nothing is
 * in flight and no timer but a long one is due, so that a run with the
 * same seed writes the same trace. */
static void
sim_wait (HsRunner *self, HsSim *sim, const HsStep *step)
{
  switch (step->kind)
    {
      case HS_STEP_WAIT:
        hs_sim_advance (sim, step->duration_us);
        break;
      case HS_STEP_WAIT_TIME_WAIT:
        if (!hs_sim_run_until_time_wait_ends (sim, TIME_WAIT_TIMEOUT_US))
          warn (self, step, _ ("TIME_WAIT did not end within 75 seconds."));
        break;
      default:
        if (!hs_sim_run_until_idle (sim, SIM_SETTLE_CAP_US))
          warn (self, step, _ ("the simulated network did not settle within an hour."));
        break;
    }
}

static void
start_waiting (HsRunner *self, const HsStep *step)
{
  gint64 now = g_get_monotonic_time ();
  HsSim *sim = hs_session_get_sim (self->session);

  if (sim != NULL)
    {
      self->waiting = step;
      sim_wait (self, sim, step);
      self->timeout_id = g_idle_add (sim_next_cb, self);
      return;
    }

  self->waiting = step;
  switch (step->kind)
    {
      case HS_STEP_WAIT:
        self->deadline_us = now + step->duration_us;
        break;
      case HS_STEP_WAIT_TIME_WAIT:
        self->deadline_us = now + TIME_WAIT_TIMEOUT_US;
        break;
      default:
        self->deadline_us = now + self->settle_timeout_us;
        break;
    }
  self->timeout_id = g_timeout_add (POLL_MS, wait_cb, self);
}

/* The wire controls, on the lab and the simulated network. */
static gboolean
run_wire_step (HsSession *session, const HsStep *step, GError **error)
{
  switch (step->kind)
    {
      case HS_STEP_DROP_NEXT:
        return hs_session_drop_next (session, error);
      case HS_STEP_HOLD:
        return hs_session_set_hold (session, TRUE, error);
      case HS_STEP_DELIVER:
        return hs_session_deliver (session, error);
      case HS_STEP_DELIVER_ALL:
        return hs_session_deliver_all (session, error);
      default:
        g_assert_not_reached ();
        return FALSE;
    }
}

static gboolean
run_step (HsRunner *self, const HsStep *step, GError **error)
{
  HsSession *session = self->session;

  switch (step->kind)
    {
      case HS_STEP_NETWORK:
        {
          const char *name = self->network_override != NULL ? self->network_override : step->text;
          HsNetworkKind kind = HS_NETWORK_HOST;
          g_autofree char *reason = NULL;

          hs_network_kind_parse (name, &kind);
          if (kind == hs_session_get_network (session))
            return TRUE;
          reason = hs_network_kind_unavailable_reason (kind);
          g_set_error (error, HS_RUNNER_ERROR, HS_RUNNER_ERROR_NETWORK_UNAVAILABLE, "%s",
                       reason != NULL ? reason : _ ("This network cannot be used here."));
          return FALSE;
        }

      case HS_STEP_LISTEN:
        return hs_session_listen (session, step->text != NULL ? step->text : "127.0.0.1",
                                  step->port, error);

      case HS_STEP_STOP:
        hs_session_stop_listening (session);
        return TRUE;

      case HS_STEP_CONNECT:
        if (step->text != NULL)
          return hs_session_connect (session, step->text, step->port, error);
        if (!hs_session_is_listening (session))
          {
            g_set_error_literal (error, HS_RUNNER_ERROR, HS_RUNNER_ERROR_STEP_FAILED,
                                 _ ("Nothing is listening, so write where to connect: connect "
                                    "HOST:PORT."));
            return FALSE;
          }
        return hs_session_connect (session, "127.0.0.1", hs_session_get_listen_port (session),
                                   error);

      case HS_STEP_OPEN_BOTH:
        return hs_session_open_both (session, step->port, step->port2, error);

      case HS_STEP_SEND:
        return hs_session_send (session, step->side, step->text, error);

      case HS_STEP_CLOSE:
        return hs_session_close (session, step->side, error);

      case HS_STEP_SHUTDOWN:
        return hs_session_shutdown (session, step->side, error);

      case HS_STEP_ABORT:
        return hs_session_abort (session, step->side, error);

      case HS_STEP_WAIT:
      case HS_STEP_WAIT_TIME_WAIT:
        return TRUE;

      case HS_STEP_DROP_NEXT:
      case HS_STEP_HOLD:
      case HS_STEP_DELIVER:
      case HS_STEP_DELIVER_ALL:
      default:
        return run_wire_step (session, step, error);
    }
}

static void
run_next (HsRunner *self)
{
  const HsStep *step;
  g_autoptr (GError) error = NULL;

  if (self->next >= self->steps->len)
    {
      finish (self, NULL);
      return;
    }

  step = g_ptr_array_index (self->steps, self->next++);
  if (!run_step (self, step, &error))
    {
      GError *wrapped =
          g_error_new (HS_RUNNER_ERROR,
                       error->domain == HS_RUNNER_ERROR ? error->code : HS_RUNNER_ERROR_STEP_FAILED,
                       _ ("Line %u (%s): %s"), step->line, hs_step_kind_to_string (step->kind),
                       error->message);
      finish (self, wrapped);
      return;
    }

  start_waiting (self, step);
}

static void
hs_runner_dispose (GObject *object)
{
  HsRunner *self = (HsRunner *) object;

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_pointer (&self->steps, g_ptr_array_unref);
  g_clear_object (&self->session);
  g_clear_pointer (&self->network_override, g_free);

  G_OBJECT_CLASS (hs_runner_parent_class)->dispose (object);
}

static void
hs_runner_class_init (HsRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_runner_dispose;

  /**
   * HsRunner::warning:
   * @message: what did not happen in time, with the line of the scenario
   */
  signals[WARNING] = g_signal_new ("warning", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
hs_runner_init (HsRunner *self)
{
  self->settle_timeout_us = DEFAULT_SETTLE_TIMEOUT_US;
}

HsRunner *
hs_runner_new (HsSession *session)
{
  HsRunner *self;

  g_return_val_if_fail (HS_IS_SESSION (session), NULL);

  self = g_object_new (HS_TYPE_RUNNER, NULL);
  self->session = g_object_ref (session);
  return self;
}

void
hs_runner_set_settle_timeout (HsRunner *self, gint64 timeout_us)
{
  g_return_if_fail (HS_IS_RUNNER (self));
  g_return_if_fail (timeout_us > 0);

  self->settle_timeout_us = timeout_us;
}

void
hs_runner_set_network_override (HsRunner *self, const char *network)
{
  g_return_if_fail (HS_IS_RUNNER (self));

  g_free (self->network_override);
  self->network_override = g_strdup (network);
}

void
hs_runner_run_async (HsRunner *self,
                     GPtrArray *steps,
                     GCancellable *cancellable,
                     GAsyncReadyCallback callback,
                     gpointer user_data)
{
  g_return_if_fail (HS_IS_RUNNER (self));
  g_return_if_fail (steps != NULL);
  g_return_if_fail (self->task == NULL);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, hs_runner_run_async);
  self->steps = g_ptr_array_ref (steps);
  self->next = 0;

  /* A scenario moves the simulated clock itself, step by step. */
  hs_session_set_sim_realtime (self->session, FALSE);

  /* --network applies even to a scenario that does not name one. */
  if (self->network_override != NULL)
    {
      HsStep network = { .kind = HS_STEP_NETWORK, .line = 0 };
      g_autoptr (GError) error = NULL;

      if (!run_step (self, &network, &error))
        {
          finish (self, g_steal_pointer (&error));
          return;
        }
    }

  run_next (self);
}

gboolean
hs_runner_run_finish (HsRunner *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
run_sync_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

gboolean
hs_runner_run (HsRunner *self, GPtrArray *steps, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  GMainContext *context = g_main_context_get_thread_default ();

  g_return_val_if_fail (HS_IS_RUNNER (self), FALSE);

  hs_runner_run_async (self, steps, NULL, run_sync_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);

  return hs_runner_run_finish (self, result, error);
}

guint
hs_runner_get_n_warnings (HsRunner *self)
{
  g_return_val_if_fail (HS_IS_RUNNER (self), 0);

  return self->n_warnings;
}
