//! Demo mode: simulated accounts and a week of made-up history, so a new user sees
//! the tray, the windows, the chart and the alerts without a key.

use crate::api::Credential;
use crate::billing::ThresholdOverride;
use crate::history::History;
use crate::poller::AccountConfig;
use crate::secret::Secret;

/// The demo's simulated accounts: a wallet that drains within a minute, a creator
/// plan and a usage-based account.
pub fn configs() -> Vec<AccountConfig> {
    let config = |name: &str, credential| AccountConfig { name: name.into(), credential, thresholds: ThresholdOverride::default(), refresh: None };
    vec![
        config("Demo wallet", Credential::ApiKey(Secret::new("sim-drain-key"))),
        config("Demo creator plan", Credential::OAuth(Secret::new("sim-oauth-token"))),
        config("Demo usage", Credential::ApiKey(Secret::new("sim-usage-key"))),
    ]
}

/// A week of made-up history for the demo accounts, so the chart and the forecast
/// show at once: steady spending with a top-up on the wallet three days ago.
pub fn seed_history(h: &History, now: chrono::DateTime<chrono::Utc>) {
    for hours_ago in (1..=168i64).rev() {
        let at = now - chrono::Duration::hours(hours_ago);
        let wallet = if hours_ago > 72 { 12.0 + 0.45 * (hours_ago - 72) as f64 } else { 12.0 + 0.55 * hours_ago as f64 };
        let _ = h.record("Demo wallet", at, (wallet * 100.0).round() / 100.0, "usd");
        let _ = h.record("Demo creator plan", at, 200.0 + (hours_ago / 3) as f64, "credits");
        let _ = h.record("Demo usage", at, 57.5 + 0.2 * hours_ago as f64, "usd");
    }
}
