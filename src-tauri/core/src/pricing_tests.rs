use super::*;
use crate::api::UserMe;
use crate::billing::summarize;
use chrono::Utc;
use serde_json::json;

fn summary(data: serde_json::Value) -> Summary {
    let me: UserMe = serde_json::from_value(data).unwrap();
    summarize(&me, Utc::now())
}

fn overrides(v: serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    serde_json::from_value(v).unwrap()
}

#[test]
fn the_table_lists_heygens_engines_once_each_with_a_positive_price() {
    let mut ids: Vec<&str> = TABLE.iter().map(|l| l.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), TABLE.len());
    for id in ["avatar_iv", "avatar_iv_digital_twin", "video_agent", "avatar_v"] {
        assert!(ids.contains(&id), "{id}");
    }
    assert!(TABLE.iter().all(|l| l.usd_per_second > 0.0 && l.usd_per_second < 1.0));
    let p = Prices::table();
    assert_eq!((p.engine.as_str(), p.chosen().usd_per_second), ("avatar_iv", 0.05));
    assert!(p.ignored.is_empty());
}

#[test]
fn seconds_are_rounded_down_so_a_balance_never_promises_more() {
    let p = Prices::table();
    // $0.70 at $0.05/s is 14 s exactly, despite 0.70 / 0.05 = 13.999… in floating point.
    assert_eq!(p.seconds(0.70, None).unwrap().seconds, 14);
    assert_eq!(p.seconds(0.74, None).unwrap().seconds, 14);
    assert_eq!(p.seconds(42.5, None).unwrap().seconds, 850);
    assert_eq!(p.seconds(42.5, Some("avatar_iv_digital_twin")).unwrap().seconds, 637);
    assert_eq!(p.seconds(-3.0, None).unwrap().seconds, 0, "a negative balance buys nothing");
    assert_eq!(p.seconds(5.0, Some("nope")), None);
}

#[test]
fn an_override_wins_and_an_unknown_id_adds_an_engine_while_bad_values_are_named() {
    let p =
        Prices::with(&overrides(json!({"avatar_iv": 0.04, "my_engine": 0.1, "video_agent": -1, "lipsync_speed": "cheap"})), "my_engine");
    let iv = p.get("avatar_iv").unwrap();
    assert_eq!((iv.usd_per_second, iv.table_usd_per_second, iv.overridden), (0.04, Some(0.05), true));
    assert_eq!(p.get("my_engine").unwrap().table_usd_per_second, None);
    assert_eq!(p.engine, "my_engine");
    assert_eq!(p.get("video_agent").unwrap().usd_per_second, 0.0333, "a negative price is ignored");
    assert_eq!(p.ignored.len(), 2, "{:?}", p.ignored);
    assert!(p.ignored.iter().any(|n| n.contains("\"lipsync_speed\"")));
    // An engine that is not in the table falls back to the default, saying so.
    let p = Prices::with(&BTreeMap::new(), "avatar_ix");
    assert_eq!(p.engine, DEFAULT_ENGINE);
    assert!(p.ignored[0].contains("avatar_ix"));
}

#[test]
fn each_billing_type_buys_what_its_dollars_buy_and_credits_buy_nothing_guessed() {
    let p = Prices::table();
    let wallet = summary(json!({"username": "u", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": 42.5}}));
    let b = p.buys(&wallet).unwrap();
    assert_eq!((b.engine.as_str(), b.seconds, b.usd_per_second), ("avatar_iv", 850, 0.05));
    assert_eq!(words(&b).as_deref(), Some("≈ 14 min of Avatar IV"));
    assert_eq!(words(&Buys { seconds: 0, ..b.clone() }), None, "nothing said for less than a second");
    // Usage-based: the room under the cap.
    let usage = summary(json!({"username": "u", "billing_type": "usage_based",
        "usage_based": {"spending_current_usd": 70.0, "spending_cap_usd": 100.0}}));
    assert_eq!(p.buys(&usage).unwrap().seconds, 600);
    let over = summary(json!({"username": "u", "billing_type": "usage_based",
        "usage_based": {"spending_current_usd": 120.0, "spending_cap_usd": 100.0}}));
    assert_eq!(p.buys(&over).unwrap().seconds, 0, "over the cap: nothing left");
    let credits = summary(json!({"username": "u", "billing_type": "wallet", "wallet": {"currency": "credits", "remaining_balance": 1250}}));
    assert_eq!(p.buys(&credits), None);
    let sub = summary(json!({"username": "u", "billing_type": "subscription",
        "subscription": {"plan": "pro", "credits": {"premium_credits": {"remaining": 500}}}}));
    assert_eq!(p.buys(&sub), None);
    let unknown = summary(json!({"username": "u", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": null}}));
    assert_eq!(p.buys(&unknown), None);
}

#[test]
fn durations_read_as_a_person_says_them() {
    assert_eq!(duration(45), "45 s");
    assert_eq!(duration(850), "14 min");
    assert_eq!(duration(3600), "1 h");
    assert_eq!(duration(12_000), "3 h 20 min");
    assert_eq!(duration(200_000), "55 h");
}
