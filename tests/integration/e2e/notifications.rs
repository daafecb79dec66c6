//! Notifications as dunst receives them: one per fall to low, to critical and per
//! rejected key, however many polls see the same state.

use super::desktop::{expect_notifications, Tray};
use super::webdriver::Session;
use super::{exclusive, stored_wallet, wallet, App};
use crate::support::{require_session, sim, stderr, unique, Home};
use std::time::Duration;

#[test]
fn low_and_critical_notify_once_each_across_many_polls_and_again_after_a_top_up() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "alerts", "u", 50.0);
    let (low, critical) = (format!("HeyGen balance low: {name}"), format!("HeyGen balance critical: {name}"));
    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $50.00 · ok"));

    // Each step is a poll that sees the new figure (the tooltip shows it).
    let step = |balance: f64| {
        sim.set_profile(&name, wallet("u", balance));
        tray.refresh_until(&format!("{name}: ${balance:.2} · "));
    };
    for b in [9.0, 8.5, 8.0] {
        step(b);
    }
    tray.wait_tooltip(&format!("{name}: $8.00 · low"));
    for b in [1.5, 1.0, 0.5] {
        step(b);
    }
    tray.wait_tooltip(&format!("{name}: $0.50 · critical"));
    expect_notifications(&low, 1);
    expect_notifications(&critical, 1);

    // A top-up well above the threshold re-arms the low alert.
    step(60.0);
    step(5.0);
    expect_notifications(&low, 2);
    expect_notifications(&critical, 1);
}

#[test]
fn a_key_rejected_after_good_figures_reads_as_an_error_everywhere() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "revoked", "jane_doe", 42.0);
    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $42.00 · ok"));
    let ok_icon = tray.icon_pixmap();
    // Revoked in HeyGen: the next poll is refused.
    sim.set_key(&name, "hg_e2e_a_key_made_later");
    tray.refresh_until(&format!("{name}: key rejected · last seen $42.00"));
    assert!(!tray.tooltip().1.contains(" · ok"), "nothing calls it ok: {:?}", tray.tooltip());
    assert_eq!(tray.title(), "key rejected");
    let icon = tray.icon_pixmap();
    assert_ne!(icon, ok_icon, "the icon is no longer the $42 figure");
    // The dashboard opened from the tray (its own window process), read as assistive
    // technology reads it: the badge says the error, the figure is what it last had.
    tray.click("Open dashboard");
    let pid = super::roles::window_process(&app, "dashboard");
    super::roles::wait_shown(pid, super::TIMEOUT, "the card's error badge and last figure", |t| {
        t.contains("State: key rejected") && t.contains("Last seen $42.00")
    });
    let out = home.run(&[], &["status", "--json"], None);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let account = json["accounts"].as_array().unwrap().iter().find(|a| a["name"] == name.as_str()).unwrap().clone();
    assert_eq!(account["level"], "error", "{account}");
    drop(app);
    home.run(&[], &["accounts", "remove", &name], None);
}

#[test]
fn a_rejected_key_shows_in_the_dashboard_and_notifies_once() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let name = unique("rejected");
    let out = home.run(&[], &["accounts", "add", &name, "--no-verify"], Some("hg_e2e_key_the_api_rejects"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary = format!("HeyGen key rejected: {name}");

    let page = Session::start(&home, &["--open", "dashboard"]);
    assert_eq!(page.title(), "HeyGen balance");
    let problem = page.wait_script(
        "the card's problem",
        &format!("const p = document.querySelector('article.card[data-account=\"{name}\"] .problem strong'); return p && p.textContent"),
    );
    assert_eq!(problem, "Key rejected — replace it in Settings");

    for _ in 0..3 {
        page.wait_script("the Refresh button to be enabled again", "return !document.getElementById('refresh').disabled");
        page.click("#refresh");
        page.execute("window.__TAURI__.core.invoke('refresh', {}); return null");
    }
    Tray::of(page.app_pid()).wait_tooltip(&format!("{name}: key rejected"));
    expect_notifications(&summary, 1);

    // The alert is remembered: a restart sees the rejection again and stays quiet.
    drop(page);
    let app = App::start(&home, &[]);
    Tray::of(app.pid()).wait_tooltip(&format!("{name}: key rejected"));
    expect_notifications(&summary, 1);
    drop(app);
    home.run(&[], &["accounts", "remove", &name], None);
}

/// A wallet with auto-reload below $10 (+$50), as `/v3/users/me` returns it.
fn reloading_wallet(balance: f64) -> serde_json::Value {
    let mut w = wallet("u", balance);
    w["wallet"]["auto_reload"] = serde_json::json!({"enabled": true, "threshold_usd": 10, "amount_usd": 50});
    w
}

#[test]
fn auto_reload_keeps_low_alerts_quiet_and_says_once_when_it_did_not_happen() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "reload", "u", 50.0);
    sim.set_profile(&name, reloading_wallet(30.0));
    // A grace period of 3 s instead of 15 min, so the test need not wait.
    let path = home.settings_path();
    let mut settings: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    settings["reload_grace_minutes"] = serde_json::json!(0.05);
    std::fs::write(&path, settings.to_string()).unwrap();
    let (low, missed) = (format!("HeyGen balance low: {name}"), format!("Auto-reload did not happen: {name}"));
    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $30.00 · ok"));
    let step = |balance: f64| {
        sim.set_profile(&name, reloading_wallet(balance));
        tray.refresh_until(&format!("{name}: ${balance:.2} · "));
    };
    // Below the reload threshold, reloaded at the next poll: no notification at all.
    step(9.0);
    step(59.0);
    expect_notifications(&low, 0);
    expect_notifications(&missed, 0);
    // Below it and staying there past the grace period: one notification, not a low one.
    step(9.0);
    std::thread::sleep(std::time::Duration::from_secs(4));
    step(8.5);
    step(8.0);
    expect_notifications(&missed, 1);
    expect_notifications(&low, 0);
    // Once a reload is seen it is armed again.
    step(60.0);
    step(9.5);
    std::thread::sleep(std::time::Duration::from_secs(4));
    step(9.0);
    expect_notifications(&missed, 2);
    expect_notifications(&low, 0);
    drop(app);
    home.run(&[], &["accounts", "remove", &name], None);
}

