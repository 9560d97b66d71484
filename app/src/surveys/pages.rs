//! The screens of surveys (调研): the list of the community's surveys, a survey's page (answered
//! one question per screen, large stars; changeable until the close), its results (SVG bars,
//! the acceptance rule's checks), and the worker's builder and paper desk (keying paper forms,
//! double entry and its disputes, closing). Each is its own WASM chunk.
use super::api::*;
use super::model::*;
use super::types::*;
use crate::i18n::{Locale, t, td_string, use_i18n};
use crate::kernel::electorate::VoteUnit;
use crate::time::{client_now, local_to_ms, ms_to_local};
use crate::ui::widgets::{action_err, load_error, successes};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

crate::ui::lazy_page!(
    /// 调研: the community's surveys.
    SurveysRoute,
    SurveysPage
);
crate::ui::lazy_page!(SurveyRoute, SurveyPage);
crate::ui::lazy_page!(ResultsRoute, ResultsPage);
crate::ui::lazy_page!(NewSurveyRoute, NewSurveyPage);
crate::ui::lazy_page!(DeskRoute, DeskPage);

fn id_param() -> impl Fn() -> i64 + Copy {
    let params = use_params_map();
    move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0))
}

fn when(ms: i64) -> String {
    ms_to_local(ms).replace('T', " ")
}

fn purpose_name(p: Purpose, l: Locale) -> &'static str {
    match p {
        Purpose::Research => td_string!(l, sv_purpose_research),
        Purpose::Satisfaction => td_string!(l, sv_purpose_satisfaction),
        Purpose::Acceptance => td_string!(l, sv_purpose_acceptance),
    }
}

/// `12.5%` from a share in tenths of a percent.
fn pct(permille: i64) -> String {
    format!("{}.{}%", permille / 10, permille % 10)
}

/// `4.25` from hundredths.
fn centi(v: i64) -> String {
    format!("{}.{:02}", v / 100, v % 100)
}

// ---------------------------------------------------------------------------------------------
// The list

fn card_view(c: SurveyCard, l: Locale) -> impl IntoView {
    let href = if c.phase == SurveyPhase::Closed { format!("/surveys/{}/results", c.id) } else { format!("/surveys/{}", c.id) };
    let state = match (c.phase, c.answered) {
        (SurveyPhase::Scheduled, _) => td_string!(l, sv_opens_at, at = when(c.opens_at)).to_string(),
        (SurveyPhase::Open, Some(true)) => td_string!(l, sv_answered_until, at = when(c.closes_at)).to_string(),
        (SurveyPhase::Open, _) => td_string!(l, sv_closes_at, at = when(c.closes_at)).to_string(),
        (SurveyPhase::Closed, _) => td_string!(l, sv_closed_at, at = when(c.closes_at)).to_string(),
    };
    let todo = c.phase == SurveyPhase::Open && c.answered == Some(false);
    view! {
        <li class="card survey" data-testid="survey-card">
            <h3><A href=href>{c.title.clone()}</A></h3>
            <p class="meta">{purpose_name(c.purpose, l)}</p>
            <p class=if todo { "status status-wait" } else { "hint" } data-testid="survey-state">
                {todo.then(|| format!("{} · ", td_string!(l, sv_to_answer)))}{state}
            </p>
        </li>
    }
}

fn section(title: &'static str, cards: Vec<SurveyCard>, testid: &'static str, l: Locale) -> impl IntoView {
    (!cards.is_empty()).then(|| {
        view! {
            <section data-testid=testid>
                <h2>{title}</h2>
                <ul class="plain cards">{cards.into_iter().map(|c| card_view(c, l)).collect_view()}</ul>
            </section>
        }
    })
}

