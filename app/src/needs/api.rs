//! The server functions of needs: validate, authorize (in the store, from the database), act.
use super::error::NeedError;
use super::types::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub mod ssr {
    //! What only the needs' server functions use.
    use super::NeedError;
    pub use crate::kernel::guard::{ctx, fail, principal};
    pub use crate::kernel::text::checked;

    /// `"1,2,3"` → ids.
    pub fn ids(s: &str) -> Result<Vec<i64>, NeedError> {
        s.split(',').map(str::trim).filter(|t| !t.is_empty()).map(|t| t.parse().map_err(|_| fail(NeedError::BadCursor))).collect()
    }
}

/// The viewer's community and what they may do there.
#[server(endpoint = "needs/overview")]
pub async fn needs_overview(community_id: Option<i64>) -> Result<NeedsContext, NeedError> {
    use ssr::*;
    let p = principal().await?;
    super::store::context(&ctx()?.db, &p, community_id).await.map_err(fail)
}

/// A page of the community's needs: filter by category and status, search, sort by supports
/// (`sort = "supports"`) or newest; `mine` lists the caller's own needs in every status.
#[server(endpoint = "needs/list")]
pub async fn list_needs(
    category: Option<i64>,
    status: Option<String>,
    sort: String,
    q: String,
    cursor: Option<String>,
    mine: bool,
) -> Result<NeedPage, NeedError> {
    use super::model::{Field, SEARCH, Status};
    use ssr::*;
    let p = principal().await?;
    let search = checked(&q, Field::Search, SEARCH).map_err(fail)?;
    let status = match status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| fail(NeedError::WrongStatus { status: String::new() }))?),
    };
    let query = super::store::ListQuery { community: None, category, status, by_supports: sort == "supports", search, cursor, mine };
    super::store::list(&ctx()?.db, &p, &query).await.map_err(fail)
}

#[server(endpoint = "needs/get")]
pub async fn get_need(id: i64) -> Result<NeedDetail, NeedError> {
    use ssr::*;
    let p = principal().await?;
    super::store::detail(&ctx()?.db, &p, id).await.map_err(fail)
}

/// Where `needs_overview(None)`, the list's first page and `get_need(id)` are served and their
/// request bodies, written out for a route's `data()` (as `deliberation::api::early`).
pub mod early {
    pub const OVERVIEW_PATH: &str = "/api/needs/overview";
    pub const OVERVIEW_BODY: &str = "";
    pub const LIST_PATH: &str = "/api/needs/list";
    /// The first page with the default filters (most supported, no search), or only one's own.
    pub fn list_body(mine: bool) -> String {
        format!("sort=supports&q=&mine={mine}")
    }
    pub const GET_PATH: &str = "/api/needs/get";
    pub fn get_body(id: i64) -> String {
        format!("id={id}")
    }
}

/// Public needs of the community like the title and description being typed.
#[server(endpoint = "needs/similar")]
pub async fn similar_needs(title: String, body: String) -> Result<Vec<SimilarNeed>, NeedError> {
    use ssr::*;
    let p = principal().await?;
    let title: String = title.chars().take(super::model::TITLE.max).collect();
    let body: String = body.chars().take(super::similar::BODY_INDEXED_CHARS).collect();
    super::store::similar(&ctx()?.db, &p, &format!("{title}\n{body}")).await.map_err(fail)
}

