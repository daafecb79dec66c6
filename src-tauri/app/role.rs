//! What a page may ask of the process it runs in, as values: the [`Request`]s the
//! Tauri commands make, and the [`Role`] that answers them. The tray process answers
//! itself; a window process passes each request to the tray process over its link
//! and hands back the answer, so both kinds of window behave the same.

use heygen_tray_core::service::Preferences;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A page's request, also as it travels from a window process to the tray process
/// (one JSON object, tagged by `ask`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "ask", rename_all = "snake_case")]
pub enum Request {
    Dashboard,
    /// Several charts in one round (the dashboard asks for all it must redraw at once).
    Charts {
        charts: Vec<ChartWanted>,
    },
    Refresh {
        account: Option<String>,
    },
    Settings,
    AccountNotes,
    TestKey {
        key: PastedKey,
        oauth: bool,
    },
    SaveAccount {
        name: String,
        key: Option<PastedKey>,
        oauth: bool,
        low: Option<f64>,
        critical: Option<f64>,
        enabled: bool,
        is_new: bool,
    },
    RemoveAccount {
        name: String,
    },
    SavePreferences {
        prefs: Preferences,
    },
    ImportHeygenCli {
        name: String,
    },
    /// Opens a window; Settings with `account` opens that account's editor.
    OpenWindow {
        page: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account: Option<String>,
    },
    OpenLink {
        target: String,
    },
    /// Quits the app (the dashboard offers it where the desktop shows no tray icons).
    Quit,
    /// Runs the hook of `event` once with a test event (Settings).
    TestHook {
        event: String,
    },
    /// First run: this app makes way for the demo (`--demo`), which starts once it ended.
    StartDemo,
}

/// One chart the dashboard draws: an account's history over `24h`, `7d` or `30d`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChartWanted {
    pub account: String,
    pub range: String,
}

/// The answer: the page's JSON, or what went wrong.
pub type Reply = Result<Value, CommandError>;

/// Why a request failed, as the page gets it (`{"code": "invalid", "message": "…"}`):
/// words for the user, and a code a page can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Anything else: the message says what.
    Failed,
    /// The request itself cannot be done (a malformed key, an unknown window or link).
    Invalid,
    /// HeyGen did not take the key: nothing was saved.
    NotVerified,
    /// The demo's accounts are simulated and cannot be changed.
    DemoMode,
    /// The tray process is gone (a window process outlived it).
    TrayGone,
    /// The tray process did not answer in time.
    NoAnswer,
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> CommandError {
        CommandError { code, message: message.into() }
    }
}

impl From<String> for CommandError {
    fn from(message: String) -> CommandError {
        CommandError::new(ErrorCode::Failed, message)
    }
}

impl From<&str> for CommandError {
    fn from(message: &str) -> CommandError {
        CommandError::new(ErrorCode::Failed, message)
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The process a page runs in, as the page's commands see it.
pub trait Role: Send + Sync {
    fn ask(self: Arc<Self>, request: Request) -> Pin<Box<dyn Future<Output = Reply> + Send>>;
}

/// A key as typed into Settings, on its way to the keyring: prints as `<redacted>`
/// and is wiped when dropped. It crosses only the page's IPC and the pipe to the tray
/// process; it is never written anywhere else.
#[derive(Clone)]
pub struct PastedKey(zeroize::Zeroizing<String>);

impl Serialize for PastedKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PastedKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(PastedKey::from)
    }
}

impl PastedKey {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for PastedKey {
    fn from(s: String) -> Self {
        PastedKey(zeroize::Zeroizing::new(s))
    }
}

impl std::fmt::Debug for PastedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_travel_as_tagged_json_and_print_no_key() {
        let r = Request::TestKey { key: PastedKey::from("hg_secret_value".to_string()), oauth: false };
        assert!(!format!("{r:?}").contains("hg_secret"), "{r:?}");
        let line = serde_json::to_string(&r).unwrap();
        assert_eq!(line, r#"{"ask":"test_key","key":"hg_secret_value","oauth":false}"#);
        match serde_json::from_str::<Request>(&line).unwrap() {
            Request::TestKey { key, oauth } => assert_eq!((key.expose(), oauth), ("hg_secret_value", false)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(serde_json::from_str::<Request>(r#"{"ask":"dashboard"}"#), Ok(Request::Dashboard)));
    }

    #[test]
    fn errors_reach_the_page_as_a_code_and_words() {
        let e = CommandError::new(ErrorCode::NotVerified, "Not saved: key rejected");
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, r#"{"code":"not_verified","message":"Not saved: key rejected"}"#);
        assert_eq!(serde_json::from_str::<CommandError>(&json).unwrap(), e);
        assert_eq!(CommandError::from("no").code, ErrorCode::Failed);
    }
}
