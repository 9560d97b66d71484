//! The tally of a deliberation's vote: one pure function from the electorate snapshot and the
//! counted ballots to the result — counts and shares by headcount and by floor area, participation,
//! the outcome under the chosen rule, and every threshold with whether it was met and which one
//! decided. Areas are integers in 0.01 m²; every comparison is an integer cross-multiplication
//! (no floating point decides anything).
use serde::{Deserialize, Serialize};

/// How a vote is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rule {
    /// More than half of the ballots cast (abstentions are cast ballots) say yes; optionally at
    /// least `quorum_pct` % of the electorate took part.
    SimpleMajority { quorum_pct: Option<u32> },
    /// Civil Code art. 278, ordinary matter: owners holding ≥ 2/3 of the exclusive area and ≥ 2/3
    /// of the owners take part; more than 1/2 of the participating area and owners approve.
    Art278Ordinary,
    /// Civil Code art. 278, major matter (renovation, elevator retrofit, maintenance fund): the
    /// same participation; ≥ 3/4 of the participating area and owners approve.
    Art278Major,
}

/// One vote unit of the electorate snapshot (a person, a household, or an owner with their area).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voter {
    pub id: i64,
    /// Exclusive floor area in 0.01 m² (0 where area does not count).
    pub area: i64,
}

/// What a ballot says on a yes / no / abstain question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Choice {
    Yes,
    No,
    Abstain,
}

/// One counted ballot (the voter's last).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ballot {
    pub voter: i64,
    pub choice: Choice,
}

/// A threshold of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Threshold {
    Quorum,
    ParticipationArea,
    ParticipationHeadcount,
    Majority,
    ApprovalArea,
    ApprovalHeadcount,
}

/// One threshold as applied: `value` = `num / den`; met when it compares to `required` as the
/// rule says (`strict`: more than; otherwise at least).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub threshold: Threshold,
    pub num: i64,
    pub den: i64,
    pub required_num: i64,
    pub required_den: i64,
    pub strict: bool,
    pub met: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub headcount: i64,
    pub area: i64,
}

/// The result of a vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub electorate: Counts,
    pub participants: Counts,
    pub yes: Counts,
    pub no: Counts,
    pub abstain: Counts,
    /// Ballots that were not counted: their voter is not in the snapshot, or voted twice (the
    /// store passes only each voter's last ballot; anything else is reported here, not counted).
    pub rejected_ballots: i64,
    pub checks: Vec<Check>,
    pub passed: bool,
    /// The first threshold not met (in the order of `checks`); `None` when the motion passed.
    pub decided_by: Option<Threshold>,
}

fn check(threshold: Threshold, num: i64, den: i64, required_num: i64, required_den: i64, strict: bool) -> Check {
    // num/den ⋛ rn/rd  ⇔  num·rd ⋛ rn·den (dens ≥ 0). An empty base (den = 0) meets nothing.
    let lhs = i128::from(num) * i128::from(required_den);
    let rhs = i128::from(required_num) * i128::from(den);
    let met = den > 0 && if strict { lhs > rhs } else { lhs >= rhs };
    Check { threshold, num, den, required_num, required_den, strict, met }
}

