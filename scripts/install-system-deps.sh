#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages needed to build heygen-tray and run its tests
# headlessly (Xvfb, D-Bus, gnome-keyring, dunst, WebKitWebDriver). Idempotent.
set -euo pipefail
PKGS=(
  # build
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev pkg-config build-essential
  # headless desktop session for tests
  xvfb xauth x11-utils dbus dbus-x11 gnome-keyring libsecret-tools dunst webkit2gtk-driver
  # busctl (the tests read the tray and notifications over D-Bus with it); a TLS front
  # with a certificate authority made by the tests (HTTPS and proxy tests)
  systemd openssl socat
  # a real tray host (its systray plugin shows StatusNotifierItems) for tests and screenshots
  xfce4-panel
  # reading windows the way assistive technology does (scripts/atspi.py)
  at-spi2-core python3-pyatspi
  # the monitoring engine `watch` is tested with (Prometheus scraping /metrics, its
  # alerting rules); JSON Schema checks of the documented outputs
  prometheus python3-jsonschema
  # scripts, screenshots, benchmarks
  curl jq imagemagick xdotool man-db python3-gi python3-xlib procps time
  # packaging (scripts/package.sh): shared-library dependencies, metadata checks
  dpkg-dev desktop-file-utils appstream
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
