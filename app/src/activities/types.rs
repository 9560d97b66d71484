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
