/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "hs-diagram.h"
#include "hs-fixture-trace.h"

/* Set HS_DIAGRAM_SAVE_DIR to keep the rendered images for a look. */
static char *
output_path (const char *name)
{
  const char *dir = g_getenv ("HS_DIAGRAM_SAVE_DIR");
  static char *tmp;

  if (dir != NULL)
    return g_build_filename (dir, name, NULL);

  if (tmp == NULL)
    {
      g_autoptr (GError) error = NULL;

      tmp = g_dir_make_tmp ("hs-diagram-XXXXXX", &error);
      g_assert_no_error (error);
    }
  return g_build_filename (tmp, name, NULL);
}

static guint32
pixel_at (cairo_surface_t *surface, int x, int y)
{
  unsigned char *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  return *(guint32 *) (data + y * stride + 4 * x) & 0xffffff;
}

static gboolean
is_ink (guint32 pixel, guint32 background)
{
  /* Clearly different, not a tint such as the current event's highlight. */
  for (guint shift = 0; shift < 24; shift += 8)
    if (ABS ((int) (pixel >> shift & 0xff) - (int) (background >> shift & 0xff)) > 48)
      return TRUE;
  return FALSE;
}

/* Pixels in a rectangle that differ from @background. */
static guint
count_ink (cairo_surface_t *surface, guint32 background, double x0, double y0, double x1, double y1)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  guint n = 0;

  cairo_surface_flush (surface);
  for (int y = MAX (0, (int) y0); y < MIN (height, (int) y1); y++)
    for (int x = MAX (0, (int) x0); x < MIN (width, (int) x1); x++)
      n += is_ink (pixel_at (surface, x, y), background);
  return n;
}

/* Draws the trace fully played, the view scrolled to the top, writes a PNG,
 * reads it back and checks the size and that arrows were drawn. */
static void
render_and_check (HsTrace *trace,
                  int width,
                  int height,
                  double scale,
                  HsDiagramPalette palette,
                  guint32 background,
                  const char *name)
{
  g_autoptr (HsDiagramLayout) layout = hs_diagram_layout_new ();
  g_autofree char *path = output_path (name);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_surface_t *decoded;
  cairo_t *cr = cairo_create (surface);
  HsDiagramView view;
  guint n_segments = 0;

  hs_diagram_view_init (&view, width, height);
  view.font_scale = scale;
  view.palette = palette;
  hs_diagram_draw (cr, layout, trace, &view);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);

  decoded = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (decoded), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (decoded), ==, width);
  g_assert_cmpint (cairo_image_surface_get_height (decoded), ==, height);

  /* The corner is background; the header has text; every arrow in view
   * has ink along its middle. */
  g_assert_cmphex (pixel_at (decoded, width - 2, height - 2), ==, background);
  g_assert_cmpuint (count_ink (decoded, background, 0, 0, width,
                               hs_diagram_layout_get_header_band (layout)),
                    >, 1000);

  for (guint i = 0; i < hs_diagram_layout_get_n_items (layout); i++)
    {
      const HsDiagramItem *item = hs_diagram_layout_get_item (layout, i);
      double mx;
      double my;

      if (item->kind != HS_EVENT_SEGMENT || item->bottom > height)
        continue;

      mx = item->x_from + (item->x_to - item->x_from) * item->reach * 0.3;
      my = item->y_from + (item->y_to - item->y_from) * item->reach * 0.3;
      g_assert_cmpuint (count_ink (decoded, background, mx - 4, my - 4, mx + 4, my + 4), >, 8);
      /* And its label. */
      g_assert_cmpuint (count_ink (decoded, background, item->box.x, item->box.y,
                                   item->box.x + item->box.width, item->box.y + item->box.height),
                        >, 500 * scale);
      n_segments++;
    }
  /* Big type shows fewer at a time. */
  g_assert_cmpuint (n_segments, >=, scale >= 2 && height <= 1080 ? 1 : 3);

  cairo_surface_destroy (decoded);
}

static void
test_png_1080p (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_session ();

  render_and_check (trace, 1920, 1080, 1.0, HS_DIAGRAM_PALETTE_LIGHT, 0xfcfcfc,
                    "session-1920x1080.png");
  render_and_check (trace, 1920, 1080, 1.0, HS_DIAGRAM_PALETTE_DARK, 0x1e1e1e,
                    "session-1920x1080-dark.png");
  render_and_check (trace, 1920, 1080, 1.0, HS_DIAGRAM_PALETTE_HIGH_CONTRAST, 0xffffff,
                    "session-1920x1080-hc.png");
  render_and_check (trace, 1920, 1080, 2.0, HS_DIAGRAM_PALETTE_LIGHT, 0xfcfcfc,
                    "session-1920x1080-scale2.png");
}

