//! Services (一老一小): a community's catalogue of elderly and child services, their sessions
//! (one-off or recurring, generated ahead by the scheduler), bookings for oneself or household
//! members with eligibility, age-band prices and per-person limits, a waitlist that moves by
//! itself (the kernel's capacity engine), check-in by code or list, no-shows and monthly figures.
pub mod api;
pub mod desk;
pub mod error;
pub mod model;
pub mod notices;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;
pub mod worker;
