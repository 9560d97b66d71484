//! The rules of a deliberation that need no database: its settings and how they fit together,
//! its phase at a given time, and what a ballot may say.
use super::tally::Rule;
use crate::kernel::stored::str_enum;
use crate::kernel::text::Limit;
use serde::{Deserialize, Serialize};

/// Limits of what people type (kernel text rules; the SQL CHECKs say the same, see
/// `server/tests/limits.rs`).
pub const TITLE: Limit = Limit::line(80);
pub const BACKGROUND: Limit = Limit::text(4000);
pub const OPTION: Limit = Limit::line(80);
pub const COMMENT: Limit = Limit::text(500);
pub use crate::kernel::text::REASON;
pub const MAX_OPTIONS: usize = 10;
/// The reminder goes out this long before voting closes.
pub const REMINDER_BEFORE_MS: i64 = 24 * 3_600_000;
/// The longest voting window.
pub const MAX_WINDOW_MS: i64 = 90 * 24 * 3_600_000;
/// Adults cast a household's vote; what one vote stands for; how it was cast (the kernel's electorate).
pub use crate::kernel::electorate::{ADULT_AGE, Channel, VoteUnit};

str_enum!(
    /// Yes / no / abstain, or a choice between options.
    Kind { YesNo = "yes_no", Choice = "choice" }
);
str_enum!(
    /// Who votes.
    Electorate { Community = "community", Buildings = "buildings", Owners = "owners" }
);
str_enum!(
    /// How the vote is decided.
    RuleKind { Simple = "simple", Art278Ordinary = "art278_ordinary", Art278Major = "art278_major" }
);
str_enum!(
    Phase { Discussion = "discussion", Voting = "voting", Closed = "closed" }
);

impl RuleKind {
    pub fn rule(self, quorum_pct: Option<u32>) -> Rule {
        match self {
            RuleKind::Simple => Rule::SimpleMajority { quorum_pct },
            RuleKind::Art278Ordinary => Rule::Art278Ordinary,
            RuleKind::Art278Major => Rule::Art278Major,
        }
    }
}

/// The phase a deliberation should be in at `now` (the stored status catches up with it when
/// the scheduler or the next request passes by).
pub fn phase_at(opens_at: i64, closes_at: i64, now: i64) -> Phase {
    if now < opens_at {
        Phase::Discussion
    } else if now < closes_at {
        Phase::Voting
    } else {
        Phase::Closed
    }
}

/// What a ballot says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Vote {
    Yes,
    No,
    Abstain,
    /// Option indices, ascending, none twice; empty = a blank ballot.
    Options(Vec<u32>),
}

impl Vote {
    /// The stored form: `yes`, `no`, `abstain`, or `o:` followed by the indices.
    pub fn encode(&self) -> String {
        match self {
            Vote::Yes => "yes".into(),
            Vote::No => "no".into(),
            Vote::Abstain => "abstain".into(),
            Vote::Options(o) => format!("o:{}", o.iter().map(u32::to_string).collect::<Vec<_>>().join(",")),
        }
    }

    /// Parses and checks a vote against the deliberation's kind, its number of options and how
    /// many may be chosen.
    pub fn parse(s: &str, kind: Kind, options: u32, max_choices: u32) -> Option<Vote> {
        match (kind, s) {
            (Kind::YesNo, "yes") => Some(Vote::Yes),
            (Kind::YesNo, "no") => Some(Vote::No),
            (Kind::YesNo, "abstain") => Some(Vote::Abstain),
            (Kind::Choice, _) => {
                let list = s.strip_prefix("o:")?;
                let mut v: Vec<u32> = if list.is_empty() { Vec::new() } else { list.split(',').map(|t| t.parse().ok()).collect::<Option<Vec<u32>>>()? };
                let n = v.len();
                v.sort_unstable();
                v.dedup();
                (v.len() == n && v.len() as u32 <= max_choices && v.iter().all(|&i| i < options)).then_some(Vote::Options(v))
            }
            _ => None,
        }
    }
}

