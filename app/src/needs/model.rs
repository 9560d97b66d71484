//! The rules of needs, pure: the status machine (who may move a need from where to where, and
//! with what text), the limits of what residents type, and when a need is overdue.
use crate::kernel::stored::str_enum;
use crate::kernel::text::Limit;
use serde::{Deserialize, Serialize};

str_enum!(
    /// Where a need stands.
    Status {
        /// Sent by the resident, waiting for moderation (only the author and workers see it).
        Submitted = "submitted",
        /// A worker asked the author to change it; the author resubmits.
        ChangesRequested = "changes_requested",
        /// Visible to the community; residents support it.
        Published = "published",
        UnderReview = "under_review",
        Accepted = "accepted",
        Planned = "planned",
        Done = "done",
        Rejected = "rejected",
        /// United with a duplicate; `merged_into` points to the surviving need.
        Merged = "merged",
        /// Taken out of view (by a worker, or by residents' reports) until a worker decides.
        Hidden = "hidden",
    }
);

impl Status {
    /// Residents may support (+1) a need in these statuses.
    pub fn supportable(self) -> bool {
        matches!(self, Status::Published | Status::UnderReview | Status::Accepted | Status::Planned)
    }

    /// Still waiting for the community's decision: counts towards "overdue" when unanswered.
    pub fn open(self) -> bool {
        matches!(self, Status::Published | Status::UnderReview)
    }
}

str_enum!(
    /// What someone does to a need.
    Action {
        Publish = "publish",
        Reject = "reject",
        RequestChanges = "request_changes",
        Resubmit = "resubmit",
        Merge = "merge",
        Hide = "hide",
        /// The community's report limit was reached: hidden until a worker decides.
        ReportHide = "report_hide",
        Restore = "restore",
        Review = "review",
        Accept = "accept",
        Plan = "plan",
        Complete = "complete",
        /// An official answer that leaves the status as it is.
        Answer = "answer",
    }
);

impl Action {
    /// Whether the action must come with a text (the answer, the reason, the requested change).
    pub fn needs_text(self) -> bool {
        matches!(self, Action::Reject | Action::RequestChanges | Action::Hide | Action::Accept | Action::Plan | Action::Complete | Action::Answer)
    }
}

/// Who acts, as far as the status machine is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Actor {
    /// The resident who proposed the need (or a worker in 代办 for them).
    Author,
    /// A community worker of the need's community (or a district admin of its district).
    Worker,
    /// The server itself (the report limit).
    System,
}

/// Why a transition is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransitionError {
    /// This actor may never do this.
    NotAllowed,
    /// Not from this status.
    WrongStatus,
}

/// The status machine: the status after `actor` does `action` to a need in `from`. `hidden_from`
/// is the status a hidden need had before it was hidden (where `Restore` returns to).
pub fn transition(from: Status, action: Action, actor: Actor, hidden_from: Option<Status>) -> Result<Status, TransitionError> {
    use Action as A;
    use Status as S;
    let allowed_actor = match action {
        A::Resubmit => Actor::Author,
        A::ReportHide => Actor::System,
        _ => Actor::Worker,
    };
    if actor != allowed_actor {
        return Err(TransitionError::NotAllowed);
    }
    let to = match (action, from) {
        (A::Publish, S::Submitted) => S::Published,
        (A::Reject, S::Submitted | S::Published | S::UnderReview) => S::Rejected,
        (A::RequestChanges, S::Submitted) => S::ChangesRequested,
        (A::Resubmit, S::ChangesRequested) => S::Submitted,
        (A::Merge, S::Submitted | S::Published | S::UnderReview) => S::Merged,
        (A::Hide | A::ReportHide, S::Published | S::UnderReview | S::Accepted | S::Planned | S::Done | S::Rejected) => S::Hidden,
        (A::Restore, S::Hidden) => match hidden_from {
            Some(h) if h != S::Hidden => h,
            _ => return Err(TransitionError::WrongStatus),
        },
        (A::Review, S::Published) => S::UnderReview,
        (A::Accept, S::Published | S::UnderReview) => S::Accepted,
        (A::Plan, S::Published | S::UnderReview | S::Accepted) => S::Planned,
        (A::Complete, S::Accepted | S::Planned) => S::Done,
        (A::Answer, s @ (S::Published | S::UnderReview | S::Accepted | S::Planned)) => s,
        _ => return Err(TransitionError::WrongStatus),
    };
    Ok(to)
}

