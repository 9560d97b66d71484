//! The errors of the needs capability, typed across the server-function boundary and localized
//! in the browser (`NeedError::message`).
use super::model::Field;
use crate::kernel::error::{CommonError, Failure};
use crate::kernel::text::{TextField, TextProblem};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum NeedError {
    /// Logging in, roles, verification: as the accounts capability says.
    #[error(transparent)]
    Common(CommonError),
    #[error("{0:?} is required")]
    Required(Field),
    #[error("{field:?} is longer than {max} characters")]
    TooLong { field: Field, max: usize },
    #[error("unknown category")]
    UnknownCategory,
    #[error("unknown building")]
    UnknownBuilding,
    #[error("at most {max} photos")]
    TooManyPhotos { max: usize },
    #[error("photo larger than {max_mb} MB")]
    PhotoTooLarge { max_mb: usize },
    #[error("not a JPEG, PNG or WebP photo")]
    PhotoWrongType,
    /// Declares more pixels than the budget (`photo::MAX_PIXELS`), in millions.
    #[error("photo has too many pixels")]
    PhotoTooManyPixels { max_mp: usize },
    #[error("the photo cannot be read")]
    PhotoUnreadable,
    #[error("this step is not yours to take")]
    NotAllowed,
    #[error("not possible while the need is {status}")]
    WrongStatus { status: String },
    #[error("this need cannot be supported now")]
    NotSupportable,
    #[error("a need cannot be merged into itself or into a need that is not open")]
    BadMergeTarget,
    #[error("invalid page cursor")]
    BadCursor,
    #[error("setting out of range")]
    BadSetting,
    #[error("at most {max} in {hours} hours")]
    TooMany { max: i64, hours: i64 },
}

crate::kernel::error::capability_error!(NeedError);

impl TextField for Field {
    type Error = NeedError;
    fn refused(self, p: TextProblem) -> NeedError {
        match p {
            TextProblem::Empty => NeedError::Required(self),
            TextProblem::TooLong { max } => NeedError::TooLong { field: self, max },
        }
    }
}

impl Failure for NeedError {
    fn common(&self) -> Option<&CommonError> {
        match self {
            NeedError::Common(e) => Some(e),
            _ => None,
        }
    }

    fn status(&self) -> u16 {
        match self {
            NeedError::Common(e) => e.status(),
            NeedError::NotAllowed => 403,
            NeedError::WrongStatus { .. } | NeedError::NotSupportable => 409,
            NeedError::PhotoTooLarge { .. } => 413,
            NeedError::TooMany { .. } => 429,
            NeedError::PhotoWrongType => 415,
            NeedError::PhotoTooManyPixels { .. } => 413,
            _ => 400,
        }
    }

    fn message(&self, locale: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        let l = locale;
        match self {
            NeedError::Common(e) => e.message(l),
            NeedError::Required(f) => td_string!(l, need_err_required, field = field_name(*f, l)).to_string(),
            NeedError::TooLong { field, max } => td_string!(l, need_err_too_long, field = field_name(*field, l), max = *max).to_string(),
            NeedError::UnknownCategory => td_string!(l, need_err_category).to_string(),
            NeedError::UnknownBuilding => td_string!(l, need_err_building).to_string(),
            NeedError::TooManyPhotos { max } => td_string!(l, need_err_too_many_photos, max = *max).to_string(),
            NeedError::PhotoTooLarge { max_mb } => td_string!(l, need_err_photo_too_large, max = *max_mb).to_string(),
            NeedError::PhotoWrongType => td_string!(l, need_err_photo_type).to_string(),
            NeedError::PhotoTooManyPixels { max_mp } => td_string!(l, need_err_photo_pixels, max = *max_mp).to_string(),
            NeedError::PhotoUnreadable => td_string!(l, need_err_photo_unreadable).to_string(),
            NeedError::NotAllowed => td_string!(l, err_forbidden).to_string(),
            NeedError::WrongStatus { status } => {
                let s = super::model::Status::parse(status).map(|s| status_name(s, l)).unwrap_or_default();
                td_string!(l, need_err_wrong_status, status = s).to_string()
            }
            NeedError::NotSupportable => td_string!(l, need_err_not_supportable).to_string(),
            NeedError::BadMergeTarget => td_string!(l, need_err_merge_target).to_string(),
            NeedError::BadCursor | NeedError::BadSetting => td_string!(l, err_invalid_input).to_string(),
            NeedError::TooMany { max, hours } => td_string!(l, need_err_too_many, max = *max, hours = *hours).to_string(),
        }
    }
}

/// The name of a field, in the reader's language.
pub fn field_name(f: Field, l: crate::i18n::Locale) -> &'static str {
    use crate::i18n::td_string;
    match f {
        Field::Title => td_string!(l, need_field_title),
        Field::Body => td_string!(l, need_field_body),
        Field::Place => td_string!(l, need_field_place),
        Field::Text => td_string!(l, need_field_text),
        Field::Comment => td_string!(l, need_field_comment),
        Field::Reason => td_string!(l, need_field_reason),
        Field::Search => td_string!(l, need_field_search),
    }
}

/// The name of a status, in the reader's language.
pub fn status_name(s: super::model::Status, l: crate::i18n::Locale) -> &'static str {
    use super::model::Status as S;
    use crate::i18n::td_string;
    match s {
        S::Submitted => td_string!(l, need_status_submitted),
        S::ChangesRequested => td_string!(l, need_status_changes_requested),
        S::Published => td_string!(l, need_status_published),
        S::UnderReview => td_string!(l, need_status_under_review),
        S::Accepted => td_string!(l, need_status_accepted),
        S::Planned => td_string!(l, need_status_planned),
        S::Done => td_string!(l, need_status_done),
        S::Rejected => td_string!(l, need_status_rejected),
        S::Merged => td_string!(l, need_status_merged),
        S::Hidden => td_string!(l, need_status_hidden),
    }
}
