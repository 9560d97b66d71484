//! The SQL of projects. Every function starts from the principal and finds the community from the
//! database (the project's row, the user's memberships), never from the request; a project of
//! another community answers "not found", and every id a request names (a need, a deliberation,
//! a survey) must be of the project's community.
//!
//! A rating round is an acceptance survey (`surveys::store::create_in`) of the whole community;
//! its close (`round_closed`, called by the survey's close in the same transaction) decides the
//! acceptance, moves the project, marks the linked needs done (their supporters told) and appends
//! the official record `project.acceptance`. Followers hear of a project's news at most once a day:
//! the scheduler's `digest` sends one notification per project and day with what happened since.
use super::error::{Field, ProjectError as E};
use super::model::*;
use super::types::*;
use crate::infra::db::{Db, now_ms};
use crate::infra::events::{self, NewEvent};
use crate::kernel::electorate::VoteUnit;
use crate::kernel::error::CommonError;
use crate::kernel::guard::{Principal, acting_for, home_community, is_worker, member_or_worker, who, worker_community};
use crate::kernel::sql::{Arg, Sql};
use crate::kernel::text::checked;
use crate::notifications::send as notifications;
use crate::surveys::model::{Acceptance, AcceptanceRule, MinRaters, Purpose, Question, QuestionKind, permille};
use sqlx::AnyConnection;

/// The facts of a project that decide who may do what with it.
#[derive(Debug, Clone)]
struct Row {
    id: i64,
    community: i64,
    title: String,
    status: Status,
    rule: AcceptanceRule,
}

async fn load(conn: &mut AnyConnection, id: i64) -> Result<Option<Row>, sqlx::Error> {
    let row: Option<(i64, i64, String, String, i64, Option<i64>, Option<i64>)> =
        sqlx::query_as("SELECT id, community_id, title, status, threshold_pct, min_raters, min_raters_pct FROM projects WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((id, community, title, status, threshold, min, min_pct)) = row else { return Ok(None) };
    let min_raters = MinRaters::from_columns(min, min_pct);
    Ok(Some(Row { id, community, title, status: Status::stored(&status)?, rule: AcceptanceRule { threshold_pct: threshold as u32, min_raters } }))
}

struct Access {
    subject: i64,
    worker: bool,
}

/// The project if the asker belongs to its community (any role) or works there; anyone else: not
/// found.
async fn access(conn: &mut AnyConnection, p: &Principal, id: i64) -> Result<(Row, Access), E> {
    let row = load(conn, id).await?.ok_or(CommonError::NotFound)?;
    let (subject, _, worker) = member_or_worker(conn, p, row.community).await?;
    Ok((row, Access { subject, worker }))
}

async fn worker_access(conn: &mut AnyConnection, p: &Principal, id: i64) -> Result<Row, E> {
    let (row, acc) = access(conn, p, id).await?;
    if acc.worker { Ok(row) } else { Err(CommonError::Forbidden.into()) }
}

fn event<'a>(row: &Row, kind: &'a str, actor: Option<i64>, official: bool, payload: serde_json::Value) -> NewEvent<'a> {
    NewEvent {
        community_id: Some(row.community),
        kind,
        subject_type: "project",
        subject_id: Some(row.id),
        actor_user_id: actor,
        on_behalf_of_user_id: None,
        official,
        payload,
    }
}

/// A need's refusal inside a project's transaction: its database failure as ours; anything else
/// (the need's own rules were checked before) is a fault.
fn from_need(e: crate::needs::error::NeedError) -> E {
    match e {
        crate::needs::error::NeedError::Common(c) => E::Common(c),
        _ => E::Common(CommonError::Internal),
    }
}

fn wrong(status: Status) -> E {
    E::WrongStatus { status: status.as_str().into() }
}

