//! The rules of surveys (调研 / 满意度), pure: what a questionnaire may ask, which answers it takes,
//! how answers add up, and the acceptance rule of a project's rating round — integers only.
//!
//! **Answers** are one per question, in order: a choice (single: exactly one option; multiple: one
//! to `max_choices` different options, kept sorted), 1–5 stars, a short text, or skipped (only where
//! the question is optional). An answer is validated against its question on the server, whatever
//! the form sent; the canonical encoding (`encode`) is what double entry compares.
//!
//! **Acceptance** (`accept`): raters are the responses that gave the overall question stars;
//! satisfied are those with 4 or 5. Accepted when `satisfied × 100 ≥ threshold% × raters` **and**
//! raters reach the minimum — a count, or a percentage of the electorate rounded up
//! (`⌈pct × electorate / 100⌉`). No raters: not accepted. Exactly at the threshold passes (80 of 100
//! satisfied at 80%); one fewer satisfied fails.
use crate::kernel::stored::str_enum;
use crate::kernel::text::Limit;
use serde::{Deserialize, Serialize};

pub const TITLE: Limit = Limit::line(60);
pub const INTRO: Limit = Limit::optional_text(2000);
pub const PROMPT: Limit = Limit::line(200);
pub const OPTION: Limit = Limit::line(80);
/// A short text answer.
pub const TEXT_ANSWER: Limit = Limit::optional_text(500);
pub use crate::kernel::text::REASON;

pub const MAX_QUESTIONS: usize = 30;
pub const MAX_OPTIONS: usize = 10;
/// The longest a survey may stay open.
pub const MAX_WINDOW_MS: i64 = 90 * 24 * 3_600_000;
/// A project's default satisfaction threshold.
pub const DEFAULT_THRESHOLD_PCT: u32 = 80;

str_enum!(
    /// What the survey is for.
    Purpose { Research = "research", Satisfaction = "satisfaction", Acceptance = "acceptance" }
);
str_enum!(
    /// What a question asks for.
    QuestionKind { Single = "single", Multi = "multi", Stars = "stars", Text = "text" }
);
str_enum!(
    /// Scheduled (not open yet), open, closed.
    SurveyPhase { Scheduled = "scheduled", Open = "open", Closed = "closed" }
);

/// A question as the worker wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub kind: QuestionKind,
    pub prompt: String,
    /// Single and multiple choice only.
    pub options: Vec<String>,
    /// Multiple choice: at most this many (1 for the others).
    pub max_choices: u32,
    pub required: bool,
}

/// One question's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    Skipped,
    Choice(Vec<u32>),
    Stars(u8),
    Text(String),
}

/// Why a questionnaire cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SurveyProblem {
    /// No question, or more than `MAX_QUESTIONS`.
    Questions,
    /// A choice question without 2–`MAX_OPTIONS` options, or a limit outside 1…options.
    Options { question: usize },
    /// Options given to a stars or text question.
    NoOptions { question: usize },
    /// The window: opens before it closes, at most `MAX_WINDOW_MS`.
    Window,
    /// A threshold outside 1–100%, or a minimum of raters outside 0–100% / below 0.
    Rule,
    /// An acceptance round needs a required 1–5 stars question first (the overall rating).
    Overall,
    /// One answer per person or per household (not per owned home).
    Unit,
}

/// Why an answer sheet was refused (the question's index from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnswerProblem {
    /// Not one answer per question.
    Count,
    Required {
        question: usize,
    },
    /// The answer is not of the question's kind, or names an option it does not have.
    Invalid {
        question: usize,
    },
    /// More options than the question allows.
    TooMany {
        question: usize,
        max: u32,
    },
    TooLong {
        question: usize,
        max: usize,
    },
}

/// Checks a questionnaire (prompts and options are checked as texts by the caller).
pub fn check_questions(questions: &[Question], purpose: Purpose) -> Result<(), SurveyProblem> {
    if questions.is_empty() || questions.len() > MAX_QUESTIONS {
        return Err(SurveyProblem::Questions);
    }
    for (i, q) in questions.iter().enumerate() {
        match q.kind {
            QuestionKind::Single | QuestionKind::Multi => {
                let n = q.options.len();
                let max_ok = if q.kind == QuestionKind::Single { q.max_choices == 1 } else { q.max_choices >= 1 && q.max_choices as usize <= n };
                if !(2..=MAX_OPTIONS).contains(&n) || !max_ok {
                    return Err(SurveyProblem::Options { question: i });
                }
            }
            QuestionKind::Stars | QuestionKind::Text => {
                if !q.options.is_empty() || q.max_choices != 1 {
                    return Err(SurveyProblem::NoOptions { question: i });
                }
            }
        }
    }
    if purpose == Purpose::Acceptance && !(questions[0].kind == QuestionKind::Stars && questions[0].required) {
        return Err(SurveyProblem::Overall);
    }
    Ok(())
}

