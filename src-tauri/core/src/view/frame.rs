//! A frame: what every view shows at one moment — the tray (icon, title, tooltip,
//! menu) and the dashboard — computed once, with one clock reading, from what the
//! monitor holds. The app draws frames; it decides nothing about their content.

use super::glance::{self, Extras};
use super::{cards_with, tray_view_with, Card, Forecasts, TrayOptions, TrayView};
use crate::pricing::Prices;
use crate::settings::Settings;
use crate::snapshot::AccountSnapshot;
use crate::spend::{self, Totals};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// What a frame is made from.
pub struct Scene<'a> {
    /// In the settings' order, accounts whose key could not be read included.
    pub snaps: &'a [AccountSnapshot],
    pub forecasts: &'a Forecasts,
    pub spend: &'a HashMap<String, Totals>,
    /// Spend per second by account (see `crate::monitor::Figures::paces`).
    pub paces: &'a HashMap<String, f64>,
    pub settings: &'a Settings,
    /// Whether the desktop shows tray icons (else the dashboard offers Quit).
    pub tray_host: bool,
    pub demo: bool,
    /// See `crate::monitor::Figures::history_rev`.
    pub history_rev: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub tray: TrayView,
    pub dashboard: Dashboard,
}

/// What the dashboard page receives (its `state` event).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub accounts: Vec<Card>,
    pub paused_until: Option<DateTime<Utc>>,
    pub notifications: bool,
    pub demo: bool,
    /// False when the desktop shows no tray icons: the dashboard then offers Quit.
    pub tray_host: bool,
    /// Per account: "Today: spent $3.20 · 7 days: … · This month: …".
    pub spend: HashMap<String, String>,
    /// All accounts together, one line per unit.
    pub spend_all: Vec<String>,
    /// Changes whenever the history gains rows: the page reads charts again then only.
    pub history_rev: u64,
}

pub fn frame(scene: &Scene, now: DateTime<Utc>) -> Frame {
    let s = scene.settings;
    let extras = Extras { prices: Some(Prices::from_settings(s)), pace: glance::paces(scene.spend, scene.paces) };
    let options = TrayOptions { display: s.tray_display, pinned: s.tray_account.clone(), extras };
    // Every view in one order: the neediest first, one HeyGen user's pools together.
    let snaps = glance::ordered(scene.snaps, s.tray_account.as_deref());
    Frame {
        tray: tray_view_with(&snaps, scene.forecasts, s.alerts_paused_until, now, &options),
        dashboard: Dashboard {
            accounts: cards_with(&snaps, scene.forecasts, now, &options.extras),
            paused_until: s.alerts_paused_until.filter(|t| *t > now),
            notifications: s.notifications,
            demo: scene.demo,
            tray_host: scene.tray_host,
            spend: scene.spend.iter().map(|(n, t)| (n.clone(), spend::line(t))).collect(),
            spend_all: spend_all(scene.spend),
            history_rev: scene.history_rev,
        },
    }
}

