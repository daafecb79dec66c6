//! How times and sentences are worded in alerts and views: "in 5 days", "3 Dec 2026",
//! a sentence's first letter.

use chrono::{DateTime, Duration, Local, Utc};

/// "in 5 days", "in 20 hours", "in 40 minutes".
pub fn within(left: Duration) -> String {
    let hours = left.num_minutes() as f64 / 60.0;
    if hours < 1.0 {
        format!("in {} minutes", left.num_minutes().max(1))
    } else if hours < 36.0 {
        let h = hours.round() as i64;
        format!("in {h} hour{}", if h == 1 { "" } else { "s" })
    } else {
        format!("in {} days", (hours / 24.0).round())
    }
}

/// "3 Dec 2026", local time.
pub fn day(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%-d %b %Y").to_string()
}

/// `s` with its first letter in upper case.
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}
