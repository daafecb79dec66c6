//! The one place snapshots flow out to what the user sees: history and forecasts,
//! the tray, open windows (a `state` event here, the latest state to each window
//! process) and notifications. Runs whenever the poller publishes, the settings
//! change, an alert pause ends, or alert memory waits to be saved again.

use super::alert_book::SAVE_RETRY;
use super::TrayProcess;
use chrono::{DateTime, Utc};
use heygen_tray_core::snapshot::AccountSnapshot;
use heygen_tray_core::view::{Forecasts, TrayOptions};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Emitter};
use tokio::task::JoinHandle;

/// How long a redraw waits for the history (another process may hold it): past this
/// the tray, windows and notifications go on with the forecasts they had, and take the
/// new ones when the history answers.
const HISTORY_WAIT: Duration = Duration::from_millis(300);

pub async fn run(app: AppHandle, tray: Arc<TrayProcess>, icon: Option<super::tray::Handle>) {
    let mut snapshots = tray.snapshots.clone();
    // The history round in flight (at most one), and the alert-memory save in flight:
    // neither is ever waited for past its bound before the user is told.
    let mut recording: Option<JoinHandle<(Forecasts, Computed)>> = None;
    let mut computed = Some(Computed::new());
    let mut saving: Option<JoinHandle<bool>> = None;
    let mut retry_save_at: Option<tokio::time::Instant> = None;
    // A round is started for each wake-up but the one a round's own end brings (which
    // only draws its forecasts): otherwise rounds would follow each other for ever.
    let mut record_next = true;
    loop {
        let snaps = tray.current();
        if recording.is_none() && std::mem::take(&mut record_next) {
            recording = Some(record_and_forecast(&tray, &snaps, computed.take().unwrap_or_default()));
        }
        if let Some(round) = recording.as_mut() {
            if let Ok(joined) = tokio::time::timeout(HISTORY_WAIT, round).await {
                recording = None;
                computed = Some(took(&tray, joined));
            }
        }
        let forecasts = tray.forecasts.lock().unwrap().clone();
        let settings = tray.settings.lock().unwrap().clone();
        let paused_until = settings.alerts_paused_until;
        if let Some(icon) = &icon {
            let options = TrayOptions { display: settings.tray_display, pinned: settings.tray_account.clone() };
            super::tray::update(icon, snaps.clone(), forecasts.clone(), paused_until, options).await;
        }
        let state = tray.dashboard_state(&snaps, &forecasts);
        tray.children.send_state(&state);
        let _ = app.emit("state", state);
        let now = Utc::now();
        let paused = paused_until.is_some_and(|t| t > now) || !settings.notifications;
        let spikes = tray.spikes.lock().unwrap().clone();
        tray.alerts.send_due(&snaps, &forecasts, &spikes, &settings, paused, &tray.hooks).await;
        // Most redraws change no alert memory: only a change goes to a blocking thread,
        // and the next redraw does not wait for it (another process may hold the file).
        if saving.is_none() && tray.alerts.unsaved() && retry_save_at.is_none_or(|t| t <= tokio::time::Instant::now()) {
            retry_save_at = None;
            let tray = tray.clone();
            saving = Some(tokio::task::spawn_blocking(move || tray.alerts.save(&tray.service.accounts.settings, tray.demo.is_some())));
        }
        let pause_ends = paused_until.filter(|t| *t > now).and_then(|t| (t - now).to_std().ok());
        let retry_in = retry_save_at.map(|t| t.saturating_duration_since(tokio::time::Instant::now()));
        let wake_in = match (pause_ends, retry_in) {
            (Some(p), Some(r)) => Some(p.min(r)),
            (p, r) => p.or(r),
        };
        tokio::select! {
            changed = snapshots.changed() => {
                if changed.is_err() {
                    return;
                }
                // New figures: a failed save is tried again with them, not a minute later.
                retry_save_at = None;
                record_next = true;
            }
            _ = tray.redraw.notified() => record_next = true,
            joined = async { recording.as_mut().expect("guarded").await }, if recording.is_some() => {
                recording = None;
                computed = Some(took(&tray, joined));
            }
            saved = async { saving.as_mut().expect("guarded").await }, if saving.is_some() => {
                saving = None;
                if !saved.unwrap_or(false) {
                    retry_save_at = Some(tokio::time::Instant::now() + SAVE_RETRY);
                }
            }
            _ = async {
                match wake_in {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending().await,
                }
            } => record_next = true,
        }
    }
}

