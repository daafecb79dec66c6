//! The dashboard keeps the user's place, through WebDriver: state events change only
//! what changed (the cards stay the same elements, keyboard focus and open "Details"
//! stay, a range button pressed with Enter takes), only real changes are announced,
//! and Escape or Ctrl+W closes a window.

use super::desktop::{windows_of, Tray};
use super::webdriver::Session;
use super::{exclusive, stored_wallet, wait_for, wallet};
use crate::support::{require_session, sim, stderr, unique, Home};

const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

#[test]
fn state_events_keep_focus_open_details_and_the_chosen_range() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "in-place", "u", 42.5);
    let broken = unique("in-place-bad");
    let out = home.run(&[], &["accounts", "add", &broken, "--no-verify"], Some("hg_not_a_key_heygen_knows"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // A day of history, so the 24 h chart has a line to sum up.
    let (history, _) = heygen_tray_core::history::History::open(&home.history_path()).unwrap();
    let now = chrono::Utc::now();
    for h in (1..=20i64).rev() {
        history.record(&name, now - chrono::Duration::hours(h), 42.5 + h as f64, "usd").unwrap();
    }
    drop(history);
    let page = Session::start(&home, &["--open", "dashboard"]);
    let card = |n: &str| format!("document.querySelector('article.card[data-account=\"{n}\"]')");
    let (good, bad) = (card(&name), card(&broken));
    page.wait_script(
        "both cards, one with its problem",
        &format!("const b = {bad}; return {good} && b && !b.querySelector('.problem').hidden"),
    );
    // Mark the cards, open the problem's Details, put the focus on the 24h button.
    page.execute(&format!(
        "{good}.dataset.mark = 'kept'; {bad}.dataset.mark = 'kept';
         {bad}.querySelector('.problem details').open = true;
         [...{good}.querySelectorAll('button.range')].find(b => b.textContent === '24h').focus(); return true"
    ));
    let announced_before = page.execute("return document.getElementById('announce').textContent");

    // New figures: a state event.
    sim.set_profile(&name, wallet("u", 41.0));
    page.execute("window.__TAURI__.core.invoke('refresh', {}); return true");
    page.wait_script("the new balance", &format!("return {good}.querySelector('.headline').textContent === '$41.00'"));
    let kept = page.execute(&format!(
        "const g = {good}, b = {bad}, f = document.activeElement;
         return [g.dataset.mark, b.dataset.mark, b.querySelector('.problem details').open,
                 f.textContent, g.contains(f)]"
    ));
    assert_eq!(kept, serde_json::json!(["kept", "kept", true, "24h", true]), "the cards were rebuilt");
    // An ok balance that is still ok is no news.
    assert_eq!(page.execute("return document.getElementById('announce').textContent"), announced_before);

    // Enter on the focused range button takes.
    page.press(ENTER, false).unwrap();
    page.wait_script(
        "the 24 h chart chosen with Enter",
        &format!("const g = {good}; return g.querySelector('.chart').dataset.range === '24h' && g.querySelector('button.range[data-range=\"24h\"]').getAttribute('aria-pressed') === 'true'"),
    );
    // The chart says in words what it shows.
    let label = page.wait_script(
        "the chart's summary",
        &format!("const l = {good}.querySelector('.chart').getAttribute('aria-label'); return l && l.includes('to $41.00') ? l : null"),
    );
    let label = label.as_str().unwrap();
    assert!(label.contains("the last 24 hours") && label.contains("from $62.50 to $41.00") && label.contains("lowest $41.00"), "{label}");

    // A level change is announced, once.
    sim.set_profile(&name, wallet("u", 5.0));
    page.execute("window.__TAURI__.core.invoke('refresh', {}); return true");
    let said = page.wait_script("the change announced", "const t = document.getElementById('announce').textContent; return t || null");
    assert!(said.as_str().unwrap().contains(&name) && said.as_str().unwrap().contains("low"), "{said}");

    // Escape closes the window; the app stays in the tray.
    let pid = page.app_pid();
    let _ = page.press(ESCAPE, false);
    wait_for("the dashboard to close on Escape", || windows_of(&page.tag, "HeyGen balance").is_empty().then_some(()));
    Tray::of(pid).wait_tooltip(&format!("{name}: $5.00"));
}

#[test]
fn ctrl_w_closes_settings() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "ctrl-w", "u", 42.5);
    let page = Session::start(&home, &["--open", "settings"]);
    page.wait_script("the account in Settings", &format!("return !!document.querySelector('#accounts .card[data-account=\"{name}\"]')"));
    // Escape with an account's editor open closes the editor first.
    page.execute(&format!("document.querySelector('#accounts .card[data-account=\"{name}\"] button').click(); return true"));
    page.wait_script("the editor", "return !document.getElementById('editor').hidden");
    let _ = page.press(ESCAPE, false);
    page.wait_script("Escape to close the editor", "return document.getElementById('editor').hidden");
    assert_eq!(windows_of(&page.tag, "HeyGen Tray settings").len(), 1, "the window stays");
    let _ = page.press("w", true);
    wait_for("Settings to close on Ctrl+W", || windows_of(&page.tag, "HeyGen Tray settings").is_empty().then_some(()));
}
