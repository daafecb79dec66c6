//! What a balance buys, as a user meets it on the command line: `prices`, the
//! `buys` and `resets_at` fields of `status --json` against the simulator, and the
//! price overrides of the settings file.

use crate::support::{sim, stderr, stdout, Home};
use heygen_tray_sim::accounts::Auth;
use serde_json::{json, Value};

fn write_settings(home: &Home, v: Value) {
    std::fs::create_dir_all(home.settings_path().parent().unwrap()).unwrap();
    std::fs::write(home.settings_path(), v.to_string()).unwrap();
}

fn status(home: &Home, key: &str) -> Value {
    let out = home.run(&[("HEYGEN_API_KEY", key)], &["status", "--json"], None);
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {} {}", stdout(&out), stderr(&out)))
}

#[test]
fn prices_shows_heygens_table_with_its_source_and_the_users_override() {
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let out = home.run(&[], &["prices", "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["source"], "https://developers.heygen.com/docs/pricing");
    assert!(v["as_of"].as_str().unwrap().starts_with("2026-"));
    assert_eq!(v["engine"], "avatar_iv");
    let iv = v["prices"].as_array().unwrap().iter().find(|p| p["engine"] == "avatar_iv").unwrap();
    assert_eq!((iv["usd_per_second"].as_f64(), iv["overridden"].as_bool()), (Some(0.05), Some(false)));
    write_settings(
        &home,
        json!({"schema_version": 1, "prices": {"avatar_iv": 0.04, "video_agent": "free"}, "video_engine": "video_agent"}),
    );
    let v: Value = serde_json::from_str(&stdout(&home.run(&[], &["prices", "--json"], None))).unwrap();
    let iv = v["prices"].as_array().unwrap().iter().find(|p| p["engine"] == "avatar_iv").unwrap();
    assert_eq!((iv["usd_per_second"].as_f64(), iv["table_usd_per_second"].as_f64()), (Some(0.04), Some(0.05)));
    assert_eq!(v["engine"], "video_agent");
    assert!(v["ignored"][0].as_str().unwrap().contains("\"video_agent\""), "{}", v["ignored"]);
    let text = stdout(&home.run(&[], &["prices"], None));
    assert!(text.contains("developers.heygen.com/docs/pricing") && text.contains("as read 2026-"), "{text}");
    assert!(text.lines().any(|l| l.contains("avatar_iv ") && l.contains("$0.0400/s") && l.contains("HeyGen's: $0.0500/s")), "{text}");
    assert!(text.lines().any(|l| l.contains("video_agent") && l.contains("← balances are counted in this")), "{text}");
}

#[test]
fn status_json_says_what_dollars_buy_and_when_a_pool_with_credits_resets() {
    let sim = sim();
    let home = Home::new(&sim.base_url());
    // A dollar wallet: $42.50 at Avatar IV's $0.05/s.
    let a = &status(&home, "sim-wallet-key")["accounts"][0];
    assert_eq!(a["buys"], json!({"engine": "avatar_iv", "seconds": 850, "usd_per_second": 0.05}));
    assert!(a["resets_at"].is_null());
    // Usage-based with a cap: the $57.50 of room under it.
    assert_eq!(status(&home, "sim-usage-key")["accounts"][0]["buys"]["seconds"], 1150);
    // Usage-based in credits, and an enterprise wallet in credits: nothing guessed.
    for key in ["sim-usage-credits-key", "sim-credits-key"] {
        let a = &status(&home, key)["accounts"][0];
        assert!(a["buys"].is_null() && a["resets_at"].is_null(), "{key}: {a}");
    }
    // A plan whose premium pool is empty and resets first: the add-on pool's reset counts.
    let soon = (chrono::Utc::now() + chrono::Duration::days(3)).format("%Y-%m-%dT00:00:00Z").to_string();
    let later = (chrono::Utc::now() + chrono::Duration::days(20)).format("%Y-%m-%dT00:00:00Z").to_string();
    sim.add_account(
        "plan",
        "hg_plan_key",
        Auth::ApiKey,
        json!({"username": "sam", "billing_type": "subscription",
        "subscription": {"plan": "pro", "credits": {"premium_credits": {"remaining": 0, "resets_at": soon},
                                                   "add_on_credits": {"remaining": 300, "resets_at": later}}}}),
    );
    let a = &status(&home, "hg_plan_key")["accounts"][0];
    assert!(a["buys"].is_null());
    assert_eq!(a["resets_at"].as_str(), Some(later.as_str()));
    // An override in the settings file wins.
    write_settings(&home, json!({"schema_version": 1, "prices": {"avatar_iv": 0.04}}));
    let a = &status(&home, "sim-wallet-key")["accounts"][0];
    assert_eq!((a["buys"]["seconds"].as_u64(), a["buys"]["usd_per_second"].as_f64()), (Some(1062), Some(0.04)));
    // Text says it in words.
    let text = stdout(&home.run(&[("HEYGEN_API_KEY", "sim-wallet-key")], &["status"], None));
    assert!(text.contains("≈ 17 min of Avatar IV"), "{text}");
    let text = stdout(&home.run(&[("HEYGEN_API_KEY", "hg_plan_key")], &["status"], None));
    assert!(text.contains("add-on credits reset in "), "{text}");
}
