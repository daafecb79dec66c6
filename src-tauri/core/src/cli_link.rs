//! Accounts linked to HeyGen CLI's credentials file. An account imported from the
//! HeyGen CLI follows its file: when the official CLI renews or replaces its tokens
//! there, they are taken into the keyring. The file is only ever read.
//!
//! New tokens of the same sign-in are stored in place, and the account's alerts are
//! remembered. A different sign-in (another user, an API key where tokens were, or a
//! key the file does not say whose) is not taken: another pool of money under the same
//! account name would mislead; importing again follows it. A file not changed since it was
//! last taken is not read again, tokens in it that expire before the stored ones are
//! left alone (this app renewed them since, with a client ID), and a file that cannot
//! be read changes nothing.

use crate::accounts::{AccountError, Accounts};
use crate::api::oauth::{Fetched, OAuthTokens};
use crate::api::{ApiError, Client, Credential};
use crate::heygen_cli::{self, Imported};
use crate::keystore::StoredSecret;
use crate::settings::{Account, SaveError};
use crate::sign_in::SignIn;
use chrono::{DateTime, Utc};
use std::path::Path;

/// What the file holds, next to what the keyring holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The same key or tokens (or tokens older than the stored ones).
    Same,
    /// New tokens (or a new key) of the same sign-in.
    Renewed,
    /// Another sign-in (another user, another kind of credential, or a key whose owner
    /// the file does not name): not taken; why, in words.
    Other(String),
}

/// What following an account's link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Followed {
    Unchanged,
    Renewed,
    /// HeyGen's CLI is signed in differently now; the account keeps its own (why).
    Other(String),
    /// The file could not be used (why, in words); the stored sign-in is kept.
    Unusable(String),
}

impl Followed {
    /// What the user is told about an account's link, when there is something to tell
    /// (the same words in Settings, the log and on the command line's standard error).
    pub fn note(followed: &Result<Followed, AccountError>) -> Option<String> {
        match followed {
            Ok(Followed::Unusable(why)) => {
                Some(format!("HeyGen's CLI credentials cannot be used now ({why}); its stored sign-in is used."))
            }
            Ok(Followed::Other(why)) => Some(why.clone()),
            Ok(Followed::Unchanged | Followed::Renewed) => None,
            Err(e) => Some(format!("The renewed sign-in could not be taken from HeyGen's CLI: {e}")),
        }
    }
}

/// Compares the file's credential with the stored one. `stored_user` is who the
/// stored key belonged to when last checked. Tokens are taken unless the file names
/// another user; another API key only when the file names the same user (a key alone
/// says nothing of whose it is).
pub fn change(stored: &StoredSecret, stored_user: Option<&str>, file: &Imported) -> Change {
    let file_user = file.username.as_deref();
    if let (Some(a), Some(b)) = (stored_user, file_user) {
        if a != b {
            return Change::Other(format!("HeyGen's CLI is signed in as {b} now, not {a}"));
        }
    }
    match (stored, &file.secret) {
        (StoredSecret::ApiKey(a), StoredSecret::ApiKey(b)) if a == b => Change::Same,
        (StoredSecret::ApiKey(_), StoredSecret::ApiKey(_)) if stored_user.is_some() && file_user.is_some() => Change::Renewed,
        (StoredSecret::ApiKey(_), StoredSecret::ApiKey(_)) => {
            Change::Other("HeyGen's CLI holds another API key, and its file does not say whose".into())
        }
        (StoredSecret::OAuth(a), StoredSecret::OAuth(b)) if a.access_token == b.access_token => Change::Same,
        (StoredSecret::OAuth(a), StoredSecret::OAuth(b)) if older(b.expires_at, a.expires_at) => Change::Same,
        (StoredSecret::OAuth(_), StoredSecret::OAuth(_)) => Change::Renewed,
        (StoredSecret::OAuth(_), StoredSecret::ApiKey(_)) => {
            Change::Other("HeyGen's CLI holds an API key now (the API wallet), not a web-plan sign-in".into())
        }
        (StoredSecret::ApiKey(_), StoredSecret::OAuth(_)) => {
            Change::Other("HeyGen's CLI holds a web-plan sign-in now, not an API key".into())
        }
    }
}

/// The file's tokens expire before the stored ones.
fn older(file: Option<DateTime<Utc>>, stored: Option<DateTime<Utc>>) -> bool {
    matches!((file, stored), (Some(f), Some(s)) if f < s)
}

/// Who a credential belongs to, as `/v3/users/me` answers with it (`None`: HeyGen
/// could not be asked). The link asks before it takes tokens whose file names nobody.
pub type WhoseIs<'a> = &'a (dyn Fn(&Credential) -> Option<String> + Sync);

