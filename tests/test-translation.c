/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-translation"

#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "hs-narration.h"
#include "hs-tcp-state.h"
#include "hs-fixture-trace.h"

/* Where the build writes zh_CN/LC_MESSAGES/handshake.mo; meson passes its
 * po/ directory, and HANDSHAKE_LOCALEDIR overrides it as for the programs. */
#ifndef HS_TEST_LOCALEDIR
#define HS_TEST_LOCALEDIR LOCALEDIR
#endif

static void
assert_contains (HsTrace *trace, guint index, const char *fragment)
{
  g_autofree char *sentence = hs_narration_describe (trace, index);

  g_test_message ("%s", sentence);
  if (strstr (sentence, fragment) == NULL)
    g_error ("“%s” does not contain “%s”", sentence, fragment);
}

static void
assert_not_contains (HsTrace *trace, guint index, const char *fragment)
{
  g_autofree char *sentence = hs_narration_describe (trace, index);

  if (strstr (sentence, fragment) != NULL)
    g_error ("“%s” still contains “%s”", sentence, fragment);
}

/* Switches to zh_CN with the catalogs of this build; FALSE (and a skip)
 * where the locale is not installed. */
static gboolean
use_chinese (void)
{
  const char *localedir = g_getenv ("HANDSHAKE_LOCALEDIR");
  g_autofree char *mo = NULL;

  if (localedir == NULL)
    localedir = HS_TEST_LOCALEDIR;

  /* LANGUAGE would take precedence over LC_ALL in GNU gettext. */
  g_unsetenv ("LANGUAGE");
  if (setlocale (LC_ALL, "zh_CN.UTF-8") == NULL)
    {
      g_test_skip ("The zh_CN.UTF-8 locale is not installed "
                   "(localedef -i zh_CN -f UTF-8 zh_CN.UTF-8; build-aux/test does it)");
      return FALSE;
    }

  /* The catalog must exist: the build compiles it before this test runs. */
  mo = g_build_filename (localedir, "zh_CN", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  if (!g_file_test (mo, G_FILE_TEST_IS_REGULAR))
    g_error ("%s is missing: the zh_CN catalog was not built", mo);

  /* No textdomain(): the core must name its own domain, as it does when
   * another program links it. */
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  return TRUE;
}

static void
test_segments (void)
{
  g_autoptr (HsTrace) trace = NULL;
  guint conn, syn, synack, ack, data, fin;

  if (!use_chinese ())
    return;

  trace = hs_trace_new ();
  conn = hs_trace_add_connection (trace, NULL, NULL);
  hs_trace_set_isn (trace, conn, HS_SIDE_CLIENT, 2929945620u);

  syn = hs_fixture_append_segment (trace, conn, HS_SIDE_CLIENT, HS_TCP_SYN, 0, 0, 0,
                                   HS_PROVENANCE_CAPTURED);
  synack = hs_fixture_append_segment (trace, conn, HS_SIDE_SERVER, HS_TCP_SYN | HS_TCP_ACK, 0, 1, 0,
                                      HS_PROVENANCE_CAPTURED);
  ack = hs_fixture_append_segment (trace, conn, HS_SIDE_CLIENT, HS_TCP_ACK, 1, 1, 0,
                                   HS_PROVENANCE_CAPTURED);
  data = hs_fixture_append_segment (trace, conn, HS_SIDE_CLIENT, HS_TCP_PSH | HS_TCP_ACK, 1, 1, 5,
                                    HS_PROVENANCE_CAPTURED);
  fin = hs_fixture_append_segment (trace, conn, HS_SIDE_CLIENT, HS_TCP_FIN | HS_TCP_ACK, 6, 1, 0,
                                   HS_PROVENANCE_CAPTURED);

  /* The side names and the words are Chinese; flags and formulas are not. */
  assert_contains (trace, syn, "客户端");
  assert_contains (trace, syn, "SYN");
  assert_contains (trace, syn, "初始序列号");
  assert_contains (trace, syn, "seq = x = 2929945620");
  assert_not_contains (trace, syn, "client");
  assert_not_contains (trace, syn, "The ");

  assert_contains (trace, synack, "服务器");
  assert_contains (trace, synack, "SYN, ACK");
  assert_contains (trace, synack, "ack = x + 1 = 2929945621");
  assert_contains (trace, ack, "三次握手");

  /* A plural message, through its own domain. */
  assert_contains (trace, data, "5 字节");
  assert_not_contains (trace, data, "bytes");

  assert_contains (trace, fin, "FIN");
  assert_contains (trace, fin, "关闭连接请求报文段");
}

static void
test_states_and_actions (void)
{
  g_autoptr (HsTrace) trace = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new ("hello", 5);
  HsEvent e = { 0 };
  guint conn;

  if (!use_chinese ())
    return;

  trace = hs_trace_new ();
  conn = hs_trace_add_connection (trace, NULL, NULL);
  e.connection = conn;

  /* State names stay as netstat and the textbooks print them. */
  g_assert_cmpstr (hs_tcp_state_to_string (HS_TCP_STATE_SYN_SENT), ==, "SYN_SENT");
  g_assert_cmpstr (hs_tcp_state_to_string (HS_TCP_STATE_TIME_WAIT), ==, "TIME_WAIT");

  e.kind = HS_EVENT_STATE;
  e.side = HS_SIDE_CLIENT;
  e.from = HS_TCP_STATE_CLOSED;
  e.to = HS_TCP_STATE_SYN_SENT;
  e.source = HS_STATE_SOURCE_KERNEL;
  assert_contains (trace, hs_trace_append (trace, &e), "客户端进入 SYN_SENT 状态");
  assert_contains (trace, hs_trace_get_n_events (trace) - 1, "内核");

  for (HsTcpState s = HS_TCP_STATE_CLOSED; s < HS_TCP_STATE_N_STATES; s++)
    {
      const char *name = hs_tcp_state_to_string (s);

      g_assert_true (g_str_is_ascii (name));
      e.from = s == HS_TCP_STATE_CLOSED ? HS_TCP_STATE_LISTEN : HS_TCP_STATE_CLOSED;
      e.to = s;
      assert_contains (trace, hs_trace_append (trace, &e), name);
      assert_not_contains (trace, hs_trace_get_n_events (trace) - 1, "The ");
    }

  e.kind = HS_EVENT_APP;
  e.side = HS_SIDE_SERVER;
  e.action = HS_APP_SEND;
  e.data = bytes;
  assert_contains (trace, hs_trace_append (trace, &e), "服务器应用程序");
  assert_contains (trace, hs_trace_get_n_events (trace) - 1, "（5 字节）");

  e.action = HS_APP_CLOSE;
  e.data = NULL;
  assert_contains (trace, hs_trace_append (trace, &e), "close()");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/po/zh_CN/narration/segments", test_segments);
  g_test_add_func ("/po/zh_CN/narration/states-and-actions", test_states_and_actions);

  return g_test_run ();
}
