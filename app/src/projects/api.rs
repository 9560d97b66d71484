//! The server functions of projects: parse, authorize (in the store, from the database), act.
use super::error::ProjectError;
use super::types::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::kernel::guard::{ctx, fail, principal};
}

#[cfg(feature = "ssr")]
fn invalid() -> ProjectError {
    crate::kernel::guard::fail(ProjectError::from(crate::kernel::error::CommonError::InvalidInput))
}

/// The 项目 list of the viewer's community.
#[server(endpoint = "projects/list")]
pub async fn list_projects(community_id: Option<i64>) -> Result<ProjectList, ProjectError> {
    use ssr::*;
    let p = principal().await?;
    super::store::list(&ctx()?.db, &p, community_id).await.map_err(fail)
}

#[server(endpoint = "projects/get")]
pub async fn get_project(id: i64) -> Result<ProjectView, ProjectError> {
    use ssr::*;
    let p = principal().await?;
    super::store::detail(&ctx()?.db, &p, id).await.map_err(fail)
}

/// Creates a project; `spec` is a `NewProject` as JSON.
#[server(endpoint = "projects/create")]
pub async fn create_project(spec: String, community_id: Option<i64>) -> Result<i64, ProjectError> {
    use ssr::*;
    let p = principal().await?;
    let n: NewProject = serde_json::from_str(&spec).map_err(|_| invalid())?;
    super::store::create(&ctx()?.db, &p, &n, community_id).await.map_err(fail)
}

/// Starts the work (`start`), reports it completed (`complete`) or starts a rectification
/// (`rectify`).
/// Changes the plan of a project (`spec`: a `PlanSpec` as JSON).
#[server(endpoint = "projects/edit_plan")]
pub async fn edit_project_plan(id: i64, spec: String) -> Result<(), ProjectError> {
    use ssr::*;
    let p = principal().await?;
    let n: PlanSpec = serde_json::from_str(&spec).map_err(|_| invalid())?;
    super::store::edit_plan(&ctx()?.db, &p, id, &n).await.map_err(fail)
}

#[server(endpoint = "projects/advance")]
pub async fn advance_project(id: i64, step: String) -> Result<super::model::Status, ProjectError> {
    use ssr::*;
    let p = principal().await?;
    let step = super::model::Step::parse(&step).ok_or_else(invalid)?;
    super::store::advance(&ctx()?.db, &p, id, step).await.map_err(fail)
}

/// Marks milestone `idx` (from 0) done or not; answers the progress in percent.
#[server(endpoint = "projects/milestone")]
pub async fn set_project_milestone(id: i64, idx: i64, done: bool) -> Result<u32, ProjectError> {
    use ssr::*;
    let p = principal().await?;
    super::store::set_milestone(&ctx()?.db, &p, id, idx, done).await.map_err(fail)
}

#[server(endpoint = "projects/update")]
pub async fn post_project_update(id: i64, body: String) -> Result<(), ProjectError> {
    use ssr::*;
    let p = principal().await?;
    super::store::post_update(&ctx()?.db, &p, id, &body).await.map_err(fail)
}

#[server(endpoint = "projects/follow")]
pub async fn follow_project(id: i64, on: bool) -> Result<(), ProjectError> {
    use ssr::*;
    let p = principal().await?;
    super::store::follow(&ctx()?.db, &p, id, on).await.map_err(fail)
}

/// Opens a rating round until `closes_at` (ms), with the aspects rated besides the overall
/// satisfaction (one a line); answers the round's survey id.
#[server(endpoint = "projects/open_round")]
pub async fn open_project_round(id: i64, closes_at: i64, aspects: String) -> Result<i64, ProjectError> {
    use ssr::*;
    let p = principal().await?;
    let aspects: Vec<String> = aspects.lines().map(str::trim).filter(|a| !a.is_empty()).map(String::from).collect();
    if aspects.len() > 10 {
        return Err(invalid());
    }
    super::store::open_round(&ctx()?.db, &p, id, closes_at, &aspects).await.map_err(fail)
}

/// What the project editor offers (categories, needs that may be taken up, deliberations,
/// surveys); workers only.
#[server(endpoint = "projects/form")]
pub async fn project_editor(community_id: Option<i64>) -> Result<ProjectForm, ProjectError> {
    use ssr::*;
    let p = principal().await?;
    super::store::form(&ctx()?.db, &p, community_id).await.map_err(fail)
}

/// A community's accepted and not accepted projects with their satisfaction: for anyone, also
/// without logging in.
#[server(endpoint = "projects/summary")]
pub async fn project_summary(community_id: i64) -> Result<PublicSummary, ProjectError> {
    use ssr::*;
    super::store::summary(&ctx()?.db, community_id).await.map_err(fail)
}

/// Adds a photo of before (`after` false) or after the work (base64 of the file, shrunk by the
/// browser); workers only.
#[server(endpoint = "projects/add_photo")]
pub async fn add_project_photo(id: i64, after: bool, data_b64: String) -> Result<crate::ui::photo::Photo, ProjectError> {
    use ssr::*;
    let p = principal().await?;
    let raw = crate::ui::photo::decode_upload(&data_b64).map_err(|e| fail(ProjectError::Photo(e)))?;
    let phase = if after { PhotoPhase::After } else { PhotoPhase::Before };
    let c = ctx()?;
    super::store::add_photo(&c.db, c.blobs.as_ref(), &p, id, phase, raw).await.map_err(fail)
}

#[server(endpoint = "projects/remove_photo")]
pub async fn remove_project_photo(photo_id: i64) -> Result<(), ProjectError> {
    use ssr::*;
    let p = principal().await?;
    let c = ctx()?;
    super::store::remove_photo(&c.db, c.blobs.as_ref(), &p, photo_id).await.map_err(fail)
}
