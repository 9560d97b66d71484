//! The SQL of deliberation. Every function starts from the principal and finds the community from
//! the database (the deliberation's row, the user's memberships), never from the request; a
//! deliberation of another community answers "not found".
use super::error::{DelibError, Field};
use super::model::*;
use super::notices::DelibNotice;
use super::tally::{self, Ballot, Choice, Voter};
use super::types::*;
use crate::infra::db::{Db, now_ms};
use crate::infra::events::{self, NewEvent};
use crate::kernel::electorate::{self, PaperRefusal, answer_key};
use crate::kernel::error::CommonError;
use crate::kernel::guard::{Principal, acting_for, home_community, is_worker, standing, worker_community};
use crate::kernel::text::checked;
use crate::notifications::send as notifications;
use sqlx::AnyConnection;

/// The facts of a deliberation that decide who may do what with it.
#[derive(Debug, Clone)]
struct Row {
    id: i64,
    community: i64,
    title: String,
    kind: Kind,
    max_choices: u32,
    unit: VoteUnit,
    electorate: Electorate,
    rule: RuleKind,
    quorum_pct: Option<u32>,
    secret: bool,
    status: Phase,
    opens_at: i64,
    closes_at: i64,
    options: Vec<String>,
    ballot_secret: Option<String>,
    /// The frozen electorate (kernel), once voting opened.
    frozen: Option<i64>,
}

type RowTuple = (i64, i64, String, String, i64, String, String, String, Option<i64>, i64, String, i64, i64, Option<String>, Option<i64>);

async fn load(conn: &mut AnyConnection, id: i64) -> Result<Option<Row>, sqlx::Error> {
    let row: Option<RowTuple> = sqlx::query_as(
        "SELECT id, community_id, title, kind, max_choices, vote_unit, electorate, rule, quorum_pct, secret, status, opens_at, closes_at, ballot_secret, \
         electorate_id FROM deliberations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, community, title, kind, max_choices, unit, electorate, rule, quorum, secret, status, opens_at, closes_at, ballot_secret, frozen)) = row
    else {
        return Ok(None);
    };
    let options: Vec<String> =
        sqlx::query_scalar("SELECT label FROM deliberation_options WHERE deliberation_id = $1 ORDER BY idx").bind(id).fetch_all(&mut *conn).await?;
    Ok(Some(Row {
        id,
        community,
        title,
        kind: Kind::stored(&kind)?,
        max_choices: max_choices as u32,
        unit: VoteUnit::stored(&unit)?,
        electorate: Electorate::stored(&electorate)?,
        rule: RuleKind::stored(&rule)?,
        quorum_pct: quorum.map(|q| q as u32),
        secret: secret == 1,
        status: Phase::stored(&status)?,
        opens_at,
        closes_at,
        options,
        ballot_secret,
        frozen,
    }))
}

/// The asker's relation to a deliberation.
struct Access {
    subject: i64,
    on_behalf_of: Option<i64>,
    worker: bool,
    verified: bool,
}

/// The deliberation if the asker belongs to its community (any role) or works there; anyone
/// else: not found.
async fn access(conn: &mut AnyConnection, p: &Principal, id: i64) -> Result<(Row, Access), DelibError> {
    let row = load(conn, id).await?.ok_or(CommonError::NotFound)?;
    let (subject, on_behalf_of) = acting_for(conn, p).await?;
    let worker = is_worker(conn, p, row.community).await?;
    let s = standing(conn, subject, row.community).await?;
    if !(worker || s.member) {
        return Err(CommonError::NotFound.into());
    }
    Ok((row, Access { subject, on_behalf_of, worker, verified: s.verified }))
}

fn require_worker(a: &Access) -> Result<(), DelibError> {
    if a.worker { Ok(()) } else { Err(CommonError::Forbidden.into()) }
}

fn event<'a>(row: &Row, kind: &'a str, actor: Option<i64>, on_behalf_of: Option<i64>, official: bool, payload: serde_json::Value) -> NewEvent<'a> {
    NewEvent {
        community_id: Some(row.community),
        kind,
        subject_type: "deliberation",
        subject_id: Some(row.id),
        actor_user_id: actor,
        on_behalf_of_user_id: on_behalf_of,
        official,
        payload,
    }
}

