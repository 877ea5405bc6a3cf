/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>

#include "hs-table.h"

#define DEADLINE_US (30 * G_USEC_PER_SEC)

/* An item with a name, a count and a mark, as the tables' items have. */
#define TEST_TYPE_ITEM (test_item_get_type ())
G_DECLARE_FINAL_TYPE (TestItem, test_item, TEST, ITEM, GObject)

struct _TestItem
{
  GObject parent_instance;
  char *name;
  guint count;
  gboolean mark;
};

G_DEFINE_FINAL_TYPE (TestItem, test_item, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NAME,
  PROP_COUNT,
  PROP_MARK,
};

static void
test_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TestItem *self = TEST_ITEM (object);

  switch (prop_id)
    {
      case PROP_NAME:
        g_value_set_string (value, self->name);
        break;
      case PROP_COUNT:
        g_value_set_uint (value, self->count);
        break;
      case PROP_MARK:
        g_value_set_boolean (value, self->mark);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_item_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  TestItem *self = TEST_ITEM (object);

  switch (prop_id)
    {
      case PROP_NAME:
        g_free (self->name);
        self->name = g_value_dup_string (value);
        break;
      case PROP_COUNT:
        self->count = g_value_get_uint (value);
        break;
      case PROP_MARK:
        self->mark = g_value_get_boolean (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_item_finalize (GObject *object)
{
  g_free (TEST_ITEM (object)->name);
  G_OBJECT_CLASS (test_item_parent_class)->finalize (object);
}

static void
test_item_class_init (TestItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_item_get_property;
  object_class->set_property = test_item_set_property;
  object_class->finalize = test_item_finalize;
  g_object_class_install_property (object_class, PROP_NAME,
                                   g_param_spec_string ("name", NULL, NULL, NULL,
                                                        G_PARAM_READWRITE |
                                                            G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, PROP_COUNT,
                                   g_param_spec_uint ("count", NULL, NULL, 0, G_MAXUINT, 0,
                                                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, PROP_MARK,
                                   g_param_spec_boolean ("mark", NULL, NULL, FALSE,
                                                         G_PARAM_READWRITE |
                                                             G_PARAM_STATIC_STRINGS));
}

static void
test_item_init (TestItem *self)
{
}

static const HsTableColumn columns[] = {
  { "name", "Name", 12, FALSE, TRUE },
  { "count", "Count", 5, TRUE, FALSE },
};

typedef struct
{
  GtkWindow *window;
  HsTable *table;
  GListStore *store;
  GtkSingleSelection *selection;
  guint activated;
  guint n_activated;
} Fixture;

static void
wait_frames (Fixture *f, guint n)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (f->window));
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  gint64 start = gdk_frame_clock_get_frame_counter (clock);

  while (gdk_frame_clock_get_frame_counter (clock) < start + n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      gtk_widget_queue_draw (GTK_WIDGET (f->window));
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
activate_cb (HsTable *table, guint position, Fixture *f)
{
  f->activated = position;
  f->n_activated++;
}

static void
add_items (Fixture *f, guint n)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  guint base = g_list_model_get_n_items (G_LIST_MODEL (f->store));

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("item %u", base + i);

      g_ptr_array_add (items, g_object_new (TEST_TYPE_ITEM, "name", name, "count", base + i, NULL));
    }
  g_list_store_splice (f->store, base, 0, items->pdata, items->len);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  f->store = g_list_store_new (TEST_TYPE_ITEM);
  f->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (f->store)));
  gtk_single_selection_set_autoselect (f->selection, FALSE);
  gtk_single_selection_set_can_unselect (f->selection, TRUE);
  gtk_single_selection_set_selected (f->selection, GTK_INVALID_LIST_POSITION);
  f->table = HS_TABLE (hs_table_new (columns, G_N_ELEMENTS (columns)));
  hs_table_set_model (f->table, GTK_SELECTION_MODEL (f->selection));
  hs_table_set_mark_property (f->table, "mark");
  g_signal_connect (f->table, "activate", G_CALLBACK (activate_cb), f);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (f->table));
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 500, 300);
  gtk_window_set_child (f->window, scrolled);
  gtk_window_present (f->window);
  while (!gtk_widget_get_mapped (GTK_WIDGET (f->table)))
    g_main_context_iteration (NULL, TRUE);
  wait_frames (f, 2);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (f->window);
  g_object_unref (f->selection);
  g_object_unref (f->store);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

