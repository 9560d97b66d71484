//! The server functions of accounts: the HTTP surface. Thin: validate, authorize, call the store.
use super::error::AccountError;
#[cfg(feature = "ssr")]
use crate::kernel::error::CommonError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One role of the logged-in user, with the community's names for display.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembershipView {
    pub role: super::model::Role,
    pub community_zh: Option<String>,
    pub community_en: Option<String>,
    pub verified: bool,
}

/// What 我的 shows about the logged-in user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    pub user_id: i64,
    pub phone: String,
    pub display_name: Option<String>,
    pub memberships: Vec<MembershipView>,
}

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::kernel::guard::{client_ip, ctx, fail, principal, principal_if_logged_in, set_cookies};
}

/// Sends a login code to `phone`; returns the seconds until another may be requested.
#[server(endpoint = "account/request_code")]
pub async fn request_code(phone: String) -> Result<i64, AccountError> {
    use super::model::{CODE_POLICY, normalize_phone};
    use ssr::*;
    let phone = normalize_phone(&phone).map_err(|_| fail(AccountError::InvalidPhone))?;
    let c = ctx()?;
    let ip = client_ip().await;
    let (code, code_id) = super::store::create_code(&c.db, &phone, &ip).await.map_err(fail)?;
    let text = format!("【邻里】您的登录验证码是 {code}，5分钟内有效，请勿告诉他人。Linli login code: {code}");
    if let Err(e) = c.sms.send(&phone, &text).await {
        tracing::error!(error = %e, "sending the login code failed");
        // The code was never delivered: take it back so that the user may ask again at once.
        super::store::withdraw_code(&c.db, code_id, &phone, &ip).await.map_err(fail)?;
        return Err(fail(AccountError::SmsFailed));
    }
    Ok(CODE_POLICY.resend_cooldown_ms / 1000)
}

/// Logs in with the code; sets the session cookies.
#[server(endpoint = "account/verify_code")]
pub async fn verify_code(phone: String, code: String) -> Result<(), AccountError> {
    use super::model::{normalize_code, normalize_phone};
    use ssr::*;
    let phone = normalize_phone(&phone).map_err(|_| fail(AccountError::InvalidPhone))?;
    let code = normalize_code(&code).ok_or_else(|| fail(AccountError::InvalidCode))?;
    let c = ctx()?;
    let ip = client_ip().await;
    let (_, access, refresh) = super::store::login_with_code(&c.db, &c.keys, &phone, &code, &ip).await.map_err(fail)?;
    set_cookies(super::session::session_cookies(&access, &refresh));
    Ok(())
}

/// The logged-in user, or `None`.
#[server(endpoint = "account/my_account")]
pub async fn my_account() -> Result<Option<AccountView>, AccountError> {
    use ssr::*;
    let Some(p) = principal_if_logged_in().await? else { return Ok(None) };
    let c = ctx()?;
    Ok(Some(super::store::account_view(&c.db, &p).await.map_err(fail)?))
}

/// Ends this session.
#[server(endpoint = "account/logout")]
pub async fn logout() -> Result<(), AccountError> {
    use ssr::*;
    if let Ok(p) = principal().await {
        let c = ctx()?;
        let mut tx = c.db.begin_write().await.map_err(|e| fail(AccountError::from(e)))?;
        super::session::revoke_family(&mut tx, p.session_id, "logout").await.map_err(|e| fail(AccountError::from(e)))?;
        tx.commit().await.map_err(|e| fail(AccountError::from(e)))?;
    }
    set_cookies(super::session::clear_cookies());
    Ok(())
}

/// Ends every session of the user, on every device.
#[server(endpoint = "account/logout_everywhere")]
pub async fn logout_everywhere() -> Result<(), AccountError> {
    use ssr::*;
    let p = principal().await?;
    let c = ctx()?;
    let mut tx = c.db.begin_write().await.map_err(|e| fail(AccountError::from(e)))?;
    super::session::revoke_all(&mut tx, p.user_id, "logout_everywhere").await.map_err(|e| fail(AccountError::from(e)))?;
    tx.commit().await.map_err(|e| fail(AccountError::from(e)))?;
    set_cookies(super::session::clear_cookies());
    Ok(())
}

/// A worker disables an account of their community: its sessions end at once.
#[server(endpoint = "account/disable_account")]
pub async fn disable_account(user_id: i64, reason: String) -> Result<(), AccountError> {
    use ssr::*;
    let p = principal().await?;
    let reason = checked_reason(&reason).map_err(fail)?;
    let c = ctx()?;
    super::store::disable_account(&c.db, &p, user_id, &reason).await.map_err(fail)
}

/// What an imported roster row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowAction {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowOutcome {
    pub line: usize,
    pub name: String,
    pub action: RowAction,
}

/// The result of a roster preview or import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub community_id: i64,
    pub rows: Vec<RowOutcome>,
    pub errors: Vec<super::roster::RosterError>,
    /// Accounts that became verified residents by this import.
    pub newly_verified: i64,
    /// False for a preview: nothing was written.
    pub committed: bool,
}

/// A person of the community, as a worker sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResidentView {
    pub member_id: i64,
    pub name: String,
    pub address: String,
    pub phone: Option<String>,
    /// Added by a resident, awaiting a worker's confirmation.
    pub pending: bool,
    pub user_id: Option<i64>,
    pub verified: bool,
    pub disabled: bool,
}

