//! Low-funds alerts: one notification when an account falls to low, one when it falls
//! to critical, one when its key is rejected; nothing more while it stays there.
//! Re-armed only after a recovery above the level by a margin. A start in an
//! already-critical state gives one notification, not a burst. Pure: the caller sends
//! the notifications and marks them sent only once delivery succeeded.

mod expiry;
pub mod pause;
mod pools;
mod reload;
mod sign_in;
pub mod spike;

pub use crate::settings::AlertMemory;
pub use expiry::{decide_expiry, describe as describe_key, warning as key_warning};
pub use pools::{decide_overage, decide_reset, other_pool_note};
pub use reload::{covered_below, decide_reload, explain as explain_reload, reload_of, GRACE as RELOAD_GRACE};
pub use sign_in::decide_sign_in;

use crate::billing::{margin, Level};
use crate::snapshot::AccountSnapshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    Low,
    Critical,
    KeyRejected,
    /// The forecast says the account runs out within the chosen number of days.
    Forecast,
    /// Auto-reload should have topped the wallet up and has not (see [`reload`]).
    ReloadMissed,
    /// The API key expires within 7 days (see [`expiry`]).
    KeyExpiresInAWeek,
    /// The API key expires within a day.
    KeyExpiresTomorrow,
    /// Spending far above the usual pace (see [`spike`]).
    Spike,
    /// An OAuth account's sign-in expired or was revoked (its "key rejected").
    SignInEnded,
    /// A sign-in the app cannot renew ends within 2 days (see [`sign_in`]).
    SignInEndsIn2Days,
    /// It ends within a day.
    SignInEndsTomorrow,
    /// A usage-based plan's included credits ran out: usage is billed as overage.
    Overage,
    /// A credit pool resets soon with more than half of it unused (opt-in).
    ResetReminder,
}

/// A notification to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub account: String,
    pub kind: AlertKind,
    pub summary: String,
    pub body: String,
}

/// What to send for one account now, and its memory with any re-arming applied.
/// With `paused`, nothing is sent (and nothing marked), so a pending alert fires once
/// the pause ends if the account is still down there.
pub fn decide(snap: &AccountSnapshot, memory: &AlertMemory, paused: bool) -> (Option<Alert>, AlertMemory) {
    let mut memory = memory.clone();
    let mut alert = None;
    if let Some(e) = &snap.error {
        if let (Some(words), Some(sign_in), false) = (crate::snapshot::sign_in_words::ended(snap), &snap.sign_in, memory.key_rejected_sent)
        {
            alert = Some(Alert {
                account: snap.name.clone(),
                kind: AlertKind::SignInEnded,
                summary: format!("HeyGen {words}: {}", snap.name),
                body: format!(
                    "{} of {} {}, so its balance is not being watched. To go on, {}.",
                    if sign_in.linked.is_some() { "The HeyGen CLI sign-in" } else { "The OAuth sign-in" },
                    snap.name,
                    if words.ends_with("expired") { "has expired" } else { "was revoked" },
                    sign_in.how_to_renew()
                ),
            });
        } else if e.is_auth_rejected() && !memory.key_rejected_sent {
            alert = Some(Alert {
                account: snap.name.clone(),
                kind: AlertKind::KeyRejected,
                summary: format!("HeyGen key rejected: {}", snap.name),
                // A key that never worked (added without a check) was never "accepted".
                body: if snap.fetched_at.is_some() {
                    "HeyGen no longer accepts this key, so its balance is not being watched. Replace it in Settings.".into()
                } else {
                    "HeyGen does not accept this key, so its balance is not being watched. Check it and replace it in Settings.".into()
                },
            });
        }
        // Stale figures carry no news: no balance alert from them.
        return (alert.filter(|_| !paused), memory);
    }
    let Some(summary) = &snap.summary else { return (None, memory) };
    // A successful fetch: the key works again.
    memory.key_rejected_sent = false;
    let (Some(remaining), Some(unit)) = (summary.remaining, summary.unit) else { return (None, memory) };
    let t = snap.thresholds.resolve(unit);
    // A fall HeyGen's auto-reload should cover is expected: no alert at or below its threshold.
    let covered = reload::covered_below(summary, &memory).map_or(f64::NEG_INFINITY, |below| below);
    if remaining > t.low + margin(t.low, unit) {
        memory.low_sent = false;
        memory.critical_sent = false;
    } else if remaining > t.critical + margin(t.critical, unit) {
        memory.critical_sent = false;
    }
    alert = match t.level(remaining) {
        Level::Critical if !memory.critical_sent && t.critical > covered => Some(Alert {
            account: snap.name.clone(),
            kind: AlertKind::Critical,
            summary: format!("HeyGen balance critical: {}", snap.name),
            body: match what_to_do(summary, remaining, true) {
                // Used up: said as it is, without "$0.00 left (critical at $2.00)"; a
                // plan over its cap says by how much.
                _ if remaining < 0.0 && summary.billing_type.as_deref() == Some("usage_based") => {
                    format!("{}: new videos fail until you raise the cap at app.heygen.com/billing.", summary.left_words())
                }
                used_up if remaining <= 0.0 => used_up.to_string(),
                action => format!("{} (critical at {}). {action}", summary.left_words(), unit.amount(t.critical)),
            },
        }),
        Level::Low if !memory.low_sent && t.low > covered => Some(Alert {
            account: snap.name.clone(),
            kind: AlertKind::Low,
            summary: format!("HeyGen balance low: {}", snap.name),
            body: format!("{} (low at {}). {}", summary.left_words(), unit.amount(t.low), what_to_do(summary, remaining, false)),
        }),
        _ => None,
    };
    (alert.filter(|_| !paused), memory)
}

