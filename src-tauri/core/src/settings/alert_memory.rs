//! What the alerts remember per account (which were delivered, the auto-reload
//! episode, key reminders), so a restart does not repeat them. The tray process owns
//! it in memory; the settings file keeps a copy.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// "Included credits used up" was told for the overage now under way.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overage_sent: bool,
    /// The most each credit pool held since its last reset (by pool name), as seen.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pool_peaks: BTreeMap<String, PoolPeak>,
    /// The reset the latest reminder decision is about, and the reset last reminded of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_due: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_reminded_for: Option<DateTime<Utc>>,
    /// What the event hooks were told, kept apart: they are told while notifications
    /// are paused or off, or cannot be delivered. `None` in files from before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hooks: Option<Box<AlertMemory>>,
}

/// A credit pool's period (its reset) and the most it held in it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PoolPeak {
    pub resets_at: Option<DateTime<Utc>>,
    pub peak: f64,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}
