//! The community worker's screens: roster import with preview and per-line errors, the resident
//! list with search, verify / unverify, disable an account, confirm family members, start 代办.
use super::api::{
    DecideFamilyMember, DisableAccount, EndAssisted, ImportOutcome, ImportRoster, PreviewRoster, ResidentView, RowAction, SetVerified, StartAssisted,
    list_residents,
};
use super::error::AccountError;
use crate::i18n::{Locale, t, td_string, use_i18n};
use crate::ui::widgets::successes;
use leptos::prelude::*;
use leptos_meta::Title;

/// Reads the chosen file as base64 (the server decodes UTF-8 or GBK itself).
#[cfg(feature = "hydrate")]
async fn read_file_b64(input: web_sys::HtmlInputElement) -> Option<String> {
    use base64::Engine;
    let file = input.files()?.get(0)?;
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.ok()?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    Some(base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn action_label(a: RowAction, l: Locale) -> &'static str {
    match a {
        RowAction::Created => td_string!(l, roster_created),
        RowAction::Updated => td_string!(l, roster_updated),
        RowAction::Unchanged => td_string!(l, roster_unchanged),
    }
}

#[component]
fn ImportResult(outcome: ImportOutcome) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let summary = if outcome.committed {
        td_string!(locale, roster_imported_summary, good = outcome.rows.len(), bad = outcome.errors.len(), verified = outcome.newly_verified).to_string()
    } else {
        td_string!(locale, roster_preview_summary, good = outcome.rows.len(), bad = outcome.errors.len()).to_string()
    };
    view! {
        <div class="result" data-testid=if outcome.committed { "roster-imported" } else { "roster-preview" }>
            <p role="status"><strong>{summary}</strong></p>
            {(!outcome.errors.is_empty()).then(|| view! {
                <h3>{td_string!(locale, roster_bad_rows)}</h3>
                <ul class="errors" data-testid="roster-errors">
                    {outcome.errors.iter().map(|e| view! { <li class="error">{super::roster::describe(e, locale)}</li> }).collect_view()}
                </ul>
            })}
            <details>
                <summary>{td_string!(locale, roster_good_rows)}</summary>
                <ul>
                    {outcome.rows.iter().map(|r| view! {
                        <li>{td_string!(locale, roster_line, line = r.line).to_string()}" "{r.name.clone()}" — "{action_label(r.action, locale)}</li>
                    }).collect_view()}
                </ul>
            </details>
        </div>
    }
}

fn err_view(e: Option<AccountError>, locale: Locale) -> Option<AnyView> {
    e.map(|e| crate::ui::widgets::error_view(e, locale))
}

crate::ui::lazy_page!(
    /// The worker desk is loaded on demand (a separate WASM chunk with `cargo leptos --split`):
    /// residents never download it.
    WorkerRoute, WorkerPage
);

