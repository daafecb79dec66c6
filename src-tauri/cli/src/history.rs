//! `heygen-tray history [NAME] [--since DATE] [--csv|--json]`: exports the samples
//! (CSV when no format is named).

use super::{usage_error, EXIT_FAILURE};
use chrono::{DateTime, NaiveDate, Utc};
use heygen_tray_core::history::{History, HistoryError, Sample};
use std::io::Write;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("output").args(["csv", "json"])))]
pub struct HistoryArgs {
    /// Only this account.
    pub name: Option<String>,
    /// Only samples from this date (YYYY-MM-DD, UTC) or time (RFC 3339) on.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Comma-separated values with a header row (the default).
    #[arg(long)]
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
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let exported = export(&mut out, &path, args.name.as_deref(), since, args.json).and_then(|()| Ok(out.flush()?));
    match exported {
        Ok(()) => 0,
        Err(Failed::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FAILURE
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum Failed {
    #[error("{0}")]
    Read(#[from] HistoryError),
    #[error("{0}")]
    Write(#[from] std::io::Error),
}

/// Writes the samples as they are read: an export of any size needs the memory of
/// one row. Only reads: nothing is created, migrated or moved.
fn export(
    out: &mut impl Write,
    path: &std::path::Path,
    account: Option<&str>,
    since: Option<DateTime<Utc>>,
    json: bool,
) -> Result<(), Failed> {
    let history = if path.exists() { Some(History::open_read_only(path)?) } else { None };
    match json {
        true => out.write_all(b"[")?,
        false => writeln!(out, "account,at,remaining,unit,spent,added")?,
    }
    let mut first = true;
    if let Some(h) = history {
        h.each_sample(account, since, |s: Sample| -> Result<(), Failed> {
            if json {
                if !std::mem::take(&mut first) {
                    out.write_all(b",")?;
                }
                serde_json::to_writer(&mut *out, &s).map_err(std::io::Error::other)?;
            } else {
                csv_row(out, &s)?;
            }
            Ok(())
        })?;
    }
    if json {
        out.write_all(b"]\n")?;
    }
    Ok(())
}

/// RFC 4180 quoting for the one free-text column, the account name.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv_row(out: &mut impl Write, s: &Sample) -> std::io::Result<()> {
    writeln!(
        out,
        "{},{},{},{},{},{}",
        csv_field(&s.account),
        s.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        s.remaining,
        s.unit,
        s.spent,
        s.added
    )
}
