# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared helpers of the class-server tests: start `handshake-cli serve`,
read its JSON Lines trace as it grows, wait for conditions with deadlines."""

import json
import os
import re
import signal
import subprocess
import sys
import time

SKIP = 77


def wait_for(condition, what, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def read_trace(path):
    """Events by index (a later line with the same index replaces the
    earlier one) and connections by id."""
    events, connections = {}, {}
    if not os.path.exists(path):
        return events, connections
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                break  # still being written
            obj = json.loads(line)
            if obj.get("kind") == "connection":
                connections[obj["connection"]["id"]] = obj["connection"]
            elif "index" in obj:
                events[obj["index"]] = obj
    return [events[i] for i in sorted(events)], connections


class Server:
    """`handshake-cli serve` in the background, optionally under a prefix
    such as `ip netns exec NS`."""

    def __init__(self, cli, address, out, extra=(), prefix=()):
        self.out = out
        self.proc = subprocess.Popen(
            list(prefix) + [cli, "serve", address, "--format", "jsonl", "-o", out] + list(extra),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: self.proc.poll() is not None or self.listen_port(), "the server to listen")
        if self.proc.poll() is not None:
            raise AssertionError("serve exited: " + self.proc.stderr.read())

    def listen_port(self):
        _, connections = read_trace(self.out)
        conn0 = connections.get(0)
        if conn0 is None:
            return None
        return int(conn0["server"].rsplit(":", 1)[1])

    def trace(self):
        return read_trace(self.out)

    def fd_count(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def stop(self, signum=signal.SIGINT):
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("serve did not end on signal %d" % signum)
        err = self.proc.stderr.read()
        self.proc.stderr.close()
        return self.proc.returncode, err


def connection_ids(events, action="accept"):
    return {e["connection"] for e in events if e["kind"] == "app" and e.get("action") == action}


def states(events, connection, endpoint, source=None):
    return [e["to"] for e in events
            if e["kind"] == "state" and e["connection"] == connection and e["endpoint"] == endpoint
            and (source is None or e["source"] == source)]


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, name, detail=""):
        if ok:
            self.passed += 1
            print("ok - " + name)
        else:
            self.failed += 1
            print("not ok - " + name + (": " + str(detail) if detail else ""))

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)
