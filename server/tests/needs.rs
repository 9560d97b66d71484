//! Needs through HTTP against a running server, on every backend: exact supports under
//! concurrency, merging, moderation rights, the community boundary, input errors that write
//! nothing, photos, reports, notifications, events, lists and 代办 intake.
mod common;

use app::kernel::error::Failure as _;
use app::needs::error::NeedError;
use app::needs::model::Status;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::live::{Jar, Server, start};
use common::{futures_join, jpeg};
use serde_json::Value;

async fn count(s: &Server, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(s.db.pool()).await.unwrap()
}

async fn community(s: &Server, code: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM communities WHERE code = $1").bind(code).fetch_one(s.db.pool()).await.unwrap()
}

/// A published need of 翠苑社区 by 王芳 with the given supporters.
async fn published_need(s: &Server, title: &str, supporters: &[i64]) -> i64 {
    let c = community(s, "cuiyuan").await;
    let author = s.user_id("13800000001").await;
    let mut conn = s.db.pool().acquire().await.unwrap();
    app::needs::store::insert_seeded(&mut conn, c, author, "environment", title, "描述", Status::Published, None, supporters, 1).await.unwrap()
}

async fn supports(s: &Server, need: i64) -> (i64, i64) {
    let counter: i64 = sqlx::query_scalar("SELECT supports FROM needs WHERE id = $1").bind(need).fetch_one(s.db.pool()).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM need_supports WHERE need_id = $1").bind(need).fetch_one(s.db.pool()).await.unwrap();
    (counter, rows)
}

fn error(body: &Value) -> NeedError {
    serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("not a NeedError: {body} ({e})"))
}

/// The error is clear in both languages (and not the generic fallback).
fn assert_localized(e: &NeedError) {
    use app::i18n::Locale;
    let zh = e.message(Locale::zh_CN);
    let en = e.message(Locale::en);
    assert!(!zh.is_empty() && !en.is_empty() && zh != en, "{e:?}: {zh} / {en}");
    assert!(!en.contains("internal"), "{e:?}: {en}");
}

async fn submit(s: &Server, jar: &mut Jar, title: &str, body: &str, photos: &str) -> (u16, Value) {
    let cat: i64 = count(s, "SELECT id FROM need_categories WHERE code = 'environment'").await;
    s.call(
        jar,
        "needs/submit",
        &[("category_id", &cat.to_string()), ("title", title), ("body", body), ("place", ""), ("photo_ids", photos), ("channel", "app")],
    )
    .await
}

async fn act(s: &Server, jar: &mut Jar, id: i64, action: &str, text: &str, merge_into: Option<i64>) -> (u16, Value) {
    let id = id.to_string();
    let target = merge_into.map(|m| m.to_string());
    let mut form = vec![("id", id.as_str()), ("action", action), ("text", text)];
    if let Some(t) = &target {
        form.push(("merge_into", t));
    }
    s.call(jar, "needs/act", &form).await
}

/// A page not yet live sends 附议 as a plain HTML form (`works-early`): the support counts and the
/// browser is sent back to the page (303), also when the server refuses — never a page of JSON.
#[tokio::test]
async fn a_plain_form_post_supports_and_goes_back_to_the_page() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let need = published_need(&s, "路灯不亮", &[]).await;
        let resident = s.residents("cuiyuan", "9幢", 1).await[0];
        let jar = s.session_for(resident).await;
        let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = s.url(&format!("/needs/{need}"));
        let post = |jar: Jar, on: &'static str| {
            browser
                .post(s.url("/api/needs/support"))
                .header("cookie", jar.header())
                .header("origin", s.url(""))
                .header("referer", &page)
                .header("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
                .form(&[("id", need.to_string()), ("on", on.to_string())])
                .send()
        };
        let res = post(jar.clone(), "true").await.unwrap();
        assert_eq!(res.status(), 303, "{label}");
        assert_eq!(res.headers()["location"], page.as_str(), "{label}");
        assert_eq!(supports(&s, need).await, (1, 1), "{label}");

        // Refused (not logged in): back to the page all the same, with nothing written, and the
        // refusal in the address (Leptos' `__err`), which the page's action shows once it is live.
        let res = post(Jar::default(), "false").await.unwrap();
        assert_eq!(res.status(), 303, "{label}");
        let back = res.headers()["location"].to_str().unwrap().to_string();
        assert!(back.starts_with(&format!("{page}?__path=%2Fapi%2Fneeds%2Fsupport&__err=")), "{label}: {back}");
        assert!(res.headers().get("content-type").is_none(), "{label}");
        assert_eq!(res.text().await.unwrap(), "", "{label}");
        assert_eq!(supports(&s, need).await, (1, 1), "{label}");

        // The page's own script still gets the answer and the status.
        let (status, _) = s.call(&mut Jar::default(), "needs/support", &[("id", &need.to_string()), ("on", "false")]).await;
        assert_eq!(status, 401, "{label}");
    }
}

