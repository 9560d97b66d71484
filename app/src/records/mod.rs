//! Records sync (to the district's records platform): every official event — a need answered, a
//! deliberation's result, a month of service figures — leaves the `events` outbox as a signed
//! record, in `seq` order per community, until the receiver has taken it.
//!
//! - `model`: the record envelope, the retry schedule and how an answer is classified (pure).
//! - `sign`: Standard Webhooks signatures (HMAC-SHA256 of `id.timestamp.body`).
//! - `store`: the outbox queries: streams claimed under a lease, marking, counts, redelivery.
//! - `relay`: the sender that the server runs every second or so.
//! - `access` (server), `api`, `pages`: the records screen of workers and district admins
//!   (counts, dead letters and redelivery, reconciliation with the receiver, pull-API keys), the
//!   pull API and the open-data export (served by `server/src/http.rs`).
//!
//! The contract is `docs/records-api.md`.
#[cfg(feature = "ssr")]
pub mod access;
pub mod api;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod relay;
#[cfg(feature = "ssr")]
pub mod sign;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;
