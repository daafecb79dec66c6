//! `GET /v3/api_keys/self`: the API key in use — its name, status, scopes and expiry.
//! Older deployments answer 404: then there is nothing to say.

use super::{status_error, ApiError, Client, Credential, ErrorKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The key as HeyGen describes it. Unknown fields are ignored; a missing field, or
/// one of a shape this app does not understand, is null (it never fails the rest).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyInfo {
    #[serde(default, deserialize_with = "lenient::text")]
    pub key_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub key_name: Option<String>,
    /// `active`, `revoked`, `expired`, or what HeyGen adds later.
    #[serde(default, deserialize_with = "lenient::text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub scope_mode: Option<String>,
    #[serde(default, deserialize_with = "lenient::texts")]
    pub scopes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient::time")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub expires_in_seconds: Option<f64>,
}

impl KeyInfo {
    /// When the key expires: `expires_at`, else `expires_in_seconds` counted from `checked_at`.
    pub fn expiry(&self, checked_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.expires_at.or_else(|| {
            let secs = self.expires_in_seconds.filter(|s| s.is_finite())?.clamp(-1e10, 1e10);
            Some(checked_at + chrono::Duration::seconds(secs as i64))
        })
    }

    /// Revoked or expired by HeyGen's own word.
    pub fn is_dead(&self) -> bool {
        self.dead_status().is_some()
    }

    /// "revoked", "expired"…: HeyGen's word for a key that no longer works, in lower case.
    pub fn dead_status(&self) -> Option<String> {
        let status = self.status.as_deref()?.trim().to_ascii_lowercase();
        matches!(status.as_str(), "revoked" | "expired" | "disabled" | "deleted" | "inactive").then_some(status)
    }
}

/// Field readers that turn an unexpected shape into `None` instead of an error.
mod lenient {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) if !s.trim().is_empty() => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    }

    /// A list of names, or one string of names separated by spaces or commas.
    pub fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Array(items) => Some(items.into_iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()),
            Value::String(s) => Some(s.split([' ', ',']).filter(|w| !w.is_empty()).map(str::to_owned).collect()),
            _ => None,
        })
    }

    pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|f: &f64| f.is_finite()))
    }

    /// RFC 3339, a date-time without offset (UTC), a plain date, or Unix seconds
    /// (milliseconds when the number is too large to be seconds).
    pub fn time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => parse(s.trim()),
            Value::Number(n) => n.as_f64().and_then(from_unix),
            _ => None,
        })
    }

    fn parse(s: &str) -> Option<DateTime<Utc>> {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Some(t.with_timezone(&Utc));
        }
        for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
            if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
                return Some(Utc.from_utc_datetime(&t));
            }
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?));
        }
        s.parse::<f64>().ok().and_then(from_unix)
    }

    fn from_unix(n: f64) -> Option<DateTime<Utc>> {
        if !n.is_finite() || n <= 0.0 {
            return None;
        }
        let secs = if n > 1e11 { n / 1000.0 } else { n };
        DateTime::from_timestamp(secs as i64, 0)
    }
}

/// `{"data": {...}}` as documented; a bare description is read too, and
/// `{"data": null}` means there is nothing to say.
fn unwrap(value: serde_json::Value) -> Result<Option<KeyInfo>, String> {
    let inner = match value {
        serde_json::Value::Object(mut top) => match top.remove("data") {
            Some(serde_json::Value::Null) => return Ok(None),
            Some(data) => data,
            None if ["key_id", "key_name", "status", "expires_at"].iter().any(|k| top.contains_key(*k)) => serde_json::Value::Object(top),
            None => return Err("no \"data\" field".into()),
        },
        other => other,
    };
    if !inner.is_object() {
        return Err("the description is not an object".into());
    }
    serde_json::from_value::<KeyInfo>(inner).map(Some).map_err(|e| e.to_string())
}

