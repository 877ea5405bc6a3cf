/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "hs-trace.h"
#include "hs-trace-format.h"

static void
count_cb (HsTrace *trace, guint index, guint *count)
{
  (*count)++;
}

static void
test_ordering (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  HsEvent event = { 0 };
  guint added = 0, changed = 0;
  guint conn;

  g_signal_connect (trace, "event-added", G_CALLBACK (count_cb), &added);
  g_signal_connect (trace, "event-changed", G_CALLBACK (count_cb), &changed);

  conn = hs_trace_add_connection (trace, NULL, NULL);
  g_assert_cmpuint (conn, ==, 1);
  g_assert_cmpuint (hs_trace_get_n_connections (trace), ==, 2);

  /* Events stamped by their source keep their time, but never go back in
   * time; unstamped ones get "now". */
  event.kind = HS_EVENT_SEGMENT;
  event.connection = conn;
  event.time_us = 5000;
  g_assert_cmpuint (hs_trace_append (trace, &event), ==, 0);
  event.time_us = 1000;
  g_assert_cmpuint (hs_trace_append (trace, &event), ==, 1);
  event.time_us = 0;
  g_assert_cmpuint (hs_trace_append (trace, &event), ==, 2);

  g_assert_cmpuint (hs_trace_get_n_events (trace), ==, 3);
  g_assert_cmpint (hs_trace_get_event (trace, 0)->time_us, ==, 5000);
  g_assert_cmpint (hs_trace_get_event (trace, 1)->time_us, ==, 5000);
  g_assert_cmpint (hs_trace_get_event (trace, 2)->time_us, >=, 5000);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (hs_trace_get_event (trace, i)->index, ==, i);
  g_assert_cmpuint (added, ==, 3);

  hs_trace_update_segment (trace, 0, HS_PROVENANCE_CAPTURED, TRUE, 65535, NULL);
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpint (hs_trace_get_event (trace, 0)->provenance, ==, HS_PROVENANCE_CAPTURED);
  g_assert_cmpuint (hs_trace_get_event (trace, 0)->window, ==, 65535);
}

static void
test_strings_copied (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  g_autoptr (GBytes) bytes = g_bytes_new ("hello", 5);
  char text[] = "127.0.0.1:5005";
  HsEvent event = { .kind = HS_EVENT_APP, .action = HS_APP_SEND, .text = text, .data = bytes };
  const HsEvent *stored;

  hs_trace_append (trace, &event);
  text[0] = 'X';
  stored = hs_trace_get_event (trace, 0);
  g_assert_cmpstr (stored->text, ==, "127.0.0.1:5005");
  g_assert_true (g_bytes_equal (stored->data, bytes));
}

static void
test_states_and_isn (void)
{
  g_autoptr (HsTrace) trace = hs_trace_new ();
  guint conn = hs_trace_add_connection (trace, NULL, NULL);
  HsEvent event = { .kind = HS_EVENT_STATE, .connection = conn, .side = HS_SIDE_CLIENT };
  guint32 isn = 0;

  g_assert_cmpint (hs_trace_get_state_at (trace, conn, HS_SIDE_CLIENT, G_MAXUINT), ==,
                   HS_TCP_STATE_CLOSED);

  event.from = HS_TCP_STATE_CLOSED;
  event.to = HS_TCP_STATE_SYN_SENT;
  hs_trace_append (trace, &event);
  event.from = HS_TCP_STATE_SYN_SENT;
  event.to = HS_TCP_STATE_ESTABLISHED;
  hs_trace_append (trace, &event);

  g_assert_cmpint (hs_trace_get_state_at (trace, conn, HS_SIDE_CLIENT, 0), ==,
                   HS_TCP_STATE_SYN_SENT);
  g_assert_cmpint (hs_trace_get_state_at (trace, conn, HS_SIDE_CLIENT, G_MAXUINT), ==,
                   HS_TCP_STATE_ESTABLISHED);
  g_assert_cmpint (hs_trace_get_state_at (trace, conn, HS_SIDE_SERVER, G_MAXUINT), ==,
                   HS_TCP_STATE_CLOSED);

  g_assert_false (hs_trace_connection_get_isn (trace, conn, HS_SIDE_CLIENT, &isn));
  hs_trace_set_isn (trace, conn, HS_SIDE_CLIENT, 0xfffffffeu);
  g_assert_true (hs_trace_connection_get_isn (trace, conn, HS_SIDE_CLIENT, &isn));
  g_assert_cmpuint (isn, ==, 0xfffffffeu);
  g_assert_false (hs_trace_connection_get_isn (trace, conn, HS_SIDE_SERVER, NULL));

  hs_trace_clear (trace);
  g_assert_cmpuint (hs_trace_get_n_events (trace), ==, 0);
  g_assert_cmpuint (hs_trace_get_n_connections (trace), ==, 1);
}

static void
test_format_data (void)
{
  struct
  {
    const char *data;
    gssize len;
    guint max;
    const char *shown;
  } cases[] = {
    { "hello", 5, 40, "\"hello\"" },
    { "a\"b\\c\n", 6, 40, "\"a\\\"b\\\\c\\n\"" },
    { "你好", -1, 40, "\"你好\"" },
    { "abcdef", 6, 3, "\"abc…\"" },
    { "\xff\x00\x01", 3, 40, "ff 00 01" },
    { "<b>x</b>", 8, 40, "\"<b>x</b>\"" },
    { "a\x1b[2Jb", 6, 40, "61 1b 5b 32 4a 62" },
    { "a\xc2\x9b"
      "2Jb",
      6, 40, "61 c2 9b 32 4a 62" },
    { "a\x7f", 2, 40, "61 7f" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize len = cases[i].len < 0 ? strlen (cases[i].data) : (gsize) cases[i].len;
      g_autoptr (GBytes) bytes = g_bytes_new (cases[i].data, len);
      g_autofree char *shown = hs_format_data (bytes, cases[i].max);

      g_assert_cmpstr (shown, ==, cases[i].shown);
    }
}

static void
test_json_string (void)
{
  g_autoptr (GString) out = g_string_new (NULL);

  hs_json_append_string (out, "a\"b\\\n\x01z");
  g_assert_cmpstr (out->str, ==, "\"a\\\"b\\\\\\n\\u0001z\"");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/trace/ordering", test_ordering);
  g_test_add_func ("/core/trace/strings-copied", test_strings_copied);
  g_test_add_func ("/core/trace/states-and-isn", test_states_and_isn);
  g_test_add_func ("/core/trace/format-data", test_format_data);
  g_test_add_func ("/core/trace/json-string", test_json_string);

  return g_test_run ();
}
