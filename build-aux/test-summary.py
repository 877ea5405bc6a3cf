#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Summarises a meson testlog.json (one JSON object per line).

The last line printed is always "N passed, N failed, N skipped". Exits 1 when
any test failed, 0 otherwise.
"""

import json
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
FAILED = {"FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS", "INTERRUPT"}
SKIPPED = {"SKIP"}


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} TESTLOG.json", file=sys.stderr)
        return 2

    passed, failed, skipped = [], [], []
    try:
        with open(argv[1], encoding="utf-8") as log:
            for number, line in enumerate(log, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    entry = json.loads(line)
                    name, result = entry["name"], entry["result"]
                except (ValueError, KeyError, TypeError) as error:
                    # A log we cannot read must not pass for a green run.
                    failed.append((f"{argv[1]}:{number}", f"unreadable entry ({error})"))
                    continue
                if result in PASSED:
                    passed.append(name)
                elif result in SKIPPED:
                    skipped.append(name)
                else:
                    # FAILED and any result this script does not know yet.
                    failed.append((name, result))
    except OSError as error:
        print(f"no test log: {error}")
        failed.append((argv[1], "missing"))

    if skipped:
        print("Skipped: " + ", ".join(skipped))
    for name, result in failed:
        print(f"FAILED: {name} ({result})")
    print(f"{len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
