#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Times socket-table refreshes with 10,000 unrelated TCP connections present,
# inside a private network namespace so that the host's table is neither
# disturbed nor counted. Everything (namespace, sockets, temporary files)
# goes away when the script ends, however it ends.
#
# Usage: bench/run-sock-diag-bench.sh [BUILD_DIR] [bench options…]
#   e.g. bench/run-sock-diag-bench.sh _build --connections 10000 --callgrind
# As root it uses `unshare --net`; otherwise `unshare -rn` (a user namespace),
# where the open-file limit may not rise far enough for 20,000 sockets:
# pass a smaller --connections then.

set -eu

build_dir=${1:-_build}
[ $# -gt 0 ] && shift
bench="$build_dir/bench/bench-sock-diag"

if [ ! -x "$bench" ]; then
  echo "No $bench: build first (ninja -C $build_dir bench/bench-sock-diag)" >&2
  exit 1
fi
for tool in unshare ip ss netstat; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is needed" >&2; exit 1; }
done

workdir=$(mktemp -d "${TMPDIR:-/tmp}/sock-diag-bench.XXXXXX")
child=
cleanup() {
  status=$?
  trap - EXIT INT TERM
  # The namespace lives as long as its processes: end them, then it is gone.
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    kill "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  rm -rf "$workdir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$(id -u)" = 0 ]; then
  unshare_cmd="unshare --net"
else
  unshare_cmd="unshare --map-root-user --net"
fi

echo "# Socket table refresh benchmark ($(date -u +%Y-%m-%dT%H:%MZ))"
echo "# $(uname -srm), $(nproc) CPUs; $(ss -V 2>&1 | head -n1); $(netstat -V 2>&1 | head -n1)"
echo

# shellcheck disable=SC2086
TMPDIR="$workdir" $unshare_cmd sh -c 'ip link set lo up && exec "$@"' sh "$bench" "$@" &
child=$!
wait "$child"