/// Uploads one photo (base64 of the file); returns its id to pass to `submit_need`.
#[server(endpoint = "needs/upload_photo")]
pub async fn upload_photo(data_b64: String) -> Result<PhotoRef, NeedError> {
    use base64::Engine;
    use ssr::*;
    let p = principal().await?;
    if data_b64.len() > super::photo::MAX_PHOTO_BYTES / 3 * 4 + 8 {
        return Err(fail(NeedError::PhotoTooLarge { max_mb: super::photo::MAX_PHOTO_BYTES / (1024 * 1024) }));
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(data_b64.trim()).map_err(|_| fail(NeedError::PhotoUnreadable))?;
    let c = ctx()?;
    super::store::upload_photo(&c.db, c.blobs.as_ref(), &p, raw).await.map_err(fail)
}

/// A new need's fields, checked by the needs' text rules (also for a survey's text answer a worker
/// turns into a need).
#[cfg(feature = "ssr")]
pub(crate) fn new_need(
    category_id: i64,
    title: &str,
    body: &str,
    building_id: Option<i64>,
    place: &str,
    photo_ids: &str,
    channel: String,
) -> Result<super::store::NewNeed, NeedError> {
    use super::model::*;
    use ssr::*;
    let place = checked(place, Field::Place, PLACE).map_err(fail)?;
    Ok(super::store::NewNeed {
        category_id,
        title: checked(title, Field::Title, TITLE).map_err(fail)?,
        body: checked(body, Field::Body, BODY).map_err(fail)?,
        building_id,
        place: (!place.is_empty()).then_some(place),
        photo_ids: ids(photo_ids)?,
        channel,
    })
}

/// A verified resident submits a need (photos uploaded first, ids comma-separated). A worker in
/// 代办 submits for the resident, with `channel` "paper" or "phone".
#[server(endpoint = "needs/submit")]
pub async fn submit_need(
    category_id: i64,
    title: String,
    body: String,
    building_id: Option<i64>,
    place: String,
    photo_ids: String,
    channel: String,
) -> Result<i64, NeedError> {
    use ssr::*;
    let p = principal().await?;
    let n = new_need(category_id, &title, &body, building_id, &place, &photo_ids, channel)?;
    super::store::submit(&ctx()?.db, &p, &n).await.map_err(fail)
}

/// The author changes a need sent back for changes and submits it again.
#[server(endpoint = "needs/resubmit")]
pub async fn resubmit_need(id: i64, category_id: i64, title: String, body: String, building_id: Option<i64>, place: String) -> Result<(), NeedError> {
    use ssr::*;
    let p = principal().await?;
    let n = new_need(category_id, &title, &body, building_id, &place, "", String::new())?;
    super::store::resubmit(&ctx()?.db, &p, id, &n).await.map_err(fail)
}

/// Support (+1) a need, or withdraw the support.
/// Where `support_need` is served, for the plain HTML form of 附议. Written out: naming the server
/// function's `PATH` in a page can put its client into the main WASM (it did for `mark_read`:
/// +34 KB brotli). A test checks that the two agree.
pub const SUPPORT_PATH: &str = "/api/needs/support";

#[server(endpoint = "needs/support")]
pub async fn support_need(id: i64, on: bool) -> Result<SupportState, NeedError> {
    use ssr::*;
    let p = principal().await?;
    super::store::support(&ctx()?.db, &p, id, on).await.map_err(fail)
}

#[server(endpoint = "needs/comment")]
pub async fn comment_need(id: i64, body: String) -> Result<i64, NeedError> {
    use super::model::{COMMENT, Field};
    use ssr::*;
    let p = principal().await?;
    let body = checked(&body, Field::Comment, COMMENT).map_err(fail)?;
    super::store::comment(&ctx()?.db, &p, id, &body).await.map_err(fail)
}

/// Reports a need (or one of its comments) to the workers.
#[server(endpoint = "needs/report")]
pub async fn report_need(id: i64, comment_id: Option<i64>, reason: String) -> Result<(), NeedError> {
    use super::model::{Field, REASON};
    use ssr::*;
    let p = principal().await?;
    let reason = checked(&reason, Field::Reason, REASON).map_err(fail)?;
    super::store::report(&ctx()?.db, &p, id, comment_id, &reason).await.map_err(fail)
}

/// A worker's step on a need: `action` is publish, reject, request_changes, merge, hide, restore,
/// review, accept, plan, complete or answer; `text` the answer or reason where one is needed;
/// `merge_into` the surviving need of a merge.
#[server(endpoint = "needs/act")]
pub async fn act_on_need(id: i64, action: String, text: String, merge_into: Option<i64>) -> Result<super::model::Status, NeedError> {
    use super::model::{ANSWER, Action, Field};
    use ssr::*;
    let p = principal().await?;
    let action = Action::parse(&action).filter(|a| !matches!(a, Action::Resubmit | Action::ReportHide)).ok_or_else(|| fail(NeedError::NotAllowed))?;
    let limit = if action.needs_text() { ANSWER } else { ANSWER.optional() };
    let t = checked(&text, Field::Text, limit).map_err(fail)?;
    let t = (!t.is_empty()).then_some(t);
    super::store::act(&ctx()?.db, &p, id, action, t.as_deref(), merge_into).await.map_err(fail)
}

/// A worker decides on reports without changing what is shown.
#[server(endpoint = "needs/resolve_reports")]
pub async fn resolve_reports(id: i64, comment_id: Option<i64>) -> Result<(), NeedError> {
    use ssr::*;
    let p = principal().await?;
    super::store::resolve_reports(&ctx()?.db, &p, id, comment_id).await.map_err(fail)
}

#[server(endpoint = "needs/comment_hidden")]
pub async fn set_comment_hidden(comment_id: i64, hidden: bool) -> Result<(), NeedError> {
    use ssr::*;
    let p = principal().await?;
    super::store::set_comment_hidden(&ctx()?.db, &p, comment_id, hidden).await.map_err(fail)
}

#[server(endpoint = "needs/queue")]
pub async fn need_queue() -> Result<Queue, NeedError> {
    use ssr::*;
    let p = principal().await?;
    super::store::queue(&ctx()?.db, &p, None).await.map_err(fail)
}

/// A worker adds (`add`) or deletes (`delete`) a reason template.
#[server(endpoint = "needs/reasons")]
pub async fn edit_reasons(add: String, delete: Option<i64>) -> Result<(), NeedError> {
    use super::model::{Field, REASON};
    use ssr::*;
    let p = principal().await?;
    let limit = if delete.is_none() { REASON } else { REASON.optional() };
    let add = checked(&add, Field::Reason, limit).map_err(fail)?;
    super::store::edit_reasons(&ctx()?.db, &p, (!add.is_empty()).then_some(add.as_str()), delete).await.map_err(fail)
}

#[server(endpoint = "needs/settings")]
pub async fn set_need_settings(support_threshold: i64, answer_days: i64, report_limit: i64) -> Result<(), NeedError> {
    use ssr::*;
    let p = principal().await?;
    super::store::set_settings(&ctx()?.db, &p, NeedSettings { support_threshold, answer_days, report_limit }).await.map_err(fail)
}

#[cfg(test)]
mod plain_form_tests {
    #[test]
    fn the_plain_form_path_is_the_server_functions() {
        assert_eq!(super::SUPPORT_PATH, <super::SupportNeed as leptos::server_fn::ServerFn>::PATH);
    }
}

#[cfg(test)]
mod early_tests {
    use leptos::server_fn::ServerFn;

    #[test]
    fn the_early_requests_are_the_server_functions() {
        use super::early::*;
        assert_eq!(OVERVIEW_PATH, <super::NeedsOverview as ServerFn>::PATH);
        assert_eq!(OVERVIEW_BODY, serde_qs::to_string(&super::NeedsOverview { community_id: None }).unwrap());
        assert_eq!(LIST_PATH, <super::ListNeeds as ServerFn>::PATH);
        for mine in [false, true] {
            let args = super::ListNeeds { category: None, status: None, sort: "supports".into(), q: String::new(), cursor: None, mine };
            assert_eq!(list_body(mine), serde_qs::to_string(&args).unwrap());
        }
        assert_eq!(GET_PATH, <super::GetNeed as ServerFn>::PATH);
        assert_eq!(get_body(7), serde_qs::to_string(&super::GetNeed { id: 7 }).unwrap());
    }
}
