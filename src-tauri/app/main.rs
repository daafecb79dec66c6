//! `heygen-tray-app`: the Tauri edge. Starts the poller, the tray, the views loop and
//! the windows, and keeps running in the tray with no window open. Everything here
//! only wires and draws; the decisions are made in the core. Users start it through
//! `heygen-tray` (the command line), which hands over with the same arguments.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod actions;
mod autostart;
mod commands;
mod demo;
mod icons;
mod notifier;
mod shared;
mod tasks;
/// The tray: a ksni StatusNotifierItem on Linux; Tauri's tray elsewhere, and on Linux
/// with the `tauri-tray` feature (so that code is built and tested here too).
#[cfg(all(target_os = "linux", not(feature = "tauri-tray")))]
#[path = "tray_linux.rs"]
mod tray;
#[cfg(any(not(target_os = "linux"), feature = "tauri-tray"))]
#[path = "tray_other.rs"]
mod tray;
mod views;
mod wake;
mod window_host;
mod windows;

pub use shared::Shared;

use clap::Parser;
use heygen_tray_core::accounts::{Accounts, Unlock};
use heygen_tray_core::api::{oauth, ApiBase, Client, Credential};
use heygen_tray_core::clock::SystemClock;
use heygen_tray_core::history::History;
use heygen_tray_core::poller::{self, Poller};
use heygen_tray_core::settings::AuthKind;
use heygen_tray_core::{EXIT_FAILURE, EXIT_USAGE};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{Manager, RunEvent, WindowEvent};
use tokio::sync::{mpsc, watch};
use windows::Page;

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

/// Starts the tray app; `open` opens a window at start, in this process (used by
/// tests and launchers). `window` runs a window process for a tray process.
fn run(demo: bool, open: Option<String>, window: Option<String>) -> i32 {
    init_logging();
    if let Err(e) = graphical_session() {
        eprintln!("error: {e}");
        return EXIT_FAILURE;
    }
    if let Some(page) = window.as_deref().and_then(Page::parse) {
        return run_window(page);
    }
    // GTK opens a GL context at start-up that costs ~30 MiB and is not needed: the
    // webview renders in its own process. Must be set before GTK starts.
    if std::env::var_os("GDK_GL").is_none() {
        std::env::set_var("GDK_GL", "disable");
    }
    let (simulator, base, demo_accounts, store) = if demo {
        let sim = match demo::Demo::start() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: the demo could not start: {e}");
                return EXIT_FAILURE;
            }
        };
        let store = Accounts { settings: heygen_tray_core::settings::Store::at(sim.dir()), keystore: Default::default() };
        let base = sim.base.clone();
        (Some(sim), base, Some(demo::configs()), store)
    } else {
        match ApiBase::from_env() {
            Ok(b) => (None, b, None, Accounts::open_default()),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        }
    };
    let mut client = Client::new(base.clone()).with_token_keeper(Arc::new(store.clone()));
    if demo {
        client = client.with_oauth_base(base);
    } else if let Ok(o) = oauth::oauth_base_from_env() {
        client = client.with_oauth_base(o);
    }
    if let Some(configs) = &demo_accounts {
        // The demo's accounts appear in Settings like real ones (their keys are simulated).
        let _ = store.settings.update(|s| {
            s.accounts = configs
                .iter()
                .map(|c| {
                    let auth = if matches!(c.credential, Credential::OAuth(_)) { AuthKind::Oauth } else { AuthKind::ApiKey };
                    heygen_tray_core::settings::Account::new(c.name.clone(), auth)
                })
                .collect();
        });
    }
    let loaded = store.settings.load();
    #[cfg(unix)]
    let (mut status_listener, mut status_socket) = tasks::bind_status(&store.settings).unzip();
    let (commands, command_rx) = mpsc::unbounded_channel();
    let (publish, snapshots) = watch::channel(Arc::new(Vec::new()));
    let mut poller = Poller::new(client.clone(), Arc::new(SystemClock), loaded.settings.poll_interval());
    if demo {
        poller = poller.with_fast_interval(Duration::from_secs(3));
    } else {
        poller.apply(loaded.settings.polling());
    }
    let first_run = !demo && loaded.settings.accounts.is_empty();
    let shared = Arc::new(Shared {
        demo: demo_accounts,
        // Under WebDriver (WebKitWebDriver sets WEBKIT_INSPECTOR_SERVER) the windows
        // must live in the process being driven.
        windows_in_process: demo || open.is_some() || std::env::var_os("WEBKIT_INSPECTOR_SERVER").is_some(),
        ..Shared::new(store, client, commands, snapshots, loaded.notice)
    });
    let setup_shared = shared.clone();
    let builder = tauri::Builder::default().plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
        // A second launch shows this app's window instead of starting another copy.
        let page = if argv.iter().any(|a| a == "settings") { Page::Settings } else { Page::Dashboard };
        actions::open_window(app, page);
    }));
    let app = without_panic(|| with_commands(builder, shared.clone())
        .setup(move |app| {
            let shared = setup_shared;
            let saver = shared.clone();
            tauri::async_runtime::spawn(poller::run(poller, command_rx, publish, move |renewed| {
                let saver = saver.clone();
                tauri::async_runtime::spawn_blocking(move || {
                    for (name, tokens) in renewed {
                        if let Err(e) = saver.accounts.save_tokens(&name, &tokens) {
                            tracing::error!("renewed token for {name} not saved: {e}");
                        }
                    }
                });
            }));
            let reload = shared.clone();
            let history_path = if demo { reload.accounts.settings.path().with_file_name("history.sqlite3") } else { History::default_path() };
            tauri::async_runtime::spawn_blocking(move || {
                tasks::open_history(&reload, &history_path);
                if reload.demo.is_some() {
                    if let Some(h) = reload.history.lock().unwrap().as_ref() {
                        demo::seed_history(h, chrono::Utc::now());
                    }
                }
                // At start: at most one unlock prompt, if the keyring is locked.
                reload.reload(true, Unlock::Once);
                tasks::recall_recent(&reload);
            });
            tasks::watch_settings(&shared);
            tauri::async_runtime::spawn(tasks::keyring_watch(shared.clone()));
            let waker = shared.commands.clone();
            let told = move |event| {
                let _ = waker.send(match event {
                    wake::Event::OnBattery(on_battery) => poller::Command::SetOnBattery(on_battery),
                    wake::Event::Resumed | wake::Event::NetworkUp => poller::Command::Wake,
                });
            };
            if wake::watch(told) {
                let _ = shared.commands.send(poller::Command::SetClockCheck(None));
            }
            tasks::exit_on_signals(app.handle());
            #[cfg(unix)]
            if let Some(listener) = status_listener.take() {
                tasks::serve_status(&shared, listener);
            }
            let tray = match tray::start(app.handle(), shared.clone()) {
                Ok(t) => Some(t),
                Err(e) => {
                    tracing::error!("the tray icon could not start: {e}");
                    None
                }
            };
            tauri::async_runtime::spawn(views::run(app.handle().clone(), shared.clone(), tray));
            Ok(())
        })
        .build(context()));
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: the app could not start: {e}");
            return EXIT_FAILURE;
        }
    };
    // The demo (simulator child, private folder) ends with the event loop, which does
    // not return: it is dropped on RunEvent::Exit.
    let mut demo_running = simulator;
    // A window asked for at start opens once the event loop runs (opened during setup,
    // an early close request could be lost).
    let mut open_at_start = match open.as_deref() {
        Some(p) => Page::parse(p),
        None if first_run => Some(Page::Settings),
        None => None,
    };
    app.run(move |app, event| match event {
        RunEvent::Exit => {
            drop(demo_running.take());
            #[cfg(unix)]
            drop(status_socket.take());
        }
        RunEvent::Ready => {
            if let Some(page) = open_at_start.take() {
                actions::open_window(app, page);
            }
        }
        // Closing the last window leaves the app in the tray; Quit passes a code.
        RunEvent::ExitRequested { code: None, api, .. } => api.prevent_exit(),
        RunEvent::WindowEvent { event: WindowEvent::Destroyed, .. } if app.webview_windows().is_empty() => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(Duration::from_secs(2)).await;
                if app.webview_windows().is_empty() {
                    release_webview_memory();
                }
            });
        }
        _ => {}
    });
    0
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
            let what = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned()).unwrap_or_default();
            Err(format!("the desktop session could not be used ({}); is the display running and reachable?", what.trim()))
        }
    }
}

