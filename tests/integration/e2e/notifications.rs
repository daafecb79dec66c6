//! Notifications as dunst receives them: one per fall to low, to critical and per
//! rejected key, however many polls see the same state.

use super::desktop::{expect_notifications, Tray};
use super::webdriver::Session;
use super::{exclusive, stored_wallet, wallet, App};
use crate::support::{require_session, sim, stderr, unique, Home};

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
