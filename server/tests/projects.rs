//! Projects on both databases, through the store as the server functions will call it: a project
//! made from a need and a deliberation (the need planned, its supporter following), milestones
//! and progress, the daily digest (once a day, whatever happens), a rating round that does not
//! accept it, rectification and a second round that does — in the round's closing transaction,
//! with the official record and the need done — and the boundaries of communities and roles.
mod common;

use app::kernel::error::{CommonError, Failure as _};
use app::kernel::guard::{Membership, Principal, Role};
use app::projects::error::ProjectError as E;
use app::projects::model::*;
use app::projects::store as pj;
use app::projects::types::*;
use app::surveys::model::{AcceptanceRule, Answer, MinRaters};
use app::surveys::store as sv;
use common::people::principal;
use server::db::{Db, now_ms};

fn refused<T: std::fmt::Debug>(label: &str, r: Result<T, E>, expected: E) {
    let e = r.expect_err(label);
    assert_eq!(e, expected, "{label}");
    use app::i18n::Locale;
    let (zh, en) = (e.message(Locale::zh_CN), e.message(Locale::en));
    assert!(!zh.is_empty() && !en.is_empty() && zh != en, "{label}: {zh} / {en}");
}

async fn scalar(db: &Db, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(db.pool()).await.unwrap()
}

async fn need_status(db: &Db, need: i64) -> String {
    sqlx::query_scalar("SELECT status FROM needs WHERE id = $1").bind(need).fetch_one(db.pool()).await.unwrap()
}

async fn notes(db: &Db, user: i64) -> i64 {
    scalar(db, "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND subject_type = 'project'", user).await
}

fn plan(needs: Vec<i64>, delibs: Vec<i64>) -> NewProject {
    NewProject {
        title: "1幢楼道加装扶手".into(),
        category: "elderly".into(),
        description: "1幢楼道两侧加装不锈钢扶手，方便老人上下楼。".into(),
        budget_fen: 4_800_000,
        funding: "社区微更新资金".into(),
        contractor: "杭州某装饰公司".into(),
        milestones: vec![
            MilestoneSpec { name: "采购材料".into(), planned_day: 20_800, weight: 30 },
            MilestoneSpec { name: "安装".into(), planned_day: 20_810, weight: 60 },
            MilestoneSpec { name: "清理现场".into(), planned_day: 20_811, weight: 10 },
        ],
        need_ids: needs,
        deliberation_ids: delibs,
        survey_ids: vec![],
        rule: Some(AcceptanceRule { threshold_pct: 80, min_raters: MinRaters::Count(2) }),
    }
}

/// A worker of the other demo community (文鼎苑), made from 赵敏's account.
async fn other_worker(db: &Db) -> Principal {
    let mut p = principal(db, "13800000003").await;
    p.memberships = vec![Membership { role: Role::Worker, community_id: p.memberships[0].community_id, district_id: None, verified: false }];
    p
}

