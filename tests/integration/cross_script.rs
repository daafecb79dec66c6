//! scripts/cross.sh's steps stop on Ctrl-C: each runs under `timeout` in a process group
//! of its own, which the terminal's SIGINT does not reach, so the script hands the
//! signal on. Its `bounded` and `stop_step` are run here, taken from the script as it is.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn ctrl_c_stops_a_bounded_step_and_the_script_at_once() {
    let script = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/cross.sh")).unwrap();
    let start = script.find("STEP_PID=\"\" STEP_WHAT=\"\"").expect("cross.sh defines bounded");
    let end = script.find("trap 'stop_step TERM' TERM").expect("cross.sh traps TERM") + "trap 'stop_step TERM' TERM".len();
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("step.pid");
    let harness = format!(
        "set -euo pipefail\nsay() {{ printf '[cross] %s\\n' \"$*\" >&2; }}\ndie() {{ say \"$*\"; exit 1; }}\n{}\n\
         (trap 'stop_step INT' INT; trap 'stop_step TERM' TERM; bounded 60 'a long step' sh -c 'echo $$ > {}; exec sleep 50') || die 'failed: step'\n\
         say 'went on'\n",
        &script[start..end],
        pid_file.display()
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(harness).stderr(Stdio::piped()).process_group(0);
    // As from a terminal: SIGINT not ignored (a test run from a background job inherits it ignored).
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    let begun = Instant::now();
    while !pid_file.exists() || std::fs::read_to_string(&pid_file).unwrap().trim().is_empty() {
        assert!(begun.elapsed() < Duration::from_secs(10), "the step did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let step: i32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
    // What Ctrl-C at a terminal does: SIGINT to the script's (foreground) process group.
    let sent = Instant::now();
    // SAFETY: kill has no memory preconditions.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(sent.elapsed() < Duration::from_secs(5), "cross.sh's step went on after Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    };
    let said = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
    assert_eq!(status.code(), Some(130), "{said}");
    assert!(said.contains("interrupted: stopping a long step") && !said.contains("went on"), "{said}");
    std::thread::sleep(Duration::from_millis(200));
    // SAFETY: as above; signal 0 only asks whether the process exists.
    assert_ne!(unsafe { libc::kill(step, 0) }, 0, "the step's process was stopped too");
}
