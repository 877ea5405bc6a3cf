/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <pcap/pcap.h>
#include <string.h>

#include <glib/gstdio.h>

#include "hs-capture.h"

/* The lesson every capture here holds: open, "hello", the client closes
 * first. The segments and the states both ends go through. */
static const char *const lesson_segments_lab =
    "C:SYN S:SYN,ACK C:ACK C:PSH,ACK/5 S:ACK C:FIN,ACK S:ACK S:FIN,ACK C:ACK";
static const char *const lesson_client_states =
    "CLOSED>SYN_SENT SYN_SENT>ESTABLISHED ESTABLISHED>FIN_WAIT_1 FIN_WAIT_1>FIN_WAIT_2 "
    "FIN_WAIT_2>TIME_WAIT";
static const char *const lesson_server_states =
    "CLOSED>LISTEN LISTEN>SYN_RECEIVED SYN_RECEIVED>ESTABLISHED ESTABLISHED>CLOSE_WAIT "
    "CLOSE_WAIT>LAST_ACK LAST_ACK>CLOSED";

static char *
fixture_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "captures", name, NULL);
}

/* "C:SYN S:SYN,ACK C:PSH,ACK/5 …", retransmissions marked with "(r)". */
static char *
describe_segments (HsTrace *trace)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);
      g_autofree char *flags = NULL;
      g_auto (GStrv) parts = NULL;
      g_autofree char *joined = NULL;

      if (e->kind != HS_EVENT_SEGMENT)
        continue;
      flags = hs_tcp_flags_to_string (e->flags);
      parts = g_strsplit (flags, ", ", -1);
      joined = g_strjoinv (",", parts);
      g_string_append_printf (out, "%s%s:%s", out->len > 0 ? " " : "",
                              e->side == HS_SIDE_CLIENT ? "C" : "S", joined);
      if (e->len > 0)
        g_string_append_printf (out, "/%u", e->len);
      if (e->retransmission > 0)
        g_string_append (out, "(r)");
      g_assert_cmpint (e->provenance, ==, HS_PROVENANCE_CAPTURED);
    }
  return g_string_free (out, FALSE);
}

static char *
describe_states (HsTrace *trace, HsSide side)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);

      if (e->kind != HS_EVENT_STATE || e->side != side)
        continue;
      g_assert_cmpint (e->source, ==, HS_STATE_SOURCE_INFERRED);
      g_string_append_printf (out, "%s%s>%s", out->len > 0 ? " " : "",
                              hs_tcp_state_to_string (e->from), hs_tcp_state_to_string (e->to));
    }
  return g_string_free (out, FALSE);
}

static void
assert_times_ordered (HsTrace *trace)
{
  gint64 last = 0;

  for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
    {
      const HsEvent *e = hs_trace_get_event (trace, i);

      g_assert_cmpint (e->time_us, >=, last);
      last = e->time_us;
    }
}

/* Checks the lesson in connection 0 of @capture; @segments NULL accepts the
 * server's ACK of the FIN alone or riding on its own FIN (timing decides). */
