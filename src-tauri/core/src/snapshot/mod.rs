//! What is known about one account at a moment: the last good figures, when they
//! were fetched, and the error of the latest attempt if it failed. A failure never
//! erases good figures; it marks them stale.

pub mod sign_in_words;

use crate::api::{ApiError, UserMe};
use crate::billing::{summarize, Level, Summary, ThresholdOverride};
use chrono::{DateTime, Utc};

/// The state the tray icon shows for an account ([`icon_state`]); the icon shows the
/// worst across accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IconState {
    Ok,
    /// Figures are old (the last refresh failed) or not known yet.
    Stale,
    Low,
    Error,
    Critical,
    /// No account configured yet.
    NoAccount,
}

impl IconState {
    pub fn as_str(self) -> &'static str {
        match self {
            IconState::Ok => "ok",
            IconState::Stale => "stale",
            IconState::Low => "low",
            IconState::Error => "error",
            IconState::Critical => "critical",
            IconState::NoAccount => "none",
        }
    }
}

/// One account's state, the one every surface shows (the icon, the card's badge,
/// the tooltip's words): an account that is not watched any more ([`AccountSnapshot::is_broken`])
/// or has no figures and a failure is an error, whatever figures it had; a passing
/// failure (network, server, rate limit) leaves the last figures stale (grey).
pub fn icon_state(s: &AccountSnapshot) -> IconState {
    if s.is_broken() || (s.error.is_some() && s.summary.is_none()) {
        return IconState::Error;
    }
    if s.error.is_some() {
        return IconState::Stale;
    }
    match s.level() {
        Level::Critical => IconState::Critical,
        Level::Low => IconState::Low,
        Level::Ok => IconState::Ok,
        Level::Unknown => IconState::Stale,
    }
}

