//! The booking benchmark (`server bench-bookings [RESIDENTS SECONDS]`): a booking rush — 64
//! concurrent residents booking one session of 50 places, every resident once — then many
//! sessions (28 daily sessions of 50 places, each resident booking one after another for
//! `seconds`), with bookings/s and latency, next to a bare insert loop on the same database in the
//! same run. At the end of the rush it checks that exactly 50 places were taken and everyone else
//! waits; after the many sessions, that no session holds more than its places.
use crate::bench_load;
use crate::config::Config;
use crate::db::{Db, now_ms};
use std::sync::Arc;
use std::time::{Duration, Instant};

type AnyError = Box<dyn std::error::Error + Send + Sync>;

pub const CONCURRENCY: usize = 64;
pub const PLACES: i64 = 50;

/// One phase: requests answered 2xx, failures, wall time, latencies.
#[derive(Debug)]
pub struct Phase {
    pub bookings: usize,
    pub errors: usize,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Bookings that got places (the rest wait).
    pub held: usize,
}

impl Phase {
    pub fn per_sec(&self) -> f64 {
        self.bookings as f64 / self.seconds
    }
}

#[derive(Debug)]
pub struct Report {
    pub backend: String,
    pub residents: usize,
    pub rush: Phase,
    pub many: Phase,
    pub sessions: usize,
    pub inserts: usize,
    pub insert_seconds: f64,
}

impl Report {
    pub fn inserts_per_sec(&self) -> f64 {
        self.inserts as f64 / self.insert_seconds
    }
}

/// A service of the community with one schedule (`repeat`, `days`, from tomorrow), as a worker
/// would make it; returns the schedule.
async fn service(db: &Db, community: i64, worker: i64, title: &str, repeat: &str, days: i64, start_min: i64) -> Result<i64, sqlx::Error> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let service: i64 = sqlx::query_scalar(
        "INSERT INTO services (community_id, category, title, provider, place, min_age, base_price_fen, party_limit, cancel_before_min, active, created_by, created_at, updated_at) \
         VALUES ($1, 'meals', $2, '压测食堂', '一楼', NULL, 1000, 2, 60, 1, $3, $4, $4) RETURNING id",
    )
    .bind(community)
    .bind(title)
    .bind(worker)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let first = app::time::day_of(now) + 1;
    let schedule: i64 = sqlx::query_scalar(
        "INSERT INTO service_schedules (service_id, repeat, days, first_day, start_min, end_min, capacity, opens_days_before, opens_min, closes_min, generated_to, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 60, 0, $5, $8, $9, $10) RETURNING id",
    )
    .bind(service)
    .bind(repeat)
    .bind(days)
    .bind(first)
    .bind(start_min)
    .bind(start_min + 60)
    .bind(PLACES)
    .bind(first - 1)
    .bind(worker)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(schedule)
}

fn held(bytes: &[u8]) -> Option<bool> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    Some(v["state"] == serde_json::json!("Booked"))
}

