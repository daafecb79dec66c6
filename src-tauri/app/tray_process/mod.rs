//! The tray process: the app as it runs all day. It alone owns the poller (and what
//! the poller was told), the snapshots and accounts whose key could not be read, the
//! forecasts, the alerts and their memory, the history and the window processes. Its
//! windows, in whatever process they run, ask it for what they show.

mod actions;
mod autostart;
mod cli_file_watch;
mod demo;
mod demo_instance;
mod icons;
mod notifier;
mod poller_sync;
mod requests;
mod tasks;
// Only the StatusNotifierItem tray can find its host missing; Tauri's tray always has one.
/// The tray: a ksni StatusNotifierItem on Linux; Tauri's tray elsewhere, and on Linux
/// with the `tauri-tray` feature (so that code is built and tested here too).
#[cfg(all(target_os = "linux", not(feature = "tauri-tray")))]
#[path = "tray_linux.rs"]
mod tray;
#[cfg(any(not(target_os = "linux"), feature = "tauri-tray"))]
#[path = "tray_other.rs"]
mod tray;
#[cfg_attr(any(not(target_os = "linux"), feature = "tauri-tray"), allow(dead_code))]
mod tray_host;
mod updates;
mod wake;
mod window_children;

use crate::role::{Reply, Request, Role};
use crate::webview::Page;
use heygen_tray_core::accounts::{AccountSource, Accounts, Unlock};
use heygen_tray_core::api::{oauth, ApiBase, Client};
use heygen_tray_core::clock::SystemClock;
use heygen_tray_core::history::History;
use heygen_tray_core::monitor::MonitorState;
use heygen_tray_core::poller::{self, Command, Poller};
use heygen_tray_core::service::Service;
use heygen_tray_core::settings::Settings;
use heygen_tray_core::snapshot::AccountSnapshot;
use heygen_tray_core::view::frame::{frame, Frame, Scene};
use heygen_tray_core::{EXIT_FAILURE, EXIT_USAGE};
use poller_sync::Told;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tauri::{Manager, RunEvent, WindowEvent};
use tokio::sync::{mpsc, watch, Notify};
use window_children::WindowChildren;

pub struct TrayProcess {
    /// Accounts (settings file and keyring) and the client that checks keys.
    pub service: Service,
    pub commands: mpsc::UnboundedSender<Command>,
    pub snapshots: watch::Receiver<Arc<Vec<AccountSnapshot>>>,
    /// Accounts whose key could not be read, shown with the keyring error.
    problems: Mutex<Vec<AccountSnapshot>>,
    /// The settings file as last read (pause, preferences, the account list shown).
    pub settings: Mutex<Settings>,
    /// What the poller was last told; compared with the file, never with `settings`.
    told: Mutex<Told>,
    /// Whether the desktop shows the tray icon (else the dashboard stands in, with Quit).
    pub tray_host: tray_host::TrayHost,
    /// The alerts' memory, the history and its figures, the hooks, Settings' notes.
    pub monitor: MonitorState,
    /// Where the accounts come from: the user's (keyring) or the demo's.
    pub source: AccountSource,
    /// What wakes the tray's tasks.
    pub signals: Signals,
    /// The account whose editor Settings opens next ("Open Settings" on an error card).
    pub edit_next: Mutex<Option<String>>,
    /// Window processes started by this process.
    pub children: WindowChildren,
    /// Show windows in this process (demo mode, `--open`, WebDriver) instead.
    pub windows_in_process: bool,
    /// The local HTTP API while it serves: its address and task (see `tasks::local_api`).
    pub local_api: Mutex<Option<(String, tauri::async_runtime::JoinHandle<()>)>>,
    app: OnceLock<tauri::AppHandle>,
}

/// What wakes the tray process's tasks.
#[derive(Default)]
pub struct Signals {
    /// The views must be redrawn without new snapshots.
    pub redraw: Notify,
    /// An account's key could not be read from the keyring (see `keyring_watch`).
    pub keyring_trouble: Notify,
    /// The accounts in the settings file changed (see `cli_file_watch`).
    pub accounts_changed: Notify,
}

