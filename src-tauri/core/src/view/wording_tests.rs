//! The wording table: every sentence a user reads about one account (tray title,
//! tooltip, menu line, card, forecast, notification, spend), for each billing type
//! at each level and in trouble, read whole against one table kept in this file.
//! A change of wording shows here as a diff of sentences.

use super::frame::{frame, Scene};
use super::Forecasts;
use crate::api::{ApiError, ErrorKind, UserMe};
use crate::forecast::{Forecast, Pace};
use crate::settings::{AlertMemory, Settings};
use crate::snapshot::AccountSnapshot;
use crate::spend::{self, Totals};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use std::collections::HashMap;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 10, 12, 0, 0).unwrap()
}

fn wallet(balance: f64) -> serde_json::Value {
    json!({"username": "jane_doe", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": balance}})
}

fn usage(left: f64) -> serde_json::Value {
    json!({"username": "jane_doe", "billing_type": "usage_based", "usage_based": {"spending_current_usd": 100.0 - left, "spending_cap_usd": 100.0}})
}

fn credits(left: f64) -> serde_json::Value {
    let reset = (now() + Duration::days(20)).to_rfc3339();
    json!({"username": "jane_doe", "billing_type": "subscription",
        "subscription": {"plan": "creator", "credits": {"premium_credits": {"remaining": left, "resets_at": reset}}}})
}

/// Everything said about the account `name` seen with `profile` two minutes ago,
/// one sentence per line.
fn sentences(name: &str, profile: serde_json::Value, trouble: Option<ErrorKind>, forecast: Option<Forecast>) -> String {
    let at = now() - Duration::minutes(2);
    let me: UserMe = serde_json::from_value(profile).unwrap();
    let mut snap = AccountSnapshot::new(name, Default::default());
    snap.record(Ok(me), at);
    if let Some(kind) = trouble {
        snap.record(Err(ApiError::new(kind, "HTTP 503")), now());
    }
    let unit = snap.summary.as_ref().and_then(|s| s.unit).map_or("usd", |u| u.as_str());
    let period =
        |spent| spend::Period { since: now() - Duration::days(3), spent, topped_up: 0.0, unwatched_secs: 0, watched_secs: 3 * 86_400 };
    let spend = HashMap::from([(
        name.to_string(),
        Totals { unit: unit.into(), today: period(1.5), last_7_days: period(4.0), this_month: period(4.0) },
    )]);
    let forecasts: Forecasts = forecast.into_iter().map(|f| (name.to_string(), f)).collect();
    let settings = Settings::default();
    let snaps = [snap.clone()];
    let scene = Scene {
        snaps: &snaps,
        forecasts: &forecasts,
        spend: &spend,
        paces: &HashMap::new(),
        settings: &settings,
        tray_host: true,
        demo: false,
        history_rev: 0,
    };
    let f = frame(&scene, now());
    let card = &f.dashboard.accounts[0];
    let mut out = vec![
        format!("title: {}", f.tray.title),
        format!("tooltip: {}", f.tray.tooltip_lines.join(" / ")),
        format!("menu: {}", f.tray.account_lines.join(" / ")),
        format!("card: {} [{}]", card.headline, card.badge),
    ];
    out.extend(card.what.iter().map(|w| format!("card what: {w}")));
    out.extend(card.last_seen.iter().map(|w| format!("card last seen: {w}")));
    out.extend(card.error.iter().map(|e| format!("card error: {}", e.action)));
    out.extend(card.forecast.iter().map(|w| format!("forecast: {w}")));
    out.extend(card.buys.iter().map(|w| format!("buys: {w}")));
    out.extend(f.dashboard.spend.get(name).map(|w| format!("spend: {w}")));
    let (alert, _) = crate::alerts::decide(&snap, &AlertMemory::default(), false);
    out.push(match alert {
        Some(a) => format!("notification: {} — {}", a.summary, a.body),
        None => "notification: none".into(),
    });
    out.join("\n")
}

fn runs_out_in(minutes: i64) -> Option<Forecast> {
    Some(Forecast::RunsOut { at: now() + Duration::minutes(minutes), pace: Pace::Day })
}

/// The table, one block per case: the sentences a user reads, exactly.
const TABLE: &str = "\
== wallet ok
title: $42.50
tooltip: work: $42.50 · ok · updated 2 min ago · ≈ 14 min of Avatar IV
menu: work: $42.50 · 2 min ago
card: $42.50 [ok]
card what: wallet · jane_doe
forecast: no spending in the last 7 days
buys: ≈ 14 min of Avatar IV
spend: Today: spent $1.50 · 7 days: spent $4.00 · This month: spent $4.00
notification: none
== wallet low
title: $8.00
tooltip: work: $8.00 · low · updated 2 min ago · ≈ 2 min of Avatar IV · about 40 min left at the pace of the last day
menu: work: $8.00 · 2 min ago
card: $8.00 [low]
card what: wallet · jane_doe
forecast: about 40 min left at the pace of the last day
buys: ≈ 2 min of Avatar IV
spend: Today: spent $1.50 · 7 days: spent $4.00 · This month: spent $4.00
notification: HeyGen balance low: work — $8.00 left (low at $10.00). Top up soon at app.heygen.com/billing.
== wallet critical
title: $1.50
tooltip: work: $1.50 · critical · updated 2 min ago · ≈ 30 s of Avatar IV · about 8 min left at the pace of the last day
menu: work: $1.50 · 2 min ago
card: $1.50 [critical]
card what: wallet · jane_doe
forecast: about 8 min left at the pace of the last day
buys: ≈ 30 s of Avatar IV
spend: Today: spent $1.50 · 7 days: spent $4.00 · This month: spent $4.00
notification: HeyGen balance critical: work — $1.50 left (critical at $2.00). Videos may fail soon — top up at app.heygen.com/billing.
== wallet used up
title: $0.00
tooltip: work: $0.00 · critical · updated 2 min ago · used up — top up to keep making videos
menu: work: $0.00 · 2 min ago
card: $0.00 [critical]
card what: wallet · jane_doe
forecast: used up — top up to keep making videos
spend: Today: spent $1.50 · 7 days: spent $4.00 · This month: spent $4.00
notification: HeyGen balance critical: work — Nothing is left: new videos fail until you top up at app.heygen.com/billing.
== wallet offline
title: $8.00
tooltip: work: $8.00 · low · stale (offline) · updated 2 min ago · ≈ 2 min of Avatar IV
menu: work: $8.00 · 2 min ago
card: $8.00 [low · stale]
card what: wallet · jane_doe
card error: Cannot reach HeyGen — check your connection; retrying automatically
buys: ≈ 2 min of Avatar IV
spend: Today: spent $1.50 · 7 days: spent $4.00 · This month: spent $4.00
notification: none
== wallet rejected
title: key rejected
tooltip: work: key rejected · last seen $42.50 2 min ago
menu: work: key rejected — last seen $42.50 2 min ago
card: Key rejected [key rejected]
card what: wallet · jane_doe
card last seen: last seen $42.50 2 min ago
card error: Key rejected — replace it in Settings
spend: Today: spent $1.50 · 7 days: spent $4.00 · This month: spent $4.00
notification: HeyGen key rejected: work — HeyGen no longer accepts this key, so its balance is not being watched. Replace it in Settings.
== usage ok
title: $57.50 left of $100 cap
tooltip: team: $57.50 left of $100 cap · ok · updated 2 min ago · ≈ 19 min of Avatar IV
menu: team: $57.50 left of $100 cap · 2 min ago
card: $57.50 left of $100 cap [ok]
card what: usage-based · jane_doe
forecast: not enough history yet
buys: ≈ 19 min of Avatar IV
spend: Today: spent $1.50 · 7 days: spent $4.00 · This month: spent $4.00
notification: none
== usage low
title: $10.00 left of $100 cap
tooltip: team: $10.00 left of $100 cap · low · updated 2 min ago · ≈ 3 min of Avatar IV · about 45 min left at the pace of the last day
menu: team: $10.00 left of $100 cap · 2 min ago
card: $10.00 left of $100 cap [low]
card what: usage-based · jane_doe
forecast: about 45 min left at the pace of the last day
buys: ≈ 3 min of Avatar IV
spend: Today: spent $1.50 · 7 days: spent $4.00 · This month: spent $4.00
notification: HeyGen balance low: team — $10.00 left of $100 cap (low at $10.00). Raise the cap soon at app.heygen.com/billing.
== usage critical
title: $1.00 left of $100 cap
tooltip: team: $1.00 left of $100 cap · critical · updated 2 min ago · ≈ 20 s of Avatar IV · about 3 min left at the pace of the last day
menu: team: $1.00 left of $100 cap · 2 min ago
card: $1.00 left of $100 cap [critical]
card what: usage-based · jane_doe
forecast: about 3 min left at the pace of the last day
buys: ≈ 20 s of Avatar IV
spend: Today: spent $1.50 · 7 days: spent $4.00 · This month: spent $4.00
notification: HeyGen balance critical: team — $1.00 left of $100 cap (critical at $2.00). Videos may fail soon — raise the cap at app.heygen.com/billing.
== usage cap reached
title: $0.00 left of $100 cap
tooltip: team: $0.00 left of $100 cap · critical · updated 2 min ago
menu: team: $0.00 left of $100 cap · 2 min ago
card: $0.00 left of $100 cap [critical]
card what: usage-based · jane_doe
spend: Today: spent $1.50 · 7 days: spent $4.00 · This month: spent $4.00
notification: HeyGen balance critical: team — The spending cap is reached: new videos fail until you raise it at app.heygen.com/billing.
== usage server error
title: $57.50 left of $100 cap
tooltip: team: $57.50 left of $100 cap · ok · stale (HeyGen server error) · updated 2 min ago · ≈ 19 min of Avatar IV
menu: team: $57.50 left of $100 cap · 2 min ago
card: $57.50 left of $100 cap [ok · stale]
card what: usage-based · jane_doe
card error: HeyGen is having trouble — retrying automatically
buys: ≈ 19 min of Avatar IV
spend: Today: spent $1.50 · 7 days: spent $4.00 · This month: spent $4.00
notification: none
== credits ok
title: 200 credits
tooltip: web: 200 credits · ok · updated 2 min ago · premium credits reset in 20 days
menu: web: 200 credits · 2 min ago · premium credits reset in 20 days
card: 200 credits [ok]
card what: subscription (Creator) · jane_doe
forecast: no spending in the last 7 days
spend: Today: spent 1.5 credits · 7 days: spent 4 credits · This month: spent 4 credits
notification: none
== credits low
title: 15 credits
tooltip: web: 15 credits · low · updated 2 min ago · premium credits reset in 20 days · about 50 min left at the pace of the last day
menu: web: 15 credits · 2 min ago · premium credits reset in 20 days
card: 15 credits [low]
card what: subscription (Creator) · jane_doe
forecast: about 50 min left at the pace of the last day
spend: Today: spent 1.5 credits · 7 days: spent 4 credits · This month: spent 4 credits
notification: HeyGen balance low: web — 15 credits left (low at 20 credits). Top up soon at app.heygen.com/billing.
== credits critical
title: 3 credits
tooltip: web: 3 credits · critical · updated 2 min ago · premium credits reset in 20 days · about 20 min left at the pace of the last day
menu: web: 3 credits · 2 min ago · premium credits reset in 20 days
card: 3 credits [critical]
card what: subscription (Creator) · jane_doe
forecast: about 20 min left at the pace of the last day
spend: Today: spent 1.5 credits · 7 days: spent 4 credits · This month: spent 4 credits
notification: HeyGen balance critical: web — 3 credits left (critical at 5 credits). Videos may fail soon — top up at app.heygen.com/billing.
== credits rejected
title: key rejected
tooltip: web: key rejected · last seen 200 credits 2 min ago
menu: web: key rejected — last seen 200 credits 2 min ago
card: Key rejected [key rejected]
card what: subscription (Creator) · jane_doe
card last seen: last seen 200 credits 2 min ago
card error: Key rejected — replace it in Settings
spend: Today: spent 1.5 credits · 7 days: spent 4 credits · This month: spent 4 credits
notification: HeyGen key rejected: web — HeyGen no longer accepts this key, so its balance is not being watched. Replace it in Settings.
";

#[test]
fn every_billing_type_and_level_reads_in_whole_sentences() {
    let cases: Vec<(&str, String)> = vec![
        ("wallet ok", sentences("work", wallet(42.5), None, Some(Forecast::NoSpending))),
        ("wallet low", sentences("work", wallet(8.0), None, runs_out_in(40))),
        ("wallet critical", sentences("work", wallet(1.5), None, runs_out_in(8))),
        ("wallet used up", sentences("work", wallet(0.0), None, runs_out_in(-5))),
        ("wallet offline", sentences("work", wallet(8.0), Some(ErrorKind::Network), None)),
        ("wallet rejected", sentences("work", wallet(42.5), Some(ErrorKind::Unauthorized), None)),
        ("usage ok", sentences("team", usage(57.5), None, Some(Forecast::TooLittleData))),
        ("usage low", sentences("team", usage(10.0), None, runs_out_in(45))),
        ("usage critical", sentences("team", usage(1.0), None, runs_out_in(3))),
        ("usage cap reached", sentences("team", usage(0.0), None, None)),
        ("usage server error", sentences("team", usage(57.5), Some(ErrorKind::Server), None)),
        ("credits ok", sentences("web", credits(200.0), None, Some(Forecast::NoSpending))),
        ("credits low", sentences("web", credits(15.0), None, runs_out_in(50))),
        ("credits critical", sentences("web", credits(3.0), None, runs_out_in(20))),
        ("credits rejected", sentences("web", credits(200.0), Some(ErrorKind::Unauthorized), None)),
    ];
    let got: String = cases.iter().map(|(case, text)| format!("== {case}\n{text}\n")).collect();
    if got != TABLE {
        let want: Vec<&str> = TABLE.lines().collect();
        let diff: Vec<String> =
            got.lines().enumerate().filter(|(i, l)| want.get(*i) != Some(l)).map(|(i, l)| format!("{:>3}: {l}", i + 1)).collect();
        panic!("the wording changed; lines that differ from the table:\n{}\n\nthe whole of it now:\n{got}", diff.join("\n"));
    }
}
