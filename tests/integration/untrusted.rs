//! What must not get through: a key sent in clear text to a proxy, escape sequences
//! and markup from the server reaching a terminal or Waybar, the app crashing
//! without a display, and a simulator (it runs inside `--demo`) that can be made to
//! abort or spin.

use crate::support::{cli_bin, heygen_tray, sim, stderr, stdout, unique};
use heygen_tray_sim::accounts::Auth;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn a_plain_http_base_never_goes_through_a_proxy() {
    let sim = sim();
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    proxy.set_nonblocking(true).unwrap();
    let url = format!("http://{}", proxy.local_addr().unwrap());
    let env = [
        ("HEYGEN_API_KEY", "sim-wallet-key"),
        ("HTTP_PROXY", url.as_str()),
        ("http_proxy", url.as_str()),
        ("ALL_PROXY", url.as_str()),
        ("HTTPS_PROXY", url.as_str()),
    ];
    let out = heygen_tray(&sim.base_url(), &env, &["status", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("$42.50"));
    assert!(proxy.accept().is_err(), "the proxy received a connection: the key would have travelled in clear text");
}

/// A simulated account whose username and plan name carry terminal escapes and markup.
fn hostile(sim: &crate::support::Sim) -> String {
    let key = format!("hg_hostile_{}", unique("k").replace('-', "_"));
    sim.add_account(
        &unique("hostile"),
        &key,
        Auth::ApiKey,
        json!({
            "username": "jane\u{1b}]0;pwned\u{7}\u{1b}[31m<b>red</b>\u{202e}",
            "billing_type": "wallet",
            "wallet": {"currency": "<i>eur</i>\u{1b}[5m", "remaining_balance": 42.5}
        }),
    );
    key
}

#[test]
fn server_text_reaches_the_terminal_without_control_characters() {
    let sim = sim();
    let key = hostile(&sim);
    for args in [&["status"][..], &["status", "--json"], &["status", "--format", "waybar"]] {
        let out = heygen_tray(&sim.base_url(), &[("HEYGEN_API_KEY", &key)], args);
        let text = stdout(&out);
        assert!(!text.chars().any(|c| c.is_control() && c != '\n') && !text.contains('\u{202e}'), "{args:?}: {text:?}");
        assert!(!text.contains("\\u001b") && !text.contains("\\u0007"), "{args:?}: escaped controls still there: {text}");
    }
    let out = heygen_tray(&sim.base_url(), &[("HEYGEN_API_KEY", &key)], &["status", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["accounts"][0]["username"], "jane]0;pwned[31m<b>red</b>");
}

#[test]
fn waybar_gets_markup_escaped() {
    let sim = sim();
    let key = hostile(&sim);
    let out = heygen_tray(&sim.base_url(), &[("HEYGEN_API_KEY", &key)], &["status", "--format", "waybar"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let tooltip = v["tooltip"].as_str().unwrap();
    assert!(tooltip.contains("Currency: &lt;i&gt;eur&lt;/i&gt;[5m") && !tooltip.contains("<i>"), "{tooltip}");
    assert_eq!(v["text"], "$42.50");
}

#[test]
fn without_a_display_the_app_says_so_instead_of_crashing() {
    for display in [None, Some(":987")] {
        let config = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(cli_bin());
        cmd.env_remove("WAYLAND_DISPLAY").env("XDG_CONFIG_HOME", config.path());
        match display {
            Some(d) => cmd.env("DISPLAY", d),
            None => cmd.env_remove("DISPLAY"),
        };
        let out = cmd.stdin(Stdio::null()).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{display:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(!err.contains("panicked") && err.contains("error:"), "{display:?}: {err}");
        assert!(err.contains("display") || err.contains("DISPLAY"), "{display:?}: {err}");
    }
}

/// `heygen-tray simulator` on a free port with at most `files` open files; its base URL.
fn limited_simulator(files: u32) -> (std::process::Child, String) {
    let script = format!("ulimit -n {files} && exec '{}' simulator --port 0", cli_bin());
    let mut child = Command::new("bash").args(["-c", &script]).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    std::mem::forget(out);
    (child, line.trim().rsplit(' ').next().unwrap().to_string())
}

fn cpu_ms(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let f: Vec<&str> = stat.rsplit(')').next().unwrap().split_whitespace().collect();
    (f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()) * 10
}

fn post(base: &str, path: &str) -> String {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer
}

#[test]
fn the_simulator_refuses_huge_counts_and_does_not_spin_without_file_descriptors() {
    let (mut sim, base) = limited_simulator(24);
    let pid = sim.id();
    let answer = post(&base, "/_sim/wallet/fail?count=1e12");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(post(&base, "/_sim/wallet/fail?count=2&status=500").starts_with("HTTP/1.1 200"));

    // Use up its file descriptors with idle connections, then measure its CPU.
    let addr = base.trim_start_matches("http://").to_string();
    let held: Vec<TcpStream> = (0..40).filter_map(|_| TcpStream::connect(&addr).ok()).collect();
    assert!(held.len() >= 20, "connections: {}", held.len());
    std::thread::sleep(Duration::from_millis(300));
    let before = cpu_ms(pid);
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_ms(pid) - before;
    assert!(used < 500, "the accept loop spun: {used} ms of CPU in 2 s");
    drop(held);
    // It serves again once descriptors are free.
    let start = Instant::now();
    let mut ok = false;
    while start.elapsed() < Duration::from_secs(10) && !ok {
        ok = std::panic::catch_unwind(|| post(&base, "/_sim/wallet/topup?amount=1")).is_ok_and(|a| a.starts_with("HTTP/1.1 200"));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(ok, "the simulator serves again");
    sim.kill().unwrap();
    sim.wait().unwrap();
}

#[tokio::test]
async fn the_simulator_closes_idle_connections() {
    let sim =
        heygen_tray_sim::Simulator::start(heygen_tray_sim::SimOptions { idle_timeout: Duration::from_millis(300), ..Default::default() })
            .await
            .unwrap();
    let mut s = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(5), tokio::io::AsyncReadExt::read(&mut s, &mut buf))
        .await
        .expect("closed within 5 s")
        .unwrap();
    assert_eq!(n, 0, "the server closed the silent connection");
}
