//! What the tray and the dashboard show, as values built by pure functions from the
//! snapshots. The backends only draw what they are handed.

use crate::api::{ApiError, ErrorKind};
use crate::billing::Level;
use crate::forecast::Forecast;
use crate::settings::TrayDisplay;
use crate::snapshot::{icon_state, AccountSnapshot, IconState};
use crate::tray_icon::{compact, Drawing};
use chrono::{DateTime, Local, Utc};
use serde::Serialize;
use std::collections::HashMap;

pub mod frame;
pub mod glance;
pub mod menu;
pub mod settings;
#[cfg(test)]
mod wording_tests;

#[derive(Debug, Clone, PartialEq)]
pub struct TrayView {
    pub icon: IconState,
    /// What the icon draws (the shown account's figure or gauge); `None`: the plain icon.
    pub drawing: Option<Drawing>,
    /// Beside the icon where the desktop shows text: the shown account's headline.
    pub title: String,
    pub tooltip_title: String,
    pub tooltip_lines: Vec<String>,
    /// One informational line per account.
    pub account_lines: Vec<String>,
    /// "Alerts paused until 15:00", when paused.
    pub paused: Option<String>,
    /// The tray menu (its account lines and pause label from the above).
    pub menu: Vec<menu::Entry>,
}

/// "updated 3 min ago".
pub fn updated(s: &AccountSnapshot, now: DateTime<Utc>) -> String {
    match glance::age(s, now) {
        Some(age) => format!("updated {age}"),
        None if s.error.is_some() => "never updated".into(),
        None => "updating…".into(),
    }
}

/// The account's headline: its figure, or its problem when there is no figure or the
/// account is not watched any more (a rejected key reads "key rejected", not "$42.00").
fn short_headline(s: &AccountSnapshot) -> String {
    match (&s.summary, &s.error) {
        (_, Some(e)) if s.is_broken() => account_problem(s, e),
        (Some(x), _) => x.headline.clone(),
        (None, Some(e)) => account_problem(s, e),
        (None, None) => "…".into(),
    }
}

/// "last seen $42.00 2 min ago": the figures of an account no longer watched.
fn last_seen(s: &AccountSnapshot, now: DateTime<Utc>) -> Option<String> {
    let x = s.summary.as_ref()?;
    let when = glance::age(s, now).map(|age| format!(" {age}")).unwrap_or_default();
    Some(format!("last seen {}{when}", x.headline))
}

/// The card's badge: its class (`ok`, `low`, `critical`, `unknown`, `stale`, `error`)
/// and words, from [`icon_state`] like the icon's colour.
pub fn badge(s: &AccountSnapshot) -> (&'static str, String) {
    match (icon_state(s), &s.error) {
        (IconState::Error, Some(e)) => ("error", account_problem(s, e)),
        (IconState::Stale, Some(_)) => ("stale", format!("{} · stale", s.level().as_str())),
        _ => (s.level().as_str(), s.level().as_str().to_string()),
    }
}

/// The key HeyGen said was revoked or expired, when that is why it is rejected.
fn dead_key(s: &AccountSnapshot) -> Option<String> {
    let rejected = s.error.as_ref().is_some_and(|e| e.is_auth_rejected());
    let status = s.key.as_ref().filter(|_| rejected)?.dead_status()?;
    Some(format!("key {status}"))
}

/// [`problem`], saying "key revoked" rather than "key rejected" when HeyGen said so,
/// and "sign-in expired" for an OAuth account.
fn account_problem(s: &AccountSnapshot, e: &ApiError) -> String {
    dead_key(s).or_else(|| crate::snapshot::sign_in_words::ended(s).map(str::to_string)).unwrap_or_else(|| problem(e).to_string())
}

