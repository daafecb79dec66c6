//! The tray menu as values: both tray backends (ksni on Linux, Tauri's tray
//! elsewhere) draw these entries and hand the chosen [`Action`] back to the app.

use super::TrayView;
use crate::alerts::pause::Pause;

/// What a menu entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    OpenDashboard,
    Refresh,
    OpenSettings,
    OpenBilling,
    Pause(Pause),
    Quit,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// `id` is unique in the menu (Tauri's menu events carry it).
    Item {
        id: String,
        label: String,
        action: Action,
    },
    Separator,
    Submenu {
        id: String,
        label: String,
        entries: Vec<Entry>,
    },
}

fn item(id: impl Into<String>, label: impl Into<String>, action: Action) -> Entry {
    Entry::Item { id: id.into(), label: label.into(), action }
}

/// The menu: one line per account (opening the dashboard), then the actions.
pub fn entries(account_lines: &[String], paused: Option<&str>) -> Vec<Entry> {
    let mut menu: Vec<Entry> =
        account_lines.iter().enumerate().map(|(i, l)| item(format!("account-{i}"), l.as_str(), Action::OpenDashboard)).collect();
    menu.push(Entry::Separator);
    menu.push(item("refresh", "Refresh now", Action::Refresh));
    menu.push(item("dashboard", "Open dashboard", Action::OpenDashboard));
    menu.push(item("settings", "Settings…", Action::OpenSettings));
    menu.push(item("billing", "Open HeyGen billing", Action::OpenBilling));
    let mut pause = vec![
        item("pause-hour", "For 1 hour", Action::Pause(Pause::OneHour)),
        item("pause-tomorrow", "Until tomorrow", Action::Pause(Pause::UntilTomorrow)),
    ];
    if paused.is_some() {
        pause.push(item("resume", "Resume alerts", Action::Pause(Pause::Resume)));
    }
    menu.push(Entry::Submenu { id: "pause".into(), label: paused.unwrap_or("Pause alerts").into(), entries: pause });
    menu.push(Entry::Separator);
    menu.push(item("quit", "Quit", Action::Quit));
    menu
}

/// The action of the entry `id` in `view`'s menu.
pub fn action(view: &TrayView, id: &str) -> Option<Action> {
    fn find(entries: &[Entry], id: &str) -> Option<Action> {
        entries.iter().find_map(|e| match e {
            Entry::Item { id: i, action, .. } if i == id => Some(*action),
            Entry::Submenu { entries, .. } => find(entries, id),
            _ => None,
        })
    }
    find(&view.menu, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(entries: &[Entry]) -> Vec<String> {
        entries
            .iter()
            .flat_map(|e| match e {
                Entry::Item { id, .. } => vec![id.clone()],
                Entry::Submenu { id, entries, .. } => std::iter::once(id.clone()).chain(ids(entries)).collect(),
                Entry::Separator => vec![],
            })
            .collect()
    }

    #[test]
    fn every_id_is_unique_and_resume_shows_only_while_paused() {
        let lines = vec!["work: $42.00 — wallet".to_string(), "home: $3.00 — wallet".to_string()];
        let paused = entries(&lines, Some("Alerts paused until 15:00"));
        let mut all = ids(&paused);
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "{all:?}");
        assert!(all.contains(&"resume".to_string()));
        assert!(!ids(&entries(&lines, None)).contains(&"resume".to_string()));
        let Some(Entry::Submenu { label, .. }) = paused.iter().find(|e| matches!(e, Entry::Submenu { .. })) else { panic!() };
        assert_eq!(label, "Alerts paused until 15:00");
    }
}