/// A linked file as read (outside any lock: reading may block on a slow home folder).
struct Read {
    modified: Option<DateTime<Utc>>,
    hash: Option<String>,
    file: Result<Imported, String>,
}

impl Accounts {
    /// Follows every linked account's file (see the module's doc); blocking (files,
    /// the keyring, HeyGen for tokens whose file names nobody). The files are read
    /// first, then compared and stored under the token lock, so a renewal by this app
    /// and one taken from the file never cross, and no lock waits on a file.
    pub fn follow_links(&self, whose: WhoseIs<'_>) -> Vec<(String, Result<Followed, AccountError>)> {
        let Ok(settings) = self.settings.load().into_usable() else { return Vec::new() };
        let linked: Vec<Account> = settings.accounts.into_iter().filter(|a| a.heygen_cli_credentials.is_some()).collect();
        if linked.is_empty() {
            return Vec::new();
        }
        let read: Vec<(Account, Read)> = linked
            .into_iter()
            .map(|a| {
                let path = a.heygen_cli_credentials.clone().unwrap_or_default();
                // Looked at before it is read: a change made while reading is seen next time.
                let modified = modified(&path);
                let raw = heygen_cli::read_raw(&path);
                let hash = raw.as_ref().ok().map(|t| content_hash(t.as_bytes()));
                let file = raw.and_then(|t| heygen_cli::parse_from(&path, &t));
                (a, Read { modified, hash, file })
            })
            .collect();
        let lock = self.settings.token_lock().map_err(|source| SaveError { path: self.settings.path(), source });
        let _lock = match lock {
            Ok(l) => l,
            Err(e) => {
                let e = AccountError::from(e);
                return read.into_iter().map(|(a, _)| (a.name, Err(AccountError::Invalid(e.to_string())))).collect();
            }
        };
        read.into_iter().map(|(a, r)| (a.name.clone(), self.follow(&a, r, whose))).collect()
    }

    fn follow(&self, account: &Account, read: Read, whose: WhoseIs<'_>) -> Result<Followed, AccountError> {
        let Some(path) = account.heygen_cli_credentials.as_deref() else { return Ok(Followed::Unchanged) };
        let Read { modified, hash, file } = read;
        // The same content as last taken (or, from an older version's settings, the
        // same modification time): nothing to do, nothing read from the keyring.
        let unchanged = match (&account.heygen_cli_hash, &hash) {
            (Some(seen), Some(now)) => seen == now,
            (None, _) => modified.is_some() && modified == account.heygen_cli_seen,
            (Some(_), None) => false,
        };
        if unchanged {
            return Ok(Followed::Unchanged);
        }
        let file = match file {
            Ok(f) => f,
            Err(why) => return Ok(Followed::Unusable(why)),
        };
        let stored = self.keystore.get(&account.name, account.auth)?;
        let seen = |s: &mut crate::settings::Settings| {
            if let Some(a) = s.account_mut(&account.name) {
                a.heygen_cli_seen = modified;
                a.heygen_cli_hash = hash.clone();
            }
        };
        let mut verdict = change(&stored, account.username.as_deref(), &file);
        if verdict == Change::Renewed {
            verdict = confirmed(account, &file, whose);
        }
        match verdict {
            Change::Same => {
                self.settings.update_if_usable(seen)?;
                Ok(Followed::Unchanged)
            }
            Change::Renewed => {
                self.store_renewed(&account.name, &file.secret)?;
                self.settings.update_if_usable(seen)?;
                tracing::info!("took the renewed sign-in of {} from {}", account.name, path.display());
                Ok(Followed::Renewed)
            }
            Change::Other(why) => {
                // Not marked as seen: said each time it is looked at, until the user acts.
                tracing::info!("{} keeps its sign-in: {why}", account.name);
                Ok(Followed::Other(format!(
                    "{why}; \"{}\" keeps its own. To follow the new one, import it again: heygen-tray accounts import-heygen-cli --name {}",
                    account.name, account.name
                )))
            }
        }
    }
}

/// A renewal whose file names no user, while the account's user is known, is taken
/// only once HeyGen says the new credential is that user's.
fn confirmed(account: &Account, file: &Imported, whose: WhoseIs<'_>) -> Change {
    let (Some(user), None) = (account.username.as_deref(), file.username.as_deref()) else { return Change::Renewed };
    match whose(&file.secret.credential()) {
        Some(u) if u == user => Change::Renewed,
        Some(u) => Change::Other(format!("HeyGen's CLI is signed in as {u} now, not {user}")),
        None => Change::Other(format!(
            "HeyGen's CLI holds a sign-in whose file names nobody, and HeyGen could not be asked whether it is {user}'s"
        )),
    }
}