/// A few words for an error.
pub fn problem(e: &ApiError) -> &'static str {
    if e.lacks_scope() {
        return "key lacks account:read";
    }
    if e.key_missing() {
        return "no key stored";
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
        (Some(e), true) => format!("{} · stale ({})", s.level().as_str(), account_problem(s, e)),
        (Some(e), false) => account_problem(s, e),
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

/// What the tray icon shows, and for which account (see [`crate::settings::Settings`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrayOptions {
    pub display: TrayDisplay,
    /// The pinned account; `None` (or an account that is gone): the one that needs
    /// attention most.
    pub pinned: Option<String>,
    /// What each figure buys, its pace (see [`glance`]).
    pub extras: glance::Extras,
}

/// The account the icon and title show: the pinned one, else the worst (the first
/// in the settings' order among equals).
pub fn shown_account<'a>(snaps: &'a [AccountSnapshot], pinned: Option<&str>) -> Option<&'a AccountSnapshot> {
    pinned.and_then(|p| snaps.iter().find(|s| s.name == p)).or_else(|| snaps.iter().rev().max_by_key(|s| icon_state(s)))
}

/// The icon's drawing for one account.
pub fn drawing(s: &AccountSnapshot, display: TrayDisplay) -> Option<Drawing> {
    let state = icon_state(s);
    if state == IconState::Error && display != TrayDisplay::Icon {
        // Not watched, or nothing to show: the red "!", never a figure in red (which
        // reads as a critical balance).
        return Some(Drawing::Figure { text: "!".into(), state });
    }
    let figure = s.summary.as_ref().and_then(|x| Some((x.remaining?, x.unit?, x.spend.as_ref().and_then(|sp| sp.cap_usd))));
    match (display, figure) {
        (TrayDisplay::Icon, _) => None,
        (TrayDisplay::Figure, Some((remaining, unit, _))) => Some(Drawing::Figure { text: compact(remaining, unit), state }),
        (TrayDisplay::Gauge, Some((remaining, unit, cap))) => {
            // Full: the spending cap where there is one, else five times the low level.
            let full = cap.unwrap_or_else(|| s.thresholds.resolve(unit).low * 5.0);
            Some(Drawing::Gauge { fill: if full > 0.0 { remaining / full } else { 0.0 }, state })
        }
        (_, None) if s.error.is_some() => Some(Drawing::Figure { text: "!".into(), state: IconState::Error }),
        (_, None) => None,
    }
}

