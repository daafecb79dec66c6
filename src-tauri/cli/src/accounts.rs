//! `heygen-tray accounts ...`: add, list, remove, set, import-heygen-cli.
//!
//! Keys are read from standard input only (never from arguments, which end up in
//! shell history) and are never printed: lists show `…a1b2`.

use super::{usage_error, EXIT_FAILURE};
use clap::Subcommand;
use heygen_tray_core::accounts::{AccountError, Accounts};
use heygen_tray_core::api::{ApiBase, Client, ErrorKind};
use heygen_tray_core::billing::ThresholdOverride;
use heygen_tray_core::keystore::StoredSecret;
use heygen_tray_core::service::{parse_secret, SaveAccount, Saved, Service, ServiceError};
use heygen_tray_core::settings::{self, AuthKind};
use serde_json::json;
use std::io::{IsTerminal, Read};

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Add an account, or replace its key; the key is read from standard input.
    Add {
        name: String,
        /// The input is an OAuth access token (or the CLI's JSON token block), not an API key.
        #[arg(long)]
        oauth: bool,
        /// Save without checking the key against HeyGen (for offline set-up).
        #[arg(long)]
        no_verify: bool,
    },
    /// List accounts with masked keys.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove an account and its keyring entry.
    Remove { name: String },
    /// Change an account's thresholds (in its own unit) or turn it on or off.
    Set {
        name: String,
        #[arg(long, value_name = "X")]
        low: Option<f64>,
        #[arg(long, value_name = "Y")]
        critical: Option<f64>,
        /// Go back to the default thresholds (before applying --low/--critical).
        #[arg(long)]
        reset_thresholds: bool,
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        #[arg(long)]
        disable: bool,
    },
    /// Import the API key or OAuth tokens of HeyGen's official CLI; the account then
    /// follows the CLI's credentials file (new tokens there are taken into the keyring).
    ImportHeygenCli {
        /// Name of the new account.
        #[arg(long, default_value = "heygen-cli")]
        name: String,
        #[arg(long)]
        no_verify: bool,
        /// Take the key or tokens once, without following the file afterwards.
        #[arg(long)]
        no_link: bool,
    },
}

pub fn run(command: AccountsCommand) -> i32 {
    let accounts = Accounts::for_command_line();
    match command {
        AccountsCommand::Add { name, oauth, no_verify } => {
            if let Err(e) = settings::validate_name(&name) {
                return usage_error(&e);
            }
            let secret = match read_secret(&name, oauth) {
                Ok(s) => s,
                Err(e) => return usage_error(&e),
            };
            let Some(service) = service(accounts, no_verify) else { return super::EXIT_USAGE };
            let saved = super::runtime().block_on(service.save(SaveAccount::key(&name, secret, !no_verify)));
            report(saved, no_verify)
        }
        AccountsCommand::List { json } => list(&accounts, json),
        AccountsCommand::Remove { name } => match Service::new(accounts, offline()).remove(&name) {
            Ok(()) => {
                println!("Removed account \"{name}\" and its key from the keyring.");
                0
            }
            Err(e) => fail(&e),
        },
        AccountsCommand::Set { name, low, critical, reset_thresholds, enable, disable } => {
            let t = ThresholdOverride { low, critical };
            if low.is_none() && critical.is_none() && !reset_thresholds && !enable && !disable {
                return usage_error("nothing to change: give --low, --critical, --reset-thresholds, --enable or --disable");
            }
            let enabled = if enable {
                Some(true)
            } else if disable {
                Some(false)
            } else {
                None
            };
            match Service::new(accounts, offline()).configure(&name, t, reset_thresholds, enabled) {
                Ok(a) => {
                    println!("Account \"{}\": {}{}", a.name, thresholds_text(&a.thresholds), if a.enabled { "" } else { ", disabled" });
                    0
                }
                Err(ServiceError::Input(e) | ServiceError::Account(AccountError::Invalid(e))) => usage_error(&e),
                Err(e) => fail(&e),
            }
        }
        AccountsCommand::ImportHeygenCli { name, no_verify, no_link } => {
            if let Err(e) = settings::validate_name(&name) {
                return usage_error(&e);
            }
            let Some(service) = service(accounts, no_verify) else { return super::EXIT_USAGE };
            let imported = super::runtime().block_on(service.import_heygen_cli(&name, !no_verify, !no_link));
            let saved = imported.map(|(saved, user)| {
                if let Some(user) = &user {
                    println!("Found HeyGen CLI credentials for {user}.");
                }
                saved
            });
            let linked = saved.is_ok() && !no_link;
            let code = report(saved, no_verify);
            if linked {
                println!("{}", heygen_tray_core::cli_link::following());
            }
            code
        }
    }
}

