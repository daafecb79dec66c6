//! The app's background tasks: history upkeep, the settings-file watcher, the
//! keyring watcher (keys that could not be read at login) and the signals that end it.

use super::TrayProcess;
use heygen_tray_core::accounts::Unlock;
use heygen_tray_core::history::History;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Opens the history (a damaged one is set aside, with a notice in Settings). Old
/// rows are compacted later, in small steps (see [`compact_in_steps`]).
pub fn open_history(tray: &Arc<TrayProcess>, path: &std::path::Path) {
    match History::open(path) {
        Ok((history, notice)) => {
            *tray.monitor.history.lock().unwrap() = Some(history);
            if let Some(n) = notice {
                *tray.monitor.notice.lock().unwrap() = Some(n);
            }
        }
        Err(e) => {
            tracing::error!("history is off: {e}");
            *tray.monitor.notice.lock().unwrap() = Some(format!("History and forecasts are off: {e}"));
        }
    }
}

/// Compacts the history a minute after start and once a day: a few thousand rows at a
/// time, each step a short transaction, letting go of the history between steps so
/// polls, the tray and the windows never wait for it.
pub async fn compact_in_steps(tray: Arc<TrayProcess>) {
    const ROWS_PER_STEP: usize = 2000;
    let mut wait = Duration::from_secs(60);
    loop {
        tokio::time::sleep(wait).await;
        wait = Duration::from_secs(24 * 3600);
        let mut compaction = heygen_tray_core::history::Compaction::new(chrono::Utc::now());
        let started = std::time::Instant::now();
        loop {
            let (t, mut c) = (tray.clone(), compaction.clone());
            let step = tauri::async_runtime::spawn_blocking(move || {
                let more = t.monitor.history.lock().unwrap().as_ref().map(|h| c.step(h, ROWS_PER_STEP));
                (more, c)
            })
            .await;
            let Ok((more, c)) = step else { break };
            compaction = c;
            match more {
                Some(Ok(true)) => tokio::time::sleep(Duration::from_millis(20)).await,
                Some(Ok(false)) | None => break,
                Some(Err(e)) => {
                    tracing::warn!("history not compacted: {e}");
                    break;
                }
            }
        }
        if compaction.removed > 0 {
            tracing::info!("history compacted: {} old rows merged in {:.1} s", compaction.removed, started.elapsed().as_secs_f64());
        }
    }
}

/// While some key could not be read (a keyring still locked at login, or a Secret
/// Service not started yet), asks every 20 s (first after 10 s) whether the keyring
/// is there and unlocked — a question that never prompts — and reads the keys as soon
/// as it is. Sleeps without waking while every key was read.
pub async fn keyring_watch(tray: Arc<TrayProcess>) {
    use heygen_tray_core::keystore::{availability, Availability};
    loop {
        while !tray.keyring_trouble() {
            tray.signals.keyring_trouble.notified().await;
        }
        let mut wait = Duration::from_secs(10);
        while tray.keyring_trouble() {
            tokio::time::sleep(wait).await;
            wait = Duration::from_secs(20);
            let Ok(now) = tauri::async_runtime::spawn_blocking(availability).await else { continue };
            tracing::debug!("keyring: {now:?}");
            if now == Availability::Unlocked {
                tracing::info!("the keyring is unlocked: reading the keys again");
                let tray = tray.clone();
                let _ = tauri::async_runtime::spawn_blocking(move || tray.reconcile(true, Unlock::Never)).await;
            }
        }
    }
}