#[tokio::test]
async fn two_hundred_concurrent_supports_by_a_hundred_residents_count_a_hundred() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let need = published_need(&s, "楼下垃圾站气味大", &[]).await;
        let residents = s.residents("cuiyuan", "9幢", 100).await;
        let mut jars = Vec::new();
        for &r in &residents {
            jars.push(s.session_for(r).await);
        }
        let id = need.to_string();
        let calls = jars.iter().flat_map(|jar| [jar.clone(), jar.clone()]).map(|mut jar| {
            let s = &s;
            let id = id.clone();
            async move { s.call(&mut jar, "needs/support", &[("id", &id), ("on", "true")]).await }
        });
        let results = futures_join(calls).await;
        for (status, body) in &results {
            assert_eq!(*status, 200, "{label}: {body}");
        }
        assert_eq!(supports(&s, need).await, (100, 100), "{label}");

        // Withdrawing, also twice each and at once, by half of them.
        let calls = jars[..50].iter().flat_map(|jar| [jar.clone(), jar.clone()]).map(|mut jar| {
            let s = &s;
            let id = id.clone();
            async move { s.call(&mut jar, "needs/support", &[("id", &id), ("on", "false")]).await }
        });
        for (status, body) in futures_join(calls).await {
            assert_eq!(status, 200, "{label}: {body}");
        }
        assert_eq!(supports(&s, need).await, (50, 50), "{label}");
    }
}

#[tokio::test]
async fn merging_unites_supporters_counting_each_once() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let r = s.residents("cuiyuan", "9幢", 4).await;
        let dup = published_need(&s, "小区门口缺少快递柜", &[r[0], r[1], r[2]]).await;
        let keep = published_need(&s, "希望增设快递柜", &[r[1], r[2], r[3]]).await;
        let mut worker = s.login("13800000020").await;

        let (status, body) = act(&s, &mut worker, dup, "merge", "", Some(dup)).await;
        assert_eq!((status, error(&body)), (400, NeedError::BadMergeTarget), "{label}: not into itself");
        let (status, body) = act(&s, &mut worker, dup, "merge", "与已有需求重复", Some(keep)).await;
        assert_eq!(status, 200, "{label}: {body}");
        assert_eq!(body, "Merged");
        assert_eq!(supports(&s, keep).await, (4, 4), "{label}: r1 and r2 counted once");

        let mut resident = s.session_for(r[0]).await;
        let (_, merged) = s.call(&mut resident, "needs/get", &[("id", &dup.to_string())]).await;
        assert_eq!(merged["merged_into"], keep, "{label}: the merged need points to the survivor");
        assert_eq!(merged["summary"]["status"], "Merged");
        let (_, kept) = s.call(&mut resident, "needs/get", &[("id", &keep.to_string())]).await;
        assert_eq!(kept["summary"]["i_supported"], true, "{label}: r0's support moved over");
        // Supporting again after the merge changes nothing.
        let (_, state) = s.call(&mut resident, "needs/support", &[("id", &keep.to_string()), ("on", "true")]).await;
        assert_eq!(state["supports"], 4, "{label}");
        // A merged need cannot be merged again or supported.
        let (status, _) = s.call(&mut resident, "needs/support", &[("id", &dup.to_string()), ("on", "true")]).await;
        assert_eq!(status, 409, "{label}");
    }
}

