#!/usr/bin/env bash
# Tries dist/heygen-tray_*.deb as a new user would, on a minimal Debian 12 root
# (debootstrap minbase: no systemd, no desktop, like a container): installs it with
# apt-get, checks that every library is found, runs the command line against the
# simulator, starts the app with --demo in a headless X session until its dashboard
# window is up, then removes and purges the package and lists anything left behind.
# Usage (as root): scripts/check-deb-in-root.sh [ROOT_DIR]   (made when missing)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
DEB=$(ls "$REPO"/dist/heygen-tray_*.deb 2>/dev/null | head -n1)
[ -n "$DEB" ] || { echo "no dist/heygen-tray_*.deb: run scripts/package.sh first" >&2; exit 1; }
ROOT=${1:-/var/tmp/heygen-tray-minbase}
command -v debootstrap >/dev/null || apt-get install -y -qq --no-install-recommends debootstrap
[ -x "$ROOT/bin/sh" ] || debootstrap --variant=minbase bookworm "$ROOT" http://deb.debian.org/debian

mounts=()
cleanup() { for ((i=${#mounts[@]}-1; i>=0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done; }
trap cleanup EXIT
for m in proc dev dev/pts sys; do
  mountpoint -q "$ROOT/$m" && continue
  case $m in proc) mount -t proc proc "$ROOT/proc" ;; *) mount --bind "/$m" "$ROOT/$m" ;; esac
  mounts+=("$ROOT/$m")
done
mkdir -p "$ROOT/dev/shm"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
cp "$DEB" "$ROOT/tmp/"
in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive bash -euo pipefail -c "$1"; }

step() { printf '\n== %s\n' "$*"; }
step "install $(basename "$DEB") with apt-get"
in_root "apt-get update -qq && touch /tmp/before-install && apt-get install -y -qq /tmp/$(basename "$DEB") >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }"
in_root "dpkg -s heygen-tray | grep -E '^(Version|Depends|Recommends):'"

step "every library of both binaries is found"
in_root 'for b in /usr/bin/heygen-tray /usr/bin/heygen-tray-app; do ! ldd $b | grep "not found"; done; echo ok'

step "command line: version, man page, simulator and status --json"
in_root 'heygen-tray --version; test -f /usr/share/man/man1/heygen-tray.1.gz
  heygen-tray simulator --port 18787 >/tmp/sim.log & sim=$!
  for i in $(seq 50); do grep -q "simulator on" /tmp/sim.log && break; sleep 0.1; done
  grep -q "simulator on" /tmp/sim.log || { echo "the simulator did not start within 5 s"; exit 1; }
  out=$(HEYGEN_API_BASE=http://127.0.0.1:18787 HEYGEN_API_KEY=sim-wallet-key heygen-tray status --json)
  kill $sim; echo "$out"; echo "$out" | grep -q "\"headline\":\"\$42.50\""'

step "the app: heygen-tray --demo in a headless X session (test tools installed now, after the check above)"
in_root 'apt-get install -y -qq --no-install-recommends xvfb x11-utils dbus dbus-x11 >/tmp/apt2.log 2>&1 || { cat /tmp/apt2.log; exit 1; }
  export XDG_RUNTIME_DIR=$(mktemp -d); chmod 700 $XDG_RUNTIME_DIR
  dbus-run-session -- bash -euo pipefail -c "
    Xvfb :57 -screen 0 1024x768x24 -nolisten tcp >/tmp/xvfb.log 2>&1 & export DISPLAY=:57
    for i in \$(seq 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
    xdpyinfo >/dev/null 2>&1 || { echo \"Xvfb did not start within 10 s\"; exit 1; }
    heygen-tray --demo --open dashboard >/tmp/app.log 2>&1 & app=\$!
    for i in \$(seq 300); do xwininfo -name \"HeyGen balance\" >/dev/null 2>&1 && break; sleep 0.1; done
    xwininfo -name \"HeyGen balance\" >/dev/null 2>&1 || { echo \"no dashboard window within 30 s\"; cat /tmp/app.log; exit 1; }
    echo \"dashboard window up:\"; xwininfo -name \"HeyGen balance\" | grep -E \"geometry|Map State\"
    sleep 3; kill -0 \$app || { echo \"the app died\"; cat /tmp/app.log; exit 1; }
    kill -TERM \$app; for i in \$(seq 100); do kill -0 \$app 2>/dev/null || break; sleep 0.1; done
    ! kill -0 \$app 2>/dev/null || { echo \"the app did not quit on SIGTERM within 10 s\"; exit 1; }
    ! ls -d /tmp/heygen-tray-demo-* 2>/dev/null || { echo \"the demo folder was left behind\"; exit 1; }
    echo \"app ran and quit cleanly\""'

step "remove and purge: nothing of the package is left"
in_root 'apt-get remove -y -qq heygen-tray >/dev/null && dpkg --purge heygen-tray >/dev/null
  ! dpkg -s heygen-tray >/dev/null 2>&1
  left=$(find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /tmp -o -path /root -o -path /var \) -prune -o -newer /tmp/before-install -iname "*heygen*" -print)
  [ -z "$left" ] || { echo "left behind: $left"; exit 1; }
  echo "nothing left outside the user'\''s own folders"'
echo; echo "package check in $ROOT: all passed"
