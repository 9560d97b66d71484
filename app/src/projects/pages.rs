//! The screens of projects (项目): the community's list (in progress, being rated, done — with
//! progress bars and satisfaction), a project's page (timeline of milestones, linked needs,
//! deliberations and surveys, before/after photos, news, follow, rate; for workers: start,
//! complete, rectify, milestones, news, photos, open a rating round), the worker's editor (a
//! project from a need and its deliberation), and the public summary of a community's accepted
//! and not accepted projects, readable without logging in. Each is its own WASM chunk.
use super::api::*;
use super::model::*;
use super::types::*;
use crate::i18n::{Locale, t, td_string, use_i18n};
use crate::time::{client_now, day_text, local_to_ms, ms_to_local, parse_day};
use crate::ui::photo::{PhotoEditor, photo_list};
use crate::ui::widgets::{Choice, ChoiceList, action_err, load_error, successes};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

crate::ui::lazy_page!(
    /// 项目: the community's improvement projects.
    ProjectsRoute,
    ProjectsPage
);
crate::ui::lazy_page!(ProjectRoute, ProjectPage);
crate::ui::lazy_page!(NewProjectRoute, NewProjectPage);
crate::ui::lazy_page!(SummaryRoute, SummaryPage);

fn id_param() -> impl Fn() -> i64 + Copy {
    let params = use_params_map();
    move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0))
}

/// `85.0%` from tenths of a percent.
fn pct(permille: i64) -> String {
    format!("{}.{}%", permille / 10, permille % 10)
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Accepted => "status status-accepted",
        Status::NotAccepted | Status::Rectification => "status status-changes_requested",
        _ => "status status-published",
    }
}

/// Progress as a bar with its figure (the figure is what a screen reader reads).
fn progress_bar(pct_done: u32, l: Locale) -> impl IntoView {
    view! {
        <div class="progress-line">
            <progress max="100" value=pct_done aria-hidden="true"></progress>
            <span data-testid="project-progress">{td_string!(l, pj_progress, n = pct_done).to_string()}</span>
        </div>
    }
}

fn card_view(c: ProjectCard, l: Locale) -> impl IntoView {
    let rate = c.open_round.map(|s| {
        view! { <A href=format!("/surveys/{s}") attr:class="button" attr:data-testid="project-rate">{td_string!(l, pj_rate_now)}</A> }
    });
    let category = c.category_name(l).to_string();
    view! {
        <li class="card project" data-testid="project-card">
            <h3><A href=format!("/projects/{}", c.id)>{c.title.clone()}</A></h3>
            <p class="meta">{category}" · "<span class=status_class(c.status)>{status_name(c.status, l)}</span></p>
            {progress_bar(c.progress_pct, l)}
            {c.satisfied_permille.map(|s| view! { <p data-testid="project-satisfaction">{td_string!(l, pj_satisfaction, share = pct(s)).to_string()}</p> })}
            {rate}
        </li>
    }
}

