//! The server functions of activities and the time bank: parse, authorize (in the store, from the
//! database), act.
use super::error::ActivityError;
use super::types::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::kernel::guard::{ctx, fail, principal};
}

#[cfg(feature = "ssr")]
fn invalid() -> ActivityError {
    crate::kernel::guard::fail(ActivityError::from(crate::kernel::error::CommonError::InvalidInput))
}

/// The 活动 tab (`category`: a category's name, or empty for all).
#[server(endpoint = "activities/list")]
pub async fn list_activities(category: Option<String>) -> Result<ActivityList, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    let category = category.filter(|c| !c.is_empty()).map(|c| super::model::Category::parse(&c).ok_or_else(invalid)).transpose()?;
    super::store::list(&ctx()?.db, &p, category).await.map_err(fail)
}

/// Adds a photo to an ended activity's report (base64 of the file, shrunk by the browser).
#[server(endpoint = "activities/add_photo")]
pub async fn add_report_photo(activity_id: i64, data_b64: String) -> Result<Photo, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    let raw = crate::ui::photo::decode_upload(&data_b64).map_err(|e| fail(ActivityError::Photo(e)))?;
    let c = ctx()?;
    super::store::add_photo(&c.db, c.blobs.as_ref(), &p, activity_id, raw).await.map_err(fail)
}

/// Removes a photo from a report.
#[server(endpoint = "activities/remove_photo")]
pub async fn remove_report_photo(photo_id: i64) -> Result<(), ActivityError> {
    use ssr::*;
    let p = principal().await?;
    let c = ctx()?;
    super::store::remove_photo(&c.db, c.blobs.as_ref(), &p, photo_id).await.map_err(fail)
}

/// 我的活动.
#[server(endpoint = "activities/mine")]
pub async fn activities_of_mine() -> Result<MyActivities, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::mine(&ctx()?.db, &p).await.map_err(fail)
}

#[server(endpoint = "activities/get")]
pub async fn get_activity(id: i64) -> Result<ActivityDetail, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::detail(&ctx()?.db, &p, id).await.map_err(fail)
}

/// Drafts an activity (`id` empty) or changes one; `form` is an `ActivityForm` as JSON.
#[server(endpoint = "activities/save")]
pub async fn save_activity(id: Option<i64>, form: String) -> Result<i64, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    let f: ActivityForm = serde_json::from_str(&form).map_err(|_| invalid())?;
    let db = &ctx()?.db;
    match id {
        None => super::store::create(db, &p, &f, None).await.map_err(fail),
        Some(id) => super::store::update(db, &p, id, &f).await.map(|_| id).map_err(fail),
    }
}

#[server(endpoint = "activities/submit")]
pub async fn submit_activity(id: i64) -> Result<(), ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::submit(&ctx()?.db, &p, id).await.map_err(fail)
}

/// A worker publishes (`approve`) or returns an activity with a reason.
#[server(endpoint = "activities/decide")]
pub async fn decide_activity(id: i64, approve: bool, reason: Option<String>) -> Result<(), ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::decide(&ctx()?.db, &p, id, approve, reason.as_deref()).await.map_err(fail)
}

#[server(endpoint = "activities/cancel")]
pub async fn cancel_activity(id: i64, reason: String) -> Result<usize, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::cancel(&ctx()?.db, &p, id, &reason).await.map_err(fail)
}

/// Signs up members of the caller's household (`members`: ids, comma-separated, as a plain form
/// sends them too).
#[server(endpoint = "activities/sign_up")]
pub async fn sign_up(activity_id: i64, members: String) -> Result<SignUpReceipt, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    let ids = members.split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse::<i64>()).collect::<Result<Vec<_>, _>>().map_err(|_| invalid())?;
    super::store::sign_up(&ctx()?.db, &p, activity_id, &ids).await.map_err(fail)
}

#[server(endpoint = "activities/leave")]
pub async fn leave_activity(signup_id: i64) -> Result<(), ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::leave(&ctx()?.db, &p, signup_id).await.map_err(fail)
}

#[server(endpoint = "activities/take_role")]
pub async fn take_role(activity_id: i64, role_id: i64) -> Result<i64, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::take_role(&ctx()?.db, &p, activity_id, role_id).await.map_err(fail)
}

