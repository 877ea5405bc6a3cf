#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The class server under a burst (docs/performance.md, "Class server"):
N clients (default 1,000) connect to `handshake-cli serve` on the loopback
within one second, each sends a line, and all stay connected. Measures how
long after the last connect() the server's trace holds every connection
(accept and received line written and flushed), and the server's peak RSS
(VmHWM). Then every client closes and the time until the trace shows every
server end CLOSED is measured too. Bounded in count and time; it stops by
itself and kills what it started on any exit.

Usage: run-class-bench.py BUILD_DIR [N] [--no-capture] [--runs R]"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from classlib import Server, connection_ids, read_trace, states, wait_for  # noqa: E402


def vm(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])  # kB
    return 0


def one_run(cli, n, extra):
    tmp = tempfile.mkdtemp(prefix="hs-class-bench-")
    out = os.path.join(tmp, "trace.jsonl")
    server = Server(cli, "0", out, extra=["--max-connections", str(n + 10)] + extra)
    port = server.listen_port()
    rss_idle = vm(server.proc.pid, "VmRSS")
    socks = []
    try:
        start = time.monotonic()
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"student %d\n" % i)
            socks.append(s)
        arrived = time.monotonic()

        def all_recorded():
            events, _ = read_trace(out)
            received = {e["connection"] for e in events if e["kind"] == "app" and e["action"] == "receive"}
            return len(connection_ids(events)) >= n and len(received) >= n
        wait_for(all_recorded, "every connection in the trace", 60)
        recorded = time.monotonic()
        rss_peak = vm(server.proc.pid, "VmHWM")

        for s in socks:
            s.close()
        socks = []
        closing = time.monotonic()

        def all_closed():
            # One pass: the latest state of each connection's server end.
            events, _ = read_trace(out)
            last = {}
            for e in events:
                if e["kind"] == "state" and e["endpoint"] == "server" and e["connection"] > 0:
                    last[e["connection"]] = e["to"]
            return len(last) >= n and all(v == "CLOSED" for v in last.values()) and events
        try:
            events = wait_for(all_closed, "every server end closed", 30)
        except AssertionError:
            events, _ = read_trace(out)
            last, history = {}, {}
            for e in events:
                history.setdefault(e["connection"], []).append(
                    (e["kind"], e.get("flags") or e.get("to") or e.get("action"),
                     e.get("source") or e.get("provenance")))
                if e["kind"] == "state" and e["endpoint"] == "server" and e["connection"] > 0:
                    last[e["connection"]] = e["to"]
            stuck = [c for c, v in last.items() if v != "CLOSED"]
            print("not closed: %d of %d; first: %s" % (len(stuck), len(last),
                                                     history.get(stuck[0]) if stuck else None))
            raise
        closed = time.monotonic()
        rss_peak = max(rss_peak, vm(server.proc.pid, "VmHWM"))
        # The trace's own clock: from the first client's FIN read to the
        # last server end gone.
        eofs = [e["time_us"] for e in events if e["kind"] == "app" and e["action"] == "eof"]
        ends = [e["time_us"] for e in events if e["kind"] == "state" and e["endpoint"] == "server"
                and e["to"] == "CLOSED" and e["connection"] > 0]
        closed_in_trace = (max(ends) - min(eofs)) / 1e6
        n_events = len(events)
        # Every connection has its handshake in the trace, captured or
        # inferred: nothing was lost in the burst.
        flags = {}
        for e in events:
            if e["kind"] == "segment":
                flags.setdefault(e["connection"], set()).add(e["flags"])
        complete = sum(1 for f in flags.values() if {"SYN", "SYN, ACK"} <= f)
        if complete < n:
            raise AssertionError("only %d of %d connections have their SYN and SYN-ACK" % (complete, n))
    finally:
        for s in socks:
            s.close()
        server.stop()
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)
    return {
        "arrival_s": arrived - start,
        "recorded_after_s": recorded - arrived,
        "closed_after_s": closed - closing,
        "closed_in_trace_s": closed_in_trace,
        "rss_idle_mb": rss_idle / 1024,
        "rss_peak_mb": rss_peak / 1024,
        "events": n_events,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir")
    parser.add_argument("n", nargs="?", type=int, default=1000)
    parser.add_argument("--no-capture", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not 1 <= args.n <= 5000:
        parser.error("N is between 1 and 5000")
    cli = os.path.join(args.build_dir, "src", "cli", "handshake-cli")
    extra = ["--no-capture"] if args.no_capture else []
    for run in range(args.runs):
        r = one_run(cli, args.n, extra)
        print("run %d: %d connections arrived in %.3f s; all recorded %.3f s after the last; "
              "all closed %.3f s after the clients closed (%.3f s by the trace's clock); %d events; "
              "RSS %.1f MB idle, %.1f MB peak"
              % (run + 1, args.n, r["arrival_s"], r["recorded_after_s"], r["closed_after_s"],
                 r["closed_in_trace_s"],
                 r["events"], r["rss_idle_mb"], r["rss_peak_mb"]))


if __name__ == "__main__":
    main()
