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

/// The record follows its kind's schema in docs/records/: the types, every required field
/// present and, where the schema closes an object, nothing it does not name — checked through
/// every nested object and array (the parts of JSON Schema those files use).
fn assert_follows_its_schema(record: &serde_json::Value) {
    let kind = record["kind"].as_str().unwrap();
    let path = format!("{}/../docs/records/{kind}.v1.schema.json", env!("CARGO_MANIFEST_DIR"));
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap();
    check_schema(kind, "", record, &schema);
}

fn check_schema(kind: &str, at: &str, value: &serde_json::Value, schema: &serde_json::Value) {
    use serde_json::Value;
    if let Some(c) = schema.get("const") {
        assert_eq!(value, c, "{kind}{at}");
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => false,
        });
        assert!(ok, "{kind}{at}: {value} is not {types:?}");
    }
    if let (Some(fields), Some(props)) = (value.as_object(), schema.get("properties").and_then(Value::as_object)) {
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            assert!(fields.contains_key(required.as_str().unwrap()), "{kind}{at}: {required} missing");
        }
        for (name, v) in fields {
            match props.get(name) {
                Some(s) => check_schema(kind, &format!("{at}.{name}"), v, s),
                None => assert!(schema.get("additionalProperties") != Some(&Value::Bool(false)), "{kind}{at}: {name} is not in the schema"),
            }
        }
    }
    if let (Some(items), Some(s)) = (value.as_array(), schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            check_schema(kind, &format!("{at}[{i}]"), v, s);
        }
    }
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
        let running = receiver_on(Some(listener), Faults { fail_before: 0.3, fail_after: 0.2, delay_ms: 5, down: false }).await;
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
            assert_follows_its_schema(&serde_json::from_str(&r.body).unwrap());
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
        let district: i64 = sqlx::query_scalar("SELECT id FROM districts ORDER BY id LIMIT 1").fetch_one(db.pool()).await.unwrap();
        let mut tx = db.begin_write().await.unwrap();
        for i in 0..12 {
            sqlx::query("INSERT INTO communities (district_id, code, name_zh, name_en) VALUES ($1, $2, $3, $4)")
                .bind(district)
                .bind(format!("t{i}"))
                .bind(format!("测试{i}"))
                .bind(format!("Test {i}"))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let cs = communities(&db).await;
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
