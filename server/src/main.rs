//! `server serve [--demo]` runs Linli; `server migrate` applies the database migrations and exits.
//! Configuration comes from the environment (see `config.rs` and the README).
use server::{config::Config, db::Db, http, seed, shutdown};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: server <command>\n\n\
  serve [--demo]   run the server (migrations are applied first; --demo fills an empty database)\n\
  migrate          apply the database migrations and exit\n\
  bench-needs [NEEDS SUPPORTS]\n\
                   fill the demo with NEEDS needs and SUPPORTS supports (default 10000 100000)\n\
                   and print an access cookie of a resident (for scripts/bench.sh)\n\
  bench-ballots [VOTERS SECONDS]\n\
                   measure ballots/s at 64 concurrent voters (default 640 voters, 20 s) against a\n\
                   bare insert loop on the same database (DATABASE_URL), and print the figures\n\
  bench-responses [RESPONDENTS SECONDS]\n\
                   measure survey responses/s at 64 concurrent respondents (default 640, 20 s)\n\
                   against a bare insert loop on the same database (DATABASE_URL)\n\
  bench-bookings [RESIDENTS SECONDS]\n\
                   a booking rush (64 concurrent residents, one session of 50 places, each\n\
                   resident once) then many sessions for SECONDS (default 640 residents, 20 s),\n\
                   bookings/s and latency against a bare insert loop (DATABASE_URL)\n\
  bench-signups [RESIDENTS]\n\
                   64 concurrent residents signing up for one activity of 50 places, each\n\
                   resident once (default 640), sign-ups/s and latency against a bare insert\n\
                   loop (DATABASE_URL)\n\
  bench-records [RECORDS OUTAGE_SECS PER_SEC]\n\
                   records delivered per second to the reference receiver (default 10000\n\
                   records), then the catch-up after the receiver was down OUTAGE_SECS (default\n\
                   600) while PER_SEC records a second kept coming (default 2)\n\
  receiver [--fail-before SHARE] [--fail-after SHARE] [--delay-ms MS] [--down] [--refuse]\n\
                   run the reference records receiver (LINLI_RECEIVER_ADDR, default\n\
                   127.0.0.1:3100; LINLI_RECEIVER_DB, default <data dir>/receiver.db; the secret\n\
                   is LINLI_RECORDS_SECRET), failing the given share of requests before or after\n\
                   storing them, answering slowly, down, or refusing; POST /control changes that\n\
  help             show this text\n";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into())).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("serve") => serve(args.iter().any(|a| a == "--demo")).await,
        Some("migrate") => migrate().await,
        Some("bench-needs") => {
            let n = |i: usize, d: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
            bench_needs(n(1, 10_000), n(2, 100_000)).await
        }
        Some("bench-ballots") => {
            let n = |i: usize, d: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
            bench_ballots(n(1, 640), n(2, 20) as u64).await
        }
        Some("bench-responses") => {
            let n = |i: usize, d: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
            bench_responses(n(1, 640), n(2, 20) as u64).await
        }
        Some("bench-bookings") => {
            let n = |i: usize, d: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
            bench_bookings(n(1, 640), n(2, 20) as u64).await
        }
        Some("bench-signups") => {
            let n = |i: usize, d: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
            bench_signups(n(1, 640)).await
        }
        Some("receiver") => receiver(&args[1..]).await,
        Some("bench-records") => {
            let n = |i: usize, d: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
            bench_records(n(1, 10_000), n(2, 600) as u64, n(3, 2)).await
        }
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => {
            eprint!("unknown command {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

type AnyError = Box<dyn std::error::Error + Send + Sync>;

async fn open_db(config: &Config) -> Result<Db, AnyError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    Ok(db)
}

async fn migrate() -> Result<(), AnyError> {
    let config = Config::from_env()?;
    let db = open_db(&config).await?;
    tracing::info!(backend = ?db.backend(), "migrations applied");
    db.close().await;
    Ok(())
}

async fn bench_needs(needs: usize, supports: usize) -> Result<(), AnyError> {
    let config = Config::from_env()?;
    let db = open_db(&config).await?;
    seed::seed_demo(&db).await?;
    let started = std::time::Instant::now();
    server::bench_data::insert(&db, needs, supports).await?;
    tracing::info!(needs, supports, secs = started.elapsed().as_secs_f64(), "benchmark data inserted");
    let keys = server::keys::KeySet::load(config.jwt_keys.as_deref(), &config.data_dir, &config.jwt_issuer, &config.jwt_audience)?;
    let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE phone = '13800000001'").fetch_one(db.pool()).await?;
    let mut conn = db.pool().acquire().await?;
    let (access, _) = app::account::session::start_session(&mut conn, &keys, user).await?;
    println!("{}={access}", app::account::session::ACCESS_COOKIE);
    drop(conn);
    db.close().await;
    Ok(())
}

async fn bench_ballots(voters: usize, seconds: u64) -> Result<(), AnyError> {
    let config = Config::from_env()?;
    let r = server::bench_ballots::run(config, voters, seconds).await?;
    println!("{}", r.row());
    tracing::info!(?r, "ballot benchmark");
    Ok(())
}

async fn bench_responses(respondents: usize, seconds: u64) -> Result<(), AnyError> {
    let config = Config::from_env()?;
    let r = server::bench_responses::run(config, respondents, seconds).await?;
    println!("{}", r.row());
    tracing::info!(?r, "survey response benchmark");
    Ok(())
}

async fn bench_signups(residents: usize) -> Result<(), AnyError> {
    let config = Config::from_env()?;
    let r = server::bench_signups::run(config, residents).await?;
    let (per_sec, inserts) = (r.signups as f64 / r.seconds, r.inserts as f64 / r.insert_seconds);
    println!(
        "| {} | {} | {:.0} | {:.1} ms | {:.1} ms | {} | {} | {:.0} | {:.2} |",
        r.backend,
        r.signups,
        per_sec,
        r.p50_ms,
        r.p99_ms,
        r.errors,
        r.held,
        inserts,
        per_sec / inserts
    );
    tracing::info!(?r, "sign-up benchmark");
    Ok(())
}

async fn bench_bookings(residents: usize, seconds: u64) -> Result<(), AnyError> {
    let config = Config::from_env()?;
    let r = server::bench_bookings::run(config, residents, seconds).await?;
    for (name, p) in [("rush (1 session)", &r.rush), ("many sessions", &r.many)] {
        println!(
            "| {} | {name} | {} | {:.0} | {:.1} ms | {:.1} ms | {} | {} | {:.0} | {:.2} |",
            r.backend,
            p.bookings,
            p.per_sec(),
            p.p50_ms,
            p.p99_ms,
            p.errors,
            p.held,
            r.inserts_per_sec(),
            p.per_sec() / r.inserts_per_sec()
        );
    }
    tracing::info!(?r, "booking benchmark");
    Ok(())
}

async fn bench_records(records: usize, outage_secs: u64, per_sec: usize) -> Result<(), AnyError> {
    let config = Config::from_env()?;
    let r = server::bench_records::run(config, records, outage_secs, per_sec).await?;
    println!(
        "| {} | {} | {:.1} s | {:.0}/s | {} s | {} | {:.0} s | {} |",
        r.backend,
        r.records,
        r.steady_seconds,
        r.per_sec(),
        r.outage_seconds,
        r.during_outage,
        r.catch_up_seconds,
        r.schedule
    );
    tracing::info!(?r, "records benchmark");
    Ok(())
}

async fn receiver(args: &[String]) -> Result<(), AnyError> {
    let config = Config::from_env()?;
    let secret = config.records_secret.clone().ok_or("LINLI_RECORDS_SECRET is required: the receiver verifies signatures")?;
    let mut faults = server::receiver::Faults::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().and_then(|v| v.parse::<f64>().ok()).ok_or(format!("{name} needs a number"));
        match a.as_str() {
            "--fail-before" => faults.fail_before = value(a)?,
            "--fail-after" => faults.fail_after = value(a)?,
            "--delay-ms" => faults.delay_ms = value(a)? as u64,
            "--down" => faults.down = true,
            "--refuse" => faults.refuse = true,
            other => return Err(format!("unknown receiver option {other:?}").into()),
        }
    }
    let addr = std::env::var("LINLI_RECEIVER_ADDR").unwrap_or_else(|_| "127.0.0.1:3100".into());
    let path = std::env::var("LINLI_RECEIVER_DB").map(std::path::PathBuf::from).unwrap_or_else(|_| config.data_dir.join("receiver.db"));
    let r = server::receiver::Receiver::open(&path, &secret, faults.clone()).await?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("Records receiver at http://{}/records (database {}; faults {faults:?})", listener.local_addr()?, path.display());
    server::receiver::serve(listener, r, shutdown::signal()).await?;
    Ok(())
}

