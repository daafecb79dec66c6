//! What the monitor derived from the history for each account (forecast, spend,
//! spike), with the fetch each was derived from: an account is derived again only
//! after a new fetch (or a change in its auto-reload state), not on every redraw.

use super::derive::{derive, reads_since, Derived};
use super::plan::Spikes;
use crate::alerts::spike::Rule;
use crate::history::History;
use crate::snapshot::AccountSnapshot;
use crate::spend::Totals;
use crate::view::Forecasts;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The fetch an account's figures were derived from, and whether its auto-reload was
/// seen failing then.
type Basis = (Option<DateTime<Utc>>, bool);

#[derive(Debug, Clone, Default)]
pub struct Figures {
    derived: HashMap<String, Derived>,
    basis: HashMap<String, Basis>,
    /// Bumped whenever the history gains rows: views read charts again then only.
    pub history_rev: u64,
}

impl Figures {
    /// Writes the new fetches of `snaps` to `history` and derives again each account
    /// fetched since (one indexed read of its samples since [`reads_since`]);
    /// accounts not in `snaps` are forgotten. `reload_failing`: whether an account's
    /// auto-reload was seen not to happen (its forecast does not count on it then).
    /// A fetch whose write failed is written again next time. Blocking.
    pub fn take(
        &mut self,
        history: &History,
        snaps: &[AccountSnapshot],
        now: DateTime<Utc>,
        rule: &Rule,
        reload_failing: impl Fn(&str) -> bool,
    ) {
        let present = |name: &String| snaps.iter().any(|s| &s.name == name);
        self.derived.retain(|name, _| present(name));
        self.basis.retain(|name, _| present(name));
        let since = reads_since(now);
        for s in snaps {
            let basis = (s.fetched_at, reload_failing(&s.name));
            let before = self.basis.get(&s.name);
            if before == Some(&basis) {
                continue;
            }
            let mut written = true;
            if before.is_none_or(|b| b.0 != s.fetched_at) {
                match history.record_snapshot(s) {
                    Ok(true) => self.history_rev += 1,
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!("history not written: {e}");
                        written = false;
                    }
                }
            }
            let samples = history.samples(Some(&s.name), Some(since)).unwrap_or_default();
            self.derived.insert(s.name.clone(), derive(&samples, s.summary.as_ref(), now, rule, basis.1));
            if written {
                self.basis.insert(s.name.clone(), basis);
            } else {
                self.basis.remove(&s.name);
            }
        }
    }

    /// Forgets what every account was derived from (a history opened again): all are
    /// derived again next time.
    pub fn derive_all_again(&mut self) {
        self.basis.clear();
    }

    pub fn get(&self, name: &str) -> Option<&Derived> {
        self.derived.get(name)
    }

    pub fn forecasts(&self) -> Forecasts {
        self.derived.iter().filter_map(|(n, d)| Some((n.clone(), d.forecast.clone()?))).collect()
    }

    pub fn spikes(&self) -> Spikes {
        self.derived.iter().filter_map(|(n, d)| Some((n.clone(), d.spike.clone()?))).collect()
    }

    /// The accounts spending far above their usual pace (polled at the floor).
    pub fn spiking(&self) -> Vec<String> {
        let mut names: Vec<String> = self.derived.iter().filter(|(_, d)| d.spike.is_some()).map(|(n, _)| n.clone()).collect();
        names.sort();
        names
    }

    /// Spend per second by account, where the history gives a pace.
    pub fn paces(&self) -> HashMap<String, f64> {
        self.derived.iter().filter_map(|(n, d)| Some((n.clone(), d.pace?))).collect()
    }

    pub fn spend(&self) -> HashMap<String, Totals> {
        self.derived.iter().filter_map(|(n, d)| Some((n.clone(), d.spend.clone()?))).collect()
    }
}
