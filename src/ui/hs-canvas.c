/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-canvas"

#include "config.h"

#include "hs-canvas.h"

#include <math.h>

#include <adwaita.h>
#include <glib/gi18n-lib.h>

/* How quickly following catches up with the current event (a time
 * constant, in seconds), and the longest frame gap fed to the playback, so
 * that a stalled frame clock does not skip events. */
#define FOLLOW_TIME_CONSTANT 0.15
#define MAX_FRAME_GAP_US     (100 * 1000)

struct _HsCanvas
{
  GtkWidget parent_instance;

  HsTrace *trace;
  HsPlayback *playback;
  HsDiagramLayout *layout;

  GtkAdjustment *hadjustment;
  GtkAdjustment *vadjustment;
  guint hscroll_policy : 1;
  guint vscroll_policy : 1;

  HsLabelStyle label_style;
  double font_scale;
  HsDiagramPalette palette;
  gboolean follow;

  guint tick_id;
  gint64 last_frame_time;
  gboolean in_tick;
  gboolean setting_scroll; /* our own changes of the vadjustment */
  gint64 last_position;

  HsCanvasTimeWaitFunc time_wait_func;
  gpointer time_wait_data;
  guint countdown_tick_id;
  gint64 countdown_drawn; /* frame time of the last countdown redraw */
};

enum
{
  PROP_0,
  PROP_TRACE,
  PROP_PLAYBACK,
  PROP_LABEL_STYLE,
  PROP_FONT_SCALE,
  PROP_PALETTE,
  PROP_FOLLOW,
  N_PROPS,

  /* GtkScrollable */
  PROP_HADJUSTMENT = N_PROPS,
  PROP_VADJUSTMENT,
  PROP_HSCROLL_POLICY,
  PROP_VSCROLL_POLICY,
};

G_DEFINE_FINAL_TYPE_WITH_CODE (HsCanvas,
                               hs_canvas,
                               GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SCROLLABLE, NULL))

static GParamSpec *properties[N_PROPS];

enum
{
  SEGMENT_CLICKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean tick_cb (GtkWidget *widget, GdkFrameClock *frame_clock, gpointer user_data);

static HsDiagramPalette
resolve_palette (HsCanvas *self)
{
  AdwStyleManager *style;
  gboolean dark;
  gboolean high_contrast;

  if (self->palette != HS_DIAGRAM_PALETTE_SYSTEM)
    return self->palette;

  style = adw_style_manager_get_default ();
  dark = adw_style_manager_get_dark (style);
  high_contrast = adw_style_manager_get_high_contrast (style);

  if (high_contrast)
    return dark ? HS_DIAGRAM_PALETTE_HIGH_CONTRAST_DARK : HS_DIAGRAM_PALETTE_HIGH_CONTRAST;
  return dark ? HS_DIAGRAM_PALETTE_DARK : HS_DIAGRAM_PALETTE_LIGHT;
}

static void
make_view (HsCanvas *self, HsDiagramView *view)
{
  hs_diagram_view_init (view, MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1),
                        MAX (gtk_widget_get_height (GTK_WIDGET (self)), 1));
  view->y = self->vadjustment != NULL ? gtk_adjustment_get_value (self->vadjustment) : 0;
  view->playback = self->playback;
  view->label_style = self->label_style;
  view->palette = resolve_palette (self);
  view->font_scale = self->font_scale;

  /* Live, the countdown is the kernel's timer; in a replay, the trace's
   * clock at the moment shown. */
  if (!hs_playback_is_replay (self->playback))
    {
      view->time_wait_left = self->time_wait_func;
      view->time_wait_data = self->time_wait_data;
    }
}

static gboolean
countdown_tick_cb (GtkWidget *widget, GdkFrameClock *frame_clock, gpointer user_data)
{
  HsCanvas *self = HS_CANVAS (widget);
  gint64 now = gdk_frame_clock_get_frame_time (frame_clock);

  if (hs_playback_is_replay (self->playback) || hs_diagram_layout_get_n_running (self->layout) == 0)
    {
      self->countdown_tick_id = 0;
      return G_SOURCE_REMOVE;
    }

  /* A second is a few pixels of the bar: four redraws a second keep it
   * moving without drawing every frame for a minute. */
  if (now - self->countdown_drawn >= G_USEC_PER_SEC / 4)
    {
      self->countdown_drawn = now;
      gtk_widget_queue_draw (widget);
    }
  return G_SOURCE_CONTINUE;
}