static void
test_png_2160p (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_session ();
  g_autoptr (HsTrace) showcase = hs_fixture_trace_new_showcase ();

  render_and_check (trace, 3840, 2160, 2.0, HS_DIAGRAM_PALETTE_LIGHT, 0xfcfcfc,
                    "session-3840x2160.png");
  render_and_check (showcase, 3840, 2160, 2.0, HS_DIAGRAM_PALETTE_HIGH_CONTRAST_DARK, 0x000000,
                    "showcase-3840x2160-hc-dark.png");
}

static void
test_showcase (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_showcase ();

  render_and_check (trace, 1920, 1080, 1.0, HS_DIAGRAM_PALETTE_LIGHT, 0xfcfcfc,
                    "showcase-1920x1080.png");
  render_and_check (trace, 1920, 1080, 1.0, HS_DIAGRAM_PALETTE_DARK, 0x1e1e1e,
                    "showcase-1920x1080-dark.png");
}

/* Only what the playback has reached is drawn; the segment in flight only
 * part of the way. */
static void
test_playback (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_session ();
  g_autoptr (HsPlayback) playback = hs_playback_new (trace);
  g_autoptr (HsDiagramLayout) layout = hs_diagram_layout_new ();
  g_autofree char *path = output_path ("session-playback.png");
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1920, 1080);
  cairo_t *cr = cairo_create (surface);
  const HsDiagramItem *syn;
  const HsDiagramItem *synack;
  HsDiagramView view;
  gint64 start;
  gint64 duration;

  /* The SYN (event 3) 40 % of the way. */
  hs_playback_get_event_time (playback, 3, &start, &duration);
  hs_playback_set_playing (playback, FALSE);
  hs_playback_set_position (playback, start + duration * 4 / 10);

  hs_diagram_view_init (&view, 1920, 1080);
  view.playback = playback;
  hs_diagram_draw (cr, layout, trace, &view);
  cairo_destroy (cr);
  cairo_surface_write_to_png (surface, path);

  syn = hs_diagram_layout_get_item (layout, 3);
  synack = hs_diagram_layout_get_item (layout, 6);
  g_assert_cmpint (synack->kind, ==, HS_EVENT_SEGMENT);

  /* Ink at 20 % of the SYN's path, none at 80 %. */
#define AT(item, t, c) ((item)->c##_from + ((item)->c##_to - (item)->c##_from) * (t))
  g_assert_cmpuint (count_ink (surface, 0xfcfcfc, AT (syn, 0.2, x) - 4, AT (syn, 0.2, y) - 4,
                               AT (syn, 0.2, x) + 4, AT (syn, 0.2, y) + 4),
                    >, 8);
  g_assert_cmpuint (count_ink (surface, 0xfcfcfc, AT (syn, 0.8, x) - 4, AT (syn, 0.8, y) - 4,
                               AT (syn, 0.8, x) + 4, AT (syn, 0.8, y) + 4),
                    ==, 0);
  /* The SYN-ACK is not drawn at all. */
  g_assert_cmpuint (count_ink (surface, 0xfcfcfc, synack->box.x, synack->top,
                               synack->box.x + synack->box.width, synack->bottom),
                    ==, 0);
#undef AT

  cairo_surface_destroy (surface);
}

/* Scrolled to the end of a long trace, the header shows the connection in
 * view and the arrows are drawn. */
static void
test_scrolled (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_long (2000);
  g_autoptr (HsDiagramLayout) layout = hs_diagram_layout_new ();
  g_autofree char *path = output_path ("long-end.png");
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1920, 1080);
  cairo_t *cr = cairo_create (surface);
  HsDiagramView view;
  guint first;
  guint end;
  guint n_segments = 0;

  hs_diagram_view_init (&view, 1920, 1080);
  hs_diagram_prepare_layout (layout, trace, &view);
  view.y = hs_diagram_layout_get_height (layout, G_MAXUINT) - 1080;
  hs_diagram_draw (cr, layout, trace, &view);
  cairo_destroy (cr);
  cairo_surface_write_to_png (surface, path);

  g_assert_true (hs_diagram_layout_find_range (layout, view.y, view.y + 1080, &first, &end));
  for (guint i = first; i < end; i++)
    {
      const HsDiagramItem *item = hs_diagram_layout_get_item (layout, i);
      double mx = (item->x_from + item->x_to) / 2;
      double my = (item->y_from + item->y_to) / 2 - view.y;

      if (item->kind != HS_EVENT_SEGMENT || my < hs_diagram_layout_get_header_band (layout) ||
          my > 1070)
        continue;
      /* A window wider than one dash and gap of an inferred arrow. */
      g_assert_cmpuint (count_ink (surface, 0xfcfcfc, mx - 14, my - 6, mx + 14, my + 6), >, 8);
      n_segments++;
    }
  g_assert_cmpuint (n_segments, >=, 2);

  cairo_surface_destroy (surface);
}

