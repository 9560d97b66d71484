//! Activities and the time bank on both databases, through the store as the server functions
//! call it: volunteers applied for and approved, an activity drafted, published, signed up for
//! (the kernel's waitlist, promoted when a place comes free), roles within their counts (also when
//! 40 volunteers ask at once), check-in and out giving hours, the report's photos, hours verified
//! into an append-only ledger that never goes below zero — also under 200 concurrent spends — and
//! 500 concurrent sign-ups for 30 places.
mod common;

use app::activities::error::ActivityError as E;
use app::activities::model::{Category, RoleSpec, Times};
use app::activities::store as act;
use app::activities::types::*;
use app::kernel::error::{CommonError, Failure as _};
use app::kernel::guard::{Membership, Principal, Role};
use app::timebank::model::{EntryKind, Refusal};
use common::people::{demo_with_residents, principal};
use server::db::{Db, now_ms};

async fn one(db: &Db, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(db.pool()).await.unwrap()
}

async fn community_of(db: &Db, p: &Principal) -> i64 {
    one(db, "SELECT community_id FROM memberships WHERE user_id = $1 AND role = 'resident'", p.user_id).await
}

async fn member_of(db: &Db, user: i64) -> i64 {
    one(db, "SELECT member_id FROM memberships WHERE user_id = $1 AND role = 'resident'", user).await
}

/// The refusal is `expected`, with a clear message in both languages.
fn refused<T: std::fmt::Debug>(label: &str, r: Result<T, E>, expected: E) {
    let e = r.expect_err(label);
    assert_eq!(e, expected, "{label}");
    use app::i18n::Locale;
    let (zh, en) = (e.message(Locale::zh_CN), e.message(Locale::en));
    assert!(!zh.is_empty() && !en.is_empty() && zh != en, "{label}: {zh} / {en}");
}

/// Started two hours ago, ends in an hour; sign-up open since yesterday until the end.
fn form(capacity: i64, roles: &[(&str, i64)]) -> ActivityForm {
    let now = now_ms();
    ActivityForm {
        title: "楼道清洁".into(),
        category: Category::Environment,
        description: "一起打扫 1 幢楼道".into(),
        place: "翠苑 1 幢".into(),
        times: Times { starts_at: now - 2 * 3_600_000, ends_at: now + 3_600_000, signup_opens_at: now - 86_400_000, signup_closes_at: now + 3_600_000 },
        capacity,
        min_age: None,
        max_age: None,
        roles: roles.iter().map(|(n, c)| RoleSpec { name: n.to_string(), count: *c }).collect(),
    }
}

async fn published(db: &Db, organiser: &Principal, worker: &Principal, f: &ActivityForm) -> i64 {
    let id = act::create(db, organiser, f, None).await.unwrap();
    act::submit(db, organiser, id).await.unwrap();
    act::decide(db, worker, id, true, None).await.unwrap();
    id
}

