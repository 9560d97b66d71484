//! The screens of deliberation: the list (open and past), one deliberation (background,
//! discussion, the vote and my ballot, a countdown, the result with its chart), and the worker's
//! screens (open a deliberation; the desk: paper ballots, the audit, closing early). Each is
//! loaded on demand (its own WASM chunk).
use super::api::*;
use super::error::DelibError;
use super::model::*;
use super::tally::{Check, Threshold};
use super::types::*;
use crate::i18n::{Locale, t, td_string, use_i18n};
use crate::time::{client_now, date};
use crate::ui::prefetch::{Early, Prefetch, id_param_untracked};
use crate::ui::widgets::{Choice, ChoiceList, action_err, load_error, successes};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

crate::ui::lazy_page!(
    /// 议事: the community's deliberations.
    DeliberationsRoute,
    DeliberationsPage,
    DelibsData
);
crate::ui::lazy_page!(DeliberationRoute, DeliberationPage, DelibData);
crate::ui::lazy_page!(ResultRoute, ResultPage, DelibData);

/// What the list fetches with its chunk (`ui::prefetch`).
pub struct DelibsData(Prefetch<(), Result<DelibList, DelibError>>);

impl DelibsData {
    pub fn start() -> Self {
        DelibsData(Prefetch::start(Some(()), |_| fetch_deliberations(Some(Early::post(early::LIST_PATH, early::LIST_BODY.to_string())))))
    }
}

/// What a deliberation's page (and its result page) fetches with its chunk.
pub struct DelibData(Prefetch<i64, Result<DelibDetail, DelibError>>);

impl DelibData {
    pub fn start() -> Self {
        DelibData(Prefetch::start(id_param_untracked(), |id| fetch_deliberation(*id, Some(Early::post(early::GET_PATH, early::get_body(*id))))))
    }

    fn resource<S: PartialEq + Clone + Send + Sync + 'static>(
        self,
        source: impl Fn() -> S + Send + Sync + 'static,
        id: impl Fn(&S) -> i64 + Send + Sync + 'static,
    ) -> crate::ui::resource::Data<Result<DelibDetail, DelibError>> {
        crate::ui::resource::resource(source, move |s| {
            let (pre, id) = (self.0.clone(), id(&s));
            async move { pre.or_fetch(id, |id| fetch_deliberation(id, None)).await }
        })
    }
}

// The pages reach these two only through the lazy functions, which decode what the route's
// `data()` sent by hand, if anything (see needs::pages::fetch_overview).
#[leptos::lazy]
async fn fetch_deliberations(sent: Option<Early>) -> Result<DelibList, DelibError> {
    match sent {
        Some(sent) => sent.decode().await,
        None => list_deliberations(None).await,
    }
}

#[leptos::lazy]
async fn fetch_deliberation(id: i64, sent: Option<Early>) -> Result<DelibDetail, DelibError> {
    match sent {
        Some(sent) => sent.decode().await,
        None => get_deliberation(id).await,
    }
}
crate::ui::lazy_page!(NewDeliberationRoute, NewDeliberationPage);
crate::ui::lazy_page!(DeskRoute, DeskPage);

/// A ballot from what a `ChoiceList` holds: the one vote (yes / no / abstain), or the ticked
/// option indexes (`o:…`).
fn encode_choices(kind: Kind, selected: &[String]) -> String {
    match kind {
        Kind::YesNo => selected.first().cloned().unwrap_or_default(),
        Kind::Choice => Vote::Options(selected.iter().filter_map(|v| v.parse().ok()).collect()).encode(),
    }
}

/// `YYYY-MM-DD HH:MM`, China Standard Time.
fn when(ms: i64) -> String {
    ms_to_local(ms).replace('T', " ")
}

fn id_param() -> impl Fn() -> i64 + Copy {
    let params = use_params_map();
    move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0))
}

fn phase_badge(p: Phase, l: Locale) -> impl IntoView {
    let name = match p {
        Phase::Discussion => td_string!(l, delib_phase_discussion),
        Phase::Voting => td_string!(l, delib_phase_voting),
        Phase::Closed => td_string!(l, delib_phase_closed),
    };
    view! { <span class=format!("status status-{}", p.as_str()) data-testid="delib-phase">{name}</span> }
}

fn rule_name(r: RuleKind, l: Locale) -> &'static str {
    match r {
        RuleKind::Simple => td_string!(l, delib_rule_simple),
        RuleKind::Art278Ordinary => td_string!(l, delib_rule_art278_ordinary),
        RuleKind::Art278Major => td_string!(l, delib_rule_art278_major),
    }
}

fn unit_name(u: VoteUnit, l: Locale) -> &'static str {
    match u {
        VoteUnit::Person => td_string!(l, delib_unit_person),
        VoteUnit::Household => td_string!(l, delib_unit_household),
        VoteUnit::Owner => td_string!(l, delib_unit_owner),
    }
}

fn electorate_name(e: Electorate, l: Locale) -> &'static str {
    match e {
        Electorate::Community => td_string!(l, delib_electorate_community),
        Electorate::Buildings => td_string!(l, delib_electorate_buildings),
        Electorate::Owners => td_string!(l, delib_electorate_owners),
    }
}

fn threshold_name(t: Threshold, l: Locale) -> &'static str {
    match t {
        Threshold::Quorum => td_string!(l, delib_th_quorum),
        Threshold::ParticipationArea => td_string!(l, delib_th_participation_area),
        Threshold::ParticipationHeadcount => td_string!(l, delib_th_participation_headcount),
        Threshold::Majority => td_string!(l, delib_th_majority),
        Threshold::ApprovalArea => td_string!(l, delib_th_approval_area),
        Threshold::ApprovalHeadcount => td_string!(l, delib_th_approval_headcount),
    }
}

