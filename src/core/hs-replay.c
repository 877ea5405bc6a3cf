/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-replay"

#include "config.h"

#include "hs-replay.h"

struct _HsReplay
{
  /* For connection c and side s, at 2c + s: a GArray of the indices of that
   * end's state events, in trace order. */
  GPtrArray *ends;
  guint seen; /* events indexed so far */
};

HsReplay *
hs_replay_new (void)
{
  HsReplay *self = g_new0 (HsReplay, 1);

  self->ends = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  return self;
}

void
hs_replay_free (HsReplay *self)
{
  if (self == NULL)
    return;

  g_ptr_array_unref (self->ends);
  g_free (self);
}

void
hs_replay_invalidate (HsReplay *self)
{
  g_return_if_fail (self != NULL);

  g_ptr_array_set_size (self->ends, 0);
  self->seen = 0;
}

static GArray *
get_end (HsReplay *self, guint connection, HsSide side)
{
  guint slot = connection * 2 + side;

  while (self->ends->len <= slot)
    g_ptr_array_add (self->ends, g_array_new (FALSE, FALSE, sizeof (guint)));
  return g_ptr_array_index (self->ends, slot);
}

void
hs_replay_update (HsReplay *self, HsTrace *trace)
{
  guint n_events;

  g_return_if_fail (self != NULL);
  g_return_if_fail (HS_IS_TRACE (trace));

  n_events = hs_trace_get_n_events (trace);
  /* A trace that shrank was cleared. */
  if (n_events < self->seen)
    hs_replay_invalidate (self);

  for (guint i = self->seen; i < n_events; i++)
    {
      const HsEvent *event = hs_trace_get_event (trace, i);

      if (event->kind == HS_EVENT_STATE)
        g_array_append_val (get_end (self, event->connection, event->side), i);
    }
  self->seen = n_events;
}

/* The last state event of @end before @n_events, or G_MAXUINT. */
static guint
last_before (GArray *end, guint n_events)
{
  guint lo = 0;
  guint hi = end->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (end, guint, mid) < n_events)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo > 0 ? g_array_index (end, guint, lo - 1) : G_MAXUINT;
}

GArray *
hs_replay_sockets_at (HsReplay *self, HsTrace *trace, guint n_events)
{
  GArray *sockets;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (HS_IS_TRACE (trace), NULL);

  hs_replay_update (self, trace);
  sockets = g_array_new (FALSE, TRUE, sizeof (HsReplaySocket));
  n_events = MIN (n_events, self->seen);

  for (guint slot = 0; slot < self->ends->len; slot++)
    {
      guint connection = slot / 2;
      /* The listener has only a server end; connections list their client
       * first, as the live table does. */
      HsSide side = slot % 2 == 0 ? HS_SIDE_CLIENT : HS_SIDE_SERVER;
      guint index = last_before (g_ptr_array_index (self->ends, slot), n_events);
      const HsTraceConnection *c;
      const HsEvent *event;
      HsReplaySocket socket = { 0 };

      if (index == G_MAXUINT)
        continue;
      event = hs_trace_get_event (trace, index);
      if (event->to == HS_TCP_STATE_CLOSED || event->to == HS_TCP_STATE_UNKNOWN)
        continue;

      c = hs_trace_get_connection (trace, connection);
      socket.connection = connection;
      socket.side = side;
      socket.state = event->to;
      socket.since = index;
      socket.since_us = event->time_us;
      if (c == NULL)
        continue;
      if (connection == 0)
        {
          socket.local = c->server;
          socket.foreign.family = c->server.family;
        }
      else
        {
          socket.local = side == HS_SIDE_CLIENT ? c->client : c->server;
          socket.foreign = side == HS_SIDE_CLIENT ? c->server : c->client;
        }
      g_array_append_val (sockets, socket);
    }

  return sockets;
}

gint64
hs_replay_time_at (HsTrace *trace, guint n_events)
{
  g_return_val_if_fail (HS_IS_TRACE (trace), 0);

  n_events = MIN (n_events, hs_trace_get_n_events (trace));
  return n_events > 0 ? hs_trace_get_event (trace, n_events - 1)->time_us : 0;
}

gint64
hs_replay_time_wait_left_us (const HsReplaySocket *socket, gint64 now_us)
{
  g_return_val_if_fail (socket != NULL, 0);

  return CLAMP (HS_TIME_WAIT_US - (now_us - socket->since_us), 0, HS_TIME_WAIT_US);
}
