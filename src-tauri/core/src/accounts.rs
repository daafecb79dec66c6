//! Account lifecycle over settings and keyring: add (after verification), update in
//! place, remove, thresholds, and loading credentials for polling. No secret is ever
//! written to settings; a key that the keyring cannot take is not saved at all.
//!
//! An account lives in two stores (keyring, settings file) and its history, changed by
//! several processes. Every add, replace, import and remove is one transaction across
//! them, under the settings folder's account lock (then the token lock): the keyring is
//! written first and put back as it was when the settings cannot be written, and a
//! remove deletes the settings entry, the key and the history together or none of them.

use crate::api::oauth::{OAuthTokens, Refresh, TokenKeeper, CLIENT_ID_ENV};
use crate::api::{ApiError, Client, Credential, ErrorKind};
use crate::billing::{summarize, Summary, ThresholdOverride};
use crate::keystore::{Availability, KeyringError, Keystore, StoredSecret};
use crate::poller::AccountConfig;
use crate::settings::{self, Account, AuthKind, SaveError, Settings};
use crate::sign_in::SignIn;
use crate::snapshot::AccountSnapshot;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    InvalidName(String),
    #[error("{0}")]
    Keyring(#[from] KeyringError),
    #[error("{0}")]
    Save(#[from] SaveError),
    #[error("There is no account named \"{0}\"; `heygen-tray accounts list` shows them.")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
}

/// Whether reading keys may ask the user to unlock the keyring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlock {
    /// Read only when the keyring is already unlocked (automatic retries: no prompt).
    Never,
    /// At start or on the user's request: at most one unlock prompt.
    Once,
}

/// Settings plus keyring, and the history database an account's rows are kept in.
#[derive(Debug, Clone)]
pub struct Accounts {
    pub settings: settings::Store,
    pub keystore: Keystore,
    /// `None`: no history to keep in step (tests of the stores alone).
    pub history: Option<std::path::PathBuf>,
}

pub use crate::api::KEY_MISSING;
mod follow_links;
mod source;
pub use follow_links::{Followed, WhoseIs};
pub use source::{AccountSource, DEMO_ACCOUNTS};

/// A keyring error as an account's fetch error.
pub fn keyring_error(e: &KeyringError) -> ApiError {
    let mut error = ApiError::new(ErrorKind::Keyring, e.to_string());
    if matches!(e, KeyringError::NotFound(_) | KeyringError::Corrupt(_)) {
        error.code = Some(KEY_MISSING.into());
    }
    error
}

/// The keyring would not answer (locked, not running): the key itself may be there.
pub fn keyring_refused(e: &ApiError) -> bool {
    e.kind == ErrorKind::Keyring && !e.key_missing()
}

/// The result of an add.
#[derive(Debug, Clone, PartialEq)]
pub struct Added {
    /// The account existed and its key was replaced in place.
    pub updated: bool,
    pub notice: Option<String>,
}

/// Checks a key against `/v3/users/me` and says whose it is.
pub async fn verify(client: &Client, credential: &Credential) -> Result<Summary, ApiError> {
    let me = client.users_me(credential).await?;
    Ok(summarize(&me, chrono::Utc::now()))
}

impl Accounts {
    pub fn open_default() -> Self {
        Accounts {
            settings: settings::Store::default_location(),
            keystore: Keystore::default(),
            history: Some(crate::history::History::default_path()),
        }
    }

    /// Stores in `dir` (the settings and `history.sqlite3`) with `keystore`: the demo's, tests'.
    pub fn at(dir: &std::path::Path, keystore: Keystore) -> Self {
        Accounts { settings: settings::Store::at(dir), keystore, history: Some(dir.join("history.sqlite3")) }
    }

