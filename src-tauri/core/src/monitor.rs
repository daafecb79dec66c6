//! The monitor's decisions, with no display: from the poller's snapshots and the
//! history it derives each account's forecast, spend and spike ([`derive`]), decides
//! what to tell the user and the hooks ([`plan`]) from what was sent before, and tells
//! the poller which accounts spend fast. The tray app delivers what these decide;
//! [`Monitor`] runs the same steps on the poller's clock, so a week of polling at the
//! user's cadence is proven in seconds (the scenario tests).

pub mod derive;
pub mod plan;

pub use derive::{derive, reads_since, Derived};
pub use plan::{plan, Inputs, Plan, Spikes};

use crate::alerts::{mark_sent, Alert, AlertMemory};
use crate::history::History;
use crate::hooks::HookEvent;
use crate::poller::{Command, Poller};
use crate::settings::Settings;
use crate::snapshot::AccountSnapshot;
use crate::view::Forecasts;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// The poller, the history, the derived figures and the alerts' memory, stepped by
/// hand: each [`Monitor::step`] sends the due requests and decides what follows.
pub struct Monitor {
    pub poller: Poller,
    history: History,
    pub settings: Settings,
    memory: BTreeMap<String, AlertMemory>,
    derived: HashMap<String, Derived>,
    /// The fetch (and auto-reload state) each account's figures were derived from.
    basis: HashMap<String, (Option<DateTime<Utc>>, bool)>,
}

/// What one step decided.
#[derive(Debug, Default)]
pub struct Effects {
    /// Requests sent.
    pub requests: usize,
    /// Notifications (each counted as delivered).
    pub notified: Vec<Alert>,
    pub hooks: Vec<HookEvent>,
}

impl Monitor {
    pub fn new(poller: Poller, history: History, settings: Settings) -> Monitor {
        let memory = settings.alert_memory.clone();
        Monitor { poller, history, settings, memory, derived: HashMap::new(), basis: HashMap::new() }
    }

    pub fn snapshots(&self) -> Vec<AccountSnapshot> {
        self.poller.snapshots()
    }

    pub fn derived(&self, name: &str) -> Option<&Derived> {
        self.derived.get(name)
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    /// Sends the requests due at the poller's clock, records their figures, derives
    /// what changed and decides the alerts and hook events.
    pub async fn step(&mut self) -> Effects {
        let requests = self.poller.poll_due().await;
        let now = self.poller.now();
        let snaps = self.poller.snapshots();
        let rule = self.settings.spike_rule();
        for s in &snaps {
            let failing = self.memory.get(&s.name).is_some_and(|m| m.reload_missed_sent);
            let basis = (s.fetched_at, failing);
            if self.basis.get(&s.name) == Some(&basis) {
                continue;
            }
            // Only a new fetch has figures to write.
            if self.basis.get(&s.name).is_none_or(|b| b.0 != s.fetched_at) {
                if let Err(e) = self.history.record_snapshot(s) {
                    tracing::warn!("history not written: {e}");
                }
            }
            let samples = self.history.samples(Some(&s.name), Some(reads_since(now))).unwrap_or_default();
            self.derived.insert(s.name.clone(), derive(&samples, s.summary.as_ref(), now, &rule, failing));
            self.basis.insert(s.name.clone(), basis);
        }
        let spiking = self.derived.iter().filter(|(_, d)| d.spike.is_some()).map(|(n, _)| n.clone()).collect();
        self.poller.apply(Command::Spiking(spiking));
        let forecasts: Forecasts = self.derived.iter().filter_map(|(n, d)| Some((n.clone(), d.forecast.clone()?))).collect();
        let spikes: Spikes = self.derived.iter().filter_map(|(n, d)| Some((n.clone(), d.spike.clone()?))).collect();
        let paused = self.settings.alerts_paused_until.is_some_and(|t| t > now) || !self.settings.notifications;
        let inputs = Inputs { forecasts: &forecasts, spikes: &spikes, settings: &self.settings, paused, now };
        let mut effects = Effects { requests, ..Effects::default() };
        for mut p in plan(&snaps, &self.memory, &inputs) {
            for a in p.notify {
                mark_sent(&mut p.memory, a.kind);
                effects.notified.push(a);
            }
            effects.hooks.extend(p.hooks);
            self.memory.insert(p.account, p.memory);
        }
        effects
    }
}
