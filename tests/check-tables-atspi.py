#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a screen reader finds in the class server's tables: the real
application as the server for the class, real clients connecting from
here, read through AT-SPI (pyatspi) as assistive technology reads it.
The connection list and the socket table are lists whose rows are named by
their cells ("Client: 127.0.0.1, Port: 41234, State: ESTABLISHED, …"), and
a row that moves (a client closing) is read again.

Usage: check-tables-atspi.py HANDSHAKE
"""

import os
import socket
import subprocess
import sys
import tempfile
import time

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


def rows_of(pyatspi, root, list_name):
    table = pyatspi.findDescendant(
        root, lambda a: a is not None and a.name == list_name and a.getRoleName() == "list")
    if table is None:
        return None
    return [table.getChildAtIndex(i).name for i in range(table.childCount)
            if table.getChildAtIndex(i) is not None
            and table.getChildAtIndex(i).getRoleName() == "list item"]


def main():
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        print("no display (run under Xvfb)")
        return 77
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        print("no D-Bus session (run under dbus-run-session)")
        return 77
    try:
        import pyatspi
    except ImportError:
        print("no pyatspi (Debian's python3-pyatspi)")
        return 77

    handshake = sys.argv[1]
    port = free_port()
    config = tempfile.TemporaryDirectory(prefix="handshake-atspi-")
    env = dict(os.environ, GSETTINGS_BACKEND="memory", GTK_A11Y="atspi",
               XDG_CONFIG_HOME=config.name)
    app_proc = subprocess.Popen([handshake, "--server", f"127.0.0.1:{port}"], env=env,
                                stdout=subprocess.DEVNULL)
    clients = []
    failures = 0
    try:
        app = find_app(pyatspi, "handshake")
        wait_for("the server to listen", lambda: try_connect(port))

        for i in range(N_CLIENTS):
            c = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_S)
            c.sendall(f"hello {i}\n".encode())
            clients.append(c)
        ports = [c.getsockname()[1] for c in clients]

        def all_rows():
            rows = rows_of(pyatspi, app, "Connections of the class")
            if rows is None:
                return None
            named = [r for r in rows for p in ports
                     if f"Port: {p}," in r and "State: ESTABLISHED" in r and "hello" in r]
            return rows if len(named) == N_CLIENTS else None

        rows = wait_for("every client's row, named by its cells", all_rows)
        print(f"ok connection list: {len(rows)} rows, e.g. “{rows[0]}”")

        sockets = wait_for(
            "the listener's row in the socket table",
            lambda: [r for r in (rows_of(pyatspi, app, "Sockets in the kernel") or [])
                     if f"Local Address: 127.0.0.1:{port}," in r and "State: LISTEN" in r])
        print(f"ok socket table: “{sockets[0]}”")

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


def try_connect(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
