/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-trace-format"

#include "config.h"

#include <string.h>

#include "hs-trace-format.h"

void
hs_json_append_string (GString *out, const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; p != NULL && *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
          case '"':
            g_string_append (out, "\\\"");
            break;
          case '\\':
            g_string_append (out, "\\\\");
            break;
          case '\n':
            g_string_append (out, "\\n");
            break;
          case '\r':
            g_string_append (out, "\\r");
            break;
          case '\t':
            g_string_append (out, "\\t");
            break;
          default:
            if (c < 0x20 || c == 0x7f)
              g_string_append_printf (out, "\\u%04x", c);
            else
              g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

char *
hs_format_data (GBytes *data, guint max_chars)
{
  const guint8 *bytes;
  gsize len;
  GString *out;
  gboolean printable = TRUE;

  if (data == NULL)
    return g_strdup ("");

  bytes = g_bytes_get_data (data, &len);
  if (!g_utf8_validate ((const char *) bytes, len, NULL))
    printable = FALSE;
  /* Control characters, DEL and the C1 range too (U+009B is a terminal's
   * CSI): a peer's bytes must never steer the terminal or the screen. */
  for (const char *p = (const char *) bytes; printable && p < (const char *) bytes + len;
       p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) && c != '\n' && c != '\r' && c != '\t')
        printable = FALSE;
    }

  out = g_string_new (NULL);
  if (printable)
    {
      const char *p = (const char *) bytes;
      const char *end = p + len;
      guint n = 0;

      g_string_append_c (out, '"');
      while (p < end)
        {
          gunichar c = g_utf8_get_char (p);

          if (n++ == max_chars)
            {
              g_string_append (out, "…");
              break;
            }
          if (c == '\n')
            g_string_append (out, "\\n");
          else if (c == '\r')
            g_string_append (out, "\\r");
          else if (c == '\t')
            g_string_append (out, "\\t");
          else if (c == '"')
            g_string_append (out, "\\\"");
          else if (c == '\\')
            g_string_append (out, "\\\\");
          else
            g_string_append_unichar (out, c);
          p = g_utf8_next_char (p);
        }
      g_string_append_c (out, '"');
    }
  else
    {
      for (gsize i = 0; i < len; i++)
        {
          if (i == max_chars / 3)
            {
              g_string_append (out, " …");
              break;
            }
          g_string_append_printf (out, i == 0 ? "%02x" : " %02x", bytes[i]);
        }
    }

  return g_string_free (out, FALSE);
}

static void
append_number_field (GString *out,
                     HsTrace *trace,
                     const HsEvent *event,
                     HsLabelField field,
                     const char *name)
{
  guint32 value;
  gboolean absolute = hs_label_absolute (trace, event, field, &value);

  if (!absolute)
    value = field == HS_LABEL_FIELD_SEQ ? event->rel_seq : event->rel_ack;
  g_string_append_printf (out, ",\"%s\":%u,\"%s_absolute\":%s", name, value, name,
                          absolute ? "true" : "false");
}

