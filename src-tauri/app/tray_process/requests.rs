//! The tray process's answers to the pages' requests, whether the page runs in this
//! process or in a window process. What changes accounts or preferences goes through
//! the core's `Service`; this process then reconciles the poller with the file at
//! once, so the change never waits for the file watcher.

use super::actions::{self, Site};
use super::TrayProcess;
use crate::role::{CommandError, ErrorCode, Reply, Request};
use crate::webview::Page;
use heygen_tray_core::accounts::Unlock;
use heygen_tray_core::billing::ThresholdOverride;
use heygen_tray_core::service::{parse_secret, SaveAccount, ServiceError};
use heygen_tray_core::settings::{Account, AuthKind, Settings, TrayDisplay};
use heygen_tray_core::snapshot::AccountSnapshot;
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// A chart is 300 px wide: more points than that draw nothing more.
const CHART_POINTS: u32 = 300;

const DEMO_ACCOUNTS: &str = "Demo mode uses simulated accounts; start the app without --demo to add your own.";

impl TrayProcess {
    pub async fn answer(self: Arc<Self>, request: Request) -> Reply {
        match request {
            Request::Dashboard => Ok(self.current_state()),
            Request::Charts { charts } => {
                self.blocking(move |t| {
                    charts.iter().map(|c| t.chart(&c.account, &c.range)).collect::<Result<Vec<_>, _>>().map(Value::Array)
                })
                .await
            }
            Request::Refresh { account } => {
                actions::refresh(&self, account);
                Ok(Value::Null)
            }
            Request::Settings => self.blocking(|t| Ok(to_value(t.settings_payload()))).await,
            Request::AccountNotes => Ok(to_value(self.account_notes())),
            Request::TestKey { key, oauth } => {
                let secret = parse_secret(key.expose(), oauth).map_err(|e| CommandError::new(ErrorCode::Invalid, e.to_string()))?;
                drop(key);
                let s = self.service.test(&secret).await.map_err(|e| e.to_string())?;
                Ok(json!({"username": s.username, "billing_type": s.billing_type, "headline": s.headline}))
            }
            Request::SaveAccount { name, key, oauth, low, critical, enabled, is_new } => {
                if self.demo.is_some() {
                    return Err(CommandError::new(ErrorCode::DemoMode, DEMO_ACCOUNTS));
                }
                let secret = match key.as_ref().map(|k| k.expose().trim()).filter(|k| !k.is_empty()) {
                    Some(k) => Some(parse_secret(k, oauth).map_err(|e| CommandError::new(ErrorCode::Invalid, e.to_string()))?),
                    None => None,
                };
                drop(key);
                let request = SaveAccount {
                    name: name.trim().to_string(),
                    secret,
                    thresholds: Some(ThresholdOverride { low, critical }),
                    enabled: Some(enabled),
                    verify: true,
                    only_new: is_new,
                    link: None,
                };
                let saved = self.service.save(request).await.map_err(|e| match e {
                    ServiceError::NotVerified(e) => CommandError::new(ErrorCode::NotVerified, format!("Not saved: {e}")),
                    e => e.to_string().into(),
                });
                self.after_change().await;
                Ok(Value::String(saved?.message("Saved")))
            }
            Request::RemoveAccount { name } => {
                if self.demo.is_some() {
                    return Err(CommandError::new(ErrorCode::DemoMode, DEMO_ACCOUNTS));
                }
                self.blocking(move |t| {
                    // Its history goes with it (the core's remove, as on the command line).
                    t.service.remove(&name).map_err(|e| e.to_string())?;
                    t.reconcile(false, Unlock::Once);
                    Ok(Value::Null)
                })
                .await
            }
            Request::SavePreferences { prefs } => {
                self.blocking(move |t| {
                    let saved = t.service.save_preferences(&prefs, super::autostart::set);
                    t.reconcile(false, Unlock::Never);
                    saved.map(|_| Value::Null).map_err(|e| e.to_string().into())
                })
                .await
            }
            Request::ImportHeygenCli { name } => {
                if self.demo.is_some() {
                    return Err(CommandError::new(ErrorCode::DemoMode, DEMO_ACCOUNTS));
                }
                let imported = self.service.import_heygen_cli(name.trim(), true, true).await.map_err(|e| match e {
                    ServiceError::NotVerified(e) => CommandError::new(ErrorCode::NotVerified, format!("Not imported: {e}")),
                    e => e.to_string().into(),
                });
                self.after_change().await;
                let said = imported?.0.message("Imported");
                Ok(Value::String(format!("{}. {}", said.trim_end_matches('.'), heygen_tray_core::cli_link::following())))
            }
            Request::OpenWindow { page, account } => {
                let page = Page::parse(&page).ok_or(CommandError::new(ErrorCode::Invalid, "unknown window"))?;
                if page == Page::Settings {
                    // The Settings page takes it when it loads or next gains the focus.
                    *self.edit_next.lock().unwrap() = account;
                }
                actions::open_window(&self, page);
                Ok(Value::Null)
            }
            Request::OpenLink { target } => {
                let site = match target.as_str() {
                    "billing" => Site::Billing,
                    "api_keys" => Site::ApiKeys,
                    "dashboard" => Site::Dashboard,
                    "heygen_cli" => Site::HeyGenCli,
                    _ => return Err(CommandError::new(ErrorCode::Invalid, "unknown link")),
                };
                actions::open_site(&self, site);
                Ok(Value::Null)
            }
            Request::TestHook { event } => {
                self.blocking(move |t| {
                    let settings = t.settings.lock().unwrap().clone();
                    let snaps = t.current();
                    // About the first account, marked as a test.
                    let e = heygen_tray_core::monitor::plan::event_for(&event, snaps.first(), None, true, chrono::Utc::now());
                    let outcome = t.monitor.hooks.test(&settings.hooks, e)?;
                    let said = if outcome.output.is_empty() { String::new() } else { format!(" — {}", outcome.output) };
                    if outcome.ok() {
                        Ok(json!(format!("The hook ran: {}{said}", outcome.describe())))
                    } else {
                        Err(format!("The hook failed: {}{said}", outcome.describe()).into())
                    }
                })
                .await
            }
            Request::StartDemo => {
                if self.demo.is_some() {
                    return Err("The demo is already running.".into());
                }
                let exe = std::env::current_exe().map_err(|e| e.to_string())?;
                std::process::Command::new(exe)
                    .args(["--demo", "--after", &std::process::id().to_string()])
                    .stdin(std::process::Stdio::null())
                    .spawn()
                    .map_err(|e| format!("The demo could not start: {e}"))?;
                tracing::info!("making way for the demo");
                if let Some(app) = self.app() {
                    app.exit(0);
                }
                Ok(Value::Null)
            }
            Request::Quit => {
                tracing::info!("Quit from a window");
                if let Some(app) = self.app() {
                    app.exit(0);
                }
                Ok(Value::Null)
            }
        }
    }

