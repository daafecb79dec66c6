//! Where `heygen-tray watch` finds keys on a machine with or without a desktop: the
//! Secret Service when it is there and unlocked, else systemd credentials
//! (`$CREDENTIALS_DIRECTORY/<account>`, as `LoadCredential=` provides them), else
//! `HEYGEN_API_KEY` for account `env`. Never the settings file; a key is never printed.

use crate::accounts::{Accounts, Unlock};
use crate::api::{ApiError, Credential, ErrorKind};
use crate::keystore::{availability, Availability};
use crate::poller::AccountConfig;
use crate::secret::Secret;
use crate::settings::Settings;
use crate::snapshot::AccountSnapshot;
use std::path::{Path, PathBuf};

/// The variable systemd sets for a unit with `LoadCredential=`.
pub const CREDENTIALS_ENV: &str = "CREDENTIALS_DIRECTORY";
/// The key of account `env` when nothing else gives one.
pub const KEY_ENV: &str = "HEYGEN_API_KEY";
/// Longest credential file read.
const MAX_KEY_FILE: u64 = 16 * 1024;

/// Where the keys came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Keyring,
    Credentials(PathBuf),
    Env,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Keyring => write!(f, "the keyring"),
            KeySource::Credentials(dir) => write!(f, "systemd credentials in {}", dir.display()),
            KeySource::Env => write!(f, "{KEY_ENV}"),
        }
    }
}

/// The accounts to poll, those whose key could not be read (as snapshots holding the
/// error), and where the keys came from.
#[derive(Debug)]
pub struct Keys {
    pub configs: Vec<AccountConfig>,
    pub problems: Vec<AccountSnapshot>,
    pub source: KeySource,
}

/// The keys of the enabled accounts of `settings`, from the first source that has
/// them; an error (what to do) when no source gives any account.
/// Blocking (keyring).
pub fn load(accounts: &Accounts, settings: &Settings) -> Result<Keys, String> {
    let listed = settings.accounts.iter().any(|a| a.enabled);
    if listed && availability() == Availability::Unlocked {
        let (configs, problems) = accounts.load_for_polling(settings, Unlock::Never);
        return Ok(Keys { configs, problems, source: KeySource::Keyring });
    }
    if let Some(dir) = std::env::var_os(CREDENTIALS_ENV).filter(|d| !d.is_empty()).map(PathBuf::from) {
        return from_credentials(&dir, settings);
    }
    if let Some(key) = std::env::var(KEY_ENV).ok().filter(|k| !k.trim().is_empty()) {
        let thresholds = settings.account("env").map(|a| a.thresholds).unwrap_or_default();
        let mut config = AccountConfig::new("env", Credential::ApiKey(Secret::new(key.trim())));
        config.thresholds = thresholds;
        return Ok(Keys { configs: vec![config], problems: Vec::new(), source: KeySource::Env });
    }
    if listed {
        // A keyring that is locked or missing: the accounts show why.
        let (configs, problems) = accounts.load_for_polling(settings, Unlock::Never);
        return Ok(Keys { configs, problems, source: KeySource::Keyring });
    }
    Err(format!(
        "no account to watch: add one with `heygen-tray accounts add NAME` (keyring), give keys as systemd credentials (${CREDENTIALS_ENV}/NAME), or set {KEY_ENV}"
    ))
}

/// One account per enabled account of the settings (its file in `dir`), or, with
/// none listed, one per file in `dir` (named after the file).
fn from_credentials(dir: &Path, settings: &Settings) -> Result<Keys, String> {
    let mut names: Vec<String> = settings.accounts.iter().filter(|a| a.enabled).map(|a| a.name.clone()).collect();
    if names.is_empty() {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("the credentials folder {} could not be read: {e}", dir.display()))?;
        names = entries.filter_map(|e| e.ok()).filter_map(|e| e.file_name().into_string().ok()).collect();
        names.retain(|n| crate::settings::validate_name(n).is_ok());
        names.sort();
    }
    if names.is_empty() {
        return Err(format!("no account to watch: the credentials folder {} holds no key file", dir.display()));
    }
    let (mut configs, mut problems) = (Vec::new(), Vec::new());
    for name in names {
        let thresholds = settings.account(&name).map(|a| a.thresholds).unwrap_or_default();
        match read_key(&dir.join(&name)) {
            Ok(key) => {
                let mut config = AccountConfig::new(name, Credential::ApiKey(key));
                config.thresholds = thresholds;
                configs.push(config);
            }
            Err(why) => {
                let mut snap = AccountSnapshot::new(name, thresholds);
                snap.record(Err(ApiError::new(ErrorKind::Keyring, why)), chrono::Utc::now());
                problems.push(snap);
            }
        }
    }
    Ok(Keys { configs, problems, source: KeySource::Credentials(dir.to_path_buf()) })
}

/// The key in a credential file (surrounding whitespace and a final newline removed).
fn read_key(path: &Path) -> Result<Secret, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("No key: the credential {} could not be read ({e}).", path.display()))?;
    let mut text = String::new();
    file.take(MAX_KEY_FILE)
        .read_to_string(&mut text)
        .map_err(|e| format!("No key: the credential {} could not be read ({e}).", path.display()))?;
    let key = zeroize::Zeroizing::new(text);
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("No key: the credential {} is empty.", path.display()));
    }
    Ok(Secret::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_files_become_accounts_with_their_keys_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("render-01"), "key-one\n").unwrap();
        std::fs::write(dir.path().join("empty"), "  \n").unwrap();
        let keys = from_credentials(dir.path(), &Settings::default()).unwrap();
        assert_eq!(keys.configs.len(), 1);
        assert_eq!(keys.configs[0].name, "render-01");
        assert!(matches!(&keys.configs[0].credential, Credential::ApiKey(k) if k.expose() == "key-one"));
        assert_eq!(keys.problems.len(), 1);
        let message = &keys.problems[0].error.as_ref().unwrap().message;
        assert!(message.contains("is empty"), "{message}");
        assert_eq!(keys.source, KeySource::Credentials(dir.path().to_path_buf()));
    }

    #[test]
    fn a_listed_account_without_its_file_is_shown_with_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::default();
        settings.accounts.push(crate::settings::Account::new("studio", crate::settings::AuthKind::ApiKey));
        let keys = from_credentials(dir.path(), &settings).unwrap();
        assert!(keys.configs.is_empty());
        let message = &keys.problems[0].error.as_ref().unwrap().message;
        assert!(message.contains("studio") && message.contains("could not be read"), "{message}");
    }
}
