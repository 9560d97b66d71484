//! Services in the database: every function authorizes from the session and the database (role
//! **and** community; every id named belongs to the parent named), acts in one transaction with its
//! event and notifications, and leaves nothing half-written.
//!
//! A session's places are a kernel capacity pool; a booking is one claim on it for all the people
//! it serves (all at once, or waiting as a whole). Whatever frees places (a cancellation, a
//! capacity raised) promotes the waiting bookings that fit in the same transaction
//! (`kernel::capacity`), and this module tells them.
//!
//! Lock order, so that two transactions never wait on each other in a circle (PostgreSQL): a
//! booking first locks the people it serves (their `household_members` rows, in id order), then
//! the session's pool; everything else locks only the pool. The per-person checks (overlap, limits,
//! the same session twice) are therefore made while no other booking for the same person can run,
//! and the partial unique index `service_booking_people_once` refuses a person twice whatever the code.
use super::error::{Field, ServiceError as E};
use super::model::*;
use super::notices::ServiceNotice;
use super::types::*;
use crate::infra::db::{Db, now_ms};
use crate::infra::events::{self, NewEvent};
use crate::kernel::audience::{Person, household_people, households_people};
use crate::kernel::capacity::{self, CapacityError, Claimed};
use crate::kernel::error::CommonError;
use crate::kernel::guard::{Principal, acting_for, acting_household, home_community, is_worker, worker_community};
use crate::kernel::sql::{Arg, Sql};
use crate::kernel::text::checked;
use crate::notifications::send as notify;
use crate::time::{Day, day_of, day_text, hm, parse_day, parse_hm};
use sqlx::{AnyConnection, Row};

impl From<CapacityError> for E {
    fn from(e: CapacityError) -> Self {
        match e {
            CapacityError::BelowTaken { taken } => E::BelowBooked { taken },
            CapacityError::Closed => E::BookingClosed,
            CapacityError::NotFound => E::Common(CommonError::NotFound),
            CapacityError::Ended => E::AlreadyCancelled,
            CapacityError::Common(c) => E::Common(c),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rows

/// A service as stored.
#[derive(Debug, Clone)]
pub struct Svc {
    pub id: i64,
    pub community_id: i64,
    pub category: Category,
    pub title: String,
    pub provider: String,
    pub place: String,
    pub description: String,
    pub rules: Rules,
    pub active: bool,
}

const SVC_COLUMNS: &str = "id, community_id, category, title, provider, place, description, min_age, max_age, base_price_fen, party_limit, \
                           cancel_before_min, per_day, per_week, active, timebank_half_hours";

/// A service from `r` (its `SVC_COLUMNS` from column `at` on), with its price bands and buildings.
async fn svc_from(conn: &mut AnyConnection, r: &sqlx::any::AnyRow, at: usize) -> Result<Svc, E> {
    let id: i64 = r.try_get(at)?;
    // Bands (kind 0: from age, price) and buildings (kind 1: building id) in one query.
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT CAST(0 AS BIGINT), from_age, price_fen FROM service_price_bands WHERE service_id = $1 \
         UNION ALL SELECT CAST(1 AS BIGINT), building_id, CAST(0 AS BIGINT) FROM service_buildings WHERE service_id = $1 ORDER BY 1, 2",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let bands = rows.iter().filter(|r| r.0 == 0).map(|&(_, from_age, price_fen)| PriceBand { from_age, price_fen }).collect();
    let building_ids = rows.iter().filter(|r| r.0 == 1).map(|r| r.1).collect();
    let c = |i: usize| at + i;
    Ok(Svc {
        id,
        community_id: r.try_get(c(1))?,
        category: Category::stored(&r.try_get::<String, _>(c(2))?)?,
        title: r.try_get(c(3))?,
        provider: r.try_get(c(4))?,
        place: r.try_get(c(5))?,
        description: r.try_get::<Option<String>, _>(c(6))?.unwrap_or_default(),
        rules: Rules {
            eligibility: Eligibility { min_age: r.try_get(c(7))?, max_age: r.try_get(c(8))?, building_ids },
            base_price_fen: r.try_get(c(9))?,
            bands,
            party_limit: r.try_get(c(10))?,
            cancel_before_min: r.try_get(c(11))?,
            per_day: r.try_get(c(12))?,
            per_week: r.try_get(c(13))?,
            timebank_half_hours: r.try_get(c(15))?,
        },
        active: r.try_get::<i64, _>(c(14))? == 1,
    })
}

pub async fn load_service(conn: &mut AnyConnection, id: i64) -> Result<Option<Svc>, E> {
    let row = sqlx::query(&format!("SELECT {SVC_COLUMNS} FROM services WHERE id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    match row {
        Some(r) => Ok(Some(svc_from(conn, &r, 0).await?)),
        None => Ok(None),
    }
}

/// A session as stored.
#[derive(Debug, Clone)]
pub struct Sess {
    pub id: i64,
    pub service_id: i64,
    pub day: Day,
    pub times: SessionTimes,
    pub pool_id: i64,
    pub cancelled: bool,
    pub cancel_reason: Option<String>,
    pub ended_done: bool,
}

const SESS_COLUMNS: &str = "id, service_id, day, starts_at, ends_at, opens_at, closes_at, pool_id, status, cancel_reason, ended_done";

fn sess_from(r: &sqlx::any::AnyRow) -> Result<Sess, sqlx::Error> {
    Ok(Sess {
        id: r.try_get(0)?,
        service_id: r.try_get(1)?,
        day: r.try_get(2)?,
        times: SessionTimes { starts_at: r.try_get(3)?, ends_at: r.try_get(4)?, opens_at: r.try_get(5)?, closes_at: r.try_get(6)? },
        pool_id: r.try_get(7)?,
        cancelled: r.try_get::<String, _>(8)? == "cancelled",
        cancel_reason: r.try_get(9)?,
        ended_done: r.try_get::<i64, _>(10)? == 1,
    })
}

pub async fn load_session(conn: &mut AnyConnection, id: i64) -> Result<Option<Sess>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {SESS_COLUMNS} FROM service_sessions WHERE id = $1")).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(sess_from).transpose()
}

/// A session and its service (NotFound if there is no such session).
async fn session_of(conn: &mut AnyConnection, session: i64) -> Result<(Sess, Svc), E> {
    let columns = |t: &str, list: &str| list.split(", ").map(|c| format!("{t}.{c}")).collect::<Vec<_>>().join(", ");
    let row = sqlx::query(&format!(
        "SELECT {}, {} FROM service_sessions s JOIN services v ON v.id = s.service_id WHERE s.id = $1",
        columns("s", SESS_COLUMNS),
        columns("v", SVC_COLUMNS)
    ))
    .bind(session)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(CommonError::NotFound)?;
    let s = sess_from(&row)?;
    let svc = svc_from(conn, &row, SESS_COLUMNS.split(", ").count()).await?;
    Ok((s, svc))
}

/// The community's no-show rule (the defaults where none is set).
pub async fn no_show_rule(conn: &mut AnyConnection, community: i64) -> Result<NoShowRule, sqlx::Error> {
    let row: Option<(i64, i64, i64, i64)> =
        sqlx::query_as("SELECT noshow_count, noshow_window_days, noshow_penalty_days, noshow_week_limit FROM service_settings WHERE community_id = $1")
            .bind(community)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(count, window_days, penalty_days, week_limit)| NoShowRule { count, window_days, penalty_days, week_limit }).unwrap_or_default())
}

fn event<'a>(
    community: i64,
    kind: &'a str,
    subject_type: &'a str,
    id: i64,
    actor: Option<i64>,
    on_behalf: Option<i64>,
    payload: serde_json::Value,
) -> NewEvent<'a> {
    NewEvent {
        community_id: Some(community),
        kind,
        subject_type,
        subject_id: Some(id),
        actor_user_id: actor,
        on_behalf_of_user_id: on_behalf,
        official: false,
        payload,
    }
}

/// Tells the people of a booking: who booked it, and each person served who has an account.
async fn tell(conn: &mut AnyConnection, community: i64, booking: i64, n: &ServiceNotice) -> Result<(), sqlx::Error> {
    tell_each(conn, community, &[(booking, n)]).await
}

