//! Reads the credentials of HeyGen's official CLI (`~/.heygen/credentials`, or under
//! `HEYGEN_CONFIG_DIR`): JSON with an API key or OAuth tokens, plus a `user` block; or
//! the legacy form the CLI still reads, the key alone on one line.

use crate::api::oauth::OAuthTokens;
use crate::keystore::StoredSecret;
use crate::secret::Secret;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use std::path::PathBuf;

pub const CONFIG_DIR_ENV: &str = "HEYGEN_CONFIG_DIR";

/// `$HEYGEN_CONFIG_DIR/credentials`, else `~/.heygen/credentials`.
pub fn credentials_path() -> PathBuf {
    match std::env::var_os(CONFIG_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("credentials"),
        _ => dirs::home_dir().unwrap_or_default().join(".heygen").join("credentials"),
    }
}

/// What the file held.
#[derive(Debug)]
pub struct Imported {
    pub secret: StoredSecret,
    /// The `user` block's username or email, when present.
    pub user: Option<String>,
    /// The `user` block's username alone (HeyGen's `username`, as `/v3/users/me` says it).
    pub username: Option<String>,
}

/// Reads and parses the credentials file; errors are sentences for the user.
pub fn read() -> Result<Imported, String> {
    read_from(&credentials_path())
}

/// Reads and parses the credentials file at `path`.
pub fn read_from(path: &std::path::Path) -> Result<Imported, String> {
    parse_from(path, &read_raw(path)?)
}

/// The file's bytes as text. Only a regular file is read, and it is opened without
/// waiting (a FIFO or a device in its place is refused, never read from).
pub fn read_raw(path: &std::path::Path) -> Result<zeroize::Zeroizing<String>, String> {
    let bytes = zeroize::Zeroizing::new(crate::settings::read_regular(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            format!("No HeyGen CLI credentials at {}. Sign in with HeyGen's CLI first, or set {CONFIG_DIR_ENV}.", path.display())
        }
        _ => format!("Could not read {}: {e}", path.display()),
    })?);
    match std::str::from_utf8(&bytes) {
        Ok(text) => Ok(zeroize::Zeroizing::new(text.to_string())),
        Err(_) => Err(format!("{} is not a HeyGen CLI credentials file: it is not text", path.display())),
    }
}

/// Parses text read from `path` (named in the error).
pub fn parse_from(path: &std::path::Path, text: &str) -> Result<Imported, String> {
    parse(text).map_err(|why| format!("{} is not a HeyGen CLI credentials file: {why}", path.display()))
}

pub fn parse(text: &str) -> Result<Imported, String> {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => {
            return legacy_key(text)
                .map(|key| Imported { secret: StoredSecret::ApiKey(Secret::new(key)), user: None, username: None })
                .ok_or_else(|| "it is neither JSON nor a single API key on one line".to_string())
        }
    };
    let user = ["username", "email"].iter().find_map(|k| v["user"][k].as_str()).map(str::to_string);
    let username = v["user"]["username"].as_str().filter(|u| !u.is_empty()).map(str::to_string);
    // An API key wins over tokens beside it, as HeyGen's CLI chooses.
    if let Some(key) = v["api_key"].as_str().filter(|k| !k.trim().is_empty()) {
        return Ok(Imported { secret: StoredSecret::ApiKey(Secret::new(key)), user, username });
    }
    match oauth_tokens(&v["oauth"]) {
        Some(tokens) => Ok(Imported { secret: StoredSecret::OAuth(tokens), user, username }),
        None => Err("it holds neither an api_key nor oauth tokens".into()),
    }
}

/// The legacy file: one line holding only the key (printable, no spaces).
fn legacy_key(text: &str) -> Option<&str> {
    let key = text.trim();
    let plausible = (8..=512).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic()) && !key.starts_with(['{', '[', '"']);
    plausible.then_some(key)
}

/// The CLI's token block `{"access_token", "refresh_token", "expires_at", ...}`.
pub fn oauth_tokens(block: &Value) -> Option<OAuthTokens> {
    let access = block["access_token"].as_str().filter(|k| !k.trim().is_empty())?;
    Some(OAuthTokens {
        access_token: Secret::new(access),
        refresh_token: block["refresh_token"].as_str().filter(|r| !r.is_empty()).map(Secret::new),
        expires_at: expiry(&block["expires_at"]),
    })
}

/// `expires_at` as RFC 3339 text or Unix seconds (or milliseconds).
pub fn expiry(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc)),
        Value::Number(n) => {
            let n = n.as_f64()?;
            let secs = if n > 1e11 { n / 1000.0 } else { n };
            Utc.timestamp_opt(secs as i64, 0).single()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_api_keys_and_oauth_tokens() {
        let i = parse(r#"{"api_key":"hg_key_123456789","user":{"username":"jane"}}"#).unwrap();
        assert_eq!(i.secret, StoredSecret::ApiKey(Secret::new("hg_key_123456789")));
        assert_eq!(i.user.as_deref(), Some("jane"));
        let i = parse(r#"{"oauth":{"access_token":"at_1","refresh_token":"rt_1","expires_at":"2030-01-01T00:00:00Z","scope":"x","token_type":"Bearer"}}"#).unwrap();
        match i.secret {
            StoredSecret::OAuth(t) => {
                assert_eq!(t.access_token.expose(), "at_1");
                assert_eq!(t.refresh_token.unwrap().expose(), "rt_1");
                assert_eq!(t.expires_at.unwrap().to_rfc3339(), "2030-01-01T00:00:00+00:00");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(expiry(&serde_json::json!(1893456000)).unwrap().to_rfc3339(), "2030-01-01T00:00:00+00:00");
        assert!(parse("{}").is_err());
        assert!(parse("nope").is_err());
    }

    #[test]
    fn reads_the_legacy_file_with_the_key_alone_on_one_line() {
        let i = parse("hg_legacy_key_0123456789\n").unwrap();
        assert_eq!(i.secret, StoredSecret::ApiKey(Secret::new("hg_legacy_key_0123456789")));
        assert_eq!(i.user, None);
        for bad in ["two words here please", "line one\nline two", "{broken json", "", "short"] {
            let e = parse(bad).err().unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert!(e.contains("neither JSON nor a single API key"), "{e}");
        }
    }
}
