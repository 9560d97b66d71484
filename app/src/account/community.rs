//! The SQL of what workers do in their community — roster import, the resident list, manual
//! verification, confirming family members, 代办 (acting for a resident) — and of residents'
//! own household. The community always comes from the worker's membership in the database.
use super::api::{FamilyMember, ImportOutcome, ResidentView, RowAction, RowOutcome};
use super::error::AccountError;
use super::roster::{self, RosterRow};
use crate::infra::db::{Db, now_ms};
use crate::infra::events::{self, NewEvent};
use crate::kernel::error::CommonError;
use crate::kernel::guard::{Principal, acting_for, worker_community};
use sqlx::AnyConnection;

/// How long a worker may act for a resident before starting again.
pub const ASSISTED_TTL_MS: i64 = 30 * 60 * 1000;

/// Whether `user_id` belongs to `community` (any role); used to refuse acting across communities.
async fn user_in_community(conn: &mut AnyConnection, user_id: i64, community: i64) -> Result<bool, sqlx::Error> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE user_id = $1 AND community_id = $2").bind(user_id).bind(community).fetch_one(conn).await?;
    Ok(n > 0)
}

fn event<'a>(
    community: i64,
    kind: &'a str,
    subject_type: &'a str,
    subject_id: i64,
    p: &Principal,
    on_behalf_of: Option<i64>,
    payload: serde_json::Value,
) -> NewEvent<'a> {
    NewEvent {
        community_id: Some(community),
        kind,
        subject_type,
        subject_id: Some(subject_id),
        actor_user_id: Some(p.user_id),
        on_behalf_of_user_id: on_behalf_of,
        official: false,
        payload,
    }
}

