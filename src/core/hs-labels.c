/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-labels"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "hs-labels.h"

static const char *const style_names[] = { "symbolic", "relative", "absolute" };

/* The side whose sequence space @field of @event counts in: a segment's seq
 * is in its sender's space, its ack in the receiver's. */
static HsSide
field_space (const HsEvent *event, HsLabelField field)
{
  return field == HS_LABEL_FIELD_SEQ ? event->side : HS_SIDE_OTHER (event->side);
}

static guint32
field_relative (const HsEvent *event, HsLabelField field)
{
  return field == HS_LABEL_FIELD_SEQ ? event->rel_seq : event->rel_ack;
}

static gboolean
has_connection (HsTrace *trace, const HsEvent *event)
{
  return event->connection < hs_trace_get_n_connections (trace);
}

const char *
hs_label_style_to_string (HsLabelStyle style)
{
  g_return_val_if_fail (style <= HS_LABEL_STYLE_ABSOLUTE, "symbolic");

  return style_names[style];
}

gboolean
hs_label_style_parse (const char *name, HsLabelStyle *style)
{
  g_return_val_if_fail (style != NULL, FALSE);

  if (name == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (style_names); i++)
    {
      if (g_ascii_strcasecmp (name, style_names[i]) == 0)
        {
          *style = (HsLabelStyle) i;
          return TRUE;
        }
    }

  return FALSE;
}

const char *
hs_label_isn_symbol (HsSide side)
{
  return side == HS_SIDE_CLIENT ? "x" : "y";
}

char *
hs_label_symbolic (HsSide side, guint32 rel)
{
  if (rel == 0)
    return g_strdup (hs_label_isn_symbol (side));

  return g_strdup_printf ("%s+%u", hs_label_isn_symbol (side), rel);
}

gboolean
hs_label_absolute (HsTrace *trace, const HsEvent *event, HsLabelField field, guint32 *value)
{
  guint32 isn;

  g_return_val_if_fail (HS_IS_TRACE (trace), FALSE);
  g_return_val_if_fail (event != NULL, FALSE);

  if (event->kind != HS_EVENT_SEGMENT || !has_connection (trace, event))
    return FALSE;
  if (!hs_trace_connection_get_isn (trace, event->connection, field_space (event, field), &isn))
    return FALSE;

  /* Sequence numbers live modulo 2^32 (RFC 9293, section 3.4). */
  if (value != NULL)
    *value = hs_seq_add (isn, field_relative (event, field));
  return TRUE;
}

char *
hs_label_format_number (HsTrace *trace,
                        const HsEvent *event,
                        HsLabelField field,
                        HsLabelStyle style,
                        gboolean *exact)
{
  guint32 rel;
  guint32 value;

  if (exact != NULL)
    *exact = TRUE;

  g_return_val_if_fail (HS_IS_TRACE (trace), NULL);
  g_return_val_if_fail (event != NULL, NULL);

  rel = field_relative (event, field);

  switch (style)
    {
      case HS_LABEL_STYLE_SYMBOLIC:
        return hs_label_symbolic (field_space (event, field), rel);

      case HS_LABEL_STYLE_ABSOLUTE:
        if (hs_label_absolute (trace, event, field, &value))
          return g_strdup_printf ("%u", value);
        if (exact != NULL)
          *exact = FALSE;
        return g_strdup_printf ("%u", rel);

      case HS_LABEL_STYLE_RELATIVE:
      default:
        return g_strdup_printf ("%u", rel);
    }
}

char *
hs_label_segment_title (HsTrace *trace, const HsEvent *event, HsLabelStyle style)
{
  g_autofree char *flags = NULL;
  g_autofree char *seq = NULL;
  GString *title;

  g_return_val_if_fail (HS_IS_TRACE (trace), NULL);
  g_return_val_if_fail (event != NULL, NULL);
  g_return_val_if_fail (event->kind == HS_EVENT_SEGMENT, NULL);

  flags = hs_tcp_flags_to_string (event->flags);
  seq = hs_label_format_number (trace, event, HS_LABEL_FIELD_SEQ, style, NULL);

  title = g_string_new (flags);
  if (title->len > 0)
    g_string_append_c (title, ' ');
  g_string_append_printf (title, "seq=%s", seq);

  /* An ack number is only meaningful when the ACK flag says so; a SYN
   * carries whatever was in the field, usually 0. */
  if (event->flags & HS_TCP_ACK)
    {
      g_autofree char *ack = hs_label_format_number (trace, event, HS_LABEL_FIELD_ACK, style, NULL);

      g_string_append_printf (title, " ack=%s", ack);
    }

  if (event->len > 0)
    g_string_append_printf (title, " len=%u", event->len);

  return g_string_free (title, FALSE);
}

