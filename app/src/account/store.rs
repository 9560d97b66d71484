//! The SQL of accounts: login codes, rate limits, users, verification by the roster.
//! One write transaction per user action.
use super::api::{AccountView, MembershipView};
use super::error::AccountError;
use super::model::Role;
use super::model::{CODE_POLICY, CodeCheck, SendRefusal, StoredCode, check_code, may_send_code};
use super::session::{revoke_all, start_session};
use crate::infra::db::{Db, now_ms};
use crate::infra::events::{self, NewEvent};
use crate::infra::hex;
use crate::infra::keys::KeySet;
use crate::kernel::error::CommonError;
use crate::kernel::guard::Principal;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

const HOUR_MS: i64 = 3_600_000;

/// `salt$sha256(salt:phone:code)`: a code is never stored in the clear.
fn hash_code(phone: &str, code: &str, salt: &str) -> String {
    format!("{salt}${}", hex(&Sha256::digest(format!("{salt}:{phone}:{code}").as_bytes())))
}

fn code_matches(stored: &str, phone: &str, code: &str) -> bool {
    let Some((salt, _)) = stored.split_once('$') else { return false };
    let expected = hash_code(phone, code, salt);
    // Constant-time comparison: the stored hash must not leak through timing.
    expected.len() == stored.len() && expected.bytes().zip(stored.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

async fn hits_since(conn: &mut AnyConnection, bucket: &str, since: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT at FROM rate_limit_hits WHERE bucket = $1 AND at > $2 ORDER BY at").bind(bucket).bind(since).fetch_all(conn).await
}

async fn record_hit(conn: &mut AnyConnection, bucket: &str, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO rate_limit_hits (bucket, at) VALUES ($1, $2)").bind(bucket).bind(at).execute(&mut *conn).await?;
    // Keep the table small: hits older than the longest window are useless.
    sqlx::query("DELETE FROM rate_limit_hits WHERE bucket = $1 AND at <= $2").bind(bucket).bind(at - HOUR_MS).execute(conn).await?;
    Ok(())
}

/// Creates a code for `phone` if the limits allow, and returns it (and its row id) for sending.
/// Nothing is written when a limit refuses.
pub async fn create_code(db: &Db, phone: &str, ip: &str) -> Result<(String, i64), AccountError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let ip_bucket = format!("code_ip:{ip}");
    if hits_since(&mut tx, &ip_bucket, now - HOUR_MS).await?.len() as i64 >= CODE_POLICY.per_ip_per_hour {
        return Err(AccountError::TooManyAttempts);
    }
    let phone_bucket = format!("code_phone:{phone}");
    let sent = hits_since(&mut tx, &phone_bucket, now - HOUR_MS).await?;
    may_send_code(now, &sent, &CODE_POLICY).map_err(|r| match r {
        SendRefusal::Cooldown { wait_secs } => AccountError::Cooldown { wait_secs },
        SendRefusal::TooMany => AccountError::TooManyCodes,
    })?;
    let code = format!("{:06}", rand::random_range(0..1_000_000u32));
    let salt = super::session::new_token()[..16].to_string();
    let id: i64 = sqlx::query_scalar("INSERT INTO login_codes (phone, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(phone)
        .bind(hash_code(phone, &code, &salt))
        .bind(now)
        .bind(now + CODE_POLICY.ttl_ms)
        .fetch_one(&mut *tx)
        .await?;
    record_hit(&mut tx, &phone_bucket, now).await?;
    record_hit(&mut tx, &ip_bucket, now).await?;
    tx.commit().await?;
    Ok((code, id))
}

/// Takes back a code that could not be delivered, with the rate-limit hits it cost.
pub async fn withdraw_code(db: &Db, code_id: i64, phone: &str, ip: &str) -> Result<(), AccountError> {
    let mut tx = db.begin_write().await?;
    let created: Option<i64> = sqlx::query_scalar("SELECT created_at FROM login_codes WHERE id = $1").bind(code_id).fetch_optional(&mut *tx).await?;
    if let Some(at) = created {
        sqlx::query("DELETE FROM login_codes WHERE id = $1").bind(code_id).execute(&mut *tx).await?;
        for bucket in [format!("code_phone:{phone}"), format!("code_ip:{ip}")] {
            sqlx::query("DELETE FROM rate_limit_hits WHERE bucket = $1 AND at = $2").bind(bucket).bind(at).execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// What 我的 shows.
pub async fn account_view(db: &Db, p: &Principal) -> Result<AccountView, AccountError> {
    let display_name: Option<String> = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1").bind(p.user_id).fetch_one(db.pool()).await?;
    let rows: Vec<(String, Option<String>, Option<String>, i64)> = sqlx::query_as(
        "SELECT m.role, COALESCE(c.name_zh, d.name_zh), COALESCE(c.name_en, d.name_en), m.verified \
         FROM memberships m LEFT JOIN communities c ON c.id = m.community_id \
         LEFT JOIN districts d ON d.id = m.district_id WHERE m.user_id = $1 ORDER BY m.id",
    )
    .bind(p.user_id)
    .fetch_all(db.pool())
    .await?;
    Ok(AccountView {
        user_id: p.user_id,
        phone: p.phone.clone(),
        display_name,
        memberships: rows
            .into_iter()
            .filter_map(|(role, zh, en, verified)| {
                Some(MembershipView { role: Role::parse(&role)?, community_zh: zh, community_en: en, verified: verified == 1 })
            })
            .collect(),
    })
}

/// A worker disables an account of their own community; its sessions end at once. Accounts of
/// other communities are "not found": their existence is not revealed.
pub async fn disable_account(db: &Db, p: &Principal, target: i64, reason: &str) -> Result<(), AccountError> {
    let mut tx = db.begin_write().await?;
    let communities: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT m.community_id, c.district_id FROM memberships m JOIN communities c ON c.id = m.community_id \
         WHERE m.user_id = $1",
    )
    .bind(target)
    .fetch_all(&mut *tx)
    .await?;
    let Some(&(community, _)) = communities.iter().find(|(c, d)| p.has_role(Role::Worker, *c, *d)) else {
        return Err(if p.memberships.iter().any(|m| matches!(m.role, Role::Worker | Role::DistrictAdmin)) {
            AccountError::Common(CommonError::NotFound)
        } else {
            AccountError::Common(CommonError::Forbidden)
        });
    };
    if target == p.user_id {
        return Err(AccountError::Common(CommonError::Forbidden));
    }
    sqlx::query("UPDATE users SET status = 'disabled' WHERE id = $1").bind(target).execute(&mut *tx).await?;
    revoke_all(&mut tx, target, "account_disabled").await?;
    events::append(
        &mut tx,
        &NewEvent {
            community_id: Some(community),
            kind: "account.disabled",
            subject_type: "user",
            subject_id: Some(target),
            actor_user_id: Some(p.user_id),
            on_behalf_of_user_id: None,
            official: false,
            payload: serde_json::json!({ "reason": reason }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a code; on success creates the account if new, links it to roster members with the same
/// phone (verification), and starts a session: `(user_id, access, refresh)`. A wrong code is
/// counted (and committed) before the error is returned.
pub async fn login_with_code(db: &Db, keys: &KeySet, phone: &str, code: &str, ip: &str) -> Result<(i64, String, String), AccountError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let fail_bucket = format!("code_fail_ip:{ip}");
    if hits_since(&mut tx, &fail_bucket, now - HOUR_MS).await?.len() as i64 >= CODE_POLICY.failures_per_ip_per_hour {
        return Err(AccountError::TooManyAttempts);
    }
    let latest: Option<(i64, String, i64, i64, Option<i64>)> =
        sqlx::query_as("SELECT id, code_hash, expires_at, attempts, consumed_at FROM login_codes WHERE phone = $1 ORDER BY id DESC LIMIT 1")
            .bind(phone)
            .fetch_optional(&mut *tx)
            .await?;
    let stored =
        latest.as_ref().map(|(_, _, expires_at, attempts, consumed)| StoredCode { expires_at: *expires_at, attempts: *attempts, consumed: consumed.is_some() });
    let matches = latest.as_ref().is_some_and(|(_, hash, ..)| code_matches(hash, phone, code));
    let verdict = check_code(now, stored, matches, &CODE_POLICY);
    let code_id = latest.as_ref().map(|l| l.0);
    if verdict != CodeCheck::Accepted {
        if let (Some(id), CodeCheck::Wrong { .. } | CodeCheck::Locked) = (code_id, verdict) {
            sqlx::query("UPDATE login_codes SET attempts = attempts + 1 WHERE id = $1").bind(id).execute(&mut *tx).await?;
        }
        record_hit(&mut tx, &fail_bucket, now).await?;
        tx.commit().await?;
        return Err(match verdict {
            CodeCheck::Wrong { remaining } => AccountError::CodeWrong { remaining },
            CodeCheck::Expired => AccountError::CodeExpired,
            CodeCheck::Locked => AccountError::CodeLocked,
            _ => AccountError::NoCode,
        });
    }
    sqlx::query("UPDATE login_codes SET consumed_at = $1 WHERE id = $2").bind(now).bind(code_id).execute(&mut *tx).await?;
    let existing: Option<(i64, String)> = sqlx::query_as("SELECT id, status FROM users WHERE phone = $1").bind(phone).fetch_optional(&mut *tx).await?;
    let user_id = match existing {
        Some((_, status)) if status != "active" => {
            tx.commit().await?;
            return Err(AccountError::AccountDisabled);
        }
        Some((id, _)) => id,
        None => {
            sqlx::query_scalar("INSERT INTO users (phone, status, created_at) VALUES ($1, 'active', $2) RETURNING id")
                .bind(phone)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
        }
    };
    verify_by_roster(&mut tx, user_id, phone).await?;
    let (access, refresh) = start_session(&mut tx, keys, user_id).await?;
    events::append(
        &mut tx,
        &NewEvent {
            community_id: None,
            kind: "account.logged_in",
            subject_type: "user",
            subject_id: Some(user_id),
            actor_user_id: Some(user_id),
            on_behalf_of_user_id: None,
            official: false,
            payload: serde_json::json!({ "ip": ip }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((user_id, access, refresh))
}

/// Links the user to confirmed roster members with the same phone and makes them a verified
/// resident of those members' communities.
pub async fn verify_by_roster(conn: &mut AnyConnection, user_id: i64, phone: &str) -> Result<(), sqlx::Error> {
    let members: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT m.id, b.community_id FROM household_members m JOIN households h ON h.id = m.household_id \
         JOIN buildings b ON b.id = h.building_id WHERE m.phone = $1 AND m.status = 'confirmed' \
         AND (m.user_id IS NULL OR m.user_id = $2)",
    )
    .bind(phone)
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    for (member_id, community_id) in members {
        sqlx::query("UPDATE household_members SET user_id = $1 WHERE id = $2").bind(user_id).bind(member_id).execute(&mut *conn).await?;
        let updated = sqlx::query("UPDATE memberships SET verified = 1, member_id = $1 WHERE user_id = $2 AND role = 'resident' AND community_id = $3")
            .bind(member_id)
            .bind(user_id)
            .bind(community_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if updated == 0 {
            sqlx::query("INSERT INTO memberships (user_id, role, community_id, verified, member_id) VALUES ($1, 'resident', $2, 1, $3)")
                .bind(user_id)
                .bind(community_id)
                .bind(member_id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_hash_is_salted_and_checked_exactly() {
        let h = hash_code("13800000001", "123456", "salt");
        assert!(code_matches(&h, "13800000001", "123456"));
        assert!(!code_matches(&h, "13800000001", "123457"));
        assert!(!code_matches(&h, "13800000002", "123456"), "bound to the phone");
        assert_ne!(hash_code("13800000001", "123456", "other"), h);
        assert!(!h.contains("123456"));
        assert!(!code_matches("garbage", "13800000001", "123456"));
    }
}
