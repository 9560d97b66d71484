//! What every screen uses, below the capabilities: widgets (error view, choice list), icons,
//! preferences (language, elderly mode), the CSP nonce, and `lazy_page!`. The router and the
//! frame, which see every capability, are in `shell`, above.
pub mod camera;
pub mod checkin;
pub mod csp;
pub mod icons;
pub mod photo;
pub mod prefetch;
pub mod prefs;
pub mod resource;
pub mod widgets;

use leptos::prelude::*;

thread_local! {
    static HYDRATED: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// Whether the whole page is live: false on the server and, in the browser, until every part of the
/// server-rendered page (lazy routes included, whose chunks load asynchronously) has been hydrated.
/// Reading it tracks it. Anything that would change the page on its own (the unread badge) waits
/// for it: a change to a part not yet hydrated breaks hydration (`tachys … unreachable`).
pub fn hydrated() -> bool {
    HYDRATED.with(|h| h.get())
}

/// `hydrated()` without tracking it.
pub fn hydrated_untracked() -> bool {
    HYDRATED.with(|h| h.get_untracked())
}

/// Called once by the WASM entry point when hydration has finished.
pub fn mark_hydrated() {
    HYDRATED.with(|h| h.set(true));
}

/// A page loaded on demand: `$route` is a lazy route (its own WASM chunk with
/// `cargo leptos --split`) that shows the component `$page`. With a third argument, a type with
/// `fn start() -> Self` (usually holding a `prefetch::Prefetch`): the route's `data()` starts it
/// while the page's chunk loads, and the page gets it as its `data` property.
macro_rules! lazy_page {
    ($(#[$meta:meta])* $route:ident, $page:ident, $data:ty) => {
        $(#[$meta])*
        pub struct $route($data);

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route(<$data>::start())
            }

            fn view(this: Self) -> AnyView {
                view! { <$page data=this.0/> }.into_any()
            }
        }
    };
    ($(#[$meta:meta])* $route:ident, $page:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}
pub(crate) use lazy_page;
