/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-connection-trace"

#include "config.h"

#include "hs-connection-trace.h"

typedef struct
{
  HsTrace *source; /* weak: the mirror lives only as long as its viewers */
  guint id;
  GHashTable *index_map; /* source index → mirror index */
} Mirror;

static void
mirror_free (Mirror *m)
{
  g_clear_weak_pointer (&m->source);
  g_hash_table_unref (m->index_map);
  g_free (m);
}

static Mirror *
get_mirror (HsTrace *trace)
{
  return g_object_get_data (G_OBJECT (trace), "hs-connection-mirror");
}

static void
copy_connection (HsTrace *mirror, HsTrace *source, guint id)
{
  const HsTraceConnection *from = hs_trace_get_connection (source, id);

  if (id >= hs_trace_get_n_connections (mirror))
    return;
  if (from->client.family != 0)
    hs_trace_set_connection_address (mirror, id, HS_SIDE_CLIENT, &from->client);
  if (from->server.family != 0)
    hs_trace_set_connection_address (mirror, id, HS_SIDE_SERVER, &from->server);
  for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
    if (from->isn_known[side])
      hs_trace_set_isn (mirror, id, side, from->isn[side]);
}

static void
copy_event (HsTrace *mirror, Mirror *m, const HsEvent *event)
{
  guint index;

  if (event->connection != m->id)
    return;
  index = hs_trace_append (mirror, event);
  g_hash_table_insert (m->index_map, GUINT_TO_POINTER (event->index), GUINT_TO_POINTER (index));
}

static void
event_added_cb (HsTrace *mirror, guint index)
{
  Mirror *m = get_mirror (mirror);

  if (m->source != NULL)
    copy_event (mirror, m, hs_trace_get_event (m->source, index));
}

static void
event_changed_cb (HsTrace *mirror, guint index)
{
  Mirror *m = get_mirror (mirror);
  const HsEvent *event;
  gpointer value;

  if (m->source == NULL ||
      !g_hash_table_lookup_extended (m->index_map, GUINT_TO_POINTER (index), NULL, &value))
    return;

  event = hs_trace_get_event (m->source, index);
  if (event->kind == HS_EVENT_SEGMENT)
    {
      hs_trace_update_segment (mirror, GPOINTER_TO_UINT (value), event->provenance,
                               event->window_known, event->window, &event->options);
      hs_trace_update_segment_fate (mirror, GPOINTER_TO_UINT (value), event->fate);
    }
  else if (event->kind == HS_EVENT_STATE)
    hs_trace_update_state_source (mirror, GPOINTER_TO_UINT (value), event->source);
}

static void
connection_changed_cb (HsTrace *mirror, guint id)
{
  Mirror *m = get_mirror (mirror);

  if (m->source != NULL && id == m->id)
    copy_connection (mirror, m->source, id);
}

HsTrace *
hs_connection_trace_new (HsTrace *source, guint id)
{
  HsTrace *mirror;
  Mirror *m;

  g_return_val_if_fail (HS_IS_TRACE (source), NULL);
  g_return_val_if_fail (id > 0 && id < hs_trace_get_n_connections (source), NULL);

  mirror = hs_trace_new ();
  hs_trace_set_network (mirror, hs_trace_get_network (source));
  /* The copies keep the times they had: the diagram's spacing and the
   * playback read the real moments, not when the copy was made. */
  hs_trace_set_virtual_time (mirror, TRUE);

  /* The same ids, so the diagram's separators and header name the
   * connection as the list does. */
  while (hs_trace_get_n_connections (mirror) <= id)
    hs_trace_add_connection (mirror, NULL, NULL);
  copy_connection (mirror, source, id);

  m = g_new0 (Mirror, 1);
  m->id = id;
  m->index_map = g_hash_table_new (NULL, NULL);
  g_set_weak_pointer (&m->source, source);
  g_object_set_data_full (G_OBJECT (mirror), "hs-connection-mirror", m,
                          (GDestroyNotify) mirror_free);

  for (guint i = 0; i < hs_trace_get_n_events (source); i++)
    copy_event (mirror, m, hs_trace_get_event (source, i));

  g_signal_connect_object (source, "event-added", G_CALLBACK (event_added_cb), mirror,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (source, "event-changed", G_CALLBACK (event_changed_cb), mirror,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (source, "connection-changed", G_CALLBACK (connection_changed_cb), mirror,
                           G_CONNECT_SWAPPED);
  return mirror;
}

guint
hs_connection_trace_get_id (HsTrace *trace)
{
  Mirror *m;

  g_return_val_if_fail (HS_IS_TRACE (trace), 0);

  m = get_mirror (trace);
  return m != NULL ? m->id : 0;
}
