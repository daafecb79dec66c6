//! The monitor's decisions, with no display: from the poller's snapshots and the
//! history it derives each account's forecast, spend and spike ([`derive`]), decides
//! what to tell the user and the hooks ([`plan`]) from what was sent before, and tells
//! the poller which accounts spend fast. The tray app delivers what these decide;
//! [`Monitor`] runs the same steps on the poller's clock, so a week of polling at the
//! user's cadence is proven in seconds (the scenario tests).

pub mod alert_book;
pub mod attempts;
pub mod claim;
pub mod counters;
pub mod derive;
pub mod figures;
pub mod once;
pub mod plan;
pub mod state;

pub use alert_book::AlertBook;
pub use derive::{derive, reads_since, Derived};
pub use figures::Figures;
pub use once::once;
pub use plan::{plan, Inputs, Plan, Spikes};
pub use state::MonitorState;

use crate::alerts::Alert;
use crate::history::History;
use crate::hooks::HookEvent;
use crate::poller::{Command, Poller};
use crate::settings::Settings;
use crate::snapshot::AccountSnapshot;

/// The poller, the history, the derived figures and the alerts' memory, stepped by
/// hand: each [`Monitor::step`] sends the due requests and decides what follows.
pub struct Monitor {
    pub poller: Poller,
    history: History,
    pub settings: Settings,
    book: AlertBook,
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
        let book = AlertBook::new(settings.alert_memory.clone());
        Monitor { poller, history, settings, book, figures: Figures::default() }
    }

    pub fn snapshots(&self) -> Vec<AccountSnapshot> {
        self.poller.snapshots()
    }

    pub fn derived(&self, name: &str) -> Option<&Derived> {
        self.figures.get(name)
    }

    /// What the alerts remember, as the settings file would keep it.
    pub fn memory(&self) -> std::collections::BTreeMap<String, crate::alerts::AlertMemory> {
        self.book.memory()
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
        let book = &self.book;
        self.figures.take(&self.history, &snaps, now, &rule, |name| book.reload_failing(name));
        self.poller.apply(Command::Spiking(self.figures.spiking()));
        let (forecasts, spikes) = (self.figures.forecasts(), self.figures.spikes());
        let paused = self.settings.alerts_paused_until.is_some_and(|t| t > now) || !self.settings.notifications;
        let inputs = Inputs { forecasts: &forecasts, spikes: &spikes, settings: &self.settings, paused, now };
        let effects = self.book.send_due(&snaps, &inputs, |_| async { Ok(()) }).await;
        Effects { requests, ..effects }
    }
}
