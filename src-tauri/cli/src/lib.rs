//! The command line: `heygen-tray [--demo]` starts the tray app (see [`launch`]);
//! subcommands are tools built on the core only, so they never load GUI libraries.
//!
//! Exit codes: `status` gives 0 ok, 1 low, 2 critical, 3 error or unknown; every
//! command gives 64 for bad usage.

pub mod accounts;
pub mod docs;
pub mod guard;
pub mod history;
pub mod launch;
pub mod prices;
pub mod spend;
pub mod status;
pub mod watch;

use clap::{Parser, Subcommand};
use heygen_tray_core::accounts::Accounts;
use heygen_tray_core::api::{ApiBase, Client, Credential};
use heygen_tray_core::billing::ThresholdOverride;
use heygen_tray_core::poller::AccountConfig;
use heygen_tray_core::secret::Secret;
use heygen_tray_core::snapshot::AccountSnapshot;
use std::io::Write;

pub use heygen_tray_core::{EXIT_FAILURE, EXIT_USAGE};

#[derive(Debug, Parser)]
#[command(name = "heygen-tray", version, about = "Watches the remaining balance or credits of HeyGen accounts from the system tray.")]
pub struct Cli {
    /// Run the tray app against the built-in API simulator with a wallet that drains within a minute.
    #[arg(long)]
    pub demo: bool,
    /// Open a window at start: `dashboard` or `settings`.
    #[arg(long, value_name = "WINDOW", value_parser = ["dashboard", "settings"])]
    pub open: Option<String>,
    /// Internal: run one window for a running tray process.
    #[arg(long, value_name = "WINDOW", value_parser = ["dashboard", "settings"], hide = true)]
    pub window: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every account's balance: the running app's figures, else one request per account to HeyGen.
    Status(StatusArgs),
    /// Manage accounts; keys live in the system keyring.
    #[command(subcommand)]
    Accounts(accounts::AccountsCommand),
    /// Export the recorded balance history as CSV or JSON.
    History(history::HistoryArgs),
    /// What each account spent today, in the last 7 days and this month (from the history).
    Spend(spend::SpendArgs),
    /// Run a command only while an account has more than X left; stop it when it reaches X.
    Guard(guard::GuardArgs),
    /// The price table balances are counted in (seconds of video per engine), its source and your overrides.
    Prices(prices::PricesArgs),
    /// Print a shell completion script: `heygen-tray completions bash`.
    Completions(docs::CompletionsArgs),
    /// Show a manual page: `heygen-tray man`, `heygen-tray man accounts add`.
    Man(docs::ManArgs),
    /// Watch every account without a tray or a window (servers, containers, CI): logs, hooks, `status`, an optional HTTP API.
    Watch(watch::WatchArgs),
    /// Print the local HTTP API's bearer token (made on first use).
    Token(TokenArgs),
    /// Serve a HeyGen API simulator on 127.0.0.1 (for tests and demos).
    Simulator(SimulatorArgs),
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Print one JSON object (same as --format json).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Option<status::Format>,
    /// Low threshold for this run, in each account's unit (dollars or credits).
    #[arg(long, value_name = "X")]
    pub low: Option<f64>,
    /// Critical threshold for this run, in each account's unit.
    #[arg(long, value_name = "Y")]
    pub critical: Option<f64>,
    /// Ask HeyGen now, even when the tray app is running (by default its current
    /// figures are read, which costs no request).
    #[arg(long)]
    pub fresh: bool,
}

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// Print where the token file is instead (for Prometheus's `credentials_file`).
    #[arg(long)]
    pub path: bool,
}

#[derive(Debug, clap::Args)]
pub struct SimulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// Seconds the `drain` wallet takes to fall from $12 to zero.
    #[arg(long, default_value_t = 60.0)]
    pub drain_seconds: f64,
    /// Internal (demo mode): stop when standard input closes, that is when the app
    /// that started the simulator ends, however it ends.
    #[arg(long, hide = true)]
    pub until_stdin_closes: bool,
}

