//! The local HTTP API, off by default (`heygen-tray watch --listen ADDR:PORT`):
//! `GET /v1/status` (the `status --json` document) and `GET /metrics` (Prometheus).
//!
//! Guarded as a careful peer guards it: a bearer token on every request ([`token`]);
//! loopback only unless the caller allows remote clients; a `Host` that is neither
//! `localhost` nor the address the client connected to is refused (DNS rebinding);
//! no CORS headers; one request per connection, its head at most [`MAX_HEAD`] bytes
//! and read within [`HEAD_TIME`]; at most [`MAX_CLIENTS`] connections at once. No
//! key or token is ever in an answer or a log line.

pub mod metrics;
mod monitor_answers;
pub mod token;

pub use monitor_answers::MonitorAnswers;

use crate::secret::Secret;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Where the API listens when it is switched on in Settings.
pub const DEFAULT_ADDR: &str = "127.0.0.1:9877";
/// Longest request head read.
pub const MAX_HEAD: usize = 8 * 1024;
/// How long a client has to send its request head.
pub const HEAD_TIME: Duration = Duration::from_secs(5);
/// Connections served at once; more wait to be accepted.
pub const MAX_CLIENTS: usize = 32;
/// How long an answer may take to be written.
const WRITE_TIME: Duration = Duration::from_secs(10);
/// How long the rest of a request is read and dropped after the answer.
const LINGER: Duration = Duration::from_secs(1);

/// What the API answers with, made when asked.
pub trait Answers: Send + Sync + 'static {
    /// The `status --json` document.
    fn status_json(&self) -> String;
    /// The Prometheus text.
    fn metrics(&self) -> String;
}

/// Binds `addr` (`127.0.0.1:9877`, `[::1]:9877`, `localhost:9877`); an address that
/// is not loopback is refused unless `allow_remote`.
pub fn bind(addr: &str, allow_remote: bool) -> Result<std::net::TcpListener, String> {
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| format!("--listen {addr}: not an address and port ({e}); for example 127.0.0.1:9877"))?
        .collect();
    let Some(first) = addrs.iter().find(|a| a.ip().is_loopback()).or(addrs.first()).copied() else {
        return Err(format!("--listen {addr}: no address"));
    };
    if !first.ip().is_loopback() && !allow_remote {
        return Err(format!(
            "--listen {addr}: {} is not a loopback address, so other machines could connect; add --allow-remote to serve them (every request still needs the token)",
            first.ip()
        ));
    }
    let listener = std::net::TcpListener::bind(first).map_err(|e| format!("--listen {addr}: {e}"))?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    Ok(listener)
}

/// Serves until the runtime ends.
pub async fn serve(listener: std::net::TcpListener, token: Secret, answers: Arc<dyn Answers>) -> std::io::Result<()> {
    let listener = TcpListener::from_std(listener)?;
    let token = Arc::new(token);
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_CLIENTS));
    let mut pause = Duration::from_millis(50);
    loop {
        let permit = permits.clone().acquire_owned().await.expect("never closed");
        match listener.accept().await {
            Ok((stream, _)) => {
                pause = Duration::from_millis(50);
                let (token, answers) = (token.clone(), answers.clone());
                tokio::spawn(async move {
                    let _permit = permit;
                    serve_one(stream, &token, answers.as_ref()).await;
                });
            }
            Err(e) => {
                tracing::warn!("local API: {e}");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
    }
}

async fn serve_one(mut stream: TcpStream, token: &Secret, answers: &dyn Answers) {
    let local = stream.local_addr().ok();
    let answer = match tokio::time::timeout(HEAD_TIME, read_head(&mut stream)).await {
        Err(_) => Answer::plain(408, "Request Timeout", "the request head did not arrive in time\n"),
        Ok(Err(a)) => a,
        Ok(Ok(head)) => answer(&head, local, token, answers),
    };
    let _ = tokio::time::timeout(WRITE_TIME, async {
        stream.write_all(&answer.bytes()).await?;
        stream.shutdown().await
    })
    .await;
    // A lingering close: what the client still sends (the rest of a refused head) is read
    // and dropped for a moment, so closing with it unread does not reset the connection
    // before the client has read the answer.
    let _ = tokio::time::timeout(LINGER, async {
        let mut sink = [0u8; 4096];
        let mut left = 64 * 1024;
        while left > 0 {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left -= n.min(left),
            }
        }
    })
    .await;
}

