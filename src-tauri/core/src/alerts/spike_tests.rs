use super::*;
use chrono::TimeZone;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 15, 0, 0).unwrap()
}

/// Samples every `step` from `from` before now to `to` before now, spending `each`.
fn series(out: &mut Vec<Sample>, from: Duration, to: Duration, step: Duration, each: f64) {
    let mut at = now() - from;
    while at <= now() - to {
        let remaining = out.last().map_or(1000.0, |s: &Sample| s.remaining) - each;
        out.push(Sample {
            account: "a".into(),
            at,
            remaining,
            unit: "usd".into(),
            spent: if out.is_empty() { 0.0 } else { each },
            added: 0.0,
        });
        at += step;
    }
}

/// A steady week: $0.50 an hour, a sample every 5 minutes, until `until` before now.
fn steady_week(until: Duration) -> Vec<Sample> {
    let mut s = Vec::new();
    series(&mut s, Duration::days(7), until, Duration::minutes(5), 0.5 / 12.0);
    s
}

#[test]
fn a_steady_week_is_no_spike() {
    let s = steady_week(Duration::zero());
    assert_eq!(detect(&s, now(), &Rule::default()), None);
    let (alert, memory) = decide("work", detect(&s, now(), &Rule::default()).as_ref(), &AlertMemory::default(), false);
    assert!(alert.is_none() && !memory.spike_sent);
}

#[test]
fn a_burst_after_a_steady_week_alerts_once_and_re_arms_when_the_pace_is_back() {
    let mut s = steady_week(Duration::minutes(10));
    // $1.50 a minute for ten minutes, polled every minute: $15.
    series(&mut s, Duration::minutes(9), Duration::zero(), Duration::minutes(1), 1.5);
    let burst = detect(&s, now(), &Rule::default()).expect("a spike");
    assert!((burst.spent - 15.0).abs() < 1e-9, "{burst:?}");
    assert!(burst.times.unwrap() > 100.0, "{burst:?}");
    let (alert, mut memory) = decide("work", Some(&burst), &AlertMemory::default(), false);
    let alert = alert.expect("one notification");
    // Paused: nothing is sent, nothing marked.
    assert!(decide("work", Some(&burst), &AlertMemory::default(), true).0.is_none());
    crate::alerts::mark_sent(&mut memory, alert.kind);
    assert_eq!(alert.kind, AlertKind::Spike);
    assert_eq!(alert.summary, "Spending spike on work");
    assert!(alert.body.starts_with("$15.00 in the last 10 min, about "), "{}", alert.body);
    assert!(alert.body.contains("× the usual pace"), "{}", alert.body);
    // The same episode: nothing more.
    let (again, memory) = decide("work", Some(&burst), &memory, false);
    assert!(again.is_none() && memory.spike_sent);
    // Half an hour of the usual pace later: re-armed.
    let later = now() + Duration::minutes(30);
    let mut calm = s.clone();
    let mut at = now() + Duration::minutes(5);
    while at <= later {
        let remaining = calm.last().unwrap().remaining - 0.5 / 12.0;
        calm.push(Sample { account: "a".into(), at, remaining, unit: "usd".into(), spent: 0.5 / 12.0, added: 0.0 });
        at += Duration::minutes(5);
    }
    let (none, memory) = decide("work", detect(&calm, later, &Rule::default()).as_ref(), &memory, false);
    assert!(none.is_none() && !memory.spike_sent, "re-armed");
}

#[test]
fn noise_below_the_floor_is_no_spike() {
    let mut s = steady_week(Duration::minutes(10));
    // Ten times the usual pace, but only cents: under the $5 floor.
    series(&mut s, Duration::minutes(9), Duration::zero(), Duration::minutes(1), 0.08);
    assert_eq!(detect(&s, now(), &Rule::default()), None);
    // A lower floor in the settings makes it one.
    let rule = Rule { floor_usd: 0.5, ..Rule::default() };
    assert!(detect(&s, now(), &rule).is_some());
}

#[test]
fn a_top_up_in_the_middle_is_not_spend() {
    let mut s = steady_week(Duration::minutes(10));
    series(&mut s, Duration::minutes(9), Duration::zero(), Duration::minutes(1), 0.0);
    // A $100 top-up in the window, nothing else spent.
    let i = s.len() - 5;
    s[i].added = 100.0;
    s[i].remaining += 100.0;
    assert_eq!(detect(&s, now(), &Rule::default()), None);
    // Spending $2 a minute around it still is a spike; the top-up is not subtracted.
    let mut t = steady_week(Duration::minutes(10));
    series(&mut t, Duration::minutes(9), Duration::zero(), Duration::minutes(1), 2.0);
    let i = t.len() - 5;
    t[i].added = 100.0;
    assert!((detect(&t, now(), &Rule::default()).unwrap().spent - 20.0).abs() < 1e-9);
}

