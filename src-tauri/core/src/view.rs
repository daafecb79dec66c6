//! What the tray and the dashboard show, as values built by pure functions from the
//! snapshots. The backends only draw what they are handed.

use crate::api::{ApiError, ErrorKind};
use crate::billing::{format, Level};
use crate::forecast::Forecast;
use std::collections::HashMap;
use crate::snapshot::AccountSnapshot;
use chrono::{DateTime, Local, Utc};
use serde::Serialize;

/// The tray icon: the worst state across accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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

/// One account's state for the icon.
pub fn icon_state(s: &AccountSnapshot) -> IconState {
    let rejected = s.needs_new_key() || s.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Keyring);
    if rejected || (s.error.is_some() && s.summary.is_none()) {
        return IconState::Error;
    }
    match s.level() {
        Level::Critical => IconState::Critical,
        Level::Low => IconState::Low,
        Level::Ok if s.error.is_none() => IconState::Ok,
        _ => IconState::Stale,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrayView {
    pub icon: IconState,
    /// Beside the icon where the desktop shows one: the main account's headline.
    pub title: String,
    pub tooltip_title: String,
    pub tooltip_lines: Vec<String>,
    /// One informational line per account.
    pub account_lines: Vec<String>,
    /// "Alerts paused until 15:00", when paused.
    pub paused: Option<String>,
}

/// "updated 3 min ago".
pub fn updated(s: &AccountSnapshot, now: DateTime<Utc>) -> String {
    match s.fetched_at {
        Some(t) if (now - t).num_seconds() < 60 => "updated just now".into(),
        Some(t) => format!("updated {}", format::relative(t, now)),
        None if s.error.is_some() => "never updated".into(),
        None => "updating…".into(),
    }
}

fn short_headline(s: &AccountSnapshot) -> String {
    match (&s.summary, &s.error) {
        (Some(x), _) => x.headline.clone(),
        (None, Some(e)) => problem(e).to_string(),
        (None, None) => "…".into(),
    }
}

/// A few words for an error.
pub fn problem(e: &ApiError) -> &'static str {
    if e.lacks_scope() {
        return "key lacks account:read";
    }
    match e.kind {
        ErrorKind::Unauthorized => "key rejected",
        ErrorKind::Forbidden => "access denied",
        ErrorKind::RateLimited => "rate limited",
        ErrorKind::Server => "HeyGen server error",
        ErrorKind::Network => "offline",
        ErrorKind::InvalidResponse => "unreadable answer",
        ErrorKind::Keyring => "keyring locked",
    }
}

fn state_words(s: &AccountSnapshot) -> String {
    match (&s.error, s.summary.is_some()) {
        (Some(e), true) => format!("{} · stale ({})", s.level().as_str(), problem(e)),
        (Some(e), false) => problem(e).to_string(),
        (None, _) => s.level().as_str().to_string(),
    }
}

/// Forecasts by account name.
pub type Forecasts = HashMap<String, Forecast>;

/// The forecast worth a line in the tooltip (not "too little data").
fn forecast_words(forecasts: &Forecasts, name: &str, now: DateTime<Utc>) -> Option<String> {
    match forecasts.get(name) {
        None | Some(Forecast::TooLittleData) | Some(Forecast::NoSpending) => None,
        Some(f) => Some(f.text(now)),
    }
}

