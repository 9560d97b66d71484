//! Data a lazy route starts fetching in `LazyRoute::data`, so that on a navigation inside the app
//! the page's code (its WASM chunk) and its data are fetched at the same time, not one after the
//! other.
//!
//! Why not a `Resource` created in `data()`, as Leptos' examples do: `data()` is in the main WASM
//! module, and a resource brings its fetcher and its (de)serializers with it — tried for every page,
//! the main module grew from 226 to 328 KB brotli (BENCHMARKS.md). Here `data()` does two things:
//! it sends the server function's request by hand ([`Early::post`]: a browser `fetch` with the
//! body written out, no serializer), and it starts a `#[leptos::lazy]` function (whose code is in
//! its own chunk, loaded in parallel with the page's) that decodes that answer once both have
//! arrived. The page's resource, created in the page's chunk as before, takes the decoded answer
//! for its first fetch instead of asking again ([`Prefetch::or_fetch`]).
//!
//! The request leaves at the tap: had the lazy function sent it, it would wait for the ~150
//! shared chunks that function's client needs (measured on the old phone: 4 s, BENCHMARKS.md).
//!
//! Nothing is prefetched on the server, nor in the browser while the page is being hydrated: then
//! the resource has the server's data already.
use std::future::Future;
use std::sync::{Arc, Mutex};

use futures::channel::oneshot;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::de::DeserializeOwned;

/// A server function's answer as it came (HTTP status and body), or why none came.
type Answer = Result<(u16, String), String>;

/// A server function's request sent by hand, at once, from the main module; decoded later, in a
/// lazy function's chunk, as the server function's own client would decode it.
pub struct Early(oneshot::Receiver<Answer>);

impl Early {
    /// POSTs `body` (the arguments as server_fn's `PostUrl` encodes them: each function's body
    /// is written out next to it and checked against that encoding by a test) to `path` now.
    /// Only in the browser; on the server the answer is "no answer".
    pub fn post(path: &'static str, body: String) -> Early {
        let (tx, rx) = oneshot::channel();
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let _ = tx.send(browser_post(path, body).await);
        });
        #[cfg(not(feature = "hydrate"))]
        drop((tx, path, body));
        Early(rx)
    }

    /// The answer decoded as server_fn's `Http` protocol with a `Json` output does: a 4xx or 5xx
    /// carries the function's error (its own encoding), anything else the value as JSON; no
    /// answer is a request error (the network's message).
    pub async fn decode<T: DeserializeOwned, E: FromServerFnError>(self) -> Result<T, E> {
        match self.0.await {
            Ok(Ok((status, body))) if (400..=599).contains(&status) => Err(E::de(body.into())),
            // `from_slice`, as server_fn reads answers: one decoder per type in the WASM (ui/resource.rs).
            Ok(Ok((_, body))) => serde_json::from_slice(body.as_bytes()).map_err(|e| E::from_server_fn_error(ServerFnErrorErr::Deserialization(e.to_string()))),
            Ok(Err(why)) => Err(E::from_server_fn_error(ServerFnErrorErr::Request(why))),
            Err(_) => Err(E::from_server_fn_error(ServerFnErrorErr::Request("no answer".into()))),
        }
    }
}

/// `fetch(path, {method: "POST", body})` with the headers server_fn's client sends.
#[cfg(feature = "hydrate")]
async fn browser_post(path: &str, body: String) -> Answer {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    let why = |e: JsValue| e.as_string().unwrap_or_else(|| "fetch failed".to_string());
    let window = web_sys::window().ok_or_else(|| "no window".to_string())?;
    let headers = web_sys::Headers::new().map_err(why)?;
    headers.set("Content-Type", "application/x-www-form-urlencoded").map_err(why)?;
    headers.set("Accept", "application/json").map_err(why)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&body));
    let res: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(path, &init)).await.map_err(why)?.unchecked_into();
    let text = JsFuture::from(res.text().map_err(why)?).await.map_err(why)?;
    Ok((res.status(), text.as_string().unwrap_or_default()))
}

/// What `data()` started fetching for the key `K` (a page's id, or `()`), to be taken once.
pub struct Prefetch<K, T>(Arc<Mutex<Option<(K, oneshot::Receiver<T>)>>>);

impl<K, T> Clone for Prefetch<K, T> {
    fn clone(&self) -> Self {
        Prefetch(self.0.clone())
    }
}

impl<K: PartialEq + Send + 'static, T: Send + 'static> Prefetch<K, T> {
    /// Starts `fetch(key)` when the browser navigates inside the app (the page is already live);
    /// does nothing on the server, while hydrating, or without a key.
    pub fn start<F>(key: Option<K>, fetch: impl FnOnce(&K) -> F) -> Self
    where
        F: Future<Output = T> + 'static,
    {
        let mut slot = None;
        if let Some(key) = key
            && cfg!(feature = "hydrate")
            && crate::ui::hydrated_untracked()
        {
            let (tx, rx) = oneshot::channel();
            let fut = fetch(&key);
            leptos::task::spawn_local(async move {
                // The page may be gone (the receiver dropped): nothing to do then.
                let _ = tx.send(fut.await);
            });
            slot = Some((key, rx));
        }
        Prefetch(Arc::new(Mutex::new(slot)))
    }

    /// The answer prefetched for `key`, the first time it is asked for; otherwise (or if the
    /// prefetch was for another key, or was lost) `fetch(key)` now.
    pub async fn or_fetch<F>(&self, key: K, fetch: impl FnOnce(K) -> F) -> T
    where
        F: Future<Output = T>,
    {
        let started = {
            let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
            match slot.take() {
                Some((k, rx)) if k == key => Some(rx),
                _ => None,
            }
        };
        if let Some(rx) = started
            && let Ok(v) = rx.await
        {
            return v;
        }
        fetch(key).await
    }
}

/// A route's numeric `:id`, read once (for `data()`); `None` if it is not a number.
pub fn id_param_untracked() -> Option<i64> {
    use leptos::prelude::*;
    leptos_router::hooks::use_params_map().with_untracked(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()))
}
