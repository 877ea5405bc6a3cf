/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "hs-trace.h"

G_BEGIN_DECLS

/*
 * HsPlayback maps the events of an HsTrace onto a timeline paced for people
 * ("lesson time", in microseconds at speed 1×): the events play one after
 * the other, each for a fixed duration, whatever their real timing was.
 * It has no clock of its own: the caller feeds elapsed time with
 * hs_playback_tick() (a widget from its frame clock, a test by hand).
 *
 * Event i occupies [start(i), start(i) + duration(i)). It is visible once the
 * position is past its start (start < position), so that the boundary between
 * two events belongs to the one that just finished: stepping back to the end
 * of an event shows it complete and nothing of the next.
 */

#define HS_PLAYBACK_SEGMENT_US (1000 * 1000) /* a segment's flight */
#define HS_PLAYBACK_STATE_US   (500 * 1000)
#define HS_PLAYBACK_APP_US     (400 * 1000)
#define HS_PLAYBACK_ERROR_US   (800 * 1000)

#define HS_PLAYBACK_SPEED_MIN 0.25
#define HS_PLAYBACK_SPEED_MAX 4.0

#define HS_TYPE_PLAYBACK (hs_playback_get_type ())

G_DECLARE_FINAL_TYPE (HsPlayback, hs_playback, HS, PLAYBACK, GObject)

/* clang-format off */
HsPlayback *hs_playback_new                (HsTrace *trace);
HsTrace    *hs_playback_get_trace          (HsPlayback *self);

/* The lesson time of one kind of event at 1×. */
gint64      hs_playback_duration_for_event (const HsEvent *event);

/* Properties "position" (gint64 µs), "speed" (double, 0.25–4, default 1)
 * and "playing" (default TRUE: a new playback follows the trace live). */
gint64      hs_playback_get_position       (HsPlayback *self);
void        hs_playback_set_position       (HsPlayback *self,
                                            gint64      position);
double      hs_playback_get_speed          (HsPlayback *self);
void        hs_playback_set_speed          (HsPlayback *self,
                                            double      speed);
gboolean    hs_playback_get_playing        (HsPlayback *self);
void        hs_playback_set_playing        (HsPlayback *self,
                                            gboolean    playing);

/* The end of the last event; it grows as the trace does. */
gint64      hs_playback_get_end            (HsPlayback *self);
guint       hs_playback_get_n_events       (HsPlayback *self);
/* @start and @duration may be NULL. */
void        hs_playback_get_event_time     (HsPlayback *self,
                                            guint       index,
                                            gint64     *start,
                                            gint64     *duration);

/* Advances the position by @elapsed_us × speed while playing (or while a
 * step is under way), never past the end. Returns TRUE when the position
 * moved. */
gboolean    hs_playback_tick               (HsPlayback *self,
                                            gint64      elapsed_us);
/* TRUE while ticks would move the position: playing short of the end, or
 * stepping. A widget keeps its tick callback only while this holds. */
gboolean    hs_playback_needs_frames       (HsPlayback *self);

/* Plays to the end of the event under way, or of the next one, then stays
 * paused there ("playing" becomes FALSE; hs_playback_is_stepping() is TRUE
 * until the target is reached). A second step while one is under way
 * completes the first at once. */
void        hs_playback_step_forward       (HsPlayback *self);
/* Jumps, paused, to the end of the event before the current one. */
void        hs_playback_step_back          (HsPlayback *self);
void        hs_playback_go_to_start        (HsPlayback *self);
/* Jumps to the end and plays, so new events animate as they arrive. */
void        hs_playback_go_live            (HsPlayback *self);
gboolean    hs_playback_is_stepping        (HsPlayback *self);
/* Property "replay" (read-only): the user went back in time (stepped
 * back, to the start, paused, sought, stepped forward) and the trace has
 * more than is shown: views show the past, replayed from the trace, until
 * hs_playback_go_live() or playing catches up with the end. */
gboolean    hs_playback_is_replay          (HsPlayback *self);
/* TRUE when playing and caught up with the trace. */
gboolean    hs_playback_is_live            (HsPlayback *self);

/* Events with start < position: the only ones drawn. */
guint       hs_playback_get_n_visible      (HsPlayback *self);
/* 0 before the event starts, 1 once it has finished. */
double      hs_playback_get_progress       (HsPlayback *self,
                                            guint       index);
/* The event being played or the last finished (the narrated one), or
 * G_MAXUINT when none is visible. */
guint       hs_playback_get_current        (HsPlayback *self);
/* clang-format on */

/* Signal "changed": anything visible changed (the position moved, events
 * were added, changed or cleared). notify::position is emitted as well
 * when the position moves. */

G_END_DECLS
