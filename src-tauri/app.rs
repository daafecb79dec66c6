//! The Tauri edge: tray and windows.

/// Starts the tray app.
pub fn run(_demo: bool) -> i32 {
    eprintln!("The tray app is not built yet; use `heygen-tray status`.");
    crate::cli::EXIT_FAILURE
}
