//! The database: SQLite (embedded default) or PostgreSQL, behind one sqlx `Any` pool so that the
//! queries are written once where the dialects agree (`$1` placeholders, `RETURNING`, integers for
//! time in UTC milliseconds). Migrations are kept per backend.
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Which database engine is behind the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    /// Tells apart the databases of one process (tests run several servers): keys of what is
    /// kept per database in memory, e.g. `kernel::batch` lanes.
    id: u64,
    pool: AnyPool,
    backend: Backend,
    /// SQLite only: where write transactions run (PostgreSQL locks rows, not the database).
    writer: Option<Writer>,
}

/// SQLite has one writer at a time. Its busy handler makes a waiting writer sleep and retry (1, 2,
/// 5, … 100 ms), so under load a writer can sleep long after the lock came free while later ones
/// take it. Write transactions therefore queue for `turn` first, in arrival order, and reach
/// `BEGIN IMMEDIATE` one at a time, on `conn`: the one connection they all run on. (Each
/// connection keeps its own page cache and drops it whenever another connection has written;
/// with every write on one connection, the writer's cache stays warm.)
#[derive(Clone, Debug)]
struct Writer {
    turn: Arc<Mutex<()>>,
    conn: AnyPool,
}

/// A write transaction; for SQLite it holds the writer's turn until it commits or is dropped.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

/// Run on every new SQLite connection. WAL lets readers run beside the writer; `busy_timeout`
/// makes a writer wait for the lock instead of failing; foreign keys are off by default in SQLite.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;";

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../server/migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../server/migrations/postgres");

impl Db {
    /// Connects to `url`; for SQLite, creates the file (and its folder) if missing.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres };
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let url = match backend {
            Backend::Sqlite => {
                ensure_sqlite_dir(url)?;
                // A local file's connection never goes stale: no ping before each use (a round
                // trip to the connection's thread per request).
                options = options.max_connections(8).test_before_acquire(false).after_connect(|conn, _meta| {
                    Box::pin(async move {
                        conn.execute(SQLITE_PRAGMAS).await?;
                        Ok(())
                    })
                });
                if url.contains('?') { url.to_string() } else { format!("{url}?mode=rwc") }
            }
            Backend::Postgres => {
                // No ping before each use either: it is one more round trip per request. A
                // connection broken meanwhile (the database restarted) fails its one query and is
                // dropped from the pool; the next request gets a new one.
                let size = std::env::var("LINLI_PG_POOL").ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(16);
                options = options.max_connections(size).test_before_acquire(false);
                url.to_string()
            }
        };
        let pool = options.clone().connect(&url).await?;
        let writer = match backend {
            Backend::Sqlite => Some(Writer { turn: Arc::new(Mutex::new(())), conn: options.max_connections(1).connect(&url).await? }),
            Backend::Postgres => None,
        };
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Db { id, pool, backend, writer })
    }

    /// This database's number in this process.
    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies the pending migrations of this backend.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATOR.run(&self.pool).await,
            Backend::Postgres => POSTGRES_MIGRATOR.run(&self.pool).await,
        }
    }

    /// Starts the transaction of one user action that writes.
    ///
    /// On SQLite a plain `BEGIN` takes the write lock only at the first write, and if another
    /// writer holds it then, the transaction fails with SQLITE_BUSY half-way (busy_timeout does
    /// not apply to a lock upgrade). `BEGIN IMMEDIATE` takes the lock up front, waiting up to
    /// busy_timeout, so a write transaction either starts with the lock or does not start.
    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        match &self.writer {
            Some(w) => {
                // As long as SQLite's busy_timeout would have waited for the lock, then the same refusal.
                let turn = tokio::time::timeout(Duration::from_secs(10), w.turn.clone().lock_owned()).await.map_err(|_| sqlx::Error::PoolTimedOut)?;
                Ok(WriteTx { tx: w.conn.begin_with("BEGIN IMMEDIATE").await?, _turn: Some(turn) })
            }
            None => Ok(WriteTx { tx: self.pool.begin().await?, _turn: None }),
        }
    }

    /// Whether the database answers (used by `/readyz`).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    pub async fn close(&self) {
        if let Some(w) = &self.writer {
            w.conn.close().await;
        }
        self.pool.close().await;
    }
}

fn ensure_sqlite_dir(url: &str) -> Result<(), sqlx::Error> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//").split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    Ok(())
}

/// Milliseconds since the Unix epoch, UTC: how every timestamp is stored.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
