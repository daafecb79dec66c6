//! Each account's figures over time, in an embedded SQLite database in the platform's
//! data directory: a row when the figure changes plus an hourly heartbeat, never a
//! row per unchanged poll. Every row carries what was spent and what was added since
//! the previous one, so compaction (hourly after 30 days, daily after a year) keeps
//! totals exact and top-ups stay visible. No secret is stored here.
//!
//! Only a corrupt database is moved aside and a new one started, with a notice; a
//! busy one is waited for, a newer one refused untouched. Callers keep working
//! without history when it cannot be opened. The tray, its windows and the CLI may
//! open it at once: creation and migration run in one immediate transaction.

mod compact;
mod schema;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub use compact::Compaction;
pub use schema::CURRENT_VERSION;

/// An unchanged figure is written again after this long, so gaps can be told apart.
pub const HEARTBEAT_SECS: i64 = 3600;
pub const HOURLY_AFTER_DAYS: i64 = 30;
pub const DAILY_AFTER_DAYS: i64 = 365;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    pub account: String,
    pub at: DateTime<Utc>,
    pub remaining: f64,
    pub unit: String,
    /// Consumed since the previous sample (a fall in `remaining`).
    pub spent: f64,
    /// Topped up since the previous sample (a rise in `remaining`).
    pub added: f64,
}

/// A chart's data (see [`History::chart`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    pub unit: Option<String>,
    pub points: Vec<ChartPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartPoint {
    pub at: DateTime<Utc>,
    pub remaining: f64,
    pub added: f64,
}

pub struct History {
    conn: Connection,
    path: PathBuf,
    /// The file opened (device, inode), to notice one deleted or replaced since.
    identity: Option<(u64, u64)>,
}

#[derive(Debug, thiserror::Error)]
#[error("history database {path}: {source}")]
pub struct HistoryError {
    pub path: PathBuf,
    #[source]
    pub source: rusqlite::Error,
}

impl History {
    /// `$XDG_DATA_HOME/heygen-tray/history.sqlite3` (or the platform's equivalent).
    pub fn default_path() -> PathBuf {
        dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("heygen-tray").join("history.sqlite3")
    }

    /// Opens for recording (creating and migrating as needed; the folder 0700, the file
    /// 0600). Only a database that SQLite finds corrupt, or that is not a database at
    /// all, is moved aside as `history.sqlite3.bad-<time>` and a new one started; the
    /// notice says so. A busy database is waited for (up to [`BUSY_TIMEOUT`]); a
    /// newer schema, a full disk or any other error is reported and the file left as it is.
    pub fn open(path: &Path) -> Result<(History, Option<String>), HistoryError> {
        let err = |source| HistoryError { path: path.to_path_buf(), source };
        create_private(path).map_err(|e| err(io_error(e)))?;
        match Self::open_checked(path, false) {
            Ok(h) => Ok((h, None)),
            Err(first) if first.is_corrupt() => {
                let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
                let aside =
                    path.with_file_name(format!("{}.bad-{stamp}", path.file_name().and_then(|n| n.to_str()).unwrap_or("history.sqlite3")));
                std::fs::rename(path, &aside).map_err(|e| err(io_error(e)))?;
                for ext in ["-wal", "-shm", "-journal"] {
                    let side = PathBuf::from(format!("{}{ext}", path.display()));
                    let _ = std::fs::rename(&side, PathBuf::from(format!("{}{ext}", aside.display())));
                }
                let notice = format!(
                    "The history database {} was damaged ({}); it was kept as {} and a new history was started.",
                    path.display(),
                    first.source,
                    aside.display()
                );
                tracing::warn!("{notice}");
                create_private(path).map_err(|e| err(io_error(e)))?;
                Ok((Self::open_checked(path, false)?, Some(notice)))
            }
            Err(e) => Err(e),
        }
    }

    /// Opens an existing database to read it (an export): nothing is created,
    /// migrated, moved or written. A schema this version does not know is refused.
    pub fn open_read_only(path: &Path) -> Result<History, HistoryError> {
        Self::open_checked(path, true)
    }

