//! Places and the waitlist, for every capability that books or signs people up (service sessions,
//! activity sign-ups): one set of rules and one set of concurrency tests.
//!
//! A **pool** has a capacity and the places taken; a **claim** asks for some places (a booking for
//! two household members asks for two, all at once or not at all). A claim that fits is `held`;
//! one that does not is `waiting`, in order of arrival. Whenever places come free (a held claim
//! released, the capacity raised) the waiting claims are promoted in that order, each one that
//! fits, **in the same transaction** as what freed them; so when a new claim arrives, any free
//! places are ones no waiting claim fits, and it may take them without passing anyone. Closing a
//! pool (booking closed) stops claims and promotions and expires the waiting claims.
//!
//! The database holds the count: every operation first updates the pool's row (`lock`), which
//! takes its row lock on PostgreSQL (SQLite's write transaction is exclusive already), so that
//! decisions on one pool are made one at a time, each on the state the previous one committed;
//! and the table's CHECKs refuse one place too many whatever the code does. The caller passes
//! its own write transaction (`Db::begin_write`) and records what the claims mean (a booking,
//! a sign-up) and whom to tell.

/// Where booking or signing up stands: before it opens, open, or closed (from `closes_at` on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Window {
    NotYet,
    Open,
    Closed,
}

impl Window {
    pub fn at(opens_at: i64, closes_at: i64, now: i64) -> Window {
        if now < opens_at {
            Window::NotYet
        } else if now < closes_at {
            Window::Open
        } else {
            Window::Closed
        }
    }
}

/// The claims promoted when `free` places came free, from the waiting claims `(id, places)` in
/// their order: each that fits, in order (a claim too big for what is left is passed over, not
/// the ones behind it).
pub fn promotions(mut free: i64, waiting: &[(i64, i64)]) -> Vec<i64> {
    let mut out = Vec::new();
    for &(id, places) in waiting {
        if free <= 0 {
            break;
        }
        if places <= free {
            out.push(id);
            free -= places;
        }
    }
    out
}

#[cfg(feature = "ssr")]
pub use store::*;

#[cfg(feature = "ssr")]
mod store {
    use super::promotions;
    use crate::kernel::error::CommonError;
    use crate::kernel::sql::{Arg, Sql};
    use sqlx::{AnyConnection, Row};

    /// Why a capacity operation was refused.
    #[derive(Debug, Clone, PartialEq, thiserror::Error)]
    pub enum CapacityError {
        /// The capacity asked for is below the places already taken.
        #[error("capacity below the {taken} places taken")]
        BelowTaken { taken: i64 },
        /// The pool is closed: no claims, no promotions.
        #[error("closed")]
        Closed,
        #[error("no such pool or claim")]
        NotFound,
        /// The claim is no longer held or waiting.
        #[error("claim already ended")]
        Ended,
        #[error(transparent)]
        Common(#[from] CommonError),
    }

    impl From<sqlx::Error> for CapacityError {
        fn from(e: sqlx::Error) -> Self {
            CapacityError::Common(e.into())
        }
    }

    /// A pool, as read while locked.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Pool {
        pub id: i64,
        pub capacity: i64,
        pub taken: i64,
        pub closed: bool,
    }

