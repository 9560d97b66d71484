-- Accounts: one-time login codes, rate limits, sessions (refresh-token families), verification
-- of residents against the roster, family members awaiting confirmation, staff-assisted (代办)
-- sessions.

-- A user's sessions end at once when this changes (log out everywhere, account disabled).
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;

-- One row per code sent. Only a keyed hash of the code is kept.
CREATE TABLE login_codes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    phone       TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    consumed_at INTEGER
);
CREATE INDEX login_codes_phone ON login_codes (phone, id);

-- Hits against a rate limit (`bucket` = 'code_phone:<phone>', 'code_ip:<ip>', …), pruned as they age.
CREATE TABLE rate_limit_hits (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket TEXT NOT NULL,
    at     INTEGER NOT NULL
);
CREATE INDEX rate_limit_hits_bucket ON rate_limit_hits (bucket, at);

-- A session is a family of refresh tokens: each use rotates the token; presenting a token that
-- was already rotated means it was stolen, and revokes the family.
CREATE TABLE session_families (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    revoke_reason TEXT
);
CREATE INDEX session_families_user ON session_families (user_id);

CREATE TABLE refresh_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    family_id   INTEGER NOT NULL REFERENCES session_families(id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Verification of a resident in a community: against the roster (a member with the same phone)
-- or by a worker's hand, with a reason.
ALTER TABLE memberships ADD COLUMN verified INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1));
ALTER TABLE memberships ADD COLUMN member_id INTEGER REFERENCES household_members(id);

-- Members added by a resident wait for a worker's confirmation.
ALTER TABLE household_members ADD COLUMN status TEXT NOT NULL DEFAULT 'confirmed'
    CHECK (status IN ('confirmed', 'pending', 'rejected'));
ALTER TABLE household_members ADD COLUMN added_by_user_id INTEGER REFERENCES users(id);

-- 代办: a worker acting for a resident without a smartphone, for a limited time.
CREATE TABLE assisted_sessions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    worker_user_id   INTEGER NOT NULL REFERENCES users(id),
    resident_user_id INTEGER NOT NULL REFERENCES users(id),
    community_id     INTEGER NOT NULL REFERENCES communities(id),
    started_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    ended_at         INTEGER
);
CREATE INDEX assisted_sessions_worker ON assisted_sessions (worker_user_id, expires_at);
