use super::*;
use crate::spend::Period;
use chrono::Duration;

fn totals(unit: &str, today: f64) -> Totals {
    let p = |spent| Period { since: Utc::now(), spent, topped_up: 0.0, unwatched_secs: 0, watched_secs: 0 };
    Totals { unit: unit.into(), today: p(today), last_7_days: p(today), this_month: p(today) }
}

#[test]
fn the_pace_says_no_spending_today_or_the_rate_per_hour() {
    assert_eq!(pace_words(Some(&totals("usd", 0.0)), Some(0.01)).as_deref(), Some("no spending today"));
    assert_eq!(pace_words(Some(&totals("usd", 5.0)), Some(3.10 / 3600.0)).as_deref(), Some("−$3.10/h"));
    assert_eq!(pace_words(Some(&totals("credits", 50.0)), Some(12.0 / 3600.0)).as_deref(), Some("−12 credits/h"));
    assert_eq!(pace_words(Some(&totals("usd", 5.0)), None), None, "spending, but no pace yet");
    assert_eq!(pace_words(None, Some(1.0)), None, "no history");
}

#[test]
fn one_users_accounts_are_kept_together_in_the_settings_order() {
    let now = Utc::now();
    let snaps = [
        crate::snapshot::wallet_seen("a", "jane", 1.0, now),
        crate::snapshot::wallet_seen("b", "bob", 1.0, now),
        crate::snapshot::wallet_seen("c", "jane", 1.0, now),
        AccountSnapshot::new("d", Default::default()),
    ];
    let names: Vec<String> = grouped(&snaps).into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["a", "c", "b", "d"]);
    assert_eq!(shared_user(&snaps[0], &snaps).as_deref(), Some("jane"));
    assert_eq!(shared_user(&snaps[1], &snaps), None);
    assert_eq!(age(&snaps[0], now + Duration::minutes(2)).as_deref(), Some("2 min ago"));
}

#[test]
fn the_neediest_account_comes_first_unless_one_is_pinned() {
    let now = Utc::now();
    let mut broken = crate::snapshot::wallet_seen("broken", "x", 50.0, now);
    broken.record(Err(crate::api::ApiError::new(crate::api::ErrorKind::Unauthorized, "no")), now);
    let snaps = [
        crate::snapshot::wallet_seen("rich", "a", 500.0, now),
        crate::snapshot::wallet_seen("also-rich", "b", 400.0, now),
        crate::snapshot::wallet_seen("low", "c", 8.0, now),
        crate::snapshot::wallet_seen("critical", "d", 1.0, now),
        broken,
    ];
    let names = |v: Vec<AccountSnapshot>| v.into_iter().map(|s| s.name).collect::<Vec<_>>();
    assert_eq!(names(ordered(&snaps, None)), ["broken", "critical", "low", "rich", "also-rich"]);
    // A pinned account first, the rest in the settings' order.
    assert_eq!(names(ordered(&snaps, Some("also-rich"))), ["also-rich", "rich", "low", "critical", "broken"]);
    // A pin naming no account is no pin.
    assert_eq!(names(ordered(&snaps, Some("gone")))[0], "broken");
}
