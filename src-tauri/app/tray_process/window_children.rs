//! The window processes this tray process starts. It never loads WebKit itself:
//! opening the dashboard or Settings starts `heygen-tray-app --window PAGE` (this
//! very binary, through `/proc/self/exe` on Linux, so an upgrade that replaces the
//! file on disk does not stop windows from opening) as a child that shows the window
//! and exits when it closes, so every byte a webview used is returned.
//!
//! The two talk in JSON lines (see `crate::window_process` for the child's side).
//! To the child (its stdin): `{"state": …}` (the dashboard state), `{"focus": true}`,
//! `{"reply": ID, "ok": …}` or `{"reply": ID, "err": {"code": …, "message": "…"}}`. From the child (its
//! stdout): `{"id": ID, "request": {"ask": …}}`, answered like a page of this process.
//! Each child has a writer thread of its own: the views loop only leaves the latest
//! state in the child's outbox, so a child that stops reading (stopped, hung) misses
//! intermediate states and never holds anything up.

use super::TrayProcess;
use crate::role::{CommandError, ErrorCode, Request};
use crate::webview::Page;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};

#[derive(Default)]
pub struct WindowChildren {
    children: Mutex<HashMap<&'static str, ChildWindow>>,
}

/// One window process and what waits to be written to it.
struct ChildWindow {
    process: Child,
    outbox: Arc<Outbox>,
}

/// What the writer thread sends next: messages in order, then the latest state.
#[derive(Default)]
struct Outbox {
    pending: Mutex<Pending>,
    ready: Condvar,
}

#[derive(Default)]
struct Pending {
    messages: VecDeque<String>,
    state: Option<String>,
    closed: bool,
}

impl Outbox {
    fn push(&self, message: String) {
        self.pending.lock().unwrap().messages.push_back(message);
        self.ready.notify_one();
    }

    /// Replaces any state not written yet: never waits for the child.
    fn set_state(&self, line: &str) {
        let mut p = self.pending.lock().unwrap();
        p.state = Some(line.to_string());
        drop(p);
        self.ready.notify_one();
    }

    fn close(&self) {
        self.pending.lock().unwrap().closed = true;
        self.ready.notify_one();
    }

    fn is_closed(&self) -> bool {
        self.pending.lock().unwrap().closed
    }

    /// Waits for something to write: the messages in order, then the latest state;
    /// `None` once the outbox is closed.
    fn next_batch(&self) -> Option<Vec<String>> {
        let mut p = self.pending.lock().unwrap();
        while p.messages.is_empty() && p.state.is_none() && !p.closed {
            p = self.ready.wait(p).unwrap();
        }
        if p.closed {
            return None;
        }
        let state = p.state.take();
        Some(p.messages.drain(..).chain(state).collect())
    }

    /// Writes until the outbox is closed or the pipe breaks.
    fn write_to(&self, mut out: impl Write) {
        while let Some(batch) = self.next_batch() {
            for line in batch {
                if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
                    self.close();
                    return;
                }
            }
        }
    }
}

/// The path that starts this binary again, even once the file was replaced.
fn own_binary() -> std::io::Result<std::path::PathBuf> {
    #[cfg(target_os = "linux")]
    {
        let exe = std::path::PathBuf::from("/proc/self/exe");
        if exe.exists() {
            return Ok(exe);
        }
    }
    std::env::current_exe()
}

impl WindowChildren {
    /// Focuses the page's window process, or starts one.
    pub fn open(&self, tray: &Arc<TrayProcess>, page: Page) -> std::io::Result<()> {
        let mut children = self.children.lock().unwrap();
        if let Some(link) = children.get_mut(page.label()) {
            if link.process.try_wait()?.is_none() && !link.outbox.is_closed() {
                link.outbox.push(json!({"focus": true}).to_string());
                return Ok(());
            }
            children.remove(page.label());
        }
        let mut command = Command::new(own_binary()?);
        // Named as the app, not `exe`: the toolkit takes its WM_CLASS from argv[0].
        #[cfg(unix)]
        std::os::unix::process::CommandExt::arg0(&mut command, crate::APP_NAME);
        let mut process =
            command.args(["--window", page.label()]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn()?;
        let stdin = process.stdin.take().expect("piped");
        let stdout = process.stdout.take().expect("piped");
        let pid = process.id();
        tracing::debug!("window process {pid} started");
        let outbox = Arc::new(Outbox::default());
        outbox.set_state(&json!({ "state": tray.current_state() }).to_string());
        let writer = outbox.clone();
        std::thread::spawn(move || writer.write_to(stdin));
        children.insert(page.label(), ChildWindow { process, outbox: outbox.clone() });
        let tray = tray.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                answer(&tray, &outbox, &line);
            }
            // The window closed: reap the process.
            outbox.close();
            tray.children.reap(page.label(), pid);
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
                Some(link) if link.process.id() == pid => children.remove(label),
                _ => None,
            }
        };
        if let Some(mut link) = mine {
            link.outbox.close();
            let _ = link.process.wait();
            // What serving the window took (its states, charts) is freed by now.
            crate::return_free_memory();
        }
    }

    /// Leaves the new dashboard state for every window process; returns at once.
    pub fn send_state(&self, state: &Value) {
        let line = json!({ "state": state }).to_string();
        let children = self.children.lock().unwrap();
        for link in children.values() {
            link.outbox.set_state(&line);
        }
    }
}

