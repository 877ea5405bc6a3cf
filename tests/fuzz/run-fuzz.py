#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Builds the capture reader's libFuzzer target with clang and runs it.

Usage: run-fuzz.py SOURCE_ROOT BUILD_DIR [--seconds N] [--fuzzer PATH]

Without --fuzzer the target is compiled here with
`clang -fsanitize=fuzzer,address,undefined` from the reader's sources (the
project's own build may use gcc, which has no libFuzzer), into
BUILD_DIR/fuzz/. It then runs for N seconds (default 25) over a corpus
seeded with tests/captures/* and tests/fuzz/corpus/*. A crash, a leak or a
failed assertion fails the run; the input that caused it is printed in
base64 so that it can be saved (in tests/fuzz/corpus/, which seeds later
runs) and replayed (`fuzz-capture FILE`). Exits 77 (skip) when clang or its
libFuzzer runtime (Debian: clang, libclang-rt-dev) is not installed.
"""

import argparse
import base64
import glob
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

SOURCES = [
    "src/net/hs-capture.c",
    "src/core/hs-segment.c",
    "src/core/hs-trace.c",
    "src/core/hs-tcp-state.c",
    "src/core/hs-labels.c",
    "src/core/hs-trace-format.c",
    "tests/fuzz/fuzz-capture.c",
]


def skip(reason):
    print("SKIP: " + reason)
    sys.exit(77)


def build(root, build_dir):
    clang = shutil.which("clang") or shutil.which("clang-14")
    if clang is None:
        skip("clang is not installed (Debian: clang, libclang-rt-dev)")
    out_dir = os.path.join(build_dir, "fuzz")
    os.makedirs(out_dir, exist_ok=True)
    target = os.path.join(out_dir, "fuzz-capture")
    sources = [os.path.join(root, s) for s in SOURCES]
    if os.path.exists(target) and all(os.path.getmtime(s) < os.path.getmtime(target)
                                      for s in sources):
        return target

    # libFuzzer is there when a trivial target links.
    with tempfile.TemporaryDirectory() as tmp:
        probe = os.path.join(tmp, "probe.c")
        with open(probe, "w") as f:
            f.write("#include <stdint.h>\n#include <stddef.h>\n"
                    "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)"
                    "{ (void) d; (void) n; return 0; }\n")
        if subprocess.run([clang, "-fsanitize=fuzzer", probe, "-o", os.path.join(tmp, "p")],
                          capture_output=True).returncode != 0:
            skip("clang's libFuzzer runtime is not installed (Debian: libclang-rt-dev)")

    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "glib-2.0", "gobject-2.0",
                            "gio-2.0", "libpcap"], capture_output=True, text=True, check=True)
    argv = [clang, "-g", "-O1", "-fsanitize=fuzzer,address,undefined",
            "-fno-sanitize-recover=undefined", "-DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74",
            "-DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74",
            "-I" + build_dir, "-I" + os.path.join(root, "src/core"),
            "-I" + os.path.join(root, "src/net"), *sources, "-o", target,
            *shlex.split(flags.stdout), "-lm"]
    print(" ".join(argv))
    subprocess.run(argv, check=True)
    return target


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("build_dir")
    parser.add_argument("--seconds", type=int, default=25)
    parser.add_argument("--fuzzer")
    args = parser.parse_args()

    fuzzer = args.fuzzer or build(args.root, args.build_dir)
    # The kept captures, and inputs that once found a bug.
    seeds = sorted(glob.glob(os.path.join(args.root, "tests", "captures", "*.pcap*")) +
                   glob.glob(os.path.join(args.root, "tests", "fuzz", "corpus", "*")))

    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus")
        os.makedirs(corpus)
        for seed in seeds:
            shutil.copy(seed, corpus)
        env = dict(os.environ)
        # The type system's registrations live as long as the process.
        env.setdefault("LSAN_OPTIONS", "suppressions=" +
                       os.path.join(args.root, "tests", "lsan.supp"))
        proc = subprocess.run([fuzzer, corpus, "-max_total_time=%d" % args.seconds,
                               "-max_len=16384", "-timeout=10", "-rss_limit_mb=2048",
                               "-print_final_stats=1", "-artifact_prefix=" + tmp + "/"],
                              env=env, capture_output=True, text=True)
        print(proc.stderr[-6000:])
        if proc.returncode != 0:
            for artifact in glob.glob(os.path.join(tmp, "crash-*") + "") + \
                    glob.glob(os.path.join(tmp, "leak-*")) + glob.glob(os.path.join(tmp, "timeout-*")):
                with open(artifact, "rb") as f:
                    print("%s (base64): %s" % (os.path.basename(artifact),
                                               base64.b64encode(f.read()).decode()))
            print("the fuzzer found a problem (exit status %d)" % proc.returncode)
            return 1
        print("fuzzed %d s over %d seeds without a crash" % (args.seconds, len(seeds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
