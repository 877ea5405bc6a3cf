/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-segment"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hs-segment.h"

G_DEFINE_QUARK (hs - packet - error - quark, hs_packet_error)

enum
{
  IPPROTO_TCP_NUMBER = 6,
  IPV6_HOP_BY_HOP = 0,
  IPV6_ROUTING = 43,
  IPV6_FRAGMENT = 44,
  IPV6_DESTINATION = 60,
  TCP_HEADER_MIN = 20,
};

static inline guint16
read_u16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static inline guint32
read_u32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

gboolean
hs_tcp_options_parse (const guint8 *data, gsize len, HsTcpOptions *options, GError **error)
{
  gsize i = 0;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  memset (options, 0, sizeof *options);

  while (i < len)
    {
      guint8 kind = data[i];
      guint8 opt_len;

      if (kind == 0) /* End of option list */
        break;
      if (kind == 1) /* No-operation */
        {
          i++;
          continue;
        }

      if (i + 1 >= len)
        {
          g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_MALFORMED,
                       "TCP option %u at offset %" G_GSIZE_FORMAT " has no length", kind, i);
          return FALSE;
        }

      opt_len = data[i + 1];
      if (opt_len < 2 || i + opt_len > len)
        {
          g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_MALFORMED,
                       "TCP option %u at offset %" G_GSIZE_FORMAT " has a bad length %u", kind, i,
                       opt_len);
          return FALSE;
        }

      switch (kind)
        {
          case 2: /* Maximum segment size, RFC 9293 section 3.7.1 */
            if (opt_len != 4)
              goto bad_length;
            options->mss = read_u16 (data + i + 2);
            options->present |= HS_TCP_OPTION_MSS;
            break;

          case 3: /* Window scale, RFC 7323 section 2 */
            if (opt_len != 3)
              goto bad_length;
            options->wscale = data[i + 2];
            options->present |= HS_TCP_OPTION_WSCALE;
            break;

          case 4: /* SACK permitted, RFC 2018 */
            if (opt_len != 2)
              goto bad_length;
            options->present |= HS_TCP_OPTION_SACK_PERMITTED;
            break;

          case 5: /* SACK blocks */
            if ((opt_len - 2) % 8 != 0)
              goto bad_length;
            options->present |= HS_TCP_OPTION_SACK;
            break;

          case 8: /* Timestamps, RFC 7323 section 3 */
            if (opt_len != 10)
              goto bad_length;
            options->ts_val = read_u32 (data + i + 2);
            options->ts_ecr = read_u32 (data + i + 6);
            options->present |= HS_TCP_OPTION_TIMESTAMPS;
            break;

          default: /* Unknown options are skipped by their length. */
            break;
        }

      i += opt_len;
      continue;

    bad_length:
      g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_MALFORMED,
                   "TCP option %u has length %u, which is not valid for it", kind, opt_len);
      return FALSE;
    }

  return TRUE;
}

static gboolean
parse_tcp (const guint8 *data,
           gsize len,
           gsize offset,
           gsize ip_payload_len,
           HsPacket *packet,
           GError **error)
{
  const guint8 *tcp = data + offset;
  gsize avail = len - offset;
  gsize header_len;

  if (avail < TCP_HEADER_MIN)
    {
      g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_TRUNCATED,
                   "The TCP header is cut short: %" G_GSIZE_FORMAT " of at least 20 bytes", avail);
      return FALSE;
    }

  header_len = (tcp[12] >> 4) * 4u;
  if (header_len < TCP_HEADER_MIN)
    {
      g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_MALFORMED,
                   "The TCP header claims a length of %" G_GSIZE_FORMAT " bytes, less than 20",
                   header_len);
      return FALSE;
    }
  if (header_len > avail || header_len > ip_payload_len)
    {
      g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_TRUNCATED,
                   "The TCP header with options needs %" G_GSIZE_FORMAT
                   " bytes, only %" G_GSIZE_FORMAT " are there",
                   header_len, MIN (avail, ip_payload_len));
      return FALSE;
    }

  packet->src.port = read_u16 (tcp);
  packet->dst.port = read_u16 (tcp + 2);
  packet->seq = read_u32 (tcp + 4);
  packet->ack = read_u32 (tcp + 8);
  packet->flags = tcp[13];
  packet->window = read_u16 (tcp + 14);

  if (!hs_tcp_options_parse (tcp + TCP_HEADER_MIN, header_len - TCP_HEADER_MIN, &packet->options,
                             error))
    return FALSE;

  packet->payload_off = (guint32) (offset + header_len);
  packet->payload_len = (guint32) (MIN (ip_payload_len, avail) - header_len);

  return TRUE;
}

