use super::*;
use crate::api::ApiError;

fn wallet(balance: f64, at: DateTime<Utc>) -> AccountSnapshot {
    let me: crate::api::UserMe = serde_json::from_value(serde_json::json!({
        "username": "u", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": balance}
    }))
    .unwrap();
    let mut s = AccountSnapshot::new("work", Default::default());
    s.record(Ok(me), at);
    s
}

#[test]
fn recovered_runs_once_after_a_low_episode_and_unreachable_once_per_failing_stretch() {
    let now = Utc::now();
    // Back above low after a low alert: the alerts re-armed it, the hook says so once.
    let was_low = AlertMemory { low_sent: true, ..Default::default() };
    let mut after = AlertMemory::default();
    assert_eq!(hook_only_events(&wallet(50.0, now), Some(&was_low), &mut after, now), ["recovered"]);
    assert!(hook_only_events(&wallet(50.0, now), Some(&after.clone()), &mut after, now).is_empty());
    // Offline for 5 minutes: nothing yet; for 20: once; still offline: no more; back: re-armed.
    let mut snap = wallet(50.0, now - Duration::minutes(20));
    snap.record(Err(ApiError::new(ErrorKind::Network, "offline")), now);
    let mut m = AlertMemory::default();
    assert!(hook_only_events(&snap, None, &mut m, now - Duration::minutes(16)).is_empty());
    assert_eq!(hook_only_events(&snap, None, &mut m, now), ["unreachable"]);
    assert!(hook_only_events(&snap, None, &mut m, now + Duration::minutes(5)).is_empty());
    assert!(hook_only_events(&wallet(50.0, now), None, &mut m, now).is_empty() && !m.unreachable_told);
    // A rejected key is not "unreachable": it has its own event.
    let mut rejected = wallet(50.0, now - Duration::hours(1));
    rejected.record(Err(ApiError::new(ErrorKind::Unauthorized, "no")), now);
    assert!(hook_only_events(&rejected, None, &mut AlertMemory::default(), now).is_empty());
}

#[test]
fn a_paused_round_notifies_nothing_but_hooks_run_once() {
    let now = Utc::now();
    let settings = Settings::default();
    let (forecasts, spikes) = (Forecasts::new(), Spikes::new());
    let inputs = |paused| Inputs { forecasts: &forecasts, spikes: &spikes, settings: &settings, paused, now };
    let snaps = [wallet(1.0, now)];
    let plans = plan(&snaps, &BTreeMap::new(), &inputs(true));
    assert!(plans[0].notify.is_empty(), "paused");
    assert_eq!(plans[0].hooks.iter().map(|h| h.event.as_str()).collect::<Vec<_>>(), ["critical"]);
    // The hooks remember; the notification is still due once the pause ends.
    let memory = BTreeMap::from([("work".to_string(), plans[0].memory.clone())]);
    let again = plan(&snaps, &memory, &inputs(false));
    assert_eq!(again[0].notify.len(), 1);
    assert!(again[0].hooks.is_empty(), "a hook runs once per episode");
}
