//! The documented contract: real outputs of `status --json` (every billing type, an
//! error, a credit pool that resets) and `spend --json` validate against the JSON
//! Schemas in docs/schema/; a document that breaks the contract does not.

use crate::support::{schema_problems, sim, stderr, stdout, unique, Home};
use heygen_tray_sim::accounts::Auth;
use serde_json::json;

#[test]
fn status_and_spend_json_follow_their_schemas() {
    let sim = sim();
    let home = Home::new(&sim.base_url());
    // The simulator's built-in keys: a wallet, a usage-based plan, a subscription with credits.
    let out = home.run(&[("HEYGEN_API_KEY", "sim-usage-key")], &["status", "--json"], None);
    let usage = stdout(&out);
    assert_eq!(schema_problems("status.schema.json", &usage), "", "{usage}{}", stderr(&out));
    for (profile, key) in [
        (json!({"username": "w", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": 42.5}}), "wallet"),
        (
            json!({"username": "c", "billing_type": "subscription", "subscription": {"plan": "creator", "credits": {"premium_credits": {"remaining": 120, "resets_at": "2099-01-01T00:00:00Z"}}}}),
            "credits",
        ),
    ] {
        let name = unique(key);
        let k = format!("hg_schema_{}", name.replace('-', "_"));
        sim.add_account(&name, &k, Auth::ApiKey, profile);
        let added = home.run(&[], &["accounts", "add", &name], Some(&k));
        assert_eq!(added.status.code(), Some(0), "{}", stderr(&added));
    }
    let broken = unique("gone");
    let k = format!("hg_schema_{}", broken.replace('-', "_"));
    sim.add_account(
        &broken,
        &k,
        Auth::ApiKey,
        json!({"username": "g", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": 1}}),
    );
    assert_eq!(home.run(&[], &["accounts", "add", &broken], Some(&k)).status.code(), Some(0));
    sim.fail_next(&broken, 401, 100, None);
    let out = home.run(&[], &["status", "--json", "--fresh"], None);
    let all = stdout(&out);
    let v: serde_json::Value = serde_json::from_str(&all).unwrap();
    assert_eq!(v["accounts"].as_array().map(Vec::len), Some(3), "{all}");
    assert!(v["accounts"].as_array().unwrap().iter().any(|a| a["error"]["kind"] == "unauthorized"), "{all}");
    assert_eq!(schema_problems("status.schema.json", &all), "", "{all}");
    // The contract catches a change: a renamed field, a new level.
    let renamed = all.replacen("\"remaining\"", "\"left\"", 1);
    assert!(schema_problems("status.schema.json", &renamed).contains("remaining"), "a missing field is caught");
    let level = all.replacen("\"level\":\"ok\"", "\"level\":\"fine\"", 1);
    assert!(!schema_problems("status.schema.json", &level).is_empty(), "an unknown level is caught");

    let spend = stdout(&home.run(&[], &["spend", "--json"], None));
    assert!(spend.contains("\"today\":{"), "the history has figures: {spend}");
    assert_eq!(schema_problems("spend.schema.json", &spend), "", "{spend}");
    for a in v["accounts"].as_array().unwrap() {
        home.run(&[], &["accounts", "remove", a["name"].as_str().unwrap()], None);
    }
}
