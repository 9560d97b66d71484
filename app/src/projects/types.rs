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

/// A project's plan as a worker changes it after creating the project: the milestones replace the
/// old ones (one of the same name keeps its done day).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSpec {
    pub description: String,
    pub budget_fen: i64,
    pub funding: String,
    pub contractor: String,
    pub milestones: Vec<MilestoneSpec>,
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
    /// The category's name (zh-CN, en).
    pub category_zh: String,
    pub category_en: String,
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
    /// Photos before and after the work.
    pub before: Vec<crate::ui::photo::Photo>,
    pub after: Vec<crate::ui::photo::Photo>,
}

impl ProjectCard {
    pub fn category_name(&self, l: crate::i18n::Locale) -> &str {
        if l == crate::i18n::Locale::en { &self.category_en } else { &self.category_zh }
    }
}

/// What the project editor offers: the community's categories, and what a project may take up —
/// needs that may still be planned and are in no project, deliberations, surveys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectForm {
    pub community_id: i64,
    pub categories: Vec<crate::needs::types::CategoryView>,
    /// (id, title, category code)
    pub needs: Vec<(i64, String, String)>,
    pub deliberations: Vec<(i64, String)>,
    pub surveys: Vec<(i64, String)>,
}

/// A community's accepted and not accepted projects with their satisfaction, for anyone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicSummary {
    pub community_zh: String,
    pub community_en: String,
    pub accepted: Vec<ProjectCard>,
    pub not_accepted: Vec<ProjectCard>,
}

/// Before or after the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhotoPhase {
    Before,
    After,
}

impl PhotoPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoPhase::Before => "before",
            PhotoPhase::After => "after",
        }
    }
}