impl TrayProcess {
    /// Poller snapshots and problem accounts, in the order of the settings.
    pub fn current(&self) -> Vec<AccountSnapshot> {
        let mut all: Vec<AccountSnapshot> = self.snapshots.borrow().iter().cloned().collect();
        all.extend(self.problems.lock().unwrap().iter().cloned());
        heygen_tray_core::snapshot::in_settings_order(&mut all, &self.settings.lock().unwrap());
        all
    }

    /// What every view shows now, from `snaps` (see [`TrayProcess::current`]), with
    /// one clock reading.
    pub fn frame(&self, snaps: &[AccountSnapshot]) -> Frame {
        let figures = self.monitor.figures.lock().unwrap();
        let settings = self.settings.lock().unwrap();
        let (forecasts, spend, paces) = (figures.forecasts(), figures.spend(), figures.paces());
        let scene = Scene {
            snaps,
            forecasts: &forecasts,
            spend: &spend,
            paces: &paces,
            settings: &settings,
            tray_host: self.tray_host.present(),
            demo: self.source.is_demo(),
            history_rev: figures.history_rev,
        };
        frame(&scene, chrono::Utc::now())
    }

    /// The dashboard's state as the page receives it.
    pub fn current_state(&self) -> serde_json::Value {
        serde_json::to_value(self.frame(&self.current()).dashboard).unwrap_or_default()
    }

    /// Changes the settings file (under its lock), then reconciles. Blocking.
    pub fn update_settings<T>(&self, change: impl FnOnce(&mut Settings) -> T) -> Result<T, String> {
        let (_, out, _) = self.service.accounts.settings.update(change).map_err(|e| e.to_string())?;
        self.reconcile(false, Unlock::Never);
        Ok(out)
    }

    pub fn app(&self) -> Option<&tauri::AppHandle> {
        self.app.get()
    }
}

impl Role for TrayProcess {
    fn ask(self: Arc<Self>, request: Request) -> Pin<Box<dyn Future<Output = Reply> + Send>> {
        Box::pin(self.answer(request))
    }
}

