//! 需求工作台: the worker's queue of needs — new ones to moderate (publish, reject with a saved
//! reason, ask for changes), reported ones, unanswered ones (overdue first), reported comments —
//! the saved reasons and the community's rules.
use super::api::*;
use super::error::status_name;
use super::pages::NeedCard;
use crate::i18n::{Locale, t, td_string, use_i18n};
use crate::ui::widgets::{action_err as err, successes};
use leptos::prelude::*;
use leptos_meta::Title;

crate::ui::lazy_page!(QueueRoute, QueuePage);

#[component]
pub fn QueuePage() -> impl IntoView {
    let i18n = use_i18n();
    let act = ServerAction::<ActOnNeed>::new();
    let resolve = ServerAction::<ResolveReports>::new();
    let hide = ServerAction::<SetCommentHidden>::new();
    let reasons = ServerAction::<EditReasons>::new();
    let settings = ServerAction::<SetNeedSettings>::new();
    let ctx = crate::ui::resource::resource(|| (), |_| super::pages::fetch_overview(None));
    let changed = (successes(act), successes(resolve), successes(hide), successes(reasons), successes(settings));
    let queue = crate::ui::resource::resource(move || (changed.0.get(), changed.1.get(), changed.2.get(), changed.3.get(), changed.4.get()), |_| need_queue());
    let reason = RwSignal::new(String::new());
    let new_reason = RwSignal::new(String::new());
    let threshold = RwSignal::new(String::new());
    let days = RwSignal::new(String::new());
    let limit = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(q)) = queue.get() {
            threshold.set(q.settings.support_threshold.to_string());
            days.set(q.settings.answer_days.to_string());
            limit.set(q.settings.report_limit.to_string());
        }
    });
    let category = move |id: i64, l: Locale| {
        ctx.get().and_then(|c| c.ok()).and_then(|c| c.categories.iter().find(|k| k.id == id).map(|k| k.name(l).to_string())).unwrap_or_default()
    };
    let step = move |id: i64, action: &'static str| {
        act.dispatch(ActOnNeed { id, action: action.into(), text: reason.get_untracked(), merge_into: None });
    };
    view! {
        <Title text=move || td_string!(i18n.get_locale(), queue_title).to_string()/>
        <h1>{t!(i18n, queue_title)}</h1>
        {move || err(act.value().get(), i18n.get_locale())}
        {move || err(resolve.value().get(), i18n.get_locale())}
        {move || err(reasons.value().get(), i18n.get_locale())}
        <Suspense fallback=|| ()>
            {move || queue.get().map(|r| match r {
                Err(e) => crate::ui::widgets::load_error(e, i18n.get_locale(), move || queue.refetch()),
                Ok(q) => {
                    let l = i18n.get_locale();
                    let empty = move |v: bool| v.then(|| view! { <p class="hint">{td_string!(l, queue_empty)}</p> });
                    view! {
                        <section class="card" data-testid="queue-new">
                            <h2>{td_string!(l, queue_new)}" ("{q.new.len()}")"</h2>
                            <label for="queue-reason">{td_string!(l, needs_reason_template)}</label>
                            <select id="queue-reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                                <option value="">{td_string!(l, needs_choose)}</option>
                                {q.reasons.iter().map(|(_, r)| view! { <option value=r.clone()>{r.clone()}</option> }).collect_view()}
                            </select>
                            <label for="queue-text">{td_string!(l, needs_text)}</label>
                            <input id="queue-text" type="text" maxlength=super::model::ANSWER.max bind:value=reason/>
                            {empty(q.new.is_empty())}
                            <ul class="needs">
                                {q.new.into_iter().map(|n| {
                                    let id = n.id;
                                    let c = category(n.category_id, l);
                                    view! {
                                        <NeedCard n category=c>
                                        <div class="row">
                                            <button class="button" data-testid="queue-publish" on:click=move |_| step(id, "publish")>{td_string!(l, need_action_publish)}</button>
                                            <button class="button secondary" on:click=move |_| step(id, "reject")>{td_string!(l, need_action_reject)}</button>
                                            <button class="button secondary" on:click=move |_| step(id, "request_changes")>{td_string!(l, need_action_request_changes)}</button>
                                        </div>
                                        </NeedCard>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                        <section class="card" data-testid="queue-reported">
                            <h2>{td_string!(l, queue_reported)}" ("{q.reported.len()}")"</h2>
                            {empty(q.reported.is_empty())}
                            <ul class="needs">
                                {q.reported.into_iter().map(|n| {
                                    let id = n.id;
                                    let hidden = n.status == super::model::Status::Hidden;
                                    let c = category(n.category_id, l);
                                    view! {
                                        <NeedCard n category=c>
                                        <div class="row">
                                            {if hidden {
                                                view! { <button class="button" on:click=move |_| step(id, "restore")>{td_string!(l, need_action_restore)}</button> }.into_any()
                                            } else {
                                                view! { <button class="button" on:click=move |_| step(id, "hide")>{td_string!(l, need_action_hide)}</button> }.into_any()
                                            }}
                                            <button class="button secondary" on:click=move |_| { resolve.dispatch(ResolveReports { id, comment_id: None }); }>{td_string!(l, needs_resolve)}</button>
                                        </div>
                                        </NeedCard>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                        <section class="card" data-testid="queue-unanswered">
                            <h2>{td_string!(l, queue_unanswered)}" ("{q.unanswered.len()}")"</h2>
                            {empty(q.unanswered.is_empty())}
                            <ul class="needs">
                                {q.unanswered.into_iter().map(|n| {
                                    let c = category(n.category_id, l);
                                    view! { <NeedCard n category=c/> }
                                }).collect_view()}
                            </ul>
                        </section>
                        <section class="card">
                            <h2>{td_string!(l, queue_comments)}" ("{q.reported_comments.len()}")"</h2>
                            {empty(q.reported_comments.is_empty())}
                            <ul class="comments">
                                {q.reported_comments.into_iter().map(|rc| {
                                    let cid = rc.comment.id;
                                    let need = rc.need_id;
                                    let hidden = rc.comment.hidden;
                                    view! {
                                        <li>
                                            <a href=format!("/needs/{need}")>"#"{need}</a>" "<strong>{rc.comment.author.clone()}</strong>
                                            " "<span class="warn">{td_string!(l, needs_reports, n = rc.comment.reports).to_string()}</span>
                                            <p>{rc.comment.body.clone()}</p>
                                            <button class="button secondary" on:click=move |_| { hide.dispatch(SetCommentHidden { comment_id: cid, hidden: !hidden }); }>
                                                {if hidden { td_string!(l, needs_show_comment) } else { td_string!(l, needs_hide_comment) }}
                                            </button>
                                            <button class="button secondary" on:click=move |_| { resolve.dispatch(ResolveReports { id: need, comment_id: Some(cid) }); }>{td_string!(l, needs_resolve)}</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                        <section class="card form">
                            <h2>{td_string!(l, queue_reasons)}</h2>
                            <ul>
                                {q.reasons.into_iter().map(|(rid, text)| view! {
                                    <li>{text}" "
                                        <button class="button secondary" on:click=move |_| { reasons.dispatch(EditReasons { add: String::new(), delete: Some(rid) }); }>{td_string!(l, queue_reason_delete)}</button>
                                    </li>
                                }).collect_view()}
                            </ul>
                            <label for="new-reason">{td_string!(l, queue_reason_add)}</label>
                            <input id="new-reason" type="text" maxlength=super::model::REASON.max bind:value=new_reason/>
                            <button class="button secondary" on:click=move |_| {
                                reasons.dispatch(EditReasons { add: new_reason.get_untracked(), delete: None });
                                new_reason.set(String::new());
                            }>{td_string!(l, queue_reason_add)}</button>
                        </section>
                        <section class="card form">
                            <h2>{td_string!(l, queue_settings)}</h2>
                            <label for="set-threshold">{td_string!(l, queue_threshold)}</label>
                            <input id="set-threshold" type="text" inputmode="numeric" bind:value=threshold/>
                            <label for="set-days">{td_string!(l, queue_answer_days)}</label>
                            <input id="set-days" type="text" inputmode="numeric" bind:value=days/>
                            <label for="set-limit">{td_string!(l, queue_report_limit)}</label>
                            <input id="set-limit" type="text" inputmode="numeric" bind:value=limit/>
                            {move || match settings.value().get() {
                                Some(Ok(())) => Some(view! { <p class="ok" role="status">{td_string!(l, queue_saved)}</p> }.into_any()),
                                other => err(other, l),
                            }}
                            <button class="button" on:click=move |_| {
                                let n = |s: RwSignal<String>| s.get_untracked().trim().parse().unwrap_or(0);
                                settings.dispatch(SetNeedSettings { support_threshold: n(threshold), answer_days: n(days), report_limit: n(limit) });
                            }>{td_string!(l, queue_save)}</button>
                        </section>
                    }.into_any()
                }
            })}
        </Suspense>
        {move || act.value().get().and_then(|r| r.ok()).map(|s| view! {
            <p class="ok" role="status">{td_string!(i18n.get_locale(), needs_done_ok, status = status_name(s, i18n.get_locale())).to_string()}</p>
        })}
    }
}
