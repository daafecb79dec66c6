//! Settings on disk: accounts (without their keys), poll interval, notifications and
//! the state later features keep (alert memory, snooze, start at login).
//!
//! One small JSON file in the platform's config directory, with a schema version; how
//! it is read, written and set aside is `settings::file`. No secret is ever stored
//! here: keys live in the OS keyring (`keystore`).

use crate::billing::ThresholdOverride;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub const SCHEMA_VERSION: u32 = 1;
pub const FILE_NAME: &str = "settings.json";

/// How an account authenticates; the secret itself is in the keyring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    ApiKey,
    Oauth,
}

impl AuthKind {
    pub fn label(self) -> &'static str {
        match self {
            AuthKind::ApiKey => "API key",
            AuthKind::Oauth => "OAuth token",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub name: String,
    pub auth: AuthKind,
    #[serde(default)]
    pub thresholds: ThresholdOverride,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// OAuth access-token expiry, when known (the tokens are in the keyring).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_expires_at: Option<DateTime<Utc>>,
    /// Who the key belonged to when it was last checked, for lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_type: Option<String>,
    /// When the key in the keyring was last replaced, so a running app notices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_changed_at: Option<DateTime<Utc>>,
    /// When the tokens in the keyring were last renewed in place (the same sign-in,
    /// new tokens), so a running app reads them again without forgetting its alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_renewed_at: Option<DateTime<Utc>>,
    /// The HeyGen CLI credentials file this account follows (see `cli_link`): set by
    /// an import, ended by a key given by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heygen_cli_credentials: Option<PathBuf>,
    /// When that file was last changed as this app last took it (its modification
    /// time), so an unchanged file is not read again and never undoes a renewal here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heygen_cli_seen: Option<DateTime<Utc>>,
    /// The SHA-256 of that file's content as last taken: a change is its content
    /// changing, whatever its modification time says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heygen_cli_hash: Option<String>,
}

impl Account {
    pub fn new(name: impl Into<String>, auth: AuthKind) -> Self {
        Account {
            name: name.into(),
            auth,
            thresholds: ThresholdOverride::default(),
            enabled: true,
            token_expires_at: None,
            username: None,
            billing_type: None,
            key_changed_at: None,
            key_renewed_at: None,
            heygen_cli_credentials: None,
            heygen_cli_seen: None,
            heygen_cli_hash: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub schema_version: u32,
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default = "default_interval")]
    pub poll_interval_secs: u64,
    /// Automatic polling (the default): the interval follows the figures (see
    /// `poller::adaptive`); off, every account is polled every `poll_interval_secs`.
    #[serde(default = "yes")]
    pub poll_automatic: bool,
    #[serde(default = "yes")]
    pub notifications: bool,
    #[serde(default)]
    pub start_at_login: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts_paused_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub alert_memory: BTreeMap<String, AlertMemory>,
    /// Opt-in: warn when the forecast says an account runs out within
    /// `forecast_alert_days` (off by default, so a falling balance does not bring two
    /// notifications at once unless asked for).
    #[serde(default)]
    pub forecast_alerts: bool,
    #[serde(default = "default_forecast_days")]
    pub forecast_alert_days: f64,
    /// OAuth client ID for token refresh (issued by HeyGen; never hard-coded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_client_id: Option<String>,
    /// How long a wallet may stay below its auto-reload threshold before "auto-reload
    /// did not happen" (at least two polls, whatever this says).
    #[serde(default = "default_reload_grace")]
    pub reload_grace_minutes: f64,
    /// What the tray icon shows.
    #[serde(default)]
    pub tray_display: TrayDisplay,
    /// The account the tray icon shows; `None`: the one that needs attention most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tray_account: Option<String>,
    /// The runaway-spend alert (on by default) and what counts as a spike: the recent
    /// pace this many times the usual one, and at least this much spent (or a quarter of
    /// the balance) in the last 10 minutes.
    #[serde(default = "yes")]
    pub spike_alerts: bool,
    #[serde(default = "default_spike_factor")]
    pub spike_factor: f64,
    #[serde(default = "default_spike_floor_usd")]
    pub spike_floor_usd: f64,
    #[serde(default = "default_spike_floor_credits")]
    pub spike_floor_credits: f64,
    /// The local HTTP API's address (`127.0.0.1:9877`), served by the tray app and by
    /// `heygen-tray watch` without `--listen`; `None` (the default): off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_api: Option<String>,
    /// Event hooks: event (`low`, `critical`, …, see `hooks::EVENTS`) → the command and
    /// its arguments, run without a shell.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hooks: crate::hooks::Hooks,
    /// Price overrides, dollars per second of video by engine ID (see `pricing`);
    /// kept as written, so a bad value is named, not a damaged file.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub prices: BTreeMap<String, serde_json::Value>,
    /// The engine dollar balances are counted in ("≈ 14 min of Avatar IV"); `None`:
    /// `pricing::DEFAULT_ENGINE`.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient")]
    pub video_engine: Option<String>,
    /// Opt-in: remind when a credit pool resets within `reset_reminder_days` with more
    /// than half of it unused.
    #[serde(default, deserialize_with = "lenient")]
    pub reset_reminder: bool,
    #[serde(default = "default_reset_days")]
    pub reset_reminder_days: f64,
    /// The "no tray icons" notification was shown and no tray host has been seen
    /// since: a desktop without one is told once per settings folder, not at each start.
    #[serde(default, skip_serializing_if = "std::ops::Not::not", deserialize_with = "lenient")]
    pub no_tray_told: bool,
}

/// A value of the wrong type reads as the default instead of damaging the file.
fn lenient<'de, D: serde::Deserializer<'de>, T: serde::de::DeserializeOwned + Default>(d: D) -> Result<T, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(v).unwrap_or_default())
}

