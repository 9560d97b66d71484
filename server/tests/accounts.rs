//! Accounts through HTTP against a running server (a real socket): login by code, sessions and
//! their rejection rules, refresh rotation and reuse, cross-community and cross-role refusals,
//! brute force, cross-site requests. Runs on SQLite and, when available, PostgreSQL.
mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::futures_join;
use common::live::{Jar, KEY_SPEC_SECRET, Server, start, start_with};

fn forge(header: &str, claims: &serde_json::Value, key: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let h = URL_SAFE_NO_PAD.encode(header);
    let c = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(format!("{h}.{c}").as_bytes());
    format!("{h}.{c}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test]
async fn login_with_the_texted_code_verifies_a_roster_resident() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut jar = s.login("13800000001").await;
        let me = s.me(&mut jar).await;
        assert_eq!(me["phone"], "13800000001", "{label}");
        let m = &me["memberships"][0];
        assert_eq!(m["role"], "Resident", "{label}");
        assert_eq!(m["verified"], true, "{label}: phone matches a roster member");
    }
}

#[tokio::test]
async fn new_phone_gets_an_unverified_account_without_roles() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut jar = s.login("13912345678").await;
        let me = s.me(&mut jar).await;
        assert_eq!(me["memberships"], serde_json::json!([]), "{label}");
    }
}

#[tokio::test]
async fn forged_expired_and_misaddressed_tokens_are_rejected() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut good = s.login("13800000002").await;
        let valid = good.get("__Host-linli_at").unwrap();
        let payload: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(valid.split('.').nth(1).unwrap()).unwrap()).unwrap();
        let hdr = r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#;
        let with = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut c = payload.clone();
            f(&mut c);
            c
        };
        let cases = [
            ("alg none", format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"k1"}"#), URL_SAFE_NO_PAD.encode(payload.to_string()))),
            ("wrong key", forge(hdr, &payload, &[9; 32])),
            (
                "expired",
                forge(
                    hdr,
                    &with(&|c| {
                        c["exp"] = (now() - 60).into();
                        c["nbf"] = (now() - 900).into();
                    }),
                    &KEY_SPEC_SECRET,
                ),
            ),
            ("wrong aud", forge(hdr, &with(&|c| c["aud"] = "someone-else".into()), &KEY_SPEC_SECRET)),
            ("wrong iss", forge(hdr, &with(&|c| c["iss"] = "evil".into()), &KEY_SPEC_SECRET)),
            (
                "no exp",
                forge(
                    hdr,
                    &with(&|c| {
                        c.as_object_mut().unwrap().remove("exp");
                    }),
                    &KEY_SPEC_SECRET,
                ),
            ),
            ("not yet valid", forge(hdr, &with(&|c| c["nbf"] = (now() + 600).into()), &KEY_SPEC_SECRET)),
            ("unknown kid", forge(r#"{"alg":"HS256","kid":"k9"}"#, &payload, &KEY_SPEC_SECRET)),
        ];
        // The control: the same forging code with the right key and claims is accepted.
        let mut control = Jar::default();
        control.set("__Host-linli_at", &forge(hdr, &payload, &KEY_SPEC_SECRET));
        assert_eq!(s.me(&mut control).await["phone"], "13800000002", "{label}: control");
        for (case, token) in cases {
            let mut jar = Jar::default();
            jar.set("__Host-linli_at", &token);
            assert_eq!(s.me(&mut jar).await, serde_json::Value::Null, "{label}: {case} accepted");
            let (status, _) = s.call(&mut jar, "account/logout_everywhere", &[]).await;
            assert_eq!(status, 401, "{label}: {case}");
        }
        assert_eq!(s.me(&mut good).await["phone"], "13800000002", "{label}: the real session still works");
    }
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_refresh_token_revokes_the_session() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut jar = s.login("13800000002").await;
        let first_refresh = jar.get("__Host-linli_rt").unwrap();
        // The access token is gone (expired): the refresh token silently renews the session.
        let mut no_access = Jar::default();
        no_access.set("__Host-linli_rt", &first_refresh);
        assert_eq!(s.me(&mut no_access).await["phone"], "13800000002", "{label}: refreshed");
        let second_refresh = no_access.get("__Host-linli_rt").unwrap();
        assert_ne!(second_refresh, first_refresh, "{label}: rotated");
        // A thief replays the first refresh token after the grace interval (the rotation is moved
        // back in time by more than it): refused, and the whole family is revoked.
        age_rotations(&s, app::account::model::REFRESH_GRACE_MS + 1_000).await;
        let mut thief = Jar::default();
        thief.set("__Host-linli_rt", &first_refresh);
        assert_eq!(s.me(&mut thief).await, serde_json::Value::Null, "{label}: reuse refused");
        assert_eq!(s.me(&mut no_access).await, serde_json::Value::Null, "{label}: the family is revoked");
        let mut rt_only = Jar::default();
        rt_only.set("__Host-linli_rt", &second_refresh);
        assert_eq!(s.me(&mut rt_only).await, serde_json::Value::Null, "{label}: its newest token too");
        let _ = &mut jar;
    }
}

