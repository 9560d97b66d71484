//! Widgets every capability's screens use: a refusal as the user sees it, the result of an
//! action, a list of choices (radio buttons or check boxes).
use crate::i18n::{Locale, td_string};
use crate::kernel::error::Failure;
use leptos::prelude::*;
use leptos_router::components::A;

/// A refusal: the message in the reader's language, and the way to log in when that is what is
/// missing — coming back to this page afterwards.
pub fn error_view<E: Failure>(e: E, l: Locale) -> AnyView {
    let login = e.not_logged_in().then(|| {
        let here = leptos_router::hooks::use_location();
        let href = login_href(&format!("{}{}", here.pathname.get_untracked(), here.search.get_untracked()));
        view! { <A href=href attr:class="button" attr:data-testid="go-login">{td_string!(l, me_go_login)}</A> }
    });
    view! {
        <p class="error" role="alert">{e.message(l)}</p>
        {login}
    }
    .into_any()
}

/// A page's data that did not come: the refusal as `error_view` shows it and, for a failure that
/// may pass (no network, an overloaded server), a button that asks again (`retry`, a resource's
/// refetch): the page stays as it is meanwhile, nothing is reloaded.
pub fn load_error<E: Failure>(e: E, l: Locale, retry: impl Fn() + Send + Sync + 'static) -> AnyView {
    let again = e.may_pass().then(|| {
        view! { <button type="button" class="button secondary" data-testid="retry" on:click=move |_| retry()>{td_string!(l, retry)}</button> }
    });
    view! {
        {error_view(e, l)}
        {again}
    }
    .into_any()
}

/// How many times `action` has succeeded, to key a resource on: the page's data is fetched again
/// after an action that changed it, but not after one that failed (offline, refused), which would
/// replace the page with the same error the action shows beside its button.
pub fn successes<S>(action: ServerAction<S>) -> Memo<usize>
where
    S: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    Memo::new(move |prev: Option<&usize>| {
        let done = action.version().get();
        if action.value().with(|r| matches!(r, Some(Ok(_)))) { done } else { prev.copied().unwrap_or(done) }
    })
}

/// The login page, which comes back to `path` (a path of this site) once logged in.
pub fn login_href(path: &str) -> String {
    // `path` goes into a query parameter: everything but unreserved characters and `/` encoded.
    let mut q = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            q.push(char::from(b));
        } else {
            q.push_str(&format!("%{b:02X}"));
        }
    }
    format!("/login?next={q}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_way_back_is_encoded_into_the_login_link() {
        assert_eq!(super::login_href("/needs/new"), "/login?next=/needs/new");
        assert_eq!(super::login_href("/needs?mine=1&x=a b"), "/login?next=/needs%3Fmine%3D1%26x%3Da%20b");
    }
}

/// The refusal of a finished action, if it was refused.
pub fn action_err<T, E: Failure>(a: Option<Result<T, E>>, l: Locale) -> Option<AnyView> {
    a.and_then(|r| r.err()).map(|e| error_view(e, l))
}

/// One choice of a `ChoiceList`.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// What the list's signal holds when it is chosen.
    pub value: String,
    pub label: String,
    pub testid: String,
}

/// Choices as radio buttons (`multi` false: `selected` holds at most one value) or check boxes
/// (`selected` holds the ticked values, in the order of `choices`).
#[component]
pub fn ChoiceList(name: String, choices: Vec<Choice>, multi: bool, selected: RwSignal<Vec<String>>) -> impl IntoView {
    let order: Vec<String> = choices.iter().map(|c| c.value.clone()).collect();
    let order = StoredValue::new(order);
    choices
        .into_iter()
        .map(|c| {
            let (v1, v2) = (c.value.clone(), c.value);
            let toggle = move || {
                selected.update(|s| {
                    if !multi {
                        *s = vec![v2.clone()];
                    } else if let Some(p) = s.iter().position(|x| *x == v2) {
                        s.remove(p);
                    } else {
                        s.push(v2.clone());
                        order.with_value(|o| s.sort_by_key(|x| o.iter().position(|y| y == x)));
                    }
                })
            };
            view! {
                <label class="choice">
                    <input type=if multi { "checkbox" } else { "radio" } name=name.clone() value=v1.clone() data-testid=c.testid
                        prop:checked=move || selected.with(|s| s.contains(&v1)) on:change=move |_| toggle()/>
                    {c.label}
                </label>
            }
        })
        .collect_view()
}

/// The file-encoding choice and the download button of a CSV export form (`kernel::csv`): the form
/// is a plain GET, so it works before the page is live.
pub fn csv_download(l: Locale) -> impl IntoView {
    view! {
        <fieldset>
            <legend>{td_string!(l, act_export_encoding)}</legend>
            <label class="choice"><input type="radio" name="encoding" value="utf8" checked/>{td_string!(l, act_export_utf8)}</label>
            <label class="choice"><input type="radio" name="encoding" value="gbk"/>{td_string!(l, act_export_gbk)}</label>
        </fieldset>
        <button type="submit" class="button secondary" data-testid="export-download">{td_string!(l, act_export_download)}</button>
    }
}
