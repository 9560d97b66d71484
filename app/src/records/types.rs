//! What the records screens show, across the server-function boundary.
use serde::{Deserialize, Serialize};

/// Where records stand: pending, delivered, dead, and the oldest pending one's time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pending: i64,
    pub delivered: i64,
    pub dead: i64,
    /// When the oldest pending record was made (ms UTC).
    pub oldest_pending_at: Option<i64>,
}

/// One community's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityCounts {
    pub community_id: i64,
    pub name: String,
    /// `district/community`: the open-data links.
    pub district_code: String,
    pub code: String,
    pub counts: Counts,
}

/// A record the receiver refused, or that ran out of retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub event_id: i64,
    pub community: String,
    pub kind: String,
    pub seq: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
}

/// A pull-API key as its district admin sees it (never the key itself, after it was shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A key just made: the key itself, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewKey {
    pub key: ApiKey,
    pub secret: String,
}

/// The records screen of a worker (their community) or a district admin (every community of
/// their district, and the district's pull-API keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub now: i64,
    pub totals: Counts,
    pub communities: Vec<CommunityCounts>,
    pub dead: Vec<DeadLetter>,
    /// `Some` for a district admin.
    pub keys: Option<Vec<ApiKey>>,
    /// Whether the server can ask the receiver what it has (reconciliation).
    pub can_reconcile: bool,
}

/// The receiver's records of a community against the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconciliation {
    pub community: String,
    /// Records the receiver has.
    pub received: i64,
    /// Records marked delivered here.
    pub delivered: i64,
    /// `seq` of records marked delivered that the receiver does not have.
    pub missing: Vec<i64>,
    /// Ids the receiver has that this outbox did not send (or with another `seq`).
    pub extra: Vec<String>,
    /// `seq` of records the receiver applied out of order (not right after the one before).
    pub out_of_order: Vec<i64>,
}
