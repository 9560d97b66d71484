//! What other capabilities may ask of needs (ssr): a need they link to, by id. Nothing else of
//! needs' tables is read outside this capability.
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
