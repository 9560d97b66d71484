//! Activities in the database. Every function authorizes from the database (role **and**
//! community, and that every id named belongs to what it is named with) and writes in one
//! write transaction, its events and notifications included.
use super::error::{ActivityError as E, Field};
use super::model::*;
use super::notices::{ActivityNotice, VolunteerNotice};
use super::types::*;
use crate::infra::db::{Db, now_ms};
use crate::infra::events::{self, NewEvent};
use crate::kernel::audience::{Eligibility, household_people};
use crate::kernel::capacity::{self, Claimed};
use crate::kernel::error::CommonError;
use crate::kernel::guard::{Principal, Role, district_of, is_worker, verified_resident, worker_community};
use crate::kernel::sql::Arg;
use crate::kernel::text::checked;
use crate::notifications::send as notify;
use crate::timebank::model::EntryKind;
use crate::timebank::store as ledger;
use sqlx::{AnyConnection, Row};

fn event<'a>(community: i64, kind: &'a str, subject_type: &'a str, id: i64, actor: Option<i64>, payload: serde_json::Value) -> NewEvent<'a> {
    NewEvent {
        community_id: Some(community),
        kind,
        subject_type,
        subject_id: Some(id),
        actor_user_id: actor,
        on_behalf_of_user_id: None,
        official: false,
        payload,
    }
}

fn reason_of(reason: &str) -> Result<String, E> {
    checked(reason, Field::Reason, REASON).map_err(|_| E::ReasonRequired)
}

const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

fn new_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..CODE_LEN).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect()
}

/// Whether the principal is an approved volunteer of `community` (a worker counts as one: workers
/// organise too).
async fn may_organise(conn: &mut AnyConnection, p: &Principal, community: i64) -> Result<bool, sqlx::Error> {
    Ok(match district_of(conn, community).await? {
        Some(d) => p.has_role(Role::Volunteer, community, d) || p.has_role(Role::Worker, community, d),
        None => false,
    })
}

// ---------------------------------------------------------------------------------------------
// Volunteers

/// A verified resident applies to volunteer in their community.
pub async fn apply(db: &Db, p: &Principal, skills: &str, availability: &str) -> Result<i64, E> {
    let skills = checked(skills, Field::Skills, SKILLS)?;
    let availability = checked(availability, Field::Availability, AVAILABILITY)?;
    let mut tx = db.begin_write().await?;
    let (w, community) = verified_resident(&mut tx, p).await?;
    if w.on_behalf_of.is_some() {
        // Volunteering is one's own commitment: not applied for in 代办.
        return Err(CommonError::Forbidden.into());
    }
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM volunteer_applications WHERE community_id = $1 AND user_id = $2 AND status IN ('pending', 'approved') \
         UNION SELECT id FROM memberships WHERE community_id = $1 AND user_id = $2 AND role = 'volunteer' LIMIT 1",
    )
    .bind(community)
    .bind(p.user_id)
    .fetch_optional(&mut *tx)
    .await?;
    if open.is_some() {
        return Err(E::AlreadyApplied);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO volunteer_applications (community_id, user_id, skills, availability, status, created_at) VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING id",
    )
    .bind(community)
    .bind(p.user_id)
    .bind(&skills)
    .bind(&availability)
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    events::append(&mut tx, &event(community, "volunteer.applied", "volunteer_application", id, Some(p.user_id), serde_json::json!({}))).await?;
    tx.commit().await?;
    Ok(id)
}

