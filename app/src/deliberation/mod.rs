//! Deliberation (居民议事): a worker opens a question; residents discuss it, then vote online or on
//! paper within a window, by an electorate frozen when voting opens; the vote closes on time (a
//! scheduler that survives restarts) or early with a reason, and one pure tally publishes the
//! result as an official record.
pub mod api;
pub mod error;
pub mod model;
pub mod notices;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;
pub mod tally;
pub mod types;
