//! The errors of activities and the time bank, typed across the server-function boundary and
//! localized in the browser (`ActivityError::message`). A refusal about one person names them.
use super::model::ActivityProblem;
use crate::kernel::audience::Ineligible;
use crate::kernel::error::{CommonError, Failure};
use crate::kernel::text::{TextField, TextProblem};
use crate::timebank::model::Refusal;
use serde::{Deserialize, Serialize};

/// A text field of activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Title,
    Description,
    Place,
    RoleName,
    Skills,
    Availability,
    Report,
    Reason,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum ActivityError {
    #[error(transparent)]
    Common(CommonError),
    #[error("{0:?} is required")]
    Required(Field),
    #[error("{field:?} is longer than {max} characters")]
    TooLong { field: Field, max: usize },
    #[error("the activity does not fit: {0:?}")]
    Settings(ActivityProblem),
    /// Only approved volunteers (and workers) organise activities or take roles.
    #[error("not a volunteer of this community")]
    NotVolunteer,
    #[error("already applied or already a volunteer")]
    AlreadyApplied,
    /// The application, activity or hours are no longer in a state that allows this.
    #[error("not possible any more")]
    WrongState,
    #[error("choose who takes part, from your household")]
    NotYourHousehold,
    #[error("at most {max} people in one sign-up")]
    PartyTooLarge { max: i64 },
    #[error("{name} may not take part: {why:?}")]
    Ineligible { name: String, why: Ineligible },
    #[error("{name} is already signed up")]
    AlreadySignedUp { name: String },
    #[error("sign-up has not opened yet")]
    NotOpenYet { opens_at: i64 },
    #[error("sign-up is closed")]
    SignUpClosed,
    #[error("the activity was cancelled")]
    Cancelled,
    /// Every place of this volunteer role is taken.
    #[error("this role is full")]
    RoleFull,
    #[error("already in a role of this activity")]
    AlreadyInRole,
    #[error("no sign-up with this code in this activity")]
    UnknownCode,
    /// Checked out without being checked in, or out twice.
    #[error("not checked in")]
    NotCheckedIn,
    /// The person is waiting for a place, not signed up.
    #[error("waiting, not signed up")]
    NotHeld,
    #[error("participant places below the {taken} taken")]
    BelowTaken { taken: i64 },
    /// Hours cannot be verified without a check-out (or the worker's entry).
    #[error("no hours to verify")]
    NoHours,
    /// More hours than the activity lasted (or fewer than none).
    #[error("at most {max} half hours")]
    HoursOutOfRange { max: i64 },
    #[error("the time bank refused: {0:?}")]
    Ledger(Refusal),
    #[error("a reason is required")]
    ReasonRequired,
    /// A report's photo refused by the needs' photo pipeline (type, size, pixels, unreadable) or
    /// one too many (`NeedError::TooManyPhotos`).
    #[error(transparent)]
    Photo(crate::needs::error::NeedError),
}

crate::kernel::error::capability_error!(ActivityError);

impl From<crate::needs::error::NeedError> for ActivityError {
    fn from(e: crate::needs::error::NeedError) -> Self {
        ActivityError::Photo(e)
    }
}

