//! The server functions of the records screen: thin — authorize and act in `access`.
use super::error::RecordsError;
use super::types::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::kernel::guard::{ctx, fail, principal};
}

/// Counts, dead letters and (district admins) keys: of `community_id`, or of everything the
/// caller may see.
#[server(endpoint = "records/overview")]
pub async fn records_overview(community_id: Option<i64>) -> Result<Overview, RecordsError> {
    use ssr::*;
    let p = principal().await?;
    let c = ctx()?;
    super::access::overview(&c.db, &p, community_id, c.records_applied_url.is_some()).await.map_err(fail)
}

/// Sends a dead letter again (once per press: a second press is told it is on its way).
#[server(endpoint = "records/redeliver")]
pub async fn redeliver_record(event_id: i64) -> Result<(), RecordsError> {
    use ssr::*;
    let p = principal().await?;
    super::access::redeliver(&ctx()?.db, &p, event_id).await.map_err(fail)
}

/// The receiver's records of a community against the outbox.
#[server(endpoint = "records/reconcile")]
pub async fn reconcile_records(community_id: Option<i64>) -> Result<Reconciliation, RecordsError> {
    use ssr::*;
    let p = principal().await?;
    let c = ctx()?;
    super::access::reconcile(&c.db, &p, community_id, c.records_applied_url.as_deref()).await.map_err(fail)
}

/// A new pull-API key of the district admin's district.
#[server(endpoint = "records/create_key")]
pub async fn create_records_key(name: String) -> Result<NewKey, RecordsError> {
    use ssr::*;
    let p = principal().await?;
    super::access::create_key(&ctx()?.db, &p, &name).await.map_err(fail)
}

#[server(endpoint = "records/revoke_key")]
pub async fn revoke_records_key(key_id: i64) -> Result<(), RecordsError> {
    use ssr::*;
    let p = principal().await?;
    super::access::revoke_key(&ctx()?.db, &p, key_id).await.map_err(fail)
}
