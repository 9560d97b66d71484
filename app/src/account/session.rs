//! Sessions: a short-lived JWT access token and an opaque refresh token, both in `__Host-`
//! cookies (HttpOnly, Secure, SameSite=Lax, Path=/). The refresh token rotates on every use and
//! is stored hashed; a rotated token presented again revokes its whole family (it was copied).
//! Every authenticated request re-reads the user's status, session epoch and family from the
//! database, so logging out, "log out everywhere" and a disabled account take effect at once.
use super::model::{ACCESS_TTL_SECS, REFRESH_TTL_SECS, RefreshDecision, StoredRefresh, decide_refresh};
use crate::infra::db::{Db, now_ms};
use crate::infra::keys::KeySet;
use crate::kernel::guard::{Membership, Principal, Role};
use http::HeaderMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

pub const ACCESS_COOKIE: &str = "__Host-linli_at";
pub const REFRESH_COOKIE: &str = "__Host-linli_rt";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    /// The session (refresh-token family).
    pub sid: i64,
    /// The user's session epoch when the token was issued.
    pub ep: i64,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// Refusals of the authorization guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// No valid session: log in.
    Unauthenticated,
    /// Logged in, but this role in this community is not theirs.
    Forbidden,
}

/// SHA-256 of a token, hex: how refresh tokens are stored (a database leak yields no session).
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

use crate::infra::hex;

/// A new random opaque token (256 bits).
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex(&bytes)
}

fn cookie(name: &str, value: &str, max_age: i64) -> String {
    format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=Lax")
}

/// `Set-Cookie` values that install a session.
pub fn session_cookies(access: &str, refresh: &str) -> [String; 2] {
    [cookie(ACCESS_COOKIE, access, ACCESS_TTL_SECS), cookie(REFRESH_COOKIE, refresh, REFRESH_TTL_SECS)]
}

/// `Set-Cookie` values that remove the session cookies.
pub fn clear_cookies() -> [String; 2] {
    [cookie(ACCESS_COOKIE, "", 0), cookie(REFRESH_COOKIE, "", 0)]
}

fn sign_access(keys: &KeySet, user_id: i64, family: i64, epoch: i64) -> Result<String, sqlx::Error> {
    let now = now_ms() / 1000;
    let claims = AccessClaims {
        sub: user_id.to_string(),
        sid: family,
        ep: epoch,
        iss: keys.issuer().to_string(),
        aud: keys.audience().to_string(),
        iat: now,
        nbf: now,
        exp: now + ACCESS_TTL_SECS,
    };
    keys.sign(&claims).map_err(|e| sqlx::Error::Protocol(e.to_string()))
}

async fn insert_refresh(conn: &mut AnyConnection, family: i64, token: &str) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query("INSERT INTO refresh_tokens (family_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(family)
        .bind(token_hash(token))
        .bind(now)
        .bind(now + REFRESH_TTL_SECS * 1000)
        .execute(conn)
        .await?;
    Ok(())
}

/// The token a refresh token is rotated to: derived from it with a server key (not guessable
/// without that key), so that the same token presented again within the grace interval finds the
/// same successor — every parallel renewal ends with the same cookie.
fn successor_of(keys: &KeySet, token: &str) -> String {
    keys.derive("refresh-token successor", token)
}

/// Starts a new session for `user_id` inside the caller's transaction: `(access, refresh)`.
pub async fn start_session(conn: &mut AnyConnection, keys: &KeySet, user_id: i64) -> Result<(String, String), sqlx::Error> {
    let family: i64 = sqlx::query_scalar("INSERT INTO session_families (user_id, created_at) VALUES ($1, $2) RETURNING id")
        .bind(user_id)
        .bind(now_ms())
        .fetch_one(&mut *conn)
        .await?;
    let epoch: i64 = sqlx::query_scalar("SELECT session_epoch FROM users WHERE id = $1").bind(user_id).fetch_one(&mut *conn).await?;
    let refresh = new_token();
    insert_refresh(conn, family, &refresh).await?;
    Ok((sign_access(keys, user_id, family, epoch)?, refresh))
}

