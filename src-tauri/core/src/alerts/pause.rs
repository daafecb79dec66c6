//! "Pause alerts" from the tray menu: until when each choice pauses, in the user's
//! local time. "Until tomorrow" means the next morning at 08:00; chosen in the small
//! hours (before 04:00) that is the same day's morning, as a person means it.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pause {
    OneHour,
    /// Until 08:00 the next morning, local time.
    UntilTomorrow,
    Resume,
}

/// When the pause chosen at `now` ends (`None`: alerts are on again), in `zone`.
pub fn until<Z: TimeZone>(pause: Pause, now: DateTime<Z>) -> Option<DateTime<Utc>> {
    match pause {
        Pause::OneHour => Some(now.with_timezone(&Utc) + Duration::hours(1)),
        Pause::UntilTomorrow => {
            let small_hours = now.time() < NaiveTime::from_hms_opt(4, 0, 0).unwrap_or_default();
            let day = now.date_naive() + Duration::days(if small_hours { 0 } else { 1 });
            let eight = day.and_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default());
            // 08:00 falls in no clock change anywhere today; should it, the hour after is taken.
            let zone = now.timezone();
            zone.from_local_datetime(&eight)
                .earliest()
                .or_else(|| zone.from_local_datetime(&(eight + Duration::hours(1))).earliest())
                .map(|t| t.with_timezone(&Utc))
        }
        Pause::Resume => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;

    fn at(zone: &FixedOffset, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<FixedOffset> {
        zone.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn until_tomorrow_is_the_next_morning_or_this_one_in_the_small_hours() {
        let berlin = FixedOffset::east_opt(3600).unwrap();
        let evening = at(&berlin, 2026, 12, 2, 22, 15);
        assert_eq!(until(Pause::UntilTomorrow, evening), Some(at(&berlin, 2026, 12, 3, 8, 0).with_timezone(&Utc)));
        let morning = at(&berlin, 2026, 12, 2, 9, 0);
        assert_eq!(until(Pause::UntilTomorrow, morning), Some(at(&berlin, 2026, 12, 3, 8, 0).with_timezone(&Utc)));
        let late_night = at(&berlin, 2026, 12, 3, 0, 30);
        assert_eq!(until(Pause::UntilTomorrow, late_night), Some(at(&berlin, 2026, 12, 3, 8, 0).with_timezone(&Utc)));
        let new_year = at(&berlin, 2026, 12, 31, 23, 0);
        assert_eq!(until(Pause::UntilTomorrow, new_year), Some(at(&berlin, 2027, 1, 1, 8, 0).with_timezone(&Utc)));
    }

    #[test]
    fn an_hour_and_resume() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let now = at(&utc, 2026, 12, 2, 12, 0);
        assert_eq!(until(Pause::OneHour, now), Some(at(&utc, 2026, 12, 2, 13, 0).with_timezone(&Utc)));
        assert_eq!(until(Pause::Resume, now), None);
    }
}