/// Whether this step is an official answer to the community (a records-platform event, and the
/// supporters are told): a decision or answer on a need that was public.
pub fn is_official_answer(action: Action, from: Status) -> bool {
    match action {
        Action::Accept | Action::Plan | Action::Complete | Action::Answer => true,
        Action::Reject => from != Status::Submitted,
        _ => false,
    }
}

/// Limits of what people type (kernel text rules; the SQL CHECKs say the same, see
/// `server/tests/limits.rs`).
pub const TITLE: Limit = Limit::line(60);
pub const BODY: Limit = Limit::text(2000);
pub const PLACE: Limit = Limit::optional_line(60);
/// A worker's answer or note on a step (required for some steps).
pub const ANSWER: Limit = Limit::text(1000);
pub const COMMENT: Limit = Limit::text(500);
pub use crate::kernel::text::{REASON, SEARCH};
pub const MAX_PHOTOS: usize = 3;

/// Flood limits per resident: needs per day, comments per hour.
pub const NEEDS_PER_DAY: i64 = 10;
pub const COMMENTS_PER_HOUR: i64 = 20;

/// A field that failed its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Title,
    Body,
    Place,
    Text,
    Comment,
    Reason,
    Search,
}

/// A need is overdue when it is still open (published or under review), has no official answer
/// yet and was published more than `answer_days` ago.
pub fn is_overdue(status: Status, answered: bool, published_at: Option<i64>, now: i64, answer_days: i64) -> bool {
    status.open() && !answered && published_at.is_some_and(|p| now - p > answer_days * 86_400_000)
}

/// The page of a list: `(sort key, id)` of the last row shown, as an opaque string.
pub fn encode_cursor(key: i64, id: i64) -> String {
    format!("{key}.{id}")
}

