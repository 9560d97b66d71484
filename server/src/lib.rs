//! Linli server: configuration, the HTTP host around the Leptos app, the database and the CLI.
//!
//! `main.rs` only parses the command line; everything here is a library so that the integration
//! tests can drive the real router and the real database without a socket.
pub mod bench_ballots;
pub mod bench_bookings;
pub mod bench_data;
pub mod bench_load;
pub mod bench_records;
pub mod bench_responses;
pub mod bench_signups;
pub mod config;
pub mod http;
pub mod receiver;
pub mod scheduler;
pub mod seed;

pub use app::infra::{db, events, keys};
pub mod page_head;
pub mod shutdown;
pub mod wasm_pack;
