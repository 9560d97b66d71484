//! The records sync end to end, on both databases: official events numbered without gaps, the
//! relay delivering them signed to the real reference receiver over HTTP, through injected
//! failures, a receiver that is down, refusals, redelivery, and an instance that dies holding a
//! stream — and the receiver ends with every record once, applied in order.
mod common;

use app::infra::events::{self, NewEvent};
use app::records::relay::{PassReport, Relay, RelayConfig};
use app::records::store;
use server::db::Db;
use server::receiver::{Faults, Receiver};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECRET: &str = "whsec_c2VjcmV0IG9mIHRoZSB0ZXN0cw==";

async fn communities(db: &Db) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM communities ORDER BY id").fetch_all(db.pool()).await.unwrap()
}

/// One official event of `community` in its own transaction (rolled back when `commit` is false).
async fn official(db: &Db, community: i64, n: i64, commit: bool) {
    let mut tx = db.begin_write().await.unwrap();
    let e = NewEvent {
        community_id: Some(community),
        kind: "need.answer",
        subject_type: "need",
        subject_id: Some(n),
        actor_user_id: None,
        on_behalf_of_user_id: None,
        official: true,
        payload: serde_json::json!({ "from": "accepted", "to": "accepted", "text": format!("答复 {n}"), "title": format!("需求 {n}") }),
    };
    events::append(&mut tx, &e).await.unwrap();
    if commit { tx.commit().await.unwrap() } else { tx.rollback().await.unwrap() }
}

async fn seqs(db: &Db, community: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT seq FROM events WHERE community_id = $1 AND official = 1 ORDER BY seq").bind(community).fetch_all(db.pool()).await.unwrap()
}

