//! Keeping the poller in step with the settings file. What the poller was last told
//! (accounts, the OAuth client, the polling) is kept apart from the file's copy, and
//! every reconcile compares the file as it is now with that: a change made by another
//! process (the CLI, a window) is always noticed, however it was written.

use super::TrayProcess;
use heygen_tray_core::accounts::Unlock;
use heygen_tray_core::poller::Command;
use heygen_tray_core::settings::{Account, Polling, Settings};
use heygen_tray_core::snapshot::AccountSnapshot;

/// What the poller was last told.
#[derive(Debug, Default)]
pub struct Told {
    accounts: Option<(Vec<Account>, Option<String>)>,
    polling: Option<Polling>,
    /// The newest `settings.json.bad-…` seen, so one set aside since is told.
    set_aside: Option<std::path::PathBuf>,
    /// The notice said while the file could not be used, taken back once it can.
    unusable: Option<String>,
}

impl TrayProcess {
    /// Reads the settings file and tells the poller what changed since it was last
    /// told: the polling, and (or with `force`) the accounts with their keys. `unlock`
    /// says whether reading keys may show an unlock prompt (at start and on the user's
    /// request) or must not (automatic reloads). An account the poller already polls
    /// whose key cannot be read now (a keyring locked since) keeps its key in memory
    /// and its figures on screen. A file that cannot be used (an editor halfway through
    /// a save, a damaged file) changes nothing: what the poller was told stays, and the
    /// notice says why. Serialised, so the latest file always wins.
    /// Blocking (keyring): call from a blocking thread.
    pub fn reconcile(&self, force: bool, unlock: Unlock) {
        let mut told = self.told.lock().unwrap();
        let store = &self.service.accounts.settings;
        let loaded = store.load();
        if !loaded.usable {
            told.unusable = loaded.notice.clone();
            *self.monitor.notice.lock().unwrap() = loaded.notice;
            drop(told);
            self.signals.redraw.notify_one();
            return;
        }
        let aside = store.newest_set_aside();
        if aside.is_some() && aside != told.set_aside {
            // Set aside by another process (a command, a window): said here too.
            if told.set_aside.is_some() || told.accounts.is_some() {
                let path = aside.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
                *self.monitor.notice.lock().unwrap() = Some(format!(
                    "The settings file {} could not be used and was kept as {path}; default settings are in use and accounts need to be added again (their keys are still in the keyring).",
                    store.path().display()
                ));
            }
            told.set_aside = aside;
        } else if let Some(n) = loaded.notice {
            *self.monitor.notice.lock().unwrap() = Some(n);
        } else if let Some(said) = told.unusable.take() {
            // The file is usable again: the notice that said it was not goes.
            let mut notice = self.monitor.notice.lock().unwrap();
            if notice.as_ref() == Some(&said) {
                *notice = None;
            }
        }
        let settings = loaded.settings;
        *self.settings.lock().unwrap() = settings.clone();
        // The app's own handle on this process (set once the event loop runs).
        if let Some(me) = self.app().map(|a| tauri::Manager::state::<std::sync::Arc<TrayProcess>>(a).inner().clone()) {
            super::tasks::local_api(&me, settings.local_api.clone());
        }
        let polling = settings.polling();
        if told.polling != Some(polling) && self.source.follows_settings_polling() {
            let _ = self.commands.send(polling.into());
        }
        told.polling = Some(polling);
        let accounts = (settings.accounts.clone(), settings.oauth_client_id.clone());
        if force || told.accounts.as_ref() != Some(&accounts) {
            if let Some((before, _)) = &told.accounts {
                self.monitor.alerts.forget_replaced(before, &settings.accounts);
            }
            self.tell_accounts(&settings, unlock);
            told.accounts = Some(accounts);
            self.signals.accounts_changed.notify_one();
        }
        drop(told);
        self.signals.redraw.notify_one();
    }

    fn tell_accounts(&self, settings: &Settings, unlock: Unlock) {
        let (ok, problems) = self.source.load_for_polling(&self.service.accounts, settings, unlock);
        let polled: Vec<String> = self.snapshots.borrow().iter().map(|s| s.name.clone()).collect();
        // Locked or not running: the key a running poller has is kept. A key the
        // keyring no longer has (removed) is never polled again.
        let (kept, problems): (Vec<AccountSnapshot>, Vec<AccountSnapshot>) =
            problems.into_iter().partition(|p| is_keyring_refusal(p) && polled.contains(&p.name));
        let keep: Vec<_> = kept.into_iter().map(|p| (p.name, p.thresholds)).collect();
        let trouble = problems.iter().any(is_keyring_refusal);
        tracing::debug!("poller told: {} accounts, {} kept polling, {} unreadable", ok.len(), keep.len(), problems.len());
        *self.problems.lock().unwrap() = problems;
        let _ = self.commands.send(Command::SetAccountsKeeping(ok, keep));
        if trouble {
            self.signals.keyring_trouble.notify_one();
        }
    }

    /// Accounts whose key the keyring would not give (locked, or not running yet).
    pub fn keyring_trouble(&self) -> bool {
        self.problems.lock().unwrap().iter().any(is_keyring_refusal)
    }
}

fn is_keyring_refusal(p: &AccountSnapshot) -> bool {
    p.error.as_ref().is_some_and(heygen_tray_core::accounts::keyring_refused)
}
