//! Numbers and times as people read them: `$1,234.50`, `1,250 credits`, `in 5 days`.

use chrono::{DateTime, Utc};

fn group_thousands(int_part: u64) -> String {
    let digits = int_part.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `$1,234.50`, `-$3.00`.
pub fn usd(amount: f64) -> String {
    let cents = (amount.abs() * 100.0).round() as u64;
    let sign = if amount < 0.0 && cents > 0 { "-" } else { "" };
    format!("{sign}${}.{:02}", group_thousands(cents / 100), cents % 100)
}

/// `$100` for whole amounts (caps, thresholds), else like [`usd`].
pub fn usd_short(amount: f64) -> String {
    if amount.fract() == 0.0 && amount.abs() < 1e12 {
        let sign = if amount < 0.0 { "-" } else { "" };
        format!("{sign}${}", group_thousands(amount.abs() as u64))
    } else {
        usd(amount)
    }
}

/// `1,250`, `12.5`.
pub fn number(value: f64) -> String {
    let sign = if value < 0.0 { "-" } else { "" };
    let abs = value.abs();
    if (abs - abs.round()).abs() < 0.005 {
        format!("{sign}{}", group_thousands(abs.round() as u64))
    } else {
        let tenths = (abs * 10.0).round() as u64;
        format!("{sign}{}.{}", group_thousands(tenths / 10), tenths % 10)
    }
}

/// `1 credit`, `1,250 credits`.
pub fn credits(value: f64) -> String {
    let n = number(value);
    if n == "1" {
        "1 credit".into()
    } else {
        format!("{n} credits")
    }
}

/// `in 5 days`, `in 3 hours`, `in 20 min`, `now`, or `3 days ago`.
pub fn relative(when: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (when - now).num_seconds();
    let (future, s) = (secs >= 0, secs.unsigned_abs());
    let span = if s < 60 {
        return if future { "in under a minute".into() } else { "just now".into() };
    } else if s < 3600 {
        format!("{} min", s / 60)
    } else if s < 48 * 3600 {
        plural(s / 3600, "hour")
    } else {
        plural(s / 86_400, "day")
    };
    if future {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

fn plural(n: u64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn money_and_credits_read_naturally() {
        assert_eq!(usd(42.5), "$42.50");
        assert_eq!(usd(1234567.891), "$1,234,567.89");
        assert_eq!(usd(-3.0), "-$3.00");
        assert_eq!(usd(-0.001), "$0.00");
        assert_eq!(usd_short(100.0), "$100");
        assert_eq!(usd_short(99.5), "$99.50");
        assert_eq!(credits(1250.0), "1,250 credits");
        assert_eq!(credits(1.0), "1 credit");
        assert_eq!(credits(12.25), "12.3 credits");
        assert_eq!(number(999.0), "999");
    }

    #[test]
    fn relative_times() {
        let now = Utc.with_ymd_and_hms(2024, 4, 26, 0, 0, 0).unwrap();
        let may1 = Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap();
        assert_eq!(relative(may1, now), "in 5 days");
        assert_eq!(relative(now + chrono::Duration::minutes(20), now), "in 20 min");
        assert_eq!(relative(now - chrono::Duration::hours(3), now), "3 hours ago");
        assert_eq!(relative(now, now), "in under a minute");
    }
}
