#!/usr/bin/env bash
# Runs inside scripts/cross.sh's sid root: the Windows build of the command line and
# the tray app under Wine, against the simulator (served by the Windows CLI itself)
# on loopback, in a fresh Wine prefix. Argument: the folder with the .exe files.
set -euo pipefail
BIN=$1
WINE_TAG=wine
# shellcheck source=wine-common.sh
source "$(dirname "$0")/wine-common.sh"
PORT=$((20000 + RANDOM % 20000))
BASE="http://127.0.0.1:$PORT"
NEEDLE=sim-wallet-key
# cli ARGS…: the Windows CLI, its stdout only (Wine's own chatter is on stderr).
cli() { timeout 120 wine "$BIN/heygen-tray.exe" "$@"; }
expect_code() { # expect_code N WHAT ARGS…
  local want=$1 what=$2 got=0; shift 2
  cli "$@" >/tmp/out.txt 2>/tmp/err.txt || got=$?
  [ "$got" -eq "$want" ] || { cat /tmp/out.txt /tmp/err.txt >&2; fail "$what: exit $got, expected $want"; }
  say "ok: $what (exit $got)"
}

rm -rf "$WINEPREFIX"
say "a fresh Wine prefix…"
timeout 300 wineboot -i >/dev/null 2>&1 || fail "wineboot did not finish within 300 s"
timeout 60 "$WINESERVER" -w || true

Xvfb :91 -screen 0 1280x800x24 -nolisten tcp >/tmp/xvfb.log 2>&1 &
pids+=($!)
wait_for 30 "Xvfb on :91" test -S /tmp/.X11-unix/X91
export DISPLAY=:91

# The drain wallet falls all the time, so every poll of the app adds a history row.
wine "$BIN/heygen-tray.exe" simulator --port "$PORT" --drain-seconds 3600 >/tmp/sim.log 2>&1 &
pids+=($!)
wait_for 90 "the simulator (heygen-tray.exe simulator) on $BASE" curl -sf -H "x-api-key: $NEEDLE" "$BASE/v3/users/me"
say "simulator served by the Windows CLI on $BASE"

export HEYGEN_API_BASE=$BASE
cli --version | grep -q '^heygen-tray ' || fail "--version"
HEYGEN_API_KEY=$NEEDLE expect_code 0 "status with HEYGEN_API_KEY (wallet)" status
grep -q '\$' /tmp/out.txt || fail "status printed no dollar figure: $(cat /tmp/out.txt)"
HEYGEN_API_KEY=$NEEDLE expect_code 0 "status --json" status --json
python3 - /tmp/out.txt <<'EOF' || fail "status --json fields"
import json, sys
d = json.load(open(sys.argv[1]))
a = d["accounts"][0]
assert a["name"] == "env" and a["billing_type"] == "wallet" and a["unit"] == "usd", a
assert isinstance(a["remaining"], (int, float)) and a["level"] == "ok" and a["stale"] is False, a
EOF
HEYGEN_API_KEY=$NEEDLE expect_code 1 "status --low above the balance is low" status --low 100000
HEYGEN_API_KEY=sim-revoked-key expect_code 3 "status with a rejected key" status
HEYGEN_API_KEY=$NEEDLE HEYGEN_API_BASE=http://127.0.0.1:1 expect_code 3 "status with the server down" status
grep -qi 'refused\|connect' /tmp/out.txt /tmp/err.txt || fail "no words for the server being down: $(cat /tmp/out.txt /tmp/err.txt)"
expect_code 3 "status with no account and no HEYGEN_API_KEY" status
expect_code 64 "an unknown flag" status --no-such-flag

# Keys go to Wine's Credential Manager through keyring's Windows backend.
printf '%s\n' "$NEEDLE" | expect_code 0 "accounts add work" accounts add work
expect_code 0 "accounts list --json" accounts list --json
grep -q '"work"' /tmp/out.txt || fail "accounts list does not show work: $(cat /tmp/out.txt)"
expect_code 0 "status with the stored key" status
grep -q 'work' /tmp/out.txt || fail "status does not show work"
CRED='HKCU\Software\Wine\Credential Manager\Generic: work.com.heygen-tray.app'
wine reg query "$CRED" >/dev/null 2>&1 || fail "no credential for work.com.heygen-tray.app in the Credential Manager"
say "ok: the key is a credential (work.com.heygen-tray.app) in the Credential Manager"
expect_code 0 "accounts remove work" accounts remove work
wine reg query "$CRED" >/dev/null 2>&1 && fail "the credential is still there after accounts remove"
expect_code 3 "status after the account was removed" status

