//! When one account is polled next: the interval with jitter, exponential backoff on
//! failures honouring `Retry-After`, one request at a time, and no polling at all
//! after the key was rejected until the credentials change. Pure: time is passed in.

use crate::api::ApiError;
use chrono::{DateTime, Utc};
use std::time::Duration;

pub use crate::settings::{clamp_interval, DEFAULT_INTERVAL, MAX_INTERVAL, MIN_INTERVAL};
/// First retry after a failure (a minute: never two requests within one); doubles
/// with each further failure.
pub const BACKOFF_BASE: Duration = Duration::from_secs(60);
pub const BACKOFF_MAX: Duration = Duration::from_secs(30 * 60);
/// Share of a delay that jitter may add or remove.
pub const JITTER: f64 = 0.1;

/// The delay after `failures` failures in a row (1 = the first).
pub fn backoff(failures: u32) -> Duration {
    let exp = failures.saturating_sub(1).min(16);
    (BACKOFF_BASE * 2u32.pow(exp)).min(BACKOFF_MAX)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    interval: Duration,
    next_due: DateTime<Utc>,
    failures: u32,
    in_flight: bool,
    blocked: bool,
    /// HeyGen's `Retry-After`: not before this, even on a wake-up.
    not_before: Option<DateTime<Utc>>,
}

impl Schedule {
    /// A schedule that is due at once.
    pub fn new(interval: Duration, now: DateTime<Utc>) -> Self {
        Schedule { interval: clamp_interval(interval), next_due: now, failures: 0, in_flight: false, blocked: false, not_before: None }
    }

    /// A schedule with any interval, for the demo's fast polling.
    pub fn unclamped(interval: Duration, now: DateTime<Utc>) -> Self {
        Schedule { interval, next_due: now, failures: 0, in_flight: false, blocked: false, not_before: None }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn is_blocked(&self) -> bool {
        self.blocked
    }

    /// When the next request may start; `None` while one is in flight or polling is blocked.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        (!self.in_flight && !self.blocked).then_some(self.next_due)
    }

    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.next_due().is_some_and(|t| now >= t)
    }

    pub fn in_flight(&self) -> bool {
        self.in_flight
    }

    /// No request before `t` (another request for the account goes out meanwhile).
    pub fn hold_until(&mut self, t: DateTime<Utc>) {
        self.next_due = self.next_due.max(t);
    }

    /// Marks a request as started if one is due; false means do not send one.
    pub fn begin(&mut self, now: DateTime<Utc>) -> bool {
        if !self.is_due(now) {
            return false;
        }
        self.in_flight = true;
        true
    }

    /// The request succeeded at `now`. `jitter` is in [-1, 1].
    pub fn succeeded(&mut self, now: DateTime<Utc>, jitter: f64) {
        self.in_flight = false;
        self.failures = 0;
        // Jitter never brings two requests within the 1-minute minimum.
        let floor = to_chrono(self.interval.min(MIN_INTERVAL));
        self.next_due = now + jittered(self.interval, jitter).max(floor);
    }

    /// The request failed at `now`.
    pub fn failed(&mut self, now: DateTime<Utc>, error: &ApiError, jitter: f64) {
        self.in_flight = false;
        self.failures = self.failures.saturating_add(1);
        if error.is_auth_rejected() {
            self.blocked = true;
            return;
        }
        // Jitter never brings a retry within the 1-minute minimum either.
        let floor = to_chrono(self.interval.min(MIN_INTERVAL));
        let delay = jittered(backoff(self.failures), jitter).max(floor);
        let delay = match error.retry_after {
            Some(ra) => delay.max(to_chrono(ra)),
            None => delay,
        };
        self.not_before = error.retry_after.map(|ra| now + to_chrono(ra));
        self.next_due = now + delay;
    }

    /// The computer woke up or the network came back: an account waiting out a
    /// failure's backoff is tried at once (but not before HeyGen's `Retry-After`).
    /// Polls that fell due while asleep are due anyway.
    pub fn woke(&mut self, now: DateTime<Utc>) {
        if self.failures > 0 && !self.in_flight && !self.blocked {
            let at = self.not_before.map_or(now, |t| t.max(now));
            self.next_due = self.next_due.min(at);
        }
    }

    /// "Refresh now": due at once, unless a request is already in flight (it will
    /// answer this request too) or the key was rejected.
    pub fn refresh_now(&mut self, now: DateTime<Utc>) {
        if !self.in_flight && !self.blocked {
            self.next_due = self.next_due.min(now);
        }
    }

    /// New credentials: unblock and poll at once.
    pub fn credentials_changed(&mut self, now: DateTime<Utc>) {
        self.blocked = false;
        self.failures = 0;
        self.in_flight = false;
        self.next_due = now;
    }

    /// A new interval applies from the last planned poll, never waiting longer than it.
    pub fn set_interval(&mut self, interval: Duration, now: DateTime<Utc>) {
        let interval = clamp_interval(interval);
        if self.failures == 0 && self.next_due > now + to_chrono(interval) {
            self.next_due = now + to_chrono(interval);
        }
        self.interval = interval;
    }
}

