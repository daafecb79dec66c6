//! The "Automatic" poll interval: more often when the figure is near a threshold or
//! falling fast, less often when it has not changed for hours, stretched on battery;
//! at the floor while the account spends far above its usual pace (`Command::Spiking`).
//! Always between 1 and 30 minutes. Pure: recent figures, thresholds and the time go in.

use crate::billing::{Thresholds, Unit};
use chrono::{DateTime, Utc};
use std::time::Duration;

pub const FASTEST: Duration = Duration::from_secs(60);
pub const USUAL: Duration = Duration::from_secs(5 * 60);
pub const SLOWEST: Duration = Duration::from_secs(30 * 60);
/// Figures kept per account: a day at most, unchanged runs kept as their two ends.
pub const KEEP: chrono::Duration = chrono::Duration::hours(24);
const KEEP_MAX: usize = 240;

/// Why an interval was chosen, for the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    Usual,
    /// Expected to reach the next threshold (or zero) within hours.
    FallingFast,
    NearThreshold,
    /// Unchanged for hours.
    Quiet,
    /// Spending far above its usual pace (a spike): the floor until it is normal again.
    Spending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub interval: Duration,
    pub why: Why,
    pub on_battery: bool,
}

impl Choice {
    /// "every 2 min, near a threshold, on battery".
    pub fn text(&self) -> String {
        let why = match self.why {
            Why::Usual => None,
            Why::FallingFast => Some("falling fast"),
            Why::NearThreshold => Some("near a threshold"),
            Why::Quiet => Some("unchanged for hours"),
            Why::Spending => Some("spending far above its usual pace"),
        };
        let every = format!("every {} min", self.interval.as_secs() / 60);
        std::iter::once(every.as_str()).chain(why).chain(self.on_battery.then_some("on battery")).collect::<Vec<_>>().join(", ")
    }
}

/// Adds a successful poll's figure to `recent` (oldest first), keeping runs of the
/// same figure as their first and latest points and nothing older than [`KEEP`].
pub fn remember(recent: &mut Vec<(DateTime<Utc>, f64)>, at: DateTime<Utc>, remaining: f64) {
    let n = recent.len();
    if n >= 2 && recent[n - 1].1 == remaining && recent[n - 2].1 == remaining {
        recent[n - 1].0 = at;
    } else {
        recent.push((at, remaining));
    }
    let cut = at - KEEP;
    if let Some(i) = recent.iter().rposition(|(t, _)| *t < cut) {
        let (_, value) = recent[i];
        recent.drain(..=i);
        // The run going on at the cut keeps a start, at the cut: an account unchanged
        // for days stays "unchanged for hours" (it was polled every 5 minutes again).
        if recent.first().is_some_and(|(_, v)| *v == value) {
            recent.insert(0, (cut, value));
        }
    }
    if recent.len() > KEEP_MAX {
        recent.drain(..recent.len() - KEEP_MAX);
    }
}

/// Puts figures read back from the history (oldest first, with their unit) before
/// `recent`, so a restart does not forget that an account has been quiet or falling.
/// Figures in another unit, or not older than what `recent` already holds (or than
/// `now`), are left out.
pub fn recall(recent: &mut Vec<(DateTime<Utc>, f64)>, recalled: &[(DateTime<Utc>, f64, String)], unit: Unit, now: DateTime<Utc>) {
    let before = recent.first().map_or(now, |p| p.0.min(now));
    let mut merged = Vec::new();
    for (at, value, u) in recalled {
        if u == unit.as_str() && *at < before && value.is_finite() {
            remember(&mut merged, *at, *value);
        }
    }
    for (at, value) in recent.drain(..) {
        remember(&mut merged, at, value);
    }
    *recent = merged;
}

/// The interval until the next poll of an account whose recent figures (in `unit`,
/// oldest first) are `recent`.
pub fn choose(recent: &[(DateTime<Utc>, f64)], thresholds: Thresholds, unit: Unit, on_battery: bool, now: DateTime<Utc>) -> Choice {
    let (interval, why) = decide(recent, thresholds, unit, now);
    let interval = if on_battery { interval * 2 } else { interval };
    Choice { interval: interval.clamp(FASTEST, SLOWEST), why, on_battery }
}

