//! The running tray app and the two stores of an account, changed under it by other
//! programs: an editor saving the settings file in place, slowly, over and over (the
//! app keeps its accounts and sets nothing aside), and a key deleted from the keyring
//! by hand (the app stops polling it and says so, instead of polling a key it lacks).

use super::{exclusive, stored_wallet, within, App, TIMEOUT};
use crate::support::{require_session, sim, Home};
use std::io::Write;
use std::time::{Duration, Instant};

#[test]
fn an_editor_saving_in_place_under_the_running_app_costs_no_account() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "edit-live", "jane", 42.5);
    let app = App::start(&home, &[]);
    let tray = super::desktop::Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $42.50"));
    let path = home.settings_path();
    // In place: truncate, then the content again after a pause (30 ms, then a slow
    // editor's second), each time the app sees the truncation first.
    let started = Instant::now();
    for pause in [30, 30, 30, 1000, 30, 1000, 30, 30] {
        let content = std::fs::read(&path).unwrap();
        let mut f = std::fs::OpenOptions::new().write(true).truncate(true).open(&path).unwrap();
        f.flush().unwrap();
        std::thread::sleep(Duration::from_millis(pause));
        f.write_all(&content).unwrap();
        drop(f);
        std::thread::sleep(Duration::from_millis(300));
        assert!(tray.tooltip().1.contains(&format!("{name}: $42.50")), "after an in-place save ({pause} ms): {:?}", tray.tooltip());
    }
    // The app had time to act on every event; it still has the account, and so has the file.
    std::thread::sleep(Duration::from_secs(3));
    assert!(tray.tooltip().1.contains(&format!("{name}: $42.50")), "{:?}", tray.tooltip());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(&format!("\"{name}\"")), "the settings file lost the account: {text}");
    let dir = path.parent().unwrap();
    let aside: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().contains(".bad-")).collect();
    assert!(aside.is_empty(), "set aside: {aside:?}");
    assert!(started.elapsed() < TIMEOUT * 2);
}

#[test]
fn a_key_deleted_from_the_keyring_is_not_polled_and_the_tray_says_so() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "gone-key", "jane", 42.5);
    let app = App::start(&home, &[]);
    let tray = super::desktop::Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $42.50"));
    let cleared = std::process::Command::new("secret-tool").args(["clear", "service", heygen_tray_core::keystore::SERVICE, "username", &name]).status().unwrap();
    assert!(cleared.success());
    // Refresh reads the keys again: the missing key is said, not the old one polled.
    tray.click("Refresh now");
    let said = within(TIMEOUT, || tray.tooltip().1.contains("no key stored").then_some(()));
    assert!(said.is_some(), "the tray does not say the key is gone: {:?}", tray.tooltip());
    assert!(!tray.tooltip().1.contains("keyring locked"), "{:?}", tray.tooltip());
    let hits = sim.hits(&name);
    tray.click("Refresh now");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(sim.hits(&name), hits, "the deleted key was polled again");
}
