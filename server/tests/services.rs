//! Services (一老一小) through HTTP against a running server, on every backend: never one place too
//! many under a rush of bookings, the waitlist in commit order and promoted in order when places
//! come free, refusals that write nothing, a cancelled session, check-in by code and list counted
//! once, walk-ins, and the scheduler's steps (sessions ahead, booking closed, no-shows, the monthly
//! figures) done once across a restart.
mod common;

use app::kernel::error::Failure as _;
use app::services::error::ServiceError;
use app::services::model::Ineligible;
use common::futures_join;
use common::live::{Jar, Server, start};
use serde_json::{Value, json};

/// The two rush tests take turns: each sends hundreds of requests at once to a server of its own,
/// and on two cores, side by side (and beside PostgreSQL's), a debug build's requests wait longer
/// for the database than its 10 s limit and are answered 503 — the designed answer under overload
/// (nothing written, try again), but not what these tests examine.
static RUSH: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn count(s: &Server, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(s.db.pool()).await.unwrap()
}

async fn worker(s: &Server) -> Jar {
    s.session_for(s.user_id("13800000020").await).await
}

fn now() -> i64 {
    server::db::now_ms()
}

/// `YYYY-MM-DD` of today + `days` in Beijing.
fn day(days: i64) -> String {
    app::time::day_text(app::time::day_of(now()) + days)
}

