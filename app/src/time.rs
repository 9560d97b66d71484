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

/// The browser's clock (only read when a form is sent, never to render).
pub fn client_now() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
}

/// `YYYY-MM-DD`.
pub fn date(ms: i64) -> String {
    let (y, m, d, _) = civil(ms);
    format!("{y:04}-{m:02}-{d:02}")
}

/// RFC 3339 in China Standard Time with milliseconds: `2026-12-05T12:30:00.123+08:00`.
pub fn rfc3339(ms: i64) -> String {
    let (y, m, d, min) = civil(ms);
    let in_minute = ms.rem_euclid(60_000);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}+08:00", min / 60, min % 60, in_minute / 1000, in_minute % 1000)
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

/// A calendar day in China Standard Time: days since 1970-01-01.
pub type Day = i64;

/// The day (in Beijing) of an instant.
pub fn day_of(ms: i64) -> Day {
    (ms + CST_MS).div_euclid(86_400_000)
}

/// The instant a day starts in Beijing (00:00 CST), ms UTC.
pub fn day_start(day: Day) -> i64 {
    day * 86_400_000 - CST_MS
}

/// (year, month, day of month) of a day.
pub fn ymd(day: Day) -> (i64, i64, i64) {
    let (y, m, d, _) = civil(day_start(day));
    (y, m, d)
}

/// The day of a civil date (month and day not checked: 2026-02-31 is 2026-03-03).
pub fn day_from_ymd(y: i64, m: i64, d: i64) -> Day {
    days_from_civil(y, m, d)
}

/// Days in a month of a year.
pub fn days_in_month(y: i64, m: i64) -> i64 {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    days_from_civil(ny, nm, 1) - days_from_civil(y, m, 1)
}

/// Day of the week, 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
pub fn weekday(day: Day) -> i64 {
    (day + 3).rem_euclid(7)
}

/// `YYYY-MM-DD` of a day.
pub fn day_text(day: Day) -> String {
    date(day_start(day))
}

/// A `YYYY-MM-DD` (a date input) as a day; `None` unless it is a real date.
pub fn parse_day(s: &str) -> Option<Day> {
    let mut d = s.trim().split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1900..=2200).contains(&y) || day < 1 || day > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, day))
}

/// `HH:MM` of a minute of the day.
pub fn hm(minute: i64) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// An `HH:MM` (a time input) as a minute of the day.
pub fn parse_hm(s: &str) -> Option<i64> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m) = (h.parse::<i64>().ok()?, m.get(..2).unwrap_or(m).parse::<i64>().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

/// `HH:MM` of an instant in Beijing.
pub fn time_of(ms: i64) -> String {
    hm(civil(ms).3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_beijing_time_with_its_offset() {
        assert_eq!(rfc3339(0), "1970-01-01T08:00:00.000+08:00");
        // 2026-11-26T16:00:00.123Z.
        assert_eq!(rfc3339(1_795_708_800_123), "2026-11-27T00:00:00.123+08:00");
        assert_eq!(rfc3339(1_795_708_800_000 - 1), "2026-11-26T23:59:59.999+08:00");
    }

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

    #[test]
    fn days_weekdays_and_month_ends() {
        let d = parse_day("2026-11-30").unwrap();
        assert_eq!(day_text(d), "2026-11-30");
        assert_eq!(weekday(d), 0, "2026-11-30 is a Monday");
        assert_eq!(weekday(parse_day("1970-01-01").unwrap()), 3);
        assert_eq!(day_of(day_start(d)), d);
        assert_eq!(day_of(day_start(d) - 1), d - 1);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2026, 2), 28);
        assert_eq!(days_in_month(2026, 12), 31);
        assert_eq!(parse_day("2026-02-29"), None);
        assert_eq!(parse_day("2026-2-3").map(day_text).as_deref(), Some("2026-02-03"));
        assert_eq!(ymd(parse_day("2028-02-29").unwrap()), (2028, 2, 29));
        assert_eq!(parse_hm("11:30"), Some(690));
        assert_eq!(parse_hm("24:00"), None);
        assert_eq!(hm(690), "11:30");
        assert_eq!(time_of(local_to_ms("2026-11-27T09:05").unwrap()), "09:05");
    }
}
