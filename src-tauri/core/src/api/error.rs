//! How a request to HeyGen can fail, classified for the user and for the poller.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The failure kinds of the `status --json` contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// 401: the key or token was rejected.
    Unauthorized,
    /// 403: the key is valid but may not read this resource.
    Forbidden,
    /// 429: too many requests or a usage quota exceeded.
    RateLimited,
    /// 5xx.
    Server,
    /// DNS, connect, TLS, timeout.
    Network,
    /// HTML, truncated, wrong shape, too large, unexpected status.
    InvalidResponse,
    /// The key could not be read from the OS keyring (locked, no service, missing).
    Keyring,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::RateLimited => "rate_limited",
            Self::Server => "server",
            Self::Network => "network",
            Self::InvalidResponse => "invalid_response",
            Self::Keyring => "keyring",
        }
    }
}

/// A failed fetch: its kind, a message a user can act on, and what HeyGen said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub kind: ErrorKind,
    /// What went wrong and what to do, in plain words. Never contains the key.
    pub message: String,
    /// HTTP status, when an answer came back.
    pub status: Option<u16>,
    /// `error.code` of the v3 error envelope.
    pub code: Option<String>,
    /// `X-Request-Id` of the answer, for support requests.
    pub request_id: Option<String>,
    /// `Retry-After`, already converted to a delay.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError { kind, message: message.into(), status: None, code: None, request_id: None, retry_after: None }
    }

    /// True when polling must stop until the credentials change.
    pub fn is_auth_rejected(&self) -> bool {
        self.kind == ErrorKind::Unauthorized
    }

    /// The keyring has no key (or an unreadable one) for the account: polling it stops
    /// until a key is added again. Other keyring errors (locked, not running) pass.
    pub fn key_missing(&self) -> bool {
        self.kind == ErrorKind::Keyring && self.code.as_deref() == Some(KEY_MISSING)
    }

    /// 403 `insufficient_api_key_scope`: a valid key made without `account:read`.
    pub fn lacks_scope(&self) -> bool {
        self.kind == ErrorKind::Forbidden && self.code.as_deref() == Some(SCOPE_CODE)
    }
}

/// The `code` of a keyring error that means the key is not there (see [`ApiError::key_missing`]).
pub const KEY_MISSING: &str = "key_missing";

/// HeyGen's error code for a key without the scope a call needs.
pub const SCOPE_CODE: &str = "insufficient_api_key_scope";

/// What to do about a key without `account:read`, in one sentence.
pub const SCOPE_FIX: &str = "Create a key with the account:read scope in HeyGen (Settings → API, https://app.heygen.com/settings?nav=API), and use it instead of this one.";

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}
