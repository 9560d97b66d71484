//! The worker's desk beside the check-in list: walk-ins (find a resident, register and check in
//! at once), the printable session list, and the week's calendar of sessions. Each page is loaded on demand (its own chunk); the calendar's weeks are links, so
//! they work before the page is live.
use super::api::*;
use super::model::yuan;
use crate::i18n::{Locale, td_string, use_i18n};
use crate::time::time_of;
use crate::ui::checkin::client_id;
use crate::ui::widgets::{load_error, successes};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

crate::ui::lazy_page!(RosterRoute, RosterPrintPage);
crate::ui::lazy_page!(
    /// The workers' week of sessions.
    CalendarRoute,
    CalendarPage
);

fn price(fen: i64, l: Locale) -> String {
    if fen == 0 { td_string!(l, svc_free).to_string() } else { format!("¥{}", yuan(fen)) }
}

fn weekday_name(n: i64, l: Locale) -> &'static str {
    match n {
        1 => td_string!(l, svc_mon),
        2 => td_string!(l, svc_tue),
        3 => td_string!(l, svc_wed),
        4 => td_string!(l, svc_thu),
        5 => td_string!(l, svc_fri),
        6 => td_string!(l, svc_sat),
        _ => td_string!(l, svc_sun),
    }
}

/// Walk-ins: find a resident of the community by name or room, then register and check them in.
#[component]
pub fn WalkIn(session: i64, registered: RwSignal<usize>) -> impl IntoView {
    let i18n = use_i18n();
    let q = RwSignal::new(String::new());
    let find = ServerAction::<DeskPeople>::new();
    let walk = ServerAction::<WalkIn>::new();
    // Who the last registration was for, kept from the press (the action's input is gone once
    // it has answered).
    let walked = RwSignal::new(String::new());
    let done = successes(walk);
    Effect::new(move |_| registered.set(done.get()));
    view! {
        <details class="walk-in" data-testid="walk-in">
            <summary>{move || td_string!(i18n.get_locale(), svc_walk_in)}</summary>
            {move || {
                let l = i18n.get_locale();
                view! {
                    <p class="hint">{td_string!(l, svc_walk_in_hint)}</p>
                    <form class="row" data-testid="walk-in-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        find.dispatch(DeskPeople { session_id: session, q: q.get_untracked() });
                    }>
                        <label>{td_string!(l, svc_search)}
                            <input type="search" maxlength=super::model::SEARCH.max required data-testid="walk-in-q" bind:value=q/>
                        </label>
                        <button type="submit" class="button secondary" data-testid="walk-in-find" disabled=move || find.pending().get()>{td_string!(l, svc_walk_in_find)}</button>
                    </form>
                }
            }}
            {move || {
                let l = i18n.get_locale();
                find.value().get().map(|r| match r {
                    Err(e) => crate::ui::widgets::error_view(e, l),
                    Ok(people) if people.is_empty() => view! { <p class="hint" role="status">{td_string!(l, svc_walk_in_none)}</p> }.into_any(),
                    Ok(people) => view! {
                        <ul class="roster" data-testid="walk-in-people">
                            {people.into_iter().map(|x| {
                                let mid = x.member_id;
                                let name = x.name.clone();
                                let home = format!("{}{}-{}", x.building, x.unit, x.room);
                                let note = match (&x.price_fen, x.booked) {
                                    (_, true) => td_string!(l, svc_walk_in_booked).to_string(),
                                    (Err(w), _) => super::pages::why_not(*w, l),
                                    (Ok(p), _) => price(*p, l),
                                };
                                let can = x.price_fen.is_ok() && !x.booked;
                                view! {
                                    <li class="roster-line" data-testid="walk-in-person">
                                        <span>{x.name.clone()}" · "{home}{x.age.map(|a| format!(" · {a}"))}" · "{note}</span>
                                        {can.then(|| view! {
                                            <button type="button" class="button" data-testid="walk-in-do" disabled=move || walk.pending().get()
                                                on:click=move |_| {
                                                    walked.set(name.clone());
                                                    walk.dispatch(WalkIn { session_id: session, member_id: mid, client_id: client_id() });
                                                }>
                                                {td_string!(l, svc_walk_in_do)}
                                            </button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })
            }}
            {move || {
                let l = i18n.get_locale();
                walk.value().get().map(|r| match r {
                    Ok(_) => {
                        view! { <p class="ok" role="status" data-testid="walk-in-result">{td_string!(l, svc_walk_in_done, name = walked.get()).to_string()}</p> }.into_any()
                    }
                    Err(e) => crate::ui::widgets::error_view(e, l),
                })
            }}
        </details>
    }
}

/// The session's list to print: who is booked, their home, age, price and code, and a column to sign.
#[component]
pub fn RosterPrintPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
    let data = crate::ui::resource::resource(id, roster_of_session);
    view! {
        <Title text=move || td_string!(i18n.get_locale(), svc_roster_title).to_string()/>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(roster) => {
                    let l = i18n.get_locale();
                    let total: i64 = roster.booked.iter().map(|x| x.price_fen).sum();
                    let sid = roster.session.id;
                    view! {
                        <p class="no-print"><A href=format!("/services/sessions/{sid}/desk")>{td_string!(l, svc_desk)}</A></p>
                        <article class="roster-print" data-testid="roster-print">
                            <h1>{roster.service_title.clone()}" · "{td_string!(l, svc_roster_title)}</h1>
                            <p><strong>{super::pages::session_time(roster.session.starts_at, roster.session.ends_at, l)}</strong>" · "{roster.place.clone()}</p>
                            <table>
                                <thead><tr>
                                    <th>{td_string!(l, svc_col_no)}</th><th>{td_string!(l, svc_col_name)}</th><th>{td_string!(l, svc_col_home)}</th>
                                    <th>{td_string!(l, svc_col_age)}</th><th>{td_string!(l, svc_col_price)}</th><th>{td_string!(l, svc_col_code)}</th>
                                    <th>{td_string!(l, svc_col_sign)}</th>
                                </tr></thead>
                                <tbody>
                                    {roster.booked.iter().enumerate().map(|(i, x)| view! {
                                        <tr data-testid="roster-row">
                                            <td>{i + 1}</td><td>{x.name.clone()}</td><td>{format!("{}{}-{}", x.building, x.unit, x.room)}</td>
                                            <td>{x.age.map(|a| a.to_string()).unwrap_or_default()}</td><td>{price(x.price_fen, l)}</td><td>{x.code.clone()}</td>
                                            <td class="sign">{x.checked_in.then_some("✓")}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <p data-testid="roster-total">{td_string!(l, svc_roster_total, n = roster.booked.len(), total = price(total, l)).to_string()}</p>
                            {(!roster.waiting.is_empty()).then(|| view! {
                                <h2>{td_string!(l, svc_waitlist)}</h2>
                                <ol>{roster.waiting.iter().map(|(_, names, code)| view! { <li>{names.clone()}" · "{code.clone()}</li> }).collect_view()}</ol>
                            })}
                        </article>
                        <p class="no-print"><button type="button" class="button" data-testid="roster-print-button" on:click=move |_| { let _ = window().print(); }>{td_string!(l, svc_roster_print)}</button></p>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// A week of the community's sessions, day by day, with places, waitlists and the way to each desk.
#[component]
pub fn CalendarPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let from = move || query.with(|q| q.get("from"));
    let data = crate::ui::resource::resource(from, |from| week_of_sessions(None, from));
    view! {
        <Title text=move || td_string!(i18n.get_locale(), svc_calendar).to_string()/>
        <h1>{move || td_string!(i18n.get_locale(), svc_calendar)}</h1>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(cal) => {
                    let l = i18n.get_locale();
                    view! {
                        <nav class="row" aria-label=td_string!(l, svc_calendar)>
                            <A href=format!("/services/calendar?from={}", cal.previous) attr:class="button secondary" attr:data-testid="calendar-prev">{td_string!(l, svc_calendar_prev)}</A>
                            <A href=format!("/services/calendar?from={}", cal.next) attr:class="button secondary" attr:data-testid="calendar-next">{td_string!(l, svc_calendar_next)}</A>
                        </nav>
                        <ol class="calendar" data-testid="calendar">
                            {cal.days.into_iter().map(|(day, wd, sessions)| view! {
                                <li class="calendar-day" data-testid="calendar-day">
                                    <h2>{day}" "{weekday_name(wd, l)}</h2>
                                    {if sessions.is_empty() {
                                        view! { <p class="hint">{td_string!(l, svc_calendar_none)}</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="cards">
                                                {sessions.into_iter().map(|c| {
                                                    let s = c.session;
                                                    view! {
                                                        <li class="card" data-testid="calendar-session">
                                                            <p><strong>{format!("{}–{}", time_of(s.starts_at), time_of(s.ends_at))}</strong>" "
                                                                <A href=format!("/services/{}", c.service_id)>{c.service_title.clone()}</A></p>
                                                            <p>{c.place.clone()}" · "
                                                                {if s.cancelled { td_string!(l, svc_cancelled_mark).to_string() } else { td_string!(l, svc_calendar_places, taken = s.taken, capacity = s.capacity).to_string() }}
                                                                {(s.waiting > 0).then(|| format!(" · {}", td_string!(l, svc_calendar_waiting, n = s.waiting)))}</p>
                                                            {(!s.cancelled).then(|| view! {
                                                                <p class="row">
                                                                    <A href=format!("/services/sessions/{}/desk", s.id) attr:class="button secondary" attr:data-testid="calendar-desk">{td_string!(l, svc_desk)}</A>
                                                                    <A href=format!("/services/sessions/{}/roster", s.id) attr:class="button secondary">{td_string!(l, svc_roster)}</A>
                                                                </p>
                                                            })}
                                                        </li>
                                                    }
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
