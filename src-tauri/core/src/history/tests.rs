use super::*;
use std::path::{Path, PathBuf};
use chrono::Duration;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_760_000_000 + secs, 0).unwrap()
}

fn open(dir: &tempfile::TempDir) -> History {
    History::open(&dir.path().join("history.sqlite3")).unwrap().0
}

#[test]
fn unchanged_polls_write_nothing_until_the_heartbeat() {
    let dir = tempfile::tempdir().unwrap();
    let h = open(&dir);
    assert!(h.record("a", t(0), 10.0, "usd").unwrap());
    for m in 1..60 {
        assert!(!h.record("a", t(m * 60), 10.0, "usd").unwrap(), "unchanged poll at {m} min");
    }
    assert!(h.record("a", t(3600), 10.0, "usd").unwrap(), "hourly heartbeat");
    assert!(h.record("a", t(3700), 9.0, "usd").unwrap(), "a change");
    assert_eq!(h.samples(Some("a"), None).unwrap().len(), 3);
}

#[test]
fn rows_carry_spend_and_top_ups() {
    let dir = tempfile::tempdir().unwrap();
    let h = open(&dir);
    for (i, v) in [10.0, 8.0, 5.0, 55.0, 50.0].iter().enumerate() {
        h.record("a", t(i as i64 * 600), *v, "usd").unwrap();
    }
    h.record("b", t(0), 100.0, "credits").unwrap();
    let s = h.samples(Some("a"), None).unwrap();
    let spent: Vec<f64> = s.iter().map(|x| x.spent).collect();
    let added: Vec<f64> = s.iter().map(|x| x.added).collect();
    assert_eq!(spent, [0.0, 2.0, 3.0, 0.0, 5.0]);
    assert_eq!(added, [0.0, 0.0, 0.0, 50.0, 0.0]);
    assert_eq!(h.samples(None, None).unwrap().len(), 6);
    assert_eq!(h.samples(Some("a"), Some(t(1200))).unwrap().len(), 3);
    h.forget("a").unwrap();
    assert_eq!(h.samples(None, None).unwrap().len(), 1);
}

/// Builds a database at an older schema version with some rows.
fn old_database(path: &Path, version: usize) {
    let conn = Connection::open(path).unwrap();
    for sql in &schema::MIGRATIONS[..version] {
        conn.execute_batch(sql).unwrap();
    }
    conn.pragma_update(None, "user_version", version as i64).unwrap();
    let rows = [(20.0, 0.0, 0.0), (15.0, 5.0, 0.0), (40.0, 0.0, 25.0)];
    for (i, (v, spent, added)) in rows.iter().enumerate() {
        let at = t(i as i64 * 600).timestamp();
        match version {
            0 => {}
            1 => {
                conn.execute("INSERT INTO samples (account, at, remaining, unit) VALUES ('old', ?1, ?2, 'usd')", params![at, v]).unwrap();
            }
            _ => {
                conn.execute(
                    "INSERT INTO samples (account, at, remaining, unit, spent, added) VALUES ('old', ?1, ?2, 'usd', ?3, ?4)",
                    params![at, v, spent, added],
                )
                .unwrap();
            }
        }
    }
}

#[test]
fn every_older_schema_migrates_and_keeps_its_rows() {
    for version in 0..CURRENT_VERSION as usize {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite3");
        old_database(&path, version);
        let (h, notice) = History::open(&path).unwrap();
        assert_eq!(notice, None, "v{version} migrates without a notice");
        let v: i64 = h.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, CURRENT_VERSION);
        let s = h.samples(Some("old"), None).unwrap();
        if version >= 1 {
            assert_eq!(s.len(), 3, "v{version}");
            assert_eq!((s[1].spent, s[2].added), (5.0, 25.0), "v{version}: spend and top-ups derived");
        } else {
            assert!(s.is_empty());
        }
        h.record("old", t(5000), 30.0, "usd").unwrap();
    }
}

#[test]
fn a_corrupt_database_is_moved_aside_and_a_new_one_started() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    std::fs::write(&path, b"this is not a database, just some bytes that are long enough to matter........").unwrap();
    let (h, notice) = History::open(&path).unwrap();
    assert!(notice.unwrap().contains("kept as"));
    h.record("a", t(0), 1.0, "usd").unwrap();
    let aside: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().contains(".bad-")).collect();
    assert_eq!(aside.len(), 1);
}

