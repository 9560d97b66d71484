//! The people of the tests: a principal as the server would build it from a session (the first
//! login verifies a resident against the roster), and the demo with a new building of residents.
use app::kernel::guard::{Membership, Principal, Role};
use server::db::Db;

/// The principal of a user, by phone or id.
pub async fn principal(db: &Db, phone_or_id: impl Into<Who>) -> Principal {
    let user: i64 = match phone_or_id.into() {
        Who::Phone(p) => sqlx::query_scalar("SELECT id FROM users WHERE phone = $1").bind(p).fetch_one(db.pool()).await.unwrap(),
        Who::Id(id) => id,
    };
    // Their first login verifies a resident against the roster.
    let phone: String = sqlx::query_scalar("SELECT phone FROM users WHERE id = $1").bind(user).fetch_one(db.pool()).await.unwrap();
    let mut conn = db.pool().acquire().await.unwrap();
    app::account::store::verify_by_roster(&mut conn, user, &phone).await.unwrap();
    drop(conn);
    let rows: Vec<(String, Option<i64>, Option<i64>, i64)> =
        sqlx::query_as("SELECT role, community_id, district_id, verified FROM memberships WHERE user_id = $1 ORDER BY id")
            .bind(user)
            .fetch_all(db.pool())
            .await
            .unwrap();
    let memberships =
        rows.into_iter().map(|(r, c, d, v)| Membership { role: Role::parse(&r).unwrap(), community_id: c, district_id: d, verified: v == 1 }).collect();
    Principal { user_id: user, phone: String::new(), session_id: 0, memberships }
}

pub enum Who {
    Phone(&'static str),
    Id(i64),
}

impl From<&'static str> for Who {
    fn from(p: &'static str) -> Self {
        Who::Phone(p)
    }
}

impl From<i64> for Who {
    fn from(id: i64) -> Self {
        Who::Id(id)
    }
}

/// The demo, a worker of 翠苑 (13800000020), and `n` verified residents of a new building there
/// (phones `prefix` + a number).
pub async fn demo_with_residents(db: &Db, building: &str, prefix: &str, n: usize) -> (Principal, Vec<i64>) {
    server::seed::seed_demo(db).await.unwrap();
    let worker = principal(db, "13800000020").await;
    let community = worker.memberships.iter().find(|m| m.role == Role::Worker).unwrap().community_id.unwrap();
    let mut conn = db.pool().acquire().await.unwrap();
    let users = server::bench_data::residents_of_new_building(&mut conn, community, building, prefix, n, None).await.unwrap().1;
    (worker, users)
}
