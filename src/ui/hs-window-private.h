/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hs-canvas.h"
#include "hs-capture.h"
#include "hs-connection-list.h"
#include "hs-lanes.h"
#include "hs-playback.h"
#include "hs-replay-model.h"
#include "hs-socket-table.h"
#include "hs-table.h"
#include "hs-timeline.h"
#include "hs-window.h"

G_BEGIN_DECLS

/* The window's state, shared by hs-window.c (the lesson on this computer)
 * and hs-window-class.c (the classroom roles). */
struct _HsWindow
{
  AdwApplicationWindow parent_instance;

  /* The frame clock whose frames the network makes room for, while the
   * window is realized. */
  GdkFrameClock *paced_clock;
  gulong paced_handler;

  GSettings *settings;
  HsSession *session;
  HsCanvas *canvas;
  HsPlayback *playback;
  HsTrace *shown_trace; /* what the canvas shows: the session's, or one connection's */
  guint narrated;
  HsWindowRole role;
  guint update_actions_id;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkDropDown *label_style_dropdown;
  GtkScrolledWindow *canvas_scroller;
  GtkEntry *listen_address_entry;
  GtkSpinButton *listen_port_spin;
  GtkToggleButton *listen_button;
  GtkEntry *server_send_entry;
  GtkEntry *connect_host_entry;
  GtkSpinButton *connect_port_spin;
  GtkEntry *client_send_entry;
  GtkSwitch *show_all_switch;
  HsSocketTable *socket_table;
  GtkLabel *table_source_label;
  GtkLabel *narration_label;
  GtkButton *play_button;
  GtkDropDown *speed_dropdown;
  GtkLabel *position_label;
  GtkWidget *header_bar;
  GtkWidget *side_scroller;
  GtkPaned *paned;
  gboolean side_width_set;
  GtkWidget *blank;

  GtkDropDown *network_dropdown;
  GtkWidget *wire_group;
  GtkLabel *held_label;
  GtkToggleButton *auto_button;
  GtkToggleButton *step_button;
  GtkLabel *sockets_heading;

  /* The classroom roles */
  GtkWidget *local_group;
  GtkWidget *class_server_group;
  GtkWidget *class_client_group;
  GtkWidget *class_banner;
  GtkLabel *banner_title;
  GtkFlowBox *banner_addresses;
  GtkWidget *view_bar;
  GtkLabel *capture_label;
  GtkLabel *client_capture_label;
  GtkStack *canvas_stack;
  HsLanes *lanes;
  GtkSwitch *allow_remote_switch;
  AdwComboRow *class_address_row;
  GtkSpinButton *class_listen_port_spin;
  GtkToggleButton *class_listen_button;
  GtkLabel *connections_count_label;
  GtkScrolledWindow *connections_scroller;
  HsTable *connections_view; /* made in code: its columns are fixed at creation */
  GtkEntry *class_host_entry;
  GtkMenuButton *recent_button;
  GtkSpinButton *class_port_spin;
  GtkEntry *class_send_entry;

  GtkStringList *address_model; /* "Every address", then this computer's */
  HsConnectionList *connections;
  GtkSingleSelection *connection_selection;
  char *listened_address; /* what the class server bound, for the banner */

  gboolean presenting;
  GtkFileChooserNative *export_dialog;
  GBinding *show_all_binding;

  /* Time travel (the scrubber, the replayed table) and the narration for
   * projection: see "Time travel" in hs-window.c. */
  HsTimeline *timeline;
  GtkWidget *timeline_bar;
  GtkLabel *replay_label;
  GtkWidget *live_button;
  HsReplayModel *replay_model;
  GPtrArray *sentences; /* the narration of each event, made once */
  guint described;      /* events in the canvas's description */
  char *description;    /* and the description itself */

  /* A capture file's connection, shown instead of the session's trace
   * until the user goes back to the live network. */
  HsCapture *capture;
  HsTrace *capture_trace;
  GListModel *capture_sockets; /* none: a file holds no sockets */
  gint64 capture_first_us;
  GtkFileChooserNative *open_dialog;
  GtkWindow *capture_picker;
};

/* clang-format off */
void      _hs_window_toast                (HsWindow     *self,
                                           const char   *message);
void      _hs_window_update_actions       (HsWindow     *self);
/* Shows @trace in the canvas (NULL: an empty diagram), with a new
 * playback that the narration follows. */
void      _hs_window_show_trace           (HsWindow     *self,
                                           HsTrace      *trace);
void      _hs_window_set_session          (HsWindow     *self,
                                           HsSession    *session);
HsSession *_hs_window_initial_session     (HsWindow     *self);
void      _hs_window_notify_role          (HsWindow     *self);

/* hs-window-class.c */
void      _hs_window_class_class_init     (GtkWidgetClass *widget_class);
void      _hs_window_class_init           (HsWindow     *self);
void      _hs_window_class_dispose        (HsWindow     *self);
/* A session for @role, set up from the settings (connection cap). */
HsSession *_hs_window_class_new_session   (HsWindow     *self,
                                           HsWindowRole  role);
/* After a new session: the connection list, the banner, the capture line. */
void      _hs_window_class_session_changed (HsWindow    *self);
void      _hs_window_class_update_actions (HsWindow     *self);
void      _hs_window_class_update_appearance (HsWindow  *self,
                                              double     font_scale);
/* In the client role, the server the client actions connect to, read
 * from the entries (a "host:port" typed in the host entry wins), and
 * remembered among the recent servers. */
gboolean  _hs_window_class_get_target     (HsWindow     *self,
                                           char        **host,
                                           guint16      *port,
                                           GError      **error);
void      _hs_window_class_remember_server (HsWindow    *self,
                                            const char  *host,
                                            guint16      port);
/* clang-format on */

G_END_DECLS
