//! The guard every server function starts with: who is asking (`principal`), as whom they act
//! (`Who`: themselves, or the resident a worker acts for in 代办), which community a request is
//! about, and what they are there (worker, member, verified resident). Everything comes from the
//! session and the database, never from what the request says about itself.
//!
//! The session's token is read by the accounts capability (`account::session`, which owns the
//! sessions); everything else a capability needs to authorize is here.
use super::error::{CommonError, Failure};
use crate::infra::AppContext;
use crate::infra::db::now_ms;
use leptos::prelude::*;
use sqlx::AnyConnection;

pub use super::roles::Role;

/// A role the user holds, scoped to a community or (district admin) a district.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Membership {
    pub role: Role,
    pub community_id: Option<i64>,
    pub district_id: Option<i64>,
    pub verified: bool,
}

/// The authenticated user of a request, as the database knows them now.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub phone: String,
    pub session_id: i64,
    pub memberships: Vec<Membership>,
}

impl Principal {
    /// Whether the user holds `role` in `community_id` (a district admin holds every role in the
    /// communities of their district; `community_district` is that community's district, read
    /// from the database by the caller, never from the request).
    pub fn has_role(&self, role: Role, community_id: i64, community_district: i64) -> bool {
        self.memberships
            .iter()
            .any(|m| (m.role == role && m.community_id == Some(community_id)) || (m.role == Role::DistrictAdmin && m.district_id == Some(community_district)))
    }

    /// The communities where the user holds `role` (district admins excluded: they act
    /// explicitly on a chosen community of their district).
    pub fn communities_as(&self, role: Role) -> Vec<i64> {
        self.memberships.iter().filter(|m| m.role == role).filter_map(|m| m.community_id).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// The request: status, context, the caller

/// Sets the response status of `e` and returns it.
pub fn fail<E: Failure>(e: E) -> E {
    set_status(e.status(), e.not_logged_in());
    e
}

/// Sets the status of the response. A server function called while a page renders shares
/// the page's response: not being logged in is then no failure of the page (it shows the way
/// to log in), so a page keeps its 200; called directly (`/api/…`) it answers 401.
pub fn set_status(status: u16, not_logged_in: bool) {
    let page_render = use_context::<http::request::Parts>().is_some_and(|p| !p.uri.path().starts_with("/api/"));
    if not_logged_in && page_render {
        return;
    }
    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
        r.set_status(http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_REQUEST));
    }
}

/// The server's shared state (database, keys, gateways).
pub fn ctx() -> Result<AppContext, CommonError> {
    use_context::<AppContext>().ok_or_else(|| fail(CommonError::Internal))
}

/// The request's headers.
pub fn headers() -> http::HeaderMap {
    use_context::<http::request::Parts>().map(|p| p.headers).unwrap_or_default()
}

/// The client address (rate limits): the socket peer, or behind a configured proxy the address it
/// reports (`infra::net`). Without connection info (tests) all share one bucket.
pub async fn client_ip() -> String {
    match leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>().await {
        Ok(c) => ctx().map(|ctx| ctx.proxies.client(c.0.ip(), &headers())).unwrap_or(c.0.ip()).to_string(),
        Err(_) => "unknown".into(),
    }
}

/// Appends `Set-Cookie` headers to the response.
pub fn set_cookies(values: [String; 2]) {
    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
        for v in values {
            if let Ok(v) = http::HeaderValue::from_str(&v) {
                r.append_header(http::header::SET_COOKIE, v);
            }
        }
    }
}

/// Who is asking, from the session, as the database knows them now. A refusal has set the
/// response's status already (`?` turns it into the capability's error).
pub async fn principal() -> Result<Principal, CommonError> {
    use crate::account::session::{Denied, principal_from_access};
    let c = ctx()?;
    principal_from_access(&c.db, &c.keys, &headers()).await.map_err(|d| {
        fail(match d {
            Denied::Unauthenticated => CommonError::NotLoggedIn,
            Denied::Forbidden => CommonError::Forbidden,
        })
    })
}

/// The caller if logged in, `None` if not: for what pages show to everyone. Not being logged
/// in is then no error, so the status `principal` set (401) is put back to 200 — on the
/// server a server function called while rendering shares the page's response.
pub async fn principal_if_logged_in() -> Result<Option<Principal>, CommonError> {
    match principal().await {
        Ok(p) => Ok(Some(p)),
        Err(CommonError::NotLoggedIn) => {
            if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
                r.set_status(http::StatusCode::OK);
            }
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// The community and the caller's standing in it

/// Who is asking and as whom: the principal, and the resident they act as (themselves, or the
/// resident a worker is acting for in 代办).
pub struct Who<'a> {
    pub p: &'a Principal,
    /// The resident the request acts as.
    pub subject: i64,
    /// Set while a worker acts for a resident (代办): that resident.
    pub on_behalf_of: Option<i64>,
}

/// The caller and the resident they act as.
pub async fn who<'a>(conn: &mut AnyConnection, p: &'a Principal) -> Result<Who<'a>, sqlx::Error> {
    let (subject, on_behalf_of) = acting_for(conn, p).await?;
    Ok(Who { p, subject, on_behalf_of })
}

/// The resident a worker ($1) acts for (代办) at time $2, while that lasts (`acting_for`,
/// `acting_household`).
const ASSISTED_RESIDENT: &str =
    "SELECT resident_user_id FROM assisted_sessions WHERE worker_user_id = $1 AND ended_at IS NULL AND expires_at > $2 ORDER BY id DESC LIMIT 1";

