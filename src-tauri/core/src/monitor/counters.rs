//! What the local API's counters count, kept by whichever monitor runs (the tray app
//! or `heygen-tray watch`): failed attempts per account and error kind since it
//! started, and what each account spent and was topped up with since its history began.

use super::attempts::Seen;
use crate::history::History;
use crate::snapshot::AccountSnapshot;
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct Counters {
    seen: Mutex<Seen>,
    errors: Mutex<BTreeMap<(String, &'static str), u64>>,
    lifetime: Mutex<Vec<(String, String, f64, f64)>>,
}

impl Counters {
    /// Counts the failed attempts since the last look; gives back the log lines of
    /// every attempt (`true`: a failure).
    pub fn take(&self, snaps: &[AccountSnapshot]) -> Vec<(bool, String)> {
        let (failed, said) = self.seen.lock().unwrap().take(snaps);
        let mut errors = self.errors.lock().unwrap();
        for key in failed {
            *errors.entry(key).or_default() += 1;
        }
        said
    }

    /// Reads the lifetime totals from the history again. Blocking.
    pub fn read_lifetime(&self, history: &History) {
        match history.lifetime_totals() {
            Ok(t) => *self.lifetime.lock().unwrap() = t,
            Err(e) => tracing::warn!("history totals not read: {e}"),
        }
    }

    pub fn errors(&self) -> BTreeMap<(String, &'static str), u64> {
        self.errors.lock().unwrap().clone()
    }

    /// (account, unit, spent, topped up).
    pub fn lifetime(&self) -> Vec<(String, String, f64, f64)> {
        self.lifetime.lock().unwrap().clone()
    }
}