/// Validates an answer sheet against the questions and returns it in canonical form: choices
/// sorted, texts cleaned (the shared text rules), an empty text as skipped.
pub fn validate(questions: &[Question], answers: &[Answer]) -> Result<Vec<Answer>, AnswerProblem> {
    if answers.len() != questions.len() {
        return Err(AnswerProblem::Count);
    }
    let mut out = Vec::with_capacity(answers.len());
    for (i, (q, a)) in questions.iter().zip(answers).enumerate() {
        let a = match (q.kind, a) {
            (_, Answer::Skipped) => Answer::Skipped,
            (QuestionKind::Single | QuestionKind::Multi, Answer::Choice(c)) => {
                let mut c = c.clone();
                c.sort_unstable();
                c.dedup();
                if c.len() != a_len(a) || c.is_empty() || c.iter().any(|o| *o as usize >= q.options.len()) {
                    return Err(AnswerProblem::Invalid { question: i });
                }
                if c.len() > q.max_choices as usize {
                    return Err(AnswerProblem::TooMany { question: i, max: q.max_choices });
                }
                Answer::Choice(c)
            }
            (QuestionKind::Stars, Answer::Stars(s)) if (1..=5).contains(s) => Answer::Stars(*s),
            (QuestionKind::Text, Answer::Text(t)) => match TEXT_ANSWER.check(t) {
                Ok(t) if t.is_empty() => Answer::Skipped,
                Ok(t) => Answer::Text(t),
                Err(_) => return Err(AnswerProblem::TooLong { question: i, max: TEXT_ANSWER.max }),
            },
            _ => return Err(AnswerProblem::Invalid { question: i }),
        };
        if a == Answer::Skipped && q.required {
            return Err(AnswerProblem::Required { question: i });
        }
        out.push(a);
    }
    Ok(out)
}

fn a_len(a: &Answer) -> usize {
    match a {
        Answer::Choice(c) => c.len(),
        _ => 0,
    }
}

/// The stored and compared form of a validated answer sheet.
pub fn encode(answers: &[Answer]) -> String {
    serde_json::to_string(answers).expect("answers serialize")
}

/// An encoded sheet read back (None if it is not one).
pub fn decode(s: &str) -> Option<Vec<Answer>> {
    serde_json::from_str(s).ok()
}

/// How one question was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionResult {
    /// Per option (choice) or per star 1…5 (stars); empty for text.
    pub counts: Vec<i64>,
    /// Responses that answered this question.
    pub answered: i64,
    /// Stars: the average in hundredths of a star (e.g. 425 = 4.25), rounded half up.
    pub average_centi: Option<i64>,
    /// Text answers, in the order of the responses (for workers).
    pub texts: Vec<String>,
}

/// Adds up the responses (each validated against `questions`; one that is not is skipped).
pub fn results(questions: &[Question], responses: &[Vec<Answer>]) -> Vec<QuestionResult> {
    let mut out: Vec<QuestionResult> = questions
        .iter()
        .map(|q| QuestionResult {
            counts: match q.kind {
                QuestionKind::Single | QuestionKind::Multi => vec![0; q.options.len()],
                QuestionKind::Stars => vec![0; 5],
                QuestionKind::Text => Vec::new(),
            },
            answered: 0,
            average_centi: None,
            texts: Vec::new(),
        })
        .collect();
    for r in responses.iter().filter(|r| r.len() == questions.len()) {
        for (res, a) in out.iter_mut().zip(r) {
            match a {
                Answer::Skipped => continue,
                Answer::Choice(c) => {
                    for o in c {
                        if let Some(n) = res.counts.get_mut(*o as usize) {
                            *n += 1;
                        }
                    }
                }
                Answer::Stars(s) if (1..=5).contains(s) && res.counts.len() == 5 => res.counts[*s as usize - 1] += 1,
                Answer::Text(t) => res.texts.push(t.clone()),
                Answer::Stars(_) => continue,
            }
            res.answered += 1;
        }
    }
    for (res, q) in out.iter_mut().zip(questions) {
        if q.kind == QuestionKind::Stars && res.answered > 0 {
            let sum: i64 = res.counts.iter().enumerate().map(|(i, n)| (i as i64 + 1) * n).sum();
            res.average_centi = Some((sum * 200 + res.answered) / (2 * res.answered));
        }
    }
    out
}

