#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Takes screenshots of the real application, driven through AT-SPI the way
assistive technology drives it (pyatspi, Debian's python3-pyatspi).

Run inside a display and a D-Bus session, e.g.
  xvfb-run -a -s '-screen 0 1920x1080x24' dbus-run-session -- \
      build-aux/screenshot.py _build/src/ui/handshake docs/screenshots/main.png

Options: --dark, --lang zh_CN.UTF-8, --scale 2 (font scale of the diagram),
--steps N (how many user actions of the lesson to play: listen, connect,
send, close client, close server).
"""

import argparse
import gettext
import os
import subprocess
import sys
import tempfile
import time

import pyatspi

LESSON = [
    ("Listen", "push button"),
    ("Connect", "push button"),
    ("Client sends", "push button"),
    ("Close client", "push button"),
    ("Close server", "push button"),
]


def find_app(name, deadline):
    while time.monotonic() < deadline:
        desktop = pyatspi.Registry.getDesktop(0)
        for app in desktop:
            if app is not None and app.name == name:
                return app
        time.sleep(0.2)
    raise SystemExit(f"{name} did not appear on the accessibility bus")


def find_widget(root, name, deadline):
    while time.monotonic() < deadline:
        found = pyatspi.findDescendant(
            root, lambda a: a is not None and a.name == name and a.getRoleName() in
            ("push button", "toggle button"))
        if found is not None:
            return found
        time.sleep(0.2)
    raise SystemExit(f"no button named “{name}”")


def press(widget):
    action = widget.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ("click", "press", "activate"):
            action.doAction(i)
            return
    action.doAction(0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("program")
    parser.add_argument("output")
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--lang", default="C.UTF-8")
    parser.add_argument("--steps", type=int, default=len(LESSON))
    parser.add_argument("--settle", type=float, default=9.0,
                        help="seconds to let the animation play after the last step")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--present", action="store_true",
                        help="switch to presentation mode before the lesson")
    parser.add_argument("--network", default="host", choices=["auto", "host", "lab", "sim"])
    parser.add_argument("--buttons",
                        help="comma-separated accessible names of the buttons to press, "
                             "instead of the lesson (e.g. Listen,Step,Connect,Deliver)")
    parser.add_argument("--then",
                        help="comma-separated accessible names of buttons to press after "
                             "settling (e.g. 'Previous event,Previous event' to travel back)")
    parser.add_argument("--large-narration", action="store_true")
    parser.add_argument("--labels", default="symbolic",
                        choices=["symbolic", "relative", "absolute"])
    args = parser.parse_args()

    # Settings come from a throw-away keyfile: the window fills the screen
    # (Xvfb has no window manager to maximize it), whatever the user's own
    # settings say.
    config = tempfile.TemporaryDirectory(prefix="handshake-shot-")
    os.makedirs(os.path.join(config.name, "glib-2.0", "settings"))
    with open(os.path.join(config.name, "glib-2.0", "settings", "keyfile"), "w") as f:
        f.write("[io/github/tcplab/Handshake]\n"
                f"window-width={args.width}\nwindow-height={args.height}\n"
                f"font-scale={args.scale}\n"
                f"label-style='{args.labels}'\n"
                f"network='{args.network}'\n"
                f"narration-large={'true' if args.large_narration else 'false'}\n")

    env = dict(os.environ)
    env.update({
        "LANG": args.lang, "LC_ALL": args.lang, "GSETTINGS_BACKEND": "keyfile",
        "XDG_CONFIG_HOME": config.name, "GTK_A11Y": "atspi",
    })
    if args.dark:
        env["ADW_DEBUG_COLOR_SCHEME"] = "prefer-dark"
    proc = subprocess.Popen([args.program], env=env)
    try:
        deadline = time.monotonic() + 30
        app = find_app("handshake", deadline)
        # The buttons are found by their accessible names, which are
        # translated: look them up in the catalog the program uses.
        catalog = gettext.translation(
            "handshake", os.environ.get("HANDSHAKE_LOCALEDIR"),
            languages=[args.lang.split(".")[0]], fallback=True)
        steps = LESSON[:args.steps]
        if args.buttons:
            steps = [(name, "push button") for name in args.buttons.split(",")]
        if args.present:
            # Presentation mode hides the controls: press them first, then
            # present while the animation plays.
            for name, _ in steps:
                press(find_widget(app, catalog.gettext(name), deadline))
                time.sleep(0.3)
            press(find_widget(app, catalog.gettext("Presentation mode"), deadline))
            steps = []
        for name, _ in steps:
            press(find_widget(app, catalog.gettext(name), deadline))
            time.sleep(1.5)
        time.sleep(args.settle)
        if args.then:
            for name in args.then.split(","):
                press(find_widget(app, catalog.gettext(name), time.monotonic() + 10))
                time.sleep(0.5)
            time.sleep(1.5)
        subprocess.run(["import", "-window", "root", args.output], check=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print("wrote", args.output)


if __name__ == "__main__":
    sys.exit(main())
