//! What crosses the server-function boundary for activities.
use super::model::{Category, RoleSpec, Times};
use serde::{Deserialize, Serialize};

/// An activity as its organiser writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityForm {
    pub title: String,
    pub category: Category,
    pub description: String,
    pub place: String,
    pub times: Times,
    pub capacity: i64,
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
    pub roles: Vec<RoleSpec>,
}

/// Where a sign-up (or a volunteer's role) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignUpState {
    SignedUp,
    Waiting { position: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUpReceipt {
    pub signup_id: i64,
    pub code: String,
    pub state: SignUpState,
}

/// What a check-in by code or from the list found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckedIn {
    /// Participants of one sign-up (their names), newly or already checked in.
    Participants { names: Vec<String>, already: bool },
    /// A volunteer checked in (or out, with the half hours it gave).
    Volunteer { name: String, out: bool, half_hours: Option<i64> },
}

/// A volunteer's credited hours after verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    pub volunteer_id: i64,
    /// Half hours credited (less than recorded when the yearly cap was reached).
    pub credited: i64,
    pub recorded: i64,
}

/// An activity in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityCard {
    pub id: i64,
    pub title: String,
    pub category: Category,
    pub place: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub signup_opens_at: i64,
    pub signup_closes_at: i64,
    pub capacity: i64,
    pub taken: i64,
    pub waiting: i64,
    pub status: super::model::Status,
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
}

/// The 活动 tab: upcoming published activities, and what the viewer may do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityList {
    pub upcoming: Vec<ActivityCard>,
    /// The viewer's own drafts, submitted and returned activities (organisers).
    pub mine: Vec<ActivityCard>,
    pub can_organise: bool,
    pub is_worker: bool,
    /// Whether the viewer may apply to volunteer (a verified resident with no open application).
    pub may_apply: bool,
}

/// 我的活动: the household's sign-ups, the viewer's roles and the activities they organise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyActivities {
    pub joined: Vec<(ActivityCard, MySignUp)>,
    pub serving: Vec<(ActivityCard, MyRole)>,
    pub organised: Vec<ActivityCard>,
    /// The server's clock (what has ended is decided by it, also while the page hydrates).
    pub now: i64,
}

/// A volunteer role with its places.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleView {
    pub id: i64,
    pub name: String,
    pub count: i64,
    pub taken: i64,
}

/// A household member as a sign-up offers them: why not, if they may not take part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberChoice {
    pub member_id: i64,
    pub name: String,
    pub age: Option<i64>,
    pub may: Result<(), crate::kernel::audience::Ineligible>,
    /// Already signed up (or waiting) for this activity.
    pub signed_up: bool,
}

/// One of the household's sign-ups for the activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MySignUp {
    pub signup_id: i64,
    pub code: String,
    pub names: Vec<String>,
    pub state: SignUpState,
    /// The code's QR code, as SVG (on the activity's page; empty in lists).
    pub qr_svg: String,
}

/// The viewer's role in the activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRole {
    pub volunteer_id: i64,
    pub role: String,
    pub code: String,
    /// The code's QR code, as SVG (on the activity's page; empty in lists).
    pub qr_svg: String,
    pub checked_in_at: Option<i64>,
    pub checked_out_at: Option<i64>,
    pub half_hours: Option<i64>,
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityDetail {
    pub card: ActivityCard,
    pub description: String,
    pub organiser: String,
    pub return_reason: Option<String>,
    pub cancel_reason: Option<String>,
    pub report: Option<String>,
    pub roles: Vec<RoleView>,
    pub members: Vec<MemberChoice>,
    pub my_signups: Vec<MySignUp>,
    pub my_role: Option<MyRole>,
    pub is_organiser: bool,
    pub is_worker: bool,
    pub is_volunteer: bool,
    pub form: ActivityForm,
    /// Where sign-up stands and whether the activity is over, as the server's clock says (the
    /// page shows what the server rendered, also while it hydrates).
    pub window: crate::kernel::capacity::Window,
    pub ended: bool,
    /// The report's photos.
    pub photos: Vec<Photo>,
}

/// A photo of an activity's report.
pub use crate::ui::photo::Photo;

/// A participant on the organiser's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskParticipant {
    pub member_id: i64,
    pub name: String,
    pub room: String,
    pub checked_in: bool,
}

/// A volunteer on the organiser's list, with their hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskVolunteer {
    pub volunteer_id: i64,
    pub name: String,
    pub role: String,
    pub code: String,
    pub checked_in_at: Option<i64>,
    pub checked_out_at: Option<i64>,
    pub half_hours: Option<i64>,
    pub hours_reason: Option<String>,
    pub verified: bool,
}

/// The organiser's check-in screen and the worker's hours verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desk {
    pub card: ActivityCard,
    pub participants: Vec<DeskParticipant>,
    pub volunteers: Vec<DeskVolunteer>,
    pub is_worker: bool,
    /// Over (by the server's clock), and whether its figures were recorded.
    pub ended: bool,
    pub finished: bool,
    pub photos: Vec<Photo>,
}

/// An application to volunteer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationView {
    pub id: i64,
    pub name: String,
    pub skills: String,
    pub availability: String,
    pub status: super::model::ApplicationStatus,
    pub reason: Option<String>,
    pub at: i64,
}

/// The worker's queue: applications, activities to publish, hours to verify.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub applications: Vec<ApplicationView>,
    pub volunteers: Vec<ApplicationView>,
    pub submitted: Vec<ActivityCard>,
    /// Ended activities with volunteers whose hours are not verified yet.
    pub to_verify: Vec<ActivityCard>,
    pub yearly_cap: i64,
}

/// An entry of a ledger, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryView {
    pub id: i64,
    pub member: String,
    pub kind: crate::timebank::model::EntryKind,
    pub half_hours: i64,
    pub balance_after: i64,
    pub at: i64,
    pub reason: Option<String>,
    /// The activity (earned) or service (spent, refunded) it came from.
    pub about: Option<String>,
}

/// A volunteer's page: the application, the balance and ledger, whom hours may go to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyBank {
    pub application: Option<ApplicationView>,
    pub may_apply: bool,
    pub balance: i64,
    pub entries: Vec<EntryView>,
    /// Other confirmed members of the household: (member id, name).
    pub household: Vec<(i64, String)>,
}

/// Everyone's balances in a community and the latest entries (workers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommunityBank {
    pub accounts: Vec<(i64, String, i64)>,
    pub entries: Vec<EntryView>,
}

/// An activity's figures, as recorded once it is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityFigures {
    /// People with a place (not waiting), and of them those checked in.
    pub participants: i64,
    pub attended: i64,
    pub volunteers: i64,
    pub volunteers_attended: i64,
    /// Half hours credited to the volunteers' time banks.
    pub verified_half_hours: i64,
}
