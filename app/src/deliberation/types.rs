//! What travels between the deliberation pages and the server.
use super::model::*;
use super::tally::{Counts, Tally};
pub use crate::kernel::electorate::{PaperRow, SnapshotUnit, TurnoutRow};
use serde::{Deserialize, Serialize};

/// A worker's new deliberation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDeliberation {
    pub title: String,
    pub background: String,
    pub need_id: Option<i64>,
    pub kind: Kind,
    /// Choice only: the options (2 to 10).
    pub options: Vec<String>,
    pub max_choices: u32,
    pub electorate: Electorate,
    pub building_ids: Vec<i64>,
    pub vote_unit: VoteUnit,
    pub rule: RuleKind,
    pub quorum_pct: Option<u32>,
    pub secret: bool,
    pub opens_at: i64,
    pub closes_at: i64,
}

/// One line of the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DelibSummary {
    pub id: i64,
    pub title: String,
    pub phase: Phase,
    pub opens_at: i64,
    pub closes_at: i64,
    pub rule: RuleKind,
    pub vote_unit: VoteUnit,
    /// Whether the viewer's unit has voted (None: the viewer has no vote in it, or not yet known).
    pub voted: Option<bool>,
    /// Closed: passed (yes / no), or the options that passed.
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DelibList {
    pub community_id: i64,
    pub open: Vec<DelibSummary>,
    pub past: Vec<DelibSummary>,
    pub is_worker: bool,
}

/// A vote unit of the viewer's: that it voted, how and by whom (and what, where the viewer may know).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyUnit {
    pub unit_id: i64,
    pub label: String,
    pub voted: Option<Cast>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cast {
    pub channel: Channel,
    /// Who cast it (a household member; empty for paper).
    pub by: Option<String>,
    pub at: i64,
    /// The vote, encoded (`Vote::encode`); None where it cannot be known any more (a secret
    /// ballot after the close).
    pub vote: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentView {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub author: String,
    pub body: String,
    pub hidden: bool,
    pub reports: i64,
    pub at: i64,
    pub mine: bool,
}

/// The published result: the figures of every motion (a yes / no question is one, labelled by
/// the question; a choice has one per option).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DelibResult {
    pub rule: RuleKind,
    pub quorum_pct: Option<u32>,
    pub electorate: Counts,
    pub participants: Counts,
    pub paper_ballots: i64,
    pub motions: Vec<Motion>,
    pub closed_at: i64,
    pub early: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Motion {
    pub label: String,
    pub tally: Tally,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DelibDetail {
    pub id: i64,
    pub title: String,
    pub background: String,
    pub need: Option<(i64, String)>,
    pub kind: Kind,
    pub options: Vec<String>,
    pub max_choices: u32,
    pub electorate: Electorate,
    pub buildings: Vec<String>,
    pub vote_unit: VoteUnit,
    pub rule: RuleKind,
    pub quorum_pct: Option<u32>,
    pub secret: bool,
    pub phase: Phase,
    pub opens_at: i64,
    pub closes_at: i64,
    /// The server's clock, for the countdown.
    pub now: i64,
    /// The snapshot (once voting opened).
    pub electorate_size: Option<i64>,
    pub electorate_area: Option<i64>,
    /// The homes the snapshot counted, when more than its heads (an owner of several homes
    /// counts once, 法释〔2009〕7号 art. 9).
    pub electorate_homes: Option<i64>,
    /// Units that voted so far.
    pub turnout: i64,
    pub my_units: Vec<MyUnit>,
    pub can_comment: bool,
    pub is_worker: bool,
    pub close_reason: Option<String>,
    pub result: Option<DelibResult>,
    pub comments: Vec<CommentView>,
}

/// The answer to a ballot: `version` 0 for a unit's first ballot, +1 for every change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CastReceipt {
    pub unit_id: i64,
    pub version: i64,
    pub at: i64,
}

/// The worker's audit view: the snapshot with who voted how (channel, not choice, for secret
/// ballots), and every paper entry and correction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Audit {
    pub title: String,
    pub phase: Phase,
    pub secret: bool,
    pub kind: Kind,
    pub options: Vec<String>,
    pub max_choices: u32,
    pub units: Vec<SnapshotUnit>,
    pub turnout: Vec<TurnoutRow>,
    pub paper: Vec<PaperRow>,
    pub electorate_size: Option<i64>,
    pub electorate_area: Option<i64>,
}

/// What a worker needs to open a deliberation: the community's buildings and its open needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateContext {
    pub community_id: i64,
    pub buildings: Vec<(i64, String)>,
    pub needs: Vec<(i64, String)>,
}
