//! The two process roles as users meet them: windows opened from the tray menu run in
//! a window process of their own, read here through the accessibility tree (AT-SPI,
//! `scripts/atspi.py`) since WebDriver does not reach them; the command line changes
//! the settings file while the app runs; a window process stops reading; the binary
//! is replaced under a running app.

use super::desktop::{expect_notifications, startup_wm_class, windows_of, wm_classes, Tray};
use super::{exclusive, processes, signal, stored_wallet, wait_for, wallet, within, App};
use crate::support::{app_bin, cli_bin, require_session, sim, stderr, stdout, Home, Sim};
use heygen_tray_core::live;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

const ATSPI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/atspi.py");

/// The window process showing `page` for the tray process `app` (`--window PAGE`).
pub(crate) fn window_process(app: &App, page: &str) -> u32 {
    let wanted = format!("--window\0{page}\0");
    wait_for(&format!("the {page} window process"), || {
        processes().into_iter().find(|p| {
            p.ppid == app.pid()
                && p.state != 'Z'
                && std::fs::read(format!("/proc/{}/cmdline", p.pid)).is_ok_and(|c| c.windows(wanted.len()).any(|w| w == wanted.as_bytes()))
        })
    })
    .pid
}

pub(super) fn atspi(pid: u32, args: &[&str]) -> Result<String, String> {
    let out = Command::new("/usr/bin/python3").arg(ATSPI).arg(pid.to_string()).args(args).output().map_err(|e| e.to_string())?;
    match out.status.success() {
        true => Ok(stdout(&out)),
        false => Err(stderr(&out)),
    }
}

/// Everything the process's window shows (names and text of its accessible
/// objects, one per line), once it shows a page.
pub(super) fn shown(pid: u32) -> Option<String> {
    shown_or_why(pid).ok()
}

/// [`shown`], or why the window could not be read.
fn shown_or_why(pid: u32) -> Result<String, String> {
    let dump = atspi(pid, &["dump"])?;
    let lines: Vec<String> = dump
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .flat_map(|n| [n["name"].as_str().unwrap_or_default().to_string(), n["text"].as_str().unwrap_or_default().to_string()])
        .filter(|t| !t.is_empty())
        .collect();
    Ok(lines.join("\n"))
}

/// Waits until the window shows `text`; returns all it shows then.
/// On a timeout, the panic shows what the window showed last.
pub(crate) fn wait_shown(pid: u32, timeout: Duration, what: &str, wanted: impl Fn(&str) -> bool) -> String {
    let mut last = Err(String::new());
    let found = within(timeout, || {
        last = shown_or_why(pid);
        last.clone().ok().filter(|t| wanted(t))
    });
    found.unwrap_or_else(|| match last {
        Ok(text) => panic!("timed out after {timeout:?} waiting for {what}; the window showed:\n{text}"),
        Err(why) => {
            let alive = processes()
                .into_iter()
                .find(|p| p.pid == pid)
                .map_or("the process is gone".to_string(), |p| format!("process state {}, its children: {}", p.state, children(pid)));
            panic!("timed out after {timeout:?} waiting for {what}; the window could not be read ({alive}): {why}")
        }
    })
}

/// The names of a process's children (a window process has WebKit's page and network processes).
fn children(pid: u32) -> String {
    let names: Vec<String> = processes().into_iter().filter(|p| p.ppid == pid).map(|p| format!("{} ({})", p.name, p.state)).collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Works a control of the window (retried while the page is still loading).
pub(super) fn operate(pid: u32, args: &[&str]) {
    let mut last = String::new();
    let done = within(super::TIMEOUT, || match atspi(pid, args) {
        Ok(_) => Some(()),
        Err(e) => {
            last = e;
            None
        }
    });
    assert!(done.is_some(), "atspi {args:?}: {last}");
}

fn live_status(home: &Home) -> Option<live::LiveStatus> {
    let path = live::socket_path(&home.config_dir().join("heygen-tray"))?;
    live::ask(&path, Duration::from_secs(1)).ok()
}

fn settings_file(home: &Home) -> Value {
    serde_json::from_str(&std::fs::read_to_string(home.settings_path()).unwrap()).unwrap()
}

#[test]
fn settings_opened_from_the_tray_shows_the_key_expiry_and_the_auto_reload_note() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "from-tray", "u", 30.0);
    let mut profile = wallet("u", 30.0);
    profile["wallet"]["auto_reload"] = json!({"enabled": true, "threshold_usd": 10, "amount_usd": 50});
    sim.set_profile(&name, profile);
    sim.set_key_self(&name, Some(heygen_tray_sim::accounts::key_description("render", "active", Some(5 * 86_400 + 600))));
    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $30.00"));
    tray.click("Settings…");
    let pid = window_process(&app, "settings");
    assert_ne!(pid, app.pid());
    // The key is asked about a minute after the first poll; the note follows without a reopen.
    let text =
        wait_shown(pid, Duration::from_secs(100), "Settings (a window process) to show the key's expiry and the auto-reload note", |t| {
            t.contains("expires") && t.contains("(in 5 days)") && t.contains("HeyGen's auto-reload adds $50.00")
        });
    assert!(text.contains(&name), "{text}");
    assert!(text.contains("Key “render key”"), "{text}");
}

