/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-timeline"

#include "config.h"

#include "hs-timeline.h"

#include <math.h>

#include <adwaita.h>
#include <glib/gi18n-lib.h>

#define TRACK_HEIGHT 8.0
#define KNOB_RADIUS  9.0
#define MARK_HEIGHT  16.0
#define PAD_X        (KNOB_RADIUS + 2)

struct _HsTimeline
{
  GtkWidget parent_instance;

  HsPlayback *playback;

  /* Segment marks per pixel column, for @buckets_events events at
   * @buckets_width pixels. */
  GArray *buckets; /* guint8: 0 none, 1 segment, 2 a segment that was dropped */
  guint buckets_events;
  int buckets_width;

  /* The marks drawn once into a cairo node, reused by every frame until
   * the buckets, the height or the colours change: a frame then costs one
   * node, not a rectangle per column. */
  GskRenderNode *marks;
  double marks_height;
  GdkRGBA marks_color;

  guint last_n_visible;
  guint last_n_events;
  gboolean dragging;
};

enum
{
  PROP_0,
  PROP_PLAYBACK,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (HsTimeline, hs_timeline, GTK_TYPE_WIDGET)

static GParamSpec *properties[N_PROPS];

static double
track_width (HsTimeline *self)
{
  return MAX (1.0, gtk_widget_get_width (GTK_WIDGET (self)) - 2 * PAD_X);
}

/* Recounts the marks when the trace grew or the width changed: O(events),
 * never per frame while scrubbing. */
static void
ensure_buckets (HsTimeline *self)
{
  HsTrace *trace;
  guint n_events;
  int width = (int) track_width (self);
  gint64 end;

  if (self->playback == NULL)
    return;

  n_events = hs_playback_get_n_events (self->playback);
  if (n_events == self->buckets_events && width == self->buckets_width)
    return;

  self->buckets_events = n_events;
  self->buckets_width = width;
  g_clear_pointer (&self->marks, gsk_render_node_unref);
  g_array_set_size (self->buckets, 0);
  g_array_set_size (self->buckets, width + 1);
  end = hs_playback_get_end (self->playback);
  if (end <= 0)
    return;

  trace = hs_playback_get_trace (self->playback);
  for (guint i = 0; i < n_events; i++)
    {
      const HsEvent *event = hs_trace_get_event (trace, i);
      gint64 start;
      guint column;
      guint8 *bucket;

      if (event->kind != HS_EVENT_SEGMENT)
        continue;
      hs_playback_get_event_time (self->playback, i, &start, NULL);
      column = (guint) CLAMP ((double) start / (double) end * width, 0, width);
      bucket = &g_array_index (self->buckets, guint8, column);
      *bucket = MAX (*bucket, event->fate == HS_SEGMENT_FATE_DROPPED ? 2 : 1);
    }
}

static void
update_accessible (HsTimeline *self)
{
  guint n_visible = hs_playback_get_n_visible (self->playback);
  guint n_events = hs_playback_get_n_events (self->playback);
  /* TRANSLATORS: the timeline's value for a screen reader */
  g_autofree char *text = g_strdup_printf (_ ("Event %u of %u"), n_visible, n_events);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, (double) n_events,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, (double) n_visible,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, text, -1);
}

