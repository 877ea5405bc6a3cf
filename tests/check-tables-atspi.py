#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a screen reader finds in the class server's tables: the real
application as the server for the class, real clients connecting from
here, read and driven through AT-SPI (pyatspi) as assistive technology
does. The connection list and the socket table are lists whose rows are
named by their cells ("Client: 127.0.0.1, Port: 41234, State: ESTABLISHED,
…"), and a row that moves (a client closing) is read again. Real key
presses (XTest, through the AT-SPI registry) with a row focused: Down
selects a row; Page Up, a presentation clicker's key, still steps the
lesson back (the tables then show a replay).

Usage: check-tables-atspi.py HANDSHAKE
"""

import os
import socket
import subprocess
import sys
import tempfile
import time

# Warnings are fatal for the application under test (G_DEBUG), not for
# this process's own libatspi, which warns of other applications on the bus.
APP_G_DEBUG = os.environ.pop("G_DEBUG", None)

DEADLINE_S = 60
N_CLIENTS = 3


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, condition):
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def find_app(pyatspi, name):
    def look():
        for app in pyatspi.Registry.getDesktop(0):
            if app is not None and app.name == name:
                return app
        return None
    return wait_for(f"{name} on the accessibility bus", look)


def list_named(pyatspi, root, list_name):
    return pyatspi.findDescendant(
        root, lambda a: a is not None and a.name == list_name and a.getRoleName() == "list")


def items_of(table):
    children = [table.getChildAtIndex(i) for i in range(table.childCount)]
    return [c for c in children if c is not None and c.getRoleName() == "list item"]


def rows_of(pyatspi, root, list_name):
    table = list_named(pyatspi, root, list_name)
    if table is None:
        return None
    return [item.name for item in items_of(table)]


def press_key(pyatspi, keysym):
    pyatspi.Registry.generateKeyboardEvent(keysym, None, pyatspi.KEY_SYM)


def main():
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        print("no display (run under Xvfb)")
        return 77
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        print("no D-Bus session (run under dbus-run-session)")
        return 77
    # The accessibility bus of this D-Bus session, named for both the test
    # and the application: each would otherwise look it up on the display
    # first, where another session's may be announced.
    try:
        from gi.repository import Gio, GLib
        session = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        reply = session.call_sync("org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus", "GetAddress",
                                  None, GLib.VariantType("(s)"), Gio.DBusCallFlags.NONE, -1,
                                  None)
        os.environ["AT_SPI_BUS_ADDRESS"] = reply.unpack()[0]
    except Exception as e:  # noqa: BLE001 - any failure means no bus to test with
        print(f"no accessibility bus: {e}")
        return 77
    try:
        import pyatspi
    except ImportError:
        print("no pyatspi (Debian's python3-pyatspi)")
        return 77

    handshake = sys.argv[1]
    port = free_port()
    config = tempfile.TemporaryDirectory(prefix="handshake-atspi-")
    # An instance of its own: other tests may start `handshake` meanwhile.
    env = dict(os.environ, GSETTINGS_BACKEND="memory", GTK_A11Y="atspi",
               XDG_CONFIG_HOME=config.name, HANDSHAKE_NON_UNIQUE="1")
    if APP_G_DEBUG is not None:
        env["G_DEBUG"] = APP_G_DEBUG
    app_proc = subprocess.Popen([handshake, "--server", f"127.0.0.1:{port}"], env=env,
                                stdout=subprocess.DEVNULL)
    clients = []
    failures = 0
    try:
        app = find_app(pyatspi, "handshake")
        # The socket table shows the listener: then the clients may come.
        sockets = wait_for(
            "the listener's row in the socket table",
            lambda: [r for r in (rows_of(pyatspi, app, "Sockets in the kernel") or [])
                     if f"Local Address: 127.0.0.1:{port}," in r and "State: LISTEN" in r])
        print(f"ok socket table: “{sockets[0]}”")

        for i in range(N_CLIENTS):
            c = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_S)
            c.sendall(f"hello {i}\n".encode())
            clients.append(c)
        ports = [c.getsockname()[1] for c in clients]

        def all_rows():
            rows = rows_of(pyatspi, app, "Connections of the class")
            if rows is None:
                return None
            named = {p for r in rows for p in ports
                     if f"Port: {p}," in r and "State: ESTABLISHED" in r and "hello" in r}
            return rows if len(named) == N_CLIENTS else None

        rows = wait_for("every client's row, named by its cells", all_rows)
        print(f"ok connection list: {len(rows)} rows, e.g. “{rows[0]}”")

        established = wait_for(
            "the clients' sockets in the socket table",
            lambda: [r for r in (rows_of(pyatspi, app, "Sockets in the kernel") or [])
                     if f"Foreign Address: 127.0.0.1:{ports[1]}," in r
                     and "State: ESTABLISHED" in r])
        print(f"ok socket table: “{established[0]}”")

        # Keys, with the focus on a row of the connection list.
        connections = list_named(pyatspi, app, "Connections of the class")
        first = items_of(connections)[0]
        # A real click on the row (GTK 4.8 has no AT-SPI grabFocus). Under
        # Xvfb there is no window manager: the window is at the origin of
        # the screen, and GTK 4.8 reports positions in the window only.
        box = first.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        pyatspi.Registry.generateMouseEvent(box.x + box.width // 2, box.y + box.height // 2,
                                            "b1c")
        wait_for("a row to have the focus",
                 lambda: first.getState().contains(pyatspi.STATE_FOCUSED))
        press_key(pyatspi, 0xff54)  # Down
        selected = wait_for(
            "Down to select a row",
            lambda: [i.name for i in items_of(connections)
                     if i.getState().contains(pyatspi.STATE_SELECTED)])
        print(f"ok Down selected “{selected[0]}”")
        press_key(pyatspi, 0xff55)  # Page Up
        wait_for("Page Up to step back into a replay",
                 lambda: list_named(pyatspi, app, "Sockets replayed from the trace"))
        print("ok Page Up, from a focused row, stepped the lesson back")
        press_key(pyatspi, 0xff57)  # End: back to live, as a clicker's user would
        wait_for("End to come back to live",
                 lambda: list_named(pyatspi, app, "Sockets in the kernel"))

        # A client closes: its row is read again with the new state.
        clients[0].close()
        closed = wait_for(
            "the closed client's row to change",
            lambda: [r for r in (rows_of(pyatspi, app, "Connections of the class") or [])
                     if f"Port: {ports[0]}," in r and "ESTABLISHED" not in r])
        print(f"ok after the client closed: “{closed[0]}”")
    except SystemExit as e:
        print(f"not ok: {e}")
        failures += 1
    finally:
        for c in clients:
            c.close()
        app_proc.terminate()
        try:
            app_proc.wait(timeout=DEADLINE_S)
        except subprocess.TimeoutExpired:
            app_proc.kill()
            app_proc.wait()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