    /// After Settings changed accounts: the poller hears of it now (one unlock prompt
    /// at most: the user is there).
    async fn after_change(self: &Arc<Self>) {
        let _ = self
            .blocking(|t| {
                t.reconcile(false, Unlock::Once);
                Ok(())
            })
            .await;
    }

    /// Runs keyring, file and database work off the async runtime.
    async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&TrayProcess) -> Result<T, CommandError> + Send + 'static,
    ) -> Result<T, CommandError> {
        let this = self.clone();
        tauri::async_runtime::spawn_blocking(move || f(&this)).await.map_err(|e| CommandError::from(e.to_string()))?
    }

    /// What one chart draws: at most [`CHART_POINTS`] points over its range.
    fn chart(&self, account: &str, range: &str) -> Reply {
        let span = match range {
            "24h" => chrono::Duration::hours(24),
            "7d" => chrono::Duration::days(7),
            "30d" => chrono::Duration::days(30),
            _ => return Err(CommandError::new(ErrorCode::Invalid, "unknown range")),
        };
        let history = self.monitor.history.lock().unwrap();
        let Some(h) = history.as_ref() else { return Ok(json!({"unit": null, "points": []})) };
        let now = chrono::Utc::now();
        let chart = h.chart(account, now - span, now, CHART_POINTS).map_err(|e| e.to_string())?;
        Ok(to_value(chart))
    }

    fn account_notes(&self) -> Vec<AccountNotes> {
        let settings = self.settings.lock().unwrap().clone();
        let snapshots = self.current();
        let links = self.monitor.link_notes.lock().unwrap().clone();
        settings.accounts.iter().map(|a| notes_for(a, &snapshots, &settings, &links)).collect()
    }

    /// Blocking (reads each key's mask from the keyring).
    fn settings_payload(&self) -> SettingsPayload {
        let settings = self.settings.lock().unwrap().clone();
        let snapshots = self.current();
        let links = self.monitor.link_notes.lock().unwrap().clone();
        let accounts = settings
            .accounts
            .iter()
            .map(|a| {
                let key = match self.demo {
                    Some(_) => Ok("…demo".to_string()),
                    None => self.service.accounts.keystore.get(&a.name, a.auth).map(|s| s.mask()),
                };
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
                    linked: a.heygen_cli_credentials.as_deref().map(heygen_tray_core::sign_in::shown),
                    notes: notes_for(a, &snapshots, &settings, &links),
                }
            })
            .collect();
        SettingsPayload {
            accounts,
            poll_automatic: settings.poll_automatic,
            poll_interval_minutes: settings.poll_interval().as_secs() / 60,
            notifications: settings.notifications,
            start_at_login: settings.start_at_login,
            forecast_alerts: settings.forecast_alerts,
            forecast_alert_days: settings.forecast_alert_days,
            tray_display: settings.tray_display,
            tray_account: settings.tray_account.clone(),
            spike_alerts: settings.spike_alerts,
            hooks: {
                let failures = self.monitor.hooks.failures();
                settings
                    .hooks
                    .iter()
                    .map(|(event, argv)| HookRow { event: event.clone(), command: argv.join(" "), failure: failures.get(event).cloned() })
                    .collect()
            },
            notice: self.monitor.notice.lock().unwrap().clone(),
            demo: self.demo.is_some(),
            heygen_cli_found: heygen_tray_core::heygen_cli::credentials_path().exists(),
            edit: self.edit_next.lock().unwrap().take(),
        }
    }
}

