#!/usr/bin/env bash
# Takes the README's screenshots from the app itself (demo mode, headless session),
# into docs/screenshots/: the dashboard and Settings, light and dark; and the tray icon
# in a real tray host (xfce4-panel, whose systray shows StatusNotifierItems) at 24 and
# 32 px on a light and a dark panel, and its menu opened with a right click. The screen
# is 1366×768, a small laptop's; the first run's welcome step is taken too.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${HEYGEN_TRAY_IN_SESSION:-}" ]; then
  "$ROOT/scripts/install-system-deps.sh"
  (cd "$ROOT" && cargo build --locked --quiet --workspace)
  exec dbus-run-session -- env HEYGEN_TRAY_IN_SESSION=1 "$0" "$@"
fi
cd "$ROOT"
source scripts/session.sh
SESSION_SCREEN=1366x768x24 start_session
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/heygen-tray"
OUT="$ROOT/docs/screenshots"
mkdir -p "$OUT"
for theme in light dark; do
  for page in dashboard settings; do
    gtk_theme=Adwaita; [ "$theme" = dark ] && gtk_theme=Adwaita:dark
    GTK_THEME=$gtk_theme HEYGEN_TRAY_THEME=$theme "$BIN" --demo --open "$page" >/dev/null 2>&1 &
    app=$!
    title="HeyGen balance"; [ "$page" = settings ] && title="HeyGen Tray settings"
    wait_for "the $page window (\"$title\")" 20 xwininfo -name "$title"
    sleep 4   # the page loaded and the demo's first figures drawn
    import -window "$title" "$OUT/$page-$theme.png"
    kill $app; wait $app 2>/dev/null || true
  done
  # A first run: no account yet, so Settings opens on the welcome step.
  fresh=$(mktemp -d "$SESSION_TMP/first-run.XXXXXX")
  XDG_CONFIG_HOME=$fresh/config XDG_DATA_HOME=$fresh/data GTK_THEME=$gtk_theme HEYGEN_TRAY_THEME=$theme "$BIN" >/dev/null 2>&1 &
  app=$!
  wait_for "the first run's Settings window" 20 xwininfo -name "HeyGen Tray settings"
  sleep 3
  import -window "HeyGen Tray settings" "$OUT/welcome-$theme.png"
  kill $app; wait $app 2>/dev/null || true
done
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
# The tray menu, opened as a user does (a right click on the item), once the demo's
# figures and pace are in.
start_panel light 24
HEYGEN_TRAY_PANEL=light "$BIN" --demo >"$SESSION_TMP/app.log" 2>&1 &
app=$!
wait_for "the app's icon in the panel's tray" 30 panel_shows_item "$app"
sleep 12
xdotool mousemove 14 $((PANEL_SIZE / 2)) click 3
sleep 2   # the menu drawn
import -window root -crop 660x280+0+0 +repage "$OUT/tray-menu.png"
kill "$app"; wait "$app" 2>/dev/null || true
stop_panel
ls -la "$OUT"
