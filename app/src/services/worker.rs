//! The worker's screens of services: the service editor (catalogue entry, eligibility, prices by
//! age, limits, and its schedules), the community's settings (no-show rule, skipped days) and the
//! monthly figures. Each is loaded on demand (its own WASM chunk).
use super::api::*;
use super::model::{Category, DESCRIPTION, NoShowRule, PLACE, PROVIDER, PriceBand, Repeat, Rules, TITLE};
use super::pages::category_name;
use super::types::*;
use crate::i18n::{t, td_string, use_i18n};
use crate::ui::widgets::{action_err, load_error, successes};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

crate::ui::lazy_page!(
    /// A worker's service editor (new, or `/services/:id/edit`).
    ServiceEditorRoute,
    ServiceEditorPage
);
crate::ui::lazy_page!(ServiceSettingsRoute, ServiceSettingsPage);
crate::ui::lazy_page!(ServiceStatsRoute, ServiceStatsPage);

/// Yuan as typed (`12`, `8.5`) to fen; empty is 0.
fn fen(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return Some(0);
    }
    let (y, f) = s.split_once('.').unwrap_or((s, ""));
    if f.len() > 2 || !y.bytes().all(|b| b.is_ascii_digit()) || !f.bytes().all(|b| b.is_ascii_digit()) || y.is_empty() {
        return None;
    }
    Some(y.parse::<i64>().ok()? * 100 + format!("{f:0<2}").parse::<i64>().ok()?)
}

fn yuan_input(fen: i64) -> String {
    if fen % 100 == 0 { (fen / 100).to_string() } else { format!("{}.{:02}", fen / 100, fen % 100) }
}

fn opt_num(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok()
}

