/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "hs-segment.h"

/* A real SYN as the kernel saved it with TCP_SAVED_SYN on loopback:
 * 127.0.0.1:36536 → 127.0.0.1:38599, MSS 65495, SACK permitted, timestamps,
 * window scale 10. */
static const char *saved_syn_hex =
    "4500003cc189400040067b307f0000017f0000018eb896c7c770656300000000a002ffd7fe300000"
    "0204ffd70402080a36c25908000000000103030a";

static guint8 *
from_hex (const char *hex, gsize *len)
{
  gsize n = strlen (hex) / 2;
  guint8 *out = g_malloc (n);

  for (gsize i = 0; i < n; i++)
    out[i] = (g_ascii_xdigit_value (hex[2 * i]) << 4) | g_ascii_xdigit_value (hex[2 * i + 1]);
  *len = n;
  return out;
}

static void
test_ipv4_syn (void)
{
  gsize len;
  g_autofree guint8 *data = from_hex (saved_syn_hex, &len);
  g_autoptr (GError) error = NULL;
  g_autofree char *src = NULL;
  g_autofree char *flags = NULL;
  HsPacket packet;

  g_assert_true (hs_packet_parse (data, len, &packet, &error));
  g_assert_no_error (error);

  src = hs_address_to_string (&packet.src);
  g_assert_cmpstr (src, ==, "127.0.0.1:36536");
  g_assert_cmpuint (packet.dst.port, ==, 38599);
  g_assert_cmpuint (packet.seq, ==, 0xc7706563u);
  g_assert_cmpuint (packet.ack, ==, 0);
  g_assert_cmpuint (packet.flags, ==, HS_TCP_SYN);
  g_assert_cmpuint (packet.window, ==, 65495);
  g_assert_cmpuint (packet.payload_len, ==, 0);
  g_assert_cmpuint (packet.ttl, ==, 64);
  g_assert_true (packet.options.present & HS_TCP_OPTION_MSS);
  g_assert_cmpuint (packet.options.mss, ==, 65495);
  g_assert_true (packet.options.present & HS_TCP_OPTION_SACK_PERMITTED);
  g_assert_true (packet.options.present & HS_TCP_OPTION_TIMESTAMPS);
  g_assert_cmpuint (packet.options.ts_val, ==, 0x36c25908u);
  g_assert_cmpuint (packet.options.ts_ecr, ==, 0);
  g_assert_true (packet.options.present & HS_TCP_OPTION_WSCALE);
  g_assert_cmpuint (packet.options.wscale, ==, 10);

  flags = hs_tcp_flags_to_string (packet.flags);
  g_assert_cmpstr (flags, ==, "SYN");
}

/* Builds an IPv6 packet with a hop-by-hop extension header, then TCP with
 * SYN+ACK, no options and 3 bytes of payload. */
static GByteArray *
build_ipv6 (gboolean with_extension)
{
  GByteArray *p = g_byte_array_new ();
  guint8 ip[40] = { 0x60, 0, 0, 0, 0, 0, 0, 64 };
  guint8 ext[8] = { 6, 0, 1, 4, 0, 0, 0, 0 }; /* next = TCP, len 0, PadN */
  guint8 tcp[20] = { 0x13, 0x8d, 0xa0, 0x00, 0x00, 0x00, 0x00,
                     0x01, 0xff, 0xff, 0xff, 0xfe, 0x50, HS_TCP_SYN | HS_TCP_ACK,
                     0x10, 0x00 };
  guint16 payload = 20 + 3 + (with_extension ? 8 : 0);

  ip[4] = payload >> 8;
  ip[5] = payload & 0xff;
  ip[6] = with_extension ? 0 : 6;
  ip[23] = 1; /* src ::1 */
  ip[24] = 0xfe;
  ip[25] = 0x80; /* dst fe80::2 */
  ip[39] = 2;

  g_byte_array_append (p, ip, sizeof ip);
  if (with_extension)
    g_byte_array_append (p, ext, sizeof ext);
  g_byte_array_append (p, tcp, sizeof tcp);
  g_byte_array_append (p, (const guint8 *) "abc", 3);
  return p;
}

static void
test_ipv6 (void)
{
  for (int ext = 0; ext < 2; ext++)
    {
      g_autoptr (GByteArray) p = build_ipv6 (ext);
      g_autoptr (GError) error = NULL;
      g_autofree char *src = NULL;
      g_autofree char *dst = NULL;
      g_autofree char *flags = NULL;
      HsPacket packet;

      g_assert_true (hs_packet_parse (p->data, p->len, &packet, &error));
      g_assert_no_error (error);
      src = hs_address_to_string (&packet.src);
      dst = hs_address_to_string (&packet.dst);
      g_assert_cmpstr (src, ==, "[::1]:5005");
      g_assert_cmpstr (dst, ==, "[fe80::2]:40960");
      g_assert_cmpuint (packet.seq, ==, 1);
      g_assert_cmpuint (packet.ack, ==, 0xfffffffeu);
      g_assert_cmpuint (packet.window, ==, 4096);
      g_assert_cmpuint (packet.payload_len, ==, 3);
      g_assert_cmpmem (p->data + packet.payload_off, 3, "abc", 3);
      flags = hs_tcp_flags_to_string (packet.flags);
      g_assert_cmpstr (flags, ==, "SYN, ACK");
    }
}

static void
test_truncated (void)
{
  gsize len;
  g_autofree guint8 *data = from_hex (saved_syn_hex, &len);

  /* Every prefix shorter than the headers is an error, never a crash. */
  for (gsize n = 0; n < 60; n++)
    {
      g_autoptr (GError) error = NULL;
      HsPacket packet;

      g_assert_false (hs_packet_parse (data, n, &packet, &error));
      g_assert_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_TRUNCATED);
    }
}