/// A service form: `extra` overrides the defaults (meals for everyone, free, two people a booking).
fn service_form(extra: Value) -> String {
    let mut v = json!({
        "id": null, "category": "Meals", "title": "长者食堂午餐", "provider": "翠苑长者食堂", "place": "翠苑社区食堂", "description": "荤素搭配",
        "rules": { "eligibility": { "min_age": null, "max_age": null, "building_ids": [] }, "base_price_fen": 0, "bands": [],
                   "party_limit": 2, "cancel_before_min": 60, "per_day": null, "per_week": null },
        "active": true,
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v.to_string()
}

async fn new_service(s: &Server, jar: &mut Jar, extra: Value) -> i64 {
    let (status, body) = s.call(jar, "services/save", &[("form", &service_form(extra))]).await;
    assert_eq!(status, 200, "save: {body}");
    body.as_i64().unwrap()
}

/// A one-off session tomorrow 11:30–12:30 (booking open since a week before, until 11:00 that day).
async fn session(s: &Server, jar: &mut Jar, service: i64, capacity: i64) -> i64 {
    let form = json!({ "service_id": service, "repeat": "Once", "first_day": day(1), "last_day": null, "start": "11:30", "end": "12:30",
        "capacity": capacity, "opens_days_before": 7, "opens": "00:00", "closes": "11:00" });
    let (status, body) = s.call(jar, "services/schedule", &[("form", &form.to_string())]).await;
    assert_eq!(status, 200, "schedule: {body}");
    count(s, "SELECT id FROM service_sessions WHERE schedule_id = $1", body.as_i64().unwrap()).await
}

async fn book(s: &Server, jar: &mut Jar, session: i64, members: &[i64]) -> (u16, Value) {
    let m = members.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(",");
    s.call_served(jar, "services/book", &[("session_id", &session.to_string()), ("members", &m)]).await
}

async fn member_of(s: &Server, user: i64) -> i64 {
    count(s, "SELECT member_id FROM memberships WHERE user_id = $1 AND role = 'resident'", user).await
}

/// Adds a confirmed member (no phone) to the household of `user`.
async fn add_member(s: &Server, user: i64, name: &str, birth_year: Option<i64>) -> i64 {
    let household = count(s, "SELECT m.household_id FROM memberships ms JOIN household_members m ON m.id = ms.member_id WHERE ms.user_id = $1", user).await;
    sqlx::query_scalar(
        "INSERT INTO household_members (household_id, name, birth_year, relationship, status) VALUES ($1, $2, $3, '母亲', 'confirmed') RETURNING id",
    )
    .bind(household)
    .bind(name)
    .bind(birth_year)
    .fetch_one(s.db.pool())
    .await
    .unwrap()
}

fn error(body: &Value) -> ServiceError {
    serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("not a ServiceError: {body} ({e})"))
}

/// The call failed with `expected`, and the message is clear in both languages.
fn refused(label: &str, (status, body): (u16, Value), code: u16, expected: ServiceError) {
    assert_eq!(status, code, "{label}: {body}");
    let e = error(&body);
    assert_eq!(e, expected, "{label}");
    use app::i18n::Locale;
    let (zh, en) = (e.message(Locale::zh_CN), e.message(Locale::en));
    assert!(!zh.is_empty() && !en.is_empty() && zh != en, "{label}: {zh} / {en}");
}

async fn taken(s: &Server, session: i64) -> i64 {
    count(s, "SELECT p.taken FROM capacity_pools p JOIN service_sessions x ON x.pool_id = p.id WHERE x.id = $1", session).await
}

async fn held_people(s: &Server, session: i64) -> i64 {
    count(
        s,
        "SELECT COUNT(*) FROM service_booking_people bp JOIN service_bookings b ON b.id = bp.booking_id JOIN capacity_claims c ON c.id = b.claim_id \
         WHERE bp.session_id = $1 AND c.state = 'held'",
        session,
    )
    .await
}

/// (booking, position) of the waiting bookings, in waitlist (arrival) order.
async fn waitlist(s: &Server, session: i64) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT b.id FROM service_bookings b JOIN capacity_claims c ON c.id = b.claim_id WHERE b.session_id = $1 AND c.state = 'waiting' ORDER BY c.seq",
    )
    .bind(session)
    .fetch_all(s.db.pool())
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_bookings_by_600_residents_take_exactly_50_places_and_the_rest_wait_in_order() {
    let _turn = RUSH.lock().await;
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let residents = s.residents("cuiyuan", "9幢", 600).await;
        let mut w = worker(&s).await;
        let svc = new_service(&s, &mut w, json!({})).await;
        let sess = session(&s, &mut w, svc, 50).await;
        let mut me = Vec::new();
        let mut mother = Vec::new();
        for (i, &u) in residents.iter().enumerate() {
            me.push(member_of(&s, u).await);
            mother.push(if !(200..400).contains(&i) { Some(add_member(&s, u, "母亲", Some(1950)).await) } else { None });
        }
        let jars: Vec<Jar> = futures_join(residents.iter().map(|&u| s.session_for(u))).await;
        // 0–199: themselves and their mother, in two requests; 200–399: themselves, twice (one is
        // refused); 400–599: themselves and their mother in one booking (two places or none).
        let mut plan: Vec<(usize, Vec<i64>)> = Vec::new();
        for i in 0..600 {
            match i {
                0..200 => {
                    plan.push((i, vec![me[i]]));
                    plan.push((i, vec![mother[i].unwrap()]));
                }
                200..400 => {
                    plan.push((i, vec![me[i]]));
                    plan.push((i, vec![me[i]]));
                }
                _ => plan.push((i, vec![me[i], mother[i].unwrap()])),
            }
        }
        assert_eq!(plan.len(), 1000);
        let s = &s;
        let results = futures_join(plan.iter().map(|(i, m)| {
            let mut jar = jars[*i].clone();
            async move { (book(s, &mut jar, sess, m).await, m.clone()) }
        }))
        .await;
        let mut booked_places = 0;
        let mut positions = std::collections::HashMap::new();
        let mut twice = 0;
        for ((status, body), m) in &results {
            assert!(*status < 500, "{label}: {status} {body}");
            match status {
                200 => match body["state"].clone() {
                    v if v == json!("Booked") => booked_places += m.len() as i64,
                    v => {
                        positions.insert(body["booking_id"].as_i64().unwrap(), v["Waiting"]["position"].as_i64().unwrap());
                    }
                },
                409 => {
                    assert!(matches!(error(body), ServiceError::AlreadyBooked { .. }), "{label}: {body}");
                    twice += 1;
                }
                _ => panic!("{label}: {status} {body}"),
            }
        }
        assert_eq!(twice, 200, "{label}: the second request of each of 200 residents is refused");
        assert_eq!((booked_places, taken(s, sess).await, held_people(s, sess).await), (50, 50, 50), "{label}");
        // Everyone else waits, each told their place in line when they arrived: in arrival order
        // 1, 2, 3, … with none missing or repeated.
        let order = waitlist(s, sess).await;
        assert_eq!(order.len(), positions.len(), "{label}");
        for (i, b) in order.iter().enumerate() {
            assert_eq!(positions[b], i as i64 + 1, "{label}: booking {b}");
        }
        // Nobody twice: every active person once in the session.
        let dup: i64 = count(
            s,
            "SELECT COUNT(*) FROM (SELECT member_id FROM service_booking_people WHERE session_id = $1 AND active = 1 GROUP BY member_id HAVING COUNT(*) > 1) x",
            sess,
        )
        .await;
        assert_eq!(dup, 0, "{label}");
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM service_booking_people WHERE session_id = $1 AND active = 1", sess).await,
            1000,
            "{label}: 600 + 400 mothers"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cancellations_and_bookings_never_overbook_and_promote_in_waitlist_order() {
    let _turn = RUSH.lock().await;
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let residents = s.residents("cuiyuan", "8幢", 210).await;
        let mut w = worker(&s).await;
        let svc = new_service(
            &s,
            &mut w,
            json!({ "rules": { "eligibility": { "min_age": null, "max_age": null, "building_ids": [] }, "base_price_fen": 0,
            "bands": [], "party_limit": 2, "cancel_before_min": 0, "per_day": null, "per_week": null } }),
        )
        .await;
        let sess = session(&s, &mut w, svc, 20).await;
        let jars: Vec<Jar> = futures_join(residents.iter().map(|&u| s.session_for(u))).await;
        let mut bookings = Vec::new();
        for (i, &u) in residents[..60].iter().enumerate() {
            let (status, body) = book(&s, &mut jars[i].clone(), sess, &[member_of(&s, u).await]).await;
            assert_eq!(status, 200, "{label}: {body}");
            bookings.push(body["booking_id"].as_i64().unwrap());
        }
        assert_eq!((taken(&s, sess).await, waitlist(&s, sess).await.len()), (20, 40), "{label}");
        let waiting_before = waitlist(&s, sess).await;
        // 150 cancellations (some of the same booking twice: the second is refused) and 150 new
        // bookings, all at once; meanwhile a reader watches the count.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = {
            let (db, stop) = (s.db.clone(), stop.clone());
            tokio::spawn(async move {
                let mut max = 0i64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let held: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM service_booking_people bp JOIN service_bookings b ON b.id = bp.booking_id \
                         JOIN capacity_claims c ON c.id = b.claim_id WHERE bp.session_id = $1 AND c.state = 'held'",
                    )
                    .bind(sess)
                    .fetch_one(db.pool())
                    .await
                    .unwrap();
                    max = max.max(held);
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                max
            })
        };
        let s = &s;
        let mut ops: Vec<(usize, Option<i64>)> = Vec::new();
        for i in 0..150 {
            ops.push((i % 60, Some(bookings[(i * 7) % 60])));
            ops.push((60 + i, None));
        }
        let mut member = Vec::new();
        for &u in &residents {
            member.push(member_of(s, u).await);
        }
        let member = &member;
        let results = futures_join(ops.iter().map(|&(who, cancel)| {
            let mut jar = jars[who].clone();
            async move {
                match cancel {
                    Some(b) => {
                        // The booking's own household cancels it.
                        let owner: i64 = count(s, "SELECT booked_by FROM service_bookings WHERE id = $1", b).await;
                        let mut jar = s.session_for(owner).await;
                        s.call_served(&mut jar, "services/cancel", &[("booking_id", &b.to_string())]).await
                    }
                    None => book(s, &mut jar, sess, &[member[who]]).await,
                }
            }
        }))
        .await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let max = watcher.await.unwrap();
        assert!(max <= 20, "{label}: {max} held at once");
        for (status, body) in &results {
            assert!(*status == 200 || (*status == 409 && error(body) == ServiceError::AlreadyCancelled), "{label}: {status} {body}");
        }
        assert_eq!(taken(s, sess).await, held_people(s, sess).await, "{label}");
        assert!(taken(s, sess).await <= 20, "{label}");
        // Promotions followed the waitlist: every promoted booking arrived before every booking
        // still waiting, and the original waiters were promoted in their order.
        let promoted: Vec<i64> = sqlx::query_scalar(
            "SELECT b.id FROM service_bookings b JOIN capacity_claims c ON c.id = b.claim_id WHERE b.session_id = $1 AND c.promoted = 1 ORDER BY c.seq",
        )
        .bind(sess)
        .fetch_all(s.db.pool())
        .await
        .unwrap();
        let waitlist_now = waitlist(s, sess).await;
        let max_promoted_seq: i64 = count(
            s,
            "SELECT COALESCE(MAX(c.seq), 0) FROM service_bookings b JOIN capacity_claims c ON c.id = b.claim_id WHERE b.session_id = $1 AND c.promoted = 1",
            sess,
        )
        .await;
        let min_waiting_seq: i64 =
            count(s, "SELECT COALESCE(MIN(c.seq), 1000000) FROM service_bookings b JOIN capacity_claims c ON c.id = b.claim_id WHERE b.session_id = $1 AND c.state = 'waiting'", sess).await;
        assert!(max_promoted_seq < min_waiting_seq, "{label}");
        // …and in that order: the promotions, in the order they were committed (their events'
        // ids, taken under the session's lock), went to bookings in order of arrival.
        let seqs: Vec<i64> = sqlx::query_scalar(
            "SELECT c.seq FROM events e JOIN service_bookings b ON b.id = e.subject_id JOIN capacity_claims c ON c.id = b.claim_id \
             WHERE e.kind = 'service.promoted' AND b.session_id = $1 ORDER BY e.id",
        )
        .bind(sess)
        .fetch_all(s.db.pool())
        .await
        .unwrap();
        assert_eq!(seqs.len(), promoted.len(), "{label}");
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{label}: promoted out of order: {seqs:?}");
        // No one of the first waitlist still waits while a later arrival was promoted.
        assert!(waiting_before.iter().all(|b| promoted.contains(b) || !waitlist_now.contains(b) || promoted.iter().all(|p| p < b)), "{label}");
        assert!(!promoted.is_empty(), "{label}");
        // Each promoted booking told once, and recorded once.
        for b in &promoted {
            assert_eq!(count(s, "SELECT COUNT(*) FROM events WHERE kind = 'service.promoted' AND subject_id = $1", *b).await, 1, "{label}");
            assert_eq!(count(s, "SELECT COUNT(*) FROM notifications WHERE kind = 'svc_promoted' AND subject_id = $1", *b).await, 1, "{label}");
        }
    }
}

