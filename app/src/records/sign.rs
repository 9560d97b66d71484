//! Standard Webhooks signatures (<https://www.standardwebhooks.com>): `webhook-signature` is
//! `v1,<base64 of HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")>`, several of them
//! separated by spaces while a secret is being rotated. A secret written `whsec_<base64>` is the
//! base64-decoded key (the standard's form); any other text is used as the key's bytes.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a timestamp may be from now, either way (replayed or delayed deliveries).
pub const TOLERANCE_SECS: i64 = 300;

/// The key of a secret as configured.
pub fn key(secret: &str) -> Vec<u8> {
    match secret.strip_prefix("whsec_").map(|b| STANDARD.decode(b)) {
        Some(Ok(bytes)) => bytes,
        _ => secret.as_bytes().to_vec(),
    }
}

/// Keys from a setting holding one or more secrets (separated by spaces or commas).
pub fn keys(setting: &str) -> Vec<Vec<u8>> {
    setting.split([' ', ',']).filter(|s| !s.is_empty()).map(key).collect()
}

fn mac(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// `v1,<base64>` for one key.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    format!("v1,{}", STANDARD.encode(mac(key, id, timestamp, body).finalize().into_bytes()))
}

/// The `webhook-signature` header: one signature per key, space separated.
pub fn header(keys: &[Vec<u8>], id: &str, timestamp: i64, body: &[u8]) -> String {
    keys.iter().map(|k| sign(k, id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// Why a delivery's signature was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("webhook-timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("webhook-timestamp is more than 300 s from now")]
    OutsideTolerance,
    #[error("no v1 signature matches")]
    NoMatch,
}

/// Checks a delivery: the timestamp within `TOLERANCE_SECS` of `now_secs`, and at least one `v1`
/// signature of the header made by one of `keys` (compared in constant time).
pub fn verify(keys: &[Vec<u8>], id: &str, timestamp: &str, signatures: &str, body: &[u8], now_secs: i64) -> Result<(), VerifyError> {
    let ts: i64 = timestamp.trim().parse().map_err(|_| VerifyError::BadTimestamp)?;
    if (now_secs - ts).abs() > TOLERANCE_SECS {
        return Err(VerifyError::OutsideTolerance);
    }
    for sig in signatures.split(' ') {
        let Some(b64) = sig.strip_prefix("v1,") else { continue };
        let Ok(given) = STANDARD.decode(b64) else { continue };
        if keys.iter().any(|k| mac(k, id, ts, body).verify_slice(&given).is_ok()) {
            return Ok(());
        }
    }
    Err(VerifyError::NoMatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Standard Webhooks reference libraries' test vector.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const EXPECTED: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn the_standard_test_vector_signs_and_verifies() {
        let k = key(SECRET);
        assert_eq!(sign(&k, ID, TS, BODY), EXPECTED);
        assert_eq!(verify(&[k], ID, "1614265330", EXPECTED, BODY, TS), Ok(()));
    }

    #[test]
    fn anything_changed_fails() {
        let k = vec![key(SECRET)];
        assert_eq!(verify(&k, "msg_other", "1614265330", EXPECTED, BODY, TS), Err(VerifyError::NoMatch));
        assert_eq!(verify(&k, ID, "1614265330", EXPECTED, br#"{"test": 2432232315}"#, TS), Err(VerifyError::NoMatch));
        assert_eq!(verify(&k, ID, "1614265331", EXPECTED, BODY, TS), Err(VerifyError::NoMatch));
        assert_eq!(verify(&[key("whsec_AAAA")], ID, "1614265330", EXPECTED, BODY, TS), Err(VerifyError::NoMatch));
        assert_eq!(verify(&k, ID, "1614265330", "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", BODY, TS), Err(VerifyError::NoMatch));
        assert_eq!(verify(&k, ID, "1614265330", "v1,not base64!", BODY, TS), Err(VerifyError::NoMatch));
        assert_eq!(verify(&k, ID, "soon", EXPECTED, BODY, TS), Err(VerifyError::BadTimestamp));
    }

    #[test]
    fn the_timestamp_must_be_within_five_minutes() {
        let k = key(SECRET);
        let ks = vec![k.clone()];
        for (now, ok) in [(TS + 300, true), (TS - 300, true), (TS + 301, false), (TS - 301, false)] {
            let r = verify(&ks, ID, &TS.to_string(), &sign(&k, ID, TS, BODY), BODY, now);
            assert_eq!(r.is_ok(), ok, "now = ts {:+}", now - TS);
            if !ok {
                assert_eq!(r, Err(VerifyError::OutsideTolerance));
            }
        }
    }

    #[test]
    fn while_a_secret_is_rotated_either_key_verifies() {
        let (old, new) = (key("whsec_b2xkIHNlY3JldA=="), key("new secret"));
        assert_eq!(old, b"old secret".to_vec());
        assert_eq!(keys("whsec_b2xkIHNlY3JldA== new,secret"), vec![old.clone(), b"new".to_vec(), b"secret".to_vec()]);
        let both = header(&[old.clone(), new.clone()], ID, TS, BODY);
        assert_eq!(both.split(' ').count(), 2);
        // A receiver that knows only the old key, or only the new one, accepts it.
        assert!(verify(std::slice::from_ref(&old), ID, &TS.to_string(), &both, BODY, TS).is_ok());
        assert!(verify(std::slice::from_ref(&new), ID, &TS.to_string(), &both, BODY, TS).is_ok());
        assert!(verify(&[key("third")], ID, &TS.to_string(), &both, BODY, TS).is_err());
    }
}
