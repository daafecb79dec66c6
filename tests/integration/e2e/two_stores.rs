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
    let cleared = std::process::Command::new("secret-tool")
        .args(["clear", "service", heygen_tray_core::keystore::SERVICE, "username", &name])
        .status()
        .unwrap();
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

/// Another process holds the history database (a write transaction) and the settings
/// lock (a command stalled inside its write) for a minute: the tray and the low
/// notification still come within seconds of the new figure, and the alert is
/// remembered in the file once the lock is let go.
#[test]
fn alerts_wait_on_no_other_process_holding_the_history_or_the_settings() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "held", "u", 42.5);
    // Three more accounts: a history wait per account (5 s each) would add up past the bound.
    let others: Vec<String> = (0..3).map(|i| stored_wallet(&sim, &home, &format!("held-other{i}"), "u", 42.5).0).collect();
    let low = format!("HeyGen balance low: {name}");
    let app = App::start(&home, &[]);
    let tray = super::desktop::Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $42.50"));
    for o in &others {
        tray.wait_tooltip(&format!("{o}: $42.50"));
    }
    // One process holds the history in a write transaction and the settings lock, for
    // 60 s (killing it lets go of both).
    let lock = home.settings_path().with_file_name(".settings.lock");
    let hold = "import fcntl,sqlite3,sys,time\n\
c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE')\n\
f=open(sys.argv[2], 'a'); fcntl.flock(f, fcntl.LOCK_EX)\n\
print('held', flush=True); time.sleep(60)";
    let mut holder = std::process::Command::new("python3")
        .args(["-c", hold])
        .arg(home.history_path())
        .arg(&lock)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(holder.stdout.take().unwrap()), &mut line).unwrap();
    assert_eq!(line.trim(), "held", "the history and the settings lock could not be held");
    std::thread::sleep(Duration::from_millis(300));
    sim.set_profile(&name, super::wallet("u", 8.0));
    let asked = Instant::now();
    tray.click("Refresh now");
    let drawn = within(TIMEOUT, || tray.tooltip().1.contains(&format!("{name}: $8.00")).then(|| asked.elapsed()));
    let drawn = drawn.unwrap_or_else(|| panic!("the tray did not show $8.00: {:?}", tray.tooltip()));
    let told = within(TIMEOUT, || (super::desktop::notifications(&low) >= 1).then(|| asked.elapsed()));
    let told = told.expect("no low notification while the history and settings were held");
    eprintln!("with the history and the settings lock held: tray after {drawn:?}, notification after {told:?}");
    assert!(drawn < Duration::from_secs(10) && told < Duration::from_secs(10), "tray {drawn:?}, notification {told:?}");
    let remembered = |h: &Home| {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(h.settings_path()).unwrap_or_default()).unwrap_or_default();
        v["alert_memory"][&name]["low_sent"] == serde_json::json!(true)
    };
    assert!(!remembered(&home), "saved through a held lock?");
    let _ = holder.kill();
    let _ = holder.wait();
    // Let go: the memory reaches the file with the next figures.
    sim.set_profile(&name, super::wallet("u", 7.5));
    tray.refresh_until(&format!("{name}: $7.50"));
    let saved = within(TIMEOUT, || remembered(&home).then_some(()));
    assert!(saved.is_some(), "the sent alert was never remembered in the settings file");
    super::desktop::expect_notifications(&low, 1);
    for n in others.iter().chain([&name]) {
        let _ = home.run(&[], &["accounts", "remove", n], None);
    }
}
