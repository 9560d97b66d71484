//! The server functions of accounts: the HTTP surface. Thin: validate, authorize, call the store.
use super::error::AccountError;
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
pub mod ssr {
    //! Server-side helpers of the account server functions.
    use super::AccountError;
    use crate::account::session::{self, Denied, Principal};
    use crate::infra::AppContext;
    use leptos::prelude::*;

    /// Sets the response status of `e` and returns it.
    pub fn fail(e: AccountError) -> AccountError {
        if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
            r.set_status(http::StatusCode::from_u16(e.status()).unwrap_or(http::StatusCode::BAD_REQUEST));
        }
        e
    }

    pub fn ctx() -> Result<AppContext, AccountError> {
        use_context::<AppContext>().ok_or_else(|| fail(AccountError::Internal))
    }

    pub fn headers() -> http::HeaderMap {
        use_context::<http::request::Parts>().map(|p| p.headers).unwrap_or_default()
    }

    /// The client address (rate limits). Without connection info (tests) all share one bucket.
    pub async fn client_ip() -> String {
        leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .await
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|_| "unknown".into())
    }

    pub fn set_cookies(values: [String; 2]) {
        if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
            for v in values {
                if let Ok(v) = http::HeaderValue::from_str(&v) {
                    r.append_header(http::header::SET_COOKIE, v);
                }
            }
        }
    }

    /// The guard every server function starts with: who is asking, from the session, as the
    /// database knows them now.
    pub async fn principal() -> Result<Principal, AccountError> {
        let c = ctx()?;
        session::principal_from_access(&c.db, &c.keys, &headers()).await.map_err(|d| match d {
            Denied::Unauthenticated => fail(AccountError::NotLoggedIn),
            Denied::Forbidden => fail(AccountError::Forbidden),
        })
    }
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
    let p = match principal().await {
        Ok(p) => p,
        Err(AccountError::NotLoggedIn) => {
            if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
                r.set_status(http::StatusCode::OK);
            }
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let c = ctx()?;
    Ok(Some(super::store::account_view(&c.db, &p).await.map_err(fail)?))
}

/// Ends this session.
#[server(endpoint = "account/logout")]
pub async fn logout() -> Result<(), AccountError> {
    use ssr::*;
    if let Ok(p) = principal().await {
        let c = ctx()?;
        let mut tx = c.db.begin_write().await.map_err(|e| fail(e.into()))?;
        super::session::revoke_family(&mut tx, p.session_id, "logout").await.map_err(|e| fail(e.into()))?;
        tx.commit().await.map_err(|e| fail(e.into()))?;
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
    let mut tx = c.db.begin_write().await.map_err(|e| fail(e.into()))?;
    super::session::revoke_all(&mut tx, p.user_id, "logout_everywhere").await.map_err(|e| fail(e.into()))?;
    tx.commit().await.map_err(|e| fail(e.into()))?;
    set_cookies(super::session::clear_cookies());
    Ok(())
}

/// A worker disables an account of their community: its sessions end at once.
#[server(endpoint = "account/disable_account")]
pub async fn disable_account(user_id: i64, reason: String) -> Result<(), AccountError> {
    use ssr::*;
    let p = principal().await?;
    let reason = reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(fail(AccountError::ReasonRequired));
    }
    let c = ctx()?;
    super::store::disable_account(&c.db, &p, user_id, &reason).await.map_err(fail)
}
