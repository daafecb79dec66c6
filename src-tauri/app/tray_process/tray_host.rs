//! Whether the desktop shows tray icons. Without a StatusNotifierWatcher (GNOME
//! without the AppIndicator extension, the default on Debian and Fedora) the app would
//! be invisible. A few seconds after the host is found missing (at login the shell may
//! still be starting) the app opens the dashboard as an ordinary window, with Quit,
//! and says in a notification how to get tray icons: once per settings folder until a
//! host is seen (`Settings::no_tray_told`), not at every login. Alerts go on as usual.
//! A host that appears later gets the icon at once (the tray registers with it).

use super::{actions, notifier, TrayProcess};
use crate::webview::Page;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long a missing host may take to appear before the app shows itself.
const GRACE: Duration = Duration::from_secs(4);

pub const NO_TRAY_SUMMARY: &str = "HeyGen Tray is running, but this desktop shows no tray icons";
pub const NO_TRAY_BODY: &str = "Its dashboard is open instead; start HeyGen Tray from the applications menu to bring it back. \
For the icon and figure in the top bar, install the AppIndicator extension (package gnome-shell-extension-appindicator) and log in again.";

#[derive(Default)]
pub struct TrayHost {
    missing: AtomicBool,
    /// Bumped on every change, so a grace period that outlived its cause does nothing.
    generation: AtomicU64,
    told: AtomicBool,
}

impl TrayHost {
    /// False while no tray host shows the icon (the dashboard then offers Quit).
    pub fn present(&self) -> bool {
        !self.missing.load(Ordering::Relaxed)
    }

    /// A tray host is there (again): should it go away later, that is said again.
    pub fn online(tray: &Arc<TrayProcess>) {
        let host = &tray.tray_host;
        host.generation.fetch_add(1, Ordering::SeqCst);
        host.told.store(false, Ordering::SeqCst);
        if host.missing.swap(false, Ordering::SeqCst) {
            tracing::info!("a tray host is there: the icon shows");
        }
        if tray.settings.lock().unwrap().no_tray_told {
            let tray = tray.clone();
            tauri::async_runtime::spawn_blocking(move || {
                // Never the writer that sets a damaged file aside: the user did not ask.
                if let Err(e) = tray.service.accounts.settings.update_if_usable(|s| s.tray_host_seen()) {
                    tracing::warn!("could not note that a tray host was seen: {e}");
                }
            });
        }
    }

    /// No tray host (at start, or it went away): after [`GRACE`], show the dashboard and,
    /// the first time, say why. Never blocks (called from the tray's D-Bus task).
    pub fn offline(tray: &Arc<TrayProcess>) {
        let host = &tray.tray_host;
        let generation = host.generation.fetch_add(1, Ordering::SeqCst) + 1;
        host.missing.store(true, Ordering::SeqCst);
        tracing::info!("no tray host right now; the dashboard opens in {} s unless one appears", GRACE.as_secs());
        let tray = tray.clone();
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(GRACE).await;
            let host = &tray.tray_host;
            if host.generation.load(Ordering::SeqCst) != generation || host.present() {
                return;
            }
            tracing::info!("still no tray host: opening the dashboard as a window");
            actions::open_window(&tray, Page::Dashboard);
            if host.told.swap(true, Ordering::SeqCst) {
                return;
            }
            let noted = tray.clone();
            // Told before in this folder, with no host seen since: not again. A file
            // that cannot be written is no reason to stay silent.
            let note = move || noted.service.accounts.settings.update_if_usable(|s| s.tell_no_tray()).map(|(_, tell)| tell);
            match tauri::async_runtime::spawn_blocking(note).await {
                Ok(Ok(false)) => {
                    tracing::info!("the missing tray icons were told before in this settings folder; not again");
                    return;
                }
                Ok(Err(e)) => tracing::warn!("could not remember telling about the missing tray icons: {e}"),
                _ => {}
            }
            if let Err(e) = notifier::tell(NO_TRAY_SUMMARY, NO_TRAY_BODY).await {
                tracing::warn!("could not say that the desktop shows no tray icons: {e}");
            }
        });
    }
}