/* A short, printable preview of the payload: “hello”. */
static char *
format_payload (GBytes *data)
{
  const guint8 *bytes;
  gsize len;
  GString *out;

  if (data == NULL)
    return NULL;

  bytes = g_bytes_get_data (data, &len);
  if (len == 0)
    return NULL;

  out = g_string_new ("“");
  for (gsize i = 0; i < len; i++)
    {
      if (i == 24)
        {
          g_string_append (out, "…");
          break;
        }
      if (bytes[i] == '\n')
        g_string_append (out, "\\n");
      else if (bytes[i] >= 0x20 && bytes[i] < 0x7f)
        g_string_append_c (out, (char) bytes[i]);
      else
        g_string_append_c (out, '.');
    }
  g_string_append (out, "”");

  return g_string_free (out, FALSE);
}

static void
append_part (GString *detail, const char *part)
{
  if (detail->len > 0)
    g_string_append (detail, " · ");
  g_string_append (detail, part);
}

static void
append_isn (GString *detail, HsTrace *trace, const HsEvent *event, HsSide space)
{
  g_autofree char *part = NULL;
  guint32 isn;

  if (!hs_trace_connection_get_isn (trace, event->connection, space, &isn))
    return;

  part = g_strdup_printf ("%s = %u", hs_label_isn_symbol (space), isn);
  append_part (detail, part);
}

static void
append_absolute (GString *detail,
                 HsTrace *trace,
                 const HsEvent *event,
                 HsLabelField field,
                 const char *name)
{
  g_autofree char *part = NULL;
  guint32 value;

  if (!hs_label_absolute (trace, event, field, &value))
    return;

  part = g_strdup_printf ("%s = %u", name, value);
  append_part (detail, part);
}

char *
hs_label_segment_detail (HsTrace *trace, const HsEvent *event, HsLabelStyle style)
{
  const HsTcpOptions *options;
  g_autofree char *payload = NULL;
  GString *detail;

  g_return_val_if_fail (HS_IS_TRACE (trace), NULL);
  g_return_val_if_fail (event != NULL, NULL);
  g_return_val_if_fail (event->kind == HS_EVENT_SEGMENT, NULL);

  detail = g_string_new (NULL);
  options = &event->options;

  /* A retransmission is what the teacher wants seen first. */
  if (event->retransmission > 0)
    {
      g_autofree char *part = g_strdup_printf (_ ("retransmission %u"), event->retransmission);

      append_part (detail, part);
    }

  if (style == HS_LABEL_STYLE_ABSOLUTE)
    {
      gboolean seq_exact = hs_label_absolute (trace, event, HS_LABEL_FIELD_SEQ, NULL);
      gboolean ack_exact = !(event->flags & HS_TCP_ACK) ||
                           hs_label_absolute (trace, event, HS_LABEL_FIELD_ACK, NULL);

      if (!seq_exact || !ack_exact)
        {
          if (g_strcmp0 (hs_trace_get_network (trace), "host") == 0)
            append_part (detail,
                         _ ("relative numbers: the absolute ones are not observable on the host "
                            "network"));
          else
            append_part (detail, _ ("relative numbers: the absolute ones are not known"));
        }
    }

  /* The real numbers under the textbook ones: a SYN names the ISN it
   * chooses ("x = 2929945620"); later segments give their own absolute
   * seq and ack where known, unless the title already shows them. */
  if (has_connection (trace, event))
    {
      if (event->flags & HS_TCP_SYN)
        append_isn (detail, trace, event, event->side);
      else if (style != HS_LABEL_STYLE_ABSOLUTE)
        append_absolute (detail, trace, event, HS_LABEL_FIELD_SEQ, "seq");
      if ((event->flags & HS_TCP_ACK) && style != HS_LABEL_STYLE_ABSOLUTE)
        append_absolute (detail, trace, event, HS_LABEL_FIELD_ACK, "ack");
    }

  if (event->window_known)
    {
      g_autofree char *part = g_strdup_printf (_ ("win %u"), event->window);

      append_part (detail, part);
    }

  if (options->present & HS_TCP_OPTION_MSS)
    {
      g_autofree char *part = g_strdup_printf (_ ("mss %u"), options->mss);

      append_part (detail, part);
    }

  if (options->present & HS_TCP_OPTION_WSCALE)
    {
      g_autofree char *part = g_strdup_printf (_ ("wscale %u"), options->wscale);

      append_part (detail, part);
    }

  if (options->present & (HS_TCP_OPTION_SACK_PERMITTED | HS_TCP_OPTION_SACK))
    append_part (detail, _ ("sack"));

  if (options->present & HS_TCP_OPTION_TIMESTAMPS)
    {
      g_autofree char *part = g_strdup_printf (_ ("ts %u"), options->ts_val);

      append_part (detail, part);
    }

  payload = format_payload (event->data);
  if (payload != NULL)
    append_part (detail, payload);

  return g_string_free (detail, FALSE);
}
