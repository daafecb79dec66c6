//! Expiring API keys: what to say about the key in use (its name, when it expires, or
//! that HeyGen revoked it), and reminders once 7 days and once 1 day before it
//! expires. A new expiry (a key renewed or replaced) starts the reminders afresh.

use super::{Alert, AlertKind};
use crate::alerts::AlertMemory;
use crate::snapshot::AccountSnapshot;
use crate::words::{capitalised, day, within};
use chrono::{DateTime, Duration, Utc};

/// Where to make a new key.
const NEW_KEY: &str = "create a new key in HeyGen (Settings → API, https://app.heygen.com/settings?nav=API) and replace it in Settings";

/// One line about the key, and whether it needs the user (expiring within 7 days,
/// expired, revoked); for an OAuth account, about its sign-in (`crate::sign_in`).
/// `None` when HeyGen said nothing about the key.
pub fn describe(snap: &AccountSnapshot, now: DateTime<Utc>) -> Option<(String, bool)> {
    let Some(key) = snap.key.as_ref() else { return crate::snapshot::sign_in_words::describe(snap, now) };
    let name = key.key_name.as_deref().map_or("This key".to_string(), |n| format!("Key “{n}”"));
    if key.is_dead() {
        let status = key.dead_status().unwrap_or_default();
        return Some((format!("{name} was {status} in HeyGen: {NEW_KEY}."), true));
    }
    let Some(expiry) = snap.key_expiry() else {
        return Some((format!("{name} · no expiry"), false));
    };
    if expiry <= now {
        return Some((format!("{name} expired on {}: {NEW_KEY}.", day(expiry)), true));
    }
    let soon = expiry - now <= Duration::days(7);
    Some((format!("{name} · expires {} ({})", day(expiry), within(expiry - now)), soon))
}

/// A few words for the tray's tooltip, only when the key needs the user: "key expires
/// in 5 days", "key expired", "key revoked" (or of the sign-in: "sign-in ends in 20 hours").
pub fn warning(snap: &AccountSnapshot, now: DateTime<Utc>) -> Option<String> {
    let Some(key) = snap.key.as_ref() else { return crate::snapshot::sign_in_words::warning(snap, now) };
    if key.is_dead() {
        return Some(format!("key {}", key.dead_status().unwrap_or_default()));
    }
    let expiry = snap.key_expiry()?;
    match expiry - now {
        left if left <= Duration::zero() => Some("key expired".into()),
        left if left <= Duration::days(7) => Some(format!("key expires {}", within(left))),
        _ => None,
    }
}

/// Sends at most one reminder per threshold (7 days, 1 day) and expiry.
pub fn decide_expiry(snap: &AccountSnapshot, memory: &AlertMemory, now: DateTime<Utc>, paused: bool) -> (Option<Alert>, AlertMemory) {
    let mut memory = memory.clone();
    let Some(expiry) = snap.key_expiry().filter(|_| !snap.key.as_ref().is_some_and(|k| k.is_dead())) else {
        return (None, memory);
    };
    let due = reminder_due(&mut memory, expiry, now, Duration::days(7)).map(|r| match r {
        Reminder::First => AlertKind::KeyExpiresInAWeek,
        Reminder::LastDay => AlertKind::KeyExpiresTomorrow,
    });
    let left = expiry - now;
    let Some(kind) = due.filter(|_| !paused) else { return (None, memory) };
    let key = snap.key.as_ref().and_then(|k| k.key_name.as_deref()).map_or("the API key".to_string(), |n| format!("the API key “{n}”"));
    let alert = Alert {
        account: snap.name.clone(),
        kind,
        summary: format!("HeyGen key expires {}: {}", within(left), snap.name),
        body: format!(
            "{} of {} expires on {}. Before then, {NEW_KEY}, or its balance stops being watched.",
            capitalised(&key),
            snap.name,
            day(expiry)
        ),
    };
    (Some(alert), memory)
}

/// Which of the two reminders before `end` is due.
pub(super) enum Reminder {
    /// The first, once within `first` of the end.
    First,
    /// The last day's.
    LastDay,
}

