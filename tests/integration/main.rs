//! Integration tests: the client, poller and CLI against the API simulator over
//! loopback. One test binary (the modules below) so the crate links once.

mod cli_link;
mod cli_status;
mod client;
// scripts/cross.sh's signal handling (bash, Unix process groups).
#[cfg(target_os = "linux")]
mod cross_script;
// The desktop tests (Xvfb, D-Bus, gnome-keyring, dunst, WebKit) and those using
// Unix process and file APIs run on Linux; scripts/cross.sh runs the core and the
// command line under Wine instead.
#[cfg(target_os = "linux")]
mod e2e;
mod history;
mod keyring;
#[cfg(target_os = "linux")]
mod launch;
mod oauth;
mod poller;
mod pricing;
// Debian's Prometheus scraping `watch` (needs the watch module's helpers).
#[cfg(target_os = "linux")]
mod prometheus;
// The monitor over days on a clock the test moves (core::monitor).
#[cfg(target_os = "linux")]
mod scale;
mod scenarios;
// The JSON outputs against docs/schema/.
mod schema;
#[cfg(target_os = "linux")]
mod spend_guard;
mod support;
#[cfg(target_os = "linux")]
mod systemd_units;
mod tls;
#[cfg(target_os = "linux")]
mod two_stores;
mod untrusted;
// `heygen-tray watch` without a desktop: Unix signals and sockets.
#[cfg(target_os = "linux")]
mod watch;