    /// Refuses a file whose header says a newer version wrote it, before SQLite opens
    /// it (opening would add its `-wal` and `-shm` files beside it).
    fn refuse_newer(path: &Path) -> Result<(), HistoryError> {
        use std::io::Read;
        let mut header = [0u8; 64];
        let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header));
        if read.is_ok() && header.starts_with(b"SQLite format 3\0") {
            let version = i64::from(i32::from_be_bytes([header[60], header[61], header[62], header[63]]));
            if version > CURRENT_VERSION {
                return Err(HistoryError { path: path.to_path_buf(), source: schema::newer(version) });
            }
        }
        Ok(())
    }

    fn open_checked(path: &Path, read_only: bool) -> Result<History, HistoryError> {
        use rusqlite::OpenFlags;
        Self::refuse_newer(path)?;
        let err = |source| HistoryError { path: path.to_path_buf(), source };
        let flags = if read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        let mut conn = Connection::open_with_flags(path, flags).map_err(err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        let ok: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(err)?;
        if ok != "ok" {
            return Err(err(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT), Some(ok))));
        }
        if read_only {
            schema::check_known(&conn).map_err(err)?;
        } else {
            // WAL lets the tray, a window and the CLI read while one writes. Setting it
            // needs a moment alone with the file: retried while another opener has it.
            retry_busy(|| conn.pragma_update(None, "journal_mode", "WAL")).map_err(err)?;
            conn.pragma_update(None, "synchronous", "NORMAL").map_err(err)?;
            schema::migrate(&mut conn).map_err(err)?;
        }
        Ok(History { conn, path: path.to_path_buf(), identity: identity(path) })
    }

    /// The file at the path is no longer the one open (deleted, or replaced by another):
    /// rows written here would be lost, so the owner opens the path again.
    pub fn is_replaced(&self) -> bool {
        self.identity.is_some() && identity(&self.path) != self.identity
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> HistoryError {
        HistoryError { path: self.path.clone(), source }
    }

    /// Records a figure if it changed, or if the last row is older than the heartbeat.
    /// Returns whether a row was written.
    pub fn record(&self, account: &str, at: DateTime<Utc>, remaining: f64, unit: &str) -> Result<bool, HistoryError> {
        // Read and write under the write lock: processes recording at once see each
        // other's rows, so one unchanged figure is one row.
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate).map_err(|e| self.err(e))?;
        let last: Option<(i64, f64, String)> = tx
            .query_row(
                "SELECT at, remaining, unit FROM samples WHERE account = ?1 ORDER BY at DESC, rowid DESC LIMIT 1",
                params![account],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let (spent, added) = match &last {
            Some((last_at, last_remaining, last_unit)) if last_unit == unit => {
                let unchanged = (remaining - last_remaining).abs() < 1e-9;
                if unchanged && at.timestamp() - last_at < HEARTBEAT_SECS {
                    return Ok(false);
                }
                let delta = remaining - last_remaining;
                if delta < 0.0 {
                    (-delta, 0.0)
                } else {
                    (0.0, delta)
                }
            }
            _ => (0.0, 0.0),
        };
        tx.execute(
            "INSERT INTO samples (account, at, remaining, unit, spent, added, resolution) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
            params![account, at.timestamp(), remaining, unit, spent, added],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(true)
    }

    /// Everything each account spent and was topped up with since its history began,
    /// per unit: `(account, unit, spent, topped_up)`, for counters (`/metrics`).
    pub fn lifetime_totals(&self) -> Result<Vec<(String, String, f64, f64)>, HistoryError> {
        let mut q = self
            .conn
            .prepare_cached("SELECT account, unit, TOTAL(spent), TOTAL(added) FROM samples GROUP BY account, unit ORDER BY account, unit")
            .map_err(|e| self.err(e))?;
        let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Samples of one account (or all with `None`) since `since`, oldest first.
    pub fn samples(&self, account: Option<&str>, since: Option<DateTime<Utc>>) -> Result<Vec<Sample>, HistoryError> {
        let mut out = Vec::new();
        self.each_sample(account, since, |s| {
            out.push(s);
            Ok::<(), HistoryError>(())
        })?;
        Ok(out)
    }

    /// Hands each sample to `f` as it is read, oldest first per account, so an export
    /// of any size needs no more memory than one row. One account's rows are read
    /// through the `(account, at)` index. An error from `f` ends the reading.
    pub fn each_sample<E: From<HistoryError>>(
        &self,
        account: Option<&str>,
        since: Option<DateTime<Utc>>,
        mut f: impl FnMut(Sample) -> Result<(), E>,
    ) -> Result<(), E> {
        let since = since.map_or(i64::MIN, |t| t.timestamp());
        let sql = match account {
            Some(_) => "SELECT account, at, remaining, unit, spent, added FROM samples WHERE account = ?1 AND at >= ?2 ORDER BY at, rowid",
            None => {
                "SELECT account, at, remaining, unit, spent, added FROM samples WHERE ?1 IS NULL AND at >= ?2 ORDER BY account, at, rowid"
            }
        };
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let mut rows = stmt.query(params![account, since]).map_err(|e| self.err(e))?;
        let sample = |r: &rusqlite::Row| -> rusqlite::Result<Sample> {
            Ok(Sample {
                account: r.get(0)?,
                at: Utc.timestamp_opt(r.get(1)?, 0).single().unwrap_or_default(),
                remaining: r.get(2)?,
                unit: r.get(3)?,
                spent: r.get(4)?,
                added: r.get(5)?,
            })
        };
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            f(sample(r).map_err(|e| self.err(e))?)?;
        }
        Ok(())
    }

    /// What a chart of one account since `since` draws, at most about `points` points:
    /// the figures in its latest unit, the last of each equal slice of time, with the
    /// top-ups of the slice added up. Read through the index, so it costs the same
    /// with a year of history as with a day.
    pub fn chart(&self, account: &str, since: DateTime<Utc>, now: DateTime<Utc>, points: u32) -> Result<Chart, HistoryError> {
        let unit: Option<String> = self
            .conn
            .query_row("SELECT unit FROM samples WHERE account = ?1 ORDER BY at DESC, rowid DESC LIMIT 1", params![account], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(unit) = unit else { return Ok(Chart { unit: None, points: Vec::new() }) };
        let slice = ((now - since).num_seconds() / i64::from(points.max(1))).max(1);
        let mut stmt = self
            .conn
            .prepare_cached(
                // The last row of each slice (rows of the same second in the order
                // written), with the slice's top-ups summed.
                "SELECT at, remaining, added FROM (
                   SELECT at, remaining, SUM(added) OVER (PARTITION BY at / ?4) AS added,
                          ROW_NUMBER() OVER (PARTITION BY at / ?4 ORDER BY at DESC, rowid DESC) AS n
                   FROM samples WHERE account = ?1 AND at >= ?2 AND unit = ?3)
                 WHERE n = 1 ORDER BY at",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![account, since.timestamp(), unit, slice], |r| {
                Ok(ChartPoint { at: Utc.timestamp_opt(r.get(0)?, 0).single().unwrap_or_default(), remaining: r.get(1)?, added: r.get(2)? })
            })
            .map_err(|e| self.err(e))?;
        let points = rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?;
        Ok(Chart { unit: Some(unit), points })
    }

    /// Appends samples as they are, in one transaction (an import, or a made-up
    /// history for tests and benchmarks); no figure is compared or merged.
    pub fn append(&self, samples: &[Sample]) -> Result<(), HistoryError> {
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate).map_err(|e| self.err(e))?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO samples (account, at, remaining, unit, spent, added, resolution) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
                )
                .map_err(|e| self.err(e))?;
            for s in samples {
                insert.execute(params![s.account, s.at.timestamp(), s.remaining, s.unit, s.spent, s.added]).map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// Records a snapshot's figures if its latest fetch succeeded.
    pub fn record_snapshot(&self, snap: &crate::snapshot::AccountSnapshot) -> Result<bool, HistoryError> {
        match (&snap.summary, snap.fetched_at, &snap.error) {
            (Some(s), Some(at), None) => match (s.remaining, s.unit) {
                (Some(remaining), Some(unit)) => self.record(&snap.name, at, remaining, unit.as_str()),
                _ => Ok(false),
            },
            _ => Ok(false),
        }
    }

    /// Forgets an account (when it is removed).
    pub fn forget(&self, account: &str) -> Result<(), HistoryError> {
        self.conn.execute("DELETE FROM samples WHERE account = ?1", params![account]).map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Forgets an account in a transaction left open, for a change across stores:
    /// done by [`Forgetting::commit`], undone when dropped.
    pub fn forgetting(&self, account: &str) -> Result<Forgetting<'_>, HistoryError> {
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate).map_err(|e| self.err(e))?;
        tx.execute("DELETE FROM samples WHERE account = ?1", params![account]).map_err(|e| self.err(e))?;
        Ok(Forgetting { tx, path: &self.path })
    }
}

