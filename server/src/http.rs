//! The HTTP host: the axum router around the Leptos app, with the cross-cutting layers every
//! request goes through (request id and tracing, panic catching, compression, body limit, security
//! headers, cross-site request refusal) and the operational endpoints.
use crate::config::Config;
use crate::db::Db;
use crate::keys::{KeyError, KeySet};
use crate::page_head::{self, PageHead, Stylesheet};
use crate::wasm_pack::WasmPacks;
use app::account::session::{self as session, ACCESS_COOKIE, AccessClaims, REFRESH_COOKIE, Refreshed};
use app::infra::AppContext;
use app::infra::blobs::FsBlobStore;
use app::infra::sms::{DevSink, HttpGateway, SmsError, SmsGateway};
use app::kernel::csv::Encoding;
use app::ui::prefs::{ELDERLY_COOKIE, LANG_COOKIE, PREF_MAX_AGE_SECS, safe_back_path};
use axum::{
    Form, Router,
    body::Body,
    extract::DefaultBodyLimit,
    extract::{FromRef, Path, Query, Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde::Deserialize;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{CompressionLayer, CompressionLevel},
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
    trace::{DefaultOnResponse, TraceLayer},
};

/// What every handler and server function can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
    pub app: AppContext,
}

/// Why the server cannot start with this configuration.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(transparent)]
    Sms(#[from] SmsError),
}

