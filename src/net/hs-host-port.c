/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-host-port"

#include "config.h"

#include "hs-host-port.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

/* @port_text is the end of @text after the host, if any. Port 0 is no port
 * to connect to, but a listener takes it to mean "any free port". */
static gboolean
parse_port (const char *text,
            const char *port_text,
            gboolean allow_any,
            guint16 *port,
            GError **error)
{
  guint64 value = 0;

  /* "“” is not a port" would puzzle: show all that was typed instead. */
  if (*port_text == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   allow_any ? _ ("“%s” gives no port: end it with a number from 1 to 65535 (or "
                                  "0 for any free port), as in 0.0.0.0:5005.")
                             : _ ("“%s” gives no port: end it with a number from 1 to 65535, as "
                                  "in 192.168.1.20:5005."),
                   text);
      return FALSE;
    }
  if (!g_ascii_string_to_unsigned (port_text, 10, allow_any ? 0 : 1, 65535, &value, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   allow_any ? _ ("“%s” is not a port: type a number from 1 to 65535, or 0 for "
                                  "any free port.")
                             : _ ("“%s” is not a port: type a number from 1 to 65535."),
                   port_text);
      return FALSE;
    }
  *port = (guint16) value;
  return TRUE;
}

gboolean
hs_host_port_parse (const char *text,
                    HsHostPortFlags flags,
                    char **host,
                    guint16 *port,
                    GError **error)
{
  g_autofree char *typed = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *name = NULL;
  const char *port_text;
  char *colon;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (host != NULL && port != NULL, FALSE);

  /* Messages quote @typed; @copy is cut in pieces at the colon. */
  typed = g_strstrip (g_strdup (text));
  copy = g_strdup (typed);
  *host = NULL;

  if (copy[0] == '[')
    {
      /* [2001:db8::1]:5005 */
      char *close = strchr (copy, ']');

      if (close == NULL || close[1] != ':')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _ ("“%s” is not understood: write an IPv6 address in brackets, then a "
                          "colon and the port, as in [2001:db8::1]:5005."),
                       copy);
          return FALSE;
        }
      *close = '\0';
      name = g_strdup (copy + 1);
      port_text = close + 2;
    }
  else if ((colon = strrchr (copy, ':')) != NULL)
    {
      if (strchr (copy, ':') != colon)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _ ("“%s” is not understood: write an IPv6 address in brackets, then a "
                          "colon and the port, as in [2001:db8::1]:5005."),
                       copy);
          return FALSE;
        }
      *colon = '\0';
      name = g_strdup (copy);
      port_text = colon + 1;
    }
  else
    port_text = copy;

  if (name != NULL && *name == '\0')
    g_clear_pointer (&name, g_free);

  if (name == NULL && (flags & HS_HOST_PORT_REQUIRE_HOST) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” does not say which computer: write the host, a colon and the port, "
                      "as in 192.168.1.20:5005."),
                   typed);
      return FALSE;
    }

  if (!parse_port (typed, port_text, (flags & HS_HOST_PORT_ALLOW_ANY_PORT) != 0, port, error))
    return FALSE;

  *host = g_steal_pointer (&name);
  return TRUE;
}

char *
hs_host_port_format (const char *host, guint16 port)
{
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}
