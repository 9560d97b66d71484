//! The time bank (时间银行): hours volunteers earn (verified activity time), spend (service
//! bookings that accept hours), pass to their household, and that workers correct — an
//! append-only ledger per person whose sum is the balance, never below zero.
pub mod model;
#[cfg(feature = "ssr")]
pub mod store;
