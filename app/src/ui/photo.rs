//! Photos as the phone sends them: shrunk in the browser before upload (the long side at most
//! `MAX_SIDE`, re-encoded as JPEG), so that a 4 MB camera photo costs a few hundred kilobytes on a
//! weak uplink instead of a minute. The server still checks and re-encodes whatever arrives
//! (`needs::photo`: type, size, pixels, EXIF); this only spares the resident's data and time.
//! Any capability that takes photos (needs, activity reports, projects) sends them through here;
//! `PhotoEditor` is the add-and-remove list that activity reports and projects share.
use crate::i18n::{Locale, td_string};
use crate::kernel::error::Failure;
use crate::needs::error::NeedError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A stored photo as a page shows it (the address serves it only to those who may see it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    pub id: i64,
    pub url: String,
}

/// The longest side of a stored photo, in the browser and on the server.
pub const MAX_SIDE: u32 = 2048;
/// The largest photo the server takes, in bytes (what arrives after shrinking; a photo the browser
/// cannot shrink is sent as it is).
pub const MAX_PHOTO_BYTES: usize = 6 * 1024 * 1024;
/// JPEG quality of a shrunk photo (0–1): 2048 px at 0.85 is 300–700 KB for a camera photo.
#[cfg(feature = "hydrate")]
const QUALITY: f64 = 0.85;
/// A photo this small, already a JPEG within `MAX_SIDE`, is sent as it is.
#[cfg(feature = "hydrate")]
const SMALL_ENOUGH: f64 = 400.0 * 1024.0;

/// The size `(w, h)` scaled so that its long side is at most `MAX_SIDE` (never enlarged, never 0).
pub fn fitted(w: u32, h: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= MAX_SIDE {
        return (w.max(1), h.max(1));
    }
    let scale = |side: u32| ((u64::from(side) * u64::from(MAX_SIDE) + u64::from(long) / 2) / u64::from(long)).max(1) as u32;
    (scale(w), scale(h))
}

/// The bytes to upload for `file`: shrunk to `MAX_SIDE` and re-encoded as JPEG where the browser
/// can decode it (turned upright by its EXIF orientation, which the browser applies); the file's
/// own bytes where it cannot (the server then decides); `None` if the file cannot be read.
#[cfg(feature = "hydrate")]
pub async fn prepared(file: &web_sys::File) -> Option<Vec<u8>> {
    use wasm_bindgen_futures::JsFuture;
    let original = || async {
        let buffer = JsFuture::from(file.array_buffer()).await.ok()?;
        Some(js_sys::Uint8Array::new(&buffer).to_vec())
    };
    match shrunk(file).await {
        Some(bytes) if bytes.len() < file.size() as usize || file.type_() != "image/jpeg" => Some(bytes),
        _ => original().await,
    }
}

#[cfg(feature = "hydrate")]
async fn shrunk(file: &web_sys::File) -> Option<Vec<u8>> {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    let window = web_sys::window()?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(window.create_image_bitmap_with_blob(file).ok()?).await.ok()?.dyn_into().ok()?;
    let (w, h) = (bitmap.width(), bitmap.height());
    if w.max(h) <= MAX_SIDE && file.type_() == "image/jpeg" && file.size() <= SMALL_ENOUGH {
        bitmap.close();
        return None;
    }
    let (tw, th) = fitted(w, h);
    let canvas: web_sys::HtmlCanvasElement = window.document()?.create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(tw);
    canvas.set_height(th);
    let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let drawn = ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, f64::from(tw), f64::from(th));
    bitmap.close();
    drawn.ok()?;
    let encoded = js_sys::Promise::new(&mut |resolve, _reject| {
        let _ = canvas.to_blob_with_type_and_encoder_options(&resolve, "image/jpeg", &JsValue::from_f64(QUALITY));
    });
    let blob: web_sys::Blob = JsFuture::from(encoded).await.ok()?.dyn_into().ok()?;
    let buffer = JsFuture::from(blob.array_buffer()).await.ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A photo as a server function receives it (base64 of the bytes the browser prepared): its bytes,
/// or the refusal — too large (said before decoding) or not base64.
#[cfg(feature = "ssr")]
pub fn decode_upload(b64: &str) -> Result<Vec<u8>, NeedError> {
    use base64::Engine;
    if b64.len() > MAX_PHOTO_BYTES / 3 * 4 + 8 {
        return Err(NeedError::PhotoTooLarge { max_mb: MAX_PHOTO_BYTES / (1024 * 1024) });
    }
    base64::engine::general_purpose::STANDARD.decode(b64.trim()).map_err(|_| NeedError::PhotoUnreadable)
}

