//! The watch's log of what happened between two looks at the snapshots: a new
//! figure, a failed attempt, a recovery. One line per event; the words are the
//! tray's (the headline, the error's message), and never hold a key.

use crate::snapshot::AccountSnapshot;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// What was last logged per account: its latest attempt and the level then.
#[derive(Debug, Default)]
pub struct Seen {
    accounts: HashMap<String, (Option<DateTime<Utc>>, &'static str)>,
}

impl Seen {
    /// Logs each account's attempts since the last look, and gives back the failed
    /// ones as (account, error kind), for the error counters.
    pub fn take(&mut self, snaps: &[AccountSnapshot]) -> Vec<(String, &'static str)> {
        let mut failed = Vec::new();
        for s in snaps {
            let state = s.state().as_str();
            let before = self.accounts.insert(s.name.clone(), (s.attempted_at, state));
            if before.is_some_and(|(at, _)| at == s.attempted_at) || s.attempted_at.is_none() {
                continue;
            }
            for line in lines(s, before.map(|(_, state)| state)) {
                match s.error {
                    Some(_) => tracing::warn!("{line}"),
                    None => tracing::info!("{line}"),
                }
            }
            if let Some(e) = &s.error {
                failed.push((s.name.clone(), e.kind.as_str()));
            }
        }
        self.accounts.retain(|name, _| snaps.iter().any(|s| &s.name == name));
        failed
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
        assert!(seen.take(std::slice::from_ref(&snap)).is_empty());
        assert_eq!(lines(&snap, None), vec!["studio: $42.50 left · ok".to_string()]);
        // The same attempt looked at again: nothing new.
        assert!(seen.take(std::slice::from_ref(&snap)).is_empty());
        snap.record(Err(ApiError::new(ErrorKind::Network, "HeyGen could not be reached.")), t0 + chrono::Duration::minutes(5));
        assert_eq!(seen.take(std::slice::from_ref(&snap)), vec![("studio".to_string(), "network")]);
        assert_eq!(lines(&snap, Some("ok")), vec!["studio: HeyGen could not be reached. (network)".to_string()]);
    }
}