# The tray app polls the stored key, under Xvfb (Wine has no WebView2: no windows).
printf '%s\n' sim-drain-key | expect_code 0 "accounts add work (the draining wallet, for the app)" accounts add work
SETTINGS="$WINEPREFIX/drive_c/users/root/AppData/Roaming/heygen-tray/settings.json"
[ -f "$SETTINGS" ] || fail "no settings file at $SETTINGS"
python3 - "$SETTINGS" <<'EOF'
import json, sys
p = sys.argv[1]; s = json.load(open(p))
s["poll_interval_secs"] = 60; s["poll_automatic"] = False; s["start_at_login"] = True
json.dump(s, open(p, "w"), indent=2)
EOF
rows() { cli history --json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
before=$(rows)
HEYGEN_TRAY_LOG=heygen_tray=debug wine "$BIN/heygen-tray-app.exe" >/tmp/app.log 2>&1 &
app=$!
pids+=($app)
end=$((SECONDS + 150))
until [ "$(rows)" -ge $((before + 2)) ]; do
  kill -0 "$app" 2>/dev/null || { tail -20 /tmp/app.log >&2; fail "the app ended: $(tail -3 /tmp/app.log)"; }
  [ "$SECONDS" -lt "$end" ] || { tail -20 /tmp/app.log >&2; fail "gave up after 150 s waiting for the app's second poll"; }
  sleep 2
done
say "ok: the app polled twice a minute apart ($before → $(rows) history rows) and runs on"
# status reads the running app's figures from its owner-only named pipe: no request of
# its own. HeyGen requests are counted by the simulator per account (its own /_sim/ ones
# are not); the app polls once a minute, so of three tries one falls between its polls.
heygen_requests() { curl -sf "$BASE/_sim/state" | python3 -c 'import json,sys; print(sum(a["hits"] + a["key_checks"] for a in json.load(sys.stdin)["accounts"]))'; }
for try in 1 2 3; do
  sent=$(heygen_requests)
  cli status --json >/tmp/out.txt 2>/tmp/err.txt || { cat /tmp/out.txt /tmp/err.txt >&2; fail "status while the app runs"; }
  after=$(heygen_requests)
  [ "$after" = "$sent" ] && break
  [ "$try" -lt 3 ] || fail "status asked HeyGen in each of 3 tries ($sent → $after requests to the simulator in the last) although the app runs"
done
python3 - /tmp/out.txt <<'EOF' || fail "status --json while the app runs: $(cat /tmp/out.txt)"
import json, sys
d = json.load(open(sys.argv[1]))
a = d["accounts"][0]
assert a["source"] == "app" and a["name"] == "work" and a["remaining"] is not None, a
EOF
say "ok: status while the app runs read its figures from the named pipe (source \"app\", 0 requests to the simulator)"
# The display was there before the session's first Wine process, so Wine's explorer.exe
# keeps a notification area (Shell_TrayWnd): the tray icon must start. (Started from a
# session without one, the same build fails with "Invalid window handle": Wine's, not
# the app's; cross-installer.sh and the README say so.)
grep -q 'fetched' /tmp/app.log || fail "the app's log (debug) has no poll in it: $(tail -3 /tmp/app.log)"
if grep -q 'the tray icon could not start' /tmp/app.log; then
  fail "the tray icon did not start: $(grep -o 'tray icon error.*' /tmp/app.log | head -n1 | sed 's/\x1b\[[0-9;]*m//g')"
fi
if grep -E 'ERROR|panicked' /tmp/app.log; then fail "the app logged errors"; fi
say "ok: the tray icon started (Wine's notification area), no error in the app's log"
wine reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Run' /v 'HeyGen Tray' 2>/dev/null | grep -qi 'heygen-tray-app.exe' \
  || fail "start at login did not write the Run value"
say "ok: start at login is the Run value naming heygen-tray-app.exe"
# A second launch hands over to the first and ends.
timeout 60 wine "$BIN/heygen-tray-app.exe" >/tmp/app2.log 2>&1 || fail "the second launch did not end within 60 s"
kill -0 "$app" 2>/dev/null || fail "the first app ended when a second was launched"
say "ok: a second launch ended and the first runs on (single instance)"
# The end of the session, as a logoff or shutdown sends it: WM_QUERYENDSESSION, then
# WM_ENDSESSION to every top-level window (wineboot --end-session kills nothing itself).
# The app saves its alert memory and ends on its own.
timeout 60 wine wineboot --end-session >/tmp/endsession.log 2>&1 || fail "wineboot --end-session: $(cat /tmp/endsession.log)"
wait_for 30 "the app to end at the end of the session (WM_ENDSESSION)" bash -c "! runs $app heygen-tray-app"
grep -q 'alert memory is saved; ending with the session' /tmp/app.log || fail "the app ended without taking the end of the session: $(tail -3 /tmp/app.log | sed 's/\x1b\[[0-9;]*m//g')"
if grep -E 'ERROR|panicked' /tmp/app.log; then fail "the app logged errors as the session ended"; fi
say "ok: the end of the session (WM_ENDSESSION) ended the app, which saved its memory first"
# Everything ends, so Wine writes its registry out; then no file may hold a key.
timeout 60 "$WINESERVER" -k 2>/dev/null || true
timeout 60 "$WINESERVER" -w 2>/dev/null || fail "Wine did not end within 60 s of wineserver -k"
grep -q 'Generic: work.com.heygen-tray.app' "$WINEPREFIX/user.reg" || fail "Wine did not write its registry out (user.reg lacks the credential)"
python3 - "$WINEPREFIX" "$NEEDLE" sim-drain-key <<'EOF' || fail "a key is in a file"
import os, sys
root, keys = sys.argv[1], sys.argv[2:]
needles = [k.encode(enc) for k in keys for enc in ("utf-8", "utf-16-le")]
# The user's part of the prefix (settings, history, AppData) and the registry files;
# only regular files (dosdevices holds links to devices and to /).
scan = [os.path.join(root, f) for f in os.listdir(root) if f.endswith(".reg")]
for d, _, files in os.walk(os.path.join(root, "drive_c", "users")):
    scan += [os.path.join(d, f) for f in files]
for p in scan:
    if os.path.islink(p) or not os.path.isfile(p):
        continue
    with open(p, "rb") as fh:
        data = fh.read()
    if any(n in data for n in needles):
        sys.exit(f"the key is written in {p}")
EOF
say "ok: the key is in no file of the user's part of the Wine prefix (settings, history, AppData) nor the registry files"
expect_code 0 "accounts remove work" accounts remove work
wine reg query "$CRED" >/dev/null 2>&1 && fail "the credential is still there after accounts remove"
say "all Wine checks passed"
