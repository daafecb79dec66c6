//! The service over a temporary settings folder and an in-memory keystore; keys are
//! checked against a one-answer HTTP server on loopback.

use super::*;
use crate::alerts::AlertMemory;
use crate::api::ApiBase;
use crate::keystore::Keystore;
use crate::settings::AuthKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Fixture {
    _dir: tempfile::TempDir,
    service: Service,
}

fn fixture(base: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let accounts = Accounts::at(dir.path(), Keystore::in_memory());
    let service = Service::new(accounts, Client::new(ApiBase::parse(base).unwrap()));
    Fixture { _dir: dir, service }
}

impl Fixture {
    fn settings(&self) -> Settings {
        self.service.accounts.settings.load().settings
    }

    fn key_of(&self, name: &str) -> Option<String> {
        match self.service.accounts.keystore.get(name, AuthKind::ApiKey) {
            Ok(StoredSecret::ApiKey(k)) => Some(k.expose().to_string()),
            _ => None,
        }
    }
}

/// A server on loopback that answers every request with `status` and `body`.
async fn heygen(status: u16, body: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf).await;
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = conn.write_all(reply.as_bytes()).await;
        }
    });
    format!("http://{addr}")
}

const WALLET: &str = r#"{"data":{"username":"jane","billing_type":"wallet","wallet":{"currency":"usd","remaining_balance":42.5}}}"#;

fn key(k: &str) -> StoredSecret {
    StoredSecret::ApiKey(Secret::new(k))
}

#[tokio::test]
async fn an_added_key_is_in_the_keystore_and_only_the_account_in_the_file() {
    let f = fixture("http://127.0.0.1:9");
    let saved = f.service.save(SaveAccount::key("work", key("hg_secret_1234"), false)).await.unwrap();
    assert!(!saved.updated);
    assert_eq!(saved.mask.as_deref(), Some("…1234"));
    assert_eq!(f.key_of("work").as_deref(), Some("hg_secret_1234"));
    let file = std::fs::read_to_string(f.service.accounts.settings.path()).unwrap();
    assert!(file.contains("\"work\"") && !file.contains("hg_secret"), "{file}");
}

#[tokio::test]
async fn a_verified_key_records_whose_it_is() {
    let f = fixture(&heygen(200, WALLET).await);
    let saved = f.service.save(SaveAccount::key("work", key("hg_good"), true)).await.unwrap();
    assert_eq!(saved.message("Saved"), "Saved \"work\": jane — $42.50");
    let s = f.settings();
    assert_eq!(s.account("work").unwrap().username.as_deref(), Some("jane"));
    assert_eq!(s.account("work").unwrap().billing_type.as_deref(), Some("wallet"));
}