/// Notifies the voters (`only_not_voted`: those of the snapshot whose unit has not voted), and
/// for everything but the reminder whoever cast a ballot (a household member verified during the
/// vote). Nobody before voting opened.
async fn notify_voters(conn: &mut AnyConnection, row: &Row, n: &DelibNotice, only_not_voted: bool) -> Result<(), sqlx::Error> {
    let Some(frozen) = row.frozen else { return Ok(()) };
    notifications::send_to_each(conn, row.community, row.id, n, |sql| electorate::recipients(sql, frozen, only_not_voted)).await
}

// ---------------------------------------------------------------------------------------------
// The clock: opening (the snapshot), the reminder, closing (the tally)

/// Opens voting: freezes the electorate into the snapshot and tells the voters. Does nothing if
/// another transaction already did.
async fn open_in(conn: &mut AnyConnection, row: &mut Row, now: i64) -> Result<(), DelibError> {
    let secret = row.secret.then(electorate::new_secret);
    let moved = sqlx::query("UPDATE deliberations SET status = 'voting', opened_at = $1, ballot_secret = $2 WHERE id = $3 AND status = 'discussion'")
        .bind(now)
        .bind(secret.as_deref())
        .bind(row.id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if moved != 1 {
        *row = load(conn, row.id).await?.ok_or(CommonError::NotFound)?;
        return Ok(());
    }
    let buildings: Vec<i64> = if row.electorate == Electorate::Community {
        Vec::new()
    } else {
        sqlx::query_scalar("SELECT building_id FROM deliberation_buildings WHERE deliberation_id = $1 ORDER BY building_id")
            .bind(row.id)
            .fetch_all(&mut *conn)
            .await?
    };
    let frozen = electorate::freeze(conn, row.community, row.unit, &buildings, now).await?;
    let (size, area, homes) = (frozen.size, frozen.area, frozen.homes);
    sqlx::query("UPDATE deliberations SET electorate_id = $1, electorate_size = $2, electorate_area = $3, electorate_homes = $4 WHERE id = $5")
        .bind(frozen.id)
        .bind(size)
        .bind(area)
        .bind(homes)
        .bind(row.id)
        .execute(&mut *conn)
        .await?;
    row.frozen = Some(frozen.id);
    row.status = Phase::Voting;
    row.ballot_secret = secret;
    notify_voters(conn, row, &DelibNotice::Open { title: row.title.clone(), closes_at: row.closes_at }, false).await?;
    events::append(
        conn,
        &event(
            row,
            "deliberation.voting_opened",
            None,
            None,
            false,
            serde_json::json!({ "electorate_size": size, "electorate_area": area, "electorate_homes": homes }),
        ),
    )
    .await?;
    Ok(())
}

/// The units of the snapshot whose vote `user` may cast (the kernel's rule: those the snapshot
/// named them for, and the households / owned homes they are now a verified adult / owner member of).
async fn castable_units(conn: &mut AnyConnection, row: &Row, user: i64, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    match row.frozen {
        Some(e) => electorate::castable(conn, e, row.community, user, now).await,
        None => Ok(Vec::new()),
    }
}

/// The snapshot and the counted ballots, as the tally takes them.
async fn counted(conn: &mut AnyConnection, row: &Row) -> Result<(Vec<Voter>, Vec<(i64, String)>), sqlx::Error> {
    let units = match row.frozen {
        Some(e) => electorate::units(conn, e).await?,
        None => Vec::new(),
    };
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT voter_key, choice FROM ballots WHERE deliberation_id = $1").bind(row.id).fetch_all(&mut *conn).await?;
    let keys: std::collections::HashMap<String, i64> = units.iter().map(|&(u, _)| (answer_key(row.ballot_secret.as_deref(), u), u)).collect();
    // A key that matches no unit of the snapshot still reaches the tally (as voter -1), which
    // reports it as rejected rather than silently dropping it.
    let ballots = stored.into_iter().map(|(k, c)| (keys.get(&k).copied().unwrap_or(-1), c)).collect();
    Ok((units.into_iter().map(|(id, area)| Voter { id, area }).collect(), ballots))
}

/// The result from the snapshot and the ballots, by the one tally function.
fn result_of(row: &Row, voters: &[Voter], ballots: &[(i64, String)], paper: i64, now: i64, early: bool) -> DelibResult {
    let rule = row.rule.rule(row.quorum_pct);
    let n = row.options.len() as u32;
    let parsed: Vec<(i64, Option<Vote>)> = ballots.iter().map(|(v, c)| (*v, Vote::parse(c, row.kind, n, row.max_choices))).collect();
    let motions = match row.kind {
        Kind::YesNo => {
            let b: Vec<Ballot> = parsed
                .iter()
                .map(|(voter, v)| Ballot {
                    // An unreadable ballot (none can be stored, but the tally never guesses) counts as the voter's abstention.
                    voter: *voter,
                    choice: match v {
                        Some(Vote::Yes) => Choice::Yes,
                        Some(Vote::No) => Choice::No,
                        _ => Choice::Abstain,
                    },
                })
                .collect();
            vec![Motion { label: row.title.clone(), tally: tally::tally(voters, &b, rule) }]
        }
        Kind::Choice => {
            let b: Vec<(i64, Vec<u32>)> = parsed
                .into_iter()
                .map(|(voter, v)| {
                    (
                        voter,
                        match v {
                            Some(Vote::Options(o)) => o,
                            _ => Vec::new(),
                        },
                    )
                })
                .collect();
            tally::tally_options(voters, &b, n, rule).into_iter().zip(&row.options).map(|(tally, label)| Motion { label: label.clone(), tally }).collect()
        }
    };
    let first = &motions[0].tally;
    DelibResult {
        rule: row.rule,
        quorum_pct: row.quorum_pct,
        electorate: first.electorate,
        participants: first.participants,
        paper_ballots: paper,
        closed_at: now,
        early,
        motions,
    }
}

/// Closes the vote: tallies, stores the result, erases the secret, appends the official event
/// and tells the voters — all in the caller's transaction. Returns the result, or None if another
/// transaction closed it first.
async fn close_in(
    conn: &mut AnyConnection,
    row: &mut Row,
    now: i64,
    by: Option<(i64, Option<i64>)>,
    reason: Option<&str>,
) -> Result<Option<DelibResult>, DelibError> {
    if row.status == Phase::Discussion {
        open_in(conn, row, now).await?;
    }
    let (voters, ballots) = counted(conn, row).await?;
    let paper = electorate::turnout(conn, row.frozen.ok_or(CommonError::Internal)?, Some(Channel::Paper)).await?;
    let result = result_of(row, &voters, &ballots, paper, now, by.is_some());
    let json = serde_json::to_string(&result).map_err(|_| CommonError::Internal)?;
    let moved = sqlx::query(
        "UPDATE deliberations SET status = 'closed', closed_at = $1, closed_by = $2, close_reason = $3, result = $4, ballot_secret = NULL \
         WHERE id = $5 AND status = 'voting'",
    )
    .bind(now)
    .bind(by.map(|b| b.0))
    .bind(reason)
    .bind(&json)
    .bind(row.id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if moved != 1 {
        return Ok(None);
    }
    row.status = Phase::Closed;
    row.ballot_secret = None;
    let passed: Vec<&str> = result.motions.iter().filter(|m| m.tally.passed).map(|m| m.label.as_str()).collect();
    let payload = serde_json::json!({ "title": row.title, "result": result, "reason": reason });
    events::append(conn, &event(row, "deliberation.result_published", by.map(|b| b.0), by.and_then(|b| b.1), true, payload)).await?;
    let n = DelibNotice::Result { title: row.title.clone(), passed: !passed.is_empty(), text: passed.join("、") };
    notify_voters(conn, row, &n, false).await?;
    Ok(Some(result))
}

/// Brings a deliberation's stored status up to the clock: opens it, closes it.
async fn catch_up_in(conn: &mut AnyConnection, row: &mut Row, now: i64) -> Result<(), DelibError> {
    if row.status == Phase::Discussion && now >= row.opens_at {
        open_in(conn, row, now).await?;
    }
    if row.status == Phase::Voting && now >= row.closes_at {
        close_in(conn, row, now, None, None).await?;
    }
    Ok(())
}

/// What one pass of the scheduler did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    pub opened: usize,
    pub reminded: usize,
    pub closed: usize,
}

/// One pass of the scheduler: opens, reminds and closes whatever is due at `now` (of `community`
/// only, if given). Everything it needs is in the database, so a restarted server catches up on
/// its first pass.
pub async fn tick(db: &Db, community: Option<i64>, now: i64) -> Result<TickReport, DelibError> {
    let mut report = TickReport::default();
    let due: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, status FROM deliberations WHERE ($1 = 0 OR community_id = $1) AND \
         ((status = 'discussion' AND opens_at <= $2) OR (status = 'voting' AND closes_at <= $2)) ORDER BY id",
    )
    .bind(community.unwrap_or(0))
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    for (id, before) in due {
        let mut tx = db.begin_write().await?;
        let Some(mut row) = load(&mut tx, id).await? else { continue };
        catch_up_in(&mut tx, &mut row, now).await?;
        tx.commit().await?;
        if before == "discussion" && row.status != Phase::Discussion {
            report.opened += 1;
        }
        if row.status == Phase::Closed {
            report.closed += 1;
        }
    }
    if community.is_none() {
        let remind: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM deliberations WHERE status = 'voting' AND reminded_at IS NULL AND closes_at - $1 <= $2 AND closes_at > $2")
                .bind(REMINDER_BEFORE_MS)
                .bind(now)
                .fetch_all(db.pool())
                .await?;
        for id in remind {
            let mut tx = db.begin_write().await?;
            let moved = sqlx::query("UPDATE deliberations SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL AND status = 'voting'")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if moved == 1 {
                let row = load(&mut tx, id).await?.ok_or(CommonError::NotFound)?;
                notify_voters(&mut tx, &row, &DelibNotice::Reminder { title: row.title.clone(), closes_at: row.closes_at }, true).await?;
                report.reminded += 1;
            }
            tx.commit().await?;
        }
    }
    Ok(report)
}

