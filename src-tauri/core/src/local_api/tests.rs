use super::*;
use std::io::{Read, Write};

struct Fixed;

impl Answers for Fixed {
    fn status_json(&self) -> String {
        "{\"schema_version\":1}".into()
    }
    fn metrics(&self) -> String {
        "heygen_up{account=\"a\"} 1\n".into()
    }
}

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn start() -> SocketAddr {
    let listener = bind("127.0.0.1:0", false).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(serve(listener, Secret::new(TOKEN), Arc::new(Fixed))).unwrap();
    });
    addr
}

/// The status line and body of one request.
fn ask(addr: SocketAddr, request: &str) -> (String, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    (head.lines().next().unwrap_or("").to_string(), body.to_string())
}

fn get(addr: SocketAddr, path: &str, host: &str, auth: Option<&str>) -> (String, String) {
    let auth = auth.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    ask(addr, &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}\r\n"))
}

#[test]
fn every_request_needs_the_token_and_an_allowed_host() {
    let addr = start();
    let host = addr.to_string();
    assert_eq!(get(addr, "/metrics", &host, None).0, "HTTP/1.1 401 Unauthorized");
    assert_eq!(get(addr, "/metrics", &host, Some("wrong-token-wrong-token-wrong-tok")).0, "HTTP/1.1 401 Unauthorized");
    let (status, body) = get(addr, "/metrics", &host, Some(TOKEN));
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(body, "heygen_up{account=\"a\"} 1\n");
    assert_eq!(get(addr, "/v1/status", &format!("localhost:{}", addr.port()), Some(TOKEN)).1, "{\"schema_version\":1}");
    // DNS rebinding: a name that resolves here but is not ours.
    assert_eq!(get(addr, "/metrics", &format!("evil.example:{}", addr.port()), Some(TOKEN)).0, "HTTP/1.1 403 Forbidden");
    assert_eq!(get(addr, "/metrics", "localhost:1", Some(TOKEN)).0, "HTTP/1.1 403 Forbidden");
    let (status, body) = get(addr, "/nothing", &host, Some(TOKEN));
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert!(!body.contains(TOKEN));
    assert_eq!(
        ask(addr, &format!("POST /metrics HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n")).0,
        "HTTP/1.1 405 Method Not Allowed"
    );
}

#[test]
fn a_slow_or_oversized_request_does_not_hold_the_api() {
    let addr = start();
    // A client that connects and sends half a line, then nothing.
    let mut slow = std::net::TcpStream::connect(addr).unwrap();
    slow.write_all(b"GET /metrics HT").unwrap();
    let started = std::time::Instant::now();
    assert_eq!(get(addr, "/metrics", &addr.to_string(), Some(TOKEN)).0, "HTTP/1.1 200 OK");
    assert!(started.elapsed() < Duration::from_secs(2), "answered in {:?} beside a slow client", started.elapsed());
    let huge = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nX-Pad: {}\r\n\r\n", "a".repeat(MAX_HEAD * 2));
    assert_eq!(ask(addr, &huge).0, "HTTP/1.1 431 Request Header Fields Too Large");
    // The slow client is cut off after HEAD_TIME.
    slow.set_read_timeout(Some(HEAD_TIME + Duration::from_secs(5))).unwrap();
    let mut out = String::new();
    let _ = slow.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 408"), "{out:?}");
}

#[test]
fn a_remote_address_needs_allow_remote() {
    let e = bind("0.0.0.0:0", false).unwrap_err();
    assert!(e.contains("not a loopback address") && e.contains("--allow-remote"), "{e}");
    assert!(bind("0.0.0.0:0", true).is_ok());
    assert!(bind("nonsense", false).unwrap_err().contains("not an address and port"));
}

#[test]
fn hosts_are_localhost_or_the_connected_address() {
    let local: SocketAddr = "127.0.0.1:9877".parse().unwrap();
    assert!(host_allowed("localhost:9877", Some(local)));
    assert!(host_allowed("LOCALHOST", Some(local)));
    assert!(host_allowed("127.0.0.1:9877", Some(local)));
    assert!(!host_allowed("127.0.0.2:9877", Some(local)));
    assert!(!host_allowed("attacker.example", Some(local)));
    let v6: SocketAddr = "[::1]:9877".parse().unwrap();
    assert!(host_allowed("[::1]:9877", Some(v6)));
    assert!(!host_allowed("[::2]:9877", Some(v6)));
}
