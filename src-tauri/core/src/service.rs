//! What the Settings page and the command line both do, implemented once: test a
//! key, add an account or replace its key (checked with HeyGen first), change its
//! thresholds, remove it, import the HeyGen CLI's credentials, and save the
//! preferences. The Tauri commands and the CLI subcommands only parse their input and
//! word the outcome. Keyring and file work runs on a blocking thread.

use crate::accounts::{verify, AccountError, Accounts};
use crate::api::oauth::OAuthTokens;
use crate::api::{ApiError, Client};
use crate::billing::{Summary, ThresholdOverride};
use crate::keystore::StoredSecret;
use crate::secret::Secret;
use crate::settings::{self, Account, Settings, TrayDisplay, MAX_INTERVAL, MIN_INTERVAL};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input cannot be used as given (a name, key, threshold or interval).
    #[error("{0}")]
    Input(String),
    /// HeyGen did not accept the key, or could not be asked; nothing was saved.
    #[error("{0}")]
    NotVerified(ApiError),
    #[error("{0}")]
    Account(#[from] AccountError),
    /// The HeyGen CLI's credentials could not be read.
    #[error("{0}")]
    Import(String),
}

type Result<T> = std::result::Result<T, ServiceError>;

/// Saving an account, as the Settings editor and `accounts add` ask for it.
#[derive(Debug)]
pub struct SaveAccount {
    pub name: String,
    /// A new key or token; `None` keeps the stored one (an existing account only).
    pub secret: Option<StoredSecret>,
    /// Thresholds that replace the account's; `None` leaves them.
    pub thresholds: Option<ThresholdOverride>,
    pub enabled: Option<bool>,
    /// Check the key with HeyGen before anything is stored.
    pub verify: bool,
    /// Refuse when an account of this name exists (the "Add account" form).
    pub only_new: bool,
    /// The HeyGen CLI credentials file the new key came from and is followed from now
    /// on (an import); `None` with a new key ends a link.
    pub link: Option<std::path::PathBuf>,
}

impl SaveAccount {
    /// A new key for `name`, checked with HeyGen unless `verify` is false.
    pub fn key(name: &str, secret: StoredSecret, verify: bool) -> SaveAccount {
        SaveAccount { name: name.to_string(), secret: Some(secret), thresholds: None, enabled: None, verify, only_new: false, link: None }
    }
}

/// What a save did.
#[derive(Debug, Clone)]
pub struct Saved {
    pub name: String,
    /// Whose key it is, when it was checked.
    pub verified: Option<Summary>,
    /// An existing account's key was replaced (in place in the keyring).
    pub updated: bool,
    /// `…a1b2` of the stored key, when one was stored.
    pub mask: Option<String>,
    /// A problem with the settings file met on the way (it was set aside).
    pub notice: Option<String>,
}

impl Saved {
    /// `Saved "work": jane — $42.50`, the Settings page's words.
    pub fn message(&self, verb: &str) -> String {
        match &self.verified {
            Some(v) => format!("{verb} \"{}\": {} — {}", self.name, v.username, v.headline),
            None => format!("{verb} \"{}\".", self.name),
        }
    }
}

/// The Preferences form, as the page sends it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    #[serde(default)]
    pub poll_automatic: Option<bool>,
    pub poll_interval_minutes: u64,
    pub notifications: bool,
    pub start_at_login: bool,
    pub forecast_alerts: bool,
    pub forecast_alert_days: f64,
    #[serde(default)]
    pub tray_display: Option<TrayDisplay>,
    #[serde(default)]
    pub tray_account: Option<String>,
    /// The runaway-spend alert; `None` (an older page) keeps what the file says.
    #[serde(default)]
    pub spike_alerts: Option<bool>,
    /// The engine dollar balances are counted in; `None` keeps the file's.
    #[serde(default)]
    pub video_engine: Option<String>,
    /// The reset reminder and how many days before a reset it comes; `None` keeps the file's.
    #[serde(default)]
    pub reset_reminder: Option<bool>,
    #[serde(default)]
    pub reset_reminder_days: Option<f64>,
    /// The local HTTP API on or off (on: the settings file's address, else
    /// [`crate::local_api::DEFAULT_ADDR`]); `None` keeps the file's.
    #[serde(default)]
    pub local_api: Option<bool>,
}

