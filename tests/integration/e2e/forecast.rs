//! History, forecast and chart end to end: a wallet that has been draining for two
//! days (history written as the app writes it) and keeps draining in the simulator;
//! the dashboard shows the forecast and a chart with the top-up marked, and the
//! drained figures land in the history export.

use super::desktop::Tray;
use super::webdriver::Session;
use super::{exclusive, stored_wallet, wallet};
use crate::support::{require_session, sim, stdout, Home};
use heygen_tray_core::history::History;

#[test]
fn a_draining_wallet_gets_a_forecast_and_a_chart_in_the_dashboard() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "forecast", "drainer", 40.0);

    // Two days of $1/hour spending with a $50 top-up a day ago, as the app records it.
    let (history, _) = History::open(&home.history_path()).unwrap();
    let now = chrono::Utc::now();
    for h in (1..=48i64).rev() {
        let balance = 40.0 + h as f64 - if h > 24 { 50.0 } else { 0.0 };
        history.record(&name, now - chrono::Duration::hours(h), balance, "usd").unwrap();
    }
    drop(history);

    let s = Session::start(&home, &["--open", "dashboard"]);
    let card = format!("document.querySelector('article.card[data-account=\"{name}\"]')");
    let forecast = s.wait_script(
        "the forecast on the card",
        &format!("const c = {card}; const f = c && c.querySelector('.forecast'); return f && f.textContent"),
    );
    let forecast = forecast.as_str().unwrap().to_string();
    assert!(forecast.starts_with("Forecast: about") && forecast.contains("left"), "{forecast}");
    let points = s.wait_script(
        "the chart",
        &format!("const c = {card}; const l = c && c.querySelector('svg.spark polyline'); return l && l.getAttribute('points')"),
    );
    assert!(points.as_str().unwrap().split(' ').count() >= 40, "{points}");
    let topups = s.execute(&format!("return {card}.querySelectorAll('svg.spark .topup').length"));
    assert_eq!(topups, 1, "the top-up is marked");

    // The wallet keeps draining: refresh twice and the new figures are charted and exported.
    for balance in [39.0, 38.0] {
        sim.set_profile(&name, wallet("drainer", balance));
        s.execute("window.__TAURI__.core.invoke('refresh', {}); return true");
        s.wait_script(
            "the new balance",
            &format!("const c = {card}; return c && c.querySelector('.headline').textContent === '${balance:.2}'"),
        );
    }
    let out = home.run(&[], &["history", &name, "--json"], None);
    let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let last: Vec<f64> = rows.as_array().unwrap().iter().rev().take(2).map(|r| r["remaining"].as_f64().unwrap()).collect();
    assert_eq!(last, [38.0, 39.0]);
    // The 24 h view draws a chart too.
    s.execute(&format!("[...{card}.querySelectorAll('button.range')].find(b => b.textContent === '24h').click(); return true"));
    s.wait_script(
        "the 24 h chart",
        &format!("const c = {card}; return c.querySelector('.chart').dataset.range === '24h' && !!c.querySelector('svg.spark')"),
    );
}

#[test]
fn a_year_of_raw_rows_does_not_hold_up_the_first_poll() {
    require_session();
    let _one_app = super::exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = super::stored_wallet(&sim, &home, "long-history", "u", 42.5);
    // A year of raw 5-minute rows, most of them old enough to be merged.
    let now = chrono::Utc::now();
    let rows: Vec<heygen_tray_core::history::Sample> = (1..=105_120)
        .map(|i| heygen_tray_core::history::Sample {
            account: name.clone(),
            at: now - chrono::Duration::minutes(5 * i),
            remaining: 42.5 + i as f64 * 0.01,
            unit: "usd".into(),
            spent: 0.01,
            added: 0.0,
        })
        .rev()
        .collect();
    heygen_tray_core::history::History::open(&home.history_path()).unwrap().0.append(&rows).unwrap();
    let old = |h: &heygen_tray_core::history::History| {
        let cutoff = chrono::Utc::now() - chrono::Duration::days(31);
        h.samples(Some(&name), None).unwrap().iter().filter(|s| s.at < cutoff).count()
    };
    let app = super::App::start(&home, &[]);
    Tray::of(app.pid()).wait_tooltip(&format!("{name}: $42.50"));
    // The first figure is up while the old rows still wait to be merged: housekeeping
    // comes after the poll, not before it.
    let history = heygen_tray_core::history::History::open_read_only(&home.history_path()).unwrap();
    assert!(old(&history) > 90_000, "compacted before the first figure: {} old rows left", old(&history));
    home.run(&[], &["accounts", "remove", &name], None);
}
