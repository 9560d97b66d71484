//! Data a lazy route starts fetching in `LazyRoute::data`, so that on a navigation inside the app
//! the page's code (its WASM chunk) and its data are fetched at the same time, not one after the
//! other.
//!
//! Why not a `Resource` created in `data()`, as Leptos' examples do: `data()` is in the main WASM
//! module, and a resource brings its fetcher and its (de)serializers with it — tried for every page,
//! the main module grew from 226 to 328 KB brotli (BENCHMARKS.md). Here `data()` only starts a
//! `#[leptos::lazy]` function (whose code is in its own chunk, loaded in parallel with the page's)
//! and keeps the answer; the page's resource, created in the page's chunk as before, takes that
//! answer for its first fetch instead of asking again.
//!
//! Nothing is prefetched on the server, nor in the browser while the page is being hydrated: then
//! the resource has the server's data already.
use std::future::Future;
use std::sync::{Arc, Mutex};

use futures::channel::oneshot;

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