#[tokio::test]
async fn refusals_say_why_in_both_languages_and_write_nothing() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let r = s.residents("cuiyuan", "7幢", 2).await;
        let other = s.residents("wending", "1幢", 1).await;
        let mut w = worker(&s).await;
        let elderly = new_service(&s, &mut w, json!({ "rules": { "eligibility": { "min_age": 60, "max_age": null, "building_ids": [] }, "base_price_fen": 1200,
            "bands": [{ "from_age": 70, "price_fen": 1000 }, { "from_age": 80, "price_fen": 800 }], "party_limit": 2, "cancel_before_min": 60, "per_day": 1, "per_week": 3 } }))
        .await;
        let sess = session(&s, &mut w, elderly, 10).await;
        let year = app::time::year_of(now() + 86_400_000);
        let mother = add_member(&s, r[0], "王奶奶", Some(year - 82)).await;
        let child = add_member(&s, r[0], "王小宝", Some(year - 3)).await;
        let unknown = add_member(&s, r[0], "王爷爷", None).await;
        let neighbour = add_member(&s, r[1], "李奶奶", Some(year - 75)).await;
        let before = |s: &Server| {
            let db = s.db.clone();
            async move {
                let n: i64 = sqlx::query_scalar(
                    "SELECT (SELECT COUNT(*) FROM service_bookings) + (SELECT COUNT(*) FROM capacity_claims) + (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM notifications)",
                )
                .fetch_one(db.pool())
                .await
                .unwrap();
                n
            }
        };
        let n0 = before(&s).await;
        let mut a = s.session_for(r[0]).await;
        refused(
            &format!("{label} child"),
            book(&s, &mut a, sess, &[child]).await,
            403,
            ServiceError::Ineligible { name: "王小宝".into(), why: Ineligible::TooYoung { min: 60 } },
        );
        refused(
            &format!("{label} no birth year"),
            book(&s, &mut a, sess, &[unknown]).await,
            403,
            ServiceError::Ineligible { name: "王爷爷".into(), why: Ineligible::NoBirthYear },
        );
        refused(&format!("{label} other household"), book(&s, &mut a, sess, &[neighbour]).await, 400, ServiceError::NotYourHousehold);
        refused(&format!("{label} party"), book(&s, &mut a, sess, &[mother, child, unknown]).await, 400, ServiceError::PartyTooLarge { max: 2 });
        refused(&format!("{label} nobody"), book(&s, &mut a, sess, &[]).await, 400, ServiceError::NotYourHousehold);
        // Another community's resident cannot see or book it.
        let mut o = s.session_for(other[0]).await;
        let (status, _) = book(&s, &mut o, sess, &[member_of(&s, other[0]).await]).await;
        assert_eq!(status, 404, "{label}");
        let (status, _) = s.call(&mut o, "services/get", &[("id", &elderly.to_string())]).await;
        assert_eq!(status, 404, "{label}");
        // A resident cannot run the desk.
        let (status, _) = s.call(&mut a, "services/roster", &[("session_id", &sess.to_string())]).await;
        assert_eq!(status, 403, "{label}");
        let (status, _) = s.call(&mut a, "services/session_capacity", &[("session_id", &sess.to_string()), ("capacity", "99")]).await;
        assert_eq!(status, 403, "{label}");
        assert_eq!(before(&s).await, n0, "{label}: nothing written");
        // The 82-year-old: booked at the 80+ price, copied into the booking.
        let (status, body) = book(&s, &mut a, sess, &[mother]).await;
        assert_eq!((status, &body["state"]), (200, &json!("Booked")), "{label}: {body}");
        let b = body["booking_id"].as_i64().unwrap();
        assert_eq!(count(&s, "SELECT total_fen FROM service_bookings WHERE id = $1", b).await, 800, "{label}");
        refused(&format!("{label} twice"), book(&s, &mut a, sess, &[mother]).await, 409, ServiceError::AlreadyBooked { name: "王奶奶".into() });
        // Another service at an overlapping time.
        let day_care = new_service(&s, &mut w, json!({ "category": "DayCare", "title": "日间照料" })).await;
        let sess2 = session(&s, &mut w, day_care, 10).await;
        refused(&format!("{label} overlap"), book(&s, &mut a, sess2, &[mother]).await, 409, ServiceError::Overlap { name: "王奶奶".into() });
        // Lowering the capacity below the booked count is refused with the count.
        refused(
            &format!("{label} capacity"),
            s.call(&mut w, "services/session_capacity", &[("session_id", &sess.to_string()), ("capacity", "0")]).await,
            400,
            ServiceError::Schedule(app::services::model::ScheduleProblem::Capacity),
        );
        // Three more booked: four places taken of ten.
        for &u in &s.residents("cuiyuan", "7幢", 3).await {
            let m = add_member(&s, u, "老人", Some(year - 70)).await;
            assert_eq!(book(&s, &mut s.session_for(u).await, sess, &[m]).await.0, 200, "{label}");
        }
        refused(
            &format!("{label} below booked"),
            s.call(&mut w, "services/session_capacity", &[("session_id", &sess.to_string()), ("capacity", "3")]).await,
            409,
            ServiceError::BelowBooked { taken: 4 },
        );
        assert_eq!(taken(&s, sess).await, 4, "{label}");
    }
}

