//! The rules of services (一老一小), pure: who may be served (age, building), what it costs (age
//! bands), when sessions fall (recurrence, skipped dates), what may not be booked twice (overlap,
//! per-person limits, the no-show penalty) and the calendar file.
//!
//! **Age** is the session's calendar year (in Beijing) minus the birth year: the roster keeps
//! birth years only, so a person born in 1966 counts as 60 at every session of 2026, from 1
//! January — "turning 60 this year" is 60. A service's age range is inclusive at both ends.
use crate::kernel::stored::str_enum;
use crate::kernel::text::Limit;
use crate::time::{Day, day_of, day_start, days_in_month, weekday, ymd};
use serde::{Deserialize, Serialize};

pub const TITLE: Limit = Limit::line(40);
pub const PROVIDER: Limit = Limit::line(60);
pub const PLACE: Limit = Limit::line(60);
pub const DESCRIPTION: Limit = Limit::optional_text(1000);
/// What the desk searches residents by (a name or a room).
pub const SEARCH: Limit = Limit::line(20);
pub use crate::kernel::text::REASON;

/// A booking's code: this many characters (the column's CHECK says the same).
pub const CODE_LEN: usize = 6;
/// The most places a session may have, the most people one booking may cover.
pub const MAX_CAPACITY: i64 = 10_000;
pub const MAX_PARTY: i64 = 10;
/// The highest price, in fen (¥1,000).
pub const MAX_PRICE_FEN: i64 = 100_000;
/// The most half hours of the time bank a service may take per person.
pub const MAX_TIMEBANK_HALF_HOURS: i64 = 100;
/// How far ahead the scheduler generates sessions, in days.
pub const GENERATE_DAYS: i64 = 28;

str_enum! {
    /// The seeded taxonomy of services.
    Category {
        Meals = "meals",
        DayCare = "day_care",
        Rehab = "rehab",
        HealthCheck = "health_check",
        Bathing = "bathing",
        InfantCare = "infant_care",
        AfterSchool = "after_school",
        HolidayClass = "holiday_class",
    }
}

str_enum! {
    /// 一老 or 一小.
    Group {
        Elderly = "elderly",
        Children = "children",
    }
}

impl Category {
    pub fn group(self) -> Group {
        match self {
            Category::InfantCare | Category::AfterSchool | Category::HolidayClass => Group::Children,
            _ => Group::Elderly,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Eligibility and price

/// Who may be served is the kernel's audience rule, shared with activities.
pub use crate::kernel::audience::{Eligibility, Ineligible, age_at};

/// A price from an age on: `from_age` and up (until the next band) pays `price_fen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBand {
    pub from_age: i64,
    pub price_fen: i64,
}

/// The price for a person of `age` (unknown: the base price): the band with the highest
/// `from_age` not above it, else `base_fen` (0 = free).
pub fn price_fen(base_fen: i64, bands: &[PriceBand], age: Option<i64>) -> i64 {
    let Some(age) = age else { return base_fen };
    bands.iter().filter(|b| b.from_age <= age).max_by_key(|b| b.from_age).map(|b| b.price_fen).unwrap_or(base_fen)
}

/// `¥12` / `¥8.50`; free is the caller's word.
pub fn yuan(fen: i64) -> String {
    if fen % 100 == 0 { format!("¥{}", fen / 100) } else { format!("¥{}.{:02}", fen / 100, fen % 100) }
}

// ---------------------------------------------------------------------------------------------
// A service's settings

/// What is wrong with a service's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SettingProblem {
    /// Ages outside 0–130 or the lower above the upper.
    Ages,
    /// Prices negative or above the highest, or bands not in increasing age order.
    Prices,
    /// The party limit outside 1–10.
    Party,
    /// Limits per day or week below 1 (when set), or the week's below the day's.
    Limits,
    /// The cancellation deadline negative or more than 7 days.
    Deadline,
}

/// The numbers of a service, checked together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    pub eligibility: Eligibility,
    pub base_price_fen: i64,
    pub bands: Vec<PriceBand>,
    /// How many members of one household one booking may cover.
    pub party_limit: i64,
    /// A resident may cancel until this many minutes before the start.
    pub cancel_before_min: i64,
    /// Bookings per person per day and per week (Monday to Sunday) in this service.
    pub per_day: Option<i64>,
    pub per_week: Option<i64>,
    /// Half hours of the time bank a person served may pay instead (None: not accepted).
    #[serde(default)]
    pub timebank_half_hours: Option<i64>,
}