static void
assert_lesson (HsCapture *capture, const char *segments)
{
  const HsCaptureConnection *c;
  g_autoptr (HsTrace) trace = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *seg = NULL;
  g_autofree char *client = NULL;
  g_autofree char *server = NULL;
  const HsTraceConnection *tc;
  const HsEvent *syn = NULL;

  g_assert_cmpuint (hs_capture_get_n_connections (capture), ==, 1);
  c = hs_capture_get_connection (capture, 0);
  g_assert_cmpuint (c->index, ==, 0);
  g_assert_cmpuint (c->first_flags, ==, HS_TCP_SYN);
  g_assert_true (c->syn_seen);
  g_assert_cmpuint (c->bytes, ==, 5);
  g_assert_cmpint (c->end_us, >=, c->start_us);

  trace = hs_capture_build_trace (capture, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hs_trace_get_network (trace), ==, "capture");
  assert_times_ordered (trace);

  seg = describe_segments (trace);
  if (segments != NULL)
    g_assert_cmpstr (seg, ==, segments);
  else if (g_strcmp0 (seg, lesson_segments_lab) != 0)
    g_assert_cmpstr (seg, ==, "C:SYN S:SYN,ACK C:ACK C:PSH,ACK/5 S:ACK C:FIN,ACK S:FIN,ACK C:ACK");
  {
    g_auto (GStrv) words = g_strsplit (seg, " ", -1);

    g_assert_cmpuint (c->n_packets, ==, g_strv_length (words));
  }

  client = describe_states (trace, HS_SIDE_CLIENT);
  server = describe_states (trace, HS_SIDE_SERVER);
  g_assert_cmpstr (client, ==, lesson_client_states);
  g_assert_cmpstr (server, ==, lesson_server_states);

  /* The SYNs were captured: the ISNs are the real, absolute ones. */
  tc = hs_trace_get_connection (trace, 1);
  g_assert_true (hs_address_equal (&tc->client, &c->client));
  g_assert_true (hs_address_equal (&tc->server, &c->server));
  for (guint i = 0; i < hs_trace_get_n_events (trace) && syn == NULL; i++)
    if (hs_trace_get_event (trace, i)->kind == HS_EVENT_SEGMENT)
      syn = hs_trace_get_event (trace, i);
  g_assert_nonnull (syn);
  g_assert_cmpuint (syn->rel_seq, ==, 0);
  g_assert_true (tc->isn_known[HS_SIDE_CLIENT]);
  g_assert_true (tc->isn_known[HS_SIDE_SERVER]);
  g_assert_cmpint (hs_trace_get_state_at (trace, 1, HS_SIDE_CLIENT, G_MAXUINT), ==,
                   HS_TCP_STATE_TIME_WAIT);
  g_assert_cmpint (hs_trace_get_state_at (trace, 1, HS_SIDE_SERVER, G_MAXUINT), ==,
                   HS_TCP_STATE_CLOSED);
}

/* Packets of a capture file, read with libpcap itself. */
typedef struct
{
  GPtrArray *frames; /* GBytes */
  GArray *times;     /* gint64 µs */
  int dlt;
} Frames;

static void
frames_clear (Frames *f)
{
  g_clear_pointer (&f->frames, g_ptr_array_unref);
  g_clear_pointer (&f->times, g_array_unref);
}

static void
frames_read (const char *path, Frames *f)
{
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *pcap = pcap_open_offline (path, errbuf);
  struct pcap_pkthdr *h;
  const u_char *data;

  g_assert_nonnull (pcap);
  f->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  f->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  f->dlt = pcap_datalink (pcap);
  while (pcap_next_ex (pcap, &h, &data) == 1)
    {
      gint64 t = (gint64) h->ts.tv_sec * G_USEC_PER_SEC + h->ts.tv_usec;

      g_ptr_array_add (f->frames, g_bytes_new (data, h->caplen));
      g_array_append_val (f->times, t);
    }
  pcap_close (pcap);
}

static void
frames_write (const Frames *f, const char *path)
{
  pcap_t *pcap = pcap_open_dead (f->dlt, 262144);
  pcap_dumper_t *dumper = pcap_dump_open (pcap, path);

  g_assert_nonnull (dumper);
  for (guint i = 0; i < f->frames->len; i++)
    {
      struct pcap_pkthdr h = { 0 };
      gsize len;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (f->frames, i), &len);
      gint64 t = g_array_index (f->times, gint64, i);

      h.ts.tv_sec = t / G_USEC_PER_SEC;
      h.ts.tv_usec = t % G_USEC_PER_SEC;
      h.caplen = h.len = (bpf_u_int32) len;
      pcap_dump ((u_char *) dumper, &h, data);
    }
  pcap_dump_close (dumper);
  pcap_close (pcap);
}

