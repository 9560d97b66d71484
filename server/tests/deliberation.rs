//! Deliberation through HTTP against a running server, on every backend: exact ballots under
//! concurrency (each unit's last ballot counts), eligibility by the snapshot, the community
//! boundary, the voting window, households, paper ballots against online ones, corrections with
//! their history, secret ballots that nothing links to a voter, and closing on time after a
//! restart with the official result, reminders and notifications.
mod common;

use app::deliberation::error::DelibError;
use app::kernel::error::Failure as _;
use common::futures_join;
use common::live::{Jar, Server, start};
use serde_json::{Value, json};

async fn count(s: &Server, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(s.db.pool()).await.unwrap()
}

async fn building(s: &Server, community: &str, name: &str) -> i64 {
    sqlx::query_scalar("SELECT b.id FROM buildings b JOIN communities c ON c.id = b.community_id WHERE c.code = $1 AND b.name = $2")
        .bind(community)
        .bind(name)
        .fetch_one(s.db.pool())
        .await
        .unwrap()
}

async fn worker(s: &Server) -> Jar {
    s.session_for(s.user_id("13800000020").await).await
}

async fn jars(s: &Server, users: &[i64]) -> Vec<Jar> {
    let mut out = Vec::new();
    for &u in users {
        out.push(s.session_for(u).await);
    }
    out
}

fn now() -> i64 {
    server::db::now_ms()
}

/// A deliberation spec: `extra` overrides the defaults (a yes/no question for the whole
/// community, one vote per person, simple majority, voting open for an hour from now).
fn spec(extra: Value) -> String {
    let mut v = json!({
        "title": "是否在3幢加装电梯", "background": "3幢住户提出加装电梯，费用按楼层分摊。", "need_id": null,
        "kind": "YesNo", "options": [], "max_choices": 1, "electorate": "Community", "building_ids": [],
        "vote_unit": "Person", "rule": "Simple", "quorum_pct": null, "secret": false,
        "opens_at": now(), "closes_at": now() + 3_600_000,
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v.to_string()
}

async fn create(s: &Server, jar: &mut Jar, spec: String) -> i64 {
    let (status, body) = s.call(jar, "deliberations/create", &[("spec", &spec)]).await;
    assert_eq!(status, 200, "create: {body}");
    body.as_i64().unwrap()
}

async fn vote(s: &Server, jar: &mut Jar, id: i64, v: &str) -> (u16, Value) {
    s.call(jar, "deliberations/vote", &[("id", &id.to_string()), ("vote", v)]).await
}

async fn get(s: &Server, jar: &mut Jar, id: i64) -> (u16, Value) {
    s.call(jar, "deliberations/get", &[("id", &id.to_string())]).await
}

async fn paper(s: &Server, jar: &mut Jar, id: i64, unit: i64, v: &str, reason: Option<&str>) -> (u16, Value) {
    let (id, unit) = (id.to_string(), unit.to_string());
    let mut form = vec![("id", id.as_str()), ("unit_id", unit.as_str()), ("vote", v)];
    if let Some(r) = reason {
        form.push(("reason", r));
    }
    s.call(jar, "deliberations/paper", &form).await
}

fn error(body: &Value) -> DelibError {
    serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("not a DelibError: {body} ({e})"))
}

/// The call failed with `expected`, and the message is clear in both languages.
fn refused(label: &str, (status, body): (u16, Value), code: u16, expected: DelibError) {
    assert_eq!(status, code, "{label}: {body}");
    let e = error(&body);
    assert_eq!(e, expected, "{label}");
    use app::i18n::Locale;
    let (zh, en) = (e.message(Locale::zh_CN), e.message(Locale::en));
    assert!(!zh.is_empty() && !en.is_empty() && zh != en, "{label}: {zh} / {en}");
}

/// Time passes: voting opens now, as the scheduler sees it.
async fn open_now(s: &Server, id: i64) {
    sqlx::query("UPDATE deliberations SET opens_at = $1 WHERE id = $2").bind(now() - 1).bind(id).execute(s.db.pool()).await.unwrap();
    server::scheduler::run_once(&s.db).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_ballots_from_500_voters_leave_500_each_the_voters_last() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let voters = s.residents("cuiyuan", "9幢", 500).await;
        let b = building(&s, "cuiyuan", "9幢").await;
        let mut w = worker(&s).await;
        let id =
            create(&s, &mut w, spec(json!({ "kind": "Choice", "options": ["东侧", "西侧", "不建"], "electorate": "Buildings", "building_ids": [b] }))).await;
        assert_eq!(count(&s, "SELECT electorate_size FROM deliberations WHERE id = $1", id).await, 500, "{label}");
        let jars = jars(&s, &voters).await;
        // Each voter sends two ballots at once; every other voter changes their mind between them.
        let plan: Vec<(usize, String)> = (0..voters.len())
            .flat_map(|i| {
                let first = format!("o:{}", i % 3);
                let second = if i % 2 == 0 { format!("o:{}", (i + 1) % 3) } else { first.clone() };
                [(i, first), (i, second)]
            })
            .collect();
        let s = &s;
        let calls = plan.iter().map(|(i, v)| {
            let mut jar = jars[*i].clone();
            async move {
                let (status, body) = vote(s, &mut jar, id, v).await;
                (status, json!({ "voter": i, "vote": v, "receipt": body }))
            }
        });
        let results = futures_join(calls).await;
        assert_eq!(results.len(), 1000);
        let mut last: Vec<Option<(i64, String)>> = vec![None; voters.len()];
        let mut versions: Vec<Vec<i64>> = vec![Vec::new(); voters.len()];
        for (status, r) in &results {
            assert_eq!(*status, 200, "{label}: {r}");
            let i = r["voter"].as_u64().unwrap() as usize;
            let version = r["receipt"]["version"].as_i64().unwrap();
            versions[i].push(version);
            if last[i].as_ref().is_none_or(|(v, _)| version > *v) {
                last[i] = Some((version, r["vote"].as_str().unwrap().to_string()));
            }
        }
        for v in &mut versions {
            v.sort();
            assert_eq!(v, &[0, 1], "{label}: each voter's two ballots are ordered");
        }
        assert_eq!(count(s, "SELECT COUNT(*) FROM ballots WHERE deliberation_id = $1", id).await, 500, "{label}");
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM electorate_turnout t JOIN deliberations d ON d.electorate_id = t.electorate_id WHERE d.id = $1", id).await,
            500,
            "{label}"
        );
        let stored: std::collections::HashMap<String, String> = sqlx::query_as("SELECT voter_key, choice FROM ballots WHERE deliberation_id = $1")
            .bind(id)
            .fetch_all(s.db.pool())
            .await
            .unwrap()
            .into_iter()
            .collect();
        let mut expected = [0i64; 3];
        for (i, user) in voters.iter().enumerate() {
            let want = &last[i].as_ref().unwrap().1;
            assert_eq!(stored.get(&user.to_string()), Some(want), "{label}: voter {i} counts with their last ballot");
            expected[want[2..].parse::<usize>().unwrap()] += 1;
        }
        let (status, result) = s.call(&mut w, "deliberations/close", &[("id", &id.to_string()), ("reason", "测试：全部投票完成")]).await;
        assert_eq!(status, 200, "{label}: {result}");
        assert_eq!(result["participants"]["headcount"], 500, "{label}");
        for (k, m) in result["motions"].as_array().unwrap().iter().enumerate() {
            assert_eq!(m["tally"]["yes"]["headcount"], expected[k], "{label}: option {k}");
            assert_eq!(m["tally"]["rejected_ballots"], 0, "{label}");
        }
    }
}