impl Preferences {
    /// The ranges a user may choose from; words for the first one not kept.
    pub fn validate(&self) -> Result<()> {
        let minutes = |d: std::time::Duration| d.as_secs() / 60;
        if !(minutes(MIN_INTERVAL)..=minutes(MAX_INTERVAL)).contains(&self.poll_interval_minutes) {
            return Err(ServiceError::Input(format!(
                "The refresh interval must be between 1 minute and 24 hours ({} minutes).",
                minutes(MAX_INTERVAL)
            )));
        }
        if !(0.5..=365.0).contains(&self.forecast_alert_days) {
            return Err(ServiceError::Input("The forecast warning must be between half a day and 365 days.".into()));
        }
        if self.reset_reminder_days.is_some_and(|d| !(0.5..=60.0).contains(&d)) {
            return Err(ServiceError::Input("The reset reminder must come between half a day and 60 days before a reset.".into()));
        }
        Ok(())
    }

    fn apply(&self, s: &mut Settings) {
        s.poll_interval_secs = self.poll_interval_minutes * 60;
        if let Some(automatic) = self.poll_automatic {
            s.poll_automatic = automatic;
        }
        s.notifications = self.notifications;
        s.start_at_login = self.start_at_login;
        s.forecast_alerts = self.forecast_alerts;
        s.forecast_alert_days = self.forecast_alert_days;
        if let Some(d) = self.tray_display {
            s.tray_display = d;
        }
        if let Some(on) = self.spike_alerts {
            s.spike_alerts = on;
        }
        if let Some(on) = self.reset_reminder {
            s.reset_reminder = on;
        }
        if let Some(days) = self.reset_reminder_days {
            s.reset_reminder_days = days;
        }
        match self.local_api {
            Some(true) if s.local_api.is_none() => s.local_api = Some(crate::local_api::DEFAULT_ADDR.to_string()),
            Some(false) => s.local_api = None,
            _ => {}
        }
        // An engine the price table knows (with the file's overrides); the default is not written.
        if let Some(engine) = &self.video_engine {
            let known = crate::pricing::Prices::with(&s.prices, engine).engine == *engine;
            if known {
                s.video_engine = Some(engine.clone()).filter(|e| e != crate::pricing::DEFAULT_ENGINE);
            }
        }
        // A pinned account must exist; otherwise the tray shows the worst one.
        s.tray_account = self.tray_account.clone().filter(|a| s.account(a).is_some());
    }
}

/// A key or token as pasted or piped in: one word, or (OAuth) the HeyGen CLI's JSON
/// token block (`{"access_token", "refresh_token", "expires_at"}`, bare or under `oauth`).
pub fn parse_secret(text: &str, oauth: bool) -> Result<StoredSecret> {
    let what = if oauth { "OAuth access token" } else { "API key" };
    let text = text.trim();
    if text.is_empty() {
        return Err(ServiceError::Input(format!("Enter the {what} first.")));
    }
    if oauth && text.starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|_| ServiceError::Input("The OAuth input looks like JSON but is not valid.".into()))?;
        let block = if v.get("oauth").is_some() { &v["oauth"] } else { &v };
        let tokens =
            crate::heygen_cli::oauth_tokens(block).ok_or_else(|| ServiceError::Input("The OAuth JSON has no access_token.".into()))?;
        return Ok(StoredSecret::OAuth(tokens));
    }
    if text.contains(char::is_whitespace) {
        return Err(ServiceError::Input(format!("The {what} contains spaces or line breaks; paste exactly one key.")));
    }
    let secret = Secret::new(text);
    Ok(if oauth {
        StoredSecret::OAuth(OAuthTokens { access_token: secret, refresh_token: None, expires_at: None })
    } else {
        StoredSecret::ApiKey(secret)
    })
}

/// The accounts (settings and keyring) and the client that checks keys.
#[derive(Clone)]
pub struct Service {
    pub accounts: Accounts,
    pub client: Client,
}

impl Service {
    pub fn new(accounts: Accounts, client: Client) -> Service {
        Service { accounts, client }
    }

    /// Checks a key with HeyGen without saving it.
    pub async fn test(&self, secret: &StoredSecret) -> Result<Summary> {
        verify(&self.client, &secret.credential()).await.map_err(ServiceError::NotVerified)
    }