impl Rules {
    pub fn check(&self) -> Result<(), SettingProblem> {
        let age = |a: Option<i64>| a.is_none_or(|a| (0..=130).contains(&a));
        let e = &self.eligibility;
        if !age(e.min_age) || !age(e.max_age) || matches!((e.min_age, e.max_age), (Some(a), Some(b)) if a > b) {
            return Err(SettingProblem::Ages);
        }
        let price = |p: i64| (0..=MAX_PRICE_FEN).contains(&p);
        if self.timebank_half_hours.is_some_and(|h| !(1..=MAX_TIMEBANK_HALF_HOURS).contains(&h)) {
            return Err(SettingProblem::Prices);
        }
        if !price(self.base_price_fen)
            || self.bands.iter().any(|b| !price(b.price_fen) || !(0..=130).contains(&b.from_age))
            || self.bands.windows(2).any(|w| w[0].from_age >= w[1].from_age)
        {
            return Err(SettingProblem::Prices);
        }
        if !(1..=MAX_PARTY).contains(&self.party_limit) {
            return Err(SettingProblem::Party);
        }
        if self.per_day.is_some_and(|d| d < 1) || self.per_week.is_some_and(|w| w < 1) || matches!((self.per_day, self.per_week), (Some(d), Some(w)) if w < d) {
            return Err(SettingProblem::Limits);
        }
        if !(0..=7 * 1440).contains(&self.cancel_before_min) {
            return Err(SettingProblem::Deadline);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions: recurrence

/// When sessions fall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Repeat {
    /// One session, on the first day.
    Once,
    /// On the days of the week in the mask (bit 0 = Monday … bit 6 = Sunday).
    Weekly { days: u8 },
    /// On this day of each month; in a shorter month, its last day (the 31st → 30 April, 28/29 February).
    Monthly { day: u8 },
}

/// A schedule of sessions: the days they fall on, their time, places, and the booking window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub repeat: Repeat,
    pub first_day: Day,
    /// The last day sessions may fall on (none: until the schedule is ended).
    pub last_day: Option<Day>,
    /// Minutes of the day, Beijing time.
    pub start_min: i64,
    pub end_min: i64,
    pub capacity: i64,
    /// Booking opens this many days before the session's day, at `opens_min`…
    pub opens_days_before: i64,
    pub opens_min: i64,
    /// …and closes at `closes_min` of the session's own day (at most its start).
    pub closes_min: i64,
}

/// What is wrong with a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScheduleProblem {
    /// The end not after the start, or a time outside the day.
    Times,
    /// No weekday chosen, or a day of the month outside 1–31.
    Days,
    /// The last day before the first.
    Range,
    Capacity,
    /// Booking would close before it opens, or after the session starts, or open more than 60 days ahead.
    Window,
}

impl Schedule {
    pub fn check(&self) -> Result<(), ScheduleProblem> {
        let in_day = |m: i64| (0..1440).contains(&m);
        if !in_day(self.start_min)
            || !(1..=1440).contains(&self.end_min)
            || self.end_min <= self.start_min
            || !in_day(self.opens_min)
            || !in_day(self.closes_min)
        {
            return Err(ScheduleProblem::Times);
        }
        match self.repeat {
            Repeat::Weekly { days } if days & 0x7f == 0 || days > 0x7f => return Err(ScheduleProblem::Days),
            Repeat::Monthly { day } if !(1..=31).contains(&day) => return Err(ScheduleProblem::Days),
            _ => {}
        }
        if self.last_day.is_some_and(|l| l < self.first_day) {
            return Err(ScheduleProblem::Range);
        }
        if !(1..=MAX_CAPACITY).contains(&self.capacity) {
            return Err(ScheduleProblem::Capacity);
        }
        let t = self.times(self.first_day);
        if !(0..=60).contains(&self.opens_days_before) || t.closes_at <= t.opens_at || t.closes_at > t.starts_at {
            return Err(ScheduleProblem::Window);
        }
        Ok(())
    }

