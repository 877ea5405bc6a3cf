/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* GTK draws frames at GDK_PRIORITY_REDRAW; the network's tests have no
 * GTK. */
#define HS_FIXTURE_REDRAW_PRIORITY (G_PRIORITY_HIGH_IDLE + 20)

/* clang-format off */

/* Asks for @n_frames frames, one after the other, at GTK's drawing
 * priority, each telling the pace (src/net/hs-pace.c) it is done, while a
 * watched source that is always ready counts its work in @n_work: each
 * frame must be drawn within a generous deadline, the source must have
 * worked before it, and the network must not yield after it. */
void hs_fixture_frames_while_busy (const guint *n_work,
                                   guint        n_frames);

/* clang-format on */

G_END_DECLS
