#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The class server with clients that are not Handshake (nc, Python
sockets, a burst of 200 from another process, malformed and hostile
input), the connection cap, and the client against servers that are not
Handshake (python3 -m http.server, nc -l). Only loopback addresses.

Usage: test-class-interop.py HANDSHAKE_CLI"""

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from classlib import Checker, Server, connection_ids, read_trace, states, wait_for  # noqa: E402

BURST = 200
BURST_CLIENTS = r"""
import socket, sys
port = int(sys.argv[1]); n = int(sys.argv[2])
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"student %d\n" % i)
    socks.append(s)
for s in socks:
    s.close()
print(n)
"""


def client_ports(events, connections, ids):
    return {int(connections[i]["client"].rsplit(":", 1)[1]) for i in ids if i in connections}


def received(events, connection):
    return [e for e in events if e["kind"] == "app" and e["action"] == "receive"
            and e["connection"] == connection]


def main():
    cli = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="hs-interop-")
    t = Checker()
    servers = []
    procs = []
    try:
        server = Server(cli, "0", os.path.join(tmp, "server.jsonl"))
        servers.append(server)
        port = server.listen_port()
        baseline = server.fd_count()

        # nc, as a student would type it.
        if shutil.which("nc"):
            nc = subprocess.run(["nc", "-N", "127.0.0.1", str(port)], input=b"hello from nc\n",
                                capture_output=True, timeout=20)
            t.check(nc.returncode == 0, "nc connected and closed", nc.stderr)
        else:
            t.check(False, "nc (netcat-openbsd, build-aux/packages.txt) is installed")

        # Python clients: text, invalid UTF-8, a 1 MB line, connect and
        # vanish, a reset right after the handshake.
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"\xff\xfe\xfd not UTF-8\n")
        s.close()
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"x" * (1024 * 1024) + b"\n")
        s.close()
        socket.create_connection(("127.0.0.1", port)).close()
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        # A reset during the handshake: a non-blocking connect closed with
        # SO_LINGER 0 at once.
        s = socket.socket()
        s.setblocking(False)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        s.close()

        # Slowloris: a client that sends one byte and stays; the server
        # must keep serving everyone else meanwhile.
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"s")

        # The burst: 200 clients from another process.
        events_before, _ = server.trace()
        ids_before = connection_ids(events_before)
        start = time.monotonic()
        burst = subprocess.run([sys.executable, "-c", BURST_CLIENTS, str(port), str(BURST)],
                               capture_output=True, text=True, timeout=60)
        t.check(burst.returncode == 0, "200 clients connected, sent and closed", burst.stderr)

        # The burst's connections are the ones that received "student N".
        def burst_ids(events):
            ids = {}
            for e in events:
                if e["kind"] == "app" and e["action"] == "receive" and e.get("data", "").startswith('"student '):
                    ids[e["connection"]] = e["data"]
            return ids

        def burst_recorded():
            events, _ = server.trace()
            ids = burst_ids(events)
            done = [i for i in ids if (states(events, i, "server") or [""])[-1] == "CLOSED"]
            return len(ids) >= BURST and len(done) >= BURST and ids
        try:
            ids = wait_for(burst_recorded, "all 200 connections to be recorded and closed", 30)
            t.check(True, "every one of the 200 connections is in the trace, each closed (%.2f s)"
                    % (time.monotonic() - start))
        except AssertionError as e:
            ids = burst_ids(server.trace()[0])
            t.check(False, "every one of the 200 connections is in the trace", "%s: %d" % (e, len(ids)))
        events, _ = server.trace()
        flags = {}
        for e in events:
            if e["kind"] == "segment" and e["connection"] in ids:
                flags.setdefault(e["connection"], set()).add(e["flags"])
        t.check(len([f for f in flags.values() if {"SYN", "SYN, ACK", "FIN, ACK"} <= f]) == BURST,
                "each of the 200 connections has its handshake and close in the trace")
        t.check(len(set(ids.values())) == BURST and not (set(ids) & ids_before),
                "each of the 200 clients is its own connection with its own text", len(set(ids.values())))

        slow.sendall(b"low\n")
        slow.close()

        # A flood: one client sends 32 MB as fast as it can. Meanwhile a
        # newcomer is accepted and its line recorded promptly: the flood
        # is read a slice per main-loop dispatch, not all at once.
        flood = socket.create_connection(("127.0.0.1", port))
        stop_flood = threading.Event()

        def pour():
            chunk = b"z" * 65536
            try:
                for _ in range(512):
                    if stop_flood.is_set():
                        break
                    flood.sendall(chunk)
            except OSError:
                pass
        pourer = threading.Thread(target=pour)
        pourer.start()
        time.sleep(0.05)
        events_before, _ = server.trace()
        ids_before = connection_ids(events_before)
        started = time.monotonic()
        newcomer = socket.create_connection(("127.0.0.1", port), timeout=10)
        newcomer.sendall(b"during the flood\n")
        try:
            wait_for(lambda: any(e["kind"] == "app" and e["action"] == "receive"
                                 and e["connection"] not in ids_before
                                 and "during the flood" in e.get("data", "")
                                 for e in server.trace()[0]), "the newcomer's line", 10)
            t.check(True, "a newcomer is served during a flood (%.2f s)" % (time.monotonic() - started))
        except AssertionError as e:
            t.check(False, "a newcomer is served during a flood", e)
        stop_flood.set()
        pourer.join()
        flood.close()
        newcomer.close()

        # Every descriptor the clients cost is given back.
        try:
            wait_for(lambda: server.fd_count() <= baseline, "descriptors back to the baseline", 20)
            t.check(True, "descriptors back to the baseline (%d)" % baseline)
        except AssertionError:
            t.check(False, "descriptors back to the baseline", (baseline, server.fd_count()))

        events, connections = server.trace()
        datas = [e.get("data", "") for e in events if e["kind"] == "app" and e["action"] == "receive"]
        t.check(any(d == '"hello from nc\\n"' for d in datas), "nc's line was received", datas[:3])
        t.check(any(d.startswith("ff fe fd") for d in datas), "invalid UTF-8 is shown as hex")
        t.check(any("not kept" in e.get("text", "") for e in events if e["kind"] == "app"),
                "the 1 MB line is cut at the per-connection limit")
        t.check(any(d.endswith('…"') for d in datas), "a long line is cut with a mark")
        resets = [e for e in events if e["kind"] == "app" and e["action"] == "reset"]
        t.check(len(resets) >= 1, "a client's reset is recorded", len(resets))
        rc, err = server.stop()
        servers.remove(server)
        t.check(rc == 0, "serve ended cleanly", err)
        with open(server.out, encoding="utf-8") as f:
            first = json.loads(f.readline())
        t.check(first.get("capture") == ("captured" if os.geteuid() == 0 else "inferred"),
                "the trace's first line says whether segments are captured", first)
        events, _ = read_trace(server.out)
        t.check(events[-1]["kind"] == "state" and events[-1]["to"] == "CLOSED",
                "the listener's close is the last event written")

        # The cap: the third client is told the server is full.
        capped = Server(cli, "0", os.path.join(tmp, "capped.jsonl"), extra=["--max-connections", "2"])
        servers.append(capped)
        cport = capped.listen_port()
        held = [socket.create_connection(("127.0.0.1", cport)) for _ in range(2)]
        wait_for(lambda: len(connection_ids(capped.trace()[0])) == 2, "two accepted connections")
        third = socket.create_connection(("127.0.0.1", cport), timeout=10)
        reply = b""
        while True:
            chunk = third.recv(4096)
            if not chunk:
                break
            reply += chunk
        third.close()
        t.check(b"full" in reply and b"2 connections" in reply, "a client over the cap is told why",
                reply)
        try:
            wait_for(lambda: any(e["kind"] == "error" and "Refused" in e["message"]
                                 for e in capped.trace()[0]), "the refusal in the trace")
            t.check(True, "the refusal is in the trace")
        except AssertionError as e:
            t.check(False, "the refusal is in the trace", e)
        for h in held:
            h.close()
        rc, err = capped.stop(signal.SIGTERM)
        servers.remove(capped)
        events, _ = read_trace(capped.out)
        t.check(rc == 0 and events[-1]["kind"] == "state" and events[-1]["to"] == "CLOSED",
                "SIGTERM ends serve cleanly, everything written", err)

        # Out of descriptors: a server allowed 64 open files and 90 clients.
        # It must not spin on its readable listener, and the clients left
        # waiting in the backlog are served once others leave.
        if shutil.which("prlimit"):
            limited = Server(cli, "0", os.path.join(tmp, "limited.jsonl"),
                             extra=["--max-connections", "1000"], prefix=["prlimit", "--nofile=64"])
            servers.append(limited)
            lport = limited.listen_port()
            crowd = []
            for i in range(90):
                c = socket.create_connection(("127.0.0.1", lport), timeout=10)
                c.sendall(b"crowd %d\n" % i)
                crowd.append(c)

            def crowd_lines():
                return {e["data"] for e in limited.trace()[0]
                        if e["kind"] == "app" and e["action"] == "receive"
                        and e.get("data", "").startswith('"crowd ')}
            wait_for(lambda: len(crowd_lines()) >= 40, "the first of the crowd")

            def cpu_ticks():
                with open("/proc/%d/stat" % limited.proc.pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                return int(fields[11]) + int(fields[12])
            before = cpu_ticks()
            time.sleep(1.0)
            spent = (cpu_ticks() - before) / os.sysconf("SC_CLK_TCK")
            t.check(spent < 0.5, "out of descriptors, the server waits instead of spinning (%.2f s of CPU "
                    "in 1 s)" % spent)
            for c in crowd[:45]:
                c.close()
            try:
                wait_for(lambda: len(crowd_lines()) == 90, "the rest of the crowd", 20)
                t.check(True, "the clients left waiting are served once others leave")
            except AssertionError:
                t.check(False, "the clients left waiting are served once others leave",
                        len(crowd_lines()))
            for c in crowd[45:]:
                c.close()
            limited.stop()
            servers.remove(limited)

            # A desktop's limits (a soft limit of 1,024 under a far higher
            # hard one), scaled down: the server raises its soft limit as
            # far as its cap needs, so a class larger than the soft limit
            # is accepted whole.
            roomy = Server(cli, "0", os.path.join(tmp, "roomy.jsonl"),
                           extra=["--max-connections", "300"], prefix=["prlimit", "--nofile=128:4096"])
            servers.append(roomy)
            rport = roomy.listen_port()
            class_ = [socket.create_connection(("127.0.0.1", rport), timeout=10) for _ in range(200)]
            try:
                wait_for(lambda: len(connection_ids(roomy.trace()[0])) == 200,
                         "a class larger than the soft limit", 20)
                t.check(True, "a class larger than the soft limit on descriptors is accepted whole")
            except AssertionError:
                t.check(False, "a class larger than the soft limit on descriptors is accepted whole",
                        len(connection_ids(roomy.trace()[0])))
            for c in class_:
                c.close()
            roomy.stop()
            servers.remove(roomy)

        # Address in use, and (as another user) a port below 1024.
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        r = subprocess.run([cli, "serve", "127.0.0.1:%d" % busy.getsockname()[1]],
                           capture_output=True, text=True, timeout=20)
        t.check(r.returncode == 1 and "in use" in r.stderr, "address in use is explained", r.stderr)
        busy.close()
        if os.geteuid() == 0 and shutil.which("setpriv"):
            r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", cli,
                                "serve", "80"], capture_output=True, text=True, timeout=20)
            t.check(r.returncode == 1 and "1024" in r.stderr, "a port below 1024 is explained",
                    r.stderr)
        r = subprocess.run([cli, "serve", "0.0.0.0:5005", "--format", "xml"], capture_output=True,
                           text=True, timeout=20)
        t.check(r.returncode == 2, "a bad format is a usage error", r.stderr)
        # A bad address: what was wrong, in a sentence, then the usage line.
        for address, words in (("1.2.3.4:", "“1.2.3.4:” gives no port"),
                               ("[::1]5005", "“[::1]5005” is not understood"),
                               ("65536", "“65536” is not a port")):
            r = subprocess.run([cli, "serve", address], capture_output=True, text=True, timeout=20)
            lines = r.stderr.splitlines()
            t.check(r.returncode == 2 and len(lines) == 2 and words in lines[0]
                    and "serve needs one [ADDRESS:]PORT" in lines[1],
                    "serve %s is a usage error that says why" % address, r.stderr)

        # The client against servers that are not Handshake.
        http = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
                                 "--directory", tmp], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True)
        procs.append(http)
        line = http.stdout.readline()
        hport = int(line.split(" port ")[1].split()[0])
        scenario = os.path.join(tmp, "http.scenario")
        with open(scenario, "w") as f:
            f.write('connect 127.0.0.1:%d\nsend client "GET / HTTP/1.0\\r\\n\\r\\n"\nwait 500ms\n'
                    'close client\n' % hport)
        r = subprocess.run([cli, "run", scenario, "--format", "jsonl"], capture_output=True, text=True,
                           timeout=60)
        lines = [__import__("json").loads(x) for x in r.stdout.splitlines()][1:]
        got = "".join(e.get("data", "") for e in lines if e["kind"] == "app" and e["action"] == "receive")
        t.check(r.returncode == 0 and "HTTP/1.0 200" in got, "the client talks to python3 -m http.server",
                r.stderr)
        t.check("ESTABLISHED" in states(lines, 1, "client", "kernel"), "the client's states are the kernel's")
        if os.geteuid() == 0:
            segments = [e for e in lines if e["kind"] == "segment"]
            t.check(segments and all(e["provenance"] == "captured" and e["seq_absolute"] for e in segments)
                    and any(e["len"] > 0 and e["direction"] == "server->client" for e in segments),
                    "as root the client captures its segments, the server's reply among them",
                    [(e["flags"], e["provenance"]) for e in segments][:6])
        http.terminate()
        http.wait()
        procs.remove(http)

        if shutil.which("nc"):
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            nport = probe.getsockname()[1]
            probe.close()
            listener = subprocess.Popen(["nc", "-l", "127.0.0.1", str(nport)], stdout=subprocess.PIPE)
            procs.append(listener)
            wait_for(lambda: subprocess.run(["ss", "-Htln", "sport = :%d" % nport], capture_output=True,
                                            text=True).stdout.strip(), "nc -l to listen")
            with open(scenario, "w") as f:
                f.write('connect 127.0.0.1:%d\nsend client "hello nc"\nclose client\n' % nport)
            r = subprocess.run([cli, "run", scenario, "--format", "jsonl"], capture_output=True,
                               text=True, timeout=60)
            out, _ = listener.communicate(timeout=20)
            procs.remove(listener)
            t.check(r.returncode == 0 and out == b"hello nc", "the client talks to nc -l", (r.stderr, out))
    finally:
        for s in servers:
            try:
                s.stop()
            except AssertionError:
                pass
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    t.finish()


if __name__ == "__main__":
    sys.exit(main())