/// The households of users where they are verified residents, with the membership's id (the first
/// is theirs), the user, the household and its community (`acting_household`,
/// `account::community::household_of`).
pub const RESIDENT_HOUSEHOLDS: &str = "SELECT ms.id, ms.user_id, m.household_id, b.community_id FROM memberships ms \
     JOIN household_members m ON m.id = ms.member_id JOIN households h ON h.id = m.household_id JOIN buildings b ON b.id = h.building_id \
     WHERE ms.role = 'resident' AND ms.verified = 1";

/// The resident a request acts for: the worker's 代办 resident while that lasts, else the caller.
pub async fn acting_for(conn: &mut AnyConnection, p: &Principal) -> Result<(i64, Option<i64>), sqlx::Error> {
    let assisted: Option<i64> = sqlx::query_scalar(ASSISTED_RESIDENT).bind(p.user_id).bind(now_ms()).fetch_optional(conn).await?;
    Ok(match assisted {
        Some(resident) => (resident, Some(resident)),
        None => (p.user_id, None),
    })
}

/// `acting_for` and the household of the one acted for, in one query: (subject, whom a worker
/// acts for, the subject's household and its community if they are a verified resident — as
/// `account::community::household_of`).
pub async fn acting_household(conn: &mut AnyConnection, p: &Principal) -> Result<(i64, Option<i64>, Option<(i64, i64)>), sqlx::Error> {
    let (assisted, household, community): (Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(&format!(
        "SELECT x.r, y.household_id, y.community_id FROM (SELECT ({ASSISTED_RESIDENT}) AS r) x \
         LEFT JOIN ({RESIDENT_HOUSEHOLDS}) y ON y.user_id = COALESCE(x.r, $1) ORDER BY y.id LIMIT 1"
    ))
    .bind(p.user_id)
    .bind(now_ms())
    .fetch_one(conn)
    .await?;
    Ok((assisted.unwrap_or(p.user_id), assisted, household.zip(community)))
}

pub async fn district_of(conn: &mut AnyConnection, community: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT district_id FROM communities WHERE id = $1").bind(community).fetch_optional(conn).await
}

/// Whether the principal works in `community` (as its worker or its district's admin).
pub async fn is_worker(conn: &mut AnyConnection, p: &Principal, community: i64) -> Result<bool, sqlx::Error> {
    Ok(match district_of(conn, community).await? {
        Some(d) => p.has_role(Role::Worker, community, d),
        None => false,
    })
}

/// What a user is in a community.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// A member in any role.
    pub member: bool,
    /// A verified resident.
    pub verified: bool,
}

/// What `user` is in `community`.
pub async fn standing(conn: &mut AnyConnection, user: i64, community: i64) -> Result<Standing, sqlx::Error> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT role, verified FROM memberships WHERE user_id = $1 AND community_id = $2").bind(user).bind(community).fetch_all(conn).await?;
    Ok(Standing { member: !rows.is_empty(), verified: rows.iter().any(|(r, v)| r == Role::Resident.as_str() && *v == 1) })
}

/// Who asks about a row of `community`: the resident they act as, the resident a worker acts for
/// (代办), and whether they work there. Anyone neither a member nor a worker there: not found (a
/// row of another community is not revealed).
pub async fn member_or_worker(conn: &mut AnyConnection, p: &Principal, community: i64) -> Result<(i64, Option<i64>, bool), CommonError> {
    let (subject, on_behalf_of) = acting_for(conn, p).await?;
    let worker = is_worker(conn, p, community).await?;
    if !(worker || standing(conn, subject, community).await?.member) {
        return Err(CommonError::NotFound);
    }
    Ok((subject, on_behalf_of, worker))
}

/// The community a resident-facing request is about: the requested one if the caller (or the
/// resident `subject` they act for) belongs to it or works there, else the subject's own (as a
/// resident first), else the first the principal works in.
pub async fn home_community(conn: &mut AnyConnection, p: &Principal, subject: i64, requested: Option<i64>) -> Result<i64, CommonError> {
    if let Some(c) = requested {
        let s = standing(conn, subject, c).await?;
        return if s.member || is_worker(conn, p, c).await? { Ok(c) } else { Err(CommonError::Forbidden) };
    }
    let own: Option<i64> = sqlx::query_scalar(
        "SELECT community_id FROM memberships WHERE user_id = $1 AND community_id IS NOT NULL \
         ORDER BY CASE role WHEN 'resident' THEN 0 WHEN 'worker' THEN 1 ELSE 2 END, id LIMIT 1",
    )
    .bind(subject)
    .fetch_optional(&mut *conn)
    .await?;
    own.or_else(|| p.communities_as(Role::Worker).first().copied()).ok_or(CommonError::Forbidden)
}

/// The community a worker acts in: the requested one if they work there, else their first.
pub async fn worker_community(conn: &mut AnyConnection, p: &Principal, requested: Option<i64>) -> Result<i64, CommonError> {
    match requested {
        Some(c) => match district_of(conn, c).await? {
            Some(d) if p.has_role(Role::Worker, c, d) => Ok(c),
            _ => Err(CommonError::Forbidden),
        },
        None => p.communities_as(Role::Worker).first().copied().ok_or(CommonError::Forbidden),
    }
}

/// The acting resident and their own community, if they are a verified resident of it: who may
/// propose, vote, book and sign up.
pub async fn verified_resident<'a>(conn: &mut AnyConnection, p: &'a Principal) -> Result<(Who<'a>, i64), CommonError> {
    let w = who(conn, p).await?;
    let community = home_community(conn, p, w.subject, None).await?;
    require_verified(standing(conn, w.subject, community).await?.verified)?;
    Ok((w, community))
}

/// Refuses anyone who is not a verified resident.
pub fn require_verified(verified: bool) -> Result<(), CommonError> {
    if verified { Ok(()) } else { Err(CommonError::NotVerified) }
}