#[tokio::test]
async fn a_resident_of_another_community_can_neither_see_nor_support() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let need = published_need(&s, "翠苑的路面坑洼", &[]).await;
        let mut zhao = s.login("13800000003").await; // 文鼎苑社区
        let id = need.to_string();
        for (name, form) in [
            ("needs/get", vec![("id", id.as_str())]),
            ("needs/support", vec![("id", id.as_str()), ("on", "true")]),
            ("needs/comment", vec![("id", id.as_str()), ("body", "路过")]),
            ("needs/report", vec![("id", id.as_str()), ("reason", "垃圾")]),
        ] {
            let (status, body) = s.call(&mut zhao, name, &form).await;
            assert_eq!(status, 404, "{label}: {name}: {body}");
        }
        assert_eq!(supports(&s, need).await, (0, 0));
        let (status, page) = s.call(&mut zhao, "needs/list", &[("sort", "newest"), ("q", ""), ("mine", "false")]).await;
        assert_eq!(status, 200, "{label}: {page}");
        let titles: Vec<&str> = page["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
        assert_eq!(titles, ["小区路灯不亮"], "{label}: only 文鼎苑's own needs");
        let (_, similar) = s.call(&mut zhao, "needs/similar", &[("title", "路面坑洼"), ("body", "")]).await;
        assert_eq!(similar, serde_json::json!([]), "{label}");
        let cuiyuan = community(&s, "cuiyuan").await.to_string();
        let (status, _) = s.call(&mut zhao, "needs/overview", &[("community_id", &cuiyuan)]).await;
        assert_eq!(status, 403, "{label}");
        // A worker of 翠苑 cannot moderate 文鼎苑's need either.
        let wending_need: i64 = count(&s, "SELECT id FROM needs WHERE title = '小区路灯不亮'").await;
        let mut worker = s.login("13800000020").await;
        let (status, _) = act(&s, &mut worker, wending_need, "hide", "x", None).await;
        assert_eq!(status, 404, "{label}");
    }
}

#[tokio::test]
async fn residents_volunteers_and_strangers_cannot_moderate() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let submitted: i64 = count(&s, "SELECT id FROM needs WHERE status = 'submitted'").await;
        let published = published_need(&s, "健身器材老化", &[]).await;
        let updates_before = count(&s, "SELECT COUNT(*) FROM need_updates").await;
        let mut author = s.login("13800000001").await; // 王芳, author of the submitted one
        let (status, body) = act(&s, &mut author, submitted, "publish", "", None).await;
        assert_eq!((status, error(&body)), (403, NeedError::NotAllowed), "{label}: an author cannot publish her own need");
        let (status, _) = act(&s, &mut author, published, "accept", "好的", None).await;
        assert_eq!(status, 403, "{label}");
        s.pass_the_resend_cooldown().await;
        let mut volunteer = s.login("13800000010").await;
        let (status, _) = act(&s, &mut volunteer, published, "hide", "不当内容", None).await;
        assert_eq!(status, 403, "{label}: a volunteer");
        for jar in [&mut author, &mut volunteer] {
            let (status, _) = s.call(jar, "needs/queue", &[]).await;
            assert_eq!(status, 403, "{label}");
            let (status, _) = s.call(jar, "needs/settings", &[("support_threshold", "1"), ("answer_days", "1"), ("report_limit", "1")]).await;
            assert_eq!(status, 403, "{label}");
        }
        let mut nobody = Jar::default();
        let (status, _) = act(&s, &mut nobody, published, "hide", "x", None).await;
        assert_eq!(status, 401, "{label}");
        // Residents cannot pass the system's or the author's steps through `act` either.
        let mut worker = s.login("13800000020").await;
        let (status, _) = act(&s, &mut worker, published, "report_hide", "", None).await;
        assert_eq!(status, 403, "{label}");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM need_updates").await, updates_before, "{label}: nothing moved");
    }
}