/// (community, user, status) of an application.
async fn application(conn: &mut AnyConnection, id: i64) -> Result<(i64, i64, ApplicationStatus), E> {
    let row: Option<(i64, i64, String)> =
        sqlx::query_as("SELECT community_id, user_id, status FROM volunteer_applications WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
    let (c, u, s) = row.ok_or(CommonError::NotFound)?;
    Ok((c, u, ApplicationStatus::parse(&s).ok_or(CommonError::Internal)?))
}

/// A worker of the application's community approves it (the `volunteer` role) or declines it
/// with a reason.
pub async fn decide_application(db: &Db, p: &Principal, id: i64, approve: bool, reason: Option<&str>) -> Result<(), E> {
    let reason = if approve { None } else { Some(reason_of(reason.unwrap_or_default())?) };
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let (community, user, status) = application(&mut tx, id).await?;
    worker_community(&mut tx, p, Some(community)).await?;
    if status != ApplicationStatus::Pending {
        return Err(E::WrongState);
    }
    let to = if approve { ApplicationStatus::Approved } else { ApplicationStatus::Declined };
    sqlx::query("UPDATE volunteer_applications SET status = $2, reason = $3, decided_by = $4, decided_at = $5 WHERE id = $1 AND status = 'pending'")
        .bind(id)
        .bind(to.as_str())
        .bind(&reason)
        .bind(p.user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    if approve {
        sqlx::query("INSERT INTO memberships (user_id, role, community_id) VALUES ($1, 'volunteer', $2) ON CONFLICT DO NOTHING")
            .bind(user)
            .bind(community)
            .execute(&mut *tx)
            .await?;
        notify::send_to(&mut tx, user, community, id, &VolunteerNotice::Approved).await?;
    } else {
        notify::send_to(&mut tx, user, community, id, &VolunteerNotice::Declined { reason: reason.clone().unwrap_or_default() }).await?;
    }
    let kind = if approve { "volunteer.approved" } else { "volunteer.declined" };
    events::append(&mut tx, &event(community, kind, "volunteer_application", id, Some(p.user_id), serde_json::json!({ "user": user, "reason": reason })))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A worker suspends an approved volunteer (the role is taken away; roles already taken stay).
pub async fn suspend_volunteer(db: &Db, p: &Principal, id: i64, reason: &str) -> Result<(), E> {
    let reason = reason_of(reason)?;
    let mut tx = db.begin_write().await?;
    let (community, user, status) = application(&mut tx, id).await?;
    worker_community(&mut tx, p, Some(community)).await?;
    if status != ApplicationStatus::Approved {
        return Err(E::WrongState);
    }
    sqlx::query("UPDATE volunteer_applications SET status = 'suspended', reason = $2, decided_by = $3, decided_at = $4 WHERE id = $1")
        .bind(id)
        .bind(&reason)
        .bind(p.user_id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND role = 'volunteer' AND community_id = $2").bind(user).bind(community).execute(&mut *tx).await?;
    notify::send_to(&mut tx, user, community, id, &VolunteerNotice::Suspended { reason: reason.clone() }).await?;
    events::append(
        &mut tx,
        &event(community, "volunteer.suspended", "volunteer_application", id, Some(p.user_id), serde_json::json!({ "user": user, "reason": reason })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Activities

/// An activity as the store needs it.
#[derive(Debug, Clone)]
pub struct Act {
    pub id: i64,
    pub community: i64,
    pub organiser: i64,
    pub title: String,
    pub place: String,
    pub times: Times,
    pub audience: Eligibility,
    pub pool: i64,
    pub status: Status,
}

pub async fn load(conn: &mut AnyConnection, id: i64) -> Result<Act, E> {
    let r = sqlx::query(
        "SELECT community_id, organiser_id, title, place, starts_at, ends_at, signup_opens_at, signup_closes_at, min_age, max_age, pool_id, status \
         FROM activities WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(CommonError::NotFound)?;
    Ok(Act {
        id,
        community: r.try_get(0)?,
        organiser: r.try_get(1)?,
        title: r.try_get(2)?,
        place: r.try_get(3)?,
        times: Times { starts_at: r.try_get(4)?, ends_at: r.try_get(5)?, signup_opens_at: r.try_get(6)?, signup_closes_at: r.try_get(7)? },
        audience: Eligibility { min_age: r.try_get(8)?, max_age: r.try_get(9)?, building_ids: vec![] },
        pool: r.try_get(10)?,
        status: Status::parse(&r.try_get::<String, _>(11)?).ok_or(CommonError::Internal)?,
    })
}

/// The organiser or a worker of the activity's community; anyone else is refused.
async fn organiser_or_worker(conn: &mut AnyConnection, p: &Principal, a: &Act) -> Result<bool, E> {
    let worker = is_worker(conn, p, a.community).await?;
    if a.organiser == p.user_id || worker { Ok(worker) } else { Err(CommonError::Forbidden.into()) }
}

struct Checked {
    title: String,
    description: String,
    place: String,
    roles: Vec<RoleSpec>,
}

fn check_form(f: &ActivityForm) -> Result<Checked, E> {
    let title = checked(&f.title, Field::Title, TITLE)?;
    let description = checked(&f.description, Field::Description, DESCRIPTION)?;
    let place = checked(&f.place, Field::Place, PLACE)?;
    let roles = f.roles.iter().map(|r| Ok(RoleSpec { name: checked(&r.name, Field::RoleName, ROLE_NAME)?, count: r.count })).collect::<Result<Vec<_>, E>>()?;
    let audience = Eligibility { min_age: f.min_age, max_age: f.max_age, building_ids: vec![] };
    check_settings(&f.times, f.capacity, &audience, &roles).map_err(E::Settings)?;
    Ok(Checked { title, description, place, roles })
}

/// An approved volunteer (or a worker) of `community` drafts an activity; `community` is the one
/// asked for, or the first where they volunteer or work.
pub async fn create(db: &Db, p: &Principal, f: &ActivityForm, community: Option<i64>) -> Result<i64, E> {
    let c = check_form(f)?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let community = match community {
        Some(c) => c,
        None => p.communities_as(Role::Volunteer).into_iter().chain(p.communities_as(Role::Worker)).next().ok_or(E::NotVolunteer)?,
    };
    if !may_organise(&mut tx, p, community).await? {
        return Err(E::NotVolunteer);
    }
    let pool = capacity::create_pool(&mut tx, f.capacity, now).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO activities (community_id, organiser_id, category, title, description, place, starts_at, ends_at, signup_opens_at, signup_closes_at, \
         min_age, max_age, pool_id, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'draft', $14, $14) RETURNING id",
    )
    .bind(community)
    .bind(p.user_id)
    .bind(f.category.as_str())
    .bind(&c.title)
    .bind(&c.description)
    .bind(&c.place)
    .bind(f.times.starts_at)
    .bind(f.times.ends_at)
    .bind(f.times.signup_opens_at)
    .bind(f.times.signup_closes_at)
    .bind(f.min_age)
    .bind(f.max_age)
    .bind(pool)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for r in &c.roles {
        let role_pool = capacity::create_pool(&mut tx, r.count, now).await?;
        sqlx::query("INSERT INTO activity_roles (activity_id, name, pool_id) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(&r.name)
            .bind(role_pool)
            .execute(&mut *tx)
            .await?;
    }
    events::append(&mut tx, &event(community, "activity.drafted", "activity", id, Some(p.user_id), serde_json::json!({ "title": c.title }))).await?;
    tx.commit().await?;
    Ok(id)
}

/// The organiser (or a worker) changes an activity. A draft or a returned one changes freely; a
/// published one keeps its roles' names, its places can be raised (promoting from the waitlist)
/// or lowered down to those taken, and a change of time or place tells everyone signed up.
pub async fn update(db: &Db, p: &Principal, id: i64, f: &ActivityForm) -> Result<(), E> {
    let c = check_form(f)?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let a = load(&mut tx, id).await?;
    organiser_or_worker(&mut tx, p, &a).await?;
    let roles: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT id, name, pool_id FROM activity_roles WHERE activity_id = $1 ORDER BY id").bind(id).fetch_all(&mut *tx).await?;
    match a.status {
        Status::Draft | Status::Returned => {
            for (role, _, pool) in &roles {
                sqlx::query("DELETE FROM activity_roles WHERE id = $1").bind(role).execute(&mut *tx).await?;
                capacity::cancel_pool(&mut tx, *pool, now).await?;
            }
            for r in &c.roles {
                let role_pool = capacity::create_pool(&mut tx, r.count, now).await?;
                sqlx::query("INSERT INTO activity_roles (activity_id, name, pool_id) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(&r.name)
                    .bind(role_pool)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Status::Published => {
            let same_names = roles.len() == c.roles.len() && roles.iter().zip(&c.roles).all(|((_, n, _), r)| *n == r.name);
            if !same_names {
                return Err(E::Settings(ActivityProblem::Roles));
            }
            for ((_, _, pool), r) in roles.iter().zip(&c.roles) {
                // Volunteers never wait for a role: nothing to promote.
                capacity::set_capacity(&mut tx, *pool, r.count, now).await?;
            }
        }
        Status::Submitted | Status::Cancelled => return Err(E::WrongState),
    }
    let promoted = capacity::set_capacity(&mut tx, a.pool, f.capacity, now).await?;
    sqlx::query(
        "UPDATE activities SET category = $2, title = $3, description = $4, place = $5, starts_at = $6, ends_at = $7, signup_opens_at = $8, \
         signup_closes_at = $9, min_age = $10, max_age = $11, updated_at = $12 WHERE id = $1",
    )
    .bind(id)
    .bind(f.category.as_str())
    .bind(&c.title)
    .bind(&c.description)
    .bind(&c.place)
    .bind(f.times.starts_at)
    .bind(f.times.ends_at)
    .bind(f.times.signup_opens_at)
    .bind(f.times.signup_closes_at)
    .bind(f.min_age)
    .bind(f.max_age)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let title = c.title.clone();
    tell_promoted(&mut tx, &a, &promoted, &title).await?;
    if a.status == Status::Published && (a.times.starts_at != f.times.starts_at || a.times.ends_at != f.times.ends_at || a.place != c.place) {
        tell_everyone(&mut tx, &a, &ActivityNotice::Changed { title, starts_at: f.times.starts_at, place: c.place.clone() }).await?;
    }
    events::append(&mut tx, &event(a.community, "activity.changed", "activity", id, Some(p.user_id), serde_json::json!({ "promoted": promoted.len() })))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The organiser sends a draft (or a returned activity) to the workers.
pub async fn submit(db: &Db, p: &Principal, id: i64) -> Result<(), E> {
    let mut tx = db.begin_write().await?;
    let a = load(&mut tx, id).await?;
    organiser_or_worker(&mut tx, p, &a).await?;
    if !matches!(a.status, Status::Draft | Status::Returned) {
        return Err(E::WrongState);
    }
    sqlx::query("UPDATE activities SET status = 'submitted', updated_at = $2 WHERE id = $1").bind(id).bind(now_ms()).execute(&mut *tx).await?;
    events::append(&mut tx, &event(a.community, "activity.submitted", "activity", id, Some(p.user_id), serde_json::json!({}))).await?;
    tx.commit().await?;
    Ok(())
}

/// A worker of the activity's community publishes a submitted activity or returns it with a reason.
pub async fn decide(db: &Db, p: &Principal, id: i64, approve: bool, reason: Option<&str>) -> Result<(), E> {
    let reason = if approve { None } else { Some(reason_of(reason.unwrap_or_default())?) };
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let a = load(&mut tx, id).await?;
    worker_community(&mut tx, p, Some(a.community)).await?;
    if a.status != Status::Submitted {
        return Err(E::WrongState);
    }
    let to = if approve { Status::Published } else { Status::Returned };
    sqlx::query("UPDATE activities SET status = $2, return_reason = $3, decided_by = $4, decided_at = $5, updated_at = $5 WHERE id = $1")
        .bind(id)
        .bind(to.as_str())
        .bind(&reason)
        .bind(p.user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let notice = match &reason {
        None => ActivityNotice::Published { title: a.title.clone() },
        Some(r) => ActivityNotice::Returned { title: a.title.clone(), reason: r.clone() },
    };
    notify::send_to(&mut tx, a.organiser, a.community, id, &notice).await?;
    let kind = if approve { "activity.published" } else { "activity.returned" };
    events::append(&mut tx, &event(a.community, kind, "activity", id, Some(p.user_id), serde_json::json!({ "reason": reason }))).await?;
    tx.commit().await?;
    Ok(())
}

/// The organiser or a worker cancels an activity with a reason: every sign-up and role ends, and
/// everyone signed up or waiting is told.
pub async fn cancel(db: &Db, p: &Principal, id: i64, reason: &str) -> Result<usize, E> {
    let reason = reason_of(reason)?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let a = load(&mut tx, id).await?;
    organiser_or_worker(&mut tx, p, &a).await?;
    if a.status == Status::Cancelled {
        return Err(E::Cancelled);
    }
    if a.times.ends_at <= now {
        return Err(E::WrongState);
    }
    // Told before the sign-ups end (the recipients are the active ones).
    let told = tell_everyone(&mut tx, &a, &ActivityNotice::Cancelled { title: a.title.clone(), starts_at: a.times.starts_at, reason: reason.clone() }).await?;
    capacity::cancel_pool(&mut tx, a.pool, now).await?;
    let role_pools: Vec<i64> = sqlx::query_scalar("SELECT pool_id FROM activity_roles WHERE activity_id = $1").bind(id).fetch_all(&mut *tx).await?;
    for pool in role_pools {
        capacity::cancel_pool(&mut tx, pool, now).await?;
    }
    sqlx::query("UPDATE activity_signups SET cancelled_at = $2 WHERE activity_id = $1 AND cancelled_at IS NULL").bind(id).bind(now).execute(&mut *tx).await?;
    sqlx::query("UPDATE activity_signup_people SET active = 0 WHERE activity_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("UPDATE activity_volunteers SET cancelled_at = $2 WHERE activity_id = $1 AND cancelled_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE activities SET status = 'cancelled', cancel_reason = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(&reason)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    events::append(&mut tx, &event(a.community, "activity.cancelled", "activity", id, Some(p.user_id), serde_json::json!({ "reason": reason, "told": told })))
        .await?;
    tx.commit().await?;
    Ok(told)
}

/// Tells everyone signed up (the households' residents of active sign-ups, their members with a
/// phone) and every volunteer in a role; returns how many sign-ups and roles that covers.
async fn tell_everyone(conn: &mut AnyConnection, a: &Act, n: &ActivityNotice) -> Result<usize, E> {
    let count: i64 = sqlx::query_scalar(
        "SELECT CAST((SELECT COUNT(*) FROM activity_signups WHERE activity_id = $1 AND cancelled_at IS NULL) \
         + (SELECT COUNT(*) FROM activity_volunteers WHERE activity_id = $1 AND cancelled_at IS NULL) AS BIGINT)",
    )
    .bind(a.id)
    .fetch_one(&mut *conn)
    .await?;
    notify::send_to_each(conn, a.community, a.id, n, |sql| {
        let (x, y, z) = (sql.arg(Arg::I(a.id)), sql.arg(Arg::I(a.id)), sql.arg(Arg::I(a.id)));
        format!(
            "SELECT booked_by AS user_id FROM activity_signups WHERE activity_id = {x} AND cancelled_at IS NULL AND booked_by IS NOT NULL UNION \
             SELECT m.user_id AS user_id FROM activity_signup_people sp JOIN household_members m ON m.id = sp.member_id \
             WHERE sp.activity_id = {y} AND sp.active = 1 AND m.user_id IS NOT NULL UNION \
             SELECT user_id FROM activity_volunteers WHERE activity_id = {z} AND cancelled_at IS NULL"
        )
    })
    .await?;
    Ok(count as usize)
}

/// Tells one sign-up's household (its resident, its members with a phone).
async fn tell_signup(conn: &mut AnyConnection, community: i64, activity: i64, signup: i64, n: &ActivityNotice) -> Result<(), sqlx::Error> {
    notify::send_to_each(conn, community, activity, n, |sql| {
        let (x, y) = (sql.arg(Arg::I(signup)), sql.arg(Arg::I(signup)));
        format!(
            "SELECT booked_by AS user_id FROM activity_signups WHERE id = {x} AND booked_by IS NOT NULL UNION \
             SELECT m.user_id AS user_id FROM activity_signup_people sp JOIN household_members m ON m.id = sp.member_id \
             WHERE sp.signup_id = {y} AND m.user_id IS NOT NULL"
        )
    })
    .await
}

async fn tell_promoted(conn: &mut AnyConnection, a: &Act, claims: &[i64], title: &str) -> Result<(), E> {
    for claim in claims {
        let signup: i64 = sqlx::query_scalar("SELECT id FROM activity_signups WHERE claim_id = $1").bind(claim).fetch_one(&mut *conn).await?;
        tell_signup(conn, a.community, a.id, signup, &ActivityNotice::Promoted { title: title.to_string(), starts_at: a.times.starts_at }).await?;
        events::append(conn, &event(a.community, "activity.promoted", "activity_signup", signup, None, serde_json::json!({ "activity": a.id }))).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Sign-ups

/// A verified resident (or a worker in 代办 for one) signs up members of their household. The
/// people are checked (confirmed members, the audience, not signed up already); the places are
/// the kernel's: held if they fit, else waiting, all together.
pub async fn sign_up(db: &Db, p: &Principal, activity: i64, members: &[i64]) -> Result<SignUpReceipt, E> {
    let now = now_ms();
    let mut ids = members.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(E::NotYourHousehold);
    }
    if ids.len() > MAX_PARTY {
        return Err(E::PartyTooLarge { max: MAX_PARTY as i64 });
    }
    let mut tx = db.begin_write().await?;
    let (w, community) = verified_resident(&mut tx, p).await?;
    let a = load(&mut tx, activity).await?;
    // Another community's activity does not exist for this resident.
    if a.community != community || !matches!(a.status, Status::Published | Status::Cancelled) {
        return Err(CommonError::NotFound.into());
    }
    if a.status == Status::Cancelled {
        return Err(E::Cancelled);
    }
    match a.times.window(now) {
        crate::kernel::capacity::Window::NotYet => return Err(E::NotOpenYet { opens_at: a.times.signup_opens_at }),
        crate::kernel::capacity::Window::Closed => return Err(E::SignUpClosed),
        crate::kernel::capacity::Window::Open => {}
    }
    let (household, _) = crate::account::community::household_of(&mut tx, w.subject).await?.ok_or(CommonError::NotVerified)?;
    let people = household_people(&mut tx, household).await?;
    let mut names = Vec::new();
    for id in &ids {
        let person = people.iter().find(|m| m.id == *id).ok_or(E::NotYourHousehold)?;
        if !person.confirmed {
            return Err(E::Ineligible { name: person.name.clone(), why: crate::kernel::audience::Ineligible::NotConfirmed });
        }
        a.audience.check(person.birth_year, person.building, a.times.starts_at).map_err(|why| E::Ineligible { name: person.name.clone(), why })?;
        names.push(person.name.clone());
    }
    let mut sql = crate::kernel::sql::Sql::new();
    let act = sql.arg(Arg::I(activity));
    let list = sql.list(&ids);
    sql.text = format!("SELECT member_id FROM activity_signup_people WHERE activity_id = {act} AND active = 1 AND member_id IN ({list})");
    let taken: Vec<(i64,)> = sql.fetch_all::<(i64,)>(&mut tx).await?;
    if let Some((t,)) = taken.first() {
        let name = people.iter().find(|m| m.id == *t).map(|m| m.name.clone()).unwrap_or_default();
        return Err(E::AlreadySignedUp { name });
    }
    let claimed = capacity::claim(&mut tx, a.pool, ids.len() as i64, now).await?;
    let mut signup = None;
    for _ in 0..8 {
        let code = new_code();
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO activity_signups (activity_id, household_id, claim_id, booked_by, actor_user_id, code, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO NOTHING RETURNING id",
        )
        .bind(activity)
        .bind(household)
        .bind(claimed.claim())
        .bind(w.subject)
        .bind(p.user_id)
        .bind(&code)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = id {
            signup = Some((id, code));
            break;
        }
    }
    let (signup, code) = signup.ok_or(CommonError::Internal)?;
    for member in &ids {
        sqlx::query("INSERT INTO activity_signup_people (signup_id, activity_id, member_id) VALUES ($1, $2, $3)")
            .bind(signup)
            .bind(activity)
            .bind(member)
            .execute(&mut *tx)
            .await?;
    }
    let state = match claimed {
        Claimed::Held { .. } => SignUpState::SignedUp,
        Claimed::Waiting { position, .. } => SignUpState::Waiting { position },
    };
    let notice = match state {
        SignUpState::SignedUp => ActivityNotice::SignedUp { title: a.title.clone(), starts_at: a.times.starts_at },
        SignUpState::Waiting { position } => ActivityNotice::Waiting { title: a.title.clone(), starts_at: a.times.starts_at, position },
    };
    tell_signup(&mut tx, community, activity, signup, &notice).await?;
    let mut e = event(
        community,
        "activity.signed_up",
        "activity_signup",
        signup,
        Some(p.user_id),
        serde_json::json!({ "activity": activity, "members": ids, "waiting": matches!(state, SignUpState::Waiting { .. }) }),
    );
    e.on_behalf_of_user_id = w.on_behalf_of;
    events::append(&mut tx, &e).await?;
    tx.commit().await?;
    Ok(SignUpReceipt { signup_id: signup, code, state })
}

/// Cancels a sign-up or leaves the waitlist: someone of the household (or a worker of the
/// community). The freed places promote the first waiting sign-ups that fit, told, in the same
/// transaction.
pub async fn leave(db: &Db, p: &Principal, signup: i64) -> Result<(), E> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let row: Option<(i64, i64, i64, Option<i64>)> =
        sqlx::query_as("SELECT activity_id, household_id, claim_id, cancelled_at FROM activity_signups WHERE id = $1")
            .bind(signup)
            .fetch_optional(&mut *tx)
            .await?;
    let (activity, household, claim, cancelled) = row.ok_or(CommonError::NotFound)?;
    let a = load(&mut tx, activity).await?;
    let (subject, _) = crate::kernel::guard::acting_for(&mut tx, p).await?;
    let own = crate::account::community::household_of(&mut tx, subject).await?.is_some_and(|(h, _)| h == household);
    if !own && !is_worker(&mut tx, p, a.community).await? {
        return Err(CommonError::NotFound.into());
    }
    if cancelled.is_some() {
        return Err(E::WrongState);
    }
    let promoted = capacity::release(&mut tx, claim, now).await?;
    sqlx::query("UPDATE activity_signups SET cancelled_at = $2 WHERE id = $1").bind(signup).bind(now).execute(&mut *tx).await?;
    sqlx::query("UPDATE activity_signup_people SET active = 0 WHERE signup_id = $1").bind(signup).execute(&mut *tx).await?;
    tell_promoted(&mut tx, &a, &promoted, &a.title).await?;
    events::append(
        &mut tx,
        &event(
            a.community,
            "activity.left",
            "activity_signup",
            signup,
            Some(p.user_id),
            serde_json::json!({ "activity": activity, "promoted": promoted.len() }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Volunteer roles

/// An approved volunteer of the activity's community takes a role, within its count (never
/// waiting: a full role is refused). Their hours will go to their own time bank.
pub async fn take_role(db: &Db, p: &Principal, activity: i64, role: i64) -> Result<i64, E> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let a = load(&mut tx, activity).await?;
    let role_pool: Option<i64> =
        sqlx::query_scalar("SELECT pool_id FROM activity_roles WHERE id = $1 AND activity_id = $2").bind(role).bind(activity).fetch_optional(&mut *tx).await?;
    // An approved volunteer of this very community (a district admin's reach does not make one).
    if !p.memberships.iter().any(|m| m.role == Role::Volunteer && m.community_id == Some(a.community)) {
        return Err(E::NotVolunteer);
    }
    let role_pool = role_pool.ok_or(CommonError::NotFound)?;
    match a.status {
        Status::Published => {}
        Status::Cancelled => return Err(E::Cancelled),
        _ => return Err(CommonError::NotFound.into()),
    }
    if now >= a.times.ends_at {
        return Err(E::SignUpClosed);
    }
    let (member, _, member_community) = ledger::own_member(&mut tx, p.user_id).await?.ok_or(CommonError::NotVerified)?;
    if member_community != a.community {
        return Err(E::NotVolunteer);
    }
    let already: Option<i64> = sqlx::query_scalar("SELECT id FROM activity_volunteers WHERE activity_id = $1 AND user_id = $2 AND cancelled_at IS NULL")
        .bind(activity)
        .bind(p.user_id)
        .fetch_optional(&mut *tx)
        .await?;
    if already.is_some() {
        return Err(E::AlreadyInRole);
    }
    let claim = match capacity::claim(&mut tx, role_pool, 1, now).await? {
        Claimed::Held { claim } => claim,
        // Dropping the transaction takes the waiting claim back.
        Claimed::Waiting { .. } => return Err(E::RoleFull),
    };
    let mut id = None;
    for _ in 0..8 {
        id = sqlx::query_scalar(
            "INSERT INTO activity_volunteers (activity_id, role_id, user_id, member_id, claim_id, code, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (code) DO NOTHING RETURNING id",
        )
        .bind(activity)
        .bind(role)
        .bind(p.user_id)
        .bind(member)
        .bind(claim)
        .bind(new_code())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if id.is_some() {
            break;
        }
    }
    let id: i64 = id.ok_or(CommonError::Internal)?;
    events::append(
        &mut tx,
        &event(a.community, "activity.role_taken", "activity_volunteer", id, Some(p.user_id), serde_json::json!({ "activity": activity, "role": role })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The volunteer gives their role up (before checking in).
pub async fn leave_role(db: &Db, p: &Principal, volunteer: i64) -> Result<(), E> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let row: Option<(i64, i64, i64, Option<i64>, Option<i64>)> =
        sqlx::query_as("SELECT activity_id, user_id, claim_id, cancelled_at, checked_in_at FROM activity_volunteers WHERE id = $1")
            .bind(volunteer)
            .fetch_optional(&mut *tx)
            .await?;
    let (activity, user, claim, cancelled, checked_in) = row.ok_or(CommonError::NotFound)?;
    if user != p.user_id {
        return Err(CommonError::NotFound.into());
    }
    if cancelled.is_some() || checked_in.is_some() {
        return Err(E::WrongState);
    }
    let a = load(&mut tx, activity).await?;
    capacity::release(&mut tx, claim, now).await?;
    sqlx::query("UPDATE activity_volunteers SET cancelled_at = $2 WHERE id = $1").bind(volunteer).bind(now).execute(&mut *tx).await?;
    events::append(
        &mut tx,
        &event(a.community, "activity.role_left", "activity_volunteer", volunteer, Some(p.user_id), serde_json::json!({ "activity": activity })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Check-in and out, hours

/// The organiser or a worker checks in by code (a sign-up's or a volunteer's) or one participant
/// from the list; a volunteer's code checks them out when `out`. Repeating a check-in changes
/// nothing (the first time stays).
pub async fn check_in(db: &Db, p: &Principal, activity: i64, code: Option<&str>, member: Option<i64>, out: Option<bool>) -> Result<CheckedIn, E> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let a = load(&mut tx, activity).await?;
    organiser_or_worker(&mut tx, p, &a).await?;
    if a.status != Status::Published {
        return Err(E::WrongState);
    }
    let code = code.map(|c| c.trim().to_uppercase());
    if let Some(code) = &code {
        let vol: Option<(i64, Option<i64>, Option<i64>, String)> = sqlx::query_as(
            "SELECT v.id, v.checked_in_at, v.checked_out_at, COALESCE(u.display_name, m.name) FROM activity_volunteers v JOIN users u ON u.id = v.user_id \
             JOIN household_members m ON m.id = v.member_id WHERE v.activity_id = $1 AND v.code = $2 AND v.cancelled_at IS NULL",
        )
        .bind(activity)
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((id, checked_in, checked_out, name)) = vol {
            // Without a direction (the camera): out once in, in otherwise.
            let out = out.unwrap_or(checked_in.is_some());
            let result = if out {
                let Some(checked_in) = checked_in else { return Err(E::NotCheckedIn) };
                if checked_out.is_some() {
                    return Err(E::WrongState);
                }
                let hh = half_hours(Some(checked_in), Some(now), a.times.starts_at, a.times.ends_at).map_err(|_| E::NotCheckedIn)?;
                sqlx::query("UPDATE activity_volunteers SET checked_out_at = $2, half_hours = $3 WHERE id = $1")
                    .bind(id)
                    .bind(now)
                    .bind(hh)
                    .execute(&mut *tx)
                    .await?;
                CheckedIn::Volunteer { name, out: true, half_hours: Some(hh) }
            } else {
                sqlx::query("UPDATE activity_volunteers SET checked_in_at = COALESCE(checked_in_at, $2) WHERE id = $1")
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                CheckedIn::Volunteer { name, out: false, half_hours: None }
            };
            events::append(
                &mut tx,
                &event(
                    a.community,
                    if out { "activity.checked_out" } else { "activity.checked_in" },
                    "activity_volunteer",
                    id,
                    Some(p.user_id),
                    serde_json::json!({}),
                ),
            )
            .await?;
            tx.commit().await?;
            return Ok(result);
        }
    }
    // Participants: a sign-up's code (everyone on it) or one person.
    let rows: Vec<(i64, String, Option<i64>)> = match (&code, member) {
        (Some(code), _) => {
            sqlx::query_as(
                "SELECT sp.member_id, m.name, sp.checked_in_at FROM activity_signups s JOIN activity_signup_people sp ON sp.signup_id = s.id \
                 JOIN household_members m ON m.id = sp.member_id JOIN capacity_claims c ON c.id = s.claim_id \
                 WHERE s.activity_id = $1 AND s.code = $2 AND s.cancelled_at IS NULL AND c.state = 'held' ORDER BY sp.member_id",
            )
            .bind(activity)
            .bind(code)
            .fetch_all(&mut *tx)
            .await?
        }
        (None, Some(member)) => {
            sqlx::query_as(
                "SELECT sp.member_id, m.name, sp.checked_in_at FROM activity_signup_people sp JOIN activity_signups s ON s.id = sp.signup_id \
                 JOIN household_members m ON m.id = sp.member_id JOIN capacity_claims c ON c.id = s.claim_id \
                 WHERE sp.activity_id = $1 AND sp.member_id = $2 AND sp.active = 1 AND c.state = 'held'",
            )
            .bind(activity)
            .bind(member)
            .fetch_all(&mut *tx)
            .await?
        }
        (None, None) => return Err(E::UnknownCode),
    };
    if rows.is_empty() {
        return Err(E::UnknownCode);
    }
    let already = rows.iter().all(|(_, _, at)| at.is_some());
    for (m, ..) in &rows {
        sqlx::query("UPDATE activity_signup_people SET checked_in_at = COALESCE(checked_in_at, $3), checked_in_by = COALESCE(checked_in_by, $4) WHERE activity_id = $1 AND member_id = $2 AND active = 1")
            .bind(activity)
            .bind(m)
            .bind(now)
            .bind(p.user_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(CheckedIn::Participants { names: rows.into_iter().map(|(_, n, _)| n).collect(), already })
}

/// A worker enters (or changes) a volunteer's hours before they are verified, with a reason: for
/// a missing check-out, or a correction of what the clock said.
pub async fn set_hours(db: &Db, p: &Principal, volunteer: i64, half_hours: i64, reason: &str) -> Result<(), E> {
    let reason = reason_of(reason)?;
    let mut tx = db.begin_write().await?;
    let row: Option<(i64, Option<i64>, Option<i64>)> =
        sqlx::query_as("SELECT activity_id, verified_at, cancelled_at FROM activity_volunteers WHERE id = $1").bind(volunteer).fetch_optional(&mut *tx).await?;
    let (activity, verified, cancelled) = row.ok_or(CommonError::NotFound)?;
    let a = load(&mut tx, activity).await?;
    worker_community(&mut tx, p, Some(a.community)).await?;
    if verified.is_some() || cancelled.is_some() {
        return Err(E::WrongState);
    }
    let most = (a.times.ends_at - a.times.starts_at) / 1_800_000;
    if !(0..=most).contains(&half_hours) {
        return Err(E::HoursOutOfRange { max: most });
    }
    sqlx::query("UPDATE activity_volunteers SET half_hours = $2, hours_reason = $3 WHERE id = $1")
        .bind(volunteer)
        .bind(half_hours)
        .bind(&reason)
        .execute(&mut *tx)
        .await?;
    events::append(
        &mut tx,
        &event(
            a.community,
            "activity.hours_set",
            "activity_volunteer",
            volunteer,
            Some(p.user_id),
            serde_json::json!({ "half_hours": half_hours, "reason": reason }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A worker of the activity's community verifies volunteers' hours (several at once): each is
/// credited to the volunteer's time bank (up to the yearly cap) and told. A volunteer without
/// hours (no check-out, no entry) stops the whole verification, naming nothing half-done.
pub async fn verify_hours(db: &Db, p: &Principal, activity: i64, volunteers: &[i64]) -> Result<Vec<Verified>, E> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let a = load(&mut tx, activity).await?;
    worker_community(&mut tx, p, Some(a.community)).await?;
    let mut out = Vec::new();
    for v in volunteers {
        let row: Option<(i64, i64, i64, Option<i64>, Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT user_id, member_id, activity_id, half_hours, verified_at, cancelled_at FROM activity_volunteers WHERE id = $1")
                .bind(v)
                .fetch_optional(&mut *tx)
                .await?;
        let (user, member, of, hh, verified, cancelled) = row.ok_or(CommonError::NotFound)?;
        if of != activity {
            return Err(CommonError::NotFound.into());
        }
        if verified.is_some() || cancelled.is_some() {
            return Err(E::WrongState);
        }
        let hh = hh.ok_or(E::NoHours)?;
        let credited = if hh > 0 {
            let (_, credited) = ledger::earn(&mut tx, member, a.community, *v, hh, p.user_id).await?.map_err(E::Ledger)?;
            notify::send_to(&mut tx, user, a.community, activity, &ActivityNotice::HoursVerified { title: a.title.clone(), half_hours: credited }).await?;
            credited
        } else {
            0
        };
        sqlx::query("UPDATE activity_volunteers SET verified_by = $2, verified_at = $3 WHERE id = $1")
            .bind(v)
            .bind(p.user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        out.push(Verified { volunteer_id: *v, credited, recorded: hh });
    }
    events::append(
        &mut tx,
        &event(a.community, "activity.hours_verified", "activity", activity, Some(p.user_id), serde_json::json!({ "volunteers": volunteers.len() })),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The time bank, as people use it

/// A verified resident gives `half_hours` of their own to another member of their household.
pub async fn transfer(db: &Db, p: &Principal, to_member: i64, half_hours: i64) -> Result<i64, E> {
    let mut tx = db.begin_write().await?;
    let (w, _) = verified_resident(&mut tx, p).await?;
    let (from, household, community) = ledger::own_member(&mut tx, w.subject).await?.ok_or(CommonError::NotVerified)?;
    let to: Option<i64> = sqlx::query_scalar("SELECT household_id FROM household_members WHERE id = $1 AND status = 'confirmed'")
        .bind(to_member)
        .fetch_optional(&mut *tx)
        .await?;
    crate::timebank::model::transfer_allowed((from, household), (to_member, to.unwrap_or(-1)), half_hours).map_err(E::Ledger)?;
    let by = p.user_id;
    let out = ledger::Posting {
        counterpart: Some(to_member),
        on_behalf_of: w.on_behalf_of,
        ..ledger::Posting::new(from, community, EntryKind::Transferred, -half_hours, by)
    };
    let posted = ledger::post(&mut tx, &out).await?.map_err(E::Ledger)?;
    let into = ledger::Posting {
        counterpart: Some(from),
        on_behalf_of: w.on_behalf_of,
        ..ledger::Posting::new(to_member, community, EntryKind::Transferred, half_hours, by)
    };
    ledger::post(&mut tx, &into).await?.map_err(E::Ledger)?;
    tx.commit().await?;
    Ok(posted.balance)
}

/// A worker of the entry's community corrects it by `delta` half hours with a reason (a new entry;
/// the old one stays as it was).
pub async fn correct(db: &Db, p: &Principal, entry: i64, delta: i64, reason: &str) -> Result<i64, E> {
    let reason = reason_of(reason)?;
    let mut tx = db.begin_write().await?;
    let row: Option<(i64, i64, String, i64, i64)> =
        sqlx::query_as("SELECT member_id, community_id, kind, half_hours, year FROM timebank_entries WHERE id = $1")
            .bind(entry)
            .fetch_optional(&mut *tx)
            .await?;
    let (member, community, kind, original, year) = row.ok_or(CommonError::NotFound)?;
    worker_community(&mut tx, p, Some(community)).await?;
    if kind == EntryKind::Corrected.as_str() {
        // Corrections are corrected through the entry they correct.
        return Err(E::WrongState);
    }
    ledger::lock_account(&mut tx, member, community).await?;
    let corrected: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(half_hours), 0) AS BIGINT) FROM timebank_entries WHERE reverses_id = $1")
        .bind(entry)
        .fetch_one(&mut *tx)
        .await?;
    crate::timebank::model::correction(original, corrected, delta).map_err(E::Ledger)?;
    if kind == EntryKind::Earned.as_str() && delta > 0 {
        let cap = ledger::yearly_cap(&mut tx, community).await?;
        let earned = ledger::earned_in(&mut tx, member, year).await?;
        if crate::timebank::model::creditable(delta, earned, cap).map_err(E::Ledger)? != delta {
            return Err(E::Ledger(crate::timebank::model::Refusal::YearlyCap { cap }));
        }
    }
    let posting =
        ledger::Posting { reverses: Some(entry), reason: Some(&reason), ..ledger::Posting::new(member, community, EntryKind::Corrected, delta, p.user_id) };
    let posted = ledger::post(&mut tx, &posting).await?.map_err(E::Ledger)?;
    tx.commit().await?;
    Ok(posted.entry)
}

/// A worker sets the community's yearly cap (half hours per person).
pub async fn set_yearly_cap(db: &Db, p: &Principal, community: Option<i64>, cap: i64) -> Result<(), E> {
    if !(1..=crate::timebank::model::MAX_YEARLY_CAP).contains(&cap) {
        return Err(E::Ledger(crate::timebank::model::Refusal::Amount));
    }
    let mut tx = db.begin_write().await?;
    let community = worker_community(&mut tx, p, community).await?;
    sqlx::query("INSERT INTO timebank_settings (community_id, yearly_cap) VALUES ($1, $2) ON CONFLICT (community_id) DO UPDATE SET yearly_cap = $2")
        .bind(community)
        .bind(cap)
        .execute(&mut *tx)
        .await?;
    events::append(&mut tx, &event(community, "timebank.cap_set", "community", community, Some(p.user_id), serde_json::json!({ "yearly_cap": cap }))).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// What the screens show

const CARD: &str = "SELECT a.id, a.title, a.category, a.place, a.starts_at, a.ends_at, a.signup_opens_at, a.signup_closes_at, p.capacity, p.taken, \
     (SELECT COUNT(*) FROM capacity_claims c WHERE c.pool_id = a.pool_id AND c.state = 'waiting'), a.status, a.min_age, a.max_age \
     FROM activities a JOIN capacity_pools p ON p.id = a.pool_id";

fn card(r: &sqlx::any::AnyRow) -> Result<ActivityCard, E> {
    Ok(ActivityCard {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        category: Category::parse(&r.try_get::<String, _>(2)?).ok_or(CommonError::Internal)?,
        place: r.try_get(3)?,
        starts_at: r.try_get(4)?,
        ends_at: r.try_get(5)?,
        signup_opens_at: r.try_get(6)?,
        signup_closes_at: r.try_get(7)?,
        capacity: r.try_get(8)?,
        taken: r.try_get(9)?,
        waiting: r.try_get(10)?,
        status: Status::parse(&r.try_get::<String, _>(11)?).ok_or(CommonError::Internal)?,
        min_age: r.try_get(12)?,
        max_age: r.try_get(13)?,
    })
}

async fn cards(conn: &mut AnyConnection, filter: &str, args: &[i64]) -> Result<Vec<ActivityCard>, E> {
    let sql = format!("{CARD} WHERE {filter}");
    let mut q = sqlx::query(&sql);
    for a in args {
        q = q.bind(*a);
    }
    q.fetch_all(&mut *conn).await?.iter().map(card).collect()
}

async fn may_apply(conn: &mut AnyConnection, p: &Principal, community: i64) -> Result<bool, E> {
    let verified = crate::kernel::guard::standing(conn, p.user_id, community).await?.verified;
    let open: i64 = sqlx::query_scalar(
        "SELECT CAST((SELECT COUNT(*) FROM volunteer_applications WHERE community_id = $1 AND user_id = $2 AND status IN ('pending', 'approved')) \
         + (SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND user_id = $2 AND role = 'volunteer') AS BIGINT)",
    )
    .bind(community)
    .bind(p.user_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(verified && open == 0)
}

/// The 活动 tab of the viewer's community: published activities not yet ended (those of one
/// category if asked), soonest first; an organiser's own unpublished ones.
pub async fn list(db: &Db, p: &Principal, category: Option<Category>) -> Result<ActivityList, E> {
    let mut conn = db.pool().acquire().await?;
    let (subject, _) = crate::kernel::guard::acting_for(&mut conn, p).await?;
    let community = crate::kernel::guard::home_community(&mut conn, p, subject, None).await?;
    let now = now_ms();
    let mut upcoming =
        cards(&mut conn, "a.community_id = $1 AND a.status = 'published' AND a.ends_at > $2 ORDER BY a.starts_at, a.id", &[community, now]).await?;
    if let Some(c) = category {
        upcoming.retain(|a| a.category == c);
    }
    let mine = cards(
        &mut conn,
        "a.community_id = $1 AND a.organiser_id = $2 AND a.status IN ('draft', 'submitted', 'returned') ORDER BY a.id DESC",
        &[community, p.user_id],
    )
    .await?;
    Ok(ActivityList {
        upcoming,
        mine,
        can_organise: may_organise(&mut conn, p, community).await?,
        is_worker: is_worker(&mut conn, p, community).await?,
        may_apply: may_apply(&mut conn, p, community).await?,
    })
}

/// A household's sign-ups for an activity (with their QR codes when `qr`).
async fn household_signups(conn: &mut AnyConnection, activity: i64, household: i64, qr: bool) -> Result<Vec<MySignUp>, E> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT s.id, s.code, s.claim_id FROM activity_signups s WHERE s.activity_id = $1 AND s.household_id = $2 AND s.cancelled_at IS NULL ORDER BY s.id",
    )
    .bind(activity)
    .bind(household)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for (signup, code, claim) in rows {
        let names: Vec<(String,)> = sqlx::query_as(
            "SELECT m.name FROM activity_signup_people sp JOIN household_members m ON m.id = sp.member_id WHERE sp.signup_id = $1 ORDER BY m.id",
        )
        .bind(signup)
        .fetch_all(&mut *conn)
        .await?;
        let (_, state, _, position) = capacity::claim_state(&mut *conn, claim).await?;
        let state = match (state, position) {
            (capacity::ClaimState::Waiting, Some(position)) => SignUpState::Waiting { position },
            _ => SignUpState::SignedUp,
        };
        let qr_svg = if qr { crate::kernel::qr::svg(&code) } else { String::new() };
        out.push(MySignUp { signup_id: signup, code, names: names.into_iter().map(|(n,)| n).collect(), state, qr_svg });
    }
    Ok(out)
}

/// A user's role in an activity, if they hold one (with its QR code when `qr`).
async fn role_of(conn: &mut AnyConnection, activity: i64, user: i64, qr: bool) -> Result<Option<MyRole>, E> {
    let mine: Option<(i64, String, String, Option<i64>, Option<i64>, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT v.id, r.name, v.code, v.checked_in_at, v.checked_out_at, v.half_hours, v.verified_at FROM activity_volunteers v JOIN activity_roles r ON r.id = v.role_id \
         WHERE v.activity_id = $1 AND v.user_id = $2 AND v.cancelled_at IS NULL",
    )
    .bind(activity)
    .bind(user)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(mine.map(|(volunteer_id, role, code, checked_in_at, checked_out_at, half_hours, verified)| MyRole {
        volunteer_id,
        role,
        qr_svg: if qr { crate::kernel::qr::svg(&code) } else { String::new() },
        code,
        checked_in_at,
        checked_out_at,
        half_hours,
        verified: verified.is_some(),
    }))
}

/// 我的活动: what the viewer's household signed up for, the roles the viewer holds and the
/// activities they organise — those not ended, or ended within the last 30 days (soonest first,
/// then the most recently ended).
pub async fn mine(db: &Db, p: &Principal) -> Result<MyActivities, E> {
    let mut conn = db.pool().acquire().await?;
    let (subject, _) = crate::kernel::guard::acting_for(&mut conn, p).await?;
    let now = now_ms();
    let since = now - RECENT_MS;
    const ORDER: &str = "ORDER BY CASE WHEN a.ends_at > $3 THEN 0 ELSE 1 END, CASE WHEN a.ends_at > $3 THEN a.starts_at ELSE -a.ends_at END, a.id";
    let mut joined = Vec::new();
    if let Some((household, _)) = crate::account::community::household_of(&mut conn, subject).await? {
        let list = cards(
            &mut conn,
            &format!("a.id IN (SELECT activity_id FROM activity_signups WHERE household_id = $1 AND cancelled_at IS NULL) AND a.ends_at > $2 {ORDER}"),
            &[household, since, now],
        )
        .await?;
        for c in list {
            for s in household_signups(&mut conn, c.id, household, false).await? {
                joined.push((c.clone(), s));
            }
        }
    }
    let mut serving = Vec::new();
    let list = cards(
        &mut conn,
        &format!("a.id IN (SELECT activity_id FROM activity_volunteers WHERE user_id = $1 AND cancelled_at IS NULL) AND a.ends_at > $2 {ORDER}"),
        &[p.user_id, since, now],
    )
    .await?;
    for c in list {
        if let Some(r) = role_of(&mut conn, c.id, p.user_id, false).await? {
            serving.push((c, r));
        }
    }
    let organised = cards(&mut conn, &format!("a.organiser_id = $1 AND a.ends_at > $2 {ORDER}"), &[p.user_id, since, now]).await?;
    Ok(MyActivities { joined, serving, organised, now })
}

/// How long an ended activity stays on 我的活动.
const RECENT_MS: i64 = 30 * 24 * 3_600_000;

/// Published (or cancelled) activities are seen by the community's members; drafts only by their
/// organiser and the community's workers.
fn visible(status: Status, member: bool, organiser: bool, worker: bool) -> bool {
    match status {
        Status::Published | Status::Cancelled => member || worker,
        _ => organiser || worker,
    }
}

/// An activity's page. Published (or cancelled) ones are seen by the community's members; drafts
/// only by their organiser and the community's workers; anyone else is told it does not exist.
pub async fn detail(db: &Db, p: &Principal, id: i64) -> Result<ActivityDetail, E> {
    let mut conn = db.pool().acquire().await?;
    let a = load(&mut conn, id).await?;
    let is_worker = is_worker(&mut conn, p, a.community).await?;
    let is_organiser = a.organiser == p.user_id;
    let (subject, _) = crate::kernel::guard::acting_for(&mut conn, p).await?;
    let member = crate::kernel::guard::standing(&mut conn, subject, a.community).await?.member;
    if !visible(a.status, member, is_organiser, is_worker) {
        return Err(CommonError::NotFound.into());
    }
    let c = cards(&mut conn, "a.id = $1", &[id]).await?.pop().ok_or(CommonError::NotFound)?;
    let row: (String, String, String, Option<String>, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT a.category, a.description, COALESCE(u.display_name, ''), a.return_reason, a.cancel_reason, a.report FROM activities a JOIN users u ON u.id = a.organiser_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let roles: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT r.id, r.name, p.capacity, p.taken FROM activity_roles r JOIN capacity_pools p ON p.id = r.pool_id WHERE r.activity_id = $1 ORDER BY r.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let roles: Vec<RoleView> = roles.into_iter().map(|(id, name, count, taken)| RoleView { id, name, count, taken }).collect();
    // The household's members and sign-ups.
    let mut members = Vec::new();
    let mut my_signups = Vec::new();
    if let Some((household, _)) = crate::account::community::household_of(&mut conn, subject).await?.filter(|(_, c)| *c == a.community) {
        let active: Vec<(i64,)> =
            sqlx::query_as("SELECT member_id FROM activity_signup_people WHERE activity_id = $1 AND active = 1").bind(id).fetch_all(&mut *conn).await?;
        for person in household_people(&mut conn, household).await? {
            let may = if person.confirmed {
                a.audience.check(person.birth_year, person.building, a.times.starts_at).map(|_| ())
            } else {
                Err(crate::kernel::audience::Ineligible::NotConfirmed)
            };
            members.push(MemberChoice {
                member_id: person.id,
                name: person.name.clone(),
                age: person.birth_year.map(|b| crate::kernel::audience::age_at(b, a.times.starts_at)),
                may,
                signed_up: active.iter().any(|(m,)| *m == person.id),
            });
        }
        my_signups = household_signups(&mut conn, id, household, true).await?;
    }
    let my_role = role_of(&mut conn, id, p.user_id, true).await?;
    let is_volunteer = p.memberships.iter().any(|m| m.role == Role::Volunteer && m.community_id == Some(a.community));
    let form = ActivityForm {
        title: a.title.clone(),
        category: c.category,
        description: row.1.clone(),
        place: a.place.clone(),
        times: a.times,
        capacity: c.capacity,
        min_age: a.audience.min_age,
        max_age: a.audience.max_age,
        roles: roles.iter().map(|r| RoleSpec { name: r.name.clone(), count: r.count }).collect(),
    };
    Ok(ActivityDetail {
        card: c,
        description: row.1,
        organiser: row.2,
        return_reason: row.3,
        cancel_reason: row.4,
        report: row.5,
        roles,
        members,
        my_signups,
        my_role,
        is_organiser,
        is_worker,
        is_volunteer,
        form,
        window: a.times.window(now_ms()),
        ended: now_ms() >= a.times.ends_at,
        photos: photos_of(&mut conn, id).await?,
    })
}

/// The organiser's (or a worker's) list of an activity: participants (held places) and volunteers.
pub async fn desk(db: &Db, p: &Principal, id: i64) -> Result<Desk, E> {
    let mut conn = db.pool().acquire().await?;
    let a = load(&mut conn, id).await?;
    let is_worker = organiser_or_worker(&mut conn, p, &a).await?;
    let c = cards(&mut conn, "a.id = $1", &[id]).await?.pop().ok_or(CommonError::NotFound)?;
    let participants: Vec<(i64, String, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT m.id, m.name, h.unit, h.room, sp.checked_in_at FROM activity_signup_people sp JOIN activity_signups s ON s.id = sp.signup_id \
         JOIN capacity_claims c ON c.id = s.claim_id JOIN household_members m ON m.id = sp.member_id JOIN households h ON h.id = m.household_id \
         WHERE sp.activity_id = $1 AND sp.active = 1 AND c.state = 'held' ORDER BY m.name, m.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let volunteers: Vec<(i64, String, String, String, Option<i64>, Option<i64>, Option<i64>, Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT v.id, m.name, r.name, v.code, v.checked_in_at, v.checked_out_at, v.half_hours, v.hours_reason, v.verified_at FROM activity_volunteers v \
         JOIN activity_roles r ON r.id = v.role_id JOIN household_members m ON m.id = v.member_id WHERE v.activity_id = $1 AND v.cancelled_at IS NULL ORDER BY r.id, v.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Desk {
        card: c,
        participants: participants
            .into_iter()
            .map(|(member_id, name, unit, room, at)| DeskParticipant { member_id, name, room: format!("{unit}-{room}"), checked_in: at.is_some() })
            .collect(),
        volunteers: volunteers
            .into_iter()
            .map(|(volunteer_id, name, role, code, checked_in_at, checked_out_at, half_hours, hours_reason, verified)| DeskVolunteer {
                volunteer_id,
                name,
                role,
                code,
                checked_in_at,
                checked_out_at,
                half_hours,
                hours_reason,
                verified: verified.is_some(),
            })
            .collect(),
        is_worker,
        ended: now_ms() >= a.times.ends_at,
        finished: sqlx::query_scalar::<_, Option<i64>>("SELECT figures_at FROM activities WHERE id = $1").bind(id).fetch_one(&mut *conn).await?.is_some(),
        photos: photos_of(&mut conn, id).await?,
    })
}

fn application_view(r: (i64, String, String, String, String, Option<String>, i64)) -> Result<ApplicationView, E> {
    Ok(ApplicationView {
        id: r.0,
        name: r.1,
        skills: r.2,
        availability: r.3,
        status: ApplicationStatus::parse(&r.4).ok_or(CommonError::Internal)?,
        reason: r.5,
        at: r.6,
    })
}

const APPLICATION: &str = "SELECT a.id, COALESCE(u.display_name, u.phone), a.skills, a.availability, a.status, a.reason, a.created_at \
     FROM volunteer_applications a JOIN users u ON u.id = a.user_id";

/// A worker's queue in their community (or the one asked for, where they work).
pub async fn review(db: &Db, p: &Principal, community: Option<i64>) -> Result<Review, E> {
    let mut conn = db.pool().acquire().await?;
    let community = worker_community(&mut conn, p, community).await?;
    let apps = |status: &'static str| format!("{APPLICATION} WHERE a.community_id = $1 AND a.status = '{status}' ORDER BY a.id");
    let pending: Vec<(i64, String, String, String, String, Option<String>, i64)> =
        sqlx::query_as(&apps("pending")).bind(community).fetch_all(&mut *conn).await?;
    let approved: Vec<(i64, String, String, String, String, Option<String>, i64)> =
        sqlx::query_as(&apps("approved")).bind(community).fetch_all(&mut *conn).await?;
    let submitted = cards(&mut conn, "a.community_id = $1 AND a.status = 'submitted' ORDER BY a.id", &[community]).await?;
    let to_verify = cards(
        &mut conn,
        "a.community_id = $1 AND a.status = 'published' AND a.ends_at <= $2 AND EXISTS (SELECT 1 FROM activity_volunteers v WHERE v.activity_id = a.id \
         AND v.cancelled_at IS NULL AND v.verified_at IS NULL AND v.checked_in_at IS NOT NULL) ORDER BY a.starts_at",
        &[community, now_ms()],
    )
    .await?;
    Ok(Review {
        applications: pending.into_iter().map(application_view).collect::<Result<_, _>>()?,
        volunteers: approved.into_iter().map(application_view).collect::<Result<_, _>>()?,
        submitted,
        to_verify,
        yearly_cap: ledger::yearly_cap(&mut conn, community).await?,
    })
}

const ENTRY: &str = "SELECT e.id, m.name, e.kind, e.half_hours, e.balance_after, e.created_at, e.reason, \
     COALESCE((SELECT a.title FROM activity_volunteers v JOIN activities a ON a.id = v.activity_id WHERE v.id = e.volunteer_id), \
              (SELECT s.title FROM service_bookings b JOIN service_sessions x ON x.id = b.session_id JOIN services s ON s.id = x.service_id WHERE b.id = e.booking_id)) \
     FROM timebank_entries e JOIN household_members m ON m.id = e.member_id";

async fn entries(conn: &mut AnyConnection, filter: &str, arg: i64) -> Result<Vec<EntryView>, E> {
    let rows: Vec<(i64, String, String, i64, i64, i64, Option<String>, Option<String>)> =
        sqlx::query_as(&format!("{ENTRY} WHERE {filter} ORDER BY e.id DESC LIMIT 200")).bind(arg).fetch_all(&mut *conn).await?;
    rows.into_iter()
        .map(|(id, member, kind, half_hours, balance_after, at, reason, about)| {
            Ok(EntryView { id, member, kind: EntryKind::parse(&kind).ok_or(CommonError::Internal)?, half_hours, balance_after, at, reason, about })
        })
        .collect()
}

/// The viewer's application, balance and ledger, and whom they may give hours to.
pub async fn my_bank(db: &Db, p: &Principal) -> Result<MyBank, E> {
    let mut conn = db.pool().acquire().await?;
    let (subject, _) = crate::kernel::guard::acting_for(&mut conn, p).await?;
    let community = crate::kernel::guard::home_community(&mut conn, p, subject, None).await?;
    let app: Option<(i64, String, String, String, String, Option<String>, i64)> =
        sqlx::query_as(&format!("{APPLICATION} WHERE a.community_id = $1 AND a.user_id = $2 ORDER BY a.id DESC LIMIT 1"))
            .bind(community)
            .bind(subject)
            .fetch_optional(&mut *conn)
            .await?;
    let (balance, entries_, household) = match ledger::own_member(&mut conn, subject).await? {
        Some((member, household, _)) => {
            let balance: Option<i64> =
                sqlx::query_scalar("SELECT balance FROM timebank_accounts WHERE member_id = $1").bind(member).fetch_optional(&mut *conn).await?;
            let others: Vec<(i64, String)> =
                sqlx::query_as("SELECT id, name FROM household_members WHERE household_id = $1 AND id <> $2 AND status = 'confirmed' ORDER BY id")
                    .bind(household)
                    .bind(member)
                    .fetch_all(&mut *conn)
                    .await?;
            (balance.unwrap_or(0), entries(&mut conn, "e.member_id = $1", member).await?, others)
        }
        None => (0, Vec::new(), Vec::new()),
    };
    Ok(MyBank {
        application: app.map(application_view).transpose()?,
        may_apply: may_apply(&mut conn, p, community).await?,
        balance,
        entries: entries_,
        household,
    })
}

/// Everyone's balance in the worker's community, and the latest entries.
pub async fn community_bank(db: &Db, p: &Principal, community: Option<i64>) -> Result<CommunityBank, E> {
    let mut conn = db.pool().acquire().await?;
    let community = worker_community(&mut conn, p, community).await?;
    let accounts: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT t.member_id, m.name, t.balance FROM timebank_accounts t JOIN household_members m ON m.id = t.member_id WHERE t.community_id = $1 ORDER BY m.name, m.id",
    )
    .bind(community)
    .fetch_all(&mut *conn)
    .await?;
    Ok(CommunityBank { accounts, entries: entries(&mut conn, "e.community_id = $1", community).await? })
}

// ---------------------------------------------------------------------------------------------
// After the activity

/// The organiser or a worker closes an activity that is over: its short report, and its figures
/// (participants, attendance, volunteers, verified hours) as an official record for the records
/// platform — once.
pub async fn finish(db: &Db, p: &Principal, id: i64, report: &str) -> Result<ActivityFigures, E> {
    let report = checked(report, Field::Report, REPORT)?;
    let report = Some(report).filter(|r| !r.is_empty());
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let a = load(&mut tx, id).await?;
    organiser_or_worker(&mut tx, p, &a).await?;
    let done: Option<i64> = sqlx::query_scalar("SELECT figures_at FROM activities WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
    if a.status != Status::Published || now < a.times.ends_at || done.is_some() {
        return Err(E::WrongState);
    }
    let n = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).bind(id);
    let figures = ActivityFigures {
        participants: n(
            "SELECT COUNT(*) FROM activity_signup_people sp JOIN activity_signups s ON s.id = sp.signup_id JOIN capacity_claims c ON c.id = s.claim_id \
             WHERE sp.activity_id = $1 AND sp.active = 1 AND c.state = 'held'",
        )
        .fetch_one(&mut *tx)
        .await?,
        attended: n("SELECT COUNT(*) FROM activity_signup_people WHERE activity_id = $1 AND active = 1 AND checked_in_at IS NOT NULL")
            .fetch_one(&mut *tx)
            .await?,
        volunteers: n("SELECT COUNT(*) FROM activity_volunteers WHERE activity_id = $1 AND cancelled_at IS NULL").fetch_one(&mut *tx).await?,
        volunteers_attended: n("SELECT COUNT(*) FROM activity_volunteers WHERE activity_id = $1 AND cancelled_at IS NULL AND checked_in_at IS NOT NULL")
            .fetch_one(&mut *tx)
            .await?,
        verified_half_hours: n(
            "SELECT CAST(COALESCE(SUM(e.half_hours), 0) AS BIGINT) FROM timebank_entries e JOIN activity_volunteers v ON v.id = e.volunteer_id \
             WHERE v.activity_id = $1 AND e.kind = 'earned'",
        )
        .fetch_one(&mut *tx)
        .await?,
    };
    sqlx::query("UPDATE activities SET report = $2, figures_at = $3, updated_at = $3 WHERE id = $1").bind(id).bind(&report).bind(now).execute(&mut *tx).await?;
    let category: String = sqlx::query_scalar("SELECT category FROM activities WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
    let mut e = event(
        a.community,
        "activity.figures",
        "activity",
        id,
        Some(p.user_id),
        serde_json::json!({
            "activity_id": id, "title": a.title, "category": category, "starts_at": a.times.starts_at, "ends_at": a.times.ends_at,
            "participants": figures.participants, "attended": figures.attended, "volunteers": figures.volunteers,
            "volunteers_attended": figures.volunteers_attended, "verified_half_hours": figures.verified_half_hours,
        }),
    );
    e.official = true;
    events::append(&mut tx, &e).await?;
    tx.commit().await?;
    Ok(figures)
}

// ---------------------------------------------------------------------------------------------
// Exports

pub use crate::kernel::csv::Encoding;

/// A worker's export of the activities of their community that started in `[from, to]` (days,
/// Beijing): one line per participant with a place and per volunteer — the activity, the person,
/// the part they had, whether they came, and the verified hours.
pub async fn export(db: &Db, p: &Principal, community: Option<i64>, from: &str, to: &str, encoding: Encoding) -> Result<Vec<u8>, E> {
    let (Some(from), Some(to)) = (crate::time::parse_day(from), crate::time::parse_day(to)) else {
        return Err(CommonError::InvalidInput.into());
    };
    if to < from || to - from > 366 {
        return Err(CommonError::InvalidInput.into());
    }
    let mut conn = db.pool().acquire().await?;
    let community = worker_community(&mut conn, p, community).await?;
    let (start, end) = (crate::time::day_start(from), crate::time::day_start(to + 1));
    let participants: Vec<(i64, String, i64, String, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT a.id, a.title, a.starts_at, m.name, h.unit, h.room, sp.checked_in_at FROM activities a JOIN activity_signup_people sp ON sp.activity_id = a.id \
         JOIN activity_signups s ON s.id = sp.signup_id JOIN capacity_claims c ON c.id = s.claim_id JOIN household_members m ON m.id = sp.member_id \
         JOIN households h ON h.id = m.household_id WHERE a.community_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 AND a.status = 'published' \
         AND sp.active = 1 AND c.state = 'held' ORDER BY a.starts_at, a.id, m.name",
    )
    .bind(community)
    .bind(start)
    .bind(end)
    .fetch_all(&mut *conn)
    .await?;
    let volunteers: Vec<(i64, String, i64, String, String, Option<i64>, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT a.id, a.title, a.starts_at, m.name, r.name, v.checked_in_at, v.half_hours, \
         (SELECT e.half_hours FROM timebank_entries e WHERE e.volunteer_id = v.id AND e.kind = 'earned') \
         FROM activities a JOIN activity_volunteers v ON v.activity_id = a.id JOIN activity_roles r ON r.id = v.role_id \
         JOIN household_members m ON m.id = v.member_id WHERE a.community_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 AND a.status = 'published' \
         AND v.cancelled_at IS NULL ORDER BY a.starts_at, a.id, m.name",
    )
    .bind(community)
    .bind(start)
    .bind(end)
    .fetch_all(&mut *conn)
    .await?;
    let mut csv = crate::kernel::csv::Csv::new(&["活动编号", "活动", "开始时间", "姓名", "房号", "身份", "签到", "记录时长(小时)", "核定时长(小时)"]);
    let when = |ms: i64| crate::time::ms_to_local(ms).replace('T', " ");
    let yes = |b: bool| if b { "是" } else { "否" };
    for (id, title, starts, name, unit, room, checked) in participants {
        let line =
            [id.to_string(), title, when(starts), name, format!("{unit}-{room}"), "参与者".into(), yes(checked.is_some()).into(), String::new(), String::new()];
        csv.line(&line);
    }
    for (id, title, starts, name, role, checked, recorded, verified) in volunteers {
        let h = |v: Option<i64>| v.map(crate::timebank::model::hours).unwrap_or_default();
        let line =
            [id.to_string(), title, when(starts), name, String::new(), format!("志愿者：{role}"), yes(checked.is_some()).into(), h(recorded), h(verified)];
        csv.line(&line);
    }
    Ok(csv.encoded(encoding))
}

// ---------------------------------------------------------------------------------------------
// The report's photos

async fn photos_of(conn: &mut AnyConnection, activity: i64) -> Result<Vec<Photo>, E> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, storage_key FROM activity_photos WHERE activity_id = $1 ORDER BY id").bind(activity).fetch_all(&mut *conn).await?;
    Ok(rows.into_iter().map(|(id, key)| Photo { id, url: format!("/media/activities/{key}") }).collect())
}

/// The organiser or a worker adds a photo to the report of an ended activity: the needs' photo
/// pipeline checks the bytes and writes the image anew (upright, at most 2048 px, no EXIF). The
/// row and the file are written together: if the file cannot be stored, no row remains.
pub async fn add_photo(db: &Db, blobs: &dyn crate::infra::blobs::BlobStore, p: &Principal, activity: i64, raw: Vec<u8>) -> Result<Photo, E> {
    // Rights first, on a read connection: nothing is decoded for someone who may not add one.
    let allowed = |a: &Act, count: i64| -> Result<(), E> {
        if a.status != Status::Published || now_ms() < a.times.ends_at {
            return Err(E::WrongState);
        }
        if count >= MAX_REPORT_PHOTOS as i64 {
            return Err(E::Photo(crate::needs::error::NeedError::TooManyPhotos { max: MAX_REPORT_PHOTOS }));
        }
        Ok(())
    };
    let count = |activity: i64| sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM activity_photos WHERE activity_id = $1").bind(activity);
    {
        let mut conn = db.pool().acquire().await?;
        let a = load(&mut conn, activity).await?;
        organiser_or_worker(&mut conn, p, &a).await?;
        allowed(&a, count(activity).fetch_one(&mut *conn).await?)?;
    }
    let photo = crate::needs::photo::cleaned_upload(raw).await.map_err(E::Photo)?;
    let mut tx = db.begin_write().await?;
    let a = load(&mut tx, activity).await?;
    organiser_or_worker(&mut tx, p, &a).await?;
    allowed(&a, count(activity).fetch_one(&mut *tx).await?)?;
    let key = crate::needs::photo::new_key();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO activity_photos (activity_id, storage_key, uploaded_by, byte_size, width, height, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(activity)
    .bind(&key)
    .bind(p.user_id)
    .bind(photo.jpeg.len() as i64)
    .bind(i64::from(photo.width))
    .bind(i64::from(photo.height))
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    events::append(&mut tx, &event(a.community, "activity.photo_added", "activity", activity, Some(p.user_id), serde_json::json!({ "photo": id }))).await?;
    crate::needs::photo::put(blobs, &key, photo.jpeg).await?;
    tx.commit().await?;
    Ok(Photo { id, url: format!("/media/activities/{key}") })
}

/// The organiser or a worker removes a photo from the report.
pub async fn remove_photo(db: &Db, blobs: &dyn crate::infra::blobs::BlobStore, p: &Principal, photo: i64) -> Result<(), E> {
    let mut tx = db.begin_write().await?;
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT activity_id, storage_key FROM activity_photos WHERE id = $1").bind(photo).fetch_optional(&mut *tx).await?;
    let (activity, key) = row.ok_or(CommonError::NotFound)?;
    let a = load(&mut tx, activity).await?;
    organiser_or_worker(&mut tx, p, &a).await?;
    sqlx::query("DELETE FROM activity_photos WHERE id = $1").bind(photo).execute(&mut *tx).await?;
    events::append(&mut tx, &event(a.community, "activity.photo_removed", "activity", activity, Some(p.user_id), serde_json::json!({ "photo": photo })))
        .await?;
    tx.commit().await?;
    crate::needs::photo::forget(blobs, &key).await;
    Ok(())
}

/// The bytes of a report's photo, for whoever may see its activity.
pub async fn photo_for(db: &Db, blobs: &dyn crate::infra::blobs::BlobStore, p: &Principal, key: &str) -> Result<Vec<u8>, E> {
    let mut conn = db.pool().acquire().await?;
    let activity: i64 = sqlx::query_scalar("SELECT activity_id FROM activity_photos WHERE storage_key = $1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(CommonError::NotFound)?;
    let a = load(&mut conn, activity).await?;
    let worker = is_worker(&mut conn, p, a.community).await?;
    let (subject, _) = crate::kernel::guard::acting_for(&mut conn, p).await?;
    let member = crate::kernel::guard::standing(&mut conn, subject, a.community).await?.member;
    if !visible(a.status, member, a.organiser == p.user_id, worker) {
        return Err(CommonError::NotFound.into());
    }
    blobs.get(key).await.ok().flatten().ok_or(CommonError::NotFound.into())
}
