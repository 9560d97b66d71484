//! The screens of services: the catalogue (一老 / 一小, and "for whom" among the household), a
//! service's page (sessions, places left, booking with who, price and deadline), 我的预约, a
//! booking's page (QR code, code, calendar file, cancel), and the worker's check-in screen. Each
//! is loaded on demand (its own WASM chunk). Filters are links, so they work before the page is live.
use super::api::*;
use super::model::{Category, Group, Window, yuan};
use super::types::*;
use crate::i18n::{Locale, t, td_string, use_i18n};
use crate::time::{date, ms_to_local, time_of, weekday};
use crate::ui::widgets::{action_err, load_error, successes};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

crate::ui::lazy_page!(
    /// 服务: the catalogue.
    ServicesRoute,
    ServicesPage
);
crate::ui::lazy_page!(ServiceRoute, ServicePage);
crate::ui::lazy_page!(MyBookingsRoute, MyBookingsPage);
crate::ui::lazy_page!(BookingRoute, BookingPage);
crate::ui::lazy_page!(CheckInRoute, CheckInPage);

fn id_param() -> impl Fn() -> i64 + Copy {
    let params = use_params_map();
    move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0))
}

pub fn category_name(c: Category, l: Locale) -> &'static str {
    match c {
        Category::Meals => td_string!(l, svc_cat_meals),
        Category::DayCare => td_string!(l, svc_cat_day_care),
        Category::Rehab => td_string!(l, svc_cat_rehab),
        Category::HealthCheck => td_string!(l, svc_cat_health_check),
        Category::Bathing => td_string!(l, svc_cat_bathing),
        Category::InfantCare => td_string!(l, svc_cat_infant_care),
        Category::AfterSchool => td_string!(l, svc_cat_after_school),
        Category::HolidayClass => td_string!(l, svc_cat_holiday_class),
    }
}

/// `2026-11-30 周一 11:30–12:30`.
pub(super) fn session_time(starts_at: i64, ends_at: i64, l: Locale) -> String {
    let wd = match weekday(crate::time::day_of(starts_at)) {
        0 => td_string!(l, svc_mon),
        1 => td_string!(l, svc_tue),
        2 => td_string!(l, svc_wed),
        3 => td_string!(l, svc_thu),
        4 => td_string!(l, svc_fri),
        5 => td_string!(l, svc_sat),
        _ => td_string!(l, svc_sun),
    };
    format!("{} {wd} {}–{}", date(starts_at), time_of(starts_at), time_of(ends_at))
}

fn when(ms: i64) -> String {
    ms_to_local(ms).replace('T', " ")
}

fn price_text(fen: i64, l: Locale) -> String {
    if fen == 0 { td_string!(l, svc_free).to_string() } else { yuan(fen) }
}

/// The ages served: `60 岁以上`, `0–3 岁`, or everyone.
fn ages_text(min: Option<i64>, max: Option<i64>, l: Locale) -> String {
    match (min, max) {
        (Some(a), Some(b)) => td_string!(l, svc_ages_range, min = a, max = b).to_string(),
        (Some(a), None) => td_string!(l, svc_ages_from, min = a).to_string(),
        (None, Some(b)) => td_string!(l, svc_ages_to, max = b).to_string(),
        (None, None) => td_string!(l, svc_ages_all).to_string(),
    }
}

/// The prices by age: `¥12；70 岁起 ¥10；80 岁起 ¥8`.
fn prices_text(c: &ServiceCard, l: Locale) -> String {
    let mut parts = vec![price_text(c.base_price_fen, l)];
    for b in &c.bands {
        parts.push(td_string!(l, svc_band, age = b.from_age, price = price_text(b.price_fen, l)).to_string());
    }
    parts.join(td_string!(l, svc_list_sep))
}

pub use crate::kernel::audience::why_not;

