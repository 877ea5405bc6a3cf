/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-net-error"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "hs-net-error.h"

HsTraceError
hs_net_error_classify (const GError *error)
{
  g_return_val_if_fail (error != NULL, HS_TRACE_ERROR_OTHER);

  if (error->domain == G_RESOLVER_ERROR)
    return HS_TRACE_ERROR_HOST_NOT_FOUND;

  if (error->domain != G_IO_ERROR)
    return HS_TRACE_ERROR_OTHER;

  switch (error->code)
    {
      case G_IO_ERROR_ADDRESS_IN_USE:
        return HS_TRACE_ERROR_ADDRESS_IN_USE;
      case G_IO_ERROR_PERMISSION_DENIED:
        return HS_TRACE_ERROR_PERMISSION_DENIED;
      case G_IO_ERROR_CONNECTION_REFUSED:
        return HS_TRACE_ERROR_CONNECTION_REFUSED;
      case G_IO_ERROR_HOST_NOT_FOUND:
        return HS_TRACE_ERROR_HOST_NOT_FOUND;
      case G_IO_ERROR_NETWORK_UNREACHABLE:
        return HS_TRACE_ERROR_NETWORK_UNREACHABLE;
      case G_IO_ERROR_HOST_UNREACHABLE:
        return HS_TRACE_ERROR_HOST_UNREACHABLE;
      case G_IO_ERROR_TIMED_OUT:
        return HS_TRACE_ERROR_TIMED_OUT;
      case G_IO_ERROR_CONNECTION_CLOSED:
        return HS_TRACE_ERROR_CONNECTION_RESET;
      default:
        break;
    }

  /* GIO maps some errno values only to G_IO_ERROR_FAILED; the message still
   * carries strerror(), which is all there is to go on. */
  if (error->code == G_IO_ERROR_FAILED)
    {
      if (strstr (error->message, strerror (ECONNRESET)) != NULL)
        return HS_TRACE_ERROR_CONNECTION_RESET;
      if (strstr (error->message, strerror (EADDRNOTAVAIL)) != NULL)
        return HS_TRACE_ERROR_ADDRESS_NOT_AVAILABLE;
      if (strstr (error->message, strerror (EACCES)) != NULL)
        return HS_TRACE_ERROR_PERMISSION_DENIED;
    }

  return HS_TRACE_ERROR_OTHER;
}

char *
hs_net_error_explain (const GError *error, HsTraceError kind, const char *address)
{
  g_return_val_if_fail (address != NULL, NULL);

  switch (kind)
    {
      case HS_TRACE_ERROR_ADDRESS_IN_USE:
        return g_strdup_printf (_ ("The port of %s is already in use: another program (or an "
                                   "earlier "
                                   "listener) has it. Stop it or choose another port."),
                                address);
      case HS_TRACE_ERROR_PERMISSION_DENIED:
        return g_strdup_printf (_ ("Not allowed to use %s: ports below 1024 need administrator "
                                   "rights. Choose a port above 1023."),
                                address);
      case HS_TRACE_ERROR_CONNECTION_REFUSED:
        return g_strdup_printf (_ ("Connection refused: nothing is listening on %s, so its kernel "
                                   "answered the SYN with a reset (RST)."),
                                address);
      case HS_TRACE_ERROR_HOST_NOT_FOUND:
        return g_strdup_printf (_ ("The host name of %s could not be found. Check the spelling, or "
                                   "type an IP address."),
                                address);
      case HS_TRACE_ERROR_NETWORK_UNREACHABLE:
        return g_strdup_printf (_ ("No route to the network of %s: this computer does not know "
                                   "where "
                                   "to send the SYN."),
                                address);
      case HS_TRACE_ERROR_HOST_UNREACHABLE:
        return g_strdup_printf (
            _ ("The host %s cannot be reached: no machine answered on the way."), address);
      case HS_TRACE_ERROR_TIMED_OUT:
        return g_strdup_printf (_ ("%s never answered: the client's kernel sent its SYN again and "
                                   "again, then gave up."),
                                address);
      case HS_TRACE_ERROR_CONNECTION_RESET:
        return g_strdup_printf (_ ("The connection with %s was reset (RST): the other side aborted "
                                   "it."),
                                address);
      case HS_TRACE_ERROR_ADDRESS_NOT_AVAILABLE:
        return g_strdup_printf (_ ("The address %s does not belong to this computer, so nothing "
                                   "can "
                                   "listen on it here."),
                                address);
      case HS_TRACE_ERROR_OTHER:
      default:
        return g_strdup_printf (_ ("Something went wrong with %s: %s"), address,
                                error != NULL ? error->message : _ ("unknown error"));
    }
}

gboolean
hs_address_from_gsocket_address (GSocketAddress *gaddress, HsAddress *address)
{
  GInetAddress *inet;
  gsize size;

  g_return_val_if_fail (address != NULL, FALSE);

  memset (address, 0, sizeof *address);
  if (!G_IS_INET_SOCKET_ADDRESS (gaddress))
    return FALSE;

  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (gaddress));
  size = g_inet_address_get_native_size (inet);
  if (size != 4 && size != 16)
    return FALSE;

  address->family = size == 4 ? 4 : 6;
  memcpy (address->addr, g_inet_address_to_bytes (inet), size);
  address->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (gaddress));
  return TRUE;
}

GSocketAddress *
hs_address_to_gsocket_address (const HsAddress *address)
{
  g_autoptr (GInetAddress) inet = NULL;

  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (address->family == 4 || address->family == 6, NULL);

  inet = g_inet_address_new_from_bytes (address->addr, address->family == 4 ? G_SOCKET_FAMILY_IPV4
                                                                            : G_SOCKET_FAMILY_IPV6);
  return g_inet_socket_address_new (inet, address->port);
}