fn decide(recent: &[(DateTime<Utc>, f64)], t: Thresholds, unit: Unit, now: DateTime<Utc>) -> (Duration, Why) {
    let Some(&(_, current)) = recent.last() else { return (USUAL, Why::Usual) };
    // The next line the figure would cross on its way down.
    let floor =
        [t.low, t.critical, 0.0].into_iter().filter(|f| *f < current).fold(None, |m: Option<f64>, f| Some(m.map_or(f, |m| m.max(f))));
    if let Some(floor) = floor {
        if let Some(rate) = falling_rate(recent, now) {
            let hours = (current - floor) / rate / 3600.0;
            if hours <= 1.0 {
                return (FASTEST, Why::FallingFast);
            }
            if hours <= 3.0 {
                return (FASTEST * 2, Why::FallingFast);
            }
        }
        let near = (t.low * 0.25).max(crate::billing::margin(t.low, unit));
        if current - floor <= near {
            return (FASTEST * 2, Why::NearThreshold);
        }
    }
    match unchanged_for(recent) {
        Some(d) if d >= chrono::Duration::hours(12) => (SLOWEST, Why::Quiet),
        Some(d) if d >= chrono::Duration::hours(3) => (SLOWEST / 2, Why::Quiet),
        _ => (USUAL, Why::Usual),
    }
}

/// Units per second the figure fell over the last hour (since the latest rise, a
/// top-up), when it fell over at least two minutes.
fn falling_rate(recent: &[(DateTime<Utc>, f64)], now: DateTime<Utc>) -> Option<f64> {
    let hour: Vec<&(DateTime<Utc>, f64)> = recent.iter().filter(|(at, _)| now - *at <= chrono::Duration::hours(1)).collect();
    let since_rise = hour.windows(2).rposition(|w| w[1].1 > w[0].1).map_or(0, |i| i + 1);
    let run = &hour[since_rise..];
    let (first, last) = (run.first()?, run.last()?);
    let secs = (last.0 - first.0).num_seconds();
    (secs >= 120 && last.1 < first.1).then(|| (first.1 - last.1) / secs as f64)
}

