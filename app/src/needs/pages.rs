//! The residents' screens of needs: the community's list, proposing (similar needs first, photos,
//! a draft kept on the phone), one need (support, answer, progress, comments, reports, and the
//! worker's panel), and the notification centre. Each is loaded on demand (its own WASM chunk).
use super::api::*;
use super::error::{NeedError, status_name};
use super::model::{Action as Step, Status};
use super::types::*;
use crate::i18n::{Locale, t, td_string, use_i18n};
use crate::ui::prefetch::{Early, Prefetch, id_param_untracked};
use crate::ui::widgets::{action_err, error_view, load_error, successes};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::time::date;

fn status_badge(s: Status, l: Locale) -> impl IntoView {
    view! { <span class=format!("status status-{}", s.as_str()) data-testid="need-status">{status_name(s, l)}</span> }
}

fn action_name(a: Step, l: Locale) -> &'static str {
    match a {
        Step::Publish => td_string!(l, need_action_publish),
        Step::Reject => td_string!(l, need_action_reject),
        Step::RequestChanges => td_string!(l, need_action_request_changes),
        Step::Resubmit => td_string!(l, need_action_resubmit),
        Step::Merge => td_string!(l, need_action_merge),
        Step::Hide => td_string!(l, need_action_hide),
        Step::ReportHide => td_string!(l, need_action_report_hide),
        Step::Restore => td_string!(l, need_action_restore),
        Step::Review => td_string!(l, need_action_review),
        Step::Accept => td_string!(l, need_action_accept),
        Step::Plan => td_string!(l, need_action_plan),
        Step::Complete => td_string!(l, need_action_complete),
        Step::Answer => td_string!(l, need_action_answer),
    }
}

fn category_name(ctx: &Option<Result<NeedsContext, NeedError>>, id: i64, l: Locale) -> String {
    ctx.as_ref().and_then(|c| c.as_ref().ok()).and_then(|c| c.categories.iter().find(|k| k.id == id).map(|k| k.name(l).to_string())).unwrap_or_default()
}

/// One need in a list: a link with its status, category and supporters.
#[component]
pub fn NeedCard(n: NeedSummary, category: String, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <li class="need-card" data-testid="need-card">
            <A href=format!("/needs/{}", n.id)>
                <strong class="need-title">{n.title.clone()}</strong>
            </A>
            <div class="need-meta">
                {status_badge(n.status, l)}
                <span class="category">{category}</span>
                <span class="supports" data-testid="need-supports">{td_string!(l, needs_supports, n = n.supports).to_string()}</span>
                {n.awaiting.then(|| view! { <span class="warn">{td_string!(l, needs_awaiting)}</span> })}
                {n.overdue.then(|| view! { <span class="warn" data-testid="need-overdue">{td_string!(l, needs_overdue)}</span> })}
                {(n.reports > 0).then(|| view! { <span class="warn">{td_string!(l, needs_reports, n = n.reports).to_string()}</span> })}
            </div>
            {children.map(|c| c())}
        </li>
    }
}

use crate::ui::lazy_page;

lazy_page!(NeedsRoute, NeedsListPage, NeedsData);
lazy_page!(ProposeRoute, ProposePage);
lazy_page!(NeedRoute, NeedPage, NeedData);

/// The list's filters: category, status, sort, search, only mine.
type Filters = (String, String, String, String, bool);

/// What the needs list fetches with its chunk (`ui::prefetch`): the community, and the first page
/// with the default filters.
pub struct NeedsData {
    overview: Prefetch<(), Result<NeedsContext, NeedError>>,
    first: Prefetch<Filters, Result<NeedPage, NeedError>>,
}

impl NeedsData {
    pub fn start() -> Self {
        let mine = use_query_map().with_untracked(|m| m.get("mine").as_deref() == Some("1"));
        NeedsData {
            overview: Prefetch::start(Some(()), |_| fetch_overview(Some(early_overview()))),
            first: Prefetch::start(Some(default_filters(mine)), |f| fetch_needs(f.clone(), None, Some(Early::post(early::LIST_PATH, early::list_body(mine))))),
        }
    }
}

fn default_filters(mine: bool) -> Filters {
    (String::new(), String::new(), "supports".to_string(), String::new(), mine)
}

/// What a need's page fetches with its chunk: the community and the need.
pub struct NeedData {
    overview: Prefetch<(), Result<NeedsContext, NeedError>>,
    need: Prefetch<i64, Result<NeedDetail, NeedError>>,
}

impl NeedData {
    pub fn start() -> Self {
        NeedData {
            overview: Prefetch::start(Some(()), |_| fetch_overview(Some(early_overview()))),
            need: Prefetch::start(id_param_untracked(), |id| fetch_need(*id, Some(Early::post(early::GET_PATH, early::get_body(*id))))),
        }
    }
}

