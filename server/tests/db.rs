//! The database layer on every backend: migrations, integrity in the schema, the event helper's
//! all-or-nothing contract, SQLite write transactions under contention, the demo seed.
mod common;

use server::events::{self, NewEvent, sync_state};
use sqlx::Row;

async fn count(db: &server::db::Db, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(db.pool()).await.unwrap()
}

async fn district(conn: &mut sqlx::AnyConnection, code: &str) -> i64 {
    sqlx::query_scalar("INSERT INTO districts (code, name_zh, name_en) VALUES ($1, '测试区', 'Test') RETURNING id").bind(code).fetch_one(conn).await.unwrap()
}

fn event(kind: &str, subject_id: i64, official: bool) -> NewEvent<'_> {
    NewEvent {
        community_id: None,
        kind,
        subject_type: "district",
        subject_id: Some(subject_id),
        actor_user_id: None,
        on_behalf_of_user_id: None,
        official,
        payload: serde_json::json!({ "note": "测试" }),
    }
}

#[tokio::test]
async fn migrations_apply_and_are_idempotent_on_every_backend() {
    for (label, db) in common::databases().await {
        db.migrate().await.unwrap_or_else(|e| panic!("{label}: second migrate failed: {e}"));
        assert_eq!(count(&db, "events").await, 0, "{label}");
    }
}

#[tokio::test]
async fn foreign_keys_and_checks_are_enforced_by_the_database() {
    for (label, db) in common::databases().await {
        let bad_fk = sqlx::query("INSERT INTO communities (district_id, code, name_zh, name_en) VALUES (999999, 'x', 'x', 'x')").execute(db.pool()).await;
        assert!(bad_fk.is_err(), "{label}: community of a missing district was accepted");
        let bad_area = sqlx::query("INSERT INTO households (building_id, unit, room, area_centi_m2) VALUES (1, '1', '101', -5)").execute(db.pool()).await;
        assert!(bad_area.is_err(), "{label}: negative floor area was accepted");
        let mut conn = db.pool().acquire().await.unwrap();
        district(&mut conn, "dup").await;
        let dup = sqlx::query("INSERT INTO districts (code, name_zh, name_en) VALUES ('dup', 'a', 'b')").execute(&mut *conn).await;
        assert!(dup.is_err(), "{label}: duplicate district code was accepted");
    }
}

#[tokio::test]
async fn event_is_committed_with_the_change_it_records() {
    for (label, db) in common::databases().await {
        let mut tx = db.begin_write().await.unwrap();
        let id = district(&mut tx, "d1").await;
        let official = events::append(&mut tx, &event("district.created", id, true)).await.unwrap();
        let audit = events::append(&mut tx, &event("district.viewed", id, false)).await.unwrap();
        assert!(audit > official, "{label}: ids follow append order");
        tx.commit().await.unwrap();

        let mut conn = db.pool().acquire().await.unwrap();
        let recorded = events::for_subject(&mut conn, "district", id).await.unwrap();
        assert_eq!(recorded.len(), 2, "{label}");
        assert_eq!(recorded[0].kind, "district.created");
        assert_eq!(recorded[0].sync_state, sync_state::PENDING, "{label}: official events are queued");
        assert_eq!(recorded[1].sync_state, sync_state::NONE, "{label}: audit events are not synced");
        let payload: serde_json::Value = serde_json::from_str(&recorded[0].payload).unwrap();
        assert_eq!(payload["note"], "测试", "{label}: payload round-trips, Chinese included");
    }
}

#[tokio::test]
async fn rolled_back_action_leaves_neither_change_nor_event() {
    for (label, db) in common::databases().await {
        let mut tx = db.begin_write().await.unwrap();
        let id = district(&mut tx, "gone").await;
        events::append(&mut tx, &event("district.created", id, true)).await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(count(&db, "districts").await, 0, "{label}");
        assert_eq!(count(&db, "events").await, 0, "{label}");
    }
}

#[tokio::test]
async fn failing_step_after_the_event_aborts_the_whole_action() {
    for (label, db) in common::databases().await {
        let result: Result<(), sqlx::Error> = async {
            let mut tx = db.begin_write().await?;
            let id = district(&mut tx, "half").await;
            events::append(&mut tx, &event("district.created", id, true)).await.map_err(|e| match e {
                events::EventError::Db(e) => e,
                other => sqlx::Error::Protocol(other.to_string()),
            })?;
            // Violates UNIQUE(code): the action fails after its event was appended.
            sqlx::query("INSERT INTO districts (code, name_zh, name_en) VALUES ('half', 'a', 'b')").execute(&mut *tx).await?;
            tx.commit().await
        }
        .await;
        assert!(result.is_err(), "{label}");
        assert_eq!(count(&db, "districts").await, 0, "{label}: nothing half-written");
        assert_eq!(count(&db, "events").await, 0, "{label}: no event without its change");
    }
}

#[tokio::test]
async fn invalid_event_kind_is_refused_before_touching_the_database() {
    for (label, db) in common::databases().await {
        let mut conn = db.pool().acquire().await.unwrap();
        let err = events::append(&mut conn, &event("Not A Kind", 1, false)).await.unwrap_err();
        assert!(matches!(err, events::EventError::BadKind), "{label}");
        assert_eq!(count(&db, "events").await, 0, "{label}");
    }
}

/// Read-modify-write transactions from many tasks at once: with `BEGIN IMMEDIATE` each one
/// waits for the lock at its start, so none fails with SQLITE_BUSY half-way and no update is
/// lost. (With a deferred `BEGIN`, the read lock's upgrade fails at once with "database is
/// locked", which busy_timeout cannot help.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sqlite_write_transactions_neither_fail_nor_lose_updates() {
    let db = common::sqlite().await;
    let mut conn = db.pool().acquire().await.unwrap();
    let id = district(&mut conn, "counter").await;
    drop(conn);
    let tasks: Vec<_> = (0..60)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut tx = db.begin_write().await?;
                let name: String = sqlx::query_scalar("SELECT name_en FROM districts WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                tokio::task::yield_now().await;
                let next = name.parse::<i64>().unwrap_or(0) + 1;
                sqlx::query("UPDATE districts SET name_en = $1 WHERE id = $2").bind(next.to_string()).bind(id).execute(&mut *tx).await?;
                tx.commit().await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().expect("a write transaction failed");
    }
    let row = sqlx::query("SELECT name_en FROM districts WHERE id = $1").bind(id).fetch_one(db.pool()).await.unwrap();
    assert_eq!(row.get::<String, _>(0), "60");
}

#[tokio::test]
async fn demo_seed_fills_an_empty_database_once() {
    for (label, db) in common::databases().await {
        assert!(server::seed::seed_demo(&db).await.unwrap(), "{label}: first seed");
        let users = count(&db, "users").await;
        let households = count(&db, "households").await;
        assert_eq!(count(&db, "communities").await, 2, "{label}");
        assert_eq!(users, server::seed::DEMO_LOGINS.len() as i64, "{label}");
        assert!(households >= 12, "{label}");
        let roles: Vec<String> = sqlx::query_scalar("SELECT DISTINCT role FROM memberships ORDER BY role").fetch_all(db.pool()).await.unwrap();
        assert_eq!(roles, ["district_admin", "resident", "volunteer", "worker"], "{label}");
        assert!(!server::seed::seed_demo(&db).await.unwrap(), "{label}: second seed is a no-op");
        assert_eq!(count(&db, "users").await, users, "{label}");
    }
}