pub fn tray_view(snaps: &[AccountSnapshot], forecasts: &Forecasts, paused_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> TrayView {
    tray_view_with(snaps, forecasts, paused_until, now, &TrayOptions::default())
}

pub fn tray_view_with(
    snaps: &[AccountSnapshot],
    forecasts: &Forecasts,
    paused_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    options: &TrayOptions,
) -> TrayView {
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
            drawing: None,
            title: String::new(),
            tooltip_title: "HeyGen Tray".into(),
            tooltip_lines: vec!["No account yet — open Settings to add a key.".into()],
            menu: menu::entries(&["No account yet".into()], paused.as_deref()),
            account_lines: vec!["No account yet".into()],
            paused,
        };
    }
    let icon = snaps.iter().map(icon_state).max().unwrap_or(IconState::NoAccount);
    let mut tooltip_lines: Vec<String> = snaps
        .iter()
        .map(|s| {
            // Each thing once: with no figure yet, the problem is the headline; an account
            // no longer watched says so first, then what it last had.
            let line = match (&s.summary, &s.error) {
                (Some(_), Some(_)) if s.is_broken() => {
                    format!("{}: {} · {}", s.name, short_headline(s), last_seen(s, now).unwrap_or_default())
                }
                (None, Some(_)) => format!("{}: {} · {}", s.name, short_headline(s), updated(s, now)),
                _ => format!("{}: {} · {} · {}", s.name, short_headline(s), state_words(s), updated(s, now)),
            };
            let key_words = crate::alerts::key_warning(s, now).filter(|_| dead_key(s).is_none());
            let watched = !s.is_broken();
            let extra = [
                options.extras.buys(s),
                glance::reset_words(s, now).filter(|_| watched),
                forecast_words(forecasts, &s.name, now).filter(|_| watched),
                key_words,
            ];
            extra.into_iter().flatten().fold(line, |line, more| format!("{line} · {more}"))
        })
        .collect();
    if let Some(p) = &paused {
        tooltip_lines.push(p.clone());
    }
    let shown = shown_account(snaps, options.pinned.as_deref()).unwrap_or(&snaps[0]);
    let account_lines: Vec<String> = snaps
        .iter()
        .map(|s| match &s.summary {
            Some(_) if s.is_broken() => format!("{}: {} — {}", s.name, short_headline(s), last_seen(s, now).unwrap_or_default()),
            // What a glance needs: the figure, the pace, its age, the next reset.
            Some(x) => {
                let parts = [options.extras.pace.get(&s.name).cloned(), glance::age(s, now), glance::reset_words(s, now)];
                parts.into_iter().flatten().fold(format!("{}: {}", s.name, x.headline), |line, p| format!("{line} · {p}"))
            }
            None => format!("{}: {}", s.name, short_headline(s)),
        })
        .collect();
    TrayView {
        icon,
        drawing: drawing(shown, options.display),
        title: short_headline(shown),
        tooltip_title: "HeyGen balance".into(),
        tooltip_lines,
        menu: menu::entries(&account_lines, paused.as_deref()),
        account_lines,
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
    /// The badge's class and words ([`badge`]): what the card's state is, once.
    pub state: &'static str,
    pub badge: String,
    /// "last seen $42.00 2 min ago" for an account no longer watched.
    pub last_seen: Option<String>,
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
    /// The API key's name and expiry, or that it was revoked (see `alerts::describe_key`).
    pub key: Option<String>,
    /// The key needs the user: it expires within 7 days, expired or was revoked.
    pub key_warning: bool,
    /// When the account is checked next, and how the interval was chosen (automatic polling).
    pub next_check_at: Option<DateTime<Utc>>,
    pub polling: Option<String>,
    /// "≈ 14 min of Avatar IV": what a dollar balance buys.
    pub buys: Option<String>,
    /// The HeyGen user this account shares with another account (its other pool).
    pub group: Option<String>,
    /// Which tools spend this account's pool, when it is one of a user's two.
    pub spent_by: Option<&'static str>,
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
    cards_with(snaps, forecasts, now, &glance::Extras::default())
}

