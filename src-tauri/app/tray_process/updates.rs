//! The one place snapshots flow out to what the user sees: history and forecasts,
//! the tray, open windows (a `state` event here, the latest state to each window
//! process) and notifications. Runs whenever the poller publishes, the settings
//! change, an alert pause ends, alert memory waits to be saved again, and once a
//! minute (each view's "… ago"). Every view is drawn from one frame of the core
//! (`heygen_tray_core::view::frame`), computed once per redraw with one clock.

use super::TrayProcess;
use chrono::Utc;
use heygen_tray_core::monitor::alert_book::SAVE_RETRY;
use heygen_tray_core::monitor::{Figures, Inputs};
use heygen_tray_core::snapshot::AccountSnapshot;
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Emitter};
use tokio::task::JoinHandle;

/// How long a redraw waits for the history (another process may hold it): past this
/// the tray, windows and notifications go on with the forecasts they had, and take the
/// new ones when the history answers.
const HISTORY_WAIT: Duration = Duration::from_millis(300);

/// How often the views are drawn again while nothing changes.
const AGO_TICK: Duration = Duration::from_secs(60);

pub async fn run(app: AppHandle, tray: Arc<TrayProcess>, icon: Option<super::tray::Handle>) {
    let mut snapshots = tray.snapshots.clone();
    // The history round in flight (at most one), and the alert-memory save in flight:
    // neither is ever waited for past its bound before the user is told.
    let mut recording: Option<JoinHandle<(u64, Figures)>> = None;
    let mut saving: Option<JoinHandle<bool>> = None;
    let mut retry_save_at: Option<tokio::time::Instant> = None;
    // A round is started for each wake-up but the one a round's own end brings (which
    // only draws its forecasts): otherwise rounds would follow each other for ever.
    let mut record_next = true;
    loop {
        let snaps = tray.current();
        // The local API's error counters (its log lines are the watch's).
        tray.monitor.counters.take(&snaps);
        if recording.is_none() && std::mem::take(&mut record_next) {
            recording = Some(record_and_forecast(&tray, &snaps));
        }
        if let Some(round) = recording.as_mut() {
            if let Ok(joined) = tokio::time::timeout(HISTORY_WAIT, round).await {
                recording = None;
                took(&tray, joined);
            }
        }
        let frame = tray.frame(&snaps);
        if let Some(icon) = &icon {
            super::tray::update(icon, frame.tray).await;
        }
        let state = serde_json::to_value(&frame.dashboard).unwrap_or_default();
        tray.children.send_state(&state);
        let _ = app.emit("state", state);
        let settings = tray.settings.lock().unwrap().clone();
        let paused_until = settings.alerts_paused_until;
        let now = Utc::now();
        let paused = paused_until.is_some_and(|t| t > now) || !settings.notifications;
        let (forecasts, spikes) = {
            let figures = tray.monitor.figures.lock().unwrap();
            (figures.forecasts(), figures.spikes())
        };
        let inputs = Inputs { forecasts: &forecasts, spikes: &spikes, settings: &settings, paused, now };
        let effects = tray.monitor.alerts.send_due(&snaps, &inputs, |a| async move { super::notifier::send(&a).await }).await;
        for event in effects.hooks {
            tray.monitor.hooks.fire(&settings.hooks, event);
        }
        // Most redraws change no alert memory: only a change goes to a blocking thread,
        // and the next redraw does not wait for it (another process may hold the file).
        if saving.is_none() && tray.monitor.alerts.unsaved() && retry_save_at.is_none_or(|t| t <= tokio::time::Instant::now()) {
            retry_save_at = None;
            let tray = tray.clone();
            saving =
                Some(tokio::task::spawn_blocking(move || tray.monitor.alerts.save(&tray.service.accounts.settings, tray.source.is_demo())));
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
            _ = tray.signals.redraw.notified() => record_next = true,
            joined = async { recording.as_mut().expect("guarded").await }, if recording.is_some() => {
                recording = None;
                took(&tray, joined);
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
            // "updated 3 min ago" stays true between polls (which may be 30 minutes
            // apart): the views are drawn again, nothing is recorded.
            _ = tokio::time::sleep(AGO_TICK), if snaps.iter().any(|s| s.fetched_at.is_some()) => {}
        }
    }
}

/// Keeps what a history round derived (a failed round forgets it all, so everything
/// is derived again next time), with the history changes made outside it, and tells
/// the poller which accounts spend far above their pace (polled at the floor until
/// it is normal again).
fn took(tray: &TrayProcess, joined: Result<(u64, Figures), tokio::task::JoinError>) {
    let mut current = tray.monitor.figures.lock().unwrap();
    let (started, mut figures) = joined.unwrap_or_else(|_| (current.history_rev, Figures::default()));
    figures.history_rev += current.history_rev.saturating_sub(started);
    let _ = tray.commands.send(heygen_tray_core::poller::Command::Spiking(figures.spiking()));
    *current = figures;
}

/// Writes new figures to the history and derives the figures of newly fetched
/// accounts from it (see `heygen_tray_core::monitor::Figures`); the others keep
/// theirs. A history file deleted or replaced since it was opened is opened again
/// first, so no row goes into a file nobody will read. Gives back the history
/// revision the round started from.
fn record_and_forecast(tray: &Arc<TrayProcess>, snaps: &[AccountSnapshot]) -> JoinHandle<(u64, Figures)> {
    let (this, snaps) = (tray.clone(), snaps.to_vec());
    let mut figures = tray.monitor.figures.lock().unwrap().clone();
    let started = figures.history_rev;
    tokio::task::spawn_blocking(move || {
        let mut history = this.monitor.history.lock().unwrap();
        if let Some(path) = history.as_ref().filter(|h| h.is_replaced()).map(|h| h.path().to_path_buf()) {
            tracing::warn!("the history file {} was deleted or replaced while open: opened again", path.display());
            *history = None;
            match heygen_tray_core::history::History::open(&path) {
                Ok((h, _)) => *history = Some(h),
                Err(e) => tracing::warn!("history is off: {e}"),
            }
            figures.derive_all_again();
        }
        let Some(h) = history.as_ref() else { return (started, Figures::default()) };
        let rule = this.settings.lock().unwrap().spike_rule();
        figures.take(h, &snaps, Utc::now(), &rule, |name| this.monitor.alerts.reload_failing(name));
        if this.local_api.lock().unwrap().is_some() {
            this.monitor.counters.read_lifetime(h);
        }
        (started, figures)
    })
}
