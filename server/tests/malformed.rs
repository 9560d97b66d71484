//! Malformed requests to every server function — the list taken from the server's registry, so a
//! new function is covered without anyone remembering — as a stranger, a resident and a worker, on
//! every backend: never a 5xx, never a hang, a shared localized refusal in the capability's error
//! type, and the server healthy after. Bodies over the limit are a 413 with or without a
//! `Content-Length`.
mod common;

use common::live::{Jar, Server, start, start_with};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Names of arguments across the capabilities, with values of the wrong type or out of range.
const WRONG_TYPES: &str =
    "id=abc&need_id=1.5&comment_id=-&user_id=true&community_id=%20&on=maybe&hidden=2&category_id=x&building_id=[]&max_choices=9e99&answers={&spec=[";

/// Bodies no server function can take.
fn bad_bodies() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let form = "application/x-www-form-urlencoded";
    vec![
        ("missing fields", form, b"".to_vec()),
        ("an unknown field", form, b"zz_unknown=1".to_vec()),
        ("wrong types", form, WRONG_TYPES.as_bytes().to_vec()),
        ("numbers out of range", form, b"id=99999999999999999999999999&community_id=-99999999999999999999999&user_id=1e400".to_vec()),
        ("repeated keys", form, b"id=1&id=2&on=true&on=false&hidden=true&hidden=false".to_vec()),
        ("invalid UTF-8", form, b"id=1&title=\xff\xfe\xfd&body=\xc3\x28".to_vec()),
        ("percent-encoded invalid UTF-8", form, b"id=1&title=%FF%FE&body=%C3%28&reason=%ED%A0%80".to_vec()),
        ("JSON where a form is expected", form, br#"{"id": 1, "title": "x"}"#.to_vec()),
        ("JSON", "application/json", br#"{"id": 1, "title": "x"}"#.to_vec()),
        ("control and bidi characters", form, b"id=1&title=%00%01%E2%80%AE&body=%00&reason=%E2%80%8B&text=%7F&phone=%00&code=%00&name=%00&relationship=%00&query=%00&add=%00&vote=%00&place=%00&spec=%00&file_b64=%00&data_b64=%00".to_vec()),
        ("a broken form", form, b"%%%&&&==&=%zz&id".to_vec()),
    ]
}

/// Every registered server function: (path, method).
fn server_functions() -> Vec<(String, String)> {
    let mut fns: Vec<(String, String)> = leptos::server_fn::axum::server_fn_paths().map(|(p, m)| (p.to_string(), m.to_string())).collect();
    fns.sort();
    fns
}

async fn send(s: &Server, jar: &Jar, method: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, String) {
    let url = s.url(path);
    let req = if method == "GET" {
        s.client.get(format!("{url}?{}", String::from_utf8_lossy(body)))
    } else {
        s.client.post(url).header("content-type", content_type).header("origin", s.url("")).body(body.to_vec())
    };
    let res = tokio::time::timeout(Duration::from_secs(15), req.header("cookie", jar.header()).send())
        .await
        .unwrap_or_else(|_| panic!("{method} {path}: no answer within 15 s"))
        .unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

#[tokio::test]
async fn malformed_requests_to_every_server_function_are_refused_cleanly() {
    let fns = server_functions();
    assert!(fns.len() >= 40, "the registry lists the server functions: {fns:?}");
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let sessions = [("a stranger", Jar::default()), ("a resident", s.login("13800000002").await), ("a worker", s.login("13800000020").await)];
        let mut failures = Vec::new();
        let mut refused = 0;
        for (path, method) in &fns {
            for (who, jar) in &sessions {
                for (what, content_type, body) in bad_bodies() {
                    let (status, text) = send(&s, jar, method, path, content_type, &body).await;
                    if status >= 500 {
                        failures.push(format!("{method} {path} as {who} with {what}: {status} {text}"));
                    }
                    if status == 400 {
                        refused += 1;
                        // A refusal of the request itself is the shared one, in the capability's
                        // error type (every one has a `Common` variant).
                        if text.contains("Common") {
                            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                            if let Some(common) = v.get("Common") {
                                let e: Result<app::kernel::error::CommonError, _> = serde_json::from_value(common.clone());
                                if e.is_err() {
                                    failures.push(format!("{method} {path} with {what}: not a shared refusal: {text}"));
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{label}: {} failures:\n{}", failures.len(), failures.join("\n"));
        assert!(refused > fns.len(), "{label}: the bad bodies were refused as such ({refused} 400s)");
        let (status, _) = send(&s, &Jar::default(), "GET", "/healthz", "", b"").await;
        assert_eq!(status, 200, "{label}: healthy after");
    }
}

/// A request that cannot be decoded is the shared "invalid input" refusal with a 400, in both
/// languages — not a 500.
#[tokio::test]
async fn an_undecodable_request_is_a_localized_400() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let jar = s.login("13800000002").await;
        for body in [&b""[..], b"id=abc", b"id=1&on=maybe", b"id=99999999999999999999999"] {
            let (status, text) = send(&s, &jar, "POST", "/api/needs/support", "application/x-www-form-urlencoded", body).await;
            assert_eq!((status, text.as_str()), (400, r#"{"Common":"InvalidInput"}"#), "{label}: {}", String::from_utf8_lossy(body));
        }
        let e: app::needs::error::NeedError = serde_json::from_str(r#"{"Common":"InvalidInput"}"#).unwrap();
        use app::kernel::error::Failure as _;
        let (zh, en) = (e.message(app::i18n::Locale::zh_CN), e.message(app::i18n::Locale::en));
        assert!(zh.contains("不正确") && en.contains("not valid"), "{zh} / {en}");
    }
}

/// Sends `body` to `path` as raw HTTP/1.1 with `Transfer-Encoding: chunked` (no `Content-Length`).
async fn post_chunked(s: &Server, path: &str, body: &[u8]) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept-Language: zh-CN\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        s.addr,
        s.url("")
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(1024) {
        // The server may stop reading once it is over the limit.
        if stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || stream.write_all(chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut response)).await.expect("an answer within 15 s");
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_localized_413_with_or_without_a_length() {
    for (label, db) in common::databases().await {
        let s = start_with(db, &[("LINLI_BODY_LIMIT", "4096")]).await;
        let body = format!("phone=13800000002&zz={}", "a".repeat(20_000));
        let (status, text) = post_chunked(&s, "/api/account/request_code", body.as_bytes()).await;
        assert_eq!(status, 413, "{label}: chunked: {text}");
        assert!(text.ends_with(r#"{"Common":"TooLarge"}"#), "{label}: {text}");
        let (status, text) = send(&s, &Jar::default(), "POST", "/api/account/request_code", "application/x-www-form-urlencoded", body.as_bytes()).await;
        assert_eq!((status, text.as_str()), (413, r#"{"Common":"TooLarge"}"#), "{label}: with a length");
        let e: app::account::error::AccountError = serde_json::from_str(&text).unwrap();
        use app::kernel::error::Failure as _;
        assert!(e.message(app::i18n::Locale::zh_CN).contains("太大"), "{label}");
        let n: app::notifications::error::NotificationError = serde_json::from_str(&text).unwrap();
        assert_eq!(n.status(), 413, "{label}: every capability's error type reads it");
        assert_eq!(send(&s, &Jar::default(), "GET", "/healthz", "", b"").await.0, 200);
    }
}
