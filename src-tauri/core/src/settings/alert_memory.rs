//! What the alerts remember per account (which were delivered, the auto-reload
//! episode, key reminders), so a restart does not repeat them. The tray process owns
//! it in memory; the settings file keeps a copy.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which alerts were delivered for an account, so a restart does not repeat them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertMemory {
    #[serde(default)]
    pub low_sent: bool,
    #[serde(default)]
    pub critical_sent: bool,
    #[serde(default)]
    pub key_rejected_sent: bool,
    #[serde(default)]
    pub forecast_sent: bool,
    /// Auto-reload episode: since when the balance is below the reload threshold,
    /// how many polls saw it there (the latest by its fetch time), and whether
    /// "auto-reload did not happen" was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reload_below_since: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reload_last_seen: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reload_polls_below: u32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reload_missed_sent: bool,
    /// The key expiry the reminders refer to, and the nearest one sent (7 or 1 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_expiry_for: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_reminded_days: Option<u32>,
    /// A spending spike was told for the episode now under way (see `spike`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub spike_sent: bool,
    /// The `unreachable` hook ran for the failing stretch now under way.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unreachable_told: bool,
    /// What the event hooks were told, kept apart: they are told while notifications
    /// are paused or off, or cannot be delivered. `None` in files from before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hooks: Option<Box<AlertMemory>>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}
