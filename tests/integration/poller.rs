//! The poller against the simulator, with a clock the test moves by hand.

use crate::support::{client, sim, Sim};
use chrono::{DateTime, Utc};
use heygen_tray_core::api::{Credential, ErrorKind};
use heygen_tray_core::clock::{Clock, ManualClock};
use heygen_tray_core::poller::{AccountConfig, Command, Poller};
use heygen_tray_core::secret::Secret;
use heygen_tray_core::snapshot::State;
use std::sync::Arc;
use std::time::Duration;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().with_timezone(&Utc)
}

fn account(name: &str, key: &str) -> AccountConfig {
    AccountConfig::new(name, Credential::ApiKey(Secret::new(key)))
}

fn poller(sim: &Sim, clock: &ManualClock, accounts: Vec<AccountConfig>) -> Poller {
    let mut p = Poller::new(client(sim), Arc::new(clock.clone()), Duration::from_secs(300)).without_jitter().without_key_checks();
    p.set_accounts(accounts);
    p
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[tokio::test]
async fn polls_on_the_interval_and_not_before() {
    let sim = sim();
    let clock = ManualClock::new(t0());
    let mut p = poller(&sim, &clock, vec![account("main", "sim-wallet-key")]);
    assert_eq!(p.poll_due().await, 1);
    assert_eq!(p.snapshots()[0].summary.as_ref().unwrap().headline, "$42.50");
    clock.advance(secs(299));
    assert_eq!(p.poll_due().await, 0);
    clock.advance(secs(1));
    assert_eq!(p.poll_due().await, 1);
    assert_eq!(sim.hits("wallet"), 2);
}

#[tokio::test]
async fn failures_back_off_exponentially_and_success_resets() {
    let sim = sim();
    let clock = ManualClock::new(t0());
    let mut p = poller(&sim, &clock, vec![account("main", "sim-wallet-key")]);
    sim.fail_next("wallet", 503, 3, None);
    let mut hit_times = Vec::new();
    // Walk the clock second by second for 13 minutes and note when requests go out.
    for s in 0..=780u64 {
        clock.set(t0() + chrono::Duration::seconds(s as i64));
        if p.poll_due().await == 1 {
            hit_times.push(s);
        }
    }
    // Failures at 0, 60 (1st backoff), 180 (2nd: +120), success at 420 (3rd: +240), then +300.
    assert_eq!(hit_times, [0, 60, 180, 420, 720]);
    assert_eq!(p.schedule("main").unwrap().failures(), 0);
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let sim = sim();
    let clock = ManualClock::new(t0());
    let mut p = poller(&sim, &clock, vec![account("main", "sim-wallet-key")]);
    sim.fail_next("wallet", 429, 1, Some(90));
    p.poll_due().await;
    assert_eq!(p.snapshots()[0].error.as_ref().unwrap().kind, ErrorKind::RateLimited);
    assert_eq!(p.next_due(), Some(t0() + chrono::Duration::seconds(90)));
    clock.advance(secs(89));
    assert_eq!(p.poll_due().await, 0);
    clock.advance(secs(1));
    assert_eq!(p.poll_due().await, 1);
    assert_eq!(p.snapshots()[0].state(), State::Ok);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let sim = sim();
    let clock = ManualClock::new(Utc::now());
    let start = clock.now();
    let mut p = poller(&sim, &clock, vec![account("limited", "sim-429-date-key")]);
    p.poll_due().await;
    let wait = (p.next_due().unwrap() - start).num_seconds();
    assert!((100..=121).contains(&wait), "waited {wait}s for a Retry-After date 120 s ahead");
}

#[tokio::test]
async fn a_failure_keeps_the_last_good_figures_marked_stale() {
    let sim = sim();
    let clock = ManualClock::new(t0());
    let mut p = poller(&sim, &clock, vec![account("main", "sim-wallet-key")]);
    p.poll_due().await;
    sim.fail_next("wallet", 500, 1, None);
    clock.advance(secs(300));
    p.poll_due().await;
    let s = &p.snapshots()[0];
    assert!(s.is_stale());
    assert_eq!(s.summary.as_ref().unwrap().headline, "$42.50");
    assert_eq!(s.fetched_at, Some(t0()));
    assert_eq!(s.attempted_at, Some(t0() + chrono::Duration::seconds(300)));
    assert_eq!(s.error.as_ref().unwrap().kind, ErrorKind::Server);
    assert_eq!(s.state(), State::Error);
}

#[tokio::test]
async fn a_rejected_key_is_not_polled_again_until_it_changes() {
    let sim = sim();
    let clock = ManualClock::new(t0());
    let mut p = poller(&sim, &clock, vec![account("main", "sk_wrong_key_000000")]);
    assert_eq!(p.poll_due().await, 1);
    assert!(p.snapshots()[0].needs_new_key());
    for _ in 0..48 {
        clock.advance(secs(3600));
        p.refresh_now(None);
        assert_eq!(p.poll_due().await, 0);
    }
    assert_eq!(p.next_due(), None);
    p.set_accounts(vec![account("main", "sim-wallet-key")]);
    assert_eq!(p.poll_due().await, 1);
    assert_eq!(p.snapshots()[0].state(), State::Ok);
    assert_eq!(sim.hits("wallet"), 1);
}

#[tokio::test]
async fn refresh_now_polls_at_once_and_an_answer_for_an_old_key_is_dropped() {
    let sim = sim();
    let clock = ManualClock::new(t0());
    let mut p = poller(&sim, &clock, vec![account("main", "sim-wallet-key")]);
    p.poll_due().await;
    clock.advance(secs(10));
    p.refresh_now(Some("main"));
    assert_eq!(p.poll_due().await, 1);

    // A request for the old key is in flight when the key changes: its answer is ignored.
    clock.advance(secs(300));
    let jobs = p.take_due();
    assert_eq!(jobs.len(), 1);
    p.set_accounts(vec![account("main", "sim-credits-key")]);
    for job in jobs {
        let done = job.run().await;
        p.complete(done);
    }
    p.poll_due().await;
    assert_eq!(p.snapshots()[0].summary.as_ref().unwrap().headline, "1,250 credits");
}

#[tokio::test]
async fn accounts_are_polled_independently() {
    let sim = sim();
    let clock = ManualClock::new(t0());
    let mut p = poller(&sim, &clock, vec![account("a", "sim-wallet-key"), account("b", "sim-500-key")]);
    assert_eq!(p.poll_due().await, 2);
    clock.advance(secs(60));
    assert_eq!(p.poll_due().await, 1, "only the failing account retries after a minute");
    assert_eq!(sim.hits("server-error"), 2);
    assert_eq!(sim.hits("wallet"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_loop_publishes_snapshots_and_coalesces_refreshes() {
    let sim = sim();
    let p = Poller::new(client(&sim), Arc::new(heygen_tray_core::clock::SystemClock), Duration::from_secs(300));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (publish, mut snapshots) = tokio::sync::watch::channel(Arc::new(Vec::new()));
    let task = tokio::spawn(heygen_tray_core::poller::run(p, rx, publish, |_| {}));
    tx.send(Command::SetAccounts(vec![account("main", "sim-wallet-key")])).unwrap();
    let first = tokio::time::timeout(secs(5), snapshots.wait_for(|s| s.first().is_some_and(|a| a.summary.is_some())))
        .await
        .expect("first balance within 5 s")
        .unwrap()
        .clone();
    assert_eq!(first[0].summary.as_ref().unwrap().headline, "$42.50");
    sim.set_profile(
        "wallet",
        serde_json::json!({"username": "jane_doe", "billing_type": "wallet",
        "wallet": {"currency": "usd", "remaining_balance": 3.5}}),
    );
    tx.send(Command::RefreshNow(None)).unwrap();
    let second = tokio::time::timeout(
        secs(5),
        snapshots.wait_for(|s| s.first().and_then(|a| a.summary.as_ref()).is_some_and(|x| x.headline == "$3.50")),
    )
    .await
    .expect("refresh within 5 s")
    .unwrap()
    .clone();
    assert_eq!(second[0].state(), State::Low);
    assert_eq!(sim.hits("wallet"), 2);
    drop(tx);
    tokio::time::timeout(secs(5), task).await.expect("the loop ends when commands close").unwrap();
}
