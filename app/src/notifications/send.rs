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
    mut recipients: impl FnMut(&mut Sql) -> String,
) -> Result<(), sqlx::Error> {
    send_each_of(conn, community, &[(subject_id, n)], |sql, _| recipients(sql)).await
}

/// Tells of several subjects in one statement (a batch of bookings, say): for each `(subject,
/// notice)`, every user the query `recipients(sql, subject)` writes selects, once each.
pub async fn send_each_of<N: Notice>(
    conn: &mut AnyConnection,
    community: i64,
    items: &[(i64, &N)],
    mut recipients: impl FnMut(&mut Sql, i64) -> String,
) -> Result<(), sqlx::Error> {
    if items.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new();
    let (c, t, at) = (sql.arg(Arg::I(community)), sql.arg(Arg::S(N::SUBJECT.into())), sql.arg(Arg::I(now_ms())));
    let mut parts = Vec::with_capacity(items.len());
    for &(subject, n) in items {
        let (kind, params) = split(n);
        let (k, s, p) = (sql.arg(Arg::S(kind)), sql.arg(Arg::I(subject)), sql.arg(Arg::S(params)));
        let who = recipients(&mut sql, subject);
        parts.push(format!("SELECT x.user_id AS user_id, {k} AS kind, {s} AS subject_id, {p} AS params FROM ({who}) x"));
    }
    sql.text = format!(
        "INSERT INTO notifications (user_id, community_id, kind, subject_type, subject_id, params, created_at) \
         SELECT DISTINCT y.user_id, {c}, y.kind, {t}, y.subject_id, y.params, {at} FROM ({}) y",
        parts.join(" UNION ALL ")
    );
    sql.execute(conn).await?;
    Ok(())
}