#[test]
fn preferences_saved_in_a_window_process_reach_the_poller() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "win-prefs", "u", 42.5);
    let mut settings = settings_file(&home);
    settings["poll_automatic"] = json!(false);
    settings["poll_interval_secs"] = json!(3600);
    std::fs::write(home.settings_path(), serde_json::to_vec_pretty(&settings).unwrap()).unwrap();
    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $42.50"));
    let next_check_in = || {
        let a = live_status(&home)?.accounts.into_iter().find(|a| a.name == name)?;
        Some((a.next_check_at? - chrono::Utc::now()).num_minutes())
    };
    let before = wait_for("a next check planned about an hour ahead", || next_check_in().filter(|m| (50..=66).contains(m)));

    tray.click("Settings…");
    let pid = window_process(&app, "settings");
    wait_shown(pid, super::TIMEOUT, "the Settings window", |t| t.contains("Refresh every (minutes)") && t.contains(&name));
    // Typed and moved on from: it applies at once, with no button to press.
    operate(pid, &["set", "Refresh every (minutes)", "10", "--tab"]);
    wait_shown(pid, super::TIMEOUT, "Settings to say the preferences were saved", |t| t.contains("Saved."));
    assert_eq!(settings_file(&home)["poll_interval_secs"], json!(600));
    // A shorter interval brings the next check forward at once.
    let after = wait_for("the poller to plan the next check within 10 minutes", || next_check_in().filter(|m| *m <= 10));
    eprintln!("next check: in {before} min, then in {after} min");
}

#[test]
fn the_dashboard_from_the_tray_shows_what_the_in_process_one_shows() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "same-dash", "jane", 42.5);
    let ready = |t: &str| t.contains(&name) && t.contains("$42.50");
    // Times move on between the two; everything else reads the same.
    let moving = |l: &&str| ["ago", "just now", "next check", "updated"].iter().any(|w| l.contains(w));
    let in_process = {
        let app = App::start(&home, &["--open", "dashboard"]);
        wait_shown(app.pid(), super::TIMEOUT, "the in-process dashboard", ready);
        // Its chart arrives a moment after the card: read once it is there.
        wait_shown(app.pid(), super::TIMEOUT, "the in-process dashboard's chart", |t| {
            ready(t) && t.contains("Not enough history yet for a chart.")
        })
    };
    let steady: Vec<String> = in_process.lines().filter(|l| !moving(l)).map(str::to_string).collect();
    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $42.50"));
    tray.click("Open dashboard");
    let pid = window_process(&app, "dashboard");
    // Taskbars and Alt+Tab find the launcher (its icon and name) by the window's class.
    let class = startup_wm_class();
    let classes = wait_for("the window process's WM_CLASS", || Some(wm_classes(pid)).filter(|c| !c.is_empty()));
    assert!(classes.iter().all(|(instance, _)| *instance == class), "WM_CLASS {classes:?}, desktop entry's StartupWMClass {class}");
    let mut last = String::new();
    let same = within(super::TIMEOUT, || {
        last = shown(pid)?;
        steady.iter().all(|l| last.lines().any(|t| t == l)).then_some(())
    });
    let missing: Vec<&String> = steady.iter().filter(|l| !last.lines().any(|t| t == l.as_str())).collect();
    assert!(same.is_some(), "the window process lacks {missing:?}\nin process:\n{in_process}\nfrom the tray:\n{last}");
}

/// Adds a simulator account and, with the CLI, an app account of that name.
fn add(sim: &Sim, home: &Home, name: &str) -> std::process::Output {
    let key = format!("hg_e2e_{}", name.replace('-', "_"));
    sim.add_account(name, &key, heygen_tray_sim::accounts::Auth::ApiKey, wallet("u", 42.5));
    home.run(&[], &["accounts", "add", name], Some(&key))
}

