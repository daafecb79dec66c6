#!/usr/bin/env bash
# Windows and macOS on this Linux machine: type-checks the workspace (all targets)
# for x86_64-pc-windows-gnu and aarch64-apple-darwin, builds the Windows release
# binaries and installer, and runs them under Wine.
#
# Needs root (debootstrap, chroot, mounts). Sets up a Debian sid root once (its
# rustc, a matching rust-src for -Zbuild-std, mingw-w64, Wine, NSIS, clang) and
# keeps it, the cargo cache and the target dir under $HEYGEN_CROSS_CACHE between
# runs (default /var/cache/heygen-tray-cross). Only the package registries are used.
#
#   scripts/cross.sh            everything
#   scripts/cross.sh check      type-checks only
#   scripts/cross.sh windows    Windows build, Wine tests and installer only
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE="${HEYGEN_CROSS_CACHE:-/var/cache/heygen-tray-cross}"
ROOTFS="$CACHE/sid"
WHAT="${1:-all}"
# Bump when the package list changes: the root is then completed, not rebuilt.
PACKAGES=(ca-certificates rustc cargo rust-src gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64
  mingw-w64-x86-64-dev wine wine64 xvfb xauth clang llvm nsis curl python3 procps)

say() { printf '[cross] %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
# Runs "$@" with a time bound, naming what it waited for when the bound is hit.
# `timeout` runs the step in a process group of its own, which Ctrl-C at the terminal
# does not reach: the step runs in the background here and a signal this script gets
# is handed to it (timeout passes it to the step's whole group), then the script ends.
STEP_PID="" STEP_WHAT=""
bounded() {
  local secs=$1 what=$2 rc=0; shift 2
  timeout --kill-after=10 "$secs" "$@" &
  STEP_PID=$! STEP_WHAT=$what
  wait "$STEP_PID" || rc=$?
  STEP_PID=""
  [ "$rc" -eq 0 ] && return 0
  [ "$rc" -eq 124 ] && die "gave up after ${secs}s waiting for: $what"
  die "failed ($rc): $what"
}
stop_step() { # SIGNAL
  trap - INT TERM
  if [ -n "$STEP_PID" ]; then
    say "interrupted: stopping $STEP_WHAT"
    kill -"$1" "$STEP_PID" 2>/dev/null || true
    wait "$STEP_PID" 2>/dev/null || true
  fi
  exit 130
}
trap 'stop_step INT' INT
trap 'stop_step TERM' TERM

[ "$(id -u)" -eq 0 ] || { say "skipped: needs root for debootstrap and chroot (Windows and macOS cannot be checked here without it)"; exit 1; }
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
bounded 3600 "another scripts/cross.sh to finish (lock $CACHE/.lock)" flock 9

mounted=()
unmount_all() {
  local i p
  # Whatever still runs in the root (Wine's services) ends with this script.
  for p in /proc/[0-9]*; do
    if [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOTFS" ]; then kill -9 "${p#/proc/}" 2>/dev/null || true; fi
  done
  for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
  mounted=()
}
trap unmount_all EXIT
bind() { # bind SRC DEST [ro]
  mkdir -p "$2"
  mount --bind "$1" "$2"
  mounted+=("$2")
  [ "${3:-}" = ro ] && mount -o remount,bind,ro "$2"
  return 0
}

setup_root() {
  local t0=$SECONDS
  if [ ! -x "$ROOTFS/usr/bin/apt-get" ]; then
    if ! command -v debootstrap >/dev/null; then
      say "installing debootstrap on this machine (apt-get install debootstrap) to make the root…"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
    fi
    rm -rf "$ROOTFS.partial"
    say "making a Debian sid root (debootstrap --variant=minbase)…"
    bounded 900 "debootstrap of Debian sid" debootstrap --variant=minbase sid "$ROOTFS.partial" http://deb.debian.org/debian >"$CACHE/debootstrap.log" 2>&1
    mv "$ROOTFS.partial" "$ROOTFS"
  fi
  cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
  # The registry mirror can be older than today's date: do not refuse its Release file.
  echo 'Acquire::Check-Valid-Until "false";' >"$ROOTFS/etc/apt/apt.conf.d/99no-valid-until"
  # This machine's certificate authorities (a company proxy's included) for cargo and curl.
  mkdir -p "$ROOTFS/usr/local/share/ca-certificates"
  cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/usr/local/share/ca-certificates/host-bundle.crt"
  local m want
  for m in proc dev dev/pts sys; do bind "/$m" "$ROOTFS/$m"; done
  want=$(printf '%s\n' "${PACKAGES[@]}" | sort | sha256sum | cut -c1-16)
  if [ "$(cat "$ROOTFS/.packages" 2>/dev/null)" != "$want" ]; then
    say "installing the cross toolchain in the root (rustc, rust-src, mingw-w64, Wine, NSIS, clang)…"
    in_root 1200 "apt-get in the sid root" sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends ${PACKAGES[*]} && update-ca-certificates && apt-get clean" >"$CACHE/apt.log" 2>&1
    echo "$want" >"$ROOTFS/.packages"
  fi
  # rust-src must be the compiler's own version for -Zbuild-std.
  local rv sv
  rv=$(chroot "$ROOTFS" rustc --version | awk '{print $2}')
  sv=$(chroot "$ROOTFS" dpkg-query -W -f='${Version}' rust-src)
  case "$sv" in "$rv"*) ;; *) die "rust-src $sv does not match rustc $rv in the root";; esac
  # sid moves: what this run builds and tests with is said, and kept beside the logs.
  chroot "$ROOTFS" dpkg-query -W -f='${Package} ${Version}\n' rustc wine64 gcc-mingw-w64-x86-64 nsis clang >"$CACHE/versions.txt"
  say "root ready ($((SECONDS-t0)) s): $(tr '\n' ',' <"$CACHE/versions.txt" | sed 's/,$//; s/,/, /g')"
}

# in_root SECS WHAT CMD…: runs CMD in the root with the repo at /src.
in_root() {
  local secs=$1 what=$2; shift 2
  bounded "$secs" "$what" chroot "$ROOTFS" env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive \
    CARGO_HOME=/var/cache/cargo-home CARGO_TARGET_DIR=/var/cache/target \
    RUSTC_BOOTSTRAP=1 CARGO_TERM_COLOR=never \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine \
    CC_aarch64_apple_darwin=/usr/local/bin/cc-darwin-check \
    WINEDEBUG=-all WINEPREFIX=/var/cache/wine DISPLAY="${XDISPLAY:-}" \
    ${EXTRA_ENV[@]+"${EXTRA_ENV[@]}"} \
    "$@" 9>&-
}
EXTRA_ENV=()

mount_root() {
  # What earlier runs left in the root's /tmp (compiler temporaries, Wine sockets).
  find "$ROOTFS/tmp" -mindepth 1 -delete 2>/dev/null || true
  bind "$REPO" "$ROOTFS/src"
  # macOS: nothing is linked, so a C compiler that cannot find Apple's SDK may hand back
  # an empty object; only the Rust is being checked.
  cat >"$ROOTFS/usr/local/bin/cc-darwin-check" <<'EOF'
#!/bin/sh
# clang for aarch64-apple-darwin, or an empty object where the SDK's headers are missing.
# cc-rs tells compilers apart by preprocessing a probe (its answer is on stderr).
for a in "$@"; do [ "$a" = "-E" ] && exec clang --target=aarch64-apple-darwin "$@"; done
clang --target=aarch64-apple-darwin "$@" 2>/dev/null && exit 0
out=""; prev=""
for a in "$@"; do [ "$prev" = "-o" ] && out=$a; prev=$a; done
[ -n "$out" ] || exit 1
: >"$out"
EOF
  chmod +x "$ROOTFS/usr/local/bin/cc-darwin-check"
}

BUILD_STD="-Zbuild-std=std,panic_abort"
# logged SECS WHAT NAME CMD…: runs CMD in the root, its output in $CACHE/logs/NAME.log;
# on failure shows the end of that log.
logged() {
  local secs=$1 what=$2 log="$CACHE/logs/$3.log"; shift 3
  mkdir -p "$CACHE/logs"
  # A subshell starts with the traps reset: Ctrl-C must stop its step too.
  if ! (trap 'stop_step INT' INT; trap 'stop_step TERM' TERM; in_root "$secs" "$what" "$@") >"$log" 2>&1; then
    grep -E '^(error|warning: unused)|^\s+--> ' "$log" | head -n 60 >&2 || true
    tail -n 25 "$log" >&2
    die "failed: $what (whole log: $log)"
  fi
}

check_target() {
  local target=$1 t0=$SECONDS
  say "type-checking the workspace, all targets, for $target…"
  logged 2400 "cargo check --target $target" "check-$target" sh -c \
    "cd /src && cargo check --locked --workspace --all-targets $BUILD_STD --target $target"
  # Code compiled only there (a cfg arm) is held to Linux's standard: no warnings.
  if grep -q '^warning: .*generated [0-9]* warning' "$CACHE/logs/check-$target.log"; then
    grep -A6 '^warning' "$CACHE/logs/check-$target.log" | head -n 60 >&2
    die "$target: warnings (whole log: $CACHE/logs/check-$target.log)"
  fi
  say "$target: the whole workspace type-checks, tests included ($((SECONDS-t0)) s)"
}

WIN=x86_64-pc-windows-gnu
WIN_OUT=/var/cache/target/$WIN/release
windows() {
  local t0=$SECONDS
  say "building the Windows release binaries (heygen-tray.exe, heygen-tray-app.exe)…"
  logged 3600 "cargo build --release --target $WIN" build-windows sh -c \
    "cd /src && cargo build --release --locked -p heygen-tray -p heygen-tray-cli $BUILD_STD --target $WIN"
  say "built in $((SECONDS-t0)) s: $(cd "$ROOTFS$WIN_OUT" && ls -sh heygen-tray.exe heygen-tray-app.exe | tr '\n' ' ')"
  t0=$SECONDS
  say "the core's unit tests under Wine…"
  logged 3600 "cargo test -p heygen-tray-core under Wine" test-windows sh -c \
    "cd /src && rm -rf /var/cache/wine && cargo test --locked -p heygen-tray-core $BUILD_STD --target $WIN"
  say "core unit tests under Wine: $(awk '/^test result/ {p+=$4; f+=$6} END {print p " passed, " f " failed"}' "$CACHE/logs/test-windows.log") ($((SECONDS-t0)) s)"
  t0=$SECONDS
  logged 900 "the Windows programs under Wine (scripts/cross-wine.sh)" wine-windows bash /src/scripts/cross-wine.sh "$WIN_OUT"
  grep -h '^\[wine\] \(ok\|note\)' "$CACHE/logs/wine-windows.log" >&2
  say "command line and tray app under Wine: passed ($((SECONDS-t0)) s)"
  t0=$SECONDS
  say "building and trying the installer (makensis)…"
  logged 900 "the Windows installer (scripts/cross-installer.sh)" installer-windows bash /src/scripts/cross-installer.sh "$WIN_OUT"
  grep -h '^\[installer\]' "$CACHE/logs/installer-windows.log" >&2
  say "installer: passed ($((SECONDS-t0)) s)"
}

setup_root
mount_root
case "$WHAT" in
  all|check|windows) ;;
  *) die "unknown step $WHAT (all, check or windows)";;
esac
if [ "$WHAT" != windows ]; then
  check_target "$WIN"
  check_target aarch64-apple-darwin
  say "macOS: type-checked only (linking needs Apple's SDK, which no registry has); nothing is run"
fi
[ "$WHAT" = check ] || windows
say "done in $SECONDS s; the cache holds $(du -sh "$CACHE" 2>/dev/null | cut -f1) ($CACHE)"
