//! `heygen-tray watch`: the monitor without a tray or a window, for a machine with
//! no desktop (see `heygen_tray_core::watch`). This edge claims the settings folder,
//! finds the keys, serves the status socket and (with `--listen`) the local API,
//! delivers notifications when a notification daemon is there, and turns SIGTERM and
//! SIGINT (stop), SIGHUP (reload) and SIGUSR1 (poll now) into the core's controls. Logs go to standard
//! error, one line per event.

use heygen_tray_core::accounts::Accounts;
use heygen_tray_core::alerts::Alert;
use heygen_tray_core::api::{ApiBase, Client};
use heygen_tray_core::local_api;
use heygen_tray_core::monitor::claim::{claim, NotClaimed, Role};
use heygen_tray_core::watch::{keys, Control, Watch};
use heygen_tray_core::{EXIT_FAILURE, EXIT_USAGE};
use std::sync::Arc;
use tokio::sync::mpsc;

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Serve the local HTTP API (GET /v1/status and /metrics, bearer token required) on ADDR:PORT, for example 127.0.0.1:9877.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    /// Let --listen take an address other machines can reach (every request still needs the token).
    #[arg(long, requires = "listen")]
    pub allow_remote: bool,
}

/// The log on standard error: `HEYGEN_TRAY_LOG` filters it (default: this app's
/// `info`), colours only on a terminal.
fn start_log() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("HEYGEN_TRAY_LOG").unwrap_or_else(|_| "heygen_tray=info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

pub fn run(args: WatchArgs) -> i32 {
    start_log();
    let base = match ApiBase::from_env() {
        Ok(b) => b,
        Err(e) => return crate::usage_error(&e.to_string()),
    };
    let accounts = Accounts::for_command_line();
    let settings = match accounts.settings.load().into_usable() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    let claimed = match claim(accounts.settings.dir(), Role::Watch) {
        Ok(c) => c,
        Err(NotClaimed::Held(holder)) => {
            eprintln!("error: {holder}: stop it first, or give this watch its own settings folder (XDG_CONFIG_HOME)");
            return EXIT_FAILURE;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    let keys = match keys::load(&accounts, &settings) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    // Without --listen, the address Settings (or the settings file) switched on.
    let listen = args.listen.clone().or_else(|| settings.local_api.clone());
    let api = match &listen {
        Some(addr) => match local_api::bind(addr, args.allow_remote) {
            Ok(listener) => match local_api::token::load_or_create(&local_api::token::default_path()) {
                Ok(token) => Some((listener, token)),
                Err(e) => {
                    eprintln!("error: the local API's token could not be made or read ({e})");
                    return EXIT_FAILURE;
                }
            },
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        },
        None => None,
    };
    let runtime = crate::runtime();
    runtime.block_on(async move {
        let _claimed = claimed;
        let mut client = Client::new(base).with_token_keeper(Arc::new(accounts.clone()));
        if let Ok(oauth) = heygen_tray_core::api::oauth::oauth_base_from_env() {
            client = client.with_oauth_base(oauth);
        }
        let (count, source) = (keys.configs.len() + keys.problems.len(), keys.source.clone());
        let polling = match settings.polling() {
            heygen_tray_core::settings::Polling::Automatic => "automatically".to_string(),
            heygen_tray_core::settings::Polling::Fixed(every) => format!("every {} s", every.as_secs()),
        };
        let watch = Watch::start(accounts, client, settings, keys);
        tracing::info!("watching {count} account{} (keys from {source}; polling {polling})", if count == 1 { "" } else { "s" });
        let _socket = serve_status(&watch);
        if let Some((listener, token)) = api {
            let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
            tracing::info!("local API on http://{addr} (GET /v1/status, /metrics; token: `heygen-tray token`)");
            watch.serves_api.store(true, std::sync::atomic::Ordering::Relaxed);
            let w = watch.clone();
            let current = move || (w.current(), w.settings.lock().unwrap().clone());
            let answers: Arc<dyn local_api::Answers> =
                Arc::new(local_api::MonitorAnswers { current, counters: watch.state.counters.clone() });
            tokio::spawn(async move {
                if let Err(e) = local_api::serve(listener, token, answers).await {
                    tracing::error!("local API stopped: {e}");
                }
            });
        }
        let (controls, control_rx) = mpsc::unbounded_channel();
        listen_for_signals(controls);
        watch.run(control_rx, deliver).await;
    });
    0
}

/// Serves `heygen-tray status` and `guard` from the socket of this settings folder;
/// the socket is removed when the returned guard drops.
fn serve_status(watch: &Arc<Watch>) -> Option<heygen_tray_core::live::Bound> {
    use heygen_tray_core::live;
    let path = live::socket_path(watch.accounts.settings.dir())?;
    let (listener, bound) = live::bind(&path).map_err(|e| tracing::warn!("`heygen-tray status` will ask HeyGen itself: {e}")).ok()?;
    let w = watch.clone();
    tokio::spawn(async move {
        if let Err(e) = live::serve(listener, move || w.live_status()).await {
            tracing::warn!("status socket: {e}");
        }
    });
    Some(bound)
}

/// SIGTERM and SIGINT stop the watch (it saves what it must and exits 0); SIGHUP
/// reads the settings and keys again; SIGUSR1 polls every account now.
fn listen_for_signals(controls: mpsc::UnboundedSender<Control>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int), Ok(mut hup), Ok(mut usr1)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::hangup()),
            signal(SignalKind::user_defined1()),
        ) else {
            return tracing::warn!("signals cannot be caught: the watch ends only when killed");
        };
        tokio::spawn(async move {
            loop {
                let control = tokio::select! {
                    _ = term.recv() => Control::Stop,
                    _ = int.recv() => Control::Stop,
                    _ = hup.recv() => Control::Reload,
                    _ = usr1.recv() => Control::RefreshNow,
                };
                if control == Control::Stop {
                    tracing::info!("stopping");
                }
                if controls.send(control).is_err() {
                    return;
                }
            }
        });
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = controls.send(Control::Stop);
        }
    });
}

/// A notification when a notification daemon is on the session bus; without a
/// session bus (a server) the log line is the delivery. A daemon that refuses is
/// logged, not retried: the hooks and the log still tell.
async fn deliver(alert: Alert) -> Result<(), String> {
    let session = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        || std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| std::path::Path::new(&d).join("bus").exists());
    if cfg!(unix) && !session {
        return Ok(());
    }
    let shown = tokio::task::spawn_blocking(move || {
        let mut n = notify_rust::Notification::new();
        n.appname("HeyGen Tray").summary(&alert.summary);
        #[cfg(all(unix, not(target_os = "macos")))]
        n.body(&heygen_tray_core::text::escape_markup(&alert.body));
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        n.body(&alert.body);
        n.show().map(|_| ()).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?;
    if let Err(e) = shown {
        tracing::warn!("no desktop notification ({e}); the log and hooks tell instead");
    }
    Ok(())
}
