//! The shared kernel: what every capability uses and none copies.
//!
//! - `error`: the shared refusals (`CommonError`), the `Failure` trait (status, localized
//!   message) and `capability_error!` (the conversions of a capability's own error enum);
//! - `guard` (ssr): who is asking, as whom (代办), in which community, and with what standing;
//! - `text`: the one text checker and the shared limits;
//! - `stored`: `str_enum!`, enums stored as text (an unknown stored value is an error);
//! - `roles`: the roles of a membership;
//! - `sql` (ssr): `$N` placeholders for queries built at run time, on both databases;
//! - `audience`: who may take part (an age range, buildings), for services and activities;
//! - `qr` (ssr): QR codes of check-in codes, as SVG;
//! - `electorate`: who may answer a poll, frozen when it opens, and who answered through which
//!   channel (app or paper, never both; paper entries and corrections kept), for deliberations
//!   and surveys alike;
//! - `capacity`: places and the waitlist (pools and claims; the database holds the count), for
//!   service bookings and activity sign-ups alike;
//! - `batch` (ssr): group commit, requests that queue for the same lock run together in one
//!   transaction (service bookings of one session).
//!
//! The kernel depends on `infra` and, for reading the session token, on `account::session`; it
//! knows no other capability.
pub mod audience;
#[cfg(feature = "ssr")]
pub mod batch;
pub mod capacity;
pub mod csv;
pub mod electorate;
pub mod error;
#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod qr;
pub mod roles;
#[cfg(feature = "ssr")]
pub mod sql;
pub mod stored;
pub mod text;
