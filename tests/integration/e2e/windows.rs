//! Windows: closing the last one leaves no WebKit process behind, and a second
//! launch of the binary shows the running app's dashboard instead of starting again.

use super::desktop::{close_window, windows_of, Tray};
use super::roles::{wait_shown, window_process};
use super::{exclusive, processes, stored_wallet, tagged, wait_for, within, App};
use crate::support::{require_session, sim, Home};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// WebKit helpers (WebKitWebProcess, WebKitNetworkProcess) and window processes
/// (`heygen-tray-app --window PAGE`) still running, wherever they were reparented to.
fn window_processes(app: &App) -> Vec<String> {
    tagged(&app.tag)
        .into_iter()
        .filter(|p| p.pid != app.pid() && (p.name.starts_with("WebKit") || p.name == "heygen-tray-app"))
        .map(|p| format!("{} {}", p.pid, p.name))
        .collect()
}

/// Children the app has not reaped.
fn zombies(app: &App) -> Vec<String> {
    processes().into_iter().filter(|p| p.ppid == app.pid() && p.state == 'Z').map(|p| format!("{} {}", p.pid, p.name)).collect()
}

/// Waits for the dashboard and its WebKit processes, closes it like a window
/// manager does, and expects every process it used to end (and be reaped) within 8 s.
fn close_dashboard_and_expect_no_webkit(app: &mut App) {
    let window = wait_for("the dashboard window", || windows_of(&app.tag, "HeyGen balance").pop());
    wait_for("WebKit's web process", || window_processes(app).iter().any(|p| p.contains("WebKitWebProces")).then_some(()));
    let requests = close_window(&window);
    if requests > 1 {
        eprintln!("note: the window needed {requests} close requests (an early one was dropped)");
    }
    let gone = within(Duration::from_secs(8), || (window_processes(app).is_empty() && zombies(app).is_empty()).then_some(()));
    assert!(gone.is_some(), "8 s after the window closed: running {:?}, not reaped {:?}", window_processes(app), zombies(app));
    assert!(app.is_running(), "the app stays in the tray");
}

#[test]
fn closing_a_window_leaves_no_webkit_process() {
    require_session();
    let _one_app = exclusive();
    let home = Home::new("http://127.0.0.1:9");
    // A window opened at start (`--open`, in the app's process) ...
    let mut app = App::start(&home, &["--open", "dashboard"]);
    close_dashboard_and_expect_no_webkit(&mut app);
    // ... and one opened later from the tray.
    let tray = Tray::of(app.pid());
    assert_eq!(tray.title(), "HeyGen Tray", "the tray still answers");
    tray.activate();
    close_dashboard_and_expect_no_webkit(&mut app);
    assert_eq!(tray.title(), "HeyGen Tray", "the tray still answers");
}

#[test]
fn a_second_launch_opens_the_running_apps_dashboard() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "second", "u", 42.5);
    let mut app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $42.50"));
    assert!(windows_of(&app.tag, "HeyGen balance").is_empty(), "an app with an account starts with no window");

    let started = Instant::now();
    let mut second = home.command(&[], &[]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let status = within(Duration::from_secs(10), || second.try_wait().unwrap());
    let Some(status) = status else {
        let _ = second.kill();
        panic!("the second launch still runs after 10 s");
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut second.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "second launch: {status}: {err}");
    eprintln!("second launch exited after {:?}", started.elapsed());

    wait_for("the dashboard of the first app", || (!windows_of(&app.tag, "HeyGen balance").is_empty()).then_some(()));
    assert!(app.is_running());
    let items = super::desktop::watcher_items().unwrap();
    assert_eq!(items.iter().filter(|i| i.starts_with("org.kde.StatusNotifierItem-")).count(), 1, "one tray icon: {items:?}");
    home.run(&[], &["accounts", "remove", &name], None);
}

/// A window whose page process ends (WebKitGTK's web process, once seen crashing as a
/// window opened and leaving it blank for good) loads its page again in a new one.
#[test]
fn a_window_whose_page_process_ends_shows_its_page_again() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "crash", "u", 30.0);
    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $30.00"));
    tray.click("Settings…");
    let window = window_process(&app, "settings");
    let page_process = || processes().into_iter().find(|p| p.ppid == window && p.name.starts_with("WebKitWebProces") && p.state != 'Z');
    wait_shown(window, super::TIMEOUT, "Settings to show the account", |t| t.contains(&name));
    let first = wait_for("the window's page process", page_process).pid;
    super::signal(first, libc::SIGKILL);
    let second = wait_for("a new page process", || page_process().filter(|p| p.pid != first)).pid;
    assert_ne!(second, first);
    wait_shown(window, super::TIMEOUT, "Settings to show the account again", |t| t.contains(&name));
    let log = std::fs::read_to_string(app.log.path()).unwrap_or_default();
    assert!(log.contains("the settings window's page process ended (Crashed): loading the page again"), "{log}");
}
