//! The survey benchmark (`server bench-responses`): how many survey responses a second the server
//! takes at 64 concurrent respondents, and their latency, next to a bare insert loop on the same
//! database in the same run (as `bench_ballots` does for ballots).
//!
//! It fills the demo with `respondents` verified residents of one new building, opens a research
//! survey of that building (one response per person: a single choice and a 1–5 stars question),
//! measures the bare insert loop, then runs the server in this process on a loopback port and
//! drives `surveys/answer` with 64 concurrent clients for `seconds` (each respondent answers again
//! and again: the first response inserts, the later ones replace it). At the end it checks that
//! the database holds exactly one response per respondent who had one accepted.
use crate::bench_load;
use crate::config::Config;
use crate::db::{Db, now_ms};
use app::kernel::electorate::VoteUnit;
use app::kernel::guard::{Membership, Principal, Role};
use app::surveys::model::{Purpose, Question, QuestionKind};
use app::surveys::types::NewSurvey;
use std::sync::Arc;
use std::time::{Duration, Instant};

type AnyError = Box<dyn std::error::Error + Send + Sync>;

pub const CONCURRENCY: usize = 64;

async fn survey(db: &Db, n: usize) -> Result<(i64, Vec<i64>), AnyError> {
    let mut tx = db.begin_write().await?;
    let community: i64 = sqlx::query_scalar("SELECT id FROM communities WHERE code = 'cuiyuan'").fetch_one(&mut *tx).await?;
    let (building, users) = crate::bench_data::residents_of_new_building(&mut tx, community, "调研压测楼", "1580000", n, Some(9000)).await?;
    let worker: i64 = sqlx::query_scalar("SELECT id FROM users WHERE phone = '13800000020'").fetch_one(&mut *tx).await?;
    tx.commit().await?;
    let p = Principal {
        user_id: worker,
        phone: "13800000020".into(),
        session_id: 0,
        memberships: vec![Membership { role: Role::Worker, community_id: Some(community), district_id: None, verified: false }],
    };
    let now = now_ms();
    let question = |kind, options: &[&str]| Question {
        kind,
        prompt: "压测问题".into(),
        options: options.iter().map(|o| o.to_string()).collect(),
        max_choices: 1,
        required: true,
    };
    let form = NewSurvey {
        title: "压测：楼道改造需求".into(),
        intro: "基准测试".into(),
        purpose: Purpose::Research,
        unit: VoteUnit::Person,
        building_ids: vec![building],
        anonymous: false,
        double_entry: false,
        opens_at: now - 1_000,
        closes_at: now + 86_400_000,
        questions: vec![question(QuestionKind::Single, &["加装扶手", "粉刷墙面", "更换灯具"]), question(QuestionKind::Stars, &[])],
        rule: None,
        need_ids: vec![],
    };
    let id = app::surveys::store::create(db, &p, &form, None).await.map_err(|e| format!("creating the survey: {e:?}"))?;
    Ok((id, users))
}

pub async fn run(config: Config, n: usize, seconds: u64) -> Result<bench_load::Report, AnyError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    crate::seed::seed_demo(&db).await?;
    let (id, users) = survey(&db, n).await?;
    let (inserts, insert_seconds) = bench_load::bare_inserts(&db, seconds as f64).await?;
    let (server, cookies) = bench_load::serve_in_process(config, &db, &users).await?;
    let url = format!("http://{}/api/surveys/answer", server.addr);
    let cookies = Arc::new(cookies);
    let next = {
        let cookies = cookies.clone();
        Arc::new(move |k: usize, j: usize| {
            let who = (k + CONCURRENCY * j) % cookies.len();
            // [{"Choice":[c]},{"Stars":s}], URL-encoded.
            let sheet = format!("%5B%7B%22Choice%22%3A%5B{}%5D%7D%2C%7B%22Stars%22%3A{}%7D%5D", (who + j) % 3, 1 + (who + j) % 5);
            Some((cookies[who].clone(), format!("id={id}&answers={sheet}")))
        })
    };
    let count = cookies.len();
    let load = bench_load::drive(
        CONCURRENCY,
        url,
        Instant::now() + Duration::from_secs(seconds),
        next,
        Arc::new(move |k, j, _: &[u8]| Some((k + CONCURRENCY * j) % count)),
    )
    .await?;
    server.stop().await;
    let answered: std::collections::HashSet<usize> = load.collected.iter().copied().collect();
    // Exactly one response (and one turnout row) per respondent who had one accepted.
    let (responses, turnout): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1), \
         (SELECT COUNT(*) FROM electorate_turnout t JOIN surveys s ON s.electorate_id = t.electorate_id WHERE s.id = $1)",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?;
    if responses != answered.len() as i64 || turnout != responses {
        return Err(format!("after the run: {responses} responses, {turnout} turnout rows for {} respondents answering", answered.len()).into());
    }
    let backend = format!("{:?}", db.backend());
    db.close().await;
    Ok(bench_load::Report::new(backend, n, &load, (inserts, insert_seconds)))
}