#[tokio::test]
async fn bad_texts_and_photos_get_clear_errors_and_write_nothing() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut wang = s.login("13800000001").await;
        let needs_before = count(&s, "SELECT COUNT(*) FROM needs").await;
        let long_title = "长".repeat(61);
        let long_body = "x".repeat(2001);
        for (title, body, want) in [
            ("", "描述", NeedError::Required(app::needs::model::Field::Title)),
            ("   ", "描述", NeedError::Required(app::needs::model::Field::Title)),
            ("标题", "", NeedError::Required(app::needs::model::Field::Body)),
            (long_title.as_str(), "描述", NeedError::TooLong { field: app::needs::model::Field::Title, max: 60 }),
            ("标题", long_body.as_str(), NeedError::TooLong { field: app::needs::model::Field::Body, max: 2000 }),
        ] {
            let (status, body) = submit(&s, &mut wang, title, body, "").await;
            assert_eq!(status, 400, "{label}: {body}");
            let e = error(&body);
            assert_eq!(e, want, "{label}");
            assert_localized(&e);
        }
        let (status, body) = s
            .call(&mut wang, "needs/submit", &[("category_id", "99999"), ("title", "t"), ("body", "b"), ("place", ""), ("photo_ids", ""), ("channel", "app")])
            .await;
        assert_eq!((status, error(&body)), (400, NeedError::UnknownCategory), "{label}");

        let oversize = {
            let mut b = jpeg(8, 8);
            b.resize(6 * 1024 * 1024 + 10, 0);
            b
        };
        for (bytes, status_want, want) in [
            (oversize, 413, NeedError::PhotoTooLarge { max_mb: 6 }),
            (b"GIF89a\x01\x00\x01\x00".to_vec(), 415, NeedError::PhotoWrongType),
            (b"%PDF-1.4 not a photo".to_vec(), 415, NeedError::PhotoWrongType),
            (vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0], 400, NeedError::PhotoUnreadable),
        ] {
            let (status, body) = s.call(&mut wang, "needs/upload_photo", &[("data_b64", &STANDARD.encode(&bytes))]).await;
            assert_eq!(status, status_want, "{label}: {body}");
            let e = error(&body);
            assert_eq!(e, want, "{label}");
            assert_localized(&e);
        }
        // A need pointing at a photo that is not the caller's is refused as a whole.
        let (status, _) = submit(&s, &mut wang, "有效标题", "有效描述", "424242").await;
        assert_eq!(status, 404, "{label}");
        let (status, body) = submit(&s, &mut wang, "有效标题", "有效描述", "1,2,3,4").await;
        assert_eq!((status, error(&body)), (400, NeedError::TooManyPhotos { max: 3 }), "{label}");

        assert_eq!(count(&s, "SELECT COUNT(*) FROM needs").await, needs_before, "{label}: no need written");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM need_photos").await, 0, "{label}: no photo row");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM need_grams g JOIN needs n ON n.id = g.need_id WHERE n.title = '有效标题'").await, 0);
        let media = s.data_dir.join("media");
        let files = std::fs::read_dir(&media).map(|d| d.count()).unwrap_or(0);
        assert_eq!(files, 0, "{label}: no file stored");
        // An unverified resident cannot propose at all.
        s.pass_the_resend_cooldown().await;
        let unverified = s.residents("cuiyuan", "9幢", 1).await[0];
        sqlx::query("UPDATE memberships SET verified = 0 WHERE user_id = $1").bind(unverified).execute(s.db.pool()).await.unwrap();
        let mut jar = s.session_for(unverified).await;
        let (status, body) = submit(&s, &mut jar, "标题", "描述", "").await;
        assert_eq!(status, 403, "{label}: {body}");
    }
}

