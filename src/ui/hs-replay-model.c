/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-replay-model"

#include "config.h"

#include "hs-replay-model.h"

#include <glib/gi18n-lib.h>

#include "hs-replay.h"
#include "hs-socket-item.h"

struct _HsReplayModel
{
  GObject parent_instance;

  HsPlayback *playback;
  HsTrace *trace;
  HsReplay *replay;
  GListStore *sockets;

  guint shown; /* events the rows show; G_MAXUINT when they must be rebuilt */
  gboolean active;
};

G_DEFINE_FINAL_TYPE (HsReplayModel, hs_replay_model, G_TYPE_OBJECT)

static void
rebuild (HsReplayModel *self)
{
  guint n_visible = hs_playback_get_n_visible (self->playback);
  g_autoptr (GArray) sockets = NULL;
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 now_us;

  if (!self->active || n_visible == self->shown)
    return;

  self->shown = n_visible;
  sockets = hs_replay_sockets_at (self->replay, self->trace, n_visible);
  now_us = hs_replay_time_at (self->trace, n_visible);

  for (guint i = 0; i < sockets->len; i++)
    {
      const HsReplaySocket *s = &g_array_index (sockets, HsReplaySocket, i);
      HsSocketItem *item = hs_socket_item_new (&s->local, &s->foreign);

      hs_socket_item_set_state (item, s->state, 0);
      hs_socket_item_set_owner (item, hs_side_to_string (s->side));
      /* The row that changed at this very event is the one to look at. */
      hs_socket_item_set_highlight (item, s->since + 1 == n_visible);
      if (s->state == HS_TCP_STATE_TIME_WAIT)
        {
          gint64 left = hs_replay_time_wait_left_us (s, now_us);
          /* TRANSLATORS: the TIME_WAIT countdown in the socket table */
          g_autofree char *timer =
              g_strdup_printf (_ ("%u s"), (guint) ((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));

          hs_socket_item_set_timer (item, timer);
        }
      g_ptr_array_add (items, item);
    }

  g_list_store_splice (self->sockets, 0, g_list_model_get_n_items (G_LIST_MODEL (self->sockets)),
                       items->pdata, items->len);
}

static void
playback_changed_cb (HsReplayModel *self)
{
  rebuild (self);
}

static void
trace_changed_cb (HsReplayModel *self)
{
  /* An address learnt later, a state confirmed: the rows may read
   * differently at the same moment. */
  self->shown = G_MAXUINT;
  rebuild (self);
}

static void
trace_cleared_cb (HsReplayModel *self)
{
  hs_replay_invalidate (self->replay);
  self->shown = G_MAXUINT;
}

static void
hs_replay_model_dispose (GObject *object)
{
  HsReplayModel *self = (HsReplayModel *) object;

  if (self->playback != NULL)
    g_signal_handlers_disconnect_by_data (self->playback, self);
  if (self->trace != NULL)
    g_signal_handlers_disconnect_by_data (self->trace, self);
  g_clear_object (&self->playback);
  g_clear_object (&self->trace);
  g_clear_object (&self->sockets);

  G_OBJECT_CLASS (hs_replay_model_parent_class)->dispose (object);
}

static void
hs_replay_model_finalize (GObject *object)
{
  HsReplayModel *self = (HsReplayModel *) object;

  g_clear_pointer (&self->replay, hs_replay_free);

  G_OBJECT_CLASS (hs_replay_model_parent_class)->finalize (object);
}

static void
hs_replay_model_class_init (HsReplayModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_replay_model_dispose;
  object_class->finalize = hs_replay_model_finalize;
}

static void
hs_replay_model_init (HsReplayModel *self)
{
  self->replay = hs_replay_new ();
  self->sockets = g_list_store_new (HS_TYPE_SOCKET_ITEM);
  self->shown = G_MAXUINT;
}

HsReplayModel *
hs_replay_model_new (HsPlayback *playback)
{
  HsReplayModel *self;

  g_return_val_if_fail (HS_IS_PLAYBACK (playback), NULL);

  self = g_object_new (HS_TYPE_REPLAY_MODEL, NULL);
  self->playback = g_object_ref (playback);
  self->trace = g_object_ref (hs_playback_get_trace (playback));

  g_signal_connect_object (playback, "changed", G_CALLBACK (playback_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->trace, "event-changed", G_CALLBACK (trace_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->trace, "connection-changed", G_CALLBACK (trace_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->trace, "cleared", G_CALLBACK (trace_cleared_cb), self,
                           G_CONNECT_SWAPPED);
  return self;
}

GListModel *
hs_replay_model_get_sockets (HsReplayModel *self)
{
  g_return_val_if_fail (HS_IS_REPLAY_MODEL (self), NULL);

  return G_LIST_MODEL (self->sockets);
}

void
hs_replay_model_set_active (HsReplayModel *self, gboolean active)
{
  g_return_if_fail (HS_IS_REPLAY_MODEL (self));

  active = !!active;
  if (self->active == active)
    return;

  /* Rows left from an earlier replay are stale by now. */
  self->active = active;
  self->shown = G_MAXUINT;
  rebuild (self);
}

guint
hs_replay_model_get_n_events (HsReplayModel *self)
{
  g_return_val_if_fail (HS_IS_REPLAY_MODEL (self), 0);

  return self->shown == G_MAXUINT ? 0 : self->shown;
}
