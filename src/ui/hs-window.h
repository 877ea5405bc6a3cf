/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hs-session.h"

G_BEGIN_DECLS

/* clang-format off */

#define HS_TYPE_WINDOW (hs_window_get_type ())

G_DECLARE_FINAL_TYPE (HsWindow, hs_window, HS, WINDOW, AdwApplicationWindow)

/* What this computer is in the lesson (the "role" setting and the window's
 * "role" property, as "local", "server" or "client"). */
typedef enum
{
  HS_WINDOW_ROLE_LOCAL,  /* client and server in one process */
  HS_WINDOW_ROLE_SERVER, /* the class server, on the projector */
  HS_WINDOW_ROLE_CLIENT, /* a student's client of a server elsewhere */
} HsWindowRole;

HsWindow     *hs_window_new          (AdwApplication *application);
HsSession    *hs_window_get_session  (HsWindow *self);
/* The canvas widget (an HsCanvas), for tests. */
GtkWidget    *hs_window_get_canvas   (HsWindow *self);
/* The narration shown now, for tests. */
const char   *hs_window_get_narration (HsWindow *self);
/* Writes what the canvas shows to @path (File → Export): the format is
 * chosen by the ending (.svg, .pdf, .png, .jsonl, .pcap; SVG otherwise, with
 * ".svg" added). @written, when not NULL, gets the path written. */
gboolean      hs_window_export       (HsWindow    *self,
                                      const char  *path,
                                      char       **written,
                                      GError     **error);
/* The time-travel scrubber (an HsTimeline) and the socket table (an
 * HsSocketTable), for tests. */
GtkWidget *hs_window_get_timeline (HsWindow *self);
GtkWidget *hs_window_get_socket_table (HsWindow *self);
/* The canvas's accessible description (the narration so far), for tests:
 * GTK 4.8 cannot read it back. */
const char *hs_window_get_description (HsWindow *self);

HsWindowRole  hs_window_get_role     (HsWindow     *self);
/* Switches role: a new lesson, with a new session. */
void          hs_window_set_role     (HsWindow     *self,
                                      HsWindowRole  role);
const char   *hs_window_role_to_string (HsWindowRole role);
gboolean      hs_window_role_parse   (const char   *text,
                                      HsWindowRole *role);

/* `handshake --server [ADDR:]PORT`: the server role, listening on @port.
 * With @address NULL the saved choice holds (loopback unless other
 * computers were allowed); an address given is the explicit choice. */
gboolean      hs_window_start_class_server (HsWindow    *self,
                                            const char  *address,
                                            guint16      port,
                                            GError     **error);
/* `handshake --connect HOST:PORT`: the client role, connecting. */
gboolean      hs_window_connect_to_server  (HsWindow    *self,
                                            const char  *host,
                                            guint16      port,
                                            GError     **error);
/* The class server's connections (HsConnectionRow) and the overview, for
 * tests. */
GListModel   *hs_window_get_connections (HsWindow *self);
GtkWidget    *hs_window_get_lanes       (HsWindow *self);
/* The addresses the banner shows now ("192.168.1.20 : 5005"), for tests. */
char        **hs_window_get_banner_addresses (HsWindow *self);

/* clang-format on */

G_END_DECLS