#[tokio::test]
async fn a_need_goes_from_proposal_to_answer_with_photo_events_and_notifications() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut wang = s.login("13800000001").await;
        let (status, photo) = s.call(&mut wang, "needs/upload_photo", &[("data_b64", &STANDARD.encode(jpeg(64, 48)))]).await;
        assert_eq!(status, 200, "{label}: {photo}");
        let photo_id = photo["id"].as_i64().unwrap();
        let url = photo["url"].as_str().unwrap().to_string();
        let (status, id) = submit(&s, &mut wang, "楼道里的灯坏了", "5幢2单元楼道灯坏了一个月了，晚上很黑。", &photo_id.to_string()).await;
        assert_eq!(status, 200, "{label}: {id}");
        let id = id.as_i64().unwrap();

        // Before moderation only the author and the workers see it.
        s.pass_the_resend_cooldown().await;
        let mut li = s.login("13800000002").await;
        let (status, _) = s.call(&mut li, "needs/get", &[("id", &id.to_string())]).await;
        assert_eq!(status, 404, "{label}: unpublished need hidden from neighbours");
        let res = s.client.get(s.url(&url)).header("cookie", li.header()).send().await.unwrap();
        assert_eq!(res.status(), 404, "{label}: so is its photo");
        let res = s.client.get(s.url(&url)).header("cookie", wang.header()).send().await.unwrap();
        assert_eq!(res.status(), 200, "{label}: the author sees her photo");
        let bytes = res.bytes().await.unwrap();
        assert!(bytes.starts_with(&[0xFF, 0xD8]) && !bytes.windows(4).any(|w| w == b"Exif"), "{label}: stored without EXIF");
        assert!(!bytes.windows(common::GPS_TEXT.len()).any(|w| w == common::GPS_TEXT), "{label}");

        s.pass_the_resend_cooldown().await;
        let mut worker = s.login("13800000020").await;
        let (_, queue) = s.call(&mut worker, "needs/queue", &[]).await;
        assert!(queue["new"].as_array().unwrap().iter().any(|n| n["id"] == id), "{label}: in the worker's queue: {queue}");
        let (status, body) = act(&s, &mut worker, id, "accept", "", None).await;
        assert_eq!((status, error(&body)), (400, NeedError::Required(app::needs::model::Field::Text)), "{label}: an answer needs its text");
        let (status, body) = act(&s, &mut worker, id, "accept", "好", None).await;
        assert_eq!(status, 409, "{label}: not before publication: {body}");
        let (status, body) = act(&s, &mut worker, id, "publish", "", None).await;
        assert_eq!((status, body.as_str()), (200, Some("Published")), "{label}");

        let (status, detail) = s.call(&mut li, "needs/get", &[("id", &id.to_string())]).await;
        assert_eq!(status, 200, "{label}: {detail}");
        assert_eq!(detail["photos"][0], url.as_str());
        let res = s.client.get(s.url(&url)).header("cookie", li.header()).send().await.unwrap();
        assert_eq!(res.status(), 200, "{label}: a neighbour sees the photo of a published need");
        let (_, state) = s.call(&mut li, "needs/support", &[("id", &id.to_string()), ("on", "true")]).await;
        assert_eq!(state, serde_json::json!({"supports": 1, "supported": true}));

        let answer = "已联系物业，本周内更换灯具。";
        let (status, body) = act(&s, &mut worker, id, "accept", answer, None).await;
        assert_eq!((status, body.as_str()), (200, Some("Accepted")), "{label}");

        // The author is told of both steps, the supporter of the answer.
        let (_, mine) = s.call(&mut wang, "notifications/list", &[]).await;
        let params = |n: &serde_json::Value| serde_json::from_str::<serde_json::Value>(n["params"].as_str().unwrap()).unwrap();
        let kinds: Vec<(String, String)> =
            mine.as_array().unwrap().iter().map(|n| (n["kind"].as_str().unwrap().to_string(), params(n)["status"].as_str().unwrap().to_string())).collect();
        assert_eq!(kinds, [("need_status".to_string(), "accepted".to_string()), ("need_status".to_string(), "published".to_string())], "{label}");
        let (_, unread) = s.call_get(&mut wang, "notifications/unread").await;
        assert_eq!(unread, 2);
        let (_, theirs) = s.call(&mut li, "notifications/list", &[]).await;
        assert_eq!(theirs[0]["kind"], "need_answer");
        assert_eq!(params(&theirs[0])["text"], answer);
        s.call(&mut wang, "notifications/read", &[]).await;
        let (_, unread) = s.call_get(&mut wang, "notifications/unread").await;
        assert_eq!(unread, 0, "{label}");

        let (_, detail) = s.call(&mut wang, "needs/get", &[("id", &id.to_string())]).await;
        assert_eq!(detail["answer"], answer);
        let steps: Vec<&str> = detail["updates"].as_array().unwrap().iter().map(|u| u["action"].as_str().unwrap()).collect();
        assert_eq!(steps, ["Publish", "Accept"]);

        // Events: submitted, published (audit), accepted (official: queued for the records platform).
        let events: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT kind, official, sync_state FROM events WHERE subject_type = 'need' AND subject_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(s.db.pool())
                .await
                .unwrap();
        let events: Vec<(&str, i64, &str)> = events.iter().map(|(k, o, st)| (k.as_str(), *o, st.as_str())).collect();
        assert_eq!(events, [("need.submitted", 0, "none"), ("need.publish", 0, "none"), ("need.accept", 1, "pending")], "{label}");
    }
}

#[tokio::test]
async fn reports_hide_a_need_until_a_worker_decides() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let need = published_need(&s, "广告：低价装修", &[]).await;
        let r = s.residents("cuiyuan", "9幢", 3).await;
        let mut statuses = Vec::new();
        for &u in &r {
            let mut jar = s.session_for(u).await;
            // The same resident reporting twice counts once.
            for _ in 0..2 {
                statuses.push(s.call(&mut jar, "needs/report", &[("id", &need.to_string()), ("reason", "广告")]).await.0);
            }
        }
        // The third resident's report hides it: their second finds nothing to report.
        assert_eq!(statuses, [200, 200, 200, 200, 200, 404], "{label}");
        let status: String = sqlx::query_scalar("SELECT status FROM needs WHERE id = $1").bind(need).fetch_one(s.db.pool()).await.unwrap();
        assert_eq!(status, "hidden", "{label}: the third report (the demo limit) hides it");
        let mut other = s.session_for(s.residents("cuiyuan", "9幢", 1).await[0]).await;
        let (status, _) = s.call(&mut other, "needs/get", &[("id", &need.to_string())]).await;
        assert_eq!(status, 404, "{label}: hidden from residents");
        let mut worker = s.login("13800000020").await;
        let (_, queue) = s.call(&mut worker, "needs/queue", &[]).await;
        assert!(queue["reported"].as_array().unwrap().iter().any(|n| n["id"] == need), "{label}: {queue}");
        let (status, body) = act(&s, &mut worker, need, "restore", "", None).await;
        assert_eq!((status, body.as_str()), (200, Some("Published")), "{label}");
        let (status, _) = s.call(&mut other, "needs/get", &[("id", &need.to_string())]).await;
        assert_eq!(status, 200, "{label}: shown again");
        assert_eq!(count(&s, &format!("SELECT reports FROM needs WHERE id = {need}")).await, 0);
        let hide_events =
            count(&s, &format!("SELECT COUNT(*) FROM events WHERE subject_id = {need} AND kind = 'need.report_hide' AND actor_user_id IS NULL")).await;
        assert_eq!(hide_events, 1, "{label}: the system's step is in the audit log");
    }
}

