//! Photos as the phone sends them: shrunk in the browser before upload (the long side at most
//! `MAX_SIDE`, re-encoded as JPEG), so that a 4 MB camera photo costs a few hundred kilobytes on a
//! weak uplink instead of a minute. The server still checks and re-encodes whatever arrives
//! (`needs::photo`: type, size, pixels, EXIF); this only spares the resident's data and time.
//! Any capability that takes photos (needs, activity reports) sends them through here.

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