/// A setting that does not fit, reported to the worker creating the deliberation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SettingProblem {
    /// A choice needs 2 to MAX_OPTIONS options; max_choices between 1 and their number.
    Options,
    /// Chosen buildings (electorate "buildings" or "owners") need at least one building.
    Buildings,
    /// Owners vote by owned home, weighted by area (and only owners do).
    UnitMismatch,
    /// Art. 278 counts owners and their areas.
    RuleNeedsOwners,
    /// A quorum only applies to a simple majority, between 1 and 100 %.
    Quorum,
    /// Voting opens before it closes, not in the past, within 90 days.
    Window,
}

/// Checks how the settings fit together.
#[allow(clippy::too_many_arguments)]
pub fn check_settings(
    kind: Kind,
    options: usize,
    max_choices: u32,
    electorate: Electorate,
    buildings: usize,
    unit: VoteUnit,
    rule: RuleKind,
    quorum_pct: Option<u32>,
    opens_at: i64,
    closes_at: i64,
    now: i64,
) -> Result<(), SettingProblem> {
    match kind {
        Kind::YesNo if options != 0 || max_choices != 1 => return Err(SettingProblem::Options),
        Kind::Choice if !(2..=MAX_OPTIONS).contains(&options) || max_choices < 1 || max_choices as usize > options => {
            return Err(SettingProblem::Options);
        }
        _ => {}
    }
    if electorate != Electorate::Community && buildings == 0 {
        return Err(SettingProblem::Buildings);
    }
    if (electorate == Electorate::Owners) != (unit == VoteUnit::Owner) {
        return Err(SettingProblem::UnitMismatch);
    }
    if rule != RuleKind::Simple && unit != VoteUnit::Owner {
        return Err(SettingProblem::RuleNeedsOwners);
    }
    if quorum_pct.is_some_and(|q| rule != RuleKind::Simple || !(1..=100).contains(&q)) {
        return Err(SettingProblem::Quorum);
    }
    // A minute of slack for a form filled in just before the start it names.
    if opens_at < now - 60_000 || closes_at <= opens_at || closes_at - opens_at > MAX_WINDOW_MS {
        return Err(SettingProblem::Window);
    }
    Ok(())
}

pub use crate::time::{local_to_ms, ms_to_local};

/// `num / den` as a percentage with two decimals, rounded half up, by integers ("—" for den 0).
pub fn percent(num: i64, den: i64) -> String {
    if den <= 0 {
        return "—".into();
    }
    let basis = (i128::from(num) * 20_000 / i128::from(den) + 1) / 2;
    format!("{}.{:02}%", basis / 100, basis % 100)
}