/* The rows that have widgets are the rows in view, however many there are. */
static void
test_only_rows_in_view (Fixture *f, gconstpointer data)
{
  GtkAdjustment *vadjustment;
  guint first, end;

  add_items (f, 5000);
  wait_frames (f, 2);
  hs_table_get_bound_range (f->table, &first, &end);
  g_assert_cmpuint (first, ==, 0);
  g_assert_cmpuint (end, >, 5);
  g_assert_cmpuint (end, <, 60);
  g_assert_cmpstr (hs_table_get_cell_text (f->table, 0, 0), ==, "item 0");
  g_assert_cmpstr (hs_table_get_cell_text (f->table, 3, 1), ==, "3");
  g_assert_null (hs_table_get_cell_text (f->table, 4000, 0));
  /* The titles and the space below the rows are no row. */
  g_assert_cmpuint (hs_table_get_position_at (f->table, 1), ==, GTK_INVALID_LIST_POSITION);
  {
    graphene_rect_t bounds;
    GtkWidget *header = gtk_widget_get_first_child (GTK_WIDGET (f->table));

    g_assert_true (gtk_widget_compute_bounds (header, GTK_WIDGET (f->table), &bounds));
    g_assert_cmpuint (hs_table_get_position_at (f->table, bounds.size.height + 1), ==, 0);
  }

  /* Scrolled to the middle, the rows there are bound and no others. */
  vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (f->table));
  g_assert_cmpfloat (gtk_adjustment_get_upper (vadjustment), >, 5000.0 * 10);
  gtk_adjustment_set_value (vadjustment, gtk_adjustment_get_upper (vadjustment) / 2);
  wait_frames (f, 2);
  hs_table_get_bound_range (f->table, &first, &end);
  g_assert_cmpuint (first, >, 2000);
  g_assert_cmpuint (end, <, 3000);
  g_assert_cmpuint (end - first, <, 60);
  {
    g_autofree char *expected = g_strdup_printf ("item %u", first);

    g_assert_cmpstr (hs_table_get_cell_text (f->table, first, 0), ==, expected);
  }

  /* Rows removed in view are shown no more. */
  g_list_store_splice (f->store, 0, 4999, NULL, 0);
  wait_frames (f, 2);
  hs_table_get_bound_range (f->table, &first, &end);
  g_assert_cmpuint (first, ==, 0);
  g_assert_cmpuint (end, ==, 1);
  g_assert_cmpstr (hs_table_get_cell_text (f->table, 0, 0), ==, "item 4999");
}

/* A changed item redraws its row; a mark shows; text stays text; screen
 * readers hear the row's cells with their titles. */
static void
test_changes_and_names (Fixture *f, gconstpointer data)
{
  g_autoptr (TestItem) item = NULL;

  add_items (f, 3);
  wait_frames (f, 2);
  item = g_list_model_get_item (G_LIST_MODEL (f->store), 1);
  g_assert_cmpstr (hs_table_get_row_label (f->table, 1), ==, "Name: item 1, Count: 1");

  g_object_set (item, "name", "<b>not markup</b> \xe4\xbd\xa0\xe5\xa5\xbd", "count", 42, NULL);
  g_assert_cmpstr (hs_table_get_cell_text (f->table, 1, 0), ==,
                   "<b>not markup</b> \xe4\xbd\xa0\xe5\xa5\xbd");
  g_assert_cmpstr (hs_table_get_cell_text (f->table, 1, 1), ==, "42");
  g_assert_cmpstr (hs_table_get_row_label (f->table, 1), ==,
                   "Name: <b>not markup</b> \xe4\xbd\xa0\xe5\xa5\xbd, Count: 42");
  wait_frames (f, 1);

  /* The marked row has the "changed" style class. */
  g_object_set (item, "mark", TRUE, NULL);
  {
    gboolean found = FALSE;

    for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (f->table)); child != NULL;
         child = gtk_widget_get_next_sibling (child))
      found |= gtk_widget_has_css_class (child, "changed");
    g_assert_true (found);
  }
  g_object_set (item, "mark", FALSE, NULL);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (f->table)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    g_assert_false (gtk_widget_has_css_class (child, "changed"));
}