/// Everyone given rates the round's overall question with these stars.
async fn rate(db: &Db, survey: i64, who: &[(&Principal, u8)]) {
    for (p, stars) in who {
        let sheet = vec![Answer::Stars(*stars), Answer::Stars(*stars)];
        sv::respond(db, p, survey, &sheet).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_changes_the_plan_and_milestones_done_stay_done() {
    for (label, db) in common::databases().await {
        server::seed::seed_demo(&db).await.unwrap();
        let worker = principal(&db, "13800000020").await;
        let wang = principal(&db, "13800000001").await;
        let other = other_worker(&db).await;
        let id = pj::create(&db, &worker, &plan(vec![], vec![]), None).await.unwrap();
        assert_eq!(pj::set_milestone(&db, &worker, id, 0, true).await.unwrap(), 30, "{label}: 采购材料 done");
        let done_day = pj::detail(&db, &worker, id).await.unwrap().milestones[0].done_day;
        // 安装 split in two, the clean-up dropped, a higher budget.
        let changed = PlanSpec {
            description: "1幢和2幢楼道两侧加装扶手。".into(),
            budget_fen: 6_000_000,
            funding: "社区微更新资金".into(),
            contractor: String::new(),
            milestones: vec![
                MilestoneSpec { name: "采购材料".into(), planned_day: 20_800, weight: 20 },
                MilestoneSpec { name: "安装1幢".into(), planned_day: 20_810, weight: 40 },
                MilestoneSpec { name: "安装2幢".into(), planned_day: 20_820, weight: 40 },
            ],
        };
        let before = scalar(&db, "SELECT COUNT(*) FROM events WHERE $1 = $1", 0).await;
        refused(&format!("{label}: a resident"), pj::edit_plan(&db, &wang, id, &changed).await, E::Common(CommonError::Forbidden));
        refused(&format!("{label}: 文鼎苑's worker"), pj::edit_plan(&db, &other, id, &changed).await, E::Common(CommonError::NotFound));
        let heavy = PlanSpec { milestones: vec![MilestoneSpec { name: "安装".into(), planned_day: 20_810, weight: 0 }], ..changed.clone() };
        refused(&format!("{label}: a weight of 0"), pj::edit_plan(&db, &worker, id, &heavy).await, E::Plan(PlanProblem::Weight { milestone: 0 }));
        let costly = PlanSpec { budget_fen: -1, ..changed.clone() };
        refused(&format!("{label}: a negative budget"), pj::edit_plan(&db, &worker, id, &costly).await, E::Plan(PlanProblem::Budget));
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM events WHERE $1 = $1", 0).await, before, "{label}: refusals write nothing");
        assert_eq!(pj::detail(&db, &worker, id).await.unwrap().budget_fen, 4_800_000, "{label}");

        pj::edit_plan(&db, &worker, id, &changed).await.unwrap();
        let d = pj::detail(&db, &wang, id).await.unwrap();
        assert_eq!((d.budget_fen, d.description.as_str(), d.contractor.as_str()), (6_000_000, "1幢和2幢楼道两侧加装扶手。", ""), "{label}");
        assert_eq!(
            d.milestones.iter().map(|m| (m.name.as_str(), m.done_day, m.weight)).collect::<Vec<_>>(),
            vec![("采购材料", done_day, 20), ("安装1幢", None, 40), ("安装2幢", None, 40)],
            "{label}: the milestone done keeps its day"
        );
        assert_eq!(d.card.progress_pct, 20, "{label}: progress from the new weights");
        assert!(d.updates.iter().any(|u| u.kind == "plan"), "{label}: followers read it in the news");
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM events WHERE kind = 'project.plan_changed' AND subject_id = $1", id).await, 1, "{label}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_goes_from_a_need_to_acceptance_by_its_residents_ratings() {
    for (label, db) in common::databases().await {
        server::seed::seed_demo(&db).await.unwrap();
        let worker = principal(&db, "13800000020").await;
        let (wang, li, zhang) = (principal(&db, "13800000001").await, principal(&db, "13800000002").await, principal(&db, "13800000004").await);
        let other = other_worker(&db).await;
        let cuiyuan = worker.memberships.iter().find(|m| m.role == Role::Worker).unwrap().community_id.unwrap();
        let wending = other.memberships[0].community_id.unwrap();
        let mut conn = db.pool().acquire().await.unwrap();
        let published = app::needs::model::Status::Published;
        let need = app::needs::store::insert_seeded(
            &mut conn,
            cuiyuan,
            wang.user_id,
            "elderly",
            "楼道没有扶手",
            "老人上楼不方便",
            published,
            None,
            &[li.user_id],
            now_ms(),
        )
        .await
        .unwrap();
        let submitted = app::needs::model::Status::Submitted;
        let unpublished =
            app::needs::store::insert_seeded(&mut conn, cuiyuan, wang.user_id, "elderly", "还没审核", "描述", submitted, None, &[], now_ms()).await.unwrap();
        let need_b = app::needs::store::insert_seeded(&mut conn, wending, other.user_id, "elderly", "文鼎苑的需求", "描述", published, None, &[], now_ms())
            .await
            .unwrap();
        drop(conn);
        let before = scalar(&db, "SELECT COUNT(*) FROM events WHERE id > $1", 0).await;

        // Only a worker of the community, with ids of the community; nothing written otherwise.
        refused(&format!("{label}: a resident"), pj::create(&db, &wang, &plan(vec![need], vec![]), None).await, E::Common(CommonError::Forbidden));
        refused(
            &format!("{label}: another community's worker"),
            pj::create(&db, &other, &plan(vec![need], vec![]), Some(cuiyuan)).await,
            E::Common(CommonError::Forbidden),
        );
        refused(
            &format!("{label}: another community's need"),
            pj::create(&db, &worker, &plan(vec![need_b], vec![]), None).await,
            E::Common(CommonError::NotFound),
        );
        refused(
            &format!("{label}: a need not published"),
            pj::create(&db, &worker, &plan(vec![need, unpublished], vec![]), None).await,
            E::NeedStatus { need: unpublished },
        );
        let heavy = NewProject { milestones: vec![MilestoneSpec { name: "全部".into(), planned_day: 20_800, weight: 0 }], ..plan(vec![], vec![]) };
        refused(&format!("{label}: a weight of 0"), pj::create(&db, &worker, &heavy, None).await, E::Plan(PlanProblem::Weight { milestone: 0 }));
        let unknown = NewProject { category: "nothing".into(), ..plan(vec![], vec![]) };
        refused(&format!("{label}: a category"), pj::create(&db, &worker, &unknown, None).await, E::Category);
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM events WHERE id > $1", 0).await, before, "{label}: nothing written");
        assert_eq!(need_status(&db, need).await, "published", "{label}: the refused project planned nothing");

        // The editor offers the community's needs that may still be planned, nothing of 文鼎苑's.
        let offered = |f: &ProjectForm| f.needs.iter().map(|(n, ..)| *n).collect::<Vec<_>>();
        let form = pj::form(&db, &worker, None).await.unwrap();
        assert!(offered(&form).contains(&need) && !offered(&form).contains(&unpublished) && !offered(&form).contains(&need_b), "{label}: {form:?}");
        assert!(form.categories.iter().any(|c| c.code == "elderly"), "{label}");
        refused(&format!("{label}: the editor for a resident"), pj::form(&db, &wang, None).await, E::Common(CommonError::Forbidden));
        refused(&format!("{label}: the editor of 翠苑 for 文鼎苑's worker"), pj::form(&db, &other, Some(cuiyuan)).await, E::Common(CommonError::Forbidden));

        // The project: the need planned, its supporter (李强) following; another cannot take the need.
        let id = pj::create(&db, &worker, &plan(vec![need], vec![]), None).await.unwrap();
        assert!(!offered(&pj::form(&db, &worker, None).await.unwrap()).contains(&need), "{label}: a need in a project is offered no more");
        let need_page = app::needs::store::detail(&db, &li, need).await.unwrap();
        assert_eq!(need_page.project, Some((id, "1幢楼道加装扶手".to_string())), "{label}: the need links its project");

        // Photos before the work: workers add (the needs' pipeline: no EXIF) and remove; residents
        // of the community see them, nobody else.
        let blobs = app::infra::blobs::FsBlobStore { dir: common::temp_dir() };
        let photo = pj::add_photo(&db, &blobs, &worker, id, PhotoPhase::Before, common::jpeg(40, 30)).await.unwrap();
        refused(
            &format!("{label}: a resident adds none"),
            pj::add_photo(&db, &blobs, &li, id, PhotoPhase::After, common::jpeg(8, 8)).await,
            E::Common(CommonError::Forbidden),
        );
        refused(
            &format!("{label}: not an image"),
            pj::add_photo(&db, &blobs, &worker, id, PhotoPhase::After, b"%PDF-1.7".to_vec()).await,
            E::Photo(app::needs::error::NeedError::PhotoWrongType),
        );
        let key = photo.url.rsplit('/').next().unwrap().to_string();
        let bytes = pj::photo_for(&db, &blobs, &li, &key).await.unwrap();
        assert!(bytes.starts_with(&[0xFF, 0xD8]) && !bytes.windows(4).any(|w| w == b"Exif"), "{label}: stored without EXIF");
        refused(&format!("{label}: 文鼎苑 sees no photo"), pj::photo_for(&db, &blobs, &other, &key).await.map(|_| ()), E::Common(CommonError::NotFound));
        refused(&format!("{label}: 文鼎苑 removes none"), pj::remove_photo(&db, &blobs, &other, photo.id).await, E::Common(CommonError::NotFound));
        let page = pj::detail(&db, &li, id).await.unwrap();
        assert_eq!((page.before, page.after.len()), (vec![photo.clone()], 0), "{label}");
        for _ in 1..pj::MAX_PHOTOS {
            pj::add_photo(&db, &blobs, &worker, id, PhotoPhase::Before, common::jpeg(8, 8)).await.unwrap();
        }
        refused(
            &format!("{label}: ten photos before"),
            pj::add_photo(&db, &blobs, &worker, id, PhotoPhase::Before, common::jpeg(8, 8)).await,
            E::Photo(app::needs::error::NeedError::TooManyPhotos { max: pj::MAX_PHOTOS }),
        );
        pj::add_photo(&db, &blobs, &worker, id, PhotoPhase::After, common::jpeg(8, 8)).await.unwrap();
        pj::remove_photo(&db, &blobs, &worker, photo.id).await.unwrap();
        refused(&format!("{label}: its file is gone too"), pj::photo_for(&db, &blobs, &li, &key).await.map(|_| ()), E::Common(CommonError::NotFound));
        let page = pj::detail(&db, &li, id).await.unwrap();
        assert_eq!((page.before.len(), page.after.len()), (pj::MAX_PHOTOS - 1, 1), "{label}");
        assert_eq!(need_status(&db, need).await, "planned", "{label}");
        refused(&format!("{label}: the need is taken"), pj::create(&db, &worker, &plan(vec![need], vec![]), None).await, E::NeedTaken { need });
        let seen = pj::detail(&db, &li, id).await.unwrap();
        assert!(seen.following && !seen.is_worker, "{label}: a supporter follows it");
        assert_eq!((seen.card.status, seen.card.progress_pct, seen.budget_fen), (Status::Planned, 0, 4_800_000), "{label}");
        assert_eq!(seen.needs, vec![(need, "楼道没有扶手".to_string())], "{label}");
        refused(&format!("{label}: 文鼎苑 reads nothing"), pj::detail(&db, &other, id).await, E::Common(CommonError::NotFound));
        pj::follow(&db, &zhang, id, true).await.unwrap();

        // The digest: one notification per follower today, whatever else happens today.
        let t0 = now_ms();
        assert_eq!(pj::digest(&db, t0).await.unwrap(), 1, "{label}");
        assert_eq!((notes(&db, li.user_id).await, notes(&db, zhang.user_id).await, notes(&db, wang.user_id).await), (1, 1, 0), "{label}");
        assert_eq!(pj::digest(&db, t0 + 1).await.unwrap(), 0, "{label}: nothing new");

        // Work: start, milestones (weighted progress), news; the resident may not.
        refused(
            &format!("{label}: completed before it starts"),
            pj::advance(&db, &worker, id, Step::Complete).await,
            E::WrongStatus { status: "planned".into() },
        );
        refused(&format!("{label}: a resident starts"), pj::advance(&db, &li, id, Step::Start).await, E::Common(CommonError::Forbidden));
        assert_eq!(pj::advance(&db, &worker, id, Step::Start).await.unwrap(), Status::InProgress);
        assert_eq!(pj::set_milestone(&db, &worker, id, 0, true).await.unwrap(), 30, "{label}");
        assert_eq!(pj::set_milestone(&db, &worker, id, 1, true).await.unwrap(), 90, "{label}");
        refused(&format!("{label}: no such milestone"), pj::set_milestone(&db, &worker, id, 7, true).await, E::NoMilestone);
        pj::post_update(&db, &worker, id, "扶手已全部安装，正在清理。").await.unwrap();
        assert_eq!(pj::digest(&db, t0 + 2).await.unwrap(), 0, "{label}: at most one a day");
        let tomorrow = t0 + 86_400_000;
        assert_eq!(pj::digest(&db, tomorrow).await.unwrap(), 1, "{label}: the next day, one digest of it all");
        assert_eq!(notes(&db, li.user_id).await, 2, "{label}");
        let line: String = sqlx::query_scalar("SELECT params FROM notifications WHERE user_id = $1 AND subject_type = 'project' ORDER BY id DESC LIMIT 1")
            .bind(li.user_id)
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert!(line.contains("扶手已全部安装") && line.contains("\"count\":4"), "{label}: {line}");
        pj::follow(&db, &zhang, id, false).await.unwrap();
        assert!(!pj::detail(&db, &zhang, id).await.unwrap().following, "{label}");

        // A rating round only once it is completed; it is an acceptance survey under the rule.
        let closes = now_ms() + 3_600_000;
        refused(
            &format!("{label}: rated while in progress"),
            pj::open_round(&db, &worker, id, closes, &[]).await,
            E::WrongStatus { status: "in_progress".into() },
        );
        assert_eq!(pj::set_milestone(&db, &worker, id, 2, true).await.unwrap(), 100, "{label}");
        pj::advance(&db, &worker, id, Step::Complete).await.unwrap();
        refused(&format!("{label}: a round in the past"), pj::open_round(&db, &worker, id, now_ms() - 1, &[]).await, E::Window);
        let round1 = pj::open_round(&db, &worker, id, closes, &["施工质量".to_string()]).await.unwrap();
        let list = pj::list(&db, &wang, None).await.unwrap();
        assert_eq!(list.rating.iter().map(|c| (c.id, c.open_round)).collect::<Vec<_>>(), vec![(id, Some(round1))], "{label}");
        // One of two raters satisfied: 50% < 80% — not accepted, nothing done.
        rate(&db, round1, &[(&wang, 5), (&li, 2)]).await;
        sv::close_now(&db, &worker, round1).await.unwrap();
        let d = pj::detail(&db, &wang, id).await.unwrap();
        assert_eq!((d.card.status, d.card.satisfied_permille), (Status::NotAccepted, Some(500)), "{label}");
        assert_eq!(need_status(&db, need).await, "planned", "{label}: not done");
        assert_eq!(d.rounds.iter().map(|r| r.accepted).collect::<Vec<_>>(), vec![Some(false)], "{label}");
        // The public summary, for anyone: not accepted, with its satisfaction.
        let public = pj::summary(&db, cuiyuan).await.unwrap();
        let shown = |cards: &[ProjectCard]| cards.iter().map(|c| (c.id, c.satisfied_permille)).collect::<Vec<_>>();
        assert_eq!((shown(&public.accepted), shown(&public.not_accepted)), (vec![], vec![(id, Some(500))]), "{label}");

        // Rectification, then a second round: three of three satisfied — accepted, in the close.
        refused(
            &format!("{label}: rated again before the rework"),
            pj::open_round(&db, &worker, id, closes, &[]).await,
            E::WrongStatus { status: "not_accepted".into() },
        );
        pj::advance(&db, &worker, id, Step::Rectify).await.unwrap();
        pj::advance(&db, &worker, id, Step::Complete).await.unwrap();
        let round2 = pj::open_round(&db, &worker, id, closes, &[]).await.unwrap();
        let zhang_sheet = vec![Answer::Stars(4)];
        sv::respond(&db, &zhang, round2, &zhang_sheet).await.unwrap();
        sv::respond(&db, &wang, round2, &[Answer::Stars(5)]).await.unwrap();
        sv::respond(&db, &li, round2, &[Answer::Stars(4)]).await.unwrap();
        let li_before = scalar(&db, "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND subject_type = 'need'", li.user_id).await;
        // The scheduler closes it on time, once, after a restart as much as now.
        let report = sv::tick(&db, closes + 1).await.unwrap();
        assert_eq!(report.closed, 1, "{label}: the second round (the first was closed already): {report:?}");
        let d = pj::detail(&db, &wang, id).await.unwrap();
        assert_eq!((d.card.status, d.card.satisfied_permille), (Status::Accepted, Some(1000)), "{label}");
        assert_eq!(need_status(&db, need).await, "done", "{label}: the need is done");
        assert!(
            scalar(&db, "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND subject_type = 'need'", li.user_id).await > li_before,
            "{label}: the need's supporter is told"
        );
        let records: Vec<String> =
            sqlx::query_scalar("SELECT payload FROM events WHERE kind = 'project.acceptance' AND subject_id = $1 AND official = 1 ORDER BY id")
                .bind(id)
                .fetch_all(db.pool())
                .await
                .unwrap();
        assert_eq!(records.len(), 2, "{label}: one official record per round");
        assert!(records[0].contains("\"accepted\":false") && records[1].contains("\"accepted\":true"), "{label}: {records:?}");
        // As the records platform gets it: the documented schema, nobody named.
        let seq: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM events WHERE kind = 'project.acceptance' AND subject_id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap();
        let record = app::records::store::records_after(&db, cuiyuan, seq - 1, 1).await.unwrap().remove(0);
        assert_eq!((record.kind.as_str(), record.seq), ("project.acceptance", seq), "{label}");
        let record = serde_json::to_value(&record).unwrap();
        common::schema::assert_follows_its_schema(&record);
        assert_eq!((record["data"]["accepted"].as_bool(), record["data"]["satisfied_permille"].as_i64()), (Some(true), Some(1000)), "{label}");
        assert!(!record.to_string().contains("138000"), "{label}: no phone number");
        assert_eq!(sv::tick(&db, closes + 2).await.unwrap(), sv::TickReport::default(), "{label}: once");
        refused(&format!("{label}: accepted is final"), pj::advance(&db, &worker, id, Step::Rectify).await, E::WrongStatus { status: "accepted".into() });
        let same = PlanSpec { description: "改".into(), budget_fen: 1, funding: String::new(), contractor: String::new(), milestones: vec![] };
        refused(&format!("{label}: an accepted plan stays"), pj::edit_plan(&db, &worker, id, &same).await, E::WrongStatus { status: "accepted".into() });
        let list = pj::list(&db, &li, None).await.unwrap();
        assert_eq!(list.done.iter().map(|c| c.id).collect::<Vec<_>>(), vec![id], "{label}");
        assert!(pj::list(&db, &other, None).await.unwrap().done.is_empty(), "{label}: 文鼎苑 lists none of 翠苑's");
        let public = pj::summary(&db, cuiyuan).await.unwrap();
        assert_eq!((shown(&public.accepted), shown(&public.not_accepted)), (vec![(id, Some(1000))], vec![]), "{label}: accepted, 100% satisfied");
        assert_eq!(public.community_zh, "翠苑社区", "{label}");
        let public_b = pj::summary(&db, wending).await.unwrap();
        assert!(public_b.accepted.is_empty() && public_b.not_accepted.is_empty(), "{label}: 文鼎苑's summary has none of 翠苑's");
        refused(&format!("{label}: no such community"), pj::summary(&db, 999_999).await, E::Common(CommonError::NotFound));
    }
}
