//! Accounts, communities, households and roles: who may do what.
pub mod api;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod community;
pub mod roster;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod store;
pub mod worker;
