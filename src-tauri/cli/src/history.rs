//! `heygen-tray history [NAME] [--since DATE] --csv|--json`: exports the samples.

use super::{usage_error, EXIT_FAILURE};
use heygen_tray_core::history::{History, Sample};
use chrono::{DateTime, NaiveDate, Utc};
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Only this account.
    pub name: Option<String>,
    /// Only samples from this date (YYYY-MM-DD, UTC) or time (RFC 3339) on.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Comma-separated values with a header row.
    #[arg(long, conflicts_with = "json", required_unless_present = "json")]
    pub csv: bool,
    /// A JSON array of samples.
    #[arg(long)]
    pub json: bool,
}

fn parse_since(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

pub fn run(args: HistoryArgs) -> i32 {
    let since = match args.since.as_deref().map(|s| (s, parse_since(s))) {
        Some((raw, None)) => return usage_error(&format!("--since {raw:?} is not a date (YYYY-MM-DD) or an RFC 3339 time")),
        Some((_, t)) => t,
        None => None,
    };
    let path = History::default_path();
    // An export only reads: nothing is created, migrated or moved.
    let samples = if path.exists() {
        match History::open_read_only(&path).and_then(|h| h.samples(args.name.as_deref(), since)) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_FAILURE;
            }
        }
    } else {
        Vec::new()
    };
    let mut out = std::io::stdout().lock();
    let written = if args.json { write_json(&mut out, &samples) } else { write_csv(&mut out, &samples) };
    match written {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FAILURE
        }
    }
}

fn write_json(out: &mut impl Write, samples: &[Sample]) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, samples).map_err(std::io::Error::other)?;
    writeln!(out)
}

/// RFC 4180 quoting for the one free-text column, the account name.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_csv(out: &mut impl Write, samples: &[Sample]) -> std::io::Result<()> {
    writeln!(out, "account,at,remaining,unit,spent,added")?;
    for s in samples {
        writeln!(
            out,
            "{},{},{},{},{},{}",
            csv_field(&s.account),
            s.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            s.remaining,
            s.unit,
            s.spent,
            s.added
        )?;
    }
    Ok(())
}
