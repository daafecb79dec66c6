//! Burn rate and "runs out in" forecasts from recent history, ignoring top-ups (only
//! what was spent counts) and gaps (time the app was not watching). Too little data
//! says so instead of guessing. Pure: history and the current summary go in.
//!
//! The pace is measured over several windows (the last 15 minutes, 2 hours, day and
//! week); the one that empties the account first, among those with enough points,
//! is used and named, so a burst of renders reads as minutes, not as days.

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

/// The window a pace was measured over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    Minutes,
    Hours,
    Day,
    Week,
}

impl Pace {
    /// Longest first: on a tie the longer (steadier) window is named.
    const ALL: [Pace; 4] = [Pace::Week, Pace::Day, Pace::Hours, Pace::Minutes];

    /// The window, and what it needs: samples in it and time observed (gaps left out).
    fn window(self) -> (Duration, usize, Duration) {
        match self {
            // Ten seconds observed: a wallet polled every few seconds (the demo's) is
            // forecast at its drain at once, not at its week for the first half minute.
            Pace::Minutes => (Duration::minutes(15), 4, Duration::seconds(10)),
            Pace::Hours => (Duration::hours(2), 4, Duration::minutes(20)),
            Pace::Day => (Duration::days(1), MIN_SAMPLES, MIN_OBSERVED),
            Pace::Week => (WINDOW, MIN_SAMPLES, MIN_OBSERVED),
        }
    }

    /// "the last 15 minutes".
    pub fn label(self) -> &'static str {
        match self {
            Pace::Minutes => "the last 15 minutes",
            Pace::Hours => "the last 2 hours",
            Pace::Day => "the last day",
            Pace::Week => "the last 7 days",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Forecast {
    TooLittleData,
    NoSpending,
    /// Wallets and credits: when the balance reaches zero at the pace of `pace`.
    RunsOut {
        at: DateTime<Utc>,
        pace: Pace,
    },
    /// Subscription credits that last until their reset.
    LastsUntilReset {
        reset: DateTime<Utc>,
    },
    /// Subscription credits that run out before their reset.
    RunsOutBeforeReset {
        at: DateTime<Utc>,
        reset: DateTime<Utc>,
        pace: Pace,
    },
    /// A wallet HeyGen's auto-reload tops up by `amount_usd` about every `every_secs`
    /// (both unknown when HeyGen does not say how much it adds).
    Reloads {
        amount_usd: Option<f64>,
        every_secs: Option<f64>,
    },
    /// Usage-based: the projected spend at the end of the month against the cap.
    Projection {
        projected_usd: f64,
        cap_usd: f64,
        period_end: DateTime<Utc>,
        cap_reached_at: Option<DateTime<Utc>>,
    },
}

impl Forecast {
    /// Days until the money runs out (or the cap is reached), when that is expected.
    pub fn days_left(&self, now: DateTime<Utc>) -> Option<f64> {
        let days = |t: &DateTime<Utc>| (*t - now).num_seconds() as f64 / 86_400.0;
        match self {
            Forecast::RunsOut { at, .. } | Forecast::RunsOutBeforeReset { at, .. } => Some(days(at).max(0.0)),
            Forecast::Projection { cap_reached_at: Some(at), .. } => Some(days(at).max(0.0)),
            _ => None,
        }
    }

    /// "about 4 days left (around Friday)".
    pub fn text(&self, now: DateTime<Utc>) -> String {
        match self {
            Forecast::TooLittleData => "not enough history yet".into(),
            Forecast::NoSpending => "no spending in the last 7 days".into(),
            // Used up: no pace to name, only what to do.
            Forecast::RunsOut { at, .. } if *at <= now => left(*at, now),
            Forecast::RunsOut { at, pace } => paced(left(*at, now), *pace),
            Forecast::LastsUntilReset { reset } => format!("should last until the reset on {}", day(*reset)),
            Forecast::Reloads { amount_usd: Some(amount), every_secs: Some(secs) } => {
                format!("auto-reload keeps it funded: about {} {}", format::usd_short(*amount), every(*secs))
            }
            Forecast::Reloads { .. } => "auto-reload keeps it funded".into(),
            Forecast::RunsOutBeforeReset { at, reset, pace } => {
                paced(format!("{}, before the reset on {}", left(*at, now), day(*reset)), *pace)
            }
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

/// Names the pace when it is not the usual week's: "…, at the pace of the last 15 minutes".
fn paced(text: String, pace: Pace) -> String {
    match pace {
        Pace::Week => text,
        _ => format!("{text} at the pace of {}", pace.label()),
    }
}

fn left(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (at - now).num_seconds();
    let hours = secs as f64 / 3600.0;
    if at <= now {
        "used up — top up to keep making videos".into()
    } else if secs < 45 {
        // As close as the pace says: "about 15 s left", not "about a minute".
        format!("about {} s left", ((secs as f64 / 5.0).round() as i64 * 5).max(5))
    } else if secs < 90 {
        "about a minute left".into()
    } else if secs < 3600 - 30 {
        format!("about {} min left", (secs as f64 / 60.0).round())
    } else if hours < 1.5 {
        format!("about an hour left ({})", around(at, now))
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
    rate_over(samples, now, window, MIN_SAMPLES, MIN_OBSERVED)
}

fn rate_over(samples: &[Sample], now: DateTime<Utc>, window: Duration, min_samples: usize, min_observed: Duration) -> Option<f64> {
    let recent: Vec<&Sample> = samples.iter().filter(|s| s.at >= now - window && s.at <= now).collect();
    if recent.len() < min_samples {
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
    if observed < min_observed {
        return None;
    }
    Some(spent / observed.num_seconds() as f64)
}

/// The fastest pace among the windows with enough points, and which one it is.
/// `None` without a week's minimum of history.
pub fn pace(samples: &[Sample], now: DateTime<Utc>) -> Option<(f64, Pace)> {
    let mut best: Option<(f64, Pace)> = None;
    for p in Pace::ALL {
        let (window, n, observed) = p.window();
        if let Some(rate) = rate_over(samples, now, window, n, observed) {
            if best.is_none_or(|(b, _)| rate > b * 1.05) {
                best = Some((rate, p));
            }
        }
    }
    best
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
    // A rising spend shows in the shorter windows first: the fastest pace is used.
    let Some((rate, pace)) = pace(&same_unit, now) else {
        return Forecast::TooLittleData;
    };
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
    if let Some((_, amount)) = crate::billing::reload_of(summary).filter(|_| reload_works) {
        let amount = amount.filter(|a| *a > 0.0);
        return Forecast::Reloads { amount_usd: amount, every_secs: amount.map(|a| a / rate) };
    }
    let at = after(remaining);
    let reset = summary.pools.iter().filter_map(|p| p.resets_at).filter(|r| *r > now).min();
    match reset {
        Some(reset) if summary.billing_type.as_deref() == Some("subscription") => {
            if at < reset {
                Forecast::RunsOutBeforeReset { at, reset, pace }
            } else {
                Forecast::LastsUntilReset { reset }
            }
        }
        _ => Forecast::RunsOut { at, pace },
    }
}

/// The start of next month (UTC), when usage-based spend resets.
fn month_end(now: DateTime<Utc>) -> DateTime<Utc> {
    let (y, m) = if now.month() == 12 { (now.year() + 1, 1) } else { (now.year(), now.month() + 1) };
    Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single().unwrap_or(now)
}

#[cfg(test)]
mod tests;
