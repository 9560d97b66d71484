//! The screens of accounts: log in (phone + code), and the account part of 我的.
use super::api::{AccountView, AddFamilyMember, Logout, LogoutEverywhere, RequestCode, VerifyCode, my_account, my_household};
use super::error::AccountError;
use super::model::Role;
use crate::i18n::{Locale, t, td_string, use_i18n};
use crate::kernel::error::Failure as _;
use crate::ui::widgets::successes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

fn error_text<T>(result: Option<Result<T, AccountError>>, locale: Locale) -> Option<String> {
    result.and_then(|r| r.err()).map(|e| e.message(locale))
}

crate::ui::lazy_page!(
    /// The login page is loaded on demand (its own WASM chunk with `cargo leptos --split`).
    LoginRoute, LoginPage
);

/// 登录: ask for a code, type it, in.
#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let phone = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let send = ServerAction::<RequestCode>::new();
    let login = ServerAction::<VerifyCode>::new();
    let cooldown = RwSignal::new(0i64);
    let sent_to = RwSignal::new(None::<String>);

    Effect::new(move |_| {
        if let Some(Ok(secs)) = send.value().get() {
            let typed = phone.get_untracked();
            sent_to.set(Some(super::model::normalize_phone(&typed).unwrap_or(typed)));
            cooldown.set(secs);
            #[cfg(feature = "hydrate")]
            {
                let handle = std::rc::Rc::new(std::cell::Cell::new(None::<IntervalHandle>));
                let h = handle.clone();
                if let Ok(interval) = set_interval_with_handle(
                    move || {
                        // The page may be gone (logged in and navigated away): then stop.
                        let left = cooldown.try_update(|c| {
                            *c = (*c - 1).max(0);
                            *c
                        });
                        if left.unwrap_or(0) == 0
                            && let Some(i) = h.take()
                        {
                            i.clear();
                        }
                    },
                    std::time::Duration::from_secs(1),
                ) {
                    handle.set(Some(interval));
                }
            }
        }
    });
    // Where the resident was going (`?next=`, set by the "log in" links), a path of this site only.
    let next = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("next")).map(|n| crate::ui::prefs::safe_back_path(&n).to_string());
    let next = next.filter(|n| n != "/" && !n.starts_with("/login")).unwrap_or_else(|| "/me".to_string());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = login.value().get() {
            navigate(&next, Default::default());
        }
    });

    let on_send = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        send.dispatch(RequestCode { phone: phone.get_untracked() });
    };
    let on_login = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        login.dispatch(VerifyCode { phone: phone.get_untracked(), code: code.get_untracked() });
    };
    let send_label = move || {
        let secs = cooldown.get();
        if secs > 0 {
            td_string!(i18n.get_locale(), login_resend_in, secs = secs).to_string()
        } else {
            td_string!(i18n.get_locale(), login_send_code).to_string()
        }
    };
    let error = move || {
        let l = i18n.get_locale();
        error_text(login.value().get(), l).or_else(|| error_text(send.value().get(), l))
    };
    view! {
        <Title text=move || td_string!(i18n.get_locale(), login_title).to_string()/>
        <h1>{t!(i18n, login_title)}</h1>
        <p>{t!(i18n, login_intro)}</p>
        <form class="card form" on:submit=on_login>
            <label for="login-phone">{t!(i18n, login_phone)}</label>
            <div class="row">
                <input id="login-phone" name="phone" type="tel" inputmode="numeric" autocomplete="tel"
                    maxlength=super::model::PHONE_INPUT_MAX required bind:value=phone data-testid="login-phone"/>
                <button type="button" class="button secondary" on:click=on_send data-testid="send-code"
                    disabled=move || { cooldown.get() > 0 || send.pending().get() }>
                    {send_label}
                </button>
            </div>
            {move || sent_to.get().map(|p| view! {
                <p class="hint" role="status">{td_string!(i18n.get_locale(), login_code_sent, phone = p).to_string()}</p>
            })}
            <label for="login-code">{t!(i18n, login_code)}</label>
            <input id="login-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                maxlength=super::model::CODE_INPUT_MAX required bind:value=code data-testid="login-code"/>
            {move || error().map(|e| view! { <p class="error" role="alert" data-testid="login-error">{e}</p> })}
            <button type="submit" class="button" data-testid="login-submit" disabled=move || login.pending().get()>
                {t!(i18n, login_submit)}
            </button>
        </form>
    }
}

fn role_label(role: Role, locale: Locale) -> &'static str {
    match role {
        Role::Resident => td_string!(locale, role_resident),
        Role::Volunteer => td_string!(locale, role_volunteer),
        Role::Worker => td_string!(locale, role_worker),
        Role::DistrictAdmin => td_string!(locale, role_district_admin),
    }
}