/// The outcome of presenting a refresh token.
#[derive(Debug)]
pub enum Refreshed {
    /// A new pair; the presented token is now used.
    Rotated {
        user_id: i64,
        access: String,
        refresh: String,
    },
    Rejected,
    /// The token had already been rotated: the family is now revoked.
    ReuseDetected,
}

/// Rotates a refresh token, in its own write transaction.
pub async fn refresh(db: &Db, keys: &KeySet, presented: &str) -> Result<Refreshed, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let row: Option<(i64, i64, i64, Option<i64>, Option<i64>, i64, String, i64)> = sqlx::query_as(
        "SELECT t.id, t.family_id, t.expires_at, t.used_at, f.revoked_at, f.user_id, u.status, u.session_epoch \
         FROM refresh_tokens t JOIN session_families f ON f.id = t.family_id JOIN users u ON u.id = f.user_id \
         WHERE t.token_hash = $1",
    )
    .bind(token_hash(presented))
    .fetch_optional(&mut *tx)
    .await?;
    let now = now_ms();
    let stored = row.as_ref().map(|r| StoredRefresh { expires_at: r.2, used_at: r.3, family_revoked: r.4.is_some() || r.6 != "active" });
    let outcome = match (decide_refresh(now, stored), row) {
        (RefreshDecision::Rotate, Some((id, family, _, _, _, user_id, _, epoch))) => {
            // Conditional: of two concurrent uses of one token, only one rotates.
            let marked = sqlx::query("UPDATE refresh_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if marked == 1 {
                let refresh = successor_of(keys, presented);
                insert_refresh(&mut tx, family, &refresh).await?;
                Refreshed::Rotated { user_id, access: sign_access(keys, user_id, family, epoch)?, refresh }
            } else {
                // A concurrent renewal rotated it just now (on PostgreSQL this one waited for it
                // to commit): the same successor, as within the grace interval.
                successor(&mut tx, keys, presented, family, user_id, epoch, now).await?
            }
        }
        (RefreshDecision::Successor, Some((_, family, _, _, _, user_id, _, epoch))) => successor(&mut tx, keys, presented, family, user_id, epoch, now).await?,
        (RefreshDecision::RevokeFamily, Some((_, family, ..))) => {
            revoke_family(&mut tx, family, "refresh_token_reused").await?;
            tracing::warn!(family, "refresh token reused: session family revoked");
            Refreshed::ReuseDetected
        }
        _ => Refreshed::Rejected,
    };
    tx.commit().await?;
    Ok(outcome)
}

/// A token rotated within the grace interval: a new access token with the successor it was
/// rotated to — or, if that one was rotated too meanwhile, the latest down the chain. The chain is
/// short (a renewal every 15 minutes); a successor that cannot be found (the signing key changed
/// in between) is a plain refusal.
async fn successor(tx: &mut AnyConnection, keys: &KeySet, presented: &str, family: i64, user_id: i64, epoch: i64, now: i64) -> Result<Refreshed, sqlx::Error> {
    let mut token = presented.to_string();
    for _ in 0..8 {
        let next = successor_of(keys, &token);
        let row: Option<(Option<i64>, i64)> = sqlx::query_as("SELECT used_at, expires_at FROM refresh_tokens WHERE token_hash = $1 AND family_id = $2")
            .bind(token_hash(&next))
            .bind(family)
            .fetch_optional(&mut *tx)
            .await?;
        match row {
            None => return Ok(Refreshed::Rejected),
            Some((None, expires_at)) if now < expires_at => {
                return Ok(Refreshed::Rotated { user_id, access: sign_access(keys, user_id, family, epoch)?, refresh: next });
            }
            Some((None, _)) => return Ok(Refreshed::Rejected),
            Some((Some(_), _)) => token = next,
        }
    }
    Ok(Refreshed::Rejected)
}

