#!/usr/bin/env bash
# Builds the Debian package into dist/ and checks it: release binaries (`heygen-tray`,
# `heygen-tray-app`), the desktop entry, AppStream metainfo, hicolor icons, and man
# pages and shell completions generated from the command line's own definition.
# Runtime libraries become package dependencies (dpkg-shlibdeps, through cargo-deb).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
"$ROOT/scripts/install-system-deps.sh"
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
command -v cargo >/dev/null || { echo "Rust is needed: install it from https://rustup.rs" >&2; exit 1; }
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked

# One build for everything (the same package selection as every other build, so
# shared dependencies are compiled once with one feature set).
cargo build --release --locked --workspace --bins --example gen_assets
rm -rf dist/generated
"${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/gen_assets" dist/generated
gzip -9n dist/generated/man/*.1
rm -f dist/heygen-tray_*.deb
cargo deb --locked --no-build -p heygen-tray --output dist/
DEB=$(ls dist/heygen-tray_*.deb)

# Checks: the metadata files validate, every file a user needs is in the package,
# and the GUI's runtime libraries are dependencies.
fail() { echo "package check failed: $*" >&2; exit 1; }
desktop-file-validate src-tauri/packaging/com.heygen_tray.HeygenTray.desktop
appstreamcli validate --no-net src-tauri/packaging/com.heygen_tray.HeygenTray.metainfo.xml >/dev/null
contents=$(dpkg-deb -c "$DEB" | awk '{print $6}')
for f in ./usr/bin/heygen-tray ./usr/bin/heygen-tray-app \
  ./usr/share/applications/com.heygen_tray.HeygenTray.desktop \
  ./usr/share/metainfo/com.heygen_tray.HeygenTray.metainfo.xml \
  ./usr/share/icons/hicolor/{16x16,22x22,24x24,32x32,48x48,64x64,128x128,256x256}/apps/heygen-tray.png \
  ./usr/share/man/man1/heygen-tray.1.gz ./usr/share/man/man1/heygen-tray-status.1.gz \
  ./usr/share/man/man1/heygen-tray-accounts-add.1.gz \
  ./usr/share/bash-completion/completions/heygen-tray ./usr/share/zsh/vendor-completions/_heygen-tray \
  ./usr/share/fish/vendor_completions.d/heygen-tray.fish ./usr/share/doc/heygen-tray/copyright \
  ./usr/lib/systemd/user/heygen-tray-watch.service ./usr/share/man/man1/heygen-tray-watch.1.gz \
  ./usr/share/doc/heygen-tray/examples/heygen-tray-watch-system.service \
  ./usr/share/doc/heygen-tray/prometheus/heygen.rules.yml ./usr/share/doc/heygen-tray/schema/status.schema.json; do
  grep -qxF "$f" <<<"$contents" || fail "$f is missing from $DEB"
done
depends=$(dpkg-deb -f "$DEB" Depends)
for lib in libwebkit2gtk-4.1-0 libgtk-3-0 libc6; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
zcat dist/generated/man/heygen-tray-status.1.gz | grep -qF '\-\-json' || fail "the status man page does not document --json"
grep -q "accounts" dist/generated/completions/heygen-tray.bash || fail "bash completion lacks the subcommands"
echo "built and checked $DEB ($(du -h "$DEB" | cut -f1)); Depends: $depends"