/// The account part of 我的: who is logged in, their roles and verification, log out.
#[component]
pub fn AccountPanel() -> impl IntoView {
    let i18n = use_i18n();
    let account = crate::ui::resource::resource(|| (), |_| my_account());
    // Created here, not inside the Suspense below, so that server and browser create the same
    // resources in the same order (hydration of lazily loaded routes depends on it).
    let add_member = ServerAction::<AddFamilyMember>::new();
    let added = successes(add_member);
    let household = crate::ui::resource::resource(move || added.get(), |_| my_household());
    let logout = ServerAction::<Logout>::new();
    let logout_all = ServerAction::<LogoutEverywhere>::new();
    Effect::new(move |_| {
        if logout.value().get().is_some() || logout_all.value().get().is_some() {
            account.refetch();
        }
    });
    let show = move |a: Option<AccountView>| match a {
        None => view! {
            <section class="card" data-testid="account-anonymous">
                <p>{t!(i18n, me_login_prompt)}</p>
                <A href="/login" attr:class="button">{t!(i18n, me_go_login)}</A>
            </section>
        }
        .into_any(),
        Some(a) => {
            let l = i18n.get_locale();
            let en = l == Locale::en;
            let roles = a.memberships.clone();
            let no_roles = roles.is_empty();
            let verified_resident = roles.iter().any(|m| m.role == Role::Resident && m.verified);
            let is_worker = roles.iter().any(|m| matches!(m.role, Role::Worker | Role::DistrictAdmin));
            view! {
                <section class="card" data-testid="account">
                    <p>{td_string!(l, login_logged_in_as, phone = a.phone.clone()).to_string()}</p>
                    <h2>{t!(i18n, me_roles)}</h2>
                    {no_roles.then(|| view! { <p class="hint" data-testid="no-membership">{t!(i18n, me_no_membership)}</p> })}
                    <ul class="memberships">
                        {roles.into_iter().map(|m| {
                            let place = if en { m.community_en.clone() } else { m.community_zh.clone() }.unwrap_or_default();
                            let status = if m.role == Role::Resident {
                                Some(if m.verified {
                                    view! { <span class="ok" data-testid="verified">{td_string!(l, me_verified)}</span> }.into_any()
                                } else {
                                    view! { <span class="warn" data-testid="unverified">{td_string!(l, me_unverified)}</span> }.into_any()
                                })
                            } else { None };
                            view! { <li><strong>{role_label(m.role, l)}</strong>" · "{place}" "{status}</li> }
                        }).collect_view()}
                    </ul>
                    {is_worker.then(|| view! {
                        <div class="row">
                            <A href="/worker" attr:class="button">{t!(i18n, worker_title)}</A>
                            <A href="/worker/needs" attr:class="button" attr:data-testid="worker-needs-link">{t!(i18n, worker_needs_link)}</A>
                            <A href="/records" attr:class="button secondary" attr:data-testid="worker-records-link">{t!(i18n, worker_records_link)}</A>
                        </div>
                    })}
                    {verified_resident.then(|| view! { <Family household add=add_member/> })}
                    <div class="row">
                        <button class="button secondary" data-testid="logout" on:click=move |_| { logout.dispatch(Logout {}); }>
                            {t!(i18n, me_logout)}
                        </button>
                        <button class="button secondary" data-testid="logout-all" on:click=move |_| { logout_all.dispatch(LogoutEverywhere {}); }>
                            {t!(i18n, me_logout_all)}
                        </button>
                    </div>
                </section>
            }
            .into_any()
        }
    };
    view! {
        <Suspense fallback=|| ()>
            {move || account.get().map(|r| match r {
                Ok(a) => show(a),
                Err(e) => crate::ui::widgets::load_error(e, i18n.get_locale(), move || {
                    account.refetch();
                    household.refetch();
                }),
            })}
        </Suspense>
    }
}

/// The resident's household and the form to add a family member (confirmed by a worker).
#[component]
pub fn Family(household: crate::ui::resource::Data<Result<Vec<super::api::FamilyMember>, AccountError>>, add: ServerAction<AddFamilyMember>) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let birth_year = RwSignal::new(String::new());
    let relationship = RwSignal::new(String::new());
    let on_add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let year = birth_year.get_untracked().trim().parse::<i64>().ok();
        add.dispatch(AddFamilyMember { name: name.get_untracked(), birth_year: year, relationship: relationship.get_untracked() });
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            name.set(String::new());
            birth_year.set(String::new());
            relationship.set(String::new());
        }
    });
    view! {
        <h2>{t!(i18n, family_title)}</h2>
        <Suspense fallback=|| ()>
            {move || household.get().map(|r| match r {
                Ok(members) => view! {
                    <ul class="family" data-testid="family">
                        {members.into_iter().map(|m| {
                            let l = i18n.get_locale();
                            view! {
                                <li>
                                    {m.name.clone()}
                                    {(!m.relationship.is_empty()).then(|| format!("（{}）", m.relationship))}
                                    {m.birth_year.map(|y| format!(" {y}"))}
                                    " "
                                    {if m.pending {
                                        view! { <span class="warn" data-testid="member-pending">{td_string!(l, family_pending)}</span> }.into_any()
                                    } else {
                                        view! { <span class="ok">{td_string!(l, family_confirmed)}</span> }.into_any()
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => crate::ui::widgets::load_error(e, i18n.get_locale(), move || household.refetch()),
            })}
        </Suspense>
        <form class="form" on:submit=on_add>
            <h3>{t!(i18n, family_add)}</h3>
            <label for="family-name">{t!(i18n, family_name)}</label>
            <input id="family-name" type="text" maxlength=super::model::MEMBER_NAME.max required bind:value=name data-testid="family-name"/>
            <label for="family-relationship">{t!(i18n, family_relationship)}</label>
            <input id="family-relationship" type="text" maxlength=super::model::RELATIONSHIP.max required bind:value=relationship data-testid="family-relationship"/>
            <label for="family-birth-year">{t!(i18n, family_birth_year)}</label>
            <input id="family-birth-year" type="text" inputmode="numeric" maxlength=super::model::YEAR_INPUT_MAX bind:value=birth_year data-testid="family-birth-year"/>
            {move || error_text(add.value().get(), i18n.get_locale()).map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit" class="button" data-testid="family-submit" disabled=move || add.pending().get()>{t!(i18n, family_add)}</button>
        </form>
    }
}
