//! A web-plan account imported from HeyGen's CLI, with the app running: HeyGen stops
//! taking the token → the tray says "sign-in revoked" and one notification says how to
//! sign in again; HeyGen's CLI then writes new tokens to its file → the app takes them
//! without a click and polls with them, and the low alert it sent before is not sent
//! again (the same sign-in, renewed). Settings, opened from the tray, shows the link,
//! and says so when HeyGen's CLI signs in as someone else (not taken). A credentials
//! folder removed and made again (a logout, then a login) is followed at once.

use super::desktop::{expect_notifications, Tray};
use super::roles::{wait_shown, window_process};
use super::{exclusive, wait_for, App, TIMEOUT};
use crate::cli_link::write_credentials;
use crate::support::{keyring_items, require_session, sim, stderr, unique, Home};
use serde_json::Value;
use std::collections::BTreeSet;

#[test]
fn new_tokens_written_by_heygen_cli_are_polled_with_at_once() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let (home, creds, name, now) = imported(&sim, "web");
    // 200 credits left, low at 500: one low alert.
    assert_eq!(home.run(&[], &["accounts", "set", &name, "--low", "500", "--critical", "10"], None).status.code(), Some(0));

    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: 200 credits"));
    let low = format!("HeyGen balance low: {name}");
    expect_notifications(&low, 1);

    // Signed out elsewhere: the old token stops working.
    sim.set_key("subscription", "sim-oauth-token-new-login");
    // Not watched any more: the error first, the figure as what it last had.
    tray.refresh_until(&format!("{name}: sign-in revoked · last seen 200 credits"));
    let revoked = format!("HeyGen sign-in revoked: {name}");
    expect_notifications(&revoked, 1);
    assert!(!tray.tooltip().1.contains("key rejected"), "{:?}", tray.tooltip());

    // `heygen auth login`: the app follows the file, with no refresh asked for.
    let before = sim.hits("subscription");
    write_credentials(&creds, "sim-oauth-token-new-login", now + chrono::Duration::days(10), "sam_creator");
    wait_for("the tray to show fresh figures", || (!tray.tooltip().1.contains("sign-in")).then_some(()));
    tray.wait_tooltip(&format!("{name}: 200 credits · low"));
    assert!(sim.hits("subscription") > before, "polled with the new token");
    assert!(keyring_items(&name).iter().any(|(_, secret)| secret.contains("sim-oauth-token-new-login")), "stored in the keyring");
    let settings: Value = serde_json::from_str(&std::fs::read_to_string(home.settings_path()).unwrap()).unwrap();
    let account = settings["accounts"].as_array().unwrap().iter().find(|a| a["name"] == name.as_str()).unwrap().clone();
    assert!(account["key_renewed_at"].is_string(), "{account}");
    // The same sign-in: its low alert is remembered, and the revoked one is not repeated.
    expect_notifications(&low, 1);
    expect_notifications(&revoked, 1);

    // Settings, opened from the tray (a window process of its own), says what the account follows.
    tray.click("Settings…");
    let pid = window_process(&app, "settings");
    let text = wait_shown(pid, TIMEOUT, "Settings to show the link and the sign-in's expiry", |t| {
        t.contains("Follows HeyGen's CLI sign-in") && t.contains("Sign-in from HeyGen's CLI · expires")
    });
    assert!(text.contains("(in 10 days)"), "{text}");
    // Someone else signs in with HeyGen's CLI: not taken, and the open window says why.
    write_credentials(&creds, "sim-oauth-token-of-joe", now + chrono::Duration::days(10), "joe_other");
    wait_shown(pid, TIMEOUT, "Settings to say the CLI's sign-in is someone else's", |t| {
        t.contains("signed in as joe_other now, not sam_creator")
    });
    assert!(keyring_items(&name).iter().any(|(_, secret)| secret.contains("sim-oauth-token-new-login")), "kept");
    // `heygen auth logout` removes the folder; the next login makes it again, and the
    // app follows at once (not at its 10-minute look). The folder's parent (often the busy
    // home folder) is watched only while the folder is missing.
    let (folder, parent) = (creds.parent().unwrap(), home.dir.path());
    assert!(watched(app.pid()).contains(&inode(folder)), "the credentials folder is watched");
    assert!(!watched(app.pid()).contains(&inode(parent)), "its parent is not, while the folder is there");
    std::fs::remove_dir_all(folder).unwrap();
    wait_for("the app to watch the parent of the removed folder", || watched(app.pid()).contains(&inode(parent)).then_some(()));
    sim.set_key("subscription", "sim-oauth-token-after-logout");
    write_credentials(&creds, "sim-oauth-token-after-logout", now + chrono::Duration::days(10), "sam_creator");
    wait_for("the app to take the sign-in from the folder made again", || {
        keyring_items(&name).iter().any(|(_, secret)| secret.contains("sim-oauth-token-after-logout")).then_some(())
    });
    wait_shown(pid, TIMEOUT, "Settings to drop the note about someone else", |t| !t.contains("joe_other"));
    wait_for("the app to let go of the parent folder", || (!watched(app.pid()).contains(&inode(parent))).then_some(()));
    drop(app);
    home.run(&[], &["accounts", "remove", &name], None);
}