static HsCapture *
load_frames (const Frames *f, GError **error)
{
  g_autofree char *dir = g_dir_make_tmp ("hs-capture-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "frames.pcap", NULL);
  HsCapture *capture;

  frames_write (f, path);
  capture = hs_capture_load_file (path, error);
  g_unlink (path);
  g_rmdir (dir);
  return capture;
}

static void
test_lab (void)
{
  g_autofree char *path = fixture_path ("lab-open-data-close.pcap");
  g_autoptr (GError) error = NULL;
  g_autoptr (HsCapture) capture = hs_capture_load_file (path, &error);
  const HsCaptureConnection *c;
  g_autofree char *client = NULL;
  g_autofree char *described = NULL;

  g_assert_no_error (error);
  g_assert_null (hs_capture_get_warning (capture));
  g_assert_cmpstr (hs_capture_get_name (capture), ==, "lab-open-data-close.pcap");
  g_assert_cmpstr (hs_capture_get_link_type (capture), ==, "RAW");
  g_assert_cmpuint (hs_capture_get_n_packets (capture), ==, 9);
  g_assert_cmpuint (hs_capture_get_n_tcp_packets (capture), ==, 9);
  assert_lesson (capture, lesson_segments_lab);

  c = hs_capture_get_connection (capture, 0);
  client = hs_address_to_host_string (&c->client);
  g_assert_cmpstr (client, ==, "10.0.0.1");
  described = hs_capture_connection_describe (c);
  g_assert_true (g_str_has_prefix (described, "10.0.0.1:"));
  g_assert_nonnull (strstr (described, "9 packets, first SYN"));
}

/* The lab's raw IP packets behind each link layer Handshake reads. */
static void
test_link_types (void)
{
  g_autofree char *path = fixture_path ("lab-open-data-close.pcap");
  Frames raw = { 0 };
  static const struct
  {
    int dlt;
    const char *name;
    guint8 header[24];
    gsize header_len;
    gboolean ipv6; /* the packets rewritten as IPv6 */
  } kinds[] = {
    { DLT_EN10MB, "Ethernet", { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 }, 14 },
    { DLT_EN10MB,
      "Ethernet, QinQ",
      { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xa8, 0, 10, 0x81, 0x00, 0, 20, 0x08, 0x00 },
      22 },
    { DLT_LINUX_SLL,
      "Linux cooked v1",
      { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00 },
      16 },
    { DLT_LINUX_SLL2,
      "Linux cooked v2",
      { 0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0 },
      20 },
    { DLT_NULL, "BSD loopback, little-endian", { 2, 0, 0, 0 }, 4 },
    { DLT_LOOP, "OpenBSD loopback", { 0, 0, 0, 2 }, 4 },
    { DLT_IPV4, "LINKTYPE_IPV4", { 0 }, 0 },
    { DLT_EN10MB, "Ethernet, IPv6", { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd }, 14, TRUE },
    { DLT_LINUX_SLL2,
      "Linux cooked v2, IPv6",
      { 0x86, 0xdd, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0 },
      20,
      TRUE },
    { DLT_IPV6, "LINKTYPE_IPV6", { 0 }, 0, TRUE },
  };

  frames_read (path, &raw);
  g_assert_cmpint (raw.dlt, ==, DLT_RAW);

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      Frames wrapped = { 0 };
      g_autoptr (GError) error = NULL;
      g_autoptr (HsCapture) capture = NULL;

      g_test_message ("%s", kinds[k].name);
      wrapped.dlt = kinds[k].dlt;
      wrapped.frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      wrapped.times = g_array_copy (raw.times);
      for (guint i = 0; i < raw.frames->len; i++)
        {
          gsize len;
          const guint8 *ip = g_bytes_get_data (g_ptr_array_index (raw.frames, i), &len);
          g_autoptr (GByteArray) frame = g_byte_array_new ();

          g_byte_array_append (frame, kinds[k].header, (guint) kinds[k].header_len);
          if (kinds[k].ipv6)
            {
              /* The same TCP segment in an IPv6 packet: fd00::1 and ::2
               * for the lab's 10.0.0.1 and .2 (checksums are not read). */
              gsize ihl = (ip[0] & 0x0f) * 4u;
              guint16 tcp_len = (guint16) (len - ihl);
              guint8 v6[40] = { 0x60, 0, 0, 0, tcp_len >> 8, tcp_len & 0xff, 6, 64 };

              v6[8] = v6[24] = 0xfd;
              v6[23] = ip[15];
              v6[39] = ip[19];
              g_byte_array_append (frame, v6, sizeof v6);
              g_byte_array_append (frame, ip + ihl, (guint) (len - ihl));
            }
          else
            g_byte_array_append (frame, ip, (guint) len);
          g_ptr_array_add (wrapped.frames, g_byte_array_free_to_bytes (g_steal_pointer (&frame)));
        }

      capture = load_frames (&wrapped, &error);
      g_assert_no_error (error);
      assert_lesson (capture, lesson_segments_lab);
      if (kinds[k].ipv6)
        {
          g_autofree char *client =
              hs_address_to_host_string (&hs_capture_get_connection (capture, 0)->client);

          g_assert_cmpstr (client, ==, "fd00::1");
        }
      frames_clear (&wrapped);
    }
  frames_clear (&raw);
}

