//! The rules of projects (补短板 improvement projects), pure: the status machine, progress from
//! weighted milestones, money in fen.
//!
//! **Status**: planned → in progress → completed → rating → accepted / not accepted; not accepted
//! → rectification → completed → a new rating round. Workers start, complete, open a rating round
//! and start a rectification; only the close of a rating round (the acceptance rule of
//! `surveys::model::accept`) moves a project out of `rating`.
//!
//! **Progress** is the share of the milestones' weights that are done, in whole percent rounded
//! down (a project is 100% only when every milestone is done); no milestones: 0%.
use crate::kernel::stored::str_enum;
use crate::kernel::text::Limit;
use serde::{Deserialize, Serialize};

pub const TITLE: Limit = Limit::line(60);
pub const DESCRIPTION: Limit = Limit::text(4000);
pub const FUNDING: Limit = Limit::optional_line(60);
pub const CONTRACTOR: Limit = Limit::optional_line(80);
pub const MILESTONE: Limit = Limit::line(60);
pub const UPDATE: Limit = Limit::text(1000);

pub const MAX_MILESTONES: usize = 20;
/// A milestone's weight: 1–100 (relative to the others).
pub const MAX_WEIGHT: u32 = 100;
/// The largest budget taken: ¥10,000,000,000.00 in fen.
pub const MAX_BUDGET_FEN: i64 = 1_000_000_000_000;

str_enum!(
    /// Where a project stands.
    Status {
        Planned = "planned",
        InProgress = "in_progress",
        Completed = "completed",
        /// A rating round (an acceptance survey) is open.
        Rating = "rating",
        Accepted = "accepted",
        NotAccepted = "not_accepted",
        Rectification = "rectification",
    }
);

str_enum!(
    /// What moves a project.
    Step {
        Start = "start",
        Complete = "complete",
        OpenRating = "open_rating",
        /// The rating round closed and the rule accepted the project.
        RoundAccepted = "round_accepted",
        /// The rating round closed and the rule did not accept it.
        RoundNotAccepted = "round_not_accepted",
        Rectify = "rectify",
    }
);

/// Who moves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mover {
    Worker,
    /// The close of a rating round (the scheduler, or a worker closing the round).
    Round,
}

/// Why a step is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepError {
    /// This mover never takes this step (only a round's close decides an acceptance).
    NotAllowed,
    /// Not from this status.
    WrongStatus,
}

/// The status after `mover` takes `step` from `from`.
pub fn step(from: Status, step: Step, mover: Mover) -> Result<Status, StepError> {
    use Status as S;
    use Step as T;
    let by_round = matches!(step, T::RoundAccepted | T::RoundNotAccepted);
    if by_round != (mover == Mover::Round) {
        return Err(StepError::NotAllowed);
    }
    Ok(match (step, from) {
        (T::Start, S::Planned) => S::InProgress,
        (T::Complete, S::InProgress | S::Rectification) => S::Completed,
        (T::OpenRating, S::Completed) => S::Rating,
        (T::RoundAccepted, S::Rating) => S::Accepted,
        (T::RoundNotAccepted, S::Rating) => S::NotAccepted,
        (T::Rectify, S::NotAccepted) => S::Rectification,
        _ => return Err(StepError::WrongStatus),
    })
}

impl Status {
    /// Finished for good.
    pub fn is_final(self) -> bool {
        self == Status::Accepted
    }

    /// Shown under "in progress" in the 项目 list (everything before the rating and the rework).
    pub fn in_progress(self) -> bool {
        matches!(self, Status::Planned | Status::InProgress | Status::Completed | Status::Rectification | Status::NotAccepted)
    }
}

/// A status in words.
pub fn status_name(s: Status, l: crate::i18n::Locale) -> &'static str {
    use crate::i18n::td_string;
    match s {
        Status::Planned => td_string!(l, pj_status_planned),
        Status::InProgress => td_string!(l, pj_status_in_progress),
        Status::Completed => td_string!(l, pj_status_completed),
        Status::Rating => td_string!(l, pj_status_rating),
        Status::Accepted => td_string!(l, pj_status_accepted),
        Status::NotAccepted => td_string!(l, pj_status_not_accepted),
        Status::Rectification => td_string!(l, pj_status_rectification),
    }
}

/// A milestone as the project keeps it (days are `time::Day` numbers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub name: String,
    pub planned_day: i64,
    pub done_day: Option<i64>,
    pub weight: u32,
}

/// Progress in whole percent, rounded down: done weight × 100 / all weight.
pub fn progress_pct(milestones: &[Milestone]) -> u32 {
    let all: u64 = milestones.iter().map(|m| u64::from(m.weight)).sum();
    if all == 0 {
        return 0;
    }
    let done: u64 = milestones.iter().filter(|m| m.done_day.is_some()).map(|m| u64::from(m.weight)).sum();
    (done * 100 / all) as u32
}

/// Why a project's plan is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanProblem {
    /// A budget below 0 or above `MAX_BUDGET_FEN`.
    Budget,
    /// More than `MAX_MILESTONES`.
    Milestones,
    /// A weight outside 1…`MAX_WEIGHT` (the milestone's index from 0).
    Weight { milestone: usize },
    /// The acceptance rule: a threshold outside 1–100%, a minimum of raters below 0 or over 100%.
    Rule,
}