/* Occurrences of @needle in binary @data (a PDF has compressed streams). */
static guint
count_bytes (const char *data, gsize length, const char *needle)
{
  gsize n = strlen (needle);
  guint count = 0;

  for (gsize i = 0; i + n <= length; i++)
    if (memcmp (data + i, needle, n) == 0)
      count++;
  return count;
}

typedef struct
{
  gboolean saw_svg;
  char *width;
  guint n_elements;
  gboolean in_text;
  GString *text;
} SvgCheck;

static void
svg_end_element (GMarkupParseContext *context,
                 const char *element_name,
                 gpointer user_data,
                 GError **error)
{
  SvgCheck *check = user_data;

  if (g_str_equal (element_name, "text"))
    {
      check->in_text = FALSE;
      g_string_append_c (check->text, '\n');
    }
}

static void
svg_text (GMarkupParseContext *context,
          const char *text,
          gsize text_len,
          gpointer user_data,
          GError **error)
{
  SvgCheck *check = user_data;

  if (check->in_text)
    g_string_append_len (check->text, text, text_len);
}

static void
svg_start_element (GMarkupParseContext *context,
                   const char *element_name,
                   const char **attribute_names,
                   const char **attribute_values,
                   gpointer user_data,
                   GError **error)
{
  SvgCheck *check = user_data;

  check->n_elements++;
  check->in_text = g_str_equal (element_name, "text");
  if (g_strcmp0 (element_name, "svg") != 0)
    return;

  check->saw_svg = TRUE;
  for (guint i = 0; attribute_names[i] != NULL; i++)
    if (g_str_equal (attribute_names[i], "width"))
      check->width = g_strdup (attribute_values[i]);
}

static void
test_export_svg (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_session ();
  g_autofree char *path = output_path ("session.svg");
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  GMarkupParser parser = { .start_element = svg_start_element,
                           .end_element = svg_end_element,
                           .text = svg_text };
  GMarkupParseContext *context;
  SvgCheck check = { .text = g_string_new (NULL) };
  gsize length;

  g_assert_true (hs_diagram_export (trace, HS_LABEL_STYLE_SYMBOLIC, HS_DIAGRAM_PALETTE_LIGHT, 1.0,
                                    "svg", path, 1600, &error));
  g_assert_no_error (error);

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  context = g_markup_parse_context_new (&parser, 0, &check, NULL);
  g_assert_true (g_markup_parse_context_parse (context, contents, length, &error));
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_markup_parse_context_free (context);

  g_assert_true (check.saw_svg);
  g_assert_nonnull (check.width);
  g_assert_true (g_str_has_prefix (check.width, "1600"));
  g_assert_cmpuint (check.n_elements, >, 100);
  g_free (check.width);

  /* The words are text, not glyph outlines: searchable and editable. */
  g_assert_nonnull (strstr (check.text->str, "\nClient\n"));
  g_assert_nonnull (strstr (check.text->str, "\nSYN, ACK seq=y ack=x+1\n"));
  g_assert_nonnull (strstr (check.text->str, "\nESTABLISHED\n"));
  g_assert_nonnull (strstr (check.text->str, "127.0.0.1:5005"));
  g_assert_nonnull (strstr (check.text->str, "send() “hello”"));
  g_string_free (check.text, TRUE);
}

static void
test_export_pdf (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_session ();
  g_autofree char *path = output_path ("session.pdf");
  g_autofree char *contents = NULL;
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  g_autoptr (GError) error = NULL;
  gsize length;

  g_assert_true (hs_diagram_export (trace, HS_LABEL_STYLE_RELATIVE, HS_DIAGRAM_PALETTE_LIGHT, 1.0,
                                    "pdf", path, 1600, &error));
  g_assert_no_error (error);
  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));
  g_assert_cmpuint (count_bytes (contents, length, "%%EOF"), ==, 1);
  g_assert_cmpuint (count_bytes (contents, length, "/Type /Page"), ==, 2); /* Page and Pages */

  if (pdftotext == NULL)
    {
      g_test_skip ("pdftotext (poppler-utils) is not installed: the text was not checked");
      return;
    }

  {
    const char *argv[] = { pdftotext, path, "-", NULL };
    g_autofree char *out = NULL;
    int status;

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                  &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_nonnull (strstr (out, "Client"));
    g_assert_nonnull (strstr (out, "Server"));
    g_assert_nonnull (strstr (out, "SYN, ACK seq=0 ack=1"));
    g_assert_nonnull (strstr (out, "ESTABLISHED"));
    g_assert_nonnull (strstr (out, "127.0.0.1:5005"));
  }
}