/// Photos shown small, each a link to itself at full size (`alt`: a photo's text from its number,
/// counted from 1).
pub fn photo_list(photos: Vec<Photo>, alt: fn(Locale, usize) -> String, testid: &'static str, l: Locale) -> impl IntoView {
    (!photos.is_empty()).then(|| {
        view! {
            <ul class="photos" data-testid=testid>
                {photos.into_iter().enumerate().map(|(i, p)| {
                    let full = p.url.clone();
                    view! { <li><a href=full><img src=p.url alt=alt(l, i + 1) loading="lazy" width="96" height="96"/></a></li> }
                }).collect_view()}
            </ul>
        }
    })
}

/// A set of photos on the screen of whoever keeps them: add (shrunk in the browser first, one after
/// the other, with progress; at most `max`) and remove. `add` sends a photo's bytes as base64 and
/// answers the stored photo; `remove` removes one by id. Adding needs the page to be live; until
/// then the field is disabled. Test ids: `{testid}s-edit` (the section), `{testid}-input`,
/// `{testid}` (each photo).
#[component]
pub fn PhotoEditor<E, A, AF, R, RF>(
    photos: Vec<Photo>,
    max: usize,
    label: String,
    hint: String,
    alt: fn(Locale, usize) -> String,
    testid: &'static str,
    add: A,
    remove: R,
) -> impl IntoView
where
    E: Failure + From<NeedError> + Clone + Send + Sync + 'static,
    A: Fn(String) -> AF + Copy + Send + Sync + 'static,
    AF: std::future::Future<Output = Result<Photo, E>> + 'static,
    R: Fn(i64) -> RF + Copy + Send + Sync + 'static,
    RF: std::future::Future<Output = Result<(), E>> + 'static,
{
    let l = crate::i18n::use_i18n().get_locale_untracked();
    let photos = RwSignal::new(photos);
    let busy = RwSignal::new(None::<(u32, u32)>);
    let error = RwSignal::new(None::<E>);
    let removing = RwSignal::new(None::<i64>);
    let input = NodeRef::<leptos::html::Input>::new();
    let on_files = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(input) = input.get() {
            leptos::task::spawn_local(async move {
                let n = input.files().map(|f| f.length()).unwrap_or(0);
                error.set(None);
                for i in 0..n {
                    busy.set(Some((i + 1, n)));
                    if photos.with_untracked(|p| p.len()) >= max {
                        error.set(Some(E::from(NeedError::TooManyPhotos { max })));
                        break;
                    }
                    let Some(file) = input.files().and_then(|f| f.get(i)) else { continue };
                    let Some(bytes) = prepared(&file).await else { continue };
                    // Said here, before a long upload the server would refuse.
                    if bytes.len() > MAX_PHOTO_BYTES {
                        error.set(Some(E::from(NeedError::PhotoTooLarge { max_mb: MAX_PHOTO_BYTES / (1024 * 1024) })));
                        continue;
                    }
                    let b64 = {
                        use base64::Engine;
                        base64::engine::general_purpose::STANDARD.encode(bytes)
                    };
                    match add(b64).await {
                        Ok(p) => photos.update(|v| v.push(p)),
                        Err(e) => error.set(Some(e)),
                    }
                }
                input.set_value("");
                busy.set(None);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (add, input, busy);
    };
    let on_remove = move |id: i64| {
        removing.set(Some(id));
        error.set(None);
        leptos::task::spawn_local(async move {
            match remove(id).await {
                Ok(()) => photos.update(|v| v.retain(|p| p.id != id)),
                Err(e) => error.set(Some(e)),
            }
            removing.set(None);
        });
    };
    view! {
        <section class="card" data-testid=format!("{testid}s-edit")>
            <label for=format!("{testid}s")>{label}</label>
            <input id=format!("{testid}s") type="file" accept="image/jpeg,image/png,image/webp" multiple node_ref=input on:change=on_files
                data-testid=format!("{testid}-input")
                disabled=move || { !crate::ui::hydrated() || busy.get().is_some() || photos.with(|p| p.len()) >= max }/>
            <p class="hint">{hint}</p>
            {move || busy.get().map(|(i, n)| view! { <p class="hint" role="status">{td_string!(l, needs_uploading_n, i = i, n = n).to_string()}</p> })}
            {move || error.get().map(|e| crate::ui::widgets::error_view(e, l))}
            <ul class="photos">
                {move || photos.get().into_iter().enumerate().map(|(i, p)| {
                    let id = p.id;
                    view! {
                        <li data-testid=testid>
                            <img src=p.url alt=alt(l, i + 1) width="96" height="96"/>
                            <button type="button" class="button secondary" disabled=move || removing.get().is_some()
                                on:click=move |_| on_remove(id)>{td_string!(l, needs_remove_photo)}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_side_is_brought_to_the_limit_and_the_shape_kept() {
        assert_eq!(fitted(4032, 3024), (2048, 1536));
        assert_eq!(fitted(3024, 4032), (1536, 2048));
        assert_eq!(fitted(2048, 10), (2048, 10));
        assert_eq!(fitted(800, 600), (800, 600));
        assert_eq!(fitted(100_000, 10), (2048, 1));
        assert_eq!(fitted(0, 0), (1, 1));
    }
}
