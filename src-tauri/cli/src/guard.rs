//! `heygen-tray guard [--account NAME] --below X [--needs Y | --needs-seconds N
//! [--engine ID]] -- COMMAND [ARGS…]`: runs a batch job only while an account has more
//! than X left. It refuses to start COMMAND when the balance is already at or below X,
//! or would be once the job spent what it is said to need (Y in the account's unit, or
//! N seconds of video at the price table's rate), watches the account while COMMAND runs (the
//! running app's figures when it serves them, else one request to HeyGen a minute)
//! and, when the balance reaches X, interrupts COMMAND (SIGINT, then SIGTERM after a
//! grace period) and says why on standard error. Needs no display; `HEYGEN_API_KEY`
//! serves when no account is configured.
//!
//! COMMAND runs in a process group of its own, so the background workers a script
//! starts get the same signals as the script. Guard hands it the terminal when guard
//! has it (Ctrl-C and terminal reads reach the job, as without guard) and passes on
//! SIGINT, SIGTERM and SIGHUP that reach guard itself (`kill`, a closed terminal).

use crate::{accounts_to_check, from_the_app, record_history, runtime, usage_error};
use heygen_tray_core::accounts::Accounts;
use heygen_tray_core::api::{ApiBase, Client};
use heygen_tray_core::billing::ThresholdOverride;
use heygen_tray_core::pricing::Prices;
use heygen_tray_core::process_group::Group;
use heygen_tray_core::snapshot::AccountSnapshot;
use heygen_tray_core::EXIT_FAILURE;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// COMMAND was not started: the balance was already at or below X.
pub const EXIT_REFUSED: i32 = 73;
/// COMMAND was interrupted: the balance reached X while it ran.
pub const EXIT_STOPPED: i32 = 74;
/// Between two requests to HeyGen (the one-request-per-minute rule).
const EVERY: Duration = Duration::from_secs(60);
/// The running app's figures are read this often (they cost HeyGen nothing).
const EVERY_FROM_APP: Duration = Duration::from_secs(10);
/// After SIGINT, the time COMMAND has to end before SIGTERM (and as long again before SIGKILL).
#[cfg(unix)]
const GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, clap::Args)]
pub struct GuardArgs {
    /// The account to watch (needed when several are configured).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// Stop (or do not start) COMMAND once the balance is at or below X, in the account's unit.
    #[arg(long, value_name = "X")]
    pub below: f64,
    /// What the job will spend, in the account's unit: COMMAND starts only when the
    /// balance minus Y stays above X.
    #[arg(long, value_name = "Y", conflicts_with = "needs_seconds")]
    pub needs: Option<f64>,
    /// What the job will spend, in seconds of video: turned into dollars with the price
    /// table (see `heygen-tray prices`).
    #[arg(long, value_name = "N")]
    pub needs_seconds: Option<f64>,
    /// The engine --needs-seconds is priced in (default: the one chosen in Settings).
    #[arg(long, value_name = "ID", requires = "needs_seconds")]
    pub engine: Option<String>,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub fn run(args: GuardArgs) -> i32 {
    if !args.below.is_finite() {
        return usage_error("--below needs a number");
    }
    let base = match ApiBase::from_env() {
        Ok(b) => b,
        Err(e) => return usage_error(&e.to_string()),
    };
    let store = Accounts::for_command_line();
    let settings = match store.settings.load().into_usable() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("guard: {e}; not starting {}", args.command[0]);
            return EXIT_FAILURE;
        }
    };
    let cost = match Cost::of(&args, &Prices::from_settings(&settings)) {
        Ok(c) => c,
        Err(e) => return usage_error(&e),
    };
    let configured = settings.accounts.into_iter().map(|a| a.name).collect::<Vec<_>>();
    let name = match pick(&configured, args.account.as_deref()) {
        Ok(n) => n,
        Err(e) => return usage_error(&e),
    };
    let watch = Watch { store, base, name, below: args.below };
    let (remaining, unit) = match watch.balance() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("guard: cannot read the balance of \"{}\": {e}; not starting {}", watch.name, args.command[0]);
            return EXIT_FAILURE;
        }
    };
    if let Some(refused) = cost.refuses(remaining, &unit, watch.below) {
        eprintln!("guard: \"{}\" {refused}: not starting {}", watch.name, args.command[0]);
        return EXIT_REFUSED;
    }
    if remaining <= watch.below {
        eprintln!(
            "guard: \"{}\" has {}, at or below {}: not starting {}",
            watch.name,
            amount(remaining, &unit),
            amount(watch.below, &unit),
            args.command[0]
        );
        return EXIT_REFUSED;
    }
    #[cfg(unix)]
    passed_on::install();
    let mut command = Command::new(&args.command[0]);
    let mut child = match heygen_tray_core::process_group::own_group(command.args(&args.command[1..])).spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("guard: could not start {}: {e}", args.command[0]);
            return 127;
        }
    };
    let group = Group::of(&child);
    #[cfg(unix)]
    let _terminal = passed_on::Terminal::hand_to(&group);
    watch_job(&watch, &mut child, &group, &args.command[0])
}

