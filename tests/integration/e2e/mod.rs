//! End-to-end tests of the tray app in the private desktop session of
//! `./scripts/test.sh`: the real binary with its StatusNotifierItem (read over
//! D-Bus), its windows (driven through tauri-driver, closed like a window manager
//! does), its notifications (read back from dunst) and the keyring.
//!
//! Every app a test starts carries a unique `HEYGEN_E2E_TAG` in its environment, so
//! the guards here can end it and everything it started (WebKit helpers,
//! WebKitWebDriver). The app is single-instance per D-Bus session (the name
//! `com.heygen-tray.app.SingleInstance`), so the tests that start it take
//! [`exclusive`] and run one at a time.

mod cli_link;
mod dashboard;
mod demo;
mod desktop;
mod forecast;
mod in_view;
mod keyring_unlock;
mod live_status;
mod no_tray;
mod notifications;
mod panel;
mod roles;
mod settings;
mod spike;
mod tauri_tray;
mod tray;
mod two_stores;
mod wake;
mod webdriver;
mod windows;

use crate::support::{stderr, Home};
use heygen_tray_sim::accounts::Auth;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long anything the app does may take (start-up of a debug build included).
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The D-Bus name the single-instance plugin owns while an app runs.
const SINGLE_INSTANCE: &str = "com.heygen-tray.app.SingleInstance";

/// Held for the whole of a test that starts the app: one app per session at a time.
pub fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // A previous test's app may still be letting go of its name.
    wait_for("no other heygen-tray app in the session", || (!bus_name_taken(SINGLE_INSTANCE)).then_some(()));
    guard
}

/// Polls `check` every 100 ms until it gives a value; panics after [`TIMEOUT`].
pub fn wait_for<T>(what: &str, check: impl FnMut() -> Option<T>) -> T {
    wait_up_to(TIMEOUT, what, check)
}

pub fn wait_up_to<T>(timeout: Duration, what: &str, check: impl FnMut() -> Option<T>) -> T {
    within(timeout, check).unwrap_or_else(|| panic!("timed out after {timeout:?} waiting for {what}"))
}

/// Polls `check` every 100 ms for up to `timeout`; None when it never gave a value.
pub fn within<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if start.elapsed() >= timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A wallet profile as `/v3/users/me` returns it.
pub fn wallet(username: &str, balance: f64) -> Value {
    json!({"username": username, "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": balance}})
}

/// A simulator account and an app account of the same unique name, its key in the
/// keyring (added with the CLI, which checks it against the simulator).
pub fn stored_wallet(sim: &crate::support::Sim, home: &Home, prefix: &str, username: &str, balance: f64) -> (String, String) {
    let name = crate::support::unique(prefix);
    let key = format!("hg_e2e_{}", name.replace('-', "_"));
    sim.add_account(&name, &key, Auth::ApiKey, wallet(username, balance));
    let out = home.run(&[], &["accounts", "add", &name], Some(&key));
    assert_eq!(out.status.code(), Some(0), "accounts add: {}", stderr(&out));
    (name, key)
}

/// The environment of an app under test: the home's, its own cache folder (WebKit
/// writes there) and the tag that finds everything it started.
pub fn app_env(cmd: &mut Command, home: &Home, tag: &str) {
    let from = home.command(&[], &[]);
    for (k, v) in from.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.env("XDG_CACHE_HOME", home.dir.path().join("cache")).env("HEYGEN_E2E_TAG", tag);
}

/// The tray app, started directly. Ended with everything it started when dropped.
pub struct App {
    pub child: Child,
    pub tag: String,
    log: tempfile::NamedTempFile,
}

impl App {
    /// Starts the app the way users do: `heygen-tray`, which hands over to the app.
    pub fn start(home: &Home, args: &[&str]) -> App {
        App::start_binary(crate::support::cli_bin(), home, args, &[])
    }

    /// Starts `binary` with `args` and, beyond the home's environment, `env`.
    pub fn start_binary(binary: &str, home: &Home, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> App {
        let tag = crate::support::unique("app");
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut cmd = Command::new(binary);
        app_env(&mut cmd, home, &tag);
        cmd.envs(env.iter().copied());
        cmd.args(args).stdin(Stdio::null()).stdout(log.reopen().unwrap()).stderr(log.reopen().unwrap());
        App { child: cmd.spawn().unwrap(), tag, log }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for App {
    fn drop(&mut self) {
        signal(self.child.id(), libc::SIGTERM);
        let start = Instant::now();
        while self.child.try_wait().ok().flatten().is_none() && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        end_tagged(&self.tag);
        if std::thread::panicking() {
            eprintln!("--- app log ---\n{}", std::fs::read_to_string(self.log.path()).unwrap_or_default());
        }
    }
}

/// One process, from `/proc/PID/stat`.
#[derive(Debug, Clone)]
pub struct Proc {
    pub pid: u32,
    pub ppid: u32,
    /// The kernel's name, at most 15 bytes: `WebKitWebProces`.
    pub name: String,
    /// `Z` for a zombie (exited, not yet reaped).
    pub state: char,
}

pub fn processes() -> Vec<Proc> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { continue };
        // "pid (name) S ppid ...": the name may hold spaces and parentheses.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let mut rest = stat[close + 1..].split_whitespace();
        let state = rest.next().and_then(|s| s.chars().next()).unwrap_or('?');
        let ppid = rest.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        out.push(Proc { pid, ppid, name: stat[open + 1..close].to_string(), state });
    }
    out
}

/// Every live (not zombie) process under `root`, at any depth.
pub fn descendants(root: u32) -> Vec<Proc> {
    let all = processes();
    let mut found: Vec<Proc> = Vec::new();
    let mut parents = vec![root];
    while let Some(parent) = parents.pop() {
        for p in all.iter().filter(|p| p.ppid == parent && p.state != 'Z') {
            parents.push(p.pid);
            found.push(p.clone());
        }
    }
    found
}

/// Live processes whose environment holds `HEYGEN_E2E_TAG=tag`: an app and all it
/// started, even those that outlived their parent.
pub fn tagged(tag: &str) -> Vec<Proc> {
    let needle = format!("HEYGEN_E2E_TAG={tag}\0");
    processes()
        .into_iter()
        .filter(|p| p.state != 'Z')
        .filter(|p| {
            std::fs::read(format!("/proc/{}/environ", p.pid)).is_ok_and(|env| env.windows(needle.len()).any(|w| w == needle.as_bytes()))
        })
        .collect()
}

/// Ends every process with the tag (TERM, then KILL) and waits until the app's
/// single-instance name is free again.
pub fn end_tagged(tag: &str) {
    for sig in [libc::SIGTERM, libc::SIGKILL] {
        let start = Instant::now();
        while !tagged(tag).is_empty() && start.elapsed() < Duration::from_secs(3) {
            for p in tagged(tag) {
                signal(p.pid, sig);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let start = Instant::now();
    while bus_name_taken(SINGLE_INSTANCE) && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn signal(pid: u32, sig: i32) {
    // SAFETY: sends a signal; no memory is touched.
    unsafe { libc::kill(pid as i32, sig) };
}

pub fn bus_name_taken(name: &str) -> bool {
    // NameHasOwner needs no peer credentials (which `busctl status` reads, and a container may not give).
    Command::new("busctl")
        .args(["--user", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner", "s", name])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("true"))
}