/// Checks the numbers of a plan (texts are checked by the caller).
pub fn check_plan(budget_fen: i64, milestones: &[Milestone]) -> Result<(), PlanProblem> {
    if !(0..=MAX_BUDGET_FEN).contains(&budget_fen) {
        return Err(PlanProblem::Budget);
    }
    if milestones.len() > MAX_MILESTONES {
        return Err(PlanProblem::Milestones);
    }
    if let Some(i) = milestones.iter().position(|m| !(1..=MAX_WEIGHT).contains(&m.weight)) {
        return Err(PlanProblem::Weight { milestone: i });
    }
    Ok(())
}

/// `¥1,234,567.89` from fen.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let whole = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}¥{grouped}.{:02}", fen % 100)
}

/// `12345.6` / `12,345.67` / `¥12345` as a worker types it, to fen (at most two decimals).
pub fn parse_yuan(s: &str) -> Option<i64> {
    let t: String = s.trim().trim_start_matches(['¥', '￥']).chars().filter(|c| *c != ',' && *c != '，').collect();
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
    whole.checked_mul(100)?.checked_add(frac).filter(|f| *f <= MAX_BUDGET_FEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(weight: u32, done: bool) -> Milestone {
        Milestone { name: "阶段".into(), planned_day: 20_000, done_day: done.then_some(20_001), weight }
    }

    #[test]
    fn progress_is_the_done_share_of_the_weights_rounded_down() {
        assert_eq!(progress_pct(&[]), 0);
        assert_eq!(progress_pct(&[m(1, false)]), 0);
        assert_eq!(progress_pct(&[m(1, true), m(1, false), m(1, false)]), 33);
        assert_eq!(progress_pct(&[m(1, true), m(1, true), m(1, false)]), 66, "not rounded up to 67");
        assert_eq!(progress_pct(&[m(30, true), m(50, false), m(20, true)]), 50);
        assert_eq!(progress_pct(&[m(99, true), m(1, false)]), 99, "100% only when all are done");
        assert_eq!(progress_pct(&[m(99, true), m(1, true)]), 100);
    }

    #[test]
    fn the_status_machine_goes_round_through_rectification() {
        use Status as S;
        use Step as T;
        let w = Mover::Worker;
        let mut s = S::Planned;
        for (t, to) in [(T::Start, S::InProgress), (T::Complete, S::Completed), (T::OpenRating, S::Rating)] {
            s = step(s, t, w).unwrap();
            assert_eq!(s, to);
        }
        assert_eq!(step(s, T::RoundAccepted, w), Err(StepError::NotAllowed), "a worker cannot declare it accepted");
        s = step(s, T::RoundNotAccepted, Mover::Round).unwrap();
        assert_eq!(s, S::NotAccepted);
        assert_eq!(step(s, T::OpenRating, w), Err(StepError::WrongStatus), "not rated again before it is reworked");
        s = step(s, T::Rectify, w).unwrap();
        s = step(s, T::Complete, w).unwrap();
        s = step(s, T::OpenRating, w).unwrap();
        assert_eq!(step(s, T::RoundAccepted, Mover::Round), Ok(S::Accepted));
        assert!(S::Accepted.is_final());
        for t in [T::Start, T::Complete, T::OpenRating, T::Rectify] {
            assert_eq!(step(S::Accepted, t, w), Err(StepError::WrongStatus), "{t:?} after acceptance");
        }
        assert_eq!(step(S::Planned, T::Complete, w), Err(StepError::WrongStatus), "not completed before it starts");
        assert_eq!(step(S::InProgress, T::Start, Mover::Round), Err(StepError::NotAllowed));
    }

    #[test]
    fn plans_are_checked() {
        assert_eq!(check_plan(-1, &[]), Err(PlanProblem::Budget));
        assert_eq!(check_plan(MAX_BUDGET_FEN + 1, &[]), Err(PlanProblem::Budget));
        assert_eq!(check_plan(0, &[m(1, false), m(0, false)]), Err(PlanProblem::Weight { milestone: 1 }));
        assert_eq!(check_plan(0, &[m(101, false)]), Err(PlanProblem::Weight { milestone: 0 }));
        assert_eq!(check_plan(0, &vec![m(1, false); MAX_MILESTONES + 1]), Err(PlanProblem::Milestones));
        assert_eq!(check_plan(12_000_000, &[m(100, false)]), Ok(()));
    }

    #[test]
    fn money_is_written_and_read_in_fen() {
        assert_eq!(yuan(0), "¥0.00");
        assert_eq!(yuan(5), "¥0.05");
        assert_eq!(yuan(123_456_789), "¥1,234,567.89");
        assert_eq!(yuan(100_000), "¥1,000.00");
        assert_eq!(parse_yuan("1,234,567.89"), Some(123_456_789));
        assert_eq!(parse_yuan("¥12.5"), Some(1_250));
        assert_eq!(parse_yuan(" 80000 "), Some(8_000_000));
        for bad in ["", "12.345", "-5", "1e3", "12.", ".5", "abc"] {
            assert_eq!(parse_yuan(bad), if bad == "12." { Some(1_200) } else { None }, "{bad:?}");
        }
        assert_eq!(parse_yuan("99999999999999"), None, "over the largest budget");
    }
}