async fn events_count(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(db.pool()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_runs_an_activity_and_her_verified_hours_reach_the_time_bank() {
    for (label, db) in common::databases().await {
        server::seed::seed_demo(&db).await.unwrap();
        let worker = principal(&db, "13800000020").await;
        let zhang = principal(&db, "13800000004").await; // 张秀英, resident of 翠苑
        let wang = principal(&db, "13800000001").await; // 王芳
        let li = principal(&db, "13800000002").await; // 李强
        let zhao = principal(&db, "13800000003").await; // 赵敏, 文鼎苑
        let wending_worker = {
            // A worker of the other community.
            let mut p = principal(&db, "13800000003").await;
            p.memberships = vec![Membership { role: Role::Worker, community_id: p.memberships[0].community_id, district_id: None, verified: false }];
            p
        };

        // Not a volunteer yet: may not organise. Applies; a worker of another community may not
        // decide; hers does.
        let before = events_count(&db).await;
        refused(&format!("{label}: not a volunteer"), act::create(&db, &zhang, &form(1, &[]), None).await, E::NotVolunteer);
        assert_eq!(events_count(&db).await, before, "{label}: nothing written");
        let application = act::apply(&db, &zhang, "会理发", "周末上午").await.unwrap();
        refused(&format!("{label}: twice"), act::apply(&db, &zhang, "会理发", "周末上午").await, E::AlreadyApplied);
        refused(
            &format!("{label}: other community's worker"),
            act::decide_application(&db, &wending_worker, application, true, None).await,
            E::Common(CommonError::Forbidden),
        );
        refused(&format!("{label}: decline needs a reason"), act::decide_application(&db, &worker, application, false, Some(" ")).await, E::ReasonRequired);
        act::decide_application(&db, &worker, application, true, None).await.unwrap();
        let zhang = principal(&db, zhang.user_id).await;
        assert!(zhang.memberships.iter().any(|m| m.role == Role::Volunteer), "{label}: approved");

        // She drafts an activity with two roles; a worker publishes it.
        let f = form(1, &[("帮手", 2), ("摄影", 1)]);
        let activity = act::create(&db, &zhang, &f, None).await.unwrap();
        refused(
            &format!("{label}: draft not open"),
            act::sign_up(&db, &wang, activity, &[member_of(&db, wang.user_id).await]).await,
            E::Common(CommonError::NotFound),
        );
        refused(&format!("{label}: only submitted are decided"), act::decide(&db, &worker, activity, true, None).await, E::WrongState);
        act::submit(&db, &zhang, activity).await.unwrap();
        refused(&format!("{label}: a resident does not publish"), act::decide(&db, &wang, activity, true, None).await, E::Common(CommonError::Forbidden));
        act::decide(&db, &worker, activity, true, None).await.unwrap();
        assert_eq!(one(&db, "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'act_published'", zhang.user_id).await, 1, "{label}");

        // 王芳 takes the one place; 李强 waits (1st); 赵敏 of the other community does not see it;
        // someone else's household member is refused.
        let wang_member = member_of(&db, wang.user_id).await;
        let li_member = member_of(&db, li.user_id).await;
        let first = act::sign_up(&db, &wang, activity, &[wang_member]).await.unwrap();
        assert_eq!(first.state, SignUpState::SignedUp, "{label}");
        refused(&format!("{label}: twice"), act::sign_up(&db, &wang, activity, &[wang_member]).await, E::AlreadySignedUp { name: "王芳".into() });
        refused(&format!("{label}: not her household"), act::sign_up(&db, &wang, activity, &[li_member]).await, E::NotYourHousehold);
        refused(
            &format!("{label}: other community"),
            act::sign_up(&db, &zhao, activity, &[member_of(&db, zhao.user_id).await]).await,
            E::Common(CommonError::NotFound),
        );
        let second = act::sign_up(&db, &li, activity, &[li_member]).await.unwrap();
        assert_eq!(second.state, SignUpState::Waiting { position: 1 }, "{label}");
        // 我的活动: his household's sign-up, waiting; hers, with a place; 赵敏's, nothing of it.
        let m = act::mine(&db, &li).await.unwrap();
        assert_eq!(
            m.joined.iter().map(|(c, s)| (c.id, s.names.clone(), s.state)).collect::<Vec<_>>(),
            vec![(activity, vec!["李强".to_string()], SignUpState::Waiting { position: 1 })],
            "{label}"
        );
        assert!(m.serving.is_empty() && m.organised.is_empty(), "{label}");
        let m = act::mine(&db, &wang).await.unwrap();
        assert_eq!(m.joined.iter().map(|(c, s)| (c.id, s.state)).collect::<Vec<_>>(), vec![(activity, SignUpState::SignedUp)], "{label}");
        assert!(act::mine(&db, &zhao).await.unwrap().joined.iter().all(|(c, _)| c.id != activity), "{label}");
        refused(&format!("{label}: leave another's"), act::leave(&db, &li, first.signup_id).await, E::Common(CommonError::NotFound));
        act::leave(&db, &wang, first.signup_id).await.unwrap();
        assert_eq!(
            one(&db, "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'act_promoted'", li.user_id).await,
            1,
            "{label}: promoted and told"
        );
        assert_eq!(
            one(
                &db,
                "SELECT COUNT(*) FROM activity_signups s JOIN capacity_claims c ON c.id = s.claim_id WHERE s.id = $1 AND c.state = 'held'",
                second.signup_id
            )
            .await,
            1,
            "{label}"
        );

        // Roles: within their counts; one role each; only approved volunteers of the community.
        let roles: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM activity_roles WHERE activity_id = $1 ORDER BY id").bind(activity).fetch_all(db.pool()).await.unwrap();
        let zhang_role = act::take_role(&db, &zhang, activity, roles[0]).await.unwrap();
        refused(&format!("{label}: one role each"), act::take_role(&db, &zhang, activity, roles[1]).await, E::AlreadyInRole);
        let m = act::mine(&db, &zhang).await.unwrap();
        assert_eq!(m.serving.iter().map(|(c, r)| (c.id, r.volunteer_id)).collect::<Vec<_>>(), vec![(activity, zhang_role)], "{label}: her role");
        assert!(m.organised.iter().any(|c| c.id == activity), "{label}: she organises it");
        assert!(m.serving.iter().all(|(_, r)| r.qr_svg.is_empty()), "{label}: no QR codes in the list");
        let page = act::detail(&db, &zhang, activity).await.unwrap();
        assert!(page.my_role.as_ref().is_some_and(|r| r.qr_svg.contains("<svg")), "{label}: the QR code of her role's code on the page");
        refused(&format!("{label}: not a volunteer"), act::take_role(&db, &wang, activity, roles[1]).await, E::NotVolunteer);
        let chen = principal(&db, "13800000010").await; // 陈志愿, volunteer
        act::take_role(&db, &chen, activity, roles[1]).await.unwrap();
        let a2 = act::apply(&db, &wang, "摄影", "周末").await.unwrap();
        act::decide_application(&db, &worker, a2, true, None).await.unwrap();
        let wang = principal(&db, wang.user_id).await;
        refused(&format!("{label}: role full"), act::take_role(&db, &wang, activity, roles[1]).await, E::RoleFull);
        assert_eq!(one(&db, "SELECT COUNT(*) FROM activity_volunteers WHERE role_id = $1", roles[1]).await, 1, "{label}: nothing written");
        refused(&format!("{label}: role of another activity"), act::take_role(&db, &wang, activity + 1000, roles[1]).await, E::Common(CommonError::NotFound));

        // Check-in: 李强 by his code; she checks herself in (two hours and five minutes ago, as
        // the clock is set back here) and out now: clipped to the activity, 2 h = 4 half hours.
        let code: String = sqlx::query_scalar("SELECT code FROM activity_signups WHERE id = $1").bind(second.signup_id).fetch_one(db.pool()).await.unwrap();
        refused(
            &format!("{label}: a resident does not check in"),
            act::check_in(&db, &li, activity, Some(&code), None, Some(false)).await,
            E::Common(CommonError::Forbidden),
        );
        let r = act::check_in(&db, &zhang, activity, Some(&code.to_lowercase()), None, Some(false)).await.unwrap();
        assert_eq!(r, CheckedIn::Participants { names: vec!["李强".into()], already: false }, "{label}");
        let r = act::check_in(&db, &zhang, activity, None, Some(li_member), Some(false)).await.unwrap();
        assert_eq!(r, CheckedIn::Participants { names: vec!["李强".into()], already: true }, "{label}: once");
        refused(&format!("{label}: unknown code"), act::check_in(&db, &zhang, activity, Some("ZZZZZZ"), None, Some(false)).await, E::UnknownCode);
        let my_code: String = sqlx::query_scalar("SELECT code FROM activity_volunteers WHERE id = $1").bind(zhang_role).fetch_one(db.pool()).await.unwrap();
        refused(&format!("{label}: out before in"), act::check_in(&db, &zhang, activity, Some(&my_code), None, Some(true)).await, E::NotCheckedIn);
        // The camera sends no direction: in first (repeated: still in, the first time stays) ...
        let r = act::check_in(&db, &zhang, activity, Some(&my_code), None, None).await.unwrap();
        assert!(matches!(r, CheckedIn::Volunteer { out: false, .. }), "{label}: the camera checks in first: {r:?}");
        act::check_in(&db, &zhang, activity, Some(&my_code), None, Some(false)).await.unwrap();
        sqlx::query("UPDATE activity_volunteers SET checked_in_at = $2 WHERE id = $1")
            .bind(zhang_role)
            .bind(now_ms() - 2 * 3_600_000 - 300_000)
            .execute(db.pool())
            .await
            .unwrap();
        let r = act::check_in(&db, &zhang, activity, Some(&my_code), None, Some(true)).await.unwrap();
        assert!(matches!(r, CheckedIn::Volunteer { out: true, half_hours: Some(4), .. }), "{label}: {r:?}");
        // ... then out; once out, a further read changes nothing.
        refused(&format!("{label}: read after check-out"), act::check_in(&db, &zhang, activity, Some(&my_code), None, None).await, E::WrongState);
        assert_eq!(one(&db, "SELECT half_hours FROM activity_volunteers WHERE id = $1", zhang_role).await, 4, "{label}: hours kept");

        // 陈志愿 never checked out: no hours to verify until the worker enters them with a reason.
        let chen_role = one(&db, "SELECT id FROM activity_volunteers WHERE user_id = $1", chen.user_id).await;
        refused(&format!("{label}: no hours"), act::verify_hours(&db, &worker, activity, &[zhang_role, chen_role]).await, E::NoHours);
        assert_eq!(
            one(&db, "SELECT COUNT(*) FROM timebank_entries WHERE member_id = $1", member_of(&db, zhang.user_id).await).await,
            0,
            "{label}: nothing half-done"
        );
        refused(&format!("{label}: only workers verify"), act::verify_hours(&db, &zhang, activity, &[zhang_role]).await, E::Common(CommonError::Forbidden));
        act::set_hours(&db, &worker, chen_role, 6, "忘记签退，按签到表").await.unwrap();
        // The yearly cap is 2 h (4 half hours): 陈志愿's 6 are credited as 4.
        act::set_yearly_cap(&db, &worker, None, 4).await.unwrap();
        let v = act::verify_hours(&db, &worker, activity, &[zhang_role, chen_role]).await.unwrap();
        assert_eq!(v.iter().map(|v| (v.credited, v.recorded)).collect::<Vec<_>>(), vec![(4, 4), (4, 6)], "{label}");
        refused(&format!("{label}: verified once"), act::verify_hours(&db, &worker, activity, &[zhang_role]).await, E::WrongState);
        let zm = member_of(&db, zhang.user_id).await;
        let balance = |m: i64| one(&db, "SELECT balance FROM timebank_accounts WHERE member_id = $1", m);
        assert_eq!(balance(zm).await, 4, "{label}");

        // The worker's export of the day: UTF-8 with a BOM, or GBK with the same text; another
        // community's worker gets nothing of it.
        // (From the day it started: two hours ago may be yesterday.)
        let (from, today) = (app::time::day_text(app::time::day_of(now_ms() - 3 * 3_600_000)), app::time::day_text(app::time::day_of(now_ms())));
        let utf8 = act::export(&db, &worker, None, &from, &today, act::Encoding::Utf8).await.unwrap();
        assert!(utf8.starts_with("\u{feff}".as_bytes()), "{label}: BOM");
        let text = String::from_utf8(utf8[3..].to_vec()).unwrap();
        assert!(text.lines().any(|l| l.contains("楼道清洁") && l.contains("张秀英") && l.contains("志愿者：帮手") && l.ends_with(",2,2")), "{label}: {text}");
        assert!(text.lines().any(|l| l.contains("李强") && l.contains("参与者") && l.contains(",是,")), "{label}: {text}");
        let gbk = act::export(&db, &worker, None, &from, &today, act::Encoding::Gbk).await.unwrap();
        assert_eq!(encoding_rs::GBK.decode(&gbk).0, text, "{label}: the same in GBK");
        refused(
            &format!("{label}: another community"),
            act::export(&db, &worker, Some(community_of(&db, &zhao).await), &from, &today, act::Encoding::Utf8).await,
            E::Common(CommonError::Forbidden),
        );

        // She gives 1 h to her mother (added to her household here).
        let household = one(&db, "SELECT household_id FROM household_members WHERE id = $1", zm).await;
        let mother: i64 = sqlx::query_scalar(
            "INSERT INTO household_members (household_id, name, birth_year, relationship, status) VALUES ($1, '张母', 1935, '母亲', 'confirmed') RETURNING id",
        )
        .bind(household)
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(act::transfer(&db, &zhang, mother, 2).await.unwrap(), 2, "{label}");
        assert_eq!(balance(mother).await, 2, "{label}");
        refused(&format!("{label}: not household"), act::transfer(&db, &zhang, li_member, 1).await, E::Ledger(Refusal::NotInHousehold));
        refused(&format!("{label}: more than she has"), act::transfer(&db, &zhang, mother, 3).await, E::Ledger(Refusal::Insufficient { balance: 2 }));

        // A worker corrects her earned entry by −1 with a reason; the entry itself stays.
        let earned = one(&db, "SELECT id FROM timebank_entries WHERE member_id = $1 AND kind = 'earned'", zm).await;
        refused(&format!("{label}: reason"), act::correct(&db, &worker, earned, -1, "").await, E::ReasonRequired);
        refused(&format!("{label}: other community's worker"), act::correct(&db, &wending_worker, earned, -1, "记错").await, E::Common(CommonError::Forbidden));
        refused(
            &format!("{label}: not below what is left"),
            act::correct(&db, &worker, earned, -3, "记错").await,
            E::Ledger(Refusal::Insufficient { balance: 2 }),
        );
        act::correct(&db, &worker, earned, -1, "签到时间记错").await.unwrap();
        assert_eq!(balance(zm).await, 1, "{label}");
        // The balance is the ledger's sum; the ledger cannot be changed.
        let sum = one(&db, "SELECT CAST(SUM(half_hours) AS BIGINT) FROM timebank_entries WHERE member_id = $1", zm).await;
        assert_eq!(sum, 1, "{label}");
        let kinds: Vec<String> =
            sqlx::query_scalar("SELECT kind FROM timebank_entries WHERE member_id = $1 ORDER BY id").bind(zm).fetch_all(db.pool()).await.unwrap();
        assert_eq!(kinds, [EntryKind::Earned, EntryKind::Transferred, EntryKind::Corrected].map(|k| k.as_str().to_string()), "{label}");
        assert!(
            sqlx::query("UPDATE timebank_entries SET half_hours = 100 WHERE id = $1").bind(earned).execute(db.pool()).await.is_err(),
            "{label}: append-only"
        );
        assert!(sqlx::query("DELETE FROM timebank_entries WHERE id = $1").bind(earned).execute(db.pool()).await.is_err(), "{label}: append-only");
        assert!(
            sqlx::query("UPDATE timebank_accounts SET balance = -1 WHERE member_id = $1").bind(zm).execute(db.pool()).await.is_err(),
            "{label}: never below zero"
        );

        // Not over yet: no figures. Once over (the clock set forward here), the figures go out once
        // as an official record numbered for the records sync.
        refused(&format!("{label}: not over"), act::finish(&db, &zhang, activity, "").await, E::WrongState);
        let figures_activity = {
            let f = ActivityForm { times: Times { starts_at: now_ms() - 3 * 3_600_000, ends_at: now_ms() + 60_000, ..f.times }, ..f.clone() };
            let id = published(&db, &zhang, &worker, &ActivityForm { times: Times { signup_closes_at: f.times.ends_at, ..f.times }, ..f }).await;
            act::sign_up(&db, &li, id, &[li_member]).await.unwrap();
            act::check_in(&db, &zhang, id, None, Some(li_member), Some(false)).await.unwrap();
            sqlx::query("UPDATE activities SET ends_at = $2, signup_closes_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now_ms() - 1)
                .execute(db.pool())
                .await
                .unwrap();
            id
        };
        refused(&format!("{label}: a resident does not close it"), act::finish(&db, &li, figures_activity, "").await, E::Common(CommonError::Forbidden));
        let figures = act::finish(&db, &zhang, figures_activity, "大家很积极").await.unwrap();
        assert_eq!((figures.participants, figures.attended, figures.volunteers), (1, 1, 0), "{label}");
        refused(&format!("{label}: once"), act::finish(&db, &zhang, figures_activity, "").await, E::WrongState);

        // The report's photos: the organiser or a worker adds them once it is over, through the
        // needs' photo pipeline (EXIF gone); a resident may not; at most 9; removed by them too.
        let blobs = app::infra::blobs::FsBlobStore { dir: common::temp_dir() };
        refused(&format!("{label}: a photo before the end"), act::add_photo(&db, &blobs, &zhang, activity, common::jpeg(40, 30)).await, E::WrongState);
        refused(
            &format!("{label}: a resident adds no photo"),
            act::add_photo(&db, &blobs, &li, figures_activity, common::jpeg(40, 30)).await,
            E::Common(CommonError::Forbidden),
        );
        refused(
            &format!("{label}: not a photo"),
            act::add_photo(&db, &blobs, &zhang, figures_activity, b"%PDF-1.7".to_vec()).await,
            E::Photo(app::needs::error::NeedError::PhotoWrongType),
        );
        let photo = act::add_photo(&db, &blobs, &zhang, figures_activity, common::jpeg(40, 30)).await.unwrap();
        let key = photo.url.rsplit('/').next().unwrap().to_string();
        let bytes = act::photo_for(&db, &blobs, &li, &key).await.unwrap();
        assert!(bytes.starts_with(&[0xFF, 0xD8]) && !bytes.windows(4).any(|w| w == b"Exif"), "{label}: stored without EXIF");
        assert!(!bytes.windows(common::GPS_TEXT.len()).any(|w| w == common::GPS_TEXT), "{label}: no position");
        refused(
            &format!("{label}: another community's resident sees no photo"),
            act::photo_for(&db, &blobs, &zhao, &key).await.map(|_| ()),
            E::Common(CommonError::NotFound),
        );
        assert_eq!(act::detail(&db, &li, figures_activity).await.unwrap().photos, vec![photo.clone()], "{label}: on the page");
        for _ in 1..app::activities::model::MAX_REPORT_PHOTOS {
            act::add_photo(&db, &blobs, &worker, figures_activity, common::jpeg(8, 8)).await.unwrap();
        }
        refused(
            &format!("{label}: ten photos"),
            act::add_photo(&db, &blobs, &zhang, figures_activity, common::jpeg(8, 8)).await,
            E::Photo(app::needs::error::NeedError::TooManyPhotos { max: app::activities::model::MAX_REPORT_PHOTOS }),
        );
        refused(&format!("{label}: a resident removes none"), act::remove_photo(&db, &blobs, &li, photo.id).await, E::Common(CommonError::Forbidden));
        act::remove_photo(&db, &blobs, &zhang, photo.id).await.unwrap();
        assert_eq!(act::detail(&db, &li, figures_activity).await.unwrap().photos.len(), app::activities::model::MAX_REPORT_PHOTOS - 1, "{label}");
        refused(&format!("{label}: its file is gone too"), act::photo_for(&db, &blobs, &li, &key).await.map(|_| ()), E::Common(CommonError::NotFound));
        let (official, seq): (i64, Option<i64>) = sqlx::query_as("SELECT official, seq FROM events WHERE kind = 'activity.figures' AND subject_id = $1")
            .bind(figures_activity)
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert!(official == 1 && seq.is_some(), "{label}: an official record with its number");
        // As the records platform gets it (the envelope the relay and the pull API send): the
        // documented schema, the figures as finished, nobody named.
        let community: i64 = sqlx::query_scalar("SELECT community_id FROM activities WHERE id = $1").bind(figures_activity).fetch_one(db.pool()).await.unwrap();
        let record = app::records::store::records_after(&db, community, seq.unwrap() - 1, 1).await.unwrap().remove(0);
        assert_eq!((record.kind.as_str(), record.seq), ("activity.figures", seq.unwrap()), "{label}");
        let record = serde_json::to_value(&record).unwrap();
        common::schema::assert_follows_its_schema(&record);
        assert_eq!(
            (&record["data"]["activity_id"], &record["data"]["participants"], &record["data"]["attended"], &record["data"]["volunteers"]),
            (&serde_json::json!(figures_activity), &serde_json::json!(1), &serde_json::json!(1), &serde_json::json!(0)),
            "{label}: {record}"
        );

        // A change of place tells everyone; cancelling needs a reason and tells them all.
        let mut moved = f.clone();
        moved.place = "翠苑 2 幢".into();
        act::update(&db, &zhang, activity, &moved).await.unwrap();
        assert_eq!(one(&db, "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'act_changed'", li.user_id).await, 1, "{label}");
        refused(&format!("{label}: reason"), act::cancel(&db, &zhang, activity, " ").await, E::ReasonRequired);
        refused(&format!("{label}: a resident does not cancel"), act::cancel(&db, &li, activity, "下雨").await, E::Common(CommonError::Forbidden));
        assert_eq!(act::cancel(&db, &zhang, activity, "下雨").await.unwrap(), 3, "{label}: one sign-up, two volunteers");
        assert_eq!(one(&db, "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'act_cancelled'", li.user_id).await, 1, "{label}");
        refused(&format!("{label}: cancelled"), act::sign_up(&db, &wang, activity, &[wang_member]).await, E::Cancelled);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_concurrent_signups_take_exactly_thirty_places_and_the_rest_wait_in_order() {
    for (label, db) in common::databases().await {
        let (worker, users) = demo_with_residents(&db, "活动楼", "1370000", 500).await;
        let activity = published(&db, &worker, &worker, &form(30, &[])).await;
        let mut tasks = Vec::new();
        for u in users {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let p = principal(&db, u).await;
                let m = member_of(&db, u).await;
                act::sign_up(&db, &p, activity, &[m]).await
            }));
        }
        let (mut held, mut waiting) = (0, Vec::new());
        for t in tasks {
            match t.await.unwrap().unwrap_or_else(|e| panic!("{label}: {e:?}")) {
                SignUpReceipt { state: SignUpState::SignedUp, .. } => held += 1,
                SignUpReceipt { state: SignUpState::Waiting { position }, signup_id, .. } => waiting.push((signup_id, position)),
            }
        }
        let pool = one(&db, "SELECT pool_id FROM activities WHERE id = $1", activity).await;
        assert_eq!((held, one(&db, "SELECT taken FROM capacity_pools WHERE id = $1", pool).await), (30, 30), "{label}");
        let order: Vec<i64> = sqlx::query_scalar(
            "SELECT s.id FROM activity_signups s JOIN capacity_claims c ON c.id = s.claim_id WHERE s.activity_id = $1 AND c.state = 'waiting' ORDER BY c.seq",
        )
        .bind(activity)
        .fetch_all(db.pool())
        .await
        .unwrap();
        assert_eq!(order.len(), 470, "{label}");
        for (i, id) in order.iter().enumerate() {
            assert_eq!(waiting.iter().find(|(s, _)| s == id).unwrap().1, i as i64 + 1, "{label}: sign-up {id} told its place in line");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_volunteers_at_once_never_take_a_role_beyond_its_count() {
    for (label, db) in common::databases().await {
        let (worker, users) = demo_with_residents(&db, "志愿楼", "1360000", 40).await;
        let mut volunteers = Vec::new();
        for u in users {
            let p = principal(&db, u).await;
            let application = act::apply(&db, &p, "打扫", "周末").await.unwrap();
            act::decide_application(&db, &worker, application, true, None).await.unwrap();
            volunteers.push(principal(&db, u).await);
        }
        let activity = published(&db, &worker, &worker, &form(10, &[("帮手", 3), ("摄影", 1)])).await;
        let roles: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM activity_roles WHERE activity_id = $1 ORDER BY id").bind(activity).fetch_all(db.pool()).await.unwrap();
        let before = events_count(&db).await;
        let tasks: Vec<_> = volunteers
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let db = db.clone();
                let role = roles[i % 2];
                tokio::spawn(async move { act::take_role(&db, &p, activity, role).await })
            })
            .collect();
        let (mut taken, mut full) = (Vec::new(), 0);
        for t in tasks {
            match t.await.unwrap() {
                Ok(v) => taken.push(v),
                Err(E::RoleFull) => full += 1,
                Err(e) => panic!("{label}: {e:?}"),
            }
        }
        assert_eq!((taken.len(), full), (4, 36), "{label}: 3 helpers and 1 photographer, every other refused");
        for (role, count) in [(roles[0], 3), (roles[1], 1)] {
            assert_eq!(one(&db, "SELECT COUNT(*) FROM activity_volunteers WHERE role_id = $1 AND cancelled_at IS NULL", role).await, count, "{label}");
            let pool = one(&db, "SELECT pool_id FROM activity_roles WHERE id = $1", role).await;
            assert_eq!(one(&db, "SELECT taken FROM capacity_pools WHERE id = $1", pool).await, count, "{label}: the pool agrees");
        }
        assert_eq!(events_count(&db).await - before, 4, "{label}: an event for each role taken, none for a refusal");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_spends_never_take_a_balance_below_zero() {
    for (label, db) in common::databases().await {
        server::seed::seed_demo(&db).await.unwrap();
        let zhang = principal(&db, "13800000004").await;
        let member = member_of(&db, zhang.user_id).await;
        let community = one(&db, "SELECT community_id FROM memberships WHERE user_id = $1 AND role = 'resident'", zhang.user_id).await;
        // 50 half hours in the bank (a worker's verified activity, posted directly here).
        {
            let mut tx = db.begin_write().await.unwrap();
            // Earned entries come from a volunteer's role in an activity: one is made here.
            let pool = app::kernel::capacity::create_pool(&mut tx, 1, 0).await.unwrap();
            let claim = app::kernel::capacity::claim(&mut tx, pool, 1, 0).await.unwrap().claim();
            let act_id: i64 = sqlx::query_scalar(
                "INSERT INTO activities (community_id, organiser_id, category, title, description, place, starts_at, ends_at, signup_opens_at, signup_closes_at, pool_id, status, created_at, updated_at) \
                 VALUES ($1, $2, 'other', 't', 'd', 'p', 10, 20, 0, 20, $3, 'published', 0, 0) RETURNING id",
            )
            .bind(community)
            .bind(zhang.user_id)
            .bind(pool)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            let role_pool = app::kernel::capacity::create_pool(&mut tx, 1, 0).await.unwrap();
            let role: i64 = sqlx::query_scalar("INSERT INTO activity_roles (activity_id, name, pool_id) VALUES ($1, 'r', $2) RETURNING id")
                .bind(act_id)
                .bind(role_pool)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            let vol: i64 = sqlx::query_scalar(
                "INSERT INTO activity_volunteers (activity_id, role_id, user_id, member_id, claim_id, code, created_at) VALUES ($1, $2, $3, $4, $5, 'AAAAAA', 0) RETURNING id",
            )
            .bind(act_id)
            .bind(role)
            .bind(zhang.user_id)
            .bind(member)
            .bind(claim)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            let (posted, _) = app::timebank::store::earn(&mut tx, member, community, vol, 50, zhang.user_id).await.unwrap().unwrap();
            assert_eq!(posted.balance, 50, "{label}");
            tx.commit().await.unwrap();
        }
        // 200 spends of 1 half hour each, at once: exactly 50 accepted, each an entry; never below zero.
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = db.begin_write().await.unwrap();
                let p = app::timebank::store::Posting::new(member, community, EntryKind::Transferred, -1, 1);
                let p = app::timebank::store::Posting { counterpart: Some(member), ..p };
                let r = app::timebank::store::post(&mut tx, &p).await.unwrap();
                if r.is_ok() {
                    tx.commit().await.unwrap();
                }
                r
            }));
        }
        let mut accepted = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(posted) => {
                    assert!(posted.balance >= 0, "{label}");
                    accepted += 1;
                }
                Err(r) => assert_eq!(r, Refusal::Insufficient { balance: 0 }, "{label}"),
            }
        }
        assert_eq!(accepted, 50, "{label}");
        assert_eq!(one(&db, "SELECT balance FROM timebank_accounts WHERE member_id = $1", member).await, 0, "{label}");
        assert_eq!(
            one(&db, "SELECT CAST(SUM(half_hours) AS BIGINT) FROM timebank_entries WHERE member_id = $1", member).await,
            0,
            "{label}: the ledger sums to it"
        );
        assert_eq!(one(&db, "SELECT COUNT(*) FROM timebank_entries WHERE member_id = $1 AND kind = 'transferred'", member).await, 50, "{label}");
    }
}

