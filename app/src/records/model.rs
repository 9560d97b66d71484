//! The record as the district's platform receives it, and the pure rules of delivering it: the
//! retry schedule with its jitter, and what each answer of the receiver means.
use serde::{Deserialize, Serialize};

/// A pull-API key's name (`records_api_keys.name`).
pub const KEY_NAME: crate::kernel::text::Limit = crate::kernel::text::Limit::line(40);

/// The most records one pull returns.
pub const PAGE_MAX: i64 = 500;

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
pub const KINDS: &[&str] = &[
    "need.accept",
    "need.plan",
    "need.complete",
    "need.answer",
    "need.reject",
    "deliberation.result_published",
    "service.monthly_statistics",
    "activity.figures",
    "survey.satisfaction",
    "project.acceptance",
];

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
        "service.monthly_statistics" | "activity.figures" | "survey.satisfaction" | "project.acceptance" => Some(payload.clone()),
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

/// Open data as CSV (UTF-8 with a BOM, so that Excel reads the Chinese): one line per record —
/// seq, time, kind, the subject's id, its title, and the record's data as JSON.
pub fn results_csv(records: &[Envelope]) -> String {
    use crate::kernel::csv::field;
    let mut out = String::from("\u{feff}seq,occurred_at,kind,subject_id,title,data\r\n");
    for r in records {
        let subject = ["need_id", "deliberation_id"].iter().find_map(|k| r.data.get(*k).and_then(serde_json::Value::as_i64));
        let title = r.data.get("title").and_then(serde_json::Value::as_str).unwrap_or_default();
        let line = [
            r.seq.to_string(),
            r.occurred_at.clone(),
            r.kind.clone(),
            subject.map(|s| s.to_string()).unwrap_or_default(),
            title.to_string(),
            r.data.to_string(),
        ];
        out.push_str(&line.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// Compares what the receiver has with the outbox: `outbox` is every record of the community as
/// (seq, id, delivered), `received` the receiver's (seq, id) in the order it applied them.
pub fn reconcile(community: &str, outbox: &[(i64, String, bool)], received: &[(i64, String)]) -> super::types::Reconciliation {
    use std::collections::{HashMap, HashSet};
    let ours: HashMap<&str, i64> = outbox.iter().map(|(seq, id, _)| (id.as_str(), *seq)).collect();
    let theirs: HashSet<&str> = received.iter().map(|(_, id)| id.as_str()).collect();
    let missing = outbox.iter().filter(|(_, id, delivered)| *delivered && !theirs.contains(id.as_str())).map(|(seq, _, _)| *seq).collect();
    let extra = received.iter().filter(|(seq, id)| ours.get(id.as_str()) != Some(seq)).map(|(_, id)| id.clone()).collect();
    let mut out_of_order = Vec::new();
    let mut last = 0;
    for (seq, _) in received {
        if *seq != last + 1 {
            out_of_order.push(*seq);
        }
        last = *seq;
    }
    super::types::Reconciliation {
        community: community.to_string(),
        received: received.len() as i64,
        delivered: outbox.iter().filter(|(_, _, d)| *d).count() as i64,
        missing,
        extra,
        out_of_order,
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
    fn open_data_csv_quotes_what_needs_quoting() {
        let r = Envelope {
            id: "evt_d_1".into(),
            kind: "need.answer".into(),
            schema_version: 1,
            community: Community { district: "d".into(), code: "c".into(), name: "翠苑".into() },
            seq: 3,
            occurred_at: "2026-12-05T10:00:00.000+08:00".into(),
            data: serde_json::json!({ "need_id": 7, "title": "修路灯, \"北门\"" }),
        };
        let csv = results_csv(&[r]);
        let mut lines = csv.split("\r\n");
        assert_eq!(lines.next(), Some("\u{feff}seq,occurred_at,kind,subject_id,title,data"));
        let line = lines.next().unwrap();
        assert!(line.starts_with("3,2026-12-05T10:00:00.000+08:00,need.answer,7,\"修路灯, \"\"北门\"\"\","), "{line}");
        assert_eq!(lines.next(), Some(""));
    }

    #[test]
    fn reconciliation_names_what_is_missing_extra_and_out_of_order() {
        let id = |n: i64| format!("evt_d_{n}");
        let outbox: Vec<(i64, String, bool)> = (1..=5).map(|n| (n, id(n), n <= 4)).collect();
        // All there, in order: nothing to report (5 is not delivered yet: not missing).
        let all: Vec<(i64, String)> = (1..=4).map(|n| (n, id(n))).collect();
        let r = reconcile("c", &outbox, &all);
        assert_eq!((r.received, r.delivered), (4, 4));
        assert!(r.missing.is_empty() && r.extra.is_empty() && r.out_of_order.is_empty(), "{r:?}");
        // 3 lost, an id we never sent, and 4 applied before 2.
        let odd = vec![(1, id(1)), (4, id(4)), (2, id(2)), (9, "evt_x_9".to_string())];
        let r = reconcile("c", &outbox, &odd);
        assert_eq!(r.missing, vec![3]);
        assert_eq!(r.extra, vec!["evt_x_9".to_string()]);
        assert_eq!(r.out_of_order, vec![4, 2, 9]);
        // The right id under another seq is extra too.
        let r = reconcile("c", &outbox, &[(2, id(1))]);
        assert_eq!(r.extra, vec![id(1)]);
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
