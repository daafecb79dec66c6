//! OAuth renewal against the simulator's token endpoint: odd answers (a huge
//! `expires_in`, 429, 408, an oversized body) and the keeper that serialises
//! renewals, in one process (an in-memory keeper) and across processes (the real
//! one: a lock file beside the settings, and the keyring).

use crate::support::{require_session, sim, stderr, stdout, unique, Home, Sim};
use heygen_tray_core::api::oauth::{OAuthTokens, Refresh, TokenKeeper, MAX_TOKEN_LIFETIME};
use heygen_tray_core::api::{ApiBase, ApiError, Client, Credential, ErrorKind};
use heygen_tray_core::secret::Secret;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

fn client(sim: &Sim) -> Client {
    let base = ApiBase::parse(&sim.base_url()).unwrap();
    crate::support::client(sim).with_oauth_base(base)
}

/// The simulator's OAuth account with a token that is about to expire.
fn expiring(account: &str) -> Refresh {
    Refresh {
        account: account.into(),
        client_id: "test-client".into(),
        refresh_token: Secret::new("sim-refresh-token"),
        expires_at: Some(chrono::Utc::now() + chrono::Duration::minutes(5)),
    }
}

/// The same account with a token that is not due for renewal (renewed only after a 401).
fn valid_for_weeks(account: &str) -> Refresh {
    Refresh { expires_at: Some(chrono::Utc::now() + chrono::Duration::days(30)), ..expiring(account) }
}

fn rejected_token(sim: &Sim) -> Credential {
    sim.set_key("subscription", "sim-oauth-token-rotated-elsewhere");
    Credential::OAuth(Secret::new("sim-oauth-token"))
}

#[tokio::test]
async fn a_huge_expires_in_is_cut_to_a_year_not_a_crash() {
    let sim = sim();
    for huge in [1e13, 1e300] {
        sim.set_token_endpoint(|t| t.expires_in = huge);
        let now = chrono::Utc::now();
        let f = client(&sim).fetch_account(&Credential::OAuth(Secret::new(sim.key("subscription"))), Some(&expiring("s")), now).await;
        assert!(f.result.is_ok(), "{:?}", f.result.err());
        let expires = f.new_tokens.expect("renewed").expires_at.expect("an expiry");
        assert!(expires <= now + chrono::Duration::from_std(MAX_TOKEN_LIFETIME).unwrap(), "{expires}");
    }
}

#[tokio::test]
async fn only_a_refused_grant_means_sign_in_again() {
    let sim = sim();
    let cases: [(u16, Option<u64>, ErrorKind); 4] = [
        (429, Some(7), ErrorKind::RateLimited),
        (408, None, ErrorKind::Network),
        (503, None, ErrorKind::Server),
        (403, None, ErrorKind::InvalidResponse),
    ];
    for (status, retry_after, kind) in cases {
        sim.set_token_endpoint(|t| t.failures = vec![(status, retry_after)]);
        let f = client(&sim).fetch_account(&rejected_token(&sim), Some(&valid_for_weeks("s")), chrono::Utc::now()).await;
        let e = f.result.expect_err("the old token was rejected and not renewed");
        assert_eq!(e.kind, kind, "{status}: {e}");
        assert!(!e.is_auth_rejected(), "{status} must not stop polling: {e}");
        assert!(!e.message.contains("sign in"), "{status}: {e}");
        if let Some(secs) = retry_after {
            assert_eq!(e.retry_after, Some(std::time::Duration::from_secs(secs)));
        }
    }
    // An unknown refresh token: invalid_grant, the one answer that means sign in again.
    let mut gone = valid_for_weeks("s");
    gone.refresh_token = Secret::new("not-a-known-refresh-token");
    let f = client(&sim).fetch_account(&rejected_token(&sim), Some(&gone), chrono::Utc::now()).await;
    let e = f.result.unwrap_err();
    assert!(e.is_auth_rejected() && e.message.contains("sign in"), "{e}");
}

#[tokio::test]
async fn an_oversized_token_answer_is_not_read() {
    let sim = sim();
    sim.set_token_endpoint(|t| t.oversized = true);
    let f = client(&sim).fetch_account(&rejected_token(&sim), Some(&valid_for_weeks("s")), chrono::Utc::now()).await;
    let e = f.result.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidResponse, "{e}");
    assert!(e.message.contains("larger than"), "{e}");
}

/// Tokens in memory, a lock like the real one, and a count of writes.
#[derive(Default)]
struct Keeper {
    lock: Arc<tokio::sync::Mutex<()>>,
    tokens: Mutex<HashMap<String, OAuthTokens>>,
    stores: AtomicUsize,
    unreadable: bool,
}

