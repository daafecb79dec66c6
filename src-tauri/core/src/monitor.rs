//! The monitor's decisions, with no display: from the poller's snapshots and the
//! history it derives each account's forecast, spend and spike ([`derive`]), decides
//! what to tell the user and the hooks ([`plan`]) from what was sent before, and tells
//! the poller which accounts spend fast. The tray app delivers what these decide;
//! [`Monitor`] runs the same steps on the poller's clock, so a week of polling at the
//! user's cadence is proven in seconds (the scenario tests).

pub mod derive;
pub mod figures;
pub mod plan;

pub use derive::{derive, reads_since, Derived};
pub use figures::Figures;
pub use plan::{plan, Inputs, Plan, Spikes};

use crate::alerts::{mark_sent, Alert, AlertMemory};
use crate::history::History;
use crate::hooks::HookEvent;
use crate::poller::{Command, Poller};
use crate::settings::Settings;
use crate::snapshot::AccountSnapshot;
use std::collections::BTreeMap;

/// The poller, the history, the derived figures and the alerts' memory, stepped by
/// hand: each [`Monitor::step`] sends the due requests and decides what follows.
pub struct Monitor {
    pub poller: Poller,
    history: History,
    pub settings: Settings,
    memory: BTreeMap<String, AlertMemory>,
    figures: Figures,
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
        Monitor { poller, history, settings, memory, figures: Figures::default() }
    }

    pub fn snapshots(&self) -> Vec<AccountSnapshot> {
        self.poller.snapshots()
    }

    pub fn derived(&self, name: &str) -> Option<&Derived> {
        self.figures.get(name)
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
        let memory = &self.memory;
        let failing = |name: &str| memory.get(name).is_some_and(|m| m.reload_missed_sent);
        self.figures.take(&self.history, &snaps, now, &rule, failing);
        self.poller.apply(Command::Spiking(self.figures.spiking()));
        let (forecasts, spikes) = (self.figures.forecasts(), self.figures.spikes());
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
