//! Burn rate and "runs out in" forecasts from recent history, ignoring top-ups (only
//! what was spent counts) and gaps (time the app was not watching). Too little data
//! says so instead of guessing. Pure: history and the current summary go in.

use crate::billing::{format, Summary, Unit};
use crate::history::Sample;
use chrono::{DateTime, Datelike, Duration, Local, TimeZone, Utc};
use serde::Serialize;

/// Longer than this between two samples is a gap: neither its time nor its spend counts.
pub const GAP: Duration = Duration::hours(6);
/// The window the burn rate is measured over; the last day is also checked so a
/// recent rise in spending shows at once.
pub const WINDOW: Duration = Duration::days(7);
const MIN_OBSERVED: Duration = Duration::hours(2);
const MIN_SAMPLES: usize = 3;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Forecast {
    TooLittleData,
    NoSpending,
    /// Wallets and credits: when the balance reaches zero at the current pace.
    RunsOut { at: DateTime<Utc> },
    /// Subscription credits that last until their reset.
    LastsUntilReset { reset: DateTime<Utc> },
    /// Subscription credits that run out before their reset.
    RunsOutBeforeReset { at: DateTime<Utc>, reset: DateTime<Utc> },
    /// A wallet HeyGen's auto-reload tops up by `amount_usd` about every `every_secs`
    /// (both unknown when HeyGen does not say how much it adds).
    Reloads { amount_usd: Option<f64>, every_secs: Option<f64> },
    /// Usage-based: the projected spend at the end of the month against the cap.
    Projection { projected_usd: f64, cap_usd: f64, period_end: DateTime<Utc>, cap_reached_at: Option<DateTime<Utc>> },
}

impl Forecast {
    /// Days until the money runs out (or the cap is reached), when that is expected.
    pub fn days_left(&self, now: DateTime<Utc>) -> Option<f64> {
        let days = |t: &DateTime<Utc>| (*t - now).num_seconds() as f64 / 86_400.0;
        match self {
            Forecast::RunsOut { at } | Forecast::RunsOutBeforeReset { at, .. } => Some(days(at).max(0.0)),
            Forecast::Projection { cap_reached_at: Some(at), .. } => Some(days(at).max(0.0)),
            _ => None,
        }
    }

    /// "about 4 days left (around Friday)".
    pub fn text(&self, now: DateTime<Utc>) -> String {
        match self {
            Forecast::TooLittleData => "not enough history yet for a forecast".into(),
            Forecast::NoSpending => "no spending in the last 7 days".into(),
            Forecast::RunsOut { at } => left(*at, now),
            Forecast::LastsUntilReset { reset } => format!("should last until the reset on {}", day(*reset)),
            Forecast::Reloads { amount_usd: Some(amount), every_secs: Some(secs) } => {
                format!("auto-reload keeps it funded: about {} {}", format::usd_short(*amount), every(*secs))
            }
            Forecast::Reloads { .. } => "auto-reload keeps it funded".into(),
            Forecast::RunsOutBeforeReset { at, reset } => format!("{}, before the reset on {}", left(*at, now), day(*reset)),
            Forecast::Projection { projected_usd, cap_usd, period_end, cap_reached_at } => {
                let base = format!(
                    "on pace for {} of the {} cap by {}",
                    format::usd(*projected_usd),
                    format::usd_short(*cap_usd),
                    day(*period_end - Duration::seconds(1))
                );
                match cap_reached_at {
                    Some(at) => format!("{base}; cap reached {}", around(*at, now)),
                    None => base,
                }
            }
        }
    }
}

/// "every 3 days", "every day", "every 5 hours", "more than once an hour".
fn every(secs: f64) -> String {
    let hours = secs / 3600.0;
    if hours < 1.0 {
        "more than once an hour".into()
    } else if hours < 1.5 {
        "every hour".into()
    } else if hours < 36.0 {
        format!("every {} hours", hours.round())
    } else if hours < 60.0 {
        "every 2 days".into()
    } else {
        format!("every {} days", (hours / 24.0).round())
    }
}

fn left(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let hours = (at - now).num_minutes() as f64 / 60.0;
    if at <= now {
        "used up — top up to keep making videos".into()
    } else if hours < 1.0 {
        "less than an hour left".into()
    } else if hours < 36.0 {
        format!("about {} hours left ({})", hours.round(), around(at, now))
    } else {
        let days = (hours / 24.0).round();
        format!("about {days} days left ({})", around(at, now))
    }
}

/// "around Friday", "around 12 Dec".
fn around(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Local);
    let today = now.with_timezone(&Local).date_naive();
    let d = local.date_naive();
    if d == today {
        format!("around {}", local.format("%H:%M"))
    } else if d == today.succ_opt().unwrap_or(d) {
        "around tomorrow".into()
    } else if (d - today).num_days() < 7 {
        format!("around {}", local.format("%A"))
    } else {
        format!("around {}", day(at))
    }
}

