//! `heygen-tray --demo` as a new user runs it: through the command line, with the
//! command line's simulator as a child, settings in a fresh private folder that is
//! gone (with the simulator) when the app quits.

use super::desktop::{watcher_items, windows_of, Tray};
use super::{descendants, exclusive, stored_wallet, wait_for, App};
use crate::support::{require_session, sim, stdout, Home};
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

#[test]
fn the_demo_starts_beside_the_running_app_and_a_second_demo_shows_its_dashboard() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "beside", "jane_doe", 42.5);
    let real = App::start(&home, &[]);
    let real_tray = Tray::of(real.pid());
    real_tray.wait_tooltip(&format!("{name}: $42.50"));

    let demo = App::start(&home, &["--demo"]);
    let demo_tray = Tray::of(demo.pid());
    demo_tray.wait_tooltip("Demo wallet: $");
    let items = watcher_items().unwrap();
    for pid in [real.pid(), demo.pid()] {
        assert!(items.iter().any(|i| i.starts_with(&format!("org.kde.StatusNotifierItem-{pid}-"))), "two tray items: {items:?}");
    }
    // The real app is untouched: its tray, its figures for `status`, its accounts.
    let (_, real_tip) = real_tray.tooltip();
    assert!(real_tip.contains(&format!("{name}: $42.50")) && !real_tip.contains("Demo"), "{real_tip}");
    let status: serde_json::Value = serde_json::from_str(&stdout(&home.run(&[], &["status", "--json"], None))).unwrap();
    let accounts = status["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1, "{status}");
    assert_eq!((accounts[0]["name"].as_str(), accounts[0]["source"].as_str()), (Some(name.as_str()), Some("app")), "{status}");
    assert_eq!(accounts[0]["remaining"], 42.5);

    // A second --demo ends at once and brings the running demo's dashboard; the real
    // app opens nothing and no third item appears.
    assert!(windows_of(&demo.tag, "HeyGen balance").is_empty(), "the demo opens no window by itself");
    let mut second = App::start(&home, &["--demo"]);
    let ended = wait_for("the second --demo to end", || second.child.try_wait().ok().flatten());
    assert_eq!(ended.code(), Some(0));
    wait_for("the running demo's dashboard", || windows_of(&demo.tag, "HeyGen balance").pop());
    assert!(windows_of(&real.tag, "HeyGen balance").is_empty(), "the real app opened no window");
    let items = watcher_items().unwrap();
    assert!(!items.iter().any(|i| i.starts_with(&format!("org.kde.StatusNotifierItem-{}-", second.pid()))), "{items:?}");
    assert!(real_tray.tooltip().1.contains(&format!("{name}: $42.50")));
}
