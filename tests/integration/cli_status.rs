//! `heygen-tray status` as a user runs it: the real binary against the simulator.

use crate::support::{heygen_tray, sim, stderr, stdout};
use serde_json::Value;

fn status_json(base: &str, key: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["status", "--json"];
    args.extend_from_slice(extra);
    let out = heygen_tray(base, &[("HEYGEN_API_KEY", key)], &args);
    let json = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    (out.status.code().unwrap(), json)
}

#[test]
fn json_for_the_env_key_has_the_documented_fields() {
    let sim = sim();
    let (code, v) = status_json(&sim.base_url(), "sim-wallet-key", &[]);
    assert_eq!(code, 0);
    assert_eq!(v["level"], "ok");
    let a = &v["accounts"][0];
    let mut keys: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "billing_type",
            "buys",
            "error",
            "fetched_at",
            "headline",
            "level",
            "name",
            "remaining",
            "resets_at",
            "source",
            "stale",
            "unit",
            "username"
        ]
    );
    assert_eq!((a["source"].as_str(), a["stale"].as_bool()), (Some("api"), Some(false)), "no app runs for this home");
    assert_eq!(a["name"], "env");
    assert_eq!(a["billing_type"], "wallet");
    assert_eq!(a["headline"], "$42.50");
    assert_eq!(a["remaining"], 42.5);
    assert_eq!(a["unit"], "usd");
    assert_eq!(a["username"], "jane_doe");
    assert!(a["error"].is_null());
    chrono::DateTime::parse_from_rfc3339(a["fetched_at"].as_str().unwrap()).expect("RFC 3339");
}

#[test]
fn thresholds_for_the_run_set_level_and_exit_code() {
    let sim = sim();
    let base = sim.base_url();
    let (code, v) = status_json(&base, "sim-wallet-key", &["--low", "50"]);
    assert_eq!((code, v["level"].as_str()), (1, Some("low")));
    let (code, v) = status_json(&base, "sim-wallet-key", &["--low", "100", "--critical", "42.5"]);
    assert_eq!((code, v["accounts"][0]["level"].as_str()), (2, Some("critical")));
    let (code, v) = status_json(&base, "sim-credits-key", &["--low", "2000"]);
    assert_eq!((code, v["accounts"][0]["unit"].as_str()), (1, Some("credits")));
}

#[test]
fn a_rejected_key_is_an_error_with_exit_code_3() {
    let sim = sim();
    let (code, v) = status_json(&sim.base_url(), "sk_bad_key_123456789", &[]);
    assert_eq!(code, 3);
    assert_eq!(v["level"], "error");
    let a = &v["accounts"][0];
    assert_eq!(a["error"]["kind"], "unauthorized");
    assert!(a["error"]["request_id"].as_str().unwrap().starts_with("sim-"));
    assert!(a["remaining"].is_null() && a["unit"].is_null() && a["billing_type"].is_null());
    // The latest attempt failed: stale, as the README defines, though it never had figures.
    assert_eq!(a["stale"], true);
    assert!(!v.to_string().contains("sk_bad_key_123456789"));
}

#[test]
fn every_failure_kind_reaches_the_json() {
    let sim = sim();
    for (key, kind) in [
        ("sim-forbidden-key", "forbidden"),
        ("sim-429-key", "rate_limited"),
        ("sim-500-key", "server"),
        ("sim-html-key", "invalid_response"),
    ] {
        let (code, v) = status_json(&sim.base_url(), key, &[]);
        assert_eq!((code, v["accounts"][0]["error"]["kind"].as_str()), (3, Some(kind)), "{key}");
    }
    let (code, v) = status_json("http://127.0.0.1:9", "k-123456789012", &[]);
    assert_eq!((code, v["accounts"][0]["error"]["kind"].as_str()), (3, Some("network")));
}

#[test]
fn a_key_without_the_account_read_scope_is_told_how_to_make_one() {
    let sim = sim();
    let (code, v) = status_json(&sim.base_url(), "sim-noscope-key", &[]);
    let a = &v["accounts"][0];
    assert_eq!((code, a["error"]["kind"].as_str(), a["headline"].as_str()), (3, Some("forbidden"), Some("Key lacks account:read scope")));
    let message = a["error"]["message"].as_str().unwrap();
    assert!(message.contains("account:read") && message.contains("Create a key") && message.contains("settings?nav=API"), "{message}");
    let out = heygen_tray(&sim.base_url(), &[("HEYGEN_API_KEY", "sim-noscope-key")], &["status"]);
    assert!(stdout(&out).contains("Key lacks account:read scope") && stdout(&out).contains("Create a key"), "{}", stdout(&out));
}

#[test]
fn unknown_level_exits_3() {
    let sim = sim();
    let (code, v) = status_json(&sim.base_url(), "sim-null-key", &[]);
    assert_eq!((code, v["level"].as_str(), v["accounts"][0]["remaining"].is_null()), (3, Some("unknown"), true));
}

#[test]
fn no_account_at_all_says_how_to_add_one() {
    let sim = sim();
    let out = heygen_tray(&sim.base_url(), &[], &["status"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stdout(&out).contains("heygen-tray accounts add"), "{}", stdout(&out));
    let out = heygen_tray(&sim.base_url(), &[], &["status", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["accounts"].as_array().unwrap().len(), 0);
}

#[test]
fn text_and_waybar_formats() {
    let sim = sim();
    let out = heygen_tray(&sim.base_url(), &[("HEYGEN_API_KEY", "sim-usage-key")], &["status"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("env  ok"), "{text}");
    assert!(text.contains("$57.50 left of $100 cap"), "{text}");
    assert_eq!(text.trim_end().lines().count(), 1);

    let out = heygen_tray(&sim.base_url(), &[("HEYGEN_API_KEY", "sim-wallet-key")], &["status", "--format", "waybar", "--low", "50"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["text"], "$42.50");
    assert_eq!(v["class"], "low");
    assert!(v["tooltip"].as_str().unwrap().contains("Auto-reload off"));
}

#[test]
fn bad_usage_exits_64() {
    let sim = sim();
    let base = sim.base_url();
    for args in [
        &["status", "--bogus"][..],
        &["status", "--low", "1", "--critical", "5"],
        &["status", "--low", "-3"],
        &["status", "--json", "--format", "text"],
        &["status", "--format", "xml"],
        &["frobnicate"],
    ] {
        let out = heygen_tray(&base, &[("HEYGEN_API_KEY", "sim-wallet-key")], args);
        assert_eq!(out.status.code(), Some(64), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty());
    }
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_any_request() {
    let out = heygen_tray("http://api.heygen.com", &[("HEYGEN_API_KEY", "sk_secret_key_abcdef")], &["status"]);
    assert_ne!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("clear text") && err.contains("HEYGEN_API_BASE"), "{err}");
    assert!(!err.contains("sk_secret_key_abcdef"));
}
