//! The server functions of notifications.
use super::notice::NotificationView;
use crate::kernel::error::CommonError;
use leptos::prelude::*;

/// The caller's notifications, newest first (`before`: the id to continue below).
#[server(endpoint = "notifications/list")]
pub async fn my_notifications(before: Option<i64>) -> Result<Vec<NotificationView>, CommonError> {
    use crate::kernel::guard::{ctx, fail, principal};
    let p = principal().await?;
    super::store::list(&ctx()?.db, &p, before).await.map_err(fail)
}

/// Unread notifications of the caller; 0 when not logged in (the tab bar asks on every page: a
/// GET, as it changes nothing). Its error type is the plain one: this function is part of the
/// first download (the tab bar), where the error messages would weigh.
#[server(endpoint = "notifications/unread", input = leptos::server_fn::codec::GetUrl)]
pub async fn unread_count() -> Result<i64, ServerFnError> {
    let c = use_context::<crate::infra::AppContext>().ok_or_else(|| ServerFnError::new("no context"))?;
    let headers = crate::kernel::guard::headers();
    // Any refusal is "nothing unread", and the page's status is left alone.
    let Ok(p) = crate::account::session::principal_from_access(&c.db, &c.keys, &headers).await else {
        return Ok(0);
    };
    Ok(super::store::unread_count(&c.db, &p).await.unwrap_or(0))
}

/// Marks one notification, or all with no id, as read.
#[server(endpoint = "notifications/read")]
pub async fn mark_read(id: Option<i64>) -> Result<(), CommonError> {
    use crate::kernel::guard::{ctx, fail, principal};
    let p = principal().await?;
    super::store::mark_read(&ctx()?.db, &p, id).await.map_err(fail)
}
