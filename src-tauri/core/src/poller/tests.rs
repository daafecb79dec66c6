//! The poller on a manual clock: panics, automatic intervals and recalled history.

use super::*;
use crate::api::ApiBase;
use crate::clock::ManualClock;
use crate::secret::Secret;

#[tokio::test]
async fn a_panic_in_a_poll_becomes_an_error_and_the_schedule_goes_on() {
    let clock = ManualClock::new(Utc::now());
    let client = Client::new(ApiBase::parse("http://127.0.0.1:9").unwrap());
    let mut poller = Poller::new(client, Arc::new(clock.clone()), Duration::from_secs(300));
    poller.set_accounts(vec![AccountConfig::new("a", Credential::ApiKey(Secret::new("k")))]);
    let job = poller.take_due().pop().expect("due at start");
    assert_eq!(poller.next_due(), None, "in flight");
    let done = guarded(job.name.clone(), job.generation, false, async { panic!("TimeDelta out of bounds") }).await;
    poller.complete(done);
    let snap = &poller.snapshots()[0];
    let e = snap.error.as_ref().expect("the panic is the account's error");
    assert!(e.message.contains("TimeDelta out of bounds") && e.message.contains("tried again"), "{}", e.message);
    assert!(!e.is_auth_rejected());
    let next = poller.next_due().expect("polled again later, not stuck in flight");
    clock.advance((next - clock.now()).to_std().unwrap());
    assert_eq!(poller.take_due().len(), 1, "the schedule goes on");
}

fn answer(job: &Job, balance: f64) -> Done {
    let me: UserMe = serde_json::from_value(serde_json::json!({
        "username": "u", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": balance}
    }))
    .unwrap();
    Done { name: job.name.clone(), generation: job.generation, result: Some(Ok(me)), new_tokens: None, unsaved: false, key: None }
}

/// A poller on a manual clock, with automatic polling, against nothing.
fn automatic_poller() -> (ManualClock, Poller) {
    let clock = ManualClock::new(Utc::now());
    let client = Client::new(ApiBase::parse("http://127.0.0.1:9").unwrap());
    let mut poller = Poller::new(client, Arc::new(clock.clone()), Duration::from_secs(300));
    poller.apply(Command::SetAutomatic);
    (clock, poller)
}

#[tokio::test]
async fn automatic_polling_follows_the_figures_and_battery_with_a_manual_clock() {
    let (clock, mut poller) = automatic_poller();
    poller.set_accounts(vec![AccountConfig::new("a", Credential::OAuth(Secret::new("t")))]);
    // Polls at each due time; the delay until the next one.
    let step = |poller: &mut Poller, balance: f64| {
        let job = poller.take_due().pop().expect("due");
        poller.complete(answer(&job, balance));
        let next = poller.next_due().unwrap();
        let wait = (next - clock.now()).to_std().unwrap();
        clock.advance(wait);
        (wait.as_secs(), poller.snapshots()[0].polling.clone().unwrap())
    };
    let (wait, why) = step(&mut poller, 12.0);
    assert!((108..=132).contains(&wait) && why == "every 2 min, near a threshold", "{wait} {why}");
    poller.apply(Command::SetOnBattery(true));
    let (wait, why) = step(&mut poller, 12.0);
    assert!((216..=264).contains(&wait) && why.contains("on battery"), "{wait} {why}");
    poller.apply(Command::SetOnBattery(false));
    let (wait, why) = step(&mut poller, 50.0);
    assert!((270..=330).contains(&wait) && why == "every 5 min", "a top-up, far from thresholds: {wait} {why}");
    // Falling $2 a minute towards $10: every minute, never sooner, whatever the jitter.
    let mut waits = Vec::new();
    for b in [40.0, 38.0, 36.0, 34.0] {
        waits.push(step(&mut poller, b).0);
    }
    assert!(waits[1..].iter().all(|w| (60..=66).contains(w)), "{waits:?}");
    // Back to a fixed interval.
    poller.apply(Command::SetInterval(Duration::from_secs(600)));
    let (wait, _) = {
        let job = poller.take_due().pop().expect("due");
        poller.complete(answer(&job, 34.0));
        ((poller.next_due().unwrap() - clock.now()).num_seconds(), ())
    };
    assert!((540..=660).contains(&wait), "{wait}");
    assert_eq!(poller.snapshots()[0].polling, None);
}

