//! Shared test setup: a fresh database per test on every backend the run has.
//!
//! SQLite always (a temporary file). PostgreSQL when `LINLI_TEST_POSTGRES_URL` names a server
//! (the test script starts one); each test gets its own new database on it. With
//! `LINLI_REQUIRE_POSTGRES=1` (set by the test script) a missing server fails instead of skipping.
#![allow(dead_code)]
pub mod live;
pub mod people;
pub mod schema;
use server::db::Db;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// A temporary directory, removed by nobody: under the system temp dir, unique per call.
pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(unique("linli_test"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A migrated, empty SQLite database in a new file.
pub async fn sqlite() -> Db {
    sqlite_with_url().await.0
}

async fn sqlite_with_url() -> (Db, String) {
    let (db, url) = sqlite_unmigrated().await;
    db.migrate().await.unwrap();
    (db, url)
}

async fn sqlite_unmigrated() -> (Db, String) {
    let url = format!("sqlite://{}", temp_dir().join("test.db").display());
    (Db::connect(&url).await.unwrap(), url)
}

/// A migrated, empty PostgreSQL database, if the run has a server.
pub async fn postgres() -> Option<Db> {
    postgres_with_url().await.map(|(db, _)| db)
}

async fn postgres_with_url() -> Option<(Db, String)> {
    let (db, url) = postgres_unmigrated().await?;
    db.migrate().await.unwrap();
    Some((db, url))
}

async fn postgres_unmigrated() -> Option<(Db, String)> {
    let Ok(admin_url) = std::env::var("LINLI_TEST_POSTGRES_URL") else {
        if std::env::var("LINLI_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            panic!("LINLI_REQUIRE_POSTGRES=1 but LINLI_TEST_POSTGRES_URL is not set");
        }
        eprintln!("(PostgreSQL not available: LINLI_TEST_POSTGRES_URL unset; SQLite only)");
        return None;
    };
    let name = unique("linli");
    let admin = Db::connect(&admin_url).await.expect("connect to the test PostgreSQL server");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(admin.pool()).await.unwrap();
    admin.close().await;
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin_url);
    let url = format!("{base}/{name}");
    Some((Db::connect(&url).await.unwrap(), url))
}

/// One fresh database per backend of this run, labelled for assertion messages.
pub async fn databases() -> Vec<(&'static str, Db)> {
    let mut all = vec![("sqlite", sqlite().await)];
    if let Some(pg) = postgres().await {
        all.push(("postgres", pg));
    }
    all
}

/// One new, empty database per backend of this run, with no migration applied, and the directory
/// of that backend's migrations (for tests of a migration over data written before it).
pub async fn unmigrated_databases() -> Vec<(&'static str, Db, PathBuf)> {
    let dir = |b: &str| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations").join(b);
    let mut all = vec![("sqlite", sqlite_unmigrated().await.0, dir("sqlite"))];
    if let Some((db, _)) = postgres_unmigrated().await {
        all.push(("postgres", db, dir("postgres")));
    }
    all
}

/// `databases`, with the URL of each (for a server process started by the test).
pub async fn databases_with_urls() -> Vec<(&'static str, Db, String)> {
    let (db, url) = sqlite_with_url().await;
    let mut all = vec![("sqlite", db, url)];
    if let Some((db, url)) = postgres_with_url().await {
        all.push(("postgres", db, url));
    }
    all
}

/// Runs all futures at once: polled together, so their requests are all in flight together
/// (the server handles each on its own task).
pub async fn futures_join<F, T>(futs: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T>,
{
    // The futures borrow the server, so they are polled together rather than spawned.
    let mut set = Vec::new();
    for f in futs {
        set.push(Box::pin(f));
    }
    join_all(set).await
}

async fn join_all<F: std::future::Future<Output = T> + Unpin, T>(mut futs: Vec<F>) -> Vec<T> {
    use std::task::Poll;
    let mut out: Vec<Option<T>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futs.iter_mut().enumerate() {
            if out[i].is_none() {
                match std::pin::Pin::new(f).poll(cx) {
                    Poll::Ready(v) => out[i] = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending { Poll::Pending } else { Poll::Ready(()) }
    })
    .await;
    out.into_iter().map(Option::unwrap).collect()
}

/// A JPEG of `w`×`h` with an EXIF block carrying a recognisable (GPS-like) text, as phones write:
/// a stored photo must contain neither `Exif` nor that text.
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 90]));
    let mut plain = Vec::new();
    img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)).unwrap();
    let mut app1 = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
    app1.extend_from_slice(GPS_TEXT);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

/// The text `jpeg` hides in its EXIF block.
pub const GPS_TEXT: &[u8] = b"GPS 30.2741N 120.1551E";
