//! What each round derives for an account from its history: the forecast, the spend
//! totals and a spending spike, all from one read of its samples.

use crate::alerts::spike::{self, Burst, Rule};
use crate::billing::Summary;
use crate::forecast::{self, Forecast};
use crate::history::Sample;
use crate::spend::{self, Totals};
use chrono::{DateTime, Utc};

/// An account's derived figures; `None` where its history says nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Derived {
    pub forecast: Option<Forecast>,
    pub spend: Option<Totals>,
    pub spike: Option<Burst>,
    /// Spend per second at the forecast's pace (see `forecast::pace`).
    pub pace: Option<f64>,
}

/// The oldest sample a round reads: this month's start (the spend totals, with the
/// margin their first period needs) or the forecast's and the spike rule's week.
pub fn reads_since(now: DateTime<Utc>) -> DateTime<Utc> {
    let month = spend::starts(now).into_iter().min().unwrap_or(now) - forecast::GAP - chrono::Duration::hours(1);
    month.min(now - forecast::WINDOW).min(now - spike::USUAL)
}

/// Derives an account's figures from its samples since [`reads_since`] (oldest first)
/// and its latest summary. `reload_failing`: its auto-reload was seen not to happen,
/// so the forecast does not count on it.
pub fn derive(samples: &[Sample], summary: Option<&Summary>, now: DateTime<Utc>, rule: &Rule, reload_failing: bool) -> Derived {
    Derived {
        forecast: summary.map(|summary| forecast::forecast_trusting_reload(samples, summary, now, !reload_failing)),
        spend: spend::totals(samples, now),
        spike: spike::detect(samples, now, rule),
        pace: forecast::pace(samples, now).map(|(rate, _)| rate),
    }
}
