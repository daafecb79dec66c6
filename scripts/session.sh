# Sourced, inside `dbus-run-session`: starts a private headless desktop session for
# tests, benchmarks and screenshots: Xvfb, an unlocked gnome-keyring (Secret
# Service), dunst (notifications) and a StatusNotifierWatcher (sni_watcher.py).
# Everything it starts is stopped on exit.
# Keyrings, config and data live in a temporary directory, never the user's own.

# wait_for WHAT SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds; after
# SECONDS says what it waited for (and the log of what it started) and fails.
wait_for() {
  local what=$1 seconds=$2 tries; shift 2
  tries=$((seconds * 10))
  while ! "$@" >/dev/null 2>&1; do
    tries=$((tries - 1))
    if [ "$tries" -le 0 ]; then
      echo "session: gave up after ${seconds} s waiting for $what" >&2
      return 1
    fi
    sleep 0.1
  done
}

# bus_has NAME: NAME has an owner on the session bus. (NameHasOwner needs no peer
# credentials, which `busctl status` reads and a container may not give.)
bus_has() {
  busctl --user call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s "$1" 2>/dev/null | grep -q true
}

# Never starts a keyring itself (--auto-start=no): D-Bus would start a locked one.
keyring_locked() {
  busctl --user --auto-start=no get-property org.freedesktop.secrets /org/freedesktop/secrets/collection/login \
    org.freedesktop.Secret.Collection Locked 2>/dev/null | grep -q true
}
# A keyring found gone or locked is replaced by an unlocked one (`--replace`: a daemon
# D-Bus started meanwhile, or one whose control socket was lost, is not unlocked by
# `--unlock` alone). Each time is logged and the log shown when the session ends.
keyring_watch() {
  while sleep 1; do
    if ! bus_has org.freedesktop.secrets || keyring_locked; then
      echo "$(date +%T) the keyring was gone or locked (daemons: $(pgrep -a gnome-keyring | tr '\n' ';')): replaced by an unlocked one"
      printf 'test-session' | timeout 20 gnome-keyring-daemon --replace --unlock --components=secrets >/dev/null 2>&1
    fi
  done
}

session_cleanup() {
  # The keyring watch first: the keyring ends with the display, and is not to be brought back.
  # (`wait` answers 143 for it: not a failure of the session.)
  if [ -n "${KEYRING_WATCH:-}" ]; then
    kill "$KEYRING_WATCH" 2>/dev/null || true
    wait "$KEYRING_WATCH" 2>/dev/null || true
  fi
  local pids; pids=$(jobs -p)
  [ -n "$pids" ] && kill $pids 2>/dev/null || true
  if [ -s "${SESSION_TMP:-/nonexistent}/keyring-watch.log" ]; then
    echo "session: the test keyring had to be brought back:" >&2
    cat "$SESSION_TMP/keyring-watch.log" >&2
  fi
  [ -n "${SESSION_TMP:-}" ] && rm -rf "$SESSION_TMP"
}

start_session() {
  SESSION_TMP=$(mktemp -d /tmp/heygen-tray-session.XXXXXX)
  trap session_cleanup EXIT
  export XDG_RUNTIME_DIR="$SESSION_TMP/runtime" XDG_DATA_HOME="$SESSION_TMP/data" XDG_CONFIG_HOME="$SESSION_TMP/config"
  export XDG_CACHE_HOME="$SESSION_TMP/cache"
  mkdir -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
  chmod 700 "$XDG_RUNTIME_DIR"

  # A free display number.
  local n=99
  while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do n=$((n + 1)); done
  Xvfb ":$n" -screen 0 "${SESSION_SCREEN:-1280x800x24}" -nolisten tcp >"$SESSION_TMP/xvfb.log" 2>&1 &
  export DISPLAY=":$n"
  wait_for "Xvfb to accept connections on $DISPLAY" 30 xdpyinfo || { cat "$SESSION_TMP/xvfb.log" >&2; return 1; }

  # Started by hand and unlocked: D-Bus auto-start would give a locked, empty store.
  # Its complaints go to a log: when the bus ends under it, it prints hundreds of GLib
  # criticals, which would bury the test results above them.
  printf 'test-session' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>>"$SESSION_TMP/keyring.log"
  wait_for "gnome-keyring's Secret Service (org.freedesktop.secrets) on the session bus" 30 bus_has org.freedesktop.secrets

  # The tests' keyring stays up and unlocked: should its daemon end, D-Bus would start a
  # locked one that prompts (and a prompt nobody answers hangs the test). Checked every
  # second; the same password unlocks the same login keyring, items and all.
  keyring_watch >"$SESSION_TMP/keyring-watch.log" 2>&1 &
  KEYRING_WATCH=$!

  # Started after DISPLAY is set: auto-started dunst has no display and fails.
  mkdir -p "$XDG_CONFIG_HOME/dunst"
  printf '[global]\n    history_length = 1000\n    idle_threshold = 0\n[urgency_low]\n    timeout = 0\n[urgency_normal]\n    timeout = 0\n[urgency_critical]\n    timeout = 0\n' >"$XDG_CONFIG_HOME/dunst/dunstrc"
  dunst -config "$XDG_CONFIG_HOME/dunst/dunstrc" >"$SESSION_TMP/dunst.log" 2>&1 &
  wait_for "dunst (org.freedesktop.Notifications) on the session bus" 30 bus_has org.freedesktop.Notifications || { cat "$SESSION_TMP/dunst.log" >&2; return 1; }

  # Services D-Bus starts from here on (the accessibility bus the windows and
  # scripts/atspi.py meet on) get this session's folders and display, not those of
  # whoever started dbus-run-session, so two sessions never share one. Only now:
  # gnome-keyring, started by hand above, must not meet an activated twin.
  dbus-update-activation-environment DISPLAY XDG_RUNTIME_DIR XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME >/dev/null 2>&1 || true

  # A desktop starts the accessibility bus and its registry at login, before any app
  # (at-spi-dbus-bus.desktop): started here too, so the first window of a test does not
  # race their start. Where pyatspi is missing (a benchmark-only machine), left to D-Bus.
  if [ -x /usr/libexec/at-spi-bus-launcher ] && /usr/bin/python3 -c 'import pyatspi' 2>/dev/null; then
    wait_for "the accessibility registry (org.a11y.atspi.Registry) to list applications" 30 \
      timeout 10 /usr/bin/python3 -c 'import pyatspi; pyatspi.Registry.getDesktop(0).childCount'
  fi

  export HEYGEN_TRAY_SESSION=1
  # A desktop with no tray host (GNOME without the AppIndicator extension), for a test.
  [ -n "${SESSION_NO_WATCHER:-}" ] && return 0
  # A StatusNotifierWatcher (a tray host's registry), so tray items register as on a desktop.
  /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/sni_watcher.py" >"$SESSION_TMP/sni_watcher.log" 2>&1 &
  local watcher=$!
  wait_for "the StatusNotifierWatcher (scripts/sni_watcher.py) on the session bus" 30 bus_has org.kde.StatusNotifierWatcher \
    || { cat "$SESSION_TMP/sni_watcher.log" >&2; kill "$watcher" 2>/dev/null; return 1; }
  export HEYGEN_TRAY_SESSION=1
}
