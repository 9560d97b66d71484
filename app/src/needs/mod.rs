//! Needs (问需): residents propose what their community needs and support each other's needs;
//! workers moderate, answer and move each need through its statuses; notifications tell the
//! author and the supporters.
pub mod api;
pub mod error;
pub mod model;
pub mod notices;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod photo;
#[cfg(feature = "ssr")]
pub mod public;
pub mod similar;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;
pub mod worker;
