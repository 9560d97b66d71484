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
use crate::bench_load;
use crate::config::Config;
use crate::db::{Db, now_ms};
use std::sync::Arc;
use std::time::{Duration, Instant};

type AnyError = Box<dyn std::error::Error + Send + Sync>;

pub const CONCURRENCY: usize = 64;

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

pub async fn run(config: Config, n: usize, seconds: u64) -> Result<bench_load::Report, AnyError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    crate::seed::seed_demo(&db).await?;
    let (community, id, users) = voters(&db, n).await?;
    app::deliberation::store::tick(&db, Some(community), now_ms()).await?;
    let size: i64 = sqlx::query_scalar("SELECT electorate_size FROM deliberations WHERE id = $1").bind(id).fetch_one(db.pool()).await?;
    if size != n as i64 {
        return Err(format!("snapshot has {size} voters, expected {n}").into());
    }
    let (inserts, insert_seconds) = bench_load::bare_inserts(&db, seconds as f64).await?;
    let (server, cookies) = bench_load::serve_in_process(config, &db, &users).await?;
    let url = format!("http://{}/api/deliberations/vote", server.addr);
    let cookies = Arc::new(cookies);
    // Each client votes for its voters in turn, again and again: the first ballot of a voter
    // inserts, the later ones change it.
    let next = {
        let cookies = cookies.clone();
        Arc::new(move |k: usize, j: usize| {
            let voter = (k + CONCURRENCY * j) % cookies.len();
            Some((cookies[voter].clone(), format!("id={id}&vote=o%3A{}", (voter + j) % 3)))
        })
    };
    let n_voters = cookies.len();
    let load = bench_load::drive(
        CONCURRENCY,
        url,
        Instant::now() + Duration::from_secs(seconds),
        next,
        Arc::new(move |k, j, _: &[u8]| Some((k + CONCURRENCY * j) % n_voters)),
    )
    .await?;
    server.stop().await;
    let voted: std::collections::HashSet<usize> = load.collected.iter().copied().collect();
    // Exactly one ballot (and one turnout row) per voter who had a ballot accepted.
    let (ballots, turnout): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM ballots WHERE deliberation_id = $1), (SELECT COUNT(*) FROM electorate_turnout t JOIN deliberations d ON d.electorate_id = t.electorate_id WHERE d.id = $1)",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?;
    if ballots != voted.len() as i64 || turnout != ballots {
        return Err(format!("after the run: {ballots} ballots, {turnout} turnout rows for {n} voters").into());
    }
    let backend = format!("{:?}", db.backend());
    db.close().await;
    Ok(bench_load::Report::new(backend, n, &load, (inserts, insert_seconds)))
}
