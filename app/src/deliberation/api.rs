//! The server functions of deliberation: parse, authorize (in the store, from the database), act.
use super::error::DelibError;
use super::types::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::kernel::guard::{ctx, fail, principal};
}

/// The deliberations of the viewer's community, open and past.
#[server(endpoint = "deliberations/list")]
pub async fn list_deliberations(community_id: Option<i64>) -> Result<DelibList, DelibError> {
    use ssr::*;
    let p = principal().await?;
    super::store::list(&ctx()?.db, &p, community_id).await.map_err(fail)
}

#[server(endpoint = "deliberations/get")]
pub async fn get_deliberation(id: i64) -> Result<DelibDetail, DelibError> {
    use ssr::*;
    let p = principal().await?;
    super::store::detail(&ctx()?.db, &p, id).await.map_err(fail)
}

/// Where `list_deliberations(None)` and `get_deliberation(id)` are served and their request bodies,
/// written out for a route's `data()` (`ui::prefetch::Early`): naming a server function in the
/// main module puts its client and every locale string there (BENCHMARKS.md). Tests check them
/// against the functions.
pub mod early {
    pub const LIST_PATH: &str = "/api/deliberations/list";
    pub const LIST_BODY: &str = "";
    pub const GET_PATH: &str = "/api/deliberations/get";
    pub fn get_body(id: i64) -> String {
        format!("id={id}")
    }
}

/// The worker's form: buildings and needs of the community.
#[server(endpoint = "deliberations/create_context")]
pub async fn deliberation_form(community_id: Option<i64>) -> Result<CreateContext, DelibError> {
    use ssr::*;
    let p = principal().await?;
    super::store::create_context(&ctx()?.db, &p, community_id).await.map_err(fail)
}

/// Opens a deliberation; `spec` is a `NewDeliberation` as JSON.
#[server(endpoint = "deliberations/create")]
pub async fn create_deliberation(spec: String, community_id: Option<i64>) -> Result<i64, DelibError> {
    use crate::kernel::error::CommonError;
    use ssr::*;
    let p = principal().await?;
    let n: NewDeliberation = serde_json::from_str(&spec).map_err(|_| fail(DelibError::from(CommonError::InvalidInput)))?;
    super::store::create(&ctx()?.db, &p, &n, community_id).await.map_err(fail)
}

/// Casts or changes the ballot of the caller's vote unit (`unit_id` when they hold several).
#[server(endpoint = "deliberations/vote")]
pub async fn cast_ballot(id: i64, unit_id: Option<i64>, vote: String) -> Result<CastReceipt, DelibError> {
    use ssr::*;
    let p = principal().await?;
    super::store::cast(&ctx()?.db, &p, id, unit_id, &vote).await.map_err(fail)
}

/// A worker keys in a paper ballot, or corrects one (with a reason).
#[server(endpoint = "deliberations/paper")]
pub async fn key_paper_ballot(id: i64, unit_id: i64, vote: String, reason: Option<String>) -> Result<(), DelibError> {
    use ssr::*;
    let p = principal().await?;
    super::store::paper(&ctx()?.db, &p, id, unit_id, &vote, reason.as_deref()).await.map_err(fail)
}

#[server(endpoint = "deliberations/close")]
pub async fn close_deliberation(id: i64, reason: String) -> Result<DelibResult, DelibError> {
    use ssr::*;
    let p = principal().await?;
    super::store::close_early(&ctx()?.db, &p, id, &reason).await.map_err(fail)
}

#[server(endpoint = "deliberations/audit")]
pub async fn deliberation_audit(id: i64) -> Result<Audit, DelibError> {
    use ssr::*;
    let p = principal().await?;
    super::store::audit(&ctx()?.db, &p, id).await.map_err(fail)
}

#[server(endpoint = "deliberations/comment")]
pub async fn comment_deliberation(id: i64, parent_id: Option<i64>, body: String) -> Result<i64, DelibError> {
    use ssr::*;
    let p = principal().await?;
    super::store::comment(&ctx()?.db, &p, id, parent_id, &body).await.map_err(fail)
}

#[server(endpoint = "deliberations/report")]
pub async fn report_deliberation_comment(comment_id: i64, reason: String) -> Result<(), DelibError> {
    use ssr::*;
    let p = principal().await?;
    super::store::report(&ctx()?.db, &p, comment_id, &reason).await.map_err(fail)
}

#[server(endpoint = "deliberations/hide_comment")]
pub async fn hide_deliberation_comment(comment_id: i64, hidden: bool) -> Result<(), DelibError> {
    use ssr::*;
    let p = principal().await?;
    super::store::set_hidden(&ctx()?.db, &p, comment_id, hidden).await.map_err(fail)
}

#[cfg(test)]
mod tests {
    use leptos::server_fn::ServerFn;

    #[test]
    fn the_early_requests_are_the_server_functions() {
        assert_eq!(super::early::LIST_PATH, <super::ListDeliberations as ServerFn>::PATH);
        assert_eq!(super::early::LIST_BODY, serde_qs::to_string(&super::ListDeliberations { community_id: None }).unwrap());
        assert_eq!(super::early::GET_PATH, <super::GetDeliberation as ServerFn>::PATH);
        assert_eq!(super::early::get_body(42), serde_qs::to_string(&super::GetDeliberation { id: 42 }).unwrap());
    }
}