#[test]
fn too_little_history_says_nothing_and_an_idle_account_that_bursts_is_told() {
    let mut short = Vec::new();
    series(&mut short, Duration::hours(2), Duration::minutes(10), Duration::minutes(5), 0.0);
    series(&mut short, Duration::minutes(9), Duration::zero(), Duration::minutes(1), 2.0);
    assert_eq!(detect(&short, now(), &Rule::default()), None, "two hours is not a usual pace");
    let mut idle = Vec::new();
    series(&mut idle, Duration::days(2), Duration::minutes(10), Duration::minutes(30), 0.0);
    series(&mut idle, Duration::minutes(9), Duration::zero(), Duration::minutes(1), 2.0);
    let burst = detect(&idle, now(), &Rule::default()).expect("spend where there is usually none");
    assert_eq!(burst.times, None);
    let (alert, _) = decide("idle", Some(&burst), &AlertMemory::default(), false);
    assert!(alert.unwrap().body.contains("where it usually spends nothing"));
}

/// A steady week polled every `every` (a row per poll: the figure changes each time),
/// then a burst of $1.50 a minute that began `began` before now, polled on the same grid.
fn burst_at_fixed_interval(every: Duration, began: Duration, now: DateTime<Utc>) -> Vec<Sample> {
    let per_poll = 0.5 * every.num_minutes() as f64 / 60.0;
    let mut out: Vec<Sample> = Vec::new();
    let mut at = now - Duration::days(7);
    let start = now - began;
    while at <= now {
        let burst_minutes = ((at - start).num_seconds() as f64 / 60.0).clamp(0.0, every.num_minutes() as f64);
        let spent = if out.is_empty() { 0.0 } else { per_poll + 1.5 * burst_minutes };
        let remaining = out.last().map_or(5000.0, |s| s.remaining) - spent;
        out.push(Sample { account: "a".into(), at, remaining, unit: "usd".into(), spent, added: 0.0 });
        at += every;
    }
    out
}

#[test]
fn a_fixed_interval_of_five_to_thirty_minutes_sees_a_spike_within_two_polls() {
    for minutes in [5, 10, 15, 30] {
        let every = Duration::minutes(minutes);
        let rule = Rule { longest_gap: every, ..Rule::default() };
        // The burst began just after a poll: the second poll after it is now.
        let began = every + every - Duration::minutes(1);
        let s = burst_at_fixed_interval(every, began, now());
        let burst = detect(&s, now(), &rule).unwrap_or_else(|| panic!("every {minutes} min: no spike at the second poll"));
        assert!(burst.times.unwrap() > 5.0, "every {minutes} min: {burst:?}");
        assert!(burst.minutes <= 2.0 * every.num_minutes() as f64, "every {minutes} min: {burst:?}");
        // Without the burst: nothing.
        let calm = burst_at_fixed_interval(every, Duration::days(-1), now());
        assert_eq!(detect(&calm, now(), &rule), None, "every {minutes} min, calm");
    }
}

#[test]
fn a_quiet_account_polled_every_half_hour_is_told_at_the_second_poll() {
    // Unchanged for a week: the history holds a row an hour (its heartbeat).
    let mut s = Vec::new();
    series(&mut s, Duration::days(7), Duration::minutes(60), Duration::minutes(60), 0.0);
    // A loop starts 45 minutes ago; polls 30 minutes ago and now see $22.50 and $45.
    let remaining = s.last().unwrap().remaining;
    s.push(Sample {
        account: "a".into(),
        at: now() - Duration::minutes(30),
        remaining: remaining - 22.5,
        unit: "usd".into(),
        spent: 22.5,
        added: 0.0,
    });
    s.push(Sample { account: "a".into(), at: now(), remaining: remaining - 67.5, unit: "usd".into(), spent: 45.0, added: 0.0 });
    let burst = detect(&s, now(), &Rule::default()).expect("a spike");
    assert!((burst.spent - 67.5).abs() < 1e-9 && burst.times.is_none(), "{burst:?}");
    let (alert, _) = decide("quiet", Some(&burst), &AlertMemory::default(), false);
    assert!(alert.unwrap().body.starts_with("$67.50 in the last 60 min"));
}

#[test]
fn a_burst_long_over_is_no_spike_now() {
    let mut s = steady_week(Duration::hours(6));
    series(&mut s, Duration::minutes(355), Duration::minutes(350), Duration::minutes(1), 3.0);
    // The figure has not changed for almost six hours (no rows): the pace up to now is low.
    assert_eq!(detect(&s, now(), &Rule::default()), None);
}

#[test]
fn one_large_job_after_a_quiet_spell_is_no_spike_but_a_second_poll_of_it_is() {
    let mut s = steady_week(Duration::minutes(15));
    // One $6 render, seen by the latest poll only.
    let remaining = s.last().unwrap().remaining;
    s.push(Sample {
        account: "a".into(),
        at: now() - Duration::minutes(1),
        remaining: remaining - 6.0,
        unit: "usd".into(),
        spent: 6.0,
        added: 0.0,
    });
    assert_eq!(detect(&s, now() - Duration::minutes(1), &Rule::default()), None);
    // The next poll sees $6 more: a loop.
    s.push(Sample { account: "a".into(), at: now(), remaining: remaining - 12.0, unit: "usd".into(), spent: 6.0, added: 0.0 });
    assert!(detect(&s, now(), &Rule::default()).is_some());
}
