//! The errors of deliberation, typed across the server-function boundary and localized in the
//! browser (`DelibError::message`).
use super::model::SettingProblem;
use crate::kernel::error::{CommonError, Failure};
use crate::kernel::text::{TextField, TextProblem};
use serde::{Deserialize, Serialize};

/// A text field of a deliberation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Title,
    Background,
    Option,
    Comment,
    Reason,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum DelibError {
    #[error(transparent)]
    Common(CommonError),
    #[error("{0:?} is required")]
    Required(Field),
    #[error("{field:?} is longer than {max} characters")]
    TooLong { field: Field, max: usize },
    #[error("settings do not fit: {0:?}")]
    Settings(SettingProblem),
    #[error("unknown building")]
    UnknownBuilding,
    #[error("unknown need")]
    UnknownNeed,
    #[error("the discussion is closed")]
    DiscussionClosed,
    #[error("voting has not opened yet")]
    NotOpenYet,
    #[error("voting is closed")]
    VotingClosed,
    #[error("you have no vote in this deliberation")]
    NotEligible,
    #[error("this ballot is not valid for this deliberation")]
    InvalidVote,
    #[error("this vote was already cast on paper")]
    VotedOnPaper,
    #[error("this vote was already cast in the app")]
    VotedOnline,
    #[error("there is no paper ballot to correct")]
    NoPaperBallot,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("already reported")]
    AlreadyReported,
}

crate::kernel::error::capability_error!(DelibError);

impl TextField for Field {
    type Error = DelibError;
    fn refused(self, p: TextProblem) -> DelibError {
        match p {
            TextProblem::Empty => DelibError::Required(self),
            TextProblem::TooLong { max } => DelibError::TooLong { field: self, max },
        }
    }
}

impl Failure for DelibError {
    fn common(&self) -> Option<&CommonError> {
        match self {
            DelibError::Common(e) => Some(e),
            _ => None,
        }
    }

    fn status(&self) -> u16 {
        match self {
            DelibError::Common(e) => e.status(),
            DelibError::NotEligible => 403,
            DelibError::DiscussionClosed
            | DelibError::NotOpenYet
            | DelibError::VotingClosed
            | DelibError::VotedOnPaper
            | DelibError::VotedOnline
            | DelibError::NoPaperBallot
            | DelibError::AlreadyReported => 409,
            _ => 400,
        }
    }

    fn message(&self, locale: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        let l = locale;
        match self {
            DelibError::Common(e) => e.message(l),
            DelibError::Required(f) => td_string!(l, need_err_required, field = field_name(*f, l)).to_string(),
            DelibError::TooLong { field, max } => td_string!(l, need_err_too_long, field = field_name(*field, l), max = *max).to_string(),
            DelibError::Settings(p) => match p {
                SettingProblem::Options => td_string!(l, delib_err_options).to_string(),
                SettingProblem::Buildings => td_string!(l, delib_err_buildings).to_string(),
                SettingProblem::UnitMismatch => td_string!(l, delib_err_unit).to_string(),
                SettingProblem::RuleNeedsOwners => td_string!(l, delib_err_rule).to_string(),
                SettingProblem::Quorum => td_string!(l, delib_err_quorum).to_string(),
                SettingProblem::Window => td_string!(l, delib_err_window).to_string(),
            },
            DelibError::UnknownBuilding => td_string!(l, need_err_building).to_string(),
            DelibError::UnknownNeed => td_string!(l, delib_err_need).to_string(),
            DelibError::DiscussionClosed => td_string!(l, delib_err_discussion_closed).to_string(),
            DelibError::NotOpenYet => td_string!(l, delib_err_not_open).to_string(),
            DelibError::VotingClosed => td_string!(l, delib_err_closed).to_string(),
            DelibError::NotEligible => td_string!(l, delib_err_not_eligible).to_string(),
            DelibError::InvalidVote => td_string!(l, delib_err_invalid_vote).to_string(),
            DelibError::VotedOnPaper => td_string!(l, delib_err_voted_paper).to_string(),
            DelibError::VotedOnline => td_string!(l, delib_err_voted_online).to_string(),
            DelibError::NoPaperBallot => td_string!(l, delib_err_no_paper).to_string(),
            DelibError::ReasonRequired => td_string!(l, delib_err_reason).to_string(),
            DelibError::AlreadyReported => td_string!(l, delib_err_reported).to_string(),
        }
    }
}

pub fn field_name(f: Field, l: crate::i18n::Locale) -> &'static str {
    use crate::i18n::td_string;
    match f {
        Field::Title => td_string!(l, need_field_title),
        Field::Background => td_string!(l, delib_field_background),
        Field::Option => td_string!(l, delib_field_option),
        Field::Comment => td_string!(l, need_field_comment),
        Field::Reason => td_string!(l, need_field_reason),
    }
}