fn section(title: &'static str, cards: Vec<ProjectCard>, testid: &'static str, l: Locale) -> impl IntoView {
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
pub fn ProjectsPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = crate::ui::resource::resource(|| (), |_| list_projects(None));
    view! {
        <Title text=move || td_string!(i18n.get_locale(), pj_title).to_string()/>
        <h1>{t!(i18n, pj_title)}</h1>
        <p>{t!(i18n, pj_intro)}</p>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(list) => {
                    let l = i18n.get_locale();
                    let empty = list.in_progress.is_empty() && list.rating.is_empty() && list.done.is_empty();
                    view! {
                        <p class="row">
                            {list.is_worker.then(|| view! { <A href="/projects/new" attr:class="button secondary" attr:data-testid="project-new">{td_string!(l, pj_new)}</A> })}
                            <A href=format!("/communities/{}/projects", list.community_id) attr:class="button secondary" attr:data-testid="project-summary-link">{td_string!(l, pj_summary_link)}</A>
                        </p>
                        {empty.then(|| view! { <p class="hint">{td_string!(l, pj_none)}</p> })}
                        {section(td_string!(l, pj_rating_now), list.rating, "projects-rating", l)}
                        {section(td_string!(l, pj_in_progress), list.in_progress, "projects-in-progress", l)}
                        {section(td_string!(l, pj_done), list.done, "projects-done", l)}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------------------------------------
// A project's page

fn news_text(u: &UpdateView, l: Locale) -> String {
    match u.kind.as_str() {
        "created" => td_string!(l, pj_news_created).to_string(),
        "status" => {
            let s = Status::parse(&u.body).map(|s| status_name(s, l)).unwrap_or_default();
            td_string!(l, pj_news_status, status = s).to_string()
        }
        "milestone_done" => td_string!(l, pj_news_milestone_done, name = u.body.clone()).to_string(),
        "milestone_undone" => td_string!(l, pj_news_milestone_undone, name = u.body.clone()).to_string(),
        "plan" => td_string!(l, pj_news_plan, budget = u.body.clone()).to_string(),
        _ => u.body.clone(),
    }
}

fn before_alt(l: Locale, n: usize) -> String {
    td_string!(l, pj_photo_before_alt, n = n).to_string()
}

fn after_alt(l: Locale, n: usize) -> String {
    td_string!(l, pj_photo_after_alt, n = n).to_string()
}

#[component]
pub fn ProjectPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let acts = Acts {
        advance: ServerAction::new(),
        milestone: ServerAction::new(),
        update: ServerAction::new(),
        follow: ServerAction::new(),
        round: ServerAction::new(),
        edit: ServerAction::new(),
    };
    let changed =
        (successes(acts.advance), successes(acts.milestone), successes(acts.update), successes(acts.follow), successes(acts.round), successes(acts.edit));
    let data = crate::ui::resource::resource(
        move || (id(), changed.0.get(), changed.1.get(), changed.2.get(), changed.3.get(), changed.4.get(), changed.5.get()),
        |(id, ..)| get_project(id),
    );
    view! {
        <p><A href="/projects">{t!(i18n, pj_back)}</A></p>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(p) => view! { <Project p=p acts=acts/> }.into_any(),
            })}
        </Suspense>
    }
}

/// The actions of a project's page.
#[derive(Clone, Copy)]
struct Acts {
    advance: ServerAction<AdvanceProject>,
    milestone: ServerAction<SetProjectMilestone>,
    update: ServerAction<PostProjectUpdate>,
    follow: ServerAction<FollowProject>,
    round: ServerAction<OpenProjectRound>,
    edit: ServerAction<EditProjectPlan>,
}