/// The service, with a client for `HEYGEN_API_BASE` when keys are to be checked;
/// `None` (and the reason on stderr) when that base is unusable.
fn service(accounts: Accounts, no_verify: bool) -> Option<Service> {
    if no_verify {
        return Some(Service::new(accounts, offline()));
    }
    match ApiBase::from_env() {
        Ok(base) => Some(Service::new(accounts, Client::new(base))),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    }
}

/// A client for commands that ask HeyGen nothing.
fn offline() -> Client {
    Client::new(ApiBase::default())
}

fn fail(e: &dyn std::fmt::Display) -> i32 {
    eprintln!("error: {e}");
    EXIT_FAILURE
}

/// Reads the key from standard input: hidden at a terminal, whole input otherwise.
fn read_secret(name: &str, oauth: bool) -> Result<StoredSecret, String> {
    let what = if oauth { "OAuth access token" } else { "API key" };
    let raw = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("Paste the {what} for \"{name}\" (input hidden): "))
            .map_err(|e| format!("could not read the {what}: {e}"))?
    } else {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| format!("could not read the {what} from standard input: {e}"))?;
        s
    };
    let raw = zeroize::Zeroizing::new(raw);
    if raw.trim().is_empty() {
        return Err(format!("no {what} on standard input (pipe it in, for example: `pass show heygen | heygen-tray accounts add {name}`)"));
    }
    parse_secret(&raw, oauth).map_err(|e| e.to_string())
}

/// Words for what a save did (or why not).
fn report(saved: Result<Saved, ServiceError>, no_verify: bool) -> i32 {
    match saved {
        Ok(saved) => {
            if let Some(summary) = &saved.verified {
                println!(
                    "Key works: {} — {} billing, {}",
                    summary.username,
                    summary.billing_type.as_deref().unwrap_or("unknown").replace('_', "-"),
                    summary.headline
                );
            }
            if let Some(n) = &saved.notice {
                eprintln!("warning: {n}");
            }
            let verb = if saved.updated { "Updated the key of" } else { "Saved" };
            let checked = if no_verify { " (not verified)" } else { "" };
            let mask = saved.mask.as_deref().unwrap_or_default();
            println!("{verb} account \"{}\" ({mask}) in the system keyring{checked}.", saved.name);
            0
        }
        Err(ServiceError::NotVerified(e)) => {
            let hint = match e.kind {
                ErrorKind::Unauthorized | ErrorKind::Forbidden => "",
                _ => " To save it anyway without checking, add --no-verify.",
            };
            eprintln!("error: not saved: {e}{hint}");
            EXIT_FAILURE
        }
        Err(ServiceError::Input(e)) => usage_error(&e),
        Err(e) => fail(&e),
    }
}

fn thresholds_text(t: &ThresholdOverride) -> String {
    match (t.low, t.critical) {
        (None, None) => "default thresholds".into(),
        (low, critical) => format!(
            "low at {}, critical at {}",
            low.map_or("default".into(), |v| v.to_string()),
            critical.map_or("default".into(), |v| v.to_string())
        ),
    }
}

fn list(accounts: &Accounts, as_json: bool) -> i32 {
    let settings = match accounts.settings.load().into_usable() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    let mut code = 0;
    let mut rows = Vec::new();
    for a in &settings.accounts {
        let key = match accounts.keystore.get(&a.name, a.auth) {
            Ok(s) => Ok(s.mask()),
            Err(e) => {
                code = EXIT_FAILURE;
                Err(e.to_string())
            }
        };
        rows.push((a, key));
    }
    if as_json {
        let list: Vec<_> = rows
            .iter()
            .map(|(a, key)| {
                json!({
                    "name": a.name,
                    "auth": match a.auth { AuthKind::ApiKey => "api_key", AuthKind::Oauth => "oauth" },
                    "key": key.as_ref().ok(),
                    "key_error": key.as_ref().err(),
                    "low": a.thresholds.low,
                    "critical": a.thresholds.critical,
                    "enabled": a.enabled,
                    "username": a.username,
                    "billing_type": a.billing_type,
                    "heygen_cli_credentials": a.heygen_cli_credentials,
                })
            })
            .collect();
        println!("{}", json!({ "accounts": list }));
    } else if rows.is_empty() {
        println!("{}", super::status::NO_ACCOUNTS);
    } else {
        for (a, key) in &rows {
            let key = match key {
                Ok(m) => m.clone(),
                Err(_) => "(key unreadable)".into(),
            };
            let who = a.username.as_deref().map(|u| format!("  {u}")).unwrap_or_default();
            let off = if a.enabled { "" } else { "  (disabled)" };
            let link = a
                .heygen_cli_credentials
                .as_deref()
                .map(|p| format!("  follows {}", heygen_tray_core::sign_in::shown(p)))
                .unwrap_or_default();
            println!("{}  {}  {}  {}{who}{off}{link}", a.name, a.auth.label(), key, thresholds_text(&a.thresholds));
        }
    }
    for (a, key) in &rows {
        if let Err(e) = key {
            eprintln!("error: {}: {e}", a.name);
        }
    }
    code
}