impl AppState {
    /// Everything the app needs, from the configuration and an open database.
    pub fn new(config: Config, db: Db) -> Result<AppState, StartError> {
        let keys = KeySet::load(config.jwt_keys.as_deref(), &config.data_dir, &config.jwt_issuer, &config.jwt_audience)?;
        let sms: Arc<dyn SmsGateway> = match &config.sms_url {
            Some(url) => Arc::new(HttpGateway::new(url.clone(), config.sms_token.clone(), Duration::from_millis(config.sms_timeout_ms))?),
            None => Arc::new(DevSink { path: config.data_dir.join("sms.log") }),
        };
        Ok(AppState {
            leptos_options: leptos_options(&config),
            app: AppContext {
                db: db.clone(),
                keys: Arc::new(keys),
                sms,
                blobs: Arc::new(FsBlobStore { dir: config.data_dir.join("media") }),
                proxies: Arc::new(config.trusted_proxies.clone()),
                records_applied_url: config.records_applied_url.clone(),
            },
            db,
            config: Arc::new(config),
        })
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Leptos options from our configuration (not from cargo-leptos' environment), so the binary
/// runs the same under `cargo leptos`, a service manager or a test.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    // cargo-leptos writes hash.txt next to the binary when it builds with hashed file names.
    let hash_files = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").is_file())).unwrap_or(false);
    LeptosOptions::builder().output_name("linli").site_root(config.site_root.as_str()).site_pkg_dir("pkg").site_addr(config.addr).hash_files(hash_files).build()
}

/// The split WASM's modules in packs (`wasm_pack`), if the site was built with `--split`.
fn wasm_packs(pkg_dir: &std::path::Path) -> Option<Arc<WasmPacks>> {
    let loader = WasmPacks::find(pkg_dir)?;
    match WasmPacks::load(pkg_dir, &loader) {
        Ok(packs) => Some(Arc::new(packs)),
        Err(e) => {
            tracing::warn!(error = %e, "the WASM modules are served one by one");
            None
        }
    }
}

/// The app's routes, generated once per process. Generating them sets a process-wide flag that
/// suppresses resource loading, so a page rendering at that moment (another router of the same
/// process — the tests build one per test) would wait forever for its resources
/// (leptos-rs/leptos#4773). A server builds its router once, before serving; caching the list
/// makes every later router safe too.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// The whole application plus `extra` routes (tests add endpoints that panic or stall).
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    let options = state.leptos_options.clone();
    let routes = route_list();
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.app.clone());
            provide_context(state.config.clone());
        }
    };
    let pkg_cache = if options.hash_files {
        // Names carry a content hash: a changed file is a new URL.
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else {
        HeaderValue::from_static("no-cache")
    };
    let pkg = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, pkg_cache))
        .service(ServeDir::new(format!("{}/{}", options.site_root, options.site_pkg_dir)).precompressed_br().precompressed_gzip());
    let server_fns = {
        let context = context.clone();
        move |req: Request| leptos_axum::handle_server_fns_with_context(context.clone(), req)
    };
    let shell_options = options.clone();
    let pkg_dir = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let packs = wasm_packs(&pkg_dir);
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/prefs", post(set_prefs))
        .route("/media/needs/{key}", get(need_photo))
        .route("/media/activities/{key}", get(activity_photo))
        .route("/media/projects/{key}", get(project_photo))
        .route("/services/bookings/{id}/calendar.ics", get(booking_calendar))
        .route("/activities/export.csv", get(activities_export))
        .route("/surveys/{id}/export.csv", get(survey_export))
        .route("/records/v1/events", get(pull_records))
        .route("/open-data/{district}/{community}/results", get(open_results))
        .route("/api/{*fn_name}", get(server_fns.clone()).post(server_fns))
        .merge(packs.as_ref().map(|p| p.routes()).unwrap_or_default())
        .nest_service("/pkg", pkg)
        .merge(extra)
        .leptos_routes_with_context(&state, routes, context.clone(), move || app::shell(shell_options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, app::shell))
        // Here, not on the `/api` route: Leptos registers each server function at its own path.
        .layer(middleware::from_fn(plain_form_back))
        .layer(middleware::from_fn_with_state(state.clone(), renew_session))
        .layer(middleware::from_fn_with_state(state.clone(), refuse_cross_site))
        .layer(RequestBodyLimitLayer::new(state.config.body_limit))
        // Outside the limit: a body refused by its `Content-Length` never reaches the layers within.
        .layer(middleware::from_fn(localize_too_large))
        // One limit, ours (configurable, with a localized 413), instead of axum's fixed 2 MB.
        .layer(DefaultBodyLimit::disable())
        // Outside the refusals above, so that they are not stored either.
        .layer(middleware::from_fn(cache_headers));
    let head = PageHead { packs, stylesheet: Stylesheet::find(&pkg_dir) };
    let app =
        if head.packs.is_some() || head.stylesheet.is_some() { app.layer(middleware::from_fn_with_state(Arc::new(head), page_head::rewrite)) } else { app };
    with_security_headers(app)
        .layer(CompressionLayer::new().br(true).gzip(true).quality(CompressionLevel::Precise(5)))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", id = %id, method = %req.method(), uri = %req.uri())
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// Security headers of every response. HTML pages carry their own nonce-based CSP (set while
/// rendering, see `app::ui::csp`); everything else gets a policy that allows nothing.
fn with_security_headers(router: Router<AppState>) -> Router<AppState> {
    const FIXED: [(&str, &str); 5] = [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        ("permissions-policy", "geolocation=(), microphone=(), camera=(self)"),
        ("cross-origin-opener-policy", "same-origin"),
    ];
    let router = router.layer(SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
    ));
    FIXED.iter().fold(router, |r, (name, value)| r.layer(SetResponseHeaderLayer::overriding(HeaderName::from_static(name), HeaderValue::from_static(value))))
}

/// A stored photo (always a JPEG written by the photo pipeline) for the one who asked, or 404.
fn private_jpeg<E>(found: Result<Vec<u8>, E>) -> Response {
    match found {
        Ok(bytes) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg")), (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400"))],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A photo of a need, for whoever may see the need (or uploaded it); 404 for anyone else.
async fn need_photo(State(state): State<AppState>, Path(key): Path<String>, headers: HeaderMap) -> Response {
    let Ok(p) = session::principal_from_access(&state.db, &state.app.keys, &headers).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    private_jpeg(app::needs::store::photo_for(&state.db, state.app.blobs.as_ref(), &p, &key).await)
}

/// A photo of an activity's report, for whoever may see the activity; 404 for anyone else.
async fn activity_photo(State(state): State<AppState>, Path(key): Path<String>, headers: HeaderMap) -> Response {
    let Ok(p) = session::principal_from_access(&state.db, &state.app.keys, &headers).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    private_jpeg(app::activities::store::photo_for(&state.db, state.app.blobs.as_ref(), &p, &key).await)
}