    fn save_error(&self) -> impl Fn(std::io::Error) -> AccountError + '_ {
        |source| AccountError::Save(SaveError { path: self.settings.path(), source })
    }

    /// The history database, open for a change, when there is one. One written by a
    /// newer version is left alone (history is off until an update); any other failure
    /// (busy beyond its wait, a full disk) stops the change before anything changed.
    fn history_for_change(&self) -> Result<Option<crate::history::History>, AccountError> {
        let Some(path) = self.history.as_ref().filter(|p| p.exists()) else { return Ok(None) };
        match crate::history::History::open(path) {
            Ok((h, _)) => Ok(Some(h)),
            Err(e) if e.is_newer() => Ok(None),
            Err(e) => {
                Err(AccountError::Invalid(format!("The account's history could not be changed ({e}); nothing was changed. Try again.")))
            }
        }
    }

    /// The command line's: every keyring call is given up after
    /// `HEYGEN_TRAY_KEYRING_TIMEOUT` seconds (default [`crate::keystore::COMMAND_LINE_WAIT`]),
    /// so an unlock prompt nobody answers (a script, CI) does not hold a command for good.
    pub fn for_command_line() -> Self {
        let wait = std::env::var(crate::keystore::WAIT_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|s| *s > 0)
            .map_or(crate::keystore::COMMAND_LINE_WAIT, std::time::Duration::from_secs);
        Accounts { keystore: Keystore::default().answering_within(wait), ..Accounts::open_default() }
    }

    /// Saves a key (keyring first, then settings), with the HeyGen CLI credentials file
    /// it follows from now on (`link`; `None`, a key given by hand, ends a link). A new
    /// account whose settings cannot be written has its keyring entry removed again.
    pub fn add(
        &self,
        name: &str,
        secret: &StoredSecret,
        verified: Option<&Summary>,
        link: Option<&std::path::Path>,
    ) -> Result<Added, AccountError> {
        settings::validate_name(name).map_err(AccountError::InvalidName)?;
        let auth = match secret {
            StoredSecret::ApiKey(_) => AuthKind::ApiKey,
            StoredSecret::OAuth(_) => AuthKind::Oauth,
        };
        // A keyring that cannot answer stops the add before anything is made on disk
        // (the settings folder, its locks); what it holds counts only under the lock.
        self.keystore.held(name)?;
        let _change = self.settings.accounts_lock().map_err(self.save_error())?;
        // Under the token lock too, so a renewal in flight cannot write old tokens back.
        let _tokens = self.settings.token_lock().map_err(self.save_error())?;
        let before = self.keystore.held(name)?;
        self.keystore.set(name, secret)?;
        let saved = self.settings.update(|s| {
            let updated = s.account(name).is_some();
            if !updated {
                s.accounts.push(Account::new(name, auth));
            }
            let a = s.account_mut(name).expect("just ensured");
            a.auth = auth;
            a.key_changed_at = Some(chrono::Utc::now());
            a.heygen_cli_credentials = link.map(std::path::Path::to_path_buf);
            a.heygen_cli_seen = link.and_then(crate::cli_link::modified);
            a.heygen_cli_hash = link.and_then(crate::cli_link::hash_of);
            a.token_expires_at = match secret {
                StoredSecret::OAuth(t) => t.expires_at,
                StoredSecret::ApiKey(_) => None,
            };
            if let Some(v) = verified {
                a.username = Some(v.username.clone());
                a.billing_type = v.billing_type.clone();
            }
            s.alert_memory.remove(name);
            updated
        });
        match saved {
            Ok((_, updated, notice)) => {
                if !updated {
                    // A new account of an old name starts with no history of its own.
                    self.forget_leftover_history(name);
                }
                Ok(Added { updated, notice })
            }
            Err(e) => Err(self.undo_key(name, before.as_ref(), e)),
        }
    }

    /// Puts the keyring entry back as it was after the settings could not be written,
    /// so "nothing was changed" is true; says so when even that fails.
    fn undo_key(&self, name: &str, before: Option<&crate::keystore::Held>, failed: SaveError) -> AccountError {
        match self.keystore.restore(name, before) {
            Ok(()) => failed.into(),
            Err(e) => AccountError::Invalid(format!(
                "could not save settings to {} ({}), and the keyring entry of \"{name}\" could not be put back as it was ({e})",
                failed.path.display(),
                failed.source
            )),
        }
    }

    fn forget_leftover_history(&self, name: &str) {
        let forgotten = self.history_for_change().and_then(|h| match h {
            Some(h) => h.forget(name).map_err(|e| AccountError::Invalid(e.to_string())),
            None => Ok(()),
        });
        if let Err(e) = forgotten {
            tracing::warn!("rows left in the history under \"{name}\" could not be removed: {e}");
        }
    }

    /// Removes the account: its settings entry, keyring entry and history, together
    /// or not at all. If the keyring refuses, or the settings cannot be written,
    /// nothing changes.
    pub fn remove(&self, name: &str) -> Result<(), AccountError> {
        let _change = self.settings.accounts_lock().map_err(self.save_error())?;
        // Under the token lock, so a renewal in flight cannot write the entry back.
        let _tokens = self.settings.token_lock().map_err(self.save_error())?;
        let settings = self.settings.load().into_usable().map_err(AccountError::Invalid)?;
        if settings.account(name).is_none() {
            return Err(AccountError::NotFound(name.into()));
        }
        let before = self.keystore.held(name)?;
        let history = self.history_for_change()?;
        let forgetting = match &history {
            Some(h) => Some(h.forgetting(name).map_err(|e| {
                AccountError::Invalid(format!("The account's history could not be changed ({e}); nothing was changed. Try again."))
            })?),
            None => None,
        };
        self.keystore.delete(name)?;
        if let Err(e) = self.settings.update_if_usable(|s| {
            s.accounts.retain(|a| a.name != name);
            s.alert_memory.remove(name);
        }) {
            return Err(self.undo_key(name, before.as_ref(), e));
        }
        if let Some(f) = forgetting {
            if let Err(e) = f.commit() {
                tracing::warn!("the history of \"{name}\" could not be removed: {e}");
            }
        }
        Ok(())
    }

    /// Changes an account's thresholds and enabled flag (`None` leaves a value alone).
    /// A file that cannot be used is left as it is (an error), not replaced.
    pub fn configure(
        &self,
        name: &str,
        thresholds: ThresholdOverride,
        reset: bool,
        enabled: Option<bool>,
    ) -> Result<Account, AccountError> {
        let (_, result) = self.settings.update_if_usable(|s| {
            let Some(a) = s.account_mut(name) else {
                return Err(AccountError::NotFound(name.into()));
            };
            let merged = if reset { thresholds } else { a.thresholds.with(&thresholds) };
            merged.validate().map_err(AccountError::Invalid)?;
            a.thresholds = merged;
            if let Some(e) = enabled {
                a.enabled = e;
            }
            Ok(a.clone())
        })?;
        result
    }

    /// Saves tokens renewed earlier that could not be stored then, under the token
    /// lock; an account removed since is left alone (`Ok(false)`).
    pub fn save_tokens(&self, name: &str, tokens: &OAuthTokens) -> Result<bool, AccountError> {
        let _tokens = self.settings.token_lock().map_err(self.save_error())?;
        if self.settings.load().into_usable().map_err(AccountError::Invalid)?.account(name).is_none() {
            return Ok(false);
        }
        self.store_tokens(name, tokens)?;
        Ok(true)
    }

    /// Writes tokens to the keyring (in place), then their expiry to the settings.
    pub(crate) fn store_tokens(&self, name: &str, tokens: &OAuthTokens) -> Result<(), AccountError> {
        self.store_renewed(name, &StoredSecret::OAuth(tokens.clone()))
    }

    /// Writes a renewed key or tokens of the same sign-in to the keyring (in place),
    /// then marks the account renewed (not replaced: its alerts are remembered).
    pub(crate) fn store_renewed(&self, name: &str, secret: &StoredSecret) -> Result<(), AccountError> {
        self.keystore.set(name, secret)?;
        self.settings.update_if_usable(|s| {
            if let Some(a) = s.account_mut(name) {
                if let StoredSecret::OAuth(t) = secret {
                    a.token_expires_at = t.expires_at;
                }
                a.key_renewed_at = Some(chrono::Utc::now());
            }
        })?;
        Ok(())
    }

    /// The enabled accounts with their credentials; an account whose key cannot be read
    /// comes back as an error to show in its place. `unlock` says whether reading may
    /// ask the user to unlock the keyring: never more than one prompt, since reading
    /// stops at the first account the keyring refuses (the others get the same answer).
    pub fn load_configs(&self, settings: &Settings, unlock: Unlock) -> Vec<Result<AccountConfig, (String, ApiError)>> {
        let client_id = settings.oauth_client_id.clone().or_else(|| std::env::var(CLIENT_ID_ENV).ok()).filter(|c| !c.trim().is_empty());
        let mut refused: Option<KeyringError> = match unlock {
            Unlock::Never => match crate::keystore::availability() {
                Availability::Unlocked => {
                    crate::keystore::reconnect();
                    None
                }
                Availability::Locked => Some(KeyringError::Locked("waiting for the keyring to be unlocked".into())),
                Availability::Missing => Some(KeyringError::Unavailable("no Secret Service on the session bus yet".into())),
            },
            Unlock::Once => {
                crate::keystore::reconnect();
                None
            }
        };
        let mut out = Vec::new();
        for a in settings.accounts.iter().filter(|a| a.enabled) {
            if let Some(e) = &refused {
                out.push(Err((a.name.clone(), keyring_error(e))));
                continue;
            }
            match self.keystore.get(&a.name, a.auth) {
                Ok(secret) => {
                    let refresh = match (&secret, &client_id) {
                        (StoredSecret::OAuth(t), Some(id)) => t.refresh_token.as_ref().map(|r| Refresh {
                            account: a.name.clone(),
                            client_id: id.clone(),
                            refresh_token: r.clone(),
                            expires_at: t.expires_at,
                        }),
                        _ => None,
                    };
                    let sign_in = match &secret {
                        StoredSecret::OAuth(t) => {
                            let linked = a.heygen_cli_credentials.clone();
                            Some(SignIn { expires_at: t.expires_at, renewable: refresh.is_some(), linked, username: a.username.clone() })
                        }
                        StoredSecret::ApiKey(_) => None,
                    };
                    out.push(Ok(AccountConfig {
                        name: a.name.clone(),
                        credential: secret.credential(),
                        thresholds: a.thresholds,
                        refresh,
                        sign_in,
                    }))
                }
                Err(e) => {
                    tracing::debug!("the key of {} could not be read: {e}", a.name);
                    if matches!(e, KeyringError::Locked(_) | KeyringError::Unavailable(_)) {
                        refused = Some(e.clone());
                    }
                    out.push(Err((a.name.clone(), keyring_error(&e))));
                }
            }
        }
        out
    }

    /// [`Accounts::load_configs`] split into what can be polled and, for accounts whose
    /// key cannot be read, snapshots that already hold the error.
    pub fn load_for_polling(&self, settings: &Settings, unlock: Unlock) -> (Vec<AccountConfig>, Vec<AccountSnapshot>) {
        let mut ok = Vec::new();
        let mut problems = Vec::new();
        for r in self.load_configs(settings, unlock) {
            match r {
                Ok(c) => ok.push(c),
                Err((name, e)) => {
                    let thresholds = settings.account(&name).map(|a| a.thresholds).unwrap_or_default();
                    let mut snap = AccountSnapshot::new(name, thresholds);
                    snap.record(Err(e), chrono::Utc::now());
                    problems.push(snap);
                }
            }
        }
        (ok, problems)
    }
}

