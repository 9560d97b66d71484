//! The ledger in the database. Every change goes through `post`, in the caller's write
//! transaction: the account's row is changed by a conditional update (`balance + delta >= 0`,
//! row count checked; on PostgreSQL the update holds the row's lock until the transaction ends),
//! then the entry is appended with the balance after it, and an audit event with it. The table's
//! CHECK refuses a negative balance and its triggers refuse any change to an entry, whatever the
//! code does.
use super::model::{DEFAULT_YEARLY_CAP, EntryKind, Refusal, apply, creditable};
use crate::infra::db::now_ms;
use crate::infra::events::{self, EventError, NewEvent};
use sqlx::AnyConnection;

/// One change to a person's hours.
#[derive(Debug, Clone)]
pub struct Posting<'a> {
    pub member: i64,
    pub community: i64,
    pub kind: EntryKind,
    /// Signed half hours.
    pub delta: i64,
    pub volunteer: Option<i64>,
    pub booking: Option<i64>,
    pub counterpart: Option<i64>,
    pub reverses: Option<i64>,
    pub reason: Option<&'a str>,
    /// Who posts it (None: the system).
    pub by: Option<i64>,
    pub on_behalf_of: Option<i64>,
}

impl<'a> Posting<'a> {
    pub fn new(member: i64, community: i64, kind: EntryKind, delta: i64, by: i64) -> Self {
        Posting {
            member,
            community,
            kind,
            delta,
            volunteer: None,
            booking: None,
            counterpart: None,
            reverses: None,
            reason: None,
            by: Some(by),
            on_behalf_of: None,
        }
    }
}

/// A posted entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posted {
    pub entry: i64,
    pub balance: i64,
}

/// Opens the member's account if it is not there yet and takes its row lock (PostgreSQL; SQLite's
/// write transaction is exclusive already); returns the balance.
pub async fn lock_account(conn: &mut AnyConnection, member: i64, community: i64) -> Result<i64, sqlx::Error> {
    sqlx::query("INSERT INTO timebank_accounts (member_id, community_id, balance) VALUES ($1, $2, 0) ON CONFLICT (member_id) DO NOTHING")
        .bind(member)
        .bind(community)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar("UPDATE timebank_accounts SET balance = balance WHERE member_id = $1 RETURNING balance").bind(member).fetch_one(conn).await
}

/// Posts one entry (module doc); a refusal writes nothing.
pub async fn post(conn: &mut AnyConnection, p: &Posting<'_>) -> Result<Result<Posted, Refusal>, EventError> {
    let balance = lock_account(conn, p.member, p.community).await?;
    if let Err(r) = apply(balance, p.delta) {
        return Ok(Err(r));
    }
    let after: Option<i64> =
        sqlx::query_scalar("UPDATE timebank_accounts SET balance = balance + $2 WHERE member_id = $1 AND balance + $2 >= 0 RETURNING balance")
            .bind(p.member)
            .bind(p.delta)
            .fetch_optional(&mut *conn)
            .await?;
    // The row is locked: the balance cannot have moved since it was read; refused all the same.
    let Some(after) = after else { return Ok(Err(Refusal::Insufficient { balance })) };
    let now = now_ms();
    let entry: i64 = sqlx::query_scalar(
        "INSERT INTO timebank_entries (member_id, community_id, kind, half_hours, balance_after, year, volunteer_id, booking_id, counterpart_id, reverses_id, reason, by_user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(p.member)
    .bind(p.community)
    .bind(p.kind.as_str())
    .bind(p.delta)
    .bind(after)
    .bind(crate::time::year_of(now))
    .bind(p.volunteer)
    .bind(p.booking)
    .bind(p.counterpart)
    .bind(p.reverses)
    .bind(p.reason)
    .bind(p.by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let kind = format!("timebank.{}", p.kind.as_str());
    events::append(
        conn,
        &NewEvent {
            community_id: Some(p.community),
            kind: &kind,
            subject_type: "timebank_entry",
            subject_id: Some(entry),
            actor_user_id: p.by,
            on_behalf_of_user_id: p.on_behalf_of,
            official: false,
            payload: serde_json::json!({ "member": p.member, "half_hours": p.delta, "balance": after, "reason": p.reason }),
        },
    )
    .await?;
    Ok(Ok(Posted { entry, balance: after }))
}

/// The community's yearly cap (half hours per person).
pub async fn yearly_cap(conn: &mut AnyConnection, community: i64) -> Result<i64, sqlx::Error> {
    let cap: Option<i64> = sqlx::query_scalar("SELECT yearly_cap FROM timebank_settings WHERE community_id = $1").bind(community).fetch_optional(conn).await?;
    Ok(cap.unwrap_or(DEFAULT_YEARLY_CAP))
}

/// Half hours the member has earned in `year`, corrections of those entries included.
pub async fn earned_in(conn: &mut AnyConnection, member: i64, year: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(e.half_hours), 0) AS BIGINT) FROM timebank_entries e LEFT JOIN timebank_entries o ON o.id = e.reverses_id \
         WHERE e.member_id = $1 AND ((e.kind = 'earned' AND e.year = $2) OR (e.kind = 'corrected' AND o.kind = 'earned' AND o.year = $2))",
    )
    .bind(member)
    .bind(year)
    .fetch_one(conn)
    .await
}

/// Credits a volunteer's verified activity time, up to the yearly cap (`creditable`): the entry
/// and how much of `half_hours` it holds.
pub async fn earn(
    conn: &mut AnyConnection,
    member: i64,
    community: i64,
    volunteer: i64,
    half_hours: i64,
    by: i64,
) -> Result<Result<(Posted, i64), Refusal>, EventError> {
    lock_account(conn, member, community).await?;
    let cap = yearly_cap(conn, community).await?;
    let earned = earned_in(conn, member, crate::time::year_of(now_ms())).await?;
    let credited = match creditable(half_hours, earned, cap) {
        Ok(c) => c,
        Err(r) => return Ok(Err(r)),
    };
    let posting = Posting { volunteer: Some(volunteer), ..Posting::new(member, community, EntryKind::Earned, credited, by) };
    Ok(post(conn, &posting).await?.map(|posted| (posted, credited)))
}

/// The roster entry (household member) of a verified resident, with the household and community:
/// whose time bank a user's hours are.
pub async fn own_member(conn: &mut AnyConnection, user: i64) -> Result<Option<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.id, m.household_id, b.community_id FROM memberships ms JOIN household_members m ON m.id = ms.member_id \
         JOIN households h ON h.id = m.household_id JOIN buildings b ON b.id = h.building_id \
         WHERE ms.user_id = $1 AND ms.role = 'resident' AND ms.verified = 1 ORDER BY ms.id LIMIT 1",
    )
    .bind(user)
    .fetch_optional(conn)
    .await
}
