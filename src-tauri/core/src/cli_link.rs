//! HeyGen CLI's credentials file as a link: what it holds next to what the keyring
//! holds, its hash and age, and the retry with its tokens after a rejection. Following
//! every linked account is `accounts::follow_links`. An account imported from the
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

use crate::api::oauth::{Fetched, OAuthTokens};
use crate::api::{ApiError, Client, Credential};
use crate::heygen_cli::{self, Imported};
use crate::keystore::StoredSecret;
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
