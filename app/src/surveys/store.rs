//! The SQL of surveys. Every function starts from the principal and finds the community from the
//! database (the survey's row, the user's memberships), never from the request; a survey of
//! another community answers "not found". Who may answer, and that a unit answers once in one
//! channel, is the kernel's electorate (`kernel::electorate`), as for deliberations.
use super::error::{Field, SurveyError as E};
use super::model::*;
use super::types::*;
use crate::infra::db::{Db, now_ms};
use crate::infra::events::{self, NewEvent};
use crate::kernel::electorate::{self, Channel, Keyed, PaperRefusal, VoteUnit, answer_key};
use crate::kernel::error::CommonError;
use crate::kernel::guard::{Principal, acting_for, home_community, is_worker, member_or_worker, worker_community};
use crate::kernel::text::checked;
use sqlx::AnyConnection;

/// The facts of a survey that decide who may do what with it.
#[derive(Debug, Clone)]
struct Row {
    id: i64,
    community: i64,
    title: String,
    intro: String,
    purpose: Purpose,
    unit: VoteUnit,
    anonymous: bool,
    double_entry: bool,
    status: SurveyPhase,
    opens_at: i64,
    closes_at: i64,
    rule: Option<AcceptanceRule>,
    frozen: Option<i64>,
    secret: Option<String>,
}

type RowTuple =
    (i64, i64, String, Option<String>, String, String, i64, i64, String, i64, i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<String>);

async fn load(conn: &mut AnyConnection, id: i64) -> Result<Option<Row>, sqlx::Error> {
    let row: Option<RowTuple> = sqlx::query_as(
        "SELECT id, community_id, title, intro, purpose, unit, anonymous, double_entry, status, opens_at, closes_at, threshold_pct, min_raters, \
         min_raters_pct, electorate_id, answer_secret FROM surveys WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, community, title, intro, purpose, unit, anonymous, double_entry, status, opens_at, closes_at, threshold, min, min_pct, frozen, secret)) = row
    else {
        return Ok(None);
    };
    let rule = threshold.map(|t| AcceptanceRule { threshold_pct: t as u32, min_raters: MinRaters::from_columns(min, min_pct) });
    Ok(Some(Row {
        id,
        community,
        title,
        intro: intro.unwrap_or_default(),
        purpose: Purpose::stored(&purpose)?,
        unit: VoteUnit::stored(&unit)?,
        anonymous: anonymous == 1,
        double_entry: double_entry == 1,
        status: SurveyPhase::stored(&status)?,
        opens_at,
        closes_at,
        rule,
        frozen,
        secret,
    }))
}

async fn questions(conn: &mut AnyConnection, id: i64) -> Result<Vec<Question>, sqlx::Error> {
    let rows: Vec<(String, String, String, i64, i64)> =
        sqlx::query_as("SELECT kind, prompt, options, max_choices, required FROM survey_questions WHERE survey_id = $1 ORDER BY idx")
            .bind(id)
            .fetch_all(conn)
            .await?;
    rows.into_iter()
        .map(|(kind, prompt, options, max, required)| {
            Ok(Question {
                kind: QuestionKind::stored(&kind)?,
                prompt,
                options: serde_json::from_str(&options).map_err(|e| sqlx::Error::Decode(e.into()))?,
                max_choices: max as u32,
                required: required == 1,
            })
        })
        .collect()
}

/// The asker's relation to a survey.
struct Access {
    subject: i64,
    on_behalf_of: Option<i64>,
    worker: bool,
}

/// The survey if the asker belongs to its community (any role) or works there; anyone else: not
/// found.
async fn access(conn: &mut AnyConnection, p: &Principal, id: i64) -> Result<(Row, Access), E> {
    let row = load(conn, id).await?.ok_or(CommonError::NotFound)?;
    let (subject, on_behalf_of, worker) = member_or_worker(conn, p, row.community).await?;
    Ok((row, Access { subject, on_behalf_of, worker }))
}

fn require_worker(a: &Access) -> Result<(), E> {
    if a.worker { Ok(()) } else { Err(CommonError::Forbidden.into()) }
}

fn event<'a>(row: &Row, kind: &'a str, actor: Option<i64>, official: bool, payload: serde_json::Value) -> NewEvent<'a> {
    NewEvent {
        community_id: Some(row.community),
        kind,
        subject_type: "survey",
        subject_id: Some(row.id),
        actor_user_id: actor,
        on_behalf_of_user_id: None,
        official,
        payload,
    }
}

/// A worker creates a survey of their community (or one they name, as a worker there).
pub async fn create(db: &Db, p: &Principal, n: &NewSurvey, requested: Option<i64>) -> Result<i64, E> {
    let mut tx = db.begin_write().await?;
    let community = worker_community(&mut tx, p, requested).await?;
    let id = create_in(&mut tx, p, n, community).await?;
    tx.commit().await?;
    Ok(id)
}

