//! The Settings view: what the Settings page receives (its accounts with their key
//! masks and notes, the preferences, the hooks with their latest failures), built
//! from the settings file and the monitor's state. The key masks come from the
//! account source, so the keyring is read only when the page asks.

use crate::alerts::{describe_key, explain_reload};
use crate::settings::{Account, AuthKind, Settings, TrayDisplay};
use crate::snapshot::AccountSnapshot;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the Settings view is made from.
pub struct SettingsScene<'a> {
    pub settings: &'a Settings,
    /// The latest snapshots (accounts whose key could not be read included).
    pub snaps: &'a [AccountSnapshot],
    /// Why HeyGen CLI's file was not taken, per linked account.
    pub link_notes: &'a BTreeMap<String, String>,
    /// The latest failed run per hook event.
    pub hook_failures: &'a BTreeMap<String, String>,
    pub notice: Option<String>,
    pub demo: bool,
    pub heygen_cli_found: bool,
    /// An account whose editor to open now.
    pub edit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingsView {
    pub accounts: Vec<AccountRow>,
    pub poll_automatic: bool,
    pub poll_interval_minutes: u64,
    pub notifications: bool,
    pub start_at_login: bool,
    pub forecast_alerts: bool,
    pub forecast_alert_days: f64,
    pub tray_display: TrayDisplay,
    pub tray_account: Option<String>,
    pub spike_alerts: bool,
    /// The engine dollar balances are counted in, and the engines to choose from.
    pub video_engine: String,
    pub engines: Vec<crate::pricing::Price>,
    /// Where the prices come from ("developers.heygen.com/docs/pricing, 2026-12-03").
    pub prices_source: String,
    pub reset_reminder: bool,
    pub reset_reminder_days: f64,
    /// The local HTTP API's address while it is on.
    pub local_api: Option<String>,
    /// The event hooks set in the settings file.
    pub hooks: Vec<HookRow>,
    pub notice: Option<String>,
    pub demo: bool,
    pub heygen_cli_found: bool,
    /// An account whose editor to open now, with its key field focused.
    pub edit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountRow {
    pub name: String,
    pub auth: AuthKind,
    /// `…a1b2`, or null when the keyring could not be read.
    pub key_mask: Option<String>,
    pub key_error: Option<String>,
    pub low: Option<f64>,
    pub critical: Option<f64>,
    pub enabled: bool,
    pub username: Option<String>,
    pub billing_type: Option<String>,
    /// The HeyGen CLI credentials file it follows, as shown (`~/.heygen/credentials`).
    pub linked: Option<String>,
    /// What the account list explains from the latest figures.
    #[serde(flatten)]
    pub notes: AccountNotes,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HookRow {
    pub event: String,
    /// The command as written (its arguments joined by spaces), for reading only.
    pub command: String,
    /// The latest run's failure, until a run works.
    pub failure: Option<String>,
}

/// What the account list explains about an account from its latest figures; no
/// keyring access, so Settings can ask again whenever new figures arrive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountNotes {
    pub name: String,
    pub auto_reload: Option<String>,
    /// The key's name and expiry, or that it was revoked.
    pub key: Option<String>,
    pub key_warning: bool,
    /// What went wrong at the latest check, when it failed.
    pub problem: Option<String>,
    /// Why HeyGen CLI's file was not taken when last looked at (a linked account).
    pub link_note: Option<String>,
}

/// The Settings view; `key_mask` gives an account's key as shown, or why it cannot.
pub fn settings_view(scene: SettingsScene, key_mask: impl Fn(&Account) -> Result<String, String>, now: DateTime<Utc>) -> SettingsView {
    let s = scene.settings;
    let accounts = s
        .accounts
        .iter()
        .map(|a| {
            let key = key_mask(a);
            AccountRow {
                name: a.name.clone(),
                auth: a.auth,
                key_mask: key.as_ref().ok().cloned(),
                key_error: key.err(),
                low: a.thresholds.low,
                critical: a.thresholds.critical,
                enabled: a.enabled,
                username: a.username.clone(),
                billing_type: a.billing_type.clone(),
                linked: a.heygen_cli_credentials.as_deref().map(crate::sign_in::shown),
                notes: notes_for(a, scene.snaps, s, scene.link_notes, now),
            }
        })
        .collect();
    let hooks = s
        .hooks
        .iter()
        .map(|(event, argv)| HookRow { event: event.clone(), command: argv.join(" "), failure: scene.hook_failures.get(event).cloned() })
        .collect();
    let prices = crate::pricing::Prices::from_settings(s);
    SettingsView {
        accounts,
        poll_automatic: s.poll_automatic,
        poll_interval_minutes: s.poll_interval().as_secs() / 60,
        notifications: s.notifications,
        start_at_login: s.start_at_login,
        forecast_alerts: s.forecast_alerts,
        forecast_alert_days: s.forecast_alert_days,
        tray_display: s.tray_display,
        tray_account: s.tray_account.clone(),
        spike_alerts: s.spike_alerts,
        video_engine: prices.engine,
        engines: prices.prices,
        prices_source: format!("{}, as read {}", crate::pricing::SOURCE, crate::pricing::AS_OF),
        reset_reminder: s.reset_reminder,
        reset_reminder_days: s.reset_reminder_days,
        local_api: s.local_api.clone(),
        hooks,
        notice: scene.notice,
        demo: scene.demo,
        heygen_cli_found: scene.heygen_cli_found,
        edit: scene.edit,
    }
}

/// Every account's notes, in the settings' order.
pub fn account_notes(
    settings: &Settings,
    snaps: &[AccountSnapshot],
    links: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> Vec<AccountNotes> {
    settings.accounts.iter().map(|a| notes_for(a, snaps, settings, links, now)).collect()
}

fn notes_for(
    a: &Account,
    snaps: &[AccountSnapshot],
    settings: &Settings,
    links: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> AccountNotes {
    let snap = snaps.iter().find(|s| s.name == a.name);
    let summary = snap.and_then(|s| s.summary.as_ref());
    let key = snap.and_then(|s| describe_key(s, now));
    AccountNotes {
        name: a.name.clone(),
        auto_reload: summary.and_then(|s| explain_reload(s, &a.thresholds, settings.reload_grace())),
        key_warning: key.as_ref().is_some_and(|(_, warn)| *warn),
        key: key.map(|(line, _)| line),
        problem: snap.and_then(|s| s.error.as_ref()).map(|e| format!("Last check failed: {}", e.message)),
        link_note: links.get(&a.name).cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ApiError, ErrorKind};

    #[test]
    fn rows_follow_the_file_with_their_keys_notes_and_hook_failures() {
        let now = Utc::now();
        let mut settings = Settings {
            accounts: vec![Account::new("work", AuthKind::ApiKey), Account::new("home", AuthKind::Oauth)],
            ..Settings::default()
        };
        settings.hooks.insert("low".into(), vec!["notify-send".into(), "low".into()]);
        let mut work = crate::snapshot::wallet_seen("work", "jane_doe", 42.0, now);
        work.record(Err(ApiError::new(ErrorKind::Unauthorized, "Key rejected")), now);
        let links = BTreeMap::from([("home".to_string(), "HeyGen CLI's file holds another user".to_string())]);
        let failures = BTreeMap::from([("low".to_string(), "exit status 2".to_string())]);
        let scene = SettingsScene {
            settings: &settings,
            snaps: &[work],
            link_notes: &links,
            hook_failures: &failures,
            notice: None,
            demo: false,
            heygen_cli_found: false,
            edit: Some("work".into()),
        };
        let view = settings_view(scene, |a| if a.name == "work" { Ok("…a1b2".into()) } else { Err("The keyring is locked".into()) }, now);
        let names: Vec<&str> = view.accounts.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["work", "home"]);
        let (work, home) = (&view.accounts[0], &view.accounts[1]);
        assert_eq!((work.key_mask.as_deref(), work.notes.problem.as_deref()), (Some("…a1b2"), Some("Last check failed: Key rejected")));
        assert_eq!((home.key_mask.as_deref(), home.key_error.as_deref()), (None, Some("The keyring is locked")));
        assert_eq!(home.notes.link_note.as_deref(), Some("HeyGen CLI's file holds another user"));
        assert_eq!(home.notes.problem, None, "no snapshot, nothing to explain");
        assert_eq!(view.hooks, [HookRow { event: "low".into(), command: "notify-send low".into(), failure: Some("exit status 2".into()) }]);
        assert_eq!(view.edit.as_deref(), Some("work"));
        // The page reads the notes flattened into each row.
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["accounts"][0]["problem"], "Last check failed: Key rejected");
    }
}
