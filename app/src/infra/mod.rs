//! Server-side infrastructure shared by the capabilities' stores: the database, the event table
//! (audit log + records-sync outbox), the token keys. Compiled with `ssr` only.
pub mod blobs;
pub mod db;
pub mod events;
pub mod keys;
pub mod net;
pub mod sms;

use std::sync::Arc;

/// Lower-case hexadecimal of bytes (token hashes, storage keys, ballot keys).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What server functions reach through the Leptos context, provided per request by the server.
#[derive(Clone)]
pub struct AppContext {
    pub db: db::Db,
    pub keys: Arc<keys::KeySet>,
    pub sms: Arc<dyn sms::SmsGateway>,
    pub blobs: Arc<dyn blobs::BlobStore>,
    /// The reverse proxies whose forwarding headers are believed (the client's address).
    pub proxies: Arc<net::TrustedProxies>,
    /// Where the records receiver lists what it has applied (`?stream=district/code`), for the
    /// reconciliation report; `None` when there is none to ask.
    pub records_applied_url: Option<String>,
}
