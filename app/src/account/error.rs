//! The errors of the accounts capability, typed across the server-function boundary and localized
//! in the browser (`AccountError::message`).
use crate::kernel::error::{CommonError, Failure};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AccountError {
    /// Logging in, rights, missing records: as every capability says them.
    #[error(transparent)]
    Common(CommonError),
    #[error("invalid phone number")]
    InvalidPhone,
    #[error("a code is 6 digits")]
    InvalidCode,
    #[error("wrong code, {remaining} tries left")]
    CodeWrong { remaining: i64 },
    #[error("code expired")]
    CodeExpired,
    #[error("too many wrong codes")]
    CodeLocked,
    #[error("no code was sent to this number, or it was used")]
    NoCode,
    #[error("wait {wait_secs}s before asking for a new code")]
    Cooldown { wait_secs: i64 },
    #[error("too many codes requested")]
    TooManyCodes,
    #[error("too many attempts from this network")]
    TooManyAttempts,
    #[error("the SMS could not be sent")]
    SmsFailed,
    #[error("account disabled")]
    AccountDisabled,
    #[error("a reason is required (1–200 characters)")]
    ReasonRequired,
    #[error("the roster file cannot be read: {0:?}")]
    RosterFile(super::roster::RosterError),
    #[error("this household already has a member of that name")]
    DuplicateMember,
    #[error("this member is not awaiting confirmation")]
    NotPending,
}

crate::kernel::error::capability_error!(AccountError);

impl Failure for AccountError {
    fn status(&self) -> u16 {
        match self {
            AccountError::Common(e) => e.status(),
            AccountError::AccountDisabled => 403,
            AccountError::Cooldown { .. } | AccountError::TooManyCodes | AccountError::TooManyAttempts => 429,
            AccountError::SmsFailed => 502,
            _ => 400,
        }
    }

    fn message(&self, l: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        match self {
            AccountError::Common(e) => e.message(l),
            AccountError::InvalidPhone => td_string!(l, err_invalid_phone).to_string(),
            AccountError::InvalidCode => td_string!(l, err_invalid_code).to_string(),
            AccountError::CodeWrong { remaining } => td_string!(l, err_code_wrong, remaining = *remaining).to_string(),
            AccountError::CodeExpired => td_string!(l, err_code_expired).to_string(),
            AccountError::CodeLocked => td_string!(l, err_code_locked).to_string(),
            AccountError::NoCode => td_string!(l, err_no_code).to_string(),
            AccountError::Cooldown { wait_secs } => td_string!(l, err_cooldown, secs = *wait_secs).to_string(),
            AccountError::TooManyCodes => td_string!(l, err_too_many_codes).to_string(),
            AccountError::TooManyAttempts => td_string!(l, err_too_many_attempts).to_string(),
            AccountError::SmsFailed => td_string!(l, err_sms_failed).to_string(),
            AccountError::AccountDisabled => td_string!(l, err_account_disabled).to_string(),
            AccountError::ReasonRequired => td_string!(l, err_reason_required).to_string(),
            AccountError::RosterFile(e) => super::roster::describe(e, l),
            AccountError::DuplicateMember => td_string!(l, err_duplicate_member).to_string(),
            AccountError::NotPending => td_string!(l, err_not_pending).to_string(),
        }
    }

    fn common(&self) -> Option<&CommonError> {
        match self {
            AccountError::Common(e) => Some(e),
            _ => None,
        }
    }
}
