/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hs-network"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "hs-lab.h"
#include "hs-network.h"

static const char *const names[] = { "host", "lab", "sim" };

const char *
hs_network_kind_to_string (HsNetworkKind kind)
{
  g_return_val_if_fail (kind < G_N_ELEMENTS (names), "host");

  return names[kind];
}

gboolean
hs_network_kind_parse (const char *name, HsNetworkKind *kind)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i]) == 0)
      {
        if (kind != NULL)
          *kind = (HsNetworkKind) i;
        return TRUE;
      }

  return FALSE;
}

const char *
hs_network_kind_get_title (HsNetworkKind kind)
{
  switch (kind)
    {
      case HS_NETWORK_LAB:
        return _ ("Lab network");
      case HS_NETWORK_SIM:
        return _ ("Simulated network");
      case HS_NETWORK_HOST:
      default:
        return _ ("Host network");
    }
}

const char *
hs_network_kind_get_description (HsNetworkKind kind)
{
  switch (kind)
    {
      case HS_NETWORK_LAB:
        return _ ("Real Linux TCP between two private hosts");
      case HS_NETWORK_SIM:
        return _ ("A model of TCP, not the kernel");
      case HS_NETWORK_HOST:
      default:
        return _ ("Real kernel sockets; segments inferred");
    }
}

char *
hs_network_kind_unavailable_reason (HsNetworkKind kind)
{
  switch (kind)
    {
      case HS_NETWORK_HOST:
      case HS_NETWORK_SIM:
        /* The simulated network needs nothing from the system. */
        return NULL;
      case HS_NETWORK_LAB:
      default:
        {
          char *reason = NULL;

          if (hs_lab_check_available (&reason))
            return NULL;
          return reason;
        }
    }
}
