//! The HTTP SMS gateway against a real HTTP receiver: the code is POSTed as JSON with the bearer
//! token; when the gateway fails, the user gets a clear error and nothing is left behind (no
//! code, no cooldown), so they can ask again at once.
mod common;

use axum::{Json, Router, extract::State, http::HeaderMap, http::StatusCode, routing::post};
use server::config::Config;
use server::http::{AppState, router};
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(Option<String>, serde_json::Value)>>>,
    /// "" answers, "error" fails, "hang" never answers in time.
    fail: Arc<Mutex<String>>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, Json(body): Json<serde_json::Value>) -> StatusCode {
    let mode = r.fail.lock().unwrap().clone();
    match mode.as_str() {
        "error" => return StatusCode::SERVICE_UNAVAILABLE,
        "hang" => {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            return StatusCode::OK;
        }
        _ => {}
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
    r.got.lock().unwrap().push((auth, body));
    StatusCode::OK
}

async fn listen(app: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn codes_go_through_the_http_gateway_and_a_failed_send_leaves_nothing_behind() {
    let receiver = Receiver::default();
    let sms_addr = listen(Router::new().route("/sms", post(receive)).with_state(receiver.clone())).await;
    let db = common::sqlite().await;
    let data = common::temp_dir().display().to_string();
    let sms_url = format!("http://{sms_addr}/sms");
    let config = Config::from_lookup(|k| match k {
        "LINLI_DATA_DIR" => Some(data.clone()),
        "LINLI_SMS_URL" => Some(sms_url.clone()),
        "LINLI_SMS_TOKEN" => Some("s3cret".into()),
        "LINLI_SMS_TIMEOUT_MS" => Some("500".into()),
        _ => None,
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_addr = listener.local_addr().unwrap();
    let state = AppState::new(config, db.clone()).unwrap();
    tokio::spawn(server::http::serve(listener, router(state), std::future::pending(), std::time::Duration::from_secs(1)));
    let client = reqwest::Client::new();
    let request_code = || {
        client
            .post(format!("http://{app_addr}/api/account/request_code"))
            .header("origin", format!("http://{app_addr}"))
            .form(&[("phone", "13800000001")])
            .send()
    };
    let count = |sql: &'static str| {
        let db = db.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(db.pool()).await.unwrap() }
    };

    // The gateway fails, or does not answer within the timeout: a clear error, and neither a code
    // nor a cooldown is left.
    for mode in ["error", "hang"] {
        *receiver.fail.lock().unwrap() = mode.to_string();
        let started = std::time::Instant::now();
        let res = request_code().await.unwrap();
        assert_eq!(res.status(), 502, "{mode}");
        assert_eq!(res.text().await.unwrap(), "\"SmsFailed\"", "{mode}");
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{mode}: the timeout applies");
        assert_eq!(count("SELECT COUNT(*) FROM login_codes").await, 0, "{mode}");
        assert_eq!(count("SELECT COUNT(*) FROM rate_limit_hits").await, 0, "{mode}");
    }

    // The gateway is back: asking again at once works, and the code arrives as JSON.
    *receiver.fail.lock().unwrap() = String::new();
    let res = request_code().await.unwrap();
    assert_eq!(res.status(), 200);
    let got = receiver.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0.as_deref(), Some("Bearer s3cret"));
    assert_eq!(got[0].1["phone"], "13800000001");
    let text = got[0].1["text"].as_str().unwrap();
    let code: String = text.split("验证码是 ").nth(1).unwrap().chars().take(6).collect();
    assert!(code.chars().all(|c| c.is_ascii_digit()) && code.len() == 6, "{text}");
    assert!(!std::path::Path::new(&data).join("sms.log").exists(), "the dev sink is not used");
}
