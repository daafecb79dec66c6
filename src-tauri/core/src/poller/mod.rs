//! Polls every account on its own schedule and publishes snapshots.
//!
//! [`Poller`] holds the accounts and their schedules; [`Poller::poll_due`] is one step
//! (used by tests with a manual clock), and [`run`] is the loop the app runs: it keeps
//! requests in flight while it listens for commands, so "refresh now" during a request
//! is answered by that request instead of a second one.

pub mod adaptive;
pub mod schedule;

use crate::api::oauth::{OAuthTokens, Refresh};
use crate::api::{ApiError, Client, Credential, KeyInfo, UserMe};
use crate::billing::ThresholdOverride;
use crate::clock::Clock;
use crate::sign_in::SignIn;
use crate::snapshot::AccountSnapshot;
use chrono::{DateTime, Utc};
use rand::Rng;
use schedule::Schedule;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tracing::Instrument;

/// How long the loop sleeps at most before comparing its schedule with the wall clock.
pub const WALL_CLOCK_CHECK: Duration = Duration::from_secs(60);
/// How often an API key's description (`/v3/api_keys/self`) is checked.
pub const KEY_CHECK: chrono::Duration = chrono::Duration::hours(24);
/// After a failed key check, the next try.
pub const KEY_CHECK_RETRY: chrono::Duration = chrono::Duration::hours(1);
/// The least time between two requests for one account: the key check takes a slot
/// of its own between balance polls. ("Refresh now" is the user's own exception.)
/// A second over the minute, so network timing never brings two within one.
pub const MIN_GAP: chrono::Duration = chrono::Duration::seconds(61);

/// What the poller is told to poll.
#[derive(Debug, Clone)]
pub struct AccountConfig {
    pub name: String,
    pub credential: Credential,
    pub thresholds: ThresholdOverride,
    /// How to renew an OAuth token, when possible.
    pub refresh: Option<Refresh>,
    /// An OAuth account's sign-in: its expiry, and the HeyGen CLI file it follows.
    pub sign_in: Option<SignIn>,
}

impl AccountConfig {
    /// An account with the default thresholds, nothing to renew and no sign-in.
    pub fn new(name: impl Into<String>, credential: Credential) -> Self {
        AccountConfig { name: name.into(), credential, thresholds: ThresholdOverride::default(), refresh: None, sign_in: None }
    }
}

struct Polled {
    credential: Credential,
    refresh: Option<Refresh>,
    /// Bumped when the credentials change, so an answer for the old key is dropped.
    generation: u64,
    schedule: Schedule,
    snapshot: AccountSnapshot,
    /// When the key's description is checked next (API keys only; `None`: never).
    key_check_at: Option<DateTime<Utc>>,
    /// Recent figures for the automatic interval (see [`adaptive`]).
    recent: Vec<(DateTime<Utc>, f64)>,
    /// Why the current automatic interval was chosen.
    choice: Option<adaptive::Choice>,
    /// Figures read back from the history, merged into `recent` once the unit is known.
    recalled: Vec<(DateTime<Utc>, f64, String)>,
    /// When the latest request for this account (balance or key) started.
    last_request: Option<DateTime<Utc>>,
    key_in_flight: bool,
    /// Spending far above its usual pace (see [`Command::Spiking`]).
    spiking: bool,
}

impl Polled {
    /// When the key check may go out: once due, after the first balance poll, and
    /// [`MIN_GAP`] after the latest request; `None` for OAuth or while a request is out.
    fn key_slot(&self, gap: chrono::Duration) -> Option<DateTime<Utc>> {
        let due = self.key_check_at?;
        let last = self.last_request?;
        (!self.key_in_flight && !self.schedule.in_flight()).then(|| due.max(last + gap))
    }
}

/// One request to send.
pub struct Job {
    name: String,
    generation: u64,
    credential: Credential,
    refresh: Option<Refresh>,
    client: Client,
    now: DateTime<Utc>,
    /// Ask HeyGen about the key itself instead of the balance.
    key_only: bool,
    /// The sign-in of an OAuth account (the HeyGen CLI file it may follow).
    sign_in: Option<SignIn>,
}

