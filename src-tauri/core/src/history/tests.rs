use super::*;
use chrono::Duration;
use std::path::Path;

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
    let aside: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().contains(".bad-")).collect();
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
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
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
    let wal = std::path::PathBuf::from(format!("{}-wal", path.display()));
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

/// A raw sample every `every` seconds over `days` days for `account`, draining and
/// topped up now and then, ending at `end`.
fn raw_year(account: &str, end: DateTime<Utc>, days: i64, every: i64) -> Vec<Sample> {
    let mut out = Vec::new();
    let mut v: f64 = 500.0;
    let mut at = end - Duration::days(days);
    while at < end {
        let before = v;
        v -= 0.25;
        if v < 10.0 {
            v += 400.0;
        }
        let delta = v - before;
        out.push(Sample { account: account.into(), at, remaining: v, unit: "usd".into(), spent: (-delta).max(0.0), added: delta.max(0.0) });
        at += Duration::seconds(every);
    }
    out
}

fn totals(s: &[Sample]) -> (f64, f64) {
    s.iter().fold((0.0, 0.0), |(a, b), x| (a + x.spent, b + x.added))
}

#[test]
fn compaction_in_small_steps_gives_what_one_pass_gives_and_each_step_stays_small() {
    let now = t(400 * 86_400);
    let data: Vec<Sample> = ["a", "b", "c"].iter().flat_map(|n| raw_year(n, now, 400, 1800)).collect();
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (whole, stepped) = (open(&d1), open(&d2));
    whole.append(&data).unwrap();
    stepped.append(&data).unwrap();
    let removed = whole.compact(now).unwrap();
    let mut c = Compaction::new(now);
    let mut steps = 0;
    let mut removed_before = 0;
    while c.step(&stepped, 100).unwrap() {
        steps += 1;
        assert!(c.removed - removed_before <= 100, "one step merged away {} rows", c.removed - removed_before);
        removed_before = c.removed;
    }
    assert_eq!(c.removed, removed);
    assert!(steps > 100, "{steps} steps");
    let (a, b) = (whole.samples(None, None).unwrap(), stepped.samples(None, None).unwrap());
    assert_eq!(a.len(), b.len());
    for name in ["a", "b", "c"] {
        let of = |s: &[Sample]| s.iter().filter(|x| x.account == name).cloned().collect::<Vec<_>>();
        let (raw, got) = (of(&data), of(&b));
        let ((s0, a0), (s1, a1)) = (totals(&raw), totals(&got));
        assert!((s0 - s1).abs() < 1e-6 && (a0 - a1).abs() < 1e-6, "{name}: spent {s0} vs {s1}, added {a0} vs {a1}");
        assert_eq!(got.last().unwrap().remaining, raw.last().unwrap().remaining);
        // 35 days daily, 335 days hourly, the last 30 days raw (and two part-buckets).
        assert_eq!(got.len(), 35 + 335 * 24 + 30 * 48 + 2, "{name}: {} rows left of {}", got.len(), raw.len());
    }
    assert!(!Compaction::new(now).step(&stepped, 100).unwrap(), "nothing left to do");
}

#[test]
fn a_chart_draws_at_most_its_points_and_ends_on_the_latest_figure() {
    let dir = tempfile::tempdir().unwrap();
    let h = open(&dir);
    let now = t(60 * 86_400);
    h.append(&raw_year("a", now, 60, 300)).unwrap();
    h.record("a", now, 123.0, "usd").unwrap();
    let chart = h.chart("a", now - Duration::days(30), now, 300).unwrap();
    assert_eq!(chart.unit.as_deref(), Some("usd"));
    assert!(chart.points.len() <= 301 && chart.points.len() >= 290, "{} points", chart.points.len());
    assert_eq!(chart.points.last().map(|p| p.remaining), Some(123.0));
    assert!(chart.points.windows(2).all(|w| w[0].at < w[1].at));
    assert!(chart.points.first().unwrap().at >= now - Duration::days(30));
    let added: f64 = chart.points.iter().map(|p| p.added).sum();
    let raw_added: f64 = h.samples(Some("a"), Some(now - Duration::days(30))).unwrap().iter().map(|s| s.added).sum();
    assert!((added - raw_added).abs() < 1e-6, "top-ups are summed, not dropped");
    assert_eq!(h.chart("none", now - Duration::days(1), now, 300).unwrap(), Chart { unit: None, points: vec![] });
    // Two figures in the same second (a refresh right after a poll): the later one ends the line.
    h.record("a", now, 120.5, "usd").unwrap();
    let chart = h.chart("a", now - Duration::days(1), now, 300).unwrap();
    assert_eq!(chart.points.last().map(|p| p.remaining), Some(120.5));
}

#[cfg(unix)]
#[test]
fn a_history_file_deleted_or_replaced_while_open_is_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let (h, _) = History::open(&path).unwrap();
    assert!(!h.is_replaced());
    std::fs::remove_file(&path).unwrap();
    assert!(h.is_replaced(), "deleted");
    let (again, _) = History::open(&path).unwrap();
    assert!(!again.is_replaced());
    let other = dir.path().join("other.sqlite3");
    drop(History::open(&other).unwrap());
    std::fs::rename(&other, &path).unwrap();
    assert!(again.is_replaced(), "replaced by another file");
}

#[test]
fn lifetime_totals_sum_spend_and_top_ups_per_account_and_unit() {
    let dir = tempfile::tempdir().unwrap();
    let h = open(&dir);
    for (i, v) in [10.0, 8.0, 5.0, 55.0, 50.0].iter().enumerate() {
        h.record("a", t(i as i64 * 60), *v, "usd").unwrap();
    }
    h.record("b", t(0), 100.0, "credits").unwrap();
    h.record("b", t(60), 90.0, "credits").unwrap();
    let totals = h.lifetime_totals().unwrap();
    assert_eq!(totals, vec![("a".into(), "usd".into(), 10.0, 50.0), ("b".into(), "credits".into(), 10.0, 0.0)]);
}
