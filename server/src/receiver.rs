//! The reference receiver of the records sync (`server receiver`): what a district's records
//! platform has to do to get every official record exactly once in effect, in order.
//!
//! - verifies the Standard Webhooks signature and a ±300 s timestamp window (401 otherwise);
//! - deduplicates by `webhook-id` (a record sent again is answered 200 "duplicate", not stored);
//! - applies each community's records in `seq` order: a record that arrives early is held until
//!   the gap before it fills;
//! - keeps everything in its own SQLite file;
//! - can be told to fail a share of requests before taking them (503), or after taking them
//!   (500: the record is stored but the answer is lost — the sender will send it again), to answer
//!   slowly, to be down (503 to everything) or to refuse every record (422) — from the command line or `POST /control` on
//!   loopback, so that tests, the benchmark and the demo see what faults do.
//!
//! `GET /status` lists each stream's applied-through number and held records; `GET /applied`
//! lists the applied records in the order they were applied (for reconciliation and tests).
use app::records::model::Envelope;
use app::records::sign;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Faults to inject, as shares of requests (0.0–1.0) and a delay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Share of requests answered 503 before anything is stored.
    pub fail_before: f64,
    /// Share of requests answered 500 after the record was stored (the answer is "lost").
    pub fail_after: f64,
    /// Wait this long before answering.
    pub delay_ms: u64,
    /// Answer every request 503.
    pub down: bool,
    /// Refuse every record for good (422): what a platform does with a record it will not take.
    pub refuse: bool,
}

pub struct Receiver {
    pool: SqlitePool,
    keys: Vec<Vec<u8>>,
    faults: Mutex<Faults>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS received (
    webhook_id    TEXT PRIMARY KEY,
    stream        TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    body          TEXT NOT NULL,
    received_at   INTEGER NOT NULL,
    applied_order INTEGER UNIQUE,
    UNIQUE (stream, seq)
);
CREATE TABLE IF NOT EXISTS streams (
    stream          TEXT PRIMARY KEY,
    applied_through INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    n          INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id TEXT,
    status     INTEGER NOT NULL,
    outcome    TEXT NOT NULL,
    at         INTEGER NOT NULL
);";

impl Receiver {
    /// Opens (or creates) the receiver's database at `path`.
    pub async fn open(path: &Path, secrets: &str, faults: Faults) -> Result<Arc<Receiver>, sqlx::Error> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let options = SqliteConnectOptions::new().filename(path).create_if_missing(true).journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        // One connection: requests are taken one at a time, which is what makes "apply in order"
        // simple here (a real platform would lock per stream).
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
        sqlx::raw_sql(SCHEMA).execute(&pool).await?;
        Ok(Arc::new(Receiver { pool, keys: sign::keys(secrets), faults: Mutex::new(faults) }))
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().unwrap() = faults;
    }

