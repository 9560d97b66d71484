//! The outbox side of the records sync: streams (a community's official events) claimed under a
//! lease, the next record of a stream, marking an attempt's outcome, redelivery, counts.
//!
//! One server instance at a time delivers a stream: it takes the stream's lease (PostgreSQL: the
//! stream rows are selected `FOR UPDATE SKIP LOCKED`, so two instances claiming at once take
//! different streams; SQLite: the claim runs in the one write transaction of the moment) and
//! renews it after each record. An instance that dies holds its streams until the lease runs out;
//! then another takes them over. The worst case is a record sent twice (the dying instance had
//! sent it but not marked it): the receiver deduplicates by `webhook-id`.
use super::model::{self, Community, Envelope, SCHEMA_VERSION};
use crate::infra::db::{Backend, Db};
use crate::infra::events::{self, NewEvent, sync_state};

/// A record ready to go, with what marking its outcome needs.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub event_id: i64,
    pub attempts: i64,
    pub envelope: Envelope,
}

type EventRow = (i64, String, i64, i64, String, Option<i64>, i64, Option<i64>, Option<String>, Option<String>, Option<String>, Option<String>);

const SELECT_RECORD: &str = "SELECT e.id, e.kind, e.seq, e.created_at, e.payload, e.subject_id, e.sync_attempts, e.sync_next_at, \
     c.code, c.name_zh, d.code, d.name_zh \
     FROM events e LEFT JOIN communities c ON c.id = e.community_id LEFT JOIN districts d ON d.id = c.district_id ";

fn envelope(row: &EventRow) -> Envelope {
    let (id, kind, seq, created_at, payload, subject_id, _, _, code, name, district, district_name) = row;
    let payload: serde_json::Value = serde_json::from_str(payload).unwrap_or(serde_json::Value::Null);
    let district = district.clone().unwrap_or_default();
    let community = match (code, name) {
        (Some(code), Some(name)) => Community { district: district.clone(), code: code.clone(), name: name.clone() },
        // District-wide records: the district stands in for the community.
        _ => Community { district: district.clone(), code: district.clone(), name: district_name.clone().unwrap_or_default() },
    };
    Envelope {
        id: format!("evt_{district}_{id}"),
        kind: kind.clone(),
        schema_version: SCHEMA_VERSION,
        community,
        seq: *seq,
        occurred_at: crate::time::rfc3339(*created_at),
        data: model::record_data(kind, *subject_id, &payload).unwrap_or(payload),
    }
}

/// Takes the lease of up to `limit` streams whose first pending record is due at `now` and that
/// no live lease of another instance holds (an instance restarted under its name takes its own
/// streams back at once); returns their numbers.
pub async fn claim_streams(db: &Db, owner: &str, now: i64, lease_ms: i64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    let lock = if db.backend() == Backend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "SELECT s.stream FROM record_streams s \
         WHERE (s.lease_until IS NULL OR s.lease_until < $1 OR s.lease_owner = $3) \
         AND EXISTS (SELECT 1 FROM events e WHERE COALESCE(e.community_id, 0) = s.stream AND e.sync_state = 'pending' \
             AND COALESCE(e.sync_next_at, 0) <= $1 \
             AND NOT EXISTS (SELECT 1 FROM events p WHERE COALESCE(p.community_id, 0) = s.stream AND p.sync_state = 'pending' AND p.seq < e.seq)) \
         ORDER BY s.stream LIMIT $2{lock}"
    );
    let mut tx = db.begin_write().await?;
    let streams: Vec<i64> = sqlx::query_scalar(&sql).bind(now).bind(limit).bind(owner).fetch_all(&mut *tx).await?;
    for s in &streams {
        sqlx::query("UPDATE record_streams SET lease_owner = $1, lease_until = $2 WHERE stream = $3")
            .bind(owner)
            .bind(now + lease_ms)
            .bind(s)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(streams)
}

/// Extends `owner`'s lease on `stream` to `until`; false when the lease is no longer theirs.
pub async fn renew(db: &Db, stream: i64, owner: &str, until: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let n = sqlx::query("UPDATE record_streams SET lease_until = $1 WHERE stream = $2 AND lease_owner = $3")
        .bind(until)
        .bind(stream)
        .bind(owner)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(n == 1)
}

