//! What the tray menu and the windows can ask for. Each action is short: longer work
//! is handed to a task so the caller (a tray callback, a command) returns at once.

use super::TrayProcess;
use crate::webview::{self, Page};
use heygen_tray_core::poller::Command;
use std::sync::Arc;
use tauri_plugin_opener::OpenerExt;

/// Shows a window: in this process (demo, `--open`, WebDriver) or, as users open
/// them, in a window process of its own (focused when it runs already).
pub fn open_window(tray: &Arc<TrayProcess>, page: Page) {
    if !tray.windows_in_process {
        tracing::debug!("the {} window asked for", page.label());
        let tray = tray.clone();
        tauri::async_runtime::spawn_blocking(move || {
            if let Err(e) = tray.children.open(&tray, page) {
                tracing::error!("could not open the {} window: {e}", page.label());
            }
        });
        return;
    }
    let Some(app) = tray.app().cloned() else { return };
    tauri::async_runtime::spawn(async move {
        if let Err(e) = webview::open(&app, page) {
            tracing::error!("could not open the {} window: {e}", page.label());
        }
    });
}

/// Refresh now: keys that could not be read are read again first (the user asked, so
/// one unlock prompt may show), then every account (or `account`) is polled.
pub fn refresh(tray: &Arc<TrayProcess>, account: Option<String>) {
    let tray = tray.clone();
    tauri::async_runtime::spawn_blocking(move || {
        // The keys are read again, so one deleted from the keyring since is not polled
        // any more. Only keys that could not be read may ask to unlock the keyring; a
        // keyring locked since start keeps the keys already read, without a prompt.
        let unlock = match tray.keyring_trouble() {
            true => heygen_tray_core::accounts::Unlock::Once,
            false => heygen_tray_core::accounts::Unlock::Never,
        };
        tracing::info!("refresh: reading the keys again ({unlock:?})");
        tray.reconcile(true, unlock);
        let _ = tray.commands.send(Command::RefreshNow(account));
    });
}

/// The only pages the app opens in the browser.
#[derive(Debug, Clone, Copy)]
pub enum Site {
    Billing,
    ApiKeys,
    Dashboard,
    /// HeyGen's CLI, which signs in the accounts that follow it.
    HeyGenCli,
}

impl Site {
    pub fn url(self) -> &'static str {
        match self {
            Site::Billing => "https://app.heygen.com/billing",
            Site::ApiKeys => "https://app.heygen.com/settings?nav=API",
            Site::Dashboard => "https://app.heygen.com",
            Site::HeyGenCli => "https://developers.heygen.com/cli",
        }
    }
}

pub fn open_site(tray: &TrayProcess, site: Site) {
    let Some(app) = tray.app() else { return };
    if let Err(e) = app.opener().open_url(site.url(), None::<&str>) {
        tracing::error!("could not open {}: {e}", site.url());
    }
}

pub use heygen_tray_core::alerts::pause::Pause;
use heygen_tray_core::view::menu::Action;

/// Does what a tray menu entry says.
pub fn perform(tray: &Arc<TrayProcess>, action: Action) {
    match action {
        Action::OpenDashboard => open_window(tray, Page::Dashboard),
        Action::OpenSettings => open_window(tray, Page::Settings),
        Action::Refresh => refresh(tray, None),
        Action::OpenBilling => open_site(tray, Site::Billing),
        Action::Pause(p) => pause(tray, p),
        Action::Quit => {
            if let Some(app) = tray.app() {
                app.exit(0);
            }
        }
    }
}

pub fn pause(tray: &Arc<TrayProcess>, pause: Pause) {
    let until = heygen_tray_core::alerts::pause::until(pause, chrono::Local::now());
    let tray = tray.clone();
    tauri::async_runtime::spawn_blocking(move || {
        if let Err(e) = tray.update_settings(|s| s.alerts_paused_until = until) {
            tracing::error!("could not save the alert pause: {e}");
        }
    });
}