/// A finished request.
pub struct Done {
    name: String,
    generation: u64,
    /// The balance poll's answer (`None` for a key check).
    result: Option<Result<UserMe, ApiError>>,
    new_tokens: Option<OAuthTokens>,
    /// The new tokens still have to be saved by the owner.
    unsaved: bool,
    /// The key check's answer, when one was made.
    key: Option<Result<Option<KeyInfo>, ApiError>>,
}

impl Job {
    /// Sends the request. Always gives an answer: a panic anywhere in the fetch
    /// becomes an error for this account, whose schedule then goes on.
    pub async fn run(self) -> Done {
        let span = tracing::info_span!("poll", account = %self.name);
        let (name, generation, key_only) = (self.name.clone(), self.generation, self.key_only);
        guarded(name, generation, key_only, self.fetch()).instrument(span).await
    }

    async fn fetch(self) -> Done {
        let (name, generation) = (self.name, self.generation);
        if self.key_only {
            let key = self.client.key_self(&self.credential).await;
            return Done { name, generation, result: None, new_tokens: None, unsaved: false, key: Some(key) };
        }
        let mut fetched = self.client.fetch_account(&self.credential, self.refresh.as_ref(), self.now).await;
        if let Some(sign_in) = self.sign_in.as_ref().filter(|_| fetched.result.as_ref().is_err_and(ApiError::is_auth_rejected)) {
            // HeyGen's CLI may have renewed the sign-in a moment ago (the old token
            // stops working at once): its file is read before the sign-in is called over.
            if let Some(again) = crate::cli_link::retry_with_file(&self.client, sign_in, &self.credential, self.now).await {
                fetched = again;
            }
        }
        match &fetched.result {
            Ok(_) => tracing::debug!("fetched"),
            Err(e) => tracing::warn!(kind = e.kind.as_str(), "fetch failed: {e}"),
        }
        Done { name, generation, result: Some(fetched.result), new_tokens: fetched.new_tokens, unsaved: fetched.unsaved, key: None }
    }
}

/// Runs `fetch`, turning a panic into an error answer for account `name` (of its
/// balance poll, or of its key check when `key_only`).
pub async fn guarded(name: String, generation: u64, key_only: bool, fetch: impl std::future::Future<Output = Done>) -> Done {
    use futures_util::FutureExt;
    match std::panic::AssertUnwindSafe(fetch).catch_unwind().await {
        Ok(done) => done,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            tracing::error!("the check of {name} failed unexpectedly: {what}");
            let message = format!("Checking this account failed unexpectedly ({what}); it will be tried again.");
            let error = ApiError::new(crate::api::ErrorKind::InvalidResponse, message);
            match key_only {
                true => Done { name, generation, result: None, new_tokens: None, unsaved: false, key: Some(Err(error)) },
                false => Done { name, generation, result: Some(Err(error)), new_tokens: None, unsaved: false, key: None },
            }
        }
    }
}

/// Commands from the views.
#[derive(Debug, Clone)]
pub enum Command {
    /// Refresh one account, or all with `None`.
    RefreshNow(Option<String>),
    /// Replace the set of accounts (added, removed, new keys or thresholds).
    SetAccounts(Vec<AccountConfig>),
    /// Like `SetAccounts`, but the accounts named in the second list stay as the
    /// poller has them (credentials, renewed tokens, figures), with new thresholds:
    /// their keys could not be read again (a keyring locked meanwhile), and the keys
    /// in memory still serve.
    SetAccountsKeeping(Vec<AccountConfig>, Vec<(String, ThresholdOverride)>),
    /// A fixed interval (and automatic polling off).
    SetInterval(Duration),
    /// Automatic polling: the interval follows each account's figures (see [`adaptive`]).
    SetAutomatic,
    /// The computer runs on battery (UPower's `OnBattery`): automatic intervals stretch.
    SetOnBattery(bool),
    /// The computer woke up or the network came back: retry failed accounts now.
    Wake,
    /// How often the loop compares its schedule with the wall clock while it sleeps
    /// (`None`: never, when resume signals tell it instead).
    SetClockCheck(Option<Duration>),
    /// Recent figures from the history at start, so automatic polling goes on from
    /// where it was before a restart.
    Recall(Vec<crate::history::Sample>),
    /// The accounts spending far above their usual pace now (`alerts::spike`): with
    /// automatic polling they are polled at the one-minute floor until the pace is
    /// normal again, battery or not.
    Spiking(Vec<String>),
}

