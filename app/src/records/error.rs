//! The errors of the records screens, localized in the browser.
use crate::kernel::error::{CommonError, Failure};
use crate::kernel::text::{TextField, TextProblem};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum RecordsError {
    #[error(transparent)]
    Common(CommonError),
    /// Redelivery of a record that is not (or no longer) a dead letter: a second press.
    #[error("this record is not waiting for redelivery")]
    NotDead,
    #[error("a key needs a name")]
    NameRequired,
    #[error("a key's name is at most {max} characters")]
    NameTooLong { max: usize },
    #[error("the key was already revoked")]
    AlreadyRevoked,
    /// Reconciliation: no receiver to ask, or it did not answer.
    #[error("the receiver could not be asked: {0}")]
    ReceiverUnreachable(String),
}

crate::kernel::error::capability_error!(RecordsError);

/// The key's name field.
#[derive(Debug, Clone, Copy)]
pub struct KeyName;

impl TextField for KeyName {
    type Error = RecordsError;
    fn refused(self, p: TextProblem) -> RecordsError {
        match p {
            TextProblem::Empty => RecordsError::NameRequired,
            TextProblem::TooLong { max } => RecordsError::NameTooLong { max },
        }
    }
}

impl Failure for RecordsError {
    fn common(&self) -> Option<&CommonError> {
        match self {
            RecordsError::Common(e) => Some(e),
            _ => None,
        }
    }

    fn status(&self) -> u16 {
        match self {
            RecordsError::Common(e) => e.status(),
            RecordsError::NotDead | RecordsError::AlreadyRevoked => 409,
            RecordsError::ReceiverUnreachable(_) => 502,
            _ => 400,
        }
    }

    fn message(&self, locale: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        let l = locale;
        match self {
            RecordsError::Common(e) => e.message(l),
            RecordsError::NotDead => td_string!(l, rec_err_not_dead).to_string(),
            RecordsError::NameRequired => td_string!(l, rec_err_name_required).to_string(),
            RecordsError::NameTooLong { max } => td_string!(l, rec_err_name_too_long, max = *max).to_string(),
            RecordsError::AlreadyRevoked => td_string!(l, rec_err_revoked).to_string(),
            RecordsError::ReceiverUnreachable(why) => td_string!(l, rec_err_receiver, why = why.clone()).to_string(),
        }
    }
}
