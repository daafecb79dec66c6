#!/usr/bin/env bash
# The test command. Installs the system packages the tests need, starts a private
# headless desktop session (D-Bus, Xvfb, unlocked gnome-keyring, dunst) and runs
# every test in it. Extra arguments go to `cargo test`.
#
# Builds every binary first: the tests run the command line (`heygen-tray`), the
# app (`heygen-tray-app`) and the app built with Tauri's own tray (the macOS and
# Windows tray, feature `tauri-tray`), kept as `heygen-tray-app-tauri-tray`.
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
# Style gates, first (they take seconds): the layout rustfmt.toml says, and clippy below.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi
cargo fmt --check || { echo "test.sh: the code is not formatted: run cargo fmt" >&2; exit 1; }
# shellcheck source=session.sh
source scripts/session.sh
start_session
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
cargo build --locked -p heygen-tray --features tauri-tray
cp "$TARGET/heygen-tray-app" "$TARGET/heygen-tray-app-tauri-tray"
cargo build --locked --workspace
cargo clippy --locked --workspace --all-targets -- -D warnings
# A keyring prompt nobody answers fails its test in 20 s, not the default 120 s each
# (a test session's keyring that went wrong would otherwise hold CI for hours).
export HEYGEN_TRAY_KEYRING_TIMEOUT=20
# Each line of the results carries the time it came (a slow stretch shows in a CI log),
# and a failure ends with what failed, last, where a log cut to its tail still has it.
RESULTS="$SESSION_TMP/cargo-test.log"
set +e
cargo test --locked --workspace "$@" 2>&1 | while IFS= read -r line; do printf '%(%T)T %s\n' -1 "$line"; done | tee "$RESULTS"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
  {
    echo "test.sh: cargo test failed (exit $rc). What failed:"
    grep -E -A4 -e '\.\.\. FAILED$' -e "panicked at" -e "error: test failed" -e "didn't exit successfully" "$RESULTS" | tail -80 || true
  } >&2
  exit "$rc"
fi