char *
hs_trace_format_json_event (HsTrace *trace, guint index)
{
  const HsEvent *event = hs_trace_get_event (trace, index);
  GString *out = g_string_new (NULL);

  g_string_append_printf (out,
                          "{\"index\":%u,\"time_us\":%" G_GINT64_FORMAT
                          ",\"connection\":%u,\"kind\":\"%s\"",
                          event->index, event->time_us, event->connection,
                          hs_event_kind_to_string (event->kind));

  switch (event->kind)
    {
      case HS_EVENT_SEGMENT:
        {
          g_autofree char *flags = hs_tcp_flags_to_string (event->flags);

          g_string_append_printf (out, ",\"direction\":\"%s\",\"flags\":",
                                  event->side == HS_SIDE_CLIENT ? "client->server"
                                                                : "server->client");
          hs_json_append_string (out, flags);
          append_number_field (out, trace, event, HS_LABEL_FIELD_SEQ, "seq");
          append_number_field (out, trace, event, HS_LABEL_FIELD_ACK, "ack");
          g_string_append_printf (out, ",\"rel_seq\":%u,\"rel_ack\":%u,\"len\":%u", event->rel_seq,
                                  event->rel_ack, event->len);
          if (event->window_known)
            g_string_append_printf (out, ",\"window\":%u", event->window);
          else
            g_string_append (out, ",\"window\":null");
          g_string_append (out, ",\"options\":{");
          {
            gboolean first = TRUE;
            const HsTcpOptions *o = &event->options;

#define SEP (first ? (first = FALSE, "") : ",")
            if (o->present & HS_TCP_OPTION_MSS)
              g_string_append_printf (out, "%s\"mss\":%u", SEP, o->mss);
            if (o->present & HS_TCP_OPTION_WSCALE)
              g_string_append_printf (out, "%s\"wscale\":%u", SEP, o->wscale);
            if (o->present & HS_TCP_OPTION_SACK_PERMITTED)
              g_string_append_printf (out, "%s\"sack_permitted\":true", SEP);
            if (o->present & HS_TCP_OPTION_TIMESTAMPS)
              g_string_append_printf (out, "%s\"ts_val\":%u,\"ts_ecr\":%u", SEP, o->ts_val,
                                      o->ts_ecr);
#undef SEP
          }
          g_string_append_printf (out,
                                  "},\"provenance\":\"%s\",\"fate\":\"%s\",\"retransmission\":%u",
                                  hs_provenance_to_string (event->provenance),
                                  hs_segment_fate_to_string (event->fate), event->retransmission);
          break;
        }

      case HS_EVENT_STATE:
        g_string_append_printf (
            out, ",\"endpoint\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"source\":\"%s\"",
            hs_side_to_string (event->side), hs_tcp_state_to_string (event->from),
            hs_tcp_state_to_string (event->to), hs_state_source_to_string (event->source));
        break;

      case HS_EVENT_APP:
        g_string_append_printf (out, ",\"endpoint\":\"%s\",\"action\":\"%s\"",
                                hs_side_to_string (event->side),
                                hs_app_action_to_string (event->action));
        if (event->text != NULL)
          {
            g_string_append (out, ",\"text\":");
            hs_json_append_string (out, event->text);
          }
        if (event->data != NULL)
          {
            gsize len;
            const guint8 *bytes = g_bytes_get_data (event->data, &len);
            g_autofree char *b64 = g_base64_encode (bytes, len);
            g_autofree char *shown = hs_format_data (event->data, 200);

            g_string_append_printf (out, ",\"len\":%" G_GSIZE_FORMAT ",\"data\":", len);
            hs_json_append_string (out, shown);
            g_string_append (out, ",\"data_base64\":");
            hs_json_append_string (out, b64);
          }
        break;

      case HS_EVENT_ERROR:
        g_string_append_printf (out, ",\"endpoint\":\"%s\",\"error\":\"%s\",\"message\":",
                                hs_side_to_string (event->side),
                                hs_trace_error_to_string (event->error));
        hs_json_append_string (out, event->text != NULL ? event->text : "");
        break;

      default:
        break;
    }

  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

char *
hs_trace_format_json_connection (HsTrace *trace, guint id)
{
  const HsTraceConnection *c = hs_trace_get_connection (trace, id);
  g_autofree char *client = hs_address_to_string (&c->client);
  g_autofree char *server = hs_address_to_string (&c->server);
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "{\"id\":%u,\"client\":", id);
  hs_json_append_string (out, client);
  g_string_append (out, ",\"server\":");
  hs_json_append_string (out, server);
  for (HsSide side = HS_SIDE_CLIENT; side <= HS_SIDE_SERVER; side++)
    {
      if (c->isn_known[side])
        g_string_append_printf (out, ",\"%s_isn\":%u", hs_side_to_string (side), c->isn[side]);
      else
        g_string_append_printf (out, ",\"%s_isn\":null", hs_side_to_string (side));
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

char *
hs_trace_format_jsonl (HsTrace *trace)
{
  GString *out = g_string_new (NULL);
  guint n_connections = hs_trace_get_n_connections (trace);

  g_string_append (out, "{\"kind\":\"trace\",\"network\":");
  hs_json_append_string (out, hs_trace_get_network (trace));
  g_string_append (out, ",\"connections\":[");
  for (guint id = 1; id < n_connections; id++)
    {
      g_autofree char *connection = hs_trace_format_json_connection (trace, id);

      if (id > 1)
        g_string_append_c (out, ',');
      g_string_append (out, connection);
    }
  g_string_append (out, "]}\n");

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      g_autofree char *line = hs_trace_format_json_event (trace, i);

      g_string_append (out, line);
      g_string_append_c (out, '\n');
    }

  return g_string_free (out, FALSE);
}

static char *
describe_for_table (HsTrace *trace, const HsEvent *event, HsLabelStyle style)
{
  switch (event->kind)
    {
      case HS_EVENT_SEGMENT:
        {
          g_autofree char *title = hs_label_segment_title (trace, event, style);
          g_autofree char *window =
              event->window_known ? g_strdup_printf (" win=%u", event->window) : g_strdup ("");

          return g_strdup_printf ("%-38s%s  [%s%s%s]", title, window,
                                  hs_provenance_to_string (event->provenance),
                                  event->retransmission > 0 ? ", retransmission" : "",
                                  event->fate == HS_SEGMENT_FATE_DROPPED ? ", dropped"
                                  : event->fate == HS_SEGMENT_FATE_HELD  ? ", held"
                                                                         : "");
        }

      case HS_EVENT_STATE:
        return g_strdup_printf ("%s -> %s  [%s]", hs_tcp_state_to_string (event->from),
                                hs_tcp_state_to_string (event->to),
                                hs_state_source_to_string (event->source));

      case HS_EVENT_APP:
        {
          g_autofree char *data = hs_format_data (event->data, 40);

          return g_strdup_printf ("%s%s%s%s%s", hs_app_action_to_string (event->action),
                                  event->text != NULL ? " " : "",
                                  event->text != NULL ? event->text : "",
                                  event->data != NULL ? " " : "", data);
        }

      case HS_EVENT_ERROR:
        return g_strdup_printf ("%s: %s", hs_trace_error_to_string (event->error),
                                event->text != NULL ? event->text : "");

      default:
        return g_strdup ("");
    }
}

char *
hs_trace_format_table_header (void)
{
  return g_strdup_printf ("%10s  %4s  %-7s  %-16s  %s\n", "TIME(ms)", "CONN", "KIND", "SIDE",
                          "WHAT");
}

char *
hs_trace_format_table_row (HsTrace *trace, guint index, HsLabelStyle style)
{
  const HsEvent *event = hs_trace_get_event (trace, index);
  g_autofree char *what = describe_for_table (trace, event, style);
  const char *side;

  if (event->kind == HS_EVENT_SEGMENT)
    side = event->side == HS_SIDE_CLIENT ? "client -> server" : "server -> client";
  else
    side = hs_side_to_string (event->side);

  return g_strdup_printf ("%10.3f  %4u  %-7s  %-16s  %s\n", event->time_us / 1000.0,
                          event->connection, hs_event_kind_to_string (event->kind), side, what);
}

char *
hs_trace_format_table (HsTrace *trace, HsLabelStyle style)
{
  GString *out = g_string_new (NULL);
  g_autofree char *header = hs_trace_format_table_header ();

  g_string_append (out, header);
  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      g_autofree char *row = hs_trace_format_table_row (trace, i, style);

      g_string_append (out, row);
    }

  return g_string_free (out, FALSE);
}
