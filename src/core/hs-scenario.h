/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "hs-trace.h"

G_BEGIN_DECLS

/* clang-format off */

/* One command of the scenario language (DESIGN.md, "Scenario language"). */
typedef enum
{
  HS_STEP_NETWORK,        /* network host|lab|sim: text */
  HS_STEP_LISTEN,         /* listen [ADDR:]PORT: text (address or NULL), port */
  HS_STEP_STOP,           /* stop: the server stops listening */
  HS_STEP_CONNECT,        /* connect [HOST:PORT]: text (host or NULL), port */
  HS_STEP_SEND,           /* send SIDE "data": side, text */
  HS_STEP_CLOSE,          /* close SIDE */
  HS_STEP_SHUTDOWN,       /* shutdown SIDE: half-close */
  HS_STEP_ABORT,          /* abort SIDE: SO_LINGER 0, RST */
  HS_STEP_WAIT,           /* wait 1s / 500ms: duration_us */
  HS_STEP_WAIT_TIME_WAIT, /* wait time-wait */
  HS_STEP_DROP_NEXT,      /* drop next */
  HS_STEP_HOLD,           /* hold */
  HS_STEP_DELIVER,        /* deliver */
  HS_STEP_DELIVER_ALL,    /* deliver all */
  HS_STEP_OPEN_BOTH,      /* open both PORT PORT: simultaneous open; port, port2 */
} HsStepKind;

typedef struct
{
  HsStepKind kind;
  guint line;
  HsSide side;
  char *text;
  guint16 port;
  guint16 port2;
  gint64 duration_us;
} HsStep;

#define HS_SCENARIO_ERROR (hs_scenario_error_quark ())

typedef enum
{
  HS_SCENARIO_ERROR_SYNTAX,
} HsScenarioError;

GQuark      hs_scenario_error_quark (void);

/* Parses a scenario; the error names the line and what is wrong with it.
 * Returns an array of HsStep* (freed with the array). */
GPtrArray  *hs_scenario_parse       (const char *text,
                                     GError    **error);
GPtrArray  *hs_scenario_load        (const char *path,
                                     GError    **error);

const char *hs_step_kind_to_string  (HsStepKind kind);

/* clang-format on */

G_END_DECLS
