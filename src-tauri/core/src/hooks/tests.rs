use super::*;

fn event() -> HookEvent {
    HookEvent {
        event: "low".into(),
        account: "work".into(),
        billing_type: Some("wallet".into()),
        remaining: Some(8.5),
        unit: Some("usd".into()),
        level: "low".into(),
        low: Some(10.0),
        critical: Some(2.0),
        at: Utc::now(),
        message: Some("HeyGen balance low: work".into()),
        test: false,
    }
}

fn sh(script: &str, args: &[&str]) -> Vec<String> {
    let mut v = vec!["sh".to_string(), "-c".into(), script.into(), "sh".into()];
    v.extend(args.iter().map(|a| a.to_string()));
    v
}

#[test]
fn a_hook_gets_the_event_as_json_and_in_its_environment_and_never_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let (input, env) = (dir.path().join("in.json"), dir.path().join("env"));
    // A key in the app's own environment must not reach the hook.
    std::env::set_var("HEYGEN_API_KEY", "hg_secret_in_the_environment");
    let out = run(&sh("cat > \"$1\"; env > \"$2\"", &[input.to_str().unwrap(), env.to_str().unwrap()]), &event(), TIMEOUT);
    assert!(out.ok(), "{out:?}");
    let got: HookEvent = serde_json::from_str(&std::fs::read_to_string(&input).unwrap()).unwrap();
    assert_eq!(got, event().clone_with_at(got.at));
    let env = std::fs::read_to_string(&env).unwrap();
    for line in [
        "HEYGEN_TRAY_EVENT=low",
        "HEYGEN_TRAY_ACCOUNT=work",
        "HEYGEN_TRAY_REMAINING=8.5",
        "HEYGEN_TRAY_UNIT=usd",
        "HEYGEN_TRAY_LEVEL=low",
        "HEYGEN_TRAY_LOW=10",
        "HEYGEN_TRAY_TEST=0",
    ] {
        assert!(env.lines().any(|l| l == line), "{line} missing from\n{env}");
    }
    assert!(!env.contains("hg_secret"), "a key reached the hook");
}

#[test]
fn a_hook_that_hangs_is_killed_in_time() {
    let start = Instant::now();
    let out = run(&sh("sleep 20", &[]), &event(), Duration::from_millis(400));
    assert!(out.timed_out && out.code.is_none(), "{out:?}");
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
    assert_eq!(out.describe(), "killed after 0.4 s", "the bound it had, not the default");
}

/// The process is no more, or only a zombie waiting for a parent that may not reap it.
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => true,
    }
}

fn wait_gone(pid: i32, within: Duration) -> bool {
    let until = Instant::now() + within;
    while Instant::now() < until {
        if gone(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn a_hook_that_leaves_a_child_in_the_background_is_done_when_it_exits() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let start = Instant::now();
    // The background child keeps the hook's output open for 30 s.
    let out = run(&sh("sleep 30 & echo $! > \"$1\"; echo started", &[pidfile.to_str().unwrap()]), &event(), TIMEOUT);
    assert!(start.elapsed() < Duration::from_secs(3), "waited for the background child: {:?}", start.elapsed());
    assert_eq!((out.code, out.output.as_str()), (Some(0), "started"), "{out:?}");
    let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    assert!(!gone(pid), "a hook that ended by itself leaves what it started alone");
    unsafe { libc::kill(pid, libc::SIGKILL) };
}

#[test]
fn a_hook_killed_at_its_bound_takes_its_workers_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let out = run(&sh("sleep 30 & echo $! > \"$1\"; sleep 30", &[pidfile.to_str().unwrap()]), &event(), Duration::from_millis(500));
    assert!(out.timed_out, "{out:?}");
    let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    assert!(wait_gone(pid, Duration::from_secs(2)), "the hook's background worker {pid} outlived the kill");
}

#[test]
fn exit_status_and_the_first_lines_of_output_are_kept() {
    let out = run(&sh("echo one; echo two >&2; for i in $(seq 1 100); do echo line $i; done; exit 3", &[]), &event(), TIMEOUT);
    assert_eq!((out.code, out.describe().as_str()), (Some(3), "exit 3"));
    assert!(out.output.contains("one") && out.output.contains("two"), "{}", out.output);
    assert!(!out.output.contains("line 50"), "only the first lines: {}", out.output);
    let missing = run(&["/nonexistent/hook".to_string()], &event(), TIMEOUT);
    assert!(missing.error.is_some() && missing.describe().starts_with("could not start"), "{missing:?}");
    assert!(run(&[], &event(), TIMEOUT).error.is_some());
}