static void
test_malformed (void)
{
  gsize len;
  g_autofree guint8 *data = from_hex (saved_syn_hex, &len);
  g_autoptr (GError) error = NULL;
  HsPacket packet;
  guint8 copy[64];

  /* Not IP at all. */
  memcpy (copy, data, len);
  copy[0] = 0x55;
  g_assert_false (hs_packet_parse (copy, len, &packet, &error));
  g_assert_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_NOT_IP);
  g_clear_error (&error);

  /* UDP, not TCP. */
  memcpy (copy, data, len);
  copy[9] = 17;
  g_assert_false (hs_packet_parse (copy, len, &packet, &error));
  g_assert_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_NOT_TCP);
  g_clear_error (&error);

  /* IHL below 5 words. */
  memcpy (copy, data, len);
  copy[0] = 0x44;
  g_assert_false (hs_packet_parse (copy, len, &packet, &error));
  g_assert_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_MALFORMED);
  g_clear_error (&error);

  /* TCP data offset below 5 words. */
  memcpy (copy, data, len);
  copy[20 + 12] = 0x40;
  g_assert_false (hs_packet_parse (copy, len, &packet, &error));
  g_assert_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_MALFORMED);
  g_clear_error (&error);

  /* An MSS option with the wrong length. */
  memcpy (copy, data, len);
  copy[40 + 1] = 3;
  g_assert_false (hs_packet_parse (copy, len, &packet, &error));
  g_assert_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_MALFORMED);
  g_clear_error (&error);

  /* An option running past the header. */
  memcpy (copy, data, len);
  copy[58] = 9; /* the window scale option (at 57) claims 9 bytes */
  g_assert_false (hs_packet_parse (copy, len, &packet, &error));
  g_assert_error (error, HS_PACKET_ERROR, HS_PACKET_ERROR_MALFORMED);
}

static void
test_options_fuzz (void)
{
  /* Random option bytes: the parser accepts or rejects, never overreads
   * (AddressSanitizer watches the copies). */
  GRand *rand = g_rand_new_with_seed (20261125);

  for (guint i = 0; i < 20000; i++)
    {
      guint len = g_rand_int_range (rand, 0, 41);
      g_autofree guint8 *buf = g_malloc (len + 1);
      HsTcpOptions options;

      for (guint j = 0; j < len; j++)
        buf[j] = g_rand_int_range (rand, 0, 12);
      hs_tcp_options_parse (buf, len, &options, NULL);
    }
  g_rand_free (rand);
}

static void
test_flags_string (void)
{
  struct
  {
    guint8 flags;
    const char *text;
  } cases[] = {
    { HS_TCP_SYN, "SYN" },
    { HS_TCP_SYN | HS_TCP_ACK, "SYN, ACK" },
    { HS_TCP_FIN | HS_TCP_ACK, "FIN, ACK" },
    { HS_TCP_PSH | HS_TCP_ACK, "PSH, ACK" },
    { HS_TCP_RST | HS_TCP_ACK, "RST, ACK" },
    { HS_TCP_RST, "RST" },
    { 0, "none" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = hs_tcp_flags_to_string (cases[i].flags);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_address (void)
{
  const char *round_trip[] = {
    "127.0.0.1:5005", "[::1]:5005",     "[2001:db8::1:0:0:1]:80",
    "[fe80::1]:1",    "10.0.0.2:65535", "[::ffff:192.0.2.1]:8",
  };
  const char *invalid[] = {
    "",       "1.2.3", "1.2.3.4:", "1.2.3.4:99999", "256.1.1.1", "[::1",
    "[::1]x", ":::1",  "1::2::3",  "12345::1",      "host:80",   "[]:80",
  };
  HsAddress a, b, listener = { .family = 4 };
  g_autofree char *any = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (round_trip); i++)
    {
      g_autofree char *text = NULL;

      g_assert_true (hs_address_parse (round_trip[i], &a));
      text = hs_address_to_string (&a);
      g_assert_cmpstr (text, ==, round_trip[i]);
      g_assert_true (hs_address_parse (text, &b));
      g_assert_true (hs_address_equal (&a, &b));
      g_assert_cmpuint (hs_address_hash (&a), ==, hs_address_hash (&b));
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    g_assert_false (hs_address_parse (invalid[i], &a));

  g_assert_true (hs_address_parse ("::", &a));
  g_assert_cmpuint (a.family, ==, 6);
  g_assert_true (hs_address_parse ("0.0.0.0", &a));
  g_assert_cmpuint (a.port, ==, 0);

  any = hs_address_to_string (&listener);
  g_assert_cmpstr (any, ==, "0.0.0.0:*");
}

static void
test_seq_arithmetic (void)
{
  g_assert_cmpuint (hs_seq_add (0xffffffffu, 2), ==, 1);
  g_assert_cmpuint (hs_seq_sub (1, 0xffffffffu), ==, 2);
  g_assert_true (hs_seq_lt (0xfffffff0u, 5));
  g_assert_false (hs_seq_lt (5, 0xfffffff0u));
  g_assert_false (hs_seq_lt (7, 7));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/packet/ipv4-syn", test_ipv4_syn);
  g_test_add_func ("/core/packet/ipv6", test_ipv6);
  g_test_add_func ("/core/packet/truncated", test_truncated);
  g_test_add_func ("/core/packet/malformed", test_malformed);
  g_test_add_func ("/core/packet/options-fuzz", test_options_fuzz);
  g_test_add_func ("/core/packet/flags-string", test_flags_string);
  g_test_add_func ("/core/packet/address", test_address);
  g_test_add_func ("/core/packet/seq-arithmetic", test_seq_arithmetic);

  return g_test_run ();
}
