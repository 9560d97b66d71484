//! The errors of services, typed across the server-function boundary and localized in the browser
//! (`ServiceError::message`). A refusal about one person served names them.
use super::model::{Ineligible, LimitPassed, ScheduleProblem, SettingProblem};
use crate::kernel::error::{CommonError, Failure};
use crate::kernel::text::{TextField, TextProblem};
use serde::{Deserialize, Serialize};

/// A text field of services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Title,
    Provider,
    Place,
    Description,
    Reason,
    Search,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Common(CommonError),
    #[error("{0:?} is required")]
    Required(Field),
    #[error("{field:?} is longer than {max} characters")]
    TooLong { field: Field, max: usize },
    #[error("settings do not fit: {0:?}")]
    Settings(SettingProblem),
    #[error("schedule does not fit: {0:?}")]
    Schedule(ScheduleProblem),
    #[error("unknown building")]
    UnknownBuilding,
    /// Nobody chosen, or someone not of the booker's household.
    #[error("choose who the booking is for, from your household")]
    NotYourHousehold,
    #[error("at most {max} people in one booking")]
    PartyTooLarge { max: i64 },
    #[error("{name} may not be served: {why:?}")]
    Ineligible { name: String, why: Ineligible },
    #[error("{name} is already booked for this session")]
    AlreadyBooked { name: String },
    #[error("{name} has another booking at that time")]
    Overlap { name: String },
    #[error("{name} has reached a booking limit: {passed:?}")]
    Limit { name: String, passed: LimitPassed, penalised_until: Option<i64> },
    #[error("booking has not opened yet")]
    NotOpenYet { opens_at: i64 },
    #[error("booking is closed")]
    BookingClosed,
    #[error("the session was cancelled")]
    SessionCancelled,
    #[error("the session is full")]
    Full,
    #[error("too late to cancel in the app")]
    TooLateToCancel,
    #[error("the booking was already cancelled")]
    AlreadyCancelled,
    #[error("capacity below the {taken} places booked")]
    BelowBooked { taken: i64 },
    #[error("no booking with this code in this session")]
    UnknownCode,
    #[error("this booking is waiting, not booked")]
    NotHeld,
    #[error("the session has ended")]
    SessionEnded,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("this service does not take time-bank hours")]
    NoTimebank,
    #[error("the time bank refused: {0:?}")]
    Timebank(crate::timebank::model::Refusal),
}

crate::kernel::error::capability_error!(ServiceError);

impl TextField for Field {
    type Error = ServiceError;
    fn refused(self, p: TextProblem) -> ServiceError {
        match p {
            TextProblem::Empty => ServiceError::Required(self),
            TextProblem::TooLong { max } => ServiceError::TooLong { field: self, max },
        }
    }
}

impl Failure for ServiceError {
    fn common(&self) -> Option<&CommonError> {
        match self {
            ServiceError::Common(e) => Some(e),
            _ => None,
        }
    }

    fn status(&self) -> u16 {
        match self {
            ServiceError::Common(e) => e.status(),
            ServiceError::Ineligible { .. } => 403,
            ServiceError::AlreadyBooked { .. }
            | ServiceError::Overlap { .. }
            | ServiceError::Limit { .. }
            | ServiceError::NotOpenYet { .. }
            | ServiceError::BookingClosed
            | ServiceError::SessionCancelled
            | ServiceError::Full
            | ServiceError::TooLateToCancel
            | ServiceError::AlreadyCancelled
            | ServiceError::BelowBooked { .. }
            | ServiceError::NotHeld
            | ServiceError::SessionEnded => 409,
            ServiceError::UnknownCode => 404,
            ServiceError::Timebank(_) => 409,
            _ => 400,
        }
    }

