//! The alerts' memory, owned here in memory: what was sent for each account decides
//! what is sent next, whether or not the settings file could be written. The file
//! keeps a copy (so a restart does not repeat alerts), saved after each change and,
//! when that fails (a full disk, a read-only folder), saved again later.

use super::hook_runner::{event_for, event_of, HookRunner};
use super::notifier;
use heygen_tray_core::alerts::{decide, decide_expiry, decide_forecast, decide_reload, decide_sign_in, mark_sent, Alert, AlertMemory};
use heygen_tray_core::settings::{Account, Settings, Store};
use heygen_tray_core::snapshot::AccountSnapshot;
use heygen_tray_core::view::Forecasts;

/// Accounts spending far above their usual pace now.
pub type Spikes = std::collections::HashMap<String, heygen_tray_core::alerts::spike::Burst>;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// How long a failed save waits before the next try.
pub const SAVE_RETRY: std::time::Duration = std::time::Duration::from_secs(60);

pub struct AlertBook {
    book: Mutex<Book>,
}

#[derive(Default)]
struct Book {
    memory: BTreeMap<String, AlertMemory>,
    /// Bumped on every change; `saved` is the change last written to the file.
    changed: u64,
    saved: u64,
}

impl AlertBook {
    /// The memory the settings file held at start.
    pub fn new(memory: BTreeMap<String, AlertMemory>) -> AlertBook {
        AlertBook { book: Mutex::new(Book { memory, ..Default::default() }) }
    }

    pub fn memory(&self) -> BTreeMap<String, AlertMemory> {
        self.book.lock().unwrap().memory.clone()
    }

    fn replace(&self, memory: BTreeMap<String, AlertMemory>) {
        let mut book = self.book.lock().unwrap();
        if book.memory != memory {
            book.memory = memory;
            book.changed += 1;
        }
    }

    /// Accounts that were removed, or whose key was replaced, start afresh.
    pub fn forget_replaced(&self, before: &[Account], after: &[Account]) {
        let mut memory = self.memory();
        for b in before {
            if after.iter().find(|a| a.name == b.name).is_none_or(|a| a.key_changed_at != b.key_changed_at) {
                memory.remove(&b.name);
            }
        }
        self.replace(memory);
    }

    /// True while a change is not in the settings file yet.
    pub fn unsaved(&self) -> bool {
        let book = self.book.lock().unwrap();
        book.changed != book.saved
    }

    /// Writes the memory of the file's accounts to the settings file, if it changed.
    /// False when the file could not be written (the memory here stays as it is).
    /// Blocking.
    pub fn save(&self, store: &Store, demo: bool) -> bool {
        let (memory, changed) = {
            let book = self.book.lock().unwrap();
            if book.changed == book.saved {
                return true;
            }
            (book.memory.clone(), book.changed)
        };
        let written = store.update_if_usable(|s: &mut Settings| {
            let kept = memory.iter().filter(|(name, _)| demo || s.account(name).is_some());
            s.alert_memory = kept.map(|(n, m)| (n.clone(), m.clone())).collect();
        });
        match written {
            Ok(_) => {
                let mut book = self.book.lock().unwrap();
                book.saved = book.saved.max(changed);
                true
            }
            Err(e) => {
                tracing::warn!("the alerts sent could not be remembered in the settings file ({e}); they are kept in memory and saved again in {} s", SAVE_RETRY.as_secs());
                false
            }
        }
    }

    /// Whether the wallet's auto-reload was seen failing (for its forecast).
    pub fn reload_failing(&self, name: &str) -> bool {
        self.book.lock().unwrap().memory.get(name).is_some_and(|m| m.reload_missed_sent)
    }

    /// Sends what the alerts ask for (`spikes`: the accounts spending far above their
    /// pace) and remembers what the notification daemon took. The hooks are told the
    /// same events, once each, with a memory of their own: they run while alerts are
    /// paused or notifications off, and without a notification daemon.
    pub async fn send_due(&self, snaps: &[AccountSnapshot], forecasts: &Forecasts, spikes: &Spikes, settings: &Settings, paused: bool, hooks: &HookRunner) {
        let now = chrono::Utc::now();
        let due = |s: &AccountSnapshot, memory: &AlertMemory, paused: bool| due(s, memory, forecasts, spikes, settings, now, paused);
        let before = self.memory();
        let mut after = before.clone();
        for s in snaps {
            let start = before.get(&s.name).cloned().unwrap_or_default();
            // Until this memory existed, hooks ran as notifications were delivered.
            let hooks_before = start.hooks.as_deref().cloned().unwrap_or_else(|| AlertMemory { hooks: None, ..start.clone() });
            let (alerts, mut memory) = due(s, &start, paused);
            for a in alerts {
                match notifier::send(&a).await {
                    Ok(()) => mark_sent(&mut memory, a.kind),
                    Err(e) => tracing::warn!("notification not delivered, will retry: {e}"),
                }
            }
            let (told, mut hook_memory) = due(s, &hooks_before, false);
            for a in told {
                mark_sent(&mut hook_memory, a.kind);
                let event = event_of(a.kind);
                if heygen_tray_core::hooks::EVENTS.contains(&event) {
                    hooks.fire(&settings.hooks, event_for(event, Some(s), Some(&a), false));
                }
            }
            for event in hook_only_events(s, Some(&hooks_before), &mut hook_memory, now) {
                hooks.fire(&settings.hooks, event_for(event, Some(s), None, false));
            }
            memory.hooks = Some(Box::new(hook_memory));
            after.insert(s.name.clone(), memory);
        }
        self.replace(after);
    }
}

