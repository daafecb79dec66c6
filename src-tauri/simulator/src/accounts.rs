//! The simulator's built-in accounts: who each key belongs to and how it answers.

use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Which header a credential must arrive in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    ApiKey,
    Oauth,
}

/// How an account answers `/v3/users/me`.
#[derive(Debug, Clone, PartialEq)]
pub enum Behaviour {
    /// 200 with `data`.
    Profile(Value),
    /// 200 with a wallet that drains over time and can be topped up.
    Draining,
    /// A fixed failure.
    Status {
        status: u16,
        retry_after: Option<RetryAfter>,
        html: bool,
    },
    /// 200 after a delay.
    Slow,
    Malformed,
    Html,
    Truncated,
    Oversized,
    WrongShape,
    /// 403 `insufficient_api_key_scope`: a key made without `account:read`.
    NoScope,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RetryAfter {
    Seconds(u64),
    /// An HTTP date this many seconds ahead.
    DateIn(u64),
}

#[derive(Debug, Clone)]
pub struct SimAccount {
    pub name: String,
    pub key: String,
    pub auth: Auth,
    pub behaviour: Behaviour,
    /// For `Draining`: balance at `settled_at`, dollars per second, floor at zero.
    pub balance: f64,
    pub drain_per_sec: f64,
    pub settled_at: Instant,
    /// Failures queued by the control API: (status, retry-after seconds), used first.
    pub queued_failures: Vec<(u16, Option<u64>)>,
    pub hits: u64,
    /// OAuth accounts: the refresh token the token endpoint accepts.
    pub refresh_token: Option<String>,
    /// Token refreshes served.
    pub refreshes: u64,
    /// For `Draining`: HeyGen's auto-reload, reported in the answer and, when it works,
    /// applied as the balance falls below its threshold.
    pub auto_reload: Option<SimReload>,
    /// What `/v3/api_keys/self` answers for this key (`None`: 404).
    pub key_self: Option<Value>,
    /// `/v3/api_keys/self` requests served.
    pub key_checks: u64,
    /// When the latest request with this account's key came (either endpoint).
    pub last_request: Option<Instant>,
    /// The shortest time between two of its requests so far.
    pub min_gap: Option<std::time::Duration>,
}

/// Auto-reload of a simulated wallet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimReload {
    pub threshold_usd: f64,
    pub amount_usd: f64,
    /// False: a failed payment, the balance stays below the threshold.
    pub works: bool,
    /// Reloads done.
    pub reloads: u64,
}

impl SimAccount {
    /// Queues `count` failing answers, never beyond [`crate::MAX_QUEUED_FAILURES`] in all.
    pub fn queue_failures(&mut self, status: u16, count: usize, retry_after: Option<u64>) {
        let room = crate::MAX_QUEUED_FAILURES.saturating_sub(self.queued_failures.len());
        self.queued_failures.extend(std::iter::repeat_n((status, retry_after), count.min(room)));
    }

    pub fn new(name: &str, key: &str, auth: Auth, behaviour: Behaviour) -> Self {
        SimAccount {
            name: name.into(),
            key: key.into(),
            auth,
            behaviour,
            balance: 0.0,
            drain_per_sec: 0.0,
            settled_at: Instant::now(),
            queued_failures: Vec::new(),
            hits: 0,
            refresh_token: None,
            refreshes: 0,
            auto_reload: None,
            key_self: None,
            key_checks: 0,
            last_request: None,
            min_gap: None,
        }
    }

    /// Notes a request with this account's key (for [`SimAccount::min_gap`]).
    pub fn requested(&mut self) {
        let now = Instant::now();
        if let Some(last) = self.last_request {
            let gap = now - last;
            self.min_gap = Some(self.min_gap.map_or(gap, |m| m.min(gap)));
        }
        self.last_request = Some(now);
    }

    /// Brings the draining balance up to now.
    pub fn settle(&mut self) -> f64 {
        let now = Instant::now();
        let dt = now.duration_since(self.settled_at).as_secs_f64();
        self.balance = (self.balance - self.drain_per_sec * dt).max(0.0);
        self.settled_at = now;
        if let Some(r) = self.auto_reload.as_mut().filter(|r| r.works && r.amount_usd > 0.0) {
            while self.balance < r.threshold_usd {
                self.balance += r.amount_usd;
                r.reloads += 1;
            }
        }
        self.balance
    }
}

