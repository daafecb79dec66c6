#!/usr/bin/env bash
# Where the time goes from a tray click to the dashboard's first paint, soon after the
# app started and again after IDLE seconds idle: the tray's click → the window process
# spawned → its main() → its window made → its page loaded → the charts asked (the page
# drew its cards). Read from the app's debug log. One account against the simulator, in
# a private headless session.
# Usage: scripts/bench_window_start.sh [--idle-seconds 600] [--debug]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
IDLE=600 PROFILE=release
while [ $# -gt 0 ]; do
  case $1 in
    --idle-seconds) IDLE=$2; shift 2 ;;
    --debug) PROFILE=debug; shift ;;
    *) echo "usage: $0 [--idle-seconds N] [--debug]" >&2; exit 64 ;;
  esac
done
if [ -z "${HEYGEN_TRAY_IN_SESSION:-}" ]; then
  [ "$PROFILE" = release ] && (cd "$ROOT" && cargo build --locked --quiet --release --workspace)
  exec dbus-run-session -- env HEYGEN_TRAY_IN_SESSION=1 "$0" --idle-seconds "$IDLE" $([ "$PROFILE" = debug ] && echo --debug)
fi
source "$ROOT/scripts/session.sh"
start_session
T="${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE"
LOG=$SESSION_TMP/app.log
exec 3< <(sleep 100000 2>/dev/null)
"$T/heygen-tray" simulator --port 0 --until-stdin-closes <&3 >"$SESSION_TMP/sim.out" 2>&1 &
wait_for "the simulator to say where it listens" 10 grep -q http "$SESSION_TMP/sim.out"
export HEYGEN_API_BASE=$(head -1 "$SESSION_TMP/sim.out" | awk '{print $NF}') HEYGEN_TRAY_LOG=heygen_tray=debug
echo sim-usage-key | "$T/heygen-tray" accounts add bench >/dev/null
"$T/heygen-tray-app" >"$LOG" 2>&1 &
APP=$!
item() { busctl --user list --no-pager | awk -v p="$APP" '$1 ~ "StatusNotifierItem-"p"-" {print $1; exit}'; }
has_item() { [ -n "$(item)" ]; }
wait_for "the tray item" 30 has_item
ITEM=$(item)
painted() { [ "$(grep -c 'charts asked' "$LOG")" -gt "$1" ]; }
open_once() { # LABEL
  local seen; seen=$(grep -c 'charts asked' "$LOG" || true)
  local mark; mark=$(wc -l <"$LOG")
  busctl --user call "$ITEM" /StatusNotifierItem org.kde.StatusNotifierItem Activate ii 0 0
  wait_for "the dashboard's first paint" 30 painted "$seen"
  # Each step's log line, in ms after the click (the first of them).
  echo "$1:"
  tail -n +"$((mark + 1))" "$LOG" | sed 's/\x1b\[[0-9;]*m//g' \
    | grep -E "window asked for|window process [0-9]+ started|dashboard starting|window made|dashboard page loaded|charts asked" \
    | awk '{ split(substr($1, 12, 15), t, ":"); ms = (t[1] * 3600 + t[2] * 60 + t[3]) * 1000; if (!t0) t0 = ms;
             $1 = ""; $2 = ""; printf "  +%4.0f ms %s\n", ms - t0, substr($0, 1, 90) }'
  for d in /proc/[0-9]*; do
    grep -qa -- "--window" "$d/cmdline" 2>/dev/null && [ "$(awk '{print $4}' "$d/stat")" = "$APP" ] && kill "${d#/proc/}"
  done
  sleep 3
}
sleep 5
open_once "5 s after start"
sleep "$IDLE"
open_once "after $IDLE s idle"
kill "$APP"
