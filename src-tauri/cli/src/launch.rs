//! The hand-off to the tray app: `heygen-tray` with no subcommand (and `--demo`,
//! `--open`, `--window`) runs `heygen-tray-app` from the folder it was installed in,
//! with the same arguments. On Unix the process is replaced (same PID, signals and
//! exit code), so launchers, autostart entries and WebDriver see one program.

use crate::EXIT_FAILURE;
use std::ffi::OsString;
use std::path::PathBuf;

/// The app binary's file name.
pub const APP_NAME: &str = "heygen-tray-app";

/// Where the app binary must be: beside this executable.
pub fn app_path() -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot tell where heygen-tray is installed: {e}"))?;
    let dir = me.parent().ok_or("cannot tell where heygen-tray is installed")?;
    Ok(dir.join(format!("{APP_NAME}{}", std::env::consts::EXE_SUFFIX)))
}

/// Runs the app with `args`; returns only on failure (Unix) or with the app's exit code.
pub fn app(args: impl Iterator<Item = OsString>) -> i32 {
    let path = match app_path() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    if !path.is_file() {
        eprintln!(
            "error: the tray app is not installed: {} is missing. Reinstall the heygen-tray package, or build every binary with `cargo build --workspace`. The other commands (status, accounts, history) work without it.",
            path.display()
        );
        return EXIT_FAILURE;
    }
    let mut command = std::process::Command::new(&path);
    command.args(args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = command.exec();
        eprintln!("error: could not start {}: {e}", path.display());
        EXIT_FAILURE
    }
    #[cfg(not(unix))]
    match command.status() {
        Ok(status) => status.code().unwrap_or(EXIT_FAILURE),
        Err(e) => {
            eprintln!("error: could not start {}: {e}", path.display());
            EXIT_FAILURE
        }
    }
}
