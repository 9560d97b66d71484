//! The errors of the accounts capability, typed across the server-function boundary and localized
//! in the browser (`AccountError::message`).
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AccountError {
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
    #[error("not logged in")]
    NotLoggedIn,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("a reason is required (1–200 characters)")]
    ReasonRequired,
    #[error("the roster file cannot be read: {0:?}")]
    RosterFile(super::roster::RosterError),
    #[error("only verified residents can do this")]
    NotVerified,
    #[error("this household already has a member of that name")]
    DuplicateMember,
    #[error("this member is not awaiting confirmation")]
    NotPending,
    #[error("invalid input")]
    InvalidInput,
    #[error("internal error")]
    Internal,
    #[error("request failed: {0}")]
    ServerFn(ServerFnErrorErr),
}

impl FromServerFnError for AccountError {
    type Encoder = JsonEncoding;
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AccountError::ServerFn(value)
    }
}

impl AccountError {
    /// The HTTP status that goes with the error.
    pub fn status(&self) -> u16 {
        match self {
            AccountError::NotLoggedIn => 401,
            AccountError::Forbidden | AccountError::AccountDisabled | AccountError::NotVerified => 403,
            AccountError::NotFound => 404,
            AccountError::Cooldown { .. } | AccountError::TooManyCodes | AccountError::TooManyAttempts => 429,
            AccountError::SmsFailed => 502,
            AccountError::Internal | AccountError::ServerFn(_) => 500,
            _ => 400,
        }
    }

    /// The message for the user, in their language.
    pub fn message(&self, locale: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        let l = locale;
        match self {
            AccountError::InvalidPhone => td_string!(l, err_invalid_phone).to_string(),
            AccountError::InvalidCode => td_string!(l, err_invalid_code).to_string(),
            AccountError::CodeWrong { remaining } => {
                td_string!(l, err_code_wrong, remaining = *remaining).to_string()
            }
            AccountError::CodeExpired => td_string!(l, err_code_expired).to_string(),
            AccountError::CodeLocked => td_string!(l, err_code_locked).to_string(),
            AccountError::NoCode => td_string!(l, err_no_code).to_string(),
            AccountError::Cooldown { wait_secs } => td_string!(l, err_cooldown, secs = *wait_secs).to_string(),
            AccountError::TooManyCodes => td_string!(l, err_too_many_codes).to_string(),
            AccountError::TooManyAttempts => td_string!(l, err_too_many_attempts).to_string(),
            AccountError::SmsFailed => td_string!(l, err_sms_failed).to_string(),
            AccountError::AccountDisabled => td_string!(l, err_account_disabled).to_string(),
            AccountError::NotLoggedIn => td_string!(l, err_not_logged_in).to_string(),
            AccountError::Forbidden => td_string!(l, err_forbidden).to_string(),
            AccountError::NotFound => td_string!(l, err_not_found).to_string(),
            AccountError::ReasonRequired => td_string!(l, err_reason_required).to_string(),
            AccountError::RosterFile(e) => super::roster::describe(e, l),
            AccountError::NotVerified => td_string!(l, err_not_verified).to_string(),
            AccountError::DuplicateMember => td_string!(l, err_duplicate_member).to_string(),
            AccountError::NotPending => td_string!(l, err_not_pending).to_string(),
            AccountError::InvalidInput => td_string!(l, err_invalid_input).to_string(),
            AccountError::Internal | AccountError::ServerFn(_) => td_string!(l, err_internal).to_string(),
        }
    }
}

/// The conversions of a capability's error type `$t`, which wraps `AccountError` in its
/// `Account` variant: logging in, roles, the database and the transport fail the same way
/// everywhere.
macro_rules! wraps_account_error {
    ($t:ident) => {
        impl From<$crate::account::error::AccountError> for $t {
            fn from(e: $crate::account::error::AccountError) -> Self {
                $t::Account(e)
            }
        }

        #[cfg(feature = "ssr")]
        impl From<sqlx::Error> for $t {
            fn from(e: sqlx::Error) -> Self {
                $t::Account(e.into())
            }
        }

        #[cfg(feature = "ssr")]
        impl From<$crate::infra::events::EventError> for $t {
            fn from(e: $crate::infra::events::EventError) -> Self {
                $t::Account(e.into())
            }
        }

        impl leptos::server_fn::error::FromServerFnError for $t {
            type Encoder = leptos::server_fn::codec::JsonEncoding;
            fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
                $t::Account($crate::account::error::AccountError::ServerFn(value))
            }
        }
    };
}
pub(crate) use wraps_account_error;