fn jittered(d: Duration, jitter: f64) -> chrono::Duration {
    let factor = 1.0 + JITTER * jitter.clamp(-1.0, 1.0);
    to_chrono(d.mul_f64(factor))
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ErrorKind;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn secs(n: i64) -> chrono::Duration {
        chrono::Duration::seconds(n)
    }

    #[test]
    fn backoff_doubles_from_a_minute_and_caps_at_30min() {
        let got: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(got, [60, 120, 240, 480, 960, 1800, 1800, 1800]);
        // The first retry never comes within a minute, whatever the jitter.
        let mut s = Schedule::new(DEFAULT_INTERVAL, t0());
        s.begin(t0());
        s.failed(t0(), &ApiError::new(ErrorKind::Server, "503"), -1.0);
        assert_eq!(s.next_due(), Some(t0() + secs(60)));
    }

    #[test]
    fn only_one_request_in_flight() {
        let mut s = Schedule::new(DEFAULT_INTERVAL, t0());
        assert!(s.begin(t0()));
        assert!(!s.begin(t0()));
        s.refresh_now(t0());
        assert!(!s.begin(t0() + secs(1)));
        s.succeeded(t0() + secs(1), 0.0);
        assert_eq!(s.next_due(), Some(t0() + secs(301)));
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let mut s = Schedule::new(DEFAULT_INTERVAL, t0());
        s.begin(t0());
        s.succeeded(t0(), 1.0);
        assert_eq!(s.next_due(), Some(t0() + secs(330)));
        s.begin(t0() + secs(330));
        s.succeeded(t0(), -1.0);
        assert_eq!(s.next_due(), Some(t0() + secs(270)));
    }

    #[test]
    fn retry_after_wins_over_a_shorter_backoff() {
        let mut s = Schedule::new(DEFAULT_INTERVAL, t0());
        s.begin(t0());
        let mut e = ApiError::new(ErrorKind::RateLimited, "slow down");
        e.retry_after = Some(Duration::from_secs(120));
        s.failed(t0(), &e, 0.0);
        assert_eq!(s.next_due(), Some(t0() + secs(120)));
    }

    #[test]
    fn a_rejected_key_stops_polling_until_credentials_change() {
        let mut s = Schedule::new(DEFAULT_INTERVAL, t0());
        s.begin(t0());
        s.failed(t0(), &ApiError::new(ErrorKind::Unauthorized, "no"), 0.0);
        assert_eq!(s.next_due(), None);
        s.refresh_now(t0() + secs(3600));
        assert!(!s.begin(t0() + secs(3600 * 48)));
        s.credentials_changed(t0() + secs(10));
        assert!(s.begin(t0() + secs(10)));
    }

    #[test]
    fn intervals_are_clamped_and_shortening_applies_at_once() {
        assert_eq!(Schedule::new(Duration::from_secs(1), t0()).interval(), MIN_INTERVAL);
        assert_eq!(Schedule::new(Duration::from_secs(999_999), t0()).interval(), MAX_INTERVAL);
        let mut s = Schedule::new(Duration::from_secs(3600), t0());
        s.begin(t0());
        s.succeeded(t0(), 0.0);
        s.set_interval(Duration::from_secs(60), t0() + secs(10));
        assert_eq!(s.next_due(), Some(t0() + secs(70)));
    }

    #[test]
    fn waking_retries_a_backed_off_account_at_once_but_honours_retry_after() {
        let offline = ApiError::new(ErrorKind::Network, "offline");
        let mut s = Schedule::new(DEFAULT_INTERVAL, t0());
        for n in 0..6 {
            s.begin(s.next_due().unwrap());
            s.failed(t0() + secs(n), &offline, 0.0);
        }
        assert!(s.next_due().unwrap() > t0() + secs(900), "deep in backoff");
        s.woke(t0() + secs(10));
        assert_eq!(s.next_due(), Some(t0() + secs(10)), "the network is back: now");

        let mut limited = ApiError::new(ErrorKind::RateLimited, "slow down");
        limited.retry_after = Some(Duration::from_secs(120));
        let mut s = Schedule::new(DEFAULT_INTERVAL, t0());
        s.begin(t0());
        s.failed(t0(), &limited, 0.0);
        s.woke(t0() + secs(5));
        assert_eq!(s.next_due(), Some(t0() + secs(120)), "not before Retry-After");

        // A healthy account keeps its time; a rejected key stays blocked.
        let mut s = Schedule::new(DEFAULT_INTERVAL, t0());
        s.begin(t0());
        s.succeeded(t0(), 0.0);
        s.woke(t0() + secs(5));
        assert_eq!(s.next_due(), Some(t0() + secs(300)));
        let mut s = Schedule::new(DEFAULT_INTERVAL, t0());
        s.begin(t0());
        s.failed(t0(), &ApiError::new(ErrorKind::Unauthorized, "no"), 0.0);
        s.woke(t0() + secs(5));
        assert_eq!(s.next_due(), None);
    }
}
