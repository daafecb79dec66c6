//! The words for an account's OAuth sign-in: one that ended ("sign-in expired", never
//! "key rejected") and one about to. What a sign-in is: `crate::sign_in`.

use super::AccountSnapshot;
use crate::sign_in::REMIND_BEFORE;
use crate::words::{capitalised, day, within};
use chrono::{DateTime, Duration, Utc};

/// Why HeyGen turned an OAuth account away, in two words: "sign-in expired" once its
/// expiry has passed (or when none is known: tokens last about 10 days), else
/// "sign-in revoked". `None` for API keys and accounts that are not turned away.
pub fn ended(snap: &AccountSnapshot) -> Option<&'static str> {
    let sign_in = snap.sign_in.as_ref().filter(|_| snap.needs_new_key())?;
    let seen = snap.attempted_at.unwrap_or_else(Utc::now);
    Some(match sign_in.expires_at {
        Some(t) if t > seen => "sign-in revoked",
        _ => "sign-in expired",
    })
}

/// One line about the sign-in, and whether it needs the user (it ends within
/// [`REMIND_BEFORE`] or has ended). `None` for API keys.
pub fn describe(snap: &AccountSnapshot, now: DateTime<Utc>) -> Option<(String, bool)> {
    let s = snap.sign_in.as_ref()?;
    if let Some(words) = ended(snap) {
        return Some((format!("{}: {}.", capitalised(words), s.how_to_renew()), true));
    }
    let renewed = if s.renewable { " · renewed automatically" } else { "" };
    let Some(expiry) = s.expires_at else {
        return Some((format!("{} · expiry not known{renewed}", s.source()), false));
    };
    if expiry <= now && !s.renewable {
        return Some((format!("{} expired on {}: {}.", s.source(), day(expiry), s.how_to_renew()), true));
    }
    let soon = s.ends_at().is_some_and(|end| end - now <= REMIND_BEFORE);
    Some((format!("{} · expires {} ({}){renewed}", s.source(), day(expiry), within(expiry - now)), soon))
}

/// A few words for the tray's tooltip, only when the sign-in is about to end (one
/// that ended is said by the account's state already).
pub fn warning(snap: &AccountSnapshot, now: DateTime<Utc>) -> Option<String> {
    if snap.needs_new_key() {
        return None;
    }
    let end = snap.sign_in.as_ref()?.ends_at()?;
    match end - now {
        left if left <= Duration::zero() => Some("sign-in expired".into()),
        left if left <= REMIND_BEFORE => Some(format!("sign-in ends {}", within(left))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ApiError, ErrorKind};
    use crate::sign_in::SignIn;
    use chrono::Duration;
    use std::path::PathBuf;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T12:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn snap(expires_in: Option<Duration>, renewable: bool, linked: bool) -> AccountSnapshot {
        let mut s = AccountSnapshot::new("web", Default::default());
        s.sign_in = Some(SignIn {
            expires_at: expires_in.map(|d| t0() + d),
            renewable,
            linked: linked.then(|| PathBuf::from("/somewhere/.heygen/credentials")),
            username: None,
        });
        s
    }

    #[test]
    fn a_sign_in_the_app_cannot_renew_warns_two_days_ahead_and_says_how() {
        let s = snap(Some(Duration::days(5)), false, true);
        let (line, warn) = describe(&s, t0()).unwrap();
        assert!(line.starts_with("Sign-in from HeyGen's CLI · expires ") && line.ends_with("(in 5 days)") && !warn, "{line}");
        assert_eq!(warning(&s, t0()), None);
        let (line, warn) = describe(&s, t0() + Duration::days(3) + Duration::hours(1)).unwrap();
        assert!(warn && line.ends_with("(in 2 days)"), "{line}");
        assert_eq!(warning(&s, t0() + Duration::days(4)).as_deref(), Some("sign-in ends in 24 hours"));
        let (line, warn) = describe(&s, t0() + Duration::days(6)).unwrap();
        assert!(warn && line.starts_with("Sign-in from HeyGen's CLI expired on "), "{line}");
        assert!(line.contains("`heygen auth login`") && line.contains("/somewhere/.heygen/credentials by itself"), "{line}");
    }

    #[test]
    fn a_renewable_sign_in_never_warns_and_an_unlinked_one_says_to_import() {
        let s = snap(Some(Duration::hours(3)), true, false);
        let (line, warn) = describe(&s, t0()).unwrap();
        assert!(!warn && line.starts_with("OAuth sign-in · expires ") && line.ends_with("renewed automatically"), "{line}");
        assert_eq!(warning(&s, t0() + Duration::days(1)), None);
        let s = snap(None, false, false);
        assert_eq!(describe(&s, t0()), Some(("OAuth sign-in · expiry not known".into(), false)));
        assert!(SignIn { expires_at: None, renewable: false, linked: None, username: None }
            .how_to_renew()
            .contains("Import from HeyGen CLI"));
        let mut key = AccountSnapshot::new("k", Default::default());
        assert_eq!(describe(&key, t0()), None);
        key.record(Err(ApiError::new(ErrorKind::Unauthorized, "no")), t0());
        assert_eq!(ended(&key), None, "an API key is not a sign-in");
    }

    #[test]
    fn a_turned_away_sign_in_is_expired_after_its_expiry_and_revoked_before() {
        let mut s = snap(Some(Duration::days(1)), false, true);
        s.record(Err(ApiError::new(ErrorKind::Unauthorized, "401")), t0() + Duration::days(2));
        assert_eq!(ended(&s), Some("sign-in expired"));
        let (line, warn) = describe(&s, t0() + Duration::days(2)).unwrap();
        assert!(warn && line.starts_with("Sign-in expired: sign in again with HeyGen's CLI"), "{line}");
        s.record(Err(ApiError::new(ErrorKind::Unauthorized, "401")), t0());
        assert_eq!(ended(&s), Some("sign-in revoked"));
        let mut unknown = snap(None, false, false);
        unknown.record(Err(ApiError::new(ErrorKind::Unauthorized, "401")), t0());
        assert_eq!(warning(&unknown, t0()), None, "the state says it");
        let lines = crate::view::tray_view(&[unknown.clone()], &Default::default(), None, t0()).tooltip_lines.join("\n");
        assert_eq!(lines.matches("sign-in expired").count(), 1, "{lines}");
        unknown.record(Err(ApiError::new(ErrorKind::Network, "offline")), t0());
        assert_eq!(ended(&unknown), None, "only a rejection ends a sign-in");
    }
}
