//! The signing keys of access tokens (jsonwebtoken, HS256) with `kid`-based rotation: the first
//! key of `LINLI_JWT_KEYS` signs; every listed key verifies, so tokens signed with the previous
//! key stay valid until they expire.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Serialize, de::DeserializeOwned};
use std::collections::HashMap;
use std::path::Path;

/// The keys in use.
pub struct KeySet {
    signing_kid: String,
    signing: EncodingKey,
    /// A key derived from the signing secret for `derive` (never used to sign tokens).
    derivation: [u8; 32],
    verifying: HashMap<String, DecodingKey>,
    issuer: String,
    audience: String,
}

/// Why a key set could not be built or a token not verified.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("LINLI_JWT_KEYS: expected kid:base64secret[,kid:base64secret…] with secrets of ≥ 32 bytes")]
    BadSpec,
    #[error("could not keep the development key: {0}")]
    Io(#[from] std::io::Error),
    #[error("token rejected: {0}")]
    Rejected(#[from] jsonwebtoken::errors::Error),
    #[error("token rejected: unknown key id")]
    UnknownKid,
}

impl KeySet {
    /// Parses `kid:base64secret[,…]`.
    pub fn from_spec(spec: &str, issuer: &str, audience: &str) -> Result<KeySet, KeyError> {
        let mut keys = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (kid, secret) = part.split_once(':').ok_or(KeyError::BadSpec)?;
            let secret = STANDARD.decode(secret.trim()).map_err(|_| KeyError::BadSpec)?;
            if kid.is_empty() || secret.len() < 32 {
                return Err(KeyError::BadSpec);
            }
            keys.push((kid.to_string(), secret));
        }
        let (signing_kid, signing_secret) = keys.first().cloned().ok_or(KeyError::BadSpec)?;
        let derivation = {
            use hmac::{Hmac, Mac};
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&signing_secret).map_err(|_| KeyError::BadSpec)?;
            mac.update(b"linli derivation key v1");
            mac.finalize().into_bytes().into()
        };
        Ok(KeySet {
            signing: EncodingKey::from_secret(&signing_secret),
            derivation,
            signing_kid,
            verifying: keys.iter().map(|(kid, s)| (kid.clone(), DecodingKey::from_secret(s))).collect(),
            issuer: issuer.into(),
            audience: audience.into(),
        })
    }

    /// The configured keys, or a development key created once under `data_dir` (mode 0600).
    pub fn load(spec: Option<&str>, data_dir: &Path, issuer: &str, audience: &str) -> Result<KeySet, KeyError> {
        if let Some(spec) = spec {
            return Self::from_spec(spec, issuer, audience);
        }
        let path = data_dir.join("jwt-dev.key");
        let spec = match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir)?;
                let secret: [u8; 32] = rand::random();
                let spec = format!("dev1:{}", STANDARD.encode(secret));
                write_private(&path, &spec)?;
                spec
            }
            Err(e) => return Err(e.into()),
        };
        Self::from_spec(&spec, issuer, audience)
    }

    /// The `iss` of our tokens.
    /// A value only the server can compute from `input` (hex HMAC-SHA256 under a key derived from
    /// the signing secret), separated by `purpose`. Used for a refresh token's successor, so that
    /// the same rotated token presented again within the grace interval yields the same successor.
    pub fn derive(&self, purpose: &str, input: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&self.derivation).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(input.as_bytes());
        crate::infra::hex(&mac.finalize().into_bytes())
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `aud` of our tokens.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Signs `claims` with the current key, naming it in the header's `kid`.
    pub fn sign<C: Serialize>(&self, claims: &C) -> Result<String, KeyError> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.signing_kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.signing)?)
    }

    /// Verifies a token: known `kid`, HS256 only, and `exp`, `nbf`, `iss`, `aud` present and valid.
    pub fn verify<C: DeserializeOwned>(&self, token: &str) -> Result<C, KeyError> {
        let header = jsonwebtoken::decode_header(token)?;
        let key = header.kid.as_deref().and_then(|kid| self.verifying.get(kid)).ok_or(KeyError::UnknownKid)?;
        let mut v = Validation::new(Algorithm::HS256);
        v.set_required_spec_claims(&["exp", "nbf", "iss", "aud"]);
        v.validate_nbf = true;
        v.leeway = 5;
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        Ok(jsonwebtoken::decode::<C>(token, key, &v)?.claims)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Claims {
        sub: String,
        iss: String,
        aud: String,
        exp: u64,
        nbf: u64,
    }

    fn now() -> u64 {
        jsonwebtoken::get_current_timestamp()
    }

    fn claims(exp_in: i64) -> Claims {
        Claims { sub: "1".into(), iss: "linli".into(), aud: "linli-web".into(), exp: (now() as i64 + exp_in) as u64, nbf: now() - 1 }
    }

    fn spec(kid: &str, byte: u8) -> String {
        format!("{kid}:{}", STANDARD.encode([byte; 32]))
    }

    #[test]
    fn token_signed_with_previous_key_still_verifies_after_rotation() {
        let old = KeySet::from_spec(&spec("k1", 1), "linli", "linli-web").unwrap();
        let token = old.sign(&claims(600)).unwrap();
        let rotated = KeySet::from_spec(&format!("{},{}", spec("k2", 2), spec("k1", 1)), "linli", "linli-web").unwrap();
        assert_eq!(rotated.verify::<Claims>(&token).unwrap(), claims(600));
        let dropped = KeySet::from_spec(&spec("k2", 2), "linli", "linli-web").unwrap();
        assert!(matches!(dropped.verify::<Claims>(&token), Err(KeyError::UnknownKid)));
    }

    #[test]
    fn expired_wrong_audience_and_forged_tokens_are_rejected() {
        let keys = KeySet::from_spec(&spec("k1", 1), "linli", "linli-web").unwrap();
        assert!(keys.verify::<Claims>(&keys.sign(&claims(-60)).unwrap()).is_err());
        let mut wrong_aud = claims(600);
        wrong_aud.aud = "other".into();
        assert!(keys.verify::<Claims>(&keys.sign(&wrong_aud).unwrap()).is_err());
        let forger = KeySet::from_spec(&spec("k1", 9), "linli", "linli-web").unwrap();
        assert!(keys.verify::<Claims>(&forger.sign(&claims(600)).unwrap()).is_err());
        // alg: none, no signature
        let none = format!(
            "{}.{}.",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"k1"}"#),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_string(&claims(600)).unwrap())
        );
        assert!(keys.verify::<Claims>(&none).is_err());
    }

    #[test]
    fn short_or_malformed_secrets_are_refused() {
        assert!(KeySet::from_spec("k1:c2hvcnQ=", "i", "a").is_err());
        assert!(KeySet::from_spec("no-colon", "i", "a").is_err());
        assert!(KeySet::from_spec("", "i", "a").is_err());
    }

    #[test]
    fn development_key_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("linli-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let a = KeySet::load(None, &dir, "linli", "linli-web").unwrap();
        let token = a.sign(&claims(600)).unwrap();
        let b = KeySet::load(None, &dir, "linli", "linli-web").unwrap();
        assert!(b.verify::<Claims>(&token).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