    fn message(&self, locale: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        use crate::time::{date, ms_to_local};
        let l = locale;
        match self {
            ServiceError::Common(e) => e.message(l),
            ServiceError::Required(f) => td_string!(l, need_err_required, field = field_name(*f, l)).to_string(),
            ServiceError::TooLong { field, max } => td_string!(l, need_err_too_long, field = field_name(*field, l), max = *max).to_string(),
            ServiceError::Settings(p) => match p {
                SettingProblem::Ages => td_string!(l, svc_err_ages).to_string(),
                SettingProblem::Prices => td_string!(l, svc_err_prices).to_string(),
                SettingProblem::Party => td_string!(l, svc_err_party_setting).to_string(),
                SettingProblem::Limits => td_string!(l, svc_err_limits_setting).to_string(),
                SettingProblem::Deadline => td_string!(l, svc_err_deadline_setting).to_string(),
            },
            ServiceError::Schedule(p) => match p {
                ScheduleProblem::Times => td_string!(l, svc_err_times).to_string(),
                ScheduleProblem::Days => td_string!(l, svc_err_days).to_string(),
                ScheduleProblem::Range => td_string!(l, svc_err_range).to_string(),
                ScheduleProblem::Capacity => td_string!(l, svc_err_capacity).to_string(),
                ScheduleProblem::Window => td_string!(l, svc_err_window).to_string(),
            },
            ServiceError::UnknownBuilding => td_string!(l, need_err_building).to_string(),
            ServiceError::NotYourHousehold => td_string!(l, svc_err_household).to_string(),
            ServiceError::PartyTooLarge { max } => td_string!(l, svc_err_party, max = *max).to_string(),
            ServiceError::Ineligible { name, why } => {
                let name = name.clone();
                match why {
                    Ineligible::NoBirthYear => td_string!(l, svc_err_no_birth_year, name = name).to_string(),
                    Ineligible::TooYoung { min } => td_string!(l, svc_err_too_young, name = name, min = *min).to_string(),
                    Ineligible::TooOld { max } => td_string!(l, svc_err_too_old, name = name, max = *max).to_string(),
                    Ineligible::Building => td_string!(l, svc_err_building, name = name).to_string(),
                    Ineligible::NotConfirmed => td_string!(l, svc_err_not_confirmed, name = name).to_string(),
                }
            }
            ServiceError::AlreadyBooked { name } => td_string!(l, svc_err_already, name = name.clone()).to_string(),
            ServiceError::Overlap { name } => td_string!(l, svc_err_overlap, name = name.clone()).to_string(),
            ServiceError::Limit { name, passed, penalised_until } => {
                let name = name.clone();
                let base = match passed {
                    LimitPassed::Day { max } => td_string!(l, svc_err_per_day, name = name, max = *max).to_string(),
                    LimitPassed::Week { max } => td_string!(l, svc_err_per_week, name = name, max = *max).to_string(),
                };
                match penalised_until {
                    Some(until) => format!("{base} {}", td_string!(l, svc_err_penalised, until = date(*until))),
                    None => base,
                }
            }
            ServiceError::NotOpenYet { opens_at } => td_string!(l, svc_err_not_open, at = ms_to_local(*opens_at).replace('T', " ")).to_string(),
            ServiceError::BookingClosed => td_string!(l, svc_err_closed).to_string(),
            ServiceError::SessionCancelled => td_string!(l, svc_err_session_cancelled).to_string(),
            ServiceError::Full => td_string!(l, svc_err_full).to_string(),
            ServiceError::TooLateToCancel => td_string!(l, svc_err_too_late).to_string(),
            ServiceError::AlreadyCancelled => td_string!(l, svc_err_already_cancelled).to_string(),
            ServiceError::BelowBooked { taken } => td_string!(l, svc_err_below_booked, taken = *taken).to_string(),
            ServiceError::UnknownCode => td_string!(l, svc_err_unknown_code).to_string(),
            ServiceError::NotHeld => td_string!(l, svc_err_not_held).to_string(),
            ServiceError::SessionEnded => td_string!(l, svc_err_ended).to_string(),
            ServiceError::ReasonRequired => td_string!(l, delib_err_reason).to_string(),
            ServiceError::NoTimebank => td_string!(l, svc_err_no_timebank).to_string(),
            ServiceError::Timebank(r) => {
                use crate::timebank::model::{Refusal, hours};
                match r {
                    Refusal::Insufficient { balance } => td_string!(l, tb_err_insufficient, balance = hours(*balance)).to_string(),
                    Refusal::YearlyCap { cap } => td_string!(l, tb_err_cap, cap = hours(*cap)).to_string(),
                    Refusal::Amount => td_string!(l, tb_err_amount).to_string(),
                    Refusal::NotInHousehold => td_string!(l, tb_err_household).to_string(),
                    Refusal::Correction => td_string!(l, tb_err_correction).to_string(),
                }
            }
        }
    }
}

pub fn field_name(f: Field, l: crate::i18n::Locale) -> &'static str {
    use crate::i18n::td_string;
    match f {
        Field::Title => td_string!(l, svc_field_title),
        Field::Provider => td_string!(l, svc_field_provider),
        Field::Place => td_string!(l, svc_field_place),
        Field::Description => td_string!(l, svc_field_description),
        Field::Reason => td_string!(l, need_field_reason),
        Field::Search => td_string!(l, svc_field_search),
    }
}
