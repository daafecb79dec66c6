//! A runaway-spend alert: a render loop that burns through a wallet in minutes. The
//! recent pace is compared with the usual one (the median hourly spend of the past
//! week's watched hours); when it is far above it (5× by default) and the amount is
//! not trivial (a floor in money or credits, or a quarter of what the account had), one
//! notification per episode. Re-armed once the pace is back to normal. Too little
//! history says nothing. Pure: samples, the account's memory and the clock go in.
//!
//! "Recent" follows the polls actually taken: the samples of the last 10 minutes, and
//! at least the last two (so a fixed interval of 5 or 30 minutes, or an account polled
//! seldom because it was quiet, sees a spike at the second poll after it began). The
//! history writes a figure only when it changes (or hourly), so the spend of a sample
//! is counted from at most one poll interval before it ([`Rule::longest_gap`]): the
//! poll before saw the old figure. The pace runs up to now, the time of the poll, and
//! the poll before the latest must have seen it too: one large job is no runaway.

use super::{Alert, AlertKind, AlertMemory};
use crate::history::Sample;
use crate::settings::{Settings, SPIKE_FACTOR, SPIKE_FLOOR_CREDITS, SPIKE_FLOOR_USD};
use chrono::{DateTime, Duration, Utc};

/// The recent window.
pub const RECENT: Duration = Duration::minutes(10);
/// The past the usual pace is measured over.
pub const USUAL: Duration = Duration::days(7);
/// Watched hours needed before the usual pace means anything.
const MIN_HOURS: usize = 12;

/// Recent samples needed at least, however far apart the polls are.
const MIN_RECENT: usize = 2;

/// What counts as a spike (the settings file's `spike_factor`, `spike_floor_usd`,
/// `spike_floor_credits`), and the longest time between two polls (the fixed interval,
/// or automatic polling's slowest).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    pub factor: f64,
    pub floor_usd: f64,
    pub floor_credits: f64,
    pub longest_gap: Duration,
}

impl Default for Rule {
    fn default() -> Self {
        let slowest = Duration::from_std(crate::poller::adaptive::SLOWEST).unwrap_or(Duration::minutes(30));
        Rule { factor: SPIKE_FACTOR, floor_usd: SPIKE_FLOOR_USD, floor_credits: SPIKE_FLOOR_CREDITS, longest_gap: slowest }
    }
}

impl Settings {
    /// The spike rule, with values from a hand-edited file kept sensible (a factor of at
    /// least 1.5, floors not negative).
    pub fn spike_rule(&self) -> Rule {
        let d = Rule::default();
        let ok = |v: f64, min: f64, def: f64| if v.is_finite() && v >= min { v } else { def };
        Rule {
            factor: ok(self.spike_factor, 1.5, d.factor),
            floor_usd: ok(self.spike_floor_usd, 0.0, d.floor_usd),
            floor_credits: ok(self.spike_floor_credits, 0.0, d.floor_credits),
            longest_gap: match self.polling() {
                crate::settings::Polling::Automatic => d.longest_gap,
                crate::settings::Polling::Fixed(every) => chrono::Duration::from_std(every).unwrap_or(d.longest_gap),
            },
        }
    }
}

/// A spike seen now.
#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    pub spent: f64,
    pub minutes: f64,
    /// How many times the usual pace; `None` when the usual pace is nothing at all.
    pub times: Option<f64>,
    pub unit: String,
}

/// Whether the account's recent samples (oldest first, its latest unit) are a spike.
pub fn detect(samples: &[Sample], now: DateTime<Utc>, rule: &Rule) -> Option<Burst> {
    let unit = samples.last()?.unit.clone();
    let same: Vec<&Sample> = samples.iter().filter(|s| s.unit == unit && s.at <= now && s.at >= now - USUAL).collect();
    let in_window = same.iter().rev().take_while(|s| s.at > now - RECENT).count();
    let n = in_window.max(MIN_RECENT);
    // The recent samples, and the one before them (where their spend starts).
    let before = *same.len().checked_sub(n + 1).and_then(|i| same.get(i))?;
    let recent = &same[same.len() - n..];
    let last = recent.last()?;
    let spent: f64 = recent.iter().map(|s| s.spent).sum();
    let floor = if unit == "usd" { rule.floor_usd } else { rule.floor_credits };
    // Not trivial: at least the floor, or a quarter of what the account had.
    let had = last.remaining.max(0.0) + spent;
    if spent <= 0.0 || (spent < floor && spent < 0.25 * had) {
        return None;
    }
    let first = before.at.max(recent[0].at - rule.longest_gap.max(Duration::minutes(1)));
    // Up to now (a poll's time): a figure unchanged since the last sample spent nothing more.
    let minutes = ((now - first).num_seconds() as f64 / 60.0).max(1.0);
    let usual = usual_hourly(&same, first)?;
    let hourly = spent / minutes * 60.0;
    if usual > 0.0 && hourly < rule.factor * usual {
        return None;
    }
    // Going on for two polls at least: the poll before the latest saw the pace too
    // (one large job after a quiet spell is no runaway).
    let [prev, penultimate, _] = same[same.len() - 3..] else { return None };
    let since = prev.at.max(penultimate.at - rule.longest_gap.max(Duration::minutes(1)));
    let penultimate_hourly = penultimate.spent / ((penultimate.at - since).num_seconds() as f64 / 60.0).max(1.0) * 60.0;
    if penultimate.spent <= 0.0 || (usual > 0.0 && penultimate_hourly < rule.factor * usual) {
        return None;
    }
    Some(Burst { spent, minutes, times: (usual > 0.0).then(|| hourly / usual), unit })
}

/// The median spend of the watched hours before `until` (an hour with a sample is
/// watched); `None` with fewer than [`MIN_HOURS`] of them.
fn usual_hourly(samples: &[&Sample], until: DateTime<Utc>) -> Option<f64> {
    let mut hours: std::collections::BTreeMap<i64, f64> = Default::default();
    for s in samples.iter().filter(|s| s.at <= until) {
        *hours.entry(s.at.timestamp().div_euclid(3600)).or_default() += s.spent;
    }
    if hours.len() < MIN_HOURS {
        return None;
    }
    let mut v: Vec<f64> = hours.into_values().collect();
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// The alert to send for this account now (from [`detect`]'s answer), and its memory:
/// one per episode, re-armed when the recent pace is no spike any more. It is marked
/// sent by the caller once delivered; while `paused` nothing is sent.
pub fn decide(name: &str, burst: Option<&Burst>, memory: &AlertMemory, paused: bool) -> (Option<Alert>, AlertMemory) {
    let mut memory = memory.clone();
    let Some(burst) = burst else {
        memory.spike_sent = false;
        return (None, memory);
    };
    if memory.spike_sent || paused {
        return (None, memory);
    }
    let amount = crate::spend::amount(burst.spent, &burst.unit);
    let pace = match burst.times {
        Some(t) => format!("about {}× the usual pace", t.round().max(2.0)),
        None => "where it usually spends nothing".into(),
    };
    let alert = Alert {
        account: name.into(),
        kind: AlertKind::Spike,
        summary: format!("Spending spike on {name}"),
        body: format!(
            "{amount} in the last {} min, {pace}. If a script or batch is looping, stop it; see the spending in HeyGen.",
            burst.minutes.round().max(1.0)
        ),
    };
    (Some(alert), memory)
}

#[cfg(test)]
#[path = "spike_tests.rs"]
mod tests;