#[tokio::test]
async fn eligibility_the_community_boundary_and_the_window_are_enforced() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let voters = s.residents("cuiyuan", "9幢", 3).await;
        let outsider = s.residents("cuiyuan", "8幢", 1).await[0];
        let foreign = s.residents("wending", "1幢", 1).await[0];
        let b = building(&s, "cuiyuan", "9幢").await;
        let mut w = worker(&s).await;
        let mut v = jars(&s, &voters).await;
        let mut out = s.session_for(outsider).await;
        let mut far = s.session_for(foreign).await;

        // Only workers of the community open deliberations.
        let body = spec(json!({ "electorate": "Buildings", "building_ids": [b], "opens_at": now() + 3_600_000, "closes_at": now() + 7_200_000 }));
        let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deliberations").fetch_one(s.db.pool()).await.unwrap();
        refused(
            label,
            s.call(&mut v[0], "deliberations/create", &[("spec", &body)]).await,
            403,
            DelibError::Common(app::kernel::error::CommonError::Forbidden),
        );
        let mut volunteer = s.session_for(s.user_id("13800000010").await).await;
        refused(
            label,
            s.call(&mut volunteer, "deliberations/create", &[("spec", &body)]).await,
            403,
            DelibError::Common(app::kernel::error::CommonError::Forbidden),
        );
        // Settings that do not fit, and a building of another community.
        let bad = spec(json!({ "rule": "Art278Major" }));
        refused(
            label,
            s.call(&mut w, "deliberations/create", &[("spec", &bad)]).await,
            400,
            DelibError::Settings(app::deliberation::model::SettingProblem::RuleNeedsOwners),
        );
        let other_b = building(&s, "wending", "1幢").await;
        let bad = spec(json!({ "electorate": "Buildings", "building_ids": [other_b] }));
        refused(label, s.call(&mut w, "deliberations/create", &[("spec", &bad)]).await, 400, DelibError::UnknownBuilding);
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deliberations").fetch_one(s.db.pool()).await.unwrap();
        assert_eq!(after, before, "{label}: nothing written by refused creations");

        let id = create(&s, &mut w, body).await;
        // Discussion: not open for votes yet; comments and replies, reports and hiding.
        refused(label, vote(&s, &mut v[0], id, "yes").await, 409, DelibError::NotOpenYet);
        let (status, c1) = s.call(&mut v[0], "deliberations/comment", &[("id", &id.to_string()), ("body", "费用怎么分摊？")]).await;
        assert_eq!(status, 200, "{label}: {c1}");
        let (status, reply) =
            s.call(&mut w, "deliberations/comment", &[("id", &id.to_string()), ("parent_id", &c1.to_string()), ("body", "按楼层系数分摊，详见公示。")]).await;
        assert_eq!(status, 200, "{label}: {reply}");
        let (_, d) = get(&s, &mut out, id).await;
        assert_eq!(d["comments"].as_array().unwrap().len(), 2, "{label}: {d}");
        assert_eq!(d["comments"][1]["parent_id"], c1, "{label}");
        for jar in [v[1].clone(), v[2].clone(), out.clone()].iter_mut() {
            let (status, body) = s.call(jar, "deliberations/report", &[("comment_id", &reply.to_string()), ("reason", "不实信息")]).await;
            assert_eq!(status, 200, "{label}: {body}");
        }
        refused(
            label,
            s.call(&mut v[1], "deliberations/report", &[("comment_id", &reply.to_string()), ("reason", "again")]).await,
            409,
            DelibError::AlreadyReported,
        );
        let (_, d) = get(&s, &mut v[0], id).await;
        assert_eq!(d["comments"].as_array().unwrap().len(), 1, "{label}: hidden at the report limit");
        let (_, d) = get(&s, &mut w, id).await;
        assert_eq!(d["comments"][1]["hidden"], true, "{label}: the worker still sees it");
        let (status, _) = s.call(&mut w, "deliberations/hide_comment", &[("comment_id", &reply.to_string()), ("hidden", "false")]).await;
        assert_eq!(status, 200);
        let (_, d) = get(&s, &mut v[0], id).await;
        assert_eq!(d["comments"].as_array().unwrap().len(), 2, "{label}: shown again");
        refused(
            label,
            s.call(&mut v[0], "deliberations/hide_comment", &[("comment_id", &reply.to_string()), ("hidden", "true")]).await,
            403,
            DelibError::Common(app::kernel::error::CommonError::Forbidden),
        );

        // Another community's resident sees nothing of it.
        refused(label, get(&s, &mut far, id).await, 404, DelibError::Common(app::kernel::error::CommonError::NotFound));
        refused(label, vote(&s, &mut far, id, "yes").await, 404, DelibError::Common(app::kernel::error::CommonError::NotFound));
        refused(
            label,
            s.call(&mut far, "deliberations/comment", &[("id", &id.to_string()), ("body", "x")]).await,
            404,
            DelibError::Common(app::kernel::error::CommonError::NotFound),
        );
        refused(
            label,
            s.call(&mut far, "deliberations/report", &[("comment_id", &c1.to_string()), ("reason", "x")]).await,
            404,
            DelibError::Common(app::kernel::error::CommonError::NotFound),
        );
        let (status, list) = s.call(&mut far, "deliberations/list", &[]).await;
        assert_eq!(status, 200, "{label}: {list}");
        assert!(list["open"].as_array().unwrap().is_empty() && list["past"].as_array().unwrap().is_empty(), "{label}: {list}");
        let (_, list) = s.call(&mut out, "deliberations/list", &[]).await;
        assert!(list["open"].as_array().unwrap().iter().any(|d| d["id"] == id), "{label}: {list}");

        open_now(&s, id).await;
        assert_eq!(count(&s, "SELECT electorate_size FROM deliberations WHERE id = $1", id).await, 3, "{label}");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM notifications WHERE kind = 'delib_open' AND subject_id = $1", id).await, 3, "{label}");
        refused(label, s.call(&mut v[0], "deliberations/comment", &[("id", &id.to_string()), ("body", "还能评论吗")]).await, 409, DelibError::DiscussionClosed);
        // The roster changes during the vote: a newcomer has no vote in it, and a resident who
        // lost their verification keeps theirs.
        let newcomer = s.residents("cuiyuan", "9幢", 1).await[0];
        let mut n = s.session_for(newcomer).await;
        refused(label, vote(&s, &mut n, id, "yes").await, 403, DelibError::NotEligible);
        sqlx::query("UPDATE memberships SET verified = 0 WHERE user_id = $1").bind(voters[2]).execute(s.db.pool()).await.unwrap();
        let (status, body) = vote(&s, &mut v[2], id, "no").await;
        assert_eq!(status, 200, "{label}: {body}");
        refused(label, vote(&s, &mut out, id, "yes").await, 403, DelibError::NotEligible);
        refused(label, vote(&s, &mut v[0], id, "o:1").await, 400, DelibError::InvalidVote);
        let (status, body) = vote(&s, &mut v[0], id, "yes").await;
        assert_eq!(status, 200, "{label}: {body}");
        let (_, d) = get(&s, &mut v[0], id).await;
        assert_eq!(d["my_units"][0]["voted"]["vote"], "yes", "{label}: {d}");
        assert_eq!(d["turnout"], 2, "{label}");

        // The window ends: a ballot is refused even before the scheduler passes.
        sqlx::query("UPDATE deliberations SET closes_at = $1 WHERE id = $2").bind(now() - 1).bind(id).execute(s.db.pool()).await.unwrap();
        refused(label, vote(&s, &mut v[1], id, "yes").await, 409, DelibError::VotingClosed);
        let (_, d) = get(&s, &mut v[1], id).await;
        assert_eq!(d["phase"], "Closed", "{label}: {d}");
        assert_eq!(d["result"]["participants"]["headcount"], 2, "{label}");
        refused(label, s.call(&mut w, "deliberations/close", &[("id", &id.to_string()), ("reason", "x")]).await, 409, DelibError::VotingClosed);
    }
}