/// A photo of a project, for whoever may see the project; 404 for anyone else.
async fn project_photo(State(state): State<AppState>, Path(key): Path<String>, headers: HeaderMap) -> Response {
    let Ok(p) = session::principal_from_access(&state.db, &state.app.keys, &headers).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    private_jpeg(app::projects::store::photo_for(&state.db, state.app.blobs.as_ref(), &p, &key).await)
}

/// A booking's calendar file (RFC 5545), for its household or a worker of its community; 404 for
/// anyone else.
async fn booking_calendar(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    let Ok(p) = session::principal_from_access(&state.db, &state.app.keys, &headers).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match app::services::store::booking_ics(&state.db, &p, id).await {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8")),
                (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"linli-booking.ics\"")),
                (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
            ],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Deserialize)]
struct ExportQuery {
    from: String,
    to: String,
    encoding: Option<String>,
}

/// A worker's export of participants and verified hours (`?from=YYYY-MM-DD&to=YYYY-MM-DD&encoding=utf8|gbk`):
/// CSV, UTF-8 with a BOM or GBK. Not logged in: to the login page; not a worker: 404.
async fn activities_export(State(state): State<AppState>, Query(q): Query<ExportQuery>, headers: HeaderMap) -> Response {
    let Ok(p) = session::principal_from_access(&state.db, &state.app.keys, &headers).await else {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, HeaderValue::from_static("/login?next=/activities/review"))]).into_response();
    };
    let encoding = Encoding::from_param(q.encoding.as_deref());
    match app::activities::store::export(&state.db, &p, None, &q.from, &q.to, encoding).await {
        Ok(bytes) => csv_file(bytes, encoding, "linli-activities.csv"),
        Err(app::activities::error::ActivityError::Common(app::kernel::error::CommonError::InvalidInput)) => StatusCode::BAD_REQUEST.into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Deserialize)]
struct EncodingQuery {
    encoding: Option<String>,
}

/// A survey's responses as a spreadsheet, for the workers of its community; 404 for anyone else.
async fn survey_export(State(state): State<AppState>, Path(id): Path<i64>, Query(q): Query<EncodingQuery>, headers: HeaderMap) -> Response {
    let Ok(p) = session::principal_from_access(&state.db, &state.app.keys, &headers).await else {
        let next = format!("/login?next=/surveys/{id}/results");
        return (StatusCode::SEE_OTHER, [(header::LOCATION, HeaderValue::from_str(&next).unwrap_or(HeaderValue::from_static("/login")))]).into_response();
    };
    let encoding = Encoding::from_param(q.encoding.as_deref());
    match app::surveys::store::export(&state.db, &p, id, encoding).await {
        Ok(bytes) => csv_file(bytes, encoding, &format!("linli-survey-{id}.csv")),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A CSV download (private: never cached).
fn csv_file(bytes: Vec<u8>, encoding: Encoding, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_str(&format!("text/csv; charset={}", encoding.charset())).unwrap_or(HeaderValue::from_static("text/csv"))),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).unwrap_or(HeaderValue::from_static("attachment"))),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Deserialize)]
struct PullQuery {
    community: String,
    after: Option<i64>,
    limit: Option<i64>,
}