/// An area in 0.01 m² as `123.45 m²`.
pub fn area(centi: i64) -> String {
    format!("{}.{:02} m²", centi / 100, centi % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn votes_parse_only_within_the_deliberation() {
        assert_eq!(Vote::parse("yes", Kind::YesNo, 0, 1), Some(Vote::Yes));
        assert_eq!(Vote::parse("o:1", Kind::YesNo, 0, 1), None);
        assert_eq!(Vote::parse("yes", Kind::Choice, 3, 1), None);
        assert_eq!(Vote::parse("o:2", Kind::Choice, 3, 1), Some(Vote::Options(vec![2])));
        assert_eq!(Vote::parse("o:3", Kind::Choice, 3, 1), None, "no such option");
        assert_eq!(Vote::parse("o:0,1", Kind::Choice, 3, 1), None, "more than allowed");
        assert_eq!(Vote::parse("o:1,0", Kind::Choice, 3, 2), Some(Vote::Options(vec![0, 1])));
        assert_eq!(Vote::parse("o:1,1", Kind::Choice, 3, 2), None, "twice the same");
        assert_eq!(Vote::parse("o:", Kind::Choice, 3, 2), Some(Vote::Options(vec![])));
        assert_eq!(Vote::parse("o:x", Kind::Choice, 3, 2), None);
        for v in [Vote::Yes, Vote::No, Vote::Abstain] {
            assert_eq!(Vote::parse(&v.encode(), Kind::YesNo, 0, 1), Some(v));
        }
        let v = Vote::Options(vec![0, 2]);
        assert_eq!(Vote::parse(&v.encode(), Kind::Choice, 3, 2), Some(v));
    }

    #[test]
    fn settings_must_fit_together() {
        use Electorate as E;
        use VoteUnit as U;
        let ok = |k, o, m, e, b, u, r, q| check_settings(k, o, m, e, b, u, r, q, 1_000_000, 2_000_000, 1_000_000);
        assert_eq!(ok(Kind::YesNo, 0, 1, E::Community, 0, U::Person, RuleKind::Simple, Some(30)), Ok(()));
        assert_eq!(ok(Kind::YesNo, 0, 1, E::Owners, 1, U::Owner, RuleKind::Art278Major, None), Ok(()));
        assert_eq!(ok(Kind::Choice, 3, 2, E::Buildings, 2, U::Household, RuleKind::Simple, None), Ok(()));
        assert_eq!(ok(Kind::Choice, 1, 1, E::Community, 0, U::Person, RuleKind::Simple, None), Err(SettingProblem::Options));
        assert_eq!(ok(Kind::Choice, 3, 4, E::Community, 0, U::Person, RuleKind::Simple, None), Err(SettingProblem::Options));
        assert_eq!(ok(Kind::YesNo, 2, 1, E::Community, 0, U::Person, RuleKind::Simple, None), Err(SettingProblem::Options));
        assert_eq!(ok(Kind::YesNo, 0, 1, E::Buildings, 0, U::Person, RuleKind::Simple, None), Err(SettingProblem::Buildings));
        assert_eq!(ok(Kind::YesNo, 0, 1, E::Owners, 1, U::Household, RuleKind::Simple, None), Err(SettingProblem::UnitMismatch));
        assert_eq!(ok(Kind::YesNo, 0, 1, E::Buildings, 1, U::Owner, RuleKind::Simple, None), Err(SettingProblem::UnitMismatch));
        assert_eq!(ok(Kind::YesNo, 0, 1, E::Community, 0, U::Person, RuleKind::Art278Ordinary, None), Err(SettingProblem::RuleNeedsOwners));
        assert_eq!(ok(Kind::YesNo, 0, 1, E::Owners, 1, U::Owner, RuleKind::Art278Ordinary, Some(50)), Err(SettingProblem::Quorum));
        assert_eq!(ok(Kind::YesNo, 0, 1, E::Community, 0, U::Person, RuleKind::Simple, Some(0)), Err(SettingProblem::Quorum));
        let w = |o, c| check_settings(Kind::YesNo, 0, 1, E::Community, 0, U::Person, RuleKind::Simple, None, o, c, 1_000_000);
        assert_eq!(w(2_000_000, 2_000_000), Err(SettingProblem::Window));
        assert_eq!(w(0, 2_000_000), Err(SettingProblem::Window), "opens in the past");
        assert_eq!(w(1_000_000, 1_000_000 + MAX_WINDOW_MS + 1), Err(SettingProblem::Window));
    }

    #[test]
    fn the_phase_follows_the_clock() {
        assert_eq!(phase_at(10, 20, 9), Phase::Discussion);
        assert_eq!(phase_at(10, 20, 10), Phase::Voting);
        assert_eq!(phase_at(10, 20, 19), Phase::Voting);
        assert_eq!(phase_at(10, 20, 20), Phase::Closed);
    }

    #[test]
    fn percentages_and_areas_are_printed_from_integers() {
        assert_eq!(percent(2, 3), "66.67%");
        assert_eq!(percent(1, 3), "33.33%");
        assert_eq!(percent(1, 8), "12.50%");
        assert_eq!(percent(0, 0), "—");
        assert_eq!(percent(5, 5), "100.00%");
        assert_eq!(area(8950), "89.50 m²");
        assert_eq!(area(7), "0.07 m²");
    }
}
