//! The server functions of services: parse, authorize (in the store, from the database), act.
use super::error::ServiceError;
use super::model::NoShowRule;
use super::types::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::kernel::guard::{ctx, fail, principal};
}

/// The catalogue of the viewer's community, with their household's members.
#[server(endpoint = "services/catalogue")]
pub async fn service_catalogue(community_id: Option<i64>) -> Result<Catalogue, ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::catalogue(&ctx()?.db, &p, community_id).await.map_err(fail)
}

#[server(endpoint = "services/get")]
pub async fn get_service(id: i64) -> Result<ServiceDetail, ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::detail(&ctx()?.db, &p, id).await.map_err(fail)
}

/// Books a session for members of the caller's household (`members`: their ids, comma-separated,
/// as a plain form sends them too).
#[server(endpoint = "services/book")]
pub async fn book_session(session_id: i64, members: String, pay_hours: Option<bool>) -> Result<BookingReceipt, ServiceError> {
    use crate::kernel::error::CommonError;
    use ssr::*;
    let p = principal().await?;
    let ids = members.split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse::<i64>()).collect::<Result<Vec<_>, _>>();
    let ids = ids.map_err(|_| fail(ServiceError::from(CommonError::InvalidInput)))?;
    super::store::book(&ctx()?.db, &p, session_id, &ids, pay_hours.unwrap_or(false)).await.map_err(fail)
}

/// Cancels a booking or leaves the waitlist (a worker gives a reason).
#[server(endpoint = "services/cancel")]
pub async fn cancel_booking(booking_id: i64, reason: Option<String>) -> Result<(), ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::cancel(&ctx()?.db, &p, booking_id, reason.as_deref()).await.map_err(fail)
}

#[server(endpoint = "services/mine")]
pub async fn household_bookings() -> Result<MyBookings, ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::my_bookings(&ctx()?.db, &p).await.map_err(fail)
}

#[server(endpoint = "services/booking")]
pub async fn get_booking(id: i64) -> Result<BookingDetail, ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::booking_page(&ctx()?.db, &p, id).await.map_err(fail)
}

/// The worker's service editor (a new service when `id` is `None`).
#[server(endpoint = "services/editor")]
pub async fn service_editor(id: Option<i64>, community_id: Option<i64>) -> Result<EditorContext, ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::editor(&ctx()?.db, &p, id, community_id).await.map_err(fail)
}

/// A worker saves a service; `form` is a `ServiceForm` as JSON.
#[server(endpoint = "services/save")]
pub async fn save_service(form: String, community_id: Option<i64>) -> Result<i64, ServiceError> {
    use crate::kernel::error::CommonError;
    use ssr::*;
    let p = principal().await?;
    let f: ServiceForm = serde_json::from_str(&form).map_err(|_| fail(ServiceError::from(CommonError::InvalidInput)))?;
    super::store::save_service(&ctx()?.db, &p, &f, community_id).await.map_err(fail)
}

/// A worker adds a schedule; `form` is a `ScheduleForm` as JSON.
#[server(endpoint = "services/schedule")]
pub async fn add_schedule(form: String) -> Result<i64, ServiceError> {
    use crate::kernel::error::CommonError;
    use ssr::*;
    let p = principal().await?;
    let f: ScheduleForm = serde_json::from_str(&form).map_err(|_| fail(ServiceError::from(CommonError::InvalidInput)))?;
    super::store::add_schedule(&ctx()?.db, &p, &f).await.map_err(fail)
}

#[server(endpoint = "services/schedule_end")]
pub async fn end_schedule(schedule_id: i64) -> Result<(), ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::end_schedule(&ctx()?.db, &p, schedule_id).await.map_err(fail)
}

#[server(endpoint = "services/session_cancel")]
pub async fn cancel_session(session_id: i64, reason: String) -> Result<usize, ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::cancel_session(&ctx()?.db, &p, session_id, &reason).await.map_err(fail)
}

#[server(endpoint = "services/session_capacity")]
pub async fn set_session_capacity(session_id: i64, capacity: i64) -> Result<usize, ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::set_session_capacity(&ctx()?.db, &p, session_id, capacity).await.map_err(fail)
}

#[server(endpoint = "services/roster")]
pub async fn roster_of_session(session_id: i64) -> Result<SessionRoster, ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::roster(&ctx()?.db, &p, session_id).await.map_err(fail)
}

/// Checks in by booking code or one person of the list; `client_id` makes a retry count once.
#[server(endpoint = "services/check_in")]
pub async fn check_in(session_id: i64, code: Option<String>, person_id: Option<i64>, client_id: String) -> Result<CheckedIn, ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::check_in(&ctx()?.db, &p, session_id, code.as_deref().filter(|c| !c.trim().is_empty()), person_id, &client_id).await.map_err(fail)
}

/// Residents of the session's community found by name or room, for a walk-in.
#[server(endpoint = "services/desk_people")]
pub async fn desk_people(session_id: i64, q: String) -> Result<Vec<DeskPerson>, ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::desk_people(&ctx()?.db, &p, session_id, &q).await.map_err(fail)
}

/// A week of the community's sessions from `from` (`YYYY-MM-DD`; today when empty).
#[server(endpoint = "services/calendar")]
pub async fn week_of_sessions(community_id: Option<i64>, from: Option<String>) -> Result<SessionCalendar, ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::calendar(&ctx()?.db, &p, community_id, from.as_deref()).await.map_err(fail)
}

#[server(endpoint = "services/walk_in")]
pub async fn walk_in(session_id: i64, member_id: i64, client_id: String) -> Result<BookingReceipt, ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::walk_in(&ctx()?.db, &p, session_id, member_id, &client_id).await.map_err(fail)
}

#[server(endpoint = "services/settings")]
pub async fn service_settings(community_id: Option<i64>) -> Result<Settings, ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::settings(&ctx()?.db, &p, community_id).await.map_err(fail)
}

/// `skip_days`: `YYYY-MM-DD`, separated by commas, spaces or lines.
#[server(endpoint = "services/settings_save")]
pub async fn save_service_settings(community_id: Option<i64>, rule: NoShowRule, skip_days: String) -> Result<(), ServiceError> {
    use ssr::*;
    let p = principal().await?;
    let days: Vec<String> = skip_days.split([',', ' ', '\n', '，', '、']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
    super::store::save_settings(&ctx()?.db, &p, community_id, rule, &days).await.map_err(fail)
}

#[server(endpoint = "services/stats")]
pub async fn service_stats(community_id: Option<i64>, month: Option<String>) -> Result<MonthStats, ServiceError> {
    use ssr::*;
    let p = principal().await?;
    super::store::stats(&ctx()?.db, &p, community_id, month).await.map_err(fail)
}