#[tokio::test]
async fn a_daughter_books_for_her_mother_the_waitlist_moves_when_she_cancels_and_the_desk_checks_in() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let r = s.residents("cuiyuan", "5幢", 3).await;
        let mut w = worker(&s).await;
        let svc = new_service(&s, &mut w, json!({})).await;
        let sess = session(&s, &mut w, svc, 1).await;
        let mother = add_member(&s, r[0], "张奶奶", Some(1944)).await;
        let mut daughter = s.session_for(r[0]).await;
        let (status, body) = book(&s, &mut daughter, sess, &[mother]).await;
        assert_eq!((status, &body["state"]), (200, &json!("Booked")), "{label}: {body}");
        let first = body["booking_id"].as_i64().unwrap();
        let code = body["code"].as_str().unwrap().to_string();
        let mut other = s.session_for(r[1]).await;
        let (status, body) = book(&s, &mut other, sess, &[member_of(&s, r[1]).await]).await;
        assert_eq!((status, &body["state"]), (200, &json!({ "Waiting": { "position": 1 } })), "{label}: {body}");
        let second = body["booking_id"].as_i64().unwrap();
        // 我的预约 shows the waiting position; the booking page its QR code.
        let (_, mine) = s.call(&mut other, "services/mine", &[]).await;
        assert_eq!(mine["bookings"][0]["state"], json!({ "Waiting": { "position": 1 } }), "{label}: {mine}");
        let (status, page) = s.call(&mut daughter, "services/booking", &[("id", &first.to_string())]).await;
        assert_eq!(status, 200, "{label}: {page}");
        assert!(page["qr_svg"].as_str().unwrap().starts_with("<?xml") || page["qr_svg"].as_str().unwrap().contains("<svg"), "{label}");
        // Someone else's booking does not exist for them.
        let (status, _) = s.call(&mut other, "services/booking", &[("id", &first.to_string())]).await;
        assert_eq!(status, 404, "{label}");
        let (status, _) = s.call(&mut other, "services/cancel", &[("booking_id", &first.to_string())]).await;
        assert_eq!(status, 404, "{label}");
        // The daughter cancels: the waiting resident is promoted in the same transaction and told.
        let (status, body) = s.call(&mut daughter, "services/cancel", &[("booking_id", &first.to_string())]).await;
        assert_eq!(status, 200, "{label}: {body}");
        let (_, mine) = s.call(&mut other, "services/mine", &[]).await;
        assert_eq!(mine["bookings"][0]["state"], json!("Booked"), "{label}: {mine}");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM notifications WHERE kind = 'svc_promoted' AND subject_id = $1", second).await, 1, "{label}");
        // The old code no longer checks in; the new booking's does, once, also when retried.
        let sid = sess.to_string();
        refused(
            &format!("{label} cancelled code"),
            s.call(&mut w, "services/check_in", &[("session_id", &sid), ("code", &code), ("client_id", "retry-0001")]).await,
            409,
            ServiceError::NotHeld,
        );
        let code2: String = sqlx::query_scalar("SELECT code FROM service_bookings WHERE id = $1").bind(second).fetch_one(s.db.pool()).await.unwrap();
        let (status, body) = s.call(&mut w, "services/check_in", &[("session_id", &sid), ("code", &code2.to_lowercase()), ("client_id", "retry-0002")]).await;
        assert_eq!((status, body["names"].as_array().map(|a| a.len())), (200, Some(1)), "{label}: {body}");
        let (status, body) = s.call(&mut w, "services/check_in", &[("session_id", &sid), ("code", &code2), ("client_id", "retry-0002")]).await;
        assert_eq!((status, &body["repeated"]), (200, &json!(true)), "{label}: {body}");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM events WHERE kind = 'service.checked_in' AND subject_id = $1", second).await, 1, "{label}");
        // A walk-in when full is refused; with a place added, booked and checked in at once (desk).
        let walker = add_member(&s, r[2], "赵大爷", Some(1940)).await;
        refused(
            &format!("{label} walk-in full"),
            s.call(&mut w, "services/walk_in", &[("session_id", &sid), ("member_id", &walker.to_string()), ("client_id", "walkin-001")]).await,
            409,
            ServiceError::Full,
        );
        let (status, _) = s.call(&mut w, "services/session_capacity", &[("session_id", &sid), ("capacity", "2")]).await;
        assert_eq!(status, 200, "{label}");
        let (status, body) = s.call(&mut w, "services/walk_in", &[("session_id", &sid), ("member_id", &walker.to_string()), ("client_id", "walkin-002")]).await;
        assert_eq!(status, 200, "{label}: {body}");
        let (_, roster) = s.call(&mut w, "services/roster", &[("session_id", &sid)]).await;
        let lines = roster["booked"].as_array().unwrap();
        assert_eq!(lines.len(), 2, "{label}: {roster}");
        assert!(lines.iter().all(|l| l["checked_in"] == json!(true)), "{label}: {roster}");
        assert!(lines.iter().any(|l| l["desk"] == json!(true) && l["name"] == json!("赵大爷")), "{label}: {roster}");
        // Another community's worker sees nothing of it.
        let wending_worker: i64 = sqlx::query_scalar(
            "SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id JOIN communities c ON c.id = m.community_id WHERE m.role = 'worker' AND c.code = 'wending' LIMIT 1",
        )
        .fetch_optional(s.db.pool())
        .await
        .unwrap()
        .unwrap_or(0);
        if wending_worker != 0 {
            let mut ow = s.session_for(wending_worker).await;
            assert_eq!(s.call(&mut ow, "services/roster", &[("session_id", &sid)]).await.0, 403, "{label}");
        }
    }
}

