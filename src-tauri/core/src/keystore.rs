//! Keys and tokens in the OS keyring (Secret Service, Keychain, Credential Manager)
//! through the `keyring` crate: one entry per account under the app's identifier.
//!
//! Updating a key writes the existing entry in place. Failures become words a user
//! can act on; there is no fallback to any other storage. Calls block: call them
//! from a blocking thread, not from an async task.

use crate::api::oauth::OAuthTokens;
use crate::api::Credential;
use crate::secret::Secret;
use crate::settings::AuthKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// The keyring service name: the app's identifier.
pub const SERVICE: &str = "com.heygen-tray.app";

/// What one keyring entry holds.
#[derive(Debug, Clone, PartialEq)]
pub enum StoredSecret {
    ApiKey(Secret),
    OAuth(OAuthTokens),
}

impl StoredSecret {
    /// The credential requests are made with.
    pub fn credential(&self) -> Credential {
        match self {
            StoredSecret::ApiKey(k) => Credential::ApiKey(k.clone()),
            StoredSecret::OAuth(t) => Credential::OAuth(t.access_token.clone()),
        }
    }

    /// `…a1b2` of the key or access token.
    pub fn mask(&self) -> String {
        match self {
            StoredSecret::ApiKey(k) => k.mask(),
            StoredSecret::OAuth(t) => t.access_token.mask(),
        }
    }
}

/// The JSON blob an OAuth entry holds; exists only while being (de)serialised.
#[derive(Serialize, Deserialize)]
struct TokenBlob {
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<DateTime<Utc>>,
}

impl Drop for TokenBlob {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.access_token);
        if let Some(r) = &mut self.refresh_token {
            zeroize::Zeroize::zeroize(r);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    #[error("No keyring service is running, so the key cannot be stored or read safely. Install and start GNOME Keyring or KWallet (any Secret Service provider), then try again. Keys are never saved in plain text. ({0})")]
    Unavailable(String),
    #[error("The keyring is locked or access was denied. Unlock it (log in to the desktop, or unlock the \"login\" keyring in Passwords and Keys) and try again. ({0})")]
    Locked(String),
    #[error("No key is stored in the keyring for account \"{0}\". Add it again with `heygen-tray accounts add {0}`.")]
    NotFound(String),
    #[error("The keyring entry for account \"{0}\" is unreadable. Add the key again with `heygen-tray accounts add {0}`.")]
    Corrupt(String),
    #[error("The keyring failed: {0}")]
    Other(String),
}

/// An entry's content as the keyring holds it, to put back (wiped when dropped).
pub struct Held(zeroize::Zeroizing<String>);

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Held(…)")
    }
}

/// The in-memory stand-in's entries (account → what the keyring would hold).
type MemoryEntries = std::collections::BTreeMap<String, zeroize::Zeroizing<String>>;

/// The keyring, for one service name.
#[derive(Debug, Clone)]
pub struct Keystore {
    service: String,
    /// A stand-in that keeps entries in this process's memory, for tests of the code
    /// above the keyring (never used by the binaries).
    memory: Option<std::sync::Arc<Mutex<MemoryEntries>>>,
    /// How long one keyring call may take (see [`Keystore::answering_within`]).
    deadline: Option<std::time::Duration>,
}

impl Default for Keystore {
    fn default() -> Self {
        Keystore { service: SERVICE.to_string(), memory: None, deadline: None }
    }
}

/// How long the command line waits for the keyring: enough to answer an unlock
/// prompt, not forever when nobody is there to answer it (a script, CI).
pub const COMMAND_LINE_WAIT: std::time::Duration = std::time::Duration::from_secs(120);
/// Seconds the command line waits for the keyring instead.
pub const WAIT_ENV: &str = "HEYGEN_TRAY_KEYRING_TIMEOUT";

impl Keystore {
    /// Writes an account's key or tokens, updating an existing entry in place.
    pub fn set(&self, account: &str, secret: &StoredSecret) -> Result<(), KeyringError> {
        let raw = match secret {
            StoredSecret::ApiKey(k) => zeroize::Zeroizing::new(k.expose().to_string()),
            StoredSecret::OAuth(t) => {
                let blob = TokenBlob {
                    access_token: t.access_token.expose().to_string(),
                    refresh_token: t.refresh_token.as_ref().map(|r| r.expose().to_string()),
                    expires_at: t.expires_at,
                };
                zeroize::Zeroizing::new(serde_json::to_string(&blob).expect("token blob serialises"))
            }
        };
        if let Some(memory) = &self.memory {
            memory.lock().unwrap().insert(account.to_string(), raw);
            return Ok(());
        }
        let (me, account) = (self.clone(), account.to_string());
        self.bounded(move || me.entry(&account)?.set_password(&raw).map_err(|e| classify(e, &account)))
    }