/* The weight a cell's text was laid out with. */
static PangoWeight
cell_weight (Fixture *f, guint position)
{
  PangoLayout *layout = hs_table_get_cell_layout (f->table, position, 0);

  g_assert_nonnull (layout);
  return pango_font_description_get_weight (
      pango_context_get_font_description (pango_layout_get_context (layout)));
}

/* Rows share what they have laid out, but a marked (bold) row's text is
 * not drawn bold in the others, nor theirs regular in it. */
static void
test_shared_texts (Fixture *f, gconstpointer data)
{
  g_autoptr (GtkCssProvider) bold = gtk_css_provider_new ();

  gtk_css_provider_load_from_data (bold, "datarow.changed { font-weight: bold; }", -1);
  gtk_style_context_add_provider_for_display (gtk_widget_get_display (GTK_WIDGET (f->table)),
                                              GTK_STYLE_PROVIDER (bold),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  add_items (f, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (TestItem) item = g_list_model_get_item (G_LIST_MODEL (f->store), i);

      g_object_set (item, "name", "same text", NULL);
    }
  wait_frames (f, 2);
  g_assert_true (hs_table_get_cell_layout (f->table, 0, 0) ==
                 hs_table_get_cell_layout (f->table, 2, 0));
  g_assert_cmpint (cell_weight (f, 0), ==, PANGO_WEIGHT_NORMAL);

  /* Each row marked in turn, the one that laid the text out first too:
   * bold there, and still regular in the others. */
  for (guint m = 0; m < 3; m++)
    {
      g_autoptr (TestItem) marked = g_list_model_get_item (G_LIST_MODEL (f->store), m);

      g_object_set (marked, "mark", TRUE, NULL);
      wait_frames (f, 2);
      for (guint i = 0; i < 3; i++)
        {
          PangoWeight expected = i == m ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL;

          g_assert_cmpint (cell_weight (f, i), ==, expected);
        }

      /* Unmarked again: regular, and the others too. */
      g_object_set (marked, "mark", FALSE, NULL);
      wait_frames (f, 2);
      for (guint i = 0; i < 3; i++)
        g_assert_cmpint (cell_weight (f, i), ==, PANGO_WEIGHT_NORMAL);
    }

  gtk_style_context_remove_provider_for_display (gtk_widget_get_display (GTK_WIDGET (f->table)),
                                                 GTK_STYLE_PROVIDER (bold));
}

static gboolean
press (Fixture *f, guint keyval)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (f->table));
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, (GdkModifierType) 0, &handled);
    }
  return handled;
}

static GtkWidget *
focused_row (Fixture *f)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (f->window));

  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_get_parent (focus) == GTK_WIDGET (f->table));
  return focus;
}

/* Up, Down, Home and End move the selection and the focus, scrolling as
 * needed; Enter activates; Page Up and Page Down are left to the window. */