/// Renewals of OAuth tokens go through the user's settings folder (a lock file) and
/// keyring, shared by the tray, its windows and the CLI.
impl TokenKeeper for Accounts {
    fn lock(&self) -> Result<Box<dyn Send>, ApiError> {
        let guard = self.settings.token_lock().map_err(|e| {
            ApiError::new(ErrorKind::Keyring, format!("the token lock in {} could not be taken ({e})", self.settings.path().display()))
        })?;
        Ok(Box::new(guard))
    }

    fn stored(&self, account: &str) -> Result<Option<OAuthTokens>, ApiError> {
        let settings = self.settings.load().into_usable().map_err(|e| ApiError::new(ErrorKind::Keyring, e))?;
        if settings.account(account).is_none() {
            return Ok(None);
        }
        match self.keystore.get(account, AuthKind::Oauth) {
            Ok(StoredSecret::OAuth(t)) => Ok(Some(t)),
            Ok(StoredSecret::ApiKey(_)) => Ok(None),
            Err(e) => Err(keyring_error(&e)),
        }
    }

    fn store(&self, account: &str, tokens: &OAuthTokens) -> Result<(), ApiError> {
        self.store_tokens(account, tokens).map_err(|e| ApiError::new(ErrorKind::Keyring, e.to_string()))
    }
}

#[cfg(test)]
mod tests;
