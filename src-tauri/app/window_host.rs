//! Windows in a process of their own. The tray process never loads WebKit: opening
//! the dashboard or Settings starts `heygen-tray --window PAGE` as a child that shows
//! the window and exits when it closes, so every byte a webview used is returned.
//!
//! The two talk in JSON lines. Parent to child (stdin): `{"state": <dashboard>}` on
//! every change, `{"focus": true}`. Child to parent (stdout): `{"cmd": "refresh",
//! "account": ...}`, `{"cmd": "open", "page": ...}`. Everything else (Settings, keys,
//! history) the child does itself; the parent notices settings changes on disk.

use super::windows::Page;
use super::Shared;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};

/// The parent's view of its window processes.
#[derive(Default)]
pub struct Hosts {
    children: Mutex<HashMap<&'static str, (Child, ChildStdin)>>,
}

impl Hosts {
    /// Focuses the page's window process, or starts one.
    pub fn open(&self, shared: &Arc<Shared>, page: Page, state: &Value) -> std::io::Result<()> {
        let mut children = self.children.lock().unwrap();
        if let Some((child, stdin)) = children.get_mut(page.label()) {
            if child.try_wait()?.is_none() && writeln!(stdin, "{}", json!({"focus": true})).is_ok() {
                return Ok(());
            }
            children.remove(page.label());
        }
        let mut child = Command::new(std::env::current_exe()?)
            .args(["--window", page.label()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let pid = child.id();
        writeln!(stdin, "{}", json!({ "state": state }))?;
        children.insert(page.label(), (child, stdin));
        let shared = shared.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let Ok(msg) = serde_json::from_str::<Value>(&line) else { continue };
                match msg["cmd"].as_str() {
                    Some("refresh") => super::actions::refresh(&shared, msg["account"].as_str().map(str::to_string)),
                    Some("open") => {
                        if let Some(p) = msg["page"].as_str().and_then(Page::parse) {
                            if let Err(e) = shared.hosts.open(&shared, p, &shared.current_state()) {
                                tracing::error!("could not open the {} window: {e}", p.label());
                            }
                        }
                    }
                    _ => {}
                }
            }
            // The window closed: reap the process.
            shared.hosts.reap(page.label(), pid);
        });
        Ok(())
    }

    /// Forgets and reaps the window process `pid` of `label` once its window closed.
    /// A process started since for the same page (a quick reopen) is not this one's to
    /// touch; the wait happens outside the lock, so the views loop never stalls on it.
    fn reap(&self, label: &str, pid: u32) {
        let mine = {
            let mut children = self.children.lock().unwrap();
            match children.get(label) {
                Some((child, _)) if child.id() == pid => children.remove(label),
                _ => None,
            }
        };
        if let Some((mut child, stdin)) = mine {
            drop(stdin);
            let _ = child.wait();
        }
    }

    /// Sends the new dashboard state to every window process.
    pub fn broadcast(&self, state: &Value) {
        let line = json!({ "state": state }).to_string();
        let mut children = self.children.lock().unwrap();
        children.retain(|_, (_, stdin)| writeln!(stdin, "{line}").is_ok());
    }
}

/// The child's link to the tray process.
pub struct Remote {
    latest: Mutex<Value>,
    out: Mutex<std::io::Stdout>,
}

impl Remote {
    pub fn new() -> Remote {
        Remote { latest: Mutex::new(Value::Null), out: Mutex::new(std::io::stdout()) }
    }

    pub fn latest(&self) -> Value {
        self.latest.lock().unwrap().clone()
    }

    /// Asks the tray process for something; false when it is gone.
    pub fn send(&self, msg: Value) -> bool {
        let mut out = self.out.lock().unwrap();
        writeln!(out, "{msg}").and_then(|_| out.flush()).is_ok()
    }

    /// Reads the parent's messages until it closes the pipe, then ends the process.
    pub fn listen(self: Arc<Self>, app: tauri::AppHandle, page: Page) {
        use tauri::{Emitter, Manager};
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                let Ok(msg) = serde_json::from_str::<Value>(&line) else { continue };
                if let Some(state) = msg.get("state") {
                    *self.latest.lock().unwrap() = state.clone();
                    let _ = app.emit("state", state.clone());
                }
                if msg.get("focus").is_some() {
                    if let Some(w) = app.get_webview_window(page.label()) {
                        let _ = w.unminimize();
                        let _ = w.show();
                        let _ = w.set_focus();
                    }
                }
            }
            app.exit(0);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn sleeper(secs: &str) -> (Child, ChildStdin) {
        let mut child = Command::new("sleep").arg(secs).stdin(Stdio::piped()).spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        (child, stdin)
    }

    #[test]
    fn an_old_reader_leaves_a_reopened_window_alone_and_never_waits_on_it() {
        let hosts = Hosts::default();
        let (mut old, _) = sleeper("0");
        let old_pid = old.id();
        old.wait().unwrap();
        let new = sleeper("30");
        let new_pid = new.0.id();
        hosts.children.lock().unwrap().insert("dashboard", new);
        let start = Instant::now();
        hosts.reap("dashboard", old_pid);
        assert!(start.elapsed() < Duration::from_secs(2), "the old reader waited on the new window");
        let mut children = hosts.children.lock().unwrap();
        let (child, _) = children.get_mut("dashboard").expect("the new window is still known");
        assert_eq!(child.id(), new_pid);
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn a_closed_window_is_forgotten_and_reaped() {
        let hosts = Hosts::default();
        let child = sleeper("0");
        let pid = child.0.id();
        hosts.children.lock().unwrap().insert("settings", child);
        hosts.reap("settings", pid);
        assert!(hosts.children.lock().unwrap().is_empty());
        // Reaped: no zombie left under this process.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        assert!(stat.is_empty(), "still there: {stat}");
    }
}