impl From<crate::settings::Polling> for Command {
    fn from(polling: crate::settings::Polling) -> Command {
        match polling {
            crate::settings::Polling::Automatic => Command::SetAutomatic,
            crate::settings::Polling::Fixed(interval) => Command::SetInterval(interval),
        }
    }
}

pub struct Poller {
    client: Client,
    clock: Arc<dyn Clock>,
    interval: Duration,
    jitter: bool,
    /// Demo mode's short interval.
    fast: Option<Duration>,
    /// See [`Command::SetClockCheck`]; [`WALL_CLOCK_CHECK`] until told otherwise.
    clock_check: Option<Duration>,
    automatic: bool,
    on_battery: bool,
    key_checks: bool,
    accounts: Vec<(String, Polled)>,
    /// Tokens renewed while polling, for the owner to save in the keyring.
    renewed: Vec<(String, OAuthTokens)>,
}

impl Poller {
    pub fn new(client: Client, clock: Arc<dyn Clock>, interval: Duration) -> Self {
        Poller {
            client,
            clock,
            interval: schedule::clamp_interval(interval),
            jitter: true,
            fast: None,
            clock_check: Some(WALL_CLOCK_CHECK),
            automatic: false,
            on_battery: false,
            key_checks: true,
            accounts: Vec::new(),
            renewed: Vec::new(),
        }
    }

    /// Polls every `interval` regardless of the usual 1-minute minimum (demo mode).
    pub fn with_fast_interval(mut self, interval: Duration) -> Self {
        self.fast = Some(interval);
        self
    }

    /// Turns jitter off, for tests that check exact times.
    pub fn without_jitter(mut self) -> Self {
        self.jitter = false;
        self
    }

