//! What activities tell people (notification centre): typed kinds, registered by the shell.
use crate::i18n::{Locale, td_string};
use crate::notifications::notice::{Kinds, Notice, kinds};
use crate::time::ms_to_local;
use serde::{Deserialize, Serialize};

fn when(ms: i64) -> String {
    ms_to_local(ms).replace('T', " ")
}

/// About an activity (the subject): to its organiser, its participants' households, its volunteers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum ActivityNotice {
    #[serde(rename = "act_published")]
    Published { title: String },
    #[serde(rename = "act_returned")]
    Returned { title: String, reason: String },
    #[serde(rename = "act_signed_up")]
    SignedUp { title: String, starts_at: i64 },
    #[serde(rename = "act_waiting")]
    Waiting { title: String, starts_at: i64, position: i64 },
    #[serde(rename = "act_promoted")]
    Promoted { title: String, starts_at: i64 },
    /// The time or the place changed after publishing.
    #[serde(rename = "act_changed")]
    Changed { title: String, starts_at: i64, place: String },
    #[serde(rename = "act_cancelled")]
    Cancelled { title: String, starts_at: i64, reason: String },
    #[serde(rename = "act_hours_verified")]
    HoursVerified { title: String, half_hours: i64 },
}

impl Notice for ActivityNotice {
    const SUBJECT: &'static str = "activity";

    fn href(subject_id: Option<i64>) -> String {
        subject_id.map(|a| format!("/activities/{a}")).unwrap_or_else(|| "/activities".into())
    }

    fn line(&self, l: Locale) -> String {
        match self {
            ActivityNotice::Published { title } => td_string!(l, notif_act_published, title = title.clone()).to_string(),
            ActivityNotice::Returned { title, .. } => td_string!(l, notif_act_returned, title = title.clone()).to_string(),
            ActivityNotice::SignedUp { title, starts_at } => td_string!(l, notif_act_signed_up, title = title.clone(), at = when(*starts_at)).to_string(),
            ActivityNotice::Waiting { title, position, .. } => td_string!(l, notif_act_waiting, title = title.clone(), position = *position).to_string(),
            ActivityNotice::Promoted { title, starts_at } => td_string!(l, notif_act_promoted, title = title.clone(), at = when(*starts_at)).to_string(),
            ActivityNotice::Changed { title, starts_at, .. } => td_string!(l, notif_act_changed, title = title.clone(), at = when(*starts_at)).to_string(),
            ActivityNotice::Cancelled { title, .. } => td_string!(l, notif_act_cancelled, title = title.clone()).to_string(),
            ActivityNotice::HoursVerified { title, half_hours } => {
                td_string!(l, notif_act_hours, title = title.clone(), hours = crate::timebank::model::hours(*half_hours)).to_string()
            }
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            ActivityNotice::Returned { reason, .. } | ActivityNotice::Cancelled { reason, .. } => Some(reason.clone()),
            ActivityNotice::Changed { place, .. } => Some(place.clone()),
            _ => None,
        }
    }
}

/// About one's application to volunteer (the subject).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum VolunteerNotice {
    #[serde(rename = "vol_approved")]
    Approved,
    #[serde(rename = "vol_declined")]
    Declined { reason: String },
    #[serde(rename = "vol_suspended")]
    Suspended { reason: String },
}

impl Notice for VolunteerNotice {
    const SUBJECT: &'static str = "volunteer_application";

    fn href(_: Option<i64>) -> String {
        "/activities/volunteer".into()
    }

    fn line(&self, l: Locale) -> String {
        match self {
            VolunteerNotice::Approved => td_string!(l, notif_vol_approved).to_string(),
            VolunteerNotice::Declined { .. } => td_string!(l, notif_vol_declined).to_string(),
            VolunteerNotice::Suspended { .. } => td_string!(l, notif_vol_suspended).to_string(),
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            VolunteerNotice::Declined { reason } | VolunteerNotice::Suspended { reason } => Some(reason.clone()),
            VolunteerNotice::Approved => None,
        }
    }
}

pub const KINDS: Kinds = kinds::<ActivityNotice>();
pub const VOLUNTEER_KINDS: Kinds = kinds::<VolunteerNotice>();