/// Moves every rotation back in time by `ms` (instead of waiting).
async fn age_rotations(s: &Server, ms: i64) {
    sqlx::query("UPDATE refresh_tokens SET used_at = used_at - $1 WHERE used_at IS NOT NULL").bind(ms).execute(s.db.pool()).await.unwrap();
}

/// A page's parallel server-function calls after the access token expired all carry the same
/// refresh token: all succeed, with the same successor, and the session stays one session.
#[tokio::test]
async fn parallel_renewals_with_one_refresh_token_all_succeed_within_the_grace_interval() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let jar = s.login("13800000002").await;
        let rt = jar.get("__Host-linli_rt").unwrap();
        let calls = (0..10).map(|_| {
            let mut j = Jar::default();
            j.set("__Host-linli_rt", &rt);
            let s = &s;
            async move {
                let me = s.me(&mut j).await;
                (me["phone"].clone(), j.get("__Host-linli_rt"))
            }
        });
        let results = futures_join(calls).await;
        assert!(results.iter().all(|(phone, _)| phone == "13800000002"), "{label}: {results:?}");
        let successors: std::collections::BTreeSet<_> = results.iter().map(|(_, rt)| rt.clone().unwrap()).collect();
        assert_eq!(successors.len(), 1, "{label}: one successor for all: {successors:?}");
        let successor = successors.into_iter().next().unwrap();
        assert_ne!(successor, rt, "{label}");
        let live: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM refresh_tokens t JOIN session_families f ON f.id = t.family_id \
             WHERE f.revoked_at IS NULL AND t.used_at IS NULL AND f.user_id = (SELECT id FROM users WHERE phone = '13800000002')",
        )
        .fetch_one(s.db.pool())
        .await
        .unwrap();
        assert_eq!(live, 1, "{label}: one live session");
        // The successor renews as usual, and the old token, still within the interval, follows the
        // chain to the newest token instead of forking the session.
        let mut next = Jar::default();
        next.set("__Host-linli_rt", &successor);
        assert_eq!(s.me(&mut next).await["phone"], "13800000002", "{label}");
        let newest = next.get("__Host-linli_rt").unwrap();
        let mut late = Jar::default();
        late.set("__Host-linli_rt", &rt);
        assert_eq!(s.me(&mut late).await["phone"], "13800000002", "{label}");
        assert_eq!(late.get("__Host-linli_rt").unwrap(), newest, "{label}: the newest token of the chain");
        // After the interval the same replay is a stolen token: the family is revoked.
        age_rotations(&s, app::account::model::REFRESH_GRACE_MS + 1_000).await;
        let mut thief = Jar::default();
        thief.set("__Host-linli_rt", &rt);
        assert_eq!(s.me(&mut thief).await, serde_json::Value::Null, "{label}: replay after the interval refused");
        assert_eq!(s.me(&mut next).await, serde_json::Value::Null, "{label}: and the session is revoked");
    }
}

