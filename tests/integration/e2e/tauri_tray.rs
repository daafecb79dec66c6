//! The macOS and Windows tray (Tauri's own tray icon), compiled for Linux with the
//! `tauri-tray` feature by scripts/test.sh and run here, so it cannot rot unseen. On
//! Linux it goes through libayatana-appindicator: the figure is the item's
//! `XAyatanaLabel`, and the menu is a dbusmenu.

use super::desktop::{busctl, children, watcher_items, MenuItem};
use super::{exclusive, stored_wallet, wait_for, App};
use crate::support::{app_bin, require_session, sim, Home};

fn tauri_tray_bin() -> String {
    let bin = std::path::Path::new(app_bin()).with_file_name("heygen-tray-app-tauri-tray");
    assert!(bin.is_file(), "{} is missing: scripts/test.sh builds it (cargo build -p heygen-tray --features tauri-tray)", bin.display());
    bin.to_string_lossy().into_owned()
}

/// The registered item (`:1.N/path`) whose connection belongs to `pid`.
fn item_of(pid: u32) -> Option<(String, String)> {
    watcher_items().ok()?.into_iter().find_map(|item| {
        let (name, path) = item.split_at(item.find('/')?);
        let owner = busctl(&[
            "call",
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "GetConnectionUnixProcessID",
            "s",
            name,
        ])
        .ok()?;
        (owner["data"][0].as_u64() == Some(u64::from(pid))).then(|| (name.to_string(), path.to_string()))
    })
}

fn labels(items: &[MenuItem]) -> Vec<String> {
    items.iter().flat_map(|i| std::iter::once(i.label.clone()).chain(labels(&i.children))).collect()
}

#[test]
fn the_tauri_tray_build_shows_the_figure_and_serves_its_menu() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "tauri-tray", "jane_doe", 42.5);
    let mut app = App::start_binary(&tauri_tray_bin(), &home, &[], &[]);
    let (bus, path) = wait_for("the Tauri tray's item registered with the watcher", || item_of(app.pid()));
    let prop = |p: &str| busctl(&["get-property", &bus, &path, "org.kde.StatusNotifierItem", p]).map(|v| v["data"].clone());
    wait_for("the figure as the indicator's label", || (prop("XAyatanaLabel").ok()?.as_str()? == "$42.50").then_some(()));

    let menu_path = prop("Menu").unwrap().as_str().unwrap().to_string();
    let layout = || {
        busctl(&["call", &bus, &menu_path, "com.canonical.dbusmenu", "GetLayout", "iias", "0", "-1", "0"]).map(|v| children(&v["data"][1]))
    };
    let items = wait_for("the menu with the account", || layout().ok().filter(|m| labels(m).iter().any(|l| l.contains(&name))));
    let all = labels(&items);
    for want in ["Refresh now", "Open dashboard", "Settings…", "Open HeyGen billing", "Pause alerts", "Quit"] {
        assert!(all.iter().any(|l| l == want), "menu lacks {want:?}: {all:?}");
    }

    // Quit from the menu ends the app cleanly. The menu is built anew when its words
    // change (an "updated" time), and its ids with it: an id gone by the time of the
    // click is looked up again.
    wait_for("a click on Quit that the menu takes", || {
        let quit = layout().ok()?.iter().find(|i| i.label == "Quit")?.id.to_string();
        busctl(&["call", &bus, &menu_path, "com.canonical.dbusmenu", "Event", "isvu", &quit, "clicked", "s", "", "0"]).ok()
    });
    let status = wait_for("the app to quit from its menu", || app.child.try_wait().ok().flatten());
    assert_eq!(status.code(), Some(0));
    home.run(&[], &["accounts", "remove", &name], None);
}
