/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "hs-labels.h"
#include "hs-fixture-trace.h"

#define assert_contains(haystack, needle)                           \
  G_STMT_START                                                      \
  {                                                                 \
    if (strstr ((haystack), (needle)) == NULL)                      \
      g_error ("“%s” does not contain “%s”", (haystack), (needle)); \
  }                                                                 \
  G_STMT_END

static void
test_style_names (void)
{
  HsLabelStyle style = HS_LABEL_STYLE_SYMBOLIC;

  g_assert_cmpstr (hs_label_style_to_string (HS_LABEL_STYLE_SYMBOLIC), ==, "symbolic");
  g_assert_cmpstr (hs_label_style_to_string (HS_LABEL_STYLE_RELATIVE), ==, "relative");
  g_assert_cmpstr (hs_label_style_to_string (HS_LABEL_STYLE_ABSOLUTE), ==, "absolute");

  for (HsLabelStyle s = HS_LABEL_STYLE_SYMBOLIC; s <= HS_LABEL_STYLE_ABSOLUTE; s++)
    {
      g_assert_true (hs_label_style_parse (hs_label_style_to_string (s), &style));
      g_assert_cmpint (style, ==, s);
    }
  g_assert_true (hs_label_style_parse ("Absolute", &style));
  g_assert_cmpint (style, ==, HS_LABEL_STYLE_ABSOLUTE);

  style = HS_LABEL_STYLE_RELATIVE;
  g_assert_false (hs_label_style_parse ("hex", &style));
  g_assert_false (hs_label_style_parse (NULL, &style));
  g_assert_false (hs_label_style_parse ("", &style));
  g_assert_cmpint (style, ==, HS_LABEL_STYLE_RELATIVE);
}

static void
test_symbolic (void)
{
  g_autofree char *x = hs_label_symbolic (HS_SIDE_CLIENT, 0);
  g_autofree char *x1 = hs_label_symbolic (HS_SIDE_CLIENT, 1);
  g_autofree char *y6 = hs_label_symbolic (HS_SIDE_SERVER, 6);

  g_assert_cmpstr (hs_label_isn_symbol (HS_SIDE_CLIENT), ==, "x");
  g_assert_cmpstr (hs_label_isn_symbol (HS_SIDE_SERVER), ==, "y");
  g_assert_cmpstr (x, ==, "x");
  g_assert_cmpstr (x1, ==, "x+1");
  g_assert_cmpstr (y6, ==, "y+6");
}

static void
test_numbers_every_style (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  guint c = hs_trace_add_connection (trace, NULL, NULL);
  guint synack;
  const HsEvent *e;
  gboolean exact = FALSE;
  guint32 value = 0;

  hs_trace_set_isn (trace, c, HS_SIDE_CLIENT, 2929945620u);
  synack = hs_fixture_append_segment (trace, c, HS_SIDE_SERVER, HS_TCP_SYN | HS_TCP_ACK, 0, 1, 0,
                                      HS_PROVENANCE_INFERRED);
  e = hs_trace_get_event (trace, synack);

  {
    g_autofree char *seq =
        hs_label_format_number (trace, e, HS_LABEL_FIELD_SEQ, HS_LABEL_STYLE_SYMBOLIC, &exact);
    g_autofree char *ack =
        hs_label_format_number (trace, e, HS_LABEL_FIELD_ACK, HS_LABEL_STYLE_SYMBOLIC, NULL);

    g_assert_cmpstr (seq, ==, "y");
    g_assert_cmpstr (ack, ==, "x+1");
    g_assert_true (exact);
  }

  {
    g_autofree char *seq =
        hs_label_format_number (trace, e, HS_LABEL_FIELD_SEQ, HS_LABEL_STYLE_RELATIVE, &exact);
    g_autofree char *ack =
        hs_label_format_number (trace, e, HS_LABEL_FIELD_ACK, HS_LABEL_STYLE_RELATIVE, NULL);

    g_assert_cmpstr (seq, ==, "0");
    g_assert_cmpstr (ack, ==, "1");
    g_assert_true (exact);
  }

  /* The ack counts in the client's space, whose ISN is known; the seq in
   * the server's, which is not: relative, and said so. */
  {
    g_autofree char *ack =
        hs_label_format_number (trace, e, HS_LABEL_FIELD_ACK, HS_LABEL_STYLE_ABSOLUTE, &exact);
    g_assert_cmpstr (ack, ==, "2929945621");
    g_assert_true (exact);
  }
  {
    g_autofree char *seq =
        hs_label_format_number (trace, e, HS_LABEL_FIELD_SEQ, HS_LABEL_STYLE_ABSOLUTE, &exact);
    g_assert_cmpstr (seq, ==, "0");
    g_assert_false (exact);
  }

  g_assert_true (hs_label_absolute (trace, e, HS_LABEL_FIELD_ACK, &value));
  g_assert_cmpuint (value, ==, 2929945621u);
  g_assert_false (hs_label_absolute (trace, e, HS_LABEL_FIELD_SEQ, &value));
}