static gboolean
parse_ipv4 (const guint8 *data, gsize len, HsPacket *packet, GError **error)
{
  gsize ihl;
  gsize total_len;

  if (len < 20)
    {
      g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_TRUNCATED,
                   "The IPv4 header is cut short: %" G_GSIZE_FORMAT " of at least 20 bytes", len);
      return FALSE;
    }

  ihl = (data[0] & 0x0f) * 4u;
  total_len = read_u16 (data + 2);
  if (ihl < 20 || total_len < ihl)
    {
      g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_MALFORMED,
                   "The IPv4 header has impossible lengths (header %" G_GSIZE_FORMAT
                   ", total %" G_GSIZE_FORMAT ")",
                   ihl, total_len);
      return FALSE;
    }
  if (ihl > len)
    {
      g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_TRUNCATED,
                   "The IPv4 header needs %" G_GSIZE_FORMAT " bytes, only %" G_GSIZE_FORMAT
                   " are there",
                   ihl, len);
      return FALSE;
    }
  if (data[9] != IPPROTO_TCP_NUMBER)
    {
      g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_NOT_TCP,
                   "The packet carries IP protocol %u, not TCP", data[9]);
      return FALSE;
    }
  /* A fragment other than the first has no TCP header to read. */
  if ((read_u16 (data + 6) & 0x1fff) != 0)
    {
      g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_NOT_TCP,
                   "The packet is a later IP fragment without a TCP header");
      return FALSE;
    }

  packet->src.family = packet->dst.family = 4;
  memcpy (packet->src.addr, data + 12, 4);
  memcpy (packet->dst.addr, data + 16, 4);
  packet->ttl = data[8];

  /* Some captures (and TCP_SAVED_SYN after segmentation offload) leave
   * total_len 0; trust the bytes then. */
  if (total_len == 0)
    total_len = len;

  return parse_tcp (data, MIN (len, total_len), ihl, total_len - ihl, packet, error);
}

static gboolean
parse_ipv6 (const guint8 *data, gsize len, HsPacket *packet, GError **error)
{
  gsize offset = 40;
  gsize payload_len;
  guint8 next;

  if (len < 40)
    {
      g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_TRUNCATED,
                   "The IPv6 header is cut short: %" G_GSIZE_FORMAT " of 40 bytes", len);
      return FALSE;
    }

  payload_len = read_u16 (data + 4);
  if (payload_len == 0)
    payload_len = len - 40;
  next = data[6];

  packet->src.family = packet->dst.family = 6;
  memcpy (packet->src.addr, data + 8, 16);
  memcpy (packet->dst.addr, data + 24, 16);
  packet->ttl = data[7];

  /* Walk extension headers (RFC 8200, section 4) up to TCP. */
  while (next != IPPROTO_TCP_NUMBER)
    {
      gsize ext_len;

      if (next != IPV6_HOP_BY_HOP && next != IPV6_ROUTING && next != IPV6_FRAGMENT &&
          next != IPV6_DESTINATION)
        {
          g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_NOT_TCP,
                       "The packet carries IPv6 next header %u, not TCP", next);
          return FALSE;
        }
      if (offset + 8 > len)
        {
          g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_TRUNCATED,
                       "An IPv6 extension header is cut short");
          return FALSE;
        }
      if (next == IPV6_FRAGMENT)
        {
          if ((read_u16 (data + offset + 2) & 0xfff8) != 0)
            {
              g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_NOT_TCP,
                           "The packet is a later IPv6 fragment without a TCP header");
              return FALSE;
            }
          ext_len = 8;
        }
      else
        ext_len = (data[offset + 1] + 1u) * 8u;

      next = data[offset];
      offset += ext_len;
      if (offset > len || offset - 40 > payload_len)
        {
          g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_TRUNCATED,
                       "An IPv6 extension header runs past the packet");
          return FALSE;
        }
    }

  return parse_tcp (data, MIN (len, 40 + payload_len), offset, payload_len - (offset - 40), packet,
                    error);
}