static void
trace_event_changed_cb (HsTimeline *self)
{
  /* A held segment dropped after all: its mark changes. */
  self->buckets_events = G_MAXUINT;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
playback_changed_cb (HsTimeline *self)
{
  guint n_visible = hs_playback_get_n_visible (self->playback);
  guint n_events = hs_playback_get_n_events (self->playback);

  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (n_visible != self->last_n_visible || n_events != self->last_n_events)
    {
      self->last_n_visible = n_visible;
      self->last_n_events = n_events;
      update_accessible (self);
    }
}

double
hs_timeline_get_fraction (HsTimeline *self)
{
  gint64 end;

  g_return_val_if_fail (HS_IS_TIMELINE (self), 0.0);

  if (self->playback == NULL)
    return 0.0;
  end = hs_playback_get_end (self->playback);
  return end > 0 ? (double) hs_playback_get_position (self->playback) / (double) end : 1.0;
}

void
hs_timeline_seek (HsTimeline *self, double fraction)
{
  gint64 end;

  g_return_if_fail (HS_IS_TIMELINE (self));

  if (self->playback == NULL)
    return;

  /* Scrubbing looks at one moment: the playback waits there. */
  end = hs_playback_get_end (self->playback);
  hs_playback_set_playing (self->playback, FALSE);
  hs_playback_set_position (self->playback, (gint64) llround (CLAMP (fraction, 0.0, 1.0) * end));
}

static void
seek_to_x (HsTimeline *self, double x)
{
  hs_timeline_seek (self, (x - PAD_X) / track_width (self));
}

static void
drag_begin_cb (GtkGestureDrag *gesture, double x, double y, HsTimeline *self)
{
  self->dragging = TRUE;
  gtk_widget_grab_focus (GTK_WIDGET (self));
  seek_to_x (self, x);
}

static void
drag_update_cb (GtkGestureDrag *gesture, double dx, double dy, HsTimeline *self)
{
  double x;
  double y;

  gtk_gesture_drag_get_start_point (gesture, &x, &y);
  seek_to_x (self, x + dx);
}

static void
drag_end_cb (GtkGestureDrag *gesture, double dx, double dy, HsTimeline *self)
{
  self->dragging = FALSE;
}

static void
hs_timeline_measure (GtkWidget *widget,
                     GtkOrientation orientation,
                     int for_size,
                     int *minimum,
                     int *natural,
                     int *minimum_baseline,
                     int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 120;
      *natural = 600;
    }
  else
    *minimum = *natural = (int) (2 * KNOB_RADIUS + 8);
}

static void
append_round_rect (GtkSnapshot *snapshot,
                   const graphene_rect_t *rect,
                   double radius,
                   GdkRGBA *color)
{
  GskRoundedRect rounded;

  gsk_rounded_rect_init_from_rect (&rounded, rect, (float) radius);
  gtk_snapshot_push_rounded_clip (snapshot, &rounded);
  gtk_snapshot_append_color (snapshot, color, rect);
  gtk_snapshot_pop (snapshot);
}

static void
hs_timeline_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  HsTimeline *self = HS_TIMELINE (widget);
  double width = track_width (self);
  double height = gtk_widget_get_height (widget);
  double cy = height / 2;
  double knob_x = PAD_X + hs_timeline_get_fraction (self) * width;
  GdkRGBA fg;
  GdkRGBA track;
  GdkRGBA played;
  GdkRGBA mark;
  GdkRGBA dropped = { 0.75, 0.11, 0.16, 1 };
  AdwStyleManager *style = adw_style_manager_get_default ();

  if (self->playback == NULL)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  track = fg;
  track.alpha = 0.15;
  mark = fg;
  mark.alpha = 0.55;
  played = adw_style_manager_get_dark (style) ? (GdkRGBA){ 0.47, 0.68, 0.93, 1 }
                                              : (GdkRGBA){ 0.11, 0.44, 0.85, 1 };

  append_round_rect (snapshot,
                     &GRAPHENE_RECT_INIT (PAD_X, cy - TRACK_HEIGHT / 2, width, TRACK_HEIGHT),
                     TRACK_HEIGHT / 2, &track);
  append_round_rect (snapshot,
                     &GRAPHENE_RECT_INIT (PAD_X, cy - TRACK_HEIGHT / 2, knob_x - PAD_X,
                                          TRACK_HEIGHT),
                     TRACK_HEIGHT / 2, &played);

  /* One tick per pixel column that holds a segment: dropped ones in red
   * and taller, so the shape, not only the colour, tells them apart. */
  ensure_buckets (self);
  if (self->marks == NULL || self->marks_height != height ||
      !gdk_rgba_equal (&self->marks_color, &mark))
    {
      graphene_rect_t bounds = GRAPHENE_RECT_INIT (PAD_X - 1, 0, width + 2, height);
      cairo_t *cr;

      g_clear_pointer (&self->marks, gsk_render_node_unref);
      self->marks = gsk_cairo_node_new (&bounds);
      self->marks_height = height;
      self->marks_color = mark;
      cr = gsk_cairo_node_get_draw_context (self->marks);
      for (guint kind = 1; kind <= 2; kind++)
        {
          double h = kind == 2 ? MARK_HEIGHT + 4 : MARK_HEIGHT;

          for (guint column = 0; column < self->buckets->len; column++)
            if (g_array_index (self->buckets, guint8, column) == kind)
              cairo_rectangle (cr, PAD_X + column - 0.5, cy - h / 2, 1.5, h);
          gdk_cairo_set_source_rgba (cr, kind == 2 ? &dropped : &mark);
          cairo_fill (cr);
        }
      cairo_destroy (cr);
    }
  gtk_snapshot_append_node (snapshot, self->marks);

  {
    GdkRGBA ring = fg;

    append_round_rect (snapshot,
                       &GRAPHENE_RECT_INIT (knob_x - KNOB_RADIUS, cy - KNOB_RADIUS, 2 * KNOB_RADIUS,
                                            2 * KNOB_RADIUS),
                       KNOB_RADIUS, gtk_widget_has_focus (widget) ? &played : &ring);
    append_round_rect (snapshot,
                       &GRAPHENE_RECT_INIT (knob_x - KNOB_RADIUS + 3, cy - KNOB_RADIUS + 3,
                                            2 * KNOB_RADIUS - 6, 2 * KNOB_RADIUS - 6),
                       KNOB_RADIUS - 3, &(GdkRGBA){ 1, 1, 1, 1 });
  }
}

