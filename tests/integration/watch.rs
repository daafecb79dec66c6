//! `heygen-tray watch` as a render server runs it: no `DISPLAY`, no session bus, keys
//! from systemd credentials or `HEYGEN_API_KEY`, against the simulator. It polls,
//! records history, runs a `low` hook once, serves `status` from its socket and the
//! local API with its token, and ends on SIGTERM with exit 0.

use crate::support::{sim, stderr, stdout, unique, Home};
use heygen_tray_sim::accounts::Auth;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(20);

pub fn wallet(balance: f64) -> Value {
    json!({"username": "render_bot", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": balance}})
}

/// A machine without a desktop: the home's folders, its own runtime folder (no
/// session bus in it), and no display.
pub struct Server {
    pub home: Home,
    pub credentials: std::path::PathBuf,
    pub runtime: std::path::PathBuf,
}

impl Server {
    pub fn new(base: &str) -> Server {
        let home = Home::new(base);
        let (credentials, runtime) = (home.dir.path().join("credentials"), home.dir.path().join("run"));
        for d in [&credentials, &runtime] {
            std::fs::create_dir_all(d).unwrap();
            std::fs::set_permissions(d, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        }
        Server { home, credentials, runtime }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.home.command(&[], args);
        cmd.env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .env("CREDENTIALS_DIRECTORY", &self.credentials);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.command(args).output().unwrap()
    }

    /// Changes the settings file as `accounts`/Settings would.
    pub fn settings(&self, change: impl FnOnce(&mut heygen_tray_core::settings::Settings)) {
        heygen_tray_core::settings::Store::at(self.home.config_dir().join("heygen-tray")).update(change).unwrap();
    }

    pub fn watch(&self, args: &[&str]) -> Watcher {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut all = vec!["watch"];
        all.extend_from_slice(args);
        let child = self.command(&all).stdout(Stdio::null()).stderr(log.reopen().unwrap()).spawn().unwrap();
        Watcher { child, log }
    }
}

/// A running `watch`, killed when dropped (its log printed when the test failed).
pub struct Watcher {
    pub child: Child,
    log: tempfile::NamedTempFile,
}

impl Watcher {
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Waits until the log has `text` `times` times.
    pub fn wait_log(&self, text: &str, times: usize) {
        let start = Instant::now();
        while self.log().matches(text).count() < times {
            assert!(start.elapsed() < TIMEOUT, "timed out after {TIMEOUT:?} waiting for {text:?} ×{times} in the log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: kill has no memory preconditions.
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }

    /// SIGTERM, then its exit status and how long it took.
    pub fn stop(&mut self) -> (Option<i32>, Duration) {
        let start = Instant::now();
        self.signal(libc::SIGTERM);
        while start.elapsed() < Duration::from_secs(10) {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status.code(), start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        (None, start.elapsed())
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- watch log ---\n{}", self.log());
        }
    }
}

/// One HTTP request to the local API: the status code and the body.
pub fn http(addr: &str, path: &str, host: &str, token: Option<&str>) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}\r\n").as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let code = out.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (code, out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
}

/// Where the watch's local API listens, from its log.
pub fn listening(w: &Watcher) -> String {
    w.wait_log("local API on http://", 1);
    let log = w.log();
    let rest = &log[log.find("local API on http://").unwrap() + "local API on http://".len()..];
    rest.split_whitespace().next().unwrap().to_string()
}

/// The value of the sample `name{labels}` in Prometheus text.
pub fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')).and_then(|v| v.trim().parse().ok()))
}

#[test]
fn watch_polls_without_a_desktop_runs_a_low_hook_once_serves_status_and_ends_on_sigterm() {
    let sim = sim();
    let server = Server::new(&sim.base_url());
    let name = unique("render");
    let key = format!("hg_watch_{}", name.replace('-', "_"));
    sim.add_account(&name, &key, Auth::ApiKey, wallet(50.0));
    std::fs::write(server.credentials.join(&name), format!("{key}\n")).unwrap();
    let hook_out = server.home.dir.path().join("hook.out");
    let script = format!("cat >/dev/null; echo \"$HEYGEN_TRAY_EVENT $HEYGEN_TRAY_ACCOUNT\" >> '{}'", hook_out.display());
    server.settings(|s| {
        let mut a = heygen_tray_core::settings::Account::new(&name, heygen_tray_core::settings::AuthKind::ApiKey);
        a.thresholds.low = Some(20.0);
        a.thresholds.critical = Some(5.0);
        s.accounts.push(a);
        s.hooks.insert("low".into(), vec!["sh".into(), "-c".into(), script]);
    });

    let mut w = server.watch(&[]);
    w.wait_log("keys from systemd credentials", 1);
    w.wait_log(&format!("{name}: $50.00 left · ok"), 1);
    assert!(!w.log().contains(&key), "no key in the log");

    // `status` reads the watch's figures from its socket: no request of its own.
    let hits = sim.hits(&name);
    let out = server.run(&["status", "--json"]);
    let status: Value = serde_json::from_str(&stdout(&out)).unwrap_or(Value::Null);
    assert_eq!(status["schema_version"], 1, "{}", stderr(&out));
    assert_eq!(status["accounts"][0]["source"], "app");
    assert_eq!(status["accounts"][0]["remaining"], 50.0);
    assert_eq!(sim.hits(&name), hits);

    // The balance falls below low: the next poll (SIGUSR1 polls now) runs the hook once.
    sim.set_profile(&name, wallet(15.0));
    w.signal(libc::SIGUSR1);
    w.wait_log(&format!("{name}: $15.00 left · low (was ok)"), 1);
    let start = Instant::now();
    while std::fs::read_to_string(&hook_out).unwrap_or_default().is_empty() {
        assert!(start.elapsed() < TIMEOUT, "the low hook did not run:\n{}", w.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    w.signal(libc::SIGUSR1);
    w.wait_log(&format!("{name}: $15.00 left · low"), 2);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(std::fs::read_to_string(&hook_out).unwrap(), format!("low {name}\n"), "the hook ran once for one fall");

    // The history has both figures; `status` follows the watch.
    let history = heygen_tray_core::history::History::open_read_only(&server.home.history_path()).unwrap();
    let remaining: Vec<f64> = history.samples(Some(&name), None).unwrap().iter().map(|s| s.remaining).collect();
    assert_eq!(remaining, vec![50.0, 15.0]);
    let out = server.run(&["status", "--json"]);
    assert_eq!(out.status.code(), Some(1), "low");

    // A second monitor of the folder is refused and told who holds it.
    let second = server.run(&["watch"]);
    assert_eq!(second.status.code(), Some(3));
    let said = stderr(&second);
    assert!(said.contains(&format!("`heygen-tray watch` (process {}) already watches", w.child.id())), "{said}");
    // The tray app (in this test session's display) beside the watch does not start.
    let mut app = server.command(&[]);
    for k in ["DISPLAY", "DBUS_SESSION_BUS_ADDRESS"] {
        if let Some(v) = std::env::var_os(k) {
            app.env(k, v);
        }
    }
    let app = app.env("HEYGEN_TRAY_LOG", "off").output().unwrap();
    assert_eq!(app.status.code(), Some(3), "the tray app beside a watch: {}", stderr(&app));
    assert!(stderr(&app).contains("`heygen-tray watch`"), "{}", stderr(&app));

    let (code, took) = w.stop();
    assert_eq!(code, Some(0), "exit on SIGTERM:\n{}", w.log());
    assert!(took < Duration::from_secs(5), "{took:?}");
    // What was sent is remembered, so a restart does not alert again.
    let settings: Value = serde_json::from_str(&std::fs::read_to_string(server.home.settings_path()).unwrap()).unwrap();
    assert_eq!(settings["alert_memory"][&name]["low_sent"], true, "{settings}");
    assert!(!server.runtime.read_dir().unwrap().any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".sock")), "socket removed");
}

#[test]
fn watch_takes_heygen_api_key_and_refuses_without_any_key() {
    let sim = sim();
    let server = Server::new(&sim.base_url());
    std::fs::remove_dir(&server.credentials).unwrap();
    let none = server.command(&["watch"]).env_remove("CREDENTIALS_DIRECTORY").output().unwrap();
    assert_eq!(none.status.code(), Some(3));
    assert!(stderr(&none).contains("no account to watch"), "{}", stderr(&none));

    let name = unique("env");
    let key = format!("hg_env_{}", name.replace('-', "_"));
    sim.add_account(&name, &key, Auth::ApiKey, wallet(12.0));
    let log = tempfile::NamedTempFile::new().unwrap();
    let child = server
        .command(&["watch"])
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("HEYGEN_API_KEY", &key)
        .stdout(Stdio::null())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let mut w = Watcher { child, log };
    w.wait_log("keys from HEYGEN_API_KEY", 1);
    w.wait_log("env: $12.00 left · ok", 1);
    assert_eq!(w.stop().0, Some(0));
}

#[test]
fn the_local_api_needs_its_token_refuses_other_hosts_and_equals_the_simulator() {
    let sim = sim();
    let server = Server::new(&sim.base_url());
    let name = unique("api");
    let key = format!("hg_api_{}", name.replace('-', "_"));
    sim.add_account(&name, &key, Auth::ApiKey, wallet(42.5));
    std::fs::write(server.credentials.join(&name), &key).unwrap();

    let refused = server.run(&["watch", "--listen", "0.0.0.0:0"]);
    assert_eq!(refused.status.code(), Some(64));
    assert!(stderr(&refused).contains("--allow-remote"), "{}", stderr(&refused));

    let w = server.watch(&["--listen", "127.0.0.1:0"]);
    let addr = listening(&w);
    w.wait_log(&format!("{name}: $42.50 left"), 1);
    let token = stdout(&server.run(&["token"])).trim().to_string();
    assert_eq!(token.len(), 64);
    let path = stdout(&server.run(&["token", "--path"])).trim().to_string();
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&path).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "{path}");

    assert_eq!(http(&addr, "/metrics", &addr, None).0, 401);
    assert_eq!(http(&addr, "/metrics", &addr, Some("0000000000000000000000000000000000000000000000000000000000000000")).0, 401);
    assert_eq!(http(&addr, "/metrics", "rebind.example", Some(&token)).0, 403);
    let (code, metrics) = http(&addr, "/metrics", &addr, Some(&token));
    assert_eq!(code, 200);
    assert_eq!(sample(&metrics, &format!("heygen_remaining{{account=\"{name}\",unit=\"usd\"}}")), Some(42.5), "{metrics}");
    assert_eq!(sample(&metrics, &format!("heygen_up{{account=\"{name}\"}}")), Some(1.0));
    assert_eq!(sample(&metrics, &format!("heygen_level{{account=\"{name}\"}}")), Some(0.0));
    let port = addr.rsplit(':').next().unwrap();
    let (code, body) = http(&addr, "/v1/status", &format!("localhost:{port}"), Some(&token));
    assert_eq!(code, 200);
    assert_eq!(crate::support::schema_problems("v1-status.schema.json", &body), "", "{body}");
    let status: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((status["schema_version"].as_u64(), status["accounts"][0]["remaining"].as_f64()), (Some(1), Some(42.5)));
    for text in [&metrics, &body, &w.log()] {
        assert!(!text.contains(&key) && !text.contains(&token), "no key or token in answers or the log");
    }
    drop(w);
}