pub fn tray_view(snaps: &[AccountSnapshot], forecasts: &Forecasts, paused_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> TrayView {
    let paused = paused_until.filter(|t| *t > now).map(|t| {
        let local = t.with_timezone(&Local);
        if (t - now).num_hours() < 20 {
            format!("Alerts paused until {}", local.format("%H:%M"))
        } else {
            format!("Alerts paused until {}", local.format("%a %H:%M"))
        }
    });
    if snaps.is_empty() {
        return TrayView {
            icon: IconState::NoAccount,
            title: String::new(),
            tooltip_title: "HeyGen Tray".into(),
            tooltip_lines: vec!["No account yet — open Settings to add a key.".into()],
            account_lines: vec!["No account yet".into()],
            paused,
        };
    }
    let icon = snaps.iter().map(icon_state).max().unwrap_or(IconState::NoAccount);
    let mut tooltip_lines: Vec<String> = snaps
        .iter()
        .map(|s| {
            let line = format!("{}: {} · {} · {}", s.name, short_headline(s), state_words(s), updated(s, now));
            match forecast_words(forecasts, &s.name, now) {
                Some(f) => format!("{line} · {f}"),
                None => line,
            }
        })
        .collect();
    if let Some(p) = &paused {
        tooltip_lines.push(p.clone());
    }
    TrayView {
        icon,
        title: short_headline(&snaps[0]),
        tooltip_title: "HeyGen balance".into(),
        tooltip_lines,
        account_lines: snaps
            .iter()
            .map(|s| match &s.summary {
                Some(x) => format!("{}: {} — {}", s.name, x.headline, x.what()),
                None => format!("{}: {}", s.name, short_headline(s)),
            })
            .collect(),
        paused,
    }
}

/// An account card of the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Card {
    pub name: String,
    pub headline: String,
    /// `ok`, `low`, `critical`, `unknown` (level of the last figures).
    pub level: Level,
    pub icon: IconState,
    pub stale: bool,
    pub what: Option<String>,
    pub details: Vec<String>,
    pub remaining: Option<f64>,
    pub unit: Option<&'static str>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub attempted_at: Option<DateTime<Utc>>,
    pub error: Option<CardError>,
    /// "about 4 days left (around Friday)", or why there is no forecast.
    pub forecast: Option<String>,
    /// Days until the money runs out, when a forecast says so.
    pub days_left: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardError {
    pub kind: &'static str,
    pub message: String,
    /// What to do, in a few words ("Key rejected — replace it in Settings").
    pub action: String,
    /// Offer a button that opens Settings.
    pub fix_in_settings: bool,
    pub request_id: Option<String>,
}

pub fn cards(snaps: &[AccountSnapshot], forecasts: &Forecasts, now: DateTime<Utc>) -> Vec<Card> {
    snaps
        .iter()
        .map(|s| Card {
            forecast: forecasts.get(&s.name).map(|f| f.text(now)),
            days_left: forecasts.get(&s.name).and_then(|f| f.days_left(now)),
            name: s.name.clone(),
            headline: short_headline(s),
            level: s.level(),
            icon: icon_state(s),
            stale: s.is_stale(),
            what: s.summary.as_ref().map(|x| x.what()),
            details: s.summary.as_ref().map(|x| x.details.clone()).unwrap_or_default(),
            remaining: s.summary.as_ref().and_then(|x| x.remaining),
            unit: s.summary.as_ref().and_then(|x| x.unit).map(|u| u.as_str()),
            fetched_at: s.fetched_at,
            attempted_at: s.attempted_at,
            error: s.error.as_ref().map(|e| {
                let (action, fix) = match e.kind {
                    ErrorKind::Unauthorized => ("Key rejected — replace it in Settings".to_string(), true),
                    ErrorKind::Forbidden if e.lacks_scope() => (
                        "This key lacks the account:read scope — create a key with it in HeyGen (Settings → API), then replace it in Settings".to_string(),
                        true,
                    ),
                    ErrorKind::Forbidden => ("Access denied — check the key's permissions, or replace it in Settings".to_string(), true),
                    ErrorKind::Keyring => ("Unlock your keyring, then press Refresh".to_string(), false),
                    ErrorKind::RateLimited => (
                        match e.retry_after {
                            Some(d) => format!("HeyGen asked to slow down — retrying in {} s", d.as_secs()),
                            None => "HeyGen asked to slow down — retrying shortly".to_string(),
                        },
                        false,
                    ),
                    ErrorKind::Network => ("Cannot reach HeyGen — check your connection; retrying automatically".to_string(), false),
                    ErrorKind::Server => ("HeyGen is having trouble — retrying automatically".to_string(), false),
                    ErrorKind::InvalidResponse => ("HeyGen's answer could not be read — retrying automatically".to_string(), false),
                };
                CardError { kind: e.kind.as_str(), message: e.message.clone(), action, fix_in_settings: fix, request_id: e.request_id.clone() }
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ApiError, UserMe};
    use crate::billing::ThresholdOverride;

    fn snap(name: &str, balance: f64, at: DateTime<Utc>) -> AccountSnapshot {
        let me: UserMe = serde_json::from_value(serde_json::json!({
            "username": "jane_doe", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": balance}
        }))
        .unwrap();
        let mut s = AccountSnapshot::new(name, ThresholdOverride::default());
        s.record(Ok(me), at);
        s
    }

    #[test]
    fn the_tray_shows_the_worst_state_and_the_main_headline() {
        let now = Utc::now();
        let v = tray_view(&[snap("main", 42.5, now - chrono::Duration::minutes(3)), snap("team", 1.0, now)], &Forecasts::new(), None, now);
        assert_eq!(v.icon, IconState::Critical);
        assert_eq!(v.title, "$42.50");
        assert_eq!(v.tooltip_lines[0], "main: $42.50 · ok · updated 3 min ago");
        assert_eq!(v.tooltip_lines[1], "team: $1.00 · critical · updated just now");
        assert_eq!(v.account_lines[0], "main: $42.50 — wallet · jane_doe");
        let mut f = Forecasts::new();
        f.insert("main".into(), Forecast::RunsOut { at: now + chrono::Duration::hours(100) });
        f.insert("team".into(), Forecast::TooLittleData);
        let v = tray_view(&[snap("main", 42.5, now), snap("team", 1.0, now)], &f, None, now);
        assert!(v.tooltip_lines[0].contains("· about 4 days left (around "), "{}", v.tooltip_lines[0]);
        assert_eq!(v.tooltip_lines[1], "team: $1.00 · critical · updated just now");
    }

    #[test]
    fn stale_rejected_and_empty_states() {
        let now = Utc::now();
        let mut s = snap("main", 42.5, now - chrono::Duration::hours(2));
        s.record(Err(ApiError::new(ErrorKind::Network, "offline")), now);
        let v = tray_view(std::slice::from_ref(&s), &Forecasts::new(), None, now);
        assert_eq!(v.icon, IconState::Stale);
        assert_eq!(v.tooltip_lines[0], "main: $42.50 · ok · stale (offline) · updated 2 hours ago");
        s.record(Err(ApiError::new(ErrorKind::Unauthorized, "no")), now);
        assert_eq!(tray_view(&[s], &Forecasts::new(), None, now).icon, IconState::Error);
        let empty = tray_view(&[], &Forecasts::new(), Some(now + chrono::Duration::hours(1)), now);
        assert_eq!(empty.icon, IconState::NoAccount);
        assert!(empty.paused.unwrap().starts_with("Alerts paused until"));
    }

    #[test]
    fn cards_say_what_to_do_about_errors() {
        let now = Utc::now();
        let mut s = snap("main", 42.5, now);
        s.record(Err(ApiError::new(ErrorKind::Unauthorized, "rejected")), now);
        let c = &cards(&[s], &Forecasts::new(), now)[0];
        assert_eq!(c.headline, "$42.50");
        assert!(c.stale);
        let e = c.error.as_ref().unwrap();
        assert_eq!((e.action.as_str(), e.fix_in_settings), ("Key rejected — replace it in Settings", true));
    }

    #[test]
    fn a_key_without_the_account_read_scope_says_so_in_tooltip_and_card() {
        let now = Utc::now();
        let mut s = AccountSnapshot::new("work", crate::billing::ThresholdOverride::default());
        let mut e = ApiError::new(ErrorKind::Forbidden, "lacks scope");
        e.code = Some("insufficient_api_key_scope".into());
        s.record(Err(e), now);
        let v = tray_view(std::slice::from_ref(&s), &Forecasts::new(), None, now);
        assert!(v.tooltip_lines[0].contains("key lacks account:read"), "{:?}", v.tooltip_lines);
        let c = &cards(&[s], &Forecasts::new(), now)[0];
        let e = c.error.as_ref().unwrap();
        assert!(e.action.contains("account:read scope") && e.action.contains("create a key"), "{}", e.action);
        assert!(e.fix_in_settings);
    }
}
