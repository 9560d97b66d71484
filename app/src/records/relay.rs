//! The relay: each pass claims the streams that have a record due, and sends each stream's
//! records in `seq` order, one at a time, signed, until one fails (it waits for its retry and
//! holds the stream's later records back) or none is due. Streams go side by side.
use super::model::{self, Outcome};
use super::{sign, store};
use crate::infra::db::{Db, now_ms};
use std::time::Duration;

/// How the relay delivers.
#[derive(Clone, Debug)]
pub struct RelayConfig {
    /// The receiver (`LINLI_RECORDS_URL`).
    pub url: String,
    /// Signing keys (`LINLI_RECORDS_SECRET`, one or more while rotating): every key signs.
    pub keys: Vec<Vec<u8>>,
    /// Waits between attempts (`LINLI_RECORDS_SCHEDULE`; the Standard Webhooks one by default).
    pub schedule_ms: Vec<i64>,
    /// How long one attempt may take (15 s).
    pub timeout: Duration,
    /// This instance's name in the leases (unique per running server).
    pub owner: String,
    /// How long a claimed stream stays ours without renewal: longer than one attempt.
    pub lease_ms: i64,
    /// Streams claimed per pass.
    pub streams_per_pass: i64,
}

impl RelayConfig {
    pub fn new(url: String, secrets: &str, owner: String) -> Self {
        RelayConfig {
            url,
            keys: sign::keys(secrets),
            schedule_ms: model::STANDARD_SCHEDULE_MS.to_vec(),
            timeout: Duration::from_secs(15),
            owner,
            lease_ms: 60_000,
            streams_per_pass: 16,
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    pub delivered: u64,
    /// Attempts that failed and will be tried again.
    pub retried: u64,
    /// Records given up on (refused by the receiver, or out of retries).
    pub dead: u64,
}

impl std::ops::AddAssign for PassReport {
    fn add_assign(&mut self, o: PassReport) {
        self.delivered += o.delivered;
        self.retried += o.retried;
        self.dead += o.dead;
    }
}

pub struct Relay {
    config: RelayConfig,
    client: reqwest::Client,
}

/// The longest receiver's answer kept with a delivered record.
const ANSWER_KEPT: usize = 500;

impl Relay {
    pub fn new(config: RelayConfig) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder().timeout(config.timeout).redirect(reqwest::redirect::Policy::none()).build()?;
        Ok(Relay { config, client })
    }

    pub fn config(&self) -> &RelayConfig {
        &self.config
    }

    /// One pass: claim, deliver, release.
    pub async fn pass(&self, db: &Db) -> Result<PassReport, sqlx::Error> {
        let c = &self.config;
        let streams = store::claim_streams(db, &c.owner, now_ms(), c.lease_ms, c.streams_per_pass).await?;
        let results = futures::future::join_all(streams.iter().map(|s| self.drain(db, *s))).await;
        let mut report = PassReport::default();
        let mut first_error = None;
        for r in results {
            match r {
                Ok(r) => report += r,
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        match first_error {
            Some(e) if report == PassReport::default() => Err(e),
            _ => Ok(report),
        }
    }

    /// Sends `stream`'s due records in order while they succeed (or are refused for good), then
    /// gives the lease back.
    async fn drain(&self, db: &Db, stream: i64) -> Result<PassReport, sqlx::Error> {
        let c = &self.config;
        let mut report = PassReport::default();
        let result = async {
            while let Some(out) = store::next_due(db, stream, now_ms()).await? {
                match self.send(&out).await {
                    (Outcome::Delivered, answer) => {
                        store::mark_delivered(db, out.event_id, &answer, now_ms()).await?;
                        report.delivered += 1;
                    }
                    (Outcome::Retry, error) => {
                        let next = model::retry_delay(out.attempts + 1, &c.schedule_ms).map(|d| now_ms() + model::jittered(d, rand::random::<f64>()));
                        store::mark_failed(db, out.event_id, &error, next).await?;
                        if next.is_some() {
                            report.retried += 1;
                            // The stream waits for this record.
                            break;
                        }
                        report.dead += 1;
                    }
                    (Outcome::Dead, error) => {
                        store::mark_failed(db, out.event_id, &error, None).await?;
                        report.dead += 1;
                    }
                }
                if !store::renew(db, stream, &c.owner, now_ms() + c.lease_ms).await? {
                    // Our lease ran out and another instance took the stream over.
                    break;
                }
            }
            Ok::<_, sqlx::Error>(())
        }
        .await;
        store::release(db, stream, &c.owner).await?;
        result.map(|_| report)
    }

    /// One attempt: the outcome and the receiver's answer (or what went wrong) in a few words.
    async fn send(&self, out: &store::Outgoing) -> (Outcome, String) {
        let body = match serde_json::to_vec(&out.envelope) {
            Ok(b) => b,
            Err(e) => return (Outcome::Dead, format!("not serializable: {e}")),
        };
        let ts = now_ms() / 1000;
        let id = &out.envelope.id;
        let res = self
            .client
            .post(&self.config.url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", sign::header(&self.config.keys, id, ts, &body))
            .body(body)
            .send()
            .await;
        match res {
            Err(e) => (Outcome::Retry, format!("no answer: {}", if e.is_timeout() { "timed out".to_string() } else { e.to_string() })),
            Ok(r) => {
                let status = r.status().as_u16();
                let text = r.text().await.unwrap_or_default();
                let mut answer = format!("{status} {}", text.trim());
                if answer.len() > ANSWER_KEPT {
                    let mut end = ANSWER_KEPT;
                    while !answer.is_char_boundary(end) {
                        end -= 1;
                    }
                    answer.truncate(end);
                }
                (model::classify(Some(status)), answer)
            }
        }
    }
}
