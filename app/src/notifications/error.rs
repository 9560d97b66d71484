//! The notification centre refuses only in the shared ways; its own error type keeps the wire the
//! same as every capability's (`{"Common": "NotLoggedIn"}`, `{"Common": "TooLarge"}`).
use crate::i18n::Locale;
use crate::kernel::error::{CommonError, Failure, capability_error};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum NotificationError {
    #[error(transparent)]
    Common(CommonError),
}

capability_error!(NotificationError);

impl Failure for NotificationError {
    fn common(&self) -> Option<&CommonError> {
        let NotificationError::Common(e) = self;
        Some(e)
    }

    fn status(&self) -> u16 {
        let NotificationError::Common(e) = self;
        e.status()
    }

    fn message(&self, l: Locale) -> String {
        let NotificationError::Common(e) = self;
        e.message(l)
    }
}
