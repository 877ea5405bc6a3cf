/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-narration"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "hs-labels.h"
#include "hs-narration.h"
#include "hs-trace-format.h"

static const char *
side_name (HsSide side)
{
  return side == HS_SIDE_CLIENT ? _ ("client") : _ ("server");
}

/* "x + 1 = 2929945621" when the absolute value is known, else "x + 1". */
static char *
formula (HsTrace *trace, const HsEvent *event, HsLabelField field)
{
  HsSide space = field == HS_LABEL_FIELD_SEQ ? event->side : HS_SIDE_OTHER (event->side);
  guint32 rel = field == HS_LABEL_FIELD_SEQ ? event->rel_seq : event->rel_ack;
  const char *symbol = space == HS_SIDE_CLIENT ? "x" : "y";
  g_autofree char *symbolic =
      rel == 0 ? g_strdup (symbol) : g_strdup_printf ("%s + %u", symbol, rel);
  guint32 value;

  if (hs_label_absolute (trace, event, field, &value))
    return g_strdup_printf ("%s = %u", symbolic, value);
  return g_steal_pointer (&symbolic);
}

/* The FIN of @event's peer that @event acknowledges, if any. */
static gboolean
acks_peer_fin (HsTrace *trace, const HsEvent *event)
{
  for (guint i = event->index; i-- > 0;)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);

      if (e->kind != HS_EVENT_SEGMENT || e->connection != event->connection ||
          e->side == event->side)
        continue;
      if ((e->flags & HS_TCP_FIN) && e->rel_seq + e->len + 1 == event->rel_ack)
        return TRUE;
      /* Nothing before the peer's SYN belongs to this connection: stop
       * there, so describing an event of a long trace does not walk all of
       * it (the scrubber describes many). */
      if (e->flags & HS_TCP_SYN)
        break;
    }
  return FALSE;
}

static char *
describe_segment (HsTrace *trace, const HsEvent *event)
{
  const char *who = side_name (event->side);
  const char *peer = side_name (HS_SIDE_OTHER (event->side));
  g_autofree char *seq = formula (trace, event, HS_LABEL_FIELD_SEQ);
  g_autofree char *ack = formula (trace, event, HS_LABEL_FIELD_ACK);
  guint8 f = event->flags;
  char *sentence;

  if ((f & HS_TCP_SYN) && !(f & HS_TCP_ACK))
    {
      if (event->retransmission > 0)
        sentence = g_strdup_printf (_ ("No answer yet, so the %s's kernel sends the same SYN again "
                                       "(retransmission %u, seq = %s)."),
                                    who, event->retransmission, seq);
      else
        sentence = g_strdup_printf (_ ("The %s sends SYN to ask for a connection, with its "
                                       "randomly chosen initial sequence number seq = %s."),
                                    who, seq);
    }
  else if ((f & HS_TCP_SYN) && (f & HS_TCP_ACK))
    sentence = g_strdup_printf (_ ("The %s answers with SYN, ACK: it acknowledges the %s's SYN "
                                   "with ack = %s and picks its own initial sequence number "
                                   "seq = %s."),
                                who, peer, ack, seq);
  else if (f & HS_TCP_RST)
    {
      if (event->rel_seq == 0 && event->rel_ack == 1 && (f & HS_TCP_ACK))
        sentence = g_strdup_printf (_ ("Nothing is listening on that port, so the %s's kernel "
                                       "refuses with RST, ACK (ack = %s)."),
                                    who, ack);
      else
        sentence = g_strdup_printf (_ ("The %s resets the connection with RST (seq = %s): both "
                                       "ends drop it at once, without the four-way close."),
                                    who, seq);
    }
  else if (f & HS_TCP_FIN)
    sentence =
        g_strdup_printf (_ ("The %s sends FIN (seq = %s): it has no more data to send."), who, seq);
  else if (event->len > 0)
    sentence =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "The %s sends %u byte of data with seq = %s; the byte "
                                      "after it will be numbered seq + %u.",
                                      "The %s sends %u bytes of data with seq = %s; the byte "
                                      "after them will be numbered seq + %u.",
                                      event->len),
                         who, event->len, seq, event->len);
  else if (event->rel_seq == 1 && event->rel_ack == 1 && event->side == HS_SIDE_CLIENT)
    sentence = g_strdup_printf (_ ("The %s acknowledges the %s's SYN with ACK, ack = %s: the "
                                   "three-way handshake is complete."),
                                who, peer, ack);
  else if (acks_peer_fin (trace, event))
    sentence = g_strdup_printf (_ ("The %s's kernel acknowledges the %s's FIN at once: ACK, "
                                   "ack = %s."),
                                who, peer, ack);
  else
    sentence = g_strdup_printf (_ ("The %s's kernel acknowledges everything up to ack = %s, the "
                                   "next byte it expects."),
                                who, ack);

  if (event->provenance == HS_PROVENANCE_INFERRED)
    {
      g_autofree char *base = sentence;

      /* TRANSLATORS: appended to a sentence about a segment that was not
       * seen but follows from what the sockets did */
      sentence = g_strdup_printf (_ ("%s (Inferred.)"), base);
    }

  return sentence;
}

