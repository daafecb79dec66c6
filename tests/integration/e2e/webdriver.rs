//! A tiny W3C WebDriver client over plain HTTP/1.1 (std only), talking to a
//! `tauri-driver` of its own on free ports. tauri-driver starts WebKitWebDriver,
//! which starts the app with `tauri:options.args` and attaches to its webview.

use super::{app_env, end_tagged, wait_for, wait_up_to};
use crate::support::Home;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The key under which WebDriver returns an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One HTTP request; the reply's status and JSON body. Retried when tauri-driver
/// closes the connection without an answer: it does so when forwarding failed on a
/// pooled connection WebKitWebDriver had just closed (the request never got there).
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value), String> {
    let mut attempt = 0;
    loop {
        match http_once(port, method, path, body) {
            Err(e) if e == NO_ANSWER && attempt < 5 => attempt += 1,
            other => return other,
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

const NO_ANSWER: &str = "connection closed without an answer";

fn http_once(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value), String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).and_then(|_| s.write_all(body.as_bytes())).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    if raw.is_empty() {
        return Err(NO_ANSWER.into());
    }
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no HTTP header")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("no HTTP status")?;
    let mut body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    let value = if body.is_empty() { Value::Null } else { serde_json::from_slice(&body).map_err(|e| e.to_string())? };
    Ok((status, value))
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).split(';').next().unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 4 + size..];
    }
    out
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `tauri-driver` from PATH, or where `cargo install` puts it.
fn tauri_driver() -> std::path::PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cargo")));
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .chain(cargo_home.map(|c| c.join("bin")))
        .map(|dir| dir.join("tauri-driver"))
        .find(|p| p.is_file())
        .expect("tauri-driver is missing: ./scripts/test.sh installs it (cargo install tauri-driver --locked)")
}

/// A WebDriver session on the app started with `args`; dropping it ends the session,
/// the driver and the app.
pub struct Session {
    driver: Child,
    port: u16,
    id: Option<String>,
    pub tag: String,
    log: tempfile::NamedTempFile,
}

impl Session {
    pub fn start(home: &Home, args: &[&str]) -> Session {
        let (port, native_port) = (free_port(), free_port());
        let tag = crate::support::unique("webdriver");
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut cmd = Command::new(tauri_driver());
        app_env(&mut cmd, home, &tag);
        cmd.args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.reopen().unwrap())
            .stderr(log.reopen().unwrap());
        let mut session = Session { driver: cmd.spawn().unwrap(), port, id: None, tag, log };
        wait_for("tauri-driver to answer", || http(port, "GET", "/status", None).ok());
        let caps = json!({"capabilities": {"alwaysMatch": {"tauri:options": {
            "application": crate::support::cli_bin(), "args": args}}}});
        let (status, v) = http(port, "POST", "/session", Some(&caps)).unwrap();
        assert_eq!(status, 200, "new session: {v}");
        session.id = Some(v["value"]["sessionId"].as_str().expect("session id").to_string());
        session
    }

    /// A command in this session: its `value`, or the WebDriver error.
    fn command(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let path = format!("/session/{}{path}", self.id.as_deref().unwrap());
        let (status, v) = http(self.port, method, &path, body.as_ref())?;
        if status == 200 {
            Ok(v["value"].clone())
        } else {
            Err(format!("{method} {path}: {status} {}", v["value"]))
        }
    }

    /// Runs `script` (a function body) in the page and returns what it returns.
    pub fn execute(&self, script: &str) -> Value {
        self.command("POST", "/execute/sync", Some(json!({"script": script, "args": []}))).unwrap()
    }

    /// Waits until `script` returns something other than null, false or "".
    pub fn wait_script(&self, what: &str, script: &str) -> Value {
        wait_for(what, || self.try_script(script))
    }

    /// What `script` returns, unless null, false, "" or an error.
    pub fn try_script(&self, script: &str) -> Option<Value> {
        let v = self.command("POST", "/execute/sync", Some(json!({"script": script, "args": []}))).ok()?;
        (!matches!(&v, Value::Null | Value::Bool(false)) && v != "").then_some(v)
    }

    pub fn title(&self) -> String {
        self.command("GET", "/title", None).unwrap().as_str().unwrap_or_default().to_string()
    }

    fn element(&self, css: &str) -> String {
        let v = wait_up_to(super::TIMEOUT, &format!("element {css}"), || {
            self.command("POST", "/element", Some(json!({"using": "css selector", "value": css}))).ok()
        });
        v[ELEMENT].as_str().unwrap().to_string()
    }

    /// Types into the element as a user does (key events).
    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.element(css);
        self.command("POST", &format!("/element/{e}/value"), Some(json!({"text": text}))).unwrap();
    }

    /// Presses keys while the page's focused element has the focus (WebDriver's key
    /// codes: "\u{E007}" Enter, "\u{E00C}" Escape); `ctrl` holds Control meanwhile.
    pub fn press(&self, keys: &str, ctrl: bool) -> Result<Value, String> {
        let mut actions = Vec::new();
        if ctrl {
            actions.push(json!({"type": "keyDown", "value": "\u{E009}"}));
        }
        for k in keys.chars() {
            actions.push(json!({"type": "keyDown", "value": k.to_string()}));
            actions.push(json!({"type": "keyUp", "value": k.to_string()}));
        }
        if ctrl {
            actions.push(json!({"type": "keyUp", "value": "\u{E009}"}));
        }
        self.command("POST", "/actions", Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})))
    }

    pub fn click(&self, css: &str) {
        let e = self.element(css);
        self.command("POST", &format!("/element/{e}/click"), Some(json!({}))).unwrap();
    }

    /// The app's process (WebKitWebDriver's child).
    pub fn app_pid(&self) -> u32 {
        wait_for("the app's process", || {
            let family = super::descendants(self.driver.id());
            let drivers: Vec<u32> = family.iter().filter(|p| p.name == "WebKitWebDriver").map(|p| p.pid).collect();
            family.iter().find(|p| p.name == "heygen-tray-app" && drivers.contains(&p.ppid)).map(|p| p.pid)
        })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.id.is_some() {
            let _ = self.command("DELETE", "", None);
        }
        // On SIGTERM tauri-driver ends WebKitWebDriver too; anything left has the tag.
        super::signal(self.driver.id(), libc::SIGTERM);
        let _ = self.driver.wait();
        end_tagged(&self.tag);
        if std::thread::panicking() {
            eprintln!("--- tauri-driver and app log ---\n{}", std::fs::read_to_string(self.log.path()).unwrap_or_default());
        }
    }
}
