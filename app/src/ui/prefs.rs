//! Per-device preferences: the language and the elderly mode (适老化: larger type, higher contrast).
//!
//! Both live in cookies, not in local storage, so that the server renders the page already in the
//! chosen form (no flash of the wrong language or size) and so that the switches are plain forms
//! posting to `/prefs`: they work on a slow phone before the WASM has loaded. Once hydrated, the
//! same forms switch in place without a round trip.
use crate::i18n::{Locale, t, use_i18n};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// Name of the cookie holding the chosen locale (read by leptos_i18n on both sides).
pub const LANG_COOKIE: &str = "linli_lang";
/// Name of the cookie holding the elderly mode, `1` when on.
pub const ELDERLY_COOKIE: &str = "linli_elderly";
/// The form endpoint that sets the preference cookies without JavaScript.
pub const PREFS_PATH: &str = "/prefs";
/// A year: preferences are about the device and should outlive sessions.
pub const PREF_MAX_AGE_SECS: i64 = 365 * 24 * 60 * 60;

/// Whether the elderly mode is on for this device.
#[derive(Clone, Copy)]
pub struct ElderlyMode(pub RwSignal<bool>);

/// The value of cookie `name` in a `Cookie` header (or `document.cookie`).
pub fn cookie_value<'a>(cookies: &'a str, name: &str) -> Option<&'a str> {
    cookies.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The locale a language switch should change to.
pub fn other_locale(current: Locale) -> Locale {
    match current {
        Locale::zh_CN => Locale::en,
        Locale::en => Locale::zh_CN,
    }
}

/// A `back` target that stays on this site: a path of printable ASCII (our paths, with any other
/// character percent-encoded), never `//host`, a full URL or a backslash; anything else is `/`.
/// Control characters and whitespace are refused, not stripped: browsers drop a tab or a newline
/// inside a URL, so `/<TAB>/evil.example` would be read as `//evil.example`.
pub fn safe_back_path(back: &str) -> &str {
    let ok = back.starts_with('/') && !back.starts_with("//") && back.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    if ok { back } else { "/" }
}

fn request_cookies() -> String {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .map(|parts| parts.headers.get_all(http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join("; "))
            .unwrap_or_default()
    }
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        document().unchecked_into::<web_sys::HtmlDocument>().cookie().unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    String::new()
}

/// Reads the elderly mode of this device (same answer on server and browser) and provides it.
pub fn provide_elderly_mode() -> RwSignal<bool> {
    let on = cookie_value(&request_cookies(), ELDERLY_COOKIE) == Some("1");
    let signal = RwSignal::new(on);
    provide_context(ElderlyMode(signal));
    signal
}

#[cfg(feature = "hydrate")]
fn write_cookie(name: &str, value: &str) {
    use wasm_bindgen::JsCast;
    let doc = document().unchecked_into::<web_sys::HtmlDocument>();
    let _ = doc.set_cookie(&format!("{name}={value}; Path=/; Max-Age={PREF_MAX_AGE_SECS}; SameSite=Lax"));
}

/// Switches between 中文 and English.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let target = move || other_locale(i18n.get_locale());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        i18n.set_locale(target());
    };
    view! {
        <form method="post" action=PREFS_PATH class="pref-form" on:submit=on_submit>
            <input type="hidden" name="lang" value=move || target().to_string()/>
            <input type="hidden" name="back" value=move || location.pathname.get()/>
            <button
                type="submit"
                class="chip"
                data-testid="lang-switch"
                title=move || crate::i18n::td_string!(i18n.get_locale(), switch_language_label)
                lang=move || target().to_string()
            >
                {t!(i18n, switch_language)}
            </button>
        </form>
    }
}

/// Turns the elderly mode on or off.
#[component]
pub fn ElderlyToggle() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let on = expect_context::<ElderlyMode>().0;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let next = !on.get_untracked();
        on.set(next);
        #[cfg(feature = "hydrate")]
        write_cookie(ELDERLY_COOKIE, if next { "1" } else { "0" });
    };
    view! {
        <form method="post" action=PREFS_PATH class="pref-form" on:submit=on_submit>
            <input type="hidden" name="elderly" value=move || if on.get() { "0" } else { "1" }/>
            <input type="hidden" name="back" value=move || location.pathname.get()/>
            <button
                type="submit"
                class="chip"
                data-testid="elderly-toggle"
                aria-pressed=move || if on.get() { "true" } else { "false" }
                title=move || crate::i18n::td_string!(i18n.get_locale(), elderly_mode_hint)
            >
                {move || if on.get() { t!(i18n, elderly_mode_on).into_any() } else { t!(i18n, elderly_mode_off).into_any() }}
            </button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_value_finds_exact_name_among_several() {
        let h = "a=1; linli_elderly_x=9; linli_elderly=1; linli_lang=en";
        assert_eq!(cookie_value(h, ELDERLY_COOKIE), Some("1"));
        assert_eq!(cookie_value(h, LANG_COOKIE), Some("en"));
        assert_eq!(cookie_value(h, "missing"), None);
        assert_eq!(cookie_value("", ELDERLY_COOKIE), None);
    }

    #[test]
    fn language_switch_alternates_between_the_two_locales() {
        assert_eq!(other_locale(Locale::zh_CN), Locale::en);
        assert_eq!(other_locale(Locale::en), Locale::zh_CN);
    }

    #[test]
    fn back_path_never_leaves_the_site() {
        assert_eq!(safe_back_path("/me"), "/me");
        assert_eq!(safe_back_path("//evil.example/x"), "/");
        assert_eq!(safe_back_path("https://evil.example"), "/");
        assert_eq!(safe_back_path("/\\evil.example"), "/");
        assert_eq!(safe_back_path(""), "/");
        assert_eq!(safe_back_path("/needs/5?mine=1#c-3"), "/needs/5?mine=1#c-3");
        for bad in ["/\t/evil.example", "/\n/evil.example", "/me\r\nSet-Cookie: x=1", "/me\0", "/ /x", "/需求", "/\u{202e}x"] {
            assert_eq!(safe_back_path(bad), "/", "{bad:?}");
        }
    }
}