#[component]
pub fn SurveysPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = crate::ui::resource::resource(|| (), |_| list_surveys(None));
    view! {
        <Title text=move || td_string!(i18n.get_locale(), sv_title).to_string()/>
        <h1>{t!(i18n, sv_title)}</h1>
        <p>{t!(i18n, sv_intro)}</p>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(list) => {
                    let l = i18n.get_locale();
                    let empty = list.open.is_empty() && list.closed.is_empty() && list.scheduled.is_empty();
                    view! {
                        {list.is_worker.then(|| view! {
                            <p class="row"><A href="/surveys/new" attr:class="button secondary" attr:data-testid="survey-new">{td_string!(l, sv_new)}</A></p>
                        })}
                        {empty.then(|| view! { <p class="hint">{td_string!(l, sv_none)}</p> })}
                        {section(td_string!(l, sv_open_now), list.open, "surveys-open", l)}
                        {section(td_string!(l, sv_scheduled), list.scheduled, "surveys-scheduled", l)}
                        {section(td_string!(l, sv_closed), list.closed, "surveys-closed", l)}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------------------------
// Answering: one question per screen

/// The answer sheet as a form holds it: one answer per question, skipped until given.
fn blank(questions: &[Question]) -> Vec<Answer> {
    vec![Answer::Skipped; questions.len()]
}

/// The input of question `i` of `answers` (radio buttons, check boxes, five large star buttons,
/// a text box); `key` prefixes the ids so that several sheets can share a page.
#[component]
fn QuestionInput(q: Question, i: usize, answers: RwSignal<Vec<Answer>>, #[prop(into)] key: String) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let name = format!("{key}-q{i}");
    let current = move || answers.with(|a| a.get(i).cloned().unwrap_or(Answer::Skipped));
    let set = move |a: Answer| {
        answers.update(|s| {
            if let Some(x) = s.get_mut(i) {
                *x = a
            }
        })
    };
    let hint = match q.kind {
        QuestionKind::Multi => Some(td_string!(l, sv_choose_up_to, max = q.max_choices).to_string()),
        _ => None,
    };
    let optional = (!q.required).then(|| td_string!(l, sv_optional));
    let input = match q.kind {
        QuestionKind::Single | QuestionKind::Multi => {
            let multi = q.kind == QuestionKind::Multi;
            q.options
                .iter()
                .enumerate()
                .map(|(o, label)| {
                    let o = o as u32;
                    let checked = move || matches!(current(), Answer::Choice(c) if c.contains(&o));
                    let toggle = move |_| {
                        let mut c = match current() {
                            Answer::Choice(c) => c,
                            _ => Vec::new(),
                        };
                        if !multi {
                            c = vec![o];
                        } else if let Some(p) = c.iter().position(|x| *x == o) {
                            c.remove(p);
                        } else {
                            c.push(o);
                            c.sort_unstable();
                        }
                        set(if c.is_empty() { Answer::Skipped } else { Answer::Choice(c) });
                    };
                    view! {
                        <label class="choice">
                            <input type=if multi { "checkbox" } else { "radio" } name=name.clone() value=o
                                data-testid=format!("{key}-q{i}-o{o}") prop:checked=checked on:change=toggle/>
                            {label.clone()}
                        </label>
                    }
                })
                .collect_view()
                .into_any()
        }
        QuestionKind::Stars => view! {
            <div class="stars" role="radiogroup" aria-label=q.prompt.clone()>
                {(1u8..=5).map(|s| {
                    let on = move || matches!(current(), Answer::Stars(n) if n >= s);
                    let chosen = move || matches!(current(), Answer::Stars(n) if n == s);
                    view! {
                        <button type="button" class="star" role="radio" aria-checked=move || chosen().to_string()
                            aria-label=td_string!(l, sv_stars_n, n = s).to_string() data-testid=format!("{key}-q{i}-s{s}")
                            class:on=on on:click=move |_| set(Answer::Stars(s))>"★"</button>
                    }
                }).collect_view()}
                <span class="stars-text" aria-hidden="true">{move || match current() {
                    Answer::Stars(n) => td_string!(l, sv_stars_n, n = n).to_string(),
                    _ => String::new(),
                }}</span>
            </div>
        }
        .into_any(),
        QuestionKind::Text => view! {
            <textarea id=name.clone() rows="4" maxlength=TEXT_ANSWER.max data-testid=format!("{key}-q{i}-text") aria-label=q.prompt.clone()
                prop:value=move || match current() { Answer::Text(t) => t, _ => String::new() }
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    set(if v.trim().is_empty() { Answer::Skipped } else { Answer::Text(v) });
                }></textarea>
        }
        .into_any(),
    };
    view! {
        <fieldset class="question" data-testid=format!("{key}-q{i}")>
            <legend>{format!("{}. {}", i + 1, q.prompt)}{optional.map(|o| view! { " " <span class="hint">{o}</span> })}</legend>
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            {input}
        </fieldset>
    }
}

/// The first question (from 0) a sheet leaves unanswered although it is required.
fn missing(questions: &[Question], answers: &[Answer], upto: usize) -> Option<usize> {
    questions.iter().zip(answers).take(upto + 1).position(|(q, a)| q.required && *a == Answer::Skipped)
}

#[component]
pub fn SurveyPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let answer = ServerAction::<AnswerSurvey>::new();
    let close = ServerAction::<CloseSurvey>::new();
    let (answered, closed) = (successes(answer), successes(close));
    let data = crate::ui::resource::resource(move || (id(), answered.get(), closed.get()), |(id, ..)| get_survey(id));
    view! {
        <p><A href="/surveys">{t!(i18n, sv_back)}</A></p>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(s) => view! { <Survey s=s answer=answer close=close/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Survey(s: SurveyView, answer: ServerAction<AnswerSurvey>, close: ServerAction<CloseSurvey>) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let sid = s.id;
    let count = s.questions.len();
    let questions = StoredValue::new(s.questions.clone());
    let answers = RwSignal::new(s.mine.clone().filter(|m| m.len() == count).unwrap_or_else(|| blank(&s.questions)));
    let step = RwSignal::new(0usize);
    // A required question left empty, as the form says before asking the server.
    let unanswered: RwSignal<Option<usize>> = RwSignal::new(None);
    let editing = RwSignal::new(s.mine.is_none());
    let next = move |_| {
        let at = step.get_untracked();
        let m = answers.with_untracked(|a| questions.with_value(|q| missing(q, a, at)));
        unanswered.set(m);
        if m.is_none() && at + 1 < count {
            step.set(at + 1);
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let m = answers.with_untracked(|a| questions.with_value(|q| missing(q, a, count)));
        unanswered.set(m);
        if let Some(q) = m {
            step.set(q);
            return;
        }
        let sheet = answers.with_untracked(|a| serde_json::to_string(a).unwrap_or_default());
        answer.dispatch(AnswerSurvey { id: sid, answers: sheet });
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = answer.value().get() {
            editing.set(false);
            step.set(0);
        }
    });
    let unit_note = match s.unit {
        VoteUnit::Household => td_string!(l, sv_per_household),
        _ => td_string!(l, sv_per_person),
    };
    let window = match s.phase {
        SurveyPhase::Scheduled => td_string!(l, sv_opens_at, at = when(s.opens_at)).to_string(),
        SurveyPhase::Open => td_string!(l, sv_closes_at, at = when(s.closes_at)).to_string(),
        SurveyPhase::Closed => td_string!(l, sv_closed_at, at = when(s.closes_at)).to_string(),
    };
    let may = s.can_answer;
    let had_answer = s.mine.is_some();
    let reason = (!may).then(|| match s.phase {
        SurveyPhase::Scheduled => td_string!(l, sv_err_not_open),
        SurveyPhase::Closed => td_string!(l, sv_closed_note),
        SurveyPhase::Open if s.electorate_size.is_some() => td_string!(l, sv_err_not_eligible),
        SurveyPhase::Open => td_string!(l, sv_err_not_open),
    });
    view! {
        <Title text=s.title.clone()/>
        <article data-testid="survey-page">
            <h1>{s.title.clone()}</h1>
            <p class="meta">{purpose_name(s.purpose, l)}" · "{window}</p>
            {(!s.intro.is_empty()).then(|| view! { <p class="need-body">{s.intro.clone()}</p> })}
            <p class="hint">{unit_note}{s.anonymous.then(|| format!(" {}", td_string!(l, sv_anonymous_note)))}</p>
            {(!s.needs.is_empty()).then(|| view! {
                <section class="card" data-testid="survey-needs">
                    <h2>{td_string!(l, sv_needs)}</h2>
                    <ul>{s.needs.clone().into_iter().map(|(id, title)| view! { <li><A href=format!("/needs/{id}")>{title}</A></li> }).collect_view()}</ul>
                </section>
            })}
            {reason.map(|r| view! { <p class="status status-wait" data-testid="survey-why-not">{r}</p> })}
            {(s.phase == SurveyPhase::Closed).then(|| view! {
                <p><A href=format!("/surveys/{sid}/results") attr:class="button" attr:data-testid="survey-results-link">{td_string!(l, sv_results)}</A></p>
            })}
            {may.then(|| view! {
                {move || (!editing.get()).then(|| view! {
                    <section class="card" data-testid="survey-done">
                        <p class="status status-ok">{if had_answer || answer.value().with(|v| matches!(v, Some(Ok(_)))) { td_string!(l, sv_thanks) } else { "" }}</p>
                        <p class="hint">{td_string!(l, sv_change_until, at = when(s.closes_at)).to_string()}</p>
                        <button type="button" class="button secondary" data-testid="survey-change" on:click=move |_| editing.set(true)>{td_string!(l, sv_change)}</button>
                    </section>
                })}
                {move || editing.get().then(|| view! {
                    <form class="card survey-sheet" data-testid="survey-form" on:submit=on_submit>
                        <p class="hint" data-testid="survey-step">{move || td_string!(l, sv_step, n = step.get() + 1, total = count).to_string()}</p>
                        <progress max=count value=move || step.get() + 1 aria-hidden="true"></progress>
                        {move || {
                            let i = step.get();
                            questions.with_value(|qs| qs.get(i).cloned()).map(|q| view! { <QuestionInput q=q i=i answers=answers key="a"/> })
                        }}
                        {move || unanswered.get().map(|q| view! { <p class="error" role="alert">{td_string!(l, sv_err_required, n = q + 1).to_string()}</p> })}
                        <div class="row">
                            {move || (step.get() > 0).then(|| view! {
                                <button type="button" class="button secondary" data-testid="survey-prev"
                                    on:click=move |_| { unanswered.set(None); step.update(|s| *s = s.saturating_sub(1)); }>{td_string!(l, sv_prev)}</button>
                            })}
                            {move || if step.get() + 1 < count {
                                view! { <button type="button" class="button" data-testid="survey-next" on:click=next>{td_string!(l, sv_next)}</button> }.into_any()
                            } else {
                                view! { <button type="submit" class="button" data-testid="survey-submit" disabled=move || answer.pending().get()>{td_string!(l, sv_submit)}</button> }.into_any()
                            }}
                        </div>
                        {move || action_err(answer.value().get(), l)}
                    </form>
                })}
            }.into_any())}
            {s.is_worker.then(|| view! {
                <section class="card" data-testid="survey-worker">
                    <h2>{td_string!(l, sv_for_workers)}</h2>
                    <p>{td_string!(l, sv_turnout, n = s.responses, total = s.electorate_size.unwrap_or(0)).to_string()}</p>
                    <div class="row">
                        <A href=format!("/surveys/{sid}/results") attr:class="button secondary" attr:data-testid="survey-live-results">{td_string!(l, sv_results)}</A>
                        {(s.phase != SurveyPhase::Closed).then(|| view! {
                            <A href=format!("/surveys/{sid}/desk") attr:class="button secondary" attr:data-testid="survey-desk-link">{td_string!(l, sv_desk)}</A>
                        })}
                    </div>
                    {(s.phase != SurveyPhase::Closed).then(|| view! { <CloseButton id=sid close=close/> })}
                </section>
            }.into_any())}
        </article>
    }
}

/// 结束调研, asked twice: closing is final.
#[component]
fn CloseButton(id: i64, close: ServerAction<CloseSurvey>) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let sure = RwSignal::new(false);
    view! {
        {move || if sure.get() {
            view! {
                <p class="warn">{td_string!(l, sv_close_confirm)}</p>
                <div class="row">
                    <button type="button" class="button" data-testid="survey-close-yes" disabled=move || close.pending().get()
                        on:click=move |_| { close.dispatch(CloseSurvey { id }); }>{td_string!(l, sv_close_yes)}</button>
                    <button type="button" class="button secondary" on:click=move |_| sure.set(false)>{td_string!(l, sv_cancel)}</button>
                </div>
            }.into_any()
        } else {
            view! { <button type="button" class="button secondary" data-testid="survey-close" on:click=move |_| sure.set(true)>{td_string!(l, sv_close)}</button> }.into_any()
        }}
        {move || action_err(close.value().get(), l)}
    }
}

// ---------------------------------------------------------------------------------------------
// Results

/// One bar per count, as an SVG (decorative: the figures are written beside it).
fn bar(count: i64, whole: i64) -> impl IntoView {
    let w = if whole > 0 { (count * 1000 / whole) as f64 / 10.0 } else { 0.0 };
    view! {
        <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
            <rect x="0" y="0" width="100" height="10" class="bar-track"></rect>
            <rect x="0" y="0" width=format!("{w:.1}") height="10" class="bar-fill"></rect>
        </svg>
    }
}

fn bars(rows: Vec<(String, i64)>, whole: i64, testid: String) -> impl IntoView {
    view! {
        <ul class="plain bars" data-testid=testid>
            {rows.into_iter().map(|(label, n)| view! {
                <li>
                    <span class="bar-label">{label}</span>
                    {bar(n, whole)}
                    <span class="bar-figure">{format!("{n} · {}", pct(permille(n, whole)))}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

#[component]
pub fn ResultsPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let acts = TextActs { review: ServerAction::new(), raise: ServerAction::new() };
    let changed = (successes(acts.review), successes(acts.raise));
    let data = crate::ui::resource::resource(
        move || (id(), changed.0.get(), changed.1.get()),
        |(id, ..)| async move {
            let s = get_survey(id).await;
            let r = survey_results(id).await;
            // Workers review the text answers: with who wrote them and what became of them.
            let t = match &s {
                Ok(v) if v.is_worker => Some(survey_text_answers(id).await),
                _ => None,
            };
            (s, r, t)
        },
    );
    view! {
        <p><A href=move || format!("/surveys/{}", id())>{t!(i18n, sv_back_to_survey)}</A></p>
        <Suspense fallback=|| ()>
            {move || data.get().map(|(s, r, t)| match (s, r, t.transpose()) {
                (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => load_error(e, i18n.get_locale(), move || data.refetch()),
                (Ok(s), Ok(r), Ok(t)) => results_view(s, r, t, acts, i18n.get_locale()).into_any(),
            })}
        </Suspense>
    }
}

/// The actions on text answers (workers).
#[derive(Clone, Copy)]
struct TextActs {
    review: ServerAction<ReviewSurveyText>,
    raise: ServerAction<RaiseSurveyNeed>,
}

/// A question's text answers as a worker reviews them: show or keep from the residents, or raise
/// a need from one for its respondent (named surveys).
fn text_reviews(id: i64, question: usize, all: &SurveyTexts, acts: TextActs, l: Locale) -> AnyView {
    let texts: Vec<TextAnswer> = all.texts.iter().filter(|t| t.question == question).cloned().collect();
    if texts.is_empty() {
        return view! { <p class="hint">{td_string!(l, sv_no_texts)}</p> }.into_any();
    }
    let anonymous = all.anonymous;
    let categories = all.categories.clone();
    view! {
        <p class="hint">{td_string!(l, sv_text_review_hint)}</p>
        {anonymous.then(|| view! { <p class="hint">{td_string!(l, sv_text_no_raise_anonymous)}</p> })}
        <ul class="texts reviews" data-testid=format!("result-q{question}-texts")>
            {texts.into_iter().enumerate().map(|(n, t)| {
                let state = match t.review {
                    TextReview::Pending => td_string!(l, sv_text_pending),
                    TextReview::Shown => td_string!(l, sv_text_shown),
                    TextReview::Hidden => td_string!(l, sv_text_hidden),
                };
                let who = t.who.clone().map(|w| format!("{w} · "));
                let hidden = move |key: String| view! {
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="key" value=key/>
                    <input type="hidden" name="question" value=question/>
                };
                let review = |shown: bool, label: &'static str, testid: &'static str, key: String| view! {
                    <ActionForm action=acts.review attr:class="inline">
                        {hidden(key)}
                        <input type="hidden" name="shown" value=if shown { "true" } else { "false" }/>
                        <button type="submit" class="button secondary" data-testid=testid disabled=move || acts.review.pending().get()>{label}</button>
                    </ActionForm>
                };
                let raise = match (t.need.clone(), anonymous) {
                    (Some((need, title)), _) => Some(view! {
                        <p data-testid="text-need"><A href=format!("/needs/{need}")>{td_string!(l, sv_text_need, title = title).to_string()}</A></p>
                    }.into_any()),
                    (None, true) => None,
                    (None, false) => {
                        let proposed: String = t.text.chars().take(20).collect();
                        let field = format!("raise-{question}-{n}");
                        let (categories, key) = (categories.clone(), t.key.clone());
                        Some(view! {
                            <details class="raise" data-testid="text-raise">
                                <summary>{td_string!(l, sv_text_raise)}</summary>
                                <ActionForm action=acts.raise attr:class="form">
                                    {hidden(key)}
                                    <label for=format!("{field}-title")>{td_string!(l, need_field_title)}</label>
                                    <input id=format!("{field}-title") name="title" maxlength=crate::needs::model::TITLE.max value=proposed data-testid="text-raise-title"/>
                                    <label for=format!("{field}-category")>{td_string!(l, pj_category)}</label>
                                    <select id=format!("{field}-category") name="category_id" data-testid="text-raise-category">
                                        {categories.into_iter().map(|c| view! { <option value=c.id>{c.name(l).to_string()}</option> }).collect_view()}
                                    </select>
                                    <button type="submit" class="button" data-testid="text-raise-submit" disabled=move || acts.raise.pending().get()>
                                        {td_string!(l, sv_text_raise_submit)}
                                    </button>
                                </ActionForm>
                            </details>
                        }.into_any())
                    }
                };
                view! {
                    <li data-testid="text-answer">
                        <p class="text">{t.text.clone()}</p>
                        <p class="hint" data-testid="text-state">{who}{state}</p>
                        <div class="actions">
                            {review(true, td_string!(l, sv_text_show), "text-show", t.key.clone())}
                            {review(false, td_string!(l, sv_text_hide), "text-hide", t.key.clone())}
                        </div>
                        {raise}
                    </li>
                }
            }).collect_view()}
        </ul>
        {move || action_err(acts.review.value().get(), l)}
        {move || action_err(acts.raise.value().get(), l)}
    }
    .into_any()
}

fn results_view(s: SurveyView, r: SurveyResult, texts: Option<SurveyTexts>, acts: TextActs, l: Locale) -> impl IntoView {
    let live = r.closed_at.is_none();
    let export = s.is_worker.then(|| {
        view! {
            <form class="form card works-early" method="get" action=format!("/surveys/{}/export.csv", s.id) data-testid="export-form">
                <h2>{td_string!(l, sv_export)}</h2>
                <p class="hint">{if s.anonymous { td_string!(l, sv_export_anonymous) } else { td_string!(l, sv_export_named) }}</p>
                {crate::ui::widgets::csv_download(l)}
            </form>
        }
    });
    view! {
        <Title text=td_string!(l, sv_results_of, title = s.title.clone()).to_string()/>
        <h1>{td_string!(l, sv_results_of, title = s.title.clone()).to_string()}</h1>
        {live.then(|| view! { <p class="status status-wait">{td_string!(l, sv_live_results)}</p> })}
        <p data-testid="survey-participation">
            {td_string!(l, sv_participation, n = r.responses, total = r.electorate, share = pct(permille(r.responses, r.electorate))).to_string()}
            {(r.paper > 0).then(|| format!(" {}", td_string!(l, sv_paper_count, n = r.paper)))}
        </p>
        {r.acceptance.map(|a| acceptance_view(a, l))}
        {s.questions.iter().zip(r.questions.iter()).enumerate().map(|(i, (q, res))| {
            let body = match q.kind {
                QuestionKind::Single | QuestionKind::Multi => {
                    bars(q.options.iter().cloned().zip(res.counts.iter().copied()).collect(), res.answered, format!("result-q{i}")).into_any()
                }
                QuestionKind::Stars => view! {
                    {res.average_centi.map(|a| view! { <p data-testid=format!("result-q{i}-average")>{td_string!(l, sv_average, v = centi(a)).to_string()}</p> })}
                    {bars((1..=5).rev().map(|n| (td_string!(l, sv_stars_n, n = n).to_string(), res.counts.get(n - 1).copied().unwrap_or(0))).collect(), res.answered, format!("result-q{i}"))}
                }.into_any(),
                QuestionKind::Text => match &texts {
                    Some(all) => text_reviews(s.id, i, all, acts, l),
                    None if res.texts.is_empty() => view! { <p class="hint">{td_string!(l, sv_texts_for_workers)}</p> }.into_any(),
                    None => view! {
                        <ul class="texts" data-testid=format!("result-q{i}-texts")>{res.texts.iter().map(|t| view! { <li>{t.clone()}</li> }).collect_view()}</ul>
                    }.into_any(),
                },
            };
            view! {
                <section class="card" data-testid=format!("result-q{i}-card")>
                    <h2>{format!("{}. {}", i + 1, q.prompt)}</h2>
                    <p class="hint">{td_string!(l, sv_answered_by, n = res.answered).to_string()}</p>
                    {body}
                </section>
            }
        }).collect_view()}
        {export}
    }
}

fn acceptance_view(a: Acceptance, l: Locale) -> impl IntoView {
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    view! {
        <section class="card" data-testid="acceptance">
            <h2 class=if a.accepted { "status status-ok" } else { "status status-wait" } data-testid="acceptance-verdict">
                {if a.accepted { td_string!(l, sv_accepted) } else { td_string!(l, sv_not_accepted) }}
            </h2>
            <p>{mark(a.satisfied_ok)}" "{td_string!(l, sv_rule_satisfied, n = a.satisfied, total = a.raters, share = pct(permille(a.satisfied, a.raters)), need = a.rule.threshold_pct).to_string()}</p>
            <p>{mark(a.raters_ok)}" "{td_string!(l, sv_rule_raters, n = a.raters, need = a.required_raters).to_string()}</p>
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// The builder

/// A question as the builder edits it.
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    kind: RwSignal<String>,
    prompt: RwSignal<String>,
    options: RwSignal<String>,
    max: RwSignal<String>,
    required: RwSignal<bool>,
}

impl Draft {
    fn new(kind: &str) -> Draft {
        Draft {
            kind: RwSignal::new(kind.into()),
            prompt: RwSignal::new(String::new()),
            options: RwSignal::new(String::new()),
            max: RwSignal::new("1".into()),
            required: RwSignal::new(true),
        }
    }

    fn question(&self) -> Question {
        let kind = QuestionKind::parse(&self.kind.get_untracked()).unwrap_or(QuestionKind::Single);
        let choice = matches!(kind, QuestionKind::Single | QuestionKind::Multi);
        Question {
            kind,
            prompt: self.prompt.get_untracked(),
            options: if choice {
                self.options.get_untracked().lines().map(str::trim).filter(|o| !o.is_empty()).map(String::from).collect()
            } else {
                Vec::new()
            },
            max_choices: if kind == QuestionKind::Multi { self.max.get_untracked().trim().parse().unwrap_or(1) } else { 1 },
            required: self.required.get_untracked(),
        }
    }
}

#[component]
pub fn NewSurveyPage() -> impl IntoView {
    let i18n = use_i18n();
    let form = crate::ui::resource::resource(|| (), |_| survey_builder(None));
    let create = ServerAction::<CreateSurvey>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&format!("/surveys/{id}"), Default::default());
        }
    });
    let now = client_now();
    let day = 86_400_000;
    let title = RwSignal::new(String::new());
    let intro = RwSignal::new(String::new());
    let purpose = RwSignal::new("research".to_string());
    let unit = RwSignal::new("person".to_string());
    let buildings: RwSignal<Vec<i64>> = RwSignal::new(Vec::new());
    let needs: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let anonymous = RwSignal::new(false);
    let double_entry = RwSignal::new(false);
    let open_now = RwSignal::new(true);
    let opens = RwSignal::new(ms_to_local(now + day));
    let closes = RwSignal::new(ms_to_local(now + 7 * day));
    let drafts: RwSignal<Vec<(usize, Draft)>> = RwSignal::new(vec![(0, Draft::new("single"))]);
    let serial = StoredValue::new(1usize);
    let bad_time = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let opens_at = if open_now.get_untracked() { Some(client_now()) } else { local_to_ms(&opens.get_untracked()) };
        let (Some(opens_at), Some(closes_at)) = (opens_at, local_to_ms(&closes.get_untracked())) else {
            bad_time.set(true);
            return;
        };
        bad_time.set(false);
        let n = NewSurvey {
            title: title.get_untracked(),
            intro: intro.get_untracked(),
            purpose: Purpose::parse(&purpose.get_untracked()).unwrap_or(Purpose::Research),
            unit: VoteUnit::parse(&unit.get_untracked()).unwrap_or(VoteUnit::Person),
            building_ids: buildings.get_untracked(),
            anonymous: anonymous.get_untracked(),
            double_entry: double_entry.get_untracked(),
            opens_at,
            closes_at,
            questions: drafts.with_untracked(|d| d.iter().map(|(_, q)| q.question()).collect()),
            rule: None,
            need_ids: needs.get_untracked().iter().filter_map(|v| v.parse().ok()).collect(),
        };
        create.dispatch(CreateSurvey { spec: serde_json::to_string(&n).unwrap_or_default(), community_id: None });
    };
    view! {
        <Title text=move || td_string!(i18n.get_locale(), sv_new).to_string()/>
        <p><A href="/surveys">{t!(i18n, sv_back)}</A></p>
        <h1>{t!(i18n, sv_new)}</h1>
        <Suspense fallback=|| ()>
            {move || form.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || form.refetch()),
                Ok(c) => {
                    let l = i18n.get_locale();
                    view! {
                        <form class="form card" on:submit=on_submit data-testid="survey-builder">
                            <label for="s-title">{td_string!(l, sv_field_title)}</label>
                            <input id="s-title" type="text" maxlength=TITLE.max required bind:value=title data-testid="s-title"/>
                            <label for="s-intro">{td_string!(l, sv_field_intro)}</label>
                            <textarea id="s-intro" rows="4" maxlength=INTRO.max bind:value=intro data-testid="s-intro"></textarea>
                            <label for="s-purpose">{td_string!(l, sv_purpose)}</label>
                            <select id="s-purpose" data-testid="s-purpose" on:change=move |ev| purpose.set(event_target_value(&ev)) prop:value=move || purpose.get()>
                                <option value="research">{td_string!(l, sv_purpose_research)}</option>
                                <option value="satisfaction">{td_string!(l, sv_purpose_satisfaction)}</option>
                            </select>
                            <label for="s-unit">{td_string!(l, sv_unit)}</label>
                            <select id="s-unit" data-testid="s-unit" on:change=move |ev| unit.set(event_target_value(&ev)) prop:value=move || unit.get()>
                                <option value="person">{td_string!(l, sv_per_person)}</option>
                                <option value="household">{td_string!(l, sv_per_household)}</option>
                            </select>
                            <fieldset data-testid="s-buildings">
                                <legend>{td_string!(l, sv_buildings)}</legend>
                                <p class="hint">{td_string!(l, sv_buildings_hint)}</p>
                                {c.buildings.iter().map(|(id, name)| {
                                    let id = *id;
                                    view! {
                                        <label class="choice">
                                            <input type="checkbox" prop:checked=move || buildings.with(|b| b.contains(&id))
                                                on:change=move |_| buildings.update(|b| if let Some(p) = b.iter().position(|x| *x == id) { b.remove(p); } else { b.push(id); })/>
                                            {name.clone()}
                                        </label>
                                    }
                                }).collect_view()}
                            </fieldset>
                            {(!c.needs.is_empty()).then(|| {
                                let choices = c.needs.iter().map(|(id, title)| crate::ui::widgets::Choice {
                                    value: id.to_string(), label: format!("#{id} {title}"), testid: format!("s-need-{id}"),
                                }).collect::<Vec<_>>();
                                view! {
                                    <fieldset data-testid="s-needs">
                                        <legend>{td_string!(l, sv_needs)}</legend>
                                        <p class="hint">{td_string!(l, sv_needs_hint)}</p>
                                        <crate::ui::widgets::ChoiceList name="s-needs".into() choices=choices multi=true selected=needs/>
                                    </fieldset>
                                }
                            })}
                            <label class="choice"><input type="checkbox" bind:checked=anonymous data-testid="s-anonymous"/>{td_string!(l, sv_anonymous)}</label>
                            <label class="choice"><input type="checkbox" bind:checked=double_entry data-testid="s-double"/>{td_string!(l, sv_double_entry)}</label>
                            <label class="choice"><input type="checkbox" bind:checked=open_now data-testid="s-open-now"/>{td_string!(l, sv_open_now_label)}</label>
                            {move || (!open_now.get()).then(|| view! {
                                <label for="s-opens">{td_string!(l, sv_opens)}</label>
                                <input id="s-opens" type="datetime-local" bind:value=opens/>
                            })}
                            <label for="s-closes">{td_string!(l, sv_closes)}</label>
                            <input id="s-closes" type="datetime-local" bind:value=closes data-testid="s-closes"/>
                            {move || bad_time.get().then(|| view! { <p class="error" role="alert">{td_string!(l, sv_err_window)}</p> })}
                            <h2>{td_string!(l, sv_questions)}</h2>
                            <For each=move || drafts.get() key=|(k, _)| *k let((k, d))>
                                <DraftView k=k d=d drafts=drafts/>
                            </For>
                            <div class="row">
                                {[("single", td_string!(l, sv_kind_single)), ("multi", td_string!(l, sv_kind_multi)), ("stars", td_string!(l, sv_kind_stars)), ("text", td_string!(l, sv_kind_text))]
                                    .into_iter().map(|(kind, label)| view! {
                                        <button type="button" class="button secondary" data-testid=format!("s-add-{kind}") on:click=move |_| {
                                            let k = serial.get_value();
                                            serial.set_value(k + 1);
                                            drafts.update(|d| d.push((k, Draft::new(kind))));
                                        }>"+ "{label}</button>
                                    }).collect_view()}
                            </div>
                            <button type="submit" class="button" data-testid="s-create" disabled=move || create.pending().get()>{td_string!(l, sv_create)}</button>
                            {move || action_err(create.value().get(), l)}
                        </form>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn DraftView(k: usize, d: Draft, drafts: RwSignal<Vec<(usize, Draft)>>) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let number = move || drafts.with(|ds| ds.iter().position(|(x, _)| *x == k).map(|p| p + 1).unwrap_or(0));
    let kind = d.kind;
    view! {
        <fieldset class="question-draft" data-testid="s-question">
            <legend>{move || td_string!(l, sv_question_n, n = number()).to_string()}</legend>
            <label for=format!("s-kind-{k}")>{td_string!(l, sv_kind)}</label>
            <select id=format!("s-kind-{k}") data-testid="s-kind" on:change=move |ev| kind.set(event_target_value(&ev)) prop:value=move || kind.get()>
                <option value="single">{td_string!(l, sv_kind_single)}</option>
                <option value="multi">{td_string!(l, sv_kind_multi)}</option>
                <option value="stars">{td_string!(l, sv_kind_stars)}</option>
                <option value="text">{td_string!(l, sv_kind_text)}</option>
            </select>
            <label for=format!("s-prompt-{k}")>{td_string!(l, sv_field_prompt)}</label>
            <input id=format!("s-prompt-{k}") type="text" maxlength=PROMPT.max required bind:value=d.prompt data-testid="s-prompt"/>
            {move || matches!(kind.get().as_str(), "single" | "multi").then(|| view! {
                <label for=format!("s-options-{k}")>{td_string!(l, sv_options_label)}</label>
                <textarea id=format!("s-options-{k}") rows="4" bind:value=d.options data-testid="s-options"></textarea>
            })}
            {move || (kind.get() == "multi").then(|| view! {
                <label for=format!("s-max-{k}")>{td_string!(l, sv_max_choices)}</label>
                <input id=format!("s-max-{k}") type="number" min="1" max="10" bind:value=d.max data-testid="s-max"/>
            })}
            <label class="choice"><input type="checkbox" bind:checked=d.required/>{td_string!(l, sv_required)}</label>
            <button type="button" class="button secondary" data-testid="s-remove" on:click=move |_| drafts.update(|ds| ds.retain(|(x, _)| *x != k))>
                {td_string!(l, sv_remove_question)}
            </button>
        </fieldset>
    }
}

// ---------------------------------------------------------------------------------------------
// The paper desk

fn paper_state_text(s: PaperState, l: Locale) -> &'static str {
    match s {
        PaperState::Open => td_string!(l, sv_paper_open),
        PaperState::Online => td_string!(l, sv_paper_online),
        PaperState::AwaitingSecond { by_me: true } => td_string!(l, sv_paper_awaiting_other),
        PaperState::AwaitingSecond { by_me: false } => td_string!(l, sv_paper_awaiting_second),
        PaperState::Disputed => td_string!(l, sv_paper_disputed),
        PaperState::Counted => td_string!(l, sv_paper_counted),
    }
}

/// An answer sheet in words, for comparing two keyings.
fn sheet_text(questions: &[Question], answers: &Option<Vec<Answer>>, l: Locale) -> String {
    let Some(answers) = answers else { return String::new() };
    questions
        .iter()
        .zip(answers)
        .enumerate()
        .map(|(i, (q, a))| {
            let v = match a {
                Answer::Skipped => td_string!(l, sv_skipped).to_string(),
                Answer::Choice(c) => c.iter().filter_map(|o| q.options.get(*o as usize).cloned()).collect::<Vec<_>>().join("、"),
                Answer::Stars(n) => td_string!(l, sv_stars_n, n = *n).to_string(),
                Answer::Text(t) => t.clone(),
            };
            format!("{}. {v}", i + 1)
        })
        .collect::<Vec<_>>()
        .join("；")
}

#[component]
pub fn DeskPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let key = ServerAction::<KeySurveyPaper>::new();
    let resolve = ServerAction::<ResolveSurveyPaper>::new();
    let close = ServerAction::<CloseSurvey>::new();
    let changes = (successes(key), successes(resolve), successes(close));
    let data = crate::ui::resource::resource(move || (id(), changes.0.get(), changes.1.get(), changes.2.get()), |(id, ..)| survey_paper_desk(id));
    view! {
        <Title text=move || td_string!(i18n.get_locale(), sv_desk).to_string()/>
        <p><A href=move || format!("/surveys/{}", id())>{t!(i18n, sv_back_to_survey)}</A></p>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(d) => view! { <Desk d=d key=key resolve=resolve close=close/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Desk(d: SurveyDesk, key: ServerAction<KeySurveyPaper>, resolve: ServerAction<ResolveSurveyPaper>, close: ServerAction<CloseSurvey>) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let sid = d.id;
    let questions = d.questions.clone();
    let answers = RwSignal::new(blank(&questions));
    let unit = RwSignal::new(String::new());
    let open = d.phase == SurveyPhase::Open;
    let keyable: Vec<DeskUnit> =
        d.units.iter().filter(|u| matches!(u.state, PaperState::Open | PaperState::AwaitingSecond { by_me: false })).cloned().collect();
    let counted = d.units.iter().filter(|u| u.state == PaperState::Counted).count();
    let waiting = d.units.iter().filter(|u| matches!(u.state, PaperState::AwaitingSecond { .. })).count();
    let (blank_sheet, qs_for_key) = (blank(&questions), questions.clone());
    let on_key = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(unit_id) = unit.get_untracked().parse::<i64>() else { return };
        let sheet = answers.with_untracked(|a| serde_json::to_string(a).unwrap_or_default());
        key.dispatch(KeySurveyPaper { id: sid, unit_id, answers: sheet });
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = key.value().get() {
            unit.set(String::new());
            answers.set(blank_sheet.clone());
        }
    });
    let keyed_text = move || {
        key.value().get().and_then(|r| r.ok()).map(|k| match k {
            Keying::Counted => td_string!(l, sv_keyed_counted),
            Keying::AwaitingSecond => td_string!(l, sv_keyed_awaiting),
            Keying::Mismatch => td_string!(l, sv_keyed_mismatch),
        })
    };
    view! {
        <h1>{td_string!(l, sv_desk)}</h1>
        <p class="meta">{d.title.clone()}</p>
        <p data-testid="desk-figures">{td_string!(l, sv_desk_figures, responses = d.responses, counted = counted, waiting = waiting, disputed = d.disputes.len()).to_string()}</p>
        {(!open).then(|| view! { <p class="status status-wait">{td_string!(l, sv_desk_not_open)}</p> })}
        {open.then(|| view! {
            <form class="card form" data-testid="paper-form" on:submit=on_key>
                <h2>{td_string!(l, sv_key_paper)}</h2>
                {d.double_entry.then(|| view! { <p class="hint">{td_string!(l, sv_double_entry_hint)}</p> })}
                <label for="paper-unit">{td_string!(l, sv_paper_unit)}</label>
                <select id="paper-unit" data-testid="paper-unit" on:change=move |ev| unit.set(event_target_value(&ev)) prop:value=move || unit.get()>
                    <option value="">{td_string!(l, sv_paper_choose)}</option>
                    {keyable.into_iter().map(|u| view! {
                        <option value=u.unit_id.to_string()>{format!("{} · {}", u.label, paper_state_text(u.state, l))}</option>
                    }).collect_view()}
                </select>
                {qs_for_key.into_iter().enumerate().map(|(i, q)| view! { <QuestionInput q=q i=i answers=answers key="p"/> }).collect_view()}
                <button type="submit" class="button" data-testid="paper-submit" disabled=move || unit.get().is_empty() || key.pending().get()>{td_string!(l, sv_key_submit)}</button>
                {move || keyed_text().map(|t| view! { <p class="status status-ok" role="status" data-testid="paper-keyed">{t}</p> })}
                {move || action_err(key.value().get(), l)}
            </form>
        })}
        {(!d.disputes.is_empty()).then(|| view! {
            <section class="card" data-testid="disputes">
                <h2>{td_string!(l, sv_disputes)}</h2>
                {d.disputes.iter().map(|x| view! { <DisputeForm id=sid x=x.clone() questions=questions.clone() resolve=resolve/> }).collect_view()}
                {move || action_err(resolve.value().get(), l)}
            </section>
        })}
        <section class="card" data-testid="desk-units">
            <h2>{td_string!(l, sv_units)}</h2>
            <ul class="plain">
                {d.units.iter().map(|u| view! { <li>{u.label.clone()}" · "{paper_state_text(u.state, l)}</li> }).collect_view()}
            </ul>
        </section>
        {open.then(|| view! { <section class="card"><CloseButton id=sid close=close/></section> })}
    }
}

#[component]
fn DisputeForm(id: i64, x: DisputeView, questions: Vec<Question>, resolve: ServerAction<ResolveSurveyPaper>) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let answers = RwSignal::new(blank(&questions));
    let unit_id = x.unit_id;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let sheet = answers.with_untracked(|a| serde_json::to_string(a).unwrap_or_default());
        resolve.dispatch(ResolveSurveyPaper { id, unit_id, answers: sheet });
    };
    view! {
        <form class="form dispute" data-testid="dispute" on:submit=on_submit>
            <h3>{x.label.clone()}</h3>
            {x.keyings.iter().map(|(by, sheet)| view! { <p class="hint">{format!("{by}：{}", sheet_text(&questions, sheet, l))}</p> }).collect_view()}
            <p>{td_string!(l, sv_resolve_hint)}</p>
            {questions.iter().cloned().enumerate().map(|(i, q)| view! { <QuestionInput q=q i=i answers=answers key=format!("r{unit_id}")/> }).collect_view()}
            <button type="submit" class="button" data-testid="dispute-submit" disabled=move || resolve.pending().get()>{td_string!(l, sv_resolve)}</button>
        </form>
    }
}