/// The SHA-256 of a file's content, in hex: what is kept to tell a changed file.
pub fn content_hash(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash of the file at `path` now, when it can be read.
pub fn hash_of(path: &Path) -> Option<String> {
    heygen_cli::read_raw(path).ok().map(|t| content_hash(t.as_bytes()))
}

/// What an import that links says (the command line and Settings alike).
pub fn following() -> String {
    let file = crate::sign_in::shown(&heygen_cli::credentials_path());
    format!("It follows {file}: when HeyGen's CLI signs in again or renews its tokens, the new ones are taken into the keyring.")
}

/// When the file at `path` was last changed, if it exists.
pub fn modified(path: &Path) -> Option<DateTime<Utc>> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok().map(DateTime::<Utc>::from)
}

/// After HeyGen turned an OAuth token away: the linked file's tokens, when they are a
/// renewal of this sign-in (see [`change`]) and HeyGen takes them (`new_tokens`,
/// unsaved: the poller's owner stores them). `None` when the file has nothing better.
pub async fn retry_with_file(client: &Client, sign_in: &SignIn, rejected: &Credential, now: DateTime<Utc>) -> Option<Fetched> {
    let path = sign_in.linked.clone()?;
    let file = tokio::task::spawn_blocking(move || heygen_cli::read_from(&path)).await.ok()?.ok()?;
    let held =
        StoredSecret::OAuth(OAuthTokens { access_token: rejected.secret().clone(), refresh_token: None, expires_at: sign_in.expires_at });
    let names_nobody = file.username.is_none();
    let (Change::Renewed, StoredSecret::OAuth(tokens)) = (change(&held, sign_in.username.as_deref(), &file), file.secret) else {
        return None;
    };
    let again = client.fetch_account(&Credential::OAuth(tokens.access_token.clone()), None, now).await;
    if again.result.as_ref().is_err_and(ApiError::is_auth_rejected) {
        return None;
    }
    // A file that names nobody is taken only when HeyGen says whose it is: this user's.
    if let (true, Some(user)) = (names_nobody, sign_in.username.as_deref()) {
        if !again.result.as_ref().is_ok_and(|me| me.username == user) {
            return None;
        }
    }
    tracing::info!("HeyGen's CLI had renewed the sign-in: its new token is used");
    Some(Fetched { result: again.result, new_tokens: Some(tokens), unsaved: true })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn tokens(access: &str, expires_in_days: Option<i64>) -> StoredSecret {
        let base = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().with_timezone(&Utc);
        StoredSecret::OAuth(OAuthTokens {
            access_token: Secret::new(access),
            refresh_token: Some(Secret::new("rt")),
            expires_at: expires_in_days.map(|d| base + chrono::Duration::days(d)),
        })
    }

    fn file(secret: StoredSecret, username: Option<&str>) -> Imported {
        Imported { secret, user: username.map(str::to_string), username: username.map(str::to_string) }
    }

    #[test]
    fn new_tokens_of_the_same_sign_in_are_a_renewal_and_older_ones_are_left() {
        let stored = tokens("at_1", Some(10));
        assert_eq!(change(&stored, Some("jane"), &file(tokens("at_1", Some(10)), Some("jane"))), Change::Same);
        assert_eq!(change(&stored, Some("jane"), &file(tokens("at_2", Some(20)), Some("jane"))), Change::Renewed);
        assert_eq!(change(&stored, None, &file(tokens("at_2", None), None)), Change::Renewed, "no expiry or user known: tokens are taken");
        assert_eq!(change(&stored, Some("jane"), &file(tokens("at_0", Some(3)), None)), Change::Same, "the app renewed since");
        let key = StoredSecret::ApiKey(Secret::new("hg_key_1"));
        assert_eq!(change(&key, Some("jane"), &file(StoredSecret::ApiKey(Secret::new("hg_key_1")), None)), Change::Same);
        assert_eq!(change(&key, Some("jane"), &file(StoredSecret::ApiKey(Secret::new("hg_key_2")), Some("jane"))), Change::Renewed);
    }

    #[test]
    fn another_user_kind_or_a_key_of_no_known_owner_is_not_taken() {
        let other = |c: Change| matches!(c, Change::Other(_));
        let stored = tokens("at_1", Some(10));
        let Change::Other(why) = change(&stored, Some("jane"), &file(tokens("at_2", Some(20)), Some("joe"))) else { panic!() };
        assert_eq!(why, "HeyGen's CLI is signed in as joe now, not jane");
        assert!(other(change(&stored, Some("jane"), &file(StoredSecret::ApiKey(Secret::new("hg_key")), Some("jane")))));
        let key = StoredSecret::ApiKey(Secret::new("hg_key"));
        assert!(other(change(&key, None, &file(tokens("at_1", Some(10)), None))));
        assert!(
            other(change(&key, Some("jane"), &file(StoredSecret::ApiKey(Secret::new("hg_legacy_key")), None))),
            "a legacy file names nobody"
        );
    }
}