    /// What became of a new claim.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub enum Claimed {
        Held {
            claim: i64,
        },
        /// On the waitlist, `position` (1 = next).
        Waiting {
            claim: i64,
            position: i64,
        },
    }

    impl Claimed {
        pub fn claim(&self) -> i64 {
            match *self {
                Claimed::Held { claim } | Claimed::Waiting { claim, .. } => claim,
            }
        }
    }

    /// A claim's state as stored.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub enum ClaimState {
        Held,
        Waiting,
        Released,
        Expired,
    }

    impl ClaimState {
        fn parse(s: &str) -> Result<Self, CapacityError> {
            Ok(match s {
                "held" => ClaimState::Held,
                "waiting" => ClaimState::Waiting,
                "released" => ClaimState::Released,
                "expired" => ClaimState::Expired,
                _ => return Err(CapacityError::Common(CommonError::Internal)),
            })
        }
    }

    /// A new pool of `capacity` places.
    pub async fn create_pool(conn: &mut AnyConnection, capacity: i64, now: i64) -> Result<i64, CapacityError> {
        if capacity < 0 {
            return Err(CapacityError::Common(CommonError::InvalidInput));
        }
        Ok(sqlx::query_scalar("INSERT INTO capacity_pools (capacity, created_at) VALUES ($1, $2) RETURNING id")
            .bind(capacity)
            .bind(now)
            .fetch_one(conn)
            .await?)
    }

    /// Takes the pool's row lock (until the transaction ends) and reads it, with the next arrival
    /// number taken.
    async fn lock(conn: &mut AnyConnection, pool: i64) -> Result<(Pool, i64), CapacityError> {
        lock_for(conn, pool, 1).await
    }

    /// `lock`, taking `n` arrival numbers: returns the first.
    async fn lock_for(conn: &mut AnyConnection, pool: i64, n: i64) -> Result<(Pool, i64), CapacityError> {
        let row = sqlx::query("UPDATE capacity_pools SET next_seq = next_seq + $2 WHERE id = $1 RETURNING capacity, taken, closed, next_seq")
            .bind(pool)
            .bind(n)
            .fetch_optional(conn)
            .await?
            .ok_or(CapacityError::NotFound)?;
        let p = Pool { id: pool, capacity: row.try_get(0)?, taken: row.try_get(1)?, closed: row.try_get::<i64, _>(2)? == 1 };
        Ok((p, row.try_get::<i64, _>(3)? - n))
    }

    /// The pool, without locking it.
    pub async fn pool(conn: &mut AnyConnection, pool: i64) -> Result<Pool, CapacityError> {
        let row = sqlx::query("SELECT capacity, taken, closed FROM capacity_pools WHERE id = $1")
            .bind(pool)
            .fetch_optional(conn)
            .await?
            .ok_or(CapacityError::NotFound)?;
        Ok(Pool { id: pool, capacity: row.try_get(0)?, taken: row.try_get(1)?, closed: row.try_get::<i64, _>(2)? == 1 })
    }

    /// Asks for `places` in `pool`: held if they fit, else waiting (with its position).
    pub async fn claim(conn: &mut AnyConnection, pool: i64, places: i64, now: i64) -> Result<Claimed, CapacityError> {
        claim_many(conn, pool, &[places], now).await?.pop().ok_or(CapacityError::Common(CommonError::Internal))
    }

    /// Asks for several claims' places at once, in this order (a batch of bookings of one session
    /// in one transaction): each is decided as `claim` would decide it right after the ones before
    /// it (held if it fits in what they left, else waiting behind them), in a fixed number of
    /// statements however many there are.
    pub async fn claim_many(conn: &mut AnyConnection, pool: i64, places: &[i64], now: i64) -> Result<Vec<Claimed>, CapacityError> {
        if places.is_empty() {
            return Ok(Vec::new());
        }
        if places.iter().any(|&p| p < 1) {
            return Err(CapacityError::Common(CommonError::InvalidInput));
        }
        let (p, first_seq) = lock_for(conn, pool, places.len() as i64).await?;
        if p.closed {
            return Err(CapacityError::Closed);
        }
        let mut taken = p.taken;
        let fits: Vec<bool> = places
            .iter()
            .map(|&n| {
                let fits = taken + n <= p.capacity;
                if fits {
                    taken += n;
                }
                fits
            })
            .collect();
        if taken > p.taken {
            take(conn, pool, taken - p.taken).await?;
        }
        let mut sql = Sql::new();
        let (pool_arg, now_arg) = (sql.arg(Arg::I(pool)), sql.arg(Arg::I(now)));
        let rows: Vec<String> = places
            .iter()
            .zip(&fits)
            .enumerate()
            .map(|(i, (&n, &fits))| {
                let (n, seq) = (sql.arg(Arg::I(n)), sql.arg(Arg::I(first_seq + i as i64)));
                let (state, held_at) = if fits { ("'held'", now_arg.as_str()) } else { ("'waiting'", "NULL") };
                format!("({pool_arg}, {n}, {state}, {seq}, {now_arg}, {held_at})")
            })
            .collect();
        sql.text = format!("INSERT INTO capacity_claims (pool_id, places, state, seq, created_at, held_at) VALUES {} RETURNING id, seq", rows.join(", "));
        let ids: std::collections::HashMap<i64, i64> = sql.fetch_all::<(i64, i64)>(conn).await?.into_iter().map(|(id, seq)| (seq, id)).collect();
        // Positions: those already waiting (all before this batch), then this batch's in order.
        let mut position = match fits.iter().position(|f| !f) {
            Some(_) => waiting_before(conn, pool, first_seq).await?,
            None => 0,
        };
        fits.iter()
            .enumerate()
            .map(|(i, &fits)| {
                let claim = *ids.get(&(first_seq + i as i64)).ok_or(CapacityError::Common(CommonError::Internal))?;
                Ok(if fits {
                    Claimed::Held { claim }
                } else {
                    position += 1;
                    Claimed::Waiting { claim, position }
                })
            })
            .collect()
    }

    /// Adds `places` to the pool's taken count; the row count says whether they fitted (the
    /// pool's row is locked, so it always should: a zero is a bug, refused, never an overbooking).
    async fn take(conn: &mut AnyConnection, pool: i64, places: i64) -> Result<(), CapacityError> {
        let done = sqlx::query("UPDATE capacity_pools SET taken = taken + $2 WHERE id = $1 AND taken + $2 <= capacity")
            .bind(pool)
            .bind(places)
            .execute(conn)
            .await?
            .rows_affected();
        if done == 1 { Ok(()) } else { Err(CapacityError::Common(CommonError::Internal)) }
    }

    async fn waiting_before(conn: &mut AnyConnection, pool: i64, seq: i64) -> Result<i64, CapacityError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM capacity_claims WHERE pool_id = $1 AND state = 'waiting' AND seq < $2")
            .bind(pool)
            .bind(seq)
            .fetch_one(conn)
            .await?)
    }

    /// A claim's pool, state, places and (if waiting) position.
    pub async fn claim_state(conn: &mut AnyConnection, claim: i64) -> Result<(i64, ClaimState, i64, Option<i64>), CapacityError> {
        let row = sqlx::query("SELECT pool_id, state, places, seq FROM capacity_claims WHERE id = $1")
            .bind(claim)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(CapacityError::NotFound)?;
        let (pool, state, places, seq): (i64, String, i64, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
        let state = ClaimState::parse(&state)?;
        let position = match state {
            ClaimState::Waiting => Some(waiting_before(conn, pool, seq).await? + 1),
            _ => None,
        };
        Ok((pool, state, places, position))
    }

    /// Gives up a held or waiting claim (a cancellation, leaving the waitlist, declining a
    /// promotion); returns the claims promoted into the places it freed.
    pub async fn release(conn: &mut AnyConnection, claim: i64, now: i64) -> Result<Vec<i64>, CapacityError> {
        let pool: i64 = sqlx::query_scalar("SELECT pool_id FROM capacity_claims WHERE id = $1")
            .bind(claim)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(CapacityError::NotFound)?;
        let (mut p, _) = lock(conn, pool).await?;
        // Read again under the pool's lock (another release may have ended it meanwhile), without
        // the waitlist position `claim_state` would count.
        let row = sqlx::query("SELECT state, places FROM capacity_claims WHERE id = $1").bind(claim).fetch_one(&mut *conn).await?;
        let (state, places) = (ClaimState::parse(&row.try_get::<String, _>(0)?)?, row.try_get::<i64, _>(1)?);
        match state {
            ClaimState::Held => {
                sqlx::query("UPDATE capacity_pools SET taken = taken - $2 WHERE id = $1").bind(pool).bind(places).execute(&mut *conn).await?;
                p.taken -= places;
            }
            ClaimState::Waiting => {}
            ClaimState::Released | ClaimState::Expired => return Err(CapacityError::Ended),
        }
        sqlx::query("UPDATE capacity_claims SET state = 'released', ended_at = $2 WHERE id = $1").bind(claim).bind(now).execute(&mut *conn).await?;
        promote(conn, p, now).await
    }

    /// Changes the capacity (refused below the places taken); raising it promotes.
    pub async fn set_capacity(conn: &mut AnyConnection, pool: i64, capacity: i64, now: i64) -> Result<Vec<i64>, CapacityError> {
        let (mut p, _) = lock(conn, pool).await?;
        if capacity < p.taken {
            return Err(CapacityError::BelowTaken { taken: p.taken });
        }
        sqlx::query("UPDATE capacity_pools SET capacity = $2 WHERE id = $1").bind(pool).bind(capacity).execute(&mut *conn).await?;
        p.capacity = capacity;
        promote(conn, p, now).await
    }

    /// Closes the pool (booking closed): no more claims or promotions; returns the claims that
    /// were still waiting (now expired), to be told.
    pub async fn close(conn: &mut AnyConnection, pool: i64, now: i64) -> Result<Vec<i64>, CapacityError> {
        lock(conn, pool).await?;
        sqlx::query("UPDATE capacity_pools SET closed = 1 WHERE id = $1").bind(pool).execute(&mut *conn).await?;
        let expired: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM capacity_claims WHERE pool_id = $1 AND state = 'waiting' ORDER BY seq").bind(pool).fetch_all(&mut *conn).await?;
        sqlx::query("UPDATE capacity_claims SET state = 'expired', ended_at = $2 WHERE pool_id = $1 AND state = 'waiting'")
            .bind(pool)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        Ok(expired)
    }

    /// Cancels the whole pool (a cancelled session or activity): every held or waiting claim is
    /// released and the pool closed; returns those claims, to be told.
    pub async fn cancel_pool(conn: &mut AnyConnection, pool: i64, now: i64) -> Result<Vec<i64>, CapacityError> {
        lock(conn, pool).await?;
        let ended: Vec<i64> = sqlx::query_scalar("SELECT id FROM capacity_claims WHERE pool_id = $1 AND state IN ('held', 'waiting') ORDER BY seq")
            .bind(pool)
            .fetch_all(&mut *conn)
            .await?;
        sqlx::query("UPDATE capacity_claims SET state = 'released', ended_at = $2 WHERE pool_id = $1 AND state IN ('held', 'waiting')")
            .bind(pool)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE capacity_pools SET taken = 0, closed = 1 WHERE id = $1").bind(pool).execute(&mut *conn).await?;
        Ok(ended)
    }

    /// Promotes the waiting claims that fit into the free places of the locked pool `p`.
    async fn promote(conn: &mut AnyConnection, p: Pool, now: i64) -> Result<Vec<i64>, CapacityError> {
        let free = p.capacity - p.taken;
        if p.closed || free <= 0 {
            return Ok(Vec::new());
        }
        let rows = sqlx::query("SELECT id, places FROM capacity_claims WHERE pool_id = $1 AND state = 'waiting' ORDER BY seq")
            .bind(p.id)
            .fetch_all(&mut *conn)
            .await?;
        let waiting = rows.iter().map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?))).collect::<Result<Vec<_>, sqlx::Error>>()?;
        let promoted = promotions(free, &waiting);
        for id in &promoted {
            let places = waiting.iter().find(|(w, _)| w == id).map(|(_, n)| *n).unwrap_or(0);
            take(conn, p.id, places).await?;
            sqlx::query("UPDATE capacity_claims SET state = 'held', promoted = 1, held_at = $2 WHERE id = $1").bind(id).bind(now).execute(&mut *conn).await?;
        }
        Ok(promoted)
    }
}

#[cfg(test)]
mod tests {
    use super::promotions;

    #[test]
    fn promotion_takes_each_waiting_claim_that_fits_in_order() {
        // Two places free: the first (1) fits, the second (2) no longer does, the third (1) does.
        assert_eq!(promotions(2, &[(10, 1), (11, 2), (12, 1), (13, 1)]), vec![10, 12]);
        // A big claim first is passed over, not the ones behind it.
        assert_eq!(promotions(1, &[(10, 3), (11, 1)]), vec![11]);
        assert_eq!(promotions(3, &[(10, 3), (11, 1)]), vec![10]);
        assert_eq!(promotions(0, &[(10, 1)]), Vec::<i64>::new());
        assert_eq!(promotions(5, &[]), Vec::<i64>::new());
    }
}
