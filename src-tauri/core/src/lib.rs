//! The core of heygen-tray: plain Rust with no GUI dependency, shared by the
//! command line (`heygen-tray`) and the tray app (`heygen-tray-app`).
//!
//! `api` fetches, `billing` interprets, `snapshot` remembers, `poller` schedules,
//! `alerts` decides, `view` turns snapshots into what the tray and windows show,
//! `history` and `forecast` look back and ahead; `settings`, `keystore` and
//! `accounts` keep the configuration and the keys, `service` is what Settings and the
//! command line both do with them; `live` lets the command line
//! read the running app's figures; `watch` is the monitor without a display and
//! `local_api` serves its figures over HTTP.

pub mod accounts;
pub mod alerts;
pub mod api;
pub mod billing;
pub mod cli_link;
pub mod clock;
pub mod forecast;
pub mod heygen_cli;
pub mod history;
pub mod hooks;
pub mod keystore;
pub mod live;
pub mod local_api;
pub mod monitor;
pub mod poller;
pub mod pricing;
pub mod process_group;
pub mod secret;
pub mod service;
pub mod settings;
pub mod sign_in;
pub mod snapshot;
pub mod spend;
pub mod status_report;
pub mod text;
pub mod tray_icon;
pub mod view;
pub mod watch;
pub mod words;

#[cfg(test)]
mod module_graph_tests;

/// Exit code for bad usage (unknown flag, bad value), shared by both binaries.
pub const EXIT_USAGE: i32 = 64;
/// Exit code for a command that failed (key rejected, keyring locked, no such account).
pub const EXIT_FAILURE: i32 = 3;
