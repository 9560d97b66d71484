//! Benchmark data: a community with many needs and supports (`server bench-needs`), so that the
//! list can be measured at the size of a large community. Deterministic (a fixed pseudo-random
//! sequence), inserted into 翠苑社区 of the demo.
use crate::db::{Db, now_ms};
use app::needs::model::Status;

const SUBJECTS: &[&str] = &["3幢", "5幢", "小区东门", "地下车库", "中心花园", "社区食堂", "儿童乐园", "健身广场", "垃圾站", "老年活动室"];
const PROBLEMS: &[&str] = &["加装电梯", "增设停车位", "更换路灯", "修补路面", "增加座椅", "安装充电桩", "改善排水", "增设监控", "清理杂物", "增加绿化"];
const CATEGORIES: &[&str] = &["elderly", "childcare", "health", "education", "culture_sport", "commerce", "transport", "environment", "safety", "governance"];

/// A small fixed pseudo-random sequence (xorshift), so every run has the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// In 0..n, skewed towards 0 (a few needs get most supports, as in life).
    fn skewed(&mut self, n: usize) -> usize {
        let r = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((r * r * r) * n as f64) as usize
    }
}

/// Inserts `needs` published needs and `supports` supports (from `supports / 100` residents, 100
/// each) into 翠苑社区; returns the id of the community.
pub async fn insert(db: &Db, needs: usize, supports: usize) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let community: i64 = sqlx::query_scalar("SELECT id FROM communities WHERE code = 'cuiyuan'").fetch_one(&mut *tx).await?;
    let author: i64 = sqlx::query_scalar("SELECT id FROM users WHERE phone = '13800000001'").fetch_one(&mut *tx).await?;
    let now = now_ms();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut ids = Vec::with_capacity(needs);
    for i in 0..needs {
        let title = format!("{}{}（{}）", SUBJECTS[rng.next() as usize % SUBJECTS.len()], PROBLEMS[rng.next() as usize % PROBLEMS.len()], i);
        let body = format!("{title}：居民反映已久，希望社区尽快研究解决。第{i}条。");
        let status = [Status::Published, Status::UnderReview, Status::Accepted, Status::Planned, Status::Done][i % 5];
        let category = CATEGORIES[i % CATEGORIES.len()];
        ids.push(
            app::needs::store::insert_seeded(&mut tx, community, author, category, &title, &body, status, None, &[], now - (needs - i) as i64 * 60_000).await?,
        );
    }
    let residents = supports.div_ceil(100).max(1);
    let (_, users) = residents_of_new_building(&mut tx, community, "压测楼", "1770000", residents, None).await?;
    let mut pairs = Vec::with_capacity(supports);
    for user in users {
        let mut chosen = std::collections::BTreeSet::new();
        let want = (supports - pairs.len()).min(100).min(needs);
        while chosen.len() < want {
            chosen.insert(rng.skewed(needs));
        }
        pairs.extend(chosen.into_iter().map(|n| (ids[n], user)));
    }
    for chunk in pairs.chunks(300) {
        let mut sql = String::from("INSERT INTO need_supports (need_id, user_id, created_at) VALUES ");
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3));
        }
        let mut q = sqlx::query(&sql);
        for (need, user) in chunk {
            q = q.bind(*need).bind(*user).bind(now);
        }
        q.execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE needs SET supports = (SELECT COUNT(*) FROM need_supports s WHERE s.need_id = needs.id) WHERE community_id = $1")
        .bind(community)
        .execute(&mut *tx)
        .await?;
    // The demo's resident is verified (as her first login would do).
    sqlx::query("UPDATE memberships SET verified = 1 WHERE user_id = $1 AND role = 'resident'").bind(author).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(community)
}

/// `n` verified residents of `community`, each the only member (and owner) of a
/// household of a new building `name`, phones `{prefix}0000`…; returns (building, user ids).
pub async fn residents_of_new_building(
    conn: &mut sqlx::AnyConnection,
    community: i64,
    name: &str,
    prefix: &str,
    n: usize,
    area: Option<i64>,
) -> Result<(i64, Vec<i64>), sqlx::Error> {
    let building: i64 =
        sqlx::query_scalar("INSERT INTO buildings (community_id, name) VALUES ($1, $2) RETURNING id").bind(community).bind(name).fetch_one(&mut *conn).await?;
    let mut users = Vec::with_capacity(n);
    for r in 0..n {
        let phone = format!("{prefix}{r:04}");
        let user: i64 = sqlx::query_scalar("INSERT INTO users (phone, display_name, status, created_at) VALUES ($1, $2, 'active', $3) RETURNING id")
            .bind(&phone)
            .bind(format!("压测居民{r}"))
            .bind(now_ms())
            .fetch_one(&mut *conn)
            .await?;
        let household: i64 = sqlx::query_scalar("INSERT INTO households (building_id, unit, room, area_centi_m2) VALUES ($1, '1', $2, $3) RETURNING id")
            .bind(building)
            .bind(format!("{r}"))
            .bind(area)
            .fetch_one(&mut *conn)
            .await?;
        let member: i64 = sqlx::query_scalar(
            "INSERT INTO household_members (household_id, name, relationship, phone, is_owner, user_id) VALUES ($1, $2, '本人', $3, 1, $4) RETURNING id",
        )
        .bind(household)
        .bind(format!("压测居民{r}"))
        .bind(&phone)
        .bind(user)
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query("INSERT INTO memberships (user_id, role, community_id, verified, member_id) VALUES ($1, 'resident', $2, 1, $3)")
            .bind(user)
            .bind(community)
            .bind(member)
            .execute(&mut *conn)
            .await?;
        users.push(user);
    }
    Ok((building, users))
}