pub fn cards_with(snaps: &[AccountSnapshot], forecasts: &Forecasts, now: DateTime<Utc>, extras: &glance::Extras) -> Vec<Card> {
    snaps
        .iter()
        .map(|s| {
            // Each derived once per card.
            let (state, badge) = badge(s);
            let key = crate::alerts::describe_key(s, now);
            let group = glance::shared_user(s, snaps);
            Card {
            buys: extras.buys(s),
            spent_by: s.summary.as_ref().and_then(|x| x.spender()).filter(|_| group.is_some()).map(|p| p.words()),
            group,
            next_check_at: s.next_check_at,
            polling: s.polling.clone(),
            key_warning: key.as_ref().is_some_and(|(_, warn)| *warn),
            key: key.map(|(line, _)| line),
            forecast: forecasts.get(&s.name).map(|f| f.text(now)),
            days_left: forecasts.get(&s.name).and_then(|f| f.days_left(now)),
            name: s.name.clone(),
            // A card's headline is a sentence's start ("Key rejected"), as its action is.
            headline: crate::words::capitalised(&short_headline(s)),
            level: s.level(),
            icon: icon_state(s),
            state,
            badge,
            last_seen: last_seen(s, now).filter(|_| s.is_broken()),
            stale: s.is_stale(),
            what: s.summary.as_ref().map(|x| x.what()),
            details: s.summary.as_ref().map(|x| x.details.clone()).unwrap_or_default(),
            remaining: s.summary.as_ref().and_then(|x| x.remaining),
            unit: s.summary.as_ref().and_then(|x| x.unit).map(|u| u.as_str()),
            fetched_at: s.fetched_at,
            attempted_at: s.attempted_at,
            error: s.error.as_ref().map(|e| {
                let (action, fix) = match e.kind {
                    ErrorKind::Unauthorized if s.sign_in.is_some() => sign_in_action(s),
                    ErrorKind::Unauthorized => ("Key rejected — replace it in Settings".to_string(), true),
                    ErrorKind::Forbidden if e.lacks_scope() => (
                        "This key lacks the account:read scope — create a key with it in HeyGen (Settings → API), then replace it in Settings".to_string(),
                        true,
                    ),
                    ErrorKind::Forbidden => ("Access denied — check the key's permissions, or replace it in Settings".to_string(), true),
                    ErrorKind::Keyring if e.key_missing() => ("No key is stored for this account — add it again in Settings".to_string(), true),
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
            }
        })
        .collect()
}

/// What to do about an OAuth sign-in HeyGen turned away; Settings helps only when it
/// does not follow HeyGen's CLI (which signs in again outside the app).
fn sign_in_action(s: &AccountSnapshot) -> (String, bool) {
    let words = crate::words::capitalised(crate::snapshot::sign_in_words::ended(s).unwrap_or("sign-in expired"));
    match s.sign_in.as_ref().is_some_and(|x| x.linked.is_some()) {
        true => (format!("{words} — sign in again with HeyGen's CLI (heygen auth login); the app picks it up"), false),
        false => (format!("{words} — sign in again, then import it or add a new token in Settings"), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ApiError;

    fn snap(name: &str, balance: f64, at: DateTime<Utc>) -> AccountSnapshot {
        crate::snapshot::wallet_seen(name, "jane_doe", balance, at)
    }

    #[test]
    fn the_tray_shows_the_worst_state_and_its_headline() {
        let now = Utc::now();
        let v = tray_view(&[snap("main", 42.5, now - chrono::Duration::minutes(3)), snap("team", 1.0, now)], &Forecasts::new(), None, now);
        assert_eq!(v.icon, IconState::Critical);
        assert_eq!(v.title, "$1.00", "the account that needs attention");
        assert_eq!(v.tooltip_lines[0], "main: $42.50 · ok · updated 3 min ago");
        assert_eq!(v.tooltip_lines[1], "team: $1.00 · critical · updated just now");
        assert_eq!(v.account_lines[0], "main: $42.50 · 3 min ago");
        let mut f = Forecasts::new();
        f.insert("main".into(), Forecast::RunsOut { at: now + chrono::Duration::hours(100), pace: crate::forecast::Pace::Week });
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
        let c = &cards(std::slice::from_ref(&s), &Forecasts::new(), now)[0];
        assert_eq!((c.state, c.badge.as_str(), c.headline.as_str()), ("stale", "ok · stale", "$42.50"));
        // A low balance gone stale is grey too: its figure is not current.
        let mut low = snap("main", 5.0, now - chrono::Duration::hours(2));
        low.record(Err(ApiError::new(ErrorKind::Server, "503")), now);
        assert_eq!(tray_view(&[low], &Forecasts::new(), None, now).icon, IconState::Stale);
        s.record(Err(ApiError::new(ErrorKind::Unauthorized, "no")), now);
        let v = tray_view(std::slice::from_ref(&s), &Forecasts::new(), None, now);
        assert_eq!(v.icon, IconState::Error);
        assert_eq!(v.title, "key rejected");
        assert_eq!(v.tooltip_lines[0], "main: key rejected · last seen $42.50 2 hours ago");
        assert_eq!(v.account_lines[0], "main: key rejected — last seen $42.50 2 hours ago");
        // Its icon is the red "!", never a figure (a red figure reads as a critical balance).
        let figure = drawing(&s, TrayDisplay::Figure);
        assert_eq!(figure, Some(Drawing::Figure { text: "!".into(), state: IconState::Error }));
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
        // Not watched any more: the error first, the figure as what it last had.
        assert_eq!(c.headline, "Key rejected");
        assert_eq!((c.state, c.badge.as_str(), c.icon), ("error", "key rejected", IconState::Error));
        assert_eq!(c.last_seen.as_deref(), Some("last seen $42.50 just now"));
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

    #[test]
    fn the_icon_shows_the_worst_account_unless_one_is_pinned() {
        let now = Utc::now();
        let snaps = [snap("main", 42.5, now), snap("team", 1.0, now), snap("spare", 8.0, now)];
        let v = tray_view(&snaps, &Forecasts::new(), None, now);
        assert_eq!(v.drawing, Some(Drawing::Figure { text: "$1".into(), state: IconState::Critical }));
        assert_eq!(v.title, "$1.00");
        let pinned = TrayOptions { display: TrayDisplay::Figure, pinned: Some("main".into()), ..Default::default() };
        let v = tray_view_with(&snaps, &Forecasts::new(), None, now, &pinned);
        assert_eq!((v.drawing, v.title.as_str()), (Some(Drawing::Figure { text: "$42".into(), state: IconState::Ok }), "$42.50"));
        assert_eq!(v.tooltip_lines.len(), 3, "the tooltip still lists every account");
        let gone = TrayOptions { display: TrayDisplay::Figure, pinned: Some("removed".into()), ..Default::default() };
        assert_eq!(tray_view_with(&snaps, &Forecasts::new(), None, now, &gone).title, "$1.00");
        let plain = TrayOptions { display: TrayDisplay::Icon, pinned: None, ..Default::default() };
        assert_eq!(tray_view_with(&snaps, &Forecasts::new(), None, now, &plain).drawing, None);
        let gauge = TrayOptions { display: TrayDisplay::Gauge, pinned: Some("spare".into()), ..Default::default() };
        match tray_view_with(&snaps, &Forecasts::new(), None, now, &gauge).drawing {
            Some(Drawing::Gauge { fill, state: IconState::Low }) => assert!((fill - 8.0 / 50.0).abs() < 1e-9, "{fill}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_title_and_label_follow_the_figure() {
        let now = Utc::now();
        let a = tray_view(&[snap("main", 42.5, now)], &Forecasts::new(), None, now);
        let b = tray_view(&[snap("main", 41.0, now)], &Forecasts::new(), None, now);
        assert_eq!((a.title.as_str(), b.title.as_str()), ("$42.50", "$41.00"));
        assert_ne!(a.drawing, b.drawing);
        let same = tray_view(&[snap("main", 42.1, now)], &Forecasts::new(), None, now);
        assert_eq!(a.drawing, same.drawing, "$42.50 and $42.10 draw the same icon");
    }

    #[test]
    fn the_tooltip_says_each_thing_once() {
        let now = Utc::now();
        let mut s = AccountSnapshot::new("work", crate::billing::ThresholdOverride::default());
        s.record(Err(ApiError::new(ErrorKind::Keyring, "locked")), now);
        let v = tray_view(std::slice::from_ref(&s), &Forecasts::new(), None, now);
        assert_eq!(v.tooltip_lines[0], "work: keyring locked · never updated");
        assert_eq!(v.drawing, Some(Drawing::Figure { text: "!".into(), state: IconState::Error }));
    }

    #[test]
    fn a_key_heygen_says_was_revoked_is_named_so_once() {
        let now = Utc::now();
        let mut s = AccountSnapshot::new("work", crate::billing::ThresholdOverride::default());
        s.record(Err(ApiError::new(ErrorKind::Unauthorized, "401")), now);
        let line = |s: &AccountSnapshot| tray_view(std::slice::from_ref(s), &Forecasts::new(), None, now).tooltip_lines[0].clone();
        assert_eq!(line(&s), "work: key rejected · never updated");
        s.key = Some(crate::api::KeyInfo { status: Some("Revoked".into()), ..Default::default() });
        assert_eq!(line(&s), "work: key revoked · never updated");
        assert_eq!(tray_view(std::slice::from_ref(&s), &Forecasts::new(), None, now).title, "key revoked");
        // Revoked while the key still works (HeyGen's word and its answer disagree): both said.
        s.record(
            Ok(serde_json::from_value(
                serde_json::json!({"username": "u", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": 42.5}}),
            )
            .unwrap()),
            now,
        );
        assert!(line(&s).ends_with("· key revoked") && line(&s).starts_with("work: $42.50 · ok"), "{}", line(&s));
    }
}
