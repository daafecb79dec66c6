//! The Settings window, driven through WebDriver: an account added there keeps its
//! key in the keyring and nowhere else (no file, not in the page).

use super::webdriver::Session;
use super::{exclusive, wallet};
use crate::support::{keyring_items, require_session, sim, unique, Home};
use heygen_tray_sim::accounts::Auth;

#[test]
fn adding_an_account_in_settings_stores_the_key_only_in_the_keyring() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let name = unique("settings");
    let key = format!("hg_e2e_{}_secret", name.replace('-', "_"));
    sim.add_account(&name, &key, Auth::ApiKey, wallet("settings_user", 42.5));
    let home = Home::new(&sim.base_url());
    let page = Session::start(&home, &["--open", "settings"]);
    assert_eq!(page.title(), "HeyGen Tray settings");

    // A first run (no account yet) is one welcome step: paste a key, import, or the demo;
    // no "Add account" button beside an open form.
    page.wait_script("the welcome step", "return !document.getElementById('welcome').hidden");
    page.click("#welcome-key");
    page.wait_script("the add-account form to open", "return !document.getElementById('editor').hidden");
    assert_eq!(page.execute("return document.getElementById('add').hidden && document.getElementById('welcome').hidden"), true);
    page.execute("document.getElementById('name').value = ''; return true");
    page.type_into("#name", &name);
    page.type_into("#key", &key);
    page.click("#save");

    let saved = page.wait_script(
        "the saved account in the list",
        &format!(
            "const card = document.querySelector('#accounts .card[data-account=\"{name}\"]');
             const msg = card && card.querySelector('p.status.good');
             return card && msg ? msg.textContent : null;"
        ),
    );
    assert!(saved.as_str().unwrap().contains(&format!("Saved \"{name}\"")), "{saved}");
    assert!(saved.as_str().unwrap().contains("settings_user"), "the key was checked with HeyGen: {saved}");

    let items = keyring_items(&name);
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].1, key, "the keyring holds the key");
    assert!(!home.files_containing(&name).is_empty(), "the settings file names the account");
    assert_eq!(home.files_containing(&key), Vec::<std::path::PathBuf>::new(), "no file holds the key");
    let html = page.execute("return document.documentElement.outerHTML");
    assert!(!html.as_str().unwrap().contains(&key), "the page holds the key: {html}");
    assert_eq!(page.execute("return document.getElementById('key').value"), "", "the key field is emptied");
    drop(page);
    assert_eq!(home.files_containing(&key), Vec::<std::path::PathBuf>::new(), "no file holds the key after the app ended");
    home.run(&[], &["accounts", "remove", &name], None);
}

#[test]
fn a_first_run_opens_settings_by_itself_in_the_driven_app() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    // No `--open`: with no account yet, Settings is the one window that opens on its own.
    let page = Session::start(&home, &[]);
    assert_eq!(page.title(), "HeyGen Tray settings");
    page.wait_script("the welcome step", "return !document.getElementById('welcome').hidden");
    // Its three ways in; no HeyGen CLI is signed in here, so its import says so.
    let buttons = page.execute("return [...document.querySelectorAll('#welcome button')].map(b => [b.textContent, b.disabled])");
    assert_eq!(buttons, serde_json::json!([["Paste an API key", false], ["Import from the HeyGen CLI", true], ["Try the demo", false]]));
}

#[test]
fn settings_explain_how_auto_reload_and_the_thresholds_play_together() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = super::stored_wallet(&sim, &home, "reload-note", "u", 30.0);
    let mut profile = wallet("u", 30.0);
    profile["wallet"]["auto_reload"] = serde_json::json!({"enabled": true, "threshold_usd": 10, "amount_usd": 50});
    sim.set_profile(&name, profile);
    let page = Session::start(&home, &["--open", "settings"]);
    // The note appears once the first figures arrive, without reopening the window.
    let note = page.wait_script(
        "the auto-reload note",
        &format!("const n = document.querySelector('#accounts .card[data-account=\"{name}\"] .reload-note'); return n && !n.hidden ? n.textContent : null"),
    );
    let note = note.as_str().unwrap();
    assert!(note.starts_with("HeyGen's auto-reload adds $50.00 when it falls below $10.00."), "{note}");
    assert!(note.contains("low ($10.00) and critical ($2.00) alerts") && note.contains("15 minutes"), "{note}");
    drop(page);
    home.run(&[], &["accounts", "remove", &name], None);
}

#[test]
fn preferences_saved_in_settings_reach_the_file_and_the_poller() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = super::stored_wallet(&sim, &home, "prefs", "u", 42.5);
    let page = Session::start(&home, &["--open", "settings"]);
    page.wait_script(
        "the preferences",
        "return document.getElementById('polling').value === 'automatic' && document.getElementById('interval-row').hidden",
    );
    let path = heygen_tray_core::live::socket_path(&home.config_dir().join("heygen-tray")).unwrap();
    let polling = || {
        let live = heygen_tray_core::live::ask(&path, std::time::Duration::from_secs(1)).ok()?;
        live.accounts.into_iter().find(|a| a.name == name).map(|a| (a.polling, a.next_check_at))
    };
    super::wait_for("automatic polling (the default) after the first poll", || polling().filter(|p| p.0.as_deref() == Some("every 5 min")));
    // A fixed interval shows the minutes; the tray shows a gauge for the pinned account.
    page.execute(&format!(
        "const set = (id, v) => {{ const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event('change')); }};
         set('polling', 'fixed'); set('interval', '10'); set('tray-display', 'gauge'); set('tray-account', '{name}'); return null"
    ));
    assert_eq!(page.execute("return document.getElementById('interval-row').hidden"), false);
    // Each change applied as it was made, in order; no button to press.
    let want = (serde_json::json!(false), serde_json::json!(600), serde_json::json!("gauge"), serde_json::json!(name));
    super::wait_for("the four changes in the settings file", || {
        let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(home.settings_path()).ok()?).ok()?;
        let got = (
            saved["poll_automatic"].clone(),
            saved["poll_interval_secs"].clone(),
            saved["tray_display"].clone(),
            saved["tray_account"].clone(),
        );
        (got == want).then_some(())
    });
    page.wait_script("\"Saved.\" beside the last change", "const s = document.getElementById('prefs-status'); return s.textContent === 'Saved.' && s.closest('.row').contains(document.getElementById('tray-account')) ? true : (s.classList.contains('bad') ? s.textContent : null)");
    // The poller took the fixed interval: nothing says "automatic" any more.
    let (_, next) = super::wait_for("the poller to drop automatic polling", || polling().filter(|p| p.0.is_none()));
    assert!(next.is_some(), "a next check is planned");
    drop(page);
    home.run(&[], &["accounts", "remove", &name], None);
}
