use super::*;
use crate::api::schema::UserMe;
use chrono::TimeZone;

fn me(json: &str) -> UserMe {
    serde_json::from_str(json).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 4, 26, 0, 0, 0).unwrap()
}

#[test]
fn documented_wallet_example_reads_as_dollars() {
    let s = summarize(
        &me(r#"{"username":"jane_doe","email":"jane@example.com","first_name":"Jane","last_name":"Doe",
 "billing_type":"wallet",
 "wallet":{"currency":"usd","remaining_balance":42.50,"auto_reload":{"enabled":false}},
 "subscription":null,"usage_based":null}"#),
        now(),
    );
    assert_eq!(s.headline, "$42.50");
    assert_eq!(s.remaining, Some(42.5));
    assert_eq!(s.unit, Some(Unit::Usd));
    assert_eq!(s.display_name.as_deref(), Some("Jane Doe"));
    assert!(s.details.contains(&"Auto-reload off".to_string()), "{:?}", s.details);
    assert_eq!(s.level(&ThresholdOverride::default()), Level::Ok);
}

#[test]
fn credits_wallet_counts_credits() {
    let s = summarize(&me(r#"{"username":"ent","billing_type":"wallet","wallet":{"currency":"credits","remaining_balance":1250}}"#), now());
    assert_eq!(s.headline, "1,250 credits");
    assert_eq!(s.unit, Some(Unit::Credits));
}

#[test]
fn subscription_sums_premium_and_add_on_credits_with_resets() {
    let s = summarize(
        &me(r#"{"username":"u","billing_type":"subscription","subscription":{"plan":"creator","credits":{
        "premium_credits":{"remaining":500,"resets_at":"2024-05-01T00:00:00Z"},
        "add_on_credits":{"remaining":20,"resets_at":null}}}}"#),
        now(),
    );
    assert_eq!(s.headline, "520 credits");
    assert_eq!(s.remaining, Some(520.0));
    assert!(s.details.contains(&"Plan: Creator".to_string()));
    assert!(s.details.contains(&"500 premium credits · reset in 5 days".to_string()), "{:?}", s.details);
    assert!(s.details.contains(&"20 add-on credits".to_string()));
}

#[test]
fn usage_based_reads_cap_minus_spend() {
    let s = summarize(
        &me(r#"{"username":"u","billing_type":"usage_based","usage_based":{"spending_current_usd":42.5,"spending_cap_usd":100}}"#),
        now(),
    );
    assert_eq!(s.headline, "$57.50 left of $100 cap");
    assert_eq!(s.remaining, Some(57.5));
    assert!(s.details.iter().any(|d| d == "Spent $42.50 of $100 cap (43%)"), "{:?}", s.details);
}

#[test]
fn usage_based_without_cap_falls_back_to_remaining_credits() {
    let s = summarize(
        &me(
            r#"{"username":"u","billing_type":"usage_based","usage_based":{"spending_current_usd":42.5,"spending_cap_usd":null,"included_credits":1000,"remaining_credits":250}}"#,
        ),
        now(),
    );
    assert_eq!(s.headline, "250 credits");
    assert_eq!((s.remaining, s.unit), (Some(250.0), Some(Unit::Credits)));
    assert!(s.details.iter().any(|d| d == "Included credits: 750 used, 250 left of 1,000"));
}

#[test]
fn usage_based_with_nothing_to_run_out_of_is_unknown() {
    let s = summarize(
        &me(r#"{"username":"u","billing_type":"usage_based","usage_based":{"spending_current_usd":12,"spending_cap_usd":null}}"#),
        now(),
    );
    assert_eq!(s.headline, "$12.00 spent, no cap");
    assert_eq!(s.level(&ThresholdOverride::default()), Level::Unknown);
}

#[test]
fn documented_schema_example_with_every_object_follows_billing_type() {
    let all = r#"{"username":"u","billing_type":"BT",
      "wallet":{"currency":"usd","remaining_balance":42.5,"auto_reload":{"enabled":true,"threshold_usd":10,"amount_usd":50}},
      "subscription":{"plan":"free","credits":{"premium_credits":{"remaining":500,"resets_at":"2024-05-01T00:00:00Z"},"add_on_credits":{"remaining":500,"resets_at":"2024-05-01T00:00:00Z"}}},
      "usage_based":{"spending_current_usd":42.5,"spending_cap_usd":100}}"#;
    let w = summarize(&me(&all.replace("BT", "wallet")), now());
    assert_eq!(w.headline, "$42.50");
    assert!(w.details.contains(&"Auto-reload on: adds $50.00 when below $10.00".to_string()));
    let s = summarize(&me(&all.replace("BT", "subscription")), now());
    assert_eq!(s.headline, "1,000 credits");
    let u = summarize(&me(&all.replace("BT", "usage_based")), now());
    assert_eq!(u.headline, "$57.50 left of $100 cap");
}

#[test]
fn levels_follow_thresholds_in_the_accounts_unit() {
    let wallet = |v: f64| {
        summarize(
            &me(&format!(r#"{{"username":"u","billing_type":"wallet","wallet":{{"currency":"usd","remaining_balance":{v}}}}}"#)),
            now(),
        )
    };
    let t = ThresholdOverride::default();
    assert_eq!(wallet(10.0).level(&t), Level::Low);
    assert_eq!(wallet(2.0).level(&t), Level::Critical);
    let custom = ThresholdOverride { low: Some(50.0), critical: Some(40.0) };
    assert_eq!(wallet(42.5).level(&custom), Level::Low);
    let null = summarize(&me(r#"{"username":"u","billing_type":"wallet","wallet":{"remaining_balance":null}}"#), now());
    assert_eq!(null.level(&t), Level::Unknown);
    assert_eq!(null.headline, "Balance not reported");
}

#[test]
fn the_next_reset_is_the_earliest_future_one_of_a_pool_with_credits() {
    let at = now();
    let s = summarize(
        &me(r#"{"username":"u","billing_type":"subscription","subscription":{"plan":"pro","credits":{
        "premium_credits":{"remaining":0,"resets_at":"2024-04-28T00:00:00Z"},
        "add_on_credits":{"remaining":20,"resets_at":"2024-05-20T00:00:00Z"}}}}"#),
        at,
    );
    // The premium pool resets sooner, but it is empty: the add-on pool's reset counts.
    assert_eq!(s.next_reset(at).unwrap().to_rfc3339(), "2024-05-20T00:00:00+00:00");
    assert_eq!(s.reset_words(at).as_deref(), Some("add-on credits reset in 24 days"));
    let past = summarize(
        &me(r#"{"username":"u","billing_type":"subscription","subscription":{"credits":{
        "premium_credits":{"remaining":50,"resets_at":"2024-04-01T00:00:00Z"}}}}"#),
        at,
    );
    assert_eq!(past.next_reset(at), None, "a reset in the past is no countdown");
    let wallet = summarize(&me(r#"{"username":"u","billing_type":"wallet","wallet":{"currency":"usd","remaining_balance":5}}"#), at);
    assert_eq!(wallet.next_reset(at), None);
}