/* The lab's own captures of the lessons in tests/scenarios: the segments
 * are those the scenario's .expected file lists, and the states inferred
 * from them go through the same sequence, side by side, as the kernel's
 * states that file lists. */
static void
test_lab_lessons (void)
{
  static const char *const lessons[] = {
    "abort",    "half-close",         "server-closes-first", "lost-syn", "lost-fin",
    "lost-ack", "simultaneous-close", "simultaneous-open",   "refused",  "open-data-close",
  };

  for (guint l = 0; l < G_N_ELEMENTS (lessons); l++)
    {
      g_autofree char *name = g_strdup_printf ("lab-%s.pcap", lessons[l]);
      g_autofree char *path = fixture_path (name);
      /* Lessons only the lab and the simulation can play are sim-NAME. */
      g_autofree char *sim_name = g_strdup_printf ("sim-%s.expected", lessons[l]);
      g_autofree char *plain_name = g_strdup_printf ("%s.expected", lessons[l]);
      g_autofree char *sim_path = g_test_build_filename (G_TEST_DIST, "scenarios", sim_name, NULL);
      g_autofree char *expected_path =
          g_file_test (sim_path, G_FILE_TEST_EXISTS)
              ? g_strdup (sim_path)
              : g_test_build_filename (G_TEST_DIST, "scenarios", plain_name, NULL);
      g_autofree char *expected = NULL;
      g_auto (GStrv) lines = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (HsCapture) capture = NULL;
      g_autoptr (HsTrace) trace = NULL;
      GString *want_segments = g_string_new (NULL);
      GString *want_states[2] = { g_string_new (NULL), g_string_new (NULL) };
      GString *got_segments = g_string_new (NULL);
      GString *got_states[2] = { g_string_new (NULL), g_string_new (NULL) };

      g_test_message ("%s", lessons[l]);
      g_assert_true (g_file_get_contents (expected_path, &expected, NULL, &error));
      g_assert_no_error (error);
      lines = g_strsplit (expected, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          HsTcpState state;
          HsSide side = lines[i][0] == 'c' ? HS_SIDE_CLIENT : HS_SIDE_SERVER;

          if (strlen (lines[i]) < 3 || g_str_has_prefix (lines[i] + 2, "error"))
            continue;
          if (hs_tcp_state_parse (lines[i] + 2, &state))
            g_string_append_printf (want_states[side], "%s ", hs_tcp_state_to_string (state));
          else
            g_string_append_printf (want_segments, "%s\n", lines[i]);
        }

      capture = hs_capture_load_file (path, &error);
      g_assert_no_error (error);
      trace = hs_capture_build_trace (capture, 0, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < hs_trace_get_n_events (trace); i++)
        {
          const HsEvent *e = hs_trace_get_event (trace, i);

          if (e->kind == HS_EVENT_STATE)
            g_string_append_printf (got_states[e->side], "%s ", hs_tcp_state_to_string (e->to));
          else if (e->kind == HS_EVENT_SEGMENT)
            {
              g_autofree char *flags = hs_tcp_flags_to_string (e->flags);

              g_string_append_printf (got_segments, "%c %s %u/%u",
                                      e->side == HS_SIDE_CLIENT ? 'c' : 's', flags, e->rel_seq,
                                      e->rel_ack);
              if (e->len > 0)
                g_string_append_printf (got_segments, " len %u", e->len);
              if (e->retransmission > 0)
                g_string_append_printf (got_segments, " rtx %u", e->retransmission);
              g_string_append_c (got_segments, '\n');
            }
        }

      g_assert_cmpstr (got_segments->str, ==, want_segments->str);
      g_assert_cmpstr (got_states[HS_SIDE_CLIENT]->str, ==, want_states[HS_SIDE_CLIENT]->str);
      g_assert_cmpstr (got_states[HS_SIDE_SERVER]->str, ==, want_states[HS_SIDE_SERVER]->str);

      g_string_free (want_segments, TRUE);
      g_string_free (got_segments, TRUE);
      for (guint side = 0; side < 2; side++)
        {
          g_string_free (want_states[side], TRUE);
          g_string_free (got_states[side], TRUE);
        }
    }
}

