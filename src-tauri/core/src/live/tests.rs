use super::*;
#[cfg(unix)]
use crate::api::{ApiError, ErrorKind};
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;

fn snap(name: &str, balance: f64, at: DateTime<Utc>) -> AccountSnapshot {
    crate::snapshot::wallet_seen(name, "u", balance, at)
}

#[cfg(unix)]
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
#[cfg(unix)]
fn the_socket_is_named_per_settings_folder_inside_the_runtime_dir() {
    let a = socket_path(Path::new("/home/u/.config/heygen-tray"));
    let b = socket_path(Path::new("/tmp/demo"));
    if std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| !d.is_empty()) {
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_ne!(a, b);
        assert_eq!(a, socket_path(Path::new("/home/u/.config/heygen-tray")).unwrap(), "stable");
        assert!(a.starts_with(std::env::var_os("XDG_RUNTIME_DIR").unwrap()));
    }
}

#[test]
#[cfg(unix)]
fn a_served_answer_round_trips_and_the_socket_is_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sock");
    let now = Utc::now();
    let mut failed = snap("b", 3.0, now - chrono::Duration::minutes(20));
    failed.record(Err(ApiError::new(ErrorKind::Network, "offline")), now);
    let sent = LiveStatus::new(vec![snap("a", 42.5, now), failed], Duration::from_secs(660), now);
    let (listener, bound) = bind(&path).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let rt = runtime();
    let answer = sent.clone();
    rt.spawn(serve(listener, move || answer.clone()));
    let got = rt.block_on(async { tokio::task::spawn_blocking(move || ask(&path, DEADLINE)).await.unwrap() }).unwrap();
    assert_eq!(got, sent);
    assert!(!got.is_stale(&got.accounts[0], now));
    assert!(got.is_stale(&got.accounts[1], now), "the latest attempt failed");
    let old = snap("c", 1.0, now - chrono::Duration::minutes(12));
    assert!(got.is_stale(&old, now), "older than the app's polling explains");
    drop(rt);
    drop(bound);
    assert!(!dir.path().join("s.sock").exists(), "removed when the app ends");
}

#[test]
#[cfg(unix)]
fn an_app_that_does_not_answer_is_given_up_on_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sock");
    let (_listener, _bound) = bind(&path).unwrap(); // accepts (backlog), never writes
    let start = std::time::Instant::now();
    assert!(matches!(ask(&path, DEADLINE), Err(NotLive::Timeout)));
    let took = start.elapsed();
    assert!(took >= DEADLINE && took < DEADLINE * 5, "{took:?}");
}

#[test]
#[cfg(unix)]
fn leftovers_are_replaced_and_strangers_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sock");
    // A socket left by an app that ended: nobody answers, so it is replaced.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(matches!(ask(&path, DEADLINE), Err(NotLive::Absent(_))));
    let (live, _bound) = bind(&path).unwrap();
    // One that answers belongs to another app.
    assert_eq!(bind(&path).unwrap_err().kind(), std::io::ErrorKind::AddrInUse);
    drop(live);
    // A plain file is neither read nor removed.
    let file = dir.path().join("f.sock");
    std::fs::write(&file, "x").unwrap();
    assert!(matches!(ask(&file, DEADLINE), Err(NotLive::Foreign(_))));
    assert!(bind(&file).is_err());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    assert!(matches!(ask(&dir.path().join("none.sock"), DEADLINE), Err(NotLive::Absent(_))));
}

#[test]
#[cfg(unix)]
fn an_answer_of_another_version_or_shape_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sock");
    let (listener, _bound) = bind(&path).unwrap();
    let rt = runtime();
    rt.spawn(serve(listener, || LiveStatus { version: 99, ..LiveStatus::new(Vec::new(), Duration::ZERO, Utc::now()) }));
    let got = rt.block_on(async { tokio::task::spawn_blocking(move || ask(&path, DEADLINE)).await.unwrap() });
    assert!(matches!(got, Err(NotLive::Unreadable(ref m)) if m.contains("version 99")), "{got:?}");
}

#[test]
fn any_max_age_from_the_socket_is_clamped_never_a_panic() {
    let now = Utc::now();
    let old = snap("a", 1.0, now - chrono::Duration::days(400));
    for secs in [9_300_000_000_000_000u64, i64::MAX as u64, u64::MAX] {
        let mut live = LiveStatus::new(Vec::new(), Duration::from_secs(60), now);
        live.max_age_secs = secs;
        let answer: LiveStatus = serde_json::from_str(&serde_json::to_string(&live).unwrap()).unwrap();
        assert!(!answer.is_stale(&old, now), "{secs} s: as good as never stale");
    }
    let mut live = LiveStatus::new(Vec::new(), Duration::from_secs(60), now);
    live.max_age_secs = 0;
    assert!(live.is_stale(&old, now));
}

#[test]
#[cfg(windows)]
fn the_pipe_is_named_per_settings_folder() {
    let a = socket_path(Path::new(r"C:\Users\u\AppData\Roaming\heygen-tray")).unwrap();
    let b = socket_path(Path::new(r"C:\Users\u\AppData\Local\Temp\demo")).unwrap();
    assert_ne!(a, b);
    assert!(a.to_string_lossy().starts_with(r"\\.\pipe\heygen-tray-"), "{}", a.display());
}

#[cfg(windows)]
fn pipe_name(test: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!(r"\\.\pipe\heygen-tray-test-{test}-{}", std::process::id()))
}

#[test]
#[cfg(windows)]
fn a_served_answer_round_trips_over_the_pipe_again_and_again() {
    let path = pipe_name("round-trip");
    let now = Utc::now();
    let sent = LiveStatus::new(vec![snap("a", 42.5, now), snap("b", 3.0, now)], Duration::from_secs(660), now);
    let (listener, _bound) = bind(&path).unwrap();
    let rt = runtime_any();
    let answer = sent.clone();
    rt.spawn(serve(listener, move || answer.clone()));
    for _ in 0..3 {
        let p = path.clone();
        let got = rt.block_on(async { tokio::task::spawn_blocking(move || ask(&p, Duration::from_secs(5))).await.unwrap() }).unwrap();
        assert_eq!(got, sent);
    }
}

#[test]
#[cfg(windows)]
fn a_pipe_name_in_use_is_not_taken_over_and_a_missing_one_is_absent() {
    let path = pipe_name("in-use");
    let (_listener, _bound) = bind(&path).unwrap();
    assert_eq!(bind(&path).unwrap_err().kind(), std::io::ErrorKind::AddrInUse);
    assert!(matches!(ask(&pipe_name("nobody"), DEADLINE), Err(NotLive::Absent(_))));
}

#[test]
#[cfg(windows)]
fn an_app_that_does_not_answer_on_its_pipe_is_given_up_on_time() {
    let path = pipe_name("silent");
    let (_listener, _bound) = bind(&path).unwrap(); // an instance no one serves
    let start = std::time::Instant::now();
    assert!(matches!(ask(&path, DEADLINE), Err(NotLive::Timeout)));
    assert!(start.elapsed() < DEADLINE * 5, "{:?}", start.elapsed());
}

#[cfg(windows)]
fn runtime_any() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
}

#[test]
fn the_hash_is_the_same_in_every_build() {
    assert_eq!(fnv1a(b"a"), 0xaf63dc4c8601ec8c, "FNV-1a");
}
