//! What every screen uses, below the capabilities: widgets (error view, choice list), icons,
//! preferences (language, elderly mode), the CSP nonce, and `lazy_page!`. The router and the
//! frame, which see every capability, are in `shell`, above.
pub mod csp;
pub mod icons;
pub mod prefs;
pub mod widgets;

/// A page loaded on demand: `$route` is a lazy route (its own WASM chunk with
/// `cargo leptos --split`) that shows the component `$page`.
macro_rules! lazy_page {
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
