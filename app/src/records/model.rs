//! The record as the district's platform receives it, and the pure rules of delivering it: the
//! retry schedule with its jitter, and what each answer of the receiver means.
use serde::{Deserialize, Serialize};

/// The version of the envelope and of every record kind's `data` (docs/records/*.schema.json).
pub const SCHEMA_VERSION: u32 = 1;

/// One official record, as POSTed to the receiver and as listed by the pull API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Stable across retries and instances: `evt_<district code>_<event id>` (the `webhook-id`).
    pub id: String,
    /// What happened: `need.answer`, `deliberation.result_published`, …
    pub kind: String,
    pub schema_version: u32,
    pub community: Community,
    /// Gapless per community, from 1, in the order the events were committed.
    pub seq: i64,
    /// RFC 3339, Beijing time.
    pub occurred_at: String,
    /// The record's facts (per kind; no phone numbers, nothing of a secret ballot).
    pub data: serde_json::Value,
}

/// Which community a record belongs to (district-wide records: code and name of the district).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Community {
    pub district: String,
    pub code: String,
    pub name: String,
}

impl Community {
    /// The receiver's key for a stream of records: `district/community`.
    pub fn stream_key(&self) -> String {
        format!("{}/{}", self.district, self.code)
    }
}

/// The kinds of official record, each with its schema in `docs/records/`.
pub const KINDS: &[&str] =
    &["need.accept", "need.plan", "need.complete", "need.answer", "need.reject", "deliberation.result_published", "service.monthly_statistics"];

/// The record's `data` from the event's stored payload: what the record needs, by id, and nothing
/// else. `None` for a kind that is not an official record.
pub fn record_data(kind: &str, subject_id: Option<i64>, payload: &serde_json::Value) -> Option<serde_json::Value> {
    use serde_json::json;
    let field = |name: &str| payload.get(name).cloned().unwrap_or(serde_json::Value::Null);
    if kind.starts_with("need.") && KINDS.contains(&kind) {
        return Some(json!({
            "need_id": subject_id,
            "title": field("title"),
            "from_status": field("from"),
            "to_status": field("to"),
            "answer": field("text"),
        }));
    }
    match kind {
        "deliberation.result_published" => Some(json!({
            "deliberation_id": subject_id,
            "title": field("title"),
            "result": field("result"),
            "close_reason": field("reason"),
        })),
        "service.monthly_statistics" => Some(payload.clone()),
        _ => None,
    }
}

/// The Standard Webhooks retry schedule: after the first attempt fails, wait 5 s, then 5 min,
/// 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h between attempts (ten attempts over ~3 days).
pub const STANDARD_SCHEDULE_MS: [i64; 9] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000];

/// Reads a schedule written as `5s,5m,30m,2h` (units ms, s, m, h).
pub fn parse_schedule(text: &str) -> Result<Vec<i64>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (number, unit) = part.split_at(part.find(|c: char| !c.is_ascii_digit()).unwrap_or(part.len()));
        let n: i64 = number.parse().map_err(|_| format!("{part:?}: a number and a unit (ms, s, m, h)"))?;
        let ms = match unit {
            "ms" => n,
            "s" => n * 1_000,
            "m" => n * 60_000,
            "h" => n * 3_600_000,
            _ => return Err(format!("{part:?}: the unit must be ms, s, m or h")),
        };
        out.push(ms);
    }
    if out.is_empty() {
        return Err("at least one delay".into());
    }
    Ok(out)
}

/// `delay` spread by ±10 % (`r` in [0, 1)), so that records failed together are not all retried
/// in the same instant.
pub fn jittered(delay: i64, r: f64) -> i64 {
    let r = r.clamp(0.0, 1.0);
    delay + ((delay as f64) * (0.2 * r - 0.1)).round() as i64
}

/// When to try again after the `failures`-th failed attempt (1 = the first attempt failed), or
/// `None` when the schedule is used up (the record becomes a dead letter).
pub fn retry_delay(failures: i64, schedule: &[i64]) -> Option<i64> {
    usize::try_from(failures - 1).ok().and_then(|i| schedule.get(i)).copied()
}

/// What an answer of the receiver means for the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: the receiver has it.
    Delivered,
    /// 408, 429, 5xx, or no answer (network, timeout): try again later.
    Retry,
    /// Any other answer (a 4xx): the receiver refused the record; trying again will not help.
    Dead,
}

/// Classifies an HTTP status (`None`: no answer at all).
pub fn classify(status: Option<u16>) -> Outcome {
    match status {
        None => Outcome::Retry,
        Some(s) if (200..300).contains(&s) => Outcome::Delivered,
        Some(408 | 429) => Outcome::Retry,
        Some(s) if s >= 500 => Outcome::Retry,
        Some(_) => Outcome::Dead,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_is_the_standard_webhooks_one() {
        let written = parse_schedule("5s, 5m, 30m, 2h, 5h, 10h, 14h, 20h, 24h").unwrap();
        assert_eq!(written, STANDARD_SCHEDULE_MS.to_vec());
        assert_eq!(parse_schedule("10ms,20ms").unwrap(), vec![10, 20]);
        assert!(parse_schedule("").is_err());
        assert!(parse_schedule("5").is_err());
        assert!(parse_schedule("5d").is_err());
        assert!(parse_schedule("s").is_err());
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        let s = STANDARD_SCHEDULE_MS;
        assert_eq!(retry_delay(1, &s), Some(5_000));
        assert_eq!(retry_delay(2, &s), Some(300_000));
        assert_eq!(retry_delay(9, &s), Some(86_400_000));
        // Ten attempts in all: the tenth failure is final.
        assert_eq!(retry_delay(10, &s), None);
        assert_eq!(retry_delay(0, &s), None);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for delay in [5_000i64, 300_000, 86_400_000] {
            let (lo, hi) = (delay - delay / 10, delay + delay / 10);
            for i in 0..=100 {
                let d = jittered(delay, f64::from(i) / 100.0);
                assert!((lo..=hi).contains(&d), "{delay}: {d}");
            }
            assert_eq!(jittered(delay, 0.0), lo);
            assert_eq!(jittered(delay, 1.0), hi);
            assert_eq!(jittered(delay, 0.5), delay);
        }
    }

    #[test]
    fn answers_are_classified_the_standard_webhooks_way() {
        for s in [200, 201, 202, 204, 299] {
            assert_eq!(classify(Some(s)), Outcome::Delivered, "{s}");
        }
        for s in [408, 429, 500, 502, 503, 504, 599] {
            assert_eq!(classify(Some(s)), Outcome::Retry, "{s}");
        }
        assert_eq!(classify(None), Outcome::Retry);
        for s in [300, 301, 400, 401, 403, 404, 409, 410, 413, 422] {
            assert_eq!(classify(Some(s)), Outcome::Dead, "{s}");
        }
    }

    #[test]
    fn record_data_keeps_what_the_record_needs_only() {
        let payload = serde_json::json!({ "from": "published", "to": "accepted", "text": "明年春天修", "title": "修路灯", "merged_into": null, "extra": "x" });
        let d = record_data("need.accept", Some(7), &payload).unwrap();
        assert_eq!(d, serde_json::json!({ "need_id": 7, "title": "修路灯", "from_status": "published", "to_status": "accepted", "answer": "明年春天修" }));
        assert!(record_data("need.support", Some(7), &payload).is_none());
        assert!(record_data("need.publish", Some(7), &payload).is_none());
        assert!(record_data("deliberation.vote_cast", Some(1), &payload).is_none());
    }
}
