//! Configuration from the environment. Every setting has a development default so that a fresh
//! clone runs with no setup; production sets them explicitly (see README, "Configuration").
use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything the server reads from its environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// `LINLI_ADDR`: where to listen (default `127.0.0.1:3000`).
    pub addr: SocketAddr,
    /// `DATABASE_URL`: `sqlite://…` (default `sqlite://data/linli.db`) or `postgres://…`.
    pub database_url: String,
    /// `LINLI_DATA_DIR`: files the server owns (SQLite database, dev keys, dev SMS sink, uploads).
    pub data_dir: PathBuf,
    /// `LINLI_SITE_ROOT`: the cargo-leptos output (`pkg/` and the public assets).
    pub site_root: String,
    /// `LINLI_JWT_KEYS`: `kid:base64secret[,kid:base64secret…]`, the first one signs; the others
    /// still verify until their tokens have expired (key rotation). Unset: a development key is
    /// generated once under the data directory.
    pub jwt_keys: Option<String>,
    /// `LINLI_JWT_ISSUER` / `LINLI_JWT_AUDIENCE`: the `iss` and `aud` of our access tokens.
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// `LINLI_RECORDS_URL` / `LINLI_RECORDS_SECRET`: the official-records endpoint and the HMAC
    /// secret of the records sync. Unset: official events stay queued in the outbox.
    pub records_url: Option<String>,
    pub records_secret: Option<String>,
    /// `LINLI_RECORDS_SCHEDULE`: waits between attempts, e.g. `5s,5m,30m` (default: the Standard
    /// Webhooks schedule 5s,5m,30m,2h,5h,10h,14h,20h,24h); tests compress it.
    pub records_schedule_ms: Vec<i64>,
    /// `LINLI_RECORDS_RECONCILE_URL`: where the receiver lists the records it applied (for the
    /// reconciliation report). Default: the reference receiver's `/applied` beside
    /// `LINLI_RECORDS_URL` when that ends in `/records`.
    pub records_applied_url: Option<String>,
    /// `LINLI_RECORDS_TIMEOUT_SECS`: how long one delivery attempt may take (default 15).
    pub records_timeout_secs: u64,
    /// `LINLI_RECORDS_LEASE_MS`: how long a stream claimed by this instance stays its own without
    /// renewal (default 60000; at least twice the attempt timeout). A killed instance's streams
    /// are taken over by another after this; the same instance restarted takes them back at once.
    pub records_lease_ms: i64,
    /// `LINLI_RECORDS_EVERY_MS`: how often the relay looks for records to send (default 1000).
    pub records_every_ms: u64,
    /// `LINLI_INSTANCE`: this server's name in the relay's leases (default: host, process id and a
    /// random suffix). Two instances on one database must not share it.
    pub instance: String,
    /// `LINLI_SMS_URL` / `LINLI_SMS_TOKEN`: the SMS gateway (POST JSON, bearer token). Unset: the
    /// development sink (`<data dir>/sms.log` and the log).
    pub sms_url: Option<String>,
    pub sms_token: Option<String>,
    /// `LINLI_SMS_TIMEOUT_MS`: how long to wait for the gateway (default 5000).
    pub sms_timeout_ms: u64,
    /// `LINLI_BODY_LIMIT`: largest accepted request body in bytes (default 10 MiB: a 6 MB photo in base64).
    pub body_limit: usize,
    /// `LINLI_ALLOWED_ORIGINS`: extra origins (comma separated) allowed to send non-GET requests,
    /// for a deployment behind a proxy whose public origin differs from the Host header.
    pub allowed_origins: Vec<String>,
    /// `LINLI_TRUSTED_PROXIES`: addresses or networks (comma separated, e.g. `10.0.0.0/8,::1`) of
    /// the reverse proxies in front of the server. From those only, the client's address is taken
    /// from `Forwarded` / `X-Forwarded-For` (for the per-address rate limits); unset, the socket's
    /// peer is the client and those headers are ignored. See `app::infra::net`.
    pub trusted_proxies: app::infra::net::TrustedProxies,
    /// `LINLI_SHUTDOWN_GRACE_SECS`: how long in-flight requests may run after a stop signal.
    pub shutdown_grace_secs: u64,
    /// `LINLI_SCHEDULER_SECS`: how often the scheduler opens, reminds and closes deliberations.
    pub scheduler_secs: u64,
}