/// A household with members (name, birth year, a user account); returns (household, users).
async fn household(s: &Server, building: &str, members: &[(&str, i64, bool)]) -> (i64, Vec<i64>) {
    let pool = s.db.pool();
    let b = building_or_new(s, building).await;
    let h: i64 = sqlx::query_scalar("INSERT INTO households (building_id, unit, room, area_centi_m2) VALUES ($1, '2', '301', 11000) RETURNING id")
        .bind(b)
        .fetch_one(pool)
        .await
        .unwrap();
    let community: i64 = sqlx::query_scalar("SELECT community_id FROM buildings WHERE id = $1").bind(b).fetch_one(pool).await.unwrap();
    let mut users = Vec::new();
    for (i, (name, born, account)) in members.iter().enumerate() {
        let phone = format!("137{:04}{:04}", h % 10_000, i);
        let user: Option<i64> = if *account {
            Some(
                sqlx::query_scalar("INSERT INTO users (phone, display_name, status, created_at) VALUES ($1, $2, 'active', 0) RETURNING id")
                    .bind(&phone)
                    .bind(name)
                    .fetch_one(pool)
                    .await
                    .unwrap(),
            )
        } else {
            None
        };
        let m: i64 = sqlx::query_scalar("INSERT INTO household_members (household_id, name, birth_year, relationship, phone, is_owner, user_id) VALUES ($1, $2, $3, '家人', $4, 0, $5) RETURNING id")
            .bind(h)
            .bind(name)
            .bind(born)
            .bind(account.then_some(phone.clone()))
            .bind(user)
            .fetch_one(pool)
            .await
            .unwrap();
        if let Some(u) = user {
            sqlx::query("INSERT INTO memberships (user_id, role, community_id, verified, member_id) VALUES ($1, 'resident', $2, 1, $3)")
                .bind(u)
                .bind(community)
                .bind(m)
                .execute(pool)
                .await
                .unwrap();
            users.push(u);
        }
    }
    (h, users)
}

