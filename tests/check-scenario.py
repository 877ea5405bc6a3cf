#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs one scenario with handshake-cli and compares its trace with the
expected sequence of segments, states and errors (app actions are left out:
they say what the program did, not what TCP did).

Usage: check-scenario.py HANDSHAKE_CLI SCENARIO EXPECTED [--in-new-netns] [extra cli args]

--in-new-netns runs the CLI in a network namespace of its own that has only
a loopback interface, down (unshare -rn): a host with no route anywhere.

Expected lines: "c SYN 0/0" (sender, flags, relative seq/ack, "len N" when
there is payload), "s CLOSE_WAIT" (endpoint and new state), "c error KIND".
"""

import json
import os
import subprocess
import sys


def summarize(event):
    kind = event["kind"]
    if kind == "segment":
        side = "c" if event["direction"] == "client->server" else "s"
        line = f'{side} {event["flags"]} {event["rel_seq"]}/{event["rel_ack"]}'
        if event["len"]:
            line += f' len {event["len"]}'
        if event["retransmission"]:
            line += f' rtx {event["retransmission"]}'
        return line
    side = "c" if event.get("endpoint") == "client" else "s"
    if kind == "state":
        return f'{side} {event["to"]}'
    if kind == "error":
        return f'{side} error {event["error"]}'
    return None


def main():
    cli, scenario, expected_path = sys.argv[1:4]
    extra = sys.argv[4:]
    prefix = []
    if "--in-new-netns" in extra:
        extra.remove("--in-new-netns")
        prefix = ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "-rn"]
        probe = subprocess.run(prefix + ["true"], capture_output=True, text=True)
        if probe.returncode != 0:
            print(f"SKIP: cannot create a network namespace ({probe.stderr.strip()})")
            return 77
    with open(expected_path, encoding="utf-8") as f:
        expected = [line.strip() for line in f if line.strip() and not line.startswith("#")]

    proc = subprocess.run(prefix + [cli, "run", scenario, "--format", "jsonl", *extra],
                          capture_output=True, text=True, timeout=300)
    sys.stderr.write(proc.stderr)
    # Exit status 3: the network asked for cannot run here (the lab without
    # user namespaces or /dev/net/tun, say). That is a skip, with the reason.
    if proc.returncode == 3:
        print("SKIP:", proc.stderr.strip())
        return 77
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if not lines or lines[0].get("kind") != "trace":
        print("no trace header in the output", file=sys.stderr)
        return 1

    header, events = lines[0], lines[1:]
    got = [s for s in (summarize(e) for e in events) if s is not None]

    status = 0
    if got != expected:
        print("trace differs from", expected_path, file=sys.stderr)
        width = max(len(x) for x in expected + got + ["expected"])
        print(f'{"expected":<{width}}  got', file=sys.stderr)
        for i in range(max(len(expected), len(got))):
            a = expected[i] if i < len(expected) else ""
            b = got[i] if i < len(got) else ""
            mark = "  " if a == b else "!="
            print(f"{a:<{width}}{mark}{b}", file=sys.stderr)
        status = 1

    # Every event index is in order and time never runs backwards.
    for i, e in enumerate(events):
        if e["index"] != i:
            print(f"event {i} has index {e['index']}", file=sys.stderr)
            status = 1
        if i and e["time_us"] < events[i - 1]["time_us"]:
            print(f"event {i} goes back in time", file=sys.stderr)
            status = 1

    # Where our own server accepted, the client's SYN is the one the kernel
    # saved: captured, with the absolute ISN the header reports. On the
    # simulated network the SYN is the model's, simulated, with the ISN known.
    accepted = {e["connection"] for e in events
                if e["kind"] == "app" and e["action"] == "accept"}
    for conn in header["connections"]:
        if conn["id"] not in accepted:
            continue
        syns = [e for e in events if e["kind"] == "segment" and e["connection"] == conn["id"]
                and e["flags"] == "SYN"]
        if not syns or syns[-1]["provenance"] not in ("captured", "simulated"):
            print(f"connection {conn['id']}: the SYN is not captured", file=sys.stderr)
            status = 1
        elif conn["client_isn"] is None or syns[-1]["seq"] != conn["client_isn"] \
                or not syns[-1]["seq_absolute"]:
            print(f"connection {conn['id']}: SYN seq {syns[-1]['seq']} is not the ISN "
                  f"{conn['client_isn']}", file=sys.stderr)
            status = 1

    # A SYN the kernel (or the model) sends again after its initial RTO of
    # 1 s: the first retransmission comes 0.8 to 1.6 s after the original.
    if header.get("network") in ("lab", "sim"):
        for e in events:
            if e["kind"] != "segment" or e["flags"] != "SYN" or e["retransmission"] != 1:
                continue
            original = next((o for o in events if o["kind"] == "segment"
                             and o["connection"] == e["connection"] and o["flags"] == "SYN"
                             and o["direction"] == e["direction"] and o["retransmission"] == 0),
                            None)
            if original is None:
                continue
            delay = (e["time_us"] - original["time_us"]) / 1e6
            if not 0.8 <= delay <= 1.6:
                print(f"the SYN was retransmitted after {delay:.3f} s, not 0.8 to 1.6 s",
                      file=sys.stderr)
                status = 1

    if proc.returncode not in (0,):
        print(f"handshake-cli exited with {proc.returncode}", file=sys.stderr)
        status = 1

    print("ok" if status == 0 else "FAILED", scenario)
    return status


if __name__ == "__main__":
    sys.exit(main())
