//! The HeyGen client: `GET {base}/v3/users/me` with one pooled HTTPS client,
//! timeouts, a response-size cap and classified failures.

mod error;
mod key_info;
pub mod oauth;
pub mod schema;

pub use error::{ApiError, ErrorKind, KEY_MISSING};
pub use key_info::KeyInfo;
pub use schema::UserMe;

use crate::secret::Secret;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};
use url::Url;

/// The production API.
pub const DEFAULT_BASE: &str = "https://api.heygen.com";
/// Environment variable that points the client somewhere else (as HeyGen's own CLI does).
pub const BASE_ENV: &str = "HEYGEN_API_BASE";
/// Largest answer read; `/v3/users/me` is well under 2 KiB.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(30);

/// How a request authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `X-Api-Key`: billed on the API tier (`wallet`).
    ApiKey(Secret),
    /// `Authorization: Bearer`: billed on the web plan (`subscription`).
    OAuth(Secret),
}

impl Credential {
    pub fn secret(&self) -> &Secret {
        match self {
            Credential::ApiKey(s) | Credential::OAuth(s) => s,
        }
    }
}

/// A base URL that is safe to send a key to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiBase(Url);

/// The base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BaseError(pub String);

/// HeyGen's own API.
impl Default for ApiBase {
    fn default() -> Self {
        ApiBase::parse(DEFAULT_BASE).expect("the default base is valid")
    }
}

impl ApiBase {
    /// Accepts `https://` anywhere and plain `http://` only for loopback hosts, so a key is
    /// never sent in clear text over a network.
    pub fn parse(raw: &str) -> Result<Self, BaseError> {
        let url = Url::parse(raw.trim()).map_err(|e| BaseError(format!("API base URL {raw:?} is not a valid URL ({e})")))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(BaseError(format!(
                    "API base URL {raw:?} refused: plain http:// would send the key in clear text; \
                     use https:// (http:// is allowed only for 127.0.0.1, ::1 and localhost)"
                )))
            }
            other => return Err(BaseError(format!("API base URL {raw:?} refused: scheme {other:?} is not supported, use https://"))),
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(BaseError(format!("API base URL {raw:?} has no host")));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(BaseError("API base URL refused: it must not contain a user name or password".into()));
        }
        Ok(ApiBase(url))
    }

    /// `HEYGEN_API_BASE` when set and not empty, else the production API.
    pub fn from_env() -> Result<Self, BaseError> {
        match std::env::var(BASE_ENV) {
            Ok(v) if !v.trim().is_empty() => Self::parse(&v).map_err(|e| BaseError(format!("{BASE_ENV}: {}", e.0))),
            _ => Self::parse(DEFAULT_BASE),
        }
    }

    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{}", self.0.as_str().trim_end_matches('/'), path)
    }

    pub fn host(&self) -> String {
        self.0.host_str().unwrap_or_default().to_string()
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// One pooled client for every account.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: ApiBase,
    /// Where OAuth tokens are refreshed; `None` when refresh is impossible.
    oauth_base: Option<ApiBase>,
    /// Where renewed tokens are stored, under a lock shared by the user's processes.
    keeper: Option<std::sync::Arc<dyn oauth::TokenKeeper>>,
}

impl Client {
    pub fn new(base: ApiBase) -> Self {
        Self::with_timeouts(base, CONNECT_TIMEOUT, TOTAL_TIMEOUT)
    }

