//! The event table: the audit log of every action and the outbox of the records sync.
//!
//! A feature appends its event with [`append`] inside the same transaction as the change it
//! records, so that a change without its event (or an event without its change) cannot exist.
//! Official events (a need answered, a result published, …) are queued for delivery to the
//! government's records platform; the others stay in the audit log only.
use serde::Serialize;
use sqlx::AnyConnection;

/// Where an event stands in the records-sync outbox.
pub mod sync_state {
    /// Audit only: not an official record.
    pub const NONE: &str = "none";
    /// Official, waiting for delivery.
    pub const PENDING: &str = "pending";
    pub const DELIVERED: &str = "delivered";
    /// Gave up after the retry limit; a worker can redeliver.
    pub const DEAD: &str = "dead";
}

/// An event about to be recorded.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// The community the event belongs to (`None` for district-wide events).
    pub community_id: Option<i64>,
    /// What happened, dotted: `need.answered`, `deliberation.result_published`, …
    pub kind: &'a str,
    /// What it happened to: a table name and row id.
    pub subject_type: &'a str,
    pub subject_id: Option<i64>,
    /// Who did it (`None` for the system, e.g. the scheduler closing a vote).
    pub actor_user_id: Option<i64>,
    /// 代办 (staff-assisted): the resident a worker acted for; then `actor_user_id` is the worker.
    pub on_behalf_of_user_id: Option<i64>,
    /// Whether this is an official result to push to the records platform.
    pub official: bool,
    /// The facts of the event, as JSON.
    pub payload: serde_json::Value,
}

/// Ways appending can fail.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("event kind must be 1..=64 characters of [a-z0-9._]")]
    BadKind,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn valid_kind(kind: &str) -> bool {
    (1..=64).contains(&kind.len()) && kind.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_')
}

/// Appends `event` inside the caller's transaction (pass `&mut *tx`) and returns its id.
pub async fn append(conn: &mut AnyConnection, event: &NewEvent<'_>) -> Result<i64, EventError> {
    if !valid_kind(event.kind) {
        return Err(EventError::BadKind);
    }
    let state = if event.official { sync_state::PENDING } else { sync_state::NONE };
    let seq = if event.official { Some(next_seq(&mut *conn, event.community_id.unwrap_or(0)).await?) } else { None };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO events (community_id, kind, subject_type, subject_id, actor_user_id, \
         on_behalf_of_user_id, official, payload, created_at, sync_state, seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(event.community_id)
    .bind(event.kind)
    .bind(event.subject_type)
    .bind(event.subject_id)
    .bind(event.actor_user_id)
    .bind(event.on_behalf_of_user_id)
    .bind(i64::from(event.official))
    .bind(event.payload.to_string())
    .bind(crate::infra::db::now_ms())
    .bind(state)
    .bind(seq)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Appends several events inside the caller's transaction, in this order: those that are not
/// official in one statement (an official one takes its number from its stream, one by one).
pub async fn append_all(conn: &mut AnyConnection, events: &[NewEvent<'_>]) -> Result<(), EventError> {
    if events.iter().any(|e| !valid_kind(e.kind)) {
        return Err(EventError::BadKind);
    }
    if events.iter().any(|e| e.official) {
        for e in events {
            append(&mut *conn, e).await?;
        }
        return Ok(());
    }
    if events.is_empty() {
        return Ok(());
    }
    const COLUMNS: usize = 10;
    let rows: Vec<String> =
        (0..events.len()).map(|i| format!("({})", (1..=COLUMNS).map(|c| format!("${}", i * COLUMNS + c)).collect::<Vec<_>>().join(", "))).collect();
    let text = format!(
        "INSERT INTO events (community_id, kind, subject_type, subject_id, actor_user_id, \
         on_behalf_of_user_id, official, payload, created_at, sync_state) VALUES {}",
        rows.join(", ")
    );
    let now = crate::infra::db::now_ms();
    let mut q = sqlx::query(&text);
    for e in events {
        q = q
            .bind(e.community_id)
            .bind(e.kind)
            .bind(e.subject_type)
            .bind(e.subject_id)
            .bind(e.actor_user_id)
            .bind(e.on_behalf_of_user_id)
            .bind(0_i64)
            .bind(e.payload.to_string())
            .bind(now)
            .bind(sync_state::NONE);
    }
    q.execute(conn).await?;
    Ok(())
}

/// The next number of a community's official records (`stream` = community id, 0 for the
/// district), taken in the caller's transaction: the upsert locks the stream's row until that
/// transaction ends, so numbers follow commit order, and a rolled-back transaction gives its
/// number back (no gaps). The receiver relies on both to apply records in order.
async fn next_seq(conn: &mut AnyConnection, stream: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO record_streams (stream, last_seq) VALUES ($1, 1) \
         ON CONFLICT (stream) DO UPDATE SET last_seq = record_streams.last_seq + 1 RETURNING last_seq",
    )
    .bind(stream)
    .fetch_one(conn)
    .await
}

/// A recorded event, as read back (audit views, the records relay, tests).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RecordEvent {
    pub id: i64,
    pub community_id: Option<i64>,
    pub kind: String,
    pub subject_type: String,
    pub subject_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub on_behalf_of_user_id: Option<i64>,
    pub official: i64,
    pub payload: String,
    pub created_at: i64,
    pub sync_state: String,
    pub seq: Option<i64>,
}

/// The events of a subject, oldest first.
pub async fn for_subject(conn: &mut AnyConnection, subject_type: &str, subject_id: i64) -> Result<Vec<RecordEvent>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, community_id, kind, subject_type, subject_id, actor_user_id, \
         on_behalf_of_user_id, official, payload, created_at, sync_state, seq \
         FROM events WHERE subject_type = $1 AND subject_id = $2 ORDER BY id",
    )
    .bind(subject_type)
    .bind(subject_id)
    .fetch_all(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::valid_kind;

    #[test]
    fn event_kinds_are_short_lowercase_dotted_names() {
        assert!(valid_kind("need.answered"));
        assert!(valid_kind("deliberation.result_published"));
        assert!(!valid_kind(""));
        assert!(!valid_kind("Need.Answered"));
        assert!(!valid_kind("need answered"));
        assert!(!valid_kind(&"a".repeat(65)));
    }
}
