//! Compaction in small steps: old rows are merged hourly after 30 days and daily after
//! a year, account by account, a bounded number of rows per step, each step its own
//! short transaction. Every step reads a range of one account through the
//! `(account, at)` index, so a year of raw rows never means a scan per bucket, and
//! the app records and reads between steps. Each merged row keeps the last figure of
//! its bucket and the sums of what was spent and added, so totals over any span of
//! whole buckets are unchanged.

use super::{History, HistoryError, DAILY_AFTER_DAYS, HOURLY_AFTER_DAYS};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

/// The bucket sizes, coarsest first, with how old a row must be to go into one.
fn buckets(now: DateTime<Utc>) -> [(i64, i64); 2] {
    [(86_400, now.timestamp() - DAILY_AFTER_DAYS * 86_400), (3600, now.timestamp() - HOURLY_AFTER_DAYS * 86_400)]
}

/// Where a compaction has got to.
#[derive(Debug, Clone)]
pub struct Compaction {
    now: DateTime<Utc>,
    /// The account being compacted, the bucket size, and the time from which its rows
    /// may still need merging.
    at: Option<(String, usize, i64)>,
    /// The last account finished.
    after: Option<String>,
    pub removed: usize,
}

struct Row {
    at: i64,
    remaining: f64,
    unit: String,
    spent: f64,
    added: f64,
}

impl Compaction {
    pub fn new(now: DateTime<Utc>) -> Compaction {
        Compaction { now, at: None, after: None, removed: 0 }
    }

    /// Merges at most about `max_rows` rows of one account; false once every account
    /// is done.
    pub fn step(&mut self, h: &History, max_rows: usize) -> Result<bool, HistoryError> {
        let max_rows = max_rows.max(2);
        loop {
            let (account, size, from) = match self.at.take() {
                Some(at) => at,
                None => match next_account(h, self.after.as_deref())? {
                    Some(a) => (a, 0, i64::MIN),
                    None => return Ok(false),
                },
            };
            let Some(&(bucket, older_than)) = buckets(self.now).get(size) else {
                self.after = Some(account);
                continue;
            };
            let first: Option<i64> = h
                .conn
                .query_row(
                    "SELECT at FROM samples WHERE account = ?1 AND at >= ?2 AND at < ?3 AND resolution < ?4 ORDER BY at LIMIT 1",
                    params![account, from, older_than, bucket],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| h.err(e))?;
            let Some(first) = first else {
                self.at = Some((account, size + 1, i64::MIN));
                continue;
            };
            let start = first.div_euclid(bucket) * bucket;
            let end = merge(h, &account, start, bucket, older_than, max_rows, &mut self.removed)?;
            self.at = Some((account, size, end));
            return Ok(true);
        }
    }
}

/// The first account after `after` (in the index's order).
fn next_account(h: &History, after: Option<&str>) -> Result<Option<String>, HistoryError> {
    let sql = match after {
        Some(_) => "SELECT MIN(account) FROM samples WHERE account > ?1",
        None => "SELECT MIN(account) FROM samples WHERE ?1 IS NULL",
    };
    h.conn.query_row(sql, params![after], |r| r.get(0)).map_err(|e| h.err(e))
}

/// Rows of one account not yet merged into buckets of `bucket` seconds, in
/// `[from, to)`, oldest first; at most `limit` (-1: all).
fn unmerged(h: &History, account: &str, from: i64, to: i64, bucket: i64, limit: i64) -> Result<Vec<Row>, HistoryError> {
    let mut stmt = h
        .conn
        .prepare_cached(
            "SELECT at, remaining, unit, spent, added FROM samples
             WHERE account = ?1 AND at >= ?2 AND at < ?3 AND resolution < ?4 ORDER BY at, rowid LIMIT ?5",
        )
        .map_err(|e| h.err(e))?;
    let rows = stmt
        .query_map(params![account, from, to, bucket, limit], |r| {
            Ok(Row { at: r.get(0)?, remaining: r.get(1)?, unit: r.get(2)?, spent: r.get(3)?, added: r.get(4)? })
        })
        .map_err(|e| h.err(e))?;
    rows.collect::<Result<_, _>>().map_err(|e| h.err(e))
}

/// Merges whole buckets of `bucket` seconds from `start` on, about `max_rows` rows,
/// in one transaction. Returns where the next step starts.
fn merge(
    h: &History,
    account: &str,
    start: i64,
    bucket: i64,
    older_than: i64,
    max_rows: usize,
    removed: &mut usize,
) -> Result<i64, HistoryError> {
    let tx = rusqlite::Transaction::new_unchecked(&h.conn, rusqlite::TransactionBehavior::Immediate).map_err(|e| h.err(e))?;
    let mut rows = unmerged(h, account, start, older_than, bucket, max_rows as i64 + 1)?;
    let last = rows.last().map_or(start, |r| r.at);
    let end = if rows.len() <= max_rows {
        last + 1
    } else if last.div_euclid(bucket) * bucket > start {
        // The last bucket may go on past the limit: it waits for the next step.
        last.div_euclid(bucket) * bucket
    } else {
        // One bucket holds more rows than a step: it is merged whole.
        let end = (start + bucket).min(older_than);
        rows = unmerged(h, account, start, end, bucket, -1)?;
        end
    };
    rows.retain(|r| r.at < end);
    let mut merged: Vec<(i64, Row)> = Vec::new();
    for r in rows {
        let b = r.at.div_euclid(bucket);
        match merged.iter_mut().find(|(mb, m)| *mb == b && m.unit == r.unit) {
            Some((_, m)) => {
                m.spent += r.spent;
                m.added += r.added;
                (m.at, m.remaining) = (r.at, r.remaining);
            }
            None => merged.push((b, r)),
        }
    }
    let err = |e| h.err(e);
    let deleted = tx
        .execute(
            "DELETE FROM samples WHERE account = ?1 AND at >= ?2 AND at < ?3 AND resolution < ?4",
            params![account, start, end, bucket],
        )
        .map_err(err)?;
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO samples (account, at, remaining, unit, spent, added, resolution) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(err)?;
        for (_, m) in &merged {
            insert.execute(params![account, m.at, m.remaining, m.unit, m.spent, m.added, bucket]).map_err(err)?;
        }
    }
    tx.commit().map_err(err)?;
    *removed += deleted.saturating_sub(merged.len());
    Ok(end)
}

impl History {
    /// Compacts everything now, in steps (see [`Compaction`]). Returns rows removed.
    pub fn compact(&self, now: DateTime<Utc>) -> Result<usize, HistoryError> {
        let mut c = Compaction::new(now);
        while c.step(self, 5000)? {}
        Ok(c.removed)
    }
}
