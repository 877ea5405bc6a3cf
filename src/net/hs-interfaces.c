/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-interfaces"

#include "config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <string.h>

#include <gio/gio.h>

#include "hs-interfaces.h"

char **
hs_net_get_local_addresses (void)
{
  g_autoptr (GPtrArray) v4 = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) v6 = g_ptr_array_new_with_free_func (g_free);
  GStrvBuilder *builder = g_strv_builder_new ();
  struct ifaddrs *list = NULL;
  char **result;

  if (getifaddrs (&list) != 0)
    g_debug ("getifaddrs failed: %s", g_strerror (errno));

  for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
    {
      char text[INET6_ADDRSTRLEN];

      if (ifa->ifa_addr == NULL || !(ifa->ifa_flags & IFF_UP) || (ifa->ifa_flags & IFF_LOOPBACK))
        continue;

      if (ifa->ifa_addr->sa_family == AF_INET)
        {
          const struct sockaddr_in *sin = (const struct sockaddr_in *) ifa->ifa_addr;

          if ((ntohl (sin->sin_addr.s_addr) >> 24) == 127 ||
              inet_ntop (AF_INET, &sin->sin_addr, text, sizeof text) == NULL)
            continue;
          if (!g_ptr_array_find_with_equal_func (v4, text, g_str_equal, NULL))
            g_ptr_array_add (v4, g_strdup (text));
        }
      else if (ifa->ifa_addr->sa_family == AF_INET6)
        {
          const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ifa->ifa_addr;

          if (IN6_IS_ADDR_LOOPBACK (&sin6->sin6_addr) || IN6_IS_ADDR_LINKLOCAL (&sin6->sin6_addr) ||
              IN6_IS_ADDR_V4MAPPED (&sin6->sin6_addr) ||
              inet_ntop (AF_INET6, &sin6->sin6_addr, text, sizeof text) == NULL)
            continue;
          if (!g_ptr_array_find_with_equal_func (v6, text, g_str_equal, NULL))
            g_ptr_array_add (v6, g_strdup (text));
        }
    }

  if (list != NULL)
    freeifaddrs (list);

  for (guint i = 0; i < v4->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (v4, i));
  for (guint i = 0; i < v6->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (v6, i));

  result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return result;
}

gboolean
hs_net_address_is_loopback (const char *address)
{
  g_autoptr (GInetAddress) inet = NULL;
  const char *text = address;
  g_autofree char *stripped = NULL;

  g_return_val_if_fail (address != NULL, FALSE);

  if (address[0] == '[')
    {
      stripped = g_strndup (address + 1, strcspn (address + 1, "]"));
      text = stripped;
    }
  if (g_ascii_strcasecmp (text, "localhost") == 0)
    return TRUE;

  inet = g_inet_address_new_from_string (text);
  if (inet == NULL)
    return FALSE;
  if (g_inet_address_get_is_loopback (inet))
    return TRUE;

  /* An IPv4-mapped IPv6 loopback (::ffff:127.0.0.1) is loopback too. */
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    {
      const guint8 *bytes = g_inet_address_to_bytes (inet);
      static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

      return memcmp (bytes, prefix, 12) == 0 && bytes[12] == 127;
    }
  return FALSE;
}
