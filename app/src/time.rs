//! Dates and times as residents read them: China Standard Time (UTC+8, no daylight saving),
//! computed from UTC milliseconds with integer civil-calendar arithmetic (H. Hinnant's
//! algorithms), the same in the server and in the browser.

const CST_MS: i64 = 8 * 3_600_000;

/// (year, month, day, minute of the day) in China Standard Time.
fn civil(ms: i64) -> (i64, i64, i64, i64) {
    let minutes = (ms + CST_MS).div_euclid(60_000);
    let (days, in_day) = (minutes.div_euclid(1440), minutes.rem_euclid(1440));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d, in_day)
}

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD`.
pub fn date(ms: i64) -> String {
    let (y, m, d, _) = civil(ms);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The calendar year.
pub fn year_of(ms: i64) -> i64 {
    civil(ms).0
}

/// `YYYY-MM-DDTHH:MM` (what a `datetime-local` input takes).
pub fn ms_to_local(ms: i64) -> String {
    let (y, m, d, min) = civil(ms);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}", min / 60, min % 60)
}

/// `YYYY-MM-DDTHH:MM` (a `datetime-local` input), read as China Standard Time, to ms UTC.
pub fn local_to_ms(s: &str) -> Option<i64> {
    let (date, time) = s.trim().split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.split(':').map(|x| x.parse::<i64>().ok());
    let (h, min) = (t.next()??, t.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || !(0..24).contains(&h) || !(0..60).contains(&min) {
        return None;
    }
    Some((days_from_civil(y, m, day) * 1440 + h * 60 + min) * 60_000 - CST_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_shown_in_china_standard_time() {
        assert_eq!(date(0), "1970-01-01");
        // 2026-11-26T16:00:00Z is already the 27th in Beijing.
        assert_eq!(date(1_795_708_800_000), "2026-11-27");
        assert_eq!(date(1_795_708_800_000 - 1), "2026-11-26");
        assert_eq!(date(951_782_400_000), "2000-02-29");
    }

    #[test]
    fn years_turn_at_midnight_in_beijing() {
        assert_eq!(year_of(0), 1970);
        // 2026-12-31T16:00:00Z is already 2027 in Beijing.
        assert_eq!(year_of(1_798_732_800_000), 2027);
        assert_eq!(year_of(1_798_732_800_000 - 1), 2026);
    }

    #[test]
    fn local_times_are_china_standard_time_both_ways() {
        assert_eq!(local_to_ms("1970-01-01T08:00"), Some(0));
        assert_eq!(ms_to_local(0), "1970-01-01T08:00");
        let t = local_to_ms("2026-11-27T09:30").unwrap();
        assert_eq!(ms_to_local(t), "2026-11-27T09:30");
        assert_eq!(local_to_ms("2024-02-29T23:59").map(ms_to_local).as_deref(), Some("2024-02-29T23:59"));
        assert_eq!(local_to_ms("2026-13-01T00:00"), None);
        assert_eq!(local_to_ms("yesterday"), None);
    }
}
