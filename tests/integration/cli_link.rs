//! Accounts that follow HeyGen CLI's credentials file, against the simulator: the
//! official CLI rewrites its file (a new file renamed into place, as it writes) and
//! the next `status` polls with the new token, stored in the keyring in place; a
//! sign-in that expired reads "Sign-in expired"; the poller, turned away, reads the
//! file before it calls the sign-in over.

use crate::support::{keyring_items, require_session, sim, stderr, stdout, unique, Home};
use heygen_tray_core::api::{ApiBase, Client, Credential};
use heygen_tray_core::clock::ManualClock;
use heygen_tray_core::poller::{AccountConfig, Poller};
use heygen_tray_core::secret::Secret;
use heygen_tray_core::sign_in::SignIn;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;

/// Writes the credentials file the way HeyGen's CLI does: a temporary file, renamed.
pub fn write_credentials(path: &Path, access_token: &str, expires_at: chrono::DateTime<chrono::Utc>, username: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let body = json!({
        "oauth": {"access_token": access_token, "refresh_token": "rt-of-the-official-cli", "expires_at": expires_at.to_rfc3339(),
                  "scope": "all", "token_type": "Bearer"},
        "user": {"username": username, "email": "sam@example.com"}
    });
    let tmp = path.with_file_name("credentials.123.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&body).unwrap()).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn row(home: &Home, name: &str) -> (Option<i32>, Value) {
    let out = home.run(&[], &["status", "--json"], None);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|_| panic!("{}{}", stdout(&out), stderr(&out)));
    let row = v["accounts"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap().clone();
    (out.status.code(), row)
}

#[test]
fn the_cli_rewriting_its_file_gives_status_the_new_token() {
    require_session();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let creds = home.heygen_cli_dir().join("credentials");
    let now = chrono::Utc::now();
    // A sign-in the app cannot renew (no client ID), already past its expiry date.
    write_credentials(&creds, "sim-oauth-token", now - chrono::Duration::hours(1), "sam_creator");
    let name = unique("linked");
    let out = home.run(&[], &["accounts", "import-heygen-cli", "--name", &name], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("It follows") && stdout(&out).contains("credentials"), "{}", stdout(&out));
    let list: Value = serde_json::from_str(&stdout(&home.run(&[], &["accounts", "list", "--json"], None))).unwrap();
    let listed = list["accounts"].as_array().unwrap().iter().find(|a| a["name"] == name.as_str()).unwrap().clone();
    assert_eq!(listed["heygen_cli_credentials"].as_str(), Some(creds.to_str().unwrap()), "{listed}");
    let text = stdout(&home.run(&[], &["accounts", "list"], None));
    assert!(text.lines().any(|l| l.starts_with(&name) && l.contains("follows")), "{text}");
    let mut settings: Value = serde_json::from_str(&std::fs::read_to_string(home.settings_path()).unwrap()).unwrap();
    settings["alert_memory"] = json!({ &name: {"low_sent": true} });
    std::fs::write(home.settings_path(), serde_json::to_vec_pretty(&settings).unwrap()).unwrap();
    let replaced_at = settings["accounts"][0]["key_changed_at"].clone();

    // HeyGen stops taking the token: the account says its sign-in expired.
    sim.set_key("subscription", "sim-oauth-token-after-login");
    let (code, r) = row(&home, &name);
    assert_eq!(
        (code, r["error"]["kind"].as_str(), r["headline"].as_str()),
        (Some(3), Some("unauthorized"), Some("Sign-in expired")),
        "{r}"
    );
    let text = stdout(&home.run(&[], &["status"], None));
    assert!(text.contains("Sign-in expired") && !text.contains("Key rejected"), "{text}");

    // `heygen auth login` writes new tokens: the next status uses them.
    write_credentials(&creds, "sim-oauth-token-after-login", now + chrono::Duration::days(10), "sam_creator");
    let (code, r) = row(&home, &name);
    assert_eq!((code, r["error"].clone()), (Some(0), Value::Null), "{r}");
    assert_eq!(r["billing_type"], "subscription");
    let stored = keyring_items(&name);
    assert_eq!(stored.len(), 1, "one entry, renewed in place");
    assert!(stored[0].1.contains("sim-oauth-token-after-login"), "the keyring holds the new token");
    let settings: Value = serde_json::from_str(&std::fs::read_to_string(home.settings_path()).unwrap()).unwrap();
    let account = settings["accounts"].as_array().unwrap().iter().find(|a| a["name"] == name.as_str()).unwrap().clone();
    assert_eq!(account["key_changed_at"], replaced_at, "renewed, not replaced");
    assert_eq!(settings["alert_memory"][&name]["low_sent"], true, "the alerts sent are remembered");
    assert!(home.files_containing("sim-oauth-token-after-login").iter().all(|p| p == &creds), "the token only in the CLI's own file");
    let before = std::fs::read(&creds).unwrap();
    assert_eq!(home.run(&[], &["status"], None).status.code(), Some(0));
    assert_eq!(std::fs::read(&creds).unwrap(), before, "the CLI's file is never written");

    // Someone else signs in with HeyGen's CLI: the account keeps its own, and says how to follow.
    write_credentials(&creds, "sim-oauth-token-of-joe", now + chrono::Duration::days(10), "joe_other");
    let out = home.run(&[], &["status"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains("signed in as joe_other now, not sam_creator") && said.contains(&format!("import-heygen-cli --name {name}")),
        "{said}"
    );
    assert!(keyring_items(&name)[0].1.contains("sim-oauth-token-after-login"), "kept");

    // A broken file is said, and the stored sign-in serves.
    std::fs::write(&creds, "{ half a file").unwrap();
    let out = home.run(&[], &["status"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot be used now") && stderr(&out).contains("its stored sign-in is used"), "{}", stderr(&out));

    // With --no-link the import is taken once.
    write_credentials(&creds, "sim-oauth-token-after-login", now + chrono::Duration::days(10), "sam_creator");
    let once = unique("once");
    assert_eq!(home.run(&[], &["accounts", "import-heygen-cli", "--no-link", "--name", &once], None).status.code(), Some(0));
    let list: Value = serde_json::from_str(&stdout(&home.run(&[], &["accounts", "list", "--json"], None))).unwrap();
    let listed = list["accounts"].as_array().unwrap().iter().find(|a| a["name"] == once.as_str()).unwrap().clone();
    assert_eq!(listed["heygen_cli_credentials"], Value::Null);
    for n in [&name, &once] {
        home.run(&[], &["accounts", "remove", n], None);
    }
}

#[tokio::test]
async fn a_turned_away_token_is_retried_with_the_file_the_cli_just_renewed() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("credentials");
    let later = chrono::Utc::now() + chrono::Duration::days(10);
    sim.set_key("subscription", "sim-oauth-token-renewed-by-cli");
    let clock = ManualClock::new(chrono::Utc::now());
    let client = Client::new(ApiBase::parse(&sim.base_url()).unwrap());
    let mut poller =
        Poller::new(client, Arc::new(clock.clone()), std::time::Duration::from_secs(300)).without_jitter().without_key_checks();
    let config = |linked: bool| AccountConfig {
        name: "web".into(),
        credential: Credential::OAuth(Secret::new("sim-oauth-token")),
        thresholds: Default::default(),
        refresh: None,
        sign_in: Some(SignIn {
            expires_at: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
            renewable: false,
            linked: linked.then(|| creds.clone()),
            username: Some("sam_creator".into()),
        }),
    };
    // Not linked: the old token is turned away and that is that.
    poller.set_accounts(vec![config(false)]);
    assert_eq!(poller.poll_due().await, 1);
    assert!(poller.snapshots()[0].needs_new_key());
    assert!(poller.take_renewed().is_empty());
    let fresh = || {
        Poller::new(Client::new(ApiBase::parse(&sim.base_url()).unwrap()), Arc::new(clock.clone()), std::time::Duration::from_secs(300))
            .without_jitter()
            .without_key_checks()
    };
    // Linked, but the file holds someone else's sign-in: never taken, even if HeyGen takes it.
    write_credentials(&creds, "sim-oauth-token-renewed-by-cli", later, "joe_other");
    let mut poller = fresh();
    poller.set_accounts(vec![config(true)]);
    assert_eq!(poller.poll_due().await, 1);
    assert!(poller.snapshots()[0].needs_new_key() && poller.take_renewed().is_empty());
    // Linked, the same user: the file's token is tried, works, and is handed over to be stored.
    write_credentials(&creds, "sim-oauth-token-renewed-by-cli", later, "sam_creator");
    let mut poller = fresh();
    poller.set_accounts(vec![config(true)]);
    assert_eq!(poller.poll_due().await, 1);
    let snap = &poller.snapshots()[0];
    assert_eq!(snap.error, None, "{:?}", snap.error);
    assert_eq!(snap.sign_in.as_ref().unwrap().expires_at.map(|t| t.timestamp()), Some(later.timestamp()));
    let renewed = poller.take_renewed();
    assert_eq!(renewed.len(), 1);
    assert_eq!(renewed[0].1.access_token.expose(), "sim-oauth-token-renewed-by-cli");
    // The next poll goes out with the new token.
    clock.advance(std::time::Duration::from_secs(300));
    assert_eq!(poller.poll_due().await, 1);
    assert_eq!(poller.snapshots()[0].error, None);
    assert_eq!(sim.hits("subscription"), 2, "the file's token, then on schedule (turned-away tokens are not the account's)");
}