#[tokio::test]
async fn a_cancelled_session_leaves_nothing_booked_and_everyone_told() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let r = s.residents("cuiyuan", "4幢", 4).await;
        let mut w = worker(&s).await;
        let svc = new_service(&s, &mut w, json!({})).await;
        let sess = session(&s, &mut w, svc, 2).await;
        for &u in &r {
            assert_eq!(book(&s, &mut s.session_for(u).await, sess, &[member_of(&s, u).await]).await.0, 200);
        }
        refused(
            &format!("{label} no reason"),
            s.call(&mut w, "services/session_cancel", &[("session_id", &sess.to_string()), ("reason", " ")]).await,
            400,
            ServiceError::ReasonRequired,
        );
        let (status, body) = s.call(&mut w, "services/session_cancel", &[("session_id", &sess.to_string()), ("reason", "食堂检修")]).await;
        assert_eq!((status, body.as_i64()), (200, Some(4)), "{label}: {body}");
        assert_eq!(taken(&s, sess).await, 0, "{label}");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM service_booking_people WHERE session_id = $1 AND active = 1", sess).await, 0, "{label}");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM notifications WHERE kind = 'svc_session_cancelled' AND community_id IS NOT NULL AND subject_id IN (SELECT id FROM service_bookings WHERE session_id = $1)", sess).await, 4, "{label}");
        let mut a = s.session_for(r[0]).await;
        refused(&format!("{label} book cancelled"), book(&s, &mut a, sess, &[member_of(&s, r[0]).await]).await, 409, ServiceError::SessionCancelled);
        let (_, mine) = s.call(&mut a, "services/mine", &[]).await;
        assert_eq!(mine["bookings"][0]["state"], json!("SessionCancelled"), "{label}: {mine}");
    }
}

