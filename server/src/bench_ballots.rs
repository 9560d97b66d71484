//! The ballot benchmark (`server bench-ballots`): how many ballots a second the server takes at 64
//! concurrent voters, and their latency, next to a bare insert loop on the same database in the
//! same run — the ratio is the figure that matters (what the checks, the snapshot lookup, the
//! turnout row and the ballot row cost over writing one row).
//!
//! It fills the demo with `voters` verified residents of one building, opens a vote for them,
//! measures the bare insert loop, then runs the server in this process on a loopback port and
//! drives it with 64 concurrent clients for `seconds` (each voter votes again and again: the
//! first ballot inserts, the later ones change it). At the end it checks that the database holds
//! exactly one ballot per voter who voted.
use crate::config::Config;
use crate::db::{Db, now_ms};
use crate::http;
use std::time::{Duration, Instant};

type AnyError = Box<dyn std::error::Error + Send + Sync>;

pub const CONCURRENCY: usize = 64;

#[derive(Debug)]
pub struct Report {
    pub backend: String,
    pub voters: usize,
    pub seconds: f64,
    pub ballots: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub inserts: usize,
    pub insert_seconds: f64,
}

impl Report {
    pub fn ballots_per_sec(&self) -> f64 {
        self.ballots as f64 / self.seconds
    }
    pub fn inserts_per_sec(&self) -> f64 {
        self.inserts as f64 / self.insert_seconds
    }
}

async fn voters(db: &Db, n: usize) -> Result<(i64, i64, Vec<i64>), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let community: i64 = sqlx::query_scalar("SELECT id FROM communities WHERE code = 'cuiyuan'").fetch_one(&mut *tx).await?;
    let (building, users) = crate::bench_data::residents_of_new_building(&mut tx, community, "投票压测楼", "1570000", n, Some(9000)).await?;
    let worker: i64 = sqlx::query_scalar("SELECT id FROM users WHERE phone = '13800000020'").fetch_one(&mut *tx).await?;
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO deliberations (community_id, title, background, kind, max_choices, electorate, vote_unit, rule, secret, status, created_by, created_at, opens_at, closes_at) \
         VALUES ($1, '压测：停车位划线方案', '基准测试', 'choice', 1, 'buildings', 'person', 'simple', 0, 'discussion', $2, $3, $3, $4) RETURNING id",
    )
    .bind(community)
    .bind(worker)
    .bind(now)
    .bind(now + 86_400_000)
    .fetch_one(&mut *tx)
    .await?;
    for (i, o) in ["方案一", "方案二", "方案三"].iter().enumerate() {
        sqlx::query("INSERT INTO deliberation_options (deliberation_id, idx, label) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(i as i64)
            .bind(*o)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("INSERT INTO deliberation_buildings (deliberation_id, building_id) VALUES ($1, $2)").bind(id).bind(building).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok((community, id, users))
}

/// Single-row inserts, one after the other, each its own transaction, for `seconds`.
async fn bare_inserts(db: &Db, seconds: f64) -> Result<(usize, f64), sqlx::Error> {
    sqlx::query("CREATE TABLE bench_inserts (k BIGINT PRIMARY KEY, v TEXT NOT NULL)").execute(db.pool()).await?;
    let started = Instant::now();
    let mut n = 0usize;
    while started.elapsed().as_secs_f64() < seconds {
        sqlx::query("INSERT INTO bench_inserts (k, v) VALUES ($1, $2)").bind(n as i64).bind("o:1").execute(db.pool()).await?;
        n += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    sqlx::query("DROP TABLE bench_inserts").execute(db.pool()).await?;
    Ok((n, elapsed))
}

pub async fn run(config: Config, n: usize, seconds: u64) -> Result<Report, AnyError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    crate::seed::seed_demo(&db).await?;
    let (community, id, users) = voters(&db, n).await?;
    app::deliberation::store::tick(&db, Some(community), now_ms()).await?;
    let size: i64 = sqlx::query_scalar("SELECT electorate_size FROM deliberations WHERE id = $1").bind(id).fetch_one(db.pool()).await?;
    if size != n as i64 {
        return Err(format!("snapshot has {size} voters, expected {n}").into());
    }
    let (inserts, insert_seconds) = bare_inserts(&db, seconds as f64).await?;

    let state = http::AppState::new(config, db.clone())?;
    let keys = state.app.keys.clone();
    let mut cookies = Vec::with_capacity(n);
    {
        let mut conn = db.pool().acquire().await?;
        for &u in &users {
            let (access, _) = app::account::session::start_session(&mut conn, &keys, u).await?;
            cookies.push(format!("{}={access}", app::account::session::ACCESS_COOKIE));
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(
        listener,
        http::router(state),
        async move {
            let _ = stopped.await;
        },
        Duration::from_secs(5),
    ));
    let client = reqwest::Client::builder().pool_max_idle_per_host(CONCURRENCY).build()?;
    let url = format!("http://{addr}/api/deliberations/vote");
    let cookies = std::sync::Arc::new(cookies);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..CONCURRENCY {
        let (client, url, cookies) = (client.clone(), url.clone(), cookies.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            let mut voted = std::collections::HashSet::new();
            let mut j = 0usize;
            while Instant::now() < deadline {
                let voter = (k + CONCURRENCY * j) % cookies.len();
                let body = format!("id={id}&vote=o%3A{}", (voter + j) % 3);
                let t = Instant::now();
                let res =
                    client.post(&url).header("cookie", &cookies[voter]).header("content-type", "application/x-www-form-urlencoded").body(body).send().await;
                let ok = match res {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if ok {
                    lat.push(t.elapsed().as_micros() as u64);
                    voted.insert(voter);
                } else {
                    errors += 1;
                }
                j += 1;
            }
            (lat, errors, voted)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    let mut voted = std::collections::HashSet::new();
    for t in tasks {
        let (l, e, v) = t.await?;
        lat.extend(l);
        errors += e;
        voted.extend(v);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    let _ = server.await;
    lat.sort_unstable();
    let pct = |p: f64| lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).map(|&us| us as f64 / 1000.0).unwrap_or(0.0);
    // Exactly one ballot (and one turnout row) per voter who had a ballot accepted.
    let (ballots, turnout): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM ballots WHERE deliberation_id = $1), (SELECT COUNT(*) FROM deliberation_turnout WHERE deliberation_id = $1)",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?;
    if ballots != voted.len() as i64 || turnout != ballots {
        return Err(format!("after the run: {ballots} ballots, {turnout} turnout rows for {n} voters").into());
    }
    let backend = format!("{:?}", db.backend());
    db.close().await;
    Ok(Report { backend, voters: n, seconds: elapsed, ballots: lat.len(), errors, p50_ms: pct(0.50), p99_ms: pct(0.99), inserts, insert_seconds })
}