/* While a TIME_WAIT runs live, its countdown moves with the clock even
 * when nothing else happens. */
static void
ensure_countdown_ticking (HsCanvas *self)
{
  if (self->countdown_tick_id != 0 || hs_playback_is_replay (self->playback) ||
      hs_diagram_layout_get_n_running (self->layout) == 0)
    return;

  self->countdown_tick_id =
      gtk_widget_add_tick_callback (GTK_WIDGET (self), countdown_tick_cb, NULL, NULL);
}

static void
set_scroll_value (HsCanvas *self, double value)
{
  self->setting_scroll = TRUE;
  gtk_adjustment_set_value (self->vadjustment, value);
  self->setting_scroll = FALSE;
}

/* The scrollable height covers the events shown so far, so following the
 * playback never scrolls into empty space. */
static void
update_adjustments (HsCanvas *self)
{
  HsDiagramView view;
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));
  double upper;

  if (self->hadjustment != NULL)
    gtk_adjustment_configure (self->hadjustment, 0, 0, width, width * 0.1, width * 0.9, width);

  if (self->vadjustment == NULL)
    return;

  make_view (self, &view);
  hs_diagram_prepare_layout (self->layout, self->trace, &view);
  upper = hs_diagram_layout_get_height (self->layout, hs_playback_get_n_visible (self->playback));
  upper = MAX (ceil (upper), height);

  self->setting_scroll = TRUE;
  gtk_adjustment_configure (self->vadjustment,
                            CLAMP (gtk_adjustment_get_value (self->vadjustment), 0,
                                   MAX (0, upper - height)),
                            0, upper, MAX (height * 0.1, 1), MAX (height * 0.9, 1), height);
  self->setting_scroll = FALSE;
}

/* Where the view should be for the current event to be fully in sight. */
static double
follow_target (HsCanvas *self)
{
  guint current = hs_playback_get_current (self->playback);
  double value = gtk_adjustment_get_value (self->vadjustment);
  double page = gtk_adjustment_get_page_size (self->vadjustment);
  double upper = gtk_adjustment_get_upper (self->vadjustment);
  double band = hs_diagram_layout_get_header_band (self->layout);
  double margin = 24 * self->font_scale;
  const HsDiagramItem *item;
  double target = value;

  if (current == G_MAXUINT || current >= hs_diagram_layout_get_n_items (self->layout))
    return 0;

  item = hs_diagram_layout_get_item (self->layout, current);
  if (item->bottom + margin > value + page)
    target = item->bottom + margin - page;
  if (item->top - margin < target + band)
    target = item->top - margin - band;

  return CLAMP (target, 0, MAX (0, upper - page));
}

static gboolean
follow_step (HsCanvas *self, gint64 elapsed_us)
{
  double value;
  double target;
  double k;

  if (!self->follow || self->vadjustment == NULL)
    return FALSE;

  value = gtk_adjustment_get_value (self->vadjustment);
  target = follow_target (self);
  if (fabs (target - value) < 0.5)
    {
      if (target != value)
        set_scroll_value (self, target);
      return FALSE;
    }

  /* Exponential approach: smooth at any frame rate. */
  k = 1.0 - exp (-(double) elapsed_us / (FOLLOW_TIME_CONSTANT * G_USEC_PER_SEC));
  set_scroll_value (self, value + (target - value) * k);
  return TRUE;
}

static gboolean
follow_pending (HsCanvas *self)
{
  if (!self->follow || self->vadjustment == NULL)
    return FALSE;
  return fabs (follow_target (self) - gtk_adjustment_get_value (self->vadjustment)) >= 0.5;
}

