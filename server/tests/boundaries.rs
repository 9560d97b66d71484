//! Ids that cross a boundary, for every server function that takes one — the list checked against
//! the server's registry, so that a new function must be placed here (with its cases, or among
//! those that name no row of anyone else's, with the reason) before this test passes. On every
//! backend, as the role that could otherwise do it: ids of another community's rows, and children
//! named with a parent they do not belong to, are refused (4xx) and leave every table as it was
//! (compared row by row); where the same request with a matching id is the control, it succeeds.
mod common;

use base64::{Engine, engine::general_purpose::STANDARD};
use common::live::{Jar, Server, start};
use serde_json::{Value, json};
use server::db::Backend;
use std::collections::BTreeMap;

/// Functions that take no id of a row (or take only their caller's own), with why.
const NO_FOREIGN_IDS: &[(&str, &str)] = &[
    ("account/request_code", "a phone number"),
    ("account/verify_code", "a phone number and a code"),
    ("account/my_account", "the caller's own account"),
    ("account/logout", "the caller's own session"),
    ("account/logout_everywhere", "the caller's own sessions"),
    ("account/list_residents", "a search in the worker's own community"),
    ("account/end_assisted", "the caller's own 代办 session"),
    ("account/my_household", "the caller's own household"),
    ("account/add_family_member", "a name and a year, into the caller's own household"),
    ("notifications/unread", "the caller's own count"),
    ("notifications/list", "`before` is a cursor into the caller's own notifications, not a row of anyone else's"),
    ("needs/similar", "a title and a body"),
    ("needs/upload_photo", "an image"),
    ("needs/queue", "the worker's own community"),
    ("needs/settings", "numbers, for the worker's own community"),
    ("services/mine", "the caller's own household's bookings"),
    ("records/create_key", "a name, into the district admin's own district"),
    ("activities/list", "`category` only filters the caller's own community's list"),
    ("activities/mine", "the caller's own household's sign-ups, roles and activities"),
    ("activities/volunteer_apply", "skills and availability, for the caller's own community"),
    ("timebank/mine", "the caller's own time bank"),
    ("projects/summary", "public: a community's accepted and not accepted projects, for anyone (tested in tests/projects.rs)"),
    ("needs/list", "`category` only filters the caller's own community's list (another's category lists nothing)"),
];

/// Tables that change on any request (sessions renewing, rate limits) or hold no community data.
const NOT_COMPARED: &[&str] = &["rate_limit_hits", "session_families", "refresh_tokens", "login_codes", "_sqlx_migrations"];

