//! History recorded by `status` and exported by `heygen-tray history`.

use crate::support::{require_session, sim, stderr, stdout, unique, Home};
use heygen_tray_sim::accounts::Auth;
use serde_json::{json, Value};

fn wallet(v: f64) -> Value {
    json!({"username": "hist", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": v}})
}

#[test]
fn status_records_changes_and_history_exports_them() {
    require_session();
    let sim = sim();
    let name = unique("hist");
    let key = format!("hg_hist_key_{name}");
    sim.add_account(&name, &key, Auth::ApiKey, wallet(40.0));
    let home = Home::new(&sim.base_url());
    assert_eq!(home.run(&[], &["accounts", "add", &name], Some(&key)).status.code(), Some(0));
    for v in [40.0, 40.0, 40.0, 35.5, 90.0] {
        sim.set_profile(&name, wallet(v));
        let out = home.run(&[], &["status"], None);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let out = home.run(&[], &["history", &name, "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rows = rows.as_array().unwrap();
    let remaining: Vec<f64> = rows.iter().map(|r| r["remaining"].as_f64().unwrap()).collect();
    assert_eq!(remaining, [40.0, 35.5, 90.0], "unchanged polls are not rows");
    assert_eq!((rows[1]["spent"].as_f64(), rows[2]["added"].as_f64()), (Some(4.5), Some(54.5)));
    assert_eq!(rows[0]["unit"], "usd");
    assert_eq!(rows[0]["account"], name.as_str());

    let out = home.run(&[], &["history", "--csv"], None);
    let csv = stdout(&out);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("account,at,remaining,unit,spent,added"));
    assert_eq!(lines.count(), 3, "{csv}");
    assert!(csv.contains(&format!("{name},")) && csv.contains(",35.5,usd,4.5,0"), "{csv}");

    let out = home.run(&[], &["history", "--since", "2999-01-01", "--json"], None);
    assert_eq!(stdout(&out).trim(), "[]");
    let out = home.run(&[], &["history", "--since", "2000-01-01T00:00:00Z", "--csv"], None);
    assert_eq!(stdout(&out).lines().count(), 4);
    assert!(home.files_containing(&key).is_empty(), "no key in the history or settings");
    home.run(&[], &["accounts", "remove", &name], None);
}

#[test]
fn history_usage_errors_and_a_corrupt_database() {
    let home = Home::new("http://127.0.0.1:9");
    for args in [&["history"][..], &["history", "--csv", "--json"], &["history", "--json", "--since", "yesterday"]] {
        let out = home.run(&[], args, None);
        assert_eq!(out.status.code(), Some(64), "{args:?}: {}", stderr(&out));
    }
    // No history yet: an empty export, not an error.
    let out = home.run(&[], &["history", "--json"], None);
    assert_eq!((out.status.code(), stdout(&out).trim()), (Some(0), "[]"));
    let dir = home.dir.path().join("data").join("heygen-tray");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("history.sqlite3"), vec![0x42u8; 4096]).unwrap();
    let out = home.run(&[], &["history", "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("kept as"), "{}", stderr(&out));
    let aside = std::fs::read_dir(&dir).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().contains(".bad-")).count();
    assert_eq!(aside, 1);
}
