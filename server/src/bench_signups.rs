//! The sign-up benchmark (`server bench-signups [RESIDENTS]`): 64 concurrent residents signing up
//! for one activity of 50 places, every resident once, through `/api/activities/sign_up` (the same
//! capacity and waitlist engine as service bookings), with sign-ups/s and latency next to a bare
//! insert loop on the same database in the same run. It checks at the end that exactly 50 places
//! were taken and everyone else waits.
use crate::bench_load;
use crate::config::Config;
use crate::db::{Db, now_ms};
use std::sync::Arc;
use std::time::{Duration, Instant};

type AnyError = Box<dyn std::error::Error + Send + Sync>;

pub const CONCURRENCY: usize = 64;
pub const PLACES: i64 = 50;

#[derive(Debug)]
pub struct Report {
    pub backend: String,
    pub residents: usize,
    pub signups: usize,
    pub errors: usize,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub held: usize,
    pub inserts: usize,
    pub insert_seconds: f64,
}

pub async fn run(config: Config, n: usize) -> Result<Report, AnyError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    crate::seed::seed_demo(&db).await?;
    let community: i64 = sqlx::query_scalar("SELECT id FROM communities WHERE code = 'cuiyuan'").fetch_one(db.pool()).await?;
    let worker: i64 = sqlx::query_scalar("SELECT id FROM users WHERE phone = '13800000020'").fetch_one(db.pool()).await?;
    let (users, activity) = {
        let mut tx = db.begin_write().await?;
        let (_, users) = crate::bench_data::residents_of_new_building(&mut tx, community, "报名压测楼", "1590000", n, None).await?;
        let now = now_ms();
        let pool = app::kernel::capacity::create_pool(&mut tx, PLACES, now).await.map_err(|e| e.to_string())?;
        let activity: i64 = sqlx::query_scalar(
            "INSERT INTO activities (community_id, organiser_id, category, title, description, place, starts_at, ends_at, signup_opens_at, signup_closes_at, \
             pool_id, status, created_at, updated_at) VALUES ($1, $2, 'culture', '压测：新年联欢', '报名压测', '活动室', $3, $4, $5, $3, $6, 'published', $5, $5) RETURNING id",
        )
        .bind(community)
        .bind(worker)
        .bind(now + 86_400_000)
        .bind(now + 90_000_000)
        .bind(now - 60_000)
        .bind(pool)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        (users, activity)
    };
    let mut members = Vec::with_capacity(n);
    for &u in &users {
        let m: i64 = sqlx::query_scalar("SELECT member_id FROM memberships WHERE user_id = $1 AND role = 'resident'").bind(u).fetch_one(db.pool()).await?;
        members.push(m);
    }
    let (inserts, insert_seconds) = bench_load::bare_inserts(&db, 10.0).await?;
    let (server, cookies) = bench_load::serve_in_process(config, &db, &users).await?;
    let url = format!("http://{}/api/activities/sign_up", server.addr);
    let (cookies, members) = (Arc::new(cookies), Arc::new(members));
    let next = {
        let (cookies, members) = (cookies.clone(), members.clone());
        Arc::new(move |k: usize, j: usize| {
            let i = k + CONCURRENCY * j;
            (i < cookies.len()).then(|| (cookies[i].clone(), format!("activity_id={activity}&members={}", members[i])))
        })
    };
    let held = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).ok().map(|v| v["state"] == serde_json::json!("SignedUp")).unwrap_or(false);
    let load = bench_load::drive(CONCURRENCY, url, Instant::now() + Duration::from_secs(600), next, Arc::new(move |_, _, b: &[u8]| Some(held(b)))).await?;
    server.stop().await;
    let taken: i64 = sqlx::query_scalar("SELECT p.taken FROM capacity_pools p JOIN activities a ON a.pool_id = p.id WHERE a.id = $1")
        .bind(activity)
        .fetch_one(db.pool())
        .await?;
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM activity_signups s JOIN capacity_claims c ON c.id = s.claim_id WHERE s.activity_id = $1 AND c.state = 'waiting'",
    )
    .bind(activity)
    .fetch_one(db.pool())
    .await?;
    let report = Report {
        backend: format!("{:?}", db.backend()),
        residents: n,
        signups: load.latencies_us.len(),
        errors: load.errors,
        seconds: load.seconds,
        p50_ms: load.percentile_ms(0.50),
        p99_ms: load.percentile_ms(0.99),
        held: load.collected.iter().filter(|h| **h).count(),
        inserts,
        insert_seconds,
    };
    db.close().await;
    if taken != PLACES || report.held as i64 != PLACES || waiting != (n as i64 - PLACES).max(0) || report.errors != 0 {
        return Err(format!("after the rush: {taken} places taken, {} told signed up, {waiting} waiting, {} errors", report.held, report.errors).into());
    }
    Ok(report)
}
