//! What deliberation tells people (notification centre): typed kinds, registered by the shell.
use crate::i18n::{Locale, td_string};
use crate::notifications::notice::{Kinds, Notice, kinds};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum DelibNotice {
    /// Voting opened (to the snapshot's voters).
    #[serde(rename = "delib_open")]
    Open { title: String, closes_at: i64 },
    /// A day before the close, to those whose unit has not voted.
    #[serde(rename = "delib_reminder")]
    Reminder { title: String, closes_at: i64 },
    /// The official result; `text` names the options that passed.
    #[serde(rename = "delib_result")]
    Result { title: String, passed: bool, text: String },
}

impl Notice for DelibNotice {
    const SUBJECT: &'static str = "deliberation";

    fn href(subject_id: Option<i64>) -> String {
        subject_id.map(|d| format!("/deliberations/{d}")).unwrap_or_else(|| "/deliberations".into())
    }

    fn line(&self, l: Locale) -> String {
        match self {
            DelibNotice::Open { title, .. } => td_string!(l, notif_delib_open, title = title.clone()).to_string(),
            DelibNotice::Reminder { title, .. } => td_string!(l, notif_delib_reminder, title = title.clone()).to_string(),
            DelibNotice::Result { title, passed: true, .. } => td_string!(l, notif_delib_passed, title = title.clone()).to_string(),
            DelibNotice::Result { title, .. } => td_string!(l, notif_delib_failed, title = title.clone()).to_string(),
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            DelibNotice::Result { text, .. } if !text.is_empty() => Some(text.clone()),
            _ => None,
        }
    }
}

pub const KINDS: Kinds = kinds::<DelibNotice>();
