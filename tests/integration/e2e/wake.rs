//! A laptop waking up and a network coming back, told by a stand-in for logind and
//! NetworkManager on a private "system" bus (`scripts/system_bus_standin.py`): an
//! account in backoff after a failure is checked again within seconds of the signal
//! instead of after its backoff.

use super::desktop::Tray;
use super::{exclusive, stored_wallet, within, App};
use crate::support::{require_session, sim, Home};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

/// A private bus with the stand-in on it; both end when dropped.
struct SystemBus {
    daemon: Child,
    standin: Child,
    input: ChildStdin,
    lines: BufReader<std::process::ChildStdout>,
    address: String,
}

impl SystemBus {
    fn start(args: &[&str]) -> SystemBus {
        let mut daemon =
            Command::new("dbus-daemon").args(["--session", "--nofork", "--print-address=1"]).stdout(Stdio::piped()).spawn().unwrap();
        let mut address = String::new();
        BufReader::new(daemon.stdout.take().unwrap()).read_line(&mut address).unwrap();
        let address = address.trim().to_string();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/system_bus_standin.py");
        let mut standin = Command::new("/usr/bin/python3")
            .arg(script)
            .args(args)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &address)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let input = standin.stdin.take().unwrap();
        let mut lines = BufReader::new(standin.stdout.take().unwrap());
        let mut ready = String::new();
        lines.read_line(&mut ready).unwrap();
        assert_eq!(ready.trim(), "ready");
        SystemBus { daemon, standin, input, lines, address }
    }

    fn emit(&mut self, what: &str) {
        writeln!(self.input, "{what}").unwrap();
        let mut sent = String::new();
        self.lines.read_line(&mut sent).unwrap();
        assert_eq!(sent.trim(), format!("sent {what}"));
    }
}

impl Drop for SystemBus {
    fn drop(&mut self) {
        for c in [&mut self.standin, &mut self.daemon] {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn waking_up_or_the_network_coming_back_checks_again_at_once() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "wake", "jane_doe", 42.5);
    let mut bus = SystemBus::start(&[]);
    for signal in ["online", "resume"] {
        // The first check fails (as when offline): the account backs off for a minute.
        sim.fail_next(&name, 503, 1, None);
        let app =
            App::start_binary(crate::support::cli_bin(), &home, &[], &[("DBUS_SYSTEM_BUS_ADDRESS", std::ffi::OsStr::new(&bus.address))]);
        let tray = Tray::of(app.pid());
        tray.wait_tooltip("server error");
        assert!(within(Duration::from_secs(3), || tray.tooltip().1.contains("$42.50").then_some(())).is_none(), "backed off, no retry yet");
        bus.emit(signal);
        let seen = within(Duration::from_secs(5), || tray.tooltip().1.contains(&format!("{name}: $42.50")).then_some(()));
        assert!(seen.is_some(), "{signal}: not checked again within 5 s: {:?}", tray.tooltip());
        drop(app);
    }
    home.run(&[], &["accounts", "remove", &name], None);
}

/// What the running app says about how it polls the account (over its status socket).
fn polling_of(home: &Home) -> Option<String> {
    let path = heygen_tray_core::live::socket_path(&home.config_dir().join("heygen-tray"))?;
    let live = heygen_tray_core::live::ask(&path, Duration::from_secs(1)).ok()?;
    live.accounts.first()?.polling.clone()
}

#[test]
fn automatic_polling_stretches_on_battery_and_comes_back_on_mains() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "battery", "jane_doe", 42.5);
    let mut bus = SystemBus::start(&["--upower"]);
    let app = App::start_binary(crate::support::cli_bin(), &home, &[], &[("DBUS_SYSTEM_BUS_ADDRESS", std::ffi::OsStr::new(&bus.address))]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $42.50"));
    let wait = |want: &str| {
        let seen = within(Duration::from_secs(5), || polling_of(&home).filter(|p| p == want));
        assert!(seen.is_some(), "want {want:?}, the app says {:?}", polling_of(&home));
    };
    wait("every 5 min");
    bus.emit("battery");
    wait("every 10 min, on battery");
    bus.emit("ac");
    wait("every 5 min");
    // Near the low threshold: every 2 minutes.
    sim.set_profile(&name, super::wallet("jane_doe", 11.0));
    tray.refresh_until(&format!("{name}: $11.00"));
    wait("every 2 min, near a threshold");
    drop(app);
    home.run(&[], &["accounts", "remove", &name], None);
}

#[test]
fn automatic_polling_remembers_a_quiet_account_across_a_restart() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "quiet", "jane_doe", 42.5);
    // Four hours at $42.50 before this start, as the app records it (hourly heartbeats).
    let (history, _) = heygen_tray_core::history::History::open(&home.history_path()).unwrap();
    let now = chrono::Utc::now();
    for h in (1..=4i64).rev() {
        history.record(&name, now - chrono::Duration::hours(h), 42.5, "usd").unwrap();
    }
    drop(history);
    let app = App::start_binary(crate::support::cli_bin(), &home, &[], &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $42.50"));
    let want = "every 15 min, unchanged for hours";
    let seen = within(Duration::from_secs(5), || polling_of(&home).filter(|p| p == want));
    assert!(seen.is_some(), "want {want:?}, the app says {:?}", polling_of(&home));
    drop(app);
    home.run(&[], &["accounts", "remove", &name], None);
}
