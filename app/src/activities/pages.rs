//! The screens of activities (志愿活动) and the time bank: the 活动 tab (upcoming, by category),
//! 我的活动 (the household's sign-ups, one's roles and drafts), an activity's page (sign up
//! household members, take a volunteer role, codes with their QR codes, the report, the
//! organiser's and the worker's actions), the editor, the volunteer's page (apply; hours and
//! ledger; give hours to the household), the organiser's check-in screen (`ui::checkin`, as a
//! service's session has; hours; the report's photos), and the worker's review (applications,
//! activities to publish, hours to verify, everyone's balances, the yearly cap). Each is its own
//! WASM chunk.
use super::api::*;
use super::model::{ApplicationStatus, Category, RoleSpec, Status, Times};
use super::types::*;
use crate::i18n::{Locale, t, td_string, use_i18n};
use crate::kernel::capacity::Window;
use crate::time::{client_now, local_to_ms, ms_to_local};
use crate::timebank::model::{EntryKind, hours};
use crate::ui::checkin::{CheckInDesk, Code, Line};
use crate::ui::widgets::{action_err, load_error, successes};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

crate::ui::lazy_page!(
    /// 活动: upcoming activities.
    ActivitiesRoute,
    ActivitiesPage
);
crate::ui::lazy_page!(ActivityRoute, ActivityPage);
crate::ui::lazy_page!(EditorRoute, EditorPage);
crate::ui::lazy_page!(VolunteerRoute, VolunteerPage);
crate::ui::lazy_page!(DeskRoute, DeskPage);
crate::ui::lazy_page!(ReviewRoute, ReviewPage);
crate::ui::lazy_page!(
    /// 我的活动.
    MineRoute,
    MinePage
);

fn id_param() -> impl Fn() -> i64 + Copy {
    let params = use_params_map();
    move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0))
}

fn when(ms: i64) -> String {
    ms_to_local(ms).replace('T', " ")
}

/// `2026-12-12 09:00–11:00` (the end's date too when it is another day).
fn span(starts_at: i64, ends_at: i64) -> String {
    let (s, e) = (when(starts_at), when(ends_at));
    if s.get(..10) == e.get(..10) { format!("{s}–{}", e.get(11..).unwrap_or_default()) } else { format!("{s} – {e}") }
}

pub fn category_name(c: Category, l: Locale) -> &'static str {
    match c {
        Category::Environment => td_string!(l, act_cat_environment),
        Category::Elderly => td_string!(l, act_cat_elderly),
        Category::Children => td_string!(l, act_cat_children),
        Category::Culture => td_string!(l, act_cat_culture),
        Category::Patrol => td_string!(l, act_cat_patrol),
        Category::Other => td_string!(l, act_cat_other),
    }
}

fn status_name(s: Status, l: Locale) -> &'static str {
    match s {
        Status::Draft => td_string!(l, act_status_draft),
        Status::Submitted => td_string!(l, act_status_submitted),
        Status::Returned => td_string!(l, act_status_returned),
        Status::Published => td_string!(l, act_status_published),
        Status::Cancelled => td_string!(l, act_status_cancelled),
    }
}

fn places_text(c: &ActivityCard, l: Locale) -> String {
    let left = c.capacity - c.taken;
    if left > 0 { td_string!(l, act_places_left, n = left, total = c.capacity).to_string() } else { td_string!(l, act_full_waiting, n = c.waiting).to_string() }
}

fn ages_text(min: Option<i64>, max: Option<i64>, l: Locale) -> String {
    match (min, max) {
        (Some(a), Some(b)) => td_string!(l, svc_ages_range, min = a, max = b).to_string(),
        (Some(a), None) => td_string!(l, svc_ages_from, min = a).to_string(),
        (None, Some(b)) => td_string!(l, svc_ages_to, max = b).to_string(),
        (None, None) => td_string!(l, svc_ages_all).to_string(),
    }
}

fn card_view(c: ActivityCard, l: Locale) -> impl IntoView {
    let places = places_text(&c, l);
    view! {
        <li class="card activity" data-testid="activity-card">
            <h2><A href=format!("/activities/{}", c.id)>{c.title.clone()}</A></h2>
            <p class="meta"><span class="category">{category_name(c.category, l)}</span>" · "{span(c.starts_at, c.ends_at)}</p>
            <p>{c.place.clone()}</p>
            {if c.status == Status::Published {
                view! { <p data-testid="activity-places">{places}</p> }.into_any()
            } else {
                view! { <p class="status status-wait">{status_name(c.status, l)}</p> }.into_any()
            }}
        </li>
    }
}

// ---------------------------------------------------------------------------------------------
// The list

