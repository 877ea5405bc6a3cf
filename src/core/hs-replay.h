/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "hs-trace.h"

G_BEGIN_DECLS

/*
 * The sockets as they were: which ends of which connections existed after
 * the first n events of a trace, in which state, since when. Time travel
 * builds the socket table of a moment in the past from this, and the
 * TIME_WAIT countdown of a replayed moment from the trace's clock.
 *
 * HsReplay indexes each end's state events as the trace grows (O(new
 * events) per update), so a question about any moment costs a binary search
 * per connection, not a walk over the trace.
 */

/* 2 × MSL: Linux's TCP_TIMEWAIT_LEN, and the simulated network's default. */
#define HS_TIME_WAIT_US (60 * G_USEC_PER_SEC)

typedef struct
{
  guint connection; /* 0: the listener */
  HsSide side;
  HsTcpState state;
  guint since;     /* the index of the event that entered @state */
  gint64 since_us; /* and its time on the trace's clock */
  HsAddress local;
  HsAddress foreign; /* the listener's: the unspecified address, port 0 */
} HsReplaySocket;

typedef struct _HsReplay HsReplay;

/* clang-format off */
HsReplay *hs_replay_new                  (void);
void      hs_replay_free                 (HsReplay *self);

/* Forgets everything (the trace was cleared or replaced). */
void      hs_replay_invalidate           (HsReplay *self);
/* Indexes the events of @trace not seen yet. */
void      hs_replay_update               (HsReplay *self,
                                          HsTrace  *trace);

/* The ends whose state after the first @n_events events is neither CLOSED
 * nor unknown: the listener first, then each connection's client and
 * server. An array of HsReplaySocket; updates @self first. */
GArray   *hs_replay_sockets_at           (HsReplay *self,
                                          HsTrace  *trace,
                                          guint     n_events);

/* The time on the trace's clock after the first @n_events events: that of
 * the last of them (0 for none). */
gint64    hs_replay_time_at              (HsTrace *trace,
                                          guint    n_events);
/* How much of 2 × MSL is left for @socket in TIME_WAIT at @now_us on the
 * trace's clock (0 once it has run out). */
gint64    hs_replay_time_wait_left_us    (const HsReplaySocket *socket,
                                          gint64                now_us);
/* clang-format on */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HsReplay, hs_replay_free)

G_END_DECLS
