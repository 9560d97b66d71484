//! What services' server functions take and return.
use super::model::{Category, PriceBand, Repeat, Rules, Window};
use serde::{Deserialize, Serialize};

/// A worker's service form (new when `id` is `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceForm {
    pub id: Option<i64>,
    pub category: Category,
    pub title: String,
    pub provider: String,
    pub place: String,
    pub description: String,
    pub rules: Rules,
    pub active: bool,
}

/// A worker's schedule form: days as `YYYY-MM-DD`, times as `HH:MM` (Beijing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleForm {
    pub service_id: i64,
    pub repeat: Repeat,
    pub first_day: String,
    pub last_day: Option<String>,
    pub start: String,
    pub end: String,
    pub capacity: i64,
    pub opens_days_before: i64,
    pub opens: String,
    pub closes: String,
}

/// A service as the catalogue lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceCard {
    pub id: i64,
    pub category: Category,
    pub title: String,
    pub provider: String,
    pub place: String,
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
    pub base_price_fen: i64,
    pub bands: Vec<PriceBand>,
    /// Half hours of the time bank a person may pay instead (None: not accepted).
    pub timebank_half_hours: Option<i64>,
    pub active: bool,
    /// The next session open for booking (or about to open), with its places left.
    pub next_session: Option<i64>,
    pub places_left: Option<i64>,
}

/// A member of the viewer's household, and whom the catalogue's services may serve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberChoice {
    pub id: i64,
    pub name: String,
    pub relationship: String,
    /// Age this year (if the roster has a birth year).
    pub age: Option<i64>,
    /// The catalogue's services this person may be served by (age and building, this year).
    pub services: Vec<i64>,
    /// The viewer themselves.
    pub me: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub community_id: i64,
    pub services: Vec<ServiceCard>,
    /// Empty for someone not a verified resident (they may look, not book).
    pub members: Vec<MemberChoice>,
    pub is_worker: bool,
}

/// A session as a service's page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub opens_at: i64,
    pub closes_at: i64,
    pub capacity: i64,
    pub taken: i64,
    pub waiting: i64,
    pub window: Window,
    pub cancelled: bool,
    pub cancel_reason: Option<String>,
}

/// For one member: may they be served at a session, and for how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberPrice {
    pub member_id: i64,
    pub name: String,
    pub age: Option<i64>,
    /// The price in fen, or why not (localized on the page).
    pub price_fen: Result<i64, super::model::Ineligible>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceDetail {
    pub card: ServiceCard,
    pub description: String,
    pub party_limit: i64,
    pub cancel_before_min: i64,
    pub per_day: Option<i64>,
    pub per_week: Option<i64>,
    pub building_names: Vec<String>,
    pub sessions: Vec<SessionView>,
    /// The household's members and their price at the first listed session.
    pub members: Vec<MemberPrice>,
    pub is_worker: bool,
    /// The worker's view: the service's schedules.
    pub schedules: Vec<ScheduleView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleView {
    pub id: i64,
    pub repeat: Repeat,
    pub first_day: String,
    pub last_day: Option<String>,
    pub start: String,
    pub end: String,
    pub capacity: i64,
    pub ended: bool,
}

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BookingState {
    Booked,
    /// On the waitlist at this position (1 = next).
    Waiting {
        position: i64,
    },
    Cancelled,
    /// Still waiting when booking closed.
    WaitlistClosed,
    /// The session was cancelled.
    SessionCancelled,
}

/// What a booking request came to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingReceipt {
    pub booking_id: i64,
    pub code: String,
    pub state: BookingState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonView {
    pub id: i64,
    pub member_id: i64,
    pub name: String,
    pub age: Option<i64>,
    pub price_fen: i64,
    pub checked_in: bool,
    pub no_show: bool,
}

/// A booking as 我的预约 and its own page show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingView {
    pub id: i64,
    pub code: String,
    pub state: BookingState,
    pub service_id: i64,
    pub service_title: String,
    pub category: Category,
    pub place: String,
    pub provider: String,
    pub session_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub people: Vec<PersonView>,
    pub total_fen: i64,
    /// Until when the resident may cancel in the app.
    pub cancel_until: i64,
    pub cancel_reason: Option<String>,
    pub channel_desk: bool,
}

/// 我的预约: the household's bookings, and the server's clock when it read them (what is
/// upcoming is decided by it, the same on the server and in the browser).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyBookings {
    pub now: i64,
    pub bookings: Vec<BookingView>,
}

/// A booking's page: the booking, and its QR code as SVG (rendered on the server).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingDetail {
    pub booking: BookingView,
    pub qr_svg: String,
    pub now: i64,
}

/// One person on a session's roster (the worker's check-in list and the printed roster).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterLine {
    pub person_id: i64,
    pub booking_id: i64,
    pub code: String,
    pub name: String,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub age: Option<i64>,
    pub price_fen: i64,
    pub checked_in: bool,
    pub no_show: bool,
    pub desk: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRoster {
    pub service_id: i64,
    pub service_title: String,
    pub place: String,
    pub session: SessionView,
    pub booked: Vec<RosterLine>,
    /// Waiting, in order: (position, names, code).
    pub waiting: Vec<(i64, String, String)>,
}

/// What a check-in did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckedIn {
    /// The names checked in by this request (empty when it was a retry or all were in already).
    pub names: Vec<String>,
    /// A retry of a check-in already counted.
    pub repeated: bool,
}

/// A community's settings and skipped days (the worker's settings screen).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub community_id: i64,
    pub no_show: super::model::NoShowRule,
    /// `YYYY-MM-DD`, from today on.
    pub skip_days: Vec<String>,
}

/// The monthly figures of one service.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServiceMonth {
    pub service_id: i64,
    pub title: String,
    pub sessions: i64,
    pub bookings: i64,
    pub people: i64,
    pub attended: i64,
    pub no_shows: i64,
    pub promotions: i64,
    pub cancelled: i64,
    /// People booked per statistics age band (`model::stats_band`).
    pub by_band: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthStats {
    pub month: String,
    pub services: Vec<ServiceMonth>,
}

/// The worker's service editor: the community's buildings, and the service as it is (when editing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditorContext {
    pub community_id: i64,
    pub buildings: Vec<(i64, String)>,
    pub form: Option<ServiceForm>,
}

/// A resident the desk found for a walk-in: who they are and whether this session may serve them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeskPerson {
    pub member_id: i64,
    pub name: String,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub age: Option<i64>,
    /// The price for them, or why the service cannot serve them.
    pub price_fen: Result<i64, super::model::Ineligible>,
    /// Already booked (or waiting) for this session.
    pub booked: bool,
}

/// One session in the workers' calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarSession {
    pub service_id: i64,
    pub service_title: String,
    pub place: String,
    pub session: SessionView,
}

/// A week of a community's sessions, day by day (the workers' session calendar).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionCalendar {
    pub community_id: i64,
    /// The first day shown and the weeks before and after (`YYYY-MM-DD`).
    pub from: String,
    pub previous: String,
    pub next: String,
    /// Each of the seven days (`YYYY-MM-DD`, weekday 1 = Monday … 7) with its sessions by start.
    pub days: Vec<(String, i64, Vec<CalendarSession>)>,
}