/// A piece of news on the project's timeline (told to followers by the next digest).
async fn news(conn: &mut AnyConnection, project: i64, kind: &str, body: &str, by: Option<i64>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO project_updates (project_id, kind, body, created_by, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(project)
        .bind(kind)
        .bind(body)
        .bind(by)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts rows of `table` with this id in this community (a link's check).
async fn in_community(conn: &mut AnyConnection, table: &str, id: i64, community: i64) -> Result<bool, sqlx::Error> {
    let n: i64 =
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE id = $1 AND community_id = $2")).bind(id).bind(community).fetch_one(conn).await?;
    Ok(n == 1)
}

fn dedup(ids: &[i64]) -> Vec<i64> {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// A plan's texts checked (funding and contractor None when empty), its milestones and budget too.
type CheckedPlan = (String, Option<String>, Option<String>, Vec<Milestone>);

fn checked_plan(description: &str, budget_fen: i64, funding: &str, contractor: &str, milestones: &[MilestoneSpec]) -> Result<CheckedPlan, E> {
    let description = checked(description, Field::Description, DESCRIPTION)?;
    let funding = Some(checked(funding, Field::Funding, FUNDING)?).filter(|s| !s.is_empty());
    let contractor = Some(checked(contractor, Field::Contractor, CONTRACTOR)?).filter(|s| !s.is_empty());
    let milestones = milestones
        .iter()
        .map(|m| Ok(Milestone { name: checked(&m.name, Field::Milestone, MILESTONE)?, planned_day: m.planned_day, done_day: None, weight: m.weight }))
        .collect::<Result<Vec<_>, E>>()?;
    check_plan(budget_fen, &milestones).map_err(E::Plan)?;
    Ok((description, funding, contractor, milestones))
}

async fn insert_milestones(conn: &mut AnyConnection, id: i64, milestones: &[Milestone]) -> Result<(), sqlx::Error> {
    for (i, m) in milestones.iter().enumerate() {
        sqlx::query("INSERT INTO project_milestones (project_id, idx, name, planned_day, done_day, weight) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(i as i64)
            .bind(&m.name)
            .bind(m.planned_day)
            .bind(m.done_day)
            .bind(i64::from(m.weight))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A worker creates a project of their community (or of one they name, as a worker there): its
/// plan, and its links — linked needs move to "planned" (their authors and supporters told) and
/// their supporters follow the project.
pub async fn create(db: &Db, p: &Principal, n: &NewProject, requested: Option<i64>) -> Result<i64, E> {
    let title = checked(&n.title, Field::Title, TITLE)?;
    let (description, funding, contractor, milestones) = checked_plan(&n.description, n.budget_fen, &n.funding, &n.contractor, &n.milestones)?;
    let rule = n.rule.unwrap_or_default();
    rule.check().map_err(|_| E::Plan(PlanProblem::Rule))?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let community = worker_community(&mut tx, p, requested).await?;
    let w = who(&mut tx, p).await?;
    let category: Option<i64> = sqlx::query_scalar(
        "SELECT c.id FROM need_categories c WHERE c.code = $1 AND (c.district_id IS NULL OR c.district_id = (SELECT district_id FROM communities WHERE id = $2)) \
         ORDER BY c.district_id LIMIT 1",
    )
    .bind(&n.category)
    .bind(community)
    .fetch_optional(&mut *tx)
    .await?;
    let category = category.ok_or(E::Category)?;
    let (needs, delibs, surveys) = (dedup(&n.need_ids), dedup(&n.deliberation_ids), dedup(&n.survey_ids));
    for d in &delibs {
        if !in_community(&mut tx, "deliberations", *d, community).await? {
            return Err(CommonError::NotFound.into());
        }
    }
    for s in &surveys {
        if !in_community(&mut tx, "surveys", *s, community).await? {
            return Err(CommonError::NotFound.into());
        }
    }
    for need in &needs {
        if !crate::needs::public::belongs_to(&mut tx, *need, community).await? {
            return Err(CommonError::NotFound.into());
        }
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM project_needs WHERE need_id = $1").bind(need).fetch_one(&mut *tx).await?;
        if taken > 0 {
            return Err(E::NeedTaken { need: *need });
        }
    }
    let (min, min_pct) = rule.min_raters.columns();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO projects (community_id, title, category_id, description, budget_fen, funding, contractor, status, threshold_pct, min_raters, \
         min_raters_pct, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'planned', $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(community)
    .bind(&title)
    .bind(category)
    .bind(&description)
    .bind(n.budget_fen)
    .bind(&funding)
    .bind(&contractor)
    .bind(i64::from(rule.threshold_pct))
    .bind(min)
    .bind(min_pct)
    .bind(p.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    insert_milestones(&mut tx, id, &milestones).await?;
    for d in &delibs {
        sqlx::query("INSERT INTO project_deliberations (project_id, deliberation_id) VALUES ($1, $2)").bind(id).bind(d).execute(&mut *tx).await?;
    }
    for s in &surveys {
        sqlx::query("INSERT INTO project_surveys (project_id, survey_id) VALUES ($1, $2)").bind(id).bind(s).execute(&mut *tx).await?;
    }
    let plan_text = format!("已列入项目「{title}」");
    for need in &needs {
        sqlx::query("INSERT INTO project_needs (project_id, need_id) VALUES ($1, $2)").bind(id).bind(need).execute(&mut *tx).await?;
        crate::needs::public::plan_for_project(&mut tx, *need, &plan_text, &w).await.map_err(from_need)?.map_err(|_| E::NeedStatus { need: *need })?;
        let mut sql = Sql::new();
        let (pid, at) = (sql.arg(Arg::I(id)), sql.arg(Arg::I(now)));
        let supporters = crate::needs::public::supporters(&mut sql, *need);
        sql.text = format!(
            "INSERT INTO project_follows (project_id, user_id, auto, created_at) SELECT {pid}, s.user_id, 1, {at} FROM ({supporters}) s WHERE 1 = 1 ON CONFLICT DO NOTHING"
        );
        sql.execute(&mut tx).await?;
    }
    let row = load(&mut tx, id).await?.ok_or(CommonError::NotFound)?;
    news(&mut tx, id, "created", &title, Some(p.user_id), now).await?;
    let payload = serde_json::json!({ "title": title, "category": n.category, "budget_fen": n.budget_fen, "needs": needs, "deliberations": delibs,
        "surveys": surveys, "milestones": milestones.len() });
    events::append(&mut tx, &event(&row, "project.created", Some(p.user_id), false, payload)).await?;
    tx.commit().await?;
    Ok(id)
}

/// A worker changes the plan of a project not accepted yet: description, budget, funding,
/// contractor and the milestones (which replace the old ones; one of the same name as a milestone
/// done keeps its done day, so progress does not go back). Followers read it in the news.
pub async fn edit_plan(db: &Db, p: &Principal, id: i64, n: &PlanSpec) -> Result<(), E> {
    let (description, funding, contractor, mut milestones) = checked_plan(&n.description, n.budget_fen, &n.funding, &n.contractor, &n.milestones)?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let row = worker_access(&mut tx, p, id).await?;
    if row.status == Status::Accepted {
        return Err(wrong(row.status));
    }
    let mut done: Vec<(String, i64)> =
        sqlx::query_as("SELECT name, done_day FROM project_milestones WHERE project_id = $1 AND done_day IS NOT NULL ORDER BY idx")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    for m in &mut milestones {
        if let Some(i) = done.iter().position(|(name, _)| *name == m.name) {
            m.done_day = Some(done.remove(i).1);
        }
    }
    sqlx::query("UPDATE projects SET description = $1, budget_fen = $2, funding = $3, contractor = $4, updated_at = $5 WHERE id = $6")
        .bind(&description)
        .bind(n.budget_fen)
        .bind(&funding)
        .bind(&contractor)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM project_milestones WHERE project_id = $1").bind(id).execute(&mut *tx).await?;
    insert_milestones(&mut tx, id, &milestones).await?;
    news(&mut tx, id, "plan", &yuan(n.budget_fen), Some(p.user_id), now).await?;
    let payload = serde_json::json!({ "budget_fen": n.budget_fen, "milestones": milestones.len() });
    events::append(&mut tx, &event(&row, "project.plan_changed", Some(p.user_id), false, payload)).await?;
    tx.commit().await?;
    Ok(())
}

/// A worker starts the work, reports it completed, or starts a rectification after a round that
/// did not accept it. (Opening a rating round is `open_round`; only a round decides acceptance.)
pub async fn advance(db: &Db, p: &Principal, id: i64, to: Step) -> Result<Status, E> {
    if !matches!(to, Step::Start | Step::Complete | Step::Rectify) {
        return Err(CommonError::InvalidInput.into());
    }
    let mut tx = db.begin_write().await?;
    let row = worker_access(&mut tx, p, id).await?;
    let next = step(row.status, to, Mover::Worker).map_err(|_| wrong(row.status))?;
    move_to(&mut tx, &row, next, Some(p.user_id), to.as_str()).await?;
    tx.commit().await?;
    Ok(next)
}

/// Writes the new status (guarded: only from the status read), the news and the event.
async fn move_to(conn: &mut AnyConnection, row: &Row, next: Status, by: Option<i64>, kind: &str) -> Result<(), E> {
    let now = now_ms();
    let moved = sqlx::query("UPDATE projects SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
        .bind(next.as_str())
        .bind(now)
        .bind(row.id)
        .bind(row.status.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if moved != 1 {
        return Err(wrong(row.status));
    }
    news(conn, row.id, "status", next.as_str(), by, now).await?;
    let kind = format!("project.{kind}");
    events::append(conn, &event(row, &kind, by, false, serde_json::json!({ "from": row.status.as_str(), "to": next.as_str() }))).await?;
    Ok(())
}

/// A worker marks a milestone done (today) or not done.
pub async fn set_milestone(db: &Db, p: &Principal, id: i64, idx: i64, done: bool) -> Result<u32, E> {
    let mut tx = db.begin_write().await?;
    let row = worker_access(&mut tx, p, id).await?;
    if row.status == Status::Accepted {
        return Err(wrong(row.status));
    }
    let now = now_ms();
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM project_milestones WHERE project_id = $1 AND idx = $2").bind(id).bind(idx).fetch_optional(&mut *tx).await?;
    let name = name.ok_or(E::NoMilestone)?;
    sqlx::query("UPDATE project_milestones SET done_day = $1 WHERE project_id = $2 AND idx = $3")
        .bind(done.then(|| crate::time::day_of(now)))
        .bind(id)
        .bind(idx)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE projects SET updated_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
    news(&mut tx, id, if done { "milestone_done" } else { "milestone_undone" }, &name, Some(p.user_id), now).await?;
    events::append(&mut tx, &event(&row, "project.milestone", Some(p.user_id), false, serde_json::json!({ "idx": idx, "done": done }))).await?;
    let progress = progress_pct(&milestones(&mut tx, id).await?);
    tx.commit().await?;
    Ok(progress)
}

/// A worker posts news of the project.
pub async fn post_update(db: &Db, p: &Principal, id: i64, body: &str) -> Result<(), E> {
    let body = checked(body, Field::Update, UPDATE)?;
    let mut tx = db.begin_write().await?;
    let row = worker_access(&mut tx, p, id).await?;
    let now = now_ms();
    news(&mut tx, id, "note", &body, Some(p.user_id), now).await?;
    events::append(&mut tx, &event(&row, "project.update", Some(p.user_id), false, serde_json::json!({}))).await?;
    tx.commit().await?;
    Ok(())
}

/// A member of the community follows the project, or stops following it.
pub async fn follow(db: &Db, p: &Principal, id: i64, on: bool) -> Result<(), E> {
    let mut tx = db.begin_write().await?;
    let (_, acc) = access(&mut tx, p, id).await?;
    if on {
        sqlx::query("INSERT INTO project_follows (project_id, user_id, auto, created_at) VALUES ($1, $2, 0, $3) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(acc.subject)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query("DELETE FROM project_follows WHERE project_id = $1 AND user_id = $2").bind(id).bind(acc.subject).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The longest title of a round's survey made from the project's title.
const ROUND_TITLE_CHARS: usize = 50;

/// A worker opens a rating round of a completed project: an acceptance survey of the community's
/// verified residents (one answer each) with an overall 1–5 question and one per aspect, under
/// the project's rule, open from now until `closes_at`. Returns the survey's id.
pub async fn open_round(db: &Db, p: &Principal, id: i64, closes_at: i64, aspects: &[String]) -> Result<i64, E> {
    let aspects = aspects.iter().map(|a| checked(a, Field::Aspect, MILESTONE)).collect::<Result<Vec<_>, _>>()?;
    let mut tx = db.begin_write().await?;
    let row = worker_access(&mut tx, p, id).await?;
    let next = step(row.status, Step::OpenRating, Mover::Worker).map_err(|_| wrong(row.status))?;
    let now = now_ms();
    if closes_at <= now || closes_at - now > crate::surveys::model::MAX_WINDOW_MS {
        return Err(E::Window);
    }
    let short: String = row.title.chars().take(ROUND_TITLE_CHARS).collect();
    let mut questions = vec![Question { kind: QuestionKind::Stars, prompt: "总体满意度".into(), options: vec![], max_choices: 1, required: true }];
    questions.extend(aspects.iter().map(|a| Question { kind: QuestionKind::Stars, prompt: a.clone(), options: vec![], max_choices: 1, required: false }));
    let round: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(round), 0) + 1 FROM project_rounds WHERE project_id = $1").bind(id).fetch_one(&mut *tx).await?;
    let survey = crate::surveys::types::NewSurvey {
        title: format!("{short}：验收评价（第 {round} 轮）"),
        intro: String::new(),
        purpose: Purpose::Acceptance,
        unit: VoteUnit::Person,
        building_ids: vec![],
        anonymous: false,
        double_entry: false,
        opens_at: now,
        closes_at,
        questions,
        rule: Some(row.rule),
        need_ids: vec![],
    };
    let survey_id = crate::surveys::store::create_in(&mut tx, p, &survey, row.community).await.map_err(|e| match e {
        crate::surveys::error::SurveyError::Common(c) => E::Common(c),
        _ => E::Window,
    })?;
    sqlx::query("INSERT INTO project_rounds (project_id, round, survey_id) VALUES ($1, $2, $3)").bind(id).bind(round).bind(survey_id).execute(&mut *tx).await?;
    move_to(&mut tx, &row, next, Some(p.user_id), "open_rating").await?;
    tx.commit().await?;
    Ok(survey_id)
}

/// Called by a survey's close, in its transaction: if the survey is a project's rating round, the
/// rule's outcome moves the project (accepted, or not accepted), marks its linked needs done when
/// accepted (their authors and supporters told) and appends the official record
/// `project.acceptance`. Does nothing for other surveys.
pub async fn round_closed(conn: &mut AnyConnection, survey: i64, a: &Acceptance, by: Option<i64>) -> Result<(), E> {
    let found: Option<(i64, i64)> =
        sqlx::query_as("SELECT project_id, round FROM project_rounds WHERE survey_id = $1").bind(survey).fetch_optional(&mut *conn).await?;
    let Some((project, round)) = found else { return Ok(()) };
    let Some(row) = load(conn, project).await? else { return Ok(()) };
    sqlx::query("UPDATE project_rounds SET accepted = $1 WHERE survey_id = $2").bind(i64::from(a.accepted)).bind(survey).execute(&mut *conn).await?;
    let decided = if a.accepted { Step::RoundAccepted } else { Step::RoundNotAccepted };
    if let Ok(next) = step(row.status, decided, Mover::Round) {
        let now = now_ms();
        sqlx::query("UPDATE projects SET status = $1, updated_at = $2 WHERE id = $3").bind(next.as_str()).bind(now).bind(project).execute(&mut *conn).await?;
        news(conn, project, "status", next.as_str(), by, now).await?;
    }
    if a.accepted {
        let needs: Vec<i64> =
            sqlx::query_scalar("SELECT need_id FROM project_needs WHERE project_id = $1 ORDER BY need_id").bind(project).fetch_all(&mut *conn).await?;
        let text = format!("项目「{}」已通过居民验收", row.title);
        for need in needs {
            // A need hidden or merged meanwhile stays where it is.
            let _ = crate::needs::public::complete_for_project(conn, need, &text).await.map_err(from_need)?;
        }
    }
    let (category, budget): (String, i64) =
        sqlx::query_as("SELECT c.code, p.budget_fen FROM projects p JOIN need_categories c ON c.id = p.category_id WHERE p.id = $1")
            .bind(project)
            .fetch_one(&mut *conn)
            .await?;
    let payload = serde_json::json!({
        "project_id": project, "title": row.title, "category": category, "budget_fen": budget, "round": round, "survey_id": survey,
        "accepted": a.accepted, "raters": a.raters, "satisfied": a.satisfied, "electorate": a.electorate,
        "satisfied_permille": permille(a.satisfied, a.raters), "threshold_pct": a.rule.threshold_pct, "required_raters": a.required_raters,
        "satisfied_ok": a.satisfied_ok, "raters_ok": a.raters_ok, "distribution": a.distribution,
    });
    events::append(conn, &event(&row, "project.acceptance", by, true, payload)).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The daily digest

/// One pass of the digest at `now`: every project with news since its last digest, and none sent
/// today (China Standard Time), tells its followers in one notification. Each project in its own
/// transaction, claimed by its digest row: two passes at once send it once.
pub async fn digest(db: &Db, now: i64) -> Result<usize, sqlx::Error> {
    let today = crate::time::day_of(now);
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM projects p WHERE EXISTS (SELECT 1 FROM project_updates u WHERE u.project_id = p.id \
           AND u.created_at > COALESCE((SELECT MAX(d.sent_at) FROM project_digests d WHERE d.project_id = p.id), 0)) \
         AND NOT EXISTS (SELECT 1 FROM project_digests d WHERE d.project_id = p.id AND d.day = $1) ORDER BY p.id",
    )
    .bind(today)
    .fetch_all(db.pool())
    .await?;
    let mut sent = 0;
    for id in due {
        let mut tx = db.begin_write().await?;
        let since: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(sent_at), 0) FROM project_digests WHERE project_id = $1").bind(id).fetch_one(&mut *tx).await?;
        let claimed = sqlx::query("INSERT INTO project_digests (project_id, day, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(today)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let Some(row) = load(&mut tx, id).await? else { continue };
        if claimed != 1 {
            continue;
        }
        let fresh: Vec<(String, String)> = sqlx::query_as(
            "SELECT kind, body FROM project_updates WHERE project_id = $1 AND created_at > $2 AND created_at <= $3 ORDER BY created_at DESC, id DESC",
        )
        .bind(id)
        .bind(since)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        let Some((kind, body)) = fresh.first().cloned() else {
            tx.commit().await?;
            continue;
        };
        let n = super::notices::ProjectNotice::News { title: row.title.clone(), count: fresh.len() as i64, what: kind, latest: body };
        notifications::send_to_each(&mut tx, row.community, id, &n, |sql| {
            format!("SELECT user_id FROM project_follows WHERE project_id = {}", sql.arg(Arg::I(id)))
        })
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

// ---------------------------------------------------------------------------------------------
// Reading

async fn milestones(conn: &mut AnyConnection, id: i64) -> Result<Vec<Milestone>, sqlx::Error> {
    let rows: Vec<(String, i64, Option<i64>, i64)> =
        sqlx::query_as("SELECT name, planned_day, done_day, weight FROM project_milestones WHERE project_id = $1 ORDER BY idx")
            .bind(id)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|(name, planned_day, done_day, weight)| Milestone { name, planned_day, done_day, weight: weight as u32 }).collect())
}

/// The last closed round's satisfied share, and the open round (a survey), of each project.
async fn rounds(conn: &mut AnyConnection, id: i64) -> Result<Vec<RoundView>, sqlx::Error> {
    let rows: Vec<(i64, i64, Option<i64>)> =
        sqlx::query_as("SELECT round, survey_id, accepted FROM project_rounds WHERE project_id = $1 ORDER BY round").bind(id).fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(round, survey_id, accepted)| RoundView { round, survey_id, accepted: accepted.map(|a| a == 1) }).collect())
}

/// A project's category: its code and names (zh-CN, en).
type CategoryRow = (String, String, String);

async fn card(conn: &mut AnyConnection, id: i64, title: String, category: CategoryRow, status: Status) -> Result<ProjectCard, sqlx::Error> {
    let (category, category_zh, category_en) = category;
    let progress_pct = progress_pct(&milestones(conn, id).await?);
    let rounds = rounds(conn, id).await?;
    let open_round = rounds.iter().find(|r| r.accepted.is_none()).map(|r| r.survey_id);
    let last_closed = rounds.iter().rev().find(|r| r.accepted.is_some()).map(|r| r.survey_id);
    let satisfied_permille = match last_closed {
        Some(s) => crate::surveys::store::satisfied_permille(conn, s).await?,
        None => None,
    };
    Ok(ProjectCard { id, title, category, category_zh, category_en, status, progress_pct, satisfied_permille, open_round })
}

/// The 项目 list of the viewer's community (or the one a worker names).
pub async fn list(db: &Db, p: &Principal, requested: Option<i64>) -> Result<ProjectList, E> {
    let mut conn = db.pool().acquire().await?;
    let (subject, _) = acting_for(&mut conn, p).await?;
    let community = home_community(&mut conn, p, subject, requested).await?;
    let worker = is_worker(&mut conn, p, community).await?;
    list_of(&mut conn, community, worker).await
}

/// The community's projects (of one status if given), most recently moved first.
async fn cards(conn: &mut AnyConnection, community: i64, only: Option<Status>) -> Result<Vec<(ProjectCard, Status)>, E> {
    let rows: Vec<(i64, String, String, String, String, String)> = sqlx::query_as(
        "SELECT p.id, p.title, c.code, c.name_zh, c.name_en, p.status FROM projects p JOIN need_categories c ON c.id = p.category_id \
         WHERE p.community_id = $1 AND ($2 = '' OR p.status = $2) ORDER BY p.updated_at DESC, p.id DESC LIMIT 200",
    )
    .bind(community)
    .bind(only.map(Status::as_str).unwrap_or(""))
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, title, code, zh, en, status) in rows {
        let status = Status::stored(&status)?;
        out.push((card(conn, id, title, (code, zh, en), status).await?, status));
    }
    Ok(out)
}

async fn list_of(conn: &mut AnyConnection, community: i64, worker: bool) -> Result<ProjectList, E> {
    let mut list = ProjectList { community_id: community, in_progress: Vec::new(), rating: Vec::new(), done: Vec::new(), is_worker: worker };
    for (c, status) in cards(conn, community, None).await? {
        match status {
            Status::Rating => list.rating.push(c),
            Status::Accepted => list.done.push(c),
            _ => list.in_progress.push(c),
        }
    }
    Ok(list)
}

/// A project's page.
pub async fn detail(db: &Db, p: &Principal, id: i64) -> Result<ProjectView, E> {
    let mut conn = db.pool().acquire().await?;
    let (row, acc) = access(&mut conn, p, id).await?;
    let (code, zh, en, description, budget_fen, funding, contractor): (String, String, String, String, i64, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT c.code, c.name_zh, c.name_en, p.description, p.budget_fen, p.funding, p.contractor FROM projects p \
         JOIN need_categories c ON c.id = p.category_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let card = card(&mut conn, id, row.title.clone(), (code, zh, en), row.status).await?;
    let needs: Vec<(i64, String)> = sqlx::query_scalar::<_, i64>("SELECT need_id FROM project_needs WHERE project_id = $1 ORDER BY need_id")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|n| (n, String::new()))
        .collect();
    let mut titled = Vec::with_capacity(needs.len());
    for (n, _) in needs {
        titled.push((n, crate::needs::public::title(&mut conn, n).await?.unwrap_or_default()));
    }
    let deliberations: Vec<(i64, String)> = sqlx::query_as(
        "SELECT d.id, d.title FROM project_deliberations l JOIN deliberations d ON d.id = l.deliberation_id WHERE l.project_id = $1 ORDER BY d.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let surveys: Vec<(i64, String)> =
        sqlx::query_as("SELECT s.id, s.title FROM project_surveys l JOIN surveys s ON s.id = l.survey_id WHERE l.project_id = $1 ORDER BY s.id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let updates: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT kind, body, created_at FROM project_updates WHERE project_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let following: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM project_follows WHERE project_id = $1 AND user_id = $2")
        .bind(id)
        .bind(acc.subject)
        .fetch_one(&mut *conn)
        .await?;
    Ok(ProjectView {
        card,
        description,
        budget_fen,
        funding: funding.unwrap_or_default(),
        contractor: contractor.unwrap_or_default(),
        milestones: milestones(&mut conn, id).await?,
        needs: titled,
        deliberations,
        surveys,
        rounds: rounds(&mut conn, id).await?,
        updates: updates.into_iter().map(|(kind, body, at)| UpdateView { kind, body, at }).collect(),
        rule: row.rule,
        following: following == 1,
        is_worker: acc.worker,
        before: photos_of(&mut conn, id, PhotoPhase::Before).await?,
        after: photos_of(&mut conn, id, PhotoPhase::After).await?,
    })
}

/// What the project editor offers a worker of the community (or of the one they name).
pub async fn form(db: &Db, p: &Principal, requested: Option<i64>) -> Result<ProjectForm, E> {
    let mut conn = db.pool().acquire().await?;
    let community = worker_community(&mut conn, p, requested).await?;
    let categories = crate::needs::public::categories(&mut conn, community).await?;
    let needs: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT n.id, n.title, c.code FROM needs n JOIN need_categories c ON c.id = n.category_id WHERE n.community_id = $1 \
         AND n.status IN ('published', 'under_review', 'accepted') AND NOT EXISTS (SELECT 1 FROM project_needs l WHERE l.need_id = n.id) \
         ORDER BY n.id DESC LIMIT 200",
    )
    .bind(community)
    .fetch_all(&mut *conn)
    .await?;
    let deliberations: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, title FROM deliberations WHERE community_id = $1 ORDER BY id DESC LIMIT 100").bind(community).fetch_all(&mut *conn).await?;
    let surveys: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, title FROM surveys WHERE community_id = $1 AND purpose <> 'acceptance' ORDER BY id DESC LIMIT 100")
            .bind(community)
            .fetch_all(&mut *conn)
            .await?;
    Ok(ProjectForm { community_id: community, categories, needs, deliberations, surveys })
}

/// A community's accepted and not accepted projects with their satisfaction: public, for anyone
/// (also not logged in) — what the residents decided is the community's record.
pub async fn summary(db: &Db, community: i64) -> Result<PublicSummary, E> {
    let mut conn = db.pool().acquire().await?;
    let names: Option<(String, String)> =
        sqlx::query_as("SELECT name_zh, name_en FROM communities WHERE id = $1").bind(community).fetch_optional(&mut *conn).await?;
    let (community_zh, community_en) = names.ok_or(CommonError::NotFound)?;
    let accepted = cards(&mut conn, community, Some(Status::Accepted)).await?.into_iter().map(|(c, _)| c).collect();
    // Not accepted: waiting for rectification, or being rectified (the verdict stands until the
    // next round).
    let mut not_accepted: Vec<ProjectCard> = Vec::new();
    for s in [Status::NotAccepted, Status::Rectification] {
        not_accepted.extend(cards(&mut conn, community, Some(s)).await?.into_iter().map(|(c, _)| c));
    }
    Ok(PublicSummary { community_zh, community_en, accepted, not_accepted })
}

// ---------------------------------------------------------------------------------------------
// Photos before and after

/// Photos of one phase at most.
pub const MAX_PHOTOS: usize = 9;

async fn photos_of(conn: &mut AnyConnection, id: i64, phase: PhotoPhase) -> Result<Vec<crate::ui::photo::Photo>, sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, storage_key FROM project_photos WHERE project_id = $1 AND phase = $2 ORDER BY id")
        .bind(id)
        .bind(phase.as_str())
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(|(id, key)| crate::ui::photo::Photo { id, url: format!("/media/projects/{key}") }).collect())
}

/// A worker adds a photo of before or after the work: the needs' photo pipeline checks the bytes
/// and writes the image anew (upright, at most 2048 px, no EXIF); the row and the file are written
/// together (if the file cannot be stored, no row remains).
pub async fn add_photo(
    db: &Db,
    blobs: &dyn crate::infra::blobs::BlobStore,
    p: &Principal,
    id: i64,
    phase: PhotoPhase,
    raw: Vec<u8>,
) -> Result<crate::ui::photo::Photo, E> {
    use crate::needs::error::NeedError;
    let count = || sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM project_photos WHERE project_id = $1 AND phase = $2").bind(id).bind(phase.as_str());
    let full = |n: i64| if n >= MAX_PHOTOS as i64 { Err(E::Photo(NeedError::TooManyPhotos { max: MAX_PHOTOS })) } else { Ok(()) };
    {
        // Rights first, on a read connection: nothing is decoded for someone who may not add one.
        let mut conn = db.pool().acquire().await?;
        worker_access(&mut conn, p, id).await?;
        full(count().fetch_one(&mut *conn).await?)?;
    }
    let photo = crate::needs::photo::cleaned_upload(raw).await.map_err(E::Photo)?;
    let mut tx = db.begin_write().await?;
    let row = worker_access(&mut tx, p, id).await?;
    full(count().fetch_one(&mut *tx).await?)?;
    let key = crate::needs::photo::new_key();
    let photo_id: i64 = sqlx::query_scalar(
        "INSERT INTO project_photos (project_id, phase, storage_key, uploaded_by, byte_size, width, height, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(id)
    .bind(phase.as_str())
    .bind(&key)
    .bind(p.user_id)
    .bind(photo.jpeg.len() as i64)
    .bind(i64::from(photo.width))
    .bind(i64::from(photo.height))
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    events::append(&mut tx, &event(&row, "project.photo_added", Some(p.user_id), false, serde_json::json!({ "photo": photo_id, "phase": phase.as_str() })))
        .await?;
    crate::needs::photo::put(blobs, &key, photo.jpeg).await?;
    tx.commit().await?;
    Ok(crate::ui::photo::Photo { id: photo_id, url: format!("/media/projects/{key}") })
}

/// A worker of the project's community removes one of its photos.
pub async fn remove_photo(db: &Db, blobs: &dyn crate::infra::blobs::BlobStore, p: &Principal, photo: i64) -> Result<(), E> {
    let mut tx = db.begin_write().await?;
    let found: Option<(i64, String)> =
        sqlx::query_as("SELECT project_id, storage_key FROM project_photos WHERE id = $1").bind(photo).fetch_optional(&mut *tx).await?;
    let (id, key) = found.ok_or(CommonError::NotFound)?;
    let row = worker_access(&mut tx, p, id).await?;
    sqlx::query("DELETE FROM project_photos WHERE id = $1").bind(photo).execute(&mut *tx).await?;
    events::append(&mut tx, &event(&row, "project.photo_removed", Some(p.user_id), false, serde_json::json!({ "photo": photo }))).await?;
    tx.commit().await?;
    crate::needs::photo::forget(blobs, &key).await;
    Ok(())
}

/// The bytes of a project's photo, for whoever may see the project.
pub async fn photo_for(db: &Db, blobs: &dyn crate::infra::blobs::BlobStore, p: &Principal, key: &str) -> Result<Vec<u8>, E> {
    let mut conn = db.pool().acquire().await?;
    let id: i64 = sqlx::query_scalar("SELECT project_id FROM project_photos WHERE storage_key = $1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(CommonError::NotFound)?;
    access(&mut conn, p, id).await?;
    blobs.get(key).await.ok().flatten().ok_or(CommonError::NotFound.into())
}