#[tokio::test]
async fn lists_filter_search_sort_and_page_without_gaps_or_repeats() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let r = s.residents("cuiyuan", "9幢", 3).await;
        for i in 0..45 {
            let supporters: Vec<i64> = r.iter().copied().take(i % 4).collect();
            published_need(&s, &format!("第{i}号需求：更换健身器材"), &supporters).await;
        }
        let mut jar = s.session_for(r[0]).await;
        for sort in ["newest", "supports"] {
            let mut seen = Vec::new();
            let mut cursor = String::new();
            let mut pages = 0;
            loop {
                let (status, page) = s.call(&mut jar, "needs/list", &[("sort", sort), ("q", "健身器材"), ("mine", "false"), ("cursor", &cursor)]).await;
                assert_eq!(status, 200, "{label}: {page}");
                pages += 1;
                let items = page["items"].as_array().unwrap();
                let keys: Vec<(i64, i64)> = items.iter().map(|i| (i["supports"].as_i64().unwrap(), i["id"].as_i64().unwrap())).collect();
                seen.extend(keys);
                match page["next"].as_str() {
                    Some(c) => cursor = c.to_string(),
                    None => break,
                }
            }
            assert_eq!((pages, seen.len()), (3, 45), "{label}: {sort}");
            let mut sorted = seen.clone();
            if sort == "newest" {
                sorted.sort_by_key(|x| std::cmp::Reverse(x.1));
            } else {
                sorted.sort_by(|a, b| b.cmp(a));
            }
            assert_eq!(seen, sorted, "{label}: {sort} order across pages");
        }
        let (_, page) = s.call(&mut jar, "needs/list", &[("sort", "newest"), ("q", "电梯"), ("mine", "false")]).await;
        let titles: Vec<&str> = page["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
        assert_eq!(titles, ["3幢加装电梯"], "{label}");
        let accepted = count(&s, "SELECT id FROM need_categories WHERE code = 'elderly'").await.to_string();
        let (_, page) =
            s.call(&mut jar, "needs/list", &[("sort", "newest"), ("q", ""), ("mine", "false"), ("category", &accepted), ("status", "accepted")]).await;
        let titles: Vec<&str> = page["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
        assert_eq!(titles, ["增设老年食堂"], "{label}");
        let (status, body) = s.call(&mut jar, "needs/list", &[("sort", "newest"), ("q", ""), ("mine", "false"), ("cursor", "garbage")]).await;
        assert_eq!((status, error(&body)), (400, NeedError::BadCursor));
        let (_, similar) = s.call(&mut jar, "needs/similar", &[("title", "加装电梯"), ("body", "")]).await;
        assert_eq!(similar[0]["title"], "3幢加装电梯", "{label}: {similar}");
        // "My needs" includes the author's unpublished one; the community list does not.
        s.pass_the_resend_cooldown().await;
        let mut wang = s.login("13800000001").await;
        let (_, mine) = s.call(&mut wang, "needs/list", &[("sort", "newest"), ("q", "滑梯"), ("mine", "true")]).await;
        let statuses: Vec<&str> = mine["items"].as_array().unwrap().iter().map(|i| i["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["Submitted"], "{label}: {mine}");
        let (_, all) = s.call(&mut wang, "needs/list", &[("sort", "newest"), ("q", "滑梯"), ("mine", "false")]).await;
        assert_eq!(all["items"], serde_json::json!([]), "{label}");
    }
}

#[tokio::test]
async fn a_worker_keys_in_a_paper_need_for_a_resident_and_the_threshold_marks_it_awaiting() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let wang = s.user_id("13800000001").await;
        // 王芳 is verified when she logs in (she is on the roster); then the worker acts for her.
        let _ = s.login("13800000001").await;
        s.pass_the_resend_cooldown().await;
        let mut worker = s.login("13800000020").await;
        let (status, body) = s.call(&mut worker, "account/start_assisted", &[("user_id", &wang.to_string())]).await;
        assert_eq!(status, 200, "{label}: {body}");
        let cat: i64 = count(&s, "SELECT id FROM need_categories WHERE code = 'health'").await;
        let (status, id) = s
            .call(
                &mut worker,
                "needs/submit",
                &[
                    ("category_id", &cat.to_string()),
                    ("title", "希望社区有上门体检"),
                    ("body", "老人行动不便，希望每年有一次上门体检。"),
                    ("place", ""),
                    ("photo_ids", ""),
                    ("channel", "phone"),
                ],
            )
            .await;
        assert_eq!(status, 200, "{label}: {id}");
        let id = id.as_i64().unwrap();
        let (author, channel, assisted): (i64, String, Option<i64>) =
            sqlx::query_as("SELECT author_user_id, channel, assisted_by_user_id FROM needs WHERE id = $1").bind(id).fetch_one(s.db.pool()).await.unwrap();
        let worker_id = s.user_id("13800000020").await;
        assert_eq!((author, channel.as_str(), assisted), (wang, "phone", Some(worker_id)), "{label}");
        let (actor, obo): (i64, Option<i64>) =
            sqlx::query_as("SELECT actor_user_id, on_behalf_of_user_id FROM events WHERE kind = 'need.submitted' AND subject_id = $1")
                .bind(id)
                .fetch_one(s.db.pool())
                .await
                .unwrap();
        assert_eq!((actor, obo), (worker_id, Some(wang)), "{label}: 代办 recorded");
        s.call(&mut worker, "account/end_assisted", &[]).await;

        act(&s, &mut worker, id, "publish", "", None).await;
        let r = s.residents("cuiyuan", "9幢", 3).await;
        for &u in &r {
            let mut jar = s.session_for(u).await;
            s.call(&mut jar, "needs/support", &[("id", &id.to_string()), ("on", "true")]).await;
        }
        let (_, queue) = s.call(&mut worker, "needs/queue", &[]).await;
        let item = queue["unanswered"].as_array().unwrap().iter().find(|n| n["id"] == id).cloned();
        assert_eq!(item.map(|i| i["awaiting"].clone()), Some(Value::Bool(true)), "{label}: 3 supports reach the demo threshold: {queue}");
        // Overdue once the answer time has passed without an answer.
        sqlx::query("UPDATE needs SET published_at = published_at - 16 * 86400000 WHERE id = $1").bind(id).execute(s.db.pool()).await.unwrap();
        let (_, queue) = s.call(&mut worker, "needs/queue", &[]).await;
        assert_eq!(queue["unanswered"][0]["id"], id, "{label}: overdue first");
        assert_eq!(queue["unanswered"][0]["overdue"], true, "{label}");
        act(&s, &mut worker, id, "answer", "已联系社区卫生服务中心，下月安排。", None).await;
        let (_, queue) = s.call(&mut worker, "needs/queue", &[]).await;
        assert!(!queue["unanswered"].as_array().unwrap().iter().any(|n| n["id"] == id), "{label}: answered");
    }
}