#[component]
fn Project(p: ProjectView, acts: Acts) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let pid = p.card.id;
    let worker = p.is_worker;
    let status = p.card.status;
    let following = p.following;
    let rate = p.card.open_round.map(|s| {
        view! {
            <section class="card" data-testid="project-rating">
                <h2>{td_string!(l, pj_rating_open)}</h2>
                <p>{td_string!(l, pj_rating_open_text)}</p>
                <A href=format!("/surveys/{s}") attr:class="button" attr:data-testid="project-rate">{td_string!(l, pj_rate_now)}</A>
            </section>
        }
    });
    let facts = view! {
        <dl class="facts">
            <dt>{td_string!(l, pj_budget)}</dt><dd data-testid="project-budget">{yuan(p.budget_fen)}</dd>
            {(!p.funding.is_empty()).then(|| view! { <dt>{td_string!(l, pj_field_funding)}</dt><dd>{p.funding.clone()}</dd> })}
            {(!p.contractor.is_empty()).then(|| view! { <dt>{td_string!(l, pj_field_contractor)}</dt><dd>{p.contractor.clone()}</dd> })}
        </dl>
    }
    .into_any();
    let timeline = view! {
        <section class="card" data-testid="project-milestones">
            <h2>{td_string!(l, pj_milestones)}</h2>
            {p.milestones.is_empty().then(|| view! { <p class="hint">{td_string!(l, pj_no_milestones)}</p> })}
            <ol class="timeline">
                {p.milestones.iter().enumerate().map(|(i, m)| {
                    let done = m.done_day.is_some();
                    let when = match m.done_day {
                        Some(d) => td_string!(l, pj_done_on, day = day_text(d)).to_string(),
                        None => td_string!(l, pj_planned_for, day = day_text(m.planned_day)).to_string(),
                    };
                    let toggle = (worker && status != Status::Accepted).then(|| view! {
                        <button type="button" class="button secondary" data-testid=format!("milestone-{i}-toggle")
                            disabled=move || acts.milestone.pending().get()
                            on:click=move |_| { acts.milestone.dispatch(SetProjectMilestone { id: pid, idx: i as i64, done: !done }); }>
                            {if done { td_string!(l, pj_milestone_undo) } else { td_string!(l, pj_milestone_do) }}
                        </button>
                    });
                    view! {
                        <li class:done=done data-testid=format!("milestone-{i}")>
                            <span class="mark" aria-hidden="true">{if done { "✓" } else { "○" }}</span>
                            <strong>{m.name.clone()}</strong>
                            <span class="hint">{" "}{when}</span>
                            {toggle}
                        </li>
                    }
                }).collect_view()}
            </ol>
            {move || action_err(acts.milestone.value().get(), l)}
        </section>
    }
    .into_any();
    let (needs, deliberations, surveys, rounds) = (p.needs.clone(), p.deliberations.clone(), p.surveys.clone(), p.rounds.clone());
    let links = view! {
        <section class="card" data-testid="project-links">
            <h2>{td_string!(l, pj_links)}</h2>
            {(!needs.is_empty()).then(move || view! {
                <h3>{td_string!(l, pj_linked_needs)}</h3>
                <ul data-testid="project-needs">{needs.into_iter().map(|(id, title)| view! { <li><A href=format!("/needs/{id}")>{title}</A></li> }).collect_view()}</ul>
            })}
            {(!deliberations.is_empty()).then(move || view! {
                <h3>{td_string!(l, pj_linked_deliberations)}</h3>
                <ul data-testid="project-deliberations">{deliberations.into_iter().map(|(id, title)| view! { <li><A href=format!("/deliberations/{id}/result")>{title}</A></li> }).collect_view()}</ul>
            })}
            {(!surveys.is_empty()).then(move || view! {
                <h3>{td_string!(l, pj_linked_surveys)}</h3>
                <ul>{surveys.into_iter().map(|(id, title)| view! { <li><A href=format!("/surveys/{id}/results")>{title}</A></li> }).collect_view()}</ul>
            })}
            {(!rounds.is_empty()).then(move || view! {
                <h3>{td_string!(l, pj_rounds)}</h3>
                <ul data-testid="project-rounds">{rounds.into_iter().map(|r| {
                    let verdict = match r.accepted {
                        Some(true) => td_string!(l, pj_round_accepted),
                        Some(false) => td_string!(l, pj_round_not_accepted),
                        None => td_string!(l, pj_round_open),
                    };
                    view! { <li><A href=format!("/surveys/{}/results", r.survey_id)>{td_string!(l, pj_round_n, n = r.round).to_string()}</A>" · "{verdict}</li> }
                }).collect_view()}</ul>
            })}
        </section>
    }
    .into_any();
    let photos = if worker {
        view! {
            <PhotoEditor photos=p.before.clone() max=9 label=td_string!(l, pj_photos_before).to_string() hint=td_string!(l, pj_photos_hint).to_string()
                alt=before_alt testid="before-photo" add=move |b64| add_project_photo(pid, false, b64) remove=|photo_id| remove_project_photo(photo_id)/>
            <PhotoEditor photos=p.after.clone() max=9 label=td_string!(l, pj_photos_after).to_string() hint=td_string!(l, pj_photos_hint).to_string()
                alt=after_alt testid="after-photo" add=move |b64| add_project_photo(pid, true, b64) remove=|photo_id| remove_project_photo(photo_id)/>
        }
        .into_any()
    } else {
        let (before, after) = (p.before.clone(), p.after.clone());
        (!before.is_empty() || !after.is_empty())
            .then(|| {
                view! {
                    <section class="card">
                        {(!before.is_empty()).then(|| view! { <h2>{td_string!(l, pj_photos_before)}</h2> })}
                        {photo_list(before, before_alt, "before-photos", l)}
                        {(!after.is_empty()).then(|| view! { <h2>{td_string!(l, pj_photos_after)}</h2> })}
                        {photo_list(after, after_alt, "after-photos", l)}
                    </section>
                }
            })
            .into_any()
    };
    let plan_edit = (worker && status != Status::Accepted).then(|| view! { <PlanEdit p=p.clone() edit=acts.edit/> }.into_any());
    let news = view! {
        <section class="card" data-testid="project-news">
            <h2>{td_string!(l, pj_news)}</h2>
            {worker.then(|| view! { <UpdateForm id=pid update=acts.update/> })}
            <ul class="plain news">
                {p.updates.iter().map(|u| view! { <li><span class="hint">{ms_to_local(u.at).replace('T', " ")}</span>" "{news_text(u, l)}</li> }).collect_view()}
            </ul>
        </section>
    }
    .into_any();
    view! {
        <Title text=p.card.title.clone()/>
        <article data-testid="project-page">
            <h1>{p.card.title.clone()}</h1>
            <p class="meta">{p.card.category_name(l).to_string()}" · "<span class=status_class(status) data-testid="project-status">{status_name(status, l)}</span></p>
            {progress_bar(p.card.progress_pct, l)}
            {p.card.satisfied_permille.map(|s| view! { <p data-testid="project-satisfaction">{td_string!(l, pj_satisfaction, share = pct(s)).to_string()}</p> })}
            {rate}
            <p class="need-body">{p.description.clone()}</p>
            {facts}
            <div class="row">
                <button type="button" class="button secondary" data-testid="project-follow" aria-pressed=following.to_string()
                    disabled=move || acts.follow.pending().get()
                    on:click=move |_| { acts.follow.dispatch(FollowProject { id: pid, on: !following }); }>
                    {if following { td_string!(l, pj_unfollow) } else { td_string!(l, pj_follow) }}
                </button>
            </div>
            <p class="hint">{td_string!(l, pj_follow_hint)}</p>
            {move || action_err(acts.follow.value().get(), l)}
            {worker.then(|| view! { <WorkerPanel id=pid status=status acts=acts/> })}
            {plan_edit}
            {timeline}
            {photos}
            {links}
            {news}
        </article>
    }
}