/// Starts the tray app; `open` opens a window at start, in this process (used by
/// tests and launchers).
pub fn run(demo: bool, open: Option<Page>) -> i32 {
    // GTK opens a GL context at start-up that costs ~30 MiB and is not needed: the
    // webview renders in its own process. Must be set before GTK starts.
    crate::without_gl();
    // Two malloc arenas, not one per thread that ever allocated (up to 16 here): the
    // tray runs for days with many short-lived blocking threads, and every arena keeps
    // what it once held (~10 MiB more with 50 accounts).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator limit, before the app's threads start.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
    #[cfg(windows)]
    crate::windows_shell::register_app_id();
    // A second --demo shows the running demo's dashboard (the real app is not its concern).
    let presence = match demo.then(demo_instance::claim) {
        Some(demo_instance::Claim::Shown) => {
            eprintln!("The demo is already running: its dashboard is open.");
            return 0;
        }
        Some(demo_instance::Claim::Mine(p)) => Some(Arc::new(p)),
        None => None,
    };
    let (simulator, base, store) = if demo {
        let sim = match demo::Demo::start() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: the demo could not start: {e}");
                return EXIT_FAILURE;
            }
        };
        let store = Accounts::at(sim.dir(), Default::default());
        let base = sim.base.clone();
        (Some(sim), base, store)
    } else {
        match ApiBase::from_env() {
            Ok(b) => (None, b, Accounts::open_default()),
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
    let source = if demo { AccountSource::demo(demo::configs(), &store) } else { AccountSource::User };
    let loaded = store.settings.load();
    // One monitor per settings folder: beside a `heygen-tray watch` of the same folder
    // the app does not start (both would poll and alert); beside another tray app it
    // goes on, and the single-instance plugin hands over to that app.
    let monitor_claim = if demo { Ok(None) } else { claim_folder(&store) };
    if let Err(code) = &monitor_claim {
        return *code;
    }
    let (mut status_listener, mut status_socket) = tasks::bind_status(&store.settings).unzip();
    let (commands, command_rx) = mpsc::unbounded_channel();
    let (publish, snapshots) = watch::channel(Arc::new(Vec::new()));
    let mut poller = Poller::new(client.clone(), Arc::new(SystemClock), loaded.settings.poll_interval());
    if demo {
        poller = poller.with_fast_interval(Duration::from_secs(3));
    }
    let first_run = !demo && loaded.usable && loaded.settings.accounts.is_empty();
    // Start at login names this binary: written again at each start, so it follows an
    // app that was moved or reinstalled elsewhere.
    if !demo && loaded.settings.start_at_login {
        if let Err(e) = autostart::set(true) {
            tracing::warn!("start at login could not be renewed: {e}");
        }
    }
    let tray = Arc::new(TrayProcess {
        service: Service::new(store, client),
        commands,
        snapshots,
        problems: Mutex::new(Vec::new()),
        monitor: MonitorState::new(loaded.settings.alert_memory.clone(), loaded.notice),
        settings: Mutex::new(loaded.settings),
        told: Mutex::new(Told::default()),
        tray_host: Default::default(),
        source,
        signals: Signals::default(),
        edit_next: Mutex::new(None),
        children: WindowChildren::default(),
        // Under WebDriver (WebKitWebDriver sets WEBKIT_INSPECTOR_SERVER) the windows
        // must live in the process being driven.
        windows_in_process: demo || open.is_some() || std::env::var_os("WEBKIT_INSPECTOR_SERVER").is_some(),
        local_api: Mutex::new(None),
        app: OnceLock::new(),
    });
    let setup_tray = tray.clone();
    let setup_presence = presence.clone();
    let mut builder = tauri::Builder::default();
    // One app per session; the demo, with its own folder, runs beside it (see demo_instance).
    if !demo {
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            // A second launch shows this app's window instead of starting another copy.
            let page = if argv.iter().any(|a| a == "settings") { Page::Settings } else { Page::Dashboard };
            actions::open_window(&app.state::<Arc<TrayProcess>>(), page);
        }));
    }
    let role: Arc<dyn Role> = tray.clone();
    let app = crate::without_panic(|| {
        crate::with_commands(builder.manage(tray.clone()), role)
            .setup(move |app| {
                let tray = setup_tray;
                let _ = tray.app.set(app.handle().clone());
                // A menu-bar app: no Dock icon, no app menu.
                #[cfg(target_os = "macos")]
                app.set_activation_policy(tauri::ActivationPolicy::Accessory);
                start_tasks(&tray, poller, command_rx, publish);
                let icon = match tray::start(app.handle(), tray.clone()) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        tracing::error!("the tray icon could not start: {e}");
                        None
                    }
                };
                if let Some(listener) = status_listener.take() {
                    tasks::serve_status(&tray, listener);
                }
                if let Some(presence) = setup_presence {
                    let shown = tray.clone();
                    presence.serve(move || actions::open_window(&shown, Page::Dashboard));
                }
                tauri::async_runtime::spawn(updates::run(app.handle().clone(), tray.clone(), icon));
                Ok(())
            })
            .build(crate::context())
    });
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: the app could not start: {e}");
            return EXIT_FAILURE;
        }
    };
    // The demo (simulator child, private folder) ends with the event loop, which does
    // not return: it is dropped on RunEvent::Exit.
    let mut demo_running = simulator.map(|s| (s, presence));
    let mut monitor_claim = monitor_claim.ok().flatten();
    // A window asked for at start opens once the event loop runs (opened during setup,
    // an early close request could be lost).
    let mut open_at_start = open.or(first_run.then_some(Page::Settings));
    app.run(move |app, event| match event {
        RunEvent::Exit => {
            tasks::save_memory(app);
            drop(demo_running.take());
            drop(status_socket.take());
            drop(monitor_claim.take());
        }
        RunEvent::Ready => {
            if let Some(page) = open_at_start.take() {
                actions::open_window(&app.state::<Arc<TrayProcess>>(), page);
            }
        }
        // Closing the last window leaves the app in the tray; Quit passes a code.
        RunEvent::ExitRequested { code: None, api, .. } => api.prevent_exit(),
        RunEvent::WindowEvent { event: WindowEvent::Destroyed, .. } if app.webview_windows().is_empty() => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(Duration::from_secs(2)).await;
                if app.webview_windows().is_empty() {
                    crate::release_webview_memory();
                }
            });
        }
        _ => {}
    });
    0
}