/// The state shown for an account, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Ok,
    Low,
    Critical,
    /// Figures are unknown: not fetched yet, or not reported by HeyGen.
    Unknown,
    /// The latest attempt failed (figures, if any, are stale).
    Error,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Low => "low",
            State::Critical => "critical",
            State::Unknown => "unknown",
            State::Error => "error",
        }
    }

    pub fn from_level(level: Level) -> State {
        match level {
            Level::Ok => State::Ok,
            Level::Low => State::Low,
            Level::Critical => State::Critical,
            Level::Unknown => State::Unknown,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AccountSnapshot {
    pub name: String,
    pub thresholds: ThresholdOverride,
    /// The last good figures.
    pub summary: Option<Summary>,
    /// When `summary` was fetched.
    pub fetched_at: Option<DateTime<Utc>>,
    /// When the latest attempt finished, good or not.
    pub attempted_at: Option<DateTime<Utc>>,
    /// The latest attempt's error; `None` once an attempt succeeds.
    pub error: Option<ApiError>,
    /// The API key as HeyGen describes it (name, status, expiry), checked once a day;
    /// `None` for OAuth, before the first check, or where HeyGen has no such endpoint.
    #[serde(default)]
    pub key: Option<crate::api::KeyInfo>,
    /// When `key` was checked.
    #[serde(default)]
    pub key_checked_at: Option<DateTime<Utc>>,
    /// When the poller checks next (`None`: in flight, or not polled: a rejected key).
    #[serde(default)]
    pub next_check_at: Option<DateTime<Utc>>,
    /// How the interval was chosen, with automatic polling ("automatic, every 2 min (near a threshold)").
    #[serde(default)]
    pub polling: Option<String>,
    /// An OAuth account's sign-in (its expiry, renewal, link); `None` for API keys.
    #[serde(default)]
    pub sign_in: Option<crate::sign_in::SignIn>,
}

impl AccountSnapshot {
    pub fn new(name: impl Into<String>, thresholds: ThresholdOverride) -> Self {
        AccountSnapshot {
            name: name.into(),
            thresholds,
            summary: None,
            fetched_at: None,
            attempted_at: None,
            error: None,
            key: None,
            key_checked_at: None,
            next_check_at: None,
            polling: None,
            sign_in: None,
        }
    }

    /// Takes in the result of a fetch that finished at `now`.
    pub fn record(&mut self, result: Result<UserMe, ApiError>, now: DateTime<Utc>) {
        self.attempted_at = Some(now);
        match result {
            Ok(me) => {
                self.summary = Some(summarize(&me, now));
                self.fetched_at = Some(now);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// When the API key expires, if HeyGen says.
    pub fn key_expiry(&self) -> Option<DateTime<Utc>> {
        self.key.as_ref().zip(self.key_checked_at).and_then(|(k, at)| k.expiry(at))
    }

    /// Good figures from before a failed attempt.
    pub fn is_stale(&self) -> bool {
        self.error.is_some() && self.summary.is_some()
    }

    /// The latest attempt failed, whether or not there were figures before: what
    /// `status --json` calls stale.
    pub fn latest_failed(&self) -> bool {
        self.error.is_some()
    }

    /// The key was rejected; polling waits for new credentials.
    pub fn needs_new_key(&self) -> bool {
        self.error.as_ref().is_some_and(ApiError::is_auth_rejected)
    }

    /// The balance is not watched any more until the user acts: the key was rejected,
    /// revoked or lacks a scope, the sign-in expired, or the keyring gave no key. Its
    /// last figures are history, not a balance to call ok.
    pub fn is_broken(&self) -> bool {
        use crate::api::ErrorKind;
        self.error.as_ref().is_some_and(|e| matches!(e.kind, ErrorKind::Unauthorized | ErrorKind::Forbidden | ErrorKind::Keyring))
    }

    /// The level of the last good figures (even when stale).
    pub fn level(&self) -> Level {
        self.summary.as_ref().map_or(Level::Unknown, |s| s.level(&self.thresholds))
    }

    /// `error` when the latest attempt failed, else the level.
    pub fn state(&self) -> State {
        if self.error.is_some() {
            State::Error
        } else {
            State::from_level(self.level())
        }
    }
}

/// Puts `snaps` in the order of `settings`' accounts (the rest last, as they were).
pub fn in_settings_order(snaps: &mut [AccountSnapshot], settings: &crate::settings::Settings) {
    let order: Vec<&str> = settings.accounts.iter().map(|a| a.name.as_str()).collect();
    snaps.sort_by_key(|s| order.iter().position(|n| *n == s.name).unwrap_or(usize::MAX));
}

/// A wallet account last seen at `at` with `balance` dollars, for tests across the core.
#[cfg(test)]
pub(crate) fn wallet_seen(name: &str, username: &str, balance: f64, at: DateTime<Utc>) -> AccountSnapshot {
    let me: UserMe = serde_json::from_value(serde_json::json!({
        "username": username, "billing_type": "wallet",
        "wallet": {"currency": "usd", "remaining_balance": balance}
    }))
    .unwrap();
    let mut s = AccountSnapshot::new(name, ThresholdOverride::default());
    s.record(Ok(me), at);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ErrorKind;

    fn me(balance: f64) -> UserMe {
        serde_json::from_value(serde_json::json!({
            "username": "u", "billing_type": "wallet",
            "wallet": {"currency": "usd", "remaining_balance": balance}
        }))
        .unwrap()
    }

    #[test]
    fn a_failure_keeps_the_last_good_figures_and_marks_them_stale() {
        let t0 = Utc::now();
        let mut s = AccountSnapshot::new("a", ThresholdOverride::default());
        s.record(Ok(me(5.0)), t0);
        assert_eq!((s.state(), s.is_stale()), (State::Low, false));
        let t1 = t0 + chrono::Duration::minutes(5);
        s.record(Err(ApiError::new(ErrorKind::Network, "offline")), t1);
        assert_eq!(s.summary.as_ref().unwrap().headline, "$5.00");
        assert_eq!(s.fetched_at, Some(t0));
        assert_eq!(s.attempted_at, Some(t1));
        assert!(s.is_stale());
        assert_eq!(s.state(), State::Error);
        assert_eq!(s.level(), Level::Low);
        s.record(Ok(me(50.0)), t1);
        assert_eq!((s.state(), s.is_stale()), (State::Ok, false));
    }
}
