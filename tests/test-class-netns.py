#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two real hosts on one machine: network namespaces joined by a veth pair,
`handshake-cli serve` on 10.1.0.1 and `handshake-cli run` with a connect
scenario on 10.1.0.2. Asserts the kernel states each side saw, that the
server's saved SYN is the SYN the client captured, and a firewall that
drops SYNs (retransmissions, then the timeout). Every namespace and process
is removed, whatever happens.

Usage: test-class-netns.py HANDSHAKE_CLI"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from classlib import SKIP, Checker, Server, read_trace, states  # noqa: E402


def ip(*args, check=True):
    return subprocess.run(["ip"] + list(args), check=check, capture_output=True, text=True)


def main():
    cli = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0 or shutil.which("ip") is None:
        print("1..0 # SKIP needs root and iproute2 to make network namespaces")
        return SKIP

    tag = str(os.getpid())
    ns_a, ns_b = "hs-srv-" + tag, "hs-cli-" + tag
    veth_a, veth_b = "hsa" + tag[-8:], "hsb" + tag[-8:]
    tmp = tempfile.mkdtemp(prefix="hs-netns-")
    server = None
    t = Checker()
    try:
        try:
            ip("netns", "add", ns_a)
            ip("netns", "add", ns_b)
        except subprocess.CalledProcessError as e:
            print("1..0 # SKIP cannot make network namespaces: " + e.stderr.strip())
            return SKIP
        ip("link", "add", veth_a, "type", "veth", "peer", "name", veth_b)
        ip("link", "set", veth_a, "netns", ns_a)
        ip("link", "set", veth_b, "netns", ns_b)
        for ns, dev, addr in ((ns_a, veth_a, "10.1.0.1/24"), (ns_b, veth_b, "10.1.0.2/24")):
            ip("-n", ns, "link", "set", "lo", "up")
            ip("-n", ns, "addr", "add", addr, "dev", dev)
            ip("-n", ns, "link", "set", dev, "up")

        # The server infers its segments (--no-capture), so that the SYN it
        # shows as captured is the one TCP_SAVED_SYN handed out; the client
        # captures its own (root), so both know the client's ISN.
        out = os.path.join(tmp, "server.jsonl")
        server = Server(cli, "10.1.0.1:5005", out, extra=["--no-capture"],
                        prefix=["ip", "netns", "exec", ns_a])

        scenario = os.path.join(tmp, "client.scenario")
        with open(scenario, "w") as f:
            f.write('connect 10.1.0.1:5005\nsend client "hello from 10.1.0.2"\nwait 400ms\n'
                    'close client\nwait 400ms\n')
        run = subprocess.run(["ip", "netns", "exec", ns_b, cli, "run", scenario, "--format", "jsonl"],
                             capture_output=True, text=True, timeout=60)
        t.check(run.returncode == 0, "the client's scenario ran", run.stderr)
        client_events = [json.loads(line) for line in run.stdout.splitlines()]
        header = client_events[0]
        client_events = client_events[1:]

        def server_done():
            events, _ = server.trace()
            seen = states(events, 1, "server")
            return seen and seen[-1] == "CLOSED"
        try:
            from classlib import wait_for
            wait_for(server_done, "the server's end to close", 20)
        except AssertionError as e:
            t.check(False, "server's end closed", e)
        rc, err = server.stop()
        server = None
        t.check(rc == 0, "serve ended cleanly on SIGINT", err)

        events, connections = read_trace(out)
        with open(out, encoding="utf-8") as f:
            first = json.loads(f.readline())
        t.check(first.get("kind") == "trace" and first.get("capture") == "inferred",
                "the trace's first line says the server infers its segments", first)
        conn = connections.get(1, {})
        t.check(conn.get("client", "").startswith("10.1.0.2:"), "the server saw the client's address",
                conn)
        # The kernel shows the server's end established; once the client's
        # FIN arrives the server closes, and its end leaves the kernel.
        server_kernel = states(events, 1, "server", "kernel")
        server_all = states(events, 1, "server")
        t.check("ESTABLISHED" in server_kernel, "server kernel states", server_kernel)
        t.check(server_all[-3:] == ["CLOSE_WAIT", "LAST_ACK", "CLOSED"], "the server closed after the client",
                server_all)
        t.check(any(e["kind"] == "app" and e["action"] == "receive" and "hello from 10.1.0.2" in e["data"]
                    for e in events), "the server received the client's text")

        syn = [e for e in events if e["kind"] == "segment" and e["flags"] == "SYN"]
        t.check(len(syn) == 1 and syn[0]["provenance"] == "captured" and syn[0]["window"] is not None
                and "mss" in syn[0]["options"], "the server's SYN is the saved SYN", syn)

        client_kernel = states(client_events, 1, "client", "kernel")
        t.check("ESTABLISHED" in client_kernel and client_kernel[-1] in ("TIME_WAIT", "FIN_WAIT_2"),
                "client kernel states", client_kernel)
        client_syn = [e for e in client_events if e["kind"] == "segment" and e["flags"] == "SYN"]
        client_conn = header["connections"][0]
        t.check(client_syn and client_syn[0]["provenance"] == "captured"
                and client_conn["client_isn"] == conn.get("client_isn"),
                "the client's captured SYN carries the ISN the server's kernel saved",
                (client_conn, conn))
        t.check(any(e["kind"] == "segment" and e["flags"] == "SYN, ACK" and e["provenance"] == "captured"
                    for e in client_events), "the client captured the SYN-ACK")

        # A firewall that drops SYNs: the client's kernel is told a wrong
        # hardware address for 10.1.0.1, so the server's interface discards
        # every SYN. Two retries instead of six keep the wait short.
        ip("-n", ns_b, "neigh", "replace", "10.1.0.1", "lladdr", "02:00:00:00:00:99",
           "nud", "permanent", "dev", veth_b)
        subprocess.run(["ip", "netns", "exec", ns_b, "sysctl", "-qw", "net.ipv4.tcp_syn_retries=2"],
                       check=True)
        with open(scenario, "w") as f:
            f.write("connect 10.1.0.1:5006\n")
        # Captured (the client runs as root), then inferred from TCP_INFO's
        # retransmission counter.
        for mode, extra in (("captured", []), ("inferred", ["--no-capture"])):
            run = subprocess.run(["ip", "netns", "exec", ns_b, cli, "run", scenario, "--format",
                                  "jsonl", "--timeout", "30"] + extra,
                                 capture_output=True, text=True, timeout=90)
            dropped = [json.loads(line) for line in run.stdout.splitlines()][1:]
            retransmitted = [e for e in dropped if e["kind"] == "segment" and e["flags"] == "SYN"
                             and e["retransmission"] > 0 and e["provenance"] == mode]
            t.check(len(retransmitted) >= 2, "dropped SYNs are retransmitted (%s)" % mode,
                    len(retransmitted))
            t.check(any(e["kind"] == "error" and e["error"] == "timed-out" for e in dropped),
                    "the attempt ends in a timeout (%s)" % mode, run.stderr)
            t.check("10.1.0.1:5006" in run.stderr, "the timeout is explained (%s)" % mode, run.stderr)
        # A host the network says cannot be reached: a route of type
        # "unreachable" makes the client's own kernel answer at once, so no
        # packet leaves the namespace.
        ip("-n", ns_b, "route", "add", "unreachable", "10.9.0.0/24")
        with open(scenario, "w") as f:
            f.write("connect 10.9.0.1:5005\n")
        run = subprocess.run(["ip", "netns", "exec", ns_b, cli, "run", scenario, "--format", "jsonl"],
                             capture_output=True, text=True, timeout=60)
        errors = [e for e in (json.loads(line) for line in run.stdout.splitlines()[1:])
                  if e["kind"] == "error"]
        t.check(errors and errors[0]["error"] == "host-unreachable"
                and "10.9.0.1" in run.stderr, "an unreachable host is explained", (errors, run.stderr))
    finally:
        if server is not None:
            server.stop()
        ip("netns", "del", ns_a, check=False)
        ip("netns", "del", ns_b, check=False)
        if os.environ.get("HS_KEEP_TMP") is None:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("# kept " + tmp)
    t.finish()


if __name__ == "__main__":
    sys.exit(main())