/// An account's rows deleted, not yet for good (see [`History::forgetting`]).
pub struct Forgetting<'a> {
    tx: rusqlite::Transaction<'a>,
    path: &'a Path,
}

impl Forgetting<'_> {
    pub fn commit(self) -> Result<(), HistoryError> {
        let path = self.path.to_path_buf();
        self.tx.commit().map_err(|source| HistoryError { path, source })
    }
}

impl HistoryError {
    /// The database was written by a newer version (left untouched, history is off).
    pub fn is_newer(&self) -> bool {
        matches!(self.source.sqlite_error_code(), Some(rusqlite::ErrorCode::TypeMismatch))
    }

    /// SQLite says the file is damaged or is not a database: the one case where the
    /// file may be set aside.
    pub fn is_corrupt(&self) -> bool {
        matches!(self.source.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase))
    }
}

/// The file's device and inode (Unix); `None` where there are none to compare.
fn identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// How long an open or a write waits for another process holding the database.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

fn io_error(e: std::io::Error) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN), Some(e.to_string()))
}

/// Runs `f` again while SQLite answers "busy" (some steps, like switching the journal
/// mode, do not wait by themselves), for up to [`BUSY_TIMEOUT`].
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let start = std::time::Instant::now();
    loop {
        match f() {
            Err(e)
                if matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
                    && start.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// The history's folder (0700) and file (0600), made before SQLite opens it so the
/// file is never readable by others, not even for a moment. Existing ones are kept as they are.
/// On Windows both inherit the ACL of the user's profile (%APPDATA%), private already.
fn create_private(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

#[cfg(test)]
mod tests;