struct Running {
    receiver: Arc<Receiver>,
    url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// The reference receiver on `listener` (or a new port), with its own SQLite file.
async fn receiver_on(listener: Option<tokio::net::TcpListener>, faults: Faults) -> Running {
    let path = common::temp_dir().join("receiver.db");
    let receiver = Receiver::open(&path, SECRET, faults).await.unwrap();
    let listener = match listener {
        Some(l) => l,
        None => tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
    };
    let url = format!("http://{}/records", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::receiver::serve(listener, receiver.clone(), async move {
        let _ = stopped.await;
    }));
    Running { receiver, url, _stop: stop }
}

fn relay(url: &str, owner: &str, secret: &str) -> Relay {
    let mut c = RelayConfig::new(url.to_string(), secret, owner.to_string());
    // Compressed: forty quick retries, so that injected failures delay but do not kill.
    c.schedule_ms = vec![20; 40];
    c.timeout = Duration::from_secs(5);
    c.lease_ms = 10_000;
    Relay::new(c).unwrap()
}

/// Passes of `relays` side by side until nothing is pending (or `limit`).
async fn until_settled(db: &Db, relays: &[&Relay], limit: Duration) -> PassReport {
    let started = Instant::now();
    let mut total = PassReport::default();
    loop {
        let passes = futures_util::future::join_all(relays.iter().map(|r| r.pass(db))).await;
        for p in passes {
            total += p.unwrap();
        }
        let c = store::counts(db, None).await.unwrap();
        if c.pending == 0 {
            return total;
        }
        assert!(started.elapsed() < limit, "still {} pending after {limit:?} ({total:?})", c.pending);
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}

/// Checks the receiver applied, per stream, exactly seq 1..n in order, each once.
async fn assert_applied_in_order(label: &str, r: &Receiver, expected: &HashMap<String, i64>) {
    let applied = r.applied(None).await.unwrap();
    let mut next: HashMap<String, i64> = HashMap::new();
    let mut ids = HashSet::new();
    for a in &applied {
        let n = next.entry(a.stream.clone()).or_insert(1);
        assert_eq!(a.seq, *n, "{label}: {} applied out of order", a.stream);
        *n += 1;
        assert!(ids.insert(a.webhook_id.clone()), "{label}: {} applied twice", a.webhook_id);
    }
    let got: HashMap<String, i64> = next.into_iter().map(|(k, v)| (k, v - 1)).collect();
    assert_eq!(&got, expected, "{label}");
    let status = r.status().await.unwrap();
    assert!(status.streams.iter().all(|s| s.held.is_empty()), "{label}: records still held: {:?}", status.streams);
}

#[test]
fn every_official_kind_has_its_schema() {
    for kind in app::records::model::KINDS {
        let path = format!("{}/../docs/records/{kind}.v1.schema.json", env!("CARGO_MANIFEST_DIR"));
        let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap();
        assert_eq!(schema["properties"]["kind"]["const"], *kind);
        assert_eq!(schema["properties"]["schema_version"]["const"], app::records::model::SCHEMA_VERSION);
    }
}

async fn stream_keys(db: &Db) -> HashMap<i64, String> {
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT c.id, d.code, c.code FROM communities c JOIN districts d ON d.id = c.district_id").fetch_all(db.pool()).await.unwrap();
    rows.into_iter().map(|(id, d, c)| (id, format!("{d}/{c}"))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn official_events_are_numbered_per_community_without_gaps_even_when_transactions_roll_back() {
    for (label, db) in common::databases().await {
        server::seed::seed_demo(&db).await.unwrap();
        let cs = communities(&db).await;
        let before: Vec<usize> = futures_util::future::join_all(cs.iter().map(|c| seqs(&db, *c))).await.iter().map(Vec::len).collect();
        let mut tasks = Vec::new();
        for i in 0..120i64 {
            let db = db.clone();
            let c = cs[(i % 2) as usize];
            // One in five rolls back: its number goes back to the next one.
            tasks.push(tokio::spawn(async move { official(&db, c, i, i % 5 != 0).await }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        for (k, c) in cs.iter().take(2).enumerate() {
            let s = seqs(&db, *c).await;
            assert_eq!(s, (1..=s.len() as i64).collect::<Vec<_>>(), "{label}: community {c}");
            assert_eq!(s.len(), before[k] + 48, "{label}: community {c}");
        }
        let unnumbered: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE (official = 1) <> (seq IS NOT NULL)").fetch_one(db.pool()).await.unwrap();
        assert_eq!(unnumbered, 0, "{label}");
        // The database refuses an official event without a number.
        let mut tx = db.begin_write().await.unwrap();
        let refused = sqlx::query(
            "INSERT INTO events (community_id, kind, subject_type, official, payload, created_at, sync_state) VALUES ($1, 'need.answer', 'need', 1, '{}', 0, 'pending')",
        )
        .bind(cs[0])
        .execute(&mut *tx)
        .await;
        assert!(refused.is_err(), "{label}");
        drop(tx);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_record_arrives_once_and_in_order_through_a_receiver_down_failing_and_slow() {
    for (label, db) in common::databases().await {
        server::seed::seed_demo(&db).await.unwrap();
        let cs = communities(&db).await;
        // The seeded deliberations are opened and closed: real results, official events.
        app::deliberation::store::tick(&db, None, server::db::now_ms() + 400 * 86_400_000).await.unwrap();
        app::deliberation::store::tick(&db, None, server::db::now_ms() + 800 * 86_400_000).await.unwrap();
        // And a month of services: the scheduler sends the month's figures once it is over.
        let report = server::scheduler::run_services(&db, server::db::now_ms() + 40 * 86_400_000).await.unwrap();
        assert!(report.months >= 1, "{label}: {report:?}");
        for i in 0..40 {
            official(&db, cs[i % 2], i as i64, true).await;
        }
        // The receiver is down (nothing listens on its port) for the first passes.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let url = format!("http://{addr}/records");
        let (a, b) = (relay(&url, "instance-a", SECRET), relay(&url, "instance-b", SECRET));
        let first = a.pass(&db).await.unwrap();
        assert_eq!((first.delivered, first.retried), (0, 2), "{label}: one failed attempt per community, the rest held back");
        let errors: Vec<(i64, String)> = sqlx::query_as("SELECT sync_attempts, sync_last_error FROM events WHERE sync_state = 'pending' AND sync_attempts > 0")
            .fetch_all(db.pool())
            .await
            .unwrap();
        assert_eq!(errors.len(), 2, "{label}");
        assert!(errors.iter().all(|(n, e)| *n == 1 && e.starts_with("no answer")), "{label}: {errors:?}");

        // Up, but failing a third of requests before taking them, a fifth after (answer lost),
        // and slow; two instances deliver side by side while new records keep coming.
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let running = receiver_on(Some(listener), Faults { fail_before: 0.3, fail_after: 0.2, delay_ms: 5, ..Faults::default() }).await;
        let adding = {
            let db = db.clone();
            let cs = cs.clone();
            tokio::spawn(async move {
                for i in 40..80 {
                    official(&db, cs[i % 2], i as i64, true).await;
                    tokio::time::sleep(Duration::from_millis(3)).await;
                }
            })
        };
        let mut report = until_settled(&db, &[&a, &b], Duration::from_secs(120)).await;
        adding.await.unwrap();
        report += until_settled(&db, &[&a, &b], Duration::from_secs(120)).await;
        let counts = store::counts(&db, None).await.unwrap();
        assert_eq!((counts.pending, counts.dead), (0, 0), "{label}");
        assert!(report.retried > 0, "{label}: the injected failures were met ({report:?})");

        let keys = stream_keys(&db).await;
        let mut expected = HashMap::new();
        for c in &cs {
            let n = seqs(&db, *c).await.len() as i64;
            if n > 0 {
                expected.insert(keys[c].clone(), n);
            }
        }
        assert_applied_in_order(label, &running.receiver, &expected).await;
        let status = running.receiver.status().await.unwrap();
        assert_eq!(status.received, counts.delivered, "{label}: each record stored once");
        assert!(status.duplicates > 0, "{label}: answers lost after storing made the relay send again ({status:?})");

        // What left: real deliberation results among them, with no phone number anywhere.
        let applied = running.receiver.applied(None).await.unwrap();
        assert!(applied.iter().any(|r| r.kind == "deliberation.result_published"), "{label}");
        assert!(applied.iter().any(|r| r.kind == "service.monthly_statistics"), "{label}");
        let phones: Vec<String> = sqlx::query_scalar("SELECT phone FROM users WHERE phone IS NOT NULL").fetch_all(db.pool()).await.unwrap();
        assert!(phones.len() > 5, "{label}");
        for r in &applied {
            // No one's phone number, and no number that looks like one (11 digits from 1).
            assert!(!phones.iter().any(|p| r.body.contains(p.as_str())), "{label}: a phone number in {}", r.body);
            let phone_like = r.body.split(|c: char| !c.is_ascii_digit()).any(|run| run.len() == 11 && run.starts_with('1'));
            assert!(!phone_like, "{label}: a phone-like number in {}", r.body);
            let env: app::records::model::Envelope = serde_json::from_str(&r.body).unwrap();
            assert!(app::records::model::KINDS.contains(&env.kind.as_str()), "{label}: {}", env.kind);
            assert_eq!(env.id, r.webhook_id);
            common::schema::assert_follows_its_schema(&serde_json::from_str(&r.body).unwrap());
        }
        // Every delivered event keeps the receiver's answer.
        let answers: Vec<String> =
            sqlx::query_scalar("SELECT delivered_response FROM events WHERE sync_state = 'delivered'").fetch_all(db.pool()).await.unwrap();
        assert!(answers.iter().all(|a| a.starts_with("200 ")), "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_record_is_dead_at_once_and_a_worker_redelivers_it_once_per_press() {
    for (label, db) in common::databases().await {
        server::seed::seed_demo(&db).await.unwrap();
        let cs = communities(&db).await;
        let c = cs[1];
        let before = seqs(&db, c).await.len();
        for i in 0..3 {
            official(&db, c, i, true).await;
        }
        let running = receiver_on(None, Faults::default()).await;
        // Signed with a secret the receiver does not know: 401, a refusal, not retried.
        let wrong = relay(&running.url, "instance-a", "whsec_d3Jvbmc=");
        let r = wrong.pass(&db).await.unwrap();
        assert_eq!((r.delivered, r.retried, r.dead), (0, 0, before as u64 + 3), "{label}");
        let dead: Vec<(i64, i64, String)> =
            sqlx::query_as("SELECT id, sync_attempts, sync_last_error FROM events WHERE community_id = $1 AND sync_state = 'dead' ORDER BY seq")
                .bind(c)
                .fetch_all(db.pool())
                .await
                .unwrap();
        assert!(dead.iter().all(|(_, n, e)| *n == 1 && e.starts_with("401")), "{label}: {dead:?}");

        let worker: i64 = sqlx::query_scalar("SELECT id FROM users WHERE phone = '13800000020'").fetch_one(db.pool()).await.unwrap();
        // Another community's id changes nothing; the first press redelivers, the second does not.
        assert!(!store::redeliver(&db, dead[0].0, cs[0], worker, None).await.unwrap(), "{label}");
        assert!(store::redeliver(&db, dead[0].0, c, worker, None).await.unwrap(), "{label}");
        assert!(!store::redeliver(&db, dead[0].0, c, worker, None).await.unwrap(), "{label}");
        let audit: Vec<i64> = sqlx::query_scalar("SELECT actor_user_id FROM events WHERE kind = 'record.redelivered' AND subject_id = $1")
            .bind(dead[0].0)
            .fetch_all(db.pool())
            .await
            .unwrap();
        assert_eq!(audit, vec![worker], "{label}");

        let right = relay(&running.url, "instance-a", SECRET);
        until_settled(&db, &[&right], Duration::from_secs(30)).await;
        // Only the first arrived; the receiver applies it and would hold any later one.
        let status = running.receiver.status().await.unwrap();
        assert_eq!(status.streams.iter().map(|s| s.applied_through).collect::<Vec<_>>(), vec![1], "{label}");
        for (id, _, _) in dead.iter().skip(1).rev() {
            assert!(store::redeliver(&db, *id, c, worker, None).await.unwrap(), "{label}");
        }
        until_settled(&db, &[&right], Duration::from_secs(30)).await;
        let keys = stream_keys(&db).await;
        assert_applied_in_order(label, &running.receiver, &HashMap::from([(keys[&c].clone(), before as i64 + 3)])).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stream_is_delivered_by_one_instance_at_a_time_and_taken_over_when_a_lease_runs_out() {
    for (label, db) in common::databases().await {
        server::seed::seed_demo(&db).await.unwrap();
        let cs = server::bench_records::add_communities(&db, "t", 12).await.unwrap();
        for (i, c) in cs.iter().enumerate() {
            official(&db, *c, i as i64, true).await;
        }
        let streams = cs.len();
        // Two instances claim at the same moment, again and again: never the same stream.
        let now = server::db::now_ms();
        for round in 0..5 {
            let (x, y) = futures_util::future::join(
                store::claim_streams(&db, "instance-x", now + round, 60_000, 10),
                store::claim_streams(&db, "instance-y", now + round, 60_000, 10),
            )
            .await;
            let (x, y) = (x.unwrap(), y.unwrap());
            let both: HashSet<i64> = x.iter().copied().collect::<HashSet<_>>().intersection(&y.iter().copied().collect()).copied().collect();
            assert!(both.is_empty(), "{label}: {both:?} claimed twice");
            if round == 0 {
                assert_eq!(x.len() + y.len(), streams.min(20), "{label}");
            }
            for s in x {
                store::release(&db, s, "instance-x").await.unwrap();
            }
            for s in y {
                store::release(&db, s, "instance-y").await.unwrap();
            }
        }

        // An instance claims every stream for 300 ms and dies without a word.
        let held = store::claim_streams(&db, "instance-dead", server::db::now_ms(), 300, 100).await.unwrap();
        assert_eq!(held.len(), streams, "{label}");
        let running = receiver_on(None, Faults::default()).await;
        let other = relay(&running.url, "instance-live", SECRET);
        assert_eq!(other.pass(&db).await.unwrap(), PassReport::default(), "{label}: the leases are still live");
        tokio::time::sleep(Duration::from_millis(350)).await;
        let r = until_settled(&db, &[&other], Duration::from_secs(30)).await;
        assert_eq!(r.delivered as usize, store::counts(&db, None).await.unwrap().delivered as usize, "{label}");
        assert_eq!(running.receiver.status().await.unwrap().received as usize, r.delivered as usize, "{label}");
    }
}

/// The records screen's functions, the pull API and the open data, through HTTP, on both
/// databases: each answers whom it should and refuses everyone else.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_records_screen_the_pull_api_and_the_open_data_answer_only_whom_they_should() {
    for (label, db) in common::databases().await {
        let running = receiver_on(None, Faults::default()).await;
        let s = common::live::start_with(db.clone(), &[("LINLI_RECORDS_URL", &running.url), ("LINLI_RECORDS_SECRET", SECRET)]).await;
        let cuiyuan: i64 = sqlx::query_scalar("SELECT id FROM communities WHERE code = 'cuiyuan'").fetch_one(db.pool()).await.unwrap();
        let wending: i64 = sqlx::query_scalar("SELECT id FROM communities WHERE code = 'wending'").fetch_one(db.pool()).await.unwrap();
        // A need answered through the app is an official record.
        let mut worker = s.login("13800000020").await;
        let mut li = s.login("13800000002").await;
        let form = [("category_id", "1"), ("title", "记录测试：北门路灯"), ("body", "北门路灯坏了。"), ("place", "北门"), ("photo_ids", ""), ("channel", "")];
        let (st, need) = s.call(&mut li, "needs/submit", &form).await;
        assert_eq!(st, 200, "{label}: {need}");
        let need = need.as_i64().unwrap();
        for (action, text) in [("publish", ""), ("accept", "已采纳，下周更换。")] {
            let (st, b) = s.call(&mut worker, "needs/act", &[("id", &need.to_string()), ("action", action), ("text", text)]).await;
            assert_eq!(st, 200, "{label}: {action}: {b}");
        }
        let base = seqs(&db, cuiyuan).await.len() as i64;
        for i in 0..5 {
            official(&db, cuiyuan, i, true).await;
        }
        official(&db, wending, 9, true).await;
        // Delivered (by a relay like the server's), then one of them refused for good.
        until_settled(&db, &[&relay(&running.url, "instance-a", SECRET)], Duration::from_secs(30)).await;
        let dead_seq = base + 2;
        sqlx::query("UPDATE events SET sync_state = 'dead', sync_last_error = '401 no v1 signature matches' WHERE community_id = $1 AND seq = $2")
            .bind(cuiyuan)
            .bind(dead_seq)
            .execute(db.pool())
            .await
            .unwrap();
        let dead_id: i64 =
            sqlx::query_scalar("SELECT id FROM events WHERE community_id = $1 AND seq = $2").bind(cuiyuan).bind(dead_seq).fetch_one(db.pool()).await.unwrap();
        let wending_event: i64 =
            sqlx::query_scalar("SELECT id FROM events WHERE community_id = $1 AND official = 1").bind(wending).fetch_one(db.pool()).await.unwrap();

        let accepted: Vec<serde_json::Value> = running
            .receiver
            .applied(None)
            .await
            .unwrap()
            .iter()
            .map(|r| serde_json::from_str::<serde_json::Value>(&r.body).unwrap())
            .filter(|r| r["kind"] == "need.accept")
            .collect();
        assert_eq!(accepted.len(), 1, "{label}: {accepted:?}");
        common::schema::assert_follows_its_schema(&accepted[0]);
        assert_eq!((accepted[0]["data"]["need_id"].as_i64(), accepted[0]["data"]["answer"].as_str()), (Some(need), Some("已采纳，下周更换。")), "{label}");

        // A worker sees their community only, with the dead letter; a resident nothing.
        let (st, o) = s.call(&mut worker, "records/overview", &[]).await;
        assert_eq!(st, 200, "{label}: {o}");
        assert_eq!(o["communities"].as_array().unwrap().len(), 1, "{label}");
        assert_eq!(o["totals"]["dead"], 1, "{label}");
        assert_eq!(o["dead"][0]["event_id"], dead_id, "{label}");
        assert!(o["keys"].is_null(), "{label}: keys are the district admin's");
        let (st, _) = s.call(&mut worker, "records/overview", &[("community_id", &wending.to_string())]).await;
        assert_eq!(st, 404, "{label}: another community");
        let mut resident = s.login("13800000001").await;
        let (st, _) = s.call(&mut resident, "records/overview", &[]).await;
        assert_eq!(st, 403, "{label}");
        let (st, _) = s.call(&mut resident, "records/redeliver", &[("event_id", &dead_id.to_string())]).await;
        assert_eq!(st, 404, "{label}: a resident cannot redeliver");
        let (st, _) = s.call(&mut worker, "records/redeliver", &[("event_id", &wending_event.to_string())]).await;
        assert_eq!(st, 404, "{label}: another community's record");

        // Reconciliation with the receiver: it has every record (the dead letter too: it arrived
        // before it was marked dead here), we count one fewer delivered; nothing is missing,
        // extra or out of order.
        let (st, r) = s.call(&mut worker, "records/reconcile", &[]).await;
        assert_eq!(st, 200, "{label}: {r}");
        assert_eq!(r["received"], base + 5, "{label}: {r}");
        assert_eq!(r["delivered"], base + 4, "{label}: {r}");
        assert_eq!(
            (r["missing"].as_array().unwrap().len(), r["extra"].as_array().unwrap().len(), r["out_of_order"].as_array().unwrap().len()),
            (0, 0, 0),
            "{label}: {r}"
        );
        // A record the receiver lost shows as missing.
        sqlx::query("DELETE FROM received WHERE stream LIKE '%/cuiyuan' AND seq = $1").bind(base + 4).execute(running.receiver.pool()).await.unwrap();
        let (_, r) = s.call(&mut worker, "records/reconcile", &[]).await;
        assert_eq!(r["missing"], serde_json::json!([base + 4]), "{label}: {r}");

        // Redelivery: once per press.
        let (st, body) = s.call(&mut worker, "records/redeliver", &[("event_id", &dead_id.to_string())]).await;
        assert_eq!(st, 200, "{label}: {body}");
        let (st, body) = s.call(&mut worker, "records/redeliver", &[("event_id", &dead_id.to_string())]).await;
        assert_eq!(st, 409, "{label}: {body}");

        // The district admin: every community, and the keys.
        let mut admin = s.login("13800000030").await;
        let (st, o) = s.call(&mut admin, "records/overview", &[]).await;
        assert_eq!(st, 200, "{label}: {o}");
        assert_eq!(o["communities"].as_array().unwrap().len(), 2, "{label}");
        assert_eq!(o["keys"], serde_json::json!([]), "{label}");
        let (st, _) = s.call(&mut worker, "records/create_key", &[("name", "省平台")]).await;
        assert_eq!(st, 403, "{label}: a worker makes no keys");
        let (st, _) = s.call(&mut admin, "records/create_key", &[("name", "")]).await;
        assert_eq!(st, 400, "{label}");
        let (st, k) = s.call(&mut admin, "records/create_key", &[("name", "省平台")]).await;
        assert_eq!(st, 200, "{label}: {k}");
        let secret = k["secret"].as_str().unwrap().to_string();
        let stored: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM records_api_keys").fetch_all(db.pool()).await.unwrap();
        assert!(stored.len() == 1 && stored[0] != secret && !stored[0].contains(&secret[3..]), "{label}: only a hash is kept");

        // Pull: the key's district only, paged, the same envelope as the push.
        let pull = |key: Option<String>, q: String| {
            let req = s.client.get(s.url(&format!("/records/v1/events?{q}")));
            let req = match key {
                Some(k) => req.header("authorization", format!("Bearer {k}")),
                None => req,
            };
            async move {
                let res = req.send().await.unwrap();
                let status = res.status().as_u16();
                (status, res.json::<serde_json::Value>().await.unwrap_or_default())
            }
        };
        assert_eq!(pull(None, "community=cuiyuan".into()).await.0, 401, "{label}");
        assert_eq!(pull(Some("lr_guessed".into()), "community=cuiyuan".into()).await.0, 401, "{label}");
        assert_eq!(pull(Some(secret.clone()), "community=nowhere".into()).await.0, 404, "{label}");
        let mut got = Vec::new();
        let mut after = 0;
        loop {
            let (st, page) = pull(Some(secret.clone()), format!("community=cuiyuan&after={after}&limit=2")).await;
            assert_eq!(st, 200, "{label}: {page}");
            for r in page["records"].as_array().unwrap() {
                common::schema::assert_follows_its_schema(r);
                got.push(r["seq"].as_i64().unwrap());
            }
            match page["next_after"].as_i64() {
                Some(n) => after = n,
                None => break,
            }
        }
        assert_eq!(got, (1..=base + 5).collect::<Vec<_>>(), "{label}");
        // Revoked: refused at once; a second revoke says so.
        let key_id = k["key"]["id"].as_i64().unwrap().to_string();
        assert_eq!(s.call(&mut admin, "records/revoke_key", &[("key_id", &key_id)]).await.0, 200, "{label}");
        assert_eq!(s.call(&mut admin, "records/revoke_key", &[("key_id", &key_id)]).await.0, 409, "{label}");
        assert_eq!(pull(Some(secret.clone()), "community=cuiyuan".into()).await.0, 401, "{label}");

        // Open data, no login: CSV (with BOM) and JSON, by date range; nothing personal.
        let today = app::time::date(server::db::now_ms());
        let res = s.client.get(s.url(&format!("/open-data/330106/cuiyuan/results?from={today}&to={today}"))).send().await.unwrap();
        assert_eq!(res.status(), 200, "{label}");
        let csv = res.text().await.unwrap();
        assert!(csv.starts_with("\u{feff}seq,occurred_at,kind"), "{label}");
        assert_eq!(csv.trim_end().lines().count() as i64, 1 + base + 5, "{label}: {csv}");
        let res = s.client.get(s.url("/open-data/330106/cuiyuan/results?format=json&from=2000-01-01&to=2000-12-31")).send().await.unwrap();
        assert_eq!(res.json::<serde_json::Value>().await.unwrap(), serde_json::json!([]), "{label}: nothing made in 2000");
        assert_eq!(s.client.get(s.url("/open-data/330106/nowhere/results")).send().await.unwrap().status(), 404, "{label}");
        assert_eq!(s.client.get(s.url("/open-data/330106/cuiyuan/results?from=yesterday")).send().await.unwrap().status(), 400, "{label}");
        let phones: Vec<String> = sqlx::query_scalar("SELECT phone FROM users WHERE phone IS NOT NULL").fetch_all(db.pool()).await.unwrap();
        assert!(!phones.iter().any(|p| csv.contains(p.as_str())), "{label}");
    }
}

/// Two server instances on one database pass the scheduler at the same moment: every step is done
/// once (one result per deliberation, its official record numbered once; no session generated
/// twice).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_passing_the_scheduler_at_once_do_each_step_once() {
    for (label, db) in common::databases().await {
        server::seed::seed_demo(&db).await.unwrap();
        let now = server::db::now_ms();
        for at in [now, now + 400 * 86_400_000, now + 800 * 86_400_000] {
            let (a, b) = futures_util::future::join(app::deliberation::store::tick(&db, None, at), app::deliberation::store::tick(&db, None, at)).await;
            assert!(a.is_ok() || b.is_ok(), "{label}: {a:?} {b:?}");
        }
        let (a, b) = futures_util::future::join(server::scheduler::run_services(&db, now), server::scheduler::run_services(&db, now)).await;
        assert!(a.is_ok() || b.is_ok(), "{label}: {a:?} {b:?}");
        let (a, b) =
            futures_util::future::join(server::scheduler::run_services(&db, now + 86_400_000), server::scheduler::run_services(&db, now + 86_400_000)).await;
        assert!(a.is_ok() || b.is_ok(), "{label}: {a:?} {b:?}");

        let deliberations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deliberations").fetch_one(db.pool()).await.unwrap();
        let results: Vec<(i64, i64)> =
            sqlx::query_as("SELECT subject_id, COUNT(*) FROM events WHERE kind = 'deliberation.result_published' GROUP BY subject_id ORDER BY subject_id")
                .fetch_all(db.pool())
                .await
                .unwrap();
        assert!(deliberations >= 2, "{label}");
        assert_eq!(results.len() as i64, deliberations, "{label}: every deliberation closed");
        assert!(results.iter().all(|(_, n)| *n == 1), "{label}: {results:?}");
        let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM service_sessions").fetch_one(db.pool()).await.unwrap();
        assert!(sessions > 0, "{label}");
        let twice: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT service_id, starts_at FROM service_sessions GROUP BY service_id, starts_at HAVING COUNT(*) > 1) t",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(twice, 0, "{label}: a session generated twice");
        let s = seqs(&db, communities(&db).await[0]).await;
        assert_eq!(s, (1..=s.len() as i64).collect::<Vec<_>>(), "{label}");
    }
}

/// The receiver refuses what it should: a changed body, a wrong secret, a stale or future
/// timestamp; a record sent again is taken once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receiver_refuses_tampered_wrongly_signed_and_stale_deliveries() {
    let running = receiver_on(None, Faults::default()).await;
    let client = reqwest::Client::new();
    let env = app::records::model::Envelope {
        id: "evt_330106_1".into(),
        kind: "need.answer".into(),
        schema_version: 1,
        community: app::records::model::Community { district: "330106".into(), code: "cuiyuan".into(), name: "翠苑社区".into() },
        seq: 1,
        occurred_at: "2026-12-05T10:00:00.000+08:00".into(),
        data: serde_json::json!({ "need_id": 1, "title": "路灯", "from_status": "accepted", "to_status": "accepted", "answer": "已修" }),
    };
    let body = serde_json::to_vec(&env).unwrap();
    let now = server::db::now_ms() / 1000;
    let key = app::records::sign::key(SECRET);
    let send = |body: Vec<u8>, ts: i64, sig: String| {
        let req = client
            .post(&running.url)
            .header("webhook-id", "evt_330106_1")
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", sig)
            .body(body);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    let signed = |ts: i64, b: &[u8]| app::records::sign::sign(&key, "evt_330106_1", ts, b);
    let mut tampered = body.clone();
    let at = tampered.iter().position(|b| *b == b'1').unwrap();
    tampered[at] = b'2';
    assert_eq!(send(tampered, now, signed(now, &body)).await, 401, "a changed body");
    assert_eq!(
        send(body.clone(), now, app::records::sign::sign(&app::records::sign::key("whsec_d3Jvbmc="), "evt_330106_1", now, &body)).await,
        401,
        "a wrong secret"
    );
    assert_eq!(send(body.clone(), now - 301, signed(now - 301, &body)).await, 401, "a stale timestamp");
    assert_eq!(send(body.clone(), now + 301, signed(now + 301, &body)).await, 401, "a timestamp from the future");
    assert_eq!(running.receiver.status().await.unwrap().received, 0);
    assert_eq!(send(body.clone(), now, signed(now, &body)).await, 200);
    assert_eq!(send(body.clone(), now, signed(now, &body)).await, 200, "sent again: taken once");
    let status = running.receiver.status().await.unwrap();
    assert_eq!((status.received, status.duplicates), (1, 1));
}

/// The real server binary, delivering to `url` from `database_url`, with the retry schedule
/// compressed (sixty 10 ms waits) and short leases.
fn spawn_server(database_url: &str, url: &str, instance: &str) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("LINLI_DATA_DIR", common::temp_dir())
        .env("LINLI_ADDR", "127.0.0.1:0")
        .env("LINLI_RECORDS_URL", url)
        .env("LINLI_RECORDS_SECRET", SECRET)
        .env("LINLI_RECORDS_SCHEDULE", vec!["10ms"; 60].join(","))
        .env("LINLI_RECORDS_EVERY_MS", "20")
        .env("LINLI_RECORDS_LEASE_MS", "1000")
        .env("LINLI_INSTANCE", instance)
        .env("LINLI_SCHEDULER_SECS", "3600")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

async fn until(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "{what}: not after {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// 10,000 official records in ten communities; the receiver fails 30 % of requests at random; the
/// server delivering them is killed with SIGKILL three times mid-delivery (on PostgreSQL a second
/// instance keeps delivering beside it). At the end the receiver has applied every record once,
/// in `seq` order per community.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_records_arrive_once_and_in_order_though_the_server_is_killed_three_times() {
    const RECORDS: usize = 10_000;
    for (label, db, database_url) in common::databases_with_urls().await {
        server::seed::seed_demo(&db).await.unwrap();
        let cs = server::bench_records::add_communities(&db, "k", 8).await.unwrap();
        for at in (0..RECORDS).step_by(500) {
            server::bench_records::add_records(&db, &cs, at, 500).await.unwrap();
        }
        let running = receiver_on(None, Faults { fail_before: 0.3, ..Faults::default() }).await;
        let mut a = spawn_server(&database_url, &running.url, "instance-a");
        let mut b = (label == "postgres").then(|| spawn_server(&database_url, &running.url, "instance-b"));
        for (n, at) in [1_500i64, 4_000, 7_000].into_iter().enumerate() {
            let r = running.receiver.clone();
            until(&format!("{label}: {at} received"), Duration::from_secs(240), async || r.status().await.unwrap().received >= at).await;
            a.kill().unwrap();
            a.wait().unwrap();
            // On SQLite the same instance comes back and takes its streams back at once; on
            // PostgreSQL the other instance takes them over when the leases run out, and the killed
            // one comes back under a new name.
            let name = if b.is_some() { format!("instance-a{n}") } else { "instance-a".to_string() };
            a = spawn_server(&database_url, &running.url, &name);
        }
        let d = db.clone();
        until(&format!("{label}: all delivered"), Duration::from_secs(300), async || store::counts(&d, None).await.unwrap().pending == 0).await;
        a.kill().unwrap();
        a.wait().unwrap();
        if let Some(b) = b.as_mut() {
            b.kill().unwrap();
            b.wait().unwrap();
        }
        let counts = store::counts(&db, None).await.unwrap();
        assert_eq!((counts.delivered, counts.dead), (RECORDS as i64, 0), "{label}");
        let keys = stream_keys(&db).await;
        let mut expected = HashMap::new();
        for c in &cs {
            expected.insert(keys[c].clone(), seqs(&db, *c).await.len() as i64);
        }
        assert_applied_in_order(label, &running.receiver, &expected).await;
        let status = running.receiver.status().await.unwrap();
        assert_eq!(status.received, RECORDS as i64, "{label}");
        assert!(status.requests > status.received, "{label}: failures were injected ({status:?})");
    }
}
