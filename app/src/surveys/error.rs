//! The errors of surveys, typed across the server-function boundary and localized.
use super::model::{AnswerProblem, SurveyProblem};
use crate::kernel::error::{CommonError, Failure};
use crate::kernel::text::{TextField, TextProblem};
use serde::{Deserialize, Serialize};

/// A text field of surveys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Title,
    Intro,
    Prompt,
    Option,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum SurveyError {
    #[error(transparent)]
    Common(CommonError),
    #[error("{0:?} is required")]
    Required(Field),
    #[error("{field:?} is longer than {max} characters")]
    TooLong { field: Field, max: usize },
    #[error("the survey does not fit: {0:?}")]
    Settings(SurveyProblem),
    #[error("the answers do not fit: {0:?}")]
    Answers(AnswerProblem),
    #[error("choose at least one building")]
    Buildings,
    #[error("the survey has not opened yet")]
    NotOpenYet,
    #[error("the survey is closed")]
    Closed,
    /// The asker (or the unit keyed) is not in the frozen electorate.
    #[error("not among those asked")]
    NotEligible,
    #[error("answered on paper")]
    AnsweredOnPaper,
    #[error("answered in the app")]
    AnsweredOnline,
    /// A paper form keyed already (twice, with double entry).
    #[error("this form was keyed already")]
    AlreadyKeyed,
    #[error("a second worker keys the form")]
    SameWorker,
    #[error("nothing to resolve for this form")]
    NotInDispute,
    /// Keyings that differ wait for a third worker; the survey cannot close before.
    #[error("{count} paper forms wait to be resolved")]
    Disputes { count: usize },
    /// A need is raised for a text answer's respondent: an anonymous survey knows none, and a
    /// named one may have nobody with an account (a household without a phone).
    #[error("no respondent to raise a need for")]
    NoRespondent { anonymous: bool },
    /// The need raised from a text answer was refused (its title, its category, …).
    #[error(transparent)]
    Need(crate::needs::error::NeedError),
}

crate::kernel::error::capability_error!(SurveyError);

impl From<crate::needs::error::NeedError> for SurveyError {
    fn from(e: crate::needs::error::NeedError) -> Self {
        match e {
            crate::needs::error::NeedError::Common(c) => SurveyError::Common(c),
            e => SurveyError::Need(e),
        }
    }
}

impl TextField for Field {
    type Error = SurveyError;
    fn refused(self, p: TextProblem) -> SurveyError {
        match p {
            TextProblem::Empty => SurveyError::Required(self),
            TextProblem::TooLong { max } => SurveyError::TooLong { field: self, max },
        }
    }
}

impl Failure for SurveyError {
    fn common(&self) -> Option<&CommonError> {
        match self {
            SurveyError::Common(e) => Some(e),
            _ => None,
        }
    }

    fn status(&self) -> u16 {
        match self {
            SurveyError::Common(e) => e.status(),
            SurveyError::NotEligible => 403,
            SurveyError::NotOpenYet
            | SurveyError::Closed
            | SurveyError::AnsweredOnPaper
            | SurveyError::AnsweredOnline
            | SurveyError::AlreadyKeyed
            | SurveyError::SameWorker
            | SurveyError::NotInDispute
            | SurveyError::Disputes { .. }
            | SurveyError::NoRespondent { .. } => 409,
            SurveyError::Need(e) => e.status(),
            _ => 400,
        }
    }

