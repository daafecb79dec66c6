#!/usr/bin/env bash
# Run by keyring_unlock.rs inside a D-Bus session of its own (so replacing the keyring
# daemon touches no other test): a keyring locked at start, unlocked later; a click
# on Refresh; a keyring locked while the app runs. Prints "ok: ..." lines, "FAIL: ..."
# and exits 1 on the first failure. Every wait is bounded and says what it waited for.
# Needs: CLI (heygen-tray), SIM (simulator base URL), NAME, KEY, WATCHER (sni_watcher.py).
set -uo pipefail
fail() { echo "FAIL: $*"; cat "$WORK/app.log" 2>/dev/null | tail -20; exit 1; }
WORK=$(mktemp -d)
export XDG_RUNTIME_DIR=$WORK/runtime XDG_DATA_HOME=$WORK/data XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"; chmod 700 "$XDG_RUNTIME_DIR"
export HEYGEN_API_BASE=$SIM HEYGEN_TRAY_LOG=heygen_tray=debug
export DISPLAY=$APP_DISPLAY
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"' EXIT

bus_has() { busctl --user call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s "$1" 2>/dev/null | grep -q true; }
wait_for() { # WHAT SECONDS COMMAND...
  local what=$1 n=$(($2 * 10)); shift 2
  until "$@" >/dev/null 2>&1; do n=$((n - 1)); [ $n -gt 0 ] || fail "gave up waiting for $what"; sleep 0.1; done
}
keyring_up() { printf 'unlock-me' | gnome-keyring-daemon "$@" --unlock --components=secrets >/dev/null; wait_for "the Secret Service" 20 bus_has org.freedesktop.secrets; }
lock() { busctl --user call org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service Lock ao 1 /org/freedesktop/secrets/aliases/default >/dev/null || fail "Lock"; }
locked() { busctl --user get-property org.freedesktop.secrets /org/freedesktop/secrets/collection/login org.freedesktop.Secret.Collection Locked | grep -q true; }
prompts() { grep -c "member=Prompt" "$WORK/monitor.log" || true; }
tooltip() { busctl --user get-property "org.kde.StatusNotifierItem-$APP-1" /StatusNotifierItem org.kde.StatusNotifierItem ToolTip 2>/dev/null; }
shows() { tooltip | grep -qF -- "$1"; }
start_app() {
  "$CLI" >"$WORK/app.log" 2>&1 & APP=$!
  wait_for "the app's tray item" 30 bus_has "org.kde.StatusNotifierItem-$APP-1"
}
stop_app() { kill "$APP"; wait "$APP" 2>/dev/null; }
click() { # LABEL: a dbusmenu entry by label
  local id layout
  layout=$(busctl --user --json=short -- call "org.kde.StatusNotifierItem-$APP-1" /MenuBar com.canonical.dbusmenu GetLayout iias 0 -1 0) || fail "GetLayout: $layout"
  id=$(printf '%s' "$layout" | python3 -c 'import json,sys
def walk(n):
    for k in n[2]:
        d=k["data"]
        if d[1].get("label",{}).get("data")==sys.argv[1]: print(d[0]); sys.exit()
        walk(d)
walk(json.load(sys.stdin)["data"][1])' "$1")
  [ -n "$id" ] || fail "no menu entry $1"
  busctl --user -- call "org.kde.StatusNotifierItem-$APP-1" /MenuBar com.canonical.dbusmenu Event isvu "$id" clicked s "" 0 >/dev/null || fail "click $1"
}

keyring_up
/usr/bin/python3 "$WATCHER" >"$WORK/watcher.log" 2>&1 &
wait_for "the StatusNotifierWatcher" 20 bus_has org.kde.StatusNotifierWatcher
dbus-monitor --session "type='method_call',interface='org.freedesktop.Secret.Prompt'" >"$WORK/monitor.log" 2>&1 &
printf '%s' "$KEY" | "$CLI" accounts add "$NAME" >/dev/null || fail "accounts add"

# 1. Locked at start, unlocked later, no click: fresh figures within a minute, one prompt at most.
lock; locked || fail "the keyring did not lock"
start_app
wait_for "the tooltip to say the keyring is locked" 20 shows "keyring locked"
sleep 12   # the watcher has looked once by now; looking never prompts
[ "$(prompts)" -le 1 ] || fail "$(prompts) unlock prompts while locked (at most one per start)"
echo "ok: locked at start shows 'keyring locked'; prompts so far: $(prompts)"
before=$(prompts)
keyring_up --replace
locked && fail "the keyring is still locked"
t0=$(date +%s)
wait_for "fresh figures after the unlock (no click)" 60 shows '$42.50'
echo "ok: fresh figures $(( $(date +%s) - t0 )) s after the unlock, with no click"
[ "$(prompts)" -eq "$before" ] || fail "the watcher prompted"
stop_app

# 2. Locked at start, unlocked, Refresh clicked: the keys are read again at once.
lock
start_app
wait_for "the tooltip to say the keyring is locked" 20 shows "keyring locked"
p0=$(prompts)
keyring_up --replace
click "Refresh now"
wait_for "fresh figures within 5 s of Refresh" 5 shows '$42.50'
echo "ok: Refresh read the key again; prompts for it: $(( $(prompts) - p0 ))"

# 3. Locked while running: the last good figures stay, and polling goes on.
lock; locked || fail "the keyring did not lock"
"$CLI" accounts set "$NAME" --low 5 >/dev/null || fail "accounts set"   # makes the app re-read settings and keys
sleep 2
click "Refresh now"
sleep 3
shows '$42.50' || fail "the figures went away: $(tooltip)"
shows "keyring locked" && fail "a locked keyring hid good figures: $(tooltip)"
curl -sf -X POST -d '{"username":"jane_doe","billing_type":"wallet","wallet":{"currency":"usd","remaining_balance":41}}' \
  "$SIM/_sim/$NAME/profile" >/dev/null || fail "simulator control"
click "Refresh now"
wait_for "a new figure from the key kept in memory" 10 shows '$41.00'
echo "ok: a keyring locked while running keeps the figures and the polling"
stop_app
echo "prompts in all: $(prompts)"
