//! Reminders before a sign-in the app cannot renew ends (an OAuth token without a
//! refresh it can make): once 2 days and once 1 day before, saying how to sign in
//! again. A new expiry (the sign-in renewed, here or by HeyGen's CLI) starts them afresh.

use super::expiry::{reminder_due, Reminder};
use super::{Alert, AlertKind};
use crate::alerts::AlertMemory;
use crate::sign_in::REMIND_BEFORE;
use crate::snapshot::AccountSnapshot;
use crate::words::{day, within};
use chrono::{DateTime, Utc};

/// Sends at most one reminder per threshold (2 days, 1 day) and expiry.
pub fn decide_sign_in(snap: &AccountSnapshot, memory: &AlertMemory, now: DateTime<Utc>, paused: bool) -> (Option<Alert>, AlertMemory) {
    let mut memory = memory.clone();
    let Some(sign_in) = snap.sign_in.as_ref().filter(|_| !snap.needs_new_key()) else { return (None, memory) };
    let Some(end) = sign_in.ends_at() else { return (None, memory) };
    let due = reminder_due(&mut memory, end, now, REMIND_BEFORE).map(|r| match r {
        Reminder::First => AlertKind::SignInEndsIn2Days,
        Reminder::LastDay => AlertKind::SignInEndsTomorrow,
    });
    let left = end - now;
    let Some(kind) = due.filter(|_| !paused) else { return (None, memory) };
    let alert = Alert {
        account: snap.name.clone(),
        kind,
        summary: format!("HeyGen sign-in ends {}: {}", within(left), snap.name),
        body: format!(
            "The sign-in of {} ends on {} and this app cannot renew it. Before then, {}; otherwise its balance stops being watched.",
            snap.name,
            day(end),
            sign_in.how_to_renew()
        ),
    };
    (Some(alert), memory)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::mark_sent;
    use crate::api::{ApiError, ErrorKind};
    use crate::sign_in::SignIn;
    use chrono::Duration;
    use std::path::PathBuf;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn snap(expires: Option<DateTime<Utc>>, renewable: bool) -> AccountSnapshot {
        let mut s = AccountSnapshot::new("web", Default::default());
        s.sign_in =
            Some(SignIn { expires_at: expires, renewable, linked: Some(PathBuf::from("/home/u/.heygen/credentials")), username: None });
        s
    }

    /// Looks at the sign-in every hour from t0 for `hours`; the kinds sent.
    fn run(s: &AccountSnapshot, hours: i64, memory: &mut AlertMemory) -> Vec<AlertKind> {
        let mut sent = Vec::new();
        for h in 0..hours {
            let (a, m) = decide_sign_in(s, memory, t0() + Duration::hours(h), false);
            *memory = m;
            if let Some(a) = a {
                mark_sent(memory, a.kind);
                sent.push(a.kind);
            }
        }
        sent
    }

    #[test]
    fn reminds_two_days_and_one_day_before_a_sign_in_that_cannot_be_renewed() {
        let s = snap(Some(t0() + Duration::days(10)), false);
        let mut m = AlertMemory::default();
        assert_eq!(run(&s, 10 * 24 + 5, &mut m), [AlertKind::SignInEndsIn2Days, AlertKind::SignInEndsTomorrow]);
        assert_eq!(run(&s, 10 * 24 + 5, &mut m), [], "remembered");
        // First seen 20 hours before the end: the one-day reminder only.
        assert_eq!(run(&snap(Some(t0() + Duration::hours(20)), false), 30, &mut AlertMemory::default()), [AlertKind::SignInEndsTomorrow]);
        // HeyGen's CLI signed in again: a new expiry, reminders afresh.
        let renewed = snap(Some(t0() + Duration::days(10) + Duration::hours(12)), false);
        assert_eq!(run(&renewed, 10 * 24, &mut m), [AlertKind::SignInEndsIn2Days, AlertKind::SignInEndsTomorrow]);
    }

    #[test]
    fn renewable_unknown_or_ended_sign_ins_and_api_keys_get_no_reminder() {
        assert_eq!(run(&snap(Some(t0() + Duration::days(1)), true), 48, &mut AlertMemory::default()), []);
        assert_eq!(run(&snap(None, false), 48, &mut AlertMemory::default()), []);
        let mut ended = snap(Some(t0() + Duration::hours(10)), false);
        ended.record(Err(ApiError::new(ErrorKind::Unauthorized, "401")), t0());
        assert_eq!(run(&ended, 5, &mut AlertMemory::default()), [], "the sign-in-ended alert speaks instead");
        assert_eq!(run(&AccountSnapshot::new("key", Default::default()), 5, &mut AlertMemory::default()), []);
        let (a, _) = decide_sign_in(&snap(Some(t0() + Duration::hours(30)), false), &AlertMemory::default(), t0(), true);
        assert!(a.is_none(), "paused");
    }

    #[test]
    fn the_reminder_says_when_and_how_to_sign_in_again() {
        let (a, _) = decide_sign_in(&snap(Some(t0() + Duration::hours(40)), false), &AlertMemory::default(), t0(), false);
        let a = a.unwrap();
        assert_eq!(a.summary, "HeyGen sign-in ends in 2 days: web");
        assert!(a.body.starts_with("The sign-in of web ends on ") && a.body.contains("cannot renew it"), "{}", a.body);
        assert!(a.body.contains("`heygen auth login`") && a.body.contains("/home/u/.heygen/credentials by itself"), "{}", a.body);
    }
}