/// A worker's moves of the project: start, complete (asked twice), rectify, open a rating round.
#[component]
fn WorkerPanel(id: i64, status: Status, acts: Acts) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let sure = RwSignal::new(false);
    let step = match status {
        Status::Planned => Some((Step::Start, td_string!(l, pj_start))),
        Status::InProgress | Status::Rectification => Some((Step::Complete, td_string!(l, pj_complete))),
        Status::NotAccepted => Some((Step::Rectify, td_string!(l, pj_rectify))),
        _ => None,
    };
    let move_button = step.map(|(step, label)| {
        let go = move || {
            acts.advance.dispatch(AdvanceProject { id, step: step.as_str().to_string() });
        };
        let asks = step == Step::Complete;
        view! {
            {move || if asks && sure.get() {
                view! {
                    <p class="warn">{td_string!(l, pj_complete_confirm)}</p>
                    <div class="row">
                        <button type="button" class="button" data-testid="project-step-yes" disabled=move || acts.advance.pending().get() on:click=move |_| go()>{label}</button>
                        <button type="button" class="button secondary" on:click=move |_| sure.set(false)>{td_string!(l, sv_cancel)}</button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="button" data-testid="project-step" disabled=move || acts.advance.pending().get()
                        on:click=move |_| if asks { sure.set(true) } else { go() }>{label}</button>
                }.into_any()
            }}
        }
    });
    view! {
        <section class="card" data-testid="project-worker">
            <h2>{td_string!(l, sv_for_workers)}</h2>
            {move_button}
            {move || action_err(acts.advance.value().get(), l)}
            {(status == Status::Completed).then(|| view! { <RoundForm id=id round=acts.round/> })}
        </section>
    }
}

