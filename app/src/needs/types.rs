//! What the needs server functions send to the browser.
use super::model::{Action, Status};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryView {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl CategoryView {
    pub fn name(&self, l: crate::i18n::Locale) -> &str {
        if l == crate::i18n::Locale::en { &self.name_en } else { &self.name_zh }
    }
}

/// The rules of a community's needs, as workers set them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NeedSettings {
    pub support_threshold: i64,
    pub answer_days: i64,
    pub report_limit: i64,
}

/// What the needs pages need to know about the viewer and their community.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeedsContext {
    pub community_id: i64,
    pub community_zh: String,
    pub community_en: String,
    pub categories: Vec<CategoryView>,
    pub buildings: Vec<(i64, String)>,
    /// A verified resident (or a worker in 代办 for one) may propose and support.
    pub can_propose: bool,
    pub is_worker: bool,
    /// A worker acting for a resident (代办): the resident's name; proposals then ask for the channel.
    pub acting_for: Option<String>,
    pub settings: NeedSettings,
}

/// A need in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeedSummary {
    pub id: i64,
    pub title: String,
    pub category_id: i64,
    pub status: Status,
    pub supports: i64,
    pub created_at: i64,
    /// Reached the support threshold and has no official answer yet.
    pub awaiting: bool,
    /// Open, unanswered, and published longer ago than the community's answer time (workers).
    pub overdue: bool,
    pub reports: i64,
    pub i_supported: bool,
}

/// One page of a list and where the next begins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeedPage {
    pub items: Vec<NeedSummary>,
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateView {
    pub action: Action,
    pub from: Status,
    pub to: Status,
    pub text: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentView {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub at: i64,
    pub hidden: bool,
    pub reports: i64,
}

/// A need with everything its page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeedDetail {
    pub summary: NeedSummary,
    pub body: String,
    pub place: Option<String>,
    pub building: Option<String>,
    pub photos: Vec<String>,
    pub answer: Option<String>,
    pub merged_into: Option<i64>,
    pub channel: String,
    pub assisted: bool,
    pub is_author: bool,
    pub is_worker: bool,
    pub can_support: bool,
    pub updates: Vec<UpdateView>,
    pub comments: Vec<CommentView>,
    /// The community's saved reasons (workers only; empty for everyone else).
    pub reasons: Vec<(i64, String)>,
    /// The project that took the need up: (id, title).
    pub project: Option<(i64, String)>,
    /// The surveys asking about it: (id, title).
    pub surveys: Vec<(i64, String)>,
}

/// An existing need like the one being typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarNeed {
    pub id: i64,
    pub title: String,
    pub status: Status,
    pub supports: i64,
    /// Similarity, 0–100.
    pub score: i64,
}

/// An uploaded photo, not yet attached to a need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoRef {
    pub id: i64,
    pub url: String,
}

/// The support state after a click.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SupportState {
    pub supports: i64,
    pub supported: bool,
}

/// A reported comment waiting for a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportedComment {
    pub need_id: i64,
    pub comment: CommentView,
}

/// The worker's queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    /// New needs waiting for moderation, oldest first.
    pub new: Vec<NeedSummary>,
    /// Reported or hidden needs with reports no worker has decided on.
    pub reported: Vec<NeedSummary>,
    /// Open needs without an answer: overdue first, then those awaiting (threshold reached).
    pub unanswered: Vec<NeedSummary>,
    pub reported_comments: Vec<ReportedComment>,
    pub reasons: Vec<(i64, String)>,
    pub settings: NeedSettings,
}