static void
ensure_ticking (HsCanvas *self)
{
  if (self->tick_id != 0)
    return;
  if (!hs_playback_needs_frames (self->playback) && !follow_pending (self))
    return;

  self->last_frame_time = 0;
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

static gboolean
tick_cb (GtkWidget *widget, GdkFrameClock *frame_clock, gpointer user_data)
{
  HsCanvas *self = HS_CANVAS (widget);
  gint64 now = gdk_frame_clock_get_frame_time (frame_clock);
  gint64 elapsed = self->last_frame_time != 0 ? now - self->last_frame_time : 0;
  gboolean scrolling;

  self->last_frame_time = now;
  elapsed = CLAMP (elapsed, 0, MAX_FRAME_GAP_US);

  self->in_tick = TRUE;
  hs_playback_tick (self->playback, elapsed);
  self->last_position = hs_playback_get_position (self->playback);
  self->in_tick = FALSE;

  scrolling = follow_step (self, elapsed);

  if (!hs_playback_needs_frames (self->playback) && !scrolling)
    {
      self->tick_id = 0;
      self->last_frame_time = 0;
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
playback_changed_cb (HsCanvas *self, HsPlayback *playback)
{
  gint64 position = hs_playback_get_position (playback);

  /* The playback moved other than by our frames: someone pressed play, a
   * step or live, and wants to see where it went. */
  if (!self->in_tick && position != self->last_position)
    {
      self->last_position = position;
      hs_canvas_set_follow (self, TRUE);
    }

  update_adjustments (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  ensure_ticking (self);
}

static void
trace_cleared_cb (HsCanvas *self, HsTrace *trace)
{
  /* Events appended after a clear must not extend the old layout, even
   * before the next draw notices the trace shrank. */
  hs_diagram_layout_invalidate (self->layout);
}

static void
playing_changed_cb (HsCanvas *self, GParamSpec *pspec, HsPlayback *playback)
{
  if (hs_playback_get_playing (playback))
    hs_canvas_set_follow (self, TRUE);
  ensure_ticking (self);
}

static void
vadjustment_value_changed_cb (HsCanvas *self, GtkAdjustment *adjustment)
{
  double value = gtk_adjustment_get_value (adjustment);
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  gtk_widget_queue_draw (GTK_WIDGET (self));

  if (self->setting_scroll)
    return;

  /* The user scrolled. Up means "let me look back"; all the way down means
   * "show me what happens". */
  if (value >= bottom - 1)
    hs_canvas_set_follow (self, TRUE);
  else if (self->follow && value < follow_target (self) - 1)
    hs_canvas_set_follow (self, FALSE);
}

static void
set_adjustment (HsCanvas *self, GtkAdjustment **slot, GtkAdjustment *adjustment, guint prop_id)
{
  if (adjustment == NULL)
    adjustment = gtk_adjustment_new (0, 0, 0, 0, 0, 0);

  if (*slot == adjustment)
    return;

  if (*slot != NULL)
    {
      g_signal_handlers_disconnect_by_data (*slot, self);
      g_clear_object (slot);
    }

  *slot = g_object_ref_sink (adjustment);
  if (slot == &self->vadjustment)
    g_signal_connect_object (adjustment, "value-changed", G_CALLBACK (vadjustment_value_changed_cb),
                             self, G_CONNECT_SWAPPED);

  update_adjustments (self);
  g_object_notify (G_OBJECT (self), prop_id == PROP_HADJUSTMENT ? "hadjustment" : "vadjustment");
}

static void
style_changed_cb (HsCanvas *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
hs_canvas_measure (GtkWidget *widget,
                   GtkOrientation orientation,
                   int for_size,
                   int *minimum,
                   int *natural,
                   int *minimum_baseline,
                   int *natural_baseline)
{
  HsCanvas *self = HS_CANVAS (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 320;
      *natural = 960;
    }
  else
    {
      *minimum = 200;
      *natural = (int) hs_diagram_layout_get_header_band (self->layout) * 3;
    }
}

static void
hs_canvas_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  HsCanvas *self = HS_CANVAS (widget);

  update_adjustments (self);
  ensure_ticking (self);
}

static void
hs_canvas_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  HsCanvas *self = HS_CANVAS (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  HsDiagramView view;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  make_view (self, &view);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  hs_diagram_draw (cr, self->layout, self->trace, &view);
  cairo_destroy (cr);

  ensure_countdown_ticking (self);
}

static void
hs_canvas_dispose (GObject *object)
{
  HsCanvas *self = (HsCanvas *) object;

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  if (self->countdown_tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->countdown_tick_id);
      self->countdown_tick_id = 0;
    }

  if (self->hadjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->hadjustment, self);
  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->vadjustment, self);
  g_clear_object (&self->hadjustment);
  g_clear_object (&self->vadjustment);
  g_clear_object (&self->playback);
  g_clear_object (&self->trace);

  G_OBJECT_CLASS (hs_canvas_parent_class)->dispose (object);
}

static void
hs_canvas_finalize (GObject *object)
{
  HsCanvas *self = (HsCanvas *) object;

  g_clear_pointer (&self->layout, hs_diagram_layout_free);

  G_OBJECT_CLASS (hs_canvas_parent_class)->finalize (object);
}

static void
hs_canvas_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HsCanvas *self = HS_CANVAS (object);

  switch (prop_id)
    {
      case PROP_TRACE:
        g_value_set_object (value, self->trace);
        break;

      case PROP_PLAYBACK:
        g_value_set_object (value, self->playback);
        break;

      case PROP_LABEL_STYLE:
        g_value_set_int (value, self->label_style);
        break;

      case PROP_FONT_SCALE:
        g_value_set_double (value, self->font_scale);
        break;

      case PROP_PALETTE:
        g_value_set_enum (value, self->palette);
        break;

      case PROP_FOLLOW:
        g_value_set_boolean (value, self->follow);
        break;

      case PROP_HADJUSTMENT:
        g_value_set_object (value, self->hadjustment);
        break;

      case PROP_VADJUSTMENT:
        g_value_set_object (value, self->vadjustment);
        break;

      case PROP_HSCROLL_POLICY:
        g_value_set_enum (value, self->hscroll_policy);
        break;

      case PROP_VSCROLL_POLICY:
        g_value_set_enum (value, self->vscroll_policy);
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_canvas_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HsCanvas *self = HS_CANVAS (object);

  switch (prop_id)
    {
      case PROP_TRACE:
        hs_canvas_set_trace (self, g_value_get_object (value));
        break;

      case PROP_LABEL_STYLE:
        hs_canvas_set_label_style (self, g_value_get_int (value));
        break;

      case PROP_FONT_SCALE:
        hs_canvas_set_font_scale (self, g_value_get_double (value));
        break;

      case PROP_PALETTE:
        hs_canvas_set_palette (self, g_value_get_enum (value));
        break;

      case PROP_FOLLOW:
        hs_canvas_set_follow (self, g_value_get_boolean (value));
        break;

      case PROP_HADJUSTMENT:
        set_adjustment (self, &self->hadjustment, g_value_get_object (value), prop_id);
        break;

      case PROP_VADJUSTMENT:
        set_adjustment (self, &self->vadjustment, g_value_get_object (value), prop_id);
        break;

      case PROP_HSCROLL_POLICY:
        if (self->hscroll_policy != (guint) g_value_get_enum (value))
          {
            self->hscroll_policy = g_value_get_enum (value);
            gtk_widget_queue_resize (GTK_WIDGET (self));
            g_object_notify_by_pspec (object, pspec);
          }
        break;

      case PROP_VSCROLL_POLICY:
        if (self->vscroll_policy != (guint) g_value_get_enum (value))
          {
            self->vscroll_policy = g_value_get_enum (value);
            gtk_widget_queue_resize (GTK_WIDGET (self));
            g_object_notify_by_pspec (object, pspec);
          }
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hs_canvas_class_init (HsCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hs_canvas_dispose;
  object_class->finalize = hs_canvas_finalize;
  object_class->get_property = hs_canvas_get_property;
  object_class->set_property = hs_canvas_set_property;

  widget_class->measure = hs_canvas_measure;
  widget_class->size_allocate = hs_canvas_size_allocate;
  widget_class->snapshot = hs_canvas_snapshot;

  properties[PROP_TRACE] =
      g_param_spec_object ("trace", NULL, NULL, HS_TYPE_TRACE,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_PLAYBACK] = g_param_spec_object ("playback", NULL, NULL, HS_TYPE_PLAYBACK,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  properties[PROP_LABEL_STYLE] =
      g_param_spec_int ("label-style", NULL, NULL, HS_LABEL_STYLE_SYMBOLIC, HS_LABEL_STYLE_ABSOLUTE,
                        HS_LABEL_STYLE_SYMBOLIC,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_FONT_SCALE] =
      g_param_spec_double ("font-scale", NULL, NULL, 0.5, 4.0, 1.0,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_PALETTE] =
      g_param_spec_enum ("palette", NULL, NULL, HS_TYPE_DIAGRAM_PALETTE, HS_DIAGRAM_PALETTE_SYSTEM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_FOLLOW] =
      g_param_spec_boolean ("follow", NULL, NULL, TRUE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HsCanvas::segment-clicked:
   * @index: the trace index of the segment whose arrow was clicked
   * @button: the mouse button (1 primary, 3 secondary)
   */
  signals[SEGMENT_CLICKED] =
      g_signal_new ("segment-clicked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);

  g_object_class_override_property (object_class, PROP_HADJUSTMENT, "hadjustment");
  g_object_class_override_property (object_class, PROP_VADJUSTMENT, "vadjustment");
  g_object_class_override_property (object_class, PROP_HSCROLL_POLICY, "hscroll-policy");
  g_object_class_override_property (object_class, PROP_VSCROLL_POLICY, "vscroll-policy");

  gtk_widget_class_set_css_name (widget_class, "hs-canvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

/* The segment whose arrow (as far as it has travelled) passes near
 * (@x, @y) in widget coordinates, or G_MAXUINT. */
static guint
segment_at (HsCanvas *self, double x, double y)
{
  double cy = y + (self->vadjustment != NULL ? gtk_adjustment_get_value (self->vadjustment) : 0);
  double tolerance = 18.0 * MAX (self->font_scale, 1.0);
  guint n_visible;
  guint first, end;
  guint best = G_MAXUINT;
  double best_d = tolerance;

  if (self->trace == NULL || self->playback == NULL ||
      !hs_diagram_layout_find_range (self->layout, cy - tolerance, cy + tolerance, &first, &end))
    return G_MAXUINT;

  n_visible = hs_playback_get_n_visible (self->playback);
  for (guint i = first; i < end && i < n_visible; i++)
    {
      const HsDiagramItem *item = hs_diagram_layout_get_item (self->layout, i);
      double x1, y1, dx, dy, t, px, py, d;

      if (item->kind != HS_EVENT_SEGMENT)
        continue;

      /* The part of the arrow drawn so far: a held packet stops midway. */
      x1 = item->x_from + (item->x_to - item->x_from) * item->reach;
      y1 = item->y_from + (item->y_to - item->y_from) * item->reach;
      dx = x1 - item->x_from;
      dy = y1 - item->y_from;
      t = (dx * dx + dy * dy) > 0
              ? CLAMP (((x - item->x_from) * dx + (cy - item->y_from) * dy) / (dx * dx + dy * dy),
                       0.0, 1.0)
              : 0.0;
      px = item->x_from + t * dx;
      py = item->y_from + t * dy;
      d = hypot (x - px, cy - py);
      if (d < best_d)
        {
          best_d = d;
          best = i;
        }
    }

  return best;
}

static void
click_released_cb (GtkGestureClick *gesture, int n_press, double x, double y, HsCanvas *self)
{
  guint index = segment_at (self, x, y);
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));

  if (index != G_MAXUINT)
    g_signal_emit (self, signals[SEGMENT_CLICKED], 0, index, button);
}

static void
hs_canvas_init (HsCanvas *self)
{
  GtkGesture *click;

  AdwStyleManager *style = adw_style_manager_get_default ();

  self->layout = hs_diagram_layout_new ();
  self->label_style = HS_LABEL_STYLE_SYMBOLIC;
  self->font_scale = 1.0;
  self->palette = HS_DIAGRAM_PALETTE_SYSTEM;
  self->follow = TRUE;

  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Sequence diagram"), -1);

  g_signal_connect_object (style, "notify::dark", G_CALLBACK (style_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (style, "notify::high-contrast", G_CALLBACK (style_changed_cb), self,
                           G_CONNECT_SWAPPED);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), 0);
  g_signal_connect (click, "released", G_CALLBACK (click_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  hs_canvas_set_trace (self, NULL);
}

GtkWidget *
hs_canvas_new (void)
{
  return g_object_new (HS_TYPE_CANVAS, NULL);
}

HsTrace *
hs_canvas_get_trace (HsCanvas *self)
{
  g_return_val_if_fail (HS_IS_CANVAS (self), NULL);

  return self->trace;
}

void
hs_canvas_set_trace (HsCanvas *self, HsTrace *trace)
{
  g_autoptr (HsTrace) owned = NULL;
  double speed = 1.0;

  g_return_if_fail (HS_IS_CANVAS (self));
  g_return_if_fail (trace == NULL || HS_IS_TRACE (trace));

  if (trace != NULL && trace == self->trace)
    return;
  if (trace == NULL)
    trace = owned = hs_trace_new ();

  if (self->playback != NULL)
    {
      speed = hs_playback_get_speed (self->playback);
      g_signal_handlers_disconnect_by_data (self->playback, self);
      g_clear_object (&self->playback);
    }
  if (self->trace != NULL)
    g_signal_handlers_disconnect_by_data (self->trace, self);

  g_set_object (&self->trace, trace);
  self->playback = hs_playback_new (trace);
  hs_playback_set_speed (self->playback, speed);
  self->last_position = hs_playback_get_position (self->playback);

  g_signal_connect_object (trace, "cleared", G_CALLBACK (trace_cleared_cb), self,
                           G_CONNECT_SWAPPED);

  /* The playback's "changed" covers new, changed and cleared events. */
  g_signal_connect_object (self->playback, "changed", G_CALLBACK (playback_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->playback, "notify::playing", G_CALLBACK (playing_changed_cb), self,
                           G_CONNECT_SWAPPED);

  hs_diagram_layout_invalidate (self->layout);
  update_adjustments (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  ensure_ticking (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRACE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYBACK]);
}

HsPlayback *
hs_canvas_get_playback (HsCanvas *self)
{
  g_return_val_if_fail (HS_IS_CANVAS (self), NULL);

  return self->playback;
}

HsLabelStyle
hs_canvas_get_label_style (HsCanvas *self)
{
  g_return_val_if_fail (HS_IS_CANVAS (self), HS_LABEL_STYLE_SYMBOLIC);

  return self->label_style;
}

void
hs_canvas_set_label_style (HsCanvas *self, HsLabelStyle style)
{
  g_return_if_fail (HS_IS_CANVAS (self));
  g_return_if_fail (style <= HS_LABEL_STYLE_ABSOLUTE);

  if (self->label_style == style)
    return;

  self->label_style = style;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL_STYLE]);
}

double
hs_canvas_get_font_scale (HsCanvas *self)
{
  g_return_val_if_fail (HS_IS_CANVAS (self), 1.0);

  return self->font_scale;
}

void
hs_canvas_set_font_scale (HsCanvas *self, double font_scale)
{
  g_return_if_fail (HS_IS_CANVAS (self));

  font_scale = CLAMP (font_scale, 0.5, 4.0);
  if (self->font_scale == font_scale)
    return;

  self->font_scale = font_scale;
  update_adjustments (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  ensure_ticking (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FONT_SCALE]);
}

HsDiagramPalette
hs_canvas_get_palette (HsCanvas *self)
{
  g_return_val_if_fail (HS_IS_CANVAS (self), HS_DIAGRAM_PALETTE_SYSTEM);

  return self->palette;
}

void
hs_canvas_set_palette (HsCanvas *self, HsDiagramPalette palette)
{
  g_return_if_fail (HS_IS_CANVAS (self));

  if (self->palette == palette)
    return;

  self->palette = palette;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PALETTE]);
}

gboolean
hs_canvas_get_follow (HsCanvas *self)
{
  g_return_val_if_fail (HS_IS_CANVAS (self), FALSE);

  return self->follow;
}

void
hs_canvas_set_follow (HsCanvas *self, gboolean follow)
{
  g_return_if_fail (HS_IS_CANVAS (self));

  follow = !!follow;
  if (self->follow == follow)
    return;

  self->follow = follow;
  ensure_ticking (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOW]);
}

void
hs_canvas_set_time_wait_func (HsCanvas *self, HsCanvasTimeWaitFunc func, gpointer user_data)
{
  g_return_if_fail (HS_IS_CANVAS (self));

  self->time_wait_func = func;
  self->time_wait_data = user_data;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

HsDiagramLayout *
hs_canvas_get_layout (HsCanvas *self)
{
  g_return_val_if_fail (HS_IS_CANVAS (self), NULL);

  return self->layout;
}