    /// Whether a session falls on `day` (skipped dates aside).
    pub fn falls_on(&self, day: Day) -> bool {
        if day < self.first_day || self.last_day.is_some_and(|l| day > l) {
            return false;
        }
        match self.repeat {
            Repeat::Once => day == self.first_day,
            Repeat::Weekly { days } => days & (1 << weekday(day)) != 0,
            Repeat::Monthly { day: want } => {
                let (y, m, d) = ymd(day);
                d == i64::from(want).min(days_in_month(y, m))
            }
        }
    }

    /// The days in `from..=to` a session falls on, without the skipped ones.
    pub fn days(&self, from: Day, to: Day, skipped: &[Day]) -> Vec<Day> {
        (from.max(self.first_day)..=to).filter(|d| self.falls_on(*d) && !skipped.contains(d)).collect()
    }

    /// The times of the session on `day`.
    pub fn times(&self, day: Day) -> SessionTimes {
        let at = |d: Day, min: i64| day_start(d) + min * 60_000;
        SessionTimes {
            starts_at: at(day, self.start_min),
            ends_at: at(day, self.end_min),
            opens_at: at(day - self.opens_days_before, self.opens_min),
            closes_at: at(day, self.closes_min),
        }
    }
}

/// A session's instants, ms UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTimes {
    pub starts_at: i64,
    pub ends_at: i64,
    pub opens_at: i64,
    pub closes_at: i64,
}

pub use crate::kernel::capacity::Window;

/// Where booking a session stands at `now`.
pub fn window(t: &SessionTimes, now: i64) -> Window {
    Window::at(t.opens_at, t.closes_at, now)
}

/// Whether a resident may still cancel a booking of a session starting at `starts_at`.
pub fn may_cancel(starts_at: i64, cancel_before_min: i64, now: i64) -> bool {
    now < starts_at - cancel_before_min * 60_000
}

// ---------------------------------------------------------------------------------------------
// What one person may book

/// Two half-open spans `[start, end)` overlap.
pub fn overlaps(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// The Monday of a day's week.
pub fn week_of(day: Day) -> Day {
    day - weekday(day)
}

/// Which limit a booking would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LimitPassed {
    Day { max: i64 },
    Week { max: i64 },
}

/// A community's no-show rule: `count` no-shows within `window_days` lower the person's limits
/// to `week_limit` booking a week (in every service) for `penalty_days` from the last of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoShowRule {
    pub count: i64,
    pub window_days: i64,
    pub penalty_days: i64,
    pub week_limit: i64,
}

impl Default for NoShowRule {
    fn default() -> Self {
        NoShowRule { count: 3, window_days: 30, penalty_days: 30, week_limit: 1 }
    }
}

const DAY_MS: i64 = 86_400_000;

impl NoShowRule {
    /// Until when the person's limits are lowered, given the times of their no-shows (a session's
    /// start), if that is after `now`: from each no-show that makes `count` within the window
    /// ending at it, `penalty_days` on.
    pub fn penalised_until(&self, no_shows: &[i64], now: i64) -> Option<i64> {
        if self.count < 1 {
            return None;
        }
        let mut times = no_shows.to_vec();
        times.sort_unstable();
        let mut until = None;
        for (i, &t) in times.iter().enumerate() {
            let within = times[..=i].iter().filter(|&&s| s > t - self.window_days * DAY_MS).count() as i64;
            if within >= self.count {
                until = Some(t + self.penalty_days * DAY_MS);
            }
        }
        until.filter(|&u| u > now)
    }

    pub fn check(&self) -> bool {
        (1..=20).contains(&self.count) && (1..=365).contains(&self.window_days) && (0..=365).contains(&self.penalty_days) && (0..=7).contains(&self.week_limit)
    }
}

