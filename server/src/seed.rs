//! Demo data for a fresh installation, so that there is something to see: one district, two
//! communities with buildings and households, residents (with an elderly parent and a child), a
//! volunteer and a community worker. Inserted once, in one transaction, only into an empty database.
use crate::db::{Db, now_ms};
use crate::events::{self, NewEvent};
use sqlx::AnyConnection;

/// A person of the demo and how to log in as them.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub phone: &'static str,
    pub who: &'static str,
}

/// The demo accounts, printed on first start.
pub const DEMO_LOGINS: &[DemoLogin] = &[
    DemoLogin { phone: "13800000001", who: "王芳 — resident (owner), 翠苑社区 1幢 1单元 101" },
    DemoLogin { phone: "13800000002", who: "李强 — resident, 翠苑社区 1幢 1单元 102" },
    DemoLogin { phone: "13800000003", who: "赵敏 — resident (owner), 文鼎苑社区 1幢 1单元 101" },
    DemoLogin { phone: "13800000004", who: "张秀英 — resident (owner), 翠苑社区 1幢 1单元 201" },
    DemoLogin { phone: "13800000005", who: "刘建华 — resident, 王芳's husband, 翠苑社区 1幢 1单元 101" },
    DemoLogin { phone: "13800000010", who: "陈志愿 — volunteer, 翠苑社区" },
    DemoLogin { phone: "13800000020", who: "刘社工 — community worker, 翠苑社区" },
    DemoLogin { phone: "13800000021", who: "孙社工 — community worker, 翠苑社区" },
    DemoLogin { phone: "13800000022", who: "吴社工 — community worker, 翠苑社区" },
    DemoLogin { phone: "13800000030", who: "周主任 — district admin, 西湖区" },
];

async fn insert_id(conn: &mut AnyConnection, sql: &str, args: Vec<Arg<'_>>) -> Result<i64, sqlx::Error> {
    let mut q = sqlx::query_scalar::<_, i64>(sql);
    for a in args {
        q = match a {
            Arg::I(v) => q.bind(v),
            Arg::OptI(v) => q.bind(v),
            Arg::S(v) => q.bind(v),
            Arg::OptS(v) => q.bind(v),
        };
    }
    q.fetch_one(conn).await
}

