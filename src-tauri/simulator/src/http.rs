//! Just enough HTTP/1.1 for the simulator: request head and body, keep-alive, and
//! answers that can be deliberately cut short.

use std::collections::HashMap;
use std::future::Future;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MAX_HEAD: usize = 16 * 1024;
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Claim this Content-Length but send `body` only, then close.
    claimed_length: Option<usize>,
}

impl Response {
    pub fn raw(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Response { status, headers: vec![("Content-Type".into(), content_type.into())], body, claimed_length: None }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::raw(status, "application/json", serde_json::to_vec(value).expect("JSON values serialise"))
    }

    pub fn truncated(body: Vec<u8>, claimed_length: usize) -> Self {
        let mut r = Self::raw(200, "application/json", body);
        r.claimed_length = Some(claimed_length);
        r
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn head(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            _ => "Status",
        };
        let mut head = format!("HTTP/1.1 {} {reason}\r\n", self.status);
        for (k, v) in &self.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        let length = self.claimed_length.unwrap_or(self.body.len());
        head.push_str(&format!("Content-Length: {length}\r\n"));
        if self.claimed_length.is_some() {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        head.into_bytes()
    }
}

/// Serves requests on one connection until it closes.
pub async fn serve_connection<F, Fut>(mut stream: TcpStream, idle: std::time::Duration, handler: F)
where
    F: Fn(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::with_capacity(4096);
    loop {
        let request = match read_request(&mut stream, &mut buf, idle).await {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(status) => {
                let r = Response::raw(status, "text/plain", b"bad request".to_vec());
                let _ = stream.write_all(&r.head()).await;
                let _ = stream.write_all(&r.body).await;
                return;
            }
        };
        let close = request.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let response = handler(request).await;
        let mut bytes = response.head();
        bytes.extend_from_slice(&response.body);
        if stream.write_all(&bytes).await.is_err() {
            return;
        }
        if close || response.claimed_length.is_some() {
            let _ = stream.shutdown().await;
            return;
        }
    }
}

/// A connection that sends nothing for this long is closed (by default).
pub const IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// One read, ending the connection (`Ok(0)`) when the peer stays silent too long.
async fn read_some(stream: &mut TcpStream, chunk: &mut [u8], idle: std::time::Duration) -> std::io::Result<usize> {
    tokio::time::timeout(idle, stream.read(chunk)).await.unwrap_or(Ok(0))
}

/// Reads one request; `Ok(None)` when the peer closed (or went quiet) between requests.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>, idle: std::time::Duration) -> Result<Option<Request>, u16> {
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > MAX_HEAD {
            return Err(431);
        }
        let mut chunk = [0u8; 4096];
        match read_some(stream, &mut chunk, idle).await {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    buf.drain(..head_end + 4);
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split_whitespace();
    let (Some(method), Some(target)) = (first.next(), first.next()) else {
        return Err(400);
    };
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let length =
        headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.parse::<usize>().ok()).unwrap_or(0);
    if length > MAX_BODY {
        return Err(413);
    }
    while buf.len() < length {
        let mut chunk = [0u8; 4096];
        match read_some(stream, &mut chunk, idle).await {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body: Vec<u8> = buf.drain(..length).collect();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Ok(Some(Request { method: method.to_string(), path: path.to_string(), query, headers, body }))
}
