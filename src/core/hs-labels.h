/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hs-trace.h"

G_BEGIN_DECLS

/* clang-format off */

/* How sequence and acknowledgement numbers are written (DESIGN.md,
 * "Sequence numbers"). */
typedef enum
{
  HS_LABEL_STYLE_SYMBOLIC, /* seq=x+1 ack=y+1, as textbooks write them */
  HS_LABEL_STYLE_RELATIVE, /* seq=1 ack=1, Wireshark's default */
  HS_LABEL_STYLE_ABSOLUTE, /* seq=2929945621, where the ISN is known */
} HsLabelStyle;

typedef enum
{
  HS_LABEL_FIELD_SEQ,
  HS_LABEL_FIELD_ACK,
} HsLabelField;

const char *hs_label_style_to_string   (HsLabelStyle style);  /* "symbolic", "relative", "absolute" */
gboolean    hs_label_style_parse       (const char   *name,
                                        HsLabelStyle *style);

/* The textbook name of a side's ISN: "x" for the client, "y" for the server. */
const char *hs_label_isn_symbol        (HsSide side);

/* "x", "x+1", "y+6": @rel bytes of sequence space after @side's ISN. */
char       *hs_label_symbolic          (HsSide  side,
                                        guint32 rel);

/* The number of @field of a segment event in @style: "x+1", "1" or
 * "2929945621". When @style is absolute and the ISN of the sequence space
 * is not known, the relative number is returned and *@exact is FALSE, so
 * callers can say so. @exact may be NULL. */
char       *hs_label_format_number     (HsTrace       *trace,
                                        const HsEvent *event,
                                        HsLabelField   field,
                                        HsLabelStyle   style,
                                        gboolean      *exact);

/* The absolute value of @field, when the ISN is known. */
gboolean    hs_label_absolute          (HsTrace       *trace,
                                        const HsEvent *event,
                                        HsLabelField   field,
                                        guint32       *value);

/* The arrow's main label: "SYN seq=x", "SYN, ACK seq=y ack=x+1",
 * "PSH, ACK seq=x+1 ack=y+1 len=5", "ACK seq=x+1 ack=y+1". The ack number is
 * shown only when the ACK flag is set. */
char       *hs_label_segment_title     (HsTrace       *trace,
                                        const HsEvent *event,
                                        HsLabelStyle   style);

/* The small line under the title with the real numbers and what else is
 * known: "x = 2929945620 · win 65495 · mss 65495 · sack · wscale 7",
 * "relative numbers: not observable on the host network", "retransmission 2". */
char       *hs_label_segment_detail    (HsTrace       *trace,
                                        const HsEvent *event,
                                        HsLabelStyle   style);

/* clang-format on */

G_END_DECLS