    /// A client with other timeouts (tests use short ones).
    pub fn with_timeouts(base: ApiBase, connect: Duration, total: Duration) -> Self {
        let http = with_trust(with_proxies(reqwest::Client::builder()))
            .connect_timeout(connect)
            .timeout(total)
            // A redirect could carry X-Api-Key to another host: never follow one.
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(1)
            .user_agent(concat!("heygen-tray/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client configuration is static and valid");
        Client { http, base, oauth_base: None, keeper: None }
    }

    /// Stores renewed OAuth tokens through `keeper` (see [`oauth`]).
    pub fn with_token_keeper(mut self, keeper: std::sync::Arc<dyn oauth::TokenKeeper>) -> Self {
        self.keeper = Some(keeper);
        self
    }

    /// Sets where OAuth tokens are refreshed.
    pub fn with_oauth_base(mut self, oauth_base: ApiBase) -> Self {
        self.oauth_base = Some(oauth_base);
        self
    }

    pub fn base(&self) -> &ApiBase {
        &self.base
    }

    /// Fetches the profile and balance of the account that `credential` belongs to.
    pub async fn users_me(&self, credential: &Credential) -> Result<UserMe, ApiError> {
        let answer = self.get("/v3/users/me", credential).await?;
        let err = match (answer.status, &answer.body) {
            (200..=299, Ok(body)) => match parse_user(body, &answer.content_type) {
                Ok(me) => return Ok(me),
                Err(message) => ApiError::new(ErrorKind::InvalidResponse, message),
            },
            (200..=299, Err(message)) => ApiError::new(ErrorKind::InvalidResponse, message.clone()),
            (status, body) => status_error(status, body.as_deref().unwrap_or_default()),
        };
        Err(answer.failed(err, credential.secret()))
    }

    /// Sends `GET path` with the credential and reads the answer (capped).
    pub(crate) async fn get(&self, path: &str, credential: &Credential) -> Result<Answer, ApiError> {
        let url = self.base.endpoint(path);
        let request = self.http.get(&url).header("Accept", "application/json");
        let request = match credential {
            Credential::ApiKey(k) => match reqwest::header::HeaderValue::from_str(k.expose()) {
                Ok(mut v) => {
                    // Kept out of any Debug output of the request.
                    v.set_sensitive(true);
                    request.header("X-Api-Key", v)
                }
                Err(_) => {
                    return Err(ApiError::new(
                        ErrorKind::Unauthorized,
                        "The key contains characters no HeyGen key has (a pasting mistake?); add it again.",
                    ))
                }
            },
            Credential::OAuth(t) => request.bearer_auth(t.expose()),
        };
        let response = request.send().await.map_err(|e| network_error(&e, &self.base, credential.secret()))?;
        let status = response.status().as_u16();
        let request_id = header(&response, "x-request-id");
        let retry_after = header(&response, "retry-after").and_then(|v| parse_retry_after(&v, SystemTime::now()));
        let content_type = header(&response, "content-type").unwrap_or_default();
        let body = read_capped(response).await;
        Ok(Answer { status, request_id, retry_after, content_type, body })
    }
}

/// An answer as read by [`Client::get`].
pub(crate) struct Answer {
    pub status: u16,
    pub request_id: Option<String>,
    pub retry_after: Option<Duration>,
    pub content_type: String,
    /// The body, or why it was not read (too large, cut off).
    pub body: Result<Vec<u8>, String>,
}

impl Answer {
    /// Completes `err` with what the answer says (status, request id, Retry-After) and
    /// scrubs the secret from it.
    pub fn failed(&self, mut err: ApiError, secret: &Secret) -> ApiError {
        err.status = Some(self.status);
        err.request_id = self.request_id.clone();
        if err.kind == ErrorKind::RateLimited {
            err.retry_after = self.retry_after;
            if let Some(d) = self.retry_after {
                err.message = err.message.replacen("wait before asking again", &format!("wait {} s before asking again", d.as_secs()), 1);
            }
        }
        err.message = secret.scrub(&err.message);
        err.code = err.code.map(|c| secret.scrub(&c));
        err
    }
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Trust: the platform's certificate store (on Linux the system bundle, or
/// `SSL_CERT_FILE` / `SSL_CERT_DIR`), so a company's inspecting proxy whose CA is
/// installed there is trusted like curl and browsers trust it. Built-in roots are used
/// only where a system has no store at all. Unknown CAs are refused either way.
fn with_trust(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder.tls_built_in_native_certs(true).tls_built_in_webpki_certs(!platform_store_present())
}

fn platform_store_present() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    let env_set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    env_set("SSL_CERT_FILE")
        || env_set("SSL_CERT_DIR")
        || ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem"]
            .iter()
            .any(|p| std::path::Path::new(p).is_file())
}

/// Proxies: `HTTPS_PROXY` (or `ALL_PROXY`, either case) for https requests, with
/// `NO_PROXY` exceptions. Plain http (allowed for loopback only) never goes through a
/// proxy: `HTTP_PROXY` would carry the key in clear text.
fn with_proxies(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    let builder = builder.no_proxy();
    let from_env = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()));
    let Some(url) = from_env else { return builder };
    let url = if url.contains("://") { url } else { format!("http://{url}") };
    match reqwest::Proxy::https(&url) {
        Ok(proxy) => builder.proxy(proxy.no_proxy(reqwest::NoProxy::from_env())),
        Err(e) => {
            tracing::warn!("the proxy in HTTPS_PROXY is not usable ({e}); connecting directly");
            builder
        }
    }
}

