//! The monitor over days, in seconds: `core::monitor::Monitor` against the simulator
//! on a clock the test moves, at the default cadence (automatic polling, with its
//! jitter), nothing clicked. Before each step the simulator is given the balance the
//! story has at that moment. These are the proof of the decisions the app makes.

use crate::support::{client, sim, Sim};
use chrono::{DateTime, Duration, Utc};
use heygen_tray_core::alerts::AlertKind;
use heygen_tray_core::api::Credential;
use heygen_tray_core::clock::ManualClock;
use heygen_tray_core::history::History;
use heygen_tray_core::monitor::{Effects, Monitor};
use heygen_tray_core::poller::{AccountConfig, Command, Poller};
use heygen_tray_core::secret::Secret;
use heygen_tray_core::settings::Settings;
use heygen_tray_core::snapshot::{IconState, State};
use heygen_tray_sim::accounts::Auth;
use serde_json::json;
use std::sync::Arc;

#[path = "scenarios/pools.rs"]
mod pools;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").unwrap().with_timezone(&Utc)
}

fn wallet(balance: f64) -> serde_json::Value {
    json!({"username": "jane_doe", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": balance}})
}

/// A story: a simulator, a monitor with the default settings (or `settings`) polling
/// `names` (each a wallet at `start`), and the clock.
struct Story {
    sim: Sim,
    clock: ManualClock,
    monitor: Monitor,
    _dir: tempfile::TempDir,
}

impl Story {
    fn new(names: &[&str], start: f64, settings: Settings, key_checks: bool) -> Story {
        let sim = sim();
        let clock = ManualClock::new(t0());
        let mut configs = Vec::new();
        for name in names {
            let key = format!("hg_story_{name}");
            sim.add_account(name, &key, Auth::ApiKey, wallet(start));
            configs.push(AccountConfig {
                name: name.to_string(),
                credential: Credential::ApiKey(Secret::new(&key)),
                thresholds: Default::default(),
                refresh: None,
                sign_in: None,
            });
        }
        let mut poller = Poller::new(client(&sim), Arc::new(clock.clone()), settings.poll_interval());
        if !key_checks {
            poller = poller.without_key_checks();
        }
        poller.set_accounts(configs);
        poller.apply(Command::from(settings.polling()));
        let dir = tempfile::tempdir().unwrap();
        let (history, _) = History::open(&dir.path().join("history.sqlite3")).unwrap();
        Story { sim, clock, monitor: Monitor::new(poller, history, settings), _dir: dir }
    }

    /// Steps the monitor from poll to poll until `until`, setting each account's
    /// balance from `world` (the story's time) before each step; `seen` is shown what
    /// each step did.
    async fn run(
        &mut self,
        until: DateTime<Utc>,
        world: &mut dyn FnMut(&Sim, DateTime<Utc>),
        seen: &mut dyn FnMut(DateTime<Utc>, &Effects, &Monitor),
    ) {
        while let Some(next) = self.monitor.poller.next_due().filter(|next| *next <= until) {
            self.clock.set(next.max(self.clock_now()));
            world(&self.sim, self.clock_now());
            let effects = self.monitor.step().await;
            seen(self.clock_now(), &effects, &self.monitor);
        }
        self.clock.set(until);
    }

    fn clock_now(&self) -> DateTime<Utc> {
        use heygen_tray_core::clock::Clock;
        self.clock.now()
    }
}

fn kinds(effects: &Effects) -> Vec<AlertKind> {
    effects.notified.iter().map(|a| a.kind).collect()
}

/// A steady $0.20 an hour (a few short videos a day), then from `burn` on $2 a minute.
fn steady_then_burn(burn: DateTime<Utc>) -> impl FnMut(&Sim, DateTime<Utc>) {
    move |sim, t| {
        let steady = 500.0 - 0.2 * (t.min(burn) - t0()).num_seconds() as f64 / 3600.0;
        let burned = 2.0 * (t - burn).num_seconds().max(0) as f64 / 60.0;
        sim.set_profile("work", wallet((steady - burned).max(0.0)));
    }
}

#[tokio::test]
async fn a_quiet_week_then_a_runaway_burn_brings_one_spike_alert_within_15_minutes() {
    let mut story = Story::new(&["work"], 500.0, Settings::default(), true);
    let burn = t0() + Duration::days(7) + Duration::minutes(17);
    let mut spikes = Vec::new();
    let mut before_burn = Vec::new();
    story
        .run(burn + Duration::minutes(40), &mut steady_then_burn(burn), &mut |t, e, _| {
            for a in &e.notified {
                if t < burn {
                    before_burn.push(a.kind);
                }
                if a.kind == AlertKind::Spike {
                    spikes.push(t);
                }
            }
        })
        .await;
    assert!(before_burn.is_empty(), "a quiet week alerts nothing: {before_burn:?}");
    assert_eq!(spikes.len(), 1, "one spike alert per episode: {spikes:?}");
    let after = spikes[0] - burn;
    assert!(after <= Duration::minutes(15), "told {} min after the burn began", after.num_minutes());
    // Meanwhile the account is polled at the floor.
    let polling = story.monitor.snapshots()[0].polling.clone().unwrap_or_default();
    assert!(polling.contains("every 1 min") && polling.contains("spending far above"), "{polling}");
    println!("spike told {} s after the burn began; then polled {polling}", after.num_seconds());
}

#[tokio::test]
async fn at_a_fixed_half_hour_interval_a_spike_is_told_within_two_polls() {
    let settings = Settings { poll_automatic: false, poll_interval_secs: 30 * 60, ..Settings::default() };
    let mut story = Story::new(&["work"], 500.0, settings, false);
    let burn = t0() + Duration::days(7) + Duration::minutes(5);
    let mut spikes = Vec::new();
    story
        .run(burn + Duration::minutes(120), &mut steady_then_burn(burn), &mut |t, e, _| {
            spikes.extend(kinds(e).into_iter().filter(|k| *k == AlertKind::Spike).map(|_| t));
        })
        .await;
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    assert!(spikes[0] - burn <= Duration::minutes(60), "told {} min after", (spikes[0] - burn).num_minutes());
}

#[tokio::test]
async fn a_slow_drain_through_low_and_critical_alerts_once_each_with_a_forecast_ahead() {
    let mut story = Story::new(&["work"], 40.0, Settings::default(), true);
    // $1 an hour from $40: low ($10) at 30 h. At 31 h a failed video's $1.50 comes back
    // ($10.50: above low, not by its margin, so no second low alert); critical ($2) at 39.5 h.
    let mut world = |sim: &Sim, t: DateTime<Utc>| {
        let hours = (t - t0()).num_seconds() as f64 / 3600.0;
        let refund = if hours >= 31.0 { 1.5 } else { 0.0 };
        sim.set_profile("work", wallet((40.0 - hours + refund).max(0.0)));
    };
    let mut told: Vec<(DateTime<Utc>, AlertKind)> = Vec::new();
    let mut forecast_at_low = None;
    story
        .run(t0() + Duration::hours(41), &mut world, &mut |t, e, m| {
            for k in kinds(e) {
                told.push((t, k));
                if k == AlertKind::Low {
                    forecast_at_low = m.derived("work").and_then(|d| d.forecast.clone()).and_then(|f| f.days_left(t));
                }
            }
        })
        .await;
    let of = |kind| told.iter().filter(|(_, k)| *k == kind).map(|(t, _)| *t).collect::<Vec<_>>();
    let (low, critical) = (of(AlertKind::Low), of(AlertKind::Critical));
    assert_eq!((low.len(), critical.len()), (1, 1), "{told:?}");
    // Told within a few minutes of the crossing (polling tightens near a threshold).
    let late = |at: DateTime<Utc>, minutes: i64| at - (t0() + Duration::minutes(minutes));
    assert!(
        late(low[0], 30 * 60) <= Duration::minutes(5) && late(low[0], 30 * 60) >= Duration::zero(),
        "low {} min late",
        late(low[0], 30 * 60).num_minutes()
    );
    let critical_late = late(critical[0], 39 * 60 + 30);
    assert!(
        critical_late <= Duration::minutes(5) && critical_late >= Duration::zero(),
        "critical {} min late",
        critical_late.num_minutes()
    );
    // The forecast at the low alert: about 10 hours left.
    let hours = forecast_at_low.expect("a forecast at the low alert") * 24.0;
    assert!((hours - 10.0).abs() < 1.0, "{hours} h left");
}

#[tokio::test]
async fn an_auto_reload_that_stops_is_told_once_then_the_usual_alerts_follow() {
    let mut story = Story::new(&["work"], 30.0, Settings::default(), false);
    // $4 an hour; HeyGen adds $50 when the wallet falls below $20, twice, then the card fails.
    let (mut balance, mut last, mut reloads) = (30.0_f64, t0(), 0);
    let mut failed_at = None;
    let mut world = |sim: &Sim, t: DateTime<Utc>| {
        balance -= 4.0 * (t - last).num_seconds() as f64 / 3600.0;
        last = t;
        if balance < 20.0 && reloads < 2 {
            balance += 50.0;
            reloads += 1;
        } else if balance < 20.0 && failed_at.is_none() {
            failed_at = Some(t);
        }
        let reload = json!({"enabled": true, "threshold_usd": 20, "amount_usd": 50});
        sim.set_profile(
            "work",
            json!({"username": "jane_doe", "billing_type": "wallet",
            "wallet": {"currency": "usd", "remaining_balance": balance.max(0.0), "auto_reload": reload}}),
        );
    };
    let mut told: Vec<(DateTime<Utc>, AlertKind)> = Vec::new();
    story.run(t0() + Duration::hours(36), &mut world, &mut |t, e, _| told.extend(kinds(e).into_iter().map(|k| (t, k)))).await;
    let failed_at = failed_at.expect("the third reload was due");
    let of = |kind| told.iter().filter(|(_, k)| *k == kind).map(|(t, _)| *t).collect::<Vec<_>>();
    let missed = of(AlertKind::ReloadMissed);
    assert_eq!(missed.len(), 1, "{told:?}");
    assert!(missed[0] - failed_at <= Duration::minutes(30), "told {} min after", (missed[0] - failed_at).num_minutes());
    // While reloads worked, no balance alert; after it stopped, low and critical once each.
    let (low, critical) = (of(AlertKind::Low), of(AlertKind::Critical));
    assert!(low.iter().chain(&critical).all(|t| *t > failed_at), "{told:?}");
    assert_eq!((low.len(), critical.len()), (1, 1), "{told:?}");
}

#[tokio::test]
async fn a_key_rejected_after_three_days_reads_as_an_error_and_is_not_polled_again() {
    let mut story = Story::new(&["work"], 42.0, Settings::default(), true);
    let revoked = t0() + Duration::days(3);
    let mut rejected_told = Vec::new();
    let mut done = false;
    story
        .run(
            t0() + Duration::days(5),
            &mut |sim, t| {
                if t >= revoked && !done {
                    sim.set_key("work", "hg_story_new_key");
                    done = true;
                }
            },
            &mut |t, e, _| rejected_told.extend(kinds(e).into_iter().filter(|k| *k == AlertKind::KeyRejected).map(|_| t)),
        )
        .await;
    assert_eq!(rejected_told.len(), 1, "{rejected_told:?}");
    assert!(rejected_told[0] - revoked <= Duration::minutes(31), "told {} min after", (rejected_told[0] - revoked).num_minutes());
    let hits = story.sim.hits("work");
    let s = &story.monitor.snapshots()[0];
    // Every surface reads the same error, with the last figure as history.
    assert_eq!(s.state(), State::Error);
    let view = heygen_tray_core::view::tray_view(std::slice::from_ref(s), &Default::default(), None, story.clock_now());
    assert_eq!(view.icon, IconState::Error);
    assert!(
        matches!(&view.drawing, Some(heygen_tray_core::tray_icon::Drawing::Figure { text, state: IconState::Error }) if text == "!"),
        "{:?}",
        view.drawing
    );
    assert!(view.tooltip_lines[0].starts_with("work: key rejected · last seen $42.00 "), "{}", view.tooltip_lines[0]);
    let card = &heygen_tray_core::view::cards(std::slice::from_ref(s), &Default::default(), story.clock_now())[0];
    assert_eq!((card.state, card.badge.as_str()), ("error", "key rejected"));
    // Two more days: not polled again with the rejected key.
    story.run(t0() + Duration::days(7), &mut |_, _| {}, &mut |_, _, _| {}).await;
    assert_eq!(story.sim.hits("work"), hits, "the rejected key was used again");
}

#[tokio::test]
async fn a_six_hour_outage_keeps_the_figures_stale_tells_the_hook_once_and_recovers() {
    let mut story = Story::new(&["work"], 42.0, Settings::default(), false);
    let (down, up) = (t0() + Duration::hours(24), t0() + Duration::hours(30));
    let mut unreachable = Vec::new();
    let mut stale_seen = false;
    let mut attempts_down = 0;
    story
        .run(
            t0() + Duration::hours(31),
            &mut |sim, t| {
                if t >= down && t < up {
                    sim.fail_next("work", 503, 1, None);
                }
            },
            &mut |t, e, m| {
                unreachable.extend(e.hooks.iter().filter(|h| h.event == "unreachable").map(|_| t));
                let s = &m.snapshots()[0];
                if t >= down && t < up {
                    attempts_down += e.requests;
                    stale_seen |= s.is_stale() && heygen_tray_core::snapshot::icon_state(s) == IconState::Stale;
                    assert_eq!(s.summary.as_ref().unwrap().headline, "$42.00", "the last figures stay");
                }
            },
        )
        .await;
    assert!(stale_seen, "stale (grey) while down");
    assert_eq!(unreachable.len(), 1, "{unreachable:?}");
    // Told at the first failed attempt past 15 minutes (attempts back off: 1, 2, 4, 8, 16 min).
    assert!(unreachable[0] - down <= Duration::minutes(35), "told {} min after", (unreachable[0] - down).num_minutes());
    // Backing off, not hammering: far fewer requests than a poll a minute.
    assert!(attempts_down < 60, "{attempts_down} requests in 6 hours down");
    let s = &story.monitor.snapshots()[0];
    assert!(s.error.is_none(), "recovered within an hour of the end: {:?}", s.error);
}

/// What a long story's polls were: requests, alerts, and per account the gaps between
/// its polls (closest, longest) and its last poll.
struct Spacing {
    requests: usize,
    alerts: usize,
    last: std::collections::HashMap<String, DateTime<Utc>>,
    closest: Duration,
    longest: Duration,
}

impl Spacing {
    fn new() -> Spacing {
        Spacing { requests: 0, alerts: 0, last: Default::default(), closest: Duration::days(1), longest: Duration::zero() }
    }

    fn saw(&mut self, t: DateTime<Utc>, e: &Effects, m: &Monitor) {
        self.requests += e.requests;
        self.alerts += e.notified.len();
        for s in m.snapshots().into_iter().filter(|s| s.attempted_at == Some(t)) {
            if let Some(prev) = self.last.insert(s.name.clone(), t) {
                self.closest = self.closest.min(t - prev);
                self.longest = self.longest.max(t - prev);
            }
        }
    }
}

#[tokio::test]
async fn fifty_accounts_for_a_day_never_poll_one_account_twice_within_a_minute() {
    let names: Vec<String> = (0..50).map(|i| format!("acct{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut story = Story::new(&refs, 900.0, Settings::default(), true);
    let started = std::time::Instant::now();
    // Each account spends a little in the mornings, at its own pace, and is quiet otherwise.
    let mut world = |sim: &Sim, t: DateTime<Utc>| {
        let days = (t - t0()).num_seconds() as f64 / 86_400.0;
        let spent_days = days.floor() + (days.fract() * 24.0).min(3.0) / 3.0;
        for (i, n) in names.iter().enumerate() {
            sim.set_profile(n, wallet(900.0 - spent_days * (1.0 + i as f64 / 10.0)));
        }
    };
    let mut polls = Spacing::new();
    story.run(t0() + Duration::days(1), &mut world, &mut |t, e, m| polls.saw(t, e, m)).await;
    let closest = polls.closest;
    assert!(closest >= Duration::minutes(1), "an account was polled {} s after its previous poll", closest.num_seconds());
    assert_eq!(polls.alerts, 0, "nothing to tell: every balance stays above $800");
    println!("50 accounts, a day: {} requests, closest {} s apart, {:?}", polls.requests, closest.num_seconds(), started.elapsed());
}

#[tokio::test]
async fn five_accounts_for_a_month_keep_their_spacing_and_never_stop_being_watched() {
    // Fifty accounts for a day (above) is the load; this is the length: a month of the
    // default cadence, each account quiet but for one busy morning a week (its own day).
    let names: Vec<String> = (0..5).map(|i| format!("month{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut story = Story::new(&refs, 900.0, Settings::default(), true);
    let started = std::time::Instant::now();
    let mut world = |sim: &Sim, t: DateTime<Utc>| {
        let days = (t - t0()).num_seconds() as f64 / 86_400.0;
        for (i, n) in names.iter().enumerate() {
            let (week, day) = ((days / 7.0).floor(), days % 7.0);
            // $10 over the first three hours of its busy day (day i of the week), every week.
            let this_week = ((day - i as f64) * 8.0).clamp(0.0, 1.0) * 10.0;
            sim.set_profile(n, wallet(900.0 - week * 10.0 - this_week));
        }
    };
    let end = t0() + Duration::days(30);
    let mut polls = Spacing::new();
    story.run(end, &mut world, &mut |t, e, m| polls.saw(t, e, m)).await;
    let (closest, longest) = (polls.closest, polls.longest);
    assert!(closest >= Duration::minutes(1), "an account was polled {} s after its previous poll", closest.num_seconds());
    assert!(longest <= Duration::minutes(36), "an account went {} min without a poll", longest.num_minutes());
    assert_eq!(polls.last.len(), 5);
    for (name, at) in &polls.last {
        assert!(end - *at <= Duration::minutes(36), "{name} was last polled {} min before the end", (end - *at).num_minutes());
    }
    // 48 a day at 30 min, and a busy morning a week polled closer (about 14 a day more).
    // Before an unchanged run kept its start past a day, this was 102.
    let per_day = polls.requests as f64 / 5.0 / 30.0;
    assert!(
        (48.0..=70.0).contains(&per_day),
        "{per_day:.0} requests per account per day: a quiet account is polled every 30 min, however long it stays quiet"
    );
    assert_eq!(polls.alerts, 0, "nothing to tell: every balance stays above $800");
    println!(
        "5 accounts, 30 days: {} requests ({per_day:.0}/account/day), {}–{} s apart, {:?}",
        polls.requests,
        closest.num_seconds(),
        longest.num_seconds(),
        started.elapsed()
    );
}
