/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-scenario.h"
#include "hs-session.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_RUNNER (hs_runner_get_type ())

G_DECLARE_FINAL_TYPE (HsRunner, hs_runner, HS, RUNNER, GObject)

#define HS_RUNNER_ERROR (hs_runner_error_quark ())

typedef enum
{
  HS_RUNNER_ERROR_STEP_FAILED,
  HS_RUNNER_ERROR_NETWORK_UNAVAILABLE,
} HsRunnerError;

GQuark    hs_runner_error_quark     (void);

/*
 * Plays a scenario on a session, one step at a time. After each step it
 * waits until the session has settled (the kernel shows the states the step
 * causes, the peer has read what was sent) or the settle timeout passes, so
 * that the same scenario gives the same trace every run. A timeout is not
 * fatal: it is reported through ::warning and the run goes on.
 */
HsRunner *hs_runner_new             (HsSession *session);

void      hs_runner_set_settle_timeout (HsRunner *self,
                                        gint64    timeout_us);
/* Set by --network: overrides `network` lines in the file. */
void      hs_runner_set_network_override (HsRunner   *self,
                                          const char *network);

void      hs_runner_run_async       (HsRunner           *self,
                                     GPtrArray          *steps,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data);
gboolean  hs_runner_run_finish      (HsRunner     *self,
                                     GAsyncResult *result,
                                     GError      **error);

/* Runs the scenario to the end on the thread-default main context. */
gboolean  hs_runner_run             (HsRunner  *self,
                                     GPtrArray *steps,
                                     GError   **error);

guint     hs_runner_get_n_warnings  (HsRunner *self);

/* clang-format on */

G_END_DECLS