#[tokio::test]
async fn logout_everywhere_and_disabling_end_sessions_at_once() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut phone_a = s.login("13800000001").await;
        s.pass_the_resend_cooldown().await;
        let mut phone_b = s.login("13800000001").await;
        let (status, _) = s.call(&mut phone_a, "account/logout_everywhere", &[]).await;
        assert_eq!(status, 200);
        assert_eq!(s.me(&mut phone_b).await, serde_json::Value::Null, "{label}: other device logged out");

        let mut resident = s.login("13800000002").await;
        let user_id = s.me(&mut resident).await["user_id"].as_i64().unwrap();
        let mut worker = s.login("13800000020").await;
        let (status, body) = s.call(&mut worker, "account/disable_account", &[("user_id", &user_id.to_string()), ("reason", "")]).await;
        assert_eq!(status, 400, "{label}: reason required: {body}");
        assert_eq!(s.me(&mut resident).await["user_id"], user_id, "{label}: nothing changed");
        let (status, body) = s.call(&mut worker, "account/disable_account", &[("user_id", &user_id.to_string()), ("reason", "搬走了")]).await;
        assert_eq!(status, 200, "{label}: {body}");
        assert_eq!(s.me(&mut resident).await, serde_json::Value::Null, "{label}: session ended at once");
        let mut again = Jar::default();
        s.pass_the_resend_cooldown().await;
        s.call(&mut again, "account/request_code", &[("phone", "13800000002")]).await;
        let code = s.last_code("13800000002");
        let (status, body) = s.call(&mut again, "account/verify_code", &[("phone", "13800000002"), ("code", &code)]).await;
        assert_eq!((status, body), (403, serde_json::json!("AccountDisabled")), "{label}");
    }
}

#[tokio::test]
async fn workers_cannot_act_on_other_communities_and_others_cannot_act_as_workers() {
    for (label, db) in common::databases().await {
        let s = start(db.clone()).await;
        // 赵敏 lives in 文鼎苑社区; the worker 刘社工 works in 翠苑社区.
        let mut zhao = s.login("13800000003").await;
        let zhao_id = s.me(&mut zhao).await["user_id"].as_i64().unwrap();
        let mut worker = s.login("13800000020").await;
        let (status, body) = s.call(&mut worker, "account/disable_account", &[("user_id", &zhao_id.to_string()), ("reason", "x")]).await;
        assert_eq!((status, body), (404, serde_json::json!({ "Common": "NotFound" })), "{label}: other community");
        // A volunteer (and a resident) of the same community cannot do a worker's action.
        let mut li = s.login("13800000002").await;
        let li_id = s.me(&mut li).await["user_id"].as_i64().unwrap();
        let mut volunteer = s.login("13800000010").await;
        let (status, body) = s.call(&mut volunteer, "account/disable_account", &[("user_id", &li_id.to_string()), ("reason", "x")]).await;
        assert_eq!((status, body), (403, serde_json::json!({ "Common": "Forbidden" })), "{label}: volunteer");
        let (status, _) = s.call(&mut zhao, "account/disable_account", &[("user_id", &li_id.to_string()), ("reason", "x")]).await;
        assert_eq!(status, 403, "{label}: resident");
        assert_eq!(s.me(&mut li).await["user_id"], li_id, "{label}: still active");
        let status: String = sqlx::query_scalar("SELECT status FROM users WHERE id = $1").bind(zhao_id).fetch_one(db.pool()).await.unwrap();
        assert_eq!(status, "active", "{label}");
    }
}

#[tokio::test]
async fn guessing_codes_is_stopped() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        let mut jar = Jar::default();
        s.call(&mut jar, "account/request_code", &[("phone", "13800000001")]).await;
        let code = s.last_code("13800000001");
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let mut outcomes = Vec::new();
        for _ in 0..5 {
            outcomes.push(s.call(&mut jar, "account/verify_code", &[("phone", "13800000001"), ("code", wrong)]).await);
        }
        assert_eq!(outcomes[0], (400, serde_json::json!({"CodeWrong": {"remaining": 4}})), "{label}");
        assert_eq!(outcomes[4], (400, serde_json::json!("CodeLocked")), "{label}");
        let (status, body) = s.call(&mut jar, "account/verify_code", &[("phone", "13800000001"), ("code", &code)]).await;
        assert_eq!((status, body), (400, serde_json::json!("CodeLocked")), "{label}: right code after lock-out");
        assert!(jar.get("__Host-linli_at").is_none(), "{label}");
        // Asking again at once is refused by the cooldown.
        let (status, body) = s.call(&mut jar, "account/request_code", &[("phone", "13800000001")]).await;
        assert_eq!(status, 429, "{label}: {body}");
        // Spraying wrong codes across many phones from one address is stopped too.
        let mut last = (0, serde_json::Value::Null);
        for i in 0..40 {
            let phone = format!("1390000{:04}", i);
            last = s.call(&mut jar, "account/verify_code", &[("phone", &phone), ("code", "123456")]).await;
        }
        assert_eq!(last, (429, serde_json::json!("TooManyAttempts")), "{label}");
    }
}