static void
check_tool_capture (const char *path, const char *link_type)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HsCapture) capture = hs_capture_load_file (path, &error);
  const HsCaptureConnection *c;
  g_autofree char *server = NULL;

  g_test_message ("%s", path);
  g_assert_no_error (error);
  g_assert_null (hs_capture_get_warning (capture));
  if (link_type != NULL)
    g_assert_cmpstr (hs_capture_get_link_type (capture), ==, link_type);
  /* The UDP probes that made sure the tool was capturing are there too. */
  g_assert_cmpuint (hs_capture_get_n_packets (capture), >, hs_capture_get_n_tcp_packets (capture));
  assert_lesson (capture, NULL);
  c = hs_capture_get_connection (capture, 0);
  server = hs_address_to_string (&c->server);
  g_assert_cmpstr (server, ==, "127.0.0.1:5005");
}

/* Captures made by Debian's tools: the ones kept in the repository, and
 * fresh ones of real traffic in a private network namespace. */
static void
test_tools (void)
{
  g_autofree char *any = fixture_path ("tcpdump-any.pcap");
  g_autofree char *ng = fixture_path ("dumpcap-lo.pcapng");
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "make-captures.py", NULL);
  g_autofree char *dir = g_dir_make_tmp ("hs-capture-tools-XXXXXX", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) names = NULL;
  int status;

  check_tool_capture (any, "LINUX_SLL2");
  check_tool_capture (ng, "EN10MB");

  g_assert_true (g_spawn_sync (NULL, (char *[]){ "python3", script, dir, NULL }, NULL,
                               G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    {
      g_rmdir (dir);
      g_test_skip_printf ("fresh captures: %s", g_strstrip (out));
      return;
    }
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("make-captures.py failed: %s\n%s", error->message, err);

  names = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (names), >=, 1);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      check_tool_capture (path, g_str_has_suffix (names[i], "-any.pcap") ? "LINUX_SLL2" : "EN10MB");
      g_unlink (path);
    }
  g_rmdir (dir);
}