async fn serve(demo: bool) -> Result<(), AnyError> {
    let config = Config::from_env()?;
    let db = open_db(&config).await?;
    if demo && seed::seed_demo(&db).await? {
        println!("\nDemo data created (district 西湖区, communities 翠苑社区 and 文鼎苑社区). Demo accounts:");
        for login in seed::DEMO_LOGINS {
            println!("  {}  {}", login.phone, login.who);
        }
        println!("Log in at /login with one of these numbers; with no SMS gateway configured the code");
        println!("is printed in the log and appended to {}.\n", config.data_dir.join("sms.log").display());
    }
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    // Fails at start, not at the first login, if the keys or the SMS gateway are unusable.
    let state = http::AppState::new(config, db.clone())?;
    tracing::info!(backend = ?db.backend(), "listening on http://{addr}");
    println!("Linli is running at http://{addr}  (Ctrl-C to stop)");
    // Opens, reminds and closes deliberations on time; its first pass catches up on whatever fell
    // due while the server was down.
    let scheduler = server::scheduler::spawn(db.clone(), Duration::from_secs(state.config.scheduler_secs));
    // Delivers official records to the records platform, when one is configured.
    let relay = match (&state.config.records_url, &state.config.records_secret) {
        (Some(url), Some(secret)) => {
            let c = &state.config;
            let mut rc = app::records::relay::RelayConfig::new(url.clone(), secret, c.instance.clone());
            rc.schedule_ms = c.records_schedule_ms.clone();
            rc.timeout = Duration::from_secs(c.records_timeout_secs);
            rc.lease_ms = c.records_lease_ms.max(c.records_timeout_secs as i64 * 2000);
            tracing::info!(url = %url, instance = %c.instance, "records relay on");
            Some(server::scheduler::spawn_relay(db.clone(), app::records::relay::Relay::new(rc)?, Duration::from_millis(c.records_every_ms)))
        }
        _ => None,
    };
    http::serve(listener, http::router(state), shutdown::signal(), grace).await?;
    scheduler.abort();
    if let Some(r) = relay {
        r.abort();
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}