async fn import_row(conn: &mut AnyConnection, community: i64, row: &RosterRow) -> Result<RowAction, sqlx::Error> {
    let building: i64 = match sqlx::query_scalar("SELECT id FROM buildings WHERE community_id = $1 AND name = $2")
        .bind(community)
        .bind(&row.building)
        .fetch_optional(&mut *conn)
        .await?
    {
        Some(id) => id,
        None => {
            sqlx::query_scalar("INSERT INTO buildings (community_id, name) VALUES ($1, $2) RETURNING id")
                .bind(community)
                .bind(&row.building)
                .fetch_one(&mut *conn)
                .await?
        }
    };
    let mut changed = false;
    let household: i64 = match sqlx::query_as::<_, (i64, Option<i64>, Option<String>)>(
        "SELECT id, area_centi_m2, owner_group FROM households WHERE building_id = $1 AND unit = $2 AND room = $3",
    )
    .bind(building)
    .bind(&row.unit)
    .bind(&row.room)
    .fetch_optional(&mut *conn)
    .await?
    {
        Some((id, area, group)) => {
            if row.area_centi_m2.is_some() && row.area_centi_m2 != area {
                sqlx::query("UPDATE households SET area_centi_m2 = $1 WHERE id = $2").bind(row.area_centi_m2).bind(id).execute(&mut *conn).await?;
                changed = true;
            }
            // As the area: a row that gives no group leaves the household's as it was.
            if row.owner_group.is_some() && row.owner_group != group {
                sqlx::query("UPDATE households SET owner_group = $1 WHERE id = $2").bind(&row.owner_group).bind(id).execute(&mut *conn).await?;
                changed = true;
            }
            id
        }
        None => {
            sqlx::query_scalar("INSERT INTO households (building_id, unit, room, area_centi_m2, owner_group) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(building)
                .bind(&row.unit)
                .bind(&row.room)
                .bind(row.area_centi_m2)
                .bind(&row.owner_group)
                .fetch_one(&mut *conn)
                .await?
        }
    };
    let owner = i64::from(row.owner);
    let existing: Option<(i64, Option<i64>, Option<String>, i64, String)> =
        sqlx::query_as("SELECT id, birth_year, phone, is_owner, status FROM household_members WHERE household_id = $1 AND name = $2")
            .bind(household)
            .bind(&row.name)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(match existing {
        None => {
            sqlx::query(
                "INSERT INTO household_members (household_id, name, birth_year, relationship, phone, is_owner, status) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'confirmed')",
            )
            .bind(household)
            .bind(&row.name)
            .bind(row.birth_year)
            .bind(&row.relationship)
            .bind(&row.phone)
            .bind(owner)
            .execute(&mut *conn)
            .await?;
            RowAction::Created
        }
        Some((id, birth_year, phone, is_owner, status)) => {
            if birth_year != row.birth_year || phone != row.phone || is_owner != owner || status != "confirmed" {
                sqlx::query("UPDATE household_members SET birth_year = $1, phone = $2, is_owner = $3, status = 'confirmed' WHERE id = $4")
                    .bind(row.birth_year)
                    .bind(&row.phone)
                    .bind(owner)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                RowAction::Updated
            } else if changed {
                RowAction::Updated
            } else {
                RowAction::Unchanged
            }
        }
    })
}

/// Imports (or, with `commit = false`, previews) a roster file: every good row is applied in one
/// transaction, bad rows are reported; a preview does the same work and rolls it back, so what it
/// shows is exactly what the import would do. Users whose phone matches a member become verified.
pub async fn import_roster(
    db: &Db,
    p: &Principal,
    requested: Option<i64>,
    bytes: &[u8],
    commit: bool,
    current_year: i64,
) -> Result<ImportOutcome, AccountError> {
    let parsed = roster::parse(bytes, current_year).map_err(AccountError::RosterFile)?;
    let mut tx = db.begin_write().await?;
    let community = worker_community(&mut tx, p, requested).await?;
    let mut rows = Vec::with_capacity(parsed.rows.len());
    for row in &parsed.rows {
        let action = import_row(&mut tx, community, row).await?;
        rows.push(RowOutcome { line: row.line, name: row.name.clone(), action });
    }
    // Every roster phone gets an account, verified: the resident is recognized at first login,
    // and a worker can act for them (代办) before they ever use the app.
    let mut verified = 0;
    let phones: Vec<&str> = parsed.rows.iter().filter_map(|r| r.phone.as_deref()).collect();
    for phone in phones {
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE phone = $1").bind(phone).fetch_optional(&mut *tx).await?;
        let user_id = match existing {
            Some(id) => id,
            None => {
                sqlx::query_scalar("INSERT INTO users (phone, status, created_at) VALUES ($1, 'active', $2) RETURNING id")
                    .bind(phone)
                    .bind(now_ms())
                    .fetch_one(&mut *tx)
                    .await?
            }
        };
        let count_verified = "SELECT COUNT(*) FROM memberships WHERE user_id = $1 AND community_id = $2 AND role = 'resident' AND verified = 1";
        let before: i64 = sqlx::query_scalar(count_verified).bind(user_id).bind(community).fetch_one(&mut *tx).await?;
        super::store::verify_by_roster(&mut tx, user_id, phone).await?;
        let after: i64 = sqlx::query_scalar(count_verified).bind(user_id).bind(community).fetch_one(&mut *tx).await?;
        verified += after - before;
    }
    let outcome = ImportOutcome { community_id: community, rows, errors: parsed.errors, newly_verified: verified, committed: commit };
    if commit {
        let count = |a: RowAction| outcome.rows.iter().filter(|r| r.action == a).count();
        events::append(
            &mut tx,
            &event(
                community,
                "roster.imported",
                "community",
                community,
                p,
                None,
                serde_json::json!({
                    "created": count(RowAction::Created), "updated": count(RowAction::Updated),
                    "unchanged": count(RowAction::Unchanged), "rejected": outcome.errors.len(), "verified": verified,
                }),
            ),
        )
        .await?;
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(outcome)
}

/// The people of the worker's community, searchable by name, phone or room.
pub async fn list_residents(db: &Db, p: &Principal, requested: Option<i64>, query: &str) -> Result<Vec<ResidentView>, AccountError> {
    let mut conn = db.pool().acquire().await?;
    let community = worker_community(&mut conn, p, requested).await?;
    let pattern = format!("%{}%", query.trim().replace(['%', '_'], ""));
    let rows: Vec<(i64, String, String, String, String, Option<String>, String, Option<i64>, Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT m.id, m.name, b.name, h.unit, h.room, m.phone, m.status, m.user_id, u.status, \
         (SELECT MAX(ms.verified) FROM memberships ms WHERE ms.user_id = m.user_id AND ms.community_id = b.community_id AND ms.role = 'resident') \
         FROM household_members m JOIN households h ON h.id = m.household_id JOIN buildings b ON b.id = h.building_id \
         LEFT JOIN users u ON u.id = m.user_id \
         WHERE b.community_id = $1 AND (m.name LIKE $2 OR COALESCE(m.phone, '') LIKE $2 OR h.room LIKE $2 OR b.name LIKE $2) \
         ORDER BY b.name, h.unit, h.room, m.id LIMIT 200",
    )
    .bind(community)
    .bind(pattern)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(member_id, name, building, unit, room, phone, status, user_id, account, verified)| ResidentView {
            member_id,
            name,
            address: format!("{building} {unit}-{room}"),
            phone,
            pending: status == "pending",
            user_id,
            disabled: account.as_deref() == Some("disabled"),
            verified: verified == Some(1),
        })
        .collect())
}

