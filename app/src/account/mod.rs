//! Accounts, communities, households and roles: who may do what.
pub mod api;
#[cfg(feature = "ssr")]
pub mod community;
pub mod error;
pub mod model;
pub mod pages;
pub mod roster;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod store;
pub mod worker;
