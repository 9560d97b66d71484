//! What workers do in their community, through HTTP against a running server, on every backend:
//! roster import (preview, per-line errors, idempotence, GBK, verification), the resident list,
//! manual verification, family members, 代办 — and that none of it reaches another community or
//! can be done by a volunteer or a resident.
mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::live::{Jar, Server, start};
use serde_json::{Value, json};

const ROSTER: &str = "楼栋,单元,房号,姓名,手机,出生年份,业主,面积\n\
    5幢,2,301,吴海,13912340001,1970,是,101.25\n\
    5幢,2,301,吴奶奶,,1938,否,\n\
    5幢,2,302,,13912340002,1980,否,\n\
    5幢,2,303,郑一,123,1980,否,\n\
    5幢,2,304,冯二,13912340004,1985,否,95.5\n";

async fn import(s: &Server, jar: &mut Jar, file: &[u8], commit: bool) -> (u16, Value) {
    let name = if commit { "account/import_roster" } else { "account/preview_roster" };
    s.call(jar, name, &[("file_b64", &STANDARD.encode(file))]).await
}

async fn count(s: &Server, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(s.db.pool()).await.unwrap()
}

fn actions(outcome: &Value) -> Vec<String> {
    outcome["rows"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn roster_preview_writes_nothing_and_import_applies_good_rows_once() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut worker = s.login("13800000020").await;
        let members_before = count(&s, "SELECT COUNT(*) FROM household_members").await;

        let (status, preview) = import(&s, &mut worker, ROSTER.as_bytes(), false).await;
        assert_eq!(status, 200, "{label}: {preview}");
        assert_eq!(preview["committed"], false);
        assert_eq!(actions(&preview), ["Created", "Created", "Created"], "{label}");
        let errors = preview["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 2, "{label}");
        assert_eq!(errors[0], json!({"line": 4, "column": "Name", "problem": "Required"}));
        assert_eq!(errors[1], json!({"line": 5, "column": "Phone", "problem": "BadPhone"}));
        assert_eq!(count(&s, "SELECT COUNT(*) FROM household_members").await, members_before, "{label}: preview wrote");

        let (status, imported) = import(&s, &mut worker, ROSTER.as_bytes(), true).await;
        assert_eq!(status, 200, "{label}: {imported}");
        assert_eq!(actions(&imported), actions(&preview), "{label}: the preview told the truth");
        assert_eq!(imported["newly_verified"], 2, "{label}: two phones on the roster");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM household_members").await, members_before + 3, "{label}");
        let area: i64 =
            count(&s, "SELECT area_centi_m2 FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.name = '5幢' AND h.room = '301'").await;
        assert_eq!(area, 10125, "{label}: area in 0.01 m²");

        let (_, again) = import(&s, &mut worker, ROSTER.as_bytes(), true).await;
        assert_eq!(actions(&again), ["Unchanged", "Unchanged", "Unchanged"], "{label}: second import changes nothing");
        assert_eq!(again["newly_verified"], 0);
        assert_eq!(count(&s, "SELECT COUNT(*) FROM household_members").await, members_before + 3, "{label}");

        // The resident on the roster logs in for the first time: already verified.
        let mut wu = s.login("13912340001").await;
        let me = s.me(&mut wu).await;
        assert_eq!(me["memberships"][0]["verified"], true, "{label}");
    }
}

/// The roster's 产权人编号 column: homes of one owner share a label (art. 278 heads); a later
/// import can give a group, and a row without one leaves it as it was.
#[tokio::test]
async fn the_roster_says_which_homes_share_an_owner() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut worker = s.login("13800000020").await;
        let file = "楼栋,单元,房号,姓名,业主,面积,产权人编号\n9幢,1,101,周强,是,90,周强\n9幢,2,202,周强,是,60,周强\n9幢,1,102,吴丽,是,80,\n";
        let (status, out) = import(&s, &mut worker, file.as_bytes(), true).await;
        assert_eq!((status, actions(&out)), (200, vec!["Created".to_string(); 3]), "{label}: {out}");
        let groups = |s: &Server| {
            let pool = s.db.pool().clone();
            async move {
                sqlx::query_as::<_, (String, Option<String>)>(
                    "SELECT h.room, h.owner_group FROM households h JOIN buildings b ON b.id = h.building_id WHERE b.name = '9幢' ORDER BY h.room",
                )
                .fetch_all(&pool)
                .await
                .unwrap()
            }
        };
        let expected = |g102: Option<&str>| {
            vec![("101".to_string(), Some("周强".to_string())), ("102".to_string(), g102.map(String::from)), ("202".to_string(), Some("周强".to_string()))]
        };
        assert_eq!(groups(&s).await, expected(None), "{label}");
        let again = "楼栋,单元,房号,姓名,业主,面积,产权人编号\n9幢,1,101,周强,是,90,\n9幢,1,102,吴丽,是,80,吴丽\n";
        let (status, out) = import(&s, &mut worker, again.as_bytes(), true).await;
        assert_eq!((status, actions(&out)), (200, vec!["Unchanged".to_string(), "Updated".to_string()]), "{label}: {out}");
        assert_eq!(groups(&s).await, expected(Some("吴丽")), "{label}");
    }
}

