//! What travels between the survey pages and the server.
use super::model::*;
use crate::kernel::electorate::VoteUnit;
use serde::{Deserialize, Serialize};

/// A worker's new survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSurvey {
    pub title: String,
    pub intro: String,
    pub purpose: Purpose,
    /// One answer per verified resident (`Person`) or per household (`Household`).
    pub unit: VoteUnit,
    /// Only these buildings' residents (none: the whole community).
    pub building_ids: Vec<i64>,
    pub anonymous: bool,
    /// Paper forms keyed twice by two workers; only matching keyings count.
    pub double_entry: bool,
    pub opens_at: i64,
    pub closes_at: i64,
    pub questions: Vec<Question>,
    /// Acceptance rounds only.
    pub rule: Option<AcceptanceRule>,
    /// The needs of the community the survey should inform.
    #[serde(default)]
    pub need_ids: Vec<i64>,
}

/// A survey as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyView {
    pub id: i64,
    pub title: String,
    pub intro: String,
    pub purpose: Purpose,
    pub phase: SurveyPhase,
    pub unit: VoteUnit,
    pub anonymous: bool,
    pub double_entry: bool,
    pub opens_at: i64,
    pub closes_at: i64,
    pub questions: Vec<Question>,
    pub electorate_size: Option<i64>,
    /// Responses counted so far.
    pub responses: i64,
    /// The asker's unit may answer (now).
    pub can_answer: bool,
    /// The asker's answer as stored (while open; also for anonymous surveys, through their key).
    pub mine: Option<Vec<Answer>>,
    pub is_worker: bool,
    /// The needs it should inform: (id, title).
    pub needs: Vec<(i64, String)>,
}

/// What a response's sender is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub unit_id: i64,
    /// 0 for the first answer, then one more per change.
    pub version: i64,
}

/// What a paper form's keying did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Keying {
    /// Counted (keyed once, or both keyings agreed, or resolved).
    Counted,
    /// Double entry: waits for another worker's keying.
    AwaitingSecond,
    /// Double entry: the keyings differ; a third worker resolves it.
    Mismatch,
}

/// A form keyed differently twice, for a third worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisputeView {
    pub unit_id: i64,
    pub label: String,
    /// (who keyed it, the answers as keyed), first and second.
    pub keyings: Vec<(String, Option<Vec<Answer>>)>,
}

/// The results: while open for workers; after the close for everyone asked (text answers only
/// for workers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyResult {
    pub responses: i64,
    pub paper: i64,
    pub electorate: i64,
    pub questions: Vec<QuestionResult>,
    pub acceptance: Option<Acceptance>,
    pub closed_at: Option<i64>,
}

/// A survey in the 调研 list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyCard {
    pub id: i64,
    pub title: String,
    pub purpose: Purpose,
    pub phase: SurveyPhase,
    pub opens_at: i64,
    pub closes_at: i64,
    /// Whether the viewer's units have all answered (None: the viewer has none to answer for).
    pub answered: Option<bool>,
}

/// The 调研 list of the viewer's community: open, not open yet (workers only) and closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyList {
    pub community_id: i64,
    pub open: Vec<SurveyCard>,
    pub scheduled: Vec<SurveyCard>,
    pub closed: Vec<SurveyCard>,
    pub is_worker: bool,
}

/// What the survey builder offers: the community's buildings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyForm {
    pub community_id: i64,
    pub buildings: Vec<(i64, String)>,
    /// The community's open needs a survey may inform: (id, title).
    pub needs: Vec<(i64, String)>,
}

/// Where a unit's paper form stands, as the desk shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaperState {
    /// Nothing yet: may be keyed.
    Open,
    /// Answered in the app: no paper form.
    Online,
    /// Double entry: keyed once, waits for another worker (`by_me`: the viewer keyed it).
    AwaitingSecond { by_me: bool },
    /// Keyed twice differently: a third worker resolves it.
    Disputed,
    /// Counted.
    Counted,
}

/// A unit of the frozen electorate on the paper desk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeskUnit {
    pub unit_id: i64,
    pub label: String,
    pub state: PaperState,
}

/// The worker's paper desk of a survey: the units, the questions, the forms to resolve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyDesk {
    pub id: i64,
    pub title: String,
    pub phase: SurveyPhase,
    pub double_entry: bool,
    pub closes_at: i64,
    pub questions: Vec<Question>,
    pub units: Vec<DeskUnit>,
    pub disputes: Vec<DisputeView>,
    pub responses: i64,
}

/// What a worker decided about a text answer: residents see only the ones shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextReview {
    /// Not reviewed yet (or changed by its respondent since): not shown.
    Pending,
    Shown,
    Hidden,
}

/// A text answer as the worker's review list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextAnswer {
    /// The response's key (a unit of a named survey; an opaque key of an anonymous one).
    pub key: String,
    /// The question, counted from 0.
    pub question: usize,
    pub text: String,
    pub review: TextReview,
    /// Named surveys: whose answer (the unit's label).
    pub who: Option<String>,
    /// The need raised from it for its respondent: (id, title).
    pub need: Option<(i64, String)>,
}

/// A survey's text answers for the worker who reviews them, with what raising a need needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyTexts {
    pub anonymous: bool,
    pub texts: Vec<TextAnswer>,
    pub categories: Vec<crate::needs::types::CategoryView>,
}
