//! What projects tell their followers (notification centre): one digest a day at most.
use crate::i18n::{Locale, td_string};
use crate::notifications::notice::{Kinds, Notice, kinds};
use serde::{Deserialize, Serialize};

/// About a project (the subject): to its followers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum ProjectNotice {
    /// What happened since the last digest: how many pieces of news, and the latest (`what` it is:
    /// created, status, milestone_done, milestone_undone, note; its text).
    #[serde(rename = "pj_news")]
    News { title: String, count: i64, what: String, latest: String },
}

impl Notice for ProjectNotice {
    const SUBJECT: &'static str = "project";

    fn href(subject_id: Option<i64>) -> String {
        subject_id.map(|p| format!("/projects/{p}")).unwrap_or_else(|| "/projects".into())
    }

    fn line(&self, l: Locale) -> String {
        match self {
            ProjectNotice::News { title, count, .. } => td_string!(l, notif_pj_news, title = title.clone(), count = *count).to_string(),
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            // A status is a code (shown in words on the project's page); a milestone or a note is text.
            ProjectNotice::News { what, .. } if what == "status" => None,
            ProjectNotice::News { latest, .. } => Some(latest.clone()),
        }
    }
}

pub const KINDS: Kinds = kinds::<ProjectNotice>();
