//! The kernel's capacity and waitlist (app/src/kernel/capacity.rs) under concurrency, on both
//! databases: never one place too many, the waitlist in commit order, promotions in the same
//! transaction as what freed the places, nobody promoted twice.
mod common;

use app::kernel::capacity::{self, CapacityError, ClaimState, Claimed};
use server::db::Db;
use std::collections::HashSet;

async fn in_tx<T>(db: &Db, f: impl AsyncFnOnce(&mut sqlx::AnyConnection) -> Result<T, CapacityError>) -> Result<T, CapacityError> {
    let mut tx = db.begin_write().await.map_err(CapacityError::from)?;
    let out = f(&mut tx).await?;
    tx.commit().await.map_err(CapacityError::from)?;
    Ok(out)
}

async fn held_places(db: &Db, pool: i64) -> i64 {
    sqlx::query_scalar("SELECT CAST(COALESCE(SUM(places), 0) AS BIGINT) FROM capacity_claims WHERE pool_id = $1 AND state = 'held'")
        .bind(pool)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_claims_take_exactly_the_capacity_and_the_rest_wait_in_commit_order() {
    for (label, db) in common::databases().await {
        let pool = in_tx(&db, async |c| capacity::create_pool(c, 50, 1).await).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..1000i64 {
            let db = db.clone();
            let places = if i % 3 == 0 { 2 } else { 1 };
            tasks.push(tokio::spawn(async move { (places, in_tx(&db, async |c| capacity::claim(c, pool, places, 2).await).await) }));
        }
        let mut held = 0;
        let mut waiting = Vec::new();
        for t in tasks {
            let (places, r) = t.await.unwrap();
            match r.unwrap_or_else(|e| panic!("{label}: {e:?}")) {
                Claimed::Held { .. } => held += places,
                Claimed::Waiting { claim, position } => waiting.push((claim, position)),
            }
        }
        let p = in_tx(&db, async |c| capacity::pool(c, pool).await).await.unwrap();
        assert_eq!((held, p.taken, held_places(&db, pool).await), (50, 50, 50), "{label}");
        // Each waiting claim was told its place in line when it arrived; in arrival (commit)
        // order those places are 1, 2, 3, … with none missing or repeated.
        let order: Vec<i64> = sqlx::query_scalar("SELECT id FROM capacity_claims WHERE pool_id = $1 AND state = 'waiting' ORDER BY seq")
            .bind(pool)
            .fetch_all(db.pool())
            .await
            .unwrap();
        assert_eq!(order.len(), waiting.len(), "{label}");
        for (i, id) in order.iter().enumerate() {
            let told = waiting.iter().find(|(c, _)| c == id).unwrap().1;
            assert_eq!(told, i as i64 + 1, "{label}: claim {id}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_releases_and_claims_promote_in_order_and_never_overbook() {
    for (label, db) in common::databases().await {
        let pool = in_tx(&db, async |c| capacity::create_pool(c, 20, 1).await).await.unwrap();
        // 20 held, 40 waiting (one place or two).
        let mut claims = Vec::new();
        for i in 0..60i64 {
            let places = if i % 4 == 3 { 2 } else { 1 };
            claims.push(in_tx(&db, async |c| capacity::claim(c, pool, places, 2).await).await.unwrap().claim());
        }
        // 150 releases of existing claims and 150 new claims, all at once.
        let mut tasks = Vec::new();
        for i in 0..300usize {
            let db = db.clone();
            let release = (i % 2 == 0).then(|| claims[(i * 7) % claims.len()]);
            tasks.push(tokio::spawn(async move {
                match release {
                    Some(claim) => in_tx(&db, async |c| capacity::release(c, claim, 3).await).await.map(Some),
                    None => in_tx(&db, async |c| capacity::claim(c, pool, 1, 3).await).await.map(|_| None),
                }
            }));
        }
        let mut promoted = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(Some(p)) => promoted.extend(p),
                Ok(None) => {}
                // The same claim released twice (the task list repeats some): refused, harmless.
                Err(CapacityError::Ended) => {}
                Err(e) => panic!("{label}: {e:?}"),
            }
        }
        let p = in_tx(&db, async |c| capacity::pool(c, pool).await).await.unwrap();
        assert_eq!(p.taken, held_places(&db, pool).await, "{label}");
        assert!(p.taken <= p.capacity, "{label}");
        // Nobody promoted twice, and every promoted claim is one that had been waiting.
        let unique: HashSet<i64> = promoted.iter().copied().collect();
        assert_eq!(unique.len(), promoted.len(), "{label}: promoted twice");
        for id in &promoted {
            let promoted_flag: i64 = sqlx::query_scalar("SELECT promoted FROM capacity_claims WHERE id = $1").bind(id).fetch_one(db.pool()).await.unwrap();
            assert_eq!(promoted_flag, 1, "{label}");
        }
        // Nothing left waiting that would fit in the places left: every freed place went on.
        let free = p.capacity - p.taken;
        let smallest: Option<i64> = sqlx::query_scalar("SELECT MIN(places) FROM capacity_claims WHERE pool_id = $1 AND state = 'waiting'")
            .bind(pool)
            .fetch_one(db.pool())
            .await
            .unwrap();
        if let Some(smallest) = smallest {
            assert!(smallest > free, "{label}: a waiting claim of {smallest} fits in {free} free places");
        }
    }
}

#[tokio::test]
async fn capacity_changes_close_and_cancel() {
    for (label, db) in common::databases().await {
        let pool = in_tx(&db, async |c| capacity::create_pool(c, 2, 1).await).await.unwrap();
        let a = in_tx(&db, async |c| capacity::claim(c, pool, 2, 1).await).await.unwrap();
        assert!(matches!(a, Claimed::Held { .. }), "{label}");
        let b = in_tx(&db, async |c| capacity::claim(c, pool, 1, 1).await).await.unwrap();
        let c2 = in_tx(&db, async |c| capacity::claim(c, pool, 1, 1).await).await.unwrap();
        assert_eq!(b, Claimed::Waiting { claim: b.claim(), position: 1 }, "{label}");
        assert_eq!(c2, Claimed::Waiting { claim: c2.claim(), position: 2 }, "{label}");
        // Lowering below the places taken is refused, and nothing changes.
        assert_eq!(in_tx(&db, async |c| capacity::set_capacity(c, pool, 1, 2).await).await, Err(CapacityError::BelowTaken { taken: 2 }), "{label}");
        // Raising by one promotes the first in line, in the same transaction.
        assert_eq!(in_tx(&db, async |c| capacity::set_capacity(c, pool, 3, 2).await).await.unwrap(), vec![b.claim()], "{label}");
        let (_, state, _, position) = in_tx(&db, async |c| capacity::claim_state(c, c2.claim()).await).await.unwrap();
        assert_eq!((state, position), (ClaimState::Waiting, Some(1)), "{label}");
        // Leaving the waitlist frees nothing; a held claim released promotes.
        assert_eq!(in_tx(&db, async |c| capacity::release(c, b.claim(), 3).await).await.unwrap(), vec![c2.claim()], "{label}");
        assert_eq!(in_tx(&db, async |c| capacity::release(c, b.claim(), 3).await).await, Err(CapacityError::Ended), "{label}");
        // Closed: the waiting expire, nothing more is taken or promoted.
        let d = in_tx(&db, async |c| capacity::claim(c, pool, 2, 4).await).await.unwrap();
        assert_eq!(in_tx(&db, async |c| capacity::close(c, pool, 5).await).await.unwrap(), vec![d.claim()], "{label}");
        assert_eq!(in_tx(&db, async |c| capacity::claim(c, pool, 1, 5).await).await, Err(CapacityError::Closed), "{label}");
        assert_eq!(in_tx(&db, async |c| capacity::release(c, a.claim(), 6).await).await.unwrap(), Vec::<i64>::new(), "{label}");
        // Cancelled: whoever still holds places is released, to be told.
        assert_eq!(in_tx(&db, async |c| capacity::cancel_pool(c, pool, 7).await).await.unwrap(), vec![c2.claim()], "{label}");
        let p = in_tx(&db, async |c| capacity::pool(c, pool).await).await.unwrap();
        assert_eq!((p.taken, p.closed, held_places(&db, pool).await), (0, true, 0), "{label}");
    }
}