/// The app's context (config and embedded UI), generated once.
fn context() -> tauri::Context<tauri::Wry> {
    tauri::generate_context!()
}

/// The plugins, state and commands both kinds of process share.
fn with_commands(builder: tauri::Builder<tauri::Wry>, shared: Arc<Shared>) -> tauri::Builder<tauri::Wry> {
    builder
        .plugin(tauri_plugin_opener::init())
        .manage(shared)
        .invoke_handler(tauri::generate_handler![
            commands::get_dashboard,
            commands::get_history,
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
        ])
}

/// A window process: one window, state from the tray process on stdin; ends when the
/// window closes (or the tray process goes away).
fn run_window(page: Page) -> i32 {
    if std::env::var_os("GDK_GL").is_none() {
        std::env::set_var("GDK_GL", "disable");
    }
    let base = match ApiBase::from_env() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let mut client = Client::new(base);
    if let Ok(o) = oauth::oauth_base_from_env() {
        client = client.with_oauth_base(o);
    }
    let accounts = Accounts::open_default();
    let loaded = accounts.settings.load();
    let history = History::open(&History::default_path()).ok().map(|(h, _)| h);
    let remote = Arc::new(window_host::Remote::new());
    let (commands, _) = mpsc::unbounded_channel();
    let (_, snapshots) = watch::channel(Arc::new(Vec::new()));
    let shared = Arc::new(Shared {
        settings: Mutex::new(loaded.settings),
        history: Mutex::new(history),
        remote: Some(remote.clone()),
        windows_in_process: true,
        ..Shared::new(accounts, client, commands, snapshots, loaded.notice)
    });
    let app = without_panic(|| {
        with_commands(tauri::Builder::default(), shared)
            .setup(move |app| {
                remote.listen(app.handle().clone(), page);
                windows::open(app.handle(), page)?;
                Ok(())
            })
            .build(context())
    });
    match app {
        Ok(app) => {
            app.run(|_, _| {});
            0
        }
        Err(e) => {
            eprintln!("error: the window could not open: {e}");
            EXIT_FAILURE
        }
    }
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
        #[cfg(target_env = "gnu")]
        // SAFETY: malloc_trim only returns free heap pages to the kernel.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HEYGEN_TRAY_LOG").unwrap_or_else(|_| "heygen_tray=info".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