async fn building_or_new(s: &Server, name: &str) -> i64 {
    s.residents("cuiyuan", name, 0).await;
    building(s, "cuiyuan", name).await
}

#[tokio::test]
async fn household_votes_paper_ballots_and_corrections() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let singles = s.residents("cuiyuan", "7幢", 2).await;
        // A teenager with an account does not cast the household's vote.
        let (home, family) = household(&s, "7幢", &[("张伟", 1970, true), ("李娜", 1972, true), ("张小明", 2012, true), ("张奶奶", 1941, false)]).await;
        let b = building(&s, "cuiyuan", "7幢").await;
        let mut w = worker(&s).await;
        let id = create(&s, &mut w, spec(json!({ "electorate": "Buildings", "building_ids": [b], "vote_unit": "Household" }))).await;
        assert_eq!(count(&s, "SELECT electorate_size FROM deliberations WHERE id = $1", id).await, 3, "{label}");
        let mut f = jars(&s, &family).await;
        let mut r = jars(&s, &singles).await;
        refused(label, vote(&s, &mut f[2], id, "yes").await, 403, DelibError::NotEligible);
        let (_, list) = s.call(&mut f[0], "deliberations/list", &[]).await;
        let mine = list["open"].as_array().unwrap().iter().find(|d| d["id"] == id).cloned().unwrap();
        assert_eq!(mine["voted"], false, "{label}: not yet: {mine}");
        let (status, first) = vote(&s, &mut f[0], id, "yes").await;
        assert_eq!((status, first["unit_id"].as_i64(), first["version"].as_i64()), (200, Some(home), Some(0)), "{label}: {first}");
        // The other adult sees that the household voted, by whom and how; and may change it.
        let (_, d) = get(&s, &mut f[1], id).await;
        assert_eq!(d["my_units"][0]["voted"]["by"], "张伟", "{label}: {d}");
        assert_eq!(d["my_units"][0]["voted"]["vote"], "yes", "{label}");
        let (status, second) = vote(&s, &mut f[1], id, "no").await;
        assert_eq!((status, second["version"].as_i64()), (200, Some(1)), "{label}: {second}");
        // Someone verified during the vote casts their household's vote (the household's right is
        // in the snapshot); a household that appeared during the vote has none.
        let late: i64 =
            sqlx::query_scalar("INSERT INTO users (phone, display_name, status, created_at) VALUES ('13699990000', '张强', 'active', 0) RETURNING id")
                .fetch_one(s.db.pool())
                .await
                .unwrap();
        let m: i64 = sqlx::query_scalar("INSERT INTO household_members (household_id, name, birth_year, relationship, phone, user_id) VALUES ($1, '张强', 1996, '儿子', '13699990000', $2) RETURNING id")
            .bind(home)
            .bind(late)
            .fetch_one(s.db.pool())
            .await
            .unwrap();
        sqlx::query("INSERT INTO memberships (user_id, role, community_id, verified, member_id) SELECT $1, 'resident', community_id, 1, $2 FROM buildings WHERE id = $3")
            .bind(late)
            .bind(m)
            .bind(b)
            .execute(s.db.pool())
            .await
            .unwrap();
        let mut late = s.session_for(late).await;
        let (_, list) = s.call(&mut late, "deliberations/list", &[]).await;
        let mine = list["open"].as_array().unwrap().iter().find(|d| d["id"] == id).cloned().unwrap();
        assert_eq!(mine["voted"], true, "{label}: the household has voted: {mine}");
        let (status, third) = vote(&s, &mut late, id, "no").await;
        assert_eq!((status, third["unit_id"].as_i64(), third["version"].as_i64()), (200, Some(home), Some(2)), "{label}: {third}");
        let newcomer = s.residents("cuiyuan", "7幢", 1).await[0];
        let mut newcomer = s.session_for(newcomer).await;
        refused(label, vote(&s, &mut newcomer, id, "yes").await, 403, DelibError::NotEligible);

        // Paper: not for a unit that voted in the app, nor the other way round.
        refused(label, paper(&s, &mut w, id, home, "yes", None).await, 409, DelibError::VotedOnline);
        let single_home: i64 =
            sqlx::query_scalar("SELECT hm.household_id FROM household_members hm WHERE hm.user_id = $1").bind(singles[0]).fetch_one(s.db.pool()).await.unwrap();
        let (status, body) = paper(&s, &mut w, id, single_home, "no", None).await;
        assert_eq!(status, 200, "{label}: {body}");
        refused(label, vote(&s, &mut r[0], id, "yes").await, 409, DelibError::VotedOnPaper);
        refused(label, paper(&s, &mut w, id, single_home, "yes", None).await, 409, DelibError::VotedOnPaper);
        let (status, body) = paper(&s, &mut w, id, single_home, "yes", Some("录入时勾错，按原票更正")).await;
        assert_eq!(status, 200, "{label}: {body}");
        let other_home: i64 =
            sqlx::query_scalar("SELECT hm.household_id FROM household_members hm WHERE hm.user_id = $1").bind(singles[1]).fetch_one(s.db.pool()).await.unwrap();
        refused(label, paper(&s, &mut w, id, other_home, "yes", Some("更正")).await, 409, DelibError::NoPaperBallot);
        refused(label, paper(&s, &mut r[1], id, other_home, "yes", None).await, 403, DelibError::Common(app::kernel::error::CommonError::Forbidden));
        let foreign_home: i64 = sqlx::query_scalar("SELECT h.id FROM households h JOIN buildings b ON b.id = h.building_id JOIN communities c ON c.id = b.community_id WHERE c.code = 'wending' LIMIT 1")
            .fetch_one(s.db.pool())
            .await
            .unwrap();
        refused(label, paper(&s, &mut w, id, foreign_home, "yes", None).await, 403, DelibError::NotEligible);
        refused(label, paper(&s, &mut w, id, other_home, "maybe", None).await, 400, DelibError::InvalidVote);
        // The resident sees their paper ballot as keyed in.
        let (_, d) = get(&s, &mut r[0], id).await;
        assert_eq!((d["my_units"][0]["voted"]["channel"].as_str(), d["my_units"][0]["voted"]["vote"].as_str()), (Some("Paper"), Some("yes")), "{label}: {d}");

        // The audit: every entry with who keyed it and when, the correction with its reason.
        let (status, a) = s.call(&mut w, "deliberations/audit", &[("id", &id.to_string())]).await;
        assert_eq!(status, 200, "{label}: {a}");
        let rows = a["paper"].as_array().unwrap();
        assert_eq!(rows.len(), 2, "{label}: {a}");
        assert_eq!(
            (rows[0]["correction"].as_bool(), rows[0]["content"].as_str(), rows[0]["keyed_by"].as_str()),
            (Some(false), Some("no"), Some("刘社工")),
            "{label}"
        );
        assert_eq!(
            (rows[1]["correction"].as_bool(), rows[1]["content"].as_str(), rows[1]["reason"].as_str()),
            (Some(true), Some("yes"), Some("录入时勾错，按原票更正")),
            "{label}"
        );
        assert_eq!(a["turnout"].as_array().unwrap().len(), 2, "{label}");
        refused(
            label,
            s.call(&mut r[1], "deliberations/audit", &[("id", &id.to_string())]).await,
            403,
            DelibError::Common(app::kernel::error::CommonError::Forbidden),
        );

        // Closing early needs a reason; the result is published as an official event with it.
        refused(label, s.call(&mut w, "deliberations/close", &[("id", &id.to_string()), ("reason", " ")]).await, 400, DelibError::ReasonRequired);
        assert_eq!(count(&s, "SELECT COUNT(*) FROM deliberations WHERE id = $1 AND status = 'voting'", id).await, 1, "{label}");
        let (status, result) = s.call(&mut w, "deliberations/close", &[("id", &id.to_string()), ("reason", "全部住户已表态")]).await;
        assert_eq!(status, 200, "{label}: {result}");
        let t = &result["motions"][0]["tally"];
        assert_eq!(
            (t["yes"]["headcount"].as_i64(), t["no"]["headcount"].as_i64(), t["electorate"]["headcount"].as_i64()),
            (Some(1), Some(1), Some(3)),
            "{label}: {result}"
        );
        assert_eq!((result["paper_ballots"].as_i64(), result["early"].as_bool()), (Some(1), Some(true)), "{label}");
        assert_eq!(t["passed"], false, "{label}: one of two is not more than half");
        let (official, state): (i64, String) =
            sqlx::query_as("SELECT official, sync_state FROM events WHERE kind = 'deliberation.result_published' AND subject_id = $1")
                .bind(id)
                .fetch_one(s.db.pool())
                .await
                .unwrap();
        assert_eq!((official, state.as_str()), (1, "pending"), "{label}");
        // Adults of the household (the one verified during the vote too) and the single residents are told.
        assert_eq!(count(&s, "SELECT COUNT(*) FROM notifications WHERE kind = 'delib_result' AND subject_id = $1", id).await, 5, "{label}");
        refused(label, paper(&s, &mut w, id, other_home, "yes", None).await, 409, DelibError::VotingClosed);
        let (_, d) = get(&s, &mut f[0], id).await;
        assert_eq!(d["close_reason"], "全部住户已表态", "{label}");
    }
}