impl Client {
    /// The key in use; `Ok(None)` when this deployment does not have the endpoint (404).
    pub async fn key_self(&self, credential: &Credential) -> Result<Option<KeyInfo>, ApiError> {
        let answer = self.get("/v3/api_keys/self", credential).await?;
        let err = match (answer.status, &answer.body) {
            (404, _) => return Ok(None),
            (200..=299, Ok(body)) => match serde_json::from_slice::<serde_json::Value>(body) {
                Ok(mut value) => {
                    crate::text::clean_json(&mut value);
                    match unwrap(value) {
                        Ok(info) => return Ok(info),
                        Err(e) => {
                            ApiError::new(ErrorKind::InvalidResponse, format!("HeyGen's key description has an unexpected shape ({e})"))
                        }
                    }
                }
                Err(e) => ApiError::new(ErrorKind::InvalidResponse, format!("HeyGen's key description is not valid JSON ({e})")),
            },
            (200..=299, Err(message)) => ApiError::new(ErrorKind::InvalidResponse, message.clone()),
            (status, body) => status_error(status, body.as_deref().unwrap_or_default()),
        };
        Err(answer.failed(err, credential.secret()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_from_either_field_and_dead_statuses() {
        let t = Utc::now();
        let k: KeyInfo =
            serde_json::from_value(serde_json::json!({"key_name": "render", "status": "active", "expires_in_seconds": 3600, "new": 1}))
                .unwrap();
        assert_eq!(k.expiry(t), Some(t + chrono::Duration::hours(1)));
        assert!(!k.is_dead());
        let k: KeyInfo =
            serde_json::from_value(serde_json::json!({"expires_at": "2027-01-01T00:00:00Z", "expires_in_seconds": 5, "status": "revoked"}))
                .unwrap();
        assert_eq!(k.expiry(t).unwrap().to_rfc3339(), "2027-01-01T00:00:00+00:00", "expires_at wins");
        assert!(k.is_dead());
        let k: KeyInfo = serde_json::from_value(serde_json::json!({"expires_at": null, "expires_in_seconds": 1e300})).unwrap();
        assert!(k.expiry(t).is_some(), "clamped, no panic");
        assert_eq!(KeyInfo::default().expiry(t), None);
    }

    #[test]
    fn envelope_bare_or_empty() {
        let v = |j: serde_json::Value| unwrap(j).map(|k| k.and_then(|k| k.key_name));
        assert_eq!(v(serde_json::json!({"data": {"key_name": "a"}})), Ok(Some("a".into())));
        assert_eq!(v(serde_json::json!({"key_name": "b", "status": "active"})), Ok(Some("b".into())));
        assert_eq!(v(serde_json::json!({"data": null})), Ok(None));
        assert!(v(serde_json::json!({"error": "x"})).is_err());
        assert!(v(serde_json::json!({"data": [1]})).is_err());
    }

    #[test]
    fn odd_shapes_are_read_or_left_out_never_fatal() {
        let read = |v: serde_json::Value| serde_json::from_value::<KeyInfo>(v).unwrap();
        let day = "2026-11-30T00:00:00+00:00";
        for at in [
            serde_json::json!("2026-11-30T00:00:00Z"),
            serde_json::json!("2026-11-30T00:00:00"),
            serde_json::json!("2026-11-30"),
            serde_json::json!(1_795_996_800),
            serde_json::json!(1_795_996_800_000u64),
            serde_json::json!("1795996800"),
        ] {
            assert_eq!(read(serde_json::json!({"expires_at": at})).expires_at.unwrap().to_rfc3339(), day, "{at}");
        }
        let k = read(
            serde_json::json!({"expires_at": "soon", "expires_in_seconds": "7200", "status": "Revoked", "scopes": "videos.read, balance.read", "key_name": {"x": 1}, "key_id": 42}),
        );
        assert_eq!(k.expires_at, None);
        assert_eq!(k.expiry(Utc::now()).map(|e| (e - Utc::now()).num_minutes()), Some(119));
        assert!(k.is_dead());
        assert_eq!(k.scopes.unwrap(), ["videos.read", "balance.read"]);
        assert_eq!(k.key_name, None);
        assert_eq!(k.key_id.as_deref(), Some("42"));
        // What the app writes (the snapshot over the live socket) reads back the same.
        let full = read(serde_json::json!({"key_name": "render", "expires_at": day, "scopes": ["a"], "expires_in_seconds": 5.0}));
        assert_eq!(read(serde_json::to_value(&full).unwrap()), full);
    }
}