/// The request head up to its blank line, or the answer that refuses it.
async fn read_head(stream: &mut TcpStream) -> Result<String, Answer> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).await.map_err(|_| Answer::plain(400, "Bad Request", "unreadable request\n"))?;
        if n == 0 {
            return Err(Answer::plain(400, "Bad Request", "incomplete request\n"));
        }
        head.extend_from_slice(&chunk[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            head.truncate(end);
            return String::from_utf8(head).map_err(|_| Answer::plain(400, "Bad Request", "the request head is not text\n"));
        }
        if head.len() > MAX_HEAD {
            return Err(Answer::plain(431, "Request Header Fields Too Large", "the request head is too large\n"));
        }
    }
}

/// What a request gets.
fn answer(head: &str, local: Option<SocketAddr>, token: &Secret, answers: &dyn Answers) -> Answer {
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    let header = |name: &str| {
        head.split("\r\n")
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    };
    if !header("host").is_some_and(|h| host_allowed(h, local)) {
        return Answer::plain(403, "Forbidden", "Host not allowed: use localhost or the address this API listens on\n");
    }
    let offered = header("authorization").and_then(|a| a.strip_prefix("Bearer ")).map(str::trim);
    if !offered.is_some_and(|o| same(o.as_bytes(), token.expose().as_bytes())) {
        return Answer::plain(401, "Unauthorized", "a bearer token is required: see `heygen-tray token`\n")
            .with("WWW-Authenticate", "Bearer realm=\"heygen-tray\"");
    }
    if method != "GET" && method != "HEAD" {
        return Answer::plain(405, "Method Not Allowed", "only GET\n").with("Allow", "GET, HEAD");
    }
    let path = target.split('?').next().unwrap_or("");
    let mut a = match path {
        "/v1/status" => Answer::new(200, "OK", "application/json", answers.status_json().into_bytes()),
        "/metrics" => Answer::new(200, "OK", metrics::CONTENT_TYPE, answers.metrics().into_bytes()),
        _ => Answer::plain(404, "Not Found", "not found: GET /v1/status or /metrics\n"),
    };
    if method == "HEAD" {
        a.head_only = true;
    }
    a
}

/// `localhost` or the address the client connected to, with or without the port.
fn host_allowed(host: &str, local: Option<SocketAddr>) -> bool {
    let host = host.to_ascii_lowercase();
    let (name, port) = match host.rsplit_once(':').filter(|(n, p)| !n.ends_with(':') && p.chars().all(|c| c.is_ascii_digit())) {
        Some((n, p)) if !n.is_empty() => (n.to_string(), p.parse::<u16>().ok()),
        _ => (host.clone(), None),
    };
    let Some(local) = local else { return false };
    if port.is_some_and(|p| p != local.port()) {
        return false;
    }
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip == local.ip())
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

struct Answer {
    status: u16,
    reason: &'static str,
    content_type: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: Vec<u8>,
    head_only: bool,
}

impl Answer {
    fn new(status: u16, reason: &'static str, content_type: &'static str, body: Vec<u8>) -> Answer {
        Answer { status, reason, content_type, headers: Vec::new(), body, head_only: false }
    }

    fn plain(status: u16, reason: &'static str, body: &str) -> Answer {
        Answer::new(status, reason, "text/plain; charset=utf-8", body.as_bytes().to_vec())
    }

    fn with(mut self, name: &'static str, value: &'static str) -> Answer {
        self.headers.push((name, value));
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
            self.status,
            self.reason,
            self.content_type,
            self.body.len()
        );
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        if !self.head_only {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

#[cfg(test)]
mod tests;