    pub fn faults(&self) -> Faults {
        self.faults.lock().unwrap().clone()
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn log(&self, id: Option<&str>, status: StatusCode, outcome: &str) {
        let _ = sqlx::query("INSERT INTO requests (webhook_id, status, outcome, at) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(i64::from(status.as_u16()))
            .bind(outcome)
            .bind(app::infra::db::now_ms())
            .execute(&self.pool)
            .await;
    }

    /// Takes one record: stores it unless seen, then applies whatever is now in order.
    async fn take(&self, id: &str, env: &Envelope, body: &str) -> Result<Taken, sqlx::Error> {
        let stream = env.community.stream_key();
        let mut tx = self.pool.begin().await?;
        let known: Option<(String, i64)> = sqlx::query_as("SELECT stream, seq FROM received WHERE webhook_id = ?").bind(id).fetch_optional(&mut *tx).await?;
        if known.is_some() {
            let through = applied_through(&mut tx, &stream).await?;
            tx.rollback().await?;
            return Ok(Taken::Duplicate(through));
        }
        let taken: Option<String> =
            sqlx::query_scalar("SELECT webhook_id FROM received WHERE stream = ? AND seq = ?").bind(&stream).bind(env.seq).fetch_optional(&mut *tx).await?;
        if taken.is_some() {
            tx.rollback().await?;
            return Ok(Taken::Conflict);
        }
        sqlx::query("INSERT INTO received (webhook_id, stream, seq, kind, body, received_at) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(id)
            .bind(&stream)
            .bind(env.seq)
            .bind(&env.kind)
            .bind(body)
            .bind(app::infra::db::now_ms())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO streams (stream, applied_through) VALUES (?, 0) ON CONFLICT (stream) DO NOTHING").bind(&stream).execute(&mut *tx).await?;
        let mut through = applied_through(&mut tx, &stream).await?;
        loop {
            let next = sqlx::query("UPDATE received SET applied_order = (SELECT COALESCE(MAX(applied_order), 0) + 1 FROM received) WHERE stream = ? AND seq = ? AND applied_order IS NULL")
                .bind(&stream)
                .bind(through + 1)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if next == 0 {
                break;
            }
            through += 1;
        }
        sqlx::query("UPDATE streams SET applied_through = ? WHERE stream = ?").bind(through).bind(&stream).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(if through >= env.seq { Taken::Applied(through) } else { Taken::Held(through) })
    }
}

async fn applied_through(conn: &mut sqlx::SqliteConnection, stream: &str) -> Result<i64, sqlx::Error> {
    Ok(sqlx::query_scalar("SELECT applied_through FROM streams WHERE stream = ?").bind(stream).fetch_optional(conn).await?.unwrap_or(0))
}

enum Taken {
    Applied(i64),
    Held(i64),
    Duplicate(i64),
    Conflict,
}

#[derive(Serialize)]
struct Answer {
    status: &'static str,
    applied_through: i64,
}

async fn records(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> Response {
    let faults = r.faults();
    let id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    if faults.down {
        r.log(id.as_deref(), StatusCode::SERVICE_UNAVAILABLE, "down").await;
        return (StatusCode::SERVICE_UNAVAILABLE, "down").into_response();
    }
    if faults.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.delay_ms)).await;
    }
    if faults.refuse {
        r.log(id.as_deref(), StatusCode::UNPROCESSABLE_ENTITY, "refused").await;
        return (StatusCode::UNPROCESSABLE_ENTITY, "refused (injected)").into_response();
    }
    if rand::random::<f64>() < faults.fail_before {
        r.log(id.as_deref(), StatusCode::SERVICE_UNAVAILABLE, "failed before").await;
        return (StatusCode::SERVICE_UNAVAILABLE, "injected failure").into_response();
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let Some(id) = id else {
        return (StatusCode::BAD_REQUEST, "webhook-id missing").into_response();
    };
    let now = app::infra::db::now_ms() / 1000;
    if let Err(e) = sign::verify(&r.keys, &id, &header("webhook-timestamp"), &header("webhook-signature"), &body, now) {
        r.log(Some(&id), StatusCode::UNAUTHORIZED, "bad signature").await;
        return (StatusCode::UNAUTHORIZED, e.to_string()).into_response();
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return (StatusCode::BAD_REQUEST, "body is not UTF-8").into_response();
    };
    let env: Envelope = match serde_json::from_str(text) {
        Ok(e) => e,
        Err(e) => {
            r.log(Some(&id), StatusCode::BAD_REQUEST, "bad envelope").await;
            return (StatusCode::BAD_REQUEST, format!("not a record envelope: {e}")).into_response();
        }
    };
    if env.id != id || env.seq < 1 {
        r.log(Some(&id), StatusCode::BAD_REQUEST, "bad envelope").await;
        return (StatusCode::BAD_REQUEST, "the envelope's id must be the webhook-id, and seq ≥ 1").into_response();
    }
    let (status, answer) = match r.take(&id, &env, text).await {
        Ok(Taken::Applied(t)) => (StatusCode::OK, Answer { status: "applied", applied_through: t }),
        Ok(Taken::Held(t)) => (StatusCode::OK, Answer { status: "held", applied_through: t }),
        Ok(Taken::Duplicate(t)) => (StatusCode::OK, Answer { status: "duplicate", applied_through: t }),
        Ok(Taken::Conflict) => {
            r.log(Some(&id), StatusCode::CONFLICT, "conflict").await;
            return (StatusCode::CONFLICT, "another record already has this community and seq").into_response();
        }
        Err(e) => {
            tracing::warn!(error = %e, "receiver could not store a record");
            r.log(Some(&id), StatusCode::INTERNAL_SERVER_ERROR, "store failed").await;
            return (StatusCode::SERVICE_UNAVAILABLE, "could not store").into_response();
        }
    };
    if rand::random::<f64>() < faults.fail_after {
        r.log(Some(&id), StatusCode::INTERNAL_SERVER_ERROR, &format!("{} then failed", answer.status)).await;
        return (StatusCode::INTERNAL_SERVER_ERROR, "injected failure after storing").into_response();
    }
    r.log(Some(&id), status, answer.status).await;
    (status, Json(answer)).into_response()
}

/// One stream's state at the receiver.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StreamStatus {
    pub stream: String,
    pub applied_through: i64,
    /// Records received but waiting for an earlier one.
    pub held: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Status {
    pub streams: Vec<StreamStatus>,
    pub received: i64,
    pub requests: i64,
    pub duplicates: i64,
}

impl Receiver {
    pub async fn status(&self) -> Result<Status, sqlx::Error> {
        let rows: Vec<(String, i64)> = sqlx::query_as("SELECT stream, applied_through FROM streams ORDER BY stream").fetch_all(&self.pool).await?;
        let mut streams = Vec::new();
        for (stream, applied_through) in rows {
            let held = sqlx::query_scalar("SELECT seq FROM received WHERE stream = ? AND applied_order IS NULL ORDER BY seq")
                .bind(&stream)
                .fetch_all(&self.pool)
                .await?;
            streams.push(StreamStatus { stream, applied_through, held });
        }
        let received = sqlx::query_scalar("SELECT COUNT(*) FROM received").fetch_one(&self.pool).await?;
        let requests = sqlx::query_scalar("SELECT COUNT(*) FROM requests").fetch_one(&self.pool).await?;
        let duplicates = sqlx::query_scalar("SELECT COUNT(*) FROM requests WHERE outcome = 'duplicate'").fetch_one(&self.pool).await?;
        Ok(Status { streams, received, requests, duplicates })
    }

    /// The applied records in the order they were applied: (stream, seq, webhook id, kind, body).
    pub async fn applied(&self, stream: Option<&str>) -> Result<Vec<AppliedRecord>, sqlx::Error> {
        sqlx::query_as(
            "SELECT stream, seq, webhook_id, kind, body FROM received WHERE applied_order IS NOT NULL AND (? IS NULL OR stream = ?) ORDER BY applied_order",
        )
        .bind(stream)
        .bind(stream)
        .fetch_all(&self.pool)
        .await
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
pub struct AppliedRecord {
    pub stream: String,
    pub seq: i64,
    pub webhook_id: String,
    pub kind: String,
    pub body: String,
}

async fn status(State(r): State<Arc<Receiver>>) -> Response {
    match r.status().await {
        Ok(s) => Json(s).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[derive(Deserialize)]
struct StreamQuery {
    stream: Option<String>,
}

async fn applied(State(r): State<Arc<Receiver>>, Query(q): Query<StreamQuery>) -> Response {
    match r.applied(q.stream.as_deref()).await {
        Ok(s) => Json(s).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn control(State(r): State<Arc<Receiver>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, Json(f): Json<Faults>) -> Response {
    if !peer.ip().is_loopback() {
        return (StatusCode::FORBIDDEN, "control from loopback only").into_response();
    }
    r.set_faults(f.clone());
    Json(f).into_response()
}

pub fn router(r: Arc<Receiver>) -> Router {
    Router::new().route("/records", post(records)).route("/status", get(status)).route("/applied", get(applied)).route("/control", post(control)).with_state(r)
}

/// Serves `r` on `listener` until `stop` completes.
pub async fn serve(listener: tokio::net::TcpListener, r: Arc<Receiver>, stop: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    axum::serve(listener, router(r).into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(stop).await
}
