//! Every text limit is written once (a `Limit` constant): the form's `maxlength` and `required`
//! come from it, the server checks with it, and the SQL CHECK of its column says the same in both
//! backends' migrations. This test holds the three together.
mod common;

use app::kernel::text::Limit;
use std::path::Path;

/// (what, the limit, table, column).
fn limits() -> Vec<(&'static str, Limit, &'static str, &'static str)> {
    use app::deliberation::model as d;
    use app::needs::model as n;
    vec![
        ("need title", n::TITLE, "needs", "title"),
        ("need body", n::BODY, "needs", "body"),
        ("need place", n::PLACE, "needs", "place"),
        ("need comment", n::COMMENT, "need_comments", "body"),
        ("need report reason", n::REASON, "need_reports", "reason"),
        ("reason template", n::REASON, "need_reason_templates", "text"),
        ("deliberation title", d::TITLE, "deliberations", "title"),
        ("deliberation background", d::BACKGROUND, "deliberations", "background"),
        ("deliberation option", d::OPTION, "deliberation_options", "label"),
        ("deliberation comment", d::COMMENT, "deliberation_comments", "body"),
        ("deliberation report reason", d::REASON, "deliberation_reports", "reason"),
        ("early close reason", d::REASON.optional(), "deliberations", "close_reason"),
        ("paper correction reason", d::REASON.optional(), "electorate_paper", "reason"),
        ("family member name", app::account::model::MEMBER_NAME, "household_members", "name"),
        ("family relationship", app::account::model::RELATIONSHIP, "household_members", "relationship"),
        ("roster owner group", app::account::model::OWNER_GROUP, "households", "owner_group"),
        ("service title", app::services::model::TITLE, "services", "title"),
        ("service provider", app::services::model::PROVIDER, "services", "provider"),
        ("service place", app::services::model::PLACE, "services", "place"),
        ("service description", app::services::model::DESCRIPTION, "services", "description"),
        ("session cancel reason", app::services::model::REASON.optional(), "service_sessions", "cancel_reason"),
        ("booking cancel reason", app::services::model::REASON.optional(), "service_bookings", "cancel_reason"),
        ("records key name", app::records::model::KEY_NAME, "records_api_keys", "name"),
        ("activity title", app::activities::model::TITLE, "activities", "title"),
        ("activity description", app::activities::model::DESCRIPTION, "activities", "description"),
        ("activity place", app::activities::model::PLACE, "activities", "place"),
        ("activity report", app::activities::model::REPORT, "activities", "report"),
        ("survey title", app::surveys::model::TITLE, "surveys", "title"),
        ("survey intro", app::surveys::model::INTRO, "surveys", "intro"),
        ("survey question", app::surveys::model::PROMPT, "survey_questions", "prompt"),
        ("activity return reason", app::activities::model::REASON.optional(), "activities", "return_reason"),
        ("activity cancel reason", app::activities::model::REASON.optional(), "activities", "cancel_reason"),
        ("volunteer role name", app::activities::model::ROLE_NAME, "activity_roles", "name"),
        ("volunteer skills", app::activities::model::SKILLS, "volunteer_applications", "skills"),
        ("volunteer availability", app::activities::model::AVAILABILITY, "volunteer_applications", "availability"),
        ("volunteer decision reason", app::activities::model::REASON.optional(), "volunteer_applications", "reason"),
        ("hours entry reason", app::activities::model::REASON.optional(), "activity_volunteers", "hours_reason"),
        ("time bank correction reason", app::timebank::model::CORRECTION_REASON.optional(), "timebank_entries", "reason"),
        // needs::model::ANSWER (needs.answer, need_updates.text): added by migration 0005, tried
        // on the databases below.
    ]
}