/// Parses the arguments and runs; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => EXIT_USAGE,
            };
        }
    };
    match cli.command {
        None => launch::app(std::env::args_os().skip(1)),
        Some(Command::Status(args)) => status_command(args),
        Some(Command::Accounts(command)) => accounts::run(command),
        Some(Command::History(args)) => history::run(args),
        Some(Command::Spend(args)) => spend::run(args),
        Some(Command::Guard(args)) => guard::run(args),
        Some(Command::Prices(args)) => prices::run(args),
        Some(Command::Completions(args)) => docs::run_completions(args),
        Some(Command::Man(args)) => docs::run_man(args),
        Some(Command::Watch(args)) => watch::run(args),
        Some(Command::Token(args)) => token_command(args),
        Some(Command::Simulator(args)) => runtime().block_on(simulator_command(args)),
    }
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime starts")
}

fn token_command(args: TokenArgs) -> i32 {
    let path = heygen_tray_core::local_api::token::default_path();
    if args.path {
        println!("{}", path.display());
        return 0;
    }
    match heygen_tray_core::local_api::token::load_or_create(&path) {
        Ok(token) => {
            println!("{}", token.expose());
            0
        }
        Err(e) => {
            eprintln!("error: the token in {} could not be made or read: {e}", path.display());
            EXIT_FAILURE
        }
    }
}

pub(crate) fn usage_error(message: &str) -> i32 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

/// What `status` checks: the stored, enabled accounts; with none configured, the key
/// in `HEYGEN_API_KEY` as account `env`. Accounts whose key cannot be read come back
/// as snapshots that already hold the keyring error. A settings file that cannot be
/// used is an error (its words), never "no account".
pub(crate) fn accounts_to_check(accounts: &Accounts) -> Result<(Vec<AccountConfig>, Vec<AccountSnapshot>), String> {
    let loaded = accounts.settings.load();
    let settings = loaded.into_usable()?;
    if settings.accounts.is_empty() {
        let env = match std::env::var("HEYGEN_API_KEY") {
            Ok(k) if !k.trim().is_empty() => vec![AccountConfig::new("env", Credential::ApiKey(Secret::new(k)))],
            _ => Vec::new(),
        };
        return Ok((env, Vec::new()));
    }
    // Linked accounts take what HeyGen's CLI renewed first (the settings change then).
    let settings = if follow_links(accounts) { accounts.settings.load().into_usable()? } else { settings };
    Ok(accounts.load_for_polling(&settings, heygen_tray_core::accounts::Unlock::Once))
}

/// Follows the linked accounts' HeyGen CLI files, saying on standard error what is
/// wrong with one (the stored sign-in serves). False when no account is linked.
fn follow_links(accounts: &Accounts) -> bool {
    let client = Client::new(ApiBase::from_env().unwrap_or_default());
    let whose = |c: &Credential| runtime().block_on(client.users_me(c)).ok().map(|me| me.username);
    let followed = accounts.follow_links(&whose);
    for (name, f) in &followed {
        if let Some(note) = heygen_tray_core::accounts::Followed::note(f) {
            eprintln!("warning: \"{name}\": {note}");
        }
    }
    !followed.is_empty()
}

