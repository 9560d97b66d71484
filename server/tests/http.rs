//! The HTTP host, driven through the real router without a socket (tower `oneshot`): pages in
//! both languages, the preference switches, operational endpoints, and the protective layers.
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use server::config::Config;
use server::http::{AppState, router_with};
use tower::ServiceExt;

struct TestApp {
    app: axum::Router,
    db: server::db::Db,
}

async fn test_app_with(extra: axum::Router<AppState>, settings: &[(&str, &str)]) -> TestApp {
    test_app_in_site(extra, settings, |_| {}).await
}

/// `test_app_with`, with `prepare` adding files to the site's `pkg` before the router is built.
async fn test_app_in_site(extra: axum::Router<AppState>, settings: &[(&str, &str)], prepare: impl FnOnce(&std::path::Path)) -> TestApp {
    let site = common::temp_dir();
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    prepare(&site.join("pkg"));
    std::fs::write(site.join("pkg/linli.js"), "export function hydrate(){}\n".repeat(200)).unwrap();
    std::fs::write(site.join("favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    let site_root = site.display().to_string();
    let data_dir = common::temp_dir().display().to_string();
    let mut env: Vec<(String, String)> = vec![("LINLI_SITE_ROOT".into(), site_root), ("LINLI_DATA_DIR".into(), data_dir)];
    env.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::from_lookup(|k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())).unwrap();
    let db = common::sqlite().await;
    let state = AppState::new(config, db.clone()).unwrap();
    TestApp { app: router_with(state, extra), db }
}

async fn test_app() -> TestApp {
    test_app_with(axum::Router::new(), &[]).await
}

async fn send(app: &TestApp, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = app.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&bytes).into_owned())
}

fn get(path: &str) -> axum::http::request::Builder {
    Request::builder().uri(path).header(header::HOST, "localhost")
}

