//! `heygen-tray status` while the tray app runs: the app's figures over its socket,
//! no request to HeyGen; `--fresh` asks HeyGen; a socket that is not the user's, or
//! that does not answer, is passed over for HeyGen within the deadline.

use super::{exclusive, stored_wallet, wait_for, App};
use crate::support::{require_session, sim, stdout, Home};
use heygen_tray_core::live::{socket_path, LiveStatus};
use serde_json::Value;
use std::io::Write;
use std::time::{Duration, Instant};

fn status_json(home: &Home, args: &[&str]) -> (Value, Option<i32>) {
    let mut all = vec!["status", "--json"];
    all.extend_from_slice(args);
    let out = home.run(&[], &all, None);
    (serde_json::from_str(&stdout(&out)).unwrap_or(Value::Null), out.status.code())
}

fn socket_of(home: &Home) -> std::path::PathBuf {
    socket_path(&home.config_dir().join("heygen-tray")).expect("the test session sets XDG_RUNTIME_DIR")
}

#[test]
fn status_reads_the_running_app_and_asks_heygen_only_when_told() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "live", "jane_doe", 42.5);
    let app = App::start(&home, &[]);
    let (first, _) = wait_for("status to read the app's figures", || {
        let (j, code) = status_json(&home, &[]);
        (j["accounts"][0]["source"] == "app" && j["accounts"][0]["remaining"] == 42.5).then_some((j, code))
    });
    assert_eq!(first["accounts"][0]["name"], name.as_str());
    assert_eq!(first["accounts"][0]["stale"], false);
    assert_eq!(first["level"], "ok");

    // Status bars polling every few seconds add no request.
    let hits = sim.hits(&name);
    for _ in 0..3 {
        assert_eq!(status_json(&home, &[]).0["accounts"][0]["source"], "app");
    }
    let text = stdout(&home.run(&[], &["status"], None));
    assert!(text.contains("$42.50") && text.contains(&name), "{text}");
    assert_eq!(sim.hits(&name), hits, "no request to HeyGen while the app answers");

    // It agrees with the tray, not with HeyGen's newer figure, until the app polls.
    sim.set_profile(&name, super::wallet("jane_doe", 8.0));
    assert_eq!(status_json(&home, &[]).0["accounts"][0]["remaining"], 42.5);
    // --low applies to the app's figures too.
    let (low, code) = status_json(&home, &["--low", "50"]);
    assert_eq!((low["accounts"][0]["level"].as_str(), code), (Some("low"), Some(1)));

    let (fresh, code) = status_json(&home, &["--fresh"]);
    assert_eq!(fresh["accounts"][0]["source"], "api");
    assert_eq!(fresh["accounts"][0]["remaining"], 8.0);
    assert_eq!(code, Some(1), "low");
    assert_eq!(sim.hits(&name), hits + 1, "--fresh asked HeyGen once");

    let socket = socket_of(&home);
    assert!(socket.exists());
    drop(app);
    assert!(!socket.exists(), "the socket goes with the app");
    assert_eq!(status_json(&home, &[]).0["accounts"][0]["source"], "api");
    home.run(&[], &["accounts", "remove", &name], None);
}

/// Serves `answer` on `path` from a thread, for one connection at a time.
fn fake_app(path: &std::path::Path, answer: LiveStatus) -> std::os::unix::net::UnixListener {
    let listener = std::os::unix::net::UnixListener::bind(path).unwrap();
    let serving = listener.try_clone().unwrap();
    std::thread::spawn(move || {
        for mut stream in serving.incoming().flatten() {
            let _ = stream.write_all(&serde_json::to_vec(&answer).unwrap());
        }
    });
    listener
}

#[test]
fn a_socket_of_another_user_or_one_that_hangs_is_passed_over() {
    require_session();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "nolive", "jane_doe", 42.5);
    let socket = socket_of(&home);

    // A planted answer: taken when the socket is this user's (so the checks below can fail)...
    let mut planted = heygen_tray_core::snapshot::AccountSnapshot::new(name.clone(), Default::default());
    planted.record(Ok(serde_json::from_value(super::wallet("mallory", 999.0)).unwrap()), chrono::Utc::now());
    let listener = fake_app(&socket, LiveStatus::new(vec![planted], Duration::from_secs(660), chrono::Utc::now()));
    let (j, _) = status_json(&home, &[]);
    assert_eq!((j["accounts"][0]["source"].as_str(), j["accounts"][0]["remaining"].as_f64()), (Some("app"), Some(999.0)));

    // ...and refused when the socket belongs to someone else.
    if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(&socket, Some(65534), Some(65534)).unwrap();
        let (j, _) = status_json(&home, &[]);
        assert_eq!((j["accounts"][0]["source"].as_str(), j["accounts"][0]["remaining"].as_f64()), (Some("api"), Some(42.5)));
    }
    drop(listener);
    std::fs::remove_file(&socket).unwrap();

    // An app that accepts and never answers costs at most the 200 ms deadline.
    let _hung = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let hits = sim.hits(&name);
    let start = Instant::now();
    let (j, code) = status_json(&home, &[]);
    let took = start.elapsed();
    assert_eq!((j["accounts"][0]["source"].as_str(), code), (Some("api"), Some(0)));
    assert_eq!(sim.hits(&name), hits + 1);
    assert!(took < Duration::from_secs(3), "{took:?}");
    std::fs::remove_file(&socket).unwrap();
    home.run(&[], &["accounts", "remove", &name], None);
}
