//! A desktop with no tray host (GNOME without the AppIndicator extension): the app
//! shows its dashboard with Quit instead, says why once, keeps alerting, and gets its
//! icon when a host appears. Runs in a D-Bus session of its own (no_tray.sh), so the
//! missing StatusNotifierWatcher touches no other test.

use super::exclusive;
use crate::support::{cli_bin, require_session, sim, unique};
use std::process::Command;

#[test]
fn with_no_tray_host_the_dashboard_stands_in_with_quit() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let name = unique("no-tray");
    let key = format!("hg_notray_{}", name.replace('-', "_"));
    sim.add_account(&name, &key, heygen_tray_sim::accounts::Auth::ApiKey, super::wallet("jane_doe", 5.0));
    let dir = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("timeout")
        .args(["300", "dbus-run-session", "--", "bash", &format!("{dir}/tests/integration/e2e/no_tray.sh")])
        .env_remove("HEYGEN_TRAY_IN_SESSION")
        .env("ROOT", dir)
        .env("CLI", cli_bin())
        .env("SIM", sim.base_url())
        .env("NAME", &name)
        .env("KEY", &key)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}");
    assert!(out.status.success() && !text.contains("FAIL"), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(text.lines().filter(|l| l.starts_with("ok: ")).count(), 7, "{text}");
}