// ---------------------------------------------------------------------------------------------
// Creating

/// The community's buildings and open needs, for the worker's form.
pub async fn create_context(db: &Db, p: &Principal, requested: Option<i64>) -> Result<CreateContext, DelibError> {
    let mut conn = db.pool().acquire().await?;
    let community = worker_community(&mut conn, p, requested).await?;
    let buildings: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM buildings WHERE community_id = $1 ORDER BY name").bind(community).fetch_all(&mut *conn).await?;
    let needs = crate::needs::public::open_needs(&mut conn, community, 50).await?;
    Ok(CreateContext { community_id: community, buildings, needs })
}

/// A worker opens a deliberation in their community.
pub async fn create(db: &Db, p: &Principal, n: &NewDeliberation, requested: Option<i64>) -> Result<i64, DelibError> {
    let title = checked(&n.title, Field::Title, TITLE)?;
    let background = checked(&n.background, Field::Background, BACKGROUND)?;
    let options = n.options.iter().map(|o| checked(o, Field::Option, OPTION)).collect::<Result<Vec<_>, _>>()?;
    let mut buildings = n.building_ids.clone();
    buildings.sort_unstable();
    buildings.dedup();
    if n.electorate == Electorate::Community {
        buildings.clear();
    }
    let now = now_ms();
    check_settings(n.kind, options.len(), n.max_choices, n.electorate, buildings.len(), n.vote_unit, n.rule, n.quorum_pct, n.opens_at, n.closes_at, now)
        .map_err(DelibError::Settings)?;
    let mut tx = db.begin_write().await?;
    let community = worker_community(&mut tx, p, requested).await?;
    for b in &buildings {
        let ok: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM buildings WHERE id = $1 AND community_id = $2").bind(b).bind(community).fetch_one(&mut *tx).await?;
        if ok != 1 {
            return Err(DelibError::UnknownBuilding);
        }
    }
    if let Some(need) = n.need_id
        && !crate::needs::public::belongs_to(&mut tx, need, community).await?
    {
        return Err(DelibError::UnknownNeed);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO deliberations (community_id, need_id, title, background, kind, max_choices, electorate, vote_unit, rule, quorum_pct, secret, status, \
         created_by, created_at, opens_at, closes_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'discussion', $12, $13, $14, $15) RETURNING id",
    )
    .bind(community)
    .bind(n.need_id)
    .bind(&title)
    .bind(&background)
    .bind(n.kind.as_str())
    .bind(i64::from(n.max_choices))
    .bind(n.electorate.as_str())
    .bind(n.vote_unit.as_str())
    .bind(n.rule.as_str())
    .bind(n.quorum_pct.map(i64::from))
    .bind(i64::from(n.secret))
    .bind(p.user_id)
    .bind(now)
    .bind(n.opens_at.max(now))
    .bind(n.closes_at)
    .fetch_one(&mut *tx)
    .await?;
    for (i, label) in options.iter().enumerate() {
        sqlx::query("INSERT INTO deliberation_options (deliberation_id, idx, label) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(i as i64)
            .bind(label)
            .execute(&mut *tx)
            .await?;
    }
    for b in &buildings {
        sqlx::query("INSERT INTO deliberation_buildings (deliberation_id, building_id) VALUES ($1, $2)").bind(id).bind(b).execute(&mut *tx).await?;
    }
    let mut row = load(&mut tx, id).await?.ok_or(CommonError::NotFound)?;
    let payload = serde_json::json!({ "kind": n.kind.as_str(), "electorate": n.electorate.as_str(), "buildings": buildings, "vote_unit": n.vote_unit.as_str(),
        "rule": n.rule.as_str(), "quorum_pct": n.quorum_pct, "secret": n.secret, "opens_at": row.opens_at, "closes_at": row.closes_at, "need_id": n.need_id });
    events::append(&mut tx, &event(&row, "deliberation.created", Some(p.user_id), None, false, payload)).await?;
    catch_up_in(&mut tx, &mut row, now).await?;
    tx.commit().await?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Reading

fn outcome(result: &Option<String>) -> Option<String> {
    let r: DelibResult = serde_json::from_str(result.as_deref()?).ok()?;
    if r.motions.len() == 1 {
        return Some(if r.motions[0].tally.passed { "passed".into() } else { "failed".into() });
    }
    let passed: Vec<&str> = r.motions.iter().filter(|m| m.tally.passed).map(|m| m.label.as_str()).collect();
    Some(if passed.is_empty() { "failed".into() } else { passed.join("、") })
}

/// The deliberations of the viewer's community: open (discussion, voting) and past.
pub async fn list(db: &Db, p: &Principal, requested: Option<i64>) -> Result<DelibList, DelibError> {
    // Reading writes nothing: the scheduler and the ballot's own check open and close.
    let mut conn = db.pool().acquire().await?;
    let (subject, _) = acting_for(&mut conn, p).await?;
    let community = home_community(&mut conn, p, subject, requested).await?;
    let is_worker = is_worker(&mut conn, p, community).await?;
    let rows: Vec<(i64, String, String, i64, i64, String, String, Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT d.id, d.title, d.status, d.opens_at, d.closes_at, d.rule, d.vote_unit, d.result, d.electorate_id \
         FROM deliberations d WHERE d.community_id = $1 ORDER BY d.closes_at DESC, d.id DESC LIMIT 200",
    )
    .bind(community)
    .fetch_all(&mut *conn)
    .await?;
    // Whether the viewer's units voted: those the snapshot named, and — while voting runs — a
    // household member verified during the vote has a vote the snapshot's list does not show.
    let frozen: Vec<(i64, i64)> = rows.iter().filter_map(|r| r.8.map(|e| (r.0, e))).collect();
    let answered = electorate::answered_by(&mut conn, subject, community, now_ms(), &frozen).await?;
    let voted_in = |id: i64| frozen.iter().position(|f| f.0 == id).and_then(|i| answered[i]);
    let (mut open, mut past) = (Vec::new(), Vec::new());
    for (id, title, status, opens_at, closes_at, rule, unit, result, _) in rows {
        let phase = Phase::stored(&status)?;
        let s = DelibSummary {
            id,
            title,
            phase,
            opens_at,
            closes_at,
            rule: RuleKind::stored(&rule)?,
            vote_unit: VoteUnit::stored(&unit)?,
            voted: voted_in(id),
            outcome: outcome(&result),
        };
        if phase == Phase::Closed { past.push(s) } else { open.push(s) }
    }
    open.reverse();
    Ok(DelibList { community_id: community, open, past, is_worker })
}

async fn my_units(conn: &mut AnyConnection, row: &Row, subject: i64) -> Result<Vec<MyUnit>, sqlx::Error> {
    let mut out = Vec::new();
    for unit_id in castable_units(conn, row, subject, now_ms()).await? {
        let Some(frozen) = row.frozen else { break };
        let (label, channel, by, at) = electorate::unit_state(conn, frozen, unit_id).await?;
        let voted = match (channel, at) {
            (Some(channel), Some(at)) => {
                let vote = if row.secret && row.ballot_secret.is_none() {
                    None
                } else {
                    sqlx::query_scalar("SELECT choice FROM ballots WHERE deliberation_id = $1 AND voter_key = $2")
                        .bind(row.id)
                        .bind(answer_key(row.ballot_secret.as_deref(), unit_id))
                        .fetch_optional(&mut *conn)
                        .await?
                };
                Some(Cast { channel, by, at, vote })
            }
            _ => None,
        };
        out.push(MyUnit { unit_id, label, voted });
    }
    Ok(out)
}

/// A deliberation as its page shows it.
pub async fn detail(db: &Db, p: &Principal, id: i64) -> Result<DelibDetail, DelibError> {
    // Reading writes nothing: the page shows the stored phase (the scheduler opens and closes
    // within `LINLI_SCHEDULER_SECS`, and a ballot outside the window commits the catch-up).
    let mut conn = db.pool().acquire().await?;
    let (row, acc) = access(&mut conn, p, id).await?;
    #[allow(clippy::type_complexity)]
    let (background, need_id, electorate_size, electorate_area, electorate_homes, close_reason, result): (
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<String>,
    ) = sqlx::query_as("SELECT background, need_id, electorate_size, electorate_area, electorate_homes, close_reason, result FROM deliberations WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let need = match need_id {
        Some(n) => crate::needs::public::title(&mut conn, n).await?.map(|t| (n, t)),
        None => None,
    };
    let buildings: Vec<String> = sqlx::query_scalar(
        "SELECT b.name FROM deliberation_buildings db JOIN buildings b ON b.id = db.building_id WHERE db.deliberation_id = $1 ORDER BY b.name",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let turnout = match row.frozen {
        Some(e) => electorate::turnout(&mut conn, e, None).await?,
        None => 0,
    };
    let units = my_units(&mut conn, &row, acc.subject).await?;
    let comments: Vec<(i64, Option<i64>, i64, Option<String>, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT c.id, c.parent_id, c.author_user_id, u.display_name, c.body, c.hidden, c.reports, c.created_at FROM deliberation_comments c \
         JOIN users u ON u.id = c.author_user_id WHERE c.deliberation_id = $1 ORDER BY c.id LIMIT 500",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let comments = comments
        .into_iter()
        .filter(|c| acc.worker || c.5 == 0 || c.2 == acc.subject)
        .map(|(cid, parent_id, author, name, body, hidden, reports, at)| CommentView {
            id: cid,
            parent_id,
            author: name.unwrap_or_else(|| "—".into()),
            body,
            hidden: hidden == 1,
            reports: if acc.worker { reports } else { 0 },
            at,
            mine: author == acc.subject,
        })
        .collect();
    Ok(DelibDetail {
        id,
        title: row.title.clone(),
        background,
        need,
        kind: row.kind,
        options: row.options.clone(),
        max_choices: row.max_choices,
        electorate: row.electorate,
        buildings,
        vote_unit: row.unit,
        rule: row.rule,
        quorum_pct: row.quorum_pct,
        secret: row.secret,
        phase: row.status,
        opens_at: row.opens_at,
        closes_at: row.closes_at,
        now: now_ms(),
        electorate_size,
        electorate_area,
        // Shown only where it differs from the heads: owners of several homes.
        electorate_homes: electorate_homes.filter(|h| electorate_size.is_some_and(|n| *h > n)),
        turnout,
        my_units: units,
        can_comment: row.status == Phase::Discussion && (acc.verified || acc.worker),
        is_worker: acc.worker,
        close_reason,
        result: result.and_then(|r| serde_json::from_str(&r).ok()),
        comments,
    })
}

// ---------------------------------------------------------------------------------------------
// Voting

/// Where the window stands for a ballot at `now`.
fn require_voting(row: &Row, now: i64) -> Result<(), DelibError> {
    if now < row.opens_at {
        Err(DelibError::NotOpenYet)
    } else if now >= row.closes_at || row.status == Phase::Closed {
        Err(DelibError::VotingClosed)
    } else {
        Ok(())
    }
}

async fn store_ballot(conn: &mut AnyConnection, row: &Row, unit: i64, vote: &Vote) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO ballots (deliberation_id, voter_key, choice) VALUES ($1, $2, $3) ON CONFLICT (deliberation_id, voter_key) DO UPDATE SET choice = excluded.choice")
        .bind(row.id)
        .bind(answer_key(row.ballot_secret.as_deref(), unit))
        .bind(vote.encode())
        .execute(conn)
        .await?;
    Ok(())
}

/// An eligible resident (or a worker acting for one) casts or changes their unit's ballot. The
/// turnout row is written first: concurrent ballots of one unit queue on it, so the last to
/// commit is the one stored, and its `version` is the highest.
pub async fn cast(db: &Db, p: &Principal, id: i64, unit: Option<i64>, vote: &str) -> Result<CastReceipt, DelibError> {
    let mut tx = db.begin_write().await?;
    let (mut row, acc) = access(&mut tx, p, id).await?;
    let now = now_ms();
    catch_up_in(&mut tx, &mut row, now).await?;
    if let Err(e) = require_voting(&row, now) {
        // What the catch-up did (opening, closing with the result) stands: it is the clock's.
        tx.commit().await?;
        return Err(e);
    }
    let mine = castable_units(&mut tx, &row, acc.subject, now).await?;
    let unit = match unit {
        Some(u) if mine.contains(&u) => u,
        None if !mine.is_empty() => mine[0],
        _ => return Err(DelibError::NotEligible),
    };
    let vote = Vote::parse(vote, row.kind, row.options.len() as u32, row.max_choices).ok_or(DelibError::InvalidVote)?;
    let frozen = row.frozen.ok_or(CommonError::Internal)?;
    let version = electorate::record_app(&mut tx, frozen, unit, acc.subject, acc.on_behalf_of.map(|_| p.user_id), now).await?;
    let Some(version) = version else { return Err(DelibError::VotedOnPaper) };
    store_ballot(&mut tx, &row, unit, &vote).await?;
    tx.commit().await?;
    Ok(CastReceipt { unit_id: unit, version, at: now })
}

/// A worker keys in a paper ballot for a unit of the snapshot (`reason` None), or corrects one
/// keyed before (`reason` required). A unit that voted in the app cannot vote on paper.
pub async fn paper(db: &Db, p: &Principal, id: i64, unit: i64, vote: &str, reason: Option<&str>) -> Result<(), DelibError> {
    let reason = match reason {
        Some(r) => Some(checked(r, Field::Reason, REASON.optional())?).filter(|r| !r.is_empty()),
        None => None,
    };
    let mut tx = db.begin_write().await?;
    let (mut row, acc) = access(&mut tx, p, id).await?;
    require_worker(&acc)?;
    let now = now_ms();
    catch_up_in(&mut tx, &mut row, now).await?;
    if let Err(e) = require_voting(&row, now) {
        // What the catch-up did (opening, closing with the result) stands: it is the clock's.
        tx.commit().await?;
        return Err(e);
    }
    let frozen = row.frozen.ok_or(CommonError::Internal)?;
    let vote = Vote::parse(vote, row.kind, row.options.len() as u32, row.max_choices).ok_or(DelibError::InvalidVote)?;
    let content = (!row.secret).then(|| vote.encode());
    electorate::record_paper(&mut tx, frozen, unit, p.user_id, content.as_deref(), reason.as_deref(), now).await?.map_err(|r| match r {
        PaperRefusal::NotInElectorate => DelibError::NotEligible,
        PaperRefusal::AnsweredOnline => DelibError::VotedOnline,
        PaperRefusal::AlreadyOnPaper => DelibError::VotedOnPaper,
        PaperRefusal::NothingToCorrect => DelibError::NoPaperBallot,
        // Double entry's refusals: deliberations key a ballot once.
        PaperRefusal::SameWorker | PaperRefusal::NotInDispute => CommonError::Internal.into(),
    })?;
    store_ballot(&mut tx, &row, unit, &vote).await?;
    let kind = if reason.is_some() { "deliberation.paper_corrected" } else { "deliberation.paper_entered" };
    events::append(&mut tx, &event(&row, kind, Some(p.user_id), None, false, serde_json::json!({ "unit_id": unit, "reason": reason }))).await?;
    tx.commit().await?;
    Ok(())
}

/// A worker closes the vote before its end, with a reason.
pub async fn close_early(db: &Db, p: &Principal, id: i64, reason: &str) -> Result<DelibResult, DelibError> {
    let reason = checked(reason, Field::Reason, REASON.optional())?;
    if reason.is_empty() {
        return Err(DelibError::ReasonRequired);
    }
    let mut tx = db.begin_write().await?;
    let (mut row, acc) = access(&mut tx, p, id).await?;
    require_worker(&acc)?;
    let now = now_ms();
    catch_up_in(&mut tx, &mut row, now).await?;
    let refusal = match row.status {
        Phase::Discussion => Some(DelibError::NotOpenYet),
        Phase::Closed => Some(DelibError::VotingClosed),
        Phase::Voting => None,
    };
    if let Some(e) = refusal {
        tx.commit().await?;
        return Err(e);
    }
    let result = close_in(&mut tx, &mut row, now, Some((p.user_id, acc.on_behalf_of)), Some(&reason)).await?.ok_or(DelibError::VotingClosed)?;
    tx.commit().await?;
    Ok(result)
}

/// The worker's audit: the snapshot, the turnout and every paper entry.
pub async fn audit(db: &Db, p: &Principal, id: i64) -> Result<Audit, DelibError> {
    let mut conn = db.pool().acquire().await?;
    let (row, acc) = access(&mut conn, p, id).await?;
    require_worker(&acc)?;
    let (size, area): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT electorate_size, electorate_area FROM deliberations WHERE id = $1").bind(id).fetch_one(&mut *conn).await?;
    let (units, turnout, paper) = match row.frozen {
        // Paper choices only of open ballots (secret ones keep none).
        Some(e) => electorate::audit(&mut conn, e, !row.secret).await?,
        None => Default::default(),
    };
    Ok(Audit {
        title: row.title.clone(),
        phase: row.status,
        secret: row.secret,
        kind: row.kind,
        options: row.options.clone(),
        max_choices: row.max_choices,
        units,
        turnout,
        paper,
        electorate_size: size,
        electorate_area: area,
    })
}

// ---------------------------------------------------------------------------------------------
// Discussion

/// A comment or a reply (to a top-level comment) by a verified resident or a worker, while the
/// discussion runs.
pub async fn comment(db: &Db, p: &Principal, id: i64, parent: Option<i64>, body: &str) -> Result<i64, DelibError> {
    let body = checked(body, Field::Comment, COMMENT)?;
    let mut tx = db.begin_write().await?;
    let (mut row, acc) = access(&mut tx, p, id).await?;
    if !(acc.verified || acc.worker) {
        return Err(CommonError::NotVerified.into());
    }
    let now = now_ms();
    catch_up_in(&mut tx, &mut row, now).await?;
    if row.status != Phase::Discussion {
        tx.commit().await?;
        return Err(DelibError::DiscussionClosed);
    }
    let parent = match parent {
        None => None,
        Some(pid) => {
            let found: Option<Option<i64>> = sqlx::query_scalar("SELECT parent_id FROM deliberation_comments WHERE id = $1 AND deliberation_id = $2")
                .bind(pid)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            // A reply to a reply joins the thread of its top-level comment.
            Some(found.ok_or(CommonError::NotFound)?.unwrap_or(pid))
        }
    };
    let cid: i64 = sqlx::query_scalar(
        "INSERT INTO deliberation_comments (deliberation_id, parent_id, author_user_id, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(id)
    .bind(parent)
    .bind(acc.subject)
    .bind(&body)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    events::append(
        &mut tx,
        &event(&row, "deliberation.commented", Some(p.user_id), acc.on_behalf_of, false, serde_json::json!({ "comment_id": cid, "parent_id": parent })),
    )
    .await?;
    tx.commit().await?;
    Ok(cid)
}

async fn comment_row(conn: &mut AnyConnection, p: &Principal, comment: i64) -> Result<(Row, Access), DelibError> {
    let d: i64 = sqlx::query_scalar("SELECT deliberation_id FROM deliberation_comments WHERE id = $1")
        .bind(comment)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(CommonError::NotFound)?;
    access(conn, p, d).await
}

/// A verified resident reports a comment, once; at the community's report limit it is hidden
/// until a worker shows it again.
pub async fn report(db: &Db, p: &Principal, comment: i64, reason: &str) -> Result<(), DelibError> {
    let reason = checked(reason, Field::Reason, REASON)?;
    let mut tx = db.begin_write().await?;
    let (row, acc) = comment_row(&mut tx, p, comment).await?;
    if !acc.verified {
        return Err(CommonError::NotVerified.into());
    }
    let added = sqlx::query("INSERT INTO deliberation_reports (comment_id, user_id, reason, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(comment)
        .bind(acc.subject)
        .bind(&reason)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if added != 1 {
        return Err(DelibError::AlreadyReported);
    }
    sqlx::query(
        "UPDATE deliberation_comments SET reports = reports + 1, hidden = CASE WHEN reports + 1 >= \
         (SELECT need_report_limit FROM communities WHERE id = $1) THEN 1 ELSE hidden END WHERE id = $2",
    )
    .bind(row.community)
    .bind(comment)
    .execute(&mut *tx)
    .await?;
    events::append(
        &mut tx,
        &event(&row, "deliberation.comment_reported", Some(p.user_id), acc.on_behalf_of, false, serde_json::json!({ "comment_id": comment })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A worker hides or shows a comment.
pub async fn set_hidden(db: &Db, p: &Principal, comment: i64, hidden: bool) -> Result<(), DelibError> {
    let mut tx = db.begin_write().await?;
    let (row, acc) = comment_row(&mut tx, p, comment).await?;
    require_worker(&acc)?;
    sqlx::query("UPDATE deliberation_comments SET hidden = $1 WHERE id = $2").bind(i64::from(hidden)).bind(comment).execute(&mut *tx).await?;
    let kind = if hidden { "deliberation.comment_hidden" } else { "deliberation.comment_shown" };
    events::append(&mut tx, &event(&row, kind, Some(p.user_id), None, false, serde_json::json!({ "comment_id": comment }))).await?;
    tx.commit().await?;
    Ok(())
}