/// Waits until the running app polls exactly the accounts of the settings file.
fn wait_polled_as_in_the_file(home: &Home, what: &str) -> BTreeSet<String> {
    wait_for(what, || {
        let in_file: BTreeSet<String> =
            settings_file(home)["accounts"].as_array()?.iter().filter_map(|a| a["name"].as_str().map(str::to_string)).collect();
        let polled: BTreeSet<String> = live_status(home)?.accounts.into_iter().filter(|a| a.fetched_at.is_some()).map(|a| a.name).collect();
        (in_file == polled).then_some(polled)
    })
}

#[test]
fn accounts_added_and_removed_from_the_cli_while_the_app_runs_are_polled_exactly() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let run = crate::support::unique("cli");
    let seq: Vec<String> = (0..10).map(|i| format!("{run}-seq{i}")).collect();
    for n in &seq {
        let out = add(&sim, &home, n);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let app = App::start(&home, &[]);
    wait_polled_as_in_the_file(&home, "the ten accounts polled");

    // Ten adds alongside ten removes, all at once.
    let new: Vec<String> = (0..10).map(|i| format!("{run}-new{i}")).collect();
    std::thread::scope(|s| {
        let adds: Vec<_> = new.iter().map(|n| s.spawn(|| add(&sim, &home, n))).collect();
        let removes: Vec<_> = seq.iter().map(|n| s.spawn(|| home.run(&[], &["accounts", "remove", n], None))).collect();
        for h in adds.into_iter().chain(removes) {
            let out = h.join().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
    });
    let polled = wait_polled_as_in_the_file(&home, "the app to poll exactly the accounts in the file");
    assert_eq!(polled, new.iter().cloned().collect::<BTreeSet<_>>());
    // A removed account's key is never used again, however often the app polls.
    let hits: Vec<u64> = seq.iter().map(|n| sim.hits(n)).collect();
    let tray = Tray::of(app.pid());
    tray.click("Refresh now");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(seq.iter().map(|n| sim.hits(n)).collect::<Vec<_>>(), hits, "removed accounts were polled");

    // Twenty more at once: none is missed.
    let more: Vec<String> = (0..20).map(|i| format!("{run}-more{i}")).collect();
    std::thread::scope(|s| {
        for h in more.iter().map(|n| s.spawn(|| add(&sim, &home, n))).collect::<Vec<_>>() {
            let out = h.join().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
    });
    let polled = wait_polled_as_in_the_file(&home, "the app to poll all thirty accounts");
    assert_eq!(polled.len(), 30);
    for n in new.iter().chain(&more) {
        home.run(&[], &["accounts", "remove", n], None);
    }
}

#[test]
fn a_settings_folder_that_cannot_be_written_still_notifies_once_per_crossing() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "full-disk", "u", 42.5);
    let low = format!("HeyGen balance low: {name}");
    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $42.50 · ok"));
    // Every settings write of the app fails from here on, as on a full disk: a folder
    // stands where it writes its temporary file (root ignores permissions).
    let blocker = home.settings_path().with_file_name(format!(".settings.json.tmp-{}", app.pid()));
    std::fs::create_dir_all(blocker.join("full")).unwrap();
    let step = |balance: f64| {
        sim.set_profile(&name, wallet("u", balance));
        tray.refresh_until(&format!("{name}: ${balance:.2} · "));
    };
    for b in [9.0, 8.5, 8.0, 7.5] {
        step(b);
    }
    expect_notifications(&low, 1);
    assert_ne!(settings_file(&home)["alert_memory"][&name]["low_sent"], json!(true), "the write should have failed");

    // Once the folder can be written again, the memory is saved: a restart stays quiet.
    std::fs::remove_dir_all(&blocker).unwrap();
    step(7.0);
    wait_for("the sent alert remembered in the settings file", || {
        (settings_file(&home)["alert_memory"][&name]["low_sent"] == json!(true)).then_some(())
    });
    expect_notifications(&low, 1);
    home.run(&[], &["accounts", "remove", &name], None);
}

