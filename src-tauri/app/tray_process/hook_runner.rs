//! Runs the user's event hooks (see `heygen_tray_core::hooks`) on threads of their
//! own, so a slow or hanging hook never holds up the tray or the poller. Each run's
//! exit status and first lines of output go to the log; the latest failure of each
//! event is kept for Settings (and cleared by a run that works).

use heygen_tray_core::alerts::{Alert, AlertKind};
use heygen_tray_core::hooks::{self, HookEvent, Hooks, Outcome};
use heygen_tray_core::snapshot::AccountSnapshot;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The hook event an alert is, if any.
pub fn event_of(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Low => "low",
        AlertKind::Critical => "critical",
        AlertKind::KeyRejected | AlertKind::SignInEnded => "key_rejected",
        AlertKind::ReloadMissed => "reload_failed",
        AlertKind::KeyExpiresInAWeek | AlertKind::KeyExpiresTomorrow | AlertKind::SignInEndsIn2Days | AlertKind::SignInEndsTomorrow => "key_expiring",
        AlertKind::Spike => "spike",
        AlertKind::Forecast => "forecast",
    }
}

/// What a hook is told about an account now.
pub fn event_for(name: &str, snap: Option<&AccountSnapshot>, alert: Option<&Alert>, test: bool) -> HookEvent {
    let summary = snap.and_then(|s| s.summary.as_ref());
    let thresholds = snap.zip(summary.and_then(|s| s.unit)).map(|(s, unit)| s.thresholds.resolve(unit));
    HookEvent {
        event: name.to_string(),
        account: snap.map(|s| s.name.clone()).or_else(|| alert.map(|a| a.account.clone())).unwrap_or_default(),
        billing_type: summary.and_then(|s| s.billing_type.clone()),
        remaining: summary.and_then(|s| s.remaining),
        unit: summary.and_then(|s| s.unit).map(|u| u.as_str().to_string()),
        level: snap.map(|s| s.level().as_str().to_string()).unwrap_or_else(|| "unknown".into()),
        low: thresholds.map(|t| t.low),
        critical: thresholds.map(|t| t.critical),
        at: chrono::Utc::now(),
        message: alert.map(|a| format!("{}: {}", a.summary, a.body)),
        test,
    }
}

#[derive(Default)]
pub struct HookRunner {
    /// Per event, the latest run's failure ("exit 2: …"), for Settings.
    failures: Arc<Mutex<BTreeMap<String, String>>>,
}

impl HookRunner {
    /// Runs the hook for `event.event` if one is set, in the background.
    pub fn fire(&self, hooks: &Hooks, event: HookEvent) {
        let Some(argv) = hooks.get(&event.event).filter(|a| !a.is_empty()).cloned() else { return };
        let failures = self.failures.clone();
        let spawned = std::thread::Builder::new().name("hook".into()).spawn(move || {
            let outcome = hooks::run(&argv, &event, hooks::TIMEOUT);
            record(&failures, &event, &outcome);
        });
        if let Err(e) = spawned {
            tracing::warn!("a hook was not run: {e}");
        }
    }

    /// Runs the hook now and waits (Settings' "Run a test event"). Blocking.
    pub fn test(&self, hooks: &Hooks, event: HookEvent) -> Result<Outcome, String> {
        let argv = hooks.get(&event.event).filter(|a| !a.is_empty()).ok_or_else(|| format!("No hook is set for \"{}\".", event.event))?;
        let outcome = hooks::run(argv, &event, hooks::TIMEOUT);
        record(&self.failures, &event, &outcome);
        Ok(outcome)
    }

    pub fn failures(&self) -> BTreeMap<String, String> {
        self.failures.lock().unwrap().clone()
    }
}

fn record(failures: &Mutex<BTreeMap<String, String>>, event: &HookEvent, outcome: &Outcome) {
    let what = if outcome.output.is_empty() { outcome.describe() } else { format!("{}: {}", outcome.describe(), outcome.output) };
    let mut f = failures.lock().unwrap();
    if outcome.ok() {
        tracing::info!("hook {} for {}: {what}", event.event, event.account);
        f.remove(&event.event);
    } else {
        // Said once per failure in a row: the log gets it each time, Settings keeps the latest.
        tracing::warn!("hook {} for {}: {what}", event.event, event.account);
        f.insert(event.event.clone(), what);
    }
}
