//! 消息: the notification centre. Each notification is shown by the kinds its capability
//! registered (`notice::Registry`, given by the shell).
use super::api::*;
use super::notice::Registry;
use crate::i18n::{t, td_string, use_i18n};
use crate::time::date;
use crate::ui::widgets::load_error;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let registry = use_context::<Registry>().expect("the shell registers the notification kinds");
    let read = ServerAction::<MarkRead>::new();
    let marked = crate::ui::widgets::successes(read);
    let list = crate::ui::resource::resource(move || marked.get(), |_| my_notifications(None));
    view! {
        <Title text=move || td_string!(i18n.get_locale(), notif_title).to_string()/>
        <h1>{t!(i18n, notif_title)}</h1>
        // A plain form post before the page is live; the server-function call after.
        <form class="works-early" method="post" action=MARK_READ_PATH
            on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                read.dispatch(MarkRead { id: None });
            }>
            <button type="submit" class="button secondary" data-testid="mark-all-read">{t!(i18n, notif_mark_all)}</button>
        </form>
        <Suspense fallback=|| ()>
            {move || list.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || list.refetch()),
                Ok(items) if items.is_empty() => view! { <p class="hint">{t!(i18n, notif_empty)}</p> }.into_any(),
                Ok(items) => {
                    let l = i18n.get_locale();
                    view! {
                        <ul class="notifications" data-testid="notifications">
                            {items.into_iter().map(|n| {
                                let nid = n.id;
                                let unread = !n.read;
                                match registry.render(&n, l) {
                                    Ok(r) => view! {
                                        <li class:unread=unread data-testid="notification">
                                            <A href=r.href
                                                on:click=move |_| { if unread { read.dispatch(MarkRead { id: Some(nid) }); } }>{r.line}</A>
                                            {r.detail.map(|t| view! { <p>{t}</p> })}
                                            <span class="hint">{date(n.at)}</span>
                                        </li>
                                    }.into_any(),
                                    // Stored by a version that knew a kind this one does not: said,
                                    // not guessed.
                                    Err(_) => view! {
                                        <li class:unread=unread data-testid="notification">
                                            <span>{td_string!(l, notif_unknown)}</span>
                                            <span class="hint">{date(n.at)}</span>
                                        </li>
                                    }.into_any(),
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