/// The column's definition line in `CREATE TABLE table (…)` of every migration of a backend.
fn column_line(backend: &str, table: &str, column: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for f in files {
        let sql = std::fs::read_to_string(&f).unwrap();
        // A column added later: `ALTER TABLE table ADD COLUMN column … CHECK (…);` on one line.
        let added = format!("ALTER TABLE {table} ADD COLUMN ");
        if let Some(line) = sql.lines().filter_map(|l| l.strip_prefix(&added)).find(|l| l.split_whitespace().next() == Some(column)) {
            return line.to_string();
        }
        let head = format!("CREATE TABLE {table} (");
        let Some(start) = sql.find(&head) else { continue };
        let body = &sql[start + head.len()..];
        let body = &body[..body.find("\n);").expect("table ends")];
        if let Some(line) = body.lines().map(str::trim).find(|l| l.split_whitespace().next() == Some(column)) {
            return line.to_string();
        }
    }
    panic!("{backend}: no column {table}.{column}");
}

/// (longest allowed, empty refused by the CHECK, NULL allowed) as the column says.
fn sql_bounds(line: &str, column: &str) -> (usize, bool, bool) {
    let len = if line.contains("char_length(") { format!("char_length({column})") } else { format!("length({column})") };
    let after = &line[line.find(&len).unwrap_or_else(|| panic!("no {len} in {line}")) + len.len()..];
    let after = after.trim_start();
    let (max, min1) = if let Some(r) = after.strip_prefix("BETWEEN 1 AND ") {
        (r.split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap(), true)
    } else if let Some(r) = after.strip_prefix("<= ") {
        (r.split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap(), false)
    } else {
        panic!("unexpected CHECK in {line}")
    };
    (max, min1, !line.contains("NOT NULL"))
}

#[test]
fn every_limit_matches_the_sql_check_on_both_backends() {
    for (what, limit, table, column) in limits() {
        for backend in ["sqlite", "postgres"] {
            let line = column_line(backend, table, column);
            let (max, refuses_empty, nullable) = sql_bounds(&line, column);
            assert_eq!(max, limit.max, "{what}: {backend} says {line}");
            // An optional field is stored as NULL when empty, so its column must allow NULL; a
            // required one may not be NULL. Empty text never reaches a column whose CHECK
            // refuses it: the server refuses it first (required) or stores NULL (optional).
            assert_eq!(nullable, !limit.required, "{what}: {backend} says {line}");
            assert!(refuses_empty || limit.required, "{what}: {backend} lets an empty optional value in: {line}");
        }
    }
}

#[test]
fn the_server_check_accepts_the_limit_and_refuses_one_more() {
    for (what, limit, _, _) in limits() {
        let at = "议".repeat(limit.max);
        assert_eq!(limit.check(&at).as_deref(), Ok(at.as_str()), "{what}");
        assert!(limit.check(&format!("{at}事")).is_err(), "{what}");
        assert_eq!(limit.check("  ").is_err(), limit.required, "{what}");
    }
}

