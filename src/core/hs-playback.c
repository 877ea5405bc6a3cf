/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-playback"

#include "config.h"

#include <math.h>

#include "hs-playback.h"

typedef struct
{
  gint64 start;
  gint64 duration;
} Slot;

struct _HsPlayback
{
  GObject parent_instance;

  HsTrace *trace;
  GArray *slots; /* Slot, one per event; starts never decrease */

  gint64 position;
  gint64 target; /* end of a step under way, or -1 */
  double speed;
  guint playing : 1;
  /* Following the trace's end: the default, and again after "live" or
   * once playing catches up. Cleared when the user goes back in time. */
  guint following : 1;
  guint replay : 1; /* is_replay() as last notified */
};

enum
{
  PROP_0,
  PROP_TRACE,
  PROP_POSITION,
  PROP_SPEED,
  PROP_PLAYING,
  PROP_REPLAY,
  N_PROPS
};

enum
{
  CHANGED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (HsPlayback, hs_playback, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static gint64
slot_end (const Slot *slot)
{
  return slot->start + slot->duration;
}

static gint64
get_end (HsPlayback *self)
{
  if (self->slots->len == 0)
    return 0;
  return slot_end (&g_array_index (self->slots, Slot, self->slots->len - 1));
}

static gboolean
is_replay (HsPlayback *self)
{
  return !self->following && self->position < get_end (self);
}

/* Every change goes through here, so "replay" is brought up to date before
 * views hear of it. */
static void
emit_changed (HsPlayback *self)
{
  if (is_replay (self) != self->replay)
    {
      self->replay = !self->replay;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REPLAY]);
    }
  g_signal_emit (self, signals[CHANGED], 0);
}

/* Moves the position without touching a step's target. */
static gboolean
move_to (HsPlayback *self, gint64 position)
{
  position = CLAMP (position, 0, get_end (self));
  if (position == self->position)
    return FALSE;

  self->position = position;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
  emit_changed (self);
  return TRUE;
}

static void
set_playing_internal (HsPlayback *self, gboolean playing)
{
  playing = !!playing;
  if (self->playing == playing)
    return;

  self->playing = playing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYING]);
}

static void
append_slots (HsPlayback *self)
{
  guint n_events = hs_trace_get_n_events (self->trace);

  for (guint i = self->slots->len; i < n_events; i++)
    {
      Slot slot;

      slot.start = get_end (self);
      slot.duration = hs_playback_duration_for_event (hs_trace_get_event (self->trace, i));
      g_array_append_val (self->slots, slot);
    }
}

static void
event_added_cb (HsPlayback *self, guint index, HsTrace *trace)
{
  append_slots (self);
  emit_changed (self);
}

static void
trace_changed_cb (HsPlayback *self, guint index, HsTrace *trace)
{
  emit_changed (self);
}

static void
cleared_cb (HsPlayback *self, HsTrace *trace)
{
  g_array_set_size (self->slots, 0);
  self->target = -1;
  if (self->position != 0)
    {
      self->position = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
    }
  emit_changed (self);
}

