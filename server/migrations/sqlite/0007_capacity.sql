-- The kernel's capacity and waitlist (app/src/kernel/capacity.rs), shared by service sessions and
-- activity sign-ups: a pool of places, and the claims on it. The database holds the count: a claim
-- is decided while the pool's row is locked (an UPDATE of it, first in the transaction), and the
-- CHECKs refuse one place too many whatever the code does.
CREATE TABLE capacity_pools (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    capacity    INTEGER NOT NULL CHECK (capacity >= 0),
    taken       INTEGER NOT NULL DEFAULT 0 CHECK (taken >= 0),
    -- 1: no more claims, no more promotions (booking closed, or the pool cancelled).
    closed      INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
    -- The next claim's place in the order of arrival (the waitlist's order).
    next_seq    INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    CHECK (taken <= capacity)
);

-- held: has its places; waiting: on the waitlist, in seq order; released: given up (cancelled,
-- left the waitlist, declined); expired: still waiting when the pool closed.
CREATE TABLE capacity_claims (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    pool_id     INTEGER NOT NULL REFERENCES capacity_pools(id),
    places      INTEGER NOT NULL CHECK (places >= 1),
    state       TEXT NOT NULL CHECK (state IN ('held', 'waiting', 'released', 'expired')),
    seq         INTEGER NOT NULL,
    -- 1 if the places came by promotion from the waitlist.
    promoted    INTEGER NOT NULL DEFAULT 0 CHECK (promoted IN (0, 1)),
    created_at  INTEGER NOT NULL,
    held_at     INTEGER,
    ended_at    INTEGER,
    UNIQUE (pool_id, seq)
);
CREATE INDEX capacity_claims_waiting ON capacity_claims (pool_id, seq) WHERE state = 'waiting';