static void
test_export_pdf_pages (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_long (400);
  g_autofree char *path = output_path ("long.pdf");
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  gsize length;

  g_assert_true (hs_diagram_export (trace, HS_LABEL_STYLE_SYMBOLIC, HS_DIAGRAM_PALETTE_LIGHT, 1.0,
                                    "pdf", path, 1200, &error));
  g_assert_no_error (error);
  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  /* Many pages: "/Type /Page" once per page and once in "/Type /Pages". */
  g_assert_cmpuint (count_bytes (contents, length, "/Type /Page"), >, 10);
}

static void
test_export_errors (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_session ();
  g_autoptr (HsTrace) long_trace = hs_fixture_trace_new_long (2000);
  g_autofree char *path = output_path ("never.png");
  g_autoptr (GError) error = NULL;

  g_assert_false (hs_diagram_export (trace, HS_LABEL_STYLE_SYMBOLIC, HS_DIAGRAM_PALETTE_LIGHT, 1.0,
                                     "gif", path, 1920, &error));
  g_assert_error (error, HS_DIAGRAM_ERROR, HS_DIAGRAM_ERROR_FORMAT);
  g_clear_error (&error);

  g_assert_false (hs_diagram_export (trace, HS_LABEL_STYLE_SYMBOLIC, HS_DIAGRAM_PALETTE_LIGHT, 1.0,
                                     "png", "/nonexistent/dir/x.png", 1920, &error));
  g_assert_error (error, HS_DIAGRAM_ERROR, HS_DIAGRAM_ERROR_WRITE);
  g_clear_error (&error);

  g_assert_false (hs_diagram_export (trace, HS_LABEL_STYLE_SYMBOLIC, HS_DIAGRAM_PALETTE_LIGHT, 1.0,
                                     "png", path, 10, &error));
  g_assert_error (error, HS_DIAGRAM_ERROR, HS_DIAGRAM_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* Too tall for a PNG: the message points to SVG and PDF. */
  g_assert_false (hs_diagram_export (long_trace, HS_LABEL_STYLE_SYMBOLIC, HS_DIAGRAM_PALETTE_LIGHT,
                                     1.0, "png", path, 1920, &error));
  g_assert_error (error, HS_DIAGRAM_ERROR, HS_DIAGRAM_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "PDF"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_export_png (void)
{
  g_autoptr (HsTrace) trace = hs_fixture_trace_new_showcase ();
  g_autofree char *path = output_path ("showcase-export.png");
  g_autoptr (GError) error = NULL;
  cairo_surface_t *decoded;

  g_assert_true (hs_diagram_export (trace, HS_LABEL_STYLE_ABSOLUTE, HS_DIAGRAM_PALETTE_DARK, 1.0,
                                    "png", path, 1920, &error));
  g_assert_no_error (error);
  decoded = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (decoded), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (decoded), ==, 1920);
  g_assert_cmpint (cairo_image_surface_get_height (decoded), >, 1080);
  cairo_surface_destroy (decoded);
}

static void
test_palette_names (void)
{
  HsDiagramPalette palette = HS_DIAGRAM_PALETTE_LIGHT;

  g_assert_cmpstr (hs_diagram_palette_to_string (HS_DIAGRAM_PALETTE_DARK), ==, "dark");
  g_assert_true (hs_diagram_palette_parse ("high-contrast", &palette));
  g_assert_cmpint (palette, ==, HS_DIAGRAM_PALETTE_HIGH_CONTRAST);
  g_assert_false (hs_diagram_palette_parse ("sepia", &palette));
  g_assert_true (G_TYPE_IS_ENUM (HS_TYPE_DIAGRAM_PALETTE));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/render/diagram/png-1080p", test_png_1080p);
  g_test_add_func ("/render/diagram/png-2160p", test_png_2160p);
  g_test_add_func ("/render/diagram/showcase", test_showcase);
  g_test_add_func ("/render/diagram/playback", test_playback);
  g_test_add_func ("/render/diagram/scrolled", test_scrolled);
  g_test_add_func ("/render/diagram/export-svg", test_export_svg);
  g_test_add_func ("/render/diagram/export-pdf", test_export_pdf);
  g_test_add_func ("/render/diagram/export-pdf-pages", test_export_pdf_pages);
  g_test_add_func ("/render/diagram/export-png", test_export_png);
  g_test_add_func ("/render/diagram/export-errors", test_export_errors);
  g_test_add_func ("/render/diagram/palette-names", test_palette_names);

  return g_test_run ();
}
