//! `heygen-tray-app`: the Tauri edge, in one of two roles. The tray process
//! (`tray_process`) polls, alerts, records and shows the tray, and keeps running with
//! no window open; a window process (`window_process`) shows one window for it and
//! asks it for everything. Everything here only wires and draws; the decisions are
//! made in the core. Users start it through `heygen-tray` (the command line), which
//! hands over with the same arguments.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
#[cfg(test)]
mod contract_tests;
mod role;
mod tray_process;
mod webview;
mod window_process;
#[cfg(windows)]
mod windows_shell;

use clap::Parser;
use heygen_tray_core::{EXIT_FAILURE, EXIT_USAGE};
use role::Role;
use std::sync::Arc;
use webview::Page;

/// The app binary's name, as installed.
#[cfg(unix)]
const APP_NAME: &str = "heygen-tray-app";

/// The app's own arguments (the command line documents them for users).
#[derive(Debug, Parser)]
#[command(name = "heygen-tray-app", version, about = "The HeyGen Tray app; start it with `heygen-tray`.")]
struct Args {
    /// Run against the built-in API simulator with a wallet that drains within a minute.
    #[arg(long)]
    demo: bool,
    /// Open a window at start: `dashboard` or `settings`.
    #[arg(long, value_name = "WINDOW", value_parser = ["dashboard", "settings"])]
    open: Option<String>,
    /// Internal: run one window for a running tray process.
    #[arg(long, value_name = "WINDOW", value_parser = ["dashboard", "settings"], hide = true)]
    window: Option<String>,
}

fn main() {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => EXIT_USAGE,
            };
            std::process::exit(code);
        }
    };
    std::process::exit(run(args.demo, args.open, args.window));
}

/// Picks the process's role: a window for a running tray process (`--window`, as
/// the tray starts them), or the tray process itself.
fn run(demo: bool, open: Option<String>, window: Option<String>) -> i32 {
    init_logging();
    if let Err(e) = graphical_session() {
        eprintln!("error: {e}");
        return EXIT_FAILURE;
    }
    match window.as_deref().and_then(Page::parse) {
        Some(page) => {
            // Started through /proc/self/exe, the kernel named this process `exe`.
            #[cfg(target_os = "linux")]
            // SAFETY: PR_SET_NAME copies at most 16 bytes from a NUL-terminated string.
            unsafe {
                libc::prctl(libc::PR_SET_NAME, c"heygen-tray-app".as_ptr());
            }
            window_process::run(page)
        }
        None => tray_process::run(demo, open.as_deref().and_then(Page::parse)),
    }
}

/// GTK opens a GL context at start-up that costs ~30 MiB and is not needed: the
/// webview renders in its own process. Must be set before GTK starts.
fn without_gl() {
    if std::env::var_os("GDK_GL").is_none() {
        std::env::set_var("GDK_GL", "disable");
    }
}

/// The tray and windows need a desktop session: say so plainly rather than let the
/// toolkit fail.
fn graphical_session() -> Result<(), String> {
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        if !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
            return Err("no graphical session: neither DISPLAY nor WAYLAND_DISPLAY is set. The tray app runs in a desktop session; the command line works without one (heygen-tray status).".into());
        }
    }
    Ok(())
}

/// Builds the app; a panic inside the toolkit (a display that cannot be opened)
/// becomes an error with words instead of a crash report.
fn without_panic(build: impl FnOnce() -> tauri::Result<tauri::App>) -> Result<tauri::App, String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(build));
    std::panic::set_hook(hook);
    match built {
        Ok(Ok(app)) => Ok(app),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => {
            let what =
                panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned()).unwrap_or_default();
            let display = std::env::var("WAYLAND_DISPLAY").or_else(|_| std::env::var("DISPLAY")).unwrap_or_default();
            Err(format!(
                "the display \"{display}\" could not be used ({}); is the desktop session running and reachable?",
                panic_words(&what)
            ))
        }
    }
}

/// A toolkit panic's message in words: GLib's `message: "…"` when it has one, and
/// never the source path of the crate that panicked.
fn panic_words(what: &str) -> String {
    let quoted = what.split_once("message: \"").and_then(|(_, rest)| rest.split_once('"')).map(|(m, _)| m.to_string());
    quoted.unwrap_or_else(|| what.split(" { ").next().unwrap_or(what).trim().to_string())
}

/// The app's context (config and embedded UI), generated once.
fn context() -> tauri::Context<tauri::Wry> {
    tauri::generate_context!()
}

/// The plugins and commands both roles serve their pages with; `role` answers them.
fn with_commands(builder: tauri::Builder<tauri::Wry>, role: Arc<dyn Role>) -> tauri::Builder<tauri::Wry> {
    builder.plugin(tauri_plugin_opener::init()).manage(role).invoke_handler(tauri::generate_handler![
        commands::get_dashboard,
        commands::get_charts,
        commands::refresh,
        commands::get_settings,
        commands::account_notes,
        commands::test_key,
        commands::save_account,
        commands::remove_account,
        commands::save_preferences,
        commands::import_heygen_cli,
        commands::open_link,
        commands::open_window,
        commands::quit,
        commands::start_demo,
        commands::test_hook,
    ])
}

/// After the last window closed: end WebKit's helper processes (the network process
/// otherwise lingers for the app's lifetime) and hand freed memory back to the system.
fn release_webview_memory() {
    #[cfg(target_os = "linux")]
    {
        let me = std::process::id().to_string();
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for e in entries.flatten() {
                let status = std::fs::read_to_string(e.path().join("status")).unwrap_or_default();
                let field = |k: &str| status.lines().find_map(|l| l.strip_prefix(k)).map(str::trim).unwrap_or("");
                if field("PPid:") == me && field("Name:").starts_with("WebKit") {
                    if let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() {
                        // SAFETY: signalling our own child process.
                        unsafe { libc::kill(pid, libc::SIGTERM) };
                    }
                }
            }
        }
    }
    return_free_memory();
}

/// Hands freed heap pages back to the system (after a window closed: what serving or
/// showing it took is freed but would otherwise stay with the process).
fn return_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HEYGEN_TRAY_LOG").unwrap_or_else(|_| "heygen_tray=info".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_toolkit_panic_is_told_without_source_paths() {
        let gtk = r#"Failed to initialize gtk backend!: BoolError { message: "Failed to initialize GTK", filename: "/root/.cargo/registry/src/x/gtk-0.18.2/src/rt.rs", function: "gtk::rt::init", line: 141 }"#;
        assert_eq!(super::panic_words(gtk), "Failed to initialize GTK");
        assert_eq!(super::panic_words("cannot open display { x }"), "cannot open display");
    }
}
