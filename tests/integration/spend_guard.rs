//! `heygen-tray spend` against a known history, and `heygen-tray guard` around real
//! child processes with the simulator's balance moving under them.

use crate::support::{sim, stderr, stdout, unique, Home};
use heygen_tray_core::history::{History, Sample};
use heygen_tray_sim::accounts::Auth;
use serde_json::Value;
use std::time::{Duration, Instant};

fn wallet(balance: f64) -> Value {
    serde_json::json!({"username": "u", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": balance}})
}

/// An account in the simulator and, through the CLI, in the home's settings.
fn account(sim: &crate::support::Sim, home: &Home, prefix: &str, balance: f64) -> String {
    let name = unique(prefix);
    let key = format!("hg_guard_{}", name.replace('-', "_"));
    sim.add_account(&name, &key, Auth::ApiKey, wallet(balance));
    let out = home.run(&[], &["accounts", "add", &name], Some(&key));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    name
}

#[test]
fn spend_json_adds_up_a_known_history_with_top_ups_apart() {
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let name = account(&sim, &home, "spend", 100.0);
    let other = account(&sim, &home, "spend-b", 100.0);
    // Two hours ago $100, an hour ago $90 (spent 10), now $140 (topped up 50).
    let now = chrono::Utc::now();
    let (h, _) = History::open(&home.history_path()).unwrap();
    let row = |account: &str, hours: i64, remaining: f64, spent: f64, added: f64| Sample {
        account: account.into(),
        at: now - chrono::Duration::hours(hours),
        remaining,
        unit: "usd".into(),
        spent,
        added,
    };
    h.append(&[
        row(&name, 2, 100.0, 0.0, 0.0),
        row(&name, 1, 90.0, 10.0, 0.0),
        row(&name, 0, 140.0, 0.0, 50.0),
        row(&other, 1, 20.0, 0.0, 0.0),
        row(&other, 0, 17.5, 2.5, 0.0),
    ])
    .unwrap();
    drop(h);
    let out = home.run(&[], &["spend", "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let a = &v["accounts"][0];
    assert_eq!((a["name"].as_str(), a["unit"].as_str()), (Some(name.as_str()), Some("usd")));
    assert_eq!((a["last_7_days"]["spent"].as_f64(), a["last_7_days"]["topped_up"].as_f64()), (Some(10.0), Some(50.0)));
    // The history began two hours ago: the rest of the week was not watched, and it says so.
    let unwatched = a["last_7_days"]["unwatched_secs"].as_i64().unwrap();
    assert!((7 * 86_400 - 2 * 3600 - 60..=7 * 86_400 - 2 * 3600 + 60).contains(&unwatched), "{unwatched}");
    let all = &v["all"][0];
    assert_eq!((all["unit"].as_str(), all["last_7_days"]["spent"].as_f64()), (Some("usd"), Some(12.5)));
    // One account by name; text for people.
    let one = home.run(&[], &["spend", &other, "--json"], None);
    let v: Value = serde_json::from_str(&stdout(&one)).unwrap();
    assert_eq!(v["accounts"].as_array().unwrap().len(), 1);
    let text = stdout(&home.run(&[], &["spend"], None));
    assert!(
        text.contains(&name) && text.contains("spent $10.00 · topped up $50.00") && text.lines().any(|l| l.starts_with("all ")),
        "{text}"
    );
    assert_eq!(home.run(&[], &["spend", "nobody"], None).status.code(), Some(64));
}

#[test]
fn guard_refuses_to_start_at_or_below_the_line_and_passes_the_status_on_otherwise() {
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let name = account(&sim, &home, "guard-low", 4.0);
    let marker = home.dir.path().join("started");
    let m = marker.to_string_lossy().to_string();
    let out = home.run(&[], &["guard", "--below", "5", "--", "touch", &m], None);
    assert_eq!(out.status.code(), Some(73), "{}", stderr(&out));
    assert!(stderr(&out).contains("at or below $5.00: not starting touch"), "{}", stderr(&out));
    assert!(!marker.exists(), "the command did not run");
    sim.set_profile(&name, wallet(40.0));
    let out = home.run(&[], &["guard", "--account", &name, "--below", "5", "--", "sh", "-c", "touch \"$0\"; exit 7", &m], None);
    assert_eq!(out.status.code(), Some(7), "COMMAND's own status: {}", stderr(&out));
    assert!(marker.exists());
    // No account configured: HEYGEN_API_KEY serves.
    let bare = Home::new(&sim.base_url());
    let out = bare.run(&[("HEYGEN_API_KEY", "sim-wallet-key")], &["guard", "--below", "5", "--", "true"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Usage: no COMMAND.
    assert_eq!(home.run(&[], &["guard", "--below", "5"], None).status.code(), Some(64));
}

#[test]
fn guard_interrupts_a_running_job_when_the_balance_reaches_the_line() {
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let name = account(&sim, &home, "guard-stop", 40.0);
    let marker = home.dir.path().join("interrupted");
    let worker = home.dir.path().join("worker");
    // A job that starts a worker in the background (which, started by a script, ignores
    // SIGINT), notes the SIGINT it gets itself, then ends as a job does.
    let script = format!(
        "sleep 300 & echo $! > \"{}\"; trap 'echo int > \"{}\"; exit 130' INT; while :; do sleep 0.2; done",
        worker.display(),
        marker.display()
    );
    let hits_before = sim.hits(&name);
    let start = Instant::now();
    let mut guard = home.command(&[], &["guard", "--below", "10", "--", "sh", "-c", &script]);
    // Run as from a terminal: a shell's background job (as this test may be) starts with
    // SIGINT ignored, and a job that inherits that cannot trap it.
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut guard, || {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        })
    };
    let child = guard.stderr(std::process::Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_secs(3));
    sim.set_profile(&name, wallet(8.0));
    let out = child.wait_with_output().unwrap();
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(74), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is down to $8.00, at or below $10.00: stopping sh"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&marker).unwrap().trim(), "int", "the job got SIGINT first");
    let worker: i32 = std::fs::read_to_string(&worker).unwrap().trim().parse().unwrap();
    assert!(gone(worker), "the job's background worker {worker} was left running");
    // One request to HeyGen a minute: the check that saw the drop came a minute after the
    // first one, none in between; the worker ignored SIGINT and ended at SIGTERM, 10 s on.
    assert!(took >= Duration::from_secs(59) && took < Duration::from_secs(100), "{took:?}");
    assert_eq!(sim.hits(&name) - hits_before, 2, "the check at the start and one a minute later");
}

/// The process is no more, or only a zombie its new parent has not reaped.
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => true,
    }
}

/// SIGTERM sent to guard (a `kill`, a job scheduler stopping it) reaches the whole job,
/// workers started in the background included, and guard ends with the job.
#[test]
fn a_signal_to_guard_reaches_the_jobs_whole_process_tree() {
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let name = account(&sim, &home, "guard-tree", 40.0);
    let pids = home.dir.path().join("pids");
    // The script and two workers of its own (one a script that starts another).
    let script = format!("sleep 300 & echo $! >> \"{0}\"; sh -c 'sleep 300 & echo $! >> \"{0}\"; wait' & wait", pids.display());
    let mut child = home
        .command(&[], &["guard", "--account", &name, "--below", "10", "--", "sh", "-c", &script])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&pids).map_or(0, |p| p.lines().count()) < 2 {
        assert!(Instant::now() < until, "timed out after 20 s waiting for the job to start its two workers");
        std::thread::sleep(Duration::from_millis(50));
    }
    let workers: Vec<i32> = std::fs::read_to_string(&pids).unwrap().lines().map(|l| l.trim().parse().unwrap()).collect();
    // SAFETY: signalling the guard process this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let until = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < until, "timed out after 10 s waiting for guard to end with its job");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(128 + libc::SIGTERM), "guard ends as its job did");
    let until = Instant::now() + Duration::from_secs(5);
    while !workers.iter().all(|w| gone(*w)) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    for w in workers {
        assert!(gone(w), "worker {w} outlived the SIGTERM sent to guard");
    }
}

#[test]
fn guard_knows_the_jobs_cost_in_money_or_seconds_of_video() {
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let name = account(&sim, &home, "guard-cost", 20.0);
    let marker = home.dir.path().join("started");
    let m = marker.to_string_lossy().to_string();
    let guard = |cost: &[&str]| {
        let _ = std::fs::remove_file(&marker);
        let mut args = vec!["guard", "--account", name.as_str(), "--below", "5"];
        args.extend_from_slice(cost);
        args.extend_from_slice(&["--", "touch", m.as_str()]);
        let out = home.run(&[], &args, None);
        (out.status.code(), stderr(&out), marker.exists())
    };
    // $20 − $16 leaves $4, under the $5 line: refused, saying what is missing.
    let (code, err, started) = guard(&["--needs", "16"]);
    assert_eq!((code, started), (Some(73), false), "{err}");
    assert!(err.contains("has $20.00; the job needs $16.00 and $5.00 must stay: $1.00 missing: not starting touch"), "{err}");
    let (code, _, started) = guard(&["--needs", "10"]);
    assert_eq!((code, started), (Some(0), true));
    // 300 s of Avatar IV is $15.00: exactly down to the line is not above it.
    let (code, err, started) = guard(&["--needs-seconds", "300"]);
    assert_eq!((code, started), (Some(73), false), "{err}");
    assert!(err.contains("$15.00 (300 s of Avatar IV)") && err.contains("$0.01 missing"), "{err}");
    let (code, err, started) = guard(&["--needs-seconds", "300", "--engine", "video_agent"]);
    assert_eq!((code, started), (Some(0), true), "300 s of Video Agent is $9.99: {err}");
    // An engine the table does not know is bad usage; nothing starts.
    let (code, err, started) = guard(&["--needs-seconds", "10", "--engine", "avatar_ix"]);
    assert_eq!((code, started), (Some(64), false), "{err}");
    assert!(err.contains("avatar_ix") && err.contains("heygen-tray prices"), "{err}");
    // Credits have no documented rate to seconds: refused, saying to give --needs in credits.
    sim.set_profile(
        &name,
        serde_json::json!({"username": "u", "billing_type": "wallet",
        "wallet": {"currency": "credits", "remaining_balance": 5000}}),
    );
    let (code, err, started) = guard(&["--needs-seconds", "10"]);
    assert_eq!((code, started), (Some(73), false), "{err}");
    assert!(err.contains("give --needs in credits"), "{err}");
    assert_eq!(guard(&["--needs", "100"]).0, Some(0));
}
