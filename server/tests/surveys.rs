//! Surveys on both databases, through the store as the server functions will call it: a needs
//! research survey answered in the app and on paper keyed twice (matching keyings count, differing
//! ones wait for a third worker and hold the close), a satisfaction survey that is anonymous and
//! closes once with one official record, an acceptance round decided by the integer rule, and
//! 1,000 concurrent responses from 500 residents.
mod common;

use app::kernel::electorate::VoteUnit;
use app::kernel::error::{CommonError, Failure as _};
use app::kernel::guard::{Membership, Principal, Role};
use app::surveys::error::SurveyError as E;
use app::surveys::model::*;
use app::surveys::store as sv;
use app::surveys::types::*;
use common::people::{demo_with_residents, principal};
use server::db::{Db, now_ms};

/// The refusal is `expected`, with a clear message in both languages.
fn refused<T: std::fmt::Debug>(label: &str, r: Result<T, E>, expected: E) {
    let e = r.expect_err(label);
    assert_eq!(e, expected, "{label}");
    use app::i18n::Locale;
    let (zh, en) = (e.message(Locale::zh_CN), e.message(Locale::en));
    assert!(!zh.is_empty() && !en.is_empty() && zh != en, "{label}: {zh} / {en}");
}

async fn count(db: &Db, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(db.pool()).await.unwrap()
}

async fn all_events(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(db.pool()).await.unwrap()
}

fn question(kind: QuestionKind, options: &[&str], max: u32, required: bool) -> Question {
    Question { kind, prompt: "您觉得呢？".into(), options: options.iter().map(|o| o.to_string()).collect(), max_choices: max, required }
}

/// Open now for a day.
fn survey(purpose: Purpose, unit: VoteUnit, anonymous: bool, double_entry: bool, questions: Vec<Question>) -> NewSurvey {
    let now = now_ms();
    NewSurvey {
        title: "小区需求调研".into(),
        intro: "请花两分钟填写".into(),
        purpose,
        unit,
        building_ids: vec![],
        anonymous,
        double_entry,
        opens_at: now - 1_000,
        closes_at: now + 86_400_000,
        questions,
        rule: None,
        need_ids: vec![],
    }
}

fn research() -> Vec<Question> {
    vec![
        question(QuestionKind::Single, &["加装电梯", "增加车位", "老年食堂"], 1, true),
        question(QuestionKind::Multi, &["早上", "中午", "下午", "晚上"], 2, false),
        question(QuestionKind::Stars, &[], 1, false),
        question(QuestionKind::Text, &[], 1, false),
    ]
}

/// An answer sheet to `research()` (no text: the question skipped, as the server stores it).
fn answers(first: u32, stars: u8, text: &str) -> Vec<Answer> {
    let text = if text.is_empty() { Answer::Skipped } else { Answer::Text(text.into()) };
    vec![Answer::Choice(vec![first]), Answer::Choice(vec![0, 3]), Answer::Stars(stars), text]
}

fn state_of(units: &[DeskUnit], unit: i64) -> Option<PaperState> {
    units.iter().find(|u| u.unit_id == unit).map(|u| u.state)
}

