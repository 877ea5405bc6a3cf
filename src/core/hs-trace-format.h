/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hs-labels.h"
#include "hs-trace.h"

G_BEGIN_DECLS

/* clang-format off */

/* One JSON object (no newline) for the event at @index: time_us, connection,
 * kind, and for segments direction, flags, seq, ack (absolute when the ISN is
 * known, with seq_absolute/ack_absolute saying so), rel_seq, rel_ack, len,
 * window, options, provenance, fate, retransmission; for states endpoint,
 * from, to, source; for actions endpoint, action, text, data; for errors
 * endpoint, error, message. */
char     *hs_trace_format_json_event  (HsTrace *trace,
                                       guint    index);
/* One connection as a JSON object: id, client, server, client_isn,
 * server_isn (null while unknown). */
char     *hs_trace_format_json_connection (HsTrace *trace,
                                           guint    id);
/* The whole trace as JSON Lines: a first line with kind "trace" (network,
 * connections with addresses and ISNs), then one line per event. */
char     *hs_trace_format_jsonl       (HsTrace *trace);
/* A fixed-width table for a terminal, numbers written in @style. */
char     *hs_trace_format_table       (HsTrace     *trace,
                                       HsLabelStyle style);

/* The table one line at a time, for a trace written while it grows
 * (`handshake-cli serve`): the header, then the row of the event at @index
 * (each with its newline). */
char     *hs_trace_format_table_header (void);
char     *hs_trace_format_table_row   (HsTrace     *trace,
                                       guint        index,
                                       HsLabelStyle style);

/* Application data as a student should see it: printable UTF-8 in quotes
 * with escapes, otherwise hex; cut after @max_chars with "…". */
char     *hs_format_data              (GBytes *data,
                                       guint   max_chars);

/* Appends @text as a JSON string literal (with quotes). */
void      hs_json_append_string       (GString    *out,
                                       const char *text);

/* clang-format on */

G_END_DECLS
