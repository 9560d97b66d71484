//! What other capabilities may ask of needs (ssr): a need they link to, by id. Nothing else of
//! needs' tables is read outside this capability.
use crate::kernel::guard::Who;
use crate::kernel::sql::{Arg, Sql};
use sqlx::AnyConnection;

/// The statuses in which a need is still waiting for something to be done about it.
const OPEN: &str = "('published', 'under_review', 'accepted', 'planned')";

/// The community's open needs, most supported first (id, title): what a deliberation or a
/// project may come from.
pub async fn open_needs(conn: &mut AnyConnection, community: i64, limit: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT id, title FROM needs WHERE community_id = $1 AND status IN {OPEN} ORDER BY supports DESC, id DESC LIMIT $2"))
        .bind(community)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// Whether `need` is a need of `community`.
pub async fn belongs_to(conn: &mut AnyConnection, need: i64, community: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM needs WHERE id = $1 AND community_id = $2").bind(need).bind(community).fetch_one(conn).await?;
    Ok(n == 1)
}

/// The title of a need, if it exists.
pub async fn title(conn: &mut AnyConnection, need: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT title FROM needs WHERE id = $1").bind(need).fetch_optional(conn).await
}

/// The SQL of a need's supporters (a column `user_id`), with its placeholders in `sql`.
pub fn supporters(sql: &mut Sql, need: i64) -> String {
    format!("SELECT user_id FROM need_supports WHERE need_id = {}", sql.arg(Arg::I(need)))
}

/// A project takes the need up: it moves to "planned" with `text` as the official answer (author
/// and supporters told), in the caller's transaction, as the worker `w`. A need planned already
/// stays as it is; one that cannot be planned from where it stands: `Err(its status)`.
pub async fn plan_for_project(
    conn: &mut AnyConnection,
    need: i64,
    text: &str,
    w: &Who<'_>,
) -> Result<Result<(), super::model::Status>, super::error::NeedError> {
    super::store::move_for_project(conn, need, super::model::Action::Plan, text, Some(w)).await
}

/// The project that took the need up was accepted: the need is done, with `text` as the official
/// answer (author and supporters told), in the caller's transaction (the round's close, by the
/// scheduler or a worker). A need that cannot be completed from where it stands (hidden, merged
/// meanwhile): `Err(its status)`, nothing written.
pub async fn complete_for_project(conn: &mut AnyConnection, need: i64, text: &str) -> Result<Result<(), super::model::Status>, super::error::NeedError> {
    super::store::move_for_project(conn, need, super::model::Action::Complete, text, None).await
}

/// A worker of `community` raises a need for `respondent` (代办: audited as the worker's act for
/// them), from what they answered in a survey: written as submitted, like one the resident
/// submitted, in the caller's transaction. The respondent must be a verified resident of the
/// community. `channel`: 'app' or 'paper', how the answer came.
pub async fn submit_for(
    conn: &mut AnyConnection,
    worker: &crate::kernel::guard::Principal,
    respondent: i64,
    community: i64,
    n: &super::store::NewNeed,
    channel: &str,
) -> Result<i64, super::error::NeedError> {
    let standing = crate::kernel::guard::standing(&mut *conn, respondent, community).await?;
    crate::kernel::guard::require_verified(standing.verified)?;
    let w = Who { p: worker, subject: respondent, on_behalf_of: Some(respondent) };
    super::store::insert(conn, &w, community, n, channel).await
}

/// The categories of needs in `community` (the seeded taxonomy and its district's own), in their
/// order: what a need, a project or a need raised from a survey answer is filed under.
pub async fn categories(conn: &mut AnyConnection, community: i64) -> Result<Vec<super::types::CategoryView>, sqlx::Error> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, code, name_zh, name_en FROM need_categories WHERE district_id IS NULL OR district_id = (SELECT district_id FROM communities WHERE id = $1) \
         ORDER BY sort, id",
    )
    .bind(community)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(id, code, name_zh, name_en)| super::types::CategoryView { id, code, name_zh, name_en }).collect())
}
