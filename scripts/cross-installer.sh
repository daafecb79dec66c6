#!/usr/bin/env bash
# Runs inside scripts/cross.sh's sid root after cross-wine.sh (same Wine prefix, whose
# settings are the user's data): builds the NSIS installer, installs it silently under
# Wine, runs the installed CLI, uninstalls it and checks that nothing of it is left
# but the user's data. Argument: the folder with the .exe files.
set -euo pipefail
BIN=$1
WINE_TAG=installer
# shellcheck source=wine-common.sh
source "$(dirname "$0")/wine-common.sh"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' /src/Cargo.toml | head -n1)
OUT=/var/cache/dist
SETUP="$OUT/heygen-tray-$VERSION-setup.exe"
USERDIR="$WINEPREFIX/drive_c/users/root"
INSTDIR="$USERDIR/AppData/Local/Programs/HeyGen Tray"
LNK="$USERDIR/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/HeyGen Tray.lnk"
gone() { [ ! -e "$1" ]; }
reg_has() { wine reg query "$@" >/dev/null 2>&1; }
# Every file of the prefix but Wine's own churn (registry files, temp, timestamps).
files() {
  (cd "$WINEPREFIX" && find . -type f ! -name '*.reg' ! -path './drive_c/users/root/AppData/Local/Temp/*' \
    ! -path './drive_c/users/root/Temp/*' ! -name '.update-timestamp' | LC_ALL=C sort)
}

[ -d "$WINEPREFIX" ] || fail "no Wine prefix at $WINEPREFIX (cross-wine.sh makes it)"
mkdir -p "$OUT"
makensis -V2 -DVERSION="$VERSION" -DBINDIR="$BIN" -DICON=/src/icons/icon.ico -DOUTFILE="$SETUP" \
  /src/src-tauri/packaging/windows/heygen-tray.nsi >/tmp/makensis.log 2>&1 || { cat /tmp/makensis.log >&2; fail "makensis"; }
say "built $(basename "$SETUP") ($(du -h "$SETUP" | cut -f1))"

files >/tmp/before.txt
timeout 180 wine "$SETUP" /S || fail "the silent install did not finish within 180 s"
timeout 60 "$WINESERVER" -w || true
for f in heygen-tray.exe heygen-tray-app.exe uninstall.exe heygen-tray.ico; do
  [ -f "$INSTDIR/$f" ] || fail "not installed: $INSTDIR/$f"
done
[ -f "$LNK" ] || fail "no Start menu shortcut at $LNK"
reg_has 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\HeyGenTray' /v UninstallString || fail "not listed in Apps (no Uninstall key)"
reg_has 'HKCU\Software\Classes\AppUserModelId\com.heygen-tray.app' /v DisplayName || fail "AppUserModelID not registered"
say "ok: installed silently in %LOCALAPPDATA%\\Programs\\HeyGen Tray with a Start menu shortcut, an Apps entry and the toast ID"

CLI="C:\\users\\root\\AppData\\Local\\Programs\\HeyGen Tray\\heygen-tray.exe"
timeout 60 wine "$CLI" --version | grep -q "^heygen-tray $VERSION" || fail "the installed CLI's --version"
PORT=$((20000 + RANDOM % 20000))
timeout 300 wine "$CLI" simulator --port "$PORT" >/tmp/sim2.log 2>&1 &
pids+=($!)
wait_for 90 "the installed CLI's simulator on port $PORT" curl -sf -H 'x-api-key: sim-credits-key' "http://127.0.0.1:$PORT/v3/users/me"
got=$(HEYGEN_API_BASE="http://127.0.0.1:$PORT" HEYGEN_API_KEY=sim-credits-key timeout 60 wine "$CLI" status --json) || fail "the installed CLI's status"
echo "$got" | python3 -c 'import json,sys; a=json.load(sys.stdin)["accounts"][0]; assert a["unit"]=="credits", a' || fail "status --json: $got"
say "ok: the installed CLI runs (--version, status --json against the simulator)"
kill "${pids[@]}" 2>/dev/null || true
timeout 60 "$WINESERVER" -w || true

timeout 120 wine "$INSTDIR/uninstall.exe" /S || fail "the silent uninstall did not start"
# The uninstaller runs on from a copy in the temp folder: wait for the files to go.
wait_for 120 "the uninstaller to remove $INSTDIR" gone "$INSTDIR"
timeout 60 "$WINESERVER" -w || true
gone "$LNK" || fail "the Start menu shortcut is left"
for key in 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\HeyGenTray' 'HKCU\Software\Classes\AppUserModelId\com.heygen-tray.app' 'HKCU\Software\HeyGen Tray'; do
  reg_has "$key" && fail "left in the registry: $key"
done
reg_has 'HKCU\Software\Microsoft\Windows\CurrentVersion\Run' /v 'HeyGen Tray' && fail "start at login is left in the Run key"
files >/tmp/after.txt
left=$(comm -13 /tmp/before.txt /tmp/after.txt | grep -v '^\./drive_c/users/root/AppData/Roaming/heygen-tray/' || true)
[ -z "$left" ] || fail "left behind by install + uninstall: $left"
[ -f "$USERDIR/AppData/Roaming/heygen-tray/settings.json" ] || fail "the user's settings were removed"
say "ok: uninstalled silently; nothing is left but the user's data (%APPDATA%\\heygen-tray)"