/// Creates a survey of `community` (whose worker the caller has checked `p` is) in the caller's
/// transaction: a project's rating round is made so, with the round's row.
pub async fn create_in(tx: &mut AnyConnection, p: &Principal, n: &NewSurvey, community: i64) -> Result<i64, E> {
    let title = checked(&n.title, Field::Title, TITLE)?;
    let intro = Some(checked(&n.intro, Field::Intro, INTRO)?).filter(|i| !i.is_empty());
    let mut qs = Vec::with_capacity(n.questions.len());
    for q in &n.questions {
        let options = q.options.iter().map(|o| checked(o, Field::Option, OPTION)).collect::<Result<Vec<_>, _>>()?;
        qs.push(Question { prompt: checked(&q.prompt, Field::Prompt, PROMPT)?, options, ..q.clone() });
    }
    check_questions(&qs, n.purpose).map_err(E::Settings)?;
    if n.unit == VoteUnit::Owner {
        return Err(E::Settings(SurveyProblem::Unit));
    }
    let now = now_ms();
    let opens_at = n.opens_at.max(now);
    if n.closes_at <= opens_at || n.closes_at - opens_at > MAX_WINDOW_MS {
        return Err(E::Settings(SurveyProblem::Window));
    }
    let rule = match n.purpose {
        Purpose::Acceptance => Some(n.rule.unwrap_or_default()),
        _ => None,
    };
    if let Some(r) = rule {
        r.check().map_err(E::Settings)?;
    }
    let mut buildings = n.building_ids.clone();
    buildings.sort_unstable();
    buildings.dedup();
    for b in &buildings {
        let ok: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM buildings WHERE id = $1 AND community_id = $2").bind(b).bind(community).fetch_one(&mut *tx).await?;
        if ok != 1 {
            return Err(E::Buildings);
        }
    }
    let mut needs = n.need_ids.clone();
    needs.sort_unstable();
    needs.dedup();
    for need in &needs {
        if !crate::needs::public::belongs_to(&mut *tx, *need, community).await? {
            return Err(CommonError::NotFound.into());
        }
    }
    let (min, min_pct) = rule.map(|r| r.min_raters.columns()).unwrap_or((None, None));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO surveys (community_id, title, intro, purpose, unit, anonymous, double_entry, status, opens_at, closes_at, threshold_pct, min_raters, \
         min_raters_pct, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'scheduled', $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(community)
    .bind(&title)
    .bind(&intro)
    .bind(n.purpose.as_str())
    .bind(n.unit.as_str())
    .bind(i64::from(n.anonymous))
    .bind(i64::from(n.double_entry))
    .bind(opens_at)
    .bind(n.closes_at)
    .bind(rule.map(|r| i64::from(r.threshold_pct)))
    .bind(min)
    .bind(min_pct)
    .bind(p.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for (i, q) in qs.iter().enumerate() {
        sqlx::query("INSERT INTO survey_questions (survey_id, idx, kind, prompt, options, max_choices, required) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id)
            .bind(i as i64)
            .bind(q.kind.as_str())
            .bind(&q.prompt)
            .bind(serde_json::to_string(&q.options).map_err(|_| CommonError::Internal)?)
            .bind(i64::from(q.max_choices))
            .bind(i64::from(q.required))
            .execute(&mut *tx)
            .await?;
    }
    for b in &buildings {
        sqlx::query("INSERT INTO survey_buildings (survey_id, building_id) VALUES ($1, $2)").bind(id).bind(b).execute(&mut *tx).await?;
    }
    for need in &needs {
        sqlx::query("INSERT INTO survey_needs (survey_id, need_id) VALUES ($1, $2)").bind(id).bind(need).execute(&mut *tx).await?;
    }
    let mut row = load(tx, id).await?.ok_or(CommonError::NotFound)?;
    let payload = serde_json::json!({ "purpose": n.purpose.as_str(), "unit": n.unit.as_str(), "buildings": buildings, "anonymous": n.anonymous,
        "double_entry": n.double_entry, "opens_at": opens_at, "closes_at": n.closes_at, "questions": qs.len(), "needs": needs });
    events::append(tx, &event(&row, "survey.created", Some(p.user_id), false, payload)).await?;
    catch_up_in(tx, &mut row, now).await?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// The clock: opening (the frozen electorate), closing (the results)

/// Opens the survey: freezes its electorate. Does nothing if another transaction already did
/// (the row is locked first, so no electorate is frozen twice).
async fn open_in(conn: &mut AnyConnection, row: &mut Row, now: i64) -> Result<(), E> {
    let mine =
        sqlx::query("UPDATE surveys SET opens_at = opens_at WHERE id = $1 AND status = 'scheduled'").bind(row.id).execute(&mut *conn).await?.rows_affected();
    if mine != 1 {
        *row = load(conn, row.id).await?.ok_or(CommonError::NotFound)?;
        return Ok(());
    }
    let buildings: Vec<i64> =
        sqlx::query_scalar("SELECT building_id FROM survey_buildings WHERE survey_id = $1 ORDER BY building_id").bind(row.id).fetch_all(&mut *conn).await?;
    let frozen = electorate::freeze(conn, row.community, row.unit, &buildings, now).await?;
    let secret = row.anonymous.then(electorate::new_secret);
    sqlx::query("UPDATE surveys SET status = 'open', electorate_id = $1, answer_secret = $2 WHERE id = $3")
        .bind(frozen.id)
        .bind(secret.as_deref())
        .bind(row.id)
        .execute(&mut *conn)
        .await?;
    row.status = SurveyPhase::Open;
    row.frozen = Some(frozen.id);
    row.secret = secret;
    events::append(conn, &event(row, "survey.opened", None, false, serde_json::json!({ "electorate_size": frozen.size }))).await?;
    Ok(())
}

/// The results from the stored responses (text answers included: callers strip them for residents).
async fn compute(conn: &mut AnyConnection, row: &Row, closed_at: Option<i64>) -> Result<SurveyResult, E> {
    let qs = questions(conn, row.id).await?;
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT answers FROM survey_responses WHERE survey_id = $1 ORDER BY respondent_key").bind(row.id).fetch_all(&mut *conn).await?;
    let responses: Vec<Vec<Answer>> = stored.iter().filter_map(|s| decode(s)).collect();
    let (electorate, paper) = match row.frozen {
        Some(e) => (electorate::units(conn, e).await?.len() as i64, electorate::turnout(conn, e, Some(Channel::Paper)).await?),
        None => (0, 0),
    };
    let results = results(&qs, &responses);
    let acceptance = match (row.purpose, row.rule) {
        (Purpose::Acceptance, Some(rule)) => {
            let c = &results[0].counts;
            Some(accept([c[0], c[1], c[2], c[3], c[4]], electorate, rule))
        }
        _ => None,
    };
    Ok(SurveyResult { responses: responses.len() as i64, paper, electorate, questions: results, acceptance, closed_at })
}

/// Closes the survey: stores the results, erases the answer secret and appends the event (for a
/// satisfaction survey an official record with its headline figure) — in the caller's
/// transaction. Refused while paper forms keyed differently wait to be resolved. None if another
/// transaction closed it first.
async fn close_in(conn: &mut AnyConnection, row: &mut Row, now: i64, by: Option<i64>) -> Result<Option<SurveyResult>, E> {
    if row.status == SurveyPhase::Scheduled {
        open_in(conn, row, now).await?;
    }
    let frozen = row.frozen.ok_or(CommonError::Internal)?;
    let disputes = electorate::disputes(conn, frozen).await?;
    if !disputes.is_empty() {
        return Err(E::Disputes { count: disputes.len() });
    }
    let result = compute(conn, row, Some(now)).await?;
    let json = serde_json::to_string(&result).map_err(|_| CommonError::Internal)?;
    let moved = sqlx::query("UPDATE surveys SET status = 'closed', closed_at = $1, result = $2, answer_secret = NULL WHERE id = $3 AND status = 'open'")
        .bind(now)
        .bind(&json)
        .bind(row.id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if moved != 1 {
        return Ok(None);
    }
    row.status = SurveyPhase::Closed;
    row.secret = None;
    if row.anonymous {
        // Double entry kept the keyed forms' contents to compare them; they go with the secret.
        sqlx::query("UPDATE electorate_paper SET content = NULL WHERE electorate_id = $1").bind(frozen).execute(&mut *conn).await?;
    }
    let qs = questions(conn, row.id).await?;
    // The headline figure: the first stars question (overall satisfaction).
    let overall = qs.iter().position(|q| q.kind == QuestionKind::Stars).map(|i| &result.questions[i]);
    if row.purpose == Purpose::Satisfaction {
        let payload = serde_json::json!({
            "survey_id": row.id, "title": row.title, "electorate": result.electorate, "responses": result.responses, "paper": result.paper,
            "participation_permille": permille(result.responses, result.electorate),
            "overall_distribution": overall.map(|o| o.counts.clone()),
            "overall_average_centi": overall.and_then(|o| o.average_centi),
            "satisfied_permille": overall.map(|o| permille(o.counts[3] + o.counts[4], o.answered)),
        });
        events::append(conn, &event(row, "survey.satisfaction", by, true, payload)).await?;
    } else {
        let payload = serde_json::json!({ "responses": result.responses, "electorate": result.electorate, "acceptance": result.acceptance });
        events::append(conn, &event(row, "survey.closed", by, false, payload)).await?;
    }
    // A project's rating round decides the project's acceptance in this transaction.
    if let Some(a) = &result.acceptance {
        crate::projects::store::round_closed(conn, row.id, a, by).await.map_err(|e| match e {
            crate::projects::error::ProjectError::Common(c) => E::Common(c),
            _ => E::Common(CommonError::Internal),
        })?;
    }
    Ok(Some(result))
}

/// Brings a survey's stored status up to the clock: opens it, closes it (unless paper forms
/// wait to be resolved: it stays open, taking no more answers).
async fn catch_up_in(conn: &mut AnyConnection, row: &mut Row, now: i64) -> Result<(), E> {
    if row.status == SurveyPhase::Scheduled && now >= row.opens_at {
        open_in(conn, row, now).await?;
    }
    if row.status == SurveyPhase::Open && now >= row.closes_at {
        match close_in(conn, row, now, None).await {
            Ok(_) | Err(E::Disputes { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// What one pass of the scheduler did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    pub opened: usize,
    pub closed: usize,
    /// Past their close but held open by paper forms to resolve.
    pub held: usize,
}

/// One pass: opens and closes whatever is due at `now`, each in its own transaction. All state is
/// in the database: a restarted server catches up, and two passes at once do each step once.
pub async fn tick(db: &Db, now: i64) -> Result<TickReport, E> {
    let due: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM surveys WHERE (status = 'scheduled' AND opens_at <= $1) OR (status = 'open' AND closes_at <= $1) ORDER BY id")
            .bind(now)
            .fetch_all(db.pool())
            .await?;
    let mut report = TickReport::default();
    for id in due {
        let mut tx = db.begin_write().await?;
        let Some(mut row) = load(&mut tx, id).await? else { continue };
        let before = row.status;
        catch_up_in(&mut tx, &mut row, now).await?;
        tx.commit().await?;
        if before == SurveyPhase::Scheduled && row.status != SurveyPhase::Scheduled {
            report.opened += 1;
        }
        match row.status {
            SurveyPhase::Closed if before != SurveyPhase::Closed => report.closed += 1,
            SurveyPhase::Open if now >= row.closes_at => report.held += 1,
            _ => {}
        }
    }
    Ok(report)
}

/// Whether answers are taken at `now`.
fn require_open(row: &Row, now: i64) -> Result<(), E> {
    if now < row.opens_at {
        Err(E::NotOpenYet)
    } else if now >= row.closes_at || row.status == SurveyPhase::Closed {
        Err(E::Closed)
    } else {
        Ok(())
    }
}

async fn store_response(conn: &mut AnyConnection, row: &Row, unit: i64, answers: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO survey_responses (survey_id, respondent_key, answers) VALUES ($1, $2, $3) \
         ON CONFLICT (survey_id, respondent_key) DO UPDATE SET answers = excluded.answers",
    )
    .bind(row.id)
    .bind(answer_key(row.secret.as_deref(), unit))
    .bind(answers)
    .execute(conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading

/// The 调研 list of the viewer's community (or the one a worker names): open surveys first
/// (closing soonest first), then — for workers — those not open yet, then the closed ones.
pub async fn list(db: &Db, p: &Principal, requested: Option<i64>) -> Result<SurveyList, E> {
    let mut conn = db.pool().acquire().await?;
    let (subject, _) = acting_for(&mut conn, p).await?;
    let community = home_community(&mut conn, p, subject, requested).await?;
    let worker = is_worker(&mut conn, p, community).await?;
    let rows: Vec<(i64, String, String, String, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, title, purpose, status, opens_at, closes_at, electorate_id FROM surveys WHERE community_id = $1 \
         ORDER BY closes_at DESC, id DESC LIMIT 200",
    )
    .bind(community)
    .fetch_all(&mut *conn)
    .await?;
    let frozen: Vec<(i64, i64)> = rows.iter().filter_map(|r| r.6.map(|e| (r.0, e))).collect();
    let answered = electorate::answered_by(&mut conn, subject, community, now_ms(), &frozen).await?;
    let answered_in = |id: i64| frozen.iter().position(|f| f.0 == id).and_then(|i| answered[i]);
    let mut list = SurveyList { community_id: community, open: Vec::new(), scheduled: Vec::new(), closed: Vec::new(), is_worker: worker };
    for (id, title, purpose, status, opens_at, closes_at, _) in rows {
        let phase = SurveyPhase::stored(&status)?;
        let card = SurveyCard { id, title, purpose: Purpose::stored(&purpose)?, phase, opens_at, closes_at, answered: answered_in(id) };
        match phase {
            SurveyPhase::Open => list.open.push(card),
            SurveyPhase::Scheduled if worker => list.scheduled.push(card),
            SurveyPhase::Scheduled => {}
            SurveyPhase::Closed => list.closed.push(card),
        }
    }
    list.open.reverse();
    list.scheduled.reverse();
    Ok(list)
}

/// What the survey builder offers a worker of the community (or the one they name).
pub async fn form(db: &Db, p: &Principal, requested: Option<i64>) -> Result<SurveyForm, E> {
    let mut conn = db.pool().acquire().await?;
    let community = worker_community(&mut conn, p, requested).await?;
    let buildings: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM buildings WHERE community_id = $1 ORDER BY name").bind(community).fetch_all(&mut *conn).await?;
    let needs = crate::needs::public::open_needs(&mut conn, community, 100).await?;
    Ok(SurveyForm { community_id: community, buildings, needs })
}

/// The worker's paper desk: every unit asked and where its paper form stands, the questions, the
/// forms keyed differently twice.
pub async fn desk(db: &Db, p: &Principal, id: i64) -> Result<SurveyDesk, E> {
    let mut conn = db.pool().acquire().await?;
    let (row, acc) = access(&mut conn, p, id).await?;
    require_worker(&acc)?;
    let questions = questions(&mut conn, id).await?;
    let (units, disputes) = match row.frozen {
        None => (Vec::new(), Vec::new()),
        Some(e) => {
            let disputes = disputes_in(&mut conn, e).await?;
            let disputed: Vec<i64> = disputes.iter().map(|d| d.unit_id).collect();
            let units = electorate::desk_units(&mut conn, e)
                .await?
                .into_iter()
                .map(|(unit_id, label, channel, keyed_by)| {
                    let state = match channel {
                        None => PaperState::Open,
                        Some(Channel::App) => PaperState::Online,
                        Some(Channel::Paper) if disputed.contains(&unit_id) => PaperState::Disputed,
                        Some(Channel::Paper) if row.double_entry && keyed_by.len() == 1 => PaperState::AwaitingSecond { by_me: keyed_by[0] == p.user_id },
                        Some(Channel::Paper) => PaperState::Counted,
                    };
                    DeskUnit { unit_id, label, state }
                })
                .collect();
            (units, disputes)
        }
    };
    let responses: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1").bind(id).fetch_one(&mut *conn).await?;
    Ok(SurveyDesk { id, title: row.title, phase: row.status, double_entry: row.double_entry, closes_at: row.closes_at, questions, units, disputes, responses })
}

/// A survey as its page shows it.
pub async fn detail(db: &Db, p: &Principal, id: i64) -> Result<SurveyView, E> {
    // Reading writes nothing: the scheduler opens and closes.
    let mut conn = db.pool().acquire().await?;
    let (row, acc) = access(&mut conn, p, id).await?;
    let qs = questions(&mut conn, id).await?;
    let now = now_ms();
    let (size, responses, units) = match row.frozen {
        Some(e) => (
            Some(electorate::units(&mut conn, e).await?.len() as i64),
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1").bind(id).fetch_one(&mut *conn).await?,
            electorate::castable(&mut conn, e, row.community, acc.subject, now).await?,
        ),
        None => (None, 0, Vec::new()),
    };
    let open = row.status == SurveyPhase::Open && require_open(&row, now).is_ok();
    // An anonymous survey's answers cannot be found any more once its secret is erased (closed).
    let mine = match units.first() {
        Some(unit) if !(row.anonymous && row.secret.is_none()) => {
            let stored: Option<String> = sqlx::query_scalar("SELECT answers FROM survey_responses WHERE survey_id = $1 AND respondent_key = $2")
                .bind(id)
                .bind(answer_key(row.secret.as_deref(), *unit))
                .fetch_optional(&mut *conn)
                .await?;
            stored.and_then(|s| decode(&s))
        }
        _ => None,
    };
    Ok(SurveyView {
        id,
        title: row.title.clone(),
        intro: row.intro.clone(),
        purpose: row.purpose,
        phase: row.status,
        unit: row.unit,
        anonymous: row.anonymous,
        double_entry: row.double_entry,
        opens_at: row.opens_at,
        closes_at: row.closes_at,
        questions: qs,
        electorate_size: size,
        responses,
        can_answer: open && !units.is_empty(),
        mine,
        is_worker: acc.worker,
        needs: sqlx::query_as("SELECT n.id, n.title FROM survey_needs l JOIN needs n ON n.id = l.need_id WHERE l.survey_id = $1 ORDER BY n.id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?,
    })
}

/// A closed acceptance round's share satisfied, in tenths of a percent (None: not closed, or not
/// an acceptance round).
pub async fn satisfied_permille(conn: &mut AnyConnection, id: i64) -> Result<Option<i64>, sqlx::Error> {
    let stored: Option<Option<String>> = sqlx::query_scalar("SELECT result FROM surveys WHERE id = $1").bind(id).fetch_optional(conn).await?;
    let result: Option<SurveyResult> = stored.flatten().and_then(|s| serde_json::from_str(&s).ok());
    Ok(result.and_then(|r| r.acceptance).map(|a| permille(a.satisfied, a.raters)))
}

/// The results: workers at any time (live while open); residents of the community once closed,
/// with only the text answers a worker showed (`review_text`).
pub async fn results_of(db: &Db, p: &Principal, id: i64) -> Result<SurveyResult, E> {
    let mut conn = db.pool().acquire().await?;
    let (row, acc) = access(&mut conn, p, id).await?;
    let stored: Option<String> = sqlx::query_scalar("SELECT result FROM surveys WHERE id = $1").bind(id).fetch_one(&mut *conn).await?;
    let mut result = match stored {
        Some(s) => serde_json::from_str(&s).map_err(|_| CommonError::Internal)?,
        None if acc.worker => compute(&mut conn, &row, None).await?,
        None => return Err(E::NotOpenYet),
    };
    if !acc.worker {
        let qs = questions(&mut conn, id).await?;
        for (q, shown) in result.questions.iter_mut().zip(shown_texts(&mut conn, id, &qs).await?) {
            q.texts = shown;
        }
    }
    Ok(result)
}

// ---------------------------------------------------------------------------------------------
// Answering

/// A resident (or a worker acting for one) answers, or changes their answer, for their unit. The
/// turnout row is written first: concurrent answers of one unit queue on it, and the last to
/// commit is the one stored.
pub async fn respond(db: &Db, p: &Principal, id: i64, answers: &[Answer]) -> Result<Receipt, E> {
    let mut tx = db.begin_write().await?;
    let (mut row, acc) = access(&mut tx, p, id).await?;
    let now = now_ms();
    catch_up_in(&mut tx, &mut row, now).await?;
    if let Err(e) = require_open(&row, now) {
        // What the catch-up did stands: it is the clock's.
        tx.commit().await?;
        return Err(e);
    }
    let frozen = row.frozen.ok_or(CommonError::Internal)?;
    let unit = *electorate::castable(&mut tx, frozen, row.community, acc.subject, now).await?.first().ok_or(E::NotEligible)?;
    let qs = questions(&mut tx, id).await?;
    let answers = validate(&qs, answers).map_err(E::Answers)?;
    let version = electorate::record_app(&mut tx, frozen, unit, acc.subject, acc.on_behalf_of.map(|_| p.user_id), now).await?.ok_or(E::AnsweredOnPaper)?;
    store_response(&mut tx, &row, unit, &encode(&answers)).await?;
    tx.commit().await?;
    Ok(Receipt { unit_id: unit, version })
}

/// A worker keys in a unit's paper form. Without double entry it counts at once (once per unit);
/// with it, it counts when a second worker keys the same.
pub async fn paper(db: &Db, p: &Principal, id: i64, unit: i64, answers: &[Answer]) -> Result<Keying, E> {
    let mut tx = db.begin_write().await?;
    let (mut row, acc) = access(&mut tx, p, id).await?;
    require_worker(&acc)?;
    let now = now_ms();
    catch_up_in(&mut tx, &mut row, now).await?;
    if let Err(e) = require_open(&row, now) {
        tx.commit().await?;
        return Err(e);
    }
    let frozen = row.frozen.ok_or(CommonError::Internal)?;
    let qs = questions(&mut tx, id).await?;
    let encoded = encode(&validate(&qs, answers).map_err(E::Answers)?);
    // Anonymous surveys keep no paper content beside the turnout (the answers go under the key).
    let keying = if row.double_entry {
        match electorate::key_twice(&mut tx, frozen, unit, p.user_id, &encoded, now).await?.map_err(refusal)? {
            Keyed::AwaitingSecond => Keying::AwaitingSecond,
            Keyed::Mismatch => Keying::Mismatch,
            Keyed::Counted(content) => {
                store_response(&mut tx, &row, unit, &content).await?;
                Keying::Counted
            }
        }
    } else {
        electorate::record_paper(&mut tx, frozen, unit, p.user_id, (!row.anonymous).then_some(encoded.as_str()), None, now).await?.map_err(refusal)?;
        store_response(&mut tx, &row, unit, &encoded).await?;
        Keying::Counted
    };
    events::append(
        &mut tx,
        &event(&row, "survey.paper_keyed", Some(p.user_id), false, serde_json::json!({ "unit_id": unit, "keying": format!("{keying:?}") })),
    )
    .await?;
    tx.commit().await?;
    Ok(keying)
}

/// A third worker reads a form whose two keyings differ: their reading counts.
pub async fn resolve(db: &Db, p: &Principal, id: i64, unit: i64, answers: &[Answer]) -> Result<(), E> {
    let mut tx = db.begin_write().await?;
    let (row, acc) = access(&mut tx, p, id).await?;
    require_worker(&acc)?;
    if row.status != SurveyPhase::Open {
        return Err(E::Closed);
    }
    let frozen = row.frozen.ok_or(CommonError::Internal)?;
    let qs = questions(&mut tx, id).await?;
    let encoded = encode(&validate(&qs, answers).map_err(E::Answers)?);
    electorate::resolve(&mut tx, frozen, unit, p.user_id, &encoded, now_ms()).await?.map_err(refusal)?;
    store_response(&mut tx, &row, unit, &encoded).await?;
    events::append(&mut tx, &event(&row, "survey.paper_resolved", Some(p.user_id), false, serde_json::json!({ "unit_id": unit }))).await?;
    tx.commit().await?;
    Ok(())
}

/// The forms keyed differently twice, for a third worker.
pub async fn disputes(db: &Db, p: &Principal, id: i64) -> Result<Vec<DisputeView>, E> {
    let mut conn = db.pool().acquire().await?;
    let (row, acc) = access(&mut conn, p, id).await?;
    require_worker(&acc)?;
    let Some(frozen) = row.frozen else { return Ok(Vec::new()) };
    disputes_in(&mut conn, frozen).await
}

async fn disputes_in(conn: &mut AnyConnection, frozen: i64) -> Result<Vec<DisputeView>, E> {
    Ok(electorate::disputes(conn, frozen)
        .await?
        .into_iter()
        .map(|d| DisputeView { unit_id: d.unit_id, label: d.label, keyings: d.keyings.into_iter().map(|(by, c)| (by, decode(&c))).collect() })
        .collect())
}

/// A worker closes the survey now (before its end), once nothing waits to be resolved.
pub async fn close_now(db: &Db, p: &Principal, id: i64) -> Result<SurveyResult, E> {
    let mut tx = db.begin_write().await?;
    let (mut row, acc) = access(&mut tx, p, id).await?;
    require_worker(&acc)?;
    if row.status == SurveyPhase::Closed {
        return Err(E::Closed);
    }
    let result = close_in(&mut tx, &mut row, now_ms(), Some(p.user_id)).await?.ok_or(E::Closed)?;
    tx.commit().await?;
    Ok(result)
}

fn refusal(r: PaperRefusal) -> E {
    match r {
        PaperRefusal::NotInElectorate => E::NotEligible,
        PaperRefusal::AnsweredOnline => E::AnsweredOnline,
        PaperRefusal::AlreadyOnPaper | PaperRefusal::NothingToCorrect => E::AlreadyKeyed,
        PaperRefusal::SameWorker => E::SameWorker,
        PaperRefusal::NotInDispute => E::NotInDispute,
    }
}

// ---------------------------------------------------------------------------------------------
// Text answers: reviewed by a worker before residents see them; a need raised from one

/// The texts answered: (response key, question, text), in the order of the keys.
async fn answered_texts(conn: &mut AnyConnection, id: i64, qs: &[Question]) -> Result<Vec<(String, usize, String)>, sqlx::Error> {
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT respondent_key, answers FROM survey_responses WHERE survey_id = $1 ORDER BY respondent_key").bind(id).fetch_all(conn).await?;
    let mut out = Vec::new();
    for (key, answers) in stored {
        for (i, (q, a)) in qs.iter().zip(decode(&answers).unwrap_or_default()).enumerate() {
            if let (QuestionKind::Text, Answer::Text(t)) = (q.kind, a)
                && !t.is_empty()
            {
                out.push((key.clone(), i, t));
            }
        }
    }
    Ok(out)
}

/// The current text of question `question` of the response `key` (not found: no such text).
async fn text_of(conn: &mut AnyConnection, id: i64, qs: &[Question], key: &str, question: usize) -> Result<String, E> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT answers FROM survey_responses WHERE survey_id = $1 AND respondent_key = $2").bind(id).bind(key).fetch_optional(conn).await?;
    match (qs.get(question).map(|q| q.kind), stored.and_then(|s| decode(&s)).and_then(|a| a.into_iter().nth(question))) {
        (Some(QuestionKind::Text), Some(Answer::Text(t))) if !t.is_empty() => Ok(t),
        _ => Err(CommonError::NotFound.into()),
    }
}

/// What a worker made of one text answer: the text as reviewed, shown or not (None: not decided),
/// the need raised from it (id, title).
struct Review {
    text: String,
    shown: Option<bool>,
    need: Option<(i64, String)>,
}

/// Where an answer's `text` as it stands is: a decision holds only for the text it was made on.
fn review_state(r: Option<&Review>, text: &str) -> TextReview {
    match r {
        Some(Review { text: reviewed, shown: Some(true), .. }) if reviewed == text => TextReview::Shown,
        Some(Review { text: reviewed, shown: Some(false), .. }) if reviewed == text => TextReview::Hidden,
        _ => TextReview::Pending,
    }
}

/// The reviews of a survey's texts by (response key, question).
async fn reviews(conn: &mut AnyConnection, id: i64) -> Result<std::collections::HashMap<(String, usize), Review>, sqlx::Error> {
    let rows: Vec<(String, i64, String, Option<i64>, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT r.respondent_key, r.idx, r.text, r.shown, r.need_id, n.title FROM survey_text_reviews r LEFT JOIN needs n ON n.id = r.need_id \
         WHERE r.survey_id = $1",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(key, idx, text, shown, need, title)| ((key, idx as usize), Review { text, shown: shown.map(|s| s == 1), need: need.zip(title) }))
        .collect())
}

/// The units of a named survey by their response key: (label, how they answered). None for an
/// anonymous survey, whose keys name nobody.
async fn named_units(conn: &mut AnyConnection, row: &Row) -> Result<std::collections::HashMap<String, (String, Option<Channel>)>, sqlx::Error> {
    let mut units = std::collections::HashMap::new();
    if let (false, Some(frozen)) = (row.anonymous, row.frozen) {
        for (unit, label, channel, _) in electorate::desk_units(conn, frozen).await? {
            units.insert(unit.to_string(), (label, channel));
        }
    }
    Ok(units)
}

/// The texts residents may read: those a worker showed, as long as their respondent has not
/// changed them since, per question.
async fn shown_texts(conn: &mut AnyConnection, id: i64, qs: &[Question]) -> Result<Vec<Vec<String>>, sqlx::Error> {
    let reviewed = reviews(&mut *conn, id).await?;
    let mut out = vec![Vec::new(); qs.len()];
    for (key, q, text) in answered_texts(conn, id, qs).await? {
        if review_state(reviewed.get(&(key, q)), &text) == TextReview::Shown {
            out[q].push(text);
        }
    }
    Ok(out)
}

/// A worker's list of the text answers with their review, and the categories a need raised from
/// one may take.
pub async fn texts(db: &Db, p: &Principal, id: i64) -> Result<SurveyTexts, E> {
    let mut conn = db.pool().acquire().await?;
    let (row, acc) = access(&mut conn, p, id).await?;
    require_worker(&acc)?;
    let qs = questions(&mut conn, id).await?;
    let reviewed = reviews(&mut conn, id).await?;
    let units = named_units(&mut conn, &row).await?;
    let texts = answered_texts(&mut conn, id, &qs)
        .await?
        .into_iter()
        .map(|(key, question, text)| {
            let r = reviewed.get(&(key.clone(), question));
            TextAnswer {
                review: review_state(r, &text),
                need: r.and_then(|r| r.need.clone()),
                who: units.get(&key).map(|(label, _)| label.clone()),
                key,
                question,
                text,
            }
        })
        .collect();
    Ok(SurveyTexts { anonymous: row.anonymous, texts, categories: crate::needs::public::categories(&mut conn, row.community).await? })
}

/// A worker shows a text answer to the residents with the results, or keeps it from them.
pub async fn review_text(db: &Db, p: &Principal, id: i64, key: &str, question: usize, shown: bool) -> Result<(), E> {
    let mut tx = db.begin_write().await?;
    let (row, acc) = access(&mut tx, p, id).await?;
    require_worker(&acc)?;
    let qs = questions(&mut tx, id).await?;
    let text = text_of(&mut tx, id, &qs, key, question).await?;
    sqlx::query(
        "INSERT INTO survey_text_reviews (survey_id, respondent_key, idx, text, shown, by_user_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (survey_id, respondent_key, idx) DO UPDATE SET text = excluded.text, shown = excluded.shown, by_user_id = excluded.by_user_id, at = excluded.at",
    )
    .bind(id)
    .bind(key)
    .bind(question as i64)
    .bind(&text)
    .bind(i64::from(shown))
    .bind(p.user_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    events::append(&mut tx, &event(&row, "survey.text_reviewed", Some(p.user_id), false, serde_json::json!({ "question": question, "shown": shown }))).await?;
    tx.commit().await?;
    Ok(())
}

/// A worker raises a need from a text answer for its respondent (代办): the text is the need's
/// description, `n` gives its title and category; the survey then informs the need. Named
/// surveys only (an anonymous one knows no respondent); the respondent is whoever answered in the
/// app, or for a paper form the unit's first verified resident with an account. Raising it again
/// gives the same need.
pub async fn raise_need(db: &Db, p: &Principal, id: i64, key: &str, question: usize, n: &crate::needs::store::NewNeed) -> Result<i64, E> {
    let mut tx = db.begin_write().await?;
    let (row, acc) = access(&mut tx, p, id).await?;
    require_worker(&acc)?;
    if row.anonymous {
        return Err(E::NoRespondent { anonymous: true });
    }
    let qs = questions(&mut tx, id).await?;
    let text = text_of(&mut tx, id, &qs, key, question).await?;
    let raised: Option<Option<i64>> = sqlx::query_scalar("SELECT need_id FROM survey_text_reviews WHERE survey_id = $1 AND respondent_key = $2 AND idx = $3")
        .bind(id)
        .bind(key)
        .bind(question as i64)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(Some(need)) = raised {
        return Ok(need);
    }
    let frozen = row.frozen.ok_or(CommonError::NotFound)?;
    let unit: i64 = key.parse().map_err(|_| CommonError::NotFound)?;
    let turnout: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT channel, cast_by_user_id FROM electorate_turnout WHERE electorate_id = $1 AND unit_id = $2")
            .bind(frozen)
            .bind(unit)
            .fetch_optional(&mut *tx)
            .await?;
    let (channel, respondent) = match turnout {
        Some((c, Some(by))) if c == "app" => ("app", Some(by)),
        _ => (
            "paper",
            sqlx::query_scalar::<_, Option<i64>>(
                "SELECT MIN(v.user_id) FROM electorate_voters v JOIN memberships m ON m.user_id = v.user_id AND m.community_id = $3 \
                 AND m.role = 'resident' AND m.verified = 1 WHERE v.electorate_id = $1 AND v.unit_id = $2",
            )
            .bind(frozen)
            .bind(unit)
            .bind(row.community)
            .fetch_one(&mut *tx)
            .await?,
        ),
    };
    let respondent = respondent.ok_or(E::NoRespondent { anonymous: false })?;
    let n = crate::needs::store::NewNeed { body: text.clone(), ..n.clone() };
    let need = crate::needs::public::submit_for(&mut tx, p, respondent, row.community, &n, channel).await?;
    sqlx::query("INSERT INTO survey_needs (survey_id, need_id) VALUES ($1, $2) ON CONFLICT DO NOTHING").bind(id).bind(need).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO survey_text_reviews (survey_id, respondent_key, idx, text, need_id, by_user_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (survey_id, respondent_key, idx) DO UPDATE SET need_id = excluded.need_id",
    )
    .bind(id)
    .bind(key)
    .bind(question as i64)
    .bind(&text)
    .bind(need)
    .bind(p.user_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    events::append(&mut tx, &event(&row, "survey.text_to_need", Some(p.user_id), false, serde_json::json!({ "question": question, "need_id": need }))).await?;
    tx.commit().await?;
    Ok(need)
}

// ---------------------------------------------------------------------------------------------
// Export

/// A worker's spreadsheet of a survey's responses (`kernel::csv`): one line per counted response,
/// one column per question — choices by their labels, stars as a number, texts as written. A
/// named survey says whose response each is and through which channel; an anonymous one says
/// nobody's (its lines come in the order of their keys, which tells nothing).
pub async fn export(db: &Db, p: &Principal, id: i64, encoding: crate::kernel::csv::Encoding) -> Result<Vec<u8>, E> {
    let mut conn = db.pool().acquire().await?;
    let (row, acc) = access(&mut conn, p, id).await?;
    require_worker(&acc)?;
    let qs = questions(&mut conn, id).await?;
    let stored: Vec<(String, String)> = sqlx::query_as("SELECT respondent_key, answers FROM survey_responses WHERE survey_id = $1 ORDER BY respondent_key")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    let units = named_units(&mut conn, &row).await?;
    let mut header: Vec<String> = vec!["序号".into()];
    if !row.anonymous {
        header.extend(["答卷人".to_string(), "渠道".to_string()]);
    }
    header.extend(qs.iter().enumerate().map(|(i, q)| format!("{}. {}", i + 1, q.prompt)));
    let mut csv = crate::kernel::csv::Csv::new(&header);
    for (n, (key, answers)) in stored.iter().enumerate() {
        let Some(answers) = decode(answers) else { continue };
        let mut line = vec![(n + 1).to_string()];
        if !row.anonymous {
            let (label, channel) = units.get(key).cloned().unwrap_or_default();
            let channel = match channel {
                Some(Channel::Paper) => "纸质",
                Some(Channel::App) => "手机",
                None => "",
            };
            line.extend([label, channel.to_string()]);
        }
        line.extend(qs.iter().zip(&answers).map(|(q, a)| match a {
            Answer::Skipped => String::new(),
            Answer::Choice(c) => c.iter().filter_map(|o| q.options.get(*o as usize).cloned()).collect::<Vec<_>>().join("；"),
            Answer::Stars(s) => s.to_string(),
            Answer::Text(t) => t.clone(),
        }));
        csv.line(&line);
    }
    Ok(csv.encoded(encoding))
}