static void
test_wrap_around (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  guint c = hs_trace_add_connection (trace, NULL, NULL);
  guint i;
  guint32 value = 0;
  g_autofree char *absolute = NULL;
  g_autofree char *symbolic = NULL;
  g_autofree char *title = NULL;

  hs_trace_set_isn (trace, c, HS_SIDE_CLIENT, 0xfffffffeu);
  i = hs_fixture_append_segment (trace, c, HS_SIDE_CLIENT, HS_TCP_PSH | HS_TCP_ACK, 3, 1, 5,
                                 HS_PROVENANCE_INFERRED);

  g_assert_true (
      hs_label_absolute (trace, hs_trace_get_event (trace, i), HS_LABEL_FIELD_SEQ, &value));
  g_assert_cmpuint (value, ==, 1);

  absolute = hs_label_format_number (trace, hs_trace_get_event (trace, i), HS_LABEL_FIELD_SEQ,
                                     HS_LABEL_STYLE_ABSOLUTE, NULL);
  symbolic = hs_label_format_number (trace, hs_trace_get_event (trace, i), HS_LABEL_FIELD_SEQ,
                                     HS_LABEL_STYLE_SYMBOLIC, NULL);
  g_assert_cmpstr (absolute, ==, "1");
  g_assert_cmpstr (symbolic, ==, "x+3");

  /* The ack is in the server's space, unknown here: relative. */
  title = hs_label_segment_title (trace, hs_trace_get_event (trace, i), HS_LABEL_STYLE_ABSOLUTE);
  g_assert_cmpstr (title, ==, "PSH, ACK seq=1 ack=1 len=5");
}

static void
test_titles (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  guint c = hs_trace_add_connection (trace, NULL, NULL);
  struct
  {
    HsSide side;
    guint8 flags;
    guint32 seq, ack, len;
    const char *symbolic, *relative, *absolute;
  } cases[] = {
    /* A SYN without ACK has no ack number worth showing, whatever the field holds. */
    { HS_SIDE_CLIENT, HS_TCP_SYN, 0, 12345, 0, "SYN seq=x", "SYN seq=0", "SYN seq=2929945620" },
    { HS_SIDE_SERVER, HS_TCP_SYN | HS_TCP_ACK, 0, 1, 0, "SYN, ACK seq=y ack=x+1",
      "SYN, ACK seq=0 ack=1", "SYN, ACK seq=2630955514 ack=2929945621" },
    { HS_SIDE_CLIENT, HS_TCP_ACK, 1, 1, 0, "ACK seq=x+1 ack=y+1", "ACK seq=1 ack=1",
      "ACK seq=2929945621 ack=2630955515" },
    { HS_SIDE_CLIENT, HS_TCP_PSH | HS_TCP_ACK, 1, 1, 5, "PSH, ACK seq=x+1 ack=y+1 len=5",
      "PSH, ACK seq=1 ack=1 len=5", "PSH, ACK seq=2929945621 ack=2630955515 len=5" },
    { HS_SIDE_SERVER, HS_TCP_FIN | HS_TCP_ACK, 1, 7, 0, "FIN, ACK seq=y+1 ack=x+7",
      "FIN, ACK seq=1 ack=7", "FIN, ACK seq=2630955515 ack=2929945627" },
    { HS_SIDE_CLIENT, HS_TCP_RST, 6, 0, 0, "RST seq=x+6", "RST seq=6", "RST seq=2929945626" },
  };

  hs_trace_set_isn (trace, c, HS_SIDE_CLIENT, 2929945620u);
  hs_trace_set_isn (trace, c, HS_SIDE_SERVER, 2630955514u);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint index =
          hs_fixture_append_segment (trace, c, cases[i].side, cases[i].flags, cases[i].seq,
                                     cases[i].ack, cases[i].len, HS_PROVENANCE_INFERRED);
      const HsEvent *e = hs_trace_get_event (trace, index);
      g_autofree char *symbolic = hs_label_segment_title (trace, e, HS_LABEL_STYLE_SYMBOLIC);
      g_autofree char *relative = hs_label_segment_title (trace, e, HS_LABEL_STYLE_RELATIVE);
      g_autofree char *absolute = hs_label_segment_title (trace, e, HS_LABEL_STYLE_ABSOLUTE);

      g_assert_cmpstr (symbolic, ==, cases[i].symbolic);
      g_assert_cmpstr (relative, ==, cases[i].relative);
      g_assert_cmpstr (absolute, ==, cases[i].absolute);
    }
}

