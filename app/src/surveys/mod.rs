//! Surveys (调研 / 满意度): one engine for a needs-research questionnaire, a community satisfaction
//! survey and a project's acceptance rating round. Workers write the questions and the window;
//! when it opens the electorate is frozen by the kernel (`kernel::electorate`, as deliberations
//! do): verified residents of the community or of chosen buildings, or one answer per household.
//! One response per unit, changeable until the close; paper forms keyed in by workers (once, or
//! twice by two workers where double entry is on: only matching keyings count, a third worker
//! resolves the rest before the close). Anonymous surveys store answers under a keyed hash of the
//! unit whose key is erased at the close. At the close the results are stored; a satisfaction
//! survey's headline figure is an official record.
pub mod api;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;
pub mod types;
