//! The records benchmark (`server bench-records [RECORDS] [OUTAGE_SECS] [PER_SEC]`) on
//! `DATABASE_URL`, against the reference receiver (in this process, its own SQLite file):
//!
//! 1. **Steady state**: RECORDS official records waiting in ten communities, a healthy receiver;
//!    records delivered per second until none waits.
//! 2. **Outage**: the receiver answers 503 for OUTAGE_SECS while PER_SEC new records a second keep
//!    coming; then it is back. Catch-up = the time from its return until nothing waits — with the
//!    retry schedule of the configuration (`LINLI_RECORDS_SCHEDULE`, the Standard Webhooks one by
//!    default: a community's first record waits for its next retry, up to 30 min after a 10-minute
//!    outage).
//!
//! At the end it checks the receiver applied every record once, in order.
use crate::config::Config;
use crate::db::{Db, now_ms};
use crate::receiver::{Faults, Receiver};
use app::infra::events::{self, NewEvent};
use app::records::relay::{Relay, RelayConfig};
use app::records::store;
use std::time::{Duration, Instant};

type AnyError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug)]
pub struct Report {
    pub backend: String,
    pub records: usize,
    pub steady_seconds: f64,
    pub outage_seconds: u64,
    pub during_outage: usize,
    pub catch_up_seconds: f64,
    pub schedule: String,
}

impl Report {
    pub fn per_sec(&self) -> f64 {
        self.records as f64 / self.steady_seconds
    }
}

/// `n` official records (numbered `from`…), spread over `communities`, in one transaction.
pub async fn add_records(db: &Db, communities: &[i64], from: usize, n: usize) -> Result<(), AnyError> {
    let mut tx = db.begin_write().await?;
    for i in from..from + n {
        let e = NewEvent {
            community_id: Some(communities[i % communities.len()]),
            kind: "need.answer",
            subject_type: "need",
            subject_id: Some(i as i64),
            actor_user_id: None,
            on_behalf_of_user_id: None,
            official: true,
            payload: serde_json::json!({ "from": "accepted", "to": "accepted", "text": "已答复：下周处理。", "title": "楼道灯不亮" }),
        };
        events::append(&mut tx, &e).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `n` more communities (codes `{prefix}0`…) in the first district; returns every community's id.
pub async fn add_communities(db: &Db, prefix: &str, n: usize) -> Result<Vec<i64>, AnyError> {
    let district: i64 = sqlx::query_scalar("SELECT id FROM districts ORDER BY id LIMIT 1").fetch_one(db.pool()).await?;
    let mut tx = db.begin_write().await?;
    for i in 0..n {
        sqlx::query("INSERT INTO communities (district_id, code, name_zh, name_en) VALUES ($1, $2, $3, $4)")
            .bind(district)
            .bind(format!("{prefix}{i}"))
            .bind(format!("测试{i}"))
            .bind(format!("Test {i}"))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(sqlx::query_scalar("SELECT id FROM communities ORDER BY id").fetch_all(db.pool()).await?)
}

async fn pending(db: &Db) -> Result<i64, AnyError> {
    Ok(store::counts(db, None).await?.pending)
}

pub async fn run(config: Config, records: usize, outage_secs: u64, per_sec: usize) -> Result<Report, AnyError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    crate::seed::seed_demo(&db).await?;
    let communities = add_communities(&db, "bench", 8).await?;

    let secret = "whsec_YmVuY2htYXJrIHNlY3JldA==";
    let receiver = Receiver::open(&config.data_dir.join(format!("bench-receiver-{}.db", now_ms())), secret, Faults::default()).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/records", listener.local_addr()?);
    tokio::spawn(crate::receiver::serve(listener, receiver.clone(), std::future::pending()));
    let mut rc = RelayConfig::new(url, secret, config.instance.clone());
    rc.schedule_ms = config.records_schedule_ms.clone();
    let relay = Relay::new(rc)?;
    let every = Duration::from_millis(config.records_every_ms);

    for at in (0..records).step_by(500) {
        add_records(&db, &communities, at, 500.min(records - at)).await?;
    }
    let relay_db = db.clone();
    let relay_task = tokio::spawn(async move {
        loop {
            if let Err(e) = relay.pass(&relay_db).await {
                tracing::warn!(error = %e, "relay pass");
            }
            tokio::time::sleep(every).await;
        }
    });
    let started = Instant::now();
    while pending(&db).await? > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let steady_seconds = started.elapsed().as_secs_f64();

    receiver.set_faults(Faults { down: true, ..Faults::default() });
    let outage = Instant::now();
    let mut added = 0;
    while outage.elapsed() < Duration::from_secs(outage_secs) {
        add_records(&db, &communities, records + added, per_sec).await?;
        added += per_sec;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    receiver.set_faults(Faults::default());
    let back = Instant::now();
    while pending(&db).await? > 0 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let catch_up_seconds = back.elapsed().as_secs_f64();
    relay_task.abort();

    let status = receiver.status().await?;
    let total = (records + added) as i64;
    if status.received != total || status.streams.iter().any(|s| !s.held.is_empty()) {
        return Err(format!("the receiver has {} of {total} records ({:?})", status.received, status.streams).into());
    }
    let applied = receiver.applied(None).await?;
    let mut next = std::collections::HashMap::new();
    for a in &applied {
        let n = next.entry(a.stream.clone()).or_insert(1i64);
        if a.seq != *n {
            return Err(format!("{} applied out of order: {} after {}", a.stream, a.seq, *n - 1).into());
        }
        *n += 1;
    }
    let schedule = config.records_schedule_ms.iter().map(|ms| format!("{}s", ms / 1000)).collect::<Vec<_>>().join(",");
    let backend = format!("{:?}", db.backend());
    db.close().await;
    Ok(Report { backend, records, steady_seconds, outage_seconds: outage_secs, during_outage: added, catch_up_seconds, schedule })
}