/// A share in tenths of a percent (`part / whole`), rounded half up; 0 of nothing.
pub fn permille(part: i64, whole: i64) -> i64 {
    if whole <= 0 { 0 } else { (part * 2000 + whole) / (2 * whole) }
}

/// The minimum of raters for an acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MinRaters {
    Count(i64),
    /// A percentage of the electorate, rounded up.
    Percent(u32),
}

/// A project's acceptance rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptanceRule {
    /// Share of raters satisfied (4–5 stars), in percent.
    pub threshold_pct: u32,
    pub min_raters: MinRaters,
}

impl MinRaters {
    /// As stored: (`min_raters`, `min_raters_pct`), one of them set.
    pub fn columns(self) -> (Option<i64>, Option<i64>) {
        match self {
            MinRaters::Count(c) => (Some(c), None),
            MinRaters::Percent(p) => (None, Some(i64::from(p))),
        }
    }

    /// Read back from `columns` (a percentage where one is stored, else the count, 0 if none).
    pub fn from_columns(min: Option<i64>, pct: Option<i64>) -> MinRaters {
        match pct {
            Some(p) => MinRaters::Percent(p as u32),
            None => MinRaters::Count(min.unwrap_or(0)),
        }
    }
}

impl Default for AcceptanceRule {
    fn default() -> Self {
        AcceptanceRule { threshold_pct: DEFAULT_THRESHOLD_PCT, min_raters: MinRaters::Count(1) }
    }
}

impl AcceptanceRule {
    pub fn check(&self) -> Result<(), SurveyProblem> {
        let min_ok = match self.min_raters {
            MinRaters::Count(n) => n >= 0,
            MinRaters::Percent(p) => p <= 100,
        };
        if (1..=100).contains(&self.threshold_pct) && min_ok { Ok(()) } else { Err(SurveyProblem::Rule) }
    }
}

/// The acceptance decided, with each check and its fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acceptance {
    pub rule: AcceptanceRule,
    /// Overall stars 1…5.
    pub distribution: [i64; 5],
    pub raters: i64,
    pub satisfied: i64,
    pub electorate: i64,
    /// The raters the rule required.
    pub required_raters: i64,
    /// satisfied / raters ≥ threshold.
    pub satisfied_ok: bool,
    /// raters ≥ required.
    pub raters_ok: bool,
    pub accepted: bool,
}

