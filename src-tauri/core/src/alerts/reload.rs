//! HeyGen's auto-reload. With it on, falling below its `threshold_usd` is expected:
//! HeyGen adds `amount_usd`. So a low or critical alert at or below that threshold is
//! held back while auto-reload works, and one "Auto-reload did not happen" alert comes
//! instead when the balance stays below the threshold past a grace period (at least
//! two polls) — usually a failed payment. A reload seen (the balance back at or above
//! the threshold) ends the episode and re-arms it.

use super::{Alert, AlertKind};
use crate::alerts::AlertMemory;
use crate::billing::{Summary, ThresholdOverride, Unit};
use crate::snapshot::AccountSnapshot;
use chrono::{DateTime, Duration, Utc};

/// How long the balance may stay below the reload threshold before it counts as missed.
pub const GRACE: Duration = Duration::minutes(15);

pub use crate::billing::reload_of;

/// The threshold below which auto-reload is trusted to act: `None` when it is off,
/// unknown, or was seen failing in the current episode (then the usual alerts apply).
pub fn covered_below(summary: &Summary, memory: &AlertMemory) -> Option<f64> {
    reload_of(summary).filter(|_| !memory.reload_missed_sent).map(|(threshold, _)| threshold)
}

/// Follows one account's reload episode and says when a reload was missed. Stale
/// figures (a failed attempt) are no news: they neither count as a poll nor end it.
pub fn decide_reload(
    snap: &AccountSnapshot,
    memory: &AlertMemory,
    now: DateTime<Utc>,
    grace: Duration,
    paused: bool,
) -> (Option<Alert>, AlertMemory) {
    let mut memory = memory.clone();
    if snap.error.is_some() {
        return (None, memory);
    }
    let Some(summary) = &snap.summary else { return (None, memory) };
    let (Some((threshold, amount)), Some(remaining)) = (reload_of(summary), summary.remaining) else {
        end_episode(&mut memory);
        return (None, memory);
    };
    if remaining >= threshold {
        end_episode(&mut memory);
        return (None, memory);
    }
    let since = *memory.reload_below_since.get_or_insert(now);
    // Each successful poll below the threshold counts once (by its fetch time).
    if memory.reload_last_seen != snap.fetched_at {
        memory.reload_last_seen = snap.fetched_at;
        memory.reload_polls_below = memory.reload_polls_below.saturating_add(1);
    }
    let overdue = now - since >= grace && memory.reload_polls_below >= 2;
    if !overdue || memory.reload_missed_sent || paused {
        return (None, memory);
    }
    let adds = amount.map_or(String::new(), |a| format!(" add {} and", Unit::Usd.amount(a)));
    let minutes = (now - since).num_minutes();
    let alert = Alert {
        account: snap.name.clone(),
        kind: AlertKind::ReloadMissed,
        summary: format!("Auto-reload did not happen: {}", snap.name),
        body: format!(
            "{} left, below the auto-reload threshold of {} for {minutes} minutes, yet HeyGen did not{adds} top it up. \
             Often a payment failed: check the card at https://app.heygen.com/billing",
            summary.headline,
            Unit::Usd.amount(threshold),
        ),
    };
    (Some(alert), memory)
}

/// For Settings: how the user's thresholds and HeyGen's auto-reload play together.
pub fn explain(summary: &Summary, thresholds: &ThresholdOverride, grace: Duration) -> Option<String> {
    let (threshold, amount) = reload_of(summary)?;
    let t = thresholds.resolve(Unit::Usd);
    let usd = |v: f64| Unit::Usd.amount(v);
    let adds = amount.map_or("tops this wallet up".to_string(), |a| format!("adds {}", usd(a)));
    let mut text = format!("HeyGen's auto-reload {adds} when it falls below {}.", usd(threshold));
    let quiet: Vec<String> = [("low", t.low), ("critical", t.critical)]
        .into_iter()
        .filter(|(_, at)| *at <= threshold)
        .map(|(name, at)| format!("{name} ({})", usd(at)))
        .collect();
    if !quiet.is_empty() {
        text.push_str(&format!(
            " Your {} alert{} at or below that stay{} quiet while it works; if the balance stays below {} for {} minutes, \"Auto-reload did not happen\" tells you instead.",
            quiet.join(" and "),
            if quiet.len() > 1 { "s" } else { "" },
            if quiet.len() > 1 { "" } else { "s" },
            usd(threshold),
            grace.num_minutes().max(1),
        ));
    }
    if t.low > threshold {
        text.push_str(&format!(" Low at {} comes before HeyGen reloads.", usd(t.low)));
    }
    Some(text)
}

