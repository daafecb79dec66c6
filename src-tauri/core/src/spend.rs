//! Spend totals from the history the app keeps: what each account spent today, in the
//! last 7 days and this calendar month, with top-ups counted apart, in the account's own
//! unit. Time the app did not watch is said, not guessed: a period that began before
//! the history did, or holds a gap longer than [`crate::forecast::GAP`], says how long
//! it went unwatched. Pure: samples and the clock go in.

use crate::billing::format;
use crate::forecast::GAP;
use crate::history::Sample;
use chrono::{DateTime, Datelike, Duration, Local, NaiveTime, TimeZone, Utc};
use serde::Serialize;

/// One period's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    /// Where the period starts (local midnight, 7 days ago, the 1st of the month).
    pub since: DateTime<Utc>,
    pub spent: f64,
    pub topped_up: f64,
    /// Seconds of the period the app did not watch (before the first sample, or gaps).
    pub unwatched_secs: i64,
    /// Seconds of the period the app watched, up to when the totals were made (not in
    /// `spend --json`, which keeps its fields).
    #[serde(skip)]
    pub watched_secs: i64,
}

/// An account's totals, in its unit (`usd` or `credits`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    pub unit: String,
    pub today: Period,
    pub last_7_days: Period,
    pub this_month: Period,
}

/// Where each period starts, in the local time zone.
pub fn starts(now: DateTime<Utc>) -> [DateTime<Utc>; 3] {
    let local = now.with_timezone(&Local);
    let midnight = |d: chrono::NaiveDate| Local.from_local_datetime(&d.and_time(NaiveTime::MIN)).earliest().map(|t| t.with_timezone(&Utc));
    let today = midnight(local.date_naive()).unwrap_or(now - Duration::days(1));
    let month = local.date_naive().with_day(1).and_then(midnight).unwrap_or(now - Duration::days(30));
    [today, now - Duration::days(7), month]
}

/// The totals of one account's samples (oldest first; other units are left out), or
/// `None` without any sample in its latest unit.
pub fn totals(samples: &[Sample], now: DateTime<Utc>) -> Option<Totals> {
    let unit = samples.last()?.unit.clone();
    let same: Vec<&Sample> = samples.iter().filter(|s| s.unit == unit && s.at <= now).collect();
    let [today, week, month] = starts(now);
    Some(Totals { today: period(&same, today, now), last_7_days: period(&same, week, now), this_month: period(&same, month, now), unit })
}

/// A sample's spend counts in the period it was seen in. A sample after a gap carries
/// what was spent while nobody watched: it still counts (the money is gone), and the gap
/// is reported.
fn period(samples: &[&Sample], since: DateTime<Utc>, now: DateTime<Utc>) -> Period {
    let mut p = Period { since, spent: 0.0, topped_up: 0.0, unwatched_secs: 0, watched_secs: 0 };
    let mut before: Option<DateTime<Utc>> = samples.iter().rev().find(|s| s.at < since).map(|s| s.at);
    let mut seen = false;
    for s in samples.iter().filter(|s| s.at >= since && s.at <= now) {
        seen = true;
        match before {
            Some(prev) if s.at - prev > GAP => p.unwatched_secs += (s.at - prev.max(since)).num_seconds(),
            // The history starts inside the period: what came before was not watched.
            None => p.unwatched_secs += (s.at - since).num_seconds(),
            _ => {}
        }
        // The first sample of all has nothing before it to have spent from.
        if before.is_some() {
            p.spent += s.spent;
            p.topped_up += s.added;
        }
        before = Some(s.at);
    }
    let last = if seen { before } else { before.filter(|b| *b >= since - GAP) };
    match last {
        Some(l) if now - l > GAP => p.unwatched_secs += (now - l.max(since)).num_seconds(),
        None => p.unwatched_secs = (now - since).num_seconds(),
        _ => {}
    }
    p.watched_secs = ((now - since).num_seconds() - p.unwatched_secs).max(0);
    p
}

/// Sums accounts of one unit (a period's unwatched time is the longest of theirs).
pub fn sum(all: &[&Totals]) -> Option<Totals> {
    let first = all.first()?;
    let add = |f: fn(&Totals) -> &Period| {
        let mut p = f(first).clone();
        for t in &all[1..] {
            let q = f(t);
            p.spent += q.spent;
            p.topped_up += q.topped_up;
            p.unwatched_secs = p.unwatched_secs.max(q.unwatched_secs);
            p.watched_secs = p.watched_secs.min(q.watched_secs);
        }
        p
    };
    Some(Totals {
        unit: first.unit.clone(),
        today: add(|t| &t.today),
        last_7_days: add(|t| &t.last_7_days),
        this_month: add(|t| &t.this_month),
    })
}

/// `$23.40` or `1,250 credits`.
pub fn amount(value: f64, unit: &str) -> String {
    if unit == "usd" {
        format::usd(value)
    } else {
        format::credits(value)
    }
}

/// "spent $23.40 · topped up $50.00"; when an hour or more of the period went
/// unwatched (a new account, a gap), how long it was watched: "watched for 2 min:
/// spent $0.00". What was watched is said, not what was not.
pub fn words(p: &Period, unit: &str) -> String {
    let mut s = format!("spent {}", amount(p.spent, unit));
    if p.topped_up > 0.0 {
        s.push_str(&format!(" · topped up {}", amount(p.topped_up, unit)));
    }
    if p.unwatched_secs >= 3600 {
        return format!("watched for {}: {s}", span(p.watched_secs));
    }
    s
}

/// "Today: spent $3.20 · 7 days: spent $21.00 · This month: spent $80.00 · topped up $50.00".
pub fn line(t: &Totals) -> String {
    format!(
        "Today: {} · 7 days: {} · This month: {}",
        words(&t.today, &t.unit),
        words(&t.last_7_days, &t.unit),
        words(&t.this_month, &t.unit)
    )
}

fn span(secs: i64) -> String {
    let hours = secs as f64 / 3600.0;
    if secs < 60 {
        "under a minute".into()
    } else if secs < 3600 - 30 {
        format!("{} min", (secs as f64 / 60.0).round())
    } else if hours < 36.0 {
        let h = hours.round() as i64;
        if h == 1 {
            "an hour".into()
        } else {
            format!("{h} hours")
        }
    } else {
        let d = (hours / 24.0).round() as i64;
        format!("{d} days")
    }
}

#[cfg(test)]
mod tests;