/// Whether one more booking fits the person's limits, given their other active bookings of the
/// service that day and that week; a penalty caps the week (in every service: `week_all` counts them).
pub fn within_limits(per_day: Option<i64>, per_week: Option<i64>, same_day: i64, same_week: i64, penalty: Option<(i64, i64)>) -> Result<(), LimitPassed> {
    if let Some(max) = per_day
        && same_day >= max
    {
        return Err(LimitPassed::Day { max });
    }
    if let Some(max) = per_week
        && same_week >= max
    {
        return Err(LimitPassed::Week { max });
    }
    if let Some((week_all, max)) = penalty
        && week_all >= max
    {
        return Err(LimitPassed::Week { max });
    }
    Ok(())
}

/// The month (`YYYY-MM`, Beijing) an instant falls in, and the first instants of it and the next.
pub fn month_span(ms: i64) -> (String, i64, i64) {
    let (y, m, _) = ymd(day_of(ms));
    let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (format!("{y:04}-{m:02}"), day_start(crate::time::day_from_ymd(y, m, 1)), day_start(crate::time::day_from_ymd(next.0, next.1, 1)))
}

/// The age band of statistics: under 3, 3–6, 7–17, 18–59, 60–69, 70–79, 80+, unknown.
pub fn stats_band(age: Option<i64>) -> &'static str {
    match age {
        None => "unknown",
        Some(a) if a < 3 => "0-2",
        Some(a) if a < 7 => "3-6",
        Some(a) if a < 18 => "7-17",
        Some(a) if a < 60 => "18-59",
        Some(a) if a < 70 => "60-69",
        Some(a) if a < 80 => "70-79",
        Some(_) => "80+",
    }
}

// ---------------------------------------------------------------------------------------------
// The calendar file

/// An iCalendar event (RFC 5545) for a booking, in Beijing time (`TZID=Asia/Shanghai`, with its
/// VTIMEZONE: UTC+8, no daylight saving), lines folded at 75 octets and ended by CRLF.
pub fn ics(uid: &str, stamp: i64, starts_at: i64, ends_at: i64, summary: &str, location: &str, description: &str) -> String {
    let local = |ms: i64| {
        let s = crate::time::ms_to_local(ms);
        format!("{}T{}00", s[..10].replace('-', ""), s[11..].replace(':', ""))
    };
    let utc = |ms: i64| {
        let s = crate::time::ms_to_local(ms - 8 * 3_600_000);
        format!("{}T{}00Z", s[..10].replace('-', ""), s[11..].replace(':', ""))
    };
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//Linli//Services//ZH".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        "BEGIN:VTIMEZONE".into(),
        "TZID:Asia/Shanghai".into(),
        "BEGIN:STANDARD".into(),
        "DTSTART:19700101T000000".into(),
        "TZOFFSETFROM:+0800".into(),
        "TZOFFSETTO:+0800".into(),
        "TZNAME:CST".into(),
        "END:STANDARD".into(),
        "END:VTIMEZONE".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}", escape(uid)),
        format!("DTSTAMP:{}", utc(stamp)),
        format!("DTSTART;TZID=Asia/Shanghai:{}", local(starts_at)),
        format!("DTEND;TZID=Asia/Shanghai:{}", local(ends_at)),
        format!("SUMMARY:{}", escape(summary)),
        format!("LOCATION:{}", escape(location)),
        format!("DESCRIPTION:{}", escape(description)),
        "END:VEVENT".into(),
        "END:VCALENDAR".into(),
    ];
    lines.iter().map(|l| fold(l)).collect::<Vec<_>>().concat()
}

/// TEXT escaping (RFC 5545 §3.3.11).
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace("\r\n", "\\n").replace('\n', "\\n")
}

