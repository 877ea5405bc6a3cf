/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_TEXT_CELL (hs_text_cell_get_type ())

G_DECLARE_FINAL_TYPE (HsTextCell, hs_text_cell, HS, TEXT_CELL, GtkWidget)

/*
 * One line of plain text (never markup) for a cell of a busy table: its
 * height is one line of its font, measured once per font for all cells, and
 * its width is the column's, so a cell's text never asks for a layout;
 * the text is shaped only when the cell is drawn, in the font of the
 * GtkColumnView it is in. GTK 4.8 keeps up to 200
 * rows of a list view alive, visible or not: with labels, hundreds of rows
 * arriving at once meant hundreds of text measurements in one frame.
 *
 * Properties: "text" (string), "xalign" (float, 0 to 1), "ellipsize"
 * (PangoEllipsizeMode, how a text wider than the cell is cut).
 */
GtkWidget  *hs_text_cell_new          (void);
const char *hs_text_cell_get_text     (HsTextCell *self);
void        hs_text_cell_set_text     (HsTextCell *self,
                                       const char *text);
void        hs_text_cell_set_xalign   (HsTextCell *self,
                                       float       xalign);
void        hs_text_cell_set_ellipsize (HsTextCell         *self,
                                        PangoEllipsizeMode  mode);

/* clang-format on */

G_END_DECLS
