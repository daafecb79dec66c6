//! The one place snapshots flow out to what the user sees: history and forecasts,
//! the tray, open windows (a `state` event) and notifications. Runs whenever the
//! poller publishes, the settings change, or an alert pause ends.

use super::{notifier, Shared};
use heygen_tray_core::alerts::{decide, decide_expiry, decide_forecast, decide_reload, mark_sent};
use heygen_tray_core::snapshot::AccountSnapshot;
use heygen_tray_core::view::{cards, Forecasts, TrayOptions};
use chrono::Utc;
use std::sync::Arc;
use tauri::{AppHandle, Emitter};

pub async fn run(app: AppHandle, shared: Arc<Shared>, tray: Option<super::tray::Handle>) {
    let mut snapshots = shared.snapshots.clone();
    loop {
        let snaps = shared.current();
        let forecasts = record_and_forecast(&shared, &snaps).await;
        let (paused_until, notifications, options) = {
            let s = shared.settings.lock().unwrap();
            (s.alerts_paused_until, s.notifications, TrayOptions { display: s.tray_display, pinned: s.tray_account.clone() })
        };
        if let Some(tray) = &tray {
            super::tray::update(tray, snaps.clone(), forecasts.clone(), paused_until, options).await;
        }
        let now = Utc::now();
        let state = serde_json::to_value(shared.dashboard_payload(cards(&snaps, &forecasts, now))).unwrap_or_default();
        shared.hosts.broadcast(&state);
        let _ = app.emit("state", state);
        let paused = paused_until.is_some_and(|t| t > now) || !notifications;
        alert(&shared, &snaps, &forecasts, paused).await;
        let pause_ends = paused_until.filter(|t| *t > now).and_then(|t| (t - now).to_std().ok());
        tokio::select! {
            changed = snapshots.changed() => if changed.is_err() { return },
            _ = shared.redraw.notified() => {}
            _ = async {
                match pause_ends {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending().await,
                }
            } => {}
        }
    }
}

/// Writes new figures to the history and derives the forecasts from it.
async fn record_and_forecast(shared: &Arc<Shared>, snaps: &[AccountSnapshot]) -> Forecasts {
    let (shared2, snaps) = (shared.clone(), snaps.to_vec());
    // Taken before the history's lock, never while holding it.
    let memory = shared.settings.lock().unwrap().alert_memory.clone();
    let forecasts = tauri::async_runtime::spawn_blocking(move || {
        let history = shared2.history.lock().unwrap();
        let Some(h) = history.as_ref() else { return Forecasts::new() };
        for s in &snaps {
            if let Err(e) = h.record_snapshot(s) {
                tracing::warn!("history not written: {e}");
            }
        }
        let failing = |name: &str| memory.get(name).is_some_and(|m| m.reload_missed_sent);
        heygen_tray_core::forecast::for_snapshots(h, &snaps, Utc::now(), failing)
    })
    .await
    .unwrap_or_default();
    *shared.forecasts.lock().unwrap() = forecasts.clone();
    forecasts
}

/// Sends what `alerts` asks for and remembers what was delivered.
async fn alert(shared: &Arc<Shared>, snaps: &[AccountSnapshot], forecasts: &Forecasts, paused: bool) {
    let (before, within_days, grace) = {
        let s = shared.settings.lock().unwrap();
        (s.alert_memory.clone(), if s.forecast_alerts { s.forecast_alert_days } else { 0.0 }, s.reload_grace())
    };
    let now = Utc::now();
    let mut after = before.clone();
    for s in snaps {
        let memory = before.get(&s.name).cloned().unwrap_or_default();
        let (balance, memory) = decide(s, &memory, paused);
        let forecast = forecasts.get(&s.name);
        let (soon, memory) = decide_forecast(
            &s.name,
            forecast.and_then(|f| f.days_left(now)),
            &forecast.map(|f| f.text(now)).unwrap_or_default(),
            within_days,
            &memory,
            paused,
        );
        let (missed, memory) = decide_reload(s, &memory, now, grace, paused);
        let (expiring, mut memory) = decide_expiry(s, &memory, now, paused);
        for a in [balance, soon, missed, expiring].into_iter().flatten() {
            match notifier::send(&a).await {
                Ok(()) => mark_sent(&mut memory, a.kind),
                Err(e) => tracing::warn!("notification not delivered, will retry: {e}"),
            }
        }
        after.insert(s.name.clone(), memory);
    }
    if after != before {
        let shared = shared.clone();
        let _ = tauri::async_runtime::spawn_blocking(move || {
            let result = shared.accounts.settings.update(|s| {
                for (name, m) in &after {
                    if s.account(name).is_some() || shared.demo.is_some() {
                        s.alert_memory.insert(name.clone(), m.clone());
                    }
                }
            });
            match result {
                Ok((settings, _, _)) => *shared.settings.lock().unwrap() = settings,
                Err(e) => tracing::error!("could not remember sent alerts: {e}"),
            }
        })
        .await;
    }
}
