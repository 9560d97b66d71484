//! What every screen uses, below the capabilities: widgets (error view, choice list), icons,
//! preferences (language, elderly mode), the CSP nonce, and `lazy_page!`. The router and the
//! frame, which see every capability, are in `shell`, above.
pub mod csp;
pub mod icons;
pub mod prefs;
pub mod widgets;

use leptos::prelude::*;

/// The `:id` of the address, as a number (0 if absent or not a number: the server answers "not
/// found").
pub fn id_param() -> Memo<i64> {
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0)))
}

/// Notifies `refresh` whenever `versions` (the sum of a page's actions' versions) changes, so
/// that the data the page loaded with its chunk (`lazy_page!`) loads again after an action.
pub fn refresh_after(refresh: ArcTrigger, versions: impl Fn() -> usize + Send + Sync + 'static) {
    Effect::watch(versions, move |_, _, _| refresh.notify(), false);
}

/// A page loaded on demand: `$route` is a lazy route (its own WASM chunk with
/// `cargo leptos --split`) that shows the component `$page`. With a third argument, `$data`, the
/// page's data starts loading when the route is entered (`<$data>::load()`, in the main module, as
/// soon as the address matches), in parallel with the page's code; the page gets it as `data`.
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
    ($(#[$meta:meta])* $route:ident, $page:ident, $data:ty) => {
        $(#[$meta])*
        pub struct $route($data);

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route(<$data>::load())
            }

            fn view(this: Self) -> AnyView {
                view! { <$page data=this.0/> }.into_any()
            }
        }
    };
}
pub(crate) use lazy_page;