/// How long the latest figure has stood, when earlier polls saw it too.
fn unchanged_for(recent: &[(DateTime<Utc>, f64)]) -> Option<chrono::Duration> {
    let &(latest_at, current) = recent.last()?;
    let start = recent.iter().rev().take_while(|(_, v)| *v == current).last()?;
    Some(latest_at - start.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn usd() -> Thresholds {
        Thresholds { low: 10.0, critical: 2.0 }
    }

    #[test]
    fn figures_recalled_from_history_carry_over_a_restart() {
        let now = t0();
        let h = |hours: i64| now - chrono::Duration::hours(hours);
        // Unchanged for 5 hours before the restart (hourly heartbeats), dollars only.
        let recalled: Vec<_> =
            (1..=5).rev().map(|i| (h(i), 40.0, "usd".to_string())).chain([(h(2), 999.0, "credits".to_string())]).collect();
        let mut recent = Vec::new();
        recall(&mut recent, &recalled, Unit::Usd, now);
        remember(&mut recent, now, 40.0);
        assert_eq!(choose(&recent, usd(), Unit::Usd, false, now).why, Why::Quiet, "{recent:?}");
        // Recalled after the first poll: still merged before it, nothing from the future.
        let mut recent = vec![(now, 40.0)];
        recall(&mut recent, &[(h(4), 40.0, "usd".into()), (now + chrono::Duration::hours(1), 1.0, "usd".into())], Unit::Usd, now);
        assert_eq!(recent, vec![(h(4), 40.0), (now, 40.0)]);
        assert_eq!(choose(&recent, usd(), Unit::Usd, false, now).interval, SLOWEST / 2);
        // Falling before the restart: still falling fast after it.
        let mut recent = Vec::new();
        let mins = |m: i64| now - chrono::Duration::minutes(m);
        recall(&mut recent, &[(mins(30), 30.0, "usd".into()), (mins(10), 20.0, "usd".into())], Unit::Usd, now);
        remember(&mut recent, now, 15.0);
        assert_eq!(choose(&recent, usd(), Unit::Usd, false, now).why, Why::FallingFast);
        // Credits recalled for a dollar account change nothing.
        let mut recent = Vec::new();
        recall(&mut recent, &[(h(5), 40.0, "credits".into())], Unit::Usd, now);
        assert!(recent.is_empty());
    }

    /// Polls every `every` minutes on a manual clock with the figures given; the choice after the last.
    fn after(figures: &[f64], every: i64, on_battery: bool) -> Choice {
        let clock = ManualClock::new(t0());
        let mut recent = Vec::new();
        for (i, f) in figures.iter().enumerate() {
            if i > 0 {
                clock.advance(std::time::Duration::from_secs(every as u64 * 60));
            }
            remember(&mut recent, clock.now(), *f);
        }
        choose(&recent, usd(), Unit::Usd, on_battery, clock.now())
    }

    #[test]
    fn a_steady_figure_far_from_thresholds_gets_the_usual_five_minutes() {
        assert_eq!(after(&[], 5, false).interval, USUAL);
        let c = after(&[50.0, 49.5, 49.0], 5, false);
        assert_eq!((c.interval, c.why), (USUAL, Why::Usual));
        assert_eq!(c.text(), "every 5 min");
    }

    #[test]
    fn near_a_threshold_it_polls_every_two_minutes() {
        let c = after(&[12.0, 12.0], 5, false);
        assert_eq!((c.interval, c.why), (Duration::from_secs(120), Why::NearThreshold));
        // Near critical too (from inside the low zone); far inside it, usual.
        assert_eq!(after(&[3.5], 5, false).why, Why::NearThreshold);
        assert_eq!(after(&[7.0], 5, false).why, Why::Usual);
    }

    #[test]
    fn falling_fast_towards_a_threshold_polls_every_minute() {
        // $1 every 5 minutes from $40: $10 is reached within the hour at $22.
        let c = after(&[26.0, 25.0, 24.0, 23.0, 22.0], 5, false);
        assert_eq!((c.interval, c.why), (FASTEST, Why::FallingFast));
        // $1 every 5 min from $35: 2 hours to $10.
        assert_eq!(after(&[37.0, 36.0, 35.0], 5, false).interval, Duration::from_secs(120));
        // A top-up in between: only the fall since counts (here none yet).
        assert_eq!(after(&[30.0, 25.0, 80.0], 5, false).why, Why::Usual);
    }

    #[test]
    fn unchanged_for_hours_slows_down_to_thirty_minutes() {
        let c = after(&[50.0; 13], 15, false); // 3 hours unchanged
        assert_eq!((c.interval, c.why), (Duration::from_secs(15 * 60), Why::Quiet));
        let c = after(&[50.0; 49], 15, false); // 12 hours
        assert_eq!(c.interval, SLOWEST);
        assert_eq!(c.text(), "every 30 min, unchanged for hours");
        // The run is kept as its two ends.
        let mut recent = Vec::new();
        for i in 0..100 {
            remember(&mut recent, t0() + chrono::Duration::minutes(i), 50.0);
        }
        assert_eq!(recent.len(), 2);
    }

    #[test]
    fn an_account_unchanged_for_days_stays_at_thirty_minutes() {
        for days in [1, 2, 7] {
            let c = after(&vec![50.0; days * 48 + 2], 30, false);
            assert_eq!((c.interval, c.why), (SLOWEST, Why::Quiet), "after {days} days unchanged");
        }
        // A change within the day still counts from the change.
        let mut figures = vec![50.0; 60];
        figures.extend([49.0; 10]);
        assert_eq!(after(&figures, 30, false).interval, Duration::from_secs(15 * 60));
    }

    #[test]
    fn on_battery_intervals_stretch_but_stay_within_one_to_thirty_minutes() {
        assert_eq!(after(&[50.0, 49.5], 5, true).interval, Duration::from_secs(600));
        let c = after(&[26.0, 25.0, 24.0, 23.0, 22.0], 5, true);
        assert_eq!(c.interval, Duration::from_secs(120));
        assert_eq!(c.text(), "every 2 min, falling fast, on battery");
        assert_eq!(after(&[50.0; 49], 15, true).interval, SLOWEST);
    }

    #[test]
    fn old_figures_are_forgotten() {
        let mut recent = Vec::new();
        remember(&mut recent, t0(), 10.0);
        remember(&mut recent, t0() + chrono::Duration::hours(25), 20.0);
        assert_eq!(recent, [(t0() + chrono::Duration::hours(25), 20.0)]);
    }
}