    /// Reads an account's key or tokens.
    pub fn get(&self, account: &str, kind: AuthKind) -> Result<StoredSecret, KeyringError> {
        let raw = match &self.memory {
            Some(memory) => memory.lock().unwrap().get(account).cloned().ok_or_else(|| KeyringError::NotFound(account.into()))?,
            None => {
                let (me, name) = (self.clone(), account.to_string());
                // Wrapped on the keyring's thread, so a key answered after the deadline is wiped there too.
                self.bounded(move || me.entry(&name)?.get_password().map(zeroize::Zeroizing::new).map_err(|e| classify(e, &name)))?
            }
        };
        match kind {
            AuthKind::ApiKey => Ok(StoredSecret::ApiKey(Secret::new(raw.as_str()))),
            AuthKind::Oauth => {
                let blob: TokenBlob = serde_json::from_str(&raw).map_err(|_| KeyringError::Corrupt(account.into()))?;
                Ok(StoredSecret::OAuth(OAuthTokens {
                    access_token: Secret::new(blob.access_token.as_str()),
                    refresh_token: blob.refresh_token.as_deref().map(Secret::new),
                    expires_at: blob.expires_at,
                }))
            }
        }
    }

    /// What an account's entry holds now, exactly (`None`: no entry), so a change can
    /// be undone with [`Keystore::restore`].
    pub fn held(&self, account: &str) -> Result<Option<Held>, KeyringError> {
        let raw = match &self.memory {
            Some(memory) => Ok(memory.lock().unwrap().get(account).cloned()),
            None => {
                let (me, name) = (self.clone(), account.to_string());
                self.bounded(move || match me.entry(&name)?.get_password() {
                    Ok(p) => Ok(Some(zeroize::Zeroizing::new(p))),
                    Err(keyring_core::Error::NoEntry) => Ok(None),
                    Err(e) => Err(classify(e, &name)),
                })
            }
        }?;
        Ok(raw.map(Held))
    }

    /// Puts back what [`Keystore::held`] found: the same entry, or none.
    pub fn restore(&self, account: &str, held: Option<&Held>) -> Result<(), KeyringError> {
        let Some(Held(raw)) = held else { return self.delete(account) };
        if let Some(memory) = &self.memory {
            memory.lock().unwrap().insert(account.to_string(), raw.clone());
            return Ok(());
        }
        let (me, account, raw) = (self.clone(), account.to_string(), raw.clone());
        self.bounded(move || me.entry(&account)?.set_password(&raw).map_err(|e| classify(e, &account)))
    }

    /// Removes an account's entry; an entry that is already gone is fine.
    pub fn delete(&self, account: &str) -> Result<(), KeyringError> {
        if let Some(memory) = &self.memory {
            memory.lock().unwrap().remove(account);
            return Ok(());
        }
        let (me, account) = (self.clone(), account.to_string());
        self.bounded(move || match me.entry(&account)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(e, &account)),
        })
    }

    /// This keystore, with every keyring call given up after `limit` (an unlock prompt
    /// nobody answers blocks a call for good): the command line's.
    pub fn answering_within(self, limit: std::time::Duration) -> Keystore {
        Keystore { deadline: Some(limit), ..self }
    }

    /// Runs a keyring call, on a thread of its own when there is a deadline, so the
    /// caller goes on when it passes (the call is left to end on its own).
    fn bounded<T: Send + 'static>(&self, call: impl FnOnce() -> Result<T, KeyringError> + Send + 'static) -> Result<T, KeyringError> {
        let Some(limit) = self.deadline else { return call() };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("keyring".into())
            .spawn(move || drop(tx.send(call())))
            .map_err(|e| KeyringError::Other(format!("no thread for the keyring call ({e})")))?;
        rx.recv_timeout(limit).unwrap_or_else(|e| match e {
            std::sync::mpsc::RecvTimeoutError::Timeout => Err(KeyringError::Locked(format!(
                "no answer within {} s: an unlock prompt may be waiting with nobody to answer it",
                limit.as_secs()
            ))),
            std::sync::mpsc::RecvTimeoutError::Disconnected => Err(KeyringError::Other("the keyring call ended without an answer".into())),
        })
    }

    /// A keystore that keeps its entries in memory, for tests of the code above the keyring.
    pub fn in_memory() -> Keystore {
        Keystore { service: SERVICE.to_string(), memory: Some(Default::default()), deadline: None }
    }

    fn entry(&self, account: &str) -> Result<keyring_core::Entry, KeyringError> {
        USED.store(true, std::sync::atomic::Ordering::Relaxed);
        ensure_store()?;
        keyring_core::Entry::new(&self.service, account).map_err(|e| classify(e, account))
    }
}

/// What the keyring looks like now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Keys can be read without a prompt.
    Unlocked,
    /// The keyring is there but locked: reading would ask the user to unlock it.
    Locked,
    /// No keyring service answers (not started yet, or not installed).
    Missing,
}

