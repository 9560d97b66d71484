//! The records screen (`/records`): a worker's community, or a district admin's whole district —
//! where official records stand, dead letters to send again, the reconciliation with the
//! receiver, open-data links, and (district admins) the pull API's keys.
use super::api::*;
use super::model::KEY_NAME;
use super::types::*;
use crate::i18n::{Locale, t, td_string, use_i18n};
use crate::ui::widgets::{action_err, load_error, successes};
use leptos::prelude::*;
use leptos_meta::Title;

crate::ui::lazy_page!(RecordsRoute, RecordsPage);

/// Where a plain form (before the page is live) sends a redelivery.
pub const REDELIVER_PATH: &str = "/api/records/redeliver";

fn when(ms: i64) -> String {
    crate::time::ms_to_local(ms).replace('T', " ")
}

/// How long ago, in minutes, hours or days.
fn age(now: i64, then: i64, l: Locale) -> String {
    let minutes = ((now - then).max(0)) / 60_000;
    if minutes < 60 {
        td_string!(l, rec_minutes, n = minutes).to_string()
    } else if minutes < 48 * 60 {
        td_string!(l, rec_hours, n = minutes / 60).to_string()
    } else {
        td_string!(l, rec_days, n = minutes / 1440).to_string()
    }
}

#[component]
fn CountsLine(c: Counts, now: i64, l: Locale) -> impl IntoView {
    view! {
        <p class="row">
            <span data-testid="rec-pending">{td_string!(l, rec_pending, n = c.pending).to_string()}</span>
            <span class="ok" data-testid="rec-delivered">{td_string!(l, rec_delivered, n = c.delivered).to_string()}</span>
            <span class={if c.dead > 0 { "warn" } else { "" }} data-testid="rec-dead">{td_string!(l, rec_dead, n = c.dead).to_string()}</span>
        </p>
        {c.oldest_pending_at.map(|t| view! { <p class="hint" data-testid="rec-oldest">{td_string!(l, rec_oldest, age = age(now, t, l)).to_string()}</p> })}
    }
}