/// Keeps what a history round derived (a failed round forgets it all, so everything
/// is derived again next time), and tells the poller which accounts spend far above
/// their pace (polled at the floor until it is normal again).
fn took(tray: &TrayProcess, joined: Result<(Forecasts, Computed), tokio::task::JoinError>) -> Computed {
    let (forecasts, computed) = joined.unwrap_or_else(|_| (Forecasts::new(), Computed::new()));
    *tray.forecasts.lock().unwrap() = forecasts;
    let spiking = tray.spikes.lock().unwrap().keys().cloned().collect();
    let _ = tray.commands.send(heygen_tray_core::poller::Command::Spiking(spiking));
    computed
}

/// For each account, the fetch (and auto-reload state) its forecast was derived from:
/// a forecast is derived again only after a new fetch, not on every redraw.
type Computed = HashMap<String, (Option<DateTime<Utc>>, bool)>;

/// Writes new figures to the history and derives the forecasts of newly fetched
/// accounts from it (one indexed read each, which also gives their spend totals and
/// spike check); the others keep theirs. A history file deleted or replaced since it
/// was opened is opened again first, so no row goes into a file nobody will read.
fn record_and_forecast(tray: &Arc<TrayProcess>, snaps: &[AccountSnapshot], computed: Computed) -> JoinHandle<(Forecasts, Computed)> {
    let (this, snaps) = (tray.clone(), snaps.to_vec());
    let mut forecasts = tray.forecasts.lock().unwrap().clone();
    tokio::task::spawn_blocking(move || {
        let mut computed = computed;
        let mut history = this.history.lock().unwrap();
        if let Some(path) = history.as_ref().filter(|h| h.is_replaced()).map(|h| h.path().to_path_buf()) {
            tracing::warn!("the history file {} was deleted or replaced while open: opened again", path.display());
            *history = None;
            match heygen_tray_core::history::History::open(&path) {
                Ok((h, _)) => *history = Some(h),
                Err(e) => tracing::warn!("history is off: {e}"),
            }
            computed.clear();
        }
        let Some(h) = history.as_ref() else { return (Forecasts::new(), Computed::new()) };
        for s in &snaps {
            match h.record_snapshot(s) {
                Ok(true) => {
                    this.history_rev.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Ok(false) => {}
                Err(e) => tracing::warn!("history not written: {e}"),
            }
        }
        forecasts.retain(|name, _| snaps.iter().any(|s| &s.name == name));
        this.spend.lock().unwrap().retain(|name, _| snaps.iter().any(|s| &s.name == name));
        this.spikes.lock().unwrap().retain(|name, _| snaps.iter().any(|s| &s.name == name));
        computed.retain(|name, _| snaps.iter().any(|s| &s.name == name));
        let now = Utc::now();
        let since = heygen_tray_core::monitor::reads_since(now);
        let rule = this.settings.lock().unwrap().spike_rule();
        for s in &snaps {
            let basis = (s.fetched_at, this.alerts.reload_failing(&s.name));
            if computed.get(&s.name) == Some(&basis) {
                continue;
            }
            // One indexed read serves the forecast (7 days), the spike check (7 days) and
            // the spend totals (this month): see `heygen_tray_core::monitor::derive`.
            let derived = h
                .samples(Some(&s.name), Some(since))
                .ok()
                .map(|samples| heygen_tray_core::monitor::derive(&samples, s.summary.as_ref(), now, &rule, basis.1))
                .unwrap_or_default();
            match derived.forecast {
                Some(f) => forecasts.insert(s.name.clone(), f),
                None => forecasts.remove(&s.name),
            };
            let mut spend = this.spend.lock().unwrap();
            match derived.spend {
                Some(t) => spend.insert(s.name.clone(), t),
                None => spend.remove(&s.name),
            };
            drop(spend);
            // A runaway spend (told by the alert book, and polled at the floor meanwhile).
            let mut spikes = this.spikes.lock().unwrap();
            match derived.spike {
                Some(b) => spikes.insert(s.name.clone(), b),
                None => spikes.remove(&s.name),
            };
            computed.insert(s.name.clone(), basis);
        }
        (forecasts, computed)
    })
}
