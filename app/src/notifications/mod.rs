//! Notifications (消息): a capability of its own. Each capability that tells people something
//! defines its kinds as one enum with typed parameters (`notice::Notice`), sends them with
//! `send::send_to` / `send::send_to_each` in its own transaction, and registers the enum once
//! (`notice::kinds`) in the list the shell gives the notification centre. Adding a kind touches
//! only the capability that sends it (and the locale files).
pub mod api;
pub mod error;
pub mod notice;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod send;
#[cfg(feature = "ssr")]
pub mod store;