enum Arg<'a> {
    I(i64),
    OptI(Option<i64>),
    S(&'a str),
    OptS(Option<&'a str>),
}
use Arg::*;

/// Fills an empty database with the demo; returns false (and changes nothing) if it has data.
pub async fn seed_demo(db: &Db) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM districts").fetch_one(&mut *tx).await?;
    if existing > 0 {
        return Ok(false);
    }
    let now = now_ms();
    let c = &mut *tx;
    let district =
        insert_id(c, "INSERT INTO districts (code, name_zh, name_en) VALUES ($1, $2, $3) RETURNING id", vec![S("330106"), S("西湖区"), S("Xihu District")])
            .await?;
    let mut communities = Vec::new();
    for (code, zh, en) in [("cuiyuan", "翠苑社区", "Cuiyuan Community"), ("wending", "文鼎苑社区", "Wendingyuan Community")] {
        communities.push(
            insert_id(
                c,
                "INSERT INTO communities (district_id, code, name_zh, name_en) VALUES ($1, $2, $3, $4) RETURNING id",
                vec![I(district), S(code), S(zh), S(en)],
            )
            .await?,
        );
    }
    // households[community][building] = ids of rooms 101, 102, 201, 202 (unit 1)
    let mut households = Vec::new();
    for &community in &communities {
        let mut per_building = Vec::new();
        for b in ["1幢", "2幢", "3幢"] {
            let building = insert_id(c, "INSERT INTO buildings (community_id, name) VALUES ($1, $2) RETURNING id", vec![I(community), S(b)]).await?;
            let mut rooms = Vec::new();
            for (room, area) in [("101", 8950), ("102", 10320), ("201", 8950), ("202", 12075)] {
                rooms.push(
                    insert_id(
                        c,
                        "INSERT INTO households (building_id, unit, room, area_centi_m2) VALUES ($1, $2, $3, $4) RETURNING id",
                        vec![I(building), S("1"), S(room), I(area)],
                    )
                    .await?,
                );
            }
            per_building.push(rooms);
        }
        households.push(per_building);
    }
    let user = |phone: &'static str, name: &'static str| (phone, name);
    let people = [
        user("13800000001", "王芳"),
        user("13800000002", "李强"),
        user("13800000003", "赵敏"),
        user("13800000010", "陈志愿"),
        user("13800000020", "刘社工"),
        user("13800000030", "周主任"),
        user("13800000021", "孙社工"),
        user("13800000004", "张秀英"),
        user("13800000005", "刘建华"),
        user("13800000022", "吴社工"),
    ];
    let mut ids = Vec::new();
    for (phone, name) in people {
        ids.push(
            insert_id(
                c,
                "INSERT INTO users (phone, display_name, status, created_at) VALUES ($1, $2, 'active', $3) RETURNING id",
                vec![S(phone), S(name), I(now)],
            )
            .await?,
        );
    }
    let (wang, li, zhao, chen, liu, zhou, sun) = (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6]);
    let (zhang, liu_jh, wu) = (ids[7], ids[8], ids[9]);
    let (cuiyuan, wending) = (communities[0], communities[1]);
    let members: [(i64, &str, i64, &str, Option<&str>, i64, Option<i64>); 10] = [
        (households[0][0][0], "王芳", 1975, "本人", Some("13800000001"), 1, Some(wang)),
        (households[0][0][0], "王建国", 1948, "父亲", None, 0, None),
        (households[0][0][0], "王小米", 2019, "女儿", None, 0, None),
        (households[0][0][1], "李强", 1988, "本人", Some("13800000002"), 0, Some(li)),
        (households[1][0][0], "赵敏", 1962, "本人", Some("13800000003"), 1, Some(zhao)),
        (households[0][1][0], "陈志愿", 1995, "本人", Some("13800000010"), 1, Some(chen)),
        (households[0][2][3], "孙桂兰", 1940, "本人", None, 1, None),
        (households[0][0][0], "刘建华", 1973, "丈夫", Some("13800000005"), 0, Some(liu_jh)),
        (households[0][0][2], "张秀英", 1956, "本人", Some("13800000004"), 1, Some(zhang)),
        // No smartphone: votes on paper, keyed in by a worker.
        (households[0][0][3], "周德明", 1944, "本人", None, 1, None),
    ];
    for (household, name, born, rel, phone, owner, user_id) in members {
        insert_id(
            c,
            "INSERT INTO household_members (household_id, name, birth_year, relationship, phone, is_owner, user_id) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            vec![I(household), S(name), I(born), S(rel), OptS(phone), I(owner), OptI(user_id)],
        )
        .await?;
    }
    for (user_id, role, community, district_id) in [
        (wang, "resident", Some(cuiyuan), None),
        (li, "resident", Some(cuiyuan), None),
        (zhao, "resident", Some(wending), None),
        (chen, "resident", Some(cuiyuan), None),
        (chen, "volunteer", Some(cuiyuan), None),
        (liu, "worker", Some(cuiyuan), None),
        (sun, "worker", Some(cuiyuan), None),
        (zhang, "resident", Some(cuiyuan), None),
        (liu_jh, "resident", Some(cuiyuan), None),
        (wu, "worker", Some(cuiyuan), None),
        (zhou, "district_admin", None, Some(district)),
    ] {
        insert_id(
            c,
            "INSERT INTO memberships (user_id, role, community_id, district_id) VALUES ($1, $2, $3, $4) RETURNING id",
            vec![I(user_id), S(role), OptI(community), OptI(district_id)],
        )
        .await?;
    }
    // 翠苑社区's needs: a small threshold so that the demo shows "awaiting an answer".
    sqlx::query("UPDATE communities SET need_support_threshold = 3 WHERE id = $1").bind(cuiyuan).execute(&mut *c).await?;
    for text in ["与已有需求重复，已合并处理", "不属于社区事务范围，建议拨打 12345 市民热线", "内容不完整，请补充具体地点和情况"]
    {
        sqlx::query("INSERT INTO need_reason_templates (community_id, text) VALUES ($1, $2)").bind(cuiyuan).bind(text).execute(&mut *c).await?;
    }
    use app::needs::model::Status;
    use app::needs::store::insert_seeded;
    insert_seeded(
        c,
        cuiyuan,
        wang,
        "elderly",
        "3幢加装电梯",
        "3幢有不少老人住在高层，上下楼很困难，希望能加装电梯。",
        Status::Published,
        None,
        &[li, chen],
        now,
    )
    .await?;
    insert_seeded(
        c,
        cuiyuan,
        li,
        "transport",
        "晚上停车位不够",
        "晚上七点以后小区里几乎找不到车位，很多车停在消防通道上。",
        Status::UnderReview,
        None,
        &[wang, chen],
        now,
    )
    .await?;
    insert_seeded(
        c,
        cuiyuan,
        chen,
        "elderly",
        "增设老年食堂",
        "社区老人多，希望有一个价格实惠的老年食堂。",
        Status::Accepted,
        Some("社区已与街道沟通，计划在活动中心一楼开设老年食堂，预计明年春季开放。"),
        &[wang, li, chen],
        now,
    )
    .await?;
    insert_seeded(c, cuiyuan, wang, "childcare", "儿童游乐场滑梯损坏", "2幢旁边游乐场的滑梯有裂缝，孩子玩耍有危险。", Status::Submitted, None, &[], now)
        .await?;
    insert_seeded(c, wending, zhao, "safety", "小区路灯不亮", "1幢到大门的路灯坏了好几盏，晚上走路不安全。", Status::Published, None, &[], now).await?;
    // Deliberations: one open for votes (the scheduler takes its snapshot on its first pass), one
    // still in discussion, from the elevator need.
    let elevator: i64 = sqlx::query_scalar("SELECT id FROM needs WHERE community_id = $1 AND title = '3幢加装电梯'").bind(cuiyuan).fetch_one(&mut *c).await?;
    let day = 86_400_000;
    for (need, title, background, kind, electorate, unit, rule, opens, closes, options) in [
        (
            None,
            "儿童游乐场改造方案",
            "2幢旁边的游乐场设施老化。社区拟用公共收益改造，请选择您支持的方案。",
            "choice",
            "community",
            "household",
            "simple",
            now,
            now + 7 * day,
            vec!["更换滑梯和秋千", "改成沙池和攀爬架", "维持现状"],
        ),
        (
            Some(elevator),
            "3幢加装电梯",
            "3幢业主提出加装电梯，费用按楼层分摊，使用维修资金的部分需业主表决。",
            "yes_no",
            "owners",
            "owner",
            "art278_major",
            now + 3 * day,
            now + 17 * day,
            vec![],
        ),
    ] {
        let id = insert_id(
            c,
            "INSERT INTO deliberations (community_id, need_id, title, background, kind, max_choices, electorate, vote_unit, rule, secret, status, \
            created_by, created_at, opens_at, closes_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, 0, 'discussion', $9, $10, $11, $12) RETURNING id",
            vec![I(cuiyuan), OptI(need), S(title), S(background), S(kind), S(electorate), S(unit), S(rule), I(liu), I(now), I(opens), I(closes)],
        )
        .await?;
        for (i, o) in options.iter().enumerate() {
            sqlx::query("INSERT INTO deliberation_options (deliberation_id, idx, label) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(i as i64)
                .bind(*o)
                .execute(&mut *c)
                .await?;
        }
        if electorate == "owners" {
            sqlx::query("INSERT INTO deliberation_buildings (deliberation_id, building_id) SELECT $1, building_id FROM households WHERE id = $2")
                .bind(id)
                .bind(households[0][2][0])
                .execute(&mut *c)
                .await?;
        }
    }
    // Services (一老一小) of 翠苑: weekday lunch for those 60 and over (priced by age), an
    // after-school class for 6–12-year-olds, and a small health check that fills up (a waitlist to
    // see). Their sessions are generated by the services' scheduler pass below.
    let today = app::time::day_of(now);
    for (category, title, provider, place, description, min_age, max_age, base, bands, party, cancel_before, per_day, schedule) in [
        (
            "meals",
            "长者食堂午餐",
            "翠苑长者食堂",
            "翠苑社区服务中心一楼食堂",
            "两荤两素一汤，少盐少油。行动不便的老人可由家人代为预约。",
            Some(60),
            None,
            1200,
            vec![(70, 1000), (80, 800)],
            2,
            120,
            Some(1),
            ("weekly", 31, today, 690, 750, 40, 7, 480, 540),
        ),
        (
            "after_school",
            "四点半课堂",
            "翠苑社区志愿者团队",
            "翠苑社区活动室（二楼）",
            "放学后作业辅导和阅读，家长下班前来接。",
            Some(6),
            Some(12),
            0,
            vec![],
            2,
            60,
            None,
            ("weekly", 31, today, 990, 1080, 20, 3, 480, 960),
        ),
        (
            "health_check",
            "老年人健康体检",
            "翠苑社区卫生服务站",
            "社区卫生服务站",
            "血压、血糖、心电图，请空腹前来。",
            Some(60),
            None,
            0,
            vec![],
            1,
            1440,
            None,
            ("once", 0, today + 3, 540, 660, 1, 10, 480, 480),
        ),
    ] {
        let service = insert_id(
            c,
            "INSERT INTO services (community_id, category, title, provider, place, description, min_age, max_age, base_price_fen, party_limit, \
             cancel_before_min, per_day, per_week, active, timebank_half_hours, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, 1, $15, $13, $14, $14) RETURNING id",
            vec![
                I(cuiyuan),
                S(category),
                S(title),
                S(provider),
                S(place),
                S(description),
                OptI(min_age),
                OptI(max_age),
                I(base),
                I(party),
                I(cancel_before),
                OptI(per_day),
                I(liu),
                I(now),
                // Lunch may be paid with an hour of the time bank.
                OptI((category == "meals").then_some(2)),
            ],
        )
        .await?;
        // i64, as the store binds them: a statement prepared on a pooled connection with other
        // parameter types breaks the store's next use of it there (PostgreSQL: "incorrect binary
        // data format").
        for (from_age, price) in bands.into_iter().map(|(a, p): (i64, i64)| (a, p)) {
            sqlx::query("INSERT INTO service_price_bands (service_id, from_age, price_fen) VALUES ($1, $2, $3)")
                .bind(service)
                .bind(from_age)
                .bind(price)
                .execute(&mut *c)
                .await?;
        }
        let (repeat, days, first, start, end, capacity, opens_before, opens, closes) = schedule;
        sqlx::query(
            "INSERT INTO service_schedules (service_id, repeat, days, first_day, start_min, end_min, capacity, opens_days_before, opens_min, closes_min, \
             generated_to, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(service)
        .bind(repeat)
        .bind(days)
        .bind(first)
        .bind(start)
        .bind(end)
        .bind(capacity)
        .bind(opens_before)
        .bind(opens)
        .bind(closes)
        .bind(first - 1)
        .bind(liu)
        .bind(now)
        .execute(&mut *c)
        .await?;
    }
    // An activity of 翠苑 organised by its volunteer 陈志愿: this Saturday's (or next) stairwell
    // clean-up, open for sign-up until it starts, with two volunteer roles.
    let until = (5 - app::time::weekday(today)).rem_euclid(7);
    let saturday = today + if until == 0 { 7 } else { until };
    let starts = app::time::day_start(saturday) + 9 * 3_600_000;
    let pool = app::kernel::capacity::create_pool(c, 10, now).await.map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let activity = insert_id(
        c,
        "INSERT INTO activities (community_id, organiser_id, category, title, description, place, starts_at, ends_at, signup_opens_at, signup_closes_at, \
         pool_id, status, decided_by, decided_at, created_at, updated_at) VALUES ($1, $2, 'environment', $3, $4, $5, $6, $7, $8, $6, $9, 'published', $10, $8, $8, $8) RETURNING id",
        vec![
            I(cuiyuan),
            I(chen),
            S("周六楼道清洁"),
            S("一起清理 1 幢楼道的堆物和小广告，工具由社区提供。老人小孩都可以来，量力而行。"),
            S("翠苑 1 幢楼下集合"),
            I(starts),
            I(starts + 2 * 3_600_000),
            I(now),
            I(pool),
            I(liu),
        ],
    )
    .await?;
    for (name, count) in [("帮手", 2), ("摄影", 1)] {
        let role_pool = app::kernel::capacity::create_pool(c, count, now).await.map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        sqlx::query("INSERT INTO activity_roles (activity_id, name, pool_id) VALUES ($1, $2, $3)")
            .bind(activity)
            .bind(name)
            .bind(role_pool)
            .execute(&mut *c)
            .await?;
    }
    events::append(
        c,
        &NewEvent {
            community_id: None,
            kind: "system.demo_seeded",
            subject_type: "district",
            subject_id: Some(district),
            actor_user_id: None,
            on_behalf_of_user_id: None,
            official: false,
            payload: serde_json::json!({ "communities": communities.len(), "users": ids.len() }),
        },
    )
    .await
    .map_err(|e| match e {
        events::EventError::Db(e) => e,
        other => sqlx::Error::Protocol(other.to_string()),
    })?;
    tx.commit().await?;
    // The demo services' first sessions, as the scheduler would make them.
    app::services::store::tick(db, now).await.map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    Ok(true)
}
