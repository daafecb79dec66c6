//! heygen-tray: watches the remaining balance or credits of HeyGen accounts.
//!
//! The domain (everything but `app`) is plain Rust with no Tauri import:
//! `api` fetches, `billing` interprets, `snapshot` remembers, `poller` schedules.
//! `app` is the Tauri edge that renders snapshots in the tray and windows.

pub mod accounts;
pub mod alerts;
pub mod api;
pub mod billing;
pub mod cli;
pub mod clock;
pub mod forecast;
pub mod heygen_cli;
pub mod history;
pub mod keystore;
pub mod poller;
pub mod secret;
pub mod settings;
pub mod simulator;
pub mod snapshot;
pub mod view;

pub mod app;