    /// Never asks about keys, for tests of the balance schedule alone.
    pub fn without_key_checks(mut self) -> Self {
        self.key_checks = false;
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Adds, updates and removes accounts to match `configs`, keeping what is known
    /// about accounts whose credentials did not change.
    pub fn set_accounts(&mut self, configs: Vec<AccountConfig>) {
        self.set_accounts_keeping(configs, Vec::new());
    }

    /// See [`Command::SetAccountsKeeping`].
    pub fn set_accounts_keeping(&mut self, configs: Vec<AccountConfig>, keep: Vec<(String, ThresholdOverride)>) {
        let now = self.now();
        let mut old = std::mem::take(&mut self.accounts);
        for (name, thresholds) in keep {
            if let Some(i) = old.iter().position(|(n, _)| *n == name) {
                let (name, mut p) = old.remove(i);
                p.snapshot.thresholds = thresholds;
                self.accounts.push((name, p));
            }
        }
        for config in configs {
            let polled = match old.iter().position(|(n, _)| *n == config.name) {
                Some(i) => {
                    let (_, mut p) = old.remove(i);
                    p.refresh = config.refresh;
                    p.snapshot.sign_in = config.sign_in;
                    if p.credential != config.credential {
                        p.key_check_at = key_check_from(&config.credential, now).filter(|_| self.key_checks);
                        p.key_in_flight = false;
                        p.credential = config.credential;
                        p.generation += 1;
                        p.schedule.credentials_changed(now);
                        p.snapshot.error = None;
                        p.snapshot.key = None;
                        p.snapshot.key_checked_at = None;
                    }
                    p.snapshot.thresholds = config.thresholds;
                    p
                }
                None => Polled {
                    recent: Vec::new(),
                    choice: None,
                    recalled: Vec::new(),
                    last_request: None,
                    key_in_flight: false,
                    spiking: false,
                    key_check_at: key_check_from(&config.credential, now).filter(|_| self.key_checks),
                    credential: config.credential,
                    refresh: config.refresh,
                    generation: 0,
                    schedule: match self.fast {
                        Some(fast) => Schedule::unclamped(fast, now),
                        None => Schedule::new(self.interval, now),
                    },
                    snapshot: AccountSnapshot { sign_in: config.sign_in, ..AccountSnapshot::new(config.name.clone(), config.thresholds) },
                },
            };
            self.accounts.push((config.name, polled));
        }
    }

    pub fn set_interval(&mut self, interval: Duration) {
        if self.fast.is_some() {
            return;
        }
        let now = self.now();
        self.automatic = false;
        self.interval = schedule::clamp_interval(interval);
        for (_, p) in &mut self.accounts {
            p.choice = None;
            p.schedule.set_interval(interval, now);
        }
    }

    /// Turns automatic polling on (see [`adaptive`]).
    pub fn set_automatic(&mut self) {
        if self.fast.is_none() {
            self.automatic = true;
            self.rechoose();
        }
    }

    pub fn set_on_battery(&mut self, on_battery: bool) {
        self.on_battery = on_battery;
        if self.automatic && self.fast.is_none() {
            self.rechoose();
        }
    }

    /// Chooses every account's automatic interval again (a shorter one applies at once).
    fn rechoose(&mut self) {
        let now = self.now();
        for (_, p) in &mut self.accounts {
            adapt(p, self.on_battery, now);
        }
    }

    pub fn refresh_now(&mut self, name: Option<&str>) {
        let now = self.now();
        for (n, p) in &mut self.accounts {
            if name.is_none_or(|want| want == n) {
                p.schedule.refresh_now(now);
            }
        }
    }

    pub fn apply(&mut self, command: Command) {
        match command {
            Command::RefreshNow(name) => self.refresh_now(name.as_deref()),
            Command::SetAccounts(configs) => self.set_accounts(configs),
            Command::SetAccountsKeeping(configs, keep) => self.set_accounts_keeping(configs, keep),
            Command::Wake => {
                let now = self.now();
                for (_, p) in &mut self.accounts {
                    p.schedule.woke(now);
                }
            }
            Command::SetClockCheck(every) => self.clock_check = every,
            Command::SetInterval(d) => self.set_interval(d),
            Command::SetAutomatic => self.set_automatic(),
            Command::SetOnBattery(b) => self.set_on_battery(b),
            Command::Recall(samples) => self.recall(samples),
            Command::Spiking(names) => self.set_spiking(&names),
        }
    }

    /// See [`Command::Spiking`].
    fn set_spiking(&mut self, names: &[String]) {
        let now = self.now();
        let adapts = self.automatic && self.fast.is_none();
        for (name, p) in &mut self.accounts {
            let spiking = names.contains(name);
            if p.spiking != spiking {
                p.spiking = spiking;
                if adapts {
                    adapt(p, self.on_battery, now);
                }
            }
        }
    }

    /// See [`Command::Recall`].
    fn recall(&mut self, samples: Vec<crate::history::Sample>) {
        let now = self.now();
        let adapts = self.automatic && self.fast.is_none();
        for (name, p) in &mut self.accounts {
            p.recalled = samples.iter().filter(|s| s.account == *name).map(|s| (s.at, s.remaining, s.unit.clone())).collect();
            if !p.recent.is_empty() && merge_recalled(p, now) && adapts {
                adapt(p, self.on_battery, now);
            }
        }
    }

    /// Starts every due request (marking it in flight).
    pub fn take_due(&mut self) -> Vec<Job> {
        let now = self.now();
        let mut jobs = Vec::new();
        let gap = self.gap();
        for (name, p) in &mut self.accounts {
            let key_only = if !p.key_in_flight && p.schedule.begin(now) {
                false
            } else if p.key_slot(gap).is_some_and(|t| now >= t) {
                p.key_in_flight = true;
                p.schedule.hold_until(now + gap);
                true
            } else {
                continue;
            };
            p.last_request = Some(now);
            jobs.push(Job {
                key_only,
                name: name.clone(),
                generation: p.generation,
                credential: p.credential.clone(),
                refresh: p.refresh.clone(),
                sign_in: p.snapshot.sign_in.clone(),
                client: self.client.clone(),
                now,
            });
        }
        jobs
    }

    /// Records a finished request.
    pub fn complete(&mut self, done: Done) {
        let now = self.now();
        let gap = self.gap();
        let jitter = if self.jitter { rand::thread_rng().gen_range(-1.0..=1.0) } else { 0.0 };
        let Some((_, p)) = self.accounts.iter_mut().find(|(n, _)| *n == done.name) else {
            return;
        };
        if p.generation != done.generation {
            return;
        }
        if let Some(tokens) = done.new_tokens {
            p.credential = Credential::OAuth(tokens.access_token.clone());
            if let (Some(r), Some(new)) = (&mut p.refresh, &tokens.refresh_token) {
                r.refresh_token = new.clone();
                r.expires_at = tokens.expires_at;
            }
            if let Some(s) = &mut p.snapshot.sign_in {
                s.expires_at = tokens.expires_at;
            }
            if done.unsaved {
                self.renewed.push((done.name.clone(), tokens));
            }
        }
        let key_answer = done.key.is_some();
        if key_answer {
            p.key_in_flight = false;
        }
        match done.key {
            Some(Ok(info)) => {
                p.snapshot.key = info;
                p.snapshot.key_checked_at = Some(now);
                p.key_check_at = Some(now + KEY_CHECK);
            }
            Some(Err(e)) => {
                tracing::debug!("key check failed: {e}");
                p.key_check_at = Some(now + KEY_CHECK_RETRY);
            }
            None => {}
        }
        if key_answer && p.schedule.is_blocked() {
            // Its key was rejected: asked about once, then not again until it changes.
            p.key_check_at = None;
        }
        let Some(result) = done.result else { return };
        let ok = result.is_ok();
        if let Err(e) = &result {
            p.schedule.failed(now, e, jitter);
        }
        p.snapshot.record(result, now);
        if ok {
            if let Some(remaining) = p.snapshot.summary.as_ref().and_then(|s| s.remaining) {
                merge_recalled(p, now);
                adaptive::remember(&mut p.recent, now, remaining);
            }
            if self.automatic && self.fast.is_none() {
                adapt(p, self.on_battery, now);
            }
            p.schedule.succeeded(now, jitter);
        }
        // A key check due before the next poll goes between the two, a gap from each.
        if let (Some(slot), Some(next)) = (p.key_slot(gap), p.schedule.next_due()) {
            if slot < next {
                p.schedule.hold_until(slot + gap);
            }
        }
    }

    /// The least time between two requests for one account (demo mode: its interval).
    fn gap(&self) -> chrono::Duration {
        self.fast.map_or(MIN_GAP, |f| chrono::Duration::from_std(f).unwrap_or(MIN_GAP).min(MIN_GAP))
    }

    /// Polls every due account once, concurrently, and waits for the answers.
    /// Returns how many requests were sent.
    pub async fn poll_due(&mut self) -> usize {
        let jobs = self.take_due();
        let n = jobs.len();
        let done = futures_util::future::join_all(jobs.into_iter().map(Job::run)).await;
        for d in done {
            self.complete(d);
        }
        n
    }

    /// The earliest time an account is due; `None` when nothing will be polled.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        let gap = self.gap();
        let balance = self.accounts.iter().filter(|(_, p)| !p.key_in_flight).filter_map(|(_, p)| p.schedule.next_due());
        let keys = self.accounts.iter().filter_map(|(_, p)| p.key_slot(gap));
        balance.chain(keys).min()
    }