#[component]
pub fn ActivitiesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let category = move || query.with(|q| q.get("category")).filter(|c| Category::parse(c).is_some());
    let data = crate::ui::resource::resource(category, list_activities);
    view! {
        <Title text=move || td_string!(i18n.get_locale(), activities_title).to_string()/>
        <h1>{t!(i18n, activities_title)}</h1>
        <p>{t!(i18n, activities_intro)}</p>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(list) => {
                    let l = i18n.get_locale();
                    let current = category();
                    view! {
                        <div class="row">
                            <A href="/activities/mine" attr:class="button secondary" attr:data-testid="mine-link">{td_string!(l, act_mine)}</A>
                            <A href="/activities/volunteer" attr:class="button secondary" attr:data-testid="volunteer-link">
                                {if list.may_apply { td_string!(l, act_become_volunteer) } else { td_string!(l, act_my_hours) }}
                            </A>
                            {list.can_organise.then(|| view! {
                                <A href="/activities/new" attr:class="button secondary" attr:data-testid="activity-new">{td_string!(l, act_new)}</A>
                            })}
                            {list.is_worker.then(|| view! {
                                <A href="/activities/review" attr:class="button secondary" attr:data-testid="activity-review">{td_string!(l, act_review)}</A>
                            })}
                        </div>
                        <nav class="chips" aria-label=td_string!(l, act_category_label)>
                            <a href="/activities" class="chip" aria-current=current.is_none().then_some("page")>{td_string!(l, act_all)}</a>
                            {[Category::Environment, Category::Elderly, Category::Children, Category::Culture, Category::Patrol, Category::Other].into_iter().map(|c| {
                                let on = current.as_deref() == Some(c.as_str());
                                view! { <a href=format!("/activities?category={}", c.as_str()) class="chip" aria-current=on.then_some("page")>{category_name(c, l)}</a> }
                            }).collect_view()}
                        </nav>
                        {(!list.mine.is_empty()).then(|| view! {
                            <h2>{td_string!(l, act_my_drafts)}</h2>
                            <ul class="cards" data-testid="my-drafts">{list.mine.clone().into_iter().map(|c| card_view(c, l)).collect_view()}</ul>
                        })}
                        {if list.upcoming.is_empty() {
                            view! { <p class="hint" data-testid="no-activities">{td_string!(l, act_none)}</p> }.into_any()
                        } else {
                            view! { <ul class="cards" data-testid="activities">{list.upcoming.into_iter().map(|c| card_view(c, l)).collect_view()}</ul> }.into_any()
                        }}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------------------------
// 我的活动

#[component]
pub fn MinePage() -> impl IntoView {
    let i18n = use_i18n();
    let data = crate::ui::resource::resource(|| (), |_| activities_of_mine());
    view! {
        <Title text=move || td_string!(i18n.get_locale(), act_mine).to_string()/>
        <p><A href="/activities">{t!(i18n, act_back)}</A></p>
        <h1>{t!(i18n, act_mine)}</h1>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(m) => {
                    let l = i18n.get_locale();
                    let now = m.now;
                    let over = move |c: &ActivityCard| c.ends_at <= now;
                    let nothing = m.joined.is_empty() && m.serving.is_empty() && m.organised.is_empty();
                    view! {
                        {nothing.then(|| view! { <p class="hint" data-testid="mine-none">{td_string!(l, act_mine_none)}</p> })}
                        {(!m.joined.is_empty()).then(|| view! {
                            <h2>{td_string!(l, act_mine_joined)}</h2>
                            <ul class="cards" data-testid="mine-joined">
                                {m.joined.clone().into_iter().map(|(c, s)| {
                                    let ended = over(&c);
                                    view! {
                                    <li class="card activity" data-testid="mine-signup">
                                        <h3><A href=format!("/activities/{}", c.id)>{c.title.clone()}</A></h3>
                                        <p class="meta">{span(c.starts_at, c.ends_at)}" · "{c.place.clone()}</p>
                                        <p><strong>{s.names.join("、")}</strong>" · "
                                            {if ended { td_string!(l, act_ended).to_string() } else { state_text(s.state, l) }}</p>
                                        {(!ended && s.state == SignUpState::SignedUp).then(|| view! {
                                            <p>{td_string!(l, act_your_code)}": "<span class="code">{s.code.clone()}</span></p>
                                        })}
                                    </li>
                                    }
                                }).collect_view()}
                            </ul>
                        })}
                        {(!m.serving.is_empty()).then(|| view! {
                            <h2>{td_string!(l, act_mine_serving)}</h2>
                            <ul class="cards" data-testid="mine-serving">
                                {m.serving.clone().into_iter().map(|(c, r)| view! {
                                    <li class="card activity" data-testid="mine-role">
                                        <h3><A href=format!("/activities/{}", c.id)>{c.title.clone()}</A></h3>
                                        <p class="meta">{span(c.starts_at, c.ends_at)}" · "{c.place.clone()}</p>
                                        <p>{td_string!(l, act_my_role, role = r.role.clone()).to_string()}
                                            {r.half_hours.map(|h| format!(" · {} · {}", td_string!(l, act_hours_line, hours = hours(h)),
                                                if r.verified { td_string!(l, act_verified) } else { td_string!(l, act_to_verify) }))}</p>
                                    </li>
                                }).collect_view()}
                            </ul>
                        })}
                        {(!m.organised.is_empty()).then(|| view! {
                            <h2>{td_string!(l, act_my_drafts)}</h2>
                            <ul class="cards" data-testid="mine-organised">{m.organised.clone().into_iter().map(|c| card_view(c, l)).collect_view()}</ul>
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------------------------
// An activity

fn state_text(s: SignUpState, l: Locale) -> String {
    match s {
        SignUpState::SignedUp => td_string!(l, act_state_signed_up).to_string(),
        SignUpState::Waiting { position } => td_string!(l, act_state_waiting, position = position).to_string(),
    }
}

fn photo_alt(l: Locale, n: usize) -> String {
    td_string!(l, act_photo_alt, n = n).to_string()
}

/// A report's photos, each a link to itself at full size.
fn photo_list(photos: Vec<Photo>, l: Locale) -> impl IntoView {
    crate::ui::photo::photo_list(photos, photo_alt, "report-photos", l)
}

/// The report's photos on the organiser's screen (`ui::photo::PhotoEditor`).
#[component]
fn ReportPhotos(activity: i64, photos: Vec<Photo>) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    view! {
        <crate::ui::photo::PhotoEditor photos=photos max=super::model::MAX_REPORT_PHOTOS
            label=td_string!(l, act_report_photos).to_string()
            hint=td_string!(l, act_report_photos_hint, max = super::model::MAX_REPORT_PHOTOS).to_string()
            alt=photo_alt testid="report-photo"
            add=move |b64| add_report_photo(activity, b64) remove=|photo_id| remove_report_photo(photo_id)/>
    }
}

/// A check-in code's QR code, folded away until asked for (it works before the page is live).
fn qr_box(svg: String, l: Locale) -> impl IntoView {
    (!svg.is_empty()).then(|| {
        view! {
            <details class="qr-box" data-testid="qr">
                <summary>{td_string!(l, act_show_qr)}</summary>
                <div class="qr" inner_html=svg role="img" aria-label=td_string!(l, act_qr_alt)></div>
            </details>
        }
    })
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let sign = ServerAction::<SignUp>::new();
    let leave = ServerAction::<LeaveActivity>::new();
    let role = ServerAction::<TakeRole>::new();
    let unrole = ServerAction::<LeaveRole>::new();
    let submit = ServerAction::<SubmitActivity>::new();
    let decide = ServerAction::<DecideActivity>::new();
    let cancel = ServerAction::<CancelActivity>::new();
    let changes = (successes(sign), successes(leave), successes(role), successes(unrole), successes(submit), successes(decide), successes(cancel));
    let data = crate::ui::resource::resource(
        move || (id(), changes.0.get(), changes.1.get(), changes.2.get(), changes.3.get(), changes.4.get(), changes.5.get(), changes.6.get()),
        |(id, ..)| get_activity(id),
    );
    let picked = RwSignal::new(Vec::<i64>::new());
    let reason = RwSignal::new(String::new());
    view! {
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(d) => {
                    let l = i18n.get_locale();
                    let aid = d.card.id;
                    let window = d.window;
                    let published = d.card.status == Status::Published;
                    let may_sign = published && window == Window::Open && d.members.iter().any(|m| m.may.is_ok() && !m.signed_up);
                    let full = d.card.taken >= d.card.capacity;
                    let manage = d.is_organiser || d.is_worker;
                    view! {
                        <Title text=d.card.title.clone()/>
                        <p><A href="/activities">{td_string!(l, act_back)}</A></p>
                        <article class="activity" data-testid="activity-page">
                            <h1>{d.card.title.clone()}</h1>
                            <p class="meta"><span class="category">{category_name(d.card.category, l)}</span>" · "{status_name(d.card.status, l)}</p>
                            <p><strong>{td_string!(l, act_when)}": "</strong>{span(d.card.starts_at, d.card.ends_at)}</p>
                            <p><strong>{td_string!(l, act_where)}": "</strong>{d.card.place.clone()}</p>
                            <p><strong>{td_string!(l, act_who)}": "</strong>{ages_text(d.card.min_age, d.card.max_age, l)}" · "{td_string!(l, act_organiser, name = d.organiser.clone()).to_string()}</p>
                            <p data-testid="activity-places">{places_text(&d.card, l)}</p>
                            <p class="hint">{match window {
                                Window::NotYet => td_string!(l, act_opens_at, at = when(d.card.signup_opens_at)).to_string(),
                                Window::Open => td_string!(l, act_closes_at, at = when(d.card.signup_closes_at)).to_string(),
                                Window::Closed => td_string!(l, act_signup_closed).to_string(),
                            }}</p>
                            <p class="need-body">{d.description.clone()}</p>
                            {d.return_reason.clone().filter(|_| d.card.status == Status::Returned).map(|r| view! { <p class="warn">{td_string!(l, act_returned_because)}": "{r}</p> })}
                            {d.cancel_reason.clone().map(|r| view! { <p class="warn" data-testid="cancel-reason">{td_string!(l, act_cancelled_because)}": "{r}</p> })}

                            {(d.report.is_some() || !d.photos.is_empty()).then(|| view! {
                                <section class="card" data-testid="report">
                                    <h2>{td_string!(l, act_report)}</h2>
                                    {d.report.clone().map(|r| view! { <p class="need-body">{r}</p> })}
                                    {photo_list(d.photos.clone(), l)}
                                </section>
                            })}

                            {(!d.my_signups.is_empty()).then(|| view! {
                                <section class="card" data-testid="my-signups">
                                    <h2>{td_string!(l, act_my_signup)}</h2>
                                    {d.my_signups.iter().map(|s| {
                                        let sid = s.signup_id;
                                        let waiting = matches!(s.state, SignUpState::Waiting { .. });
                                        view! {
                                            <p><strong>{s.names.join("、")}</strong>" · "<span data-testid="signup-state">{state_text(s.state, l)}</span></p>
                                            {(!waiting).then(|| view! {
                                                <p>{td_string!(l, act_your_code)}": "<span class="code" data-testid="signup-code">{s.code.clone()}</span></p>
                                                {qr_box(s.qr_svg.clone(), l)}
                                            })}
                                            {published.then(|| view! {
                                                <button type="button" class="button secondary" data-testid="signup-leave" disabled=move || leave.pending().get()
                                                    on:click=move |_| { leave.dispatch(LeaveActivity { signup_id: sid }); }>
                                                    {if waiting { td_string!(l, svc_leave_waitlist) } else { td_string!(l, act_leave) }}
                                                </button>
                                            })}
                                        }
                                    }).collect_view()}
                                    {move || action_err(leave.value().get(), l)}
                                </section>
                            })}

                            {may_sign.then(|| {
                                let members = StoredValue::new(d.members.clone());
                                view! {
                                    <form class="card booking-form" data-testid="signup-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                        ev.prevent_default();
                                        let ids = picked.get().iter().map(|m| m.to_string()).collect::<Vec<_>>().join(",");
                                        sign.dispatch(SignUp { activity_id: aid, members: ids });
                                    }>
                                        <fieldset>
                                            <legend>{td_string!(l, act_sign_up_who)}</legend>
                                            {members.get_value().into_iter().map(|m| {
                                                let mid = m.member_id;
                                                let label = match (&m.may, m.signed_up) {
                                                    (_, true) => format!("{}（{}）", m.name, td_string!(l, act_already_in)),
                                                    (Err(w), _) => format!("{}（{}）", m.name, crate::kernel::audience::why_not(*w, l)),
                                                    (Ok(()), _) => m.name.clone(),
                                                };
                                                view! {
                                                    <label class="choice">
                                                        <input type="checkbox" name="members" value=mid disabled=m.may.is_err() || m.signed_up data-testid="signup-member"
                                                            prop:checked=move || picked.with(|p| p.contains(&mid))
                                                            on:change=move |_| picked.update(|p| if let Some(i) = p.iter().position(|x| *x == mid) { p.remove(i); } else { p.push(mid); })/>
                                                        {label}
                                                    </label>
                                                }
                                            }).collect_view()}
                                        </fieldset>
                                        {full.then(|| view! { <p class="warn">{td_string!(l, act_waitlist_note)}</p> })}
                                        <button type="submit" class="button" data-testid="signup-confirm" disabled=move || picked.with(|p| p.is_empty()) || sign.pending().get()>
                                            {if full { td_string!(l, svc_join_waitlist) } else { td_string!(l, act_sign_up) }}
                                        </button>
                                        {move || action_err(sign.value().get(), l)}
                                    </form>
                                }
                            })}

                            {(!d.roles.is_empty()).then(|| view! {
                                <section class="card" data-testid="roles">
                                    <h2>{td_string!(l, act_roles)}</h2>
                                    <ul class="plain">
                                        {d.roles.iter().map(|r| {
                                            let rid = r.id;
                                            let may = published && d.is_volunteer && d.my_role.is_none() && r.taken < r.count && !d.ended;
                                            view! {
                                                <li data-testid="role">
                                                    {td_string!(l, act_role_line, name = r.name.clone(), taken = r.taken, count = r.count).to_string()}" "
                                                    {may.then(|| view! {
                                                        <button type="button" class="button secondary" data-testid="role-take" disabled=move || role.pending().get()
                                                            on:click=move |_| { role.dispatch(TakeRole { activity_id: aid, role_id: rid }); }>{td_string!(l, act_take_role)}</button>
                                                    })}
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                    {move || action_err(role.value().get(), l)}
                                    {d.my_role.clone().map(|m| {
                                        let vid = m.volunteer_id;
                                        view! {
                                            <div data-testid="my-role">
                                                <p>{td_string!(l, act_my_role, role = m.role.clone()).to_string()}" · "{td_string!(l, act_your_code)}": "<span class="code" data-testid="role-code">{m.code.clone()}</span></p>
                                                {m.checked_out_at.is_none().then(|| qr_box(m.qr_svg.clone(), l))}
                                                {m.checked_in_at.map(|t| view! { <p>{td_string!(l, act_checked_in_at, at = when(t)).to_string()}</p> })}
                                                {m.half_hours.map(|h| view! { <p data-testid="my-hours">{td_string!(l, act_hours_line, hours = hours(h)).to_string()}" · "
                                                    {if m.verified { td_string!(l, act_verified) } else { td_string!(l, act_to_verify) }}</p> })}
                                                {m.checked_in_at.is_none().then(|| view! {
                                                    <button type="button" class="button secondary" disabled=move || unrole.pending().get()
                                                        on:click=move |_| { unrole.dispatch(LeaveRole { volunteer_id: vid }); }>{td_string!(l, act_leave_role)}</button>
                                                })}
                                                {move || action_err(unrole.value().get(), l)}
                                            </div>
                                        }
                                    })}
                                </section>
                            })}

                            {manage.then(|| {
                                let status = d.card.status;
                                view! {
                                    <section class="card" data-testid="organiser-actions">
                                        <h2>{td_string!(l, act_manage)}</h2>
                                        <p class="row">
                                            {matches!(status, Status::Draft | Status::Returned | Status::Published).then(|| view! {
                                                <A href=format!("/activities/{aid}/edit") attr:class="button secondary" attr:data-testid="activity-edit">{td_string!(l, act_edit)}</A>
                                            })}
                                            {published.then(|| view! {
                                                <A href=format!("/activities/{aid}/desk") attr:class="button secondary" attr:data-testid="activity-desk">{td_string!(l, act_desk)}</A>
                                            })}
                                            {matches!(status, Status::Draft | Status::Returned).then(|| view! {
                                                <button type="button" class="button" data-testid="activity-submit" disabled=move || submit.pending().get()
                                                    on:click=move |_| { submit.dispatch(SubmitActivity { id: aid }); }>{td_string!(l, act_submit)}</button>
                                            })}
                                        </p>
                                        {move || action_err(submit.value().get(), l)}
                                        {(d.is_worker && status == Status::Submitted).then(|| view! {
                                            <div class="row">
                                                <button type="button" class="button" data-testid="activity-approve" disabled=move || decide.pending().get()
                                                    on:click=move |_| { decide.dispatch(DecideActivity { id: aid, approve: true, reason: None }); }>{td_string!(l, act_approve)}</button>
                                            </div>
                                            <form class="form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                                ev.prevent_default();
                                                decide.dispatch(DecideActivity { id: aid, approve: false, reason: Some(reason.get_untracked()) });
                                            }>
                                                <label>{td_string!(l, act_return_reason)}<input type="text" maxlength=super::model::REASON.max required bind:value=reason data-testid="return-reason"/></label>
                                                <button type="submit" class="button secondary">{td_string!(l, act_return)}</button>
                                            </form>
                                            {move || action_err(decide.value().get(), l)}
                                        })}
                                        {(status != Status::Cancelled && !d.ended).then(|| {
                                            let why = RwSignal::new(String::new());
                                            view! {
                                                <details>
                                                    <summary>{td_string!(l, act_cancel)}</summary>
                                                    <form class="form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                                        ev.prevent_default();
                                                        cancel.dispatch(CancelActivity { id: aid, reason: why.get_untracked() });
                                                    }>
                                                        <label>{td_string!(l, act_cancel_reason)}<input type="text" maxlength=super::model::REASON.max required bind:value=why/></label>
                                                        <button type="submit" class="button secondary" data-testid="activity-cancel">{td_string!(l, act_cancel)}</button>
                                                    </form>
                                                    {move || action_err(cancel.value().get(), l)}
                                                </details>
                                            }
                                        })}
                                    </section>
                                }
                            })}
                        </article>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------------------------
// The editor

/// Roles as written, one a line: `帮手 2` (a name, then how many; `帮手×2` too).
pub fn parse_roles(text: &str) -> Option<Vec<RoleSpec>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let cut = line.trim_end_matches(|c: char| c.is_ascii_digit());
            let count = line[cut.len()..].parse::<i64>().ok()?;
            let name = cut.trim_end_matches(['×', 'x', 'X', '*', ' ', '　']).trim();
            (!name.is_empty()).then(|| RoleSpec { name: name.to_string(), count })
        })
        .collect()
}

#[component]
pub fn EditorPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()));
    let save = ServerAction::<SaveActivity>::new();
    let existing = crate::ui::resource::resource(id, |id| async move {
        match id {
            Some(id) => get_activity(id).await.map(Some),
            None => Ok(None),
        }
    });
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            navigate(&format!("/activities/{saved}"), Default::default());
        }
    });
    view! {
        <Title text=move || td_string!(i18n.get_locale(), act_editor_title).to_string()/>
        <h1>{t!(i18n, act_editor_title)}</h1>
        <Suspense fallback=|| ()>
            {move || existing.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || existing.refetch()),
                Ok(d) => {
                    let l = i18n.get_locale();
                    let f = d.map(|d| d.form);
                    let editing = f.is_some();
                    let text = |v: Option<String>| RwSignal::new(v.unwrap_or_default());
                    let title = text(f.as_ref().map(|f| f.title.clone()));
                    let category = text(f.as_ref().map(|f| f.category.as_str().to_string()).or(Some("environment".into())));
                    let description = text(f.as_ref().map(|f| f.description.clone()));
                    let place = text(f.as_ref().map(|f| f.place.clone()));
                    let starts = text(f.as_ref().map(|f| ms_to_local(f.times.starts_at)));
                    let ends = text(f.as_ref().map(|f| ms_to_local(f.times.ends_at)));
                    let opens = text(f.as_ref().map(|f| ms_to_local(f.times.signup_opens_at)));
                    let closes = text(f.as_ref().map(|f| ms_to_local(f.times.signup_closes_at)));
                    let capacity = text(f.as_ref().map(|f| f.capacity.to_string()).or(Some("20".into())));
                    let min_age = text(f.as_ref().and_then(|f| f.min_age).map(|a| a.to_string()));
                    let max_age = text(f.as_ref().and_then(|f| f.max_age).map(|a| a.to_string()));
                    let roles = text(f.as_ref().map(|f| f.roles.iter().map(|r| format!("{} {}", r.name, r.count)).collect::<Vec<_>>().join("\n")));
                    let problem = RwSignal::new(None::<String>);
                    let on_submit = move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        let t = |s: RwSignal<String>| local_to_ms(s.get_untracked().trim());
                        let age = |s: RwSignal<String>| { let v = s.get_untracked(); let v = v.trim(); if v.is_empty() { Ok(None) } else { v.parse::<i64>().map(Some) } };
                        let (Some(starts_at), Some(ends_at)) = (t(starts), t(ends)) else {
                            problem.set(Some(td_string!(l, act_err_times).to_string()));
                            return;
                        };
                        let now = client_now();
                        let times = Times { starts_at, ends_at, signup_opens_at: t(opens).unwrap_or(now), signup_closes_at: t(closes).unwrap_or(starts_at) };
                        let (Ok(min_age), Ok(max_age), Ok(capacity)) = (age(min_age), age(max_age), capacity.get_untracked().trim().parse::<i64>()) else {
                            problem.set(Some(td_string!(l, act_err_numbers).to_string()));
                            return;
                        };
                        let Some(roles) = parse_roles(&roles.get_untracked()) else {
                            problem.set(Some(td_string!(l, act_err_roles).to_string()));
                            return;
                        };
                        problem.set(None);
                        let form = ActivityForm {
                            title: title.get_untracked(),
                            category: Category::parse(&category.get_untracked()).unwrap_or(Category::Other),
                            description: description.get_untracked(),
                            place: place.get_untracked(),
                            times,
                            capacity,
                            min_age,
                            max_age,
                            roles,
                        };
                        save.dispatch(SaveActivity { id: id(), form: serde_json::to_string(&form).unwrap_or_default() });
                    };
                    view! {
                        <form class="form" data-testid="activity-form" on:submit=on_submit>
                            <label>{td_string!(l, act_field_title_label)}<input type="text" maxlength=super::model::TITLE.max required bind:value=title data-testid="act-title"/></label>
                            <label>{td_string!(l, act_field_category)}
                                <select data-testid="act-category" prop:value=move || category.get() on:change=move |ev| category.set(event_target_value(&ev))>
                                    {[Category::Environment, Category::Elderly, Category::Children, Category::Culture, Category::Patrol, Category::Other].into_iter().map(|c| view! {
                                        <option value=c.as_str() selected=move || category.get() == c.as_str()>{category_name(c, l)}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                            <label>{td_string!(l, act_field_description_label)}<textarea maxlength=super::model::DESCRIPTION.max required bind:value=description data-testid="act-description"></textarea></label>
                            <label>{td_string!(l, act_field_place_label)}<input type="text" maxlength=super::model::PLACE.max required bind:value=place data-testid="act-place"/></label>
                            <label>{td_string!(l, act_field_starts)}<input type="datetime-local" required bind:value=starts data-testid="act-starts"/></label>
                            <label>{td_string!(l, act_field_ends)}<input type="datetime-local" required bind:value=ends data-testid="act-ends"/></label>
                            <label>{td_string!(l, act_field_opens)}<input type="datetime-local" bind:value=opens data-testid="act-opens"/></label>
                            <label>{td_string!(l, act_field_closes)}<input type="datetime-local" bind:value=closes data-testid="act-closes"/></label>
                            <p class="hint">{td_string!(l, act_window_hint)}</p>
                            <label>{td_string!(l, act_field_capacity)}<input type="text" inputmode="numeric" required bind:value=capacity data-testid="act-capacity"/></label>
                            <div class="row">
                                <label>{td_string!(l, act_field_min_age)}<input type="text" inputmode="numeric" bind:value=min_age/></label>
                                <label>{td_string!(l, act_field_max_age)}<input type="text" inputmode="numeric" bind:value=max_age/></label>
                            </div>
                            <label>{td_string!(l, act_field_roles)}<textarea bind:value=roles data-testid="act-roles" placeholder=td_string!(l, act_roles_placeholder)></textarea></label>
                            <p class="hint">{td_string!(l, act_roles_hint)}</p>
                            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
                            {move || action_err(save.value().get(), l)}
                            <button type="submit" class="button" data-testid="act-save" disabled=move || save.pending().get()>
                                {if editing { td_string!(l, act_save) } else { td_string!(l, act_save_draft) }}
                            </button>
                        </form>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------------------------
// The volunteer's page: apply; hours and ledger; give hours to the household

fn kind_name(k: EntryKind, l: Locale) -> &'static str {
    match k {
        EntryKind::Earned => td_string!(l, tb_kind_earned),
        EntryKind::Spent => td_string!(l, tb_kind_spent),
        EntryKind::Refunded => td_string!(l, tb_kind_refunded),
        EntryKind::Transferred => td_string!(l, tb_kind_transferred),
        EntryKind::Corrected => td_string!(l, tb_kind_corrected),
    }
}

fn application_status(s: ApplicationStatus, l: Locale) -> &'static str {
    match s {
        ApplicationStatus::Pending => td_string!(l, vol_status_pending),
        ApplicationStatus::Approved => td_string!(l, vol_status_approved),
        ApplicationStatus::Declined => td_string!(l, vol_status_declined),
        ApplicationStatus::Suspended => td_string!(l, vol_status_suspended),
    }
}

fn ledger_view(entries: Vec<EntryView>, l: Locale, with_member: bool) -> impl IntoView {
    view! {
        <table class="ledger" data-testid="ledger">
            <thead><tr>
                <th scope="col">{td_string!(l, tb_col_when)}</th>
                {with_member.then(|| view! { <th scope="col">{td_string!(l, tb_col_who)}</th> })}
                <th scope="col">{td_string!(l, tb_col_what)}</th>
                <th scope="col">{td_string!(l, tb_col_hours)}</th>
                <th scope="col">{td_string!(l, tb_col_balance)}</th>
            </tr></thead>
            <tbody>
                {entries.into_iter().map(|e| view! {
                    <tr data-testid="ledger-entry">
                        <td>{when(e.at)}</td>
                        {with_member.then(|| view! { <td>{e.member.clone()}</td> })}
                        <td>{kind_name(e.kind, l)}{e.about.clone().map(|a| format!(" · {a}"))}{e.reason.clone().map(|r| format!(" · {r}"))}
                            {with_member.then(|| view! { <span class="hint">" #"{e.id}</span> })}</td>
                        <td>{if e.half_hours > 0 { format!("+{}", hours(e.half_hours)) } else { hours(e.half_hours) }}</td>
                        <td>{hours(e.balance_after)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn VolunteerPage() -> impl IntoView {
    let i18n = use_i18n();
    let apply = ServerAction::<VolunteerApply>::new();
    let give = ServerAction::<TransferHours>::new();
    let (applied, given) = (successes(apply), successes(give));
    let data = crate::ui::resource::resource(move || (applied.get(), given.get()), |_| my_time_bank());
    let skills = RwSignal::new(String::new());
    let availability = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    view! {
        <Title text=move || td_string!(i18n.get_locale(), vol_title).to_string()/>
        <p><A href="/activities">{t!(i18n, act_back)}</A></p>
        <h1>{t!(i18n, vol_title)}</h1>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(b) => {
                    let l = i18n.get_locale();
                    view! {
                        {b.application.clone().map(|a| view! {
                            <p data-testid="application-status"><strong>{td_string!(l, vol_application)}": "</strong>{application_status(a.status, l)}
                                {a.reason.clone().map(|r| format!(" · {r}"))}</p>
                        })}
                        {b.may_apply.then(|| view! {
                            <form class="form card" data-testid="apply-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                ev.prevent_default();
                                apply.dispatch(VolunteerApply { skills: skills.get_untracked(), availability: availability.get_untracked() });
                            }>
                                <h2>{td_string!(l, vol_apply)}</h2>
                                <p class="hint">{td_string!(l, vol_apply_intro)}</p>
                                <label>{td_string!(l, vol_skills)}<input type="text" maxlength=super::model::SKILLS.max required bind:value=skills data-testid="vol-skills"/></label>
                                <label>{td_string!(l, vol_availability)}<input type="text" maxlength=super::model::AVAILABILITY.max required bind:value=availability data-testid="vol-availability"/></label>
                                {move || action_err(apply.value().get(), l)}
                                <button type="submit" class="button" data-testid="vol-apply" disabled=move || apply.pending().get()>{td_string!(l, vol_apply)}</button>
                            </form>
                        })}
                        <section class="card" data-testid="time-bank">
                            <h2>{td_string!(l, tb_title)}</h2>
                            <p class="big" data-testid="balance">{td_string!(l, tb_balance, hours = hours(b.balance)).to_string()}</p>
                            <p class="hint">{td_string!(l, tb_intro)}</p>
                            {(!b.household.is_empty() && b.balance > 0).then(|| view! {
                                <form class="form" data-testid="transfer-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                    ev.prevent_default();
                                    let half = amount.get_untracked().trim().parse::<f64>().map(|h| (h * 2.0).round() as i64).unwrap_or(0);
                                    give.dispatch(TransferHours { to_member: to.get_untracked().parse().unwrap_or(0), half_hours: half });
                                }>
                                    <label>{td_string!(l, tb_give_to)}
                                        <select required on:change=move |ev| to.set(event_target_value(&ev))>
                                            <option value="">{td_string!(l, tb_choose)}</option>
                                            {b.household.iter().map(|(id, name)| view! { <option value=id.to_string()>{name.clone()}</option> }).collect_view()}
                                        </select>
                                    </label>
                                    <label>{td_string!(l, tb_give_hours)}<input type="text" inputmode="decimal" required bind:value=amount/></label>
                                    {move || action_err(give.value().get(), l)}
                                    <button type="submit" class="button secondary" disabled=move || give.pending().get()>{td_string!(l, tb_give)}</button>
                                </form>
                            })}
                            {if b.entries.is_empty() {
                                view! { <p class="hint">{td_string!(l, tb_empty)}</p> }.into_any()
                            } else {
                                ledger_view(b.entries, l, false).into_any()
                            }}
                        </section>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------------------------
// The organiser's check-in list (and the worker's hours)

#[component]
pub fn DeskPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let check = ServerAction::<ActivityCheckIn>::new();
    let set = ServerAction::<SetHours>::new();
    let verify = ServerAction::<VerifyHours>::new();
    let finish = ServerAction::<FinishActivity>::new();
    let changes = (successes(check), successes(set), successes(verify), successes(finish));
    let data = crate::ui::resource::resource(move || (id(), changes.0.get(), changes.1.get(), changes.2.get(), changes.3.get()), |(id, ..)| activity_desk(id));
    let report = RwSignal::new(String::new());
    view! {
        <Title text=move || td_string!(i18n.get_locale(), act_desk).to_string()/>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(desk) => {
                    let l = i18n.get_locale();
                    let aid = desk.card.id;
                    let is_worker = desk.is_worker;
                    let to_verify: Vec<i64> = desk.volunteers.iter().filter(|v| !v.verified && v.half_hours.is_some()).map(|v| v.volunteer_id).collect();
                    let lines = desk.participants.iter().map(|p| Line { key: p.member_id, name: p.name.clone(), detail: p.room.clone(), checked: p.checked_in }).collect::<Vec<_>>();
                    let on_code = Callback::new(move |c: Code| {
                        check.dispatch(ActivityCheckIn { activity_id: aid, code: Some(c.code), member_id: None, out: c.out });
                    });
                    let on_line = Callback::new(move |mid: i64| {
                        check.dispatch(ActivityCheckIn { activity_id: aid, code: None, member_id: Some(mid), out: Some(false) });
                    });
                    view! {
                        <p><A href=format!("/activities/{aid}")>{td_string!(l, act_back_to_activity)}</A></p>
                        <h1>{desk.card.title.clone()}</h1>
                        <p><strong>{span(desk.card.starts_at, desk.card.ends_at)}</strong>" · "{desk.card.place.clone()}</p>
                        <h2>{td_string!(l, act_participants)}</h2>
                        <CheckInDesk code_label=td_string!(l, act_code) code_len=super::model::CODE_LEN lines=lines with_out=true
                            on_code=on_code on_line=on_line pending=check.pending()>
                            {move || check.value().get().map(|r| match r {
                                Ok(CheckedIn::Participants { names, already }) => view! {
                                    <p class="ok" role="status" data-testid="check-result">{if already { td_string!(l, act_already_checked, names = names.join("、")).to_string() } else { td_string!(l, act_checked, names = names.join("、")).to_string() }}</p>
                                }.into_any(),
                                Ok(CheckedIn::Volunteer { name, out, half_hours }) => view! {
                                    <p class="ok" role="status" data-testid="check-result">{if out {
                                        td_string!(l, act_volunteer_out, name = name, hours = hours(half_hours.unwrap_or(0))).to_string()
                                    } else {
                                        td_string!(l, act_volunteer_in, name = name).to_string()
                                    }}</p>
                                }.into_any(),
                                Err(e) => crate::ui::widgets::error_view(e, l),
                            })}
                        </CheckInDesk>
                        <h2>{td_string!(l, act_volunteers)}</h2>
                        <ul class="plain roster" data-testid="volunteers">
                            {desk.volunteers.iter().map(|v| {
                                let vid = v.volunteer_id;
                                let code = v.code.clone();
                                let code2 = v.code.clone();
                                let entered = RwSignal::new(v.half_hours.map(hours).unwrap_or_default());
                                let why = RwSignal::new(String::new());
                                view! {
                                    <li data-testid="volunteer">
                                        <p><strong>{v.name.clone()}</strong>" · "{v.role.clone()}</p>
                                        <p>{v.checked_in_at.map(|t| td_string!(l, act_in_at, at = when(t)).to_string())}
                                           {v.checked_out_at.map(|t| format!(" · {}", td_string!(l, act_out_at, at = when(t))))}
                                           {v.half_hours.map(|h| format!(" · {}", td_string!(l, act_hours_line, hours = hours(h))))}
                                           {v.verified.then(|| format!(" · {}", td_string!(l, act_verified)))}</p>
                                        {(v.checked_in_at.is_some() && v.checked_out_at.is_none() && v.half_hours.is_none()).then(|| view! {
                                            <p class="warn" data-testid="no-check-out">{td_string!(l, act_no_check_out)}</p>
                                        })}
                                        {v.hours_reason.clone().map(|r| view! { <p class="hint">{td_string!(l, act_hours_reason)}": "{r}</p> })}
                                        <p class="row">
                                            {v.checked_in_at.is_none().then(|| view! {
                                                <button type="button" class="button secondary" data-testid="volunteer-in"
                                                    on:click=move |_| { check.dispatch(ActivityCheckIn { activity_id: aid, code: Some(code.clone()), member_id: None, out: Some(false) }); }>
                                                    {td_string!(l, act_check_in)}</button>
                                            })}
                                            {(v.checked_in_at.is_some() && v.checked_out_at.is_none()).then(|| view! {
                                                <button type="button" class="button secondary" data-testid="volunteer-out"
                                                    on:click=move |_| { check.dispatch(ActivityCheckIn { activity_id: aid, code: Some(code2.clone()), member_id: None, out: Some(true) }); }>
                                                    {td_string!(l, act_check_out)}</button>
                                            })}
                                        </p>
                                        {(is_worker && !v.verified).then(|| view! {
                                            <form class="row" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                                ev.prevent_default();
                                                let half = entered.get_untracked().trim().parse::<f64>().map(|h| (h * 2.0).round() as i64).unwrap_or(-1);
                                                set.dispatch(SetHours { volunteer_id: vid, half_hours: half, reason: why.get_untracked() });
                                            }>
                                                <label>{td_string!(l, act_hours_entry)}<input type="text" inputmode="decimal" required bind:value=entered/></label>
                                                <label>{td_string!(l, act_hours_reason)}<input type="text" maxlength=super::model::REASON.max required bind:value=why/></label>
                                                <button type="submit" class="button secondary">{td_string!(l, act_set_hours)}</button>
                                            </form>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {move || action_err(set.value().get(), l)}
                        {(is_worker && !to_verify.is_empty()).then(|| {
                            let ids = to_verify.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",");
                            let n = to_verify.len();
                            view! {
                                <button type="button" class="button" data-testid="verify-all" disabled=move || verify.pending().get()
                                    on:click=move |_| { verify.dispatch(VerifyHours { activity_id: aid, volunteers: ids.clone() }); }>
                                    {td_string!(l, act_verify_all, n = n).to_string()}</button>
                            }
                        })}
                        {move || verify.value().get().map(|r| match r {
                            Ok(v) => view! { <p class="ok" role="status" data-testid="verified">{td_string!(l, act_verified_n, n = v.len(), hours = hours(v.iter().map(|x| x.credited).sum())).to_string()}</p> }.into_any(),
                            Err(e) => crate::ui::widgets::error_view(e, l),
                        })}
                        {(desk.ended && !desk.finished).then(|| view! {
                            <form class="form card" data-testid="finish-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                ev.prevent_default();
                                finish.dispatch(FinishActivity { id: aid, report: report.get_untracked() });
                            }>
                                <h2>{td_string!(l, act_finish_title)}</h2>
                                <p class="hint">{td_string!(l, act_finish_hint)}</p>
                                <label>{td_string!(l, act_field_report)}<textarea maxlength=super::model::REPORT.max bind:value=report></textarea></label>
                                <button type="submit" class="button" disabled=move || finish.pending().get()>{td_string!(l, act_finish)}</button>
                            </form>
                        })}
                        {desk.ended.then(|| view! { <ReportPhotos activity=aid photos=desk.photos.clone()/> })}
                        {desk.finished.then(|| view! { <p class="ok" data-testid="finished">{td_string!(l, act_finished)}</p> })}
                        {move || action_err(finish.value().get(), l)}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------------------------
// The worker's review

#[component]
pub fn ReviewPage() -> impl IntoView {
    let i18n = use_i18n();
    let decide = ServerAction::<DecideVolunteer>::new();
    let suspend = ServerAction::<SuspendVolunteer>::new();
    let cap = ServerAction::<SetYearlyCap>::new();
    let correct = ServerAction::<CorrectEntry>::new();
    let changes = (successes(decide), successes(suspend), successes(cap), successes(correct));
    let data = crate::ui::resource::resource(move || (changes.0.get(), changes.1.get(), changes.2.get()), |_| activity_review(None));
    let bank = crate::ui::resource::resource(move || changes.3.get(), |_| time_bank_of_community(None));
    view! {
        <Title text=move || td_string!(i18n.get_locale(), act_review).to_string()/>
        <p><A href="/activities">{t!(i18n, act_back)}</A></p>
        <h1>{t!(i18n, act_review)}</h1>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(rv) => {
                    let l = i18n.get_locale();
                    let cap_value = RwSignal::new(hours(rv.yearly_cap));
                    view! {
                        <section class="card" data-testid="applications">
                            <h2>{td_string!(l, vol_applications)}</h2>
                            {rv.applications.is_empty().then(|| view! { <p class="hint">{td_string!(l, act_nothing)}</p> })}
                            {rv.applications.iter().map(|a| {
                                let aid = a.id;
                                let why = RwSignal::new(String::new());
                                view! {
                                    <div class="application" data-testid="application">
                                        <p><strong>{a.name.clone()}</strong>" · "{a.skills.clone()}" · "{a.availability.clone()}</p>
                                        <p class="row">
                                            <button type="button" class="button" data-testid="application-approve"
                                                on:click=move |_| { decide.dispatch(DecideVolunteer { application_id: aid, approve: true, reason: None }); }>{td_string!(l, act_approve)}</button>
                                        </p>
                                        <form class="row" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                            ev.prevent_default();
                                            decide.dispatch(DecideVolunteer { application_id: aid, approve: false, reason: Some(why.get_untracked()) });
                                        }>
                                            <label>{td_string!(l, vol_decline_reason)}<input type="text" maxlength=super::model::REASON.max required bind:value=why/></label>
                                            <button type="submit" class="button secondary">{td_string!(l, vol_decline)}</button>
                                        </form>
                                    </div>
                                }
                            }).collect_view()}
                            {move || action_err(decide.value().get(), l)}
                        </section>
                        <section class="card" data-testid="submitted">
                            <h2>{td_string!(l, act_to_publish)}</h2>
                            {rv.submitted.is_empty().then(|| view! { <p class="hint">{td_string!(l, act_nothing)}</p> })}
                            <ul class="cards">{rv.submitted.clone().into_iter().map(|c| card_view(c, l)).collect_view()}</ul>
                        </section>
                        <section class="card" data-testid="hours-to-verify">
                            <h2>{td_string!(l, act_hours_to_verify)}</h2>
                            {rv.to_verify.is_empty().then(|| view! { <p class="hint">{td_string!(l, act_nothing)}</p> })}
                            <ul class="plain">{rv.to_verify.clone().into_iter().map(|c| view! {
                                <li><A href=format!("/activities/{}/desk", c.id)>{c.title.clone()}</A>" · "{span(c.starts_at, c.ends_at)}</li>
                            }).collect_view()}</ul>
                        </section>
                        <section class="card" data-testid="volunteers-list">
                            <h2>{td_string!(l, vol_volunteers)}</h2>
                            {rv.volunteers.iter().map(|a| {
                                let aid = a.id;
                                let why = RwSignal::new(String::new());
                                view! {
                                    <details>
                                        <summary>{a.name.clone()}" · "{a.skills.clone()}</summary>
                                        <form class="row" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                            ev.prevent_default();
                                            suspend.dispatch(SuspendVolunteer { application_id: aid, reason: why.get_untracked() });
                                        }>
                                            <label>{td_string!(l, vol_suspend_reason)}<input type="text" maxlength=super::model::REASON.max required bind:value=why/></label>
                                            <button type="submit" class="button secondary">{td_string!(l, vol_suspend)}</button>
                                        </form>
                                    </details>
                                }
                            }).collect_view()}
                            {move || action_err(suspend.value().get(), l)}
                        </section>
                        <form class="form card works-early" method="get" action="/activities/export.csv" data-testid="export-form">
                            <h2>{td_string!(l, act_export)}</h2>
                            <label>{td_string!(l, act_export_from)}<input type="date" name="from" required/></label>
                            <label>{td_string!(l, act_export_to)}<input type="date" name="to" required/></label>
                            {crate::ui::widgets::csv_download(l)}
                        </form>
                        <form class="row card" data-testid="cap-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            let half = cap_value.get_untracked().trim().parse::<f64>().map(|h| (h * 2.0).round() as i64).unwrap_or(0);
                            cap.dispatch(SetYearlyCap { community_id: None, cap: half });
                        }>
                            <label>{td_string!(l, tb_cap)}<input type="text" inputmode="decimal" required bind:value=cap_value/></label>
                            <button type="submit" class="button secondary">{td_string!(l, act_save)}</button>
                            {move || action_err(cap.value().get(), l)}
                        </form>
                    }.into_any()
                }
            })}
            {move || bank.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || bank.refetch()),
                Ok(b) => {
                    let l = i18n.get_locale();
                    let entry = RwSignal::new(String::new());
                    let delta = RwSignal::new(String::new());
                    let why = RwSignal::new(String::new());
                    view! {
                        <section class="card" data-testid="community-bank">
                            <h2>{td_string!(l, tb_everyone)}</h2>
                            <ul class="plain">{b.accounts.iter().map(|(_, name, balance)| view! { <li>{name.clone()}" · "{td_string!(l, tb_balance, hours = hours(*balance)).to_string()}</li> }).collect_view()}</ul>
                            <form class="row" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                ev.prevent_default();
                                let half = delta.get_untracked().trim().parse::<f64>().map(|h| (h * 2.0).round() as i64).unwrap_or(0);
                                correct.dispatch(CorrectEntry { entry_id: entry.get_untracked().trim().trim_start_matches('#').parse().unwrap_or(0), delta: half, reason: why.get_untracked() });
                            }>
                                <label>{td_string!(l, tb_entry_no)}<input type="text" inputmode="numeric" required bind:value=entry/></label>
                                <label>{td_string!(l, tb_delta)}<input type="text" inputmode="decimal" required bind:value=delta/></label>
                                <label>{td_string!(l, act_hours_reason)}<input type="text" maxlength=super::model::REASON.max required bind:value=why/></label>
                                <button type="submit" class="button secondary">{td_string!(l, tb_correct)}</button>
                            </form>
                            {move || action_err(correct.value().get(), l)}
                            {ledger_view(b.entries, l, true)}
                        </section>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