static void
hs_timeline_dispose (GObject *object)
{
  HsTimeline *self = (HsTimeline *) object;

  if (self->playback != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->playback, self);
      g_signal_handlers_disconnect_by_data (hs_playback_get_trace (self->playback), self);
    }
  g_clear_object (&self->playback);

  G_OBJECT_CLASS (hs_timeline_parent_class)->dispose (object);
}

static void
hs_timeline_finalize (GObject *object)
{
  HsTimeline *self = (HsTimeline *) object;

  g_clear_pointer (&self->buckets, g_array_unref);
  g_clear_pointer (&self->marks, gsk_render_node_unref);

  G_OBJECT_CLASS (hs_timeline_parent_class)->finalize (object);
}

static void
hs_timeline_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HsTimeline *self = HS_TIMELINE (object);

  switch (prop_id)
    {
      case PROP_PLAYBACK:
        g_value_set_object (value, self->playback);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_timeline_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HsTimeline *self = HS_TIMELINE (object);

  switch (prop_id)
    {
      case PROP_PLAYBACK:
        hs_timeline_set_playback (self, g_value_get_object (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_timeline_class_init (HsTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hs_timeline_dispose;
  object_class->finalize = hs_timeline_finalize;
  object_class->get_property = hs_timeline_get_property;
  object_class->set_property = hs_timeline_set_property;

  widget_class->measure = hs_timeline_measure;
  widget_class->snapshot = hs_timeline_snapshot;

  properties[PROP_PLAYBACK] =
      g_param_spec_object ("playback", NULL, NULL, HS_TYPE_PLAYBACK,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "hs-timeline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SLIDER);
}

static void
focus_changed_cb (HsTimeline *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
hs_timeline_init (HsTimeline *self)
{
  GtkGesture *drag;
  GtkEventController *focus;

  self->buckets = g_array_new (FALSE, TRUE, sizeof (guint8));
  self->buckets_width = -1;

  /* The keys are the window's (Left, Right, Home, End, Page Up, Page
   * Down): they move the playback, and the slider follows. */
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               _ ("Drag to travel back in time; End returns to live"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Timeline"), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _ ("Left and Right step through the events, Home goes to the "
                                     "start, End back to live."),
                                  -1);

  drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  focus = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (focus, "enter", G_CALLBACK (focus_changed_cb), self);
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (focus_changed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), focus);
}

GtkWidget *
hs_timeline_new (void)
{
  return g_object_new (HS_TYPE_TIMELINE, NULL);
}

HsPlayback *
hs_timeline_get_playback (HsTimeline *self)
{
  g_return_val_if_fail (HS_IS_TIMELINE (self), NULL);

  return self->playback;
}

void
hs_timeline_set_playback (HsTimeline *self, HsPlayback *playback)
{
  g_return_if_fail (HS_IS_TIMELINE (self));
  g_return_if_fail (playback == NULL || HS_IS_PLAYBACK (playback));

  if (self->playback == playback)
    return;

  if (self->playback != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->playback, self);
      g_signal_handlers_disconnect_by_data (hs_playback_get_trace (self->playback), self);
    }
  g_set_object (&self->playback, playback);
  self->buckets_events = G_MAXUINT;
  self->last_n_visible = G_MAXUINT;

  if (playback != NULL)
    {
      g_signal_connect_object (playback, "changed", G_CALLBACK (playback_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (hs_playback_get_trace (playback), "event-changed",
                               G_CALLBACK (trace_event_changed_cb), self, G_CONNECT_SWAPPED);
      playback_changed_cb (self);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYBACK]);
}