#[tokio::test]
async fn floods_of_needs_and_comments_are_refused_with_a_clear_429() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let r = s.residents("cuiyuan", "9幢", 1).await[0];
        let mut jar = s.session_for(r).await;
        for i in 0..10 {
            let (status, body) = submit(&s, &mut jar, &format!("需求{i}"), "描述", "").await;
            assert_eq!(status, 200, "{label}: {body}");
        }
        let before = count(&s, "SELECT COUNT(*) FROM needs").await;
        let (status, body) = submit(&s, &mut jar, "第十一条", "描述", "").await;
        assert_eq!(status, 429, "{label}: {body}");
        let e = error(&body);
        assert_eq!(e, NeedError::TooMany { max: 10, hours: 24 });
        assert_localized(&e);
        assert_eq!(count(&s, "SELECT COUNT(*) FROM needs").await, before, "{label}: nothing written");

        let need = published_need(&s, "评论很多的需求", &[]).await.to_string();
        for i in 0..20 {
            let (status, body) = s.call(&mut jar, "needs/comment", &[("id", &need), ("body", &format!("评论{i}"))]).await;
            assert_eq!(status, 200, "{label}: {body}");
        }
        let (status, body) = s.call(&mut jar, "needs/comment", &[("id", &need), ("body", "第二十一条")]).await;
        assert_eq!((status, error(&body)), (429, NeedError::TooMany { max: 20, hours: 1 }), "{label}");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM need_comments").await, 20, "{label}");
    }
}