/// The acceptance rule applied to the overall question's star counts.
pub fn accept(distribution: [i64; 5], electorate: i64, rule: AcceptanceRule) -> Acceptance {
    let raters: i64 = distribution.iter().sum();
    let satisfied = distribution[3] + distribution[4];
    let satisfied_ok = raters > 0 && satisfied * 100 >= i64::from(rule.threshold_pct) * raters;
    let required_raters = match rule.min_raters {
        MinRaters::Count(n) => n,
        MinRaters::Percent(p) => (i64::from(p) * electorate + 99) / 100,
    };
    let raters_ok = raters >= required_raters;
    Acceptance { rule, distribution, raters, satisfied, electorate, required_raters, satisfied_ok, raters_ok, accepted: satisfied_ok && raters_ok }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(kind: QuestionKind, options: usize, max: u32, required: bool) -> Question {
        Question { kind, prompt: "问".into(), options: (0..options).map(|i| format!("选项{i}")).collect(), max_choices: max, required }
    }

    fn sheet() -> Vec<Question> {
        vec![q(QuestionKind::Stars, 0, 1, true), q(QuestionKind::Single, 3, 1, true), q(QuestionKind::Multi, 4, 2, false), q(QuestionKind::Text, 0, 1, false)]
    }

    #[test]
    fn exactly_at_the_threshold_is_accepted_and_one_satisfied_fewer_is_not() {
        let rule = AcceptanceRule { threshold_pct: 80, min_raters: MinRaters::Count(10) };
        // 100 raters, 80 satisfied: 80.00 %.
        let at = accept([5, 5, 10, 40, 40], 300, rule);
        assert_eq!((at.raters, at.satisfied, at.satisfied_ok, at.accepted), (100, 80, true, true));
        let below = accept([5, 5, 11, 39, 40], 300, rule);
        assert_eq!((below.satisfied, below.satisfied_ok, below.accepted), (79, false, false));
        // One rater more, unsatisfied: 80 / 101 < 80 %.
        assert!(!accept([6, 5, 10, 40, 40], 300, rule).accepted);
        // One rater more, satisfied: 81 / 101 ≥ 80 %.
        assert!(accept([5, 5, 10, 40, 41], 300, rule).accepted);
        // Where floating point would say 0.7999…: 4 of 5 at 80 % passes.
        assert!(accept([0, 0, 1, 0, 4], 5, AcceptanceRule { threshold_pct: 80, min_raters: MinRaters::Count(5) }).accepted);
    }

    #[test]
    fn the_minimum_of_raters_as_a_count_and_as_a_share_of_the_electorate() {
        let count = AcceptanceRule { threshold_pct: 80, min_raters: MinRaters::Count(3) };
        assert!(!accept([0, 0, 0, 0, 2], 100, count).accepted, "2 of 3 raters");
        let three = accept([0, 0, 0, 0, 3], 100, count);
        assert!(three.raters_ok && three.accepted);
        // 30 % of 101 = 30.3 → 31 raters.
        let pct = AcceptanceRule { threshold_pct: 80, min_raters: MinRaters::Percent(30) };
        let a = accept([0, 0, 0, 0, 30], 101, pct);
        assert_eq!((a.required_raters, a.raters_ok, a.accepted), (31, false, false));
        assert!(accept([0, 0, 0, 0, 31], 101, pct).accepted);
        // 30 % of 100 = exactly 30.
        assert_eq!(accept([0, 0, 0, 0, 30], 100, pct).required_raters, 30);
        assert!(accept([0, 0, 0, 0, 30], 100, pct).accepted);
    }

    #[test]
    fn an_empty_round_is_not_accepted() {
        let a = accept([0; 5], 50, AcceptanceRule { threshold_pct: 80, min_raters: MinRaters::Count(0) });
        assert_eq!((a.raters, a.satisfied_ok, a.raters_ok, a.accepted), (0, false, true, false));
    }

    #[test]
    fn a_rule_outside_its_bounds_is_refused() {
        assert!(AcceptanceRule::default().check().is_ok());
        assert_eq!(AcceptanceRule { threshold_pct: 0, min_raters: MinRaters::Count(1) }.check(), Err(SurveyProblem::Rule));
        assert_eq!(AcceptanceRule { threshold_pct: 101, min_raters: MinRaters::Count(1) }.check(), Err(SurveyProblem::Rule));
        assert_eq!(AcceptanceRule { threshold_pct: 80, min_raters: MinRaters::Percent(101) }.check(), Err(SurveyProblem::Rule));
        assert_eq!(AcceptanceRule { threshold_pct: 80, min_raters: MinRaters::Count(-1) }.check(), Err(SurveyProblem::Rule));
    }

    #[test]
    fn answers_are_checked_per_question_kind() {
        let qs = sheet();
        let ok = validate(&qs, &[Answer::Stars(4), Answer::Choice(vec![2]), Answer::Choice(vec![3, 0]), Answer::Text("  路灯太暗  ".into())]).unwrap();
        assert_eq!(ok, vec![Answer::Stars(4), Answer::Choice(vec![2]), Answer::Choice(vec![0, 3]), Answer::Text("路灯太暗".into())]);
        use AnswerProblem as P;
        let with = |i: usize, a: Answer| {
            let mut s = vec![Answer::Stars(4), Answer::Choice(vec![0]), Answer::Skipped, Answer::Skipped];
            s[i] = a;
            validate(&qs, &s)
        };
        assert!(with(0, Answer::Stars(1)).is_ok() && with(0, Answer::Stars(5)).is_ok());
        assert_eq!(with(0, Answer::Stars(0)), Err(P::Invalid { question: 0 }));
        assert_eq!(with(0, Answer::Stars(6)), Err(P::Invalid { question: 0 }));
        assert_eq!(with(0, Answer::Skipped), Err(P::Required { question: 0 }));
        assert_eq!(with(0, Answer::Choice(vec![1])), Err(P::Invalid { question: 0 }));
        assert_eq!(with(1, Answer::Choice(vec![0, 1])), Err(P::TooMany { question: 1, max: 1 }));
        assert_eq!(with(1, Answer::Choice(vec![3])), Err(P::Invalid { question: 1 }), "no fourth option");
        assert_eq!(with(1, Answer::Choice(vec![])), Err(P::Invalid { question: 1 }));
        assert_eq!(with(1, Answer::Choice(vec![1, 1])), Err(P::Invalid { question: 1 }), "an option twice");
        assert_eq!(with(2, Answer::Choice(vec![0, 1, 2])), Err(P::TooMany { question: 2, max: 2 }));
        assert_eq!(with(2, Answer::Stars(3)), Err(P::Invalid { question: 2 }));
        assert_eq!(with(3, Answer::Text(" \n ".into())).unwrap()[3], Answer::Skipped, "blank text is no answer");
        assert_eq!(with(3, Answer::Text("长".repeat(501))), Err(P::TooLong { question: 3, max: 500 }));
        assert_eq!(validate(&qs, &[Answer::Stars(4)]), Err(P::Count));
    }

    #[test]
    fn questionnaires_are_checked() {
        let ok = sheet();
        assert_eq!(check_questions(&ok, Purpose::Acceptance), Ok(()));
        assert_eq!(check_questions(&[], Purpose::Research), Err(SurveyProblem::Questions));
        assert_eq!(check_questions(&[q(QuestionKind::Single, 1, 1, true)], Purpose::Research), Err(SurveyProblem::Options { question: 0 }));
        assert_eq!(check_questions(&[q(QuestionKind::Single, 3, 2, true)], Purpose::Research), Err(SurveyProblem::Options { question: 0 }));
        assert_eq!(check_questions(&[q(QuestionKind::Multi, 3, 4, true)], Purpose::Research), Err(SurveyProblem::Options { question: 0 }));
        assert_eq!(check_questions(&[q(QuestionKind::Stars, 2, 1, true)], Purpose::Research), Err(SurveyProblem::NoOptions { question: 0 }));
        assert_eq!(check_questions(&[q(QuestionKind::Text, 0, 1, true)], Purpose::Acceptance), Err(SurveyProblem::Overall));
        assert_eq!(check_questions(&[q(QuestionKind::Stars, 0, 1, false)], Purpose::Acceptance), Err(SurveyProblem::Overall));
    }

    #[test]
    fn results_count_choices_stars_and_texts() {
        let qs = sheet();
        let rs = vec![
            vec![Answer::Stars(5), Answer::Choice(vec![0]), Answer::Choice(vec![0, 1]), Answer::Text("好".into())],
            vec![Answer::Stars(4), Answer::Choice(vec![0]), Answer::Skipped, Answer::Skipped],
            vec![Answer::Stars(4), Answer::Choice(vec![2]), Answer::Choice(vec![1]), Answer::Text("再亮些".into())],
        ];
        let r = results(&qs, &rs);
        assert_eq!(r[0].counts, vec![0, 0, 0, 2, 1]);
        assert_eq!(r[0].average_centi, Some(433), "13 / 3 = 4.333…");
        assert_eq!((r[1].counts.clone(), r[1].answered), (vec![2, 0, 1], 3));
        assert_eq!((r[2].counts.clone(), r[2].answered), (vec![1, 2, 0, 0], 2));
        assert_eq!(r[3].texts, vec!["好".to_string(), "再亮些".to_string()]);
        assert_eq!(permille(2, 3), 667);
        assert_eq!(permille(1, 8), 125);
        assert_eq!(permille(1, 0), 0);
    }

    #[test]
    fn the_encoding_is_what_double_entry_compares() {
        let qs = sheet();
        let a = validate(&qs, &[Answer::Stars(3), Answer::Choice(vec![1]), Answer::Choice(vec![2, 0]), Answer::Skipped]).unwrap();
        let b = validate(&qs, &[Answer::Stars(3), Answer::Choice(vec![1]), Answer::Choice(vec![0, 2]), Answer::Text(" ".into())]).unwrap();
        assert_eq!(encode(&a), encode(&b), "the same form keyed in another order");
        let c = validate(&qs, &[Answer::Stars(4), Answer::Choice(vec![1]), Answer::Choice(vec![0, 2]), Answer::Skipped]).unwrap();
        assert_ne!(encode(&a), encode(&c));
        assert_eq!(decode(&encode(&a)), Some(a));
    }
}
