//! A runaway spend end to end: a steady week in the history, then a burst the app sees
//! in a few polls → one "Spending spike" notification (dunst) and one run of the user's
//! `spike` hook with the event as JSON; more of the burst brings neither again.

use super::desktop::{expect_notifications, Tray};
use super::{exclusive, stored_wallet, wait_for, wallet, App};
use crate::support::{require_session, sim, Home};
use heygen_tray_core::history::{History, Sample};
use serde_json::{json, Value};

#[test]
fn a_burst_brings_one_spike_notification_and_one_hook_run() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "spike", "u", 100.0);
    // A steady week: $0.50 an hour, a sample every 5 minutes, ending at $100 a quarter of an hour ago.
    let now = chrono::Utc::now();
    let steps = 7 * 24 * 12;
    let samples: Vec<Sample> = (0..=steps)
        .map(|i| Sample {
            account: name.clone(),
            at: now - chrono::Duration::minutes(15 + 5 * (steps - i) as i64),
            remaining: 100.0 + (steps - i) as f64 * 0.5 / 12.0,
            unit: "usd".into(),
            spent: if i == 0 { 0.0 } else { 0.5 / 12.0 },
            added: 0.0,
        })
        .collect();
    let (h, _) = History::open(&home.history_path()).unwrap();
    h.append(&samples).unwrap();
    drop(h);
    // The user's hook writes what it is told.
    let told = home.dir.path().join("spike.json");
    let mut settings: Value = serde_json::from_str(&std::fs::read_to_string(home.settings_path()).unwrap()).unwrap();
    settings["hooks"] = json!({"spike": ["sh", "-c", "cat >> \"$0\"; echo >> \"$0\"", told.to_string_lossy()]});
    std::fs::write(home.settings_path(), serde_json::to_vec_pretty(&settings).unwrap()).unwrap();

    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $100.00"));
    // A loop renders away $6 between refreshes.
    for balance in [94.0, 88.0, 82.0, 76.0] {
        sim.set_profile(&name, wallet("u", balance));
        tray.refresh_until(&format!("{name}: ${balance:.2}"));
    }
    let summary = format!("Spending spike on {name}");
    expect_notifications(&summary, 1);
    let runs = wait_for("the spike hook's run", || {
        let text = std::fs::read_to_string(&told).ok()?;
        let runs: Vec<Value> = text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect();
        (!runs.is_empty()).then_some(runs)
    });
    let e = &runs[0];
    assert_eq!(
        (e["event"].as_str(), e["account"].as_str(), e["unit"].as_str(), e["test"].as_bool()),
        (Some("spike"), Some(name.as_str()), Some("usd"), Some(false)),
        "{e}"
    );
    assert!(e["remaining"].as_f64().unwrap() <= 88.0, "{e}");
    assert!(e["message"].as_str().unwrap().contains("the usual pace"), "{e}");
    // The burst goes on: no second notification, no second run.
    sim.set_profile(&name, wallet("u", 70.0));
    tray.refresh_until(&format!("{name}: $70.00"));
    expect_notifications(&summary, 1);
    let text = std::fs::read_to_string(&told).unwrap();
    assert_eq!(text.lines().filter(|l| !l.trim().is_empty()).count(), 1, "{text}");
    assert!(!text.contains("hg_e2e"), "a key reached the hook");
}

#[test]
fn hooks_are_told_with_notifications_off_once_per_crossing() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "quiet", "u", 30.0);
    let told = home.dir.path().join("low.json");
    let mut settings: Value = serde_json::from_str(&std::fs::read_to_string(home.settings_path()).unwrap()).unwrap();
    settings["notifications"] = json!(false);
    settings["hooks"] = json!({"low": ["sh", "-c", "cat >> \"$0\"; echo >> \"$0\"", told.to_string_lossy()]});
    std::fs::write(home.settings_path(), serde_json::to_vec_pretty(&settings).unwrap()).unwrap();
    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $30.00"));
    let runs = || std::fs::read_to_string(&told).map(|t| t.lines().filter(|l| !l.trim().is_empty()).count()).unwrap_or(0);
    sim.set_profile(&name, wallet("u", 8.0));
    tray.refresh_until(&format!("{name}: $8.00"));
    wait_for("the low hook's run with notifications off", || (runs() == 1).then_some(()));
    sim.set_profile(&name, wallet("u", 7.0));
    tray.refresh_until(&format!("{name}: $7.00"));
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(runs(), 1, "once per crossing");
    expect_notifications(&format!("HeyGen balance low: {name}"), 0);
    let e: Value = serde_json::from_str(std::fs::read_to_string(&told).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!((e["event"].as_str(), e["level"].as_str()), (Some("low"), Some("low")), "{e}");
}