#[component]
fn RoundForm(id: i64, round: ServerAction<OpenProjectRound>) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let closes = RwSignal::new(ms_to_local(client_now() + 14 * 86_400_000));
    let aspects = RwSignal::new(td_string!(l, pj_default_aspects).to_string());
    let bad = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(at) = local_to_ms(&closes.get_untracked()) else {
            bad.set(true);
            return;
        };
        bad.set(false);
        round.dispatch(OpenProjectRound { id, closes_at: at, aspects: aspects.get_untracked() });
    };
    view! {
        <form class="form" data-testid="round-form" on:submit=on_submit>
            <h3>{td_string!(l, pj_open_round)}</h3>
            <p class="hint">{td_string!(l, pj_open_round_hint)}</p>
            <label for="round-closes">{td_string!(l, sv_closes)}</label>
            <input id="round-closes" type="datetime-local" bind:value=closes data-testid="round-closes"/>
            {move || bad.get().then(|| view! { <p class="error" role="alert">{td_string!(l, pj_err_window)}</p> })}
            <label for="round-aspects">{td_string!(l, pj_aspects)}</label>
            <textarea id="round-aspects" rows="4" bind:value=aspects data-testid="round-aspects"></textarea>
            <button type="submit" class="button" data-testid="round-open" disabled=move || round.pending().get()>{td_string!(l, pj_open_round)}</button>
            {move || action_err(round.value().get(), l)}
        </form>
    }
}

#[component]
fn UpdateForm(id: i64, update: ServerAction<PostProjectUpdate>) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let body = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            body.set(String::new());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        update.dispatch(PostProjectUpdate { id, body: body.get_untracked() });
    };
    view! {
        <form class="form" data-testid="update-form" on:submit=on_submit>
            <label for="update-body">{td_string!(l, pj_post_update)}</label>
            <textarea id="update-body" rows="3" maxlength=UPDATE.max bind:value=body data-testid="update-body"></textarea>
            <button type="submit" class="button secondary" data-testid="update-submit" disabled=move || update.pending().get()>{td_string!(l, pj_post)}</button>
            {move || action_err(update.value().get(), l)}
        </form>
    }
}

// ---------------------------------------------------------------------------------------------
// The editor

/// A milestone as the editor holds it.
#[derive(Clone, Copy)]
struct MilestoneDraft {
    name: RwSignal<String>,
    day: RwSignal<String>,
    weight: RwSignal<String>,
}

impl MilestoneDraft {
    fn new(name: &str, day: String) -> MilestoneDraft {
        MilestoneDraft { name: RwSignal::new(name.into()), day: RwSignal::new(day), weight: RwSignal::new("1".into()) }
    }
}

/// A project's plan being written: by the editor of a new project, and by a worker changing the
/// plan on the project's page.
#[derive(Clone, Copy)]
struct PlanDraft {
    description: RwSignal<String>,
    budget: RwSignal<String>,
    funding: RwSignal<String>,
    contractor: RwSignal<String>,
    milestones: RwSignal<Vec<(usize, MilestoneDraft)>>,
    serial: StoredValue<usize>,
}

impl PlanDraft {
    fn new(description: String, budget: String, funding: String, contractor: String, milestones: Vec<MilestoneDraft>) -> PlanDraft {
        PlanDraft {
            description: RwSignal::new(description),
            budget: RwSignal::new(budget),
            funding: RwSignal::new(funding),
            contractor: RwSignal::new(contractor),
            serial: StoredValue::new(milestones.len()),
            milestones: RwSignal::new(milestones.into_iter().enumerate().collect()),
        }
    }

    /// The plan as the server takes it, or what is wrong with it.
    fn spec(&self, l: Locale) -> Result<PlanSpec, &'static str> {
        let budget_fen = parse_yuan(&self.budget.get_untracked()).ok_or(td_string!(l, pj_err_budget))?;
        let milestones: Option<Vec<MilestoneSpec>> = self.milestones.with_untracked(|ms| {
            ms.iter()
                .map(|(_, m)| {
                    Some(MilestoneSpec {
                        name: m.name.get_untracked(),
                        planned_day: parse_day(&m.day.get_untracked())?,
                        weight: m.weight.get_untracked().trim().parse().ok()?,
                    })
                })
                .collect()
        });
        Ok(PlanSpec {
            description: self.description.get_untracked(),
            budget_fen,
            funding: self.funding.get_untracked(),
            contractor: self.contractor.get_untracked(),
            milestones: milestones.ok_or(td_string!(l, pj_err_milestone_fields))?,
        })
    }
}