fn default_reset_days() -> f64 {
    2.0
}

/// The spike rule's defaults (see `alerts::spike::Rule`).
pub const SPIKE_FACTOR: f64 = 5.0;
pub const SPIKE_FLOOR_USD: f64 = 5.0;
pub const SPIKE_FLOOR_CREDITS: f64 = 50.0;

fn default_spike_factor() -> f64 {
    SPIKE_FACTOR
}
fn default_spike_floor_usd() -> f64 {
    SPIKE_FLOOR_USD
}
fn default_spike_floor_credits() -> f64 {
    SPIKE_FLOOR_CREDITS
}

/// What the tray icon shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrayDisplay {
    /// The figure itself (`$42`), in the level's colour.
    #[default]
    Figure,
    /// A bar filled to how much is left.
    Gauge,
    /// The plain app icon in the level's colour.
    Icon,
}

fn yes() -> bool {
    true
}

fn default_reload_grace() -> f64 {
    15.0
}

fn default_forecast_days() -> f64 {
    3.0
}

fn default_interval() -> u64 {
    DEFAULT_INTERVAL.as_secs()
}

/// How often accounts are polled, as the settings ask: automatically (the interval
/// follows the figures, see `poller::adaptive`) or every fixed interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polling {
    Automatic,
    Fixed(Duration),
}

/// The fixed interval when none is set, and the range a fixed one may take.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5 * 60);
pub const MIN_INTERVAL: Duration = Duration::from_secs(60);
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// Clamps a poll interval to the supported range of 1 min to 24 h.
pub fn clamp_interval(interval: Duration) -> Duration {
    interval.clamp(MIN_INTERVAL, MAX_INTERVAL)
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            schema_version: SCHEMA_VERSION,
            accounts: Vec::new(),
            poll_interval_secs: default_interval(),
            poll_automatic: true,
            notifications: true,
            start_at_login: false,
            alerts_paused_until: None,
            alert_memory: BTreeMap::new(),
            forecast_alerts: false,
            forecast_alert_days: default_forecast_days(),
            oauth_client_id: None,
            reload_grace_minutes: default_reload_grace(),
            tray_display: TrayDisplay::default(),
            tray_account: None,
            spike_alerts: true,
            spike_factor: default_spike_factor(),
            spike_floor_usd: default_spike_floor_usd(),
            spike_floor_credits: default_spike_floor_credits(),
            local_api: None,
            hooks: Default::default(),
            prices: BTreeMap::new(),
            video_engine: None,
            reset_reminder: false,
            reset_reminder_days: default_reset_days(),
            no_tray_told: false,
        }
    }
}

impl Settings {
    /// No tray host shows the icon: whether to say so (not yet told since a host was
    /// last seen); remembers that it was.
    pub fn tell_no_tray(&mut self) -> bool {
        !std::mem::replace(&mut self.no_tray_told, true)
    }

    /// A tray host shows the icon: a desktop that loses it later is told again.
    /// Whether that changed anything.
    pub fn tray_host_seen(&mut self) -> bool {
        std::mem::take(&mut self.no_tray_told)
    }

    pub fn account(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }

    pub fn account_mut(&mut self, name: &str) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.name == name)
    }

    /// See [`Settings::reload_grace_minutes`] (up to a day; 15 minutes if unreadable).
    pub fn reload_grace(&self) -> chrono::Duration {
        let minutes = if self.reload_grace_minutes.is_finite() { self.reload_grace_minutes.clamp(0.0, 1440.0) } else { 15.0 };
        chrono::Duration::seconds((minutes * 60.0) as i64)
    }

    /// The polling these settings ask for.
    pub fn polling(&self) -> Polling {
        match self.poll_automatic {
            true => Polling::Automatic,
            false => Polling::Fixed(self.poll_interval()),
        }
    }

    /// See [`Settings::reset_reminder_days`] (half a day to 60 days; 2 if unreadable).
    pub fn reset_reminder_within(&self) -> chrono::Duration {
        let days = if self.reset_reminder_days.is_finite() { self.reset_reminder_days.clamp(0.5, 60.0) } else { 2.0 };
        chrono::Duration::seconds((days * 86_400.0) as i64)
    }

    pub fn poll_interval(&self) -> Duration {
        clamp_interval(Duration::from_secs(self.poll_interval_secs))
    }
}

mod alert_memory;
mod file;
pub use alert_memory::{AlertMemory, PoolPeak};
pub(crate) use file::create_private_dir;
pub use file::{read_regular, Loaded, SaveError, Store};

/// Names must be unique and sane; a file that breaks this is treated as damaged.
fn validate(s: &Settings) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for a in &s.accounts {
        if let Err(e) = validate_name(&a.name) {
            return Err(format!("it holds an account with a bad name ({e})"));
        }
        if !seen.insert(a.name.as_str()) {
            return Err(format!("it lists account {:?} twice", a.name));
        }
        a.thresholds.validate().map_err(|e| format!("account {:?} has bad thresholds ({e})", a.name))?;
    }
    Ok(())
}

/// Account names: 1–40 letters, digits, spaces, `.`, `_` or `-`.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("an account name cannot be empty".into());
    }
    if name.trim() != name {
        return Err("an account name cannot start or end with a space".into());
    }
    if name.chars().count() > 40 {
        return Err("an account name can have at most 40 characters".into());
    }
    if let Some(c) = name.chars().find(|c| !(c.is_alphanumeric() || " ._-".contains(*c))) {
        return Err(format!("an account name can hold letters, digits, spaces, '.', '_' and '-', not {c:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