/// A worker verifies or unverifies a resident of their community by hand, with a reason.
pub async fn set_verified(db: &Db, p: &Principal, user_id: i64, verified: bool, reason: &str) -> Result<(), AccountError> {
    let mut tx = db.begin_write().await?;
    let community = worker_community(&mut tx, p, None).await?;
    if !user_in_community(&mut tx, user_id, community).await? {
        return Err(AccountError::Common(CommonError::NotFound));
    }
    let updated = sqlx::query("UPDATE memberships SET verified = $1 WHERE user_id = $2 AND community_id = $3 AND role = 'resident'")
        .bind(i64::from(verified))
        .bind(user_id)
        .bind(community)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if updated == 0 {
        sqlx::query("INSERT INTO memberships (user_id, role, community_id, verified) VALUES ($1, 'resident', $2, $3)")
            .bind(user_id)
            .bind(community)
            .bind(i64::from(verified))
            .execute(&mut *tx)
            .await?;
    }
    let kind = if verified { "account.verified" } else { "account.unverified" };
    events::append(&mut tx, &event(community, kind, "user", user_id, p, None, serde_json::json!({ "reason": reason }))).await?;
    tx.commit().await?;
    Ok(())
}

/// Starts 代办 for a resident of the worker's community.
pub async fn start_assisted(db: &Db, p: &Principal, resident: i64) -> Result<i64, AccountError> {
    let mut tx = db.begin_write().await?;
    let community = worker_community(&mut tx, p, None).await?;
    if resident == p.user_id || !user_in_community(&mut tx, resident, community).await? {
        return Err(AccountError::Common(CommonError::NotFound));
    }
    let now = now_ms();
    sqlx::query("UPDATE assisted_sessions SET ended_at = $1 WHERE worker_user_id = $2 AND ended_at IS NULL")
        .bind(now)
        .bind(p.user_id)
        .execute(&mut *tx)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO assisted_sessions (worker_user_id, resident_user_id, community_id, started_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(p.user_id)
    .bind(resident)
    .bind(community)
    .bind(now)
    .bind(now + ASSISTED_TTL_MS)
    .fetch_one(&mut *tx)
    .await?;
    events::append(&mut tx, &event(community, "assisted.started", "user", resident, p, Some(resident), serde_json::json!({ "session": id }))).await?;
    tx.commit().await?;
    Ok(id)
}

/// Ends the worker's 代办.
pub async fn end_assisted(db: &Db, p: &Principal) -> Result<(), AccountError> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE assisted_sessions SET ended_at = $1 WHERE worker_user_id = $2 AND ended_at IS NULL")
        .bind(now_ms())
        .bind(p.user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The household of `user_id` in a community where they are a verified resident.
pub async fn household_of(conn: &mut AnyConnection, user_id: i64) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT y.household_id, y.community_id FROM ({}) y WHERE y.user_id = $1 ORDER BY y.id LIMIT 1",
        crate::kernel::guard::RESIDENT_HOUSEHOLDS
    ))
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// The members of the caller's (or the 代办 resident's) household.
pub async fn my_household(db: &Db, p: &Principal) -> Result<Vec<FamilyMember>, AccountError> {
    let mut conn = db.pool().acquire().await?;
    let (subject, _) = acting_for(&mut conn, p).await?;
    let Some((household, _)) = household_of(&mut conn, subject).await? else {
        return Ok(Vec::new());
    };
    let rows: Vec<(i64, String, Option<i64>, String, String)> =
        sqlx::query_as("SELECT id, name, birth_year, relationship, status FROM household_members WHERE household_id = $1 AND status <> 'rejected' ORDER BY id")
            .bind(household)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, birth_year, relationship, status)| FamilyMember { id, name, birth_year, relationship, pending: status == "pending" })
        .collect())
}