#[tokio::test]
async fn home_renders_in_chinese_by_default_with_the_tab_bar() {
    let app = test_app().await;
    let (status, headers, body) = send(&app, get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(body.contains("lang=\"zh-CN\""), "html lang attribute: {}", &body[..body.len().min(400)]);
    assert!(body.contains("欢迎来到邻里"));
    for tab in ["首页", "议事", "服务", "活动", "我的"] {
        assert!(body.contains(tab), "tab {tab} missing");
    }
}

#[tokio::test]
async fn language_cookie_renders_english() {
    let app = test_app().await;
    let req = get("/").header(header::COOKIE, "linli_lang=en").body(Body::empty()).unwrap();
    let (_, _, body) = send(&app, req).await;
    assert!(body.contains("lang=\"en\""));
    assert!(body.contains("Welcome to Linli"));
    assert!(!body.contains("欢迎来到邻里"));
}

#[tokio::test]
async fn elderly_cookie_renders_the_elderly_mode() {
    let app = test_app().await;
    let (_, _, plain) = send(&app, get("/").body(Body::empty()).unwrap()).await;
    assert!(plain.contains("class=\"app\""));
    let req = get("/").header(header::COOKIE, "linli_elderly=1").body(Body::empty()).unwrap();
    let (_, _, body) = send(&app, req).await;
    assert!(body.contains("class=\"app elderly\""));
    assert!(body.contains("aria-pressed=\"true\""));
}

#[tokio::test]
async fn every_tab_page_renders() {
    let app = test_app().await;
    for (path, text) in [("/deliberations", "居民议事"), ("/services", "一老一小服务"), ("/activities", "志愿活动"), ("/me", "长辈模式")] {
        let (status, _, body) = send(&app, get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(body.contains(text), "{path} lacks {text}");
    }
}

#[tokio::test]
async fn unknown_page_is_a_localized_404() {
    let app = test_app().await;
    let (status, _, body) = send(&app, get("/no/such/page").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("找不到这个页面"));
    let req = get("/no/such/page").header(header::COOKIE, "linli_lang=en").body(Body::empty()).unwrap();
    let (status, _, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("Page not found"));
}

#[tokio::test]
async fn pages_carry_a_nonce_csp_that_matches_the_hydration_script() {
    let app = test_app().await;
    let (_, headers, body) = send(&app, get("/").body(Body::empty()).unwrap()).await;
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("nonce in CSP");
    assert!(nonce.len() >= 16);
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert!(body.contains(&format!("nonce=\"{nonce}\"")), "inline scripts carry the nonce");
    for (name, value) in [("x-content-type-options", "nosniff"), ("referrer-policy", "same-origin"), ("x-frame-options", "DENY")] {
        assert_eq!(headers[name], value, "{name}");
    }
    let (_, headers2, _) = send(&app, get("/").body(Body::empty()).unwrap()).await;
    assert_ne!(headers2[header::CONTENT_SECURITY_POLICY], headers[header::CONTENT_SECURITY_POLICY], "fresh nonce per response");
}

#[tokio::test]
async fn non_html_responses_get_a_deny_all_csp() {
    let app = test_app().await;
    let (_, headers, _) = send(&app, get("/healthz").body(Body::empty()).unwrap()).await;
    assert!(headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().starts_with("default-src 'none'"));
}

#[tokio::test]
async fn health_and_readiness() {
    let app = test_app().await;
    let (status, _, body) = send(&app, get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    let (status, _, _) = send(&app, get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    app.db.close().await;
    let (status, _, _) = send(&app, get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "readiness follows the database");
    let (status, _, _) = send(&app, get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "liveness does not");
}

#[tokio::test]
async fn every_response_has_a_request_id() {
    let app = test_app().await;
    let (_, headers, _) = send(&app, get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(headers["x-request-id"].to_str().unwrap().len(), 36, "a UUID");
    let req = get("/healthz").header("x-request-id", "abc-123").body(Body::empty()).unwrap();
    let (_, headers, _) = send(&app, req).await;
    assert_eq!(headers["x-request-id"], "abc-123", "a caller's id is kept");
}

fn post_form(path: &str, body: &str) -> axum::http::request::Builder {
    let _ = body;
    Request::post(path).header(header::HOST, "localhost").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
}

#[tokio::test]
async fn preference_form_sets_cookies_and_returns_to_the_page() {
    let app = test_app().await;
    let body = "lang=en&back=%2Fme";
    let req = post_form("/prefs", body).header(header::ORIGIN, "http://localhost").body(Body::from(body)).unwrap();
    let (status, headers, _) = send(&app, req).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/me");
    let cookie = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("linli_lang=en;") && cookie.contains("Path=/") && cookie.contains("SameSite=Lax"));

    let body = "elderly=1&back=%2F%2Fevil.example";
    let req = post_form("/prefs", body).body(Body::from(body)).unwrap();
    let (status, headers, _) = send(&app, req).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/", "never redirects off-site");
    assert!(headers[header::SET_COOKIE].to_str().unwrap().starts_with("linli_elderly=1;"));

    // Control characters never reach the Location header (a 500 before), and a tab cannot turn the
    // path into `//host`.
    for back in ["%2F%09%2Fevil.example", "%2Fme%0D%0ASet-Cookie%3A+x%3D1", "%2Fme%00", "%2F%0A%2Fevil.example"] {
        let body = format!("lang=en&back={back}");
        let req = post_form("/prefs", &body).body(Body::from(body.clone())).unwrap();
        let (status, headers, _) = send(&app, req).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{back}");
        assert_eq!(headers[header::LOCATION], "/", "{back}");
    }

    let body = "lang=fr&elderly=2";
    let req = post_form("/prefs", body).body(Body::from(body)).unwrap();
    let (_, headers, _) = send(&app, req).await;
    assert!(headers.get(header::SET_COOKIE).is_none(), "unknown values are ignored");
}

#[tokio::test]
async fn cross_site_post_is_refused_with_a_localized_message() {
    let app = test_app().await;
    let body = "lang=en";
    let req = post_form("/prefs", body).header(header::ORIGIN, "https://evil.example").body(Body::from(body)).unwrap();
    let (status, headers, text) = send(&app, req).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(headers.get(header::SET_COOKIE).is_none(), "nothing was changed");
    assert!(text.contains("其他网站"));
    let req = post_form("/prefs", body).header("sec-fetch-site", "cross-site").header(header::COOKIE, "linli_lang=en").body(Body::from(body)).unwrap();
    let (status, _, text) = send(&app, req).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(text.contains("another site"));
    let req = post_form("/api/anything", body).header(header::ORIGIN, "https://evil.example").body(Body::from(body)).unwrap();
    assert_eq!(send(&app, req).await.0, StatusCode::FORBIDDEN, "server functions are covered too");
}

#[tokio::test]
async fn oversized_body_is_refused_with_a_localized_413() {
    let app = test_app_with(axum::Router::new(), &[("LINLI_BODY_LIMIT", "1024")]).await;
    let body = format!("lang=en&back={}", "a".repeat(4096));
    let req = post_form("/prefs", &body).body(Body::from(body)).unwrap();
    let (status, headers, text) = send(&app, req).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(headers.get(header::SET_COOKIE).is_none());
    assert!(text.contains("太大"), "{text}");
}

#[tokio::test]
async fn html_and_assets_are_compressed_when_the_browser_accepts_it() {
    let app = test_app().await;
    for (path, encoding) in [("/", "br"), ("/", "gzip"), ("/pkg/linli.js", "br")] {
        let req = get(path).header(header::ACCEPT_ENCODING, encoding).body(Body::empty()).unwrap();
        let res = app.app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()[header::CONTENT_ENCODING], encoding, "{path}");
    }
}

#[tokio::test]
async fn unhashed_assets_are_revalidated_and_public_assets_cached_for_a_day() {
    // Test binaries have no hash.txt beside them, so /pkg names are unhashed here: no-cache.
    // (With hashed names the same route answers `immutable`; see the end-to-end run.)
    let app = test_app().await;
    let (status, headers, _) = send(&app, get("/pkg/linli.js").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    let (status, headers, _) = send(&app, get("/favicon.svg").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=86400");
}

/// Pages (which show who is logged in), server functions, redirects and refusals are never stored
/// by the browser or a proxy.
#[tokio::test]
async fn pages_and_api_answers_are_not_stored() {
    let app = test_app().await;
    for path in ["/", "/me", "/needs", "/no-such-page", "/api/notifications/unread"] {
        let (_, headers, _) = send(&app, get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{path}");
    }
    for (body, origin) in [("lang=en&back=%2Fme", "http://localhost"), ("lang=en", "https://evil.example")] {
        let req = post_form("/prefs", body).header(header::ORIGIN, origin).body(Body::from(body)).unwrap();
        let (status, headers, _) = send(&app, req).await;
        assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{status}");
    }
}

#[tokio::test]
async fn a_panicking_handler_gives_a_bilingual_500_and_the_server_keeps_serving() {
    async fn boom() -> &'static str {
        panic!("test panic")
    }
    let extra = axum::Router::new().route("/boom", axum::routing::get(boom));
    let app = test_app_with(extra, &[]).await;
    let (status, _, body) = send(&app, get("/boom").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("出了点问题") && body.contains("Something went wrong"));
    assert_eq!(send(&app, get("/healthz").body(Body::empty()).unwrap()).await.0, StatusCode::OK);
}

// The stylesheet is written into each page (#12, server/src/page_head.rs): no round trip before the
// first paint. The page's policy allows that one style element by the page's nonce.
#[tokio::test]
async fn pages_carry_their_stylesheet_allowed_by_their_nonce() {
    let page = axum::routing::get(|| async {
        (
            [(header::CONTENT_SECURITY_POLICY, app::ui::csp::page_policy("Nc3"))],
            axum::response::Html(concat!(
                r#"<!DOCTYPE html><html><head><link rel="stylesheet" id="leptos" href="/pkg/linli.h9.css">"#,
                r#"<script nonce="Nc3">1</script></head><body>hi</body></html>"#
            )),
        )
    });
    let unsafe_page = axum::routing::get(|| async {
        axum::response::Html(r#"<!DOCTYPE html><html><head><link rel="stylesheet" href="/pkg/linli.h9.css"></head><body>no policy</body></html>"#)
    });
    let app = test_app_in_site(axum::Router::new().route("/styled", page).route("/unstyled", unsafe_page), &[], |pkg| {
        std::fs::write(pkg.join("linli.h9.css"), "main{margin:0}").unwrap();
    })
    .await;
    let (status, headers, html) = send(&app, get("/styled").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<head><style nonce="Nc3">main{margin:0}</style><script nonce="Nc3">1</script></head>"#), "{html}");
    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains("style-src 'self' 'nonce-Nc3';") && !policy.contains("unsafe-inline"), "{policy}");
    // A page without a nonce in its policy keeps its link (and the strict default policy).
    let (_, headers, html) = send(&app, get("/unstyled").body(Body::empty()).unwrap()).await;
    assert!(html.contains(r#"<link rel="stylesheet" href="/pkg/linli.h9.css">"#) && !html.contains("<style"), "{html}");
    assert!(!headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("style-src"));
    // The file itself is still served.
    let (status, _, css) = send(&app, get("/pkg/linli.h9.css").body(Body::empty()).unwrap()).await;
    assert_eq!((status, css.as_str()), (StatusCode::OK, "main{margin:0}"));
}

/// A split loader as wasm-split writes it (two modules: a chunk and a lazy function's own).
const SPLIT_LOADER: &str = include_str!("fixtures/split_loader.js");

// A page's WASM modules come in one request (#12 point 3, server/src/wasm_pack.rs): the loader
// is served rewritten, packs of the modules are served by build and ranges, and a page's preloads
// of single modules become one preload of their pack.
#[tokio::test]
async fn split_wasm_modules_are_served_in_packs_and_pages_preload_one_pack() {
    let page = axum::routing::get(|| async {
        axum::response::Html(concat!(
            r#"<!DOCTYPE html><html><head><link rel="modulepreload" href="/pkg/__wasm_split.B1.js">"#,
            r#"<link as="fetch" crossorigin="n" href="/pkg/chunk_0.h0.wasm" rel="preload" type="application/wasm">"#,
            r#"<link as="fetch" crossorigin="n" href="/pkg/split_a.h1.wasm" rel="preload" type="application/wasm"></head><body>hi</body></html>"#
        ))
    });
    let app = test_app_in_site(axum::Router::new().route("/test-page", page), &[], |pkg| {
        std::fs::write(pkg.join("__wasm_split.B1.js"), SPLIT_LOADER).unwrap();
        std::fs::write(pkg.join("chunk_0.h0.wasm"), b"\0asm-zero").unwrap();
        std::fs::write(pkg.join("chunk_1.h2.wasm"), b"\0asm-one!!").unwrap();
        std::fs::write(pkg.join("split_a.h1.wasm"), b"\0asm-a").unwrap();
        std::fs::write(pkg.join("split_b.h3.wasm"), b"\0asm-b").unwrap();
    })
    .await;

    let (status, _, html) = send(&app, get("/test-page").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<link rel="preload" as="fetch" crossorigin href="/pkg/pack/B1/0.2" data-pack></head><body>hi</body>"#), "{html}");
    assert!(!html.contains("chunk_0.h0.wasm") && !html.contains("split_a.h1.wasm"), "{html}");

    // The loader, rewritten: each module through the packer by its index, named in a table, each
    // lazy function with the chunks it needs (server/src/wasm_pack.rs has the whole text).
    let (status, headers, js) = send(&app, get("/pkg/__wasm_split.B1.js").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert!(js.contains(r#"const __pkNames = ["chunk_0","chunk_1","split_a","split_b"];"#), "{js}");
    assert!(js.contains(r#"export const __wasm_split_load_b = wrapAsyncCb(__pkL(3, __pkD("0-1")));"#), "{js}");
    assert!(!js.contains("instantiateStreaming(") && !js.contains(".wasm"), "{js}");

    // The pack: count, lengths, modules; brotli when the browser takes it.
    let expected: &[u8] = b"\x02\0\0\0\x09\0\0\0\x0a\0\0\0\0asm-zero\0asm-one!!";
    let res = app.app.clone().oneshot(get("/pkg/pack/B1/0-1").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.into_body().collect().await.unwrap().to_bytes().as_ref(), expected);
    let res = app.app.clone().oneshot(get("/pkg/pack/B1/0-1").header(header::ACCEPT_ENCODING, "gzip, br").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "br");
    let compressed = res.into_body().collect().await.unwrap().to_bytes();
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut std::io::Cursor::new(compressed), &mut unpacked).unwrap();
    assert_eq!(unpacked, expected);
    let (status, _, one) = send(&app, get("/pkg/pack/B1/1").body(Body::empty()).unwrap()).await;
    assert_eq!((status, one.as_str()), (StatusCode::OK, "\x01\0\0\0\x0a\0\0\0\0asm-one!!"));

    // Another build's pack, a set not written the one way, or a module that does not exist: 404.
    for path in ["/pkg/pack/B0/0-1", "/pkg/pack/B1/0.1", "/pkg/pack/B1/1.0", "/pkg/pack/B1/0-4", "/pkg/pack/B1/"] {
        let (status, _, _) = send(&app, get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // The modules themselves are still there, one by one.
    let (status, _, chunk) = send(&app, get("/pkg/chunk_0.h0.wasm").body(Body::empty()).unwrap()).await;
    assert_eq!((status, chunk.as_str()), (StatusCode::OK, "\0asm-zero"));
}
