//! The notification kinds of every capability, given to the notification centre. A capability
//! that sends notifications adds its `KINDS` here once.
use crate::notifications::notice::Registry;
use crate::notifications::pages::NotificationsPage;
use leptos::prelude::*;

pub const NOTICES: Registry = Registry(&[
    crate::needs::notices::KINDS,
    crate::deliberation::notices::KINDS,
    crate::services::notices::KINDS,
    crate::activities::notices::KINDS,
    crate::activities::notices::VOLUNTEER_KINDS,
    crate::projects::notices::KINDS,
]);

/// 消息 with every capability's kinds (its own WASM chunk, with the kinds' code).
#[component]
fn Notifications() -> impl IntoView {
    provide_context(NOTICES);
    view! { <NotificationsPage/> }
}

crate::ui::lazy_page!(NotificationsRoute, Notifications);
