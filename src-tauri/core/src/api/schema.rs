//! The body of `GET /v3/users/me`, parsed leniently.
//!
//! Every documented field is optional except `username`; unknown fields are ignored and
//! unknown enum values are kept as text. The three billing objects are kept as raw JSON
//! until `billing_type` says which one to read, so a malformed object that is not in use
//! cannot break an otherwise good answer.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `data` of the response.
#[derive(Debug, Clone, Deserialize)]
pub struct UserMe {
    pub username: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub billing_type: Option<String>,
    #[serde(default)]
    pub wallet: Option<Value>,
    #[serde(default)]
    pub subscription: Option<Value>,
    #[serde(default)]
    pub usage_based: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Envelope {
    pub data: UserMe,
}

/// Which billing object an answer is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillingKind {
    Wallet,
    Subscription,
    UsageBased,
}

impl BillingKind {
    pub fn from_api(value: &str) -> Option<Self> {
        match value {
            "wallet" => Some(Self::Wallet),
            "subscription" => Some(Self::Subscription),
            "usage_based" => Some(Self::UsageBased),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Wallet {
    #[serde(default, deserialize_with = "lenient_string")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub remaining_balance: Option<f64>,
    #[serde(default, deserialize_with = "lenient_object")]
    pub auto_reload: Option<AutoReload>,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq)]
pub struct AutoReload {
    #[serde(default, deserialize_with = "lenient_bool")]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub threshold_usd: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub amount_usd: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Subscription {
    #[serde(default, deserialize_with = "lenient_string")]
    pub plan: Option<String>,
    #[serde(default, deserialize_with = "lenient_object")]
    pub credits: Option<Credits>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Credits {
    #[serde(default, deserialize_with = "lenient_object")]
    pub premium_credits: Option<CreditPool>,
    #[serde(default, deserialize_with = "lenient_object")]
    pub add_on_credits: Option<CreditPool>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct CreditPool {
    #[serde(default, deserialize_with = "lenient_number")]
    pub remaining: Option<f64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub resets_at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct UsageBased {
    #[serde(default, deserialize_with = "lenient_number")]
    pub spending_current_usd: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub spending_cap_usd: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub included_credits: Option<f64>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub remaining_credits: Option<f64>,
}

/// The billing object `billing_type` names, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Billing {
    Wallet(Wallet),
    Subscription(Subscription),
    UsageBased(UsageBased),
    /// `billing_type` is null or unknown and no single billing object is present.
    Unknown,
}

/// Why an answer's billing object could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeError(pub String);

impl UserMe {
    /// The billing object to read: the one `billing_type` names, or, when that is null or
    /// unknown, the only one present.
    pub fn billing(&self) -> Result<Billing, ShapeError> {
        let kind = match self.billing_type.as_deref().and_then(BillingKind::from_api) {
            Some(kind) => kind,
            None => {
                let present: Vec<BillingKind> = [
                    (BillingKind::Wallet, &self.wallet),
                    (BillingKind::Subscription, &self.subscription),
                    (BillingKind::UsageBased, &self.usage_based),
                ]
                .into_iter()
                .filter(|(_, v)| v.as_ref().is_some_and(Value::is_object))
                .map(|(k, _)| k)
                .collect();
                match present.as_slice() {
                    [only] => *only,
                    _ => return Ok(Billing::Unknown),
                }
            }
        };
        Ok(match kind {
            BillingKind::Wallet => Billing::Wallet(object(&self.wallet, "wallet")?),
            BillingKind::Subscription => Billing::Subscription(object(&self.subscription, "subscription")?),
            BillingKind::UsageBased => Billing::UsageBased(object(&self.usage_based, "usage_based")?),
        })
    }
}

/// A billing object that is null or absent reads as empty (every figure unknown);
/// one of the wrong type is a shape error.
fn object<T: for<'de> Deserialize<'de> + Default>(value: &Option<Value>, name: &str) -> Result<T, ShapeError> {
    match value {
        None | Some(Value::Null) => Ok(T::default()),
        Some(v @ Value::Object(_)) => T::deserialize(v).map_err(|e| ShapeError(format!("`{name}` could not be read: {e}"))),
        Some(_) => Err(ShapeError(format!("`{name}` is not an object"))),
    }
}

/// A number, or a string holding one; anything else reads as unknown.
fn lenient_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    })
}

fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        _ => None,
    })
}

/// A nested object that is malformed reads as absent instead of failing the whole answer.
fn lenient_object<'de, D: Deserializer<'de>, T: for<'a> Deserialize<'a>>(d: D) -> Result<Option<T>, D::Error> {
    Ok(match Value::deserialize(d)? {
        v @ Value::Object(_) => T::deserialize(v).ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> UserMe {
        serde_json::from_str::<Envelope>(json).unwrap().data
    }

    #[test]
    fn billing_type_decides_even_when_all_objects_are_filled() {
        let me = parse(
            r#"{"data":{"username":"u","billing_type":"usage_based",
            "wallet":{"currency":"usd","remaining_balance":1},
            "subscription":{"plan":"free"},
            "usage_based":{"spending_current_usd":42.5,"spending_cap_usd":100}}}"#,
        );
        match me.billing().unwrap() {
            Billing::UsageBased(u) => assert_eq!(u.spending_cap_usd, Some(100.0)),
            other => panic!("read {other:?}"),
        }
    }

    #[test]
    fn unknown_values_and_fields_do_not_break_parsing() {
        let me = parse(
            r#"{"data":{"username":"u","billing_type":"prepaid_2030","new_field":[1,2],
            "wallet":{"currency":"eur","remaining_balance":"12.5","auto_reload":"weird"}}}"#,
        );
        match me.billing().unwrap() {
            Billing::Wallet(w) => {
                assert_eq!(w.currency.as_deref(), Some("eur"));
                assert_eq!(w.remaining_balance, Some(12.5));
                assert_eq!(w.auto_reload, None);
            }
            other => panic!("read {other:?}"),
        }
    }

    #[test]
    fn a_malformed_object_not_in_use_is_ignored_but_one_in_use_is_an_error() {
        let me = parse(r#"{"data":{"username":"u","billing_type":"wallet","wallet":{},"subscription":7}}"#);
        assert!(matches!(me.billing(), Ok(Billing::Wallet(_))));
        let me = parse(r#"{"data":{"username":"u","billing_type":"wallet","wallet":[1]}}"#);
        assert!(me.billing().is_err());
    }

    #[test]
    fn null_billing_type_with_no_object_is_unknown() {
        let me = parse(r#"{"data":{"username":"u","billing_type":null}}"#);
        assert_eq!(me.billing().unwrap(), Billing::Unknown);
    }
}
