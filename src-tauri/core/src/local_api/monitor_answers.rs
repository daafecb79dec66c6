//! The answers of a running monitor (the tray app or `heygen-tray watch`): its
//! snapshots and settings as the status report and the metrics, both read at the
//! moment of the request.

use super::{metrics, Answers};
use crate::live::LiveStatus;
use crate::monitor::counters::Counters;
use crate::pricing::Prices;
use crate::settings::Settings;
use crate::snapshot::AccountSnapshot;
use crate::status_report::{Report, Source};
use std::sync::Arc;

/// `current` gives the monitor's snapshots (in its order) and settings.
pub struct MonitorAnswers<F> {
    pub current: F,
    pub counters: Arc<Counters>,
}

impl<F> Answers for MonitorAnswers<F>
where
    F: Fn() -> (Vec<AccountSnapshot>, Settings) + Send + Sync + 'static,
{
    fn status_json(&self) -> String {
        let (snaps, settings) = (self.current)();
        let now = chrono::Utc::now();
        let live = LiveStatus::polled_as(snaps, &settings, now);
        let stale: Vec<bool> = live.accounts.iter().map(|s| live.is_stale(s, now)).collect();
        Report::new(&live.accounts, Source::App, &stale, &Prices::from_settings(&settings)).json()
    }

    fn metrics(&self) -> String {
        let (snaps, settings) = (self.current)();
        let (errors, lifetime) = (self.counters.errors(), self.counters.lifetime());
        metrics::render(&metrics::Input { snaps: &snaps, errors: &errors, lifetime: &lifetime, prices: &Prices::from_settings(&settings) })
    }
}