/// The documented user-profile example, verbatim.
pub const DOCUMENTED_WALLET: &str = r#"{"data":{"username":"jane_doe","email":"jane@example.com","first_name":"Jane","last_name":"Doe",
 "billing_type":"wallet",
 "wallet":{"currency":"usd","remaining_balance":42.50,"auto_reload":{"enabled":false}},
 "subscription":null,"usage_based":null}}"#;

/// The API reference's schema example: every billing object filled, `wallet` in use.
pub fn documented_schema_example(billing_type: &str) -> Value {
    json!({
        "username": "schema_user", "email": "user@example.com", "first_name": "Schema", "last_name": "Example",
        "billing_type": billing_type,
        "wallet": {"currency": "usd", "remaining_balance": 42.5,
                   "auto_reload": {"enabled": true, "threshold_usd": 10, "amount_usd": 50}},
        "subscription": {"plan": "free", "credits": {
            "premium_credits": {"remaining": 500, "resets_at": "2024-05-01T00:00:00Z"},
            "add_on_credits": {"remaining": 500, "resets_at": "2024-05-01T00:00:00Z"}}},
        "usage_based": {"spending_current_usd": 42.5, "spending_cap_usd": 100}
    })
}

/// A `/v3/api_keys/self` answer: `status`, expiring in `expires_in` seconds (or never).
pub fn key_description(name: &str, status: &str, expires_in: Option<i64>) -> Value {
    let expires_at =
        expires_in.map(|s| (chrono::Utc::now() + chrono::Duration::seconds(s)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    json!({"key_id": format!("key_{name}"), "key_name": format!("{name} key"), "status": status,
           "scope_mode": "restricted", "scopes": ["account:read", "video:write"],
           "expires_at": expires_at, "expires_in_seconds": expires_in})
}

fn data_of(envelope: &str) -> Value {
    serde_json::from_str::<Value>(envelope).expect("static JSON")["data"].take()
}

fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).format("%Y-%m-%dT00:00:00Z").to_string()
}

