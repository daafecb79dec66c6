//! Accounts and keys against a real Secret Service (gnome-keyring in the test session).

use crate::support::{keyring_items, require_session, sim, stderr, stdout, unique, Home};
use heygen_tray_sim::accounts::Auth;
use serde_json::{json, Value};

fn wallet_profile(user: &str, balance: f64) -> Value {
    json!({"username": user, "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": balance}})
}

fn list(home: &Home) -> Value {
    let out = home.run(&[], &["accounts", "list", "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn add_read_back_update_in_place_and_remove() {
    require_session();
    let sim = sim();
    let key1 = "hg_live_7f3a9c2e5b1d4f60aa11";
    let key2 = "hg_live_0b8e6d4c2a1f9e77bb22";
    sim.add_account("kr1", key1, Auth::ApiKey, wallet_profile("first_user", 42.5));
    sim.add_account("kr2", key2, Auth::ApiKey, wallet_profile("second_user", 7.0));
    let home = Home::new(&sim.base_url());
    let name = unique("main");

    let out = home.run(&[], &["accounts", "add", &name], Some(&format!("{key1}\n")));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("first_user") && stdout(&out).contains("wallet"), "{}", stdout(&out));
    assert!(!stdout(&out).contains(key1) && !stderr(&out).contains(key1));
    let items = keyring_items(&name);
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].1, key1);
    let item_path = items[0].0.clone();

    // A second process reads the key back from the keyring.
    let out = home.run(&[], &["status", "--json"], None);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["accounts"][0]["name"], name.as_str());
    assert_eq!(v["accounts"][0]["username"], "first_user");
    assert_eq!(v["accounts"][0]["headline"], "$42.50");
    let l = list(&home);
    assert_eq!(l["accounts"][0]["key"], "…aa11");

    // Updating writes the same keyring item in place.
    let out = home.run(&[], &["accounts", "add", &name], Some(key2));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Updated"), "{}", stdout(&out));
    let items = keyring_items(&name);
    assert_eq!(items, vec![(item_path, key2.to_string())]);
    let out = home.run(&[], &["status", "--json"], None);
    assert!(stdout(&out).contains("second_user"));
    assert_eq!(out.status.code(), Some(1), "$7 is low");

    // No key in any file the app wrote.
    assert!(home.files_containing(key1).is_empty() && home.files_containing(key2).is_empty());
    assert!(home.files_containing("hg_live_").is_empty(), "{:?}", home.files_containing("hg_live_"));

    let out = home.run(&[], &["accounts", "remove", &name], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(keyring_items(&name).is_empty());
    assert_eq!(list(&home)["accounts"].as_array().unwrap().len(), 0);
}

#[test]
fn a_rejected_key_is_not_saved() {
    require_session();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let name = unique("rejected");
    let out = home.run(&[], &["accounts", "add", &name], Some("hg_live_wrong_key_99999999"));
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("not saved") && stderr(&out).contains("rejected"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("hg_live_wrong_key_99999999"));
    assert!(keyring_items(&name).is_empty());
    assert!(!home.settings_path().exists());
}