/// Every row of every table, as text, per table.
async fn snapshot(s: &Server) -> BTreeMap<String, Vec<String>> {
    let pool = s.db.pool();
    let (tables_sql, columns_sql) = match s.db.backend() {
        Backend::Sqlite => {
            ("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", "SELECT name FROM pragma_table_info($1) ORDER BY cid")
        }
        Backend::Postgres => (
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            "SELECT CAST(column_name AS TEXT) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        ),
    };
    let tables: Vec<String> = sqlx::query_scalar(tables_sql).fetch_all(pool).await.unwrap();
    let mut out = BTreeMap::new();
    for t in tables.into_iter().filter(|t| !NOT_COMPARED.contains(&t.as_str())) {
        let columns: Vec<String> = sqlx::query_scalar(columns_sql).bind(&t).fetch_all(pool).await.unwrap();
        let row = columns.iter().map(|c| format!("COALESCE(CAST({c} AS TEXT), '∅')")).collect::<Vec<_>>().join(" || '|' || ");
        let mut rows: Vec<String> = sqlx::query_scalar(&format!("SELECT {row} FROM {t}")).fetch_all(pool).await.unwrap();
        rows.sort();
        out.insert(t, rows);
    }
    out
}

fn changes(before: &BTreeMap<String, Vec<String>>, after: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    before.iter().filter(|(t, rows)| after.get(*t) != Some(*rows)).map(|(t, _)| t.clone()).collect()
}

async fn scalar(s: &Server, sql: &str, args: &[i64]) -> i64 {
    let mut q = sqlx::query_scalar(sql);
    for a in args {
        q = q.bind(*a);
    }
    q.fetch_one(s.db.pool()).await.unwrap()
}

async fn ok(s: &Server, jar: &mut Jar, path: &str, form: &[(&str, &str)]) -> Value {
    let (status, body) = s.call(jar, path, form).await;
    assert_eq!(status, 200, "{path} {form:?}: {body}");
    body
}

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([(x * 9) as u8, (y * 9) as u8, 60]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Who asks.
#[derive(Clone, Copy, Debug)]
enum Who {
    /// 王芳, a verified resident (owner) of 翠苑.
    Resident,
    /// 刘社工, a worker of 翠苑.
    Worker,
}

struct Case {
    path: &'static str,
    who: Who,
    what: String,
    form: Vec<(&'static str, String)>,
    /// The same request with ids that match: it succeeds (run after the refused one).
    control: Option<Vec<(&'static str, String)>>,
}

fn case(path: &'static str, who: Who, what: &str, form: &[(&'static str, String)]) -> Case {
    Case { path, who, what: what.to_string(), form: form.to_vec(), control: None }
}

fn with_control(mut c: Case, control: &[(&'static str, String)]) -> Case {
    c.control = Some(control.to_vec());
    c
}

/// A deliberation spec (in discussion for an hour, then voting for an hour); `extra` overrides.
fn spec(extra: Value) -> String {
    let now = server::db::now_ms();
    let mut v = json!({
        "title": "是否在3幢加装电梯", "background": "3幢住户提出加装电梯，费用按楼层分摊。", "need_id": null,
        "kind": "YesNo", "options": [], "max_choices": 1, "electorate": "Community", "building_ids": [],
        "vote_unit": "Person", "rule": "Simple", "quorum_pct": null, "secret": false,
        "opens_at": now + 3_600_000, "closes_at": now + 7_200_000,
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v.to_string()
}

#[tokio::test]
async fn ids_of_another_community_or_of_another_parent_are_refused_and_change_nothing() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let pool = s.db.pool().clone();
        let cuiyuan = scalar(&s, "SELECT id FROM communities WHERE code = 'cuiyuan'", &[]).await;
        let wending = scalar(&s, "SELECT id FROM communities WHERE code = 'wending'", &[]).await;
        let (wang, zhao) = (s.user_id("13800000001").await, s.user_id("13800000003").await);
        let mut resident = s.session_for(wang).await;
        let mut worker = s.session_for(s.user_id("13800000020").await).await;
        let mut zhao_jar = s.session_for(zhao).await;
        // 赵敏, 王芳 and 李强 verified, as their workers would (the demo leaves that to be done).
        let li = s.user_id("13800000002").await;
        for u in [zhao, wang, li] {
            sqlx::query(
                "UPDATE memberships SET verified = 1, member_id = (SELECT MIN(id) FROM household_members WHERE user_id = $1) WHERE user_id = $1 AND role = 'resident'",
            )
            .bind(u)
            .execute(&pool)
            .await
            .unwrap();
        }

        // 文鼎苑 (the other community): a worker, and rows of each kind.
        let w_b: i64 =
            sqlx::query_scalar("INSERT INTO users (phone, display_name, status, created_at) VALUES ('13800000099', '文社工', 'active', 0) RETURNING id")
                .fetch_one(&pool)
                .await
                .unwrap();
        sqlx::query("INSERT INTO memberships (user_id, role, community_id) VALUES ($1, 'worker', $2)").bind(w_b).bind(wending).execute(&pool).await.unwrap();
        let mut worker_b = s.session_for(w_b).await;
        let need_b = scalar(&s, "SELECT id FROM needs WHERE community_id = $1 ORDER BY id LIMIT 1", &[wending]).await;
        let comment_b = ok(&s, &mut zhao_jar, "needs/comment", &[("id", &need_b.to_string()), ("body", "路灯确实坏了")]).await.as_i64().unwrap();
        let building_b = scalar(&s, "SELECT id FROM buildings WHERE community_id = $1 ORDER BY id LIMIT 1", &[wending]).await;
        let photo_b = ok(&s, &mut zhao_jar, "needs/upload_photo", &[("data_b64", &STANDARD.encode(png()))]).await["id"].as_i64().unwrap();
        ok(&s, &mut worker_b, "needs/reasons", &[("add", "文鼎苑的理由")]).await;
        let reason_b = scalar(&s, "SELECT MAX(t.id) FROM need_reason_templates t WHERE t.community_id = $1", &[wending]).await;
        let delib_b = ok(&s, &mut worker_b, "deliberations/create", &[("spec", &spec(json!({})))]).await.as_i64().unwrap();
        let dcomment_b = ok(&s, &mut zhao_jar, "deliberations/comment", &[("id", &delib_b.to_string()), ("body", "同意")]).await.as_i64().unwrap();
        // Voting opens (as the scheduler would when its time comes).
        sqlx::query("UPDATE deliberations SET opens_at = $1 WHERE id = $2").bind(server::db::now_ms() - 1).bind(delib_b).execute(&pool).await.unwrap();
        server::scheduler::run_once(&s.db).await.unwrap();
        let member_b =
            ok(&s, &mut zhao_jar, "account/add_family_member", &[("name", "赵小明"), ("birth_year", "2015"), ("relationship", "儿子")]).await.as_i64().unwrap();
        let note_b = scalar(&s, "SELECT COUNT(*) FROM notifications WHERE user_id = $1", &[zhao]).await;
        assert!(note_b > 0, "{label}: 赵敏 has notifications");
        let note_b = scalar(&s, "SELECT MAX(id) FROM notifications WHERE user_id = $1", &[zhao]).await;
        // A category of another district.
        let other_district: i64 = sqlx::query_scalar("INSERT INTO districts (code, name_zh, name_en) VALUES ('other', '其他区', 'Other') RETURNING id")
            .fetch_one(&pool)
            .await
            .unwrap();
        let category_x: i64 = sqlx::query_scalar(
            "INSERT INTO need_categories (district_id, code, name_zh, name_en, sort) VALUES ($1, 'x_only', '外区类别', 'Other district', 99) RETURNING id",
        )
        .bind(other_district)
        .fetch_one(&pool)
        .await
        .unwrap();

        // A dead letter of 文鼎苑's records, and a pull-API key of the other district.
        let dead_b = {
            let mut tx = s.db.begin_write().await.unwrap();
            let e = app::infra::events::NewEvent {
                community_id: Some(wending),
                kind: "need.answer",
                subject_type: "need",
                subject_id: Some(need_b),
                actor_user_id: None,
                on_behalf_of_user_id: None,
                official: true,
                payload: json!({}),
            };
            let id = app::infra::events::append(&mut tx, &e).await.unwrap();
            sqlx::query("UPDATE events SET sync_state = 'dead' WHERE id = $1").bind(id).execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
            id
        };
        let key_x: i64 = sqlx::query_scalar(
            "INSERT INTO records_api_keys (district_id, name, key_hash, prefix, created_by, created_at) VALUES ($1, '外区', $2, 'lr_x', $3, 0) RETURNING id",
        )
        .bind(other_district)
        .bind("0".repeat(64))
        .bind(w_b)
        .fetch_one(&pool)
        .await
        .unwrap();

        // 翠苑 (the caller's community): two needs, two deliberations, comments on the second.
        let cat = scalar(&s, "SELECT id FROM need_categories WHERE code = 'environment'", &[]).await;
        let building_a = scalar(&s, "SELECT id FROM buildings WHERE community_id = $1 ORDER BY id LIMIT 1", &[cuiyuan]).await;
        let mut conn = pool.acquire().await.unwrap();
        let need_a1 =
            app::needs::store::insert_seeded(&mut conn, cuiyuan, wang, "environment", "楼道堆物", "描述", app::needs::model::Status::Published, None, &[], 1)
                .await
                .unwrap();
        let need_a2 = app::needs::store::insert_seeded(
            &mut conn,
            cuiyuan,
            zhao,
            "environment",
            "垃圾分类点太远",
            "描述",
            app::needs::model::Status::Published,
            None,
            &[],
            1,
        )
        .await
        .unwrap();
        drop(conn);
        // 李强 writes the comments.
        let mut li_jar = s.session_for(li).await;
        let comment_a2 = ok(&s, &mut li_jar, "needs/comment", &[("id", &need_a2.to_string()), ("body", "已记录")]).await.as_i64().unwrap();
        let comment_a1 = ok(&s, &mut li_jar, "needs/comment", &[("id", &need_a1.to_string()), ("body", "在处理")]).await.as_i64().unwrap();
        let delib_a1 = ok(&s, &mut worker, "deliberations/create", &[("spec", &spec(json!({})))]).await.as_i64().unwrap();
        let delib_a2 = ok(&s, &mut worker, "deliberations/create", &[("spec", &spec(json!({ "title": "是否增设快递柜" })))]).await.as_i64().unwrap();
        let dcomment_a2 = ok(&s, &mut resident, "deliberations/comment", &[("id", &delib_a2.to_string()), ("body", "赞成")]).await.as_i64().unwrap();
        let dcomment_a1 = ok(&s, &mut resident, "deliberations/comment", &[("id", &delib_a1.to_string()), ("body", "好")]).await.as_i64().unwrap();
        let now = server::db::now_ms();
        let voting_a =
            ok(&s, &mut worker, "deliberations/create", &[("spec", &spec(json!({ "title": "是否更换门禁", "opens_at": now, "closes_at": now + 3_600_000 })))])
                .await
                .as_i64()
                .unwrap();
        // Surveys open now, one of each community (one answer per resident).
        let survey_spec = |extra: Value| {
            let mut v = json!({
                "title": "小区环境满意度", "intro": "", "purpose": "Research", "unit": "Person", "building_ids": [], "anonymous": false,
                "double_entry": true, "opens_at": now, "closes_at": now + 3_600_000, "rule": null,
                "questions": [{ "kind": "Single", "prompt": "您满意吗", "options": ["满意", "不满意"], "max_choices": 1, "required": true }],
            });
            for (k, x) in extra.as_object().unwrap() {
                v[k] = x.clone();
            }
            v.to_string()
        };
        let survey_b = ok(&s, &mut worker_b, "surveys/create", &[("spec", &survey_spec(json!({})))]).await.as_i64().unwrap();
        let survey_a = ok(&s, &mut worker, "surveys/create", &[("spec", &survey_spec(json!({})))]).await.as_i64().unwrap();
        let sheet = || r#"[{"Choice":[0]}]"#.to_string();
        // A project of 文鼎苑 (with a milestone), and the spec of one of 翠苑 with the links given.
        let project_spec = |needs: &[i64], delibs: &[i64], surveys: &[i64]| {
            json!({
                "title": "楼道加装扶手", "category": "elderly", "description": "加装扶手", "budget_fen": 100_000, "funding": "", "contractor": "",
                "milestones": [{ "name": "安装", "planned_day": 20_800, "weight": 1 }], "need_ids": needs, "deliberation_ids": delibs,
                "survey_ids": surveys, "rule": null,
            })
            .to_string()
        };
        let project_b = ok(&s, &mut worker_b, "projects/create", &[("spec", &project_spec(&[], &[], &[]))]).await.as_i64().unwrap();
        let project_photo_b = ok(
            &s,
            &mut worker_b,
            "projects/add_photo",
            &[("id", &project_b.to_string()), ("after", "false"), ("data_b64", &STANDARD.encode(png()))],
        )
        .await["id"]
            .as_i64()
            .unwrap();
        // A need of 翠苑 for the projects' control, which no other case changes.
        let mut conn = pool.acquire().await.unwrap();
        let need_a3 =
            app::needs::store::insert_seeded(&mut conn, cuiyuan, wang, "elderly", "楼道没有扶手", "描述", app::needs::model::Status::Published, None, &[], 1)
                .await
                .unwrap();
        drop(conn);
        // Reports to resolve on 翠苑's comment (so that resolving has something to change).
        ok(&s, &mut resident, "needs/report", &[("id", &need_a2.to_string()), ("comment_id", &comment_a2.to_string()), ("reason", "无关")]).await;
        ok(&s, &mut zhao_jar, "needs/report", &[("id", &need_b.to_string()), ("comment_id", &comment_b.to_string()), ("reason", "广告")]).await;

        // Services: one of each community, a session of each, a booking in 文鼎苑.
        let day1 = app::time::day_text(app::time::day_of(now) + 1);
        let service_form = |buildings: Vec<i64>, title: &str| {
            json!({ "id": null, "category": "Meals", "title": title, "provider": "食堂", "place": "一楼", "description": "",
                "rules": { "eligibility": { "min_age": null, "max_age": null, "building_ids": buildings }, "base_price_fen": 0, "bands": [],
                           "party_limit": 2, "cancel_before_min": 0, "per_day": null, "per_week": null }, "active": true })
            .to_string()
        };
        let schedule_form = |service: i64| {
            json!({ "service_id": service, "repeat": "Once", "first_day": day1, "last_day": null, "start": "11:30", "end": "12:30",
                "capacity": 5, "opens_days_before": 7, "opens": "00:00", "closes": "11:00" })
            .to_string()
        };
        let service_b = ok(&s, &mut worker_b, "services/save", &[("form", &service_form(vec![], "文鼎苑午餐"))]).await.as_i64().unwrap();
        let schedule_b = ok(&s, &mut worker_b, "services/schedule", &[("form", &schedule_form(service_b))]).await.as_i64().unwrap();
        let session_b = scalar(&s, "SELECT id FROM service_sessions WHERE schedule_id = $1", &[schedule_b]).await;
        let zhao_member = scalar(&s, "SELECT member_id FROM memberships WHERE user_id = $1 AND role = 'resident'", &[zhao]).await;
        let booking_b =
            ok(&s, &mut zhao_jar, "services/book", &[("session_id", &session_b.to_string()), ("members", &zhao_member.to_string())]).await["booking_id"]
                .as_i64()
                .unwrap();
        let code_b: String = sqlx::query_scalar("SELECT code FROM service_bookings WHERE id = $1").bind(booking_b).fetch_one(&pool).await.unwrap();
        let person_b = scalar(&s, "SELECT id FROM service_booking_people WHERE booking_id = $1", &[booking_b]).await;
        let service_a = ok(&s, &mut worker, "services/save", &[("form", &service_form(vec![], "翠苑午餐"))]).await.as_i64().unwrap();
        let schedule_a = ok(&s, &mut worker, "services/schedule", &[("form", &schedule_form(service_a))]).await.as_i64().unwrap();
        let session_a = scalar(&s, "SELECT id FROM service_sessions WHERE schedule_id = $1", &[schedule_a]).await;
        let wang_member = scalar(&s, "SELECT member_id FROM memberships WHERE user_id = $1 AND role = 'resident'", &[wang]).await;
        let wang_father = scalar(&s, "SELECT id FROM household_members WHERE name = '王建国'", &[]).await;

        // Activities: one published in each community (by its worker), a sign-up, a volunteer in a
        // role with verified hours (a ledger entry) in 文鼎苑.
        let activity_form = json!({ "title": "楼道清洁", "category": "Environment", "description": "一起打扫", "place": "1幢",
            "times": { "starts_at": now + 86_400_000, "ends_at": now + 90_000_000, "signup_opens_at": now - 60_000, "signup_closes_at": now + 86_400_000 },
            "capacity": 10, "min_age": null, "max_age": null, "roles": [{ "name": "帮手", "count": 2 }] })
        .to_string();
        let publish = async |jar: &mut common::live::Jar| {
            let id = ok(&s, jar, "activities/save", &[("form", &activity_form)]).await.as_i64().unwrap();
            ok(&s, jar, "activities/submit", &[("id", &id.to_string())]).await;
            ok(&s, jar, "activities/decide", &[("id", &id.to_string()), ("approve", "true")]).await;
            id
        };
        let activity_b = publish(&mut worker_b).await;
        let activity_a = publish(&mut worker).await;
        let signup_b =
            ok(&s, &mut zhao_jar, "activities/sign_up", &[("activity_id", &activity_b.to_string()), ("members", &zhao_member.to_string())]).await["signup_id"]
                .as_i64()
                .unwrap();
        let signup_code_b: String = sqlx::query_scalar("SELECT code FROM activity_signups WHERE id = $1").bind(signup_b).fetch_one(&pool).await.unwrap();
        let application_b = ok(&s, &mut zhao_jar, "activities/volunteer_apply", &[("skills", "打扫"), ("availability", "周末")]).await.as_i64().unwrap();
        ok(&s, &mut worker_b, "activities/decide_volunteer", &[("application_id", &application_b.to_string()), ("approve", "true")]).await;
        let role_b = scalar(&s, "SELECT id FROM activity_roles WHERE activity_id = $1", &[activity_b]).await;
        let volunteer_b = ok(&s, &mut zhao_jar, "activities/take_role", &[("activity_id", &activity_b.to_string()), ("role_id", &role_b.to_string())])
            .await
            .as_i64()
            .unwrap();
        ok(&s, &mut worker_b, "activities/set_hours", &[("volunteer_id", &volunteer_b.to_string()), ("half_hours", "2"), ("reason", "按签到表")]).await;
        ok(&s, &mut worker_b, "activities/verify", &[("activity_id", &activity_b.to_string()), ("volunteers", &volunteer_b.to_string())]).await;
        let entry_b = scalar(&s, "SELECT MAX(id) FROM timebank_entries WHERE community_id = $1", &[wending]).await;
        // A photo of 文鼎苑's activity's report (written directly: that activity has not ended).
        let activity_photo_b: i64 = sqlx::query_scalar(
            "INSERT INTO activity_photos (activity_id, storage_key, uploaded_by, byte_size, width, height, created_at) VALUES ($1, 'b0b0', $2, 1, 1, 1, $3) RETURNING id",
        )
        .bind(activity_b)
        .bind(zhao)
        .bind(now)
        .fetch_one(&pool)
        .await
        .unwrap();

        let i = |v: i64| v.to_string();
        use Who::*;
        let cases = vec![
            // Accounts: a resident of 文鼎苑, a family member of 文鼎苑, roster into 文鼎苑.
            case("account/disable_account", Worker, "another community's resident", &[("user_id", i(zhao)), ("reason", "测试".into())]),
            case(
                "account/set_verified",
                Worker,
                "another community's resident",
                &[("user_id", i(zhao)), ("verified", "false".into()), ("reason", "测试".into())],
            ),
            case("account/start_assisted", Worker, "another community's resident", &[("user_id", i(zhao))]),
            case("account/decide_family_member", Worker, "another community's family member", &[("member_id", i(member_b)), ("accept", "true".into())]),
            case(
                "account/preview_roster",
                Worker,
                "another community",
                &[("file_b64", STANDARD.encode("楼栋,单元,房号,姓名\n1幢,1,999,测试\n")), ("community_id", i(wending))],
            ),
            case(
                "account/import_roster",
                Worker,
                "another community",
                &[("file_b64", STANDARD.encode("楼栋,单元,房号,姓名\n1幢,1,999,测试\n")), ("community_id", i(wending))],
            ),
            // Notifications: somebody else's.
            case("notifications/read", Resident, "another person's notification", &[("id", i(note_b))]),
            // Needs.
            case("needs/overview", Resident, "another community", &[("community_id", i(wending))]),
            case("needs/get", Resident, "another community's need", &[("id", i(need_b))]),
            with_control(
                case(
                    "needs/submit",
                    Resident,
                    "a building of another community",
                    &[
                        ("category_id", i(cat)),
                        ("title", "路面破损".into()),
                        ("body", "描述".into()),
                        ("building_id", i(building_b)),
                        ("place", String::new()),
                        ("photo_ids", String::new()),
                        ("channel", "app".into()),
                    ],
                ),
                &[
                    ("category_id", i(cat)),
                    ("title", "路面破损".into()),
                    ("body", "描述".into()),
                    ("building_id", i(building_a)),
                    ("place", String::new()),
                    ("photo_ids", String::new()),
                    ("channel", "app".into()),
                ],
            ),
            case(
                "needs/submit",
                Resident,
                "a category of another district",
                &[
                    ("category_id", i(category_x)),
                    ("title", "路面破损二".into()),
                    ("body", "描述".into()),
                    ("place", String::new()),
                    ("photo_ids", String::new()),
                    ("channel", "app".into()),
                ],
            ),
            case(
                "needs/submit",
                Resident,
                "a photo of another community's resident",
                &[
                    ("category_id", i(cat)),
                    ("title", "路面破损三".into()),
                    ("body", "描述".into()),
                    ("place", String::new()),
                    ("photo_ids", i(photo_b)),
                    ("channel", "app".into()),
                ],
            ),
            case(
                "needs/resubmit",
                Resident,
                "another community's need",
                &[("id", i(need_b)), ("category_id", i(cat)), ("title", "改".into()), ("body", "改".into()), ("place", String::new())],
            ),
            case("needs/support", Resident, "another community's need", &[("id", i(need_b)), ("on", "true".into())]),
            case("needs/comment", Resident, "another community's need", &[("id", i(need_b)), ("body", "看看".into())]),
            case("needs/report", Resident, "another community's need", &[("id", i(need_b)), ("reason", "不实".into())]),
            case(
                "needs/report",
                Resident,
                "another community's comment under one's own need",
                &[("id", i(need_a1)), ("comment_id", i(comment_b)), ("reason", "不实".into())],
            ),
            with_control(
                case(
                    "needs/report",
                    Resident,
                    "a comment of another need of the community",
                    &[("id", i(need_a1)), ("comment_id", i(comment_a2)), ("reason", "不实".into())],
                ),
                &[("id", i(need_a1)), ("comment_id", i(comment_a1)), ("reason", "不实".into())],
            ),
            case("needs/act", Worker, "another community's need", &[("id", i(need_b)), ("action", "accept".into()), ("text", "受理".into())]),
            with_control(
                case(
                    "needs/act",
                    Worker,
                    "merging into another community's need",
                    &[("id", i(need_a1)), ("action", "merge".into()), ("text", "合并".into()), ("merge_into", i(need_b))],
                ),
                &[("id", i(need_a1)), ("action", "merge".into()), ("text", "合并".into()), ("merge_into", i(need_a2))],
            ),
            case("needs/resolve_reports", Worker, "another community's need and comment", &[("id", i(need_b)), ("comment_id", i(comment_b))]),
            case("needs/resolve_reports", Worker, "another community's comment under one's need", &[("id", i(need_a2)), ("comment_id", i(comment_b))]),
            with_control(
                case("needs/resolve_reports", Worker, "a comment of another need of the community", &[("id", i(need_a1)), ("comment_id", i(comment_a2))]),
                &[("id", i(need_a2)), ("comment_id", i(comment_a2))],
            ),
            case("needs/comment_hidden", Worker, "another community's comment", &[("comment_id", i(comment_b)), ("hidden", "true".into())]),
            case("needs/reasons", Worker, "another community's reason", &[("add", String::new()), ("delete", i(reason_b))]),
            // Deliberation.
            case("deliberations/list", Resident, "another community", &[("community_id", i(wending))]),
            case("deliberations/get", Resident, "another community's deliberation", &[("id", i(delib_b))]),
            case("deliberations/create_context", Worker, "another community", &[("community_id", i(wending))]),
            case("deliberations/create", Worker, "into another community", &[("spec", spec(json!({}))), ("community_id", i(wending))]),
            with_control(
                case("deliberations/create", Worker, "about another community's need", &[("spec", spec(json!({ "need_id": need_b })))]),
                &[("spec", spec(json!({ "need_id": need_a2 })))],
            ),
            case(
                "deliberations/create",
                Worker,
                "for a building of another community",
                &[("spec", spec(json!({ "electorate": "Buildings", "building_ids": [building_b] })))],
            ),
            case("deliberations/vote", Resident, "another community's deliberation", &[("id", i(delib_b)), ("vote", "yes".into())]),
            with_control(
                case("deliberations/vote", Resident, "a unit of another deliberation", &[("id", i(voting_a)), ("unit_id", i(zhao)), ("vote", "yes".into())]),
                &[("id", i(voting_a)), ("unit_id", i(wang)), ("vote", "yes".into())],
            ),
            case("deliberations/paper", Worker, "another community's deliberation", &[("id", i(delib_b)), ("unit_id", i(zhao)), ("vote", "yes".into())]),
            case(
                "deliberations/paper",
                Worker,
                "a unit of another community's deliberation",
                &[("id", i(voting_a)), ("unit_id", i(zhao)), ("vote", "yes".into())],
            ),
            case("deliberations/close", Worker, "another community's deliberation", &[("id", i(delib_b)), ("reason", "提前结束".into())]),
            case("deliberations/audit", Worker, "another community's deliberation", &[("id", i(delib_b))]),
            case("deliberations/comment", Resident, "another community's deliberation", &[("id", i(delib_b)), ("body", "看看".into())]),
            with_control(
                case(
                    "deliberations/comment",
                    Resident,
                    "a reply to a comment of another deliberation",
                    &[("id", i(delib_a1)), ("parent_id", i(dcomment_a2)), ("body", "回复".into())],
                ),
                &[("id", i(delib_a1)), ("parent_id", i(dcomment_a1)), ("body", "回复".into())],
            ),
            case(
                "deliberations/comment",
                Resident,
                "a reply to another community's comment",
                &[("id", i(delib_a1)), ("parent_id", i(dcomment_b)), ("body", "回复".into())],
            ),
            case("deliberations/report", Resident, "another community's comment", &[("comment_id", i(dcomment_b)), ("reason", "不实".into())]),
            case("deliberations/hide_comment", Worker, "another community's comment", &[("comment_id", i(dcomment_b)), ("hidden", "true".into())]),
            // Surveys.
            case("surveys/list", Resident, "another community", &[("community_id", i(wending))]),
            case("surveys/get", Resident, "another community's survey", &[("id", i(survey_b))]),
            case("surveys/answer", Resident, "another community's survey", &[("id", i(survey_b)), ("answers", sheet())]),
            case("surveys/results", Resident, "another community's survey", &[("id", i(survey_b))]),
            case("surveys/results", Worker, "another community's survey", &[("id", i(survey_b))]),
            case("surveys/builder", Worker, "another community", &[("community_id", i(wending))]),
            case("surveys/create", Worker, "into another community", &[("spec", survey_spec(json!({}))), ("community_id", i(wending))]),
            with_control(
                case("surveys/create", Worker, "a building of another community", &[("spec", survey_spec(json!({ "building_ids": [building_b] })))]),
                &[("spec", survey_spec(json!({ "building_ids": [building_a] })))],
            ),
            case("surveys/desk", Worker, "another community's survey", &[("id", i(survey_b))]),
            case("surveys/paper", Worker, "another community's survey", &[("id", i(survey_b)), ("unit_id", i(zhao)), ("answers", sheet())]),
            with_control(
                case("surveys/paper", Worker, "a unit of another community's survey", &[("id", i(survey_a)), ("unit_id", i(zhao)), ("answers", sheet())]),
                &[("id", i(survey_a)), ("unit_id", i(li)), ("answers", sheet())],
            ),
            case("surveys/resolve", Worker, "another community's survey", &[("id", i(survey_b)), ("unit_id", i(zhao)), ("answers", sheet())]),
            case("surveys/close", Worker, "another community's survey", &[("id", i(survey_b))]),
            case("surveys/texts", Worker, "another community's survey", &[("id", i(survey_b))]),
            case(
                "surveys/review_text",
                Worker,
                "another community's survey",
                &[("id", i(survey_b)), ("key", i(zhao)), ("question", "0".into()), ("shown", "true".into())],
            ),
            case(
                "surveys/raise_need",
                Worker,
                "another community's survey",
                &[("id", i(survey_b)), ("key", i(zhao)), ("question", "0".into()), ("category_id", "1".into()), ("title", "长椅".into())],
            ),
            // Services.
            case("services/catalogue", Resident, "another community", &[("community_id", i(wending))]),
            case("services/get", Resident, "another community's service", &[("id", i(service_b))]),
            case("services/book", Resident, "another community's session", &[("session_id", i(session_b)), ("members", i(wang_member))]),
            with_control(
                case("services/book", Resident, "a member of another household", &[("session_id", i(session_a)), ("members", i(zhao_member))]),
                &[("session_id", i(session_a)), ("members", i(wang_father))],
            ),
            case("services/cancel", Resident, "another community's booking", &[("booking_id", i(booking_b))]),
            case("services/booking", Resident, "another community's booking", &[("id", i(booking_b))]),
            case(
                "services/save",
                Worker,
                "another community's service",
                &[("form", service_form(vec![], "改名").replace("\"id\":null", &format!("\"id\":{service_b}")))],
            ),
            with_control(
                case("services/save", Worker, "a building of another community", &[("form", service_form(vec![building_b], "楼栋专享"))]),
                &[("form", service_form(vec![building_a], "楼栋专享"))],
            ),
            case("services/schedule", Worker, "another community's service", &[("form", schedule_form(service_b))]),
            case("services/schedule_end", Worker, "another community's schedule", &[("schedule_id", i(schedule_b))]),
            case("services/session_cancel", Worker, "another community's session", &[("session_id", i(session_b)), ("reason", "检修".into())]),
            case("services/session_capacity", Worker, "another community's session", &[("session_id", i(session_b)), ("capacity", "9".into())]),
            case("services/roster", Worker, "another community's session", &[("session_id", i(session_b))]),
            case(
                "services/check_in",
                Worker,
                "another community's session",
                &[("session_id", i(session_b)), ("code", code_b.clone()), ("client_id", "boundary-1".into())],
            ),
            case(
                "services/check_in",
                Worker,
                "a code of another community's booking",
                &[("session_id", i(session_a)), ("code", code_b.clone()), ("client_id", "boundary-2".into())],
            ),
            case(
                "services/check_in",
                Worker,
                "a person of another session",
                &[("session_id", i(session_a)), ("person_id", i(person_b)), ("client_id", "boundary-3".into())],
            ),
            case(
                "services/walk_in",
                Worker,
                "another community's session",
                &[("session_id", i(session_b)), ("member_id", i(wang_father)), ("client_id", "boundary-4".into())],
            ),
            case(
                "services/walk_in",
                Worker,
                "a member of another community",
                &[("session_id", i(session_a)), ("member_id", i(zhao_member)), ("client_id", "boundary-5".into())],
            ),
            case("services/settings", Worker, "another community", &[("community_id", i(wending))]),
            case(
                "services/settings_save",
                Worker,
                "another community",
                &[
                    ("community_id", i(wending)),
                    ("rule[count]", "3".into()),
                    ("rule[window_days]", "30".into()),
                    ("rule[penalty_days]", "30".into()),
                    ("rule[week_limit]", "1".into()),
                    ("skip_days", String::new()),
                ],
            ),
            case("services/stats", Worker, "another community", &[("community_id", i(wending))]),
            case("services/calendar", Worker, "another community", &[("community_id", i(wending))]),
            case("services/desk_people", Worker, "another community's session", &[("session_id", i(session_b)), ("q", "王".into())]),
            case("services/editor", Worker, "another community's service", &[("id", i(service_b))]),
            case("services/editor", Worker, "another community", &[("community_id", i(wending))]),
            case("records/overview", Worker, "another community", &[("community_id", i(wending))]),
            case("records/reconcile", Worker, "another community", &[("community_id", i(wending))]),
            case("records/redeliver", Worker, "another community's dead letter", &[("event_id", i(dead_b))]),
            case("records/revoke_key", Worker, "another district's key", &[("key_id", i(key_x))]),
            case("activities/get", Resident, "another community's activity", &[("id", i(activity_b))]),
            case("activities/save", Worker, "another community's activity", &[("id", i(activity_b)), ("form", activity_form.clone())]),
            case("activities/submit", Worker, "another community's activity", &[("id", i(activity_b))]),
            case("activities/decide", Worker, "another community's activity", &[("id", i(activity_b)), ("approve", "false".into()), ("reason", "重写".into())]),
            case("activities/cancel", Worker, "another community's activity", &[("id", i(activity_b)), ("reason", "下雨".into())]),
            case("activities/sign_up", Resident, "another community's activity", &[("activity_id", i(activity_b)), ("members", i(wang_member))]),
            with_control(
                case("activities/sign_up", Resident, "a member of another household", &[("activity_id", i(activity_a)), ("members", i(zhao_member))]),
                &[("activity_id", i(activity_a)), ("members", i(wang_member))],
            ),
            case("activities/leave", Resident, "another household's sign-up", &[("signup_id", i(signup_b))]),
            case("activities/take_role", Resident, "another community's role", &[("activity_id", i(activity_b)), ("role_id", i(role_b))]),
            case("activities/take_role", Worker, "a role of another activity", &[("activity_id", i(activity_a)), ("role_id", i(role_b))]),
            case("activities/leave_role", Resident, "another volunteer's role", &[("volunteer_id", i(volunteer_b))]),
            case("activities/desk", Worker, "another community's activity", &[("activity_id", i(activity_b))]),
            case("activities/check_in", Worker, "another community's activity", &[("activity_id", i(activity_b)), ("code", signup_code_b.clone())]),
            case("activities/check_in", Worker, "a code of another activity", &[("activity_id", i(activity_a)), ("code", signup_code_b.clone())]),
            case("activities/check_in", Worker, "a person not signed up here", &[("activity_id", i(activity_a)), ("member_id", i(zhao_member))]),
            case(
                "activities/set_hours",
                Worker,
                "another community's volunteer",
                &[("volunteer_id", i(volunteer_b)), ("half_hours", "2".into()), ("reason", "改".into())],
            ),
            case("activities/verify", Worker, "a volunteer of another activity", &[("activity_id", i(activity_a)), ("volunteers", i(volunteer_b))]),
            case("activities/review", Worker, "another community", &[("community_id", i(wending))]),
            case("activities/finish", Worker, "another community's activity", &[("id", i(activity_b)), ("report", "顺利".into())]),
            case("activities/add_photo", Worker, "another community's activity", &[("activity_id", i(activity_b)), ("data_b64", STANDARD.encode(png()))]),
            case("activities/remove_photo", Worker, "a photo of another community's activity", &[("photo_id", i(activity_photo_b))]),
            case("activities/decide_volunteer", Worker, "another community's application", &[("application_id", i(application_b)), ("approve", "true".into())]),
            case("activities/suspend_volunteer", Worker, "another community's volunteer", &[("application_id", i(application_b)), ("reason", "测试".into())]),
            case("timebank/transfer", Resident, "a member of another household", &[("to_member", i(zhao_member)), ("half_hours", "1".into())]),
            case("timebank/correct", Worker, "another community's entry", &[("entry_id", i(entry_b)), ("delta", "-1".into()), ("reason", "记错".into())]),
            case("timebank/cap", Worker, "another community", &[("community_id", i(wending)), ("cap", "10".into())]),
            case("timebank/community", Worker, "another community", &[("community_id", i(wending))]),
            // Projects (last: the controls plan a need of 翠苑).
            case("projects/list", Resident, "another community", &[("community_id", i(wending))]),
            case("projects/get", Resident, "another community's project", &[("id", i(project_b))]),
            case("projects/create", Worker, "into another community", &[("spec", project_spec(&[], &[], &[])), ("community_id", i(wending))]),
            case("projects/create", Worker, "with another community's deliberation", &[("spec", project_spec(&[], &[delib_b], &[]))]),
            case("projects/create", Worker, "with another community's survey", &[("spec", project_spec(&[], &[], &[survey_b]))]),
            with_control(
                case("projects/create", Worker, "with another community's need", &[("spec", project_spec(&[need_b], &[], &[]))]),
                &[("spec", project_spec(&[need_a3], &[delib_a1], &[survey_a]))],
            ),
            case("projects/advance", Worker, "another community's project", &[("id", i(project_b)), ("step", "start".into())]),
            case("projects/milestone", Worker, "another community's project", &[("id", i(project_b)), ("idx", "0".into()), ("done", "true".into())]),
            case("projects/update", Worker, "another community's project", &[("id", i(project_b)), ("body", "进展".into())]),
            case("projects/follow", Resident, "another community's project", &[("id", i(project_b)), ("on", "true".into())]),
            case("projects/form", Worker, "another community", &[("community_id", i(wending))]),
            case(
                "projects/edit_plan",
                Worker,
                "another community's project",
                &[
                    ("id", i(project_b)),
                    ("spec", json!({ "description": "改", "budget_fen": 1, "funding": "", "contractor": "", "milestones": [] }).to_string()),
                ],
            ),
            case(
                "projects/add_photo",
                Worker,
                "another community's project",
                &[("id", i(project_b)), ("after", "true".into()), ("data_b64", STANDARD.encode(png()))],
            ),
            case("projects/remove_photo", Worker, "a photo of another community's project", &[("photo_id", i(project_photo_b))]),
            case(
                "projects/open_round",
                Worker,
                "another community's project",
                &[("id", i(project_b)), ("closes_at", i(now + 3_600_000)), ("aspects", "质量".into())],
            ),
        ];

        // Every registered function is either tried here or listed as naming no row of anyone else's.
        let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p.trim_start_matches("/api/").to_string()).collect();
        let unplaced: Vec<&String> =
            registered.iter().filter(|p| !cases.iter().any(|c| c.path == p.as_str()) && !NO_FOREIGN_IDS.iter().any(|(n, _)| *n == p.as_str())).collect();
        assert!(unplaced.is_empty(), "server functions with no boundary case and not listed in NO_FOREIGN_IDS: {unplaced:?}");
        let stale: Vec<&str> = NO_FOREIGN_IDS.iter().map(|(n, _)| *n).filter(|n| !registered.iter().any(|p| p == n)).collect();
        assert!(stale.is_empty(), "NO_FOREIGN_IDS names functions that do not exist: {stale:?}");

        // The comparison sees the data: every table, the rows made above among them.
        let seen = snapshot(&s).await;
        assert!(seen.len() >= 30 && seen["need_comments"].len() >= 3 && seen["deliberation_comments"].len() >= 3, "{label}: {:?}", seen.keys());
        let mut failures = Vec::new();
        for c in &cases {
            let jar = match c.who {
                Resident => &mut resident,
                Worker => &mut worker,
            };
            let form: Vec<(&str, &str)> = c.form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let before = snapshot(&s).await;
            let (status, body) = s.call(jar, c.path, &form).await;
            let changed = changes(&before, &snapshot(&s).await);
            if !(400..500).contains(&status) {
                failures.push(format!("{} as {:?} with {}: {status} {body}", c.path, c.who, c.what));
            }
            if !changed.is_empty() {
                failures.push(format!("{} as {:?} with {}: changed {changed:?}", c.path, c.who, c.what));
            }
            if let Some(control) = &c.control {
                let form: Vec<(&str, &str)> = control.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let (status, body) = s.call(jar, c.path, &form).await;
                if status != 200 {
                    failures.push(format!("{} as {:?}, control of {}: {status} {body}", c.path, c.who, c.what));
                }
            }
        }
        assert!(failures.is_empty(), "{label}: {} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    }
}
