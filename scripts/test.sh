#!/usr/bin/env bash
# The test command. Installs the system packages the tests need, starts a private
# headless desktop session (D-Bus, Xvfb, unlocked gnome-keyring, dunst) and runs
# every test in it. Extra arguments go to `cargo test`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${HEYGEN_TRAY_IN_SESSION:-}" ]; then
  "$ROOT/scripts/install-system-deps.sh"
  command -v cargo >/dev/null || { echo "Rust is needed: install it from https://rustup.rs" >&2; exit 1; }
  exec dbus-run-session -- env HEYGEN_TRAY_IN_SESSION=1 "$0" "$@"
fi
cd "$ROOT"
# shellcheck source=session.sh
source scripts/session.sh
start_session
cargo test --locked "$@"