/// SIGTERM (logout, `kill`), SIGINT and SIGHUP end the app the way Quit does, so it
/// cleans up (the demo's simulator and folder) instead of dying where it stands.
pub fn exit_on_signals(app: &tauri::AppHandle) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let kinds = [SignalKind::terminate(), SignalKind::interrupt(), SignalKind::hangup()];
            let mut streams: Vec<_> = kinds.into_iter().filter_map(|k| signal(k).ok()).collect();
            if streams.is_empty() {
                return;
            }
            futures_util::future::select_all(streams.iter_mut().map(|s| Box::pin(s.recv()))).await;
            app.exit(0);
        });
    }
    // Windows: a close message (`taskkill`, the installer), the session's end, and the
    // console's events (Ctrl+C, Ctrl+Break, a closed console: a debug build run from a
    // terminal).
    #[cfg(windows)]
    {
        use crate::windows_shell::{end_on_close_messages, Ending};
        use tokio::signal::windows::{ctrl_break, ctrl_c, ctrl_close, ctrl_logoff, ctrl_shutdown};
        let closing = app.clone();
        end_on_close_messages(move |ending| {
            tracing::info!("Windows asked the app to end ({ending:?})");
            if ending == Ending::Session {
                // The process may be ended as soon as this returns, and the event loop's
                // own answer to WM_ENDSESSION (after this hook) re-enters its handler
                // once a second window gets the message while the first is ending, and
                // panics (tao 0.37, seen under Wine). Save now and end here instead; the
                // folder's lock and the status pipe end with the process.
                save_memory(&closing);
                tracing::info!("the alert memory is saved; ending with the session");
                std::process::exit(0);
            }
            closing.exit(0);
        });
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let (Ok(mut c), Ok(mut b), Ok(mut close), Ok(mut logoff), Ok(mut shutdown)) =
                (ctrl_c(), ctrl_break(), ctrl_close(), ctrl_logoff(), ctrl_shutdown())
            else {
                return;
            };
            tokio::select! {
                _ = c.recv() => {}
                _ = b.recv() => {}
                _ = close.recv() => {}
                _ = logoff.recv() => {}
                _ = shutdown.recv() => {}
            }
            app.exit(0);
        });
    }
}

/// Writes the alert memory if it changed since the last save (at exit; blocking).
pub fn save_memory(app: &tauri::AppHandle) {
    use tauri::Manager;
    if let Some(tray) = app.try_state::<Arc<TrayProcess>>() {
        if tray.monitor.alerts.unsaved() && !tray.monitor.alerts.save(&tray.service.accounts.settings, tray.source.is_demo()) {
            tracing::error!("the alert memory could not be saved at exit");
        }
    }
}

/// Hands the poller the last day of figures from the history, so automatic polling
/// goes on from where it was before the app started (one indexed read per account).
pub fn recall_recent(tray: &Arc<TrayProcess>) {
    let since = chrono::Utc::now() - heygen_tray_core::poller::adaptive::KEEP;
    let names: Vec<String> = tray.settings.lock().unwrap().accounts.iter().map(|a| a.name.clone()).collect();
    let mut samples = Vec::new();
    {
        let history = tray.monitor.history.lock().unwrap();
        let Some(h) = history.as_ref() else { return };
        for name in &names {
            match h.samples(Some(name), Some(since)) {
                Ok(s) => samples.extend(s),
                Err(e) => return tracing::warn!("recent figures not read from the history: {e}"),
            }
        }
    }
    if !samples.is_empty() {
        let _ = tray.commands.send(heygen_tray_core::poller::Command::Recall(samples));
    }
}

/// Reloads when the settings file changes (a CLI command, another window).
pub fn watch_settings(tray: &Arc<TrayProcess>) {
    use notify::Watcher;
    let dir = tray.service.accounts.settings.path().parent().map(|p| p.to_path_buf());
    let Some(dir) = dir else { return };
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(e) = event {
            // Only writes: reading the file ourselves must not trigger another reload.
            let written = matches!(e.kind, notify::EventKind::Create(_) | notify::EventKind::Modify(_) | notify::EventKind::Remove(_));
            if written && e.paths.iter().any(|p| p.file_name().is_some_and(|n| n == heygen_tray_core::settings::FILE_NAME)) {
                let _ = tx.send(());
            }
        }
    });
    let Ok(mut watcher) = watcher else { return };
    if watcher.watch(&dir, notify::RecursiveMode::NonRecursive).is_err() {
        return;
    }
    let tray = tray.clone();
    tauri::async_runtime::spawn(async move {
        let _watcher = watcher;
        while rx.recv().await.is_some() {
            // Let a burst of events settle.
            tokio::time::sleep(Duration::from_millis(200)).await;
            while rx.try_recv().is_ok() {}
            let tray = tray.clone();
            let _ = tauri::async_runtime::spawn_blocking(move || tray.reconcile(false, Unlock::Never)).await;
        }
    });
}

