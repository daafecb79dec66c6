#!/usr/bin/env bash
# Screenshots of the tray icon in a real tray host: Debian's xfce4-panel (its
# systray plugin shows StatusNotifierItems) under Xvfb, with the app in demo mode,
# at 24 and 32 px, on a light and a dark panel, into docs/screenshots/tray-*.png.
# Usage: scripts/tray-screenshots.sh   (builds the debug binaries first)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${HEYGEN_TRAY_IN_SESSION:-}" ]; then
  "$ROOT/scripts/install-system-deps.sh"
  (cd "$ROOT" && cargo build --locked --quiet --workspace)
  exec dbus-run-session -- env HEYGEN_TRAY_IN_SESSION=1 "$0" "$@"
fi
cd "$ROOT"
source scripts/session.sh
start_session
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/heygen-tray"
OUT="$ROOT/docs/screenshots"
mkdir -p "$OUT"
source scripts/xfce_panel.sh
for theme in light dark; do
  for size in 24 32; do
    start_panel "$theme" "$size"
    HEYGEN_TRAY_PANEL=$theme "$BIN" --demo >"$SESSION_TMP/app.log" 2>&1 &
    app=$!
    wait_for "the app's icon in the panel's tray" 30 panel_shows_item "$app"
    sleep 6   # a few demo polls: the figure has been drawn
    crop_panel "$OUT/tray-$size-$theme.png"
    kill "$app"; wait "$app" 2>/dev/null || true
    stop_panel
  done
done
ls -la "$OUT"/tray-*.png
