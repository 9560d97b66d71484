//! The errors of projects, typed across the server-function boundary and localized.
use super::model::PlanProblem;
use crate::kernel::error::{CommonError, Failure};
use crate::kernel::text::{TextField, TextProblem};
use serde::{Deserialize, Serialize};

/// A text field of projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Title,
    Description,
    Funding,
    Contractor,
    Milestone,
    Update,
    Aspect,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum ProjectError {
    #[error(transparent)]
    Common(CommonError),
    #[error("{0:?} is required")]
    Required(Field),
    #[error("{field:?} is longer than {max} characters")]
    TooLong { field: Field, max: usize },
    #[error("the plan does not fit: {0:?}")]
    Plan(PlanProblem),
    #[error("no such category")]
    Category,
    /// A linked need is part of another project already.
    #[error("need {need} belongs to another project")]
    NeedTaken { need: i64 },
    /// A linked need cannot be planned from where it stands (submitted, rejected, …).
    #[error("need {need} cannot be planned")]
    NeedStatus { need: i64 },
    /// Not from the project's status.
    #[error("not possible while the project is {status}")]
    WrongStatus { status: String },
    /// A rating round's window: opens now, closes within 90 days.
    #[error("the rating round's window does not fit")]
    Window,
    #[error("the milestone does not exist")]
    NoMilestone,
    /// A photo refused by the needs' photo pipeline (type, size, pixels, unreadable) or too many.
    #[error(transparent)]
    Photo(crate::needs::error::NeedError),
}

impl From<crate::needs::error::NeedError> for ProjectError {
    fn from(e: crate::needs::error::NeedError) -> Self {
        ProjectError::Photo(e)
    }
}

crate::kernel::error::capability_error!(ProjectError);

impl TextField for Field {
    type Error = ProjectError;
    fn refused(self, p: TextProblem) -> ProjectError {
        match p {
            TextProblem::Empty => ProjectError::Required(self),
            TextProblem::TooLong { max } => ProjectError::TooLong { field: self, max },
        }
    }
}

impl Failure for ProjectError {
    fn common(&self) -> Option<&CommonError> {
        match self {
            ProjectError::Common(e) => Some(e),
            _ => None,
        }
    }

    fn status(&self) -> u16 {
        match self {
            ProjectError::Common(e) => e.status(),
            ProjectError::NeedTaken { .. } | ProjectError::NeedStatus { .. } | ProjectError::WrongStatus { .. } => 409,
            ProjectError::NoMilestone => 404,
            ProjectError::Photo(e) => e.status(),
            _ => 400,
        }
    }

    fn message(&self, locale: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        let l = locale;
        match self {
            ProjectError::Common(e) => e.message(l),
            ProjectError::Required(f) => td_string!(l, need_err_required, field = field_name(*f, l)).to_string(),
            ProjectError::TooLong { field, max } => td_string!(l, need_err_too_long, field = field_name(*field, l), max = *max).to_string(),
            ProjectError::Plan(p) => match p {
                PlanProblem::Budget => td_string!(l, pj_err_budget).to_string(),
                PlanProblem::Milestones => td_string!(l, pj_err_milestones, max = super::model::MAX_MILESTONES).to_string(),
                PlanProblem::Weight { milestone } => td_string!(l, pj_err_weight, n = *milestone + 1).to_string(),
                PlanProblem::Rule => td_string!(l, pj_err_rule).to_string(),
            },
            ProjectError::Category => td_string!(l, pj_err_category).to_string(),
            ProjectError::NeedTaken { need } => td_string!(l, pj_err_need_taken, id = *need).to_string(),
            ProjectError::NeedStatus { need } => td_string!(l, pj_err_need_status, id = *need).to_string(),
            ProjectError::WrongStatus { status } => {
                let s = super::model::Status::parse(status).map(|s| super::model::status_name(s, l)).unwrap_or_default();
                td_string!(l, pj_err_wrong_status, status = s).to_string()
            }
            ProjectError::Window => td_string!(l, pj_err_window).to_string(),
            ProjectError::NoMilestone => td_string!(l, pj_err_no_milestone).to_string(),
            ProjectError::Photo(e) => e.message(l),
        }
    }
}

pub fn field_name(f: Field, l: crate::i18n::Locale) -> &'static str {
    use crate::i18n::td_string;
    match f {
        Field::Title => td_string!(l, pj_field_title),
        Field::Description => td_string!(l, pj_field_description),
        Field::Funding => td_string!(l, pj_field_funding),
        Field::Contractor => td_string!(l, pj_field_contractor),
        Field::Milestone => td_string!(l, pj_field_milestone),
        Field::Update => td_string!(l, pj_field_update),
        Field::Aspect => td_string!(l, pj_field_aspect),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn every_refusal_says_what_happened_in_both_languages() {
        let all = [
            ProjectError::Plan(PlanProblem::Weight { milestone: 1 }),
            ProjectError::Plan(PlanProblem::Budget),
            ProjectError::NeedTaken { need: 7 },
            ProjectError::NeedStatus { need: 7 },
            ProjectError::WrongStatus { status: "rating".into() },
            ProjectError::Window,
            ProjectError::Category,
            ProjectError::Required(Field::Milestone),
        ];
        for e in all {
            let (zh, en) = (e.message(Locale::zh_CN), e.message(Locale::en));
            assert!(!zh.is_empty() && !en.is_empty() && zh != en, "{e:?}: {zh} / {en}");
        }
        assert!(ProjectError::Plan(PlanProblem::Weight { milestone: 1 }).message(Locale::zh_CN).contains('2'), "milestones counted from 1");
        assert!(ProjectError::WrongStatus { status: "rating".into() }.message(Locale::zh_CN).contains("评价中"));
    }
}