fn status_command(args: StatusArgs) -> i32 {
    let format = if args.json { status::Format::Json } else { args.format.unwrap_or(status::Format::Text) };
    let run_override = ThresholdOverride { low: args.low, critical: args.critical };
    if let Err(e) = run_override.validate() {
        return usage_error(&format!("{e} (--low / --critical)"));
    }
    let base = match ApiBase::from_env() {
        Ok(b) => b,
        Err(e) => return usage_error(&e.to_string()),
    };
    let store = Accounts::for_command_line();
    let prices = heygen_tray_core::pricing::Prices::from_settings(&store.settings.load().settings);
    let live = if args.fresh { None } else { from_the_app(&store) };
    let report = match live {
        Some(live) => {
            let now = chrono::Utc::now();
            let stale: Vec<bool> = live.accounts.iter().map(|s| live.is_stale(s, now)).collect();
            let mut snapshots = live.accounts;
            for s in &mut snapshots {
                s.thresholds = s.thresholds.with(&run_override);
            }
            status::Report::new(&snapshots, status::Source::App, &stale, &prices)
        }
        None => {
            let snapshots = from_the_api(base, &store, &run_override);
            let stale: Vec<bool> = snapshots.iter().map(AccountSnapshot::latest_failed).collect();
            status::Report::new(&snapshots, status::Source::Api, &stale, &prices)
        }
    };
    let out = match format {
        status::Format::Json => report.json(),
        status::Format::Waybar => report.waybar().to_string(),
        status::Format::Text => report.text(),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{out}");
    report.exit_code()
}

/// The running app's figures, when an app of this user serves them for these
/// settings and answers in time.
pub(crate) fn from_the_app(store: &Accounts) -> Option<heygen_tray_core::live::LiveStatus> {
    let path = heygen_tray_core::live::socket_path(store.settings.dir())?;
    match heygen_tray_core::live::ask(&path, heygen_tray_core::live::DEADLINE) {
        Ok(live) if !live.accounts.is_empty() => Some(live),
        Ok(_) => None,
        Err(e) => {
            tracing::debug!("asking HeyGen instead of the app: {e}");
            None
        }
    }
}

/// One fetch per account (recorded in the history), in the settings' order.
fn from_the_api(base: ApiBase, store: &Accounts, run_override: &ThresholdOverride) -> Vec<AccountSnapshot> {
    let mut client = Client::new(base);
    if let Ok(oauth) = heygen_tray_core::api::oauth::oauth_base_from_env() {
        client = client.with_oauth_base(oauth);
    }
    let client = client.with_token_keeper(std::sync::Arc::new(store.clone()));
    // Keyring calls block: they run here, outside the async runtime.
    let (accounts, mut snapshots) = match accounts_to_check(store) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(EXIT_FAILURE);
        }
    };
    let accounts = accounts.into_iter().map(|a| AccountConfig { thresholds: a.thresholds.with(run_override), ..a }).collect();
    // The monitor's own round: the app's poller, one request per account.
    let (fetched, renewed) = runtime().block_on(heygen_tray_core::monitor::once(client, accounts));
    record_history(fetched.iter());
    // Renewed tokens are stored as they are renewed; only those that could not be are saved here.
    for (name, t) in renewed {
        if let Err(e) = store.save_tokens(&name, &t) {
            eprintln!("warning: the renewed token of \"{name}\" could not be saved: {e}");
        }
    }
    snapshots.extend(fetched);
    let order = store.settings.load().settings.accounts.iter().map(|a| a.name.clone()).collect::<Vec<_>>();
    snapshots.sort_by_key(|s| order.iter().position(|n| *n == s.name).unwrap_or(usize::MAX));
    snapshots
}

/// Adds the figures to the history, so `status` run from a status bar builds it too.
/// History is a convenience here: any problem is only logged.
pub(crate) fn record_history<'a>(snaps: impl Iterator<Item = &'a AccountSnapshot>) {
    let snaps: Vec<&AccountSnapshot> = snaps.filter(|s| s.name != "env" && s.error.is_none()).collect();
    if snaps.is_empty() {
        return;
    }
    match heygen_tray_core::history::History::open(&heygen_tray_core::history::History::default_path()) {
        Ok((h, _)) => {
            for s in snaps {
                if let Err(e) = h.record_snapshot(s) {
                    tracing::debug!("history not written: {e}");
                }
            }
        }
        Err(e) => tracing::debug!("history not opened: {e}"),
    }
}

async fn simulator_command(args: SimulatorArgs) -> i32 {
    let options = heygen_tray_sim::SimOptions { port: args.port, drain_seconds: args.drain_seconds, ..Default::default() };
    let sim = match heygen_tray_sim::Simulator::start(options).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return EXIT_FAILURE;
        }
    };
    // Written, not printed: a reader that went away must not end the simulator.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "HeyGen API simulator on {}", sim.base_url());
    if !args.until_stdin_closes {
        let _ = writeln!(out, "Try: HEYGEN_API_BASE={} HEYGEN_API_KEY=sim-wallet-key heygen-tray status", sim.base_url());
        let mut keys: Vec<_> = heygen_tray_sim::builtin_keys().into_iter().collect();
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, (key, auth)) in keys {
            let _ = writeln!(out, "  {name:<18} {key:<24} {auth:?}");
        }
    }
    let _ = out.flush();
    drop(out);
    if args.until_stdin_closes {
        // Blocking read on a thread of its own: EOF (or an error) means the parent is gone.
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            let _ = tx.send(());
        });
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = rx => {}
        }
    } else {
        let _ = tokio::signal::ctrl_c().await;
    }
    0
}