// The pages reach these server functions only through the lazy functions below, also when
// they ask again: code used both by a lazy function and by a page's chunk is put into the main
// module by the WASM splitter (measured: +34 KB brotli when the pages called them directly).

// Each takes the answer to the request its route's `data()` sent by hand (`Early`), if any, and
// decodes it; otherwise it asks the server function.

fn early_overview() -> Early {
    Early::post(early::OVERVIEW_PATH, early::OVERVIEW_BODY.to_string())
}

/// The community's context (categories, buildings, settings), in its own chunk.
#[leptos::lazy]
pub(crate) async fn fetch_overview(sent: Option<Early>) -> Result<NeedsContext, NeedError> {
    match sent {
        Some(sent) => sent.decode().await,
        None => needs_overview(None).await,
    }
}

/// A page of the list, in its own chunk.
#[leptos::lazy]
async fn fetch_needs(f: Filters, cursor: Option<String>, sent: Option<Early>) -> Result<NeedPage, NeedError> {
    if let Some(sent) = sent {
        return sent.decode().await;
    }
    let (c, s, so, q, m) = f;
    list_needs(c.parse().ok(), (!s.is_empty()).then_some(s), so, q, cursor, m).await
}

/// The community's context for a page, taking what its route prefetched.
fn overview_resource(overview: Prefetch<(), Result<NeedsContext, NeedError>>) -> crate::ui::resource::Data<Result<NeedsContext, NeedError>> {
    crate::ui::resource::resource(
        || (),
        move |_| {
            let overview = overview.clone();
            async move { overview.or_fetch((), |_| fetch_overview(None)).await }
        },
    )
}

/// One need, in its own chunk.
#[leptos::lazy]
async fn fetch_need(id: i64, sent: Option<Early>) -> Result<NeedDetail, NeedError> {
    match sent {
        Some(sent) => sent.decode().await,
        None => get_need(id).await,
    }
}

