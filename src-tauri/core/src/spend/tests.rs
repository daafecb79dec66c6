use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 15, 30, 0).unwrap()
}

/// Hourly samples from `from_h` hours ago to `to_h` hours ago (both in), spending `per_h`.
fn hourly(from_h: i64, to_h: i64, start: f64, per_h: f64) -> Vec<Sample> {
    (0..=from_h - to_h)
        .map(|i| Sample {
            account: "a".into(),
            at: now() - Duration::hours(from_h - i),
            remaining: start - per_h * i as f64,
            unit: "usd".into(),
            spent: if i == 0 { 0.0 } else { per_h },
            added: 0.0,
        })
        .collect()
}

fn count_since(samples: &[Sample], since: DateTime<Utc>) -> usize {
    samples.iter().skip(1).filter(|s| s.at >= since).count()
}

#[test]
fn a_watched_month_with_a_top_up_is_counted_per_period_and_the_top_up_apart() {
    let mut s = hourly(40 * 24, 0, 2000.0, 1.0);
    // A $50 top-up three days ago (nothing spent in that hour).
    let i = s.iter().position(|x| x.at == now() - Duration::days(3)).unwrap();
    s[i].spent = 0.0;
    s[i].added = 50.0;
    let t = totals(&s, now()).unwrap();
    let [today, week, month] = starts(now());
    assert_eq!(t.unit, "usd");
    assert_eq!(t.last_7_days.spent, (count_since(&s, week) - 1) as f64);
    assert_eq!(t.last_7_days.topped_up, 50.0);
    assert_eq!(t.today.spent, count_since(&s, today) as f64);
    assert_eq!(t.this_month.spent, (count_since(&s, month) - 1) as f64);
    assert_eq!((t.today.unwatched_secs, t.last_7_days.unwatched_secs, t.this_month.unwatched_secs), (0, 0, 0));
    assert_eq!(t.last_7_days.since, now() - Duration::days(7));
    assert!(words(&t.last_7_days, "usd").starts_with("spent $168.00 · topped up $50.00"), "{}", words(&t.last_7_days, "usd"));
}

#[test]
fn unwatched_time_is_said_not_guessed() {
    // Watched until 4 days ago, then nothing for two days, then watched again.
    let mut s = hourly(6 * 24, 4 * 24, 500.0, 1.0);
    let mut after = hourly(2 * 24, 0, 300.0, 1.0);
    after[0].spent = 452.0 - 300.0; // what went while nobody watched
    s.append(&mut after);
    let t = totals(&s, now()).unwrap();
    let gap = (Duration::days(2)).num_seconds();
    assert_eq!(t.last_7_days.unwatched_secs, gap + Duration::days(1).num_seconds(), "a day before the history began and the gap");
    // What was spent across the gap still counts: the money is gone.
    assert!((t.last_7_days.spent - (48.0 + 152.0 + 48.0)).abs() < 1e-9, "{}", t.last_7_days.spent);
    assert_eq!(words(&t.last_7_days, "usd"), "watched for 4 days: spent $248.00");
}

#[test]
fn a_history_that_starts_today_leaves_the_rest_of_the_week_unwatched() {
    let s = hourly(3, 0, 10.0, 0.5);
    let t = totals(&s, now()).unwrap();
    assert_eq!(t.last_7_days.spent, 1.5);
    assert_eq!(t.last_7_days.unwatched_secs, (Duration::days(7) - Duration::hours(3)).num_seconds());
    assert_eq!(words(&t.last_7_days, "usd"), "watched for 3 hours: spent $1.50");
    // No sample at all for a while: all of it unwatched.
    let old = hourly(30 * 24, 29 * 24, 10.0, 0.0);
    let t = totals(&old, now()).unwrap();
    assert_eq!((t.today.spent, t.today.unwatched_secs), (0.0, (now() - starts(now())[0]).num_seconds()));
}

#[test]
fn accounts_of_one_unit_add_up_and_credits_read_as_credits() {
    let a = totals(&hourly(10, 0, 100.0, 1.0), now()).unwrap();
    let b = totals(&hourly(10, 0, 100.0, 2.0), now()).unwrap();
    let all = sum(&[&a, &b]).unwrap();
    assert_eq!(all.last_7_days.spent, 30.0);
    assert_eq!(amount(1250.0, "credits"), "1,250 credits");
    // (Today's part depends on the time zone's midnight; the week's does not.)
    assert!(line(&all).contains(" · 7 days: watched for 10 hours: spent $30.00 · "), "{}", line(&all));
    assert!(totals(&[], now()).is_none());
}

#[test]
fn a_new_account_says_how_long_it_has_been_watched_not_what_it_has_not() {
    // Added two minutes ago: one sample then, one now.
    let s: Vec<Sample> = [2, 0]
        .iter()
        .map(|m| Sample {
            account: "a".into(),
            at: now() - Duration::minutes(*m),
            remaining: 42.0,
            unit: "usd".into(),
            spent: 0.0,
            added: 0.0,
        })
        .collect();
    let t = totals(&s, now()).unwrap();
    assert!(line(&t).ends_with(" · 7 days: watched for 2 min: spent $0.00 · This month: watched for 2 min: spent $0.00"), "{}", line(&t));
    assert_eq!(words(&t.last_7_days, "usd"), "watched for 2 min: spent $0.00");
    // Watched all along: nothing to explain.
    let t = totals(&hourly(40 * 24, 0, 2000.0, 1.0), now()).unwrap();
    assert!(!line(&t).contains("watched"), "{}", line(&t));
}