/// The plan's fields (ids and test ids start with `at`: "p" in the editor, "e" on the project's page).
fn plan_fields(d: PlanDraft, at: &'static str, l: Locale) -> AnyView {
    let today = crate::time::day_of(client_now());
    let milestones = d.milestones;
    view! {
        <label for=format!("{at}-description")>{td_string!(l, pj_field_description)}</label>
        <textarea id=format!("{at}-description") rows="5" maxlength=DESCRIPTION.max required bind:value=d.description data-testid=format!("{at}-description")></textarea>
        <label for=format!("{at}-budget")>{td_string!(l, pj_budget_yuan)}</label>
        <input id=format!("{at}-budget") type="text" inputmode="decimal" required bind:value=d.budget data-testid=format!("{at}-budget")/>
        <label for=format!("{at}-funding")>{td_string!(l, pj_field_funding)}</label>
        <input id=format!("{at}-funding") type="text" maxlength=FUNDING.max bind:value=d.funding data-testid=format!("{at}-funding")/>
        <label for=format!("{at}-contractor")>{td_string!(l, pj_field_contractor)}</label>
        <input id=format!("{at}-contractor") type="text" maxlength=CONTRACTOR.max bind:value=d.contractor data-testid=format!("{at}-contractor")/>
        <h2>{td_string!(l, pj_milestones)}</h2>
        <p class="hint">{td_string!(l, pj_milestones_hint)}</p>
        <For each=move || milestones.get() key=|(k, _)| *k let((k, m))>
            <fieldset class="question-draft" data-testid=format!("{at}-milestone")>
                <legend>{move || td_string!(l, pj_milestone_n, n = milestones.with(|ms| ms.iter().position(|(x, _)| *x == k).map(|p| p + 1).unwrap_or(0))).to_string()}</legend>
                <label for=format!("{at}-m-name-{k}")>{td_string!(l, pj_field_milestone)}</label>
                <input id=format!("{at}-m-name-{k}") type="text" maxlength=MILESTONE.max required bind:value=m.name data-testid=format!("{at}-m-name")/>
                <label for=format!("{at}-m-day-{k}")>{td_string!(l, pj_planned_day)}</label>
                <input id=format!("{at}-m-day-{k}") type="date" required bind:value=m.day data-testid=format!("{at}-m-day")/>
                <label for=format!("{at}-m-weight-{k}")>{td_string!(l, pj_weight)}</label>
                <input id=format!("{at}-m-weight-{k}") type="number" min="1" max=MAX_WEIGHT required bind:value=m.weight data-testid=format!("{at}-m-weight")/>
                <button type="button" class="button secondary" on:click=move |_| milestones.update(|ms| ms.retain(|(x, _)| *x != k))>{td_string!(l, pj_remove_milestone)}</button>
            </fieldset>
        </For>
        <button type="button" class="button secondary" data-testid=format!("{at}-add-milestone") on:click=move |_| {
            let k = d.serial.get_value();
            d.serial.set_value(k + 1);
            milestones.update(|ms| ms.push((k, MilestoneDraft::new("", day_text(today + 30)))));
        }>{td_string!(l, pj_add_milestone)}</button>
    }
    .into_any()
}

/// A worker changes the plan of a project not accepted yet (asked on the project's page).
#[component]
fn PlanEdit(p: ProjectView, edit: ServerAction<EditProjectPlan>) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let id = p.card.id;
    let d = PlanDraft::new(
        p.description.clone(),
        yuan(p.budget_fen),
        p.funding.clone(),
        p.contractor.clone(),
        p.milestones
            .iter()
            .map(|m| MilestoneDraft { weight: RwSignal::new(m.weight.to_string()), ..MilestoneDraft::new(&m.name, day_text(m.planned_day)) })
            .collect(),
    );
    let problem = RwSignal::new(None::<&'static str>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match d.spec(l) {
            Err(p) => problem.set(Some(p)),
            Ok(spec) => {
                problem.set(None);
                edit.dispatch(EditProjectPlan { id, spec: serde_json::to_string(&spec).unwrap_or_default() });
            }
        }
    };
    view! {
        <details class="card" data-testid="project-plan-edit">
            <summary>{td_string!(l, pj_edit_plan)}</summary>
            <form class="form" on:submit=on_submit>
                <p class="hint">{td_string!(l, pj_edit_plan_hint)}</p>
                {plan_fields(d, "e", l)}
                {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
                <button type="submit" class="button" data-testid="e-save" disabled=move || edit.pending().get()>{td_string!(l, pj_save_plan)}</button>
                {move || action_err(edit.value().get(), l)}
            </form>
        </details>
    }
}