/// 社区工作台: the worker's page.
#[component]
pub fn WorkerPage() -> impl IntoView {
    let i18n = use_i18n();
    let file_input = NodeRef::<leptos::html::Input>::new();
    let file_b64 = RwSignal::new(None::<String>);
    let preview = ServerAction::<PreviewRoster>::new();
    let import = ServerAction::<ImportRoster>::new();
    let query = RwSignal::new(String::new());
    let verify = ServerAction::<SetVerified>::new();
    let disable = ServerAction::<DisableAccount>::new();
    let decide = ServerAction::<DecideFamilyMember>::new();
    let assist = ServerAction::<StartAssisted>::new();
    let end_assist = ServerAction::<EndAssisted>::new();
    let reason = RwSignal::new(String::new());
    let add_member = ServerAction::<super::api::AddFamilyMember>::new();
    let household_changed = (successes(assist), successes(end_assist), successes(add_member));
    let assisted_household = crate::ui::resource::resource(
        move || (household_changed.0.get(), household_changed.1.get(), household_changed.2.get()),
        |_| super::api::my_household(),
    );
    let roster_changed = (successes(import), successes(verify), successes(disable), successes(decide));
    let residents = crate::ui::resource::resource(
        move || (query.get(), roster_changed.0.get(), roster_changed.1.get(), roster_changed.2.get(), roster_changed.3.get()),
        |(q, ..)| list_residents(q),
    );

    let on_file = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(input) = file_input.get() {
            leptos::task::spawn_local(async move {
                let b64 = read_file_b64(input).await;
                file_b64.set(b64.clone());
                if let Some(file_b64) = b64 {
                    preview.dispatch(PreviewRoster { file_b64, community_id: None });
                }
            });
        }
    };
    let on_import = move |_| {
        if let Some(file_b64) = file_b64.get_untracked() {
            import.dispatch(ImportRoster { file_b64, community_id: None });
        }
    };
    let row_view = move |r: ResidentView| {
        let l = i18n.get_locale();
        let uid = r.user_id;
        let mid = r.member_id;
        view! {
            <li class="resident" data-testid="resident">
                <div>
                    <strong>{r.name.clone()}</strong>" · "{r.address.clone()}
                    {r.phone.clone().map(|p| view! { " · "{p} })}
                </div>
                <div class="row">
                    {r.pending.then(|| view! {
                        <span class="warn">{td_string!(l, worker_pending)}</span>
                        <button class="button secondary" data-testid="confirm-member" on:click=move |_| { decide.dispatch(DecideFamilyMember { member_id: mid, accept: true }); }>{td_string!(l, worker_confirm)}</button>
                        <button class="button secondary" on:click=move |_| { decide.dispatch(DecideFamilyMember { member_id: mid, accept: false }); }>{td_string!(l, worker_reject)}</button>
                    })}
                    {uid.map(|uid| {
                        let verified = r.verified;
                        view! {
                            {if verified {
                                view! { <span class="ok" data-testid="resident-verified">{td_string!(l, me_verified)}</span> }.into_any()
                            } else {
                                view! { <span class="warn">{td_string!(l, worker_unverified)}</span> }.into_any()
                            }}
                            {r.disabled.then(|| view! { <span class="warn">{td_string!(l, worker_disabled)}</span> })}
                            <button class="button secondary" on:click=move |_| { verify.dispatch(SetVerified { user_id: uid, verified: !verified, reason: reason.get_untracked() }); }>
                                {if verified { td_string!(l, worker_unverify) } else { td_string!(l, worker_verify) }}
                            </button>
                            <button class="button secondary" on:click=move |_| { disable.dispatch(DisableAccount { user_id: uid, reason: reason.get_untracked() }); }>{td_string!(l, worker_disable)}</button>
                            <button class="button secondary" data-testid="start-assisted" on:click=move |_| { assist.dispatch(StartAssisted { user_id: uid }); }>{td_string!(l, worker_assist)}</button>
                        }
                    })}
                </div>
            </li>
        }
    };
    let action_error = move || {
        let l = i18n.get_locale();
        [
            verify.value().get().and_then(|r| r.err()),
            disable.value().get().and_then(|r| r.err()),
            decide.value().get().and_then(|r| r.err()),
            assist.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
        .and_then(|e| err_view(Some(e), l))
    };
    view! {
        <Title text=move || td_string!(i18n.get_locale(), worker_title).to_string()/>
        <h1>{t!(i18n, worker_title)}</h1>
        {move || assist.value().get().and_then(|r| r.ok()).filter(|_| end_assist.value().get().is_none()).map(|_| view! {
            <p class="card" role="status" data-testid="assisted-banner">{t!(i18n, worker_assisting)}" "
                <button class="button secondary" on:click=move |_| { end_assist.dispatch(EndAssisted {}); }>{t!(i18n, worker_end_assist)}</button>
            </p>
            <section class="card"><super::pages::Family household=assisted_household add=add_member/></section>
        })}
        <section class="card form">
            <h2>{t!(i18n, worker_roster)}</h2>
            <p class="hint">{t!(i18n, worker_roster_hint)}</p>
            <label for="roster-file">{t!(i18n, worker_roster_file)}</label>
            <input id="roster-file" type="file" accept=".csv,text/csv" node_ref=file_input on:change=on_file data-testid="roster-file"/>
            {move || err_view(preview.value().get().and_then(|r| r.err()), i18n.get_locale())}
            {move || preview.value().get().and_then(|r| r.ok()).filter(|_| import.value().get().is_none()).map(|o| view! {
                <ImportResult outcome=o/>
                <button class="button" data-testid="roster-import" on:click=on_import disabled=move || import.pending().get()>{t!(i18n, worker_roster_import)}</button>
            })}
            {move || err_view(import.value().get().and_then(|r| r.err()), i18n.get_locale())}
            {move || import.value().get().and_then(|r| r.ok()).map(|o| view! { <ImportResult outcome=o/> })}
        </section>
        <section class="card form">
            <h2>{t!(i18n, worker_residents)}</h2>
            <label for="resident-search">{t!(i18n, worker_search)}</label>
            <input id="resident-search" type="search" maxlength=super::model::SEARCH.max bind:value=query data-testid="resident-search"/>
            <label for="action-reason">{t!(i18n, worker_reason)}</label>
            <input id="action-reason" type="text" maxlength=super::model::REASON.max bind:value=reason/>
            {action_error}
            <Suspense fallback=|| ()>
                {move || residents.get().map(|r| match r {
                    Ok(list) => view! { <ul class="residents">{list.into_iter().map(row_view).collect_view()}</ul> }.into_any(),
                    Err(e) => crate::ui::widgets::load_error(e, i18n.get_locale(), move || residents.refetch()),
                })}
            </Suspense>
        </section>
    }
}