static GBytes *
read_fixture (const char *name)
{
  g_autofree char *path = fixture_path (name);
  g_autoptr (GError) error = NULL;
  char *data;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

/* Cut at every byte: an error or what came before, never a crash, and the
 * message says what happened. */
static void
check_cuts (const char *name)
{
  g_autoptr (GBytes) whole = read_fixture (name);
  g_autoptr (HsCapture) full = hs_capture_load_bytes (whole, name, NULL);
  gsize len;
  const guint8 *data = g_bytes_get_data (whole, &len);
  guint n_truncated = 0;

  g_assert_nonnull (full);
  for (gsize cut = 0; cut < len; cut++)
    {
      g_autoptr (GBytes) part = g_bytes_new_static (data, cut);
      g_autoptr (GError) error = NULL;
      g_autoptr (HsCapture) capture = hs_capture_load_bytes (part, name, &error);

      if (capture == NULL)
        {
          g_assert_error (error, HS_CAPTURE_ERROR, error->code);
          g_assert_cmpstr (error->message, !=, "");
          continue;
        }
      g_assert_no_error (error);
      g_assert_cmpuint (hs_capture_get_n_packets (capture), <=, hs_capture_get_n_packets (full));
      if (hs_capture_get_warning (capture) != NULL)
        {
          const GError *w = hs_capture_get_warning (capture);
          g_autofree char *n = g_strdup_printf ("%u", hs_capture_get_n_packets (capture));

          g_assert_true (w->code == HS_CAPTURE_ERROR_TRUNCATED ||
                         w->code == HS_CAPTURE_ERROR_DAMAGED);
          g_assert_nonnull (strstr (w->message, n));
          n_truncated += w->code == HS_CAPTURE_ERROR_TRUNCATED;
        }
      for (guint i = 0; i < hs_capture_get_n_connections (capture); i++)
        {
          g_autoptr (HsTrace) trace = hs_capture_build_trace (capture, i, &error);

          g_assert_no_error (error);
          g_assert_cmpuint (hs_trace_get_n_events (trace), >, 0);
        }
    }
  g_assert_cmpuint (n_truncated, >, 0);

  /* Cut inside the last block (the last packet, or the statistics a
   * pcapng file ends with): everything before it, and the words. */
  {
    g_autoptr (GBytes) part = g_bytes_new_static (data, len - 3);
    g_autoptr (HsCapture) capture = hs_capture_load_bytes (part, name, NULL);
    const GError *w = hs_capture_get_warning (capture);
    g_autofree char *expected =
        g_strdup_printf ("The capture ends in the middle of a packet: showing the %u packets "
                         "before it.",
                         hs_capture_get_n_packets (capture));

    g_assert_nonnull (w);
    g_assert_error (w, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_TRUNCATED);
    g_assert_cmpuint (hs_capture_get_n_packets (capture), >=, hs_capture_get_n_packets (full) - 1);
    g_assert_cmpstr (w->message, ==, expected);
  }
}

static void
test_truncated (void)
{
  check_cuts ("lab-open-data-close.pcap");
  check_cuts ("dumpcap-lo.pcapng");
  check_cuts ("tcpdump-any.pcap");
}

static void
test_garbage (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (6);
  static const char *const names[] = { "lab-open-data-close.pcap", "dumpcap-lo.pcapng" };

  /* Not a capture at all. */
  {
    g_autoptr (GBytes) text = g_bytes_new_static ("hello, world\n", 13);
    g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
    g_autoptr (GError) error = NULL;

    g_assert_null (hs_capture_load_bytes (text, "notes.txt", &error));
    g_assert_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_NOT_CAPTURE);
    g_assert_true (g_str_has_prefix (error->message, "notes.txt is not a packet capture"));
    g_clear_error (&error);
    g_assert_null (hs_capture_load_bytes (empty, "empty.pcap", &error));
    g_assert_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_NOT_CAPTURE);
    g_clear_error (&error);
    g_assert_null (hs_capture_load_file ("/nonexistent/x.pcap", &error));
    g_assert_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_IO);
    g_clear_error (&error);
    g_assert_null (hs_capture_load_file ("/", &error));
    g_assert_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_NOT_CAPTURE);
  }

  /* Random bytes, and captures with random bytes changed: whatever the
   * reader makes of them, it answers. */
  for (guint round = 0; round < 3000; round++)
    {
      g_autoptr (GBytes) fixture = read_fixture (names[round % G_N_ELEMENTS (names)]);
      gsize len;
      guint8 *data = g_bytes_unref_to_data (g_steal_pointer (&fixture), &len);
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (HsCapture) capture = NULL;
      guint n_changes = g_rand_int_range (rand, 1, 8);

      if (round % 10 == 0)
        for (gsize i = 4; i < len; i++)
          data[i] = (guint8) g_rand_int (rand);
      for (guint i = 0; i < n_changes; i++)
        data[g_rand_int_range (rand, 0, (gint32) len)] = (guint8) g_rand_int (rand);
      bytes = g_bytes_new_take (data, len);

      capture = hs_capture_load_bytes (bytes, "fuzzed.pcap", &error);
      if (capture == NULL)
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == HS_CAPTURE_ERROR);
          continue;
        }
      for (guint i = 0; i < hs_capture_get_n_connections (capture); i++)
        {
          g_autoptr (HsTrace) trace = hs_capture_build_trace (capture, i, &error);

          g_assert_no_error (error);
          assert_times_ordered (trace);
        }
    }
}

/* Builds a capture from the lab fixture's packets picked by @order (indexes
 * into the fixture, -1 ends), for the cases a lesson does not show. */
static HsCapture *
load_picked (const int *order, GError **error)
{
  g_autofree char *path = fixture_path ("lab-open-data-close.pcap");
  Frames raw = { 0 }, picked = { 0 };
  HsCapture *capture;

  frames_read (path, &raw);
  picked.dlt = raw.dlt;
  picked.frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  picked.times = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; order[i] >= 0; i++)
    {
      gint64 t = g_array_index (raw.times, gint64, order[i]) + (gint64) i * 1000;

      g_ptr_array_add (picked.frames, g_bytes_ref (g_ptr_array_index (raw.frames, order[i])));
      g_array_append_val (picked.times, t);
    }
  capture = load_frames (&picked, error);
  frames_clear (&picked);
  frames_clear (&raw);
  return capture;
}

