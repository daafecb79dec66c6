//! `heygen-tray --demo` as a new user runs it: through the command line, with the
//! command line's simulator as a child, settings in a fresh private folder that is
//! gone (with the simulator) when the app quits.

use super::desktop::Tray;
use super::{descendants, exclusive, wait_for, App};
use crate::support::{require_session, Home};
use std::os::unix::fs::PermissionsExt;

#[test]
fn demo_mode_runs_its_simulator_in_a_private_folder_and_leaves_nothing_behind() {
    require_session();
    let _one_app = exclusive();
    let home = Home::new("http://127.0.0.1:9");
    let tmp = tempfile::tempdir().unwrap();
    // A folder planted under a predictable name, with a symlink where settings would go,
    // must not be used.
    let planted = tmp.path().join("heygen-tray-demo-1");
    std::fs::create_dir(&planted).unwrap();
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, "keep me").unwrap();
    std::os::unix::fs::symlink(&victim, planted.join("settings.json")).unwrap();

    let mut app = App::start_binary(crate::support::cli_bin(), &home, &["--demo"], &[("TMPDIR", tmp.path().as_os_str())]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip("Demo wallet: $");
    assert!(tray.tooltip().1.contains("Demo creator plan"), "{:?}", tray.tooltip());

    let folders: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("heygen-tray-demo-") && *p != planted)
        .collect();
    assert_eq!(folders.len(), 1, "one fresh demo folder: {folders:?}");
    let mode = std::fs::metadata(&folders[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the demo folder is private");
    wait_for("the demo's settings in its folder", || folders[0].join("settings.json").is_file().then_some(()));
    let simulator = descendants(app.pid()).into_iter().find(|p| p.name == "heygen-tray").expect("the simulator runs as the app's child");

    tray.click("Quit");
    let status = wait_for("the demo to quit", || app.child.try_wait().ok().flatten());
    assert_eq!(status.code(), Some(0));
    wait_for("the simulator to end with the app", || (!std::path::Path::new(&format!("/proc/{}", simulator.pid)).exists()).then_some(()));
    assert!(!folders[0].exists(), "the demo folder is removed at exit");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
}
