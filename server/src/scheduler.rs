//! The scheduler: every few seconds, opens the deliberations whose voting starts (the electorate
//! snapshot), sends the day-before reminders and closes those whose window ended (the tally and
//! the official result). It keeps no state of its own — everything is in the database — so a
//! restarted server catches up on its first pass, and two passes never do a step twice (each
//! step is a guarded update in its own transaction).
use crate::db::{Db, now_ms};
use app::deliberation::store::{TickReport, tick};
use std::time::Duration;

/// One pass now.
pub async fn run_once(db: &Db) -> Result<TickReport, app::deliberation::error::DelibError> {
    tick(db, None, now_ms()).await
}

/// A pass now and then every `every`, until the task is aborted.
pub fn spawn(db: Db, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match run_once(&db).await {
                Ok(r) if r != TickReport::default() => tracing::info!(opened = r.opened, reminded = r.reminded, closed = r.closed, "deliberations"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "scheduler pass failed"),
            }
            tokio::time::sleep(every).await;
        }
    })
}