/// Every string anywhere in a JSON value.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn secret_ballots_cannot_be_traced_to_a_voter() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let voters = s.residents("cuiyuan", "5幢", 4).await;
        let b = building(&s, "cuiyuan", "5幢").await;
        let mut w = worker(&s).await;
        let id = create(&s, &mut w, spec(json!({ "electorate": "Buildings", "building_ids": [b], "secret": true }))).await;
        let mut v = jars(&s, &voters).await;
        for (jar, choice) in v.iter_mut().zip(["yes", "no", "abstain"]) {
            let (status, body) = vote(&s, jar, id, choice).await;
            assert_eq!(status, 200, "{label}: {body}");
        }
        let (status, body) = paper(&s, &mut w, id, voters[3], "yes", None).await;
        assert_eq!(status, 200, "{label}: {body}");
        // Each voter sees their own ballot while the vote runs, nobody else's.
        let (_, d) = get(&s, &mut v[1], id).await;
        assert_eq!(d["my_units"][0]["voted"]["vote"], "no", "{label}");
        // Nothing a worker can call says who voted what.
        let mut seen = Vec::new();
        for (name, form) in
            [("deliberations/get", vec![("id", id.to_string())]), ("deliberations/audit", vec![("id", id.to_string())]), ("deliberations/list", vec![])]
        {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, body) = s.call(&mut w, name, &form).await;
            assert_eq!(status, 200, "{label}: {name}: {body}");
            strings(&body, &mut seen);
        }
        for choice in ["yes", "no", "abstain"] {
            assert!(!seen.iter().any(|x| x == choice), "{label}: {choice} appears in a worker's view: {seen:?}");
        }
        // The stored ballots carry no unit id, no time, no order to line up with the turnout.
        let keys: Vec<String> = sqlx::query_scalar("SELECT voter_key FROM ballots WHERE deliberation_id = $1").bind(id).fetch_all(s.db.pool()).await.unwrap();
        assert_eq!(keys.len(), 4);
        for k in &keys {
            assert!(k.len() == 64 && !voters.iter().any(|u| &u.to_string() == k), "{label}: {k}");
        }
        let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM events WHERE subject_type = 'deliberation' AND subject_id = $1")
            .bind(id)
            .fetch_all(s.db.pool())
            .await
            .unwrap();
        assert!(payloads.iter().all(|p| !p.contains("\"yes\"") && !p.contains("\"no\"")), "{label}: {payloads:?}");
        let (status, result) = s.call(&mut w, "deliberations/close", &[("id", &id.to_string()), ("reason", "提前完成")]).await;
        assert_eq!(status, 200, "{label}: {result}");
        let t = &result["motions"][0]["tally"];
        assert_eq!((t["yes"]["headcount"].as_i64(), t["no"]["headcount"].as_i64(), t["abstain"]["headcount"].as_i64()), (Some(2), Some(1), Some(1)), "{label}");
        // After the close the key is gone: not even the voter's own ballot can be found again.
        assert_eq!(count(&s, "SELECT COUNT(*) FROM deliberations WHERE id = $1 AND ballot_secret IS NULL", id).await, 1);
        let (_, d) = get(&s, &mut v[1], id).await;
        assert_eq!((d["my_units"][0]["voted"]["channel"].as_str(), d["my_units"][0]["voted"]["vote"].is_null()), (Some("App"), true), "{label}: {d}");
    }
}