/// A ballot as words: yes / no / abstain, or the chosen options.
fn vote_words(v: &str, kind: Kind, options: &[String], l: Locale) -> String {
    match Vote::parse(v, kind, options.len() as u32, options.len().max(1) as u32) {
        Some(Vote::Yes) => td_string!(l, delib_yes).to_string(),
        Some(Vote::No) => td_string!(l, delib_no).to_string(),
        Some(Vote::Abstain) => td_string!(l, delib_abstain).to_string(),
        Some(Vote::Options(o)) if o.is_empty() => td_string!(l, delib_blank).to_string(),
        Some(Vote::Options(o)) => o.iter().filter_map(|&i| options.get(i as usize).cloned()).collect::<Vec<_>>().join("、"),
        None => v.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// The list

#[component]
pub fn DeliberationsPage(data: DelibsData) -> impl IntoView {
    let i18n = use_i18n();
    let list = crate::ui::resource::resource(
        || (),
        move |_| {
            let pre = data.0.clone();
            async move { pre.or_fetch((), |_| fetch_deliberations(None)).await }
        },
    );
    view! {
        <Title text=move || td_string!(i18n.get_locale(), deliberation_title).to_string()/>
        <h1>{t!(i18n, deliberation_title)}</h1>
        <p class="hint">{t!(i18n, deliberation_intro)}</p>
        <Suspense fallback=|| ()>
            {move || list.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || list.refetch()),
                Ok(d) => {
                    let l = i18n.get_locale();
                    view! {
                        {d.is_worker.then(|| view! { <p><A href="/deliberations/new" attr:class="button" attr:data-testid="delib-new">{td_string!(l, delib_new)}</A></p> })}
                        <h2>{td_string!(l, delib_open_list)}</h2>
                        {d.open.is_empty().then(|| view! { <p class="hint">{td_string!(l, delib_none_open)}</p> })}
                        <ul class="cards" data-testid="delib-open">{d.open.into_iter().map(|s| view! { <DelibCard s=s/> }).collect_view()}</ul>
                        <h2>{td_string!(l, delib_past_list)}</h2>
                        {d.past.is_empty().then(|| view! { <p class="hint">{td_string!(l, delib_none_past)}</p> })}
                        <ul class="cards" data-testid="delib-past">{d.past.into_iter().map(|s| view! { <DelibCard s=s/> }).collect_view()}</ul>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn DelibCard(s: DelibSummary) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let outcome = s.outcome.clone().map(|o| match o.as_str() {
        "passed" => td_string!(l, delib_passed).to_string(),
        "failed" => td_string!(l, delib_failed).to_string(),
        other => td_string!(l, delib_adopted, options = other.to_string()).to_string(),
    });
    let timing = match s.phase {
        Phase::Discussion => td_string!(l, delib_opens_at, at = when(s.opens_at)).to_string(),
        Phase::Voting => td_string!(l, delib_closes_at, at = when(s.closes_at)).to_string(),
        Phase::Closed => date(s.closes_at),
    };
    let href = if s.phase == Phase::Closed { format!("/deliberations/{}/result", s.id) } else { format!("/deliberations/{}", s.id) };
    view! {
        <li class="need-card" data-testid="delib-card">
            <A href=href>
                <strong>{s.title.clone()}</strong>
                <div class="need-meta">
                    {phase_badge(s.phase, l)}
                    <span class="hint">{unit_name(s.vote_unit, l)}" · "{rule_name(s.rule, l)}</span>
                </div>
                <div class="need-meta">
                    <span class="hint">{timing}</span>
                    {(s.phase == Phase::Voting).then(|| match s.voted {
                        Some(true) => view! { <span class="ok">{td_string!(l, delib_you_voted)}</span> }.into_any(),
                        Some(false) => view! { <span class="warn">{td_string!(l, delib_not_voted)}</span> }.into_any(),
                        None => ().into_any(),
                    })}
                </div>
                {outcome.map(|o| view! { <span class="ok" data-testid="delib-outcome">{o}</span> })}
            </A>
        </li>
    }
}

// ---------------------------------------------------------------------------------------------
// One deliberation

/// Time left until `until`, ticking in the browser from the server's clock.
#[component]
fn Countdown(until: i64, server_now: i64) -> impl IntoView {
    let now = RwSignal::new(server_now);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let start = js_sys::Date::now() as i64;
            if let Ok(h) = set_interval_with_handle(move || now.set(server_now + js_sys::Date::now() as i64 - start), std::time::Duration::from_secs(1)) {
                on_cleanup(move || h.clear());
            }
        }
    });
    let l = use_i18n().get_locale_untracked();
    move || {
        let left = (until - now.get()).max(0) / 1000;
        let (d, h, m, s) = (left / 86_400, left % 86_400 / 3600, left % 3600 / 60, left % 60);
        view! { <span class="countdown" role="timer" data-testid="delib-countdown">{td_string!(l, delib_countdown, d = d, h = h, m = m, s = s).to_string()}</span> }
    }
}

#[component]
pub fn DeliberationPage(data: DelibData) -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let cast = ServerAction::<CastBallot>::new();
    let comment = ServerAction::<CommentDeliberation>::new();
    let report = ServerAction::<ReportDeliberationComment>::new();
    let hide = ServerAction::<HideDeliberationComment>::new();
    let (cast_ok, commented, reported, hidden) = (successes(cast), successes(comment), successes(report), successes(hide));
    let detail = data.resource(move || (id(), cast_ok.get(), commented.get(), reported.get(), hidden.get()), |s| s.0);
    view! {
        // The deliberation's own title once it is known.
        <Title text=move || match detail.get() {
            Some(Ok(d)) => format!("{} · {}", d.title, td_string!(i18n.get_locale(), app_name)),
            _ => td_string!(i18n.get_locale(), deliberation_title).to_string(),
        }/>
        <p><A href="/deliberations">{t!(i18n, delib_back)}</A></p>
        <Suspense fallback=|| ()>
            {move || detail.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || detail.refetch()),
                Ok(d) => view! { <Deliberation d=d cast=cast comment=comment report=report hide=hide/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Deliberation(
    d: DelibDetail,
    cast: ServerAction<CastBallot>,
    comment: ServerAction<CommentDeliberation>,
    report: ServerAction<ReportDeliberationComment>,
    hide: ServerAction<HideDeliberationComment>,
) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let did = d.id;
    let scope = if d.buildings.is_empty() {
        electorate_name(d.electorate, l).to_string()
    } else {
        format!("{}（{}）", electorate_name(d.electorate, l), d.buildings.join("、"))
    };
    view! {
        <article class="need" data-testid="deliberation">
            <h1 data-testid="delib-title">{d.title.clone()}</h1>
            <div class="need-meta">
                {phase_badge(d.phase, l)}
                {d.secret.then(|| view! { <span class="category">{td_string!(l, delib_secret)}</span> })}
            </div>
            <p class="need-body">{d.background.clone()}</p>
            {d.need.clone().map(|(nid, title)| view! {
                <p>{td_string!(l, delib_from_need)}" "<A href=format!("/needs/{nid}")>{title}</A></p>
            })}
            <dl class="facts card">
                <dt>{td_string!(l, delib_electorate)}</dt><dd>{scope}</dd>
                <dt>{td_string!(l, delib_vote_unit)}</dt><dd>{unit_name(d.vote_unit, l)}</dd>
                <dt>{td_string!(l, delib_rule)}</dt>
                <dd>{rule_name(d.rule, l)}{d.quorum_pct.map(|q| td_string!(l, delib_quorum_of, q = q).to_string())}</dd>
                <dt>{td_string!(l, delib_window)}</dt><dd>{when(d.opens_at)}" — "{when(d.closes_at)}</dd>
                {d.electorate_size.map(|n| view! {
                    <dt>{td_string!(l, delib_snapshot)}</dt>
                    <dd data-testid="delib-snapshot">
                        {td_string!(l, delib_snapshot_size, n = n).to_string()}
                        {d.electorate_area.filter(|a| *a > 0).map(|a| format!(" · {}", area(a)))}
                        {d.electorate_homes.map(|h| format!(" · {}", td_string!(l, delib_snapshot_homes, homes = h)))}
                        " · "{td_string!(l, delib_turnout, n = d.turnout).to_string()}
                    </dd>
                })}
            </dl>
            {match d.phase {
                Phase::Discussion => view! {
                    <p class="card" role="status">{td_string!(l, delib_voting_opens, at = when(d.opens_at)).to_string()}" "<Countdown until=d.opens_at server_now=d.now/></p>
                }.into_any(),
                Phase::Voting => view! {
                    <section class="card" data-testid="delib-vote">
                        <h2>{td_string!(l, delib_vote)}</h2>
                        <p>{td_string!(l, delib_closes_in)}" "<Countdown until=d.closes_at server_now=d.now/></p>
                        {d.my_units.is_empty().then(|| view! { <p class="hint" data-testid="delib-not-eligible">{td_string!(l, delib_err_not_eligible)}</p> })}
                        {d.my_units.iter().map(|u| view! { <VoteForm d=d.clone() unit=u.clone() cast=cast/> }).collect_view()}
                    </section>
                }.into_any(),
                Phase::Closed => view! {
                    {d.my_units.iter().map(|u| view! { <MyBallot d=d.clone() unit=u.clone()/> }).collect_view()}
                    {d.close_reason.clone().map(|r| view! { <p class="card">{td_string!(l, delib_closed_early, reason = r).to_string()}</p> })}
                    {d.result.clone().map(|r| view! { <ResultView r=r kind=d.kind/> })}
                }.into_any(),
            }}
            {d.is_worker.then(|| view! {
                <p><A href=format!("/deliberations/{did}/desk") attr:class="button secondary" attr:data-testid="delib-desk">{td_string!(l, delib_desk)}</A></p>
            })}
            <Discussion d=d.clone() comment=comment report=report hide=hide/>
        </article>
    }
}

/// My unit's ballot: who cast it, when, how (where it may be known).
#[component]
fn MyBallot(d: DelibDetail, unit: MyUnit) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    view! {
        <div class="my-ballot" data-testid="my-ballot">
            <strong>{unit.label.clone()}</strong>" "
            {match unit.voted {
                None => view! { <span class="warn">{td_string!(l, delib_not_voted)}</span> }.into_any(),
                Some(c) => {
                    let channel = match c.channel { Channel::App => td_string!(l, delib_channel_app), Channel::Paper => td_string!(l, delib_channel_paper) };
                    let what = c.vote.as_deref().map(|v| vote_words(v, d.kind, &d.options, l)).unwrap_or_else(|| td_string!(l, delib_secret_kept).to_string());
                    view! {
                        <span class="ok" data-testid="my-ballot-state">
                            {td_string!(l, delib_voted_by, by = c.by.clone().unwrap_or_default(), at = when(c.at), channel = channel).to_string()}
                        </span>
                        <p data-testid="my-ballot-vote">{td_string!(l, delib_my_vote)}": "{what}</p>
                    }.into_any()
                }
            }}
        </div>
    }
}

/// The ballot of one of my vote units: the choices, and my ballot so far.
#[component]
fn VoteForm(d: DelibDetail, unit: MyUnit, cast: ServerAction<CastBallot>) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let did = d.id;
    let unit_id = unit.unit_id;
    let current = unit.voted.as_ref().and_then(|c| c.vote.clone()).unwrap_or_default();
    let max = d.max_choices;
    let (selected, choices): (Vec<String>, Vec<Choice>) = match d.kind {
        Kind::YesNo => (
            (!current.is_empty()).then(|| current.clone()).into_iter().collect(),
            [("yes", td_string!(l, delib_yes)), ("no", td_string!(l, delib_no)), ("abstain", td_string!(l, delib_abstain))]
                .into_iter()
                .map(|(v, label)| Choice { value: v.into(), label: label.into(), testid: format!("vote-{v}") })
                .collect(),
        ),
        Kind::Choice => (
            match Vote::parse(&current, d.kind, d.options.len() as u32, max) {
                Some(Vote::Options(o)) => o.iter().map(u32::to_string).collect(),
                _ => Vec::new(),
            },
            d.options.iter().enumerate().map(|(i, label)| Choice { value: i.to_string(), label: label.clone(), testid: format!("vote-option-{i}") }).collect(),
        ),
    };
    let selected = RwSignal::new(selected);
    let multi = d.kind == Kind::Choice && max > 1;
    let paper = unit.voted.as_ref().is_some_and(|c| c.channel == Channel::Paper);
    let name = format!("vote-{unit_id}");
    let kind = d.kind;
    view! {
        <MyBallot d=d.clone() unit=unit.clone()/>
        {(!paper).then(|| view! {
            <form class="form" data-testid="vote-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let vote = selected.with_untracked(|s| encode_choices(kind, s));
                cast.dispatch(CastBallot { id: did, unit_id: Some(unit_id), vote });
            }>
                <fieldset>
                    <legend>{if max > 1 { td_string!(l, delib_choose_up_to, n = max).to_string() } else { td_string!(l, delib_choose_one).to_string() }}</legend>
                    <ChoiceList name=name.clone() choices=choices.clone() multi selected/>
                </fieldset>
                {move || match cast.value().get() {
                    Some(Ok(_)) => Some(view! { <p class="ok" role="status" data-testid="vote-ok">{td_string!(l, delib_vote_saved)}</p> }.into_any()),
                    other => action_err(other, l),
                }}
                <button type="submit" class="button" data-testid="vote-submit" disabled=move || cast.pending().get()>
                    {if unit.voted.is_some() { td_string!(l, delib_change_vote) } else { td_string!(l, delib_cast) }}
                </button>
                <p class="hint">{td_string!(l, delib_change_hint)}</p>
            </form>
        })}
    }
}