#[tokio::test]
async fn the_scheduler_generates_ahead_closes_booking_counts_no_shows_and_sends_the_month_once_across_a_restart() {
    for (label, db) in common::databases().await {
        let s = start(db.clone()).await;
        let r = s.residents("cuiyuan", "3幢", 3).await;
        let mut w = worker(&s).await;
        let svc = new_service(&s, &mut w, json!({})).await;
        // Every day from tomorrow: 28 days generated at once, and never again.
        let form = json!({ "service_id": svc, "repeat": { "Weekly": { "days": 127 } }, "first_day": day(1), "last_day": null, "start": "09:00", "end": "10:00",
            "capacity": 1, "opens_days_before": 7, "opens": "00:00", "closes": "08:00" });
        let (status, body) = s.call(&mut w, "services/schedule", &[("form", &form.to_string())]).await;
        assert_eq!(status, 200, "{label}: {body}");
        let schedule = body.as_i64().unwrap();
        let generated = count(&s, "SELECT COUNT(*) FROM service_sessions WHERE schedule_id = $1", schedule).await;
        assert_eq!(generated, app::services::model::GENERATE_DAYS, "{label}");
        assert_eq!(server::scheduler::run_services(&s.db, now()).await.unwrap().generated, 0, "{label}");
        let first: i64 = count(&s, "SELECT id FROM service_sessions WHERE schedule_id = $1 ORDER BY starts_at LIMIT 1", schedule).await;
        // One booked (and not coming), two waiting.
        for &u in &r {
            assert_eq!(book(&s, &mut s.session_for(u).await, first, &[member_of(&s, u).await]).await.0, 200);
        }
        // The server stops; the session's time passes while it is down.
        drop(s);
        let shift = count_db(&db, "SELECT starts_at FROM service_sessions WHERE id = $1", first).await - (now() - 3 * 3_600_000);
        sqlx::query("UPDATE service_sessions SET starts_at = starts_at - $1, ends_at = ends_at - $1, opens_at = opens_at - $1, closes_at = closes_at - $1 WHERE id = $2")
            .bind(shift)
            .bind(first)
            .execute(db.pool())
            .await
            .unwrap();
        let s = start(db.clone()).await;
        let t = server::scheduler::run_services(&s.db, now()).await.unwrap();
        assert_eq!((t.closed, t.ended, t.no_shows), (1, 1, 1), "{label}: {t:?}");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM notifications WHERE kind = 'svc_waitlist_closed' AND subject_id IN (SELECT id FROM service_bookings WHERE session_id = $1)", first).await, 2, "{label}");
        let again = server::scheduler::run_services(&s.db, now()).await.unwrap();
        assert_eq!((again.closed, again.ended, again.no_shows, again.months), (0, 0, 0, 0), "{label}: {again:?}");
        // Next month (as the clock will say): last month's figures once, as an official event.
        let next_month = app::services::model::month_span(now()).2 + 3_600_000;
        let m = server::scheduler::run_services(&s.db, next_month).await.unwrap();
        assert_eq!(m.months, 1, "{label}: {m:?}");
        drop(s);
        let s = start(db).await;
        assert_eq!(server::scheduler::run_services(&s.db, next_month).await.unwrap().months, 0, "{label}");
        let community: i64 = sqlx::query_scalar("SELECT id FROM communities WHERE code = 'cuiyuan'").fetch_one(s.db.pool()).await.unwrap();
        let payload: String = sqlx::query_scalar("SELECT payload FROM events WHERE kind = 'service.monthly_statistics' AND official = 1 AND community_id = $1")
            .bind(community)
            .fetch_one(s.db.pool())
            .await
            .unwrap();
        let stats: app::services::types::MonthStats = serde_json::from_str(&payload).unwrap();
        let lunch = stats.services.iter().find(|x| x.service_id == svc).unwrap();
        // The session was moved into this month's past; its one booking held, not attended.
        if app::services::model::month_span(now() - 3 * 3_600_000).0 == stats.month {
            assert_eq!((lunch.bookings, lunch.people, lunch.attended, lunch.no_shows), (1, 1, 0, 1), "{label}: {lunch:?}");
        }
    }
}

