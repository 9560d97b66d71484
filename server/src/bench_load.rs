//! What the write benchmarks (`bench-ballots`, `bench-bookings`) share: the bare insert loop they
//! are measured against, the server run in-process on a loopback port, residents' access cookies,
//! and concurrent clients that post and time each request.
use crate::config::Config;
use crate::db::Db;
use crate::http;
use std::sync::Arc;
use std::time::{Duration, Instant};

type AnyError = Box<dyn std::error::Error + Send + Sync>;

/// Single-row inserts, one after the other, each its own transaction, for `seconds`: how many, and
/// how long they took.
pub async fn bare_inserts(db: &Db, seconds: f64) -> Result<(usize, f64), sqlx::Error> {
    sqlx::query("CREATE TABLE bench_inserts (k BIGINT PRIMARY KEY, v TEXT NOT NULL)").execute(db.pool()).await?;
    let started = Instant::now();
    let mut n = 0usize;
    while started.elapsed().as_secs_f64() < seconds {
        sqlx::query("INSERT INTO bench_inserts (k, v) VALUES ($1, $2)").bind(n as i64).bind("o:1").execute(db.pool()).await?;
        n += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    sqlx::query("DROP TABLE bench_inserts").execute(db.pool()).await?;
    Ok((n, elapsed))
}

/// The server, running in this process until `stop`.
pub struct Running {
    pub addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
    }
}

/// Starts the server on a loopback port, with an access cookie for each of `users`.
pub async fn serve_in_process(config: Config, db: &Db, users: &[i64]) -> Result<(Running, Vec<String>), AnyError> {
    let state = http::AppState::new(config, db.clone())?;
    let keys = state.app.keys.clone();
    let mut cookies = Vec::with_capacity(users.len());
    {
        let mut conn = db.pool().acquire().await?;
        for &u in users {
            let (access, _) = app::account::session::start_session(&mut conn, &keys, u).await?;
            cookies.push(format!("{}={access}", app::account::session::ACCESS_COOKIE));
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(
        listener,
        http::router(state),
        async move {
            let _ = stopped.await;
        },
        Duration::from_secs(5),
    ));
    Ok((Running { addr, stop, server }, cookies))
}

/// What concurrent clients measured: each successful request's latency (µs, sorted), the failures,
/// the wall time, and what each client collected from its successful answers.
pub struct Load<T> {
    pub latencies_us: Vec<u64>,
    pub errors: usize,
    pub seconds: f64,
    pub collected: Vec<T>,
}

impl<T> Load<T> {
    /// The `p` quantile of the latencies, in ms.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        let l = &self.latencies_us;
        l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1))).map(|&us| us as f64 / 1000.0).unwrap_or(0.0)
    }
}

/// A closed-loop run of requests next to the bare insert loop on the same database, as one row of
/// BENCHMARKS.md's tables (ballots, survey responses): database, requests/s, p50, p99, errors,
/// bare inserts/s, and the ratio of the two rates.
#[derive(Debug)]
pub struct Report {
    pub backend: String,
    /// How many people took part (voters, respondents).
    pub people: usize,
    pub seconds: f64,
    /// Requests answered with success.
    pub done: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub inserts: usize,
    pub insert_seconds: f64,
}

impl Report {
    pub fn new<T>(backend: String, people: usize, load: &Load<T>, (inserts, insert_seconds): (usize, f64)) -> Report {
        Report {
            backend,
            people,
            seconds: load.seconds,
            done: load.latencies_us.len(),
            errors: load.errors,
            p50_ms: load.percentile_ms(0.50),
            p99_ms: load.percentile_ms(0.99),
            inserts,
            insert_seconds,
        }
    }
    pub fn per_sec(&self) -> f64 {
        self.done as f64 / self.seconds
    }
    pub fn inserts_per_sec(&self) -> f64 {
        self.inserts as f64 / self.insert_seconds
    }
    /// `| database | per s | p50 | p99 | errors | bare inserts/s | ratio |`
    pub fn row(&self) -> String {
        format!(
            "| {} | {:.0} | {:.1} ms | {:.1} ms | {} | {:.0} | {:.2} |",
            self.backend,
            self.per_sec(),
            self.p50_ms,
            self.p99_ms,
            self.errors,
            self.inserts_per_sec(),
            self.per_sec() / self.inserts_per_sec()
        )
    }
}

/// `concurrency` clients post to `url` until `deadline` or until `next` has no more requests for
/// them: `next(client, j)` gives the j-th request of a client (cookie, form body); `keep` turns a
/// successful answer into something to collect.
pub async fn drive<T: Send + 'static>(
    concurrency: usize,
    url: String,
    deadline: Instant,
    next: Arc<dyn Fn(usize, usize) -> Option<(String, String)> + Send + Sync>,
    keep: Arc<dyn Fn(usize, usize, &[u8]) -> Option<T> + Send + Sync>,
) -> Result<Load<T>, AnyError> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..concurrency {
        let (client, url, next, keep) = (client.clone(), url.clone(), next.clone(), keep.clone());
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors, mut got) = (Vec::new(), 0usize, Vec::new());
            let mut j = 0usize;
            while Instant::now() < deadline {
                let Some((cookie, body)) = next(k, j) else { break };
                let t = Instant::now();
                let res = client.post(&url).header("cookie", cookie).header("content-type", "application/x-www-form-urlencoded").body(body).send().await;
                let answer = match res {
                    Ok(r) if r.status().is_success() => r.bytes().await.ok(),
                    _ => None,
                };
                match answer {
                    Some(bytes) => {
                        lat.push(t.elapsed().as_micros() as u64);
                        got.extend(keep(k, j, &bytes));
                    }
                    None => errors += 1,
                }
                j += 1;
            }
            (lat, errors, got)
        }));
    }
    let mut load = Load { latencies_us: Vec::new(), errors: 0, seconds: 0.0, collected: Vec::new() };
    for t in tasks {
        let (l, e, g) = t.await?;
        load.latencies_us.extend(l);
        load.errors += e;
        load.collected.extend(g);
    }
    load.seconds = started.elapsed().as_secs_f64();
    load.latencies_us.sort_unstable();
    Ok(load)
}
