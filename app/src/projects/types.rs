//! What travels between the project pages and the server.
use super::model::*;
use serde::{Deserialize, Serialize};

/// A milestone as the editor sends it (days as `YYYY-MM-DD`-derived day numbers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestoneSpec {
    pub name: String,
    pub planned_day: i64,
    pub weight: u32,
}

/// A worker's new project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewProject {
    pub title: String,
    /// A need category's code (the needs taxonomy).
    pub category: String,
    pub description: String,
    pub budget_fen: i64,
    pub funding: String,
    pub contractor: String,
    pub milestones: Vec<MilestoneSpec>,
    pub need_ids: Vec<i64>,
    pub deliberation_ids: Vec<i64>,
    pub survey_ids: Vec<i64>,
    /// The acceptance rule of its rating rounds (None: 80% satisfied and at least one rater).
    pub rule: Option<crate::surveys::model::AcceptanceRule>,
}

/// A project in the 项目 list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectCard {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub status: Status,
    pub progress_pct: u32,
    /// The last closed round's satisfied share in tenths of a percent.
    pub satisfied_permille: Option<i64>,
    /// The open rating round, if any (a survey's id).
    pub open_round: Option<i64>,
}

/// The 项目 list of the viewer's community.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectList {
    pub community_id: i64,
    pub in_progress: Vec<ProjectCard>,
    pub rating: Vec<ProjectCard>,
    pub done: Vec<ProjectCard>,
    pub is_worker: bool,
}

/// A piece of a project's news.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateView {
    pub kind: String,
    pub body: String,
    pub at: i64,
}

/// A rating round of a project, with its outcome once closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundView {
    pub round: i64,
    pub survey_id: i64,
    pub accepted: Option<bool>,
}

/// A project's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectView {
    pub card: ProjectCard,
    pub description: String,
    pub budget_fen: i64,
    pub funding: String,
    pub contractor: String,
    pub milestones: Vec<Milestone>,
    pub needs: Vec<(i64, String)>,
    pub deliberations: Vec<(i64, String)>,
    pub surveys: Vec<(i64, String)>,
    pub rounds: Vec<RoundView>,
    pub updates: Vec<UpdateView>,
    pub rule: crate::surveys::model::AcceptanceRule,
    pub following: bool,
    pub is_worker: bool,
}