pub async fn revoke_family(conn: &mut AnyConnection, family: i64, reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE session_families SET revoked_at = $1, revoke_reason = $2 WHERE id = $3 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(reason)
        .bind(family)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user at once (log out everywhere, account disabled).
pub async fn revoke_all(conn: &mut AnyConnection, user_id: i64, reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1").bind(user_id).execute(&mut *conn).await?;
    sqlx::query("UPDATE session_families SET revoked_at = $1, revoke_reason = $2 WHERE user_id = $3 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(reason)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The value of a cookie in the request headers.
pub fn request_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|h| crate::ui::prefs::cookie_value(h, name))
}

/// Who sent this request, from the access-token cookie, checked against the database now.
pub async fn principal_from_access(db: &Db, keys: &KeySet, headers: &HeaderMap) -> Result<Principal, Denied> {
    let token = request_cookie(headers, ACCESS_COOKIE).ok_or(Denied::Unauthenticated)?;
    let claims: AccessClaims = keys.verify(token).map_err(|_| Denied::Unauthenticated)?;
    let user_id: i64 = claims.sub.parse().map_err(|_| Denied::Unauthenticated)?;
    load_principal(db, user_id, claims.sid, claims.ep).await
}

async fn load_principal(db: &Db, user_id: i64, family: i64, epoch: i64) -> Result<Principal, Denied> {
    // The user, the session family and the memberships in one query (one row per membership; one
    // row with empty membership columns if there is none): every request with a session runs it.
    type Row = (String, String, i64, Option<i64>, Option<String>, Option<i64>, Option<i64>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT u.phone, u.status, u.session_epoch, f.revoked_at, m.role, m.community_id, m.district_id, m.verified FROM users u \
         JOIN session_families f ON f.user_id = u.id LEFT JOIN memberships m ON m.user_id = u.id WHERE u.id = $1 AND f.id = $2 ORDER BY m.id",
    )
    .bind(user_id)
    .bind(family)
    .fetch_all(db.pool())
    .await
    .map_err(|_| Denied::Unauthenticated)?;
    let Some((phone, status, current_epoch, revoked, ..)) = rows.first().cloned() else {
        return Err(Denied::Unauthenticated);
    };
    if status != "active" || current_epoch != epoch || revoked.is_some() {
        return Err(Denied::Unauthenticated);
    }
    let memberships = rows
        .into_iter()
        .filter_map(|(.., role, community_id, district_id, verified)| {
            Some(Membership { role: Role::parse(&role?)?, community_id, district_id, verified: verified == Some(1) })
        })
        .collect();
    Ok(Principal { user_id, phone, session_id: family, memberships })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(memberships: Vec<Membership>) -> Principal {
        Principal { user_id: 1, phone: "13800000001".into(), session_id: 1, memberships }
    }

    fn m(role: Role, community: Option<i64>, district: Option<i64>) -> Membership {
        Membership { role, community_id: community, district_id: district, verified: true }
    }

    #[test]
    fn roles_are_scoped_to_their_community() {
        let p = principal(vec![m(Role::Worker, Some(1), None), m(Role::Resident, Some(2), None)]);
        assert!(p.has_role(Role::Worker, 1, 10));
        assert!(!p.has_role(Role::Worker, 2, 10), "a worker of 1 is not a worker of 2");
        assert!(p.has_role(Role::Resident, 2, 10));
        assert!(!p.has_role(Role::Resident, 1, 10));
    }

    #[test]
    fn district_admin_covers_the_communities_of_their_district_only() {
        let p = principal(vec![m(Role::DistrictAdmin, None, Some(10))]);
        assert!(p.has_role(Role::Worker, 1, 10));
        assert!(!p.has_role(Role::Worker, 3, 11));
    }

    #[test]
    fn session_cookies_are_host_prefixed_http_only_secure_and_lax() {
        for c in session_cookies("a", "r") {
            assert!(c.starts_with("__Host-"));
            assert!(c.contains("; Path=/;") && c.contains("HttpOnly") && c.contains("Secure") && c.contains("SameSite=Lax"));
            assert!(!c.contains("Domain="), "__Host- cookies must not name a domain");
        }
        assert!(clear_cookies().iter().all(|c| c.contains("Max-Age=0")));
    }

    #[test]
    fn token_hash_is_stable_and_does_not_reveal_the_token() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert_eq!(token_hash(&t), token_hash(&t));
        assert_ne!(token_hash(&t), t);
        assert_ne!(new_token(), t);
    }
}