/// What the job is said to cost: nothing, an amount in the account's unit, or seconds
/// of video priced in dollars.
enum Cost {
    Nothing,
    Amount(f64),
    Video { seconds: f64, usd: f64, engine: String },
}

impl Cost {
    fn of(args: &GuardArgs, prices: &Prices) -> Result<Cost, String> {
        let sane = |v: f64| v.is_finite() && v >= 0.0;
        match (args.needs, args.needs_seconds) {
            (Some(y), _) if !sane(y) => Err("--needs takes an amount of 0 or more".into()),
            (Some(y), _) => Ok(Cost::Amount(y)),
            (None, Some(n)) if !sane(n) => Err("--needs-seconds takes a number of seconds of 0 or more".into()),
            (None, Some(n)) => {
                let id = args.engine.as_deref().unwrap_or(&prices.engine);
                let Some(p) = prices.get(id) else {
                    let known: Vec<&str> = prices.prices.iter().map(|p| p.engine.as_str()).collect();
                    return Err(format!("no price for engine \"{id}\" (known: {}; see `heygen-tray prices`)", known.join(", ")));
                };
                Ok(Cost::Video { seconds: n, usd: n * p.usd_per_second, engine: p.name.clone() })
            }
            (None, None) => Ok(Cost::Nothing),
        }
    }

    /// Why the job may not start with `remaining` left (in `unit`) and `below` to keep.
    fn refuses(&self, remaining: f64, unit: &str, below: f64) -> Option<String> {
        let (needs, what) = match self {
            Cost::Nothing => return None,
            Cost::Amount(y) => (*y, amount(*y, unit)),
            Cost::Video { .. } if unit != "usd" => {
                return Some(format!(
                    "is counted in {unit}, and HeyGen documents no rate from {unit} to seconds of video; give --needs in {unit} instead"
                ))
            }
            Cost::Video { seconds, usd, engine } => (*usd, format!("{} ({seconds} s of {engine})", amount(*usd, unit))),
        };
        if remaining - needs > below {
            return None;
        }
        let missing = (below + needs - remaining).max(if unit == "usd" { 0.01 } else { 1.0 });
        Some(format!(
            "has {}; the job needs {what} and {} must stay: {} missing",
            amount(remaining, unit),
            amount(below, unit),
            amount(missing, unit)
        ))
    }
}