/// The socket (on Windows the pipe) `heygen-tray status` reads the app's figures from
/// (see `heygen_tray_core::live`), bound before the app starts; the guard removes it
/// when the app ends. `None` (and a log line) where it cannot be served.
pub fn bind_status(
    settings: &heygen_tray_core::settings::Store,
) -> Option<(heygen_tray_core::live::Listener, heygen_tray_core::live::Bound)> {
    use heygen_tray_core::live;
    let path = live::socket_path(settings.dir())?;
    live::bind(&path)
        .map_err(|e| match e.kind() {
            // A second launch, which hands over to the running app and ends: nothing is wrong.
            std::io::ErrorKind::AddrInUse => tracing::debug!("status for `heygen-tray status` not served here: {e}"),
            _ => tracing::warn!("status for `heygen-tray status` not served: {e}"),
        })
        .ok()
}

/// Answers `heygen-tray status` with what the tray shows now.
pub fn serve_status(tray: &Arc<TrayProcess>, listener: heygen_tray_core::live::Listener) {
    use heygen_tray_core::live;
    let tray = tray.clone();
    tauri::async_runtime::spawn(async move {
        let served = live::serve(listener, move || {
            let settings = tray.settings.lock().unwrap().clone();
            live::LiveStatus::polled_as(tray.current(), &settings, chrono::Utc::now())
        });
        if let Err(e) = served.await {
            tracing::warn!("status socket: {e}");
        }
    });
}

/// Serves the local HTTP API on the address the settings name (Settings' switch, or
/// the file's `local_api`), stopping or moving it when that changes; never in the
/// demo. A bind that fails (the port taken) is said in Settings. Blocking (reads the
/// token file).
pub fn local_api(tray: &Arc<TrayProcess>, wanted: Option<String>) {
    use heygen_tray_core::local_api;
    let wanted = wanted.filter(|_| !tray.source.is_demo());
    let mut serving = tray.local_api.lock().unwrap();
    if serving.as_ref().map(|(a, _)| a) == wanted.as_ref() {
        return;
    }
    if let Some((addr, task)) = serving.take() {
        task.abort();
        tracing::info!("local API on {addr} stopped");
    }
    let Some(addr) = wanted else { return };
    let started = local_api::bind(&addr, false).and_then(|listener| {
        let token = local_api::token::load_or_create(&local_api::token::default_path()).map_err(|e| format!("its token: {e}"))?;
        Ok((listener, token))
    });
    let (listener, token) = match started {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("local API not served: {e}");
            let mut notice = tray.monitor.notice.lock().unwrap();
            if notice.is_none() {
                *notice = Some(format!(
                    "The local HTTP API could not start on {addr}: {e}. Choose another address in the settings file (\"local_api\")."
                ));
            }
            return;
        }
    };
    tracing::info!("local API on http://{addr} (GET /v1/status, /metrics; token: `heygen-tray token`)");
    let t = tray.clone();
    let current = move || (t.current(), t.settings.lock().unwrap().clone());
    let answers: Arc<dyn local_api::Answers> = Arc::new(local_api::MonitorAnswers { current, counters: tray.monitor.counters.clone() });
    let task = tauri::async_runtime::spawn(async move {
        if let Err(e) = local_api::serve(listener, token, answers).await {
            tracing::error!("local API stopped: {e}");
        }
    });
    *serving = Some((addr, task));
    // The history after `local_api` is let go: a history round takes them the other way.
    drop(serving);
    if let Some(h) = tray.monitor.history.lock().unwrap().as_ref() {
        tray.monitor.counters.read_lifetime(h);
    }
}
