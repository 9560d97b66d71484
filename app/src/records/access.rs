//! Who may see and act on records, and the queries of the records screen, the pull API and the
//! open data. A worker sees their community; a district admin every community of their district
//! (and that district's pull-API keys); an id of another community's record answers "not found".
use super::error::{KeyName, RecordsError};
use super::model::{self, Envelope, KEY_NAME};
use super::store;
use super::types::*;
use crate::infra::db::{Db, now_ms};
use crate::infra::events::{self, NewEvent};
use crate::kernel::error::CommonError;
use crate::kernel::guard::{Principal, Role, is_worker, worker_community};
use sqlx::AnyConnection;

fn admin_district(p: &Principal) -> Option<i64> {
    p.memberships.iter().find(|m| m.role == Role::DistrictAdmin).and_then(|m| m.district_id)
}

/// The communities `p` may see: the requested one where they work; without one, a district
/// admin's whole district, else the worker's community.
async fn scope(conn: &mut AnyConnection, p: &Principal, community_id: Option<i64>) -> Result<Vec<i64>, RecordsError> {
    if let Some(c) = community_id {
        return if is_worker(conn, p, c).await? { Ok(vec![c]) } else { Err(CommonError::NotFound.into()) };
    }
    if let Some(d) = admin_district(p) {
        return Ok(sqlx::query_scalar("SELECT id FROM communities WHERE district_id = $1 ORDER BY id").bind(d).fetch_all(conn).await?);
    }
    Ok(vec![worker_community(conn, p, None).await?])
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

pub async fn overview(db: &Db, p: &Principal, community_id: Option<i64>, can_reconcile: bool) -> Result<Overview, RecordsError> {
    let mut conn = db.pool().acquire().await?;
    let ids = scope(&mut conn, p, community_id).await?;
    let mut communities = Vec::new();
    let mut totals = Counts::default();
    for c in &ids {
        let (name, code, district_code): (String, String, String) =
            sqlx::query_as("SELECT c.name_zh, c.code, d.code FROM communities c JOIN districts d ON d.id = c.district_id WHERE c.id = $1")
                .bind(c)
                .fetch_one(&mut *conn)
                .await?;
        let counts = store::counts(db, Some(*c)).await?;
        totals.pending += counts.pending;
        totals.delivered += counts.delivered;
        totals.dead += counts.dead;
        totals.oldest_pending_at = match (totals.oldest_pending_at, counts.oldest_pending_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        communities.push(CommunityCounts { community_id: *c, name, district_code, code, counts });
    }
    let dead = if ids.is_empty() {
        Vec::new()
    } else {
        let sql = format!(
            "SELECT e.id, c.name_zh, e.kind, e.seq, e.sync_attempts, e.sync_last_error, e.created_at \
             FROM events e JOIN communities c ON c.id = e.community_id \
             WHERE e.sync_state = 'dead' AND e.community_id IN ({}) ORDER BY e.community_id, e.seq LIMIT 200",
            placeholders(1, ids.len())
        );
        let mut q = sqlx::query_as::<_, (i64, String, String, i64, i64, Option<String>, i64)>(&sql);
        for c in &ids {
            q = q.bind(c);
        }
        q.fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|(event_id, community, kind, seq, attempts, last_error, created_at)| DeadLetter {
                event_id,
                community,
                kind,
                seq,
                attempts,
                last_error,
                created_at,
            })
            .collect()
    };
    let keys = match (community_id, admin_district(p)) {
        (None, Some(d)) => Some(keys_of(&mut conn, d).await?),
        _ => None,
    };
    Ok(Overview { now: now_ms(), totals, communities, dead, keys, can_reconcile })
}

async fn keys_of(conn: &mut AnyConnection, district: i64) -> Result<Vec<ApiKey>, sqlx::Error> {
    let rows: Vec<(i64, String, String, i64, Option<i64>)> =
        sqlx::query_as("SELECT id, name, prefix, created_at, revoked_at FROM records_api_keys WHERE district_id = $1 ORDER BY id DESC")
            .bind(district)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|(id, name, prefix, created_at, revoked_at)| ApiKey { id, name, prefix, created_at, revoked_at }).collect())
}

/// A worker's (or district admin's) redelivery of a dead letter of their community.
pub async fn redeliver(db: &Db, p: &Principal, event_id: i64) -> Result<(), RecordsError> {
    let community: Option<Option<i64>> =
        sqlx::query_scalar("SELECT community_id FROM events WHERE id = $1 AND official = 1").bind(event_id).fetch_optional(db.pool()).await?;
    let Some(Some(c)) = community else { return Err(CommonError::NotFound.into()) };
    let mut conn = db.pool().acquire().await?;
    if !is_worker(&mut conn, p, c).await? {
        return Err(CommonError::NotFound.into());
    }
    drop(conn);
    if store::redeliver(db, event_id, c, p.user_id, None).await? { Ok(()) } else { Err(RecordsError::NotDead) }
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::infra::hex(&Sha256::digest(text.as_bytes()))
}

