//! The tray on macOS and Windows: Tauri's own tray icon, which serves tooltip, title
//! and clicks there. Rebuilt from the same `TrayView` as the Linux tray. On Linux
//! (feature `tauri-tray`) it goes through libayatana-appindicator: the title shows
//! as its label, and there is no tooltip or left click.

use super::{actions, icons, TrayProcess};
use crate::webview::Page;
use chrono::{DateTime, Utc};
use heygen_tray_core::snapshot::AccountSnapshot;
use heygen_tray_core::tray_icon::Drawn;
use heygen_tray_core::view::tray_view_with;
use std::sync::Arc;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};

pub struct Handle {
    tray: TrayIcon,
    app: AppHandle,
    drawn: std::sync::Mutex<Drawn>,
}

pub fn start(app: &AppHandle, _tray: Arc<TrayProcess>) -> tauri::Result<Handle> {
    let tray = TrayIconBuilder::with_id("heygen-tray")
        .icon(tauri::image::Image::from_bytes(icons::png(heygen_tray_core::snapshot::IconState::NoAccount, true))?)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } = event {
                actions::open_window(&tray.app_handle().state::<Arc<TrayProcess>>(), Page::Dashboard);
            }
        })
        .build(app)?;
    Ok(Handle { tray, app: app.clone(), drawn: Default::default() })
}

fn on_menu(app: &AppHandle, id: &str) {
    let tray = app.state::<Arc<TrayProcess>>().inner().clone();
    match id {
        "refresh" => actions::refresh(&tray, None),
        "settings" => actions::open_window(&tray, Page::Settings),
        "billing" => actions::open_link(&tray, actions::Link::Billing),
        "pause-hour" => actions::pause(&tray, actions::Pause::OneHour),
        "pause-tomorrow" => actions::pause(&tray, actions::Pause::UntilTomorrow),
        "resume" => actions::pause(&tray, actions::Pause::Resume),
        "quit" => app.exit(0),
        _ => actions::open_window(&tray, Page::Dashboard),
    }
}

pub async fn update(
    handle: &Handle,
    snaps: Vec<AccountSnapshot>,
    forecasts: heygen_tray_core::view::Forecasts,
    paused_until: Option<DateTime<Utc>>,
    options: heygen_tray_core::view::TrayOptions,
) {
    let v = tray_view_with(&snaps, &forecasts, paused_until, Utc::now(), &options);
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
    if let Ok(menu) = build_menu(&handle.app, &v) {
        let _ = handle.tray.set_menu(Some(menu));
    }
}

fn build_menu(app: &AppHandle, v: &heygen_tray_core::view::TrayView) -> tauri::Result<Menu<tauri::Wry>> {
    let menu = Menu::new(app)?;
    for (i, line) in v.account_lines.iter().enumerate() {
        menu.append(&MenuItem::with_id(app, format!("account-{i}"), line, true, None::<&str>)?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(app, "refresh", "Refresh now", true, None::<&str>)?)?;
    menu.append(&MenuItem::with_id(app, "dashboard", "Open dashboard", true, None::<&str>)?)?;
    menu.append(&MenuItem::with_id(app, "settings", "Settings…", true, None::<&str>)?)?;
    menu.append(&MenuItem::with_id(app, "billing", "Open HeyGen billing", true, None::<&str>)?)?;
    let pause = Submenu::with_id(app, "pause", v.paused.clone().unwrap_or_else(|| "Pause alerts".into()), true)?;
    pause.append(&MenuItem::with_id(app, "pause-hour", "For 1 hour", true, None::<&str>)?)?;
    pause.append(&MenuItem::with_id(app, "pause-tomorrow", "Until tomorrow", true, None::<&str>)?)?;
    if v.paused.is_some() {
        pause.append(&MenuItem::with_id(app, "resume", "Resume alerts", true, None::<&str>)?)?;
    }
    menu.append(&pause)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?)?;
    Ok(menu)
}