/// 问需: the community's needs (or, with `?mine=1`, the resident's own).
#[component]
pub fn NeedsListPage(data: NeedsData) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let mine = move || query.with(|m| m.get("mine").as_deref() == Some("1"));
    let NeedsData { overview, first } = data;
    let ctx = overview_resource(overview);
    let category = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let sort = RwSignal::new("supports".to_string());
    let typed = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let first = crate::ui::resource::resource(
        move || (category.get(), status.get(), sort.get(), search.get(), mine()),
        move |f| {
            let first = first.clone();
            async move { first.or_fetch(f, |f| fetch_needs(f, None, None)).await }
        },
    );
    // Further pages, appended below the first.
    let more_items = RwSignal::new(Vec::<NeedSummary>::new());
    let more_next = RwSignal::new(None::<Option<String>>);
    let more = Action::new(move |cursor: &String| {
        let f = (category.get_untracked(), status.get_untracked(), sort.get_untracked(), search.get_untracked(), mine());
        let cursor = cursor.clone();
        async move { fetch_needs(f, Some(cursor), None).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(page)) = more.value().get() {
            more_items.update(|v| v.extend(page.items));
            more_next.set(Some(page.next));
        }
    });
    Effect::new(move |_| {
        first.track();
        more_items.set(Vec::new());
        more_next.set(None);
    });
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        search.set(typed.get_untracked());
    };
    view! {
        <Title text=move || td_string!(i18n.get_locale(), needs_title).to_string()/>
        <h1>{move || if mine() { td_string!(i18n.get_locale(), needs_mine) } else { td_string!(i18n.get_locale(), needs_title) }}</h1>
        <p>{t!(i18n, needs_intro)}</p>
        <Suspense fallback=|| ()>
            {move || ctx.get().map(|c| match c {
                Ok(c) => {
                    let l = i18n.get_locale();
                    view! {
                        <p class="hint">{if l == Locale::en { c.community_en.clone() } else { c.community_zh.clone() }}</p>
                        <div class="row">
                            {if c.can_propose {
                                view! { <A href="/needs/new" attr:class="button" attr:data-testid="propose">{td_string!(l, needs_propose)}</A> }.into_any()
                            } else {
                                view! { <p class="hint" data-testid="not-verified">{td_string!(l, needs_not_verified)}</p> }.into_any()
                            }}
                            <A href="/needs?mine=1" attr:class="button secondary">{td_string!(l, needs_mine)}</A>
                            <A href="/needs" attr:class="button secondary">{td_string!(l, needs_all)}</A>
                        </div>
                        <form class="filters form" on:submit=on_search role="search">
                            <label for="need-search">{td_string!(l, needs_search)}</label>
                            <div class="row">
                                <input id="need-search" type="search" maxlength=super::model::SEARCH.max bind:value=typed data-testid="need-search"/>
                                <button type="submit" class="button secondary">{td_string!(l, needs_search)}</button>
                            </div>
                            <label for="need-category">{td_string!(l, needs_filter_category)}</label>
                            <select id="need-category" on:change=move |ev| category.set(event_target_value(&ev)) prop:value=move || category.get()>
                                <option value="">{td_string!(l, needs_any)}</option>
                                {c.categories.iter().map(|k| view! { <option value=k.id.to_string()>{k.name(l).to_string()}</option> }).collect_view()}
                            </select>
                            <label for="need-status">{td_string!(l, needs_filter_status)}</label>
                            <select id="need-status" on:change=move |ev| status.set(event_target_value(&ev)) prop:value=move || status.get()>
                                <option value="">{td_string!(l, needs_any)}</option>
                                {[Status::Published, Status::UnderReview, Status::Accepted, Status::Planned, Status::Done, Status::Rejected, Status::Merged]
                                    .into_iter().map(|s| view! { <option value=s.as_str()>{status_name(s, l)}</option> }).collect_view()}
                            </select>
                            <label for="need-sort">{td_string!(l, needs_sort)}</label>
                            <select id="need-sort" on:change=move |ev| sort.set(event_target_value(&ev)) prop:value=move || sort.get()>
                                <option value="supports">{td_string!(l, needs_sort_supports)}</option>
                                <option value="newest">{td_string!(l, needs_sort_newest)}</option>
                            </select>
                        </form>
                    }.into_any()
                }
                Err(e) => load_error(e, i18n.get_locale(), move || {
                    ctx.refetch();
                    first.refetch();
                }),
            })}
        </Suspense>
        <Transition fallback=|| ()>
            {move || first.get().map(|r| match r {
                Ok(page) => {
                    let l = i18n.get_locale();
                    let c = ctx.get();
                    let empty = page.items.is_empty();
                    let first_next = page.next.clone();
                    let card = move |n: NeedSummary| {
                        let category = category_name(&c, n.category_id, l);
                        view! { <NeedCard n category/> }
                    };
                    let card2 = card.clone();
                    view! {
                        <ul class="needs" data-testid="needs-list">
                            {page.items.into_iter().map(card).collect_view()}
                            {move || more_items.get().into_iter().map(card2.clone()).collect_view()}
                        </ul>
                        {empty.then(|| view! { <p class="hint">{td_string!(l, needs_empty)}</p> })}
                        {move || {
                            let next = more_next.get().unwrap_or_else(|| first_next.clone());
                            next.map(|cursor| view! {
                                <button class="button secondary" data-testid="needs-more" disabled=move || more.pending().get()
                                    on:click=move |_| { more.dispatch(cursor.clone()); }>{td_string!(l, needs_more)}</button>
                            })
                        }}
                    }.into_any()
                }
                // When the community's context failed too (offline), its error above says it once.
                Err(_) if ctx.get().is_some_and(|c| c.is_err()) => ().into_any(),
                Err(e) => load_error(e, i18n.get_locale(), move || first.refetch()),
            })}
        </Transition>
    }
}

/// The browser's local storage (drafts), if any.
#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

#[cfg(feature = "hydrate")]
const DRAFT_FIELDS: [&str; 6] = ["category", "title", "body", "building", "place", "photos"];

#[cfg(feature = "hydrate")]
fn draft_key(field: &str) -> String {
    format!("linli_need_draft_{field}")
}

/// The file chosen in `input` (index `i`), shrunk for sending (`ui::photo`).
#[cfg(feature = "hydrate")]
async fn file_bytes(input: &web_sys::HtmlInputElement, i: u32) -> Option<Vec<u8>> {
    crate::ui::photo::prepared(&input.files()?.get(i)?).await
}

