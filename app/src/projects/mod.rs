//! Projects (补短板): the improvements a community makes, from plan to the residents' acceptance.
//! A worker plans a project (category from the needs taxonomy, budget in fen, funding, contractor,
//! milestones with weights) and links the needs, deliberations and surveys it answers; linked
//! needs move to "planned" and their supporters follow it. Progress comes from the milestones
//! done. When the work is completed a worker opens a rating round — an acceptance survey (the
//! surveys engine) whose close decides, by the project's integer rule, whether it is accepted (its
//! needs then "done") or goes to rectification and a new round. Followers get one digest a day.
pub mod api;
pub mod error;
pub mod model;
pub mod notices;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;