fn state_badge(s: BookingState, l: Locale) -> AnyView {
    let (class, text) = match s {
        BookingState::Booked => ("status status-ok", td_string!(l, svc_state_booked).to_string()),
        BookingState::Waiting { position } => ("status status-wait", td_string!(l, svc_state_waiting, position = position).to_string()),
        BookingState::Cancelled => ("status status-off", td_string!(l, svc_state_cancelled).to_string()),
        BookingState::WaitlistClosed => ("status status-off", td_string!(l, svc_state_waitlist_closed).to_string()),
        BookingState::SessionCancelled => ("status status-off", td_string!(l, svc_state_session_cancelled).to_string()),
    };
    view! { <span class=class data-testid="booking-state">{text}</span> }.into_any()
}

// ---------------------------------------------------------------------------------------------
// The catalogue

#[component]
pub fn ServicesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let data = crate::ui::resource::resource(|| (), |_| service_catalogue(None));
    view! {
        <Title text=move || td_string!(i18n.get_locale(), services_title).to_string()/>
        <h1>{t!(i18n, services_title)}</h1>
        <p>{t!(i18n, services_intro)}</p>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(c) => {
                    let l = i18n.get_locale();
                    let group = query.with(|q| q.get("group")).and_then(|g| Group::parse(&g)).unwrap_or(Group::Elderly);
                    let whom = query.with(|q| q.get("for")).and_then(|w| w.parse::<i64>().ok());
                    let chosen = whom.and_then(|w| c.members.iter().find(|m| m.id == w).cloned());
                    let href = move |g: Group, w: Option<i64>| match w {
                        Some(w) => format!("/services?group={}&for={w}", g.as_str()),
                        None => format!("/services?group={}", g.as_str()),
                    };
                    let shown: Vec<ServiceCard> = c.services.iter()
                        .filter(|s| s.category.group() == group)
                        .filter(|s| chosen.as_ref().is_none_or(|m| m.services.contains(&s.id)))
                        .cloned().collect();
                    view! {
                        <div class="row">
                            <A href="/services/mine" attr:class="button secondary" attr:data-testid="my-bookings">{td_string!(l, svc_mine)}</A>
                            {c.is_worker.then(|| view! {
                                <A href="/services/calendar" attr:class="button secondary" attr:data-testid="service-calendar">{td_string!(l, svc_calendar)}</A>
                                <A href="/services/new" attr:class="button secondary" attr:data-testid="service-new">{td_string!(l, svc_new)}</A>
                                <A href="/services/settings" attr:class="button secondary">{td_string!(l, svc_settings)}</A>
                                <A href="/services/stats" attr:class="button secondary">{td_string!(l, svc_stats)}</A>
                            })}
                        </div>
                        <nav class="segmented" aria-label=td_string!(l, svc_group_label)>
                            {[Group::Elderly, Group::Children].into_iter().map(|g| {
                                let name = if g == Group::Elderly { td_string!(l, svc_group_elderly) } else { td_string!(l, svc_group_children) };
                                view! { <a href=href(g, whom) class="chip" aria-current=(g == group).then_some("page")>{name}</a> }
                            }).collect_view()}
                        </nav>
                        {(!c.members.is_empty()).then(|| view! {
                            <section class="card" data-testid="for-whom">
                                <h2>{td_string!(l, svc_for_whom)}</h2>
                                <div class="chips">
                                    <a href=href(group, None) class="chip" aria-current=whom.is_none().then_some("page")>{td_string!(l, svc_for_everyone)}</a>
                                    {c.members.iter().map(|m| {
                                        let label = match m.age {
                                            Some(a) => td_string!(l, svc_member_age, name = m.name.clone(), age = a).to_string(),
                                            None => m.name.clone(),
                                        };
                                        let n = m.services.len();
                                        view! {
                                            <a href=href(group, Some(m.id)) class="chip" aria-current=(whom == Some(m.id)).then_some("page")
                                                data-testid="member-chip">
                                                {label}" · "{td_string!(l, svc_may_book_n, n = n).to_string()}
                                            </a>
                                        }
                                    }).collect_view()}
                                </div>
                            </section>
                        })}
                        {if shown.is_empty() {
                            view! { <p class="hint" data-testid="no-services">{td_string!(l, svc_none)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="cards" data-testid="services">
                                    {shown.into_iter().map(|s| {
                                        let prices = prices_text(&s, l);
                                        view! {
                                        <li class="card service" data-testid="service">
                                            <h2><A href=format!("/services/{}", s.id)>{s.title.clone()}</A></h2>
                                            <p class="meta"><span class="category">{category_name(s.category, l)}</span>" · "{s.provider.clone()}" · "{s.place.clone()}</p>
                                            <p>{ages_text(s.min_age, s.max_age, l)}" · "{prices}</p>
                                            {s.places_left.map(|n| view! { <p class="hint">{td_string!(l, svc_next_places, n = n).to_string()}</p> })}
                                            {(!s.active).then(|| view! { <p class="warn">{td_string!(l, svc_inactive)}</p> })}
                                        </li>
                                    }}).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------------------------
// A service

#[component]
pub fn ServicePage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let booking = ServerAction::<BookSession>::new();
    let capacity = ServerAction::<SetSessionCapacity>::new();
    let cancel_session = ServerAction::<CancelSession>::new();
    let (done, resized, cancelled) = (successes(booking), successes(capacity), successes(cancel_session));
    let data = crate::ui::resource::resource(move || (id(), done.get(), resized.get(), cancelled.get()), |(id, ..)| get_service(id));
    // The session whose booking form is open, and who is ticked in it.
    let open = RwSignal::new(None::<i64>);
    let picked = RwSignal::new(Vec::<i64>::new());
    let pay_hours = RwSignal::new(false);
    view! {
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(d) => {
                    let l = i18n.get_locale();
                    let title = d.card.title.clone();
                    let members = StoredValue::new(d.members.clone());
                    let deadline = d.cancel_before_min;
                    let hours_each = d.card.timebank_half_hours;
                    let party = d.party_limit;
                    view! {
                        <Title text=title.clone()/>
                        <p><A href="/services">{td_string!(l, svc_back)}</A></p>
                        <article class="service" data-testid="service-page">
                            <h1>{title.clone()}</h1>
                            <p class="meta"><span class="category">{category_name(d.card.category, l)}</span>" · "{d.card.provider.clone()}</p>
                            <p><strong>{td_string!(l, svc_place)}": "</strong>{d.card.place.clone()}</p>
                            <p><strong>{td_string!(l, svc_who)}": "</strong>{ages_text(d.card.min_age, d.card.max_age, l)}
                                {(!d.building_names.is_empty()).then(|| format!(" · {}", d.building_names.join("、")))}</p>
                            <p><strong>{td_string!(l, svc_price)}": "</strong>{prices_text(&d.card, l)}" "<span class="hint">{td_string!(l, svc_pay_there)}</span></p>
                            {d.card.timebank_half_hours.map(|h| view! { <p data-testid="timebank-accepted">{td_string!(l, svc_timebank_accepted, hours = crate::timebank::model::hours(h)).to_string()}</p> })}
                            <p class="hint">{td_string!(l, svc_rules_line, party = party, hours = deadline / 60, minutes = deadline % 60).to_string()}
                                {d.per_day.map(|n| td_string!(l, svc_per_day, n = n).to_string())}
                                {d.per_week.map(|n| td_string!(l, svc_per_week, n = n).to_string())}</p>
                            {(!d.description.is_empty()).then(|| view! { <p class="need-body">{d.description.clone()}</p> })}
                            {d.is_worker.then(|| view! {
                                <p class="row"><A href=format!("/services/{}/edit", d.card.id) attr:class="button secondary">{td_string!(l, svc_edit)}</A></p>
                            })}
                            <h2>{td_string!(l, svc_sessions)}</h2>
                            {d.sessions.is_empty().then(|| view! { <p class="hint">{td_string!(l, svc_no_sessions)}</p> })}
                            <ul class="sessions" data-testid="sessions">
                                {d.sessions.into_iter().map(|s| {
                                    let sid = s.id;
                                    let left = s.capacity - s.taken;
                                    let status = if s.cancelled {
                                        td_string!(l, svc_session_cancelled, reason = s.cancel_reason.clone().unwrap_or_default()).to_string()
                                    } else if left > 0 {
                                        td_string!(l, svc_places_left, n = left).to_string()
                                    } else {
                                        td_string!(l, svc_full_waiting, n = s.waiting).to_string()
                                    };
                                    let window = match (s.cancelled, s.window) {
                                        (true, _) => None,
                                        (_, Window::NotYet) => Some(td_string!(l, svc_opens_at, at = when(s.opens_at)).to_string()),
                                        (_, Window::Open) => Some(td_string!(l, svc_closes_at, at = when(s.closes_at)).to_string()),
                                        (_, Window::Closed) => Some(td_string!(l, svc_booking_closed).to_string()),
                                    };
                                    let can_book = !s.cancelled && s.window == Window::Open && !members.with_value(|m| m.is_empty());
                                    let full = left <= 0;
                                    view! {
                                        <li class="card session" data-testid="session">
                                            <p><strong>{session_time(s.starts_at, s.ends_at, l)}</strong></p>
                                            <p data-testid="session-places">{status}</p>
                                            {window.map(|w| view! { <p class="hint">{w}</p> })}
                                            {d.is_worker.then(|| {
                                                let places = RwSignal::new(s.capacity.to_string());
                                                let reason = RwSignal::new(String::new());
                                                view! {
                                                    <p><A href=format!("/services/sessions/{sid}/desk") attr:class="button secondary" attr:data-testid="session-desk">{td_string!(l, svc_desk)}</A></p>
                                                    {(!s.cancelled).then(|| view! {
                                                        <details>
                                                            <summary>{td_string!(l, svc_manage_session)}</summary>
                                                            <form class="row" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                                                ev.prevent_default();
                                                                capacity.dispatch(SetSessionCapacity { session_id: sid, capacity: places.get_untracked().trim().parse().unwrap_or(0) });
                                                            }>
                                                                <label>{td_string!(l, svc_capacity)}<input type="text" inputmode="numeric" bind:value=places/></label>
                                                                <button type="submit" class="button secondary">{td_string!(l, svc_set_capacity)}</button>
                                                            </form>
                                                            <form class="form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                                                ev.prevent_default();
                                                                cancel_session.dispatch(CancelSession { session_id: sid, reason: reason.get_untracked() });
                                                            }>
                                                                <label>{td_string!(l, svc_cancel_reason)}<input type="text" maxlength=super::model::REASON.max required bind:value=reason/></label>
                                                                <button type="submit" class="button secondary">{td_string!(l, svc_cancel_session)}</button>
                                                            </form>
                                                        </details>
                                                    })}
                                                }
                                            })}
                                            {can_book.then(|| view! {
                                                <button type="button" class="button" data-testid="book-open"
                                                    on:click=move |_| { picked.set(Vec::new()); open.set(Some(sid)); }>
                                                    {if full { td_string!(l, svc_join_waitlist) } else { td_string!(l, svc_book) }}
                                                </button>
                                            })}
                                            {move || (open.get() == Some(sid)).then(|| {
                                                let total = move || members.with_value(|m| m.iter().filter(|x| picked.with(|p| p.contains(&x.member_id))).filter_map(|x| x.price_fen.ok()).sum::<i64>());
                                                view! {
                                                    <form class="booking-form" data-testid="booking-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                                        ev.prevent_default();
                                                        let ids = picked.get().iter().map(|m| m.to_string()).collect::<Vec<_>>().join(",");
                                                        booking.dispatch(BookSession { session_id: sid, members: ids, pay_hours: Some(pay_hours.get_untracked()) });
                                                    }>
                                                        <fieldset>
                                                            <legend>{td_string!(l, svc_book_for, n = party).to_string()}</legend>
                                                            {members.get_value().into_iter().map(|m| {
                                                                let mid = m.member_id;
                                                                let label = match (m.age, &m.price_fen) {
                                                                    (_, Err(w)) => format!("{}（{}）", m.name, why_not(*w, l)),
                                                                    (Some(a), Ok(p)) => td_string!(l, svc_member_price, name = m.name.clone(), age = a, price = price_text(*p, l)).to_string(),
                                                                    (None, Ok(p)) => format!("{} · {}", m.name, price_text(*p, l)),
                                                                };
                                                                view! {
                                                                    <label class="choice">
                                                                        <input type="checkbox" name="members" value=mid disabled=m.price_fen.is_err() data-testid="book-member"
                                                                            prop:checked=move || picked.with(|p| p.contains(&mid))
                                                                            on:change=move |_| picked.update(|p| if let Some(i) = p.iter().position(|x| *x == mid) { p.remove(i); } else { p.push(mid); })/>
                                                                        {label}
                                                                    </label>
                                                                }
                                                            }).collect_view()}
                                                        </fieldset>
                                                        <p data-testid="booking-summary">
                                                            {move || td_string!(l, svc_summary, n = picked.with(|p| p.len()), total = price_text(total(), l)).to_string()}
                                                        </p>
                                                        {hours_each.map(|h| view! {
                                                            <label class="choice">
                                                                <input type="checkbox" name="pay_hours" value="true" data-testid="book-pay-hours"
                                                                    prop:checked=move || pay_hours.get() on:change=move |_| pay_hours.update(|v| *v = !*v)/>
                                                                {move || td_string!(l, svc_pay_hours, hours = crate::timebank::model::hours(h),
                                                                    total = crate::timebank::model::hours(h * picked.with(|p| p.len() as i64))).to_string()}
                                                            </label>
                                                        })}
                                                        <p class="hint">{td_string!(l, svc_cancel_until, at = when(s.starts_at - deadline * 60_000)).to_string()}</p>
                                                        {full.then(|| view! { <p class="warn">{td_string!(l, svc_waitlist_note)}</p> })}
                                                        <div class="row">
                                                            <button type="submit" class="button" data-testid="book-confirm"
                                                                disabled=move || picked.with(|p| p.is_empty()) || booking.pending().get()>{td_string!(l, svc_confirm)}</button>
                                                            <button type="button" class="button secondary" on:click=move |_| open.set(None)>{td_string!(l, svc_close)}</button>
                                                        </div>
                                                    </form>
                                                }
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            {move || action_err(capacity.value().get(), l)}
                            {move || action_err(cancel_session.value().get(), l)}
                            {move || booking.value().get().map(|r| match r {
                                Ok(receipt) => {
                                    let text = match receipt.state {
                                        BookingState::Waiting { position } => td_string!(l, svc_done_waiting, position = position).to_string(),
                                        _ => td_string!(l, svc_done_booked, code = receipt.code.clone()).to_string(),
                                    };
                                    view! {
                                        <p class="ok" role="status" data-testid="booking-result">{text}" "
                                            <A href=format!("/services/bookings/{}", receipt.booking_id)>{td_string!(l, svc_view_booking)}</A></p>
                                    }.into_any()
                                }
                                Err(e) => crate::ui::widgets::error_view(e, l),
                            })}
                        </article>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------------------------
// 我的预约 and a booking

#[component]
pub fn MyBookingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = crate::ui::resource::resource(|| (), |_| household_bookings());
    view! {
        <Title text=move || td_string!(i18n.get_locale(), svc_mine).to_string()/>
        <p><A href="/services">{t!(i18n, svc_back)}</A></p>
        <h1>{t!(i18n, svc_mine)}</h1>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(m) if m.bookings.is_empty() => view! { <p class="hint" data-testid="no-bookings">{t!(i18n, svc_no_bookings)}</p> }.into_any(),
                Ok(m) => {
                    let l = i18n.get_locale();
                    let live = |b: &BookingView| matches!(b.state, BookingState::Booked | BookingState::Waiting { .. });
                    let (mut upcoming, past): (Vec<BookingView>, Vec<BookingView>) = m.bookings.into_iter().partition(|b| live(b) && b.ends_at > m.now);
                    upcoming.reverse();
                    let item = move |b: BookingView| {
                        let names = b.people.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join("、");
                        let attended = (b.ends_at <= m.now && b.state == BookingState::Booked).then(|| {
                            if b.people.iter().all(|p| p.checked_in) {
                                td_string!(l, svc_attended)
                            } else if b.people.iter().any(|p| p.no_show) {
                                td_string!(l, svc_no_show)
                            } else {
                                td_string!(l, svc_unchecked)
                            }
                        });
                        view! {
                            <li class="card" data-testid="booking">
                                <h2><A href=format!("/services/bookings/{}", b.id)>{b.service_title.clone()}</A></h2>
                                <p>{session_time(b.starts_at, b.ends_at, l)}" · "{b.place.clone()}</p>
                                <p>{names}" "{state_badge(b.state, l)}{attended.map(|a| view! { " "<span class="status">{a}</span> })}</p>
                            </li>
                        }
                    };
                    view! {
                        <h2>{td_string!(l, svc_upcoming)}</h2>
                        {upcoming.is_empty().then(|| view! { <p class="hint">{td_string!(l, svc_no_upcoming)}</p> })}
                        <ul class="cards" data-testid="upcoming">{upcoming.into_iter().map(item).collect_view()}</ul>
                        {(!past.is_empty()).then(|| view! {
                            <h2>{td_string!(l, svc_past)}</h2>
                            <ul class="cards" data-testid="past">{past.into_iter().map(item).collect_view()}</ul>
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// Where `cancel_booking` is served, for the plain form (checked against the function by a test).
pub const CANCEL_PATH: &str = "/api/services/cancel";

#[component]
pub fn BookingPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let cancel = ServerAction::<CancelBooking>::new();
    let done = successes(cancel);
    let data = crate::ui::resource::resource(move || (id(), done.get()), |(id, _)| get_booking(id));
    view! {
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(page) => {
                    let l = i18n.get_locale();
                    let b = page.booking;
                    let bid = b.id;
                    let live = matches!(b.state, BookingState::Booked | BookingState::Waiting { .. }) && b.ends_at > page.now;
                    let may_cancel = live && (matches!(b.state, BookingState::Waiting { .. }) || page.now < b.cancel_until);
                    view! {
                        <Title text=b.service_title.clone()/>
                        <p><A href="/services/mine">{td_string!(l, svc_back_mine)}</A></p>
                        <article class="booking" data-testid="booking-page">
                            <h1>{b.service_title.clone()}</h1>
                            <p>{state_badge(b.state, l)}</p>
                            <p><strong>{session_time(b.starts_at, b.ends_at, l)}</strong></p>
                            <p>{b.place.clone()}" · "{b.provider.clone()}</p>
                            <ul class="people">
                                {b.people.iter().map(|p| view! {
                                    <li>{p.name.clone()}" · "{price_text(p.price_fen, l)}
                                        {p.checked_in.then(|| view! { " "<span class="ok">{td_string!(l, svc_checked_in)}</span> })}</li>
                                }).collect_view()}
                            </ul>
                            <p><strong>{td_string!(l, svc_total)}": "</strong>{price_text(b.total_fen, l)}" "<span class="hint">{td_string!(l, svc_pay_there)}</span></p>
                            {(b.state == BookingState::Booked).then(|| view! {
                                <section class="card checkin-code">
                                    <p>{td_string!(l, svc_show_code)}</p>
                                    <div class="qr" inner_html=page.qr_svg.clone() role="img" aria-label=td_string!(l, svc_qr_alt)></div>
                                    <p class="code" data-testid="booking-code">{b.code.clone()}</p>
                                    <p class="row">
                                        <a class="button secondary" href=format!("/services/bookings/{bid}/calendar.ics") download="linli.ics">{td_string!(l, svc_add_calendar)}</a>
                                        <button type="button" class="button secondary" on:click=move |_| { let _ = window().print(); }>{td_string!(l, svc_print)}</button>
                                    </p>
                                </section>
                            })}
                            {b.cancel_reason.clone().map(|r| view! { <p class="warn">{td_string!(l, svc_reason)}": "{r}</p> })}
                            {live.then(|| view! {
                                <p class="hint">{td_string!(l, svc_cancel_until, at = when(b.cancel_until)).to_string()}</p>
                            })}
                            {may_cancel.then(|| view! {
                                <form class="works-early" method="post" action=CANCEL_PATH
                                    on:submit=move |ev: leptos::ev::SubmitEvent| {
                                        ev.prevent_default();
                                        cancel.dispatch(CancelBooking { booking_id: bid, reason: None });
                                    }>
                                    <input type="hidden" name="booking_id" value=bid/>
                                    <button type="submit" class="button secondary" data-testid="booking-cancel" disabled=move || cancel.pending().get()>
                                        {if matches!(b.state, BookingState::Waiting { .. }) { td_string!(l, svc_leave_waitlist) } else { td_string!(l, svc_cancel) }}
                                    </button>
                                </form>
                            })}
                            {move || action_err(cancel.value().get(), l)}
                        </article>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------------------------
// The worker's check-in screen

use crate::ui::checkin::{CheckInDesk, Line, client_id};

#[component]
pub fn CheckInPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let check = ServerAction::<CheckIn>::new();
    let done = successes(check);
    let walked_in = RwSignal::new(0usize);
    let data = crate::ui::resource::resource(move || (id(), done.get(), walked_in.get()), |(id, _, _)| roster_of_session(id));
    view! {
        <Title text=move || td_string!(i18n.get_locale(), svc_desk).to_string()/>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(roster) => {
                    let l = i18n.get_locale();
                    let sid = roster.session.id;
                    let lines = roster.booked.iter().map(|x| {
                        let mut detail = format!("{}{}-{} · {}", x.building, x.unit, x.room, price_text(x.price_fen, l));
                        if x.desk {
                            detail.push_str(&format!(" {}", td_string!(l, svc_desk_mark)));
                        }
                        Line { key: x.person_id, name: x.name.clone(), detail, checked: x.checked_in }
                    }).collect::<Vec<_>>();
                    let on_code = Callback::new(move |c: crate::ui::checkin::Code| {
                        check.dispatch(CheckIn { session_id: sid, code: Some(c.code), person_id: None, client_id: client_id() });
                    });
                    let on_line = Callback::new(move |pid: i64| {
                        check.dispatch(CheckIn { session_id: sid, code: None, person_id: Some(pid), client_id: client_id() });
                    });
                    view! {
                        <p><A href=format!("/services/{}", roster.service_id)>{td_string!(l, svc_back)}</A></p>
                        <h1>{roster.service_title.clone()}</h1>
                        <p><strong>{session_time(roster.session.starts_at, roster.session.ends_at, l)}</strong>" · "{roster.place.clone()}</p>
                        <p class="row">
                            <A href=format!("/services/sessions/{sid}/roster") attr:class="button secondary" attr:data-testid="roster-link">{td_string!(l, svc_roster)}</A>
                            <A href="/services/calendar" attr:class="button secondary">{td_string!(l, svc_calendar)}</A>
                        </p>
                        <CheckInDesk code_label=td_string!(l, svc_code_label) code_len=super::model::CODE_LEN lines=lines
                            on_code=on_code on_line=on_line pending=check.pending()>
                            {move || check.value().get().map(|r| match r {
                                Ok(c) if c.repeated || c.names.is_empty() => view! { <p class="hint" role="status">{td_string!(l, svc_already_in)}</p> }.into_any(),
                                Ok(c) => view! { <p class="ok" role="status" data-testid="checkin-result">{td_string!(l, svc_checked_names, names = c.names.join("、")).to_string()}</p> }.into_any(),
                                Err(e) => crate::ui::widgets::error_view(e, l),
                            })}
                        </CheckInDesk>
                        {(!roster.waiting.is_empty()).then(|| view! {
                            <h2>{td_string!(l, svc_waitlist)}</h2>
                            <ol>{roster.waiting.iter().map(|(_, names, _)| view! { <li>{names.clone()}</li> }).collect_view()}</ol>
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
        // Outside the Suspense: the roster's refetch after a walk-in must not rebuild it (and drop
        // the result it shows).
        <super::desk::WalkIn session=id() registered=walked_in/>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_plain_form_path_is_the_server_functions() {
        assert_eq!(super::CANCEL_PATH, <super::CancelBooking as leptos::server_fn::ServerFn>::PATH);
    }
}
