//! What a desktop sees of the app, read the way a desktop reads it: the
//! StatusNotifierItem and its dbusmenu over D-Bus (`busctl`), notifications from
//! dunst (`dunstctl`), and X11 windows (`scripts/xwin.py`, python3-xlib).

use super::{wait_for, within};
use serde_json::Value;
use std::process::Command;
use std::time::Duration;

/// `busctl --user --json=short ARGS`: the reply's JSON (Null when it has none).
pub fn busctl(args: &[&str]) -> Result<Value, String> {
    let out = Command::new("busctl").args(["--user", "--json=short", "--timeout=5", "--"]).args(args).output().unwrap();
    if !out.status.success() {
        return Err(format!("busctl {args:?}: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(if text.trim().is_empty() { Value::Null } else { serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))? })
}

/// The app's StatusNotifierItem: `org.kde.StatusNotifierItem-PID-1`.
pub struct Tray {
    pub bus_name: String,
}

/// One dbusmenu entry: its id, label as sent (mnemonic `_` doubled), type and children.
#[derive(Debug, Clone)]
pub struct MenuItem {
    pub id: i64,
    pub label: String,
    pub separator: bool,
    pub children: Vec<MenuItem>,
}

impl Tray {
    /// Waits until the app's item is on the bus and registered with the session's
    /// StatusNotifierWatcher (as it would be with a desktop's tray host).
    pub fn of(pid: u32) -> Tray {
        let bus_name = format!("org.kde.StatusNotifierItem-{pid}-1");
        wait_for(&format!("{bus_name} registered with the StatusNotifierWatcher"), || {
            let items = watcher_items().ok()?;
            items.iter().any(|i| i.starts_with(&bus_name)).then_some(())
        });
        Tray { bus_name }
    }

    fn property(&self, name: &str) -> Value {
        let v = busctl(&["get-property", &self.bus_name, "/StatusNotifierItem", "org.kde.StatusNotifierItem", name]).unwrap();
        v["data"].clone()
    }

    pub fn title(&self) -> String {
        self.property("Title").as_str().unwrap_or_default().to_string()
    }

    /// The icon's pixmaps as served (`IconPixmap`), to compare one drawing with another.
    pub fn icon_pixmap(&self) -> String {
        self.property("IconPixmap").to_string()
    }

    /// The Ayatana label GNOME's AppIndicator extension shows beside the icon.
    pub fn label(&self) -> String {
        self.property("XAyatanaLabel").as_str().unwrap_or_default().to_string()
    }

    /// The tooltip's title and description (one line per account).
    pub fn tooltip(&self) -> (String, String) {
        let v = self.property("ToolTip");
        (v[2].as_str().unwrap_or_default().to_string(), v[3].as_str().unwrap_or_default().to_string())
    }

    /// Waits until the tooltip's description holds `text` (the tray redrew after a poll).
    pub fn wait_tooltip(&self, text: &str) {
        wait_for(&format!("the tray tooltip to show {text:?}"), || self.tooltip().1.contains(text).then_some(()));
    }

    /// The menu, from `GetLayout(0, -1, [])`.
    pub fn menu(&self) -> Vec<MenuItem> {
        let v = busctl(&["call", &self.bus_name, "/MenuBar", "com.canonical.dbusmenu", "GetLayout", "iias", "0", "-1", "0"]).unwrap();
        children(&v["data"][1])
    }

    /// Clicks the menu entry with this label (as sent, `_` doubled), at any depth.
    pub fn click(&self, label: &str) {
        fn find(items: &[MenuItem], label: &str) -> Option<i64> {
            items.iter().find_map(|i| if i.label == label { Some(i.id) } else { find(&i.children, label) })
        }
        let id = find(&self.menu(), label).unwrap_or_else(|| panic!("no menu entry {label:?} in {:?}", self.menu()));
        let id = id.to_string();
        busctl(&["call", &self.bus_name, "/MenuBar", "com.canonical.dbusmenu", "Event", "isvu", &id, "clicked", "s", "", "0"]).unwrap();
    }

    /// Clicks "Refresh now" until the tooltip shows `text`: a click during a request
    /// in flight is answered by that request, which may predate the change.
    pub fn refresh_until(&self, text: &str) {
        wait_for(&format!("the tray tooltip to show {text:?} after Refresh now"), || {
            self.click("Refresh now");
            within(Duration::from_secs(3), || self.tooltip().1.contains(text).then_some(()))
        });
    }

    /// A left click on the icon.
    pub fn activate(&self) {
        busctl(&["call", &self.bus_name, "/StatusNotifierItem", "org.kde.StatusNotifierItem", "Activate", "ii", "0", "0"]).unwrap();
    }
}

/// `(ia{sv}av)` children as busctl prints them: each a variant `{"type", "data"}`.
pub fn children(node: &Value) -> Vec<MenuItem> {
    node[2]
        .as_array()
        .map(|kids| {
            kids.iter()
                .map(|k| {
                    let d = &k["data"];
                    MenuItem {
                        id: d[0].as_i64().unwrap_or(-1),
                        label: d[1]["label"]["data"].as_str().unwrap_or_default().to_string(),
                        separator: d[1]["type"]["data"] == "separator",
                        children: children(d),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `RegisteredStatusNotifierItems` of the session's watcher.
pub fn watcher_items() -> Result<Vec<String>, String> {
    let v = busctl(&[
        "get-property",
        "org.kde.StatusNotifierWatcher",
        "/StatusNotifierWatcher",
        "org.kde.StatusNotifierWatcher",
        "RegisteredStatusNotifierItems",
    ])?;
    Ok(v["data"].as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default())
}

pub fn dunstctl(args: &[&str]) -> String {
    let out = Command::new("dunstctl").args(args).output().unwrap();
    assert!(out.status.success(), "dunstctl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Closes whatever dunst shows or holds back (it goes to the history).
pub fn close_notifications() {
    for _ in 0..20 {
        if dunstctl(&["count", "displayed"]) == "0" && dunstctl(&["count", "waiting"]) == "0" {
            break;
        }
        dunstctl(&["close-all"]);
    }
}

/// How many notifications with exactly this summary dunst received. Only closed
/// ones are in its history, so everything shown or waiting is closed first.
pub fn notifications(summary: &str) -> usize {
    close_notifications();
    let history: Value = serde_json::from_str(&dunstctl(&["history"])).unwrap();
    history["data"][0].as_array().unwrap().iter().filter(|n| n["summary"]["data"] == summary).count()
}

/// Waits until exactly `want` notifications with this summary arrived, then a little
/// longer to see that no more follow.
pub fn expect_notifications(summary: &str, want: usize) {
    wait_for(&format!("{want} notification(s) {summary:?}"), || (notifications(summary) >= want).then_some(()));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(notifications(summary), want, "notifications {summary:?}");
}

/// A viewable top-level X11 window.
#[derive(Debug, Clone)]
pub struct Window {
    pub pid: u32,
    pub title: String,
}

fn xwin(args: &[&str]) -> std::process::Output {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/xwin.py");
    Command::new("/usr/bin/python3").arg(script).args(args).output().unwrap()
}

pub fn windows() -> Vec<Window> {
    let out = xwin(&["list"]);
    assert!(out.status.success(), "xwin.py list: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, '\t');
            let (_id, pid, title) = (f.next()?, f.next()?, f.next()?);
            Some(Window { pid: pid.parse().ok()?, title: title.to_string() })
        })
        .collect()
}

/// The WM_CLASS (instance, class) of the process's viewable windows.
pub fn wm_classes(pid: u32) -> Vec<(String, String)> {
    let out = xwin(&["class", &pid.to_string()]);
    String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.split_once('\t').map(|(i, c)| (i.to_string(), c.to_string()))).collect()
}

/// The desktop entry's `StartupWMClass`, which launchers match windows to it by.
pub fn startup_wm_class() -> String {
    let entry = include_str!("../../../src-tauri/packaging/com.heygen_tray.HeygenTray.desktop");
    entry.lines().find_map(|l| l.strip_prefix("StartupWMClass=")).expect("the desktop entry names its windows' class").to_string()
}

/// Windows with this title owned by the app with this tag or a process it started.
pub fn windows_of(tag: &str, title: &str) -> Vec<Window> {
    let family: Vec<u32> = super::tagged(tag).iter().map(|p| p.pid).collect();
    windows().into_iter().filter(|w| w.title == title && family.contains(&w.pid)).collect()
}

/// Closes the window as a window manager's close button does (WM_DELETE_WINDOW) and
/// waits until it is gone; returns how many requests that took. Asks again every 2 s
/// like an impatient user: the app drops a request that arrives while the page is
/// still loading (seen under CPU load).
pub fn close_window(w: &Window) -> usize {
    let mut requests = 0;
    wait_for(&format!("window {w:?} to close"), || {
        if !windows().iter().any(|x| x.pid == w.pid && x.title == w.title) {
            return Some(());
        }
        let out = xwin(&["close", &w.title, &w.pid.to_string()]);
        requests += out.status.success() as usize;
        let open = || windows().iter().any(|x| x.pid == w.pid && x.title == w.title).then_some(());
        within(Duration::from_secs(2), || open().is_none().then_some(())).map(|_| ())
    });
    requests
}
