//! Graceful shutdown: a stop signal lets in-flight requests finish, then the server exits cleanly.
mod common;

use server::config::Config;
use server::http::{AppState, router_with};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn in_flight_request_finishes_after_the_stop_signal() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let data = common::temp_dir().display().to_string();
    let config = Config::from_lookup(|k| (k == "LINLI_DATA_DIR").then(|| data.clone())).unwrap();
    let state = AppState::new(config, common::sqlite().await).unwrap();
    async fn slow() -> &'static str {
        tokio::time::sleep(Duration::from_millis(800)).await;
        "finished"
    }
    let app = router_with(state, axum::Router::new().route("/slow", axum::routing::get(slow)));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::http::serve(
        listener,
        app,
        async move {
            let _ = stop_rx.await;
        },
        Duration::from_secs(10),
    ));
    let request = tokio::spawn(async move { reqwest::get(format!("http://{addr}/slow")).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop_tx.send(()).unwrap();
    let response = request.await.unwrap().expect("in-flight request was cut off");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "finished");
    tokio::time::timeout(Duration::from_secs(5), server).await.expect("server did not stop").unwrap().unwrap();
    assert!(reqwest::get(format!("http://{addr}/healthz")).await.is_err(), "no longer accepting");
}

#[test]
fn binary_migrates_serves_and_exits_zero_on_sigterm() {
    let bin = env!("CARGO_BIN_EXE_server");
    let data = common::temp_dir();
    let port = free_port();
    let env = [("LINLI_DATA_DIR", data.display().to_string()), ("LINLI_ADDR", format!("127.0.0.1:{port}")), ("RUST_LOG", "warn".to_string())];
    let status = std::process::Command::new(bin).arg("migrate").envs(env.clone()).status().unwrap();
    assert!(status.success(), "migrate");
    assert!(data.join("linli.db").exists(), "SQLite file created under the data dir");

    let mut child = std::process::Command::new(bin).args(["serve", "--demo"]).envs(env).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    let rt = tokio::runtime::Runtime::new().unwrap();
    loop {
        let ok = rt.block_on(async { reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await });
        if ok.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "server did not become ready");
        std::thread::sleep(Duration::from_millis(100));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    assert!(out.contains("13800000020"), "prints the demo accounts: {out}");
}
