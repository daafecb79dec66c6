//! What an answer from `/v3/users/me` means for the user: a headline, detail lines,
//! the `remaining` figure with its unit, and a level against thresholds.
//!
//! Pure functions of the answer and the current time; nothing here does I/O.

pub mod format;
mod spender;
mod thresholds;

pub use spender::Spender;
pub use thresholds::{margin, Level, ThresholdOverride, Thresholds};

use crate::api::schema::{AutoReload, Billing, CreditPool, UserMe};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The unit `remaining` is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Usd,
    Credits,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Usd => "usd",
            Unit::Credits => "credits",
        }
    }

    /// `$42.50` or `1,250 credits`.
    pub fn amount(self, value: f64) -> String {
        match self {
            Unit::Usd => format::usd(value),
            Unit::Credits => format::credits(value),
        }
    }
}

/// A credit pool of a subscription.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Pool {
    pub name: String,
    pub remaining: Option<f64>,
    pub resets_at: Option<DateTime<Utc>>,
}

/// Spend against the cap of a usage-based account, in USD.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Spend {
    pub current_usd: Option<f64>,
    pub cap_usd: Option<f64>,
}

/// The credits a usage-based plan includes each period, and how many are left: past
/// them, usage is billed as overage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Included {
    pub included: f64,
    pub remaining: f64,
}

/// Everything the views show about one account's balance.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Summary {
    pub username: String,
    /// "Jane Doe" when the API gives a name.
    pub display_name: Option<String>,
    /// The API's `billing_type`, verbatim (null when absent).
    pub billing_type: Option<String>,
    /// `$42.50`, `1,250 credits`, `$57.50 left of $100 cap`.
    pub headline: String,
    /// Plan, credit pools with reset times, auto-reload, spend against cap.
    pub details: Vec<String>,
    pub remaining: Option<f64>,
    pub unit: Option<Unit>,
    pub plan: Option<String>,
    pub pools: Vec<Pool>,
    pub auto_reload: Option<AutoReload>,
    pub spend: Option<Spend>,
    /// A usage-based plan's included credits, when HeyGen reports both figures.
    #[serde(default)]
    pub included: Option<Included>,
}

impl Summary {
    /// What is left, as a sentence's start: "$4.00 left", "200 credits left", and a
    /// usage-based headline as it is ("$10.00 left of $100 cap", "$3.00 over $100 cap").
    pub fn left_words(&self) -> String {
        if self.headline.contains(" left") || self.headline.contains(" over ") {
            self.headline.clone()
        } else {
            format!("{} left", self.headline)
        }
    }

    /// The earliest future reset of a credit pool that still has credits.
    pub fn next_reset(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.pools.iter().filter(|p| p.remaining.is_some_and(|r| r > 0.0)).filter_map(|p| p.resets_at).filter(|t| *t > now).min()
    }

    /// "premium credits reset in 3 days": the pool that resets next, counting down.
    pub fn reset_words(&self, now: DateTime<Utc>) -> Option<String> {
        let at = self.next_reset(now)?;
        let pool = self.pools.iter().find(|p| p.resets_at == Some(at) && p.remaining.is_some_and(|r| r > 0.0))?;
        Some(format!("{} reset {}", pool.name.to_lowercase(), format::relative(at, now)))
    }

    /// The level of `remaining` against the thresholds for its unit.
    pub fn level(&self, thresholds: &ThresholdOverride) -> Level {
        match (self.remaining, self.unit) {
            (Some(remaining), Some(unit)) => thresholds.resolve(unit).level(remaining),
            _ => Level::Unknown,
        }
    }

    /// `wallet · jane_doe`: what the account is, for menus and lists.
    pub fn what(&self) -> String {
        let kind = self.billing_type.as_deref().unwrap_or("unknown billing").replace('_', "-");
        match &self.plan {
            Some(plan) => format!("{kind} ({}) · {}", title_case(plan), self.username),
            None => format!("{kind} · {}", self.username),
        }
    }
}

