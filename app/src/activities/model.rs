//! The rules of activities (志愿活动), pure: what an activity must say (times, sign-up window,
//! places, roles), who may take part (the kernel's audience rule), and a volunteer's hours.
//!
//! **Hours** come from check-in and check-out, clipped to the activity's own time (arriving early
//! or leaving late earns nothing extra), then counted in half hours to the **nearest** half hour,
//! a quarter of an hour counting up: 14 minutes are 0, 15 to 44 minutes are 1 (half an hour), 45
//! minutes are 2 (an hour). Times are instants (ms UTC), so an evening patrol past midnight counts
//! like any other. Without a check-out there are no hours: the volunteer is flagged for the worker,
//! who enters them with a reason — nothing is guessed.
use crate::kernel::audience::Eligibility;
use crate::kernel::capacity::Window;
use crate::kernel::stored::str_enum;
use crate::kernel::text::Limit;
use serde::{Deserialize, Serialize};

pub const TITLE: Limit = Limit::line(40);
pub const DESCRIPTION: Limit = Limit::text(2000);
pub const PLACE: Limit = Limit::line(60);
pub const ROLE_NAME: Limit = Limit::line(20);
pub const SKILLS: Limit = Limit::line(200);
pub const AVAILABILITY: Limit = Limit::line(200);
pub const REPORT: Limit = Limit::optional_text(2000);
pub use crate::kernel::text::REASON;

/// The most participants an activity may have.
pub const MAX_CAPACITY: i64 = 10_000;
/// The most roles, and the most volunteers in one role.
pub const MAX_ROLES: usize = 10;
/// Photos of one activity's report.
pub const MAX_REPORT_PHOTOS: usize = 9;
pub const MAX_ROLE_COUNT: i64 = 100;
/// The most household members one sign-up may cover.
pub const MAX_PARTY: usize = 10;
/// The longest an activity may last: 24 hours (the hours column's CHECK allows 480 half hours).
pub const MAX_LENGTH_MS: i64 = 24 * 3_600_000;
/// A sign-up's and a volunteer's code: this many characters.
pub const CODE_LEN: usize = 6;

str_enum! {
    /// What kind of activity (环境, 助老, 助幼, 文体, 安全巡逻, other).
    Category {
        Environment = "environment",
        Elderly = "elderly",
        Children = "children",
        Culture = "culture",
        Patrol = "patrol",
        Other = "other",
    }
}

str_enum! {
    /// Where an activity stands: a draft is its organiser's; submitted waits for a worker, who
    /// publishes it or returns it with a reason; published is listed; cancelled tells everyone.
    Status {
        Draft = "draft",
        Submitted = "submitted",
        Returned = "returned",
        Published = "published",
        Cancelled = "cancelled",
    }
}

str_enum! {
    /// Where a volunteer application stands.
    ApplicationStatus {
        Pending = "pending",
        Approved = "approved",
        Declined = "declined",
        Suspended = "suspended",
    }
}

/// A volunteer role with its count (e.g. 2 helpers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSpec {
    pub name: String,
    pub count: i64,
}

/// When an activity happens and when one may sign up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Times {
    pub starts_at: i64,
    pub ends_at: i64,
    pub signup_opens_at: i64,
    pub signup_closes_at: i64,
}

/// What is wrong with an activity's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActivityProblem {
    /// The end not after the start, or longer than a day.
    Times,
    /// Sign-up closing before it opens, or after the activity ends.
    Window,
    /// Participants outside 1…`MAX_CAPACITY`.
    Capacity,
    /// The age range is upside down or outside 0–130.
    Ages,
    /// More than `MAX_ROLES` roles, a count outside 1…`MAX_ROLE_COUNT`, or one name twice.
    Roles,
}

impl Times {
    pub fn check(&self) -> Result<(), ActivityProblem> {
        if self.ends_at <= self.starts_at || self.ends_at - self.starts_at > MAX_LENGTH_MS {
            return Err(ActivityProblem::Times);
        }
        if self.signup_closes_at <= self.signup_opens_at || self.signup_closes_at > self.ends_at {
            return Err(ActivityProblem::Window);
        }
        Ok(())
    }

    pub fn window(&self, now: i64) -> Window {
        Window::at(self.signup_opens_at, self.signup_closes_at, now)
    }
}

/// Checks everything of an activity but its texts (the store checks those with their limits).
pub fn check_settings(times: &Times, capacity: i64, audience: &Eligibility, roles: &[RoleSpec]) -> Result<(), ActivityProblem> {
    times.check()?;
    if !(1..=MAX_CAPACITY).contains(&capacity) {
        return Err(ActivityProblem::Capacity);
    }
    let age = |a: Option<i64>| a.is_none_or(|a| (0..=130).contains(&a));
    if !age(audience.min_age) || !age(audience.max_age) || matches!((audience.min_age, audience.max_age), (Some(a), Some(b)) if a > b) {
        return Err(ActivityProblem::Ages);
    }
    let mut names: Vec<&str> = roles.iter().map(|r| r.name.trim()).collect();
    names.sort_unstable();
    names.dedup();
    if roles.len() > MAX_ROLES || names.len() != roles.len() || roles.iter().any(|r| !(1..=MAX_ROLE_COUNT).contains(&r.count)) {
        return Err(ActivityProblem::Roles);
    }
    Ok(())
}

/// Why a volunteer has no hours yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HoursProblem {
    /// Never checked in.
    NoCheckIn,
    /// Checked in, never out: flagged for the worker.
    NoCheckOut,
}