#[test]
fn a_stopped_window_process_holds_up_neither_the_tray_nor_history_nor_notifications() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let names: Vec<String> = (0..10).map(|i| stored_wallet(&sim, &home, &format!("stopped{i}"), "u", 42.5).0).collect();
    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    for n in &names {
        tray.wait_tooltip(&format!("{n}: $42.50"));
    }
    tray.click("Open dashboard");
    let pid = window_process(&app, "dashboard");
    wait_shown(pid, super::TIMEOUT, "the dashboard", |t| t.contains(&names[9]));
    signal(pid, libc::SIGSTOP);
    // Many new dashboard states for a window that reads none: far more than a pipe holds.
    for i in 0..40 {
        let low = format!("{}", 3 + i % 6);
        let out = home.run(&[], &["accounts", "set", &names[i % names.len()], "--low", &low], None);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        std::thread::sleep(Duration::from_millis(250));
    }
    sim.set_profile(&names[0], wallet("u", 1.0));
    tray.refresh_until(&format!("{}: $1.00 · critical", names[0]));
    expect_notifications(&format!("HeyGen balance critical: {}", names[0]), 1);
    let history = home.run(&[], &["history", "--json"], None);
    let rows: Value = serde_json::from_str(&stdout(&history)).unwrap();
    assert!(rows.as_array().unwrap().iter().any(|r| r["account"] == json!(names[0]) && r["remaining"] == json!(1.0)), "{rows}");
    signal(pid, libc::SIGCONT);
    wait_shown(pid, super::TIMEOUT, "the resumed dashboard with the latest figure", |t| t.contains("$1.00"));
    for n in &names {
        home.run(&[], &["accounts", "remove", n], None);
    }
}

#[test]
fn windows_still_open_after_the_binary_was_replaced() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "upgraded", "u", 42.5);
    let dir = tempfile::tempdir().unwrap();
    let (cli, app_path) = (dir.path().join("heygen-tray"), dir.path().join("heygen-tray-app"));
    // Links, not copies: a file just written may still be held open by another test's fork.
    for (from, to) in [(cli_bin(), &cli), (app_bin(), &app_path)] {
        if std::fs::hard_link(from, to).is_err() {
            std::fs::copy(from, to).unwrap();
            std::thread::sleep(Duration::from_secs(1));
        }
    }
    let app = App::start_binary(cli.to_str().unwrap(), &home, &[], &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $42.50"));
    // An upgrade: the package manager puts a new file where the running one was.
    std::fs::remove_file(&app_path).unwrap();
    std::fs::write(&app_path, "#!/bin/sh\nexit 70\n").unwrap();
    tray.click("Open dashboard");
    wait_for("the dashboard of the upgraded app", || windows_of(&app.tag, "HeyGen balance").pop());
    let pid = window_process(&app, "dashboard");
    let name_of = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap();
    assert_eq!(name_of.trim(), "heygen-tray-app", "the window process keeps the app's name");
    home.run(&[], &["accounts", "remove", &name], None);
}

#[test]
fn the_local_api_switched_on_in_settings_from_the_tray_serves_metrics_with_its_token() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, key) = stored_wallet(&sim, &home, "api-switch", "u", 42.5);
    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $42.50"));
    tray.click("Settings…");
    let pid = window_process(&app, "settings");
    let switch = "Serve status and metrics to tools on this computer";
    wait_shown(pid, super::TIMEOUT, "the local API switch in Settings", |t| t.contains(switch) && t.contains("off by default"));
    operate(pid, &["press", switch]);
    let text = wait_shown(pid, super::TIMEOUT, "Settings to say where the API listens", |t| t.contains("HTTP on 127.0.0.1:9877"));
    assert!(text.contains("heygen-tray token") && !text.contains(&key), "{text}");
    assert_eq!(settings_file(&home)["local_api"], json!("127.0.0.1:9877"));
    let token = stdout(&home.run(&[], &["token"], None)).trim().to_string();
    assert!(!text.contains(&token), "the token never reaches the page");
    let addr = "127.0.0.1:9877";
    let metrics = wait_for("the tray app to serve /metrics", || {
        let (code, body) = crate::watch::http(addr, "/metrics", addr, Some(&token));
        (code == 200).then_some(body)
    });
    assert_eq!(crate::watch::sample(&metrics, &format!("heygen_remaining{{account=\"{name}\",unit=\"usd\"}}")), Some(42.5), "{metrics}");
    assert_eq!(crate::watch::http(addr, "/metrics", addr, None).0, 401);
    let (_, status) = crate::watch::http(addr, "/v1/status", "localhost:9877", Some(&token));
    assert_eq!(crate::support::schema_problems("v1-status.schema.json", &status), "", "{status}");

    // Switched off: the port is let go.
    operate(pid, &["press", switch]);
    wait_for("the API to stop", || std::net::TcpStream::connect(addr).is_err().then_some(()));
    assert_eq!(settings_file(&home).get("local_api"), None);
}

#[test]
fn watch_refuses_to_start_beside_the_tray_app_of_the_same_folder() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "beside", "u", 42.5);
    let app = App::start(&home, &[]);
    Tray::of(app.pid()).wait_tooltip(&format!("{name}: $42.50"));
    let out = home.run(&[], &["watch"], None);
    assert_eq!(out.status.code(), Some(3));
    let said = stderr(&out);
    assert!(said.contains("the tray app (process ") && said.contains("already watches the accounts of"), "{said}");
}