impl TokenKeeper for Keeper {
    fn lock(&self) -> Result<Box<dyn Send>, ApiError> {
        Ok(Box::new(self.lock.clone().blocking_lock_owned()))
    }
    fn stored(&self, account: &str) -> Result<Option<OAuthTokens>, ApiError> {
        if self.unreadable {
            return Err(ApiError::new(ErrorKind::Keyring, "The keyring is locked"));
        }
        Ok(self.tokens.lock().unwrap().get(account).cloned())
    }
    fn store(&self, account: &str, tokens: &OAuthTokens) -> Result<(), ApiError> {
        self.stores.fetch_add(1, Ordering::SeqCst);
        self.tokens.lock().unwrap().insert(account.into(), tokens.clone());
        Ok(())
    }
}

fn keeper_with(account: &str) -> Keeper {
    let k = Keeper::default();
    let r = expiring(account);
    k.tokens.lock().unwrap().insert(
        account.into(),
        OAuthTokens { access_token: Secret::new("sim-oauth-token"), refresh_token: Some(r.refresh_token), expires_at: r.expires_at },
    );
    k
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn renewals_at_once_send_the_refresh_token_once_and_store_before_use() {
    let sim = sim();
    sim.set_token_endpoint(|t| t.rotate = true);
    let keeper = Arc::new(keeper_with("s"));
    let client = client(&sim).with_token_keeper(keeper.clone());
    let credential = Credential::OAuth(Secret::new(sim.key("subscription")));
    let polls = (0..4).map(|_| {
        let (client, credential) = (client.clone(), credential.clone());
        tokio::spawn(async move { client.fetch_account(&credential, Some(&expiring("s")), chrono::Utc::now()).await })
    });
    for f in futures_join(polls).await {
        assert!(f.result.is_ok(), "{:?}", f.result.err());
        assert!(!f.unsaved, "stored by the keeper before it was used");
    }
    assert_eq!(sim.refreshes("subscription"), 1, "one refresh for four renewals at once");
    assert_eq!(keeper.stores.load(Ordering::SeqCst), 1);
    let stored = keeper.tokens.lock().unwrap()["s"].clone();
    assert_eq!(stored.refresh_token.unwrap().expose(), sim.refresh_token("subscription").unwrap(), "the rotated refresh token is kept");
}

async fn futures_join<T: Send + 'static>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_renewed_for_a_removed_account_or_while_the_keyring_is_unreadable() {
    let sim = sim();
    let removed = Arc::new(Keeper::default());
    let locked = Arc::new(Keeper { unreadable: true, ..keeper_with("s") });
    for (keeper, words) in [(removed.clone(), "removed"), (locked.clone(), "keyring")] {
        let client = client(&sim).with_token_keeper(keeper.clone());
        let f = client.fetch_account(&rejected_token(&sim), Some(&valid_for_weeks("s")), chrono::Utc::now()).await;
        let e = f.result.unwrap_err();
        assert!(e.message.contains(words), "{e}");
        assert!(f.new_tokens.is_none());
        assert_eq!(keeper.stores.load(Ordering::SeqCst), 0, "nothing written");
    }
    assert_eq!(sim.refreshes("subscription"), 0, "the refresh token was never sent");
}

#[test]
fn status_runs_at_once_in_several_processes_renew_once() {
    require_session();
    let sim = sim();
    sim.set_token_endpoint(|t| t.rotate = true);
    let home = Home::new(&sim.base_url());
    std::fs::create_dir_all(home.heygen_cli_dir()).unwrap();
    let creds = home.heygen_cli_dir().join("credentials");
    // A token that expires within the day: every process wants to renew it.
    let soon = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    std::fs::write(
        &creds,
        format!(r#"{{"oauth":{{"access_token":"sim-oauth-token","refresh_token":"sim-refresh-token","expires_at":"{soon}"}}}}"#),
    )
    .unwrap();
    let name = unique("oauth-conc");
    let out = home.run(&[], &["accounts", "import-heygen-cli", "--name", &name], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let children: Vec<_> = (0..4)
        .map(|_| {
            home.command(&[("HEYGEN_OAUTH_CLIENT_ID", "test-client")], &["status", "--json"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        let v: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|_| panic!("{}", stderr(&out)));
        let row = v["accounts"].as_array().unwrap().iter().find(|a| a["name"] == name.as_str()).unwrap().clone();
        assert_eq!(row["error"], Value::Null, "{row}");
    }
    assert_eq!(sim.refreshes("subscription"), 1, "four processes, one refresh");
    let stored = crate::support::keyring_items(&name)[0].1.clone();
    assert!(stored.contains(&sim.refresh_token("subscription").unwrap()), "the rotated refresh token is in the keyring: {stored}");
    home.run(&[], &["accounts", "remove", &name], None);
}