    /// Tokens renewed since the last call that are not stored yet, to be saved.
    pub fn take_renewed(&mut self) -> Vec<(String, OAuthTokens)> {
        std::mem::take(&mut self.renewed)
    }

    /// What is known of every account, with when each is checked next and how.
    pub fn snapshots(&self) -> Vec<AccountSnapshot> {
        self.accounts
            .iter()
            .map(|(_, p)| {
                let mut s = p.snapshot.clone();
                s.next_check_at = p.schedule.next_due();
                s.polling = p.choice.map(|c| c.text());
                s
            })
            .collect()
    }

    pub fn schedule(&self, name: &str) -> Option<&Schedule> {
        self.accounts.iter().find(|(n, _)| n == name).map(|(_, p)| &p.schedule)
    }
}

/// Sets an account's automatic interval from its recent figures and thresholds.
fn adapt(p: &mut Polled, on_battery: bool, now: DateTime<Utc>) {
    let unit = p.snapshot.summary.as_ref().and_then(|s| s.unit).unwrap_or(crate::billing::Unit::Usd);
    let choice = match p.spiking {
        true => adaptive::Choice { interval: adaptive::FASTEST, why: adaptive::Why::Spending, on_battery },
        false => adaptive::choose(&p.recent, p.snapshot.thresholds.resolve(unit), unit, on_battery, now),
    };
    p.schedule.set_interval(choice.interval, now);
    p.choice = Some(choice);
}