static void
test_retransmission (void)
{
  /* The data segment twice, and the SYN twice. */
  static const int order[] = { 0, 0, 1, 2, 3, 3, 4, 5, 6, 7, 8, -1 };
  g_autoptr (GError) error = NULL;
  g_autoptr (HsCapture) capture = load_picked (order, &error);
  g_autoptr (HsTrace) trace = NULL;
  g_autofree char *seg = NULL;
  g_autofree char *client = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (hs_capture_get_n_connections (capture), ==, 1);
  trace = hs_capture_build_trace (capture, 0, &error);
  g_assert_no_error (error);
  seg = describe_segments (trace);
  g_assert_cmpstr (seg, ==,
                   "C:SYN C:SYN(r) S:SYN,ACK C:ACK C:PSH,ACK/5 C:PSH,ACK/5(r) S:ACK C:FIN,ACK "
                   "S:ACK S:FIN,ACK C:ACK");
  client = describe_states (trace, HS_SIDE_CLIENT);
  g_assert_cmpstr (client, ==, lesson_client_states);
}

static void
test_mid_stream (void)
{
  /* From the data on: no SYN, so no absolute ISN; both ends were open. */
  static const int order[] = { 3, 4, 5, 6, 7, 8, -1 };
  g_autoptr (GError) error = NULL;
  g_autoptr (HsCapture) capture = load_picked (order, &error);
  g_autoptr (HsTrace) trace = NULL;
  g_autofree char *seg = NULL;
  g_autofree char *client = NULL;
  g_autofree char *server = NULL;
  const HsCaptureConnection *c;

  g_assert_no_error (error);
  c = hs_capture_get_connection (capture, 0);
  g_assert_false (c->syn_seen);
  g_assert_cmpuint (c->first_flags, ==, HS_TCP_PSH | HS_TCP_ACK);
  trace = hs_capture_build_trace (capture, 0, &error);
  g_assert_no_error (error);
  seg = describe_segments (trace);
  g_assert_cmpstr (seg, ==, "C:PSH,ACK/5 S:ACK C:FIN,ACK S:ACK S:FIN,ACK C:ACK");
  /* Relative numbers count from the first segment, as Wireshark does. */
  g_assert_cmpuint (hs_trace_get_event (trace, 2)->rel_seq, ==, 1);
  client = describe_states (trace, HS_SIDE_CLIENT);
  server = describe_states (trace, HS_SIDE_SERVER);
  g_assert_cmpstr (client, ==,
                   "UNKNOWN>ESTABLISHED ESTABLISHED>FIN_WAIT_1 FIN_WAIT_1>FIN_WAIT_2 "
                   "FIN_WAIT_2>TIME_WAIT");
  g_assert_cmpstr (server, ==,
                   "UNKNOWN>ESTABLISHED ESTABLISHED>CLOSE_WAIT CLOSE_WAIT>LAST_ACK "
                   "LAST_ACK>CLOSED");
}

static void
test_several (void)
{
  /* The same connection twice (a second SYN on the 4-tuple after the first
   * ended starts stream 1, as tshark numbers it), and a third that starts
   * at its SYN-ACK. */
  static const int order[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, -1 };
  g_autoptr (GError) error = NULL;
  g_autoptr (HsCapture) capture = load_picked (order, &error);
  g_autoptr (HsTrace) trace = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (hs_capture_get_n_connections (capture), ==, 2);
  g_assert_cmpuint (hs_capture_get_connection (capture, 0)->n_packets, ==, 9);
  g_assert_cmpuint (hs_capture_get_connection (capture, 1)->n_packets, ==, 3);
  g_assert_cmpuint (hs_capture_get_connection (capture, 1)->index, ==, 1);
  trace = hs_capture_build_trace (capture, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hs_trace_get_state_at (trace, 1, HS_SIDE_SERVER, G_MAXUINT), ==,
                   HS_TCP_STATE_ESTABLISHED);
  g_assert_null (hs_capture_build_trace (capture, 2, &error));
  g_assert_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_NO_STREAM);
}

static void
test_syn_ack_first (void)
{
  static const int order[] = { 1, 2, 3, -1 };
  g_autoptr (GError) error = NULL;
  g_autoptr (HsCapture) capture = load_picked (order, &error);
  g_autoptr (HsTrace) trace = NULL;
  g_autofree char *seg = NULL;
  g_autofree char *client = NULL;
  g_autofree char *host = NULL;

  g_assert_no_error (error);
  /* The SYN-ACK goes to the client, though the server sent first. */
  host = hs_address_to_host_string (&hs_capture_get_connection (capture, 0)->client);
  g_assert_cmpstr (host, ==, "10.0.0.1");
  trace = hs_capture_build_trace (capture, 0, &error);
  g_assert_no_error (error);
  seg = describe_segments (trace);
  g_assert_cmpstr (seg, ==, "S:SYN,ACK C:ACK C:PSH,ACK/5");
  client = describe_states (trace, HS_SIDE_CLIENT);
  g_assert_cmpstr (client, ==, "UNKNOWN>SYN_SENT SYN_SENT>ESTABLISHED");
}

