//! `heygen-tray status`: one fetch per account (or the running monitor's figures),
//! printed as text, JSON or a Waybar module; the report itself is the core's.

pub use heygen_tray_core::status_report::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Waybar,
}
