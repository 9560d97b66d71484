//! The scheduler: every few seconds, one pass of each capability's timed steps —
//! deliberations (opens voting with the electorate snapshot, reminds the day before, closes and
//! tallies) and services (generates sessions ahead, closes booking and tells the waitlist, reminds
//! the day before, counts no-shows, sends last month's figures), surveys (opens, closes) and projects (the followers' daily digest). It keeps no state of its own —
//! everything is in the database — so a restarted server catches up on its first pass, and two
//! passes never do a step twice (each step is a guarded update in its own transaction).
use crate::db::{Db, now_ms};
use app::deliberation::store::{TickReport, tick};
use std::time::Duration;

/// One pass of the deliberations now.
pub async fn run_once(db: &Db) -> Result<TickReport, app::deliberation::error::DelibError> {
    tick(db, None, now_ms()).await
}

/// One pass of the services at `now`.
pub async fn run_services(db: &Db, now: i64) -> Result<app::services::store::TickReport, app::services::error::ServiceError> {
    app::services::store::tick(db, now).await
}

/// One pass of the surveys at `now`: opens (freezing the electorate) and closes (the results; a
/// satisfaction survey's official record) what is due.
pub async fn run_surveys(db: &Db, now: i64) -> Result<app::surveys::store::TickReport, app::surveys::error::SurveyError> {
    app::surveys::store::tick(db, now).await
}

/// One pass of the projects' daily digest at `now`: followers hear of each project's news at most
/// once a day.
pub async fn run_projects(db: &Db, now: i64) -> Result<usize, sqlx::Error> {
    app::projects::store::digest(db, now).await
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
            match run_services(&db, now_ms()).await {
                Ok(r) if r != Default::default() => tracing::info!(
                    generated = r.generated,
                    closed = r.closed,
                    reminded = r.reminded,
                    ended = r.ended,
                    no_shows = r.no_shows,
                    months = r.months,
                    "services"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "services scheduler pass failed"),
            }
            match run_surveys(&db, now_ms()).await {
                Ok(r) if r != Default::default() => tracing::info!(opened = r.opened, closed = r.closed, held = r.held, "surveys"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "surveys scheduler pass failed"),
            }
            match run_projects(&db, now_ms()).await {
                Ok(n) if n > 0 => tracing::info!(digests = n, "projects"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "projects scheduler pass failed"),
            }
            tokio::time::sleep(every).await;
        }
    })
}

/// The records relay: a pass every `every` (one instance's share of the work when several run on
/// one database: streams are leased, see `app::records::store`), until the task is aborted.
pub fn spawn_relay(db: Db, relay: app::records::relay::Relay, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match relay.pass(&db).await {
                Ok(r) if r != Default::default() => tracing::info!(delivered = r.delivered, retried = r.retried, dead = r.dead, "records"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "records relay pass failed"),
            }
            tokio::time::sleep(every).await;
        }
    })
}