static void
test_keyboard (Fixture *f, gconstpointer data)
{
  guint first, end;

  add_items (f, 500);
  wait_frames (f, 2);

  /* Tab reaches the table once: its first row. */
  g_assert_true (gtk_widget_child_focus (GTK_WIDGET (f->window), GTK_DIR_TAB_FORWARD));
  focused_row (f);

  g_assert_true (press (f, GDK_KEY_Down));
  g_assert_cmpuint (gtk_single_selection_get_selected (f->selection), ==, 0);
  g_assert_true (press (f, GDK_KEY_Down));
  g_assert_cmpuint (gtk_single_selection_get_selected (f->selection), ==, 1);
  g_assert_true (gtk_widget_get_state_flags (focused_row (f)) & GTK_STATE_FLAG_SELECTED);

  g_assert_true (press (f, GDK_KEY_End));
  g_assert_cmpuint (gtk_single_selection_get_selected (f->selection), ==, 499);
  wait_frames (f, 2);
  hs_table_get_bound_range (f->table, &first, &end);
  g_assert_cmpuint (end, ==, 500);
  g_assert_cmpstr (hs_table_get_row_label (f->table, 499), ==, "Name: item 499, Count: 499");
  g_assert_true (gtk_widget_get_state_flags (focused_row (f)) & GTK_STATE_FLAG_SELECTED);

  g_assert_true (press (f, GDK_KEY_Up));
  g_assert_cmpuint (gtk_single_selection_get_selected (f->selection), ==, 498);
  g_assert_true (press (f, GDK_KEY_Return));
  g_assert_cmpuint (f->n_activated, ==, 1);
  g_assert_cmpuint (f->activated, ==, 498);

  g_assert_false (press (f, GDK_KEY_Page_Down));
  g_assert_false (press (f, GDK_KEY_space));

  g_assert_true (press (f, GDK_KEY_Home));
  g_assert_cmpuint (gtk_single_selection_get_selected (f->selection), ==, 0);
  wait_frames (f, 2);
  hs_table_get_bound_range (f->table, &first, &end);
  g_assert_cmpuint (first, ==, 0);

  /* Selected from elsewhere (the overview), the row shows it, and the keys
   * go on from there. */
  gtk_single_selection_set_selected (f->selection, 2);
  wait_frames (f, 1);
  {
    guint n_selected = 0;

    for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (f->table)); child != NULL;
         child = gtk_widget_get_next_sibling (child))
      if (gtk_widget_get_state_flags (child) & GTK_STATE_FLAG_SELECTED)
        n_selected++;
    g_assert_cmpuint (n_selected, ==, 1);
  }
  g_assert_cmpstr (hs_table_get_row_label (f->table, 2), ==, "Name: item 2, Count: 2");
  g_assert_true (press (f, GDK_KEY_Down));
  g_assert_cmpuint (gtk_single_selection_get_selected (f->selection), ==, 3);

  /* Scrolled out of view with the wheel, the focused row gives the focus
   * to the table; back in view, it has it again. */
  {
    GtkAdjustment *vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (f->table));
    gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

    gtk_adjustment_set_value (vadjustment, gtk_adjustment_get_upper (vadjustment));
    wait_frames (f, 2);
    while (!gtk_widget_has_focus (GTK_WIDGET (f->table)) && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (gtk_widget_has_focus (GTK_WIDGET (f->table)));
    gtk_adjustment_set_value (vadjustment, 0);
    wait_frames (f, 2);
    while (gtk_widget_has_focus (GTK_WIDGET (f->table)) && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpstr (hs_table_get_row_label (f->table, 3), ==, "Name: item 3, Count: 3");
    g_assert_true (gtk_widget_get_state_flags (focused_row (f)) & GTK_STATE_FLAG_SELECTED);
  }

  /* Tab leaves the table rather than walking its rows. */
  g_assert_false (gtk_widget_child_focus (GTK_WIDGET (f->table), GTK_DIR_TAB_FORWARD));
}

/* The table is drawn again when what it shows changes, and only then:
 * rows arriving below the view make the scroll bar longer, and leave the
 * table's picture as it was (a class arriving redrew it in every frame). */
static void
test_redraws_what_shows (Fixture *f, gconstpointer data)
{
  GtkAdjustment *vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (f->table));
  g_autoptr (TestItem) inserted = g_object_new (TEST_TYPE_ITEM, "name", "inserted", NULL);
  guint first, end, before;
  double upper;

  /* Rows coming into view are drawn. */
  before = hs_table_get_n_snapshots (f->table);
  add_items (f, 3);
  wait_frames (f, 2);
  g_assert_cmpuint (hs_table_get_n_snapshots (f->table), >, before);

  /* More than the view holds, then more below it. */
  add_items (f, 100);
  wait_frames (f, 2);
  hs_table_get_bound_range (f->table, &first, &end);
  g_assert_cmpuint (end, <, 100);
  upper = gtk_adjustment_get_upper (vadjustment);
  before = hs_table_get_n_snapshots (f->table);
  add_items (f, 50);
  wait_frames (f, 3);
  g_assert_cmpfloat (gtk_adjustment_get_upper (vadjustment), >, upper);
  g_assert_cmpuint (hs_table_get_n_snapshots (f->table), ==, before);

  /* One inserted in view moves the rows below it. */
  g_list_store_insert (f->store, 0, inserted);
  wait_frames (f, 2);
  g_assert_cmpuint (hs_table_get_n_snapshots (f->table), >, before);
  g_assert_cmpstr (hs_table_get_cell_text (f->table, 0, 0), ==, "inserted");
  g_assert_cmpstr (hs_table_get_cell_text (f->table, 1, 0), ==, "item 0");

  /* Removed again, the rows come back up. */
  before = hs_table_get_n_snapshots (f->table);
  g_list_store_remove (f->store, 0);
  wait_frames (f, 2);
  g_assert_cmpuint (hs_table_get_n_snapshots (f->table), >, before);
  g_assert_cmpstr (hs_table_get_cell_text (f->table, 0, 0), ==, "item 0");

  /* All gone: no row is left to draw. */
  before = hs_table_get_n_snapshots (f->table);
  g_list_store_remove_all (f->store);
  wait_frames (f, 2);
  g_assert_cmpuint (hs_table_get_n_snapshots (f->table), >, before);
  hs_table_get_bound_range (f->table, &first, &end);
  g_assert_cmpuint (end - first, ==, 0);
}

