/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hs-trace.h"

G_BEGIN_DECLS

/* clang-format off */

/* One sentence, in the UI language, that tells a student what the event at
 * @index means, with the textbook formula and the real numbers together
 * where they are known ("ack = x + 1 = 2929945621"). */
char *hs_narration_describe (HsTrace *trace,
                             guint    index);

/* clang-format on */

G_END_DECLS
