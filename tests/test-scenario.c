/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "hs-scenario.h"

static void
test_full (void)
{
  const char *text = "# A whole lesson\n"
                     "network host\n"
                     "listen 5005            # port only\n"
                     "listen 127.0.0.1:0\n"
                     "listen [::1]:5005\n"
                     "connect\n"
                     "connect example.org:80\n"
                     "send client \"hello\"\n"
                     "send server \"two words \\\"quoted\\\"\\n\"\n"
                     "close client\n"
                     "shutdown server\n"
                     "abort client\n"
                     "\n"
                     "wait 1s\n"
                     "wait 250ms\n"
                     "wait time-wait\n"
                     "drop next\n"
                     "hold\n"
                     "deliver\n"
                     "deliver all\n"
                     "stop\n"
                     "open both 40000 5005\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) steps = hs_scenario_parse (text, &error);
  const HsStep *s;

  g_assert_no_error (error);
  g_assert_nonnull (steps);
  g_assert_cmpuint (steps->len, ==, 20);

  s = g_ptr_array_index (steps, 0);
  g_assert_cmpint (s->kind, ==, HS_STEP_NETWORK);
  g_assert_cmpstr (s->text, ==, "host");
  g_assert_cmpuint (s->line, ==, 2);

  s = g_ptr_array_index (steps, 1);
  g_assert_cmpint (s->kind, ==, HS_STEP_LISTEN);
  g_assert_null (s->text);
  g_assert_cmpuint (s->port, ==, 5005);

  s = g_ptr_array_index (steps, 2);
  g_assert_cmpstr (s->text, ==, "127.0.0.1");
  g_assert_cmpuint (s->port, ==, 0);

  s = g_ptr_array_index (steps, 3);
  g_assert_cmpstr (s->text, ==, "::1");

  s = g_ptr_array_index (steps, 4);
  g_assert_cmpint (s->kind, ==, HS_STEP_CONNECT);
  g_assert_null (s->text);

  s = g_ptr_array_index (steps, 5);
  g_assert_cmpstr (s->text, ==, "example.org");
  g_assert_cmpuint (s->port, ==, 80);

  s = g_ptr_array_index (steps, 6);
  g_assert_cmpint (s->kind, ==, HS_STEP_SEND);
  g_assert_cmpint (s->side, ==, HS_SIDE_CLIENT);
  g_assert_cmpstr (s->text, ==, "hello");

  s = g_ptr_array_index (steps, 7);
  g_assert_cmpint (s->side, ==, HS_SIDE_SERVER);
  g_assert_cmpstr (s->text, ==, "two words \"quoted\"\n");

  g_assert_cmpint (((HsStep *) g_ptr_array_index (steps, 8))->kind, ==, HS_STEP_CLOSE);
  g_assert_cmpint (((HsStep *) g_ptr_array_index (steps, 9))->kind, ==, HS_STEP_SHUTDOWN);
  g_assert_cmpint (((HsStep *) g_ptr_array_index (steps, 10))->kind, ==, HS_STEP_ABORT);

  s = g_ptr_array_index (steps, 11);
  g_assert_cmpint (s->kind, ==, HS_STEP_WAIT);
  g_assert_cmpint (s->duration_us, ==, G_USEC_PER_SEC);
  s = g_ptr_array_index (steps, 12);
  g_assert_cmpint (s->duration_us, ==, 250000);

  g_assert_cmpint (((HsStep *) g_ptr_array_index (steps, 13))->kind, ==, HS_STEP_WAIT_TIME_WAIT);
  g_assert_cmpint (((HsStep *) g_ptr_array_index (steps, 14))->kind, ==, HS_STEP_DROP_NEXT);
  g_assert_cmpint (((HsStep *) g_ptr_array_index (steps, 15))->kind, ==, HS_STEP_HOLD);
  g_assert_cmpint (((HsStep *) g_ptr_array_index (steps, 16))->kind, ==, HS_STEP_DELIVER);
  g_assert_cmpint (((HsStep *) g_ptr_array_index (steps, 17))->kind, ==, HS_STEP_DELIVER_ALL);
  g_assert_cmpint (((HsStep *) g_ptr_array_index (steps, 18))->kind, ==, HS_STEP_STOP);
  s = g_ptr_array_index (steps, 19);
  g_assert_cmpint (s->kind, ==, HS_STEP_OPEN_BOTH);
  g_assert_cmpuint (s->port, ==, 40000);
  g_assert_cmpuint (s->port2, ==, 5005);
}

static void
test_errors (void)
{
  struct
  {
    const char *text;
    const char *fragment;
  } cases[] = {
    { "listen\n", "Line 1" },
    { "\n\nfly away\n", "Line 3" },
    { "listen 70000\n", "70000" },
    { "send client \"unterminated\n", "quote" },
    { "send client \"\"\n", "nothing" },
    { "send nobody \"x\"\n", "nobody" },
    { "close\n", "close client|server" },
    { "wait soon\n", "soon" },
    { "wait 2h\n", "2h" },
    { "network moon\n", "moon" },
    { "connect 5005\n", "HOST:PORT" },
    { "connect ::1:80\n", "[::1]" },
    { "drop everything\n", "drop next" },
    { "open both 0 5005\n", "not 0" },
    { "open client 1 2\n", "open both" },
    { "\xff\xfe\n", "UTF-8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) steps = hs_scenario_parse (cases[i].text, &error);

      g_assert_null (steps);
      g_assert_error (error, HS_SCENARIO_ERROR, HS_SCENARIO_ERROR_SYNTAX);
      if (strstr (error->message, cases[i].fragment) == NULL)
        g_error ("“%s” gave “%s”, without “%s”", cases[i].text, error->message, cases[i].fragment);
    }
}

static void
test_load_missing (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) steps = hs_scenario_load ("/nonexistent/lesson.scenario", &error);

  g_assert_null (steps);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/scenario/full", test_full);
  g_test_add_func ("/core/scenario/errors", test_errors);
  g_test_add_func ("/core/scenario/load-missing", test_load_missing);

  return g_test_run ();
}