/// The pull API: `GET /records/v1/events?community=CODE&after=SEQ[&limit=N]` with
/// `Authorization: Bearer <key of the district>`. Records in `seq` order, the same envelope as
/// the push; `next_after` is where the next page starts (absent at the end).
async fn pull_records(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<PullQuery>) -> Response {
    let json_error = |status: StatusCode, error: &str| (status, axum::Json(serde_json::json!({ "error": error }))).into_response();
    let key = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or_default();
    let district = match app::records::access::key_district(&state.db, key.trim()).await {
        Ok(Some(d)) => d,
        Ok(None) => return json_error(StatusCode::UNAUTHORIZED, "a live API key of the district is required (Authorization: Bearer …)"),
        Err(_) => return json_error(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    };
    let limit = q.limit.unwrap_or(100);
    match app::records::access::pull(&state.db, district, &q.community, q.after.unwrap_or(0), limit).await {
        Ok(Some(records)) => {
            let full = records.len() as i64 == limit.clamp(1, app::records::model::PAGE_MAX);
            let next_after = records.last().filter(|_| full).map(|r| r.seq);
            axum::Json(serde_json::json!({ "records": records, "next_after": next_after })).into_response()
        }
        Ok(None) => json_error(StatusCode::NOT_FOUND, "no such community in the key's district"),
        Err(_) => json_error(StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

#[derive(Deserialize)]
struct OpenQuery {
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

/// Open data, no login: `GET /open-data/{district}/{community}/results?from=YYYY-MM-DD&to=YYYY-MM-DD&format=csv|json`
/// — a community's official results made between the two days (Beijing time, both included;
/// default the last 365 days), without personal data (the records' own fields).
async fn open_results(State(state): State<AppState>, Path((district, community)): Path<(String, String)>, Query(q): Query<OpenQuery>) -> Response {
    let day = |s: &Option<String>| s.as_deref().filter(|s| !s.is_empty()).map(|s| app::time::parse_day(s).ok_or(()));
    let (Ok(from), Ok(to)) = (day(&q.from).transpose(), day(&q.to).transpose()) else {
        return (StatusCode::BAD_REQUEST, "from and to are days: YYYY-MM-DD").into_response();
    };
    let now = app::infra::db::now_ms();
    let to_ms = to.map(|d| app::time::day_start(d) + 86_400_000).unwrap_or(now + 1);
    let from_ms = from.map(app::time::day_start).unwrap_or(to_ms - 365 * 86_400_000);
    let records = match app::records::access::open_results(&state.db, &district, &community, from_ms, to_ms).await {
        Ok(Some(r)) => r,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    };
    if q.format.as_deref() == Some("json") {
        return ([(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"))], axum::Json(records)).into_response();
    }
    let name = format!("linli-{district}-{community}-results.csv");
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).unwrap_or(HeaderValue::from_static("attachment"))),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
        ],
        app::records::model::results_csv(&records),
    )
        .into_response()
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers within two seconds.
async fn readyz(State(db): State<Db>) -> Response {
    match tokio::time::timeout(Duration::from_secs(2), db.ping()).await {
        Ok(Ok(())) => "ready".into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check: database error");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database timeout").into_response(),
    }
}

#[derive(Deserialize)]
struct PrefsForm {
    lang: Option<String>,
    elderly: Option<String>,
    back: Option<String>,
}

/// The no-JavaScript path of the language and elderly-mode switches: set the cookie, go back.
async fn set_prefs(Form(form): Form<PrefsForm>) -> Response {
    let back = safe_back_path(form.back.as_deref().unwrap_or("/")).to_string();
    let mut response = Redirect::to(&back).into_response();
    let mut set = |name: &str, value: &str| {
        let cookie = format!("{name}={value}; Path=/; Max-Age={PREF_MAX_AGE_SECS}; SameSite=Lax");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    };
    if let Some(lang) = form.lang.as_deref().filter(|l| matches!(*l, "zh-CN" | "en")) {
        set(LANG_COOKIE, lang);
    }
    if let Some(e) = form.elderly.as_deref().filter(|e| matches!(*e, "0" | "1")) {
        set(ELDERLY_COOKIE, e);
    }
    response
}

/// The two languages of our messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

/// The language of a request: the user's choice (cookie), else the browser's, else Chinese.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    match session::request_cookie(headers, LANG_COOKIE) {
        Some("en") => return Lang::En,
        Some("zh-CN") => return Lang::Zh,
        _ => {}
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let first = accept.split(',').next().unwrap_or("").trim().to_ascii_lowercase();
    if first.starts_with("en") { Lang::En } else { Lang::Zh }
}

fn localized(status: StatusCode, lang: Lang, zh: &str, en: &str) -> Response {
    let body = match lang {
        Lang::Zh => zh,
        Lang::En => en,
    };
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body.to_string()).into_response()
}

/// Whether a state-changing request comes from another site (CSRF). Browsers send
/// `Sec-Fetch-Site` and `Origin` with every non-GET request; a request with neither is not from a
/// browser page and carries no ambient credentials worth forging.
pub fn is_cross_site(headers: &HeaderMap, allowed_origins: &[String]) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if let Some(origin) = origin {
        let origin = origin.trim_end_matches('/');
        if allowed_origins.iter().any(|a| a == origin) {
            return false;
        }
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin_host = origin.split_once("://").map(|(_, h)| h);
        return match (origin_host, host) {
            (Some(o), Some(h)) => !o.eq_ignore_ascii_case(h),
            _ => true, // "null" or malformed origin
        };
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("same-origin") | Some("none") | None => false,
        Some(_) => true,
    }
}

async fn refuse_cross_site(State(config): State<Arc<Config>>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && is_cross_site(req.headers(), &config.allowed_origins) {
        tracing::warn!(origin = ?req.headers().get(header::ORIGIN), "refused cross-site request");
        return localized(
            StatusCode::FORBIDDEN,
            request_lang(req.headers()),
            "请求来自其他网站，已被拒绝。请在邻里应用内操作。",
            "This request came from another site and was refused. Please use the Linli app itself.",
        );
    }
    next.run(req).await
}

/// Renews an expired session from its refresh token before the request is handled: the new
/// access token replaces the old one in this request's cookies (so pages and server functions see
/// a logged-in user) and both new cookies go back with the response. A refresh token that was
/// already used revokes its session (see `session::refresh`); then the cookies are cleared.
async fn renew_session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // Files and probes need no session: renewing there would be a write transaction on every
    // asset, and the browser's parallel asset requests would all present the same refresh token.
    let path = req.uri().path();
    if is_static_asset(path) || path.starts_with("/media/") || path == "/healthz" || path == "/readyz" {
        return next.run(req).await;
    }
    let headers = req.headers();
    let access_ok = session::request_cookie(headers, ACCESS_COOKIE).is_some_and(|t| state.app.keys.verify::<AccessClaims>(t).is_ok());
    let refresh = session::request_cookie(headers, REFRESH_COOKIE).map(str::to_string);
    let (Some(refresh), false) = (refresh, access_ok) else {
        return next.run(req).await;
    };
    let set_cookies = match session::refresh(&state.db, &state.app.keys, &refresh).await {
        Ok(Refreshed::Rotated { access, refresh: new_refresh, .. }) => {
            let others: Vec<String> = req
                .headers()
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|h| h.split(';').map(|p| p.trim().to_string()).collect::<Vec<_>>())
                .filter(|p| !p.starts_with(&format!("{ACCESS_COOKIE}=")) && !p.starts_with(&format!("{REFRESH_COOKIE}=")))
                .collect();
            let mut cookie = others.join("; ");
            if !cookie.is_empty() {
                cookie.push_str("; ");
            }
            cookie.push_str(&format!("{ACCESS_COOKIE}={access}"));
            req.headers_mut().remove(header::COOKIE);
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                req.headers_mut().insert(header::COOKIE, v);
            }
            session::session_cookies(&access, &new_refresh)
        }
        Ok(Refreshed::Rejected | Refreshed::ReuseDetected) => session::clear_cookies(),
        Err(e) => {
            tracing::error!(error = %e, "session renewal failed");
            return next.run(req).await;
        }
    };
    let mut response = next.run(req).await;
    for c in set_cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// Gives the body limit's bare 413 a message the user can read: for a server function the shared