/// Answers one request line of a window process, like a page of this process.
fn answer(tray: &Arc<TrayProcess>, outbox: &Arc<Outbox>, line: &str) {
    let Ok(msg) = serde_json::from_str::<Value>(line) else { return };
    let id = msg["id"].clone();
    let request = match serde_json::from_value::<Request>(msg["request"].clone()) {
        Ok(r) => r,
        Err(e) => {
            return outbox
                .push(json!({"reply": id, "err": CommandError::new(ErrorCode::Invalid, format!("not understood: {e}"))}).to_string())
        }
    };
    let (tray, outbox) = (tray.clone(), outbox.clone());
    tauri::async_runtime::spawn(async move {
        let reply = match tray.answer(request).await {
            Ok(v) => json!({"reply": id, "ok": v}),
            Err(e) => json!({"reply": id, "err": e}),
        };
        outbox.push(reply.to_string());
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn sleeper(secs: &str) -> ChildWindow {
        let mut process = Command::new("sleep").arg(secs).stdin(Stdio::piped()).spawn().unwrap();
        drop(process.stdin.take());
        ChildWindow { process, outbox: Default::default() }
    }

    #[test]
    fn an_old_reader_leaves_a_reopened_window_alone_and_never_waits_on_it() {
        let children = WindowChildren::default();
        let mut old = sleeper("0");
        let old_pid = old.process.id();
        old.process.wait().unwrap();
        let new = sleeper("30");
        let new_pid = new.process.id();
        children.children.lock().unwrap().insert("dashboard", new);
        let start = Instant::now();
        children.reap("dashboard", old_pid);
        assert!(start.elapsed() < Duration::from_secs(2), "the old reader waited on the new window");
        let mut all = children.children.lock().unwrap();
        let link = all.get_mut("dashboard").expect("the new window is still known");
        assert_eq!(link.process.id(), new_pid);
        link.process.kill().unwrap();
        link.process.wait().unwrap();
    }

    #[test]
    fn a_closed_window_is_forgotten_and_reaped() {
        let children = WindowChildren::default();
        let link = sleeper("0");
        let pid = link.process.id();
        children.children.lock().unwrap().insert("settings", link);
        children.reap("settings", pid);
        assert!(children.children.lock().unwrap().is_empty());
        // Reaped: no zombie left under this process.
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        assert!(stat.is_empty(), "still there: {stat}");
    }

    #[test]
    fn a_child_that_does_not_read_never_blocks_a_state_and_gets_the_latest_one() {
        // `sleep` never reads its stdin: the pipe fills after 64 KiB.
        let mut process = Command::new("sleep").arg("30").stdin(Stdio::piped()).spawn().unwrap();
        let stdin = process.stdin.take().unwrap();
        let outbox = Arc::new(Outbox::default());
        let writer = outbox.clone();
        std::thread::spawn(move || writer.write_to(stdin));
        let children = WindowChildren::default();
        children.children.lock().unwrap().insert("dashboard", ChildWindow { process, outbox: outbox.clone() });
        let big = json!({"accounts": "x".repeat(16 * 1024)});
        let start = Instant::now();
        for _ in 0..200 {
            children.send_state(&big);
        }
        assert!(start.elapsed() < Duration::from_secs(1), "sending states waited for the child: {:?}", start.elapsed());
        assert!(outbox.pending.lock().unwrap().state.is_some(), "the latest state waits for the child");
        assert!(outbox.pending.lock().unwrap().messages.is_empty(), "states do not queue up");
        let mut link = children.children.lock().unwrap().remove("dashboard").unwrap();
        link.process.kill().unwrap();
        link.process.wait().unwrap();
        link.outbox.close();
    }

    #[test]
    fn a_reading_child_gets_messages_in_order_then_the_latest_state() {
        let outbox = Outbox::default();
        outbox.set_state("{\"state\":1}");
        outbox.push("{\"reply\":1}".into());
        outbox.set_state("{\"state\":2}");
        outbox.push("{\"focus\":true}".into());
        assert_eq!(outbox.next_batch().unwrap(), ["{\"reply\":1}", "{\"focus\":true}", "{\"state\":2}"]);
        outbox.close();
        assert_eq!(outbox.next_batch(), None);
    }
}