#[tokio::test]
async fn an_owners_vote_closes_on_time_after_a_restart_with_reminders_and_an_official_result() {
    for (label, db) in common::databases().await {
        let s = start(db.clone()).await;
        let owners = s.residents("cuiyuan", "6幢", 4).await;
        let b = building(&s, "cuiyuan", "6幢").await;
        let mut w = worker(&s).await;
        let id = create(
            &s,
            &mut w,
            spec(json!({ "electorate": "Owners", "building_ids": [b], "vote_unit": "Owner", "rule": "Art278Major", "closes_at": now() + 7_200_000 })),
        )
        .await;
        assert_eq!(count(&s, "SELECT electorate_area FROM deliberations WHERE id = $1", id).await, 36_000, "{label}");
        assert_eq!(count(&s, "SELECT COUNT(*) FROM notifications WHERE kind = 'delib_open' AND subject_id = $1", id).await, 4, "{label}");
        let mut o = jars(&s, &owners).await;
        for jar in &mut o[..3] {
            assert_eq!(vote(&s, jar, id, "yes").await.0, 200);
        }
        // Closing within a day: those who have not voted are reminded, once.
        let r = server::scheduler::run_once(&s.db).await.unwrap();
        assert_eq!((r.reminded, r.closed), (1, 0), "{label}");
        let reminded: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM notifications WHERE kind = 'delib_reminder' AND subject_id = $1")
            .bind(id)
            .fetch_all(s.db.pool())
            .await
            .unwrap();
        assert_eq!(reminded, vec![owners[3]], "{label}");
        assert_eq!(server::scheduler::run_once(&s.db).await.unwrap().reminded, 0, "{label}");
        assert_eq!(vote(&s, &mut o[3], id, "no").await.0, 200);
        // The server stops; the window ends while it is down; a new one catches up on start.
        drop(s);
        sqlx::query("UPDATE deliberations SET opens_at = $1 - 3600000, closes_at = $1 WHERE id = $2")
            .bind(now() - 60_000)
            .bind(id)
            .execute(db.pool())
            .await
            .unwrap();
        let s = start(db).await;
        let r = server::scheduler::run_once(&s.db).await.unwrap();
        assert_eq!(r.closed, 1, "{label}");
        let mut jar = s.session_for(owners[0]).await;
        let (_, d) = get(&s, &mut jar, id).await;
        let t = &d["result"]["motions"][0]["tally"];
        // Exactly 3/4 of the owners and of the area approve a major matter: passed.
        assert_eq!(
            (t["passed"].as_bool(), t["yes"]["area"].as_i64(), t["participants"]["area"].as_i64()),
            (Some(true), Some(27_000), Some(36_000)),
            "{label}: {d}"
        );
        assert_eq!(d["result"]["early"], false, "{label}");
        assert_eq!(server::scheduler::run_once(&s.db).await.unwrap().closed, 0, "{label}");
        assert_eq!(
            count(&s, "SELECT COUNT(*) FROM events WHERE kind = 'deliberation.result_published' AND official = 1 AND subject_id = $1", id).await,
            1,
            "{label}"
        );
        assert_eq!(count(&s, "SELECT COUNT(*) FROM notifications WHERE kind = 'delib_result' AND subject_id = $1", id).await, 4, "{label}");
        let (_, notes) = s.call(&mut jar, "notifications/list", &[]).await;
        // Shown by the kinds the shell registers: the line and the link to the deliberation.
        let view: app::notifications::notice::NotificationView = serde_json::from_value(notes[0].clone()).unwrap();
        let shown = app::shell::notices::NOTICES.render(&view, app::i18n::Locale::zh_CN).unwrap();
        assert_eq!(shown.href, format!("/deliberations/{id}"), "{label}: {notes}");
        assert!(shown.line.contains("表决结果：通过"), "{label}: {}", shown.line);
    }
}

