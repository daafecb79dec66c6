//! The status report: every account's figures as `heygen-tray status` prints them
//! (text, JSON, a Waybar module) and the local API's `/v1/status` serves them.
//!
//! The JSON shape is a stable interface (documented in the README and in
//! docs/schema/status.schema.json).

use crate::pricing::{self, Buys, Prices};
use crate::snapshot::{AccountSnapshot, State};
use crate::text::{clean, escape_markup};
use chrono::SecondsFormat;
use serde::Serialize;
use serde_json::{json, Value};

/// `status --json`'s (and `/v1/status`'s) version (see docs/schema/).
pub const SCHEMA_VERSION: u32 = 1;

/// Where the figures come from: the running app's current figures, or a request
/// to HeyGen made by this command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    App,
    Api,
}

#[derive(Debug, Serialize)]
pub struct Report {
    /// The document's version (docs/schema/status.schema.json); raised only when a
    /// field changes meaning or goes.
    pub schema_version: u32,
    pub level: State,
    pub accounts: Vec<Row>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub name: String,
    pub billing_type: Option<String>,
    pub level: State,
    pub headline: String,
    pub remaining: Option<f64>,
    pub unit: Option<&'static str>,
    pub username: Option<String>,
    pub fetched_at: String,
    pub error: Option<ErrorRow>,
    pub source: Source,
    /// The figures are from before a failed attempt, or older than the app's polling explains.
    pub stale: bool,
    /// Seconds of video a dollar balance buys in the chosen engine; null for credits.
    pub buys: Option<Buys>,
    /// The earliest future reset of a credit pool that still has credits.
    pub resets_at: Option<String>,
    /// "≈ 14 min of Avatar IV", "premium credits reset in 5 days" (text only).
    #[serde(skip)]
    pub glance: Vec<String>,
    #[serde(skip)]
    pub what: Option<String>,
    #[serde(skip)]
    pub details: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ErrorRow {
    pub kind: &'static str,
    pub message: String,
    pub request_id: Option<String>,
}

/// A short headline for a failed fetch ("Sign-in expired" for an OAuth account).
fn error_headline(s: &AccountSnapshot, e: &crate::api::ApiError) -> String {
    use crate::api::ErrorKind::*;
    if let Some(words) = crate::snapshot::sign_in_words::ended(s) {
        return crate::words::capitalised(words);
    }
    if e.lacks_scope() {
        return "Key lacks account:read scope".into();
    }
    if e.key_missing() {
        return "No key stored".into();
    }
    match e.kind {
        Unauthorized => "Key rejected",
        Forbidden => "Access denied",
        RateLimited => "Rate limited",
        Server => "HeyGen server error",
        Network => "Cannot reach HeyGen",
        InvalidResponse => "Unreadable answer",
        Keyring => "Key unavailable",
    }
    .into()
}

impl Report {
    /// `stale` holds one flag per snapshot; `prices` counts dollar balances in video.
    pub fn new(snapshots: &[AccountSnapshot], source: Source, stale: &[bool], prices: &Prices) -> Report {
        let stale = stale.iter().chain(std::iter::repeat(&false));
        let accounts: Vec<Row> = snapshots.iter().zip(stale).map(|(s, stale)| row(s, source, *stale, prices)).collect();
        let level = accounts.iter().map(|r| r.level).max().unwrap_or(State::Unknown);
        Report { schema_version: SCHEMA_VERSION, level, accounts }
    }

    /// 0 ok, 1 low, 2 critical, 3 error or unknown (also with no account at all).
    pub fn exit_code(&self) -> i32 {
        match self.level {
            State::Ok => 0,
            State::Low => 1,
            State::Critical => 2,
            State::Unknown | State::Error => 3,
        }
    }

    pub fn json(&self) -> String {
        serde_json::to_string(self).expect("report serialises")
    }

