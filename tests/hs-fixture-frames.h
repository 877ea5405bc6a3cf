/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* GTK draws frames at GDK_PRIORITY_REDRAW, one refresh after the last
 * (at 60 Hz here); the network's tests have no GTK. */
#define HS_FIXTURE_REDRAW_PRIORITY (G_PRIORITY_HIGH_IDLE + 20)
#define HS_FIXTURE_FRAME_US        (G_USEC_PER_SEC / 60)

/* clang-format off */

/* From a frame just drawn, asks for @n_frames more, one after the other,
 * as GTK's frame clock does (at its priority, one refresh after the
 * last), each telling the
 * pace (src/net/hs-pace.c) it is done and when the next is due, while a
 * watched source that is always ready counts its work in @n_work: each
 * frame must be drawn within a generous deadline, the source must have
 * worked before it, and the network must stay below the drawing. */
void hs_fixture_frames_while_busy (const guint *n_work,
                                   guint        n_frames);
/* A frame drawn: tells the pace when the next is due, and asks for it
 * then (at GTK's priority); it adds one to @drawn when it comes. */
void hs_fixture_frame_next        (guint       *drawn);
/* @n_frames frames, one after the other, each asked for as
 * hs_fixture_frame_next() does and waited for (within a generous
 * deadline); *@yielded is set to FALSE as each is asked for. */
void hs_fixture_frames            (guint        n_frames,
                                   gboolean    *yielded);

/* clang-format on */

G_END_DECLS
