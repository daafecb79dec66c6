#!/usr/bin/env bash
# Installs the system packages, builds the app in release mode and starts it in the tray.
# Extra arguments go to the app (for example `--demo`).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
"$ROOT/scripts/install-system-deps.sh"
# cargo is in $CARGO_HOME/bin, which a fresh shell may not have on PATH yet.
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
command -v cargo >/dev/null || { echo "Rust is needed: install it from https://rustup.rs" >&2; exit 1; }
cd "$ROOT"
cargo build --release --locked --workspace --bins
exec "${CARGO_TARGET_DIR:-$ROOT/target}/release/heygen-tray" "$@"