    pub fn text(&self) -> String {
        if self.accounts.is_empty() {
            return NO_ACCOUNTS.to_string();
        }
        let name_w = self.accounts.iter().map(|r| r.name.chars().count()).max().unwrap_or(0);
        let head_w = self.accounts.iter().map(|r| r.headline.chars().count()).max().unwrap_or(0);
        let mut out = String::new();
        for r in &self.accounts {
            let mut tail = match (&r.error, &r.what) {
                (Some(e), _) => e.message.clone(),
                (None, Some(what)) => what.clone(),
                (None, None) => String::new(),
            };
            for words in &r.glance {
                tail.push_str(&format!(" · {words}"));
            }
            if r.stale && r.error.is_none() {
                tail.push_str(&format!(" · stale (fetched {})", r.fetched_at));
            }
            let line = format!("{:<name_w$}  {:<8}  {:<head_w$}  {tail}", r.name, r.level.as_str(), r.headline);
            // Answers are cleaned when read; a terminal line is cleaned once more.
            out.push_str(clean(line.trim_end()).as_ref());
            out.push('\n');
        }
        out.pop();
        out
    }

    /// Waybar's custom-module JSON: `text`, `tooltip`, `class` (and `alt`). Waybar reads
    /// `text` and `tooltip` as Pango markup: both are escaped.
    pub fn waybar(&self) -> Value {
        let text = if self.accounts.is_empty() {
            "HeyGen: no account".to_string()
        } else {
            self.accounts.iter().map(|r| r.headline.as_str()).collect::<Vec<_>>().join(" · ")
        };
        let tooltip = if self.accounts.is_empty() {
            NO_ACCOUNTS.to_string()
        } else {
            self.accounts
                .iter()
                .map(|r| {
                    let mut lines = vec![format!("{}: {} ({})", r.name, r.headline, r.level.as_str())];
                    lines.extend(r.details.iter().map(|d| format!("  {d}")));
                    if let Some(e) = &r.error {
                        lines.push(format!("  {}", e.message));
                    }
                    lines.join("\n")
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let class = self.level.as_str();
        json!({"text": escape_markup(&text), "tooltip": escape_markup(&tooltip), "class": class, "alt": class})
    }
}

pub const NO_ACCOUNTS: &str =
    "No HeyGen account configured. Add one with `heygen-tray accounts add NAME` (the key is read from standard input), or set HEYGEN_API_KEY.";

fn row(s: &AccountSnapshot, source: Source, stale: bool, prices: &Prices) -> Row {
    let summary = s.summary.as_ref();
    let now = chrono::Utc::now();
    let when = s.attempted_at.or(s.fetched_at).unwrap_or(now);
    // What the figures buy, and when a pool resets, while they are current.
    let current = summary.filter(|_| s.error.is_none());
    let buys = current.and_then(|x| prices.buys(x));
    Row {
        glance: [buys.as_ref().and_then(pricing::words), current.and_then(|x| x.reset_words(now))].into_iter().flatten().collect(),
        buys,
        resets_at: current.and_then(|x| x.next_reset(now)).map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
        name: s.name.clone(),
        billing_type: summary.and_then(|x| x.billing_type.clone()),
        level: s.state(),
        headline: match (&s.error, summary) {
            (Some(e), _) => error_headline(s, e),
            (None, Some(x)) => x.headline.clone(),
            (None, None) => "Not fetched yet".to_string(),
        },
        remaining: current.and_then(|x| x.remaining),
        unit: current.and_then(|x| x.unit).map(|u| u.as_str()),
        username: summary.map(|x| x.username.clone()),
        fetched_at: when.to_rfc3339_opts(SecondsFormat::Secs, true),
        error: s.error.as_ref().map(|e| ErrorRow { kind: e.kind.as_str(), message: e.message.clone(), request_id: e.request_id.clone() }),
        source,
        stale,
        what: summary.map(|x| x.what()),
        details: summary.map(|x| x.details.clone()).unwrap_or_default(),
    }
}
