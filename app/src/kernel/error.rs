//! The error plumbing every capability shares: the refusals common to all of them
//! (`CommonError`), what a capability's error must say (`Failure`: its HTTP status, its message in
//! the reader's language), and the conversions that make `?` work on the database, the event log
//! and the server-function transport (`capability_error!`).
//!
//! Each capability keeps its own error enum for its own cases, with a `Common(CommonError)`
//! variant for the rest; pages show any of them with `ui::widgets::ErrorView`.
use crate::i18n::Locale;
use leptos::server_fn::error::ServerFnErrorErr;
use serde::{Deserialize, Serialize};

/// The refusals every capability shares: logging in, rights, missing records, bad input, and
/// failures of the server or the transport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum CommonError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("only verified residents can do this")]
    NotVerified,
    #[error("invalid input")]
    InvalidInput,
    /// The request's body was over the server's limit.
    #[error("request too large")]
    TooLarge,
    /// The server is overloaded: no database connection or lock came in time. Nothing was
    /// written (the transaction never started or was rolled back); trying again later works.
    #[error("server busy")]
    Busy,
    #[error("internal error")]
    Internal,
    #[error("request failed: {0}")]
    ServerFn(ServerFnErrorErr),
}

impl CommonError {
    pub fn status(&self) -> u16 {
        match self {
            CommonError::NotLoggedIn => 401,
            CommonError::Forbidden | CommonError::NotVerified => 403,
            CommonError::NotFound => 404,
            CommonError::InvalidInput => 400,
            CommonError::TooLarge => 413,
            CommonError::Busy => 503,
            CommonError::Internal | CommonError::ServerFn(_) => 500,
        }
    }

    pub fn message(&self, l: Locale) -> String {
        use crate::i18n::td_string;
        match self {
            CommonError::NotLoggedIn => td_string!(l, err_not_logged_in).to_string(),
            CommonError::Forbidden => td_string!(l, err_forbidden).to_string(),
            CommonError::NotFound => td_string!(l, err_not_found).to_string(),
            CommonError::NotVerified => td_string!(l, err_not_verified).to_string(),
            CommonError::InvalidInput => td_string!(l, err_invalid_input).to_string(),
            CommonError::TooLarge => td_string!(l, err_too_large).to_string(),
            CommonError::Busy => td_string!(l, err_busy).to_string(),
            // The browser could not reach the server (offline, a dropped connection).
            CommonError::ServerFn(ServerFnErrorErr::Request(_)) => td_string!(l, err_network).to_string(),
            CommonError::Internal | CommonError::ServerFn(_) => td_string!(l, err_internal).to_string(),
        }
    }
}

/// What every capability's error says about itself.
pub trait Failure {
    /// The HTTP status that goes with the error.
    fn status(&self) -> u16;
    /// The message for the user, in their language.
    fn message(&self, l: Locale) -> String;
    /// The shared refusal inside, if it is one.
    fn common(&self) -> Option<&CommonError>;
    /// Not being logged in: a page shows the way to log in, and keeps its 200.
    fn not_logged_in(&self) -> bool {
        matches!(self.common(), Some(CommonError::NotLoggedIn))
    }
    /// A failure that may pass if one asks again: the server was not reached, or was overloaded.
    fn may_pass(&self) -> bool {
        matches!(self.common(), Some(CommonError::Busy | CommonError::ServerFn(ServerFnErrorErr::Request(_))))
    }
}