/// A member of the resident's household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyMember {
    pub id: i64,
    pub name: String,
    pub birth_year: Option<i64>,
    pub relationship: String,
    pub pending: bool,
}

#[cfg(feature = "ssr")]
fn current_year() -> i64 {
    // Approximate civil year from the Unix time (average Gregorian year); it may be off by a day
    // around New Year, which does not matter for bounding birth years.
    let days = crate::infra::db::now_ms() / 86_400_000 + 1;
    1970 + days * 400 / 146_097
}

#[cfg(feature = "ssr")]
fn decode_upload(file_b64: &str) -> Result<Vec<u8>, AccountError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(file_b64.trim()).map_err(|_| ssr::fail(AccountError::Common(CommonError::InvalidInput)))
}

/// A worker previews a roster file (base64 of its bytes): what importing it would do.
#[server(endpoint = "account/preview_roster")]
pub async fn preview_roster(file_b64: String, community_id: Option<i64>) -> Result<ImportOutcome, AccountError> {
    use ssr::*;
    let p = principal().await?;
    let bytes = decode_upload(&file_b64)?;
    let c = ctx()?;
    super::community::import_roster(&c.db, &p, community_id, &bytes, false, current_year()).await.map_err(fail)
}

/// A worker imports a roster file: good rows applied in one transaction, bad rows reported.
#[server(endpoint = "account/import_roster")]
pub async fn import_roster(file_b64: String, community_id: Option<i64>) -> Result<ImportOutcome, AccountError> {
    use ssr::*;
    let p = principal().await?;
    let bytes = decode_upload(&file_b64)?;
    let c = ctx()?;
    super::community::import_roster(&c.db, &p, community_id, &bytes, true, current_year()).await.map_err(fail)
}

/// A worker lists and searches the people of their community.
#[server(endpoint = "account/list_residents")]
pub async fn list_residents(query: String) -> Result<Vec<ResidentView>, AccountError> {
    use ssr::*;
    let p = principal().await?;
    let query = super::model::SEARCH.check(&query).map_err(|_| fail(AccountError::Common(CommonError::InvalidInput)))?;
    let c = ctx()?;
    super::community::list_residents(&c.db, &p, None, &query).await.map_err(fail)
}

#[cfg(feature = "ssr")]
fn checked_reason(reason: &str) -> Result<String, AccountError> {
    super::model::REASON.check(reason).map_err(|_| AccountError::ReasonRequired)
}

/// A worker verifies or unverifies a resident by hand, with a reason.
#[server(endpoint = "account/set_verified")]
pub async fn set_verified(user_id: i64, verified: bool, reason: String) -> Result<(), AccountError> {
    use ssr::*;
    let p = principal().await?;
    let reason = checked_reason(&reason).map_err(fail)?;
    let c = ctx()?;
    super::community::set_verified(&c.db, &p, user_id, verified, &reason).await.map_err(fail)
}

/// A worker starts acting for a resident (代办).
#[server(endpoint = "account/start_assisted")]
pub async fn start_assisted(user_id: i64) -> Result<i64, AccountError> {
    use ssr::*;
    let p = principal().await?;
    let c = ctx()?;
    super::community::start_assisted(&c.db, &p, user_id).await.map_err(fail)
}

/// A worker stops acting for a resident.
#[server(endpoint = "account/end_assisted")]
pub async fn end_assisted() -> Result<(), AccountError> {
    use ssr::*;
    let p = principal().await?;
    let c = ctx()?;
    super::community::end_assisted(&c.db, &p).await.map_err(fail)
}

/// The members of the logged-in resident's household.
#[server(endpoint = "account/my_household")]
pub async fn my_household() -> Result<Vec<FamilyMember>, AccountError> {
    use ssr::*;
    // Nobody logged in has no household; not an error for the page showing it.
    let Some(p) = principal_if_logged_in().await? else { return Ok(Vec::new()) };
    let c = ctx()?;
    super::community::my_household(&c.db, &p).await.map_err(fail)
}

/// A verified resident adds a family member (e.g. a parent without a phone, a child); a worker
/// confirms it before later features can act for them.
#[server(endpoint = "account/add_family_member")]
pub async fn add_family_member(name: String, birth_year: Option<i64>, relationship: String) -> Result<i64, AccountError> {
    use ssr::*;
    let p = principal().await?;
    use super::model::{MEMBER_NAME, RELATIONSHIP};
    let invalid = || fail(AccountError::Common(CommonError::InvalidInput));
    let name = MEMBER_NAME.check(&name).map_err(|_| invalid())?;
    let relationship = RELATIONSHIP.check(&relationship).map_err(|_| invalid())?;
    if !birth_year.is_none_or(|y| (1900..=current_year()).contains(&y)) {
        return Err(invalid());
    }
    let c = ctx()?;
    super::community::add_family_member(&c.db, &p, &name, birth_year, &relationship).await.map_err(fail)
}

/// A worker confirms or rejects a family member added by a resident.
#[server(endpoint = "account/decide_family_member")]
pub async fn decide_family_member(member_id: i64, accept: bool) -> Result<(), AccountError> {
    use ssr::*;
    let p = principal().await?;
    let c = ctx()?;
    super::community::decide_family_member(&c.db, &p, member_id, accept).await.map_err(fail)
}
