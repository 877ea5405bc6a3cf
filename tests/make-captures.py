#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Captures real TCP connections with Debian's tcpdump, dumpcap and tshark.

Usage: make-captures.py OUTDIR

In a private network namespace (as root `unshare --net`, otherwise an
unprivileged `unshare -rn`) with only `lo` up, each tool captures on `lo`
(and tcpdump also on "any", which writes Linux cooked v2 headers) while a
client opens a connection to a server, sends "hello", and both close: the
client first. Writes tcpdump-lo.pcap, tcpdump-any.pcap, dumpcap-lo.pcapng
and tshark-lo.pcapng into OUTDIR (those whose tool is installed) and prints
their names. Exits 77 (skip) when no namespace can be made or no tool is
there. Everything lives in the namespace and ends with this script.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

PORT = 5005


def send_until_in_file(proc, path, marker):
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    deadline = time.monotonic() + 30
    try:
        while True:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("%s does not write its capture" % proc.args[0])
            probe.sendto(marker, ("127.0.0.1", PORT + 1))
            time.sleep(0.05)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    if marker in f.read():
                        return
    finally:
        probe.close()


def in_namespace(outdir):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    tools = []
    if shutil.which("tcpdump"):
        tools.append(("tcpdump-lo.pcap", ["tcpdump", "-i", "lo", "-U", "-w"]))
        tools.append(("tcpdump-any.pcap", ["tcpdump", "-i", "any", "-U", "-w"]))
    if shutil.which("dumpcap"):
        tools.append(("dumpcap-lo.pcapng", ["dumpcap", "-q", "-i", "lo", "-w"]))
    if shutil.which("tshark"):
        tools.append(("tshark-lo.pcapng", ["tshark", "-q", "-i", "lo", "-F", "pcapng", "-w"]))
    if not tools:
        print("neither tcpdump, dumpcap nor tshark is installed")
        return 77

    written = []
    for name, argv in tools:
        path = os.path.join(outdir, name)
        if os.path.exists(path):
            os.unlink(path)
        proc = subprocess.Popen(argv + [path, "tcp port %d or udp port %d" % (PORT, PORT + 1)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # A tool says "listening" a moment before packets really reach
            # its file, and writes them in bursts: UDP probes go out until
            # one is in the file (with a deadline, never a fixed sleep). They
            # stay in the capture, as a real capture's other traffic would.
            send_until_in_file(proc, path, b"start-of-lesson")

            server = socket.socket()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", PORT))
            server.listen(1)
            client = socket.create_connection(("127.0.0.1", PORT))
            conn, _ = server.accept()
            client.sendall(b"hello")
            assert conn.recv(5) == b"hello"
            client.close()
            assert conn.recv(1) == b""
            conn.close()
            server.close()

            # Packets reach the file in order: once a probe sent after the
            # last ACK is there, the whole connection is.
            send_until_in_file(proc, path, b"end-of-lesson")
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        written.append(name)
    print("\n".join(written))
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--in-namespace":
        return in_namespace(sys.argv[2])
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = os.path.abspath(sys.argv[1])
    os.makedirs(outdir, exist_ok=True)
    unshare = shutil.which("unshare")
    if unshare is None:
        print("unshare is not installed")
        return 77
    prefix = [unshare, "--net"] if os.geteuid() == 0 else [unshare, "-rn"]
    probe = subprocess.run(prefix + ["true"], capture_output=True)
    if probe.returncode != 0:
        print("cannot make a network namespace here: %s" % probe.stderr.decode().strip())
        return 77
    return subprocess.run(prefix + [sys.executable, __file__, "--in-namespace", outdir]).returncode


if __name__ == "__main__":
    sys.exit(main())
