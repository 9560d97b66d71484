//! Activities and the time bank's source (志愿活动): residents apply to volunteer and workers
//! approve them; volunteers (or workers) draft activities with roles, workers publish them;
//! residents sign up for household members within the places (the kernel's capacity engine, the
//! same waitlist as services), volunteers take roles; check-in and out give a volunteer's hours,
//! which a worker verifies into the time bank (`crate::timebank`).
pub mod api;
pub mod error;
pub mod model;
pub mod notices;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;
