//! The electorate: who may answer, frozen when a poll opens, and who has answered through which
//! channel — shared by deliberations (a vote) and surveys (a questionnaire, a rating round).
//!
//! A poll freezes its electorate once (`freeze`): one row per unit — a person, a household, or an
//! owner's homes (one head, areas summed: 法释〔2009〕7号 art. 9) — with who may answer for it in the
//! app. The turnout holds one row per unit that answered, app or paper, never both: a unit answers
//! once, in one channel (`record_app`, `record_paper`). Paper forms keyed in by workers are all
//! kept (`electorate_paper`), corrections with a reason. What was answered is the poll's own
//! business (ballots, responses): this module knows that a unit answered, never what.
use crate::kernel::stored::str_enum;
use serde::{Deserialize, Serialize};

/// Adults answer for a household.
pub const ADULT_AGE: i64 = 18;

str_enum!(
    /// What one answer stands for.
    VoteUnit { Person = "person", Household = "household", Owner = "owner" }
);
str_enum!(
    /// How a unit answered.
    Channel { App = "app", Paper = "paper" }
);

/// A unit of the frozen electorate, as the worker's audit shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotUnit {
    pub unit_id: i64,
    pub label: String,
    pub area: i64,
    pub voted: Option<Channel>,
}

/// That a unit answered: how, by whom, when (never what).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnoutRow {
    pub unit: String,
    pub channel: Channel,
    pub cast_by: Option<String>,
    pub on_behalf_of: Option<String>,
    pub first_at: i64,
    pub last_at: i64,
    pub version: i64,
}

/// A paper form as keyed in, or its correction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaperRow {
    pub id: i64,
    pub unit: String,
    pub correction: bool,
    /// entry, second (double entry's second keying), resolution (a third worker's), correction.
    pub kind: String,
    /// What was keyed, encoded by the poll; None where the poll is secret or anonymous.
    pub content: Option<String>,
    pub reason: Option<String>,
    pub keyed_by: String,
    pub at: i64,
}

#[cfg(feature = "ssr")]
pub use store::*;

#[cfg(feature = "ssr")]
mod store {
    use super::*;
    use crate::infra::hex;
    use crate::kernel::sql::{Arg, Sql};
    use sqlx::AnyConnection;