#[tokio::test]
async fn gbk_roster_imports_like_utf8_and_bad_files_are_refused_whole() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut worker = s.login("13800000020").await;
        let (gbk, _, _) = encoding_rs::GBK.encode(ROSTER);
        let (status, out) = import(&s, &mut worker, &gbk, true).await;
        assert_eq!(status, 200, "{label}: {out}");
        assert_eq!(out["rows"][1]["name"], "吴奶奶", "{label}");
        let before = count(&s, "SELECT COUNT(*) FROM household_members").await;
        let (status, out) = import(&s, &mut worker, "姓名,手机\n王,13800000001\n".as_bytes(), true).await;
        assert_eq!(status, 400, "{label}");
        assert_eq!(out, json!({"RosterFile": {"line": 1, "column": null, "problem": {"MissingColumns": ["Building", "Unit", "Room"]}}}));
        assert_eq!(count(&s, "SELECT COUNT(*) FROM household_members").await, before, "{label}");
        let (status, out) = s.call(&mut worker, "account/import_roster", &[("file_b64", "%%% not base64")]).await;
        assert_eq!((status, out), (400, json!({ "Common": "InvalidInput" })), "{label}");
    }
}

#[tokio::test]
async fn worker_list_search_and_manual_verification_stay_in_their_community() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut worker = s.login("13800000020").await;
        let (status, list) = s.call(&mut worker, "account/list_residents", &[("query", "")]).await;
        assert_eq!(status, 200, "{label}: {list}");
        let names: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"王芳") && names.contains(&"孙桂兰"), "{label}: {names:?}");
        assert!(!names.contains(&"赵敏"), "{label}: 赵敏 lives in the other community");
        let (_, found) = s.call(&mut worker, "account/list_residents", &[("query", "孙")]).await;
        assert_eq!(found.as_array().unwrap().len(), 1, "{label}: search by name");

        let mut li = s.login("13800000002").await;
        let li_id = s.me(&mut li).await["user_id"].as_i64().unwrap();
        let (status, _) = s.call(&mut worker, "account/set_verified", &[("user_id", &li_id.to_string()), ("verified", "false"), ("reason", " ")]).await;
        assert_eq!(status, 400, "{label}: a reason is required");
        let (status, body) = s.call(&mut worker, "account/set_verified", &[("user_id", &li_id.to_string()), ("verified", "false"), ("reason", "已搬离")]).await;
        assert_eq!(status, 200, "{label}: {body}");
        assert_eq!(s.me(&mut li).await["memberships"][0]["verified"], false, "{label}");
        let reason: String = sqlx::query_scalar("SELECT payload FROM events WHERE kind = 'account.unverified'").fetch_one(s.db.pool()).await.unwrap();
        assert!(reason.contains("已搬离"), "{label}: the reason is on the record");

        let mut zhao = s.login("13800000003").await;
        let zhao_id = s.me(&mut zhao).await["user_id"].as_i64().unwrap();
        let (status, body) = s.call(&mut worker, "account/set_verified", &[("user_id", &zhao_id.to_string()), ("verified", "false"), ("reason", "x")]).await;
        assert_eq!((status, body), (404, json!({ "Common": "NotFound" })), "{label}: other community");
        assert_eq!(s.me(&mut zhao).await["memberships"][0]["verified"], true, "{label}: unchanged");
    }
}