/// A worker of the other demo community (文鼎苑), made from 赵敏's account.
async fn other_worker(db: &Db) -> Principal {
    let mut p = principal(db, "13800000003").await;
    p.memberships = vec![Membership { role: Role::Worker, community_id: p.memberships[0].community_id, district_id: None, verified: false }];
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_research_survey_takes_app_answers_and_paper_forms_keyed_twice() {
    for (label, db) in common::databases().await {
        server::seed::seed_demo(&db).await.unwrap();
        let (w1, w2, w3) = (principal(&db, "13800000020").await, principal(&db, "13800000021").await, principal(&db, "13800000022").await);
        let wang = principal(&db, "13800000001").await;
        let li = principal(&db, "13800000002").await;
        let zhang = principal(&db, "13800000004").await;
        let zhao = principal(&db, "13800000003").await; // 文鼎苑
        let other = other_worker(&db).await;
        let cuiyuan = w1.memberships.iter().find(|m| m.role == Role::Worker).unwrap().community_id;

        // Who may create: a worker of the community, nobody else; refusals write nothing.
        let before = all_events(&db).await;
        let form = survey(Purpose::Research, VoteUnit::Person, false, true, research());
        refused(&format!("{label}: a resident"), sv::create(&db, &wang, &form, None).await, E::Common(CommonError::Forbidden));
        refused(&format!("{label}: another community's worker"), sv::create(&db, &other, &form, cuiyuan).await, E::Common(CommonError::Forbidden));
        let bad = NewSurvey { questions: vec![question(QuestionKind::Single, &["只有一个"], 1, true)], ..form.clone() };
        refused(&format!("{label}: one option"), sv::create(&db, &w1, &bad, None).await, E::Settings(SurveyProblem::Options { question: 0 }));
        let owners = NewSurvey { unit: VoteUnit::Owner, ..form.clone() };
        refused(&format!("{label}: per home"), sv::create(&db, &w1, &owners, None).await, E::Settings(SurveyProblem::Unit));
        // It may inform needs of its own community only.
        let need_of = |title: &'static str| {
            let db = db.clone();
            async move { count(&db, &format!("SELECT id FROM needs WHERE title = '{title}' AND $1 = $1"), 0).await }
        };
        let (elevator, lights) = (need_of("3幢加装电梯").await, need_of("小区路灯不亮").await);
        let foreign = NewSurvey { need_ids: vec![elevator, lights], ..form.clone() };
        refused(&format!("{label}: another community's need"), sv::create(&db, &w1, &foreign, None).await, E::Common(CommonError::NotFound));
        assert_eq!(all_events(&db).await, before, "{label}: nothing written");
        let form = NewSurvey { need_ids: vec![elevator], ..form };
        let id = sv::create(&db, &w1, &form, None).await.unwrap();
        assert_eq!(sv::detail(&db, &wang, id).await.unwrap().needs, vec![(elevator, "3幢加装电梯".to_string())], "{label}: the need it informs");
        let need_page = app::needs::store::detail(&db, &wang, elevator).await.unwrap();
        assert_eq!(need_page.surveys, vec![(id, "小区需求调研".to_string())], "{label}: and the need names the survey");
        assert!(sv::form(&db, &w1, None).await.unwrap().needs.iter().any(|(n, _)| *n == elevator), "{label}: the builder offers it");

        // Another community sees nothing of it.
        refused(&format!("{label}: 文鼎苑 resident"), sv::detail(&db, &zhao, id).await, E::Common(CommonError::NotFound));
        refused(&format!("{label}: 文鼎苑 worker"), sv::paper(&db, &other, id, li.user_id, &answers(0, 3, "")).await, E::Common(CommonError::NotFound));
        refused(&format!("{label}: 文鼎苑 worker"), sv::disputes(&db, &other, id).await, E::Common(CommonError::NotFound));
        refused(&format!("{label}: 文鼎苑 worker"), sv::close_now(&db, &other, id).await, E::Common(CommonError::NotFound));
        refused(&format!("{label}: 文鼎苑 worker"), sv::results_of(&db, &other, id).await, E::Common(CommonError::NotFound));
        refused(
            &format!("{label}: a resident keys no paper"),
            sv::paper(&db, &wang, id, li.user_id, &answers(0, 3, "")).await,
            E::Common(CommonError::Forbidden),
        );

        // 王芳 answers in the app, then changes her mind.
        let d = sv::detail(&db, &wang, id).await.unwrap();
        assert!(d.can_answer && d.mine.is_none() && d.phase == SurveyPhase::Open, "{label}: {d:?}");
        refused(
            &format!("{label}: a required question"),
            sv::respond(&db, &wang, id, &[Answer::Skipped, Answer::Skipped, Answer::Skipped, Answer::Skipped]).await,
            E::Answers(AnswerProblem::Required { question: 0 }),
        );
        assert_eq!(sv::respond(&db, &wang, id, &answers(0, 3, "")).await.unwrap().version, 0);
        assert_eq!(sv::respond(&db, &wang, id, &answers(2, 5, "需要老年食堂")).await.unwrap().version, 1);
        let d = sv::detail(&db, &wang, id).await.unwrap();
        assert_eq!(d.mine, Some(answers(2, 5, "需要老年食堂")), "{label}");
        assert_eq!(d.responses, 1, "{label}: one response per respondent");
        // Paper for someone who answered in the app: refused; nothing keyed.
        refused(&format!("{label}: online first"), sv::paper(&db, &w1, id, wang.user_id, &answers(1, 1, "")).await, E::AnsweredOnline);

        // 李强 hands in a paper form: keyed once it waits; the same worker cannot key it again;
        // the app refuses him now.
        assert_eq!(sv::paper(&db, &w1, id, li.user_id, &answers(1, 4, "")).await.unwrap(), Keying::AwaitingSecond);
        refused(&format!("{label}: same worker"), sv::paper(&db, &w1, id, li.user_id, &answers(1, 4, "")).await, E::SameWorker);
        refused(&format!("{label}: paper first"), sv::respond(&db, &li, id, &answers(0, 5, "")).await, E::AnsweredOnPaper);
        // The desk: where each form stands, as each worker sees it.
        let state = |d: &SurveyDesk, unit: i64| state_of(&d.units, unit);
        let desk = sv::desk(&db, &w1, id).await.unwrap();
        assert_eq!(state(&desk, li.user_id), Some(PaperState::AwaitingSecond { by_me: true }), "{label}");
        assert_eq!(state(&desk, wang.user_id), Some(PaperState::Online), "{label}");
        assert_eq!(state(&desk, zhang.user_id), Some(PaperState::Open), "{label}");
        assert_eq!(state(&desk, zhao.user_id), None, "{label}: 文鼎苑 is not asked");
        assert_eq!(state(&sv::desk(&db, &w2, id).await.unwrap(), li.user_id), Some(PaperState::AwaitingSecond { by_me: false }), "{label}");
        refused(&format!("{label}: a resident's desk"), sv::desk(&db, &wang, id).await, E::Common(CommonError::Forbidden));
        refused(&format!("{label}: 文鼎苑's desk"), sv::desk(&db, &other, id).await, E::Common(CommonError::NotFound));
        // The list: answered or not, per viewer; a survey not open yet only for workers.
        let later = NewSurvey { opens_at: now_ms() + 86_400_000, closes_at: now_ms() + 2 * 86_400_000, ..form.clone() };
        let scheduled = sv::create(&db, &w1, &later, None).await.unwrap();
        let card = |l: &SurveyList, id: i64| l.open.iter().chain(&l.scheduled).chain(&l.closed).find(|c| c.id == id).cloned();
        let mine = sv::list(&db, &wang, None).await.unwrap();
        assert_eq!(card(&mine, id).map(|c| (c.phase, c.answered)), Some((SurveyPhase::Open, Some(true))), "{label}: {mine:?}");
        assert!(card(&mine, scheduled).is_none() && !mine.is_worker, "{label}: residents do not see it before it opens");
        let theirs = sv::list(&db, &zhang, None).await.unwrap();
        assert_eq!(card(&theirs, id).and_then(|c| c.answered), Some(false), "{label}: 张秀英 has not answered");
        let workers = sv::list(&db, &w1, None).await.unwrap();
        assert_eq!(workers.scheduled.iter().map(|c| c.id).collect::<Vec<_>>(), vec![scheduled], "{label}");
        assert!(sv::list(&db, &zhao, None).await.unwrap().open.iter().all(|c| c.id != id), "{label}: 文鼎苑 lists none of 翠苑's");
        refused(&format!("{label}: another community's list"), sv::list(&db, &wang, zhao.memberships[0].community_id).await, E::Common(CommonError::Forbidden));
        assert_eq!(sv::detail(&db, &w1, id).await.unwrap().responses, 1, "{label}: a single keying does not count");
        // The second worker reads it differently: a dispute, which holds the close.
        assert_eq!(sv::paper(&db, &w2, id, li.user_id, &answers(1, 3, "")).await.unwrap(), Keying::Mismatch);
        refused(&format!("{label}: keyed twice"), sv::paper(&db, &w3, id, li.user_id, &answers(1, 3, "")).await, E::AlreadyKeyed);
        let disputes = sv::disputes(&db, &w3, id).await.unwrap();
        assert_eq!(disputes.len(), 1, "{label}");
        let desk = sv::desk(&db, &w3, id).await.unwrap();
        assert_eq!((desk.disputes, state_of(&desk.units, li.user_id)), (disputes.clone(), Some(PaperState::Disputed)), "{label}");
        assert_eq!(disputes[0].unit_id, li.user_id);
        assert_eq!(
            disputes[0].keyings.iter().map(|k| k.1.clone()).collect::<Vec<_>>(),
            vec![Some(answers(1, 4, "")), Some(answers(1, 3, ""))],
            "{label}: both readings, for the third worker"
        );
        refused(&format!("{label}: a resident sees no disputes"), sv::disputes(&db, &li, id).await, E::Common(CommonError::Forbidden));
        refused(&format!("{label}: held"), sv::close_now(&db, &w1, id).await, E::Disputes { count: 1 });
        let closes_at = sv::detail(&db, &w1, id).await.unwrap().closes_at;
        let held = sv::tick(&db, closes_at + 1).await.unwrap();
        assert_eq!((held.closed, held.held), (0, 1), "{label}: the clock does not close over a dispute");
        assert_eq!(sv::detail(&db, &w1, id).await.unwrap().phase, SurveyPhase::Open, "{label}: still open");
        // Only a third worker resolves.
        refused(&format!("{label}: a keyer resolves"), sv::resolve(&db, &w2, id, li.user_id, &answers(1, 4, "")).await, E::SameWorker);
        sv::resolve(&db, &w3, id, li.user_id, &answers(1, 4, "")).await.unwrap();
        refused(&format!("{label}: resolved"), sv::resolve(&db, &w3, id, li.user_id, &answers(1, 4, "")).await, E::NotInDispute);
        assert_eq!(state_of(&sv::desk(&db, &w1, id).await.unwrap().units, li.user_id), Some(PaperState::Counted), "{label}");
        assert!(sv::disputes(&db, &w1, id).await.unwrap().is_empty(), "{label}");

        // The clock closes it now, once.
        let report = sv::tick(&db, closes_at + 2).await.unwrap();
        assert_eq!((report.closed, report.held), (1, 0), "{label}");
        assert_eq!(sv::tick(&db, closes_at + 3).await.unwrap(), sv::TickReport::default(), "{label}: once");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM events WHERE kind = 'survey.closed' AND subject_id = $1", id).await, 1, "{label}");
        let r = sv::results_of(&db, &w1, id).await.unwrap();
        assert_eq!((r.responses, r.paper), (2, 1), "{label}: 王芳 in the app, 李强 on paper");
        assert_eq!(r.questions[0].counts, vec![0, 1, 1], "{label}: {r:?}");
        assert_eq!(r.questions[2].counts, vec![0, 0, 0, 1, 1], "{label}");
        assert_eq!(r.questions[2].average_centi, Some(450), "{label}");
        assert_eq!(r.questions[3].texts, vec!["需要老年食堂".to_string()], "{label}: workers read the texts");
        let seen = sv::results_of(&db, &zhang, id).await.unwrap();
        assert!(seen.questions[3].texts.is_empty() && seen.responses == 2, "{label}: residents see no text before moderation");

        // The spreadsheet, for workers of the community: one line per response, whose and how.
        use app::kernel::csv::Encoding;
        let utf8 = sv::export(&db, &w1, id, Encoding::Utf8).await.unwrap();
        assert!(utf8.starts_with(&[0xEF, 0xBB, 0xBF]), "{label}: a BOM");
        let text = String::from_utf8(utf8[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 3, "{label}: {text}");
        assert!(lines[0].starts_with("序号,答卷人,渠道,1. ") && lines[0].contains(",4. "), "{label}: {}", lines[0]);
        assert!(lines.iter().any(|l| l.contains(",手机,") && l.contains("需要老年食堂")), "{label}: 王芳 in the app: {text}");
        assert!(lines.iter().any(|l| l.contains(",纸质,") && l.contains(",4,")), "{label}: 李强 on paper, 4 stars: {text}");
        let gbk = sv::export(&db, &w1, id, Encoding::Gbk).await.unwrap();
        assert!(std::str::from_utf8(&gbk).is_err(), "{label}: really GBK");
        assert_eq!(encoding_rs::GBK.decode(&gbk).0, text, "{label}: the same in GBK");
        refused(&format!("{label}: a resident exports nothing"), sv::export(&db, &zhang, id, Encoding::Utf8).await, E::Common(CommonError::Forbidden));
        refused(&format!("{label}: 文鼎苑 exports nothing"), sv::export(&db, &other, id, Encoding::Utf8).await, E::Common(CommonError::NotFound));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_answers_reach_residents_only_once_shown_and_one_becomes_a_need_for_its_respondent() {
    for (label, db) in common::databases().await {
        server::seed::seed_demo(&db).await.unwrap();
        let (w1, w2) = (principal(&db, "13800000020").await, principal(&db, "13800000021").await);
        let (wang, li, zhang) = (principal(&db, "13800000001").await, principal(&db, "13800000002").await, principal(&db, "13800000004").await);
        let other = other_worker(&db).await;
        let id = sv::create(&db, &w1, &survey(Purpose::Research, VoteUnit::Person, false, false, research()), None).await.unwrap();
        sv::respond(&db, &wang, id, &answers(2, 5, "需要老年食堂")).await.unwrap();
        sv::respond(&db, &li, id, &answers(1, 2, "楼下那家店太吵，谁也管不了")).await.unwrap();
        assert_eq!(sv::paper(&db, &w1, id, zhang.user_id, &answers(0, 4, "希望有助浴服务")).await.unwrap(), Keying::Counted);

        // The worker's list: every text, whose, none reviewed yet. Nobody else gets it.
        let texts = sv::texts(&db, &w1, id).await.unwrap();
        let key_of = |t: &SurveyTexts, text: &str| t.texts.iter().find(|a| a.text.starts_with(text)).map(|a| a.key.clone()).unwrap();
        assert_eq!(texts.texts.len(), 3, "{label}: {texts:?}");
        assert!(texts.texts.iter().all(|t| t.review == TextReview::Pending && t.question == 3 && t.who.is_some() && t.need.is_none()), "{label}");
        assert!(!texts.anonymous && !texts.categories.is_empty(), "{label}");
        let (k_wang, k_li, k_zhang) = (key_of(&texts, "需要"), key_of(&texts, "楼下"), key_of(&texts, "希望"));
        let before = all_events(&db).await;
        refused(&format!("{label}: a resident's list"), sv::texts(&db, &wang, id).await, E::Common(CommonError::Forbidden));
        refused(&format!("{label}: 文鼎苑's list"), sv::texts(&db, &other, id).await, E::Common(CommonError::NotFound));
        refused(&format!("{label}: a resident reviews"), sv::review_text(&db, &wang, id, &k_wang, 3, true).await, E::Common(CommonError::Forbidden));
        refused(&format!("{label}: 文鼎苑 reviews"), sv::review_text(&db, &other, id, &k_wang, 3, true).await, E::Common(CommonError::NotFound));
        refused(&format!("{label}: not a text question"), sv::review_text(&db, &w1, id, &k_wang, 0, true).await, E::Common(CommonError::NotFound));
        refused(&format!("{label}: no such response"), sv::review_text(&db, &w1, id, "999999", 3, true).await, E::Common(CommonError::NotFound));
        assert_eq!(all_events(&db).await, before, "{label}: refusals write nothing");

        // 王芳's is shown, 李强's kept back; 王芳 then rewrites hers: reviewed again before it shows.
        sv::review_text(&db, &w1, id, &k_wang, 3, true).await.unwrap();
        sv::review_text(&db, &w2, id, &k_li, 3, false).await.unwrap();
        let review = |t: &SurveyTexts, k: &str| t.texts.iter().find(|a| a.key == k).map(|a| a.review).unwrap();
        let texts = sv::texts(&db, &w1, id).await.unwrap();
        assert_eq!((review(&texts, &k_wang), review(&texts, &k_li), review(&texts, &k_zhang)), (TextReview::Shown, TextReview::Hidden, TextReview::Pending));
        sv::respond(&db, &wang, id, &answers(2, 5, "需要老年食堂，最好在一楼")).await.unwrap();
        assert_eq!(review(&sv::texts(&db, &w1, id).await.unwrap(), &k_wang), TextReview::Pending, "{label}: changed since");

        // 张秀英's paper answer becomes a need, in her name, keyed by the worker (代办).
        let category: i64 = count(&db, "SELECT MIN(id) FROM need_categories WHERE district_id IS NULL AND $1 = $1", 0).await;
        let needs_before = count(&db, "SELECT COUNT(*) FROM needs WHERE $1 = $1", 0).await;
        let new_need = app::needs::store::NewNeed {
            category_id: category,
            title: "增设助浴服务".into(),
            body: String::new(),
            building_id: None,
            place: None,
            photo_ids: vec![],
            channel: "paper".into(),
        };
        let before = all_events(&db).await;
        refused(&format!("{label}: a resident raises"), sv::raise_need(&db, &wang, id, &k_zhang, 3, &new_need).await, E::Common(CommonError::Forbidden));
        refused(&format!("{label}: 文鼎苑 raises"), sv::raise_need(&db, &other, id, &k_zhang, 3, &new_need).await, E::Common(CommonError::NotFound));
        let bad = app::needs::store::NewNeed { category_id: 999_999, ..new_need.clone() };
        let e = sv::raise_need(&db, &w1, id, &k_zhang, 3, &bad).await.expect_err("an unknown category");
        assert!(matches!(e, E::Need(_)), "{label}: {e:?}");
        assert_eq!((all_events(&db).await, count(&db, "SELECT COUNT(*) FROM needs WHERE $1 = $1", 0).await), (before, needs_before), "{label}");
        let need = sv::raise_need(&db, &w1, id, &k_zhang, 3, &new_need).await.unwrap();
        assert_eq!(sv::raise_need(&db, &w2, id, &k_zhang, 3, &new_need).await.unwrap(), need, "{label}: raised once");
        let (author, assisted, channel, status, body): (i64, Option<i64>, String, String, String) =
            sqlx::query_as("SELECT author_user_id, assisted_by_user_id, channel, status, body FROM needs WHERE id = $1")
                .bind(need)
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(
            (author, assisted, channel.as_str(), status.as_str(), body.as_str()),
            (zhang.user_id, Some(w1.user_id), "paper", "submitted", "希望有助浴服务")
        );
        let page = app::needs::store::detail(&db, &zhang, need).await.unwrap();
        assert!(page.is_author && page.surveys.iter().any(|(s, _)| *s == id), "{label}: hers, and it names the survey");
        let texts = sv::texts(&db, &w1, id).await.unwrap();
        assert_eq!(texts.texts.iter().find(|a| a.key == k_zhang).and_then(|a| a.need.clone()), Some((need, "增设助浴服务".to_string())), "{label}");
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM events WHERE kind = 'need.submitted' AND subject_id = $1 AND on_behalf_of_user_id IS NOT NULL", need).await,
            1,
            "{label}: audited as 代办"
        );

        // Closed: residents read the texts shown — 王芳's once shown again — and nothing else.
        sv::review_text(&db, &w1, id, &k_wang, 3, true).await.unwrap();
        sv::close_now(&db, &w1, id).await.unwrap();
        let seen = sv::results_of(&db, &zhang, id).await.unwrap();
        assert_eq!(seen.questions[3].texts, vec!["需要老年食堂，最好在一楼".to_string()], "{label}");
        assert_eq!(sv::results_of(&db, &w1, id).await.unwrap().questions[3].texts.len(), 3, "{label}: workers read all");

        // An anonymous survey knows no respondent: no need is raised from it.
        let anon = sv::create(&db, &w1, &survey(Purpose::Research, VoteUnit::Person, true, false, research()), None).await.unwrap();
        sv::respond(&db, &wang, anon, &answers(2, 5, "匿名的意见")).await.unwrap();
        let t = sv::texts(&db, &w1, anon).await.unwrap();
        assert!(t.anonymous && t.texts.len() == 1 && t.texts[0].who.is_none(), "{label}: {t:?}");
        let before = all_events(&db).await;
        refused(&format!("{label}: anonymous"), sv::raise_need(&db, &w1, anon, &t.texts[0].key, 3, &new_need).await, E::NoRespondent { anonymous: true });
        assert_eq!(all_events(&db).await, before, "{label}");

        // A household without anyone verified (周德明, on paper): nobody to raise it for.
        let zhou: i64 = count(&db, "SELECT household_id FROM household_members WHERE name = '周德明' AND $1 = $1", 0).await;
        let homes = sv::create(&db, &w1, &survey(Purpose::Research, VoteUnit::Household, false, false, research()), None).await.unwrap();
        sv::paper(&db, &w1, homes, zhou, &answers(0, 3, "院子里缺个长椅")).await.unwrap();
        let t = sv::texts(&db, &w1, homes).await.unwrap();
        refused(
            &format!("{label}: nobody verified"),
            sv::raise_need(&db, &w1, homes, &t.texts[0].key, 3, &new_need).await,
            E::NoRespondent { anonymous: false },
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_satisfaction_survey_closes_once_with_one_official_record_and_no_respondent() {
    for (label, db) in common::databases().await {
        server::seed::seed_demo(&db).await.unwrap();
        let worker = principal(&db, "13800000020").await;
        let wang = principal(&db, "13800000001").await;
        let zhang = principal(&db, "13800000004").await;
        let questions = vec![question(QuestionKind::Stars, &[], 1, true), question(QuestionKind::Text, &[], 1, false)];
        let id = sv::create(&db, &worker, &survey(Purpose::Satisfaction, VoteUnit::Household, true, false, questions), None).await.unwrap();
        let d = sv::detail(&db, &wang, id).await.unwrap();
        assert!(d.can_answer && d.anonymous, "{label}");
        sv::respond(&db, &wang, id, &[Answer::Stars(5), Answer::Text("物业很负责".into())]).await.unwrap();
        // A paper form for 张秀英's household, keyed once (no double entry).
        let zhang_home: i64 = sqlx::query_scalar(
            "SELECT hm.household_id FROM memberships m JOIN household_members hm ON hm.id = m.member_id WHERE m.user_id = $1 AND m.role = 'resident'",
        )
        .bind(zhang.user_id)
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(sv::paper(&db, &worker, id, zhang_home, &[Answer::Stars(3), Answer::Skipped]).await.unwrap(), Keying::Counted);
        refused(&format!("{label}: keyed once"), sv::paper(&db, &worker, id, zhang_home, &[Answer::Stars(3), Answer::Skipped]).await, E::AlreadyKeyed);
        // Her own answer, through her key, while it runs.
        assert_eq!(sv::detail(&db, &wang, id).await.unwrap().mine, Some(vec![Answer::Stars(5), Answer::Text("物业很负责".into())]), "{label}");
        // The stored answers are under keyed hashes, never a unit or user id.
        let keys: Vec<String> =
            sqlx::query_scalar("SELECT respondent_key FROM survey_responses WHERE survey_id = $1").bind(id).fetch_all(db.pool()).await.unwrap();
        assert_eq!(keys.len(), 2, "{label}");
        assert!(keys.iter().all(|k| k.len() == 64 && k.chars().all(|c| c.is_ascii_hexdigit())), "{label}: {keys:?}");

        // Closed by the clock twice (a restart in between): one official record.
        let closes_at = sv::detail(&db, &worker, id).await.unwrap().closes_at;
        assert_eq!(sv::tick(&db, closes_at).await.unwrap().closed, 1, "{label}");
        assert_eq!(sv::tick(&db, closes_at + 60_000).await.unwrap().closed, 0, "{label}");
        let (n, seq): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MAX(seq) FROM events WHERE kind = 'survey.satisfaction' AND subject_id = $1 AND official = 1")
                .bind(id)
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(n, 1, "{label}: one official record");
        let community: i64 = count(&db, "SELECT community_id FROM surveys WHERE id = $1", id).await;
        let record = app::records::store::records_after(&db, community, seq.unwrap() - 1, 1).await.unwrap().remove(0);
        let record = serde_json::to_value(&record).unwrap();
        common::schema::assert_follows_its_schema(&record);
        assert_eq!(record["data"]["responses"], 2, "{label}: {record}");
        assert_eq!(record["data"]["overall_distribution"], serde_json::json!([0, 0, 1, 0, 1]), "{label}");
        assert_eq!(record["data"]["satisfied_permille"], 500, "{label}");

        // After the close nobody can be linked to an answer: the key's secret and the paper
        // contents are gone, and her own answer can no longer be found.
        assert_eq!(count(&db, "SELECT COUNT(*) FROM surveys WHERE id = $1 AND answer_secret IS NULL", id).await, 1, "{label}");
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM electorate_paper p JOIN surveys s ON s.electorate_id = p.electorate_id WHERE s.id = $1 AND p.content IS NOT NULL",
                id
            )
            .await,
            0,
            "{label}"
        );
        assert_eq!(sv::detail(&db, &wang, id).await.unwrap().mine, None, "{label}");
        // Nothing a worker reads names a respondent.
        let names: Vec<String> = sqlx::query_scalar("SELECT display_name FROM users WHERE display_name IS NOT NULL").fetch_all(db.pool()).await.unwrap();
        let export = String::from_utf8(sv::export(&db, &worker, id, app::kernel::csv::Encoding::Utf8).await.unwrap()).unwrap();
        assert!(export.contains("物业很负责") && !export.contains("答卷人"), "{label}: the answers, nobody's: {export}");
        let seen = format!(
            "{:?} {:?} {:?} {record} {export}",
            sv::results_of(&db, &worker, id).await.unwrap(),
            sv::detail(&db, &worker, id).await.unwrap(),
            sv::disputes(&db, &worker, id).await.unwrap()
        );
        for name in names {
            assert!(!seen.contains(&name), "{label}: {name} in {seen}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acceptance_round_is_decided_by_the_share_satisfied_and_the_raters() {
    for (label, db) in common::databases().await {
        server::seed::seed_demo(&db).await.unwrap();
        let worker = principal(&db, "13800000020").await;
        let people = [principal(&db, "13800000001").await, principal(&db, "13800000002").await, principal(&db, "13800000004").await];
        let questions = vec![question(QuestionKind::Stars, &[], 1, true), question(QuestionKind::Stars, &[], 1, false)];
        let mut form = survey(Purpose::Acceptance, VoteUnit::Person, false, false, questions.clone());
        refused(
            &format!("{label}: the overall rating first"),
            sv::create(
                &db,
                &worker,
                &NewSurvey { questions: questions[..1].iter().cloned().map(|q| Question { required: false, ..q }).collect(), ..form.clone() },
                None,
            )
            .await,
            E::Settings(SurveyProblem::Overall),
        );
        form.rule = Some(AcceptanceRule { threshold_pct: 80, min_raters: MinRaters::Count(3) });
        let id = sv::create(&db, &worker, &form, None).await.unwrap();
        for (p, stars) in people.iter().zip([5, 4, 3]) {
            sv::respond(&db, p, id, &[Answer::Stars(stars), Answer::Skipped]).await.unwrap();
        }
        let a = sv::close_now(&db, &worker, id).await.unwrap().acceptance.unwrap();
        assert_eq!((a.raters, a.satisfied, a.required_raters), (3, 2, 3), "{label}");
        assert!(a.raters_ok && !a.satisfied_ok && !a.accepted, "{label}: 2 of 3 is below 80 %");
        refused(&format!("{label}: closed"), sv::close_now(&db, &worker, id).await, E::Closed);

        let id = sv::create(&db, &worker, &form, None).await.unwrap();
        for (p, stars) in people.iter().zip([5, 4, 4]) {
            sv::respond(&db, p, id, &[Answer::Stars(stars), Answer::Stars(3)]).await.unwrap();
        }
        let a = sv::close_now(&db, &worker, id).await.unwrap().acceptance.unwrap();
        assert!(a.accepted && a.satisfied == 3, "{label}: {a:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_responses_from_five_hundred_residents_leave_each_ones_last() {
    for (label, db) in common::databases().await {
        let (worker, users) = demo_with_residents(&db, "调研楼", "1371000", 500).await;
        let id = sv::create(&db, &worker, &survey(Purpose::Research, VoteUnit::Person, false, false, research()), None).await.unwrap();
        let mut people = Vec::new();
        for u in &users {
            people.push(principal(&db, *u).await);
        }
        let mut tasks = Vec::new();
        for (i, p) in people.into_iter().enumerate() {
            for attempt in 0..2u8 {
                let (db, p) = (db.clone(), p.clone());
                tasks.push(tokio::spawn(async move {
                    let sent = answers((i % 3) as u32, 1 + attempt * 4, "");
                    let receipt = sv::respond(&db, &p, id, &sent).await;
                    (p.user_id, sent, receipt)
                }));
            }
        }
        let mut last: std::collections::HashMap<i64, (i64, Vec<Answer>)> = Default::default();
        for t in tasks {
            let (user, sent, receipt) = t.await.unwrap();
            let receipt = receipt.unwrap_or_else(|e| panic!("{label}: {e:?}"));
            assert_eq!(receipt.unit_id, user, "{label}");
            let entry = last.entry(user).or_insert((-1, vec![]));
            if receipt.version > entry.0 {
                *entry = (receipt.version, sent);
            }
        }
        let stored: Vec<(String, String)> =
            sqlx::query_as("SELECT respondent_key, answers FROM survey_responses WHERE survey_id = $1").bind(id).fetch_all(db.pool()).await.unwrap();
        assert_eq!(stored.len(), 500, "{label}: exactly one response each");
        for (key, answers) in stored {
            let (version, sent) = &last[&key.parse::<i64>().unwrap()];
            assert_eq!(*version, 1, "{label}: two answers, versions 0 and 1");
            assert_eq!(decode(&answers).as_ref(), Some(sent), "{label}: the one with the higher version is stored");
        }
    }
}
