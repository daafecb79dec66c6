//! What a glance at an account needs, besides its figure: what the balance buys in
//! video, the pace ("−$3.10/h", "no spending today"), how old the figure is and when
//! a credit pool resets; and the accounts of one HeyGen user kept next to each other
//! (their API wallet and web plan are two pools).

use crate::billing::{format, Unit};
use crate::pricing::{self, Prices};
use crate::snapshot::{AccountSnapshot, IconState};
use crate::spend::Totals;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// What the views add to each account's figure; empty by default (tests of the bare views).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    /// The price table and engine a dollar balance is counted in.
    pub prices: Option<Prices>,
    /// "−$3.10/h" or "no spending today", by account.
    pub pace: HashMap<String, String>,
}

impl Extras {
    /// "≈ 14 min of Avatar IV" for a dollar balance with current figures.
    pub fn buys(&self, s: &AccountSnapshot) -> Option<String> {
        let summary = s.summary.as_ref().filter(|_| !s.is_broken())?;
        self.prices.as_ref()?.buys(summary).and_then(|b| pricing::words(&b))
    }
}

/// The pace words of one account: "no spending today" when nothing was spent since
/// midnight, else its pace per hour when the history gives one.
pub fn pace_words(spend: Option<&Totals>, per_second: Option<f64>) -> Option<String> {
    let t = spend?;
    if t.today.spent.abs() < 0.005 {
        return Some("no spending today".into());
    }
    let per_hour = per_second.filter(|r| *r > 0.0)? * 3600.0;
    Some(match t.unit.as_str() {
        "usd" => format!("−{}/h", format::usd(per_hour)),
        _ => format!("−{}/h", Unit::Credits.amount(per_hour)),
    })
}

/// Every account's pace words.
pub fn paces(spend: &HashMap<String, Totals>, per_second: &HashMap<String, f64>) -> HashMap<String, String> {
    spend.iter().filter_map(|(name, t)| Some((name.clone(), pace_words(Some(t), per_second.get(name).copied())?))).collect()
}

/// "2 min ago", "just now": how old the figures are (the tooltip's "updated …", the
/// menu line, "last seen …").
pub fn age(s: &AccountSnapshot, now: DateTime<Utc>) -> Option<String> {
    let t = s.fetched_at?;
    Some(if (now - t).num_seconds() < 60 { "just now".into() } else { format::relative(t, now) })
}

/// "premium credits reset in 3 days": the next reset of a pool with credits.
pub fn reset_words(s: &AccountSnapshot, now: DateTime<Utc>) -> Option<String> {
    s.summary.as_ref()?.reset_words(now)
}

/// The order every view lists accounts in: by need — an error, critical, low, then
/// the rest, ties in the settings' order — unless the user pinned an account to the
/// tray, which then comes first and the rest keep the settings' order; then one HeyGen
/// user's accounts next to the first of them ([`grouped`]).
pub fn ordered(snaps: &[AccountSnapshot], pinned: Option<&str>) -> Vec<AccountSnapshot> {
    let mut by: Vec<AccountSnapshot> = snaps.to_vec();
    match pinned.filter(|p| snaps.iter().any(|s| s.name == *p)) {
        Some(p) => by.sort_by_key(|s| s.name != p),
        None => by.sort_by_key(need),
    }
    grouped(&by)
}

/// 0 for the account that needs the user most.
fn need(s: &AccountSnapshot) -> u8 {
    match crate::snapshot::icon_state(s) {
        IconState::Error => 0,
        IconState::Critical => 1,
        IconState::Low => 2,
        _ => 3,
    }
}

/// The accounts in the given order, with the accounts of one HeyGen user moved up
/// next to the first of them.
pub fn grouped(snaps: &[AccountSnapshot]) -> Vec<AccountSnapshot> {
    let user = |s: &AccountSnapshot| s.summary.as_ref().map(|x| x.username.clone());
    let mut out: Vec<AccountSnapshot> = Vec::with_capacity(snaps.len());
    for s in snaps {
        if out.iter().any(|o| o.name == s.name) {
            continue;
        }
        out.push(s.clone());
        if let Some(u) = user(s) {
            out.extend(snaps.iter().filter(|o| o.name != s.name && user(o).as_ref() == Some(&u)).cloned());
        }
    }
    out
}

/// The HeyGen user an account shares with another account, if any.
pub fn shared_user(s: &AccountSnapshot, all: &[AccountSnapshot]) -> Option<String> {
    let u = &s.summary.as_ref()?.username;
    all.iter().any(|o| o.name != s.name && o.summary.as_ref().is_some_and(|x| &x.username == u)).then(|| u.clone())
}

#[cfg(test)]
#[path = "glance_tests.rs"]
mod tests;