/// Waits for the job, checking the balance, until it ends or is stopped.
fn watch_job(watch: &Watch, child: &mut Child, group: &Group, program: &str) -> i32 {
    let from_app = from_the_app(&watch.store).is_some();
    let every = if from_app { EVERY_FROM_APP } else { EVERY };
    let mut next = Instant::now() + every;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return code_of(status),
            Ok(None) => {}
            Err(e) => {
                eprintln!("guard: lost {program}: {e}");
                return EXIT_FAILURE;
            }
        }
        #[cfg(unix)]
        passed_on::forward(group);
        if Instant::now() >= next {
            next = Instant::now() + every;
            match watch.balance() {
                Ok((remaining, unit)) if remaining <= watch.below => {
                    eprintln!(
                        "guard: \"{}\" is down to {}, at or below {}: stopping {}",
                        watch.name,
                        amount(remaining, &unit),
                        amount(watch.below, &unit),
                        program
                    );
                    stop(child, group);
                    return EXIT_STOPPED;
                }
                Ok(_) => {}
                // A failed check is not a reason to stop a job: try again next time.
                Err(e) => eprintln!("guard: could not check \"{}\" ({e}); {program} goes on", watch.name),
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The account to watch: the one named, the only one configured, or `env`.
fn pick(accounts: &[String], named: Option<&str>) -> Result<String, String> {
    match (named, accounts) {
        (Some(n), _) if accounts.iter().any(|a| a == n) => Ok(n.to_string()),
        (Some("env"), []) => Ok("env".into()),
        (Some(n), _) => Err(format!("no account named \"{n}\" (see `heygen-tray accounts list`)")),
        (None, [one]) => Ok(one.clone()),
        (None, []) if std::env::var("HEYGEN_API_KEY").is_ok_and(|k| !k.trim().is_empty()) => Ok("env".into()),
        (None, []) => Err("no account: add one with `heygen-tray accounts add NAME`, or set HEYGEN_API_KEY".into()),
        (None, _) => Err(format!("several accounts ({}): choose one with --account NAME", accounts.join(", "))),
    }
}

struct Watch {
    store: Accounts,
    base: ApiBase,
    name: String,
    below: f64,
}

impl Watch {
    /// What is left and its unit: the running app's figure when it is fresh, else HeyGen's.
    fn balance(&self) -> Result<(f64, String), String> {
        if let Some(live) = from_the_app(&self.store) {
            let now = chrono::Utc::now();
            if let Some(s) = live.accounts.iter().find(|s| s.name == self.name && !live.is_stale(s, now)) {
                if let Some(b) = figure(s) {
                    return Ok(b);
                }
            }
        }
        let (accounts, problems) = accounts_to_check(&self.store)?;
        if let Some(p) = problems.iter().find(|p| p.name == self.name) {
            return Err(p.error.as_ref().map(|e| e.to_string()).unwrap_or_else(|| "the key could not be read".into()));
        }
        let account = accounts.into_iter().find(|a| a.name == self.name).ok_or("the account is not watched (disabled?)")?;
        let mut client = Client::new(self.base.clone());
        if let Ok(oauth) = heygen_tray_core::api::oauth::oauth_base_from_env() {
            client = client.with_oauth_base(oauth);
        }
        let client = client.with_token_keeper(std::sync::Arc::new(self.store.clone()));
        let fetched = runtime().block_on(client.fetch_account(&account.credential, account.refresh.as_ref(), chrono::Utc::now()));
        let mut snap = AccountSnapshot::new(account.name, ThresholdOverride::default());
        snap.record(fetched.result, chrono::Utc::now());
        record_history(std::iter::once(&snap));
        if let Some(e) = &snap.error {
            return Err(e.to_string());
        }
        figure(&snap).ok_or_else(|| "HeyGen gave no balance for this account".into())
    }
}

fn figure(s: &AccountSnapshot) -> Option<(f64, String)> {
    let summary = s.summary.as_ref()?;
    Some((summary.remaining?, summary.unit?.as_str().to_string()))
}

fn amount(value: f64, unit: &str) -> String {
    heygen_tray_core::spend::amount(value, unit)
}

/// SIGINT, then SIGTERM after [`GRACE`], then SIGKILL, each to the job's whole process
/// group: a job gets the chance to stop cleanly, and none of its workers is left.
fn stop(child: &mut Child, group: &Group) {
    #[cfg(unix)]
    group.stop(child, &[libc::SIGINT, libc::SIGTERM], GRACE);
    // Windows has no SIGINT for another process: it is ended at once.
    #[cfg(not(unix))]
    group.kill(child);
}

fn code_of(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return 128 + signal;
    }
    status.code().unwrap_or(EXIT_FAILURE)
}

/// Signals that reach guard, passed on to the job's group, and the terminal lent to it.
#[cfg(unix)]
mod passed_on {
    use heygen_tray_core::process_group::Group;
    use std::sync::atomic::{AtomicI32, Ordering};

    /// The last signal caught and not passed on yet.
    static PENDING: AtomicI32 = AtomicI32::new(0);

    extern "C" fn note(signal: libc::c_int) {
        PENDING.store(signal, Ordering::SeqCst);
    }

    /// Catches SIGINT, SIGTERM and SIGHUP, each unless guard was started with it
    /// ignored (the job then inherits it ignored, as it would without guard).
    pub fn install() {
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: sigaction with zeroed structs and a handler that only stores an atomic.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                libc::sigaction(signal, std::ptr::null(), &mut old);
                if old.sa_sigaction == libc::SIG_IGN {
                    continue;
                }
                let mut new: libc::sigaction = std::mem::zeroed();
                new.sa_sigaction = note as *const () as usize;
                libc::sigemptyset(&mut new.sa_mask);
                new.sa_flags = libc::SA_RESTART;
                libc::sigaction(signal, &new, std::ptr::null_mut());
            }
        }
    }

    /// Passes a caught signal on to the job's group.
    pub fn forward(group: &Group) {
        let signal = PENDING.swap(0, Ordering::SeqCst);
        if signal != 0 {
            group.signal(signal);
        }
    }

    /// The terminal, lent to the job's group while guard had it in the foreground,
    /// and taken back when dropped.
    pub struct Terminal {
        own: libc::pid_t,
    }

    impl Terminal {
        pub fn hand_to(group: &Group) -> Option<Terminal> {
            // SAFETY: plain calls on standard input, which this process holds.
            unsafe {
                let own = libc::getpgrp();
                if libc::isatty(0) == 0 || libc::tcgetpgrp(0) != own {
                    return None;
                }
                set_foreground(group.leader());
                // A job that read the terminal before it was its own was stopped.
                group.signal(libc::SIGCONT);
                Some(Terminal { own })
            }
        }
    }

    impl Drop for Terminal {
        fn drop(&mut self) {
            set_foreground(self.own);
        }
    }

    /// tcsetpgrp on standard input with SIGTTOU held off (guard may be in the background).
    fn set_foreground(group: libc::pid_t) {
        // SAFETY: SIGTTOU is ignored only around the call and put back after.
        unsafe {
            let old = libc::signal(libc::SIGTTOU, libc::SIG_IGN);
            libc::tcsetpgrp(0, group);
            libc::signal(libc::SIGTTOU, old);
        }
    }
}