/// A setting that is present but unusable: the server refuses to start rather than guess.
#[derive(Debug, thiserror::Error)]
#[error("invalid {name}: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub reason: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `get`, so tests can pass a map instead of the environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let addr = get("LINLI_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        let addr = addr.parse().map_err(|e| ConfigError { name: "LINLI_ADDR", reason: format!("{addr:?}: {e}") })?;
        let data_dir = PathBuf::from(get("LINLI_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = get("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}/linli.db", data_dir.display()));
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError { name: "DATABASE_URL", reason: "must start with sqlite:, postgres:// or postgresql://".into() });
        }
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => v.parse().map_err(|e| ConfigError { name, reason: format!("{v:?}: {e}") }),
            }
        };
        let body_limit = number("LINLI_BODY_LIMIT", 10 * 1024 * 1024)? as usize;
        let shutdown_grace_secs = number("LINLI_SHUTDOWN_GRACE_SECS", 30)?;
        let scheduler_secs = number("LINLI_SCHEDULER_SECS", 30)?.max(1);
        let sms_timeout_ms = number("LINLI_SMS_TIMEOUT_MS", 5000)?;
        let records_url = get("LINLI_RECORDS_URL").filter(|s| !s.is_empty());
        let records_secret = get("LINLI_RECORDS_SECRET").filter(|s| !s.is_empty());
        if records_url.is_some() && records_secret.is_none() {
            return Err(ConfigError { name: "LINLI_RECORDS_SECRET", reason: "required when LINLI_RECORDS_URL is set (deliveries are signed)".into() });
        }
        let records_schedule_ms = match get("LINLI_RECORDS_SCHEDULE").filter(|s| !s.is_empty()) {
            None => app::records::model::STANDARD_SCHEDULE_MS.to_vec(),
            Some(text) => app::records::model::parse_schedule(&text).map_err(|reason| ConfigError { name: "LINLI_RECORDS_SCHEDULE", reason })?,
        };
        let records_applied_url = get("LINLI_RECORDS_RECONCILE_URL")
            .filter(|s| !s.is_empty())
            .or_else(|| records_url.as_deref().and_then(|u| u.strip_suffix("/records")).map(|base| format!("{base}/applied")));
        let records_timeout_secs = number("LINLI_RECORDS_TIMEOUT_SECS", 15)?.max(1);
        let records_lease_ms = number("LINLI_RECORDS_LEASE_MS", 60_000)?.max(100) as i64;
        let records_every_ms = number("LINLI_RECORDS_EVERY_MS", 1000)?.max(10);
        let instance = get("LINLI_INSTANCE").filter(|s| !s.is_empty()).unwrap_or_else(|| {
            let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
            format!("{host}-{}-{:08x}", std::process::id(), rand::random::<u32>())
        });
        if instance.chars().count() > 100 {
            return Err(ConfigError { name: "LINLI_INSTANCE", reason: "at most 100 characters".into() });
        }
        Ok(Config {
            addr,
            database_url,
            data_dir,
            site_root: get("LINLI_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            jwt_keys: get("LINLI_JWT_KEYS").filter(|s| !s.is_empty()),
            jwt_issuer: get("LINLI_JWT_ISSUER").unwrap_or_else(|| "linli".into()),
            jwt_audience: get("LINLI_JWT_AUDIENCE").unwrap_or_else(|| "linli-web".into()),
            records_url,
            records_secret,
            records_schedule_ms,
            records_applied_url,
            records_timeout_secs,
            records_lease_ms,
            records_every_ms,
            instance,
            sms_url: get("LINLI_SMS_URL").filter(|s| !s.is_empty()),
            sms_token: get("LINLI_SMS_TOKEN").filter(|s| !s.is_empty()),
            sms_timeout_ms,
            body_limit,
            allowed_origins: get("LINLI_ALLOWED_ORIGINS")
                .map(|s| s.split(',').map(|o| o.trim().trim_end_matches('/').to_string()).filter(|o| !o.is_empty()).collect())
                .unwrap_or_default(),
            trusted_proxies: app::infra::net::TrustedProxies::parse(&get("LINLI_TRUSTED_PROXIES").unwrap_or_default())
                .map_err(|reason| ConfigError { name: "LINLI_TRUSTED_PROXIES", reason })?,
            shutdown_grace_secs,
            scheduler_secs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn empty_environment_gives_a_runnable_development_setup() {
        let c = from(&[]).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url, "sqlite://data/linli.db");
        assert_eq!(c.body_limit, 10 * 1024 * 1024);
        assert!(c.records_url.is_none());
    }

    #[test]
    fn database_url_must_be_sqlite_or_postgres() {
        assert!(from(&[("DATABASE_URL", "mysql://x")]).is_err());
        assert!(from(&[("DATABASE_URL", "postgres://u@h/db")]).is_ok());
    }

    #[test]
    fn records_url_without_secret_is_refused() {
        let e = from(&[("LINLI_RECORDS_URL", "http://r/")]).unwrap_err();
        assert_eq!(e.name, "LINLI_RECORDS_SECRET");
    }

    #[test]
    fn the_records_schedule_defaults_to_the_standard_one_and_can_be_compressed() {
        assert_eq!(from(&[]).unwrap().records_schedule_ms, app::records::model::STANDARD_SCHEDULE_MS.to_vec());
        assert_eq!(from(&[("LINLI_RECORDS_SCHEDULE", "10ms,1s")]).unwrap().records_schedule_ms, vec![10, 1000]);
        assert_eq!(from(&[("LINLI_RECORDS_SCHEDULE", "soon")]).unwrap_err().name, "LINLI_RECORDS_SCHEDULE");
        // Two instances started without a name get different ones.
        assert_ne!(from(&[]).unwrap().instance, from(&[]).unwrap().instance);
    }

    #[test]
    fn bad_numbers_name_the_setting() {
        assert_eq!(from(&[("LINLI_BODY_LIMIT", "lots")]).unwrap_err().name, "LINLI_BODY_LIMIT");
        assert_eq!(from(&[("LINLI_ADDR", "nowhere")]).unwrap_err().name, "LINLI_ADDR");
    }

    #[test]
    fn trusted_proxies_are_parsed_and_garbage_refused() {
        let c = from(&[("LINLI_TRUSTED_PROXIES", "10.0.0.0/8, ::1")]).unwrap();
        assert!(c.trusted_proxies.contains("10.1.2.3".parse().unwrap()) && c.trusted_proxies.contains("::1".parse().unwrap()));
        assert!(from(&[]).unwrap().trusted_proxies.is_empty());
        let e = from(&[("LINLI_TRUSTED_PROXIES", "proxy.internal")]).unwrap_err();
        assert_eq!(e.name, "LINLI_TRUSTED_PROXIES");
    }

    #[test]
    fn allowed_origins_are_trimmed() {
        let c = from(&[("LINLI_ALLOWED_ORIGINS", "https://a.example/, https://b.example")]).unwrap();
        assert_eq!(c.allowed_origins, vec!["https://a.example", "https://b.example"]);
    }
}
