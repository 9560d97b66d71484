-- Foundation: the district → community → building → household tree, users and their roles per
-- community, and the event table (audit log + records-sync outbox).
-- Times are BIGINT milliseconds since the Unix epoch, UTC. Floor areas are BIGINT 0.01 m² units,
-- so that art. 278 thresholds are decided without floating point.

CREATE TABLE districts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE CHECK (char_length(code) BETWEEN 1 AND 32),
    name_zh     TEXT NOT NULL CHECK (char_length(name_zh) BETWEEN 1 AND 100),
    name_en     TEXT NOT NULL CHECK (char_length(name_en) BETWEEN 1 AND 100)
);

CREATE TABLE communities (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts(id),
    code        TEXT NOT NULL CHECK (char_length(code) BETWEEN 1 AND 32),
    name_zh     TEXT NOT NULL CHECK (char_length(name_zh) BETWEEN 1 AND 100),
    name_en     TEXT NOT NULL CHECK (char_length(name_en) BETWEEN 1 AND 100),
    UNIQUE (district_id, code)
);

CREATE TABLE buildings (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id BIGINT NOT NULL REFERENCES communities(id),
    name         TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
    UNIQUE (community_id, name)
);

-- A household is an address: building, unit (单元), room. Owners' exclusive floor area counts for
-- Civil Code art. 278 votes.
CREATE TABLE households (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    building_id        BIGINT NOT NULL REFERENCES buildings(id),
    unit               TEXT NOT NULL CHECK (char_length(unit) BETWEEN 1 AND 20),
    room               TEXT NOT NULL CHECK (char_length(room) BETWEEN 1 AND 20),
    area_centi_m2      BIGINT CHECK (area_centi_m2 IS NULL OR area_centi_m2 > 0),
    UNIQUE (building_id, unit, room)
);

-- A user is a phone number that logged in (or was registered by a worker).
CREATE TABLE users (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone        TEXT NOT NULL UNIQUE CHECK (char_length(phone) BETWEEN 5 AND 20),
    display_name TEXT CHECK (display_name IS NULL OR char_length(display_name) BETWEEN 1 AND 50),
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at   BIGINT NOT NULL
);

-- The people of a household, with or without a phone (an elderly parent, a child).
CREATE TABLE household_members (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households(id),
    name         TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
    birth_year   BIGINT CHECK (birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100),
    relationship TEXT NOT NULL CHECK (char_length(relationship) <= 20),
    phone        TEXT CHECK (phone IS NULL OR char_length(phone) BETWEEN 5 AND 20),
    is_owner     BIGINT NOT NULL DEFAULT 0 CHECK (is_owner IN (0, 1)),
    user_id      BIGINT REFERENCES users(id),
    UNIQUE (household_id, name)
);

-- A role in a community; a district admin's row names the district instead.
CREATE TABLE memberships (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    role         TEXT NOT NULL CHECK (role IN ('resident', 'volunteer', 'worker', 'district_admin')),
    community_id BIGINT REFERENCES communities(id),
    district_id  BIGINT REFERENCES districts(id),
    CHECK ((role = 'district_admin') = (district_id IS NOT NULL AND community_id IS NULL)),
    CHECK ((role <> 'district_admin') = (community_id IS NOT NULL AND district_id IS NULL))
);
CREATE UNIQUE INDEX memberships_unique ON memberships (user_id, role, COALESCE(community_id, 0), COALESCE(district_id, 0));

-- Every action worth keeping (audit) and every official result (outbox of the records sync),
-- appended in the same transaction as the change it records.
CREATE TABLE events (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id         BIGINT REFERENCES communities(id),
    kind                 TEXT NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 64),
    subject_type         TEXT NOT NULL CHECK (char_length(subject_type) BETWEEN 1 AND 64),
    subject_id           BIGINT,
    actor_user_id        BIGINT REFERENCES users(id),
    on_behalf_of_user_id BIGINT REFERENCES users(id),
    official             BIGINT NOT NULL CHECK (official IN (0, 1)),
    payload              TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    sync_state           TEXT NOT NULL CHECK (sync_state IN ('none', 'pending', 'delivered', 'dead')),
    sync_attempts        BIGINT NOT NULL DEFAULT 0,
    sync_next_at         BIGINT,
    sync_last_error      TEXT,
    delivered_at         BIGINT,
    CHECK ((official = 0) = (sync_state = 'none'))
);
CREATE INDEX events_subject ON events (subject_type, subject_id, id);
CREATE INDEX events_outbox ON events (sync_state, community_id, id);
