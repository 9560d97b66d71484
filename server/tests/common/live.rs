//! A running server on a real socket, with the demo data, and a browser-like cookie jar.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use server::config::Config;
use server::http::{AppState, router};
use std::net::SocketAddr;

pub const KEY_SPEC_SECRET: [u8; 32] = [7; 32];

pub struct Server {
    pub addr: SocketAddr,
    pub data_dir: std::path::PathBuf,
    pub db: server::db::Db,
    pub client: reqwest::Client,
    pub keys: std::sync::Arc<server::keys::KeySet>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub async fn start(db: server::db::Db) -> Server {
    start_with(db, &[]).await
}

/// `start` with extra settings (`LINLI_…` name, value).
pub async fn start_with(db: server::db::Db, settings: &[(&str, &str)]) -> Server {
    server::seed::seed_demo(&db).await.unwrap();
    let data_dir = super::temp_dir();
    let data = data_dir.display().to_string();
    let keys = format!("k1:{}", STANDARD.encode(KEY_SPEC_SECRET));
    let config = Config::from_lookup(|k| match k {
        "LINLI_DATA_DIR" => Some(data.clone()),
        "LINLI_JWT_KEYS" => Some(keys.clone()),
        _ => settings.iter().find(|(name, _)| *name == k).map(|(_, v)| v.to_string()),
    })
    .unwrap();
    let state = AppState::new(config, db.clone()).unwrap();
    let keys = state.app.keys.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::http::serve(
        listener,
        router(state),
        async move {
            let _ = stopped.await;
        },
        std::time::Duration::from_secs(1),
    ));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Server { addr, data_dir, db, client, keys, _stop: stop }
}

/// A browser's cookie jar, by hand: `__Host-` cookies are Secure and our test server is plain
/// HTTP on loopback, where browsers (but not reqwest's jar) send them.
#[derive(Default, Clone)]
pub struct Jar(Vec<(String, String)>);