/// 提出需求: the form, with similar needs shown while typing and the draft kept on the phone.
#[component]
pub fn ProposePage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = crate::ui::resource::resource(|| (), |_| fetch_overview(None));
    let category = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let building = RwSignal::new(String::new());
    let place = RwSignal::new(String::new());
    let photos = RwSignal::new(Vec::<PhotoRef>::new());
    let channel = RwSignal::new("paper".to_string());
    let restored = RwSignal::new(false);
    let uploading = RwSignal::new(false);
    // Which photo of how many is being shrunk and sent (1-based), while photos are being sent.
    let upload_step = RwSignal::new((0u32, 0u32));
    let upload_error = RwSignal::new(None::<NeedError>);
    let submit = ServerAction::<SubmitNeed>::new();
    let file_input = NodeRef::<leptos::html::Input>::new();

    // The draft: restored once in the browser, then saved on every change.
    let fields = move || {
        let p = photos.get().iter().map(|p| format!("{}|{}", p.id, p.url)).collect::<Vec<_>>().join(",");
        [category.get(), title.get(), body.get(), building.get(), place.get(), p]
    };
    Effect::new(move |prev: Option<()>| {
        let values = fields();
        #[cfg(feature = "hydrate")]
        if let Some(s) = storage() {
            if prev.is_none() {
                let read: Vec<String> = DRAFT_FIELDS.iter().map(|f| s.get_item(&draft_key(f)).ok().flatten().unwrap_or_default()).collect();
                if read.iter().any(|v| !v.is_empty()) {
                    category.set(read[0].clone());
                    title.set(read[1].clone());
                    body.set(read[2].clone());
                    building.set(read[3].clone());
                    place.set(read[4].clone());
                    photos.set(
                        read[5]
                            .split(',')
                            .filter_map(|p| p.split_once('|'))
                            .filter_map(|(id, url)| Some(PhotoRef { id: id.parse().ok()?, url: url.to_string() }))
                            .collect(),
                    );
                    restored.set(true);
                }
            } else {
                for (f, v) in DRAFT_FIELDS.iter().zip(values.iter()) {
                    let _ = s.set_item(&draft_key(f), v);
                }
            }
        }
        let _ = (prev, values);
    });
    let clear_draft = move || {
        #[cfg(feature = "hydrate")]
        if let Some(s) = storage() {
            for f in DRAFT_FIELDS {
                let _ = s.remove_item(&draft_key(f));
            }
        }
    };
    let discard = move |_| {
        clear_draft();
        for s in [category, title, body, building, place] {
            s.set(String::new());
        }
        photos.set(Vec::new());
        restored.set(false);
    };

    // Similar needs, asked for when the typing pauses.
    let settled = RwSignal::new((String::new(), String::new()));
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let typed = (title.get(), body.get());
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        set_timeout(
            move || {
                if generation.try_get_value() == Some(mine) {
                    settled.try_set(typed);
                }
            },
            std::time::Duration::from_millis(350),
        );
    });
    let similar = crate::ui::resource::resource(
        move || settled.get(),
        |(t, b)| async move { if t.trim().chars().count() < 2 { Ok(Vec::new()) } else { similar_needs(t, b).await } },
    );

    let on_files = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(input) = file_input.get() {
            leptos::task::spawn_local(async move {
                let n = input.files().map(|f| f.length()).unwrap_or(0);
                uploading.set(true);
                upload_error.set(None);
                for i in 0..n {
                    upload_step.set((i + 1, n));
                    if photos.get_untracked().len() >= super::model::MAX_PHOTOS {
                        upload_error.set(Some(NeedError::TooManyPhotos { max: super::model::MAX_PHOTOS }));
                        break;
                    }
                    let Some(bytes) = file_bytes(&input, i).await else { continue };
                    // Said here, before a long upload the server would refuse.
                    if bytes.len() > crate::ui::photo::MAX_PHOTO_BYTES {
                        upload_error.set(Some(NeedError::PhotoTooLarge { max_mb: crate::ui::photo::MAX_PHOTO_BYTES / (1024 * 1024) }));
                        continue;
                    }
                    let b64 = {
                        use base64::Engine;
                        base64::engine::general_purpose::STANDARD.encode(bytes)
                    };
                    match upload_photo(b64).await {
                        Ok(p) => photos.update(|v| v.push(p)),
                        Err(e) => upload_error.set(Some(e)),
                    }
                }
                input.set_value("");
                uploading.set(false);
            });
        }
    };
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = submit.value().get() {
            clear_draft();
            navigate(&format!("/needs/{id}"), Default::default());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.dispatch(SubmitNeed {
            category_id: category.get_untracked().parse().unwrap_or(0),
            title: title.get_untracked(),
            body: body.get_untracked(),
            building_id: building.get_untracked().parse().ok(),
            place: place.get_untracked(),
            photo_ids: photos.get_untracked().iter().map(|p| p.id.to_string()).collect::<Vec<_>>().join(","),
            channel: channel.get_untracked(),
        });
    };
    view! {
        <Title text=move || td_string!(i18n.get_locale(), needs_new_title).to_string()/>
        <h1>{t!(i18n, needs_new_title)}</h1>
        <Suspense fallback=|| ()>
            {move || ctx.get().map(|c| match c {
                Err(e) => load_error(e, i18n.get_locale(), move || ctx.refetch()),
                Ok(c) if !c.can_propose => view! { <p class="hint" data-testid="not-verified">{t!(i18n, needs_not_verified)}</p> }.into_any(),
                Ok(c) => {
                    let l = i18n.get_locale();
                    view! {
                        <form class="form card" on:submit=on_submit data-testid="propose-form">
                            {c.acting_for.clone().map(|name| view! {
                                <p class="card" role="status">{td_string!(l, needs_assisted_for, name = name).to_string()}</p>
                                <label for="need-channel">{td_string!(l, needs_channel)}</label>
                                <select id="need-channel" on:change=move |ev| channel.set(event_target_value(&ev)) prop:value=move || channel.get()>
                                    <option value="paper">{td_string!(l, needs_channel_paper)}</option>
                                    <option value="phone">{td_string!(l, needs_channel_phone)}</option>
                                </select>
                            })}
                            {move || restored.get().then(|| view! {
                                <p class="hint" role="status" data-testid="draft-restored">{td_string!(l, needs_draft_restored)}" "
                                    <button type="button" class="button secondary" on:click=discard>{td_string!(l, needs_discard_draft)}</button>
                                </p>
                            })}
                            <label for="need-category-input">{td_string!(l, needs_filter_category)}</label>
                            <select id="need-category-input" required data-testid="need-category"
                                on:change=move |ev| category.set(event_target_value(&ev)) prop:value=move || category.get()>
                                <option value="">{td_string!(l, needs_choose)}</option>
                                {c.categories.iter().map(|k| view! { <option value=k.id.to_string()>{k.name(l).to_string()}</option> }).collect_view()}
                            </select>
                            <label for="need-title">{td_string!(l, needs_title_label)}</label>
                            <input id="need-title" type="text" maxlength=super::model::TITLE.max required bind:value=title data-testid="need-title"/>
                            <Transition fallback=|| ()>
                                {move || similar.get().and_then(|r| r.ok()).filter(|v| !v.is_empty()).map(|list| view! {
                                    <aside class="similar card" data-testid="similar" aria-live="polite">
                                        <h2>{td_string!(l, needs_similar)}</h2>
                                        <p class="hint">{td_string!(l, needs_similar_hint)}</p>
                                        <ul>
                                            {list.into_iter().map(|n| view! {
                                                <li>
                                                    <A href=format!("/needs/{}", n.id)>{n.title.clone()}</A>" "
                                                    {status_badge(n.status, l)}" "
                                                    <span class="supports">{td_string!(l, needs_supports, n = n.supports).to_string()}</span>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    </aside>
                                })}
                            </Transition>
                            <label for="need-body">{td_string!(l, needs_body_label)}</label>
                            <textarea id="need-body" rows="5" maxlength=super::model::BODY.max required bind:value=body data-testid="need-body"></textarea>
                            <label for="need-building">{td_string!(l, needs_building)}</label>
                            <select id="need-building" on:change=move |ev| building.set(event_target_value(&ev)) prop:value=move || building.get()>
                                <option value="">{td_string!(l, needs_no_building)}</option>
                                {c.buildings.iter().map(|(id, name)| view! { <option value=id.to_string()>{name.clone()}</option> }).collect_view()}
                            </select>
                            <label for="need-place">{td_string!(l, needs_place)}</label>
                            <input id="need-place" type="text" maxlength=super::model::PLACE.max bind:value=place/>
                            <label for="need-photos">{td_string!(l, needs_photos)}</label>
                            <input id="need-photos" type="file" accept="image/jpeg,image/png,image/webp" multiple node_ref=file_input on:change=on_files
                                disabled=move || { uploading.get() || photos.get().len() >= super::model::MAX_PHOTOS } data-testid="need-photos"/>
                            {move || uploading.get().then(|| {
                                let (i, n) = upload_step.get();
                                view! {
                                    <p class="hint" role="status" data-testid="photo-progress">
                                        {td_string!(l, needs_uploading_n, i = i, n = n).to_string()}" "
                                        <progress max=n value=i.saturating_sub(1)></progress>
                                    </p>
                                }
                            })}
                            {move || upload_error.get().map(|e| error_view(e, l))}
                            <ul class="photos">
                                {move || photos.get().into_iter().enumerate().map(|(i, p)| {
                                    let id = p.id;
                                    view! {
                                        <li>
                                            <img src=p.url.clone() alt=td_string!(l, needs_photo_alt, n = i + 1).to_string() width="96" height="96"/>
                                            <button type="button" class="button secondary" on:click=move |_| photos.update(|v| v.retain(|x| x.id != id))>
                                                {td_string!(l, needs_remove_photo)}
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            <p class="hint">{td_string!(l, needs_draft_note)}</p>
                            {move || action_err(submit.value().get(), l)}
                            <button type="submit" class="button" data-testid="need-submit" disabled=move || { submit.pending().get() || uploading.get() }>
                                {move || if submit.pending().get() { td_string!(l, needs_submitting) } else { td_string!(l, needs_submit) }}
                            </button>
                        </form>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// One need: what, where, who supports it, the community's answer and progress, comments.
#[component]
pub fn NeedPage(data: NeedData) -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
    let support = ServerAction::<SupportNeed>::new();
    let comment = ServerAction::<CommentNeed>::new();
    let report = ServerAction::<ReportNeed>::new();
    let act = ServerAction::<ActOnNeed>::new();
    let resubmit = ServerAction::<ResubmitNeed>::new();
    let hide_comment = ServerAction::<SetCommentHidden>::new();
    let NeedData { overview, need } = data;
    let ctx = overview_resource(overview);
    let (support_ok, commented, acted) = (successes(support), successes(comment), successes(act));
    let (resubmitted, hidden) = (successes(resubmit), successes(hide_comment));
    let detail = crate::ui::resource::resource(
        move || (id(), support_ok.get(), commented.get(), acted.get(), resubmitted.get(), hidden.get()),
        move |(id, ..)| {
            let need = need.clone();
            async move { need.or_fetch(id, |id| fetch_need(id, None)).await }
        },
    );
    let comment_text = RwSignal::new(String::new());
    let report_reason = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(_)) = comment.value().get() {
            comment_text.set(String::new());
        }
    });
    view! {
        // The need's own title once it is known (the browser's tab, history and bookmarks).
        <Title text=move || match detail.get() {
            Some(Ok(d)) => format!("{} · {}", d.summary.title, td_string!(i18n.get_locale(), app_name)),
            _ => td_string!(i18n.get_locale(), needs_title).to_string(),
        }/>
        <p><A href="/needs">{t!(i18n, needs_back)}</A></p>
        <Suspense fallback=|| ()>
            {move || detail.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || detail.refetch()),
                Ok(d) => {
                    let l = i18n.get_locale();
                    let n = d.summary.clone();
                    let nid = n.id;
                    let category = category_name(&ctx.get(), n.category_id, l);
                    let supported = n.i_supported;
                    let channel = match d.channel.as_str() {
                        "paper" => td_string!(l, needs_channel_paper),
                        "phone" => td_string!(l, needs_channel_phone),
                        _ => td_string!(l, needs_channel_app),
                    };
                    view! {
                        <article class="need" data-testid="need">
                            <h1 data-testid="need-title">{n.title.clone()}</h1>
                            <div class="need-meta">
                                {status_badge(n.status, l)}
                                <span class="category">{category}</span>
                                <span class="hint">{date(n.created_at)}</span>
                            </div>
                            {d.merged_into.map(|m| view! {
                                <p class="card" role="status">{td_string!(l, needs_merged_into, id = m).to_string()}" "
                                    <A href=format!("/needs/{m}")>{td_string!(l, needs_view)}</A></p>
                            })}
                            <div class="support row">
                                <span class="supports" data-testid="need-supports">{td_string!(l, needs_supports, n = n.supports).to_string()}</span>
                                // A plain form post before the page is live (the server answers
                                // with the page again); the server-function call after.
                                {d.can_support.then(|| view! {
                                    <form class="works-early" method="post" action=SUPPORT_PATH
                                        on:submit=move |ev: leptos::ev::SubmitEvent| {
                                            ev.prevent_default();
                                            support.dispatch(SupportNeed { id: nid, on: !supported });
                                        }>
                                        <input type="hidden" name="id" value=nid/>
                                        <input type="hidden" name="on" value=if supported { "false" } else { "true" }/>
                                        <button type="submit" class=if supported { "button secondary" } else { "button" } data-testid="need-support"
                                            disabled=move || support.pending().get()>
                                            {if supported { td_string!(l, needs_withdraw) } else { td_string!(l, needs_support) }}
                                        </button>
                                    </form>
                                })}
                                {supported.then(|| view! { <span class="ok">{td_string!(l, needs_you_support)}</span> })}
                            </div>
                            {move || action_err(support.value().get(), l)}
                            {n.awaiting.then(|| view! { <p class="warn">{td_string!(l, needs_awaiting)}</p> })}
                            {(d.is_author && n.status == Status::Submitted).then(|| view! {
                                <p class="hint" data-testid="need-next">{td_string!(l, needs_submitted_next)}</p>
                            })}
                            <p class="need-body">{d.body.clone()}</p>
                            {(d.building.is_some() || d.place.is_some()).then(|| view! {
                                <p><strong>{td_string!(l, needs_place_label)}": "</strong>
                                    {d.building.clone().unwrap_or_default()}" "{d.place.clone().unwrap_or_default()}</p>
                            })}
                            {d.assisted.then(|| view! { <p class="hint">{td_string!(l, needs_assisted_mark, channel = channel).to_string()}</p> })}
                            <div class="photos">
                                {d.photos.iter().enumerate().map(|(i, url)| view! {
                                    <a href=url.clone()><img src=url.clone() alt=td_string!(l, needs_photo_alt, n = i + 1).to_string() loading="lazy"/></a>
                                }).collect_view()}
                            </div>
                            {d.answer.clone().map(|a| view! {
                                <section class="card answer" data-testid="need-answer">
                                    <h2>{td_string!(l, needs_answer)}</h2>
                                    <p>{a}</p>
                                </section>
                            })}
                            {(!d.updates.is_empty()).then(|| view! {
                                <section class="card">
                                    <h2>{td_string!(l, needs_timeline)}</h2>
                                    <ol class="timeline" data-testid="need-timeline">
                                        {d.updates.iter().map(|u| view! {
                                            <li>
                                                <span class="hint">{date(u.at)}</span>" "
                                                <strong>{action_name(u.action, l)}</strong>" → "{status_name(u.to, l)}
                                                {u.text.clone().map(|t| view! { <p>{t}</p> })}
                                            </li>
                                        }).collect_view()}
                                    </ol>
                                </section>
                            })}
                            {(d.is_author && n.status == Status::ChangesRequested).then(|| view! {
                                <Resubmit d=d.clone() ctx=ctx action=resubmit/>
                            })}
                            {(!d.surveys.is_empty()).then(|| view! {
                                <p class="card" data-testid="need-surveys">{td_string!(l, needs_in_surveys)}" "
                                    {d.surveys.clone().into_iter().map(|(sid, title)| view! { <A href=format!("/surveys/{sid}")>{title}</A>" " }).collect_view()}
                                </p>
                            })}
                            {d.project.clone().map(|(pid, title)| view! {
                                <p class="card" data-testid="need-project">{td_string!(l, needs_in_project)}" "<A href=format!("/projects/{pid}")>{title}</A></p>
                            })}
                            {(d.is_worker && d.project.is_none() && matches!(n.status, Status::Published | Status::UnderReview | Status::Accepted)).then(|| view! {
                                <p><A href=format!("/projects/new?need={nid}") attr:class="button secondary" attr:data-testid="need-to-project">{td_string!(l, pj_from_need)}</A></p>
                            })}
                            {d.is_worker.then(|| view! { <WorkerPanel id=nid status=n.status reasons=d.reasons.clone() act=act/> })}
                            <section class="card">
                                <h2>{td_string!(l, needs_comments)}</h2>
                                {d.comments.is_empty().then(|| view! { <p class="hint">{td_string!(l, needs_no_comments)}</p> })}
                                <ul class="comments">
                                    {d.comments.iter().map(|c| {
                                        let cid = c.id;
                                        let hidden = c.hidden;
                                        view! {
                                            <li class:hidden=hidden>
                                                <strong>{c.author.clone()}</strong>" "<span class="hint">{date(c.at)}</span>
                                                {hidden.then(|| view! { " " <span class="warn">{td_string!(l, needs_hidden_comment)}</span> })}
                                                <p>{c.body.clone()}</p>
                                                {if d.is_worker {
                                                    view! {
                                                        <button class="button secondary" on:click=move |_| { hide_comment.dispatch(SetCommentHidden { comment_id: cid, hidden: !hidden }); }>
                                                            {if hidden { td_string!(l, needs_show_comment) } else { td_string!(l, needs_hide_comment) }}
                                                        </button>
                                                    }.into_any()
                                                } else {
                                                    view! {
                                                        <button class="link" on:click=move |_| {
                                                            let reason = report_reason.get_untracked();
                                                            report.dispatch(ReportNeed { id: nid, comment_id: Some(cid), reason: if reason.trim().is_empty() { td_string!(l, needs_report_default).to_string() } else { reason } });
                                                        }>{td_string!(l, needs_report)}</button>
                                                    }.into_any()
                                                }}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                {d.can_support.then(|| view! {
                                    <form class="form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                        ev.prevent_default();
                                        comment.dispatch(CommentNeed { id: nid, body: comment_text.get_untracked() });
                                    }>
                                        <label for="need-comment">{td_string!(l, needs_comments)}</label>
                                        <textarea id="need-comment" rows="3" maxlength=super::model::COMMENT.max required bind:value=comment_text data-testid="need-comment"></textarea>
                                        {move || action_err(comment.value().get(), l)}
                                        <button type="submit" class="button secondary" disabled=move || comment.pending().get()>{td_string!(l, needs_comment_send)}</button>
                                    </form>
                                })}
                            </section>
                            {(!d.is_worker && !d.is_author).then(|| view! {
                                <details class="card report">
                                    <summary>{td_string!(l, needs_report)}</summary>
                                    <form class="form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                        ev.prevent_default();
                                        report.dispatch(ReportNeed { id: nid, comment_id: None, reason: report_reason.get_untracked() });
                                    }>
                                        <label for="report-reason">{td_string!(l, needs_report_reason)}</label>
                                        <input id="report-reason" type="text" maxlength=super::model::REASON.max required bind:value=report_reason/>
                                        <button type="submit" class="button secondary">{td_string!(l, needs_report_send)}</button>
                                    </form>
                                </details>
                            })}
                            {move || match report.value().get() {
                                Some(Ok(())) => Some(view! { <p class="ok" role="status">{td_string!(l, needs_reported)}</p> }.into_any()),
                                other => action_err(other, l),
                            }}
                        </article>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// The author edits a need sent back for changes and submits it again.
#[component]
fn Resubmit(d: NeedDetail, ctx: crate::ui::resource::Data<Result<NeedsContext, NeedError>>, action: ServerAction<ResubmitNeed>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let title = RwSignal::new(d.summary.title.clone());
    let body = RwSignal::new(d.body.clone());
    let place = RwSignal::new(d.place.clone().unwrap_or_default());
    let id = d.summary.id;
    let category_id = d.summary.category_id;
    let building_id = ctx.get_untracked().and_then(|c| c.ok()).and_then(|c| c.buildings.iter().find(|b| Some(&b.1) == d.building.as_ref()).map(|b| b.0));
    view! {
        <form class="form card" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            action.dispatch(ResubmitNeed { id, category_id, title: title.get_untracked(), body: body.get_untracked(), building_id, place: place.get_untracked() });
        }>
            <h2>{td_string!(l, needs_resubmit)}</h2>
            <label for="resubmit-title">{td_string!(l, needs_title_label)}</label>
            <input id="resubmit-title" type="text" maxlength=super::model::TITLE.max required bind:value=title/>
            <label for="resubmit-body">{td_string!(l, needs_body_label)}</label>
            <textarea id="resubmit-body" rows="5" maxlength=super::model::BODY.max required bind:value=body></textarea>
            <label for="resubmit-place">{td_string!(l, needs_place)}</label>
            <input id="resubmit-place" type="text" maxlength=super::model::PLACE.max bind:value=place/>
            {move || action_err(action.value().get(), l)}
            <button type="submit" class="button">{td_string!(l, needs_resubmit)}</button>
        </form>
    }
}

/// The worker's panel on a need: the steps the status machine allows from here, with the text.
#[component]
fn WorkerPanel(id: i64, status: Status, reasons: Vec<(i64, String)>, act: ServerAction<ActOnNeed>) -> impl IntoView {
    use super::model::{Actor, transition};
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let actions: Vec<Step> = Step::ALL.iter().copied().filter(|a| transition(status, *a, Actor::Worker, Some(Status::Published)).is_ok()).collect();
    // No step is chosen until the worker chooses one: typing an answer and pressing 确定 never
    // takes a step by default. Steps that turn a need away ask again.
    let action = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let merge_into = RwSignal::new(String::new());
    view! {
        <form class="form card worker-panel" data-testid="worker-panel" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let chosen = action.get_untracked();
            let Some(step) = Step::parse(&chosen) else { return };
            if matches!(step, Step::Reject | Step::Hide | Step::Merge) && !confirmed(&td_string!(l, needs_confirm_step, step = action_name(step, l)).to_string()) {
                return;
            }
            act.dispatch(ActOnNeed { id, action: chosen, text: text.get_untracked(), merge_into: merge_into.get_untracked().trim().parse().ok() });
        }>
            <h2>{td_string!(l, needs_moderate)}</h2>
            <label for="worker-action">{td_string!(l, needs_action)}</label>
            <select id="worker-action" data-testid="worker-action" required on:change=move |ev| action.set(event_target_value(&ev)) prop:value=move || action.get()>
                <option value="" disabled>{td_string!(l, needs_choose)}</option>
                {actions.iter().map(|a| view! { <option value=a.as_str()>{action_name(*a, l)}</option> }).collect_view()}
            </select>
            {(!reasons.is_empty()).then(|| view! {
                <label for="worker-reason">{td_string!(l, needs_reason_template)}</label>
                <select id="worker-reason" on:change=move |ev| text.set(event_target_value(&ev))>
                    <option value="">{td_string!(l, needs_choose)}</option>
                    {reasons.into_iter().map(|(_, r)| view! { <option value=r.clone()>{r.clone()}</option> }).collect_view()}
                </select>
            })}
            <label for="worker-text">{td_string!(l, needs_text)}</label>
            <textarea id="worker-text" rows="3" maxlength=super::model::ANSWER.max bind:value=text data-testid="worker-text"></textarea>
            {move || (action.get() == "merge").then(|| view! {
                <label for="worker-merge">{td_string!(l, needs_merge_into)}</label>
                <input id="worker-merge" type="text" inputmode="numeric" bind:value=merge_into/>
            })}
            {move || match act.value().get() {
                Some(Ok(s)) => Some(view! { <p class="ok" role="status">{td_string!(l, needs_done_ok, status = status_name(s, l)).to_string()}</p> }.into_any()),
                other => action_err(other, l),
            }}
            <button type="submit" class="button" data-testid="worker-submit" disabled=move || act.pending().get() || action.get().is_empty()>{td_string!(l, needs_do)}</button>
        </form>
    }
}

/// The browser's own "are you sure?" (always yes where there is no browser).
fn confirmed(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(question).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        true
    }
}