/// What to do about a falling balance, in its billing type's terms: a usage-based
/// plan's cap is raised, not topped up; nothing left is said as it is.
fn what_to_do(summary: &crate::billing::Summary, remaining: f64, critical: bool) -> &'static str {
    let capped = summary.billing_type.as_deref() == Some("usage_based");
    match (capped, remaining <= 0.0, critical) {
        (true, true, _) => "The spending cap is reached: new videos fail until you raise it at app.heygen.com/billing.",
        (false, true, _) => "Nothing is left: new videos fail until you top up at app.heygen.com/billing.",
        (true, false, true) => "Videos may fail soon — raise the cap at app.heygen.com/billing.",
        (false, false, true) => "Videos may fail soon — top up at app.heygen.com/billing.",
        (true, false, false) => "Raise the cap soon at app.heygen.com/billing.",
        (false, false, false) => "Top up soon at app.heygen.com/billing.",
    }
}

/// Marks an alert as delivered.
pub fn mark_sent(memory: &mut AlertMemory, kind: AlertKind) {
    match kind {
        AlertKind::Low => memory.low_sent = true,
        // Critical covers low too: no low alert afterwards while it stays down.
        AlertKind::Critical => {
            memory.critical_sent = true;
            memory.low_sent = true;
        }
        AlertKind::KeyRejected | AlertKind::SignInEnded => memory.key_rejected_sent = true,
        AlertKind::Forecast => memory.forecast_sent = true,
        // It says the balance is low and why: no low alert after it in this episode.
        AlertKind::ReloadMissed => {
            memory.reload_missed_sent = true;
            memory.low_sent = true;
        }
        AlertKind::KeyExpiresInAWeek => memory.key_reminded_days = Some(memory.key_reminded_days.unwrap_or(7).min(7)),
        AlertKind::KeyExpiresTomorrow => memory.key_reminded_days = Some(1),
        AlertKind::Spike => memory.spike_sent = true,
        AlertKind::SignInEndsIn2Days => memory.key_reminded_days = Some(memory.key_reminded_days.unwrap_or(2).min(2)),
        AlertKind::SignInEndsTomorrow => memory.key_reminded_days = Some(1),
        AlertKind::Overage => memory.overage_sent = true,
        AlertKind::ResetReminder => memory.reset_reminded_for = memory.reset_due,
    }
}

