#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks `handshake-cli open` on the capture files kept in tests/captures.

Usage: check-capture-cli.py HANDSHAKE_CLI CAPTURES_DIR

Runs the real program and checks what a user reads: the table, JSON Lines,
the list of connections, the choice of a connection in a file that holds
two, an SVG, and the messages and exit statuses for a truncated file, a file
that is not a capture, and a connection that is not there.
"""

import json
import os
import struct
import subprocess
import sys
import tempfile

FAILURES = []
CHECKS = []


def check(condition, what):
    print(("ok: " if condition else "FAILED: ") + what)
    CHECKS.append(what)
    if not condition:
        FAILURES.append(what)


def run(cli, *args):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="")
    proc = subprocess.run([cli, "open", *args], capture_output=True, text=True, env=env,
                          timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def pcap_records(path):
    """The global header and (header, data) records of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    header, records, offset = data[:24], [], 24
    while offset < len(data):
        sec, usec, caplen, length = struct.unpack_from("<IIII", data, offset)
        records.append(((sec, usec, caplen, length), data[offset + 16:offset + 16 + caplen]))
        offset += 16 + caplen
    return header, records


def main():
    cli, captures = sys.argv[1], sys.argv[2]
    lab = os.path.join(captures, "lab-open-data-close.pcap")
    ng = os.path.join(captures, "dumpcap-lo.pcapng")

    with tempfile.TemporaryDirectory() as tmp:
        # The table: the lesson's segments, captured, and inferred states.
        status, out, err = run(cli, lab)
        check(status == 0 and err == "", "open prints the table without complaint")
        check("SYN seq=0" in out and "SYN, ACK seq=0 ack=1" in out, "the handshake is in the table")
        check(out.count("[captured]") == 9, "nine captured segments")
        check("LAST_ACK -> CLOSED  [inferred]" in out, "states are labelled inferred")

        # JSON Lines: one object a line, the trace on network "capture".
        status, out, err = run(cli, ng, "--format", "jsonl", "--labels", "absolute")
        lines = [json.loads(line) for line in out.splitlines()]
        check(status == 0 and lines[0]["network"] == "capture", "jsonl names the network capture")
        segments = [e for e in lines[1:] if e["kind"] == "segment"]
        states = [e for e in lines[1:] if e["kind"] == "state"]
        check(len(segments) == 8 and all(s["provenance"] == "captured" for s in segments),
              "jsonl holds the eight captured segments")
        check(segments[0]["seq_absolute"] and segments[0]["seq"] == lines[0]["connections"][0]["client_isn"],
              "the SYN carries the absolute ISN")
        check(all(s["source"] == "inferred" for s in states), "jsonl states are inferred")

        # A file with two connections: the list on stderr, the first shown.
        header, records = pcap_records(lab)
        two = os.path.join(tmp, "two.pcap")
        with open(two, "wb") as f:
            f.write(header)
            for shift in (0, 10):
                for (sec, usec, caplen, length), data in records:
                    f.write(struct.pack("<IIII", sec + shift, usec, caplen, length) + data)
        status, out, err = run(cli, two)
        check(status == 0 and "showing stream 0" in err and "STREAM" in err,
              "several connections: the list and a note on stderr")
        check(out.count("[captured]") == 9, "several connections: the first is shown")
        status, out, err = run(cli, two, "--list")
        check(status == 0 and len(out.splitlines()) == 3 and out.splitlines()[2].split()[0] == "1",
              "--list prints both connections")
        status, out, err = run(cli, two, "--stream", "1")
        check(status == 0 and err == "" and out.count("[captured]") == 9, "--stream 1 shows the second")
        status, out, err = run(cli, two, "--stream", "5")
        check(status == 2 and "There is no connection 5 in two.pcap" in err,
              "a connection that is not there is a usage error, in words")

        # A truncated file: what could be read, a message, exit status 1.
        cut = os.path.join(tmp, "cut.pcap")
        with open(lab, "rb") as f:
            data = f.read()
        with open(cut, "wb") as f:
            f.write(data[:-10])
        status, out, err = run(cli, cut)
        check(status == 1 and "The capture ends in the middle of a packet: showing the 8 packets "
              "before it." in err, "a truncated file is reported in words")
        check(out.count("[captured]") == 8, "a truncated file still shows what came before")

        # Not a capture at all.
        text = os.path.join(tmp, "notes.txt")
        with open(text, "w") as f:
            f.write("hello\n")
        status, out, err = run(cli, text)
        check(status == 1 and "notes.txt is not a packet capture" in err and out == "",
              "a text file is not a packet capture")

        # A diagram for slides, its labels kept as text.
        svg = os.path.join(tmp, "lesson.svg")
        status, out, err = run(cli, lab, "--format", "svg", "-o", svg)
        with open(svg, encoding="utf-8") as f:
            drawing = f.read()
        check(status == 0 and "<text" in drawing and "FIN" in drawing, "svg export of a capture")

    print("%d checks passed, %d failed" % (len(CHECKS) - len(FAILURES), len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
