//! `heygen-tray spend [NAME] [--json]`: what each account spent today, in the last 7
//! days and this month, with top-ups apart, from the history (see
//! `heygen_tray_core::spend`). Only reads; asks HeyGen nothing.

use crate::usage_error;
use heygen_tray_core::forecast::GAP;
use heygen_tray_core::history::History;
use heygen_tray_core::settings::Store;
use heygen_tray_core::spend::{self, Totals};
use heygen_tray_core::EXIT_FAILURE;
use serde::Serialize;
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct SpendArgs {
    /// Only this account.
    pub name: Option<String>,
    /// Print one JSON object (a stable interface, documented in the README).
    #[arg(long)]
    pub json: bool,
}

/// `spend --json`'s version (see docs/schema/).
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON document: each account (in the settings' order), then the sums per unit.
#[derive(Debug, Serialize)]
struct Report {
    /// The document's version (docs/schema/spend.schema.json); raised only when a
    /// field changes meaning or goes.
    schema_version: u32,
    accounts: Vec<Row>,
    /// All accounts together, one entry per unit (dollars and credits are not added).
    all: Vec<Totals>,
}

/// An account's totals; `unit` and the periods are null while the history has
/// nothing for it yet.
#[derive(Debug, Serialize)]
struct Row {
    name: String,
    unit: Option<String>,
    today: Option<spend::Period>,
    last_7_days: Option<spend::Period>,
    this_month: Option<spend::Period>,
    #[serde(skip)]
    totals: Option<Totals>,
}

impl Row {
    fn new(name: String, totals: Option<Totals>) -> Row {
        let t = totals.clone();
        Row {
            name,
            unit: t.as_ref().map(|t| t.unit.clone()),
            today: t.as_ref().map(|t| t.today.clone()),
            last_7_days: t.as_ref().map(|t| t.last_7_days.clone()),
            this_month: t.map(|t| t.this_month),
            totals,
        }
    }
}

pub fn run(args: SpendArgs) -> i32 {
    let settings = match Store::default_location().load().into_usable() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    let mut names: Vec<String> = settings.accounts.iter().map(|a| a.name.clone()).collect();
    if let Some(n) = &args.name {
        if !names.contains(n) {
            return usage_error(&format!("no account named \"{n}\" (see `heygen-tray accounts list`)"));
        }
        names = vec![n.clone()];
    }
    let now = chrono::Utc::now();
    let since = spend::starts(now).into_iter().min().unwrap_or(now) - GAP - chrono::Duration::hours(1);
    let path = History::default_path();
    let history = if path.exists() { Some(History::open_read_only(&path)) } else { None };
    let history = match history.transpose() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    let mut accounts = Vec::new();
    for name in names {
        let samples = match history.as_ref().map(|h| h.samples(Some(&name), Some(since))).transpose() {
            Ok(s) => s.unwrap_or_default(),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_FAILURE;
            }
        };
        accounts.push(Row::new(name, spend::totals(&samples, now)));
    }
    let mut units: Vec<&str> = accounts.iter().filter_map(|r| r.totals.as_ref().map(|t| t.unit.as_str())).collect();
    units.sort();
    units.dedup();
    let all = units
        .iter()
        .filter_map(|u| spend::sum(&accounts.iter().filter_map(|r| r.totals.as_ref()).filter(|t| t.unit == *u).collect::<Vec<_>>()))
        .collect();
    let report = Report { schema_version: SCHEMA_VERSION, accounts, all };
    let mut out = std::io::stdout().lock();
    let _ = if args.json {
        writeln!(out, "{}", serde_json::to_string(&report).unwrap_or_default())
    } else {
        writeln!(out, "{}", text(&report))
    };
    0
}

fn text(r: &Report) -> String {
    if r.accounts.is_empty() {
        return "No account yet: add one with `heygen-tray accounts add NAME`.".into();
    }
    let width = r.accounts.iter().map(|a| a.name.chars().count()).max().unwrap_or(0).max(3);
    let mut lines: Vec<String> = r
        .accounts
        .iter()
        .map(|a| match &a.totals {
            Some(t) => format!("{:<width$}  {}", a.name, spend::line(t)),
            None => format!("{:<width$}  no history yet", a.name),
        })
        .collect();
    if r.accounts.len() > 1 {
        for t in &r.all {
            lines.push(format!("{:<width$}  {}", "all", spend::line(t)));
        }
    }
    lines.join("\n")
}
