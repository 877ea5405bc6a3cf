#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every control of the window has a name a screen reader can say: a
button's own label, or an accessible label in the template. Entries, spin
buttons, switches, drop-downs, icon-only buttons and views have no text of
their own, so they need the accessible label (or, for a switch in a row,
the row's title through activatable-widget).

Usage: check-accessible-names.py FILE.ui...
"""

import sys
import xml.etree.ElementTree as ET

NEEDS_NAME = {
    "GtkEntry", "GtkSpinButton", "GtkSwitch", "GtkDropDown", "GtkMenuButton",
    "GtkToggleButton", "GtkButton", "GtkColumnView", "GtkFlowBox", "GtkStackSwitcher",
    "GtkListView", "GtkCheckButton", "GtkScale",
}
BUTTONS = {"GtkButton", "GtkToggleButton", "GtkCheckButton", "GtkMenuButton"}


def has_property(obj, name):
    return any(p.get("name") == name and (p.text or "").strip()
               for p in obj.findall("property"))


def accessible_label(obj):
    for acc in obj.findall("accessibility"):
        for p in acc.findall("property"):
            if p.get("name") in ("label", "description") and (p.text or "").strip():
                return True
        for r in acc.findall("relation"):
            if r.get("name") == "labelled-by":
                return True
    return False


def main():
    failures = 0
    for path in sys.argv[1:]:
        root = ET.parse(path).getroot()
        # Widgets a row with a title activates are named by that row.
        by_row = set()
        for obj in root.iter("object"):
            for p in obj.findall("property"):
                if p.get("name") == "activatable-widget" and has_property(obj, "title"):
                    by_row.add((p.text or "").strip())
        checked = 0
        for obj in root.iter("object"):
            cls = obj.get("class")
            if cls not in NEEDS_NAME:
                continue
            checked += 1
            if accessible_label(obj) or obj.get("id") in by_row:
                continue
            if cls in BUTTONS and has_property(obj, "label"):
                continue
            print(f"{path}: {cls} id={obj.get('id')!r} has no accessible name")
            failures += 1
        print(f"{path}: {checked} controls checked")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