/* Without a model, or with an empty one, nothing is bound and keys do nothing. */
static void
test_empty (Fixture *f, gconstpointer data)
{
  guint first, end;

  hs_table_get_bound_range (f->table, &first, &end);
  g_assert_cmpuint (end - first, ==, 0);
  g_assert_false (press (f, GDK_KEY_Down));
  hs_table_set_model (f->table, NULL);
  add_items (f, 10);
  wait_frames (f, 2);
  hs_table_get_bound_range (f->table, &first, &end);
  g_assert_cmpuint (end - first, ==, 0);
  hs_table_set_model (f->table, GTK_SELECTION_MODEL (f->selection));
  wait_frames (f, 2);
  hs_table_get_bound_range (f->table, &first, &end);
  g_assert_cmpuint (end - first, ==, 10);
}

/* Right to left, the first column is on the right, and a table wider
 * than its view shows that end first. */
static void
test_right_to_left (Fixture *f, gconstpointer data)
{
  GtkWidget *header = gtk_widget_get_first_child (GTK_WIDGET (f->table));
  graphene_rect_t bounds;
  int natural = 0;

  add_items (f, 3);
  gtk_widget_set_direction (GTK_WIDGET (f->table), GTK_TEXT_DIR_RTL);
  gtk_widget_measure (GTK_WIDGET (f->table), GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural, NULL,
                      NULL);
  gtk_widget_set_size_request (gtk_widget_get_parent (GTK_WIDGET (f->table)), natural / 2, -1);
  gtk_window_set_default_size (f->window, natural / 2, 300);
  gtk_widget_queue_resize (GTK_WIDGET (f->window));
  wait_frames (f, 3);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->table)), <, natural);
  g_assert_true (gtk_widget_compute_bounds (header, GTK_WIDGET (f->table), &bounds));
  g_assert_cmpfloat (bounds.origin.x, <, 0);
  g_assert_cmpfloat_with_epsilon (bounds.origin.x + bounds.size.width,
                                  gtk_widget_get_width (GTK_WIDGET (f->table)), 1.0);
  g_assert_cmpstr (hs_table_get_cell_text (f->table, 2, 0), ==, "item 2");
}

int
main (int argc, char **argv)
{
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("1..0 # SKIP no display (run under Xvfb)\n");
      return 0;
    }
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/ui/table/only-rows-in-view", Fixture, NULL, fixture_set_up, test_only_rows_in_view,
              fixture_tear_down);
  g_test_add ("/ui/table/changes-and-names", Fixture, NULL, fixture_set_up, test_changes_and_names,
              fixture_tear_down);
  g_test_add ("/ui/table/keyboard", Fixture, NULL, fixture_set_up, test_keyboard,
              fixture_tear_down);
  g_test_add ("/ui/table/right-to-left", Fixture, NULL, fixture_set_up, test_right_to_left,
              fixture_tear_down);
  g_test_add ("/ui/table/redraws-what-shows", Fixture, NULL, fixture_set_up,
              test_redraws_what_shows, fixture_tear_down);
  g_test_add ("/ui/table/empty", Fixture, NULL, fixture_set_up, test_empty, fixture_tear_down);
  g_test_add ("/ui/table/shared-texts", Fixture, NULL, fixture_set_up, test_shared_texts,
              fixture_tear_down);

  return g_test_run ();
}
