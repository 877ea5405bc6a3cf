/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-host-port"

#include "config.h"

#include "hs-host-port.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

static gboolean
parse_port (const char *text, guint16 *port, GError **error)
{
  guint64 value = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 1, 65535, &value, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” is not a port: type a number from 1 to 65535."), text);
      return FALSE;
    }
  *port = (guint16) value;
  return TRUE;
}

gboolean
hs_host_port_parse (const char *text,
                    gboolean host_required,
                    char **host,
                    guint16 *port,
                    GError **error)
{
  g_autofree char *copy = NULL;
  g_autofree char *name = NULL;
  const char *port_text;
  char *colon;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (host != NULL && port != NULL, FALSE);

  copy = g_strstrip (g_strdup (text));
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

  if (name == NULL && host_required)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” does not say which computer: write the host, a colon and the port, "
                      "as in 192.168.1.20:5005."),
                   copy);
      return FALSE;
    }

  if (!parse_port (port_text, port, error))
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