/// A service that takes time-bank hours: paid in the booking's transaction, given back when the
/// booking is cancelled, refused with nothing booked when the balance does not cover it.
#[tokio::test]
async fn a_booking_paid_with_hours_takes_them_and_a_cancellation_gives_them_back() {
    use common::live::start;
    use serde_json::json;
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let db = s.db.clone();
        let zhang = principal(&db, "13800000004").await;
        let member = member_of(&db, zhang.user_id).await;
        let community = one(&db, "SELECT community_id FROM memberships WHERE user_id = $1 AND role = 'resident'", zhang.user_id).await;
        let mut worker = s.session_for(s.user_id("13800000020").await).await;
        let mut jar = s.session_for(zhang.user_id).await;
        let form = json!({ "id": null, "category": "Bathing", "title": "助浴", "provider": "护理站", "place": "一楼", "description": "",
            "rules": { "eligibility": { "min_age": null, "max_age": null, "building_ids": [] }, "base_price_fen": 3000, "bands": [],
                       "party_limit": 2, "cancel_before_min": 0, "per_day": null, "per_week": null, "timebank_half_hours": 2 }, "active": true });
        let (status, service) = s.call(&mut worker, "services/save", &[("form", &form.to_string())]).await;
        assert_eq!(status, 200, "{label}: {service}");
        let day1 = app::time::day_text(app::time::day_of(now_ms()) + 1);
        let schedule = json!({ "service_id": service, "repeat": "Once", "first_day": day1, "last_day": null, "start": "09:30", "end": "10:30",
            "capacity": 5, "opens_days_before": 7, "opens": "00:00", "closes": "09:00" });
        let (status, schedule) = s.call(&mut worker, "services/schedule", &[("form", &schedule.to_string())]).await;
        assert_eq!(status, 200, "{label}: {schedule}");
        let session = one(&db, "SELECT id FROM service_sessions WHERE schedule_id = $1", schedule.as_i64().unwrap()).await;
        // 1.5 hours in her bank (given to her here directly).
        {
            let mut tx = db.begin_write().await.unwrap();
            let p = app::timebank::store::Posting {
                counterpart: Some(member),
                ..app::timebank::store::Posting::new(member, community, EntryKind::Transferred, 3, zhang.user_id)
            };
            app::timebank::store::post(&mut tx, &p).await.unwrap().unwrap();
            tx.commit().await.unwrap();
        }
        let balance = || one(&db, "SELECT balance FROM timebank_accounts WHERE member_id = $1", member);
        let book = |members: String| vec![("session_id", session.to_string()), ("members", members), ("pay_hours", "true".to_string())];
        let form_of = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, x)| (*k, x.clone())).collect::<Vec<_>>();
        let call = async |jar: &mut common::live::Jar, f: Vec<(&'static str, String)>| {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            s.call(jar, "services/book", &f).await
        };
        let (status, receipt) = call(&mut jar, form_of(&book(member.to_string()))).await;
        assert_eq!(status, 200, "{label}: {receipt}");
        assert_eq!(balance().await, 1, "{label}: one person, an hour");
        let booking = receipt["booking_id"].as_i64().unwrap();
        let (status, body) = s.call(&mut jar, "services/cancel", &[("booking_id", &booking.to_string())]).await;
        assert_eq!(status, 200, "{label}: {body}");
        assert_eq!(balance().await, 3, "{label}: given back");
        // Her and her mother: two hours, she has one and a half: refused, nothing booked.
        let household = one(&db, "SELECT household_id FROM household_members WHERE id = $1", member).await;
        let mother: i64 = sqlx::query_scalar(
            "INSERT INTO household_members (household_id, name, birth_year, relationship, status) VALUES ($1, '张母', 1935, '母亲', 'confirmed') RETURNING id",
        )
        .bind(household)
        .fetch_one(db.pool())
        .await
        .unwrap();
        let bookings = || one(&db, "SELECT COUNT(*) FROM service_bookings WHERE session_id = $1", session);
        let before = bookings().await;
        let (status, body) = call(&mut jar, form_of(&book(format!("{member},{mother}")))).await;
        assert_eq!(status, 409, "{label}: {body}");
        let e: app::services::error::ServiceError = serde_json::from_value(body).unwrap();
        assert_eq!(e, app::services::error::ServiceError::Timebank(Refusal::Insufficient { balance: 3 }), "{label}");
        assert_eq!((bookings().await, balance().await), (before, 3), "{label}: nothing written");
        let kinds: Vec<String> =
            sqlx::query_scalar("SELECT kind FROM timebank_entries WHERE member_id = $1 ORDER BY id").bind(member).fetch_all(db.pool()).await.unwrap();
        assert_eq!(kinds, ["transferred", "spent", "refunded"], "{label}");
    }
}