/// Merges figures recalled from the history once the account's unit is known;
/// whether any were waiting.
fn merge_recalled(p: &mut Polled, now: DateTime<Utc>) -> bool {
    let Some(unit) = p.snapshot.summary.as_ref().and_then(|s| s.unit) else { return false };
    if p.recalled.is_empty() {
        return false;
    }
    adaptive::recall(&mut p.recent, &std::mem::take(&mut p.recalled), unit, now);
    true
}

/// API keys have their description checked at once; OAuth tokens never.
fn key_check_from(credential: &Credential, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    matches!(credential, Credential::ApiKey(_)).then_some(now)
}

/// Runs the poller until the command channel closes, publishing snapshots after
/// every change and handing renewed OAuth tokens to `save_tokens`. Sleeps without
/// waking between polls.
pub async fn run(
    mut poller: Poller,
    mut commands: mpsc::UnboundedReceiver<Command>,
    publish: watch::Sender<Arc<Vec<AccountSnapshot>>>,
    mut save_tokens: impl FnMut(Vec<(String, OAuthTokens)>) + Send,
) {
    let mut in_flight: JoinSet<Done> = JoinSet::new();
    publish.send_replace(Arc::new(poller.snapshots()));
    loop {
        for job in poller.take_due() {
            in_flight.spawn(job.run());
        }
        let until_due =
            poller.next_due().map(|t| (t - poller.now()).to_std().unwrap_or(Duration::ZERO)).unwrap_or(Duration::from_secs(24 * 3600));
        // Timers stop while the computer sleeps. Where no resume signal says it woke,
        // comparing with the wall clock once a minute runs a poll that fell due during
        // sleep soon after; with the signal, nothing wakes between polls.
        let wait = match poller.clock_check {
            Some(every) => until_due.min(every),
            None => until_due,
        };
        tokio::select! {
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                match done {
                    Ok(done) => poller.complete(done),
                    Err(e) => tracing::error!("poll task failed: {e}"),
                }
                let renewed = poller.take_renewed();
                if !renewed.is_empty() {
                    save_tokens(renewed);
                }
                publish.send_replace(Arc::new(poller.snapshots()));
            }
            command = commands.recv() => match command {
                Some(command) => {
                    poller.apply(command);
                    // Accounts, next checks or how they are chosen may have changed.
                    let now = poller.snapshots();
                    if **publish.borrow() != now {
                        publish.send_replace(Arc::new(now));
                    }
                }
                None => break,
            },
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests;