    fn message(&self, locale: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        let l = locale;
        // Questions are numbered from 1 for people.
        let n = |q: &usize| *q + 1;
        match self {
            SurveyError::Common(e) => e.message(l),
            SurveyError::Required(f) => td_string!(l, need_err_required, field = field_name(*f, l)).to_string(),
            SurveyError::TooLong { field, max } => td_string!(l, need_err_too_long, field = field_name(*field, l), max = *max).to_string(),
            SurveyError::Settings(p) => match p {
                SurveyProblem::Questions => td_string!(l, sv_err_questions).to_string(),
                SurveyProblem::Options { question } => td_string!(l, sv_err_options, n = n(question)).to_string(),
                SurveyProblem::NoOptions { question } => td_string!(l, sv_err_no_options, n = n(question)).to_string(),
                SurveyProblem::Window => td_string!(l, sv_err_window).to_string(),
                SurveyProblem::Rule => td_string!(l, sv_err_rule).to_string(),
                SurveyProblem::Overall => td_string!(l, sv_err_overall).to_string(),
                SurveyProblem::Unit => td_string!(l, sv_err_unit).to_string(),
            },
            SurveyError::Answers(p) => match p {
                AnswerProblem::Count => td_string!(l, sv_err_count).to_string(),
                AnswerProblem::Required { question } => td_string!(l, sv_err_required, n = n(question)).to_string(),
                AnswerProblem::Invalid { question } => td_string!(l, sv_err_invalid, n = n(question)).to_string(),
                AnswerProblem::TooMany { question, max } => td_string!(l, sv_err_too_many, n = n(question), max = *max).to_string(),
                AnswerProblem::TooLong { question, max } => td_string!(l, sv_err_text_long, n = n(question), max = *max).to_string(),
            },
            SurveyError::Buildings => td_string!(l, delib_err_buildings).to_string(),
            SurveyError::NotOpenYet => td_string!(l, sv_err_not_open).to_string(),
            SurveyError::Closed => td_string!(l, sv_err_closed).to_string(),
            SurveyError::NotEligible => td_string!(l, sv_err_not_eligible).to_string(),
            SurveyError::AnsweredOnPaper => td_string!(l, sv_err_on_paper).to_string(),
            SurveyError::AnsweredOnline => td_string!(l, sv_err_online).to_string(),
            SurveyError::AlreadyKeyed => td_string!(l, sv_err_keyed).to_string(),
            SurveyError::SameWorker => td_string!(l, sv_err_same_worker).to_string(),
            SurveyError::NotInDispute => td_string!(l, sv_err_not_in_dispute).to_string(),
            SurveyError::Disputes { count } => td_string!(l, sv_err_disputes, count = *count).to_string(),
            SurveyError::NoRespondent { anonymous: true } => td_string!(l, sv_err_anonymous_need).to_string(),
            SurveyError::NoRespondent { anonymous: false } => td_string!(l, sv_err_no_respondent).to_string(),
            SurveyError::Need(e) => e.message(l),
        }
    }
}

pub fn field_name(f: Field, l: crate::i18n::Locale) -> &'static str {
    use crate::i18n::td_string;
    match f {
        Field::Title => td_string!(l, sv_field_title),
        Field::Intro => td_string!(l, sv_field_intro),
        Field::Prompt => td_string!(l, sv_field_prompt),
        Field::Option => td_string!(l, sv_field_option),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn every_refusal_says_what_happened_in_both_languages() {
        let all = [
            SurveyError::Settings(SurveyProblem::Options { question: 2 }),
            SurveyError::Answers(AnswerProblem::TooMany { question: 0, max: 2 }),
            SurveyError::AnsweredOnPaper,
            SurveyError::AnsweredOnline,
            SurveyError::SameWorker,
            SurveyError::Disputes { count: 3 },
            SurveyError::Required(Field::Prompt),
            SurveyError::NoRespondent { anonymous: true },
            SurveyError::NoRespondent { anonymous: false },
        ];
        for e in all {
            let (zh, en) = (e.message(Locale::zh_CN), e.message(Locale::en));
            assert!(!zh.is_empty() && !en.is_empty() && zh != en, "{e:?}: {zh} / {en}");
        }
        assert!(SurveyError::Settings(SurveyProblem::Options { question: 2 }).message(Locale::zh_CN).contains('3'), "questions counted from 1");
        assert!(SurveyError::Disputes { count: 3 }.message(Locale::en).contains('3'));
    }
}
