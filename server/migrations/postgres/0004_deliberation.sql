-- Deliberation (居民议事): a question opened by a worker, discussed, then voted on online and on
-- paper by an electorate frozen when voting opens; closed on time (or early, with a reason) and
-- tallied into an official result. Times in ms UTC, areas in 0.01 m² as elsewhere.

CREATE TABLE deliberations (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id    BIGINT NOT NULL REFERENCES communities(id),
    need_id         BIGINT REFERENCES needs(id),
    title           TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 80),
    background      TEXT NOT NULL CHECK (char_length(background) BETWEEN 1 AND 4000),
    -- 'yes_no': yes / no / abstain; 'choice': one of the options, or up to max_choices of them.
    kind            TEXT NOT NULL CHECK (kind IN ('yes_no', 'choice')),
    max_choices     BIGINT NOT NULL DEFAULT 1 CHECK (max_choices >= 1),
    -- Who votes: verified residents of the community or of chosen buildings, or the owners of chosen buildings.
    electorate      TEXT NOT NULL CHECK (electorate IN ('community', 'buildings', 'owners')),
    -- One vote per person, per household, or per owned home (专有部分) weighted by its area.
    vote_unit       TEXT NOT NULL CHECK (vote_unit IN ('person', 'household', 'owner')),
    rule            TEXT NOT NULL CHECK (rule IN ('simple', 'art278_ordinary', 'art278_major')),
    quorum_pct      BIGINT CHECK (quorum_pct IS NULL OR quorum_pct BETWEEN 1 AND 100),
    secret          BIGINT NOT NULL CHECK (secret IN (0, 1)),
    status          TEXT NOT NULL CHECK (status IN ('discussion', 'voting', 'closed')),
    created_by      BIGINT NOT NULL REFERENCES users(id),
    created_at      BIGINT NOT NULL,
    opens_at        BIGINT NOT NULL,
    closes_at       BIGINT NOT NULL,
    -- The snapshot, taken when voting opens.
    opened_at       BIGINT,
    electorate_size BIGINT,
    electorate_area BIGINT,
    reminded_at     BIGINT,
    closed_at       BIGINT,
    closed_by       BIGINT REFERENCES users(id),
    close_reason    TEXT CHECK (close_reason IS NULL OR char_length(close_reason) BETWEEN 1 AND 200),
    -- The tally (JSON), written with the closing.
    result          TEXT,
    -- Secret ballots: the key that turns a vote unit into its ballot's key while voting runs;
    -- erased when the vote closes, so that afterwards nobody can link a ballot to a unit.
    ballot_secret   TEXT,
    CHECK (closes_at > opens_at),
    CHECK ((vote_unit = 'owner') = (electorate = 'owners')),
    CHECK (rule = 'simple' OR vote_unit = 'owner'),
    CHECK ((status = 'closed') = (result IS NOT NULL))
);
CREATE INDEX deliberations_community ON deliberations (community_id, id);
CREATE INDEX deliberations_due ON deliberations (status, opens_at, closes_at);

CREATE TABLE deliberation_buildings (
    deliberation_id BIGINT NOT NULL REFERENCES deliberations(id),
    building_id     BIGINT NOT NULL REFERENCES buildings(id),
    PRIMARY KEY (deliberation_id, building_id)
);

CREATE TABLE deliberation_options (
    deliberation_id BIGINT NOT NULL REFERENCES deliberations(id),
    idx             BIGINT NOT NULL CHECK (idx >= 0),
    label           TEXT NOT NULL CHECK (char_length(label) BETWEEN 1 AND 80),
    PRIMARY KEY (deliberation_id, idx)
);

-- The electorate snapshot: one row per vote unit (a person: unit_id = user id; a household or an
-- owned home: unit_id = household id), with its weight, frozen when voting opens.
CREATE TABLE deliberation_units (
    deliberation_id BIGINT NOT NULL REFERENCES deliberations(id),
    unit_id         BIGINT NOT NULL,
    area            BIGINT NOT NULL CHECK (area >= 0),
    label           TEXT NOT NULL,
    PRIMARY KEY (deliberation_id, unit_id)
);

-- Who may cast a unit's vote in the app (the person; the adult members of a household; the owners).
CREATE TABLE deliberation_unit_voters (
    deliberation_id BIGINT NOT NULL,
    user_id         BIGINT NOT NULL REFERENCES users(id),
    unit_id         BIGINT NOT NULL,
    PRIMARY KEY (deliberation_id, user_id, unit_id),
    FOREIGN KEY (deliberation_id, unit_id) REFERENCES deliberation_units (deliberation_id, unit_id)
);

-- That a unit voted, how and by whom (never what): one row per unit, so a unit votes once, in one
-- channel. `version` counts the changes of an app ballot (0 = the first).
CREATE TABLE deliberation_turnout (
    deliberation_id  BIGINT NOT NULL,
    unit_id          BIGINT NOT NULL,
    channel          TEXT NOT NULL CHECK (channel IN ('app', 'paper')),
    cast_by_user_id  BIGINT REFERENCES users(id),
    on_behalf_of_user_id BIGINT REFERENCES users(id),
    first_at         BIGINT NOT NULL,
    last_at          BIGINT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (deliberation_id, unit_id),
    FOREIGN KEY (deliberation_id, unit_id) REFERENCES deliberation_units (deliberation_id, unit_id)
);

-- What was voted: one row per unit, keyed by `voter_key` — the unit id for open ballots, a keyed
-- hash of it for secret ones. No time, no row id: nothing to line up with the turnout.
CREATE TABLE ballots (
    deliberation_id BIGINT NOT NULL REFERENCES deliberations(id),
    voter_key       TEXT NOT NULL,
    choice          TEXT NOT NULL,
    PRIMARY KEY (deliberation_id, voter_key)
);

-- Paper ballots as keyed in: every entry and correction, who keyed it and when (the choice only
-- for open ballots).
CREATE TABLE paper_entries (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    deliberation_id  BIGINT NOT NULL REFERENCES deliberations(id),
    unit_id          BIGINT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('entry', 'correction')),
    choice           TEXT,
    reason           TEXT CHECK (reason IS NULL OR char_length(reason) BETWEEN 1 AND 200),
    keyed_by_user_id BIGINT NOT NULL REFERENCES users(id),
    created_at       BIGINT NOT NULL,
    CHECK ((kind = 'correction') = (reason IS NOT NULL))
);
CREATE INDEX paper_entries_deliberation ON paper_entries (deliberation_id, id);

CREATE TABLE deliberation_comments (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    deliberation_id BIGINT NOT NULL REFERENCES deliberations(id),
    parent_id       BIGINT REFERENCES deliberation_comments(id),
    author_user_id  BIGINT NOT NULL REFERENCES users(id),
    body            TEXT NOT NULL CHECK (char_length(body) BETWEEN 1 AND 500),
    hidden          BIGINT NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    reports         BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL
);
CREATE INDEX deliberation_comments_d ON deliberation_comments (deliberation_id, id);

CREATE TABLE deliberation_reports (
    comment_id BIGINT NOT NULL REFERENCES deliberation_comments(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    reason     TEXT NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 200),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (comment_id, user_id)
);
