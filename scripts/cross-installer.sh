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
# A display from the session's first Wine process on, as a Windows session has: Wine's
# explorer.exe, which owns the notification area the tray icon goes in, starts with it
# (started without one, the tray icon fails with "Invalid window handle").
Xvfb :92 -screen 0 1280x800x24 -nolisten tcp >/tmp/xvfb-installer.log 2>&1 &
pids+=($!)
wait_for 30 "Xvfb on :92" test -S /tmp/.X11-unix/X92
export DISPLAY=:92

# Every DLL the programs import is Windows' own or ships with them, read from their PE
# import tables: one beside the .exe in the build folder must be installed and removed
# by the .nsi; any other must be one Windows (here Wine's system32) has.
NSI=/src/src-tauri/packaging/windows/heygen-tray.nsi
SYSTEM32="$WINEPREFIX/drive_c/windows/system32"
shipped=()
apisets=()
for exe in heygen-tray.exe heygen-tray-app.exe; do
  for dll in $(x86_64-w64-mingw32-objdump -p "$BIN/$exe" | awk '/DLL Name:/ {print $3}'); do
    case "${dll,,}" in
      # API sets (api-ms-win-*, ext-ms-*) are names the Windows loader maps to its own
      # DLLs; no file of that name need exist, in Windows or in Wine.
      api-ms-win-*|ext-ms-*) apisets+=("$dll"); continue ;;
    esac
    if [ -n "$(find "$BIN" -maxdepth 1 -iname "$dll" -print -quit)" ]; then
      grep -qiF "File \"\${BINDIR}\\$dll\"" "$NSI" \
        || fail "$exe imports $dll, which the installer does not ship: add File \"\${BINDIR}\\$dll\" (and its Delete) to the .nsi"
      grep -qiF "Delete \"\$INSTDIR\\$dll\"" "$NSI" || fail "the uninstaller does not remove $dll: add Delete \"\$INSTDIR\\$dll\" to the .nsi"
      shipped+=("$dll")
    elif [ -z "$(find "$SYSTEM32" -maxdepth 1 -iname "$dll" -print -quit)" ]; then
      fail "$exe imports $dll, which is neither built beside it nor a Windows DLL"
    fi
  done
done
say "ok: every DLL the programs import is Windows' own or shipped (${shipped[*]:-none beside them}; API sets: ${apisets[*]:-none})"
makensis -V2 -DVERSION="$VERSION" -DBINDIR="$BIN" -DICON=/src/icons/icon.ico -DOUTFILE="$SETUP" \
  /src/src-tauri/packaging/windows/heygen-tray.nsi >/tmp/makensis.log 2>&1 || { cat /tmp/makensis.log >&2; fail "makensis"; }
say "built $(basename "$SETUP") ($(du -h "$SETUP" | cut -f1))"

files >/tmp/before.txt
# Registry key names of the user's hive (Wine writes user.reg when it goes idle).
reg_keys() { sed -n 's/^\[\(.*\)\] [0-9]*$/\1/p' "$WINEPREFIX/user.reg" | LC_ALL=C sort; }
timeout 60 "$WINESERVER" -w || true
reg_keys >/tmp/keys-before.txt
timeout 180 wine "$SETUP" /S || fail "the silent install did not finish within 180 s"
timeout 60 "$WINESERVER" -w || true
for f in heygen-tray.exe heygen-tray-app.exe uninstall.exe heygen-tray.ico ${shipped[@]+"${shipped[@]}"}; do
  [ -f "$INSTDIR/$f" ] || fail "not installed: $INSTDIR/$f"
done
[ -f "$LNK" ] || fail "no Start menu shortcut at $LNK"
reg_has 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\HeyGenTray' /v UninstallString || fail "not listed in Apps (no Uninstall key)"
reg_has 'HKCU\Software\Classes\AppUserModelId\com.heygen-tray.app' /v DisplayName || fail "AppUserModelID not registered"
say "ok: installed silently in %LOCALAPPDATA%\\Programs\\HeyGen Tray with a Start menu shortcut, an Apps entry and the toast ID"

