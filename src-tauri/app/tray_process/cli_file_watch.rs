//! Accounts that follow HeyGen CLI's credentials file (see
//! `heygen_tray_core::cli_link`). The file's folder is watched — HeyGen's CLI writes a
//! new file and renames it into place — and a change takes the new tokens into the
//! keyring; the settings watcher then hands them to the poller, which polls at once.
//! While a folder is missing its parent is watched instead, so a folder made after
//! start, or removed and made again, is watched at once. The files are also looked at
//! every 10 minutes (a missed event; everything is watched afresh then) and read only
//! when their modification time changed, once a burst of rewrites has settled; the
//! core takes a file only when its content changed. Never written.

use super::TrayProcess;
use heygen_tray_core::accounts::Followed;
use heygen_tray_core::cli_link;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a credentials folder must be quiet before its file is read, and the
/// longest a burst of rewrites delays that read.
const QUIET: Duration = Duration::from_millis(300);
const SETTLE_AT_MOST: Duration = Duration::from_secs(5);
/// How often the files are looked at without an event.
const LOOK_EVERY: Duration = Duration::from_secs(600);

/// When a file was last changed, or `None` while it is missing.
type Stamp = Option<chrono::DateTime<chrono::Utc>>;

pub async fn follow_links(tray: Arc<TrayProcess>) {
    use notify::Watcher;
    let (tx, mut events) = mpsc::unbounded_channel();
    // The credentials folders, for the watcher's thread: an event on one of them (made,
    // removed, renamed) means its watch is to be made afresh.
    let folders: Arc<Mutex<BTreeSet<PathBuf>>> = Arc::default();
    let folders_seen = folders.clone();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(e) = event else { return };
        if !matches!(e.kind, notify::EventKind::Create(_) | notify::EventKind::Modify(_) | notify::EventKind::Remove(_)) {
            return;
        }
        let folders = folders_seen.lock().unwrap();
        if e.paths.iter().any(|p| folders.contains(p)) {
            let _ = tx.send(Event::Folder);
        } else if e
            .paths
            .iter()
            .any(|p| p.file_name().is_some_and(|n| n == "credentials") && p.parent().is_some_and(|d| folders.contains(d)))
        {
            let _ = tx.send(Event::File);
        }
    });
    let mut watcher = watcher.map_err(|e| tracing::warn!("HeyGen CLI credentials are looked at every 10 minutes only: {e}")).ok();
    let mut watched: BTreeSet<PathBuf> = BTreeSet::new();
    let mut seen: HashMap<PathBuf, Stamp> = HashMap::new();
    // Set by the 10-minute look and by a folder's own event: everything is watched
    // afresh (a folder removed and made again keeps no watch).
    let mut rewatch = false;
    loop {
        let files: BTreeSet<PathBuf> =
            tray.settings.lock().unwrap().accounts.iter().filter_map(|a| a.heygen_cli_credentials.clone()).collect();
        let dirs: BTreeSet<PathBuf> = files.iter().filter_map(|f| f.parent().map(Path::to_path_buf)).collect();
        if let Some(w) = watcher.as_mut() {
            *folders.lock().unwrap() = dirs.clone();
            if std::mem::take(&mut rewatch) {
                for dir in std::mem::take(&mut watched) {
                    let _ = w.unwatch(&dir);
                }
            }
            watch(w, &mut watched, &wanted_watches(&dirs));
        }
        seen.retain(|f, _| files.contains(f));
        let stamps: Vec<(PathBuf, Stamp)> = files.iter().map(|f| (f.clone(), cli_link::modified(f))).collect();
        if stamps.iter().any(|(f, s)| seen.get(f) != Some(s)) && keyring_unlocked().await {
            seen.extend(stamps);
            let t = tray.clone();
            let _ = tauri::async_runtime::spawn_blocking(move || {
                let (client, runtime) = (t.service.client.clone(), tauri::async_runtime::handle());
                let whose = |c: &heygen_tray_core::api::Credential| runtime.block_on(client.users_me(c)).ok().map(|me| me.username);
                for (name, followed) in t.service.accounts.follow_links(&whose) {
                    tracing::debug!("{name}: {followed:?}");
                    let note = Followed::note(&followed);
                    let mut notes = t.monitor.link_notes.lock().unwrap();
                    match note {
                        Some(n) => {
                            tracing::warn!("{name}: {n}");
                            notes.insert(name, n);
                        }
                        None => drop(notes.remove(&name)),
                    }
                }
                // Open windows show the notes with the next state.
                t.signals.redraw.notify_one();
            })
            .await;
        }
        tokio::select! {
            Some(event) = events.recv() => {
                // The CLI's write and rename arrive as a few events; a file rewritten in
                // a burst is read once it has been quiet for a moment (at most every 5 s).
                rewatch = event == Event::Folder;
                let until = tokio::time::Instant::now() + SETTLE_AT_MOST;
                loop {
                    tokio::time::sleep(QUIET).await;
                    let mut more = false;
                    while let Ok(e) = events.try_recv() {
                        rewatch |= e == Event::Folder;
                        more = true;
                    }
                    if !more || tokio::time::Instant::now() >= until {
                        break;
                    }
                }
            }
            _ = tray.signals.accounts_changed.notified() => {}
            _ = tokio::time::sleep(LOOK_EVERY) => rewatch = true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// In a credentials folder, on its `credentials` file.
    File,
    /// On a credentials folder itself: removed or moved away (its own watch), or made
    /// (its parent's).
    Folder,
}

/// The folders to watch: each credentials folder that exists (its own removal is an
/// event of its watch), or, while one is missing, its parent, where it will be made.
/// The parent (often the home folder, busy with other files) is watched only then.
fn wanted_watches(dirs: &BTreeSet<PathBuf>) -> BTreeSet<PathBuf> {
    dirs.iter()
        .filter_map(|d| if d.is_dir() { Some(d.as_path()) } else { d.parent().filter(|p| p.is_dir()) })
        .map(Path::to_path_buf)
        .collect()
}

/// Brings the watches to `wanted`: those no longer wanted are dropped, new ones made.
fn watch(w: &mut impl notify::Watcher, watched: &mut BTreeSet<PathBuf>, wanted: &BTreeSet<PathBuf>) {
    for gone in watched.difference(wanted).cloned().collect::<Vec<_>>() {
        let _ = w.unwatch(&gone);
        watched.remove(&gone);
    }
    for dir in wanted.difference(watched).cloned().collect::<Vec<_>>() {
        match w.watch(&dir, notify::RecursiveMode::NonRecursive) {
            Ok(()) => drop(watched.insert(dir)),
            Err(e) => tracing::debug!("{} not watched yet: {e}", dir.display()),
        }
    }
}

/// Reading the keyring now would not prompt.
async fn keyring_unlocked() -> bool {
    use heygen_tray_core::keystore::{availability, Availability};
    tauri::async_runtime::spawn_blocking(availability).await.is_ok_and(|a| a == Availability::Unlocked)
}