/// A new pull-API key of the admin's district; the key itself is returned this once.
pub async fn create_key(db: &Db, p: &Principal, name: &str) -> Result<NewKey, RecordsError> {
    use base64::Engine;
    let district = admin_district(p).ok_or(CommonError::Forbidden)?;
    let name = crate::kernel::text::checked(name, KeyName, KEY_NAME)?;
    let secret = format!("lr_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()));
    let prefix: String = secret.chars().take(10).collect();
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO records_api_keys (district_id, name, key_hash, prefix, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(district)
    .bind(&name)
    .bind(sha256_hex(&secret))
    .bind(&prefix)
    .bind(p.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit(&mut tx, "records.key_created", id, p.user_id, &name).await?;
    tx.commit().await?;
    Ok(NewKey { key: ApiKey { id, name, prefix, created_at: now, revoked_at: None }, secret })
}

async fn audit(conn: &mut AnyConnection, kind: &str, key: i64, by: i64, name: &str) -> Result<(), events::EventError> {
    events::append(
        conn,
        &NewEvent {
            community_id: None,
            kind,
            subject_type: "records_api_key",
            subject_id: Some(key),
            actor_user_id: Some(by),
            on_behalf_of_user_id: None,
            official: false,
            payload: serde_json::json!({ "name": name }),
        },
    )
    .await
    .map(|_| ())
}

/// Revokes a key of the admin's district (another district's key: not found).
pub async fn revoke_key(db: &Db, p: &Principal, key: i64) -> Result<(), RecordsError> {
    let district = admin_district(p).ok_or(CommonError::Forbidden)?;
    let mut tx = db.begin_write().await?;
    let row: Option<(String, Option<i64>)> = sqlx::query_as("SELECT name, revoked_at FROM records_api_keys WHERE id = $1 AND district_id = $2")
        .bind(key)
        .bind(district)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((name, revoked)) = row else { return Err(CommonError::NotFound.into()) };
    if revoked.is_some() {
        return Err(RecordsError::AlreadyRevoked);
    }
    sqlx::query("UPDATE records_api_keys SET revoked_at = $1 WHERE id = $2").bind(now_ms()).bind(key).execute(&mut *tx).await?;
    audit(&mut tx, "records.key_revoked", key, p.user_id, &name).await?;
    tx.commit().await?;
    Ok(())
}

/// The district of a live key (from its `Authorization: Bearer` value).
pub async fn key_district(db: &Db, secret: &str) -> Result<Option<i64>, sqlx::Error> {
    if !secret.starts_with("lr_") || secret.len() > 100 {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT district_id FROM records_api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
        .bind(sha256_hex(secret))
        .fetch_optional(db.pool())
        .await
}

/// A community of `district` by its code.
async fn community_in(db: &Db, district: i64, code: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM communities WHERE district_id = $1 AND code = $2").bind(district).bind(code).fetch_optional(db.pool()).await
}

/// The pull API: records of `code` (a community of the key's district) after `after`, at most
/// `limit` (≤ `PAGE_MAX`). `None`: no such community in that district.
pub async fn pull(db: &Db, district: i64, code: &str, after: i64, limit: i64) -> Result<Option<Vec<Envelope>>, sqlx::Error> {
    let Some(c) = community_in(db, district, code).await? else { return Ok(None) };
    Ok(Some(store::records_after(db, c, after.max(0), limit.clamp(1, model::PAGE_MAX)).await?))
}

/// Open data: a community's official results made in `[from, to)`, by district and community code.
pub async fn open_results(db: &Db, district_code: &str, code: &str, from: i64, to: i64) -> Result<Option<Vec<Envelope>>, sqlx::Error> {
    let district: Option<i64> = sqlx::query_scalar("SELECT id FROM districts WHERE code = $1").bind(district_code).fetch_optional(db.pool()).await?;
    let Some(d) = district else { return Ok(None) };
    let Some(c) = community_in(db, d, code).await? else { return Ok(None) };
    Ok(Some(store::records_between(db, c, from, to).await?))
}

/// The receiver's records of one community against the outbox (`applied_url`: the receiver's
/// list of applied records, `?stream=district/code`).
pub async fn reconcile(db: &Db, p: &Principal, community_id: Option<i64>, applied_url: Option<&str>) -> Result<Reconciliation, RecordsError> {
    let mut conn = db.pool().acquire().await?;
    let c = match community_id {
        Some(c) => scope(&mut conn, p, Some(c)).await?[0],
        None => worker_community(&mut conn, p, None).await?,
    };
    let (name, code, district): (String, String, String) =
        sqlx::query_as("SELECT c.name_zh, c.code, d.code FROM communities c JOIN districts d ON d.id = c.district_id WHERE c.id = $1")
            .bind(c)
            .fetch_one(&mut *conn)
            .await?;
    let outbox: Vec<(i64, i64, String)> =
        sqlx::query_as("SELECT seq, id, sync_state FROM events WHERE community_id = $1 AND official = 1 ORDER BY seq").bind(c).fetch_all(&mut *conn).await?;
    drop(conn);
    let outbox: Vec<(i64, String, bool)> = outbox.into_iter().map(|(seq, id, state)| (seq, format!("evt_{district}_{id}"), state == "delivered")).collect();
    let url = applied_url.ok_or_else(|| RecordsError::ReceiverUnreachable("LINLI_RECORDS_URL".into()))?;
    #[derive(serde::Deserialize)]
    struct Applied {
        seq: i64,
        webhook_id: String,
    }
    let unreachable = |e: reqwest::Error| RecordsError::ReceiverUnreachable(e.to_string());
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(15)).build().map_err(unreachable)?;
    let received: Vec<Applied> = client
        .get(url)
        .query(&[("stream", format!("{district}/{code}"))])
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(unreachable)?
        .json()
        .await
        .map_err(unreachable)?;
    let received: Vec<(i64, String)> = received.into_iter().map(|a| (a.seq, a.webhook_id)).collect();
    Ok(model::reconcile(&name, &outbox, &received))
}
