//! Credit pools over a month at the default cadence: a usage-based plan running
//! past its included credits, and a web plan about to reset with most of it unused.

use super::*;

/// Videos every hour: 500 of the 10,000 included credits a day, used up on day 20,
/// then overage until a new period on day 31 restores them.
fn usage_month(t: DateTime<Utc>) -> serde_json::Value {
    let day = (t - t0()).num_hours() as f64 / 24.0;
    let (remaining, spent) =
        if day < 31.0 { ((10_000.0 - day * 500.0).max(0.0), 100.0 + day * 9.0) } else { (10_000.0 - (day - 31.0) * 500.0, 5.0) };
    json!({"username": "ops", "billing_type": "usage_based", "usage_based": {
        "spending_current_usd": spent, "spending_cap_usd": 1000.0,
        "included_credits": 10_000, "remaining_credits": remaining.ceil()}})
}

#[tokio::test]
async fn a_month_of_a_usage_based_plan_running_into_overage_tells_it_once() {
    let mut story = Story::new(&["ops"], 0.0, Settings::default(), false);
    let (mut told, mut hooks, mut other) = (Vec::new(), Vec::new(), Vec::new());
    story
        .run(t0() + Duration::days(34), &mut |sim, t| sim.set_profile("ops", usage_month(t)), &mut |t, e, _| {
            for a in &e.notified {
                match a.kind {
                    AlertKind::Overage => told.push((t, a.body.clone())),
                    k => other.push(k),
                }
            }
            hooks.extend(e.hooks.iter().filter(|h| h.event == "overage").map(|_| t));
        })
        .await;
    assert_eq!(told.len(), 1, "{told:?}");
    let (at, body) = &told[0];
    let ran_out = t0() + Duration::days(20);
    assert!(*at >= ran_out && *at - ran_out <= Duration::minutes(35), "told at {at}, ran out at {ran_out}");
    assert!(body.contains("All 10,000 included credits") && body.contains("billed as overage"), "{body}");
    assert_eq!(hooks.len(), 1, "the `overage` hook runs once: {hooks:?}");
    assert!(other.is_empty(), "spend far under the cap alerts nothing else: {other:?}");
}

fn plan(remaining: f64, resets_at: DateTime<Utc>) -> serde_json::Value {
    json!({"username": "sam", "billing_type": "subscription", "subscription": {"plan": "creator", "credits": {
        "premium_credits": {"remaining": remaining, "resets_at": resets_at.to_rfc3339()}}}})
}

#[tokio::test]
async fn a_plan_with_most_credits_unused_two_days_before_its_reset_is_reminded_once() {
    let settings = Settings { reset_reminder: true, ..Settings::default() };
    let mut story = Story::new(&["web"], 0.0, settings, false);
    let reset = t0() + Duration::days(30);
    // 200 of 1,000 credits used in the month (80 % unused), then a fresh period.
    let mut world = |sim: &Sim, t: DateTime<Utc>| {
        let profile = if t < reset {
            plan(1000.0 - (200.0 * (t - t0()).num_seconds() as f64 / (30.0 * 86_400.0)).floor(), reset)
        } else {
            plan(1000.0, reset + Duration::days(30))
        };
        sim.set_profile("web", profile)
    };
    let mut reminders = Vec::new();
    story
        .run(reset + Duration::days(3), &mut world, &mut |t, e, _| {
            reminders.extend(e.notified.iter().filter(|a| a.kind == AlertKind::ResetReminder).map(|a| (t, a.body.clone())))
        })
        .await;
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    let (at, body) = &reminders[0];
    let due = reset - Duration::days(2);
    assert!(*at >= due && *at - due <= Duration::minutes(35), "reminded at {at}, two days before {reset}");
    assert!(body.contains("premium credits are still unused (81% of the 1,000 seen this period)"), "{body}");
    // A restart with the memory the settings file keeps, within the same two days:
    // no second reminder for that reset date.
    let memory = story.monitor.memory();
    let restarted = Settings { reset_reminder: true, alert_memory: memory, ..Settings::default() };
    let mut again = Story::new(&["web"], 0.0, restarted, false);
    again.clock.set(due + Duration::hours(6));
    let mut more = 0;
    again.run(reset - Duration::hours(1), &mut world, &mut |_, e, _| more += e.notified.len()).await;
    assert_eq!(more, 0, "reminded once per reset date, across a restart");
}