/// All accounts' spend, one line per unit that several accounts are counted in.
fn spend_all(spend: &HashMap<String, Totals>) -> Vec<String> {
    let mut units: Vec<&str> = spend.values().map(|t| t.unit.as_str()).collect();
    units.sort();
    units.dedup();
    units
        .into_iter()
        .map(|u| spend.values().filter(|t| t.unit == u).collect::<Vec<_>>())
        .filter(|of_unit| of_unit.len() >= 2)
        .filter_map(|of_unit| spend::sum(&of_unit))
        .map(|t| spend::line(&t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ApiError, ErrorKind};
    use crate::view::menu::{action, Action};

    fn wallet(name: &str, balance: f64, at: DateTime<Utc>) -> AccountSnapshot {
        crate::snapshot::wallet_seen(name, "jane_doe", balance, at)
    }

    #[test]
    fn one_frame_says_one_thing_on_every_surface() {
        let now = Utc::now();
        let mut work = wallet("work", 42.0, now - chrono::Duration::minutes(2));
        work.record(Err(ApiError::new(ErrorKind::Unauthorized, "no")), now);
        let snaps = [work, wallet("home", 30.0, now)];
        let settings = Settings { alerts_paused_until: Some(now + chrono::Duration::hours(1)), ..Settings::default() };
        let scene = Scene {
            snaps: &snaps,
            forecasts: &Forecasts::new(),
            spend: &HashMap::new(),
            paces: &HashMap::new(),
            settings: &settings,
            tray_host: true,
            demo: false,
            history_rev: 7,
        };
        let f = frame(&scene, now);
        // The rejected key is the error on the tray and on its card, with one "ago".
        assert_eq!(f.tray.title, "key rejected");
        assert_eq!(f.tray.tooltip_lines[0], "work: key rejected · last seen $42.00 2 min ago");
        let card = &f.dashboard.accounts[0];
        assert_eq!((card.state, card.last_seen.as_deref()), ("error", Some("last seen $42.00 2 min ago")));
        // The pause reads in the menu and reaches the dashboard; its entry resumes.
        assert_eq!(f.dashboard.paused_until, settings.alerts_paused_until);
        assert_eq!(action(&f.tray, "resume"), Some(Action::Pause(crate::alerts::pause::Pause::Resume)));
        assert_eq!(action(&f.tray, "account-1"), Some(Action::OpenDashboard));
        assert_eq!(f.dashboard.history_rev, 7);
        // A pause that has ended shows nowhere.
        let later = frame(&scene, now + chrono::Duration::hours(2));
        assert_eq!((later.dashboard.paused_until, action(&later.tray, "resume")), (None, None));
    }

    #[test]
    fn a_glance_says_what_a_balance_buys_its_pace_its_age_and_the_next_reset_with_one_users_pools_together() {
        let now = Utc::now();
        let plan: crate::api::UserMe = serde_json::from_value(serde_json::json!({
            "username": "jane_doe", "billing_type": "subscription", "subscription": {"plan": "pro", "credits": {
                "premium_credits": {"remaining": 1200, "resets_at": (now + chrono::Duration::days(3) + chrono::Duration::hours(1)).to_rfc3339()}}}}))
        .unwrap();
        let mut web = AccountSnapshot::new("web", Default::default());
        web.record(Ok(plan), now - chrono::Duration::minutes(5));
        // In the settings' order the web plan of jane_doe is last; it is shown next to her wallet.
        let snaps = [wallet("api", 42.5, now - chrono::Duration::minutes(2)), crate::snapshot::wallet_seen("bob", "bob", 30.0, now), web];
        let period = |spent| spend::Period { since: now, spent, topped_up: 0.0, unwatched_secs: 0, watched_secs: 0 };
        let totals =
            |unit: &str, today| Totals { unit: unit.into(), today: period(today), last_7_days: period(today), this_month: period(today) };
        let spend = HashMap::from([("api".to_string(), totals("usd", 6.2)), ("web".to_string(), totals("credits", 0.0))]);
        let paces = HashMap::from([("api".to_string(), 3.10 / 3600.0)]);
        let settings = Settings { video_engine: Some("video_agent".into()), ..Settings::default() };
        let scene = Scene {
            snaps: &snaps,
            forecasts: &Forecasts::new(),
            spend: &spend,
            paces: &paces,
            settings: &settings,
            tray_host: true,
            demo: false,
            history_rev: 0,
        };
        let f = frame(&scene, now);
        assert_eq!(
            f.tray.account_lines,
            [
                "api: $42.50 · −$3.10/h · 2 min ago",
                "web: 1,200 credits · no spending today · 5 min ago · premium credits reset in 3 days",
                "bob: $30.00 · just now",
            ]
        );
        assert!(f.tray.tooltip_lines[0].ends_with("· ≈ 21 min of Video Agent"), "{}", f.tray.tooltip_lines[0]);
        assert!(
            f.tray.tooltip_lines[1].starts_with("web: 1,200 credits")
                && f.tray.tooltip_lines[1].contains("premium credits reset in 3 days")
        );
        let cards = &f.dashboard.accounts;
        assert_eq!(cards.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["api", "web", "bob"]);
        assert_eq!((cards[0].buys.as_deref(), cards[0].group.as_deref()), (Some("≈ 21 min of Video Agent"), Some("jane_doe")));
        assert!(cards[1].spent_by.unwrap().contains("MCP server") && cards[1].buys.is_none(), "credits buy nothing guessed");
        assert_eq!((cards[2].group.as_deref(), cards[2].spent_by), (None, None));
    }
}
