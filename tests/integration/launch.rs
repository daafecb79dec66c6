//! The command line and the app as two binaries: `heygen-tray` with no subcommand
//! hands over to `heygen-tray-app` from its own folder, and never loads the GUI
//! libraries itself.

use crate::support::{app_bin, cli_bin};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Output};

/// Runs a freshly written executable. Another test thread forking at the moment the file
/// was still open for writing leaves the child holding that descriptor until it execs, and
/// the kernel then refuses to run the file ("Text file busy"); that passes in milliseconds.
fn retrying<T>(mut run: impl FnMut() -> std::io::Result<T>) -> T {
    for _ in 0..100 {
        match run() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => std::thread::sleep(std::time::Duration::from_millis(20)),
            other => return other.unwrap(),
        }
    }
    panic!("the executable stayed busy for 2 s (held open for writing by another process)")
}

fn output(cmd: &mut Command) -> Output {
    retrying(|| cmd.output())
}

fn spawn(cmd: &mut Command) -> Child {
    retrying(|| cmd.spawn())
}

/// A copy of the command line alone in a folder, optionally with a stand-in app.
fn install(dir: &Path, app_script: Option<&str>) -> std::path::PathBuf {
    // The stand-in app first: by the time the command line runs, no forked child still
    // holds the script open for writing.
    if let Some(script) = app_script {
        let app = dir.join("heygen-tray-app");
        std::fs::write(&app, script).unwrap();
        std::fs::set_permissions(&app, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let cli = dir.join("heygen-tray");
    std::fs::copy(cli_bin(), &cli).unwrap();
    cli
}

#[test]
fn no_subcommand_runs_the_app_beside_it_with_the_same_arguments_in_the_same_process() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("seen");
    let script = format!("#!/bin/sh\necho \"$$\" > '{0}'\nfor a in \"$@\"; do echo \"arg:$a\" >> '{0}'; done\nexit 7\n", out.display());
    let cli = install(dir.path(), Some(&script));
    let mut child = spawn(Command::new(&cli).args(["--demo", "--open", "settings"]));
    let pid = child.id();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(7), "the app's exit code comes back");
    let seen = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines[0], pid.to_string(), "the app replaced the command line's process (exec)");
    assert_eq!(&lines[1..], ["arg:--demo", "arg:--open", "arg:settings"]);
}

#[test]
fn a_missing_app_is_a_clear_error_and_the_tools_still_work() {
    let dir = tempfile::tempdir().unwrap();
    let cli = install(dir.path(), None);
    let out = output(&mut Command::new(&cli));
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the tray app is not installed") && err.contains("heygen-tray-app"), "{err}");
    let help = output(Command::new(&cli).arg("--help"));
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    for word in ["status", "accounts", "history", "simulator", "--demo", "--open"] {
        assert!(text.contains(word), "help lacks {word}: {text}");
    }
    // Bad usage is refused by the command line before any hand-off.
    assert_eq!(output(Command::new(&cli).arg("--open").arg("nowhere")).status.code(), Some(64));
}

/// The libraries a binary asks the dynamic loader for (ELF DT_NEEDED), from the binary's bytes.
fn needs(binary: &str, library: &str) -> bool {
    let bytes = std::fs::read(binary).unwrap();
    let needle = format!("{library}\0");
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn the_command_line_links_no_gui_library_while_the_app_does() {
    for lib in ["libwebkit2gtk-4.1.so.0", "libgtk-3.so.0"] {
        assert!(needs(app_bin(), lib), "the app binary should need {lib} (else this check proves nothing)");
        assert!(!needs(cli_bin(), lib), "the command line must not load {lib}");
    }
}