#[server(endpoint = "activities/leave_role")]
pub async fn leave_role(volunteer_id: i64) -> Result<(), ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::leave_role(&ctx()?.db, &p, volunteer_id).await.map_err(fail)
}

/// The organiser's (or a worker's) list of participants and volunteers.
#[server(endpoint = "activities/desk")]
pub async fn activity_desk(activity_id: i64) -> Result<Desk, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::desk(&ctx()?.db, &p, activity_id).await.map_err(fail)
}

/// Checks in by a code (a sign-up's, or a volunteer's: out when `out`, and whichever comes next
/// for the code without it — the camera's) or one participant.
#[server(endpoint = "activities/check_in")]
pub async fn activity_check_in(activity_id: i64, code: Option<String>, member_id: Option<i64>, out: Option<bool>) -> Result<CheckedIn, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    let code = code.filter(|c| !c.trim().is_empty());
    super::store::check_in(&ctx()?.db, &p, activity_id, code.as_deref(), member_id, out).await.map_err(fail)
}

/// A worker enters a volunteer's half hours with a reason.
#[server(endpoint = "activities/set_hours")]
pub async fn set_hours(volunteer_id: i64, half_hours: i64, reason: String) -> Result<(), ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::set_hours(&ctx()?.db, &p, volunteer_id, half_hours, &reason).await.map_err(fail)
}

/// A worker verifies volunteers' hours (`volunteers`: ids, comma-separated).
#[server(endpoint = "activities/verify")]
pub async fn verify_hours(activity_id: i64, volunteers: String) -> Result<Vec<Verified>, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    let ids = volunteers.split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse::<i64>()).collect::<Result<Vec<_>, _>>().map_err(|_| invalid())?;
    super::store::verify_hours(&ctx()?.db, &p, activity_id, &ids).await.map_err(fail)
}

#[server(endpoint = "activities/volunteer_apply")]
pub async fn volunteer_apply(skills: String, availability: String) -> Result<i64, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::apply(&ctx()?.db, &p, &skills, &availability).await.map_err(fail)
}

#[server(endpoint = "activities/review")]
pub async fn activity_review(community_id: Option<i64>) -> Result<Review, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::review(&ctx()?.db, &p, community_id).await.map_err(fail)
}

#[server(endpoint = "activities/decide_volunteer")]
pub async fn decide_volunteer(application_id: i64, approve: bool, reason: Option<String>) -> Result<(), ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::decide_application(&ctx()?.db, &p, application_id, approve, reason.as_deref()).await.map_err(fail)
}

#[server(endpoint = "activities/suspend_volunteer")]
pub async fn suspend_volunteer(application_id: i64, reason: String) -> Result<(), ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::suspend_volunteer(&ctx()?.db, &p, application_id, &reason).await.map_err(fail)
}

/// The caller's application, time-bank balance and ledger.
#[server(endpoint = "timebank/mine")]
pub async fn my_time_bank() -> Result<MyBank, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::my_bank(&ctx()?.db, &p).await.map_err(fail)
}

#[server(endpoint = "timebank/transfer")]
pub async fn transfer_hours(to_member: i64, half_hours: i64) -> Result<i64, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::transfer(&ctx()?.db, &p, to_member, half_hours).await.map_err(fail)
}

#[server(endpoint = "timebank/correct")]
pub async fn correct_entry(entry_id: i64, delta: i64, reason: String) -> Result<i64, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::correct(&ctx()?.db, &p, entry_id, delta, &reason).await.map_err(fail)
}

/// A worker sets the yearly cap (in half hours).
#[server(endpoint = "timebank/cap")]
pub async fn set_yearly_cap(community_id: Option<i64>, cap: i64) -> Result<(), ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::set_yearly_cap(&ctx()?.db, &p, community_id, cap).await.map_err(fail)
}

#[server(endpoint = "timebank/community")]
pub async fn time_bank_of_community(community_id: Option<i64>) -> Result<CommunityBank, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::community_bank(&ctx()?.db, &p, community_id).await.map_err(fail)
}

/// The organiser or a worker closes an activity that is over: a short report, and its figures as
/// an official record.
#[server(endpoint = "activities/finish")]
pub async fn finish_activity(id: i64, report: String) -> Result<ActivityFigures, ActivityError> {
    use ssr::*;
    let p = principal().await?;
    super::store::finish(&ctx()?.db, &p, id, &report).await.map_err(fail)
}
