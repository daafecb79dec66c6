//! The tray on macOS and Windows: Tauri's own tray icon, which serves tooltip, title
//! and clicks there. Rebuilt from the same `TrayView` as the Linux tray. On Linux
//! (feature `tauri-tray`) it goes through libayatana-appindicator: the title shows
//! as its label, and there is no tooltip or left click.

use super::{actions, icons, TrayProcess};
use crate::webview::Page;
use heygen_tray_core::tray_icon::Drawn;
use heygen_tray_core::view::menu::{self, Action, Entry};
use heygen_tray_core::view::TrayView;
use std::sync::{Arc, Mutex};
use tauri::menu::{IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Wry};

pub struct Handle {
    tray: TrayIcon,
    app: AppHandle,
    drawn: Mutex<Drawn>,
    /// The latest frame's tray part, whose menu ids the menu events name.
    view: Arc<Mutex<Option<TrayView>>>,
}

pub fn start(app: &AppHandle, _tray: Arc<TrayProcess>) -> tauri::Result<Handle> {
    let view: Arc<Mutex<Option<TrayView>>> = Arc::default();
    let shown = view.clone();
    let tray = TrayIconBuilder::with_id("heygen-tray")
        .icon(tauri::image::Image::from_bytes(icons::png(heygen_tray_core::snapshot::IconState::NoAccount, true))?)
        .show_menu_on_left_click(false)
        .on_menu_event(move |app, event| {
            let action = shown.lock().unwrap().as_ref().and_then(|v| menu::action(v, event.id().as_ref()));
            actions::perform(&app.state::<Arc<TrayProcess>>(), action.unwrap_or(Action::OpenDashboard));
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } = event {
                actions::open_window(&tray.app_handle().state::<Arc<TrayProcess>>(), Page::Dashboard);
            }
        })
        .build(app)?;
    Ok(Handle { tray, app: app.clone(), drawn: Default::default(), view })
}

pub async fn update(handle: &Handle, v: TrayView) {
    // The drawn figure (32 px; the system scales it), redrawn only when it changes.
    let mut drawn = handle.drawn.lock().unwrap();
    let icon = match &v.drawing {
        Some(d) => {
            if drawn.update(d, icons::panel_theme()) {
                drawn.pixels().iter().find(|p| p.size == 32).map(|p| tauri::image::Image::new_owned(p.rgba.clone(), p.size, p.size))
            } else {
                None
            }
        }
        None => {
            drawn.clear();
            tauri::image::Image::from_bytes(icons::png(v.icon, true)).ok()
        }
    };
    drop(drawn);
    if let Some(icon) = icon {
        let _ = handle.tray.set_icon(Some(icon));
    }
    let _ = handle.tray.set_tooltip(Some(format!("{}\n{}", v.tooltip_title, v.tooltip_lines.join("\n"))));
    let _ = handle.tray.set_title(Some(v.title.clone()));
    let mut shown = handle.view.lock().unwrap();
    // A menu rebuilt only when it changes (a rebuilt menu closes one that is open).
    if shown.as_ref().is_none_or(|old| old.menu != v.menu) {
        let menu = Menu::new(&handle.app).and_then(|m| append(&handle.app, &v.menu, &mut |i| m.append(i)).map(|()| m));
        if let Ok(menu) = menu {
            let _ = handle.tray.set_menu(Some(menu));
        }
    }
    *shown = Some(v);
}

/// Appends `entries` with `push` (a menu's or a submenu's `append`).
fn append(app: &AppHandle, entries: &[Entry], push: &mut dyn FnMut(&dyn IsMenuItem<Wry>) -> tauri::Result<()>) -> tauri::Result<()> {
    for e in entries {
        match e {
            Entry::Item { id, label, .. } => push(&MenuItem::with_id(app, id, label, true, None::<&str>)?)?,
            Entry::Separator => push(&PredefinedMenuItem::separator(app)?)?,
            Entry::Submenu { id, label, entries } => {
                let sub = Submenu::with_id(app, id, label, true)?;
                append(app, entries, &mut |i| sub.append(i))?;
                push(&sub)?;
            }
        }
    }
    Ok(())
}