/// Forms take `maxlength` from the limits (`maxlength=TITLE.max`), never from a literal.
#[test]
fn no_form_writes_its_maxlength_as_a_literal() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src");
    let mut bad = Vec::new();
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                for (i, line) in std::fs::read_to_string(&p).unwrap().lines().enumerate() {
                    if line.contains("maxlength=\"") {
                        bad.push(format!("{}:{}: {}", p.display(), i + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "maxlength written as a literal:\n{}", bad.join("\n"));
}

/// The worker's answer on a need and the text of a step of its timeline have no CHECK in the table
/// definitions: migration 0005 adds it (a constraint on PostgreSQL, triggers on SQLite). Tried on
/// the databases themselves: the limit fits, one more character is refused.
#[tokio::test]
async fn the_answer_limit_is_enforced_by_both_databases() {
    let limit = app::needs::model::ANSWER;
    for (label, db) in common::databases().await {
        server::seed::seed_demo(&db).await.unwrap();
        let need: i64 = sqlx::query_scalar("SELECT MIN(id) FROM needs").fetch_one(db.pool()).await.unwrap();
        let at = "答".repeat(limit.max);
        let over = format!("{at}复");
        let set = |text: String| {
            let pool = db.pool().clone();
            async move { sqlx::query("UPDATE needs SET answer = $1 WHERE id = $2").bind(text).bind(need).execute(&pool).await }
        };
        assert!(set(at.clone()).await.is_ok(), "{label}: needs.answer of {} characters", limit.max);
        assert!(set(over.clone()).await.is_err(), "{label}: needs.answer of {} characters", limit.max + 1);
        assert!(set(String::new()).await.is_err(), "{label}: an empty answer is stored as NULL, never as ''");
        let step = |text: String| {
            let pool = db.pool().clone();
            async move {
                sqlx::query("INSERT INTO need_updates (need_id, action, from_status, to_status, text, created_at) VALUES ($1, 'answer', 'published', 'published', $2, 0)")
                    .bind(need)
                    .bind(text)
                    .execute(&pool)
                    .await
            }
        };
        assert!(step(at).await.is_ok(), "{label}: need_updates.text of {} characters", limit.max);
        assert!(step(over).await.is_err(), "{label}: need_updates.text of {} characters", limit.max + 1);
    }
}

/// NUL (which PostgreSQL refuses in text and SQLite would keep), other control characters, bidi
/// overrides and decomposed accents, sent to text fields of every capability on both databases:
/// never a 5xx, and what is stored is the same cleaned NFC text on both.
#[tokio::test]
async fn control_characters_never_reach_either_database() {
    use common::live::start;
    const DIRTY: &str = "\u{0}路灯\u{7}坏了\u{202E}Cafe\u{301}\u{0}";
    const CLEAN: &str = "路灯坏了Caf\u{e9}";
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut resident = s.login("13800000002").await;
        let mut worker = s.login("13800000020").await;
        let (status, id) = s
            .call(
                &mut resident,
                "needs/submit",
                &[("category_id", "1"), ("title", DIRTY), ("body", DIRTY), ("place", DIRTY), ("photo_ids", ""), ("channel", "")],
            )
            .await;
        assert_eq!(status, 200, "{label}: {id}");
        let id = id.as_i64().unwrap().to_string();
        let (status, body) = s.call(&mut worker, "needs/act", &[("id", &id), ("action", "publish"), ("text", "")]).await;
        assert_eq!(status, 200, "{label}: {body}");
        let (status, body) = s.call(&mut resident, "needs/comment", &[("id", &id), ("body", DIRTY)]).await;
        assert_eq!(status, 200, "{label}: needs/comment: {body}");
        let (status, body) = s.call(&mut worker, "needs/act", &[("id", &id), ("action", "answer"), ("text", DIRTY)]).await;
        assert_eq!(status, 200, "{label}: needs/act answer: {body}");
        let (status, body) = s.call(&mut resident, "needs/report", &[("id", &id), ("reason", DIRTY)]).await;
        assert_eq!(status, 200, "{label}: needs/report: {body}");
        let (status, body) = s.call(&mut resident, "account/add_family_member", &[("name", DIRTY), ("birth_year", "1940"), ("relationship", DIRTY)]).await;
        assert!(status < 500, "{label}: add_family_member: {status} {body}");
        for (name, form) in
            [("needs/similar", vec![("title", DIRTY), ("body", DIRTY)]), ("needs/list", vec![("sort", "newest"), ("q", DIRTY), ("mine", "false")])]
        {
            let (status, body) = s.call(&mut resident, name, &form).await;
            assert_eq!(status, 200, "{label}: {name}: {body}");
        }
        let (status, body) = s.call(&mut worker, "account/list_residents", &[("query", DIRTY)]).await;
        assert_eq!(status, 200, "{label}: list_residents: {body}");
        for sql in [
            format!("SELECT title FROM needs WHERE id = {id}"),
            format!("SELECT body FROM needs WHERE id = {id}"),
            format!("SELECT place FROM needs WHERE id = {id}"),
            format!("SELECT answer FROM needs WHERE id = {id}"),
            format!("SELECT body FROM need_comments WHERE need_id = {id}"),
            format!("SELECT reason FROM need_reports WHERE need_id = {id}"),
        ] {
            let stored: String = sqlx::query_scalar(&sql).fetch_one(s.db.pool()).await.unwrap_or_else(|e| panic!("{label}: {sql}: {e}"));
            assert_eq!(stored, CLEAN, "{label}: {sql}");
        }
    }
}