/// Tallies `ballots` against the electorate snapshot `voters` under `rule`.
pub fn tally(voters: &[Voter], ballots: &[Ballot], rule: Rule) -> Tally {
    use std::collections::{BTreeMap, BTreeSet};
    let by_id: BTreeMap<i64, i64> = voters.iter().map(|v| (v.id, v.area)).collect();
    let electorate = Counts { headcount: by_id.len() as i64, area: by_id.values().sum() };
    let mut seen = BTreeSet::new();
    let (mut yes, mut no, mut abstain) = (Counts { headcount: 0, area: 0 }, Counts { headcount: 0, area: 0 }, Counts { headcount: 0, area: 0 });
    let mut rejected = 0;
    for b in ballots {
        let Some(&area) = by_id.get(&b.voter) else {
            rejected += 1;
            continue;
        };
        if !seen.insert(b.voter) {
            rejected += 1;
            continue;
        }
        let c = match b.choice {
            Choice::Yes => &mut yes,
            Choice::No => &mut no,
            Choice::Abstain => &mut abstain,
        };
        c.headcount += 1;
        c.area += area;
    }
    let participants = Counts { headcount: yes.headcount + no.headcount + abstain.headcount, area: yes.area + no.area + abstain.area };
    let mut checks = Vec::new();
    match rule {
        Rule::SimpleMajority { quorum_pct } => {
            if let Some(q) = quorum_pct {
                checks.push(check(Threshold::Quorum, participants.headcount, electorate.headcount, i64::from(q), 100, false));
            }
            checks.push(check(Threshold::Majority, yes.headcount, participants.headcount, 1, 2, true));
        }
        Rule::Art278Ordinary | Rule::Art278Major => {
            checks.push(check(Threshold::ParticipationArea, participants.area, electorate.area, 2, 3, false));
            checks.push(check(Threshold::ParticipationHeadcount, participants.headcount, electorate.headcount, 2, 3, false));
            let (n, d, strict) = if rule == Rule::Art278Major { (3, 4, false) } else { (1, 2, true) };
            checks.push(check(Threshold::ApprovalArea, yes.area, participants.area, n, d, strict));
            checks.push(check(Threshold::ApprovalHeadcount, yes.headcount, participants.headcount, n, d, strict));
        }
    }
    let decided_by = checks.iter().find(|c| !c.met).map(|c| c.threshold);
    Tally { electorate, participants, yes, no, abstain, rejected_ballots: rejected, passed: decided_by.is_none(), decided_by, checks }
}