/// Asks the Secret Service whether the default collection (where entries are kept)
/// is unlocked. It never unlocks anything, so it never shows a prompt: safe to ask
/// again and again while waiting for the user to unlock at login. Blocking.
pub fn availability() -> Availability {
    #[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
    {
        use secret_service::blocking::SecretService;
        let Ok(ss) = SecretService::connect(secret_service::EncryptionType::Plain) else {
            return Availability::Missing;
        };
        match ss.get_default_collection().and_then(|c| c.is_locked()) {
            Ok(false) => Availability::Unlocked,
            Ok(true) => Availability::Locked,
            // No default collection yet counts as locked: there is nothing to read.
            Err(secret_service::Error::NoResult) => Availability::Locked,
            Err(_) => Availability::Missing,
        }
    }
    #[cfg(not(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android")))))]
    {
        Availability::Unlocked
    }
}

/// Connects to the Secret Service afresh. A store made earlier keeps a session with
/// the keyring daemon it first met; after that daemon was restarted (the keyring was
/// unlocked by a new one, or started after the app) its calls fail.
/// A process that has not used the keyring yet has nothing stale: nothing to do.
pub fn reconnect() {
    if !USED.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    #[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
    if let Ok(store) = zbus_secret_service_keyring_store::Store::new() {
        keyring_core::set_default_store(store);
    }
}

/// Set once this process has talked to the keyring.
static USED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The `keyring` crate picks its store once per process; if the Secret Service was
/// not there at that moment (an app started before the keyring at login), try again
/// on each use instead of failing for the rest of the session.
fn ensure_store() -> Result<(), KeyringError> {
    static RECOVERED: Mutex<bool> = Mutex::new(false);
    if keyring::Entry::store_status().is_ok() {
        return Ok(());
    }
    let mut recovered = RECOVERED.lock().unwrap_or_else(|e| e.into_inner());
    if *recovered {
        return Ok(());
    }
    #[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
    {
        match zbus_secret_service_keyring_store::Store::new() {
            Ok(store) => {
                keyring_core::set_default_store(store);
                *recovered = true;
                Ok(())
            }
            Err(e) => Err(classify(e, "")),
        }
    }
    #[cfg(not(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android")))))]
    {
        let _ = &mut recovered;
        Err(match keyring::Entry::store_status() {
            Err(e) => classify_ref(e),
            Ok(()) => KeyringError::Other("keyring store not available".into()),
        })
    }
}

#[cfg_attr(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))), allow(dead_code))]
fn classify_ref(e: &keyring_core::Error) -> KeyringError {
    KeyringError::Unavailable(e.to_string())
}

/// Maps a keyring error to what the user can do about it.
fn classify(e: keyring_core::Error, account: &str) -> KeyringError {
    use keyring_core::Error as E;
    let text = e.to_string();
    match e {
        E::NoEntry => KeyringError::NotFound(account.into()),
        E::NoStorageAccess(_) => KeyringError::Locked(short(&text)),
        E::BadEncoding(_) | E::BadDataFormat(..) => KeyringError::Corrupt(account.into()),
        E::NoDefaultStore => KeyringError::Unavailable(short(&text)),
        E::PlatformFailure(_) if looks_unavailable(&text) => KeyringError::Unavailable(short(&text)),
        E::PlatformFailure(_) if looks_locked(&text) => KeyringError::Locked(short(&text)),
        _ => KeyringError::Other(short(&text)),
    }
}

fn looks_unavailable(text: &str) -> bool {
    [
        "ServiceUnknown",
        "was not provided by any .service files",
        "NameHasNoOwner",
        "DBUS_SESSION_BUS_ADDRESS",
        "No such file or directory",
        "Connection refused",
        "address",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

fn looks_locked(text: &str) -> bool {
    ["locked", "Locked", "prompt", "Prompt", "dismissed", "AccessDenied"].iter().any(|n| text.contains(n))
}

fn short(text: &str) -> String {
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_what_to_do() {
        let e = KeyringError::Unavailable("x".into()).to_string();
        assert!(e.contains("GNOME Keyring") && e.contains("never saved in plain text"), "{e}");
        let e = KeyringError::Locked("x".into()).to_string();
        assert!(e.contains("Unlock"), "{e}");
    }

    #[test]
    fn platform_errors_are_classified() {
        let err = |s: &str| keyring_core::Error::PlatformFailure(Box::new(std::io::Error::other(s.to_string())));
        assert!(matches!(
            classify(
                err("org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files"),
                "a"
            ),
            KeyringError::Unavailable(_)
        ));
        assert!(matches!(classify(err("Prompt was dismissed"), "a"), KeyringError::Locked(_)));
        assert!(matches!(classify(keyring_core::Error::NoEntry, "a"), KeyringError::NotFound(n) if n == "a"));
    }

    #[test]
    fn stored_secrets_print_redacted() {
        let s = StoredSecret::OAuth(OAuthTokens {
            access_token: Secret::new("access-token-123456"),
            refresh_token: Some(Secret::new("refresh-token-123456")),
            expires_at: None,
        });
        let shown = format!("{s:?}");
        assert!(!shown.contains("token-123456"), "{shown}");
        assert_eq!(s.mask(), "…3456");
    }
}