/// Reads the body, refusing more than [`MAX_BODY_BYTES`] and reporting a cut-off answer.
pub(crate) async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    if response.content_length().is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => return Err("HeyGen's answer stopped arriving before it was complete (timed out)".into()),
            Err(_) => return Err("HeyGen's answer was cut off before it was complete".into()),
        }
    }
}

fn too_large() -> String {
    format!("HeyGen's answer was larger than {} KiB and was not read", MAX_BODY_BYTES / 1024)
}

fn parse_user(body: &[u8], content_type: &str) -> Result<UserMe, String> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err("HeyGen answered with an empty body instead of account data".into());
    }
    if trimmed.starts_with('<') || content_type.contains("html") {
        return Err("HeyGen answered with a web page instead of account data (a proxy or outage page?)".into());
    }
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        if e.is_eof() {
            "HeyGen's answer was cut off before it was complete".to_string()
        } else {
            format!("HeyGen's answer is not valid JSON ({e})")
        }
    })?;
    crate::text::clean_json(&mut value);
    let envelope: schema::Envelope =
        serde_json::from_value(value).map_err(|e| format!("HeyGen's answer does not have the expected shape ({e})"))?;
    envelope.data.billing().map_err(|e| format!("HeyGen's answer does not have the expected shape: {}", e.0))?;
    Ok(envelope.data)
}

/// The v3 error envelope, if the body has one: `(code, message)`.
fn envelope(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return (None, None);
    };
    crate::text::clean_json(&mut value);
    let error = value.get("error").unwrap_or(&value);
    let text =
        |key: &str| error.get(key).and_then(|v| v.as_str()).map(|s| s.chars().take(300).collect::<String>()).filter(|s| !s.is_empty());
    (text("code"), text("message"))
}

fn status_error(status: u16, body: &[u8]) -> ApiError {
    let (code, server_message) = envelope(body);
    let said = server_message.as_deref().map(|m| format!(" HeyGen said: \"{m}\"")).unwrap_or_default();
    let (kind, message) = match status {
        401 => (
            ErrorKind::Unauthorized,
            format!("The key was rejected (401 unauthorized): it is wrong, revoked or expired. Replace it with a current key from https://app.heygen.com/settings?nav=API.{said}"),
        ),
        403 if code.as_deref() == Some(error::SCOPE_CODE) => (
            ErrorKind::Forbidden,
            format!("This key lacks the account:read scope, so it may not read the balance (403 {}). {}{said}", error::SCOPE_CODE, error::SCOPE_FIX),
        ),
        403 => (
            ErrorKind::Forbidden,
            format!("The key may not read the account balance (403 forbidden). Check the key's permissions in HeyGen.{said}"),
        ),
        429 => (
            ErrorKind::RateLimited,
            format!("HeyGen is limiting requests (429 too many requests); wait before asking again.{said}"),
        ),
        500..=599 => (
            ErrorKind::Server,
            format!("HeyGen had a server error ({status}); this is usually temporary, try again in a few minutes.{said}"),
        ),
        _ => (
            ErrorKind::InvalidResponse,
            format!("HeyGen answered with unexpected status {status}; check HEYGEN_API_BASE or try again later.{said}"),
        ),
    };
    let mut err = ApiError::new(kind, message);
    err.code = code;
    err
}