/// The built-in accounts; each key selects a billing type or a failure.
pub fn builtin(drain_seconds: f64) -> Vec<SimAccount> {
    use Behaviour::*;
    let profile = |name: &str, key: &str, auth: Auth, data: Value| {
        let mut a = SimAccount::new(name, key, auth, Profile(data));
        // Built-in API keys describe themselves without an expiry.
        if auth == Auth::ApiKey {
            a.key_self = Some(key_description(name, "active", None));
        }
        a
    };
    let with_key = |mut a: SimAccount, status: &str, expires_in: Option<i64>| {
        a.key_self = Some(key_description(&a.name, status, expires_in));
        a
    };
    let status = |status: u16, retry_after: Option<RetryAfter>, html: bool| Status { status, retry_after, html };
    let mut drain = SimAccount::new("drain", "sim-drain-key", Auth::ApiKey, Draining);
    drain.balance = 12.0;
    drain.drain_per_sec = 12.0 / drain_seconds.max(1.0);
    drain.key_self = Some(key_description("drain", "active", Some(40 * 86_400)));
    // Wallets with auto-reload below $10 (+$50): one whose reloads work, one whose
    // payment fails, so the balance stays below the threshold and drains on.
    let reloading = |name: &str, key: &str, works: bool| {
        let mut a = SimAccount::new(name, key, Auth::ApiKey, Draining);
        a.balance = 14.0;
        a.drain_per_sec = 12.0 / drain_seconds.max(1.0);
        a.auto_reload = Some(SimReload { threshold_usd: 10.0, amount_usd: 50.0, works, reloads: 0 });
        a
    };
    vec![
        profile("wallet", "sim-wallet-key", Auth::ApiKey, data_of(DOCUMENTED_WALLET)),
        profile(
            "credits",
            "sim-credits-key",
            Auth::ApiKey,
            json!({
            "username": "acme_enterprise", "email": "video@acme.example", "first_name": null, "last_name": null,
            "billing_type": "wallet",
            "wallet": {"currency": "credits", "remaining_balance": 1250,
                       "auto_reload": {"enabled": true, "threshold_usd": null, "amount_usd": null}},
            "subscription": null, "usage_based": null}),
        ),
        SimAccount {
            refresh_token: Some("sim-refresh-token".into()),
            ..profile(
                "subscription",
                "sim-oauth-token",
                Auth::Oauth,
                json!({
            "username": "sam_creator", "email": "sam@example.com", "first_name": "Sam", "last_name": null,
            "billing_type": "subscription", "wallet": null, "usage_based": null,
            "subscription": {"plan": "creator", "credits": {
                "premium_credits": {"remaining": 180, "resets_at": in_days(5)},
                "add_on_credits": {"remaining": 20, "resets_at": in_days(40)}}}}),
            )
        },
        profile(
            "usage",
            "sim-usage-key",
            Auth::ApiKey,
            json!({
            "username": "ops_team", "email": null, "first_name": null, "last_name": null,
            "billing_type": "usage_based", "wallet": null, "subscription": null,
            "usage_based": {"spending_current_usd": 42.5, "spending_cap_usd": 100}}),
        ),
        profile(
            "usage-credits",
            "sim-usage-credits-key",
            Auth::ApiKey,
            json!({
            "username": "ops_credits", "billing_type": "usage_based", "wallet": null, "subscription": null,
            "usage_based": {"spending_current_usd": 12.0, "spending_cap_usd": null,
                            "included_credits": 1000, "remaining_credits": 250}}),
        ),
        profile("schema", "sim-schema-key", Auth::ApiKey, documented_schema_example("wallet")),
        profile(
            "null-billing",
            "sim-null-key",
            Auth::ApiKey,
            json!({
            "username": "nobody", "billing_type": null, "wallet": null, "subscription": null, "usage_based": null}),
        ),
        drain,
        reloading("reload", "sim-reload-key", true),
        with_key(profile("expiring", "sim-expiring-key", Auth::ApiKey, data_of(DOCUMENTED_WALLET)), "active", Some(5 * 86_400)),
        with_key(profile("expiring-tomorrow", "sim-expiring-1d-key", Auth::ApiKey, data_of(DOCUMENTED_WALLET)), "active", Some(20 * 3600)),
        with_key(SimAccount::new("revoked", "sim-revoked-key", Auth::ApiKey, status(401, None, false)), "revoked", None),
        SimAccount::new("old-deployment", "sim-nokeyinfo-key", Auth::ApiKey, Profile(data_of(DOCUMENTED_WALLET))),
        reloading("reload-fails", "sim-reload-fails-key", false),
        SimAccount::new("forbidden", "sim-forbidden-key", Auth::ApiKey, status(403, None, false)),
        SimAccount::new("noscope", "sim-noscope-key", Auth::ApiKey, Behaviour::NoScope),
        SimAccount::new("rate-limited", "sim-429-key", Auth::ApiKey, status(429, Some(RetryAfter::Seconds(7)), false)),
        SimAccount::new("rate-limited-date", "sim-429-date-key", Auth::ApiKey, status(429, Some(RetryAfter::DateIn(120)), false)),
        SimAccount::new("server-error", "sim-500-key", Auth::ApiKey, status(500, None, false)),
        SimAccount::new("bad-gateway", "sim-502-key", Auth::ApiKey, status(502, None, true)),
        SimAccount::new("slow", "sim-slow-key", Auth::ApiKey, Slow),
        SimAccount::new("malformed", "sim-malformed-key", Auth::ApiKey, Malformed),
        SimAccount::new("html", "sim-html-key", Auth::ApiKey, Html),
        SimAccount::new("truncated", "sim-truncated-key", Auth::ApiKey, Truncated),
        SimAccount::new("oversized", "sim-oversized-key", Auth::ApiKey, Oversized),
        SimAccount::new("wrong-shape", "sim-wrong-shape-key", Auth::ApiKey, WrongShape),
    ]
}

/// Default delay of the `slow` account.
pub const SLOW_DELAY: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_reload_tops_up_below_its_threshold_unless_the_payment_fails() {
        let wallets = builtin(60.0);
        let mut works = wallets.iter().find(|a| a.name == "reload").unwrap().clone();
        let mut fails = wallets.iter().find(|a| a.name == "reload-fails").unwrap().clone();
        for a in [&mut works, &mut fails] {
            a.balance = 10.5;
            a.drain_per_sec = 0.0;
            a.settle();
            a.balance = 9.0; // a video was made
        }
        assert_eq!(works.settle(), 59.0);
        assert_eq!(works.auto_reload.unwrap().reloads, 1);
        assert_eq!(fails.settle(), 9.0);
        assert_eq!(fails.auto_reload.unwrap().reloads, 0);
    }
}
