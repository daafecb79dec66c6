//! `GET /v3/api_keys/self`: the API key in use — its name, status, scopes and expiry.
//! Older deployments answer 404: then there is nothing to say.

use super::{status_error, ApiError, Client, Credential, ErrorKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The key as HeyGen describes it. Unknown fields are ignored, missing ones are null.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyInfo {
    #[serde(default)]
    pub key_id: Option<String>,
    #[serde(default)]
    pub key_name: Option<String>,
    /// `active`, `revoked`, `expired`, or what HeyGen adds later.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub scope_mode: Option<String>,
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
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
        matches!(self.status.as_deref(), Some("revoked" | "expired" | "disabled" | "deleted"))
    }
}

#[derive(Deserialize)]
struct Envelope {
    data: KeyInfo,
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
                    match serde_json::from_value::<Envelope>(value) {
                        Ok(e) => return Ok(Some(e.data)),
                        Err(e) => ApiError::new(ErrorKind::InvalidResponse, format!("HeyGen's key description has an unexpected shape ({e})")),
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
        let k: KeyInfo = serde_json::from_value(serde_json::json!({"key_name": "render", "status": "active", "expires_in_seconds": 3600, "new": 1})).unwrap();
        assert_eq!(k.expiry(t), Some(t + chrono::Duration::hours(1)));
        assert!(!k.is_dead());
        let k: KeyInfo = serde_json::from_value(serde_json::json!({"expires_at": "2027-01-01T00:00:00Z", "expires_in_seconds": 5, "status": "revoked"})).unwrap();
        assert_eq!(k.expiry(t).unwrap().to_rfc3339(), "2027-01-01T00:00:00+00:00", "expires_at wins");
        assert!(k.is_dead());
        let k: KeyInfo = serde_json::from_value(serde_json::json!({"expires_at": null, "expires_in_seconds": 1e300})).unwrap();
        assert!(k.expiry(t).is_some(), "clamped, no panic");
        assert_eq!(KeyInfo::default().expiry(t), None);
    }
}