fn network_error(e: &reqwest::Error, base: &ApiBase, secret: &Secret) -> ApiError {
    let host = base.host();
    let detail = root_cause(e);
    let message = if e.is_timeout() {
        format!("{host} did not answer in time; check the network connection")
    } else if detail.contains("certificate") || detail.contains("UnknownIssuer") {
        format!(
            "The certificate of {host} is not trusted by this computer ({detail}). If your network inspects HTTPS (a company proxy), add its certificate authority to the system's store (Debian: copy it to /usr/local/share/ca-certificates/ and run update-ca-certificates), or point SSL_CERT_FILE at it."
        )
    } else if e.is_connect() {
        format!("Could not connect to {host} ({detail}); check the network connection")
    } else {
        format!("The request to {host} failed ({}); check the network connection", root_cause(e))
    };
    ApiError::new(ErrorKind::Network, secret.scrub(&message))
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// `Retry-After` as delay-seconds or an HTTP date, clamped to [1 s, 6 h].
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let delay = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else if let Ok(secs) = value.parse::<f64>() {
        if !secs.is_finite() || secs < 0.0 {
            return None;
        }
        Duration::from_secs_f64(secs.min(1e9))
    } else {
        let when = httpdate::parse_http_date(value).ok()?;
        when.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(delay.clamp(Duration::from_secs(1), Duration::from_secs(6 * 3600)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_except_on_loopback() {
        assert!(ApiBase::parse("https://api.heygen.com").is_ok());
        assert!(ApiBase::parse("http://127.0.0.1:8080").is_ok());
        assert!(ApiBase::parse("http://[::1]:8080/").is_ok());
        assert!(ApiBase::parse("http://localhost:1").is_ok());
        let err = ApiBase::parse("http://api.heygen.com").unwrap_err();
        assert!(err.0.contains("clear text"), "{err}");
        assert!(ApiBase::parse("http://127.0.0.1.example.com").is_err());
        assert!(ApiBase::parse("ftp://127.0.0.1").is_err());
        assert!(ApiBase::parse("not a url").is_err());
    }

    #[test]
    fn endpoint_joins_without_double_slashes() {
        let b = ApiBase::parse("http://127.0.0.1:9/prefix/").unwrap();
        assert_eq!(b.endpoint("/v3/users/me"), "http://127.0.0.1:9/prefix/v3/users/me");
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("999999999", now), Some(Duration::from_secs(6 * 3600)));
        // Any number HeyGen sends is clamped, never a panic or an overflow later on.
        for huge in ["18446744073709551615", "1e308", "9300000000000000000000", "Fri, 31 Dec 9999 23:59:59 GMT"] {
            assert_eq!(parse_retry_after(huge, now), Some(Duration::from_secs(6 * 3600)), "{huge}");
        }
    }

    #[test]
    fn error_envelope_code_and_message_are_kept() {
        let e = status_error(401, br#"{"error":{"code":"unauthorized","message":"Invalid API key"}}"#);
        assert_eq!(e.kind, ErrorKind::Unauthorized);
        assert_eq!(e.code.as_deref(), Some("unauthorized"));
        assert!(e.message.contains("Invalid API key"));
        let e = status_error(502, b"<html>Bad gateway</html>");
        assert_eq!(e.kind, ErrorKind::Server);
        assert_eq!(e.code, None);
    }
}