#[tokio::test]
async fn photos_never_attached_to_a_need_are_dropped_after_a_day() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut wang = s.login("13800000001").await;
        let (_, first) = s.call(&mut wang, "needs/upload_photo", &[("data_b64", &STANDARD.encode(jpeg(16, 16)))]).await;
        let key = first["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
        let file = s.data_dir.join("media").join(&key);
        assert!(file.is_file(), "{label}");
        // A used photo of the same age stays.
        let (_, used) = s.call(&mut wang, "needs/upload_photo", &[("data_b64", &STANDARD.encode(jpeg(16, 16)))]).await;
        let (status, _) = submit(&s, &mut wang, "带照片的需求", "描述", &used["id"].to_string()).await;
        assert_eq!(status, 200, "{label}");
        sqlx::query("UPDATE need_photos SET created_at = created_at - 25 * 3600000").execute(s.db.pool()).await.unwrap();
        let (status, _) = s.call(&mut wang, "needs/upload_photo", &[("data_b64", &STANDARD.encode(jpeg(16, 16)))]).await;
        assert_eq!(status, 200, "{label}");
        assert!(!file.exists(), "{label}: the unused file is gone");
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM need_photos WHERE storage_key = $1").bind(&key).fetch_one(s.db.pool()).await.unwrap();
        assert_eq!(left, 0, "{label}");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM need_photos WHERE need_id IS NOT NULL").await, 1, "{label}: the attached one stays");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM need_photos").await, 2, "{label}");
    }
}

/// A comment of another community's need, named with a need of the worker's own community: its
/// reports are not touched (the comment must belong to the need the request names).
#[tokio::test]
async fn a_worker_cannot_resolve_reports_on_another_communitys_comment() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let own = published_need(&s, "1幢门口积水", &[]).await;
        let wending = community(&s, "wending").await;
        let zhao = s.user_id("13800000003").await;
        let mut conn = s.db.pool().acquire().await.unwrap();
        let other = app::needs::store::insert_seeded(&mut conn, wending, zhao, "safety", "文鼎苑路灯", "描述", Status::Published, None, &[], 1).await.unwrap();
        drop(conn);
        let comment: i64 =
            sqlx::query_scalar("INSERT INTO need_comments (need_id, author_user_id, body, reports, created_at) VALUES ($1, $2, '广告链接', 1, 1) RETURNING id")
                .bind(other)
                .bind(zhao)
                .fetch_one(s.db.pool())
                .await
                .unwrap();
        sqlx::query("INSERT INTO need_reports (need_id, comment_id, user_id, reason, created_at) VALUES ($1, $2, $3, '广告', 1)")
            .bind(other)
            .bind(comment)
            .bind(zhao)
            .execute(s.db.pool())
            .await
            .unwrap();
        let mut worker = s.login("13800000020").await; // 刘社工, 翠苑社区
        let (status, body) = s.call(&mut worker, "needs/resolve_reports", &[("id", &own.to_string()), ("comment_id", &comment.to_string())]).await;
        assert_eq!(status, 404, "{label}: {body}");
        assert_eq!(body, serde_json::json!({"Common": "NotFound"}), "{label}");
        assert_eq!(count(&s, &format!("SELECT reports FROM need_comments WHERE id = {comment}")).await, 1, "{label}: the comment's count is untouched");
        let open = count(&s, &format!("SELECT COUNT(*) FROM need_reports WHERE comment_id = {comment} AND resolved_at IS NULL")).await;
        assert_eq!(open, 1, "{label}: its report is still open");
        // Named with its own need, the other community's worker desk would be needed: refused too.
        let (status, _) = s.call(&mut worker, "needs/resolve_reports", &[("id", &other.to_string()), ("comment_id", &comment.to_string())]).await;
        assert!(status == 403 || status == 404, "{label}: {status}");
        let events = count(&s, "SELECT COUNT(*) FROM events WHERE kind = 'need.reports_resolved'").await;
        assert_eq!(events, 0, "{label}: nothing written");
    }
}
