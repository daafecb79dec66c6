//! A window process: one dashboard or Settings window for a running tray process,
//! which started it with `--window PAGE` (see `tray_process::window_children`). It
//! owns nothing of the app's state: every request its page makes goes to the tray
//! process over the link (stdout), and the answers, the dashboard state and focus
//! requests come back on stdin. It ends when its window closes or the tray process
//! goes away.

use crate::role::{CommandError, ErrorCode, Reply, Request, Role};
use crate::webview::{self, Page};
use heygen_tray_core::EXIT_FAILURE;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::future::Future;
use std::io::{BufRead, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// How long a request may wait for the tray process (checking a key with HeyGen
/// takes up to its 30 s time-out).
const ANSWER_WITHIN: Duration = Duration::from_secs(45);

const TRAY_GONE: &str = "The HeyGen Tray app is not running any more; start it again to use this window.";

pub struct WindowProcess {
    /// The dashboard state the tray process sent last.
    latest: Mutex<Value>,
    out: Mutex<std::io::Stdout>,
    next_id: AtomicU64,
    waiting: Mutex<HashMap<u64, oneshot::Sender<Reply>>>,
}

impl Role for WindowProcess {
    fn ask(self: Arc<Self>, request: Request) -> Pin<Box<dyn Future<Output = Reply> + Send>> {
        Box::pin(async move {
            if matches!(request, Request::Dashboard) {
                let latest = self.latest.lock().unwrap().clone();
                if !latest.is_null() {
                    return Ok(latest);
                }
            }
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            let (tx, rx) = oneshot::channel();
            self.waiting.lock().unwrap().insert(id, tx);
            let line = json!({"id": id, "request": request}).to_string();
            drop(request);
            let sent = {
                let mut out = self.out.lock().unwrap();
                writeln!(out, "{line}").and_then(|_| out.flush())
            };
            if sent.is_err() {
                self.waiting.lock().unwrap().remove(&id);
                return Err(CommandError::new(ErrorCode::TrayGone, TRAY_GONE));
            }
            match tokio::time::timeout(ANSWER_WITHIN, rx).await {
                Ok(Ok(reply)) => reply,
                Ok(Err(_)) => Err(CommandError::new(ErrorCode::TrayGone, TRAY_GONE)),
                Err(_) => {
                    self.waiting.lock().unwrap().remove(&id);
                    Err(CommandError::new(ErrorCode::NoAnswer, "The HeyGen Tray app did not answer in time; try again."))
                }
            }
        })
    }
}

impl WindowProcess {
    /// Reads the tray process's messages until it closes the pipe, then ends the process.
    fn listen(self: Arc<Self>, app: tauri::AppHandle, page: Page) {
        use tauri::{Emitter, Manager};
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                let Ok(mut msg) = serde_json::from_str::<Value>(&line) else { continue };
                if let Some(state) = msg.get_mut("state").map(Value::take) {
                    *self.latest.lock().unwrap() = state.clone();
                    let _ = app.emit("state", state);
                } else if let Some(id) = msg.get("reply").and_then(Value::as_u64) {
                    let reply = match msg.get_mut("err").map(Value::take) {
                        Some(e) => Err(serde_json::from_value(e).unwrap_or_else(|_| CommandError::from("failed"))),
                        None => Ok(msg.get_mut("ok").map(Value::take).unwrap_or_default()),
                    };
                    if let Some(tx) = self.waiting.lock().unwrap().remove(&id) {
                        let _ = tx.send(reply);
                    }
                } else if msg.get("focus").is_some() {
                    if let Some(w) = app.get_webview_window(page.label()) {
                        let _ = w.unminimize();
                        let _ = w.show();
                        let _ = w.set_focus();
                    }
                }
            }
            // The tray process is gone: pending requests fail, the window closes.
            self.waiting.lock().unwrap().clear();
            app.exit(0);
        });
    }
}

/// Runs one window for the tray process on the other end of stdin and stdout.
pub fn run(page: Page) -> i32 {
    // The steps to a window's first paint, for scripts/bench_window_start.sh.
    tracing::debug!("window process for the {} starting", page.label());
    crate::without_gl();
    let window = Arc::new(WindowProcess {
        latest: Mutex::new(Value::Null),
        out: Mutex::new(std::io::stdout()),
        next_id: AtomicU64::new(1),
        waiting: Mutex::new(HashMap::new()),
    });
    let role: Arc<dyn Role> = window.clone();
    let app = crate::without_panic(|| {
        crate::with_commands(tauri::Builder::default(), role)
            .setup(move |app| {
                window.listen(app.handle().clone(), page);
                // `taskkill` and the installer close the window process too. At the
                // session's end it has nothing to save: it ends at once (as the tray
                // process does, before the event loop's own answer, which can panic).
                #[cfg(windows)]
                {
                    use crate::windows_shell::Ending;
                    let closing = app.handle().clone();
                    crate::windows_shell::end_on_close_messages(move |ending| match ending {
                        Ending::Session => std::process::exit(0),
                        Ending::Close => closing.exit(0),
                    });
                }
                // Where the webview cannot be made (Windows without the WebView2 runtime)
                // this is the only place to say so: on Windows setup runs inside the event loop.
                if let Err(e) = webview::open(app.handle(), page) {
                    eprintln!("error: the window could not open: {e}{}", webview::MISSING_HINT);
                    std::process::exit(EXIT_FAILURE);
                }
                tracing::debug!("window made; its page loads");
                Ok(())
            })
            .build(crate::context())
    });
    match app {
        Ok(app) => {
            app.run(|_, _| {});
            0
        }
        Err(e) => {
            eprintln!("error: the window could not open: {e}");
            EXIT_FAILURE
        }
    }
}
