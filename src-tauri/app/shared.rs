//! State shared by the tray, the windows and the background tasks: the poller's
//! command channel and published snapshots, settings, and accounts that cannot be
//! polled because their key is unreadable.

use heygen_tray_core::accounts::{Accounts, Unlock};
use heygen_tray_core::api::ErrorKind;
use heygen_tray_core::api::Client;
use heygen_tray_core::poller::{AccountConfig, Command};
use heygen_tray_core::settings::Settings;
use heygen_tray_core::history::History;
use heygen_tray_core::snapshot::AccountSnapshot;
use heygen_tray_core::view::{cards, Card, Forecasts};
use serde::Serialize;
use super::window_host::{Hosts, Remote};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, watch, Notify};

pub struct Shared {
    pub accounts: Accounts,
    pub client: Client,
    pub commands: mpsc::UnboundedSender<Command>,
    pub snapshots: watch::Receiver<Arc<Vec<AccountSnapshot>>>,
    /// Accounts whose key could not be read, shown with the keyring error.
    pub problems: Mutex<Vec<AccountSnapshot>>,
    /// The settings as last read (alert memory, pause, preferences).
    pub settings: Mutex<Settings>,
    /// A problem with the settings file to show in Settings.
    pub notice: Mutex<Option<String>>,
    /// Demo mode: simulated accounts instead of the keyring.
    pub demo: Option<Vec<AccountConfig>>,
    /// Set when the views must be redrawn without new snapshots.
    pub redraw: Notify,
    /// Set when an account's key could not be read from the keyring (see `keyring_watch`).
    pub keyring_trouble: Notify,
    /// The history database; `None` when it could not be opened (the app works on).
    pub history: Mutex<Option<History>>,
    /// The latest forecasts, derived from history on each redraw.
    pub forecasts: Mutex<Forecasts>,
    /// Window processes started by this (tray) process.
    pub hosts: Hosts,
    /// In a window process: the link to the tray process.
    pub remote: Option<Arc<Remote>>,
    /// Show windows in this process (demo mode, `--open`) instead of window processes.
    pub windows_in_process: bool,
}

impl Shared {
    /// State with nothing polled, loaded or derived yet.
    pub fn new(
        accounts: Accounts,
        client: Client,
        commands: mpsc::UnboundedSender<Command>,
        snapshots: watch::Receiver<Arc<Vec<AccountSnapshot>>>,
        notice: Option<String>,
    ) -> Shared {
        Shared {
            accounts,
            client,
            commands,
            snapshots,
            problems: Mutex::new(Vec::new()),
            settings: Mutex::new(Default::default()),
            notice: Mutex::new(notice),
            demo: None,
            redraw: Notify::new(),
            keyring_trouble: Notify::new(),
            history: Mutex::new(None),
            forecasts: Mutex::new(Default::default()),
            hosts: Default::default(),
            remote: None,
            windows_in_process: false,
        }
    }

    /// Poller snapshots and problem accounts, in the order of the settings.
    pub fn current(&self) -> Vec<AccountSnapshot> {
        let mut all: Vec<AccountSnapshot> = self.snapshots.borrow().iter().cloned().collect();
        all.extend(self.problems.lock().unwrap().iter().cloned());
        let order: Vec<String> = self.settings.lock().unwrap().accounts.iter().map(|a| a.name.clone()).collect();
        all.sort_by_key(|s| order.iter().position(|n| *n == s.name).unwrap_or(usize::MAX));
        all
    }

    /// Re-reads the settings and, when accounts changed (or `force`), their keys; tells
    /// the poller. `unlock` says whether reading keys may show an unlock prompt (at
    /// start and on the user's request) or must not (automatic reloads). An account
    /// the poller already polls whose key cannot be read now (a keyring locked since)
    /// keeps its key in memory and its figures on screen.
    /// Blocking (keyring): call from a blocking thread.
    pub fn reload(&self, force: bool, unlock: Unlock) {
        let loaded = self.accounts.settings.load();
        if self.remote.is_some() {
            // A window process polls nothing: the tray process reloads on its own.
            *self.settings.lock().unwrap() = loaded.settings;
            return;
        }
        if loaded.notice.is_some() {
            *self.notice.lock().unwrap() = loaded.notice.clone();
        }
        let previous = std::mem::replace(&mut *self.settings.lock().unwrap(), loaded.settings.clone());
        let accounts_changed = force || previous.accounts != loaded.settings.accounts || previous.oauth_client_id != loaded.settings.oauth_client_id;
        let polling_changed = previous.poll_interval_secs != loaded.settings.poll_interval_secs || previous.poll_automatic != loaded.settings.poll_automatic;
        if polling_changed && self.demo.is_none() {
            let _ = self.commands.send(loaded.settings.polling());
        }
        if accounts_changed {
            let (ok, problems) = match &self.demo {
                Some(configs) => (configs.clone(), Vec::new()),
                None => self.accounts.load_for_polling(&loaded.settings, unlock),
            };
            let polled: Vec<String> = self.snapshots.borrow().iter().map(|s| s.name.clone()).collect();
            let (kept, problems): (Vec<AccountSnapshot>, Vec<AccountSnapshot>) = problems
                .into_iter()
                .partition(|p| p.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Keyring) && polled.contains(&p.name));
            let keep = kept.into_iter().map(|p| (p.name, p.thresholds)).collect();
            let trouble = problems.iter().any(|p| p.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Keyring));
            *self.problems.lock().unwrap() = problems;
            let _ = self.commands.send(Command::SetAccountsKeeping(ok, keep));
            if trouble {
                self.keyring_trouble.notify_one();
            }
        }
        self.redraw.notify_one();
    }

    /// Accounts whose key the keyring would not give (locked, or not running yet).
    pub fn keyring_trouble(&self) -> bool {
        self.problems.lock().unwrap().iter().any(|p| p.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Keyring))
    }

    /// Changes the settings on disk (under the lock) and in memory. Blocking.
    pub fn update_settings<T>(&self, change: impl FnOnce(&mut Settings) -> T) -> Result<T, String> {
        let (settings, out, notice) = self.accounts.settings.update(change).map_err(|e| e.to_string())?;
        if notice.is_some() {
            *self.notice.lock().unwrap() = notice;
        }
        *self.settings.lock().unwrap() = settings;
        self.redraw.notify_one();
        Ok(out)
    }

    /// The dashboard's payload for these cards: cards plus pause and preferences.
    pub fn dashboard_payload(&self, accounts: Vec<Card>) -> DashboardPayload {
        let s = self.settings.lock().unwrap();
        DashboardPayload {
            accounts,
            paused_until: s.alerts_paused_until.filter(|t| *t > chrono::Utc::now()),
            notifications: s.notifications,
            demo: self.demo.is_some(),
        }
    }

    /// The dashboard's state as the page receives it.
    pub fn current_state(&self) -> serde_json::Value {
        if let Some(remote) = &self.remote {
            return remote.latest();
        }
        let forecasts = self.forecasts.lock().unwrap().clone();
        let payload = self.dashboard_payload(cards(&self.current(), &forecasts, chrono::Utc::now()));
        serde_json::to_value(payload).unwrap_or_default()
    }
}

/// What the dashboard page receives.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardPayload {
    pub accounts: Vec<Card>,
    pub paused_until: Option<chrono::DateTime<chrono::Utc>>,
    pub notifications: bool,
    pub demo: bool,
}