#[component]
pub fn ServiceEditorPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()));
    let data = crate::ui::resource::resource(id, |id| service_editor(id, None));
    view! {
        <Title text=move || td_string!(i18n.get_locale(), svc_editor_title).to_string()/>
        <p><A href="/services">{t!(i18n, svc_back)}</A></p>
        <h1>{t!(i18n, svc_editor_title)}</h1>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(c) => view! { <Editor c/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Editor(c: EditorContext) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale();
    let f = c.form.clone();
    let existing = f.as_ref().and_then(|f| f.id);
    let r = f.as_ref().map(|f| f.rules.clone());
    let category = RwSignal::new(f.as_ref().map_or(Category::Meals, |f| f.category));
    let title = RwSignal::new(f.as_ref().map(|f| f.title.clone()).unwrap_or_default());
    let provider = RwSignal::new(f.as_ref().map(|f| f.provider.clone()).unwrap_or_default());
    let place = RwSignal::new(f.as_ref().map(|f| f.place.clone()).unwrap_or_default());
    let description = RwSignal::new(f.as_ref().map(|f| f.description.clone()).unwrap_or_default());
    let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let min_age = RwSignal::new(num(r.as_ref().and_then(|r| r.eligibility.min_age)));
    let max_age = RwSignal::new(num(r.as_ref().and_then(|r| r.eligibility.max_age)));
    let base = RwSignal::new(r.as_ref().map(|r| yuan_input(r.base_price_fen)).unwrap_or_default());
    // Up to three age bands: (from age, yuan).
    let bands: Vec<(RwSignal<String>, RwSignal<String>)> = (0..3)
        .map(|i| {
            let b = r.as_ref().and_then(|r| r.bands.get(i).copied());
            (RwSignal::new(num(b.map(|b| b.from_age))), RwSignal::new(b.map(|b| yuan_input(b.price_fen)).unwrap_or_default()))
        })
        .collect();
    let party = RwSignal::new(r.as_ref().map_or("1".to_string(), |r| r.party_limit.to_string()));
    let cancel_hours = RwSignal::new(r.as_ref().map_or("2".to_string(), |r| (r.cancel_before_min / 60).to_string()));
    let per_day = RwSignal::new(num(r.as_ref().and_then(|r| r.per_day)));
    let per_week = RwSignal::new(num(r.as_ref().and_then(|r| r.per_week)));
    // The time-bank price in hours per person (empty: not accepted).
    let timebank = RwSignal::new(r.as_ref().and_then(|r| r.timebank_half_hours).map(crate::timebank::model::hours).unwrap_or_default());
    let buildings = RwSignal::new(r.as_ref().map(|r| r.eligibility.building_ids.clone()).unwrap_or_default());
    let active = RwSignal::new(f.as_ref().is_none_or(|f| f.active));
    let bad_price = RwSignal::new(false);
    let save = ServerAction::<SaveService>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = save.value().get()
            && existing.is_none()
        {
            navigate(&format!("/services/{id}/edit"), Default::default());
        }
    });
    let band_signals = bands.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut bs = Vec::new();
        let mut bad = false;
        for (age, price) in &band_signals {
            if age.get_untracked().trim().is_empty() {
                continue;
            }
            match (opt_num(&age.get_untracked()), fen(&price.get_untracked())) {
                (Some(from_age), Some(price_fen)) => bs.push(PriceBand { from_age, price_fen }),
                _ => bad = true,
            }
        }
        let base_fen = fen(&base.get_untracked());
        bad_price.set(bad || base_fen.is_none());
        if bad || base_fen.is_none() {
            return;
        }
        let form = ServiceForm {
            id: existing,
            category: category.get_untracked(),
            title: title.get_untracked(),
            provider: provider.get_untracked(),
            place: place.get_untracked(),
            description: description.get_untracked(),
            rules: Rules {
                eligibility: super::model::Eligibility {
                    min_age: opt_num(&min_age.get_untracked()),
                    max_age: opt_num(&max_age.get_untracked()),
                    building_ids: buildings.get_untracked(),
                },
                base_price_fen: base_fen.unwrap_or(0),
                bands: bs,
                party_limit: opt_num(&party.get_untracked()).unwrap_or(0),
                cancel_before_min: opt_num(&cancel_hours.get_untracked()).map_or(-1, |h| h * 60),
                per_day: opt_num(&per_day.get_untracked()),
                per_week: opt_num(&per_week.get_untracked()),
                timebank_half_hours: Some(timebank.get_untracked().trim().to_string())
                    .filter(|t| !t.is_empty())
                    .map(|t| t.parse::<f64>().map(|h| (h * 2.0).round() as i64).unwrap_or(0)),
            },
            active: active.get_untracked(),
        };
        save.dispatch(SaveService { form: serde_json::to_string(&form).unwrap_or_default(), community_id: Some(c.community_id) });
    };
    let text_input = move |id: &'static str, label: &'static str, max: usize, v: RwSignal<String>| {
        view! {
            <label for=id>{label}</label>
            <input id=id type="text" maxlength=max required bind:value=v data-testid=id/>
        }
    };
    let number = move |id: &'static str, label: &'static str, v: RwSignal<String>| {
        view! {
            <label for=id>{label}</label>
            <input id=id type="text" inputmode="numeric" bind:value=v data-testid=id/>
        }
    };
    view! {
        <form class="form card" on:submit=on_submit data-testid="service-form">
            <label for="s-category">{td_string!(l, svc_category)}</label>
            <select id="s-category" data-testid="s-category" on:change=move |ev| { if let Some(c) = Category::parse(&event_target_value(&ev)) { category.set(c); } }>
                {Category::ALL.iter().map(|c| view! {
                    <option value=c.as_str() selected=move || category.get() == *c>{category_name(*c, l)}</option>
                }).collect_view()}
            </select>
            {text_input("s-title", td_string!(l, svc_field_title), TITLE.max, title)}
            {text_input("s-provider", td_string!(l, svc_field_provider), PROVIDER.max, provider)}
            {text_input("s-place", td_string!(l, svc_field_place), PLACE.max, place)}
            <label for="s-description">{td_string!(l, svc_field_description)}</label>
            <textarea id="s-description" rows="3" maxlength=DESCRIPTION.max bind:value=description></textarea>
            <fieldset>
                <legend>{td_string!(l, svc_who)}</legend>
                {number("s-min-age", td_string!(l, svc_min_age), min_age)}
                {number("s-max-age", td_string!(l, svc_max_age), max_age)}
                <p class="hint">{td_string!(l, svc_age_rule)}</p>
                {(!c.buildings.is_empty()).then(|| view! {
                    <p>{td_string!(l, svc_buildings_hint)}</p>
                    {c.buildings.iter().map(|(bid, name)| {
                        let bid = *bid;
                        view! {
                            <label class="choice">
                                <input type="checkbox" prop:checked=move || buildings.with(|b| b.contains(&bid))
                                    on:change=move |_| buildings.update(|b| if let Some(i) = b.iter().position(|x| *x == bid) { b.remove(i); } else { b.push(bid); })/>
                                {name.clone()}
                            </label>
                        }
                    }).collect_view()}
                })}
            </fieldset>
            <fieldset>
                <legend>{td_string!(l, svc_price)}</legend>
                {number("s-base", td_string!(l, svc_base_price), base)}
                {bands.into_iter().enumerate().map(|(i, (age, price))| view! {
                    <div class="row">
                        <label>{td_string!(l, svc_band_from, n = i + 1).to_string()}
                            <input type="text" inputmode="numeric" bind:value=age/></label>
                        <label>{td_string!(l, svc_band_price)}
                            <input type="text" inputmode="decimal" bind:value=price/></label>
                    </div>
                }).collect_view()}
                <label for="s-timebank">{td_string!(l, svc_timebank_price)}</label>
                <input id="s-timebank" type="text" inputmode="decimal" bind:value=timebank data-testid="s-timebank"/>
                {move || bad_price.get().then(|| view! { <p class="error" role="alert">{td_string!(l, svc_err_prices)}</p> })}
            </fieldset>
            <fieldset>
                <legend>{td_string!(l, svc_limits)}</legend>
                {number("s-party", td_string!(l, svc_party), party)}
                {number("s-cancel", td_string!(l, svc_cancel_hours), cancel_hours)}
                {number("s-per-day", td_string!(l, svc_per_day_label), per_day)}
                {number("s-per-week", td_string!(l, svc_per_week_label), per_week)}
            </fieldset>
            <label class="choice"><input type="checkbox" prop:checked=move || active.get() on:change=move |_| active.update(|a| *a = !*a)/>{td_string!(l, svc_active)}</label>
            <button type="submit" class="button" data-testid="s-save" disabled=move || save.pending().get()>{td_string!(l, svc_save)}</button>
            {move || save.value().get().map(|r| match r {
                Ok(_) => view! { <p class="ok" role="status">{td_string!(l, svc_saved)}</p> }.into_any(),
                Err(e) => crate::ui::widgets::error_view(e, l),
            })}
        </form>
        {existing.map(|id| view! { <Schedules service=id/> })}
    }
}