#[component]
pub fn NewProjectPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let need = move || query.with(|q| q.get("need").and_then(|v| v.parse::<i64>().ok()));
    let data = crate::ui::resource::resource(|| (), |_| project_editor(None));
    view! {
        <Title text=move || td_string!(i18n.get_locale(), pj_new).to_string()/>
        <p><A href="/projects">{t!(i18n, pj_back)}</A></p>
        <h1>{t!(i18n, pj_new)}</h1>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(f) => view! { <Editor f=f need=need()/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Editor(f: ProjectForm, need: Option<i64>) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let create = ServerAction::<CreateProject>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&format!("/projects/{id}"), Default::default());
        }
    });
    // A need named in the address (从需求立项) is ticked, its title and category proposed.
    let from = need.and_then(|n| f.needs.iter().find(|(id, ..)| *id == n).cloned());
    let title = RwSignal::new(from.as_ref().map(|(_, t, _)| t.clone()).unwrap_or_default());
    let category = RwSignal::new(from.as_ref().map(|(.., c)| c.clone()).or_else(|| f.categories.first().map(|c| c.code.clone())).unwrap_or_default());
    let threshold = RwSignal::new("80".to_string());
    let min_raters = RwSignal::new("1".to_string());
    let needs = RwSignal::new(from.as_ref().map(|(id, ..)| vec![id.to_string()]).unwrap_or_default());
    let delibs = RwSignal::new(Vec::<String>::new());
    let surveys = RwSignal::new(Vec::<String>::new());
    let today = crate::time::day_of(client_now());
    let plan = PlanDraft::new(
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        vec![
            MilestoneDraft::new(td_string!(l, pj_default_milestone_1), day_text(today + 14)),
            MilestoneDraft::new(td_string!(l, pj_default_milestone_2), day_text(today + 45)),
        ],
    );
    let problem = RwSignal::new(None::<&'static str>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let pl = match plan.spec(l) {
            Ok(pl) => pl,
            Err(p) => {
                problem.set(Some(p));
                return;
            }
        };
        let (Ok(threshold_pct), Ok(min)) = (threshold.get_untracked().trim().parse::<u32>(), min_raters.get_untracked().trim().parse::<i64>()) else {
            problem.set(Some(td_string!(l, pj_err_rule)));
            return;
        };
        problem.set(None);
        let ids = |s: RwSignal<Vec<String>>| s.get_untracked().iter().filter_map(|v| v.parse().ok()).collect::<Vec<i64>>();
        let spec = NewProject {
            title: title.get_untracked(),
            category: category.get_untracked(),
            description: pl.description,
            budget_fen: pl.budget_fen,
            funding: pl.funding,
            contractor: pl.contractor,
            milestones: pl.milestones,
            need_ids: ids(needs),
            deliberation_ids: ids(delibs),
            survey_ids: ids(surveys),
            rule: Some(crate::surveys::model::AcceptanceRule { threshold_pct, min_raters: crate::surveys::model::MinRaters::Count(min) }),
        };
        create.dispatch(CreateProject { spec: serde_json::to_string(&spec).unwrap_or_default(), community_id: None });
    };
    let choices = |items: Vec<(i64, String)>, testid: &'static str| -> Vec<Choice> {
        items.into_iter().map(|(id, title)| Choice { value: id.to_string(), label: format!("#{id} {title}"), testid: format!("{testid}-{id}") }).collect()
    };
    let need_choices = choices(f.needs.iter().map(|(id, t, _)| (*id, t.clone())).collect(), "p-need");
    let delib_choices = choices(f.deliberations.clone(), "p-delib");
    let survey_choices = choices(f.surveys.clone(), "p-survey");
    let fields = view! {
        <label for="p-title">{td_string!(l, pj_field_title)}</label>
        <input id="p-title" type="text" maxlength=TITLE.max required bind:value=title data-testid="p-title"/>
        <label for="p-category">{td_string!(l, pj_category)}</label>
        <select id="p-category" data-testid="p-category" on:change=move |ev| category.set(event_target_value(&ev)) prop:value=move || category.get()>
            {f.categories.iter().map(|c| view! { <option value=c.code.clone()>{c.name(l).to_string()}</option> }).collect_view()}
        </select>
    }
    .into_any();
    let links = view! {
        <fieldset data-testid="p-needs">
            <legend>{td_string!(l, pj_linked_needs)}</legend>
            <p class="hint">{td_string!(l, pj_needs_hint)}</p>
            {need_choices.is_empty().then(|| view! { <p class="hint">{td_string!(l, pj_none_to_link)}</p> })}
            <ChoiceList name="p-needs".into() choices=need_choices multi=true selected=needs/>
        </fieldset>
        <fieldset data-testid="p-delibs">
            <legend>{td_string!(l, pj_linked_deliberations)}</legend>
            {delib_choices.is_empty().then(|| view! { <p class="hint">{td_string!(l, pj_none_to_link)}</p> })}
            <ChoiceList name="p-delibs".into() choices=delib_choices multi=true selected=delibs/>
        </fieldset>
        <fieldset data-testid="p-surveys">
            <legend>{td_string!(l, pj_linked_surveys)}</legend>
            {survey_choices.is_empty().then(|| view! { <p class="hint">{td_string!(l, pj_none_to_link)}</p> })}
            <ChoiceList name="p-surveys".into() choices=survey_choices multi=true selected=surveys/>
        </fieldset>
    }
    .into_any();
    view! {
        <form class="card form" data-testid="project-form" on:submit=on_submit>
            {fields}
            {plan_fields(plan, "p", l)}
            {links}
            <h2>{td_string!(l, pj_rule)}</h2>
            <label for="p-threshold">{td_string!(l, pj_threshold)}</label>
            <input id="p-threshold" type="number" min="1" max="100" bind:value=threshold data-testid="p-threshold"/>
            <label for="p-min">{td_string!(l, pj_min_raters)}</label>
            <input id="p-min" type="number" min="0" bind:value=min_raters data-testid="p-min"/>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
            <button type="submit" class="button" data-testid="p-create" disabled=move || create.pending().get()>{td_string!(l, pj_create)}</button>
            {move || action_err(create.value().get(), l)}
        </form>
    }
}

