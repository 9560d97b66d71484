-- Accounts: one-time login codes, rate limits, sessions (refresh-token families), verification
-- of residents against the roster, family members awaiting confirmation, staff-assisted (代办)
-- sessions.

-- A user's sessions end at once when this changes (log out everywhere, account disabled).
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;

-- One row per code sent. Only a keyed hash of the code is kept.
CREATE TABLE login_codes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone       TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    consumed_at BIGINT
);
CREATE INDEX login_codes_phone ON login_codes (phone, id);

-- Hits against a rate limit (`bucket` = 'code_phone:<phone>', 'code_ip:<ip>', …), pruned as they age.
CREATE TABLE rate_limit_hits (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bucket TEXT NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX rate_limit_hits_bucket ON rate_limit_hits (bucket, at);

-- A session is a family of refresh tokens: each use rotates the token; presenting a token that
-- was already rotated means it was stolen, and revokes the family.
CREATE TABLE session_families (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    revoke_reason TEXT
);
CREATE INDEX session_families_user ON session_families (user_id);

CREATE TABLE refresh_tokens (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    family_id   BIGINT NOT NULL REFERENCES session_families(id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Verification of a resident in a community: against the roster (a member with the same phone)
-- or by a worker's hand, with a reason.
ALTER TABLE memberships ADD COLUMN verified BIGINT NOT NULL DEFAULT 0 CHECK (verified IN (0, 1));
ALTER TABLE memberships ADD COLUMN member_id BIGINT REFERENCES household_members(id);

-- Members added by a resident wait for a worker's confirmation.
ALTER TABLE household_members ADD COLUMN status TEXT NOT NULL DEFAULT 'confirmed'
    CHECK (status IN ('confirmed', 'pending', 'rejected'));
ALTER TABLE household_members ADD COLUMN added_by_user_id BIGINT REFERENCES users(id);

-- 代办: a worker acting for a resident without a smartphone, for a limited time.
CREATE TABLE assisted_sessions (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    worker_user_id   BIGINT NOT NULL REFERENCES users(id),
    resident_user_id BIGINT NOT NULL REFERENCES users(id),
    community_id     BIGINT NOT NULL REFERENCES communities(id),
    started_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    ended_at         BIGINT
);
CREATE INDEX assisted_sessions_worker ON assisted_sessions (worker_user_id, expires_at);
