#!/usr/bin/env bash
# The test command. Installs the system packages the tests need, starts a private
# headless desktop session (D-Bus, Xvfb, unlocked gnome-keyring, dunst) and runs
# every test in it. Extra arguments go to `cargo test`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${HEYGEN_TRAY_IN_SESSION:-}" ]; then
  "$ROOT/scripts/install-system-deps.sh"
  # cargo and tauri-driver are in $CARGO_HOME/bin, which a fresh shell may not have on PATH.
  export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
  command -v cargo >/dev/null || { echo "Rust is needed: install it from https://rustup.rs" >&2; exit 1; }
  # The end-to-end tests drive the app's webview through tauri-driver (and WebKitWebDriver).
  command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
  exec dbus-run-session -- env HEYGEN_TRAY_IN_SESSION=1 "$0" "$@"
fi
cd "$ROOT"
# shellcheck source=session.sh
source scripts/session.sh
start_session
cargo test --locked "$@"
