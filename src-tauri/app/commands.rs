//! Commands the windows may call (each allowed by name in capabilities/). They are
//! thin wrappers over the domain; none returns a key: accounts come back masked.

use super::actions::{self, Link};
use super::windows::Page;
use super::Shared;
use heygen_tray_core::accounts::{verify, Unlock};
use heygen_tray_core::api::oauth::OAuthTokens;
use heygen_tray_core::billing::ThresholdOverride;
use heygen_tray_core::keystore::StoredSecret;
use heygen_tray_core::secret::Secret;
use heygen_tray_core::settings::{Account, AuthKind, Settings, TrayDisplay};
use heygen_tray_core::snapshot::AccountSnapshot;
use serde::Serialize;
use std::sync::Arc;
use tauri::{AppHandle, State};

type Result<T> = std::result::Result<T, String>;

#[tauri::command]
pub fn get_dashboard(shared: State<'_, Arc<Shared>>) -> serde_json::Value {
    tracing::debug!("dashboard page loaded");
    shared.current_state()
}

#[derive(Debug, Serialize)]
pub struct ChartPoint {
    at: chrono::DateTime<chrono::Utc>,
    remaining: f64,
    added: f64,
}

#[derive(Debug, Serialize)]
pub struct Chart {
    unit: Option<String>,
    points: Vec<ChartPoint>,
}

/// An account's history for the dashboard chart: `24h`, `7d` or `30d`.
#[tauri::command]
pub async fn get_history(shared: State<'_, Arc<Shared>>, account: String, range: String) -> Result<Chart> {
    let span = match range.as_str() {
        "24h" => chrono::Duration::hours(24),
        "7d" => chrono::Duration::days(7),
        "30d" => chrono::Duration::days(30),
        _ => return Err("unknown range".into()),
    };
    let shared = shared.inner().clone();
    blocking(move || {
        let history = shared.history.lock().unwrap();
        let Some(h) = history.as_ref() else { return Ok(Chart { unit: None, points: Vec::new() }) };
        let samples = h.samples(Some(&account), Some(chrono::Utc::now() - span)).map_err(|e| e.to_string())?;
        let unit = samples.last().map(|s| s.unit.clone());
        let points = samples
            .into_iter()
            .filter(|s| Some(&s.unit) == unit.as_ref())
            .map(|s| ChartPoint { at: s.at, remaining: s.remaining, added: s.added })
            .collect();
        Ok(Chart { unit, points })
    })
    .await
}

#[tauri::command]
pub fn refresh(shared: State<'_, Arc<Shared>>, account: Option<String>) {
    actions::refresh(&shared, account);
}

#[derive(Debug, Serialize)]
pub struct AccountRow {
    name: String,
    auth: AuthKind,
    /// `…a1b2`, or null when the keyring could not be read.
    key_mask: Option<String>,
    key_error: Option<String>,
    low: Option<f64>,
    critical: Option<f64>,
    enabled: bool,
    username: Option<String>,
    billing_type: Option<String>,
    /// What the account list explains from the latest figures.
    #[serde(flatten)]
    notes: AccountNotes,
}

#[derive(Debug, Serialize)]
pub struct SettingsPayload {
    accounts: Vec<AccountRow>,
    poll_automatic: bool,
    poll_interval_minutes: u64,
    notifications: bool,
    start_at_login: bool,
    forecast_alerts: bool,
    forecast_alert_days: f64,
    tray_display: TrayDisplay,
    tray_account: Option<String>,
    notice: Option<String>,
    demo: bool,
    heygen_cli_found: bool,
}

/// What the account list explains about an account from its latest figures; no
/// keyring access, so Settings can ask again whenever new figures arrive.
#[derive(Debug, Serialize)]
pub struct AccountNotes {
    name: String,
    auto_reload: Option<String>,
    /// The key's name and expiry, or that it was revoked.
    key: Option<String>,
    key_warning: bool,
}

fn notes_for(a: &Account, snapshots: &[AccountSnapshot], settings: &Settings) -> AccountNotes {
    let snap = snapshots.iter().find(|s| s.name == a.name);
    let summary = snap.and_then(|s| s.summary.as_ref());
    let key = snap.and_then(|s| heygen_tray_core::alerts::describe_key(s, chrono::Utc::now()));
    AccountNotes {
        name: a.name.clone(),
        auto_reload: summary.and_then(|s| heygen_tray_core::alerts::explain_reload(s, &a.thresholds, settings.reload_grace())),
        key_warning: key.as_ref().is_some_and(|(_, warn)| *warn),
        key: key.map(|(line, _)| line),
    }
}