static void
test_detail_known (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  guint c = hs_trace_add_connection (trace, NULL, NULL);
  HsEvent syn = { .kind = HS_EVENT_SEGMENT,
                  .connection = c,
                  .side = HS_SIDE_CLIENT,
                  .flags = HS_TCP_SYN,
                  .provenance = HS_PROVENANCE_CAPTURED,
                  .window_known = TRUE,
                  .window = 65495,
                  .options = { .present = HS_TCP_OPTION_MSS | HS_TCP_OPTION_WSCALE |
                                          HS_TCP_OPTION_SACK_PERMITTED | HS_TCP_OPTION_TIMESTAMPS,
                               .mss = 65495,
                               .wscale = 7,
                               .ts_val = 3115432311u } };
  guint i;

  hs_trace_set_isn (trace, c, HS_SIDE_CLIENT, 2929945620u);
  i = hs_trace_append (trace, &syn);

  for (HsLabelStyle s = HS_LABEL_STYLE_SYMBOLIC; s <= HS_LABEL_STYLE_ABSOLUTE; s++)
    {
      g_autofree char *detail = hs_label_segment_detail (trace, hs_trace_get_event (trace, i), s);

      assert_contains (detail, "x = 2929945620");
      assert_contains (detail, "win 65495");
      assert_contains (detail, "mss 65495");
      assert_contains (detail, "wscale 7");
      assert_contains (detail, "sack");
      assert_contains (detail, "ts 3115432311");
      g_assert_null (strstr (detail, "y ="));
      g_assert_null (strstr (detail, "relative"));
      g_assert_null (strstr (detail, "retransmission"));
    }

  /* A later segment gives its own absolute numbers, not the ISN again. */
  {
    HsEvent ack = { .kind = HS_EVENT_SEGMENT,
                    .connection = c,
                    .side = HS_SIDE_SERVER,
                    .flags = HS_TCP_ACK,
                    .rel_seq = 1,
                    .rel_ack = 6 };
    g_autofree char *detail = NULL;

    i = hs_trace_append (trace, &ack);
    detail =
        hs_label_segment_detail (trace, hs_trace_get_event (trace, i), HS_LABEL_STYLE_SYMBOLIC);
    assert_contains (detail, "ack = 2929945626");
    g_assert_null (strstr (detail, "x ="));
    g_assert_null (strstr (detail, "seq ="));
  }
}

static void
test_detail_unknown (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  guint c = hs_trace_add_connection (trace, NULL, NULL);
  guint i = hs_fixture_append_segment (trace, c, HS_SIDE_SERVER, HS_TCP_SYN | HS_TCP_ACK, 0, 1, 0,
                                       HS_PROVENANCE_INFERRED);
  const HsEvent *e = hs_trace_get_event (trace, i);
  g_autofree char *symbolic = hs_label_segment_detail (trace, e, HS_LABEL_STYLE_SYMBOLIC);
  g_autofree char *relative = hs_label_segment_detail (trace, e, HS_LABEL_STYLE_RELATIVE);
  g_autofree char *host = hs_label_segment_detail (trace, e, HS_LABEL_STYLE_ABSOLUTE);
  g_autofree char *lab = NULL;

  /* Nothing is known about this segment: nothing to add. */
  g_assert_cmpstr (symbolic, ==, "");
  g_assert_cmpstr (relative, ==, "");
  assert_contains (host, "relative numbers");
  assert_contains (host, "not observable on the host network");

  hs_trace_set_network (trace, "capture");
  lab = hs_label_segment_detail (trace, e, HS_LABEL_STYLE_ABSOLUTE);
  assert_contains (lab, "relative numbers");
  g_assert_null (strstr (lab, "host network"));
}

static void
test_detail_retransmission (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  guint c = hs_trace_add_connection (trace, NULL, NULL);
  HsEvent syn = { .kind = HS_EVENT_SEGMENT,
                  .connection = c,
                  .side = HS_SIDE_CLIENT,
                  .flags = HS_TCP_SYN,
                  .retransmission = 2 };
  guint i = hs_trace_append (trace, &syn);
  g_autofree char *detail =
      hs_label_segment_detail (trace, hs_trace_get_event (trace, i), HS_LABEL_STYLE_SYMBOLIC);

  g_assert_cmpstr (detail, ==, "retransmission 2");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/labels/style-names", test_style_names);
  g_test_add_func ("/core/labels/symbolic", test_symbolic);
  g_test_add_func ("/core/labels/numbers-every-style", test_numbers_every_style);
  g_test_add_func ("/core/labels/wrap-around", test_wrap_around);
  g_test_add_func ("/core/labels/titles", test_titles);
  g_test_add_func ("/core/labels/detail-known", test_detail_known);
  g_test_add_func ("/core/labels/detail-unknown", test_detail_unknown);
  g_test_add_func ("/core/labels/detail-retransmission", test_detail_retransmission);

  return g_test_run ();
}
