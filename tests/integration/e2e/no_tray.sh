#!/usr/bin/env bash
# Run by no_tray.rs inside a D-Bus session of its own: a desktop with no tray host
# (no StatusNotifierWatcher, as GNOME without the AppIndicator extension). The app must
# open its dashboard with Quit, say why once per settings folder (not again at the next
# start, again after a host was seen and lost), keep alerting, register its icon when
# a host appears, and quit from the window. Prints "ok: ..." lines; "FAIL: ..." and exit 1
# on the first failure. Every wait is bounded and says what it waited for.
# Needs: ROOT (the repo), CLI, SIM (simulator base URL), NAME, KEY.
set -uo pipefail
# shellcheck source=../../../scripts/session.sh
source "$ROOT/scripts/session.sh"
SESSION_NO_WATCHER=1 start_session || { echo "FAIL: the session did not start"; exit 1; }
export HEYGEN_API_BASE=$SIM HEYGEN_TRAY_LOG=heygen_tray=debug
fail() { echo "FAIL: $*"; tail -20 "$SESSION_TMP/app.log" 2>/dev/null; exit 1; }
until_ok() { # WHAT SECONDS COMMAND...
  local what=$1 n=$(($2 * 5)); shift 2
  until "$@" >/dev/null 2>&1; do n=$((n - 1)); [ $n -gt 0 ] || fail "gave up waiting for $what"; sleep 0.2; done
}
bus_has org.kde.StatusNotifierWatcher && fail "a StatusNotifierWatcher is on this bus"
printf '%s\n' "$KEY" | "$CLI" accounts add "$NAME" >/dev/null 2>&1 || fail "accounts add"

"$CLI" >"$SESSION_TMP/app.log" 2>&1 &
APP=$!
dashboard_pid() { /usr/bin/python3 "$ROOT/scripts/xwin.py" list | awk -F'\t' '$3 == "HeyGen balance" {print $2; exit}'; }
has_dashboard() { [ -n "$(dashboard_pid)" ]; }
until_ok "the dashboard to open by itself with no tray host" 40 has_dashboard
WIN=$(dashboard_pid)
echo "ok: with no tray host the dashboard opened as a window (process $WIN)"
dump() { /usr/bin/python3 "$ROOT/scripts/atspi.py" "$WIN" dump 2>/dev/null; }
shows() { local d; d=$(dump) || return 1; grep -qF -- "$1" <<<"$d"; }
until_ok "the dashboard to offer Quit" 30 shows '"name": "Quit"'
until_ok "the dashboard to say the desktop shows no tray icons" 10 shows "shows no tray icons"
until_ok "the dashboard to show $NAME's balance" 30 shows '$5.00'
echo "ok: it offers Quit, says why, and shows the balance"
count() { # notifications whose summary has $1 (shown ones go to the history when closed)
  dunstctl close-all
  dunstctl history | /usr/bin/python3 -c 'import json, sys
h = json.load(sys.stdin)["data"][0]
print(sum(sys.argv[1] in n["summary"]["data"] for n in h))' "$1"
}
told() { [ "$(count 'this desktop shows no tray icons')" -ge 1 ]; }
until_ok "the notification about the missing tray icons" 20 told
low() { [ "$(count "$NAME")" -ge 1 ]; }
until_ok "the low-balance alert for $NAME" 20 low
sleep 2
[ "$(count 'this desktop shows no tray icons')" -eq 1 ] || fail "the missing tray was told $(count 'this desktop shows no tray icons') times"
echo "ok: one notification says the desktop shows no tray icons; the low alert came as usual"

# The next start, still without a host: the dashboard again, the notification not.
/usr/bin/python3 "$ROOT/scripts/atspi.py" "$WIN" press Quit || fail "pressing Quit"
ended() { ! kill -0 "$APP" 2>/dev/null; }
until_ok "the app to quit from the window's Quit" 20 ended
echo "ok: Quit in the window quit the app"
no_dashboard() { ! has_dashboard; }
until_ok "the dashboard to close with the app" 20 no_dashboard
"$CLI" >>"$SESSION_TMP/app.log" 2>&1 &
APP=$!
until_ok "the dashboard to open by itself at the second start" 40 has_dashboard
WIN=$(dashboard_pid)
started=$(date +%s)
quiet() { grep -q "told before in this settings folder" "$SESSION_TMP/app.log"; }
until_ok "the app to decide about the notification at its second start" 20 quiet
# Past the grace period and the decision, plus time for a notification to arrive.
sleep $((started + 8 - $(date +%s) > 0 ? started + 8 - $(date +%s) : 1))
[ "$(count 'this desktop shows no tray icons')" -eq 1 ] || fail "told again at the second start"
echo "ok: the second start opened the dashboard without telling again"

# A tray host that appears later gets the icon.
/usr/bin/python3 "$ROOT/scripts/sni_watcher.py" >"$SESSION_TMP/watcher.log" 2>&1 &
WATCHER=$!
registered() { local r; r=$(busctl --user get-property org.kde.StatusNotifierWatcher /StatusNotifierWatcher org.kde.StatusNotifierWatcher RegisteredStatusNotifierItems) || return 1; grep -qF "StatusNotifierItem-$APP-" <<<"$r"; }
until_ok "the app's icon to register with the tray host that appeared" 30 registered
echo "ok: a tray host that appeared later got the icon"

# With the icon shown the dashboard offers no Quit any more: the tray menu has it.
kill -TERM "$APP"
until_ok "the app to end on SIGTERM" 20 ended

# The host seen, then gone: the next start without one is told again.
kill "$WATCHER"; wait "$WATCHER" 2>/dev/null
gone() { ! bus_has org.kde.StatusNotifierWatcher; }
until_ok "the tray host to leave the bus" 10 gone
until_ok "the dashboard to close with the app" 20 no_dashboard
"$CLI" >>"$SESSION_TMP/app.log" 2>&1 &
APP=$!
until_ok "the dashboard to open by itself at the third start" 40 has_dashboard
again() { [ "$(count 'this desktop shows no tray icons')" -ge 2 ]; }
until_ok "the notification again, a host having been seen since" 20 again
echo "ok: after a host was seen and lost, the next start told again"
kill -TERM "$APP"
until_ok "the app to end on SIGTERM" 20 ended
