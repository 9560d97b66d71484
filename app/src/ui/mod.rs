//! Layout and shared widgets: the frame every page sits in.
pub mod csp;
pub mod icons;
pub mod layout;
pub mod prefs;
