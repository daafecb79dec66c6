//! The one place snapshots flow out to what the user sees: the tray, open windows
//! (a `state` event) and notifications. Runs whenever the poller publishes, the
//! settings change, or an alert pause ends.

use super::{notifier, Shared};
use crate::alerts::{decide, mark_sent};
use crate::view::cards;
use chrono::Utc;
use std::sync::Arc;
use tauri::{AppHandle, Emitter};

#[cfg(target_os = "linux")]
pub type TrayHandle = super::tray_linux::Handle;
#[cfg(not(target_os = "linux"))]
pub type TrayHandle = super::tray_other::Handle;

pub async fn run(app: AppHandle, shared: Arc<Shared>, tray: Option<TrayHandle>) {
    let mut snapshots = shared.snapshots.clone();
    loop {
        let snaps = shared.current();
        let (paused_until, notifications) = {
            let s = shared.settings.lock().unwrap();
            (s.alerts_paused_until, s.notifications)
        };
        if let Some(tray) = &tray {
            #[cfg(target_os = "linux")]
            super::tray_linux::update(tray, snaps.clone(), paused_until).await;
            #[cfg(not(target_os = "linux"))]
            super::tray_other::update(tray, &snaps, paused_until);
        }
        let _ = app.emit("state", super::commands::dashboard_payload(&shared, cards(&snaps)));
        let now = Utc::now();
        let paused = paused_until.is_some_and(|t| t > now) || !notifications;
        alert(&shared, &snaps, paused).await;
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

/// Sends what `alerts::decide` asks for and remembers what was delivered.
async fn alert(shared: &Arc<Shared>, snaps: &[crate::snapshot::AccountSnapshot], paused: bool) {
    let before = shared.settings.lock().unwrap().alert_memory.clone();
    let mut after = before.clone();
    for s in snaps {
        let memory = before.get(&s.name).cloned().unwrap_or_default();
        let (alert, mut memory) = decide(s, &memory, paused);
        if let Some(a) = alert {
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