#[tokio::test]
async fn after_a_restart_the_history_says_the_account_was_quiet() {
    let (clock, mut poller) = automatic_poller();
    let oauth = |name: &str| AccountConfig::new(name, Credential::OAuth(Secret::new("t")));
    poller.set_accounts(vec![oauth("a"), oauth("b")]);
    // $50 for the last 4 hours on both, recalled before "a" is polled and after "b" is.
    let sample = |account: &str, hours: i64| crate::history::Sample {
        account: account.into(),
        at: clock.now() - chrono::Duration::hours(hours),
        remaining: 50.0,
        unit: "usd".into(),
        spent: 0.0,
        added: 0.0,
    };
    let mut jobs = poller.take_due();
    let b = jobs.pop().unwrap();
    assert_eq!(b.name, "b");
    poller.complete(answer(&b, 50.0));
    assert_eq!(poller.snapshots()[1].polling.as_deref(), Some("every 5 min"), "nothing recalled yet");
    poller.apply(Command::Recall((1..=4).rev().flat_map(|h| [sample("a", h), sample("b", h)]).collect()));
    poller.complete(answer(&jobs.pop().unwrap(), 50.0));
    for snap in poller.snapshots() {
        assert_eq!(snap.polling.as_deref(), Some("every 15 min, unchanged for hours"), "{}", snap.name);
    }
}

#[tokio::test]
async fn the_key_check_takes_a_slot_of_its_own_a_minute_from_every_poll() {
    let (clock, mut poller) = automatic_poller();
    poller.set_accounts(vec![AccountConfig::new("k", Credential::ApiKey(Secret::new("k")))]);
    // Steps to each due time and answers it: $10.50 falling $0.50 a poll, near the
    // $10 threshold (every 1–2 min), with the key check due at once and again a day later.
    let mut starts: Vec<(DateTime<Utc>, bool)> = Vec::new();
    let mut balance = 10.5;
    while clock.now() - starts.first().map_or(clock.now(), |s| s.0) < chrono::Duration::hours(25) {
        let jobs = poller.take_due();
        assert!(jobs.len() <= 1, "one request at a time");
        for job in jobs {
            starts.push((clock.now(), job.key_only));
            let done = match job.key_only {
                true => Done {
                    name: job.name.clone(),
                    generation: job.generation,
                    result: None,
                    new_tokens: None,
                    unsaved: false,
                    key: Some(Ok(None)),
                },
                false => {
                    balance = f64::max(balance - 0.5, 9.0);
                    answer(&job, balance)
                }
            };
            poller.complete(done);
        }
        let next = poller.next_due().expect("always something planned");
        clock.advance((next - clock.now()).to_std().unwrap_or_default().max(Duration::from_secs(1)));
    }
    let keys: Vec<_> = starts.iter().filter(|s| s.1).map(|s| s.0).collect();
    assert_eq!(keys.len(), 2, "checked at start and a day later: {keys:?}");
    assert!(!starts[0].1, "the balance comes first");
    assert!((keys[0] - starts[0].0).num_seconds() >= 60, "a minute after the first poll");
    let gaps: Vec<i64> = starts.windows(2).map(|w| (w[1].0 - w[0].0).num_seconds()).collect();
    assert!(gaps.iter().all(|g| *g >= 60), "never two requests within a minute: {gaps:?}");
    assert!(gaps.iter().filter(|g| **g <= 130).count() >= 3, "polled often while falling near the threshold: {gaps:?}");
    assert_eq!(poller.snapshots()[0].key_checked_at.map(|t| t >= keys[1]), Some(true));
}

#[tokio::test]
async fn a_rejected_key_is_asked_about_once_then_left_alone_until_it_changes() {
    let (clock, mut poller) = automatic_poller();
    let keyed = |key: &str| AccountConfig::new("k", Credential::ApiKey(Secret::new(key)));
    poller.set_accounts(vec![keyed("old")]);
    let job = poller.take_due().pop().unwrap();
    let rejected = ApiError::new(crate::api::ErrorKind::Unauthorized, "rejected");
    poller.complete(Done {
        name: job.name.clone(),
        generation: job.generation,
        result: Some(Err(rejected)),
        new_tokens: None,
        unsaved: false,
        key: None,
    });
    // A minute later HeyGen is asked what happened to the key (revoked, expired)...
    clock.advance(MIN_GAP.to_std().unwrap());
    let job = poller.take_due().pop().expect("the key check");
    assert!(job.key_only);
    let revoked = crate::api::KeyInfo { status: Some("revoked".into()), ..Default::default() };
    poller.complete(Done {
        name: job.name.clone(),
        generation: job.generation,
        result: None,
        new_tokens: None,
        unsaved: false,
        key: Some(Ok(Some(revoked))),
    });
    assert_eq!(poller.snapshots()[0].key.as_ref().and_then(|k| k.status.as_deref()), Some("revoked"));
    // ...and then nothing more, for days.
    assert_eq!(poller.next_due(), None);
    clock.advance(Duration::from_secs(3 * 86_400));
    assert!(poller.take_due().is_empty());
    // A new key: polled at once, its own check a minute later.
    poller.set_accounts(vec![keyed("new")]);
    assert!(!poller.take_due().pop().expect("the new key's poll").key_only);
}