CLI="C:\\users\\root\\AppData\\Local\\Programs\\HeyGen Tray\\heygen-tray.exe"
timeout 60 wine "$CLI" --version | grep -q "^heygen-tray $VERSION" || fail "the installed CLI's --version"
PORT=$((20000 + RANDOM % 20000))
# The simulator runs from the build folder: an installed copy would hold the files the
# upgrade and the uninstaller below replace and remove.
# The drain wallet falls $12 in an hour, so each poll of the ~10 minutes below reads a new
# figure and writes a history row (an unchanged one is not written again for a while).
timeout 900 wine "$BIN/heygen-tray.exe" simulator --port "$PORT" --drain-seconds 3600 >/tmp/sim2.log 2>&1 &
pids+=($!)
wait_for 90 "the installed CLI's simulator on port $PORT" curl -sf -H 'x-api-key: sim-credits-key' "http://127.0.0.1:$PORT/v3/users/me"
# HEYGEN_API_KEY stands in only when no account is stored: one left by cross-wine.sh
# (ended before it removed it) would be read instead.
timeout 60 wine "$CLI" accounts remove work >/dev/null 2>&1 || true
got=$(HEYGEN_API_BASE="http://127.0.0.1:$PORT" HEYGEN_API_KEY=sim-credits-key timeout 60 wine "$CLI" status --json) || fail "the installed CLI's status"
echo "$got" | python3 -c 'import json,sys; a=json.load(sys.stdin)["accounts"][0]; assert a["unit"]=="credits", a' || fail "status --json: $got"
say "ok: the installed CLI runs (--version, status --json against the simulator)"

# The installed tray app (what the Start menu shortcut and start at login run) starts,
# polls a stored key and stays up.
printf '%s\n' sim-drain-key | HEYGEN_API_BASE="http://127.0.0.1:$PORT" timeout 60 wine "$CLI" accounts add installed >/tmp/add.log 2>&1 \
  || fail "the installed CLI's accounts add: $(cat /tmp/add.log)"