/// Interprets an answer. `now` dates the "resets in ..." phrases.
pub fn summarize(me: &UserMe, now: DateTime<Utc>) -> Summary {
    let display_name = match (&me.first_name, &me.last_name) {
        (Some(f), Some(l)) if !f.is_empty() || !l.is_empty() => Some(format!("{f} {l}").trim().to_string()),
        (Some(f), None) if !f.is_empty() => Some(f.clone()),
        _ => None,
    };
    let mut s = Summary {
        username: me.username.clone(),
        display_name,
        billing_type: me.billing_type.clone(),
        headline: String::new(),
        details: Vec::new(),
        remaining: None,
        unit: None,
        plan: None,
        pools: Vec::new(),
        auto_reload: None,
        spend: None,
        included: None,
    };
    // `UserMe` values reach here only after the client checked `billing()`.
    match me.billing().unwrap_or(Billing::Unknown) {
        Billing::Wallet(w) => {
            let unit = match w.currency.as_deref() {
                Some("credits") => Unit::Credits,
                Some(other) if other != "usd" => {
                    s.details.push(format!("Currency: {other} (shown as dollars)"));
                    Unit::Usd
                }
                _ => Unit::Usd,
            };
            s.unit = Some(unit);
            s.remaining = w.remaining_balance;
            s.headline = match w.remaining_balance {
                Some(v) => unit.amount(v),
                None => "Balance not reported".into(),
            };
            s.details.push(match unit {
                Unit::Usd => "API wallet (USD)".into(),
                Unit::Credits => "API wallet (credits)".into(),
            });
            if let Some(ar) = &w.auto_reload {
                s.details.push(auto_reload_line(ar));
            }
            s.auto_reload = w.auto_reload;
        }
        Billing::Subscription(sub) => {
            s.unit = Some(Unit::Credits);
            if let Some(plan) = &sub.plan {
                s.details.push(format!("Plan: {}", title_case(plan)));
            }
            s.plan = sub.plan.clone();
            let credits = sub.credits.unwrap_or_default();
            for (name, pool) in [("Premium credits", credits.premium_credits), ("Add-on credits", credits.add_on_credits)] {
                if let Some(pool) = pool {
                    let pool = read_pool(name, &pool);
                    s.details.push(pool_line(&pool, now));
                    s.pools.push(pool);
                }
            }
            let known: Vec<f64> = s.pools.iter().filter_map(|p| p.remaining).collect();
            s.remaining = if known.is_empty() { None } else { Some(known.iter().sum()) };
            s.headline = match s.remaining {
                Some(v) => format::credits(v),
                None => "Credits not reported".into(),
            };
        }
        Billing::UsageBased(u) => {
            let spend = Spend { current_usd: u.spending_current_usd, cap_usd: u.spending_cap_usd };
            match (u.spending_current_usd, u.spending_cap_usd) {
                (Some(cur), Some(cap)) => {
                    let left = cap - cur;
                    s.remaining = Some(left);
                    s.unit = Some(Unit::Usd);
                    s.headline = if left >= 0.0 {
                        format!("{} left of {} cap", format::usd(left), format::usd_short(cap))
                    } else {
                        format!("{} over {} cap", format::usd(-left), format::usd_short(cap))
                    };
                    let pct = if cap > 0.0 { format!(" ({}%)", (cur / cap * 100.0).round() as i64) } else { String::new() };
                    s.details.push(format!("Spent {} of {} cap{pct}", format::usd(cur), format::usd_short(cap)));
                }
                (cur, cap) => {
                    if let Some(rc) = u.remaining_credits {
                        s.remaining = Some(rc);
                        s.unit = Some(Unit::Credits);
                        s.headline = format::credits(rc);
                    } else if let Some(cur) = cur {
                        s.headline = format!("{} spent, no cap", format::usd(cur));
                    } else {
                        s.headline = "Usage not reported".into();
                    }
                    match (cur, cap) {
                        (Some(cur), None) => s.details.push(format!("Spent {} (no spending cap set)", format::usd(cur))),
                        (None, Some(cap)) => s.details.push(format!("Spending cap {}", format::usd_short(cap))),
                        _ => {}
                    }
                }
            }
            match (u.included_credits, u.remaining_credits) {
                (Some(inc), Some(rem)) => {
                    s.included = Some(Included { included: inc, remaining: rem });
                    let used = (inc - rem).max(0.0);
                    s.details.push(format!(
                        "Included credits: {} used, {} left of {}",
                        format::number(used),
                        format::number(rem.max(0.0)),
                        format::number(inc)
                    ));
                    if rem <= 0.0 && inc > 0.0 {
                        s.details.push("Included credits used up: usage is now billed as overage".into());
                    }
                }
                (Some(inc), None) => s.details.push(format!("Included credits: {}", format::number(inc))),
                (None, Some(rem)) if s.unit != Some(Unit::Credits) => s.details.push(format!("Credits left: {}", format::number(rem))),
                _ => {}
            }
            s.details.insert(0, "Usage-based billing".into());
            s.spend = Some(spend);
        }
        Billing::Unknown => {
            s.headline = "No balance information".into();
            s.details.push(match &me.billing_type {
                Some(t) => format!("Billing type \"{t}\" is not known to this version"),
                None => "HeyGen did not say how this account is billed".into(),
            });
        }
    }
    s
}

fn read_pool(name: &str, pool: &CreditPool) -> Pool {
    Pool {
        name: name.to_string(),
        remaining: pool.remaining,
        resets_at: pool.resets_at.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc)),
    }
}

/// "180 premium credits · reset in 5 days". HeyGen documents no carry-over, so a
/// pool "resets"; nothing is said to be lost.
fn pool_line(pool: &Pool, now: DateTime<Utc>) -> String {
    let name = pool.name.to_lowercase();
    let amount = match pool.remaining {
        Some(1.0) => format!("1 {}", name.trim_end_matches('s')),
        Some(n) => format!("{} {name}", format::number(n)),
        None => format!("{name}: unknown"),
    };
    match pool.resets_at {
        Some(t) if t > now => format!("{amount} · reset {}", format::relative(t, now)),
        Some(t) => format!("{amount} · reset due {}", format::relative(t, now)),
        None => amount,
    }
}

fn auto_reload_line(ar: &AutoReload) -> String {
    match (ar.enabled, ar.amount_usd, ar.threshold_usd) {
        (Some(true), Some(amount), Some(threshold)) => {
            format!("Auto-reload on: adds {} when below {}", format::usd(amount), format::usd(threshold))
        }
        (Some(true), Some(amount), None) => format!("Auto-reload on: adds {}", format::usd(amount)),
        (Some(true), _, _) => "Auto-reload on".into(),
        (Some(false), _, _) => "Auto-reload off".into(),
        (None, _, _) => "Auto-reload: unknown".into(),
    }
}

fn title_case(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Auto-reload as HeyGen reports it for a wallet in dollars: (threshold, amount).
pub fn reload_of(summary: &Summary) -> Option<(f64, Option<f64>)> {
    let ar = summary.auto_reload.as_ref().filter(|ar| ar.enabled == Some(true))?;
    if summary.unit != Some(Unit::Usd) {
        return None;
    }
    Some((ar.threshold_usd?, ar.amount_usd.filter(|a| *a > 0.0)))
}

#[cfg(test)]
mod tests;
