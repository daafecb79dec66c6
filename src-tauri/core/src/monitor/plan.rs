//! What to tell the user and the hooks now, decided from the snapshots, the derived
//! figures and what was sent before (each account's [`AlertMemory`]). Notifications
//! are marked sent by whoever delivers them (a notification daemon may refuse); hook
//! events are marked here: they run whether alerts are paused, notifications off or
//! no daemon is there, once per event, with a memory of their own.

use crate::alerts::{
    decide, decide_expiry, decide_forecast, decide_overage, decide_reload, decide_reset, decide_sign_in, mark_sent, other_pool_note, spike,
    Alert, AlertKind, AlertMemory,
};
use crate::api::ErrorKind;
use crate::hooks::{HookEvent, EVENTS};
use crate::settings::Settings;
use crate::snapshot::AccountSnapshot;
use crate::view::Forecasts;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap};

/// Accounts spending far above their usual pace now.
pub type Spikes = HashMap<String, spike::Burst>;

/// How long polling may fail (network or server) before `unreachable` runs.
pub const UNREACHABLE_AFTER: Duration = Duration::minutes(15);

/// One account's part of a round.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub account: String,
    /// To deliver; mark each one delivered in `memory` with [`mark_sent`].
    pub notify: Vec<Alert>,
    /// The hooks to run (already remembered in `memory`).
    pub hooks: Vec<HookEvent>,
    /// The account's memory after this round.
    pub memory: AlertMemory,
}

/// What the round's inputs are, besides the snapshots.
pub struct Inputs<'a> {
    pub forecasts: &'a Forecasts,
    pub spikes: &'a Spikes,
    pub settings: &'a Settings,
    /// Alerts paused, or notifications off: nothing to deliver (hooks still run).
    pub paused: bool,
    pub now: DateTime<Utc>,
}

/// Every account's plan, from `memory` (what was sent, by account).
pub fn plan(snaps: &[AccountSnapshot], memory: &BTreeMap<String, AlertMemory>, inputs: &Inputs) -> Vec<Plan> {
    snaps
        .iter()
        .map(|s| {
            let start = memory.get(&s.name).cloned().unwrap_or_default();
            // Until this memory existed, hooks ran as notifications were delivered.
            let hooks_before = start.hooks.as_deref().cloned().unwrap_or_else(|| AlertMemory { hooks: None, ..start.clone() });
            let (mut notify, mut memory) = due(s, &start, inputs, inputs.paused);
            let (mut told, mut hook_memory) = due(s, &hooks_before, inputs, false);
            // A low pool of someone whose other pool is healthy: say which one pays.
            if let Some(note) = other_pool_note(s, snaps) {
                for a in notify.iter_mut().chain(told.iter_mut()).filter(|a| matches!(a.kind, AlertKind::Low | AlertKind::Critical)) {
                    a.body = format!("{} {note}", a.body);
                }
            }
            let mut hooks = Vec::new();
            for a in told {
                mark_sent(&mut hook_memory, a.kind);
                let event = event_of(a.kind);
                if EVENTS.contains(&event) {
                    hooks.push(event_for(event, Some(s), Some(&a), false, inputs.now));
                }
            }
            for event in hook_only_events(s, Some(&hooks_before), &mut hook_memory, inputs.now) {
                hooks.push(event_for(event, Some(s), None, false, inputs.now));
            }
            memory.hooks = Some(Box::new(hook_memory));
            Plan { account: s.name.clone(), notify, hooks, memory }
        })
        .collect()
}

/// Every alert due for account `s` given `memory`, and the memory with any re-arming
/// applied (see `crate::alerts`); with `paused`, none.
fn due(s: &AccountSnapshot, memory: &AlertMemory, inputs: &Inputs, paused: bool) -> (Vec<Alert>, AlertMemory) {
    let (settings, now) = (inputs.settings, inputs.now);
    let within_days = if settings.forecast_alerts { settings.forecast_alert_days } else { 0.0 };
    let (balance, memory) = decide(s, memory, paused);
    let forecast = inputs.forecasts.get(&s.name);
    let days_left = forecast.and_then(|f| f.days_left(now));
    let (soon, memory) =
        decide_forecast(&s.name, days_left, &forecast.map(|f| f.text(now)).unwrap_or_default(), within_days, &memory, paused);
    let (missed, memory) = decide_reload(s, &memory, now, settings.reload_grace(), paused);
    let (expiring, memory) = decide_expiry(s, &memory, now, paused);
    let (signing_off, memory) = decide_sign_in(s, &memory, now, paused);
    let spikes = inputs.spikes.get(&s.name).filter(|_| settings.spike_alerts);
    let (spike, memory) = spike::decide(&s.name, spikes, &memory, paused);
    let (overage, memory) = decide_overage(s, &memory, paused);
    let (reset, memory) = decide_reset(s, &memory, settings.reset_reminder, settings.reset_reminder_within(), now, paused);
    ([balance, soon, missed, expiring, signing_off, spike, overage, reset].into_iter().flatten().collect(), memory)
}

/// The events with no notification of their own: `recovered` (back above low after a
/// low or critical alert) and `unreachable` (checks failing for a while), once each.
pub fn hook_only_events(
    s: &AccountSnapshot,
    before: Option<&AlertMemory>,
    memory: &mut AlertMemory,
    now: DateTime<Utc>,
) -> Vec<&'static str> {
    let mut events = Vec::new();
    let was_down = before.is_some_and(|m| m.low_sent || m.critical_sent);
    if was_down && !memory.low_sent && !memory.critical_sent && s.error.is_none() {
        events.push("recovered");
    }
    let failing = s.error.as_ref().is_some_and(|e| matches!(e.kind, ErrorKind::Network | ErrorKind::Server | ErrorKind::RateLimited));
    let since = s.fetched_at.or(s.attempted_at);
    match (failing, since) {
        (false, _) => memory.unreachable_told = false,
        (true, Some(t)) if now - t >= UNREACHABLE_AFTER && !memory.unreachable_told => {
            memory.unreachable_told = true;
            events.push("unreachable");
        }
        _ => {}
    }
    events
}

/// The hook event an alert is.
pub fn event_of(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Low => "low",
        AlertKind::Critical => "critical",
        AlertKind::KeyRejected | AlertKind::SignInEnded => "key_rejected",
        AlertKind::ReloadMissed => "reload_failed",
        AlertKind::KeyExpiresInAWeek | AlertKind::KeyExpiresTomorrow | AlertKind::SignInEndsIn2Days | AlertKind::SignInEndsTomorrow => {
            "key_expiring"
        }
        AlertKind::Spike => "spike",
        AlertKind::Forecast => "forecast",
        AlertKind::Overage => "overage",
        AlertKind::ResetReminder => "reset_reminder",
    }
}

/// What a hook is told about an account at `at`.
pub fn event_for(name: &str, snap: Option<&AccountSnapshot>, alert: Option<&Alert>, test: bool, at: DateTime<Utc>) -> HookEvent {
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
        at,
        message: alert.map(|a| format!("{}: {}", a.summary, a.body)),
        test,
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
