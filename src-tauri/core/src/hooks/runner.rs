//! Runs the user's event hooks (see [`crate::hooks`]) on threads of their own, so a
//! slow or hanging hook never holds up the tray or the poller. Each run's exit status
//! and first lines of output go to the log; the latest failure of each event is kept
//! for Settings (and cleared by a run that works).

use crate::hooks::{self, HookEvent, Hooks, Outcome};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct HookRunner {
    /// Per event, the latest run's failure ("exit 2: …"), for Settings.
    failures: Arc<Mutex<BTreeMap<String, String>>>,
}

impl HookRunner {
    /// Runs the hook for `event.event` if one is set, in the background.
    pub fn fire(&self, hooks: &Hooks, event: HookEvent) {
        let Some(argv) = hooks.get(&event.event).filter(|a| !a.is_empty()).cloned() else { return };
        let failures = self.failures.clone();
        let spawned = std::thread::Builder::new().name("hook".into()).spawn(move || {
            let outcome = hooks::run(&argv, &event, hooks::TIMEOUT);
            record(&failures, &event, &outcome);
        });
        if let Err(e) = spawned {
            tracing::warn!("a hook was not run: {e}");
        }
    }

    /// Runs the hook now and waits (Settings' "Run a test event"). Blocking.
    pub fn test(&self, hooks: &Hooks, event: HookEvent) -> Result<Outcome, String> {
        let argv = hooks.get(&event.event).filter(|a| !a.is_empty()).ok_or_else(|| format!("No hook is set for \"{}\".", event.event))?;
        let outcome = hooks::run(argv, &event, hooks::TIMEOUT);
        record(&self.failures, &event, &outcome);
        Ok(outcome)
    }

    pub fn failures(&self) -> BTreeMap<String, String> {
        self.failures.lock().unwrap().clone()
    }
}

fn record(failures: &Mutex<BTreeMap<String, String>>, event: &HookEvent, outcome: &Outcome) {
    let what = if outcome.output.is_empty() { outcome.describe() } else { format!("{}: {}", outcome.describe(), outcome.output) };
    let mut f = failures.lock().unwrap();
    if outcome.ok() {
        tracing::info!("hook {} for {}: {what}", event.event, event.account);
        f.remove(&event.event);
    } else {
        // Said once per failure in a row: the log gets it each time, Settings keeps the latest.
        tracing::warn!("hook {} for {}: {what}", event.event, event.account);
        f.insert(event.event.clone(), what);
    }
}
