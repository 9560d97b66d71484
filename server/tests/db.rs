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

/// Migration 0011 moves the deliberations' snapshots, turnout and paper entries into the kernel's
/// electorate tables: a database written before it keeps every vote, and a new electorate frozen
/// afterwards takes a fresh id (PostgreSQL's identity goes on after the copied ids).
#[tokio::test]
async fn deliberation_snapshots_written_before_the_kernel_electorate_move_into_it() {
    for (label, db, dir) in common::unmigrated_databases().await {
        let mut before = sqlx::migrate::Migrator::new(dir.as_path()).await.unwrap();
        before.migrations = std::borrow::Cow::Owned(before.migrations.iter().filter(|m| m.version <= 10).cloned().collect());
        before.run(db.pool()).await.unwrap_or_else(|e| panic!("{label}: {e}"));
        let mut conn = db.pool().acquire().await.unwrap();
        let id = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
        let d = district(&mut conn, "330106").await;
        let c = sqlx::query_scalar::<_, i64>("INSERT INTO communities (district_id, code, name_zh, name_en) VALUES ($1, 'c1', '翠苑', 'Cuiyuan') RETURNING id")
            .bind(d)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let b = id("INSERT INTO buildings (community_id, name) VALUES ($1, '1幢') RETURNING id").bind(c).fetch_one(&mut *conn).await.unwrap();
        let h = id("INSERT INTO households (building_id, unit, room) VALUES ($1, '1', '101') RETURNING id").bind(b).fetch_one(&mut *conn).await.unwrap();
        let resident =
            id("INSERT INTO users (phone, display_name, created_at) VALUES ('13900000001', '王芳', 1) RETURNING id").fetch_one(&mut *conn).await.unwrap();
        let worker =
            id("INSERT INTO users (phone, display_name, created_at) VALUES ('13900000020', '刘社工', 1) RETURNING id").fetch_one(&mut *conn).await.unwrap();
        let member =
            id("INSERT INTO household_members (household_id, name, relationship, birth_year, user_id) VALUES ($1, '王芳', '本人', 1970, $2) RETURNING id")
                .bind(h)
                .bind(resident)
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        sqlx::query("INSERT INTO memberships (user_id, role, community_id, member_id, verified) VALUES ($1, 'resident', $2, $3, 1)")
            .bind(resident)
            .bind(c)
            .bind(member)
            .execute(&mut *conn)
            .await
            .unwrap();
        let insert_deliberation = "INSERT INTO deliberations (community_id, title, background, kind, electorate, vote_unit, rule, secret, status, created_by, \
             created_at, opens_at, closes_at, opened_at) VALUES ($1, $2, '背景', 'yes_no', 'buildings', 'household', 'simple', 0, $3, $4, 1, 2, $5, $6) RETURNING id";
        let voting: i64 = sqlx::query_scalar(insert_deliberation)
            .bind(c)
            .bind("加装电梯")
            .bind("voting")
            .bind(worker)
            .bind(i64::MAX / 2)
            .bind(Some(3_i64))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let discussing: i64 = sqlx::query_scalar(insert_deliberation)
            .bind(c)
            .bind("车棚")
            .bind("discussion")
            .bind(worker)
            .bind(i64::MAX / 2)
            .bind(None::<i64>)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        for sql in [
            "INSERT INTO deliberation_buildings (deliberation_id, building_id) VALUES ($1, $2)",
            "INSERT INTO deliberation_units (deliberation_id, unit_id, area, label) VALUES ($1, $2, 0, '1幢 1-101')",
            "INSERT INTO deliberation_unit_homes (deliberation_id, household_id, unit_id) VALUES ($1, $2, $2)",
            "INSERT INTO deliberation_turnout (deliberation_id, unit_id, channel, first_at, last_at, version) VALUES ($1, $2, 'paper', 5, 6, 1)",
        ] {
            let arg = if sql.contains("buildings") { b } else { h };
            sqlx::query(sql).bind(voting).bind(arg).execute(&mut *conn).await.unwrap();
        }
        sqlx::query("INSERT INTO deliberation_unit_voters (deliberation_id, user_id, unit_id) VALUES ($1, $2, $3)")
            .bind(voting)
            .bind(resident)
            .bind(h)
            .execute(&mut *conn)
            .await
            .unwrap();
        for (kind, choice, reason, at) in [("entry", "no", None, 5_i64), ("correction", "yes", Some("看错了"), 6)] {
            sqlx::query(
                "INSERT INTO paper_entries (deliberation_id, unit_id, kind, choice, reason, keyed_by_user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(voting)
            .bind(h)
            .bind(kind)
            .bind(choice)
            .bind(reason)
            .bind(worker)
            .bind(at)
            .execute(&mut *conn)
            .await
            .unwrap();
        }
        drop(conn);

        db.migrate().await.unwrap_or_else(|e| panic!("{label}: 0011 over data: {e}"));
        let frozen: Vec<(i64, Option<i64>)> = sqlx::query_as("SELECT id, electorate_id FROM deliberations ORDER BY id").fetch_all(db.pool()).await.unwrap();
        assert_eq!(frozen, vec![(voting, Some(voting)), (discussing, None)], "{label}: only the opened one had a snapshot");
        let mut conn = db.pool().acquire().await.unwrap();
        use app::kernel::electorate as el;
        assert_eq!(el::castable(&mut conn, voting, c, resident, 10).await.unwrap(), vec![h], "{label}: the voter keeps her household's vote");
        assert_eq!(el::turnout(&mut conn, voting, Some(el::Channel::Paper)).await.unwrap(), 1, "{label}");
        let (units, turnout, paper) = el::audit(&mut conn, voting, true).await.unwrap();
        assert_eq!((units.len(), units[0].voted, turnout[0].version), (1, Some(el::Channel::Paper), 1), "{label}");
        let kept: Vec<(bool, Option<&str>, Option<&str>, i64)> =
            paper.iter().map(|p| (p.correction, p.content.as_deref(), p.reason.as_deref(), p.at)).collect();
        assert_eq!(kept, vec![(false, Some("no"), None, 5), (true, Some("yes"), Some("看错了"), 6)], "{label}: every paper entry, in order");
        let buildings: Vec<i64> =
            sqlx::query_scalar("SELECT building_id FROM electorate_buildings WHERE electorate_id = $1").bind(voting).fetch_all(&mut *conn).await.unwrap();
        assert_eq!(buildings, vec![b], "{label}");
        // Voting opens on the other one: a new electorate, not the copied one's id.
        let new = el::freeze(&mut conn, c, el::VoteUnit::Household, &[b], 20).await.unwrap();
        assert!(new.id > voting && new.size == 1, "{label}: {new:?}");
        for old in ["deliberation_units", "deliberation_unit_voters", "deliberation_unit_homes", "deliberation_turnout", "paper_entries"] {
            assert!(sqlx::query(&format!("SELECT 1 FROM {old}")).fetch_optional(&mut *conn).await.is_err(), "{label}: {old} is gone");
        }
    }
}