#[component]
pub fn RecordsPage() -> impl IntoView {
    let i18n = use_i18n();
    let redeliver = ServerAction::<RedeliverRecord>::new();
    let create = ServerAction::<CreateRecordsKey>::new();
    let revoke = ServerAction::<RevokeRecordsKey>::new();
    let reconcile = ServerAction::<ReconcileRecords>::new();
    let (d1, d2, d3) = (successes(redeliver), successes(create), successes(revoke));
    let data = crate::ui::resource::resource(move || (d1.get(), d2.get(), d3.get()), |_| records_overview(None));
    let key_name = RwSignal::new(String::new());
    view! {
        <Title text=move || td_string!(i18n.get_locale(), rec_title).to_string()/>
        <h1>{t!(i18n, rec_title)}</h1>
        <p class="hint">{t!(i18n, rec_intro)}</p>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(o) => {
                    let l = i18n.get_locale();
                    let now = o.now;
                    let many = o.communities.len() > 1;
                    view! {
                        <section class="card" data-testid="rec-totals">
                            <CountsLine c=o.totals.clone() now l/>
                        </section>
                        <h2>{td_string!(l, rec_communities)}</h2>
                        <ul class="cards">
                            {o.communities.iter().map(|c| {
                                let base = format!("/open-data/{}/{}/results", c.district_code, c.code);
                                let id = c.community_id;
                                view! {
                                    <li class="card" data-testid="rec-community">
                                        <h3>{c.name.clone()}</h3>
                                        {many.then(|| view! { <CountsLine c=c.counts.clone() now l/> })}
                                        <p class="row">
                                            <a href=format!("{base}?format=csv") download="">{td_string!(l, rec_open_csv)}</a>
                                            <a href=format!("{base}?format=json")>{td_string!(l, rec_open_json)}</a>
                                            {o.can_reconcile.then(|| view! {
                                                <button type="button" class="button secondary" data-testid="rec-reconcile"
                                                    disabled=move || reconcile.pending().get()
                                                    on:click=move |_| { reconcile.dispatch(ReconcileRecords { community_id: Some(id) }); }>
                                                    {td_string!(l, rec_reconcile)}
                                                </button>
                                            })}
                                        </p>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {move || reconcile.value().get().map(|r| match r {
                            Err(e) => crate::ui::widgets::error_view(e, l).into_any(),
                            Ok(r) => {
                                let clean = r.missing.is_empty() && r.extra.is_empty() && r.out_of_order.is_empty();
                                let list = |v: Vec<String>| if v.is_empty() { "—".to_string() } else { v.join("、") };
                                view! {
                                    <section class="card" data-testid="rec-reconciliation">
                                        <h3>{td_string!(l, rec_reconciliation, community = r.community.clone()).to_string()}</h3>
                                        <p>{td_string!(l, rec_reconcile_counts, received = r.received, delivered = r.delivered).to_string()}</p>
                                        <p class={if clean { "ok" } else { "warn" }}>{if clean { td_string!(l, rec_reconcile_clean) } else { td_string!(l, rec_reconcile_problems) }}</p>
                                        <dl class="facts">
                                            <dt>{td_string!(l, rec_missing)}</dt><dd data-testid="rec-missing">{list(r.missing.iter().map(i64::to_string).collect())}</dd>
                                            <dt>{td_string!(l, rec_extra)}</dt><dd data-testid="rec-extra">{list(r.extra.clone())}</dd>
                                            <dt>{td_string!(l, rec_out_of_order)}</dt><dd data-testid="rec-out-of-order">{list(r.out_of_order.iter().map(i64::to_string).collect())}</dd>
                                        </dl>
                                    </section>
                                }.into_any()
                            }
                        })}
                        <h2>{td_string!(l, rec_dead_letters)}</h2>
                        {o.dead.is_empty().then(|| view! { <p class="hint">{td_string!(l, rec_no_dead)}</p> })}
                        <ul class="cards">
                            {o.dead.iter().map(|d| {
                                let id = d.event_id;
                                view! {
                                    <li class="card" data-testid="rec-dead-letter">
                                        <p><strong>{d.community.clone()}" #"{d.seq}</strong>" · "{d.kind.clone()}" · "{when(d.created_at)}</p>
                                        <p class="warn">{td_string!(l, rec_last_error, attempts = d.attempts, error = d.last_error.clone().unwrap_or_default()).to_string()}</p>
                                        <form class="works-early" method="post" action=REDELIVER_PATH
                                            on:submit=move |ev: leptos::ev::SubmitEvent| {
                                                ev.prevent_default();
                                                redeliver.dispatch(RedeliverRecord { event_id: id });
                                            }>
                                            <input type="hidden" name="event_id" value=id/>
                                            <button type="submit" class="button" data-testid="rec-redeliver" disabled=move || redeliver.pending().get()>{td_string!(l, rec_redeliver)}</button>
                                        </form>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {move || action_err(redeliver.value().get(), l)}
                        {o.keys.clone().map(|keys| view! {
                            <h2>{td_string!(l, rec_keys)}</h2>
                            <p class="hint">{td_string!(l, rec_keys_intro)}</p>
                            <ul class="cards">
                                {keys.into_iter().map(|k| {
                                    let id = k.id;
                                    view! {
                                        <li class="card" data-testid="rec-key">
                                            <p><strong>{k.name.clone()}</strong>" · "<code>{k.prefix.clone()}"…"</code>" · "{when(k.created_at)}</p>
                                            {match k.revoked_at {
                                                Some(t) => view! { <p class="hint">{td_string!(l, rec_key_revoked, at = when(t)).to_string()}</p> }.into_any(),
                                                None => view! {
                                                    <button type="button" class="button secondary" data-testid="rec-revoke"
                                                        disabled=move || revoke.pending().get()
                                                        on:click=move |_| { revoke.dispatch(RevokeRecordsKey { key_id: id }); }>
                                                        {td_string!(l, rec_revoke)}
                                                    </button>
                                                }.into_any(),
                                            }}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            <form class="row" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                ev.prevent_default();
                                create.dispatch(CreateRecordsKey { name: key_name.get_untracked() });
                            }>
                                <label>{td_string!(l, rec_key_name)}
                                    <input type="text" maxlength=KEY_NAME.max required bind:value=key_name data-testid="rec-key-name"/>
                                </label>
                                <button type="submit" class="button" data-testid="rec-create-key" disabled=move || create.pending().get()>{td_string!(l, rec_create_key)}</button>
                            </form>
                            {move || create.value().get().map(|r| match r {
                                Err(e) => crate::ui::widgets::error_view(e, l).into_any(),
                                Ok(k) => view! {
                                    <section class="card" data-testid="rec-new-key">
                                        <p class="warn">{td_string!(l, rec_key_once)}</p>
                                        <p><code class="secret" data-testid="rec-secret">{k.secret}</code></p>
                                    </section>
                                }.into_any(),
                            })}
                            {move || action_err(revoke.value().get(), l)}
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_plain_form_path_is_the_server_functions() {
        assert_eq!(super::REDELIVER_PATH, <super::RedeliverRecord as leptos::server_fn::ServerFn>::PATH);
    }
}