impl Jar {
    pub fn absorb(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.0.retain(|(n, _)| n != name);
            if !attrs.contains("Max-Age=0") {
                self.0.push((name.to_string(), value.to_string()));
            }
        }
    }
    pub fn header(&self) -> String {
        self.0.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }
    pub fn get(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }
    pub fn set(&mut self, name: &str, value: &str) {
        self.0.retain(|(n, _)| n != name);
        self.0.push((name.to_string(), value.to_string()));
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn call(&self, jar: &mut Jar, name: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
        let res =
            self.client.post(self.url(&format!("/api/{name}"))).header("cookie", jar.header()).header("origin", self.url("")).form(form).send().await.unwrap();
        jar.absorb(&res);
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    /// `call` as a resident taps again when told the system is busy: a 503 `Busy` (every pool
    /// connection stayed taken for the acquire timeout — a debug build on a shared 2-core machine
    /// under a thousand simultaneous requests) is sent again after a pause, up to 20 times. A
    /// `Busy` request started no transaction, so nothing it asked for was written; every other
    /// answer is returned as it came.
    pub async fn call_served(&self, jar: &mut Jar, name: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
        let mut tries = 0;
        loop {
            let (status, body) = self.call(jar, name, form).await;
            tries += 1;
            if status != 503 || body != serde_json::json!({ "Common": "Busy" }) || tries == 20 {
                return (status, body);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100 * tries.min(10))).await;
        }
    }

    /// A server function taking GET (`input = GetUrl`).
    pub async fn call_get(&self, jar: &mut Jar, name: &str) -> (u16, serde_json::Value) {
        let res = self.client.get(self.url(&format!("/api/{name}"))).header("cookie", jar.header()).send().await.unwrap();
        jar.absorb(&res);
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    pub fn last_code(&self, phone: &str) -> String {
        let log = std::fs::read_to_string(self.data_dir.join("sms.log")).unwrap_or_default();
        let line = log.lines().rfind(|l| l.starts_with(phone)).unwrap_or_else(|| panic!("no code for {phone} in {:?}: {log}", self.data_dir));
        line.split("验证码是 ").nth(1).unwrap()[..6].to_string()
    }

    pub async fn login(&self, phone: &str) -> Jar {
        let mut jar = Jar::default();
        let (status, body) = self.call(&mut jar, "account/request_code", &[("phone", phone)]).await;
        assert_eq!(status, 200, "request_code: {body}");
        let code = self.last_code(phone);
        let (status, body) = self.call(&mut jar, "account/verify_code", &[("phone", phone), ("code", &code)]).await;
        assert_eq!(status, 200, "verify_code: {body}");
        assert!(jar.get("__Host-linli_at").is_some() && jar.get("__Host-linli_rt").is_some());
        jar
    }

    /// Time passes: the 60-second wait before another code may be sent is over.
    pub async fn pass_the_resend_cooldown(&self) {
        sqlx::query("UPDATE rate_limit_hits SET at = at - 61000").execute(self.db.pool()).await.unwrap();
    }

    /// A session for `user_id` without the SMS round trip (which is rate-limited per address).
    pub async fn session_for(&self, user_id: i64) -> Jar {
        let mut conn = self.db.pool().acquire().await.unwrap();
        let (access, refresh) = app::account::session::start_session(&mut conn, &self.keys, user_id).await.unwrap();
        let mut jar = Jar::default();
        jar.set(app::account::session::ACCESS_COOKIE, &access);
        jar.set(app::account::session::REFRESH_COOKIE, &refresh);
        jar
    }

    /// `n` new verified residents of the community with `code`, each in a household of their own
    /// in building `building`; returns their user ids.
    pub async fn residents(&self, code: &str, building: &str, n: usize) -> Vec<i64> {
        let pool = self.db.pool();
        let community: i64 = sqlx::query_scalar("SELECT id FROM communities WHERE code = $1").bind(code).fetch_one(pool).await.unwrap();
        let b: i64 = match sqlx::query_scalar::<_, i64>("SELECT id FROM buildings WHERE community_id = $1 AND name = $2")
            .bind(community)
            .bind(building)
            .fetch_optional(pool)
            .await
            .unwrap()
        {
            Some(b) => b,
            None => sqlx::query_scalar("INSERT INTO buildings (community_id, name) VALUES ($1, $2) RETURNING id")
                .bind(community)
                .bind(building)
                .fetch_one(pool)
                .await
                .unwrap(),
        };
        let base: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await.unwrap();
        let mut ids = Vec::new();
        for i in 0..n {
            let phone = format!("139{:08}", base * 1000 + i as i64);
            let user: i64 = sqlx::query_scalar("INSERT INTO users (phone, display_name, status, created_at) VALUES ($1, $2, 'active', 0) RETURNING id")
                .bind(&phone)
                .bind(format!("居民{i}"))
                .fetch_one(pool)
                .await
                .unwrap();
            let h: i64 = sqlx::query_scalar("INSERT INTO households (building_id, unit, room, area_centi_m2) VALUES ($1, '1', $2, 9000) RETURNING id")
                .bind(b)
                .bind(format!("{}", 1000 + base * 1000 + i as i64))
                .fetch_one(pool)
                .await
                .unwrap();
            let m: i64 = sqlx::query_scalar(
                "INSERT INTO household_members (household_id, name, relationship, phone, is_owner, user_id) VALUES ($1, $2, '本人', $3, 1, $4) RETURNING id",
            )
            .bind(h)
            .bind(format!("居民{i}"))
            .bind(&phone)
            .bind(user)
            .fetch_one(pool)
            .await
            .unwrap();
            sqlx::query("INSERT INTO memberships (user_id, role, community_id, verified, member_id) VALUES ($1, 'resident', $2, 1, $3)")
                .bind(user)
                .bind(community)
                .bind(m)
                .execute(pool)
                .await
                .unwrap();
            ids.push(user);
        }
        ids
    }

    pub async fn user_id(&self, phone: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM users WHERE phone = $1").bind(phone).fetch_one(self.db.pool()).await.unwrap()
    }

    pub async fn me(&self, jar: &mut Jar) -> serde_json::Value {
        let (status, body) = self.call(jar, "account/my_account", &[]).await;
        assert_eq!(status, 200, "{body}");
        body
    }
}
