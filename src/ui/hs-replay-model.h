/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hs-playback.h"

G_BEGIN_DECLS

/*
 * The socket table as it was at the playback's cursor, replayed from the
 * trace (HsReplay): a GListModel of HsSocketItem with the live table's
 * columns, so the same view shows either. Rows are rebuilt only when the
 * cursor crosses an event or the trace changes, and only while "active".
 */

#define HS_TYPE_REPLAY_MODEL (hs_replay_model_get_type ())

G_DECLARE_FINAL_TYPE (HsReplayModel, hs_replay_model, HS, REPLAY_MODEL, GObject)

/* clang-format off */
HsReplayModel *hs_replay_model_new         (HsPlayback    *playback);
GListModel    *hs_replay_model_get_sockets (HsReplayModel *self);
/* While inactive the rows stay as they are and nothing is computed. */
void           hs_replay_model_set_active  (HsReplayModel *self,
                                            gboolean       active);
/* The number of events the rows show (the playback's visible events). */
guint          hs_replay_model_get_n_events (HsReplayModel *self);
/* clang-format on */

G_END_DECLS