impl Failure for CommonError {
    fn status(&self) -> u16 {
        CommonError::status(self)
    }
    fn message(&self, l: Locale) -> String {
        CommonError::message(self, l)
    }
    fn common(&self) -> Option<&CommonError> {
        Some(self)
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for CommonError {
    fn from(e: sqlx::Error) -> Self {
        // Overload, not a fault: every pool connection stayed busy for the pool's acquire timeout,
        // or SQLite's write lock for its busy_timeout (SQLITE_BUSY, code 5).
        let busy = match &e {
            sqlx::Error::PoolTimedOut => true,
            sqlx::Error::Database(d) => d.code().is_some_and(|c| c == "5") || d.message().contains("database is locked"),
            _ => false,
        };
        if busy {
            tracing::warn!(error = %e, "database busy");
            CommonError::Busy
        } else {
            tracing::error!(error = %e, "database error");
            CommonError::Internal
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::infra::events::EventError> for CommonError {
    fn from(e: crate::infra::events::EventError) -> Self {
        tracing::error!(error = %e, "event error");
        CommonError::Internal
    }
}

impl CommonError {
    /// A failure of the server-function transport. On the server these are requests that could not
    /// be read — a missing, extra or mistyped field, a number out of range, invalid UTF-8, JSON
    /// where a form was expected (`Args`, `MissingArg`), or a body that could not be read
    /// (`Deserialization`: over the size limit without a `Content-Length`, or cut off): the
    /// client's fault, so a 400 (or 413) with the shared localized refusal, logged at INFO, never a
    /// 500. In the browser they stay what they are (network down, an unreadable answer).
    pub fn transport(value: ServerFnErrorErr) -> CommonError {
        #[cfg(feature = "ssr")]
        {
            let refused = match &value {
                ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => Some(CommonError::InvalidInput),
                // http-body's `Limited` says so when the body limit cut a chunked body off.
                ServerFnErrorErr::Deserialization(m) if m.contains("length limit exceeded") => Some(CommonError::TooLarge),
                ServerFnErrorErr::Deserialization(_) => Some(CommonError::InvalidInput),
                _ => None,
            };
            if let Some(e) = refused {
                tracing::info!(error = %value, "server function request refused");
                crate::kernel::guard::set_status(e.status(), false);
                return e;
            }
        }
        CommonError::ServerFn(value)
    }
}

impl leptos::server_fn::error::FromServerFnError for CommonError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        CommonError::transport(value)
    }
}

/// The conversions of a capability's error type `$t`, which carries the shared refusals in its
/// `Common` variant: logging in, rights, the database and the transport fail the same way
/// everywhere. The capability implements `Failure` for its own cases.
macro_rules! capability_error {
    ($t:ident) => {
        impl From<$crate::kernel::error::CommonError> for $t {
            fn from(e: $crate::kernel::error::CommonError) -> Self {
                $t::Common(e)
            }
        }

        #[cfg(feature = "ssr")]
        impl From<sqlx::Error> for $t {
            fn from(e: sqlx::Error) -> Self {
                $t::Common(e.into())
            }
        }

        #[cfg(feature = "ssr")]
        impl From<$crate::infra::events::EventError> for $t {
            fn from(e: $crate::infra::events::EventError) -> Self {
                $t::Common(e.into())
            }
        }

        impl leptos::server_fn::error::FromServerFnError for $t {
            type Encoder = leptos::server_fn::codec::JsonEncoding;
            fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
                $t::Common($crate::kernel::error::CommonError::transport(value))
            }
        }
    };
}
pub(crate) use capability_error;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_of_the_shared_refusals() {
        assert_eq!(CommonError::NotLoggedIn.status(), 401);
        assert_eq!(CommonError::NotVerified.status(), 403);
        assert_eq!(CommonError::NotFound.status(), 404);
        assert_eq!(CommonError::InvalidInput.status(), 400);
        assert!(CommonError::NotLoggedIn.not_logged_in());
        assert!(!CommonError::Forbidden.not_logged_in());
    }

    /// Overload is told as such (503, "try again"), not as a fault.
    #[cfg(feature = "ssr")]
    #[test]
    fn a_database_that_is_too_busy_is_a_503_that_says_try_again() {
        let e = CommonError::from(sqlx::Error::PoolTimedOut);
        assert_eq!((&e, e.status()), (&CommonError::Busy, 503));
        let (zh, en) = (e.message(Locale::zh_CN), e.message(Locale::en));
        assert!(zh.contains("再试") && en.contains("try again") && zh != CommonError::Internal.message(Locale::zh_CN), "{zh} / {en}");
        assert_eq!(CommonError::from(sqlx::Error::RowNotFound), CommonError::Internal);
    }

    #[test]
    fn a_network_failure_says_so() {
        use crate::i18n::Locale;
        let offline = CommonError::ServerFn(ServerFnErrorErr::Request("Failed to fetch".into()));
        assert_eq!(offline.message(Locale::zh_CN), "网络连接失败，请检查手机网络后再试一次。");
        assert!(offline.message(Locale::en).starts_with("Could not reach the server"));
        let unreadable = CommonError::ServerFn(ServerFnErrorErr::Deserialization("x".into()));
        assert_eq!(unreadable.message(Locale::zh_CN), CommonError::Internal.message(Locale::zh_CN));
    }
}
