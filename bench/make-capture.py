#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes large pcap files for timing `handshake-cli open` (docs/performance.md).

Usage: make-capture.py many OUT.pcap [PACKETS]   many short connections
       make-capture.py long OUT.pcap [PACKETS]   one connection, mostly data

Raw IPv4 (LINKTYPE_RAW) packets with correct lengths (checksums are not
computed: Handshake, like Wireshark by default, does not check them). A
"many" connection is a lesson's nine segments: handshake, 5 bytes of data
and its ACK, the four-way close, each connection from its own client port.
"""

import struct
import sys

SYN, FIN, RST, PSH, ACK = 2, 1, 4, 8, 16


def ip_tcp(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                      5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                     bytes(src), bytes(dst))
    return ip + tcp


def write(path, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
        for i, data in enumerate(packets):
            t = 1_700_000_000_000_000 + i * 100
            f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(data), len(data)))
            f.write(data)


def lesson(sport, c=(10, 0, 0, 1), s=(10, 0, 0, 2), dport=5005):
    x, y = 1000 + sport * 7, 50000 + sport * 13
    return [
        ip_tcp(c, s, sport, dport, x, 0, SYN),
        ip_tcp(s, c, dport, sport, y, x + 1, SYN | ACK),
        ip_tcp(c, s, sport, dport, x + 1, y + 1, ACK),
        ip_tcp(c, s, sport, dport, x + 1, y + 1, PSH | ACK, b"hello"),
        ip_tcp(s, c, dport, sport, y + 1, x + 6, ACK),
        ip_tcp(c, s, sport, dport, x + 6, y + 1, FIN | ACK),
        ip_tcp(s, c, dport, sport, y + 1, x + 7, ACK),
        ip_tcp(s, c, dport, sport, y + 1, x + 7, FIN | ACK),
        ip_tcp(c, s, sport, dport, x + 7, y + 2, ACK),
    ]


def main():
    kind, path = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    packets = []
    if kind == "many":
        port = 10000
        while len(packets) < n:
            packets += lesson(port)
            port += 1
            if port > 65000:
                port = 10000
        packets = packets[:n]
    else:
        c, s = (10, 0, 0, 1), (10, 0, 0, 2)
        first = lesson(40000)
        packets = first[:3]
        x, y = 1000 + 40000 * 7 + 1, 50000 + 40000 * 13 + 1
        while len(packets) < n - 4:
            packets.append(ip_tcp(c, s, 40000, 5005, x, y, PSH | ACK, b"x" * 1000))
            x += 1000
            packets.append(ip_tcp(s, c, 5005, 40000, y, x, ACK))
        packets += [ip_tcp(c, s, 40000, 5005, x, y, FIN | ACK), ip_tcp(s, c, 5005, 40000, y, x + 1, ACK),
                    ip_tcp(s, c, 5005, 40000, y, x + 1, FIN | ACK), ip_tcp(c, s, 40000, 5005, x + 1, y + 1, ACK)]
    write(path, packets)
    print("%s: %d packets" % (path, len(packets)))


if __name__ == "__main__":
    main()