#[tokio::test]
async fn volunteers_and_residents_cannot_do_worker_actions() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut li = s.login("13800000002").await;
        let li_id = s.me(&mut li).await["user_id"].as_i64().unwrap().to_string();
        let mut volunteer = s.login("13800000010").await;
        let file = STANDARD.encode(ROSTER);
        let worker_calls: [(&str, Vec<(&str, &str)>); 7] = [
            ("account/preview_roster", vec![("file_b64", &file)]),
            ("account/import_roster", vec![("file_b64", &file)]),
            ("account/list_residents", vec![("query", "")]),
            ("account/set_verified", vec![("user_id", &li_id), ("verified", "false"), ("reason", "x")]),
            ("account/start_assisted", vec![("user_id", &li_id)]),
            ("account/decide_family_member", vec![("member_id", "1"), ("accept", "true")]),
            ("account/disable_account", vec![("user_id", &li_id), ("reason", "x")]),
        ];
        for (who, jar) in [("volunteer", &mut volunteer), ("resident", &mut li)] {
            for (name, form) in &worker_calls {
                let (status, body) = s.call(jar, name, form).await;
                assert_eq!((status, body), (403, json!({ "Common": "Forbidden" })), "{label}: {who} called {name}");
            }
        }
        let mut anonymous = Jar::default();
        for (name, form) in &worker_calls {
            assert_eq!(s.call(&mut anonymous, name, form).await.0, 401, "{label}: anonymous {name}");
        }
        assert_eq!(count(&s, "SELECT COUNT(*) FROM events WHERE kind <> 'account.logged_in' AND kind <> 'system.demo_seeded'").await, 0, "{label}");
    }
}

#[tokio::test]
async fn worker_of_one_community_cannot_reach_another_by_changing_ids() {
    for (label, db) in common::databases().await {
        let s = start(db.clone()).await;
        let mut worker = s.login("13800000020").await;
        let other: i64 = count(&s, "SELECT id FROM communities WHERE code = 'wending'").await;
        let (status, _) = s.call(&mut worker, "account/import_roster", &[("file_b64", &STANDARD.encode(ROSTER)), ("community_id", &other.to_string())]).await;
        assert_eq!(status, 403, "{label}: import into another community");
        let mut zhao = s.login("13800000003").await;
        let zhao_id = s.me(&mut zhao).await["user_id"].as_i64().unwrap().to_string();
        let (status, _) = s.call(&mut worker, "account/start_assisted", &[("user_id", &zhao_id)]).await;
        assert_eq!(status, 404, "{label}: 代办 for another community's resident");
        // 赵敏 adds a family member; the worker of the other community cannot decide on it.
        let (status, id) = s.call(&mut zhao, "account/add_family_member", &[("name", "赵小宝"), ("birth_year", "2020"), ("relationship", "孙子")]).await;
        assert_eq!(status, 200, "{label}: {id}");
        let (status, _) = s.call(&mut worker, "account/decide_family_member", &[("member_id", &id.to_string()), ("accept", "true")]).await;
        assert_eq!(status, 404, "{label}");
        let status_now: String = sqlx::query_scalar("SELECT status FROM household_members WHERE name = '赵小宝'").fetch_one(db.pool()).await.unwrap();
        assert_eq!(status_now, "pending", "{label}");
    }
}