SETTINGS="$USERDIR/AppData/Roaming/heygen-tray/settings.json"
python3 -c 'import json, sys
p = sys.argv[1]; s = json.load(open(p))
s["poll_interval_secs"] = 60; s["poll_automatic"] = False
json.dump(s, open(p, "w"), indent=2)' "$SETTINGS"
rows() { timeout 60 wine "$CLI" history installed --json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
before=$(rows)
APP="C:\\users\\root\\AppData\\Local\\Programs\\HeyGen Tray\\heygen-tray-app.exe"
HEYGEN_TRAY_LOG=heygen_tray=debug HEYGEN_API_BASE="http://127.0.0.1:$PORT" wine "$APP" >/tmp/app-installed.log 2>&1 &
app=$!
pids+=($app)
end=$((SECONDS + 150))
until [ "$(rows)" -ge $((before + 2)) ]; do
  kill -0 "$app" 2>/dev/null || fail "the installed tray app ended: $(tail -3 /tmp/app-installed.log)"
  [ "$SECONDS" -lt "$end" ] || fail "gave up after 150 s waiting for the installed tray app's second poll"
  sleep 2
done
if grep -q 'the tray icon could not start' /tmp/app-installed.log; then
  fail "the installed tray app has no tray icon: $(grep -o 'tray icon error.*' /tmp/app-installed.log | head -n1)"
fi
say "ok: the installed tray app starts, shows its tray icon, polled the stored key twice ($before → $(rows) rows) and runs on"

# The live processes running the app, as "pid state command line" (zombies left out).
app_processes() { ps -eo pid=,stat=,args= | awk '$2 !~ /^Z/' | grep '[h]eygen-tray-app\.exe' || true; }
running() { [ -n "$(app_processes)" ]; }
export -f app_processes running
# Waits up to $1 s for no process of the app to be left, naming any that is.
none_left() {
  local end=$((SECONDS + $1))
  while running; do
    [ "$SECONDS" -lt "$end" ] || fail "gave up after $1 s waiting for no heygen-tray-app.exe to be left $2: $(app_processes)"
    sleep 0.5
  done
}
# Process $1 runs the app.
alive() { runs "$1" heygen-tray-app; }
export -f alive
# Waits for the next new row of a tray app started at $1 rows. Its first poll at start
# may read the figure the last one wrote (no new row), and a key check made after a
# restart takes the next minute's slot (one request a minute per key): two minutes
# and a bit can pass before a new figure.
polls_again() {
  local from=$1 end=$((SECONDS + 200))
  until [ "$(rows)" -gt "$from" ]; do
    [ "$SECONDS" -lt "$end" ] || fail "gave up after 200 s waiting for the tray app's next poll: $2 (history rows: $(rows); log: $(grep -v 'notification not delivered' /tmp/app-installed.log | tail -5))"
    sleep 2
  done
}

# taskkill without /F only posts a close message: the app answers it by quitting.
timeout 60 wine taskkill /IM heygen-tray-app.exe >/tmp/taskkill.log 2>&1 \
  || fail "taskkill: $(cat /tmp/taskkill.log); app $(alive "$app" && echo running || echo ended); tasklist: $(wine tasklist 2>&1 | grep -i heygen); log: $(tail -3 /tmp/app-installed.log)"
wait_for 30 "the installed tray app to end on taskkill's close message" bash -c "! alive $app"
none_left 30 "after taskkill"
say "ok: taskkill without /F (a close message) ended the tray app"

# An upgrade while the app runs ends it, replaces its files and starts it again.
n=$(rows)
HEYGEN_TRAY_LOG=heygen_tray=debug HEYGEN_API_BASE="http://127.0.0.1:$PORT" wine "$APP" >/tmp/app-installed.log 2>&1 &
app=$!
pids+=($app)
polls_again "$n" "before the upgrade"
n=$(rows)
HEYGEN_API_BASE="http://127.0.0.1:$PORT" timeout 180 wine "$SETUP" /S || fail "the upgrade with the app running did not succeed within 180 s"
alive "$app" && fail "the upgrade left the old tray app running"
for f in heygen-tray.exe heygen-tray-app.exe WebView2Loader.dll; do
  cmp -s "$BIN/$f" "$INSTDIR/$f" || fail "the upgrade did not replace $f"
done
polls_again "$n" "the copy the upgrade started again"
running || fail "the upgrade did not start the app again"
say "ok: an upgrade with the app running ended it, replaced its files and started it again (it polls)"

# A command still running from the folder (`heygen-tray watch`, a script's `guard`) holds
# heygen-tray.exe and is not ended: an upgrade and an uninstall say so and stop with exit
# code 2, changing no file of the program and leaving the tray app running.
installed() { (cd "$INSTDIR" && md5sum -- *); }
PORT3=$((PORT + 1))
timeout 600 wine "$CLI" simulator --port "$PORT3" >/tmp/sim3.log 2>&1 &
held=$!
pids+=($held)
wait_for 90 "the installed CLI's simulator on port $PORT3 (a command holding heygen-tray.exe)" \
  curl -sf -H 'x-api-key: sim-credits-key' "http://127.0.0.1:$PORT3/v3/users/me"
installed >/tmp/held-before.txt
rc=0
timeout 180 wine "$SETUP" /S >/tmp/held-setup.log 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "an upgrade with the installed heygen-tray.exe in use exited $rc, not 2: $(tail -3 /tmp/held-setup.log)"
rc=0
# `_?=` runs the uninstaller in place, so its exit code is the answer (not a temp copy's);
# it must come last and unquoted, spaces and all, which only cmd passes on as it is.
win_instdir=$(winepath -w "$INSTDIR")
timeout 180 wine cmd /c "cd /d $win_instdir && uninstall.exe /S _?=$win_instdir" >/tmp/held-uninstall.log 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "an uninstall with the installed heygen-tray.exe in use exited $rc, not 2: $(tail -3 /tmp/held-uninstall.log)"
installed | cmp -s - /tmp/held-before.txt || fail "a stopped upgrade or uninstall changed the program's files: $(installed | diff /tmp/held-before.txt - || true)"
running || fail "a stopped upgrade or uninstall ended the tray app"
kill -KILL "$held"
wait_for 30 "the command holding heygen-tray.exe to end" bash -c "! runs $held simulator"
say "ok: with a command running from the folder, upgrade and uninstall said so and stopped (exit code 2), nothing changed"

# Uninstalling while it runs ends it and removes every file.
timeout 120 wine "$INSTDIR/uninstall.exe" /S || fail "the silent uninstall did not start"
# The uninstaller runs on from a copy in the temp folder: wait for the files to go.
wait_for 120 "the uninstaller to remove $INSTDIR" gone "$INSTDIR"
none_left 30 "after the uninstall"
say "ok: uninstalling with the app running ended it and removed $INSTDIR"
timeout 60 wine "$BIN/heygen-tray.exe" accounts remove installed >/dev/null 2>&1 || fail "accounts remove (build folder's CLI)"
kill "${pids[@]}" 2>/dev/null || true
timeout 60 "$WINESERVER" -w || true
gone "$LNK" || fail "the Start menu shortcut is left"
for key in 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\HeyGenTray' 'HKCU\Software\Classes\AppUserModelId\com.heygen-tray.app' 'HKCU\Software\HeyGen Tray'; do
  reg_has "$key" && fail "left in the registry: $key"
done
reg_has 'HKCU\Software\Microsoft\Windows\CurrentVersion\Run' /v 'HeyGen Tray' && fail "start at login is left in the Run key"
keys_left=$(comm -13 /tmp/keys-before.txt <(reg_keys) | grep -iE 'heygen|AppUserModelId|\\\\Uninstall' || true)
[ -z "$keys_left" ] || fail "registry keys left by install + uninstall: $keys_left"
files >/tmp/after.txt
left=$(comm -13 /tmp/before.txt /tmp/after.txt | grep -v '^\./drive_c/users/root/AppData/Roaming/heygen-tray/' || true)
[ -z "$left" ] || fail "left behind by install + uninstall: $left"
[ -f "$USERDIR/AppData/Roaming/heygen-tray/settings.json" ] || fail "the user's settings were removed"
say "ok: uninstalled silently; nothing is left but the user's data (%APPDATA%\\heygen-tray)"
