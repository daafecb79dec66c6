//! OAuth sign-ins (web-plan accounts): when the access token expires, whether this
//! app can renew it, and whether it follows HeyGen CLI's credentials file; the words
//! for an account's sign-in are in `snapshot::sign_in_words`.
//! The reminders themselves are in `alerts::sign_in`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Reminders start this long before a sign-in the app cannot renew ends.
pub const REMIND_BEFORE: Duration = Duration::days(2);

/// What is known about an OAuth account's sign-in (no token: those stay in the keyring).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignIn {
    /// When the access token in use expires, when known.
    pub expires_at: Option<DateTime<Utc>>,
    /// This app renews it: a refresh token and a client ID are known.
    pub renewable: bool,
    /// The HeyGen CLI credentials file it follows (see `cli_link`).
    pub linked: Option<PathBuf>,
    /// Whose sign-in it is, when known (HeyGen's username): tokens of someone else
    /// in the file are never taken.
    #[serde(default)]
    pub username: Option<String>,
}

impl SignIn {
    /// When it ends for good unless the user signs in again: the expiry of a token
    /// the app cannot renew.
    pub fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at.filter(|_| !self.renewable)
    }

    /// How to sign in again, as the end of a sentence.
    pub fn how_to_renew(&self) -> String {
        match &self.linked {
            Some(file) => format!(
                "sign in again with HeyGen's CLI (`heygen auth login`); the app takes the new sign-in from {} by itself",
                shown(file)
            ),
            None => "sign in again with HeyGen's CLI (`heygen auth login`), then import it in Settings (Import from HeyGen CLI) to keep it linked, or add a new token".into(),
        }
    }

    pub(crate) fn source(&self) -> &'static str {
        if self.linked.is_some() {
            "Sign-in from HeyGen's CLI"
        } else {
            "OAuth sign-in"
        }
    }
}

/// A path with the home folder written `~`.
pub fn shown(path: &Path) -> String {
    match dirs::home_dir().and_then(|home| path.strip_prefix(home).ok().map(Path::to_path_buf)) {
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}