#[tokio::test]
async fn a_paper_ballot_of_a_multiple_choice_vote_carries_every_option_chosen() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let voters = s.residents("cuiyuan", "4幢", 2).await;
        let b = building(&s, "cuiyuan", "4幢").await;
        let mut w = worker(&s).await;
        let id = create(
            &s,
            &mut w,
            spec(json!({ "kind": "Choice", "options": ["健身器材", "儿童滑梯", "休息长椅"], "max_choices": 2,
            "electorate": "Buildings", "building_ids": [b] })),
        )
        .await;
        let (status, body) = paper(&s, &mut w, id, voters[0], "o:0,2", None).await;
        assert_eq!(status, 200, "{label}: {body}");
        refused(label, paper(&s, &mut w, id, voters[1], "o:0,1,2", None).await, 400, DelibError::InvalidVote);
        let (_, a) = s.call(&mut w, "deliberations/audit", &[("id", &id.to_string())]).await;
        assert_eq!(a["paper"][0]["content"], "o:0,2", "{label}: {a}");
        let (status, result) = s.call(&mut w, "deliberations/close", &[("id", &id.to_string()), ("reason", "测试")]).await;
        assert_eq!(status, 200, "{label}: {result}");
        let yes: Vec<i64> = result["motions"].as_array().unwrap().iter().map(|m| m["tally"]["yes"]["headcount"].as_i64().unwrap()).collect();
        assert_eq!(yes, vec![1, 0, 1], "{label}: {result}");
    }
}

/// Reading writes nothing: a deliberation whose time to open or to close has come stays as stored
/// while it is listed and opened (no snapshot, no result, no event); the scheduler then does it.
#[tokio::test]
async fn listing_and_opening_a_deliberation_due_to_change_writes_nothing() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let voters = s.residents("cuiyuan", "7幢", 2).await;
        let b = building(&s, "cuiyuan", "7幢").await;
        let mut w = worker(&s).await;
        let mut v = jars(&s, &voters).await;
        let later =
            create(&s, &mut w, spec(json!({ "electorate": "Buildings", "building_ids": [b], "opens_at": now() + 3_600_000, "closes_at": now() + 7_200_000 })))
                .await;
        let open = create(&s, &mut w, spec(json!({ "electorate": "Buildings", "building_ids": [b] }))).await;
        assert_eq!(vote(&s, &mut v[0], open, "yes").await.0, 200, "{label}");
        // Time passes: one is due to open, the other to close.
        sqlx::query("UPDATE deliberations SET opens_at = $1 WHERE id = $2").bind(now() - 1).bind(later).execute(s.db.pool()).await.unwrap();
        sqlx::query("UPDATE deliberations SET closes_at = $1 WHERE id = $2").bind(now() - 1).bind(open).execute(s.db.pool()).await.unwrap();
        let events = |s: &Server| {
            let pool = s.db.pool().clone();
            async move { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM events").fetch_one(&pool).await.unwrap() }
        };
        let before = events(&s).await;
        for jar in [&mut w, &mut v[1]] {
            let (status, list) = s.call(jar, "deliberations/list", &[]).await;
            assert_eq!(status, 200, "{label}: {list}");
            assert_eq!(get(&s, jar, later).await.1["phase"], "Discussion", "{label}");
            assert_eq!(get(&s, jar, open).await.1["phase"], "Voting", "{label}");
        }
        let status = |id| count(&s, "SELECT CASE status WHEN 'discussion' THEN 0 WHEN 'voting' THEN 1 ELSE 2 END FROM deliberations WHERE id = $1", id);
        assert_eq!((status(later).await, status(open).await), (0, 1), "{label}: reading changed a status");
        assert_eq!(
            count(&s, "SELECT COUNT(*) FROM electorate_units u JOIN deliberations d ON d.electorate_id = u.electorate_id WHERE d.id = $1", later).await,
            0,
            "{label}: reading took a snapshot"
        );
        assert_eq!(events(&s).await, before, "{label}: reading appended an event");
        let r = server::scheduler::run_once(&s.db).await.unwrap();
        assert!(r.opened >= 1 && r.closed >= 1, "{label}: {r:?}");
        assert_eq!((status(later).await, status(open).await), (1, 2), "{label}: the scheduler opens and closes");
        assert!(
            count(&s, "SELECT COUNT(*) FROM electorate_units u JOIN deliberations d ON d.electorate_id = u.electorate_id WHERE d.id = $1", later).await > 0,
            "{label}: the snapshot"
        );
        assert_eq!(get(&s, &mut v[1], open).await.1["result"]["participants"]["headcount"], 1, "{label}");
    }
}