#[test]
fn no_verify_saves_offline_and_bad_input_is_refused() {
    require_session();
    let home = Home::new("http://127.0.0.1:9");
    let name = unique("offline");
    let out = home.run(&[], &["accounts", "add", &name], Some("hg_offline_key_123456"));
    assert_eq!(out.status.code(), Some(3), "cannot verify offline");
    assert!(stderr(&out).contains("--no-verify"), "{}", stderr(&out));
    let out = home.run(&[], &["accounts", "add", &name, "--no-verify"], Some("hg_offline_key_123456"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(keyring_items(&name)[0].1, "hg_offline_key_123456");
    for (args, input) in [
        (vec!["accounts", "add", &name, "--no-verify"], ""),
        (vec!["accounts", "add", "bad/name", "--no-verify"], "k"),
        (vec!["accounts", "set", &name], ""),
        (vec!["accounts", "set", &name, "--low", "1", "--critical", "3"], ""),
    ] {
        let out = home.run(&[], &args, Some(input));
        assert_eq!(out.status.code(), Some(64), "{args:?}: {}", stderr(&out));
    }
    let out = home.run(&[], &["accounts", "set", &name, "--low", "25", "--critical", "5"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let l = list(&home);
    assert_eq!((l["accounts"][0]["low"].as_f64(), l["accounts"][0]["critical"].as_f64()), (Some(25.0), Some(5.0)));
    let out = home.run(&[], &["accounts", "remove", "nobody-here"], None);
    assert_eq!(out.status.code(), Some(3));
    home.run(&[], &["accounts", "remove", &name], None);
    assert!(keyring_items(&name).is_empty());
}

#[test]
fn stored_thresholds_set_the_status_level() {
    require_session();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let name = unique("thresholds");
    assert_eq!(home.run(&[], &["accounts", "add", &name], Some("sim-wallet-key")).status.code(), Some(0));
    assert_eq!(home.run(&[], &["status"], None).status.code(), Some(0));
    assert_eq!(home.run(&[], &["accounts", "set", &name, "--low", "50"], None).status.code(), Some(0));
    assert_eq!(home.run(&[], &["status"], None).status.code(), Some(1));
    assert_eq!(home.run(&[], &["accounts", "set", &name, "--critical", "45"], None).status.code(), Some(0));
    assert_eq!(home.run(&[], &["status"], None).status.code(), Some(2));
    home.run(&[], &["accounts", "remove", &name], None);
}

#[test]
fn concurrent_cli_writers_lose_no_account() {
    require_session();
    let home = Home::new("http://127.0.0.1:9");
    let names: Vec<String> = (0..6).map(|_| unique("conc")).collect();
    let children: Vec<_> = names
        .iter()
        .map(|n| {
            let mut cmd = home.command(&[], &["accounts", "add", n, "--no-verify"]);
            cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::null());
            let mut child = cmd.spawn().unwrap();
            use std::io::Write;
            child.stdin.take().unwrap().write_all(format!("hg_conc_key_{n}").as_bytes()).unwrap();
            child
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let l = list(&home);
    let mut got: Vec<String> = l["accounts"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_string()).collect();
    got.sort();
    let mut want = names.clone();
    want.sort();
    assert_eq!(got, want);
    for n in &names {
        home.run(&[], &["accounts", "remove", n], None);
    }
}

#[test]
fn import_from_the_heygen_cli_api_key_and_oauth_with_refresh() {
    require_session();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    std::fs::create_dir_all(home.heygen_cli_dir()).unwrap();
    let creds = home.heygen_cli_dir().join("credentials");

    let name = unique("cli-key");
    std::fs::write(&creds, r#"{"api_key":"sim-usage-key","user":{"username":"ops_team"}}"#).unwrap();
    let out = home.run(&[], &["accounts", "import-heygen-cli", "--name", &name], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(keyring_items(&name)[0].1, "sim-usage-key");

    let oauth = unique("cli-oauth");
    std::fs::write(&creds, r#"{"oauth":{"access_token":"sim-oauth-token","refresh_token":"sim-refresh-token","expires_at":"2099-01-01T00:00:00Z","scope":"all","token_type":"Bearer"},"user":{"email":"sam@example.com"}}"#).unwrap();
    let out = home.run(&[], &["accounts", "import-heygen-cli", "--name", &oauth], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("sam_creator") && stdout(&out).contains("subscription"), "{}", stdout(&out));
    assert!(home.files_containing("sim-refresh-token").iter().all(|p| p == &creds), "tokens only in the CLI's own file");

    // The token expires at HeyGen: without a client ID the account must sign in again...
    sim.set_key("subscription", "sim-oauth-token-rotated-elsewhere");
    let out = home.run(&[], &["status", "--json"], None);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let row = v["accounts"].as_array().unwrap().iter().find(|a| a["name"] == oauth.as_str()).unwrap().clone();
    assert_eq!(row["error"]["kind"], "unauthorized");
    assert!(row["error"]["message"].as_str().unwrap().contains("sign in"), "{row}");
    // ...and with one, it is renewed once and the new token lands in the keyring.
    let out = home.run(&[("HEYGEN_OAUTH_CLIENT_ID", "test-client")], &["status", "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(sim.refreshes("subscription"), 1);
    let stored = keyring_items(&oauth)[0].1.clone();
    assert!(stored.contains(&sim.key("subscription")) && stored.contains("sim-refresh-token"), "{stored}");
    let out = home.run(&[("HEYGEN_OAUTH_CLIENT_ID", "test-client")], &["status"], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(sim.refreshes("subscription"), 1, "the saved token is used, not renewed again");

    // The legacy file the CLI still reads: the key alone on one line.
    let legacy = unique("cli-legacy");
    std::fs::write(&creds, "sim-credits-key\n").unwrap();
    let out = home.run(&[], &["accounts", "import-heygen-cli", "--name", &legacy], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(keyring_items(&legacy)[0].1, "sim-credits-key");
    home.run(&[], &["accounts", "remove", &legacy], None);

    std::fs::remove_file(&creds).unwrap();
    let out = home.run(&[], &["accounts", "import-heygen-cli"], None);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("No HeyGen CLI credentials"), "{}", stderr(&out));
    for n in [&name, &oauth] {
        home.run(&[], &["accounts", "remove", n], None);
    }
}

/// Runs the binary in a D-Bus session of its own, set up by `setup` (shell), with
/// folders of its own too: a keyring daemon started there must not take over (and,
/// ending, delete) the control socket of the test session's keyring in
/// `$XDG_RUNTIME_DIR/keyring`.
fn in_own_session(home: &Home, dbus_args: &[&str], setup: &str, args: &[&str]) -> std::process::Output {
    let bin = crate::support::cli_bin();
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    // The session's own folders, in the test's home (removed with it).
    let own = home.dir.path().join("own-session");
    let script = format!(
        "export XDG_DATA_HOME='{own}/data' XDG_RUNTIME_DIR='{own}/runtime'; mkdir -p \"$XDG_DATA_HOME\" && mkdir -p -m 700 \"$XDG_RUNTIME_DIR\"; \
         {setup}; echo hg_live_never_stored_123456 | '{bin}' {}",
        quoted.join(" "),
        own = own.display()
    );
    let mut cmd = std::process::Command::new("dbus-run-session");
    cmd.args(dbus_args).args(["--", "bash", "-c", &script]);
    cmd.env("XDG_CONFIG_HOME", home.config_dir()).env("HEYGEN_API_BASE", &home.base).env_remove("DISPLAY");
    cmd.output().unwrap()
}

#[test]
fn without_a_secret_service_nothing_is_written_and_the_user_is_told() {
    require_session();
    let home = Home::new("http://127.0.0.1:9");
    let conf = home.dir.path().join("bus.conf");
    std::fs::write(&conf, r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:tmpdir=/tmp</listen>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>"#).unwrap();
    let out =
        in_own_session(&home, &[&format!("--config-file={}", conf.display())], "true", &["accounts", "add", "nokeyring", "--no-verify"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("No keyring service is running"), "{}", stderr(&out));
    assert!(!home.config_dir().exists(), "nothing written");
    assert!(home.files_containing("hg_live_never_stored").is_empty());
}

#[test]
fn an_unlock_prompt_nobody_answers_is_given_up_in_time() {
    require_session();
    let home = Home::new("http://127.0.0.1:9");
    // A Secret Service whose unlock prompt never completes (a prompt on a screen nobody looks at).
    let standin = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/secret_service_standin.py");
    let setup = format!(
        "/usr/bin/python3 {standin} 2>/dev/null & \
         for i in $(seq 100); do busctl --user call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.1; done; \
         export HEYGEN_TRAY_KEYRING_TIMEOUT=3"
    );
    let started = std::time::Instant::now();
    let out = in_own_session(&home, &[], &setup, &["accounts", "add", "unanswered", "--no-verify"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("no answer within 3 s: an unlock prompt may be waiting"), "{}", stderr(&out));
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "gave up in {:?}", started.elapsed());
    assert!(!home.settings_path().exists(), "nothing written");
    // Reading is bounded too: `accounts list` of an account whose key would need the prompt.
    std::fs::create_dir_all(home.settings_path().parent().unwrap()).unwrap();
    std::fs::write(home.settings_path(), r#"{"schema_version":1,"accounts":[{"name":"unanswered","auth":"api_key"}]}"#).unwrap();
    let out = in_own_session(&home, &[], &setup, &["accounts", "list"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("no answer within 3 s"), "{}", stderr(&out));
}

#[test]
fn with_a_locked_keyring_nothing_is_written_and_the_user_is_told() {
    require_session();
    let home = Home::new("http://127.0.0.1:9");
    let lock = "printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; \
        for i in $(seq 100); do busctl --user call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.1; done; \
        busctl --user call org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service Lock ao 1 /org/freedesktop/secrets/collection/login >/dev/null";
    let out = in_own_session(&home, &[], lock, &["accounts", "add", "lockedout", "--no-verify"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("keyring is locked"), "{}", stderr(&out));
    assert!(!home.settings_path().exists(), "nothing written");
    assert!(home.files_containing("hg_live_never_stored").is_empty());
}
