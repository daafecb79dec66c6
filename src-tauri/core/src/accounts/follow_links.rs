//! Following HeyGen CLI's credentials file for every linked account: renewals of the
//! same sign-in are taken into the keyring, anything else is said and left (the rules
//! are in `cli_link`, which only compares; this owns the stores).

use super::{AccountError, Accounts};
use crate::api::Credential;
use crate::cli_link::{change, content_hash, modified, Change};
use crate::heygen_cli::{self, Imported};
use crate::settings::{Account, SaveError};
use chrono::{DateTime, Utc};

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