// ---------------------------------------------------------------------------------------------
// The public summary

#[component]
pub fn SummaryPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let data = crate::ui::resource::resource(id, project_summary);
    view! {
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || data.refetch()),
                Ok(s) => {
                    let l = i18n.get_locale();
                    let name = if l == Locale::en { s.community_en.clone() } else { s.community_zh.clone() };
                    let heading = td_string!(l, pj_summary_title, community = name).to_string();
                    let empty = s.accepted.is_empty() && s.not_accepted.is_empty();
                    let row = move |c: ProjectCard| view! {
                        <li class="card project" data-testid="summary-project">
                            <h3>{c.title.clone()}</h3>
                            <p class="meta">{c.category_name(l).to_string()}" · "<span class=status_class(c.status)>{status_name(c.status, l)}</span></p>
                            {c.satisfied_permille.map(|p| view! { <p data-testid="summary-satisfaction">{td_string!(l, pj_satisfaction, share = pct(p)).to_string()}</p> })}
                        </li>
                    };
                    view! {
                        <Title text=heading.clone()/>
                        <h1>{heading}</h1>
                        <p>{td_string!(l, pj_summary_intro)}</p>
                        {empty.then(|| view! { <p class="hint">{td_string!(l, pj_summary_none)}</p> })}
                        {(!s.accepted.is_empty()).then(|| view! {
                            <section data-testid="summary-accepted"><h2>{td_string!(l, pj_status_accepted)}</h2>
                            <ul class="plain cards">{s.accepted.into_iter().map(row).collect_view()}</ul></section>
                        })}
                        {(!s.not_accepted.is_empty()).then(|| view! {
                            <section data-testid="summary-not-accepted"><h2>{td_string!(l, pj_status_not_accepted)}</h2>
                            <ul class="plain cards">{s.not_accepted.into_iter().map(row).collect_view()}</ul></section>
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
