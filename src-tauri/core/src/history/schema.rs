//! The history schema and its migrations, by `PRAGMA user_version`.
//!
//! - v1: `samples(account, at, remaining, unit)`
//! - v2: adds `spent` and `added` (what changed since the previous row), filled in
//!   from the v1 rows
//! - v3: adds `resolution` (0 raw, 3600 hourly, 86400 daily) and an index

use rusqlite::Connection;

pub const CURRENT_VERSION: i64 = 3;

const V1: &str = "CREATE TABLE samples (account TEXT NOT NULL, at INTEGER NOT NULL, remaining REAL NOT NULL, unit TEXT NOT NULL);";

const V2: &str = "
ALTER TABLE samples ADD COLUMN spent REAL NOT NULL DEFAULT 0;
ALTER TABLE samples ADD COLUMN added REAL NOT NULL DEFAULT 0;
UPDATE samples SET
  spent = MAX(0, COALESCE((SELECT p.remaining FROM samples p WHERE p.account = samples.account AND p.unit = samples.unit
            AND (p.at < samples.at OR (p.at = samples.at AND p.rowid < samples.rowid)) ORDER BY p.at DESC, p.rowid DESC LIMIT 1), remaining) - remaining),
  added = MAX(0, remaining - COALESCE((SELECT p.remaining FROM samples p WHERE p.account = samples.account AND p.unit = samples.unit
            AND (p.at < samples.at OR (p.at = samples.at AND p.rowid < samples.rowid)) ORDER BY p.at DESC, p.rowid DESC LIMIT 1), remaining));
";

const V3: &str = "
ALTER TABLE samples ADD COLUMN resolution INTEGER NOT NULL DEFAULT 0;
CREATE INDEX samples_account_at ON samples(account, at);
";

/// The SQL that brings a database from version `i` to `i + 1`.
pub const MIGRATIONS: [&str; 3] = [V1, V2, V3];

/// Refuses a database written by a newer version (its schema is unknown here).
pub fn check_known(conn: &Connection) -> rusqlite::Result<i64> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > CURRENT_VERSION {
        return Err(newer(version));
    }
    Ok(version)
}

/// The error for a database of schema `version`, newer than this program knows.
pub fn newer(version: i64) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISMATCH),
        Some(format!(
            "written by a newer version of heygen-tray (schema {version}, this one knows {CURRENT_VERSION}); it is left untouched: update heygen-tray"
        )),
    )
}

/// Migrates to [`CURRENT_VERSION`] in one immediate transaction: the version is read
/// under the write lock, so processes opening the database at once migrate it once.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    if check_known(conn)? == CURRENT_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version = check_known(&tx)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    tx.commit()
}
