-- Deliberation (居民议事): a question opened by a worker, discussed, then voted on online and on
-- paper by an electorate frozen when voting opens; closed on time (or early, with a reason) and
-- tallied into an official result. Times in ms UTC, areas in 0.01 m² as elsewhere.

CREATE TABLE deliberations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    community_id    INTEGER NOT NULL REFERENCES communities(id),
    need_id         INTEGER REFERENCES needs(id),
    title           TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 80),
    background      TEXT NOT NULL CHECK (length(background) BETWEEN 1 AND 4000),
    -- 'yes_no': yes / no / abstain; 'choice': one of the options, or up to max_choices of them.
    kind            TEXT NOT NULL CHECK (kind IN ('yes_no', 'choice')),
    max_choices     INTEGER NOT NULL DEFAULT 1 CHECK (max_choices >= 1),
    -- Who votes: verified residents of the community or of chosen buildings, or the owners of chosen buildings.
    electorate      TEXT NOT NULL CHECK (electorate IN ('community', 'buildings', 'owners')),
    -- One vote per person, per household, or per owned home (专有部分) weighted by its area.
    vote_unit       TEXT NOT NULL CHECK (vote_unit IN ('person', 'household', 'owner')),
    rule            TEXT NOT NULL CHECK (rule IN ('simple', 'art278_ordinary', 'art278_major')),
    quorum_pct      INTEGER CHECK (quorum_pct IS NULL OR quorum_pct BETWEEN 1 AND 100),
    secret          INTEGER NOT NULL CHECK (secret IN (0, 1)),
    status          TEXT NOT NULL CHECK (status IN ('discussion', 'voting', 'closed')),
    created_by      INTEGER NOT NULL REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    opens_at        INTEGER NOT NULL,
    closes_at       INTEGER NOT NULL,
    -- The snapshot, taken when voting opens.
    opened_at       INTEGER,
    electorate_size INTEGER,
    electorate_area INTEGER,
    reminded_at     INTEGER,
    closed_at       INTEGER,
    closed_by       INTEGER REFERENCES users(id),
    close_reason    TEXT CHECK (close_reason IS NULL OR length(close_reason) BETWEEN 1 AND 200),
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
    deliberation_id INTEGER NOT NULL REFERENCES deliberations(id),
    building_id     INTEGER NOT NULL REFERENCES buildings(id),
    PRIMARY KEY (deliberation_id, building_id)
);

CREATE TABLE deliberation_options (
    deliberation_id INTEGER NOT NULL REFERENCES deliberations(id),
    idx             INTEGER NOT NULL CHECK (idx >= 0),
    label           TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 80),
    PRIMARY KEY (deliberation_id, idx)
);

-- The electorate snapshot: one row per vote unit (a person: unit_id = user id; a household or an
-- owned home: unit_id = household id), with its weight, frozen when voting opens.
CREATE TABLE deliberation_units (
    deliberation_id INTEGER NOT NULL REFERENCES deliberations(id),
    unit_id         INTEGER NOT NULL,
    area            INTEGER NOT NULL CHECK (area >= 0),
    label           TEXT NOT NULL,
    PRIMARY KEY (deliberation_id, unit_id)
);

-- Who may cast a unit's vote in the app (the person; the adult members of a household; the owners).
CREATE TABLE deliberation_unit_voters (
    deliberation_id INTEGER NOT NULL,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    unit_id         INTEGER NOT NULL,
    PRIMARY KEY (deliberation_id, user_id, unit_id),
    FOREIGN KEY (deliberation_id, unit_id) REFERENCES deliberation_units (deliberation_id, unit_id)
);

-- That a unit voted, how and by whom (never what): one row per unit, so a unit votes once, in one
-- channel. `version` counts the changes of an app ballot (0 = the first).
CREATE TABLE deliberation_turnout (
    deliberation_id  INTEGER NOT NULL,
    unit_id          INTEGER NOT NULL,
    channel          TEXT NOT NULL CHECK (channel IN ('app', 'paper')),
    cast_by_user_id  INTEGER REFERENCES users(id),
    on_behalf_of_user_id INTEGER REFERENCES users(id),
    first_at         INTEGER NOT NULL,
    last_at          INTEGER NOT NULL,
    version          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (deliberation_id, unit_id),
    FOREIGN KEY (deliberation_id, unit_id) REFERENCES deliberation_units (deliberation_id, unit_id)
);

-- What was voted: one row per unit, keyed by `voter_key` — the unit id for open ballots, a keyed
-- hash of it for secret ones. No time, no row id: nothing to line up with the turnout.
CREATE TABLE ballots (
    deliberation_id INTEGER NOT NULL REFERENCES deliberations(id),
    voter_key       TEXT NOT NULL,
    choice          TEXT NOT NULL,
    PRIMARY KEY (deliberation_id, voter_key)
) WITHOUT ROWID;

-- Paper ballots as keyed in: every entry and correction, who keyed it and when (the choice only
-- for open ballots).
CREATE TABLE paper_entries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    deliberation_id  INTEGER NOT NULL REFERENCES deliberations(id),
    unit_id          INTEGER NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('entry', 'correction')),
    choice           TEXT,
    reason           TEXT CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 200),
    keyed_by_user_id INTEGER NOT NULL REFERENCES users(id),
    created_at       INTEGER NOT NULL,
    CHECK ((kind = 'correction') = (reason IS NOT NULL))
);
CREATE INDEX paper_entries_deliberation ON paper_entries (deliberation_id, id);

CREATE TABLE deliberation_comments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    deliberation_id INTEGER NOT NULL REFERENCES deliberations(id),
    parent_id       INTEGER REFERENCES deliberation_comments(id),
    author_user_id  INTEGER NOT NULL REFERENCES users(id),
    body            TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 500),
    hidden          INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    reports         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);
CREATE INDEX deliberation_comments_d ON deliberation_comments (deliberation_id, id);

CREATE TABLE deliberation_reports (
    comment_id INTEGER NOT NULL REFERENCES deliberation_comments(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    reason     TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (comment_id, user_id)
);
