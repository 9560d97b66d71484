//! What needs tell people (notification centre): typed kinds, registered by the shell.
use super::model::Status;
use crate::i18n::{Locale, td_string};
use crate::notifications::notice::{Kinds, Notice, kinds};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum NeedNotice {
    /// The author's need moved on (published, sent back, answered…).
    #[serde(rename = "need_status")]
    Status {
        title: String,
        #[serde(with = "crate::kernel::stored::as_text")]
        status: Status,
        text: Option<String>,
    },
    /// A need the resident supports got an official answer.
    #[serde(rename = "need_answer")]
    Answer {
        title: String,
        #[serde(with = "crate::kernel::stored::as_text")]
        status: Status,
        text: Option<String>,
    },
}

impl Notice for NeedNotice {
    const SUBJECT: &'static str = "need";

    fn href(subject_id: Option<i64>) -> String {
        subject_id.map(|n| format!("/needs/{n}")).unwrap_or_else(|| "/needs".into())
    }

    fn line(&self, l: Locale) -> String {
        match self {
            NeedNotice::Status { title, status, .. } => {
                td_string!(l, notif_status, title = title.clone(), status = super::error::status_name(*status, l)).to_string()
            }
            NeedNotice::Answer { title, status, .. } => {
                td_string!(l, notif_answer, title = title.clone(), status = super::error::status_name(*status, l)).to_string()
            }
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            NeedNotice::Status { text, .. } | NeedNotice::Answer { text, .. } => text.clone(),
        }
    }
}

pub const KINDS: Kinds = kinds::<NeedNotice>();

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notifications::notice::{join, split};

    #[test]
    fn stored_form_keeps_the_kind_column_and_the_stored_status() {
        let n = NeedNotice::Answer { title: "路灯".into(), status: Status::Accepted, text: Some("本周修".into()) };
        let (kind, params) = split(&n);
        assert_eq!(kind, "need_answer");
        let v: serde_json::Value = serde_json::from_str(&params).unwrap();
        assert_eq!(v, serde_json::json!({ "title": "路灯", "status": "accepted", "text": "本周修" }));
        assert_eq!(join::<NeedNotice>(&kind, &params).unwrap(), n);
        assert!(join::<NeedNotice>("need_unknown", &params).is_err());
        assert!(join::<NeedNotice>("need_status", r#"{"title":"x","status":"open","text":null}"#).is_err());
    }
}