#[tauri::command]
pub fn account_notes(shared: State<'_, Arc<Shared>>) -> Vec<AccountNotes> {
    let settings = shared.settings.lock().unwrap().clone();
    let snapshots = shared.current();
    settings.accounts.iter().map(|a| notes_for(a, &snapshots, &settings)).collect()
}

#[tauri::command]
pub async fn get_settings(shared: State<'_, Arc<Shared>>) -> Result<SettingsPayload> {
    let shared = shared.inner().clone();
    blocking(move || {
        let settings = shared.settings.lock().unwrap().clone();
        let snapshots = shared.current();
        let accounts = settings
            .accounts
            .iter()
            .map(|a| {
                let key = if shared.demo.is_some() { Ok("…demo".to_string()) } else { shared.accounts.keystore.get(&a.name, a.auth).map(|s| s.mask()) };
                AccountRow {
                    name: a.name.clone(),
                    auth: a.auth,
                    key_mask: key.as_ref().ok().cloned(),
                    key_error: key.err().map(|e| e.to_string()),
                    low: a.thresholds.low,
                    critical: a.thresholds.critical,
                    enabled: a.enabled,
                    username: a.username.clone(),
                    billing_type: a.billing_type.clone(),
                    notes: notes_for(a, &snapshots, &settings),
                }
            })
            .collect();
        Ok(SettingsPayload {
            accounts,
            poll_automatic: settings.poll_automatic,
            poll_interval_minutes: settings.poll_interval().as_secs() / 60,
            notifications: settings.notifications,
            start_at_login: settings.start_at_login,
            forecast_alerts: settings.forecast_alerts,
            forecast_alert_days: settings.forecast_alert_days,
            tray_display: settings.tray_display,
            tray_account: settings.tray_account.clone(),
            notice: shared.notice.lock().unwrap().clone(),
            demo: shared.demo.is_some(),
            heygen_cli_found: heygen_tray_core::heygen_cli::credentials_path().exists(),
        })
    })
    .await
}

#[derive(Debug, Serialize)]
pub struct Tested {
    username: String,
    billing_type: Option<String>,
    headline: String,
}

fn secret_from(key: &str, oauth: bool) -> Result<StoredSecret> {
    let key = Secret::new(key);
    if key.is_empty() {
        return Err("Enter the key first.".into());
    }
    if key.expose().contains(char::is_whitespace) {
        return Err("The key contains spaces or line breaks; paste exactly one key.".into());
    }
    Ok(if oauth {
        StoredSecret::OAuth(OAuthTokens { access_token: key, refresh_token: None, expires_at: None })
    } else {
        StoredSecret::ApiKey(key)
    })
}

/// Checks a key with HeyGen without saving it.
#[tauri::command]
pub async fn test_key(shared: State<'_, Arc<Shared>>, key: String, oauth: bool) -> Result<Tested> {
    let secret = secret_from(&key, oauth)?;
    drop(key);
    let summary = verify(&shared.client, &secret.credential()).await.map_err(|e| e.to_string())?;
    Ok(Tested { username: summary.username, billing_type: summary.billing_type, headline: summary.headline })
}

/// Adds an account or changes one. With a key: verified, then stored in the keyring
/// (in place for an existing account). Without: only thresholds and enabled change.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn save_account(
    shared: State<'_, Arc<Shared>>,
    name: String,
    key: Option<String>,
    oauth: bool,
    low: Option<f64>,
    critical: Option<f64>,
    enabled: bool,
    is_new: bool,
) -> Result<String> {
    if shared.demo.is_some() {
        return Err("Demo mode uses simulated accounts; start the app without --demo to add your own.".into());
    }
    let name = name.trim().to_string();
    heygen_tray_core::settings::validate_name(&name)?;
    let thresholds = ThresholdOverride { low, critical };
    thresholds.validate().map_err(|e| format!("Check the thresholds: {e}."))?;
    let exists = shared.settings.lock().unwrap().account(&name).is_some();
    if is_new && exists {
        return Err(format!("An account named \"{name}\" already exists; edit it instead."));
    }
    let secret = match key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => Some(secret_from(k, oauth)?),
        None if !exists => return Err("Enter the account's API key.".into()),
        None => None,
    };
    drop(key);
    let verified = match &secret {
        Some(s) => Some(verify(&shared.client, &s.credential()).await.map_err(|e| format!("Not saved: {e}"))?),
        None => None,
    };
    let shared = shared.inner().clone();
    blocking(move || {
        if let Some(secret) = &secret {
            shared.accounts.add(&name, secret, verified.as_ref()).map_err(|e| e.to_string())?;
        }
        shared.accounts.configure(&name, thresholds, true, Some(enabled)).map_err(|e| e.to_string())?;
        shared.reload(false, Unlock::Once);
        Ok(match verified {
            Some(v) => format!("Saved \"{name}\": {} — {}", v.username, v.headline),
            None => format!("Saved \"{name}\"."),
        })
    })
    .await
}

