//! The HeyGen client against the simulator: every billing type and every failure kind.

use crate::support::{client, sim};
use heygen_tray_core::api::{schema::Billing, ApiError, Credential, ErrorKind, UserMe};
use heygen_tray_core::billing::{summarize, Unit};
use heygen_tray_core::secret::Secret;
use heygen_tray_sim::accounts::documented_schema_example;
use std::time::Duration;

fn key(k: &str) -> Credential {
    Credential::ApiKey(Secret::new(k))
}

async fn fetch(sim: &heygen_tray_sim::Simulator, cred: Credential) -> Result<UserMe, ApiError> {
    client(sim).users_me(&cred).await
}

async fn fail(sim: &heygen_tray_sim::Simulator, k: &str) -> ApiError {
    fetch(sim, key(k)).await.expect_err("expected a failure")
}

#[tokio::test]
async fn documented_wallet_example_is_read_verbatim() {
    let sim = sim();
    let me = fetch(&sim, key("sim-wallet-key")).await.unwrap();
    assert_eq!(me.username, "jane_doe");
    assert_eq!(me.email.as_deref(), Some("jane@example.com"));
    let s = summarize(&me, chrono::Utc::now());
    assert_eq!((s.headline.as_str(), s.remaining, s.unit), ("$42.50", Some(42.5), Some(Unit::Usd)));
    assert_eq!(s.billing_type.as_deref(), Some("wallet"));
    assert_eq!(sim.hits("wallet"), 1);
}

#[tokio::test]
async fn credits_wallet_subscription_and_usage_based_accounts() {
    let sim = sim();
    let now = chrono::Utc::now();
    let credits = summarize(&fetch(&sim, key("sim-credits-key")).await.unwrap(), now);
    assert_eq!((credits.headline.as_str(), credits.unit), ("1,250 credits", Some(Unit::Credits)));

    let sub = summarize(&fetch(&sim, Credential::OAuth(Secret::new("sim-oauth-token"))).await.unwrap(), now);
    assert_eq!(sub.headline, "200 credits");
    assert!(sub.details.iter().any(|d| d.starts_with("180 premium credits · reset in")), "{:?}", sub.details);
    assert!(sub.details.contains(&"Plan: Creator".to_string()));

    let usage = summarize(&fetch(&sim, key("sim-usage-key")).await.unwrap(), now);
    assert_eq!((usage.headline.as_str(), usage.remaining), ("$57.50 left of $100 cap", Some(57.5)));

    let usage_credits = summarize(&fetch(&sim, key("sim-usage-credits-key")).await.unwrap(), now);
    assert_eq!((usage_credits.remaining, usage_credits.unit), (Some(250.0), Some(Unit::Credits)));

    let unknown = summarize(&fetch(&sim, key("sim-null-key")).await.unwrap(), now);
    assert_eq!((unknown.headline.as_str(), unknown.remaining), ("No balance information", None));
}

#[tokio::test]
async fn schema_example_with_every_object_filled_follows_billing_type() {
    let sim = sim();
    for (bt, headline) in [("wallet", "$42.50"), ("subscription", "1,000 credits"), ("usage_based", "$57.50 left of $100 cap")] {
        sim.set_profile("schema", documented_schema_example(bt));
        let me = fetch(&sim, key("sim-schema-key")).await.unwrap();
        assert_eq!(summarize(&me, chrono::Utc::now()).headline, headline, "billing_type {bt}");
    }
}

#[tokio::test]
async fn the_auth_header_must_match_the_credential_kind() {
    let sim = sim();
    // An OAuth token sent as X-Api-Key, and an API key sent as Bearer, are both refused.
    assert_eq!(fail(&sim, "sim-oauth-token").await.kind, ErrorKind::Unauthorized);
    let e = fetch(&sim, Credential::OAuth(Secret::new("sim-wallet-key"))).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized);
}

#[tokio::test]
async fn unauthorized_keeps_the_envelope_and_request_id_but_never_the_key() {
    let sim = sim();
    let e = fail(&sim, "sk_live_not_a_real_key_1234").await;
    assert_eq!(e.kind, ErrorKind::Unauthorized);
    assert_eq!(e.status, Some(401));
    assert_eq!(e.code.as_deref(), Some("unauthorized"));
    assert!(e.request_id.as_deref().is_some_and(|id| id.starts_with("sim-")), "{e:?}");
    assert!(e.message.contains("Invalid API key"), "{}", e.message);
    assert!(!format!("{e:?} {e}").contains("sk_live_not_a_real_key_1234"));
}

#[tokio::test]
async fn forbidden_server_and_gateway_errors_are_classified() {
    let sim = sim();
    let e = fail(&sim, "sim-forbidden-key").await;
    assert_eq!((e.kind, e.code.as_deref()), (ErrorKind::Forbidden, Some("forbidden")));
    let e = fail(&sim, "sim-500-key").await;
    assert_eq!((e.kind, e.status), (ErrorKind::Server, Some(500)));
    let e = fail(&sim, "sim-502-key").await;
    assert_eq!((e.kind, e.status, e.code), (ErrorKind::Server, Some(502), None));
}

#[tokio::test]
async fn rate_limits_read_retry_after_as_seconds_and_as_http_date() {
    let sim = sim();
    let e = fail(&sim, "sim-429-key").await;
    assert_eq!((e.kind, e.retry_after), (ErrorKind::RateLimited, Some(Duration::from_secs(7))));
    let e = fail(&sim, "sim-429-date-key").await;
    assert_eq!(e.kind, ErrorKind::RateLimited);
    let ra = e.retry_after.expect("an HTTP-date Retry-After is read").as_secs();
    assert!((100..=121).contains(&ra), "Retry-After date read as {ra}s");
}

#[tokio::test]
async fn bad_bodies_are_invalid_responses() {
    let sim = sim();
    for (k, says) in [
        ("sim-malformed-key", "not valid JSON"),
        ("sim-html-key", "web page"),
        ("sim-truncated-key", "cut off"),
        ("sim-oversized-key", "larger than"),
        ("sim-wrong-shape-key", "expected shape"),
    ] {
        let e = fail(&sim, k).await;
        assert_eq!(e.kind, ErrorKind::InvalidResponse, "{k}: {e:?}");
        assert!(e.message.contains(says), "{k}: {}", e.message);
        assert!(e.request_id.is_some(), "{k}: request id kept");
    }
}

#[tokio::test]
async fn network_failures_and_timeouts() {
    let sim = sim();
    sim.set_slow_delay(Duration::from_secs(10));
    let e = fail(&sim, "sim-slow-key").await;
    assert_eq!(e.kind, ErrorKind::Network, "{e:?}");
    assert!(e.message.contains("did not answer in time"), "{}", e.message);

    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let c = heygen_tray_core::api::Client::with_timeouts(
        heygen_tray_core::api::ApiBase::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
        Duration::from_secs(1),
        Duration::from_secs(2),
    );
    let e = c.users_me(&key("k")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Network);
    assert!(e.message.contains("Could not connect to 127.0.0.1"), "{}", e.message);
}

#[tokio::test]
async fn slow_answers_within_the_timeout_succeed() {
    let sim = sim();
    sim.set_slow_delay(Duration::from_millis(500));
    let me = fetch(&sim, key("sim-slow-key")).await.unwrap();
    assert!(matches!(me.billing().unwrap(), Billing::Wallet(_)));
}