static void
hs_playback_set_trace (HsPlayback *self, HsTrace *trace)
{
  g_assert (self->trace == NULL);

  if (trace == NULL)
    trace = hs_trace_new ();
  else
    g_object_ref (trace);
  self->trace = trace;

  g_signal_connect_object (trace, "event-added", G_CALLBACK (event_added_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (trace, "event-changed", G_CALLBACK (trace_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (trace, "connection-changed", G_CALLBACK (trace_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (trace, "cleared", G_CALLBACK (cleared_cb), self, G_CONNECT_SWAPPED);

  append_slots (self);
}

static void
hs_playback_dispose (GObject *object)
{
  HsPlayback *self = (HsPlayback *) object;

  if (self->trace != NULL)
    g_signal_handlers_disconnect_by_data (self->trace, self);
  g_clear_object (&self->trace);

  G_OBJECT_CLASS (hs_playback_parent_class)->dispose (object);
}

static void
hs_playback_finalize (GObject *object)
{
  HsPlayback *self = (HsPlayback *) object;

  g_clear_pointer (&self->slots, g_array_unref);

  G_OBJECT_CLASS (hs_playback_parent_class)->finalize (object);
}

static void
hs_playback_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HsPlayback *self = HS_PLAYBACK (object);

  switch (prop_id)
    {
      case PROP_TRACE:
        g_value_set_object (value, self->trace);
        break;

      case PROP_POSITION:
        g_value_set_int64 (value, self->position);
        break;

      case PROP_SPEED:
        g_value_set_double (value, self->speed);
        break;

      case PROP_PLAYING:
        g_value_set_boolean (value, self->playing);
        break;

      case PROP_REPLAY:
        g_value_set_boolean (value, self->replay);
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_playback_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HsPlayback *self = HS_PLAYBACK (object);

  switch (prop_id)
    {
      case PROP_TRACE:
        hs_playback_set_trace (self, g_value_get_object (value));
        break;

      case PROP_POSITION:
        hs_playback_set_position (self, g_value_get_int64 (value));
        break;

      case PROP_SPEED:
        hs_playback_set_speed (self, g_value_get_double (value));
        break;

      case PROP_PLAYING:
        hs_playback_set_playing (self, g_value_get_boolean (value));
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_playback_class_init (HsPlaybackClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hs_playback_dispose;
  object_class->finalize = hs_playback_finalize;
  object_class->get_property = hs_playback_get_property;
  object_class->set_property = hs_playback_set_property;

  properties[PROP_TRACE] =
      g_param_spec_object ("trace", NULL, NULL, HS_TYPE_TRACE,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_POSITION] =
      g_param_spec_int64 ("position", NULL, NULL, 0, G_MAXINT64, 0,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_SPEED] =
      g_param_spec_double ("speed", NULL, NULL, HS_PLAYBACK_SPEED_MIN, HS_PLAYBACK_SPEED_MAX, 1.0,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_PLAYING] =
      g_param_spec_boolean ("playing", NULL, NULL, TRUE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_REPLAY] =
      g_param_spec_boolean ("replay", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HsPlayback::changed:
   *
   * Something a view draws changed: the position, the timeline (events
   * added or cleared), an event's details, or whether frames are needed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 0);
}

static void
hs_playback_init (HsPlayback *self)
{
  self->slots = g_array_new (FALSE, FALSE, sizeof (Slot));
  self->speed = 1.0;
  self->playing = TRUE;
  self->following = TRUE;
  self->target = -1;
}

HsPlayback *
hs_playback_new (HsTrace *trace)
{
  g_return_val_if_fail (trace == NULL || HS_IS_TRACE (trace), NULL);

  return g_object_new (HS_TYPE_PLAYBACK, "trace", trace, NULL);
}

HsTrace *
hs_playback_get_trace (HsPlayback *self)
{
  g_return_val_if_fail (HS_IS_PLAYBACK (self), NULL);

  return self->trace;
}

gint64
hs_playback_duration_for_event (const HsEvent *event)
{
  g_return_val_if_fail (event != NULL, 0);

  switch (event->kind)
    {
      case HS_EVENT_SEGMENT:
        return HS_PLAYBACK_SEGMENT_US;
      case HS_EVENT_STATE:
        return HS_PLAYBACK_STATE_US;
      case HS_EVENT_APP:
        return HS_PLAYBACK_APP_US;
      case HS_EVENT_ERROR:
        return HS_PLAYBACK_ERROR_US;
      default:
        return HS_PLAYBACK_APP_US;
    }
}

gint64
hs_playback_get_position (HsPlayback *self)
{
  g_return_val_if_fail (HS_IS_PLAYBACK (self), 0);

  return self->position;
}

void
hs_playback_set_position (HsPlayback *self, gint64 position)
{
  g_return_if_fail (HS_IS_PLAYBACK (self));

  /* Seeking abandons a step under way, and the live end unless it goes
   * there. */
  self->following = position >= get_end (self) && self->playing;
  if (self->target >= 0)
    self->target = -1;
  if (!move_to (self, position))
    emit_changed (self);
}

double
hs_playback_get_speed (HsPlayback *self)
{
  g_return_val_if_fail (HS_IS_PLAYBACK (self), 1.0);

  return self->speed;
}

void
hs_playback_set_speed (HsPlayback *self, double speed)
{
  g_return_if_fail (HS_IS_PLAYBACK (self));
  g_return_if_fail (!isnan (speed));

  speed = CLAMP (speed, HS_PLAYBACK_SPEED_MIN, HS_PLAYBACK_SPEED_MAX);
  if (speed == self->speed)
    return;

  self->speed = speed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
}

gboolean
hs_playback_get_playing (HsPlayback *self)
{
  g_return_val_if_fail (HS_IS_PLAYBACK (self), FALSE);

  return self->playing;
}

void
hs_playback_set_playing (HsPlayback *self, gboolean playing)
{
  g_return_if_fail (HS_IS_PLAYBACK (self));

  if (self->target < 0 && self->playing == !!playing)
    return;

  /* Play and pause both take over from a step under way. Pausing leaves the
   * live end behind; playing from the end follows it again. */
  self->target = -1;
  set_playing_internal (self, playing);
  self->following = playing && self->position >= get_end (self);
  emit_changed (self);
}

gint64
hs_playback_get_end (HsPlayback *self)
{
  g_return_val_if_fail (HS_IS_PLAYBACK (self), 0);

  return get_end (self);
}

guint
hs_playback_get_n_events (HsPlayback *self)
{
  g_return_val_if_fail (HS_IS_PLAYBACK (self), 0);

  return self->slots->len;
}

void
hs_playback_get_event_time (HsPlayback *self, guint index, gint64 *start, gint64 *duration)
{
  const Slot *slot;

  g_return_if_fail (HS_IS_PLAYBACK (self));
  g_return_if_fail (index < self->slots->len);

  slot = &g_array_index (self->slots, Slot, index);
  if (start != NULL)
    *start = slot->start;
  if (duration != NULL)
    *duration = slot->duration;
}

gboolean
hs_playback_tick (HsPlayback *self, gint64 elapsed_us)
{
  gint64 limit;
  gint64 delta;
  gboolean moved;

  g_return_val_if_fail (HS_IS_PLAYBACK (self), FALSE);

  if (elapsed_us <= 0 || !hs_playback_needs_frames (self))
    return FALSE;

  limit = self->target >= 0 ? self->target : get_end (self);
  delta = MAX (1, (gint64) llround ((double) elapsed_us * self->speed));
  /* Playing that catches up with the end follows the trace live again. */
  if (self->playing && self->target < 0 && MIN (self->position + delta, limit) >= get_end (self))
    self->following = TRUE;
  moved = move_to (self, MIN (self->position + delta, limit));

  if (self->target >= 0 && self->position >= self->target)
    {
      self->target = -1;
      emit_changed (self);
    }

  return moved;
}

gboolean
hs_playback_needs_frames (HsPlayback *self)
{
  g_return_val_if_fail (HS_IS_PLAYBACK (self), FALSE);

  if (self->target >= 0)
    return self->position < self->target;
  return self->playing && self->position < get_end (self);
}

gboolean
hs_playback_is_stepping (HsPlayback *self)
{
  g_return_val_if_fail (HS_IS_PLAYBACK (self), FALSE);

  return self->target >= 0;
}

gboolean
hs_playback_is_replay (HsPlayback *self)
{
  g_return_val_if_fail (HS_IS_PLAYBACK (self), FALSE);

  return self->replay;
}

gboolean
hs_playback_is_live (HsPlayback *self)
{
  g_return_val_if_fail (HS_IS_PLAYBACK (self), FALSE);

  return self->playing && self->position >= get_end (self);
}

void
hs_playback_step_forward (HsPlayback *self)
{
  guint n_visible;

  g_return_if_fail (HS_IS_PLAYBACK (self));

  /* A clicker pressed twice quickly: finish the first step at once. */
  if (self->target >= 0)
    {
      gint64 target = self->target;

      self->target = -1;
      move_to (self, target);
    }

  set_playing_internal (self, FALSE);
  self->following = FALSE;

  n_visible = hs_playback_get_n_visible (self);
  if (n_visible > 0 &&
      self->position < slot_end (&g_array_index (self->slots, Slot, n_visible - 1)))
    self->target = slot_end (&g_array_index (self->slots, Slot, n_visible - 1));
  else if (n_visible < self->slots->len)
    self->target = slot_end (&g_array_index (self->slots, Slot, n_visible));

  emit_changed (self);
}

void
hs_playback_step_back (HsPlayback *self)
{
  guint n_visible;

  g_return_if_fail (HS_IS_PLAYBACK (self));

  self->target = -1;
  set_playing_internal (self, FALSE);
  self->following = FALSE;

  n_visible = hs_playback_get_n_visible (self);
  if (n_visible >= 2)
    move_to (self, slot_end (&g_array_index (self->slots, Slot, n_visible - 2)));
  else
    move_to (self, 0);

  emit_changed (self);
}

void
hs_playback_go_to_start (HsPlayback *self)
{
  g_return_if_fail (HS_IS_PLAYBACK (self));

  self->target = -1;
  set_playing_internal (self, FALSE);
  self->following = FALSE;
  move_to (self, 0);
  emit_changed (self);
}

void
hs_playback_go_live (HsPlayback *self)
{
  g_return_if_fail (HS_IS_PLAYBACK (self));

  self->target = -1;
  self->following = TRUE;
  move_to (self, get_end (self));
  set_playing_internal (self, TRUE);
  emit_changed (self);
}

guint
hs_playback_get_n_visible (HsPlayback *self)
{
  guint lo = 0;
  guint hi;

  g_return_val_if_fail (HS_IS_PLAYBACK (self), 0);

  /* The number of events with start < position; starts are sorted. */
  hi = self->slots->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (self->slots, Slot, mid).start < self->position)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

double
hs_playback_get_progress (HsPlayback *self, guint index)
{
  const Slot *slot;

  g_return_val_if_fail (HS_IS_PLAYBACK (self), 0.0);

  if (index >= self->slots->len)
    return 0.0;

  slot = &g_array_index (self->slots, Slot, index);
  if (self->position <= slot->start)
    return 0.0;
  if (self->position >= slot_end (slot) || slot->duration <= 0)
    return 1.0;
  return (double) (self->position - slot->start) / (double) slot->duration;
}

guint
hs_playback_get_current (HsPlayback *self)
{
  guint n_visible;

  g_return_val_if_fail (HS_IS_PLAYBACK (self), G_MAXUINT);

  n_visible = hs_playback_get_n_visible (self);
  return n_visible > 0 ? n_visible - 1 : G_MAXUINT;
}
