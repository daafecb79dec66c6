//! Prints what a history write adds to a poll: the median time of `History::record`
//! beside the median time of one `/v3/users/me` request against the simulator.
//! A benchmark, not a test: `cargo bench --bench history_write`.

use heygen_tray_core::api::{ApiBase, Client, Credential};
use heygen_tray_core::history::History;
use heygen_tray_core::secret::Secret;
use heygen_tray_sim::{SimOptions, Simulator};
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(Simulator::start(SimOptions::default())).unwrap();
    let client = Client::new(ApiBase::parse(&sim.base_url()).unwrap());
    let cred = Credential::ApiKey(Secret::new("sim-wallet-key"));
    let polls: Vec<Duration> = (0..300)
        .map(|_| {
            let t = Instant::now();
            rt.block_on(client.users_me(&cred)).unwrap();
            t.elapsed()
        })
        .collect();

    let dir = tempfile::tempdir().unwrap();
    let (history, _) = History::open(&dir.path().join("history.sqlite3")).unwrap();
    let start = chrono::Utc::now();
    // A changed figure every time: the case that writes a row.
    let writes: Vec<Duration> = (0..2000)
        .map(|i| {
            let at = start + chrono::Duration::minutes(i);
            let t = Instant::now();
            history.record("bench", at, 1000.0 - i as f64 * 0.01, "usd").unwrap();
            t.elapsed()
        })
        .collect();
    // An unchanged figure: the common case, which writes nothing.
    let skips: Vec<Duration> = (0..2000)
        .map(|i| {
            let at = start + chrono::Duration::minutes(2000) + chrono::Duration::seconds(i);
            let t = Instant::now();
            history.record("bench", at, 42.0, "usd").unwrap();
            t.elapsed()
        })
        .collect();
    let poll = median(polls);
    let write = median(writes);
    let skip = median(skips);
    println!("poll (GET /v3/users/me on loopback)  median {:>9.1} µs", poll.as_secs_f64() * 1e6);
    println!(
        "history write (changed figure)        median {:>9.1} µs  ({:.2}% of a loopback poll)",
        write.as_secs_f64() * 1e6,
        write.as_secs_f64() / poll.as_secs_f64() * 100.0
    );
    println!("history check (unchanged, no row)     median {:>9.1} µs", skip.as_secs_f64() * 1e6);
    println!("(a real poll to api.heygen.com takes 100-500 ms; the write is off the async runtime, on a blocking thread)");
}