#[test]
fn an_expiring_key_is_shown_and_reminded_once_and_checked_once_a_day() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "expiring", "u", 50.0);
    let (old, _) = stored_wallet(&sim, &home, "no-key-info", "u", 60.0);
    sim.set_key_self(&name, Some(heygen_tray_sim::accounts::key_description("render", "active", Some(5 * 86_400 + 600))));
    let reminder = format!("HeyGen key expires in 5 days: {name}");
    for n in [&name, &old] {
        sim.reset_min_gap(n); // measured from the app's own requests on
    }

    let page = Session::start(&home, &["--open", "dashboard"]);
    // The key is asked about in a slot of its own, a minute after the first poll.
    let script = format!("const k = document.querySelector('article.card[data-account=\"{name}\"] .key-line'); return k && k.textContent");
    let line = super::wait_up_to(Duration::from_secs(90), "the key's line in the dashboard", || page.try_script(&script));
    let line = line.as_str().unwrap();
    for n in [&name, &old] {
        let gap = sim.min_gap(n).expect("a balance poll and a key check");
        assert!(gap >= Duration::from_secs(60), "{n}: two requests {gap:?} apart");
    }
    assert!(line.starts_with("Key “render key” · expires ") && line.ends_with("(in 5 days)"), "{line}");
    assert_eq!(
        page.execute(&format!("return document.querySelector('article.card[data-account=\"{name}\"] .key-line.soon') !== null")),
        true
    );
    // An older deployment (404) says nothing and is no error.
    let other = page.execute(&format!(
        "const c = document.querySelector('article.card[data-account=\"{old}\"]'); return c && [c.querySelector('.key-line').hidden, c.querySelector('.problem').hidden]"
    ));
    assert_eq!(other, serde_json::json!([true, true]));
    expect_notifications(&reminder, 1);

    // More polls: no second reminder, and the key is not asked about again today.
    let tray = Tray::of(page.app_pid());
    tray.wait_tooltip("key expires in 5 days");
    for balance in [49.0, 48.0] {
        sim.set_profile(&name, wallet("u", balance));
        tray.refresh_until(&format!("{name}: ${balance:.2} · "));
    }
    assert_eq!((sim.key_checks(&name), sim.key_checks(&old)), (1, 1), "once a day per account");
    expect_notifications(&reminder, 1);

    // Remembered across a restart.
    drop(page);
    let app = App::start(&home, &[]);
    Tray::of(app.pid()).wait_tooltip(&format!("{name}: $48.00"));
    expect_notifications(&reminder, 1);
    drop(app);
    for n in [&name, &old] {
        home.run(&[], &["accounts", "remove", n], None);
    }
}

#[test]
fn clicking_a_low_balance_notification_opens_heygen_billing() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "click", "u", 50.0);
    // A stand-in browser: the opener runs `xdg-open URL`.
    let bin = tempfile::tempdir().unwrap();
    let opened = bin.path().join("opened");
    let script = bin.path().join("xdg-open");
    std::fs::write(&script, format!("#!/bin/sh\necho \"$1\" >> '{}'\n", opened.display())).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.path().display(), std::env::var("PATH").unwrap_or_default());
    let app = App::start_binary(crate::support::cli_bin(), &home, &[], &[("PATH", std::ffi::OsStr::new(&path))]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $50.00 · ok"));
    super::desktop::close_notifications();
    sim.set_profile(&name, wallet("u", 8.0));
    tray.refresh_until(&format!("{name}: $8.00 · low"));
    super::wait_for("the low notification on screen", || (super::desktop::dunstctl(&["count", "displayed"]) == "1").then_some(()));
    super::desktop::dunstctl(&["action", "0"]);
    let url = super::wait_for("the stand-in browser to be asked", || std::fs::read_to_string(&opened).ok().filter(|s| !s.is_empty()));
    assert_eq!(url.trim(), "https://app.heygen.com/billing");
    drop(app);
    home.run(&[], &["accounts", "remove", &name], None);
}