/// The reminder due `now` before `end`, at most one of each per end (remembered in
/// `memory`, which a new end starts afresh). Shared by API keys and sign-ins.
pub(super) fn reminder_due(memory: &mut AlertMemory, end: DateTime<Utc>, now: DateTime<Utc>, first: Duration) -> Option<Reminder> {
    if memory.key_expiry_for != Some(end) {
        memory.key_expiry_for = Some(end);
        memory.key_reminded_days = None;
    }
    match end - now {
        left if left <= Duration::zero() => None,
        left if left <= Duration::days(1) => (memory.key_reminded_days != Some(1)).then_some(Reminder::LastDay),
        left if left <= first => memory.key_reminded_days.is_none().then_some(Reminder::First),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::mark_sent;
    use crate::api::KeyInfo;
    use crate::billing::ThresholdOverride;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn snap(status: &str, expires: Option<DateTime<Utc>>) -> AccountSnapshot {
        let mut s = AccountSnapshot::new("work", ThresholdOverride::default());
        s.key = Some(KeyInfo { key_name: Some("render".into()), status: Some(status.into()), expires_at: expires, ..Default::default() });
        s.key_checked_at = Some(t0());
        s
    }

    /// Looks at the key every hour from t0 for `hours`; the kinds sent.
    fn run(s: &AccountSnapshot, hours: i64, memory: &mut AlertMemory) -> Vec<AlertKind> {
        let mut sent = Vec::new();
        for h in 0..hours {
            let (a, m) = decide_expiry(s, memory, t0() + Duration::hours(h), false);
            *memory = m;
            if let Some(a) = a {
                mark_sent(memory, a.kind);
                sent.push(a.kind);
            }
        }
        sent
    }

    #[test]
    fn reminds_once_a_week_before_and_once_a_day_before() {
        let s = snap("active", Some(t0() + Duration::days(10)));
        let mut m = AlertMemory::default();
        assert_eq!(run(&s, 10 * 24 + 5, &mut m), [AlertKind::KeyExpiresInAWeek, AlertKind::KeyExpiresTomorrow]);
        // A key found 20 hours before its expiry gets the one-day reminder only.
        let s = snap("active", Some(t0() + Duration::hours(20)));
        assert_eq!(run(&s, 30, &mut AlertMemory::default()), [AlertKind::KeyExpiresTomorrow]);
    }

    #[test]
    fn a_new_expiry_starts_afresh_and_dead_or_unknown_keys_get_no_reminder() {
        let mut m = AlertMemory::default();
        assert_eq!(run(&snap("active", Some(t0() + Duration::days(5))), 2, &mut m), [AlertKind::KeyExpiresInAWeek]);
        assert_eq!(run(&snap("active", Some(t0() + Duration::days(5))), 2, &mut m), [], "remembered");
        assert_eq!(
            run(&snap("active", Some(t0() + Duration::days(6))), 2, &mut m),
            [AlertKind::KeyExpiresInAWeek],
            "extended, then close again"
        );
        assert_eq!(run(&snap("revoked", Some(t0() + Duration::days(5))), 2, &mut AlertMemory::default()), []);
        assert_eq!(run(&snap("active", None), 2, &mut AlertMemory::default()), []);
        let mut none = snap("active", None);
        none.key = None;
        assert_eq!(run(&none, 2, &mut AlertMemory::default()), []);
    }

    #[test]
    fn the_reminder_and_the_line_say_when_and_what_to_do() {
        let s = snap("active", Some(t0() + Duration::days(5)));
        let (a, _) = decide_expiry(&s, &AlertMemory::default(), t0(), false);
        let a = a.unwrap();
        assert_eq!(a.summary, "HeyGen key expires in 5 days: work");
        assert!(a.body.starts_with("The API key “render” of work expires on ") && a.body.contains("settings?nav=API"), "{}", a.body);
        let (line, warn) = describe(&s, t0()).unwrap();
        assert!(line.starts_with("Key “render” · expires ") && line.ends_with("(in 5 days)") && warn, "{line}");
        assert_eq!(describe(&snap("active", None), t0()), Some(("Key “render” · no expiry".into(), false)));
        let (line, warn) = describe(&snap("revoked", None), t0()).unwrap();
        assert!(line.starts_with("Key “render” was revoked in HeyGen: create a new key") && warn, "{line}");
        let (line, _) = describe(&snap("active", Some(t0() - Duration::days(1))), t0()).unwrap();
        assert!(line.starts_with("Key “render” expired on "), "{line}");
        let (a, _) = decide_expiry(&s, &AlertMemory::default(), t0(), true);
        assert!(a.is_none(), "paused");
        assert_eq!(warning(&s, t0()).as_deref(), Some("key expires in 5 days"));
        assert_eq!(warning(&snap("active", Some(t0() + Duration::days(30))), t0()), None);
        assert_eq!(warning(&snap("revoked", None), t0()).as_deref(), Some("key revoked"));
    }
}