async fn count_db(db: &server::db::Db, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(db.pool()).await.unwrap()
}

#[tokio::test]
async fn the_calendar_file_is_served_to_the_household_only() {
    let db = common::sqlite().await;
    let s = start(db).await;
    let r = s.residents("cuiyuan", "2幢", 2).await;
    let mut w = worker(&s).await;
    let svc = new_service(&s, &mut w, json!({})).await;
    let sess = session(&s, &mut w, svc, 5).await;
    let mut a = s.session_for(r[0]).await;
    let (_, body) = book(&s, &mut a, sess, &[member_of(&s, r[0]).await]).await;
    let id = body["booking_id"].as_i64().unwrap();
    let url = s.url(&format!("/services/bookings/{id}/calendar.ics"));
    let res = s.client.get(&url).header("cookie", a.header()).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let text = res.text().await.unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.contains("SUMMARY:长者食堂午餐\r\n") && text.contains("DTSTART;TZID=Asia/Shanghai:"), "{text}");
    assert!(text.contains(&body["code"].as_str().unwrap().to_string()), "the code is in the description");
    let b = s.session_for(r[1]).await;
    assert_eq!(s.client.get(&url).header("cookie", b.header()).send().await.unwrap().status().as_u16(), 404);
    assert_eq!(s.client.get(&url).send().await.unwrap().status().as_u16(), 404);
}

