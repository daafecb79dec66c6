//! OAuth access tokens: refresh at HeyGen's token endpoint before they expire and once
//! after a 401, when a refresh token and a client ID are known.
//!
//! With a [`TokenKeeper`] (the app and the CLI use [`crate::accounts::Accounts`]) a
//! renewal runs under a lock shared by every process of the user: the stored tokens
//! are read first (another process may have renewed them already, and a refresh token
//! is never sent twice), nothing is renewed when they cannot be read or the account is
//! gone, and the new tokens are stored before the lock is let go.

use super::{header, ApiBase, ApiError, BaseError, Client, Credential, ErrorKind, UserMe};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use std::time::Duration;

pub const DEFAULT_OAUTH_BASE: &str = "https://api2.heygen.com";
pub const OAUTH_BASE_ENV: &str = "HEYGEN_OAUTH_BASE";
pub const CLIENT_ID_ENV: &str = "HEYGEN_OAUTH_CLIENT_ID";
/// Refresh this long before the access token expires.
pub const REFRESH_AHEAD: Duration = Duration::from_secs(24 * 3600);

/// Access and refresh tokens as kept in the keyring.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthTokens {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The longest token lifetime believed: a longer `expires_in` (or a nonsense one) is
/// cut to this, so an expiry is always a representable time.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

/// Where tokens are kept across processes. Every method blocks (a file lock, the keyring).
pub trait TokenKeeper: Send + Sync {
    /// Takes the user-wide lock for renewing tokens; held until the guard is dropped.
    fn lock(&self) -> Result<Box<dyn Send>, ApiError>;
    /// The tokens stored now for `account`; `None` when the account no longer exists.
    fn stored(&self, account: &str) -> Result<Option<OAuthTokens>, ApiError>;
    /// Stores renewed tokens for `account` (called under the lock, after `stored`).
    fn store(&self, account: &str, tokens: &OAuthTokens) -> Result<(), ApiError>;
}

/// What a refresh needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Refresh {
    /// The account the tokens belong to (the keeper's key).
    pub account: String,
    pub client_id: String,
    pub refresh_token: Secret,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The token endpoint's base: `HEYGEN_OAUTH_BASE` or HeyGen's, with the same
/// loopback-only rule for plain http as the API base.
pub fn oauth_base_from_env() -> Result<ApiBase, BaseError> {
    match std::env::var(OAUTH_BASE_ENV) {
        Ok(v) if !v.trim().is_empty() => ApiBase::parse(&v).map_err(|e| BaseError(format!("{OAUTH_BASE_ENV}: {}", e.0))),
        _ => ApiBase::parse(DEFAULT_OAUTH_BASE),
    }
}

/// A fetch, and the new tokens if they were renewed on the way.
pub struct Fetched {
    pub result: Result<UserMe, ApiError>,
    /// Tokens to use from now on.
    pub new_tokens: Option<OAuthTokens>,
    /// The new tokens are not stored yet (no keeper, or storing failed): the owner
    /// must keep them in memory and save them.
    pub unsaved: bool,
}

impl Client {
    /// `POST {oauth base}/v1/oauth/token` with `grant_type=refresh_token`.
    pub async fn refresh_token(&self, refresh: &Refresh, now: DateTime<Utc>) -> Result<OAuthTokens, ApiError> {
        let Some(base) = &self.oauth_base else {
            return Err(ApiError::new(ErrorKind::Unauthorized, "No OAuth token endpoint is configured"));
        };
        let url = base.endpoint("/v1/oauth/token");
        let body = format!(
            "grant_type=refresh_token&refresh_token={}&client_id={}",
            url::form_urlencoded::byte_serialize(refresh.refresh_token.expose().as_bytes()).collect::<String>(),
            url::form_urlencoded::byte_serialize(refresh.client_id.as_bytes()).collect::<String>(),
        );
        let response = self
            .http
            .post(&url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| super::network_error(&e, base, &refresh.refresh_token))?;
        let status = response.status().as_u16();
        let request_id = header(&response, "x-request-id");
        let retry_after = header(&response, "retry-after").and_then(|v| super::parse_retry_after(&v, std::time::SystemTime::now()));
        let body = super::read_capped(response).await;
        if !(200..300).contains(&status) {
            let mut e = refresh_failure(status, body.as_deref().unwrap_or_default());
            e.status = Some(status);
            e.request_id = request_id;
            if e.kind == ErrorKind::RateLimited {
                e.retry_after = retry_after;
            }
            return Err(e);
        }
        let bytes = body.map_err(|m| ApiError::new(ErrorKind::InvalidResponse, m))?;
        #[derive(serde::Deserialize)]
        struct TokenAnswer {
            access_token: String,
            refresh_token: Option<String>,
            expires_in: Option<f64>,
        }
        let answer: TokenAnswer = serde_json::from_slice(&bytes).map_err(|_| {
            ApiError::new(ErrorKind::InvalidResponse, "HeyGen's token endpoint answered with something that is not a token")
        })?;
        Ok(OAuthTokens {
            access_token: Secret::new(answer.access_token),
            // A refresh may not return a new refresh token: keep the old one.
            refresh_token: Some(answer.refresh_token.map(Secret::new).unwrap_or_else(|| refresh.refresh_token.clone())),
            expires_at: answer.expires_in.and_then(|s| expiry(now, s)),
        })
    }

