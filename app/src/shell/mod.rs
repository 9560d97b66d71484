//! The shell: the one place that sees every capability. The frame of every page — top bar
//! (name, language, elderly mode), the routed content and the bottom tab bar (首页 / 议事 / 服务 /
//! 活动 / 我的), within one hand's reach on a phone — the router with every capability's routes,
//! the home and placeholder pages, and the list of notification kinds. Capabilities sit below
//! it and use the widgets of `ui`, below them.
pub mod notices;
pub mod pages;

use crate::i18n::{I18nContextProvider, Locale, t, use_i18n};
use crate::ui::icons::{Icon, IconSvg};
use crate::ui::prefs::{self, ElderlyToggle, LANG_COOKIE, LanguageSwitch};
use leptos::prelude::*;
use leptos_i18n::context::CookieOptions;
use leptos_router::{
    components::{A, Route, Router, Routes},
    path,
};

/// The whole app: i18n and preferences around the router.
#[component]
pub fn App() -> impl IntoView {
    let cookie_options = CookieOptions::<Locale>::default().path("/").max_age(prefs::PREF_MAX_AGE_SECS * 1000).same_site(leptos_use::SameSite::Lax);
    view! {
        <I18nContextProvider cookie_name=LANG_COOKIE cookie_options>
            <Frame/>
        </I18nContextProvider>
    }
}

#[component]
fn Frame() -> impl IntoView {
    let i18n = use_i18n();
    let elderly = prefs::provide_elderly_mode();
    // While the next page's code or data is coming (a tap on a link inside the app), a bar at the
    // top says so at once, and the old page is dimmed.
    let (routing, set_routing) = signal(false);
    view! {
        <Router set_is_routing=set_routing>
            <div class="app" class:elderly=move || elderly.get() class:routing=move || routing.get()>
                {move || routing.get().then(|| view! {
                    <div class="nav-progress" role="progressbar" data-testid="nav-progress"
                        aria-label=move || crate::i18n::td_string!(i18n.get_locale(), opening_page)></div>
                })}
                <a class="skip-link" href="#main">{t!(i18n, skip_to_content)}</a>
                <header class="top-bar">
                    <A href="/" attr:class="brand">
                        <span class="brand-name">{t!(i18n, app_name)}</span>
                        <span class="brand-tagline">{t!(i18n, app_tagline)}</span>
                    </A>
                    <div class="top-actions">
                        <LanguageSwitch/>
                        <ElderlyToggle/>
                    </div>
                </header>
                <main id="main" class="content" tabindex="-1">
                    // Shown until the page is live (style: `html:not([data-hydrated])`): until then
                    // only the forms marked `works-early` (plain posts) can be used.
                    <p class="booting" role="status" data-testid="booting">{t!(i18n, booting)}</p>
                    <Pages/>
                </main>
                <TabBar/>
            </div>
        </Router>
    }
}