/// One alert per episode when the forecast drops under `within_days` (0: off);
/// re-armed once the forecast is comfortably above it again (1.5 times) or gone.
pub fn decide_forecast(
    account: &str,
    days_left: Option<f64>,
    forecast_text: &str,
    within_days: f64,
    memory: &AlertMemory,
    paused: bool,
) -> (Option<Alert>, AlertMemory) {
    let mut memory = memory.clone();
    if within_days <= 0.0 {
        return (None, memory);
    }
    match days_left {
        Some(d) if d <= within_days => {
            if memory.forecast_sent || paused {
                return (None, memory);
            }
            let alert = Alert {
                account: account.to_string(),
                kind: AlertKind::Forecast,
                summary: format!("HeyGen balance runs out soon: {account}"),
                body: format!("At the current pace: {forecast_text}. Top up at app.heygen.com/billing."),
            };
            (Some(alert), memory)
        }
        Some(d) if d <= within_days * 1.5 => (None, memory),
        _ => {
            memory.forecast_sent = false;
            (None, memory)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ApiError, ErrorKind, UserMe};
    use crate::billing::ThresholdOverride;

    fn snap(balance: f64) -> AccountSnapshot {
        let me: UserMe = serde_json::from_value(serde_json::json!({
            "username": "u", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": balance}
        }))
        .unwrap();
        let mut s = AccountSnapshot::new("work", ThresholdOverride::default());
        s.record(Ok(me), chrono::Utc::now());
        s
    }

    /// Feeds balances through decide + delivery and returns the kinds sent.
    fn run(balances: &[f64], memory: &mut AlertMemory) -> Vec<AlertKind> {
        let mut sent = Vec::new();
        for b in balances {
            let (alert, m) = decide(&snap(*b), memory, false);
            *memory = m;
            if let Some(a) = alert {
                mark_sent(memory, a.kind);
                sent.push(a.kind);
            }
        }
        sent
    }

    #[test]
    fn low_balance_alert_fires_once_per_crossing() {
        let mut m = AlertMemory::default();
        let sent = run(&[50.0, 12.0, 9.5, 9.0, 8.0, 10.5, 9.9, 7.0, 2.5, 1.9, 1.5, 0.0, 0.0], &mut m);
        assert_eq!(sent, [AlertKind::Low, AlertKind::Critical]);
    }

    #[test]
    fn recovery_needs_a_margin_and_then_re_arms() {
        let mut m = AlertMemory::default();
        assert_eq!(run(&[9.0], &mut m), [AlertKind::Low]);
        assert_eq!(run(&[10.9, 9.0], &mut m), [], "10.9 is within the $1 margin");
        assert_eq!(run(&[11.5, 9.0], &mut m), [AlertKind::Low]);
        assert_eq!(run(&[1.0, 2.9, 1.0], &mut m), [AlertKind::Critical]);
        assert_eq!(run(&[3.5, 1.0], &mut m), [AlertKind::Critical], "back above critical + margin re-arms critical only");
        assert_eq!(run(&[60.0, 8.0, 1.0], &mut m), [AlertKind::Low, AlertKind::Critical]);
    }

    #[test]
    fn a_start_in_a_critical_state_gives_one_alert() {
        let mut m = AlertMemory::default();
        assert_eq!(run(&[0.5, 0.4, 0.3], &mut m), [AlertKind::Critical]);
    }

    #[test]
    fn remembered_alerts_are_not_repeated_after_restart() {
        let mut m = AlertMemory { low_sent: true, ..Default::default() };
        assert_eq!(run(&[8.0, 7.0], &mut m), []);
    }

    #[test]
    fn paused_alerts_stay_silent_and_fire_when_the_pause_ends() {
        let m = AlertMemory::default();
        let (alert, m) = decide(&snap(5.0), &m, true);
        assert_eq!(alert, None);
        assert!(!m.low_sent);
        let (alert, _) = decide(&snap(5.0), &m, false);
        assert_eq!(alert.unwrap().kind, AlertKind::Low);
    }

    #[test]
    fn an_undelivered_alert_is_tried_again() {
        let m = AlertMemory::default();
        let (a1, m) = decide(&snap(5.0), &m, false);
        // delivery failed: not marked
        let (a2, _) = decide(&snap(5.0), &m, false);
        assert_eq!((a1.map(|a| a.kind), a2.map(|a| a.kind)), (Some(AlertKind::Low), Some(AlertKind::Low)));
    }

    #[test]
    fn a_rejected_key_notifies_once_and_stale_figures_do_not_alert() {
        let mut s = snap(50.0);
        let mut m = AlertMemory::default();
        s.record(Err(ApiError::new(ErrorKind::Unauthorized, "no")), chrono::Utc::now());
        let (a, m2) = decide(&s, &m, false);
        assert_eq!(a.as_ref().unwrap().kind, AlertKind::KeyRejected);
        assert!(a.unwrap().body.contains("Settings"));
        m = m2;
        mark_sent(&mut m, AlertKind::KeyRejected);
        assert_eq!(decide(&s, &m, false).0, None);
        let mut stale = snap(1.0);
        stale.record(Err(ApiError::new(ErrorKind::Network, "offline")), chrono::Utc::now());
        assert_eq!(decide(&stale, &AlertMemory::default(), false).0, None);
    }

    #[test]
    fn an_ended_sign_in_says_sign_in_expired_once_not_key_rejected() {
        use crate::sign_in::SignIn;
        let now = chrono::Utc::now();
        let mut s = snap(50.0);
        s.sign_in = Some(SignIn {
            expires_at: Some(now - chrono::Duration::hours(1)),
            renewable: false,
            linked: Some("/h/.heygen/credentials".into()),
            username: None,
        });
        s.record(Err(ApiError::new(ErrorKind::Unauthorized, "no")), now);
        let (a, mut m) = decide(&s, &AlertMemory::default(), false);
        let a = a.unwrap();
        assert_eq!((a.kind, a.summary.as_str()), (AlertKind::SignInEnded, "HeyGen sign-in expired: work"));
        assert!(a.body.starts_with("The HeyGen CLI sign-in of work has expired") && a.body.contains("`heygen auth login`"), "{}", a.body);
        mark_sent(&mut m, a.kind);
        assert_eq!(decide(&s, &m, false).0, None, "once");
        s.sign_in.as_mut().unwrap().expires_at = Some(now + chrono::Duration::days(3));
        let (a, _) = decide(&s, &AlertMemory::default(), false);
        assert_eq!(a.unwrap().summary, "HeyGen sign-in revoked: work");
    }

    #[test]
    fn forecast_alerts_once_per_episode() {
        let mut m = AlertMemory::default();
        let mut sent = 0;
        for d in [Some(10.0), Some(2.9), Some(2.5), Some(1.0), Some(4.0), Some(2.0), Some(5.0), Some(2.0), None] {
            let (a, m2) = decide_forecast("work", d, "about 2 days left", 3.0, &m, false);
            m = m2;
            if let Some(a) = a {
                assert!(a.body.contains("about 2 days left"));
                mark_sent(&mut m, a.kind);
                sent += 1;
            }
        }
        assert_eq!(sent, 2, "once at 2.9, again after recovering to 5 days");
        assert_eq!(decide_forecast("w", Some(1.0), "", 0.0, &AlertMemory::default(), false).0, None, "0 turns it off");
        assert_eq!(decide_forecast("w", Some(1.0), "", 3.0, &AlertMemory::default(), true).0, None, "paused");
    }

    #[test]
    fn messages_name_the_amount_and_threshold() {
        let (a, _) = decide(&snap(8.5), &AlertMemory::default(), false);
        let a = a.unwrap();
        assert_eq!(a.summary, "HeyGen balance low: work");
        assert!(a.body.starts_with("$8.50 left (low at $10.00)"), "{}", a.body);
    }

    #[test]
    fn every_billing_type_reads_as_one_sentence() {
        let seen = |data: serde_json::Value| {
            let mut s = AccountSnapshot::new("work", ThresholdOverride::default());
            s.record(Ok(serde_json::from_value::<UserMe>(data).unwrap()), chrono::Utc::now());
            decide(&s, &AlertMemory::default(), false).0.unwrap().body
        };
        let usage = |cur: f64| {
            json_value(&format!(
                r#"{{"username":"u","billing_type":"usage_based","usage_based":{{"spending_current_usd":{cur},"spending_cap_usd":100}}}}"#
            ))
        };
        assert!(seen(usage(90.0)).starts_with("$10.00 left of $100 cap (low at $10.00). "), "{}", seen(usage(90.0)));
        assert_eq!(seen(usage(103.0)), "$3.00 over $100 cap: new videos fail until you raise the cap at app.heygen.com/billing.");
        let plan =
            json_value(r#"{"username":"u","billing_type":"subscription","subscription":{"credits":{"premium_credits":{"remaining":15}}}}"#);
        assert!(seen(plan).starts_with("15 credits left (low at 20 credits). "));
        let credits = json_value(r#"{"username":"u","billing_type":"wallet","wallet":{"currency":"credits","remaining_balance":3}}"#);
        assert!(seen(credits).starts_with("3 credits left (critical at 5 credits). "));
    }

    fn json_value(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }
}