/// `tell`, of several bookings in one statement.
async fn tell_each(conn: &mut AnyConnection, community: i64, items: &[(i64, &ServiceNotice)]) -> Result<(), sqlx::Error> {
    notify::send_each_of(conn, community, items, |sql, booking| {
        let b = sql.arg(Arg::I(booking));
        let b2 = sql.arg(Arg::I(booking));
        format!(
            "SELECT booked_by AS user_id FROM service_bookings WHERE id = {b} AND booked_by IS NOT NULL UNION \
             SELECT m.user_id AS user_id FROM service_booking_people bp JOIN household_members m ON m.id = bp.member_id \
             WHERE bp.booking_id = {b2} AND m.user_id IS NOT NULL"
        )
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The catalogue, kept by workers

fn text(s: &str, f: Field, limit: crate::kernel::text::Limit) -> Result<String, E> {
    checked(s, f, limit)
}

/// A worker creates or changes a service of their community.
pub async fn save_service(db: &Db, p: &Principal, f: &ServiceForm, requested: Option<i64>) -> Result<i64, E> {
    let title = text(&f.title, Field::Title, TITLE)?;
    let provider = text(&f.provider, Field::Provider, PROVIDER)?;
    let place = text(&f.place, Field::Place, PLACE)?;
    // Empty is stored as NULL (an optional field).
    let description = Some(text(&f.description, Field::Description, DESCRIPTION)?).filter(|d| !d.is_empty());
    f.rules.check().map_err(E::Settings)?;
    let mut buildings = f.rules.eligibility.building_ids.clone();
    buildings.sort_unstable();
    buildings.dedup();
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let community = match f.id {
        Some(id) => {
            let c: i64 =
                sqlx::query_scalar("SELECT community_id FROM services WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?.ok_or(CommonError::NotFound)?;
            worker_community(&mut tx, p, Some(c)).await?
        }
        None => worker_community(&mut tx, p, requested).await?,
    };
    for b in &buildings {
        let ok: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM buildings WHERE id = $1 AND community_id = $2").bind(b).bind(community).fetch_one(&mut *tx).await?;
        if ok != 1 {
            return Err(E::UnknownBuilding);
        }
    }
    let r = &f.rules;
    let fields = |q| bind_service(q, f, [title.clone(), provider.clone(), place.clone()], description.clone());
    let id: i64 = match f.id {
        Some(id) => {
            fields(sqlx::query(
                "UPDATE services SET category = $2, title = $3, provider = $4, place = $5, description = $6, min_age = $7, max_age = $8, base_price_fen = $9, \
                 party_limit = $10, cancel_before_min = $11, per_day = $12, per_week = $13, active = $14, timebank_half_hours = $15, updated_at = $16 WHERE id = $1",
            )
            .bind(id))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM service_price_bands WHERE service_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM service_buildings WHERE service_id = $1").bind(id).execute(&mut *tx).await?;
            id
        }
        None => fields(
            sqlx::query(
                "INSERT INTO services (community_id, category, title, provider, place, description, min_age, max_age, base_price_fen, party_limit, \
                 cancel_before_min, per_day, per_week, active, timebank_half_hours, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) RETURNING id",
            )
            .bind(community),
        )
        .bind(p.user_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?,
    };
    for b in &r.bands {
        sqlx::query("INSERT INTO service_price_bands (service_id, from_age, price_fen) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(b.from_age)
            .bind(b.price_fen)
            .execute(&mut *tx)
            .await?;
    }
    for b in &buildings {
        sqlx::query("INSERT INTO service_buildings (service_id, building_id) VALUES ($1, $2)").bind(id).bind(b).execute(&mut *tx).await?;
    }
    let kind = if f.id.is_some() { "service.changed" } else { "service.created" };
    let payload = serde_json::json!({ "category": f.category.as_str(), "title": title, "rules": r, "active": f.active });
    events::append(&mut tx, &event(community, kind, "service", id, Some(p.user_id), None, payload)).await?;
    tx.commit().await?;
    Ok(id)
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds a service's own values ($2…$15 of its INSERT and its UPDATE): category, title, provider,
/// place, description, the rules' numbers, active, the time-bank price.
fn bind_service<'q>(q: AnyQuery<'q>, f: &ServiceForm, [title, provider, place]: [String; 3], description: Option<String>) -> AnyQuery<'q> {
    let r = &f.rules;
    q.bind(f.category.as_str())
        .bind(title)
        .bind(provider)
        .bind(place)
        .bind(description)
        .bind(r.eligibility.min_age)
        .bind(r.eligibility.max_age)
        .bind(r.base_price_fen)
        .bind(r.party_limit)
        .bind(r.cancel_before_min)
        .bind(r.per_day)
        .bind(r.per_week)
        .bind(i64::from(f.active))
        .bind(r.timebank_half_hours)
}

fn schedule_of(f: &ScheduleForm) -> Result<Schedule, E> {
    let bad = |p| E::Schedule(p);
    let day = |s: &str| parse_day(s).ok_or(bad(ScheduleProblem::Range));
    let time = |s: &str| parse_hm(s).ok_or(bad(ScheduleProblem::Times));
    let end_min = if f.end.trim() == "24:00" { 1440 } else { time(&f.end)? };
    let s = Schedule {
        repeat: f.repeat,
        first_day: day(&f.first_day)?,
        last_day: f.last_day.as_deref().filter(|s| !s.trim().is_empty()).map(day).transpose()?,
        start_min: time(&f.start)?,
        end_min,
        capacity: f.capacity,
        opens_days_before: f.opens_days_before,
        opens_min: time(&f.opens)?,
        closes_min: time(&f.closes)?,
    };
    s.check().map_err(bad)?;
    Ok(s)
}

fn repeat_columns(r: Repeat) -> (&'static str, i64) {
    match r {
        Repeat::Once => ("once", 0),
        Repeat::Weekly { days } => ("weekly", i64::from(days)),
        Repeat::Monthly { day } => ("monthly", i64::from(day)),
    }
}

fn repeat_from(kind: &str, days: i64) -> Result<Repeat, sqlx::Error> {
    Ok(match kind {
        "once" => Repeat::Once,
        "weekly" => Repeat::Weekly { days: days as u8 },
        "monthly" => Repeat::Monthly { day: days as u8 },
        other => return Err(crate::kernel::stored::unknown("Repeat", other)),
    })
}

/// A worker adds a schedule to a service; its first sessions are generated at once.
pub async fn add_schedule(db: &Db, p: &Principal, f: &ScheduleForm) -> Result<i64, E> {
    let s = schedule_of(f)?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let svc = load_service(&mut tx, f.service_id).await?.ok_or(CommonError::NotFound)?;
    worker_community(&mut tx, p, Some(svc.community_id)).await?;
    let (repeat, days) = repeat_columns(s.repeat);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO service_schedules (service_id, repeat, days, first_day, last_day, start_min, end_min, capacity, opens_days_before, opens_min, closes_min, \
         generated_to, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(svc.id)
    .bind(repeat)
    .bind(days)
    .bind(s.first_day)
    .bind(s.last_day)
    .bind(s.start_min)
    .bind(s.end_min)
    .bind(s.capacity)
    .bind(s.opens_days_before)
    .bind(s.opens_min)
    .bind(s.closes_min)
    .bind(s.first_day - 1)
    .bind(p.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    events::append(
        &mut tx,
        &event(svc.community_id, "service.schedule_added", "service", svc.id, Some(p.user_id), None, serde_json::json!({ "schedule": id, "spec": s })),
    )
    .await?;
    generate_in(&mut tx, id, day_of(now) + GENERATE_DAYS, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// A worker ends a schedule: no more sessions are generated (those generated stay; each can be cancelled).
pub async fn end_schedule(db: &Db, p: &Principal, schedule: i64) -> Result<(), E> {
    let mut tx = db.begin_write().await?;
    let service: i64 = sqlx::query_scalar("SELECT service_id FROM service_schedules WHERE id = $1")
        .bind(schedule)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(CommonError::NotFound)?;
    let svc = load_service(&mut tx, service).await?.ok_or(CommonError::NotFound)?;
    worker_community(&mut tx, p, Some(svc.community_id)).await?;
    sqlx::query("UPDATE service_schedules SET ended = 1 WHERE id = $1").bind(schedule).execute(&mut *tx).await?;
    events::append(
        &mut tx,
        &event(svc.community_id, "service.schedule_ended", "service", svc.id, Some(p.user_id), None, serde_json::json!({ "schedule": schedule })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Generates the sessions of a schedule up to `horizon` (a day), if no one else has: the schedule's
/// `generated_to` moves in the same transaction, guarded by its old value, so a pass that lost the
/// race (another instance, a restart half-way) generates nothing. Returns how many it made.
async fn generate_in(conn: &mut AnyConnection, schedule: i64, horizon: Day, now: i64) -> Result<usize, E> {
    let r = sqlx::query(
        "SELECT s.repeat, s.days, s.first_day, s.last_day, s.start_min, s.end_min, s.capacity, s.opens_days_before, s.opens_min, s.closes_min, \
         s.generated_to, s.ended, s.service_id, v.community_id FROM service_schedules s JOIN services v ON v.id = s.service_id WHERE s.id = $1",
    )
    .bind(schedule)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(CommonError::NotFound)?;
    let s = Schedule {
        repeat: repeat_from(&r.try_get::<String, _>(0)?, r.try_get(1)?)?,
        first_day: r.try_get(2)?,
        last_day: r.try_get(3)?,
        start_min: r.try_get(4)?,
        end_min: r.try_get(5)?,
        capacity: r.try_get(6)?,
        opens_days_before: r.try_get(7)?,
        opens_min: r.try_get(8)?,
        closes_min: r.try_get(9)?,
    };
    let (done, ended, service, community): (Day, i64, i64, i64) = (r.try_get(10)?, r.try_get(11)?, r.try_get(12)?, r.try_get(13)?);
    let to = s.last_day.map_or(horizon, |l| l.min(horizon));
    if ended == 1 || to <= done {
        return Ok(0);
    }
    let moved = sqlx::query("UPDATE service_schedules SET generated_to = $1 WHERE id = $2 AND generated_to = $3")
        .bind(to)
        .bind(schedule)
        .bind(done)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if moved != 1 {
        return Ok(0);
    }
    let skipped: Vec<Day> = sqlx::query_scalar("SELECT day FROM service_skip_days WHERE community_id = $1 AND day > $2 AND day <= $3")
        .bind(community)
        .bind(done)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?;
    let mut made = 0;
    for day in s.days(done + 1, to, &skipped) {
        let t = s.times(day);
        if t.ends_at <= now {
            continue;
        }
        let pool = capacity::create_pool(conn, s.capacity, now).await?;
        sqlx::query(
            "INSERT INTO service_sessions (service_id, schedule_id, day, starts_at, ends_at, opens_at, closes_at, pool_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(service)
        .bind(schedule)
        .bind(day)
        .bind(t.starts_at)
        .bind(t.ends_at)
        .bind(t.opens_at)
        .bind(t.closes_at)
        .bind(pool)
        .execute(&mut *conn)
        .await?;
        made += 1;
    }
    Ok(made)
}

// ---------------------------------------------------------------------------------------------
// Sessions, by workers

/// A worker cancels a session with a reason: every booking, held or waiting, ends and is told.
pub async fn cancel_session(db: &Db, p: &Principal, session: i64, reason: &str) -> Result<usize, E> {
    let reason = text(reason, Field::Reason, REASON).map_err(|_| E::ReasonRequired)?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let s = load_session(&mut tx, session).await?.ok_or(CommonError::NotFound)?;
    let svc = load_service(&mut tx, s.service_id).await?.ok_or(CommonError::NotFound)?;
    worker_community(&mut tx, p, Some(svc.community_id)).await?;
    if s.cancelled {
        return Err(E::SessionCancelled);
    }
    if s.times.ends_at <= now {
        return Err(E::SessionEnded);
    }
    let ended = capacity::cancel_pool(&mut tx, s.pool_id, now).await?;
    let moved = sqlx::query(
        "UPDATE service_sessions SET status = 'cancelled', cancel_reason = $2, cancelled_by = $3, cancelled_at = $4 WHERE id = $1 AND status = 'scheduled'",
    )
    .bind(session)
    .bind(&reason)
    .bind(p.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved != 1 {
        return Err(E::SessionCancelled);
    }
    sqlx::query("UPDATE service_booking_people SET active = 0 WHERE session_id = $1").bind(session).execute(&mut *tx).await?;
    let mut told = 0;
    for claim in &ended {
        let booking: i64 = sqlx::query_scalar("SELECT id FROM service_bookings WHERE claim_id = $1").bind(claim).fetch_one(&mut *tx).await?;
        refund_hours(&mut tx, booking, Some(p.user_id)).await?;
        tell(
            &mut tx,
            svc.community_id,
            booking,
            &ServiceNotice::SessionCancelled { title: svc.title.clone(), starts_at: s.times.starts_at, reason: reason.clone() },
        )
        .await?;
        told += 1;
    }
    events::append(
        &mut tx,
        &event(
            svc.community_id,
            "service.session_cancelled",
            "service_session",
            session,
            Some(p.user_id),
            None,
            serde_json::json!({ "reason": reason, "bookings": told }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(told)
}

/// A worker changes a session's capacity: below the places booked is refused; raising it promotes
/// from the waitlist (told) in the same transaction.
pub async fn set_session_capacity(db: &Db, p: &Principal, session: i64, places: i64) -> Result<usize, E> {
    if !(1..=MAX_CAPACITY).contains(&places) {
        return Err(E::Schedule(ScheduleProblem::Capacity));
    }
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let s = load_session(&mut tx, session).await?.ok_or(CommonError::NotFound)?;
    let svc = load_service(&mut tx, s.service_id).await?.ok_or(CommonError::NotFound)?;
    worker_community(&mut tx, p, Some(svc.community_id)).await?;
    if s.cancelled {
        return Err(E::SessionCancelled);
    }
    let promoted = capacity::set_capacity(&mut tx, s.pool_id, places, now).await?;
    tell_promoted(&mut tx, &svc, &s, &promoted, Some(p.user_id)).await?;
    events::append(
        &mut tx,
        &event(
            svc.community_id,
            "service.capacity_changed",
            "service_session",
            session,
            Some(p.user_id),
            None,
            serde_json::json!({ "capacity": places, "promoted": promoted.len() }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(promoted.len())
}

/// Tells the bookings whose claims were promoted, and records each promotion.
async fn tell_promoted(conn: &mut AnyConnection, svc: &Svc, s: &Sess, claims: &[i64], actor: Option<i64>) -> Result<(), E> {
    for claim in claims {
        let booking: i64 = sqlx::query_scalar("SELECT id FROM service_bookings WHERE claim_id = $1").bind(claim).fetch_one(&mut *conn).await?;
        tell(conn, svc.community_id, booking, &ServiceNotice::Promoted { title: svc.title.clone(), starts_at: s.times.starts_at }).await?;
        events::append(conn, &event(svc.community_id, "service.promoted", "service_booking", booking, actor, None, serde_json::json!({ "session": s.id })))
            .await?;
    }
    Ok(())
}

/// Gives a booking's time-bank hours back if it was paid so and not refunded yet (a cancellation,
/// a cancelled session, a waitlist closed).
async fn refund_hours(conn: &mut AnyConnection, booking: i64, by: Option<i64>) -> Result<(), E> {
    let paid: Option<(i64, i64, i64)> =
        sqlx::query_as("SELECT member_id, community_id, half_hours FROM timebank_entries WHERE booking_id = $1 AND kind = 'spent'")
            .bind(booking)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((member, community, spent)) = paid else { return Ok(()) };
    let refunded: Option<i64> =
        sqlx::query_scalar("SELECT id FROM timebank_entries WHERE booking_id = $1 AND kind = 'refunded'").bind(booking).fetch_optional(&mut *conn).await?;
    if refunded.is_none() {
        let posting = crate::timebank::store::Posting {
            booking: Some(booking),
            by,
            ..crate::timebank::store::Posting::new(member, community, crate::timebank::model::EntryKind::Refunded, -spent, 0)
        };
        crate::timebank::store::post(conn, &posting).await?.map_err(E::Timebank)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Booking

/// Who a booking is made as.
#[derive(Clone)]
struct BookAs {
    household: i64,
    /// The resident whose booking it is (told), if the household has one.
    booked_by: Option<i64>,
    actor: i64,
    on_behalf_of: Option<i64>,
    desk: bool,
}

const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

fn new_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..CODE_LEN).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect()
}

/// What a session offers for booking: the session, its service, the community's no-show rule.
struct Bookable {
    s: Sess,
    svc: Svc,
    rule: NoShowRule,
}

/// The session `id`, its service and the rule of the service's community (NotFound if none).
async fn bookable(conn: &mut AnyConnection, id: i64) -> Result<Bookable, E> {
    let (s, svc) = session_of(conn, id).await?;
    let rule = no_show_rule(conn, svc.community_id).await?;
    Ok(Bookable { s, svc, rule })
}

/// A booking asked for, not yet checked: as whom, in which community, for which members (sorted,
/// no repeats), when.
struct Request {
    community: i64,
    by: BookAs,
    members: Vec<i64>,
    now: i64,
}

impl Request {
    fn new(community: i64, by: BookAs, members: &[i64], now: i64) -> Self {
        let mut members = members.to_vec();
        members.sort_unstable();
        members.dedup();
        Request { community, by, members, now }
    }
}

/// Checks what a booking needs that other bookings do not change: the session is the
/// community's and open, the party, and each person's standing (a confirmed member of the
/// household, age, building) and price: the people as (member, name, age, price), in member id
/// order. What a concurrent change could make wrong is checked again under the write lock (a
/// cancelled or closed session by its pool, the people by their bookings: `book_in`).
fn plan(b: &Bookable, r: &Request, household: &[Person], walk_in: bool) -> Result<Vec<(i64, String, Option<i64>, i64)>, E> {
    let (s, svc) = (&b.s, &b.svc);
    if svc.community_id != r.community {
        return Err(CommonError::NotFound.into());
    }
    if s.cancelled {
        return Err(E::SessionCancelled);
    }
    if !svc.active {
        return Err(E::BookingClosed);
    }
    match window(&s.times, r.now) {
        Window::NotYet if !walk_in => return Err(E::NotOpenYet { opens_at: s.times.opens_at }),
        Window::Closed if !walk_in => return Err(E::BookingClosed),
        _ if walk_in && r.now >= s.times.ends_at => return Err(E::SessionEnded),
        _ => {}
    }
    if r.members.is_empty() {
        return Err(E::NotYourHousehold);
    }
    if r.members.len() as i64 > svc.rules.party_limit {
        return Err(E::PartyTooLarge { max: svc.rules.party_limit });
    }
    let mut people = Vec::new();
    for id in &r.members {
        let person = household.iter().find(|m| m.id == *id).ok_or(E::NotYourHousehold)?;
        let name = person.name.clone();
        if !person.confirmed {
            return Err(E::Ineligible { name, why: Ineligible::NotConfirmed });
        }
        let age =
            svc.rules.eligibility.check(person.birth_year, person.building, s.times.starts_at).map_err(|why| E::Ineligible { name: name.clone(), why })?;
        people.push((person.id, name, age, price_fen(svc.rules.base_price_fen, &svc.rules.bands, age)));
    }
    Ok(people)
}

/// One booking checked by `plan`, to be decided by `book_in`.
struct Ask {
    by: BookAs,
    /// (member, name, age, price) in member id order.
    people: Vec<(i64, String, Option<i64>, i64)>,
    now: i64,
}

/// A booking made: its id, code and claim.
type Made = (i64, String, Claimed);

/// Decides requests for the session of `b` in the caller's write transaction, in their order:
/// each is planned (`plan`; the people of all their households read in one query), then the
/// planned ones are booked together (`book_in`). Each request its outcome; an `Err` fails them
/// all (the caller rolls back).
async fn book_requests(conn: &mut AnyConnection, b: &Bookable, requests: &[Request], walk_in: bool) -> Result<Vec<Result<Made, E>>, E> {
    let mut households: Vec<i64> = requests.iter().map(|r| r.by.household).collect();
    households.sort_unstable();
    households.dedup();
    let people = households_people(conn, &households).await?;
    let mut outcomes: Vec<Option<Result<Made, E>>> = Vec::with_capacity(requests.len());
    let (mut asks, mut planned) = (Vec::new(), Vec::new());
    for (i, r) in requests.iter().enumerate() {
        match plan(b, r, people.get(&r.by.household).map(Vec::as_slice).unwrap_or_default(), walk_in) {
            Ok(people) => {
                asks.push(Ask { by: r.by.clone(), people, now: r.now });
                planned.push(i);
                outcomes.push(None);
            }
            Err(e) => outcomes.push(Some(Err(e))),
        }
    }
    for (i, made) in planned.into_iter().zip(book_in(conn, b, &asks, walk_in).await?) {
        outcomes[i] = Some(made);
    }
    outcomes.into_iter().map(|o| o.ok_or(E::Common(CommonError::Internal))).collect()
}

/// Books planned bookings of one session in the caller's write transaction, in their order, each
/// as it would be booked alone right after the ones before it: locks the people (PostgreSQL; on
/// SQLite the write transaction already excludes every other writer), checks each person against
/// their other bookings (the same session, overlap, limits, the no-show penalty), then claims the
/// places. Returns each booking's outcome: one refused writes nothing and passes nobody. An `Err`
/// fails them all (the caller rolls back). A walk-in (desk, one booking) must get places at once:
/// a full session is refused rather than waited for.
///
/// However many bookings, the statements are the same few (`kernel::batch` runs the bookings that
/// queue for one session together: this is what makes a rush fast).
async fn book_in(conn: &mut AnyConnection, b: &Bookable, asks: &[Ask], walk_in: bool) -> Result<Vec<Result<Made, E>>, E> {
    let Some(first) = asks.first() else { return Ok(Vec::new()) };
    let (s, svc, rule, community) = (&b.s, &b.svc, &b.rule, b.svc.community_id);
    let mut members: Vec<i64> = asks.iter().flat_map(|a| a.people.iter().map(|(id, ..)| *id)).collect();
    members.sort_unstable();
    members.dedup();
    if conn.backend_name() != "SQLite" {
        let mut sql = Sql::new();
        let list = sql.list(&members);
        sql.text = format!("SELECT id FROM household_members WHERE id IN ({list}) ORDER BY id FOR UPDATE");
        sql.execute(conn).await?;
    }
    // Per person: one row of counts (kind 0; none if they have no active booking), then the
    // starts of their recent no-shows (kind 1).
    let week = week_of(s.day);
    let earliest = asks.iter().map(|a| a.now).min().unwrap_or(first.now);
    let mut sql = Sql::new();
    let list = sql.list(&members);
    let [sid, ends, starts, service, day, from, to, comm, since] =
        [s.id, s.times.ends_at, s.times.starts_at, svc.id, s.day, week, week + 6, community, earliest - (rule.window_days + rule.penalty_days) * 86_400_000]
            .map(|v| sql.arg(Arg::I(v)));
    sql.text = format!(
        "SELECT CAST(0 AS BIGINT) AS k, bp.member_id, \
           CAST(COALESCE(SUM(CASE WHEN s.id = {sid} THEN 1 ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN s.id <> {sid} AND s.starts_at < {ends} AND s.ends_at > {starts} THEN 1 ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN s.service_id = {service} AND s.day = {day} THEN 1 ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN s.service_id = {service} AND s.day >= {from} AND s.day <= {to} THEN 1 ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN s.day >= {from} AND s.day <= {to} THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM service_booking_people bp JOIN service_sessions s ON s.id = bp.session_id \
         WHERE bp.member_id IN ({list}) AND bp.active = 1 AND s.status = 'scheduled' GROUP BY bp.member_id \
         UNION ALL \
         SELECT CAST(1 AS BIGINT), bp.member_id, s.starts_at, CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT) \
         FROM service_booking_people bp JOIN service_sessions s ON s.id = bp.session_id JOIN services v ON v.id = s.service_id \
         WHERE bp.member_id IN ({list}) AND bp.no_show = 1 AND v.community_id = {comm} AND s.starts_at > {since}"
    );
    let rows: Vec<(i64, i64, i64, i64, i64, i64, i64)> = sql.fetch_all(conn).await?;
    let mut counts = std::collections::HashMap::new();
    let mut no_shows: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for (kind, member, a, b, c, d, e) in rows {
        if kind == 0 {
            counts.insert(member, [a, b, c, d, e]);
        } else {
            no_shows.entry(member).or_default().push(a);
        }
    }
    // Each booking in order; the people of the ones accepted before count as booked.
    let mut booked_here = std::collections::HashSet::new();
    let mut outcomes: Vec<Option<Result<Made, E>>> = Vec::with_capacity(asks.len());
    let mut accepted = Vec::new();
    for (i, a) in asks.iter().enumerate() {
        let check = || -> Result<(), E> {
            for (member, name, ..) in &a.people {
                let [same, overlap, day, week, week_all] = counts.get(member).copied().unwrap_or_default();
                if same > 0 || booked_here.contains(member) {
                    return Err(E::AlreadyBooked { name: name.clone() });
                }
                if overlap > 0 {
                    return Err(E::Overlap { name: name.clone() });
                }
                let until = rule.penalised_until(no_shows.get(member).map(Vec::as_slice).unwrap_or_default(), a.now);
                within_limits(svc.rules.per_day, svc.rules.per_week, day, week, until.map(|_| (week_all, rule.week_limit))).map_err(|passed| E::Limit {
                    name: name.clone(),
                    passed,
                    penalised_until: until,
                })?;
            }
            Ok(())
        };
        match check() {
            Ok(()) => {
                booked_here.extend(a.people.iter().map(|(id, ..)| *id));
                accepted.push(i);
                outcomes.push(None);
            }
            Err(e) => outcomes.push(Some(Err(e))),
        }
    }
    let places: Vec<i64> = accepted.iter().map(|&i| asks[i].people.len() as i64).collect();
    let claims = match capacity::claim_many(conn, s.pool_id, &places, first.now).await {
        Ok(claims) => claims,
        Err(CapacityError::Closed) => {
            for &i in &accepted {
                outcomes[i] = Some(Err(E::BookingClosed));
            }
            Vec::new()
        }
        Err(e) => return Err(e.into()),
    };
    if walk_in && claims.iter().any(|c| matches!(c, Claimed::Waiting { .. })) {
        return Err(E::Full);
    }
    let made = accepted.iter().zip(&claims).map(|(&i, c)| (&asks[i], *c)).collect::<Vec<_>>();
    let ids = insert_bookings(conn, s.id, &made).await?;
    if !made.is_empty() {
        let mut sql = Sql::new();
        let sid = sql.arg(Arg::I(s.id));
        let mut rows = Vec::new();
        for ((a, _), (booking, _)) in made.iter().zip(&ids) {
            for (member, _, age, price) in &a.people {
                let b = sql.arg(Arg::I(*booking));
                let m = sql.arg(Arg::I(*member));
                let age = age.map(|v| sql.arg(Arg::I(v))).unwrap_or_else(|| "NULL".into());
                let p = sql.arg(Arg::I(*price));
                rows.push(format!("({b}, {sid}, {m}, {age}, {p})"));
            }
        }
        sql.text = format!("INSERT INTO service_booking_people (booking_id, session_id, member_id, age, price_fen) VALUES {}", rows.join(", "));
        sql.execute(conn).await?;
    }
    let events_of: Vec<_> = made
        .iter()
        .zip(&ids)
        .map(|((a, claimed), (booking, _))| {
            let channel = if a.by.desk { "desk" } else { "app" };
            let members: Vec<i64> = a.people.iter().map(|(id, ..)| *id).collect();
            let payload = serde_json::json!({ "session": s.id, "members": members, "total_fen": total_of(a), "channel": channel,
                "state": match claimed { Claimed::Held { .. } => "held", Claimed::Waiting { .. } => "waiting" } });
            event(community, "service.booked", "service_booking", *booking, Some(a.by.actor), a.by.on_behalf_of, payload)
        })
        .collect();
    events::append_all(conn, &events_of).await?;
    let notices: Vec<ServiceNotice> = made
        .iter()
        .map(|(_, claimed)| {
            let (title, starts_at) = (svc.title.clone(), s.times.starts_at);
            match *claimed {
                Claimed::Held { .. } => ServiceNotice::Booked { title, starts_at },
                Claimed::Waiting { position, .. } => ServiceNotice::Waiting { title, starts_at, position },
            }
        })
        .collect();
    let told: Vec<(i64, &ServiceNotice)> = ids.iter().map(|(booking, _)| *booking).zip(&notices).collect();
    tell_each(conn, community, &told).await?;
    for ((&i, (booking, code)), (_, claimed)) in accepted.iter().zip(ids).zip(&made) {
        outcomes[i] = Some(Ok((booking, code, *claimed)));
    }
    outcomes.into_iter().map(|o| o.ok_or(E::Common(CommonError::Internal))).collect()
}

fn total_of(ask: &Ask) -> i64 {
    ask.people.iter().map(|(.., p)| p).sum()
}

/// Inserts the bookings (in one statement, each with a fresh code; a code already taken is drawn
/// again); returns their ids and codes, in the same order.
async fn insert_bookings(conn: &mut AnyConnection, session: i64, made: &[(&Ask, Claimed)]) -> Result<Vec<(i64, String)>, E> {
    let mut done: Vec<Option<(i64, String)>> = vec![None; made.len()];
    for _ in 0..8 {
        let pending: Vec<usize> = (0..made.len()).filter(|&i| done[i].is_none()).collect();
        if pending.is_empty() {
            break;
        }
        // Distinct within the statement too.
        let mut codes = std::collections::HashMap::new();
        let mut drawn = Vec::with_capacity(pending.len());
        for &i in &pending {
            let code = std::iter::repeat_with(new_code).find(|c| !codes.contains_key(c)).unwrap_or_default();
            codes.insert(code.clone(), i);
            drawn.push((code, i));
        }
        let mut sql = Sql::new();
        let rows: Vec<String> = drawn
            .iter()
            .map(|(code, i)| {
                let i = *i;
                let (a, claimed) = &made[i];
                let booked_by = a.by.booked_by.map(|v| sql.arg(Arg::I(v))).unwrap_or_else(|| "NULL".into());
                let channel = if a.by.desk { "'desk'" } else { "'app'" };
                let [session, household, claim] = [session, a.by.household, claimed.claim()].map(|v| sql.arg(Arg::I(v)));
                let [actor, total, at] = [a.by.actor, total_of(a), a.now].map(|v| sql.arg(Arg::I(v)));
                let code = sql.arg(Arg::S(code.clone()));
                format!("({session}, {household}, {claim}, {booked_by}, {actor}, {channel}, {code}, {total}, {at})")
            })
            .collect();
        sql.text = format!(
            "INSERT INTO service_bookings (session_id, household_id, claim_id, booked_by, actor_user_id, channel, code, total_fen, created_at) \
             VALUES {} ON CONFLICT (code) DO NOTHING RETURNING id, code",
            rows.join(", ")
        );
        for (id, code) in sql.fetch_all::<(i64, String)>(conn).await? {
            let i = *codes.get(&code).ok_or(CommonError::Internal)?;
            done[i] = Some((id, code));
        }
    }
    done.into_iter().map(|d| d.ok_or(E::Common(CommonError::Internal))).collect()
}

/// The bookings queued for one session (on one database), run together (`kernel::batch`).
type BookingLanes = crate::kernel::batch::Batcher<(u64, i64), Request, Result<Made, E>>;
static BOOKINGS: std::sync::LazyLock<BookingLanes> = std::sync::LazyLock::new(BookingLanes::new);

/// A verified resident (or a worker in 代办) books a session for members of their household.
///
/// Who asks and their household are read first, in one query on a connection of the pool; the
/// booking then joins the session's lane: the bookings of the session that queued meanwhile are
/// read, checked (`plan`) and decided under the locks (`book_in`) in one write transaction, each
/// as if alone, in arrival order (one refused changes nothing for the others). One paid from the
/// time bank runs alone, with its payment.
pub async fn book(db: &Db, p: &Principal, session: i64, members: &[i64], pay_hours: bool) -> Result<BookingReceipt, E> {
    let now = now_ms();
    // The resident asked for (themselves, or the one a worker acts for) must be a verified
    // resident with a household: their community is the household's.
    let (subject, on_behalf_of, home) = acting_household(&mut *db.pool().acquire().await?, p).await?;
    let (household, community) = home.ok_or(CommonError::NotVerified)?;
    let by = BookAs { household, booked_by: Some(subject), actor: p.user_id, on_behalf_of, desk: on_behalf_of.is_some() };
    let request = Request::new(community, by, members, now);
    let (booking_id, code, claimed) = if pay_hours {
        // Paid from the booking resident's own time bank, in the booking's transaction: refused
        // (nothing booked) if the balance does not cover it.
        let mut tx = db.begin_write().await?;
        let b = bookable(&mut tx, session).await?;
        if b.svc.community_id != community {
            return Err(CommonError::NotFound.into());
        }
        let per = b.svc.rules.timebank_half_hours.ok_or(E::NoTimebank)?;
        let made = book_requests(&mut tx, &b, std::slice::from_ref(&request), false).await?.pop().ok_or(CommonError::Internal)??;
        let payer = request.by.booked_by.unwrap_or(p.user_id);
        let (member, _, _) = crate::timebank::store::own_member(&mut tx, payer).await?.ok_or(CommonError::NotVerified)?;
        let posting = crate::timebank::store::Posting {
            booking: Some(made.0),
            on_behalf_of: request.by.on_behalf_of,
            ..crate::timebank::store::Posting::new(member, community, crate::timebank::model::EntryKind::Spent, -per * request.members.len() as i64, p.user_id)
        };
        crate::timebank::store::post(&mut tx, &posting).await?.map_err(E::Timebank)?;
        tx.commit().await?;
        made
    } else {
        let db2 = db.clone();
        BOOKINGS.run((db.id(), session), request, move |requests| book_together(db2, session, requests), || Err(E::Common(CommonError::Internal))).await?
    };
    let state = match claimed {
        Claimed::Held { .. } => BookingState::Booked,
        Claimed::Waiting { position, .. } => BookingState::Waiting { position },
    };
    Ok(BookingReceipt { booking_id, code, state })
}

/// Runs a batch of booking requests for one session in one write transaction: each its outcome;
/// if the transaction fails, every one of them that error (nothing written).
async fn book_together(db: Db, session: i64, requests: Vec<Request>) -> Vec<Result<Made, E>> {
    async fn run(db: &Db, session: i64, requests: &[Request]) -> Result<Vec<Result<Made, E>>, E> {
        let mut tx = db.begin_write().await?;
        let b = bookable(&mut tx, session).await?;
        let outcomes = book_requests(&mut tx, &b, requests, false).await?;
        if outcomes.iter().any(Result::is_ok) {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok(outcomes)
    }
    match run(&db, session, &requests).await {
        Ok(outcomes) => outcomes,
        Err(e) => requests.iter().map(|_| Err(e.clone())).collect(),
    }
}

/// A worker books a walk-in at the desk and checks them in at once (the household's resident, if
/// any, is told; audited as the worker's act for them).
pub async fn walk_in(db: &Db, p: &Principal, session: i64, member: i64, client_id: &str) -> Result<BookingReceipt, E> {
    check_client_id(client_id)?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let b = bookable(&mut tx, session).await?;
    let community = worker_community(&mut tx, p, Some(b.svc.community_id)).await?;
    if let Some((booking, code)) = repeated_checkin(&mut tx, client_id, session).await? {
        return Ok(BookingReceipt { booking_id: booking, code, state: BookingState::Booked });
    }
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT m.household_id, b.community_id FROM household_members m JOIN households h ON h.id = m.household_id JOIN buildings b ON b.id = h.building_id WHERE m.id = $1",
    )
    .bind(member)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((household, _)) = row.filter(|(_, c)| *c == community) else {
        return Err(E::NotYourHousehold);
    };
    let resident: Option<i64> = sqlx::query_scalar(
        "SELECT ms.user_id FROM memberships ms JOIN household_members m ON m.id = ms.member_id \
         WHERE m.household_id = $1 AND ms.role = 'resident' AND ms.verified = 1 AND ms.community_id = $2 ORDER BY (m.id = $3) DESC, ms.id LIMIT 1",
    )
    .bind(household)
    .bind(community)
    .bind(member)
    .fetch_optional(&mut *tx)
    .await?;
    let by = BookAs { household, booked_by: resident, actor: p.user_id, on_behalf_of: resident, desk: true };
    let request = Request::new(community, by, &[member], now);
    let (booking, code, _) = book_requests(&mut tx, &b, &[request], true).await?.pop().ok_or(CommonError::Internal)??;
    sqlx::query("UPDATE service_booking_people SET checked_in_at = $2, checked_in_by = $3 WHERE booking_id = $1")
        .bind(booking)
        .bind(now)
        .bind(p.user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO service_checkins (client_id, session_id, booking_id, at, by_user_id) VALUES ($1, $2, $3, $4, $5)")
        .bind(client_id)
        .bind(session)
        .bind(booking)
        .bind(now)
        .bind(p.user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(BookingReceipt { booking_id: booking, code, state: BookingState::Booked })
}

// ---------------------------------------------------------------------------------------------
// Cancelling

/// A booking with what authorizing it needs.
struct BookingRow {
    id: i64,
    household: i64,
    claim: i64,
    cancelled: bool,
    session: Sess,
    svc: Svc,
}

async fn load_booking(conn: &mut AnyConnection, id: i64) -> Result<BookingRow, E> {
    let row: Option<(i64, i64, i64, Option<i64>)> =
        sqlx::query_as("SELECT session_id, household_id, claim_id, cancelled_at FROM service_bookings WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let (session, household, claim, cancelled) = row.ok_or(CommonError::NotFound)?;
    let session = load_session(conn, session).await?.ok_or(CommonError::NotFound)?;
    let svc = load_service(conn, session.service_id).await?.ok_or(CommonError::NotFound)?;
    Ok(BookingRow { id, household, claim, cancelled: cancelled.is_some(), session, svc })
}

/// Whether the caller (or the resident they act for) belongs to the booking's household; else
/// whether they work in its community. Anyone else is told it does not exist.
async fn booking_access(conn: &mut AnyConnection, p: &Principal, b: &BookingRow) -> Result<(bool, Option<i64>), E> {
    let (subject, on_behalf_of) = acting_for(conn, p).await?;
    if let Some((household, _)) = crate::account::community::household_of(conn, subject).await?
        && household == b.household
    {
        return Ok((false, on_behalf_of));
    }
    if is_worker(conn, p, b.svc.community_id).await? {
        return Ok((true, None));
    }
    Err(CommonError::NotFound.into())
}

/// Cancels a booking or leaves the waitlist: a resident of its household until the deadline
/// (waiting: any time), a worker at any time with a reason. The freed places promote the waiting
/// bookings that fit, in the same transaction.
pub async fn cancel(db: &Db, p: &Principal, booking: i64, reason: Option<&str>) -> Result<(), E> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let b = load_booking(&mut tx, booking).await?;
    let (as_worker, on_behalf_of) = booking_access(&mut tx, p, &b).await?;
    let reason = match (as_worker, reason.map(str::trim).filter(|r| !r.is_empty())) {
        (true, None) => return Err(E::ReasonRequired),
        (_, Some(r)) => Some(text(r, Field::Reason, REASON)?),
        (false, None) => None,
    };
    if b.cancelled || b.session.cancelled {
        return Err(E::AlreadyCancelled);
    }
    let (_, state, _, _) = capacity::claim_state(&mut tx, b.claim).await?;
    if !as_worker && state == capacity::ClaimState::Held && !may_cancel(b.session.times.starts_at, b.svc.rules.cancel_before_min, now) {
        return Err(E::TooLateToCancel);
    }
    let promoted = capacity::release(&mut tx, b.claim, now).await?;
    sqlx::query("UPDATE service_bookings SET cancelled_at = $2, cancelled_by = $3, cancel_reason = $4 WHERE id = $1")
        .bind(b.id)
        .bind(now)
        .bind(p.user_id)
        .bind(&reason)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE service_booking_people SET active = 0 WHERE booking_id = $1").bind(b.id).execute(&mut *tx).await?;
    refund_hours(&mut tx, b.id, Some(p.user_id)).await?;
    let payload = serde_json::json!({ "by_worker": as_worker, "reason": reason, "was": if state == capacity::ClaimState::Held { "held" } else { "waiting" } });
    events::append(&mut tx, &event(b.svc.community_id, "service.booking_cancelled", "service_booking", b.id, Some(p.user_id), on_behalf_of, payload)).await?;
    if as_worker {
        tell(
            &mut tx,
            b.svc.community_id,
            b.id,
            &ServiceNotice::Cancelled { title: b.svc.title.clone(), starts_at: b.session.times.starts_at, reason: reason.unwrap_or_default() },
        )
        .await?;
    }
    tell_promoted(&mut tx, &b.svc, &b.session, &promoted, Some(p.user_id)).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Check-in

fn check_client_id(id: &str) -> Result<(), E> {
    if (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        Ok(())
    } else {
        Err(CommonError::InvalidInput.into())
    }
}

/// The booking of a check-in already counted under `client_id` (a retry), refused if it was for
/// another session.
async fn repeated_checkin(conn: &mut AnyConnection, client_id: &str, session: i64) -> Result<Option<(i64, String)>, E> {
    let row: Option<(i64, i64, String)> = sqlx::query_as(
        "SELECT c.session_id, c.booking_id, b.code FROM service_checkins c JOIN service_bookings b ON b.id = c.booking_id WHERE c.client_id = $1",
    )
    .bind(client_id)
    .fetch_optional(conn)
    .await?;
    match row {
        Some((s, b, code)) if s == session => Ok(Some((b, code))),
        Some(_) => Err(CommonError::InvalidInput.into()),
        None => Ok(None),
    }
}

/// A worker checks in a booking by its code (everyone it serves) or one person from the list.
/// `client_id` is made by the worker's phone: a retried request counts once.
pub async fn check_in(db: &Db, p: &Principal, session: i64, code: Option<&str>, person: Option<i64>, client_id: &str) -> Result<CheckedIn, E> {
    check_client_id(client_id)?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let s = load_session(&mut tx, session).await?.ok_or(CommonError::NotFound)?;
    let svc = load_service(&mut tx, s.service_id).await?.ok_or(CommonError::NotFound)?;
    worker_community(&mut tx, p, Some(svc.community_id)).await?;
    if repeated_checkin(&mut tx, client_id, session).await?.is_some() {
        return Ok(CheckedIn { names: Vec::new(), repeated: true });
    }
    if s.cancelled {
        return Err(E::SessionCancelled);
    }
    if s.ended_done {
        return Err(E::SessionEnded);
    }
    let (booking, person): (i64, Option<i64>) = match (code, person) {
        (Some(code), None) => {
            let code = code.trim().to_ascii_uppercase();
            let b: Option<i64> = sqlx::query_scalar("SELECT id FROM service_bookings WHERE code = $1 AND session_id = $2")
                .bind(&code)
                .bind(session)
                .fetch_optional(&mut *tx)
                .await?;
            (b.ok_or(E::UnknownCode)?, None)
        }
        (None, Some(person)) => {
            let b: Option<i64> = sqlx::query_scalar("SELECT booking_id FROM service_booking_people WHERE id = $1 AND session_id = $2")
                .bind(person)
                .bind(session)
                .fetch_optional(&mut *tx)
                .await?;
            (b.ok_or(CommonError::NotFound)?, Some(person))
        }
        _ => return Err(CommonError::InvalidInput.into()),
    };
    let b = load_booking(&mut tx, booking).await?;
    let (_, state, _, _) = capacity::claim_state(&mut tx, b.claim).await?;
    if b.cancelled || state != capacity::ClaimState::Held {
        return Err(E::NotHeld);
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT m.name FROM service_booking_people bp JOIN household_members m ON m.id = bp.member_id \
         WHERE bp.booking_id = $1 AND ($2 = 0 OR bp.id = $2) AND bp.checked_in_at IS NULL ORDER BY bp.id",
    )
    .bind(booking)
    .bind(person.unwrap_or(0))
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE service_booking_people SET checked_in_at = $3, checked_in_by = $4 WHERE booking_id = $1 AND ($2 = 0 OR id = $2) AND checked_in_at IS NULL",
    )
    .bind(booking)
    .bind(person.unwrap_or(0))
    .bind(now)
    .bind(p.user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO service_checkins (client_id, session_id, booking_id, person_id, at, by_user_id) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(client_id)
        .bind(session)
        .bind(booking)
        .bind(person)
        .bind(now)
        .bind(p.user_id)
        .execute(&mut *tx)
        .await?;
    events::append(
        &mut tx,
        &event(
            svc.community_id,
            "service.checked_in",
            "service_booking",
            booking,
            Some(p.user_id),
            None,
            serde_json::json!({ "person": person, "count": names.len() }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(CheckedIn { names, repeated: false })
}

/// The worker's editor: the community's buildings and, for `service`, its form as stored.
pub async fn editor(db: &Db, p: &Principal, service: Option<i64>, requested: Option<i64>) -> Result<EditorContext, E> {
    let mut conn = db.pool().acquire().await?;
    let (community, form) = match service {
        Some(id) => {
            let svc = load_service(&mut conn, id).await?.ok_or(CommonError::NotFound)?;
            let c = worker_community(&mut conn, p, Some(svc.community_id)).await?;
            let form = ServiceForm {
                id: Some(svc.id),
                category: svc.category,
                title: svc.title,
                provider: svc.provider,
                place: svc.place,
                description: svc.description,
                rules: svc.rules,
                active: svc.active,
            };
            (c, Some(form))
        }
        None => (worker_community(&mut conn, p, requested).await?, None),
    };
    let buildings: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM buildings WHERE community_id = $1 ORDER BY name").bind(community).fetch_all(&mut *conn).await?;
    Ok(EditorContext { community_id: community, buildings, form })
}

// ---------------------------------------------------------------------------------------------
// Settings

pub async fn settings(db: &Db, p: &Principal, requested: Option<i64>) -> Result<Settings, E> {
    let mut conn = db.pool().acquire().await?;
    let community = worker_community(&mut conn, p, requested).await?;
    let no_show = no_show_rule(&mut conn, community).await?;
    let days: Vec<Day> = sqlx::query_scalar("SELECT day FROM service_skip_days WHERE community_id = $1 AND day >= $2 ORDER BY day")
        .bind(community)
        .bind(day_of(now_ms()))
        .fetch_all(&mut *conn)
        .await?;
    Ok(Settings { community_id: community, no_show, skip_days: days.into_iter().map(day_text).collect() })
}

/// A worker sets the no-show rule and the days to skip (from today on: past ones are kept).
pub async fn save_settings(db: &Db, p: &Principal, requested: Option<i64>, rule: NoShowRule, skip_days: &[String]) -> Result<(), E> {
    if !rule.check() {
        return Err(CommonError::InvalidInput.into());
    }
    let today = day_of(now_ms());
    let mut days =
        skip_days.iter().filter(|s| !s.trim().is_empty()).map(|s| parse_day(s).ok_or(E::Schedule(ScheduleProblem::Range))).collect::<Result<Vec<_>, _>>()?;
    days.retain(|d| *d >= today);
    days.sort_unstable();
    days.dedup();
    let mut tx = db.begin_write().await?;
    let community = worker_community(&mut tx, p, requested).await?;
    sqlx::query(
        "INSERT INTO service_settings (community_id, noshow_count, noshow_window_days, noshow_penalty_days, noshow_week_limit) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (community_id) DO UPDATE SET noshow_count = $2, noshow_window_days = $3, noshow_penalty_days = $4, noshow_week_limit = $5",
    )
    .bind(community)
    .bind(rule.count)
    .bind(rule.window_days)
    .bind(rule.penalty_days)
    .bind(rule.week_limit)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM service_skip_days WHERE community_id = $1 AND day >= $2").bind(community).bind(today).execute(&mut *tx).await?;
    for d in &days {
        sqlx::query("INSERT INTO service_skip_days (community_id, day) VALUES ($1, $2)").bind(community).bind(d).execute(&mut *tx).await?;
    }
    events::append(
        &mut tx,
        &event(community, "service.settings_changed", "community", community, Some(p.user_id), None, serde_json::json!({ "no_show": rule, "skip_days": days })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading

async fn session_view(conn: &mut AnyConnection, s: &Sess, now: i64) -> Result<SessionView, E> {
    let pool = capacity::pool(conn, s.pool_id).await?;
    let waiting: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM capacity_claims WHERE pool_id = $1 AND state = 'waiting'").bind(s.pool_id).fetch_one(&mut *conn).await?;
    Ok(SessionView {
        id: s.id,
        starts_at: s.times.starts_at,
        ends_at: s.times.ends_at,
        opens_at: s.times.opens_at,
        closes_at: s.times.closes_at,
        capacity: pool.capacity,
        taken: pool.taken,
        waiting,
        window: window(&s.times, now),
        cancelled: s.cancelled,
        cancel_reason: s.cancel_reason.clone(),
    })
}

fn card(svc: &Svc, next: Option<&SessionView>) -> ServiceCard {
    ServiceCard {
        id: svc.id,
        category: svc.category,
        title: svc.title.clone(),
        provider: svc.provider.clone(),
        place: svc.place.clone(),
        min_age: svc.rules.eligibility.min_age,
        max_age: svc.rules.eligibility.max_age,
        base_price_fen: svc.rules.base_price_fen,
        bands: svc.rules.bands.clone(),
        timebank_half_hours: svc.rules.timebank_half_hours,
        active: svc.active,
        next_session: next.map(|s| s.id),
        places_left: next.map(|s| s.capacity - s.taken),
    }
}

/// The upcoming sessions of a service (not ended), soonest first.
async fn upcoming(conn: &mut AnyConnection, service: i64, now: i64, limit: i64) -> Result<Vec<Sess>, sqlx::Error> {
    let rows = sqlx::query(&format!("SELECT {SESS_COLUMNS} FROM service_sessions WHERE service_id = $1 AND ends_at > $2 ORDER BY starts_at, id LIMIT $3"))
        .bind(service)
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(sess_from).collect()
}

/// The household of the viewer (or the resident they act for), if a verified resident of `community`.
async fn viewer_household(conn: &mut AnyConnection, p: &Principal, community: i64) -> Result<Option<(i64, i64)>, E> {
    let (subject, _) = acting_for(conn, p).await?;
    Ok(crate::account::community::household_of(conn, subject).await?.filter(|(_, c)| *c == community).map(|(h, _)| (h, subject)))
}

/// The catalogue of the viewer's community, and their household's members with what each may book.
pub async fn catalogue(db: &Db, p: &Principal, requested: Option<i64>) -> Result<Catalogue, E> {
    let now = now_ms();
    let mut conn = db.pool().acquire().await?;
    let (subject, _) = acting_for(&mut conn, p).await?;
    let community = home_community(&mut conn, p, subject, requested).await?;
    let worker = is_worker(&mut conn, p, community).await?;
    let rows = sqlx::query(&format!("SELECT {SVC_COLUMNS} FROM services WHERE community_id = $1 AND ($2 = 1 OR active = 1) ORDER BY category, title, id"))
        .bind(community)
        .bind(i64::from(worker))
        .fetch_all(&mut *conn)
        .await?;
    let mut svcs = Vec::new();
    for r in &rows {
        svcs.push(svc_from(&mut conn, r, 0).await?);
    }
    let mut services = Vec::new();
    for svc in &svcs {
        let next = upcoming(&mut conn, svc.id, now, 8).await?.into_iter().find(|s| !s.cancelled && window(&s.times, now) != Window::Closed);
        let view = match &next {
            Some(s) => Some(session_view(&mut conn, s, now).await?),
            None => None,
        };
        services.push(card(svc, view.as_ref()));
    }
    let mut members = Vec::new();
    if let Some((household, subject)) = viewer_household(&mut conn, p, community).await? {
        let me: Option<i64> = sqlx::query_scalar("SELECT member_id FROM memberships WHERE user_id = $1 AND role = 'resident' AND community_id = $2")
            .bind(subject)
            .bind(community)
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
        let rel: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, relationship FROM household_members WHERE household_id = $1").bind(household).fetch_all(&mut *conn).await?;
        for m in household_people(&mut conn, household).await?.into_iter().filter(|m| m.confirmed) {
            let may = svcs.iter().filter(|s| s.active && s.rules.eligibility.check(m.birth_year, m.building, now).is_ok()).map(|s| s.id).collect();
            members.push(MemberChoice {
                id: m.id,
                name: m.name.clone(),
                relationship: rel.iter().find(|(id, _)| *id == m.id).map(|(_, r)| r.clone()).unwrap_or_default(),
                age: m.birth_year.map(|b| age_at(b, now)),
                services: may,
                me: me == Some(m.id),
            });
        }
    }
    Ok(Catalogue { community_id: community, services, members, is_worker: worker })
}

/// A service's page: its sessions (workers see the cancelled ones too) and, for a resident, each
/// household member's eligibility and price at the next session.
pub async fn detail(db: &Db, p: &Principal, id: i64) -> Result<ServiceDetail, E> {
    let now = now_ms();
    let mut conn = db.pool().acquire().await?;
    let svc = load_service(&mut conn, id).await?.ok_or(CommonError::NotFound)?;
    let (subject, _) = acting_for(&mut conn, p).await?;
    // Refused unless the viewer belongs to or works in the service's community.
    home_community(&mut conn, p, subject, Some(svc.community_id)).await.map_err(|_| E::Common(CommonError::NotFound))?;
    let worker = is_worker(&mut conn, p, svc.community_id).await?;
    if !svc.active && !worker {
        return Err(CommonError::NotFound.into());
    }
    let mut sessions = Vec::new();
    for s in upcoming(&mut conn, svc.id, now, 40).await? {
        if s.cancelled && !worker && s.times.starts_at < now {
            continue;
        }
        sessions.push(session_view(&mut conn, &s, now).await?);
    }
    let at = sessions.iter().find(|s| !s.cancelled).map_or(now, |s| s.starts_at);
    let mut members = Vec::new();
    if let Some((household, _)) = viewer_household(&mut conn, p, svc.community_id).await? {
        for m in household_people(&mut conn, household).await? {
            let price = if m.confirmed {
                svc.rules.eligibility.check(m.birth_year, m.building, at).map(|age| price_fen(svc.rules.base_price_fen, &svc.rules.bands, age))
            } else {
                Err(Ineligible::NotConfirmed)
            };
            members.push(MemberPrice { member_id: m.id, name: m.name.clone(), age: m.birth_year.map(|b| age_at(b, at)), price_fen: price });
        }
    }
    let building_names: Vec<String> = if svc.rules.eligibility.building_ids.is_empty() {
        Vec::new()
    } else {
        sqlx::query_scalar("SELECT b.name FROM service_buildings sb JOIN buildings b ON b.id = sb.building_id WHERE sb.service_id = $1 ORDER BY b.name")
            .bind(svc.id)
            .fetch_all(&mut *conn)
            .await?
    };
    let mut schedules = Vec::new();
    if worker {
        let rows = sqlx::query(
            "SELECT id, repeat, days, first_day, last_day, start_min, end_min, capacity, ended FROM service_schedules WHERE service_id = $1 ORDER BY id",
        )
        .bind(svc.id)
        .fetch_all(&mut *conn)
        .await?;
        for r in rows {
            schedules.push(ScheduleView {
                id: r.try_get(0)?,
                repeat: repeat_from(&r.try_get::<String, _>(1)?, r.try_get(2)?)?,
                first_day: day_text(r.try_get(3)?),
                last_day: r.try_get::<Option<i64>, _>(4)?.map(day_text),
                start: hm(r.try_get(5)?),
                end: hm(r.try_get(6)?),
                capacity: r.try_get(7)?,
                ended: r.try_get::<i64, _>(8)? == 1,
            });
        }
    }
    let next = sessions.iter().find(|s| !s.cancelled && s.window != Window::Closed).cloned();
    Ok(ServiceDetail {
        card: card(&svc, next.as_ref()),
        description: svc.description.clone(),
        party_limit: svc.rules.party_limit,
        cancel_before_min: svc.rules.cancel_before_min,
        per_day: svc.rules.per_day,
        per_week: svc.rules.per_week,
        building_names,
        sessions,
        members,
        is_worker: worker,
        schedules,
    })
}

async fn booking_view(conn: &mut AnyConnection, b: &BookingRow) -> Result<BookingView, E> {
    let (code, total, reason, channel): (String, i64, Option<String>, String) =
        sqlx::query_as("SELECT code, total_fen, cancel_reason, channel FROM service_bookings WHERE id = $1").bind(b.id).fetch_one(&mut *conn).await?;
    let (_, claim, _, position) = capacity::claim_state(conn, b.claim).await?;
    let state = if b.session.cancelled {
        BookingState::SessionCancelled
    } else {
        match claim {
            capacity::ClaimState::Held => BookingState::Booked,
            capacity::ClaimState::Waiting => BookingState::Waiting { position: position.unwrap_or(1) },
            capacity::ClaimState::Expired => BookingState::WaitlistClosed,
            capacity::ClaimState::Released => BookingState::Cancelled,
        }
    };
    let rows: Vec<(i64, i64, String, Option<i64>, i64, Option<i64>, i64)> = sqlx::query_as(
        "SELECT bp.id, bp.member_id, m.name, bp.age, bp.price_fen, bp.checked_in_at, bp.no_show FROM service_booking_people bp \
         JOIN household_members m ON m.id = bp.member_id WHERE bp.booking_id = $1 ORDER BY bp.id",
    )
    .bind(b.id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(BookingView {
        id: b.id,
        code,
        state,
        service_id: b.svc.id,
        service_title: b.svc.title.clone(),
        category: b.svc.category,
        place: b.svc.place.clone(),
        provider: b.svc.provider.clone(),
        session_id: b.session.id,
        starts_at: b.session.times.starts_at,
        ends_at: b.session.times.ends_at,
        people: rows
            .into_iter()
            .map(|(id, member_id, name, age, price_fen, checked, no_show)| PersonView {
                id,
                member_id,
                name,
                age,
                price_fen,
                checked_in: checked.is_some(),
                no_show: no_show == 1,
            })
            .collect(),
        total_fen: total,
        cancel_until: b.session.times.starts_at - b.svc.rules.cancel_before_min * 60_000,
        cancel_reason: reason.or_else(|| b.session.cancel_reason.clone()),
        channel_desk: channel == "desk",
    })
}

/// 我的预约: the household's bookings, the most recent sessions first (at most 100).
pub async fn my_bookings(db: &Db, p: &Principal) -> Result<MyBookings, E> {
    let now = now_ms();
    let mut conn = db.pool().acquire().await?;
    let (subject, _) = acting_for(&mut conn, p).await?;
    let Some((household, _)) = crate::account::community::household_of(&mut conn, subject).await? else {
        return Ok(MyBookings { now, bookings: Vec::new() });
    };
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT b.id FROM service_bookings b JOIN service_sessions s ON s.id = b.session_id WHERE b.household_id = $1 ORDER BY s.starts_at DESC, b.id DESC LIMIT 100",
    )
    .bind(household)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for id in ids {
        let b = load_booking(&mut conn, id).await?;
        out.push(booking_view(&mut conn, &b).await?);
    }
    Ok(MyBookings { now, bookings: out })
}

/// A booking's page, for its household or a worker of its community, with the QR code of its code.
pub async fn booking_page(db: &Db, p: &Principal, id: i64) -> Result<BookingDetail, E> {
    let mut conn = db.pool().acquire().await?;
    let b = load_booking(&mut conn, id).await?;
    booking_access(&mut conn, p, &b).await?;
    let booking = booking_view(&mut conn, &b).await?;
    let qr_svg = crate::kernel::qr::svg(&booking.code);
    Ok(BookingDetail { booking, qr_svg, now: now_ms() })
}

/// The calendar file of a booking.
pub async fn booking_ics(db: &Db, p: &Principal, id: i64) -> Result<String, E> {
    let mut conn = db.pool().acquire().await?;
    let b = load_booking(&mut conn, id).await?;
    booking_access(&mut conn, p, &b).await?;
    let v = booking_view(&mut conn, &b).await?;
    let names = v.people.iter().map(|x| x.name.as_str()).collect::<Vec<_>>().join("、");
    let description = format!("预约码 {} · {} · {}", v.code, names, v.provider);
    Ok(ics(&format!("booking-{}@linli", v.id), now_ms(), v.starts_at, v.ends_at, &v.service_title, &v.place, &description))
}

/// A session's roster for its community's workers: who is booked (with their room) and checked
/// in, and who waits.
pub async fn roster(db: &Db, p: &Principal, session: i64) -> Result<SessionRoster, E> {
    let now = now_ms();
    let mut conn = db.pool().acquire().await?;
    let s = load_session(&mut conn, session).await?.ok_or(CommonError::NotFound)?;
    let svc = load_service(&mut conn, s.service_id).await?.ok_or(CommonError::NotFound)?;
    worker_community(&mut conn, p, Some(svc.community_id)).await?;
    let view = session_view(&mut conn, &s, now).await?;
    let rows: Vec<(i64, i64, String, String, String, String, String, Option<i64>, i64, Option<i64>, i64, String)> = sqlx::query_as(
        "SELECT bp.id, b.id, b.code, m.name, bl.name, h.unit, h.room, bp.age, bp.price_fen, bp.checked_in_at, bp.no_show, b.channel \
         FROM service_booking_people bp JOIN service_bookings b ON b.id = bp.booking_id JOIN capacity_claims c ON c.id = b.claim_id \
         JOIN household_members m ON m.id = bp.member_id JOIN households h ON h.id = b.household_id JOIN buildings bl ON bl.id = h.building_id \
         WHERE bp.session_id = $1 AND c.state = 'held' ORDER BY bl.name, h.unit, h.room, m.name, bp.id",
    )
    .bind(session)
    .fetch_all(&mut *conn)
    .await?;
    let booked = rows
        .into_iter()
        .map(|(person_id, booking_id, code, name, building, unit, room, age, price_fen, checked, no_show, channel)| RosterLine {
            person_id,
            booking_id,
            code,
            name,
            building,
            unit,
            room,
            age,
            price_fen,
            checked_in: checked.is_some(),
            no_show: no_show == 1,
            desk: channel == "desk",
        })
        .collect();
    let waits: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT b.id, b.code, m.name FROM service_bookings b JOIN capacity_claims c ON c.id = b.claim_id \
         JOIN service_booking_people bp ON bp.booking_id = b.id JOIN household_members m ON m.id = bp.member_id \
         WHERE b.session_id = $1 AND c.state = 'waiting' ORDER BY c.seq, bp.id",
    )
    .bind(session)
    .fetch_all(&mut *conn)
    .await?;
    let mut waiting: Vec<(i64, String, String)> = Vec::new();
    let mut last = None;
    for (booking, code, name) in waits {
        if last == Some(booking) {
            if let Some(w) = waiting.last_mut() {
                w.1.push('、');
                w.1.push_str(&name);
            }
        } else {
            waiting.push((waiting.len() as i64 + 1, name, code));
            last = Some(booking);
        }
    }
    Ok(SessionRoster { service_id: svc.id, service_title: svc.title.clone(), place: svc.place.clone(), session: view, booked, waiting })
}

// ---------------------------------------------------------------------------------------------
// Statistics

/// Residents of the session's community a worker may register as walk-ins: found by name or room
/// (at most 20), each with what the session's service would charge them or why it cannot serve them.
pub async fn desk_people(db: &Db, p: &Principal, session: i64, q: &str) -> Result<Vec<DeskPerson>, E> {
    let q = checked(q, Field::Search, SEARCH)?;
    let mut conn = db.pool().acquire().await?;
    let s = load_session(&mut conn, session).await?.ok_or(CommonError::NotFound)?;
    let svc = load_service(&mut conn, s.service_id).await?.ok_or(CommonError::NotFound)?;
    let community = worker_community(&mut conn, p, Some(svc.community_id)).await?;
    let escaped: String = q.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    let pattern = format!("%{escaped}%");
    let rows: Vec<(i64, String, Option<i64>, i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT m.id, m.name, m.birth_year, h.building_id, bl.name, h.unit, h.room, \
           CAST((SELECT COUNT(*) FROM service_booking_people bp WHERE bp.member_id = m.id AND bp.session_id = $3 AND bp.active = 1) AS BIGINT) \
         FROM household_members m JOIN households h ON h.id = m.household_id JOIN buildings bl ON bl.id = h.building_id \
         WHERE bl.community_id = $1 AND m.status = 'confirmed' AND (m.name LIKE $2 ESCAPE '\\' OR h.room LIKE $2 ESCAPE '\\') \
         ORDER BY m.name, bl.name, h.unit, h.room, m.id LIMIT 20",
    )
    .bind(community)
    .bind(&pattern)
    .bind(session)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(member_id, name, birth_year, building_id, building, unit, room, booked)| {
            let checked = svc.rules.eligibility.check(birth_year, building_id, s.times.starts_at);
            let age = checked.as_ref().ok().copied().flatten();
            DeskPerson {
                member_id,
                name,
                building,
                unit,
                room,
                age,
                price_fen: checked.map(|age| price_fen(svc.rules.base_price_fen, &svc.rules.bands, age)),
                booked: booked > 0,
            }
        })
        .collect())
}

/// The workers' calendar: a week of the community's sessions from `from` (default today), day by day.
pub async fn calendar(db: &Db, p: &Principal, requested: Option<i64>, from: Option<&str>) -> Result<SessionCalendar, E> {
    let now = now_ms();
    let mut conn = db.pool().acquire().await?;
    let community = worker_community(&mut conn, p, requested).await?;
    let first = match from.filter(|f| !f.is_empty()) {
        Some(f) => parse_day(f).ok_or(CommonError::InvalidInput)?,
        None => day_of(now),
    };
    let rows = sqlx::query(&format!(
        "SELECT {}, v.title, v.place FROM service_sessions s JOIN services v ON v.id = s.service_id \
         WHERE v.community_id = $1 AND s.day >= $2 AND s.day < $3 ORDER BY s.starts_at, v.title, s.id",
        SESS_COLUMNS.split(", ").map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ")
    ))
    .bind(community)
    .bind(first)
    .bind(first + 7)
    .fetch_all(&mut *conn)
    .await?;
    let at = SESS_COLUMNS.split(", ").count();
    let mut days: Vec<(String, i64, Vec<CalendarSession>)> = (first..first + 7).map(|d| (day_text(d), crate::time::weekday(d) + 1, Vec::new())).collect();
    for r in &rows {
        let s = sess_from(r)?;
        let session = session_view(&mut conn, &s, now).await?;
        if let Some(day) = days.get_mut((s.day - first) as usize) {
            day.2.push(CalendarSession { service_id: s.service_id, service_title: r.try_get(at)?, place: r.try_get(at + 1)?, session });
        }
    }
    Ok(SessionCalendar { community_id: community, from: day_text(first), previous: day_text(first - 7), next: day_text(first + 7), days })
}

/// The figures of a community's services for the month `[from, to)`.
pub async fn month_figures(conn: &mut AnyConnection, community: i64, month: &str, from: i64, to: i64) -> Result<MonthStats, E> {
    let svcs: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, title FROM services WHERE community_id = $1 ORDER BY id").bind(community).fetch_all(&mut *conn).await?;
    let mut services = Vec::new();
    for (id, title) in svcs {
        let r = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM service_sessions s WHERE s.service_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 AND s.status = 'scheduled'), \
               (SELECT COUNT(*) FROM service_bookings b JOIN service_sessions s ON s.id = b.session_id JOIN capacity_claims c ON c.id = b.claim_id \
                  WHERE s.service_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 AND s.status = 'scheduled' AND c.state = 'held'), \
               (SELECT COUNT(*) FROM service_bookings b JOIN service_sessions s ON s.id = b.session_id JOIN capacity_claims c ON c.id = b.claim_id \
                  WHERE s.service_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 AND c.promoted = 1), \
               (SELECT COUNT(*) FROM service_bookings b JOIN service_sessions s ON s.id = b.session_id \
                  WHERE s.service_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 AND b.cancelled_at IS NOT NULL)",
        )
        .bind(id)
        .bind(from)
        .bind(to)
        .fetch_one(&mut *conn)
        .await?;
        let people: Vec<(Option<i64>, Option<i64>, i64)> = sqlx::query_as(
            "SELECT bp.age, bp.checked_in_at, bp.no_show FROM service_booking_people bp JOIN service_bookings b ON b.id = bp.booking_id \
             JOIN service_sessions s ON s.id = bp.session_id JOIN capacity_claims c ON c.id = b.claim_id \
             WHERE s.service_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 AND s.status = 'scheduled' AND c.state = 'held'",
        )
        .bind(id)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?;
        let mut by_band: Vec<(String, i64)> = Vec::new();
        for (age, _, _) in &people {
            let band = stats_band(*age);
            match by_band.iter_mut().find(|(b, _)| b == band) {
                Some((_, n)) => *n += 1,
                None => by_band.push((band.to_string(), 1)),
            }
        }
        by_band.sort();
        services.push(ServiceMonth {
            service_id: id,
            title,
            sessions: r.try_get(0)?,
            bookings: r.try_get(1)?,
            promotions: r.try_get(2)?,
            cancelled: r.try_get(3)?,
            people: people.len() as i64,
            attended: people.iter().filter(|(_, c, _)| c.is_some()).count() as i64,
            no_shows: people.iter().filter(|(_, _, n)| *n == 1).count() as i64,
            by_band,
        });
    }
    Ok(MonthStats { month: month.to_string(), services })
}

/// A worker's figures for a month (`YYYY-MM`, default the current one).
pub async fn stats(db: &Db, p: &Principal, requested: Option<i64>, month: Option<String>) -> Result<MonthStats, E> {
    let mut conn = db.pool().acquire().await?;
    let community = worker_community(&mut conn, p, requested).await?;
    let at = match month.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => crate::time::day_start(parse_day(&format!("{m}-01")).ok_or(CommonError::InvalidInput)?),
        None => now_ms(),
    };
    let (month, from, to) = month_span(at);
    month_figures(&mut conn, community, &month, from, to).await
}

// ---------------------------------------------------------------------------------------------
// The scheduler

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    pub generated: usize,
    pub closed: usize,
    pub reminded: usize,
    pub ended: usize,
    pub no_shows: usize,
    pub months: usize,
}

/// How long before a session its reminder goes out.
pub const REMINDER_BEFORE_MS: i64 = 24 * 3_600_000;

/// One pass of the services' scheduler at `now`: generates sessions ahead, closes booking (the
/// waitlist told), reminds the day before, counts no-shows after the end, and sends last month's
/// figures. Each step is a guarded update in its own transaction: a restart or a second instance
/// never does one twice.
pub async fn tick(db: &Db, now: i64) -> Result<TickReport, E> {
    let mut report = TickReport::default();
    let horizon = day_of(now) + GENERATE_DAYS;
    let due: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM service_schedules WHERE ended = 0 AND generated_to < $1 ORDER BY id").bind(horizon).fetch_all(db.pool()).await?;
    for id in due {
        let mut tx = db.begin_write().await?;
        report.generated += generate_in(&mut tx, id, horizon, now).await?;
        tx.commit().await?;
    }
    let closing: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM service_sessions WHERE status = 'scheduled' AND closed_done = 0 AND closes_at <= $1 ORDER BY id")
            .bind(now)
            .fetch_all(db.pool())
            .await?;
    for id in closing {
        let mut tx = db.begin_write().await?;
        if sqlx::query("UPDATE service_sessions SET closed_done = 1 WHERE id = $1 AND closed_done = 0 AND status = 'scheduled'")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1
        {
            let s = load_session(&mut tx, id).await?.ok_or(CommonError::NotFound)?;
            let svc = load_service(&mut tx, s.service_id).await?.ok_or(CommonError::NotFound)?;
            let expired = capacity::close(&mut tx, s.pool_id, now).await?;
            for claim in expired {
                let booking: i64 = sqlx::query_scalar("SELECT id FROM service_bookings WHERE claim_id = $1").bind(claim).fetch_one(&mut *tx).await?;
                sqlx::query("UPDATE service_booking_people SET active = 0 WHERE booking_id = $1").bind(booking).execute(&mut *tx).await?;
                refund_hours(&mut tx, booking, None).await?;
                tell(&mut tx, svc.community_id, booking, &ServiceNotice::WaitlistClosed { title: svc.title.clone(), starts_at: s.times.starts_at }).await?;
            }
            report.closed += 1;
        }
        tx.commit().await?;
    }
    let remind: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM service_sessions WHERE status = 'scheduled' AND reminded = 0 AND starts_at > $1 AND starts_at <= $2 ORDER BY id")
            .bind(now)
            .bind(now + REMINDER_BEFORE_MS)
            .fetch_all(db.pool())
            .await?;
    for id in remind {
        let mut tx = db.begin_write().await?;
        if sqlx::query("UPDATE service_sessions SET reminded = 1 WHERE id = $1 AND reminded = 0").bind(id).execute(&mut *tx).await?.rows_affected() == 1 {
            let s = load_session(&mut tx, id).await?.ok_or(CommonError::NotFound)?;
            let svc = load_service(&mut tx, s.service_id).await?.ok_or(CommonError::NotFound)?;
            let held: Vec<i64> = sqlx::query_scalar(
                "SELECT b.id FROM service_bookings b JOIN capacity_claims c ON c.id = b.claim_id WHERE b.session_id = $1 AND c.state = 'held' ORDER BY b.id",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            for b in held {
                tell(
                    &mut tx,
                    svc.community_id,
                    b,
                    &ServiceNotice::Reminder { title: svc.title.clone(), starts_at: s.times.starts_at, place: svc.place.clone() },
                )
                .await?;
            }
            report.reminded += 1;
        }
        tx.commit().await?;
    }
    let ended: Vec<i64> = sqlx::query_scalar("SELECT id FROM service_sessions WHERE status = 'scheduled' AND ended_done = 0 AND ends_at <= $1 ORDER BY id")
        .bind(now)
        .fetch_all(db.pool())
        .await?;
    for id in ended {
        let mut tx = db.begin_write().await?;
        if sqlx::query("UPDATE service_sessions SET ended_done = 1 WHERE id = $1 AND ended_done = 0").bind(id).execute(&mut *tx).await?.rows_affected() == 1 {
            let n = sqlx::query(
                "UPDATE service_booking_people SET no_show = 1 WHERE session_id = $1 AND active = 1 AND checked_in_at IS NULL \
                 AND booking_id IN (SELECT b.id FROM service_bookings b JOIN capacity_claims c ON c.id = b.claim_id WHERE b.session_id = $1 AND c.state = 'held')",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            report.ended += 1;
            report.no_shows += n as usize;
        }
        tx.commit().await?;
    }
    report.months += monthly(db, now).await?;
    Ok(report)
}

/// Last month's figures, once per community with services, as an official event.
async fn monthly(db: &Db, now: i64) -> Result<usize, E> {
    let (_, this_month, _) = month_span(now);
    let (month, from, to) = month_span(this_month - 1);
    let communities: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT v.community_id FROM services v WHERE v.created_at < $1 AND NOT EXISTS \
         (SELECT 1 FROM service_monthly m WHERE m.community_id = v.community_id AND m.month = $2) ORDER BY v.community_id",
    )
    .bind(to)
    .bind(&month)
    .fetch_all(db.pool())
    .await?;
    let mut sent = 0;
    for community in communities {
        let mut tx = db.begin_write().await?;
        let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM service_monthly WHERE community_id = $1 AND month = $2")
            .bind(community)
            .bind(&month)
            .fetch_one(&mut *tx)
            .await?;
        if done == 0 {
            let figures = month_figures(&mut tx, community, &month, from, to).await?;
            let payload = serde_json::to_value(&figures).map_err(|_| CommonError::Internal)?;
            let ev = events::append(
                &mut tx,
                &NewEvent {
                    community_id: Some(community),
                    kind: "service.monthly_statistics",
                    subject_type: "community",
                    subject_id: Some(community),
                    actor_user_id: None,
                    on_behalf_of_user_id: None,
                    official: true,
                    payload,
                },
            )
            .await?;
            sqlx::query("INSERT INTO service_monthly (community_id, month, event_id) VALUES ($1, $2, $3)")
                .bind(community)
                .bind(&month)
                .bind(ev)
                .execute(&mut *tx)
                .await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}
