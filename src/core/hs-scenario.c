/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-scenario"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "hs-scenario.h"

G_DEFINE_QUARK (hs - scenario - error - quark, hs_scenario_error)

static const char *const step_names[] = {
  "network",   "listen",   "stop",    "connect",     "send",
  "close",     "shutdown", "abort",   "wait",        "wait time-wait",
  "drop next", "hold",     "deliver", "deliver all", "open both",
};

const char *
hs_step_kind_to_string (HsStepKind kind)
{
  g_return_val_if_fail (kind < G_N_ELEMENTS (step_names), "unknown");

  return step_names[kind];
}

static void
step_free (HsStep *step)
{
  g_free (step->text);
  g_free (step);
}

static gboolean G_GNUC_PRINTF (3, 4) fail (GError **error, guint line, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, HS_SCENARIO_ERROR, HS_SCENARIO_ERROR_SYNTAX, _ ("Line %u: %s"), line,
               message);
  return FALSE;
}

/* Splits a line into words; a double-quoted word may hold spaces and C
 * escapes (\n, \t, \", \\). A '#' outside quotes starts a comment. */
static GPtrArray *
tokenize (const char *line, guint number, GError **error)
{
  g_autoptr (GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  const char *p = line;

  while (*p != '\0')
    {
      GString *word;

      while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
      if (*p == '\0' || *p == '#')
        break;

      word = g_string_new (NULL);
      if (*p == '"')
        {
          p++;
          while (*p != '"')
            {
              if (*p == '\0')
                {
                  g_string_free (word, TRUE);
                  fail (error, number, _ ("the text in quotes has no closing quote"));
                  return NULL;
                }
              if (*p == '\\' && p[1] != '\0')
                {
                  p++;
                  switch (*p)
                    {
                      case 'n':
                        g_string_append_c (word, '\n');
                        break;
                      case 't':
                        g_string_append_c (word, '\t');
                        break;
                      case 'r':
                        g_string_append_c (word, '\r');
                        break;
                      default:
                        g_string_append_c (word, *p);
                        break;
                    }
                  p++;
                  continue;
                }
              g_string_append_c (word, *p++);
            }
          p++;
        }
      else
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '#')
          g_string_append_c (word, *p++);

      g_ptr_array_add (words, g_string_free (word, FALSE));
    }

  return g_steal_pointer (&words);
}

static gboolean
parse_side (const char *word, guint line, HsSide *side, GError **error)
{
  if (word != NULL && g_ascii_strcasecmp (word, "client") == 0)
    *side = HS_SIDE_CLIENT;
  else if (word != NULL && g_ascii_strcasecmp (word, "server") == 0)
    *side = HS_SIDE_SERVER;
  else
    return fail (error, line, _ ("expected “client” or “server”, found “%s”"),
                 word != NULL ? word : "");
  return TRUE;
}

static gboolean
parse_port (const char *text, guint line, guint16 *port, GError **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, 65535, &value, NULL))
    return fail (error, line, _ ("“%s” is not a port number (0 to 65535)"), text);
  *port = (guint16) value;
  return TRUE;
}

/* "5005", "127.0.0.1:5005", "[::1]:5005", "example.org:80". */
static gboolean
parse_host_port (const char *word,
                 guint line,
                 gboolean port_only_ok,
                 char **host,
                 guint16 *port,
                 GError **error)
{
  const char *colon;

  if (word[0] == '[')
    {
      const char *close = strchr (word, ']');

      if (close == NULL || close[1] != ':')
        return fail (error, line, _ ("write an IPv6 address with its port as [::1]:5005"));
      *host = g_strndup (word + 1, close - word - 1);
      return parse_port (close + 2, line, port, error);
    }

  colon = strrchr (word, ':');
  if (colon == NULL)
    {
      if (!port_only_ok)
        return fail (error, line, _ ("write the server as HOST:PORT, e.g. 127.0.0.1:5005"));
      *host = NULL;
      return parse_port (word, line, port, error);
    }
  if (strchr (word, ':') != colon)
    return fail (error, line, _ ("write an IPv6 address with its port as [::1]:5005"));
  if (colon == word)
    return fail (error, line, _ ("the host name before “:” is missing"));

  *host = g_strndup (word, colon - word);
  return parse_port (colon + 1, line, port, error);
}

