//! The server functions of notifications.
use super::error::NotificationError;
use super::notice::NotificationView;
use leptos::prelude::*;

/// The caller's notifications, newest first (`before`: the id to continue below).
#[server(endpoint = "notifications/list")]
pub async fn my_notifications(before: Option<i64>) -> Result<Vec<NotificationView>, NotificationError> {
    use crate::kernel::guard::{ctx, fail, principal};
    let p = principal().await?;
    Ok(super::store::list(&ctx()?.db, &p, before).await.map_err(fail)?)
}

/// Unread notifications of the caller; 0 when not logged in (the tab bar asks on every page: a
/// GET, as it changes nothing). A request it cannot read is the shared refusal (a 400), as everywhere.
#[server(endpoint = "notifications/unread", input = leptos::server_fn::codec::GetUrl)]
pub async fn unread_count() -> Result<i64, NotificationError> {
    let c = crate::kernel::guard::ctx()?;
    let headers = crate::kernel::guard::headers();
    // Any refusal is "nothing unread", and the page's status is left alone.
    let Ok(p) = crate::account::session::principal_from_access(&c.db, &c.keys, &headers).await else {
        return Ok(0);
    };
    Ok(super::store::unread_count(&c.db, &p).await.unwrap_or(0))
}

/// The unread count for the tab bar, in its own chunk: the tab bar is part of the first download,
/// and a server function called from there brings its client, its error type's decoder and
/// (through the WASM splitter's sharing) much more into the main module (measured: +29 KB
/// brotli). `None` when it could not be had.
#[leptos::lazy]
pub async fn fetch_unread() -> Option<i64> {
    unread_count().await.ok()
}

/// Where `mark_read` is served, for a plain HTML form. Written out: naming the server function's
/// `PATH` in a page put its client and every locale string into the main WASM (measured: +34 KB
/// brotli). A test checks that the two agree.
pub const MARK_READ_PATH: &str = "/api/notifications/read";

/// Marks one notification, or all with no id, as read.
#[server(endpoint = "notifications/read")]
pub async fn mark_read(id: Option<i64>) -> Result<(), NotificationError> {
    use crate::kernel::guard::{ctx, fail, principal};
    let p = principal().await?;
    Ok(super::store::mark_read(&ctx()?.db, &p, id).await.map_err(fail)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_plain_form_path_is_the_server_functions() {
        assert_eq!(super::MARK_READ_PATH, <super::MarkRead as leptos::server_fn::ServerFn>::PATH);
    }
}
