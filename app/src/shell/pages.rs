//! The pages of the app shell. Capabilities (needs, deliberation, services, activities, accounts)
//! replace their placeholder here as they land, each in its own folder.
use crate::i18n::{t, td_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Sets the document title from a translation key, following the language switch.
macro_rules! page_title {
    ($i18n:ident, $key:ident) => {
        view! { <Title text=move || td_string!($i18n.get_locale(), $key).to_string()/> }
    };
}

/// 首页: what Linli is for, the survey → evaluate → improve loop, tips.
#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        {page_title!(i18n, home_title)}
        <section class="hero">
            <h1>{t!(i18n, home_welcome)}</h1>
            <p>{t!(i18n, home_intro)}</p>
        </section>
        <section class="card" data-testid="home-needs">
            <h2>{t!(i18n, home_needs_title)}</h2>
            <p>{t!(i18n, home_needs_text)}</p>
            <div class="row">
                <A href="/needs" attr:class="button">{t!(i18n, home_needs_go)}</A>
                <A href="/needs/new" attr:class="button secondary">{t!(i18n, needs_propose)}</A>
            </div>
        </section>
        <section class="card">
            <h2>{t!(i18n, home_loop_title)}</h2>
            <ol class="loop">
                <li>
                    <h3>{t!(i18n, home_loop_survey)}</h3>
                    <p>{t!(i18n, home_loop_survey_text)}</p>
                    <p><A href="/surveys" attr:data-testid="home-surveys">{t!(i18n, nav_surveys)}" →"</A></p>
                </li>
                <li>
                    <h3>{t!(i18n, home_loop_evaluate)}</h3>
                    <p>{t!(i18n, home_loop_evaluate_text)}</p>
                </li>
                <li>
                    <h3>{t!(i18n, home_loop_improve)}</h3>
                    <p>{t!(i18n, home_loop_improve_text)}</p>
                    <p><A href="/projects" attr:data-testid="home-projects">{t!(i18n, nav_projects)}" →"</A></p>
                </li>
            </ol>
        </section>
        <section class="card">
            <h2>{t!(i18n, home_tips_title)}</h2>
            <ul class="tips">
                <li>{t!(i18n, home_tip_1)}</li>
                <li>{t!(i18n, home_tip_2)}</li>
                <li>{t!(i18n, home_tip_3)}</li>
            </ul>
        </section>
    }
}

crate::ui::lazy_page!(
    /// 我的 is loaded on demand (its own WASM chunk with `cargo leptos --split`): the account code
    /// is not part of the first download.
    MeRoute, MePage
);

/// 我的: the resident's own corner: account, household, device settings.
#[component]
pub fn MePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        {page_title!(i18n, me_title)}
        <h1>{t!(i18n, me_title)}</h1>
        <p>{t!(i18n, me_intro)}</p>
        <div class="row">
            <A href="/notifications" attr:class="button secondary" attr:data-testid="me-notifications">{t!(i18n, me_notifications)}</A>
            <A href="/needs?mine=1" attr:class="button secondary">{t!(i18n, needs_mine)}</A>
        </div>
        <crate::account::pages::AccountPanel/>
        <section class="card">
            <h2>{t!(i18n, me_settings)}</h2>
            <div class="setting">
                <span>{t!(i18n, me_language)}</span>
                <crate::ui::prefs::LanguageSwitch/>
            </div>
            <div class="setting">
                <span>{t!(i18n, elderly_mode)}</span>
                <crate::ui::prefs::ElderlyToggle/>
            </div>
            <p class="hint">{t!(i18n, elderly_mode_hint)}</p>
        </section>
    }
}

/// The localized 404 page; on the server it also sets the status code.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        {page_title!(i18n, not_found_title)}
        <section class="problem" data-testid="not-found">
            <h1>{t!(i18n, not_found_title)}</h1>
            <p>{t!(i18n, not_found_text)}</p>
            <A href="/" attr:class="button">{t!(i18n, back_home)}</A>
        </section>
    }
}

/// The localized error page shown when rendering a page fails.
#[component]
pub fn ErrorPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    let i18n = use_i18n();
    view! {
        {page_title!(i18n, error_title)}
        <section class="problem" data-testid="error-page">
            <h1>{t!(i18n, error_title)}</h1>
            <p>{t!(i18n, error_text)}</p>
            <A href="/" attr:class="button">{t!(i18n, back_home)}</A>
        </section>
    }
}