/// Tallies a choice between options: each option is decided as its own motion under `rule` —
/// "yes" is a ballot that chose it, "no" one that chose others, and a blank ballot abstains — so
/// the participation and approval thresholds mean the same as for a yes / no question.
/// `ballots` hold the chosen option indices; indices ≥ `options` are not counted for any option.
pub fn tally_options(voters: &[Voter], ballots: &[(i64, Vec<u32>)], options: u32, rule: Rule) -> Vec<Tally> {
    (0..options)
        .map(|i| {
            let as_motion: Vec<Ballot> = ballots
                .iter()
                .map(|(voter, chosen)| Ballot {
                    voter: *voter,
                    choice: if chosen.is_empty() {
                        Choice::Abstain
                    } else if chosen.contains(&i) {
                        Choice::Yes
                    } else {
                        Choice::No
                    },
                })
                .collect();
            tally(voters, &as_motion, rule)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Choice::*;

    fn owners(areas: &[i64]) -> Vec<Voter> {
        areas.iter().enumerate().map(|(i, &area)| Voter { id: i as i64 + 1, area }).collect()
    }

    fn ballots(choices: &[(i64, Choice)]) -> Vec<Ballot> {
        choices.iter().map(|&(voter, choice)| Ballot { voter, choice }).collect()
    }

    #[test]
    fn ordinary_matter_at_exactly_two_thirds_participation_and_just_over_half_approval() {
        // 6 owners of 100.00 m² each: 4 take part (exactly 2/3 of heads and of area).
        let v = owners(&[10_000; 6]);
        let t = tally(&v, &ballots(&[(1, Yes), (2, Yes), (3, Yes), (4, No)]), Rule::Art278Ordinary);
        assert!(t.passed, "{t:?}");
        assert_eq!(t.participants, Counts { headcount: 4, area: 40_000 });
        // Exactly half approving is not more than half.
        let t = tally(&v, &ballots(&[(1, Yes), (2, Yes), (3, No), (4, Abstain)]), Rule::Art278Ordinary);
        assert_eq!((t.passed, t.decided_by), (false, Some(Threshold::ApprovalArea)));
        // One short of 2/3 participation.
        let t = tally(&v, &ballots(&[(1, Yes), (2, Yes), (3, Yes)]), Rule::Art278Ordinary);
        assert_eq!(t.decided_by, Some(Threshold::ParticipationArea));
    }

    #[test]
    fn area_two_thirds_is_exact_in_hundredths_of_a_square_metre() {
        // Total 300.01 m²: 2/3 is 200.006…, so 200.00 m² is short and 200.01 m² is enough.
        let v = owners(&[10_000, 10_000, 10_001]);
        let short = tally(&v, &ballots(&[(1, Yes), (2, Yes)]), Rule::Art278Ordinary);
        assert_eq!(short.decided_by, Some(Threshold::ParticipationArea));
        let enough = tally(&v, &ballots(&[(1, Yes), (3, Yes)]), Rule::Art278Ordinary);
        assert!(enough.passed, "{enough:?}");
    }

    #[test]
    fn major_matter_needs_three_quarters_of_area_and_heads_exactly_three_quarters_passes() {
        let v = owners(&[10_000; 4]);
        let t = tally(&v, &ballots(&[(1, Yes), (2, Yes), (3, Yes), (4, No)]), Rule::Art278Major);
        assert!(t.passed, "exactly 3/4: {t:?}");
        let t = tally(&v, &ballots(&[(1, Yes), (2, Yes), (3, No), (4, No)]), Rule::Art278Major);
        assert_eq!(t.decided_by, Some(Threshold::ApprovalArea));
        // Heads at 3/4 but area under: the larger owner says no.
        let v = owners(&[10_000, 10_000, 10_000, 40_000]);
        let t = tally(&v, &ballots(&[(1, Yes), (2, Yes), (3, Yes), (4, No)]), Rule::Art278Major);
        assert_eq!(t.decided_by, Some(Threshold::ApprovalArea));
        assert!(t.checks.iter().any(|c| c.threshold == Threshold::ApprovalHeadcount && c.met));
    }

    #[test]
    fn one_owner_with_most_of_the_area_cannot_decide_alone() {
        let mut areas = vec![80_000];
        areas.extend([2_000; 9]);
        let v = owners(&areas);
        let t = tally(&v, &ballots(&[(1, Yes)]), Rule::Art278Major);
        assert_eq!(t.decided_by, Some(Threshold::ParticipationHeadcount));
        // Everyone takes part; the big owner alone says yes: area approves, heads do not.
        let all: Vec<(i64, Choice)> = (1..=10).map(|i| (i, if i == 1 { Yes } else { No })).collect();
        let t = tally(&v, &ballots(&all), Rule::Art278Ordinary);
        assert_eq!(t.decided_by, Some(Threshold::ApprovalHeadcount));
        assert!(t.checks.iter().any(|c| c.threshold == Threshold::ApprovalArea && c.met));
    }

    #[test]
    fn abstentions_take_part_but_do_not_approve() {
        let v = owners(&[10_000; 3]);
        let t = tally(&v, &ballots(&[(1, Yes), (2, Abstain), (3, Abstain)]), Rule::SimpleMajority { quorum_pct: None });
        assert_eq!((t.participants.headcount, t.abstain.headcount, t.decided_by), (3, 2, Some(Threshold::Majority)));
    }

    #[test]
    fn empty_electorate_and_no_ballots_pass_nothing() {
        for rule in [Rule::SimpleMajority { quorum_pct: None }, Rule::SimpleMajority { quorum_pct: Some(50) }, Rule::Art278Ordinary, Rule::Art278Major] {
            let t = tally(&[], &[], rule);
            assert!(!t.passed, "{rule:?}");
            assert_eq!(t.electorate, Counts { headcount: 0, area: 0 });
            let t = tally(&owners(&[10_000; 3]), &[], rule);
            assert!(!t.passed, "{rule:?}");
        }
    }

    #[test]
    fn quorum_is_at_least_the_percentage() {
        let v = owners(&[0; 10]);
        let four = ballots(&[(1, Yes), (2, Yes), (3, Yes), (4, No)]);
        assert!(tally(&v, &four, Rule::SimpleMajority { quorum_pct: Some(40) }).passed);
        assert_eq!(tally(&v, &four, Rule::SimpleMajority { quorum_pct: Some(41) }).decided_by, Some(Threshold::Quorum));
    }

    #[test]
    fn foreign_and_repeated_ballots_are_reported_not_counted() {
        let v = owners(&[10_000; 2]);
        let t = tally(&v, &ballots(&[(1, Yes), (1, No), (99, Yes)]), Rule::SimpleMajority { quorum_pct: None });
        assert_eq!((t.yes.headcount, t.no.headcount, t.rejected_ballots), (1, 0, 2));
    }

    /// Every electorate of up to 5 owners with areas from a small set, and every way they can vote,
    /// against the rules written differently: thresholds as ceilings of exact integer fractions.
    #[test]
    // "More than half" is written as `>= half + 1`, as the rule reads, not as clippy would have it.
    #[allow(clippy::int_plus_one)]
    fn exhaustive_small_electorates_agree_with_the_rules_written_as_ceilings() {
        fn ceil_div(a: i64, b: i64) -> i64 {
            (a + b - 1) / b
        }
        let area_sets: [&[i64]; 4] = [&[1], &[1, 2], &[3, 3, 4], &[1, 1, 1, 5, 9]];
        let mut cases = 0;
        for areas in area_sets {
            for n in 1..=areas.len() {
                let v = owners(&areas[..n]);
                let total_area: i64 = areas[..n].iter().sum();
                // Each owner: 0 = absent, 1 yes, 2 no, 3 abstain.
                for code in 0..4usize.pow(n as u32) {
                    let mut bs = Vec::new();
                    let mut c = code;
                    for id in 1..=n as i64 {
                        match c % 4 {
                            1 => bs.push(Ballot { voter: id, choice: Yes }),
                            2 => bs.push(Ballot { voter: id, choice: No }),
                            3 => bs.push(Ballot { voter: id, choice: Abstain }),
                            _ => {}
                        }
                        c /= 4;
                    }
                    let area_of = |id: i64| areas[id as usize - 1];
                    let p_heads = bs.len() as i64;
                    let p_area: i64 = bs.iter().map(|b| area_of(b.voter)).sum();
                    let y_heads = bs.iter().filter(|b| b.choice == Yes).count() as i64;
                    let y_area: i64 = bs.iter().filter(|b| b.choice == Yes).map(|b| area_of(b.voter)).sum();
                    let participation = p_area >= ceil_div(2 * total_area, 3) && p_heads >= ceil_div(2 * n as i64, 3);
                    let ordinary = participation && p_heads > 0 && y_area >= p_area / 2 + 1 && y_heads >= p_heads / 2 + 1;
                    let major = participation && p_heads > 0 && y_area >= ceil_div(3 * p_area, 4) && y_heads >= ceil_div(3 * p_heads, 4);
                    assert_eq!(tally(&v, &bs, Rule::Art278Ordinary).passed, ordinary, "ordinary {areas:?} {bs:?}");
                    assert_eq!(tally(&v, &bs, Rule::Art278Major).passed, major, "major {areas:?} {bs:?}");
                    cases += 1;
                }
            }
        }
        assert!(cases > 1000, "{cases}");
    }

    #[test]
    fn options_are_each_decided_as_a_motion_with_blank_ballots_abstaining() {
        let v = owners(&[0; 6]);
        let b = vec![(1, vec![0]), (2, vec![0]), (3, vec![0]), (4, vec![1]), (5, vec![]), (9, vec![1])];
        let t = tally_options(&v, &b, 3, Rule::SimpleMajority { quorum_pct: None });
        assert_eq!(t.len(), 3);
        // 5 counted ballots (voter 9 is not in the snapshot): option 0 has 3 of 5, more than half.
        assert_eq!((t[0].yes.headcount, t[0].no.headcount, t[0].abstain.headcount, t[0].rejected_ballots), (3, 1, 1, 1));
        assert!(t[0].passed);
        assert_eq!((t[1].yes.headcount, t[1].passed), (1, false));
        assert_eq!((t[2].yes.headcount, t[2].participants.headcount), (0, 5));
        // Multiple choice: two options can both pass.
        let b = vec![(1, vec![0, 1]), (2, vec![0, 1]), (3, vec![1]), (4, vec![0])];
        let t = tally_options(&v, &b, 2, Rule::SimpleMajority { quorum_pct: Some(50) });
        assert!(t[0].passed && t[1].passed, "{t:?}");
        let t = tally_options(&v, &b[..2], 2, Rule::SimpleMajority { quorum_pct: Some(50) });
        assert_eq!(t[0].decided_by, Some(Threshold::Quorum));
    }
}
