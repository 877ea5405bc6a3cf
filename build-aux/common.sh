# Shared by build-aux/run and build-aux/test; sourced, not run.
# shellcheck shell=bash

hs_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

hs_say () {
  printf 'build-aux: %s\n' "$*" >&2
}

# Runs a command as root: directly when we are root, else through sudo.
hs_as_root () {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    return 127
  fi
}

# Installs whatever build-aux/packages.txt lists and dpkg does not have.
hs_ensure_packages () {
  local wanted=() missing=() pkg status
  mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$hs_root/build-aux/packages.txt" | grep -v '^$')

  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    hs_say "not a Debian or Ubuntu system: install the equivalents of build-aux/packages.txt yourself."
    return 0
  fi

  for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0

  hs_say "installing missing packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    hs_say "need root to install them, and sudo is not available. As root, run:"
    hs_say "  apt-get install ${missing[*]}"
    exit 1
  fi
  hs_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  hs_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# Ubuntu 22.04 has every package name but too old a GTK and libadwaita: say
# so in words instead of letting meson fail on a version comparison.
hs_check_versions () {
  local bad=() req name min
  for req in glib-2.0:2.74 gtk4:4.8 libadwaita-1:1.2; do
    name=${req%%:*}
    min=${req##*:}
    if ! pkg-config --atleast-version="$min" "$name" 2>/dev/null; then
      bad+=("$name >= $min (found: $(pkg-config --modversion "$name" 2>/dev/null || echo none))")
    fi
  done
  if [ "${#bad[@]}" -gt 0 ]; then
    hs_say "this system's libraries are too old for Handshake:"
    local b
    for b in "${bad[@]}"; do hs_say "  needs $b"; done
    hs_say "Debian 12, Ubuntu 24.04 or newer have them (Ubuntu 22.04 does not);"
    hs_say "elsewhere, build the Flatpak (see flatpak/README.md)."
    exit 1
  fi
}

hs_ensure_deps () {
  hs_ensure_packages
  hs_check_versions
}

# hs_setup BUILDDIR [MESON OPTIONS...]: configures a build directory, or
# reconfigures it when it already exists so that changed options apply.
hs_setup () {
  local dir=$1
  shift
  if [ -f "$hs_root/$dir/meson-private/coredata.dat" ]; then
    meson setup --reconfigure "$hs_root/$dir" "$hs_root" "$@" >/dev/null ||
      meson setup --wipe "$hs_root/$dir" "$hs_root" "$@"
  else
    meson setup "$hs_root/$dir" "$hs_root" "$@"
  fi
}

hs_have_display () {
  [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]
}