fn day(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%-d %b").to_string()
}

/// Spend per second over the samples within `window` of `now`, skipping gaps;
/// `None` when there is too little to go on.
pub fn burn_rate(samples: &[Sample], now: DateTime<Utc>, window: Duration) -> Option<f64> {
    let recent: Vec<&Sample> = samples.iter().filter(|s| s.at >= now - window && s.at <= now).collect();
    if recent.len() < MIN_SAMPLES {
        return None;
    }
    let mut observed = Duration::zero();
    let mut spent = 0.0;
    for pair in recent.windows(2) {
        let dt = pair[1].at - pair[0].at;
        if dt > GAP || pair[1].unit != pair[0].unit {
            continue;
        }
        observed += dt;
        spent += pair[1].spent;
    }
    if observed < MIN_OBSERVED {
        return None;
    }
    Some(spent / observed.num_seconds() as f64)
}

/// The forecast for an account from its history and current summary.
pub fn forecast(samples: &[Sample], summary: &Summary, now: DateTime<Utc>) -> Forecast {
    forecast_trusting_reload(samples, summary, now, true)
}

/// As [`forecast`]; with `reload_works` false (auto-reload was seen failing), the
/// money runs out as if auto-reload were off.
pub fn forecast_trusting_reload(samples: &[Sample], summary: &Summary, now: DateTime<Utc>, reload_works: bool) -> Forecast {
    let (Some(remaining), Some(unit)) = (summary.remaining, summary.unit) else {
        return Forecast::TooLittleData;
    };
    let same_unit: Vec<Sample> = samples.iter().filter(|s| s.unit == unit.as_str()).cloned().collect();
    let Some(week) = burn_rate(&same_unit, now, WINDOW) else {
        return Forecast::TooLittleData;
    };
    // A rising spend shows in the last day first: take the faster of the two.
    let rate = burn_rate(&same_unit, now, Duration::days(1)).map_or(week, |day| day.max(week));
    if rate <= 0.0 {
        return Forecast::NoSpending;
    }
    let after = |amount: f64| now + Duration::seconds((amount.max(0.0) / rate).min(1e10) as i64);
    if let (Some(spend), Some(cap)) = (summary.spend.as_ref().and_then(|s| s.current_usd), summary.spend.as_ref().and_then(|s| s.cap_usd)) {
        if unit == Unit::Usd {
            let period_end = month_end(now);
            let projected = spend + rate * (period_end - now).num_seconds() as f64;
            let reached = after(cap - spend);
            return Forecast::Projection {
                projected_usd: projected,
                cap_usd: cap,
                period_end,
                cap_reached_at: (reached < period_end).then_some(reached),
            };
        }
    }
    if let Some((_, amount)) = crate::alerts::reload_of(summary).filter(|_| reload_works) {
        let amount = amount.filter(|a| *a > 0.0);
        return Forecast::Reloads { amount_usd: amount, every_secs: amount.map(|a| a / rate) };
    }
    let at = after(remaining);
    let reset = summary.pools.iter().filter_map(|p| p.resets_at).filter(|r| *r > now).min();
    match reset {
        Some(reset) if summary.billing_type.as_deref() == Some("subscription") => {
            if at < reset {
                Forecast::RunsOutBeforeReset { at, reset }
            } else {
                Forecast::LastsUntilReset { reset }
            }
        }
        _ => Forecast::RunsOut { at },
    }
}

/// Forecasts for every account with figures, from the last [`WINDOW`] of history;
/// `reload_failing` names the accounts whose auto-reload was seen failing.
pub fn for_snapshots(
    history: &crate::history::History,
    snaps: &[crate::snapshot::AccountSnapshot],
    now: DateTime<Utc>,
    reload_failing: impl Fn(&str) -> bool,
) -> std::collections::HashMap<String, Forecast> {
    snaps
        .iter()
        .filter_map(|snap| {
            let summary = snap.summary.as_ref()?;
            let samples = history.samples(Some(&snap.name), Some(now - WINDOW)).ok()?;
            Some((snap.name.clone(), forecast_trusting_reload(&samples, summary, now, !reload_failing(&snap.name))))
        })
        .collect()
}

/// The start of next month (UTC), when usage-based spend resets.
fn month_end(now: DateTime<Utc>) -> DateTime<Utc> {
    let (y, m) = if now.month() == 12 { (now.year() + 1, 1) } else { (now.year(), now.month() + 1) };
    Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single().unwrap_or(now)
}

#[cfg(test)]
mod tests;
