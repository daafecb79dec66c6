//! What happened between two looks at the snapshots: a new figure, a failed attempt,
//! a recovery. One log line per event (the watch logs them); the words are the tray's
//! (the headline, the error's message), and never hold a key.

use crate::snapshot::AccountSnapshot;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Failed attempts as (account, error kind), and log lines (`true`: a failure).
pub type Taken = (Vec<(String, &'static str)>, Vec<(bool, String)>);

/// What was last logged per account: its latest attempt and the level then.
#[derive(Debug, Default)]
pub struct Seen {
    accounts: HashMap<String, (Option<DateTime<Utc>>, &'static str)>,
}

impl Seen {
    /// Each account's attempts since the last look: the failed ones as (account, error
    /// kind), for the error counters, and the log lines (failures first in each pair:
    /// `true` for a failure).
    pub fn take(&mut self, snaps: &[AccountSnapshot]) -> Taken {
        let (mut failed, mut said) = (Vec::new(), Vec::new());
        for s in snaps {
            let state = s.state().as_str();
            let before = self.accounts.insert(s.name.clone(), (s.attempted_at, state));
            if before.is_some_and(|(at, _)| at == s.attempted_at) || s.attempted_at.is_none() {
                continue;
            }
            said.extend(lines(s, before.map(|(_, state)| state)).into_iter().map(|l| (s.error.is_some(), l)));
            if let Some(e) = &s.error {
                failed.push((s.name.clone(), e.kind.as_str()));
            }
        }
        self.accounts.retain(|name, _| snaps.iter().any(|s| &s.name == name));
        (failed, said)
    }
}

/// The log line for an account's latest attempt; `before`: its state at the last look.
pub fn lines(s: &AccountSnapshot, before: Option<&'static str>) -> Vec<String> {
    let state = s.state().as_str();
    let next =
        s.next_check_at.map(|t| format!("; next check {}", t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))).unwrap_or_default();
    match (&s.error, &s.summary) {
        (Some(e), _) => vec![format!("{}: {} ({}){next}", s.name, e.message, e.kind.as_str())],
        (None, Some(summary)) => {
            let change = match before {
                Some(b) if b != state && b != "unknown" => format!(" (was {b})"),
                _ => String::new(),
            };
            vec![format!("{}: {} · {state}{change}{next}", s.name, summary.left_words())]
        }
        (None, None) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ApiError, ErrorKind};

    #[test]
    fn each_new_attempt_is_told_once_and_failures_are_counted() {
        let t0 = chrono::TimeZone::timestamp_opt(&Utc, 1_760_000_000, 0).unwrap();
        let mut snap = crate::snapshot::wallet_seen("studio", "jane", 42.5, t0);
        let mut seen = Seen::default();
        let (failed, said) = seen.take(std::slice::from_ref(&snap));
        assert!(failed.is_empty());
        assert_eq!(said, vec![(false, "studio: $42.50 left · ok".to_string())]);
        // The same attempt looked at again: nothing new.
        assert_eq!(seen.take(std::slice::from_ref(&snap)), (vec![], vec![]));
        snap.record(Err(ApiError::new(ErrorKind::Network, "HeyGen could not be reached.")), t0 + chrono::Duration::minutes(5));
        assert_eq!(seen.take(std::slice::from_ref(&snap)).0, vec![("studio".to_string(), "network")]);
        assert_eq!(lines(&snap, Some("ok")), vec!["studio: HeyGen could not be reached. (network)".to_string()]);
    }
}