static char *
describe_state (HsTrace *trace, const HsEvent *event)
{
  const char *who = side_name (event->side);
  const char *name = hs_tcp_state_to_string (event->to);
  char *sentence;

  switch (event->to)
    {
      case HS_TCP_STATE_LISTEN:
        sentence =
            g_strdup_printf (_ ("The %s enters %s: it waits for connection requests."), who, name);
        break;
      case HS_TCP_STATE_SYN_SENT:
        sentence = g_strdup_printf (_ ("The %s enters %s: it waits for the answer to its SYN."),
                                    who, name);
        break;
      case HS_TCP_STATE_SYN_RECEIVED:
        sentence = g_strdup_printf (_ ("The %s enters %s: it has received a SYN and answers it."),
                                    who, name);
        break;
      case HS_TCP_STATE_ESTABLISHED:
        sentence =
            g_strdup_printf (_ ("The %s enters %s: the connection is open and data can flow."), who,
                             name);
        break;
      case HS_TCP_STATE_FIN_WAIT_1:
        sentence = g_strdup_printf (_ ("The %s enters %s: it has sent its FIN and waits for the "
                                       "acknowledgement."),
                                    who, name);
        break;
      case HS_TCP_STATE_FIN_WAIT_2:
        sentence =
            g_strdup_printf (_ ("The %s enters %s: its FIN is acknowledged; now it waits for "
                                "the other side to close too."),
                             who, name);
        break;
      case HS_TCP_STATE_CLOSE_WAIT:
        sentence =
            g_strdup_printf (_ ("The %s enters %s: the other side has finished sending; this "
                                "side may still send, until its application closes."),
                             who, name);
        break;
      case HS_TCP_STATE_CLOSING:
        sentence = g_strdup_printf (_ ("The %s enters %s: both sides sent FIN at the same time; it "
                                       "waits for the ACK of its own FIN."),
                                    who, name);
        break;
      case HS_TCP_STATE_LAST_ACK:
        sentence =
            g_strdup_printf (_ ("The %s enters %s: it has sent its own FIN and waits for the "
                                "last acknowledgement."),
                             who, name);
        break;
      case HS_TCP_STATE_TIME_WAIT:
        sentence =
            g_strdup_printf (_ ("The %s enters %s: it waits 2 × MSL (60 s on Linux) so that a "
                                "lost last ACK can be sent again and old segments die out."),
                             who, name);
        break;
      case HS_TCP_STATE_CLOSED:
      default:
        if (event->from == HS_TCP_STATE_TIME_WAIT)
          sentence = g_strdup_printf (_ ("TIME_WAIT is over: the %s's kernel forgets the "
                                         "connection (CLOSED)."),
                                      who);
        else if (event->from == HS_TCP_STATE_LISTEN)
          sentence = g_strdup_printf (_ ("The %s stops listening (CLOSED)."), who);
        else
          sentence =
              g_strdup_printf (_ ("The %s is CLOSED: the connection is gone from its kernel."),
                               who);
        break;
    }

  if (event->source == HS_STATE_SOURCE_KERNEL)
    {
      g_autofree char *base = sentence;

      /* TRANSLATORS: appended to a sentence about a state the kernel showed */
      sentence = g_strdup_printf (_ ("%s (Seen in the kernel.)"), base);
    }
  else if (event->source == HS_STATE_SOURCE_INFERRED &&
           g_strcmp0 (hs_trace_get_network (trace), "capture") == 0)
    {
      g_autofree char *base = sentence;

      /* TRANSLATORS: appended to a sentence about a state that a capture
       * file does not contain but its segments imply */
      sentence = g_strdup_printf (_ ("%s (Inferred from the captured segments.)"), base);
    }

  return sentence;
}

