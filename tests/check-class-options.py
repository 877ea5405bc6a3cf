#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`handshake --server [ADDR:]PORT` and `handshake --connect HOST:PORT` open
the window in that role: the real application under a display, quitting
after its first frame (HANDSHAKE_QUIT_AFTER_FIRST_FRAME), says which role it
opened in and what it listens on; a real listener here sees the client's
connection. Bad input is a sentence and exit status 2.

Usage: check-class-options.py HANDSHAKE
"""

import os
import socket
import subprocess
import sys

DEADLINE_S = 60


def run(handshake, *args):
    env = dict(os.environ, HANDSHAKE_QUIT_AFTER_FIRST_FRAME="1", GSETTINGS_BACKEND="memory")
    return subprocess.run([handshake, *args], env=env, capture_output=True, text=True,
                          timeout=DEADLINE_S)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        print("no display (run under Xvfb)")
        return 77
    handshake = sys.argv[1]
    failures = 0

    # --server: the server role, listening on the port asked.
    port = free_port()
    result = run(handshake, "--server", f"127.0.0.1:{port}")
    expected = f"role server listening {port}"
    if result.returncode != 0 or expected not in result.stdout:
        print(f"--server: expected “{expected}”, got {result.returncode}: "
              f"{result.stdout!r} {result.stderr!r}")
        failures += 1
    else:
        print(f"ok --server 127.0.0.1:{port}: {expected}")

    # --connect: the client role; the SYN reaches a real listener here.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.settimeout(DEADLINE_S)
        port = listener.getsockname()[1]
        result = run(handshake, "--connect", f"127.0.0.1:{port}")
        if result.returncode != 0 or "role client" not in result.stdout:
            print(f"--connect: expected “role client”, got {result.returncode}: "
                  f"{result.stdout!r} {result.stderr!r}")
            failures += 1
        else:
            try:
                conn, peer = listener.accept()
                conn.close()
                print(f"ok --connect 127.0.0.1:{port}: role client, connection from {peer[0]}")
            except socket.timeout:
                print("--connect: the listener saw no connection")
                failures += 1

    # Bad input: a sentence on stderr and status 2, never a window.
    # Port 0 ("any free port") is taken by `handshake-cli serve` only, not by
    # the window's --server or --connect.
    for args in (["--connect", "5005"], ["--server", "localhost:99999"],
                 ["--connect", "2001:db8::1:5005"], ["--server", "1", "--connect", "a:1"],
                 ["--server", "0"], ["--connect", "127.0.0.1:0"]):
        result = run(handshake, *args)
        if result.returncode != 2 or not result.stderr.startswith("handshake: "):
            print(f"{' '.join(args)}: expected a message and status 2, got "
                  f"{result.returncode}: {result.stderr!r}")
            failures += 1
        else:
            print(f"ok {' '.join(args)}: {result.stderr.strip()}")

    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
