//! Shared set-up: a simulator on its own runtime, and the CLI binary.

use heygen_tray_core::api::{ApiBase, Client};
use heygen_tray_sim::{SimOptions, Simulator};
use std::process::{Command, Output};
use std::time::Duration;

/// A simulator serving from a runtime of its own, so sync and async tests can share it.
pub struct Sim {
    pub sim: Simulator,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Sim {
    fn drop(&mut self) {
        // Tests may end inside another runtime, where a blocking shutdown would panic.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl std::ops::Deref for Sim {
    type Target = Simulator;
    fn deref(&self) -> &Simulator {
        &self.sim
    }
}

/// The command-line binary `heygen-tray`, built beside the app binary this test
/// package builds (`cargo build --workspace`, as scripts/test.sh does).
pub fn cli_bin() -> &'static str {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let app = std::path::Path::new(env!("CARGO_BIN_EXE_heygen-tray-app"));
        let cli = app.with_file_name(format!("heygen-tray{}", std::env::consts::EXE_SUFFIX));
        assert!(cli.is_file(), "{} is missing: build every binary first (cargo build --workspace; scripts/test.sh does)", cli.display());
        cli.to_string_lossy().into_owned()
    })
}

/// The app binary `heygen-tray-app` (its tests are Linux's).
#[cfg(target_os = "linux")]
pub fn app_bin() -> &'static str {
    env!("CARGO_BIN_EXE_heygen-tray-app")
}

pub fn sim() -> Sim {
    // Built on a thread of its own: `block_on` is not allowed inside an async test.
    std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let sim = runtime.block_on(Simulator::start(SimOptions::default())).unwrap();
        Sim { sim, runtime: Some(runtime) }
    })
    .join()
    .unwrap()
}

pub fn client(sim: &Simulator) -> Client {
    Client::with_timeouts(ApiBase::parse(&sim.base_url()).unwrap(), Duration::from_secs(2), Duration::from_secs(3))
}

/// Runs the binary with a clean environment: isolated config dirs, the simulator as API.
pub fn heygen_tray(base: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    Home::new(base).run(env, args, None)
}

/// A user's home for several runs of the binary: config, data and HeyGen CLI folders.
pub struct Home {
    pub dir: tempfile::TempDir,
    pub base: String,
}

impl Home {
    pub fn new(base: &str) -> Home {
        Home { dir: tempfile::tempdir().unwrap(), base: base.to_string() }
    }

    pub fn config_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("config")
    }

    pub fn heygen_cli_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("heygen")
    }

    pub fn settings_path(&self) -> std::path::PathBuf {
        self.config_dir().join("heygen-tray").join("settings.json")
    }

    /// Where the app and the CLI keep the history (its folder may not exist yet).
    pub fn history_path(&self) -> std::path::PathBuf {
        self.dir.path().join("data").join("heygen-tray").join("history.sqlite3")
    }

    pub fn command(&self, env: &[(&str, &str)], args: &[&str]) -> Command {
        let mut cmd = Command::new(cli_bin());
        cmd.args(args)
            .env_remove("HEYGEN_API_KEY")
            .env_remove("HEYGEN_OAUTH_CLIENT_ID")
            .env("HEYGEN_API_BASE", &self.base)
            .env("HEYGEN_OAUTH_BASE", &self.base)
            .env("XDG_CONFIG_HOME", self.config_dir())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("HEYGEN_CONFIG_DIR", self.heygen_cli_dir())
            .stdin(std::process::Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs with `stdin` piped in (or no input).
    pub fn run(&self, env: &[(&str, &str)], args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = self.command(env, args);
        match stdin {
            None => cmd.output().unwrap(),
            Some(input) => {
                use std::io::Write;
                let mut child = cmd
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap();
                // A command that refuses its arguments exits without reading its input.
                if let Err(e) = child.stdin.take().unwrap().write_all(input.as_bytes()) {
                    assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "writing to {args:?}: {e}");
                }
                child.wait_with_output().unwrap()
            }
        }
    }

    /// Every file under the home that contains `needle`.
    pub fn files_containing(&self, needle: &str) -> Vec<std::path::PathBuf> {
        fn walk(dir: &std::path::Path, needle: &[u8], out: &mut Vec<std::path::PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else { return };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, needle, out);
                } else if std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle)) {
                    out.push(p);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.dir.path(), needle.as_bytes(), &mut out);
        out
    }
}

/// Fails with instructions when the test session (Secret Service, dunst) is missing.
pub fn require_session() {
    assert!(
        std::env::var_os("HEYGEN_TRAY_SESSION").is_some(),
        "this test needs the private desktop session: run ./scripts/test.sh (it starts D-Bus, gnome-keyring and dunst)"
    );
}

/// `secret-tool search --all service com.heygen-tray.app username NAME`: (item path, secret) pairs.
pub fn keyring_items(account: &str) -> Vec<(String, String)> {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "--unlock", "service", heygen_tray_core::keystore::SERVICE, "username", account])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let mut items = Vec::new();
    let mut path = None;
    for line in text.lines() {
        if let Some(p) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            path = Some(p.to_string());
        } else if let Some(secret) = line.strip_prefix("secret = ") {
            items.push((path.take().unwrap_or_default(), secret.to_string()));
        }
    }
    items
}

/// A unique account name, so parallel tests do not share keyring entries.
pub fn unique(prefix: &str) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    format!("{prefix}-{}-{}", std::process::id(), N.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Problems of `doc` against `schema` in docs/schema/ (scripts/check_schema.py); empty
/// when it is valid.
pub fn schema_problems(schema: &str, doc: &str) -> String {
    use std::io::Write;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_schema.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(schema)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs scripts/check_schema.py (python3-jsonschema: scripts/install-system-deps.sh)");
    child.stdin.take().unwrap().write_all(doc.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    match out.status.code() {
        Some(0) => String::new(),
        Some(1) => said,
        _ => panic!("scripts/check_schema.py failed: {said}"),
    }
}
