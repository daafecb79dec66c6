//! Where the monitored accounts come from: the user's (the settings file and the
//! keyring) or the demo's simulated set. Everything that differs between the two
//! (what is polled, how a key shows, whether accounts may change, whose polling
//! applies, whether HeyGen CLI's file is followed) is answered here, once.

use super::{Accounts, Unlock};
use crate::api::Credential;
use crate::poller::AccountConfig;
use crate::settings::{Account, AuthKind, Settings};
use crate::snapshot::AccountSnapshot;

/// Said when a change to the accounts is asked of the demo.
pub const DEMO_ACCOUNTS: &str = "Demo mode uses simulated accounts; start the app without --demo to add your own.";

#[derive(Debug, Clone)]
pub enum AccountSource {
    /// The accounts in the settings file, their keys in the keyring.
    User,
    /// Simulated accounts with simulated keys, polled every few seconds.
    Demo(Vec<AccountConfig>),
}

impl AccountSource {
    /// The demo's accounts, also written to `accounts`' settings file so they appear
    /// in Settings like real ones.
    pub fn demo(configs: Vec<AccountConfig>, accounts: &Accounts) -> Self {
        let listed: Vec<Account> = configs
            .iter()
            .map(|c| {
                let auth = if matches!(c.credential, Credential::OAuth(_)) { AuthKind::Oauth } else { AuthKind::ApiKey };
                Account::new(c.name.clone(), auth)
            })
            .collect();
        if let Err(e) = accounts.settings.update(|s| s.accounts = listed) {
            tracing::warn!("the demo's accounts could not be listed in its settings: {e}");
        }
        AccountSource::Demo(configs)
    }

    pub fn is_demo(&self) -> bool {
        matches!(self, AccountSource::Demo(_))
    }

    /// What can be polled, and snapshots holding the error of accounts whose key
    /// cannot be read. Blocking for the user's (keyring).
    pub fn load_for_polling(&self, accounts: &Accounts, settings: &Settings, unlock: Unlock) -> (Vec<AccountConfig>, Vec<AccountSnapshot>) {
        match self {
            AccountSource::User => accounts.load_for_polling(settings, unlock),
            AccountSource::Demo(configs) => (configs.clone(), Vec::new()),
        }
    }

    /// An account's key as Settings shows it (`…a1b2`), or why it cannot be read.
    /// Blocking for the user's (keyring).
    pub fn key_mask(&self, accounts: &Accounts, account: &Account) -> Result<String, String> {
        match self {
            AccountSource::User => accounts.keystore.get(&account.name, account.auth).map(|s| s.mask()).map_err(|e| e.to_string()),
            AccountSource::Demo(_) => Ok("…demo".into()),
        }
    }

    /// Whether accounts may be added, removed or imported; the reason when not.
    pub fn may_change_accounts(&self) -> Result<(), &'static str> {
        match self {
            AccountSource::User => Ok(()),
            AccountSource::Demo(_) => Err(DEMO_ACCOUNTS),
        }
    }

    /// Whether the settings file's polling applies (the demo keeps its own pace).
    pub fn follows_settings_polling(&self) -> bool {
        !self.is_demo()
    }

    /// Whether accounts linked to HeyGen CLI's credentials file follow it (the demo's
    /// linked account only shows what a linked account looks like).
    pub fn follows_heygen_cli(&self) -> bool {
        !self.is_demo()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keystore::Keystore;
    use crate::secret::Secret;

    #[test]
    fn the_demo_lists_its_accounts_and_keeps_its_own_keys_and_pace() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::at(dir.path(), Keystore::default());
        let configs = vec![
            AccountConfig::new("Demo wallet", Credential::ApiKey(Secret::new("sim"))),
            AccountConfig::new("Demo plan", Credential::OAuth(Secret::new("sim"))),
        ];
        let source = AccountSource::demo(configs, &accounts);
        let settings = accounts.settings.load().settings;
        let listed: Vec<(&str, AuthKind)> = settings.accounts.iter().map(|a| (a.name.as_str(), a.auth)).collect();
        assert_eq!(listed, [("Demo wallet", AuthKind::ApiKey), ("Demo plan", AuthKind::Oauth)]);
        let (polled, problems) = source.load_for_polling(&accounts, &settings, Unlock::Never);
        assert_eq!((polled.len(), problems.len()), (2, 0));
        assert_eq!(source.key_mask(&accounts, &settings.accounts[0]).as_deref(), Ok("…demo"));
        assert_eq!(source.may_change_accounts(), Err(DEMO_ACCOUNTS));
        assert!(!source.follows_settings_polling() && !source.follows_heygen_cli());
        assert!(AccountSource::User.may_change_accounts().is_ok() && AccountSource::User.follows_settings_polling());
    }
}