    /// A frozen electorate: its id and its size in units, area (0.01 m²) and homes.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Frozen {
        pub id: i64,
        pub size: i64,
        pub area: i64,
        pub homes: i64,
    }

    /// Freezes the electorate of `community` (of `buildings` only, unless empty) with one unit per
    /// verified resident (`Person`), per household with a confirmed member (`Household`), or per
    /// owner of homes with a known area (`Owner`: the roster's owner group makes one head of
    /// several homes, areas summed). Who may answer for a unit in the app: the person; the
    /// household's verified adult members; the homes' verified owners.
    pub async fn freeze(conn: &mut AnyConnection, community: i64, unit: VoteUnit, buildings: &[i64], now: i64) -> Result<Frozen, sqlx::Error> {
        let id: i64 = sqlx::query_scalar("INSERT INTO electorates (community_id, unit, frozen_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(community)
            .bind(unit.as_str())
            .bind(now)
            .fetch_one(&mut *conn)
            .await?;
        for b in buildings {
            sqlx::query(
                "INSERT INTO electorate_buildings (electorate_id, building_id) SELECT $1, id FROM buildings WHERE id = $2 AND community_id = $3 \
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(b)
            .bind(community)
            .execute(&mut *conn)
            .await?;
        }
        let scoped = i64::from(!buildings.is_empty());
        let in_scope = "($3 = 0 OR h.building_id IN (SELECT building_id FROM electorate_buildings WHERE electorate_id = $1))";
        let address = "b.name || ' ' || h.unit || '-' || h.room";
        match unit {
            VoteUnit::Person => {
                sqlx::query(&format!(
                    "INSERT INTO electorate_units (electorate_id, unit_id, area, label) \
                     SELECT $1, m.user_id, 0, COALESCE(u.display_name, hm.name, '#' || m.user_id) || COALESCE(' · ' || {address}, '') \
                     FROM memberships m JOIN users u ON u.id = m.user_id \
                     LEFT JOIN household_members hm ON hm.id = m.member_id \
                     LEFT JOIN households h ON h.id = hm.household_id \
                     LEFT JOIN buildings b ON b.id = h.building_id AND b.community_id = $2 \
                     WHERE m.community_id = $2 AND m.role = 'resident' AND m.verified = 1 AND u.status = 'active' AND {in_scope}"
                ))
                .bind(id)
                .bind(community)
                .bind(scoped)
                .execute(&mut *conn)
                .await?;
                sqlx::query("INSERT INTO electorate_voters (electorate_id, user_id, unit_id) SELECT electorate_id, unit_id, unit_id FROM electorate_units WHERE electorate_id = $1")
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
            VoteUnit::Household | VoteUnit::Owner => {
                let owner = unit == VoteUnit::Owner;
                let (area, member_filter) = if owner { ("h.area_centi_m2", " AND hm.is_owner = 1") } else { ("0", "") };
                let area_filter = if owner { " AND h.area_centi_m2 IS NOT NULL" } else { "" };
                // The homes that count, each with the key of the unit it counts in: its own, but for
                // owners the homes of one owner (the roster's owner_group) are one unit. The unit's
                // id is its first home's.
                let key = if owner {
                    "CASE WHEN h.owner_group IS NULL THEN 'h' || CAST(h.id AS TEXT) ELSE 'g' || h.owner_group END"
                } else {
                    "'h' || CAST(h.id AS TEXT)"
                };
                let homes = format!(
                    "SELECT h.id AS id, {key} AS k, {area} AS area, {address} AS label FROM households h JOIN buildings b ON b.id = h.building_id \
                     WHERE b.community_id = $2 AND {in_scope}{area_filter} \
                     AND EXISTS (SELECT 1 FROM household_members hm WHERE hm.household_id = h.id AND hm.status = 'confirmed'{member_filter})"
                );
                sqlx::query(&format!(
                    "INSERT INTO electorate_units (electorate_id, unit_id, area, label, homes) \
                     SELECT $1, MIN(x.id), CAST(SUM(x.area) AS BIGINT), MIN(x.label), COUNT(*) FROM ({homes}) x GROUP BY x.k"
                ))
                .bind(id)
                .bind(community)
                .bind(scoped)
                .execute(&mut *conn)
                .await?;
                sqlx::query(&format!(
                    "INSERT INTO electorate_homes (electorate_id, household_id, unit_id) \
                     SELECT $1, x.id, g.unit FROM ({homes}) x JOIN (SELECT y.k AS k, MIN(y.id) AS unit FROM ({homes}) y GROUP BY y.k) g ON g.k = x.k"
                ))
                .bind(id)
                .bind(community)
                .bind(scoped)
                .execute(&mut *conn)
                .await?;
                // An owner's unit is labelled with all its homes.
                let several: Vec<(i64, String)> = sqlx::query_as(&format!(
                    "SELECT uh.unit_id, {address} FROM electorate_homes uh JOIN electorate_units du \
                     ON du.electorate_id = uh.electorate_id AND du.unit_id = uh.unit_id AND du.homes > 1 \
                     JOIN households h ON h.id = uh.household_id JOIN buildings b ON b.id = h.building_id \
                     WHERE uh.electorate_id = $1 ORDER BY uh.unit_id, uh.household_id"
                ))
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
                let mut labels: Vec<(i64, Vec<String>)> = Vec::new();
                for (unit, label) in several {
                    match labels.last_mut() {
                        Some((u, l)) if *u == unit => l.push(label),
                        _ => labels.push((unit, vec![label])),
                    }
                }
                for (unit, l) in labels {
                    sqlx::query("UPDATE electorate_units SET label = $1 WHERE electorate_id = $2 AND unit_id = $3")
                        .bind(l.join(" + "))
                        .bind(id)
                        .bind(unit)
                        .execute(&mut *conn)
                        .await?;
                }
                let adult = if owner { String::new() } else { " AND (hm.birth_year IS NULL OR hm.birth_year <= $3)".to_string() };
                sqlx::query(&format!(
                    "INSERT INTO electorate_voters (electorate_id, user_id, unit_id) \
                     SELECT DISTINCT uh.electorate_id, m.user_id, uh.unit_id FROM memberships m \
                     JOIN household_members hm ON hm.id = m.member_id \
                     JOIN electorate_homes uh ON uh.electorate_id = $1 AND uh.household_id = hm.household_id \
                     JOIN users u ON u.id = m.user_id \
                     WHERE m.community_id = $2 AND m.role = 'resident' AND m.verified = 1 AND u.status = 'active' \
                     AND hm.status = 'confirmed'{member_filter}{adult}"
                ))
                .bind(id)
                .bind(community)
                .bind(crate::time::year_of(now) - ADULT_AGE)
                .execute(&mut *conn)
                .await?;
            }
        }
        let (size, area, homes): (i64, Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), CAST(SUM(area) AS BIGINT), CAST(SUM(homes) AS BIGINT) FROM electorate_units WHERE electorate_id = $1")
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
        Ok(Frozen { id, size, area: area.unwrap_or(0), homes: homes.unwrap_or(0) })
    }

    /// The (electorate, unit, answered) of the household and owner electorates of `community`
    /// that `user` may now answer for as a verified (adult / owner) member of one of the unit's
    /// homes — also when verified after the freeze: the freeze fixed which homes count, not which
    /// of their members answers. Only the electorates named (none: an empty list).
    pub async fn member_units(
        conn: &mut AnyConnection,
        user: i64,
        community: i64,
        now: i64,
        electorates: &[i64],
    ) -> Result<Vec<(i64, i64, bool)>, sqlx::Error> {
        if electorates.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new();
        let (u, c, y) = (sql.arg(Arg::I(user)), sql.arg(Arg::I(community)), sql.arg(Arg::I(crate::time::year_of(now) - ADULT_AGE)));
        let list = sql.list(electorates);
        sql.text = format!(
            "SELECT DISTINCT e.id, uh.unit_id, CASE WHEN t.unit_id IS NULL THEN 0 ELSE 1 END FROM memberships m \
             JOIN household_members hm ON hm.id = m.member_id JOIN users u ON u.id = m.user_id \
             JOIN electorate_homes uh ON uh.household_id = hm.household_id JOIN electorates e ON e.id = uh.electorate_id \
             LEFT JOIN electorate_turnout t ON t.electorate_id = uh.electorate_id AND t.unit_id = uh.unit_id \
             WHERE m.user_id = {u} AND m.community_id = {c} AND e.community_id = {c} AND e.id IN ({list}) AND m.role = 'resident' AND m.verified = 1 \
             AND u.status = 'active' AND hm.status = 'confirmed' \
             AND ((e.unit = 'owner' AND hm.is_owner = 1) OR (e.unit = 'household' AND (hm.birth_year IS NULL OR hm.birth_year <= {y})))"
        );
        let rows: Vec<(i64, i64, i64)> = sql.fetch_all(conn).await?;
        Ok(rows.into_iter().map(|(e, unit, answered)| (e, unit, answered == 1)).collect())
    }

    /// The units `user` may answer for: those the freeze named them for, and the households /
    /// owned homes they are now a verified (adult / owner) member of (`member_units`). Nobody
    /// gains a unit the freeze did not make.
    pub async fn castable(conn: &mut AnyConnection, electorate: i64, community: i64, user: i64, now: i64) -> Result<Vec<i64>, sqlx::Error> {
        let mut units: Vec<i64> = sqlx::query_scalar("SELECT unit_id FROM electorate_voters WHERE electorate_id = $1 AND user_id = $2")
            .bind(electorate)
            .bind(user)
            .fetch_all(&mut *conn)
            .await?;
        units.extend(member_units(conn, user, community, now, &[electorate]).await?.into_iter().map(|(_, unit, _)| unit));
        units.sort_unstable();
        units.dedup();
        Ok(units)
    }

    /// For each of `(poll id, electorate)`: whether `user` has answered for all the units they may
    /// answer for (None: they have none) — the "answered ✓" of a list, in two queries.
    pub async fn answered_by(conn: &mut AnyConnection, user: i64, community: i64, now: i64, polls: &[(i64, i64)]) -> Result<Vec<Option<bool>>, sqlx::Error> {
        let electorates: Vec<i64> = polls.iter().map(|p| p.1).collect();
        if electorates.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new();
        let u = sql.arg(Arg::I(user));
        let list = sql.list(&electorates);
        sql.text = format!(
            "SELECT v.electorate_id, v.unit_id, CASE WHEN t.unit_id IS NULL THEN 0 ELSE 1 END FROM electorate_voters v \
             LEFT JOIN electorate_turnout t ON t.electorate_id = v.electorate_id AND t.unit_id = v.unit_id \
             WHERE v.user_id = {u} AND v.electorate_id IN ({list})"
        );
        let named: Vec<(i64, i64, i64)> = sql.fetch_all(&mut *conn).await?;
        let members = member_units(conn, user, community, now, &electorates).await?;
        Ok(polls
            .iter()
            .map(|&(_, e)| {
                let mut mine: Vec<(i64, bool)> = named.iter().filter(|r| r.0 == e).map(|r| (r.1, r.2 == 1)).collect();
                mine.extend(members.iter().filter(|m| m.0 == e).map(|m| (m.1, m.2)));
                (!mine.is_empty()).then(|| mine.iter().all(|m| m.1))
            })
            .collect())
    }

    /// The SQL of the users to tell (for `notifications::send_to_each`): those the freeze named,
    /// and whoever answered in the app (a member verified after the freeze); with
    /// `only_not_answered`, those named whose unit has not answered yet.
    pub fn recipients(sql: &mut Sql, electorate: i64, only_not_answered: bool) -> String {
        let e = sql.arg(Arg::I(electorate));
        if only_not_answered {
            format!(
                "SELECT v.user_id FROM electorate_voters v WHERE v.electorate_id = {e} \
                 AND NOT EXISTS (SELECT 1 FROM electorate_turnout t WHERE t.electorate_id = v.electorate_id AND t.unit_id = v.unit_id)"
            )
        } else {
            format!(
                "SELECT v.user_id FROM electorate_voters v WHERE v.electorate_id = {e} \
                 UNION SELECT t.cast_by_user_id FROM electorate_turnout t WHERE t.electorate_id = {e} AND t.cast_by_user_id IS NOT NULL"
            )
        }
    }

    /// The units and their weights (area), as a tally takes them.
    pub async fn units(conn: &mut AnyConnection, electorate: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
        sqlx::query_as("SELECT unit_id, area FROM electorate_units WHERE electorate_id = $1 ORDER BY unit_id").bind(electorate).fetch_all(conn).await
    }

    /// How many units answered (through `channel` only, if given).
    pub async fn turnout(conn: &mut AnyConnection, electorate: i64, channel: Option<Channel>) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM electorate_turnout WHERE electorate_id = $1 AND ($2 = '' OR channel = $2)")
            .bind(electorate)
            .bind(channel.map(Channel::as_str).unwrap_or(""))
            .fetch_one(conn)
            .await
    }

    /// Records that `unit` answered in the app (`by`, for `on_behalf_of` when a worker assists),
    /// or changed its answer: the row is written first, so concurrent answers of one unit queue
    /// on it and the last to commit has the highest version. None if the unit answered on paper.
    pub async fn record_app(
        conn: &mut AnyConnection,
        electorate: i64,
        unit: i64,
        by: i64,
        on_behalf_of: Option<i64>,
        now: i64,
    ) -> Result<Option<i64>, sqlx::Error> {
        sqlx::query_scalar(
            "INSERT INTO electorate_turnout (electorate_id, unit_id, channel, cast_by_user_id, on_behalf_of_user_id, first_at, last_at, version) \
             VALUES ($1, $2, 'app', $3, $4, $5, $5, 0) ON CONFLICT (electorate_id, unit_id) DO UPDATE SET \
             cast_by_user_id = excluded.cast_by_user_id, on_behalf_of_user_id = excluded.on_behalf_of_user_id, last_at = excluded.last_at, \
             version = electorate_turnout.version + 1 WHERE electorate_turnout.channel = 'app' RETURNING version",
        )
        .bind(electorate)
        .bind(unit)
        .bind(by)
        .bind(on_behalf_of)
        .bind(now)
        .fetch_optional(conn)
        .await
    }

    /// Why a paper form was not taken.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum PaperRefusal {
        /// The unit is not in the electorate.
        NotInElectorate,
        /// The unit answered in the app.
        AnsweredOnline,
        /// The unit's paper form was keyed already (correct it, with a reason).
        AlreadyOnPaper,
        /// A correction of a form never keyed.
        NothingToCorrect,
        /// Keyed twice (or resolved) by the same worker: the second keying, and a resolution, need
        /// another worker.
        SameWorker,
        /// A resolution where the two keyings did not differ (or were resolved already).
        NotInDispute,
    }

    /// Where a form keyed twice stands after a keying.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Keyed {
        /// The first keying: it counts once another worker keys the same.
        AwaitingSecond,
        /// Both keyings agree (or a third worker resolved them): this content counts.
        Counted(String),
        /// The keyings differ: a third worker resolves it before the poll may close.
        Mismatch,
    }

    /// Two keyings of a form that differ, for a third worker.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Dispute {
        pub unit_id: i64,
        pub label: String,
        /// (who keyed, what) for the first and the second keying.
        pub keyings: [(String, String); 2],
    }

    /// A worker keys in a unit's paper form (`reason` None) or corrects it (`reason` given): the
    /// turnout says "paper", the entry is kept with `content` (None for secret polls). The
    /// caller stores what was answered in the same transaction.
    pub async fn record_paper(
        conn: &mut AnyConnection,
        electorate: i64,
        unit: i64,
        keyed_by: i64,
        content: Option<&str>,
        reason: Option<&str>,
        now: i64,
    ) -> Result<Result<(), PaperRefusal>, sqlx::Error> {
        if !in_electorate(conn, electorate, unit).await? {
            return Ok(Err(PaperRefusal::NotInElectorate));
        }
        let existing: Option<String> = sqlx::query_scalar("SELECT channel FROM electorate_turnout WHERE electorate_id = $1 AND unit_id = $2")
            .bind(electorate)
            .bind(unit)
            .fetch_optional(&mut *conn)
            .await?;
        match (existing.as_deref(), reason) {
            (Some("app"), _) => return Ok(Err(PaperRefusal::AnsweredOnline)),
            (Some(_), None) => return Ok(Err(PaperRefusal::AlreadyOnPaper)),
            (None, Some(_)) => return Ok(Err(PaperRefusal::NothingToCorrect)),
            (None, None) => {
                if !paper_turnout_added(conn, electorate, unit, now).await? {
                    return Ok(Err(PaperRefusal::AnsweredOnline));
                }
            }
            (Some(_), Some(_)) => {
                paper_turnout_touched(conn, electorate, unit, now).await?;
            }
        }
        insert_keying(conn, electorate, unit, if reason.is_some() { "correction" } else { "entry" }, content, reason, keyed_by, now).await?;
        Ok(Ok(()))
    }

    /// Double entry: a worker keys a unit's paper form (`content`, encoded by the poll). The first
    /// keying waits; a second by another worker counts when it is the same and is a dispute when it
    /// differs. The unit's turnout says "paper" from the first keying, so the app refuses it, and a
    /// unit that answered in the app is refused here. Every keying is kept. The turnout row is
    /// locked first, so two workers keying one form at once take turns.
    pub async fn key_twice(
        conn: &mut AnyConnection,
        electorate: i64,
        unit: i64,
        by: i64,
        content: &str,
        now: i64,
    ) -> Result<Result<Keyed, PaperRefusal>, sqlx::Error> {
        if !in_electorate(conn, electorate, unit).await? {
            return Ok(Err(PaperRefusal::NotInElectorate));
        }
        let first = paper_turnout_added(conn, electorate, unit, now).await?;
        let outcome = if first {
            Keyed::AwaitingSecond
        } else {
            if !paper_turnout_touched(conn, electorate, unit, now).await? {
                return Ok(Err(PaperRefusal::AnsweredOnline));
            }
            let keyings = keyings(conn, electorate, unit).await?;
            match keyings.as_slice() {
                [(kind, first_by, first_content)] if kind == "entry" => {
                    if *first_by == by {
                        return Ok(Err(PaperRefusal::SameWorker));
                    }
                    if first_content.as_deref() == Some(content) { Keyed::Counted(content.to_string()) } else { Keyed::Mismatch }
                }
                _ => return Ok(Err(PaperRefusal::AlreadyOnPaper)),
            }
        };
        let kind = if first { "entry" } else { "second" };
        insert_keying(conn, electorate, unit, kind, Some(content), None, by, now).await?;
        Ok(Ok(outcome))
    }

    /// A third worker's reading of a form whose two keyings differ: it counts.
    pub async fn resolve(
        conn: &mut AnyConnection,
        electorate: i64,
        unit: i64,
        by: i64,
        content: &str,
        now: i64,
    ) -> Result<Result<(), PaperRefusal>, sqlx::Error> {
        if !paper_turnout_touched(conn, electorate, unit, now).await? {
            return Ok(Err(PaperRefusal::NotInDispute));
        }
        match keyings(conn, electorate, unit).await?.as_slice() {
            [(k1, by1, c1), (k2, by2, c2)] if k1 == "entry" && k2 == "second" && c1 != c2 => {
                if by == *by1 || by == *by2 {
                    return Ok(Err(PaperRefusal::SameWorker));
                }
            }
            _ => return Ok(Err(PaperRefusal::NotInDispute)),
        }
        insert_keying(conn, electorate, unit, "resolution", Some(content), None, by, now).await?;
        Ok(Ok(()))
    }

    /// The forms whose two keyings differ and that nobody resolved yet.
    pub async fn disputes(conn: &mut AnyConnection, electorate: i64) -> Result<Vec<Dispute>, sqlx::Error> {
        let rows: Vec<(i64, String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT p.unit_id, u.label, p.kind, COALESCE(ku.display_name, '#' || p.keyed_by_user_id), p.content FROM electorate_paper p \
             JOIN electorate_units u ON u.electorate_id = p.electorate_id AND u.unit_id = p.unit_id \
             JOIN users ku ON ku.id = p.keyed_by_user_id WHERE p.electorate_id = $1 ORDER BY p.unit_id, p.id",
        )
        .bind(electorate)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::new();
        for unit_rows in rows.chunk_by(|a, b| a.0 == b.0) {
            if let [(unit_id, label, k1, n1, c1), (_, _, k2, n2, c2)] = unit_rows
                && k1 == "entry"
                && k2 == "second"
                && c1 != c2
            {
                out.push(Dispute {
                    unit_id: *unit_id,
                    label: label.clone(),
                    keyings: [(n1.clone(), c1.clone().unwrap_or_default()), (n2.clone(), c2.clone().unwrap_or_default())],
                });
            }
        }
        Ok(out)
    }

    async fn in_electorate(conn: &mut AnyConnection, electorate: i64, unit: i64) -> Result<bool, sqlx::Error> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM electorate_units WHERE electorate_id = $1 AND unit_id = $2")
            .bind(electorate)
            .bind(unit)
            .fetch_one(conn)
            .await?;
        Ok(n == 1)
    }

    /// The unit's turnout says "paper" from now; false if it already has a turnout row.
    async fn paper_turnout_added(conn: &mut AnyConnection, electorate: i64, unit: i64, now: i64) -> Result<bool, sqlx::Error> {
        let added = sqlx::query(
            "INSERT INTO electorate_turnout (electorate_id, unit_id, channel, first_at, last_at, version) VALUES ($1, $2, 'paper', $3, $3, 0) \
             ON CONFLICT (electorate_id, unit_id) DO NOTHING",
        )
        .bind(electorate)
        .bind(unit)
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected();
        Ok(added == 1)
    }

    /// One more keying of the unit's paper form: its turnout row changes (and stays locked to this
    /// transaction on PostgreSQL); false if the unit has no paper turnout.
    async fn paper_turnout_touched(conn: &mut AnyConnection, electorate: i64, unit: i64, now: i64) -> Result<bool, sqlx::Error> {
        let touched =
            sqlx::query("UPDATE electorate_turnout SET last_at = $1, version = version + 1 WHERE electorate_id = $2 AND unit_id = $3 AND channel = 'paper'")
                .bind(now)
                .bind(electorate)
                .bind(unit)
                .execute(conn)
                .await?
                .rows_affected();
        Ok(touched == 1)
    }

    /// Every unit of the electorate for a paper desk: id, label, how it answered, and the workers
    /// who keyed its paper form, in order (first keying, second, resolution…).
    pub async fn desk_units(conn: &mut AnyConnection, electorate: i64) -> Result<Vec<(i64, String, Option<Channel>, Vec<i64>)>, sqlx::Error> {
        let units: Vec<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT u.unit_id, u.label, t.channel FROM electorate_units u LEFT JOIN electorate_turnout t \
             ON t.electorate_id = u.electorate_id AND t.unit_id = u.unit_id WHERE u.electorate_id = $1 ORDER BY u.label, u.unit_id",
        )
        .bind(electorate)
        .fetch_all(&mut *conn)
        .await?;
        let keyed: Vec<(i64, i64)> = sqlx::query_as("SELECT unit_id, keyed_by_user_id FROM electorate_paper WHERE electorate_id = $1 ORDER BY unit_id, id")
            .bind(electorate)
            .fetch_all(&mut *conn)
            .await?;
        let mut by_unit: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
        for (unit, by) in keyed {
            by_unit.entry(unit).or_default().push(by);
        }
        units
            .into_iter()
            .map(|(id, label, ch)| Ok((id, label, ch.as_deref().map(Channel::stored).transpose()?, by_unit.remove(&id).unwrap_or_default())))
            .collect()
    }

    /// A unit's keyings, in order: (kind, who, what).
    async fn keyings(conn: &mut AnyConnection, electorate: i64, unit: i64) -> Result<Vec<(String, i64, Option<String>)>, sqlx::Error> {
        sqlx::query_as("SELECT kind, keyed_by_user_id, content FROM electorate_paper WHERE electorate_id = $1 AND unit_id = $2 ORDER BY id")
            .bind(electorate)
            .bind(unit)
            .fetch_all(conn)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_keying(
        conn: &mut AnyConnection,
        electorate: i64,
        unit: i64,
        kind: &str,
        content: Option<&str>,
        reason: Option<&str>,
        by: i64,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO electorate_paper (electorate_id, unit_id, kind, content, reason, keyed_by_user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(electorate)
        .bind(unit)
        .bind(kind)
        .bind(content)
        .bind(reason)
        .bind(by)
        .bind(now)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// A unit as its member sees it: label, and how, by whom (a user's name, or the name the
    /// roster gives them in the unit's household) and when it answered.
    pub async fn unit_state(
        conn: &mut AnyConnection,
        electorate: i64,
        unit: i64,
    ) -> Result<(String, Option<Channel>, Option<String>, Option<i64>), sqlx::Error> {
        let (label, channel, by, at): (String, Option<String>, Option<String>, Option<i64>) = sqlx::query_as(
            "SELECT u.label, t.channel, COALESCE(cu.display_name, \
               (SELECT MIN(cm.name) FROM household_members cm JOIN electorate_homes uh ON uh.household_id = cm.household_id \
                WHERE uh.electorate_id = u.electorate_id AND uh.unit_id = u.unit_id AND cm.user_id = t.cast_by_user_id)), t.last_at \
             FROM electorate_units u \
             LEFT JOIN electorate_turnout t ON t.electorate_id = u.electorate_id AND t.unit_id = u.unit_id \
             LEFT JOIN users cu ON cu.id = t.cast_by_user_id \
             WHERE u.electorate_id = $1 AND u.unit_id = $2",
        )
        .bind(electorate)
        .bind(unit)
        .fetch_one(conn)
        .await?;
        Ok((label, channel.as_deref().map(Channel::stored).transpose()?, by, at))
    }

    /// The worker's audit: every unit with its channel, the turnout, and every paper entry
    /// (`content` only where `show_content`).
    pub async fn audit(
        conn: &mut AnyConnection,
        electorate: i64,
        show_content: bool,
    ) -> Result<(Vec<SnapshotUnit>, Vec<TurnoutRow>, Vec<PaperRow>), sqlx::Error> {
        let units: Vec<(i64, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT u.unit_id, u.label, u.area, t.channel FROM electorate_units u LEFT JOIN electorate_turnout t \
             ON t.electorate_id = u.electorate_id AND t.unit_id = u.unit_id WHERE u.electorate_id = $1 ORDER BY u.label, u.unit_id",
        )
        .bind(electorate)
        .fetch_all(&mut *conn)
        .await?;
        let turnout: Vec<(String, String, Option<String>, Option<String>, i64, i64, i64)> = sqlx::query_as(
            "SELECT u.label, t.channel, cu.display_name, ou.display_name, t.first_at, t.last_at, t.version FROM electorate_turnout t \
             JOIN electorate_units u ON u.electorate_id = t.electorate_id AND u.unit_id = t.unit_id \
             LEFT JOIN users cu ON cu.id = t.cast_by_user_id LEFT JOIN users ou ON ou.id = t.on_behalf_of_user_id \
             WHERE t.electorate_id = $1 ORDER BY t.first_at, u.unit_id",
        )
        .bind(electorate)
        .fetch_all(&mut *conn)
        .await?;
        let paper: Vec<(i64, String, String, Option<String>, Option<String>, Option<String>, i64)> = sqlx::query_as(
            "SELECT e.id, u.label, e.kind, e.content, e.reason, ku.display_name, e.created_at FROM electorate_paper e \
             JOIN electorate_units u ON u.electorate_id = e.electorate_id AND u.unit_id = e.unit_id \
             JOIN users ku ON ku.id = e.keyed_by_user_id WHERE e.electorate_id = $1 ORDER BY e.id",
        )
        .bind(electorate)
        .fetch_all(&mut *conn)
        .await?;
        Ok((
            units
                .into_iter()
                .map(|(unit_id, label, area, ch)| Ok(SnapshotUnit { unit_id, label, area, voted: ch.as_deref().map(Channel::stored).transpose()? }))
                .collect::<Result<_, sqlx::Error>>()?,
            turnout
                .into_iter()
                .map(|(unit, ch, by, obo, first_at, last_at, version)| {
                    Ok(TurnoutRow { unit, channel: Channel::stored(&ch)?, cast_by: by, on_behalf_of: obo, first_at, last_at, version })
                })
                .collect::<Result<_, sqlx::Error>>()?,
            paper
                .into_iter()
                .map(|(id, unit, kind, content, reason, by, at)| PaperRow {
                    id,
                    unit,
                    correction: kind == "correction",
                    kind,
                    content: content.filter(|_| show_content),
                    reason,
                    keyed_by: by.unwrap_or_default(),
                    at,
                })
                .collect(),
        ))
    }

    /// The key an answer is stored under: the unit id for open polls; for secret (anonymous) ones
    /// an HMAC of it under the poll's secret, which is erased when the poll closes — afterwards
    /// nobody can link an answer to a unit.
    pub fn answer_key(secret: Option<&str>, unit: i64) -> String {
        use hmac::{Hmac, Mac};
        match secret {
            None => unit.to_string(),
            Some(s) => {
                let mut mac = Hmac::<sha2::Sha256>::new_from_slice(s.as_bytes()).expect("HMAC takes any key");
                mac.update(unit.to_string().as_bytes());
                hex(&mac.finalize().into_bytes())
            }
        }
    }

    /// A new secret for an anonymous poll's answer keys.
    pub fn new_secret() -> String {
        hex(&rand::random::<[u8; 32]>())
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn secret_answer_keys_depend_on_the_secret_and_the_unit() {
        assert_eq!(answer_key(None, 42), "42");
        let a = answer_key(Some("s1"), 42);
        assert_eq!(a.len(), 64);
        assert_ne!(a, answer_key(Some("s2"), 42));
        assert_ne!(a, answer_key(Some("s1"), 43));
        assert_eq!(a, answer_key(Some("s1"), 42));
    }
}
