//! The SQL of needs. Every function starts from the principal and finds the community from the
//! database (the need's row, the user's memberships), never from the request; a need of another
//! community answers "not found".
use super::error::NeedError;
use super::model::{self, Action, Actor, Status};
use super::notices::NeedNotice;
use super::similar;
use super::types::*;
use crate::infra::blobs::BlobStore;
use crate::infra::db::{Db, now_ms};
use crate::infra::events::{self, NewEvent};
use crate::kernel::error::CommonError;
use crate::kernel::guard::{Principal, Who, district_of, home_community, is_worker, require_verified, standing, verified_resident, who, worker_community};
use crate::kernel::sql::{Arg, Sql};
use crate::notifications::send as notifications;
use sqlx::AnyConnection;

/// Rows of a list page.
pub const PAGE_SIZE: usize = 20;

/// The community a request is about: the requested one if the caller may see it, else the
/// acting resident's own, else the worker's.
async fn community_for(conn: &mut AnyConnection, w: &Who<'_>, requested: Option<i64>) -> Result<i64, NeedError> {
    Ok(home_community(conn, w.p, w.subject, requested).await?)
}

async fn settings(conn: &mut AnyConnection, community: i64) -> Result<NeedSettings, sqlx::Error> {
    let (support_threshold, answer_days, report_limit): (i64, i64, i64) =
        sqlx::query_as("SELECT need_support_threshold, need_answer_days, need_report_limit FROM communities WHERE id = $1")
            .bind(community)
            .fetch_one(conn)
            .await?;
    Ok(NeedSettings { support_threshold, answer_days, report_limit })
}

/// The facts of a need that decide who may do what to it.
struct NeedRow {
    id: i64,
    community: i64,
    author: i64,
    status: Status,
    hidden_from: Option<Status>,
    published: bool,
    title: String,
}

async fn load(conn: &mut AnyConnection, id: i64) -> Result<Option<NeedRow>, sqlx::Error> {
    let row: Option<(i64, i64, i64, String, Option<String>, Option<i64>, String)> =
        sqlx::query_as("SELECT id, community_id, author_user_id, status, hidden_from, published_at, title FROM needs WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    let Some((id, community, author, status, hidden_from, published_at, title)) = row else {
        return Ok(None);
    };
    Ok(Some(NeedRow {
        id,
        community,
        author,
        status: Status::stored(&status)?,
        hidden_from: hidden_from.as_deref().map(Status::stored).transpose()?,
        published: published_at.is_some(),
        title,
    }))
}

/// What the asker is to a need.
struct Access {
    worker: bool,
    author: bool,
    verified: bool,
}

impl Access {
    /// Supporting, commenting and reporting are for verified residents of the need's community.
    fn require_verified(&self) -> Result<(), NeedError> {
        Ok(require_verified(self.verified)?)
    }
}

/// The need if the asker may see it: workers of its community, its author, and members of its
/// community once it was published and while it is not hidden. Anyone else: not found.
async fn access(conn: &mut AnyConnection, w: &Who<'_>, id: i64) -> Result<(NeedRow, Access), NeedError> {
    let need = load(conn, id).await?.ok_or(CommonError::NotFound)?;
    let worker = is_worker(conn, w.p, need.community).await?;
    let author = need.author == w.subject;
    let s = standing(conn, w.subject, need.community).await?;
    let public = need.published && need.status != Status::Hidden;
    if worker || author || (s.member && public) { Ok((need, Access { worker, author, verified: s.verified })) } else { Err(CommonError::NotFound.into()) }
}

fn event<'a>(need: &NeedRow, kind: &'a str, w: Option<&Who<'_>>, official: bool, payload: serde_json::Value) -> NewEvent<'a> {
    NewEvent {
        community_id: Some(need.community),
        kind,
        subject_type: "need",
        subject_id: Some(need.id),
        actor_user_id: w.map(|w| w.p.user_id),
        on_behalf_of_user_id: w.and_then(|w| w.on_behalf_of),
        official,
        payload,
    }
}

