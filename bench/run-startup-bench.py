#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cold start to first frame: spawns the real application (under the
current display) with HANDSHAKE_QUIT_AFTER_FIRST_FRAME set, and measures the
wall time from spawn to the "first-frame" line it prints after GTK painted
its first frame. The first run is the coldest (files not yet in the page
cache only on a fresh boot); the median of the rest is reported too.

Usage (inside a display):
  xvfb-run -a -s '-screen 0 1920x1080x24' bench/run-startup-bench.py _build/src/ui/handshake [RUNS]
"""

import os
import statistics
import subprocess
import sys
import time


def one_run(program, env):
    start = time.monotonic()
    proc = subprocess.Popen([program], env=env, stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.strip() == "first-frame":
            elapsed = time.monotonic() - start
            break
    else:
        raise SystemExit("the application never reported its first frame")
    proc.wait(timeout=10)
    return elapsed


def main():
    program = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    env = dict(os.environ, HANDSHAKE_QUIT_AFTER_FIRST_FRAME="1", GSETTINGS_BACKEND="memory")
    times = [one_run(program, env) for _ in range(runs)]
    print(f"first run: {times[0] * 1000:.0f} ms")
    print(f"median of {runs - 1} warm runs: {statistics.median(times[1:]) * 1000:.0f} ms, "
          f"max {max(times[1:]) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
