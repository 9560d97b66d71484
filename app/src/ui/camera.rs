//! The desk's camera: reads a booking's QR code with the browser's `BarcodeDetector` where the
//! browser has one (Chrome on Android, Safari on iOS 17+, …); elsewhere the desk types the code.
//! The detector is reached through `js_sys::Reflect` (it is not in web-sys' stable API), and it all
//! runs in the desk's own chunk only.

/// Whether this browser can read QR codes from the camera.
pub fn available() -> bool {
    #[cfg(feature = "hydrate")]
    {
        let w: wasm_bindgen::JsValue = leptos::prelude::window().into();
        let has = |o: &wasm_bindgen::JsValue, k: &str| js_sys::Reflect::has(o, &k.into()).unwrap_or(false);
        let nav = js_sys::Reflect::get(&w, &"navigator".into()).unwrap_or_default();
        has(&w, "BarcodeDetector") && has(&nav, "mediaDevices")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// Opens the back camera into `video` and looks for a QR code every 300 ms until one is read
/// (its text is returned) or `stopped()` says to stop (`None`). The camera is closed either way.
#[cfg(feature = "hydrate")]
pub async fn scan(video: wasm_bindgen::JsValue, stopped: impl Fn() -> bool) -> Result<Option<String>, wasm_bindgen::JsValue> {
    use js_sys::{Array, Function, Object, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    let get = |o: &JsValue, k: &str| Reflect::get(o, &k.into());
    let w: JsValue = leptos::prelude::window().into();
    let devices = get(&get(&w, "navigator")?, "mediaDevices")?;
    let constraints = Object::new();
    let video_wants = Object::new();
    Reflect::set(&video_wants, &"facingMode".into(), &"environment".into())?;
    Reflect::set(&constraints, &"video".into(), &video_wants)?;
    Reflect::set(&constraints, &"audio".into(), &false.into())?;
    let open: Function = get(&devices, "getUserMedia")?.dyn_into()?;
    let stream = JsFuture::from(open.call1(&devices, &constraints)?.dyn_into::<Promise>()?).await?;
    let close = || {
        if let Ok(tracks) = get(&stream, "getTracks").and_then(|f| f.dyn_into::<Function>()).and_then(|f| f.call0(&stream)) {
            for t in Array::from(&tracks).iter() {
                if let Ok(stop) = get(&t, "stop").and_then(|f| f.dyn_into::<Function>()) {
                    let _ = stop.call0(&t);
                }
            }
        }
    };
    let run = async {
        Reflect::set(&video, &"srcObject".into(), &stream)?;
        Reflect::set(&video, &"muted".into(), &true.into())?;
        if let Ok(p) = get(&video, "play")?.dyn_into::<Function>()?.call0(&video)?.dyn_into::<Promise>() {
            JsFuture::from(p).await?;
        }
        let options = Object::new();
        Reflect::set(&options, &"formats".into(), &Array::of1(&"qr_code".into()))?;
        let detector = Reflect::construct(&get(&w, "BarcodeDetector")?.dyn_into::<Function>()?, &Array::of1(&options))?;
        let detect: Function = get(&detector, "detect")?.dyn_into()?;
        while !stopped() {
            let found = JsFuture::from(detect.call1(&detector, &video)?.dyn_into::<Promise>()?).await?;
            if let Some(text) = Array::from(&found).iter().find_map(|b| get(&b, "rawValue").ok().and_then(|v| v.as_string())) {
                return Ok(Some(text));
            }
            let wait = Promise::new(&mut |resolve, _| {
                let _ = leptos::prelude::window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 300);
            });
            JsFuture::from(wait).await?;
        }
        Ok(None)
    };
    let result: Result<Option<String>, JsValue> = run.await;
    close();
    result
}
