#!/usr/bin/env bash
# Takes the README's screenshots from the app itself (demo mode, headless session):
# the dashboard and Settings, light and dark, into docs/screenshots/.
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
for theme in light dark; do
  for page in dashboard settings; do
    gtk_theme=Adwaita; [ "$theme" = dark ] && gtk_theme=Adwaita:dark
    GTK_THEME=$gtk_theme HEYGEN_TRAY_THEME=$theme "$BIN" --demo --open "$page" >/dev/null 2>&1 &
    app=$!
    title="HeyGen balance"; [ "$page" = settings ] && title="HeyGen Tray settings"
    for _ in $(seq 100); do xwininfo -name "$title" >/dev/null 2>&1 && break; sleep 0.1; done
    sleep 4
    import -window "$title" "$OUT/$page-$theme.png"
    kill $app; wait $app 2>/dev/null || true
  done
done
ls -la "$OUT"