static char *
describe_app (HsTrace *trace, const HsEvent *event)
{
  const char *who = side_name (event->side);
  const char *text = event->text != NULL ? event->text : "";
  g_autofree char *data = hs_format_data (event->data, 60);
  gsize len = event->data != NULL ? g_bytes_get_size (event->data) : 0;

  switch (event->action)
    {
      case HS_APP_LISTEN:
        return g_strdup_printf (_ ("The %s application calls listen() on %s."), who, text);
      case HS_APP_STOP:
        return g_strdup_printf (_ ("The %s application stops listening."), who);
      case HS_APP_CONNECT:
        return g_strdup_printf (_ ("The %s application calls connect() to %s."), who, text);
      case HS_APP_ACCEPT:
        return g_strdup_printf (_ ("The %s application accepts the connection from %s."), who,
                                text);
      case HS_APP_SEND:
        /* Not G_GSIZE_FORMAT: xgettext cannot see through the macro. */
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "The %s application writes %s (%lu byte).",
                                             "The %s application writes %s (%lu bytes).", len),
                                who, data, (gulong) len);
      case HS_APP_RECEIVE:
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "The %s application reads %s (%lu byte).",
                                             "The %s application reads %s (%lu bytes).", len),
                                who, data, (gulong) len);
      case HS_APP_EOF:
        return g_strdup_printf (_ ("The %s application reads the end of the stream: the other side "
                                   "will send nothing more."),
                                who);
      case HS_APP_SHUTDOWN:
        return g_strdup_printf (_ ("The %s application calls shutdown(): it will send no more data "
                                   "but can still receive."),
                                who);
      case HS_APP_CLOSE:
        return g_strdup_printf (_ ("The %s application calls close()."), who);
      case HS_APP_ABORT:
        return g_strdup_printf (_ ("The %s application aborts: close() with SO_LINGER set to 0."),
                                who);
      case HS_APP_RESET:
      default:
        return g_strdup_printf (_ ("The %s application learns that the connection was reset."),
                                who);
    }
}

char *
hs_narration_describe (HsTrace *trace, guint index)
{
  const HsEvent *event;

  g_return_val_if_fail (HS_IS_TRACE (trace), NULL);
  g_return_val_if_fail (index < hs_trace_get_n_events (trace), NULL);

  event = hs_trace_get_event (trace, index);
  switch (event->kind)
    {
      case HS_EVENT_SEGMENT:
        return describe_segment (trace, event);
      case HS_EVENT_STATE:
        return describe_state (trace, event);
      case HS_EVENT_APP:
        return describe_app (trace, event);
      case HS_EVENT_ERROR:
      default:
        return g_strdup (event->text != NULL ? event->text : "");
    }
}
