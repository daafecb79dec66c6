//! Account changes as transactions over a settings folder, an in-memory keystore and a
//! history database: a failed settings write puts the keyring back, a remove takes the
//! history with it, and adds and removes of one name raced from many threads never
//! leave one store without the other.

use super::*;
use crate::history::History;
use crate::secret::Secret;

fn accounts() -> (tempfile::TempDir, Accounts) {
    let dir = tempfile::tempdir().unwrap();
    let accounts = Accounts::at(dir.path(), Keystore::in_memory());
    (dir, accounts)
}

fn key(k: &str) -> StoredSecret {
    StoredSecret::ApiKey(Secret::new(k))
}

fn key_of(a: &Accounts, name: &str) -> Option<String> {
    match a.keystore.get(name, AuthKind::ApiKey) {
        Ok(StoredSecret::ApiKey(k)) => Some(k.expose().to_string()),
        _ => None,
    }
}

fn names(a: &Accounts) -> Vec<String> {
    a.settings.load().settings.accounts.into_iter().map(|a| a.name).collect()
}

/// Makes every settings write fail from now on (a folder where the temp file goes:
/// refused even to root), as a full or read-only disk does; returns the undo.
fn break_writes(a: &Accounts) -> impl FnOnce() {
    let tmp = a.settings.dir().join(format!(".settings.json.tmp-{}", std::process::id()));
    std::fs::create_dir(&tmp).unwrap();
    std::fs::write(tmp.join("keep"), "x").unwrap();
    move || std::fs::remove_dir_all(&tmp).unwrap()
}

#[test]
fn a_settings_write_that_fails_puts_the_keyring_back_as_it_was() {
    let (_d, a) = accounts();
    a.add("beta", &key("hg_old_beta"), None, None).unwrap();
    let mend = break_writes(&a);
    let err = a.add("beta", &key("hg_new_beta"), None, None).unwrap_err().to_string();
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(key_of(&a, "beta").as_deref(), Some("hg_old_beta"), "the replaced key is back");
    let err = a.add("fresh", &key("hg_fresh"), None, None).unwrap_err().to_string();
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(key_of(&a, "fresh"), None, "a new account leaves no entry");
    let err = a.remove("beta").unwrap_err().to_string();
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(key_of(&a, "beta").as_deref(), Some("hg_old_beta"), "a failed remove keeps the key");
    mend();
    assert_eq!(names(&a), ["beta"]);
    a.remove("beta").unwrap();
    assert_eq!((names(&a).len(), key_of(&a, "beta")), (0, None));
}

#[test]
fn a_remove_takes_the_history_with_it_or_keeps_it_all() {
    let (_d, a) = accounts();
    let path = a.history.clone().unwrap();
    a.add("work", &key("hg_work"), None, None).unwrap();
    let (history, _) = History::open(&path).unwrap();
    let now = chrono::Utc::now();
    history.record("work", now - chrono::Duration::hours(2), 40.0, "usd").unwrap();
    history.record("work", now - chrono::Duration::hours(1), 30.0, "usd").unwrap();
    history.record("other", now, 5.0, "usd").unwrap();
    let count = |name: &str| history.samples(Some(name), None).unwrap().len();
    let mend = break_writes(&a);
    assert!(a.remove("work").is_err());
    assert_eq!(count("work"), 2, "a remove that failed keeps the history");
    mend();
    a.remove("work").unwrap();
    assert_eq!((count("work"), count("other")), (0, 1), "the history goes with the account, only its own");
    // A new account of that name starts with nothing, even if rows were left behind.
    history.record("work", now, 99.0, "usd").unwrap();
    a.add("work", &key("hg_work_2"), None, None).unwrap();
    assert_eq!(count("work"), 0);
    // Replacing the key of an existing account keeps its history.
    history.record("work", now, 98.0, "usd").unwrap();
    a.add("work", &key("hg_work_3"), None, None).unwrap();
    assert_eq!(count("work"), 1);
}

#[test]
fn a_remove_waits_for_nothing_when_the_history_is_held_and_changes_nothing() {
    let (_d, a) = accounts();
    let path = a.history.clone().unwrap();
    a.add("work", &key("hg_work"), None, None).unwrap();
    let (history, _) = History::open(&path).unwrap();
    history.record("work", chrono::Utc::now(), 40.0, "usd").unwrap();
    // Another process holds a write transaction for longer than the busy wait.
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = a.remove("work").unwrap_err().to_string();
    assert!(err.contains("nothing was changed"), "{err}");
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!((names(&a), key_of(&a, "work").as_deref()), (vec!["work".to_string()], Some("hg_work")));
    assert_eq!(history.samples(Some("work"), None).unwrap().len(), 1);
}

/// Adds and removes of one name from several threads, thousands of times: after every
/// change, seen under the same lock, the settings list the account exactly when the
/// keyring holds its key.
#[test]
fn adds_and_removes_of_one_name_raced_never_split_the_stores() {
    let dir = tempfile::tempdir_in(if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm" } else { "/tmp" }).unwrap();
    let a = Accounts { history: None, ..Accounts::at(dir.path(), Keystore::in_memory()) };
    const ROUNDS: usize = 1500;
    // The workers go on until the checker has looked often enough, however the threads
    // are scheduled (a busy machine once let them finish before it looked ten times).
    const CHECKS: usize = 50;
    let checked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..2)
        .map(|i| {
            let (a, checked) = (a.clone(), checked.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while n < ROUNDS || checked.load(std::sync::atomic::Ordering::Relaxed) < CHECKS {
                    if (n + i) % 2 == 0 {
                        a.add("gamma", &key(&format!("hg_{i}_{n}")), None, None).unwrap();
                    } else {
                        match a.remove("gamma") {
                            Ok(()) | Err(AccountError::NotFound(_)) => {}
                            Err(e) => panic!("{e}"),
                        }
                    }
                    n += 1;
                }
            })
        })
        .collect();
    let mut checks = 0;
    while !workers.iter().all(|w| w.is_finished()) {
        let _held = a.settings.accounts_lock().unwrap();
        let listed = a.settings.load().settings.account("gamma").is_some();
        assert_eq!(listed, key_of(&a, "gamma").is_some(), "settings and keyring disagree after {checks} checks");
        checks += 1;
        checked.store(checks, std::sync::atomic::Ordering::Relaxed);
    }
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(a.settings.load().settings.account("gamma").is_some(), key_of(&a, "gamma").is_some());
    assert!(checks >= CHECKS, "{checks}");
}

#[test]
fn a_key_the_keyring_lacks_is_told_apart_from_a_locked_keyring() {
    let (_d, a) = accounts();
    a.add("work", &key("hg_work"), None, None).unwrap();
    a.keystore.delete("work").unwrap();
    let settings = a.settings.load().settings;
    let (ok, problems) = a.load_for_polling(&settings, Unlock::Once);
    assert!(ok.is_empty());
    let e = problems[0].error.clone().unwrap();
    assert!(e.key_missing() && !keyring_refused(&e), "{e:?}");
    assert_eq!(crate::view::problem(&e), "no key stored");
    let locked = keyring_error(&KeyringError::Locked("locked".into()));
    assert!(keyring_refused(&locked) && !locked.key_missing());
    assert_eq!(crate::view::problem(&locked), "keyring locked");
}