pub fn decode_cursor(s: &str) -> Option<(i64, i64)> {
    let (k, i) = s.split_once('.')?;
    Some((k.parse().ok()?, i.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use Actor::*;
    use Status as S;

    /// Every allowed step, written out by hand from the issue: (from, action, actor, to).
    const ALLOWED: &[(Status, Action, Actor, Status)] = &[
        (S::Submitted, A::Publish, Worker, S::Published),
        (S::Submitted, A::Reject, Worker, S::Rejected),
        (S::Published, A::Reject, Worker, S::Rejected),
        (S::UnderReview, A::Reject, Worker, S::Rejected),
        (S::Submitted, A::RequestChanges, Worker, S::ChangesRequested),
        (S::ChangesRequested, A::Resubmit, Author, S::Submitted),
        (S::Submitted, A::Merge, Worker, S::Merged),
        (S::Published, A::Merge, Worker, S::Merged),
        (S::UnderReview, A::Merge, Worker, S::Merged),
        (S::Published, A::Hide, Worker, S::Hidden),
        (S::UnderReview, A::Hide, Worker, S::Hidden),
        (S::Accepted, A::Hide, Worker, S::Hidden),
        (S::Planned, A::Hide, Worker, S::Hidden),
        (S::Done, A::Hide, Worker, S::Hidden),
        (S::Rejected, A::Hide, Worker, S::Hidden),
        (S::Published, A::ReportHide, System, S::Hidden),
        (S::UnderReview, A::ReportHide, System, S::Hidden),
        (S::Accepted, A::ReportHide, System, S::Hidden),
        (S::Planned, A::ReportHide, System, S::Hidden),
        (S::Done, A::ReportHide, System, S::Hidden),
        (S::Rejected, A::ReportHide, System, S::Hidden),
        (S::Hidden, A::Restore, Worker, S::UnderReview), // hidden_from = UnderReview in this test
        (S::Published, A::Review, Worker, S::UnderReview),
        (S::Published, A::Accept, Worker, S::Accepted),
        (S::UnderReview, A::Accept, Worker, S::Accepted),
        (S::Published, A::Plan, Worker, S::Planned),
        (S::UnderReview, A::Plan, Worker, S::Planned),
        (S::Accepted, A::Plan, Worker, S::Planned),
        (S::Accepted, A::Complete, Worker, S::Done),
        (S::Planned, A::Complete, Worker, S::Done),
        (S::Published, A::Answer, Worker, S::Published),
        (S::UnderReview, A::Answer, Worker, S::UnderReview),
        (S::Accepted, A::Answer, Worker, S::Accepted),
        (S::Planned, A::Answer, Worker, S::Planned),
    ];

    #[test]
    fn every_transition_is_allowed_or_forbidden_exactly_as_specified() {
        let mut allowed_seen = 0;
        for &from in Status::ALL {
            for &action in Action::ALL {
                for actor in [Author, Worker, System] {
                    let got = transition(from, action, actor, Some(S::UnderReview));
                    let expected = ALLOWED.iter().find(|(f, a, who, _)| *f == from && *a == action && *who == actor);
                    match (expected, got) {
                        (Some((_, _, _, to)), Ok(t)) => {
                            assert_eq!(t, *to, "{from:?} --{action:?}/{actor:?}-->");
                            allowed_seen += 1;
                        }
                        (None, Err(_)) => {}
                        (e, g) => panic!("{from:?} --{action:?}/{actor:?}--> expected {e:?}, got {g:?}"),
                    }
                }
            }
        }
        assert_eq!(allowed_seen, ALLOWED.len());
    }

    #[test]
    fn the_wrong_actor_is_told_not_allowed_and_the_wrong_status_wrong_status() {
        assert_eq!(transition(S::Submitted, A::Publish, Author, None), Err(TransitionError::NotAllowed));
        assert_eq!(transition(S::Published, A::ReportHide, Worker, None), Err(TransitionError::NotAllowed));
        assert_eq!(transition(S::ChangesRequested, A::Resubmit, Worker, None), Err(TransitionError::NotAllowed));
        assert_eq!(transition(S::Done, A::Publish, Worker, None), Err(TransitionError::WrongStatus));
        assert_eq!(transition(S::Merged, A::Restore, Worker, None), Err(TransitionError::WrongStatus));
    }

    #[test]
    fn restore_returns_to_where_the_need_was_hidden_from() {
        for h in [S::Published, S::UnderReview, S::Accepted, S::Planned, S::Done, S::Rejected] {
            assert_eq!(transition(S::Hidden, A::Restore, Worker, Some(h)), Ok(h));
        }
        assert_eq!(transition(S::Hidden, A::Restore, Worker, None), Err(TransitionError::WrongStatus));
    }

    #[test]
    fn official_answers_are_decisions_on_public_needs() {
        assert!(is_official_answer(A::Accept, S::Published));
        assert!(is_official_answer(A::Reject, S::UnderReview));
        assert!(!is_official_answer(A::Reject, S::Submitted));
        assert!(!is_official_answer(A::Publish, S::Submitted));
        assert!(!is_official_answer(A::Hide, S::Published));
    }

    #[test]
    fn status_and_action_names_round_trip() {
        for &s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for &a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        assert_eq!(Status::parse("open"), None);
    }

    #[test]
    fn overdue_counts_days_since_publication_for_open_unanswered_needs() {
        let day = 86_400_000;
        assert!(is_overdue(S::Published, false, Some(0), 15 * day + 1, 15));
        assert!(!is_overdue(S::Published, false, Some(0), 15 * day, 15));
        assert!(!is_overdue(S::Published, true, Some(0), 30 * day, 15));
        assert!(!is_overdue(S::Accepted, false, Some(0), 30 * day, 15));
        assert!(!is_overdue(S::Submitted, false, None, 30 * day, 15));
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_cursor(&encode_cursor(12, 345)), Some((12, 345)));
        assert_eq!(decode_cursor("12"), None);
        assert_eq!(decode_cursor("a.b"), None);
    }
}