    /// Renews through the keeper (see the module's doc), or directly without one.
    async fn renew(&self, refresh: &Refresh, now: DateTime<Utc>) -> Result<(OAuthTokens, bool), ApiError> {
        let Some(keeper) = self.keeper.clone() else {
            return Ok((self.refresh_token(refresh, now).await?, false));
        };
        let k = keeper.clone();
        let guard = blocking(move || k.lock()).await?;
        let (k, account) = (keeper.clone(), refresh.account.clone());
        let stored = blocking(move || k.stored(&account)).await?;
        let result = match stored {
            None => Err(ApiError::new(ErrorKind::Unauthorized, "This account was removed; its token is not renewed.")),
            // Another process renewed it since this one read it: use that.
            Some(t) if t.refresh_token.as_ref() != Some(&refresh.refresh_token) || t.expires_at > refresh.expires_at => Ok((t, true)),
            Some(_) => {
                let tokens = self.refresh_token(refresh, now).await?;
                let (k, account, t) = (keeper, refresh.account.clone(), tokens.clone());
                match blocking(move || k.store(&account, &t)).await {
                    Ok(()) => Ok((tokens, true)),
                    Err(e) => {
                        tracing::error!("the renewed token of {} could not be stored yet: {e}", refresh.account);
                        Ok((tokens, false))
                    }
                }
            }
        };
        drop(guard);
        result
    }

    /// Fetches `/v3/users/me`, refreshing an OAuth token first when it is about to expire
    /// and once after a 401, when `refresh` allows it.
    pub async fn fetch_account(&self, credential: &Credential, refresh: Option<&Refresh>, now: DateTime<Utc>) -> Fetched {
        let mut credential = credential.clone();
        let (mut new_tokens, mut unsaved) = (None, false);
        let expiring = |r: &Refresh| r.expires_at.is_some_and(|t| t - now < chrono::Duration::from_std(REFRESH_AHEAD).unwrap());
        if let (Credential::OAuth(_), Some(r)) = (&credential, refresh) {
            if expiring(r) {
                // Renewing ahead of time: on failure the current token still serves.
                if let Ok((t, saved)) = self.renew(r, now).await {
                    credential = Credential::OAuth(t.access_token.clone());
                    (new_tokens, unsaved) = (Some(t), !saved);
                }
            }
        }
        let mut result = self.users_me(&credential).await;
        if let (Err(e), Credential::OAuth(_), Some(r), None) = (&result, &credential, refresh, &new_tokens) {
            if e.kind == ErrorKind::Unauthorized {
                match self.renew(r, now).await {
                    Ok((t, saved)) => {
                        result = self.users_me(&Credential::OAuth(t.access_token.clone())).await;
                        (new_tokens, unsaved) = (Some(t), !saved);
                    }
                    Err(re) => result = Err(sign_in_again(re)),
                }
            }
        }
        if let (Err(e), Credential::OAuth(_)) = (&mut result, &credential) {
            if e.kind == ErrorKind::Unauthorized && !e.message.contains("sign in") && !e.message.contains("removed") {
                // The API key's words (where to make a new key) do not fit a sign-in.
                let said = e.message.find(" HeyGen said:").map(|i| e.message[i..].to_string()).unwrap_or_default();
                e.message = format!(
                    "HeyGen no longer accepts this sign-in (401 unauthorized): the OAuth token expired or was revoked. To go on, sign in again with HeyGen's CLI (`heygen auth login`): an account imported from it takes the new sign-in by itself; any other, import it again (`heygen-tray accounts import-heygen-cli`) or add a new token.{said}"
                );
            }
        }
        Fetched { result, new_tokens, unsaved }
    }
}

/// What a failed refresh means. Only `invalid_grant` (400) and 401 say the sign-in
/// is over; anything else (429, 408, 5xx, other 4xx) is a failure to try again later.
fn refresh_failure(status: u16, body: &[u8]) -> ApiError {
    let grant_refused = status == 401
        || (status == 400
            && serde_json::from_slice::<serde_json::Value>(body)
                .is_ok_and(|v| v["error"] == "invalid_grant" || v["error"]["code"] == "invalid_grant"));
    let (kind, message) = match status {
        _ if grant_refused => {
            (ErrorKind::Unauthorized, format!("The OAuth token could not be renewed ({status}); sign in to HeyGen again."))
        }
        429 => (
            ErrorKind::RateLimited,
            "HeyGen's sign-in service asked to wait (429) before renewing the token; trying again later.".to_string(),
        ),
        408 => (ErrorKind::Network, "HeyGen's sign-in service timed out (408) while renewing the token; trying again later.".to_string()),
        500.. => {
            (ErrorKind::Server, format!("HeyGen's sign-in service had an error ({status}) while renewing the token; try again later."))
        }
        _ => (
            ErrorKind::InvalidResponse,
            format!("HeyGen's sign-in service refused to renew the token for now ({status}); trying again later."),
        ),
    };
    ApiError::new(kind, message)
}

/// When a token given `expires_in` seconds at `now` expires; nonsense is ignored and
/// anything beyond [`MAX_TOKEN_LIFETIME`] cut to it.
fn expiry(now: DateTime<Utc>, expires_in: f64) -> Option<DateTime<Utc>> {
    if !expires_in.is_finite() || expires_in <= 0.0 {
        return None;
    }
    let secs = expires_in.min(MAX_TOKEN_LIFETIME.as_secs_f64()) as i64;
    now.checked_add_signed(chrono::Duration::seconds(secs))
}

/// Runs blocking keeper work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, ApiError> + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(ApiError::new(ErrorKind::Keyring, format!("the keyring could not be asked ({e})"))))
}

fn sign_in_again(mut e: ApiError) -> ApiError {
    if e.kind == ErrorKind::Unauthorized {
        e.message = format!("The OAuth token expired and could not be renewed: sign in to HeyGen again. ({})", e.message);
    }
    e
}