gboolean
hs_packet_parse (const guint8 *data, gsize len, HsPacket *packet, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (packet != NULL, FALSE);

  memset (packet, 0, sizeof *packet);

  if (len < 1)
    {
      g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_TRUNCATED, "The packet is empty");
      return FALSE;
    }

  switch (data[0] >> 4)
    {
      case 4:
        return parse_ipv4 (data, len, packet, error);
      case 6:
        return parse_ipv6 (data, len, packet, error);
      default:
        g_set_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_NOT_IP,
                     "The packet is not IP (version field %u)", data[0] >> 4);
        return FALSE;
    }
}

char *
hs_tcp_flags_to_string (guint8 flags)
{
  static const struct
  {
    guint8 bit;
    const char *name;
  } order[] = {
    { HS_TCP_SYN, "SYN" }, { HS_TCP_FIN, "FIN" }, { HS_TCP_RST, "RST" }, { HS_TCP_PSH, "PSH" },
    { HS_TCP_ACK, "ACK" }, { HS_TCP_URG, "URG" }, { HS_TCP_ECE, "ECE" }, { HS_TCP_CWR, "CWR" },
  };
  GString *str = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      if ((flags & order[i].bit) == 0)
        continue;
      if (str->len > 0)
        g_string_append (str, ", ");
      g_string_append (str, order[i].name);
    }

  if (str->len == 0)
    g_string_append (str, "none");

  return g_string_free (str, FALSE);
}

static gboolean
address_is_unspecified (const HsAddress *address)
{
  gsize n = address->family == 6 ? 16 : 4;

  for (gsize i = 0; i < n; i++)
    if (address->addr[i] != 0)
      return FALSE;
  return TRUE;
}

char *
hs_address_to_host_string (const HsAddress *address)
{
  g_return_val_if_fail (address != NULL, NULL);

  if (address->family == 4)
    return g_strdup_printf ("%u.%u.%u.%u", address->addr[0], address->addr[1], address->addr[2],
                            address->addr[3]);

  if (address->family == 6)
    {
      /* RFC 5952 text form: the longest run of two or more zero groups
       * becomes "::", hex in lower case without leading zeros. */
      guint16 groups[8];
      int best_start = -1, best_len = 0;
      GString *str = g_string_new (NULL);

      for (int i = 0; i < 8; i++)
        groups[i] = read_u16 (address->addr + 2 * i);

      for (int i = 0; i < 8;)
        {
          int j = i;

          while (j < 8 && groups[j] == 0)
            j++;
          if (j - i > best_len && j - i >= 2)
            {
              best_start = i;
              best_len = j - i;
            }
          i = j > i ? j : i + 1;
        }

      /* IPv4-mapped addresses read better in dotted form. */
      if (best_start == 0 && best_len == 5 && groups[5] == 0xffff)
        {
          g_string_printf (str, "::ffff:%u.%u.%u.%u", address->addr[12], address->addr[13],
                           address->addr[14], address->addr[15]);
          return g_string_free (str, FALSE);
        }

      for (int i = 0; i < 8; i++)
        {
          if (i == best_start)
            {
              g_string_append (str, "::");
              i += best_len - 1;
              continue;
            }
          if (str->len > 0 && str->str[str->len - 1] != ':')
            g_string_append_c (str, ':');
          g_string_append_printf (str, "%x", groups[i]);
        }

      return g_string_free (str, FALSE);
    }

  return g_strdup ("*");
}

char *
hs_address_to_string (const HsAddress *address)
{
  g_autofree char *host = NULL;

  g_return_val_if_fail (address != NULL, NULL);

  if (address->family == 0 || (address->port == 0 && address_is_unspecified (address)))
    {
      if (address->family == 6)
        return g_strdup ("[::]:*");
      if (address->family == 4)
        return g_strdup ("0.0.0.0:*");
      return g_strdup ("*:*");
    }

  host = hs_address_to_host_string (address);
  if (address->family == 6)
    return g_strdup_printf ("[%s]:%u", host, address->port);
  return g_strdup_printf ("%s:%u", host, address->port);
}

gboolean
hs_address_equal (const HsAddress *a, const HsAddress *b)
{
  gsize n;

  if (a->family != b->family || a->port != b->port)
    return FALSE;
  n = a->family == 6 ? 16 : a->family == 4 ? 4 : 0;
  return memcmp (a->addr, b->addr, n) == 0;
}

guint
hs_address_hash (const HsAddress *address)
{
  guint hash = address->family * 31u + address->port;
  gsize n = address->family == 6 ? 16 : 4;

  for (gsize i = 0; i < n; i++)
    hash = hash * 33u + address->addr[i];
  return hash;
}