/// Gives `owner`'s lease on `stream` back (the next pass, of any instance, may take it).
pub async fn release(db: &Db, stream: i64, owner: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE record_streams SET lease_owner = NULL, lease_until = NULL WHERE stream = $1 AND lease_owner = $2")
        .bind(stream)
        .bind(owner)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The first pending record of `stream` in `seq` order, if it is due at `now` (a later record
/// never overtakes it).
pub async fn next_due(db: &Db, stream: i64, now: i64) -> Result<Option<Outgoing>, sqlx::Error> {
    let sql = format!("{SELECT_RECORD} WHERE COALESCE(e.community_id, 0) = $1 AND e.sync_state = 'pending' ORDER BY e.seq LIMIT 1");
    let row: Option<EventRow> = sqlx::query_as(&sql).bind(stream).fetch_optional(db.pool()).await?;
    Ok(row.filter(|r| r.7.unwrap_or(0) <= now).map(|r| Outgoing { event_id: r.0, attempts: r.6, envelope: envelope(&r) }))
}

/// The receiver took the record: delivered at `now`, with its answer.
pub async fn mark_delivered(db: &Db, event_id: i64, answer: &str, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE events SET sync_state = 'delivered', delivered_at = $1, delivered_response = $2, sync_attempts = sync_attempts + 1, \
         sync_next_at = NULL WHERE id = $3 AND sync_state = 'pending'",
    )
    .bind(now)
    .bind(answer)
    .bind(event_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// An attempt failed with `error`: try again at `next_at`, or (`None`) give up: a dead letter
/// that keeps the last error until a worker redelivers it.
pub async fn mark_failed(db: &Db, event_id: i64, error: &str, next_at: Option<i64>) -> Result<(), sqlx::Error> {
    let state = if next_at.is_some() { sync_state::PENDING } else { sync_state::DEAD };
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE events SET sync_state = $1, sync_attempts = sync_attempts + 1, sync_next_at = $2, sync_last_error = $3 \
         WHERE id = $4 AND sync_state = 'pending'",
    )
    .bind(state)
    .bind(next_at)
    .bind(error)
    .bind(event_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// A worker's (or district admin's) redelivery of a dead letter of `community`: pending again,
/// due at once, with its attempts counted afresh, and the press audited. False when the event
/// is not a dead letter of that community (already redelivered by an earlier press, delivered,
/// another community's): nothing changes then.
pub async fn redeliver(db: &Db, event_id: i64, community: i64, by: i64, on_behalf_of: Option<i64>) -> Result<bool, events::EventError> {
    let mut tx = db.begin_write().await?;
    let n = sqlx::query(
        "UPDATE events SET sync_state = 'pending', sync_attempts = 0, sync_next_at = NULL \
         WHERE id = $1 AND community_id = $2 AND sync_state = 'dead'",
    )
    .bind(event_id)
    .bind(community)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 1 {
        events::append(
            &mut tx,
            &NewEvent {
                community_id: Some(community),
                kind: "record.redelivered",
                subject_type: "event",
                subject_id: Some(event_id),
                actor_user_id: Some(by),
                on_behalf_of_user_id: on_behalf_of,
                official: false,
                payload: serde_json::json!({}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

pub use super::types::Counts;

/// Where a community's records stand (`None`: every community).
pub async fn counts(db: &Db, community: Option<i64>) -> Result<Counts, sqlx::Error> {
    let (pending, delivered, dead, oldest): (i64, i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN sync_state = 'pending' THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN sync_state = 'delivered' THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN sync_state = 'dead' THEN 1 ELSE 0 END), 0) AS BIGINT), \
         MIN(CASE WHEN sync_state = 'pending' THEN created_at END) \
         FROM events WHERE official = 1 AND ($1 = 0 OR community_id = $1)",
    )
    .bind(community.unwrap_or(0))
    .fetch_one(db.pool())
    .await?;
    Ok(Counts { pending, delivered, dead, oldest_pending_at: oldest })
}

/// A community's records with `seq` after `after`, in order, at most `limit` (pull API, audits).
pub async fn records_after(db: &Db, community: i64, after: i64, limit: i64) -> Result<Vec<Envelope>, sqlx::Error> {
    let sql = format!("{SELECT_RECORD} WHERE e.community_id = $1 AND e.official = 1 AND e.seq > $2 ORDER BY e.seq LIMIT $3");
    let rows: Vec<EventRow> = sqlx::query_as(&sql).bind(community).bind(after).bind(limit).fetch_all(db.pool()).await?;
    Ok(rows.iter().map(envelope).collect())
}

/// A community's records made in `[from, to)`, in order (open data; at most 5,000).
pub async fn records_between(db: &Db, community: i64, from: i64, to: i64) -> Result<Vec<Envelope>, sqlx::Error> {
    let sql = format!("{SELECT_RECORD} WHERE e.community_id = $1 AND e.official = 1 AND e.created_at >= $2 AND e.created_at < $3 ORDER BY e.seq LIMIT 5000");
    let rows: Vec<EventRow> = sqlx::query_as(&sql).bind(community).bind(from).bind(to).fetch_all(db.pool()).await?;
    Ok(rows.iter().map(envelope).collect())
}
