/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* clang-format off */

/* The three networks of DESIGN.md ("Three networks, one interface"). */
typedef enum
{
  HS_NETWORK_HOST, /* the machine's real network: loopback or a LAN */
  HS_NETWORK_LAB,  /* two namespaced hosts joined by the application's wire */
  HS_NETWORK_SIM,  /* RFC 9293 model endpoints on a virtual wire */
} HsNetworkKind;

const char *hs_network_kind_to_string (HsNetworkKind kind); /* "host", "lab", "sim" */
gboolean    hs_network_kind_parse     (const char    *name,
                                       HsNetworkKind *kind);
/* Translated name for the header bar: "Host network". */
const char *hs_network_kind_get_title (HsNetworkKind kind);
/* Translated one-line description of what is real on this network. */
const char *hs_network_kind_get_description (HsNetworkKind kind);

/* NULL when @kind can run in this process, else a translated reason. */
char       *hs_network_kind_unavailable_reason (HsNetworkKind kind);

/* clang-format on */

G_END_DECLS
