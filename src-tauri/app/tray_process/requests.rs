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
use heygen_tray_core::view::settings::{account_notes, settings_view, AccountNotes, SettingsScene, SettingsView};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// A chart is 300 px wide: more points than that draw nothing more.
const CHART_POINTS: u32 = 300;

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
            Request::Settings => self.blocking(|t| Ok(to_value(t.settings_view()))).await,
            Request::AccountNotes => Ok(to_value(self.account_notes())),
            Request::TestKey { key, oauth } => {
                let secret = parse_secret(key.expose(), oauth).map_err(|e| CommandError::new(ErrorCode::Invalid, e.to_string()))?;
                drop(key);
                let s = self.service.test(&secret).await.map_err(|e| e.to_string())?;
                Ok(json!({"username": s.username, "billing_type": s.billing_type, "headline": s.headline}))
            }
            Request::SaveAccount { name, key, oauth, low, critical, enabled, is_new } => {
                self.source.may_change_accounts().map_err(|e| CommandError::new(ErrorCode::DemoMode, e))?;
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
                self.source.may_change_accounts().map_err(|e| CommandError::new(ErrorCode::DemoMode, e))?;
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
                self.source.may_change_accounts().map_err(|e| CommandError::new(ErrorCode::DemoMode, e))?;
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
                if self.source.is_demo() {
                    return Err("The demo is already running.".into());
                }
                // Beside this app, with its own tray item and folder: nothing here changes.
                let exe = std::env::current_exe().map_err(|e| e.to_string())?;
                let mut child = std::process::Command::new(exe)
                    .arg("--demo")
                    .stdin(std::process::Stdio::null())
                    .spawn()
                    .map_err(|e| format!("The demo could not start: {e}"))?;
                // Reaped when it quits, so no zombie stays behind for this app's lifetime.
                std::thread::spawn(move || child.wait());
                tracing::info!("the demo starts beside this app");
                Ok(json!("The demo starts beside this app, with its own tray icon and dashboard; quit it from its menu."))
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
        let links = self.monitor.link_notes.lock().unwrap().clone();
        account_notes(&settings, &self.current(), &links, chrono::Utc::now())
    }

    /// Blocking (reads each key's mask from the keyring).
    fn settings_view(&self) -> SettingsView {
        let settings = self.settings.lock().unwrap().clone();
        let snaps = self.current();
        let links = self.monitor.link_notes.lock().unwrap().clone();
        let scene = SettingsScene {
            settings: &settings,
            snaps: &snaps,
            link_notes: &links,
            hook_failures: &self.monitor.hooks.failures(),
            notice: self.monitor.notice.lock().unwrap().clone(),
            demo: self.source.is_demo(),
            heygen_cli_found: heygen_tray_core::heygen_cli::credentials_path().exists(),
            edit: self.edit_next.lock().unwrap().take(),
        };
        settings_view(scene, |a| self.source.key_mask(&self.service.accounts, a), chrono::Utc::now())
    }
}

fn to_value(v: impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}