/// A verified resident (or a worker in 代办 for one) adds a family member, pending confirmation.
pub async fn add_family_member(db: &Db, p: &Principal, name: &str, birth_year: Option<i64>, relationship: &str) -> Result<i64, AccountError> {
    let mut tx = db.begin_write().await?;
    let (subject, on_behalf_of) = acting_for(&mut tx, p).await?;
    let Some((household, community)) = household_of(&mut tx, subject).await? else {
        return Err(AccountError::Common(CommonError::NotVerified));
    };
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO household_members (household_id, name, birth_year, relationship, status, added_by_user_id) \
         VALUES ($1, $2, $3, $4, 'pending', $5) ON CONFLICT (household_id, name) DO NOTHING RETURNING id",
    )
    .bind(household)
    .bind(name)
    .bind(birth_year)
    .bind(relationship)
    .bind(subject)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else { return Err(AccountError::DuplicateMember) };
    events::append(
        &mut tx,
        &event(community, "household.member_added", "household_member", id, p, on_behalf_of, serde_json::json!({ "name": name, "relationship": relationship })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A worker confirms (or rejects) a family member added by a resident of their community.
pub async fn decide_family_member(db: &Db, p: &Principal, member_id: i64, accept: bool) -> Result<(), AccountError> {
    let mut tx = db.begin_write().await?;
    let community = worker_community(&mut tx, p, None).await?;
    let found: Option<(i64, String)> = sqlx::query_as(
        "SELECT b.community_id, m.status FROM household_members m JOIN households h ON h.id = m.household_id \
         JOIN buildings b ON b.id = h.building_id WHERE m.id = $1",
    )
    .bind(member_id)
    .fetch_optional(&mut *tx)
    .await?;
    match found {
        Some((c, status)) if c == community && status == "pending" => {}
        Some((c, _)) if c == community => return Err(AccountError::NotPending),
        _ => return Err(AccountError::Common(CommonError::NotFound)),
    }
    let status = if accept { "confirmed" } else { "rejected" };
    sqlx::query("UPDATE household_members SET status = $1 WHERE id = $2").bind(status).bind(member_id).execute(&mut *tx).await?;
    let kind = if accept { "household.member_confirmed" } else { "household.member_rejected" };
    events::append(&mut tx, &event(community, kind, "household_member", member_id, p, None, serde_json::json!({}))).await?;
    tx.commit().await?;
    Ok(())
}