#[tokio::test]
async fn a_key_heygen_rejects_is_not_stored() {
    let f = fixture(&heygen(401, r#"{"error":{"message":"bad key"}}"#).await);
    let err = f.service.save(SaveAccount::key("work", key("hg_bad"), true)).await.unwrap_err();
    assert!(matches!(err, ServiceError::NotVerified(ref e) if e.is_auth_rejected()), "{err:?}");
    assert_eq!(f.key_of("work"), None);
    assert!(f.settings().accounts.is_empty());
}

#[tokio::test]
async fn replacing_a_key_writes_it_in_place_and_rearms_the_accounts_alerts() {
    let f = fixture("http://127.0.0.1:9");
    f.service.save(SaveAccount::key("work", key("hg_old"), false)).await.unwrap();
    f.service
        .accounts
        .settings
        .update(|s| s.alert_memory.insert("work".into(), AlertMemory { low_sent: true, ..Default::default() }))
        .unwrap();
    let saved = f.service.save(SaveAccount::key("work", key("hg_new"), false)).await.unwrap();
    assert!(saved.updated);
    assert_eq!(f.key_of("work").as_deref(), Some("hg_new"));
    let s = f.settings();
    assert_eq!(s.accounts.len(), 1);
    assert!(!s.alert_memory.contains_key("work"), "a new key starts with fresh alerts");
}

#[tokio::test]
async fn the_add_form_refuses_a_name_in_use_and_an_account_without_a_key() {
    let f = fixture("http://127.0.0.1:9");
    f.service.save(SaveAccount::key("work", key("hg_old"), false)).await.unwrap();
    let again = SaveAccount { only_new: true, ..SaveAccount::key("work", key("hg_other"), false) };
    let err = f.service.save(again).await.unwrap_err().to_string();
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(f.key_of("work").as_deref(), Some("hg_old"), "the stored key is kept");
    let keyless = SaveAccount { secret: None, only_new: true, ..SaveAccount::key("new", key("x"), false) };
    assert_eq!(f.service.save(keyless).await.unwrap_err().to_string(), "Enter the account's API key.");
    assert!(f.settings().account("new").is_none());
}

#[tokio::test]
async fn an_edit_without_a_key_changes_thresholds_and_keeps_the_key() {
    let f = fixture("http://127.0.0.1:9");
    f.service.save(SaveAccount::key("work", key("hg_old"), false)).await.unwrap();
    let edit = SaveAccount {
        name: "work".into(),
        secret: None,
        thresholds: Some(ThresholdOverride { low: Some(20.0), critical: Some(5.0) }),
        enabled: Some(false),
        verify: true,
        only_new: false,
        link: None,
    };
    assert_eq!(f.service.save(edit).await.unwrap().message("Saved"), "Saved \"work\".");
    let a = f.settings().account("work").cloned().unwrap();
    assert_eq!((a.thresholds.low, a.thresholds.critical, a.enabled), (Some(20.0), Some(5.0), false));
    assert_eq!(f.key_of("work").as_deref(), Some("hg_old"));
    let bad = SaveAccount {
        thresholds: Some(ThresholdOverride { low: Some(1.0), critical: Some(5.0) }),
        secret: None,
        ..SaveAccount::key("work", key("x"), false)
    };
    assert!(f.service.save(bad).await.unwrap_err().to_string().starts_with("Check the thresholds"));
    assert_eq!(f.settings().account("work").unwrap().thresholds.low, Some(20.0), "nothing changed");
}

#[tokio::test]
async fn removing_an_account_removes_its_key_and_its_alert_memory() {
    let f = fixture("http://127.0.0.1:9");
    f.service.save(SaveAccount::key("work", key("hg_old"), false)).await.unwrap();
    f.service.save(SaveAccount::key("home", key("hg_home"), false)).await.unwrap();
    f.service
        .accounts
        .settings
        .update(|s| s.alert_memory.insert("work".into(), AlertMemory { low_sent: true, ..Default::default() }))
        .unwrap();
    f.service.remove("work").unwrap();
    assert_eq!(f.key_of("work"), None);
    let s = f.settings();
    assert_eq!(s.accounts.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["home"]);
    assert!(s.alert_memory.is_empty());
    assert!(matches!(f.service.remove("work"), Err(ServiceError::Account(AccountError::NotFound(_)))));
}

#[tokio::test]
async fn importing_the_heygen_cli_stores_its_key_under_the_chosen_name() {
    let f = fixture(&heygen(200, WALLET).await);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    std::fs::write(&path, r#"{"api_key":"hg_from_cli","user":{"email":"jane@example.com"}}"#).unwrap();
    let (saved, user) = f.service.import_from(&path, "cli", true, true).await.unwrap();
    assert_eq!(user.as_deref(), Some("jane@example.com"));
    assert_eq!(saved.verified.unwrap().username, "jane");
    assert_eq!(f.key_of("cli").as_deref(), Some("hg_from_cli"));
    assert_eq!(f.settings().account("cli").unwrap().heygen_cli_credentials.as_deref(), Some(path.as_path()), "linked");
    // A key given by hand ends the link; a change of thresholds alone does not.
    let thresholds = SaveAccount {
        secret: None,
        thresholds: Some(ThresholdOverride { low: Some(20.0), critical: None }),
        ..SaveAccount::key("cli", key("x"), false)
    };
    f.service.save(thresholds).await.unwrap();
    assert!(f.settings().account("cli").unwrap().heygen_cli_credentials.is_some());
    f.service.save(SaveAccount::key("cli", key("hg_by_hand"), false)).await.unwrap();
    assert_eq!(f.settings().account("cli").unwrap().heygen_cli_credentials, None);
    f.service.import_from(&path, "unlinked", false, false).await.unwrap();
    assert_eq!(f.settings().account("unlinked").unwrap().heygen_cli_credentials, None);
    let missing = f.service.import_from(&dir.path().join("none"), "cli2", false, true).await.unwrap_err();
    assert!(matches!(missing, ServiceError::Import(ref e) if e.contains("No HeyGen CLI credentials")), "{missing}");
    assert!(f.settings().account("cli2").is_none());
}

fn prefs() -> Preferences {
    Preferences {
        poll_automatic: Some(false),
        poll_interval_minutes: 10,
        notifications: false,
        start_at_login: true,
        forecast_alerts: true,
        forecast_alert_days: 2.0,
        tray_display: Some(TrayDisplay::Gauge),
        tray_account: Some("work".into()),
        spike_alerts: Some(false),
        video_engine: Some("video_agent".into()),
        reset_reminder: Some(true),
        reset_reminder_days: Some(3.0),
        local_api: None,
    }
}

#[tokio::test]
async fn preferences_are_saved_and_a_pin_names_an_existing_account() {
    let f = fixture("http://127.0.0.1:9");
    let mut asked = None;
    let s = f
        .service
        .save_preferences(&prefs(), |on| {
            asked = Some(on);
            Ok(())
        })
        .unwrap();
    assert_eq!(asked, Some(true));
    assert_eq!(s.polling(), settings::Polling::Fixed(std::time::Duration::from_secs(600)));
    assert_eq!(f.settings().polling(), s.polling(), "written to the file");
    assert!(!s.notifications && s.start_at_login && s.forecast_alerts && !s.spike_alerts);
    assert_eq!(s.tray_display, TrayDisplay::Gauge);
    assert_eq!(s.tray_account, None, "there is no account \"work\" to pin");
    assert_eq!((s.video_engine.as_deref(), s.reset_reminder, s.reset_reminder_days), (Some("video_agent"), true, 3.0));
    // An engine the table does not know is not written; the default engine is not written either.
    let odd = Preferences { video_engine: Some("avatar_ix".into()), ..prefs() };
    assert_eq!(f.service.save_preferences(&odd, |_| Ok(())).unwrap().video_engine.as_deref(), Some("video_agent"));
    let default = Preferences { video_engine: Some("avatar_iv".into()), ..prefs() };
    assert_eq!(f.service.save_preferences(&default, |_| Ok(())).unwrap().video_engine, None);
    f.service.save(SaveAccount::key("work", key("hg_1"), false)).await.unwrap();
    assert_eq!(f.service.save_preferences(&prefs(), |_| Ok(())).unwrap().tray_account.as_deref(), Some("work"));
}

#[test]
fn the_local_api_switch_keeps_an_address_set_in_the_file() {
    let f = fixture("http://127.0.0.1:9");
    let on = Preferences { local_api: Some(true), ..prefs() };
    assert_eq!(f.service.save_preferences(&on, |_| Ok(())).unwrap().local_api.as_deref(), Some("127.0.0.1:9877"));
    f.service.accounts.settings.update(|s| s.local_api = Some("[::1]:9900".into())).unwrap();
    assert_eq!(
        f.service.save_preferences(&on, |_| Ok(())).unwrap().local_api.as_deref(),
        Some("[::1]:9900"),
        "switched on again: the file's address"
    );
    assert_eq!(
        f.service.save_preferences(&prefs(), |_| Ok(())).unwrap().local_api.as_deref(),
        Some("[::1]:9900"),
        "an older page keeps it"
    );
    let off = Preferences { local_api: Some(false), ..prefs() };
    assert_eq!(f.service.save_preferences(&off, |_| Ok(())).unwrap().local_api, None);
}

#[test]
fn preferences_out_of_range_or_a_failed_autostart_change_nothing() {
    let f = fixture("http://127.0.0.1:9");
    for (minutes, days) in [(0, 2.0), (1441, 2.0), (10, 0.25), (10, 400.0)] {
        let p = Preferences { poll_interval_minutes: minutes, forecast_alert_days: days, ..prefs() };
        let err = f.service.save_preferences(&p, |_| panic!("autostart set for a refused form")).unwrap_err();
        assert!(matches!(err, ServiceError::Input(_)), "{minutes} min, {days} d: {err}");
    }
    let p = Preferences { reset_reminder_days: Some(90.0), ..prefs() };
    assert!(matches!(f.service.save_preferences(&p, |_| panic!("refused")), Err(ServiceError::Input(_))));
    let err = f.service.save_preferences(&prefs(), |_| Err("no autostart folder".into())).unwrap_err();
    assert_eq!(err.to_string(), "no autostart folder");
    assert_eq!(f.settings(), Settings::default(), "nothing written");
}

#[test]
fn pasted_keys_are_one_word_or_the_cli_token_block() {
    assert!(matches!(parse_secret("  hg_abc\n", false), Ok(StoredSecret::ApiKey(k)) if k.expose() == "hg_abc"));
    assert_eq!(parse_secret(" ", false).unwrap_err().to_string(), "Enter the API key first.");
    assert!(parse_secret("hg_a hg_b", false).unwrap_err().to_string().contains("spaces or line breaks"));
    let block = r#"{"oauth": {"access_token": "at_1", "refresh_token": "rt_1"}}"#;
    match parse_secret(block, true) {
        Ok(StoredSecret::OAuth(t)) => assert_eq!((t.access_token.expose(), t.refresh_token.unwrap().expose()), ("at_1", "rt_1")),
        other => panic!("{other:?}"),
    }
    assert!(parse_secret("{not json", true).unwrap_err().to_string().contains("not valid"));
    assert!(matches!(parse_secret("at_2", true), Ok(StoredSecret::OAuth(t)) if t.refresh_token.is_none()));
}

fn tokens_of(f: &Fixture, name: &str) -> Option<crate::api::oauth::OAuthTokens> {
    match f.service.accounts.keystore.get(name, AuthKind::Oauth) {
        Ok(StoredSecret::OAuth(t)) => Some(t),
        _ => None,
    }
}

fn cli_file(path: &Path, access: &str, expires: &str, username: &str) {
    let body = serde_json::json!({"oauth": {"access_token": access, "refresh_token": "rt", "expires_at": expires}, "user": {"username": username}});
    std::fs::write(path, body.to_string()).unwrap();
}

/// What following the links did, per account, in words.
fn follow(f: &Fixture) -> Vec<(String, String)> {
    f.service.accounts.follow_links(&|_| None).into_iter().map(|(n, r)| (n, format!("{r:?}"))).collect()
}

#[tokio::test]
async fn a_linked_account_takes_renewed_tokens_and_remembers_its_alerts() {
    let f = fixture(&heygen(200, WALLET).await);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    cli_file(&path, "at_one", "2026-12-10T00:00:00Z", "jane");
    f.service.import_from(&path, "web", true, true).await.unwrap();
    f.service.save(SaveAccount::key("plain", key("hg_plain"), false)).await.unwrap();
    let memory = AlertMemory { low_sent: true, ..Default::default() };
    f.service.accounts.settings.update(|s| s.alert_memory.insert("web".into(), memory.clone())).unwrap();
    let before = f.settings().account("web").unwrap().clone();
    assert_eq!(follow(&f), [("web".to_string(), "Ok(Unchanged)".to_string())], "only linked accounts, nothing new yet");

    // HeyGen's CLI renews its tokens: taken in place, the alerts remembered.
    cli_file(&path, "at_two", "2026-12-20T00:00:00Z", "jane");
    assert_eq!(follow(&f)[0].1, "Ok(Renewed)");
    let t = tokens_of(&f, "web").unwrap();
    assert_eq!((t.access_token.expose(), t.expires_at.unwrap().to_rfc3339().as_str()), ("at_two", "2026-12-20T00:00:00+00:00"));
    let after = f.settings().account("web").unwrap().clone();
    assert_eq!(after.key_changed_at, before.key_changed_at, "not a replacement");
    assert!(after.key_renewed_at.is_some() && after.token_expires_at == t.expires_at);
    assert_eq!(f.settings().alert_memory.get("web"), Some(&memory));
    assert_eq!(follow(&f)[0].1, "Ok(Unchanged)", "once");

    // Older tokens (this app renewed since) and an unreadable file change nothing.
    cli_file(&path, "at_old", "2026-12-05T00:00:00Z", "jane");
    assert_eq!(follow(&f)[0].1, "Ok(Unchanged)");
    std::fs::write(&path, "{broken").unwrap();
    assert!(follow(&f)[0].1.starts_with("Ok(Unusable(") && !follow(&f)[0].1.contains("at_"), "{:?}", follow(&f));
    std::fs::remove_file(&path).unwrap();
    assert!(follow(&f)[0].1.contains("No HeyGen CLI credentials"), "{:?}", follow(&f));
    assert_eq!(tokens_of(&f, "web").unwrap().access_token.expose(), "at_two");

    // Someone else signs in with HeyGen's CLI: the account keeps its own, and says how to follow.
    cli_file(&path, "at_joe", "2026-12-30T00:00:00Z", "joe");
    let said = follow(&f)[0].1.clone();
    assert!(
        said.starts_with("Ok(Other(") && said.contains("signed in as joe now, not jane") && said.contains("import-heygen-cli --name web"),
        "{said}"
    );
    assert_eq!(tokens_of(&f, "web").unwrap().access_token.expose(), "at_two");
    assert_eq!(f.settings().account("web").unwrap().key_changed_at, before.key_changed_at);
    assert_eq!(f.settings().alert_memory.get("web"), Some(&memory));
    assert_eq!(follow(&f)[0].1, said, "said again until the user acts");
    assert_eq!(f.key_of("plain").as_deref(), Some("hg_plain"));
}
