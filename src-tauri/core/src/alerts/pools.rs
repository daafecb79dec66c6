//! Alerts about credit pools: a usage-based plan's included credits running out
//! (usage is billed as overage from then on), a subscription pool about to reset with
//! most of it unused (opt-in), and, for a low alert, the other pool of the same
//! HeyGen user when that one is healthy (people top up the wrong one).
//!
//! HeyGen does not document whether unused credits carry over, so a pool "resets";
//! nothing here says credits are lost.

use super::{Alert, AlertKind, AlertMemory};
use crate::billing::{format, Level, Spender};
use crate::settings::PoolPeak;
use crate::snapshot::AccountSnapshot;
use chrono::{DateTime, Duration, Local, Utc};

/// One notification when the included credits reach 0, re-armed once a new period
/// restores them.
pub fn decide_overage(snap: &AccountSnapshot, memory: &AlertMemory, paused: bool) -> (Option<Alert>, AlertMemory) {
    let mut memory = memory.clone();
    let included = snap.summary.as_ref().and_then(|s| s.included).filter(|_| snap.error.is_none());
    let Some(inc) = included else { return (None, memory) };
    if inc.remaining > 0.0 {
        memory.overage_sent = false;
        return (None, memory);
    }
    if inc.included <= 0.0 || memory.overage_sent || paused {
        return (None, memory);
    }
    let cap = snap.summary.as_ref().and_then(|s| s.spend.as_ref()).and_then(|sp| Some((sp.current_usd?, sp.cap_usd?)));
    let cap_words = match cap {
        Some((cur, cap)) => format!(" So far {} of the {} cap is spent.", format::usd(cur), format::usd_short(cap)),
        None => String::new(),
    };
    let alert = Alert {
        account: snap.name.clone(),
        kind: AlertKind::Overage,
        summary: format!("HeyGen included credits used up: {}", snap.name),
        body: format!(
            "All {} included credits of {} are used: usage is now billed as overage until the next period.{cap_words}",
            format::number(inc.included),
            snap.name
        ),
    };
    (Some(alert), memory)
}

/// Keeps each pool's peak for its period and, with the reminder on, one reminder per
/// reset date when a pool resets within `within` holding more than half its peak.
pub fn decide_reset(
    snap: &AccountSnapshot,
    memory: &AlertMemory,
    on: bool,
    within: Duration,
    now: DateTime<Utc>,
    paused: bool,
) -> (Option<Alert>, AlertMemory) {
    let mut memory = memory.clone();
    let Some(summary) = snap.summary.as_ref().filter(|_| snap.error.is_none()) else { return (None, memory) };
    memory.pool_peaks.retain(|name, _| summary.pools.iter().any(|p| p.name == *name));
    for pool in &summary.pools {
        let Some(remaining) = pool.remaining else { continue };
        let peak = memory.pool_peaks.entry(pool.name.clone()).or_insert(PoolPeak { resets_at: pool.resets_at, peak: remaining });
        if peak.resets_at != pool.resets_at {
            *peak = PoolPeak { resets_at: pool.resets_at, peak: remaining };
        }
        peak.peak = peak.peak.max(remaining);
    }
    if !on {
        return (None, memory);
    }
    let due = summary
        .pools
        .iter()
        .filter_map(|p| {
            let (at, remaining) = (p.resets_at?, p.remaining?);
            let peak = memory.pool_peaks.get(&p.name)?.peak;
            let soon = at > now && at - now <= within;
            (soon && remaining > 0.0 && remaining > peak / 2.0 && memory.reset_reminded_for != Some(at)).then_some((p, at, remaining, peak))
        })
        .min_by_key(|(_, at, _, _)| *at);
    let Some((pool, at, remaining, peak)) = due else { return (None, memory) };
    memory.reset_due = Some(at);
    if paused {
        return (None, memory);
    }
    let unused = (remaining / peak * 100.0).round();
    let alert = Alert {
        account: snap.name.clone(),
        kind: AlertKind::ResetReminder,
        summary: format!("HeyGen credits reset {}: {}", format::relative(at, now), snap.name),
        body: format!(
            "{} {} are still unused ({unused}% of the {} seen this period). They reset on {}; use them before then if you plan to.",
            format::number(remaining),
            pool.name.to_lowercase(),
            format::number(peak),
            at.with_timezone(&Local).format("%-d %b")
        ),
    };
    (Some(alert), memory)
}

/// For a low or critical alert: the same HeyGen user's other pool, when it is healthy
/// ("Your web plan still has 11,647 credits, but API calls spend the wallet.").
pub fn other_pool_note(snap: &AccountSnapshot, all: &[AccountSnapshot]) -> Option<String> {
    let mine = snap.summary.as_ref()?;
    let spender = mine.spender()?;
    all.iter().filter(|o| o.name != snap.name && o.error.is_none() && o.level() == Level::Ok).find_map(|o| {
        let theirs = o.summary.as_ref().filter(|x| x.username == mine.username)?;
        if theirs.spender()? == spender {
            return None;
        }
        Some(match spender {
            Spender::ApiWallet => format!("Your web plan still has {}, but API calls spend the wallet.", theirs.headline),
            Spender::WebPlan => format!(
                "Your API wallet still has {}, but HeyGen's CLI sign-in and MCP server spend the web plan's credits.",
                theirs.headline
            ),
        })
    })
}

#[cfg(test)]
#[path = "pools_tests.rs"]
mod tests;
