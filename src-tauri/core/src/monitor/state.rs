//! What the running monitor keeps between rounds, shared by the tray process's tasks:
//! the alerts' memory, the history and what was derived from it, the hooks' runner,
//! and the notes Settings shows (a settings file or history that cannot be used, a
//! linked HeyGen CLI file that was not taken).

use super::{AlertBook, Figures};
use crate::alerts::AlertMemory;
use crate::history::History;
use crate::hooks::HookRunner;
use std::collections::BTreeMap;
use std::sync::Mutex;

pub struct MonitorState {
    /// What was sent, saved to the settings file with retry.
    pub alerts: AlertBook,
    /// The history database; `None` when it could not be opened (the monitor works on).
    pub history: Mutex<Option<History>>,
    /// What was derived from the history: forecasts, spend, spikes.
    pub figures: Mutex<Figures>,
    /// Runs the user's event hooks, and keeps their latest failures.
    pub hooks: HookRunner,
    /// Per linked account, why HeyGen CLI's file was not taken the last time it was
    /// looked at (unreadable, or another sign-in).
    pub link_notes: Mutex<BTreeMap<String, String>>,
    /// A problem with the settings file or the history.
    pub notice: Mutex<Option<String>>,
    /// What the local API's counters count.
    pub counters: std::sync::Arc<super::counters::Counters>,
}

impl MonitorState {
    /// With the alert memory and the notice the settings file gave at start.
    pub fn new(alert_memory: BTreeMap<String, AlertMemory>, notice: Option<String>) -> MonitorState {
        MonitorState {
            alerts: AlertBook::new(alert_memory),
            history: Mutex::new(None),
            figures: Mutex::new(Figures::default()),
            hooks: HookRunner::default(),
            link_notes: Mutex::new(BTreeMap::new()),
            notice: Mutex::new(notice),
            counters: Default::default(),
        }
    }
}