/// A volunteer's half hours (module doc): check-in and check-out clipped to the activity's time.
pub fn half_hours(checked_in: Option<i64>, checked_out: Option<i64>, starts_at: i64, ends_at: i64) -> Result<i64, HoursProblem> {
    let start = checked_in.ok_or(HoursProblem::NoCheckIn)?;
    let end = checked_out.ok_or(HoursProblem::NoCheckOut)?;
    let (from, to) = (start.max(starts_at), end.min(ends_at));
    let minutes = (to - from).max(0) / 60_000;
    Ok((minutes + 15) / 30)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::local_to_ms;

    fn at(s: &str) -> i64 {
        local_to_ms(s).unwrap()
    }

    #[test]
    fn hours_are_clipped_to_the_activity_and_rounded_to_the_nearest_half_hour() {
        let (s, e) = (at("2026-12-12T09:00"), at("2026-12-12T11:00"));
        // On time: 2 h = 4 half hours.
        assert_eq!(half_hours(Some(s), Some(e), s, e), Ok(4));
        // Early and late: clipped to 09:00–11:00.
        assert_eq!(half_hours(Some(at("2026-12-12T08:10")), Some(at("2026-12-12T12:40")), s, e), Ok(4));
        // 09:20–10:04 = 44 min → 1; 09:20–10:05 = 45 min → 2; 14 min → 0; 15 min → 1.
        assert_eq!(half_hours(Some(at("2026-12-12T09:20")), Some(at("2026-12-12T10:04")), s, e), Ok(1));
        assert_eq!(half_hours(Some(at("2026-12-12T09:20")), Some(at("2026-12-12T10:05")), s, e), Ok(2));
        assert_eq!(half_hours(Some(at("2026-12-12T09:00")), Some(at("2026-12-12T09:14")), s, e), Ok(0));
        assert_eq!(half_hours(Some(at("2026-12-12T09:00")), Some(at("2026-12-12T09:15")), s, e), Ok(1));
        // Checked in after the end (or out before the start): nothing.
        assert_eq!(half_hours(Some(at("2026-12-12T11:30")), Some(at("2026-12-12T12:00")), s, e), Ok(0));
        assert_eq!(half_hours(Some(at("2026-12-12T07:00")), Some(at("2026-12-12T08:00")), s, e), Ok(0));
    }

    #[test]
    fn a_night_patrol_counts_across_midnight() {
        let (s, e) = (at("2026-12-31T22:00"), at("2027-01-01T02:00"));
        assert_eq!(half_hours(Some(at("2026-12-31T21:50")), Some(at("2027-01-01T01:31")), s, e), Ok(7));
        assert_eq!(half_hours(Some(s), Some(e), s, e), Ok(8));
    }

    #[test]
    fn no_check_out_is_flagged_not_guessed() {
        let (s, e) = (at("2026-12-12T09:00"), at("2026-12-12T11:00"));
        assert_eq!(half_hours(Some(s), None, s, e), Err(HoursProblem::NoCheckOut));
        assert_eq!(half_hours(None, None, s, e), Err(HoursProblem::NoCheckIn));
    }

    #[test]
    fn settings_are_checked() {
        let t = Times {
            starts_at: at("2026-12-12T09:00"),
            ends_at: at("2026-12-12T11:00"),
            signup_opens_at: at("2026-12-01T08:00"),
            signup_closes_at: at("2026-12-12T08:00"),
        };
        let open = Eligibility::default();
        let roles = vec![RoleSpec { name: "帮手".into(), count: 2 }, RoleSpec { name: "摄影".into(), count: 1 }];
        assert_eq!(check_settings(&t, 30, &open, &roles), Ok(()));
        assert_eq!(check_settings(&Times { ends_at: t.starts_at, ..t }, 30, &open, &roles), Err(ActivityProblem::Times));
        assert_eq!(check_settings(&Times { ends_at: t.starts_at + MAX_LENGTH_MS + 1, ..t }, 30, &open, &roles), Err(ActivityProblem::Times));
        // Sign-up may run until the end (latecomers), not past it; it must open before it closes.
        assert_eq!(check_settings(&Times { signup_closes_at: t.ends_at, ..t }, 30, &open, &roles), Ok(()));
        assert_eq!(check_settings(&Times { signup_closes_at: t.ends_at + 1, ..t }, 30, &open, &roles), Err(ActivityProblem::Window));
        assert_eq!(check_settings(&Times { signup_opens_at: t.signup_closes_at, ..t }, 30, &open, &roles), Err(ActivityProblem::Window));
        assert_eq!(check_settings(&t, 0, &open, &roles), Err(ActivityProblem::Capacity));
        let upside_down = Eligibility { min_age: Some(70), max_age: Some(60), building_ids: vec![] };
        assert_eq!(check_settings(&t, 30, &upside_down, &roles), Err(ActivityProblem::Ages));
        let twice = vec![RoleSpec { name: "帮手".into(), count: 2 }, RoleSpec { name: "帮手 ".into(), count: 1 }];
        assert_eq!(check_settings(&t, 30, &open, &twice), Err(ActivityProblem::Roles));
        assert_eq!(check_settings(&t, 30, &open, &[RoleSpec { name: "帮手".into(), count: 0 }]), Err(ActivityProblem::Roles));
        assert_eq!(t.window(at("2026-11-30T08:00")), Window::NotYet);
        assert_eq!(t.window(at("2026-12-05T08:00")), Window::Open);
        assert_eq!(t.window(at("2026-12-12T08:00")), Window::Closed);
    }
}