/// Art. 278 heads (法释〔2009〕7号 art. 9): the roster says which homes share an owner
/// (`owner_group`); in an owners' vote they are one head with their areas summed — an owner of
/// two homes, and the developer's unsold homes together — whichever of its homes' owners votes,
/// the last ballot counting. The page says how many homes the heads stand for.
#[tokio::test]
async fn an_owner_of_several_homes_is_one_head_with_the_homes_areas_summed() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let owners = s.residents("cuiyuan", "8幢", 5).await;
        let homes: Vec<i64> = sqlx::query_scalar(
            "SELECT h.id FROM households h JOIN household_members hm ON hm.household_id = h.id JOIN users u ON u.id = hm.user_id \
             WHERE u.id IN ($1, $2, $3, $4, $5) ORDER BY u.id",
        )
        .bind(owners[0])
        .bind(owners[1])
        .bind(owners[2])
        .bind(owners[3])
        .bind(owners[4])
        .fetch_all(s.db.pool())
        .await
        .unwrap();
        assert_eq!(homes.len(), 5, "{label}");
        for (home, group) in [(homes[0], "王建国"), (homes[1], "王建国"), (homes[2], "开发商"), (homes[3], "开发商")] {
            sqlx::query("UPDATE households SET owner_group = $1 WHERE id = $2").bind(group).bind(home).execute(s.db.pool()).await.unwrap();
        }
        let b = building(&s, "cuiyuan", "8幢").await;
        let mut w = worker(&s).await;
        let id = create(&s, &mut w, spec(json!({ "electorate": "Owners", "building_ids": [b], "vote_unit": "Owner", "rule": "Art278Major" }))).await;
        // Three heads (王建国, the developer, the fifth home) with all five homes' area.
        assert_eq!(count(&s, "SELECT electorate_size FROM deliberations WHERE id = $1", id).await, 3, "{label}");
        assert_eq!(count(&s, "SELECT electorate_area FROM deliberations WHERE id = $1", id).await, 45_000, "{label}");
        assert_eq!(
            count(&s, "SELECT COUNT(*) FROM electorate_units u JOIN deliberations d ON d.electorate_id = u.electorate_id WHERE d.id = $1", id).await,
            3,
            "{label}"
        );
        let mut o = jars(&s, &owners).await;
        let (_, d) = get(&s, &mut o[1], id).await;
        assert_eq!((d["electorate_size"].as_i64(), d["electorate_homes"].as_i64()), (Some(3), Some(5)), "{label}: {d}");
        // The owner's unit is named by both homes, and both homes' owners may cast it.
        let mine = d["my_units"].as_array().unwrap();
        assert_eq!(mine.len(), 1, "{label}: {d}");
        assert_eq!(mine[0]["unit_id"].as_i64(), Some(homes[0]), "{label}");
        assert!(mine[0]["label"].as_str().unwrap().contains(" + "), "{label}: {d}");
        assert_eq!(vote(&s, &mut o[0], id, "yes").await.0, 200, "{label}");
        assert_eq!(vote(&s, &mut o[1], id, "no").await.0, 200, "{label}");
        assert_eq!(vote(&s, &mut o[2], id, "yes").await.0, 200, "{label}");
        assert_eq!(vote(&s, &mut o[4], id, "yes").await.0, 200, "{label}");
        assert_eq!(
            count(&s, "SELECT COUNT(*) FROM electorate_turnout t JOIN deliberations d ON d.electorate_id = t.electorate_id WHERE d.id = $1", id).await,
            3,
            "{label}"
        );
        assert_eq!(count(&s, "SELECT COUNT(*) FROM ballots WHERE deliberation_id = $1", id).await, 3, "{label}");
        // A paper ballot names the unit, not one of its other homes.
        refused(label, paper(&s, &mut w, id, homes[1], "yes", None).await, 403, DelibError::NotEligible);
        sqlx::query("UPDATE deliberations SET closes_at = $1 WHERE id = $2").bind(now() - 1).bind(id).execute(s.db.pool()).await.unwrap();
        assert_eq!(server::scheduler::run_once(&s.db).await.unwrap().closed, 1, "{label}");
        let (_, d) = get(&s, &mut o[3], id).await;
        let t = &d["result"]["motions"][0]["tally"];
        let counts = |c: &Value| (c["headcount"].as_i64().unwrap(), c["area"].as_i64().unwrap());
        assert_eq!(counts(&t["electorate"]), (3, 45_000), "{label}: {d}");
        assert_eq!(counts(&t["participants"]), (3, 45_000), "{label}");
        // 王建国's last ballot (no) counts once, with both homes' area.
        assert_eq!((counts(&t["yes"]), counts(&t["no"])), ((2, 27_000), (1, 18_000)), "{label}");
        assert_eq!(d["electorate_homes"].as_i64(), Some(5), "{label}");
    }
}