#[test]
fn a_newer_database_is_refused_and_left_exactly_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE future (x); INSERT INTO future VALUES (1);").unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let bytes = std::fs::read(&path).unwrap();
    for e in [History::open(&path).err().unwrap(), History::open_read_only(&path).err().unwrap()] {
        assert!(!e.is_corrupt());
        assert!(e.to_string().contains("newer version"), "{e}");
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "not renamed, not changed");
    let names: Vec<String> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.contains(".bad-")), "{names:?}");
}

#[test]
fn a_busy_database_is_waited_for_not_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    drop(History::open(&path).unwrap());
    // Another process holds the write lock for a moment.
    let holder = Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE; INSERT INTO samples (account, at, remaining, unit) VALUES ('x', 1, 1, 'usd');").unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(700));
        holder.execute_batch("COMMIT").unwrap();
    });
    let (h, notice) = History::open(&path).unwrap();
    release.join().unwrap();
    assert_eq!(notice, None);
    h.record("a", t(10), 1.0, "usd").unwrap();
    assert_eq!(h.samples(None, None).unwrap().len(), 2, "the other writer's row is kept");
}

#[test]
fn many_openers_at_once_on_a_fresh_folder_create_one_database() {
    for _ in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("history.sqlite3");
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(6));
        let threads: Vec<_> = (0..6)
            .map(|i| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let (h, notice) = History::open(&path).unwrap();
                    assert_eq!(notice, None);
                    h.record(&format!("a{i}"), t(0), 1.0, "usd").unwrap();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let h = History::open_read_only(&path).unwrap();
        assert_eq!(h.samples(None, None).unwrap().len(), 6);
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert!(!names.iter().any(|n| n.to_string_lossy().contains(".bad-")), "{names:?}");
    }
}

#[cfg(unix)]
#[test]
fn the_history_is_private_to_its_user() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("heygen-tray").join("history.sqlite3");
    let (h, _) = History::open(&path).unwrap();
    h.record("a", t(0), 1.0, "usd").unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    assert_eq!(mode(&path), 0o600);
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600);
    }
}

#[test]
fn compaction_keeps_totals_and_last_figures() {
    let dir = tempfile::tempdir().unwrap();
    let h = open(&dir);
    let now = t(400 * 86_400);
    // 400 days of half-hourly samples, draining and topping up.
    let mut v = 100.0;
    let mut at = t(0);
    let mut n = 0;
    while at < now {
        v -= 1.5;
        if v < 5.0 {
            v += 200.0;
        }
        h.record("a", at, v, "usd").unwrap();
        at += Duration::minutes(30);
        n += 1;
    }
    let before = h.samples(Some("a"), None).unwrap();
    assert_eq!(before.len(), n);
    let total = |s: &[Sample], from: DateTime<Utc>| -> (f64, f64) {
        s.iter().filter(|x| x.at >= from).fold((0.0, 0.0), |(a, b), x| (a + x.spent, b + x.added))
    };
    let removed = h.compact(now).unwrap();
    let after = h.samples(Some("a"), None).unwrap();
    assert_eq!(after.len(), before.len() - removed);
    // 35 days daily, 335 days hourly, the last 30 days raw.
    assert_eq!(after.len(), 35 + 335 * 24 + 30 * 48 + 2, "{} rows left of {}", after.len(), before.len());
    let (s0, a0) = total(&before, t(0));
    let (s1, a1) = total(&after, t(0));
    assert!((s0 - s1).abs() < 1e-6 && (a0 - a1).abs() < 1e-6, "spent {s0} vs {s1}, added {a0} vs {a1}");
    // Totals from a bucket boundary onwards stay exact too.
    let day = t(100 * 86_400);
    let from = Utc.timestamp_opt(day.timestamp() / 86_400 * 86_400, 0).unwrap();
    assert!((total(&before, from).0 - total(&after, from).0).abs() < 1e-6);
    assert_eq!(after.last().unwrap().remaining, before.last().unwrap().remaining);
    // Recent rows are untouched; compacting again changes nothing.
    let recent = now - Duration::days(29);
    assert_eq!(before.iter().filter(|x| x.at >= recent).count(), after.iter().filter(|x| x.at >= recent).count());
    assert_eq!(h.compact(now).unwrap(), 0);
}