#[component]
fn Discussion(
    d: DelibDetail,
    comment: ServerAction<CommentDeliberation>,
    report: ServerAction<ReportDeliberationComment>,
    hide: ServerAction<HideDeliberationComment>,
) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let did = d.id;
    let text = RwSignal::new(String::new());
    let reply_to: RwSignal<Option<i64>> = RwSignal::new(None);
    Effect::new(move |_| {
        if let Some(Ok(_)) = comment.value().get() {
            text.set(String::new());
            reply_to.set(None);
        }
    });
    let worker = d.is_worker;
    let can_comment = d.can_comment;
    let all = d.comments.clone();
    let top: Vec<CommentView> = all.iter().filter(|c| c.parent_id.is_none()).cloned().collect();
    let one = move |c: CommentView, reply: bool| {
        let cid = c.id;
        let hidden = c.hidden;
        view! {
            <li class:hidden=hidden class:reply=reply data-testid="delib-comment">
                <strong>{c.author.clone()}</strong>" "<span class="hint">{when(c.at)}</span>
                {hidden.then(|| view! { " " <span class="warn">{td_string!(l, needs_hidden_comment)}</span> })}
                <p>{c.body.clone()}</p>
                {(can_comment && !reply).then(|| view! { <button class="link" on:click=move |_| reply_to.set(Some(cid))>{td_string!(l, delib_reply)}</button> })}
                {if worker {
                    view! { <button class="link" on:click=move |_| { hide.dispatch(HideDeliberationComment { comment_id: cid, hidden: !hidden }); }>
                        {if hidden { td_string!(l, needs_show_comment) } else { td_string!(l, needs_hide_comment) }}</button> }.into_any()
                } else if !c.mine {
                    view! { <button class="link" on:click=move |_| { report.dispatch(ReportDeliberationComment { comment_id: cid, reason: td_string!(l, needs_report_default).to_string() }); }>
                        {td_string!(l, needs_report)}</button> }.into_any()
                } else {
                    ().into_any()
                }}
            </li>
        }
    };
    view! {
        <section class="card" data-testid="delib-discussion">
            <h2>{td_string!(l, delib_discussion)}</h2>
            {all.is_empty().then(|| view! { <p class="hint">{td_string!(l, needs_no_comments)}</p> })}
            <ul class="comments">
                {top.into_iter().map(|c| {
                    let replies: Vec<CommentView> = all.iter().filter(|r| r.parent_id == Some(c.id)).cloned().collect();
                    view! {
                        {one(c, false)}
                        {replies.into_iter().map(|r| one(r, true)).collect_view()}
                    }
                }).collect_view()}
            </ul>
            {move || match report.value().get() {
                Some(Ok(())) => Some(view! { <p class="ok" role="status">{td_string!(l, needs_reported)}</p> }.into_any()),
                other => action_err(other, l),
            }}
            {if can_comment {
                view! {
                    <form class="form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        comment.dispatch(CommentDeliberation { id: did, parent_id: reply_to.get_untracked(), body: text.get_untracked() });
                    }>
                        {move || reply_to.get().map(|_| view! {
                            <p class="hint">{td_string!(l, delib_replying)}" "<button type="button" class="link" on:click=move |_| reply_to.set(None)>{td_string!(l, delib_cancel_reply)}</button></p>
                        })}
                        <label for="delib-comment">{td_string!(l, needs_comments)}</label>
                        <textarea id="delib-comment" rows="3" maxlength=COMMENT.max required bind:value=text data-testid="delib-comment-text"></textarea>
                        {move || action_err(comment.value().get(), l)}
                        <button type="submit" class="button secondary" disabled=move || comment.pending().get()>{td_string!(l, needs_comment_send)}</button>
                    </form>
                }.into_any()
            } else if d.phase != Phase::Discussion {
                view! { <p class="hint">{td_string!(l, delib_err_discussion_closed)}</p> }.into_any()
            } else {
                ().into_any()
            }}
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// The result

