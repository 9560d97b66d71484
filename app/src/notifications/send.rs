//! Sending notifications: what other capabilities call, in their own transaction, so that a
//! notification exists exactly when the change it tells of was committed.
use super::notice::{Notice, split};
use crate::infra::db::now_ms;
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