/// Every alert due for account `s` given `memory`, and the memory with any re-arming
/// applied (see `heygen_tray_core::alerts`); with `paused`, none.
fn due(s: &AccountSnapshot, memory: &AlertMemory, forecasts: &Forecasts, spikes: &Spikes, settings: &Settings, now: chrono::DateTime<chrono::Utc>, paused: bool) -> (Vec<Alert>, AlertMemory) {
    let within_days = if settings.forecast_alerts { settings.forecast_alert_days } else { 0.0 };
    let (balance, memory) = decide(s, memory, paused);
    let forecast = forecasts.get(&s.name);
    let days_left = forecast.and_then(|f| f.days_left(now));
    let (soon, memory) = decide_forecast(&s.name, days_left, &forecast.map(|f| f.text(now)).unwrap_or_default(), within_days, &memory, paused);
    let (missed, memory) = decide_reload(s, &memory, now, settings.reload_grace(), paused);
    let (expiring, memory) = decide_expiry(s, &memory, now, paused);
    let (signing_off, memory) = decide_sign_in(s, &memory, now, paused);
    let (spike, memory) = heygen_tray_core::alerts::spike::decide(&s.name, spikes.get(&s.name), &memory, paused);
    ([balance, soon, missed, expiring, signing_off, spike].into_iter().flatten().collect(), memory)
}

/// How long polling may fail (network or server) before `unreachable` runs.
const UNREACHABLE_AFTER: chrono::Duration = chrono::Duration::minutes(15);

/// The events with no notification of their own: `recovered` (back above low after a
/// low or critical alert) and `unreachable` (checks failing for a while), once each.
fn hook_only_events(s: &AccountSnapshot, before: Option<&AlertMemory>, memory: &mut AlertMemory, now: chrono::DateTime<chrono::Utc>) -> Vec<&'static str> {
    use heygen_tray_core::api::ErrorKind;
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

#[cfg(test)]
mod tests {
    use super::*;
    use heygen_tray_core::settings::AuthKind;

    fn memory(name: &str) -> BTreeMap<String, AlertMemory> {
        BTreeMap::from([(name.to_string(), AlertMemory { low_sent: true, ..Default::default() })])
    }

    #[test]
    fn a_failed_save_keeps_what_was_sent_and_is_saved_again_later() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        store.update(|s| s.accounts.push(Account::new("work", AuthKind::ApiKey))).unwrap();
        let book = AlertBook::new(BTreeMap::new());
        book.replace(memory("work"));
        // A folder in the way of the temporary file makes the write fail.
        let tmp = dir.path().join(format!(".settings.json.tmp-{}", std::process::id()));
        std::fs::create_dir_all(tmp.join("x")).unwrap();
        assert!(!book.save(&store, false));
        assert!(book.unsaved());
        assert!(book.memory()["work"].low_sent, "still remembered: the alert is not sent again");
        std::fs::remove_dir_all(&tmp).unwrap();
        assert!(book.save(&store, false));
        assert!(!book.unsaved());
        assert!(store.load().settings.alert_memory["work"].low_sent);
    }

    #[test]
    fn removed_accounts_and_new_keys_start_afresh_and_others_keep_their_memory() {
        let mut work = Account::new("work", AuthKind::ApiKey);
        let home = Account::new("home", AuthKind::ApiKey);
        let book = AlertBook::new(memory("work").into_iter().chain(memory("home")).chain(memory("gone")).collect());
        let before = vec![work.clone(), home.clone(), Account::new("gone", AuthKind::ApiKey)];
        work.key_changed_at = Some(chrono::Utc::now());
        book.forget_replaced(&before, &[work, home]);
        assert_eq!(book.memory().keys().collect::<Vec<_>>(), ["home"]);
        assert!(book.unsaved());
    }

    fn wallet(balance: f64, at: chrono::DateTime<chrono::Utc>) -> AccountSnapshot {
        let me: heygen_tray_core::api::UserMe = serde_json::from_value(serde_json::json!({
            "username": "u", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": balance}
        }))
        .unwrap();
        let mut s = AccountSnapshot::new("work", Default::default());
        s.record(Ok(me), at);
        s
    }

    #[test]
    fn recovered_runs_once_after_a_low_episode_and_unreachable_once_per_failing_stretch() {
        use heygen_tray_core::api::{ApiError, ErrorKind};
        let now = chrono::Utc::now();
        // Back above low after a low alert: the alerts re-armed it, the hook says so once.
        let was_low = AlertMemory { low_sent: true, ..Default::default() };
        let mut after = AlertMemory::default();
        assert_eq!(hook_only_events(&wallet(50.0, now), Some(&was_low), &mut after, now), ["recovered"]);
        assert!(hook_only_events(&wallet(50.0, now), Some(&after.clone()), &mut after, now).is_empty());
        // Offline for 5 minutes: nothing yet; for 20: once; still offline: no more; back: re-armed.
        let mut snap = wallet(50.0, now - chrono::Duration::minutes(20));
        snap.record(Err(ApiError::new(ErrorKind::Network, "offline")), now);
        let mut m = AlertMemory::default();
        assert!(hook_only_events(&snap, None, &mut m, now - chrono::Duration::minutes(16)).is_empty());
        assert_eq!(hook_only_events(&snap, None, &mut m, now), ["unreachable"]);
        assert!(hook_only_events(&snap, None, &mut m, now + chrono::Duration::minutes(5)).is_empty());
        assert!(hook_only_events(&wallet(50.0, now), None, &mut m, now).is_empty() && !m.unreachable_told);
        // A rejected key is not "unreachable": it has its own event.
        let mut rejected = wallet(50.0, now - chrono::Duration::hours(1));
        rejected.record(Err(ApiError::new(ErrorKind::Unauthorized, "no")), now);
        assert!(hook_only_events(&rejected, None, &mut AlertMemory::default(), now).is_empty());
    }
}