impl TextField for Field {
    type Error = ActivityError;
    fn refused(self, p: TextProblem) -> ActivityError {
        match p {
            TextProblem::Empty => ActivityError::Required(self),
            TextProblem::TooLong { max } => ActivityError::TooLong { field: self, max },
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::kernel::capacity::CapacityError> for ActivityError {
    fn from(e: crate::kernel::capacity::CapacityError) -> Self {
        use crate::kernel::capacity::CapacityError as C;
        match e {
            C::BelowTaken { taken } => ActivityError::BelowTaken { taken },
            C::Closed => ActivityError::SignUpClosed,
            C::NotFound => ActivityError::Common(CommonError::NotFound),
            C::Ended => ActivityError::WrongState,
            C::Common(c) => ActivityError::Common(c),
        }
    }
}

impl Failure for ActivityError {
    fn common(&self) -> Option<&CommonError> {
        match self {
            ActivityError::Common(e) => Some(e),
            _ => None,
        }
    }

    fn status(&self) -> u16 {
        match self {
            ActivityError::Common(e) => e.status(),
            ActivityError::NotVolunteer | ActivityError::Ineligible { .. } => 403,
            ActivityError::UnknownCode => 404,
            ActivityError::AlreadyApplied
            | ActivityError::WrongState
            | ActivityError::AlreadySignedUp { .. }
            | ActivityError::NotOpenYet { .. }
            | ActivityError::SignUpClosed
            | ActivityError::Cancelled
            | ActivityError::RoleFull
            | ActivityError::AlreadyInRole
            | ActivityError::NotCheckedIn
            | ActivityError::NotHeld
            | ActivityError::BelowTaken { .. }
            | ActivityError::NoHours
            | ActivityError::Ledger(_) => 409,
            ActivityError::HoursOutOfRange { .. } => 400,
            ActivityError::Photo(e) => e.status(),
            _ => 400,
        }
    }

    fn message(&self, locale: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        use crate::time::ms_to_local;
        use crate::timebank::model::hours;
        let l = locale;
        match self {
            ActivityError::Common(e) => e.message(l),
            ActivityError::Required(f) => td_string!(l, need_err_required, field = field_name(*f, l)).to_string(),
            ActivityError::TooLong { field, max } => td_string!(l, need_err_too_long, field = field_name(*field, l), max = *max).to_string(),
            ActivityError::Settings(p) => match p {
                ActivityProblem::Times => td_string!(l, act_err_times).to_string(),
                ActivityProblem::Window => td_string!(l, act_err_window).to_string(),
                ActivityProblem::Capacity => td_string!(l, act_err_capacity).to_string(),
                ActivityProblem::Ages => td_string!(l, svc_err_ages).to_string(),
                ActivityProblem::Roles => td_string!(l, act_err_roles).to_string(),
            },
            ActivityError::NotVolunteer => td_string!(l, act_err_not_volunteer).to_string(),
            ActivityError::AlreadyApplied => td_string!(l, act_err_already_applied).to_string(),
            ActivityError::WrongState => td_string!(l, act_err_wrong_state).to_string(),
            ActivityError::NotYourHousehold => td_string!(l, act_err_household).to_string(),
            ActivityError::PartyTooLarge { max } => td_string!(l, act_err_party, max = *max).to_string(),
            ActivityError::Ineligible { name, why } => {
                let name = name.clone();
                match why {
                    Ineligible::NoBirthYear => td_string!(l, svc_err_no_birth_year, name = name).to_string(),
                    Ineligible::TooYoung { min } => td_string!(l, act_err_too_young, name = name, min = *min).to_string(),
                    Ineligible::TooOld { max } => td_string!(l, act_err_too_old, name = name, max = *max).to_string(),
                    Ineligible::Building => td_string!(l, act_err_building, name = name).to_string(),
                    Ineligible::NotConfirmed => td_string!(l, svc_err_not_confirmed, name = name).to_string(),
                }
            }
            ActivityError::AlreadySignedUp { name } => td_string!(l, act_err_already, name = name.clone()).to_string(),
            ActivityError::NotOpenYet { opens_at } => td_string!(l, act_err_not_open, at = ms_to_local(*opens_at).replace('T', " ")).to_string(),
            ActivityError::SignUpClosed => td_string!(l, act_err_closed).to_string(),
            ActivityError::Cancelled => td_string!(l, act_err_cancelled).to_string(),
            ActivityError::RoleFull => td_string!(l, act_err_role_full).to_string(),
            ActivityError::AlreadyInRole => td_string!(l, act_err_in_role).to_string(),
            ActivityError::UnknownCode => td_string!(l, act_err_unknown_code).to_string(),
            ActivityError::NotCheckedIn => td_string!(l, act_err_not_checked_in).to_string(),
            ActivityError::NotHeld => td_string!(l, act_err_not_held).to_string(),
            ActivityError::BelowTaken { taken } => td_string!(l, act_err_below_taken, taken = *taken).to_string(),
            ActivityError::NoHours => td_string!(l, act_err_no_hours).to_string(),
            ActivityError::HoursOutOfRange { max } => td_string!(l, act_err_hours_range, hours = hours(*max)).to_string(),
            ActivityError::Ledger(r) => match r {
                Refusal::Insufficient { balance } => td_string!(l, tb_err_insufficient, balance = hours(*balance)).to_string(),
                Refusal::YearlyCap { cap } => td_string!(l, tb_err_cap, cap = hours(*cap)).to_string(),
                Refusal::Amount => td_string!(l, tb_err_amount).to_string(),
                Refusal::NotInHousehold => td_string!(l, tb_err_household).to_string(),
                Refusal::Correction => td_string!(l, tb_err_correction).to_string(),
            },
            ActivityError::ReasonRequired => td_string!(l, delib_err_reason).to_string(),
            ActivityError::Photo(e) => e.message(l),
        }
    }
}

pub fn field_name(f: Field, l: crate::i18n::Locale) -> &'static str {
    use crate::i18n::td_string;
    match f {
        Field::Title => td_string!(l, act_field_title),
        Field::Description => td_string!(l, act_field_description),
        Field::Place => td_string!(l, act_field_place),
        Field::RoleName => td_string!(l, act_field_role),
        Field::Skills => td_string!(l, act_field_skills),
        Field::Availability => td_string!(l, act_field_availability),
        Field::Report => td_string!(l, act_field_report),
        Field::Reason => td_string!(l, need_field_reason),
    }
}