/// refusal its caller decodes (`{"Common":"TooLarge"}`, shown in the user's language), for anything
/// else a localized text.
async fn localize_too_large(req: Request, next: Next) -> Response {
    let lang = request_lang(req.headers());
    let api = req.uri().path().starts_with("/api/");
    let response = next.run(req).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && response.headers().get(header::CONTENT_TYPE).is_none_or(|ct| ct.as_bytes().starts_with(b"text/plain"))
    {
        if api {
            // The shared refusal as every capability's error type carries it.
            let body = serde_json::json!({ "Common": app::kernel::error::CommonError::TooLarge }).to_string();
            return (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        }
        return localized(
            StatusCode::PAYLOAD_TOO_LARGE,
            lang,
            "提交的内容太大了，请减少照片或文字后再试。",
            "What you sent is too large. Please send fewer photos or less text and try again.",
        );
    }
    response
}

/// A server function called by a plain HTML form (a page not yet live posts its `works-early`
/// forms): Leptos sends the browser back to the page it came from (`Location`: the same-site
/// `Referer`), but a refusal's status would turn that into a page of JSON. Whatever the answer,
/// the browser goes back to the page (303: see it again with a GET), which shows what is now true;
/// the page, once live, says why when the action is tried again.
async fn plain_form_back(req: Request, next: Next) -> Response {
    let plain_form = req.method() == Method::POST
        && req.uri().path().starts_with("/api/")
        && req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    let response = next.run(req).await;
    if !plain_form {
        return response;
    }
    if !response.headers().contains_key(header::LOCATION) {
        return response;
    }
    // Its other headers (cookies) stay; the body (JSON for a script) goes.
    let (mut parts, _) = response.into_parts();
    parts.status = StatusCode::SEE_OTHER;
    // Leptos leaves an empty query (`…/needs/6?`) where it puts a refusal (`?__path=…&__err=…`,
    // shown by the page once live): the page's own address.
    if let Some(back) = parts.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_suffix('?'))
        && let Ok(back) = HeaderValue::from_str(back)
    {
        parts.headers.insert(header::LOCATION, back);
    }
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::empty())
}