#[tokio::test]
async fn invalid_input_gets_clear_errors_and_writes_nothing() {
    for (label, db) in common::databases().await {
        let s = start(db.clone()).await;
        let mut jar = Jar::default();
        assert_eq!(s.call(&mut jar, "account/request_code", &[("phone", "12345")]).await, (400, serde_json::json!("InvalidPhone")), "{label}");
        assert_eq!(
            s.call(&mut jar, "account/verify_code", &[("phone", "13800000001"), ("code", "12a")]).await,
            (400, serde_json::json!("InvalidCode")),
            "{label}"
        );
        let codes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_codes").fetch_one(db.pool()).await.unwrap();
        assert_eq!(codes, 0, "{label}");
    }
}

#[tokio::test]
async fn cross_site_login_post_is_refused() {
    let s = start(common::sqlite().await).await;
    let res =
        s.client.post(s.url("/api/account/request_code")).header("origin", "https://evil.example").form(&[("phone", "13800000001")]).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(!s.data_dir.join("sms.log").exists(), "no code was sent");
}

#[tokio::test]
async fn asset_requests_do_not_spend_the_refresh_token() {
    let s = start(common::sqlite().await).await;
    let jar = s.login("13800000002").await;
    let refresh = jar.get("__Host-linli_rt").unwrap();
    // A page loads its files in parallel, each with the same cookies; none of them renews.
    for path in ["/pkg/linli.js", "/favicon.svg", "/healthz"] {
        let res = s.client.get(s.url(path)).header("cookie", format!("__Host-linli_rt={refresh}")).send().await.unwrap();
        assert!(res.headers().get("set-cookie").is_none(), "{path} renewed the session");
    }
    let mut page = Jar::default();
    page.set("__Host-linli_rt", &refresh);
    assert_eq!(s.me(&mut page).await["phone"], "13800000002", "the token is still unused");
}

/// Asks for a login code for `phone` as a client whose proxy reports `forwarded_for`.
async fn request_code_via(s: &Server, phone: &str, forwarded_for: Option<&str>) -> u16 {
    let mut req = s.client.post(s.url("/api/account/request_code")).header("origin", s.url("")).form(&[("phone", phone)]);
    if let Some(f) = forwarded_for {
        req = req.header("x-forwarded-for", f);
    }
    req.send().await.unwrap().status().as_u16()
}

async fn ip_buckets(s: &Server) -> Vec<String> {
    sqlx::query_scalar("SELECT DISTINCT bucket FROM rate_limit_hits WHERE bucket LIKE 'code_ip:%' ORDER BY bucket").fetch_all(s.db.pool()).await.unwrap()
}

/// Behind a configured proxy (here the test client's own address), each resident's address is
/// their own rate-limit bucket: one resident using up the 20 codes an hour does not lock out the
/// rest of the community.
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_rate_limit_bucket() {
    for (label, db) in common::databases().await {
        let s = start_with(db, &[("LINLI_TRUSTED_PROXIES", "127.0.0.1, ::1")]).await;
        let mut statuses = Vec::new();
        for i in 0..21 {
            statuses.push(request_code_via(&s, &format!("1391000{i:04}"), Some("203.0.113.7")).await);
        }
        assert!(statuses[..20].iter().all(|s| *s == 200), "{label}: {statuses:?}");
        assert_eq!(statuses[20], 429, "{label}: the 21st code in an hour from one client");
        assert_eq!(request_code_via(&s, "13910009999", Some("198.51.100.9")).await, 200, "{label}: a neighbour is not locked out");
        // A client's own fake first entry does not help: the proxy appended the real address.
        assert_eq!(request_code_via(&s, "13910009998", Some("1.2.3.4, 203.0.113.7")).await, 429, "{label}");
        assert_eq!(ip_buckets(&s).await, ["code_ip:198.51.100.9", "code_ip:203.0.113.7"], "{label}");
    }
}

/// Without `LINLI_TRUSTED_PROXIES` the forwarding headers are ignored: a client cannot pick its
/// own bucket.
#[tokio::test]
async fn forwarding_headers_are_ignored_without_trusted_proxies() {
    for (label, db) in common::databases().await {
        let s = start(db).await;
        assert_eq!(request_code_via(&s, "13910008888", Some("203.0.113.7")).await, 200, "{label}");
        let buckets = ip_buckets(&s).await;
        assert_eq!(buckets.len(), 1, "{label}: {buckets:?}");
        assert!(buckets[0] == "code_ip:127.0.0.1" || buckets[0] == "code_ip:::1", "{label}: {buckets:?}");
    }
}
