//! The check-in screen's body, one component for every capability that checks people in (a
//! service's session, an activity's participants and volunteers): a code typed or read by the
//! phone's camera (where the browser has `BarcodeDetector`), and the list with tick boxes and a
//! search by name or room. The page around it loads its list, sends what is ticked or read to its
//! own server function and shows the answer (passed as `children`, between the code and the list).
use super::camera;
use crate::i18n::{td_string, use_i18n};
use leptos::prelude::*;

/// One person on the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// What `on_line` gets back (a person's or a member's id).
    pub key: i64,
    pub name: String,
    /// Room and anything else worth seeing (price, a 代办 mark); searched with the name.
    pub detail: String,
    pub checked: bool,
}

/// A code as typed or read: checked in (`Some(false)`), out (`Some(true)`), or whichever comes
/// next for that code (`None`: the camera, which cannot know).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub code: String,
    pub out: Option<bool>,
}

/// A fresh id for one check-in, so a retried request counts once.
pub fn client_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        let r = || (js_sys::Math::random() * 4_294_967_296.0) as u64;
        format!("ci-{:08x}{:08x}{:08x}", r(), r(), r())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::from("ci-server-rendered")
    }
}

/// Whether `line` is found by `query` (its name or detail contains it; everything for an empty one).
pub fn matches(line: &Line, query: &str) -> bool {
    let q = query.trim();
    q.is_empty() || line.name.contains(q) || line.detail.contains(q)
}

/// The code field, the camera, the result (`children`) and the list.
#[component]
pub fn CheckInDesk(
    /// The code field's label (a booking's code, an activity's code).
    code_label: &'static str,
    code_len: usize,
    lines: Vec<Line>,
    on_code: Callback<Code>,
    on_line: Callback<i64>,
    /// Whether a check-out button stands beside the code (activities' volunteers).
    #[prop(optional)]
    with_out: bool,
    #[prop(into)] pending: Signal<bool>,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let code = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let checked = lines.iter().filter(|x| x.checked).count();
    let total = lines.len();
    let lines = StoredValue::new(lines);
    let send = move |out: Option<bool>| {
        let c = code.get_untracked().trim().to_uppercase();
        if !c.is_empty() {
            on_code.run(Code { code: c, out });
            code.set(String::new());
        }
    };
    view! {
        <p data-testid="checkin-count">{td_string!(l, svc_checked_count, n = checked, total = total).to_string()}</p>
        <form class="row" data-testid="code-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            send(Some(false));
        }>
            <label>{code_label}
                <input type="text" inputmode="text" autocomplete="off" autocapitalize="characters" maxlength=code_len data-testid="code-input"
                    prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
            </label>
            <button type="submit" class="button" data-testid="code-submit" disabled=move || pending.get()>{td_string!(l, svc_check_in)}</button>
            {with_out.then(|| view! {
                <button type="button" class="button secondary" data-testid="code-out" disabled=move || pending.get()
                    on:click=move |_| send(Some(true))>{td_string!(l, act_check_out)}</button>
            })}
        </form>
        <CameraScan on_code=Callback::new(move |c: String| on_code.run(Code { code: c.trim().to_uppercase(), out: None }))/>
        {children()}
        <label>{td_string!(l, svc_search)}
            <input type="search" data-testid="roster-search" prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
        </label>
        <ul class="roster" data-testid="roster">
            {move || {
                let q = search.get();
                lines.get_value().into_iter().filter(|x| matches(x, &q)).map(|x| {
                    let key = x.key;
                    view! {
                        <li class="roster-line" data-testid="roster-line">
                            <label class="choice">
                                <input type="checkbox" prop:checked=x.checked disabled=x.checked data-testid="roster-check"
                                    on:change=move |_| on_line.run(key)/>
                                {x.name.clone()}" · "{x.detail.clone()}
                            </label>
                        </li>
                    }
                }).collect_view()
            }}
        </ul>
    }
}

/// The camera button (only where the browser can read QR codes, and once the page is live): a
/// code read goes to `on_code`.
#[component]
pub fn CameraScan(on_code: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    let scanning = RwSignal::new(false);
    let failed = RwSignal::new(false);
    let video = NodeRef::<leptos::html::Video>::new();
    #[cfg(feature = "hydrate")]
    let start = move || {
        failed.set(false);
        scanning.set(true);
        leptos::task::spawn_local(async move {
            // The <video> appears with `scanning`; wait for it to be in the page.
            let mut el = None;
            for _ in 0..20 {
                if let Some(v) = video.get_untracked() {
                    el = Some(v);
                    break;
                }
                let wait = js_sys::Promise::new(&mut |resolve, _| {
                    let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 50);
                });
                let _ = wasm_bindgen_futures::JsFuture::from(wait).await;
            }
            let Some(v) = el else { return };
            let v: wasm_bindgen::JsValue = v.into();
            match camera::scan(v, move || !scanning.get_untracked()).await {
                Ok(Some(code)) => on_code.run(code),
                Ok(None) => {}
                Err(_) => failed.set(true),
            }
            scanning.set(false);
        });
    };
    #[cfg(not(feature = "hydrate"))]
    let start = move || {
        let _ = (on_code, video);
    };
    view! {
        {move || (super::hydrated() && camera::available()).then(|| {
            let l = i18n.get_locale();
            view! {
                <div class="camera" data-testid="camera">
                    {move || if scanning.get() {
                        view! {
                            <p class="hint">{td_string!(l, svc_camera_hint)}</p>
                            <video node_ref=video playsinline="" data-testid="camera-video"></video>
                            <button type="button" class="button secondary" on:click=move |_| scanning.set(false)>{td_string!(l, svc_camera_stop)}</button>
                        }.into_any()
                    } else {
                        view! {
                            <button type="button" class="button secondary" data-testid="camera-start" on:click=move |_| start()>{td_string!(l, svc_camera)}</button>
                        }.into_any()
                    }}
                    {move || failed.get().then(|| view! { <p class="error" role="alert">{td_string!(l, svc_camera_failed)}</p> })}
                </div>
            }
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, detail: &str) -> Line {
        Line { key: 1, name: name.into(), detail: detail.into(), checked: false }
    }

    #[test]
    fn the_search_finds_a_name_or_a_room_and_an_empty_one_finds_all() {
        let l = line("张秀英", "1幢1单元-101 · ¥8");
        assert!(matches(&l, ""));
        assert!(matches(&l, "  "));
        assert!(matches(&l, "秀英"));
        assert!(matches(&l, "101"));
        assert!(matches(&l, " 1幢 "));
        assert!(!matches(&l, "王"));
        assert!(!matches(&l, "102"));
    }
}