#[tauri::command]
pub async fn remove_account(shared: State<'_, Arc<Shared>>, name: String) -> Result<()> {
    if shared.demo.is_some() {
        return Err("Demo mode uses simulated accounts.".into());
    }
    let shared = shared.inner().clone();
    blocking(move || {
        shared.accounts.remove(&name).map_err(|e| e.to_string())?;
        if let Some(h) = shared.history.lock().unwrap().as_ref() {
            let _ = h.forget(&name);
        }
        shared.reload(false, Unlock::Once);
        Ok(())
    })
    .await
}

/// The Preferences form, as the page sends it.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    #[serde(default)]
    poll_automatic: Option<bool>,
    poll_interval_minutes: u64,
    notifications: bool,
    start_at_login: bool,
    forecast_alerts: bool,
    forecast_alert_days: f64,
    #[serde(default)]
    tray_display: Option<TrayDisplay>,
    #[serde(default)]
    tray_account: Option<String>,
}

#[tauri::command]
pub async fn save_preferences(shared: State<'_, Arc<Shared>>, prefs: Preferences) -> Result<()> {
    if !(1..=1440).contains(&prefs.poll_interval_minutes) {
        return Err("The refresh interval must be between 1 minute and 24 hours (1440 minutes).".into());
    }
    if !(0.5..=365.0).contains(&prefs.forecast_alert_days) {
        return Err("The forecast warning must be between half a day and 365 days.".into());
    }
    let shared = shared.inner().clone();
    blocking(move || {
        super::autostart::set(prefs.start_at_login)?;
        shared.update_settings(|s| {
            s.poll_interval_secs = prefs.poll_interval_minutes * 60;
            if let Some(automatic) = prefs.poll_automatic {
                s.poll_automatic = automatic;
            }
            s.notifications = prefs.notifications;
            s.start_at_login = prefs.start_at_login;
            s.forecast_alerts = prefs.forecast_alerts;
            s.forecast_alert_days = prefs.forecast_alert_days;
            if let Some(d) = prefs.tray_display {
                s.tray_display = d;
            }
            // A pinned account must exist; otherwise the tray shows the worst one.
            s.tray_account = prefs.tray_account.filter(|a| s.account(a).is_some());
        })?;
        let polling = shared.settings.lock().unwrap().polling();
        let _ = shared.commands.send(polling);
        Ok(())
    })
    .await
}

#[tauri::command]
pub async fn import_heygen_cli(shared: State<'_, Arc<Shared>>, name: String) -> Result<String> {
    if shared.demo.is_some() {
        return Err("Demo mode uses simulated accounts.".into());
    }
    let name = name.trim().to_string();
    heygen_tray_core::settings::validate_name(&name)?;
    let imported = heygen_tray_core::heygen_cli::read()?;
    let verified = verify(&shared.client, &imported.secret.credential()).await.map_err(|e| format!("Not imported: {e}"))?;
    let shared = shared.inner().clone();
    blocking(move || {
        shared.accounts.add(&name, &imported.secret, Some(&verified)).map_err(|e| e.to_string())?;
        shared.reload(false, Unlock::Once);
        Ok(format!("Imported \"{name}\": {} — {}", verified.username, verified.headline))
    })
    .await
}

/// Opens one of HeyGen's own pages; the page cannot name any other URL.
#[tauri::command]
pub fn open_link(app: AppHandle, target: String) -> Result<()> {
    let link = match target.as_str() {
        "billing" => Link::Billing,
        "api_keys" => Link::ApiKeys,
        "dashboard" => Link::Dashboard,
        _ => return Err("unknown link".into()),
    };
    actions::open_link(&app, link);
    Ok(())
}

#[tauri::command]
pub fn open_window(app: AppHandle, page: String) -> Result<()> {
    let page = Page::parse(&page).ok_or("unknown window")?;
    actions::open_window(&app, page);
    Ok(())
}

/// Runs keyring and file work off the async runtime.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tauri::async_runtime::spawn_blocking(f).await.map_err(|e| e.to_string())?
}