fn to_value(v: impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

#[derive(Debug, Serialize)]
struct AccountRow {
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
    /// The HeyGen CLI credentials file it follows, as shown (`~/.heygen/credentials`).
    linked: Option<String>,
    /// What the account list explains from the latest figures.
    #[serde(flatten)]
    notes: AccountNotes,
}

#[derive(Debug, Serialize)]
struct HookRow {
    event: String,
    /// The command as written (its arguments joined by spaces), for reading only.
    command: String,
    /// The latest run's failure, until a run works.
    failure: Option<String>,
}

#[derive(Debug, Serialize)]
struct SettingsPayload {
    accounts: Vec<AccountRow>,
    poll_automatic: bool,
    poll_interval_minutes: u64,
    notifications: bool,
    start_at_login: bool,
    forecast_alerts: bool,
    forecast_alert_days: f64,
    tray_display: TrayDisplay,
    tray_account: Option<String>,
    spike_alerts: bool,
    /// The event hooks set in the settings file.
    hooks: Vec<HookRow>,
    notice: Option<String>,
    demo: bool,
    heygen_cli_found: bool,
    /// An account whose editor to open now, with its key field focused.
    edit: Option<String>,
}

/// What the account list explains about an account from its latest figures; no
/// keyring access, so Settings can ask again whenever new figures arrive.
#[derive(Debug, Serialize)]
struct AccountNotes {
    name: String,
    auto_reload: Option<String>,
    /// The key's name and expiry, or that it was revoked.
    key: Option<String>,
    key_warning: bool,
    /// What went wrong at the latest check, when it failed.
    problem: Option<String>,
    /// Why HeyGen CLI's file was not taken when last looked at (a linked account).
    link_note: Option<String>,
}

fn notes_for(
    a: &Account,
    snapshots: &[AccountSnapshot],
    settings: &Settings,
    links: &std::collections::BTreeMap<String, String>,
) -> AccountNotes {
    let snap = snapshots.iter().find(|s| s.name == a.name);
    let summary = snap.and_then(|s| s.summary.as_ref());
    let key = snap.and_then(|s| heygen_tray_core::alerts::describe_key(s, chrono::Utc::now()));
    AccountNotes {
        name: a.name.clone(),
        auto_reload: summary.and_then(|s| heygen_tray_core::alerts::explain_reload(s, &a.thresholds, settings.reload_grace())),
        key_warning: key.as_ref().is_some_and(|(_, warn)| *warn),
        key: key.map(|(line, _)| line),
        problem: snap.and_then(|s| s.error.as_ref()).map(|e| format!("Last check failed: {}", e.message)),
        link_note: links.get(&a.name).cloned(),
    }
}