pub async fn run(config: Config, n: usize, seconds: u64) -> Result<Report, AnyError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    crate::seed::seed_demo(&db).await?;
    let community: i64 = sqlx::query_scalar("SELECT id FROM communities WHERE code = 'cuiyuan'").fetch_one(db.pool()).await?;
    let worker: i64 = sqlx::query_scalar("SELECT id FROM users WHERE phone = '13800000020'").fetch_one(db.pool()).await?;
    let users = {
        let mut tx = db.begin_write().await?;
        let (_, users) = crate::bench_data::residents_of_new_building(&mut tx, community, "预约压测楼", "1580000", n, None).await?;
        tx.commit().await?;
        users
    };
    let rush_schedule = service(&db, community, worker, "压测：午餐抢约", "once", 0, 690).await?;
    let daily_schedule = service(&db, community, worker, "压测：每日日托", "weekly", 127, 840).await?;
    app::services::store::tick(&db, now_ms()).await?;
    let rush: i64 = sqlx::query_scalar("SELECT id FROM service_sessions WHERE schedule_id = $1").bind(rush_schedule).fetch_one(db.pool()).await?;
    let daily: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM service_sessions WHERE schedule_id = $1 ORDER BY starts_at").bind(daily_schedule).fetch_all(db.pool()).await?;
    let mut members = Vec::with_capacity(n);
    for &u in &users {
        let m: i64 = sqlx::query_scalar("SELECT member_id FROM memberships WHERE user_id = $1 AND role = 'resident'").bind(u).fetch_one(db.pool()).await?;
        members.push(m);
    }
    let (inserts, insert_seconds) = bench_load::bare_inserts(&db, seconds as f64).await?;
    let (server, cookies) = bench_load::serve_in_process(config, &db, &users).await?;
    let url = format!("http://{}/api/services/book", server.addr);
    let (cookies, members) = (Arc::new(cookies), Arc::new(members));
    let phase = |load: bench_load::Load<bool>| Phase {
        bookings: load.latencies_us.len(),
        errors: load.errors,
        seconds: load.seconds,
        p50_ms: load.percentile_ms(0.50),
        p99_ms: load.percentile_ms(0.99),
        held: load.collected.iter().filter(|h| **h).count(),
    };

    // The rush: every resident books the one session once, 64 at a time.
    let next = {
        let (cookies, members) = (cookies.clone(), members.clone());
        Arc::new(move |k: usize, j: usize| {
            let i = k + CONCURRENCY * j;
            (i < cookies.len()).then(|| (cookies[i].clone(), format!("session_id={rush}&members={}", members[i])))
        })
    };
    let load = bench_load::drive(CONCURRENCY, url.clone(), Instant::now() + Duration::from_secs(600), next, Arc::new(|_, _, b: &[u8]| held(b))).await?;
    let rush_phase = phase(load);
    let taken: i64 = sqlx::query_scalar("SELECT p.taken FROM capacity_pools p JOIN service_sessions s ON s.pool_id = p.id WHERE s.id = $1")
        .bind(rush)
        .fetch_one(db.pool())
        .await?;
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM service_bookings b JOIN capacity_claims c ON c.id = b.claim_id WHERE b.session_id = $1 AND c.state = 'waiting'",
    )
    .bind(rush)
    .fetch_one(db.pool())
    .await?;
    if taken != PLACES || rush_phase.held as i64 != PLACES || waiting != (n as i64 - PLACES).max(0) || rush_phase.errors != 0 {
        return Err(format!("after the rush: {taken} places taken, {} told booked, {waiting} waiting, {} errors", rush_phase.held, rush_phase.errors).into());
    }

    // Many sessions: each client books its residents into the daily sessions one after another.
    let next = {
        let (cookies, members, daily) = (cookies.clone(), members.clone(), Arc::new(daily.clone()));
        Arc::new(move |k: usize, j: usize| {
            let i = k + CONCURRENCY * j;
            let (resident, session) = (i % cookies.len(), i / cookies.len());
            (session < daily.len()).then(|| (cookies[resident].clone(), format!("session_id={}&members={}", daily[session], members[resident])))
        })
    };
    let load = bench_load::drive(CONCURRENCY, url, Instant::now() + Duration::from_secs(seconds), next, Arc::new(|_, _, b: &[u8]| held(b))).await?;
    let many_phase = phase(load);
    server.stop().await;
    let over: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM service_sessions s JOIN capacity_pools p ON p.id = s.pool_id WHERE s.schedule_id = $1 AND \
         (SELECT COUNT(*) FROM service_booking_people bp JOIN service_bookings b ON b.id = bp.booking_id JOIN capacity_claims c ON c.id = b.claim_id \
          WHERE bp.session_id = s.id AND c.state = 'held') > p.capacity",
    )
    .bind(daily_schedule)
    .fetch_one(db.pool())
    .await?;
    if over != 0 {
        return Err(format!("{over} sessions hold more than their places").into());
    }
    let backend = format!("{:?}", db.backend());
    db.close().await;
    Ok(Report { backend, residents: n, rush: rush_phase, many: many_phase, sessions: daily.len(), inserts, insert_seconds })
}
