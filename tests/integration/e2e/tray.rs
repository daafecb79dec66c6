//! The tray icon as a desktop's tray host sees it: a StatusNotifierItem with a
//! title, a tooltip and a dbusmenu, all over D-Bus.

use super::desktop::{windows_of, MenuItem, Tray};
use super::{exclusive, stored_wallet, wait_for, wallet, App};
use crate::support::{require_session, sim, Home};

/// The menu as text: labels, "---" for separators, children indented.
fn outline(items: &[MenuItem], indent: &str) -> Vec<String> {
    items
        .iter()
        .flat_map(|i| {
            let me = if i.separator { format!("{indent}---") } else { format!("{indent}{}", i.label) };
            std::iter::once(me).chain(outline(&i.children, &format!("{indent}  ")))
        })
        .collect()
}

#[test]
fn the_tray_serves_tooltip_title_and_menu_over_dbus() {
    require_session();
    let _one_app = exclusive();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "my_tray", "jane_doe", 42.5);
    let app = App::start(&home, &[]);
    let tray = Tray::of(app.pid());

    tray.wait_tooltip(&format!("{name}: $42.50"));
    assert_eq!(tray.title(), "$42.50");
    assert_eq!(tray.label(), "$42.50", "the label hosts like GNOME's AppIndicator show beside the icon");
    let (title, description) = tray.tooltip();
    assert_eq!(title, "HeyGen balance");
    assert!(description.starts_with(&format!("{name}: $42.50 · ok · updated just now · ≈ 14 min of Avatar IV")), "{description}");

    // What a glance needs: the figure, the pace, its age. Mnemonic underscores are
    // doubled so "my_tray" shows as typed.
    let account_line = format!("{}: $42.50 · no spending today · just now", name.replace('_', "__"));
    assert_eq!(
        outline(&tray.menu(), ""),
        [
            account_line.as_str(),
            "---",
            "Refresh now",
            "Open dashboard",
            "Settings…",
            "Open HeyGen billing",
            "Pause alerts",
            "  For 1 hour",
            "  Until tomorrow",
            "---",
            "Quit"
        ]
    );

    let before = sim.hits(&name);
    tray.click("Refresh now");
    wait_for("Refresh now to reach the API", || (sim.hits(&name) > before).then_some(()));
    sim.set_profile(&name, wallet("jane_doe", 41.0));
    tray.refresh_until(&format!("{name}: $41.00"));
    assert_eq!((tray.title(), tray.label()), ("$41.00".to_string(), "$41.00".to_string()));

    // A left click on the icon opens the dashboard.
    assert!(windows_of(&app.tag, "HeyGen balance").is_empty(), "no window before the click");
    tray.activate();
    wait_for("the dashboard window after a left click", || (!windows_of(&app.tag, "HeyGen balance").is_empty()).then_some(()));
    home.run(&[], &["accounts", "remove", &name], None);
}
