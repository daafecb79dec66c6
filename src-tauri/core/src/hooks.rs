//! Event hooks: a command the user names in the settings file (`hooks`: event → argv,
//! no shell unless the user writes one) runs when that event happens. It gets a JSON
//! document on standard input and the same essentials in `HEYGEN_TRAY_*` variables —
//! never a key or token (the app's own secret variables are removed too). A run is
//! bounded: it runs in a process group of its own, killed as a whole (with whatever it
//! started) after [`TIMEOUT`]. It is done when the command itself exits, even if a
//! child it left in the background still holds its output open; its exit status and
//! the first lines of its output are kept for the log and for Settings.

mod runner;
pub use runner::HookRunner;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a hook may run.
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// How long a hook's output streams are read after it exits.
const OUTPUT_GRACE: Duration = Duration::from_millis(500);
/// How much of a hook's output is kept.
const OUTPUT_KEPT: usize = 2000;

/// The events a hook can be named for.
pub const EVENTS: [&str; 9] =
    ["low", "critical", "recovered", "reload_failed", "key_expiring", "key_rejected", "spike", "unreachable", "overage"];

/// The settings file's `hooks`: event → the command and its arguments.
pub type Hooks = BTreeMap<String, Vec<String>>;

/// What a hook is told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookEvent {
    pub event: String,
    pub account: String,
    pub billing_type: Option<String>,
    pub remaining: Option<f64>,
    pub unit: Option<String>,
    pub level: String,
    pub low: Option<f64>,
    pub critical: Option<f64>,
    pub at: DateTime<Utc>,
    /// The notification's words, when there was one.
    pub message: Option<String>,
    /// True for Settings' "Run a test event".
    #[serde(default)]
    pub test: bool,
}

impl HookEvent {
    #[cfg(all(test, unix))]
    fn clone_with_at(&self, at: DateTime<Utc>) -> HookEvent {
        HookEvent { at, ..self.clone() }
    }

    /// The same essentials as environment variables.
    pub fn env(&self) -> Vec<(String, String)> {
        let opt = |v: &Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        vec![
            ("HEYGEN_TRAY_EVENT".into(), self.event.clone()),
            ("HEYGEN_TRAY_ACCOUNT".into(), self.account.clone()),
            ("HEYGEN_TRAY_BILLING_TYPE".into(), self.billing_type.clone().unwrap_or_default()),
            ("HEYGEN_TRAY_REMAINING".into(), opt(&self.remaining)),
            ("HEYGEN_TRAY_UNIT".into(), self.unit.clone().unwrap_or_default()),
            ("HEYGEN_TRAY_LEVEL".into(), self.level.clone()),
            ("HEYGEN_TRAY_LOW".into(), opt(&self.low)),
            ("HEYGEN_TRAY_CRITICAL".into(), opt(&self.critical)),
            ("HEYGEN_TRAY_TIME".into(), self.at.to_rfc3339()),
            ("HEYGEN_TRAY_TEST".into(), if self.test { "1".into() } else { "0".into() }),
        ]
    }
}

/// How a run went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The exit code; `None` when it was killed or could not start.
    pub code: Option<i32>,
    pub timed_out: bool,
    /// Why it could not start, if it could not.
    pub error: Option<String>,
    /// The first lines of its standard output and error.
    pub output: String,
    /// How long it was allowed to run.
    #[serde(skip)]
    pub limit: Duration,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// One line for the log and Settings.
    pub fn describe(&self) -> String {
        match (&self.error, self.timed_out, self.code) {
            (Some(e), _, _) => format!("could not start: {e}"),
            (None, true, _) => match self.limit.subsec_millis() {
                0 => format!("killed after {} s", self.limit.as_secs()),
                _ => format!("killed after {:.1} s", self.limit.as_secs_f64()),
            },
            (None, false, Some(0)) => "exit 0".into(),
            (None, false, Some(c)) => format!("exit {c}"),
            (None, false, None) => "ended by a signal".into(),
        }
    }
}

/// Variables a hook never inherits: they may hold a key or token.
const SECRET_VARS: [&str; 3] = ["HEYGEN_API_KEY", "HEYGEN_OAUTH_CLIENT_ID", "HEYGEN_ACCESS_TOKEN"];

/// Runs `argv` for `event` and waits for it, at most `timeout`. Blocking.
pub fn run(argv: &[String], event: &HookEvent, timeout: Duration) -> Outcome {
    let Some((program, args)) = argv.split_first() else {
        return Outcome { code: None, timed_out: false, error: Some("no command".into()), output: String::new(), limit: timeout };
    };
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for v in SECRET_VARS {
        cmd.env_remove(v);
    }
    cmd.envs(event.env());
    let mut child = match crate::process_group::own_group(&mut cmd).spawn() {
        Ok(c) => c,
        Err(e) => return Outcome { code: None, timed_out: false, error: Some(e.to_string()), output: String::new(), limit: timeout },
    };
    let group = crate::process_group::Group::of(&child);
    let document = serde_json::to_vec(event).unwrap_or_default();
    let mut stdin = child.stdin.take();
    // Written on a thread: a hook that never reads must not hold the runner.
    let writer = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            let _ = s.write_all(&document);
        }
    });
    // Each stream is read on a thread into a buffer kept here, so what came is there
    // to take even when a background child keeps the stream open after the hook ended.
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let streams: Vec<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> = [
        child.stdout.take().map(|o| Box::new(o) as Box<dyn Read + Send>),
        child.stderr.take().map(|e| Box::new(e) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|mut r| {
        let kept = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (into, done) = (kept.clone(), done_tx.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut kept = into.lock().unwrap();
                let room = OUTPUT_KEPT.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
            let _ = done.send(());
        });
        kept
    })
    .collect();
    drop(done_tx);
    let start = Instant::now();
    let (code, timed_out) = loop {
        match child.try_wait() {
            Ok(Some(status)) => break (status.code(), false),
            Ok(None) if start.elapsed() >= timeout => {
                group.kill(&mut child);
                break (None, true);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(_) => break (None, false),
        }
    };
    // The writer is not waited for (a hook that never read its input has ended). The
    // streams get a moment to say their last words; one that a background child holds
    // open is left to its thread, which ends when that child closes it.
    drop(writer);
    let until = Instant::now() + OUTPUT_GRACE;
    let mut open = streams.len();
    while open > 0 && done_rx.recv_timeout(until.saturating_duration_since(Instant::now())).is_ok() {
        open -= 1;
    }
    // The first lines of each stream (standard output, then standard error).
    let output = streams
        .iter()
        .map(|kept| kept.lock().unwrap().clone())
        .collect::<Vec<_>>()
        .iter()
        .flat_map(|b| String::from_utf8_lossy(b).lines().take(3).map(|l| crate::text::clean(l).into_owned()).collect::<Vec<_>>())
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
    Outcome { code, timed_out, error: None, output, limit: timeout }
}

#[cfg(test)]
#[cfg(unix)]
mod tests;
