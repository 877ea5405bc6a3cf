/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target for the capture reader: any bytes, as a file dropped on
 * the window would give them, through hs_capture_load_bytes() and every
 * step that follows (the connection list, each connection's trace, its
 * JSON Lines and table forms). Build and run with tests/fuzz/run-fuzz.py. */
#include "config.h"

#include <stdint.h>

#include "hs-capture.h"
#include "hs-trace-format.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (HsCapture) capture = hs_capture_load_bytes (bytes, "fuzz.pcap", &error);

  if (capture == NULL)
    {
      g_assert (error != NULL && error->domain == HS_CAPTURE_ERROR && error->message[0] != '\0');
      return 0;
    }

  for (guint i = 0; i < hs_capture_get_n_connections (capture) && i < 16; i++)
    {
      g_autofree char *line =
          hs_capture_connection_describe (hs_capture_get_connection (capture, i));
      g_autoptr (HsTrace) trace = hs_capture_build_trace (capture, i, &error);
      g_autofree char *jsonl = NULL;
      g_autofree char *table = NULL;

      g_assert_no_error (error);
      jsonl = hs_trace_format_jsonl (trace);
      table = hs_trace_format_table (trace, HS_LABEL_STYLE_SYMBOLIC);
      g_assert (jsonl != NULL && table != NULL && line != NULL);
    }
  return 0;
}
