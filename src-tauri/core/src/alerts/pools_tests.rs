use super::*;
use crate::alerts::mark_sent;
use crate::api::{ApiError, ErrorKind, UserMe};
use crate::billing::ThresholdOverride;
use serde_json::json;

fn seen(name: &str, data: serde_json::Value, at: DateTime<Utc>) -> AccountSnapshot {
    let me: UserMe = serde_json::from_value(data).unwrap();
    let mut s = AccountSnapshot::new(name, ThresholdOverride::default());
    s.record(Ok(me), at);
    s
}

fn usage(remaining: f64) -> serde_json::Value {
    json!({"username": "ops", "billing_type": "usage_based", "usage_based": {
        "spending_current_usd": 40.0, "spending_cap_usd": 100.0, "included_credits": 1000, "remaining_credits": remaining}})
}

fn plan(premium: f64, resets_at: DateTime<Utc>) -> serde_json::Value {
    json!({"username": "sam", "billing_type": "subscription", "subscription": {"plan": "creator", "credits": {
        "premium_credits": {"remaining": premium, "resets_at": resets_at.to_rfc3339()}}}})
}

#[test]
fn overage_is_told_once_and_rearmed_when_a_new_period_restores_the_credits() {
    let now = Utc::now();
    let mut memory = AlertMemory::default();
    let mut told = 0;
    for remaining in [300.0, 10.0, 0.0, 0.0, -5.0, 1000.0, 0.0] {
        let (alert, m) = decide_overage(&seen("ops", usage(remaining), now), &memory, false);
        memory = m;
        if let Some(a) = alert {
            assert_eq!(a.kind, AlertKind::Overage);
            assert!(a.body.contains("billed as overage") && a.body.contains("$40.00 of the $100 cap"), "{}", a.body);
            mark_sent(&mut memory, a.kind);
            told += 1;
        }
    }
    assert_eq!(told, 2, "once when they ran out, once more in the next period");
    // Paused: nothing, and nothing marked, so it is told after the pause.
    let (alert, m) = decide_overage(&seen("ops", usage(0.0), now), &AlertMemory::default(), true);
    assert!(alert.is_none() && !m.overage_sent);
    // A plan with no included credits has no overage to tell.
    let none = json!({"username": "ops", "billing_type": "usage_based", "usage_based": {"included_credits": 0, "remaining_credits": 0}});
    assert!(decide_overage(&seen("ops", none, now), &AlertMemory::default(), false).0.is_none());
}

#[test]
fn a_pool_mostly_unused_before_its_reset_is_reminded_of_once_per_reset_date() {
    let t0 = Utc::now();
    let reset = t0 + Duration::days(30);
    let within = Duration::days(2);
    let mut memory = AlertMemory::default();
    let mut reminders = Vec::new();
    // A month in which 200 of 1,000 credits are used, seen twice a day.
    for half_days in 0..60 {
        let now = t0 + Duration::hours(12 * half_days);
        let remaining = 1000.0 - (half_days as f64 * 200.0 / 60.0).floor();
        let (alert, m) = decide_reset(&seen("web", plan(remaining, reset), now), &memory, true, within, now, false);
        memory = m;
        if let Some(a) = alert {
            mark_sent(&mut memory, a.kind);
            reminders.push((now, a));
        }
    }
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    let (at, a) = &reminders[0];
    assert!(reset - *at <= within && reset - *at > Duration::days(1), "two days before: {at} vs {reset}");
    assert!(a.body.contains("premium credits are still unused") && a.body.contains("of the 1,000 seen"), "{}", a.body);
    assert!(!a.body.contains("lost"), "HeyGen documents no carry-over either way: {}", a.body);
    // The next period starts a new peak and may be reminded of again.
    let next = reset + Duration::days(30);
    let (_, m) = decide_reset(&seen("web", plan(1000.0, next), reset), &memory, true, within, reset, false);
    assert_eq!(m.pool_peaks["Premium credits"], PoolPeak { resets_at: Some(next), peak: 1000.0 });
    let late = next - Duration::days(1);
    assert!(decide_reset(&seen("web", plan(900.0, next), late), &m, true, within, late, false).0.is_some());
}

#[test]
fn no_reminder_when_off_when_half_is_used_or_with_stale_figures() {
    let now = Utc::now();
    let reset = now + Duration::days(1);
    let memory = AlertMemory::default();
    let (alert, m) = decide_reset(&seen("web", plan(1000.0, reset), now), &memory, false, Duration::days(2), now, false);
    assert!(alert.is_none(), "opt-in");
    assert_eq!(m.pool_peaks["Premium credits"].peak, 1000.0, "the peak is kept even when off");
    let (alert, _) = decide_reset(&seen("web", plan(400.0, reset), now), &m, true, Duration::days(2), now, false);
    assert!(alert.is_none(), "less than half unused");
    let mut stale = seen("web", plan(1000.0, reset), now);
    stale.record(Err(ApiError::new(ErrorKind::Network, "offline")), now);
    assert!(decide_reset(&stale, &m, true, Duration::days(2), now, false).0.is_none());
}

#[test]
fn a_low_wallet_names_the_healthy_web_plan_of_the_same_user_and_the_other_way_round() {
    let now = Utc::now();
    let wallet =
        seen("api", json!({"username": "jane", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": 4.0}}), now);
    let web = seen(
        "web",
        json!({"username": "jane", "billing_type": "subscription", "subscription": {"plan": "pro", "credits": {
            "premium_credits": {"remaining": 11647}}}}),
        now,
    );
    let other = seen(
        "other",
        json!({"username": "bob", "billing_type": "subscription", "subscription": {"credits": {
            "premium_credits": {"remaining": 5000}}}}),
        now,
    );
    let all = [wallet.clone(), web.clone(), other];
    assert_eq!(other_pool_note(&wallet, &all).as_deref(), Some("Your web plan still has 11,647 credits, but API calls spend the wallet."));
    let low_web = seen(
        "web",
        json!({"username": "jane", "billing_type": "subscription", "subscription": {"credits": {
            "premium_credits": {"remaining": 10}}}}),
        now,
    );
    let rich =
        seen("api", json!({"username": "jane", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": 80.0}}), now);
    let note = other_pool_note(&low_web, &[rich, low_web.clone()]).unwrap();
    assert!(note.starts_with("Your API wallet still has $80.00") && note.contains("MCP server"), "{note}");
    // A low other pool, or another user's, is no comfort.
    assert_eq!(other_pool_note(&wallet, &[wallet.clone(), low_web]), None);
}
