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
    for args in [&["history", "--csv", "--json"][..], &["history", "--json", "--since", "yesterday"]] {
        let out = home.run(&[], args, None);
        assert_eq!(out.status.code(), Some(64), "{args:?}: {}", stderr(&out));
    }
    // No format named: CSV, its header first.
    let out = home.run(&[], &["history"], None);
    assert_eq!(
        (out.status.code(), stdout(&out).lines().next()),
        (Some(0), Some("account,at,remaining,unit,spent,added")),
        "{}",
        stderr(&out)
    );
    // No history yet: an empty export, not an error.
    let out = home.run(&[], &["history", "--json"], None);
    assert_eq!((out.status.code(), stdout(&out).trim()), (Some(0), "[]"));
    let path = home.history_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, vec![0x42u8; 4096]).unwrap();
    // An export only reads: a damaged file is reported, not moved.
    let out = home.run(&[], &["history", "--json"], None);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a database"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&path).unwrap(), vec![0x42u8; 4096]);
    let aside =
        std::fs::read_dir(path.parent().unwrap()).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().contains(".bad-")).count();
    assert_eq!(aside, 0);
}

#[test]
fn exporting_a_newer_database_refuses_it_and_leaves_it_in_place() {
    let home = Home::new("http://127.0.0.1:9");
    let path = home.history_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    newer_database(&path);
    let before = std::fs::read(&path).unwrap();
    for args in [&["history", "--csv"][..], &["history", "--json"]] {
        let out = home.run(&[], args, None);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(stderr(&out).contains("newer version of heygen-tray"), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let names: Vec<String> =
        std::fs::read_dir(path.parent().unwrap()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["history.sqlite3"], "nothing renamed or added");
}

/// A history database as a future version might leave it: schema 99 (SQLite keeps
/// `user_version` big-endian at offset 60 of the file's header).
fn newer_database(path: &std::path::Path) {
    let (h, _) = heygen_tray_core::history::History::open(path).unwrap();
    h.record("a", chrono::Utc::now(), 1.0, "usd").unwrap();
    drop(h);
    let mut bytes = std::fs::read(path).unwrap();
    bytes[60..64].copy_from_slice(&99u32.to_be_bytes());
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn concurrent_status_runs_on_a_fresh_data_folder_share_one_history() {
    require_session();
    let sim = sim();
    let name = unique("conc");
    let key = format!("hg_conc_key_{name}");
    sim.add_account(&name, &key, Auth::ApiKey, wallet(40.0));
    let base = Home::new(&sim.base_url());
    assert_eq!(base.run(&[], &["accounts", "add", &name], Some(&key)).status.code(), Some(0));
    for trial in 0..8 {
        // A fresh data folder each time, the settings (and keyring) shared.
        let data = tempfile::tempdir().unwrap();
        let children: Vec<_> = (0..4)
            .map(|_| {
                base.command(&[], &["status"])
                    .env("XDG_DATA_HOME", data.path())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "trial {trial}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let dir = data.path().join("heygen-tray");
        let names: Vec<String> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        assert!(!names.iter().any(|n| n.contains(".bad-")), "trial {trial}: set aside: {names:?}");
        let h = heygen_tray_core::history::History::open_read_only(&dir.join("history.sqlite3")).unwrap();
        assert_eq!(h.samples(Some(&name), None).unwrap().len(), 1, "trial {trial}: one row for one unchanged figure");
    }
    base.run(&[], &["accounts", "remove", &name], None);
}
