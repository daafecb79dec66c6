//! One round of the monitor for a command that runs once (`heygen-tray status`
//! without a running app): every account polled at once by the poller the app uses
//! (so the same renewals, and a linked HeyGen CLI file tried after a rejection), the
//! snapshots in the order given.

use crate::api::oauth::OAuthTokens;
use crate::api::Client;
use crate::clock::SystemClock;
use crate::poller::{AccountConfig, Poller};
use crate::snapshot::AccountSnapshot;
use std::sync::Arc;
use std::time::Duration;

/// The snapshots of `configs` after one request each, in their order, and the tokens
/// renewed on the way that the caller still has to store.
pub async fn once(client: Client, configs: Vec<AccountConfig>) -> (Vec<AccountSnapshot>, Vec<(String, OAuthTokens)>) {
    let order: Vec<String> = configs.iter().map(|c| c.name.clone()).collect();
    let mut poller = Poller::new(client, Arc::new(SystemClock), Duration::from_secs(300)).without_key_checks();
    poller.set_accounts(configs);
    poller.poll_due().await;
    let mut snaps = poller.snapshots();
    for s in &mut snaps {
        // Nothing polls again after this round.
        s.next_check_at = None;
        s.polling = None;
    }
    snaps.sort_by_key(|s| order.iter().position(|n| *n == s.name).unwrap_or(usize::MAX));
    (snaps, poller.take_renewed())
}
