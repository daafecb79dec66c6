//! OAuth access tokens: refresh at HeyGen's token endpoint before they expire and once
//! after a 401, when a refresh token and a client ID are known.

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

/// What a refresh needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Refresh {
    pub client_id: String,
    pub refresh_token: Secret,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The token endpoint's base: `HEYGEN_OAUTH_BASE` or HeyGen's, with the same
/// loopback-only rule for plain http as the API base.
pub fn oauth_base_from_env() -> Result<ApiBase, BaseError> {
    match std::env::var(OAUTH_BASE_ENV) {
        Ok(v) if !v.trim().is_empty() => {
            ApiBase::parse(&v).map_err(|e| BaseError(format!("{OAUTH_BASE_ENV}: {}", e.0)))
        }
        _ => ApiBase::parse(DEFAULT_OAUTH_BASE),
    }
}

/// A fetch, and the new tokens if they were refreshed on the way (to be saved).
pub struct Fetched {
    pub result: Result<UserMe, ApiError>,
    pub new_tokens: Option<OAuthTokens>,
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
        let bytes = response.bytes().await.unwrap_or_default();
        if !(200..300).contains(&status) {
            let mut e = ApiError::new(
                ErrorKind::Unauthorized,
                format!("The OAuth token could not be renewed ({status}); sign in to HeyGen again."),
            );
            e.status = Some(status);
            e.request_id = request_id;
            if status >= 500 {
                e.kind = ErrorKind::Server;
                e.message = format!("HeyGen's sign-in service had an error ({status}) while renewing the token; try again later.");
            }
            return Err(e);
        }
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
            expires_at: answer
                .expires_in
                .filter(|s| s.is_finite() && *s > 0.0)
                .map(|s| now + chrono::Duration::seconds(s as i64)),
        })
    }

    /// Fetches `/v3/users/me`, refreshing an OAuth token first when it is about to expire
    /// and once after a 401, when `refresh` allows it.
    pub async fn fetch_account(&self, credential: &Credential, refresh: Option<&Refresh>, now: DateTime<Utc>) -> Fetched {
        let mut credential = credential.clone();
        let mut new_tokens = None;
        let expiring = |r: &Refresh| r.expires_at.is_some_and(|t| t - now < chrono::Duration::from_std(REFRESH_AHEAD).unwrap());
        if let (Credential::OAuth(_), Some(r)) = (&credential, refresh) {
            if expiring(r) {
                if let Ok(t) = self.refresh_token(r, now).await {
                    credential = Credential::OAuth(t.access_token.clone());
                    new_tokens = Some(t);
                }
            }
        }
        let mut result = self.users_me(&credential).await;
        if let (Err(e), Credential::OAuth(_), Some(r), None) = (&result, &credential, refresh, &new_tokens) {
            if e.kind == ErrorKind::Unauthorized {
                match self.refresh_token(r, now).await {
                    Ok(t) => {
                        result = self.users_me(&Credential::OAuth(t.access_token.clone())).await;
                        new_tokens = Some(t);
                    }
                    Err(re) => result = Err(sign_in_again(re)),
                }
            }
        }
        if let (Err(e), Credential::OAuth(_)) = (&mut result, &credential) {
            if e.kind == ErrorKind::Unauthorized && !e.message.contains("sign in") {
                e.message = format!("The OAuth token expired or was revoked: sign in to HeyGen again (re-import it with `heygen-tray accounts import-heygen-cli` or add a new token). {}", e.message);
            }
        }
        Fetched { result, new_tokens }
    }
}

fn sign_in_again(mut e: ApiError) -> ApiError {
    if e.kind == ErrorKind::Unauthorized {
        e.message = format!("The OAuth token expired and could not be renewed: sign in to HeyGen again. ({})", e.message);
    }
    e
}