static gboolean parse_ipv6_groups (const char *text, guint8 out[16]);

static gboolean
parse_ipv4_text (const char *text, guint8 out[4])
{
  guint parts[4];
  char tail;

  if (sscanf (text, "%u.%u.%u.%u%c", &parts[0], &parts[1], &parts[2], &parts[3], &tail) != 4)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    {
      if (parts[i] > 255)
        return FALSE;
      out[i] = (guint8) parts[i];
    }
  return TRUE;
}

static gboolean
parse_ipv6_text (const char *text, guint8 out[16])
{
  const char *last_colon = strrchr (text, ':');

  /* An embedded IPv4 address ("::ffff:192.0.2.1") stands for the last two
   * groups. */
  if (last_colon != NULL && strchr (last_colon, '.') != NULL)
    {
      g_autofree char *head = g_strndup (text, last_colon - text + 1);
      g_autofree char *with_groups = NULL;
      guint8 v4[4];

      if (!parse_ipv4_text (last_colon + 1, v4))
        return FALSE;
      with_groups = g_strdup_printf ("%s%x:%x", head, (v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      return parse_ipv6_text (with_groups, out);
    }

  return parse_ipv6_groups (text, out);
}

static gboolean
parse_ipv6_groups (const char *text, guint8 out[16])
{
  g_auto (GStrv) halves = NULL;
  guint16 head[8], tail[8];
  guint n_head = 0, n_tail = 0;
  const char *dbl = strstr (text, "::");

  if (*text == '\0' || (dbl != NULL && strstr (dbl + 2, "::") != NULL))
    return FALSE;

  halves = g_strsplit (text, "::", 2);
  for (guint h = 0; halves[h] != NULL; h++)
    {
      g_auto (GStrv) groups = NULL;
      guint16 *dest = h == 0 ? head : tail;
      guint *n = h == 0 ? &n_head : &n_tail;

      if (halves[h][0] == '\0')
        continue;
      groups = g_strsplit (halves[h], ":", -1);
      for (guint i = 0; groups[i] != NULL; i++)
        {
          char *end = NULL;
          guint64 v;

          if (groups[i][0] == '\0' || strlen (groups[i]) > 4 || *n >= 8)
            return FALSE;
          v = g_ascii_strtoull (groups[i], &end, 16);
          if (*end != '\0')
            return FALSE;
          dest[(*n)++] = (guint16) v;
        }
    }

  if (dbl == NULL ? n_head != 8 : n_head + n_tail > 7)
    return FALSE;

  memset (out, 0, 16);
  for (guint i = 0; i < n_head; i++)
    {
      out[2 * i] = head[i] >> 8;
      out[2 * i + 1] = head[i] & 0xff;
    }
  for (guint i = 0; i < n_tail; i++)
    {
      guint pos = 8 - n_tail + i;

      out[2 * pos] = tail[i] >> 8;
      out[2 * pos + 1] = tail[i] & 0xff;
    }
  return TRUE;
}

static gboolean
parse_port (const char *text, guint16 *port)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, 65535, &value, NULL))
    return FALSE;
  *port = (guint16) value;
  return TRUE;
}

gboolean
hs_address_parse (const char *text, HsAddress *address)
{
  HsAddress result = { 0 };
  g_autofree char *host = NULL;
  const char *colon;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL)
        return FALSE;
      host = g_strndup (text + 1, close - text - 1);
      if (close[1] == ':')
        {
          if (!parse_port (close + 2, &result.port))
            return FALSE;
        }
      else if (close[1] != '\0')
        return FALSE;
      if (!parse_ipv6_text (host, result.addr))
        return FALSE;
      result.family = 6;
    }
  else if ((colon = strchr (text, ':')) != NULL && strchr (colon + 1, ':') == NULL)
    {
      host = g_strndup (text, colon - text);
      if (!parse_port (colon + 1, &result.port) || !parse_ipv4_text (host, result.addr))
        return FALSE;
      result.family = 4;
    }
  else if (colon != NULL)
    {
      if (!parse_ipv6_text (text, result.addr))
        return FALSE;
      result.family = 6;
    }
  else
    {
      if (!parse_ipv4_text (text, result.addr))
        return FALSE;
      result.family = 4;
    }

  *address = result;
  return TRUE;
}
