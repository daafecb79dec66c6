//! Status from the running app. The tray app (and `watch`) serves its current
//! snapshots on an owner-only Unix socket in `$XDG_RUNTIME_DIR` (`unix`), or on
//! Windows a named pipe only this user may open (`windows`), so `heygen-tray status`
//! agrees with the tray and sends HeyGen no request of its own. One answer per
//! connection: the client connects, the server writes one JSON document and closes.
//!
//! The client trusts a socket or pipe only when the process behind it (and the file)
//! belongs to this user, and gives up after a deadline (the caller then asks HeyGen
//! itself).

use crate::snapshot::AccountSnapshot;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long `status` waits for the app before asking HeyGen itself.
pub const DEADLINE: Duration = Duration::from_millis(200);
/// The wire format's version; a client ignores answers of another version.
pub const VERSION: u32 = 1;
/// Answers larger than this are not read.
const MAX_ANSWER: u64 = 4 << 20;

/// What the app answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveStatus {
    pub version: u32,
    /// The accounts the app watches, in its order, as it shows them.
    pub accounts: Vec<AccountSnapshot>,
    /// Figures older than this are stale (the app should have polled since).
    pub max_age_secs: u64,
    pub served_at: DateTime<Utc>,
}

impl LiveStatus {
    pub fn new(accounts: Vec<AccountSnapshot>, max_age: Duration, now: DateTime<Utc>) -> Self {
        LiveStatus { version: VERSION, accounts, max_age_secs: max_age.as_secs(), served_at: now }
    }

    /// What a monitor polling as `settings` say serves: two missed polls (and a minute
    /// for the request itself) make figures stale.
    pub fn polled_as(accounts: Vec<AccountSnapshot>, settings: &crate::settings::Settings, now: DateTime<Utc>) -> Self {
        let interval = if settings.poll_automatic { crate::poller::adaptive::SLOWEST } else { settings.poll_interval() };
        Self::new(accounts, interval * 2 + Duration::from_secs(60), now)
    }

    /// Whether an account's figures are stale: the app's latest attempt failed, or
    /// they are older than the app's polling explains.
    pub fn is_stale(&self, snap: &AccountSnapshot, now: DateTime<Utc>) -> bool {
        // From another process: any number may arrive; a huge one means "never stale".
        let max_age = i64::try_from(self.max_age_secs).ok().and_then(chrono::Duration::try_seconds).unwrap_or(chrono::Duration::MAX);
        snap.latest_failed() || snap.fetched_at.is_some_and(|t| now - t > max_age)
    }
}

/// The socket (on Windows the pipe) of the app that uses the settings folder
/// `settings_dir`: several apps (a demo beside the real one) never answer for each
/// other. `None` without `$XDG_RUNTIME_DIR` (Unix).
pub fn socket_path(settings_dir: &Path) -> Option<PathBuf> {
    let id = fnv1a(settings_dir.as_os_str().as_encoded_bytes());
    if cfg!(windows) {
        return Some(PathBuf::from(format!(r"\\.\pipe\heygen-tray-{id:016x}")));
    }
    runtime_file(&format!("heygen-tray-{id:016x}.sock"))
}

/// `name` in the user's runtime folder (`$XDG_RUNTIME_DIR`), where the app's sockets
/// live; `None` without one.
pub fn runtime_file(name: &str) -> Option<PathBuf> {
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty())?;
    Some(PathBuf::from(runtime).join(name))
}

/// A stable hash (unlike std's, the same in every build and process).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// Why the app's answer was not used.
#[derive(Debug, thiserror::Error)]
pub enum NotLive {
    #[error("no app is serving on {0}")]
    Absent(PathBuf),
    #[error("{0} is not owned by this user; ignored")]
    Foreign(PathBuf),
    #[error("the app did not answer in time")]
    Timeout,
    #[error("the app's answer was unreadable: {0}")]
    Unreadable(String),
}

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::{ask, bind, serve, Bound};
/// What the app listens on for `status`.
#[cfg(unix)]
pub type Listener = std::os::unix::net::UnixListener;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::{ask, bind, serve, Bound, Listener};

#[cfg(test)]
mod tests;