#[tokio::test]
async fn the_desk_finds_walk_ins_by_name_or_room_and_the_calendar_shows_the_week() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let r = s.residents("cuiyuan", "6幢", 2).await;
        let mut w = worker(&s).await;
        // Meals for 60 and over: the desk sees who may come and for how much.
        let svc = new_service(
            &s,
            &mut w,
            json!({ "rules": { "eligibility": { "min_age": 60, "max_age": null, "building_ids": [] }, "base_price_fen": 1200,
            "bands": [{ "from_age": 80, "price_fen": 800 }], "party_limit": 2, "cancel_before_min": 60, "per_day": null, "per_week": null } }),
        )
        .await;
        let sess = session(&s, &mut w, svc, 5).await;
        let old = add_member(&s, r[0], "钱奶奶", Some(1940)).await;
        let young = add_member(&s, r[1], "钱小宝", Some(2020)).await;
        let sid = sess.to_string();
        let (status, found) = s.call(&mut w, "services/desk_people", &[("session_id", &sid), ("q", "钱")]).await;
        assert_eq!(status, 200, "{label}: {found}");
        let people = found.as_array().unwrap();
        let line = |id: i64| people.iter().find(|p| p["member_id"] == json!(id)).cloned().unwrap_or_else(|| panic!("{label}: {id} not in {found}"));
        assert_eq!(line(old)["price_fen"], json!({ "Ok": 800 }), "{label}");
        assert_eq!(line(young)["price_fen"], json!({ "Err": { "TooYoung": { "min": 60 } } }), "{label}");
        // By room too; a search that matches nobody finds nobody; wildcards are only characters.
        let room: String = sqlx::query_scalar("SELECT h.room FROM household_members m JOIN households h ON h.id = m.household_id WHERE m.id = $1")
            .bind(old)
            .fetch_one(s.db.pool())
            .await
            .unwrap();
        let (_, by_room) = s.call(&mut w, "services/desk_people", &[("session_id", &sid), ("q", &room)]).await;
        assert!(by_room.as_array().unwrap().iter().any(|p| p["member_id"] == json!(old)), "{label}: {by_room}");
        for q in ["不存在的人", "%", "_"] {
            let (status, none) = s.call(&mut w, "services/desk_people", &[("session_id", &sid), ("q", q)]).await;
            assert_eq!((status, none.as_array().map(|a| a.len())), (200, Some(0)), "{label} {q}: {none}");
        }
        // A resident cannot search the community.
        let mut resident = s.session_for(r[0]).await;
        let (status, _) = s.call(&mut resident, "services/desk_people", &[("session_id", &sid), ("q", "钱")]).await;
        assert_eq!(status, 403, "{label}");
        // The walk-in found is registered and checked in; the desk then sees them as booked.
        let (status, body) = s.call(&mut w, "services/walk_in", &[("session_id", &sid), ("member_id", &old.to_string()), ("client_id", "walk-0001")]).await;
        assert_eq!(status, 200, "{label}: {body}");
        let (_, found) = s.call(&mut w, "services/desk_people", &[("session_id", &sid), ("q", "钱奶奶")]).await;
        assert_eq!(found[0]["booked"], json!(true), "{label}: {found}");
        // The calendar: tomorrow's session with one place taken, on its day of the week.
        let (status, cal) = s.call(&mut w, "services/calendar", &[]).await;
        assert_eq!(status, 200, "{label}: {cal}");
        let days = cal["days"].as_array().unwrap();
        assert_eq!(days.len(), 7, "{label}");
        assert_eq!(days[1][0], json!(day(1)), "{label}");
        let ours = days[1][2].as_array().unwrap().iter().find(|c| c["session"]["id"] == json!(sess)).cloned().unwrap_or_else(|| panic!("{label}: {cal}"));
        assert_eq!((&ours["session"]["taken"], &ours["session"]["capacity"]), (&json!(1), &json!(5)), "{label}");
        assert!(days[0][2].as_array().unwrap().iter().all(|c| c["session"]["id"] != json!(sess)), "{label}");
        let (_, next) = s.call(&mut w, "services/calendar", &[("from", cal["next"].as_str().unwrap())]).await;
        assert_eq!(next["from"], json!(day(7)), "{label}: {next}");
        let (status, _) = s.call(&mut resident, "services/calendar", &[]).await;
        assert_eq!(status, 403, "{label}");
        let (status, _) = s.call(&mut w, "services/calendar", &[("from", "2026-13-01")]).await;
        assert_eq!(status, 400, "{label}");
    }
}
