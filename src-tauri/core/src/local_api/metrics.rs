//! `GET /metrics`: the monitor's figures in Prometheus's text exposition format
//! (version 0.0.4). Pure: the snapshots and counters go in, the text comes out.

use crate::pricing::Prices;
use crate::snapshot::{AccountSnapshot, State};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The content type Prometheus scrapes.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What the metrics are made of.
pub struct Input<'a> {
    pub snaps: &'a [AccountSnapshot],
    /// Failed attempts per (account, error kind).
    pub errors: &'a BTreeMap<(String, &'static str), u64>,
    /// (account, unit, spent, topped up) since each account's history began.
    pub lifetime: &'a [(String, String, f64, f64)],
    pub prices: &'a Prices,
}

/// 0 ok, 1 low, 2 critical, 3 error or unknown: `status`'s exit codes.
pub fn level_number(state: State) -> u8 {
    match state {
        State::Ok => 0,
        State::Low => 1,
        State::Critical => 2,
        State::Error | State::Unknown => 3,
    }
}

/// A label value as the format wants it: backslash, double quote and newline escaped.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn number(value: f64) -> String {
    if value.is_finite() {
        format!("{value}")
    } else if value.is_nan() {
        "NaN".into()
    } else if value > 0.0 {
        "+Inf".into()
    } else {
        "-Inf".into()
    }
}

pub fn render(input: &Input) -> String {
    let mut out = String::new();
    let account = |s: &AccountSnapshot| label(&s.name);
    family(&mut out, "heygen_remaining", "gauge", "What is left (the last good figure), in the account's unit: usd or credits.");
    for s in input.snaps {
        let Some(summary) = &s.summary else { continue };
        if let (Some(remaining), Some(unit)) = (summary.remaining, summary.unit) {
            let _ = writeln!(out, "heygen_remaining{{account=\"{}\",unit=\"{}\"}} {}", account(s), unit.as_str(), number(remaining));
        }
    }
    family(&mut out, "heygen_level", "gauge", "0 ok, 1 low, 2 critical, 3 error or unknown.");
    for s in input.snaps {
        let _ = writeln!(out, "heygen_level{{account=\"{}\"}} {}", account(s), level_number(s.state()));
    }
    family(&mut out, "heygen_up", "gauge", "1 when the latest attempt to read the account succeeded.");
    for s in input.snaps {
        let up = u8::from(s.attempted_at.is_some() && s.error.is_none());
        let _ = writeln!(out, "heygen_up{{account=\"{}\"}} {up}", account(s));
    }
    family(&mut out, "heygen_last_success_timestamp_seconds", "gauge", "When the account was last read successfully (Unix time).");
    for s in input.snaps {
        if let Some(at) = s.fetched_at {
            let _ = writeln!(out, "heygen_last_success_timestamp_seconds{{account=\"{}\"}} {}", account(s), at.timestamp());
        }
    }
    family(
        &mut out,
        "heygen_fetch_errors_total",
        "counter",
        "Failed attempts to read the account since the monitor started, by error kind.",
    );
    for ((name, kind), count) in input.errors {
        let _ = writeln!(out, "heygen_fetch_errors_total{{account=\"{}\",kind=\"{kind}\"}} {count}", label(name));
    }
    family(&mut out, "heygen_spent_total", "counter", "Spent since the account's history began, in its unit.");
    for (name, unit, spent, _) in input.lifetime {
        let _ = writeln!(out, "heygen_spent_total{{account=\"{}\",unit=\"{}\"}} {}", label(name), label(unit), number(*spent));
    }
    family(&mut out, "heygen_topped_up_total", "counter", "Topped up since the account's history began, in its unit.");
    for (name, unit, _, added) in input.lifetime {
        let _ = writeln!(out, "heygen_topped_up_total{{account=\"{}\",unit=\"{}\"}} {}", label(name), label(unit), number(*added));
    }
    family(
        &mut out,
        "heygen_video_seconds",
        "gauge",
        "Seconds of video a dollar balance buys, by engine (HeyGen's price table and the settings' overrides).",
    );
    for s in input.snaps {
        let Some(usd) = s.summary.as_ref().filter(|x| x.unit == Some(crate::billing::Unit::Usd)).and_then(|x| x.remaining) else {
            continue;
        };
        for p in &input.prices.prices {
            if let Some(b) = input.prices.seconds(usd, Some(&p.engine)) {
                let _ = writeln!(out, "heygen_video_seconds{{account=\"{}\",engine=\"{}\"}} {}", account(s), label(&b.engine), b.seconds);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ApiError, ErrorKind};

    #[test]
    fn figures_levels_and_counters_are_exposed_with_escaped_labels() {
        let t0 = chrono::TimeZone::timestamp_opt(&chrono::Utc, 1_760_000_000, 0).unwrap();
        let ok = crate::snapshot::wallet_seen("studio \"a\"", "jane", 42.5, t0);
        let mut failing = crate::snapshot::wallet_seen("render", "bob", 1.0, t0);
        failing.record(Err(ApiError::new(ErrorKind::Server, "HeyGen answered 503.")), t0 + chrono::Duration::minutes(1));
        let errors = BTreeMap::from([(("render".to_string(), "server"), 2)]);
        let lifetime = vec![("studio \"a\"".to_string(), "usd".to_string(), 7.5, 50.0)];
        let prices = Prices::table();
        let text = render(&Input { snaps: &[ok, failing], errors: &errors, lifetime: &lifetime, prices: &prices });
        for line in [
            "heygen_remaining{account=\"studio \\\"a\\\"\",unit=\"usd\"} 42.5",
            "heygen_remaining{account=\"render\",unit=\"usd\"} 1",
            "heygen_level{account=\"studio \\\"a\\\"\"} 0",
            "heygen_level{account=\"render\"} 3",
            "heygen_up{account=\"studio \\\"a\\\"\"} 1",
            "heygen_up{account=\"render\"} 0",
            "heygen_last_success_timestamp_seconds{account=\"render\"} 1760000000",
            "heygen_fetch_errors_total{account=\"render\",kind=\"server\"} 2",
            "heygen_spent_total{account=\"studio \\\"a\\\"\",unit=\"usd\"} 7.5",
            "heygen_topped_up_total{account=\"studio \\\"a\\\"\",unit=\"usd\"} 50",
            "# TYPE heygen_fetch_errors_total counter",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
        let engine = &prices.chosen().engine;
        let expected = prices.seconds(42.5, None).unwrap().seconds;
        assert!(text.contains(&format!("heygen_video_seconds{{account=\"studio \\\"a\\\"\",engine=\"{engine}\"}} {expected}")), "{text}");
    }
}
