//! The systemd units the package ships (src-tauri/packaging/systemd) pass
//! `systemd-analyze verify` with no warning, their ExecStart pointed at this build.

use crate::support::cli_bin;
use std::process::Command;

#[test]
fn the_watch_units_verify_clean() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = dir.path().join("run");
    std::fs::create_dir(&runtime).unwrap();
    std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let units = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/packaging/systemd");
    for (file, user) in [("heygen-tray-watch.service", true), ("heygen-tray-watch-system.service", false)] {
        let text = std::fs::read_to_string(units.join(file)).unwrap();
        assert!(text.contains("ExecStart=/usr/bin/heygen-tray watch"), "{file} starts the packaged command");
        let copy = dir.path().join(file);
        std::fs::write(&copy, text.replace("/usr/bin/heygen-tray", cli_bin())).unwrap();
        let mut cmd = Command::new("systemd-analyze");
        if user {
            cmd.arg("--user").env("XDG_RUNTIME_DIR", &runtime);
        }
        let out = cmd.args(["verify", "--man=no"]).arg(&copy).output().expect("systemd-analyze (Debian's systemd package) runs");
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success() && said.trim().is_empty(), "{file}: {said}");
    }
}