static gboolean
parse_duration (const char *text, guint line, gint64 *duration_us, GError **error)
{
  char *end = NULL;
  double value = g_ascii_strtod (text, &end);
  double scale;

  if (end == text || value < 0)
    return fail (error, line, _ ("“%s” is not a duration such as 2s or 500ms"), text);

  if (g_strcmp0 (end, "s") == 0 || *end == '\0')
    scale = G_USEC_PER_SEC;
  else if (g_strcmp0 (end, "ms") == 0)
    scale = 1000;
  else if (g_strcmp0 (end, "min") == 0)
    scale = 60.0 * G_USEC_PER_SEC;
  else
    return fail (error, line, _ ("“%s” is not a duration such as 2s or 500ms"), text);

  if (value * scale > 3600.0 * G_USEC_PER_SEC)
    return fail (error, line, _ ("waits are limited to one hour"));

  *duration_us = (gint64) (value * scale);
  return TRUE;
}

static gboolean
expect_words (GPtrArray *words, guint min, guint max, guint line, const char *usage, GError **error)
{
  if (words->len < min || words->len > max)
    return fail (error, line, _ ("write it as “%s”"), usage);
  return TRUE;
}

static HsStep *
parse_line (GPtrArray *words, guint line, GError **error)
{
  g_autofree HsStep *step = g_new0 (HsStep, 1);
  const char *command = g_ptr_array_index (words, 0);
  const char *arg = words->len > 1 ? g_ptr_array_index (words, 1) : NULL;

  step->line = line;

  if (g_ascii_strcasecmp (command, "network") == 0)
    {
      if (!expect_words (words, 2, 2, line, "network host|lab|sim", error))
        return NULL;
      if (g_ascii_strcasecmp (arg, "host") != 0 && g_ascii_strcasecmp (arg, "lab") != 0 &&
          g_ascii_strcasecmp (arg, "sim") != 0)
        {
          fail (error, line, _ ("the network is “host”, “lab” or “sim”, not “%s”"), arg);
          return NULL;
        }
      step->kind = HS_STEP_NETWORK;
      step->text = g_ascii_strdown (arg, -1);
    }
  else if (g_ascii_strcasecmp (command, "listen") == 0)
    {
      if (!expect_words (words, 2, 2, line, "listen [ADDRESS:]PORT", error) ||
          !parse_host_port (arg, line, TRUE, &step->text, &step->port, error))
        return NULL;
      step->kind = HS_STEP_LISTEN;
    }
  else if (g_ascii_strcasecmp (command, "stop") == 0)
    {
      if (!expect_words (words, 1, 2, line, "stop", error))
        return NULL;
      if (arg != NULL && g_ascii_strcasecmp (arg, "server") != 0)
        {
          fail (error, line, _ ("only the server listens, so write “stop” or “stop server”"));
          return NULL;
        }
      step->kind = HS_STEP_STOP;
    }
  else if (g_ascii_strcasecmp (command, "connect") == 0)
    {
      if (!expect_words (words, 1, 2, line, "connect [HOST:PORT]", error))
        return NULL;
      if (arg != NULL && !parse_host_port (arg, line, FALSE, &step->text, &step->port, error))
        return NULL;
      step->kind = HS_STEP_CONNECT;
    }
  else if (g_ascii_strcasecmp (command, "send") == 0)
    {
      if (!expect_words (words, 3, 3, line, "send client|server \"text\"", error) ||
          !parse_side (arg, line, &step->side, error))
        return NULL;
      step->text = g_strdup (g_ptr_array_index (words, 2));
      if (*step->text == '\0')
        {
          g_clear_pointer (&step->text, g_free);
          fail (error, line, _ ("there is nothing to send between the quotes"));
          return NULL;
        }
      step->kind = HS_STEP_SEND;
    }
  else if (g_ascii_strcasecmp (command, "close") == 0 ||
           g_ascii_strcasecmp (command, "shutdown") == 0 ||
           g_ascii_strcasecmp (command, "abort") == 0)
    {
      g_autofree char *usage = g_strdup_printf ("%s client|server", command);

      if (!expect_words (words, 2, 2, line, usage, error) ||
          !parse_side (arg, line, &step->side, error))
        return NULL;
      step->kind = g_ascii_strcasecmp (command, "close") == 0      ? HS_STEP_CLOSE
                   : g_ascii_strcasecmp (command, "shutdown") == 0 ? HS_STEP_SHUTDOWN
                                                                   : HS_STEP_ABORT;
    }
  else if (g_ascii_strcasecmp (command, "wait") == 0)
    {
      if (!expect_words (words, 2, 2, line, "wait 2s|500ms|time-wait", error))
        return NULL;
      if (g_ascii_strcasecmp (arg, "time-wait") == 0)
        step->kind = HS_STEP_WAIT_TIME_WAIT;
      else if (parse_duration (arg, line, &step->duration_us, error))
        step->kind = HS_STEP_WAIT;
      else
        return NULL;
    }
  else if (g_ascii_strcasecmp (command, "drop") == 0)
    {
      if (!expect_words (words, 2, 2, line, "drop next", error))
        return NULL;
      if (g_ascii_strcasecmp (arg, "next") != 0)
        {
          fail (error, line, _ ("write it as “%s”"), "drop next");
          return NULL;
        }
      step->kind = HS_STEP_DROP_NEXT;
    }
  else if (g_ascii_strcasecmp (command, "hold") == 0)
    {
      if (!expect_words (words, 1, 1, line, "hold", error))
        return NULL;
      step->kind = HS_STEP_HOLD;
    }
  else if (g_ascii_strcasecmp (command, "deliver") == 0)
    {
      if (!expect_words (words, 1, 2, line, "deliver [all]", error))
        return NULL;
      if (arg != NULL && g_ascii_strcasecmp (arg, "all") != 0)
        {
          fail (error, line, _ ("write it as “%s”"), "deliver [all]");
          return NULL;
        }
      step->kind = arg != NULL ? HS_STEP_DELIVER_ALL : HS_STEP_DELIVER;
    }
  else if (g_ascii_strcasecmp (command, "open") == 0)
    {
      /* Both applications call connect() at once, each from its own fixed
       * port to the other's: RFC 9293's simultaneous open. */
      if (!expect_words (words, 4, 4, line, "open both CLIENT_PORT SERVER_PORT", error))
        return NULL;
      if (g_ascii_strcasecmp (arg, "both") != 0)
        {
          fail (error, line, _ ("write it as “%s”"), "open both CLIENT_PORT SERVER_PORT");
          return NULL;
        }
      if (!parse_port (g_ptr_array_index (words, 2), line, &step->port, error) ||
          !parse_port (g_ptr_array_index (words, 3), line, &step->port2, error))
        return NULL;
      if (step->port == 0 || step->port2 == 0)
        {
          fail (error, line, _ ("a simultaneous open needs both ports fixed, not 0"));
          return NULL;
        }
      step->kind = HS_STEP_OPEN_BOTH;
    }
  else
    {
      fail (error, line, _ ("unknown command “%s”"), command);
      return NULL;
    }

  return g_steal_pointer (&step);
}

GPtrArray *
hs_scenario_parse (const char *text, GError **error)
{
  g_autoptr (GPtrArray) steps = g_ptr_array_new_with_free_func ((GDestroyNotify) step_free);
  g_auto (GStrv) lines = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, HS_SCENARIO_ERROR, HS_SCENARIO_ERROR_SYNTAX,
                           _ ("The scenario is not UTF-8 text."));
      return NULL;
    }

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (GPtrArray) words = tokenize (lines[i], i + 1, error);
      HsStep *step;

      if (words == NULL)
        return NULL;
      if (words->len == 0)
        continue;

      step = parse_line (words, i + 1, error);
      if (step == NULL)
        return NULL;
      g_ptr_array_add (steps, step);
    }

  return g_steal_pointer (&steps);
}

GPtrArray *
hs_scenario_load (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr (GError) local_error = NULL;
  GPtrArray *steps;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;

  steps = hs_scenario_parse (contents, &local_error);
  if (steps == NULL)
    g_set_error (error, local_error->domain, local_error->code, "%s: %s", path,
                 local_error->message);
  return steps;
}
