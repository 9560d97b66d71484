//! The SQL of notifications: sending (in the sender's transaction), listing, counting, reading.
//! A user sees only their own.
use super::notice::{Notice, NotificationView, split};
use crate::infra::db::{Db, now_ms};
use crate::kernel::error::CommonError;
use crate::kernel::guard::Principal;
use crate::kernel::sql::{Arg, Sql};
use sqlx::AnyConnection;

/// Tells one user.
pub async fn send_to<N: Notice>(conn: &mut AnyConnection, user: i64, community: i64, subject_id: i64, n: &N) -> Result<(), sqlx::Error> {
    send_to_each(conn, community, subject_id, n, |sql| format!("SELECT {} AS user_id", sql.arg(Arg::I(user)))).await
}

/// Tells every user the query `recipients` writes selects (a column `user_id`; duplicates are
/// told once). The query takes its own placeholders from the `Sql` it is given.
pub async fn send_to_each<N: Notice>(
    conn: &mut AnyConnection,
    community: i64,
    subject_id: i64,
    n: &N,
    recipients: impl FnOnce(&mut Sql) -> String,
) -> Result<(), sqlx::Error> {
    let (kind, params) = split(n);
    let mut sql = Sql::new();
    let (c, k, t, s, p, at) = (
        sql.arg(Arg::I(community)),
        sql.arg(Arg::S(kind)),
        sql.arg(Arg::S(N::SUBJECT.into())),
        sql.arg(Arg::I(subject_id)),
        sql.arg(Arg::S(params)),
        sql.arg(Arg::I(now_ms())),
    );
    let who = recipients(&mut sql);
    sql.text = format!(
        "INSERT INTO notifications (user_id, community_id, kind, subject_type, subject_id, params, created_at) \
         SELECT DISTINCT x.user_id, {c}, {k}, {t}, {s}, {p}, {at} FROM ({who}) x"
    );
    sql.execute(conn).await?;
    Ok(())
}

/// The latest notifications of the logged-in user (`before`: the id to continue below).
pub async fn list(db: &Db, p: &Principal, before: Option<i64>) -> Result<Vec<NotificationView>, CommonError> {
    let rows: Vec<(i64, String, Option<i64>, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, subject_type, subject_id, kind, params, created_at, read_at FROM notifications \
         WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT 50",
    )
    .bind(p.user_id)
    .bind(before.unwrap_or(i64::MAX))
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, subject_type, subject_id, kind, params, at, read_at)| NotificationView {
            id,
            subject_type,
            subject_id,
            kind,
            params,
            at,
            read: read_at.is_some(),
        })
        .collect())
}

pub async fn unread_count(db: &Db, p: &Principal) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL").bind(p.user_id).fetch_one(db.pool()).await
}

/// Marks one notification (or all, with `None`) of the user as read.
pub async fn mark_read(db: &Db, p: &Principal, id: Option<i64>) -> Result<(), CommonError> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND ($3 = 0 OR id = $3)")
        .bind(now_ms())
        .bind(p.user_id)
        .bind(id.unwrap_or(0))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