#[tokio::test]
async fn family_member_added_by_a_resident_is_confirmed_by_their_worker() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut wang = s.login("13800000001").await;
        let (status, body) = s.call(&mut wang, "account/add_family_member", &[("name", ""), ("relationship", "母亲")]).await;
        assert_eq!((status, body), (400, json!({ "Common": "InvalidInput" })), "{label}");
        let (status, id) = s.call(&mut wang, "account/add_family_member", &[("name", "张秀英"), ("birth_year", "1950"), ("relationship", "母亲")]).await;
        assert_eq!(status, 200, "{label}: {id}");
        let (status, body) = s.call(&mut wang, "account/add_family_member", &[("name", "张秀英"), ("relationship", "母亲")]).await;
        assert_eq!((status, body), (400, json!("DuplicateMember")), "{label}");
        let (_, household) = s.call(&mut wang, "account/my_household", &[]).await;
        let added = household.as_array().unwrap().iter().find(|m| m["name"] == "张秀英").unwrap().clone();
        assert_eq!(added["pending"], true, "{label}");

        let mut worker = s.login("13800000020").await;
        let (status, body) = s.call(&mut worker, "account/decide_family_member", &[("member_id", &id.to_string()), ("accept", "true")]).await;
        assert_eq!(status, 200, "{label}: {body}");
        let (_, household) = s.call(&mut wang, "account/my_household", &[]).await;
        let added = household.as_array().unwrap().iter().find(|m| m["name"] == "张秀英").unwrap().clone();
        assert_eq!(added["pending"], false, "{label}: confirmed");
        let (status, body) = s.call(&mut worker, "account/decide_family_member", &[("member_id", &id.to_string()), ("accept", "true")]).await;
        assert_eq!((status, body), (400, json!("NotPending")), "{label}");

        // A resident who is not verified cannot add anyone.
        let mut stranger = s.login("13912345678").await;
        let (status, body) = s.call(&mut stranger, "account/add_family_member", &[("name", "某人"), ("relationship", "子女")]).await;
        assert_eq!((status, body), (403, json!({ "Common": "NotVerified" })), "{label}");
    }
}

#[tokio::test]
async fn assisted_actions_record_both_the_worker_and_the_resident() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut worker = s.login("13800000020").await;
        // 李强 is on the roster with a phone but has never used the app.
        import(&s, &mut worker, "楼栋,单元,房号,姓名,手机\n1幢,1,102,李强,13800000002\n".as_bytes(), true).await;
        let li_id: i64 = count(&s, "SELECT id FROM users WHERE phone = '13800000002'").await;
        let worker_id: i64 = count(&s, "SELECT id FROM users WHERE phone = '13800000020'").await;
        let (status, body) = s.call(&mut worker, "account/start_assisted", &[("user_id", &li_id.to_string())]).await;
        assert_eq!(status, 200, "{label}: {body}");
        let (status, member) = s.call(&mut worker, "account/add_family_member", &[("name", "李爷爷"), ("birth_year", "1941"), ("relationship", "祖父")]).await;
        assert_eq!(status, 200, "{label}: {member}");
        let (household, actor, behalf): (i64, i64, i64) = sqlx::query_as(
            "SELECT m.household_id, e.actor_user_id, e.on_behalf_of_user_id FROM events e JOIN household_members m ON m.id = e.subject_id \
             WHERE e.kind = 'household.member_added'",
        )
        .fetch_one(s.db.pool())
        .await
        .unwrap();
        let li_household: i64 = count(&s, "SELECT household_id FROM household_members WHERE name = '李强'").await;
        assert_eq!((household, actor, behalf), (li_household, worker_id, li_id), "{label}");
        s.call(&mut worker, "account/end_assisted", &[]).await;
        let (status, body) = s.call(&mut worker, "account/add_family_member", &[("name", "又一个"), ("relationship", "子女")]).await;
        assert_eq!((status, body), (403, json!({ "Common": "NotVerified" })), "{label}: after 代办 the worker acts as themself");
    }
}