/// The schedules of a service, and a form to add one.
#[component]
fn Schedules(service: i64) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale();
    let add = ServerAction::<AddSchedule>::new();
    let end = ServerAction::<EndSchedule>::new();
    let (added, ended) = (successes(add), successes(end));
    let detail = crate::ui::resource::resource(move || (added.get(), ended.get()), move |_| get_service(service));
    let repeat = RwSignal::new("weekly".to_string());
    let weekdays = RwSignal::new(vec![0u8, 1, 2, 3, 4]);
    let month_day = RwSignal::new("1".to_string());
    let first = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let start = RwSignal::new("11:30".to_string());
    let end_t = RwSignal::new("12:30".to_string());
    let capacity = RwSignal::new("40".to_string());
    let ahead = RwSignal::new("7".to_string());
    let opens = RwSignal::new("08:00".to_string());
    let closes = RwSignal::new("09:00".to_string());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let r = match repeat.get_untracked().as_str() {
            "once" => Repeat::Once,
            "monthly" => Repeat::Monthly { day: month_day.get_untracked().trim().parse().unwrap_or(0) },
            _ => Repeat::Weekly { days: weekdays.get_untracked().iter().fold(0u8, |m, d| m | (1 << d)) },
        };
        let form = ScheduleForm {
            service_id: service,
            repeat: r,
            first_day: first.get_untracked(),
            last_day: Some(last.get_untracked()).filter(|s| !s.is_empty()),
            start: start.get_untracked(),
            end: end_t.get_untracked(),
            capacity: opt_num(&capacity.get_untracked()).unwrap_or(0),
            opens_days_before: opt_num(&ahead.get_untracked()).unwrap_or(-1),
            opens: opens.get_untracked(),
            closes: closes.get_untracked(),
        };
        add.dispatch(AddSchedule { form: serde_json::to_string(&form).unwrap_or_default() });
    };
    let days = [
        td_string!(l, svc_mon),
        td_string!(l, svc_tue),
        td_string!(l, svc_wed),
        td_string!(l, svc_thu),
        td_string!(l, svc_fri),
        td_string!(l, svc_sat),
        td_string!(l, svc_sun),
    ];
    view! {
        <section class="card" data-testid="schedules">
            <h2>{td_string!(l, svc_schedules)}</h2>
            <Suspense fallback=|| ()>
                {move || detail.get().map(|r| match r {
                    Err(e) => crate::ui::widgets::error_view(e, l),
                    Ok(d) => view! {
                        <ul>
                            {d.schedules.into_iter().map(|s| {
                                let sid = s.id;
                                let what = match s.repeat {
                                    Repeat::Once => td_string!(l, svc_repeat_once).to_string(),
                                    Repeat::Weekly { days: m } => (0..7).filter(|i| m & (1 << i) != 0).map(|i| days[i]).collect::<Vec<_>>().join("、"),
                                    Repeat::Monthly { day } => td_string!(l, svc_repeat_monthly_day, day = day).to_string(),
                                };
                                view! {
                                    <li>
                                        {what}" · "{s.start.clone()}"–"{s.end.clone()}" · "{td_string!(l, svc_capacity_n, n = s.capacity).to_string()}
                                        " · "{s.first_day.clone()}{s.last_day.clone().map(|d| format!(" – {d}"))}
                                        {if s.ended {
                                            view! { " "<span class="status">{td_string!(l, svc_schedule_ended)}</span> }.into_any()
                                        } else {
                                            view! { " "<button type="button" class="button secondary" on:click=move |_| { end.dispatch(EndSchedule { schedule_id: sid }); }>{td_string!(l, svc_end_schedule)}</button> }.into_any()
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Suspense>
            <form class="form" on:submit=on_submit data-testid="schedule-form">
                <label for="sc-repeat">{td_string!(l, svc_repeat)}</label>
                <select id="sc-repeat" on:change=move |ev| repeat.set(event_target_value(&ev))>
                    <option value="weekly" selected=true>{td_string!(l, svc_repeat_weekly)}</option>
                    <option value="monthly">{td_string!(l, svc_repeat_monthly)}</option>
                    <option value="once">{td_string!(l, svc_repeat_once)}</option>
                </select>
                {move || (repeat.get() == "weekly").then(|| view! {
                    <fieldset>
                        <legend>{td_string!(l, svc_weekdays)}</legend>
                        {(0u8..7).map(|d| view! {
                            <label class="choice">
                                <input type="checkbox" prop:checked=move || weekdays.with(|w| w.contains(&d))
                                    on:change=move |_| weekdays.update(|w| if let Some(i) = w.iter().position(|x| *x == d) { w.remove(i); } else { w.push(d); })/>
                                {days[d as usize]}
                            </label>
                        }).collect_view()}
                    </fieldset>
                })}
                {move || (repeat.get() == "monthly").then(|| view! {
                    <label for="sc-month-day">{td_string!(l, svc_month_day)}</label>
                    <input id="sc-month-day" type="text" inputmode="numeric" bind:value=month_day/>
                })}
                <label for="sc-first">{td_string!(l, svc_first_day)}</label>
                <input id="sc-first" type="date" required bind:value=first data-testid="sc-first"/>
                <label for="sc-last">{td_string!(l, svc_last_day)}</label>
                <input id="sc-last" type="date" bind:value=last/>
                <label for="sc-start">{td_string!(l, svc_start)}</label>
                <input id="sc-start" type="time" required bind:value=start/>
                <label for="sc-end">{td_string!(l, svc_end)}</label>
                <input id="sc-end" type="time" required bind:value=end_t/>
                <label for="sc-capacity">{td_string!(l, svc_capacity)}</label>
                <input id="sc-capacity" type="text" inputmode="numeric" required bind:value=capacity/>
                <label for="sc-ahead">{td_string!(l, svc_opens_days)}</label>
                <input id="sc-ahead" type="text" inputmode="numeric" bind:value=ahead/>
                <label for="sc-opens">{td_string!(l, svc_opens_time)}</label>
                <input id="sc-opens" type="time" bind:value=opens/>
                <label for="sc-closes">{td_string!(l, svc_closes_time)}</label>
                <input id="sc-closes" type="time" bind:value=closes/>
                <button type="submit" class="button" data-testid="sc-add" disabled=move || add.pending().get()>{td_string!(l, svc_add_schedule)}</button>
                {move || action_err(add.value().get(), l)}
                {move || action_err(end.value().get(), l)}
            </form>
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// Settings and figures

#[component]
pub fn ServiceSettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveServiceSettings>::new();
    let saved = successes(save);
    let data = crate::ui::resource::resource(move || saved.get(), |_| service_settings(None));
    view! {
        <Title text=move || td_string!(i18n.get_locale(), svc_settings).to_string()/>
        <p><A href="/services">{t!(i18n, svc_back)}</A></p>
        <h1>{t!(i18n, svc_settings)}</h1>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(s) => {
                    let l = i18n.get_locale();
                    let n = |v: i64| RwSignal::new(v.to_string());
                    let (count, window, penalty, week) = (n(s.no_show.count), n(s.no_show.window_days), n(s.no_show.penalty_days), n(s.no_show.week_limit));
                    let skip = RwSignal::new(s.skip_days.join("\n"));
                    let community = s.community_id;
                    let on_submit = move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        let v = |s: RwSignal<String>| opt_num(&s.get_untracked()).unwrap_or(-1);
                        let rule = NoShowRule { count: v(count), window_days: v(window), penalty_days: v(penalty), week_limit: v(week) };
                        save.dispatch(SaveServiceSettings { community_id: Some(community), rule, skip_days: skip.get_untracked() });
                    };
                    view! {
                        <form class="form card" on:submit=on_submit data-testid="settings-form">
                            <h2>{td_string!(l, svc_no_show_rule)}</h2>
                            <label for="ns-count">{td_string!(l, svc_ns_count)}</label>
                            <input id="ns-count" type="text" inputmode="numeric" bind:value=count/>
                            <label for="ns-window">{td_string!(l, svc_ns_window)}</label>
                            <input id="ns-window" type="text" inputmode="numeric" bind:value=window/>
                            <label for="ns-penalty">{td_string!(l, svc_ns_penalty)}</label>
                            <input id="ns-penalty" type="text" inputmode="numeric" bind:value=penalty/>
                            <label for="ns-week">{td_string!(l, svc_ns_week)}</label>
                            <input id="ns-week" type="text" inputmode="numeric" bind:value=week/>
                            <h2>{td_string!(l, svc_skip_days)}</h2>
                            <label for="ns-skip">{td_string!(l, svc_skip_hint)}</label>
                            <textarea id="ns-skip" rows="5" bind:value=skip></textarea>
                            <button type="submit" class="button" disabled=move || save.pending().get()>{td_string!(l, svc_save)}</button>
                            {move || save.value().get().map(|r| match r {
                                Ok(_) => view! { <p class="ok" role="status">{td_string!(l, svc_saved)}</p> }.into_any(),
                                Err(e) => crate::ui::widgets::error_view(e, l),
                            })}
                        </form>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ServiceStatsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let data = crate::ui::resource::resource(move || query.with(|q| q.get("month")), |m| service_stats(None, m));
    view! {
        <Title text=move || td_string!(i18n.get_locale(), svc_stats).to_string()/>
        <p><A href="/services">{t!(i18n, svc_back)}</A></p>
        <h1>{t!(i18n, svc_stats)}</h1>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(m) => {
                    let l = i18n.get_locale();
                    view! {
                        <form class="row" method="get" action="/services/stats">
                            <label>{td_string!(l, svc_month)}<input type="month" name="month" value=m.month.clone()/></label>
                            <button type="submit" class="button secondary">{td_string!(l, svc_show)}</button>
                        </form>
                        <table class="stats" data-testid="stats">
                            <thead><tr>
                                <th scope="col">{td_string!(l, svc_field_title)}</th>
                                <th scope="col">{td_string!(l, svc_st_sessions)}</th>
                                <th scope="col">{td_string!(l, svc_st_people)}</th>
                                <th scope="col">{td_string!(l, svc_st_attended)}</th>
                                <th scope="col">{td_string!(l, svc_st_no_shows)}</th>
                                <th scope="col">{td_string!(l, svc_st_promotions)}</th>
                                <th scope="col">{td_string!(l, svc_st_cancelled)}</th>
                            </tr></thead>
                            <tbody>
                                {m.services.into_iter().map(|s| view! {
                                    <tr>
                                        <th scope="row">{s.title.clone()}</th>
                                        <td>{s.sessions}</td><td>{s.people}</td><td>{s.attended}</td><td>{s.no_shows}</td><td>{s.promotions}</td><td>{s.cancelled}</td>
                                    </tr>
                                    <tr class="hint"><td colspan="7">{s.by_band.iter().map(|(b, n)| format!("{b}: {n}")).collect::<Vec<_>>().join(" · ")}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn yuan_as_typed_becomes_fen() {
        assert_eq!(super::fen("12"), Some(1200));
        assert_eq!(super::fen("8.5"), Some(850));
        assert_eq!(super::fen("0.05"), Some(5));
        assert_eq!(super::fen(""), Some(0));
        assert_eq!(super::fen("1.234"), None);
        assert_eq!(super::fen("-3"), None);
        assert_eq!(super::fen(".5"), None);
        assert_eq!(super::yuan_input(850), "8.50");
        assert_eq!(super::yuan_input(1200), "12");
    }
}
