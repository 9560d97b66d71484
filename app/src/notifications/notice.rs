//! The typed kinds of notifications and how they are stored and shown.
//!
//! A capability's notices are one enum, tagged by `kind` (serde): the tag goes into the `kind`
//! column, the other fields (its parameters) into `params` as JSON, the enum's `SUBJECT` into
//! `subject_type`. Reading one back joins them again; a row that does not decode as its
//! subject's enum is an error (logged by the centre), never shown as something else.
use crate::i18n::Locale;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A capability's notifications.
pub trait Notice: Serialize + DeserializeOwned {
    /// What they are about: the `subject_type` column ("need", "deliberation").
    const SUBJECT: &'static str;
    /// The page a notification links to.
    fn href(subject_id: Option<i64>) -> String;
    /// The line the notification centre shows, in the reader's language.
    fn line(&self, l: Locale) -> String;
    /// Text under the line (an answer, the options that passed).
    fn detail(&self) -> Option<String> {
        None
    }
}

/// A notification as the centre receives it: stored columns, decoded in the browser by the
/// kinds registered for its subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: i64,
    pub subject_type: String,
    pub subject_id: Option<i64>,
    pub kind: String,
    /// The parameters, JSON.
    pub params: String,
    pub at: i64,
    pub read: bool,
}

/// What the centre shows for one notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub line: String,
    pub detail: Option<String>,
    pub href: String,
}

/// Why a stored notification cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("no kinds registered for subject {0:?}")]
    UnknownSubject(String),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

/// The stored form of a notice: (kind, params JSON).
pub fn split<N: Notice>(n: &N) -> (String, String) {
    let mut v = serde_json::to_value(n).expect("a notice serializes");
    let kind = v.as_object_mut().and_then(|o| o.remove("kind")).and_then(|k| k.as_str().map(str::to_string));
    (kind.expect("a notice is tagged by `kind`"), v.to_string())
}

/// A notice back from its stored form.
pub fn join<N: Notice>(kind: &str, params: &str) -> Result<N, serde_json::Error> {
    let mut v: serde_json::Value = serde_json::from_str(params)?;
    match v.as_object_mut() {
        Some(o) => {
            o.insert("kind".into(), kind.into());
        }
        None => return Err(serde::de::Error::custom("parameters are not an object")),
    }
    serde_json::from_value(v)
}

/// The kinds one capability registers: its subject and how to show its notices.
#[derive(Clone, Copy)]
pub struct Kinds {
    pub subject: &'static str,
    render: fn(&NotificationView, Locale) -> Result<Rendered, serde_json::Error>,
}

fn render<N: Notice>(v: &NotificationView, l: Locale) -> Result<Rendered, serde_json::Error> {
    let n: N = join(&v.kind, &v.params)?;
    Ok(Rendered { line: n.line(l), detail: n.detail(), href: N::href(v.subject_id) })
}

/// Registers the notices `N`.
pub const fn kinds<N: Notice>() -> Kinds {
    Kinds { subject: N::SUBJECT, render: render::<N> }
}

/// Every registered capability's kinds: given to the notification centre by the shell, which
/// sees every capability.
#[derive(Clone, Copy)]
pub struct Registry(pub &'static [Kinds]);

impl Registry {
    pub fn render(&self, v: &NotificationView, l: Locale) -> Result<Rendered, DecodeError> {
        let k = self.0.iter().find(|k| k.subject == v.subject_type).ok_or_else(|| DecodeError::UnknownSubject(v.subject_type.clone()))?;
        Ok((k.render)(v, l)?)
    }
}