#[component]
pub fn ResultPage(data: DelibData) -> impl IntoView {
    let i18n = use_i18n();
    let detail = data.resource(id_param(), |id| *id);
    view! {
        <Title text=move || td_string!(i18n.get_locale(), delib_result).to_string()/>
        <p><A href="/deliberations">{t!(i18n, delib_back)}</A></p>
        <Suspense fallback=|| ()>
            {move || detail.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || detail.refetch()),
                Ok(d) => {
                    let l = i18n.get_locale();
                    view! {
                        <h1 data-testid="delib-title">{d.title.clone()}</h1>
                        {phase_badge(d.phase, l)}
                        {match d.result.clone() {
                            Some(r) => view! { <ResultView r=r kind=d.kind/> }.into_any(),
                            None => view! { <p class="hint">{td_string!(l, delib_no_result)}</p> }.into_any(),
                        }}
                        {d.electorate_homes.map(|h| view! {
                            <p class="hint" data-testid="delib-heads">
                                {td_string!(l, delib_result_heads, n = d.electorate_size.unwrap_or(0), homes = h).to_string()}
                            </p>
                        })}
                        <p><A href=format!("/deliberations/{}", d.id)>{td_string!(l, delib_details)}</A></p>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// A chart label that fits its column (the table below has it in full).
fn short(label: &str) -> String {
    if label.chars().count() > 7 { label.chars().take(6).chain(std::iter::once('…')).collect() } else { label.to_string() }
}

fn check_line(c: &Check, l: Locale) -> String {
    let op = match (c.strict, c.threshold) {
        (true, _) => ">",
        (false, _) => "≥",
    };
    let value = match c.threshold {
        Threshold::ParticipationArea | Threshold::ApprovalArea => format!("{} / {}", area(c.num), area(c.den)),
        _ => format!("{} / {}", c.num, c.den),
    };
    format!("{}: {} = {} {} {}/{}", threshold_name(c.threshold, l), value, percent(c.num, c.den), op, c.required_num, c.required_den)
}

/// The figures and the chart of a result.
#[component]
fn ResultView(r: DelibResult, kind: Kind) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let by_area = r.rule != RuleKind::Simple;
    let p = r.participants;
    let e = r.electorate;
    // Bars: yes / no / abstain of the question, or each option's votes, as shares of the participants.
    let bars: Vec<(String, i64, i64)> = match kind {
        Kind::YesNo => {
            let t = &r.motions[0].tally;
            vec![
                (td_string!(l, delib_yes).to_string(), t.yes.headcount, t.yes.area),
                (td_string!(l, delib_no).to_string(), t.no.headcount, t.no.area),
                (td_string!(l, delib_abstain).to_string(), t.abstain.headcount, t.abstain.area),
            ]
        }
        Kind::Choice => r.motions.iter().map(|m| (m.label.clone(), m.tally.yes.headcount, m.tally.yes.area)).collect(),
    };
    let row_h = if by_area { 44 } else { 28 };
    let height = bars.len() as i64 * row_h + 8;
    let chart_label = td_string!(l, delib_chart_label).to_string();
    view! {
        <section class="card result" data-testid="delib-result">
            <h2>{td_string!(l, delib_result)}</h2>
            <p class="hint">{td_string!(l, delib_closed_on, at = when(r.closed_at)).to_string()}" · "{rule_name(r.rule, l)}</p>
            <dl class="facts">
                <dt>{td_string!(l, delib_snapshot)}</dt>
                <dd data-testid="result-electorate">{td_string!(l, delib_snapshot_size, n = e.headcount).to_string()}{by_area.then(|| format!(" · {}", area(e.area)))}</dd>
                <dt>{td_string!(l, delib_participation)}</dt>
                <dd data-testid="result-participation">
                    {format!("{} / {} = {}", p.headcount, e.headcount, percent(p.headcount, e.headcount))}
                    {by_area.then(|| format!(" · {} / {} = {}", area(p.area), area(e.area), percent(p.area, e.area)))}
                </dd>
                <dt>{td_string!(l, delib_paper_count)}</dt><dd>{r.paper_ballots}</dd>
            </dl>
            <svg class="chart" role="img" aria-label=chart_label viewBox=format!("0 0 360 {height}") width="100%" data-testid="delib-chart">
                {bars.iter().enumerate().map(|(i, (label, heads, sq))| {
                    let y = i as i64 * row_h + 4;
                    let w = if p.headcount > 0 { heads * 170 / p.headcount } else { 0 };
                    let wa = if p.area > 0 { sq * 170 / p.area } else { 0 };
                    view! {
                        <text x="0" y=y + 14 font-size="12">{short(label)}</text>
                        <rect x="100" y=y + 2 width=w.max(1) height="16" class="bar"/>
                        <text x=104 + w y=y + 14 font-size="11">{format!("{heads} · {}", percent(*heads, p.headcount))}</text>
                        {by_area.then(|| view! {
                            <rect x="100" y=y + 20 width=wa.max(1) height="14" class="bar area"/>
                            <text x=104 + wa y=y + 31 font-size="11">{format!("{} · {}", area(*sq), percent(*sq, p.area))}</text>
                        })}
                    }
                }).collect_view()}
            </svg>
            <table class="figures" data-testid="result-table">
                <thead><tr>
                    <th scope="col">{td_string!(l, delib_choice)}</th>
                    <th scope="col">{td_string!(l, delib_headcount)}</th>
                    {by_area.then(|| view! { <th scope="col">{td_string!(l, delib_area)}</th> })}
                </tr></thead>
                <tbody>
                    {bars.iter().map(|(label, heads, sq)| view! {
                        <tr>
                            <th scope="row">{label.clone()}</th>
                            <td>{format!("{heads} ({})", percent(*heads, p.headcount))}</td>
                            {by_area.then(|| view! { <td>{format!("{} ({})", area(*sq), percent(*sq, p.area))}</td> })}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {r.motions.iter().map(|m| {
                let t = m.tally.clone();
                let verdict = if t.passed { td_string!(l, delib_passed) } else { td_string!(l, delib_failed) };
                view! {
                    <div class="motion" data-testid="result-motion">
                        <h3>{m.label.clone()}": "<span class=if t.passed { "ok" } else { "warn" } data-testid="result-verdict">{verdict}</span></h3>
                        <ul class="checks">
                            {t.checks.iter().map(|c| view! {
                                <li class=if c.met { "ok" } else { "warn" }>{if c.met { "✓ " } else { "✗ " }}{check_line(c, l)}</li>
                            }).collect_view()}
                        </ul>
                        {t.decided_by.map(|th| view! { <p class="hint" data-testid="result-decided-by">{td_string!(l, delib_decided_by, threshold = threshold_name(th, l)).to_string()}</p> })}
                    </div>
                }
            }).collect_view()}
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// The worker's screens

#[component]
pub fn NewDeliberationPage() -> impl IntoView {
    let i18n = use_i18n();
    let form = crate::ui::resource::resource(|| (), |_| deliberation_form(None));
    let create = ServerAction::<CreateDeliberation>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&format!("/deliberations/{id}"), Default::default());
        }
    });
    let now = client_now();
    let title = RwSignal::new(String::new());
    let background = RwSignal::new(String::new());
    let need = RwSignal::new(String::new());
    let kind = RwSignal::new("yes_no".to_string());
    let options = RwSignal::new(String::new());
    let max_choices = RwSignal::new("1".to_string());
    let electorate = RwSignal::new("community".to_string());
    let buildings: RwSignal<Vec<i64>> = RwSignal::new(Vec::new());
    let unit = RwSignal::new("person".to_string());
    let rule = RwSignal::new("simple".to_string());
    let quorum = RwSignal::new(String::new());
    let secret = RwSignal::new(false);
    let open_now = RwSignal::new(false);
    let day = 86_400_000;
    let opens = RwSignal::new(ms_to_local(now + 3 * day));
    let closes = RwSignal::new(ms_to_local(now + 10 * day));
    let bad_time = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let opens_at = if open_now.get_untracked() { Some(client_now()) } else { local_to_ms(&opens.get_untracked()) };
        let (Some(opens_at), Some(closes_at)) = (opens_at, local_to_ms(&closes.get_untracked())) else {
            bad_time.set(true);
            return;
        };
        bad_time.set(false);
        let kind = Kind::parse(&kind.get_untracked()).unwrap_or(Kind::YesNo);
        let n = NewDeliberation {
            title: title.get_untracked(),
            background: background.get_untracked(),
            need_id: need.get_untracked().parse().ok(),
            kind,
            options: if kind == Kind::Choice {
                options.get_untracked().lines().map(str::trim).filter(|o| !o.is_empty()).map(String::from).collect()
            } else {
                Vec::new()
            },
            max_choices: if kind == Kind::Choice { max_choices.get_untracked().parse().unwrap_or(1) } else { 1 },
            electorate: Electorate::parse(&electorate.get_untracked()).unwrap_or(Electorate::Community),
            building_ids: buildings.get_untracked(),
            vote_unit: VoteUnit::parse(&unit.get_untracked()).unwrap_or(VoteUnit::Person),
            rule: RuleKind::parse(&rule.get_untracked()).unwrap_or(RuleKind::Simple),
            quorum_pct: quorum.get_untracked().trim().parse().ok(),
            secret: secret.get_untracked(),
            opens_at,
            closes_at,
        };
        create.dispatch(CreateDeliberation { spec: serde_json::to_string(&n).unwrap_or_default(), community_id: None });
    };
    // Owners vote by owned home; the art. 278 rules are for owners.
    Effect::new(move |_| {
        let owners = electorate.get() == "owners";
        if owners && unit.get_untracked() != "owner" {
            unit.set("owner".into());
        } else if !owners && unit.get_untracked() == "owner" {
            unit.set("person".into());
            rule.set("simple".into());
        }
    });
    view! {
        <Title text=move || td_string!(i18n.get_locale(), delib_new).to_string()/>
        <p><A href="/deliberations">{t!(i18n, delib_back)}</A></p>
        <h1>{t!(i18n, delib_new)}</h1>
        <Suspense fallback=|| ()>
            {move || form.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || form.refetch()),
                Ok(c) => {
                    let l = i18n.get_locale();
                    view! {
                        <form class="form card" on:submit=on_submit data-testid="delib-form">
                            <label for="d-title">{td_string!(l, delib_title_label)}</label>
                            <input id="d-title" type="text" maxlength=TITLE.max required bind:value=title data-testid="d-title"/>
                            <label for="d-background">{td_string!(l, delib_field_background)}</label>
                            <textarea id="d-background" rows="5" maxlength=BACKGROUND.max required bind:value=background data-testid="d-background"></textarea>
                            <label for="d-need">{td_string!(l, delib_from_need)}</label>
                            <select id="d-need" on:change=move |ev| need.set(event_target_value(&ev))>
                                <option value="">{td_string!(l, delib_no_need)}</option>
                                {c.needs.iter().map(|(id, t)| view! { <option value=id.to_string()>{t.clone()}</option> }).collect_view()}
                            </select>
                            <label for="d-kind">{td_string!(l, delib_kind)}</label>
                            <select id="d-kind" data-testid="d-kind" on:change=move |ev| kind.set(event_target_value(&ev)) prop:value=move || kind.get()>
                                <option value="yes_no">{td_string!(l, delib_kind_yes_no)}</option>
                                <option value="choice">{td_string!(l, delib_kind_choice)}</option>
                            </select>
                            {move || (kind.get() == "choice").then(|| view! {
                                <label for="d-options">{td_string!(l, delib_options_label)}</label>
                                <textarea id="d-options" rows="4" bind:value=options data-testid="d-options"></textarea>
                                <label for="d-max">{td_string!(l, delib_max_choices)}</label>
                                <input id="d-max" type="number" min="1" max="10" bind:value=max_choices/>
                            })}
                            <label for="d-electorate">{td_string!(l, delib_electorate)}</label>
                            <select id="d-electorate" data-testid="d-electorate" on:change=move |ev| electorate.set(event_target_value(&ev)) prop:value=move || electorate.get()>
                                <option value="community">{td_string!(l, delib_electorate_community)}</option>
                                <option value="buildings">{td_string!(l, delib_electorate_buildings)}</option>
                                <option value="owners">{td_string!(l, delib_electorate_owners)}</option>
                            </select>
                            {
                                let list = c.buildings.clone();
                                move || (electorate.get() != "community").then(|| view! {
                                    <fieldset data-testid="d-buildings">
                                        <legend>{td_string!(l, delib_buildings)}</legend>
                                        {list.iter().map(|(id, name)| {
                                            let id = *id;
                                            view! {
                                                <label class="choice">
                                                    <input type="checkbox" prop:checked=move || buildings.get().contains(&id)
                                                        on:change=move |_| buildings.update(|b| if let Some(p) = b.iter().position(|x| *x == id) { b.remove(p); } else { b.push(id); })/>
                                                    {name.clone()}
                                                </label>
                                            }
                                        }).collect_view()}
                                    </fieldset>
                                })
                            }
                            <label for="d-unit">{td_string!(l, delib_vote_unit)}</label>
                            <select id="d-unit" data-testid="d-unit" on:change=move |ev| unit.set(event_target_value(&ev)) prop:value=move || unit.get()>
                                {move || if electorate.get() == "owners" {
                                    view! { <option value="owner">{td_string!(l, delib_unit_owner)}</option> }.into_any()
                                } else {
                                    view! {
                                        <option value="person">{td_string!(l, delib_unit_person)}</option>
                                        <option value="household">{td_string!(l, delib_unit_household)}</option>
                                    }.into_any()
                                }}
                            </select>
                            <label for="d-rule">{td_string!(l, delib_rule)}</label>
                            <select id="d-rule" data-testid="d-rule" on:change=move |ev| rule.set(event_target_value(&ev)) prop:value=move || rule.get()>
                                <option value="simple">{td_string!(l, delib_rule_simple)}</option>
                                {move || (electorate.get() == "owners").then(|| view! {
                                    <option value="art278_ordinary">{td_string!(l, delib_rule_art278_ordinary)}</option>
                                    <option value="art278_major">{td_string!(l, delib_rule_art278_major)}</option>
                                })}
                            </select>
                            {move || (rule.get() == "simple").then(|| view! {
                                <label for="d-quorum">{td_string!(l, delib_quorum)}</label>
                                <input id="d-quorum" type="number" min="1" max="100" bind:value=quorum/>
                            })}
                            <label class="choice"><input type="checkbox" bind:checked=secret data-testid="d-secret"/>{td_string!(l, delib_secret_label)}</label>
                            <label class="choice"><input type="checkbox" bind:checked=open_now data-testid="d-open-now"/>{td_string!(l, delib_open_now)}</label>
                            {move || (!open_now.get()).then(|| view! {
                                <label for="d-opens">{td_string!(l, delib_opens_label)}</label>
                                <input id="d-opens" type="datetime-local" bind:value=opens/>
                            })}
                            <label for="d-closes">{td_string!(l, delib_closes_label)}</label>
                            <input id="d-closes" type="datetime-local" required bind:value=closes data-testid="d-closes"/>
                            {move || bad_time.get().then(|| view! { <p class="error" role="alert">{td_string!(l, delib_err_window)}</p> })}
                            {move || action_err(create.value().get(), l)}
                            <button type="submit" class="button" data-testid="d-submit" disabled=move || create.pending().get()>{td_string!(l, delib_create)}</button>
                        </form>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// The worker's desk for one deliberation: key in and correct paper ballots, see the audit, close early.
#[component]
pub fn DeskPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let key = ServerAction::<KeyPaperBallot>::new();
    let close = ServerAction::<CloseDeliberation>::new();
    let (keyed, closed) = (successes(key), successes(close));
    let audit = crate::ui::resource::resource(move || (id(), keyed.get(), closed.get()), |(id, ..)| deliberation_audit(id));
    view! {
        <Title text=move || td_string!(i18n.get_locale(), delib_desk).to_string()/>
        <p><A href=move || format!("/deliberations/{}", id())>{t!(i18n, delib_details)}</A></p>
        <Suspense fallback=|| ()>
            {move || audit.get().map(|r| match r {
                Err(e) => load_error(e, i18n.get_locale(), move || audit.refetch()),
                Ok(a) => view! { <Desk id=id() a=a key=key close=close/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Desk(id: i64, a: Audit, key: ServerAction<KeyPaperBallot>, close: ServerAction<CloseDeliberation>) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let unit = RwSignal::new(String::new());
    // A multiple-choice ballot: options are check boxes, none ticked is a blank ballot.
    let multi = a.kind == Kind::Choice && a.max_choices > 1;
    // What is ticked: option indexes (check boxes), or the one vote chosen (radio buttons).
    let selected: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let reason = RwSignal::new(String::new());
    let close_reason = RwSignal::new(String::new());
    let units = a.units.clone();
    let paper_units: Vec<i64> = a.units.iter().filter(|u| u.voted == Some(Channel::Paper)).map(|u| u.unit_id).collect();
    let paper_units = StoredValue::new(paper_units);
    let correcting = move || unit.get().parse::<i64>().is_ok_and(|u| paper_units.with_value(|p| p.contains(&u)));
    let (kind, options) = (a.kind, a.options.clone());
    let choices: Vec<Choice> = if multi {
        a.options.iter().enumerate().map(|(i, o)| Choice { value: i.to_string(), label: o.clone(), testid: format!("paper-option-{i}") }).collect()
    } else {
        let mut v: Vec<(String, String)> = match a.kind {
            Kind::YesNo => vec![
                ("yes".into(), td_string!(l, delib_yes).into()),
                ("no".into(), td_string!(l, delib_no).into()),
                ("abstain".into(), td_string!(l, delib_abstain).into()),
            ],
            Kind::Choice => a.options.iter().enumerate().map(|(i, o)| (format!("o:{i}"), o.clone())).collect(),
        };
        if a.kind == Kind::Choice {
            v.push(("o:".into(), td_string!(l, delib_blank).into()));
        }
        v.into_iter().map(|(value, label)| Choice { testid: format!("paper-vote-{value}"), value, label }).collect()
    };
    // A multiple-choice ballot with nothing ticked is a blank ballot ("o:").
    let vote = move || selected.with_untracked(|s| if multi { encode_choices(Kind::Choice, s) } else { s.first().cloned().unwrap_or_default() });
    Effect::new(move |_| {
        if let Some(Ok(())) = key.value().get() {
            unit.set(String::new());
            reason.set(String::new());
        }
    });
    let voting = a.phase == Phase::Voting;
    view! {
        <h1>{td_string!(l, delib_desk)}</h1>
        <p><strong>{a.title.clone()}</strong>" "{phase_badge(a.phase, l)}</p>
        {a.electorate_size.map(|n| view! {
            <p data-testid="desk-snapshot">{td_string!(l, delib_snapshot_size, n = n).to_string()}{a.electorate_area.filter(|x| *x > 0).map(|x| format!(" · {}", area(x)))}</p>
        })}
        {voting.then(|| view! {
            <form class="form card" data-testid="paper-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let r = reason.get_untracked();
                key.dispatch(KeyPaperBallot { id, unit_id: unit.get_untracked().parse().unwrap_or(0), vote: vote(), reason: (!r.trim().is_empty()).then_some(r) });
            }>
                <h2>{td_string!(l, delib_paper)}</h2>
                <p class="hint">{td_string!(l, delib_paper_hint)}</p>
                <label for="paper-unit">{td_string!(l, delib_voter)}</label>
                <select id="paper-unit" required data-testid="paper-unit" on:change=move |ev| unit.set(event_target_value(&ev)) prop:value=move || unit.get()>
                    <option value="">{td_string!(l, needs_choose)}</option>
                    {units.iter().map(|u| {
                        let state = match u.voted {
                            Some(Channel::App) => td_string!(l, delib_channel_app),
                            Some(Channel::Paper) => td_string!(l, delib_channel_paper),
                            None => "",
                        };
                        view! { <option value=u.unit_id.to_string() disabled=u.voted == Some(Channel::App)>{u.label.clone()}{(!state.is_empty()).then(|| format!(" ({state})"))}</option> }
                    }).collect_view()}
                </select>
                <fieldset>
                    <legend>{td_string!(l, delib_choice)}</legend>
                    <ChoiceList name="paper-vote".to_string() choices multi selected/>
                </fieldset>
                {move || correcting().then(|| view! {
                    <label for="paper-reason">{td_string!(l, delib_correction_reason)}</label>
                    <input id="paper-reason" type="text" maxlength=REASON.max required bind:value=reason data-testid="paper-reason"/>
                })}
                {move || match key.value().get() {
                    Some(Ok(())) => Some(view! { <p class="ok" role="status" data-testid="paper-ok">{td_string!(l, delib_paper_saved)}</p> }.into_any()),
                    other => action_err(other, l),
                }}
                <button type="submit" class="button" data-testid="paper-submit" disabled=move || key.pending().get()>
                    {move || if correcting() { td_string!(l, delib_correct) } else { td_string!(l, delib_key_in) }}
                </button>
            </form>
            <form class="form card" data-testid="close-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                close.dispatch(CloseDeliberation { id, reason: close_reason.get_untracked() });
            }>
                <h2>{td_string!(l, delib_close_early)}</h2>
                <label for="close-reason">{td_string!(l, need_field_reason)}</label>
                <input id="close-reason" type="text" maxlength=REASON.max required bind:value=close_reason data-testid="close-reason"/>
                {move || action_err(close.value().get(), l)}
                <button type="submit" class="button secondary" data-testid="close-submit" disabled=move || close.pending().get()>{td_string!(l, delib_close_early)}</button>
            </form>
        })}
        <section class="card">
            <h2>{td_string!(l, delib_turnout_list)}</h2>
            <table class="figures" data-testid="audit-turnout">
                <thead><tr>
                    <th scope="col">{td_string!(l, delib_voter)}</th><th scope="col">{td_string!(l, delib_channel)}</th>
                    <th scope="col">{td_string!(l, delib_cast_by)}</th><th scope="col">{td_string!(l, delib_time)}</th>
                </tr></thead>
                <tbody>
                    {a.turnout.iter().map(|t| view! {
                        <tr>
                            <td>{t.unit.clone()}</td>
                            <td>{match t.channel { Channel::App => td_string!(l, delib_channel_app), Channel::Paper => td_string!(l, delib_channel_paper) }}</td>
                            <td>{t.cast_by.clone().unwrap_or_default()}{t.on_behalf_of.clone().map(|w| format!(" ({})", td_string!(l, delib_assisted_by, name = w)))}</td>
                            <td>{when(t.last_at)}{(t.version > 0).then(|| format!(" · {}", td_string!(l, delib_changed, n = t.version)))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section class="card">
            <h2>{td_string!(l, delib_paper_log)}</h2>
            {a.secret.then(|| view! { <p class="hint">{td_string!(l, delib_secret_log)}</p> })}
            <table class="figures" data-testid="audit-paper">
                <thead><tr>
                    <th scope="col">{td_string!(l, delib_voter)}</th><th scope="col">{td_string!(l, delib_choice)}</th>
                    <th scope="col">{td_string!(l, delib_keyed_by)}</th><th scope="col">{td_string!(l, delib_time)}</th>
                </tr></thead>
                <tbody>
                    {a.paper.iter().map(|p| view! {
                        <tr>
                            <td>{p.unit.clone()}{p.correction.then(|| format!(" · {}", td_string!(l, delib_correction)))}</td>
                            <td>{p.content.as_deref().map(|v| vote_words(v, kind, &options, l)).unwrap_or_else(|| "—".into())}{p.reason.clone().map(|r| format!(" ({r})"))}</td>
                            <td>{p.keyed_by.clone()}</td>
                            <td>{when(p.at)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
