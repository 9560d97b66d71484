//! What services tell people (notification centre): typed kinds, registered by the shell. The
//! subject is the booking, so every notice opens the booking's page.
use crate::i18n::{Locale, td_string};
use crate::notifications::notice::{Kinds, Notice, kinds};
use crate::time::ms_to_local;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum ServiceNotice {
    #[serde(rename = "svc_booked")]
    Booked { title: String, starts_at: i64 },
    #[serde(rename = "svc_waiting")]
    Waiting { title: String, starts_at: i64, position: i64 },
    /// A place came free and the waiting booking took it.
    #[serde(rename = "svc_promoted")]
    Promoted { title: String, starts_at: i64 },
    /// Booking closed while still waiting.
    #[serde(rename = "svc_waitlist_closed")]
    WaitlistClosed { title: String, starts_at: i64 },
    #[serde(rename = "svc_session_cancelled")]
    SessionCancelled { title: String, starts_at: i64, reason: String },
    /// A worker cancelled the booking.
    #[serde(rename = "svc_cancelled")]
    Cancelled { title: String, starts_at: i64, reason: String },
    #[serde(rename = "svc_reminder")]
    Reminder { title: String, starts_at: i64, place: String },
}

fn when(ms: i64) -> String {
    ms_to_local(ms).replace('T', " ")
}

impl Notice for ServiceNotice {
    const SUBJECT: &'static str = "service_booking";

    fn href(subject_id: Option<i64>) -> String {
        subject_id.map(|b| format!("/services/bookings/{b}")).unwrap_or_else(|| "/services/mine".into())
    }

    fn line(&self, l: Locale) -> String {
        match self {
            ServiceNotice::Booked { title, starts_at } => td_string!(l, notif_svc_booked, title = title.clone(), at = when(*starts_at)).to_string(),
            ServiceNotice::Waiting { title, starts_at, position } => {
                td_string!(l, notif_svc_waiting, title = title.clone(), at = when(*starts_at), position = *position).to_string()
            }
            ServiceNotice::Promoted { title, starts_at } => td_string!(l, notif_svc_promoted, title = title.clone(), at = when(*starts_at)).to_string(),
            ServiceNotice::WaitlistClosed { title, starts_at } => {
                td_string!(l, notif_svc_waitlist_closed, title = title.clone(), at = when(*starts_at)).to_string()
            }
            ServiceNotice::SessionCancelled { title, starts_at, .. } => {
                td_string!(l, notif_svc_session_cancelled, title = title.clone(), at = when(*starts_at)).to_string()
            }
            ServiceNotice::Cancelled { title, starts_at, .. } => td_string!(l, notif_svc_cancelled, title = title.clone(), at = when(*starts_at)).to_string(),
            ServiceNotice::Reminder { title, starts_at, .. } => td_string!(l, notif_svc_reminder, title = title.clone(), at = when(*starts_at)).to_string(),
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            ServiceNotice::SessionCancelled { reason, .. } | ServiceNotice::Cancelled { reason, .. } => Some(reason.clone()),
            ServiceNotice::Reminder { place, .. } => Some(place.clone()),
            _ => None,
        }
    }
}

pub const KINDS: Kinds = kinds::<ServiceNotice>();
