//! The alerts' memory, owned here in memory: what was sent for each account decides
//! what is sent next, whether or not the settings file could be written. The file
//! keeps a copy (so a restart does not repeat alerts), saved after each change and,
//! when that fails (a full disk, a read-only folder), saved again later. The tray app
//! and [`super::Monitor`] both send through it; only the delivery differs.

use super::{plan, Effects, Inputs};
use crate::alerts::{mark_sent, Alert, AlertMemory};
use crate::settings::{Account, Settings, Store};
use crate::snapshot::AccountSnapshot;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;

/// How long a failed save waits before the next try.
pub const SAVE_RETRY: std::time::Duration = std::time::Duration::from_secs(60);

pub struct AlertBook {
    book: Mutex<Book>,
}

#[derive(Default)]
struct Book {
    memory: BTreeMap<String, AlertMemory>,
    /// Bumped on every change; `saved` is the change last written to the file.
    changed: u64,
    saved: u64,
}

impl AlertBook {
    /// The memory the settings file held at start.
    pub fn new(memory: BTreeMap<String, AlertMemory>) -> AlertBook {
        AlertBook { book: Mutex::new(Book { memory, ..Default::default() }) }
    }

    pub fn memory(&self) -> BTreeMap<String, AlertMemory> {
        self.book.lock().unwrap().memory.clone()
    }

    fn replace(&self, memory: BTreeMap<String, AlertMemory>) {
        let mut book = self.book.lock().unwrap();
        if book.memory != memory {
            book.memory = memory;
            book.changed += 1;
        }
    }

    /// Accounts that were removed, or whose key was replaced, start afresh.
    pub fn forget_replaced(&self, before: &[Account], after: &[Account]) {
        let mut memory = self.memory();
        for b in before {
            if after.iter().find(|a| a.name == b.name).is_none_or(|a| a.key_changed_at != b.key_changed_at) {
                memory.remove(&b.name);
            }
        }
        self.replace(memory);
    }

    /// True while a change is not in the settings file yet.
    pub fn unsaved(&self) -> bool {
        let book = self.book.lock().unwrap();
        book.changed != book.saved
    }

    /// Writes the memory of the file's accounts to the settings file, if it changed.
    /// False when the file could not be written (the memory here stays as it is).
    /// Blocking.
    pub fn save(&self, store: &Store, demo: bool) -> bool {
        let (memory, changed) = {
            let book = self.book.lock().unwrap();
            if book.changed == book.saved {
                return true;
            }
            (book.memory.clone(), book.changed)
        };
        let written = store.update_if_usable(|s: &mut Settings| {
            let kept = memory.iter().filter(|(name, _)| demo || s.account(name).is_some());
            s.alert_memory = kept.map(|(n, m)| (n.clone(), m.clone())).collect();
        });
        match written {
            Ok(_) => {
                let mut book = self.book.lock().unwrap();
                book.saved = book.saved.max(changed);
                true
            }
            Err(e) => {
                tracing::warn!(
                    "the alerts sent could not be remembered in the settings file ({e}); they are kept in memory and saved again in {} s",
                    SAVE_RETRY.as_secs()
                );
                false
            }
        }
    }

    /// Whether the wallet's auto-reload was seen failing (for its forecast).
    pub fn reload_failing(&self, name: &str) -> bool {
        self.book.lock().unwrap().memory.get(name).is_some_and(|m| m.reload_missed_sent)
    }

    /// Delivers what the monitor's plan asks for (`deliver`: to the notification
    /// daemon, say) and remembers what was taken; a failed delivery is tried again next
    /// time. Gives back what was delivered and the hook events the plan names.
    pub async fn send_due<D, F>(&self, snaps: &[AccountSnapshot], inputs: &Inputs<'_>, mut deliver: D) -> Effects
    where
        D: FnMut(Alert) -> F,
        F: Future<Output = Result<(), String>>,
    {
        let mut after = self.memory();
        let mut effects = Effects::default();
        for mut p in plan(snaps, &after, inputs) {
            for a in p.notify {
                match deliver(a.clone()).await {
                    Ok(()) => {
                        mark_sent(&mut p.memory, a.kind);
                        effects.notified.push(a);
                    }
                    Err(e) => tracing::warn!("notification not delivered, will retry: {e}"),
                }
            }
            effects.hooks.extend(p.hooks);
            after.insert(p.account, p.memory);
        }
        self.replace(after);
        effects
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::AuthKind;

    fn memory(name: &str) -> BTreeMap<String, AlertMemory> {
        BTreeMap::from([(name.to_string(), AlertMemory { low_sent: true, ..Default::default() })])
    }

    #[test]
    fn a_failed_save_keeps_what_was_sent_and_is_saved_again_later() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        store.update(|s| s.accounts.push(Account::new("work", AuthKind::ApiKey))).unwrap();
        let book = AlertBook::new(BTreeMap::new());
        book.replace(memory("work"));
        // A folder in the way of the temporary file makes the write fail.
        let tmp = dir.path().join(format!(".settings.json.tmp-{}", std::process::id()));
        std::fs::create_dir_all(tmp.join("x")).unwrap();
        assert!(!book.save(&store, false));
        assert!(book.unsaved());
        assert!(book.memory()["work"].low_sent, "still remembered: the alert is not sent again");
        std::fs::remove_dir_all(&tmp).unwrap();
        assert!(book.save(&store, false));
        assert!(!book.unsaved());
        assert!(store.load().settings.alert_memory["work"].low_sent);
    }

    #[test]
    fn removed_accounts_and_new_keys_start_afresh_and_others_keep_their_memory() {
        let mut work = Account::new("work", AuthKind::ApiKey);
        let home = Account::new("home", AuthKind::ApiKey);
        let book = AlertBook::new(memory("work").into_iter().chain(memory("home")).chain(memory("gone")).collect());
        let before = vec![work.clone(), home.clone(), Account::new("gone", AuthKind::ApiKey)];
        work.key_changed_at = Some(chrono::Utc::now());
        book.forget_replaced(&before, &[work, home]);
        assert_eq!(book.memory().keys().collect::<Vec<_>>(), ["home"]);
        assert!(book.unsaved());
    }
}
