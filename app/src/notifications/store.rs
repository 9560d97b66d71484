//! The SQL of the notification centre: listing, counting, reading. A user sees only their own.
use super::notice::NotificationView;
use crate::infra::db::{Db, now_ms};
use crate::kernel::error::CommonError;
use crate::kernel::guard::Principal;

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
    // One notification that is not the caller's (or does not exist) is not found; one already
    // read stays read.
    if let Some(id) = id {
        let mine: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE id = $1 AND user_id = $2").bind(id).bind(p.user_id).fetch_one(&mut *tx).await?;
        if mine == 0 {
            return Err(CommonError::NotFound);
        }
    }
    tx.commit().await?;
    Ok(())
}