async fn record_update(
    conn: &mut AnyConnection,
    need: i64,
    action: Action,
    from: Status,
    to: Status,
    text: Option<&str>,
    actor: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO need_updates (need_id, action, from_status, to_status, text, actor_user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(need)
        .bind(action.as_str())
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(text)
        .bind(actor)
        .bind(now_ms())
        .execute(conn)
        .await?;
    Ok(())
}

async fn index_grams(conn: &mut AnyConnection, community: i64, need: i64, grams: &std::collections::BTreeSet<String>) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM need_grams WHERE need_id = $1").bind(need).execute(&mut *conn).await?;
    let grams: Vec<&String> = grams.iter().collect();
    for chunk in grams.chunks(200) {
        let mut sql = String::from("INSERT INTO need_grams (community_id, gram, need_id) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("($1, ${}, $2)", i + 3));
        }
        let mut q = sqlx::query(&sql).bind(community).bind(need);
        for g in chunk {
            q = q.bind(g.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading

/// The viewer's community, its categories and buildings, and what the viewer may do there.
pub async fn context(db: &Db, p: &Principal, requested: Option<i64>) -> Result<NeedsContext, NeedError> {
    let mut conn = db.pool().acquire().await?;
    let w = who(&mut conn, p).await?;
    let community = community_for(&mut conn, &w, requested).await?;
    let (zh, en): (String, String) = sqlx::query_as("SELECT name_zh, name_en FROM communities WHERE id = $1").bind(community).fetch_one(&mut *conn).await?;
    let categories = super::public::categories(&mut conn, community).await?;
    let buildings: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM buildings WHERE community_id = $1 ORDER BY name").bind(community).fetch_all(&mut *conn).await?;
    let verified = standing(&mut conn, w.subject, community).await?.verified;
    let acting_for = match w.on_behalf_of {
        Some(u) => Some(
            sqlx::query_scalar::<_, Option<String>>("SELECT display_name FROM users WHERE id = $1").bind(u).fetch_one(&mut *conn).await?.unwrap_or_default(),
        ),
        None => None,
    };
    Ok(NeedsContext {
        community_id: community,
        community_zh: zh,
        community_en: en,
        categories,
        buildings,
        can_propose: verified,
        is_worker: is_worker(&mut conn, p, community).await?,
        acting_for,
        settings: settings(&mut conn, community).await?,
    })
}

/// Filters of a list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub community: Option<i64>,
    pub category: Option<i64>,
    pub status: Option<Status>,
    pub by_supports: bool,
    pub search: String,
    pub cursor: Option<String>,
    /// The author's own needs, in every status.
    pub mine: bool,
}

const SUMMARY_COLUMNS: &str = "n.id, n.title, n.category_id, n.status, n.supports, n.created_at, n.awaiting_since, n.answered_at, n.published_at, n.reports";
type SummaryRow = (i64, String, i64, String, i64, i64, Option<i64>, Option<i64>, Option<i64>, i64, i64);

fn summary(r: SummaryRow, s: &NeedSettings, now: i64) -> Result<NeedSummary, sqlx::Error> {
    let (id, title, category_id, status, supports, created_at, awaiting_since, answered_at, published_at, reports, mine) = r;
    let status = Status::stored(&status)?;
    Ok(NeedSummary {
        id,
        title,
        category_id,
        status,
        supports,
        created_at,
        awaiting: awaiting_since.is_some() && answered_at.is_none() && status.open(),
        overdue: model::is_overdue(status, answered_at.is_some(), published_at, now, s.answer_days),
        reports,
        i_supported: mine > 0,
    })
}

async fn run_summaries(conn: &mut AnyConnection, sql: Sql, s: &NeedSettings) -> Result<Vec<NeedSummary>, sqlx::Error> {
    let now = now_ms();
    let rows: Vec<SummaryRow> = sql.fetch_all(conn).await?;
    rows.into_iter().map(|r| summary(r, s, now)).collect()
}

fn summary_select(sql: &mut Sql, subject: i64) -> String {
    let me = sql.arg(Arg::I(subject));
    format!("SELECT {SUMMARY_COLUMNS}, (SELECT COUNT(*) FROM need_supports s WHERE s.need_id = n.id AND s.user_id = {me}) FROM needs n")
}

/// A page of the community's needs (or of the author's own).
pub async fn list(db: &Db, p: &Principal, q: &ListQuery) -> Result<NeedPage, NeedError> {
    let mut conn = db.pool().acquire().await?;
    let w = who(&mut conn, p).await?;
    let community = community_for(&mut conn, &w, q.community).await?;
    let s = settings(&mut conn, community).await?;
    let cursor = match &q.cursor {
        Some(c) if !c.is_empty() => Some(model::decode_cursor(c).ok_or(NeedError::BadCursor)?),
        _ => None,
    };
    let mut sql = Sql::new();
    let select = summary_select(&mut sql, w.subject);
    let c = sql.arg(Arg::I(community));
    let mut wheres = vec![format!("n.community_id = {c}")];
    if q.mine {
        let me = sql.arg(Arg::I(w.subject));
        wheres.push(format!("n.author_user_id = {me}"));
    } else {
        wheres.push("n.published_at IS NOT NULL AND n.status <> 'hidden'".into());
        if q.status.is_none() {
            wheres.push("n.status <> 'merged'".into());
        }
    }
    if let Some(cat) = q.category {
        let a = sql.arg(Arg::I(cat));
        wheres.push(format!("n.category_id = {a}"));
    }
    if let Some(st) = q.status {
        let a = sql.arg(Arg::S(st.as_str().into()));
        wheres.push(format!("n.status = {a}"));
    }
    let search = q.search.trim();
    if !search.is_empty() {
        let grams: Vec<String> = similar::grams(search).into_iter().take(30).collect();
        if grams.len() == 1 && grams[0].chars().count() == 1 {
            // One character: no gram to look up, a plain substring match (bounded by the community).
            let a = sql.arg(Arg::S(format!("%{}%", grams[0])));
            wheres.push(format!("(n.title LIKE {a} OR n.body LIKE {a})"));
        } else if grams.is_empty() {
            wheres.push("1 = 0".into());
        } else {
            let n = grams.len() as i64;
            let list: Vec<String> = grams.into_iter().map(|g| sql.arg(Arg::S(g))).collect();
            let c2 = sql.arg(Arg::I(community));
            let k = sql.arg(Arg::I(n));
            wheres.push(format!(
                "n.id IN (SELECT need_id FROM need_grams WHERE community_id = {c2} AND gram IN ({}) GROUP BY need_id HAVING COUNT(*) = {k})",
                list.join(", ")
            ));
        }
    }
    if let Some((key, id)) = cursor {
        let i = sql.arg(Arg::I(id));
        if q.by_supports {
            let k = sql.arg(Arg::I(key));
            wheres.push(format!("(n.supports < {k} OR (n.supports = {k} AND n.id < {i}))"));
        } else {
            wheres.push(format!("n.id < {i}"));
        }
    }
    let order = if q.by_supports { "n.supports DESC, n.id DESC" } else { "n.id DESC" };
    sql.text = format!("{select} WHERE {} ORDER BY {order} LIMIT {}", wheres.join(" AND "), PAGE_SIZE + 1);
    let mut items = run_summaries(&mut conn, sql, &s).await?;
    let next = if items.len() > PAGE_SIZE {
        items.truncate(PAGE_SIZE);
        items.last().map(|l| model::encode_cursor(if q.by_supports { l.supports } else { l.id }, l.id))
    } else {
        None
    };
    Ok(NeedPage { items, next })
}

/// Everything the page of one need shows, to whoever may see it.
pub async fn detail(db: &Db, p: &Principal, id: i64) -> Result<NeedDetail, NeedError> {
    let mut conn = db.pool().acquire().await?;
    let w = who(&mut conn, p).await?;
    let (need, acc) = access(&mut conn, &w, id).await?;
    let s = settings(&mut conn, need.community).await?;
    let mut sql = Sql::new();
    let select = summary_select(&mut sql, w.subject);
    let a = sql.arg(Arg::I(id));
    sql.text = format!("{select} WHERE n.id = {a}");
    let summary = run_summaries(&mut conn, sql, &s).await?.pop().ok_or(CommonError::NotFound)?;
    let (body, place, building, answer, merged_into, channel, assisted): (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
        String,
        Option<i64>,
    ) = sqlx::query_as(
        "SELECT n.body, n.place, b.name, n.answer, n.merged_into_id, n.channel, n.assisted_by_user_id \
             FROM needs n LEFT JOIN buildings b ON b.id = n.building_id WHERE n.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let photos: Vec<String> = sqlx::query_scalar("SELECT storage_key FROM need_photos WHERE need_id = $1 ORDER BY id").bind(id).fetch_all(&mut *conn).await?;
    let updates: Vec<(String, String, String, Option<String>, i64)> =
        sqlx::query_as("SELECT action, from_status, to_status, text, created_at FROM need_updates WHERE need_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    // Residents see the visible comments; workers also the hidden ones, marked.
    let comments: Vec<(i64, Option<String>, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT c.id, u.display_name, c.body, c.created_at, c.hidden, c.reports FROM need_comments c JOIN users u ON u.id = c.author_user_id \
         WHERE c.need_id = $1 AND (c.hidden = 0 OR $2 = 1) ORDER BY c.id LIMIT 200",
    )
    .bind(id)
    .bind(i64::from(acc.worker))
    .fetch_all(&mut *conn)
    .await?;
    let can_support = acc.verified && need.status.supportable();
    let reasons: Vec<(i64, String)> = if acc.worker {
        sqlx::query_as("SELECT id, text FROM need_reason_templates WHERE community_id = $1 ORDER BY id").bind(need.community).fetch_all(&mut *conn).await?
    } else {
        Vec::new()
    };
    // The project that took the need up (projects link their needs; a need is in one at most).
    let project: Option<(i64, String)> =
        sqlx::query_as("SELECT p.id, p.title FROM project_needs l JOIN projects p ON p.id = l.project_id WHERE l.need_id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    // The surveys asking about it.
    let surveys: Vec<(i64, String)> =
        sqlx::query_as("SELECT s.id, s.title FROM survey_needs l JOIN surveys s ON s.id = l.survey_id WHERE l.need_id = $1 ORDER BY s.id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    Ok(NeedDetail {
        project,
        surveys,
        summary,
        body,
        place,
        building,
        photos: photos.into_iter().map(|k| format!("/media/needs/{k}")).collect(),
        answer,
        merged_into,
        channel,
        assisted: assisted.is_some(),
        is_author: acc.author,
        is_worker: acc.worker,
        can_support,
        updates: updates
            .into_iter()
            .map(|(a, f, t, text, at)| Ok(UpdateView { action: Action::stored(&a)?, from: Status::stored(&f)?, to: Status::stored(&t)?, text, at }))
            .collect::<Result<_, sqlx::Error>>()?,
        comments: comments
            .into_iter()
            .map(|(id, name, body, at, hidden, reports)| CommentView { id, author: name.unwrap_or_default(), body, at, hidden: hidden == 1, reports })
            .collect(),
        reasons,
    })
}

/// Public needs of the viewer's community most like the text being typed.
pub async fn similar(db: &Db, p: &Principal, text: &str) -> Result<Vec<SimilarNeed>, NeedError> {
    let mut conn = db.pool().acquire().await?;
    let w = who(&mut conn, p).await?;
    let community = community_for(&mut conn, &w, None).await?;
    let q: Vec<String> = similar::grams(text).into_iter().take(120).collect();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new();
    let c = sql.arg(Arg::I(community));
    let grams: Vec<String> = q.iter().map(|g| sql.arg(Arg::S(g.clone()))).collect();
    sql.text = format!(
        "SELECT g.need_id, COUNT(*), n.gram_count FROM need_grams g JOIN needs n ON n.id = g.need_id \
         WHERE g.community_id = {c} AND g.gram IN ({}) AND n.published_at IS NOT NULL \
         AND n.status IN ('published', 'under_review', 'accepted', 'planned', 'done') \
         GROUP BY g.need_id, n.gram_count ORDER BY COUNT(*) DESC, g.need_id DESC LIMIT 50",
        grams.join(", ")
    );
    let rows: Vec<(i64, i64, i64)> = sql.fetch_all(&mut conn).await?;
    let hits: Vec<(i64, usize, usize)> = rows.into_iter().map(|(id, shared, count)| (id, shared as usize, count as usize)).collect();
    let ranked = similar::rank_hits(q.len(), &hits, similar::SIMILAR_MIN_SCORE, similar::SIMILAR_LIMIT);
    if ranked.is_empty() {
        return Ok(Vec::new());
    }
    // The ranked needs' titles in one query.
    let mut sql = Sql::new();
    let ids: Vec<i64> = ranked.iter().map(|(id, _)| *id).collect();
    sql.text = format!("SELECT id, title, status, supports FROM needs WHERE id IN ({})", sql.list(&ids));
    let rows: Vec<(i64, String, String, i64)> = sql.fetch_all(&mut conn).await?;
    let mut out = Vec::with_capacity(ranked.len());
    for (id, score) in ranked {
        if let Some((_, title, status, supports)) = rows.iter().find(|r| r.0 == id) {
            out.push(SimilarNeed { id, title: title.clone(), status: Status::stored(status)?, supports: *supports, score: (score * 100.0).round() as i64 });
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Residents

/// A new need from the form, its texts already checked.
#[derive(Debug, Clone)]
pub struct NewNeed {
    pub category_id: i64,
    pub title: String,
    pub body: String,
    pub building_id: Option<i64>,
    pub place: Option<String>,
    pub photo_ids: Vec<i64>,
    /// 'app', or for a worker in 代办 'paper' / 'phone'.
    pub channel: String,
}

/// Checks the category and building of a new or changed need and returns its grams (the
/// building's name counts as part of the place).
async fn checked_grams(conn: &mut AnyConnection, community: i64, n: &NewNeed) -> Result<std::collections::BTreeSet<String>, NeedError> {
    let building_name = check_place(conn, community, n.category_id, n.building_id).await?;
    let place_text = format!("{} {}", building_name.as_deref().unwrap_or(""), n.place.as_deref().unwrap_or(""));
    Ok(similar::need_grams(&n.title, &place_text, &n.body))
}

async fn check_place(conn: &mut AnyConnection, community: i64, category: i64, building: Option<i64>) -> Result<Option<String>, NeedError> {
    let district = district_of(conn, community).await?.ok_or(CommonError::NotFound)?;
    let ok: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM need_categories WHERE id = $1 AND (district_id IS NULL OR district_id = $2)")
        .bind(category)
        .bind(district)
        .fetch_one(&mut *conn)
        .await?;
    if ok == 0 {
        return Err(NeedError::UnknownCategory);
    }
    match building {
        Some(b) => Ok(Some(
            sqlx::query_scalar("SELECT name FROM buildings WHERE id = $1 AND community_id = $2")
                .bind(b)
                .bind(community)
                .fetch_optional(conn)
                .await?
                .ok_or(NeedError::UnknownBuilding)?,
        )),
        None => Ok(None),
    }
}

/// A verified resident (or a worker in 代办 for one, marking the channel) submits a need.
pub async fn submit(db: &Db, p: &Principal, n: &NewNeed) -> Result<i64, NeedError> {
    if n.photo_ids.len() > model::MAX_PHOTOS {
        return Err(NeedError::TooManyPhotos { max: model::MAX_PHOTOS });
    }
    let mut tx = db.begin_write().await?;
    let (w, community) = verified_resident(&mut tx, p).await?;
    let recent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM needs WHERE author_user_id = $1 AND created_at > $2")
        .bind(w.subject)
        .bind(now_ms() - 24 * 3_600_000)
        .fetch_one(&mut *tx)
        .await?;
    if recent >= model::NEEDS_PER_DAY {
        return Err(NeedError::TooMany { max: model::NEEDS_PER_DAY, hours: 24 });
    }
    let channel = match (w.on_behalf_of, n.channel.as_str()) {
        (None, _) => "app",
        (Some(_), c @ ("paper" | "phone")) => c,
        (Some(_), _) => "paper",
    };
    let id = insert(&mut tx, &w, community, n, channel).await?;
    tx.commit().await?;
    Ok(id)
}

/// Writes a new need of `community` by `w.subject` (in 代办 when `w.on_behalf_of`), as submitted,
/// with its grams, photos and event, in the caller's transaction: `submit`, and a worker turning
/// a survey's text answer into a need for its respondent (`public::submit_for`).
pub(super) async fn insert(conn: &mut AnyConnection, w: &Who<'_>, community: i64, n: &NewNeed, channel: &str) -> Result<i64, NeedError> {
    let grams = checked_grams(&mut *conn, community, n).await?;
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO needs (community_id, author_user_id, category_id, title, body, building_id, place, status, channel, \
         assisted_by_user_id, gram_count, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'submitted', $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(community)
    .bind(w.subject)
    .bind(n.category_id)
    .bind(&n.title)
    .bind(&n.body)
    .bind(n.building_id)
    .bind(n.place.as_deref())
    .bind(channel)
    .bind(w.on_behalf_of.map(|_| w.p.user_id))
    .bind(grams.len() as i64)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    index_grams(&mut *conn, community, id, &grams).await?;
    for photo in &n.photo_ids {
        let attached = sqlx::query("UPDATE need_photos SET need_id = $1 WHERE id = $2 AND owner_user_id = $3 AND community_id = $4 AND need_id IS NULL")
            .bind(id)
            .bind(photo)
            .bind(w.subject)
            .bind(community)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if attached != 1 {
            return Err(CommonError::NotFound.into());
        }
    }
    let row = NeedRow { id, community, author: w.subject, status: Status::Submitted, hidden_from: None, published: false, title: n.title.clone() };
    events::append(&mut *conn, &event(&row, "need.submitted", Some(w), false, serde_json::json!({ "channel": channel, "photos": n.photo_ids.len() }))).await?;
    Ok(id)
}

/// The author changes a need a worker sent back, and submits it again.
pub async fn resubmit(db: &Db, p: &Principal, id: i64, n: &NewNeed) -> Result<(), NeedError> {
    let mut tx = db.begin_write().await?;
    let w = who(&mut tx, p).await?;
    let (need, acc) = access(&mut tx, &w, id).await?;
    let actor = if acc.author { Actor::Author } else { return Err(NeedError::NotAllowed) };
    let to = model::transition(need.status, Action::Resubmit, actor, need.hidden_from)
        .map_err(|_| NeedError::WrongStatus { status: need.status.as_str().into() })?;
    let grams = checked_grams(&mut tx, need.community, n).await?;
    sqlx::query(
        "UPDATE needs SET category_id = $1, title = $2, body = $3, building_id = $4, place = $5, status = $6, gram_count = $7, updated_at = $8 WHERE id = $9",
    )
    .bind(n.category_id)
    .bind(&n.title)
    .bind(&n.body)
    .bind(n.building_id)
    .bind(n.place.as_deref())
    .bind(to.as_str())
    .bind(grams.len() as i64)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    index_grams(&mut tx, need.community, id, &grams).await?;
    record_update(&mut tx, id, Action::Resubmit, need.status, to, None, Some(p.user_id)).await?;
    events::append(&mut tx, &event(&need, "need.resubmit", Some(&w), false, serde_json::json!({ "from": need.status.as_str(), "to": to.as_str() }))).await?;
    tx.commit().await?;
    Ok(())
}

/// Support (+1) or withdraw it; exact under concurrent clicks (the primary key decides).
pub async fn support(db: &Db, p: &Principal, id: i64, on: bool) -> Result<SupportState, NeedError> {
    let mut tx = db.begin_write().await?;
    let w = who(&mut tx, p).await?;
    let (need, acc) = access(&mut tx, &w, id).await?;
    acc.require_verified()?;
    let now = now_ms();
    if on {
        if !need.status.supportable() {
            return Err(NeedError::NotSupportable);
        }
        let added = sqlx::query("INSERT INTO need_supports (need_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(w.subject)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if added == 1 {
            bump_supports(&mut tx, id, 1, now).await?;
        }
    } else {
        let removed =
            sqlx::query("DELETE FROM need_supports WHERE need_id = $1 AND user_id = $2").bind(id).bind(w.subject).execute(&mut *tx).await?.rows_affected();
        if removed == 1 {
            bump_supports(&mut tx, id, -1, now).await?;
        }
    }
    let supports: i64 = sqlx::query_scalar("SELECT supports FROM needs WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
    let supported: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM need_supports WHERE need_id = $1 AND user_id = $2").bind(id).bind(w.subject).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(SupportState { supports, supported: supported == 1 })
}

/// Adds `delta` to the count (an atomic increment: concurrent writers serialize on the row) and
/// marks the need as awaiting an answer when the count first reaches the community's threshold.
async fn bump_supports(conn: &mut AnyConnection, id: i64, delta: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE needs SET supports = supports + $1, \
         awaiting_since = CASE WHEN awaiting_since IS NULL AND supports + $1 >= \
            (SELECT need_support_threshold FROM communities c WHERE c.id = needs.community_id) THEN $2 ELSE awaiting_since END \
         WHERE id = $3",
    )
    .bind(delta)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A comment by a verified resident on a public need.
pub async fn comment(db: &Db, p: &Principal, id: i64, body: &str) -> Result<i64, NeedError> {
    let mut tx = db.begin_write().await?;
    let w = who(&mut tx, p).await?;
    let (need, acc) = access(&mut tx, &w, id).await?;
    acc.require_verified()?;
    if !need.published || matches!(need.status, Status::Hidden | Status::Merged) {
        return Err(NeedError::WrongStatus { status: need.status.as_str().into() });
    }
    let recent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM need_comments WHERE author_user_id = $1 AND created_at > $2")
        .bind(w.subject)
        .bind(now_ms() - 3_600_000)
        .fetch_one(&mut *tx)
        .await?;
    if recent >= model::COMMENTS_PER_HOUR {
        return Err(NeedError::TooMany { max: model::COMMENTS_PER_HOUR, hours: 1 });
    }
    let cid: i64 = sqlx::query_scalar(
        "INSERT INTO need_comments (need_id, author_user_id, body, assisted_by_user_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(id)
    .bind(w.subject)
    .bind(body)
    .bind(w.on_behalf_of.map(|_| p.user_id))
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(cid)
}

/// A verified resident reports a need or one of its comments (once each). At the community's
/// report limit the need (or comment) is hidden until a worker decides.
pub async fn report(db: &Db, p: &Principal, id: i64, comment: Option<i64>, reason: &str) -> Result<(), NeedError> {
    let mut tx = db.begin_write().await?;
    let w = who(&mut tx, p).await?;
    let (need, acc) = access(&mut tx, &w, id).await?;
    acc.require_verified()?;
    comment_of(&mut tx, id, comment).await?;
    let added = sqlx::query("INSERT INTO need_reports (need_id, comment_id, user_id, reason, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
        .bind(id)
        .bind(comment)
        .bind(w.subject)
        .bind(reason)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if added == 0 {
        tx.commit().await?;
        return Ok(());
    }
    let limit = settings(&mut tx, need.community).await?.report_limit;
    match comment {
        Some(c) => {
            let reports: i64 =
                sqlx::query_scalar("UPDATE need_comments SET reports = reports + 1 WHERE id = $1 RETURNING reports").bind(c).fetch_one(&mut *tx).await?;
            if reports == limit {
                sqlx::query("UPDATE need_comments SET hidden = 1 WHERE id = $1").bind(c).execute(&mut *tx).await?;
                events::append(&mut tx, &event(&need, "need.comment_auto_hidden", None, false, serde_json::json!({ "comment": c, "reports": reports })))
                    .await?;
            }
        }
        None => {
            let reports: i64 =
                sqlx::query_scalar("UPDATE needs SET reports = reports + 1 WHERE id = $1 RETURNING reports").bind(id).fetch_one(&mut *tx).await?;
            if reports >= limit
                && let Ok(to) = model::transition(need.status, Action::ReportHide, Actor::System, need.hidden_from)
            {
                apply(&mut tx, &need, Action::ReportHide, to, None, None, None).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Workers

/// Writes a status change: the need, its timeline, the event (official for answers) and the
/// notifications — all in the caller's transaction.
async fn apply(
    conn: &mut AnyConnection,
    need: &NeedRow,
    action: Action,
    to: Status,
    text: Option<&str>,
    merge_into: Option<i64>,
    w: Option<&Who<'_>>,
) -> Result<(), NeedError> {
    let now = now_ms();
    let official = model::is_official_answer(action, need.status);
    let hidden_from = (to == Status::Hidden).then(|| need.status.as_str());
    sqlx::query(
        "UPDATE needs SET status = $1, hidden_from = $2, merged_into_id = $3, \
         published_at = CASE WHEN published_at IS NULL AND $4 = 1 THEN $5 ELSE published_at END, \
         answer = CASE WHEN $6 = 1 THEN $7 ELSE answer END, \
         answered_at = CASE WHEN $6 = 1 AND answered_at IS NULL THEN $5 ELSE answered_at END, \
         updated_at = $5 WHERE id = $8",
    )
    .bind(to.as_str())
    .bind(hidden_from)
    .bind(merge_into)
    .bind(i64::from(to == Status::Published))
    .bind(now)
    .bind(i64::from(official))
    .bind(text)
    .bind(need.id)
    .execute(&mut *conn)
    .await?;
    record_update(conn, need.id, action, need.status, to, text, w.map(|w| w.p.user_id)).await?;
    let kind = format!("need.{}", action.as_str());
    let payload = serde_json::json!({ "from": need.status.as_str(), "to": to.as_str(), "text": text, "merged_into": merge_into, "title": need.title });
    events::append(conn, &event(need, &kind, w, official, payload)).await?;
    let (title, text) = (need.title.clone(), text.map(str::to_string));
    if w.is_none_or(|w| w.subject != need.author) {
        let n = NeedNotice::Status { title: title.clone(), status: to, text: text.clone() };
        notifications::send_to(conn, need.author, need.community, need.id, &n).await?;
    }
    if official {
        // Every supporter but the author, who was told above.
        let n = NeedNotice::Answer { title, status: to, text };
        notifications::send_to_each(conn, need.community, need.id, &n, |sql| {
            let (id, author) = (sql.arg(Arg::I(need.id)), sql.arg(Arg::I(need.author)));
            format!("SELECT user_id FROM need_supports WHERE need_id = {id} AND user_id <> {author}")
        })
        .await?;
    }
    Ok(())
}

async fn worker_need(conn: &mut AnyConnection, w: &Who<'_>, id: i64) -> Result<NeedRow, NeedError> {
    let (need, acc) = access(conn, w, id).await?;
    if !acc.worker {
        return Err(NeedError::NotAllowed);
    }
    Ok(need)
}

/// A worker moves a need through the status machine (publish, reject, ask for changes, merge,
/// hide, restore, review, accept, plan, complete, answer), with its text.
pub async fn act(db: &Db, p: &Principal, id: i64, action: Action, text: Option<&str>, merge_into: Option<i64>) -> Result<Status, NeedError> {
    let mut tx = db.begin_write().await?;
    let w = who(&mut tx, p).await?;
    let need = worker_need(&mut tx, &w, id).await?;
    let to = model::transition(need.status, action, Actor::Worker, need.hidden_from).map_err(|e| match e {
        model::TransitionError::NotAllowed => NeedError::NotAllowed,
        model::TransitionError::WrongStatus => NeedError::WrongStatus { status: need.status.as_str().into() },
    })?;
    let target = if action == Action::Merge {
        let t = merge_into.filter(|t| *t != id).ok_or(NeedError::BadMergeTarget)?;
        let target = load(&mut tx, t).await?.filter(|t| t.community == need.community).ok_or(NeedError::BadMergeTarget)?;
        if !target.published || !target.status.supportable() {
            return Err(NeedError::BadMergeTarget);
        }
        // Supporters of both count once: a supporter already on the target is not added again.
        let moved = sqlx::query(
            "INSERT INTO need_supports (need_id, user_id, created_at) SELECT $1, user_id, created_at FROM need_supports WHERE need_id = $2 ON CONFLICT DO NOTHING",
        )
        .bind(target.id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved > 0 {
            bump_supports(&mut tx, target.id, moved as i64, now_ms()).await?;
        }
        Some(target.id)
    } else {
        None
    };
    if action == Action::Restore {
        resolve(&mut tx, id, None).await?;
    }
    apply(&mut tx, &need, action, to, text, target, Some(&w)).await?;
    tx.commit().await?;
    Ok(to)
}

/// A project moves a need it links (`Plan` when linked, `Complete` when accepted) in the caller's
/// transaction: `w` the worker, None for the round's close. A need there already is left as it
/// is; one that cannot move from where it stands: `Err(its status)`, nothing written.
pub(crate) async fn move_for_project(
    conn: &mut AnyConnection,
    id: i64,
    action: Action,
    text: &str,
    w: Option<&Who<'_>>,
) -> Result<Result<(), Status>, NeedError> {
    let need = load(conn, id).await?.ok_or(CommonError::NotFound)?;
    let there = match action {
        Action::Plan => Status::Planned,
        _ => Status::Done,
    };
    if need.status == there {
        return Ok(Ok(()));
    }
    let Ok(to) = model::transition(need.status, action, Actor::Worker, need.hidden_from) else { return Ok(Err(need.status)) };
    apply(conn, &need, action, to, Some(text), None, w).await?;
    Ok(Ok(()))
}

/// Refuses (not found) a comment id that is not a comment of the need `need`: a request names both,
/// and rights are checked on the need.
async fn comment_of(conn: &mut AnyConnection, need: i64, comment: Option<i64>) -> Result<(), NeedError> {
    if let Some(c) = comment {
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM need_comments WHERE id = $1 AND need_id = $2").bind(c).bind(need).fetch_one(conn).await?;
        if found == 0 {
            return Err(CommonError::NotFound.into());
        }
    }
    Ok(())
}

/// Marks the reports on a need (or one of its comments, which the caller has checked belongs to
/// it) as decided.
async fn resolve(conn: &mut AnyConnection, need: i64, comment: Option<i64>) -> Result<(), sqlx::Error> {
    let now = now_ms();
    match comment {
        Some(c) => {
            sqlx::query("UPDATE need_reports SET resolved_at = $1 WHERE need_id = $2 AND comment_id = $3 AND resolved_at IS NULL")
                .bind(now)
                .bind(need)
                .bind(c)
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE need_comments SET reports = 0 WHERE id = $1 AND need_id = $2").bind(c).bind(need).execute(conn).await?;
        }
        None => {
            sqlx::query("UPDATE need_reports SET resolved_at = $1 WHERE need_id = $2 AND comment_id IS NULL AND resolved_at IS NULL")
                .bind(now)
                .bind(need)
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE needs SET reports = 0 WHERE id = $1").bind(need).execute(conn).await?;
        }
    }
    Ok(())
}

/// A worker decides on the reports of a need (or of one comment) without changing what is shown:
/// a reported need stays visible, a hidden one stays hidden.
pub async fn resolve_reports(db: &Db, p: &Principal, id: i64, comment: Option<i64>) -> Result<(), NeedError> {
    let mut tx = db.begin_write().await?;
    let w = who(&mut tx, p).await?;
    let need = worker_need(&mut tx, &w, id).await?;
    comment_of(&mut tx, id, comment).await?;
    resolve(&mut tx, id, comment).await?;
    events::append(&mut tx, &event(&need, "need.reports_resolved", Some(&w), false, serde_json::json!({ "comment": comment }))).await?;
    tx.commit().await?;
    Ok(())
}

/// Photos `user` uploaded in the last day and has not attached to a need.
async fn pending_photos(conn: &mut AnyConnection, user: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM need_photos WHERE owner_user_id = $1 AND need_id IS NULL AND created_at > $2")
        .bind(user)
        .bind(now_ms() - 86_400_000)
        .fetch_one(conn)
        .await
}

/// A worker hides or shows a comment (its reports are then decided).
pub async fn set_comment_hidden(db: &Db, p: &Principal, comment: i64, hidden: bool) -> Result<(), NeedError> {
    let mut tx = db.begin_write().await?;
    let w = who(&mut tx, p).await?;
    let need_id: i64 =
        sqlx::query_scalar("SELECT need_id FROM need_comments WHERE id = $1").bind(comment).fetch_optional(&mut *tx).await?.ok_or(CommonError::NotFound)?;
    let need = worker_need(&mut tx, &w, need_id).await?;
    sqlx::query("UPDATE need_comments SET hidden = $1 WHERE id = $2").bind(i64::from(hidden)).bind(comment).execute(&mut *tx).await?;
    resolve(&mut tx, need_id, Some(comment)).await?;
    let kind = if hidden { "need.comment_hidden" } else { "need.comment_shown" };
    events::append(&mut tx, &event(&need, kind, Some(&w), false, serde_json::json!({ "comment": comment }))).await?;
    tx.commit().await?;
    Ok(())
}

/// The worker's queue: new needs, reported ones, unanswered ones (overdue first), reported
/// comments, the reason templates and the community's settings.
pub async fn queue(db: &Db, p: &Principal, requested: Option<i64>) -> Result<Queue, NeedError> {
    let mut conn = db.pool().acquire().await?;
    let community = worker_community(&mut conn, p, requested).await?;
    let s = settings(&mut conn, community).await?;
    let part = |cond: &str, order: &str| format!("SELECT {SUMMARY_COLUMNS}, 0 FROM needs n WHERE n.community_id = $1 AND {cond} ORDER BY {order} LIMIT 100");
    let fetch = |sql: String| async move {
        let rows: Vec<SummaryRow> = sqlx::query_as(&sql).bind(community).fetch_all(db.pool()).await?;
        let now = now_ms();
        rows.into_iter().map(|r| summary(r, &s, now)).collect::<Result<Vec<_>, sqlx::Error>>()
    };
    let new = fetch(part("n.status = 'submitted'", "n.id")).await?;
    let reported = fetch(part("n.reports > 0", "n.reports DESC, n.id")).await?;
    let mut unanswered = fetch(part("n.status IN ('published', 'under_review') AND n.answered_at IS NULL", "n.published_at, n.id")).await?;
    unanswered.retain(|n| n.overdue || n.awaiting);
    unanswered.sort_by_key(|n| (!n.overdue, !n.awaiting));
    let comments: Vec<(i64, i64, Option<String>, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT c.need_id, c.id, u.display_name, c.body, c.created_at, c.hidden, c.reports FROM need_comments c \
         JOIN needs n ON n.id = c.need_id JOIN users u ON u.id = c.author_user_id WHERE n.community_id = $1 AND c.reports > 0 ORDER BY c.id LIMIT 100",
    )
    .bind(community)
    .fetch_all(&mut *conn)
    .await?;
    let reasons: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, text FROM need_reason_templates WHERE community_id = $1 ORDER BY id").bind(community).fetch_all(&mut *conn).await?;
    Ok(Queue {
        new,
        reported,
        unanswered,
        reported_comments: comments
            .into_iter()
            .map(|(need_id, id, name, body, at, hidden, reports)| ReportedComment {
                need_id,
                comment: CommentView { id, author: name.unwrap_or_default(), body, at, hidden: hidden == 1, reports },
            })
            .collect(),
        reasons,
        settings: s,
    })
}

/// A worker adds a reason template (idempotent) or deletes one.
pub async fn edit_reasons(db: &Db, p: &Principal, add: Option<&str>, delete: Option<i64>) -> Result<(), NeedError> {
    let mut tx = db.begin_write().await?;
    let community = worker_community(&mut tx, p, None).await?;
    if let Some(text) = add {
        sqlx::query("INSERT INTO need_reason_templates (community_id, text) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(community)
            .bind(text)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(id) = delete {
        // Another community's reason (or one already deleted) is not found: refused, and the
        // whole request with it.
        let deleted = sqlx::query("DELETE FROM need_reason_templates WHERE id = $1 AND community_id = $2").bind(id).bind(community).execute(&mut *tx).await?;
        if deleted.rows_affected() == 0 {
            return Err(CommonError::NotFound.into());
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A worker sets the community's support threshold, answer time and report limit.
pub async fn set_settings(db: &Db, p: &Principal, s: NeedSettings) -> Result<(), NeedError> {
    let ok = (1..=10_000).contains(&s.support_threshold) && (1..=365).contains(&s.answer_days) && (1..=100).contains(&s.report_limit);
    if !ok {
        return Err(NeedError::BadSetting);
    }
    let mut tx = db.begin_write().await?;
    let community = worker_community(&mut tx, p, None).await?;
    sqlx::query("UPDATE communities SET need_support_threshold = $1, need_answer_days = $2, need_report_limit = $3 WHERE id = $4")
        .bind(s.support_threshold)
        .bind(s.answer_days)
        .bind(s.report_limit)
        .bind(community)
        .execute(&mut *tx)
        .await?;
    events::append(
        &mut tx,
        &NewEvent {
            community_id: Some(community),
            kind: "need.settings_changed",
            subject_type: "community",
            subject_id: Some(community),
            actor_user_id: Some(p.user_id),
            on_behalf_of_user_id: None,
            official: false,
            payload: serde_json::json!({ "support_threshold": s.support_threshold, "answer_days": s.answer_days, "report_limit": s.report_limit }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Photos

/// Stores a cleaned photo for the acting resident; attached to a need when it is submitted.
/// The row and the file are written together: if the file cannot be stored, no row remains.
pub async fn upload_photo(db: &Db, blobs: &dyn BlobStore, p: &Principal, raw: Vec<u8>) -> Result<PhotoRef, NeedError> {
    // Rights and the header first, on a read connection: nothing is decoded for someone who may
    // not upload, has parked too many photos, or sends more pixels than the budget.
    {
        let mut conn = db.pool().acquire().await?;
        let (w, _) = verified_resident(&mut conn, p).await?;
        if pending_photos(&mut conn, w.subject).await? >= 20 {
            return Err(NeedError::TooManyPhotos { max: model::MAX_PHOTOS });
        }
    }
    let photo = super::photo::cleaned_upload(raw).await?;
    let mut tx = db.begin_write().await?;
    let (w, community) = verified_resident(&mut tx, p).await?;
    // Bound what one person can park in the store without submitting (again: a parallel upload
    // may have come first).
    if pending_photos(&mut tx, w.subject).await? >= 20 {
        return Err(NeedError::TooManyPhotos { max: model::MAX_PHOTOS });
    }
    let key = super::photo::new_key();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO need_photos (storage_key, owner_user_id, community_id, content_type, byte_size, width, height, created_at) \
         VALUES ($1, $2, $3, 'image/jpeg', $4, $5, $6, $7) RETURNING id",
    )
    .bind(&key)
    .bind(w.subject)
    .bind(community)
    .bind(photo.jpeg.len() as i64)
    .bind(i64::from(photo.width))
    .bind(i64::from(photo.height))
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    super::photo::put(blobs, &key, photo.jpeg).await?;
    // Photos uploaded but never attached to a need are dropped after a day, a few per upload.
    let stale: Vec<(i64, String)> = sqlx::query_as("SELECT id, storage_key FROM need_photos WHERE need_id IS NULL AND created_at < $1 ORDER BY id LIMIT 20")
        .bind(now_ms() - 86_400_000)
        .fetch_all(&mut *tx)
        .await?;
    for (stale_id, _) in &stale {
        sqlx::query("DELETE FROM need_photos WHERE id = $1").bind(stale_id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    for (_, stale_key) in stale {
        super::photo::forget(blobs, &stale_key).await;
    }
    Ok(PhotoRef { id, url: format!("/media/needs/{key}") })
}

/// The bytes of a photo, for whoever may see it: its uploader, or anyone who may see its need.
pub async fn photo_for(db: &Db, blobs: &dyn BlobStore, p: &Principal, key: &str) -> Result<Vec<u8>, NeedError> {
    let mut conn = db.pool().acquire().await?;
    let row: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT owner_user_id, need_id FROM need_photos WHERE storage_key = $1").bind(key).fetch_optional(&mut *conn).await?;
    let (owner, need) = row.ok_or(CommonError::NotFound)?;
    let w = who(&mut conn, p).await?;
    if owner != w.subject && owner != p.user_id {
        access(&mut conn, &w, need.ok_or(CommonError::NotFound)?).await?;
    }
    blobs.get(key).await.ok().flatten().ok_or(CommonError::NotFound.into())
}

// ---------------------------------------------------------------------------------------------
// Demo and benchmark data

/// A need as it would stand after its history (demo data, benchmark data): inserted directly,
/// with its grams and supporters, published at `now` if its status is public.
#[allow(clippy::too_many_arguments)] // one argument per column of a seeded need
pub async fn insert_seeded(
    conn: &mut AnyConnection,
    community: i64,
    author: i64,
    category_code: &str,
    title: &str,
    body: &str,
    status: Status,
    answer: Option<&str>,
    supporters: &[i64],
    now: i64,
) -> Result<i64, sqlx::Error> {
    let category: i64 =
        sqlx::query_scalar("SELECT id FROM need_categories WHERE district_id IS NULL AND code = $1").bind(category_code).fetch_one(&mut *conn).await?;
    let grams = similar::need_grams(title, "", body);
    let published = !matches!(status, Status::Submitted | Status::ChangesRequested);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO needs (community_id, author_user_id, category_id, title, body, status, answer, answered_at, gram_count, created_at, updated_at, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING id",
    )
    .bind(community)
    .bind(author)
    .bind(category)
    .bind(title)
    .bind(body)
    .bind(status.as_str())
    .bind(answer)
    .bind(answer.map(|_| now))
    .bind(grams.len() as i64)
    .bind(now)
    .bind(published.then_some(now))
    .fetch_one(&mut *conn)
    .await?;
    index_grams(conn, community, id, &grams).await?;
    for &u in supporters {
        sqlx::query("INSERT INTO need_supports (need_id, user_id, created_at) VALUES ($1, $2, $3)").bind(id).bind(u).bind(now).execute(&mut *conn).await?;
        bump_supports(conn, id, 1, now).await?;
    }
    if let Some(text) = answer {
        record_update(conn, id, Action::Answer, status, status, Some(text), None).await?;
    }
    Ok(id)
}