    /// Adds an account or changes one. A new key is checked first (unless told not
    /// to), then stored in the keyring (in place for an existing account); a key
    /// HeyGen rejects is not stored. Without a key only thresholds and enabled change.
    pub async fn save(&self, request: SaveAccount) -> Result<Saved> {
        let SaveAccount { name, secret, thresholds, enabled, verify, only_new, link } = request;
        settings::validate_name(&name).map_err(ServiceError::Input)?;
        if let Some(t) = &thresholds {
            t.validate().map_err(|e| ServiceError::Input(format!("Check the thresholds: {e}.")))?;
        }
        let accounts = self.accounts.clone();
        let lookup = name.clone();
        let exists = self.blocking(move || Ok(accounts.settings.load().settings.account(&lookup).is_some())).await?;
        if only_new && exists {
            return Err(ServiceError::Input(format!("An account named \"{name}\" already exists; edit it instead.")));
        }
        if secret.is_none() && !exists {
            return Err(match only_new {
                true => ServiceError::Input("Enter the account's API key.".into()),
                false => AccountError::NotFound(name).into(),
            });
        }
        let verified = match (&secret, verify) {
            (Some(s), true) => Some(self.test(s).await?),
            _ => None,
        };
        let accounts = self.accounts.clone();
        self.blocking(move || {
            let (mut updated, mut notice, mut mask) = (exists, None, None);
            if let Some(secret) = &secret {
                let added = accounts.add(&name, secret, verified.as_ref(), link.as_deref())?;
                (updated, notice, mask) = (added.updated, added.notice, Some(secret.mask()));
            }
            if thresholds.is_some() || enabled.is_some() {
                accounts.configure(&name, thresholds.unwrap_or_default(), thresholds.is_some(), enabled)?;
            }
            Ok(Saved { name, verified, updated, mask, notice })
        })
        .await
    }

    /// Changes an account's thresholds (merged, or from the defaults with `reset`) and
    /// whether it is watched. Blocking.
    pub fn configure(&self, name: &str, thresholds: ThresholdOverride, reset: bool, enabled: Option<bool>) -> Result<Account> {
        thresholds.validate().map_err(ServiceError::Input)?;
        Ok(self.accounts.configure(name, thresholds, reset, enabled)?)
    }

    /// Removes an account and its keyring entry. Blocking.
    pub fn remove(&self, name: &str) -> Result<()> {
        Ok(self.accounts.remove(name)?)
    }

    /// Imports the HeyGen CLI's key or tokens as account `name`, linked to the file
    /// (see `cli_link`) unless `link` is false; also says whose credentials the file
    /// named, when it does.
    pub async fn import_heygen_cli(&self, name: &str, verify: bool, link: bool) -> Result<(Saved, Option<String>)> {
        self.import_from(&crate::heygen_cli::credentials_path(), name, verify, link).await
    }

    async fn import_from(&self, path: &Path, name: &str, verify: bool, link: bool) -> Result<(Saved, Option<String>)> {
        settings::validate_name(name).map_err(ServiceError::Input)?;
        // The link names the file wherever the import was run from.
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let file = path.clone();
        let imported = self.blocking(move || crate::heygen_cli::read_from(&file).map_err(ServiceError::Import)).await?;
        let request = SaveAccount { link: link.then_some(path), ..SaveAccount::key(name, imported.secret, verify) };
        let saved = self.save(request).await?;
        Ok((saved, imported.user))
    }

    /// Saves the preferences after checking them; `start_at_login` is applied by the
    /// caller's platform code (`set_autostart`) first, so a failure there changes nothing.
    /// Returns the settings as written. Blocking.
    pub fn save_preferences(
        &self,
        prefs: &Preferences,
        set_autostart: impl FnOnce(bool) -> std::result::Result<(), String>,
    ) -> Result<Settings> {
        prefs.validate()?;
        set_autostart(prefs.start_at_login).map_err(ServiceError::Input)?;
        let (settings, (), _) = self.accounts.settings.update(|s| prefs.apply(s)).map_err(AccountError::from)?;
        Ok(settings)
    }

    async fn blocking<T: Send + 'static>(&self, f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
        tokio::task::spawn_blocking(f).await.map_err(|e| ServiceError::Input(format!("interrupted: {e}")))?
    }
}

#[cfg(test)]
mod tests;