/// Every page: the router's routes, behind an error boundary. Erased to `AnyView`: hydrating the
/// routes is then a boxed future on the heap. Inlined into the frame, its state took the WASM's
/// stack frames past the 1 MiB stack (a "memory access out of bounds" on every page once the
/// routes grew; `scripts/check_size.sh` now checks the largest frames).
#[component]
fn Pages() -> impl IntoView {
    view! {
        <ErrorBoundary fallback=|_errors| view! { <pages::ErrorPage/> }>
        <Routes fallback=|| view! { <pages::NotFound/> }>
            <Route path=path!("") view=pages::HomePage/>
            <Route path=path!("deliberations") view={leptos_router::Lazy::<crate::deliberation::pages::DeliberationsRoute>::new()}/>
            <Route path=path!("deliberations/new") view={leptos_router::Lazy::<crate::deliberation::pages::NewDeliberationRoute>::new()}/>
            <Route path=path!("deliberations/:id") view={leptos_router::Lazy::<crate::deliberation::pages::DeliberationRoute>::new()}/>
            <Route path=path!("deliberations/:id/result") view={leptos_router::Lazy::<crate::deliberation::pages::ResultRoute>::new()}/>
            <Route path=path!("deliberations/:id/desk") view={leptos_router::Lazy::<crate::deliberation::pages::DeskRoute>::new()}/>
            <Route path=path!("services") view={leptos_router::Lazy::<crate::services::pages::ServicesRoute>::new()}/>
            <Route path=path!("services/mine") view={leptos_router::Lazy::<crate::services::pages::MyBookingsRoute>::new()}/>
            <Route path=path!("services/new") view={leptos_router::Lazy::<crate::services::worker::ServiceEditorRoute>::new()}/>
            <Route path=path!("services/settings") view={leptos_router::Lazy::<crate::services::worker::ServiceSettingsRoute>::new()}/>
            <Route path=path!("services/calendar") view={leptos_router::Lazy::<crate::services::desk::CalendarRoute>::new()}/>
            <Route path=path!("services/stats") view={leptos_router::Lazy::<crate::services::worker::ServiceStatsRoute>::new()}/>
            <Route path=path!("services/:id/edit") view={leptos_router::Lazy::<crate::services::worker::ServiceEditorRoute>::new()}/>
            <Route path=path!("services/:id") view={leptos_router::Lazy::<crate::services::pages::ServiceRoute>::new()}/>
            <Route path=path!("services/bookings/:id") view={leptos_router::Lazy::<crate::services::pages::BookingRoute>::new()}/>
            <Route path=path!("services/sessions/:id/desk") view={leptos_router::Lazy::<crate::services::pages::CheckInRoute>::new()}/>
            <Route path=path!("services/sessions/:id/roster") view={leptos_router::Lazy::<crate::services::desk::RosterRoute>::new()}/>
            <Route path=path!("activities") view={leptos_router::Lazy::<crate::activities::pages::ActivitiesRoute>::new()}/>
            <Route path=path!("activities/new") view={leptos_router::Lazy::<crate::activities::pages::EditorRoute>::new()}/>
            <Route path=path!("activities/volunteer") view={leptos_router::Lazy::<crate::activities::pages::VolunteerRoute>::new()}/>
            <Route path=path!("activities/mine") view={leptos_router::Lazy::<crate::activities::pages::MineRoute>::new()}/>
            <Route path=path!("activities/review") view={leptos_router::Lazy::<crate::activities::pages::ReviewRoute>::new()}/>
            <Route path=path!("activities/:id") view={leptos_router::Lazy::<crate::activities::pages::ActivityRoute>::new()}/>
            <Route path=path!("activities/:id/edit") view={leptos_router::Lazy::<crate::activities::pages::EditorRoute>::new()}/>
            <Route path=path!("activities/:id/desk") view={leptos_router::Lazy::<crate::activities::pages::DeskRoute>::new()}/>
            <Route path=path!("surveys") view={leptos_router::Lazy::<crate::surveys::pages::SurveysRoute>::new()}/>
            <Route path=path!("surveys/new") view={leptos_router::Lazy::<crate::surveys::pages::NewSurveyRoute>::new()}/>
            <Route path=path!("surveys/:id") view={leptos_router::Lazy::<crate::surveys::pages::SurveyRoute>::new()}/>
            <Route path=path!("surveys/:id/results") view={leptos_router::Lazy::<crate::surveys::pages::ResultsRoute>::new()}/>
            <Route path=path!("surveys/:id/desk") view={leptos_router::Lazy::<crate::surveys::pages::DeskRoute>::new()}/>
            <Route path=path!("projects") view={leptos_router::Lazy::<crate::projects::pages::ProjectsRoute>::new()}/>
            <Route path=path!("projects/new") view={leptos_router::Lazy::<crate::projects::pages::NewProjectRoute>::new()}/>
            <Route path=path!("projects/:id") view={leptos_router::Lazy::<crate::projects::pages::ProjectRoute>::new()}/>
            <Route path=path!("communities/:id/projects") view={leptos_router::Lazy::<crate::projects::pages::SummaryRoute>::new()}/>
            <Route path=path!("records") view={leptos_router::Lazy::<crate::records::pages::RecordsRoute>::new()}/>
            <Route path=path!("me") view={leptos_router::Lazy::<pages::MeRoute>::new()}/>
            <Route path=path!("login") view={leptos_router::Lazy::<crate::account::pages::LoginRoute>::new()}/>
            <Route path=path!("worker") view={leptos_router::Lazy::<crate::account::worker::WorkerRoute>::new()}/>
            <Route path=path!("worker/needs") view={leptos_router::Lazy::<crate::needs::worker::QueueRoute>::new()}/>
            <Route path=path!("needs") view={leptos_router::Lazy::<crate::needs::pages::NeedsRoute>::new()}/>
            <Route path=path!("needs/new") view={leptos_router::Lazy::<crate::needs::pages::ProposeRoute>::new()}/>
            <Route path=path!("needs/:id") view={leptos_router::Lazy::<crate::needs::pages::NeedRoute>::new()}/>
            <Route path=path!("notifications") view={leptos_router::Lazy::<notices::NotificationsRoute>::new()}/>
        </Routes>
        </ErrorBoundary>
    }
    .into_any()
}

#[component]
fn TabBar() -> impl IntoView {
    let i18n = use_i18n();
    // Unread notifications, asked by the browser once the whole page is hydrated and again on every
    // navigation. Not a resource: an effect never runs on the server, so no page waits for it (or
    // keeps it). Not before hydration has finished: the tab bar is hydrated after the page's lazy
    // route, and a badge appearing in it before then breaks hydration.
    let location = leptos_router::hooks::use_location();
    let unread = RwSignal::new(0i64);
    Effect::new(move |_| {
        location.pathname.track();
        if !crate::ui::hydrated() {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Some(n) = crate::notifications::api::fetch_unread().await {
                unread.try_set(n);
            }
        });
    });
    let badge = move || {
        view! {
            {move || (unread.get() > 0).then(|| {
                let n = unread.get();
                view! {
                    <span class="tab-badge" data-testid="unread-badge"
                        aria-label=crate::i18n::td_string!(i18n.get_locale(), notif_unread, n = n).to_string()>{n}</span>
                }
            })}
        }
        .into_any()
    };
    let tab = move |href: &'static str, icon: Icon, label: AnyView, extra: Option<AnyView>| {
        view! {
            <li>
                <A href=href exact=true attr:class="tab">
                    <IconSvg icon/>
                    <span class="tab-label">{label}</span>
                    {extra}
                </A>
            </li>
        }
    };
    view! {
        <nav class="tab-bar" aria-label=move || crate::i18n::td_string!(i18n.get_locale(), main_nav)>
            <ul>
                {tab("/", Icon::Home, t!(i18n, tab_home).into_any(), None)}
                {tab("/deliberations", Icon::Deliberation, t!(i18n, tab_deliberation).into_any(), None)}
                {tab("/services", Icon::Services, t!(i18n, tab_services).into_any(), None)}
                {tab("/activities", Icon::Activities, t!(i18n, tab_activities).into_any(), None)}
                {tab("/me", Icon::Me, t!(i18n, tab_me).into_any(), Some(badge()))}
            </ul>
        </nav>
    }
}