fn end_episode(memory: &mut AlertMemory) {
    memory.reload_below_since = None;
    memory.reload_last_seen = None;
    memory.reload_polls_below = 0;
    memory.reload_missed_sent = false;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::{decide, mark_sent};
    use crate::api::{ApiError, ErrorKind, UserMe};
    use crate::billing::ThresholdOverride;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn snap(balance: f64, reload: Option<(f64, f64)>, at: DateTime<Utc>) -> AccountSnapshot {
        let ar = match reload {
            Some((t, a)) => serde_json::json!({"enabled": true, "threshold_usd": t, "amount_usd": a}),
            None => serde_json::json!({"enabled": false}),
        };
        let me: UserMe = serde_json::from_value(serde_json::json!({
            "username": "u", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": balance, "auto_reload": ar}
        }))
        .unwrap();
        let mut s = AccountSnapshot::new("work", ThresholdOverride::default());
        s.record(Ok(me), at);
        s
    }

    /// Feeds (minutes after t0, balance) polls through both decisions; the kinds sent.
    fn run(polls: &[(i64, f64)], reload: Option<(f64, f64)>, memory: &mut AlertMemory) -> Vec<AlertKind> {
        let mut sent = Vec::new();
        for (min, balance) in polls {
            let now = t0() + Duration::minutes(*min);
            let s = snap(*balance, reload, now);
            let (a1, m) = decide(&s, memory, false);
            let (a2, m) = decide_reload(&s, &m, now, GRACE, false);
            *memory = m;
            for a in [a1, a2].into_iter().flatten() {
                mark_sent(memory, a.kind);
                sent.push(a.kind);
            }
        }
        sent
    }

    #[test]
    fn a_fall_auto_reload_covers_brings_no_alert_and_a_reload_ends_it() {
        // Default thresholds: low $10, critical $2; reload below $10 adds $50.
        let mut m = AlertMemory::default();
        assert_eq!(run(&[(0, 30.0), (5, 12.0), (10, 9.0), (15, 60.0)], Some((10.0, 50.0)), &mut m), []);
        assert_eq!(m.reload_below_since, None, "the reload ended the episode");
        // Without auto-reload the same fall alerts.
        assert_eq!(run(&[(0, 30.0), (5, 9.0)], None, &mut AlertMemory::default()), [AlertKind::Low]);
    }

    #[test]
    fn a_missed_reload_alerts_once_after_the_grace_period_and_two_polls() {
        let mut m = AlertMemory::default();
        let polls = [(0, 12.0), (5, 9.0), (10, 8.5), (19, 8.0)];
        assert_eq!(run(&polls, Some((10.0, 50.0)), &mut m), [], "14 minutes below: still within the grace period");
        assert_eq!(run(&[(21, 8.0)], Some((10.0, 50.0)), &mut m), [AlertKind::ReloadMissed]);
        assert_eq!(run(&[(26, 7.5), (31, 7.0)], Some((10.0, 50.0)), &mut m), [], "once per episode; it stands for low too");
        // From now on the usual alerts apply: critical still comes.
        assert_eq!(run(&[(40, 1.5)], Some((10.0, 50.0)), &mut m), [AlertKind::Critical]);
        // A reload is seen: re-armed.
        assert_eq!(run(&[(50, 51.5), (55, 9.0), (80, 8.0)], Some((10.0, 50.0)), &mut m), [AlertKind::ReloadMissed]);
    }

    #[test]
    fn one_poll_is_not_enough_however_long_ago_it_was() {
        let mut m = AlertMemory::default();
        let s = snap(8.0, Some((10.0, 50.0)), t0());
        let (a, m2) = decide_reload(&s, &m, t0(), GRACE, false);
        assert!(a.is_none());
        m = m2;
        // The same figures looked at again an hour later (no new poll): no alert.
        let (a, m) = decide_reload(&s, &m, t0() + Duration::hours(1), GRACE, false);
        assert!(a.is_none(), "only one poll saw it");
        let later = snap(8.0, Some((10.0, 50.0)), t0() + Duration::hours(1));
        let (a, _) = decide_reload(&later, &m, t0() + Duration::hours(1), GRACE, false);
        let a = a.expect("two polls, past the grace period");
        assert_eq!(a.summary, "Auto-reload did not happen: work");
        assert!(
            a.body.contains("$8.00 left") && a.body.contains("$10.00") && a.body.contains("add $50.00") && a.body.contains("billing"),
            "{}",
            a.body
        );
    }

    #[test]
    fn thresholds_above_the_reload_threshold_still_alert_and_stale_figures_are_no_news() {
        // Low at $20 sits above the $10 reload threshold: a fall to $15 is not covered.
        let mut m = AlertMemory::default();
        let mut s = snap(15.0, Some((10.0, 50.0)), t0());
        s.thresholds = ThresholdOverride { low: Some(20.0), critical: None };
        assert_eq!(decide(&s, &m, false).0.map(|a| a.kind), Some(AlertKind::Low));
        // A failed poll neither counts nor ends an episode.
        let (_, m2) = decide_reload(&snap(8.0, Some((10.0, 50.0)), t0()), &m, t0(), GRACE, false);
        m = m2;
        let mut failed = snap(8.0, Some((10.0, 50.0)), t0());
        failed.record(Err(ApiError::new(ErrorKind::Network, "offline")), t0() + Duration::minutes(30));
        let (a, m3) = decide_reload(&failed, &m, t0() + Duration::minutes(30), GRACE, false);
        assert_eq!((a, m3.reload_polls_below, m3.reload_below_since), (None, 1, Some(t0())));
        // Paused: nothing sent, nothing marked; it comes when the pause ends.
        let s2 = snap(8.0, Some((10.0, 50.0)), t0() + Duration::minutes(31));
        let (a, m4) = decide_reload(&s2, &m3, t0() + Duration::minutes(31), GRACE, true);
        assert!(a.is_none() && !m4.reload_missed_sent);
        assert!(decide_reload(&s2, &m4, t0() + Duration::minutes(32), GRACE, false).0.is_some());
    }

    #[test]
    fn settings_explain_the_interplay_with_the_users_thresholds() {
        let summary = snap(30.0, Some((10.0, 50.0)), t0()).summary.unwrap();
        let text = explain(&summary, &ThresholdOverride::default(), GRACE).unwrap();
        assert_eq!(
            text,
            "HeyGen's auto-reload adds $50.00 when it falls below $10.00. Your low ($10.00) and critical ($2.00) alerts at or below \
             that stay quiet while it works; if the balance stays below $10.00 for 15 minutes, \"Auto-reload did not happen\" tells you instead."
        );
        let text = explain(&summary, &ThresholdOverride { low: Some(25.0), critical: Some(5.0) }, GRACE).unwrap();
        assert!(
            text.contains("Your critical ($5.00) alert at or below that stays quiet")
                && text.ends_with("Low at $25.00 comes before HeyGen reloads."),
            "{text}"
        );
        assert_eq!(explain(&snap(30.0, None, t0()).summary.unwrap(), &ThresholdOverride::default(), GRACE), None);
    }

    #[test]
    fn credits_wallets_and_unknown_thresholds_are_not_covered() {
        let mut s = snap(5.0, Some((10.0, 50.0)), t0());
        s.summary.as_mut().unwrap().unit = Some(Unit::Credits);
        assert_eq!(reload_of(s.summary.as_ref().unwrap()), None);
        let mut s = snap(5.0, Some((10.0, 50.0)), t0());
        s.summary.as_mut().unwrap().auto_reload.as_mut().unwrap().threshold_usd = None;
        assert_eq!(covered_below(s.summary.as_ref().unwrap(), &AlertMemory::default()), None);
        assert_eq!(decide(&s, &AlertMemory::default(), false).0.map(|a| a.kind), Some(AlertKind::Low));
    }
}
