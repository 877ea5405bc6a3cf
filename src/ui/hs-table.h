/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_TABLE (hs_table_get_type ())

G_DECLARE_FINAL_TYPE (HsTable, hs_table, HS, TABLE, GtkWidget)

/*
 * A table of text for busy lists (a class's connections, the kernel's
 * sockets): each column shows one property of the model's items as text.
 * Only the rows in view have widgets, one per row, which draws all its
 * cells: a class of hundreds arriving at once costs a redraw of the rows in
 * view, not hundreds of widgets made, styled and measured (GTK 4.8's list
 * views keep up to 200 rows of cell widgets whether in view or not).
 *
 * It is GtkScrollable: put it in a GtkScrolledWindow. Rows are focusable,
 * are named for screen readers by their cells ("Port: 5005, State: LISTEN")
 * and their place ("5 of 200"), and are selected with the pointer or the
 * keys (Up, Down, Home, End); Enter or a double click emits "activate" with
 * the row's position. Page Up, Page Down and Space go to the window, whose
 * lesson keys they are (a presentation clicker sends them). A row whose item's boolean @mark_property is TRUE has the
 * CSS class "changed" (marked by weight and background, not colour alone).
 *
 * Text is always text: a peer's bytes shown in a cell are never markup.
 */

typedef struct
{
  const char *property;   /* the item property shown, as text */
  const char *title;      /* marked for translation (N_), translated by the table */
  float       width_chars; /* room for the usual values, in digits of the row font */
  gboolean    numeric;    /* right-aligned, with tabular figures */
  gboolean    expand;     /* takes a share of spare width; cut with "…" */
} HsTableColumn;

/* The text for a cell, or NULL for the property's own text. */
typedef char *(*HsTableFormatFunc) (GObject    *item,
                                    guint       column,
                                    const char *text,
                                    gpointer    user_data);

GtkWidget          *hs_table_new               (const HsTableColumn *columns,
                                                guint                n_columns);
void                hs_table_set_model         (HsTable            *self,
                                                GtkSelectionModel  *model);
void                hs_table_set_format_func   (HsTable            *self,
                                                HsTableFormatFunc   func,
                                                gpointer            user_data);
void                hs_table_set_mark_property (HsTable            *self,
                                                const char         *property);
/* The row at @y (in the table's coordinates), or GTK_INVALID_LIST_POSITION
 * on the titles or below the last row. */
guint               hs_table_get_position_at   (HsTable            *self,
                                                double              y);
/* The rows that have widgets now: [*first, *end). For tests. */
void                hs_table_get_bound_range   (HsTable            *self,
                                                guint              *first,
                                                guint              *end);
/* How many times the table has been drawn. For tests. */
guint               hs_table_get_n_snapshots   (HsTable            *self);
/* The text shown in a cell of a row in view, or NULL. For tests. */
const char         *hs_table_get_cell_text     (HsTable            *self,
                                                guint               position,
                                                guint               column);
/* The laid-out text a cell of a row in view was last drawn with, or NULL.
 * For tests. */
PangoLayout        *hs_table_get_cell_layout   (HsTable            *self,
                                                guint               position,
                                                guint               column);
/* What a screen reader says for a row in view, or NULL. For tests. */
const char         *hs_table_get_row_label     (HsTable            *self,
                                                guint               position);

/* clang-format on */

G_END_DECLS