/// A home whose HeyGen CLI signed in as sam_creator (the simulator's web-plan account,
/// 200 credits), imported as an account named after `prefix`.
fn imported(sim: &crate::support::Sim, prefix: &str) -> (Home, std::path::PathBuf, String, chrono::DateTime<chrono::Utc>) {
    let home = Home::new(&sim.base_url());
    let creds = home.heygen_cli_dir().join("credentials");
    let now = chrono::Utc::now();
    write_credentials(&creds, "sim-oauth-token", now + chrono::Duration::days(5), "sam_creator");
    let name = unique(prefix);
    let out = home.run(&[], &["accounts", "import-heygen-cli", "--name", &name], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (home, creds, name, now)
}

fn inode(path: &std::path::Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(path).unwrap())
}

/// The inodes the process watches through inotify (its fdinfo lists them).
fn watched(pid: u32) -> BTreeSet<u64> {
    let mut inodes = BTreeSet::new();
    for fd in std::fs::read_dir(format!("/proc/{pid}/fd")).into_iter().flatten().flatten() {
        if std::fs::read_link(fd.path()).is_ok_and(|l| l.to_string_lossy() == "anon_inode:inotify") {
            let info = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{}", fd.file_name().to_string_lossy())).unwrap_or_default();
            let ino = |l: &str| l.split_whitespace().find_map(|w| w.strip_prefix("ino:")).and_then(|h| u64::from_str_radix(h, 16).ok());
            inodes.extend(info.lines().filter(|l| l.starts_with("inotify ")).filter_map(ino));
        }
    }
    inodes
}

/// HeyGen's CLI (or a script of its user) rewriting its credentials file every 10 ms
/// for 8 s: the app reads the file once each burst settles (at most every 5 s), so
/// the settings file is rewritten a few times, not once per write, and what it keeps
/// is the file's last content.
#[test]
fn a_credentials_file_rewritten_in_a_burst_is_taken_once_it_settles() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let (home, creds, name, now) = imported(&sim, "burst");
    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: 200 credits"));

    // Each settings write is a new file renamed into place: a new inode.
    let settings = home.settings_path();
    let inode_now = move || std::fs::metadata(&settings).ok().map(|m| std::os::unix::fs::MetadataExt::ino(&m));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let counter = {
        let done = done.clone();
        std::thread::spawn(move || {
            let (mut seen, mut last) = (0, inode_now());
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let now = inode_now();
                if now.is_some() && now != last {
                    (seen, last) = (seen + 1, now);
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            seen
        })
    };
    let start = std::time::Instant::now();
    let mut writes = 0;
    while start.elapsed() < std::time::Duration::from_secs(8) {
        writes += 1;
        write_credentials(&creds, "sim-oauth-token", now + chrono::Duration::days(5) + chrono::Duration::seconds(writes), "sam_creator");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let last = heygen_tray_core::cli_link::hash_of(&creds).unwrap();
    let kept = || {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(home.settings_path()).ok()?).ok()?;
        let hash = v["accounts"].as_array()?.iter().find(|a| a["name"] == name.as_str())?["heygen_cli_hash"].as_str()?.to_string();
        (hash == last).then_some(())
    };
    wait_for("the settings to keep the file's last content", kept);
    std::thread::sleep(std::time::Duration::from_secs(1));
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let rewrites = counter.join().unwrap();
    assert!(writes > 300, "the burst wrote {writes} times");
    assert!((1..=4).contains(&rewrites), "{writes} writes of the credentials in 8 s rewrote the settings {rewrites} times");
    drop(app);
    home.run(&[], &["accounts", "remove", &name], None);
}