/// A content line folded at 75 octets (never inside a UTF-8 character), ended by CRLF.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{local_to_ms, parse_day};

    fn at(s: &str) -> i64 {
        local_to_ms(s).unwrap()
    }

    #[test]
    fn prices_follow_the_age_bands() {
        let bands = [PriceBand { from_age: 60, price_fen: 1200 }, PriceBand { from_age: 70, price_fen: 1000 }, PriceBand { from_age: 80, price_fen: 800 }];
        assert_eq!(price_fen(1500, &bands, Some(59)), 1500);
        assert_eq!(price_fen(1500, &bands, Some(60)), 1200);
        assert_eq!(price_fen(1500, &bands, Some(69)), 1200);
        assert_eq!(price_fen(1500, &bands, Some(70)), 1000);
        assert_eq!(price_fen(1500, &bands, Some(80)), 800);
        assert_eq!(price_fen(1500, &bands, Some(101)), 800);
        assert_eq!(price_fen(1500, &bands, None), 1500);
        assert_eq!(price_fen(0, &[], Some(70)), 0);
        assert_eq!(yuan(1200), "¥12");
        assert_eq!(yuan(850), "¥8.50");
        assert_eq!(yuan(5), "¥0.05");
    }

    fn rules() -> Rules {
        Rules {
            eligibility: Eligibility { min_age: Some(60), max_age: None, building_ids: vec![] },
            base_price_fen: 1200,
            bands: vec![PriceBand { from_age: 70, price_fen: 1000 }, PriceBand { from_age: 80, price_fen: 800 }],
            party_limit: 2,
            cancel_before_min: 120,
            per_day: Some(1),
            per_week: Some(5),
            timebank_half_hours: Some(2),
        }
    }

    #[test]
    fn settings_are_checked_together() {
        assert_eq!(rules().check(), Ok(()));
        let mut r = rules();
        r.eligibility.max_age = Some(50);
        assert_eq!(r.check(), Err(SettingProblem::Ages));
        let mut r = rules();
        r.bands.swap(0, 1);
        assert_eq!(r.check(), Err(SettingProblem::Prices));
        let mut r = rules();
        r.base_price_fen = -1;
        assert_eq!(r.check(), Err(SettingProblem::Prices));
        // A time-bank price of nothing, or of more than 50 hours a person.
        for h in [0, MAX_TIMEBANK_HALF_HOURS + 1] {
            let mut r = rules();
            r.timebank_half_hours = Some(h);
            assert_eq!(r.check(), Err(SettingProblem::Prices), "{h}");
        }
        let mut r = rules();
        r.party_limit = 0;
        assert_eq!(r.check(), Err(SettingProblem::Party));
        let mut r = rules();
        r.per_week = Some(0);
        assert_eq!(r.check(), Err(SettingProblem::Limits));
        let mut r = rules();
        r.per_day = Some(3);
        r.per_week = Some(2);
        assert_eq!(r.check(), Err(SettingProblem::Limits));
        let mut r = rules();
        r.cancel_before_min = -5;
        assert_eq!(r.check(), Err(SettingProblem::Deadline));
    }

    fn lunch() -> Schedule {
        Schedule {
            repeat: Repeat::Weekly { days: 0b001_1111 },
            first_day: parse_day("2026-11-27").unwrap(),
            last_day: None,
            start_min: 690,
            end_min: 750,
            capacity: 40,
            opens_days_before: 7,
            opens_min: 480,
            closes_min: 540,
        }
    }

    #[test]
    fn weekday_lunch_skips_weekends_and_holidays() {
        let s = lunch();
        assert_eq!(s.check(), Ok(()));
        let from = parse_day("2026-11-27").unwrap();
        let skipped = [parse_day("2026-12-01").unwrap()];
        let days: Vec<String> = s.days(from, from + 6, &skipped).into_iter().map(crate::time::day_text).collect();
        // Fri 27, (Sat, Sun), Mon 30, (Tue 1 Dec skipped), Wed 2, Thu 3.
        assert_eq!(days, ["2026-11-27", "2026-11-30", "2026-12-02", "2026-12-03"]);
        // Before the first day: nothing.
        assert!(s.days(from - 10, from - 1, &[]).is_empty());
        let t = s.times(from);
        assert_eq!(t.starts_at, at("2026-11-27T11:30"));
        assert_eq!(t.ends_at, at("2026-11-27T12:30"));
        assert_eq!(t.opens_at, at("2026-11-20T08:00"));
        assert_eq!(t.closes_at, at("2026-11-27T09:00"));
        assert_eq!(window(&t, at("2026-11-20T07:59")), Window::NotYet);
        assert_eq!(window(&t, at("2026-11-20T08:00")), Window::Open);
        assert_eq!(window(&t, at("2026-11-27T09:00")), Window::Closed);
    }

    #[test]
    fn monthly_sessions_fall_on_the_last_day_of_shorter_months() {
        let s = Schedule {
            repeat: Repeat::Monthly { day: 31 },
            first_day: parse_day("2026-01-01").unwrap(),
            last_day: Some(parse_day("2026-12-31").unwrap()),
            ..lunch()
        };
        let days: Vec<String> =
            s.days(parse_day("2026-01-01").unwrap(), parse_day("2027-01-31").unwrap(), &[]).into_iter().map(crate::time::day_text).collect();
        assert_eq!(days.len(), 12, "once a month, none after the last day: {days:?}");
        assert_eq!(&days[..4], ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]);
        let leap = Schedule { repeat: Repeat::Monthly { day: 30 }, first_day: parse_day("2028-02-01").unwrap(), last_day: None, ..lunch() };
        assert_eq!(
            leap.days(parse_day("2028-02-01").unwrap(), parse_day("2028-03-31").unwrap(), &[]).into_iter().map(crate::time::day_text).collect::<Vec<_>>(),
            ["2028-02-29", "2028-03-30"]
        );
        let once = Schedule { repeat: Repeat::Once, ..lunch() };
        assert_eq!(once.days(once.first_day - 3, once.first_day + 30, &[]), vec![once.first_day]);
    }

    #[test]
    fn schedules_that_cannot_work_are_refused() {
        assert_eq!(Schedule { end_min: 690, ..lunch() }.check(), Err(ScheduleProblem::Times));
        assert_eq!(Schedule { repeat: Repeat::Weekly { days: 0 }, ..lunch() }.check(), Err(ScheduleProblem::Days));
        assert_eq!(Schedule { repeat: Repeat::Monthly { day: 32 }, ..lunch() }.check(), Err(ScheduleProblem::Days));
        assert_eq!(Schedule { last_day: Some(lunch().first_day - 1), ..lunch() }.check(), Err(ScheduleProblem::Range));
        assert_eq!(Schedule { capacity: 0, ..lunch() }.check(), Err(ScheduleProblem::Capacity));
        // Closing after the start, or closing before opening.
        assert_eq!(Schedule { closes_min: 700, ..lunch() }.check(), Err(ScheduleProblem::Window));
        assert_eq!(Schedule { opens_days_before: 0, opens_min: 600, ..lunch() }.check(), Err(ScheduleProblem::Window));
        assert_eq!(Schedule { opens_days_before: 0, opens_min: 420, ..lunch() }.check(), Ok(()));
    }

    #[test]
    fn overlap_is_half_open() {
        assert!(overlaps((10, 20), (15, 25)));
        assert!(overlaps((10, 20), (12, 13)));
        assert!(!overlaps((10, 20), (20, 30)), "one ends as the next begins");
        assert!(!overlaps((20, 30), (10, 20)));
    }

    #[test]
    fn limits_per_day_week_and_penalty() {
        assert_eq!(within_limits(Some(1), Some(3), 0, 2, None), Ok(()));
        assert_eq!(within_limits(Some(1), Some(3), 1, 1, None), Err(LimitPassed::Day { max: 1 }));
        assert_eq!(within_limits(Some(1), Some(3), 0, 3, None), Err(LimitPassed::Week { max: 3 }));
        assert_eq!(within_limits(None, None, 9, 9, Some((0, 1))), Ok(()));
        assert_eq!(within_limits(None, None, 0, 0, Some((1, 1))), Err(LimitPassed::Week { max: 1 }));
        let d = parse_day("2026-12-03").unwrap();
        assert_eq!(crate::time::day_text(week_of(d)), "2026-11-30");
        assert_eq!(week_of(parse_day("2026-11-30").unwrap()), parse_day("2026-11-30").unwrap());
        assert_eq!(crate::time::day_text(week_of(parse_day("2026-12-06").unwrap())), "2026-11-30", "Sunday ends the week");
    }

    #[test]
    fn no_shows_lower_the_limits_for_a_while() {
        let r = NoShowRule { count: 3, window_days: 30, penalty_days: 14, week_limit: 1 };
        let d = |s: &str| at(&format!("{s}T11:30"));
        // Three within 30 days: penalised for 14 days from the third.
        let three = [d("2026-11-01"), d("2026-11-10"), d("2026-11-25")];
        assert_eq!(r.penalised_until(&three, d("2026-11-26")), Some(d("2026-12-09")));
        assert_eq!(r.penalised_until(&three, d("2026-12-09")), None, "the penalty has run out");
        // Three, but spread over more than 30 days: no penalty.
        let spread = [d("2026-10-01"), d("2026-10-20"), d("2026-11-01")];
        assert_eq!(r.penalised_until(&spread, d("2026-11-02")), None);
        // Exactly 30 days apart falls outside the window (it ends at the third, 30 days back excluded).
        let edge = [d("2026-10-02"), d("2026-10-15"), d("2026-11-01")];
        assert_eq!(r.penalised_until(&edge, d("2026-11-02")), None);
        let inside = [d("2026-10-03"), d("2026-10-15"), d("2026-11-01")];
        assert_eq!(r.penalised_until(&inside, d("2026-11-02")), Some(d("2026-11-15")));
        // Unordered input, and a fourth extends it.
        let four = [d("2026-11-25"), d("2026-11-01"), d("2026-11-28"), d("2026-11-10")];
        assert_eq!(r.penalised_until(&four, d("2026-11-29")), Some(d("2026-12-12")));
        assert!(r.check());
        assert!(!NoShowRule { count: 0, ..r }.check());
    }

    #[test]
    fn months_and_statistics_bands() {
        let (m, from, to) = month_span(at("2026-12-31T23:00"));
        assert_eq!(m, "2026-12");
        assert_eq!(from, at("2026-12-01T00:00"));
        assert_eq!(to, at("2027-01-01T00:00"));
        assert_eq!(stats_band(Some(2)), "0-2");
        assert_eq!(stats_band(Some(3)), "3-6");
        assert_eq!(stats_band(Some(60)), "60-69");
        assert_eq!(stats_band(Some(80)), "80+");
        assert_eq!(stats_band(None), "unknown");
    }

    #[test]
    fn the_calendar_file_is_rfc_5545() {
        let s = ics(
            "booking-7@linli",
            at("2026-11-27T08:00"),
            at("2026-11-30T11:30"),
            at("2026-11-30T12:30"),
            "助餐：长者食堂午餐",
            "幸福里社区食堂, 1楼",
            "预约码 K7M2Q9; 到场出示二维码或报预约码，现场付款。这一段文字很长，为了测试折行，需要超过七十五个字节的长度才行。",
        );
        assert!(s.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(s.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert!(s.contains("\r\nDTSTART;TZID=Asia/Shanghai:20261130T113000\r\n"));
        assert!(s.contains("\r\nDTEND;TZID=Asia/Shanghai:20261130T123000\r\n"));
        assert!(s.contains("\r\nDTSTAMP:20261127T000000Z\r\n"), "the stamp in UTC");
        assert!(s.contains("\r\nTZID:Asia/Shanghai\r\n"));
        assert!(s.contains("LOCATION:幸福里社区食堂\\, 1楼"));
        assert!(s.contains("预约码 K7M2Q9\\; "));
        // Every line at most 75 octets, folded with CRLF + space, never inside a character.
        for line in s.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        assert!(s.contains("\r\n "), "the long description is folded");
        let unfolded = s.replace("\r\n ", "");
        assert!(unfolded.contains("需要超过七十五个字节的长度才行。"));
        assert!(!s.contains('\n') || s.matches('\n').count() == s.matches("\r\n").count(), "only CRLF line ends");
    }
}