/// Claims the settings folder for this app (see `heygen_tray_core::monitor::claim`):
/// `Ok(None)` when another tray app holds it (the single-instance plugin hands over),
/// `Err(exit code)` when a `watch` does, said on standard error and in a notification.
fn claim_folder(store: &Accounts) -> Result<Option<heygen_tray_core::monitor::claim::Claim>, i32> {
    use heygen_tray_core::monitor::claim::{claim, NotClaimed, Role};
    match claim(store.settings.dir(), Role::TrayApp) {
        Ok(c) => Ok(Some(c)),
        Err(NotClaimed::Held(h)) if h.role == Some(Role::TrayApp) => Ok(None),
        Err(NotClaimed::Held(h)) => {
            let words = format!("{h}. Stop it first: two monitors of one folder would poll and alert twice.");
            eprintln!("error: {words}");
            tracing::error!("{words}");
            let _ = notify_rust::Notification::new().appname("HeyGen Tray").summary("HeyGen Tray did not start").body(&words).show();
            Err(EXIT_FAILURE)
        }
        Err(e) => {
            // A folder that cannot be locked (read-only) does not stop the app.
            tracing::warn!("{e}");
            Ok(None)
        }
    }
}

/// The poller, history, watchers and signals, started once the event loop exists.
fn start_tasks(
    tray: &Arc<TrayProcess>,
    poller: Poller,
    command_rx: mpsc::UnboundedReceiver<Command>,
    publish: watch::Sender<Arc<Vec<AccountSnapshot>>>,
) {
    let saver = tray.clone();
    tauri::async_runtime::spawn(poller::run(poller, command_rx, publish, move |renewed| {
        let saver = saver.clone();
        tauri::async_runtime::spawn_blocking(move || {
            for (name, tokens) in renewed {
                if let Err(e) = saver.service.accounts.save_tokens(&name, &tokens) {
                    tracing::error!("renewed token for {name} not saved: {e}");
                }
            }
        });
    }));
    let reload = tray.clone();
    let history_path = reload.service.accounts.history.clone().unwrap_or_else(History::default_path);
    tauri::async_runtime::spawn_blocking(move || {
        // The accounts first, so the first polls go out at once; then the history
        // (checked and migrated), the figures it recalls, and later its compaction.
        // At start: at most one unlock prompt, if the keyring is locked.
        reload.reconcile(true, Unlock::Once);
        tasks::open_history(&reload, &history_path);
        if reload.source.is_demo() {
            if let Some(h) = reload.monitor.history.lock().unwrap().as_ref() {
                demo::seed_history(h, chrono::Utc::now());
            }
        }
        tasks::recall_recent(&reload);
        reload.monitor.figures.lock().unwrap().history_rev += 1;
        reload.signals.redraw.notify_one();
    });
    tauri::async_runtime::spawn(tasks::compact_in_steps(tray.clone()));
    tasks::watch_settings(tray);
    tauri::async_runtime::spawn(tasks::keyring_watch(tray.clone()));
    if tray.source.follows_heygen_cli() {
        tauri::async_runtime::spawn(cli_file_watch::follow_links(tray.clone()));
    }
    let waker = tray.commands.clone();
    let told = move |event| {
        let _ = waker.send(match event {
            wake::Event::OnBattery(on_battery) => Command::SetOnBattery(on_battery),
            wake::Event::Resumed | wake::Event::NetworkUp => Command::Wake,
        });
    };
    if wake::watch(told) {
        let _ = tray.commands.send(Command::SetClockCheck(None));
    }
    if let Some(app) = tray.app() {
        tasks::exit_on_signals(app);
    }
}
