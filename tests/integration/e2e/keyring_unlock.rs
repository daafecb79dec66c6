//! The keyring at login, with a real gnome-keyring in a D-Bus session of its own:
//! locked at start and unlocked later (the app notices by itself, without prompting
//! again), Refresh after an unlock, and a keyring locked while the app runs. The
//! steps are in `keyring_unlock.sh`.

use super::exclusive;
use crate::support::{cli_bin, require_session, sim, unique};
use std::process::Command;

#[test]
fn the_app_follows_the_keyring_from_locked_to_unlocked_and_back() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let name = unique("unlock");
    let key = format!("hg_unlock_{}", name.replace('-', "_"));
    sim.add_account(&name, &key, heygen_tray_sim::accounts::Auth::ApiKey, super::wallet("jane_doe", 42.5));
    let dir = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("dbus-run-session")
        .args(["--", "bash", &format!("{dir}/tests/integration/e2e/keyring_unlock.sh")])
        // No DISPLAY for the bus: an unlock prompt fails at once instead of waiting on a
        // dialog nobody answers (the app itself gets the display).
        .env_remove("DISPLAY")
        .env("APP_DISPLAY", std::env::var("DISPLAY").unwrap_or_default())
        .env("CLI", cli_bin())
        .env("SIM", sim.base_url())
        .env("NAME", &name)
        .env("KEY", &key)
        .env("WATCHER", format!("{dir}/scripts/sni_watcher.py"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && !text.contains("FAIL"), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    println!("{text}");
    let prompts: usize = text.lines().find_map(|l| l.strip_prefix("prompts in all: ")).and_then(|n| n.trim().parse().ok()).unwrap();
    assert!(prompts <= 2, "two starts, at most one prompt each: {prompts}");
}
