//! Commands the pages may call (each allowed by name in capabilities/). Each one only
//! turns its arguments into a [`Request`] for the process's [`Role`]: the tray process
//! answers it, a window process passes it on to the tray process. None returns a
//! key: accounts come back masked. Each runs in a debug span named for it, with its
//! arguments (a pasted key left out).

use super::role::{ChartWanted, PastedKey, Reply, Request, Role};
use heygen_tray_core::service::Preferences;
use std::sync::Arc;
use tauri::State;

type RoleState<'a> = State<'a, Arc<dyn Role>>;

async fn ask(role: RoleState<'_>, request: Request) -> Reply {
    let role = role.inner().clone();
    let what = format!("{request:?}");
    let reply = role.ask(request).await;
    if let Err(e) = &reply {
        tracing::debug!("{what}: {e}");
    }
    reply
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(role))]
pub async fn get_dashboard(role: RoleState<'_>) -> Reply {
    tracing::debug!("dashboard page loaded");
    ask(role, Request::Dashboard).await
}

/// The dashboard's charts in one round (an account's history over `24h`, `7d` or
/// `30d` each): an array in the order asked for.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(role))]
pub async fn get_charts(role: RoleState<'_>, charts: Vec<ChartWanted>) -> Reply {
    // The page asks once it has drawn its cards (the benchmarks time that).
    tracing::debug!("charts asked: {}", charts.len());
    ask(role, Request::Charts { charts }).await
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(role))]
pub async fn refresh(role: RoleState<'_>, account: Option<String>) -> Reply {
    ask(role, Request::Refresh { account }).await
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(role))]
pub async fn get_settings(role: RoleState<'_>) -> Reply {
    ask(role, Request::Settings).await
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(role))]
pub async fn account_notes(role: RoleState<'_>) -> Reply {
    ask(role, Request::AccountNotes).await
}

/// Checks a key with HeyGen without saving it.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(role, key))]
pub async fn test_key(role: RoleState<'_>, key: String, oauth: bool) -> Reply {
    ask(role, Request::TestKey { key: PastedKey::from(key), oauth }).await
}

/// Adds an account or changes one (see `heygen_tray_core::service::Service::save`).
#[tauri::command]
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(level = "debug", skip(role, key))]
pub async fn save_account(
    role: RoleState<'_>,
    name: String,
    key: Option<String>,
    oauth: bool,
    low: Option<f64>,
    critical: Option<f64>,
    enabled: bool,
    is_new: bool,
) -> Reply {
    let key = key.map(PastedKey::from);
    ask(role, Request::SaveAccount { name, key, oauth, low, critical, enabled, is_new }).await
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(role))]
pub async fn remove_account(role: RoleState<'_>, name: String) -> Reply {
    ask(role, Request::RemoveAccount { name }).await
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(role))]
pub async fn save_preferences(role: RoleState<'_>, prefs: Preferences) -> Reply {
    ask(role, Request::SavePreferences { prefs }).await
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(role))]
pub async fn import_heygen_cli(role: RoleState<'_>, name: String) -> Reply {
    ask(role, Request::ImportHeygenCli { name }).await
}

/// Opens one of HeyGen's own pages; the page cannot name any other URL.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(role))]
pub async fn open_link(role: RoleState<'_>, target: String) -> Reply {
    ask(role, Request::OpenLink { target }).await
}

/// Runs an event hook once with a test event; says how it went.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(role))]
pub async fn test_hook(role: RoleState<'_>, event: String) -> Reply {
    ask(role, Request::TestHook { event }).await
}

/// First run: quits this app and starts the demo in its place.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(role))]
pub async fn start_demo(role: RoleState<'_>) -> Reply {
    ask(role, Request::StartDemo).await
}

/// Quits the app, windows and tray alike.
#[tauri::command]
#[tracing::instrument(level = "debug", skip(role))]
pub async fn quit(role: RoleState<'_>) -> Reply {
    ask(role, Request::Quit).await
}

#[tauri::command]
#[tracing::instrument(level = "debug", skip(role))]
pub async fn open_window(role: RoleState<'_>, page: String, account: Option<String>) -> Reply {
    ask(role, Request::OpenWindow { page, account }).await
}