/* A SYN to a closed port, answered with RST: nothing ever listened. */
static void
test_refused (void)
{
  g_autofree char *path = fixture_path ("lab-open-data-close.pcap");
  Frames raw = { 0 }, refused = { 0 };
  gsize len;
  guint8 *rst;
  g_autoptr (GError) error = NULL;
  g_autoptr (HsCapture) capture = NULL;
  g_autoptr (HsTrace) trace = NULL;
  g_autofree char *seg = NULL;
  g_autofree char *client = NULL;
  g_autofree char *server = NULL;

  frames_read (path, &raw);
  refused.dlt = raw.dlt;
  refused.frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  refused.times = g_array_copy (raw.times);
  g_array_set_size (refused.times, 2);
  g_ptr_array_add (refused.frames, g_bytes_ref (g_ptr_array_index (raw.frames, 0)));
  /* The SYN-ACK made a RST, ACK (the checksum is not checked). */
  rst = g_bytes_unref_to_data (g_bytes_ref (g_ptr_array_index (raw.frames, 1)), &len);
  rst[20 + 13] = HS_TCP_RST | HS_TCP_ACK;
  memset (rst + 20 + 4, 0, 4);
  g_ptr_array_add (refused.frames, g_bytes_new_take (rst, len));

  capture = load_frames (&refused, &error);
  g_assert_no_error (error);
  trace = hs_capture_build_trace (capture, 0, &error);
  g_assert_no_error (error);
  seg = describe_segments (trace);
  g_assert_cmpstr (seg, ==, "C:SYN S:RST,ACK");
  client = describe_states (trace, HS_SIDE_CLIENT);
  server = describe_states (trace, HS_SIDE_SERVER);
  g_assert_cmpstr (client, ==, "CLOSED>SYN_SENT SYN_SENT>CLOSED");
  g_assert_cmpstr (server, ==, "");
  frames_clear (&refused);
  frames_clear (&raw);
}

static void
test_no_tcp (void)
{
  Frames udp = { 0 };
  static const guint8 packet[28] = { 0x45, 0, 0,   28, 0, 0, 0x40, 0,  64, 17, 0, 0, 127, 0,
                                     0,    1, 127, 0,  0, 1, 0,    53, 0,  53, 0, 8, 0,   0 };
  gint64 t = 1000;
  g_autoptr (GError) error = NULL;

  udp.dlt = DLT_RAW;
  udp.frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  udp.times = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < 3; i++)
    {
      g_ptr_array_add (udp.frames, g_bytes_new_static (packet, sizeof packet));
      g_array_append_val (udp.times, t);
    }
  g_assert_null (load_frames (&udp, &error));
  g_assert_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_NO_TCP);
  g_assert_cmpstr (error->message, ==,
                   "frames.pcap holds 3 packets, but no TCP segment: there is no connection to "
                   "show.");
  g_clear_error (&error);

  /* A link layer Handshake does not read. */
  udp.dlt = DLT_IEEE802_11;
  g_assert_null (load_frames (&udp, &error));
  g_assert_error (error, HS_CAPTURE_ERROR, HS_CAPTURE_ERROR_LINK_TYPE);
  frames_clear (&udp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/capture/lab", test_lab);
  g_test_add_func ("/net/capture/link-types", test_link_types);
  g_test_add_func ("/net/capture/lab-lessons", test_lab_lessons);
  g_test_add_func ("/net/capture/tools", test_tools);
  g_test_add_func ("/net/capture/truncated", test_truncated);
  g_test_add_func ("/net/capture/garbage", test_garbage);
  g_test_add_func ("/net/capture/retransmission", test_retransmission);
  g_test_add_func ("/net/capture/mid-stream", test_mid_stream);
  g_test_add_func ("/net/capture/several", test_several);
  g_test_add_func ("/net/capture/syn-ack-first", test_syn_ack_first);
  g_test_add_func ("/net/capture/refused", test_refused);
  g_test_add_func ("/net/capture/no-tcp", test_no_tcp);

  return g_test_run ();
}