/// A file path (its last segment has an extension): `/pkg/…`, icons, the manifest. Never a page.
fn is_static_asset(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

/// Caching, for what did not set its own (`/pkg` and photos do): public assets (icons, manifest)
/// for a day; everything else — pages, which show who is logged in and their data, server
/// functions, redirects, errors — is never stored by the browser or anything in between.
async fn cache_headers(req: Request, next: Next) -> Response {
    let is_get = req.method() == Method::GET;
    let path = req.uri().path().to_string();
    let mut response = next.run(req).await;
    if response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let value = if is_get && is_static_asset(&path) && !path.starts_with("/pkg/") && response.status() == StatusCode::OK {
        "public, max-age=86400"
    } else {
        "no-store"
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// A panic in a handler: log it, answer with a page in both languages (we cannot know which).
fn panic_response(_err: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    tracing::error!("a request handler panicked");
    let body = "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
        <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
        <title>出了点问题 · Something went wrong</title></head><body>\
        <h1>出了点问题</h1><p>请稍后再试。如果问题持续，请联系社区工作者。</p>\
        <h1 lang=\"en\">Something went wrong</h1><p lang=\"en\">Please try again later. \
        If the problem persists, contact your community worker.</p>\
        <p><a href=\"/\">返回首页 · Back to home</a></p></body></html>";
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting, lets in-flight
/// requests finish for up to `grace`, and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (fired_tx, mut fired_rx) = tokio::sync::watch::channel(false);
    use axum::serve::ListenerExt;
    // Responses are streamed in several writes (the shell first, then resolved parts): without
    // TCP_NODELAY, Nagle's algorithm and the client's delayed ACK add ~40 ms to each page.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY");
        }
    });
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = fired_tx.send(true);
    });
    let deadline = async move {
        if fired_rx.wait_for(|fired| *fired).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = async move { server.await } => result,
        _ = deadline => {
            tracing::warn!("grace period over: closing the remaining connections");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_requests_pass_and_foreign_ones_do_not() {
        let none: &[String] = &[];
        assert!(!is_cross_site(&headers(&[("host", "a.example"), ("origin", "https://a.example")]), none));
        assert!(is_cross_site(&headers(&[("host", "a.example"), ("origin", "https://evil.example")]), none));
        assert!(is_cross_site(&headers(&[("host", "a.example"), ("origin", "null")]), none));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")]), none));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")]), none));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "same-origin")]), none));
        assert!(!is_cross_site(&headers(&[]), none), "no browser, no ambient credentials");
    }

    #[test]
    fn configured_public_origin_is_allowed_behind_a_proxy() {
        let allowed = vec!["https://linli.example".to_string()];
        let h = headers(&[("host", "10.0.0.5:3000"), ("origin", "https://linli.example")]);
        assert!(!is_cross_site(&h, &allowed));
    }

    #[test]
    fn language_is_the_cookie_then_the_browser_then_chinese() {
        assert_eq!(request_lang(&headers(&[("cookie", "linli_lang=en")])), Lang::En);
        assert_eq!(request_lang(&headers(&[("cookie", "linli_lang=zh-CN"), ("accept-language", "en-US")])), Lang::Zh);
        assert_eq!(request_lang(&headers(&[("accept-language", "en-GB,en;q=0.9")])), Lang::En);
        assert_eq!(request_lang(&headers(&[])), Lang::Zh);
    }
}
